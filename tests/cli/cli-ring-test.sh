#!/usr/bin/env bash
# `ktsnap ring`: create, stat, tail while another process publishes, the
# drop policy, rm, --help and the exit codes (0 ok, 1 no such ring / no
# report in time, 2 usage, 4 other failures).
#   cli-ring-test.sh KTSNAP REPORT
set -uo pipefail
ktsnap=$1 report=$2
pass=0 fail=0
tmp=$(mktemp -d)
ring=ktsnap_cli_ring_$$
dring=ktsnap_cli_dring_$$
cleanup() {
  "$ktsnap" ring rm "$ring" >/dev/null 2>&1
  "$ktsnap" ring rm "$dring" >/dev/null 2>&1
  [ -n "${tailpid:-}" ] && kill "$tailpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

. "$(dirname "$0")/expect.sh"

# Waits (up to 10 s) until `ktsnap ring stat RING` prints a line matching
# the pattern (a tail registered, a record released).
wait_stat() {  # ring, pattern
  local i
  for i in $(seq 1 100); do
    "$ktsnap" ring stat "$1" 2>/dev/null | grep -q -- "$2" && return 0
    sleep 0.1
  done
  return 1
}
wait_consumers() { wait_stat "$ring" "^consumers $1 of"; }

size=$(stat -c %s "$report")

expect "ring --help" 0 "usage: ktsnap ring create NAME" "$ktsnap" ring --help
expect "ring tail --help" 0 "usage: ktsnap ring" "$ktsnap" ring tail --help
expect "ring without command" 2 "create, publish, tail, stat or rm" "$ktsnap" ring
expect "ring unknown command" 2 "unknown ring command" "$ktsnap" ring frob "$ring"
expect "create without --size" 2 "--size" "$ktsnap" ring create "$ring"
expect "create bad --size" 2 "--size" "$ktsnap" ring create "$ring" --size 12Q
expect "create bad --policy" 2 "wait or drop" "$ktsnap" ring create "$ring" --size 1M --policy never
expect "create bad --consumers" 2 "1 to 16" "$ktsnap" ring create "$ring" --size 1M --consumers 17
expect "create bad --mode" 2 "octal" "$ktsnap" ring create "$ring" --size 1M --mode 0999
expect "create bad name" 4 "" "$ktsnap" ring create "a/b" --size 1M
expect "stat of a missing ring" 1 "" "$ktsnap" ring stat "$ring"
expect "rm of a missing ring" 1 "" "$ktsnap" ring rm "$ring"
expect "tail of a missing ring" 1 "" "$ktsnap" ring tail "$ring" --timeout 0

expect "create" 0 "created ring $ring: 4194304 bytes, 4 consumer slots, policy wait" \
  "$ktsnap" ring create "$ring" --size 4M --consumers 4
check "segment mode is 0600" test "$(stat -c %a /dev/shm/$ring)" = 600
expect "create again is busy" 4 "" "$ktsnap" ring create "$ring" --size 4M
expect "stat of a new ring" 0 "records 0 drops 0" "$ktsnap" ring stat "$ring"
expect "tail with nothing published" 1 "no report arrived" "$ktsnap" ring tail "$ring" --timeout 0.2

# A consumer in another process follows while this one publishes.
"$ktsnap" ring tail "$ring" --count 3 --timeout 20 >"$tmp/tail.out" 2>"$tmp/tail.err" &
tailpid=$!
check "tail registers as a consumer" wait_consumers 1
expect "stat shows the consumer" 0 "slot 0 pid $tailpid position" "$ktsnap" ring stat "$ring"
expect "publish three reports" 0 "published $report ($size bytes)" \
  "$ktsnap" ring publish "$ring" "$report" "$report" "$report"
wait "$tailpid"
rc=$?
tailpid=
check "tail exits 0 after --count" test "$rc" -eq 0
check "tail printed 3 summaries" test "$(grep -c '^seq ' "$tmp/tail.out")" -eq 3
check "tail summaries carry sequences 0, 1, 2 in order" \
  test "$(sed -n 's/^seq \([0-9]*\) .*/\1/p' "$tmp/tail.out" | tr '\n' ' ')" = "0 1 2 "
check "tail summary counts maps, entries and bytes" grep -q 'tag "fixture" 9 maps 39 entries '"$size"' bytes' "$tmp/tail.out"
expect "stat after publishing" 0 "records 3 drops 0" "$ktsnap" ring stat "$ring"

# JSON and text of a published report are what `ktsnap json/show` print.
"$ktsnap" ring tail "$ring" --count 1 --json --timeout 20 >"$tmp/json.out" 2>/dev/null &
tailpid=$!
check "json tail registers" wait_consumers 1
expect "publish for json" 0 "" "$ktsnap" ring publish "$ring" "$report"
wait "$tailpid"
tailpid=
"$ktsnap" json "$report" >"$tmp/json.want"
check "tail --json equals ktsnap json" cmp -s "$tmp/json.out" "$tmp/json.want"

"$ktsnap" ring tail "$ring" --count 1 --text --timeout 20 >"$tmp/text.out" 2>/dev/null &
tailpid=$!
check "text tail registers" wait_consumers 1
expect "publish for text" 0 "" "$ktsnap" ring publish "$ring" "$report"
wait "$tailpid"
tailpid=
"$ktsnap" show "$report" >"$tmp/text.want"
check "tail --text equals ktsnap show" cmp -s "$tmp/text.out" "$tmp/text.want"

expect "tail --count with too few reports" 1 "0 of 2 reports" "$ktsnap" ring tail "$ring" --count 2 --timeout 0.2
head -c 100 /dev/urandom >"$tmp/garbage.ktsnap"
expect "publish a garbage file" 4 "" "$ktsnap" ring publish "$ring" "$tmp/garbage.ktsnap"
expect "publish a missing file" 3 "" "$ktsnap" ring publish "$ring" "$tmp/none.ktsnap"
expect "publish needs a file" 2 "" "$ktsnap" ring publish "$ring"
expect "publish bad --timeout" 2 "--timeout" "$ktsnap" ring publish "$ring" "$report" --timeout -1

# Drop policy: a ring that holds one report. The tail registers, then is
# stopped (alive, so its slot is kept, reading nothing): the first publish
# fits, the second is dropped and counted; once the tail goes on and
# releases the first, a third fits, and the tail says one went missing.
expect "create drop ring" 0 "policy drop" "$ktsnap" ring create "$dring" --size $((size + size / 2)) --policy drop
"$ktsnap" ring tail "$dring" --count 2 --timeout 20 >"$tmp/dtail.out" 2>"$tmp/dtail.err" &
tailpid=$!
check "drop tail registers" wait_stat "$dring" "^consumers 1 of"
kill -STOP "$tailpid"
expect "publish into the free ring" 0 "published" "$ktsnap" ring publish "$dring" "$report"
expect "publish into the full ring is dropped" 4 "" "$ktsnap" ring publish "$dring" "$report"
expect "stat counts the drop" 0 "records 1 drops 1" "$ktsnap" ring stat "$dring"
kill -CONT "$tailpid"
check "the tail releases the first report" wait_stat "$dring" "behind 0 bytes"
expect "publish after the release" 0 "published" "$ktsnap" ring publish "$dring" "$report"
wait "$tailpid"
rc=$?
tailpid=
check "drop tail exits 0" test "$rc" -eq 0
check "drop tail read sequences 0 and 2 (1 was dropped)" \
  test "$(sed -n 's/^seq \([0-9]*\) .*/\1/p' "$tmp/dtail.out" | tr '\n' ' ')" = "0 2 "
check "drop tail reports the dropped one" grep -q "1 report(s) were dropped" "$tmp/dtail.err"
expect "rm drop ring" 0 "" "$ktsnap" ring rm "$dring"

expect "rm" 0 "" "$ktsnap" ring rm "$ring"
check "segment is gone" test ! -e "/dev/shm/$ring"
expect "stat after rm" 1 "" "$ktsnap" ring stat "$ring"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
