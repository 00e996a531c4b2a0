// Internal error currency: a status code plus a message, and Result<T>.
// Codes map one-to-one onto ktsnap_status in include/ktsnap.h (the C ABI
// translates; tests/unit/status_test.cpp checks every code).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ktsnap {
inline namespace v1 {

enum class Code : int32_t {
  Ok = 0,
  Invalid = -1,      // bad argument or options struct
  NoMem = -2,
  NotFound = -3,
  Again = -4,
  Timeout = -5,
  Version = -6,      // format or ABI version mismatch
  Unsupported = -7,
  Io = -8,
  Internal = -9,
  Format = -10,      // malformed input data (report, BTF, frame)
  Type = -11,        // value is not of the requested type
  Range = -12,       // index or value out of range
  Perm = -13,
  Busy = -14,
  Remote = -15,      // the peer (the host) answered a request with an error
};

struct Error {
  Code code = Code::Internal;
  std::string message;
  int sys_errno = 0;  // errno from the kernel or libc, kept apart from code
  // Optional details for callers that build their own message (the C ABI's
  // ktsnap_error_info): the 1-based column of an expression or path error
  // (0 = none) and what exists instead of an unknown name.
  uint32_t column = 0;
  std::vector<std::string> alternatives;

  Error() = default;
  Error(Code c, std::string m, int e = 0) : code(c), message(std::move(m)), sys_errno(e) {}
};

// Value or Error. Deliberately small: no exceptions, no implicit bool.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT: implicit by design
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(std::move(e)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  const Error& error() const { return err_; }
  Error&& take_error() { return std::move(err_); }

 private:
  Error err_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Error make_error(Code c, std::string m, int e = 0) { return Error(c, std::move(m), e); }

}  // namespace v1
}  // namespace ktsnap
