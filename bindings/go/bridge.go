package ktsnap

/*
#include "shim.h"

extern ktsnap_report *ktsnapGoBridgeCapture(char *tag, size_t n, uintptr_t h);
extern ktsnap_status ktsnapGoBridgeWatch(char *sym, size_t n, char *buf, size_t buf_size, uintptr_t h);

// C-typed adapters: the library passes user_data (the cgo.Handle) last.
static ktsnap_report *kgo_capture_tramp(const char *tag, size_t n, void *ud) {
  return ktsnapGoBridgeCapture((char *)tag, n, (uintptr_t)ud);
}
static ktsnap_status kgo_watch_tramp(const char *sym, size_t n, char *buf, size_t buf_size, void *ud) {
  return ktsnapGoBridgeWatch((char *)sym, n, buf, buf_size, (uintptr_t)ud);
}

static inline ktsnap_status kgo_bridge_new(ktsnap_bridge **out, uintptr_t h, int with_capture, int with_watch,
                                           kgo_err *e_) {
  ktsnap_bridge_opts o = KTSNAP_BRIDGE_OPTS_INIT;
  if (with_capture) {
    o.capture = kgo_capture_tramp;
    o.capture_user_data = (void *)h;
  }
  if (with_watch) {
    o.watch = kgo_watch_tramp;
    o.watch_user_data = (void *)h;
  }
  ktsnap_status s_ = ktsnap_bridge_new(out, &o);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
static inline ktsnap_status kgo_bridge_store(ktsnap_bridge *b, const char *tag, size_t n, const ktsnap_report *r,
                                             kgo_err *e_) {
  ktsnap_status s_ = ktsnap_bridge_store(b, tag, n, r, NULL);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
KGO(bridge_capture, (bool *captured, ktsnap_bridge *b, const char *tag, size_t n, int32_t step, kgo_err *e_),
    (captured, b, tag, n, step))
KGO(bridge_register_watch, (ktsnap_bridge *b, const char *sym, size_t n, kgo_err *e_), (b, sym, n))
KGO(bridge_drain, (ktsnap_bridge_items **out, ktsnap_bridge *b, uint32_t mode, kgo_err *e_), (out, b, mode))
// Item idx of a list: a private copy of its report (the list can then go).
static inline ktsnap_status kgo_bridge_item(ktsnap_report **out, char **tag, const ktsnap_bridge_items *items,
                                            size_t idx, kgo_err *e_) {
  ktsnap_bridge_item it;
  memset(&it, 0, sizeof it);
  it.sz = sizeof it;
  ktsnap_status s_ = ktsnap_bridge_items_get(&it, items, idx);
  if (s_ == KTSNAP_OK) {
    size_t n = 0;
    const void *d = ktsnap_report_bytes(it.report, &n);
    ktsnap_open_opts o = KTSNAP_OPEN_OPTS_INIT;
    o.flags = KTSNAP_OPEN_COPY;
    s_ = ktsnap_report_open_memory(out, d, n, &o);
    if (s_ == KTSNAP_OK) *tag = strndup(it.tag, it.tag_len);
  }
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"unsafe"
)

type bridgeCallbacks struct {
	capture func(tag string) *Report
	watch   func(symbol string) error
}

// BridgeOpts are the Go callbacks of a bridge. Capture returns the report
// for a tag, or nil for none; the bridge takes the returned report (it is
// closed on the Go side). Watch registers a watch on a kernel symbol.
// Both run on the goroutine that called Bridge.Capture / RegisterWatch.
type BridgeOpts struct {
	Capture func(tag string) *Report
	Watch   func(symbol string) error
}

// Bridge is a named report store (ktsnap_bridge).
type Bridge struct {
	ptr    *C.ktsnap_bridge
	handle cgo.Handle
}

// NewBridge creates a bridge whose callbacks are Go functions (through a runtime/cgo.Handle).
func NewBridge(opts BridgeOpts) (*Bridge, error) {
	h := cgo.NewHandle(&bridgeCallbacks{capture: opts.Capture, watch: opts.Watch})
	var out *C.ktsnap_bridge
	var e C.kgo_err
	wc, ww := C.int(0), C.int(0)
	if opts.Capture != nil {
		wc = 1
	}
	if opts.Watch != nil {
		ww = 1
	}
	if err := check(C.kgo_bridge_new(&out, C.uintptr_t(h), wc, ww, &e), &e); err != nil {
		h.Delete()
		return nil, err
	}
	b := &Bridge{ptr: out, handle: h}
	runtime.SetFinalizer(b, (*Bridge).Close)
	return b, nil
}

// Close frees the bridge and its callback handle; twice is a no-op.
func (b *Bridge) Close() error {
	if b != nil && b.ptr != nil {
		C.ktsnap_bridge_free(b.ptr)
		b.ptr = nil
		b.handle.Delete()
		runtime.SetFinalizer(b, nil)
	}
	return nil
}

func (b *Bridge) live() error {
	if b == nil || b.ptr == nil {
		return closedErr("Bridge")
	}
	return nil
}

func tagArg(tag string) (*C.char, C.size_t) {
	return C.CString(tag), C.size_t(len(tag))
}

// Store keeps a copy of r under tag (r stays the caller's).
func (b *Bridge) Store(tag string, r *Report) error {
	if err := b.live(); err != nil {
		return err
	}
	if err := r.live(); err != nil {
		return err
	}
	ct, n := tagArg(tag)
	defer free(ct)
	var e C.kgo_err
	err := check(C.kgo_bridge_store(b.ptr, ct, n, r.ptr, &e), &e)
	runtime.KeepAlive(b)
	runtime.KeepAlive(r)
	return err
}

// Capture calls the Capture callback for tag and stores its report
// (step < 0: no step metadata). false: the callback had none.
func (b *Bridge) Capture(tag string, step int) (bool, error) {
	if err := b.live(); err != nil {
		return false, err
	}
	ct, n := tagArg(tag)
	defer free(ct)
	var got C.bool
	var e C.kgo_err
	err := check(C.kgo_bridge_capture(&got, b.ptr, ct, n, C.int32_t(step), &e), &e)
	runtime.KeepAlive(b)
	return bool(got), err
}

// RegisterWatch calls the Watch callback for symbol.
func (b *Bridge) RegisterWatch(symbol string) error {
	if err := b.live(); err != nil {
		return err
	}
	cs, n := tagArg(symbol)
	defer free(cs)
	var e C.kgo_err
	err := check(C.kgo_bridge_register_watch(b.ptr, cs, n, &e), &e)
	runtime.KeepAlive(b)
	return err
}

// Len is the number of reports held.
func (b *Bridge) Len() int {
	if b.live() != nil {
		return 0
	}
	n := int(C.ktsnap_bridge_len(b.ptr))
	runtime.KeepAlive(b)
	return n
}

// Has tells whether a report is stored under tag.
func (b *Bridge) Has(tag string) bool {
	if b.live() != nil {
		return false
	}
	ct, n := tagArg(tag)
	defer free(ct)
	v := bool(C.ktsnap_bridge_has(b.ptr, ct, n))
	runtime.KeepAlive(b)
	return v
}

// EventCount is the number of events logged since the last event drain.
func (b *Bridge) EventCount() int {
	if b.live() != nil {
		return 0
	}
	n := int(C.ktsnap_bridge_event_count(b.ptr))
	runtime.KeepAlive(b)
	return n
}

// BridgeItem is one drained report (a private copy: close it).
type BridgeItem struct {
	Tag    string
	Report *Report
}

// Drain takes every report out of the bridge, oldest first.
func (b *Bridge) Drain() ([]BridgeItem, error) {
	if err := b.live(); err != nil {
		return nil, err
	}
	var items *C.ktsnap_bridge_items
	var e C.kgo_err
	err := check(C.kgo_bridge_drain(&items, b.ptr, C.KTSNAP_BRIDGE_DRAIN_ORDERED, &e), &e)
	runtime.KeepAlive(b)
	if err != nil {
		return nil, err
	}
	defer C.ktsnap_bridge_items_free(items)
	n := int(C.ktsnap_bridge_items_count(items))
	out := make([]BridgeItem, 0, n)
	for i := 0; i < n; i++ {
		var r *C.ktsnap_report
		var t *C.char
		if err := check(C.kgo_bridge_item(&r, &t, items, C.size_t(i), &e), &e); err != nil {
			for _, it := range out {
				it.Report.Close()
			}
			return nil, err
		}
		out = append(out, BridgeItem{Tag: C.GoString(t), Report: newReport(r)})
		C.free(unsafe.Pointer(t))
	}
	return out, nil
}
