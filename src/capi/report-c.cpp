// Report handles: open, save, free, bytes, metadata, schedulers, BTF
// blobs, excluded maps, regions.
#include <string>

#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"
#include "report/report.hpp"

namespace ktsnap::capi {

namespace {

std::string btf_type_name(const ValueContext* ctx, uint32_t type_id) {
  if (ctx == nullptr || ctx->btf == nullptr || type_id == 0 || !ctx->btf->valid_id(type_id)) return {};
  return ctx->btf->type_display_name(type_id);
}

// Options common to both open calls, read under the sz rules.
ktsnap_status read_open_opts(const ktsnap_open_opts* opts, OpenOptions& o) noexcept {
  size_t sz = 0;
  if (ktsnap_status st = check_sz(opts, sizeof(ktsnap_open_opts), "ktsnap_open_opts", &sz); st != KTSNAP_OK)
    return st;
  if (opts == nullptr) return KTSNAP_OK;
  uint32_t flags = KTSNAP_CAPI_GET(opts, sz, flags, 0u);
  if (ktsnap_status st = check_flags(flags, KTSNAP_OPEN_COPY, "ktsnap_open_opts.flags"); st != KTSNAP_OK) return st;
  if (ktsnap_status st = check_reserved(opts->reserved, offsetof(ktsnap_open_opts, reserved), sizeof opts->reserved,
                                        sz, "ktsnap_open_opts");
      st != KTSNAP_OK)
    return st;
  o.copy = (flags & KTSNAP_OPEN_COPY) != 0;
  return KTSNAP_OK;
}

ktsnap_status out_of_range(const char* fn, const char* what, size_t idx, size_t count) {
  return fail(KTSNAP_E_RANGE, std::string(fn) + ": " + what + " index " + std::to_string(idx) +
                                  " out of range (the report has " + std::to_string(count) + ")");
}

}  // namespace

ktsnap_report* wrap_report(std::unique_ptr<Report> r) {
  auto h = std::make_unique<ktsnap_report>();
  const Report& rep = *r;
  h->tag = std::string(rep.tag());
  h->placeholder_reason = rep.is_placeholder() ? std::string(rep.placeholder_reason()) : std::string();
  h->stats_json = std::string(rep.stats_json());
  h->scheduler_names.reserve(rep.scheduler_count());
  for (size_t i = 0; i < rep.scheduler_count(); i++) h->scheduler_names.emplace_back(rep.scheduler(i).name);
  for (size_t i = 0; i < rep.excluded_count(); i++) {
    h->excluded_names.emplace_back(rep.excluded(i).name);
    h->excluded_reasons.emplace_back(rep.excluded(i).reason);
  }
  h->maps.resize(rep.map_count());
  for (size_t i = 0; i < rep.map_count(); i++) {
    const MapInfo& m = rep.map(i);
    ktsnap_map& cm = h->maps[i];
    cm.info = &m;
    cm.owner = h.get();
    cm.name = std::string(m.name);
    cm.error = std::string(m.error);
    cm.type_name = map_type_name(m.map_type);
    cm.key_type_name = btf_type_name(m.ctx, m.key_type_id);
    cm.value_type_name = btf_type_name(m.ctx, m.value_type_id);
  }
  h->report = std::move(r);
  return h.release();
}

ktsnap_status wrap_built(const ReportBuffer& bytes, const char* what, ktsnap_report** out) {
  auto r = Report::open_buffer(bytes);
  if (!r.ok()) {
    Error e = r.take_error();
    e.message = std::string("the ") + what + " report does not open: " + e.message;
    if (e.code == Code::Format) e.code = Code::Internal;
    return fail(e);
  }
  *out = wrap_report(std::move(r).value());
  return KTSNAP_OK;
}

}  // namespace ktsnap::capi

using namespace ktsnap;
using namespace ktsnap::capi;

namespace {

// Getters share one shape: clear the last error, check the handle, answer.
template <typename T, typename F>
T report_get(const char* fn, const ktsnap_report* r, T fallback, F&& f) noexcept {
  return guard_value<T>(fn, fallback, [&]() -> T {
    if (r == nullptr) {
      null_arg(fn, "report");
      return fallback;
    }
    return f(*r);
  });
}

// Getters of an indexed item (scheduler, excluded map): a bad index sets
// KTSNAP_E_RANGE and yields the fallback.
template <typename T, typename F>
T report_item(const char* fn, const ktsnap_report* r, size_t idx, size_t (Report::*count)() const, const char* what,
              T fallback, F&& f) noexcept {
  return report_get<T>(fn, r, fallback, [&](const ktsnap_report& h) -> T {
    size_t n = (h.report.get()->*count)();
    if (idx >= n) {
      fail(KTSNAP_E_RANGE, std::string(fn) + ": " + what + " index " + std::to_string(idx) +
                               " out of range (the report has " + std::to_string(n) + ")");
      return fallback;
    }
    return f(h, idx);
  });
}

}  // namespace

extern "C" {

KTSNAP_API ktsnap_status ktsnap_open_opts_init(ktsnap_open_opts* opts, size_t sz) noexcept {
  clear_error();
  return init_sz(opts, sz, "ktsnap_open_opts_init");
}

KTSNAP_API ktsnap_status ktsnap_report_open_file(ktsnap_report** out, const char* path,
                                                 const ktsnap_open_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_report_open_file";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, path);
    OpenOptions o;
    if (ktsnap_status st = read_open_opts(opts, o); st != KTSNAP_OK) return st;
    auto r = Report::open_file(path);
    if (!r.ok()) return fail(r.error());
    *out = wrap_report(std::move(r).value());
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_report_open_memory(ktsnap_report** out, const void* data, size_t size,
                                                   const ktsnap_open_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_report_open_memory";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    if (data == nullptr && size != 0) return null_arg(fn, "data");
    OpenOptions o;
    if (ktsnap_status st = read_open_opts(opts, o); st != KTSNAP_OK) return st;
    // Checked before a single byte is read: a wrong size must not make the
    // verifier walk past the caller's buffer.
    if (size > kMaxReportSize)
      return fail(KTSNAP_E_RANGE, std::string(fn) + ": size " + std::to_string(size) +
                                      " exceeds the largest possible report (" + std::to_string(kMaxReportSize) +
                                      " bytes)");
    if (size == 0) return fail(KTSNAP_E_FORMAT, std::string(fn) + ": empty buffer (0 bytes) is not a report");
    auto r = Report::open_memory(data, size, o);
    if (!r.ok()) return fail(r.error());
    *out = wrap_report(std::move(r).value());
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_report_save(const ktsnap_report* report, const char* path) noexcept {
  static constexpr const char* fn = "ktsnap_report_save";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, report);
    KTSNAP_CAPI_REQUIRE(fn, path);
    return check(report->report->save(path));
  });
}

KTSNAP_API void ktsnap_report_free(ktsnap_report* report) noexcept { delete report; }

KTSNAP_API const void* ktsnap_report_bytes(const ktsnap_report* report, size_t* size_out) noexcept {
  if (size_out) *size_out = 0;
  return report_get<const void*>("ktsnap_report_bytes", report, nullptr, [&](const ktsnap_report& h) -> const void* {
    auto b = h.report->bytes();
    if (size_out) *size_out = b.size();
    return b.data();
  });
}

KTSNAP_API uint32_t ktsnap_report_format_version(const ktsnap_report* report) noexcept {
  return report_get<uint32_t>("ktsnap_report_format_version", report, 0u, [](const ktsnap_report& h) {
    return (uint32_t(h.report->format_major()) << 16) | h.report->format_minor();
  });
}

KTSNAP_API const char* ktsnap_report_tag(const ktsnap_report* report) noexcept {
  return report_get<const char*>("ktsnap_report_tag", report, nullptr,
                                 [](const ktsnap_report& h) { return h.tag.c_str(); });
}

KTSNAP_API uint32_t ktsnap_report_trigger(const ktsnap_report* report) noexcept {
  return report_get<uint32_t>("ktsnap_report_trigger", report, 0u,
                              [](const ktsnap_report& h) { return uint32_t(h.report->trigger()); });
}

KTSNAP_API uint64_t ktsnap_report_wall_time_ns(const ktsnap_report* report) noexcept {
  return report_get<uint64_t>("ktsnap_report_wall_time_ns", report, 0u,
                              [](const ktsnap_report& h) { return h.report->wall_time_ns(); });
}

KTSNAP_API uint64_t ktsnap_report_monotonic_ns(const ktsnap_report* report) noexcept {
  return report_get<uint64_t>("ktsnap_report_monotonic_ns", report, 0u,
                              [](const ktsnap_report& h) { return h.report->monotonic_ns(); });
}

KTSNAP_API uint64_t ktsnap_report_elapsed_ms(const ktsnap_report* report) noexcept {
  return report_get<uint64_t>("ktsnap_report_elapsed_ms", report, 0u,
                              [](const ktsnap_report& h) { return h.report->elapsed_ms(); });
}

KTSNAP_API bool ktsnap_report_has_step_index(const ktsnap_report* report) noexcept {
  return report_get<bool>("ktsnap_report_has_step_index", report, false,
                          [](const ktsnap_report& h) { return h.report->has_step_index(); });
}

KTSNAP_API uint32_t ktsnap_report_step_index(const ktsnap_report* report) noexcept {
  return report_get<uint32_t>("ktsnap_report_step_index", report, 0u, [](const ktsnap_report& h) {
    return h.report->has_step_index() ? h.report->step_index() : 0u;
  });
}

KTSNAP_API bool ktsnap_report_is_placeholder(const ktsnap_report* report) noexcept {
  return report_get<bool>("ktsnap_report_is_placeholder", report, false,
                          [](const ktsnap_report& h) { return h.report->is_placeholder(); });
}

KTSNAP_API const char* ktsnap_report_placeholder_reason(const ktsnap_report* report) noexcept {
  return report_get<const char*>("ktsnap_report_placeholder_reason", report, nullptr,
                                 [](const ktsnap_report& h) { return h.placeholder_reason.c_str(); });
}

KTSNAP_API const char* ktsnap_report_stats_json(const ktsnap_report* report, size_t* len_out) noexcept {
  if (len_out) *len_out = 0;
  return report_get<const char*>("ktsnap_report_stats_json", report, nullptr,
                                 [&](const ktsnap_report& h) -> const char* {
                                   if (!h.report->has_stats_json()) return nullptr;
                                   if (len_out) *len_out = h.stats_json.size();
                                   return h.stats_json.c_str();
                                 });
}

KTSNAP_API size_t ktsnap_report_scheduler_count(const ktsnap_report* report) noexcept {
  return report_get<size_t>("ktsnap_report_scheduler_count", report, 0u,
                            [](const ktsnap_report& h) { return h.report->scheduler_count(); });
}

KTSNAP_API const char* ktsnap_report_scheduler_name(const ktsnap_report* report, size_t idx) noexcept {
  return report_item<const char*>("ktsnap_report_scheduler_name", report, idx, &Report::scheduler_count, "scheduler",
                                  nullptr,
                                  [](const ktsnap_report& h, size_t i) { return h.scheduler_names[i].c_str(); });
}

KTSNAP_API int32_t ktsnap_report_scheduler_btf_index(const ktsnap_report* report, size_t idx) noexcept {
  return report_item<int32_t>("ktsnap_report_scheduler_btf_index", report, idx, &Report::scheduler_count,
                              "scheduler", -1,
                              [](const ktsnap_report& h, size_t i) { return h.report->scheduler(i).btf_index; });
}

KTSNAP_API bool ktsnap_report_scheduler_active(const ktsnap_report* report, size_t idx) noexcept {
  return report_item<bool>("ktsnap_report_scheduler_active", report, idx, &Report::scheduler_count, "scheduler",
                           false, [](const ktsnap_report& h, size_t i) { return h.report->scheduler(i).active; });
}

KTSNAP_API size_t ktsnap_report_btf_count(const ktsnap_report* report) noexcept {
  return report_get<size_t>("ktsnap_report_btf_count", report, 0u,
                            [](const ktsnap_report& h) { return h.report->btf_count(); });
}

KTSNAP_API const void* ktsnap_report_btf_data(const ktsnap_report* report, size_t idx, size_t* size_out) noexcept {
  if (size_out) *size_out = 0;
  return report_item<const void*>("ktsnap_report_btf_data", report, idx, &Report::btf_count, "BTF blob", nullptr,
                                  [&](const ktsnap_report& h, size_t i) -> const void* {
                                    const Btf* b = h.report->btf(i);
                                    if (b == nullptr) return nullptr;
                                    std::string_view raw = b->raw_data();
                                    if (size_out) *size_out = raw.size();
                                    return raw.data();
                                  });
}

KTSNAP_API size_t ktsnap_report_excluded_count(const ktsnap_report* report) noexcept {
  return report_get<size_t>("ktsnap_report_excluded_count", report, 0u,
                            [](const ktsnap_report& h) { return h.report->excluded_count(); });
}

KTSNAP_API const char* ktsnap_report_excluded_name(const ktsnap_report* report, size_t idx) noexcept {
  return report_item<const char*>("ktsnap_report_excluded_name", report, idx, &Report::excluded_count,
                                  "excluded map", nullptr,
                                  [](const ktsnap_report& h, size_t i) { return h.excluded_names[i].c_str(); });
}

KTSNAP_API uint32_t ktsnap_report_excluded_map_id(const ktsnap_report* report, size_t idx) noexcept {
  return report_item<uint32_t>("ktsnap_report_excluded_map_id", report, idx, &Report::excluded_count,
                               "excluded map", 0u,
                               [](const ktsnap_report& h, size_t i) { return h.report->excluded(i).map_id; });
}

KTSNAP_API uint32_t ktsnap_report_excluded_map_type(const ktsnap_report* report, size_t idx) noexcept {
  return report_item<uint32_t>("ktsnap_report_excluded_map_type", report, idx, &Report::excluded_count,
                               "excluded map", 0u,
                               [](const ktsnap_report& h, size_t i) { return h.report->excluded(i).map_type; });
}

KTSNAP_API const char* ktsnap_report_excluded_reason(const ktsnap_report* report, size_t idx) noexcept {
  return report_item<const char*>("ktsnap_report_excluded_reason", report, idx, &Report::excluded_count,
                                  "excluded map", nullptr,
                                  [](const ktsnap_report& h, size_t i) { return h.excluded_reasons[i].c_str(); });
}

KTSNAP_API size_t ktsnap_report_region_count(const ktsnap_report* report) noexcept {
  return report_get<size_t>("ktsnap_report_region_count", report, 0u,
                            [](const ktsnap_report& h) { return h.report->region_count(); });
}

KTSNAP_API ktsnap_status ktsnap_report_region(uint64_t* address_out, const void** data_out, size_t* size_out,
                                              const ktsnap_report* report, size_t idx) noexcept {
  static constexpr const char* fn = "ktsnap_report_region";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, address_out);
    KTSNAP_CAPI_REQUIRE(fn, data_out);
    KTSNAP_CAPI_REQUIRE(fn, size_out);
    *address_out = 0;
    *data_out = nullptr;
    *size_out = 0;
    KTSNAP_CAPI_REQUIRE(fn, report);
    if (idx >= report->report->region_count())
      return out_of_range(fn, "region", idx, report->report->region_count());
    const RegionInfo& reg = report->report->region(idx);
    *address_out = reg.address;
    *data_out = reg.data;
    *size_out = static_cast<size_t>(reg.size);
    return KTSNAP_OK;
  });
}

}  // extern "C"
