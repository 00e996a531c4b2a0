#!/usr/bin/env bash
# Runs every test: installs what is missing, then
#   1. the normal build (RelWithDebInfo) and its ctest suite,
#   2. an ASan + UBSan build and the same suite,
#   3. every libFuzzer target (report open, and those later work adds), for
#      FUZZ_SECONDS each (default 60).
# Every stage runs even if an earlier one failed; the exit status is non-zero
# if any failed. The last line is the combined "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

scripts/install-deps.sh || { echo "install-deps failed"; exit 1; }
# install-deps provides QEMU and the guest kernel, so the QEMU test
# (vm.virtio_console, tests/vm) must boot its guest here: a reason to skip
# is a failure. It runs in both ctest stages (about 8 s each): its guest
# program is never instrumented, but the host service that later work puts
# behind the harness will be built with the stage's flags, and the ASan
# stage is where that service's memory errors would show.
export KTSNAP_VM_REQUIRED=${KTSNAP_VM_REQUIRED:-1}

total_pass=0
total_fail=0
stage_failed=0

run_ctest() {  # build dir, label
  local dir=$1 label=$2 log
  log=$(mktemp)
  (cd "$dir" && ctest --output-on-failure -j"$JOBS" --timeout 600) 2>&1 | tee "$log"
  local line
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n1)
  if [ -z "$line" ]; then
    echo "[$label] ctest printed no summary"
    stage_failed=1
  else
    local failed out_of
    failed=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
    out_of=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
    total_pass=$((total_pass + out_of - failed))
    total_fail=$((total_fail + failed))
    [ "$failed" -eq 0 ] || stage_failed=1
    echo "[$label] $line"
  fi
  rm -f "$log"
}

# The suites that count their own checks (go test, zig test, the plugin,
# CLI and VM scripts...) print "N passed, N failed"; ctest keeps their
# output in LastTest.log. Print each such line with its test's name, then
# one line for the ABI guards (the abi.* and headertest.* ctests).
suite_lines() {  # build dir, label
  local log=$1/Testing/Temporary/LastTest.log
  [ -f "$log" ] || return 0
  awk -v label="$2" '
    /^[0-9]+\/[0-9]+ Testing: / { name = $3 }
    /^[0-9]+ passed, [0-9]+ failed/ { print "[" label "] " name ": " $0 }
    /^Test Passed\./ { if (name ~ /^(abi|headertest)\./) abi_ok++ }
    /^Test Failed/ { if (name ~ /^(abi|headertest)\./) abi_bad++ }
    END { if (abi_ok + abi_bad > 0) printf "[%s] abi-check: %d passed, %d failed\n", label, abi_ok, abi_bad }
  ' "$log"
}

build() {  # dir, cmake args...
  local dir=$1
  shift
  cmake -S "$ROOT" -B "$dir" "$@" >/dev/null && cmake --build "$dir" -j"$JOBS"
}

echo "== normal build"
if build build -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
  run_ctest build normal
  suite_lines build normal
else
  echo "[normal] build failed"; stage_failed=1; total_fail=$((total_fail + 1))
fi

echo "== ASan + UBSan build"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if build build-asan -DCMAKE_BUILD_TYPE=Debug -DKTSNAP_SANITIZE=ON -DKTSNAP_BENCH=OFF; then
  run_ctest build-asan asan
  suite_lines build-asan asan
else
  echo "[asan] build failed"; stage_failed=1; total_fail=$((total_fail + 1))
fi

echo "== libFuzzer targets, ${FUZZ_SECONDS}s each"
# Only the fuzz targets (and what they need) are built here, with clang.
if CC=clang CXX=clang++ cmake -S "$ROOT" -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKTSNAP_FUZZ=ON \
     -DKTSNAP_BENCH=OFF >/dev/null; then
  fuzzers=$(cmake --build build-fuzz --target help | sed -n 's/^\.\.\. \([a-z0-9_]*_fuzz\)$/\1/p' | sort)
  # run-fuzz.sh takes a target name once it knows more than report_open_fuzz.
  grep -q 'TARGET' tests/fuzz/run-fuzz.sh || fuzzers=report_open_fuzz
  for f in $fuzzers; do
    echo "-- $f"
    if ! cmake --build build-fuzz -j"$JOBS" --target "$f"; then
      echo "[fuzz] $f: build failed"; stage_failed=1; total_fail=$((total_fail + 1)); continue
    fi
    if tests/fuzz/run-fuzz.sh build-fuzz "$FUZZ_SECONDS" "$f"; then
      total_pass=$((total_pass + 1))
    else
      echo "[fuzz] $f found a failure"; stage_failed=1; total_fail=$((total_fail + 1))
    fi
  done
else
  echo "[fuzz] configure failed"; stage_failed=1; total_fail=$((total_fail + 1))
fi

echo "$total_pass passed, $total_fail failed"
exit $stage_failed
