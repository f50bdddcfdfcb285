#!/usr/bin/env bash
# Builds moa-ffi and generates its Kotlin (package app.moa.core) and Swift (module MoaCore)
# bindings in library mode, into bindings/generated/ (git-ignored).
#
#   scripts/gen-bindings.sh            debug library (tests)
#   scripts/gen-bindings.sh --release  release library (apps)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
cargo_flags=()
if [ "${1:-}" = "--release" ]; then
    profile=release
    cargo_flags=(--release)
fi

# ${a[@]+"${a[@]}"}: bash 3.2 (macOS) treats an empty array as unset under set -u.
cargo build ${cargo_flags[@]+"${cargo_flags[@]}"} -p moa-ffi --lib
case "$(uname -s)" in
    Darwin) lib="target/$profile/libmoa_ffi.dylib" ;;
    *) lib="target/$profile/libmoa_ffi.so" ;;
esac

out=bindings/generated
rm -rf "$out/kotlin" "$out/swift"
# Built, then run as a program (not through `cargo run`, whose runner a test setup may set: the
# generator runs `cargo metadata`, which must not see a moved clock).
cargo build -q ${cargo_flags[@]+"${cargo_flags[@]}"} -p moa-ffi --features bindgen --bin uniffi-bindgen
# --no-format: ktlint and swift-format are not needed to use the code, and may be absent.
for language in kotlin swift; do
    "target/$profile/uniffi-bindgen" \
        generate --library "$lib" --language "$language" --out-dir "$out/$language" \
        --config uniffi.toml --no-format
done
echo "bindings for $lib in $out/kotlin and $out/swift"
