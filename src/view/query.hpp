// Predicate queries compiled once per map and evaluated over its entries
// without allocation: "tid == 42", "ctx.weight.value > 100 && comm == \"stress\"".
//
// Grammar (whitespace is free between tokens):
//   expr    := or
//   or      := and ('||' and)*
//   and     := unary ('&&' unary)*
//   unary   := '!' unary | '(' expr ')' | operand (OP operand)?
//   OP      := '==' | '!=' | '<' | '<=' | '>' | '>='
//   operand := path | integer | float | string | 'true' | 'false'
// A path alone is a condition by the as_bool rule (non-zero); 'true' and
// 'false' alone are constant conditions (so "true" matches every entry).
// Paths: see query_path.hpp (`key`, `key.x`, `value`, dotted members,
// [i] indexes; pointers may end a path but not be crossed).
// Literals: integers (decimal, 0x hex, a leading '-' for negatives; must
// fit u64, or i64 when negative), floats (1.5, -2e3), strings in double
// quotes with \" and \\ escapes (at most 4096 bytes), true / false (1 / 0).
//
// Comparison semantics (consistent with spec/views.md §4.2):
// - integers (int, uint, enum, bool, char, pointer address) compare exactly
//   in 64 bits across signedness: a negative literal is below every
//   unsigned value, a u64 above INT64_MAX is above every signed value;
// - an integer field against a float literal, or a float field against any
//   number, compares as double (int -> double as as_f64 does; bool, char and
//   pointers do not convert to f64 and are rejected at compile time);
// - a char array against a string compares as a C string (== and != only);
// - an enum against a string compares with the named variant's value,
//   looked up at compile time (unknown names are a compile error listing
//   the variants); == and != only;
// - path against path follows the same rules with both sides loaded.
// Type errors (a string against an integer, '<' on strings, a struct or
// non-char array in a comparison, a float as a bare condition) are compile
// errors. Every compile error starts with "column N: " (N is the 1-based
// byte position in the expression; it equals the character position for
// ASCII text).
//
// Per-CPU maps: value-side paths read the slot of the CPU passed in; a slot
// that was not captured (MapInfo::slot_present false) or a CPU beyond
// nr_cpus makes every comparison or bare-path test that reads the value
// side false ("x == 1" and "x != 1" are both false; "!(x == 1)" is true).
// Key-side paths read the key and work for every map and CPU. For other
// maps the CPU argument is ignored.
//
// A Query borrows the MapInfo (and so the Report) it was compiled for: it is
// valid while that report lives. It is immutable: concurrent use is safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "internal/status.hpp"
#include "report/report.hpp"
#include "view/query_path.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

// "No entry" for find / max_by / min_by (no valid index reaches it: a report
// is smaller than 2^31 bytes).
inline constexpr uint32_t kNoEntry = UINT32_MAX;

namespace query_detail {
struct Program;
}

class Query {
 public:
  // Parses, resolves every path through the map's BTF, type-checks and
  // compiles into a flat instruction array. Expressions longer than 64 KiB,
  // nesting deeper than 64 levels ('(' and '!'), paths of more than 256
  // components and literals out of range are errors, never crashes.
  static Result<Query> compile(const MapInfo& map, std::string_view expr);

  // True when entry `entry` satisfies the predicate (false for an entry
  // index out of range). No allocation.
  bool matches(uint32_t entry, uint32_t cpu = 0) const;

  // Index of the first matching entry, or kNoEntry. Error (Range) only when
  // the map is per-CPU and cpu >= nr_cpus.
  Result<uint32_t> find(uint32_t cpu = 0) const;
  // Indexes of every matching entry, in entry order (out is replaced).
  Status filter(std::vector<uint32_t>& out, uint32_t cpu = 0) const;
  Result<uint64_t> count(uint32_t cpu = 0) const;

  // Among matching entries, the one whose `key_path` is largest (max_by) or
  // smallest (min_by); ties keep the FIRST such entry; kNoEntry when none.
  // The key compares in its type's natural order: signed integers and
  // signed enums as i64, unsigned integers, unsigned enums, bools, chars and
  // pointers as u64, floats as double. Entries whose key cannot be read are
  // skipped: a NaN, or an absent per-CPU slot. A key path that is not a
  // number (string, struct) is an error (Type), as is a malformed path.
  Result<uint32_t> max_by(std::string_view key_path, uint32_t cpu = 0) const;
  Result<uint32_t> min_by(std::string_view key_path, uint32_t cpu = 0) const;
  Result<uint32_t> max_by(const ResolvedPath& key, uint32_t cpu = 0) const;
  Result<uint32_t> min_by(const ResolvedPath& key, uint32_t cpu = 0) const;

  const MapInfo& map() const { return *map_; }
  std::string_view expression() const;
  // Number of compiled instructions (tests, diagnostics).
  size_t instruction_count() const;
  // One line per instruction (tests, diagnostics).
  std::string disassemble() const;

 private:
  Query() = default;
  Status check_cpu(uint32_t cpu) const;
  Result<uint32_t> extreme_by(const ResolvedPath& key, uint32_t cpu, bool want_max) const;

  const MapInfo* map_ = nullptr;
  std::shared_ptr<const query_detail::Program> prog_;
};

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
