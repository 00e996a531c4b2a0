/*
 * dlopen_query: uses libktsnap.so.1 without linking it. The library is
 * loaded with dlopen(), every function this program calls is looked up
 * with dlsym() into a typed function pointer (the types come from
 * ktsnap.h, which is only included for its declarations and macros), the
 * library's major version is checked against the header this program was
 * compiled with, and a predicate query runs on a saved report.
 *
 *   ktsnap_dlopen_query REPORT MAP EXPR [LIBRARY]
 *
 * LIBRARY defaults to "libktsnap.so.1" (found through the library search
 * path). Prints the library version, the match count, the first match and
 * its value as JSON. Exit status: 0 a match, 1 no match, 2 usage, 3 the
 * library cannot be loaded, lacks a symbol, or has another major, 4 a ktsnap
 * call failed.
 *
 * C99 and POSIX only.
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "ktsnap.h"

#if KTSNAP_VERSION_MAJOR != 1
#error "this example is written for the ktsnap 1.x API"
#endif

/* The functions this program uses, as typed pointers. */
static struct {
  uint32_t (*version)(void);
  const char *(*version_string)(void);
  const char *(*status_str)(ktsnap_status);
  const char *(*last_error)(void);
  void (*free_buf)(void *);
  ktsnap_status (*report_open_file)(ktsnap_report **, const char *, const ktsnap_open_opts *);
  void (*report_free)(ktsnap_report *);
  ktsnap_status (*report_map_by_name)(const ktsnap_map **, const ktsnap_report *, const char *);
  uint32_t (*map_entry_count)(const ktsnap_map *);
  bool (*map_is_percpu)(const ktsnap_map *);
  ktsnap_status (*map_value)(ktsnap_value *, const ktsnap_map *, uint32_t);
  ktsnap_status (*query_compile)(ktsnap_query **, const ktsnap_map *, const char *);
  void (*query_free)(ktsnap_query *);
  ktsnap_status (*query_count)(uint64_t *, const ktsnap_query *, uint32_t);
  ktsnap_status (*query_find)(uint32_t *, const ktsnap_query *, uint32_t);
  ktsnap_status (*render_value)(char **, size_t *, const ktsnap_value *, const ktsnap_render_opts *);
} K;

/* dlsym into a function pointer: POSIX guarantees the conversion works;
 * memcpy keeps ISO C's object-to-function pointer rule out of the way. */
static int resolve(void *lib, const char *name, void *slot, size_t slot_size, const char *libname) {
  void *sym;
  dlerror();
  sym = dlsym(lib, name);
  if (sym == NULL) {
    const char *e = dlerror();
    fprintf(stderr, "dlopen_query: %s has no symbol %s (%s): not a ktsnap library, or one too old\n", libname, name,
            e ? e : "not found");
    return -1;
  }
  memcpy(slot, &sym, slot_size);
  return 0;
}

#define RESOLVE(field, name) resolve(lib, name, &K.field, sizeof K.field, libname)

static int fail(const char *what, ktsnap_status st) {
  fprintf(stderr, "dlopen_query: %s: %s: %s\n", what, K.status_str(st), K.last_error());
  return 4;
}

int main(int argc, char **argv) {
  const char *libname = "libktsnap.so.1";
  void *lib;
  uint32_t version;
  ktsnap_report *report = NULL;
  const ktsnap_map *map = NULL;
  ktsnap_query *query = NULL;
  uint64_t count = 0;
  uint32_t first = 0;
  ktsnap_status st;
  int rc = 0;

  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: %s REPORT MAP EXPR [LIBRARY]\n", argv[0]);
    return 2;
  }
  if (argc == 5) libname = argv[4];

  lib = dlopen(libname, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "dlopen_query: cannot load %s: %s\n", libname, dlerror());
    return 3;
  }
  /* The version first: with another major, no other symbol is trusted. */
  if (RESOLVE(version, "ktsnap_version") != 0) {
    dlclose(lib);
    return 3;
  }
  version = K.version();
  if (version / 10000 != KTSNAP_VERSION_MAJOR) {
    fprintf(stderr, "dlopen_query: %s is ktsnap major %u, this program was built for major %d\n", libname,
            (unsigned)(version / 10000), KTSNAP_VERSION_MAJOR);
    dlclose(lib);
    return 3;
  }
  if (version < KTSNAP_VERSION_NUMBER)
    fprintf(stderr, "dlopen_query: note: %s (%u) is older than the header (%d)\n", libname, (unsigned)version,
            KTSNAP_VERSION_NUMBER);
  if (RESOLVE(version_string, "ktsnap_version_string") || RESOLVE(status_str, "ktsnap_status_str") ||
      RESOLVE(last_error, "ktsnap_last_error") || RESOLVE(free_buf, "ktsnap_free") ||
      RESOLVE(report_open_file, "ktsnap_report_open_file") || RESOLVE(report_free, "ktsnap_report_free") ||
      RESOLVE(report_map_by_name, "ktsnap_report_map_by_name") ||
      RESOLVE(map_entry_count, "ktsnap_map_entry_count") || RESOLVE(map_is_percpu, "ktsnap_map_is_percpu") ||
      RESOLVE(map_value, "ktsnap_map_value") || RESOLVE(query_compile, "ktsnap_query_compile") ||
      RESOLVE(query_free, "ktsnap_query_free") || RESOLVE(query_count, "ktsnap_query_count") ||
      RESOLVE(query_find, "ktsnap_query_find") || RESOLVE(render_value, "ktsnap_render_value")) {
    dlclose(lib);
    return 3;
  }
  printf("library %s: ktsnap %s (built for major %d)\n", libname, K.version_string(), KTSNAP_VERSION_MAJOR);

  st = K.report_open_file(&report, argv[1], NULL);
  if (st != KTSNAP_OK) {
    rc = fail(argv[1], st);
    goto out;
  }
  st = K.report_map_by_name(&map, report, argv[2]);
  if (st != KTSNAP_OK) {
    rc = fail(argv[2], st);
    goto out;
  }
  st = K.query_compile(&query, map, argv[3]);
  if (st == KTSNAP_OK) st = K.query_count(&count, query, KTSNAP_NO_CPU);
  if (st != KTSNAP_OK) {
    rc = fail(argv[3], st);
    goto out;
  }
  printf("map %s: %u entries; query \"%s\": %llu matching\n", argv[2], (unsigned)K.map_entry_count(map), argv[3],
         (unsigned long long)count);
  if (count == 0) {
    rc = 1;
    goto out;
  }
  st = K.query_find(&first, query, KTSNAP_NO_CPU);
  if (st != KTSNAP_OK) {
    rc = fail("find", st);
    goto out;
  }
  printf("first match: entry %u\n", (unsigned)first);
  if (!K.map_is_percpu(map)) {
    ktsnap_value v;
    char *json = NULL;
    size_t len = 0;
    st = K.map_value(&v, map, first);
    if (st == KTSNAP_OK) st = K.render_value(&json, &len, &v, NULL);
    if (st != KTSNAP_OK) {
      rc = fail("render", st);
      goto out;
    }
    printf("value: %s\n", json);
    K.free_buf(json);
  }
out:
  if (K.query_free) K.query_free(query);
  if (K.report_free) K.report_free(report);
  dlclose(lib);
  return rc;
}
