/*
 * replay: a capture-source plugin that replays saved reports.
 *
 *   ktsnap capture --plugin ktsnap_replay.so --plugin-arg DIR_OR_FILE -o out.ktsnap
 *
 * The plugin argument is a report file or a directory; every "*.ktsnap"
 * file in it is opened at init (in name order) and each capture rebuilds
 * the next one into the host's builder, cycling back to the first after the
 * last. The copy goes through the public API only: the getters of ktsnap.h
 * read the saved report, the ktsnap_builder_* functions write the new one.
 *
 * What the read API does not expose, and what this plugin does instead
 * (docs/PLUGINS.md, "The replay example"):
 * - a BTF blob's base (split BTF): each blob is added on its own first and,
 *   when it does not parse alone, on each earlier blob in turn;
 * - the recorded addresses of the active scheduler's maps: when the saved
 *   report's active view admits fewer maps than its active scheduler owns,
 *   the addresses of the admitted maps are recorded again;
 * - a value's padding bytes and the bytes of per-CPU slots that were not
 *   read: written as zeros (readers never see them).
 *
 * C99, one file, only ktsnap.h and libc.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktsnap.h"

typedef struct replay {
  ktsnap_report **reports;
  char **paths;
  size_t count;
  size_t next;
} replay;

static void say(char *buf, size_t size, const char *fmt, const char *a, const char *b) {
  if (size > 0) snprintf(buf, size, fmt, a, b);
}

static void replay_free(replay *r) {
  size_t i;
  if (r == NULL) return;
  for (i = 0; i < r->count; i++) {
    ktsnap_report_free(r->reports[i]);
    free(r->paths[i]);
  }
  free(r->reports);
  free(r->paths);
  free(r);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n > m && strcmp(s + n - m, suffix) == 0;
}

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p != NULL) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* The report files the argument names: itself, or the *.ktsnap files of a directory. */
static ktsnap_status list_files(char ***out, size_t *count, const char *arg, char *err, size_t err_size) {
  struct stat st;
  DIR *d;
  struct dirent *e;
  char **v = NULL;
  size_t n = 0, cap = 0;
  *out = NULL;
  *count = 0;
  if (stat(arg, &st) != 0) {
    say(err, err_size, "replay: cannot read '%s': %s", arg, "no such file or directory, or no permission");
    return KTSNAP_E_NOTFOUND;
  }
  if (!S_ISDIR(st.st_mode)) {
    v = malloc(sizeof *v);
    if (v == NULL || (v[0] = strdup(arg)) == NULL) {
      free(v);
      return KTSNAP_E_NOMEM;
    }
    *out = v;
    *count = 1;
    return KTSNAP_OK;
  }
  d = opendir(arg);
  if (d == NULL) {
    say(err, err_size, "replay: cannot list directory '%s'%s", arg, "");
    return KTSNAP_E_IO;
  }
  while ((e = readdir(d)) != NULL) {
    if (!ends_with(e->d_name, ".ktsnap")) continue;
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      char **nv = realloc(v, ncap * sizeof *nv);
      if (nv == NULL) break;
      v = nv;
      cap = ncap;
    }
    if ((v[n] = join(arg, e->d_name)) == NULL) break;
    n++;
  }
  closedir(d);
  if (n == 0) {
    free(v);
    say(err, err_size, "replay: directory '%s' holds no *.ktsnap file%s", arg, "");
    return KTSNAP_E_NOTFOUND;
  }
  qsort(v, n, sizeof *v, by_name);
  *out = v;
  *count = n;
  return KTSNAP_OK;
}

static ktsnap_status replay_init(void **state_out, const char *arg, char *err, size_t err_size) {
  replay *r;
  ktsnap_status st;
  size_t i;
  *state_out = NULL;
  if (arg == NULL || *arg == '\0') {
    say(err, err_size, "replay: needs a report file or a directory of *.ktsnap files as its argument%s%s", "", "");
    return KTSNAP_E_INVALID;
  }
  r = calloc(1, sizeof *r);
  if (r == NULL) return KTSNAP_E_NOMEM;
  st = list_files(&r->paths, &r->count, arg, err, err_size);
  if (st != KTSNAP_OK) {
    free(r);
    return st;
  }
  r->reports = calloc(r->count, sizeof *r->reports);
  if (r->reports == NULL) {
    replay_free(r);
    return KTSNAP_E_NOMEM;
  }
  for (i = 0; i < r->count; i++) {
    st = ktsnap_report_open_file(&r->reports[i], r->paths[i], NULL);
    if (st != KTSNAP_OK) {
      say(err, err_size, "replay: '%s' is not a report: %s", r->paths[i], ktsnap_last_error());
      replay_free(r);
      return st;
    }
  }
  *state_out = r;
  return KTSNAP_OK;
}

/* Copies up to `want` bytes of a value into dst (zero-filled past what it has). */
static ktsnap_status value_into(unsigned char *dst, size_t want, const ktsnap_value *v) {
  const void *p = NULL;
  size_t len = 0;
  ktsnap_status st = ktsnap_value_bytes(&p, &len, v);
  if (st != KTSNAP_OK) return st;
  memcpy(dst, p, len < want ? len : want);
  return KTSNAP_OK;
}

static ktsnap_status copy_map(ktsnap_builder *b, const ktsnap_map *m, const int32_t *btf_idx, char *err,
                              size_t err_size) {
  ktsnap_map_desc desc = KTSNAP_MAP_DESC_INIT;
  uint32_t n = ktsnap_map_entry_count(m), ks = ktsnap_map_key_size(m), vs = ktsnap_map_value_size(m);
  uint32_t cpus = ktsnap_map_is_percpu(m) ? ktsnap_map_nr_cpus(m) : 0;
  size_t stride = cpus ? ((size_t)vs + 7u) / 8u * 8u : vs;
  size_t keys_size = (size_t)n * ks, values_size = (size_t)n * (cpus ? cpus : 1u) * stride;
  size_t absent_size = cpus ? ((size_t)n * cpus + 7u) / 8u : 0;
  unsigned char *keys = calloc(keys_size ? keys_size : 1, 1);
  unsigned char *values = calloc(values_size ? values_size : 1, 1);
  unsigned char *absent = calloc(absent_size ? absent_size : 1, 1);
  int any_absent = 0;
  int32_t out_idx = -1;
  ktsnap_status st = KTSNAP_OK;
  uint32_t e, c;
  int32_t bi = ktsnap_map_btf_index(m);
  if (keys == NULL || values == NULL || absent == NULL) {
    st = KTSNAP_E_NOMEM;
    goto out;
  }
  for (e = 0; e < n && st == KTSNAP_OK; e++) {
    ktsnap_value v;
    st = ktsnap_map_key(&v, m, e);
    if (st == KTSNAP_OK) st = value_into(keys + (size_t)e * ks, ks, &v);
    if (st != KTSNAP_OK) break;
    if (!cpus) {
      st = ktsnap_map_value(&v, m, e);
      if (st == KTSNAP_OK) st = value_into(values + (size_t)e * stride, vs, &v);
      continue;
    }
    for (c = 0; c < cpus && st == KTSNAP_OK; c++) {
      size_t bit = (size_t)e * cpus + c;
      if (!ktsnap_map_slot_present(m, e, c)) {
        absent[bit / 8] |= (unsigned char)(1u << (bit % 8));
        any_absent = 1;
        continue;
      }
      st = ktsnap_map_percpu_value(&v, m, e, c);
      if (st == KTSNAP_OK) st = value_into(values + bit * stride, vs, &v);
    }
  }
  if (st != KTSNAP_OK) {
    say(err, err_size, "replay: map %s: cannot read an entry: %s", ktsnap_map_name(m), ktsnap_last_error());
    goto out;
  }
  desc.name = ktsnap_map_name(m);
  desc.error = ktsnap_map_error(m);
  desc.map_kva = ktsnap_map_kva(m);
  desc.scheduler_index = ktsnap_map_scheduler_index(m);
  desc.map_id = ktsnap_map_id(m);
  desc.map_type = ktsnap_map_type(m);
  desc.map_flags = ktsnap_map_bpf_flags(m);
  desc.key_size = ks;
  desc.value_size = vs;
  desc.max_entries = ktsnap_map_max_entries(m);
  desc.nr_cpus = cpus;
  desc.btf_index = bi >= 0 ? btf_idx[bi] : -1;
  desc.key_type_id = ktsnap_map_key_type_id(m);
  desc.value_type_id = ktsnap_map_value_type_id(m);
  desc.vmlinux_value_type_id = ktsnap_map_vmlinux_value_type_id(m);
  desc.flags = ktsnap_map_flags(m);
  desc.percpu_absent = any_absent ? absent : NULL;
  desc.percpu_absent_size = any_absent ? absent_size : 0;
  st = ktsnap_builder_add_map(&out_idx, b, &desc, keys_size ? keys : NULL, keys_size, values_size ? values : NULL,
                              values_size);
  if (st != KTSNAP_OK)
    say(err, err_size, "replay: map %s: the builder refused it: %s", ktsnap_map_name(m), ktsnap_last_error());
out:
  free(keys);
  free(values);
  free(absent);
  return st;
}

/* BTF blobs in order; a blob that does not parse alone is split BTF: try each earlier blob as its base. */
static ktsnap_status copy_btf(ktsnap_builder *b, const ktsnap_report *src, int32_t *btf_idx, char *err,
                              size_t err_size) {
  size_t i, n = ktsnap_report_btf_count(src);
  for (i = 0; i < n; i++) {
    size_t size = 0;
    const void *data = ktsnap_report_btf_data(src, i, &size);
    ktsnap_status st = ktsnap_builder_add_btf(&btf_idx[i], b, data, size, -1);
    size_t j;
    for (j = 0; st != KTSNAP_OK && j < i; j++) st = ktsnap_builder_add_btf(&btf_idx[i], b, data, size, btf_idx[j]);
    if (st != KTSNAP_OK) {
      say(err, err_size, "replay: a BTF blob parses neither alone nor on an earlier blob: %s%s", ktsnap_last_error(),
          "");
      return st;
    }
  }
  return KTSNAP_OK;
}

/* The active view's map addresses, when it admits fewer maps than the active scheduler owns. */
static ktsnap_status copy_active_kvas(ktsnap_builder *b, const ktsnap_report *src) {
  ktsnap_snapshot *all = NULL, *act = NULL;
  ktsnap_status st = KTSNAP_OK;
  size_t i, owned = 0, admitted;
  int32_t active = -1;
  uint64_t *kvas;
  for (i = 0; i < ktsnap_report_scheduler_count(src); i++)
    if (ktsnap_report_scheduler_active(src, i)) active = (int32_t)i;
  if (active < 0) return KTSNAP_OK;
  if (ktsnap_snapshot_new(&all, src) != KTSNAP_OK) return KTSNAP_OK;
  if (ktsnap_snapshot_active(&act, all) != KTSNAP_OK) {
    ktsnap_snapshot_free(all);
    return KTSNAP_OK;
  }
  for (i = 0; i < ktsnap_report_map_count(src); i++)
    if (ktsnap_map_scheduler_index(ktsnap_report_map_at(src, i)) == active) owned++;
  admitted = ktsnap_snapshot_map_count(act);
  if (admitted < owned && admitted > 0) {
    kvas = calloc(admitted, sizeof *kvas);
    if (kvas == NULL) {
      st = KTSNAP_E_NOMEM;
    } else {
      for (i = 0; i < admitted; i++) kvas[i] = ktsnap_map_kva(ktsnap_snapshot_map_at(act, i));
      st = ktsnap_builder_set_active_map_kvas(b, kvas, admitted);
      free(kvas);
    }
  }
  ktsnap_snapshot_free(act);
  ktsnap_snapshot_free(all);
  return st;
}

static ktsnap_status replay_capture(ktsnap_builder *b, const ktsnap_plugin_request *req, char *err, size_t err_size,
                                    void *state) {
  replay *r = state;
  const ktsnap_report *src = r->reports[r->next];
  const char *path = r->paths[r->next];
  size_t i, n;
  int32_t *btf_idx;
  ktsnap_status st = KTSNAP_OK;
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  const char *json;
  size_t json_len = 0;
  r->next = (r->next + 1) % r->count;

  n = ktsnap_report_btf_count(src);
  btf_idx = calloc(n ? n : 1, sizeof *btf_idx);
  if (btf_idx == NULL) return KTSNAP_E_NOMEM;
  st = copy_btf(b, src, btf_idx, err, err_size);
  for (i = 0; st == KTSNAP_OK && i < ktsnap_report_scheduler_count(src); i++) {
    int32_t bi = ktsnap_report_scheduler_btf_index(src, i), idx = -1;
    st = ktsnap_builder_add_scheduler(&idx, b, ktsnap_report_scheduler_name(src, i), bi >= 0 ? btf_idx[bi] : -1,
                                      ktsnap_report_scheduler_active(src, i));
  }
  for (i = 0; st == KTSNAP_OK && i < ktsnap_report_map_count(src); i++)
    st = copy_map(b, ktsnap_report_map_at(src, i), btf_idx, err, err_size);
  free(btf_idx);
  for (i = 0; st == KTSNAP_OK && i < ktsnap_report_excluded_count(src); i++)
    st = ktsnap_builder_add_excluded(b, ktsnap_report_excluded_name(src, i), ktsnap_report_excluded_map_id(src, i),
                                     ktsnap_report_excluded_map_type(src, i), ktsnap_report_excluded_reason(src, i));
  for (i = 0; st == KTSNAP_OK && i < ktsnap_report_region_count(src); i++) {
    uint64_t addr = 0;
    const void *data = NULL;
    size_t size = 0;
    st = ktsnap_report_region(&addr, &data, &size, src, i);
    if (st == KTSNAP_OK) st = ktsnap_builder_add_region(b, addr, data, size);
  }
  json = ktsnap_report_stats_json(src, &json_len);
  if (st == KTSNAP_OK && json != NULL) st = ktsnap_builder_set_stats_json(b, json, json_len);
  if (st == KTSNAP_OK) st = copy_active_kvas(b, src);
  if (st == KTSNAP_OK) {
    md.tag = req->tag_len > 0 ? req->tag : ktsnap_report_tag(src);
    md.trigger = req->trigger;
    md.wall_time_ns = ktsnap_report_wall_time_ns(src);
    md.monotonic_ns = ktsnap_report_monotonic_ns(src);
    md.elapsed_ms = ktsnap_report_elapsed_ms(src);
    if (ktsnap_report_has_step_index(src)) {
      md.flags |= KTSNAP_METADATA_HAS_STEP_INDEX;
      md.step_index = ktsnap_report_step_index(src);
    }
    if (ktsnap_report_is_placeholder(src)) {
      md.flags |= KTSNAP_METADATA_PLACEHOLDER;
      md.placeholder_reason = ktsnap_report_placeholder_reason(src);
    }
    st = ktsnap_builder_set_metadata(b, &md);
  }
  if (st != KTSNAP_OK && err[0] == '\0') say(err, err_size, "replay: %s: %s", path, ktsnap_last_error());
  return st;
}

static void replay_fini(void *state) { replay_free(state); }

static const ktsnap_plugin replay_table = {
    sizeof(ktsnap_plugin), KTSNAP_PLUGIN_ABI_MAJOR, 0u, "replay", "1.0", replay_init, replay_capture, replay_fini,
};

KTSNAP_PLUGIN_EXPORT const ktsnap_plugin *ktsnap_plugin_v1(void);

KTSNAP_PLUGIN_EXPORT const ktsnap_plugin *ktsnap_plugin_v1(void) {
  /* This plugin needs the 1.x API; a library of another major gets no table. */
  if (ktsnap_version() / 10000 != KTSNAP_VERSION_MAJOR) return NULL;
  return &replay_table;
}
