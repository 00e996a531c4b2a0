// The cgo check of ktsnap.h (ctest headertest.cgo): a program that only
// includes the header and uses a few of its constants, types and struct
// layouts from Go must build with cgo, without linking libktsnap, and the
// layouts cgo sees must match the header's *_SIZE_V1 numbers.
package main

/*
#include <stddef.h>
#include "ktsnap.h"
*/
import "C"

import (
	"fmt"
	"os"
	"unsafe"
)

func main() {
	var v C.ktsnap_value
	var info C.ktsnap_error_info
	var ro C.ktsnap_ring_opts
	var co C.ktsnap_capture_opts
	var bo C.ktsnap_bridge_opts
	var res C.ktsnap_bulk_result
	var j C.ktsnap_json
	var st C.ktsnap_status = C.KTSNAP_E_NOTFOUND
	var cb C.ktsnap_bridge_capture_fn
	checks := []struct {
		what      string
		got, want uintptr
	}{
		{"ktsnap_error_info", unsafe.Sizeof(info), C.KTSNAP_ERROR_INFO_SIZE_V1},
		{"ktsnap_ring_opts", unsafe.Sizeof(ro), C.KTSNAP_RING_OPTS_SIZE_V1},
		{"ktsnap_capture_opts", unsafe.Sizeof(co), C.KTSNAP_CAPTURE_OPTS_SIZE_V1},
		{"ktsnap_bridge_opts", unsafe.Sizeof(bo), C.KTSNAP_BRIDGE_OPTS_SIZE_V1},
		{"ktsnap_value (by-value cursor)", unsafe.Sizeof(v), 32},
		{"ktsnap_json (by-value cursor)", unsafe.Sizeof(j), 32},
		{"ktsnap_bulk_result", unsafe.Sizeof(res), 16},
		{"ktsnap_bridge_capture_fn", unsafe.Sizeof(cb), unsafe.Sizeof(uintptr(0))},
	}
	bad := 0
	for _, c := range checks {
		if c.got != c.want {
			fmt.Printf("FAIL %s: cgo sees %d bytes, the header says %d\n", c.what, c.got, c.want)
			bad++
		}
	}
	if st != -3 || C.KTSNAP_NO_CPU != ^uint32(0) || C.KTSNAP_VERSION_MAJOR < 1 || C.KTSNAP_KIND_STRUCT != 7 {
		fmt.Println("FAIL constants")
		bad++
	}
	if bad != 0 {
		os.Exit(1)
	}
	fmt.Printf("ktsnap.h %d.%d.%d: %d layouts and the constants agree under cgo\n",
		C.KTSNAP_VERSION_MAJOR, C.KTSNAP_VERSION_MINOR, C.KTSNAP_VERSION_PATCH, len(checks))
}
