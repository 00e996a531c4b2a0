#!/usr/bin/env bash
# Writes the abidw description of LIB's public ABI to OUT, deterministically:
# only the exported functions and the types reachable from them that
# HEADER_DIR's headers define (--exported-interfaces-only, --headers-dir
# with --drop-private-types: the C++ core's DWARF stays out), no corpus or
# compilation-dir path, no source locations, no DT_NEEDED list, hash type
# ids (stable when unrelated types come and go), and each translation
# unit's path cut to its file name (abidw 2.2 has no option for that). Used by the abi-update target (libktsnap.so.1.abi) and by
# test-breaks.sh for its stand-in baselines.
# Usage: abi-dump.sh LIB HEADER_DIR OUT
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 LIB HEADER_DIR OUT" >&2
  exit 2
fi
lib=$1 hdrdir=$2 out=$3
command -v abidw >/dev/null || {
  echo "abi-dump: FAIL: abidw not found (Debian: apt-get install abigail-tools; scripts/install-deps.sh)" >&2
  exit 1
}
[ -r "$lib" ] || { echo "abi-dump: FAIL: cannot read $lib" >&2; exit 1; }
[ -d "$hdrdir" ] || { echo "abi-dump: FAIL: no header dir $hdrdir" >&2; exit 1; }
if ! readelf -S "$lib" 2>/dev/null | grep '\.debug_info' >/dev/null; then
  echo "abi-dump: FAIL: $lib has no DWARF (.debug_info); build with -g (RelWithDebInfo or Debug)" >&2
  exit 1
fi
tmp=$(mktemp "${out}.XXXXXX")
trap 'rm -f "$tmp"' EXIT
abidw --headers-dir "$hdrdir" --drop-private-types --exported-interfaces-only --no-corpus-path \
  --no-comp-dir-path --no-show-locs --no-elf-needed --type-id-style hash --out-file "$tmp" "$lib"
sed -E "s#(<abi-instr [^>]*path=')[^']*/([^'/]+')#\1\2#" "$tmp" >"$out"
rm -f "$tmp"
trap - EXIT
