#!/usr/bin/env bash
# Moves the ABI baselines to LIB (the abi-update target; a release step,
# README.md): rewrites, under SRC_DIR/abi-check,
#   ktsnap.symbols       - the name@VERSION list LIB exports
#   libktsnap.so.1.abi   - abidw of LIB (abi-dump.sh)
#   baseline/ktsnap.h    - a copy of SRC_DIR/include/ktsnap.h (old client)
#   expected-report.txt     - emptied (only its comment is kept)
# Fails (and changes nothing) when a tool is missing or LIB has no DWARF.
# Usage: update-baseline.sh LIB SRC_DIR
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 LIB SRC_DIR" >&2
  exit 2
fi
lib=$1 src=$2
abi=$src/abi-check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$abi/check-symbols.sh" --list "$lib" >"$tmp/ktsnap.symbols"
[ -s "$tmp/ktsnap.symbols" ] || { echo "update-baseline: FAIL: $lib exports nothing" >&2; exit 1; }
"$abi/abi-dump.sh" "$lib" "$src/include" "$tmp/libktsnap.so.1.abi"
grep '^#' "$abi/expected-report.txt" >"$tmp/expected-report.txt" || true

mv "$tmp/ktsnap.symbols" "$abi/ktsnap.symbols"
mv "$tmp/libktsnap.so.1.abi" "$abi/libktsnap.so.1.abi"
cp "$src/include/ktsnap.h" "$abi/baseline/ktsnap.h"
mv "$tmp/expected-report.txt" "$abi/expected-report.txt"
echo "update-baseline: $(wc -l <"$abi/ktsnap.symbols") symbols; baselines written under $abi"
echo "  review and commit: git diff --stat -- abi-check/"
