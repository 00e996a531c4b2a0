/* Layout of every public struct of ktsnap.h, pinned. A failure here means
 * a change that breaks binaries built against an earlier header: fields
 * may only be appended to sz-first structs (and the new size recorded as a
 * new KTSNAP_X_SIZE_Vn), and ktsnap_value never changes. Compiled by the
 * ctest abi.layout with the C compiler (C11, -fsyntax-only). The numbers
 * are for LP64 targets (x86-64, aarch64), the only ones ktsnap supports.
 * check-layout.sh also checks that every struct with a body in ktsnap.h
 * has a SIZE, an ALIGN and an OFF line per field here. */
#include <stddef.h>

#include "ktsnap.h"

#define SIZE(T, n) _Static_assert(sizeof(T) == (n), "sizeof(" #T ") changed")
#define ALIGN(T, n) _Static_assert(_Alignof(T) == (n), "alignment of " #T " changed")
#define OFF(T, f, n) _Static_assert(offsetof(T, f) == (n), "offsetof(" #T ", " #f ") changed")

_Static_assert(sizeof(void *) == 8 && sizeof(size_t) == 8, "layout.c pins LP64 layouts");
_Static_assert(sizeof(bool) == 1, "bool is one byte");
_Static_assert(sizeof(ktsnap_status) == 4, "ktsnap_status is int32_t");

/* The by-value cursor: fixed for the life of .so.1. */
SIZE(ktsnap_value, 32);
ALIGN(ktsnap_value, 8);
OFF(ktsnap_value, _ctx, 0);
OFF(ktsnap_value, _data, 8);
OFF(ktsnap_value, _len, 16);
OFF(ktsnap_value, _type, 24);
OFF(ktsnap_value, _bits, 28);

SIZE(ktsnap_open_opts, 16);
SIZE(ktsnap_open_opts, KTSNAP_OPEN_OPTS_SIZE_V1);
ALIGN(ktsnap_open_opts, 8);
OFF(ktsnap_open_opts, sz, 0);
OFF(ktsnap_open_opts, flags, 8);
OFF(ktsnap_open_opts, reserved, 12);

SIZE(ktsnap_render_opts, 24);
SIZE(ktsnap_render_opts, KTSNAP_RENDER_OPTS_SIZE_V1);
ALIGN(ktsnap_render_opts, 8);
OFF(ktsnap_render_opts, sz, 0);
OFF(ktsnap_render_opts, format, 8);
OFF(ktsnap_render_opts, max_entries, 12);
OFF(ktsnap_render_opts, flags, 16);
OFF(ktsnap_render_opts, reserved, 20);

SIZE(ktsnap_builder_opts, 8);
SIZE(ktsnap_builder_opts, KTSNAP_BUILDER_OPTS_SIZE_V1);
ALIGN(ktsnap_builder_opts, 8);
OFF(ktsnap_builder_opts, sz, 0);

SIZE(ktsnap_map_desc, 104);
SIZE(ktsnap_map_desc, KTSNAP_MAP_DESC_SIZE_V1);
ALIGN(ktsnap_map_desc, 8);
OFF(ktsnap_map_desc, sz, 0);
OFF(ktsnap_map_desc, name, 8);
OFF(ktsnap_map_desc, error, 16);
OFF(ktsnap_map_desc, map_kva, 24);
OFF(ktsnap_map_desc, scheduler_index, 32);
OFF(ktsnap_map_desc, map_id, 36);
OFF(ktsnap_map_desc, map_type, 40);
OFF(ktsnap_map_desc, map_flags, 44);
OFF(ktsnap_map_desc, key_size, 48);
OFF(ktsnap_map_desc, value_size, 52);
OFF(ktsnap_map_desc, max_entries, 56);
OFF(ktsnap_map_desc, nr_cpus, 60);
OFF(ktsnap_map_desc, btf_index, 64);
OFF(ktsnap_map_desc, key_type_id, 68);
OFF(ktsnap_map_desc, value_type_id, 72);
OFF(ktsnap_map_desc, vmlinux_value_type_id, 76);
OFF(ktsnap_map_desc, flags, 80);
OFF(ktsnap_map_desc, reserved, 84);
OFF(ktsnap_map_desc, percpu_absent, 88);
OFF(ktsnap_map_desc, percpu_absent_size, 96);

SIZE(ktsnap_metadata, 64);
SIZE(ktsnap_metadata, KTSNAP_METADATA_SIZE_V1);
ALIGN(ktsnap_metadata, 8);
OFF(ktsnap_metadata, sz, 0);
OFF(ktsnap_metadata, tag, 8);
OFF(ktsnap_metadata, placeholder_reason, 16);
OFF(ktsnap_metadata, wall_time_ns, 24);
OFF(ktsnap_metadata, monotonic_ns, 32);
OFF(ktsnap_metadata, elapsed_ms, 40);
OFF(ktsnap_metadata, trigger, 48);
OFF(ktsnap_metadata, step_index, 52);
OFF(ktsnap_metadata, flags, 56);
OFF(ktsnap_metadata, reserved, 60);

/* Pinned numbers: status codes, kinds, formats, triggers, flags. */
_Static_assert(KTSNAP_OK == 0 && KTSNAP_E_INVALID == -1 && KTSNAP_E_NOMEM == -2 && KTSNAP_E_NOTFOUND == -3 &&
                   KTSNAP_E_AGAIN == -4 && KTSNAP_E_TIMEOUT == -5 && KTSNAP_E_VERSION == -6 &&
                   KTSNAP_E_UNSUPPORTED == -7 && KTSNAP_E_IO == -8 && KTSNAP_E_INTERNAL == -9 &&
                   KTSNAP_E_FORMAT == -10 && KTSNAP_E_TYPE == -11 && KTSNAP_E_RANGE == -12 &&
                   KTSNAP_E_PERM == -13 && KTSNAP_E_BUSY == -14,
               "status numbers are pinned forever");
_Static_assert(KTSNAP_KIND_INVALID == 0 && KTSNAP_KIND_INT == 1 && KTSNAP_KIND_UINT == 2 && KTSNAP_KIND_BOOL == 3 &&
                   KTSNAP_KIND_CHAR == 4 && KTSNAP_KIND_FLOAT == 5 && KTSNAP_KIND_ENUM == 6 &&
                   KTSNAP_KIND_STRUCT == 7 && KTSNAP_KIND_UNION == 8 && KTSNAP_KIND_ARRAY == 9 &&
                   KTSNAP_KIND_PTR == 10 && KTSNAP_KIND_DATASEC == 11 && KTSNAP_KIND_BYTES == 12 &&
                   KTSNAP_KIND_UNSUPPORTED == 13,
               "kind numbers are pinned forever");
_Static_assert(KTSNAP_FORMAT_JSON == 0 && KTSNAP_FORMAT_TEXT == 1, "format numbers are pinned");
_Static_assert(KTSNAP_TRIGGER_ON_DEMAND == 0 && KTSNAP_TRIGGER_ERROR == 1 && KTSNAP_TRIGGER_WATCH == 2 &&
                   KTSNAP_TRIGGER_PERIODIC == 3,
               "trigger numbers are pinned");
_Static_assert(KTSNAP_OPEN_COPY == 1 && KTSNAP_RENDER_PRETTY == 1 && KTSNAP_MAP_TRUNCATED == 1 &&
                   KTSNAP_MAP_BTF_MISSING == 2 && KTSNAP_METADATA_HAS_STEP_INDEX == 1 &&
                   KTSNAP_METADATA_PLACEHOLDER == 2,
               "flag bits are pinned");
_Static_assert(KTSNAP_FEATURE_BTF == 1 && KTSNAP_FEATURE_JSON == 2 && KTSNAP_FEATURE_TEXT == 4 &&
                   KTSNAP_FEATURE_BUILDER == 8 && KTSNAP_FEATURE_CAPTURE == 16 && KTSNAP_FEATURE_RING == 32 &&
                   KTSNAP_FEATURE_WIRE == 64 && KTSNAP_FEATURE_QUERY == 128,
               "feature bits are pinned");

/* Views (1.0): the JSON cursor is fixed like ktsnap_value. */
SIZE(ktsnap_json, 32);
ALIGN(ktsnap_json, 8);
OFF(ktsnap_json, _doc, 0);
OFF(ktsnap_json, _a, 8);
OFF(ktsnap_json, _b, 16);
OFF(ktsnap_json, _pad, 24);
OFF(ktsnap_json, _bits, 28);

SIZE(ktsnap_var_candidate, 40);
ALIGN(ktsnap_var_candidate, 8);
OFF(ktsnap_var_candidate, map, 0);
OFF(ktsnap_var_candidate, value, 8);

SIZE(ktsnap_var_row, 24);
ALIGN(ktsnap_var_row, 8);
OFF(ktsnap_var_row, map, 0);
OFF(ktsnap_var_row, values, 8);
OFF(ktsnap_var_row, count, 16);

SIZE(ktsnap_bulk_result, 16);
ALIGN(ktsnap_bulk_result, 4);
OFF(ktsnap_bulk_result, failed, 0);
OFF(ktsnap_bulk_result, first_failure, 4);
OFF(ktsnap_bulk_result, first_status, 8);
OFF(ktsnap_bulk_result, _reserved, 12);

/* sz-first output struct: fields only appended. */
SIZE(ktsnap_error_info, 168);
SIZE(ktsnap_error_info, KTSNAP_ERROR_INFO_SIZE_V1);
ALIGN(ktsnap_error_info, 8);
OFF(ktsnap_error_info, sz, 0);
OFF(ktsnap_error_info, status, 8);
OFF(ktsnap_error_info, kind, 12);
OFF(ktsnap_error_info, kind_name, 16);
OFF(ktsnap_error_info, message, 24);
OFF(ktsnap_error_info, json, 32);
OFF(ktsnap_error_info, requested, 40);
OFF(ktsnap_error_info, walked, 48);
OFF(ktsnap_error_info, component, 56);
OFF(ktsnap_error_info, map, 64);
OFF(ktsnap_error_info, expected, 72);
OFF(ktsnap_error_info, actual, 80);
OFF(ktsnap_error_info, reason, 88);
OFF(ktsnap_error_info, hint, 96);
OFF(ktsnap_error_info, index, 104);
OFF(ktsnap_error_info, len, 112);
OFF(ktsnap_error_info, cpu, 120);
OFF(ktsnap_error_info, column, 124);
OFF(ktsnap_error_info, unmapped, 128);
OFF(ktsnap_error_info, _pad, 132);
OFF(ktsnap_error_info, alternative_count, 136);
OFF(ktsnap_error_info, alternatives, 144);
OFF(ktsnap_error_info, sample_key_count, 152);
OFF(ktsnap_error_info, sample_keys, 160);

_Static_assert(KTSNAP_ERROR_NONE == 0 && KTSNAP_ERROR_MAP_NOT_FOUND == 1 && KTSNAP_ERROR_VAR_NOT_FOUND == 2 &&
                   KTSNAP_ERROR_AMBIGUOUS_VAR == 3 && KTSNAP_ERROR_FIELD_NOT_FOUND == 4 &&
                   KTSNAP_ERROR_NOT_A_STRUCT == 5 && KTSNAP_ERROR_TYPE_MISMATCH == 6 &&
                   KTSNAP_ERROR_INDEX_OUT_OF_RANGE == 7 && KTSNAP_ERROR_PERCPU_SLOT == 8 &&
                   KTSNAP_ERROR_NO_MATCH == 9 && KTSNAP_ERROR_EMPTY_PATH_COMPONENT == 10 &&
                   KTSNAP_ERROR_PERCPU_NOT_NARROWED == 11 && KTSNAP_ERROR_NO_RENDERED == 12 &&
                   KTSNAP_ERROR_PLACEHOLDER_SAMPLE == 13 && KTSNAP_ERROR_MISSING_STATS == 14 &&
                   KTSNAP_ERROR_HOST_FIELD_UNAVAILABLE == 15 && KTSNAP_ERROR_PLACEHOLDER_SNAPSHOT == 16 &&
                   KTSNAP_ERROR_NO_ACTIVE_SCHEDULER == 17 && KTSNAP_ERROR_ACTIVE_FILTER_EXCLUDED_MAPS == 18 &&
                   KTSNAP_ERROR_WALKER_DRIFTED_WITHIN_PHASE == 19 && KTSNAP_ERROR_PROJECTION_FAILED == 20 &&
                   KTSNAP_ERROR_MAP_RENDER_INCOMPLETE == 21,
               "error kind numbers are pinned forever");
_Static_assert(KTSNAP_AGG_SUM == 0 && KTSNAP_AGG_MAX == 1 && KTSNAP_AGG_MIN == 2, "aggregate numbers are pinned");
_Static_assert(KTSNAP_JSON_INVALID == 0 && KTSNAP_JSON_NULL == 1 && KTSNAP_JSON_BOOL == 2 && KTSNAP_JSON_NUMBER == 3 &&
                   KTSNAP_JSON_STRING == 4 && KTSNAP_JSON_ARRAY == 5 && KTSNAP_JSON_OBJECT == 6,
               "JSON kind numbers are pinned");
_Static_assert(KTSNAP_NO_CPU == 0xffffffffu, "KTSNAP_NO_CPU is pinned");

/* Live capture. */
SIZE(ktsnap_capture_opts, KTSNAP_CAPTURE_OPTS_SIZE_V1);
SIZE(ktsnap_capture_opts, 112);
ALIGN(ktsnap_capture_opts, 8);
OFF(ktsnap_capture_opts, sz, 0);
OFF(ktsnap_capture_opts, map_ids, 8);
OFF(ktsnap_capture_opts, map_id_count, 16);
OFF(ktsnap_capture_opts, pinned_paths, 24);
OFF(ktsnap_capture_opts, pinned_path_count, 32);
OFF(ktsnap_capture_opts, prog_ids, 40);
OFF(ktsnap_capture_opts, prog_id_count, 48);
OFF(ktsnap_capture_opts, name_prefix, 56);
OFF(ktsnap_capture_opts, object, 64);
OFF(ktsnap_capture_opts, tag, 72);
OFF(ktsnap_capture_opts, active_scheduler, 80);
OFF(ktsnap_capture_opts, deadline_ns, 88);
OFF(ktsnap_capture_opts, struct_ops_map_id, 96);
OFF(ktsnap_capture_opts, max_entries_per_map, 100);
OFF(ktsnap_capture_opts, trigger, 104);
OFF(ktsnap_capture_opts, flags, 108);
_Static_assert(KTSNAP_CAPTURE_ALL == 1u && KTSNAP_CAPTURE_NO_MMAP == 2u, "capture flags are pinned");

SIZE(ktsnap_capture_stats, 64);
ALIGN(ktsnap_capture_stats, 8);
OFF(ktsnap_capture_stats, sz, 0);
OFF(ktsnap_capture_stats, maps_read, 8);
OFF(ktsnap_capture_stats, maps_excluded, 12);
OFF(ktsnap_capture_stats, maps_failed, 16);
OFF(ktsnap_capture_stats, maps_truncated, 20);
OFF(ktsnap_capture_stats, entries, 24);
OFF(ktsnap_capture_stats, bytes, 32);
OFF(ktsnap_capture_stats, btfs, 40);
OFF(ktsnap_capture_stats, batch_calls, 44);
OFF(ktsnap_capture_stats, elem_calls, 48);
OFF(ktsnap_capture_stats, _reserved, 52);
OFF(ktsnap_capture_stats, elapsed_ns, 56);
_Static_assert(KTSNAP_CAPTURE_STATS_SIZE_V1 == 64, "KTSNAP_CAPTURE_STATS_SIZE_V1");

SIZE(ktsnap_kernel_map, 72);
ALIGN(ktsnap_kernel_map, 8);
OFF(ktsnap_kernel_map, id, 0);
OFF(ktsnap_kernel_map, type, 4);
OFF(ktsnap_kernel_map, key_size, 8);
OFF(ktsnap_kernel_map, value_size, 12);
OFF(ktsnap_kernel_map, max_entries, 16);
OFF(ktsnap_kernel_map, map_flags, 20);
OFF(ktsnap_kernel_map, btf_id, 24);
OFF(ktsnap_kernel_map, _reserved, 28);
OFF(ktsnap_kernel_map, entries, 32);
OFF(ktsnap_kernel_map, type_name, 40);
OFF(ktsnap_kernel_map, name, 48);
OFF(ktsnap_kernel_map, key_type, 56);
OFF(ktsnap_kernel_map, value_type, 64);

/* Rings. */
SIZE(ktsnap_ring_opts, 32);
SIZE(ktsnap_ring_opts, KTSNAP_RING_OPTS_SIZE_V1);
ALIGN(ktsnap_ring_opts, 8);
OFF(ktsnap_ring_opts, sz, 0);
OFF(ktsnap_ring_opts, size_bytes, 8);
OFF(ktsnap_ring_opts, max_consumers, 16);
OFF(ktsnap_ring_opts, policy, 20);
OFF(ktsnap_ring_opts, mode, 24);
OFF(ktsnap_ring_opts, flags, 28);

SIZE(ktsnap_consumer_opts, 16);
SIZE(ktsnap_consumer_opts, KTSNAP_CONSUMER_OPTS_SIZE_V1);
ALIGN(ktsnap_consumer_opts, 8);
OFF(ktsnap_consumer_opts, sz, 0);
OFF(ktsnap_consumer_opts, flags, 8);
OFF(ktsnap_consumer_opts, reserved, 12);

SIZE(ktsnap_ring_info, 264);
SIZE(ktsnap_ring_info, KTSNAP_RING_INFO_SIZE_V1);
ALIGN(ktsnap_ring_info, 8);
OFF(ktsnap_ring_info, sz, 0);
OFF(ktsnap_ring_info, capacity, 8);
OFF(ktsnap_ring_info, head, 16);
OFF(ktsnap_ring_info, tail, 24);
OFF(ktsnap_ring_info, records, 32);
OFF(ktsnap_ring_info, drops, 40);
OFF(ktsnap_ring_info, policy, 48);
OFF(ktsnap_ring_info, format_version, 52);
OFF(ktsnap_ring_info, max_consumers, 56);
OFF(ktsnap_ring_info, consumer_count, 60);
OFF(ktsnap_ring_info, producer_pid, 64);
OFF(ktsnap_ring_info, reserved, 68);
OFF(ktsnap_ring_info, consumer_position, 72);
OFF(ktsnap_ring_info, consumer_pid, 200);
_Static_assert(KTSNAP_RING_MAX_CONSUMERS == 16, "ring consumer slots are pinned");

SIZE(ktsnap_bridge_opts, 40);
SIZE(ktsnap_bridge_opts, KTSNAP_BRIDGE_OPTS_SIZE_V1);
ALIGN(ktsnap_bridge_opts, 8);
OFF(ktsnap_bridge_opts, sz, 0);
OFF(ktsnap_bridge_opts, capture, 8);
OFF(ktsnap_bridge_opts, capture_user_data, 16);
OFF(ktsnap_bridge_opts, watch, 24);
OFF(ktsnap_bridge_opts, watch_user_data, 32);

SIZE(ktsnap_bridge_store_opts, 48);
SIZE(ktsnap_bridge_store_opts, KTSNAP_BRIDGE_STORE_OPTS_SIZE_V1);
ALIGN(ktsnap_bridge_store_opts, 8);
OFF(ktsnap_bridge_store_opts, sz, 0);
OFF(ktsnap_bridge_store_opts, stats_json, 8);
OFF(ktsnap_bridge_store_opts, stats_json_len, 16);
OFF(ktsnap_bridge_store_opts, elapsed_ms, 24);
OFF(ktsnap_bridge_store_opts, boundary_offset_ms, 32);
OFF(ktsnap_bridge_store_opts, flags, 40);
OFF(ktsnap_bridge_store_opts, step_index, 44);
OFF(ktsnap_bridge_store_opts, reserved, 46);

SIZE(ktsnap_bridge_item, 72);
SIZE(ktsnap_bridge_item, KTSNAP_BRIDGE_ITEM_SIZE_V1);
ALIGN(ktsnap_bridge_item, 8);
OFF(ktsnap_bridge_item, sz, 0);
OFF(ktsnap_bridge_item, report, 8);
OFF(ktsnap_bridge_item, tag, 16);
OFF(ktsnap_bridge_item, tag_len, 24);
OFF(ktsnap_bridge_item, stats_json, 32);
OFF(ktsnap_bridge_item, stats_json_len, 40);
OFF(ktsnap_bridge_item, elapsed_ms, 48);
OFF(ktsnap_bridge_item, boundary_offset_ms, 56);
OFF(ktsnap_bridge_item, flags, 64);
OFF(ktsnap_bridge_item, step_index, 68);
OFF(ktsnap_bridge_item, reserved, 70);

SIZE(ktsnap_bridge_event, 64);
SIZE(ktsnap_bridge_event, KTSNAP_BRIDGE_EVENT_SIZE_V1);
ALIGN(ktsnap_bridge_event, 8);
OFF(ktsnap_bridge_event, sz, 0);
OFF(ktsnap_bridge_event, kind, 8);
OFF(ktsnap_bridge_event, status, 12);
OFF(ktsnap_bridge_event, tag, 16);
OFF(ktsnap_bridge_event, tag_len, 24);
OFF(ktsnap_bridge_event, detail, 32);
OFF(ktsnap_bridge_event, detail_len, 40);
OFF(ktsnap_bridge_event, count, 48);
OFF(ktsnap_bridge_event, cap, 56);
_Static_assert(KTSNAP_BRIDGE_MAX_REPORTS == 64 && KTSNAP_BRIDGE_MAX_EVENTS == 1024 && KTSNAP_BRIDGE_MAX_WATCHES == 3,
               "bridge limits are pinned");

SIZE(ktsnap_guest_opts, 32);
SIZE(ktsnap_guest_opts, KTSNAP_GUEST_OPTS_SIZE_V1);
ALIGN(ktsnap_guest_opts, 8);
OFF(ktsnap_guest_opts, sz, 0);
OFF(ktsnap_guest_opts, ports_dir, 8);
OFF(ktsnap_guest_opts, dev_dir, 16);
OFF(ktsnap_guest_opts, flags, 24);
OFF(ktsnap_guest_opts, reserved, 28);

SIZE(ktsnap_guest_reply, 40);
SIZE(ktsnap_guest_reply, KTSNAP_GUEST_REPLY_SIZE_V1);
ALIGN(ktsnap_guest_reply, 8);
OFF(ktsnap_guest_reply, sz, 0);
OFF(ktsnap_guest_reply, outcome, 8);
OFF(ktsnap_guest_reply, request_id, 12);
OFF(ktsnap_guest_reply, flags, 16);
OFF(ktsnap_guest_reply, reserved, 20);
OFF(ktsnap_guest_reply, reason, 24);
OFF(ktsnap_guest_reply, reason_len, 32);

SIZE(ktsnap_guest_stats, 88);
SIZE(ktsnap_guest_stats, KTSNAP_GUEST_STATS_SIZE_V1);
ALIGN(ktsnap_guest_stats, 8);
OFF(ktsnap_guest_stats, sz, 0);
OFF(ktsnap_guest_stats, requests, 8);
OFF(ktsnap_guest_stats, replies, 16);
OFF(ktsnap_guest_stats, host_errors, 24);
OFF(ktsnap_guest_stats, transport_errors, 32);
OFF(ktsnap_guest_stats, skipped_wrong_type, 40);
OFF(ktsnap_guest_stats, skipped_wrong_size, 48);
OFF(ktsnap_guest_stats, skipped_stale, 56);
OFF(ktsnap_guest_stats, bytes_written, 64);
OFF(ktsnap_guest_stats, bytes_read, 72);
OFF(ktsnap_guest_stats, dead, 80);
OFF(ktsnap_guest_stats, reserved, 84);

SIZE(ktsnap_plugin_request, 40);
SIZE(ktsnap_plugin_request, KTSNAP_PLUGIN_REQUEST_SIZE_V1);
ALIGN(ktsnap_plugin_request, 8);
OFF(ktsnap_plugin_request, sz, 0);
OFF(ktsnap_plugin_request, tag, 8);
OFF(ktsnap_plugin_request, tag_len, 16);
OFF(ktsnap_plugin_request, seq, 24);
OFF(ktsnap_plugin_request, trigger, 32);
OFF(ktsnap_plugin_request, reserved, 36);

/* sz and abi_major keep offsets 0 and 8 in every plugin ABI major. */
SIZE(ktsnap_plugin, 56);
SIZE(ktsnap_plugin, KTSNAP_PLUGIN_SIZE_V1);
ALIGN(ktsnap_plugin, 8);
OFF(ktsnap_plugin, sz, 0);
OFF(ktsnap_plugin, abi_major, 8);
OFF(ktsnap_plugin, flags, 12);
OFF(ktsnap_plugin, name, 16);
OFF(ktsnap_plugin, version, 24);
OFF(ktsnap_plugin, init, 32);
OFF(ktsnap_plugin, capture, 40);
OFF(ktsnap_plugin, fini, 48);
_Static_assert(KTSNAP_PLUGIN_ABI_MAJOR == 1 && KTSNAP_PLUGIN_ERR_MAX == 1024, "plugin ABI constants are pinned");

SIZE(ktsnap_source_opts, 24);
SIZE(ktsnap_source_opts, KTSNAP_SOURCE_OPTS_SIZE_V1);
ALIGN(ktsnap_source_opts, 8);
OFF(ktsnap_source_opts, sz, 0);
OFF(ktsnap_source_opts, arg, 8);
OFF(ktsnap_source_opts, flags, 16);
OFF(ktsnap_source_opts, reserved, 20);
