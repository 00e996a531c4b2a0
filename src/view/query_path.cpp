// Path parsing and resolution through BTF (see query_path.hpp). Iterative:
// a path of any length costs one loop pass per component, capped at
// kMaxPathComponents.
#include "view/query_path.hpp"

#include <bpf/btf.h>

#include "value/value.hpp"
#include "view/query_internal.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

std::string ResolvedPath::type_name() const {
  if (ctx == nullptr || ctx->btf == nullptr) return "";
  std::string n = Value::typed(ctx, type_id, nullptr, 0).type_name();
  if (bit_size > 0) {
    n += ':';
    n += std::to_string(bit_size);
  }
  return n;
}

const char* path_kind_name(PathKind k) {
  switch (k) {
    case PathKind::Int:
      return "int";
    case PathKind::Uint:
      return "uint";
    case PathKind::Bool:
      return "bool";
    case PathKind::Char:
      return "char";
    case PathKind::Enum:
      return "enum";
    case PathKind::Float32:
      return "float32";
    case PathKind::Float64:
      return "float64";
    case PathKind::CharArray:
      return "char array";
    case PathKind::Ptr:
      return "pointer";
    case PathKind::Composite:
      return "composite";
    case PathKind::Unsupported:
      return "unsupported";
  }
  return "?";
}

namespace query_detail {

namespace {

std::string type_label(const MapInfo& m, uint32_t id) {
  return Value::typed(m.ctx, id, nullptr, 0).type_name();
}

std::string join_names(const std::vector<std::string_view>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); i++) {
    if (i) s += ", ";
    s += names[i].empty() ? std::string_view("<anon>") : names[i];
  }
  return s.empty() ? "(none)" : s;
}

// Peels modifiers and VARs (a VAR reads as its type).
Result<uint32_t> peel_all(const Btf& b, uint32_t id) {
  for (int hop = 0; hop < 4; hop++) {
    auto p = b.peel(id);
    if (!p.ok()) return p.take_error();
    id = p.value();
    if (b.kind(id) != BtfKind::Var) return id;
    id = b.type(id)->type;
  }
  return make_error(Code::Format, "type id " + std::to_string(id) + ": VAR chain too long");
}

}  // namespace

std::string btf_missing_reason(const MapInfo& m, PathSide side) {
  const char* what = side == PathSide::Key ? "keys" : "values";
  uint32_t id = side == PathSide::Key ? m.key_type_id : m.value_type_id;
  std::string name(m.name);
  if (m.ctx == nullptr || m.ctx->btf == nullptr || m.btf_index < 0 || (m.flags & kMapBtfMissing))
    return "map '" + name + "' was captured without BTF, so its " + what +
           " are untyped bytes and paths cannot be resolved (BTF comes from a kernel built with "
           "CONFIG_DEBUG_INFO_BTF=y and BPF objects compiled with -g)";
  if (id == 0 || !m.ctx->btf->valid_id(id))
    return "map '" + name + "' has no BTF type for its " + what +
           " (type id 0), so paths cannot be resolved on that side (BTF comes from a kernel built with "
           "CONFIG_DEBUG_INFO_BTF=y and BPF objects compiled with -g)";
  return "";
}

Status parse_path(Lexer& lx, Token& t, ParsedPath& out) {
  const uint32_t end_col = static_cast<uint32_t>(lx.source().size() + 1);
  out.column = t.column();
  out.comps.clear();
  out.side = PathSide::Value;
  std::string_view first = lx.text(t);
  if (first == "key") {
    out.side = PathSide::Key;
  } else if (first != "value") {
    out.comps.push_back({false, first, 0, t.column()});
  }
  out.end = t.pos + t.len;
  Status st = lx.next(t);
  if (!st.ok()) return st;
  while (t.kind == Tok::Dot || t.kind == Tok::LBracket) {
    if (out.comps.size() >= kMaxPathComponents)
      return error_at(Code::Range, t.column(),
                      "path has more than " + std::to_string(kMaxPathComponents) + " components");
    if (t.kind == Tok::Dot) {
      if (!(st = lx.next(t)).ok()) return st;
      if (t.kind != Tok::Ident)
        return error_at(Code::Invalid, t.kind == Tok::End ? end_col : t.column(),
                        std::string("expected a member name after '.', found ") + tok_name(t.kind));
      out.comps.push_back({false, lx.text(t), 0, t.column()});
    } else {
      uint32_t col = t.column();
      if (!(st = lx.next(t)).ok()) return st;
      if (t.kind != Tok::Int || t.neg)
        return error_at(Code::Invalid, t.kind == Tok::End ? end_col : t.column(),
                        std::string("expected a non-negative integer index after '[', found ") +
                            (t.kind == Tok::Int ? "a negative integer" : tok_name(t.kind)));
      uint64_t idx = t.mag;
      if (!(st = lx.next(t)).ok()) return st;
      if (t.kind != Tok::RBracket)
        return error_at(Code::Invalid, t.kind == Tok::End ? end_col : t.column(),
                        std::string("expected ']' to close the index opened at column ") + std::to_string(col) +
                            ", found " + tok_name(t.kind));
      out.comps.push_back({true, {}, idx, col});
    }
    out.end = t.pos + t.len;
    if (!(st = lx.next(t)).ok()) return st;
  }
  return {};
}

Result<ResolvedPath> resolve_parsed(const MapInfo& m, const ParsedPath& p, std::string_view src) {
  ResolvedPath r;
  r.side = p.side;
  size_t start = p.column - 1;
  r.text = std::string(src.substr(start, p.end - start));
  auto walked_to = [&](const PathComponent& c) {
    std::string_view w = src.substr(start, c.column - 1 - start);
    while (!w.empty() &&
           (w.back() == '.' || w.back() == ' ' || w.back() == '\t' || w.back() == '\n' || w.back() == '\r'))
      w.remove_suffix(1);
    if (w.empty()) return std::string(p.side == PathSide::Key ? "key" : "value");
    return std::string(w);
  };

  std::string missing = btf_missing_reason(m, p.side);
  if (!missing.empty()) return error_at(Code::Unsupported, p.column, missing);
  const Btf& b = *m.ctx->btf;
  r.ctx = m.ctx;
  const uint64_t container = p.side == PathSide::Key ? m.key_size : m.value_size;
  auto cur_r = peel_all(b, p.side == PathSide::Key ? m.key_type_id : m.value_type_id);
  if (!cur_r.ok()) return error_at(Code::Format, p.column, cur_r.error().message);
  uint32_t cur = cur_r.value();
  uint64_t bitpos = 0;
  uint32_t bf_size = 0;  // set when the cursor is a bitfield member

  for (size_t ci = 0; ci < p.comps.size(); ci++) {
    const PathComponent& c = p.comps[ci];
    const BtfKind k = b.kind(cur);
    if (bf_size > 0)
      return error_at(Code::Type, c.column,
                      "'" + walked_to(c) + "' is a bitfield (" + type_label(m, cur) + ":" + std::to_string(bf_size) +
                          "); it has no " + (c.is_index ? "elements" : "members"));
    if (k == BtfKind::Ptr)
      return error_at(Code::Unsupported, c.column,
                      "path crosses a pointer at '" + walked_to(c) + "' (" + type_label(m, cur) +
                          "); queries read fixed offsets, so a path may end at a pointer (its address) but not "
                          "follow it (read pointed-to data with Value::get)");
    if (!c.is_index) {
      if (k == BtfKind::Struct || k == BtfKind::Union) {
        auto mem = b.find_member(cur, c.name);
        if (!mem) {
          std::vector<BtfMember> ms;
          b.members(cur, true, ms);
          std::vector<std::string_view> names;
          for (auto& x : ms) names.push_back(x.name);
          Error e = error_at(
              Code::NotFound, c.column,
              "no member \"" + std::string(c.name) + "\" in " + type_label(m, cur) + "; members: " + join_names(names));
          for (auto n : names) e.alternatives.emplace_back(n);
          return e;
        }
        if (mem->bitfield_size == 0 && mem->bit_offset % 8 != 0)
          return error_at(Code::Unsupported, c.column,
                          "member \"" + std::string(c.name) + "\" sits at a non-byte bit offset " +
                              std::to_string(mem->bit_offset));
        bitpos += mem->bit_offset;
        bf_size = mem->bitfield_size;
        auto nx = peel_all(b, mem->type_id);
        if (!nx.ok()) return error_at(Code::Format, c.column, nx.error().message);
        cur = nx.value();
      } else if (k == BtfKind::Datasec) {
        std::vector<BtfVarInfo> vars;
        b.datasec_vars(cur, vars);
        const BtfVarInfo* hit = nullptr;
        for (auto& v : vars)
          if (v.name == c.name) {
            hit = &v;
            break;
          }
        if (hit == nullptr) {
          std::vector<std::string_view> names;
          for (auto& v : vars) names.push_back(v.name);
          return error_at(Code::NotFound, c.column,
                          "no variable \"" + std::string(c.name) + "\" in section " + std::string(b.name(cur)) +
                              "; variables: " + join_names(names));
        }
        bitpos += uint64_t(hit->offset) * 8;
        auto nx = peel_all(b, hit->type_id);
        if (!nx.ok()) return error_at(Code::Format, c.column, nx.error().message);
        cur = nx.value();
      } else {
        return error_at(Code::Type, c.column,
                        "'" + walked_to(c) + "' is " + type_label(m, cur) + ", not a struct; it has no member \"" +
                            std::string(c.name) + "\"");
      }
    } else {
      if (k != BtfKind::Array)
        return error_at(Code::Type, c.column,
                        "'" + walked_to(c) + "' is " + type_label(m, cur) + ", not an array; it cannot be indexed");
      auto ai = b.array_info(cur);
      if (c.index >= ai->nelems)
        return error_at(Code::Range, c.column,
                        "index " + std::to_string(c.index) + " out of range for '" + walked_to(c) + "' (" +
                            type_label(m, cur) + ", " + std::to_string(ai->nelems) + " elements)");
      auto esz = b.size(ai->elem_type);
      if (!esz) return error_at(Code::Unsupported, c.column, "element size of " + type_label(m, cur) + " is unknown");
      // index < nelems < 2^32 and esz < 2^32: the product fits in 64 bits
      if (c.index * *esz > container)
        return error_at(Code::Range, c.column,
                        "'" + r.text + "' lies beyond the " + std::to_string(container) + "-byte " +
                            (p.side == PathSide::Key ? "key" : "value") + " of map '" + std::string(m.name) + "'");
      bitpos += c.index * *esz * 8;
      auto nx = peel_all(b, ai->elem_type);
      if (!nx.ok()) return error_at(Code::Format, c.column, nx.error().message);
      cur = nx.value();
    }
    if (bitpos / 8 > container)
      return error_at(Code::Range, c.column,
                      "'" + r.text + "' starts at byte " + std::to_string(bitpos / 8) + ", beyond the " +
                          std::to_string(container) + "-byte " + (p.side == PathSide::Key ? "key" : "value") +
                          " of map '" + std::string(m.name) + "'");
  }

  r.type_id = cur;
  const BtfKind k = b.kind(cur);
  uint64_t size = 0;
  if (bf_size > 0) {
    if (bf_size > 64)
      return error_at(
          Code::Unsupported, p.column,
          "bitfield '" + r.text + "' is " + std::to_string(bf_size) + " bits wide (at most 64 are supported)");
    r.bit_shift = static_cast<uint8_t>(bitpos % 8);
    r.bit_size = static_cast<uint8_t>(bf_size);
    size = (r.bit_shift + bf_size + 7) / 8;
    if (auto ii = b.int_info(cur)) {
      r.is_signed = ii->is_signed;
      r.kind = ii->is_signed ? PathKind::Int : PathKind::Uint;
    } else if (k == BtfKind::Enum || k == BtfKind::Enum64) {
      r.is_signed = b.enum_is_signed(cur);
      r.kind = PathKind::Enum;
    } else {
      r.kind = PathKind::Unsupported;
    }
  } else {
    switch (k) {
      case BtfKind::Int: {
        auto ii = b.int_info(cur);
        size = ii->size;
        if (ii->size == 0 || ii->size > 8)
          r.kind = PathKind::Unsupported;
        else if (ii->is_bool)
          r.kind = PathKind::Bool;
        else if (ii->is_char && ii->size == 1)
          r.kind = PathKind::Char;
        else if (ii->is_signed) {
          r.kind = PathKind::Int;
          r.is_signed = true;
        } else {
          r.kind = PathKind::Uint;
        }
        break;
      }
      case BtfKind::Float:
        size = b.type(cur)->size;
        r.kind = size == 4 ? PathKind::Float32 : size == 8 ? PathKind::Float64 : PathKind::Unsupported;
        break;
      case BtfKind::Enum:
      case BtfKind::Enum64:
        size = b.type(cur)->size;
        r.kind = (size >= 1 && size <= 8) ? PathKind::Enum : PathKind::Unsupported;
        r.is_signed = b.enum_is_signed(cur);
        break;
      case BtfKind::Ptr:
        size = 8;
        r.kind = PathKind::Ptr;
        break;
      case BtfKind::Array: {
        auto ai = b.array_info(cur);
        auto e = b.peel(ai->elem_type);
        auto ei = e.ok() ? b.int_info(e.value()) : std::nullopt;
        if (ei && ei->size == 1 && !ei->is_bool) {
          r.kind = PathKind::CharArray;
          size = ai->nelems;
        } else {
          r.kind = PathKind::Composite;
          size = b.size(cur).value_or(0);
        }
        break;
      }
      case BtfKind::Struct:
      case BtfKind::Union:
      case BtfKind::Datasec:
        r.kind = PathKind::Composite;
        size = b.size(cur).value_or(0);
        break;
      default:
        r.kind = PathKind::Unsupported;
        break;
    }
  }
  r.offset = static_cast<uint32_t>(bitpos / 8);
  r.size = static_cast<uint32_t>(size);
  if (r.kind != PathKind::Composite && r.kind != PathKind::Unsupported) {
    uint64_t end = uint64_t(r.offset) + size;
    if (end > container)
      return error_at(Code::Range, p.column,
                      "'" + r.text + "' (" + r.type_name() + ") ends at byte " + std::to_string(end) + ", beyond the " +
                          std::to_string(container) + "-byte " + (p.side == PathSide::Key ? "key" : "value") +
                          " of map '" + std::string(m.name) + "'");
  }
  return r;
}

RawLoad make_load(const ResolvedPath& p, bool force_unsigned) {
  RawLoad l;
  l.off = p.offset;
  l.span = static_cast<uint8_t>(p.size > 9 ? 9 : p.size);
  const bool sgn = p.is_signed && !force_unsigned && (p.kind == PathKind::Int || p.kind == PathKind::Enum);
  if (p.bit_size > 0) {
    l.op = sgn ? LoadOp::BitsS : LoadOp::BitsU;
    l.shift = p.bit_shift;
    l.bits = p.bit_size;
    return l;
  }
  switch (p.kind) {
    case PathKind::Bool:
      l.op = LoadOp::Bool;
      l.bits = static_cast<uint8_t>(p.size);
      return l;
    case PathKind::Float32:
      l.op = LoadOp::F32;
      return l;
    case PathKind::Float64:
      l.op = LoadOp::F64;
      return l;
    case PathKind::CharArray:  // compared in place from `off`; never loaded as a number
    case PathKind::Composite:
    case PathKind::Unsupported:
      l.op = LoadOp::U8;
      l.span = 1;
      return l;
    default:
      break;
  }
  switch (p.size) {
    case 1:
      l.op = sgn ? LoadOp::S8 : LoadOp::U8;
      return l;
    case 2:
      l.op = sgn ? LoadOp::S16 : LoadOp::U16;
      return l;
    case 4:
      l.op = sgn ? LoadOp::S32 : LoadOp::U32;
      return l;
    case 8:
      l.op = sgn ? LoadOp::S64 : LoadOp::U64;
      return l;
    default:  // odd widths (3, 5, 6, 7 bytes) read as a bitfield at bit 0
      l.op = sgn ? LoadOp::BitsS : LoadOp::BitsU;
      l.shift = 0;
      l.bits = static_cast<uint8_t>(p.size * 8);
      return l;
  }
}

const char* target_name(NumTarget t) {
  switch (t) {
    case NumTarget::U64:
      return "u64";
    case NumTarget::I64:
      return "i64";
    case NumTarget::F64:
      return "f64";
  }
  return "?";
}

Result<Conv> conversion_for(const ResolvedPath& p, NumTarget t) {
  // An enum bitfield reads as an integer of its signedness (Value::kind).
  PathKind kind = p.kind;
  if (kind == PathKind::Enum && p.bit_size > 0) kind = p.is_signed ? PathKind::Int : PathKind::Uint;
  auto no = [&]() {
    return make_error(Code::Type, "'" + p.text + "' (" + path_kind_name(p.kind) + ", " + p.type_name() +
                                      ") cannot be read as " + target_name(t));
  };
  switch (t) {
    case NumTarget::U64:
      switch (kind) {
        case PathKind::Uint:
        case PathKind::Char:
        case PathKind::Ptr:
        case PathKind::Bool:
          return Conv::Same;
        case PathKind::Int:
          return Conv::NonNegative;
        case PathKind::Enum:
          return p.is_signed ? Conv::NonNegative : Conv::Same;
        default:
          return no();
      }
    case NumTarget::I64:
      switch (kind) {
        case PathKind::Int:
        case PathKind::Char:
        case PathKind::Bool:
        case PathKind::Enum:
          return Conv::Same;
        case PathKind::Uint:
          return Conv::AtMostI64Max;
        default:
          return no();
      }
    case NumTarget::F64:
      switch (kind) {
        case PathKind::Float32:
        case PathKind::Float64:
          return Conv::FloatToF64;
        case PathKind::Int:
        case PathKind::Enum:
          return Conv::SignedToF64;
        case PathKind::Uint:
          return Conv::UnsignedToF64;
        default:
          return no();
      }
  }
  return no();
}

}  // namespace query_detail

Result<ResolvedPath> resolve_path(const MapInfo& map, std::string_view path) {
  using namespace query_detail;
  if (path.size() > kMaxExpressionBytes)
    return make_error(Code::Range, "path of " + std::to_string(path.size()) + " bytes exceeds the " +
                                       std::to_string(kMaxExpressionBytes) + "-byte limit");
  Lexer lx(path);
  Token t;
  Status st = lx.next(t);
  if (!st.ok()) return st.take_error();
  if (t.kind != Tok::Ident)
    return error_at(Code::Invalid, t.column(), std::string("expected a path, found ") + tok_name(t.kind));
  ParsedPath pp;
  st = parse_path(lx, t, pp);
  if (!st.ok()) return st.take_error();
  if (t.kind != Tok::End)
    return error_at(Code::Invalid, t.column(), std::string("unexpected ") + tok_name(t.kind) + " after the path");
  return resolve_parsed(map, pp, path);
}

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
