#include "value/render_plan.hpp"

#include <bpf/btf.h>
#include <linux/btf.h>

#include <algorithm>
#include <map>

#include "value/render_chase.hpp"
#include "value/render_tree.hpp"
#include "value/render_util.hpp"

namespace ktsnap {
inline namespace v1 {
namespace render {

namespace {

// Compile caps: past these the type takes the tree path (hostile BTF whose
// unrolled form would not fit in memory).
constexpr size_t kMaxPlanOps = 1u << 18;
constexpr size_t kMaxPlanPool = 1u << 26;
// Arrays whose unrolled body stays under this many ops are unrolled.
constexpr uint64_t kUnrollOps = 64;
constexpr uint64_t kUnrollElems = 256;
// Bytes an action may write besides its literal: a number (formatting
// writes up to 25 bytes ahead) or a short keyword.
constexpr uint32_t kActionMax = 48;
// Literal copies move 64 bytes at once (then 32-byte blocks), so the pool
// is padded and every op reserves this much beyond what it writes.
constexpr uint32_t kSlack = 64;

void unsupported_json(std::string& lit, std::string_view reason) {
  lit += "{\"kind\":\"unsupported\",\"reason\":";
  append_json_string(lit, reason);
  lit += '}';
}

class Compiler {
 public:
  Compiler(const Btf& btf, JsonPlan& plan) : btf_(btf), plan_(plan) {}

  bool compile_root(uint32_t type_id) {
    auto sz = btf_.size(type_id);
    if (!sz) return false;  // FWD, VOID, FUNC ...: rare, the tree handles them
    plan_.size = *sz;
    node(type_id, 0, *sz, 0, true);
    if (failed_) return false;
    emit(OpCode::End);
    plan_.pool.append(kSlack, '\0');
    plan_.estimate = estimate(0, plan_.ops.size());
    return !failed_;
  }

 private:
  // Emits the node for `type_id` over [off, off+slen) of the current base.
  // `dynamic`: the slice is the caller's whole buffer (root), so anything
  // that depends on its exact length cannot be fixed at compile time.
  void node(uint32_t type_id, uint64_t off, uint64_t slen, int depth, bool dynamic) {
    if (failed_) return;
    if (++nodes_ > kNodeBudget) return fail();
    if (depth >= kMaxRenderDepth) return unsupported_json(pending_, "render depth 32 exceeded");
    auto pr = btf_.peel(type_id);
    if (!pr.ok()) return unsupported_json(pending_, "could not peel modifiers from type id " + std::to_string(type_id));
    uint32_t id = pr.value();
    const struct btf_type* t = btf_.type(id);
    if (id == 0 || t == nullptr) return unsupported_json(pending_, "void: no value bytes to render");
    switch (static_cast<BtfKind>(btf_kind(t))) {
      case BtfKind::Int:
        return int_node(id, t, off, slen);
      case BtfKind::Float: {
        uint32_t size = t->size;
        if (size != 4 && size != 8) return unsupported_json(pending_, "unsupported float size " + std::to_string(size));
        if (slen < size) return fail();
        pending_ +=
            size == 4 ? "{\"kind\":\"float\",\"bits\":32,\"value\":" : "{\"kind\":\"float\",\"bits\":64,\"value\":";
        emit(size == 4 ? OpCode::F32 : OpCode::F64, off);
        pending_ += '}';
        return;
      }
      case BtfKind::Enum:
      case BtfKind::Enum64:
        return enum_node(id, t, off, slen);
      case BtfKind::Ptr: {
        if (slen < 8) return fail();
        pending_ += "{\"kind\":\"ptr\",\"value\":";
        PlanOp& op = emit(OpCode::Ptr, off);
        op.a = static_cast<uint8_t>(ptr_mode(btf_, t->type));
        pending_ += '}';
        return;
      }
      case BtfKind::Struct:
      case BtfKind::Union:
        return struct_node(id, t, off, slen, depth, dynamic);
      case BtfKind::Array:
        return array_node(id, off, slen, depth, dynamic);
      case BtfKind::Datasec:
        return datasec_node(id, off, slen, depth);
      case BtfKind::Var:
        return node(t->type, off, slen, depth + 1, dynamic);
      case BtfKind::Fwd:
        return unsupported_json(pending_, "forward declaration: type body not in BTF");
      case BtfKind::Func:
      case BtfKind::FuncProto:
        return unsupported_json(pending_, "function type: no value bytes to render");
      case BtfKind::Typedef:
      case BtfKind::Const:
      case BtfKind::Volatile:
      case BtfKind::Restrict:
      case BtfKind::TypeTag:
      case BtfKind::DeclTag:
        return unsupported_json(pending_, "unpeeled modifier (BTF cycle?)");
      default:
        return unsupported_json(
            pending_, "unhandled BTF type kind " + std::to_string(btf_kind(t)) + " for type id " + std::to_string(id));
    }
  }

  void int_node(uint32_t id, const struct btf_type* t, uint64_t off, uint64_t slen) {
    auto ii = btf_.int_info(id);
    uint32_t size = t->size;
    if (slen < size) return fail();
    if (ii->is_bool) {
      pending_ += "{\"kind\":\"bool\",\"value\":";
      PlanOp& op = emit(OpCode::Bool, off);
      if (size > 255) return fail();
      op.a = static_cast<uint8_t>(size);
      pending_ += '}';
      return;
    }
    if (ii->is_char && size == 1) {
      pending_ += "{\"kind\":\"char\",\"value\":";
      emit(OpCode::Char, off);
      pending_ += '}';
      return;
    }
    if (size > 8) {
      pending_ += "{\"kind\":\"bytes\",\"hex\":\"";
      PlanOp& op = emit(OpCode::Hex, off);
      op.x = size;
      op.need += size * 3;
      pending_ += "\"}";
      return;
    }
    pending_ += ii->is_signed ? "{\"kind\":\"int\",\"bits\":" : "{\"kind\":\"uint\",\"bits\":";
    append_u64(pending_, size * 8);
    pending_ += ",\"value\":";
    OpCode code;
    switch (size) {
      case 1:
        code = ii->is_signed ? OpCode::I8 : OpCode::U8;
        break;
      case 2:
        code = ii->is_signed ? OpCode::I16 : OpCode::U16;
        break;
      case 4:
        code = ii->is_signed ? OpCode::I32 : OpCode::U32;
        break;
      case 8:
        code = ii->is_signed ? OpCode::I64 : OpCode::U64;
        break;
      default:
        code = ii->is_signed ? OpCode::IN : OpCode::UN;
        break;
    }
    PlanOp& op = emit(code, off);
    op.a = static_cast<uint8_t>(size);
    pending_ += '}';
  }

  void enum_node(uint32_t id, const struct btf_type* t, uint64_t off, uint64_t slen) {
    uint32_t size = t->size;
    if (size == 0 || size > 8) return unsupported_json(pending_, "unsupported enum size " + std::to_string(size));
    if (slen < size) return fail();
    bool sgn = btf_kflag(t);
    pending_ += "{\"kind\":\"enum\",\"bits\":";
    append_u64(pending_, size * 8);
    pending_ += ",\"value\":";
    uint32_t table = enum_table(id, size);
    PlanOp& op = emit(OpCode::Enum, off);
    op.a = static_cast<uint8_t>(size);
    op.b = sgn;
    op.x = table;
    uint32_t longest = plan_.enums[table].null_sfx_len;
    for (uint32_t l : plan_.enums[table].sfx_len) longest = std::max(longest, l);
    op.need += longest;
    pending_ += sgn ? ",\"is_signed\":true}" : ",\"is_signed\":false}";
  }

  // Variant table with first-match semantics: later duplicates are dropped.
  uint32_t enum_table(uint32_t id, uint32_t size) {
    auto it = enum_tables_.find(id);
    if (it != enum_tables_.end()) return it->second;
    uint64_t mask = size >= 8 ? ~0ull : ((1ull << (size * 8)) - 1);
    struct Entry {
      uint64_t v;
      std::string_view name;
    };
    std::vector<Entry> entries;
    std::vector<BtfEnumerator> es;
    btf_.enumerators(id, es);
    for (const auto& e : es) entries.push_back({e.value & mask, e.name});
    // Keep the first entry per value, then sort for binary search if large.
    std::vector<Entry> uniq;
    for (const Entry& e : entries) {
      bool dup = false;
      if (entries.size() <= 64) {
        for (const Entry& u : uniq) dup = dup || u.v == e.v;
      }
      if (!dup) uniq.push_back(e);
    }
    EnumTable tab;
    if (uniq.size() > 8) {
      tab.linear = false;
      std::stable_sort(uniq.begin(), uniq.end(), [](const Entry& a, const Entry& b) { return a.v < b.v; });
      // stable sort keeps declaration order among equal values: drop later ones
      uniq.erase(std::unique(uniq.begin(), uniq.end(), [](const Entry& a, const Entry& b) { return a.v == b.v; }),
                 uniq.end());
    }
    for (const Entry& e : uniq) {
      std::string s = ",\"variant\":";
      append_json_string(s, e.name);
      tab.values.push_back(e.v);
      tab.sfx.push_back(static_cast<uint32_t>(plan_.pool.size()));
      tab.sfx_len.push_back(static_cast<uint32_t>(s.size()));
      plan_.pool += s;
    }
    std::string_view null_sfx = ",\"variant\":null";
    tab.null_sfx = static_cast<uint32_t>(plan_.pool.size());
    tab.null_sfx_len = static_cast<uint32_t>(null_sfx.size());
    plan_.pool += null_sfx;
    plan_.enums.push_back(std::move(tab));
    uint32_t idx = static_cast<uint32_t>(plan_.enums.size() - 1);
    enum_tables_[id] = idx;
    return idx;
  }

  void struct_node(uint32_t id, const struct btf_type* t, uint64_t off, uint64_t slen, int depth, bool dynamic) {
    std::string_view name = btf_.name(id);
    if (btf_kind(t) == BTF_KIND_STRUCT && (is_cpumask_struct_name(name) || name == "scx_bitmap")) {
      // The decode covers the whole slice; the root's slice is the caller's.
      if (dynamic) return fail();
      uint64_t skip = name == "scx_bitmap" ? 8 : 0;
      if (slen >= 8 + skip) {
        pending_ += "{\"kind\":\"cpu_list\",\"cpus\":\"";
        PlanOp& op = emit(OpCode::CpuMask, off + skip);
        op.x = static_cast<uint32_t>(slen - skip);
        op.need = 0;  // sized at run time
        pending_ += "\"}";
        return;
      }
    }
    if (slen < t->size) return fail();
    pending_ += "{\"kind\":\"struct\",\"type_name\":";
    if (name.empty())
      pending_ += "null";
    else
      append_json_string(pending_, name);
    pending_ += ",\"members\":[";
    bool first = true;
    members(id, off, slen, depth, first);
    pending_ += "]}";
  }

  // Whether rendering `type_id` over a slice of `slen` bytes at `depth`
  // yields a struct node (an anonymous member is then spliced).
  bool yields_struct(uint32_t type_id, uint64_t slen, int depth) {
    if (depth >= kMaxRenderDepth) return false;
    auto pr = btf_.peel(type_id);
    if (!pr.ok() || pr.value() == 0) return false;
    const struct btf_type* t = btf_.type(pr.value());
    if (t == nullptr) return false;
    switch (btf_kind(t)) {
      case BTF_KIND_STRUCT: {
        std::string_view n = btf_.name(pr.value());
        if (is_cpumask_struct_name(n) && slen >= 8) return false;
        if (n == "scx_bitmap" && slen >= 16) return false;
        return slen >= t->size;
      }
      case BTF_KIND_UNION:
        return slen >= t->size;
      case BTF_KIND_DATASEC:
      case BTF_KIND_VAR:
        fail();  // an anonymous member of these kinds only occurs in hostile BTF
        return false;
      default:
        return false;
    }
  }

  // Emits the member list items of struct/union `id` (anonymous struct
  // results spliced in place).
  void members(uint32_t id, uint64_t off, uint64_t slen, int depth, bool& first) {
    std::vector<BtfMember> ms;
    btf_.members(id, false, ms);
    for (const BtfMember& m : ms) {
      if (failed_) return;
      uint64_t moff = m.bit_offset / 8;
      if (m.bitfield_size == 0 && m.bit_offset % 8 == 0 && m.name.empty()) {
        auto sz = btf_.size(m.type_id);
        if (sz && moff + *sz <= slen && yields_struct(m.type_id, *sz, depth + 1)) {
          // The anonymous struct renders at depth+1; splice its members.
          auto pr = btf_.peel(m.type_id);
          if (++nodes_ > kNodeBudget) return fail();
          members(pr.value(), off + moff, *sz, depth + 1, first);
          continue;
        }
      }
      if (failed_) return;
      if (!first) pending_ += ',';
      first = false;
      pending_ += "{\"name\":";
      append_json_string(pending_, m.name);
      pending_ += ",\"value\":";
      member_value(m, off, slen, depth);
      pending_ += '}';
    }
  }

  void member_value(const BtfMember& m, uint64_t off, uint64_t slen, int depth) {
    if (m.bitfield_size > 0) {
      unsigned width = m.bitfield_size;
      if (width > 64) return unsupported_json(pending_, "bitfield width " + std::to_string(width) + " out of range");
      uint64_t start = m.bit_offset / 8;
      unsigned shift = m.bit_offset % 8;
      uint64_t need = (shift + width + 7) / 8;
      if (start + need > slen) return fail();
      bool sgn = member_signed(m.type_id);
      pending_ += sgn ? "{\"kind\":\"int\",\"bits\":" : "{\"kind\":\"uint\",\"bits\":";
      append_u64(pending_, width);
      pending_ += ",\"value\":";
      PlanOp& op = emit(OpCode::Bitfield, off + start);
      op.a = static_cast<uint8_t>(shift);
      op.b = static_cast<uint8_t>(width);
      op.c = sgn;
      pending_ += '}';
      return;
    }
    if (m.bit_offset % 8)
      return unsupported_json(pending_, "non-bitfield member at non-byte bit offset " + std::to_string(m.bit_offset));
    auto sz = btf_.size(m.type_id);
    if (!sz) return unsupported_json(pending_, "member type size unresolvable");
    uint64_t moff = m.bit_offset / 8;
    if (moff + *sz > slen) return fail();
    node(m.type_id, off + moff, *sz, depth + 1, false);
  }

  bool member_signed(uint32_t type_id) {
    auto p = btf_.peel(type_id);
    if (!p.ok()) return false;
    if (auto ii = btf_.int_info(p.value())) return ii->is_signed;
    return btf_.enum_is_signed(p.value());
  }

  void array_node(uint32_t id, uint64_t off, uint64_t slen, int depth, bool dynamic) {
    auto ai = btf_.array_info(id);
    auto es = btf_.size(ai->elem_type);
    if (!es) return unsupported_json(pending_, "array element size not resolvable");
    if (ai->nelems == 0 && *es > 0) {
      if (dynamic) return fail();
      if (slen > 0)
        return unsupported_json(pending_, "flex array (BTF len=0); runtime length not representable in BTF, " +
                                              std::to_string(slen) + " bytes available at site");
    }
    uint64_t n = std::min<uint64_t>(ai->nelems, kMaxArrayElems);
    if (n * *es > slen) return fail();
    pending_ += "{\"kind\":\"array\",\"len\":";
    append_u64(pending_, ai->nelems);
    pending_ += ",\"elements\":[";
    if (n == 0) {
      pending_ += "]}";
      return;
    }
    if (n >= 2 && scalar_array(ai->elem_type, *es, off, n, depth + 1)) {
      pending_ += "]}";
      return;
    }
    // Compile one element as a loop body; unroll when the result is small.
    size_t ops0 = plan_.ops.size(), pool0 = plan_.pool.size(), enums0 = plan_.enums.size();
    std::string pending0 = pending_;
    auto tables0 = enum_tables_;
    emit(OpCode::Loop, off);
    if (failed_) return;
    size_t loop_at = plan_.ops.size() - 1;
    node(ai->elem_type, 0, *es, depth + 1, false);
    emit(OpCode::EndBody);
    if (failed_) return;
    uint64_t body = plan_.ops.size() - loop_at - 2;  // ops between Loop and EndBody
    if (body * n <= kUnrollOps && n <= kUnrollElems) {
      plan_.ops.resize(ops0);
      plan_.pool.resize(pool0);
      plan_.enums.resize(enums0);
      enum_tables_ = std::move(tables0);
      pending_ = std::move(pending0);
      for (uint64_t i = 0; i < n && !failed_; i++) {
        if (i) pending_ += ',';
        node(ai->elem_type, off + i * *es, *es, depth + 1, false);
      }
    } else {
      if (*es > UINT32_MAX) return fail();
      PlanOp& lp = plan_.ops[loop_at];
      lp.x = static_cast<uint32_t>(n);
      lp.y = static_cast<uint32_t>(*es);
      lp.w = static_cast<uint32_t>(body);
    }
    pending_ += "]}";
  }

  // Arrays of plain integers, chars and 1-byte bools: one op writes every
  // element, without per-element dispatch.
  bool scalar_array(uint32_t elem_type, uint64_t es, uint64_t off, uint64_t n, int depth) {
    if (depth >= kMaxRenderDepth) return false;
    auto pr = btf_.peel(elem_type);
    if (!pr.ok()) return false;
    auto ii = btf_.int_info(pr.value());
    if (!ii || ii->size != es || (es != 1 && es != 2 && es != 4 && es != 8)) return false;
    uint8_t kind;
    std::string prefix;
    if (ii->is_bool) {
      if (es != 1) return false;
      kind = kScalarBool;
    } else if (ii->is_char && es == 1) {
      kind = kScalarChar;
    } else {
      kind = ii->is_signed ? kScalarInt : kScalarUint;
      prefix = ii->is_signed ? "{\"kind\":\"int\",\"bits\":" : "{\"kind\":\"uint\",\"bits\":";
      append_u64(prefix, es * 8);
      prefix += ",\"value\":";
    }
    PlanOp& op = emit(OpCode::Scalars, off);
    if (failed_) return true;
    op.a = static_cast<uint8_t>(es);
    op.b = kind;
    op.x = static_cast<uint32_t>(n);
    op.y = static_cast<uint32_t>(es);
    op.pfx = static_cast<uint32_t>(plan_.pool.size());
    op.pfx_len = static_cast<uint32_t>(prefix.size());
    op.need = static_cast<uint32_t>(op.lit_len + kSlack + n * (std::max<uint64_t>(prefix.size(), 48) + 24));
    plan_.pool += prefix;
    return true;
  }

  void datasec_node(uint32_t id, uint64_t off, uint64_t slen, int depth) {
    std::string_view name = btf_.name(id);
    pending_ += "{\"kind\":\"struct\",\"type_name\":";
    if (name.empty())
      pending_ += "null";
    else
      append_json_string(pending_, name);
    pending_ += ",\"members\":[";
    std::vector<BtfVarInfo> vars;
    btf_.datasec_vars(id, vars);
    bool first = true;
    for (const BtfVarInfo& v : vars) {
      if (failed_) return;
      if (!first) pending_ += ',';
      first = false;
      pending_ += "{\"name\":";
      if (btf_.kind(v.var_type_id) != BtfKind::Var || !btf_.valid_id(v.var_type_id)) {
        pending_ += "\"\",\"value\":";
        unsupported_json(pending_, "datasec entry resolved to non-Var (type id " + std::to_string(v.var_type_id) + ")");
        pending_ += '}';
        continue;
      }
      append_json_string(pending_, v.name);
      pending_ += ",\"value\":";
      if (!btf_.valid_id(v.type_id)) {
        unsupported_json(pending_, "datasec var type not resolvable");
      } else {
        if (uint64_t(v.offset) + v.size > slen) return fail();
        node(v.type_id, off + v.offset, v.size, depth + 1, false);
      }
      pending_ += '}';
    }
    pending_ += "]}";
  }

  // The returned reference is valid until the next emit.
  PlanOp& emit(OpCode code, uint64_t off = 0) {
    if (failed_ || off > UINT32_MAX || plan_.ops.size() >= kMaxPlanOps || plan_.pool.size() >= kMaxPlanPool) {
      fail();
      dummy_ = PlanOp{};
      return dummy_;
    }
    PlanOp op;
    op.code = code;
    op.off = static_cast<uint32_t>(off);
    op.lit = static_cast<uint32_t>(plan_.pool.size());
    op.lit_len = static_cast<uint32_t>(pending_.size());
    op.need = op.lit_len + kActionMax + kSlack;
    plan_.pool += pending_;
    pending_.clear();
    plan_.ops.push_back(op);
    return plan_.ops.back();
  }

  // Output size of ops [from, to) assuming the typical case.
  uint64_t estimate(size_t from, size_t to) {
    uint64_t total = 0;
    for (size_t i = from; i < to; i++) {
      const PlanOp& op = plan_.ops[i];
      total += op.lit_len + 24;
      if (op.code == OpCode::Scalars) total += uint64_t(op.x) * (op.a == 1 ? 32 : op.pfx_len + 22);
      if (op.code == OpCode::Hex) total += uint64_t(op.x) * 3;
      if (op.code == OpCode::Loop) {
        total += op.x * (estimate(i + 1, i + 1 + op.w + 1) + 1);
        i += op.w + 1;
      }
      if (total > (64u << 20)) return 64u << 20;
    }
    return total;
  }

  void fail() { failed_ = true; }

  const Btf& btf_;
  JsonPlan& plan_;
  std::string pending_;
  std::map<uint32_t, uint32_t> enum_tables_;
  PlanOp dummy_;
  uint64_t nodes_ = 0;
  bool failed_ = false;
};

[[gnu::always_inline]] inline char* copy_lit(char* w, const char* src, uint32_t n) {
  // Fixed-size blocks (no length-dependent branching for most literals):
  // the pool is padded and every op reserves kSlack extra.
  std::memcpy(w, src, 64);
  for (uint32_t i = 64; i < n; i += 32) std::memcpy(w + i, src + i, 32);
  return w + n;
}

// Whole JSON text of a 1-byte array element for each byte value, with a
// trailing comma: `{"kind":"char","value":97},`.
struct ByteTable {
  char text[256][48];
  uint8_t len[256];
  explicit ByteTable(uint8_t kind) {
    for (int i = 0; i < 256; i++) {
      std::string s;
      switch (kind) {
        case kScalarChar:
          s = "{\"kind\":\"char\",\"value\":" + std::to_string(i) + "},";
          break;
        case kScalarBool:
          s = i ? "{\"kind\":\"bool\",\"value\":true}," : "{\"kind\":\"bool\",\"value\":false},";
          break;
        case kScalarInt:
          s = "{\"kind\":\"int\",\"bits\":8,\"value\":" + std::to_string(static_cast<int8_t>(i)) + "},";
          break;
        default:
          s = "{\"kind\":\"uint\",\"bits\":8,\"value\":" + std::to_string(i) + "},";
          break;
      }
      std::memset(text[i], 0, sizeof text[i]);
      std::memcpy(text[i], s.data(), s.size());
      len[i] = static_cast<uint8_t>(s.size());
    }
  }
};

const ByteTable& byte_table(uint8_t kind) {
  static const ByteTable tables[4] = {ByteTable(kScalarUint), ByteTable(kScalarInt), ByteTable(kScalarChar),
                                      ByteTable(kScalarBool)};
  return tables[kind & 3];
}

// Decimal text of each byte value, built at compile time (no static
// initialization order to worry about; no writes past the 4-byte slots).
struct CharTable {
  char text[256][4];
  uint8_t len[256];
};
constexpr CharTable make_char_table() {
  CharTable t{};
  for (int i = 0; i < 256; i++) {
    int n = 0;
    if (i >= 100) t.text[i][n++] = static_cast<char>('0' + i / 100);
    if (i >= 10) t.text[i][n++] = static_cast<char>('0' + (i / 10) % 10);
    t.text[i][n++] = static_cast<char>('0' + i % 10);
    t.len[i] = static_cast<uint8_t>(n);
  }
  return t;
}
constexpr CharTable kChars = make_char_table();

class Runner {
 public:
  Runner(const JsonPlan& plan, const Report* report, JsonOut& out)
      : pool_(plan.pool.data()), enums_(plan.enums.data()), report_(report), out_(out) {}

  // Runs ops from `op` until an EndBody/End (stored in *stop), writing
  // from w; returns the new cursor. The cursor and limit live in locals:
  // a char store may alias any object, so a cursor kept in memory would be
  // reloaded after every byte.
  char* run(const PlanOp* op, const uint8_t* base, char* w, const PlanOp** stop) {
    char* end = out_.limit();
    for (;; op++) {
      // The caller writes the closing literal of EndBody/End.
      if (op->code == OpCode::EndBody || op->code == OpCode::End) {
        *stop = op;
        return w;
      }
      if (op->code == OpCode::CpuMask || op->code == OpCode::Ptr) {
        w = dynamic_op(op, base, w);
        end = out_.limit();
        continue;
      }
      if (static_cast<size_t>(end - w) < op->need) [[unlikely]] {
        w = out_.grow_at(w, op->need);
        end = out_.limit();
      }
      w = copy_lit(w, pool_ + op->lit, op->lit_len);
      const uint8_t* p = base + op->off;
      switch (op->code) {
        case OpCode::U8:
          w = put_u64(w, p[0]);
          break;
        case OpCode::U16: {
          uint16_t v;
          std::memcpy(&v, p, 2);
          w = put_u64(w, v);
          break;
        }
        case OpCode::U32: {
          uint32_t v;
          std::memcpy(&v, p, 4);
          w = put_u64(w, v);
          break;
        }
        case OpCode::U64: {
          uint64_t v;
          std::memcpy(&v, p, 8);
          w = put_u64(w, v);
          break;
        }
        case OpCode::UN:
          w = put_u64(w, load_le(p, op->a));
          break;
        case OpCode::I8:
          w = put_i64(w, static_cast<int8_t>(p[0]));
          break;
        case OpCode::I16: {
          int16_t v;
          std::memcpy(&v, p, 2);
          w = put_i64(w, v);
          break;
        }
        case OpCode::I32: {
          int32_t v;
          std::memcpy(&v, p, 4);
          w = put_i64(w, v);
          break;
        }
        case OpCode::I64: {
          int64_t v;
          std::memcpy(&v, p, 8);
          w = put_i64(w, v);
          break;
        }
        case OpCode::IN:
          w = put_i64(w, sign_extend(load_le(p, op->a), op->a * 8u));
          break;
        case OpCode::Bool: {
          bool any = false;
          for (unsigned i = 0; i < op->a; i++) any |= p[i] != 0;
          if (any) {
            std::memcpy(w, "true", 4);
            w += 4;
          } else {
            std::memcpy(w, "false", 5);
            w += 5;
          }
          break;
        }
        case OpCode::Char:
          std::memcpy(w, kChars.text[p[0]], 4);
          w += kChars.len[p[0]];
          break;
        case OpCode::F32: {
          float f;
          std::memcpy(&f, p, 4);
          w = put_json_double(w, f);
          break;
        }
        case OpCode::F64: {
          double d;
          std::memcpy(&d, p, 8);
          w = put_json_double(w, d);
          break;
        }
        case OpCode::Enum:
          w = enum_value(w, op, p);
          break;
        case OpCode::Bitfield: {
          uint64_t v = load_bitfield(p, op->a, op->b);
          w = op->c ? put_i64(w, sign_extend(v, op->b)) : put_u64(w, v);
          break;
        }
        case OpCode::Hex: {
          static constexpr char kHex[] = "0123456789abcdef";
          for (uint32_t i = 0; i < op->x; i++) {
            if (i) *w++ = ' ';
            *w++ = kHex[p[i] >> 4];
            *w++ = kHex[p[i] & 15];
          }
          break;
        }
        case OpCode::Scalars:
          w = scalars(w, op, p);
          break;
        case OpCode::Loop: {
          const PlanOp* body = op + 1;
          const PlanOp* close = body + op->w;
          const uint8_t* eb = p;
          for (uint32_t k = 0; k < op->x; k++, eb += op->y) {
            if (k) {
              w = ensure(w, 1);
              *w++ = ',';
            }
            const PlanOp* stop_at;
            w = run(body, eb, w, &stop_at);
            w = ensure(w, close->lit_len + kSlack);
            w = copy_lit(w, pool_ + close->lit, close->lit_len);
          }
          end = out_.limit();
          op = close;
          break;
        }
        case OpCode::EndBody:
        case OpCode::End:
        case OpCode::Ptr:
        case OpCode::CpuMask:
          break;
      }
    }
  }

  char* ensure(char* w, size_t n) {
    if (static_cast<size_t>(out_.limit() - w) < n) [[unlikely]]
      return out_.grow_at(w, n);
    return w;
  }

 private:
  char* scalars(char* w, const PlanOp* op, const uint8_t* p) {
    uint32_t n = op->x;
    if (op->a == 1) {
      const ByteTable& t = byte_table(op->b);
      for (uint32_t i = 0; i < n; i++) {
        std::memcpy(w, t.text[p[i]], 48);
        w += t.len[p[i]];
      }
      return w - 1;  // no comma after the last element
    }
    const char* pfx = pool_ + op->pfx;
    uint32_t plen = op->pfx_len;
    bool sgn = op->b == kScalarInt;
    for (uint32_t i = 0; i < n; i++, p += op->y) {
      w = copy_lit(w, pfx, plen);
      switch (op->a) {
        case 2: {
          uint16_t v;
          std::memcpy(&v, p, 2);
          w = sgn ? put_i64(w, static_cast<int16_t>(v)) : put_u64(w, v);
          break;
        }
        case 4: {
          uint32_t v;
          std::memcpy(&v, p, 4);
          w = sgn ? put_i64(w, static_cast<int32_t>(v)) : put_u64(w, v);
          break;
        }
        default: {
          uint64_t v;
          std::memcpy(&v, p, 8);
          w = sgn ? put_i64(w, static_cast<int64_t>(v)) : put_u64(w, v);
          break;
        }
      }
      std::memcpy(w, "},", 2);
      w += 2;
    }
    return w - 1;
  }

  char* enum_value(char* w, const PlanOp* op, const uint8_t* p) {
    uint64_t raw = load_le(p, op->a);
    w = op->b ? put_i64(w, sign_extend(raw, op->a * 8u)) : put_i64(w, static_cast<int64_t>(raw));
    const EnumTable& t = enums_[op->x];
    size_t n = t.values.size();
    size_t hit = n;
    if (t.linear) {
      for (size_t i = 0; i < n; i++)
        if (t.values[i] == raw) {
          hit = i;
          break;
        }
    } else {
      auto it = std::lower_bound(t.values.begin(), t.values.end(), raw);
      if (it != t.values.end() && *it == raw) hit = static_cast<size_t>(it - t.values.begin());
    }
    if (hit == n) {
      std::memcpy(w, pool_ + t.null_sfx, t.null_sfx_len);
      return w + t.null_sfx_len;
    }
    std::memcpy(w, pool_ + t.sfx[hit], t.sfx_len[hit]);
    return w + t.sfx_len[hit];
  }

  char* dynamic_op(const PlanOp* op, const uint8_t* base, char* w) {
    const uint8_t* p = base + op->off;
    if (op->code == OpCode::CpuMask) {
      tmp_.clear();
      decode_cpumask(p, op->x, UINT32_MAX, tmp_);
      w = ensure(w, op->lit_len + kSlack + tmp_.size());
      w = copy_lit(w, pool_ + op->lit, op->lit_len);
      std::memcpy(w, tmp_.data(), tmp_.size());
      return w + tmp_.size();
    }
    uint64_t v = load_le(p, 8);
    ChaseOutcome c;
    chase_pointer(report_, static_cast<PtrMode>(op->a), v, c);
    w = ensure(w, op->lit_len + kSlack + kActionMax + c.text.size() * 6 + 64);
    w = copy_lit(w, pool_ + op->lit, op->lit_len);
    w = put_u64(w, v);
    if (c.has_deref) {
      static constexpr std::string_view kHead = ",\"deref\":{\"kind\":\"cpu_list\",\"cpus\":\"";
      std::memcpy(w, kHead.data(), kHead.size());
      w += kHead.size();
      std::memcpy(w, c.text.data(), c.text.size());
      w += c.text.size();
      std::memcpy(w, "\"}", 2);
      w += 2;
    } else if (c.has_reason) {
      tmp_ = ",\"deref_skipped_reason\":";
      append_json_string(tmp_, c.text);
      std::memcpy(w, tmp_.data(), tmp_.size());
      w += tmp_.size();
    }
    return w;
  }

  const char* pool_;
  const EnumTable* enums_;
  const Report* report_;
  JsonOut& out_;
  std::string tmp_;
};

}  // namespace

struct JsonOut::Scratch {
  std::unique_ptr<char[]> data;
  size_t cap = 0;
  bool busy = false;
};

namespace {
constexpr size_t kChunk = 64 * 1024;
thread_local JsonOut::Scratch tls_scratch;
}  // namespace

JsonOut::JsonOut(std::string& s) : s_(s) {
  // A writer nested inside another on this thread gets a private chunk.
  std::unique_ptr<Scratch> own;
  Scratch* sc = &tls_scratch;
  if (sc->busy) {
    own = std::make_unique<Scratch>();
    sc = own.get();
  }
  if (sc->cap < kChunk) {
    sc->data.reset(new char[kChunk]);
    sc->cap = kChunk;
  }
  sc->busy = true;  // only once nothing can throw any more
  owns_ = own != nullptr;
  scratch_ = own ? own.release() : sc;
  buf_ = w_ = scratch_->data.get();
  end_ = buf_ + scratch_->cap;
}

JsonOut::~JsonOut() {
  // No flush here: appending can throw, and a destructor must not.
  scratch_->busy = false;
  if (owns_) delete scratch_;
}

void JsonOut::flush_for(size_t n) {
  flush();
  if (scratch_->cap < n) {
    // One op needs more than a chunk (a long array of scalars): a bigger
    // chunk, kept for later calls on this thread.
    size_t cap = n + kChunk;
    scratch_->data.reset(new char[cap]);
    scratch_->cap = cap;
    buf_ = w_ = scratch_->data.get();
    end_ = buf_ + cap;
  }
}

std::unique_ptr<JsonPlan> compile_json_plan(const Btf& btf, uint32_t type_id) {
  auto plan = std::make_unique<JsonPlan>();
  Compiler c(btf, *plan);
  if (!c.compile_root(type_id)) {
    auto empty = std::make_unique<JsonPlan>();
    empty->flat = false;
    return empty;
  }
  plan->flat = true;
  return plan;
}

void run_json_plan(const JsonPlan& plan, const uint8_t* data, const Report* report, JsonOut& out) {
  Runner r(plan, report, out);
  const PlanOp* end;
  char* w = r.run(plan.ops.data(), data, out.cursor(), &end);
  w = r.ensure(w, end->lit_len + kSlack);
  w = copy_lit(w, plan.pool.data() + end->lit, end->lit_len);
  out.cursor() = w;
}

}  // namespace render
}  // namespace v1
}  // namespace ktsnap
