/* C side of the Go binding: error capture and one wrapper per call pattern.
 *
 * The last error of libktsnap is thread-local. A goroutine may run its next
 * cgo call on another OS thread, so the binding never asks for the last
 * error in a separate call: every wrapper below calls one ktsnap function
 * and, when it fails, copies ktsnap_last_error_info() (strings duplicated,
 * so nothing borrowed from the thread outlives the call) into a kgo_err the
 * Go side passed in. Go converts it and frees it with kgo_err_free(). */
#ifndef KTSNAP_GO_SHIM_H
#define KTSNAP_GO_SHIM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktsnap.h"

/* The binding is written against ABI major 1 (the soname); a header of
 * another major must not compile it. The run-time check is in errors.go. */
#if KTSNAP_VERSION_MAJOR != 1
#error "bindings/go is written for ktsnap.h major version 1"
#endif

typedef struct kgo_err {
  int32_t status;
  int32_t sys_errno;
  uint32_t kind;
  uint32_t cpu;
  uint32_t column;
  uint32_t unmapped;
  uint64_t index;
  uint64_t len;
  char *kind_name, *message, *json, *requested, *walked, *component, *map, *expected, *actual, *reason, *hint;
  size_t n_alt;
  char **alts;
  size_t n_samples;
  char **samples;
} kgo_err;

static inline char *kgo_dup(const char *s) { return strdup(s ? s : ""); }

static inline char **kgo_dup_list(const char *const *v, size_t n) {
  if (n == 0 || v == NULL) return NULL;
  char **out = (char **)calloc(n, sizeof(char *));
  if (out == NULL) return NULL;
  for (size_t i = 0; i < n; i++) out[i] = kgo_dup(v[i]);
  return out;
}

/* Fills *e from this thread's last error; `st` is the failing status. */
static inline void kgo_fill(kgo_err *e, ktsnap_status st) {
  ktsnap_error_info info;
  memset(&info, 0, sizeof info);
  info.sz = sizeof info;
  e->status = st;
  e->sys_errno = ktsnap_last_errno();
  if (ktsnap_last_error_info(&info) != KTSNAP_OK) {
    e->message = kgo_dup(ktsnap_last_error());
    return;
  }
  e->kind = info.kind;
  e->cpu = info.cpu;
  e->column = info.column;
  e->unmapped = info.unmapped;
  e->index = info.index;
  e->len = info.len;
  e->kind_name = kgo_dup(info.kind_name);
  e->message = kgo_dup(info.message);
  e->json = kgo_dup(info.json);
  e->requested = kgo_dup(info.requested);
  e->walked = kgo_dup(info.walked);
  e->component = kgo_dup(info.component);
  e->map = kgo_dup(info.map);
  e->expected = kgo_dup(info.expected);
  e->actual = kgo_dup(info.actual);
  e->reason = kgo_dup(info.reason);
  e->hint = kgo_dup(info.hint);
  e->alts = kgo_dup_list(info.alternatives, info.alternative_count);
  e->n_alt = e->alts ? info.alternative_count : 0;
  e->samples = kgo_dup_list(info.sample_keys, info.sample_key_count);
  e->n_samples = e->samples ? info.sample_key_count : 0;
}

static inline void kgo_err_free(kgo_err *e) {
  char **fields[] = {&e->kind_name, &e->message, &e->json, &e->requested, &e->walked, &e->component,
                     &e->map, &e->expected, &e->actual, &e->reason, &e->hint};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    free(*fields[i]);
    *fields[i] = NULL;
  }
  for (size_t i = 0; i < e->n_alt; i++) free(e->alts[i]);
  free(e->alts);
  for (size_t i = 0; i < e->n_samples; i++) free(e->samples[i]);
  free(e->samples);
  e->alts = e->samples = NULL;
  e->n_alt = e->n_samples = 0;
}

/* Wrapper of a status-returning call: kgo_<fn>(params..., kgo_err *e_). */
#define KGO(fn, PARAMS, ARGS)                              \
  static inline ktsnap_status kgo_##fn PARAMS {            \
    ktsnap_status s_ = ktsnap_##fn ARGS;                   \
    if (s_ != KTSNAP_OK) kgo_fill(e_, s_);                 \
    return s_;                                             \
  }

#endif
