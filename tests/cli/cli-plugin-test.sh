#!/usr/bin/env bash
# `ktsnap capture --plugin` and `ktsnap serve --plugin`: the replay example
# plugin captures the fixture report again (the output opens and holds the
# replayed content); every broken plugin (missing file, no entry point,
# NULL table, wrong ABI major, short table, failing init, failing capture,
# empty capture) gives a clear message, its exit code, no output file and
# no crash; usage errors. No root needed.
#   cli-plugin-test.sh KTSNAP REPLAY_SO TEST_PLUGIN_DIR REPORT
set -uo pipefail
ktsnap=$1 replay=$2 pdir=$3 report=$4
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/expect.sh"
tp() { echo "$pdir/test_plugin_$1.so"; }

# Success: the replayed report opens and carries the saved content.
expect "replay a file" 0 "through plugin 'replay' -> $tmp/r1.ktsnap" \
  "$ktsnap" capture --plugin "$replay" --plugin-arg "$report" --tag replayed -o "$tmp/r1.ktsnap"
expect "replayed report: tag" 0 '"tag":"replayed"' "$ktsnap" json "$tmp/r1.ktsnap"
expect "replayed report: query" 0 'key 1005  comm="ksoftirqd/1"  weight=350' \
  "$ktsnap" query "$tmp/r1.ktsnap" --map kt_tasks --find 'tid == 1005' --get comm --get weight
"$ktsnap" show "$report" | grep -v '^report\|tag\|trigger' >"$tmp/show.a" 2>&1
"$ktsnap" show "$tmp/r1.ktsnap" | grep -v '^report\|tag\|trigger' >"$tmp/show.b" 2>&1
check "replayed report: every map shows as the original" cmp -s "$tmp/show.a" "$tmp/show.b"
mkdir "$tmp/dir" && cp "$report" "$tmp/dir/a.ktsnap" && cp "$tmp/r1.ktsnap" "$tmp/dir/b.ktsnap"
expect "replay a directory" 0 "through plugin 'replay'" \
  "$ktsnap" capture --plugin "$replay" --plugin-arg "$tmp/dir" -o "$tmp/r2.ktsnap"
# A bare file name is taken from the current directory.
cp "$replay" "$tmp/replay.so"
expect "plugin by bare name in the current directory" 0 "through plugin 'replay'" \
  sh -c "cd '$tmp' && '$ktsnap' capture --plugin replay.so --plugin-arg '$report' -o r3.ktsnap"
expect "test plugin" 0 "captured 1 maps (0 excluded), 3 entries through plugin 'test'" \
  "$ktsnap" capture --plugin "$(tp good)" -o "$tmp/g.ktsnap"

# Failures: message, exit code, nothing written.
no_out() { [ ! -e "$tmp/bad.ktsnap" ]; }
bad() {  # bad NAME EXIT PATTERN ARGS...
  local name=$1 code=$2 pat=$3
  shift 3
  expect "$name" "$code" "$pat" "$ktsnap" capture "$@" -o "$tmp/bad.ktsnap"
  check "$name: no output file" no_out
}
bad "missing plugin file" 1 "cannot load: No such file or directory" --plugin "$tmp/none.so"
bad "not a shared object" 4 "cannot load" --plugin "$report"
bad "no entry point" 1 "exports no ktsnap_plugin_v1" --plugin "$(tp no_entry)"
bad "entry point returns NULL" 4 "returned NULL" --plugin "$(tp null_table)"
bad "wrong ABI major" 4 "built for plugin ABI major 2; this host speaks major 1" --plugin "$(tp wrong_major)"
bad "short table" 4 "size 24 is smaller than the 56 bytes of version 1" --plugin "$(tp short_table)"
bad "NULL capture function" 4 "no capture function" --plugin "$(tp no_capture)"
bad "unknown table flags" 4 "flags 0x80" --plugin "$(tp unknown_flags)"
bad "init fails" 1 "init failed: cannot reach device 'dev9'" --plugin "$(tp init_fails)" --plugin-arg dev9
bad "capture fails" 3 "capture of tag 'x' failed: input/output error: device went away during capture" \
  --plugin "$(tp capture_fails)" --tag x
bad "empty capture" 1 "empty builder" --plugin "$(tp empty)"
bad "plugin finishes the builder" 4 "finished the builder itself" --plugin "$(tp finishes)"
bad "replay without argument" 4 "needs a report file" --plugin "$replay"
bad "replay of a missing file" 1 "cannot read" --plugin "$replay" --plugin-arg "$tmp/nope.ktsnap"
bad "plugin and selection" 2 "not both" --plugin "$replay" --map-id 1
bad "--plugin-arg without --plugin" 2 "needs --plugin" --plugin-arg x --map-id 1
bad "--plugin twice" 2 "once" --plugin "$replay" --plugin "$replay"
bad "nothing selected" 2 "or --plugin FILE"
expect "capture usage names --plugin" 0 "--plugin PLUGIN.so" "$ktsnap" capture --help
expect "serve usage names --plugin" 0 "--plugin PLUGIN.so" "$ktsnap" serve --help

# ktsnap serve: a refused plugin stops it before it connects.
expect "serve with a wrong-major plugin" 4 "plugin ABI major 2" \
  "$ktsnap" serve --socket "$tmp/none.sock" --plugin "$(tp wrong_major)"
expect "serve with plugin and selection" 2 "not both" \
  "$ktsnap" serve --socket "$tmp/none.sock" --plugin "$replay" --all
# ... and answers requests through a working one (a Python guest).
if command -v python3 >/dev/null; then
  expect "serve --plugin answers requests" 0 "serve-plugin: 0 failed" \
    python3 "$(dirname "$0")/plugin_serve.py" "$ktsnap" "$replay" "$(tp capture_fails)" "$report" "$tmp/serve"
else
  echo "FAIL serve --plugin: python3 missing"; fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
