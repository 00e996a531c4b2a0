// SnapshotField: the leaf of a walk over a BTF-typed value (spec/views.md
// §2.4). Three states: a typed Value (pointing into the report), the u32
// key of a per-CPU array entry, or Missing with the error that stopped the
// walk. Accessors on Missing return that error unchanged, so a chain such
// as snap.var("ctx").get("weight").as_u64() reports the first failure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "value/value.hpp"
#include "view/error.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

// `actual` of a TypeMismatch raised on a per-CPU array key.
inline constexpr std::string_view kPercpuKeyActual = "Uint(percpu key) — read it with as_u64/as_i64/as_f64/as_bool";

// Kind name of a value for error texts: "Int", "Uint", "Bool", "Char",
// "Float", "Enum", "Struct", "Union", "Datasec", "Array", "Ptr", "Bytes",
// "Unsupported", "Invalid"; a scalar whose bytes were cut short at capture
// is "Truncated".
std::string kind_string(const Value& v);

// True for values a dotted path can descend into (struct, union, datasec).
bool is_struct_like(const Value& v);

// Follows a pointer into captured memory while possible, at most
// kMaxPointerFollow (17) times; the result may still be a pointer.
Value peel_pointer(const Value& v);

// peel_pointer, then the first member (or section variable) named exactly
// `name`; nullopt when there is none or the value has no members.
std::optional<Value> lookup_member(const Value& v, std::string_view name);

class SnapshotField {
 public:
  enum class State : uint8_t { Value, PercpuKey, Missing };

  static SnapshotField of(const Value& v) { return SnapshotField(v); }
  static SnapshotField percpu_key(uint32_t key) { return SnapshotField(Key{key}); }
  static SnapshotField missing(SnapshotError e) { return SnapshotField(std::move(e)); }

  State state() const { return static_cast<State>(v_.index()); }
  bool is_present() const { return state() != State::Missing; }
  // The error of a Missing field, nullptr otherwise.
  const SnapshotError* error() const { return std::get_if<SnapshotError>(&v_); }
  // The typed value (Value state only).
  std::optional<Value> raw() const;
  // The key of a per-CPU array entry (PercpuKey state only).
  std::optional<uint32_t> key_value() const;

  // Dotted walk from this value ("" = this field).
  SnapshotField get(std::string_view path) const;
  // Elements of the array behind this value (pointers followed); nothing
  // for anything that is not an array. Never an error.
  std::vector<SnapshotField> iter_members() const;

  ViewResult<uint64_t> as_u64() const;
  ViewResult<int64_t> as_i64() const;
  ViewResult<double> as_f64() const;
  ViewResult<bool> as_bool() const;
  // Name of the enum variant (points into the report's BTF).
  ViewResult<std::string_view> as_str() const;

  ViewResult<std::vector<uint64_t>> as_u64_array() const;
  ViewResult<std::vector<uint32_t>> as_u32_array() const;
  ViewResult<std::vector<int64_t>> as_i64_array() const;
  ViewResult<std::vector<double>> as_f64_array() const;
  ViewResult<std::vector<uint8_t>> as_bool_array() const;  // 0 / 1

 private:
  struct Key {
    uint32_t key;
  };
  explicit SnapshotField(const Value& v) : v_(std::in_place_index<0>, v) {}
  explicit SnapshotField(Key k) : v_(std::in_place_index<1>, k) {}
  explicit SnapshotField(SnapshotError e) : v_(std::in_place_index<2>, std::move(e)) {}

  std::variant<Value, Key, SnapshotError> v_;
};

// The dotted-path walker (spec/views.md §2.4): components split on '.',
// pointers followed before each component, struct/union/datasec members
// matched exactly (anonymous members are flattened, as the BTF layer
// does). "" returns the root itself.
SnapshotField walk_dotted_path(const Value& root, std::string_view path);

// Scalar coercions of one value with the view layer's errors
// (TypeMismatch with requested ""), shared by fields and aggregates.
ViewResult<uint64_t> coerce_u64(const Value& v);
ViewResult<int64_t> coerce_i64(const Value& v);
ViewResult<double> coerce_f64(const Value& v);
ViewResult<bool> coerce_bool(const Value& v);

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
