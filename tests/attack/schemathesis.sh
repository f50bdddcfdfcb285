#!/usr/bin/env bash
# Schemathesis against a running moa-server: every operation of docs/openapi.yaml, generated
# requests in all of schemathesis's phases (examples, coverage, fuzzing, stateful), every check
# but one (below). Two passes with fixed seeds, so a run is repeatable:
#   1. anonymous: ids, keys and bodies all generated — the authorisation checks are the target;
#   2. signed in (tests/attack/schemathesis.toml): a session, an install's key, a mall's key and
#      ids that exist, so the requests reach the handlers behind those checks. Sign-out
#      operations are left out of this pass (they would end the session it runs on).
# Writes each pass's report and a summary (requests generated, findings, 5xx answers, the tool's
# own errors) to OUT. A pass fails on any finding, or when it generated nothing.
#
#   tests/attack/schemathesis.sh URL OUT
#
# Left out: `positive_data_acceptance`. JSON Schema counts 281.0 as an integer; the protocol's
# integers are JSON integers without a fraction, and serde refuses 281.0 with a 400 by design.
set -uo pipefail
cd "$(dirname "$0")/../.."
url="$1" out="$2"
st="${SCHEMATHESIS:-st}"
mkdir -p "$out"

run_pass() {
    local name="$1" seed="$2"; shift 2
    "$st" "$@" docs/openapi.yaml --url "$url" --checks all --exclude-checks positive_data_acceptance \
        --workers 2 --seed "$seed" --no-color >"$out/$name.txt" 2>&1
    local status=$? generated findings server_errors tool_errors
    generated="$(sed -n 's/^ *\([0-9]*\) generated.*/\1/p' "$out/$name.txt" | tail -1)"
    findings="$(grep -cE '^- ST[0-9]+ ' "$out/$name.txt")"
    server_errors="$(grep -cE '^- ST101 ' "$out/$name.txt")"
    # Schemathesis's own failures to generate a case (4.32.5 now and then raises an internal
    # KeyError while building coverage cases for POST /v1/events, then calls the case flaky) are
    # reported but are not findings about the server.
    tool_errors="$(grep -c '^Runtime Error' "$out/$name.txt")"
    echo "$name: ${generated:-?} requests generated, $findings findings ($server_errors server errors), $tool_errors schemathesis errors (exit $status)" |
        tee -a "$out/summary.txt"
    [ -n "$generated" ] && [ "$findings" -eq 0 ]
}

json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# The second pass's credentials and ids, as a shopper's device and a mall would have them, taken
# first: the anonymous pass's wrong passwords shut sign-in from this address for 15 minutes.
export MOA_SESSION_TOKEN MOA_INSTALL_KEY MOA_MALL MOA_MALL_KEY MOA_PRODUCT
MOA_SESSION_TOKEN="$(curl -sf -X POST "$url/v1/session" -H 'content-type: application/json' \
    -d '{"username":"hana","password":"moa-demo"}' | json_field 'd["token"]')" || exit 1
MOA_INSTALL_KEY="$(curl -sf -X POST "$url/v1/installs" | json_field 'd["key"]')" || exit 1
MOA_MALL="$(curl -sf "$url/v1/malls" | json_field 'd["malls"][0]["id"]')" || exit 1
MOA_MALL_KEY="demo-key-$MOA_MALL"
MOA_PRODUCT="$(curl -sf "$url/v1/catalog/changes?limit=1" | json_field 'd["changes"][0]["product"]["id"]')" || exit 1
: >"$out/summary.txt"
status=0
run_pass anonymous 20261130 run || status=1
run_pass signed-in 20261201 --config-file tests/attack/schemathesis.toml run --exclude-method DELETE || status=1
exit $status
