//! Zig binding of libktsnap.so.1 (include/ktsnap.h).
//!
//! Every fallible call returns `Error!T`; the error is mapped from the C
//! status (`KTSNAP_E_NOTFOUND` -> `error.NotFound`, ...). The library keeps
//! a message and structured details of the last failure per thread: read
//! them with `lastError()` / `lastErrorDetails()` right after the failing
//! call, on the same thread, before any other ktsnap call (each fallible
//! call clears them). `deinit()` calls do not touch them, so a `defer
//! x.deinit()` that runs on the error path is harmless.
//!
//! Handles (`Report`, `Snapshot`, `Query`, `Ring`, `Producer`, `Consumer`,
//! `Bridge`, `Guest`, ...) own their C object and are released with
//! `deinit()`. `Map`, `Value` and `Json` are borrowed views, valid while the
//! report (or snapshot) they came from lives. Slices and strings returned
//! by accessors are borrowed the same way unless the function says
//! "owned".
const std = @import("std");

/// The raw C declarations, for anything this wrapper does not cover.
pub const c = @cImport(@cInclude("ktsnap.h"));

comptime {
    if (c.KTSNAP_VERSION_MAJOR != 1) @compileError("bindings/zig is written for ktsnap.h major version 1");
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// One error per KTSNAP_E_* status; `Unknown` for numbers this binding does
/// not know (a newer library).
pub const Error = error{
    Invalid,
    NoMem,
    NotFound,
    Again,
    Timeout,
    Version,
    Unsupported,
    Io,
    Internal,
    Format,
    Type,
    Range,
    Perm,
    Busy,
    Remote,
    Unknown,
};

/// Maps a C status to `Error` (KTSNAP_OK returns normally).
pub fn check(status: c.ktsnap_status) Error!void {
    if (status >= 0) return;
    return switch (status) {
        c.KTSNAP_E_INVALID => error.Invalid,
        c.KTSNAP_E_NOMEM => error.NoMem,
        c.KTSNAP_E_NOTFOUND => error.NotFound,
        c.KTSNAP_E_AGAIN => error.Again,
        c.KTSNAP_E_TIMEOUT => error.Timeout,
        c.KTSNAP_E_VERSION => error.Version,
        c.KTSNAP_E_UNSUPPORTED => error.Unsupported,
        c.KTSNAP_E_IO => error.Io,
        c.KTSNAP_E_INTERNAL => error.Internal,
        c.KTSNAP_E_FORMAT => error.Format,
        c.KTSNAP_E_TYPE => error.Type,
        c.KTSNAP_E_RANGE => error.Range,
        c.KTSNAP_E_PERM => error.Perm,
        c.KTSNAP_E_BUSY => error.Busy,
        c.KTSNAP_E_REMOTE => error.Remote,
        else => error.Unknown,
    };
}

/// The C status an `Error` stands for (KTSNAP_E_INTERNAL for `Unknown`).
pub fn statusOf(err: Error) c.ktsnap_status {
    return switch (err) {
        error.Invalid => c.KTSNAP_E_INVALID,
        error.NoMem => c.KTSNAP_E_NOMEM,
        error.NotFound => c.KTSNAP_E_NOTFOUND,
        error.Again => c.KTSNAP_E_AGAIN,
        error.Timeout => c.KTSNAP_E_TIMEOUT,
        error.Version => c.KTSNAP_E_VERSION,
        error.Unsupported => c.KTSNAP_E_UNSUPPORTED,
        error.Io => c.KTSNAP_E_IO,
        error.Internal, error.Unknown => c.KTSNAP_E_INTERNAL,
        error.Format => c.KTSNAP_E_FORMAT,
        error.Type => c.KTSNAP_E_TYPE,
        error.Range => c.KTSNAP_E_RANGE,
        error.Perm => c.KTSNAP_E_PERM,
        error.Busy => c.KTSNAP_E_BUSY,
        error.Remote => c.KTSNAP_E_REMOTE,
    };
}

/// Short English text of a status ("invalid argument"). Static.
pub fn statusStr(status: c.ktsnap_status) [:0]const u8 {
    return std.mem.span(c.ktsnap_status_str(status));
}

/// Message of this thread's last failure ("" after a success). Borrowed:
/// valid until the next ktsnap call on this thread; copy it to keep it.
pub fn lastError() [:0]const u8 {
    return std.mem.span(c.ktsnap_last_error());
}

/// errno of this thread's last failure when the system reported it, else 0.
pub fn lastErrno() i32 {
    return c.ktsnap_last_errno();
}

/// Structured details of this thread's last failure (see
/// ktsnap_error_info in ktsnap.h). Every string and slice is borrowed:
/// valid until the next ktsnap call on this thread that can fail.
pub const ErrorDetails = struct {
    status: c.ktsnap_status,
    kind: u32,
    kind_name: [:0]const u8,
    message: [:0]const u8,
    json: [:0]const u8,
    requested: [:0]const u8,
    walked: [:0]const u8,
    component: [:0]const u8,
    map: [:0]const u8,
    expected: [:0]const u8,
    actual: [:0]const u8,
    reason: [:0]const u8,
    hint: [:0]const u8,
    index: u64,
    len: u64,
    cpu: u32,
    column: u32,
    unmapped: bool,
    alternatives: []const [*:0]const u8,
    sample_keys: []const [*:0]const u8,

    /// Whether `name` is one of the alternatives.
    pub fn hasAlternative(self: ErrorDetails, name: []const u8) bool {
        for (self.alternatives) |a| {
            if (std.mem.eql(u8, std.mem.span(a), name)) return true;
        }
        return false;
    }
};

fn spanOrEmpty(p: ?[*:0]const u8) [:0]const u8 {
    return if (p) |s| std.mem.span(s) else "";
}

fn cstrList(p: ?[*]const [*c]const u8, n: usize) []const [*:0]const u8 {
    if (p == null or n == 0) return &[_][*:0]const u8{};
    const base: [*]const [*:0]const u8 = @ptrCast(p.?);
    return base[0..n];
}

/// Reads this thread's last error details (does not change them).
pub fn lastErrorDetails() ErrorDetails {
    var info = std.mem.zeroes(c.ktsnap_error_info);
    info.sz = @sizeOf(c.ktsnap_error_info);
    _ = c.ktsnap_last_error_info(&info);
    return .{
        .status = info.status,
        .kind = info.kind,
        .kind_name = spanOrEmpty(info.kind_name),
        .message = spanOrEmpty(info.message),
        .json = spanOrEmpty(info.json),
        .requested = spanOrEmpty(info.requested),
        .walked = spanOrEmpty(info.walked),
        .component = spanOrEmpty(info.component),
        .map = spanOrEmpty(info.map),
        .expected = spanOrEmpty(info.expected),
        .actual = spanOrEmpty(info.actual),
        .reason = spanOrEmpty(info.reason),
        .hint = spanOrEmpty(info.hint),
        .index = info.index,
        .len = info.len,
        .cpu = info.cpu,
        .column = info.column,
        .unmapped = info.unmapped != 0,
        .alternatives = cstrList(@ptrCast(info.alternatives), info.alternative_count),
        .sample_keys = cstrList(@ptrCast(info.sample_keys), info.sample_key_count),
    };
}

/// Error kinds of the view layer (ErrorDetails.kind).
pub const ErrorKind = struct {
    pub const none: u32 = c.KTSNAP_ERROR_NONE;
    pub const map_not_found: u32 = c.KTSNAP_ERROR_MAP_NOT_FOUND;
    pub const var_not_found: u32 = c.KTSNAP_ERROR_VAR_NOT_FOUND;
    pub const field_not_found: u32 = c.KTSNAP_ERROR_FIELD_NOT_FOUND;
    pub const not_a_struct: u32 = c.KTSNAP_ERROR_NOT_A_STRUCT;
    pub const type_mismatch: u32 = c.KTSNAP_ERROR_TYPE_MISMATCH;
    pub const index_out_of_range: u32 = c.KTSNAP_ERROR_INDEX_OUT_OF_RANGE;
    pub const percpu_slot: u32 = c.KTSNAP_ERROR_PERCPU_SLOT;
    pub const no_match: u32 = c.KTSNAP_ERROR_NO_MATCH;
    pub const percpu_not_narrowed: u32 = c.KTSNAP_ERROR_PERCPU_NOT_NARROWED;
    pub const missing_stats: u32 = c.KTSNAP_ERROR_MISSING_STATS;
};

// ---------------------------------------------------------------------------
// Library
// ---------------------------------------------------------------------------

/// Version of the loaded library: major*10000 + minor*100 + patch.
pub fn version() u32 {
    return c.ktsnap_version();
}

/// "MAJOR.MINOR.PATCH" of the loaded library.
pub fn versionString() [:0]const u8 {
    return std.mem.span(c.ktsnap_version_string());
}

/// KTSNAP_FEATURE_* bits of the loaded library.
pub fn features() u64 {
    return c.ktsnap_features();
}

/// Fails with `error.Version` when the loaded library is older than the
/// header this binding was compiled against, or of another major version.
pub fn checkVersion() Error!void {
    const v = version();
    if (v / 10000 != c.KTSNAP_VERSION_MAJOR or v < c.KTSNAP_VERSION_NUMBER) return error.Version;
}

/// A NUL-terminated buffer the library allocated. Owned: `deinit()`
/// releases it with ktsnap_free().
pub const OwnedString = struct {
    ptr: [*:0]u8,
    len: usize,

    pub fn slice(self: OwnedString) [:0]const u8 {
        return self.ptr[0..self.len :0];
    }

    pub fn deinit(self: *OwnedString) void {
        c.ktsnap_free(self.ptr);
        self.* = undefined;
    }
};

/// NO_CPU for `null`: the entry is not narrowed to one per-CPU slot.
fn cpuArg(cpu: ?u32) u32 {
    return cpu orelse c.KTSNAP_NO_CPU;
}

/// Result of a `*Array` read into a caller buffer: the elements written.
fn filled(comptime T: type, out: []T, count: usize) []T {
    return out[0..@min(count, out.len)];
}

// ---------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------

pub const Trigger = enum(u32) {
    on_demand = c.KTSNAP_TRIGGER_ON_DEMAND,
    @"error" = c.KTSNAP_TRIGGER_ERROR,
    watch = c.KTSNAP_TRIGGER_WATCH,
    periodic = c.KTSNAP_TRIGGER_PERIODIC,
    _,
};

pub const RenderFormat = enum(u32) { json = c.KTSNAP_FORMAT_JSON, text = c.KTSNAP_FORMAT_TEXT };

pub const RenderOptions = struct {
    format: RenderFormat = .json,
    pretty: bool = false,
    /// text: entries shown per map, 0 = all
    max_entries: u32 = 0,

    fn toC(self: RenderOptions) c.ktsnap_render_opts {
        var o = std.mem.zeroes(c.ktsnap_render_opts);
        _ = c.ktsnap_render_opts_init(&o, @sizeOf(c.ktsnap_render_opts));
        o.format = @intFromEnum(self.format);
        o.max_entries = self.max_entries;
        o.flags = if (self.pretty) c.KTSNAP_RENDER_PRETTY else 0;
        return o;
    }
};

fn ownedFrom(p: [*c]u8, len: usize) OwnedString {
    return .{ .ptr = @ptrCast(p), .len = len };
}

/// An open report. Owned: `deinit()` releases it and everything borrowed
/// from it (maps, values, strings).
pub const Report = struct {
    ptr: *c.ktsnap_report,

    /// Opens and verifies a report file.
    pub fn openFile(path: [:0]const u8) Error!Report {
        var out: ?*c.ktsnap_report = null;
        try check(c.ktsnap_report_open_file(&out, path.ptr, null));
        return .{ .ptr = out.? };
    }

    /// Opens a report held in memory without copying it: the report borrows
    /// `data` (8-byte aligned, as zero-copy reading needs): keep it alive
    /// and unchanged until `deinit()`.
    pub fn openMemory(data: []align(8) const u8) Error!Report {
        return openMemoryFlags(data, 0);
    }

    /// Opens a copy of a report held in memory; `data` may be released as
    /// soon as this returns.
    pub fn openMemoryCopy(data: []const u8) Error!Report {
        return openMemoryFlags(data, c.KTSNAP_OPEN_COPY);
    }

    fn openMemoryFlags(data: []const u8, flags_: u32) Error!Report {
        var opts = std.mem.zeroes(c.ktsnap_open_opts);
        _ = c.ktsnap_open_opts_init(&opts, @sizeOf(c.ktsnap_open_opts));
        opts.flags = flags_;
        var out: ?*c.ktsnap_report = null;
        try check(c.ktsnap_report_open_memory(&out, data.ptr, data.len, &opts));
        return .{ .ptr = out.? };
    }

    pub fn deinit(self: *Report) void {
        c.ktsnap_report_free(self.ptr);
        self.* = undefined;
    }

    /// Writes the report's bytes to `path` atomically.
    pub fn save(self: Report, path: [:0]const u8) Error!void {
        try check(c.ktsnap_report_save(self.ptr, path.ptr));
    }

    /// The serialized bytes (borrowed).
    pub fn bytes(self: Report) []const u8 {
        var n: usize = 0;
        const p = c.ktsnap_report_bytes(self.ptr, &n) orelse return &[_]u8{};
        return @as([*]const u8, @ptrCast(p))[0..n];
    }

    pub fn formatVersion(self: Report) u32 {
        return c.ktsnap_report_format_version(self.ptr);
    }
    pub fn tag(self: Report) [:0]const u8 {
        return spanOrEmpty(c.ktsnap_report_tag(self.ptr));
    }
    pub fn trigger(self: Report) Trigger {
        return @enumFromInt(c.ktsnap_report_trigger(self.ptr));
    }
    pub fn wallTimeNs(self: Report) u64 {
        return c.ktsnap_report_wall_time_ns(self.ptr);
    }
    pub fn monotonicNs(self: Report) u64 {
        return c.ktsnap_report_monotonic_ns(self.ptr);
    }
    pub fn elapsedMs(self: Report) u64 {
        return c.ktsnap_report_elapsed_ms(self.ptr);
    }
    /// The scenario step index, or null when none is recorded.
    pub fn stepIndex(self: Report) ?u32 {
        if (!c.ktsnap_report_has_step_index(self.ptr)) return null;
        return c.ktsnap_report_step_index(self.ptr);
    }
    /// The placeholder reason, or null for a real report.
    pub fn placeholderReason(self: Report) ?[:0]const u8 {
        if (!c.ktsnap_report_is_placeholder(self.ptr)) return null;
        return spanOrEmpty(c.ktsnap_report_placeholder_reason(self.ptr));
    }
    /// The scheduler stats JSON text, or null when the report has none.
    pub fn statsJson(self: Report) ?[]const u8 {
        var n: usize = 0;
        const p = c.ktsnap_report_stats_json(self.ptr, &n) orelse return null;
        return p[0..n];
    }

    pub fn schedulerCount(self: Report) usize {
        return c.ktsnap_report_scheduler_count(self.ptr);
    }
    pub fn schedulerName(self: Report, idx: usize) ?[:0]const u8 {
        const p = c.ktsnap_report_scheduler_name(self.ptr, idx) orelse return null;
        return std.mem.span(p);
    }
    pub fn schedulerActive(self: Report, idx: usize) bool {
        return c.ktsnap_report_scheduler_active(self.ptr, idx);
    }

    pub const Excluded = struct { name: [:0]const u8, map_id: u32, map_type: u32, reason: [:0]const u8 };

    pub fn excludedCount(self: Report) usize {
        return c.ktsnap_report_excluded_count(self.ptr);
    }
    /// Excluded map `idx`, or null past the end.
    pub fn excluded(self: Report, idx: usize) ?Excluded {
        const name = c.ktsnap_report_excluded_name(self.ptr, idx) orelse return null;
        return .{
            .name = std.mem.span(name),
            .map_id = c.ktsnap_report_excluded_map_id(self.ptr, idx),
            .map_type = c.ktsnap_report_excluded_map_type(self.ptr, idx),
            .reason = spanOrEmpty(c.ktsnap_report_excluded_reason(self.ptr, idx)),
        };
    }

    pub fn regionCount(self: Report) usize {
        return c.ktsnap_report_region_count(self.ptr);
    }
    pub const Region = struct { address: u64, data: []const u8 };
    pub fn region(self: Report, idx: usize) Error!Region {
        var addr: u64 = 0;
        var data: ?*const anyopaque = null;
        var n: usize = 0;
        try check(c.ktsnap_report_region(&addr, &data, &n, self.ptr, idx));
        return .{ .address = addr, .data = @as([*]const u8, @ptrCast(data.?))[0..n] };
    }

    pub fn mapCount(self: Report) usize {
        return c.ktsnap_report_map_count(self.ptr);
    }
    /// Map `idx` in capture order, or null past the end.
    pub fn mapAt(self: Report, idx: usize) ?Map {
        const p = c.ktsnap_report_map_at(self.ptr, idx) orelse return null;
        return .{ .ptr = p };
    }
    /// The first map named `name`.
    pub fn mapByName(self: Report, name: [:0]const u8) Error!Map {
        var out: ?*const c.ktsnap_map = null;
        try check(c.ktsnap_report_map_by_name(&out, self.ptr, name.ptr));
        return .{ .ptr = out.? };
    }

    /// The ring sequence number of a report a consumer returned.
    pub fn ringSeq(self: Report) Error!u64 {
        var seq: u64 = 0;
        try check(c.ktsnap_report_ring_seq(&seq, self.ptr));
        return seq;
    }

    /// An unfiltered snapshot view; it must not outlive the report.
    pub fn snapshot(self: Report) Error!Snapshot {
        var out: ?*c.ktsnap_snapshot = null;
        try check(c.ktsnap_snapshot_new(&out, self.ptr));
        return .{ .ptr = out.? };
    }

    /// Renders the report. Owned result.
    pub fn render(self: Report, opts: RenderOptions) Error!OwnedString {
        const o = opts.toC();
        var out: [*c]u8 = null;
        var n: usize = 0;
        try check(c.ktsnap_render_report(&out, &n, self.ptr, &o));
        return ownedFrom(out, n);
    }
};

// ---------------------------------------------------------------------------
// Maps and values
// ---------------------------------------------------------------------------

/// Per-CPU aggregate operations.
pub const AggOp = enum(u32) { sum = c.KTSNAP_AGG_SUM, max = c.KTSNAP_AGG_MAX, min = c.KTSNAP_AGG_MIN };

/// Summary of a column or aggregate read whose arguments were valid.
pub const BulkResult = struct {
    /// entries that did not convert (their element is 0)
    failed: u32,
    /// index of the first of them, null when none
    first_failure: ?u32,
    /// its error, null when none
    first_error: ?Error,
};

fn bulkFrom(r: c.ktsnap_bulk_result) BulkResult {
    return .{
        .failed = r.failed,
        .first_failure = if (r.failed == 0) null else r.first_failure,
        .first_error = if (r.first_status == 0) null else (if (check(r.first_status)) |_| null else |e| e),
    };
}

fn BulkFn(comptime T: type) type {
    return *const fn ([*c]T, usize, [*c]i32, [*c]c.ktsnap_bulk_result, ?*const c.ktsnap_map, [*c]const u8, u32) callconv(.C) c.ktsnap_status;
}

/// One map of a report. Borrowed: valid while its report lives.
pub const Map = struct {
    ptr: *const c.ktsnap_map,

    pub fn name(self: Map) [:0]const u8 {
        return spanOrEmpty(c.ktsnap_map_name(self.ptr));
    }
    pub fn index(self: Map) u32 {
        return c.ktsnap_map_index(self.ptr);
    }
    pub fn mapType(self: Map) u32 {
        return c.ktsnap_map_type(self.ptr);
    }
    pub fn typeName(self: Map) [:0]const u8 {
        return spanOrEmpty(c.ktsnap_map_type_name(self.ptr));
    }
    pub fn isPercpu(self: Map) bool {
        return c.ktsnap_map_is_percpu(self.ptr);
    }
    pub fn keySize(self: Map) u32 {
        return c.ktsnap_map_key_size(self.ptr);
    }
    pub fn valueSize(self: Map) u32 {
        return c.ktsnap_map_value_size(self.ptr);
    }
    pub fn maxEntries(self: Map) u32 {
        return c.ktsnap_map_max_entries(self.ptr);
    }
    pub fn nrCpus(self: Map) u32 {
        return c.ktsnap_map_nr_cpus(self.ptr);
    }
    pub fn flags(self: Map) u32 {
        return c.ktsnap_map_flags(self.ptr);
    }
    pub fn id(self: Map) u32 {
        return c.ktsnap_map_id(self.ptr);
    }
    pub fn kva(self: Map) u64 {
        return c.ktsnap_map_kva(self.ptr);
    }
    /// Why the contents are missing or partial, or null.
    pub fn readError(self: Map) ?[:0]const u8 {
        const p = c.ktsnap_map_error(self.ptr) orelse return null;
        return std.mem.span(p);
    }
    pub fn keyTypeName(self: Map) [:0]const u8 {
        return spanOrEmpty(c.ktsnap_map_key_type_name(self.ptr));
    }
    pub fn valueTypeName(self: Map) [:0]const u8 {
        return spanOrEmpty(c.ktsnap_map_value_type_name(self.ptr));
    }
    pub fn entryCount(self: Map) u32 {
        return c.ktsnap_map_entry_count(self.ptr);
    }

    /// Key of entry `entry` (value layer).
    pub fn key(self: Map, entry: u32) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_map_key(&v, self.ptr, entry));
        return .{ .raw = v };
    }
    /// Value of entry `entry` of a map that is not per-CPU.
    pub fn value(self: Map, entry: u32) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_map_value(&v, self.ptr, entry));
        return .{ .raw = v };
    }
    /// Value of entry `entry` of a per-CPU map on CPU slot `cpu`.
    pub fn percpuValue(self: Map, entry: u32, cpu: u32) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_map_percpu_value(&v, self.ptr, entry, cpu));
        return .{ .raw = v };
    }
    pub fn slotPresent(self: Map, entry: u32, cpu: u32) bool {
        return c.ktsnap_map_slot_present(self.ptr, entry, cpu);
    }

    /// View layer: walks `path` in the value of entry `pos` (CPU slot `cpu`
    /// for per-CPU maps; null = not narrowed).
    pub fn entryGet(self: Map, pos: u64, cpu: ?u32, path: [:0]const u8) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_entry_get(&v, self.ptr, pos, cpuArg(cpu), path.ptr));
        return .{ .raw = v };
    }
    /// View layer: walks `path` in the key of entry `pos`.
    pub fn entryKey(self: Map, pos: u64, path: [:0]const u8) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_entry_key(&v, self.ptr, pos, path.ptr));
        return .{ .raw = v };
    }

    /// `path` read in every captured slot of per-CPU entry `pos`, combined with `op`.
    pub fn entryCpuAggU64(self: Map, pos: u64, path: [:0]const u8, op: AggOp) Error!u64 {
        var out: u64 = 0;
        try check(c.ktsnap_entry_cpu_agg_u64(&out, self.ptr, pos, path.ptr, @intFromEnum(op)));
        return out;
    }
    pub fn entryCpuAggI64(self: Map, pos: u64, path: [:0]const u8, op: AggOp) Error!i64 {
        var out: i64 = 0;
        try check(c.ktsnap_entry_cpu_agg_i64(&out, self.ptr, pos, path.ptr, @intFromEnum(op)));
        return out;
    }
    pub fn entryCpuAggF64(self: Map, pos: u64, path: [:0]const u8, op: AggOp) Error!f64 {
        var out: f64 = 0;
        try check(c.ktsnap_entry_cpu_agg_f64(&out, self.ptr, pos, path.ptr, @intFromEnum(op)));
        return out;
    }

    /// Compiles a predicate for this map. Owned result.
    pub fn query(self: Map, expr: [:0]const u8) Error!Query {
        var out: ?*c.ktsnap_query = null;
        try check(c.ktsnap_query_compile(&out, self.ptr, expr.ptr));
        return .{ .ptr = out.? };
    }

    fn bulk(self: Map, comptime T: type, f: BulkFn(T), out: []T, status: ?[]i32, path: [:0]const u8, arg: u32) Error!BulkResult {
        if (status) |s| if (s.len < out.len) return error.Invalid;
        var r = std.mem.zeroes(c.ktsnap_bulk_result);
        const sp: [*c]i32 = if (status) |s| s.ptr else null;
        try check(f(out.ptr, out.len, sp, &r, self.ptr, path.ptr, arg));
        return bulkFrom(r);
    }

    /// Column extraction: `path` read in every entry into `out` (at least
    /// entryCount() long); `status` (optional, as long as `out`) gets each
    /// entry's 0 or negative status. `cpu` is the slot of a per-CPU map.
    pub fn columnU64(self: Map, out: []u64, status: ?[]i32, path: [:0]const u8, cpu: u32) Error!BulkResult {
        return self.bulk(u64, &c.ktsnap_column_u64, out, status, path, cpu);
    }
    pub fn columnI64(self: Map, out: []i64, status: ?[]i32, path: [:0]const u8, cpu: u32) Error!BulkResult {
        return self.bulk(i64, &c.ktsnap_column_i64, out, status, path, cpu);
    }
    pub fn columnF64(self: Map, out: []f64, status: ?[]i32, path: [:0]const u8, cpu: u32) Error!BulkResult {
        return self.bulk(f64, &c.ktsnap_column_f64, out, status, path, cpu);
    }
    /// columnU64 into a new slice of entryCount() elements (owned by the caller's allocator).
    pub fn columnU64Alloc(self: Map, allocator: std.mem.Allocator, path: [:0]const u8, cpu: u32) ![]u64 {
        const out = try allocator.alloc(u64, self.entryCount());
        errdefer allocator.free(out);
        _ = try self.columnU64(out, null, path, cpu);
        return out;
    }

    /// The per-CPU aggregate `op` of `path` for every entry at once.
    pub fn cpuAggU64(self: Map, out: []u64, status: ?[]i32, path: [:0]const u8, op: AggOp) Error!BulkResult {
        return self.bulk(u64, &c.ktsnap_cpu_agg_u64, out, status, path, @intFromEnum(op));
    }
    pub fn cpuAggI64(self: Map, out: []i64, status: ?[]i32, path: [:0]const u8, op: AggOp) Error!BulkResult {
        return self.bulk(i64, &c.ktsnap_cpu_agg_i64, out, status, path, @intFromEnum(op));
    }
    pub fn cpuAggF64(self: Map, out: []f64, status: ?[]i32, path: [:0]const u8, op: AggOp) Error!BulkResult {
        return self.bulk(f64, &c.ktsnap_cpu_agg_f64, out, status, path, @intFromEnum(op));
    }

    pub fn render(self: Map, opts: RenderOptions) Error!OwnedString {
        const o = opts.toC();
        var out: [*c]u8 = null;
        var n: usize = 0;
        try check(c.ktsnap_render_map(&out, &n, self.ptr, &o));
        return ownedFrom(out, n);
    }
};

pub const Kind = enum(u32) {
    invalid = c.KTSNAP_KIND_INVALID,
    int = c.KTSNAP_KIND_INT,
    uint = c.KTSNAP_KIND_UINT,
    bool = c.KTSNAP_KIND_BOOL,
    char = c.KTSNAP_KIND_CHAR,
    float = c.KTSNAP_KIND_FLOAT,
    @"enum" = c.KTSNAP_KIND_ENUM,
    @"struct" = c.KTSNAP_KIND_STRUCT,
    @"union" = c.KTSNAP_KIND_UNION,
    array = c.KTSNAP_KIND_ARRAY,
    ptr = c.KTSNAP_KIND_PTR,
    datasec = c.KTSNAP_KIND_DATASEC,
    bytes = c.KTSNAP_KIND_BYTES,
    unsupported = c.KTSNAP_KIND_UNSUPPORTED,
    _,
};

fn ArrayFn(comptime T: type) type {
    return *const fn ([*c]T, usize, [*c]usize, [*c]const c.ktsnap_value) callconv(.C) c.ktsnap_status;
}
fn ReadArrayFn(comptime T: type) type {
    return *const fn ([*c]T, usize, [*c]usize, [*c]const c.ktsnap_value, [*c]const u8) callconv(.C) c.ktsnap_status;
}

/// A typed value inside a report (by value, nothing to free). Valid while
/// the report lives.
pub const Value = struct {
    raw: c.ktsnap_value,

    pub fn kind(self: Value) Kind {
        return @enumFromInt(c.ktsnap_value_kind(&self.raw));
    }
    pub fn kindName(self: Value) [:0]const u8 {
        return std.mem.span(c.ktsnap_value_kind_name(c.ktsnap_value_kind(&self.raw)));
    }
    /// Type display name ("struct kt_task_ctx"). Owned result.
    pub fn typeName(self: Value) Error!OwnedString {
        var out: [*c]u8 = null;
        try check(c.ktsnap_value_type_name_dup(&out, &self.raw));
        return ownedFrom(out, std.mem.len(out));
    }
    pub fn size(self: Value) u64 {
        return c.ktsnap_value_size(&self.raw);
    }
    pub fn isTruncated(self: Value) bool {
        return c.ktsnap_value_is_truncated(&self.raw);
    }

    /// Value layer walk: "a.b[2].c".
    pub fn get(self: Value, path: [:0]const u8) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_value_get(&v, &self.raw, path.ptr));
        return .{ .raw = v };
    }
    /// View layer walk (dots only, spec/views.md).
    pub fn walk(self: Value, path: [:0]const u8) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_value_walk(&v, &self.raw, path.ptr));
        return .{ .raw = v };
    }
    pub fn member(self: Value, name: [:0]const u8) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_value_member(&v, &self.raw, name.ptr));
        return .{ .raw = v };
    }
    pub fn at(self: Value, i: u64) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_value_index(&v, &self.raw, i));
        return .{ .raw = v };
    }
    pub fn deref(self: Value) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_value_deref(&v, &self.raw));
        return .{ .raw = v };
    }
    /// Array element count or composite member count.
    pub fn length(self: Value) Error!u64 {
        var n: u64 = 0;
        try check(c.ktsnap_value_length(&n, &self.raw));
        return n;
    }
    pub fn memberCount(self: Value) Error!usize {
        var n: usize = 0;
        try check(c.ktsnap_value_member_count(&n, &self.raw));
        return n;
    }
    pub fn memberName(self: Value, idx: usize) Error![:0]const u8 {
        var p: [*c]const u8 = null;
        var n: usize = 0;
        try check(c.ktsnap_value_member_name(&p, &n, &self.raw, idx));
        return p[0..n :0];
    }

    pub fn toU64(self: Value) Error!u64 {
        var out: u64 = 0;
        try check(c.ktsnap_value_u64(&out, &self.raw));
        return out;
    }
    pub fn toI64(self: Value) Error!i64 {
        var out: i64 = 0;
        try check(c.ktsnap_value_i64(&out, &self.raw));
        return out;
    }
    pub fn toF64(self: Value) Error!f64 {
        var out: f64 = 0;
        try check(c.ktsnap_value_f64(&out, &self.raw));
        return out;
    }
    pub fn toBool(self: Value) Error!bool {
        var out: bool = false;
        try check(c.ktsnap_value_bool(&out, &self.raw));
        return out;
    }
    /// Text of an enum (variant name) or char array, into `buf`; returns the
    /// part of `buf` written. error.Range when it does not fit.
    pub fn string(self: Value, buf: []u8) Error![]u8 {
        var n: usize = 0;
        try check(c.ktsnap_value_string(buf.ptr, buf.len, &n, &self.raw));
        return buf[0..n];
    }
    /// Text of the value, owned (ktsnap_free()).
    pub fn stringDup(self: Value) Error!OwnedString {
        var out: [*c]u8 = null;
        var n: usize = 0;
        try check(c.ktsnap_value_string_dup(&out, &n, &self.raw));
        return ownedFrom(out, n);
    }
    pub fn enumName(self: Value) Error![:0]const u8 {
        var p: [*c]const u8 = null;
        try check(c.ktsnap_value_enum_name(&p, &self.raw));
        return std.mem.span(p);
    }
    /// The raw bytes behind the value (borrowed).
    pub fn bytes(self: Value) Error![]const u8 {
        var p: ?*const anyopaque = null;
        var n: usize = 0;
        try check(c.ktsnap_value_bytes(&p, &n, &self.raw));
        if (n == 0) return &[_]u8{};
        return @as([*]const u8, @ptrCast(p.?))[0..n];
    }

    fn array(self: Value, comptime T: type, f: ArrayFn(T), out: []T) Error![]T {
        var n: usize = 0;
        try check(f(out.ptr, out.len, &n, &self.raw));
        return filled(T, out, n);
    }
    /// Every element of an array converted, into `out`; returns the
    /// elements written. error.Range when `out` is too short.
    pub fn u64Array(self: Value, out: []u64) Error![]u64 {
        return self.array(u64, &c.ktsnap_value_u64_array, out);
    }
    pub fn u32Array(self: Value, out: []u32) Error![]u32 {
        return self.array(u32, &c.ktsnap_value_u32_array, out);
    }
    pub fn i64Array(self: Value, out: []i64) Error![]i64 {
        return self.array(i64, &c.ktsnap_value_i64_array, out);
    }
    pub fn f64Array(self: Value, out: []f64) Error![]f64 {
        return self.array(f64, &c.ktsnap_value_f64_array, out);
    }
    pub fn boolArray(self: Value, out: []bool) Error![]bool {
        return self.array(bool, &c.ktsnap_value_bool_array, out);
    }

    // View-layer typed reads: walk `path` ("" = the value), then convert.
    pub fn readU64(self: Value, path: [:0]const u8) Error!u64 {
        var out: u64 = 0;
        try check(c.ktsnap_value_read_u64(&out, &self.raw, path.ptr));
        return out;
    }
    pub fn readI64(self: Value, path: [:0]const u8) Error!i64 {
        var out: i64 = 0;
        try check(c.ktsnap_value_read_i64(&out, &self.raw, path.ptr));
        return out;
    }
    pub fn readF64(self: Value, path: [:0]const u8) Error!f64 {
        var out: f64 = 0;
        try check(c.ktsnap_value_read_f64(&out, &self.raw, path.ptr));
        return out;
    }
    pub fn readBool(self: Value, path: [:0]const u8) Error!bool {
        var out: bool = false;
        try check(c.ktsnap_value_read_bool(&out, &self.raw, path.ptr));
        return out;
    }
    /// An enum's variant name (borrowed from the report's BTF).
    pub fn readStr(self: Value, path: [:0]const u8) Error![:0]const u8 {
        var p: [*c]const u8 = null;
        try check(c.ktsnap_value_read_str(&p, &self.raw, path.ptr));
        return std.mem.span(p);
    }

    fn readArray(self: Value, comptime T: type, f: ReadArrayFn(T), out: []T, path: [:0]const u8) Error![]T {
        var n: usize = 0;
        try check(f(out.ptr, out.len, &n, &self.raw, path.ptr));
        return filled(T, out, n);
    }
    pub fn readU64Array(self: Value, out: []u64, path: [:0]const u8) Error![]u64 {
        return self.readArray(u64, &c.ktsnap_value_read_u64_array, out, path);
    }
    pub fn readU32Array(self: Value, out: []u32, path: [:0]const u8) Error![]u32 {
        return self.readArray(u32, &c.ktsnap_value_read_u32_array, out, path);
    }
    pub fn readI64Array(self: Value, out: []i64, path: [:0]const u8) Error![]i64 {
        return self.readArray(i64, &c.ktsnap_value_read_i64_array, out, path);
    }
    pub fn readF64Array(self: Value, out: []f64, path: [:0]const u8) Error![]f64 {
        return self.readArray(f64, &c.ktsnap_value_read_f64_array, out, path);
    }
    pub fn readBoolArray(self: Value, out: []bool, path: [:0]const u8) Error![]bool {
        return self.readArray(bool, &c.ktsnap_value_read_bool_array, out, path);
    }

    pub fn render(self: Value, opts: RenderOptions) Error!OwnedString {
        const o = opts.toC();
        var out: [*c]u8 = null;
        var n: usize = 0;
        try check(c.ktsnap_render_value(&out, &n, &self.raw, &o));
        return ownedFrom(out, n);
    }
};

// ---------------------------------------------------------------------------
// Snapshots, queries, stats JSON
// ---------------------------------------------------------------------------

/// A view of one report. Owned; it borrows the report, which must outlive it.
pub const Snapshot = struct {
    ptr: *c.ktsnap_snapshot,

    pub fn deinit(self: *Snapshot) void {
        c.ktsnap_snapshot_free(self.ptr);
        self.* = undefined;
    }
    /// The view of the attached scheduler. Owned result.
    pub fn active(self: Snapshot) Error!Snapshot {
        var out: ?*c.ktsnap_snapshot = null;
        try check(c.ktsnap_snapshot_active(&out, self.ptr));
        return .{ .ptr = out.? };
    }
    pub fn isFiltered(self: Snapshot) bool {
        return c.ktsnap_snapshot_is_filtered(self.ptr);
    }
    pub fn activeObj(self: Snapshot) [:0]const u8 {
        return spanOrEmpty(c.ktsnap_snapshot_active_obj(self.ptr));
    }
    pub fn mapCount(self: Snapshot) usize {
        return c.ktsnap_snapshot_map_count(self.ptr);
    }
    pub fn mapAt(self: Snapshot, idx: usize) ?Map {
        const p = c.ktsnap_snapshot_map_at(self.ptr, idx) orelse return null;
        return .{ .ptr = p };
    }
    /// Iterates the admitted maps: `while (it.next()) |m| ...`.
    pub fn maps(self: Snapshot) MapIterator {
        return .{ .snap = self, .i = 0 };
    }
    pub const MapIterator = struct {
        snap: Snapshot,
        i: usize,
        pub fn next(it: *MapIterator) ?Map {
            if (it.i >= it.snap.mapCount()) return null;
            defer it.i += 1;
            return it.snap.mapAt(it.i);
        }
    };
    pub fn map(self: Snapshot, name: [:0]const u8) Error!Map {
        var out: ?*const c.ktsnap_map = null;
        try check(c.ktsnap_snapshot_map(&out, self.ptr, name.ptr));
        return .{ .ptr = out.? };
    }
    /// Global variable `name` (no dots).
    pub fn variable(self: Snapshot, name: [:0]const u8) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_snapshot_var(&v, self.ptr, name.ptr));
        return .{ .raw = v };
    }
    pub fn liveVariable(self: Snapshot, name: [:0]const u8) Error!Value {
        var v: c.ktsnap_value = undefined;
        try check(c.ktsnap_snapshot_live_var(&v, self.ptr, name.ptr));
        return .{ .raw = v };
    }
    /// The stats JSON at `path` ("" = the root).
    pub fn stats(self: Snapshot, path: [:0]const u8) Error!Json {
        var j: c.ktsnap_json = undefined;
        try check(c.ktsnap_snapshot_stats(&j, self.ptr, path.ptr));
        return .{ .raw = j };
    }
};

/// A compiled predicate for one map. Owned (`deinit()`); borrows the
/// map's report.
pub const Query = struct {
    ptr: *c.ktsnap_query,

    pub fn deinit(self: *Query) void {
        c.ktsnap_query_free(self.ptr);
        self.* = undefined;
    }
    pub fn expression(self: Query) [:0]const u8 {
        return std.mem.span(c.ktsnap_query_expression(self.ptr));
    }
    pub fn map(self: Query) Map {
        return .{ .ptr = c.ktsnap_query_map(self.ptr).? };
    }
    pub fn matches(self: Query, entry: u32, cpu: u32) Error!bool {
        var out = false;
        try check(c.ktsnap_query_matches(&out, self.ptr, entry, cpu));
        return out;
    }
    /// The first matching entry; error.NotFound (kind NO_MATCH) for none.
    pub fn find(self: Query, cpu: u32) Error!u32 {
        var out: u32 = 0;
        try check(c.ktsnap_query_find(&out, self.ptr, cpu));
        return out;
    }
    /// Matching entries into `out`; returns those written. error.Range
    /// when they do not all fit.
    pub fn filter(self: Query, out: []u32, cpu: u32) Error![]u32 {
        var n: usize = 0;
        try check(c.ktsnap_query_filter(out.ptr, out.len, &n, self.ptr, cpu));
        return filled(u32, out, n);
    }
    /// Every matching entry, in a slice the caller frees with `allocator`.
    pub fn filterAlloc(self: Query, allocator: std.mem.Allocator, cpu: u32) ![]u32 {
        const out = try allocator.alloc(u32, self.map().entryCount());
        errdefer allocator.free(out);
        const got = try self.filter(out, cpu);
        return allocator.realloc(out, got.len);
    }
    pub fn count(self: Query, cpu: u32) Error!u64 {
        var out: u64 = 0;
        try check(c.ktsnap_query_count(&out, self.ptr, cpu));
        return out;
    }
    pub fn maxBy(self: Query, key_path: [:0]const u8, cpu: u32) Error!u32 {
        var out: u32 = 0;
        try check(c.ktsnap_query_max_by(&out, self.ptr, key_path.ptr, cpu));
        return out;
    }
    pub fn minBy(self: Query, key_path: [:0]const u8, cpu: u32) Error!u32 {
        var out: u32 = 0;
        try check(c.ktsnap_query_min_by(&out, self.ptr, key_path.ptr, cpu));
        return out;
    }
};

pub const JsonKind = enum(u32) {
    invalid = c.KTSNAP_JSON_INVALID,
    null = c.KTSNAP_JSON_NULL,
    bool = c.KTSNAP_JSON_BOOL,
    number = c.KTSNAP_JSON_NUMBER,
    string = c.KTSNAP_JSON_STRING,
    array = c.KTSNAP_JSON_ARRAY,
    object = c.KTSNAP_JSON_OBJECT,
    _,
};

fn JsonArrayFn(comptime T: type) type {
    return *const fn ([*c]T, usize, [*c]usize, [*c]const c.ktsnap_json) callconv(.C) c.ktsnap_status;
}

/// A position in a snapshot's stats JSON (by value). Valid while the
/// snapshot lives.
pub const Json = struct {
    raw: c.ktsnap_json,

    pub fn kind(self: Json) JsonKind {
        return @enumFromInt(c.ktsnap_json_kind(&self.raw));
    }
    pub fn get(self: Json, path: [:0]const u8) Error!Json {
        var j: c.ktsnap_json = undefined;
        try check(c.ktsnap_json_get(&j, &self.raw, path.ptr));
        return .{ .raw = j };
    }
    pub fn length(self: Json) Error!usize {
        var n: usize = 0;
        try check(c.ktsnap_json_length(&n, &self.raw));
        return n;
    }
    pub fn at(self: Json, i: usize) Error!Json {
        var j: c.ktsnap_json = undefined;
        try check(c.ktsnap_json_index(&j, &self.raw, i));
        return .{ .raw = j };
    }
    pub fn toU64(self: Json) Error!u64 {
        var out: u64 = 0;
        try check(c.ktsnap_json_u64(&out, &self.raw));
        return out;
    }
    pub fn toI64(self: Json) Error!i64 {
        var out: i64 = 0;
        try check(c.ktsnap_json_i64(&out, &self.raw));
        return out;
    }
    pub fn toF64(self: Json) Error!f64 {
        var out: f64 = 0;
        try check(c.ktsnap_json_f64(&out, &self.raw));
        return out;
    }
    pub fn toBool(self: Json) Error!bool {
        var out = false;
        try check(c.ktsnap_json_bool(&out, &self.raw));
        return out;
    }
    /// A JSON string (borrowed from the parsed document).
    pub fn string(self: Json) Error![]const u8 {
        var p: [*c]const u8 = null;
        var n: usize = 0;
        try check(c.ktsnap_json_string(&p, &n, &self.raw));
        return p[0..n];
    }
    fn array(self: Json, comptime T: type, f: JsonArrayFn(T), out: []T) Error![]T {
        var n: usize = 0;
        try check(f(out.ptr, out.len, &n, &self.raw));
        return filled(T, out, n);
    }
    pub fn u64Array(self: Json, out: []u64) Error![]u64 {
        return self.array(u64, &c.ktsnap_json_u64_array, out);
    }
    pub fn i64Array(self: Json, out: []i64) Error![]i64 {
        return self.array(i64, &c.ktsnap_json_i64_array, out);
    }
    pub fn f64Array(self: Json, out: []f64) Error![]f64 {
        return self.array(f64, &c.ktsnap_json_f64_array, out);
    }
    pub fn boolArray(self: Json, out: []bool) Error![]bool {
        return self.array(bool, &c.ktsnap_json_bool_array, out);
    }
};

// ---------------------------------------------------------------------------
// Live capture
// ---------------------------------------------------------------------------

pub const CaptureOptions = struct {
    map_ids: []const u32 = &.{},
    prog_ids: []const u32 = &.{},
    name_prefix: ?[:0]const u8 = null,
    tag: ?[:0]const u8 = null,
    struct_ops_map_id: u32 = 0,
    max_entries_per_map: u32 = 0,
    deadline_ns: u64 = 0,
    all: bool = false,
};

pub const CaptureStats = c.ktsnap_capture_stats;

/// Reads the selected kernel BPF maps into a new report (owned). Needs
/// root (or CAP_BPF + CAP_SYS_ADMIN): error.Perm otherwise. `stats`, when
/// given, receives the counters.
pub fn capture(opts: CaptureOptions, stats: ?*CaptureStats) Error!Report {
    var o = std.mem.zeroes(c.ktsnap_capture_opts);
    _ = c.ktsnap_capture_opts_init(&o, @sizeOf(c.ktsnap_capture_opts));
    o.map_ids = opts.map_ids.ptr;
    o.map_id_count = opts.map_ids.len;
    o.prog_ids = opts.prog_ids.ptr;
    o.prog_id_count = opts.prog_ids.len;
    if (opts.name_prefix) |p| o.name_prefix = p.ptr;
    if (opts.tag) |t| o.tag = t.ptr;
    o.struct_ops_map_id = opts.struct_ops_map_id;
    o.max_entries_per_map = opts.max_entries_per_map;
    o.deadline_ns = opts.deadline_ns;
    if (opts.all) o.flags = c.KTSNAP_CAPTURE_ALL;
    if (stats) |s| {
        s.* = std.mem.zeroes(CaptureStats);
        s.sz = @sizeOf(CaptureStats);
    }
    var out: ?*c.ktsnap_report = null;
    try check(c.ktsnap_capture(&out, &o, stats));
    return .{ .ptr = out.? };
}

/// Why maps of `map_type` cannot be captured, or null when they can.
pub fn captureExcludedReason(map_type: u32) ?[:0]const u8 {
    const s = std.mem.span(c.ktsnap_capture_excluded_reason(map_type));
    return if (s.len == 0) null else s;
}

/// Every BPF map of the machine. Owned (`deinit()`).
pub const KernelMapList = struct {
    ptr: *c.ktsnap_kernel_map_list,

    pub const Entry = struct {
        id: u32,
        map_type: u32,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
        /// null when not counted
        entries: ?u64,
        type_name: [:0]const u8,
        name: [:0]const u8,
    };

    pub fn init(count_limit: u32) Error!KernelMapList {
        var out: ?*c.ktsnap_kernel_map_list = null;
        try check(c.ktsnap_kernel_maps(&out, count_limit));
        return .{ .ptr = out.? };
    }
    pub fn deinit(self: *KernelMapList) void {
        c.ktsnap_kernel_map_list_free(self.ptr);
        self.* = undefined;
    }
    pub fn count(self: KernelMapList) usize {
        return c.ktsnap_kernel_map_list_count(self.ptr);
    }
    pub fn at(self: KernelMapList, idx: usize) ?Entry {
        const m = c.ktsnap_kernel_map_list_at(self.ptr, idx) orelse return null;
        return .{
            .id = m.*.id,
            .map_type = m.*.type,
            .key_size = m.*.key_size,
            .value_size = m.*.value_size,
            .max_entries = m.*.max_entries,
            .entries = if (m.*.entries < 0) null else @intCast(m.*.entries),
            .type_name = spanOrEmpty(m.*.type_name),
            .name = spanOrEmpty(m.*.name),
        };
    }
};

// ---------------------------------------------------------------------------
// Rings
// ---------------------------------------------------------------------------

pub const RingPolicy = enum(u32) { wait = c.KTSNAP_RING_POLICY_WAIT, drop = c.KTSNAP_RING_POLICY_DROP };

pub const RingOptions = struct {
    /// data area bytes; 0 = 1 MiB
    size_bytes: u64 = 0,
    /// 0 = KTSNAP_RING_MAX_CONSUMERS
    max_consumers: u32 = 0,
    policy: RingPolicy = .wait,
    /// permission bits; 0 = 0600
    mode: u32 = 0,
};

pub const RingInfo = c.ktsnap_ring_info;

/// Timeouts are nanoseconds: 0 does not wait, negative waits without bound.
pub const wait_forever: i64 = -1;

/// A mapped shared-memory ring. Owned (`deinit()`).
pub const Ring = struct {
    ptr: *c.ktsnap_ring,

    pub fn create(name: [:0]const u8, opts: RingOptions) Error!Ring {
        var o = std.mem.zeroes(c.ktsnap_ring_opts);
        _ = c.ktsnap_ring_opts_init(&o, @sizeOf(c.ktsnap_ring_opts));
        o.size_bytes = opts.size_bytes;
        o.max_consumers = opts.max_consumers;
        o.policy = @intFromEnum(opts.policy);
        o.mode = opts.mode;
        var out: ?*c.ktsnap_ring = null;
        try check(c.ktsnap_ring_create(&out, name.ptr, &o));
        return .{ .ptr = out.? };
    }
    pub fn open(name: [:0]const u8) Error!Ring {
        var out: ?*c.ktsnap_ring = null;
        try check(c.ktsnap_ring_open(&out, name.ptr));
        return .{ .ptr = out.? };
    }
    /// Removes the segment's name.
    pub fn unlink(name: [:0]const u8) Error!void {
        try check(c.ktsnap_ring_unlink(name.ptr));
    }
    pub fn deinit(self: *Ring) void {
        c.ktsnap_ring_free(self.ptr);
        self.* = undefined;
    }
    pub fn stat(self: Ring) Error!RingInfo {
        var info = std.mem.zeroes(RingInfo);
        info.sz = @sizeOf(RingInfo);
        try check(c.ktsnap_ring_stat(&info, self.ptr));
        return info;
    }
    pub fn producer(self: Ring) Error!Producer {
        var out: ?*c.ktsnap_producer = null;
        try check(c.ktsnap_producer_open(&out, self.ptr));
        return .{ .ptr = out.? };
    }
    /// Registers a consumer; `copy` copies each payload out of the ring.
    pub fn consumer(self: Ring, copy: bool) Error!Consumer {
        var o = std.mem.zeroes(c.ktsnap_consumer_opts);
        _ = c.ktsnap_consumer_opts_init(&o, @sizeOf(c.ktsnap_consumer_opts));
        if (copy) o.flags = c.KTSNAP_CONSUMER_COPY;
        var out: ?*c.ktsnap_consumer = null;
        try check(c.ktsnap_consumer_open(&out, self.ptr, &o));
        return .{ .ptr = out.? };
    }
};

/// The producer end of a ring. Owned; one thread at a time.
pub const Producer = struct {
    ptr: *c.ktsnap_producer,

    pub fn deinit(self: *Producer) void {
        c.ktsnap_producer_free(self.ptr);
        self.* = undefined;
    }
    /// Reserves `size` bytes inside the ring (borrowed until commit/discard).
    pub fn reserve(self: Producer, size: usize, timeout_ns: i64) Error![]u8 {
        var p: ?*anyopaque = null;
        try check(c.ktsnap_producer_reserve(&p, self.ptr, size, timeout_ns));
        return @as([*]u8, @ptrCast(p.?))[0..size];
    }
    pub fn commit(self: Producer) Error!void {
        try check(c.ktsnap_producer_commit(self.ptr));
    }
    pub fn discard(self: Producer) Error!void {
        try check(c.ktsnap_producer_discard(self.ptr));
    }
    pub fn publish(self: Producer, report: Report, timeout_ns: i64) Error!void {
        try check(c.ktsnap_producer_publish(self.ptr, report.ptr, timeout_ns));
    }
    pub fn publishBytes(self: Producer, data: []const u8, timeout_ns: i64) Error!void {
        try check(c.ktsnap_producer_publish_bytes(self.ptr, data.ptr, data.len, timeout_ns));
    }
};

/// A consumer of a ring. Owned; one thread at a time.
pub const Consumer = struct {
    ptr: *c.ktsnap_consumer,

    pub fn deinit(self: *Consumer) void {
        c.ktsnap_consumer_free(self.ptr);
        self.* = undefined;
    }
    /// The next report, opened in place (owned: its deinit releases the
    /// record). error.Again when timeout_ns is 0 and nothing is there.
    pub fn next(self: Consumer, timeout_ns: i64) Error!Report {
        var out: ?*c.ktsnap_report = null;
        try check(c.ktsnap_consumer_next(&out, self.ptr, timeout_ns));
        return .{ .ptr = out.? };
    }
    /// Up to out.len reports; returns those written (each owned).
    pub fn nextBatch(self: Consumer, out: []Report, timeout_ns: i64) Error![]Report {
        var n: usize = 0;
        const raw: [*c]?*c.ktsnap_report = @ptrCast(out.ptr);
        try check(c.ktsnap_consumer_next_batch(raw, out.len, &n, self.ptr, timeout_ns));
        return out[0..n];
    }
    pub fn drops(self: Consumer) u64 {
        return c.ktsnap_consumer_drops(self.ptr);
    }
    pub fn missed(self: Consumer) u64 {
        return c.ktsnap_consumer_missed(self.ptr);
    }
};

comptime {
    // nextBatch passes a []Report as an array of handles.
    std.debug.assert(@sizeOf(Report) == @sizeOf(?*c.ktsnap_report));
    std.debug.assert(@offsetOf(Report, "ptr") == 0);
}

// ---------------------------------------------------------------------------
// Bridge
// ---------------------------------------------------------------------------

/// C signature of a capture callback: return an owned report (the bridge
/// takes it) or null. Runs on the calling thread; must not panic through C.
pub const CaptureFn = *const fn (tag: [*c]const u8, tag_len: usize, user_data: ?*anyopaque) callconv(.C) ?*c.ktsnap_report;
/// C signature of a watch callback.
pub const WatchFn = *const fn (symbol: [*c]const u8, symbol_len: usize, err_buf: [*c]u8, err_buf_size: usize, user_data: ?*anyopaque) callconv(.C) c.ktsnap_status;

pub const BridgeOptions = struct {
    capture: ?CaptureFn = null,
    capture_user_data: ?*anyopaque = null,
    watch: ?WatchFn = null,
    watch_user_data: ?*anyopaque = null,
};

pub const StoreOptions = struct {
    stats_json: ?[]const u8 = null,
    elapsed_ms: ?u64 = null,
    boundary_offset_ms: ?u64 = null,
    step_index: ?u16 = null,
};

pub const DrainMode = enum(u32) {
    unordered = c.KTSNAP_BRIDGE_DRAIN_UNORDERED,
    ordered = c.KTSNAP_BRIDGE_DRAIN_ORDERED,
    with_stats = c.KTSNAP_BRIDGE_DRAIN_WITH_STATS,
};

/// A reference to an in-process report store. Owned (`deinit()` drops the
/// reference).
pub const Bridge = struct {
    ptr: *c.ktsnap_bridge,

    pub fn init(opts: BridgeOptions) Error!Bridge {
        var o = std.mem.zeroes(c.ktsnap_bridge_opts);
        _ = c.ktsnap_bridge_opts_init(&o, @sizeOf(c.ktsnap_bridge_opts));
        o.capture = opts.capture;
        o.capture_user_data = opts.capture_user_data;
        o.watch = opts.watch;
        o.watch_user_data = opts.watch_user_data;
        var out: ?*c.ktsnap_bridge = null;
        try check(c.ktsnap_bridge_new(&out, &o));
        return .{ .ptr = out.? };
    }

    /// A bridge whose capture callback is `func(ctx, tag)`, a plain Zig
    /// function: a C-calling-convention trampoline is generated for it.
    /// `ctx` must outlive every reference to the bridge.
    pub fn initWithCapture(comptime Ctx: type, ctx: *Ctx, comptime func: fn (*Ctx, []const u8) ?Report) Error!Bridge {
        const Tramp = struct {
            fn call(tag: [*c]const u8, tag_len: usize, user_data: ?*anyopaque) callconv(.C) ?*c.ktsnap_report {
                const self: *Ctx = @ptrCast(@alignCast(user_data.?));
                const r = func(self, tag[0..tag_len]) orelse return null;
                return r.ptr;
            }
        };
        return init(.{ .capture = &Tramp.call, .capture_user_data = ctx });
    }

    pub fn deinit(self: *Bridge) void {
        c.ktsnap_bridge_free(self.ptr);
        self.* = undefined;
    }
    pub fn clone(self: Bridge) Error!Bridge {
        var out: ?*c.ktsnap_bridge = null;
        try check(c.ktsnap_bridge_clone(&out, self.ptr));
        return .{ .ptr = out.? };
    }
    pub fn same(self: Bridge, other: Bridge) bool {
        return c.ktsnap_bridge_same(self.ptr, other.ptr);
    }
    /// Stores a copy of `report` under `tag`; the caller still owns `report`.
    pub fn store(self: Bridge, tag: []const u8, report: Report, opts: StoreOptions) Error!void {
        var o = std.mem.zeroes(c.ktsnap_bridge_store_opts);
        _ = c.ktsnap_bridge_store_opts_init(&o, @sizeOf(c.ktsnap_bridge_store_opts));
        if (opts.stats_json) |s| {
            o.stats_json = s.ptr;
            o.stats_json_len = s.len;
        }
        if (opts.elapsed_ms) |v| {
            o.elapsed_ms = v;
            o.flags |= c.KTSNAP_BRIDGE_HAS_ELAPSED;
        }
        if (opts.boundary_offset_ms) |v| {
            o.boundary_offset_ms = v;
            o.flags |= c.KTSNAP_BRIDGE_HAS_BOUNDARY;
        }
        if (opts.step_index) |v| {
            o.step_index = v;
            o.flags |= c.KTSNAP_BRIDGE_HAS_STEP;
        }
        try check(c.ktsnap_bridge_store(self.ptr, tag.ptr, tag.len, report.ptr, &o));
    }
    /// Runs the capture callback for `tag` and stores its report; false
    /// when the callback had none.
    pub fn capture(self: Bridge, tag: []const u8, step_index: ?u16) Error!bool {
        var got = false;
        const step: i32 = if (step_index) |s| s else -1;
        try check(c.ktsnap_bridge_capture(&got, self.ptr, tag.ptr, tag.len, step));
        return got;
    }
    pub fn registerWatch(self: Bridge, symbol: []const u8) Error!void {
        try check(c.ktsnap_bridge_register_watch(self.ptr, symbol.ptr, symbol.len));
    }
    pub fn watchCount(self: Bridge) u32 {
        return c.ktsnap_bridge_watch_count(self.ptr);
    }
    pub fn len(self: Bridge) usize {
        return c.ktsnap_bridge_len(self.ptr);
    }
    pub fn has(self: Bridge, tag: []const u8) bool {
        return c.ktsnap_bridge_has(self.ptr, tag.ptr, tag.len);
    }
    pub fn eventCount(self: Bridge) usize {
        return c.ktsnap_bridge_event_count(self.ptr);
    }
    /// Takes every report out. Owned list (`deinit()`).
    pub fn drain(self: Bridge, mode: DrainMode) Error!BridgeItems {
        var out: ?*c.ktsnap_bridge_items = null;
        try check(c.ktsnap_bridge_drain(&out, self.ptr, @intFromEnum(mode)));
        return .{ .ptr = out.? };
    }
    /// Takes every event. Owned list (`deinit()`).
    pub fn drainEvents(self: Bridge) Error!BridgeEvents {
        var out: ?*c.ktsnap_bridge_events = null;
        try check(c.ktsnap_bridge_drain_events(&out, self.ptr));
        return .{ .ptr = out.? };
    }
    /// Publishes every later store through `producer`, which the bridge
    /// takes on success (do not use or deinit it afterwards).
    pub fn attachRing(self: Bridge, producer: *Producer, timeout_ns: i64) Error!void {
        try check(c.ktsnap_bridge_attach_ring(self.ptr, producer.ptr, timeout_ns));
        producer.* = undefined;
    }
};

pub const BridgeItem = struct {
    /// borrowed: valid while the list lives
    report: Report,
    tag: []const u8,
    stats_json: ?[]const u8,
    elapsed_ms: ?u64,
    boundary_offset_ms: ?u64,
    step_index: ?u16,
};

/// Reports drained from a bridge. Owned (`deinit()` frees them all).
pub const BridgeItems = struct {
    ptr: *c.ktsnap_bridge_items,

    pub fn deinit(self: *BridgeItems) void {
        c.ktsnap_bridge_items_free(self.ptr);
        self.* = undefined;
    }
    pub fn count(self: BridgeItems) usize {
        return c.ktsnap_bridge_items_count(self.ptr);
    }
    pub fn get(self: BridgeItems, idx: usize) Error!BridgeItem {
        var it = std.mem.zeroes(c.ktsnap_bridge_item);
        it.sz = @sizeOf(c.ktsnap_bridge_item);
        try check(c.ktsnap_bridge_items_get(&it, self.ptr, idx));
        const f = it.flags;
        return .{
            // The list owns the report; the Report wrapper here must not be deinit'ed.
            .report = .{ .ptr = @constCast(it.report.?) },
            .tag = it.tag[0..it.tag_len],
            .stats_json = if (f & c.KTSNAP_BRIDGE_HAS_STATS != 0) it.stats_json[0..it.stats_json_len] else null,
            .elapsed_ms = if (f & c.KTSNAP_BRIDGE_HAS_ELAPSED != 0) it.elapsed_ms else null,
            .boundary_offset_ms = if (f & c.KTSNAP_BRIDGE_HAS_BOUNDARY != 0) it.boundary_offset_ms else null,
            .step_index = if (f & c.KTSNAP_BRIDGE_HAS_STEP != 0) it.step_index else null,
        };
    }
};

pub const BridgeEvent = struct {
    kind: u32,
    status: c.ktsnap_status,
    tag: []const u8,
    detail: []const u8,
    count: u64,
    cap: u64,
};

/// Events drained from a bridge. Owned (`deinit()`).
pub const BridgeEvents = struct {
    ptr: *c.ktsnap_bridge_events,

    pub fn deinit(self: *BridgeEvents) void {
        c.ktsnap_bridge_events_free(self.ptr);
        self.* = undefined;
    }
    pub fn count(self: BridgeEvents) usize {
        return c.ktsnap_bridge_events_count(self.ptr);
    }
    pub fn get(self: BridgeEvents, idx: usize) Error!BridgeEvent {
        var e = std.mem.zeroes(c.ktsnap_bridge_event);
        e.sz = @sizeOf(c.ktsnap_bridge_event);
        try check(c.ktsnap_bridge_events_get(&e, self.ptr, idx));
        return .{
            .kind = e.kind,
            .status = e.status,
            .tag = e.tag[0..e.tag_len],
            .detail = e.detail[0..e.detail_len],
            .count = e.count,
            .cap = e.cap,
        };
    }
};

// ---------------------------------------------------------------------------
// Guest requests over the capture wire
// ---------------------------------------------------------------------------

pub const SnapshotKind = struct {
    pub const capture: u32 = c.KTSNAP_SNAPSHOT_KIND_CAPTURE;
    pub const watch: u32 = c.KTSNAP_SNAPSHOT_KIND_WATCH;
};

pub const GuestOutcome = enum(u32) {
    none = c.KTSNAP_GUEST_OUTCOME_NONE,
    ok = c.KTSNAP_GUEST_OUTCOME_OK,
    host_error = c.KTSNAP_GUEST_OUTCOME_HOST_ERROR,
    transport_error = c.KTSNAP_GUEST_OUTCOME_TRANSPORT_ERROR,
    _,
};

/// What one request got. `reason` is borrowed: valid on this thread until
/// its next Guest.request().
pub const GuestReply = struct {
    outcome: GuestOutcome,
    request_id: u32,
    flags: u32,
    reason: []const u8,
};

pub const GuestStats = c.ktsnap_guest_stats;

/// The guest end of the capture wire. Owned (`deinit()`).
pub const Guest = struct {
    ptr: *c.ktsnap_guest,

    /// Opens a virtio port by name or device path.
    pub fn open(port: [:0]const u8) Error!Guest {
        var out: ?*c.ktsnap_guest = null;
        try check(c.ktsnap_guest_open(&out, port.ptr, null));
        return .{ .ptr = out.? };
    }
    /// Uses a descriptor the caller opened (switched to non-blocking). With
    /// `own_fd` deinit() closes it; else the caller closes it after deinit().
    pub fn openFd(fd: i32, own_fd: bool) Error!Guest {
        var o = std.mem.zeroes(c.ktsnap_guest_opts);
        _ = c.ktsnap_guest_opts_init(&o, @sizeOf(c.ktsnap_guest_opts));
        if (own_fd) o.flags = c.KTSNAP_GUEST_OWN_FD;
        var out: ?*c.ktsnap_guest = null;
        try check(c.ktsnap_guest_open_fd(&out, fd, &o));
        return .{ .ptr = out.? };
    }
    pub fn deinit(self: *Guest) void {
        c.ktsnap_guest_free(self.ptr);
        self.* = undefined;
    }
    /// Asks the host for a snapshot. `reply` (optional) is filled on every
    /// outcome, failures included. error.Remote: the host answered ERR
    /// (reason in the reply and lastError()); error.Timeout / error.Io:
    /// no usable answer (the handle latches until reset()).
    pub fn request(self: Guest, kind: u32, tag: [:0]const u8, timeout_ns: i64, reply: ?*GuestReply) Error!void {
        var r = std.mem.zeroes(c.ktsnap_guest_reply);
        r.sz = @sizeOf(c.ktsnap_guest_reply);
        const st = c.ktsnap_guest_request(self.ptr, kind, tag.ptr, timeout_ns, &r);
        if (reply) |out| out.* = .{
            .outcome = @enumFromInt(r.outcome),
            .request_id = r.request_id,
            .flags = r.flags,
            .reason = if (r.reason == null) "" else r.reason[0..r.reason_len],
        };
        try check(st);
    }
    pub fn reset(self: Guest) Error!void {
        try check(c.ktsnap_guest_reset(self.ptr));
    }
    pub fn stats(self: Guest) Error!GuestStats {
        var s = std.mem.zeroes(GuestStats);
        s.sz = @sizeOf(GuestStats);
        try check(c.ktsnap_guest_stats_get(&s, self.ptr));
        return s;
    }
};
