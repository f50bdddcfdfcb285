#!/usr/bin/env bash
# Builds the Rust core for Android (arm64-v8a, armeabi-v7a, x86_64) with cargo-ndk into the app's
# jniLibs, and generates the Kotlin bindings the presentation module compiles.
#
#   scripts/build-android.sh            release libraries (size-tuned profile)
#   PROFILE=debug scripts/build-android.sh
#
# Needs: the Android NDK (ANDROID_NDK_HOME, or Android Studio's default under ANDROID_HOME/ndk),
# rustup. Installs the Rust targets and cargo-ndk when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${PROFILE:-release}"
TARGETS=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)
OUT=android/app/src/main/jniLibs

if [ -z "${ANDROID_NDK_HOME:-}" ] && [ -d "${ANDROID_HOME:-$HOME/Library/Android/sdk}/ndk" ]; then
    ANDROID_NDK_HOME="$(ls -d "${ANDROID_HOME:-$HOME/Library/Android/sdk}"/ndk/* | sort -V | tail -1)"
    export ANDROID_NDK_HOME
fi
[ -n "${ANDROID_NDK_HOME:-}" ] || { echo "Set ANDROID_NDK_HOME (install the NDK from Android Studio's SDK manager)" >&2; exit 1; }

rustup target add "${TARGETS[@]}" >/dev/null
command -v cargo-ndk >/dev/null || cargo install cargo-ndk --locked

flags=()
[ "$PROFILE" = release ] && flags+=(--release)
# minSdk 26, as android/app/build.gradle.kts says.
cargo ndk --platform 26 -t arm64-v8a -t armeabi-v7a -t x86_64 -o "$OUT" build -p moa-ffi "${flags[@]}"

# Kotlin bindings from the host build of the same library (the metadata is the same on every ABI).
scripts/gen-bindings.sh
echo "libmoa_ffi.so for $(ls "$OUT" | tr '\n' ' ')in $OUT; bindings in bindings/generated/kotlin"
