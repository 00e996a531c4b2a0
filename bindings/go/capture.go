package ktsnap

/*
#include "shim.h"

// The options are built here, in C: Go never assigns C struct fields.
static inline ktsnap_status kgo_capture(ktsnap_report **out, const uint32_t *map_ids, size_t n_map_ids,
                                        const char *const *pinned, size_t n_pinned, const uint32_t *prog_ids,
                                        size_t n_prog_ids, const char *prefix, const char *tag,
                                        const char *active, uint64_t deadline_ns, uint32_t struct_ops,
                                        uint32_t max_entries, uint32_t trigger, uint32_t flags,
                                        ktsnap_capture_stats *st, kgo_err *e_) {
  ktsnap_capture_opts o = KTSNAP_CAPTURE_OPTS_INIT;
  o.map_ids = map_ids;
  o.map_id_count = n_map_ids;
  o.pinned_paths = pinned;
  o.pinned_path_count = n_pinned;
  o.prog_ids = prog_ids;
  o.prog_id_count = n_prog_ids;
  o.name_prefix = prefix;
  o.tag = tag;
  o.active_scheduler = active;
  o.deadline_ns = deadline_ns;
  o.struct_ops_map_id = struct_ops;
  o.max_entries_per_map = max_entries;
  o.trigger = trigger;
  o.flags = flags;
  memset(st, 0, sizeof *st);
  st->sz = sizeof *st;
  ktsnap_status s_ = ktsnap_capture(out, &o, st);
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
	// Every array and string goes to C memory, freed after the call.
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
	var pinned **C.char
	if len(opts.PinnedPaths) > 0 {
		arr := unsafe.Slice((**C.char)(cmalloc(int(unsafe.Sizeof((*C.char)(nil)))*len(opts.PinnedPaths))),
			len(opts.PinnedPaths))
		for i, s := range opts.PinnedPaths {
			arr[i] = str(s)
		}
		pinned = &arr[0]
	}
	var out *C.ktsnap_report
	var st C.ktsnap_capture_stats
	var e C.kgo_err
	rc := C.kgo_capture(&out, u32s(opts.MapIDs), C.size_t(len(opts.MapIDs)), pinned, C.size_t(len(opts.PinnedPaths)),
		u32s(opts.ProgIDs), C.size_t(len(opts.ProgIDs)), str(opts.NamePrefix), str(opts.Tag), str(opts.ActiveScheduler),
		C.uint64_t(opts.Deadline), C.uint32_t(opts.StructOpsMapID), C.uint32_t(opts.MaxEntriesPerMap),
		C.uint32_t(opts.Trigger), C.uint32_t(opts.Flags), &st, &e)
	if err := check(rc, &e); err != nil {
		return nil, CaptureStats{}, err
	}
	return newReport(out), CaptureStats{MapsRead: uint32(st.maps_read), MapsExcluded: uint32(st.maps_excluded),
		MapsFailed: uint32(st.maps_failed), MapsTruncated: uint32(st.maps_truncated), Entries: uint64(st.entries),
		Bytes: uint64(st.bytes), Elapsed: time.Duration(st.elapsed_ns)}, nil
}
