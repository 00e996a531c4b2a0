#include "value/value.hpp"

#include <bpf/btf.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace ktsnap {
inline namespace v1 {

static_assert(std::endian::native == std::endian::little, "report bytes are little-endian");

namespace {

uint64_t load_le(const uint8_t* p, unsigned n) {
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

int64_t sign_extend(uint64_t v, unsigned bits) {
  if (bits == 0 || bits >= 64) return static_cast<int64_t>(v);
  uint64_t m = 1ull << (bits - 1);
  v &= (1ull << bits) - 1;
  return static_cast<int64_t>((v ^ m) - m);
}

std::string hex(uint64_t v) {
  char buf[24] = "0x";
  auto r = std::to_chars(buf + 2, buf + sizeof buf, v, 16);
  return std::string(buf, r.ptr);
}

std::string join(const std::vector<std::string_view>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); i++) {
    if (i) s += ", ";
    s += names[i].empty() ? std::string_view("<anon>") : names[i];
  }
  return s.empty() ? "(none)" : s;
}

// Details of a scalar read: raw bits (zero-extended to 64) and width.
struct Scalar {
  uint64_t bits = 0;
  unsigned width = 0;  // bits
  bool is_signed = false;
  int64_t as_signed() const { return is_signed ? sign_extend(bits, width) : static_cast<int64_t>(bits); }
};

}  // namespace

const char* value_kind_name(ValueKind k) {
  switch (k) {
    case ValueKind::Invalid: return "invalid";
    case ValueKind::Int: return "int";
    case ValueKind::Uint: return "uint";
    case ValueKind::Bool: return "bool";
    case ValueKind::Char: return "char";
    case ValueKind::Float: return "float";
    case ValueKind::Enum: return "enum";
    case ValueKind::Struct: return "struct";
    case ValueKind::Union: return "union";
    case ValueKind::Array: return "array";
    case ValueKind::Ptr: return "ptr";
    case ValueKind::Datasec: return "datasec";
    case ValueKind::Bytes: return "bytes";
    case ValueKind::Unsupported: return "unsupported";
  }
  return "unknown";
}

Value Value::typed(const ValueContext* ctx, uint32_t type_id, const uint8_t* data, uint64_t len) {
  Value v;
  v.ctx_ = ctx;
  v.data_ = data;
  v.len_ = data ? len : 0;
  if (ctx == nullptr || ctx->btf == nullptr) {
    v.is_bytes_ = true;
    return v;
  }
  const Btf& b = *ctx->btf;
  uint32_t id = type_id;
  // Peel modifiers and VARs (a VAR renders as its type over the same bytes).
  for (int hop = 0; hop < 4; hop++) {
    auto p = b.peel(id);
    if (!p.ok()) break;  // kind() reports Unsupported for an unpeelable id
    id = p.value();
    if (b.kind(id) != BtfKind::Var) break;
    id = b.type(id)->type;
  }
  v.type_id_ = id;
  return v;
}

Value Value::bytes(const ValueContext* ctx, const uint8_t* data, uint64_t len) {
  Value v;
  v.ctx_ = ctx;
  v.data_ = data;
  v.len_ = data ? len : 0;
  v.is_bytes_ = true;
  return v;
}

Value Value::map_key(const MapInfo& m, uint32_t entry) {
  if (entry >= m.entry_count || m.ctx == nullptr) return Value();
  const uint8_t* p = m.key_ptr(entry);
  if (m.ctx->btf && m.key_type_id != 0 && !(m.flags & kMapBtfMissing))
    return typed(m.ctx, m.key_type_id, p, m.key_size);
  return bytes(m.ctx, p, m.key_size);
}

Value Value::map_value(const MapInfo& m, uint32_t entry, uint32_t cpu) {
  if (entry >= m.entry_count || m.ctx == nullptr) return Value();
  if (m.percpu ? cpu >= m.nr_cpus : cpu != 0) return Value();
  const uint8_t* p = m.value_ptr(entry, cpu);
  if (m.ctx->btf && m.value_type_id != 0 && !(m.flags & kMapBtfMissing))
    return typed(m.ctx, m.value_type_id, p, m.value_size);
  return bytes(m.ctx, p, m.value_size);
}

ValueKind Value::kind() const {
  if (ctx_ == nullptr) return ValueKind::Invalid;
  if (is_bytes_) return ValueKind::Bytes;
  const Btf& b = *ctx_->btf;
  if (bit_size_ > 0) {
    bool sgn = false;
    if (auto ii = b.int_info(type_id_)) sgn = ii->is_signed;
    else if (b.enum_is_signed(type_id_)) sgn = true;
    return sgn ? ValueKind::Int : ValueKind::Uint;
  }
  switch (b.kind(type_id_)) {
    case BtfKind::Int: {
      auto ii = b.int_info(type_id_);
      if (ii->size > 8 || ii->size == 0) return ValueKind::Bytes;
      if (ii->is_bool) return ValueKind::Bool;
      if (ii->is_char && ii->size == 1) return ValueKind::Char;
      return ii->is_signed ? ValueKind::Int : ValueKind::Uint;
    }
    case BtfKind::Float: return ValueKind::Float;
    case BtfKind::Enum:
    case BtfKind::Enum64: return ValueKind::Enum;
    case BtfKind::Struct: return ValueKind::Struct;
    case BtfKind::Union: return ValueKind::Union;
    case BtfKind::Array: return ValueKind::Array;
    case BtfKind::Ptr: return ValueKind::Ptr;
    case BtfKind::Datasec: return ValueKind::Datasec;
    default: return ValueKind::Unsupported;
  }
}

uint64_t Value::size() const {
  if (ctx_ == nullptr) return 0;
  if (is_bytes_) return len_;
  if (bit_size_ > 0) return (uint64_t(bit_off_) + bit_size_ + 7) / 8;
  return ctx_->btf->size(type_id_).value_or(0);
}

bool Value::truncated() const { return ctx_ != nullptr && available() < size(); }

std::string Value::type_name() const {
  if (ctx_ == nullptr || is_bytes_) return "";
  const Btf& b = *ctx_->btf;
  std::string n;
  if (b.kind(type_id_) == BtfKind::Array) {
    // elem[N][M]: collect dimensions outer to inner.
    std::string dims;
    uint32_t id = type_id_;
    for (int d = 0; d < 16; d++) {
      auto ai = b.array_info(id);
      if (!ai) break;
      dims += '[';
      dims += std::to_string(ai->nelems);
      dims += ']';
      auto e = b.peel(ai->elem_type);
      if (!e.ok()) break;
      id = e.value();
    }
    n = b.type_display_name(id) + dims;
  } else {
    n = b.type_display_name(type_id_);
  }
  if (bit_size_ > 0) {
    n += ':';
    n += std::to_string(bit_size_);
  }
  return n;
}

Result<uint64_t> Value::raw_bits(bool* is_signed) const {
  ValueKind k = kind();
  if (k == ValueKind::Invalid) return make_error(Code::Invalid, "invalid value");
  const Btf* b = btf();
  if (bit_size_ > 0) {
    unsigned need = (bit_off_ + bit_size_ + 7) / 8;
    if (bit_size_ > 64) return make_error(Code::Unsupported, "bitfield width " + std::to_string(bit_size_) + " out of range");
    if (len_ < need)
      return make_error(Code::Range, "bitfield needs " + std::to_string(need) + " bytes, " + std::to_string(len_) + " captured");
    unsigned __int128 w = 0;
    for (unsigned i = 0; i < need; i++) w |= static_cast<unsigned __int128>(data_[i]) << (8 * i);
    w >>= bit_off_;
    uint64_t v = static_cast<uint64_t>(w);
    if (bit_size_ < 64) v &= (1ull << bit_size_) - 1;
    if (is_signed) *is_signed = (k == ValueKind::Int);
    return v;
  }
  unsigned n;
  bool sgn = false;
  switch (k) {
    case ValueKind::Int:
    case ValueKind::Uint:
    case ValueKind::Bool:
    case ValueKind::Char:
      n = b->int_info(type_id_)->size;
      sgn = (k == ValueKind::Int);
      break;
    case ValueKind::Enum:
      n = b->type(type_id_)->size;
      sgn = b->enum_is_signed(type_id_);
      if (n == 0 || n > 8) return make_error(Code::Unsupported, "enum of " + std::to_string(n) + " bytes");
      break;
    case ValueKind::Ptr:
      n = 8;
      break;
    default:
      return make_error(Code::Type, std::string("a ") + value_kind_name(k) + " value has no integer bits");
  }
  if (len_ < n)
    return make_error(Code::Range, type_name() + " needs " + std::to_string(n) + " bytes, " + std::to_string(len_) +
                                       " captured (truncated)");
  if (is_signed) *is_signed = sgn;
  return load_le(data_, n);
}

namespace {
Result<Scalar> read_scalar(const Value& v) {
  Scalar s;
  bool sgn = false;
  auto r = v.raw_bits(&sgn);
  if (!r.ok()) return r.take_error();
  s.bits = r.value();
  s.is_signed = sgn;
  s.width = v.bit_size() ? v.bit_size() : static_cast<unsigned>(v.size() * 8);
  return s;
}

Error mismatch(const Value& v, const char* want) {
  return make_error(Code::Type, std::string("cannot read ") + value_kind_name(v.kind()) +
                                    (v.type_name().empty() ? "" : " (" + v.type_name() + ")") + " as " + want);
}
}  // namespace

Result<uint64_t> Value::as_u64() const {
  ValueKind k = kind();
  switch (k) {
    case ValueKind::Uint:
    case ValueKind::Char:
    case ValueKind::Ptr: {
      auto s = read_scalar(*this);
      if (!s.ok()) return s.take_error();
      return s->bits;
    }
    case ValueKind::Bool: {
      auto s = read_scalar(*this);
      if (!s.ok()) return s.take_error();
      return uint64_t(s->bits != 0);
    }
    case ValueKind::Int:
    case ValueKind::Enum: {
      auto s = read_scalar(*this);
      if (!s.ok()) return s.take_error();
      if (s->is_signed && s->as_signed() < 0)
        return make_error(Code::Range, "cannot read negative " + std::string(value_kind_name(k)) + " " +
                                           std::to_string(s->as_signed()) + " as u64");
      return s->bits;
    }
    default:
      return mismatch(*this, "u64");
  }
}

Result<int64_t> Value::as_i64() const {
  ValueKind k = kind();
  switch (k) {
    case ValueKind::Int:
    case ValueKind::Enum:
    case ValueKind::Char: {
      auto s = read_scalar(*this);
      if (!s.ok()) return s.take_error();
      return s->as_signed();
    }
    case ValueKind::Bool: {
      auto s = read_scalar(*this);
      if (!s.ok()) return s.take_error();
      return int64_t(s->bits != 0);
    }
    case ValueKind::Uint: {
      auto s = read_scalar(*this);
      if (!s.ok()) return s.take_error();
      if (s->bits > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return make_error(Code::Range, "unsigned value " + std::to_string(s->bits) + " exceeds the i64 range");
      return static_cast<int64_t>(s->bits);
    }
    default:
      return mismatch(*this, "i64");
  }
}

Result<double> Value::as_f64() const {
  ValueKind k = kind();
  switch (k) {
    case ValueKind::Float: {
      uint64_t n = size();
      if (available() < n) return make_error(Code::Range, "float needs " + std::to_string(n) + " bytes, " +
                                                              std::to_string(available()) + " captured (truncated)");
      if (n == 4) {
        float f;
        std::memcpy(&f, data_, 4);
        return static_cast<double>(f);
      }
      if (n == 8) {
        double d;
        std::memcpy(&d, data_, 8);
        return d;
      }
      return make_error(Code::Unsupported, "unsupported float size " + std::to_string(n));
    }
    case ValueKind::Int:
    case ValueKind::Enum: {
      auto s = read_scalar(*this);
      if (!s.ok()) return s.take_error();
      return static_cast<double>(s->as_signed());
    }
    case ValueKind::Uint: {
      auto s = read_scalar(*this);
      if (!s.ok()) return s.take_error();
      return static_cast<double>(s->bits);
    }
    default:
      return mismatch(*this, "f64");
  }
}

Result<bool> Value::as_bool() const {
  switch (kind()) {
    case ValueKind::Bool: {
      // true iff any byte of the declared width is non-zero
      uint64_t n = size();
      if (available() < n) return make_error(Code::Range, "bool truncated");
      for (uint64_t i = 0; i < n; i++)
        if (data_[i]) return true;
      return false;
    }
    case ValueKind::Int:
    case ValueKind::Uint:
    case ValueKind::Char:
    case ValueKind::Enum:
    case ValueKind::Ptr: {
      auto s = read_scalar(*this);
      if (!s.ok()) return s.take_error();
      return s->bits != 0;
    }
    default:
      return mismatch(*this, "bool");
  }
}

Result<std::string_view> Value::enum_name() const {
  if (kind() != ValueKind::Enum || bit_size_ > 0) return mismatch(*this, "an enum variant name");
  auto s = read_scalar(*this);
  if (!s.ok()) return s.take_error();
  auto n = btf()->enum_variant(type_id_, s->bits);
  if (!n)
    return make_error(Code::NotFound, "value " + std::to_string(s->as_signed()) + " matches no enumerator of " +
                                          type_name());
  return *n;
}

Result<std::string> Value::as_string() const {
  ValueKind k = kind();
  if (k == ValueKind::Enum) {
    auto n = enum_name();
    if (!n.ok()) return n.take_error();
    return std::string(n.value());
  }
  if (k == ValueKind::Array) {
    auto ai = btf()->array_info(type_id_);
    auto e = btf()->peel(ai->elem_type);
    if (e.ok()) {
      auto ii = btf()->int_info(e.value());
      if (ii && ii->size == 1 && !ii->is_bool) {
        uint64_t n = std::min<uint64_t>(ai->nelems, available());
        const void* nul = std::memchr(data_, 0, n);
        uint64_t len = nul ? static_cast<const uint8_t*>(nul) - data_ : n;
        return std::string(reinterpret_cast<const char*>(data_), len);
      }
    }
  }
  return mismatch(*this, "a string (enum variant or char array)");
}

Result<Value> Value::deref() const {
  if (kind() != ValueKind::Ptr) return mismatch(*this, "a pointer to follow");
  auto a = raw_bits();
  if (!a.ok()) return a.take_error();
  uint64_t addr = a.value();
  if (addr == 0) return make_error(Code::NotFound, "null pointer (" + type_name() + ")");
  const Btf& b = *btf();
  auto target = b.peel_resolving_fwd(b.type(type_id_)->type);
  if (!target.ok()) return target.take_error();
  auto tsz = b.size(target.value());
  if (!tsz || *tsz == 0)
    return make_error(Code::Type, "pointer " + hex(addr) + " (" + type_name() + ") points to a type without a size");
  const RegionInfo* r = ctx_->report ? ctx_->report->find_region(addr) : nullptr;
  if (r == nullptr)
    return make_error(Code::NotFound, "pointer target " + hex(addr) + " (" + type_name() + ") was not captured in the report");
  uint64_t off = addr - r->address;
  uint64_t avail = std::min<uint64_t>(r->size - off, *tsz);
  return Value::typed(ctx_, target.value(), r->data + off, avail);
}

Result<Value> Value::member(std::string_view name) const {
  Value cur = *this;
  for (int hop = 0; cur.kind() == ValueKind::Ptr; hop++) {
    if (hop >= kMaxPointerFollow) return make_error(Code::Range, "more than 17 pointers to follow");
    auto d = cur.deref();
    if (!d.ok()) return d.take_error();
    cur = d.value();
  }
  const ValueKind k = cur.kind();
  const Btf* b = cur.btf();
  if (k == ValueKind::Struct || k == ValueKind::Union) {
    if (cur.bit_size_ > 0) return mismatch(cur, "a struct");
    auto m = b->find_member(cur.type_id_, name);
    if (!m) {
      std::vector<BtfMember> ms;
      b->members(cur.type_id_, true, ms);
      std::vector<std::string_view> names;
      for (auto& x : ms) names.push_back(x.name);
      return make_error(Code::NotFound, "no member \"" + std::string(name) + "\" in " + cur.type_name() +
                                            "; members: " + join(names));
    }
    uint64_t byte = m->bit_offset / 8;
    uint64_t avail = cur.len_ > byte ? cur.len_ - byte : 0;
    if (m->bitfield_size > 0) {
      Value v = Value::typed(cur.ctx_, m->type_id, cur.data_ + std::min(byte, cur.len_), avail);
      if (m->bitfield_size > 64)
        return make_error(Code::Unsupported, "bitfield " + std::string(name) + " width " +
                                                 std::to_string(m->bitfield_size) + " out of range");
      v.bit_off_ = static_cast<uint8_t>(m->bit_offset % 8);
      v.bit_size_ = static_cast<uint8_t>(m->bitfield_size);
      v.len_ = std::min<uint64_t>(avail, (v.bit_off_ + v.bit_size_ + 7) / 8);
      return v;
    }
    if (m->bit_offset % 8 != 0)
      return make_error(Code::Unsupported, "member " + std::string(name) + " at non-byte bit offset " +
                                               std::to_string(m->bit_offset));
    Value v = Value::typed(cur.ctx_, m->type_id, cur.data_ + std::min(byte, cur.len_), avail);
    if (auto sz = v.size(); sz && v.len_ > sz) v.len_ = sz;
    return v;
  }
  if (k == ValueKind::Datasec) {
    std::vector<BtfVarInfo> vars;
    b->datasec_vars(cur.type_id_, vars);
    for (auto& var : vars) {
      if (var.name != name) continue;
      uint64_t avail = cur.len_ > var.offset ? std::min<uint64_t>(cur.len_ - var.offset, var.size) : 0;
      return Value::typed(cur.ctx_, var.type_id, cur.data_ + std::min<uint64_t>(var.offset, cur.len_), avail);
    }
    std::vector<std::string_view> names;
    for (auto& var : vars) names.push_back(var.name);
    return make_error(Code::NotFound, "no variable \"" + std::string(name) + "\" in section " +
                                          std::string(b->name(cur.type_id_)) + "; variables: " + join(names));
  }
  return make_error(Code::Type, "cannot take member \"" + std::string(name) + "\" of " + value_kind_name(k) +
                                    (cur.type_name().empty() ? "" : " (" + cur.type_name() + ")"));
}

Result<Value> Value::index(uint64_t i) const {
  Value cur = *this;
  for (int hop = 0; cur.kind() == ValueKind::Ptr; hop++) {
    if (hop >= kMaxPointerFollow) return make_error(Code::Range, "more than 17 pointers to follow");
    auto d = cur.deref();
    if (!d.ok()) return d.take_error();
    cur = d.value();
  }
  if (cur.kind() != ValueKind::Array) return mismatch(cur, "an array to index");
  const Btf& b = *cur.btf();
  auto ai = b.array_info(cur.type_id_);
  if (i >= ai->nelems)
    return make_error(Code::Range, "index " + std::to_string(i) + " out of range for " + cur.type_name() + " (" +
                                       std::to_string(ai->nelems) + " elements)");
  auto esz = b.size(ai->elem_type);
  if (!esz) return make_error(Code::Unsupported, "array element size of " + cur.type_name() + " is not resolvable");
  uint64_t off = i * *esz;
  uint64_t avail = cur.len_ > off ? std::min<uint64_t>(cur.len_ - off, *esz) : 0;
  return Value::typed(cur.ctx_, ai->elem_type, cur.data_ + std::min(off, cur.len_), avail);
}

Result<Value> Value::get(std::string_view path) const {
  Value cur = *this;
  if (path.empty()) return cur;
  int followed = 0;
  size_t pos = 0;
  std::string walked;
  auto fail = [&](std::string_view comp, const Error& e) {
    return make_error(e.code, "path \"" + std::string(path) + "\": at \"" + std::string(comp) + "\"" +
                                  (walked.empty() ? "" : " (after \"" + walked + "\")") + ": " + e.message,
                      e.sys_errno);
  };
  auto follow = [&](std::string_view comp) -> Status {
    while (cur.kind() == ValueKind::Ptr) {
      if (++followed > kMaxPointerFollow)
        return fail(comp, make_error(Code::Range, "more than " + std::to_string(kMaxPointerFollow) +
                                                      " pointers followed"));
      auto d = cur.deref();
      if (!d.ok()) return fail(comp, d.error());
      cur = d.value();
    }
    return {};
  };
  bool first = true;
  while (pos <= path.size()) {
    size_t end = path.find('.', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(pos, end - pos);
    size_t br = seg.find('[');
    std::string_view name = seg.substr(0, br);
    if (name.empty() && (br == std::string_view::npos || !first))
      return make_error(Code::Invalid, "path \"" + std::string(path) + "\": empty component at offset " +
                                           std::to_string(pos));
    if (!name.empty()) {
      Status st = follow(name);
      if (!st.ok()) return st.take_error();
      auto m = cur.member(name);
      if (!m.ok()) return fail(name, m.error());
      cur = m.value();
      if (!walked.empty()) walked += '.';
      walked += name;
    }
    while (br != std::string_view::npos && br < seg.size()) {
      size_t close = seg.find(']', br);
      std::string_view num = close == std::string_view::npos ? std::string_view() : seg.substr(br + 1, close - br - 1);
      uint64_t idx = 0;
      auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), idx);
      if (close == std::string_view::npos || num.empty() || ec != std::errc() || p != num.data() + num.size())
        return make_error(Code::Invalid, "path \"" + std::string(path) + "\": malformed index in \"" +
                                             std::string(seg) + "\" (want [N] with a decimal N)");
      Status st = follow(seg);
      if (!st.ok()) return st.take_error();
      auto e = cur.index(idx);
      if (!e.ok()) return fail(seg.substr(br, close - br + 1), e.error());
      cur = e.value();
      walked += seg.substr(br, close - br + 1);
      br = close + 1;
      if (br < seg.size() && seg[br] != '[')
        return make_error(Code::Invalid, "path \"" + std::string(path) + "\": unexpected text after ] in \"" +
                                             std::string(seg) + "\"");
    }
    first = false;
    if (end == path.size()) break;
    pos = end + 1;
    if (pos == path.size())
      return make_error(Code::Invalid, "path \"" + std::string(path) + "\": ends with an empty component");
  }
  return cur;
}

Result<std::vector<std::string_view>> Value::member_names() const {
  Value cur = *this;
  for (int hop = 0; cur.kind() == ValueKind::Ptr; hop++) {
    if (hop >= kMaxPointerFollow) return make_error(Code::Range, "more than 17 pointers to follow");
    auto d = cur.deref();
    if (!d.ok()) return d.take_error();
    cur = d.value();
  }
  std::vector<std::string_view> names;
  ValueKind k = cur.kind();
  if ((k == ValueKind::Struct || k == ValueKind::Union) && cur.bit_size_ == 0) {
    std::vector<BtfMember> ms;
    cur.btf()->members(cur.type_id_, true, ms);
    for (auto& m : ms) names.push_back(m.name);
    return names;
  }
  if (k == ValueKind::Datasec) {
    std::vector<BtfVarInfo> vars;
    cur.btf()->datasec_vars(cur.type_id_, vars);
    for (auto& v : vars) names.push_back(v.name);
    return names;
  }
  return mismatch(cur, "a struct, union or section with members");
}

Result<uint64_t> Value::length() const {
  if (kind() == ValueKind::Array) return uint64_t(btf()->array_info(type_id_)->nelems);
  auto n = member_names();
  if (!n.ok()) return mismatch(*this, "an array or composite with a length");
  return uint64_t(n->size());
}

namespace {
// Locates the array behind pointers and applies `conv` to each element
// that is wholly captured.
template <typename T, typename Conv>
Status extract(const Value& v, std::vector<T>& out, const char* tname, Conv conv) {
  Value cur = v;
  for (int hop = 0; cur.kind() == ValueKind::Ptr; hop++) {
    if (hop >= kMaxPointerFollow) return make_error(Code::Range, "more than 17 pointers to follow");
    auto d = cur.deref();
    if (!d.ok()) return d.take_error();
    cur = d.value();
  }
  if (cur.kind() != ValueKind::Array)
    return make_error(Code::Type, std::string("cannot read ") + value_kind_name(cur.kind()) + " as [" + tname + "]");
  const Btf& b = *cur.btf();
  auto ai = b.array_info(cur.type_id());
  auto esz = b.size(ai->elem_type);
  if (!esz || *esz == 0) return make_error(Code::Unsupported, "array element size not resolvable");
  uint64_t n = std::min<uint64_t>(ai->nelems, cur.available() / *esz);
  out.clear();
  out.reserve(n);
  for (uint64_t i = 0; i < n; i++) {
    Value e = Value::typed(cur.context(), ai->elem_type, cur.data() + i * *esz, *esz);
    auto r = conv(e);
    if (!r.ok())
      return make_error(r.error().code, "element [" + std::to_string(i) + "] of " + cur.type_name() + ": " +
                                            r.error().message);
    out.push_back(static_cast<T>(r.value()));
  }
  return {};
}
}  // namespace

Status Value::as_u64_array(std::vector<uint64_t>& out) const {
  return extract(*this, out, "u64", [](const Value& e) { return e.as_u64(); });
}
Status Value::as_u32_array(std::vector<uint32_t>& out) const {
  return extract(*this, out, "u32", [](const Value& e) -> Result<uint64_t> {
    auto r = e.as_u64();
    if (r.ok() && r.value() > UINT32_MAX)
      return make_error(Code::Range, "value " + std::to_string(r.value()) + " exceeds the u32 range");
    return r;
  });
}
Status Value::as_i64_array(std::vector<int64_t>& out) const {
  return extract(*this, out, "i64", [](const Value& e) { return e.as_i64(); });
}
Status Value::as_f64_array(std::vector<double>& out) const {
  return extract(*this, out, "f64", [](const Value& e) { return e.as_f64(); });
}
Status Value::as_bool_array(std::vector<uint8_t>& out) const {
  return extract(*this, out, "bool", [](const Value& e) -> Result<uint8_t> {
    auto r = e.as_bool();
    if (!r.ok()) return r.take_error();
    return uint8_t(r.value());
  });
}

}  // namespace v1
}  // namespace ktsnap
