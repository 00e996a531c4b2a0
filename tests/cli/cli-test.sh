#!/usr/bin/env bash
# The ktsnap command: output of show/json on the fixture report, and the
# exit codes it promises (0 ok, 1 not found, 2 usage, 3 I/O, 4 bad report).
#   cli-test.sh KTSNAP REPORT
set -uo pipefail
ktsnap=$1 report=$2
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() {  # name, wanted exit code, grep pattern for stdout+stderr ("" = none), command...
  local name=$1 want=$2 pat=$3
  shift 3
  "$@" >"$tmp/out" 2>&1
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, wanted $want"; sed 's/^/  | /' "$tmp/out" | head -5; fail=$((fail + 1)); return
  fi
  if [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/out"; then
    echo "FAIL $name: output lacks '$pat'"; sed 's/^/  | /' "$tmp/out" | head -5; fail=$((fail + 1)); return
  fi
  echo "ok   $name"; pass=$((pass + 1))
}

expect "show report" 0 "map kt_tasks (type=hash, value_size=152" "$ktsnap" show "$report"
expect "show one map" 0 "kt_data_label" "$ktsnap" show "$report" --map kinds.data
expect "show limit" 0 "more entries not shown" "$ktsnap" show "$report" --map kt_tasks --limit 1
expect "json one map" 0 '"name":"kt_array"' "$ktsnap" json "$report" --map kt_array
expect "json report" 0 '"schema":"single"' "$ktsnap" json "$report"
expect "no such map" 1 "kt_tasks" "$ktsnap" show "$report" --map no_such_map
expect "unknown command" 2 "" "$ktsnap" frobnicate
expect "missing file argument" 2 "" "$ktsnap" show
expect "bad --limit" 2 "" "$ktsnap" show "$report" --limit -3
expect "subcommand help" 0 "usage: ktsnap show" "$ktsnap" show --help
expect "missing file" 3 "no-such-file" "$ktsnap" show "$tmp/no-such-file.ktsnap"
head -c 100 /dev/urandom >"$tmp/garbage.ktsnap"
expect "garbage file" 4 "" "$ktsnap" show "$tmp/garbage.ktsnap"
head -c 1000 "$report" >"$tmp/cut.ktsnap"
expect "truncated file" 4 "" "$ktsnap" json "$tmp/cut.ktsnap"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
