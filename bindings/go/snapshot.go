package ktsnap

/*
#include "shim.h"

KGO(snapshot_new, (ktsnap_snapshot **out, const ktsnap_report *r, kgo_err *e_), (out, r))
KGO(snapshot_active, (ktsnap_snapshot **out, const ktsnap_snapshot *s, kgo_err *e_), (out, s))
KGO(snapshot_map, (const ktsnap_map **out, const ktsnap_snapshot *s, const char *n, kgo_err *e_), (out, s, n))
KGO(snapshot_var, (ktsnap_value *out, const ktsnap_snapshot *s, const char *n, kgo_err *e_), (out, s, n))
KGO(snapshot_live_var, (ktsnap_value *out, const ktsnap_snapshot *s, const char *n, kgo_err *e_), (out, s, n))
KGO(snapshot_stats, (ktsnap_json *out, const ktsnap_snapshot *s, const char *p, kgo_err *e_), (out, s, p))
KGO(json_get, (ktsnap_json *out, const ktsnap_json *j, const char *p, kgo_err *e_), (out, j, p))
KGO(json_length, (size_t *out, const ktsnap_json *j, kgo_err *e_), (out, j))
KGO(json_index, (ktsnap_json *out, const ktsnap_json *j, size_t i, kgo_err *e_), (out, j, i))
KGO(json_u64, (uint64_t *out, const ktsnap_json *j, kgo_err *e_), (out, j))
KGO(json_i64, (int64_t *out, const ktsnap_json *j, kgo_err *e_), (out, j))
KGO(json_f64, (double *out, const ktsnap_json *j, kgo_err *e_), (out, j))
KGO(json_bool, (bool *out, const ktsnap_json *j, kgo_err *e_), (out, j))
KGO(json_string, (const char **out, size_t *n, const ktsnap_json *j, kgo_err *e_), (out, n, j))
*/
import "C"

import "runtime"

// Snapshot is a view of one report (ktsnap_snapshot): maps and globals by
// name, the active scheduler's projection, the stats JSON. It keeps its
// report reachable, but the report must stay open while it is used.
type Snapshot struct {
	ptr *C.ktsnap_snapshot
	rep *Report
}

func newSnapshot(p *C.ktsnap_snapshot, r *Report) *Snapshot {
	s := &Snapshot{ptr: p, rep: r}
	runtime.SetFinalizer(s, (*Snapshot).Close)
	return s
}

// Snapshot makes an unfiltered view of every map of the report.
func (r *Report) Snapshot() (*Snapshot, error) {
	if err := r.live(); err != nil {
		return nil, err
	}
	var out *C.ktsnap_snapshot
	var e C.kgo_err
	err := check(C.kgo_snapshot_new(&out, r.ptr, &e), &e)
	runtime.KeepAlive(r)
	if err != nil {
		return nil, err
	}
	return newSnapshot(out, r), nil
}

// Close frees the snapshot; twice is a no-op.
func (s *Snapshot) Close() error {
	if s != nil && s.ptr != nil {
		C.ktsnap_snapshot_free(s.ptr)
		s.ptr = nil
		runtime.SetFinalizer(s, nil)
	}
	return nil
}

func (s *Snapshot) live() error {
	debugGC()
	if s == nil || s.ptr == nil {
		return closedErr("Snapshot")
	}
	return s.rep.live()
}

// Active is the view of the attached scheduler (ENotFound, kind
// NO_ACTIVE_SCHEDULER, when none).
func (s *Snapshot) Active() (*Snapshot, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	var out *C.ktsnap_snapshot
	var e C.kgo_err
	err := check(C.kgo_snapshot_active(&out, s.ptr, &e), &e)
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	return newSnapshot(out, s.rep), nil
}

// MapCount is the number of maps this view admits.
func (s *Snapshot) MapCount() int {
	if s.live() != nil {
		return 0
	}
	n := int(C.ktsnap_snapshot_map_count(s.ptr))
	runtime.KeepAlive(s)
	return n
}

// Map is the admitted map named name (alternatives: the admitted maps).
func (s *Snapshot) Map(name string) (*Map, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	cn := cstr(name)
	defer free(cn)
	var out *C.ktsnap_map
	var e C.kgo_err
	err := check(C.kgo_snapshot_map(&out, s.ptr, cn, &e), &e)
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	return &Map{ptr: out, rep: s.rep}, nil
}

// Var is the global variable name (alternatives on a miss: the variables there are).
func (s *Snapshot) Var(name string) (Value, error) { return s.varOf(name, false) }

// LiveVar is Active() then Var(name) in one call.
func (s *Snapshot) LiveVar(name string) (Value, error) { return s.varOf(name, true) }

func (s *Snapshot) varOf(name string, live bool) (Value, error) {
	if err := s.live(); err != nil {
		return Value{}, err
	}
	cn := cstr(name)
	defer free(cn)
	var v Value
	var e C.kgo_err
	var rc C.ktsnap_status
	if live {
		rc = C.kgo_snapshot_live_var(&v.c, s.ptr, cn, &e)
	} else {
		rc = C.kgo_snapshot_var(&v.c, s.ptr, cn, &e)
	}
	runtime.KeepAlive(s)
	if err := check(rc, &e); err != nil {
		return Value{}, err
	}
	v.rep = s.rep
	return v, nil
}

// JSON kinds.
const (
	JSONInvalid = uint32(C.KTSNAP_JSON_INVALID)
	JSONNull    = uint32(C.KTSNAP_JSON_NULL)
	JSONBool    = uint32(C.KTSNAP_JSON_BOOL)
	JSONNumber  = uint32(C.KTSNAP_JSON_NUMBER)
	JSONString  = uint32(C.KTSNAP_JSON_STRING)
	JSONArray   = uint32(C.KTSNAP_JSON_ARRAY)
	JSONObject  = uint32(C.KTSNAP_JSON_OBJECT)
)

// JSON is a cursor into a snapshot's scheduler stats JSON, valid while the snapshot is open.
type JSON struct {
	c    C.ktsnap_json
	snap *Snapshot
}

// Stats is the stats JSON at a dotted path ("" for the root).
func (s *Snapshot) Stats(path string) (JSON, error) {
	if err := s.live(); err != nil {
		return JSON{}, err
	}
	cp := cstr(path)
	defer free(cp)
	j := JSON{snap: s}
	var e C.kgo_err
	err := check(C.kgo_snapshot_stats(&j.c, s.ptr, cp, &e), &e)
	runtime.KeepAlive(s)
	if err != nil {
		return JSON{}, err
	}
	return j, nil
}

func (j *JSON) live() error {
	if j.snap == nil {
		return &Error{Status: EInvalid, Message: "empty ktsnap JSON"}
	}
	return j.snap.live()
}

// Kind is the JSON* kind (JSONInvalid when the snapshot is closed).
func (j JSON) Kind() uint32 {
	if j.live() != nil {
		return JSONInvalid
	}
	k := uint32(C.ktsnap_json_kind(&j.c))
	runtime.KeepAlive(j.snap)
	return k
}

// Get walks dotted object keys.
func (j JSON) Get(path string) (JSON, error) {
	if err := j.live(); err != nil {
		return JSON{}, err
	}
	cp := cstr(path)
	defer free(cp)
	out := JSON{snap: j.snap}
	var e C.kgo_err
	err := check(C.kgo_json_get(&out.c, &j.c, cp, &e), &e)
	runtime.KeepAlive(j.snap)
	if err != nil {
		return JSON{}, err
	}
	return out, nil
}

// Len is an array's length or an object's key count.
func (j JSON) Len() (int, error) {
	if err := j.live(); err != nil {
		return 0, err
	}
	var n C.size_t
	var e C.kgo_err
	err := check(C.kgo_json_length(&n, &j.c, &e), &e)
	runtime.KeepAlive(j.snap)
	return int(n), err
}

// Index is element i of an array.
func (j JSON) Index(i int) (JSON, error) {
	if err := j.live(); err != nil {
		return JSON{}, err
	}
	out := JSON{snap: j.snap}
	var e C.kgo_err
	err := check(C.kgo_json_index(&out.c, &j.c, C.size_t(i), &e), &e)
	runtime.KeepAlive(j.snap)
	if err != nil {
		return JSON{}, err
	}
	return out, nil
}

// Uint64 reads a number as uint64.
func (j JSON) Uint64() (uint64, error) {
	if err := j.live(); err != nil {
		return 0, err
	}
	var out C.uint64_t
	var e C.kgo_err
	err := check(C.kgo_json_u64(&out, &j.c, &e), &e)
	runtime.KeepAlive(j.snap)
	return uint64(out), err
}

// Int64 reads a number as int64.
func (j JSON) Int64() (int64, error) {
	if err := j.live(); err != nil {
		return 0, err
	}
	var out C.int64_t
	var e C.kgo_err
	err := check(C.kgo_json_i64(&out, &j.c, &e), &e)
	runtime.KeepAlive(j.snap)
	return int64(out), err
}

// Float64 reads a number as float64.
func (j JSON) Float64() (float64, error) {
	if err := j.live(); err != nil {
		return 0, err
	}
	var out C.double
	var e C.kgo_err
	err := check(C.kgo_json_f64(&out, &j.c, &e), &e)
	runtime.KeepAlive(j.snap)
	return float64(out), err
}

// Bool reads true or false.
func (j JSON) Bool() (bool, error) {
	if err := j.live(); err != nil {
		return false, err
	}
	var out C.bool
	var e C.kgo_err
	err := check(C.kgo_json_bool(&out, &j.c, &e), &e)
	runtime.KeepAlive(j.snap)
	return bool(out), err
}

// String reads a string.
func (j JSON) String() (string, error) {
	if err := j.live(); err != nil {
		return "", err
	}
	var out *C.char
	var n C.size_t
	var e C.kgo_err
	err := check(C.kgo_json_string(&out, &n, &j.c, &e), &e)
	s := ""
	if err == nil {
		s = C.GoStringN(out, C.int(n))
	}
	runtime.KeepAlive(j.snap)
	return s, err
}
