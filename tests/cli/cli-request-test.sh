#!/usr/bin/env bash
# `ktsnap request` against a fake host on a raw-mode pty (fake_wire_host.py):
# the frame it sends, each outcome with its exit code (0 ok, 5 host error,
# 6 transport error), the usage errors, a missing port (1).
#   cli-request-test.sh KTSNAP
set -uo pipefail
ktsnap=$1
here=$(dirname "$0")
pass=0 fail=0
tmp=$(mktemp -d)
. "$here/fake_wire_host.sh"
cleanup() {
  stop_host
  rm -rf "$tmp"
}
trap cleanup EXIT

. "$here/expect.sh"

# Waits (up to 5 s) for the host log to have a line, then greps it.
host_saw() {
  local i
  for i in $(seq 1 50); do
    [ -s "$tmp/host.log" ] && break
    sleep 0.1
  done
  grep -q -- "$1" "$tmp/host.log"
}

expect "request --help" 0 "usage: ktsnap request" "$ktsnap" request --help
expect "help lists request" 0 "request" "$ktsnap" --help
expect "no --port" 2 "--port is required" "$ktsnap" request --tag t
expect "no --tag" 2 "--tag is required" "$ktsnap" request --port /dev/null
expect "empty --tag" 2 "--tag is required" "$ktsnap" request --port /dev/null --tag ""
expect "bad --kind" 2 "--kind 'frob'" "$ktsnap" request --port /dev/null --tag t --kind frob
expect "kind 0" 2 "--kind '0'" "$ktsnap" request --port /dev/null --tag t --kind 0
expect "bad --timeout" 2 "--timeout 'soon'" "$ktsnap" request --port /dev/null --tag t --timeout soon
expect "zero --timeout" 2 "--timeout '0'" "$ktsnap" request --port /dev/null --tag t --timeout 0
expect "unknown option" 2 "unknown option" "$ktsnap" request --frob
expect "no such port name" 1 "no virtio port named" "$ktsnap" request --port org.ktsnap.nosuch --tag t
expect "no such port path" 1 "cannot open guest port" "$ktsnap" request --port "$tmp/nosuch" --tag t

start_host ok
expect "ok" 0 "^ok id=1 kind=capture tag=before-run$" "$ktsnap" request --port "$port" --tag before-run
check "host got an SNRQ frame" host_saw "type=SNRQ length=72 pad=0 crc_ok=1 id=1 kind=1 tag=before-run taglen=10"

start_host ok
long=$(printf 'x%.0s' $(seq 1 70))
expect "long tag is cut" 0 "^ok id=1 kind=watch tag=$(printf 'x%.0s' $(seq 1 64))$" \
  "$ktsnap" request --port "$port" --tag "$long" --kind watch
check "host got 64 tag bytes, kind watch" host_saw "kind=2 tag=.* taglen=64"
check "the cut is noted" grep -q "cut to 64 bytes" "$tmp/out"

start_host err
expect "host error" 5 "^host-error id=1 kind=capture tag=t: no capture for you$" \
  "$ktsnap" request --port "$port" --tag t

start_host stale-ok
expect "stale reply skipped" 0 "^ok id=1" "$ktsnap" request --port "$port" --tag t --kind 7
check "a numeric kind is sent as is" host_saw "kind=7"

start_host badstatus
expect "unknown status" 6 "^transport-error id=1 kind=capture tag=t: host reply with unknown status 9" \
  "$ktsnap" request --port "$port" --tag t

start_host badcrc
expect "bad crc" 6 "CRC" "$ktsnap" request --port "$port" --tag t

start_host silent
start=$(date +%s%N)
expect "timeout" 6 "^transport-error id=1 kind=capture tag=t: host did not deliver a matching snapshot reply within 300 ms" \
  "$ktsnap" request --port "$port" --tag t --timeout 0.3
took=$((($(date +%s%N) - start) / 1000000))
check "timeout took about 0.3 s ($took ms)" test "$took" -ge 300 -a "$took" -lt 10000
stop_host

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
