#!/usr/bin/env bash
# Installs the Debian packages Watchpost needs. Safe to run twice: it only calls apt when something is missing.
set -euo pipefail
log() { printf '\033[1m[setup:system]\033[0m %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

# Runtime: ffmpeg (ingest, recording, decoding), redis (queues, socket.io), PostgreSQL 15 (tests, servers),
# chromium (end-to-end tests). Build: the mediasoup 3.12.16 worker against Debian's own libraries.
# Models: PyTorch + onnx train and export our own models, Pillow/numpy + a CJK font draw the synthetic
# training and evaluation images (plates need 粤/港/澳). Camera tests: GStreamer's RTSP server, from Python,
# serves simulated IP cameras (scripts/rtsp-server.py).
PACKAGES=(
  ffmpeg redis-server postgresql chromium
  python3-torch python3-onnx python3-pil python3-numpy fonts-wqy-zenhei fonts-dejavu-core
  ninja-build pkg-config build-essential python3 patch openssl
  libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev nlohmann-json3-dev libabsl-dev
  gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
)
BACKPORTS_LIST=/etc/apt/sources.list.d/bookworm-backports.list

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# mediasoup needs meson >= 1.1; bookworm has 1.0.1, bookworm-backports has 1.7.
meson_ok=0
if command -v meson >/dev/null 2>&1; then
  v=$(meson --version)
  if [ "$(printf '%s\n1.1.0\n' "$v" | sort -V | head -1)" = "1.1.0" ]; then meson_ok=1; fi
fi

if [ ${#missing[@]} -eq 0 ] && [ $meson_ok -eq 1 ]; then
  log "all Debian packages present (meson $(meson --version))"
  exit 0
fi

if [ $meson_ok -eq 0 ] && [ ! -f "$BACKPORTS_LIST" ]; then
  log "adding bookworm-backports (for meson >= 1.1)"
  echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee "$BACKPORTS_LIST" >/dev/null
fi
log "apt-get update"
$SUDO apt-get update -qq
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ $meson_ok -eq 0 ]; then
  log "installing meson from bookworm-backports"
  $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports meson
fi
log "done (meson $(meson --version))"
