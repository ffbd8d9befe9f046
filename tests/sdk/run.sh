#!/usr/bin/env bash
# Starts the emulator and runs the official SDKs against it, unchanged: the JS SDK
# (@voucherify/sdk, from the npm registry) and the Python SDK (voucherify, from PyPI).
# A missing node/npm or python3 skips that SDK with a notice; a failing check fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --quiet --bin voucherify-harness
log=$(mktemp)
./target/debug/voucherify-harness emulate --port 0 --app-id sdk-app --secret-key sdk-secret-key >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^Voucherify emulator listening on //p' "$log")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "sdk check: the emulator did not start"; cat "$log"; exit 1; }
export VOUCHERIFY_API_URL="$url" VOUCHERIFY_APP_ID=sdk-app VOUCHERIFY_SECRET_KEY=sdk-secret-key

if command -v npm >/dev/null 2>&1; then
  (cd tests/sdk/js && npm install --no-audit --no-fund --silent)
  node tests/sdk/js/check.mjs
else
  echo "sdk check: npm is not installed; the JS SDK check did not run"
fi

if command -v python3 >/dev/null 2>&1; then
  venv=target/sdk-venv
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "voucherify==6.1.1"
  "$venv/bin/python" tests/sdk/python/check.py
else
  echo "sdk check: python3 is not installed; the Python SDK check did not run"
fi
