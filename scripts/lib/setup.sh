# Installers shared by Moa's scripts. Each is idempotent: it does nothing when the tool is
# already there, so a fresh machine and a warm one run the same commands.

ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        if [ -x "$HOME/.cargo/bin/cargo" ]; then
            export PATH="$HOME/.cargo/bin:$PATH"
        else
            echo "installing the Rust toolchain (rustup, stable)"
            curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt
            export PATH="$HOME/.cargo/bin:$PATH"
        fi
    fi
    if ! cargo fmt --version >/dev/null 2>&1; then
        rustup component add rustfmt
    fi
}
