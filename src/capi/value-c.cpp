// The by-value ktsnap_value cursor: kinds, navigation, scalar conversions,
// strings, raw bytes and typed array extracts.
#include <string>
#include <vector>

#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"
#include "value/value.hpp"

using namespace ktsnap;
using namespace ktsnap::capi;

namespace {

// Runs `f(value)` inside the guard after unpacking the cursor.
template <typename F>
ktsnap_status with_value(const char* fn, const ktsnap_value* in, F&& f) noexcept {
  return guard(fn, [&]() -> ktsnap_status {
    Value v;
    if (!unpack(in, v)) return bad_value(fn, in);
    return f(v);
  });
}

// One step of navigation: out = step(value).
template <typename F>
ktsnap_status navigate(const char* fn, ktsnap_value* out, const ktsnap_value* in, F&& step) noexcept {
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    // `in` may alias `out` (v = v.member): read it before clearing out.
    Value v;
    bool ok = unpack(in, v);
    *out = ktsnap_value{};
    if (!ok) return bad_value(fn, in);
    Result<Value> r = step(v);
    if (!r.ok()) return fail(r.error());
    *out = pack(r.value());
    return KTSNAP_OK;
  });
}

// A scalar conversion: *out = conv(value), 0 on failure.
template <typename T, typename F>
ktsnap_status scalar(const char* fn, T* out, const ktsnap_value* in, F&& conv) noexcept {
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = T{};
    Value v;
    if (!unpack(in, v)) return bad_value(fn, in);
    auto r = conv(v);
    if (!r.ok()) return fail(r.error());
    *out = static_cast<T>(r.value());
    return KTSNAP_OK;
  });
}

// An array extract into the caller's array.
template <typename CT, typename VT, typename F>
ktsnap_status extract(const char* fn, CT* out, size_t cap, size_t* count_out, const ktsnap_value* in,
                      F&& conv) noexcept {
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, count_out);
    *count_out = 0;
    if (out == nullptr && cap != 0) return null_arg(fn, "out");
    Value v;
    if (!unpack(in, v)) return bad_value(fn, in);
    std::vector<VT> tmp;
    Status st = conv(v, tmp);
    if (!st.ok()) return fail(st.error());
    *count_out = tmp.size();
    if (tmp.size() > cap)
      return fail(KTSNAP_E_RANGE, std::string(fn) + ": the array has " + std::to_string(tmp.size()) +
                                      " elements but cap is " + std::to_string(cap) + " (count in *count_out)");
    for (size_t i = 0; i < tmp.size(); i++) out[i] = static_cast<CT>(tmp[i]);
    return KTSNAP_OK;
  });
}

}  // namespace

extern "C" {

KTSNAP_API uint32_t ktsnap_value_kind(const ktsnap_value* value) noexcept {
  return guard_value<uint32_t>("ktsnap_value_kind", KTSNAP_KIND_INVALID, [&]() -> uint32_t {
    Value v;
    if (!unpack(value, v)) return KTSNAP_KIND_INVALID;
    return static_cast<uint32_t>(v.kind());
  });
}

KTSNAP_API const char* ktsnap_value_kind_name(uint32_t kind) noexcept {
  if (kind > KTSNAP_KIND_UNSUPPORTED) return "unknown";
  return value_kind_name(static_cast<ValueKind>(kind));
}

KTSNAP_API ktsnap_status ktsnap_value_type_name(char* buf, size_t buf_size, size_t* len_out,
                                                const ktsnap_value* value) noexcept {
  static constexpr const char* fn = "ktsnap_value_type_name";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, len_out);
    *len_out = 0;
    if (buf == nullptr && buf_size != 0) return null_arg(fn, "buf");
    if (buf != nullptr && buf_size != 0) buf[0] = '\0';
    Value v;
    if (!unpack(value, v)) return bad_value(fn, value);
    return copy_out(v.type_name(), buf, buf_size, len_out, fn);
  });
}

KTSNAP_API ktsnap_status ktsnap_value_type_name_dup(char** out, const ktsnap_value* value) noexcept {
  static constexpr const char* fn = "ktsnap_value_type_name_dup";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    Value v;
    if (!unpack(value, v)) return bad_value(fn, value);
    return dup_out(v.type_name(), out, nullptr, fn);
  });
}

KTSNAP_API uint64_t ktsnap_value_size(const ktsnap_value* value) noexcept {
  return guard_value<uint64_t>("ktsnap_value_size", 0u, [&]() -> uint64_t {
    Value v;
    if (!unpack(value, v)) {
      bad_value("ktsnap_value_size", value);
      return 0;
    }
    return v.size();
  });
}

KTSNAP_API bool ktsnap_value_is_truncated(const ktsnap_value* value) noexcept {
  return guard_value<bool>("ktsnap_value_is_truncated", false, [&]() -> bool {
    Value v;
    if (!unpack(value, v)) {
      bad_value("ktsnap_value_is_truncated", value);
      return false;
    }
    return v.truncated();
  });
}

KTSNAP_API ktsnap_status ktsnap_value_member(ktsnap_value* out, const ktsnap_value* value, const char* name) noexcept {
  return navigate("ktsnap_value_member", out, value, [&](const Value& v) -> Result<Value> {
    if (name == nullptr) return make_error(Code::Invalid, "ktsnap_value_member: argument 'name' is NULL");
    return v.member(name);
  });
}

KTSNAP_API ktsnap_status ktsnap_value_index(ktsnap_value* out, const ktsnap_value* value, uint64_t i) noexcept {
  return navigate("ktsnap_value_index", out, value, [&](const Value& v) { return v.index(i); });
}

KTSNAP_API ktsnap_status ktsnap_value_deref(ktsnap_value* out, const ktsnap_value* value) noexcept {
  return navigate("ktsnap_value_deref", out, value, [](const Value& v) { return v.deref(); });
}

KTSNAP_API ktsnap_status ktsnap_value_get(ktsnap_value* out, const ktsnap_value* value, const char* path) noexcept {
  return navigate("ktsnap_value_get", out, value, [&](const Value& v) -> Result<Value> {
    if (path == nullptr) return make_error(Code::Invalid, "ktsnap_value_get: argument 'path' is NULL");
    return v.get(path);
  });
}

KTSNAP_API ktsnap_status ktsnap_value_length(uint64_t* out, const ktsnap_value* value) noexcept {
  return scalar("ktsnap_value_length", out, value, [](const Value& v) { return v.length(); });
}

KTSNAP_API ktsnap_status ktsnap_value_member_count(size_t* out, const ktsnap_value* value) noexcept {
  static constexpr const char* fn = "ktsnap_value_member_count";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = 0;
    Value v;
    if (!unpack(value, v)) return bad_value(fn, value);
    auto names = v.member_names();
    if (!names.ok()) return fail(names.error());
    *out = names.value().size();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_value_member_name(const char** out, size_t* len_out, const ktsnap_value* value,
                                                  size_t idx) noexcept {
  static constexpr const char* fn = "ktsnap_value_member_name";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    if (len_out) *len_out = 0;
    Value v;
    if (!unpack(value, v)) return bad_value(fn, value);
    auto names = v.member_names();
    if (!names.ok()) return fail(names.error());
    const auto& n = names.value();
    if (idx >= n.size())
      return fail(KTSNAP_E_RANGE, std::string(fn) + ": member index " + std::to_string(idx) + " out of range (" +
                                      v.type_name() + " has " + std::to_string(n.size()) + " members)");
    // Member and variable names point into the BTF string section, which
    // is NUL-terminated and lives as long as the report.
    *out = n[idx].data();
    if (len_out) *len_out = n[idx].size();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_value_u64(uint64_t* out, const ktsnap_value* value) noexcept {
  return scalar("ktsnap_value_u64", out, value, [](const Value& v) { return v.as_u64(); });
}

KTSNAP_API ktsnap_status ktsnap_value_i64(int64_t* out, const ktsnap_value* value) noexcept {
  return scalar("ktsnap_value_i64", out, value, [](const Value& v) { return v.as_i64(); });
}

KTSNAP_API ktsnap_status ktsnap_value_f64(double* out, const ktsnap_value* value) noexcept {
  return scalar("ktsnap_value_f64", out, value, [](const Value& v) { return v.as_f64(); });
}

KTSNAP_API ktsnap_status ktsnap_value_bool(bool* out, const ktsnap_value* value) noexcept {
  return scalar("ktsnap_value_bool", out, value, [](const Value& v) { return v.as_bool(); });
}

KTSNAP_API ktsnap_status ktsnap_value_string(char* buf, size_t buf_size, size_t* len_out,
                                             const ktsnap_value* value) noexcept {
  static constexpr const char* fn = "ktsnap_value_string";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, len_out);
    *len_out = 0;
    if (buf == nullptr && buf_size != 0) return null_arg(fn, "buf");
    if (buf != nullptr && buf_size != 0) buf[0] = '\0';
    Value v;
    if (!unpack(value, v)) return bad_value(fn, value);
    auto s = v.as_string();
    if (!s.ok()) return fail(s.error());
    return copy_out(s.value(), buf, buf_size, len_out, fn);
  });
}

KTSNAP_API ktsnap_status ktsnap_value_string_dup(char** out, size_t* len_out, const ktsnap_value* value) noexcept {
  static constexpr const char* fn = "ktsnap_value_string_dup";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    if (len_out) *len_out = 0;
    Value v;
    if (!unpack(value, v)) return bad_value(fn, value);
    auto s = v.as_string();
    if (!s.ok()) return fail(s.error());
    return dup_out(s.value(), out, len_out, fn);
  });
}

KTSNAP_API ktsnap_status ktsnap_value_enum_name(const char** out, const ktsnap_value* value) noexcept {
  static constexpr const char* fn = "ktsnap_value_enum_name";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    Value v;
    if (!unpack(value, v)) return bad_value(fn, value);
    auto n = v.enum_name();
    if (!n.ok()) return fail(n.error());
    // Enumerator names live in the BTF string section (NUL-terminated).
    *out = n.value().data();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_value_bytes(const void** out, size_t* len_out, const ktsnap_value* value) noexcept {
  static constexpr const char* fn = "ktsnap_value_bytes";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    KTSNAP_CAPI_REQUIRE(fn, len_out);
    *out = nullptr;
    *len_out = 0;
    Value v;
    if (!unpack(value, v)) return bad_value(fn, value);
    uint64_t size = v.size();
    uint64_t have = v.available();
    uint64_t n = (size != 0 && size <= have) ? size : have;
    *out = v.data();
    *len_out = static_cast<size_t>(n);
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_value_u64_array(uint64_t* out, size_t cap, size_t* count_out,
                                                const ktsnap_value* value) noexcept {
  return extract<uint64_t, uint64_t>("ktsnap_value_u64_array", out, cap, count_out, value,
                                     [](const Value& v, std::vector<uint64_t>& t) { return v.as_u64_array(t); });
}

KTSNAP_API ktsnap_status ktsnap_value_u32_array(uint32_t* out, size_t cap, size_t* count_out,
                                                const ktsnap_value* value) noexcept {
  return extract<uint32_t, uint32_t>("ktsnap_value_u32_array", out, cap, count_out, value,
                                     [](const Value& v, std::vector<uint32_t>& t) { return v.as_u32_array(t); });
}

KTSNAP_API ktsnap_status ktsnap_value_i64_array(int64_t* out, size_t cap, size_t* count_out,
                                                const ktsnap_value* value) noexcept {
  return extract<int64_t, int64_t>("ktsnap_value_i64_array", out, cap, count_out, value,
                                   [](const Value& v, std::vector<int64_t>& t) { return v.as_i64_array(t); });
}

KTSNAP_API ktsnap_status ktsnap_value_f64_array(double* out, size_t cap, size_t* count_out,
                                                const ktsnap_value* value) noexcept {
  return extract<double, double>("ktsnap_value_f64_array", out, cap, count_out, value,
                                 [](const Value& v, std::vector<double>& t) { return v.as_f64_array(t); });
}

KTSNAP_API ktsnap_status ktsnap_value_bool_array(bool* out, size_t cap, size_t* count_out,
                                                 const ktsnap_value* value) noexcept {
  return extract<bool, uint8_t>("ktsnap_value_bool_array", out, cap, count_out, value,
                                [](const Value& v, std::vector<uint8_t>& t) { return v.as_bool_array(t); });
}

}  // extern "C"
