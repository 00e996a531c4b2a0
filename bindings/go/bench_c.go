package ktsnap

// C-side timing loops for the benchmarks (bench_test.go): the same library
// calls the Go API makes, timed inside one C call so that no cgo crossing
// is counted. Test files cannot use cgo, hence this file; nothing here is
// exported.

/*
#include <time.h>
#include "shim.h"

static int64_t kgo_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
// iters calls of ktsnap_column_u64 over the whole map; -1 on failure.
static int64_t kgo_bench_column(const ktsnap_map *m, const char *path, uint64_t *out, size_t cap, int64_t iters) {
  int64_t t0 = kgo_now_ns();
  for (int64_t i = 0; i < iters; i++)
    if (ktsnap_column_u64(out, cap, NULL, NULL, m, path, 0) != KTSNAP_OK) return -1;
  return kgo_now_ns() - t0;
}
// iters of compile + find + free (what Map.Find does); -1 on an unexpected status.
static int64_t kgo_bench_find(const ktsnap_map *m, const char *expr, int64_t iters, ktsnap_status want) {
  int64_t t0 = kgo_now_ns();
  for (int64_t i = 0; i < iters; i++) {
    ktsnap_query *q = NULL;
    uint32_t e = 0;
    ktsnap_status s = ktsnap_query_compile(&q, m, expr);
    if (s == KTSNAP_OK) s = ktsnap_query_find(&e, q, 0);
    ktsnap_query_free(q);
    if (s != want) return -1;
  }
  return kgo_now_ns() - t0;
}
*/
import "C"

import (
	"errors"
	"runtime"
	"time"
	"unsafe"
)

// benchColumnC times iters calls of ktsnap_column_u64 made from C.
func benchColumnC(m *Map, path string, iters int) (time.Duration, error) {
	if err := m.live(); err != nil {
		return 0, err
	}
	n := m.Len()
	buf := (*C.uint64_t)(C.malloc(C.size_t(8 * (n + 1))))
	defer C.free(unsafe.Pointer(buf))
	cp := cstr(path)
	defer free(cp)
	ns := C.kgo_bench_column(m.ptr, cp, buf, C.size_t(n), C.int64_t(iters))
	runtime.KeepAlive(m.rep)
	if ns < 0 {
		return 0, errors.New("ktsnap_column_u64 failed in the C loop")
	}
	return time.Duration(ns), nil
}

// benchFindC times iters compile + find + free made from C; want is the
// expected status of each find.
func benchFindC(m *Map, expr string, iters int, want Status) (time.Duration, error) {
	if err := m.live(); err != nil {
		return 0, err
	}
	cx := cstr(expr)
	defer free(cx)
	ns := C.kgo_bench_find(m.ptr, cx, C.int64_t(iters), C.ktsnap_status(want))
	runtime.KeepAlive(m.rep)
	if ns < 0 {
		return 0, errors.New("find failed in the C loop")
	}
	return time.Duration(ns), nil
}
