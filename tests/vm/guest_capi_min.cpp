// The error plumbing of the C ABI, reduced to what src/capi/guest-c.cpp
// uses, for the static guest program (tests/vm/guest_request.c): that
// program compiles the guest client and its C ABI file directly, without
// the rest of the library (libbpf, simdjson, the report layers). Same
// behaviour as src/capi/status-c.cpp for these calls; no error details
// beyond the message and errno.
#include <cstring>
#include <string>

#include "capi/common-c.hpp"

namespace ktsnap::capi {
namespace {

struct LastError {
  std::string buf;
  const char* text = "";
  int32_t sys_errno = 0;
};

LastError& last() {
  thread_local LastError e;
  return e;
}

}  // namespace

void clear_error() noexcept {
  LastError& e = last();
  e.buf.clear();
  e.text = "";
  e.sys_errno = 0;
}

ktsnap_status fail_parts(ktsnap_status status, std::string_view a, std::string_view b, std::string_view c,
                         std::string_view d) noexcept {
  LastError& e = last();
  e.sys_errno = 0;
  try {
    e.buf.clear();
    e.buf.append(a).append(b).append(c).append(d);
    e.text = e.buf.c_str();
  } catch (...) {
    e.text = "(no memory for the error message)";
  }
  return status;
}

ktsnap_status fail(ktsnap_status status, std::string_view message, int sys_errno) noexcept {
  fail_parts(status, message, {});
  last().sys_errno = sys_errno;
  return status;
}

ktsnap_status fail(const Error& err) noexcept {
  ktsnap_status st = to_status(err.code);
  if (st >= 0) st = KTSNAP_E_INTERNAL;
  return fail(st, err.message, err.sys_errno);
}

ktsnap_status null_arg(const char* fn, const char* arg) noexcept {
  return fail_parts(KTSNAP_E_INVALID, fn, ": argument '", arg, "' is NULL");
}

ktsnap_status out_sz(const void* out, const char* fn, const char* arg, const char* struct_name,
                     size_t* sz_out) noexcept {
  std::memcpy(sz_out, out, sizeof *sz_out);
  if (*sz_out >= sizeof(size_t)) return KTSNAP_OK;
  (void)struct_name;
  return fail_parts(KTSNAP_E_INVALID, fn, ": ", arg, "->sz is too small");
}

ktsnap_status check_sz(const void* opts, size_t known, const char* struct_name, size_t* sz_out) noexcept {
  *sz_out = 0;
  if (opts == nullptr) return KTSNAP_OK;
  size_t sz = 0;
  std::memcpy(&sz, opts, sizeof sz);
  if (sz < sizeof(size_t)) return fail_parts(KTSNAP_E_INVALID, struct_name, ": sz too small");
  const auto* p = static_cast<const unsigned char*>(opts);
  for (size_t i = known; i < sz; i++)
    if (p[i] != 0) return fail_parts(KTSNAP_E_INVALID, struct_name, ": non-zero byte beyond the known fields");
  *sz_out = sz;
  return KTSNAP_OK;
}

ktsnap_status check_reserved(const uint8_t* reserved, size_t offset, size_t count, size_t sz,
                             const char* struct_name) noexcept {
  for (size_t i = 0; i < count && offset + i < sz; i++)
    if (reserved[i] != 0) return fail_parts(KTSNAP_E_INVALID, struct_name, ": reserved bytes must be zero");
  return KTSNAP_OK;
}

ktsnap_status check_flags(uint32_t flags, uint32_t known, const char* struct_name) noexcept {
  if ((flags & ~known) == 0) return KTSNAP_OK;
  return fail_parts(KTSNAP_E_INVALID, struct_name, ": unknown flag bits");
}

ktsnap_status init_sz(void* opts, size_t sz, const char* fn) noexcept {
  if (opts == nullptr) return null_arg(fn, "opts");
  if (sz < sizeof(size_t)) return fail_parts(KTSNAP_E_INVALID, fn, ": sz too small");
  std::memset(opts, 0, sz);
  std::memcpy(opts, &sz, sizeof sz);
  return KTSNAP_OK;
}

}  // namespace ktsnap::capi

extern "C" {

KTSNAP_API const char* ktsnap_last_error(void) noexcept { return ktsnap::capi::last().text; }

KTSNAP_API int32_t ktsnap_last_errno(void) noexcept { return ktsnap::capi::last().sys_errno; }

KTSNAP_API const char* ktsnap_status_str(ktsnap_status status) noexcept {
  switch (status) {
    case KTSNAP_OK: return "success";
    case KTSNAP_E_INVALID: return "invalid argument";
    case KTSNAP_E_NOMEM: return "out of memory";
    case KTSNAP_E_NOTFOUND: return "not found";
    case KTSNAP_E_TIMEOUT: return "timed out";
    case KTSNAP_E_IO: return "input/output error";
    case KTSNAP_E_PERM: return "permission denied";
    case KTSNAP_E_BUSY: return "resource busy";
    case KTSNAP_E_REMOTE: return "refused by the host";
    default: return "error";
  }
}

}  // extern "C"
