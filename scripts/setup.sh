#!/usr/bin/env bash
# Installs what Coffer needs on a fresh Debian 12 machine, idempotently: SoftHSM2, SQLite, OpenSSL,
# Chromium (for the end-to-end tests), the wasm target, cargo-leptos and wasm-bindgen-cli at the
# pinned versions, and the end2end npm packages (Playwright, binaryen's wasm-opt).
# Usage: scripts/setup.sh [--with-browser]
set -euo pipefail
cd "$(dirname "$0")/.."

with_browser=false
[ "${1:-}" = "--with-browser" ] && with_browser=true

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

need_apt=()
command -v softhsm2-util >/dev/null || need_apt+=(softhsm2)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
# The audit tests check a signed export with OpenSSL alone, as an assessor would.
command -v openssl >/dev/null || need_apt+=(openssl)
$with_browser && ! command -v chromium >/dev/null && need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> apt-get install ${need_apt[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}"
fi

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

if ! cargo leptos --version 2>/dev/null | grep -q "0.3.10"; then
  echo "==> cargo install cargo-leptos 0.3.10 (about 20 minutes on 2 cores, once)"
  cargo install cargo-leptos --version 0.3.10 --locked
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "0.2.130"; then
  echo "==> cargo install wasm-bindgen-cli 0.2.130 (about 5 minutes, once)"
  # Without --locked: its lock file pins a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version 0.2.130
fi

if [ ! -x end2end/node_modules/.bin/wasm-opt ] || { $with_browser && { [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/@axe-core/playwright ]; }; }; then
  echo "==> npm install (end2end: Playwright, axe-core, binaryen)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund)
fi
