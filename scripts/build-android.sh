#!/usr/bin/env bash
# Builds the Rust core for Android (arm64-v8a, armeabi-v7a, x86_64) with cargo-ndk into the app's
# jniLibs, and generates the Kotlin bindings the presentation module compiles.
#
#   scripts/build-android.sh            release libraries (size-tuned profile)
#   PROFILE=debug scripts/build-android.sh
#
# Needs: the Android NDK (ANDROID_NDK_HOME, or the newest under the SDK's ndk/ folder: ANDROID_HOME,
# ANDROID_SDK_ROOT, or Android Studio's default on macOS or Linux), rustup. Installs the Rust
# targets and cargo-ndk when missing. Written for bash 3.2 too (macOS's /bin/bash).
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${PROFILE:-release}"
TARGETS=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)
OUT=android/app/src/main/jniLibs

if [ -z "${ANDROID_NDK_HOME:-}" ]; then
    for sdk in "${ANDROID_HOME:-}" "${ANDROID_SDK_ROOT:-}" "$HOME/Library/Android/sdk" "$HOME/Android/Sdk"; do
        if [ -n "$sdk" ] && [ -d "$sdk/ndk" ] && [ -n "$(ls "$sdk/ndk" 2>/dev/null)" ]; then
            # The newest side-by-side NDK (version-sorted without GNU sort -V, absent on macOS).
            ANDROID_NDK_HOME="$sdk/ndk/$(ls "$sdk/ndk" | sort -t. -k1,1n -k2,2n -k3,3n | tail -1)"
            break
        fi
    done
    [ -n "${ANDROID_NDK_HOME:-}" ] && export ANDROID_NDK_HOME
fi
[ -n "${ANDROID_NDK_HOME:-}" ] || { echo "Set ANDROID_NDK_HOME (install the NDK from Android Studio's SDK manager)" >&2; exit 1; }

rustup target add "${TARGETS[@]}" >/dev/null
command -v cargo-ndk >/dev/null || cargo install cargo-ndk --locked

flags=()
[ "$PROFILE" = release ] && flags+=(--release)
# Android 15+ devices may use 16 KB pages: NDKs before r28 link for 4 KB unless told.
for target in AARCH64_LINUX_ANDROID ARMV7_LINUX_ANDROIDEABI X86_64_LINUX_ANDROID; do
    export "CARGO_TARGET_${target}_RUSTFLAGS=-C link-arg=-Wl,-z,max-page-size=16384"
done
# minSdk 26, as android/app/build.gradle.kts says. ${flags[@]+…}: bash 3.2 calls an empty array unset.
cargo ndk --platform 26 -t arm64-v8a -t armeabi-v7a -t x86_64 -o "$OUT" build -p moa-ffi ${flags[@]+"${flags[@]}"}

# Kotlin bindings from the host build of the same library (the metadata is the same on every ABI).
scripts/gen-bindings.sh
echo "libmoa_ffi.so for $(ls "$OUT" | tr '\n' ' ')in $OUT; bindings in bindings/generated/kotlin"
