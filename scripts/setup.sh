#!/usr/bin/env bash
# `npm run setup`: everything Watchpost needs on a fresh Debian 12 machine. Safe to run twice: each step
# skips what is already done. Prints what it is doing.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
t0=$(date +%s)
step() { log "$1 ($(( $(date +%s) - t0 )) s)"; }

step "1/4 Debian packages"
bash scripts/setup-system.sh

step "2/4 npm packages"
# onnxruntime-node would fetch CUDA libraries and mediasoup a prebuilt worker: neither can be downloaded
# here. Install without lifecycle scripts, then run the scripts of the packages that need them, with the
# onnxruntime download switched off. mediasoup's worker is built in step 3.
export ONNXRUNTIME_NODE_INSTALL=skip
LOCK_HASH=$(sha256sum package-lock.json | cut -c1-64)
STAMP=node_modules/.watchpost-lock-hash
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$LOCK_HASH" ]; then
  log "node_modules matches package-lock.json"
else
  npm ci --ignore-scripts --no-audit --no-fund
  npm rebuild esbuild msgpackr-extract onnxruntime-node
  echo "$LOCK_HASH" > "$STAMP"
fi

step "3/4 mediasoup worker"
bash scripts/build-mediasoup-worker.sh
node -e "require('mediasoup').createWorker({logLevel:'error'}).then(w=>{console.log('[setup] mediasoup worker '+require('mediasoup').version+' starts (pid '+w.pid+')');w.close()}).catch(e=>{console.error(e);process.exit(1)})"
# mediasoup's own test suite (npm test runs it against this worker) reads a DTLS certificate from its
# tests/data folder, which the npm package does not ship: a self-signed one is made once.
MS_TEST_DATA=node_modules/mediasoup/node/lib/tests/data
if [ ! -f "$MS_TEST_DATA/dtls-cert.pem" ]; then
  mkdir -p "$MS_TEST_DATA"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=mediasoup-tests \
    -keyout "$MS_TEST_DATA/dtls-key.pem" -out "$MS_TEST_DATA/dtls-cert.pem" 2>/dev/null
  log "made a DTLS certificate for mediasoup's own tests"
fi

step "4/4 web app"
if [ -f web/package.json ] || [ -f web/vite.config.ts ]; then
  npm run build:web
else
  log "no web app to build yet"
fi

step "done"
