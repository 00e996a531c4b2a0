#include "view/entry.hpp"

#include <cmath>
#include <cstring>
#include <limits>

namespace ktsnap {
inline namespace v1 {
namespace view {

namespace {

std::string map_name(const MapInfo& m) {
  return std::string(m.name);
}

// Runs `coerce` on every readable slot and folds the results with `combine`
// (the first contributing slot seeds the result).
template <typename T, typename Coerce, typename Combine>
ViewResult<T> aggregate(const SnapshotEntry& e, std::string_view path, const char* op, Coerce coerce, Combine combine) {
  std::optional<T> acc;
  ViewStatus st = e.cpu_each(path, [&](uint32_t, const SnapshotField& f) -> ViewStatus {
    ViewResult<T> x = (f.*coerce)();
    if (!x.ok()) return x.take_error();
    acc = acc ? combine(*acc, x.value()) : x.value();
    return {};
  });
  if (!st.ok()) return st.take_error();
  if (!acc) return NoMatch{e.map() ? map_name(*e.map()) : std::string(), op, 0, {}};
  return *acc;
}

uint64_t sat_add_u64(uint64_t a, uint64_t b) {
  uint64_t r;
  return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<uint64_t>::max() : r;
}

int64_t sat_add_i64(int64_t a, int64_t b) {
  int64_t r;
  if (!__builtin_add_overflow(a, b, &r)) return r;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

}  // namespace

bool is_rendered(const Value& v) {
  return v.valid() && !v.parts().is_bytes;
}

uint32_t percpu_array_key(const MapInfo& m, uint32_t entry) {
  uint32_t k = 0;
  if (m.keys != nullptr && entry < m.entry_count) std::memcpy(&k, m.key_ptr(entry), std::min<uint32_t>(m.key_size, 4));
  return k;
}

SnapshotEntry::Kind SnapshotEntry::kind() const {
  switch (v_.index()) {
    case 0:
      return std::get<Ref>(v_).kind;
    case 1:
      return Kind::Value;
    default:
      return Kind::Missing;
  }
}

const MapInfo* SnapshotEntry::map() const {
  if (const Ref* r = std::get_if<Ref>(&v_)) return r->map;
  if (const Single* s = std::get_if<Single>(&v_)) return s->map;
  return nullptr;
}

uint32_t SnapshotEntry::entry_index() const {
  if (const Ref* r = std::get_if<Ref>(&v_)) return r->entry;
  if (const Single* s = std::get_if<Single>(&v_)) return s->entry;
  return 0;
}

std::optional<uint32_t> SnapshotEntry::cpu() const {
  if (const Single* s = std::get_if<Single>(&v_)) return s->cpu;
  return std::nullopt;
}

std::optional<uint32_t> SnapshotEntry::percpu_key() const {
  const Ref* r = std::get_if<Ref>(&v_);
  if (r == nullptr || r->kind != Kind::Percpu) return std::nullopt;
  return percpu_array_key(*r->map, r->entry);
}

SnapshotField SnapshotEntry::get(std::string_view path) const {
  if (const SnapshotError* e = error()) return SnapshotField::missing(*e);
  if (const Single* s = std::get_if<Single>(&v_)) return walk_dotted_path(s->v, path);
  const Ref& r = std::get<Ref>(v_);
  if (r.kind != Kind::Hash) return SnapshotField::missing(PerCpuNotNarrowed{map_name(*r.map)});
  Value v = Value::map_value(*r.map, r.entry);
  if (!is_rendered(v)) return SnapshotField::missing(NoRendered{map_name(*r.map), "value"});
  return walk_dotted_path(v, path);
}

SnapshotField SnapshotEntry::key(std::string_view path) const {
  if (const SnapshotError* e = error()) return SnapshotField::missing(*e);
  if (std::holds_alternative<Single>(v_))
    return SnapshotField::missing(TypeMismatch{"key", "single Value (no key)", std::string(path)});
  const Ref& r = std::get<Ref>(v_);
  if (r.kind == Kind::Percpu) {
    if (path.empty()) return SnapshotField::percpu_key(percpu_array_key(*r.map, r.entry));
    return SnapshotField::missing(TypeMismatch{"Struct", "Uint(percpu key)", std::string(path)});
  }
  Value k = Value::map_key(*r.map, r.entry);
  if (!is_rendered(k)) return SnapshotField::missing(NoRendered{map_name(*r.map), "key"});
  return walk_dotted_path(k, path);
}

ViewStatus SnapshotEntry::cpu_each(std::string_view path, const CpuFn& f) const {
  if (const SnapshotError* e = error()) return *e;
  if (std::holds_alternative<Single>(v_))
    return SnapshotError(TypeMismatch{"Percpu / PercpuHash", "Value", std::string(path)});
  const Ref& r = std::get<Ref>(v_);
  if (r.kind == Kind::Hash) return SnapshotError(TypeMismatch{"Percpu / PercpuHash", "Hash", std::string(path)});
  const MapInfo& m = *r.map;
  for (uint32_t cpu = 0; cpu < m.nr_cpus; cpu++) {
    if (!m.slot_present(r.entry, cpu)) continue;  // unreadable data, not zero
    SnapshotField field = walk_dotted_path(Value::map_value(m, r.entry, cpu), path);
    if (const SnapshotError* e = field.error()) return *e;
    ViewStatus st = f(cpu, field);
    if (!st.ok()) return st;
  }
  return {};
}

ViewResult<uint64_t> SnapshotEntry::cpu_sum_u64(std::string_view path) const {
  return aggregate<uint64_t>(*this, path, "cpu_sum_u64", &SnapshotField::as_u64, sat_add_u64);
}
ViewResult<int64_t> SnapshotEntry::cpu_sum_i64(std::string_view path) const {
  return aggregate<int64_t>(*this, path, "cpu_sum_i64", &SnapshotField::as_i64, sat_add_i64);
}
ViewResult<double> SnapshotEntry::cpu_sum_f64(std::string_view path) const {
  return aggregate<double>(*this, path, "cpu_sum_f64", &SnapshotField::as_f64,
                           [](double a, double b) { return a + b; });
}
ViewResult<uint64_t> SnapshotEntry::cpu_max_u64(std::string_view path) const {
  return aggregate<uint64_t>(*this, path, "cpu_max_u64", &SnapshotField::as_u64,
                             [](uint64_t a, uint64_t b) { return std::max(a, b); });
}
ViewResult<uint64_t> SnapshotEntry::cpu_min_u64(std::string_view path) const {
  return aggregate<uint64_t>(*this, path, "cpu_min_u64", &SnapshotField::as_u64,
                             [](uint64_t a, uint64_t b) { return std::min(a, b); });
}
ViewResult<int64_t> SnapshotEntry::cpu_max_i64(std::string_view path) const {
  return aggregate<int64_t>(*this, path, "cpu_max_i64", &SnapshotField::as_i64,
                            [](int64_t a, int64_t b) { return std::max(a, b); });
}
ViewResult<int64_t> SnapshotEntry::cpu_min_i64(std::string_view path) const {
  return aggregate<int64_t>(*this, path, "cpu_min_i64", &SnapshotField::as_i64,
                            [](int64_t a, int64_t b) { return std::min(a, b); });
}
// fmax/fmin return the other operand when one is NaN.
ViewResult<double> SnapshotEntry::cpu_max_f64(std::string_view path) const {
  return aggregate<double>(*this, path, "cpu_max_f64", &SnapshotField::as_f64,
                           [](double a, double b) { return std::fmax(a, b); });
}
ViewResult<double> SnapshotEntry::cpu_min_f64(std::string_view path) const {
  return aggregate<double>(*this, path, "cpu_min_f64", &SnapshotField::as_f64,
                           [](double a, double b) { return std::fmin(a, b); });
}

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
