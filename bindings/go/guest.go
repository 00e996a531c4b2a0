package ktsnap

/*
#include "shim.h"

static inline ktsnap_status kgo_guest_open_fd(ktsnap_guest **out, int fd, int own, kgo_err *e_) {
  ktsnap_guest_opts o = KTSNAP_GUEST_OPTS_INIT;
  if (own) o.flags = KTSNAP_GUEST_OWN_FD;
  ktsnap_status s_ = ktsnap_guest_open_fd(out, fd, &o);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
static inline ktsnap_status kgo_guest_open(ktsnap_guest **out, const char *port, kgo_err *e_) {
  ktsnap_status s_ = ktsnap_guest_open(out, port, NULL);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
// The reply's reason is thread-local in the library: copied here, in the same call.
static inline ktsnap_status kgo_guest_request(ktsnap_guest *g, uint32_t kind, const char *tag, int64_t t,
                                              ktsnap_guest_reply *rep, char **reason, kgo_err *e_) {
  memset(rep, 0, sizeof *rep);
  rep->sz = sizeof *rep;
  ktsnap_status s_ = ktsnap_guest_request(g, kind, tag, t, rep);
  *reason = (rep->reason != NULL) ? strndup(rep->reason, rep->reason_len) : NULL;
  rep->reason = NULL;
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
KGO(guest_reset, (ktsnap_guest *g, kgo_err *e_), (g))
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// Snapshot request kinds and reply outcomes.
const (
	SnapshotCapture = uint32(C.KTSNAP_SNAPSHOT_KIND_CAPTURE)
	SnapshotWatch   = uint32(C.KTSNAP_SNAPSHOT_KIND_WATCH)

	GuestOutcomeNone           = uint32(C.KTSNAP_GUEST_OUTCOME_NONE)
	GuestOutcomeOK             = uint32(C.KTSNAP_GUEST_OUTCOME_OK)
	GuestOutcomeHostError      = uint32(C.KTSNAP_GUEST_OUTCOME_HOST_ERROR)
	GuestOutcomeTransportError = uint32(C.KTSNAP_GUEST_OUTCOME_TRANSPORT_ERROR)

	GuestTimedOut     = uint32(C.KTSNAP_GUEST_TIMED_OUT)
	GuestLatched      = uint32(C.KTSNAP_GUEST_LATCHED)
	GuestTagTruncated = uint32(C.KTSNAP_GUEST_TAG_TRUNCATED)
)

// Guest is the guest end of the capture wire (ktsnap_guest). One request
// at a time per handle.
type Guest struct {
	ptr *C.ktsnap_guest
}

func newGuest(p *C.ktsnap_guest) *Guest {
	g := &Guest{ptr: p}
	runtime.SetFinalizer(g, (*Guest).Close)
	return g
}

// GuestOpenFd wraps a descriptor the caller opened (a port, a socket); it
// is switched to non-blocking. own: Close closes fd too.
func GuestOpenFd(fd int, own bool) (*Guest, error) {
	var out *C.ktsnap_guest
	var e C.kgo_err
	o := C.int(0)
	if own {
		o = 1
	}
	if err := check(C.kgo_guest_open_fd(&out, C.int(fd), o, &e), &e); err != nil {
		return nil, err
	}
	return newGuest(out), nil
}

// GuestOpen opens a virtio port by name or device path.
func GuestOpen(port string) (*Guest, error) {
	cp := cstr(port)
	defer free(cp)
	var out *C.ktsnap_guest
	var e C.kgo_err
	if err := check(C.kgo_guest_open(&out, cp, &e), &e); err != nil {
		return nil, err
	}
	return newGuest(out), nil
}

// Close releases the handle; twice is a no-op.
func (g *Guest) Close() error {
	if g != nil && g.ptr != nil {
		C.ktsnap_guest_free(g.ptr)
		g.ptr = nil
		runtime.SetFinalizer(g, nil)
	}
	return nil
}

// GuestReply is what one request got.
type GuestReply struct {
	Outcome   uint32 // GuestOutcome*
	RequestID uint32
	Flags     uint32 // GuestTimedOut, GuestLatched, GuestTagTruncated
	Reason    string // the host's or the transport's reason; "" on OK
}

// Request asks the host for a snapshot and waits (timeout 0: 30 s). The
// reply is filled on every outcome; err is nil (OK), ERemote (the host
// said ERR), ETimeout or EIO.
func (g *Guest) Request(kind uint32, tag string, timeout time.Duration) (GuestReply, error) {
	if g == nil || g.ptr == nil {
		return GuestReply{}, closedErr("Guest")
	}
	ct := cstr(tag)
	defer free(ct)
	var rep C.ktsnap_guest_reply
	var reason *C.char
	var e C.kgo_err
	rc := C.kgo_guest_request(g.ptr, C.uint32_t(kind), ct, C.int64_t(timeout), &rep, &reason, &e)
	runtime.KeepAlive(g)
	out := GuestReply{Outcome: uint32(rep.outcome), RequestID: uint32(rep.request_id), Flags: uint32(rep.flags)}
	if reason != nil {
		out.Reason = C.GoString(reason)
		C.free(unsafe.Pointer(reason))
	}
	return out, check(rc, &e)
}

// Reset clears the dead latch.
func (g *Guest) Reset() error {
	if g == nil || g.ptr == nil {
		return closedErr("Guest")
	}
	var e C.kgo_err
	err := check(C.kgo_guest_reset(g.ptr, &e), &e)
	runtime.KeepAlive(g)
	return err
}
