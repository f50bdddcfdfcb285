#!/usr/bin/env bash
# Copies the generated Swift bindings (scripts/gen-bindings.sh) into the Swift test package and
# into the iOS app's MoaCore package.
set -euo pipefail
cd "$(dirname "$0")/../.."
generated=bindings/generated/swift
package=bindings/tests/swift
# The generated files are git-ignored, so a clean clone has no Sources/MoaCore directory yet.
mkdir -p "$package/Sources/MoaCore" "$package/Sources/MoaCoreFFI"
cp "$generated/MoaCore.swift" "$package/Sources/MoaCore/MoaCore.swift"
cp "$generated/MoaCoreFFI.h" "$package/Sources/MoaCoreFFI/MoaCoreFFI.h"
# The iOS app's MoaCore package (ios/MoaCore) takes the same files.
mkdir -p ios/MoaCore/Sources/MoaCore ios/MoaCore/Sources/MoaCoreFFI
cp "$generated/MoaCore.swift" ios/MoaCore/Sources/MoaCore/MoaCore.swift
cp "$generated/MoaCoreFFI.h" ios/MoaCore/Sources/MoaCoreFFI/MoaCoreFFI.h
