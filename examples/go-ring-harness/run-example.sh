#!/usr/bin/env bash
# ctest go.example_ring: builds go-ring-harness, starts it on a new ring,
# publishes the fixture report with `ktsnap ring publish`, and checks the
# harness passes; then a run whose expectation is wrong must fail (exit 1).
#   run-example.sh BUILD_DIR KTSNAP_CLI REPORT
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd) ktsnap=$2 report=$3
if ! command -v go >/dev/null 2>&1; then
  echo "SKIP: go is not installed (scripts/install-deps.sh installs golang-go)"
  exit 77
fi
. "$here/../../bindings/go/env.sh"
ktsnap_go_env "$build"
tmp=$(mktemp -d)
ring=ktsnap_go_harness_$$
hpid=
cleanup() {
  [ -n "$hpid" ] && kill "$hpid" 2>/dev/null
  "$ktsnap" ring rm "$ring" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0

(cd "$here" && go build -o "$tmp/go-ring-harness" .) || { echo "go build failed"; echo "0 passed, 1 failed"; exit 1; }

# run_case NAME WANT_EXIT NREPORTS HARNESS_ARGS...
run_case() {
  local name=$1 want=$2 n=$3
  shift 3
  rm -f "$tmp/ready"
  "$tmp/go-ring-harness" -ring "$ring" -create 4194304 -ready "$tmp/ready" -reports "$n" "$@" >"$tmp/out" 2>&1 &
  hpid=$!
  for _ in $(seq 1 100); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
  local files=()
  for _ in $(seq 1 "$n"); do files+=("$report"); done
  "$ktsnap" ring publish "$ring" "${files[@]}" >/dev/null || echo "publish failed"
  wait "$hpid"
  local rc=$?
  hpid=
  if [ "$rc" -eq "$want" ]; then
    echo "ok   $name (exit $rc)"
    pass=$((pass + 1))
  else
    echo "FAIL $name: exit $rc, want $want"
    sed 's/^/     /' "$tmp/out"
    fail=$((fail + 1))
  fi
}

run_case "three reports, every assertion holds" 0 3 \
  -map kt_tasks -min-entries 16 -find 'tid == 1005' -field comm -equals ksoftirqd/1
run_case "an enum field of the found entry" 0 1 \
  -map kt_tasks -find 'weight == 400' -field state -equals KT_STATE_IDLE
run_case "a wrong expectation fails the harness" 1 1 \
  -map kt_tasks -find 'tid == 1005' -field tid -equals 1006
run_case "a missing map fails the harness" 1 1 -map no_such_map
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
