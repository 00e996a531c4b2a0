#!/usr/bin/env bash
# The ktsnap command: output of show/json/query on the fixture report, and
# the exit codes it promises (0 ok, 1 not found, 2 usage, 3 I/O, 4 bad report).
#   cli-test.sh KTSNAP REPORT
set -uo pipefail
ktsnap=$1 report=$2
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/expect.sh"

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

# ktsnap query: predicates, max/min-by, globals, and the details of errors.
q() { "$ktsnap" query "$report" "$@"; }
expect "query find" 0 "key 1005" q --map kt_tasks --find 'tid == 1005'
expect "query find whole value" 0 'comm "ksoftirqd/1"' q --map kt_tasks --find 'tid == 1005'
expect "query find --get" 0 'key 1005  comm="ksoftirqd/1"  weight=350' q --map kt_tasks --find 'tid == 1005' --get comm --get weight
expect "query --get key side" 0 'dsq=1001' q --map kt_pcpu_hash --find 'key.cpu == 1' --get key
expect "query filter" 0 "key 1013  tid=1013  weight=400" \
  q --map kt_tasks --filter 'state == "KT_STATE_RUNNING" && weight > 150' --get tid --get weight
expect "query filter --limit" 0 "more matches not shown" q --map kt_tasks --filter 'tid > 1000' --limit 2 --get tid
expect "query count" 0 "^5$" q --map kt_tasks --count 'state == "KT_STATE_RUNNING"'
expect "query max-by" 0 "key 1003  runtime_ns=9853297376" q --map kt_tasks --max-by runtime_ns --get runtime_ns
expect "query min-by" 0 "key 1015  inner.b=-15" q --map kt_tasks --min-by inner.b --get inner.b
expect "query per-CPU --cpu" 0 "key 2  nr_dispatched=202" q --map kt_cpu_stats --filter 'nr_dispatched > 100' --cpu 2 --get nr_dispatched
expect "query per-CPU any CPU" 0 "cpu3=103" q --map kt_cpu_stats --find 'nr_dispatched == 101' --get nr_dispatched
expect "query per-CPU max-by needs --cpu" 2 "needs --cpu" q --map kt_pcpu_hash --max-by value
expect "query a global section map" 0 'entry 0  kt_data_label="hello"' q --map kinds.data --find 'kt_data_counter == 5' --get kt_data_label
expect "query --var" 0 "kt_bss_inner = kt_inner{a=7, b=-3, c=9}" q --var kt_bss_inner
expect "query --var --get" 0 "kt_bss_inner.b = -3" q --var kt_bss_inner --get b
expect "query --var string" 0 'kt_data_label = "hello"' q --var kt_data_label
expect "query no match" 1 "sampled keys (16 entries): 1000, 1001, 1002" q --map kt_tasks --find 'tid == 99999'
expect "query filter no match" 1 "sampled keys" q --map kt_tasks --filter 'tid == 99999'
expect "query count zero" 1 "^0$" q --map kt_tasks --count 'tid == 99999'
expect "query bad predicate" 2 "column 7" q --map kt_tasks --find 'tid === 5'
expect "query bad predicate caret" 2 "^        ^" q --map kt_tasks --find 'tid === 5'
expect "query type error" 2 "column 8" q --map kt_tasks --find 'comm > 5'
expect "query unknown member" 1 "alternatives: runtime_ns, tid, state, weight" q --map kt_tasks --find 'wieght > 5'
expect "query unknown variant" 1 "KT_STATE_RUNNING" q --map kt_tasks --find 'state == "FOO"'
expect "query unknown map" 1 "maps: kt_cpu_stats, kt_tasks" q --map no_such_map --find 'tid == 1'
expect "query unknown var" 1 "variables: kt_bss_inner" q --var no_such_var
expect "query bad --get" 1 "members: a, b, c" q --var kt_bss_inner --get zz
expect "query max-by not a number" 2 "not a number" q --map kt_tasks --max-by comm
expect "query no operation" 2 "missing an operation" q --map kt_tasks
expect "query two operations" 2 "only one of" q --map kt_tasks --find 'tid == 1' --count 'tid == 1'
expect "query --var with --map" 2 "" q --var kt_bss_inner --map kt_tasks
expect "query bad --cpu" 2 "" q --map kt_cpu_stats --find 'nr_dispatched > 1' --cpu x
expect "query missing file" 3 "no-such-file" "$ktsnap" query "$tmp/no-such-file.ktsnap" --var x
expect "query help" 0 "usage: ktsnap query" "$ktsnap" query --help
expect "help query" 0 "usage: ktsnap query" "$ktsnap" help query
expect "top help lists query" 0 "query" "$ktsnap" --help

# maps, capture, demo: help and usage errors (no kernel access needed; the
# live behaviour is in cli-live-test.sh).
for c in maps capture demo; do
  expect "$c --help" 0 "usage: ktsnap $c" "$ktsnap" $c --help
  expect "top help lists $c" 0 "^  $c " "$ktsnap" --help
done
expect "maps unknown option" 2 "unknown option" "$ktsnap" maps --bogus
expect "maps bad --count-limit" 2 "not a count" "$ktsnap" maps --count-limit -1
expect "capture nothing selected" 2 "nothing selected" "$ktsnap" capture -o "$tmp/c.ktsnap"
expect "capture missing -o" 2 "missing -o" "$ktsnap" capture --map-id 1
expect "capture bad --map-id" 2 "not a number" "$ktsnap" capture --map-id x -o "$tmp/c.ktsnap"
expect "capture --map-id 0" 2 "not an id" "$ktsnap" capture --map-id 0 -o "$tmp/c.ktsnap"
expect "capture bad --max-entries" 2 "not a number" "$ktsnap" capture --all --max-entries -5 -o "$tmp/c.ktsnap"
expect "capture option without value" 2 "needs an argument" "$ktsnap" capture --all -o
expect "capture two --struct-ops" 2 "once" "$ktsnap" capture --struct-ops 1 --struct-ops 2 -o "$tmp/c.ktsnap"
expect "capture unknown option" 2 "unknown option" "$ktsnap" capture --all --bogus -o "$tmp/c.ktsnap"
expect "demo bad --tasks" 2 "not a count" "$ktsnap" demo --tasks 0
expect "demo unknown option" 2 "unknown option" "$ktsnap" demo --bogus
expect "demo extra argument" 2 "unexpected argument" "$ktsnap" demo now

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
