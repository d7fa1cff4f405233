# Shared by scripts/run and scripts/test: install what is missing, build the
# app. Sourced, not run. Everything is idempotent and quick when in place.

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
# Splits the app into chunks loaded on demand (scripts/build-app).
WASM_SPLIT_VERSION=0.2.4
TOOLS_DIR="$PWD/.tools"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The wasm-bindgen version Cargo.lock pins; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_build_tools() {
  command -v cargo >/dev/null || { echo "Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION"; then
    say "installing trunk $TRUNK_VERSION (a few minutes, once)"
    cargo install --locked "trunk@$TRUNK_VERSION"
  fi
  local wbg
  wbg=$(wasm_bindgen_version)
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg"; then
    say "installing wasm-bindgen-cli $wbg (a few minutes, once)"
    # Not --locked: its lockfile pins a crate release the registry lacks.
    cargo install wasm-bindgen-cli --version "$wbg"
  fi
  local installed
  installed=$(cargo install --list)
  if ! grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:" <<<"$installed"; then
    say "installing wasm-split-cli $WASM_SPLIT_VERSION (a few minutes, once)"
    cargo install --locked "wasm_split_cli_support@$WASM_SPLIT_VERSION" --features build-binary
  fi
  # Debian's binaryen is too old for today's wasm; npm's is current.
  if ! "$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    command -v npm >/dev/null || { echo "npm is required to install wasm-opt (binaryen)" >&2; exit 1; }
    say "installing wasm-opt (binaryen $BINARYEN_VERSION)"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" "binaryen@$BINARYEN_VERSION"
  fi
  export PATH="$TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"
}

# Builds the app into dist/ in release mode, unless nothing it is made of
# changed since the last build.
build_app() {
  if [ -f dist/index.html ] && [ -z "$(find app shared style Trunk.toml Cargo.toml Cargo.lock scripts/build-app -newer dist/index.html -print -quit)" ]; then
    say "app is up to date"
    return
  fi
  say "building the app (release)"
  unset NO_COLOR  # trunk 0.21 rejects NO_COLOR=1
  TRUNK_SKIP_VERSION_CHECK=true trunk build --release --offline
}

# Chromium, its driver, and a Chinese font so pages and printed documents
# in screenshots are readable.
ensure_browser() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
    return
  fi
  say "installing Chromium, ChromeDriver and the Noto CJK font from the OS packages"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
}
