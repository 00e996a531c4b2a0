// A lazy typed value: (BTF context, type id, bytes, bit offset, bit size).
// Nothing is decoded until asked. Small and trivially copyable (it is the
// payload of the C ABI's by-value ktsnap_value cursor).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.hpp"
#include "internal/status.hpp"
#include "report/report.hpp"

namespace ktsnap {
inline namespace v1 {

// Kinds as seen by a reader. Numbers are the C ABI's KTSNAP_KIND_*.
enum class ValueKind : uint32_t {
  Invalid = 0,
  Int = 1,       // signed integer (or signed bitfield)
  Uint = 2,      // unsigned integer (or unsigned bitfield)
  Bool = 3,
  Char = 4,      // 1-byte char-encoded int
  Float = 5,
  Enum = 6,      // ENUM / ENUM64
  Struct = 7,
  Union = 8,
  Array = 9,
  Ptr = 10,
  Datasec = 11,  // a global section: members are its variables
  Bytes = 12,    // no BTF (or a >8-byte int): raw bytes only
  Unsupported = 13,  // FWD, FUNC, VOID, ...
};
const char* value_kind_name(ValueKind k);

inline constexpr int kMaxPointerFollow = 17;  // dotted paths follow at most this many pointers

// The raw state of a Value, for the C ABI's by-value cursor.
struct ValueParts {
  const ValueContext* ctx = nullptr;
  const uint8_t* data = nullptr;
  uint64_t len = 0;
  uint32_t type_id = 0;
  uint8_t bit_off = 0;
  uint8_t bit_size = 0;
  bool is_bytes = false;
};

class Value {
 public:
  Value() = default;
  ValueParts parts() const { return {ctx_, data_, len_, type_id_, bit_off_, bit_size_, is_bytes_}; }
  static Value from_parts(const ValueParts& p) {
    Value v;
    v.ctx_ = p.ctx;
    v.data_ = p.data;
    v.len_ = p.len;
    v.type_id_ = p.type_id;
    v.bit_off_ = p.bit_off;
    v.bit_size_ = p.bit_size;
    v.is_bytes_ = p.is_bytes;
    return v;
  }
  // A typed value. `type_id` may be a modifier; it is peeled here.
  static Value typed(const ValueContext* ctx, uint32_t type_id, const uint8_t* data, uint64_t len);
  // Raw bytes without BTF.
  static Value bytes(const ValueContext* ctx, const uint8_t* data, uint64_t len);
  // Key / value of a map entry, typed when the map has BTF and the type id
  // is non-zero, else bytes. `cpu` selects the slot of a per-CPU map.
  static Value map_key(const MapInfo& m, uint32_t entry);
  static Value map_value(const MapInfo& m, uint32_t entry, uint32_t cpu = 0);

  bool valid() const { return ctx_ != nullptr; }
  ValueKind kind() const;
  const ValueContext* context() const { return ctx_; }
  const Btf* btf() const { return ctx_ ? ctx_->btf : nullptr; }
  uint32_t type_id() const { return type_id_; }  // peeled; 0 for bytes
  const uint8_t* data() const { return data_; }
  uint64_t available() const { return len_; }  // bytes present from data()
  uint8_t bit_offset() const { return bit_off_; }
  uint8_t bit_size() const { return bit_size_; }  // 0 = not a bitfield
  // Declared size in bytes (bitfields: bytes spanned); 0 when unknown.
  uint64_t size() const;
  // True when fewer bytes are present than the type needs.
  bool truncated() const;
  // "struct task_ctx", "u32", "char[16]" ... ("" for bytes).
  std::string type_name() const;

  // Navigation. Pointers are followed into the report's captured regions.
  Result<Value> member(std::string_view name) const;
  Result<Value> index(uint64_t i) const;
  Result<Value> deref() const;
  // Dotted path: "a.b.c", with "[i]" for array elements ("hist[2]",
  // "m[1][0]"). Pointers between components are followed (at most
  // kMaxPointerFollow); a pointer at the end is returned as a pointer.
  // Errors name the path walked, the failing component and the members
  // available there.
  Result<Value> get(std::string_view path) const;
  // Member names of a struct/union (anonymous members flattened) or the
  // variable names of a datasec, in declaration order.
  Result<std::vector<std::string_view>> member_names() const;
  // Element count of an array (declared), members of a composite.
  Result<uint64_t> length() const;

  // Scalars (spec/views.md §4.2).
  Result<uint64_t> as_u64() const;
  Result<int64_t> as_i64() const;
  Result<double> as_f64() const;
  Result<bool> as_bool() const;
  // Enum variant name, or the text of a char array (up to the first NUL).
  Result<std::string> as_string() const;
  // Enum variant name only (none when the value matches no variant).
  Result<std::string_view> enum_name() const;

  // Typed array extracts: all elements or an error naming the first one
  // that does not convert. u32 rejects values above UINT32_MAX.
  Status as_u64_array(std::vector<uint64_t>& out) const;
  Status as_u32_array(std::vector<uint32_t>& out) const;
  Status as_i64_array(std::vector<int64_t>& out) const;
  Status as_f64_array(std::vector<double>& out) const;
  Status as_bool_array(std::vector<uint8_t>& out) const;

  // Raw integer bits of an int/enum/bool/char/ptr/bitfield (zero-extended)
  // and whether the source type is signed. Fails on truncation.
  Result<uint64_t> raw_bits(bool* is_signed = nullptr) const;

 private:
  const ValueContext* ctx_ = nullptr;
  const uint8_t* data_ = nullptr;
  uint64_t len_ = 0;
  uint32_t type_id_ = 0;
  uint8_t bit_off_ = 0;
  uint8_t bit_size_ = 0;
  bool is_bytes_ = false;

  friend class ValueAccess;
};

}  // namespace v1
}  // namespace ktsnap
