package ktsnap

/*
#include "shim.h"

KGO(entry_get, (ktsnap_value *out, const ktsnap_map *m, uint64_t pos, uint32_t cpu, const char *p, kgo_err *e_),
    (out, m, pos, cpu, p))
KGO(entry_key, (ktsnap_value *out, const ktsnap_map *m, uint64_t pos, const char *p, kgo_err *e_), (out, m, pos, p))
KGO(entry_cpu_agg_u64, (uint64_t *out, const ktsnap_map *m, uint64_t pos, const char *p, uint32_t op, kgo_err *e_),
    (out, m, pos, p, op))
KGO(entry_cpu_agg_i64, (int64_t *out, const ktsnap_map *m, uint64_t pos, const char *p, uint32_t op, kgo_err *e_),
    (out, m, pos, p, op))
KGO(entry_cpu_agg_f64, (double *out, const ktsnap_map *m, uint64_t pos, const char *p, uint32_t op, kgo_err *e_),
    (out, m, pos, p, op))

// One entry read and converted in a single C call (entry_get, then value_read_*
// walks the path, so a failure names it).
#define KGO_ENTRY_READ(name, T)                                                                          \
  static inline ktsnap_status kgo_entry_##name(T *out, const ktsnap_map *m, uint64_t pos, uint32_t cpu,   \
                                               const char *p, kgo_err *e_) {                              \
    ktsnap_value v;                                                                                       \
    ktsnap_status s_ = ktsnap_entry_get(&v, m, pos, cpu, "");                                             \
    if (s_ == KTSNAP_OK) s_ = ktsnap_value_read_##name(out, &v, p);                                       \
    if (s_ != KTSNAP_OK) kgo_fill(e_, s_);                                                                \
    return s_;                                                                                            \
  }
KGO_ENTRY_READ(u64, uint64_t)
KGO_ENTRY_READ(i64, int64_t)
KGO_ENTRY_READ(f64, double)
KGO_ENTRY_READ(bool, bool)
KGO_ENTRY_READ(str, const char *)

KGO(column_u64, (uint64_t *out, size_t cap, int32_t *st, ktsnap_bulk_result *res, const ktsnap_map *m,
                 const char *p, uint32_t cpu, kgo_err *e_), (out, cap, st, res, m, p, cpu))
KGO(column_i64, (int64_t *out, size_t cap, int32_t *st, ktsnap_bulk_result *res, const ktsnap_map *m,
                 const char *p, uint32_t cpu, kgo_err *e_), (out, cap, st, res, m, p, cpu))
KGO(column_f64, (double *out, size_t cap, int32_t *st, ktsnap_bulk_result *res, const ktsnap_map *m,
                 const char *p, uint32_t cpu, kgo_err *e_), (out, cap, st, res, m, p, cpu))
KGO(cpu_agg_u64, (uint64_t *out, size_t cap, int32_t *st, ktsnap_bulk_result *res, const ktsnap_map *m,
                  const char *p, uint32_t op, kgo_err *e_), (out, cap, st, res, m, p, op))
KGO(cpu_agg_i64, (int64_t *out, size_t cap, int32_t *st, ktsnap_bulk_result *res, const ktsnap_map *m,
                  const char *p, uint32_t op, kgo_err *e_), (out, cap, st, res, m, p, op))
KGO(cpu_agg_f64, (double *out, size_t cap, int32_t *st, ktsnap_bulk_result *res, const ktsnap_map *m,
                  const char *p, uint32_t op, kgo_err *e_), (out, cap, st, res, m, p, op))

KGO(query_compile, (ktsnap_query **out, const ktsnap_map *m, const char *x, kgo_err *e_), (out, m, x))
KGO(query_find, (uint32_t *out, const ktsnap_query *q, uint32_t cpu, kgo_err *e_), (out, q, cpu))
KGO(query_filter, (uint32_t *out, size_t cap, size_t *n, const ktsnap_query *q, uint32_t cpu, kgo_err *e_),
    (out, cap, n, q, cpu))
KGO(query_count, (uint64_t *out, const ktsnap_query *q, uint32_t cpu, kgo_err *e_), (out, q, cpu))
KGO(query_matches, (bool *out, const ktsnap_query *q, uint32_t entry, uint32_t cpu, kgo_err *e_), (out, q, entry, cpu))
KGO(query_max_by, (uint32_t *out, const ktsnap_query *q, const char *k, uint32_t cpu, kgo_err *e_), (out, q, k, cpu))
KGO(query_min_by, (uint32_t *out, const ktsnap_query *q, const char *k, uint32_t cpu, kgo_err *e_), (out, q, k, cpu))

// One-shot forms: compile, run, free, all in one C call.
static inline ktsnap_status kgo_find(uint32_t *out, const ktsnap_map *m, const char *x, uint32_t cpu, kgo_err *e_) {
  ktsnap_query *q = NULL;
  ktsnap_status s_ = ktsnap_query_compile(&q, m, x);
  if (s_ == KTSNAP_OK) s_ = ktsnap_query_find(out, q, cpu);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  ktsnap_query_free(q);
  return s_;
}
static inline ktsnap_status kgo_filter(uint32_t *out, size_t cap, size_t *n, const ktsnap_map *m, const char *x,
                                       uint32_t cpu, kgo_err *e_) {
  ktsnap_query *q = NULL;
  ktsnap_status s_ = ktsnap_query_compile(&q, m, x);
  if (s_ == KTSNAP_OK) s_ = ktsnap_query_filter(out, cap, n, q, cpu);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  ktsnap_query_free(q);
  return s_;
}
static inline ktsnap_status kgo_by(uint32_t *out, const ktsnap_map *m, const char *x, const char *k, uint32_t cpu,
                                   int min, kgo_err *e_) {
  ktsnap_query *q = NULL;
  ktsnap_status s_ = ktsnap_query_compile(&q, m, x);
  if (s_ == KTSNAP_OK) s_ = min ? ktsnap_query_min_by(out, q, k, cpu) : ktsnap_query_max_by(out, q, k, cpu);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  ktsnap_query_free(q);
  return s_;
}
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// NoCPU is KTSNAP_NO_CPU: a per-CPU entry not narrowed to one slot.
const NoCPU = uint32(C.KTSNAP_NO_CPU)

// Per-CPU aggregate operations.
const (
	AggSum = uint32(C.KTSNAP_AGG_SUM)
	AggMax = uint32(C.KTSNAP_AGG_MAX)
	AggMin = uint32(C.KTSNAP_AGG_MIN)
)

// Map is a map of a report, borrowed from it: valid while the report is open.
type Map struct {
	ptr *C.ktsnap_map
	rep *Report
}

func (m *Map) live() error {
	debugGC()
	if m == nil || m.ptr == nil || m.rep == nil || m.rep.ptr == nil {
		return closedErr("Report (map of a closed report)")
	}
	return nil
}

func cstr(s string) *C.char { return C.CString(s) }
func free(p *C.char)        { C.free(unsafe.Pointer(p)) }

// Report is the report the map belongs to.
func (m *Map) Report() *Report { return m.rep }

// Name is the map's name ("" once the report is closed).
func (m *Map) Name() string {
	if m.live() != nil {
		return ""
	}
	s := C.GoString(C.ktsnap_map_name(m.ptr))
	runtime.KeepAlive(m.rep)
	return s
}

// TypeName is the BPF map type's name ("hash", "percpu_array", ...).
func (m *Map) TypeName() string {
	if m.live() != nil {
		return ""
	}
	s := C.GoString(C.ktsnap_map_type_name(m.ptr))
	runtime.KeepAlive(m.rep)
	return s
}

// ValueTypeName is the value's BTF type name.
func (m *Map) ValueTypeName() string {
	if m.live() != nil {
		return ""
	}
	s := C.GoString(C.ktsnap_map_value_type_name(m.ptr))
	runtime.KeepAlive(m.rep)
	return s
}

// Type is BPF_MAP_TYPE_*.
func (m *Map) Type() uint32 {
	if m.live() != nil {
		return 0
	}
	v := uint32(C.ktsnap_map_type(m.ptr))
	runtime.KeepAlive(m.rep)
	return v
}

// IsPerCPU tells per-CPU maps.
func (m *Map) IsPerCPU() bool {
	if m.live() != nil {
		return false
	}
	v := bool(C.ktsnap_map_is_percpu(m.ptr))
	runtime.KeepAlive(m.rep)
	return v
}

// NrCPUs is the number of per-CPU slots (0 for other maps).
func (m *Map) NrCPUs() int {
	if m.live() != nil {
		return 0
	}
	v := int(C.ktsnap_map_nr_cpus(m.ptr))
	runtime.KeepAlive(m.rep)
	return v
}

// Len is the number of entries.
func (m *Map) Len() int {
	if m.live() != nil {
		return 0
	}
	v := int(C.ktsnap_map_entry_count(m.ptr))
	runtime.KeepAlive(m.rep)
	return v
}

// Err is the error recorded for the map at capture ("" when none).
func (m *Map) Err() string {
	if m.live() != nil {
		return ""
	}
	s := C.GoString(C.ktsnap_map_error(m.ptr))
	runtime.KeepAlive(m.rep)
	return s
}

// Entry is entry i (not checked here: reads of a bad position fail).
func (m *Map) Entry(i int) Entry { return Entry{m: m, pos: uint64(i), cpu: NoCPU} }

// Entries iterates over every entry:
//
//	for it := m.Entries(); it.Next(); { e := it.Entry() ... }
func (m *Map) Entries() *EntryIter { return &EntryIter{m: m, n: m.Len(), i: -1} }

// EntryIter walks a map's entries in order.
type EntryIter struct {
	m    *Map
	n, i int
}

// Next moves to the next entry; false after the last.
func (it *EntryIter) Next() bool {
	if it.i+1 >= it.n {
		it.i = it.n
		return false
	}
	it.i++
	return true
}

// Entry is the current entry.
func (it *EntryIter) Entry() Entry { return it.m.Entry(it.i) }

// Entry names one entry of a map: its position and, for per-CPU maps, a CPU.
type Entry struct {
	m   *Map
	pos uint64
	cpu uint32
}

// Pos is the entry's position in its map.
func (e Entry) Pos() int { return int(e.pos) }

// OnCPU narrows a per-CPU entry to one CPU slot.
func (e Entry) OnCPU(cpu uint32) Entry { e.cpu = cpu; return e }

// Get walks path on the value side (view walker; "" = the whole value).
func (e Entry) Get(path string) (Value, error) {
	if err := e.m.live(); err != nil {
		return Value{}, err
	}
	cp := cstr(path)
	defer free(cp)
	var v Value
	var ce C.kgo_err
	err := check(C.kgo_entry_get(&v.c, e.m.ptr, C.uint64_t(e.pos), C.uint32_t(e.cpu), cp, &ce), &ce)
	runtime.KeepAlive(e.m.rep)
	if err != nil {
		return Value{}, err
	}
	v.rep = e.m.rep
	return v, nil
}

// Key walks path on the key side ("" = the whole key).
func (e Entry) Key(path string) (Value, error) {
	if err := e.m.live(); err != nil {
		return Value{}, err
	}
	cp := cstr(path)
	defer free(cp)
	var v Value
	var ce C.kgo_err
	err := check(C.kgo_entry_key(&v.c, e.m.ptr, C.uint64_t(e.pos), cp, &ce), &ce)
	runtime.KeepAlive(e.m.rep)
	if err != nil {
		return Value{}, err
	}
	v.rep = e.m.rep
	return v, nil
}

// Uint64 reads path of the entry as u64 in one C call (view conversion rules).
func (e Entry) Uint64(path string) (uint64, error) {
	if err := e.m.live(); err != nil {
		return 0, err
	}
	cp := cstr(path)
	defer free(cp)
	var out C.uint64_t
	var ce C.kgo_err
	err := check(C.kgo_entry_u64(&out, e.m.ptr, C.uint64_t(e.pos), C.uint32_t(e.cpu), cp, &ce), &ce)
	runtime.KeepAlive(e.m.rep)
	return uint64(out), err
}

// Int64 reads path of the entry as i64.
func (e Entry) Int64(path string) (int64, error) {
	if err := e.m.live(); err != nil {
		return 0, err
	}
	cp := cstr(path)
	defer free(cp)
	var out C.int64_t
	var ce C.kgo_err
	err := check(C.kgo_entry_i64(&out, e.m.ptr, C.uint64_t(e.pos), C.uint32_t(e.cpu), cp, &ce), &ce)
	runtime.KeepAlive(e.m.rep)
	return int64(out), err
}

// Float64 reads path of the entry as f64.
func (e Entry) Float64(path string) (float64, error) {
	if err := e.m.live(); err != nil {
		return 0, err
	}
	cp := cstr(path)
	defer free(cp)
	var out C.double
	var ce C.kgo_err
	err := check(C.kgo_entry_f64(&out, e.m.ptr, C.uint64_t(e.pos), C.uint32_t(e.cpu), cp, &ce), &ce)
	runtime.KeepAlive(e.m.rep)
	return float64(out), err
}

// Bool reads path of the entry as a bool (any non-zero integer).
func (e Entry) Bool(path string) (bool, error) {
	if err := e.m.live(); err != nil {
		return false, err
	}
	cp := cstr(path)
	defer free(cp)
	var out C.bool
	var ce C.kgo_err
	err := check(C.kgo_entry_bool(&out, e.m.ptr, C.uint64_t(e.pos), C.uint32_t(e.cpu), cp, &ce), &ce)
	runtime.KeepAlive(e.m.rep)
	return bool(out), err
}

// EnumName reads path of the entry as an enum variant's name.
func (e Entry) EnumName(path string) (string, error) {
	if err := e.m.live(); err != nil {
		return "", err
	}
	cp := cstr(path)
	defer free(cp)
	var out *C.char
	var ce C.kgo_err
	err := check(C.kgo_entry_str(&out, e.m.ptr, C.uint64_t(e.pos), C.uint32_t(e.cpu), cp, &ce), &ce)
	s := ""
	if err == nil {
		s = C.GoString(out)
	}
	runtime.KeepAlive(e.m.rep)
	return s, err
}

func (e Entry) agg(path string, op uint32, kind int) (u uint64, i int64, f float64, err error) {
	if err = e.m.live(); err != nil {
		return
	}
	cp := cstr(path)
	defer free(cp)
	var ce C.kgo_err
	switch kind {
	case 0:
		var out C.uint64_t
		err = check(C.kgo_entry_cpu_agg_u64(&out, e.m.ptr, C.uint64_t(e.pos), cp, C.uint32_t(op), &ce), &ce)
		u = uint64(out)
	case 1:
		var out C.int64_t
		err = check(C.kgo_entry_cpu_agg_i64(&out, e.m.ptr, C.uint64_t(e.pos), cp, C.uint32_t(op), &ce), &ce)
		i = int64(out)
	default:
		var out C.double
		err = check(C.kgo_entry_cpu_agg_f64(&out, e.m.ptr, C.uint64_t(e.pos), cp, C.uint32_t(op), &ce), &ce)
		f = float64(out)
	}
	runtime.KeepAlive(e.m.rep)
	return
}

// CPUAggUint64 combines path over every captured CPU slot of a per-CPU entry (AggSum/AggMax/AggMin).
func (e Entry) CPUAggUint64(path string, op uint32) (uint64, error) {
	u, _, _, err := e.agg(path, op, 0)
	return u, err
}

// CPUAggInt64 is CPUAggUint64 for signed values.
func (e Entry) CPUAggInt64(path string, op uint32) (int64, error) {
	_, i, _, err := e.agg(path, op, 1)
	return i, err
}

// CPUAggFloat64 is CPUAggUint64 for floating values.
func (e Entry) CPUAggFloat64(path string, op uint32) (float64, error) {
	_, _, f, err := e.agg(path, op, 2)
	return f, err
}

// BulkResult summarises a column or aggregate read.
type BulkResult struct {
	Failed       int    // entries that did not convert (their element is 0)
	FirstFailure int    // index of the first; -1 when none
	FirstStatus  Status // its status
}

func bulkResult(r *C.ktsnap_bulk_result) BulkResult {
	ff := -1
	if r.first_failure != C.uint32_t(^uint32(0)) {
		ff = int(r.first_failure)
	}
	return BulkResult{Failed: int(r.failed), FirstFailure: ff, FirstStatus: Status(r.first_status)}
}

type bulkKind int

const (
	bulkColumn bulkKind = iota
	bulkAgg
)

// bulk runs one column or aggregate call over the whole map: a single cgo
// call whatever the number of entries.
func bulk[T uint64 | int64 | float64](m *Map, path string, arg uint32, kind bulkKind, statuses bool) ([]T, []Status, BulkResult, error) {
	return bulkInto[T](nil, m, path, arg, kind, statuses)
}

// bulkInto is bulk writing into dst when it is large enough (no allocation).
func bulkInto[T uint64 | int64 | float64](dst []T, m *Map, path string, arg uint32, kind bulkKind, statuses bool) ([]T, []Status, BulkResult, error) {
	if err := m.live(); err != nil {
		return nil, nil, BulkResult{}, err
	}
	n := int(C.ktsnap_map_entry_count(m.ptr))
	out := dst
	if cap(out) < n+1 {
		out = make([]T, n+1) // never empty: &out[0] is always valid
	}
	out = out[:n+1]
	var st []int32
	var stp *C.int32_t
	if statuses {
		st = make([]int32, n+1)
		stp = (*C.int32_t)(unsafe.Pointer(&st[0]))
	}
	cp := cstr(path)
	defer free(cp)
	var res C.ktsnap_bulk_result
	var ce C.kgo_err
	var rc C.ktsnap_status
	cap := C.size_t(n)
	p := unsafe.Pointer(&out[0])
	var zero T
	switch any(zero).(type) {
	case uint64:
		if kind == bulkColumn {
			rc = C.kgo_column_u64((*C.uint64_t)(p), cap, stp, &res, m.ptr, cp, C.uint32_t(arg), &ce)
		} else {
			rc = C.kgo_cpu_agg_u64((*C.uint64_t)(p), cap, stp, &res, m.ptr, cp, C.uint32_t(arg), &ce)
		}
	case int64:
		if kind == bulkColumn {
			rc = C.kgo_column_i64((*C.int64_t)(p), cap, stp, &res, m.ptr, cp, C.uint32_t(arg), &ce)
		} else {
			rc = C.kgo_cpu_agg_i64((*C.int64_t)(p), cap, stp, &res, m.ptr, cp, C.uint32_t(arg), &ce)
		}
	case float64:
		if kind == bulkColumn {
			rc = C.kgo_column_f64((*C.double)(p), cap, stp, &res, m.ptr, cp, C.uint32_t(arg), &ce)
		} else {
			rc = C.kgo_cpu_agg_f64((*C.double)(p), cap, stp, &res, m.ptr, cp, C.uint32_t(arg), &ce)
		}
	}
	runtime.KeepAlive(m.rep)
	if err := check(rc, &ce); err != nil {
		return nil, nil, BulkResult{}, err
	}
	var sts []Status
	if statuses {
		sts = make([]Status, n)
		for i := range sts {
			sts[i] = Status(st[i])
		}
	}
	return out[:n], sts, bulkResult(&res), nil
}

// ColumnUint64 reads path (query path syntax; `key.x` for the key side) in
// every entry (slot cpu of a per-CPU map) with one C call.
func (m *Map) ColumnUint64(path string, cpu uint32) ([]uint64, BulkResult, error) {
	v, _, r, err := bulk[uint64](m, path, cpu, bulkColumn, false)
	return v, r, err
}

// ColumnUint64Into is ColumnUint64 writing into dst when its capacity is
// at least Len()+1 (the result is dst[:Len()]); else it allocates.
func (m *Map) ColumnUint64Into(dst []uint64, path string, cpu uint32) ([]uint64, BulkResult, error) {
	v, _, r, err := bulkInto(dst, m, path, cpu, bulkColumn, false)
	return v, r, err
}

// ColumnInt64 is ColumnUint64 for signed values.
func (m *Map) ColumnInt64(path string, cpu uint32) ([]int64, BulkResult, error) {
	v, _, r, err := bulk[int64](m, path, cpu, bulkColumn, false)
	return v, r, err
}

// ColumnFloat64 is ColumnUint64 for floating values.
func (m *Map) ColumnFloat64(path string, cpu uint32) ([]float64, BulkResult, error) {
	v, _, r, err := bulk[float64](m, path, cpu, bulkColumn, false)
	return v, r, err
}

// ColumnUint64Status is ColumnUint64 with each entry's status (0 or a negative Status).
func (m *Map) ColumnUint64Status(path string, cpu uint32) ([]uint64, []Status, BulkResult, error) {
	return bulk[uint64](m, path, cpu, bulkColumn, true)
}

// CPUAggUint64 is the per-CPU aggregate op of path for every entry of a per-CPU map, in one C call.
func (m *Map) CPUAggUint64(path string, op uint32) ([]uint64, BulkResult, error) {
	v, _, r, err := bulk[uint64](m, path, op, bulkAgg, false)
	return v, r, err
}

// CPUAggInt64 is CPUAggUint64 for signed values.
func (m *Map) CPUAggInt64(path string, op uint32) ([]int64, BulkResult, error) {
	v, _, r, err := bulk[int64](m, path, op, bulkAgg, false)
	return v, r, err
}

// CPUAggFloat64 is CPUAggUint64 for floating values.
func (m *Map) CPUAggFloat64(path string, op uint32) ([]float64, BulkResult, error) {
	v, _, r, err := bulk[float64](m, path, op, bulkAgg, false)
	return v, r, err
}

// Find is the first entry matching the predicate expr (slot 0 of a
// per-CPU map; use FindOnCPU or a Query for others): one C call that
// compiles, searches and frees. No match is ENotFound with kind NO_MATCH.
func (m *Map) Find(expr string) (Entry, error) { return m.FindOnCPU(expr, 0) }

// FindOnCPU is Find for CPU slot cpu of a per-CPU map.
func (m *Map) FindOnCPU(expr string, cpu uint32) (Entry, error) {
	if err := m.live(); err != nil {
		return Entry{}, err
	}
	cx := cstr(expr)
	defer free(cx)
	var out C.uint32_t
	var ce C.kgo_err
	err := check(C.kgo_find(&out, m.ptr, cx, C.uint32_t(cpu), &ce), &ce)
	runtime.KeepAlive(m.rep)
	if err != nil {
		return Entry{}, err
	}
	return Entry{m: m, pos: uint64(out), cpu: cpu}, nil
}

// Filter is the positions of every entry matching expr, in order (one C call).
func (m *Map) Filter(expr string) ([]int, error) { return m.FilterOnCPU(expr, 0) }

// FilterOnCPU is Filter for CPU slot cpu of a per-CPU map.
func (m *Map) FilterOnCPU(expr string, cpu uint32) ([]int, error) {
	if err := m.live(); err != nil {
		return nil, err
	}
	n := int(C.ktsnap_map_entry_count(m.ptr))
	buf := make([]uint32, n+1)
	cx := cstr(expr)
	defer free(cx)
	var cnt C.size_t
	var ce C.kgo_err
	err := check(C.kgo_filter((*C.uint32_t)(unsafe.Pointer(&buf[0])), C.size_t(n), &cnt, m.ptr, cx,
		C.uint32_t(cpu), &ce), &ce)
	runtime.KeepAlive(m.rep)
	if err != nil {
		return nil, err
	}
	out := make([]int, int(cnt))
	for i := range out {
		out[i] = int(buf[i])
	}
	return out, nil
}

// MaxBy is the matching entry whose key path is largest (expr "true" for all).
func (m *Map) MaxBy(expr, key string) (Entry, error) { return m.by(expr, key, 0, false) }

// MinBy is the matching entry whose key path is smallest.
func (m *Map) MinBy(expr, key string) (Entry, error) { return m.by(expr, key, 0, true) }

func (m *Map) by(expr, key string, cpu uint32, min bool) (Entry, error) {
	if err := m.live(); err != nil {
		return Entry{}, err
	}
	cx, ck := cstr(expr), cstr(key)
	defer free(cx)
	defer free(ck)
	var out C.uint32_t
	var ce C.kgo_err
	mi := C.int(0)
	if min {
		mi = 1
	}
	err := check(C.kgo_by(&out, m.ptr, cx, ck, C.uint32_t(cpu), mi, &ce), &ce)
	runtime.KeepAlive(m.rep)
	if err != nil {
		return Entry{}, err
	}
	return Entry{m: m, pos: uint64(out), cpu: cpu}, nil
}

// Query is a predicate compiled once for one map (ktsnap_query). Close it.
type Query struct {
	ptr *C.ktsnap_query
	m   *Map
}

// Compile compiles expr for the map; syntax and name errors carry Column
// and, for unknown members, Alternatives.
func (m *Map) Compile(expr string) (*Query, error) {
	if err := m.live(); err != nil {
		return nil, err
	}
	cx := cstr(expr)
	defer free(cx)
	var out *C.ktsnap_query
	var ce C.kgo_err
	err := check(C.kgo_query_compile(&out, m.ptr, cx, &ce), &ce)
	runtime.KeepAlive(m.rep)
	if err != nil {
		return nil, err
	}
	q := &Query{ptr: out, m: m}
	runtime.SetFinalizer(q, (*Query).Close)
	return q, nil
}

// Close frees the query; twice is a no-op.
func (q *Query) Close() error {
	if q != nil && q.ptr != nil {
		C.ktsnap_query_free(q.ptr)
		q.ptr = nil
		runtime.SetFinalizer(q, nil)
	}
	return nil
}

func (q *Query) live() error {
	if q == nil || q.ptr == nil {
		return closedErr("Query")
	}
	return q.m.live()
}

// Find is the first matching entry.
func (q *Query) Find(cpu uint32) (Entry, error) {
	if err := q.live(); err != nil {
		return Entry{}, err
	}
	var out C.uint32_t
	var ce C.kgo_err
	err := check(C.kgo_query_find(&out, q.ptr, C.uint32_t(cpu), &ce), &ce)
	runtime.KeepAlive(q)
	runtime.KeepAlive(q.m.rep)
	if err != nil {
		return Entry{}, err
	}
	return Entry{m: q.m, pos: uint64(out), cpu: cpu}, nil
}

// Count is the number of matching entries.
func (q *Query) Count(cpu uint32) (uint64, error) {
	if err := q.live(); err != nil {
		return 0, err
	}
	var out C.uint64_t
	var ce C.kgo_err
	err := check(C.kgo_query_count(&out, q.ptr, C.uint32_t(cpu), &ce), &ce)
	runtime.KeepAlive(q)
	runtime.KeepAlive(q.m.rep)
	return uint64(out), err
}

// Matches tells whether entry i matches.
func (q *Query) Matches(i int, cpu uint32) (bool, error) {
	if err := q.live(); err != nil {
		return false, err
	}
	var out C.bool
	var ce C.kgo_err
	err := check(C.kgo_query_matches(&out, q.ptr, C.uint32_t(i), C.uint32_t(cpu), &ce), &ce)
	runtime.KeepAlive(q)
	runtime.KeepAlive(q.m.rep)
	return bool(out), err
}

// Filter is every matching position, in order.
func (q *Query) Filter(cpu uint32) ([]int, error) {
	if err := q.live(); err != nil {
		return nil, err
	}
	n := int(C.ktsnap_map_entry_count(q.m.ptr))
	buf := make([]uint32, n+1)
	var cnt C.size_t
	var ce C.kgo_err
	err := check(C.kgo_query_filter((*C.uint32_t)(unsafe.Pointer(&buf[0])), C.size_t(n), &cnt, q.ptr,
		C.uint32_t(cpu), &ce), &ce)
	runtime.KeepAlive(q)
	runtime.KeepAlive(q.m.rep)
	if err != nil {
		return nil, err
	}
	out := make([]int, int(cnt))
	for i := range out {
		out[i] = int(buf[i])
	}
	return out, nil
}

// MaxBy is the matching entry with the largest key path.
func (q *Query) MaxBy(key string, cpu uint32) (Entry, error) { return q.by(key, cpu, false) }

// MinBy is the matching entry with the smallest key path.
func (q *Query) MinBy(key string, cpu uint32) (Entry, error) { return q.by(key, cpu, true) }

func (q *Query) by(key string, cpu uint32, min bool) (Entry, error) {
	if err := q.live(); err != nil {
		return Entry{}, err
	}
	ck := cstr(key)
	defer free(ck)
	var out C.uint32_t
	var ce C.kgo_err
	var rc C.ktsnap_status
	if min {
		rc = C.kgo_query_min_by(&out, q.ptr, ck, C.uint32_t(cpu), &ce)
	} else {
		rc = C.kgo_query_max_by(&out, q.ptr, ck, C.uint32_t(cpu), &ce)
	}
	runtime.KeepAlive(q)
	runtime.KeepAlive(q.m.rep)
	if err := check(rc, &ce); err != nil {
		return Entry{}, err
	}
	return Entry{m: q.m, pos: uint64(out), cpu: cpu}, nil
}
