#!/usr/bin/env bash
# ctest go.test_static: the Go binding linked statically (-tags
# ktsnap_static: link_static.go, libktsnap.a through the build tree's
# libktsnap-static.pc), and proof that it is:
#   bindings/go/run-static-tests.sh BUILD_DIR
# Checks, each counted once:
#   vet      go vet -tags ktsnap_static
#   static   the test binary of `go test -c -tags ktsnap_static` has no
#            NEEDED entry for libktsnap (readelf -d)
#   control  the default test binary (`go test -c`) does NEED
#            libktsnap.so.1, so the static check can tell the difference
# then runs the static test binary (the whole suite, -test.v) with an
# LD_LIBRARY_PATH that holds no directory with libktsnap.so.1, so it could
# not load the shared library even if it tried. The last line is
# "N passed, N failed": the suite's --- PASS / --- FAIL lines plus the
# checks above. Exit 77 (skip) when `go` is missing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 2
if ! command -v go >/dev/null 2>&1; then
  echo "SKIP: go is not installed (scripts/install-deps.sh installs golang-go)"
  exit 77
fi
for f in "$build/libktsnap.a" "$build/pkgconfig/libktsnap-static.pc" "$build/libktsnap.so.1"; do
  [ -e "$f" ] || { echo "no $f: build the ktsnap and ktsnap_static targets first"; echo "0 passed, 1 failed"; exit 1; }
done

# The run-time library path of the static run: the caller's, minus every
# directory that holds a libktsnap.so.1 (env.sh adds the build dir).
run_ldpath=
IFS=: read -ra dirs <<<"${LD_LIBRARY_PATH:-}"
for d in "${dirs[@]}"; do
  [ -n "$d" ] && [ ! -e "$d/libktsnap.so.1" ] && run_ldpath=${run_ldpath:+$run_ldpath:}$d
done

. "$here/env.sh"
ktsnap_go_env "$build"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
checks_pass=0 checks_fail=0
ok() { echo "ok: $1"; checks_pass=$((checks_pass + 1)); }
bad() { echo "FAIL: $1"; checks_fail=$((checks_fail + 1)); }
needs_ktsnap() { readelf -d "$1" | grep -E '\(NEEDED\)' | grep -F 'libktsnap'; }

cd "$here" || exit 1
if go vet -tags ktsnap_static ./...; then ok "go vet -tags ktsnap_static"; else bad "go vet -tags ktsnap_static"; fi

static_bin=
if go test -c -tags ktsnap_static -o "$tmp/ktsnap.static.test" .; then
  if n=$(needs_ktsnap "$tmp/ktsnap.static.test"); then
    bad "static test binary still needs libktsnap: $n"
  else
    ok "static test binary has no NEEDED libktsnap ($(readelf -d "$tmp/ktsnap.static.test" | grep -cE '\(NEEDED\)') NEEDED entries)"
    static_bin=$tmp/ktsnap.static.test
  fi
else
  bad "go test -c -tags ktsnap_static"
fi

if go test -c -o "$tmp/ktsnap.dynamic.test" .; then
  if n=$(needs_ktsnap "$tmp/ktsnap.dynamic.test") && grep -qF '[libktsnap.so.1]' <<<"$n"; then
    ok "control: the default test binary needs libktsnap.so.1"
  else
    bad "control: the default test binary does not need libktsnap.so.1 (${n:-no NEEDED libktsnap})"
  fi
else
  bad "control: go test -c"
fi

passed=0 failed=0
if [ -n "$static_bin" ]; then
  # Run as go test would: in the package directory, with the suite's
  # default timeout.
  log=$tmp/log
  LD_LIBRARY_PATH=$run_ldpath "$static_bin" -test.v -test.timeout=10m 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  passed=$(grep -cE '^\s*--- PASS' "$log")
  failed=$(grep -cE '^\s*--- FAIL' "$log")
  grep -E -B1 '^\s*--- SKIP' "$log" | grep -vE '^(--|=== RUN)' | sed 's/^/skip: /'
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "FAIL: the static test binary exited $rc with no --- FAIL line"
    failed=1
  fi
else
  echo "FAIL: no static test binary to run the suite with"
  failed=1
fi
echo "$((passed + checks_pass)) passed, $((failed + checks_fail)) failed"
[ "$failed" -eq 0 ] && [ "$checks_fail" -eq 0 ]
