#!/usr/bin/env bash
# Runs the Go binding's tests against a build of libktsnap:
#   bindings/go/run-tests.sh BUILD_DIR [go test args...]
# BUILD_DIR holds libktsnap.so.1 and fixtures/kinds.ktsnap. The cgo
# environment is set here (the build dir is not known when the package is
# written, env.sh): PKG_CONFIG_PATH=<build>/pkgconfig (the build tree's
# libktsnap.pc), LD_LIBRARY_PATH=<build>. No network: GOPROXY=off, standard library only.
# GOCACHE lives in the build dir, so HOME does not matter. The last line is
# "N passed, N failed" (the --- PASS / --- FAIL lines of go test -v).
# Exit 77 (skip) when `go` is missing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [go test args...]" >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 2
shift
if ! command -v go >/dev/null 2>&1; then
  echo "SKIP: go is not installed (scripts/install-deps.sh installs golang-go)"
  exit 77
fi
[ -e "$build/libktsnap.so.1" ] || { echo "no $build/libktsnap.so.1: build the ktsnap target first" >&2; exit 1; }

. "$here/env.sh"
ktsnap_go_env "$build"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
(cd "$here" && go vet ./... && go test -count=1 -v "$@" ./...) 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -cE '^\s*--- PASS' "$log")
failed=$(grep -cE '^\s*--- FAIL' "$log")
skipped=$(grep -cE '^\s*--- SKIP' "$log")
[ "$skipped" -eq 0 ] || grep -E -B1 '^\s*--- SKIP' "$log" | grep -vE '^(--|=== RUN)' | sed 's/^/skip: /'
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # a build or vet failure prints no --- FAIL line
fi
echo "$passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
