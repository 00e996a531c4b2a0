#!/usr/bin/env bash
# The ktsnap command against the running kernel: `maps`, `capture` and
# `demo`, their output and exit codes (0 ok, 1 not found / nothing matched,
# 2 usage, 3 permission or I/O). Needs root and a working bpf(); the tests
# that need them are skipped, with the reason, otherwise.
#   cli-live-test.sh KTSNAP
set -uo pipefail
ktsnap=$1
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
pin=/sys/fs/bpf/ktsnap_cli_test_$$
cleanup() {
  rm -f "$pin" "${pin}_q" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

. "$(dirname "$0")/expect.sh"

skipped() {  # reason, test names...
  local reason=$1
  shift
  for n in "$@"; do echo "skip $n: $reason"; skip=$((skip + 1)); done
}

finish() {
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ]
  exit $?
}

# Without root: every live subcommand says what it needs and exits 3.
if [ "$(id -u)" -ne 0 ]; then
  expect "demo without root" 3 "needs root" "$ktsnap" demo
  expect "maps without root" 3 "root" "$ktsnap" maps
  skipped "not root" "maps as root" "capture as root" "demo as root"
  finish
fi
if command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null &&
  setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$ktsnap"; then
  as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
  expect "demo as nobody" 3 "needs root" as_nobody "$ktsnap" demo
  expect "maps as nobody" 3 "root" as_nobody "$ktsnap" maps
  expect "capture as nobody" 3 "root" as_nobody "$ktsnap" capture --all -o "$tmp/nobody.ktsnap"
else
  skipped "cannot run $ktsnap as nobody (setpriv, or path permissions)" "demo as nobody" "maps as nobody" \
    "capture as nobody"
fi

# Root but no bpf() (a container without CAP_BPF, a kernel without BPF).
"$ktsnap" maps >"$tmp/probe" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
  skipped "bpf() does not work here: $(head -1 "$tmp/probe")" "maps" "capture" "demo"
  finish
fi

# ---- the demo, end to end ----------------------------------------------
expect "demo" 0 "Every answer matches the workload" "$ktsnap" demo --tasks 1500 --keep "$tmp/demo.ktsnap"
cp "$tmp/out" "$tmp/demo.out"
expect "demo prints the text view" 0 "map task_ctxs (type=hash" cat "$tmp/demo.out"
expect "demo prints the queries" 0 "key 1042  comm=\"stress-ng-42\"" cat "$tmp/demo.out"
expect "demo error shows alternatives" 0 "alternatives: tid, tgid, state, weight" "$ktsnap" demo --tasks 200
expect "demo kept report: query" 0 'key 1042  comm="stress-ng-42"' \
  "$ktsnap" query "$tmp/demo.ktsnap" --map task_ctxs --find 'tid == 1042' --get comm
expect "demo kept report: count" 0 "^[0-9][0-9]*$" \
  "$ktsnap" query "$tmp/demo.ktsnap" --map task_ctxs --count 'state == "RUNNING" && weight > 100'
expect "demo kept report: per-CPU" 0 "nr_dispatched=\[cpu0=" \
  "$ktsnap" query "$tmp/demo.ktsnap" --map cpu_stats --find 'key == 0' --get nr_dispatched
expect "demo kept report: global" 0 "nr_tasks = 1500" "$ktsnap" query "$tmp/demo.ktsnap" --var nr_tasks
expect "demo kept report: tag" 0 '"ktsnap demo"' "$ktsnap" json "$tmp/demo.ktsnap"
# Every kernel object of the demo is gone (maps are freed when their last
# fd closes; give the kernel's deferred free a moment).
gone=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
  if ! "$ktsnap" maps --count-limit 0 2>/dev/null | grep -q "demo_sch\.bss"; then gone=1; break; fi
  sleep 0.2
done
if [ "$gone" -eq 1 ]; then echo "ok   demo leaves no map behind"; pass=$((pass + 1)); else
  echo "FAIL demo leaves no map behind: demo_sch.bss still listed"; fail=$((fail + 1)); fi
expect "demo --object missing" 3 "cannot find" "$ktsnap" demo --object "$tmp/none.bpf.o"
expect "demo --object not a BPF object" 3 "" "$ktsnap" demo --object /etc/hostname

# ---- maps and capture on a map of our own ------------------------------
if ! command -v bpftool >/dev/null; then
  skipped "bpftool missing (scripts/install-deps.sh installs it)" "maps lists a map" "capture --pinned" \
    "capture --map-id" "capture --name-prefix" "capture --max-entries" "capture I/O error"
else
  name=ktcli_$$
  name=${name:0:15}
  if ! bpftool map create "$pin" type hash key 4 value 8 entries 16 name "$name" 2>"$tmp/err"; then
    skipped "bpftool map create failed: $(head -1 "$tmp/err")" "maps lists a map" "capture"
    finish
  fi
  bpftool map update pinned "$pin" key 1 0 0 0 value 10 0 0 0 0 0 0 0
  bpftool map update pinned "$pin" key 2 0 0 0 value 20 0 0 0 0 0 0 0
  bpftool map update pinned "$pin" key 3 0 0 0 value 30 0 0 0 0 0 0 0
  id=$(bpftool map show pinned "$pin" | sed -n 's/^\([0-9]*\):.*/\1/p')

  expect "maps lists a map" 0 "^ *$id  *hash  *$name  .* 3$" "$ktsnap" maps
  expect "maps header" 0 "ID  TYPE" "$ktsnap" maps --name-prefix "$name"
  expect "maps --count-limit" 0 " 2+$" "$ktsnap" maps --name-prefix "$name" --count-limit 2
  expect "maps --name-prefix no match" 1 "no map" "$ktsnap" maps --name-prefix "no_such_map_$$"

  expect "capture --pinned" 0 "captured 1 maps .* 3 entries" "$ktsnap" capture --pinned "$pin" -o "$tmp/p.ktsnap"
  expect "captured report shows" 0 "map $name (type=hash" "$ktsnap" show "$tmp/p.ktsnap"
  expect "capture --map-id" 0 "captured 1 maps" "$ktsnap" capture --map-id "$id" --tag cli-test -o "$tmp/i.ktsnap"
  expect "captured tag" 0 '"cli-test"' "$ktsnap" json "$tmp/i.ktsnap"
  expect "capture --name-prefix" 0 "captured 1 maps" "$ktsnap" capture --name-prefix "$name" -o "$tmp/n.ktsnap"
  expect "capture --max-entries" 0 "1 truncated" "$ktsnap" capture --pinned "$pin" --max-entries 1 -o "$tmp/t.ktsnap"
  expect "capture same map twice" 0 "captured 1 maps" "$ktsnap" capture --pinned "$pin" --map-id "$id" -o "$tmp/d.ktsnap"
  expect "capture --all" 0 "captured [1-9][0-9]* maps" "$ktsnap" capture --all --deadline-ms 30000 -o "$tmp/a.ktsnap"
  expect "capture no match" 1 "no map matched" "$ktsnap" capture --name-prefix "no_such_map_$$" -o "$tmp/none.ktsnap"
  expect "capture no match writes nothing" 1 "" test -e "$tmp/none.ktsnap"
  expect "capture --pinned missing" 1 "$tmp/no-such-pin" "$ktsnap" capture --pinned "$tmp/no-such-pin" -o "$tmp/x.ktsnap"
  expect "capture --pinned not bpffs" 1 "/etc/hostname" "$ktsnap" capture --pinned /etc/hostname -o "$tmp/x.ktsnap"
  expect "capture --map-id missing" 1 "4294967295" "$ktsnap" capture --map-id 4294967295 -o "$tmp/x.ktsnap"
  expect "capture --struct-ops of a hash map" 1 "struct_ops" "$ktsnap" capture --struct-ops "$id" -o "$tmp/x.ktsnap"
  expect "capture --prog-id missing" 1 "4294967295" "$ktsnap" capture --prog-id 4294967295 -o "$tmp/x.ktsnap"
  if bpftool map create "${pin}_q" type queue key 0 value 8 entries 4 name "${name:0:13}_q" 2>/dev/null; then
    qid=$(bpftool map show pinned "${pin}_q" | sed -n 's/^\([0-9]*\):.*/\1/p')
    expect "capture excludes a queue" 0 "excluded .*(id $qid): queue" \
      "$ktsnap" capture --map-id "$qid" --map-id "$id" -o "$tmp/q.ktsnap"
    cp "$tmp/out" "$tmp/q.out"
    expect "capture summary counts it" 0 "1 excluded" cat "$tmp/q.out"
    expect "maps lists a queue" 0 "$qid  *queue" "$ktsnap" maps --name-prefix "${name:0:13}_q"
    rm -f "${pin}_q"
  else
    skipped "bpftool cannot create a queue map" "capture excludes a queue"
  fi
  expect "capture I/O error" 3 "$tmp/no-dir" "$ktsnap" capture --pinned "$pin" -o "$tmp/no-dir/x.ktsnap"
fi

finish
