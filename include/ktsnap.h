/**
 * @file ktsnap.h
 * @brief The C ABI of libktsnap.so.1.
 *
 * ktsnap stores typed snapshots of BPF scheduler state ("reports") and reads
 * them back: maps, per-CPU entries, global variables, scheduler stats JSON.
 * This header is C99, includes only <stddef.h>, <stdint.h> and <stdbool.h>,
 * and is the whole public interface. docs/ABI.md states the compatibility
 * promise.
 *
 * Conventions used by every declaration below:
 *
 * - Status. A function that can fail returns ktsnap_status: KTSNAP_OK (0) or
 *   a negative KTSNAP_E_* code. Numbers are never renumbered or reused;
 *   treat any unknown negative number as a generic error. Outputs come first
 *   and are named `out` or `*_out`; on failure they are left zeroed (NULL,
 *   0, an empty ktsnap_value) unless stated otherwise.
 * - Last error. Every call that can fail clears this thread's last error when
 *   it starts and, when it fails, stores a message (ktsnap_last_error()) and
 *   an errno (ktsnap_last_errno(), 0 when the failure did not come from the
 *   system). Functions that cannot fail (version, features, status and kind
 *   names, last_error/last_errno themselves, ktsnap_free and every _free)
 *   leave the last error untouched.
 * - Ownership. "Owned" results are released by the caller with the named
 *   function (`_free` for handles, ktsnap_free() for buffers and `_dup`
 *   strings); never mix allocators. "Borrowed" results belong to the library
 *   and stay valid for the stated time, usually while the parent handle
 *   lives. Strings are UTF-8 and NUL-terminated; where bytes may contain NUL
 *   an explicit length is returned too.
 * - Threads. A handle passed as `const` may be used by any number of threads
 *   at once. A non-const handle (a builder) is used by one thread at a time.
 *   The last error is per thread.
 * - Options structs start with `size_t sz` (set it with the _INIT macro or
 *   the _init function). NULL means defaults. The library reads only fields
 *   that lie wholly inside sz, rejects sz < sizeof(size_t), and rejects a
 *   struct larger than it knows unless every unknown byte is zero.
 * - Only the picker functions (ktsnap_snapshot_live_var_via(),
 *   ktsnap_snapshot_live_vars_via()), a bridge's capture and watch
 *   callbacks (ktsnap_bridge_opts) and a capture-source plugin's functions
 *   (ktsnap_source_open(), _capture(), _free()) call back into user code,
 *   on the calling thread, before they return. No exception or unwind
 *   leaves the library.
 */
#ifndef KTSNAP_H
#define KTSNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Macros                                                                    */
/* ------------------------------------------------------------------------ */

/** Marks a function exported from libktsnap.so.1. */
#if defined(__GNUC__) || defined(__clang__)
#define KTSNAP_API __attribute__((visibility("default")))
#else
#define KTSNAP_API
#endif

/** C++ callers see every function as noexcept: nothing ever throws. */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define KTSNAP_NOEXCEPT noexcept
#else
#define KTSNAP_NOEXCEPT
#endif

/**
 * Marks a declaration deprecated with a hint naming its replacement.
 * Define KTSNAP_NO_DEPRECATED before including this header to hide
 * deprecated declarations altogether (none exist in 1.0).
 */
#if defined(__GNUC__) || defined(__clang__)
#define KTSNAP_DEPRECATED(hint) __attribute__((deprecated(hint)))
#else
#define KTSNAP_DEPRECATED(hint)
#endif

/* ------------------------------------------------------------------------ */
/* Version and features                                                     */
/* ------------------------------------------------------------------------ */

/** API version of this header (the soname number is the ABI: 1). */
#define KTSNAP_VERSION_MAJOR 1
/** API minor version: grows when functions are added. */
#define KTSNAP_VERSION_MINOR 0
/** API patch version: fixes only. */
#define KTSNAP_VERSION_PATCH 0
/** This header's version as ktsnap_version() encodes it. */
#define KTSNAP_VERSION_NUMBER \
  (KTSNAP_VERSION_MAJOR * 10000 + KTSNAP_VERSION_MINOR * 100 + KTSNAP_VERSION_PATCH)

/**
 * Version of the loaded library: major*10000 + minor*100 + patch. Compare
 * with KTSNAP_VERSION_NUMBER to detect a library older than the header.
 * Thread-safe; cannot fail.
 */
KTSNAP_API uint32_t ktsnap_version(void) KTSNAP_NOEXCEPT;

/**
 * Version of the loaded library as "MAJOR.MINOR.PATCH".
 * Borrowed static string, valid forever. Thread-safe; cannot fail.
 */
KTSNAP_API const char *ktsnap_version_string(void) KTSNAP_NOEXCEPT;

/** Feature bits returned by ktsnap_features(). */
#define KTSNAP_FEATURE_BTF ((uint64_t)1 << 0)     /**< typed values through BTF */
#define KTSNAP_FEATURE_JSON ((uint64_t)1 << 1)    /**< JSON rendering */
#define KTSNAP_FEATURE_TEXT ((uint64_t)1 << 2)    /**< text rendering */
#define KTSNAP_FEATURE_BUILDER ((uint64_t)1 << 3) /**< ktsnap_builder_* */
#define KTSNAP_FEATURE_CAPTURE ((uint64_t)1 << 4) /**< ktsnap_capture(), ktsnap_kernel_maps() */
#define KTSNAP_FEATURE_RING ((uint64_t)1 << 5)    /**< shared-memory report rings (ktsnap_ring_*) */
#define KTSNAP_FEATURE_WIRE ((uint64_t)1 << 6)    /**< guest snapshot requests over the capture wire (ktsnap_guest_*) */
#define KTSNAP_FEATURE_QUERY ((uint64_t)1 << 7)   /**< snapshot views, predicate queries, columns, aggregates */

/**
 * What this build of the library supports: an OR of KTSNAP_FEATURE_* bits.
 * Bits marked reserved are set only by library versions that implement
 * them. Thread-safe; cannot fail.
 */
KTSNAP_API uint64_t ktsnap_features(void) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Status, errors, memory                                                    */
/* ------------------------------------------------------------------------ */

/** Result of a fallible call: KTSNAP_OK or a negative KTSNAP_E_* value. */
typedef int32_t ktsnap_status;

#define KTSNAP_OK 0               /**< success */
#define KTSNAP_E_INVALID (-1)     /**< bad argument, NULL pointer or options struct */
#define KTSNAP_E_NOMEM (-2)       /**< out of memory */
#define KTSNAP_E_NOTFOUND (-3)    /**< no such map, member, variant, file entry */
#define KTSNAP_E_AGAIN (-4)       /**< try again (ring empty or full) */
#define KTSNAP_E_TIMEOUT (-5)     /**< a bounded wait expired */
#define KTSNAP_E_VERSION (-6)     /**< format or ABI version mismatch */
#define KTSNAP_E_UNSUPPORTED (-7) /**< not supported by this build or this data */
#define KTSNAP_E_IO (-8)          /**< I/O failure; see ktsnap_last_errno() */
#define KTSNAP_E_INTERNAL (-9)    /**< a bug in ktsnap; the message says where */
#define KTSNAP_E_FORMAT (-10)     /**< malformed input data (report, BTF, JSON) */
#define KTSNAP_E_TYPE (-11)       /**< the value is not of the requested type */
#define KTSNAP_E_RANGE (-12)      /**< index or number out of range, buffer too small */
#define KTSNAP_E_PERM (-13)       /**< permission denied; see ktsnap_last_errno() */
#define KTSNAP_E_BUSY (-14)       /**< resource busy */
#define KTSNAP_E_REMOTE (-15)     /**< the host answered a request with an error; the message is its reason */

/**
 * Short English text for a status ("invalid argument"); a generic text for
 * numbers this library does not know. Borrowed static string, valid
 * forever, never NULL. Thread-safe; does not touch the last error.
 */
KTSNAP_API const char *ktsnap_status_str(ktsnap_status status) KTSNAP_NOEXCEPT;

/**
 * Message describing the last failure of a ktsnap call on this thread, or ""
 * when the last such call succeeded. Never NULL. Borrowed: valid until the
 * next ktsnap call on this thread (copy it if you need it longer).
 */
KTSNAP_API const char *ktsnap_last_error(void) KTSNAP_NOEXCEPT;

/**
 * errno of the last failure on this thread when it came from the system
 * (open, mmap, write, ...), else 0. Kept apart from the status: an I/O
 * failure is KTSNAP_E_IO with, for example, ENOENT here.
 */
KTSNAP_API int32_t ktsnap_last_errno(void) KTSNAP_NOEXCEPT;

/**
 * Releases a buffer the library allocated for the caller (rendered text,
 * `_dup` strings). NULL is ignored. Thread-safe.
 */
KTSNAP_API void ktsnap_free(void *ptr) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Handles and the value cursor                                             */
/* ------------------------------------------------------------------------ */

/** An open report (one capture). Owned; release with ktsnap_report_free(). */
typedef struct ktsnap_report ktsnap_report;

/** One map inside a report. Borrowed: valid while its report lives. */
typedef struct ktsnap_map ktsnap_map;

/** Builds a report from data the caller captured. Owned; single-threaded. */
typedef struct ktsnap_builder ktsnap_builder;

/**
 * A typed value inside a report: a map key, a map value, a member, an
 * element. Passed by value and copied freely; no allocation, nothing to
 * free. Valid while the report it came from lives.
 *
 * The members are private to the library: do not read or write them. A
 * zero-initialised ktsnap_value is "no value" (KTSNAP_KIND_INVALID). The
 * size and alignment of this struct are fixed for the life of .so.1
 * (32 bytes on 64-bit targets).
 */
typedef struct ktsnap_value {
  const void *_ctx;  /**< private */
  const void *_data; /**< private */
  uint64_t _len;     /**< private */
  uint32_t _type;    /**< private */
  uint32_t _bits;    /**< private */
} ktsnap_value;

/* ------------------------------------------------------------------------ */
/* Opening and saving reports                                                */
/* ------------------------------------------------------------------------ */

/** ktsnap_open_opts.flags: open_memory copies the bytes instead of borrowing them. */
#define KTSNAP_OPEN_COPY 0x1u

/** Options for ktsnap_report_open_file() and ktsnap_report_open_memory(). */
typedef struct ktsnap_open_opts {
  size_t sz;            /**< sizeof(ktsnap_open_opts) as the caller knows it */
  uint32_t flags;       /**< KTSNAP_OPEN_* bits; unknown bits are rejected */
  uint8_t reserved[4];  /**< must be zero */
} ktsnap_open_opts;

/** Size of ktsnap_open_opts in version 1.0 of the ABI. */
#define KTSNAP_OPEN_OPTS_SIZE_V1 16

/** Initialiser for ktsnap_open_opts: defaults, sz set. */
#ifdef __cplusplus
#define KTSNAP_OPEN_OPTS_INIT { sizeof(ktsnap_open_opts), 0u, { 0, 0, 0, 0 } }
#else
#define KTSNAP_OPEN_OPTS_INIT { .sz = sizeof(ktsnap_open_opts) }
#endif

/**
 * Fills *opts with defaults: zeroes `sz` bytes and stores sz in opts->sz.
 * Call as ktsnap_open_opts_init(&o, sizeof o). The result equals
 * KTSNAP_OPEN_OPTS_INIT byte for byte.
 * Errors: KTSNAP_E_INVALID when opts is NULL or sz < sizeof(size_t).
 * Thread-safe.
 */
KTSNAP_API ktsnap_status ktsnap_open_opts_init(ktsnap_open_opts *opts, size_t sz) KTSNAP_NOEXCEPT;

/**
 * Opens a report file: maps it read-only and verifies it (bounds, sizes,
 * indexes) once, in time that does not grow with the number of entries.
 * out: owned handle, release with ktsnap_report_free(); the mapping lives
 * as long as the handle. opts may be NULL (KTSNAP_OPEN_COPY changes
 * nothing here: the mapping is already private).
 * Errors: KTSNAP_E_INVALID (NULL out/path, bad opts), KTSNAP_E_IO or
 * KTSNAP_E_PERM with ktsnap_last_errno() (cannot open or map the file),
 * KTSNAP_E_FORMAT (not a valid report), KTSNAP_E_VERSION (newer format
 * major), KTSNAP_E_NOMEM. Thread-safe.
 */
KTSNAP_API ktsnap_status ktsnap_report_open_file(ktsnap_report **out, const char *path,
                                                 const ktsnap_open_opts *opts) KTSNAP_NOEXCEPT;

/**
 * Opens a report held in memory and verifies it. By default the report
 * borrows [data, data+size): the caller keeps those bytes alive and
 * unchanged until ktsnap_report_free(). With KTSNAP_OPEN_COPY in
 * opts->flags the library copies them and the caller may release its copy
 * as soon as this returns.
 * out: owned handle, release with ktsnap_report_free().
 * Errors: KTSNAP_E_INVALID (NULL out, NULL data with a non-zero size, bad
 * opts), KTSNAP_E_RANGE (size larger than any report may be),
 * KTSNAP_E_FORMAT, KTSNAP_E_VERSION, KTSNAP_E_NOMEM. Thread-safe.
 */
KTSNAP_API ktsnap_status ktsnap_report_open_memory(ktsnap_report **out, const void *data, size_t size,
                                                   const ktsnap_open_opts *opts) KTSNAP_NOEXCEPT;

/**
 * Writes the report's bytes to `path` atomically (a temporary file next to
 * it, fsync, rename).
 * Errors: KTSNAP_E_INVALID (NULL argument), KTSNAP_E_IO or KTSNAP_E_PERM
 * with ktsnap_last_errno(). Thread-safe for a const report.
 */
KTSNAP_API ktsnap_status ktsnap_report_save(const ktsnap_report *report, const char *path) KTSNAP_NOEXCEPT;

/**
 * Releases a report and everything borrowed from it (maps, values, strings,
 * bytes). NULL is ignored. Must not race with other calls on the report.
 */
KTSNAP_API void ktsnap_report_free(ktsnap_report *report) KTSNAP_NOEXCEPT;

/**
 * The report's serialized bytes (what ktsnap_report_save() writes).
 * Borrowed: valid while the report lives. Returns NULL (and 0 in
 * *size_out) when report is NULL; size_out may be NULL. Thread-safe.
 */
KTSNAP_API const void *ktsnap_report_bytes(const ktsnap_report *report, size_t *size_out) KTSNAP_NOEXCEPT;

/**
 * Container format version of the report: major << 16 | minor.
 * Returns 0 when report is NULL. Thread-safe.
 */
KTSNAP_API uint32_t ktsnap_report_format_version(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Report metadata                                                           */
/* ------------------------------------------------------------------------ */

/* What caused a capture (ktsnap_report_trigger()). */
#define KTSNAP_TRIGGER_ON_DEMAND 0u /**< asked for by a test or a user */
#define KTSNAP_TRIGGER_ERROR 1u     /**< the scheduler exited with an error */
#define KTSNAP_TRIGGER_WATCH 2u     /**< a watch registration fired */
#define KTSNAP_TRIGGER_PERIODIC 3u  /**< a periodic capture */

/**
 * The capture's tag ("" when none). Borrowed: valid while the report lives.
 * Returns NULL only when report is NULL (KTSNAP_E_INVALID in the last
 * error). Thread-safe.
 */
KTSNAP_API const char *ktsnap_report_tag(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/** The capture's trigger, a KTSNAP_TRIGGER_* value (0 when report is NULL). Thread-safe. */
KTSNAP_API uint32_t ktsnap_report_trigger(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/** CLOCK_REALTIME of the capture in ns (0 when report is NULL). Thread-safe. */
KTSNAP_API uint64_t ktsnap_report_wall_time_ns(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/** CLOCK_MONOTONIC of the capture in ns (0 when report is NULL). Thread-safe. */
KTSNAP_API uint64_t ktsnap_report_monotonic_ns(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/** Milliseconds since the scenario started (0 when report is NULL). Thread-safe. */
KTSNAP_API uint64_t ktsnap_report_elapsed_ms(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/** True when the report records a scenario step index. Thread-safe. */
KTSNAP_API bool ktsnap_report_has_step_index(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/** The scenario step index; 0 when none is recorded or report is NULL. Thread-safe. */
KTSNAP_API uint32_t ktsnap_report_step_index(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/** True for a placeholder report (a capture that could not be taken). Thread-safe. */
KTSNAP_API bool ktsnap_report_is_placeholder(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/**
 * Why the report is a placeholder ("" when it is not). Borrowed: valid while
 * the report lives; NULL only when report is NULL. Thread-safe.
 */
KTSNAP_API const char *ktsnap_report_placeholder_reason(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/**
 * The scheduler stats JSON text, or NULL when the report holds none (or
 * report is NULL). *len_out (optional) receives its length in bytes.
 * Borrowed: valid while the report lives. Thread-safe.
 */
KTSNAP_API const char *ktsnap_report_stats_json(const ktsnap_report *report, size_t *len_out) KTSNAP_NOEXCEPT;

/* Schedulers (BPF objects) whose maps the report holds. */

/** Number of schedulers in the report (0 when report is NULL). Thread-safe. */
KTSNAP_API size_t ktsnap_report_scheduler_count(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/**
 * Name of scheduler `idx` (the BPF object name). Borrowed: valid while the
 * report lives. NULL when report is NULL or idx is out of range (the last
 * error says which). Thread-safe.
 */
KTSNAP_API const char *ktsnap_report_scheduler_name(const ktsnap_report *report, size_t idx) KTSNAP_NOEXCEPT;

/** BTF blob index of scheduler `idx`; -1 when none, out of range or NULL. Thread-safe. */
KTSNAP_API int32_t ktsnap_report_scheduler_btf_index(const ktsnap_report *report, size_t idx) KTSNAP_NOEXCEPT;

/** True when scheduler `idx` was the attached sched_ext scheduler. Thread-safe. */
KTSNAP_API bool ktsnap_report_scheduler_active(const ktsnap_report *report, size_t idx) KTSNAP_NOEXCEPT;

/* Raw BTF blobs. */

/** Number of BTF blobs in the report (0 when report is NULL). Thread-safe. */
KTSNAP_API size_t ktsnap_report_btf_count(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/**
 * Raw bytes of BTF blob `idx` (without its base). Borrowed: valid while the
 * report lives. NULL (size 0) when out of range or report is NULL;
 * size_out may be NULL. Thread-safe.
 */
KTSNAP_API const void *ktsnap_report_btf_data(const ktsnap_report *report, size_t idx,
                                             size_t *size_out) KTSNAP_NOEXCEPT;

/* Maps left out of the capture, with the reason. */

/** Number of excluded maps (0 when report is NULL). Thread-safe. */
KTSNAP_API size_t ktsnap_report_excluded_count(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/** Name of excluded map `idx`. Borrowed, valid while the report lives; NULL when out of range. */
KTSNAP_API const char *ktsnap_report_excluded_name(const ktsnap_report *report, size_t idx) KTSNAP_NOEXCEPT;

/** Kernel map id of excluded map `idx` (0 when out of range). Thread-safe. */
KTSNAP_API uint32_t ktsnap_report_excluded_map_id(const ktsnap_report *report, size_t idx) KTSNAP_NOEXCEPT;

/** bpf_map_type number of excluded map `idx` (0 when out of range). Thread-safe. */
KTSNAP_API uint32_t ktsnap_report_excluded_map_type(const ktsnap_report *report, size_t idx) KTSNAP_NOEXCEPT;

/** Why map `idx` was excluded. Borrowed, valid while the report lives; NULL when out of range. */
KTSNAP_API const char *ktsnap_report_excluded_reason(const ktsnap_report *report, size_t idx) KTSNAP_NOEXCEPT;

/* Pointer-target regions: memory captured so pointers can be followed later. */

/** Number of regions (0 when report is NULL). Thread-safe. */
KTSNAP_API size_t ktsnap_report_region_count(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/**
 * Region `idx`: the address it was read from, its bytes and their length.
 * data_out: borrowed, valid while the report lives. Regions are sorted by
 * address. Every output is required.
 * Errors: KTSNAP_E_INVALID (NULL argument), KTSNAP_E_RANGE (idx >= count).
 * Thread-safe.
 */
KTSNAP_API ktsnap_status ktsnap_report_region(uint64_t *address_out, const void **data_out, size_t *size_out,
                                              const ktsnap_report *report, size_t idx) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Maps                                                                      */
/* ------------------------------------------------------------------------ */

/* ktsnap_map_flags() bits. */
#define KTSNAP_MAP_TRUNCATED 0x1u   /**< the entry cap stopped the read */
#define KTSNAP_MAP_BTF_MISSING 0x2u /**< no usable BTF: values are raw bytes */

/** Number of maps in the report (0 when report is NULL). Thread-safe. */
KTSNAP_API size_t ktsnap_report_map_count(const ktsnap_report *report) KTSNAP_NOEXCEPT;

/**
 * Map number `idx` in capture order. Borrowed: valid while the report lives.
 * NULL when report is NULL or idx >= count (the last error says which).
 * Thread-safe.
 */
KTSNAP_API const ktsnap_map *ktsnap_report_map_at(const ktsnap_report *report, size_t idx) KTSNAP_NOEXCEPT;

/**
 * The first map named `name` ("kt_tasks", "sched.bss").
 * out: borrowed, valid while the report lives.
 * Errors: KTSNAP_E_INVALID (NULL argument), KTSNAP_E_NOTFOUND (the message
 * lists the maps the report has). Thread-safe.
 */
KTSNAP_API ktsnap_status ktsnap_report_map_by_name(const ktsnap_map **out, const ktsnap_report *report,
                                                   const char *name) KTSNAP_NOEXCEPT;

/*
 * Map metadata getters. Each returns a zero value (0, NULL, -1 for indexes)
 * and sets KTSNAP_E_INVALID as the last error when map is NULL. Strings are
 * borrowed and valid while the report lives. All are thread-safe.
 */

/** Map name as the kernel knows it (globals: "<obj>.bss"). */
KTSNAP_API const char *ktsnap_map_name(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Position of the map in the report (ktsnap_report_map_at(report, index)). */
KTSNAP_API uint32_t ktsnap_map_index(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** The kernel's enum bpf_map_type number (1 hash, 2 array, 6 percpu_array, ...). */
KTSNAP_API uint32_t ktsnap_map_type(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Short lowercase name of the map type ("hash", "percpu_array"), or its number in decimal. */
KTSNAP_API const char *ktsnap_map_type_name(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** True for per-CPU map types (values are read with ktsnap_map_percpu_value()). */
KTSNAP_API bool ktsnap_map_is_percpu(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Key size in bytes. */
KTSNAP_API uint32_t ktsnap_map_key_size(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Value size in bytes (one CPU's slot for per-CPU maps). */
KTSNAP_API uint32_t ktsnap_map_value_size(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Declared max_entries. */
KTSNAP_API uint32_t ktsnap_map_max_entries(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Per-CPU slots per entry (possible CPUs) for per-CPU maps, else 0. */
KTSNAP_API uint32_t ktsnap_map_nr_cpus(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** KTSNAP_MAP_* bits (truncated read, BTF missing). */
KTSNAP_API uint32_t ktsnap_map_flags(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** The kernel map_flags the map was created with (BPF_F_*). */
KTSNAP_API uint32_t ktsnap_map_bpf_flags(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Why the contents are missing or partial, or NULL when there was no error. */
KTSNAP_API const char *ktsnap_map_error(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Kernel map id at capture time. */
KTSNAP_API uint32_t ktsnap_map_id(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Kernel address of struct bpf_map (0 = unknown). */
KTSNAP_API uint64_t ktsnap_map_kva(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Index of the scheduler that owns the map, or -1. */
KTSNAP_API int32_t ktsnap_map_scheduler_index(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Index of the BTF blob typing the map, or -1. */
KTSNAP_API int32_t ktsnap_map_btf_index(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** BTF type id of the key in blob ktsnap_map_btf_index() (0 = untyped), as ktsnap_map_desc takes it. */
KTSNAP_API uint32_t ktsnap_map_key_type_id(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** BTF type id of the value in blob ktsnap_map_btf_index() (0 = untyped). */
KTSNAP_API uint32_t ktsnap_map_value_type_id(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** struct_ops maps: the value's type id in vmlinux BTF (0 = none). */
KTSNAP_API uint32_t ktsnap_map_vmlinux_value_type_id(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Display name of the key type ("u32", "struct kt_key"); "" without BTF. */
KTSNAP_API const char *ktsnap_map_key_type_name(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Display name of the value type ("struct task_ctx"); "" without BTF. */
KTSNAP_API const char *ktsnap_map_value_type_name(const ktsnap_map *map) KTSNAP_NOEXCEPT;
/** Number of entries captured (may be fewer than live entries when truncated). */
KTSNAP_API uint32_t ktsnap_map_entry_count(const ktsnap_map *map) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Values                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Every function here writes a ktsnap_value by value into *out; a value
 * borrows its report and is valid while the report lives. On failure *out
 * is the empty value. All are thread-safe: values are read-only.
 */

/**
 * Key of entry `entry` of `map`: typed through BTF when the map has it,
 * else raw bytes (KTSNAP_KIND_BYTES).
 * Errors: KTSNAP_E_INVALID (NULL argument), KTSNAP_E_RANGE (entry >=
 * entry count).
 */
KTSNAP_API ktsnap_status ktsnap_map_key(ktsnap_value *out, const ktsnap_map *map, uint32_t entry) KTSNAP_NOEXCEPT;

/**
 * Value of entry `entry` of a map that is not per-CPU. For a global section
 * map (".bss", ".data", ".rodata") entry 0 is a KTSNAP_KIND_DATASEC whose
 * members are the variables.
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_RANGE (entry out of range),
 * KTSNAP_E_TYPE (a per-CPU map: use ktsnap_map_percpu_value()).
 */
KTSNAP_API ktsnap_status ktsnap_map_value(ktsnap_value *out, const ktsnap_map *map, uint32_t entry) KTSNAP_NOEXCEPT;

/**
 * Value of entry `entry` of a per-CPU map on CPU slot `cpu`.
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_RANGE (entry or cpu >= nr_cpus),
 * KTSNAP_E_TYPE (not a per-CPU map: use ktsnap_map_value()),
 * KTSNAP_E_NOTFOUND (the slot could not be read at capture time; see
 * ktsnap_map_slot_present()).
 */
KTSNAP_API ktsnap_status ktsnap_map_percpu_value(ktsnap_value *out, const ktsnap_map *map, uint32_t entry,
                                                 uint32_t cpu) KTSNAP_NOEXCEPT;

/**
 * False when slot `cpu` of entry `entry` of a per-CPU map could not be read
 * at capture time (its bytes are not data, not even zeros). True for every
 * slot that was read, and for entries of maps that are not per-CPU. False
 * with KTSNAP_E_INVALID or KTSNAP_E_RANGE in the last error for a NULL map
 * or an entry/cpu out of range. Thread-safe.
 */
KTSNAP_API bool ktsnap_map_slot_present(const ktsnap_map *map, uint32_t entry, uint32_t cpu) KTSNAP_NOEXCEPT;

/* Value kinds (ktsnap_value_kind()). Numbers are fixed forever. */
#define KTSNAP_KIND_INVALID 0u      /**< empty value, or NULL */
#define KTSNAP_KIND_INT 1u          /**< signed integer or signed bitfield */
#define KTSNAP_KIND_UINT 2u         /**< unsigned integer or unsigned bitfield */
#define KTSNAP_KIND_BOOL 3u         /**< _Bool */
#define KTSNAP_KIND_CHAR 4u         /**< 1-byte char */
#define KTSNAP_KIND_FLOAT 5u        /**< float or double */
#define KTSNAP_KIND_ENUM 6u         /**< enum of any width */
#define KTSNAP_KIND_STRUCT 7u       /**< struct */
#define KTSNAP_KIND_UNION 8u        /**< union */
#define KTSNAP_KIND_ARRAY 9u        /**< array */
#define KTSNAP_KIND_PTR 10u         /**< pointer (an address; followed through captured regions) */
#define KTSNAP_KIND_DATASEC 11u     /**< a global section; members are its variables */
#define KTSNAP_KIND_BYTES 12u       /**< raw bytes without type */
#define KTSNAP_KIND_UNSUPPORTED 13u /**< a type ktsnap cannot read (FWD, FUNC, VOID) */

/**
 * Kind of a value, a KTSNAP_KIND_* number; KTSNAP_KIND_INVALID for NULL or
 * the empty value. Cannot fail.
 */
KTSNAP_API uint32_t ktsnap_value_kind(const ktsnap_value *value) KTSNAP_NOEXCEPT;

/**
 * Lowercase name of a KTSNAP_KIND_* number ("struct", "uint"); "unknown"
 * for numbers this library does not know. Borrowed static string. Does not
 * touch the last error.
 */
KTSNAP_API const char *ktsnap_value_kind_name(uint32_t kind) KTSNAP_NOEXCEPT;

/**
 * Display name of the value's type ("struct kt_task_ctx", "u32",
 * "char[16]"; "" for raw bytes) copied into buf with a NUL. *len_out
 * (required) receives the length without the NUL, also when buf is too
 * small. buf may be NULL when buf_size is 0.
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_RANGE (buf_size <= length).
 */
KTSNAP_API ktsnap_status ktsnap_value_type_name(char *buf, size_t buf_size, size_t *len_out,
                                                const ktsnap_value *value) KTSNAP_NOEXCEPT;

/**
 * Like ktsnap_value_type_name(), into a new NUL-terminated string.
 * out: owned, release with ktsnap_free(). Errors: KTSNAP_E_INVALID,
 * KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_value_type_name_dup(char **out, const ktsnap_value *value) KTSNAP_NOEXCEPT;

/** Declared size of the value's type in bytes (bitfields: bytes spanned); 0 when unknown or invalid. */
KTSNAP_API uint64_t ktsnap_value_size(const ktsnap_value *value) KTSNAP_NOEXCEPT;

/** True when the report holds fewer bytes than the value's type needs. */
KTSNAP_API bool ktsnap_value_is_truncated(const ktsnap_value *value) KTSNAP_NOEXCEPT;

/**
 * Member `name` of a struct, union or global section. Members of anonymous
 * structs and unions are found by their own names. A pointer to a struct
 * is followed through the captured regions.
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_NOTFOUND (the message lists the
 * members available), KTSNAP_E_TYPE (not a composite).
 */
KTSNAP_API ktsnap_status ktsnap_value_member(ktsnap_value *out, const ktsnap_value *value,
                                             const char *name) KTSNAP_NOEXCEPT;

/**
 * Element `i` of an array.
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_RANGE (i >= length), KTSNAP_E_TYPE
 * (not an array).
 */
KTSNAP_API ktsnap_status ktsnap_value_index(ktsnap_value *out, const ktsnap_value *value, uint64_t i) KTSNAP_NOEXCEPT;

/**
 * The value a pointer points to, read from the report's captured regions.
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_TYPE (not a pointer, or a void
 * pointer), KTSNAP_E_NOTFOUND (NULL pointer or target not captured).
 */
KTSNAP_API ktsnap_status ktsnap_value_deref(ktsnap_value *out, const ktsnap_value *value) KTSNAP_NOEXCEPT;

/**
 * Walks a dotted path: "a.b.c", with "[i]" for array elements
 * ("hist[1][2]", "inner_ptr.a"). Pointers between components are followed
 * through the captured regions. "" returns the value itself.
 * Errors: KTSNAP_E_INVALID, and the error of the failing component; the
 * message names the path walked, the failing component and the members
 * available there.
 */
KTSNAP_API ktsnap_status ktsnap_value_get(ktsnap_value *out, const ktsnap_value *value, const char *path) KTSNAP_NOEXCEPT;

/**
 * Declared element count of an array, or member count of a composite.
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_TYPE.
 */
KTSNAP_API ktsnap_status ktsnap_value_length(uint64_t *out, const ktsnap_value *value) KTSNAP_NOEXCEPT;

/**
 * Number of members of a struct, union or global section, anonymous
 * members flattened (the names ktsnap_value_member() accepts).
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_TYPE.
 */
KTSNAP_API ktsnap_status ktsnap_value_member_count(size_t *out, const ktsnap_value *value) KTSNAP_NOEXCEPT;

/**
 * Name of member `idx` in declaration order (anonymous members flattened).
 * out: borrowed from the report's BTF, NUL-terminated, valid while the
 * report lives; *len_out (optional) receives its length.
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_TYPE, KTSNAP_E_RANGE.
 */
KTSNAP_API ktsnap_status ktsnap_value_member_name(const char **out, size_t *len_out, const ktsnap_value *value,
                                                  size_t idx) KTSNAP_NOEXCEPT;

/*
 * Scalar conversions. They never wrap or truncate silently: a negative
 * integer is not a u64, a u64 above INT64_MAX is not an i64, a float is not
 * a bool. Errors: KTSNAP_E_INVALID (NULL argument), KTSNAP_E_TYPE (the kind
 * does not convert) or KTSNAP_E_RANGE (the number does not fit, or the
 * report holds fewer bytes than the value needs), with a message naming the
 * value. *out is 0 on failure.
 */

/** Unsigned: uint, int >= 0, bool, char, enum bit pattern, pointer address. */
KTSNAP_API ktsnap_status ktsnap_value_u64(uint64_t *out, const ktsnap_value *value) KTSNAP_NOEXCEPT;
/** Signed: int, uint <= INT64_MAX, bool, char, enum. */
KTSNAP_API ktsnap_status ktsnap_value_i64(int64_t *out, const ktsnap_value *value) KTSNAP_NOEXCEPT;
/** Floating: float, int and uint (widened), enum. */
KTSNAP_API ktsnap_status ktsnap_value_f64(double *out, const ktsnap_value *value) KTSNAP_NOEXCEPT;
/** Truth: bool; int, uint, char, enum and pointer as != 0. */
KTSNAP_API ktsnap_status ktsnap_value_bool(bool *out, const ktsnap_value *value) KTSNAP_NOEXCEPT;

/**
 * Text of a value: an enum's variant name or a char array up to its first
 * NUL. Copied into buf with a NUL; *len_out (required) receives the length
 * without the NUL, also when buf is too small. buf may be NULL when
 * buf_size is 0.
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_TYPE (not a string-like value),
 * KTSNAP_E_NOTFOUND (enum value with no variant), KTSNAP_E_RANGE
 * (buf_size <= length).
 */
KTSNAP_API ktsnap_status ktsnap_value_string(char *buf, size_t buf_size, size_t *len_out,
                                             const ktsnap_value *value) KTSNAP_NOEXCEPT;

/**
 * Like ktsnap_value_string(), into a new NUL-terminated string.
 * out: owned, release with ktsnap_free(). *len_out (optional) receives the
 * length without the NUL. Errors as ktsnap_value_string() plus
 * KTSNAP_E_NOMEM (never KTSNAP_E_RANGE).
 */
KTSNAP_API ktsnap_status ktsnap_value_string_dup(char **out, size_t *len_out, const ktsnap_value *value) KTSNAP_NOEXCEPT;

/**
 * Variant name of an enum value. out: borrowed from the report's BTF,
 * valid while the report lives.
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_TYPE (not an enum), KTSNAP_E_NOTFOUND
 * (the number matches no variant).
 */
KTSNAP_API ktsnap_status ktsnap_value_enum_name(const char **out, const ktsnap_value *value) KTSNAP_NOEXCEPT;

/**
 * The raw bytes behind a value (its declared size, or fewer when
 * truncated; a bitfield gives the bytes it spans). out: borrowed, valid
 * while the report lives.
 * Errors: KTSNAP_E_INVALID.
 */
KTSNAP_API ktsnap_status ktsnap_value_bytes(const void **out, size_t *len_out, const ktsnap_value *value) KTSNAP_NOEXCEPT;

/*
 * Array extracts: every element of an array converted like the scalar
 * functions above, into the caller's array `out` of `cap` elements.
 * *count_out (required) receives the element count, also when cap is too
 * small; out may be NULL when cap is 0. All or nothing: the first element
 * that does not convert fails the call and the message names it.
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_TYPE (not an array, or an element of
 * the wrong kind), KTSNAP_E_RANGE (cap < count, or an element out of
 * range).
 */

/** Elements as uint64_t. */
KTSNAP_API ktsnap_status ktsnap_value_u64_array(uint64_t *out, size_t cap, size_t *count_out,
                                                const ktsnap_value *value) KTSNAP_NOEXCEPT;
/** Elements as uint32_t; an element above UINT32_MAX fails with KTSNAP_E_RANGE. */
KTSNAP_API ktsnap_status ktsnap_value_u32_array(uint32_t *out, size_t cap, size_t *count_out,
                                                const ktsnap_value *value) KTSNAP_NOEXCEPT;
/** Elements as int64_t. */
KTSNAP_API ktsnap_status ktsnap_value_i64_array(int64_t *out, size_t cap, size_t *count_out,
                                                const ktsnap_value *value) KTSNAP_NOEXCEPT;
/** Elements as double. */
KTSNAP_API ktsnap_status ktsnap_value_f64_array(double *out, size_t cap, size_t *count_out,
                                                const ktsnap_value *value) KTSNAP_NOEXCEPT;
/** Elements as bool. */
KTSNAP_API ktsnap_status ktsnap_value_bool_array(bool *out, size_t cap, size_t *count_out,
                                                 const ktsnap_value *value) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Rendering                                                                 */
/* ------------------------------------------------------------------------ */

/* ktsnap_render_opts.format */
#define KTSNAP_FORMAT_JSON 0u /**< JSON in the ktstr dump shape (the default) */
#define KTSNAP_FORMAT_TEXT 1u /**< the human text display */

/* ktsnap_render_opts.flags */
#define KTSNAP_RENDER_PRETTY 0x1u /**< JSON: indented instead of compact */

/** Options for ktsnap_render_*(). */
typedef struct ktsnap_render_opts {
  size_t sz;            /**< sizeof(ktsnap_render_opts) as the caller knows it */
  uint32_t format;      /**< KTSNAP_FORMAT_*; 0 = JSON */
  uint32_t max_entries; /**< text: entries shown per map, 0 = all */
  uint32_t flags;       /**< KTSNAP_RENDER_* bits; unknown bits are rejected */
  uint8_t reserved[4];  /**< must be zero */
} ktsnap_render_opts;

/** Size of ktsnap_render_opts in version 1.0 of the ABI. */
#define KTSNAP_RENDER_OPTS_SIZE_V1 24

/** Initialiser for ktsnap_render_opts: JSON, all entries, compact. */
#ifdef __cplusplus
#define KTSNAP_RENDER_OPTS_INIT { sizeof(ktsnap_render_opts), 0u, 0u, 0u, { 0, 0, 0, 0 } }
#else
#define KTSNAP_RENDER_OPTS_INIT { .sz = sizeof(ktsnap_render_opts) }
#endif

/**
 * Fills *opts with defaults (zeroes sz bytes, stores sz). Equals
 * KTSNAP_RENDER_OPTS_INIT byte for byte when sz = sizeof *opts.
 * Errors: KTSNAP_E_INVALID (NULL, sz < sizeof(size_t)).
 */
KTSNAP_API ktsnap_status ktsnap_render_opts_init(ktsnap_render_opts *opts, size_t sz) KTSNAP_NOEXCEPT;

/**
 * Renders a whole report as JSON or text. out: owned NUL-terminated
 * buffer, release with ktsnap_free(); *len_out (optional) receives its
 * length. opts may be NULL (JSON).
 * Errors: KTSNAP_E_INVALID (NULL argument, bad opts, unknown format),
 * KTSNAP_E_NOMEM, and errors met while rendering. Thread-safe.
 */
KTSNAP_API ktsnap_status ktsnap_render_report(char **out, size_t *len_out, const ktsnap_report *report,
                                              const ktsnap_render_opts *opts) KTSNAP_NOEXCEPT;

/** Renders one map; as ktsnap_render_report(). */
KTSNAP_API ktsnap_status ktsnap_render_map(char **out, size_t *len_out, const ktsnap_map *map,
                                           const ktsnap_render_opts *opts) KTSNAP_NOEXCEPT;

/** Renders one value; as ktsnap_render_report() (max_entries and KTSNAP_RENDER_PRETTY are ignored). */
KTSNAP_API ktsnap_status ktsnap_render_value(char **out, size_t *len_out, const ktsnap_value *value,
                                             const ktsnap_render_opts *opts) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Building reports                                                          */
/* ------------------------------------------------------------------------ */

/*
 * For embedders that read BPF state by themselves (a VMM reading guest
 * memory, a test that fakes a scheduler). A builder is not thread-safe: use
 * it from one thread at a time. Every add_* checks its input, so a builder
 * that finishes yields a report that opens. Input buffers are copied; the
 * caller may release them when the call returns.
 */

/** Options for ktsnap_builder_new(); none yet besides sz. */
typedef struct ktsnap_builder_opts {
  size_t sz; /**< sizeof(ktsnap_builder_opts) as the caller knows it */
} ktsnap_builder_opts;

/** Size of ktsnap_builder_opts in version 1.0 of the ABI. */
#define KTSNAP_BUILDER_OPTS_SIZE_V1 8

/** Initialiser for ktsnap_builder_opts. */
#ifdef __cplusplus
#define KTSNAP_BUILDER_OPTS_INIT { sizeof(ktsnap_builder_opts) }
#else
#define KTSNAP_BUILDER_OPTS_INIT { .sz = sizeof(ktsnap_builder_opts) }
#endif

/**
 * Fills *opts with defaults (zeroes sz bytes, stores sz).
 * Errors: KTSNAP_E_INVALID (NULL, sz < sizeof(size_t)).
 */
KTSNAP_API ktsnap_status ktsnap_builder_opts_init(ktsnap_builder_opts *opts, size_t sz) KTSNAP_NOEXCEPT;

/**
 * Creates an empty builder. out: owned, release with ktsnap_builder_free().
 * opts may be NULL. Errors: KTSNAP_E_INVALID, KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_builder_new(ktsnap_builder **out, const ktsnap_builder_opts *opts) KTSNAP_NOEXCEPT;

/** Releases a builder (finished or not). NULL is ignored. */
KTSNAP_API void ktsnap_builder_free(ktsnap_builder *builder) KTSNAP_NOEXCEPT;

/**
 * Adds a raw BTF blob (as /sys/kernel/btf/vmlinux or an object's .BTF
 * holds it); identical blobs are stored once. base_index >= 0 makes it
 * split BTF on that earlier blob, -1 means none. *index_out receives the
 * blob's index.
 * Errors: KTSNAP_E_INVALID (NULL argument, spent builder, base_index that
 * names no earlier blob), KTSNAP_E_FORMAT (empty or not valid BTF).
 */
KTSNAP_API ktsnap_status ktsnap_builder_add_btf(int32_t *index_out, ktsnap_builder *builder, const void *data,
                                                size_t size, int32_t base_index) KTSNAP_NOEXCEPT;

/**
 * Adds a scheduler (BPF object) named `name` typed by BTF blob btf_index
 * (-1 for none); active marks the attached sched_ext scheduler.
 * Errors: KTSNAP_E_INVALID (NULL argument, spent builder, btf_index that
 * names no added blob).
 */
KTSNAP_API ktsnap_status ktsnap_builder_add_scheduler(int32_t *index_out, ktsnap_builder *builder, const char *name,
                                                      int32_t btf_index, bool active) KTSNAP_NOEXCEPT;

/** Describes one map for ktsnap_builder_add_map(). */
typedef struct ktsnap_map_desc {
  size_t sz;                      /**< sizeof(ktsnap_map_desc) as the caller knows it */
  const char *name;               /**< required; copied */
  const char *error;              /**< why contents are missing or partial, or NULL; copied */
  uint64_t map_kva;               /**< kernel address of struct bpf_map, 0 = unknown */
  int32_t scheduler_index;        /**< owning scheduler, -1 = none */
  uint32_t map_id;                /**< kernel map id */
  uint32_t map_type;              /**< enum bpf_map_type number */
  uint32_t map_flags;             /**< kernel map_flags (BPF_F_*) */
  uint32_t key_size;              /**< bytes per key, > 0 */
  uint32_t value_size;            /**< bytes per value (one CPU's slot) */
  uint32_t max_entries;           /**< declared max_entries */
  uint32_t nr_cpus;               /**< per-CPU maps: possible CPUs (> 0); else 0 */
  int32_t btf_index;              /**< BTF blob typing keys and values, -1 = none */
  uint32_t key_type_id;           /**< BTF type id of the key, 0 = untyped */
  uint32_t value_type_id;         /**< BTF type id of the value, 0 = untyped */
  uint32_t vmlinux_value_type_id; /**< struct_ops: value type id in vmlinux BTF */
  uint32_t flags;                 /**< KTSNAP_MAP_* bits */
  uint8_t reserved[4];            /**< must be zero */
  /**
   * Per-CPU maps: a bitmap of slots that could not be read (bit
   * entry * nr_cpus + cpu set = absent, distinct from a slot of zeros), of
   * percpu_absent_size = ceil(entries * nr_cpus / 8) bytes; NULL/0 = every
   * slot was read. Copied.
   */
  const void *percpu_absent;
  uint64_t percpu_absent_size;    /**< bytes at percpu_absent */
} ktsnap_map_desc;

/** Size of ktsnap_map_desc in version 1.0 of the ABI. */
#define KTSNAP_MAP_DESC_SIZE_V1 104

/** Initialiser for ktsnap_map_desc: everything 0 except the indexes, which are -1. */
#ifdef __cplusplus
#define KTSNAP_MAP_DESC_INIT \
  { sizeof(ktsnap_map_desc), NULL, NULL, 0u, -1, 0u, 0u, 0u, 0u, 0u, 0u, 0u, -1, 0u, 0u, 0u, 0u, { 0, 0, 0, 0 }, NULL, 0u }
#else
#define KTSNAP_MAP_DESC_INIT { .sz = sizeof(ktsnap_map_desc), .scheduler_index = -1, .btf_index = -1 }
#endif

/**
 * Fills *desc with defaults (zeroes sz bytes, stores sz, sets the indexes
 * to -1 when they lie inside sz). Equals KTSNAP_MAP_DESC_INIT byte for byte
 * when sz = sizeof *desc.
 * Errors: KTSNAP_E_INVALID (NULL, sz < sizeof(size_t)).
 */
KTSNAP_API ktsnap_status ktsnap_map_desc_init(ktsnap_map_desc *desc, size_t sz) KTSNAP_NOEXCEPT;

/**
 * Adds a map with its entries. keys holds entry_count * key_size bytes;
 * values holds entry_count * value_size bytes, or for per-CPU maps
 * entry_count * nr_cpus * round_up(value_size, 8) bytes (the layout the
 * kernel returns). The entry count is derived from the two and must agree.
 * Both may be NULL when their size is 0. *index_out receives the map index.
 * Errors: KTSNAP_E_INVALID (NULL argument, bad desc, sizes that are not a
 * whole number of entries or disagree, per-CPU map without nr_cpus,
 * scheduler or BTF index that names nothing added, type id not in the BTF
 * or of the wrong size), KTSNAP_E_RANGE (the report would pass its size
 * limit).
 */
KTSNAP_API ktsnap_status ktsnap_builder_add_map(int32_t *index_out, ktsnap_builder *builder,
                                                const ktsnap_map_desc *desc, const void *keys, size_t keys_size,
                                                const void *values, size_t values_size) KTSNAP_NOEXCEPT;

/**
 * Records a map that was deliberately not captured, with the reason.
 * Errors: KTSNAP_E_INVALID.
 */
KTSNAP_API ktsnap_status ktsnap_builder_add_excluded(ktsnap_builder *builder, const char *name, uint32_t map_id,
                                                     uint32_t map_type, const char *reason) KTSNAP_NOEXCEPT;

/**
 * Adds memory read from `address` so pointers into it can be followed when
 * the report is read. Regions must not overlap (ktsnap_builder_finish()
 * fails with KTSNAP_E_INVALID when two do).
 * Errors: KTSNAP_E_INVALID (NULL builder or data, empty region, a region
 * that wraps past the end of the address space).
 */
KTSNAP_API ktsnap_status ktsnap_builder_add_region(ktsnap_builder *builder, uint64_t address, const void *data,
                                                   size_t size) KTSNAP_NOEXCEPT;

/**
 * Stores the scheduler stats JSON text (len bytes, no NUL needed), replacing
 * any earlier one. Errors: KTSNAP_E_INVALID.
 */
KTSNAP_API ktsnap_status ktsnap_builder_set_stats_json(ktsnap_builder *builder, const char *json,
                                                       size_t len) KTSNAP_NOEXCEPT;

/**
 * Records the kernel addresses of the maps the attached scheduler uses
 * (count values; `kvas` may be NULL when count is 0), replacing any earlier
 * list. ktsnap_snapshot_active() then admits only the maps with those
 * addresses (an empty list: every map of the active scheduler). Copied.
 * Errors: KTSNAP_E_INVALID.
 */
KTSNAP_API ktsnap_status ktsnap_builder_set_active_map_kvas(ktsnap_builder *builder, const uint64_t *kvas,
                                                            size_t count) KTSNAP_NOEXCEPT;

/* ktsnap_metadata.flags */
#define KTSNAP_METADATA_HAS_STEP_INDEX 0x1u /**< step_index is meaningful */
#define KTSNAP_METADATA_PLACEHOLDER 0x2u    /**< a placeholder report */

/** Report metadata for ktsnap_builder_set_metadata(). */
typedef struct ktsnap_metadata {
  size_t sz;                      /**< sizeof(ktsnap_metadata) as the caller knows it */
  const char *tag;                /**< NULL = "" ; copied */
  const char *placeholder_reason; /**< with KTSNAP_METADATA_PLACEHOLDER; NULL = ""; copied */
  uint64_t wall_time_ns;          /**< CLOCK_REALTIME of the capture */
  uint64_t monotonic_ns;          /**< CLOCK_MONOTONIC of the capture */
  uint64_t elapsed_ms;            /**< since the scenario started */
  uint32_t trigger;               /**< KTSNAP_TRIGGER_* */
  uint32_t step_index;            /**< with KTSNAP_METADATA_HAS_STEP_INDEX */
  uint32_t flags;                 /**< KTSNAP_METADATA_* bits; unknown bits are rejected */
  uint8_t reserved[4];            /**< must be zero */
} ktsnap_metadata;

/** Size of ktsnap_metadata in version 1.0 of the ABI. */
#define KTSNAP_METADATA_SIZE_V1 64

/** Initialiser for ktsnap_metadata: on-demand, no tag, no step. */
#ifdef __cplusplus
#define KTSNAP_METADATA_INIT { sizeof(ktsnap_metadata), NULL, NULL, 0u, 0u, 0u, 0u, 0u, 0u, { 0, 0, 0, 0 } }
#else
#define KTSNAP_METADATA_INIT { .sz = sizeof(ktsnap_metadata) }
#endif

/**
 * Fills *md with defaults (zeroes sz bytes, stores sz).
 * Errors: KTSNAP_E_INVALID (NULL, sz < sizeof(size_t)).
 */
KTSNAP_API ktsnap_status ktsnap_metadata_init(ktsnap_metadata *md, size_t sz) KTSNAP_NOEXCEPT;

/**
 * Sets the report metadata, replacing any earlier call's. Strings are copied.
 * Errors: KTSNAP_E_INVALID (NULL, bad sz or flags, trigger out of range).
 */
KTSNAP_API ktsnap_status ktsnap_builder_set_metadata(ktsnap_builder *builder, const ktsnap_metadata *md) KTSNAP_NOEXCEPT;

/**
 * Produces the report. out: owned, release with ktsnap_report_free(); the
 * report owns the built bytes (ktsnap_report_bytes(), ktsnap_report_save()).
 * The builder is spent afterwards: every later call on it fails with
 * KTSNAP_E_INVALID; it must still be released with ktsnap_builder_free().
 * Errors: KTSNAP_E_INVALID (NULL argument, spent builder, overlapping
 * regions), KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_builder_finish(ktsnap_report **out, ktsnap_builder *builder) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Structured error details                                                  */
/* ------------------------------------------------------------------------ */

/*
 * Error kinds of the view layer (spec/views.md §3), as
 * ktsnap_error_info.kind. 0 means the last failure carries no view error
 * (a plain status with a message). Numbers are fixed forever. Kinds 13, 15
 * and 19 belong to the sample/series layer and are not produced by the
 * functions of this header; they are named so that every kind has a number.
 */
#define KTSNAP_ERROR_NONE 0u                         /**< no view error: a plain status with a message */
#define KTSNAP_ERROR_MAP_NOT_FOUND 1u                /**< no admitted map has that name */
#define KTSNAP_ERROR_VAR_NOT_FOUND 2u                /**< no global section holds that variable */
#define KTSNAP_ERROR_AMBIGUOUS_VAR 3u                /**< the variable is in several schedulers */
#define KTSNAP_ERROR_FIELD_NOT_FOUND 4u              /**< a path component names no member */
#define KTSNAP_ERROR_NOT_A_STRUCT 5u                 /**< a path descends into a non-struct */
#define KTSNAP_ERROR_TYPE_MISMATCH 6u                /**< the value does not read as that type */
#define KTSNAP_ERROR_INDEX_OUT_OF_RANGE 7u           /**< entry position past the end */
#define KTSNAP_ERROR_PERCPU_SLOT 8u                  /**< CPU past the slots, or slot unreadable */
#define KTSNAP_ERROR_NO_MATCH 9u                     /**< find/max_by/aggregate found nothing */
#define KTSNAP_ERROR_EMPTY_PATH_COMPONENT 10u        /**< "a..b", ".a", "a." */
#define KTSNAP_ERROR_PERCPU_NOT_NARROWED 11u         /**< per-CPU value read without a CPU */
#define KTSNAP_ERROR_NO_RENDERED 12u                 /**< the key or value has no BTF type */
#define KTSNAP_ERROR_PLACEHOLDER_SAMPLE 13u          /**< (series layer) */
#define KTSNAP_ERROR_MISSING_STATS 14u               /**< no scheduler stats JSON, or it does not parse */
#define KTSNAP_ERROR_HOST_FIELD_UNAVAILABLE 15u      /**< (series layer) */
#define KTSNAP_ERROR_PLACEHOLDER_SNAPSHOT 16u        /**< the report is a placeholder */
#define KTSNAP_ERROR_NO_ACTIVE_SCHEDULER 17u         /**< active(): no scheduler is attached */
#define KTSNAP_ERROR_ACTIVE_FILTER_EXCLUDED_MAPS 18u /**< the active filter left the map out */
#define KTSNAP_ERROR_WALKER_DRIFTED_WITHIN_PHASE 19u /**< (series layer) */
#define KTSNAP_ERROR_PROJECTION_FAILED 20u           /**< a picker chose nothing */
#define KTSNAP_ERROR_MAP_RENDER_INCOMPLETE 21u       /**< the map failed to read at capture */

/**
 * Name of a KTSNAP_ERROR_* kind as spec/views.md spells it ("MapNotFound");
 * "" for KTSNAP_ERROR_NONE and "unknown" for numbers this library does not
 * know. Borrowed static string. Does not touch the last error.
 */
KTSNAP_API const char *ktsnap_error_kind_name(uint32_t kind) KTSNAP_NOEXCEPT;

/**
 * Details of this thread's last failure, filled by ktsnap_last_error_info().
 * Every pointer is borrowed: valid until the next ktsnap call on this
 * thread that can fail (that call clears the last error). Strings are never
 * NULL ("" when the kind has no such field); arrays are NULL exactly when
 * their count is 0. Which field holds what, per kind (docs/ABI.md has the
 * full table; `json` always holds every field of the error):
 *
 *   kind                   requested  walked component map  alternatives
 *   MAP_NOT_FOUND          name                              admitted maps
 *   VAR_NOT_FOUND          name                              members / global maps
 *   AMBIGUOUS_VAR          name                              maps holding it
 *   FIELD_NOT_FOUND        path       yes    yes             members there
 *   NOT_A_STRUCT           path       yes    yes      (actual = its kind)
 *   TYPE_MISMATCH          path  (expected, actual)
 *   INDEX_OUT_OF_RANGE                              yes  (index, len)
 *   PERCPU_SLOT                                     yes  (cpu, len, unmapped)
 *   NO_MATCH               operation                yes  (len, sample_keys, hint)
 *   EMPTY_PATH_COMPONENT   path
 *   PERCPU_NOT_NARROWED                             yes
 *   NO_RENDERED                           side      yes
 *   MISSING_STATS          tag  (reason)
 *   NO_ACTIVE_SCHEDULER, PROJECTION_FAILED  (reason)
 *   ACTIVE_FILTER_EXCLUDED_MAPS  name  component = active object;
 *                          alternatives = excluded maps
 *   MAP_RENDER_INCOMPLETE                           yes  (reason = read error)
 *
 * Failures that are not view errors (KTSNAP_ERROR_NONE) may still fill
 * `column` (predicate and path syntax errors: 1-based byte position) and
 * `alternatives` (an unknown member in a query path: the members there).
 */
typedef struct ktsnap_error_info {
  size_t sz;                        /**< set by the caller: sizeof or KTSNAP_ERROR_INFO_SIZE_V1 */
  ktsnap_status status;             /**< the failure's status; KTSNAP_OK when none */
  uint32_t kind;                    /**< KTSNAP_ERROR_*; KTSNAP_ERROR_NONE for plain statuses */
  const char *kind_name;            /**< ktsnap_error_kind_name(kind) */
  const char *message;              /**< ktsnap_last_error() */
  const char *json;                 /**< {"Kind":{...every field...}}; "" for KTSNAP_ERROR_NONE */
  const char *requested;            /**< the name, path, tag or operation asked for */
  const char *walked;               /**< the path walked before the failing component */
  const char *component;            /**< the failing component (NO_RENDERED: "key"/"value") */
  const char *map;                  /**< the map the error is about */
  const char *expected;             /**< TYPE_MISMATCH: the type asked for */
  const char *actual;               /**< TYPE_MISMATCH / NOT_A_STRUCT: the kind found */
  const char *reason;               /**< free-text cause (see the table) */
  const char *hint;                 /**< what to change, when ktsnap knows ("" otherwise) */
  uint64_t index;                   /**< INDEX_OUT_OF_RANGE: the position asked for */
  uint64_t len;                     /**< entries or slots there were */
  uint32_t cpu;                     /**< PERCPU_SLOT: the CPU asked for */
  uint32_t column;                  /**< 1-based byte column in a query or path; 0 when none */
  uint32_t unmapped;                /**< PERCPU_SLOT: 1 when the slot exists but was unreadable */
  uint32_t _pad;                    /**< reserved, 0 */
  size_t alternative_count;         /**< number of alternatives */
  const char *const *alternatives;  /**< what exists instead, in declaration/capture order */
  size_t sample_key_count;          /**< NO_MATCH: keys shown (at most 3) */
  const char *const *sample_keys;   /**< NO_MATCH: first renderable keys, each cut to 80 characters */
} ktsnap_error_info;

/** Size of ktsnap_error_info in version 1 of this ABI (LP64). */
#define KTSNAP_ERROR_INFO_SIZE_V1 168
/** Initialiser: ktsnap_error_info info = KTSNAP_ERROR_INFO_INIT; */
#if defined(__cplusplus)
#define KTSNAP_ERROR_INFO_INIT \
  { sizeof(ktsnap_error_info), 0, 0u, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0, 0u, 0 }
#else
#define KTSNAP_ERROR_INFO_INIT { .sz = sizeof(ktsnap_error_info) }
#endif

/**
 * Fills `info` (whose `sz` the caller has set) with the details of this
 * thread's last failure; after a success it reports status KTSNAP_OK, kind
 * KTSNAP_ERROR_NONE and empty fields. Only the fields inside `sz` are
 * written (a caller built against an older header gets what it knows).
 * Does not touch the last error, so it may be called right after the
 * failing call and as often as needed. KTSNAP_E_INVALID (without changing
 * the last error) for NULL or sz < sizeof(size_t). Cannot fail otherwise.
 */
KTSNAP_API ktsnap_status ktsnap_last_error_info(ktsnap_error_info *info) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Snapshot views (spec/views.md)                                            */
/* ------------------------------------------------------------------------ */

/**
 * A view of one report: maps by name, globals by name, the projection to
 * the attached scheduler, the scheduler stats JSON. Owned (free with
 * ktsnap_snapshot_free()); it borrows its report, which must outlive it and
 * every value, map and JSON cursor taken from it. A const snapshot may be
 * used by many threads at once (the stats JSON is parsed once, on first
 * use, under a lock).
 */
typedef struct ktsnap_snapshot ktsnap_snapshot;

/** "No CPU": for per-CPU maps, the entry is not narrowed to one slot. */
#define KTSNAP_NO_CPU UINT32_MAX

/** An unfiltered view of every map of `report`, in capture order. */
KTSNAP_API ktsnap_status ktsnap_snapshot_new(ktsnap_snapshot **out, const ktsnap_report *report) KTSNAP_NOEXCEPT;

/**
 * The view of the scheduler that is attached (the report's active
 * scheduler): its maps only, and when the capture recorded the attached
 * programs' map addresses, only those. Errors: KTSNAP_E_NOTFOUND with kind
 * NO_ACTIVE_SCHEDULER, KTSNAP_E_UNSUPPORTED with PLACEHOLDER_SNAPSHOT.
 */
KTSNAP_API ktsnap_status ktsnap_snapshot_active(ktsnap_snapshot **out, const ktsnap_snapshot *snap) KTSNAP_NOEXCEPT;

/** Frees a snapshot; NULL is ignored. */
KTSNAP_API void ktsnap_snapshot_free(ktsnap_snapshot *snap) KTSNAP_NOEXCEPT;

/** The report this snapshot views (borrowed); NULL for NULL. */
KTSNAP_API const ktsnap_report *ktsnap_snapshot_report(const ktsnap_snapshot *snap) KTSNAP_NOEXCEPT;

/** True for views made by ktsnap_snapshot_active(). */
KTSNAP_API bool ktsnap_snapshot_is_filtered(const ktsnap_snapshot *snap) KTSNAP_NOEXCEPT;

/** The scheduler (object) name of a filtered view; "" otherwise. Borrowed. */
KTSNAP_API const char *ktsnap_snapshot_active_obj(const ktsnap_snapshot *snap) KTSNAP_NOEXCEPT;

/** Number of maps this view admits. */
KTSNAP_API size_t ktsnap_snapshot_map_count(const ktsnap_snapshot *snap) KTSNAP_NOEXCEPT;

/**
 * Admitted map number `idx` (capture order), borrowed from the report; NULL
 * with KTSNAP_E_RANGE in the last error when idx is past the end.
 */
KTSNAP_API const ktsnap_map *ktsnap_snapshot_map_at(const ktsnap_snapshot *snap, size_t idx) KTSNAP_NOEXCEPT;

/**
 * The first admitted map named exactly `name`. KTSNAP_E_NOTFOUND with kind
 * MAP_NOT_FOUND (alternatives: the admitted maps) or
 * ACTIVE_FILTER_EXCLUDED_MAPS (the name exists but the active filter left
 * it out); PLACEHOLDER_SNAPSHOT for a placeholder report.
 */
KTSNAP_API ktsnap_status ktsnap_snapshot_map(const ktsnap_map **out, const ktsnap_snapshot *snap,
                                             const char *name) KTSNAP_NOEXCEPT;

/**
 * The global variable `name` from the .bss, .data, .rodata and .data.*
 * sections of the admitted maps (no dots in `name`: walk further with
 * ktsnap_value_walk()). Errors: VAR_NOT_FOUND (alternatives: the variables
 * that exist, sorted), AMBIGUOUS_VAR (alternatives: the maps holding it;
 * use ktsnap_snapshot_active() or a picker), PLACEHOLDER_SNAPSHOT.
 */
KTSNAP_API ktsnap_status ktsnap_snapshot_var(ktsnap_value *out, const ktsnap_snapshot *snap,
                                             const char *name) KTSNAP_NOEXCEPT;

/** ktsnap_snapshot_active() then ktsnap_snapshot_var(), in one call. */
KTSNAP_API ktsnap_status ktsnap_snapshot_live_var(ktsnap_value *out, const ktsnap_snapshot *snap,
                                                  const char *name) KTSNAP_NOEXCEPT;

/** One copy of a global variable: the map it is in and its value. */
typedef struct ktsnap_var_candidate {
  const ktsnap_map *map; /**< borrowed from the report */
  ktsnap_value value;    /**< the variable */
} ktsnap_var_candidate;

/**
 * Every copy of global `name` in the admitted maps, in capture order: up
 * to `cap` into `out` (which may be NULL when cap is 0); *count_out gets
 * the number of copies. KTSNAP_E_RANGE when they do not all fit (the first
 * `cap` are written). No copy is not an error: *count_out is 0.
 */
KTSNAP_API ktsnap_status ktsnap_snapshot_vars(ktsnap_var_candidate *out, size_t cap, size_t *count_out,
                                              const ktsnap_snapshot *snap, const char *name) KTSNAP_NOEXCEPT;

/**
 * Chooses among copies of one global: returns the index of the chosen
 * candidate, or a negative number for "none qualifies". Called on the
 * calling thread before the ktsnap function returns; it must not call
 * ktsnap functions that take the same snapshot mutably (none exist) and
 * must not unwind (no C++ exception, no longjmp) through the library.
 */
typedef int64_t (*ktsnap_var_picker)(const ktsnap_var_candidate *candidates, size_t count,
                                     void *user_data);

/**
 * The built-in picker of spec/views.md §2.6: the candidate with the
 * largest value read as u64 (candidates that do not read as u64 are
 * skipped); ties pick the last. Usable as a ktsnap_var_picker.
 */
KTSNAP_API int64_t ktsnap_pick_max_counter(const ktsnap_var_candidate *candidates, size_t count,
                                           void *user_data) KTSNAP_NOEXCEPT;

/**
 * Every copy of global `name` in this view, one of them chosen by `picker`
 * (called once when there is at least one copy). Errors: VAR_NOT_FOUND
 * when there is no copy (alternatives: the global-section maps);
 * PROJECTION_FAILED when the picker chooses none or returns an index past
 * the end; KTSNAP_E_INVALID for a NULL picker. A failure inside the picker
 * (a ktsnap call it made) does not become this call's error.
 */
KTSNAP_API ktsnap_status ktsnap_snapshot_live_var_via(ktsnap_value *out, const ktsnap_snapshot *snap, const char *name,
                                                      ktsnap_var_picker picker, void *user_data) KTSNAP_NOEXCEPT;

/** One map holding every requested global: their values in request order. */
typedef struct ktsnap_var_row {
  const ktsnap_map *map;      /**< borrowed from the report */
  const ktsnap_value *values; /**< `count` values, valid during the picker call */
  size_t count;               /**< number of names requested */
} ktsnap_var_row;

/** Chooses one row: its index, or a negative number for none. Same rules as ktsnap_var_picker. */
typedef int64_t (*ktsnap_row_picker)(const ktsnap_var_row *rows, size_t count, void *user_data);

/**
 * The built-in row picker of spec/views.md §2.6: the row with the largest
 * saturating sum of its values read as u64 (a row with any value that does
 * not read as u64 is skipped); ties pick the last.
 */
KTSNAP_API int64_t ktsnap_pick_max_sum(const ktsnap_var_row *rows, size_t count, void *user_data) KTSNAP_NOEXCEPT;

/**
 * Several globals read from one copy: the maps holding all of `names`
 * become rows, `picker` chooses one, and its values go to out[0..count) in
 * the order of `names`; *map_out (may be NULL) gets the chosen map.
 * Errors: VAR_NOT_FOUND when no map holds them all (requested lists the
 * names, alternatives the global-section maps); PROJECTION_FAILED when
 * `count` is 0 or the picker chooses none; KTSNAP_E_INVALID for NULL
 * arguments.
 */
KTSNAP_API ktsnap_status ktsnap_snapshot_live_vars_via(ktsnap_value *out, const ktsnap_map **map_out,
                                                       const ktsnap_snapshot *snap, const char *const *names,
                                                       size_t count, ktsnap_row_picker picker,
                                                       void *user_data) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Paths and typed reads with the view layer's rules                         */
/* ------------------------------------------------------------------------ */

/**
 * Walks a dotted path from `value` with the view walker (spec/views.md
 * §2.4): components split on '.', no empty component, pointers followed
 * into captured memory before each component (at most 17 in a row),
 * struct, union and section members matched exactly (anonymous members
 * flattened); a pointer at the end is not followed. "" returns `value`.
 * Errors: FIELD_NOT_FOUND (walked, component, alternatives = the members
 * there, in declaration order), NOT_A_STRUCT, EMPTY_PATH_COMPONENT.
 * (ktsnap_value_get() is the value layer's walker: it also takes [i].)
 */
KTSNAP_API ktsnap_status ktsnap_value_walk(ktsnap_value *out, const ktsnap_value *value,
                                           const char *path) KTSNAP_NOEXCEPT;

/** @{ */
/**
 * Walk `path` (as ktsnap_value_walk(); "" or NULL for the value itself),
 * then convert with the rules of spec/views.md §4.2: u64 takes unsigned
 * integers, chars, bools, pointers and non-negative signed values; i64
 * signed, enums, chars, bools and unsigned values up to INT64_MAX; f64
 * floats, integers and enums; bool any integer (non-zero); str the name
 * of an enum's variant (borrowed from the report's BTF). A value that does
 * not convert is KTSNAP_E_TYPE with kind TYPE_MISMATCH (requested = path,
 * expected, actual = its kind, "Truncated" for a scalar cut short).
 */
KTSNAP_API ktsnap_status ktsnap_value_read_u64(uint64_t *out, const ktsnap_value *value,
                                               const char *path) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_value_read_i64(int64_t *out, const ktsnap_value *value,
                                               const char *path) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_value_read_f64(double *out, const ktsnap_value *value,
                                               const char *path) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_value_read_bool(bool *out, const ktsnap_value *value,
                                                const char *path) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_value_read_str(const char **out, const ktsnap_value *value,
                                               const char *path) KTSNAP_NOEXCEPT;
/** @} */

/** @{ */
/**
 * Array reads with the view rules (pointers followed to the array): every
 * element converted as the scalar read does; the first element that does
 * not convert fails the call with TYPE_MISMATCH. Up to `cap` elements go
 * to `out` (NULL when cap is 0); *count_out gets the array's length;
 * KTSNAP_E_RANGE when it is longer than cap (the first cap are written).
 */
KTSNAP_API ktsnap_status ktsnap_value_read_u64_array(uint64_t *out, size_t cap, size_t *count_out,
                                                     const ktsnap_value *value, const char *path) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_value_read_u32_array(uint32_t *out, size_t cap, size_t *count_out,
                                                     const ktsnap_value *value, const char *path) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_value_read_i64_array(int64_t *out, size_t cap, size_t *count_out,
                                                     const ktsnap_value *value, const char *path) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_value_read_f64_array(double *out, size_t cap, size_t *count_out,
                                                     const ktsnap_value *value, const char *path) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_value_read_bool_array(bool *out, size_t cap, size_t *count_out,
                                                      const ktsnap_value *value, const char *path) KTSNAP_NOEXCEPT;
/** @} */

/* ------------------------------------------------------------------------ */
/* Entries of a map view                                                     */
/* ------------------------------------------------------------------------ */

/** @{ */
/**
 * An entry is named by its map, its position `pos` and, for per-CPU maps,
 * a CPU (KTSNAP_NO_CPU: not narrowed). Positions run from 0 to
 * ktsnap_map_entry_count() - 1; a global section, a one-entry array and a
 * struct_ops map have the single position 0. For maps that are not per-CPU
 * the CPU is ignored.
 *
 * ktsnap_entry_get() walks the value side. Errors, in the order they are
 * checked: MAP_RENDER_INCOMPLETE (the map failed to read and holds no
 * entry), INDEX_OUT_OF_RANGE, PERCPU_SLOT (cpu past the slots, or a slot
 * that was not captured: unreadable, not zero), PERCPU_NOT_NARROWED (a
 * per-CPU value read with KTSNAP_NO_CPU: narrow it, or aggregate with
 * ktsnap_entry_cpu_agg_*), NO_RENDERED (no BTF for the value), then the
 * errors of ktsnap_value_walk().
 *
 * ktsnap_entry_key() walks the key side (the CPU does not matter). A
 * per-CPU array's key is its u32 index. A single-value source (a global
 * section, a one-entry array, a struct_ops map) has no key: KTSNAP_E_TYPE
 * with kind TYPE_MISMATCH.
 */
KTSNAP_API ktsnap_status ktsnap_entry_get(ktsnap_value *out, const ktsnap_map *map, uint64_t pos, uint32_t cpu,
                                          const char *path) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_entry_key(ktsnap_value *out, const ktsnap_map *map, uint64_t pos,
                                          const char *path) KTSNAP_NOEXCEPT;
/** @} */

/* Per-CPU aggregate operations. Numbers are fixed forever. */
#define KTSNAP_AGG_SUM 0u /**< sum: u64 saturates, i64 saturates per step, f64 IEEE (NaN spreads) */
#define KTSNAP_AGG_MAX 1u /**< maximum; f64 ignores NaN unless every slot is NaN */
#define KTSNAP_AGG_MIN 2u /**< minimum; f64 ignores NaN unless every slot is NaN */

/** @{ */
/**
 * One per-CPU entry (any narrowing ignored): `path` read in every slot that
 * was captured, converted as ktsnap_value_read_*, and combined with `op`.
 * Slots that were not captured are skipped; no contributing slot is an
 * error (NO_MATCH), never 0. A slot whose value does not convert fails the
 * call with its error. The map must be per-CPU (else KTSNAP_E_TYPE).
 */
KTSNAP_API ktsnap_status ktsnap_entry_cpu_agg_u64(uint64_t *out, const ktsnap_map *map, uint64_t pos,
                                                  const char *path, uint32_t op) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_entry_cpu_agg_i64(int64_t *out, const ktsnap_map *map, uint64_t pos,
                                                  const char *path, uint32_t op) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_entry_cpu_agg_f64(double *out, const ktsnap_map *map, uint64_t pos,
                                                  const char *path, uint32_t op) KTSNAP_NOEXCEPT;
/** @} */

/* ------------------------------------------------------------------------ */
/* Predicate queries                                                         */
/* ------------------------------------------------------------------------ */

/**
 * A predicate compiled once for one map, then checked against entries with
 * no allocation. Owned (ktsnap_query_free()); borrows the map's report.
 * Immutable after compilation: any number of threads may use it.
 *
 * Language: paths on the value side by default (`ctx.weight.value`, `a[2]`,
 * `value` for the whole value) and on the key side with `key` / `key.x`;
 * `== != < <= > >=`; integers (decimal, 0x hex, negative), floats, strings
 * in double quotes (against char arrays, and against enums by variant
 * name) and true / false; `&&`, `||`, `!` and parentheses. A path alone is
 * true when non-zero. Comparisons are exact across signedness; an integer
 * against a float compares as double. A path may end at a pointer (its
 * address) but not cross one.
 *
 * Per-CPU maps: value-side paths read the slot of the CPU given to each
 * call (one CPU per call, below ktsnap_map_nr_cpus(); KTSNAP_NO_CPU and
 * larger numbers are KTSNAP_E_RANGE: loop over the CPUs for "any CPU"); a
 * slot that was not captured makes every test that reads it false. For
 * other maps the CPU is ignored.
 */
typedef struct ktsnap_query ktsnap_query;

/**
 * Compiles `expr` for `map`. Errors name the 1-based column
 * (ktsnap_error_info.column) and, for an unknown member, the members that
 * exist there (alternatives): KTSNAP_E_INVALID (syntax), KTSNAP_E_NOTFOUND
 * (unknown member or enum variant), KTSNAP_E_TYPE (comparison of
 * incompatible types), KTSNAP_E_RANGE (a literal out of range, nesting
 * deeper than 64, a path of more than 256 components, an expression longer
 * than 64 KiB), KTSNAP_E_UNSUPPORTED (a path crossing a pointer).
 */
KTSNAP_API ktsnap_status ktsnap_query_compile(ktsnap_query **out, const ktsnap_map *map,
                                              const char *expr) KTSNAP_NOEXCEPT;

/** Frees a query; NULL is ignored. */
KTSNAP_API void ktsnap_query_free(ktsnap_query *query) KTSNAP_NOEXCEPT;

/** The map a query was compiled for (borrowed); NULL for NULL. */
KTSNAP_API const ktsnap_map *ktsnap_query_map(const ktsnap_query *query) KTSNAP_NOEXCEPT;

/** The expression text (borrowed, NUL-terminated); "" for NULL. */
KTSNAP_API const char *ktsnap_query_expression(const ktsnap_query *query) KTSNAP_NOEXCEPT;

/**
 * Whether entry `entry` satisfies the query (CPU slot `cpu` for per-CPU
 * maps). KTSNAP_E_RANGE for an entry past the end or a CPU past the slots.
 */
KTSNAP_API ktsnap_status ktsnap_query_matches(bool *out, const ktsnap_query *query, uint32_t entry,
                                              uint32_t cpu) KTSNAP_NOEXCEPT;

/**
 * The first matching entry. No match is KTSNAP_E_NOTFOUND with kind
 * NO_MATCH (operation "find", len, the first 3 keys shown, with "hex:" keys
 * and a hint when the map has no BTF) or MAP_RENDER_INCOMPLETE for a map
 * that failed to read. KTSNAP_E_RANGE for a CPU past a per-CPU map's slots.
 */
KTSNAP_API ktsnap_status ktsnap_query_find(uint32_t *entry_out, const ktsnap_query *query,
                                           uint32_t cpu) KTSNAP_NOEXCEPT;

/**
 * Every matching entry in order: up to `cap` indexes into `out` (NULL when
 * cap is 0); *count_out gets the number of matches. KTSNAP_E_RANGE when
 * they do not all fit (the first cap are written). No match is not an
 * error.
 */
KTSNAP_API ktsnap_status ktsnap_query_filter(uint32_t *out, size_t cap, size_t *count_out,
                                             const ktsnap_query *query, uint32_t cpu) KTSNAP_NOEXCEPT;

/** The number of matching entries. */
KTSNAP_API ktsnap_status ktsnap_query_count(uint64_t *out, const ktsnap_query *query, uint32_t cpu) KTSNAP_NOEXCEPT;

/** @{ */
/**
 * Among matching entries (compile "true" for all), the one whose
 * `key_path` is largest (max_by) or smallest (min_by) in its type's order;
 * ties keep the first. Entries whose key cannot be read (NaN, a slot not
 * captured) are skipped. None is NO_MATCH (operation "max_by" / "min_by").
 * A key path that is not a number is KTSNAP_E_TYPE.
 */
KTSNAP_API ktsnap_status ktsnap_query_max_by(uint32_t *entry_out, const ktsnap_query *query, const char *key_path,
                                             uint32_t cpu) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_query_min_by(uint32_t *entry_out, const ktsnap_query *query, const char *key_path,
                                             uint32_t cpu) KTSNAP_NOEXCEPT;
/** @} */

/* ------------------------------------------------------------------------ */
/* Bulk reads: columns and per-CPU aggregates over every entry                */
/* ------------------------------------------------------------------------ */

/** Outcome of a bulk read whose arguments were valid. */
typedef struct ktsnap_bulk_result {
  uint32_t failed;        /**< entries that did not convert (their out element is 0) */
  uint32_t first_failure; /**< index of the first of them; UINT32_MAX when none */
  ktsnap_status first_status; /**< its status (KTSNAP_E_RANGE, KTSNAP_E_NOTFOUND); KTSNAP_OK when none */
  uint32_t _reserved;     /**< 0 */
} ktsnap_bulk_result;

/** @{ */
/**
 * Column extraction: `path` (query path syntax: value side, or key side
 * with `key.`) read in every entry of `map` (slot `cpu` of a per-CPU map)
 * into out[0..entry_count). `cap` must be at least
 * ktsnap_map_entry_count(); `status` (NULL, or cap elements) receives 0 or
 * the negative status of each entry's failure: KTSNAP_E_RANGE (out of the
 * target's range), KTSNAP_E_NOTFOUND (the slot was not captured).
 * `result` (may be NULL) gets the summary. The call itself fails with
 * KTSNAP_E_INVALID (short arrays), KTSNAP_E_RANGE (a CPU past the slots),
 * KTSNAP_E_TYPE (the path's type never converts: a float as u64, a
 * struct), or a path compile error.
 */
KTSNAP_API ktsnap_status ktsnap_column_u64(uint64_t *out, size_t cap, int32_t *status, ktsnap_bulk_result *result,
                                           const ktsnap_map *map, const char *path, uint32_t cpu) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_column_i64(int64_t *out, size_t cap, int32_t *status, ktsnap_bulk_result *result,
                                           const ktsnap_map *map, const char *path, uint32_t cpu) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_column_f64(double *out, size_t cap, int32_t *status, ktsnap_bulk_result *result,
                                           const ktsnap_map *map, const char *path, uint32_t cpu) KTSNAP_NOEXCEPT;
/** @} */

/** @{ */
/**
 * The per-CPU aggregate `op` of `path` for every entry of a per-CPU map at
 * once (the combining rules of ktsnap_entry_cpu_agg_*): out[i] is entry
 * i's result, 0 when it failed; per-entry statuses as for columns
 * (KTSNAP_E_NOTFOUND: no slot of that entry was captured). `path` has the
 * query path syntax, as for columns: `value` is the whole slot and "" is
 * KTSNAP_E_INVALID (the one-entry form uses the view walker, where "" is
 * the whole slot).
 */
KTSNAP_API ktsnap_status ktsnap_cpu_agg_u64(uint64_t *out, size_t cap, int32_t *status, ktsnap_bulk_result *result,
                                            const ktsnap_map *map, const char *path, uint32_t op) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_cpu_agg_i64(int64_t *out, size_t cap, int32_t *status, ktsnap_bulk_result *result,
                                            const ktsnap_map *map, const char *path, uint32_t op) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_cpu_agg_f64(double *out, size_t cap, int32_t *status, ktsnap_bulk_result *result,
                                            const ktsnap_map *map, const char *path, uint32_t op) KTSNAP_NOEXCEPT;
/** @} */

/* ------------------------------------------------------------------------ */
/* Scheduler stats JSON                                                      */
/* ------------------------------------------------------------------------ */

/**
 * A position in the scheduler stats JSON of a snapshot: a by-value cursor
 * like ktsnap_value (32 bytes on 64-bit targets, no allocation). Valid
 * while the snapshot it came from (or one made from it by
 * ktsnap_snapshot_active()) lives. Zero-initialised: no value.
 */
typedef struct ktsnap_json {
  const void *_doc;  /**< private */
  uint64_t _a;       /**< private */
  uint64_t _b;       /**< private */
  uint32_t _pad;     /**< private */
  uint32_t _bits;    /**< private */
} ktsnap_json;

/* JSON kinds (ktsnap_json_kind()). */
#define KTSNAP_JSON_INVALID 0u /**< not a value (an empty or failed cursor) */
#define KTSNAP_JSON_NULL 1u    /**< JSON null */
#define KTSNAP_JSON_BOOL 2u    /**< true or false */
#define KTSNAP_JSON_NUMBER 3u  /**< a number (integer or float) */
#define KTSNAP_JSON_STRING 4u  /**< a string */
#define KTSNAP_JSON_ARRAY 5u   /**< an array */
#define KTSNAP_JSON_OBJECT 6u  /**< an object */

/**
 * The stats JSON at `path` (dotted object keys; "" or NULL for the root).
 * The JSON is parsed on first use. Errors: MISSING_STATS (the report has
 * no stats JSON, or it does not parse: reason says why), FIELD_NOT_FOUND
 * (alternatives: the keys there, sorted), NOT_A_STRUCT,
 * EMPTY_PATH_COMPONENT.
 */
KTSNAP_API ktsnap_status ktsnap_snapshot_stats(ktsnap_json *out, const ktsnap_snapshot *snap,
                                               const char *path) KTSNAP_NOEXCEPT;

/** The kind of a JSON value, a KTSNAP_JSON_* number. Cannot fail. */
KTSNAP_API uint32_t ktsnap_json_kind(const ktsnap_json *json) KTSNAP_NOEXCEPT;

/** Walks a dotted path of object keys from `json` ("" = itself). Errors as ktsnap_snapshot_stats(). */
KTSNAP_API ktsnap_status ktsnap_json_get(ktsnap_json *out, const ktsnap_json *json, const char *path) KTSNAP_NOEXCEPT;

/** Number of elements of an array (0 for anything else). */
KTSNAP_API ktsnap_status ktsnap_json_length(size_t *out, const ktsnap_json *json) KTSNAP_NOEXCEPT;

/** Element `i` of an array; KTSNAP_E_RANGE past the end, KTSNAP_E_TYPE for a non-array. */
KTSNAP_API ktsnap_status ktsnap_json_index(ktsnap_json *out, const ktsnap_json *json, size_t i) KTSNAP_NOEXCEPT;

/** @{ */
/**
 * Scalar reads with the coercions of spec/views.md §4.3: integers read
 * exactly (counters above 2^53 stay exact); integral floats convert to
 * integers with saturation; booleans read as 0 / 1; numeric strings are
 * parsed ("42", "+7", "-3", "2.5e3"); ktsnap_json_bool() takes JSON
 * booleans only and ktsnap_json_string() JSON strings only. A value that
 * does not convert is KTSNAP_E_TYPE with kind TYPE_MISMATCH. The string
 * borrows the parsed document (NUL-terminated; *len_out may be NULL).
 */
KTSNAP_API ktsnap_status ktsnap_json_u64(uint64_t *out, const ktsnap_json *json) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_json_i64(int64_t *out, const ktsnap_json *json) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_json_f64(double *out, const ktsnap_json *json) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_json_bool(bool *out, const ktsnap_json *json) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_json_string(const char **out, size_t *len_out, const ktsnap_json *json) KTSNAP_NOEXCEPT;
/** @} */

/** @{ */
/** Array reads with the same coercions; cap / count_out as ktsnap_value_read_u64_array(). */
KTSNAP_API ktsnap_status ktsnap_json_u64_array(uint64_t *out, size_t cap, size_t *count_out,
                                               const ktsnap_json *json) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_json_u32_array(uint32_t *out, size_t cap, size_t *count_out,
                                               const ktsnap_json *json) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_json_i64_array(int64_t *out, size_t cap, size_t *count_out,
                                               const ktsnap_json *json) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_json_f64_array(double *out, size_t cap, size_t *count_out,
                                               const ktsnap_json *json) KTSNAP_NOEXCEPT;
KTSNAP_API ktsnap_status ktsnap_json_bool_array(bool *out, size_t cap, size_t *count_out,
                                                const ktsnap_json *json) KTSNAP_NOEXCEPT;
/** @} */

/* ------------------------------------------------------------------------ */
/* Live capture from kernel BPF maps                                         */
/* ------------------------------------------------------------------------ */

/* A BPF object loaded by the caller with libbpf (libbpf's type; this header
 * does not include libbpf). */
struct bpf_object;

/* ktsnap_capture_opts.flags */
#define KTSNAP_CAPTURE_ALL 1u     /**< select every map of the machine */
#define KTSNAP_CAPTURE_NO_MMAP 2u /**< never read BPF_F_MMAPABLE arrays through mmap */

/**
 * What to capture and how. The selected maps are the union of every
 * non-empty selector (each map once, in the order first selected); nothing
 * selected is KTSNAP_E_INVALID.
 */
typedef struct ktsnap_capture_opts {
  size_t sz;                         /**< sizeof as the caller knows it */
  const uint32_t *map_ids;           /**< map ids (map_id_count of them) */
  size_t map_id_count;               /**< number of map_ids */
  const char *const *pinned_paths;   /**< bpffs paths of pinned maps */
  size_t pinned_path_count;          /**< number of pinned_paths */
  const uint32_t *prog_ids;          /**< every map each program uses */
  size_t prog_id_count;              /**< number of prog_ids */
  const char *name_prefix;           /**< every map whose name starts with it; NULL or "" = none */
  const struct bpf_object *object;   /**< every created map of a loaded libbpf object; NULL = none.
                                          Read with the libbpf libktsnap links (bpf_object__for_each_map):
                                          the object must come from an ABI-compatible libbpf */
  const char *tag;                   /**< report tag; NULL = "" */
  const char *active_scheduler;      /**< object to mark active; NULL = from struct_ops_map_id, else none */
  uint64_t deadline_ns;              /**< whole-capture deadline; 0 = none */
  uint32_t struct_ops_map_id;        /**< a sched_ext scheduler: its programs, then all their maps; 0 = none */
  uint32_t max_entries_per_map;      /**< 0 = no cap; a capped map gets KTSNAP_MAP_TRUNCATED */
  uint32_t trigger;                  /**< KTSNAP_TRIGGER_* */
  uint32_t flags;                    /**< KTSNAP_CAPTURE_* bits; unknown bits are rejected */
} ktsnap_capture_opts;

/** sizeof(ktsnap_capture_opts) in the first version of the library that has it. */
#define KTSNAP_CAPTURE_OPTS_SIZE_V1 112

/** Initialiser for ktsnap_capture_opts: nothing selected, sz set. */
#ifdef __cplusplus
#define KTSNAP_CAPTURE_OPTS_INIT \
  { sizeof(ktsnap_capture_opts), 0, 0u, 0, 0u, 0, 0u, 0, 0, 0, 0, 0u, 0u, 0u, 0u, 0u }
#else
#define KTSNAP_CAPTURE_OPTS_INIT { .sz = sizeof(ktsnap_capture_opts) }
#endif

/** Zeroes `opts` and sets its sz (equal to KTSNAP_CAPTURE_OPTS_INIT). */
KTSNAP_API ktsnap_status ktsnap_capture_opts_init(ktsnap_capture_opts *opts, size_t sz) KTSNAP_NOEXCEPT;

/**
 * Counters of one capture. The caller sets `sz` (sizeof, or
 * KTSNAP_CAPTURE_STATS_SIZE_V1); the library writes only the fields inside
 * it, so a caller built against an older header gets what it knows.
 */
typedef struct ktsnap_capture_stats {
  size_t sz;               /**< set by the caller: sizeof or KTSNAP_CAPTURE_STATS_SIZE_V1 */
  uint32_t maps_read;      /**< maps read (with or without an error) */
  uint32_t maps_excluded;  /**< maps recorded as excluded, with a reason */
  uint32_t maps_failed;    /**< maps with an error recorded */
  uint32_t maps_truncated; /**< maps cut at max_entries_per_map */
  uint64_t entries;        /**< entries read */
  uint64_t bytes;          /**< key and value bytes read */
  uint32_t btfs;           /**< distinct BTF objects stored */
  uint32_t batch_calls;    /**< bpf_map_lookup_batch calls */
  uint32_t elem_calls;     /**< bpf_map_lookup_elem calls */
  uint32_t _reserved;      /**< 0 */
  uint64_t elapsed_ns;     /**< wall time of the capture */
} ktsnap_capture_stats;

/** sizeof(ktsnap_capture_stats) in the first version of the library that has it. */
#define KTSNAP_CAPTURE_STATS_SIZE_V1 64

/** Initialiser: ktsnap_capture_stats st = KTSNAP_CAPTURE_STATS_INIT; */
#if defined(__cplusplus)
#define KTSNAP_CAPTURE_STATS_INIT { sizeof(ktsnap_capture_stats), 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u }
#else
#define KTSNAP_CAPTURE_STATS_INIT { .sz = sizeof(ktsnap_capture_stats) }
#endif

/**
 * Reads the selected kernel maps into a new report (owned; free it with
 * ktsnap_report_free()). Maps whose type cannot be enumerated become
 * excluded maps with a reason (ktsnap_capture_excluded_reason()); a map that
 * fails part-way keeps what was read, with the error on the map
 * (ktsnap_map_error(); "deadline exceeded" for maps the deadline stopped).
 * Kernel BTF is stored once per BTF object; maps are grouped into
 * schedulers by BTF and object name. Errors of the call, *out NULL:
 * KTSNAP_E_INVALID (nothing selected, bad options, `stats` with sz <
 * sizeof(size_t)), KTSNAP_E_NOTFOUND (a map id, program id, struct_ops map
 * id or path that does not exist, a map deleted before it was opened, a
 * name prefix no map name starts with: the message names some maps that
 * exist), KTSNAP_E_PERM (no
 * permission to use bpf(): needs root or CAP_BPF + CAP_SYS_ADMIN),
 * KTSNAP_E_TYPE (a pinned path that is not a map, a struct_ops_map_id that
 * is not a struct_ops map), KTSNAP_E_IO. `stats` may be NULL; its `sz`
 * is set by the caller; it is filled on success and zeroed or partly
 * filled on failure.
 * Thread-safe: concurrent captures share nothing.
 */
KTSNAP_API ktsnap_status ktsnap_capture(ktsnap_report **out, const ktsnap_capture_opts *opts,
                                        ktsnap_capture_stats *stats) KTSNAP_NOEXCEPT;

/** One kernel map, as ktsnap_kernel_maps() lists it. Strings are owned by the list. */
typedef struct ktsnap_kernel_map {
  uint32_t id;               /**< map id */
  uint32_t type;             /**< BPF_MAP_TYPE_* */
  uint32_t key_size;         /**< bytes */
  uint32_t value_size;       /**< bytes (one CPU's slot for per-CPU maps) */
  uint32_t max_entries;      /**< as created */
  uint32_t map_flags;        /**< BPF_F_* flags as created */
  uint32_t btf_id;           /**< 0 without BTF */
  uint32_t _reserved;        /**< 0 */
  int64_t entries;           /**< entries now (capped by count_limit); -1 when not countable */
  const char *type_name;     /**< "hash", "percpu_array", ... */
  const char *name;          /**< the map's name (at most 15 characters) */
  const char *key_type;      /**< type name from BTF; "" without BTF */
  const char *value_type;    /**< type name from BTF; "" without BTF */
} ktsnap_kernel_map;

/** A list of kernel maps (owned; ktsnap_kernel_map_list_free()). */
typedef struct ktsnap_kernel_map_list ktsnap_kernel_map_list;

/**
 * Every map of the machine, by id. `count_limit` bounds the entries counted
 * per map (0: do not count; entries is then -1). KTSNAP_E_PERM without the
 * needed capabilities.
 */
KTSNAP_API ktsnap_status ktsnap_kernel_maps(ktsnap_kernel_map_list **out, uint32_t count_limit) KTSNAP_NOEXCEPT;
/** Number of maps in the list; 0 for NULL. */
KTSNAP_API size_t ktsnap_kernel_map_list_count(const ktsnap_kernel_map_list *list) KTSNAP_NOEXCEPT;
/** Map `idx` of the list (borrowed, valid while the list lives); NULL past the end. */
KTSNAP_API const ktsnap_kernel_map *ktsnap_kernel_map_list_at(const ktsnap_kernel_map_list *list,
                                                              size_t idx) KTSNAP_NOEXCEPT;
/** Frees a list; NULL is ignored. */
KTSNAP_API void ktsnap_kernel_map_list_free(ktsnap_kernel_map_list *list) KTSNAP_NOEXCEPT;

/**
 * Why maps of type `map_type` (BPF_MAP_TYPE_*) cannot be captured, or ""
 * when they can. Borrowed static string. Does not touch the last error.
 */
KTSNAP_API const char *ktsnap_capture_excluded_reason(uint32_t map_type) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Shared-memory report rings                                                */
/* ------------------------------------------------------------------------ */

/*
 * A ring is a named POSIX shared-memory segment that carries reports from
 * one producer to up to KTSNAP_RING_MAX_CONSUMERS consumers, each with its
 * own position. Its mapped layout is versioned separately from the soname
 * (docs/RING.md). A consumer opens each report in place (no copy; the
 * report is verified) and the record is released when that report handle
 * is freed. Every process using a ring must share one pid namespace (dead
 * processes are detected by pid and start time).
 *
 * Timeouts are in nanoseconds: 0 does not wait, a negative value waits
 * without bound.
 */

/** An open (mapped) ring. Owned; release with ktsnap_ring_free(). */
typedef struct ktsnap_ring ktsnap_ring;
/** The producer end of a ring. Owned; one thread at a time. */
typedef struct ktsnap_producer ktsnap_producer;
/** A consumer of a ring. Owned; one thread at a time (its reports may be freed on any thread). */
typedef struct ktsnap_consumer ktsnap_consumer;

/** Most consumers a ring can register. */
#define KTSNAP_RING_MAX_CONSUMERS 16u
/** Format version of the mapped ring layout this library reads and writes. */
#define KTSNAP_RING_FORMAT_VERSION 1u

/** Backpressure policy (ktsnap_ring_opts.policy): a full ring makes the producer wait, bounded by its timeout. */
#define KTSNAP_RING_POLICY_WAIT 0u
/** Backpressure policy: a full ring refuses the record (KTSNAP_E_AGAIN) and counts the drop. */
#define KTSNAP_RING_POLICY_DROP 1u

/** Options for ktsnap_ring_create(). */
typedef struct ktsnap_ring_opts {
  size_t sz;              /**< sizeof(ktsnap_ring_opts) as the caller knows it */
  uint64_t size_bytes;    /**< data area bytes, rounded up to 8; 0 = 1 MiB; at least 64 */
  uint32_t max_consumers; /**< 1..KTSNAP_RING_MAX_CONSUMERS; 0 = KTSNAP_RING_MAX_CONSUMERS */
  uint32_t policy;        /**< KTSNAP_RING_POLICY_* */
  uint32_t mode;          /**< permission bits of the segment; 0 = 0600 */
  uint32_t flags;         /**< none defined yet: must be zero */
} ktsnap_ring_opts;

/** Size of ktsnap_ring_opts in version 1.0 of the ABI. */
#define KTSNAP_RING_OPTS_SIZE_V1 32

/** Initialiser for ktsnap_ring_opts: defaults, sz set. */
#ifdef __cplusplus
#define KTSNAP_RING_OPTS_INIT { sizeof(ktsnap_ring_opts), 0u, 0u, 0u, 0u, 0u }
#else
#define KTSNAP_RING_OPTS_INIT { .sz = sizeof(ktsnap_ring_opts) }
#endif

/**
 * Fills *opts with defaults (zeroes sz bytes, stores sz). Equals
 * KTSNAP_RING_OPTS_INIT byte for byte.
 * Errors: KTSNAP_E_INVALID when opts is NULL or sz < sizeof(size_t).
 */
KTSNAP_API ktsnap_status ktsnap_ring_opts_init(ktsnap_ring_opts *opts, size_t sz) KTSNAP_NOEXCEPT;

/**
 * Creates the named ring segment (mode 0600 unless opts says otherwise)
 * and maps it. `name` is a POSIX shared-memory name without '/'
 * (1 to 239 bytes). out: owned handle, release with ktsnap_ring_free();
 * the segment stays until ktsnap_ring_unlink().
 * Errors: KTSNAP_E_INVALID (NULL out/name, bad name, bad opts, unknown
 * policy or flags), KTSNAP_E_RANGE (size or max_consumers out of range),
 * KTSNAP_E_BUSY (a segment of that name exists), KTSNAP_E_PERM or
 * KTSNAP_E_IO with ktsnap_last_errno(), KTSNAP_E_NOMEM. Thread-safe.
 */
KTSNAP_API ktsnap_status ktsnap_ring_create(ktsnap_ring **out, const char *name,
                                            const ktsnap_ring_opts *opts) KTSNAP_NOEXCEPT;

/**
 * Opens and maps an existing ring and checks its header.
 * out: owned handle, release with ktsnap_ring_free().
 * Errors: KTSNAP_E_INVALID (NULL argument, bad name), KTSNAP_E_NOTFOUND (no
 * such segment), KTSNAP_E_PERM / KTSNAP_E_IO with ktsnap_last_errno(),
 * KTSNAP_E_VERSION (another ring format version), KTSNAP_E_FORMAT (bad
 * magic, non-zero reserved bytes, header size or capacity that does not
 * fit the segment), KTSNAP_E_NOMEM. Thread-safe.
 */
KTSNAP_API ktsnap_status ktsnap_ring_open(ktsnap_ring **out, const char *name) KTSNAP_NOEXCEPT;

/**
 * Releases a ring handle. Producers, consumers and reports opened from it
 * keep the mapping alive until they are freed. NULL is ignored.
 */
KTSNAP_API void ktsnap_ring_free(ktsnap_ring *ring) KTSNAP_NOEXCEPT;

/**
 * Removes the segment's name. Processes that have it mapped go on using it.
 * Errors: KTSNAP_E_INVALID (NULL or bad name), KTSNAP_E_NOTFOUND,
 * KTSNAP_E_PERM / KTSNAP_E_IO with ktsnap_last_errno(). Thread-safe.
 */
KTSNAP_API ktsnap_status ktsnap_ring_unlink(const char *name) KTSNAP_NOEXCEPT;

/** State of a ring (filled by ktsnap_ring_stat()); an sz-first output struct. */
typedef struct ktsnap_ring_info {
  size_t sz;                   /**< set by the caller: sizeof(ktsnap_ring_info) as it knows it */
  uint64_t capacity;           /**< data area bytes */
  uint64_t head;               /**< committed (producer) position */
  uint64_t tail;               /**< position of the slowest registered consumer (head when none) */
  uint64_t records;            /**< records committed since the ring was created */
  uint64_t drops;              /**< records refused under the drop policy */
  uint32_t policy;             /**< KTSNAP_RING_POLICY_* */
  uint32_t format_version;     /**< KTSNAP_RING_FORMAT_VERSION */
  uint32_t max_consumers;      /**< consumer slots */
  uint32_t consumer_count;     /**< registered consumers */
  uint32_t producer_pid;       /**< 0 when no producer holds the ring */
  uint32_t reserved;           /**< zero */
  uint64_t consumer_position[16]; /**< per slot: released position (0 for a free slot) */
  uint32_t consumer_pid[16];      /**< per slot: owner pid, 0 for a free slot */
} ktsnap_ring_info;

/** Size of ktsnap_ring_info in version 1.0 of the ABI. */
#define KTSNAP_RING_INFO_SIZE_V1 264

/**
 * A snapshot of the ring's header: positions, counts, consumers. Fields
 * lying wholly inside out->sz are written, nothing past it.
 * Errors: KTSNAP_E_INVALID (NULL argument, out->sz < sizeof(size_t)).
 * Thread-safe.
 */
KTSNAP_API ktsnap_status ktsnap_ring_stat(ktsnap_ring_info *out, const ktsnap_ring *ring) KTSNAP_NOEXCEPT;

/**
 * Becomes the ring's producer. A producer that died is replaced (what it
 * left uncommitted is never visible). out: owned, release with
 * ktsnap_producer_free(); one thread at a time.
 * Errors: KTSNAP_E_INVALID (NULL argument), KTSNAP_E_BUSY (a live producer,
 * in this or another process, holds the ring), KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_producer_open(ktsnap_producer **out, ktsnap_ring *ring) KTSNAP_NOEXCEPT;

/** Gives up the producer slot (an open reservation is discarded). NULL is ignored. */
KTSNAP_API void ktsnap_producer_free(ktsnap_producer *producer) KTSNAP_NOEXCEPT;

/**
 * Reserves space for a record of `size` bytes and points *out at it
 * (8-byte aligned, inside the mapping, borrowed until commit or discard).
 * Write a whole report buffer there, then ktsnap_producer_commit().
 * Under the wait policy a full ring waits up to timeout_ns for the slowest
 * consumer; under the drop policy it fails at once and the drop is counted
 * (and its sequence number is skipped).
 * Errors: KTSNAP_E_INVALID (NULL argument, a reservation already open),
 * KTSNAP_E_RANGE (a record this large can never fit the ring),
 * KTSNAP_E_TIMEOUT (wait policy), KTSNAP_E_AGAIN (drop policy).
 */
KTSNAP_API ktsnap_status ktsnap_producer_reserve(void **out, ktsnap_producer *producer, size_t size,
                                                 int64_t timeout_ns) KTSNAP_NOEXCEPT;

/**
 * Makes the reserved record visible to consumers and wakes them.
 * Errors: KTSNAP_E_INVALID (NULL producer, nothing reserved).
 */
KTSNAP_API ktsnap_status ktsnap_producer_commit(ktsnap_producer *producer) KTSNAP_NOEXCEPT;

/**
 * Drops the open reservation; nothing becomes visible and no sequence
 * number is used. Errors: KTSNAP_E_INVALID (NULL producer, nothing reserved).
 */
KTSNAP_API ktsnap_status ktsnap_producer_discard(ktsnap_producer *producer) KTSNAP_NOEXCEPT;

/**
 * Publishes a report: one copy of its bytes into the ring
 * (reserve + memcpy + commit). The report is not changed or taken.
 * Errors: as ktsnap_producer_reserve().
 */
KTSNAP_API ktsnap_status ktsnap_producer_publish(ktsnap_producer *producer, const ktsnap_report *report,
                                                 int64_t timeout_ns) KTSNAP_NOEXCEPT;

/**
 * Publishes `size` bytes that hold a report buffer (consumers verify it
 * when they open it). Errors: as ktsnap_producer_reserve(), and
 * KTSNAP_E_INVALID for NULL data with a non-zero size.
 */
KTSNAP_API ktsnap_status ktsnap_producer_publish_bytes(ktsnap_producer *producer, const void *data, size_t size,
                                                       int64_t timeout_ns) KTSNAP_NOEXCEPT;

/**
 * ktsnap_consumer_opts.flags: copy each payload out of the ring before
 * verifying it, and release the record at once. For producers that are
 * not trusted to leave a committed record alone.
 */
#define KTSNAP_CONSUMER_COPY 0x1u

/** Options for ktsnap_consumer_open(). */
typedef struct ktsnap_consumer_opts {
  size_t sz;           /**< sizeof(ktsnap_consumer_opts) as the caller knows it */
  uint32_t flags;      /**< KTSNAP_CONSUMER_* bits; unknown bits are rejected */
  uint8_t reserved[4]; /**< must be zero */
} ktsnap_consumer_opts;

/** Size of ktsnap_consumer_opts in version 1.0 of the ABI. */
#define KTSNAP_CONSUMER_OPTS_SIZE_V1 16

/** Initialiser for ktsnap_consumer_opts: defaults, sz set. */
#ifdef __cplusplus
#define KTSNAP_CONSUMER_OPTS_INIT { sizeof(ktsnap_consumer_opts), 0u, { 0, 0, 0, 0 } }
#else
#define KTSNAP_CONSUMER_OPTS_INIT { .sz = sizeof(ktsnap_consumer_opts) }
#endif

/**
 * Fills *opts with defaults. Errors: KTSNAP_E_INVALID when opts is NULL or
 * sz < sizeof(size_t).
 */
KTSNAP_API ktsnap_status ktsnap_consumer_opts_init(ktsnap_consumer_opts *opts, size_t sz) KTSNAP_NOEXCEPT;

/**
 * Registers a consumer; it starts at the current committed position (it
 * sees records committed from now on). Slots of consumers that died are
 * reclaimed. out: owned, release with ktsnap_consumer_free(). opts may be
 * NULL.
 * Errors: KTSNAP_E_INVALID (NULL argument, bad opts), KTSNAP_E_BUSY (every
 * slot is held by a live consumer), KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_consumer_open(ktsnap_consumer **out, ktsnap_ring *ring,
                                              const ktsnap_consumer_opts *opts) KTSNAP_NOEXCEPT;

/**
 * Releases a consumer handle. Its slot is freed once every report it handed
 * out has been freed too. NULL is ignored.
 */
KTSNAP_API void ktsnap_consumer_free(ktsnap_consumer *consumer) KTSNAP_NOEXCEPT;

/**
 * The next report, opened in place on its record (zero copies; verified).
 * out: owned, release with ktsnap_report_free(), which releases the record
 * to the producer. Records are released in order: the consumer's position
 * moves over the longest prefix of freed reports.
 * Errors: KTSNAP_E_INVALID (NULL argument), KTSNAP_E_AGAIN (timeout_ns 0 and
 * no record), KTSNAP_E_TIMEOUT (no record in time), KTSNAP_E_FORMAT (a
 * record that does not verify: it is skipped and released; or a corrupt
 * segment), KTSNAP_E_VERSION, KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_consumer_next(ktsnap_report **out, ktsnap_consumer *consumer,
                                              int64_t timeout_ns) KTSNAP_NOEXCEPT;

/**
 * Up to `cap` reports in one call: waits up to timeout_ns for the first,
 * then takes what is already committed. out[0 .. *n_out) are owned (free
 * each with ktsnap_report_free()).
 * Errors: as ktsnap_consumer_next() when no report is returned; a failure
 * after the first report ends the batch with KTSNAP_OK and is returned by
 * the next call. KTSNAP_E_INVALID for NULL out/n_out/consumer or cap 0.
 */
KTSNAP_API ktsnap_status ktsnap_consumer_next_batch(ktsnap_report **out, size_t cap, size_t *n_out,
                                                    ktsnap_consumer *consumer, int64_t timeout_ns) KTSNAP_NOEXCEPT;

/** Records the ring refused under the drop policy (ring-wide, from the header); 0 for NULL. */
KTSNAP_API uint64_t ktsnap_consumer_drops(const ktsnap_consumer *consumer) KTSNAP_NOEXCEPT;

/**
 * Sequence numbers this consumer found missing between the records it read
 * (dropped records); 0 for NULL. With the records read it accounts for
 * every sequence number from its first record to its last.
 */
KTSNAP_API uint64_t ktsnap_consumer_missed(const ktsnap_consumer *consumer) KTSNAP_NOEXCEPT;

/**
 * The ring sequence number of a report a consumer returned.
 * Errors: KTSNAP_E_INVALID (NULL argument), KTSNAP_E_NOTFOUND (the report
 * did not come from a ring).
 */
KTSNAP_API ktsnap_status ktsnap_report_ring_seq(uint64_t *seq_out, const ktsnap_report *report) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Bridge: an in-process store of reports keyed by tag                       */
/* ------------------------------------------------------------------------ */

/*
 * A bridge holds up to KTSNAP_BRIDGE_MAX_REPORTS reports keyed by tag, in
 * the order they were stored, with optional metadata per report (stats
 * JSON, elapsed and boundary-offset milliseconds, step index). It is what a
 * test fixture installs on a thread so that snapshot operations are served
 * in process, and what a host coordinator stores its captures in.
 *
 * - Storing a new tag past the cap evicts the oldest tag (an EVICTION
 *   event). Storing an existing tag overwrites it: the tag moves to the
 *   back of the order and its metadata becomes exactly the new call's
 *   (fields not given are removed); an OVERWRITE event; never an eviction.
 * - Events (ktsnap_bridge_drain_events()) record what went wrong without
 *   failing a call. At most KTSNAP_BRIDGE_MAX_EVENTS are kept: the oldest
 *   is dropped for a new one, and the next drain ends with one
 *   LOG_TRUNCATED event that counts the dropped ones.
 * - Tags and watch symbols are 1 to KTSNAP_BRIDGE_MAX_TAG bytes of UTF-8
 *   with no NUL byte, passed with an explicit length. Anything else is
 *   refused (KTSNAP_E_INVALID, or KTSNAP_E_RANGE when too long) and nothing
 *   stored is touched.
 * - Every bridge function is thread-safe. A ktsnap_bridge handle is a
 *   reference: ktsnap_bridge_clone() makes another one on the same state,
 *   and the state lives until the last reference (handles, the thread
 *   slots of ktsnap_bridge_push_thread()) is gone.
 * - Callbacks run on the thread that made the call, outside the bridge's
 *   lock (they may call the bridge). They must not throw, longjmp or let a
 *   Go panic escape. Their user_data must stay valid while any reference
 *   to the bridge lives.
 */

/** A bridge reference. Owned; release with ktsnap_bridge_free(). */
typedef struct ktsnap_bridge ktsnap_bridge;
/** Reports drained from a bridge. Owned; release with ktsnap_bridge_items_free(). */
typedef struct ktsnap_bridge_items ktsnap_bridge_items;
/** Events drained from a bridge. Owned; release with ktsnap_bridge_events_free(). */
typedef struct ktsnap_bridge_events ktsnap_bridge_events;

/** Most reports a bridge holds. */
#define KTSNAP_BRIDGE_MAX_REPORTS 64u
/** Most events a bridge keeps between drains. */
#define KTSNAP_BRIDGE_MAX_EVENTS 1024u
/** Most watch registrations a bridge accepts (one hardware slot is kept for the error trigger). */
#define KTSNAP_BRIDGE_MAX_WATCHES 3u
/** Longest tag or watch symbol, in bytes. */
#define KTSNAP_BRIDGE_MAX_TAG 4096u

/**
 * Produces the report for `tag` (tag_len bytes, NUL-terminated as well).
 * Return an owned report, which the bridge takes (it frees the handle), or
 * NULL when no report is available (not an error: the bridge records a
 * CAPTURE_UNAVAILABLE event). A report a ring consumer handed out keeps
 * its record in the ring for as long as the bridge holds it: return a copy
 * (ktsnap_report_open_memory() with KTSNAP_OPEN_COPY) to release the ring
 * at once. Must not throw.
 */
typedef ktsnap_report *(*ktsnap_bridge_capture_fn)(const char *tag, size_t tag_len, void *user_data);

/**
 * Registers a watch on `symbol` (symbol_len bytes, NUL-terminated as well).
 * Return KTSNAP_OK, or a negative status and optionally a reason written
 * to err_buf (err_buf_size bytes, NUL-terminated; it starts empty). Must
 * not throw.
 */
typedef ktsnap_status (*ktsnap_bridge_watch_fn)(const char *symbol, size_t symbol_len, char *err_buf,
                                                size_t err_buf_size, void *user_data);

/** Options for ktsnap_bridge_new(). */
typedef struct ktsnap_bridge_opts {
  size_t sz;                        /**< sizeof(ktsnap_bridge_opts) as the caller knows it */
  ktsnap_bridge_capture_fn capture; /**< NULL: every capture is unavailable */
  void *capture_user_data;          /**< passed to capture */
  ktsnap_bridge_watch_fn watch;     /**< NULL: watch registration fails with KTSNAP_E_UNSUPPORTED */
  void *watch_user_data;            /**< passed to watch */
} ktsnap_bridge_opts;

/** Size of ktsnap_bridge_opts in version 1.0 of the ABI. */
#define KTSNAP_BRIDGE_OPTS_SIZE_V1 40

/** Initialiser for ktsnap_bridge_opts: no callbacks, sz set. */
#ifdef __cplusplus
#define KTSNAP_BRIDGE_OPTS_INIT { sizeof(ktsnap_bridge_opts), NULL, NULL, NULL, NULL }
#else
#define KTSNAP_BRIDGE_OPTS_INIT { .sz = sizeof(ktsnap_bridge_opts) }
#endif

/**
 * Fills *opts with defaults (zeroes sz bytes, stores sz). Equals
 * KTSNAP_BRIDGE_OPTS_INIT byte for byte.
 * Errors: KTSNAP_E_INVALID when opts is NULL or sz < sizeof(size_t).
 */
KTSNAP_API ktsnap_status ktsnap_bridge_opts_init(ktsnap_bridge_opts *opts, size_t sz) KTSNAP_NOEXCEPT;

/**
 * Creates an empty bridge. out: owned reference, release with
 * ktsnap_bridge_free(). opts may be NULL (no callbacks).
 * Errors: KTSNAP_E_INVALID (NULL out, bad opts), KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_bridge_new(ktsnap_bridge **out, const ktsnap_bridge_opts *opts) KTSNAP_NOEXCEPT;

/**
 * Another reference to the same bridge state (stores through one are seen
 * through the other). out: owned, release with ktsnap_bridge_free().
 * Errors: KTSNAP_E_INVALID (NULL argument), KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_bridge_clone(ktsnap_bridge **out, const ktsnap_bridge *bridge) KTSNAP_NOEXCEPT;

/** Drops one reference; the state goes with the last one. NULL is ignored. */
KTSNAP_API void ktsnap_bridge_free(ktsnap_bridge *bridge) KTSNAP_NOEXCEPT;

/** Whether two references share one bridge state; false when either is NULL. */
KTSNAP_API bool ktsnap_bridge_same(const ktsnap_bridge *a, const ktsnap_bridge *b) KTSNAP_NOEXCEPT;

/* ktsnap_bridge_store_opts.flags and ktsnap_bridge_item.flags */
#define KTSNAP_BRIDGE_HAS_ELAPSED 0x1u  /**< elapsed_ms is meaningful */
#define KTSNAP_BRIDGE_HAS_BOUNDARY 0x2u /**< boundary_offset_ms is meaningful */
#define KTSNAP_BRIDGE_HAS_STEP 0x4u     /**< step_index is meaningful */
#define KTSNAP_BRIDGE_HAS_STATS 0x8u    /**< ktsnap_bridge_item only: stats_json is set */

/** Metadata stored beside a report (ktsnap_bridge_store()). */
typedef struct ktsnap_bridge_store_opts {
  size_t sz;                   /**< sizeof(ktsnap_bridge_store_opts) as the caller knows it */
  const char *stats_json;      /**< scheduler stats JSON (stats_json_len bytes, copied); NULL = none */
  size_t stats_json_len;       /**< bytes at stats_json */
  uint64_t elapsed_ms;         /**< with KTSNAP_BRIDGE_HAS_ELAPSED */
  uint64_t boundary_offset_ms; /**< with KTSNAP_BRIDGE_HAS_BOUNDARY */
  uint32_t flags;              /**< KTSNAP_BRIDGE_HAS_ELAPSED/_BOUNDARY/_STEP; unknown bits are rejected */
  uint16_t step_index;         /**< with KTSNAP_BRIDGE_HAS_STEP: 0 = baseline, 1..N = step */
  uint8_t reserved[2];         /**< must be zero */
} ktsnap_bridge_store_opts;

/** Size of ktsnap_bridge_store_opts in version 1.0 of the ABI. */
#define KTSNAP_BRIDGE_STORE_OPTS_SIZE_V1 48

/** Initialiser for ktsnap_bridge_store_opts: no metadata, sz set. */
#ifdef __cplusplus
#define KTSNAP_BRIDGE_STORE_OPTS_INIT { sizeof(ktsnap_bridge_store_opts), NULL, 0u, 0u, 0u, 0u, 0u, { 0, 0 } }
#else
#define KTSNAP_BRIDGE_STORE_OPTS_INIT { .sz = sizeof(ktsnap_bridge_store_opts) }
#endif

/**
 * Fills *opts with defaults (zeroes sz bytes, stores sz). Equals
 * KTSNAP_BRIDGE_STORE_OPTS_INIT byte for byte.
 * Errors: KTSNAP_E_INVALID when opts is NULL or sz < sizeof(size_t).
 */
KTSNAP_API ktsnap_status ktsnap_bridge_store_opts_init(ktsnap_bridge_store_opts *opts, size_t sz) KTSNAP_NOEXCEPT;

/**
 * Stores `report` under `tag` (tag_len bytes) with the metadata of opts
 * (NULL: none). The report is not taken: the bridge keeps its own copy of
 * the bytes, and the caller still frees `report`. With a ring attached the
 * report is published there too; a publish failure is a PUBLISH_FAILED
 * event, not a failure of this call.
 * Errors: KTSNAP_E_INVALID (NULL argument, bad tag, bad opts or flags),
 * KTSNAP_E_RANGE (tag too long), KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_bridge_store(ktsnap_bridge *bridge, const char *tag, size_t tag_len,
                                             const ktsnap_report *report,
                                             const ktsnap_bridge_store_opts *opts) KTSNAP_NOEXCEPT;

/**
 * Calls the bridge's capture callback for `tag` and stores what it
 * returns, with step_index (0..65535) as the only metadata, or none when
 * step_index is negative. *captured_out: true when a report was stored,
 * false when the callback had none (a CAPTURE_UNAVAILABLE event; not an
 * error). captured_out may be NULL.
 * Errors: KTSNAP_E_INVALID (NULL bridge, bad tag, step_index > 65535),
 * KTSNAP_E_RANGE (tag too long), KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_bridge_capture(bool *captured_out, ktsnap_bridge *bridge, const char *tag,
                                               size_t tag_len, int32_t step_index) KTSNAP_NOEXCEPT;

/**
 * Registers a watch on `symbol`: reserves one of KTSNAP_BRIDGE_MAX_WATCHES
 * slots (atomically: the count never passes the cap), then calls the watch
 * callback. The slot is kept only when the callback succeeds.
 * Errors: KTSNAP_E_INVALID / KTSNAP_E_RANGE (NULL bridge, bad symbol),
 * KTSNAP_E_BUSY (every slot is taken), KTSNAP_E_UNSUPPORTED (no watch
 * callback), or the callback's status (KTSNAP_E_INTERNAL when it returned a
 * positive number) with its reason in the message.
 */
KTSNAP_API ktsnap_status ktsnap_bridge_register_watch(ktsnap_bridge *bridge, const char *symbol,
                                                      size_t symbol_len) KTSNAP_NOEXCEPT;

/** Watch slots committed so far (0..KTSNAP_BRIDGE_MAX_WATCHES); 0 for NULL. Thread-safe. */
KTSNAP_API uint32_t ktsnap_bridge_watch_count(const ktsnap_bridge *bridge) KTSNAP_NOEXCEPT;
/** Reports held now; 0 for NULL. */
KTSNAP_API size_t ktsnap_bridge_len(const ktsnap_bridge *bridge) KTSNAP_NOEXCEPT;
/** Events waiting for the next drain (without the truncation marker); 0 for NULL. */
KTSNAP_API size_t ktsnap_bridge_event_count(const ktsnap_bridge *bridge) KTSNAP_NOEXCEPT;
/** Whether a report is held under `tag`; false for NULL or a tag no store would accept. */
KTSNAP_API bool ktsnap_bridge_has(const ktsnap_bridge *bridge, const char *tag, size_t tag_len) KTSNAP_NOEXCEPT;
/**
 * Reports tagged exactly "periodic_" and three ASCII digits that are not
 * placeholders; 0 for NULL.
 */
KTSNAP_API size_t ktsnap_bridge_periodic_real_count(const ktsnap_bridge *bridge) KTSNAP_NOEXCEPT;

/* ktsnap_bridge_drain() modes */
#define KTSNAP_BRIDGE_DRAIN_UNORDERED 0u /**< any order, no metadata */
#define KTSNAP_BRIDGE_DRAIN_ORDERED 1u   /**< oldest first, no metadata */
#define KTSNAP_BRIDGE_DRAIN_WITH_STATS 2u /**< oldest first, with the stored metadata */

/**
 * Takes every report out of the bridge (it is empty afterwards; the
 * metadata of the other modes is discarded). out: owned list, release
 * with ktsnap_bridge_items_free(). Reports the order lost track of (a bug)
 * come last, each with an ORDERING_REPAIRED event.
 * Errors: KTSNAP_E_INVALID (NULL argument, unknown mode), KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_bridge_drain(ktsnap_bridge_items **out, ktsnap_bridge *bridge,
                                             uint32_t mode) KTSNAP_NOEXCEPT;

/** One drained report (filled by ktsnap_bridge_items_get()); an sz-first output struct. */
typedef struct ktsnap_bridge_item {
  size_t sz;                    /**< set by the caller: sizeof(ktsnap_bridge_item) as it knows it */
  const ktsnap_report *report;  /**< borrowed: valid while the list lives */
  const char *tag;              /**< borrowed, NUL-terminated */
  size_t tag_len;               /**< bytes of tag */
  const char *stats_json;       /**< borrowed, NUL-terminated; NULL without KTSNAP_BRIDGE_HAS_STATS */
  size_t stats_json_len;        /**< bytes of stats_json */
  uint64_t elapsed_ms;          /**< with KTSNAP_BRIDGE_HAS_ELAPSED */
  uint64_t boundary_offset_ms;  /**< with KTSNAP_BRIDGE_HAS_BOUNDARY */
  uint32_t flags;               /**< KTSNAP_BRIDGE_HAS_* bits */
  uint16_t step_index;          /**< with KTSNAP_BRIDGE_HAS_STEP */
  uint8_t reserved[2];          /**< zero */
} ktsnap_bridge_item;

/** Size of ktsnap_bridge_item in version 1.0 of the ABI. */
#define KTSNAP_BRIDGE_ITEM_SIZE_V1 72

/** Number of reports in the list; 0 for NULL. */
KTSNAP_API size_t ktsnap_bridge_items_count(const ktsnap_bridge_items *items) KTSNAP_NOEXCEPT;

/**
 * Report `idx` of the list. Fields lying wholly inside out->sz are
 * written, nothing past it. Pointers are borrowed from the list.
 * Errors: KTSNAP_E_INVALID (NULL argument, out->sz < sizeof(size_t)),
 * KTSNAP_E_RANGE (idx past the end).
 */
KTSNAP_API ktsnap_status ktsnap_bridge_items_get(ktsnap_bridge_item *out, const ktsnap_bridge_items *items,
                                                 size_t idx) KTSNAP_NOEXCEPT;

/** Releases a list and every report borrowed from it. NULL is ignored. */
KTSNAP_API void ktsnap_bridge_items_free(ktsnap_bridge_items *items) KTSNAP_NOEXCEPT;

/* Event kinds (ktsnap_bridge_event.kind). Numbers are fixed forever; more may come. */
#define KTSNAP_BRIDGE_EVENT_CAPTURE_UNAVAILABLE 1u /**< tag: the capture callback had no report */
#define KTSNAP_BRIDGE_EVENT_OVERWRITE 2u           /**< tag; detail: the replaced report's format "major.minor" */
#define KTSNAP_BRIDGE_EVENT_EVICTION 3u            /**< tag: the evicted tag; detail: the new tag; cap */
#define KTSNAP_BRIDGE_EVENT_ORDERING_REPAIRED 4u   /**< tag; detail: the drain ("drain_ordered", ...) */
#define KTSNAP_BRIDGE_EVENT_CAP_VIOLATION 5u       /**< count: reports held; cap (every report was dropped) */
#define KTSNAP_BRIDGE_EVENT_LOG_TRUNCATED 6u       /**< count: events dropped since the last drain */
#define KTSNAP_BRIDGE_EVENT_PUBLISH_FAILED 7u      /**< tag; status; detail: the message */

/** One event (filled by ktsnap_bridge_events_get()); an sz-first output struct. */
typedef struct ktsnap_bridge_event {
  size_t sz;            /**< set by the caller: sizeof(ktsnap_bridge_event) as it knows it */
  uint32_t kind;        /**< KTSNAP_BRIDGE_EVENT_* */
  ktsnap_status status; /**< PUBLISH_FAILED: the ring's status; else 0 */
  const char *tag;      /**< borrowed, NUL-terminated; "" when the kind has none */
  size_t tag_len;       /**< bytes of tag */
  const char *detail;   /**< borrowed, NUL-terminated; "" when the kind has none */
  size_t detail_len;    /**< bytes of detail */
  uint64_t count;       /**< see the kinds */
  uint64_t cap;         /**< see the kinds */
} ktsnap_bridge_event;

/** Size of ktsnap_bridge_event in version 1.0 of the ABI. */
#define KTSNAP_BRIDGE_EVENT_SIZE_V1 64

/**
 * Takes every event in the order they happened, then LOG_TRUNCATED when
 * some were dropped (and resets that count). Independent of the report
 * drains. out: owned list, release with ktsnap_bridge_events_free().
 * Errors: KTSNAP_E_INVALID (NULL argument), KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_bridge_drain_events(ktsnap_bridge_events **out,
                                                    ktsnap_bridge *bridge) KTSNAP_NOEXCEPT;

/** Number of events in the list; 0 for NULL. */
KTSNAP_API size_t ktsnap_bridge_events_count(const ktsnap_bridge_events *events) KTSNAP_NOEXCEPT;

/**
 * Event `idx` of the list, as ktsnap_bridge_items_get().
 * Errors: KTSNAP_E_INVALID, KTSNAP_E_RANGE.
 */
KTSNAP_API ktsnap_status ktsnap_bridge_events_get(ktsnap_bridge_event *out, const ktsnap_bridge_events *events,
                                                  size_t idx) KTSNAP_NOEXCEPT;

/** Releases an event list. NULL is ignored. */
KTSNAP_API void ktsnap_bridge_events_free(ktsnap_bridge_events *events) KTSNAP_NOEXCEPT;

/**
 * Attaches a ring: every report stored from now on (ktsnap_bridge_store(),
 * ktsnap_bridge_capture()) is also published through `producer`, waiting
 * up to timeout_ns per report under the wait policy. On success the bridge
 * takes the producer: do not use or free it afterwards; it is released
 * when it is replaced, detached, or the last bridge reference goes.
 * Publishes happen after the store, one at a time; a failure is a
 * PUBLISH_FAILED event. producer NULL detaches (and releases the one held).
 * On failure the caller keeps the producer.
 * Errors: KTSNAP_E_INVALID (NULL bridge), KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_bridge_attach_ring(ktsnap_bridge *bridge, ktsnap_producer *producer,
                                                   int64_t timeout_ns) KTSNAP_NOEXCEPT;

/*
 * The calling thread's active bridge. Each thread has a slot, empty at
 * first, and a stack of what push replaced. A pushed bridge is shared
 * (the slot holds its own reference: the handle may be freed at once).
 * The thread-level operations below serve snapshot requests from the
 * active bridge; without one they fail with KTSNAP_E_UNSUPPORTED (this
 * library has no guest transport to fall back on).
 */

/**
 * Makes `bridge` this thread's active bridge and remembers the previous
 * one (or none) for ktsnap_bridge_pop_thread(). Pushes nest.
 * Errors: KTSNAP_E_INVALID (NULL bridge), KTSNAP_E_NOMEM.
 */
KTSNAP_API ktsnap_status ktsnap_bridge_push_thread(ktsnap_bridge *bridge) KTSNAP_NOEXCEPT;

/**
 * Restores the bridge the matching push replaced (or none).
 * Errors: KTSNAP_E_NOTFOUND (nothing was pushed on this thread).
 */
KTSNAP_API ktsnap_status ktsnap_bridge_pop_thread(void) KTSNAP_NOEXCEPT;

/**
 * A new reference to this thread's active bridge. out: owned, release with
 * ktsnap_bridge_free().
 * Errors: KTSNAP_E_INVALID (NULL out), KTSNAP_E_NOTFOUND (none installed).
 */
KTSNAP_API ktsnap_status ktsnap_bridge_active(ktsnap_bridge **out) KTSNAP_NOEXCEPT;

/**
 * ktsnap_bridge_capture() on this thread's active bridge.
 * Errors: KTSNAP_E_UNSUPPORTED (no bridge installed on this thread), else
 * as ktsnap_bridge_capture().
 */
KTSNAP_API ktsnap_status ktsnap_bridge_thread_capture(bool *captured_out, const char *tag, size_t tag_len,
                                                      int32_t step_index) KTSNAP_NOEXCEPT;

/**
 * ktsnap_bridge_register_watch() on this thread's active bridge; the
 * message names the symbol.
 * Errors: KTSNAP_E_UNSUPPORTED (no bridge installed on this thread), else
 * as ktsnap_bridge_register_watch().
 */
KTSNAP_API ktsnap_status ktsnap_bridge_thread_watch(const char *symbol, size_t symbol_len) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Guest requests: ask the host for a snapshot over the capture wire         */
/* ------------------------------------------------------------------------ */

/*
 * The guest side of the capture wire (docs/WIRE.md, "Guest client"): a
 * program inside the VM sends a SNAPSHOT_REQUEST frame over the bulk
 * virtio-console port and waits for the host's SNAPSHOT_REPLY.
 *
 * - Outcomes. OK (status KTSNAP_OK); HOST_ERROR, the host answered ERR
 *   (KTSNAP_E_REMOTE, the reason is the host's text); TRANSPORT_ERROR, no
 *   usable answer (KTSNAP_E_TIMEOUT when the deadline passed, else
 *   KTSNAP_E_IO: write failure, end of file, I/O error, a frame over the
 *   520-byte reply cap, a CRC mismatch, a reply status other than OK/ERR).
 * - Latching. Every TRANSPORT_ERROR, the deadline included, latches the
 *   handle dead: later requests fail at once with KTSNAP_E_IO, the flag
 *   KTSNAP_GUEST_LATCHED and a message naming the first cause, without
 *   sending anything, until ktsnap_guest_reset(). A HOST_ERROR does not
 *   latch.
 * - Skipped while waiting (counted in ktsnap_guest_stats): frames of other
 *   message types, replies of another size, replies with another request's
 *   id (late answers to requests that timed out).
 * - Threads. One request is in flight per handle: threads sharing a handle
 *   are served one after the other. Request ids are per handle, start at 1
 *   and never take 0. ktsnap_guest_free() must not race with other calls.
 */

/** A guest port. Owned; release with ktsnap_guest_free(). */
typedef struct ktsnap_guest ktsnap_guest;

/* Snapshot kinds of ktsnap_guest_request() (wire values). */
#define KTSNAP_SNAPSHOT_KIND_CAPTURE 1u /**< capture the scheduler's maps under the tag */
#define KTSNAP_SNAPSHOT_KIND_WATCH 2u   /**< arm a watchpoint on the kernel symbol named by the tag */
/** Tag bytes the wire carries; a longer tag is cut there. */
#define KTSNAP_SNAPSHOT_TAG_MAX 64
/** The deadline a timeout_ns of 0 stands for: 30 s, as ktstr's guest waits. */
#define KTSNAP_SNAPSHOT_TIMEOUT_NS ((int64_t)30000000000)

/* ktsnap_guest_opts.flags */
#define KTSNAP_GUEST_OWN_FD 0x1u /**< ktsnap_guest_open_fd() only: ktsnap_guest_free() closes the fd */

/** Options of ktsnap_guest_open() and ktsnap_guest_open_fd(). */
typedef struct ktsnap_guest_opts {
  size_t sz;             /**< sizeof(ktsnap_guest_opts) as the caller knows it */
  const char *ports_dir; /**< where port names are looked up; NULL = "/sys/class/virtio-ports" */
  const char *dev_dir;   /**< where the port devices are; NULL = "/dev" */
  uint32_t flags;        /**< KTSNAP_GUEST_* option bits; unknown bits are rejected */
  uint8_t reserved[4];   /**< must be zero */
} ktsnap_guest_opts;

/** Size of ktsnap_guest_opts in version 1.0 of the ABI. */
#define KTSNAP_GUEST_OPTS_SIZE_V1 32

/** Initialiser for ktsnap_guest_opts: defaults, sz set. */
#ifdef __cplusplus
#define KTSNAP_GUEST_OPTS_INIT { sizeof(ktsnap_guest_opts), NULL, NULL, 0u, { 0, 0, 0, 0 } }
#else
#define KTSNAP_GUEST_OPTS_INIT { .sz = sizeof(ktsnap_guest_opts) }
#endif

/**
 * Fills *opts with defaults (zeroes sz bytes, stores sz). Equals
 * KTSNAP_GUEST_OPTS_INIT byte for byte.
 * Errors: KTSNAP_E_INVALID when opts is NULL or sz < sizeof(size_t).
 */
KTSNAP_API ktsnap_status ktsnap_guest_opts_init(ktsnap_guest_opts *opts, size_t sz) KTSNAP_NOEXCEPT;

/* ktsnap_guest_reply.outcome */
#define KTSNAP_GUEST_OUTCOME_NONE 0u            /**< nothing was sent (bad argument) */
#define KTSNAP_GUEST_OUTCOME_OK 1u              /**< the host answered OK */
#define KTSNAP_GUEST_OUTCOME_HOST_ERROR 2u      /**< the host answered ERR; reason is its text */
#define KTSNAP_GUEST_OUTCOME_TRANSPORT_ERROR 3u /**< no usable answer; reason says why */

/* ktsnap_guest_reply.flags */
#define KTSNAP_GUEST_TIMED_OUT 0x1u     /**< TRANSPORT_ERROR: the deadline passed */
#define KTSNAP_GUEST_LATCHED 0x2u       /**< TRANSPORT_ERROR: the handle was already dead; nothing sent */
#define KTSNAP_GUEST_TAG_TRUNCATED 0x4u /**< the tag was cut at KTSNAP_SNAPSHOT_TAG_MAX bytes */

/** What one request got (filled by ktsnap_guest_request()); an sz-first output struct. */
typedef struct ktsnap_guest_reply {
  size_t sz;           /**< set by the caller: sizeof(ktsnap_guest_reply) as it knows it */
  uint32_t outcome;    /**< KTSNAP_GUEST_OUTCOME_* */
  uint32_t request_id; /**< the id sent; 0 when nothing was sent */
  uint32_t flags;      /**< KTSNAP_GUEST_* reply flags */
  uint32_t reserved;   /**< zero */
  const char *reason;  /**< borrowed, NUL-terminated: "" on OK; valid on the calling thread until its next ktsnap_guest_request() */
  size_t reason_len;   /**< bytes of reason */
} ktsnap_guest_reply;

/** Size of ktsnap_guest_reply in version 1.0 of the ABI. */
#define KTSNAP_GUEST_REPLY_SIZE_V1 40

/** Counters of a guest handle (filled by ktsnap_guest_stats_get()); an sz-first output struct. */
typedef struct ktsnap_guest_stats {
  size_t sz;                   /**< set by the caller: sizeof(ktsnap_guest_stats) as it knows it */
  uint64_t requests;           /**< requests sent (or whose send failed) */
  uint64_t replies;            /**< matching replies received */
  uint64_t host_errors;        /**< replies with status ERR */
  uint64_t transport_errors;   /**< TRANSPORT_ERROR outcomes, latched ones included */
  uint64_t skipped_wrong_type; /**< frames of another message type */
  uint64_t skipped_wrong_size; /**< replies whose payload is not 520 bytes */
  uint64_t skipped_stale;      /**< replies carrying another request's id */
  uint64_t bytes_written;      /**< request bytes written */
  uint64_t bytes_read;         /**< bytes read from the port */
  uint32_t dead;               /**< 1 while latched dead */
  uint32_t reserved;           /**< zero */
} ktsnap_guest_stats;

/** Size of ktsnap_guest_stats in version 1.0 of the ABI. */
#define KTSNAP_GUEST_STATS_SIZE_V1 88

/**
 * Opens a guest port. port: a device path when it contains '/', else a
 * port name matched exactly against /sys/class/virtio-ports/{entry}/name
 * (the device is then /dev/{entry}; opts->ports_dir and opts->dev_dir
 * replace the two directories). Opened read-write, non-blocking,
 * close-on-exec. opts may be NULL (defaults; no flag applies here). out:
 * owned, release with ktsnap_guest_free().
 * Errors: KTSNAP_E_INVALID (NULL or empty argument, bad opts), KTSNAP_E_NOTFOUND (no
 * such port: the message lists the ports there are, also in
 * ktsnap_last_error_info(); or no such path), KTSNAP_E_BUSY (the port is
 * open elsewhere: the kernel allows one open per port), KTSNAP_E_PERM,
 * KTSNAP_E_IO, with ktsnap_last_errno().
 */
KTSNAP_API ktsnap_status ktsnap_guest_open(ktsnap_guest **out, const char *port,
                                           const ktsnap_guest_opts *opts) KTSNAP_NOEXCEPT;

/**
 * A guest handle on a descriptor the caller opened (a port, a socket, a
 * pty in raw mode): it is switched to non-blocking. With
 * KTSNAP_GUEST_OWN_FD in opts->flags ktsnap_guest_free() closes fd;
 * without it (or with opts NULL) the caller closes it after
 * ktsnap_guest_free(). The directories of opts are not used. out: owned.
 * Errors: KTSNAP_E_INVALID (NULL out, fd < 0, bad opts), KTSNAP_E_IO (fd
 * is not open).
 */
KTSNAP_API ktsnap_status ktsnap_guest_open_fd(ktsnap_guest **out, int fd,
                                              const ktsnap_guest_opts *opts) KTSNAP_NOEXCEPT;

/**
 * Asks the host for a snapshot and waits for its answer. kind:
 * KTSNAP_SNAPSHOT_KIND_*, or another non-zero value (sent as is; the host
 * answers an unknown kind with ERR). tag: NUL-terminated, not empty; cut at
 * KTSNAP_SNAPSHOT_TAG_MAX bytes (KTSNAP_GUEST_TAG_TRUNCATED), possibly
 * inside a UTF-8 character, as the wire does. timeout_ns: the deadline for
 * the write and the reply; 0 means KTSNAP_SNAPSHOT_TIMEOUT_NS, more than
 * ten years counts as ten years. reply may
 * be NULL; when given it is filled on every outcome, failures included.
 * Returns KTSNAP_OK (OK), KTSNAP_E_REMOTE (HOST_ERROR), KTSNAP_E_TIMEOUT or
 * KTSNAP_E_IO (TRANSPORT_ERROR); the last error holds the reason with the
 * request id and kind.
 * Errors without a request: KTSNAP_E_INVALID (NULL handle or tag, kind 0,
 * empty tag, negative timeout, reply->sz too small).
 */
KTSNAP_API ktsnap_status ktsnap_guest_request(ktsnap_guest *guest, uint32_t kind, const char *tag,
                                              int64_t timeout_ns, ktsnap_guest_reply *reply) KTSNAP_NOEXCEPT;

/**
 * Clears the latch. A handle opened by ktsnap_guest_open() closes and
 * reopens its port (on failure it stays latched, with that error); one from
 * ktsnap_guest_open_fd() keeps its fd. Resetting a live handle is allowed.
 * Errors: KTSNAP_E_INVALID (NULL guest), else as ktsnap_guest_open().
 */
KTSNAP_API ktsnap_status ktsnap_guest_reset(ktsnap_guest *guest) KTSNAP_NOEXCEPT;

/**
 * The handle's counters.
 * Errors: KTSNAP_E_INVALID (NULL argument, out->sz too small).
 */
KTSNAP_API ktsnap_status ktsnap_guest_stats_get(ktsnap_guest_stats *out, const ktsnap_guest *guest) KTSNAP_NOEXCEPT;

/** Releases a guest handle (closing the fd when it owns it). NULL is a no-op. */
KTSNAP_API void ktsnap_guest_free(ktsnap_guest *guest) KTSNAP_NOEXCEPT;

/* ------------------------------------------------------------------------ */
/* Capture-source plugins                                                    */
/* ------------------------------------------------------------------------ */

/*
 * A capture-source plugin is a shared object that fills reports for a VMM,
 * a device or a saved archive that ktsnap cannot read by itself
 * (docs/PLUGINS.md). It exports one C function named KTSNAP_PLUGIN_ENTRY
 * returning a table (ktsnap_plugin) of its functions; its capture function
 * fills a builder the host owns, through the ktsnap_builder_* functions of
 * this header (the plugin links libktsnap.so.1; the dynamic loader resolves
 * it to the host's copy).
 *
 * The host side, for any language: ktsnap_source_open() loads a plugin
 * (dlopen with RTLD_NOW | RTLD_LOCAL), checks its table and runs its
 * init; ktsnap_source_capture() gives it a fresh builder and finishes the
 * report; ktsnap_source_free() runs its fini and unloads it. A plugin that
 * is missing its entry point, returns NULL, has a short table, another ABI
 * major, unknown flags or a NULL required function is refused with a status
 * and a message naming the file; a failing init or capture is a status with
 * the plugin's own message. The host keeps running in every case (a plugin
 * that crashes or corrupts memory cannot be contained: it runs in the
 * host's process).
 *
 * Versioning: the entry point's name carries the plugin ABI major
 * ("ktsnap_plugin_v1"), and so does the table (abi_major). The first two
 * fields, sz and abi_major, keep their place in every major. Within a
 * major, fields are only appended; a table larger than the host knows is
 * accepted only when every byte past what the host knows is zero (an older
 * host never silently ignores a newer plugin's request). The entry point may
 * look at ktsnap_version() and return the table that host understands.
 */

/** Name of the function a plugin exports (type ktsnap_plugin_entry_fn). */
#define KTSNAP_PLUGIN_ENTRY "ktsnap_plugin_v1"
/** The plugin ABI major this header describes (ktsnap_plugin.abi_major). */
#define KTSNAP_PLUGIN_ABI_MAJOR 1u
/** Size of the buffer the host passes for a plugin's error message. */
#define KTSNAP_PLUGIN_ERR_MAX 1024u

/** Marks a plugin's entry point exported (plugins build with -fvisibility=hidden too). */
#if defined(__GNUC__) || defined(__clang__)
#define KTSNAP_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define KTSNAP_PLUGIN_EXPORT
#endif

/** What the host asks a capture for (ktsnap_plugin.capture); an sz-first input struct. */
typedef struct ktsnap_plugin_request {
  size_t sz;            /**< sizeof(ktsnap_plugin_request) as the host knows it: read only fields inside it */
  const char *tag;      /**< the capture's tag, NUL-terminated, "" when none; borrowed for the call */
  size_t tag_len;       /**< bytes of tag */
  uint64_t seq;         /**< 1 for the first capture of this source, then 2, 3, ... */
  uint32_t trigger;     /**< KTSNAP_TRIGGER_* */
  uint32_t reserved;    /**< zero */
} ktsnap_plugin_request;

/** Size of ktsnap_plugin_request in version 1 of the plugin ABI. */
#define KTSNAP_PLUGIN_REQUEST_SIZE_V1 40

/**
 * Creates the plugin's state for one source. arg: the host's argument
 * string (NULL when none was given), borrowed for the call. Store the state
 * in *state_out (it is passed back to capture and fini; NULL is fine).
 * Return KTSNAP_OK or a negative KTSNAP_E_* status and a reason in err_buf
 * (err_buf_size bytes, it starts empty; keep it NUL-terminated). Must not
 * throw, longjmp or call exit.
 */
typedef ktsnap_status (*ktsnap_plugin_init_fn)(void **state_out, const char *arg, char *err_buf,
                                               size_t err_buf_size);

/**
 * Captures once: fill `builder` (owned by the host: add BTF, schedulers,
 * maps, excluded maps, regions, stats JSON, metadata through the
 * ktsnap_builder_* functions; never finish or free it). The host has set
 * the metadata to the request's tag and trigger and the capture's clocks
 * before the call; ktsnap_builder_set_metadata() replaces that. Return
 * KTSNAP_OK, or a negative status and a reason in err_buf (when err_buf is
 * left empty the host uses ktsnap_last_error(), e.g. a builder call's
 * failure). A capture that adds no map, no excluded map and no placeholder
 * reason is refused by the host. Captures of one source never overlap.
 * Must not throw, longjmp or call exit.
 */
typedef ktsnap_status (*ktsnap_plugin_capture_fn)(ktsnap_builder *builder, const ktsnap_plugin_request *request,
                                                  char *err_buf, size_t err_buf_size, void *state);

/** Releases the state init made (called once, also when state is NULL). Must not throw. */
typedef void (*ktsnap_plugin_fini_fn)(void *state);

/**
 * The table a plugin's entry point returns. It must stay valid and
 * unchanged while the plugin is loaded (a static const object); the host
 * copies what it needs. FFI-plain and pinned in abi-check/layout.c.
 */
typedef struct ktsnap_plugin {
  size_t sz;                        /**< sizeof(ktsnap_plugin) as the plugin was compiled: >= KTSNAP_PLUGIN_SIZE_V1 */
  uint32_t abi_major;               /**< KTSNAP_PLUGIN_ABI_MAJOR the plugin was built for */
  uint32_t flags;                   /**< none defined yet: must be 0 (unknown bits are refused) */
  const char *name;                 /**< required, non-empty: a short name for messages ("replay") */
  const char *version;              /**< the plugin's own version text, or NULL */
  ktsnap_plugin_init_fn init;       /**< optional: NULL means the state is NULL */
  ktsnap_plugin_capture_fn capture; /**< required */
  ktsnap_plugin_fini_fn fini;       /**< optional */
} ktsnap_plugin;

/** Size of ktsnap_plugin in version 1 of the plugin ABI. */
#define KTSNAP_PLUGIN_SIZE_V1 56

/** Type of the entry point KTSNAP_PLUGIN_ENTRY: returns the table, or NULL to decline loading. */
typedef const ktsnap_plugin *(*ktsnap_plugin_entry_fn)(void);

/** A loaded plugin (the host side). Owned; release with ktsnap_source_free(). */
typedef struct ktsnap_source ktsnap_source;

/** Options for ktsnap_source_open(). */
typedef struct ktsnap_source_opts {
  size_t sz;           /**< sizeof(ktsnap_source_opts) as the caller knows it */
  const char *arg;     /**< passed to the plugin's init; NULL = none; borrowed for the call */
  uint32_t flags;      /**< none defined yet: must be 0 */
  uint8_t reserved[4]; /**< must be zero */
} ktsnap_source_opts;

/** Size of ktsnap_source_opts in version 1.0 of the ABI. */
#define KTSNAP_SOURCE_OPTS_SIZE_V1 24

/** Initialiser for ktsnap_source_opts: no argument, sz set. */
#ifdef __cplusplus
#define KTSNAP_SOURCE_OPTS_INIT { sizeof(ktsnap_source_opts), NULL, 0u, { 0, 0, 0, 0 } }
#else
#define KTSNAP_SOURCE_OPTS_INIT { .sz = sizeof(ktsnap_source_opts) }
#endif

/**
 * Fills *opts with defaults (zeroes sz bytes, stores sz). Equals
 * KTSNAP_SOURCE_OPTS_INIT byte for byte.
 * Errors: KTSNAP_E_INVALID when opts is NULL or sz < sizeof(size_t).
 */
KTSNAP_API ktsnap_status ktsnap_source_opts_init(ktsnap_source_opts *opts, size_t sz) KTSNAP_NOEXCEPT;

/**
 * Loads the plugin at `path` (as dlopen() takes it: a path with a '/' is
 * that file, a bare name is looked up in the library search path), checks
 * its table and calls its init with opts->arg. opts may be NULL. out: owned,
 * release with ktsnap_source_free(). Every message names the file.
 * Errors: KTSNAP_E_INVALID (NULL or empty argument, bad opts; the entry
 * point returned NULL, a table too short for version 1, a NULL or empty
 * name, a NULL capture), KTSNAP_E_NOTFOUND (no such file, or no
 * KTSNAP_PLUGIN_ENTRY symbol), KTSNAP_E_PERM (not readable),
 * KTSNAP_E_FORMAT (dlopen() refused it: not a shared object for this
 * machine, a missing dependency or symbol), KTSNAP_E_VERSION (another
 * abi_major, unknown flags, non-zero bytes past the table this host knows),
 * KTSNAP_E_UNSUPPORTED (the plugin's ktsnap_* calls would reach another
 * copy of this library than the caller's: a host linked with libktsnap.a
 * loading a plugin linked with libktsnap.so.1),
 * or init's own status (KTSNAP_E_INTERNAL when it returned a positive
 * number) with its reason.
 */
KTSNAP_API ktsnap_status ktsnap_source_open(ktsnap_source **out, const char *path,
                                            const ktsnap_source_opts *opts) KTSNAP_NOEXCEPT;

/**
 * Captures once through the plugin: a fresh builder whose metadata holds
 * `tag` (NULL = "") and `trigger` (KTSNAP_TRIGGER_*) with the clocks of
 * now, the plugin's capture, then the report. out: owned, release with
 * ktsnap_report_free(). Captures of one source are serialized (a second
 * thread waits); the source stays usable after any failure.
 * Errors: KTSNAP_E_INVALID (NULL argument, trigger out of range; the plugin
 * finished or spent the builder itself), the capture's own status
 * (KTSNAP_E_INTERNAL for a positive number) with the plugin's reason,
 * KTSNAP_E_NOTFOUND (the capture added nothing), or the failure of
 * finishing the builder (e.g. overlapping regions).
 */
KTSNAP_API ktsnap_status ktsnap_source_capture(ktsnap_report **out, ktsnap_source *source, const char *tag,
                                               uint32_t trigger) KTSNAP_NOEXCEPT;

/** The plugin's name (ktsnap_plugin.name). Borrowed, valid while the source lives; NULL for NULL. */
KTSNAP_API const char *ktsnap_source_name(const ktsnap_source *source) KTSNAP_NOEXCEPT;

/** The plugin's version text, "" when it gave none. Borrowed, valid while the source lives; NULL for NULL. */
KTSNAP_API const char *ktsnap_source_version(const ktsnap_source *source) KTSNAP_NOEXCEPT;

/** Captures that succeeded so far; 0 for NULL. */
KTSNAP_API uint64_t ktsnap_source_capture_count(const ktsnap_source *source) KTSNAP_NOEXCEPT;

/**
 * Calls the plugin's fini and unloads it (dlclose). NULL is ignored. Must
 * not race with other calls on the source. Reports captured through it stay
 * valid: they own their bytes.
 */
KTSNAP_API void ktsnap_source_free(ktsnap_source *source) KTSNAP_NOEXCEPT;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KTSNAP_H */
