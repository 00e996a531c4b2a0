// Builders: reports assembled from data the caller captured by itself.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"
#include "report/builder.hpp"

using namespace ktsnap;
using namespace ktsnap::capi;

namespace {

// Every builder call but free starts here: a usable builder or a status.
ktsnap_status usable(const char* fn, const ktsnap_builder* b) noexcept {
  if (b == nullptr) return null_arg(fn, "builder");
  if (b->finished)
    return fail_parts(KTSNAP_E_INVALID, fn,
                      ": the builder is spent (ktsnap_builder_finish() was called); create a new one");
  return KTSNAP_OK;
}

std::span<const uint8_t> bytes_of(const void* p, size_t n) {
  return {static_cast<const uint8_t*>(p), p ? n : 0};
}

}  // namespace

extern "C" {

KTSNAP_API ktsnap_status ktsnap_builder_opts_init(ktsnap_builder_opts* opts, size_t sz) noexcept {
  clear_error();
  return init_sz(opts, sz, "ktsnap_builder_opts_init");
}

KTSNAP_API ktsnap_status ktsnap_map_desc_init(ktsnap_map_desc* desc, size_t sz) noexcept {
  clear_error();
  ktsnap_status st = init_sz(desc, sz, "ktsnap_map_desc_init");
  if (st != KTSNAP_OK) return st;
  if (KTSNAP_CAPI_HAS(desc, sz, scheduler_index)) desc->scheduler_index = -1;
  if (KTSNAP_CAPI_HAS(desc, sz, btf_index)) desc->btf_index = -1;
  return KTSNAP_OK;
}

KTSNAP_API ktsnap_status ktsnap_metadata_init(ktsnap_metadata* md, size_t sz) noexcept {
  clear_error();
  return init_sz(md, sz, "ktsnap_metadata_init");
}

KTSNAP_API ktsnap_status ktsnap_builder_new(ktsnap_builder** out, const ktsnap_builder_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_builder_new";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    size_t sz = 0;
    if (ktsnap_status st = check_sz(opts, sizeof(ktsnap_builder_opts), "ktsnap_builder_opts", &sz); st != KTSNAP_OK)
      return st;
    *out = new ktsnap_builder();
    return KTSNAP_OK;
  });
}

KTSNAP_API void ktsnap_builder_free(ktsnap_builder* builder) noexcept { delete builder; }

KTSNAP_API ktsnap_status ktsnap_builder_add_btf(int32_t* index_out, ktsnap_builder* builder, const void* data,
                                                size_t size, int32_t base_index) noexcept {
  static constexpr const char* fn = "ktsnap_builder_add_btf";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, index_out);
    *index_out = -1;
    if (ktsnap_status st = usable(fn, builder); st != KTSNAP_OK) return st;
    KTSNAP_CAPI_REQUIRE(fn, data);
    if (size == 0) return fail_parts(KTSNAP_E_FORMAT, fn, ": an empty blob (0 bytes) is not BTF");
    auto r = builder->builder.add_btf(bytes_of(data, size), base_index);
    if (!r.ok()) return fail(r.error());
    *index_out = r.value();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_builder_add_scheduler(int32_t* index_out, ktsnap_builder* builder, const char* name,
                                                      int32_t btf_index, bool active) noexcept {
  static constexpr const char* fn = "ktsnap_builder_add_scheduler";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, index_out);
    *index_out = -1;
    if (ktsnap_status st = usable(fn, builder); st != KTSNAP_OK) return st;
    KTSNAP_CAPI_REQUIRE(fn, name);
    auto r = builder->builder.add_scheduler(name, btf_index, active);
    if (!r.ok()) return fail(r.error());
    *index_out = r.value();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_builder_add_map(int32_t* index_out, ktsnap_builder* builder,
                                                const ktsnap_map_desc* desc, const void* keys, size_t keys_size,
                                                const void* values, size_t values_size) noexcept {
  static constexpr const char* fn = "ktsnap_builder_add_map";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, index_out);
    *index_out = -1;
    if (ktsnap_status st = usable(fn, builder); st != KTSNAP_OK) return st;
    KTSNAP_CAPI_REQUIRE(fn, desc);
    if (keys == nullptr && keys_size != 0) return null_arg(fn, "keys");
    if (values == nullptr && values_size != 0) return null_arg(fn, "values");
    size_t sz = 0;
    if (ktsnap_status st = check_sz(desc, sizeof(ktsnap_map_desc), "ktsnap_map_desc", &sz); st != KTSNAP_OK)
      return st;
    const char* name = KTSNAP_CAPI_GET(desc, sz, name, static_cast<const char*>(nullptr));
    if (name == nullptr) return fail_parts(KTSNAP_E_INVALID, fn, ": ktsnap_map_desc.name is NULL (a name is required)");
    if (ktsnap_status st = check_reserved(desc->reserved, offsetof(ktsnap_map_desc, reserved), sizeof desc->reserved,
                                          sz, "ktsnap_map_desc");
        st != KTSNAP_OK)
      return st;
    MapSpec s;
    s.name = name;
    const char* error = KTSNAP_CAPI_GET(desc, sz, error, static_cast<const char*>(nullptr));
    s.has_error = error != nullptr;
    if (error) s.error = error;
    s.map_kva = KTSNAP_CAPI_GET(desc, sz, map_kva, uint64_t{0});
    s.scheduler_index = KTSNAP_CAPI_GET(desc, sz, scheduler_index, int32_t{-1});
    s.map_id = KTSNAP_CAPI_GET(desc, sz, map_id, 0u);
    s.map_type = KTSNAP_CAPI_GET(desc, sz, map_type, 0u);
    s.map_flags = KTSNAP_CAPI_GET(desc, sz, map_flags, 0u);
    s.key_size = KTSNAP_CAPI_GET(desc, sz, key_size, 0u);
    s.value_size = KTSNAP_CAPI_GET(desc, sz, value_size, 0u);
    s.max_entries = KTSNAP_CAPI_GET(desc, sz, max_entries, 0u);
    s.nr_cpus = KTSNAP_CAPI_GET(desc, sz, nr_cpus, 0u);
    s.btf_index = KTSNAP_CAPI_GET(desc, sz, btf_index, int32_t{-1});
    s.key_type_id = KTSNAP_CAPI_GET(desc, sz, key_type_id, 0u);
    s.value_type_id = KTSNAP_CAPI_GET(desc, sz, value_type_id, 0u);
    s.vmlinux_value_type_id = KTSNAP_CAPI_GET(desc, sz, vmlinux_value_type_id, 0u);
    s.flags = KTSNAP_CAPI_GET(desc, sz, flags, 0u);
    const void* absent = KTSNAP_CAPI_GET(desc, sz, percpu_absent, static_cast<const void*>(nullptr));
    uint64_t absent_size = KTSNAP_CAPI_GET(desc, sz, percpu_absent_size, uint64_t{0});
    if (absent == nullptr && absent_size != 0)
      return fail_parts(KTSNAP_E_INVALID, fn, ": ktsnap_map_desc.percpu_absent is NULL with a non-zero size");
    if (absent != nullptr) {
      // The core checks the exact length; this only keeps a wild size from
      // being copied before that check.
      if (absent_size > keys_size * 8 + values_size + 8)
        return fail(KTSNAP_E_INVALID, std::string(fn) + ": ktsnap_map_desc.percpu_absent_size " +
                                          std::to_string(absent_size) + " is larger than any bitmap for this map");
      const auto* p = static_cast<const uint8_t*>(absent);
      s.percpu_absent.assign(p, p + absent_size);
    }
    if (ktsnap_status st = check_flags(s.flags, KTSNAP_MAP_TRUNCATED | KTSNAP_MAP_BTF_MISSING, "ktsnap_map_desc.flags");
        st != KTSNAP_OK)
      return st;
    auto r = builder->builder.add_map(s, bytes_of(keys, keys_size), bytes_of(values, values_size));
    if (!r.ok()) return fail(r.error());
    *index_out = r.value();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_builder_add_excluded(ktsnap_builder* builder, const char* name, uint32_t map_id,
                                                     uint32_t map_type, const char* reason) noexcept {
  static constexpr const char* fn = "ktsnap_builder_add_excluded";
  return guard(fn, [&]() -> ktsnap_status {
    if (ktsnap_status st = usable(fn, builder); st != KTSNAP_OK) return st;
    KTSNAP_CAPI_REQUIRE(fn, name);
    KTSNAP_CAPI_REQUIRE(fn, reason);
    return check(builder->builder.add_excluded(name, map_id, map_type, reason));
  });
}

KTSNAP_API ktsnap_status ktsnap_builder_add_region(ktsnap_builder* builder, uint64_t address, const void* data,
                                                   size_t size) noexcept {
  static constexpr const char* fn = "ktsnap_builder_add_region";
  return guard(fn, [&]() -> ktsnap_status {
    if (ktsnap_status st = usable(fn, builder); st != KTSNAP_OK) return st;
    KTSNAP_CAPI_REQUIRE(fn, data);
    if (size == 0) return fail_parts(KTSNAP_E_INVALID, fn, ": an empty region (size 0) holds nothing to follow");
    return check(builder->builder.add_region(address, bytes_of(data, size)));
  });
}

KTSNAP_API ktsnap_status ktsnap_builder_set_stats_json(ktsnap_builder* builder, const char* json, size_t len) noexcept {
  static constexpr const char* fn = "ktsnap_builder_set_stats_json";
  return guard(fn, [&]() -> ktsnap_status {
    if (ktsnap_status st = usable(fn, builder); st != KTSNAP_OK) return st;
    if (json == nullptr && len != 0) return null_arg(fn, "json");
    builder->builder.set_stats_json(std::string_view(json ? json : "", json ? len : 0));
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_builder_set_active_map_kvas(ktsnap_builder* builder, const uint64_t* kvas,
                                                            size_t count) noexcept {
  static constexpr const char* fn = "ktsnap_builder_set_active_map_kvas";
  return guard(fn, [&]() -> ktsnap_status {
    if (ktsnap_status st = usable(fn, builder); st != KTSNAP_OK) return st;
    if (kvas == nullptr && count != 0) return null_arg(fn, "kvas");
    builder->builder.set_active_map_kvas(std::span<const uint64_t>(kvas, kvas ? count : 0));
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_builder_set_metadata(ktsnap_builder* builder, const ktsnap_metadata* md) noexcept {
  static constexpr const char* fn = "ktsnap_builder_set_metadata";
  return guard(fn, [&]() -> ktsnap_status {
    if (ktsnap_status st = usable(fn, builder); st != KTSNAP_OK) return st;
    KTSNAP_CAPI_REQUIRE(fn, md);
    size_t sz = 0;
    if (ktsnap_status st = check_sz(md, sizeof(ktsnap_metadata), "ktsnap_metadata", &sz); st != KTSNAP_OK) return st;
    if (ktsnap_status st =
            check_reserved(md->reserved, offsetof(ktsnap_metadata, reserved), sizeof md->reserved, sz, "ktsnap_metadata");
        st != KTSNAP_OK)
      return st;
    uint32_t flags = KTSNAP_CAPI_GET(md, sz, flags, 0u);
    if (ktsnap_status st = check_flags(flags, KTSNAP_METADATA_HAS_STEP_INDEX | KTSNAP_METADATA_PLACEHOLDER,
                                       "ktsnap_metadata.flags");
        st != KTSNAP_OK)
      return st;
    uint32_t trigger = KTSNAP_CAPI_GET(md, sz, trigger, KTSNAP_TRIGGER_ON_DEMAND);
    if (trigger > KTSNAP_TRIGGER_PERIODIC)
      return fail(KTSNAP_E_INVALID, "ktsnap_metadata: trigger " + std::to_string(trigger) +
                                        " unknown (KTSNAP_TRIGGER_ON_DEMAND..KTSNAP_TRIGGER_PERIODIC = 0..3)");
    ReportMetadata m;
    const char* tag = KTSNAP_CAPI_GET(md, sz, tag, static_cast<const char*>(nullptr));
    const char* reason = KTSNAP_CAPI_GET(md, sz, placeholder_reason, static_cast<const char*>(nullptr));
    if (tag) m.tag = tag;
    m.trigger = static_cast<Trigger>(trigger);
    m.wall_time_ns = KTSNAP_CAPI_GET(md, sz, wall_time_ns, uint64_t{0});
    m.monotonic_ns = KTSNAP_CAPI_GET(md, sz, monotonic_ns, uint64_t{0});
    m.elapsed_ms = KTSNAP_CAPI_GET(md, sz, elapsed_ms, uint64_t{0});
    m.has_step_index = (flags & KTSNAP_METADATA_HAS_STEP_INDEX) != 0;
    m.step_index = m.has_step_index ? KTSNAP_CAPI_GET(md, sz, step_index, 0u) : 0u;
    m.placeholder = (flags & KTSNAP_METADATA_PLACEHOLDER) != 0;
    if (m.placeholder && reason) m.placeholder_reason = reason;
    builder->builder.set_metadata(m);
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_builder_finish(ktsnap_report** out, ktsnap_builder* builder) noexcept {
  static constexpr const char* fn = "ktsnap_builder_finish";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    if (ktsnap_status st = usable(fn, builder); st != KTSNAP_OK) return st;
    builder->finished = true;
    auto built = builder->builder.finish_buffer();
    if (!built.ok()) return fail(built.error());
    // The report owns the bytes: no copy, freed with the report.
    return wrap_built(built.value(), "built", out);
  });
}

}  // extern "C"
