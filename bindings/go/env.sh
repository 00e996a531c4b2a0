# Sourced by run-tests.sh and run-bench.sh (and usable by hand:
#   . bindings/go/env.sh BUILD_DIR): the cgo and go environment for building
# against a libktsnap build dir, with no network and no use of HOME.
#   CGO_CFLAGS   -I<repo>/include (ktsnap.h, for cgo code that links nothing)
#   PKG_CONFIG_PATH <build>/pkgconfig (the build tree's libktsnap.pc: the
#                   package says #cgo pkg-config: libktsnap; and
#                   libktsnap-static.pc for -tags ktsnap_static)
#   LD_LIBRARY_PATH <build>       (libktsnap.so.1 at run time)
#   GOCACHE, GOPATH               under <build>/go-cache, <build>/go-path
#   GOPROXY=off GOFLAGS=-mod=mod  standard library only
ktsnap_go_env() {
  local build=$1 here root
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  root=$(cd "$here/../.." && pwd)
  export KTSNAP_GO_DIR="$here" KTSNAP_ROOT="$root" KTSNAP_BUILD_DIR="$build"
  export GOPROXY=off GOFLAGS=-mod=mod GO111MODULE=on GOENV=off GOTOOLCHAIN=local
  export GOCACHE="$build/go-cache" GOPATH="$build/go-path"
  export CGO_ENABLED=1
  export CGO_CFLAGS="-g -O2 -I$root/include"
  export PKG_CONFIG_PATH="$build/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  export LD_LIBRARY_PATH="$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  mkdir -p "$GOCACHE" "$GOPATH"
}
