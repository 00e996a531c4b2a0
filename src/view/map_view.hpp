// SnapshotMap: a view of one captured map (spec/views.md §2.2), optionally
// narrowed to one CPU. Entries come from one source chosen by the map's
// type; a per-CPU map narrowed with cpu(n) yields that CPU's slot of each
// entry as a Value entry (or Missing when the slot is unreadable or n is
// out of range). Non-owning: points into the report.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/report.hpp"
#include "view/entry.hpp"
#include "view/error.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

inline constexpr size_t kNoMatchKeySample = 3;    // keys shown in a NoMatch
inline constexpr size_t kNoMatchKeyCharCap = 80;  // characters per shown key
inline constexpr std::string_view kHexKeyPrefix = "hex:";

// Where a map's entries come from, by map type:
//   Percpu      PERCPU_ARRAY: the key is the u32 index
//   PercpuHash  PERCPU_HASH, LRU_PERCPU_HASH, other per-CPU types
//   Hash        HASH, LRU_HASH, task/inode/sk/cgroup storage, ARRAY with
//               more than one entry (keyed by the u32 index; ktsnap
//               extension), any other type with entries
//   Single      ARRAY with max_entries <= 1, STRUCT_OPS, global sections:
//               entry 0 as one value
//   None        no entries captured
enum class EntrySource : uint8_t { None, Percpu, PercpuHash, Hash, Single };
EntrySource entry_source(const MapInfo& m);

class SnapshotMap {
 public:
  explicit SnapshotMap(const MapInfo& m, std::optional<uint32_t> cpu = std::nullopt) : map_(&m), cpu_(cpu) {}

  std::string_view name() const { return map_->name; }
  const MapInfo& raw() const { return *map_; }
  // The capture error text, if the map failed to read.
  std::optional<std::string_view> map_error() const;
  // The CPU narrow, if any.
  std::optional<uint32_t> narrowed_cpu() const { return cpu_; }

  // A view narrowed to CPU n (replaces any previous narrow; ignored by
  // maps that are not per-CPU). n beyond UINT32_MAX is clamped.
  SnapshotMap cpu(uint64_t n) const;

  // ktsnap extensions (no upstream equivalent): the entry source and the
  // number of entries at/find/filter/max_by visit.
  EntrySource source() const { return entry_source(*map_); }
  size_t size() const;

  // Entry at position n of the source (positional, also for per-CPU arrays).
  SnapshotEntry at(size_t n) const;

  using Predicate = std::function<bool(const SnapshotEntry&)>;
  using KeyFn = std::function<uint64_t(const SnapshotEntry&)>;
  // First entry the predicate accepts, else Missing(NoMatch) naming up to
  // three sample keys (or MapRenderIncomplete for a render-failed map).
  SnapshotEntry find(const Predicate& pred) const;
  // Every entry the predicate accepts, in order. Never fails.
  std::vector<SnapshotEntry> filter(const Predicate& pred) const;
  // The entry with the largest key; ties keep the first.
  SnapshotEntry max_by(const KeyFn& key) const;

 private:
  // Entry i of the source, resolved through the CPU narrow.
  SnapshotEntry entry(size_t i, EntrySource src) const;

  const MapInfo* map_;
  std::optional<uint32_t> cpu_;
};

// Display text of an entry's key for NoMatch samples: the typed key's text
// display, "hex:" + hex bytes when the key has no BTF, the decimal index of
// a per-CPU array entry; nullopt for Value and Missing entries. Capped by
// cap_key_text.
std::optional<std::string> render_entry_key(const SnapshotEntry& e);
// Longer than 80 bytes and 80 characters: the first 79 characters and "…".
std::string cap_key_text(std::string s);

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
