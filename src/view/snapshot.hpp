// Snapshot: the entry point of the view layer (spec/views.md §2.1). A cheap,
// copyable view of one report: maps by name, global variables by name, the
// "which scheduler is live" projection (active), and the scheduler stats
// JSON. It never owns the report; the report must outlive every view taken
// from it (views do not depend on the Snapshot object itself).
//
//   view::Snapshot snap(report);
//   auto n = snap.var("nr_cpus_onln").as_u64();
//   auto e = snap.map("scx_per_task")->find([](auto& e) { ... });
//   auto w = e.get("ctx.weight.value").as_u64();
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "report/report.hpp"
#include "view/error.hpp"
#include "view/field.hpp"
#include "view/json_field.hpp"
#include "view/map_view.hpp"
#include "view/pickers.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

// Global-section map: a map whose name ends with .bss, .data or .rodata,
// or holds .data.<name> (MapInfo::is_global_section; DESIGN.md counts
// .data.* sections as globals).
bool is_global_section_map(const MapInfo& m);
// Text before the first '.', nullopt for a name without '.'.
std::optional<std::string_view> obj_prefix(std::string_view map_name);
// The map name has an obj prefix equal to `obj`.
bool belongs_to_obj(std::string_view map_name, std::string_view obj);

class Snapshot {
 public:
  // Unfiltered view of every map in capture order.
  explicit Snapshot(const Report& report);

  const Report& report() const { return *report_; }
  bool is_placeholder() const { return report_->is_placeholder(); }
  // Filtered views come from active(): the obj and the KVA whitelist.
  bool is_filtered() const { return filtered_; }
  std::optional<std::string_view> active_obj() const;
  std::span<const uint64_t> active_map_kvas() const { return whitelist_; }

  // Maps this view admits (filter-aware).
  size_t map_count() const;
  std::vector<SnapshotMap> maps() const;  // ktsnap extension: admitted maps, capture order

  // First admitted map named exactly `name`.
  ViewResult<SnapshotMap> map(std::string_view name) const;
  // The global variable `name` (no dot splitting: use var("a").get("b")).
  SnapshotField var(std::string_view name) const;
  // Every copy of global `name` in admitted maps, capture order.
  std::vector<VarCandidate> vars(std::string_view name) const;

  // The live scheduler's view: a filtered Snapshot, or NoActiveScheduler.
  ViewResult<Snapshot> active() const;
  // active().var(name), with active()'s error as Missing.
  SnapshotField live_var(std::string_view name) const;
  // Every copy of `name` in this view, chosen among by `picker`.
  SnapshotField live_var_via(std::string_view name, const VarPicker& picker) const;
  // Several globals from one map (the maps holding all of them), chosen
  // among by `picker`; fields in the order of `names`.
  ViewResult<std::vector<SnapshotField>> live_vars_via(std::span<const std::string_view> names,
                                                       const RowPicker& picker) const;
  ViewResult<std::vector<SnapshotField>> live_vars_via(std::initializer_list<std::string_view> names,
                                                       const RowPicker& picker) const {
    return live_vars_via(std::span<const std::string_view>(names.begin(), names.size()), picker);
  }

  // Scheduler stats JSON, parsed once per Snapshot (shared with copies and
  // with views made by active()). No stats in the report: Missing(
  // MissingStats{tag, NoScheduler{"no stats JSON in this report"}}).
  JsonField stats() const;
  JsonField stats_path(std::string_view path) const { return stats().get(path); }

 private:
  struct StatsCache {
    std::once_flag once;
    std::optional<JsonField> root;
  };

  Snapshot(const Report& report, std::string_view obj, std::span<const uint64_t> whitelist,
           std::shared_ptr<StatsCache> stats);
  bool admitted(const MapInfo& m) const;
  bool whitelisted(uint64_t kva) const;
  std::optional<SnapshotError> excluded_filter_error(std::string_view requested) const;
  std::vector<std::string> global_map_names() const;

  const Report* report_;
  bool filtered_ = false;
  std::string_view obj_;
  std::span<const uint64_t> whitelist_;
  std::shared_ptr<StatsCache> stats_;
};

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
