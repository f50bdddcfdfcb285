#!/usr/bin/env bash
# Builds the Rust core for iOS devices and simulators as ios/MoaCore/MoaCoreFFI.xcframework (static
# libraries, the C header and module map), generates the Swift bindings into the MoaCore package,
# and generates the Xcode project from ios/project.yml. Run on a Mac with Xcode.
#
#   scripts/build-ios.sh                 release libraries (size-tuned profile)
#   PROFILE=debug scripts/build-ios.sh
# Written for bash 3.2 too (macOS's /bin/bash): an empty array is expanded as ${a[@]+"${a[@]}"}.
# The XCFramework is named after the binary target it backs (MoaCoreFFI): SwiftPM requires it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname -s)" = Darwin ] || { echo "iOS builds need macOS with Xcode" >&2; exit 1; }

PROFILE="${PROFILE:-release}"
flags=()
[ "$PROFILE" = release ] && flags+=(--release)
TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${TARGETS[@]}" >/dev/null
for target in "${TARGETS[@]}"; do
    cargo build -p moa-ffi --lib --target "$target" ${flags[@]+"${flags[@]}"}
done

# Swift bindings and the C header from the host build of the same library.
scripts/gen-bindings.sh ${flags[@]+"${flags[@]}"}
scripts/lib/prepare-swift-package.sh

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/headers"
cp bindings/generated/swift/MoaCoreFFI.h "$work/headers/"
# The generated module map (with `use "Darwin"`) is right on Apple platforms.
cp bindings/generated/swift/MoaCoreFFI.modulemap "$work/headers/module.modulemap"
mkdir -p "$work/sim"
lipo -create "target/aarch64-apple-ios-sim/$PROFILE/libmoa_ffi.a" "target/x86_64-apple-ios/$PROFILE/libmoa_ffi.a" \
    -output "$work/sim/libmoa_ffi.a"
rm -rf ios/MoaCore/MoaCoreFFI.xcframework
xcodebuild -create-xcframework \
    -library "target/aarch64-apple-ios/$PROFILE/libmoa_ffi.a" -headers "$work/headers" \
    -library "$work/sim/libmoa_ffi.a" -headers "$work/headers" \
    -output ios/MoaCore/MoaCoreFFI.xcframework

command -v xcodegen >/dev/null || brew install xcodegen
(cd ios && xcodegen generate)
echo "ios/MoaCore/MoaCoreFFI.xcframework and ios/Moa.xcodeproj are ready: open ios/Moa.xcodeproj"
