#!/usr/bin/env bash
# The static guest program (guest_request) outside QEMU: against the fake
# host of the CLI tests on a raw-mode pty, one request per host run.
#   guest-request-pty-test.sh GUEST_REQUEST
set -uo pipefail
prog=$1
pass=0 fail=0
tmp=$(mktemp -d)
. "$(dirname "$0")/../cli/fake_wire_host.sh"
trap 'stop_host; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../cli/expect.sh"

expect "usage" 2 "usage: guest_request" "$prog"
expect "bad TAG:KIND" 2 "is not TAG:KIND" "$prog" /dev/null justatag
expect "kind 0" 2 "is not TAG:KIND" "$prog" /dev/null t:0
expect "no such device" 1 "cannot open" "$prog" "$tmp/nosuch" t:capture

start_host ok
expect "ok" 0 "^KTSNAP-REQ tag=boot id=1 outcome=ok reason=$" "$prog" "$port" boot:capture
check "done line" grep -q "^KTSNAP-REQ done replies=1 of 1$" "$tmp/out"
check "host got it" grep -q "crc_ok=1 id=1 kind=1 tag=boot" "$tmp/host.log"

start_host err
expect "host error is a reply" 0 "^KTSNAP-REQ tag=sym id=1 outcome=host-error reason=no capture for you$" \
  "$prog" "$port" sym:watch
check "watch kind sent" grep -q "kind=2 tag=sym" "$tmp/host.log"

start_host badstatus
expect "transport error, then latched" 1 "^KTSNAP-REQ tag=a id=1 outcome=transport-error reason=host reply with unknown status 9" \
  "$prog" "$port" a:capture b:capture
check "second request latched" grep -q "^KTSNAP-REQ tag=b id=0 outcome=transport-error reason=guest transport is latched dead" "$tmp/out"
check "done line counts" grep -q "^KTSNAP-REQ done replies=0 of 2$" "$tmp/out"
stop_host

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
