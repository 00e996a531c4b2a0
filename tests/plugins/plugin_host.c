/*
 * A capture-source plugin host in one C file, built twice: linked with
 * libktsnap.so.1 and linked with libktsnap.a (tests/CMakeLists.txt,
 * ctests plugin.host_shared and plugin.host_static). The plugin links
 * libktsnap.so.1, so in the static host it would call a second copy of the
 * library with a builder made by the first: ktsnap_source_open() must
 * refuse it with KTSNAP_E_UNSUPPORTED. In the shared host the same plugin
 * loads and captures.
 *   plugin_host PLUGIN.so works|refused
 * Prints one line per check and "N passed, N failed" last.
 */
#include <stdio.h>
#include <string.h>

#include "ktsnap.h"

static int passed, failed;

static void check(int ok, const char *what) {
  printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  if (ok)
    passed++;
  else
    failed++;
}

int main(int argc, char **argv) {
  ktsnap_source *src = NULL;
  ktsnap_status st;
  if (argc != 3 || (strcmp(argv[2], "works") != 0 && strcmp(argv[2], "refused") != 0)) {
    fprintf(stderr, "usage: %s PLUGIN.so works|refused\n", argv[0]);
    return 2;
  }
  st = ktsnap_source_open(&src, argv[1], NULL);
  if (strcmp(argv[2], "refused") == 0) {
    check(st == KTSNAP_E_UNSUPPORTED, "ktsnap_source_open refuses the plugin with KTSNAP_E_UNSUPPORTED");
    check(src == NULL, "no source is returned");
    check(strstr(ktsnap_last_error(), "another copy of libktsnap") != NULL,
          "the message says the plugin would call another copy of libktsnap");
    printf("  message: %s\n", ktsnap_last_error());
    /* The host is still usable: the next call fails cleanly too. */
    st = ktsnap_source_open(&src, argv[1], NULL);
    check(st == KTSNAP_E_UNSUPPORTED && src == NULL, "a second attempt is refused the same way");
  } else {
    ktsnap_report *rep = NULL;
    check(st == KTSNAP_OK && src != NULL, "ktsnap_source_open loads the plugin");
    if (src != NULL) {
      st = ktsnap_source_capture(&rep, src, "host-test", KTSNAP_TRIGGER_ON_DEMAND);
      check(st == KTSNAP_OK && rep != NULL, "ktsnap_source_capture returns a report");
      if (st != KTSNAP_OK) printf("  error: %s\n", ktsnap_last_error());
      check(rep != NULL && ktsnap_report_map_count(rep) == 1, "the report holds the plugin's one map");
      ktsnap_report_free(rep);
      ktsnap_source_free(src);
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
