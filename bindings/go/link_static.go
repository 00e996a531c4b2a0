//go:build ktsnap_static

package ktsnap

// Under the ktsnap_static build tag (go build -tags ktsnap_static): link
// the static archive libktsnap.a, found through pkg-config's
// libktsnap-static.pc (an install's, or a build tree's with
// PKG_CONFIG_PATH=<build>/pkgconfig), whose Libs list the archive and then
// its dependencies. The program does not need libktsnap.so.1; libbpf,
// simdjson and the C++ runtime stay shared libraries. Without the tag the
// package links libktsnap.so.1 (link_dynamic.go).

/*
#cgo pkg-config: libktsnap-static
*/
import "C"
