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
cmake -S "$src/tests/install/consumer" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cm" >/dev/null
out=$(LD_LIBRARY_PATH=$libdir "$tmp/cm/consumer" "$report")
echo "find_package consumer: $out"
[ "$out" = "9 maps" ]
export PKG_CONFIG_PATH=$libdir/pkgconfig
cc -std=c99 -Wall -Wextra -Werror -o "$tmp/pc-consumer" "$src/tests/install/consumer/main.c" $(pkg-config --cflags --libs libktsnap)
out=$(LD_LIBRARY_PATH=$libdir "$tmp/pc-consumer" "$report")
echo "pkg-config consumer: $out"
[ "$out" = "9 maps" ]
