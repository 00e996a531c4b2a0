/* Compiles include/ktsnap.h alone, twice, as C99, C11, C++17 and C++20
 * with -Wall -Wextra -pedantic -Werror (tests/CMakeLists.txt). Uses every
 * KTSNAP_*_INIT initialiser macro, both by-value cursors and a few declarations so that a
 * macro or declaration that only parses in one language fails here. */
#include "ktsnap.h"
#include "ktsnap.h" /* include guard */

#if KTSNAP_VERSION_MAJOR != 1
#error "headertest expects ABI major 1"
#endif

int headertest_use(const char *path);

int headertest_use(const char *path) {
  ktsnap_open_opts open_opts = KTSNAP_OPEN_OPTS_INIT;
  ktsnap_render_opts render_opts = KTSNAP_RENDER_OPTS_INIT;
  ktsnap_builder_opts builder_opts = KTSNAP_BUILDER_OPTS_INIT;
  ktsnap_map_desc desc = KTSNAP_MAP_DESC_INIT;
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  ktsnap_report *report = NULL;
  const ktsnap_map *map = NULL;
  ktsnap_value v;
  ktsnap_value member;
  uint64_t u = 0;
  bool b = false;
  ktsnap_status st;

  (void)builder_opts;
  (void)desc;
  (void)md;
  (void)b;
  open_opts.flags = KTSNAP_OPEN_COPY;
  render_opts.format = KTSNAP_FORMAT_TEXT;
  st = ktsnap_report_open_file(&report, path, &open_opts);
  if (st != KTSNAP_OK) return (int)st;
  st = ktsnap_report_map_by_name(&map, report, "kt_tasks");
  if (st == KTSNAP_OK && ktsnap_map_value(&v, map, 0) == KTSNAP_OK &&
      ktsnap_value_get(&member, &v, "inner.a") == KTSNAP_OK) {
    st = ktsnap_value_u64(&u, &member);
  }
  if (ktsnap_value_kind(&v) == KTSNAP_KIND_STRUCT) st = ktsnap_value_bool(&b, &v);
  if (st == KTSNAP_OK) {
    char *text = NULL;
    size_t len = 0;
    st = ktsnap_render_map(&text, &len, map, &render_opts);
    ktsnap_free(text);
  }
  ktsnap_report_free(report);
  {
    ktsnap_guest_opts gopts = KTSNAP_GUEST_OPTS_INIT;
    ktsnap_guest *guest = NULL;
    gopts.flags = KTSNAP_GUEST_OWN_FD;
    if (ktsnap_guest_open_fd(&guest, 0, &gopts) == KTSNAP_OK) {
      ktsnap_guest_reply reply = {sizeof(ktsnap_guest_reply), 0, 0, 0, 0, NULL, 0};
      if (ktsnap_guest_request(guest, KTSNAP_SNAPSHOT_KIND_CAPTURE, "t", KTSNAP_SNAPSHOT_TIMEOUT_NS, &reply) ==
              KTSNAP_E_REMOTE &&
          reply.outcome == KTSNAP_GUEST_OUTCOME_HOST_ERROR)
        st = KTSNAP_E_REMOTE;
      ktsnap_guest_free(guest);
    }
  }
  {
    /* Every other initialiser macro (each expands differently in C and
     * C++), and the JSON cursor by value. */
    ktsnap_error_info info = KTSNAP_ERROR_INFO_INIT;
    ktsnap_capture_opts copts = KTSNAP_CAPTURE_OPTS_INIT;
    ktsnap_capture_stats cstats = KTSNAP_CAPTURE_STATS_INIT;
    ktsnap_ring_opts ropts = KTSNAP_RING_OPTS_INIT;
    ktsnap_consumer_opts conopts = KTSNAP_CONSUMER_OPTS_INIT;
    ktsnap_bridge_opts bopts = KTSNAP_BRIDGE_OPTS_INIT;
    ktsnap_bridge_store_opts sopts = KTSNAP_BRIDGE_STORE_OPTS_INIT;
    ktsnap_json j;
    ktsnap_json copy;
    if (ktsnap_json_get(&j, NULL, "x") == KTSNAP_OK) {
      copy = j;
      if (ktsnap_json_kind(&copy) != KTSNAP_JSON_INVALID) st = KTSNAP_E_INTERNAL;
    }
    if (info.sz + copts.sz + cstats.sz + ropts.sz + conopts.sz + bopts.sz + sopts.sz == 0) st = KTSNAP_E_INTERNAL;
  }
  {
    /* A capture-source plugin's table and the host side's options. */
    static const ktsnap_plugin table = {sizeof(ktsnap_plugin), KTSNAP_PLUGIN_ABI_MAJOR, 0u, "h", NULL, NULL, NULL, NULL};
    ktsnap_source_opts srcopts = KTSNAP_SOURCE_OPTS_INIT;
    ktsnap_source *source = NULL;
    ktsnap_plugin_request req = {sizeof(ktsnap_plugin_request), "", 0, 1, KTSNAP_TRIGGER_ON_DEMAND, 0};
    char entry[] = KTSNAP_PLUGIN_ENTRY;
    char err[KTSNAP_PLUGIN_ERR_MAX];
    (void)req;
    (void)err;
    srcopts.arg = entry;
    if (table.sz >= KTSNAP_PLUGIN_SIZE_V1 && ktsnap_source_open(&source, "x.so", &srcopts) == KTSNAP_OK) {
      report = NULL;
      if (ktsnap_source_capture(&report, source, "t", KTSNAP_TRIGGER_ON_DEMAND) == KTSNAP_OK)
        ktsnap_report_free(report);
      ktsnap_source_free(source);
    }
  }
  return st == KTSNAP_OK && u > 0 && ktsnap_version() >= KTSNAP_VERSION_NUMBER && ktsnap_features() != 0 ? 0 : 1;
}
