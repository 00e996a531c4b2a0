#include "view/map_view.hpp"

#include <limits>

#include "value/render.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

namespace {

bool is_continuation(unsigned char c) {
  return (c & 0xc0) == 0x80;
}

std::string hex_key(const MapInfo& m, uint32_t entry) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(kHexKeyPrefix);
  const uint8_t* p = m.key_ptr(entry);
  for (uint32_t i = 0; i < m.key_size; i++) {
    if (i) s += ' ';
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 15];
  }
  return s;
}

}  // namespace

EntrySource entry_source(const MapInfo& m) {
  if (m.entry_count == 0) return EntrySource::None;
  if (m.percpu) return m.map_type == kMapTypePercpuArray ? EntrySource::Percpu : EntrySource::PercpuHash;
  if (m.is_global_section() || m.map_type == kMapTypeStructOps || (m.map_type == kMapTypeArray && m.max_entries <= 1))
    return EntrySource::Single;
  return EntrySource::Hash;
}

std::string cap_key_text(std::string s) {
  if (s.size() <= kNoMatchKeyCharCap) return s;
  size_t chars = 0, cut = s.size();
  for (size_t i = 0; i < s.size(); i++) {
    if (is_continuation(static_cast<unsigned char>(s[i]))) continue;
    if (chars == kNoMatchKeyCharCap - 1) cut = i;  // start of the 80th character
    chars++;
  }
  if (chars <= kNoMatchKeyCharCap) return s;  // long in bytes, not in characters
  s.resize(cut);
  s += "\u2026";
  return s;
}

std::optional<std::string> render_entry_key(const SnapshotEntry& e) {
  const MapInfo* m = e.map();
  switch (e.kind()) {
    case SnapshotEntry::Kind::Percpu:
      return std::to_string(*e.percpu_key());
    case SnapshotEntry::Kind::Hash:
    case SnapshotEntry::Kind::PercpuHash: {
      Value k = Value::map_key(*m, e.entry_index());
      if (is_rendered(k)) {
        std::string text;
        if (render_value_text(k, text).ok()) return cap_key_text(std::move(text));
      }
      return cap_key_text(hex_key(*m, e.entry_index()));
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::string_view> SnapshotMap::map_error() const {
  if (!map_->has_error) return std::nullopt;
  return map_->error;
}

SnapshotMap SnapshotMap::cpu(uint64_t n) const {
  uint64_t cap = std::numeric_limits<uint32_t>::max();
  return SnapshotMap(*map_, static_cast<uint32_t>(std::min(n, cap)));
}

size_t SnapshotMap::size() const {
  switch (source()) {
    case EntrySource::None:
      return 0;
    case EntrySource::Single:
      return 1;
    default:
      return map_->entry_count;
  }
}

SnapshotEntry SnapshotMap::entry(size_t i, EntrySource src) const {
  const MapInfo& m = *map_;
  uint32_t idx = static_cast<uint32_t>(i);
  switch (src) {
    case EntrySource::Hash:
      return SnapshotEntry::hash(m, idx);
    case EntrySource::Single:
      return SnapshotEntry::value(m, 0, Value::map_value(m, 0));
    case EntrySource::Percpu:
    case EntrySource::PercpuHash: {
      if (!cpu_) return src == EntrySource::Percpu ? SnapshotEntry::percpu(m, idx) : SnapshotEntry::percpu_hash(m, idx);
      uint32_t c = *cpu_;
      if (c >= m.nr_cpus) return SnapshotEntry::missing(PerCpuSlot{std::string(m.name), c, m.nr_cpus, false});
      if (!m.slot_present(idx, c)) return SnapshotEntry::missing(PerCpuSlot{std::string(m.name), c, m.nr_cpus, true});
      return SnapshotEntry::value(m, idx, Value::map_value(m, idx, c), c);
    }
    case EntrySource::None:
      break;
  }
  return SnapshotEntry::missing(IndexOutOfRange{std::string(m.name), i, 0});
}

SnapshotEntry SnapshotMap::at(size_t n) const {
  EntrySource src = source();
  if (src == EntrySource::None) {
    if (map_->has_error)
      return SnapshotEntry::missing(MapRenderIncomplete{std::string(name()), std::string(map_->error)});
    return SnapshotEntry::missing(IndexOutOfRange{std::string(name()), n, 0});
  }
  size_t len = size();
  if (n >= len) return SnapshotEntry::missing(IndexOutOfRange{std::string(name()), n, len});
  return entry(n, src);
}

SnapshotEntry SnapshotMap::find(const Predicate& pred) const {
  EntrySource src = source();
  size_t len = size();
  std::vector<std::string> keys;
  for (size_t i = 0; i < len; i++) {
    SnapshotEntry e = entry(i, src);
    if (pred(e)) return e;
    if (keys.size() < kNoMatchKeySample)
      if (auto k = render_entry_key(e)) keys.push_back(std::move(*k));
  }
  if (len == 0 && map_->has_error)
    return SnapshotEntry::missing(MapRenderIncomplete{std::string(name()), std::string(map_->error)});
  return SnapshotEntry::missing(NoMatch{std::string(name()), "find", len, std::move(keys)});
}

std::vector<SnapshotEntry> SnapshotMap::filter(const Predicate& pred) const {
  EntrySource src = source();
  size_t len = size();
  std::vector<SnapshotEntry> out;
  for (size_t i = 0; i < len; i++) {
    SnapshotEntry e = entry(i, src);
    if (pred(e)) out.push_back(std::move(e));
  }
  return out;
}

SnapshotEntry SnapshotMap::max_by(const KeyFn& key) const {
  EntrySource src = source();
  size_t len = size();
  if (len == 0) {
    if (map_->has_error)
      return SnapshotEntry::missing(MapRenderIncomplete{std::string(name()), std::string(map_->error)});
    return SnapshotEntry::missing(NoMatch{std::string(name()), "max_by", 0, {}});
  }
  std::optional<SnapshotEntry> best;
  uint64_t best_key = 0;
  for (size_t i = 0; i < len; i++) {
    SnapshotEntry e = entry(i, src);
    uint64_t k = key(e);
    if (!best || k > best_key) {  // strictly greater: ties keep the first
      best = std::move(e);
      best_key = k;
    }
  }
  return std::move(*best);
}

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
