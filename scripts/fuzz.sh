#!/usr/bin/env bash
# Fuzz every feed reader and the photo decoder with cargo fuzz (libFuzzer, nightly), each for
# SECONDS (default 60), the corpus seeded from ../shared/fixtures (read in place, never copied)
# and the project's own feeds. A crash stops with its input in fuzz/artifacts/<target>/;
# artifacts/fuzz/summary.txt says, per target, how long it ran, how many inputs, what it found.
#
#   scripts/fuzz.sh [SECONDS]          or   MOA_SUITES=fuzz scripts/test.sh
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
seconds="${1:-60}"
ensure_rust && ensure_cargo_fuzz || exit 1

fixtures=../shared/fixtures
[ -d "$fixtures" ] || echo "note: $fixtures is absent; the corpus starts from the project's own feeds only" >&2
own=server/tests/fixtures/ingest
declare -A seeds=(
    [feed_shopify_json]="$fixtures/catalog/shopify"
    [feed_shopify_csv]="$fixtures/catalog/shopify"
    [feed_merchant_xml]="$fixtures/catalog/google_merchant"
    [feed_merchant_tsv]="$fixtures/catalog/google_merchant"
    [feed_naver_ep]="$fixtures/catalog/naver_ep"
    [feed_cafe24]="$fixtures/catalog/cafe24"
    [photo]="$fixtures/images"
)
targets="${MOA_FUZZ_TARGETS:-feed_shopify_json feed_shopify_csv feed_merchant_xml feed_merchant_tsv feed_naver_ep feed_cafe24 photo}"

(cd fuzz && cargo +nightly fuzz build) || exit 1
mkdir -p artifacts/fuzz
summary=artifacts/fuzz/summary.txt
: >"$summary"
status=0
for target in $targets; do
    corpus="fuzz/corpus/$target"
    mkdir -p "$corpus"
    declare -a dirs=("$PWD/$corpus")
    for dir in ${seeds[$target]} "$own"; do
        [ -d "$dir" ] && dirs+=("$(cd "$dir" && pwd)")
    done
    log="artifacts/fuzz/$target.log"
    # -rss_limit_mb: an input that makes a reader allocate past it is a finding, like a crash.
    (cd fuzz && cargo +nightly fuzz run "$target" "${dirs[@]}" -- \
        -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1) >"$log" 2>&1
    result=$?
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    found="none"
    if [ "$result" -ne 0 ]; then
        found="$(grep -m1 -E '^==[0-9]+== ?ERROR|panicked at|SUMMARY' "$log" || echo "exit $result")"
        status=1
    fi
    echo "$target: ${seconds}s, ${runs:-?} inputs, found: $found" | tee -a "$summary"
done
exit $status
