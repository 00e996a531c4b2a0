// A dotted path resolved once against a map's BTF into a fixed location:
// side (key or value), byte offset, width, bitfield shift and size,
// signedness and kind. Queries, column extraction and per-CPU aggregates
// read entries through it with plain loads, never walking BTF per entry.
//
// Path syntax (the same inside predicates):
//   tid  ctx.weight.value  hist[1][2]     members of the VALUE (default side)
//   value  value.x  value[3]              the value explicitly (`value` alone
//                                         is the whole value, e.g. a u64 value;
//                                         `value.key` reaches a member named key)
//   key  key.dsq  key[0]                  the KEY
// Anonymous struct/union members are flattened; array indexes are decimal
// or 0x hex. Whitespace may separate the tokens of a path.
//
// Pointers: a path may END at a pointer (it then reads the address), but it
// may not cross one. Following a pointer means looking up a captured region
// per entry, which is not a fixed offset; read such values with Value::get.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "btf/btf.hpp"
#include "internal/status.hpp"
#include "report/report.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

enum class PathSide : uint8_t { Value = 0, Key = 1 };

// What a resolved path reads. Scalar kinds follow Value::kind() (a bitfield
// reads as Int or Uint by its signedness, except enum bitfields, which stay
// Enum so that they compare with variant names).
enum class PathKind : uint8_t {
  Int = 0,   // signed integer or signed bitfield
  Uint = 1,  // unsigned integer or bitfield (bool and char bitfields too)
  Bool = 2,
  Char = 3,  // 1-byte char-encoded integer (reads unsigned)
  Enum = 4,  // ENUM / ENUM64 (signedness from the BTF kind flag)
  Float32 = 5,
  Float64 = 6,
  CharArray = 7,     // array of 1-byte integers: compares as a C string
  Ptr = 8,           // the address
  Composite = 9,     // struct, union, other arrays, section: not a scalar
  Unsupported = 10,  // integers wider than 8 bytes, odd float sizes, FWD, void
};
const char* path_kind_name(PathKind k);

struct ResolvedPath {
  PathSide side = PathSide::Value;
  PathKind kind = PathKind::Composite;
  uint32_t offset = 0;                // first byte inside the key, or inside one value (one CPU slot)
  uint32_t size = 0;                  // bytes spanned (char arrays: the array length)
  uint8_t bit_shift = 0;              // bitfields: bit position inside the first byte
  uint8_t bit_size = 0;               // bitfields: width in bits; 0 = not a bitfield
  bool is_signed = false;             // Int and signed Enum
  uint32_t type_id = 0;               // peeled BTF type of the leaf
  const ValueContext* ctx = nullptr;  // the map's (owned by the report)
  std::string text;                   // the path as written (for messages)

  bool is_scalar() const { return kind <= PathKind::Float64 || kind == PathKind::Ptr; }
  const Btf* btf() const { return ctx ? ctx->btf : nullptr; }
  // "unsigned int", "enum kt_state", "char[16]", "int:5" (made on demand).
  std::string type_name() const;
};

// Resolves `path` against `map`. Errors name the 1-based column inside
// `path`, the failing component and, for an unknown member, the members
// that exist there (declaration order). Codes: Invalid (syntax), NotFound
// (no such member or variable), Range (index out of bounds, path beyond the
// captured bytes), Type (member of a scalar, index of a non-array),
// Unsupported (no BTF, a pointer crossed).
Result<ResolvedPath> resolve_path(const MapInfo& map, std::string_view path);

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
