// Shared machinery of the C ABI boundary: the per-thread last error, the one
// exception guard every entry point runs inside, argument checks and the
// options-struct (sz) rules. Nothing here is exported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>

#include "internal/status.hpp"
#include "ktsnap.h"

namespace ktsnap {
inline namespace v1 {
namespace view {
class SnapshotError;
}
}  // namespace v1
}  // namespace ktsnap

namespace ktsnap::capi {

// ---- last error --------------------------------------------------------

// Forgets the previous failure of this thread. Never allocates.
void clear_error() noexcept;
// Records a failure and returns `status`. Never throws: when even the
// message cannot be stored, a fixed text takes its place.
ktsnap_status fail(ktsnap_status status, std::string_view message, int sys_errno = 0) noexcept;
ktsnap_status fail(const Error& e) noexcept;
// Records a view-layer error: its message, and its details for
// ktsnap_last_error_info().
ktsnap_status fail_view(const view::SnapshotError& e) noexcept;

inline ktsnap_status to_status(Code c) noexcept { return static_cast<ktsnap_status>(c); }

// ---- the guard ---------------------------------------------------------

// Records a failure whose message is the concatenation of the parts; the
// concatenation happens inside, so a caller in a catch handler allocates
// nothing that could throw again.
ktsnap_status fail_parts(ktsnap_status status, std::string_view a, std::string_view b,
                         std::string_view c = {}, std::string_view d = {}) noexcept;

// Runs `body` (which returns ktsnap_status) after clearing the last error and
// turns anything it throws into a status: bad_alloc -> NOMEM, any other
// exception -> INTERNAL naming the entry point. The only try/catch of an
// entry point.
template <typename F>
ktsnap_status guard(const char* fn, F&& body) noexcept {
  clear_error();
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail_parts(KTSNAP_E_NOMEM, fn, ": out of memory");
  } catch (const std::exception& e) {
    return fail_parts(KTSNAP_E_INTERNAL, fn, ": unexpected exception: ", e.what());
  } catch (...) {
    return fail_parts(KTSNAP_E_INTERNAL, fn, ": unexpected non-standard exception");
  }
}

// The same for getters that return a value directly: on a throw the last
// error is set and `fallback` is returned.
template <typename T, typename F>
T guard_value(const char* fn, T fallback, F&& body) noexcept {
  clear_error();
  try {
    return body();
  } catch (const std::bad_alloc&) {
    fail_parts(KTSNAP_E_NOMEM, fn, ": out of memory");
  } catch (const std::exception& e) {
    fail_parts(KTSNAP_E_INTERNAL, fn, ": unexpected exception: ", e.what());
  } catch (...) {
    fail_parts(KTSNAP_E_INTERNAL, fn, ": unexpected non-standard exception");
  }
  return fallback;
}

// ---- argument checks ---------------------------------------------------

// "ktsnap_x: argument 'out' is NULL" as KTSNAP_E_INVALID.
ktsnap_status null_arg(const char* fn, const char* arg) noexcept;

#define KTSNAP_CAPI_REQUIRE(fn, ptr)                                  \
  do {                                                                \
    if ((ptr) == nullptr) return ::ktsnap::capi::null_arg(fn, #ptr); \
  } while (0)

// Status of a core Result/Status: OK, or the error recorded.
template <typename R>
ktsnap_status check(const R& r) noexcept {
  return r.ok() ? KTSNAP_OK : fail(r.error());
}

// ---- options structs ---------------------------------------------------

// Checks the size handshake of a caller's struct whose library size is
// `known`: NULL is fine (defaults), sz < sizeof(size_t) is rejected, and
// when sz > known every byte past `known` must be zero. On success *sz_out
// holds the caller's sz (0 for NULL).
ktsnap_status check_sz(const void* opts, size_t known, const char* struct_name, size_t* sz_out) noexcept;

// True when field `field` of *ptr lies wholly inside the caller's sz.
#define KTSNAP_CAPI_HAS(ptr, sz, field) \
  (offsetof(std::remove_cv_t<std::remove_pointer_t<decltype(ptr)>>, field) + sizeof((ptr)->field) <= (sz))
// The field when it lies inside sz, else `def`.
#define KTSNAP_CAPI_GET(ptr, sz, field, def) (KTSNAP_CAPI_HAS(ptr, sz, field) ? (ptr)->field : (def))

// Rejects non-zero bytes in a `reserved` array (only the part inside sz).
ktsnap_status check_reserved(const uint8_t* reserved, size_t offset, size_t count, size_t sz,
                             const char* struct_name) noexcept;

// Rejects flag bits outside `known`.
ktsnap_status check_flags(uint32_t flags, uint32_t known, const char* struct_name) noexcept;

// sz-first output structs, filled by the library: *sz_out = the caller's
// sz, which must at least hold the sz field (else KTSNAP_E_INVALID naming
// `fn`, the argument `arg` and `struct_name`). `out` must not be NULL.
ktsnap_status out_sz(const void* out, const char* fn, const char* arg, const char* struct_name,
                     size_t* sz_out) noexcept;

// Writes the part of `full` (whose sz is the caller's) that lies inside sz.
template <typename T>
void copy_out_sz(T* out, const T& full, size_t sz) noexcept {
  std::memcpy(out, &full, sz < sizeof full ? sz : sizeof full);
}

// The _init functions: zero sz bytes and store sz.
ktsnap_status init_sz(void* opts, size_t sz, const char* fn) noexcept;

// ---- buffers handed to the caller --------------------------------------

// Copies `s` into a malloc'ed NUL-terminated buffer (freed by ktsnap_free).
ktsnap_status dup_out(std::string_view s, char** out, size_t* len_out, const char* fn) noexcept;

// Copies `s` into the caller's buffer; KTSNAP_E_RANGE when it does not fit
// with its NUL. *len_out always gets s.size().
ktsnap_status copy_out(std::string_view s, char* buf, size_t buf_size, size_t* len_out, const char* fn) noexcept;

}  // namespace ktsnap::capi
