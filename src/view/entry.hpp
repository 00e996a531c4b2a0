// SnapshotEntry: one entry of a map view (spec/views.md §2.3). A hash-style
// entry (key and value), a per-CPU array or per-CPU hash entry (one slot
// per CPU, not narrowed), a single value (a global section, a one-entry
// array, or a per-CPU slot picked by SnapshotMap::cpu), or Missing with the
// error that produced no entry. Non-owning: points into the report.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <variant>

#include "report/report.hpp"
#include "value/value.hpp"
#include "view/error.hpp"
#include "view/field.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

class SnapshotEntry {
 public:
  enum class Kind : uint8_t { Hash, Percpu, PercpuHash, Value, Missing };

  static SnapshotEntry hash(const MapInfo& m, uint32_t entry) { return SnapshotEntry(Ref{&m, entry, Kind::Hash}); }
  static SnapshotEntry percpu(const MapInfo& m, uint32_t entry) { return SnapshotEntry(Ref{&m, entry, Kind::Percpu}); }
  static SnapshotEntry percpu_hash(const MapInfo& m, uint32_t entry) {
    return SnapshotEntry(Ref{&m, entry, Kind::PercpuHash});
  }
  // A single value: entry `entry` of `m` (cpu = the per-CPU slot it came
  // from, if any).
  static SnapshotEntry value(const MapInfo& m, uint32_t entry, const Value& v,
                             std::optional<uint32_t> cpu = std::nullopt) {
    return SnapshotEntry(Single{&m, entry, cpu, v});
  }
  static SnapshotEntry missing(SnapshotError e) { return SnapshotEntry(std::move(e)); }

  Kind kind() const;
  bool is_present() const { return kind() != Kind::Missing; }
  const SnapshotError* error() const { return std::get_if<SnapshotError>(&v_); }
  // Where the entry lives (nullptr for Missing).
  const MapInfo* map() const;
  // Index of the entry in its map (0 for Missing).
  uint32_t entry_index() const;
  // The per-CPU slot a Value entry was resolved from.
  std::optional<uint32_t> cpu() const;
  // The u32 key of a per-CPU array entry.
  std::optional<uint32_t> percpu_key() const;

  // Walk of the value side ("" = the whole value).
  SnapshotField get(std::string_view path = "") const;
  // Walk of the key side ("" = the whole key).
  SnapshotField key(std::string_view path = "") const;

  // Per-CPU entries: calls f(cpu, field) for every readable slot, in CPU
  // order, after walking `path`; the first walk error or error returned by
  // f stops the iteration and is returned.
  using CpuFn = std::function<ViewStatus(uint32_t cpu, const SnapshotField& field)>;
  ViewStatus cpu_each(std::string_view path, const CpuFn& f) const;

  // Aggregates over the readable slots; an error when no slot contributes.
  ViewResult<uint64_t> cpu_sum_u64(std::string_view path) const;  // saturating
  ViewResult<int64_t> cpu_sum_i64(std::string_view path) const;   // saturating per step
  ViewResult<double> cpu_sum_f64(std::string_view path) const;
  ViewResult<uint64_t> cpu_max_u64(std::string_view path) const;
  ViewResult<uint64_t> cpu_min_u64(std::string_view path) const;
  ViewResult<int64_t> cpu_max_i64(std::string_view path) const;
  ViewResult<int64_t> cpu_min_i64(std::string_view path) const;
  ViewResult<double> cpu_max_f64(std::string_view path) const;  // NaN-ignoring
  ViewResult<double> cpu_min_f64(std::string_view path) const;  // NaN-ignoring

 private:
  struct Ref {
    const MapInfo* map;
    uint32_t entry;
    Kind kind;
  };
  struct Single {
    const MapInfo* map;
    uint32_t entry;
    std::optional<uint32_t> cpu;
    Value v;
  };
  explicit SnapshotEntry(Ref r) : v_(std::in_place_index<0>, r) {}
  explicit SnapshotEntry(Single s) : v_(std::in_place_index<1>, s) {}
  explicit SnapshotEntry(SnapshotError e) : v_(std::in_place_index<2>, std::move(e)) {}

  std::variant<Ref, Single, SnapshotError> v_;
};

// The u32 key of a per-CPU array entry (little-endian, zero-extended when
// the key is shorter than 4 bytes).
uint32_t percpu_array_key(const MapInfo& m, uint32_t entry);

// A key or value is "rendered" when it is typed by BTF (not raw bytes).
bool is_rendered(const Value& v);

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
