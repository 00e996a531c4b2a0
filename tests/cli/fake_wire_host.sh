# Sourced by the tests that talk to fake_wire_host.py (cli-request-test.sh,
# tests/vm/guest-request-pty-test.sh). Needs $tmp (a scratch dir).
#   start_host MODE   (re)starts the fake host in MODE; $port is its pty
#                     ("" and a FAIL line when it did not come up in 10 s)
#   stop_host         stops it (also safe when none runs)
fake_wire_host=$(dirname "${BASH_SOURCE[0]}")/fake_wire_host.py
hostpid=

stop_host() {
  if [ -n "$hostpid" ]; then
    kill "$hostpid" 2>/dev/null
    wait "$hostpid" 2>/dev/null
  fi
  hostpid=
}

start_host() {
  stop_host
  rm -f "$tmp/port" "$tmp/host.log"
  python3 "$fake_wire_host" "$1" "$tmp/port" "$tmp/host.log" &
  hostpid=$!
  local i
  for i in $(seq 1 100); do
    [ -s "$tmp/port" ] && break
    sleep 0.1
  done
  port=$(cat "$tmp/port" 2>/dev/null)
  [ -n "$port" ] || echo "FAIL fake host did not start"
}
