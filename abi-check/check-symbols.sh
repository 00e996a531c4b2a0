#!/usr/bin/env bash
# Checks the exported surface of libktsnap against abi-check/ktsnap.symbols:
#   1. the defined dynamic symbols (readelf --dyn-syms) equal the sorted
#      name@VERSION list, exactly;
#   2. the SONAME is libktsnap.so.1;
#   3. nm -D --defined-only shows nothing but ktsnap_ functions (and the
#      version node names), so no C++, libbpf or libstdc++ symbol leaks.
# Usage: check-symbols.sh LIB SYMBOLS
#        check-symbols.sh --list LIB   (prints the list LIB exports, in the
#                                       format of SYMBOLS: abi-update)
set -euo pipefail

# Defined symbols with their versions. readelf prints "name@VER" for a
# non-default version and "name@@VER" for the default; both count. Each
# version node itself appears as an ABS symbol named after the node and is
# not part of the list.
exported() {
  readelf --dyn-syms --wide "$1" |
    awk '$1 ~ /^[0-9]+:$/ && $7 != "UND" && $8 != "" { print $7, $8 }' |
    awk '!($1 == "ABS" && $2 ~ /^KTSNAP_[0-9.]+(@.*)?$/) { print $2 }' |
    sed 's/@@/@/' |
    LC_ALL=C sort
}

if [ $# -eq 2 ] && [ "$1" = "--list" ]; then
  command -v readelf >/dev/null || { echo "check-symbols: FAIL: readelf not found (binutils)" >&2; exit 2; }
  [ -r "$2" ] || { echo "check-symbols: cannot read $2" >&2; exit 2; }
  exported "$2"
  exit 0
fi
if [ $# -ne 2 ]; then
  echo "usage: $0 LIB SYMBOLS | --list LIB" >&2
  exit 2
fi
lib=$1
list=$2
for tool in readelf nm; do
  command -v "$tool" >/dev/null || { echo "check-symbols: FAIL: $tool not found (binutils)" >&2; exit 2; }
done
[ -r "$lib" ] || { echo "check-symbols: cannot read $lib" >&2; exit 2; }
[ -r "$list" ] || { echo "check-symbols: cannot read $list" >&2; exit 2; }

fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The exported list.
exported "$lib" >"$tmp/actual"
grep -v '^[[:space:]]*\(#\|$\)' "$list" | LC_ALL=C sort >"$tmp/expected"
if ! LC_ALL=C sort -c "$list" 2>/dev/null; then
  echo "check-symbols: $list is not sorted (LC_ALL=C sort)" >&2
  fail=1
fi
if ! diff -u "$tmp/expected" "$tmp/actual" >"$tmp/diff"; then
  echo "check-symbols: exported symbols differ from $list" >&2
  echo "  (- listed but not exported, + exported but not listed)" >&2
  sed -n '3,$p' "$tmp/diff" | grep '^[-+]' | sed 's/^/  /' >&2
  fail=1
fi
unversioned=$(grep -vc '@' "$tmp/actual" || true)
if [ "$unversioned" != "0" ]; then
  echo "check-symbols: $unversioned exported symbol(s) carry no version node" >&2
  fail=1
fi

# 2. SONAME.
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ "$soname" != "libktsnap.so.1" ]; then
  echo "check-symbols: SONAME is '${soname:-<none>}', expected 'libktsnap.so.1'" >&2
  fail=1
fi

# 3. Nothing but ktsnap_ (and the version node names) in nm -D.
nm -D --defined-only "$lib" | awk '{ print $NF }' | sed 's/@.*//' |
  grep -v '^ktsnap_[a-z0-9_]*$' | grep -v '^KTSNAP_[0-9.]*$' >"$tmp/foreign" || true
if [ -s "$tmp/foreign" ]; then
  echo "check-symbols: symbols outside the ktsnap_ prefix are exported:" >&2
  sed 's/^/  /' "$tmp/foreign" >&2
  fail=1
fi

if [ $fail -eq 0 ]; then
  echo "check-symbols: $(wc -l <"$tmp/actual") symbols match $list; SONAME libktsnap.so.1; no foreign symbols"
fi
exit $fail
