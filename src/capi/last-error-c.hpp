// The per-thread last error of the C ABI, shared by error-c.cpp (the core:
// message, errno, status, a core Error's column and alternatives) and
// status-c.cpp (a view error's details for ktsnap_last_error_info()).
// Nothing here is exported.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ktsnap.h"

namespace ktsnap::capi {

// The last failure of this thread. `text` points either into `buf` or at a
// static string (the empty message, or the fallback when `buf` could not
// hold the message). Details are kept only when a failure has them
// (`has_detail`), so clearing a plain failure touches a few words. A view
// error's own details live beside this in status-c.cpp and count only while
// `has_view` is set; every new failure clears it.
struct LastError {
  std::string buf;
  const char* text = "";
  int32_t sys_errno = 0;
  ktsnap_status status = KTSNAP_OK;
  bool has_detail = false;
  bool has_view = false;
  uint32_t column = 0;
  std::vector<std::string> alternatives;  // a core Error's alternatives
  std::vector<const char*> alt_ptrs;      // what exists instead (either kind)
  std::vector<const char*> key_ptrs;      // a view NoMatch's sample keys
};

// This thread's last error.
LastError& last() noexcept;

// Forgets the details of the last error (not its message).
void drop_detail(LastError& e) noexcept;

}  // namespace ktsnap::capi
