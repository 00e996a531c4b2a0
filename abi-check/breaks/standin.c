/* A stand-in for libktsnap used by test-breaks.sh: four exported functions
 * with the real declarations of the ktsnap.h it is compiled against (the
 * unmodified header for the control library, a broken copy for a
 * variant), so that abidiff sees exactly what a rebuilt libktsnap would
 * show for the same header change, in a second instead of a full build.
 * The bodies are trivial; only their DWARF and ELF symbols matter. */
#include <string.h>

#include "ktsnap.h"

uint32_t ktsnap_version(void) { return KTSNAP_VERSION_NUMBER; }

ktsnap_status ktsnap_open_opts_init(ktsnap_open_opts *opts, size_t sz) {
  if (opts == NULL || sz < sizeof(size_t)) return KTSNAP_E_INVALID;
  memset(opts, 0, sz);
  opts->sz = sz;
  return KTSNAP_OK;
}

ktsnap_status ktsnap_report_open_file(ktsnap_report **out, const char *path, const ktsnap_open_opts *opts) {
  (void)path;
  (void)opts;
  if (out != NULL) *out = NULL;
  return KTSNAP_E_UNSUPPORTED;
}

ktsnap_status ktsnap_value_u64(uint64_t *out, const ktsnap_value *value) {
  if (out == NULL || value == NULL) return KTSNAP_E_INVALID;
  *out = value->_bits;
  return KTSNAP_OK;
}
