#!/usr/bin/env bash
# Runs every test suite Moa has, installing what a fresh machine lacks first, and prints one
# summary line per suite. Exits non-zero when any suite fails.
#
#   scripts/test.sh            all suites
#   MOA_SUITES="rust" scripts/test.sh   only the named ones (space-separated)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

SUITES="${MOA_SUITES:-format rust}"
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

suite_format() { cargo fmt --all --check; }
suite_rust() { cargo test --workspace --no-fail-fast; }

ensure_rust
for suite in $SUITES; do
    run_suite "$suite" "suite_$suite"
done

echo
echo "━━ summary"
printf '%s\n' "${SUMMARY[@]}"
echo "suites: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
