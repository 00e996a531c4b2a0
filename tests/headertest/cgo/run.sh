#!/usr/bin/env bash
# ctest headertest.cgo: builds and runs main.go (ktsnap.h through cgo,
# nothing linked).   run.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
if ! command -v go >/dev/null 2>&1; then
  echo "SKIP: go is not installed (scripts/install-deps.sh installs golang-go)"
  exit 77
fi
. "$here/../../../bindings/go/env.sh"
ktsnap_go_env "$build"
cd "$here"
go vet .
go build -o "$build/headertest-cgo" .
"$build/headertest-cgo"
