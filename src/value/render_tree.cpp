#include "value/render_tree.hpp"

#include <bpf/btf.h>
#include <linux/btf.h>

#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "value/render_chase.hpp"
#include "value/render_util.hpp"

namespace ktsnap {
inline namespace v1 {
namespace render {

RNode make_unsupported(std::string reason) {
  RNode n;
  n.kind = NKind::Unsupported;
  n.str = std::move(reason);
  return n;
}

RNode make_bytes(const uint8_t* p, uint64_t n) {
  RNode b;
  b.kind = NKind::Bytes;
  append_hex_dump(b.str, p, n);
  return b;
}

namespace {

RNode make_truncated(uint64_t needed, uint64_t had, RNode partial) {
  RNode t;
  t.kind = NKind::Truncated;
  t.u = needed;
  t.had = had;
  t.kids.push_back(std::move(partial));
  return t;
}

RNode make_int_node(bool is_signed, uint32_t bits, uint64_t raw) {
  RNode n;
  n.kind = is_signed ? NKind::Int : NKind::Uint;
  n.bits = bits;
  n.u = is_signed ? static_cast<uint64_t>(sign_extend(raw, bits)) : raw;
  return n;
}

// Signed for bitfield purposes: a signed INT or a signed ENUM/ENUM64.
bool member_type_signed(const Btf& btf, uint32_t type_id) {
  auto p = btf.peel(type_id);
  if (!p.ok()) return false;
  if (auto ii = btf.int_info(p.value())) return ii->is_signed;
  return btf.enum_is_signed(p.value());
}

// The per-type plan of the tree renderer: everything about a type that
// does not depend on the bytes (peeled id, members with their offsets and
// sizes, array and section layout), resolved once per BTF type and kept
// in the BTF's kMemoTextPlans slot for every later value of that type.
struct MemberShape {
  std::string_view name;
  uint32_t type_id = 0;
  uint32_t bit_offset = 0;
  uint32_t bitfield_size = 0;
  bool bitfield_signed = false;
  std::optional<uint64_t> size;
};

struct VarShape {
  std::string_view name;
  bool is_var = false;     // the secinfo names a VAR
  bool type_ok = false;    // the VAR's type id is valid
  uint32_t var_type_id = 0;
  uint32_t type_id = 0;
  uint64_t offset = 0, size = 0;
};

struct Shape {
  bool peel_ok = false;
  uint32_t id = 0;  // peeled
  const struct btf_type* t = nullptr;
  std::string_view name;
  std::vector<MemberShape> members;  // STRUCT / UNION, anonymous kept unflattened
  std::vector<VarShape> vars;        // DATASEC
  uint32_t elem_type = 0, nelems = 0;  // ARRAY
  std::optional<uint64_t> elem_size;
};

Shape make_shape(const Btf& btf, uint32_t type_id) {
  Shape sh;
  auto pr = btf.peel(type_id);
  if (!pr.ok()) return sh;
  sh.peel_ok = true;
  sh.id = pr.value();
  sh.t = btf.type(sh.id);
  if (sh.t == nullptr) return sh;
  sh.name = btf.name(sh.id);
  switch (static_cast<BtfKind>(btf_kind(sh.t))) {
    case BtfKind::Struct:
    case BtfKind::Union: {
      std::vector<BtfMember> ms;
      btf.members(sh.id, false, ms);
      sh.members.reserve(ms.size());
      for (const BtfMember& m : ms)
        sh.members.push_back({m.name, m.type_id, m.bit_offset, m.bitfield_size,
                              m.bitfield_size ? member_type_signed(btf, m.type_id) : false, btf.size(m.type_id)});
      break;
    }
    case BtfKind::Array: {
      auto ai = btf.array_info(sh.id);
      sh.elem_type = ai->elem_type;
      sh.nelems = ai->nelems;
      sh.elem_size = btf.size(ai->elem_type);
      break;
    }
    case BtfKind::Datasec: {
      std::vector<BtfVarInfo> vars;
      btf.datasec_vars(sh.id, vars);
      for (const BtfVarInfo& v : vars)
        sh.vars.push_back({v.name, btf.kind(v.var_type_id) == BtfKind::Var && btf.valid_id(v.var_type_id),
                           btf.valid_id(v.type_id), v.var_type_id, v.type_id, v.offset, v.size});
      break;
    }
    default:
      break;
  }
  return sh;
}

struct ShapeCache {
  std::mutex mu;
  std::unordered_map<uint32_t, std::unique_ptr<const Shape>> shapes;  // by unpeeled type id
};

class Builder {
 public:
  Builder(const Btf& btf, const Report* report)
      : btf_(btf),
        report_(report),
        cache_(std::static_pointer_cast<ShapeCache>(
            btf.memo(kMemoTextPlans, [] { return std::static_pointer_cast<void>(std::make_shared<ShapeCache>()); }))) {}

  // The plan of a type: from this builder's own table, else the BTF-wide
  // cache (one lock per type per render call), else made once.
  const Shape& shape(uint32_t type_id) {
    auto it = local_.find(type_id);
    if (it != local_.end()) return *it->second;
    const Shape* sh;
    {
      std::lock_guard<std::mutex> lk(cache_->mu);
      auto& slot = cache_->shapes[type_id];
      if (!slot) slot = std::make_unique<const Shape>(make_shape(btf_, type_id));
      sh = slot.get();
    }
    local_.emplace(type_id, sh);
    return *sh;
  }

  RNode build(uint32_t type_id, const uint8_t* p, uint64_t len, int depth) {
    if (budget_ == 0) return make_unsupported("render budget exceeded (BTF describes too many nodes)");
    budget_--;
    if (depth >= kMaxRenderDepth) return make_unsupported("render depth 32 exceeded");
    const Shape& sh = shape(type_id);
    if (!sh.peel_ok) return make_unsupported("could not peel modifiers from type id " + std::to_string(type_id));
    uint32_t id = sh.id;
    const struct btf_type* t = sh.t;
    if (id == 0 || t == nullptr) return make_unsupported("void: no value bytes to render");
    switch (static_cast<BtfKind>(btf_kind(t))) {
      case BtfKind::Int:
        return build_int(id, t, p, len);
      case BtfKind::Float:
        return build_float(t, p, len);
      case BtfKind::Enum:
      case BtfKind::Enum64:
        return build_enum(id, t, p, len);
      case BtfKind::Ptr:
        return build_ptr(t, p, len);
      case BtfKind::Struct:
      case BtfKind::Union:
        return build_struct(sh, p, len, depth);
      case BtfKind::Array:
        return build_array(sh, p, len, depth);
      case BtfKind::Datasec:
        return build_datasec(sh, p, len, depth);
      case BtfKind::Var:
        return build(t->type, p, len, depth + 1);
      case BtfKind::Fwd:
        return make_unsupported("forward declaration: type body not in BTF");
      case BtfKind::Func:
      case BtfKind::FuncProto:
        return make_unsupported("function type: no value bytes to render");
      case BtfKind::Typedef:
      case BtfKind::Const:
      case BtfKind::Volatile:
      case BtfKind::Restrict:
      case BtfKind::TypeTag:
      case BtfKind::DeclTag:
        return make_unsupported("unpeeled modifier (BTF cycle?)");
      default:
        return make_unsupported("unhandled BTF type kind " + std::to_string(btf_kind(t)) + " for type id " +
                                std::to_string(id));
    }
  }

  RNode bitfield(uint32_t member_type, const uint8_t* p, uint64_t len, unsigned shift, unsigned width) {
    return bitfield_signed(member_type_signed(btf_, member_type), p, len, shift, width);
  }

  RNode bitfield_signed(bool is_signed, const uint8_t* p, uint64_t len, unsigned shift, unsigned width) {
    if (width == 0 || width > 64) return make_unsupported("bitfield width " + std::to_string(width) + " out of range");
    uint64_t need = (shift + width + 7) / 8;
    if (len < need) return make_truncated(need, len, make_bytes(p, len));
    uint64_t raw = load_bitfield(p, shift, width);
    return make_int_node(is_signed, width, raw);
  }

 private:
  RNode build_int(uint32_t id, const struct btf_type* t, const uint8_t* p, uint64_t len) {
    auto ii = btf_.int_info(id);
    uint32_t size = t->size;
    if (len < size) return make_truncated(size, len, make_bytes(p, len));
    if (ii->is_bool) {
      RNode n;
      n.kind = NKind::Bool;
      for (uint32_t i = 0; i < size; i++)
        if (p[i]) n.flag = true;
      return n;
    }
    if (ii->is_char && size == 1) {
      RNode n;
      n.kind = NKind::Char;
      n.u = p[0];
      return n;
    }
    if (size > 8) return make_bytes(p, size);
    return make_int_node(ii->is_signed, size * 8, load_le(p, size));
  }

  RNode build_float(const struct btf_type* t, const uint8_t* p, uint64_t len) {
    uint32_t size = t->size;
    if (size != 4 && size != 8) return make_unsupported("unsupported float size " + std::to_string(size));
    if (len < size) return make_truncated(size, len, make_bytes(p, len));
    RNode n;
    n.kind = NKind::Float;
    n.bits = size * 8;
    if (size == 4) {
      float f;
      std::memcpy(&f, p, 4);
      n.f = f;
    } else {
      std::memcpy(&n.f, p, 8);
    }
    return n;
  }

  RNode build_enum(uint32_t id, const struct btf_type* t, const uint8_t* p, uint64_t len) {
    uint32_t size = t->size;
    if (size == 0 || size > 8) return make_unsupported("unsupported enum size " + std::to_string(size));
    if (len < size) return make_truncated(size, len, make_bytes(p, len));
    uint64_t raw = load_le(p, size);
    RNode n;
    n.kind = NKind::Enum;
    n.bits = size * 8;
    n.flag = btf_kflag(t);
    n.u = n.flag ? static_cast<uint64_t>(sign_extend(raw, size * 8)) : raw;
    if (auto v = btf_.enum_variant(id, raw)) {
      n.has_str = true;
      n.str = std::string(*v);
    }
    return n;
  }

  RNode build_ptr(const struct btf_type* t, const uint8_t* p, uint64_t len) {
    if (len < 8) return make_truncated(8, len, make_bytes(p, len));
    RNode n;
    n.kind = NKind::Ptr;
    n.u = load_le(p, 8);
    PtrMode mode = ptr_mode(btf_, t->type);
    ChaseOutcome c;
    chase_pointer(report_, mode, n.u, c);
    if (c.has_deref) {
      RNode d;
      d.kind = NKind::CpuList;
      d.str = std::move(c.text);
      n.kids.push_back(std::move(d));
    } else if (c.has_reason) {
      n.has_str = true;
      n.str = std::move(c.text);
    }
    return n;
  }

  RNode build_struct(const Shape& sh, const uint8_t* p, uint64_t len, int depth) {
    const struct btf_type* t = sh.t;
    std::string_view name = sh.name;
    if (btf_kind(t) == BTF_KIND_STRUCT) {
      if (is_cpumask_struct_name(name) && len >= 8) {
        RNode n;
        n.kind = NKind::CpuList;
        decode_cpumask(p, len, UINT32_MAX, n.str);
        return n;
      }
      if (name == "scx_bitmap" && len >= 16) {
        RNode n;
        n.kind = NKind::CpuList;
        decode_cpumask(p + 8, len - 8, UINT32_MAX, n.str);
        return n;
      }
    }
    uint64_t size = t->size;
    bool truncated = len < size;
    RNode s;
    s.kind = NKind::Struct;
    s.has_str = !name.empty();
    s.str = std::string(name);
    for (const MemberShape& m : sh.members) {
      uint64_t off = m.bit_offset / 8;
      if (truncated && off >= len) continue;
      RNode v = member(m, p, len, depth);
      if (m.name.empty() && v.kind == NKind::Struct) {
        for (size_t i = 0; i < v.kids.size(); i++) {
          s.names.push_back(std::move(v.names[i]));
          s.kids.push_back(std::move(v.kids[i]));
        }
        continue;
      }
      s.names.emplace_back(m.name);
      s.kids.push_back(std::move(v));
    }
    if (truncated) return make_truncated(size, len, std::move(s));
    return s;
  }

  RNode member(const MemberShape& m, const uint8_t* p, uint64_t len, int depth) {
    if (m.bitfield_size > 0) {
      uint64_t start = m.bit_offset / 8;
      uint64_t avail = len > start ? len - start : 0;
      return bitfield_signed(m.bitfield_signed, p + (avail ? start : 0), avail, m.bit_offset % 8, m.bitfield_size);
    }
    if (m.bit_offset % 8)
      return make_unsupported("non-bitfield member at non-byte bit offset " + std::to_string(m.bit_offset));
    const auto& sz = m.size;
    if (!sz) return make_unsupported("member type size unresolvable");
    uint64_t off = m.bit_offset / 8;
    if (off + *sz <= len) return build(m.type_id, p + off, *sz, depth + 1);
    uint64_t avail = len > off ? len - off : 0;
    return make_truncated(*sz, avail, build(m.type_id, p + (avail ? off : 0), avail, depth + 1));
  }

  RNode build_array(const Shape& sh, const uint8_t* p, uint64_t len, int depth) {
    const BtfArrayInfo info{sh.elem_type, sh.nelems};
    const BtfArrayInfo* ai = &info;
    const auto& es = sh.elem_size;
    if (!es) return make_unsupported("array element size not resolvable");
    if (ai->nelems == 0 && *es > 0 && len > 0)
      return make_unsupported("flex array (BTF len=0); runtime length not representable in BTF, " +
                              std::to_string(len) + " bytes available at site");
    RNode a;
    a.kind = NKind::Array;
    a.u = ai->nelems;
    uint32_t n = ai->nelems < kMaxArrayElems ? ai->nelems : kMaxArrayElems;
    a.kids.reserve(n);
    for (uint32_t i = 0; i < n; i++) {
      uint64_t off = uint64_t(i) * *es;
      if (off + *es > len) {
        uint64_t rem = len > off ? len - off : 0;
        a.kids.push_back(make_truncated(*es, rem, make_bytes(p + (rem ? off : 0), rem)));
        break;
      }
      a.kids.push_back(build(ai->elem_type, p + off, *es, depth + 1));
    }
    return a;
  }

  RNode build_datasec(const Shape& sh, const uint8_t* p, uint64_t len, int depth) {
    RNode s;
    s.kind = NKind::Struct;
    std::string_view name = sh.name;
    s.has_str = !name.empty();
    s.str = std::string(name);
    for (const VarShape& v : sh.vars) {
      if (!v.is_var) {
        s.names.emplace_back();
        s.kids.push_back(
            make_unsupported("datasec entry resolved to non-Var (type id " + std::to_string(v.var_type_id) + ")"));
        continue;
      }
      if (!v.type_ok) {
        s.names.emplace_back(v.name);
        s.kids.push_back(make_unsupported("datasec var type not resolvable"));
        continue;
      }
      s.names.emplace_back(v.name);
      uint64_t off = v.offset, size = v.size;
      if (off + size <= len) {
        s.kids.push_back(build(v.type_id, p + off, size, depth + 1));
      } else {
        uint64_t avail = len > off ? len - off : 0;
        s.kids.push_back(make_truncated(size, avail, build(v.type_id, p + (avail ? off : 0), avail, depth + 1)));
      }
    }
    return s;
  }

  const Btf& btf_;
  const Report* report_;
  std::shared_ptr<ShapeCache> cache_;
  std::unordered_map<uint32_t, const Shape*> local_;
  uint64_t budget_ = kNodeBudget;
};

}  // namespace

RNode build_tree(const Btf& btf, const Report* report, uint32_t type_id, const uint8_t* p, uint64_t len) {
  Builder b(btf, report);
  return b.build(type_id, p, len, 0);
}

RNode build_bitfield_tree(const Btf& btf, uint32_t member_type, const uint8_t* p, uint64_t len, unsigned shift,
                          unsigned width) {
  Builder b(btf, nullptr);
  return b.bitfield(member_type, p, len, shift, width);
}

namespace {

void json_node(const RNode& n, std::string& out) {
  char buf[48];
  switch (n.kind) {
    case NKind::Int:
      out += "{\"kind\":\"int\",\"bits\":";
      append_u64(out, n.bits);
      out += ",\"value\":";
      append_i64(out, n.i());
      out += '}';
      return;
    case NKind::Uint:
      out += "{\"kind\":\"uint\",\"bits\":";
      append_u64(out, n.bits);
      out += ",\"value\":";
      append_u64(out, n.u);
      out += '}';
      return;
    case NKind::Bool:
      out += n.flag ? "{\"kind\":\"bool\",\"value\":true}" : "{\"kind\":\"bool\",\"value\":false}";
      return;
    case NKind::Char:
      out += "{\"kind\":\"char\",\"value\":";
      append_u64(out, n.u);
      out += '}';
      return;
    case NKind::Float:
      out += "{\"kind\":\"float\",\"bits\":";
      append_u64(out, n.bits);
      out += ",\"value\":";
      out.append(buf, put_json_double(buf, n.f));
      out += '}';
      return;
    case NKind::Enum:
      out += "{\"kind\":\"enum\",\"bits\":";
      append_u64(out, n.bits);
      out += ",\"value\":";
      append_i64(out, n.i());
      out += ",\"variant\":";
      if (n.has_str)
        append_json_string(out, n.str);
      else
        out += "null";
      out += n.flag ? ",\"is_signed\":true}" : ",\"is_signed\":false}";
      return;
    case NKind::Struct:
      out += "{\"kind\":\"struct\",\"type_name\":";
      if (n.has_str)
        append_json_string(out, n.str);
      else
        out += "null";
      out += ",\"members\":[";
      for (size_t i = 0; i < n.kids.size(); i++) {
        if (i) out += ',';
        out += "{\"name\":";
        append_json_string(out, n.names[i]);
        out += ",\"value\":";
        json_node(n.kids[i], out);
        out += '}';
      }
      out += "]}";
      return;
    case NKind::Array:
      out += "{\"kind\":\"array\",\"len\":";
      append_u64(out, n.u);
      out += ",\"elements\":[";
      for (size_t i = 0; i < n.kids.size(); i++) {
        if (i) out += ',';
        json_node(n.kids[i], out);
      }
      out += "]}";
      return;
    case NKind::CpuList:
      out += "{\"kind\":\"cpu_list\",\"cpus\":";
      append_json_string(out, n.str);
      out += '}';
      return;
    case NKind::Ptr:
      out += "{\"kind\":\"ptr\",\"value\":";
      append_u64(out, n.u);
      if (!n.kids.empty()) {
        out += ",\"deref\":";
        json_node(n.kids[0], out);
      } else if (n.has_str) {
        out += ",\"deref_skipped_reason\":";
        append_json_string(out, n.str);
      }
      out += '}';
      return;
    case NKind::Bytes:
      out += "{\"kind\":\"bytes\",\"hex\":";
      append_json_string(out, n.str);
      out += '}';
      return;
    case NKind::Truncated:
      out += "{\"kind\":\"truncated\",\"needed\":";
      append_u64(out, n.u);
      out += ",\"had\":";
      append_u64(out, n.had);
      out += ",\"partial\":";
      json_node(n.kids[0], out);
      out += '}';
      return;
    case NKind::Unsupported:
      out += "{\"kind\":\"unsupported\",\"reason\":";
      append_json_string(out, n.str);
      out += '}';
      return;
  }
}

}  // namespace

void tree_to_json(const RNode& n, std::string& out) {
  json_node(n, out);
}

}  // namespace render
}  // namespace v1
}  // namespace ktsnap
