package ktsnap

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Status is a ktsnap_status: 0 for success, a negative KTSNAP_E_* code on failure.
type Status int32

// The status codes of ktsnap.h.
const (
	OK           Status = C.KTSNAP_OK
	EInvalid     Status = C.KTSNAP_E_INVALID
	ENoMem       Status = C.KTSNAP_E_NOMEM
	ENotFound    Status = C.KTSNAP_E_NOTFOUND
	EAgain       Status = C.KTSNAP_E_AGAIN
	ETimeout     Status = C.KTSNAP_E_TIMEOUT
	EVersion     Status = C.KTSNAP_E_VERSION
	EUnsupported Status = C.KTSNAP_E_UNSUPPORTED
	EIO          Status = C.KTSNAP_E_IO
	EInternal    Status = C.KTSNAP_E_INTERNAL
	EFormat      Status = C.KTSNAP_E_FORMAT
	EType        Status = C.KTSNAP_E_TYPE
	ERange       Status = C.KTSNAP_E_RANGE
	EPerm        Status = C.KTSNAP_E_PERM
	EBusy        Status = C.KTSNAP_E_BUSY
	ERemote      Status = C.KTSNAP_E_REMOTE
)

// String is ktsnap_status_str (a static string: no last error involved).
func (s Status) String() string { return C.GoString(C.ktsnap_status_str(C.ktsnap_status(s))) }

// ErrorKind is a KTSNAP_ERROR_* number of ktsnap_error_info.kind.
type ErrorKind uint32

// String is ktsnap_error_kind_name.
func (k ErrorKind) String() string { return C.GoString(C.ktsnap_error_kind_name(C.uint32_t(k))) }

// Error is every failure of the binding: the status and the structured
// details of ktsnap_last_error_info, read inside the same C call that
// failed (see shim.h).
type Error struct {
	Status       Status
	Errno        int       // ktsnap_last_errno() of the failing call
	Kind         ErrorKind // KTSNAP_ERROR_NONE (0) for plain statuses
	KindName     string
	Message      string
	JSON         string // {"Kind":{...}}; "" for plain statuses
	Requested    string
	Walked       string
	Component    string
	Map          string
	Expected     string
	Actual       string
	Reason       string
	Hint         string
	Index        uint64
	Len          uint64
	CPU          uint32
	Column       uint32 // 1-based column in a query or path; 0 when none
	Unmapped     bool
	Alternatives []string
	SampleKeys   []string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "ktsnap: " + e.Status.String()
	}
	return fmt.Sprintf("ktsnap: %s: %s", e.Status.String(), e.Message)
}

// Is makes errors.Is(err, &ktsnap.Error{Status: ktsnap.ENotFound}) match by status.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status && (t.Kind == 0 || t.Kind == e.Kind)
}

// Sentinels for errors.Is.
var (
	ErrInvalid  = &Error{Status: EInvalid}
	ErrNotFound = &Error{Status: ENotFound}
	ErrAgain    = &Error{Status: EAgain}
	ErrTimeout  = &Error{Status: ETimeout}
	ErrType     = &Error{Status: EType}
	ErrRange    = &Error{Status: ERange}
	ErrPerm     = &Error{Status: EPerm}
	ErrRemote   = &Error{Status: ERemote}
)

// ErrClosed is returned by every method of a handle after Close.
var ErrClosed = &Error{Status: EInvalid, Message: "use of a closed ktsnap handle"}

func closedErr(what string) error {
	return &Error{Status: EInvalid, Message: "use of a closed " + what}
}

func goStrings(p **C.char, n C.size_t) []string {
	if p == nil || n == 0 {
		return nil
	}
	s := unsafe.Slice(p, int(n))
	out := make([]string, len(s))
	for i, c := range s {
		out[i] = C.GoString(c)
	}
	return out
}

// takeErr converts a filled kgo_err into an *Error and frees its C strings.
func takeErr(e *C.kgo_err) error {
	defer C.kgo_err_free(e)
	return &Error{
		Status:       Status(e.status),
		Errno:        int(e.sys_errno),
		Kind:         ErrorKind(e.kind),
		KindName:     C.GoString(e.kind_name),
		Message:      C.GoString(e.message),
		JSON:         C.GoString(e.json),
		Requested:    C.GoString(e.requested),
		Walked:       C.GoString(e.walked),
		Component:    C.GoString(e.component),
		Map:          C.GoString(e._map),
		Expected:     C.GoString(e.expected),
		Actual:       C.GoString(e.actual),
		Reason:       C.GoString(e.reason),
		Hint:         C.GoString(e.hint),
		Index:        uint64(e.index),
		Len:          uint64(e.len),
		CPU:          uint32(e.cpu),
		Column:       uint32(e.column),
		Unmapped:     e.unmapped != 0,
		Alternatives: goStrings(e.alts, e.n_alt),
		SampleKeys:   goStrings(e.samples, e.n_samples),
	}
}

// check turns a wrapper's status into nil or the error it captured.
func check(st C.ktsnap_status, e *C.kgo_err) error {
	if st == C.KTSNAP_OK {
		return nil
	}
	return takeErr(e)
}

// Version is ktsnap_version_string().
func Version() string { return C.GoString(C.ktsnap_version_string()) }

// Features is ktsnap_features() (KTSNAP_FEATURE_* bits).
func Features() uint64 { return uint64(C.ktsnap_features()) }

// Feature bits.
const (
	FeatureBTF     = uint64(C.KTSNAP_FEATURE_BTF)
	FeatureCapture = uint64(C.KTSNAP_FEATURE_CAPTURE)
	FeatureRing    = uint64(C.KTSNAP_FEATURE_RING)
	FeatureWire    = uint64(C.KTSNAP_FEATURE_WIRE)
	FeatureQuery   = uint64(C.KTSNAP_FEATURE_QUERY)
)

// The run-time half of the version handshake (the compile-time half is the
// #error in shim.h): the loaded library must have the header's major
// version and be at least as new as the header.
func init() {
	lib, hdr := uint32(C.ktsnap_version()), uint32(C.KTSNAP_VERSION_NUMBER)
	if lib/10000 != hdr/10000 || lib < hdr {
		panic(fmt.Sprintf("ktsnap: loaded libktsnap is version %d, the binding was built for %d (same major, not older)",
			lib, hdr))
	}
}
