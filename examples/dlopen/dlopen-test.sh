#!/usr/bin/env bash
# The dlopen example's failures: a library that does not exist, one of
# another major, one lacking a symbol; each a clear message and exit 3.
# Also the success path with the library given by path.
#   dlopen-test.sh PROGRAM LIBKTSNAP REPORT FAKE_V2 FAKE_NOSYMS
prog=$1 lib=$2 report=$3 fake_v2=$4 fake_nosyms=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
. "$(dirname "$0")/../../tests/cli/expect.sh"

expect "library given by path" 0 "query \"tid == 1005\": 1 matching" "$prog" "$report" kt_tasks "tid == 1005" "$lib"
expect "the first match's value as JSON" 0 'value: .*"value":1005' "$prog" "$report" kt_tasks "tid == 1005" "$lib"
expect "no match: exit 1" 1 ": 0 matching" "$prog" "$report" kt_tasks "tid == 1" "$lib"
expect "missing library" 3 "cannot load $tmp/nope/libktsnap.so.1" "$prog" "$report" kt_tasks "tid == 1" "$tmp/nope/libktsnap.so.1"
expect "another major" 3 "is ktsnap major 2, this program was built for major 1" "$prog" "$report" kt_tasks "tid == 1" "$fake_v2"
expect "missing symbol" 3 "has no symbol ktsnap_version_string" "$prog" "$report" kt_tasks "tid == 1" "$fake_nosyms"
expect "bad query: exit 4 with the library's message" 4 "tid ==" "$prog" "$report" kt_tasks "tid ==" "$lib"
expect "usage" 2 "usage:" "$prog" "$report"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
