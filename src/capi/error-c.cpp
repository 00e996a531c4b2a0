// The core of the C ABI's error plumbing: the per-thread last error, status
// names, and the argument and options-struct (sz) checks that every *-c.cpp
// file uses. It depends on nothing but the standard library, ktsnap.h and
// the header-only internal/status.hpp, so a program that takes only part of
// the C ABI (the static guest program of tests/vm) compiles this file as it
// is. View errors' details are added by status-c.cpp.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "capi/common-c.hpp"
#include "capi/last-error-c.hpp"
#include "internal/status.hpp"

namespace ktsnap::capi {

LastError& last() noexcept {
  thread_local LastError e;
  return e;
}

void drop_detail(LastError& e) noexcept {
  if (!e.has_detail) return;
  e.has_detail = false;
  e.has_view = false;
  e.column = 0;
  e.alternatives.clear();
  e.alt_ptrs.clear();
  e.key_ptrs.clear();
}

namespace {

constexpr const char* kNoRoomForMessage = "ktsnap: out of memory while recording the error message";

}  // namespace

void clear_error() noexcept {
  LastError& e = last();
  e.buf.clear();  // keeps capacity; never allocates
  e.text = "";
  e.sys_errno = 0;
  e.status = KTSNAP_OK;
  drop_detail(e);
}

ktsnap_status fail_parts(ktsnap_status status, std::string_view a, std::string_view b, std::string_view c,
                         std::string_view d) noexcept {
  LastError& e = last();
  e.sys_errno = 0;
  e.status = status;
  drop_detail(e);
  try {
    e.buf.clear();
    e.buf.reserve(a.size() + b.size() + c.size() + d.size());
    e.buf.append(a).append(b).append(c).append(d);
    e.text = e.buf.c_str();
  } catch (...) {
    e.text = kNoRoomForMessage;
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
  // A core error that claims success is a bug; never report OK as a failure.
  if (st >= 0) st = KTSNAP_E_INTERNAL;
  fail(st, err.message.empty() ? std::string_view(ktsnap_status_str(st)) : std::string_view(err.message),
       err.sys_errno);
  if (err.column != 0 || !err.alternatives.empty()) {
    LastError& e = last();
    try {
      e.has_detail = true;
      e.column = err.column;
      e.alternatives = err.alternatives;
      for (const auto& a : e.alternatives) e.alt_ptrs.push_back(a.c_str());
    } catch (...) {
      drop_detail(e);  // the message stays; only the details are lost
    }
  }
  return st;
}

ktsnap_status null_arg(const char* fn, const char* arg) noexcept {
  return fail_parts(KTSNAP_E_INVALID, fn, ": argument '", arg, "' is NULL");
}

ktsnap_status out_sz(const void* out, const char* fn, const char* arg, const char* struct_name,
                     size_t* sz_out) noexcept {
  std::memcpy(sz_out, out, sizeof *sz_out);
  if (*sz_out >= sizeof(size_t)) return KTSNAP_OK;
  try {
    return fail(KTSNAP_E_INVALID, std::string(fn) + ": " + arg + "->sz is too small; set it to sizeof(" +
                                      struct_name + ")");
  } catch (...) {
    return fail_parts(KTSNAP_E_INVALID, fn, ": an sz-first output struct has sz too small");
  }
}

ktsnap_status check_sz(const void* opts, size_t known, const char* struct_name, size_t* sz_out) noexcept {
  *sz_out = 0;
  if (opts == nullptr) return KTSNAP_OK;
  size_t sz = 0;
  std::memcpy(&sz, opts, sizeof sz);
  if (sz < sizeof(size_t)) {
    std::string msg;
    try {
      msg = std::string(struct_name) + ": sz " + std::to_string(sz) + " too small (at least " +
            std::to_string(sizeof(size_t)) + ", this library's size is " + std::to_string(known) + ")";
    } catch (...) {
      return fail(KTSNAP_E_INVALID, "options struct: sz too small");
    }
    return fail(KTSNAP_E_INVALID, msg);
  }
  if (sz > known) {
    const auto* p = static_cast<const unsigned char*>(opts);
    for (size_t i = known; i < sz; i++) {
      if (p[i] != 0) {
        std::string msg;
        try {
          msg = std::string(struct_name) + ": non-zero byte at offset " + std::to_string(i) +
                " beyond the " + std::to_string(known) + " bytes this library knows (sz " + std::to_string(sz) +
                "); a newer header's field is set that this library cannot honour";
        } catch (...) {
          return fail(KTSNAP_E_INVALID, "options struct: unknown non-zero trailing bytes");
        }
        return fail(KTSNAP_E_INVALID, msg);
      }
    }
  }
  *sz_out = sz;
  return KTSNAP_OK;
}

ktsnap_status check_reserved(const uint8_t* reserved, size_t offset, size_t count, size_t sz,
                             const char* struct_name) noexcept {
  for (size_t i = 0; i < count && offset + i < sz; i++) {
    if (reserved[i] != 0) {
      std::string msg;
      try {
        msg = std::string(struct_name) + ": reserved[" + std::to_string(i) + "] is " +
              std::to_string(unsigned(reserved[i])) + ", must be zero";
      } catch (...) {
        return fail(KTSNAP_E_INVALID, "options struct: reserved bytes must be zero");
      }
      return fail(KTSNAP_E_INVALID, msg);
    }
  }
  return KTSNAP_OK;
}

ktsnap_status check_flags(uint32_t flags, uint32_t known, const char* struct_name) noexcept {
  if ((flags & ~known) == 0) return KTSNAP_OK;
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%x", flags & ~known);
  return fail_parts(KTSNAP_E_INVALID, struct_name, ": unknown flag bits ", hex);
}

ktsnap_status init_sz(void* opts, size_t sz, const char* fn) noexcept {
  if (opts == nullptr) return null_arg(fn, "opts");
  if (sz < sizeof(size_t)) {
    std::string msg;
    try {
      msg = std::string(fn) + ": sz " + std::to_string(sz) + " too small (at least " +
            std::to_string(sizeof(size_t)) + ")";
    } catch (...) {
      return fail(KTSNAP_E_INVALID, "options init: sz too small");
    }
    return fail(KTSNAP_E_INVALID, msg);
  }
  std::memset(opts, 0, sz);
  std::memcpy(opts, &sz, sizeof sz);
  return KTSNAP_OK;
}

ktsnap_status dup_out(std::string_view s, char** out, size_t* len_out, const char* fn) noexcept {
  auto* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) return fail_parts(KTSNAP_E_NOMEM, fn, ": out of memory copying the result");
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  *out = p;
  if (len_out) *len_out = s.size();
  return KTSNAP_OK;
}

ktsnap_status copy_out(std::string_view s, char* buf, size_t buf_size, size_t* len_out, const char* fn) noexcept {
  *len_out = s.size();
  if (buf_size <= s.size()) {
    if (buf != nullptr && buf_size > 0) buf[0] = '\0';
    std::string msg;
    try {
      msg = std::string(fn) + ": buffer of " + std::to_string(buf_size) + " bytes is too small; " +
            std::to_string(s.size() + 1) + " needed (length in *len_out, plus the NUL)";
    } catch (...) {
      return fail(KTSNAP_E_RANGE, "buffer too small");
    }
    return fail(KTSNAP_E_RANGE, msg);
  }
  if (buf == nullptr) return null_arg(fn, "buf");
  if (!s.empty()) std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  return KTSNAP_OK;
}

}  // namespace ktsnap::capi

using namespace ktsnap::capi;

extern "C" {

KTSNAP_API const char* ktsnap_status_str(ktsnap_status status) noexcept {
  switch (status) {
    case KTSNAP_OK: return "success";
    case KTSNAP_E_INVALID: return "invalid argument";
    case KTSNAP_E_NOMEM: return "out of memory";
    case KTSNAP_E_NOTFOUND: return "not found";
    case KTSNAP_E_AGAIN: return "try again";
    case KTSNAP_E_TIMEOUT: return "timed out";
    case KTSNAP_E_VERSION: return "version mismatch";
    case KTSNAP_E_UNSUPPORTED: return "not supported";
    case KTSNAP_E_IO: return "input/output error";
    case KTSNAP_E_INTERNAL: return "internal error";
    case KTSNAP_E_FORMAT: return "malformed data";
    case KTSNAP_E_TYPE: return "type mismatch";
    case KTSNAP_E_RANGE: return "out of range";
    case KTSNAP_E_PERM: return "permission denied";
    case KTSNAP_E_BUSY: return "resource busy";
    case KTSNAP_E_REMOTE: return "refused by the host";
    default: return status < 0 ? "unknown error" : "unknown status";
  }
}

KTSNAP_API const char* ktsnap_last_error(void) noexcept {
  // thread_local construction of std::string does not allocate.
  return last().text;
}

KTSNAP_API int32_t ktsnap_last_errno(void) noexcept { return last().sys_errno; }

KTSNAP_API void ktsnap_free(void* ptr) noexcept { std::free(ptr); }

}  // extern "C"
