// The view layer behind the C ABI: snapshots, global variables and
// pickers, view-rule walks and reads, entries, per-CPU aggregates,
// predicate queries, columns, and the scheduler stats JSON cursor. Every
// view error is recorded with fail_view() so ktsnap_last_error_info() can
// hand its fields to the caller.
#include <simdjson.h>

#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"
#include "view/aggregate.hpp"
#include "view/column.hpp"
#include "view/query.hpp"
#include "view/view.hpp"

using namespace ktsnap;
using namespace ktsnap::capi;
using namespace ktsnap::view;

struct ktsnap_snapshot {
  const ktsnap_report* owner = nullptr;
  Snapshot snap;
  std::vector<const ktsnap_map*> maps;  // admitted maps, capture order
  std::string active_obj;

  ktsnap_snapshot(const ktsnap_report* o, Snapshot s) : owner(o), snap(std::move(s)) {}
};

struct ktsnap_query {
  const ktsnap_map* map = nullptr;
  Query query;
  std::string expr;

  ktsnap_query(const ktsnap_map* m, Query q, std::string e) : map(m), query(std::move(q)), expr(std::move(e)) {}
};

namespace {

// ---- helpers ---------------------------------------------------------------

ktsnap_snapshot* make_snapshot(const ktsnap_report* owner, Snapshot s) {
  auto* h = new ktsnap_snapshot(owner, std::move(s));
  try {
    for (const SnapshotMap& m : h->snap.maps()) h->maps.push_back(&owner->maps[m.raw().index]);
    if (auto obj = h->snap.active_obj()) h->active_obj = std::string(*obj);
  } catch (...) {
    delete h;
    throw;
  }
  return h;
}

// The C map of a map name that points into the report (VarCandidate and
// VarRow names), else the first map with that name.
const ktsnap_map* map_named(const ktsnap_report* owner, std::string_view name) {
  for (const ktsnap_map& m : owner->maps)
    if (m.info->name.data() == name.data() && m.info->name.size() == name.size()) return &m;
  for (const ktsnap_map& m : owner->maps)
    if (m.info->name == name) return &m;
  return nullptr;
}

std::string_view path_or_empty(const char* path) { return path ? std::string_view(path) : std::string_view(); }

// A field into the cursor: the value, the key of a per-CPU array entry as
// the map's key (`key_of`), or the recorded error.
ktsnap_status field_out(const char* fn, const SnapshotField& f, ktsnap_value* out,
                        const std::optional<Value>& key_of = std::nullopt) {
  switch (f.state()) {
    case SnapshotField::State::Value:
      *out = pack(*f.raw());
      return KTSNAP_OK;
    case SnapshotField::State::PercpuKey:
      if (key_of) {
        *out = pack(*key_of);
        return KTSNAP_OK;
      }
      return fail_parts(KTSNAP_E_TYPE, fn, ": the field is the u32 key of a per-CPU array entry; read it with ",
                        "ktsnap_entry_key()");
    case SnapshotField::State::Missing:
      break;
  }
  return fail_view(*f.error());
}

// A view error; a TypeMismatch raised by a terminal read names the path.
template <typename T>
ktsnap_status view_fail(const ViewResult<T>& r, std::string_view path) {
  const SnapshotError& e = r.error();
  if (const auto* tm = e.get_if<TypeMismatch>(); tm && tm->requested.empty() && !path.empty()) {
    TypeMismatch named = *tm;
    named.requested = std::string(path);
    return fail_view(SnapshotError(std::move(named)));
  }
  return fail_view(e);
}

// Unpacks `value` and walks `path` with the view walker.
ktsnap_status walk(const char* fn, const ktsnap_value* value, const char* path, SnapshotField& f) {
  Value v;
  if (!unpack(value, v)) return bad_value(fn, value);
  f = walk_dotted_path(v, path_or_empty(path));
  if (!f.is_present()) return fail_view(*f.error());
  return KTSNAP_OK;
}

template <typename T, typename Read>
ktsnap_status read_scalar(const char* fn, T* out, const ktsnap_value* value, const char* path, Read&& read) {
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = T{};
    SnapshotField f = SnapshotField::missing(EmptyPathComponent{});
    if (ktsnap_status st = walk(fn, value, path, f); st != KTSNAP_OK) return st;
    auto r = read(f);
    if (!r.ok()) return view_fail(r, path_or_empty(path));
    *out = static_cast<T>(r.value());
    return KTSNAP_OK;
  });
}

// Copies up to `cap` elements; *count_out = the whole length; RANGE when
// they do not all fit.
template <typename T, typename E>
ktsnap_status array_out(const char* fn, T* out, size_t cap, size_t* count_out, const std::vector<E>& v) {
  *count_out = v.size();
  size_t n = std::min(cap, v.size());
  for (size_t i = 0; i < n; i++) out[i] = static_cast<T>(v[i]);
  if (v.size() > cap)
    return fail(KTSNAP_E_RANGE, std::string(fn) + ": the array has " + std::to_string(v.size()) +
                                    " elements; cap is " + std::to_string(cap) + " (the first " + std::to_string(n) +
                                    " were written)");
  return KTSNAP_OK;
}

template <typename T, typename Read>
ktsnap_status read_array(const char* fn, T* out, size_t cap, size_t* count_out, const ktsnap_value* value,
                         const char* path, Read&& read) {
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, count_out);
    *count_out = 0;
    if (out == nullptr && cap > 0) return null_arg(fn, "out");
    SnapshotField f = SnapshotField::missing(EmptyPathComponent{});
    if (ktsnap_status st = walk(fn, value, path, f); st != KTSNAP_OK) return st;
    auto r = read(f);
    if (!r.ok()) return view_fail(r, path_or_empty(path));
    return array_out(fn, out, cap, count_out, r.value());
  });
}

std::optional<uint32_t> narrow(uint32_t cpu) {
  if (cpu == KTSNAP_NO_CPU) return std::nullopt;
  return cpu;
}

ktsnap_status check_op(const char* fn, uint32_t op) {
  if (op <= KTSNAP_AGG_MIN) return KTSNAP_OK;
  return fail(KTSNAP_E_INVALID, std::string(fn) + ": unknown aggregate operation " + std::to_string(op) +
                                    " (KTSNAP_AGG_SUM 0, KTSNAP_AGG_MAX 1, KTSNAP_AGG_MIN 2)");
}

ktsnap_status check_cpu(const char* fn, const MapInfo& m, uint32_t cpu) {
  if (!m.percpu || cpu < m.nr_cpus) return KTSNAP_OK;
  return fail(KTSNAP_E_RANGE, std::string(fn) + ": CPU " + std::to_string(cpu) + " out of range: map '" +
                                  std::string(m.name) + "' has " + std::to_string(m.nr_cpus) + " per-CPU slots");
}

// The NoMatch (or MapRenderIncomplete) a search over `m` that found
// nothing reports, with the first renderable keys, for operation `op`.
SnapshotError no_match(const MapInfo& m, std::string_view op) {
  SnapshotEntry e = SnapshotMap(m).find([](const SnapshotEntry&) { return false; });
  SnapshotError err = *e.error();
  if (const auto* nm = err.get_if<NoMatch>(); nm && nm->op != op) {
    NoMatch named = *nm;
    named.op = std::string(op);
    return SnapshotError(std::move(named));
  }
  return err;
}

void bulk_out(ktsnap_bulk_result* res, const ColumnResult& r) {
  if (res == nullptr) return;
  res->failed = r.failed;
  res->first_failure = r.first_failure;
  res->first_status = static_cast<ktsnap_status>(r.first_code);
  res->_reserved = 0;
}

template <typename T, typename Run>
ktsnap_status bulk(const char* fn, T* out, size_t cap, int32_t* status, ktsnap_bulk_result* result,
                   const ktsnap_map* map, const char* path, Run&& run) {
  return guard(fn, [&]() -> ktsnap_status {
    if (result) *result = ktsnap_bulk_result{0, UINT32_MAX, KTSNAP_OK, 0};
    KTSNAP_CAPI_REQUIRE(fn, map);
    KTSNAP_CAPI_REQUIRE(fn, path);
    if (out == nullptr && cap > 0) return null_arg(fn, "out");
    const uint32_t n = map->info->entry_count;
    if (cap < n)
      return fail(KTSNAP_E_INVALID, std::string(fn) + ": cap " + std::to_string(cap) + " is smaller than the " +
                                        std::to_string(n) + " entries of map '" + map->name + "'");
    std::span<T> o(out, out ? cap : 0);
    std::span<int32_t> s(status, status ? cap : 0);
    Result<ColumnResult> r = run(*map->info, o, s);
    if (!r.ok()) return fail(r.error());
    bulk_out(result, r.value());
    return KTSNAP_OK;
  });
}

// ---- the JSON cursor ---------------------------------------------------------

using simdjson::dom::element;
static_assert(std::is_trivially_copyable_v<element> && sizeof(element) == 16,
              "ktsnap_json stores a simdjson DOM element in 16 bytes");

constexpr uint32_t kJsonTag = 0x6au << 24;

ktsnap_json pack_json(const element& el) {
  ktsnap_json out{};
  unsigned char raw[16];
  std::memcpy(raw, &el, sizeof raw);
  std::memcpy(&out._doc, raw, 8);
  std::memcpy(&out._a, raw + 8, 8);
  out._bits = kJsonTag;
  return out;
}

bool unpack_json(const ktsnap_json* in, element& el) {
  if (in == nullptr || in->_doc == nullptr || in->_bits != kJsonTag || in->_b != 0 || in->_pad != 0) return false;
  unsigned char raw[16];
  std::memcpy(raw, &in->_doc, 8);
  std::memcpy(raw + 8, &in->_a, 8);
  std::memcpy(&el, raw, sizeof raw);
  return true;
}

ktsnap_status bad_json(const char* fn, const ktsnap_json* in) {
  if (in == nullptr) return null_arg(fn, "json");
  if (in->_doc == nullptr)
    return fail_parts(KTSNAP_E_INVALID, fn, ": the JSON value is empty (zero-initialised, or the output of a failed call)");
  return fail_parts(KTSNAP_E_INVALID, fn, ": the JSON value was not produced by ktsnap");
}

ktsnap_status json_field_out(const JsonField& f, ktsnap_json* out) {
  if (!f.is_present()) return fail_view(*f.error());
  *out = pack_json(*f.raw());
  return KTSNAP_OK;
}

template <typename T, typename Read>
ktsnap_status json_scalar(const char* fn, T* out, const ktsnap_json* json, Read&& read) {
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = T{};
    element el;
    if (!unpack_json(json, el)) return bad_json(fn, json);
    auto r = read(JsonField::of(nullptr, el));
    if (!r.ok()) return fail_view(r.error());
    *out = static_cast<T>(r.value());
    return KTSNAP_OK;
  });
}

template <typename T, typename Read>
ktsnap_status json_array(const char* fn, T* out, size_t cap, size_t* count_out, const ktsnap_json* json,
                         Read&& read) {
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, count_out);
    *count_out = 0;
    if (out == nullptr && cap > 0) return null_arg(fn, "out");
    element el;
    if (!unpack_json(json, el)) return bad_json(fn, json);
    auto r = read(JsonField::of(nullptr, el));
    if (!r.ok()) return fail_view(r.error());
    return array_out(fn, out, cap, count_out, r.value());
  });
}

// ---- pickers -----------------------------------------------------------------

std::vector<ktsnap_var_candidate> c_candidates(const ktsnap_report* owner, std::span<const VarCandidate> cs) {
  std::vector<ktsnap_var_candidate> out;
  out.reserve(cs.size());
  for (const VarCandidate& c : cs) {
    ktsnap_var_candidate cc{};
    cc.map = map_named(owner, c.map);
    if (auto v = c.field.raw()) cc.value = pack(*v);
    out.push_back(cc);
  }
  return out;
}

SnapshotField field_of(const ktsnap_value& v) {
  Value val;
  if (!unpack(&v, val)) return SnapshotField::missing(ProjectionFailed{"not a ktsnap value"});
  return SnapshotField::of(val);
}

}  // namespace

extern "C" {

// ---- snapshots -----------------------------------------------------------------

KTSNAP_API ktsnap_status ktsnap_snapshot_new(ktsnap_snapshot** out, const ktsnap_report* report) noexcept {
  static constexpr const char* fn = "ktsnap_snapshot_new";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, report);
    *out = make_snapshot(report, Snapshot(*report->report));
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_snapshot_active(ktsnap_snapshot** out, const ktsnap_snapshot* snap) noexcept {
  static constexpr const char* fn = "ktsnap_snapshot_active";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, snap);
    auto r = snap->snap.active();
    if (!r.ok()) return fail_view(r.error());
    *out = make_snapshot(snap->owner, std::move(r.value()));
    return KTSNAP_OK;
  });
}

KTSNAP_API void ktsnap_snapshot_free(ktsnap_snapshot* snap) noexcept { delete snap; }

KTSNAP_API const ktsnap_report* ktsnap_snapshot_report(const ktsnap_snapshot* snap) noexcept {
  return snap ? snap->owner : nullptr;
}

KTSNAP_API bool ktsnap_snapshot_is_filtered(const ktsnap_snapshot* snap) noexcept {
  return snap != nullptr && snap->snap.is_filtered();
}

KTSNAP_API const char* ktsnap_snapshot_active_obj(const ktsnap_snapshot* snap) noexcept {
  return snap ? snap->active_obj.c_str() : "";
}

KTSNAP_API size_t ktsnap_snapshot_map_count(const ktsnap_snapshot* snap) noexcept {
  return snap ? snap->maps.size() : 0;
}

KTSNAP_API const ktsnap_map* ktsnap_snapshot_map_at(const ktsnap_snapshot* snap, size_t idx) noexcept {
  static constexpr const char* fn = "ktsnap_snapshot_map_at";
  return guard_value<const ktsnap_map*>(fn, nullptr, [&]() -> const ktsnap_map* {
    if (snap == nullptr) {
      null_arg(fn, "snap");
      return nullptr;
    }
    if (idx >= snap->maps.size()) {
      fail(KTSNAP_E_RANGE, std::string(fn) + ": map index " + std::to_string(idx) + " out of range (the view admits " +
                               std::to_string(snap->maps.size()) + " maps)");
      return nullptr;
    }
    return snap->maps[idx];
  });
}

KTSNAP_API ktsnap_status ktsnap_snapshot_map(const ktsnap_map** out, const ktsnap_snapshot* snap,
                                             const char* name) noexcept {
  static constexpr const char* fn = "ktsnap_snapshot_map";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, snap);
    KTSNAP_CAPI_REQUIRE(fn, name);
    auto r = snap->snap.map(name);
    if (!r.ok()) return fail_view(r.error());
    *out = &snap->owner->maps[r->raw().index];
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_snapshot_var(ktsnap_value* out, const ktsnap_snapshot* snap, const char* name) noexcept {
  static constexpr const char* fn = "ktsnap_snapshot_var";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_value{};
    KTSNAP_CAPI_REQUIRE(fn, snap);
    KTSNAP_CAPI_REQUIRE(fn, name);
    return field_out(fn, snap->snap.var(name), out);
  });
}

KTSNAP_API ktsnap_status ktsnap_snapshot_live_var(ktsnap_value* out, const ktsnap_snapshot* snap,
                                                  const char* name) noexcept {
  static constexpr const char* fn = "ktsnap_snapshot_live_var";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_value{};
    KTSNAP_CAPI_REQUIRE(fn, snap);
    KTSNAP_CAPI_REQUIRE(fn, name);
    return field_out(fn, snap->snap.live_var(name), out);
  });
}

KTSNAP_API ktsnap_status ktsnap_snapshot_vars(ktsnap_var_candidate* out, size_t cap, size_t* count_out,
                                              const ktsnap_snapshot* snap, const char* name) noexcept {
  static constexpr const char* fn = "ktsnap_snapshot_vars";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, count_out);
    *count_out = 0;
    if (out == nullptr && cap > 0) return null_arg(fn, "out");
    KTSNAP_CAPI_REQUIRE(fn, snap);
    KTSNAP_CAPI_REQUIRE(fn, name);
    std::vector<VarCandidate> cs = snap->snap.vars(name);
    std::vector<ktsnap_var_candidate> cc = c_candidates(snap->owner, cs);
    return array_out(fn, out, cap, count_out, cc);
  });
}

KTSNAP_API int64_t ktsnap_pick_max_counter(const ktsnap_var_candidate* candidates, size_t count,
                                           void* user_data) noexcept {
  (void)user_data;
  if (candidates == nullptr || count == 0) return -1;
  try {
    std::vector<VarCandidate> cs;
    cs.reserve(count);
    for (size_t i = 0; i < count; i++) cs.push_back(VarCandidate{std::string_view(), field_of(candidates[i].value)});
    auto pick = pickers::max_by_counter_value(cs);
    return pick ? static_cast<int64_t>(*pick) : -1;
  } catch (...) {
    return -1;
  }
}

KTSNAP_API int64_t ktsnap_pick_max_sum(const ktsnap_var_row* rows, size_t count, void* user_data) noexcept {
  (void)user_data;
  if (rows == nullptr || count == 0) return -1;
  try {
    std::vector<VarRow> rs;
    rs.reserve(count);
    for (size_t i = 0; i < count; i++) {
      VarRow r{std::string_view(), {}};
      if (rows[i].values == nullptr && rows[i].count > 0) {
        r.fields.push_back(SnapshotField::missing(ProjectionFailed{"row without values"}));
      } else {
        for (size_t j = 0; j < rows[i].count; j++) r.fields.push_back(field_of(rows[i].values[j]));
      }
      rs.push_back(std::move(r));
    }
    auto pick = pickers::max_by_sum_u64(rs);
    return pick ? static_cast<int64_t>(*pick) : -1;
  } catch (...) {
    return -1;
  }
}

KTSNAP_API ktsnap_status ktsnap_snapshot_live_var_via(ktsnap_value* out, const ktsnap_snapshot* snap, const char* name,
                                                      ktsnap_var_picker picker, void* user_data) noexcept {
  static constexpr const char* fn = "ktsnap_snapshot_live_var_via";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_value{};
    KTSNAP_CAPI_REQUIRE(fn, snap);
    KTSNAP_CAPI_REQUIRE(fn, name);
    KTSNAP_CAPI_REQUIRE(fn, picker);
    const ktsnap_report* owner = snap->owner;
    VarPicker p = [&](std::span<const VarCandidate> cs) -> std::optional<size_t> {
      std::vector<ktsnap_var_candidate> cc = c_candidates(owner, cs);
      int64_t r = picker(cc.data(), cc.size(), user_data);
      clear_error();  // a ktsnap call the picker made must not leak out as this call's error
      if (r < 0) return std::nullopt;
      return static_cast<size_t>(r);
    };
    return field_out(fn, snap->snap.live_var_via(name, p), out);
  });
}

KTSNAP_API ktsnap_status ktsnap_snapshot_live_vars_via(ktsnap_value* out, const ktsnap_map** map_out,
                                                       const ktsnap_snapshot* snap, const char* const* names,
                                                       size_t count, ktsnap_row_picker picker,
                                                       void* user_data) noexcept {
  static constexpr const char* fn = "ktsnap_snapshot_live_vars_via";
  return guard(fn, [&]() -> ktsnap_status {
    if (map_out) *map_out = nullptr;
    if (out == nullptr && count > 0) return null_arg(fn, "out");
    for (size_t i = 0; i < count; i++) out[i] = ktsnap_value{};
    KTSNAP_CAPI_REQUIRE(fn, snap);
    if (names == nullptr && count > 0) return null_arg(fn, "names");
    KTSNAP_CAPI_REQUIRE(fn, picker);
    std::vector<std::string_view> ns;
    for (size_t i = 0; i < count; i++) {
      if (names[i] == nullptr)
        return fail(KTSNAP_E_INVALID, std::string(fn) + ": names[" + std::to_string(i) + "] is NULL");
      ns.emplace_back(names[i]);
    }
    const ktsnap_report* owner = snap->owner;
    std::vector<const ktsnap_map*> row_maps;
    std::optional<size_t> chosen;
    RowPicker p = [&](std::span<const VarRow> rows) -> std::optional<size_t> {
      std::vector<std::vector<ktsnap_value>> values(rows.size());
      std::vector<ktsnap_var_row> cr(rows.size());
      row_maps.assign(rows.size(), nullptr);
      for (size_t i = 0; i < rows.size(); i++) {
        for (const SnapshotField& f : rows[i].fields) {
          auto v = f.raw();
          values[i].push_back(v ? pack(*v) : ktsnap_value{});
        }
        row_maps[i] = map_named(owner, rows[i].map);
        cr[i] = ktsnap_var_row{row_maps[i], values[i].data(), values[i].size()};
      }
      int64_t r = picker(cr.data(), cr.size(), user_data);
      clear_error();  // a ktsnap call the picker made must not leak out as this call's error
      if (r < 0) return std::nullopt;
      chosen = static_cast<size_t>(r);
      return chosen;
    };
    auto r = snap->snap.live_vars_via(std::span<const std::string_view>(ns), p);
    if (!r.ok()) return fail_view(r.error());
    const std::vector<SnapshotField>& fields = r.value();
    for (size_t i = 0; i < fields.size() && i < count; i++) {
      ktsnap_status st = field_out(fn, fields[i], &out[i]);
      if (st != KTSNAP_OK) {
        for (size_t j = 0; j < count; j++) out[j] = ktsnap_value{};
        return st;
      }
    }
    if (map_out && chosen && *chosen < row_maps.size()) *map_out = row_maps[*chosen];
    return KTSNAP_OK;
  });
}

// ---- view-rule walks and reads -----------------------------------------------

KTSNAP_API ktsnap_status ktsnap_value_walk(ktsnap_value* out, const ktsnap_value* value, const char* path) noexcept {
  static constexpr const char* fn = "ktsnap_value_walk";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_value{};
    KTSNAP_CAPI_REQUIRE(fn, path);
    SnapshotField f = SnapshotField::missing(EmptyPathComponent{});
    if (ktsnap_status st = walk(fn, value, path, f); st != KTSNAP_OK) return st;
    return field_out(fn, f, out);
  });
}

KTSNAP_API ktsnap_status ktsnap_value_read_u64(uint64_t* out, const ktsnap_value* value, const char* path) noexcept {
  return read_scalar("ktsnap_value_read_u64", out, value, path, [](const SnapshotField& f) { return f.as_u64(); });
}
KTSNAP_API ktsnap_status ktsnap_value_read_i64(int64_t* out, const ktsnap_value* value, const char* path) noexcept {
  return read_scalar("ktsnap_value_read_i64", out, value, path, [](const SnapshotField& f) { return f.as_i64(); });
}
KTSNAP_API ktsnap_status ktsnap_value_read_f64(double* out, const ktsnap_value* value, const char* path) noexcept {
  return read_scalar("ktsnap_value_read_f64", out, value, path, [](const SnapshotField& f) { return f.as_f64(); });
}
KTSNAP_API ktsnap_status ktsnap_value_read_bool(bool* out, const ktsnap_value* value, const char* path) noexcept {
  return read_scalar("ktsnap_value_read_bool", out, value, path, [](const SnapshotField& f) { return f.as_bool(); });
}

KTSNAP_API ktsnap_status ktsnap_value_read_str(const char** out, const ktsnap_value* value, const char* path) noexcept {
  static constexpr const char* fn = "ktsnap_value_read_str";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    SnapshotField f = SnapshotField::missing(EmptyPathComponent{});
    if (ktsnap_status st = walk(fn, value, path, f); st != KTSNAP_OK) return st;
    auto r = f.as_str();
    if (!r.ok()) return view_fail(r, path_or_empty(path));
    *out = r.value().data();  // a BTF string: NUL-terminated in the report's BTF
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_value_read_u64_array(uint64_t* out, size_t cap, size_t* count_out,
                                                     const ktsnap_value* value, const char* path) noexcept {
  return read_array("ktsnap_value_read_u64_array", out, cap, count_out, value, path,
                    [](const SnapshotField& f) { return f.as_u64_array(); });
}
KTSNAP_API ktsnap_status ktsnap_value_read_u32_array(uint32_t* out, size_t cap, size_t* count_out,
                                                     const ktsnap_value* value, const char* path) noexcept {
  return read_array("ktsnap_value_read_u32_array", out, cap, count_out, value, path,
                    [](const SnapshotField& f) { return f.as_u32_array(); });
}
KTSNAP_API ktsnap_status ktsnap_value_read_i64_array(int64_t* out, size_t cap, size_t* count_out,
                                                     const ktsnap_value* value, const char* path) noexcept {
  return read_array("ktsnap_value_read_i64_array", out, cap, count_out, value, path,
                    [](const SnapshotField& f) { return f.as_i64_array(); });
}
KTSNAP_API ktsnap_status ktsnap_value_read_f64_array(double* out, size_t cap, size_t* count_out,
                                                     const ktsnap_value* value, const char* path) noexcept {
  return read_array("ktsnap_value_read_f64_array", out, cap, count_out, value, path,
                    [](const SnapshotField& f) { return f.as_f64_array(); });
}
KTSNAP_API ktsnap_status ktsnap_value_read_bool_array(bool* out, size_t cap, size_t* count_out,
                                                      const ktsnap_value* value, const char* path) noexcept {
  return read_array("ktsnap_value_read_bool_array", out, cap, count_out, value, path,
                    [](const SnapshotField& f) { return f.as_bool_array(); });
}

// ---- entries -------------------------------------------------------------------

KTSNAP_API ktsnap_status ktsnap_entry_get(ktsnap_value* out, const ktsnap_map* map, uint64_t pos, uint32_t cpu,
                                          const char* path) noexcept {
  static constexpr const char* fn = "ktsnap_entry_get";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_value{};
    KTSNAP_CAPI_REQUIRE(fn, map);
    KTSNAP_CAPI_REQUIRE(fn, path);
    SnapshotEntry e = SnapshotMap(*map->info, narrow(cpu)).at(static_cast<size_t>(pos));
    return field_out(fn, e.get(path), out);
  });
}

KTSNAP_API ktsnap_status ktsnap_entry_key(ktsnap_value* out, const ktsnap_map* map, uint64_t pos,
                                          const char* path) noexcept {
  static constexpr const char* fn = "ktsnap_entry_key";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_value{};
    KTSNAP_CAPI_REQUIRE(fn, map);
    KTSNAP_CAPI_REQUIRE(fn, path);
    SnapshotEntry e = SnapshotMap(*map->info).at(static_cast<size_t>(pos));
    std::optional<Value> key;
    if (e.kind() == SnapshotEntry::Kind::Percpu) key = Value::map_key(*map->info, e.entry_index());
    return field_out(fn, e.key(path), out, key);
  });
}

}  // extern "C"

namespace {
template <typename T, typename Sum, typename Max, typename Min>
ktsnap_status entry_agg(const char* fn, T* out, const ktsnap_map* map, uint64_t pos, const char* path, uint32_t op,
                        Sum&& sum, Max&& max, Min&& min) {
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = T{};
    KTSNAP_CAPI_REQUIRE(fn, map);
    KTSNAP_CAPI_REQUIRE(fn, path);
    if (ktsnap_status st = check_op(fn, op); st != KTSNAP_OK) return st;
    SnapshotEntry e = SnapshotMap(*map->info).at(static_cast<size_t>(pos));
    if (!e.is_present()) return fail_view(*e.error());
    auto r = op == KTSNAP_AGG_SUM ? sum(e, path) : op == KTSNAP_AGG_MAX ? max(e, path) : min(e, path);
    if (!r.ok()) return view_fail(r, path);
    *out = r.value();
    return KTSNAP_OK;
  });
}
}  // namespace

extern "C" {

KTSNAP_API ktsnap_status ktsnap_entry_cpu_agg_u64(uint64_t* out, const ktsnap_map* map, uint64_t pos, const char* path,
                                                  uint32_t op) noexcept {
  return entry_agg(
      "ktsnap_entry_cpu_agg_u64", out, map, pos, path, op,
      [](const SnapshotEntry& e, const char* p) { return e.cpu_sum_u64(p); },
      [](const SnapshotEntry& e, const char* p) { return e.cpu_max_u64(p); },
      [](const SnapshotEntry& e, const char* p) { return e.cpu_min_u64(p); });
}
KTSNAP_API ktsnap_status ktsnap_entry_cpu_agg_i64(int64_t* out, const ktsnap_map* map, uint64_t pos, const char* path,
                                                  uint32_t op) noexcept {
  return entry_agg(
      "ktsnap_entry_cpu_agg_i64", out, map, pos, path, op,
      [](const SnapshotEntry& e, const char* p) { return e.cpu_sum_i64(p); },
      [](const SnapshotEntry& e, const char* p) { return e.cpu_max_i64(p); },
      [](const SnapshotEntry& e, const char* p) { return e.cpu_min_i64(p); });
}
KTSNAP_API ktsnap_status ktsnap_entry_cpu_agg_f64(double* out, const ktsnap_map* map, uint64_t pos, const char* path,
                                                  uint32_t op) noexcept {
  return entry_agg(
      "ktsnap_entry_cpu_agg_f64", out, map, pos, path, op,
      [](const SnapshotEntry& e, const char* p) { return e.cpu_sum_f64(p); },
      [](const SnapshotEntry& e, const char* p) { return e.cpu_max_f64(p); },
      [](const SnapshotEntry& e, const char* p) { return e.cpu_min_f64(p); });
}

// ---- queries -------------------------------------------------------------------

KTSNAP_API ktsnap_status ktsnap_query_compile(ktsnap_query** out, const ktsnap_map* map, const char* expr) noexcept {
  static constexpr const char* fn = "ktsnap_query_compile";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, map);
    KTSNAP_CAPI_REQUIRE(fn, expr);
    auto q = Query::compile(*map->info, expr);
    if (!q.ok()) return fail(q.error());
    *out = new ktsnap_query(map, std::move(q.value()), std::string(expr));
    return KTSNAP_OK;
  });
}

KTSNAP_API void ktsnap_query_free(ktsnap_query* query) noexcept { delete query; }

KTSNAP_API const ktsnap_map* ktsnap_query_map(const ktsnap_query* query) noexcept {
  return query ? query->map : nullptr;
}

KTSNAP_API const char* ktsnap_query_expression(const ktsnap_query* query) noexcept {
  return query ? query->expr.c_str() : "";
}

KTSNAP_API ktsnap_status ktsnap_query_matches(bool* out, const ktsnap_query* query, uint32_t entry,
                                              uint32_t cpu) noexcept {
  static constexpr const char* fn = "ktsnap_query_matches";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = false;
    KTSNAP_CAPI_REQUIRE(fn, query);
    const MapInfo& m = *query->map->info;
    if (entry >= m.entry_count)
      return fail(KTSNAP_E_RANGE, std::string(fn) + ": entry " + std::to_string(entry) + " out of range: map '" +
                                      query->map->name + "' holds " + std::to_string(m.entry_count) + " entries");
    if (ktsnap_status st = check_cpu(fn, m, cpu); st != KTSNAP_OK) return st;
    *out = query->query.matches(entry, cpu);
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_query_find(uint32_t* entry_out, const ktsnap_query* query, uint32_t cpu) noexcept {
  static constexpr const char* fn = "ktsnap_query_find";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, entry_out);
    *entry_out = UINT32_MAX;
    KTSNAP_CAPI_REQUIRE(fn, query);
    auto r = query->query.find(cpu);
    if (!r.ok()) return fail(r.error());
    if (r.value() == kNoEntry) return fail_view(no_match(*query->map->info, "find"));
    *entry_out = r.value();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_query_filter(uint32_t* out, size_t cap, size_t* count_out, const ktsnap_query* query,
                                             uint32_t cpu) noexcept {
  static constexpr const char* fn = "ktsnap_query_filter";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, count_out);
    *count_out = 0;
    if (out == nullptr && cap > 0) return null_arg(fn, "out");
    KTSNAP_CAPI_REQUIRE(fn, query);
    std::vector<uint32_t> hits;
    auto st = query->query.filter(hits, cpu);
    if (!st.ok()) return fail(st.error());
    return array_out(fn, out, cap, count_out, hits);
  });
}

KTSNAP_API ktsnap_status ktsnap_query_count(uint64_t* out, const ktsnap_query* query, uint32_t cpu) noexcept {
  static constexpr const char* fn = "ktsnap_query_count";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = 0;
    KTSNAP_CAPI_REQUIRE(fn, query);
    auto r = query->query.count(cpu);
    if (!r.ok()) return fail(r.error());
    *out = r.value();
    return KTSNAP_OK;
  });
}

}  // extern "C"

namespace {
ktsnap_status extreme(const char* fn, const char* op, uint32_t* entry_out, const ktsnap_query* query,
                      const char* key_path, uint32_t cpu, bool want_max) {
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, entry_out);
    *entry_out = UINT32_MAX;
    KTSNAP_CAPI_REQUIRE(fn, query);
    KTSNAP_CAPI_REQUIRE(fn, key_path);
    auto r = want_max ? query->query.max_by(key_path, cpu) : query->query.min_by(key_path, cpu);
    if (!r.ok()) return fail(r.error());
    if (r.value() == kNoEntry) return fail_view(no_match(*query->map->info, op));
    *entry_out = r.value();
    return KTSNAP_OK;
  });
}
}  // namespace

extern "C" {

KTSNAP_API ktsnap_status ktsnap_query_max_by(uint32_t* entry_out, const ktsnap_query* query, const char* key_path,
                                             uint32_t cpu) noexcept {
  return extreme("ktsnap_query_max_by", "max_by", entry_out, query, key_path, cpu, true);
}

KTSNAP_API ktsnap_status ktsnap_query_min_by(uint32_t* entry_out, const ktsnap_query* query, const char* key_path,
                                             uint32_t cpu) noexcept {
  return extreme("ktsnap_query_min_by", "min_by", entry_out, query, key_path, cpu, false);
}

// ---- bulk reads ----------------------------------------------------------------

KTSNAP_API ktsnap_status ktsnap_column_u64(uint64_t* out, size_t cap, int32_t* status, ktsnap_bulk_result* result,
                                           const ktsnap_map* map, const char* path, uint32_t cpu) noexcept {
  return bulk("ktsnap_column_u64", out, cap, status, result, map, path,
              [&](const MapInfo& m, std::span<uint64_t> o, std::span<int32_t> s) -> Result<ColumnResult> {
                auto c = Column::compile(m, path);
                if (!c.ok()) return c.take_error();
                return c->read_u64(o, s, cpu);
              });
}
KTSNAP_API ktsnap_status ktsnap_column_i64(int64_t* out, size_t cap, int32_t* status, ktsnap_bulk_result* result,
                                           const ktsnap_map* map, const char* path, uint32_t cpu) noexcept {
  return bulk("ktsnap_column_i64", out, cap, status, result, map, path,
              [&](const MapInfo& m, std::span<int64_t> o, std::span<int32_t> s) -> Result<ColumnResult> {
                auto c = Column::compile(m, path);
                if (!c.ok()) return c.take_error();
                return c->read_i64(o, s, cpu);
              });
}
KTSNAP_API ktsnap_status ktsnap_column_f64(double* out, size_t cap, int32_t* status, ktsnap_bulk_result* result,
                                           const ktsnap_map* map, const char* path, uint32_t cpu) noexcept {
  return bulk("ktsnap_column_f64", out, cap, status, result, map, path,
              [&](const MapInfo& m, std::span<double> o, std::span<int32_t> s) -> Result<ColumnResult> {
                auto c = Column::compile(m, path);
                if (!c.ok()) return c.take_error();
                return c->read_f64(o, s, cpu);
              });
}

}  // extern "C"

namespace {
template <typename T, typename All>
ktsnap_status all_agg(const char* fn, T* out, size_t cap, int32_t* status, ktsnap_bulk_result* result,
                      const ktsnap_map* map, const char* path, uint32_t op, All&& all) {
  return bulk(fn, out, cap, status, result, map, path,
              [&](const MapInfo& m, std::span<T> o, std::span<int32_t> s) -> Result<ColumnResult> {
                if (op > KTSNAP_AGG_MIN)
                  return make_error(Code::Invalid, std::string(fn) + ": unknown aggregate operation " +
                                                       std::to_string(op) +
                                                       " (KTSNAP_AGG_SUM 0, KTSNAP_AGG_MAX 1, KTSNAP_AGG_MIN 2)");
                auto a = CpuAggregate::compile(m, path);
                if (!a.ok()) return a.take_error();
                return all(*a, static_cast<AggOp>(op), o, s);
              });
}
}  // namespace

extern "C" {

KTSNAP_API ktsnap_status ktsnap_cpu_agg_u64(uint64_t* out, size_t cap, int32_t* status, ktsnap_bulk_result* result,
                                            const ktsnap_map* map, const char* path, uint32_t op) noexcept {
  return all_agg("ktsnap_cpu_agg_u64", out, cap, status, result, map, path, op,
                 [](const CpuAggregate& a, AggOp o, std::span<uint64_t> v, std::span<int32_t> s) {
                   return a.all_u64(o, v, s);
                 });
}
KTSNAP_API ktsnap_status ktsnap_cpu_agg_i64(int64_t* out, size_t cap, int32_t* status, ktsnap_bulk_result* result,
                                            const ktsnap_map* map, const char* path, uint32_t op) noexcept {
  return all_agg("ktsnap_cpu_agg_i64", out, cap, status, result, map, path, op,
                 [](const CpuAggregate& a, AggOp o, std::span<int64_t> v, std::span<int32_t> s) {
                   return a.all_i64(o, v, s);
                 });
}
KTSNAP_API ktsnap_status ktsnap_cpu_agg_f64(double* out, size_t cap, int32_t* status, ktsnap_bulk_result* result,
                                            const ktsnap_map* map, const char* path, uint32_t op) noexcept {
  return all_agg("ktsnap_cpu_agg_f64", out, cap, status, result, map, path, op,
                 [](const CpuAggregate& a, AggOp o, std::span<double> v, std::span<int32_t> s) {
                   return a.all_f64(o, v, s);
                 });
}

// ---- stats JSON ----------------------------------------------------------------

KTSNAP_API ktsnap_status ktsnap_snapshot_stats(ktsnap_json* out, const ktsnap_snapshot* snap, const char* path) noexcept {
  static constexpr const char* fn = "ktsnap_snapshot_stats";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_json{};
    KTSNAP_CAPI_REQUIRE(fn, snap);
    return json_field_out(snap->snap.stats_path(path_or_empty(path)), out);
  });
}

KTSNAP_API uint32_t ktsnap_json_kind(const ktsnap_json* json) noexcept {
  element el;
  if (!unpack_json(json, el)) return KTSNAP_JSON_INVALID;
  switch (el.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      return KTSNAP_JSON_NULL;
    case simdjson::dom::element_type::BOOL:
      return KTSNAP_JSON_BOOL;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return KTSNAP_JSON_NUMBER;
    case simdjson::dom::element_type::STRING:
      return KTSNAP_JSON_STRING;
    case simdjson::dom::element_type::ARRAY:
      return KTSNAP_JSON_ARRAY;
    case simdjson::dom::element_type::OBJECT:
      return KTSNAP_JSON_OBJECT;
  }
  return KTSNAP_JSON_INVALID;
}

KTSNAP_API ktsnap_status ktsnap_json_get(ktsnap_json* out, const ktsnap_json* json, const char* path) noexcept {
  static constexpr const char* fn = "ktsnap_json_get";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_json{};
    KTSNAP_CAPI_REQUIRE(fn, path);
    element el;
    if (!unpack_json(json, el)) return bad_json(fn, json);
    return json_field_out(JsonField::of(nullptr, el).get(path), out);
  });
}

KTSNAP_API ktsnap_status ktsnap_json_length(size_t* out, const ktsnap_json* json) noexcept {
  static constexpr const char* fn = "ktsnap_json_length";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = 0;
    element el;
    if (!unpack_json(json, el)) return bad_json(fn, json);
    simdjson::dom::array a;
    if (el.get_array().get(a) == simdjson::SUCCESS) {
      size_t n = 0;
      for (auto it = a.begin(); it != a.end(); ++it) n++;
      *out = n;
    }
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_json_index(ktsnap_json* out, const ktsnap_json* json, size_t i) noexcept {
  static constexpr const char* fn = "ktsnap_json_index";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = ktsnap_json{};
    element el;
    if (!unpack_json(json, el)) return bad_json(fn, json);
    simdjson::dom::array a;
    if (el.get_array().get(a) != simdjson::SUCCESS)
      return fail(KTSNAP_E_TYPE, std::string(fn) + ": the JSON value is " + json_kind(el) + ", not an array");
    size_t n = 0;
    for (element e : a) {
      if (n == i) {
        *out = pack_json(e);
        return KTSNAP_OK;
      }
      n++;
    }
    return fail(KTSNAP_E_RANGE, std::string(fn) + ": index " + std::to_string(i) + " out of range (the array has " +
                                    std::to_string(n) + " elements)");
  });
}

KTSNAP_API ktsnap_status ktsnap_json_u64(uint64_t* out, const ktsnap_json* json) noexcept {
  return json_scalar("ktsnap_json_u64", out, json, [](const JsonField& f) { return f.as_u64(); });
}
KTSNAP_API ktsnap_status ktsnap_json_i64(int64_t* out, const ktsnap_json* json) noexcept {
  return json_scalar("ktsnap_json_i64", out, json, [](const JsonField& f) { return f.as_i64(); });
}
KTSNAP_API ktsnap_status ktsnap_json_f64(double* out, const ktsnap_json* json) noexcept {
  return json_scalar("ktsnap_json_f64", out, json, [](const JsonField& f) { return f.as_f64(); });
}
KTSNAP_API ktsnap_status ktsnap_json_bool(bool* out, const ktsnap_json* json) noexcept {
  return json_scalar("ktsnap_json_bool", out, json, [](const JsonField& f) { return f.as_bool(); });
}

KTSNAP_API ktsnap_status ktsnap_json_string(const char** out, size_t* len_out, const ktsnap_json* json) noexcept {
  static constexpr const char* fn = "ktsnap_json_string";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    if (len_out) *len_out = 0;
    element el;
    if (!unpack_json(json, el)) return bad_json(fn, json);
    auto r = JsonField::of(nullptr, el).as_str();
    if (!r.ok()) return fail_view(r.error());
    *out = r.value().data();  // simdjson keeps a NUL after every string
    if (len_out) *len_out = r.value().size();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_json_u64_array(uint64_t* out, size_t cap, size_t* count_out,
                                               const ktsnap_json* json) noexcept {
  return json_array("ktsnap_json_u64_array", out, cap, count_out, json,
                    [](const JsonField& f) { return f.as_u64_array(); });
}
KTSNAP_API ktsnap_status ktsnap_json_u32_array(uint32_t* out, size_t cap, size_t* count_out,
                                               const ktsnap_json* json) noexcept {
  return json_array("ktsnap_json_u32_array", out, cap, count_out, json,
                    [](const JsonField& f) { return f.as_u32_array(); });
}
KTSNAP_API ktsnap_status ktsnap_json_i64_array(int64_t* out, size_t cap, size_t* count_out,
                                               const ktsnap_json* json) noexcept {
  return json_array("ktsnap_json_i64_array", out, cap, count_out, json,
                    [](const JsonField& f) { return f.as_i64_array(); });
}
KTSNAP_API ktsnap_status ktsnap_json_f64_array(double* out, size_t cap, size_t* count_out,
                                               const ktsnap_json* json) noexcept {
  return json_array("ktsnap_json_f64_array", out, cap, count_out, json,
                    [](const JsonField& f) { return f.as_f64_array(); });
}
KTSNAP_API ktsnap_status ktsnap_json_bool_array(bool* out, size_t cap, size_t* count_out,
                                                const ktsnap_json* json) noexcept {
  return json_array("ktsnap_json_bool_array", out, cap, count_out, json,
                    [](const JsonField& f) { return f.as_bool_array(); });
}

}  // extern "C"
