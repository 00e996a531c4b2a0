//go:build ktsnap_debug

package ktsnap

import "runtime"

// debugGC runs a garbage collection in every accessor under the
// ktsnap_debug build tag (go test -tags ktsnap_debug), so that a missing
// runtime.KeepAlive shows up as a finalizer freeing a handle mid-use.
func debugGC() { runtime.GC() }
