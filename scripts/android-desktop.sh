#!/usr/bin/env bash
# QA without a phone: the Android app's screens (android/ui) in a phone-sized desktop window over
# a demo moa-server on loopback. Taps do what they do on the phone; "go to mall" opens the
# desktop browser, and coming back to the window counts as the return from the mall.
#
#   scripts/android-desktop.sh                 Korean, light
#   scripts/android-desktop.sh --locale en --dark
#   MOA_SERVER_URL=http://… scripts/android-desktop.sh   an existing server instead of the demo
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

ensure_rust && ensure_kotlin && ensure_compose_desktop
scripts/gen-bindings.sh >/dev/null
compile_android_screens target/ui/app.jar

server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null' EXIT
if [ -z "${MOA_SERVER_URL:-}" ]; then
    cargo build -q -p moa-cli
    fifo="$(mktemp -u)"
    mkfifo "$fifo"
    target/debug/moa serve --demo --port 0 >"$fifo" 2>/dev/null &
    server_pid=$!
    read -r MOA_SERVER_URL <"$fifo"
    rm -f "$fifo"
    echo "demo moa-server at $MOA_SERVER_URL"
fi
java -Djna.library.path="$PWD/target/debug" \
    -cp "target/ui/app.jar:$COMPOSE_CP:$KOTLIN_HOME/lib/kotlin-stdlib.jar" \
    app.moa.desktop.MainKt --server "$MOA_SERVER_URL" "$@"
