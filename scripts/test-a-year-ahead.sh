#!/usr/bin/env bash
# Runs every test suite (scripts/test.sh) with the machine's clock set a year ahead, through
# libfaketime: proof that no test depends on today's date. Installs Debian's faketime if missing.
#
#   scripts/test-a-year-ahead.sh                 all suites, a year ahead
#   MOA_FAKETIME=+3650d scripts/test-a-year-ahead.sh   ten years ahead
#   MOA_SUITES="rust" scripts/test-a-year-ahead.sh     only the named suites
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

ensure_rust && ensure_faketime
export MOA_FAKETIME="${MOA_FAKETIME:-+365d}"
# Only the calendar moves: monotonic clocks have no date, and a faked one made timed waits in
# the Swift chroot (its newer glibc) sleep for the offset.
export DONT_FAKE_MONOTONIC=1
echo "the clock is moved by $MOA_FAKETIME: $(faketime -f "$MOA_FAKETIME" date -u)"
# Cargo runs the test binaries through this runner; rustc itself keeps the real clock.
host="$(rustc -vV | sed -n 's/^host: //p' | tr 'a-z-' 'A-Z_')"
export "CARGO_TARGET_${host}_RUNNER=faketime -f $MOA_FAKETIME"
exec bash scripts/test.sh
