/* A stand-in "libktsnap" for the dlopen example's error tests: it exports
 * only ktsnap_version(), answering FAKE_KTSNAP_VERSION (20000 = another
 * major; 10000 = this major, with every other symbol missing). */
#include <stdint.h>

__attribute__((visibility("default"))) uint32_t ktsnap_version(void);
__attribute__((visibility("default"))) uint32_t ktsnap_version(void) { return FAKE_KTSNAP_VERSION; }
