package ktsnap

/*
#include "shim.h"

KGO(report_open_file, (ktsnap_report **out, const char *path, kgo_err *e_), (out, path, NULL))
static inline ktsnap_status kgo_report_open_copy(ktsnap_report **out, const void *data, size_t n, kgo_err *e_) {
  ktsnap_open_opts o = KTSNAP_OPEN_OPTS_INIT;
  o.flags = KTSNAP_OPEN_COPY;
  ktsnap_status s_ = ktsnap_report_open_memory(out, data, n, &o);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
KGO(report_save, (const ktsnap_report *r, const char *path, kgo_err *e_), (r, path))
KGO(report_map_by_name, (const ktsnap_map **out, const ktsnap_report *r, const char *name, kgo_err *e_), (out, r, name))
KGO(report_ring_seq, (uint64_t *out, const ktsnap_report *r, kgo_err *e_), (out, r))
static inline ktsnap_status kgo_render_report(char **out, size_t *len, const ktsnap_report *r, uint32_t format,
                                              uint32_t flags, kgo_err *e_) {
  ktsnap_render_opts o = KTSNAP_RENDER_OPTS_INIT;
  o.format = format;
  o.flags = flags;
  ktsnap_status s_ = ktsnap_render_report(out, len, r, &o);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Report is an open report (ktsnap_report). Close it when done; a finalizer
// frees a report that was forgotten, but reports from a ring hold their
// record until closed, so do not rely on it.
type Report struct {
	ptr *C.ktsnap_report
}

func newReport(p *C.ktsnap_report) *Report {
	r := &Report{ptr: p}
	runtime.SetFinalizer(r, (*Report).Close)
	return r
}

// OpenFile maps and verifies a report file.
func OpenFile(path string) (*Report, error) {
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	var out *C.ktsnap_report
	var e C.kgo_err
	if err := check(C.kgo_report_open_file(&out, cp, &e), &e); err != nil {
		return nil, err
	}
	return newReport(out), nil
}

// OpenMemory verifies a report held in data; the library keeps its own
// copy (KTSNAP_OPEN_COPY), so data may be reused at once.
func OpenMemory(data []byte) (*Report, error) {
	var out *C.ktsnap_report
	var e C.kgo_err
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	if err := check(C.kgo_report_open_copy(&out, p, C.size_t(len(data)), &e), &e); err != nil {
		return nil, err
	}
	return newReport(out), nil
}

// Close frees the report. Maps, values and snapshots taken from it must
// not be used afterwards (they return ErrClosed-like errors where they can
// tell). Closing twice is a no-op.
func (r *Report) Close() error {
	if r != nil && r.ptr != nil {
		C.ktsnap_report_free(r.ptr)
		r.ptr = nil
		runtime.SetFinalizer(r, nil)
	}
	return nil
}

// take hands the C handle over to the library (the bridge frees it).
func (r *Report) take() *C.ktsnap_report {
	p := r.ptr
	r.ptr = nil
	runtime.SetFinalizer(r, nil)
	return p
}

func (r *Report) live() error {
	debugGC()
	if r == nil || r.ptr == nil {
		return closedErr("Report")
	}
	return nil
}

// Save writes the report atomically to path.
func (r *Report) Save(path string) error {
	if err := r.live(); err != nil {
		return err
	}
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	var e C.kgo_err
	err := check(C.kgo_report_save(r.ptr, cp, &e), &e)
	runtime.KeepAlive(r)
	return err
}

// Bytes is a copy of the report's buffer.
func (r *Report) Bytes() []byte {
	if r.live() != nil {
		return nil
	}
	var n C.size_t
	p := C.ktsnap_report_bytes(r.ptr, &n)
	b := C.GoBytes(p, C.int(n))
	runtime.KeepAlive(r)
	return b
}

// Tag is the report's tag ("" for a closed report).
func (r *Report) Tag() string {
	if r.live() != nil {
		return ""
	}
	s := C.GoString(C.ktsnap_report_tag(r.ptr))
	runtime.KeepAlive(r)
	return s
}

// Trigger is KTSNAP_TRIGGER_*.
func (r *Report) Trigger() uint32 {
	if r.live() != nil {
		return 0
	}
	v := uint32(C.ktsnap_report_trigger(r.ptr))
	runtime.KeepAlive(r)
	return v
}

// FormatVersion is the report's format version number.
func (r *Report) FormatVersion() uint32 {
	if r.live() != nil {
		return 0
	}
	v := uint32(C.ktsnap_report_format_version(r.ptr))
	runtime.KeepAlive(r)
	return v
}

// WallTimeNs is the capture's wall-clock time.
func (r *Report) WallTimeNs() uint64 {
	if r.live() != nil {
		return 0
	}
	v := uint64(C.ktsnap_report_wall_time_ns(r.ptr))
	runtime.KeepAlive(r)
	return v
}

// IsPlaceholder tells a placeholder report (a capture that had nothing).
func (r *Report) IsPlaceholder() bool {
	if r.live() != nil {
		return false
	}
	v := bool(C.ktsnap_report_is_placeholder(r.ptr))
	runtime.KeepAlive(r)
	return v
}

// StatsJSON is the raw scheduler stats JSON ("" when none).
func (r *Report) StatsJSON() string {
	if r.live() != nil {
		return ""
	}
	var n C.size_t
	p := C.ktsnap_report_stats_json(r.ptr, &n)
	s := ""
	if p != nil {
		s = C.GoStringN(p, C.int(n))
	}
	runtime.KeepAlive(r)
	return s
}

// MapCount is the number of maps in the report.
func (r *Report) MapCount() int {
	if r.live() != nil {
		return 0
	}
	n := int(C.ktsnap_report_map_count(r.ptr))
	runtime.KeepAlive(r)
	return n
}

// Maps lists every map in capture order.
func (r *Report) Maps() []*Map {
	if r.live() != nil {
		return nil
	}
	n := int(C.ktsnap_report_map_count(r.ptr))
	out := make([]*Map, 0, n)
	for i := 0; i < n; i++ {
		if p := C.ktsnap_report_map_at(r.ptr, C.size_t(i)); p != nil {
			out = append(out, &Map{ptr: p, rep: r})
		}
	}
	runtime.KeepAlive(r)
	return out
}

// Map is the first map named name; a miss lists the maps there are in
// the error's Message.
func (r *Report) Map(name string) (*Map, error) {
	if err := r.live(); err != nil {
		return nil, err
	}
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	var out *C.ktsnap_map
	var e C.kgo_err
	err := check(C.kgo_report_map_by_name(&out, r.ptr, cn, &e), &e)
	runtime.KeepAlive(r)
	if err != nil {
		return nil, err
	}
	return &Map{ptr: out, rep: r}, nil
}

// RingSeq is the ring sequence number of a report taken from a ring consumer.
func (r *Report) RingSeq() (uint64, error) {
	if err := r.live(); err != nil {
		return 0, err
	}
	var v C.uint64_t
	var e C.kgo_err
	err := check(C.kgo_report_ring_seq(&v, r.ptr, &e), &e)
	runtime.KeepAlive(r)
	return uint64(v), err
}

// Render formats.
const (
	FormatJSON   = uint32(C.KTSNAP_FORMAT_JSON)
	FormatText   = uint32(C.KTSNAP_FORMAT_TEXT)
	RenderPretty = uint32(C.KTSNAP_RENDER_PRETTY)
)

// Render renders the whole report (FormatJSON or FormatText; RenderPretty for indented JSON).
func (r *Report) Render(format, flags uint32) (string, error) {
	if err := r.live(); err != nil {
		return "", err
	}
	var out *C.char
	var n C.size_t
	var e C.kgo_err
	err := check(C.kgo_render_report(&out, &n, r.ptr, C.uint32_t(format), C.uint32_t(flags), &e), &e)
	runtime.KeepAlive(r)
	if err != nil {
		return "", err
	}
	defer C.ktsnap_free(unsafe.Pointer(out))
	return C.GoStringN(out, C.int(n)), nil
}
