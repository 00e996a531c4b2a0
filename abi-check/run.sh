#!/usr/bin/env bash
# Runs the abi-check guards of a configured and built build dir (the abi.*
# ctests and the headertest.* header checks) and prints
# "abi-check: N passed, N failed". scripts/test.sh runs it after the normal
# stage so that CI shows the line.
# Usage: abi-check/run.sh BUILD_DIR
set -uo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
command -v ctest >/dev/null || { echo "abi-check: FAIL: ctest not found"; echo "abi-check: 0 passed, 1 failed"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ctest --test-dir "$1" --output-on-failure -R '^(abi|headertest)\.' 2>&1 | tee "$log"
line=$(grep -E '[0-9]+ tests failed out of [0-9]+' "$log" | tail -n1)
if [ -z "$line" ]; then
  echo "abi-check: ctest found no abi/headertest tests in $1"
  echo "abi-check: 0 passed, 1 failed"
  exit 1
fi
failed=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
total=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
echo "abi-check: $((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
