#!/usr/bin/env bash
# Runs every test suite Moa has, installing what a fresh machine lacks first, and prints one
# summary line per suite. Exits non-zero when any suite fails.
#
#   scripts/test.sh                          all suites
#   MOA_SUITES="rust kotlin" scripts/test.sh only the named ones (format rust postgres kotlin swift ui
#                                            browser attack; and fuzz, which is not in the default set)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

SUITES="${MOA_SUITES:-format rust postgres kotlin swift ui browser attack}"

# With MOA_FAKETIME set (scripts/test-a-year-ahead.sh), what the suites run — test programs,
# servers, JVMs — sees the clock moved by it; the compilers do not (rustc hangs under
# libfaketime). The rust suite's test binaries get it through cargo's runner.
declare -a FAKE=()
[ -n "${MOA_FAKETIME:-}" ] && FAKE=(faketime -f "$MOA_FAKETIME")
declare -a SUMMARY=()
FAILED=0
PASSED=0

run_suite() {
    local name="$1"; shift
    local started=$SECONDS
    echo "━━ suite: $name"
    if "$@"; then
        SUMMARY+=("PASS  $name ($((SECONDS - started)) s)")
        PASSED=$((PASSED + 1))
    else
        SUMMARY+=("FAIL  $name ($((SECONDS - started)) s)")
        FAILED=$((FAILED + 1))
    fi
}

# Formatting, and the house rules (scripts/lib/house.py): no import cycle among a crate's
# modules, no function over 80 lines outside tests.
suite_format() { cargo fmt --all --check && python3 scripts/lib/house.py --self-test && python3 scripts/lib/house.py; }
suite_rust() { ensure_nginx && cargo test --workspace --no-fail-fast; }

# The server's tests, and every end-to-end test, again on PostgreSQL: a throwaway cluster from
# Debian's package (scripts/lib/setup.sh), each catalog in a fresh schema of it. The rust suite's
# own test binaries run again (cargo asked for other packages would compile a second set:
# minutes, and a gigabyte of disk), each from its package's directory as cargo runs it.
suite_postgres() {
    ensure_nginx && start_postgres || return 1
    local status=0 bin dir
    while IFS=$'\t' read -r bin dir; do
        echo "── $(basename "$bin") on PostgreSQL"
        (cd "$dir" && MOA_TEST_POSTGRES="$MOA_PG_URL" ${FAKE[@]+"${FAKE[@]}"} "$bin") || status=1
    done < <(cargo test --workspace --no-run --message-format=json 2>/dev/null | python3 -c '
import json, os, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        if m["target"]["name"] in ("moa_server", "moa_e2e") or os.path.basename(os.path.dirname(m["manifest_path"])) in ("server", "e2e"):
            print(m["executable"] + "\t" + os.path.dirname(m["manifest_path"]))
')
    stop_postgres
    return $status
}

# The binding suites talk to a real moa-server on loopback, started once for both. Its demo world
# is built at a fixed time, and the tests pin the core's clock to it (MOA_NOW_MS): no test depends
# on today's date.
export MOA_NOW_MS=1795000000000
SERVER_PID=""
start_server() {
    [ -n "$SERVER_PID" ] && return 0
    cargo build -q -p moa-cli || return 1
    local fifo
    fifo="$(mktemp -u)"
    mkfifo "$fifo"
    ${FAKE[@]+"${FAKE[@]}"} target/debug/moa serve --demo --products 3000 --now $((MOA_NOW_MS / 1000)) --port 0 >"$fifo" 2>/dev/null &
    SERVER_PID=$!
    read -r MOA_SERVER_URL <"$fifo"
    rm -f "$fifo"
    export MOA_SERVER_URL
    echo "moa-server for the binding tests at $MOA_SERVER_URL"
}
stop_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; SERVER_PID=""; }
trap 'stop_server; stop_postgres' EXIT

suite_kotlin() {
    ensure_kotlin && ensure_jna && scripts/gen-bindings.sh >/dev/null && start_server || return 1
    local out=target/kotlin-tests
    local cp="$JNA_JAR:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar:$KOTLIN_HOME/lib/kotlin-test.jar"
    mkdir -p "$out"
    # One compilation for the bindings, their tests, and the Android app's presentation layer
    # (android/presentation: view models over the bindings) with its tests.
    "$KOTLIN_HOME/bin/kotlinc" -nowarn -cp "$cp" -d "$out/tests.jar" \
        bindings/generated/kotlin/app/moa/core/*.kt bindings/tests/kotlin/*.kt \
        android/presentation/src/main/kotlin/app/moa/presentation/*.kt \
        android/presentation/src/test/kotlin/app/moa/presentation/*.kt || return 1
    # Each test opens Moa in a fresh temp dir; keep them all in one place that is emptied afterwards.
    local tmp="$PWD/$out/tmp" status=0 main
    rm -rf "$tmp" && mkdir -p "$tmp"
    for main in MoaBindingsTestKt app.moa.presentation.PresentationTestKt; do
        ${FAKE[@]+"${FAKE[@]}"} java -Djna.library.path="$PWD/target/debug" -Djava.io.tmpdir="$tmp" \
            -cp "$out/tests.jar:$cp:$KOTLIN_HOME/lib/kotlin-stdlib.jar" "$main" || status=1
    done
    rm -rf "$tmp"
    return $status
}

suite_swift() {
    ensure_swift && scripts/gen-bindings.sh >/dev/null && start_server || return 1
    scripts/lib/prepare-swift-package.sh || return 1
    local package status=0
    # The bindings' own tests, then the iOS app's view models (ios/MoaKit) over them.
    local link="-Xlinker -L\$MOA_LIB_DIR -Xlinker -rpath -Xlinker \$MOA_LIB_DIR"
    for package in bindings/tests/swift ios/MoaKit; do
        # Built, then run. With MOA_FAKETIME the tests talk to the year-ahead server but run with
        # the real clock (their core's clock is pinned anyway): XCTest in the Debian chroot hangs
        # under libfaketime (a listener test's timed wait never returns).
        MOA_LIB_DIR="$PWD/target/debug" run_swift "$PWD/$package" "swift build --build-tests $link 2>&1" &&
            MOA_LIB_DIR="$PWD/target/debug" run_swift "$PWD/$package" "swift test --skip-build $link 2>&1" || status=1
    done
    return $status
}

# The Android app's screens (android/ui, Compose Multiplatform on the desktop JVM), drawn headless
# and tapped through over the real view models, bindings and server; the screens they pass
# through are written to artifacts/ui/*.png.
suite_ui() {
    ensure_kotlin && ensure_compose_desktop && scripts/gen-bindings.sh >/dev/null && start_server || return 1
    local out=target/ui status=0
    compile_android_screens "$out/ui.jar" tests || return 1
    local tmp="$PWD/$out/tmp"
    rm -rf "$tmp" artifacts/ui && mkdir -p "$tmp" artifacts/ui
    ${FAKE[@]+"${FAKE[@]}"} java -Djna.library.path="$PWD/target/debug" -Djava.io.tmpdir="$tmp" -Djava.awt.headless=true \
        -cp "$out/ui.jar:$COMPOSE_CP:$KOTLIN_HOME/lib/kotlin-stdlib.jar:$KOTLIN_HOME/lib/kotlin-test.jar" \
        app.moa.ui.UiTestKt || status=1
    rm -rf "$tmp"
    return $status
}

# The QA preview (moa preview) in headless chromium; its screenshot is kept in artifacts/.
suite_browser() {
    ensure_chromium && ensure_playwright && cargo build -q -p moa-cli || return 1
    local fifo url pid status
    fifo="$(mktemp -u)"
    mkfifo "$fifo"
    ${FAKE[@]+"${FAKE[@]}"} target/debug/moa preview --products 1500 --port 0 >"$fifo" 2>/dev/null &
    pid=$!
    read -r url <"$fifo"
    rm -f "$fifo"
    mkdir -p artifacts
    "$PLAYWRIGHT_PYTHON" tests/browser/preview_check.py "$url" artifacts/preview.png
    status=$?
    kill "$pid" 2>/dev/null
    return $status
}

# Schemathesis against docs/openapi.yaml and a real server of its own (its sign-ins and reprices
# must not disturb the binding tests' server); reports in artifacts/attack/. The attacks written
# as Rust tests (forged events, password storms, slow-loris, hostile feeds) are in the rust suite.
suite_attack() {
    ensure_schemathesis && cargo build -q -p moa-cli || return 1
    local fifo url pid status
    fifo="$(mktemp -u)"
    mkfifo "$fifo"
    ${FAKE[@]+"${FAKE[@]}"} target/debug/moa serve --demo --products 600 --port 0 >"$fifo" 2>/dev/null &
    pid=$!
    read -r url <"$fifo"
    rm -f "$fifo"
    rm -rf artifacts/attack
    SCHEMATHESIS="$SCHEMATHESIS" tests/attack/schemathesis.sh "$url" artifacts/attack
    status=$?
    kill "$pid" 2>/dev/null
    return $status
}

# cargo fuzz over every feed parser and the image decoder, for MOA_FUZZ_SECONDS each (default
# 60), the corpus seeded from ../shared/fixtures. Not in the default set: run it on purpose.
suite_fuzz() { scripts/fuzz.sh "${MOA_FUZZ_SECONDS:-60}"; }

ensure_rust
for suite in $SUITES; do
    run_suite "$suite" "suite_$suite"
done

echo
echo "━━ summary"
printf '%s\n' "${SUMMARY[@]}"
echo "suites: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
