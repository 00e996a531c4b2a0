// Live capture of kernel BPF maps, and the list of the kernel's maps.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"
#include "capture/capture.hpp"

using namespace ktsnap;
using namespace ktsnap::capi;

static_assert(KTSNAP_CAPTURE_OPTS_SIZE_V1 == sizeof(ktsnap_capture_opts), "pinned size of the first version");

struct ktsnap_kernel_map_list {
  std::vector<capture::KernelMap> maps;
  std::vector<ktsnap_kernel_map> c;  // points into `maps`
};

namespace {

// More ids or paths than any machine has maps: a garbage count, refused
// before anything is copied.
constexpr size_t kMaxSelectors = size_t(1) << 20;

ktsnap_status bad_count(const char* fn, const char* what, size_t n) {
  return fail(KTSNAP_E_INVALID, std::string(fn) + ": ktsnap_capture_opts." + what + " is " + std::to_string(n) +
                                    " (at most " + std::to_string(kMaxSelectors) + ")");
}

// Writes the counters inside dst->sz (checked by the caller).
void fill_stats(ktsnap_capture_stats* dst, const capture::Stats& s) {
  ktsnap_capture_stats o;
  ktsnap_capture_stats* out = &o;
  std::memset(out, 0, sizeof *out);
  out->sz = dst->sz;
  out->maps_read = s.maps_read;
  out->maps_excluded = s.maps_excluded;
  out->maps_failed = s.maps_failed;
  out->maps_truncated = s.maps_truncated;
  out->entries = s.entries;
  out->bytes = s.bytes;
  out->btfs = s.btfs;
  out->batch_calls = s.batch_calls;
  out->elem_calls = s.elem_calls;
  out->elapsed_ns = s.elapsed.count() > 0 ? uint64_t(s.elapsed.count()) : 0;
  copy_out_sz(dst, o, dst->sz);
}

}  // namespace

extern "C" {

KTSNAP_API ktsnap_status ktsnap_capture_opts_init(ktsnap_capture_opts* opts, size_t sz) noexcept {
  clear_error();
  return init_sz(opts, sz, "ktsnap_capture_opts_init");
}

KTSNAP_API ktsnap_status ktsnap_capture(ktsnap_report** out, const ktsnap_capture_opts* opts,
                                        ktsnap_capture_stats* stats) noexcept {
  static constexpr const char* fn = "ktsnap_capture";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    if (stats) {
      size_t sz = 0;
      if (ktsnap_status st = out_sz(stats, fn, "stats", "ktsnap_capture_stats", &sz); st != KTSNAP_OK) return st;
      fill_stats(stats, capture::Stats{});
    }
    if (opts == nullptr)
      return fail_parts(KTSNAP_E_INVALID, fn,
                        ": opts is NULL, so nothing is selected (set map_ids, pinned_paths, prog_ids, "
                        "struct_ops_map_id, name_prefix, object or KTSNAP_CAPTURE_ALL)");
    size_t sz = 0;
    if (ktsnap_status st = check_sz(opts, sizeof(ktsnap_capture_opts), "ktsnap_capture_opts", &sz); st != KTSNAP_OK)
      return st;
    const ktsnap_capture_opts* o = opts;
    uint32_t flags = KTSNAP_CAPI_GET(o, sz, flags, 0u);
    if (ktsnap_status st = check_flags(flags, KTSNAP_CAPTURE_ALL | KTSNAP_CAPTURE_NO_MMAP, "ktsnap_capture_opts.flags");
        st != KTSNAP_OK)
      return st;

    capture::Selection sel;
    capture::Options copt;
    const uint32_t* ids = KTSNAP_CAPI_GET(o, sz, map_ids, static_cast<const uint32_t*>(nullptr));
    size_t nids = KTSNAP_CAPI_GET(o, sz, map_id_count, size_t{0});
    if (nids > kMaxSelectors) return bad_count(fn, "map_id_count", nids);
    if (nids && ids == nullptr) return fail_parts(KTSNAP_E_INVALID, fn, ": map_ids is NULL with a non-zero map_id_count");
    sel.map_ids.assign(ids, ids + nids);

    const char* const* paths = KTSNAP_CAPI_GET(o, sz, pinned_paths, static_cast<const char* const*>(nullptr));
    size_t npaths = KTSNAP_CAPI_GET(o, sz, pinned_path_count, size_t{0});
    if (npaths > kMaxSelectors) return bad_count(fn, "pinned_path_count", npaths);
    if (npaths && paths == nullptr)
      return fail_parts(KTSNAP_E_INVALID, fn, ": pinned_paths is NULL with a non-zero pinned_path_count");
    for (size_t i = 0; i < npaths; i++) {
      if (paths[i] == nullptr)
        return fail(KTSNAP_E_INVALID, std::string(fn) + ": pinned_paths[" + std::to_string(i) + "] is NULL");
      sel.pinned_paths.emplace_back(paths[i]);
    }

    const uint32_t* progs = KTSNAP_CAPI_GET(o, sz, prog_ids, static_cast<const uint32_t*>(nullptr));
    size_t nprogs = KTSNAP_CAPI_GET(o, sz, prog_id_count, size_t{0});
    if (nprogs > kMaxSelectors) return bad_count(fn, "prog_id_count", nprogs);
    if (nprogs && progs == nullptr)
      return fail_parts(KTSNAP_E_INVALID, fn, ": prog_ids is NULL with a non-zero prog_id_count");
    sel.prog_ids.assign(progs, progs + nprogs);

    // "" selects nothing, as NULL does (KTSNAP_CAPTURE_ALL selects every map).
    if (const char* p = KTSNAP_CAPI_GET(o, sz, name_prefix, static_cast<const char*>(nullptr))) sel.name_prefix = p;
    sel.object = KTSNAP_CAPI_GET(o, sz, object, static_cast<const bpf_object*>(nullptr));
    sel.struct_ops_map_id = KTSNAP_CAPI_GET(o, sz, struct_ops_map_id, 0u);
    sel.all = (flags & KTSNAP_CAPTURE_ALL) != 0;

    if (const char* t = KTSNAP_CAPI_GET(o, sz, tag, static_cast<const char*>(nullptr))) copt.tag = t;
    if (const char* a = KTSNAP_CAPI_GET(o, sz, active_scheduler, static_cast<const char*>(nullptr)))
      copt.active_scheduler = a;
    uint64_t deadline = KTSNAP_CAPI_GET(o, sz, deadline_ns, uint64_t{0});
    if (deadline > uint64_t(INT64_MAX))
      return fail(KTSNAP_E_INVALID, std::string(fn) + ": deadline_ns " + std::to_string(deadline) +
                                        " is beyond the 2^63-1 ns the library can measure");
    copt.deadline = std::chrono::nanoseconds(int64_t(deadline));
    copt.max_entries_per_map = KTSNAP_CAPI_GET(o, sz, max_entries_per_map, 0u);
    uint32_t trigger = KTSNAP_CAPI_GET(o, sz, trigger, 0u);
    if (trigger > KTSNAP_TRIGGER_PERIODIC)
      return fail(KTSNAP_E_INVALID, std::string(fn) + ": trigger " + std::to_string(trigger) +
                                        " is not a KTSNAP_TRIGGER_* value");
    copt.trigger = static_cast<Trigger>(trigger);
    copt.use_mmap = (flags & KTSNAP_CAPTURE_NO_MMAP) == 0;

    capture::Stats s;
    auto built = capture::capture(sel, copt, &s);
    if (stats) fill_stats(stats, s);
    if (!built.ok()) return fail(built.error());
    return wrap_built(built.value(), "captured", out);
  });
}

KTSNAP_API ktsnap_status ktsnap_kernel_maps(ktsnap_kernel_map_list** out, uint32_t count_limit) noexcept {
  static constexpr const char* fn = "ktsnap_kernel_maps";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    auto r = capture::list_maps(count_limit);
    if (!r.ok()) return fail(r.error());
    auto list = std::make_unique<ktsnap_kernel_map_list>();
    list->maps = std::move(r).value();
    list->c.reserve(list->maps.size());
    for (const capture::KernelMap& k : list->maps) {
      ktsnap_kernel_map m;
      std::memset(&m, 0, sizeof m);
      m.id = k.id;
      m.type = k.type;
      m.key_size = k.key_size;
      m.value_size = k.value_size;
      m.max_entries = k.max_entries;
      m.map_flags = k.map_flags;
      m.btf_id = k.btf_id;
      m.entries = k.entries;
      m.type_name = k.type_name.c_str();
      m.name = k.name.c_str();
      m.key_type = k.key_type.c_str();
      m.value_type = k.value_type.c_str();
      list->c.push_back(m);
    }
    *out = list.release();
    return KTSNAP_OK;
  });
}

KTSNAP_API size_t ktsnap_kernel_map_list_count(const ktsnap_kernel_map_list* list) noexcept {
  return list ? list->c.size() : 0;
}

KTSNAP_API const ktsnap_kernel_map* ktsnap_kernel_map_list_at(const ktsnap_kernel_map_list* list,
                                                              size_t idx) noexcept {
  if (list == nullptr || idx >= list->c.size()) return nullptr;
  return &list->c[idx];
}

KTSNAP_API void ktsnap_kernel_map_list_free(ktsnap_kernel_map_list* list) noexcept { delete list; }

KTSNAP_API const char* ktsnap_capture_excluded_reason(uint32_t map_type) noexcept {
  // The reasons are string literals: NUL-terminated, static.
  return capture::excluded_reason(map_type).data();
}

}  // extern "C"
