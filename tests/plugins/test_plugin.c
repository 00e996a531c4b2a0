/*
 * Test plugins for the capture-source loader (tests/capi/plugin_test.cpp,
 * tests/cli/cli-plugin-test.sh). One source, built once per variant with
 * -DKTSNAP_TEST_PLUGIN_<VARIANT>; each variant breaks one rule of the
 * plugin ABI, except GOOD, which captures one small map without BTF:
 * a hash of u32 -> u64 whose values count the captures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktsnap.h"

typedef struct state {
  char arg[64];
  unsigned captures;
} state;

static void set_err(char *buf, size_t size, const char *text) {
  if (size > 0) snprintf(buf, size, "%s", text);
}

static ktsnap_status t_init(void **state_out, const char *arg, char *err_buf, size_t err_buf_size) {
  state *s;
#ifdef KTSNAP_TEST_PLUGIN_INIT_FAILS
  char msg[128];
  snprintf(msg, sizeof msg, "cannot reach device '%s'", arg ? arg : "(none)");
  set_err(err_buf, err_buf_size, msg);
  *state_out = NULL;
  return KTSNAP_E_NOTFOUND;
#endif
  (void)err_buf;
  (void)err_buf_size;
  s = calloc(1, sizeof *s);
  if (s == NULL) return KTSNAP_E_NOMEM;
  snprintf(s->arg, sizeof s->arg, "%s", arg ? arg : "");
  *state_out = s;
  return KTSNAP_OK;
}

static ktsnap_status t_capture(ktsnap_builder *b, const ktsnap_plugin_request *req, char *err_buf,
                               size_t err_buf_size, void *st) {
  state *s = st;
  s->captures++;
#ifdef KTSNAP_TEST_PLUGIN_CAPTURE_FAILS
  (void)b;
  (void)req;
  set_err(err_buf, err_buf_size, "device went away during capture");
  return KTSNAP_E_IO;
#elif defined(KTSNAP_TEST_PLUGIN_EMPTY)
  (void)b;
  (void)req;
  (void)err_buf;
  (void)err_buf_size;
  return KTSNAP_OK;
#else
  {
    ktsnap_map_desc desc = KTSNAP_MAP_DESC_INIT;
    uint32_t keys[3] = {1, 2, 3};
    uint64_t values[3];
    int32_t idx = -1;
    ktsnap_status rc;
    unsigned i;
    for (i = 0; i < 3; i++) values[i] = (uint64_t)s->captures * 100u + keys[i];
    desc.name = "test_counts";
    desc.map_type = 1; /* BPF_MAP_TYPE_HASH */
    desc.key_size = 4;
    desc.value_size = 8;
    desc.max_entries = 16;
    desc.map_id = 4242;
    desc.flags = KTSNAP_MAP_BTF_MISSING;
    rc = ktsnap_builder_add_map(&idx, b, &desc, keys, sizeof keys, values, sizeof values);
    if (rc != KTSNAP_OK) {
      set_err(err_buf, err_buf_size, ktsnap_last_error());
      return rc;
    }
    if (req->sz >= KTSNAP_PLUGIN_REQUEST_SIZE_V1 && strcmp(req->tag, "fail-me") == 0) {
      set_err(err_buf, err_buf_size, "asked to fail by the tag");
      return KTSNAP_E_BUSY;
    }
#ifdef KTSNAP_TEST_PLUGIN_FINISHES
    {
      ktsnap_report *r = NULL;
      if (ktsnap_builder_finish(&r, b) == KTSNAP_OK) ktsnap_report_free(r);
    }
#endif
    return KTSNAP_OK;
  }
#endif
}

static void t_fini(void *st) {
  (void)set_err; /* unused by some variants */
  free(st);
}

static const ktsnap_plugin table = {
#ifdef KTSNAP_TEST_PLUGIN_SHORT_TABLE
    24,
#else
    sizeof(ktsnap_plugin),
#endif
#ifdef KTSNAP_TEST_PLUGIN_WRONG_MAJOR
    2u,
#else
    KTSNAP_PLUGIN_ABI_MAJOR,
#endif
#ifdef KTSNAP_TEST_PLUGIN_UNKNOWN_FLAGS
    0x80u,
#else
    0u,
#endif
    "test",
    "0.1",
    t_init,
#ifdef KTSNAP_TEST_PLUGIN_NO_CAPTURE
    NULL, /* t_capture is referenced by the check below */
#else
    t_capture,
#endif
    t_fini,
};

#ifdef KTSNAP_TEST_PLUGIN_NO_CAPTURE
/* Keeps t_capture referenced: the table leaves it out on purpose. */
KTSNAP_PLUGIN_EXPORT ktsnap_plugin_capture_fn test_plugin_unused_capture(void);
KTSNAP_PLUGIN_EXPORT ktsnap_plugin_capture_fn test_plugin_unused_capture(void) { return t_capture; }
#endif

#ifdef KTSNAP_TEST_PLUGIN_NEWER_TAIL
/* A table from a newer header: one more field, set (its first byte is non-zero). */
static const struct {
  ktsnap_plugin v1;
  uint64_t newer;
} newer_table = {{sizeof newer_table, KTSNAP_PLUGIN_ABI_MAJOR, 0u, "test", "0.1", t_init, t_capture, t_fini}, 1u};
#endif

#ifdef KTSNAP_TEST_PLUGIN_NO_ENTRY
/* Exported, but under another name than KTSNAP_PLUGIN_ENTRY. */
KTSNAP_PLUGIN_EXPORT const ktsnap_plugin *ktsnap_plugin_v0(void);
KTSNAP_PLUGIN_EXPORT const ktsnap_plugin *ktsnap_plugin_v0(void) { return &table; }
#else
KTSNAP_PLUGIN_EXPORT const ktsnap_plugin *ktsnap_plugin_v1(void);
KTSNAP_PLUGIN_EXPORT const ktsnap_plugin *ktsnap_plugin_v1(void) {
#if defined(KTSNAP_TEST_PLUGIN_NULL_TABLE)
  (void)table;
  return NULL;
#elif defined(KTSNAP_TEST_PLUGIN_NEWER_TAIL)
  (void)table;
  return &newer_table.v1;
#else
  return &table;
#endif
}
#endif
