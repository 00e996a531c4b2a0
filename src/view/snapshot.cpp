#include "view/snapshot.hpp"

#include <algorithm>

namespace ktsnap {
inline namespace v1 {
namespace view {

namespace {

// The single value of a global-section map, when captured.
std::optional<Value> global_value(const MapInfo& m) {
  if (!is_global_section_map(m) || m.entry_count == 0) return std::nullopt;
  Value v = Value::map_value(m, 0);
  if (!v.valid()) return std::nullopt;
  return v;
}

struct ObjCounts {
  std::string_view obj;
  uint32_t bss = 0, data = 0, rodata = 0;
  bool multi_copy() const { return bss > 1 || data > 1 || rodata > 1; }
};

std::string multi_copy_reason(const ObjCounts& c) {
  std::string detail;
  auto add = [&](const char* section, uint32_t n) {
    if (n <= 1) return;
    if (!detail.empty()) detail += ", ";
    detail += std::string(c.obj) + section + " \u00d7 " + std::to_string(n);
  };
  add(".bss", c.bss);
  add(".data", c.data);
  add(".rodata", c.rodata);
  return "the snapshot holds several same-name copies of " + std::string(c.obj) + "'s global-section maps (" + detail +
         ") and the prog_idr walker published no active_map_kvas whitelist to tell them apart (a swap window "
         "before the walker re-published, or no walker on this kernel build) — pick by counter activity: "
         "live_vars_via({\"name\", ...}, pickers::max_by_sum_u64) for several counters from one copy, or "
         "live_var_via(name, pickers::max_by_counter_value) for one counter";
}

std::string multi_obj_reason(const std::vector<ObjCounts>& objs) {
  std::vector<std::string> names;
  for (const auto& o : objs) names.emplace_back(o.obj);
  return "the snapshot holds global-section maps of " + std::to_string(objs.size()) + " BPF objects (" +
         quoted_list(names) +
         ") and the prog_idr walker could not tell which one is active (no live struct_ops program with an "
         "<obj>.bss/.data/.rodata map among its used maps, or an empty whitelist) — Snapshot::vars(name) lists "
         "every copy; Snapshot::map(\"<obj>.<section>\") reads one scheduler's map directly";
}

// libbpf names a global-section map "<first 8 chars of the object>.bss"
// (internal_map_name: BPF_OBJ_NAME_LEN 16 minus the 7-character suffix
// allowance and the NUL).
constexpr size_t kLibbpfMapPrefix = 8;

constexpr const char* kNoGlobalsReason =
    "the snapshot has no global-section BPF maps (no scheduler attached, or the capture did not include "
    ".bss/.data/.rodata)";

std::string names_list_text(std::span<const std::string_view> names) {
  std::string s = "[";
  for (size_t i = 0; i < names.size(); i++) {
    if (i) s += ", ";
    s += names[i];
  }
  return s + "]";
}

}  // namespace

bool is_global_section_map(const MapInfo& m) {
  return m.is_global_section();
}

std::optional<std::string_view> obj_prefix(std::string_view map_name) {
  size_t dot = map_name.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  return map_name.substr(0, dot);
}

bool belongs_to_obj(std::string_view map_name, std::string_view obj) {
  auto p = obj_prefix(map_name);
  return p && *p == obj;
}

Snapshot::Snapshot(const Report& report) : report_(&report), stats_(std::make_shared<StatsCache>()) {}

Snapshot::Snapshot(const Report& report, std::string_view obj, std::span<const uint64_t> whitelist,
                   std::shared_ptr<StatsCache> stats)
    : report_(&report), filtered_(true), obj_(obj), whitelist_(whitelist), stats_(std::move(stats)) {}

std::optional<std::string_view> Snapshot::active_obj() const {
  if (!filtered_) return std::nullopt;
  return obj_;
}

bool Snapshot::whitelisted(uint64_t kva) const {
  return kva != 0 && std::find(whitelist_.begin(), whitelist_.end(), kva) != whitelist_.end();
}

bool Snapshot::admitted(const MapInfo& m) const {
  if (!filtered_) return true;
  if (!belongs_to_obj(m.name, obj_)) return false;
  return whitelist_.empty() || whitelisted(m.map_kva);
}

size_t Snapshot::map_count() const {
  if (!filtered_) return report_->map_count();
  size_t n = 0;
  for (size_t i = 0; i < report_->map_count(); i++) n += admitted(report_->map(i));
  return n;
}

std::vector<SnapshotMap> Snapshot::maps() const {
  std::vector<SnapshotMap> out;
  for (size_t i = 0; i < report_->map_count(); i++)
    if (admitted(report_->map(i))) out.emplace_back(report_->map(i));
  return out;
}

std::optional<SnapshotError> Snapshot::excluded_filter_error(std::string_view requested) const {
  if (!filtered_ || whitelist_.empty()) return std::nullopt;
  std::vector<ExcludedMap> excluded;
  for (size_t i = 0; i < report_->map_count(); i++) {
    const MapInfo& m = report_->map(i);
    if (!belongs_to_obj(m.name, obj_)) continue;
    if (whitelisted(m.map_kva)) return std::nullopt;  // the filter admits a copy: not its fault
    excluded.push_back({std::string(m.name), m.map_kva});
  }
  if (excluded.empty()) return std::nullopt;
  return ActiveFilterExcludedMaps{std::string(requested), std::string(obj_), std::move(excluded),
                                  std::vector<uint64_t>(whitelist_.begin(), whitelist_.end())};
}

std::vector<std::string> Snapshot::global_map_names() const {
  std::vector<std::string> names;
  for (size_t i = 0; i < report_->map_count(); i++)
    if (is_global_section_map(report_->map(i))) names.emplace_back(report_->map(i).name);
  return names;
}

ViewResult<SnapshotMap> Snapshot::map(std::string_view name) const {
  if (is_placeholder()) return SnapshotError(PlaceholderSnapshot{});
  std::vector<std::string> available;
  for (size_t i = 0; i < report_->map_count(); i++) {
    const MapInfo& m = report_->map(i);
    if (!admitted(m)) continue;
    if (m.name == name) return SnapshotMap(m);
    available.emplace_back(m.name);
  }
  if (auto e = excluded_filter_error(name)) return std::move(*e);
  return SnapshotError(MapNotFound{std::string(name), std::move(available)});
}

SnapshotField Snapshot::var(std::string_view name) const {
  if (is_placeholder()) return SnapshotField::missing(PlaceholderSnapshot{});
  std::vector<const MapInfo*> hit_maps;
  std::optional<Value> first_hit;
  for (size_t i = 0; i < report_->map_count(); i++) {
    const MapInfo& m = report_->map(i);
    if (!admitted(m)) continue;
    auto v = global_value(m);
    if (!v) continue;
    if (auto hit = lookup_member(*v, name)) {
      if (!first_hit) first_hit = *hit;
      hit_maps.push_back(&m);
    }
  }
  if (hit_maps.size() == 1) return SnapshotField::of(*first_hit);
  if (hit_maps.size() >= 2) {
    if (!filtered_) {
      auto a = active();
      if (a.ok()) return a->var(name);
    }
    std::vector<std::string> found_in;
    for (const MapInfo* m : hit_maps) found_in.emplace_back(m->name);
    return SnapshotField::missing(AmbiguousVar{std::string(name), std::move(found_in)});
  }
  if (auto e = excluded_filter_error(name)) return SnapshotField::missing(std::move(*e));
  for (size_t i = 0; i < report_->map_count(); i++) {
    const MapInfo& m = report_->map(i);
    if (admitted(m) && is_global_section_map(m) && m.entry_count == 0 && m.has_error)
      return SnapshotField::missing(MapRenderIncomplete{std::string(m.name), std::string(m.error)});
  }
  std::vector<std::string> available;
  for (size_t i = 0; i < report_->map_count(); i++) {
    const MapInfo& m = report_->map(i);
    if (!admitted(m)) continue;
    auto v = global_value(m);
    if (!v || !is_struct_like(*v)) continue;  // directly a struct: no pointer peel here
    if (auto names = v->member_names(); names.ok())
      for (auto n : names.value()) available.emplace_back(n);
  }
  std::sort(available.begin(), available.end());
  available.erase(std::unique(available.begin(), available.end()), available.end());
  return SnapshotField::missing(VarNotFound{std::string(name), std::move(available)});
}

std::vector<VarCandidate> Snapshot::vars(std::string_view name) const {
  std::vector<VarCandidate> out;
  for (size_t i = 0; i < report_->map_count(); i++) {
    const MapInfo& m = report_->map(i);
    if (!admitted(m)) continue;
    auto v = global_value(m);
    if (!v) continue;
    if (auto hit = lookup_member(*v, name)) out.push_back({m.name, SnapshotField::of(*hit)});
  }
  return out;
}

ViewResult<Snapshot> Snapshot::active() const {
  if (is_placeholder()) return SnapshotError(PlaceholderSnapshot{});
  // Every global-section map of the report, whatever this view's filter.
  std::vector<ObjCounts> objs;
  for (size_t i = 0; i < report_->map_count(); i++) {
    const MapInfo& m = report_->map(i);
    if (!is_global_section_map(m)) continue;
    auto obj = obj_prefix(m.name);
    if (!obj || obj->empty()) continue;
    auto it = std::find_if(objs.begin(), objs.end(), [&](const ObjCounts& c) { return c.obj == *obj; });
    if (it == objs.end()) it = objs.insert(objs.end(), ObjCounts{*obj});
    std::string_view section = m.name.substr(obj->size());
    if (section == ".bss")
      it->bss++;
    else if (section == ".data")
      it->data++;
    else if (section == ".rodata")
      it->rodata++;
  }
  // Fast path: the capture named the attached scheduler. The name is the
  // BPF object's; libbpf prefixes .bss/.data/.rodata map names with at most
  // its first 8 characters, so a longer name matches that prefix too.
  std::string_view named = report_->active_scheduler_name();
  if (!named.empty()) {
    auto it = std::find_if(objs.begin(), objs.end(), [&](const ObjCounts& c) { return c.obj == named; });
    if (it == objs.end() && named.size() > kLibbpfMapPrefix)
      it = std::find_if(objs.begin(), objs.end(),
                        [&](const ObjCounts& c) { return c.obj == named.substr(0, kLibbpfMapPrefix); });
    if (it != objs.end()) {
      std::span<const uint64_t> kvas = report_->active_map_kvas();
      if (!kvas.empty()) return Snapshot(*report_, it->obj, kvas, stats_);
      if (it->multi_copy()) return SnapshotError(NoActiveScheduler{multi_copy_reason(*it)});
      return Snapshot(*report_, it->obj, {}, stats_);
    }
  }
  if (objs.empty()) return SnapshotError(NoActiveScheduler{kNoGlobalsReason});
  if (objs.size() == 1) {
    if (objs[0].multi_copy()) return SnapshotError(NoActiveScheduler{multi_copy_reason(objs[0])});
    return Snapshot(*report_, objs[0].obj, {}, stats_);
  }
  return SnapshotError(NoActiveScheduler{multi_obj_reason(objs)});
}

SnapshotField Snapshot::live_var(std::string_view name) const {
  auto a = active();
  if (!a.ok()) return SnapshotField::missing(a.take_error());
  return a->var(name);
}

SnapshotField Snapshot::live_var_via(std::string_view name, const VarPicker& picker) const {
  if (is_placeholder()) return SnapshotField::missing(PlaceholderSnapshot{});
  std::vector<VarCandidate> candidates = vars(name);
  if (candidates.empty()) {
    if (auto e = excluded_filter_error(name)) return SnapshotField::missing(std::move(*e));
    return SnapshotField::missing(VarNotFound{std::string(name), global_map_names()});
  }
  std::optional<size_t> pick = picker(candidates);
  if (!pick)
    return SnapshotField::missing(ProjectionFailed{"live_var_via picker for '" + std::string(name) +
                                                   "' chose no candidate (none matched its disambiguator)"});
  if (*pick >= candidates.size())
    return SnapshotField::missing(ProjectionFailed{"live_var_via picker returned index " + std::to_string(*pick) +
                                                   ", out of range for " + std::to_string(candidates.size()) +
                                                   " candidate(s)"});
  return candidates[*pick].field;
}

ViewResult<std::vector<SnapshotField>> Snapshot::live_vars_via(std::span<const std::string_view> names,
                                                               const RowPicker& picker) const {
  if (is_placeholder()) return SnapshotError(PlaceholderSnapshot{});
  if (names.empty())
    return SnapshotError(
        ProjectionFailed{"live_vars_via needs at least one name to co-pick (it was given an empty list)"});
  std::vector<VarRow> rows;
  for (size_t i = 0; i < report_->map_count(); i++) {
    const MapInfo& m = report_->map(i);
    if (!admitted(m)) continue;
    auto v = global_value(m);
    if (!v) continue;
    VarRow row{m.name, {}};
    for (std::string_view n : names) {
      auto hit = lookup_member(*v, n);
      if (!hit) break;
      row.fields.push_back(SnapshotField::of(*hit));
    }
    if (row.fields.size() == names.size()) rows.push_back(std::move(row));  // maps holding every name
  }
  std::string requested = names_list_text(names);
  if (rows.empty()) {
    if (auto e = excluded_filter_error(requested)) return std::move(*e);
    return SnapshotError(VarNotFound{requested, global_map_names()});
  }
  std::optional<size_t> pick = picker(rows);
  if (!pick)
    return SnapshotError(ProjectionFailed{"live_vars_via picker for " + requested +
                                          " chose no candidate (none matched its disambiguator)"});
  if (*pick >= rows.size())
    return SnapshotError(ProjectionFailed{"live_vars_via picker returned index " + std::to_string(*pick) +
                                          ", out of range for " + std::to_string(rows.size()) + " candidate(s)"});
  return std::move(rows[*pick].fields);
}

JsonField Snapshot::stats() const {
  std::call_once(stats_->once, [&] {
    if (!report_->has_stats_json())
      stats_->root = JsonField::missing(
          MissingStats{std::string(report_->tag()), MissingStatsReason::no_scheduler("no stats JSON in this report")});
    else
      stats_->root = parse_stats_json(report_->stats_json(), report_->tag());
  });
  return *stats_->root;
}

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
