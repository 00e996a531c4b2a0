package ktsnap

/*
#include "shim.h"

static inline ktsnap_status kgo_capture(ktsnap_report **out, ktsnap_capture_opts *o, ktsnap_capture_stats *st,
                                        kgo_err *e_) {
  o->sz = sizeof *o;
  memset(st, 0, sizeof *st);
  st->sz = sizeof *st;
  ktsnap_status s_ = ktsnap_capture(out, o, st);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
*/
import "C"

import (
	"time"
	"unsafe"
)

// Capture flags.
const (
	CaptureAll    = uint32(C.KTSNAP_CAPTURE_ALL)
	CaptureNoMmap = uint32(C.KTSNAP_CAPTURE_NO_MMAP)
)

// CaptureOpts select the kernel maps to read (the union of every non-empty selector).
type CaptureOpts struct {
	MapIDs           []uint32
	PinnedPaths      []string
	ProgIDs          []uint32
	NamePrefix       string
	Tag              string
	ActiveScheduler  string
	Deadline         time.Duration // whole capture; 0 = none
	StructOpsMapID   uint32
	MaxEntriesPerMap uint32
	Trigger          uint32
	Flags            uint32 // CaptureAll, CaptureNoMmap
}

// CaptureStats are the counters of one capture.
type CaptureStats struct {
	MapsRead, MapsExcluded, MapsFailed, MapsTruncated uint32
	Entries, Bytes                                    uint64
	Elapsed                                           time.Duration
}

// Capture reads the selected kernel maps into a new report. Needs root (or
// CAP_BPF + CAP_SYS_ADMIN): EPerm otherwise.
func Capture(opts CaptureOpts) (*Report, CaptureStats, error) {
	var o C.ktsnap_capture_opts
	var toFree []unsafe.Pointer
	defer func() {
		for _, p := range toFree {
			C.free(p)
		}
	}()
	cmalloc := func(n int) unsafe.Pointer {
		p := C.malloc(C.size_t(n))
		toFree = append(toFree, p)
		return p
	}
	u32s := func(v []uint32) *C.uint32_t {
		if len(v) == 0 {
			return nil
		}
		p := cmalloc(4 * len(v))
		copy(unsafe.Slice((*uint32)(p), len(v)), v)
		return (*C.uint32_t)(p)
	}
	str := func(s string) *C.char {
		if s == "" {
			return nil
		}
		p := C.CString(s)
		toFree = append(toFree, unsafe.Pointer(p))
		return p
	}
	o.map_ids = u32s(opts.MapIDs)
	o.map_id_count = C.size_t(len(opts.MapIDs))
	o.prog_ids = u32s(opts.ProgIDs)
	o.prog_id_count = C.size_t(len(opts.ProgIDs))
	if len(opts.PinnedPaths) > 0 {
		arr := unsafe.Slice((**C.char)(cmalloc(int(unsafe.Sizeof((*C.char)(nil)))*len(opts.PinnedPaths))),
			len(opts.PinnedPaths))
		for i, s := range opts.PinnedPaths {
			arr[i] = str(s)
		}
		o.pinned_paths = &arr[0]
		o.pinned_path_count = C.size_t(len(opts.PinnedPaths))
	}
	o.name_prefix = str(opts.NamePrefix)
	o.tag = str(opts.Tag)
	o.active_scheduler = str(opts.ActiveScheduler)
	o.deadline_ns = C.uint64_t(opts.Deadline)
	o.struct_ops_map_id = C.uint32_t(opts.StructOpsMapID)
	o.max_entries_per_map = C.uint32_t(opts.MaxEntriesPerMap)
	o.trigger = C.uint32_t(opts.Trigger)
	o.flags = C.uint32_t(opts.Flags)
	// o lives in C memory: it holds C pointers only, but keep cgo's
	// pointer checks simple by copying it there.
	co := (*C.ktsnap_capture_opts)(cmalloc(int(unsafe.Sizeof(o))))
	*co = o
	var out *C.ktsnap_report
	var st C.ktsnap_capture_stats
	var e C.kgo_err
	if err := check(C.kgo_capture(&out, co, &st, &e), &e); err != nil {
		return nil, CaptureStats{}, err
	}
	return newReport(out), CaptureStats{MapsRead: uint32(st.maps_read), MapsExcluded: uint32(st.maps_excluded),
		MapsFailed: uint32(st.maps_failed), MapsTruncated: uint32(st.maps_truncated), Entries: uint64(st.entries),
		Bytes: uint64(st.bytes), Elapsed: time.Duration(st.elapsed_ns)}, nil
}
