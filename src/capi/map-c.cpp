// Maps inside a report: lookup, metadata getters, and the entry cursors
// (key, value, per-CPU value) that start a value walk.
#include <string>

#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"
#include "report/report.hpp"
#include "value/value.hpp"

using namespace ktsnap;
using namespace ktsnap::capi;

namespace {

template <typename T, typename F>
T map_get(const char* fn, const ktsnap_map* m, T fallback, F&& f) noexcept {
  return guard_value<T>(fn, fallback, [&]() -> T {
    if (m == nullptr) {
      null_arg(fn, "map");
      return fallback;
    }
    return f(*m, *m->info);
  });
}

ktsnap_status entry_out_of_range(const char* fn, const ktsnap_map& m, uint32_t entry) {
  return fail(KTSNAP_E_RANGE, std::string(fn) + ": entry " + std::to_string(entry) + " out of range: map '" + m.name +
                                  "' holds " + std::to_string(m.info->entry_count) + " entries");
}

}  // namespace

extern "C" {

KTSNAP_API size_t ktsnap_report_map_count(const ktsnap_report* report) noexcept {
  return guard_value<size_t>("ktsnap_report_map_count", 0u, [&]() -> size_t {
    if (report == nullptr) {
      null_arg("ktsnap_report_map_count", "report");
      return 0;
    }
    return report->maps.size();
  });
}

KTSNAP_API const ktsnap_map* ktsnap_report_map_at(const ktsnap_report* report, size_t idx) noexcept {
  static constexpr const char* fn = "ktsnap_report_map_at";
  return guard_value<const ktsnap_map*>(fn, nullptr, [&]() -> const ktsnap_map* {
    if (report == nullptr) {
      null_arg(fn, "report");
      return nullptr;
    }
    if (idx >= report->maps.size()) {
      fail(KTSNAP_E_RANGE, std::string(fn) + ": map index " + std::to_string(idx) + " out of range (the report has " +
                               std::to_string(report->maps.size()) + " maps)");
      return nullptr;
    }
    return &report->maps[idx];
  });
}

KTSNAP_API ktsnap_status ktsnap_report_map_by_name(const ktsnap_map** out, const ktsnap_report* report,
                                                   const char* name) noexcept {
  static constexpr const char* fn = "ktsnap_report_map_by_name";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, report);
    KTSNAP_CAPI_REQUIRE(fn, name);
    for (const ktsnap_map& m : report->maps) {
      if (m.name == name) {
        *out = &m;
        return KTSNAP_OK;
      }
    }
    std::string msg = std::string("no map named '") + name + "' in the report; ";
    if (report->maps.empty()) {
      msg += "the report has no maps";
    } else {
      msg += "maps available: ";
      for (size_t i = 0; i < report->maps.size(); i++) {
        if (i) msg += ", ";
        msg += report->maps[i].name;
      }
    }
    return fail(KTSNAP_E_NOTFOUND, msg);
  });
}

KTSNAP_API const char* ktsnap_map_name(const ktsnap_map* map) noexcept {
  return map_get<const char*>("ktsnap_map_name", map, nullptr,
                              [](const ktsnap_map& m, const MapInfo&) { return m.name.c_str(); });
}

KTSNAP_API uint32_t ktsnap_map_index(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_index", map, 0u, [](const ktsnap_map&, const MapInfo& i) { return i.index; });
}

KTSNAP_API uint32_t ktsnap_map_type(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_type", map, 0u,
                           [](const ktsnap_map&, const MapInfo& i) { return i.map_type; });
}

KTSNAP_API const char* ktsnap_map_type_name(const ktsnap_map* map) noexcept {
  return map_get<const char*>("ktsnap_map_type_name", map, nullptr,
                              [](const ktsnap_map& m, const MapInfo&) { return m.type_name.c_str(); });
}

KTSNAP_API bool ktsnap_map_is_percpu(const ktsnap_map* map) noexcept {
  return map_get<bool>("ktsnap_map_is_percpu", map, false, [](const ktsnap_map&, const MapInfo& i) { return i.percpu; });
}

KTSNAP_API uint32_t ktsnap_map_key_size(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_key_size", map, 0u,
                           [](const ktsnap_map&, const MapInfo& i) { return i.key_size; });
}

KTSNAP_API uint32_t ktsnap_map_value_size(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_value_size", map, 0u,
                           [](const ktsnap_map&, const MapInfo& i) { return i.value_size; });
}

KTSNAP_API uint32_t ktsnap_map_max_entries(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_max_entries", map, 0u,
                           [](const ktsnap_map&, const MapInfo& i) { return i.max_entries; });
}

KTSNAP_API uint32_t ktsnap_map_nr_cpus(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_nr_cpus", map, 0u,
                           [](const ktsnap_map&, const MapInfo& i) { return i.percpu ? i.nr_cpus : 0u; });
}

KTSNAP_API uint32_t ktsnap_map_flags(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_flags", map, 0u, [](const ktsnap_map&, const MapInfo& i) { return i.flags; });
}

KTSNAP_API uint32_t ktsnap_map_bpf_flags(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_bpf_flags", map, 0u,
                           [](const ktsnap_map&, const MapInfo& i) { return i.map_flags; });
}

KTSNAP_API const char* ktsnap_map_error(const ktsnap_map* map) noexcept {
  return map_get<const char*>("ktsnap_map_error", map, nullptr, [](const ktsnap_map& m, const MapInfo& i) {
    return i.has_error ? m.error.c_str() : nullptr;
  });
}

KTSNAP_API uint32_t ktsnap_map_id(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_id", map, 0u, [](const ktsnap_map&, const MapInfo& i) { return i.map_id; });
}

KTSNAP_API uint64_t ktsnap_map_kva(const ktsnap_map* map) noexcept {
  return map_get<uint64_t>("ktsnap_map_kva", map, 0u, [](const ktsnap_map&, const MapInfo& i) { return i.map_kva; });
}

KTSNAP_API int32_t ktsnap_map_scheduler_index(const ktsnap_map* map) noexcept {
  return map_get<int32_t>("ktsnap_map_scheduler_index", map, -1,
                          [](const ktsnap_map&, const MapInfo& i) { return i.scheduler_index; });
}

KTSNAP_API int32_t ktsnap_map_btf_index(const ktsnap_map* map) noexcept {
  return map_get<int32_t>("ktsnap_map_btf_index", map, -1,
                          [](const ktsnap_map&, const MapInfo& i) { return i.btf_index; });
}

KTSNAP_API uint32_t ktsnap_map_key_type_id(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_key_type_id", map, 0u,
                           [](const ktsnap_map&, const MapInfo& i) { return i.key_type_id; });
}

KTSNAP_API uint32_t ktsnap_map_value_type_id(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_value_type_id", map, 0u,
                           [](const ktsnap_map&, const MapInfo& i) { return i.value_type_id; });
}

KTSNAP_API uint32_t ktsnap_map_vmlinux_value_type_id(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_vmlinux_value_type_id", map, 0u,
                           [](const ktsnap_map&, const MapInfo& i) { return i.vmlinux_value_type_id; });
}

KTSNAP_API const char* ktsnap_map_key_type_name(const ktsnap_map* map) noexcept {
  return map_get<const char*>("ktsnap_map_key_type_name", map, nullptr,
                              [](const ktsnap_map& m, const MapInfo&) { return m.key_type_name.c_str(); });
}

KTSNAP_API const char* ktsnap_map_value_type_name(const ktsnap_map* map) noexcept {
  return map_get<const char*>("ktsnap_map_value_type_name", map, nullptr,
                              [](const ktsnap_map& m, const MapInfo&) { return m.value_type_name.c_str(); });
}

KTSNAP_API uint32_t ktsnap_map_entry_count(const ktsnap_map* map) noexcept {
  return map_get<uint32_t>("ktsnap_map_entry_count", map, 0u,
                           [](const ktsnap_map&, const MapInfo& i) { return i.entry_count; });
}

KTSNAP_API ktsnap_status ktsnap_map_key(ktsnap_value* out, const ktsnap_map* map, uint32_t entry) noexcept {
  static constexpr const char* fn = "ktsnap_map_key";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_value{};
    KTSNAP_CAPI_REQUIRE(fn, map);
    if (entry >= map->info->entry_count) return entry_out_of_range(fn, *map, entry);
    *out = pack(Value::map_key(*map->info, entry));
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_map_value(ktsnap_value* out, const ktsnap_map* map, uint32_t entry) noexcept {
  static constexpr const char* fn = "ktsnap_map_value";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_value{};
    KTSNAP_CAPI_REQUIRE(fn, map);
    if (map->info->percpu)
      return fail(KTSNAP_E_TYPE, std::string(fn) + ": map '" + map->name + "' is per-CPU (" + map->type_name +
                                     "); read its slots with ktsnap_map_percpu_value()");
    if (entry >= map->info->entry_count) return entry_out_of_range(fn, *map, entry);
    *out = pack(Value::map_value(*map->info, entry));
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_map_percpu_value(ktsnap_value* out, const ktsnap_map* map, uint32_t entry,
                                                 uint32_t cpu) noexcept {
  static constexpr const char* fn = "ktsnap_map_percpu_value";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_value{};
    KTSNAP_CAPI_REQUIRE(fn, map);
    if (!map->info->percpu)
      return fail(KTSNAP_E_TYPE, std::string(fn) + ": map '" + map->name + "' is not per-CPU (" + map->type_name +
                                     "); read its values with ktsnap_map_value()");
    if (entry >= map->info->entry_count) return entry_out_of_range(fn, *map, entry);
    if (cpu >= map->info->nr_cpus)
      return fail(KTSNAP_E_RANGE, std::string(fn) + ": cpu " + std::to_string(cpu) + " out of range: map '" +
                                      map->name + "' has " + std::to_string(map->info->nr_cpus) + " CPU slots");
    if (!map->info->slot_present(entry, cpu))
      return fail(KTSNAP_E_NOTFOUND, std::string(fn) + ": cpu " + std::to_string(cpu) + " of entry " +
                                         std::to_string(entry) + " of map '" + map->name +
                                         "' could not be read at capture time");
    *out = pack(Value::map_value(*map->info, entry, cpu));
    return KTSNAP_OK;
  });
}

KTSNAP_API bool ktsnap_map_slot_present(const ktsnap_map* map, uint32_t entry, uint32_t cpu) noexcept {
  static constexpr const char* fn = "ktsnap_map_slot_present";
  return map_get<bool>(fn, map, false, [&](const ktsnap_map& m, const MapInfo& i) -> bool {
    if (entry >= i.entry_count) {
      entry_out_of_range(fn, m, entry);
      return false;
    }
    if (!i.percpu) {
      if (cpu == 0) return true;
      fail(KTSNAP_E_RANGE, std::string(fn) + ": cpu " + std::to_string(cpu) + " out of range: map '" + m.name +
                               "' is not per-CPU (only cpu 0)");
      return false;
    }
    if (cpu >= i.nr_cpus) {
      fail(KTSNAP_E_RANGE, std::string(fn) + ": cpu " + std::to_string(cpu) + " out of range: map '" + m.name +
                               "' has " + std::to_string(i.nr_cpus) + " CPU slots");
      return false;
    }
    return i.slot_present(entry, cpu);
  });
}

}  // extern "C"
