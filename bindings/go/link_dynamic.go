//go:build !ktsnap_static

package ktsnap

// The default link: dynamically against libktsnap.so.1, found through
// pkg-config's libktsnap.pc (an install's, or a build tree's with
// PKG_CONFIG_PATH=<build>/pkgconfig: see env.sh). The program then needs
// libktsnap.so.1 at run time. Build with -tags ktsnap_static to link
// libktsnap.a instead (link_static.go). cgo flags apply to the whole
// package, so this one directive links every file of it.

/*
#cgo pkg-config: libktsnap
*/
import "C"
