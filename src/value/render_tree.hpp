// RenderedValue as a tree (spec/report.md §1.6) and the generic renderer
// that builds it from BTF + bytes by the rules of §2. This is the slow,
// complete path: the text display lays the tree out, and JSON uses it for
// values the flat plan does not cover (short bytes, hostile BTF).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "btf/btf.hpp"
#include "report/report.hpp"

namespace ktsnap {
inline namespace v1 {
namespace render {

inline constexpr int kMaxRenderDepth = 32;
inline constexpr uint32_t kMaxArrayElems = 4096;
// Hostile BTF (a struct holding two copies of itself) can describe a value
// whose rendering is exponential; past this many nodes the rest become
// "unsupported" nodes instead of exhausting memory (a tree node is ~100
// bytes). Real values stay far below it (a 4 KiB value has at most a few
// thousand nodes).
inline constexpr uint64_t kNodeBudget = 1ull << 18;

enum class NKind : uint8_t {
  Int,
  Uint,
  Bool,
  Char,
  Float,
  Enum,
  Struct,
  Array,
  CpuList,
  Ptr,
  Bytes,
  Truncated,
  Unsupported,
};

struct RNode {
  NKind kind = NKind::Unsupported;
  bool flag = false;     // bool value; enum is_signed
  bool has_str = false;  // enum variant / struct type_name / ptr skip reason present
  uint32_t bits = 0;     // int, uint, float, enum
  uint64_t u = 0;        // uint, int (two's complement), char, enum, ptr value; array len; truncated needed
  uint64_t had = 0;      // truncated had
  double f = 0;          // float
  // enum variant, struct type_name, cpu_list cpus, bytes hex, unsupported
  // reason, ptr deref_skipped_reason
  std::string str;
  std::vector<std::string> names;  // struct member names (parallel to kids)
  // struct members, array elements, ptr deref (0 or 1), truncated partial (1)
  std::vector<RNode> kids;

  int64_t i() const { return static_cast<int64_t>(u); }
};

RNode make_unsupported(std::string reason);
RNode make_bytes(const uint8_t* p, uint64_t n);

// Renders `len` bytes at `p` as BTF type `type_id` (depth 0; pointers are
// chased only into `report`'s regions, and only for cpumask pointees).
RNode build_tree(const Btf& btf, const Report* report, uint32_t type_id, const uint8_t* p, uint64_t len);
// A bitfield seen on its own (a Value with bit_size > 0).
RNode build_bitfield_tree(const Btf& btf, uint32_t member_type, const uint8_t* p, uint64_t len, unsigned shift,
                          unsigned width);

// Serializes a tree as compact JSON.
void tree_to_json(const RNode& n, std::string& out);

}  // namespace render
}  // namespace v1
}  // namespace ktsnap
