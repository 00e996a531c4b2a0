/* Guard (d): an "old" client. Compiled against abi-check/baseline/ktsnap.h
 * (the header of the last ABI baseline, not include/), linked against and
 * run with the newly built libktsnap.so.1 (ctest abi.old_client). It walks
 * a broad slice of the ABI over the fixture report and checks that the
 * answers agree with each other: a symbol the new library lost fails at
 * load time, a struct whose layout moved or a function whose meaning
 * changed fails a check here.
 * Usage: old_client REPORT.ktsnap */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ktsnap.h"

static int failures;

#define CHECK(cond)                                                                          \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      fprintf(stderr, "old_client: FAIL line %d: %s (last error: %s)\n", __LINE__, #cond, \
              ktsnap_last_error());                                                          \
      failures++;                                                                            \
    }                                                                                        \
  } while (0)
#define CHECK_OK(call) CHECK((call) == KTSNAP_OK)

#define MAX_ENTRIES 4096

static uint64_t column[MAX_ENTRIES];
static int32_t column_status[MAX_ENTRIES];

int main(int argc, char **argv) {
  ktsnap_open_opts open_opts = KTSNAP_OPEN_OPTS_INIT;
  ktsnap_report *report = NULL;
  ktsnap_snapshot *snap = NULL;
  const ktsnap_map *tasks = NULL;
  const ktsnap_map *via_snap = NULL;
  ktsnap_query *all = NULL;
  ktsnap_query *none = NULL;
  ktsnap_bulk_result bulk;
  ktsnap_error_info info;
  uint32_t n;
  uint32_t i;
  uint64_t count = 0;
  uint32_t found = 0;

  if (argc != 2) {
    fprintf(stderr, "usage: %s REPORT.ktsnap\n", argv[0]);
    return 2;
  }

  /* Version handshake: the library is at least as new as this header. */
  CHECK(ktsnap_version() >= KTSNAP_VERSION_NUMBER);
  CHECK(ktsnap_version() / 10000 == KTSNAP_VERSION_MAJOR);
  CHECK(ktsnap_version_string() != NULL && ktsnap_version_string()[0] != '\0');
  CHECK((ktsnap_features() & KTSNAP_FEATURE_BTF) != 0);
  CHECK((ktsnap_features() & KTSNAP_FEATURE_QUERY) != 0);
  CHECK(strcmp(ktsnap_status_str(KTSNAP_E_NOTFOUND), ktsnap_status_str(KTSNAP_OK)) != 0);

  /* Open (options struct with the sz of this header), maps. */
  open_opts.flags = KTSNAP_OPEN_COPY;
  CHECK_OK(ktsnap_report_open_file(&report, argv[1], &open_opts));
  if (report == NULL) return 1;
  CHECK(ktsnap_report_map_count(report) > 0);
  CHECK_OK(ktsnap_report_map_by_name(&tasks, report, "kt_tasks"));
  if (tasks == NULL) return 1;
  CHECK(strcmp(ktsnap_map_name(tasks), "kt_tasks") == 0);
  CHECK(ktsnap_report_map_at(report, ktsnap_map_index(tasks)) == tasks);
  CHECK(!ktsnap_map_is_percpu(tasks));
  CHECK(ktsnap_map_value_size(tasks) > 0);
  n = ktsnap_map_entry_count(tasks);
  CHECK(n > 0 && n <= MAX_ENTRIES);
  if (n == 0 || n > MAX_ENTRIES) return 1;

  /* Snapshot view: the same map by name. */
  CHECK_OK(ktsnap_snapshot_new(&snap, report));
  CHECK_OK(ktsnap_snapshot_map(&via_snap, snap, "kt_tasks"));
  CHECK(via_snap == tasks);

  /* Values by dotted path (the by-value cursor) against a column. */
  memset(&bulk, 0xff, sizeof bulk);
  CHECK_OK(ktsnap_column_u64(column, n, column_status, &bulk, tasks, "tid", 0));
  CHECK(bulk.failed == 0);
  for (i = 0; i < n; i++) {
    ktsnap_value entry;
    ktsnap_value tid;
    ktsnap_value copy;
    uint64_t u = 0;
    CHECK_OK(ktsnap_map_value(&entry, tasks, i));
    CHECK(ktsnap_value_kind(&entry) == KTSNAP_KIND_STRUCT);
    copy = entry; /* a cursor is a plain 32-byte value */
    CHECK_OK(ktsnap_value_get(&tid, &copy, "tid"));
    CHECK_OK(ktsnap_value_u64(&u, &tid));
    CHECK(column_status[i] == KTSNAP_OK);
    CHECK(u == column[i]);
  }

  /* Queries: "true" matches every entry; an impossible one matches none. */
  CHECK_OK(ktsnap_query_compile(&all, tasks, "true"));
  CHECK_OK(ktsnap_query_count(&count, all, 0));
  CHECK(count == n);
  CHECK_OK(ktsnap_query_find(&found, all, 0));
  CHECK(found == 0);
  CHECK_OK(ktsnap_query_compile(&none, tasks, "false"));
  CHECK(ktsnap_query_find(&found, none, 0) == KTSNAP_E_NOTFOUND);

  /* Error details with the sz handshake: the full struct of this header,
   * then only the first fields (status and kind): the library must not
   * write past the caller's sz. */
  CHECK(ktsnap_snapshot_map(&via_snap, snap, "no_such_map") == KTSNAP_E_NOTFOUND);
  memset(&info, 0, sizeof info);
  info.sz = sizeof info;
  CHECK_OK(ktsnap_last_error_info(&info));
  CHECK(info.status == KTSNAP_E_NOTFOUND);
  CHECK(info.kind == KTSNAP_ERROR_MAP_NOT_FOUND);
  CHECK(info.message != NULL && strcmp(info.message, ktsnap_last_error()) == 0);
  CHECK(info.requested != NULL && strcmp(info.requested, "no_such_map") == 0);
  CHECK(info.alternative_count > 0 && info.alternatives != NULL);
  memset(&info, 0xab, sizeof info);
  info.sz = offsetof(ktsnap_error_info, kind_name);
  CHECK_OK(ktsnap_last_error_info(&info));
  CHECK(info.status == KTSNAP_E_NOTFOUND && info.kind == KTSNAP_ERROR_MAP_NOT_FOUND);
  {
    const unsigned char *tail = (const unsigned char *)&info + offsetof(ktsnap_error_info, kind_name);
    size_t k;
    for (k = 0; k < sizeof info - offsetof(ktsnap_error_info, kind_name); k++) CHECK(tail[k] == 0xab);
  }

  ktsnap_query_free(none);
  ktsnap_query_free(all);
  ktsnap_snapshot_free(snap);
  ktsnap_report_free(report);
  if (failures == 0) printf("old_client: %u entries checked against libktsnap %s\n", n, ktsnap_version_string());
  return failures == 0 ? 0 : 1;
}
