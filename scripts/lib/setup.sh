# Installers shared by Moa's scripts. Each is idempotent: it does nothing when the tool is
# already there, so a fresh machine and a warm one run the same commands. Tools that are not
# Debian packages are cached under $MOA_TOOLS (default: ~/.cache/moa-tools).

MOA_TOOLS="${MOA_TOOLS:-$HOME/.cache/moa-tools}"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
        echo "need root for: $*" >&2; return 1
    fi
}

apt_updated=""
apt_install() {
    if [ -z "$apt_updated" ]; then
        as_root apt-get update -qq || return 1
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"
}

ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    command -v cargo >/dev/null 2>&1 || { echo "cargo is missing: install Rust (rustup)" >&2; return 1; }
    cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
}

# kotlinc from the npm package kotlin-compiler (the full distribution, with kotlin-test and
# kotlinx-coroutines in its lib/). Sets KOTLIN_HOME.
ensure_kotlin() {
    local version=2.4.20
    KOTLIN_HOME="$MOA_TOOLS/kotlin-$version/node_modules/kotlin-compiler"
    if [ ! -x "$KOTLIN_HOME/bin/kotlinc" ]; then
        command -v java >/dev/null 2>&1 || apt_install openjdk-17-jdk-headless || return 1
        command -v npm >/dev/null 2>&1 || apt_install npm || return 1
        echo "installing kotlinc $version (npm kotlin-compiler)"
        mkdir -p "$MOA_TOOLS/kotlin-$version"
        npm install --silent --no-audit --no-fund --prefix "$MOA_TOOLS/kotlin-$version" "kotlin-compiler@$version" || return 1
    fi
    chmod +x "$KOTLIN_HOME"/bin/* 2>/dev/null || true
    export KOTLIN_HOME
}

# JNA for the generated Kotlin (UniFFI needs >= 5.12; Debian bookworm has 5.13). Sets JNA_JAR.
ensure_jna() {
    JNA_JAR=/usr/share/java/jna.jar
    [ -f "$JNA_JAR" ] || apt_install libjna-java || return 1
    export JNA_JAR
}

# Swift with XCTest. A swift already on PATH (a Mac, a Swift image) is used as it is; otherwise,
# as root, a Debian trixie chroot with swiftlang 6 is built once under $MOA_SWIFT_ROOT and reused.
MOA_SWIFT_ROOT="${MOA_SWIFT_ROOT:-/var/cache/moa/swift-trixie}"
ensure_swift() {
    if command -v swift >/dev/null 2>&1; then
        SWIFT_MODE=host
        return 0
    fi
    SWIFT_MODE=chroot
    if [ -f "$MOA_SWIFT_ROOT/.moa-swift-ready" ]; then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || { echo "no swift on PATH, and building the Swift chroot needs root" >&2; return 1; }
    command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap || return 1
    echo "building the Swift chroot at $MOA_SWIFT_ROOT (once; a few minutes)"
    mkdir -p "$MOA_SWIFT_ROOT"
    if [ ! -x "$MOA_SWIFT_ROOT/usr/bin/apt-get" ]; then
        debootstrap --variant=minbase trixie "$MOA_SWIFT_ROOT" http://deb.debian.org/debian >/dev/null || return 1
    fi
    cp /etc/resolv.conf "$MOA_SWIFT_ROOT/etc/resolv.conf"
    swift_chroot_mounts
    chroot "$MOA_SWIFT_ROOT" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends swiftlang libc6-dev libstdc++-14-dev' >/dev/null
    local status=$?
    swift_chroot_unmounts
    [ $status -eq 0 ] || return $status
    touch "$MOA_SWIFT_ROOT/.moa-swift-ready"
}

swift_chroot_mounts() {
    mountpoint -q "$MOA_SWIFT_ROOT/proc" || mount -t proc proc "$MOA_SWIFT_ROOT/proc"
    mountpoint -q "$MOA_SWIFT_ROOT/dev" || mount --bind /dev "$MOA_SWIFT_ROOT/dev"
}

swift_chroot_unmounts() {
    for m in "$MOA_SWIFT_ROOT/moa" "$MOA_SWIFT_ROOT/dev" "$MOA_SWIFT_ROOT/proc"; do
        mountpoint -q "$m" && umount -l "$m"
    done
    return 0
}

# Run a command for Swift: directly with a host swift, or inside the chroot with the repository
# bind-mounted at /moa (same loopback network, so tests reach a server started outside).
# libfaketime, for running the suites with the clock moved (scripts/test-a-year-ahead.sh).
ensure_faketime() {
    command -v faketime >/dev/null 2>&1 && return 0
    apt_install faketime
}

run_swift() {
    local dir="$1"; shift
    if [ "$SWIFT_MODE" = host ]; then
        (cd "$dir" && "$@")
    else
        local repo
        repo="$(pwd)"
        mkdir -p "$MOA_SWIFT_ROOT/moa"
        swift_chroot_mounts
        mountpoint -q "$MOA_SWIFT_ROOT/moa" || mount --bind "$repo" "$MOA_SWIFT_ROOT/moa"
        local rel="${dir#"$repo"/}"
        chroot "$MOA_SWIFT_ROOT" /usr/bin/env -i HOME=/root PATH=/usr/libexec/swift/bin:/usr/bin:/bin \
            MOA_SERVER_URL="${MOA_SERVER_URL:-}" MOA_NOW_MS="${MOA_NOW_MS:-}" MOA_LIB_DIR="/moa/${MOA_LIB_DIR#"$repo"/}" \
            /bin/sh -c "cd /moa/$rel && $*"
        local status=$?
        swift_chroot_unmounts
        # The chroot's /tmp is ours alone: swiftpm's and the tests' temp dirs would pile up run after run.
        find "$MOA_SWIFT_ROOT/tmp" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
        return $status
    fi
}

# Chromium for the QA preview's browser test: Debian's package (Playwright's own browser download
# does not work here), with Korean fonts so the screenshot shows the words.
ensure_chromium() {
    if command -v chromium >/dev/null 2>&1; then return 0; fi
    apt_install chromium fonts-noto-cjk
}

# Playwright (the Python package only; it drives the system chromium) in a venv of our own.
ensure_playwright() {
    local venv="$MOA_TOOLS/browser-venv"
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import playwright" 2>/dev/null; then
        PLAYWRIGHT_PYTHON="$venv/bin/python"
        return 0
    fi
    python3 -m venv "$venv" && "$venv/bin/pip" install -q "playwright==1.65.2" || return 1
    PLAYWRIGHT_PYTHON="$venv/bin/python"
}

# cargo fuzz and the nightly toolchain it needs (libFuzzer's sanitizer flags), for the fuzz suite.
ensure_cargo_fuzz() {
    rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal || return 1
    if ! cargo fuzz --version 2>/dev/null | grep -q "0.13.1"; then
        cargo install cargo-fuzz --version 0.13.1 --locked || return 1
    fi
}

# PostgreSQL from Debian, for the server's tests on its second engine. Sets PG_BIN.
ensure_postgres() {
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        apt_install postgresql || return 1
        PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    fi
}

# Debian's nginx: the caching proxy in front of two servers in the replica test (e2e/tests/replicas.rs).
ensure_nginx() {
    [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || apt_install nginx-light || apt_install nginx
}

# A throwaway PostgreSQL cluster: initdb into a temp dir as an unprivileged user (the Debian
# package's `postgres` when run as root), on a free loopback port, fsync off (a test cluster).
# Sets MOA_PG_DIR and MOA_PG_URL; stop_postgres removes it all.
start_postgres() {
    ensure_postgres || return 1
    MOA_PG_DIR="$(mktemp -d /tmp/moa-pg.XXXXXX)"
    local port as=()
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres "$MOA_PG_DIR"
        as=(runuser -u postgres --)
    fi
    ${as[@]+"${as[@]}"} "$PG_BIN/initdb" -D "$MOA_PG_DIR/data" -U moa --auth=trust -E UTF8 >"$MOA_PG_DIR/initdb.log" 2>&1 &&
        ${as[@]+"${as[@]}"} "$PG_BIN/pg_ctl" -D "$MOA_PG_DIR/data" -l "$MOA_PG_DIR/server.log" -w \
            -o "-p $port -k $MOA_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start \
            >/dev/null || { cat "$MOA_PG_DIR"/*.log >&2; return 1; }
    MOA_PG_URL="postgres://moa@127.0.0.1:$port/postgres"
    MOA_PG_AS=(${as[@]+"${as[@]}"})
}

stop_postgres() {
    [ -n "${MOA_PG_DIR:-}" ] || return 0
    ${MOA_PG_AS[@]+"${MOA_PG_AS[@]}"} "$PG_BIN/pg_ctl" -D "$MOA_PG_DIR/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$MOA_PG_DIR"
    MOA_PG_DIR=""
}

# Schemathesis (PyPI) in a venv of our own, for the attack suite. Sets SCHEMATHESIS.
ensure_schemathesis() {
    local version=4.32.5 venv="$MOA_TOOLS/schemathesis-venv"
    SCHEMATHESIS="$venv/bin/st"
    if [ -x "$SCHEMATHESIS" ] && [ "$("$venv/bin/pip" show schemathesis 2>/dev/null | sed -n 's/^Version: //p')" = "$version" ]; then
        return 0
    fi
    python3 -m venv "$venv" && "$venv/bin/pip" install -q "schemathesis==$version"
}

# Compose Multiplatform for the desktop JVM (the Android app's screens, drawn and tapped here),
# resolved by Maven from Maven Central over android/desktop/pom.xml into one folder of jars, plus
# a font with Hangul for the screenshots. Sets COMPOSE_CP (the jars, ':'-joined).
ensure_compose_desktop() {
    local dir="$MOA_TOOLS/compose-desktop-$(sha256sum android/desktop/pom.xml | cut -c1-12)"
    if [ ! -f "$dir/.complete" ]; then
        command -v mvn >/dev/null 2>&1 || apt_install maven || return 1
        echo "fetching Compose for desktop (android/desktop/pom.xml) into $dir"
        rm -rf "$dir" && mkdir -p "$dir"
        mvn -q -B -f android/desktop/pom.xml dependency:copy-dependencies -DoutputDirectory="$dir" || return 1
        # kotlinc brings its own (newer) standard library.
        rm -f "$dir"/kotlin-stdlib-*.jar
        touch "$dir/.complete"
    fi
    fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || apt_install fonts-noto-cjk fontconfig || return 1
    COMPOSE_CP="$(ls "$dir"/*.jar | tr '\n' ':')"
    export COMPOSE_CP
}

# Compile the Android app's screens for the desktop JVM, without Gradle: the generated bindings,
# android/presentation, every file of android/ui and the desktop shell (android/desktop), with
# kotlinc and its own Compose compiler plugin (same Kotlin version by construction); with
# "tests", android/ui's UI tests too. Writes $1 (a jar holding android/ui's res/ as resources).
compile_android_screens() {
    local jar="$1" with_tests="${2:-}"
    local sources=(bindings/generated/kotlin/app/moa/core/*.kt
        android/presentation/src/main/kotlin/app/moa/presentation/*.kt
        android/ui/src/main/kotlin/app/moa/ui/*.kt
        android/desktop/src/main/kotlin/app/moa/desktop/*.kt)
    [ "$with_tests" = tests ] && sources+=(android/desktop/src/test/kotlin/app/moa/ui/*.kt)
    mkdir -p "$(dirname "$jar")"
    "$KOTLIN_HOME/bin/kotlinc" -nowarn -jvm-target 17 \
        -Xplugin="$KOTLIN_HOME/lib/compose-compiler-plugin.jar" \
        -cp "$COMPOSE_CP:$KOTLIN_HOME/lib/kotlin-test.jar" -d "$jar" "${sources[@]}" || return 1
    # The strings.xml files, where the desktop platform looks for them (/values*/strings.xml).
    (cd android/ui/src/main/res && jar uf "$OLDPWD/$jar" values*/strings.xml)
}
