#!/usr/bin/env bash
# Installs the built library into a temporary prefix, then builds a consumer
# against it twice: with find_package(ktsnap) and with pkg-config.
#   install-test.sh BUILD_DIR SOURCE_DIR REPORT
set -euo pipefail
build=$1 src=$2 report=$3
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
