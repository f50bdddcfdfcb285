#!/usr/bin/env bash
# Copies the generated Swift bindings (scripts/gen-bindings.sh) into the Swift test package.
set -euo pipefail
cd "$(dirname "$0")/../.."
generated=bindings/generated/swift
package=bindings/tests/swift
cp "$generated/MoaCore.swift" "$package/Sources/MoaCore/MoaCore.swift"
cp "$generated/MoaCoreFFI.h" "$package/Sources/MoaCoreFFI/MoaCoreFFI.h"
