// Rendering of reports, maps and values into buffers the caller frees
// with ktsnap_free().
#include <string>

#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"
#include "value/render.hpp"

using namespace ktsnap;
using namespace ktsnap::capi;

namespace {

struct Rendering {
  uint32_t format = KTSNAP_FORMAT_JSON;
  RenderOptions opts;
};

ktsnap_status read_render_opts(const ktsnap_render_opts* in, Rendering& r) noexcept {
  size_t sz = 0;
  if (ktsnap_status st = check_sz(in, sizeof(ktsnap_render_opts), "ktsnap_render_opts", &sz); st != KTSNAP_OK)
    return st;
  if (in == nullptr) return KTSNAP_OK;
  r.format = KTSNAP_CAPI_GET(in, sz, format, KTSNAP_FORMAT_JSON);
  r.opts.max_entries = KTSNAP_CAPI_GET(in, sz, max_entries, 0u);
  uint32_t flags = KTSNAP_CAPI_GET(in, sz, flags, 0u);
  if (ktsnap_status st = check_flags(flags, KTSNAP_RENDER_PRETTY, "ktsnap_render_opts.flags"); st != KTSNAP_OK)
    return st;
  if (ktsnap_status st = check_reserved(in->reserved, offsetof(ktsnap_render_opts, reserved), sizeof in->reserved, sz,
                                        "ktsnap_render_opts");
      st != KTSNAP_OK)
    return st;
  r.opts.pretty = (flags & KTSNAP_RENDER_PRETTY) != 0;
  if (r.format != KTSNAP_FORMAT_JSON && r.format != KTSNAP_FORMAT_TEXT)
    return fail(KTSNAP_E_INVALID, "ktsnap_render_opts: format " + std::to_string(r.format) +
                                      " unknown (KTSNAP_FORMAT_JSON = 0, KTSNAP_FORMAT_TEXT = 1)");
  return KTSNAP_OK;
}

// Shared body: check the outputs and options, render into a string, hand
// out a malloc'ed copy.
template <typename F>
ktsnap_status render(const char* fn, char** out, size_t* len_out, const ktsnap_render_opts* opts, F&& body) noexcept {
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    if (len_out) *len_out = 0;
    Rendering r;
    if (ktsnap_status st = read_render_opts(opts, r); st != KTSNAP_OK) return st;
    std::string text;
    ktsnap_status st = body(r, text);
    if (st != KTSNAP_OK) return st;
    return dup_out(text, out, len_out, fn);
  });
}

}  // namespace

extern "C" {

KTSNAP_API ktsnap_status ktsnap_render_opts_init(ktsnap_render_opts* opts, size_t sz) noexcept {
  clear_error();
  return init_sz(opts, sz, "ktsnap_render_opts_init");
}

KTSNAP_API ktsnap_status ktsnap_render_report(char** out, size_t* len_out, const ktsnap_report* report,
                                              const ktsnap_render_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_render_report";
  return render(fn, out, len_out, opts, [&](const Rendering& r, std::string& text) -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, report);
    const Report& rep = *report->report;
    return check(r.format == KTSNAP_FORMAT_TEXT ? render_report_text(rep, text, r.opts)
                                                : render_report_json(rep, text, r.opts));
  });
}

KTSNAP_API ktsnap_status ktsnap_render_map(char** out, size_t* len_out, const ktsnap_map* map,
                                           const ktsnap_render_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_render_map";
  return render(fn, out, len_out, opts, [&](const Rendering& r, std::string& text) -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, map);
    const Report& rep = *map->owner->report;
    return check(r.format == KTSNAP_FORMAT_TEXT ? render_map_text(rep, *map->info, text, r.opts)
                                                : render_map_json(rep, *map->info, text, r.opts));
  });
}

KTSNAP_API ktsnap_status ktsnap_render_value(char** out, size_t* len_out, const ktsnap_value* value,
                                             const ktsnap_render_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_render_value";
  return render(fn, out, len_out, opts, [&](const Rendering& r, std::string& text) -> ktsnap_status {
    Value v;
    if (!unpack(value, v)) return bad_value(fn, value);
    return check(r.format == KTSNAP_FORMAT_TEXT ? render_value_text(v, text) : render_value_json(v, text));
  });
}

}  // extern "C"
