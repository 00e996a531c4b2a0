#include "view/field.hpp"

#include <limits>

namespace ktsnap {
inline namespace v1 {
namespace view {

namespace {

const char* kind_base(const Value& v) {
  switch (v.kind()) {
    case ValueKind::Invalid:
      return "Invalid";
    case ValueKind::Int:
      return "Int";
    case ValueKind::Uint:
      return "Uint";
    case ValueKind::Bool:
      return "Bool";
    case ValueKind::Char:
      return "Char";
    case ValueKind::Float:
      return "Float";
    case ValueKind::Enum:
      return "Enum";
    case ValueKind::Struct:
      return "Struct";
    case ValueKind::Union:
      return "Union";
    case ValueKind::Array:
      return "Array";
    case ValueKind::Ptr:
      return "Ptr";
    case ValueKind::Datasec:
      return "Datasec";
    case ValueKind::Bytes:
      return "Bytes";
    case ValueKind::Unsupported:
      return "Unsupported";
  }
  return "Unsupported";
}

bool is_scalar(ValueKind k) {
  switch (k) {
    case ValueKind::Int:
    case ValueKind::Uint:
    case ValueKind::Bool:
    case ValueKind::Char:
    case ValueKind::Float:
    case ValueKind::Enum:
    case ValueKind::Ptr:
      return true;
    default:
      return false;
  }
}

SnapshotError mismatch(std::string expected, std::string actual) {
  return TypeMismatch{std::move(expected), std::move(actual), ""};
}

// A scalar whose bytes were cut short at capture cannot be read at all.
bool short_scalar(const Value& v) {
  return is_scalar(v.kind()) && v.truncated();
}

// The array behind `v` (pointers followed), or nullopt.
std::optional<Value> locate_array(const Value& v) {
  Value cur = peel_pointer(v);
  if (cur.kind() == ValueKind::Array) return cur;
  return std::nullopt;
}

// Elements wholly present in the captured bytes of an array.
uint64_t present_elements(const Value& arr) {
  const Btf* b = arr.btf();
  auto ai = b->array_info(arr.type_id());
  if (!ai) return 0;
  auto esz = b->size(ai->elem_type);
  if (!esz || *esz == 0) return 0;
  return std::min<uint64_t>(ai->nelems, arr.available() / *esz);
}

std::string array_not_found_actual(const Value& v) {
  Value inner = peel_pointer(v);
  if (v.truncated()) return std::string("Truncated(partial=") + kind_base(inner) + ")";
  return kind_base(inner);
}

template <typename T, typename Conv>
ViewResult<std::vector<T>> typed_array(const Value& v, const char* elem_name, Conv conv) {
  std::string expected = std::string("[") + elem_name + "]";
  auto arr = locate_array(v);
  if (!arr) return mismatch(expected, array_not_found_actual(v));
  uint64_t n = present_elements(*arr);
  std::vector<T> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; i++) {
    auto e = arr->index(i);
    std::optional<T> x;
    if (e.ok()) x = conv(e.value());
    if (!x)
      return mismatch(expected, "Array[" + std::to_string(i) + "]=" + (e.ok() ? kind_string(e.value()) : "Invalid"));
    out.push_back(*x);
  }
  return out;
}

template <typename T>
std::optional<T> opt(ViewResult<T>&& r) {
  if (!r.ok()) return std::nullopt;
  return std::move(r).value();
}

}  // namespace

std::string kind_string(const Value& v) {
  if (short_scalar(v)) return "Truncated";
  return kind_base(v);
}

bool is_struct_like(const Value& v) {
  ValueKind k = v.kind();
  return (k == ValueKind::Struct || k == ValueKind::Union || k == ValueKind::Datasec) && v.bit_size() == 0;
}

Value peel_pointer(const Value& v) {
  Value cur = v;
  for (int i = 0; i < kMaxPointerFollow && cur.kind() == ValueKind::Ptr; i++) {
    auto d = cur.deref();
    if (!d.ok()) break;
    cur = d.value();
  }
  return cur;
}

std::optional<Value> lookup_member(const Value& v, std::string_view name) {
  Value cur = peel_pointer(v);
  if (!is_struct_like(cur)) return std::nullopt;
  auto m = cur.member(name);
  if (!m.ok()) return std::nullopt;
  return m.value();
}

// ---- coercions (spec/views.md §4.2, column A) --------------------------------

ViewResult<uint64_t> coerce_u64(const Value& v) {
  ValueKind k = v.kind();
  if (short_scalar(v)) return mismatch("u64", "Truncated");
  switch (k) {
    case ValueKind::Uint:
    case ValueKind::Char:
    case ValueKind::Bool:
    case ValueKind::Ptr: {
      auto r = v.as_u64();
      if (!r.ok()) return mismatch("u64", kind_string(v));
      return r.value();
    }
    case ValueKind::Int:
    case ValueKind::Enum: {
      // Value::as_u64 refuses exactly the signed negatives; an unsigned
      // enum with the top bit set reads as its bit pattern.
      auto r = v.as_u64();
      if (!r.ok()) return mismatch("u64", k == ValueKind::Int ? "Int(negative)" : "Enum(signed-negative)");
      return r.value();
    }
    default:
      return mismatch("u64", kind_string(v));
  }
}

ViewResult<int64_t> coerce_i64(const Value& v) {
  ValueKind k = v.kind();
  if (short_scalar(v)) return mismatch("i64", "Truncated");
  switch (k) {
    case ValueKind::Int:
    case ValueKind::Char:
    case ValueKind::Bool:
    case ValueKind::Enum:  // stored bits as i64: an unsigned 64-bit enum above INT64_MAX reads negative
    case ValueKind::Uint: {
      auto r = v.as_i64();
      if (!r.ok()) return mismatch("i64", k == ValueKind::Uint ? "Uint(>i64::MAX)" : kind_string(v));
      return r.value();
    }
    default:
      return mismatch("i64", kind_string(v));
  }
}

ViewResult<double> coerce_f64(const Value& v) {
  ValueKind k = v.kind();
  if (short_scalar(v)) return mismatch("f64", "Truncated");
  switch (k) {
    case ValueKind::Float:
    case ValueKind::Int:
    case ValueKind::Uint:
    case ValueKind::Enum: {
      auto r = v.as_f64();
      if (!r.ok()) return mismatch("f64", kind_string(v));
      return r.value();
    }
    default:
      return mismatch("f64", kind_string(v));
  }
}

ViewResult<bool> coerce_bool(const Value& v) {
  ValueKind k = v.kind();
  if (short_scalar(v)) return mismatch("bool", "Truncated");
  switch (k) {
    case ValueKind::Bool:
    case ValueKind::Int:
    case ValueKind::Uint:
    case ValueKind::Char:
    case ValueKind::Enum:
    case ValueKind::Ptr: {
      auto r = v.as_bool();
      if (!r.ok()) return mismatch("bool", kind_string(v));
      return r.value();
    }
    default:
      return mismatch("bool", kind_string(v));
  }
}

// ---- the walker ----------------------------------------------------------------

SnapshotField walk_dotted_path(const Value& root, std::string_view path) {
  if (path.empty()) return SnapshotField::of(root);
  Value cur = root;
  std::string walked;
  size_t pos = 0;
  for (;;) {
    size_t end = path.find('.', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view comp = path.substr(pos, end - pos);
    if (comp.empty()) return SnapshotField::missing(EmptyPathComponent{std::string(path)});
    cur = peel_pointer(cur);
    if (!is_struct_like(cur))
      return SnapshotField::missing(NotAStruct{std::string(path), walked, std::string(comp), kind_string(cur)});
    auto m = cur.member(comp);
    if (!m.ok()) {
      if (m.error().code == Code::NotFound) {
        std::vector<std::string> names;
        if (auto n = cur.member_names(); n.ok())
          for (auto s : n.value()) names.emplace_back(s);
        return SnapshotField::missing(FieldNotFound{std::string(path), walked, std::string(comp), std::move(names)});
      }
      // The member exists but its layout cannot be read (hostile BTF:
      // an oversized bitfield or a misaligned member).
      return SnapshotField::missing(
          NotAStruct{std::string(path), walked, std::string(comp), "Unsupported(" + m.error().message + ")"});
    }
    cur = m.value();
    if (!walked.empty()) walked += '.';
    walked += comp;
    if (end == path.size()) break;
    pos = end + 1;
  }
  return SnapshotField::of(cur);
}

// ---- SnapshotField ------------------------------------------------------------------

std::optional<Value> SnapshotField::raw() const {
  if (const Value* v = std::get_if<Value>(&v_)) return *v;
  return std::nullopt;
}

std::optional<uint32_t> SnapshotField::key_value() const {
  if (const Key* k = std::get_if<Key>(&v_)) return k->key;
  return std::nullopt;
}

SnapshotField SnapshotField::get(std::string_view path) const {
  switch (state()) {
    case State::Value:
      return walk_dotted_path(std::get<Value>(v_), path);
    case State::PercpuKey:
      return missing(TypeMismatch{"Struct", std::string(kPercpuKeyActual), std::string(path)});
    case State::Missing:
      break;
  }
  return *this;
}

std::vector<SnapshotField> SnapshotField::iter_members() const {
  std::vector<SnapshotField> out;
  const Value* v = std::get_if<Value>(&v_);
  if (v == nullptr) return out;
  auto arr = locate_array(*v);
  if (!arr) return out;
  uint64_t n = present_elements(*arr);
  out.reserve(n);
  for (uint64_t i = 0; i < n; i++)
    if (auto e = arr->index(i); e.ok()) out.push_back(of(e.value()));
  return out;
}

ViewResult<uint64_t> SnapshotField::as_u64() const {
  switch (state()) {
    case State::Value:
      return coerce_u64(std::get<Value>(v_));
    case State::PercpuKey:
      return uint64_t(std::get<Key>(v_).key);
    case State::Missing:
      break;
  }
  return *error();
}

ViewResult<int64_t> SnapshotField::as_i64() const {
  switch (state()) {
    case State::Value:
      return coerce_i64(std::get<Value>(v_));
    case State::PercpuKey:
      return int64_t(std::get<Key>(v_).key);
    case State::Missing:
      break;
  }
  return *error();
}

ViewResult<double> SnapshotField::as_f64() const {
  switch (state()) {
    case State::Value:
      return coerce_f64(std::get<Value>(v_));
    case State::PercpuKey:
      return double(std::get<Key>(v_).key);
    case State::Missing:
      break;
  }
  return *error();
}

ViewResult<bool> SnapshotField::as_bool() const {
  switch (state()) {
    case State::Value:
      return coerce_bool(std::get<Value>(v_));
    case State::PercpuKey:
      return std::get<Key>(v_).key != 0;
    case State::Missing:
      break;
  }
  return *error();
}

ViewResult<std::string_view> SnapshotField::as_str() const {
  switch (state()) {
    case State::Value: {
      const Value& v = std::get<Value>(v_);
      if (v.kind() == ValueKind::Enum && !v.truncated())
        if (auto n = v.enum_name(); n.ok()) return n.value();
      return mismatch("str (enum variant name)", kind_string(v));
    }
    case State::PercpuKey:
      return mismatch("str", std::string(kPercpuKeyActual));
    case State::Missing:
      break;
  }
  return *error();
}

namespace {
template <typename T, typename Conv>
ViewResult<std::vector<T>> field_array(const SnapshotField& f, const char* name, Conv conv) {
  switch (f.state()) {
    case SnapshotField::State::Value:
      return typed_array<T>(*f.raw(), name, conv);
    case SnapshotField::State::PercpuKey:
      return mismatch(std::string("[") + name + "]", std::string(kPercpuKeyActual));
    case SnapshotField::State::Missing:
      break;
  }
  return *f.error();
}

std::optional<uint32_t> elem_u32(const Value& e) {
  auto r = coerce_u64(e);
  if (!r.ok() || r.value() > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  return static_cast<uint32_t>(r.value());
}

std::optional<uint8_t> elem_bool(const Value& e) {
  auto r = coerce_bool(e);
  if (!r.ok()) return std::nullopt;
  return uint8_t(r.value());
}
}  // namespace

ViewResult<std::vector<uint64_t>> SnapshotField::as_u64_array() const {
  return field_array<uint64_t>(*this, "u64", [](const Value& e) { return opt(coerce_u64(e)); });
}
ViewResult<std::vector<uint32_t>> SnapshotField::as_u32_array() const {
  return field_array<uint32_t>(*this, "u32", elem_u32);
}
ViewResult<std::vector<int64_t>> SnapshotField::as_i64_array() const {
  return field_array<int64_t>(*this, "i64", [](const Value& e) { return opt(coerce_i64(e)); });
}
ViewResult<std::vector<double>> SnapshotField::as_f64_array() const {
  return field_array<double>(*this, "f64", [](const Value& e) { return opt(coerce_f64(e)); });
}
ViewResult<std::vector<uint8_t>> SnapshotField::as_bool_array() const {
  return field_array<uint8_t>(*this, "bool", elem_bool);
}

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
