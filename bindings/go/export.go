package ktsnap

// The Go functions C calls back (the bridge's capture and watch
// callbacks). A file with //export may only declare things in its
// preamble, so the C trampolines that adapt the library's callback types
// to these live in bridge.go.

/*
#include <stdint.h>
#include "ktsnap.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"unsafe"
)

//export ktsnapGoBridgeCapture
func ktsnapGoBridgeCapture(tag *C.char, n C.size_t, h C.uintptr_t) (out *C.ktsnap_report) {
	// A panic must not unwind through the library: it becomes "no report".
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	cb := cgo.Handle(h).Value().(*bridgeCallbacks)
	if cb.capture == nil {
		return nil
	}
	r := cb.capture(C.GoStringN(tag, C.int(n)))
	if r == nil || r.ptr == nil {
		return nil
	}
	return r.take() // the bridge owns and frees it
}

//export ktsnapGoBridgeWatch
func ktsnapGoBridgeWatch(sym *C.char, n C.size_t, buf *C.char, bufSize C.size_t, h C.uintptr_t) (st C.ktsnap_status) {
	defer func() {
		if p := recover(); p != nil {
			writeCBuf(buf, bufSize, fmt.Sprint("watch callback panicked: ", p))
			st = C.KTSNAP_E_INTERNAL
		}
	}()
	cb := cgo.Handle(h).Value().(*bridgeCallbacks)
	if cb.watch == nil {
		return C.KTSNAP_E_UNSUPPORTED
	}
	if err := cb.watch(C.GoStringN(sym, C.int(n))); err != nil {
		writeCBuf(buf, bufSize, err.Error())
		if ke, ok := err.(*Error); ok && ke.Status < 0 {
			return C.ktsnap_status(ke.Status)
		}
		return C.KTSNAP_E_UNSUPPORTED
	}
	return C.KTSNAP_OK
}

func writeCBuf(buf *C.char, size C.size_t, msg string) {
	if buf == nil || size == 0 {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(size))
	k := copy(b[:len(b)-1], msg)
	b[k] = 0
}
