#!/usr/bin/env bash
# Installs the built library into a temporary prefix, then builds a consumer
# against it twice: with find_package(ktsnap) and with pkg-config; with
# MODE "static", a third time against the installed libktsnap.a
# (libktsnap-static.pc), which must leave no NEEDED libktsnap in the program.
#   install-test.sh BUILD_DIR SOURCE_DIR REPORT [static|shared-only]
set -euo pipefail
build=$1 src=$2 report=$3 mode=${4:-shared-only}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(dirname "$(find "$tmp/prefix" -name 'libktsnap.so.1' | head -n1)")
# A sanitized build (KTSNAP_SANITIZE) needs its ASan runtime loaded first
# by the plain consumer programs.
asan=$(ldd "$libdir/libktsnap.so.1" | awk '/libasan/ {print $3}')
run() { LD_LIBRARY_PATH=$libdir LD_PRELOAD=${asan:-} ASAN_OPTIONS=detect_leaks=0 "$@"; }
cmake -S "$src/tests/install/consumer" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cm" >/dev/null
out=$(run "$tmp/cm/consumer" "$report")
echo "find_package consumer: $out"
[ "$out" = "9 maps" ]
export PKG_CONFIG_PATH=$libdir/pkgconfig
cc -std=c99 -Wall -Wextra -Werror -o "$tmp/pc-consumer" "$src/tests/install/consumer/main.c" $(pkg-config --cflags --libs libktsnap)
out=$(run "$tmp/pc-consumer" "$report")
echo "pkg-config consumer: $out"
[ "$out" = "9 maps" ]
if [ "$mode" = static ]; then
  [ -f "$libdir/libktsnap.a" ] || { echo "static: no libktsnap.a installed in $libdir"; exit 1; }
  cc -std=c99 -Wall -Wextra -Werror -o "$tmp/static-consumer" "$src/tests/install/consumer/main.c" \
    $(pkg-config --cflags --libs libktsnap-static)
  if readelf -d "$tmp/static-consumer" | grep -E '\(NEEDED\)' | grep -F libktsnap; then
    echo "static consumer: still needs libktsnap"
    exit 1
  fi
  # No LD_LIBRARY_PATH: nothing could provide libktsnap.so.1.
  out=$(env -u LD_LIBRARY_PATH "$tmp/static-consumer" "$report")
  echo "static consumer: $out"
  [ "$out" = "9 maps" ]
fi
