package ktsnap

/*
#include "shim.h"

KGO(value_member, (ktsnap_value *out, const ktsnap_value *v, const char *n, kgo_err *e_), (out, v, n))
KGO(value_index, (ktsnap_value *out, const ktsnap_value *v, uint64_t i, kgo_err *e_), (out, v, i))
KGO(value_deref, (ktsnap_value *out, const ktsnap_value *v, kgo_err *e_), (out, v))
KGO(value_get, (ktsnap_value *out, const ktsnap_value *v, const char *p, kgo_err *e_), (out, v, p))
KGO(value_walk, (ktsnap_value *out, const ktsnap_value *v, const char *p, kgo_err *e_), (out, v, p))
KGO(value_length, (uint64_t *out, const ktsnap_value *v, kgo_err *e_), (out, v))
KGO(value_member_count, (size_t *out, const ktsnap_value *v, kgo_err *e_), (out, v))
KGO(value_member_name, (const char **out, size_t *n, const ktsnap_value *v, size_t i, kgo_err *e_), (out, n, v, i))
KGO(value_u64, (uint64_t *out, const ktsnap_value *v, kgo_err *e_), (out, v))
KGO(value_i64, (int64_t *out, const ktsnap_value *v, kgo_err *e_), (out, v))
KGO(value_f64, (double *out, const ktsnap_value *v, kgo_err *e_), (out, v))
KGO(value_bool, (bool *out, const ktsnap_value *v, kgo_err *e_), (out, v))
KGO(value_string_dup, (char **out, size_t *n, const ktsnap_value *v, kgo_err *e_), (out, n, v))
KGO(value_enum_name, (const char **out, const ktsnap_value *v, kgo_err *e_), (out, v))
KGO(value_bytes, (const void **out, size_t *n, const ktsnap_value *v, kgo_err *e_), (out, n, v))
KGO(value_type_name_dup, (char **out, const ktsnap_value *v, kgo_err *e_), (out, v))
KGO(value_u64_array, (uint64_t *out, size_t cap, size_t *n, const ktsnap_value *v, kgo_err *e_), (out, cap, n, v))
KGO(value_u32_array, (uint32_t *out, size_t cap, size_t *n, const ktsnap_value *v, kgo_err *e_), (out, cap, n, v))
KGO(value_i64_array, (int64_t *out, size_t cap, size_t *n, const ktsnap_value *v, kgo_err *e_), (out, cap, n, v))
KGO(value_f64_array, (double *out, size_t cap, size_t *n, const ktsnap_value *v, kgo_err *e_), (out, cap, n, v))
KGO(value_bool_array, (bool *out, size_t cap, size_t *n, const ktsnap_value *v, kgo_err *e_), (out, cap, n, v))
static inline ktsnap_status kgo_render_value(char **out, size_t *len, const ktsnap_value *v, kgo_err *e_) {
  ktsnap_render_opts o = KTSNAP_RENDER_OPTS_INIT;
  ktsnap_status s_ = ktsnap_render_value(out, len, v, &o);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Kind is a KTSNAP_KIND_* number.
type Kind uint32

// Value kinds.
const (
	KindInvalid     Kind = C.KTSNAP_KIND_INVALID
	KindInt         Kind = C.KTSNAP_KIND_INT
	KindUint        Kind = C.KTSNAP_KIND_UINT
	KindBool        Kind = C.KTSNAP_KIND_BOOL
	KindChar        Kind = C.KTSNAP_KIND_CHAR
	KindFloat       Kind = C.KTSNAP_KIND_FLOAT
	KindEnum        Kind = C.KTSNAP_KIND_ENUM
	KindStruct      Kind = C.KTSNAP_KIND_STRUCT
	KindUnion       Kind = C.KTSNAP_KIND_UNION
	KindArray       Kind = C.KTSNAP_KIND_ARRAY
	KindPtr         Kind = C.KTSNAP_KIND_PTR
	KindDatasec     Kind = C.KTSNAP_KIND_DATASEC
	KindBytes       Kind = C.KTSNAP_KIND_BYTES
	KindUnsupported Kind = C.KTSNAP_KIND_UNSUPPORTED
)

// String is ktsnap_value_kind_name.
func (k Kind) String() string { return C.GoString(C.ktsnap_value_kind_name(C.uint32_t(k))) }

// Value is a typed view into a report (ktsnap_value, copied by value). It
// is valid while its report is open; after Close every method fails with
// an error instead of reading freed memory.
type Value struct {
	c   C.ktsnap_value
	rep *Report
}

func (v *Value) live() error {
	debugGC()
	if v.rep == nil {
		return &Error{Status: EInvalid, Message: "empty ktsnap Value"}
	}
	if v.rep.ptr == nil {
		return closedErr("Report (value of a closed report)")
	}
	return nil
}

// Kind is the value's kind (KindInvalid for an empty value or a closed report).
func (v Value) Kind() Kind {
	if v.live() != nil {
		return KindInvalid
	}
	k := Kind(C.ktsnap_value_kind(&v.c))
	runtime.KeepAlive(v.rep)
	return k
}

// Size is the declared size in bytes.
func (v Value) Size() uint64 {
	if v.live() != nil {
		return 0
	}
	n := uint64(C.ktsnap_value_size(&v.c))
	runtime.KeepAlive(v.rep)
	return n
}

type step func(out *C.ktsnap_value, in *C.ktsnap_value, e *C.kgo_err) C.ktsnap_status

func (v Value) step(f step) (Value, error) {
	if err := v.live(); err != nil {
		return Value{}, err
	}
	// Standalone C structs: cgo checks the whole object a pointer passed
	// through a function value points into, and a Value holds a Go pointer.
	in := v.c
	var o C.ktsnap_value
	var ce C.kgo_err
	err := check(f(&o, &in, &ce), &ce)
	runtime.KeepAlive(v.rep)
	if err != nil {
		return Value{}, err
	}
	return Value{c: o, rep: v.rep}, nil
}

// Member is member name of a struct, union or section.
func (v Value) Member(name string) (Value, error) {
	cn := cstr(name)
	defer free(cn)
	return v.step(func(o, i *C.ktsnap_value, e *C.kgo_err) C.ktsnap_status { return C.kgo_value_member(o, i, cn, e) })
}

// Index is element i of an array.
func (v Value) Index(i int) (Value, error) {
	return v.step(func(o, in *C.ktsnap_value, e *C.kgo_err) C.ktsnap_status {
		return C.kgo_value_index(o, in, C.uint64_t(i), e)
	})
}

// Deref follows a pointer through the captured regions.
func (v Value) Deref() (Value, error) {
	return v.step(func(o, i *C.ktsnap_value, e *C.kgo_err) C.ktsnap_status { return C.kgo_value_deref(o, i, e) })
}

// Get walks a dotted path with [i] indexes ("a.b[2].c"; "" is v itself).
func (v Value) Get(path string) (Value, error) {
	cp := cstr(path)
	defer free(cp)
	return v.step(func(o, i *C.ktsnap_value, e *C.kgo_err) C.ktsnap_status { return C.kgo_value_get(o, i, cp, e) })
}

// Walk walks a dotted path with the view rules (no [i]).
func (v Value) Walk(path string) (Value, error) {
	cp := cstr(path)
	defer free(cp)
	return v.step(func(o, i *C.ktsnap_value, e *C.kgo_err) C.ktsnap_status { return C.kgo_value_walk(o, i, cp, e) })
}

// Len is an array's element count or a composite's member count.
func (v Value) Len() (int, error) {
	if err := v.live(); err != nil {
		return 0, err
	}
	var n C.uint64_t
	var ce C.kgo_err
	err := check(C.kgo_value_length(&n, &v.c, &ce), &ce)
	runtime.KeepAlive(v.rep)
	return int(n), err
}

// Members lists the member names of a composite (anonymous members flattened).
func (v Value) Members() ([]string, error) {
	if err := v.live(); err != nil {
		return nil, err
	}
	var n C.size_t
	var ce C.kgo_err
	if err := check(C.kgo_value_member_count(&n, &v.c, &ce), &ce); err != nil {
		return nil, err
	}
	out := make([]string, 0, int(n))
	for i := 0; i < int(n); i++ {
		var p *C.char
		var l C.size_t
		if err := check(C.kgo_value_member_name(&p, &l, &v.c, C.size_t(i), &ce), &ce); err != nil {
			return nil, err
		}
		out = append(out, C.GoStringN(p, C.int(l)))
	}
	runtime.KeepAlive(v.rep)
	return out, nil
}

// Uint64 reads an unsigned (or non-negative) integer.
func (v Value) Uint64() (uint64, error) {
	if err := v.live(); err != nil {
		return 0, err
	}
	var out C.uint64_t
	var ce C.kgo_err
	err := check(C.kgo_value_u64(&out, &v.c, &ce), &ce)
	runtime.KeepAlive(v.rep)
	return uint64(out), err
}

// Int64 reads a signed integer.
func (v Value) Int64() (int64, error) {
	if err := v.live(); err != nil {
		return 0, err
	}
	var out C.int64_t
	var ce C.kgo_err
	err := check(C.kgo_value_i64(&out, &v.c, &ce), &ce)
	runtime.KeepAlive(v.rep)
	return int64(out), err
}

// Float64 reads a float or double.
func (v Value) Float64() (float64, error) {
	if err := v.live(); err != nil {
		return 0, err
	}
	var out C.double
	var ce C.kgo_err
	err := check(C.kgo_value_f64(&out, &v.c, &ce), &ce)
	runtime.KeepAlive(v.rep)
	return float64(out), err
}

// Bool reads a _Bool.
func (v Value) Bool() (bool, error) {
	if err := v.live(); err != nil {
		return false, err
	}
	var out C.bool
	var ce C.kgo_err
	err := check(C.kgo_value_bool(&out, &v.c, &ce), &ce)
	runtime.KeepAlive(v.rep)
	return bool(out), err
}

// String reads a char array (up to its first NUL) or a char.
func (v Value) String() (string, error) {
	if err := v.live(); err != nil {
		return "", err
	}
	var out *C.char
	var n C.size_t
	var ce C.kgo_err
	err := check(C.kgo_value_string_dup(&out, &n, &v.c, &ce), &ce)
	runtime.KeepAlive(v.rep)
	if err != nil {
		return "", err
	}
	defer C.ktsnap_free(unsafe.Pointer(out))
	return C.GoStringN(out, C.int(n)), nil
}

// EnumName is the name of an enum value's variant.
func (v Value) EnumName() (string, error) {
	if err := v.live(); err != nil {
		return "", err
	}
	var out *C.char
	var ce C.kgo_err
	err := check(C.kgo_value_enum_name(&out, &v.c, &ce), &ce)
	s := ""
	if err == nil {
		s = C.GoString(out)
	}
	runtime.KeepAlive(v.rep)
	return s, err
}

// TypeName is the value's C type name ("struct kt_task_ctx").
func (v Value) TypeName() (string, error) {
	if err := v.live(); err != nil {
		return "", err
	}
	var out *C.char
	var ce C.kgo_err
	err := check(C.kgo_value_type_name_dup(&out, &v.c, &ce), &ce)
	runtime.KeepAlive(v.rep)
	if err != nil {
		return "", err
	}
	defer C.ktsnap_free(unsafe.Pointer(out))
	return C.GoString(out), nil
}

// Bytes is a copy of the value's raw bytes.
func (v Value) Bytes() ([]byte, error) {
	if err := v.live(); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	var n C.size_t
	var ce C.kgo_err
	err := check(C.kgo_value_bytes(&p, &n, &v.c, &ce), &ce)
	var b []byte
	if err == nil {
		b = C.GoBytes(p, C.int(n))
	}
	runtime.KeepAlive(v.rep)
	return b, err
}

// JSON renders the value as JSON.
func (v Value) JSON() (string, error) {
	if err := v.live(); err != nil {
		return "", err
	}
	var out *C.char
	var n C.size_t
	var ce C.kgo_err
	err := check(C.kgo_render_value(&out, &n, &v.c, &ce), &ce)
	runtime.KeepAlive(v.rep)
	if err != nil {
		return "", err
	}
	defer C.ktsnap_free(unsafe.Pointer(out))
	return C.GoStringN(out, C.int(n)), nil
}

// array reads a whole array in one call after asking its length.
func array[T uint64 | uint32 | int64 | float64 | bool](v Value) ([]T, error) {
	n, err := v.Len()
	if err != nil {
		return nil, err
	}
	out := make([]T, n+1)
	p := unsafe.Pointer(&out[0])
	var cnt C.size_t
	var ce C.kgo_err
	var rc C.ktsnap_status
	var zero T
	switch any(zero).(type) {
	case uint64:
		rc = C.kgo_value_u64_array((*C.uint64_t)(p), C.size_t(n), &cnt, &v.c, &ce)
	case uint32:
		rc = C.kgo_value_u32_array((*C.uint32_t)(p), C.size_t(n), &cnt, &v.c, &ce)
	case int64:
		rc = C.kgo_value_i64_array((*C.int64_t)(p), C.size_t(n), &cnt, &v.c, &ce)
	case float64:
		rc = C.kgo_value_f64_array((*C.double)(p), C.size_t(n), &cnt, &v.c, &ce)
	case bool:
		rc = C.kgo_value_bool_array((*C.bool)(p), C.size_t(n), &cnt, &v.c, &ce)
	}
	runtime.KeepAlive(v.rep)
	if err := check(rc, &ce); err != nil {
		return nil, err
	}
	return out[:int(cnt)], nil
}

// Uint64s reads an array's elements as uint64.
func (v Value) Uint64s() ([]uint64, error) { return array[uint64](v) }

// Uint32s reads an array's elements as uint32.
func (v Value) Uint32s() ([]uint32, error) { return array[uint32](v) }

// Int64s reads an array's elements as int64.
func (v Value) Int64s() ([]int64, error) { return array[int64](v) }

// Float64s reads an array's elements as float64.
func (v Value) Float64s() ([]float64, error) { return array[float64](v) }

// Bools reads an array's elements as bool.
func (v Value) Bools() ([]bool, error) { return array[bool](v) }
