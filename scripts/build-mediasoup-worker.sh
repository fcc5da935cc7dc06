#!/usr/bin/env bash
# Builds the mediasoup 3.12.16 worker offline against Debian's libraries.
# mediasoup's own postinstall downloads a prebuilt worker or wrap sources, which cannot work here, so we
# replace each meson subproject with a small local one that takes the Debian library through pkg-config.
# Safe to run twice: a worker of the right version that already runs is kept.
set -euo pipefail
log() { printf '\033[1m[setup:mediasoup]\033[0m %s\n' "$*"; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORKER_DIR="$ROOT/node_modules/mediasoup/worker"
BUILD_DIR="$WORKER_DIR/out/Release/build"
BIN="$WORKER_DIR/out/Release/mediasoup-worker"
STAMP="$WORKER_DIR/out/Release/.watchpost-built"
WANT_VERSION=$(node -p "require('$ROOT/node_modules/mediasoup/package.json').version")

if [ ! -d "$WORKER_DIR" ]; then
  echo "mediasoup is not installed in node_modules: run npm ci first" >&2
  exit 1
fi
if [ "$WANT_VERSION" != "3.12.16" ]; then
  echo "expected mediasoup 3.12.16, found $WANT_VERSION (the offline recipe is for 3.12.16)" >&2
  exit 1
fi
# The build depends on the mediasoup version and the Debian libraries it links; a worker built from the
# same inputs is kept in a cache outside node_modules, so `npm ci` (which empties node_modules) and fresh
# clones on the same machine do not rebuild for minutes.
LIBS_KEY=$(dpkg-query -W -f='${Package}=${Version} ' libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev 2>/dev/null; meson --version)
# Our patches to the worker's source (scripts/mediasoup-patches/*.patch) are part of the key too.
PATCHES=("$ROOT"/scripts/mediasoup-patches/*.patch)
PATCHES_KEY=$(cat "${PATCHES[@]}" | sha256sum | cut -c1-16)
KEY="$WANT_VERSION-$(printf '%s %s' "$LIBS_KEY" "$PATCHES_KEY" | sha256sum | cut -c1-16)"
CACHE_DIR="${WATCHPOST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/watchpost}"
CACHED="$CACHE_DIR/mediasoup-worker-$KEY"

if [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$KEY" ]; then
  log "worker $WANT_VERSION already built: $BIN"
  exit 0
fi
if [ -x "$CACHED" ]; then
  mkdir -p "$(dirname "$BIN")"
  cp "$CACHED" "$BIN"
  echo "$KEY" > "$STAMP"
  log "worker $WANT_VERSION taken from the build cache ($CACHED)"
  exit 0
fi

SUB="$WORKER_DIR/subprojects"
log "replacing meson wraps with Debian libraries"
rm -f "$SUB"/*.wrap
rm -rf "$SUB"/packagecache

# write_subproject NAME  (meson.build on stdin) [options on fd 3]
write_subproject() {
  local name=$1
  mkdir -p "$SUB/$name"
  cat > "$SUB/$name/meson.build"
}
write_options() {
  local name=$1
  cat > "$SUB/$name/meson_options.txt"
}

# The *_lib / bare names are passed to link_whole by mediasoup, so they must be static libraries: empty ones.
write_subproject openssl <<'MB'
project('openssl', 'c')
openssl_dep = declare_dependency(dependencies: [dependency('openssl')])
libcrypto_dep = dependency('libcrypto')
libssl_dep = dependency('libssl')
libcrypto_lib = static_library('empty_crypto', files('empty.c'))
libssl_lib = static_library('empty_ssl', files('empty.c'))
MB

write_subproject nlohmann_json <<'MB'
project('nlohmann_json', 'cpp')
nlohmann_json_dep = dependency('nlohmann_json')
MB

write_subproject libuv <<'MB'
project('libuv', 'c')
libuv_dep = dependency('libuv')
libuv = static_library('empty_uv', files('empty.c'))
MB
write_options libuv <<'MO'
option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)
MO

write_subproject libsrtp2 <<'MB'
project('libsrtp2', 'c')
srtp = dependency('libsrtp2')
# Debian installs the headers under srtp2/, mediasoup includes them as <srtp.h>.
srtp_inc = srtp.get_variable(pkgconfig: 'includedir') / 'srtp2'
libsrtp2_dep = declare_dependency(dependencies: [srtp], compile_args: ['-I' + srtp_inc])
libsrtp2 = static_library('empty_srtp', files('empty.c'))
MB
write_options libsrtp2 <<'MO'
option('crypto-library', type: 'string', value: 'openssl')
option('crypto-library-kdf', type: 'string', value: 'disabled')
option('tests', type: 'string', value: 'disabled')
MO

write_subproject usrsctp <<'MB'
project('usrsctp', 'c')
usrsctp_dep = dependency('usrsctp')
usrsctp = static_library('empty_usrsctp', files('empty.c'))
MB
write_options usrsctp <<'MO'
option('sctp_build_programs', type: 'boolean', value: false)
MO

write_subproject abseil-cpp <<'MB'
project('abseil-cpp', 'cpp')
absl_container_dep = declare_dependency(dependencies: [
  dependency('absl_flat_hash_map'), dependency('absl_flat_hash_set'), dependency('absl_inlined_vector'),
])
absl_strings_dep = declare_dependency(dependencies: [
  dependency('absl_strings'), dependency('absl_str_format'),
])
absl_types_dep = declare_dependency(dependencies: [
  dependency('absl_optional'), dependency('absl_variant'), dependency('absl_span'),
])
absl_base_dep = dependency('absl_base')
absl_container_lib = static_library('empty_absl', files('empty.cc'))
MB

write_subproject catch2 <<'MB'
project('catch2', 'cpp')
catch2_dep = declare_dependency()
MB

for d in openssl libuv libsrtp2 usrsctp; do echo 'void watchpost_empty_'"${d}"'(void) {}' > "$SUB/$d/empty.c"; done
echo 'void watchpost_empty_absl() {}' > "$SUB/abseil-cpp/empty.cc"

# Fixes to mediasoup 3.12.16's worker, each explained in its file; applied once (a second run sees them in).
for p in "${PATCHES[@]}"; do
  if patch -d "$WORKER_DIR/.." -p1 -R --dry-run --silent < "$p" >/dev/null 2>&1; then
    log "patch $(basename "$p") already applied"
  else
    patch -d "$WORKER_DIR/.." -p1 --forward --silent < "$p"
    log "applied $(basename "$p")"
  fi
done

cd "$WORKER_DIR"
log "meson setup ($(meson --version))"
rm -rf "$BUILD_DIR"
meson setup "$BUILD_DIR" --buildtype release -Db_ndebug=true --wrap-mode=nodownload >/tmp/watchpost-meson-setup.log 2>&1 \
  || { cat /tmp/watchpost-meson-setup.log; exit 1; }
log "ninja mediasoup-worker (about 3-5 minutes on 2 cores)"
start=$(date +%s)
ninja -C "$BUILD_DIR" mediasoup-worker | awk 'NR % 25 == 0 { print "  " $0 } { last = $0 } END { print "  " last }'
cp "$BUILD_DIR/mediasoup-worker" "$BIN"
echo "$KEY" > "$STAMP"
mkdir -p "$CACHE_DIR"
cp "$BIN" "$CACHED.tmp" && mv "$CACHED.tmp" "$CACHED"
log "built $BIN in $(( $(date +%s) - start )) s"
