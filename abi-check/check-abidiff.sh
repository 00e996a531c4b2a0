#!/usr/bin/env bash
# Guard (b): abidiff of the ABI baseline against the built library.
# abidiff's exit status is a bit set:
#   1 error, 2 usage error, 8 incompatible change (a removed function, a
#   changed symbol)          -> FAIL;
#   4 ABI change (an added function, a changed type of a parameter...)
#                            -> FAIL unless the report, normalised, equals
#                               EXPECTED (the reviewed change);
#   0 no change              -> PASS, provided EXPECTED is empty (a
#                               non-empty one is stale).
# The report is normalised (paths and line:column dropped) before the
# comparison; the normalised report is printed either way.
# With KTSNAP_ABI_ACCEPT=1 in the environment, a bit-4 report is written
# to EXPECTED (its comment lines kept) instead of failing: how an intended
# change is accepted, the EXPECTED diff being what a reviewer reads.
# Only the exported interface is compared (--exported-interfaces-only): the
# baseline already holds only the public types (abi-dump.sh). abidiff's
# --headers-dir2 is NOT used: the baseline carries no source locations, and
# libabigail 2.2 then takes every baseline type for one outside the header
# dir and filters every struct change out (test-breaks.sh (ii) shows it).
# Usage: check-abidiff.sh LIB BASELINE EXPECTED [SUPPR...]
set -uo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 LIB BASELINE EXPECTED [SUPPR...]" >&2
  exit 2
fi
lib=$1 baseline=$2 expected=$3
shift 3
command -v abidiff >/dev/null || {
  echo "check-abidiff: FAIL: abidiff not found (Debian: apt-get install abigail-tools; scripts/install-deps.sh)" >&2
  exit 1
}
for f in "$lib" "$baseline" "$expected" "$@"; do
  [ -r "$f" ] || { echo "check-abidiff: FAIL: cannot read $f" >&2; exit 1; }
done
if ! readelf -S "$lib" 2>/dev/null | grep '\.debug_info' >/dev/null; then
  echo "check-abidiff: FAIL: $lib has no DWARF (.debug_info), so types cannot be compared; build with -g" >&2
  exit 1
fi

suppr=()
for s in "$@"; do suppr+=(--suppressions "$s"); done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

abidiff --exported-interfaces-only --no-show-locs --fail-no-debug-info \
  "${suppr[@]}" "$baseline" "$lib" >"$tmp/report" 2>&1
rc=$?

# Normalise: no absolute or relative paths of files, no line:column.
normalise() {
  sed -E -e "s#'[^']*/([^/']+)'#'\1'#g" -e 's#(/[^ :]+)+/##g' -e 's/:[0-9]+(:[0-9]+)?\b//g' \
    -e 's/[[:space:]]+$//' "$1" | sed -e '/./,$!d' | sed -e ':a' -e '/^\n*$/{$d;N;ba' -e '}'
}
normalise "$tmp/report" >"$tmp/actual"
grep -v '^#' "$expected" | normalise /dev/stdin >"$tmp/expected"

if [ -s "$tmp/actual" ]; then
  echo "check-abidiff: abidiff exit status $rc; report:"
  sed 's/^/  /' "$tmp/actual"
fi
fail=0
if [ $((rc & 1)) -ne 0 ]; then echo "check-abidiff: FAIL: abidiff error (bit 1)" >&2; fail=1; fi
if [ $((rc & 2)) -ne 0 ]; then echo "check-abidiff: FAIL: abidiff usage error (bit 2)" >&2; fail=1; fi
if [ $((rc & 8)) -ne 0 ]; then
  echo "check-abidiff: FAIL: incompatible ABI change (bit 8): a symbol was removed or changed" >&2
  fail=1
fi
if [ $((rc & 4)) -ne 0 ] && [ $((rc & 8)) -eq 0 ]; then
  if cmp -s "$tmp/actual" "$tmp/expected"; then
    echo "check-abidiff: ABI change (bit 4) matches the reviewed expectation $(basename "$expected")"
  elif [ "${KTSNAP_ABI_ACCEPT:-0}" = 1 ]; then
    { grep '^#' "$expected" || true; printf '%s\n' "$(cat "$tmp/actual")"; } >"$tmp/new-expected"
    cat "$tmp/new-expected" >"$expected"
    echo "check-abidiff: ABI change (bit 4) written to $expected (KTSNAP_ABI_ACCEPT=1): review and commit it"
  else
    echo "check-abidiff: FAIL: ABI change (bit 4) not in the reviewed expectation $expected" >&2
    if [ -s "$tmp/expected" ]; then
      echo "  (diff: - expected, + actual)" >&2
      diff -u "$tmp/expected" "$tmp/actual" | sed -n '3,$p' | sed 's/^/  /' >&2
    fi
    echo "  (an intended change: rerun with KTSNAP_ABI_ACCEPT=1 to write the report there)" >&2
    fail=1
  fi
fi
if [ "$rc" -eq 0 ] && [ -s "$tmp/expected" ]; then
  echo "check-abidiff: FAIL: no ABI change, but $expected is not empty (stale: empty it)" >&2
  fail=1
fi
if [ $fail -eq 0 ] && [ "$rc" -eq 0 ]; then
  echo "check-abidiff: $(basename "$lib") has the ABI of $(basename "$baseline")"
fi
exit $fail
