//! Tests of the Zig binding against the freshly built libktsnap.so.1 and
//! the fixture report the build writes (fixtures/kinds.ktsnap, see
//! tests/support/fixture.cpp for what it holds). The report's path comes
//! from KTSNAP_FIXTURE_REPORT (run-tests.sh sets it).
const std = @import("std");
const ks = @import("ktsnap.zig");
const c = ks.c;
const testing = std.testing;
const linux = std.os.linux;

fn fixturePath() ![:0]const u8 {
    return std.os.getenv("KTSNAP_FIXTURE_REPORT") orelse {
        std.debug.print("KTSNAP_FIXTURE_REPORT is not set\n", .{});
        return error.FixtureMissing;
    };
}

fn openFixture() !ks.Report {
    return ks.Report.openFile(try fixturePath());
}

fn expectContains(haystack: []const u8, needle: []const u8) !void {
    if (std.mem.indexOf(u8, haystack, needle) == null) {
        std.debug.print("expected \"{s}\" to contain \"{s}\"\n", .{ haystack, needle });
        return error.TestExpectedContains;
    }
}

// ---- library, statuses, errors -------------------------------------------

test "version and features" {
    try ks.checkVersion();
    try testing.expect(ks.version() >= c.KTSNAP_VERSION_NUMBER);
    try testing.expectEqual(@as(u32, c.KTSNAP_VERSION_MAJOR), ks.version() / 10000);
    try testing.expect(ks.versionString().len >= 5);
    try testing.expect(ks.features() & c.KTSNAP_FEATURE_QUERY != 0);
}

test "every status maps to its error and back" {
    const all = [_]ks.Error{ error.Invalid, error.NoMem, error.NotFound, error.Again, error.Timeout, error.Version, error.Unsupported, error.Io, error.Internal, error.Format, error.Type, error.Range, error.Perm, error.Busy, error.Remote };
    try ks.check(c.KTSNAP_OK);
    for (all) |e| {
        const st = ks.statusOf(e);
        try testing.expect(st < 0);
        try testing.expectError(e, ks.check(st));
        try testing.expect(ks.statusStr(st).len > 0);
    }
    try testing.expectError(error.Unknown, ks.check(-1000));
    try testing.expectEqual(@as(c.ktsnap_status, c.KTSNAP_E_REMOTE), ks.statusOf(error.Remote));
}

test "a NULL handle through the raw C API is Invalid with a message" {
    try testing.expectError(error.Invalid, ks.check(c.ktsnap_report_save(null, "/tmp/x")));
    try testing.expect(ks.lastError().len > 0);
    try testing.expectEqual(@as(c.ktsnap_status, c.KTSNAP_E_INVALID), ks.lastErrorDetails().status);
}

// ---- opening reports ----------------------------------------------------

test "the last error survives deinit() and is cleared by the next fallible call" {
    var r = try openFixture();
    try testing.expectError(error.NotFound, r.mapByName("kt_nope"));
    r.deinit(); // as a defer on the error path would
    try expectContains(ks.lastError(), "kt_nope");
    try testing.expectEqual(@as(c.ktsnap_status, c.KTSNAP_E_NOTFOUND), ks.lastErrorDetails().status);
    var again = try openFixture();
    defer again.deinit();
    try testing.expectEqualStrings("", ks.lastError());
    try testing.expectEqual(@as(c.ktsnap_status, c.KTSNAP_OK), ks.lastErrorDetails().status);
}

test "open the fixture file: metadata" {
    var r = try openFixture();
    defer r.deinit();
    try testing.expectEqualStrings("fixture", r.tag());
    try testing.expectEqual(ks.Trigger.on_demand, r.trigger());
    try testing.expectEqual(@as(?u32, 2), r.stepIndex());
    try testing.expectEqual(@as(u64, 1500), r.elapsedMs());
    try testing.expectEqual(@as(u64, 123456789), r.monotonicNs());
    try testing.expect(r.placeholderReason() == null);
    try testing.expect(r.formatVersion() != 0);
    try testing.expect(r.bytes().len > 0);
    try expectContains(r.statsJson().?, "\"layers\"");
    try testing.expectEqual(@as(usize, 1), r.schedulerCount());
    try testing.expect(r.schedulerName(0) != null);
    try testing.expect(r.schedulerActive(0));
    try testing.expect(r.schedulerName(1) == null);
    try testing.expectEqual(@as(usize, 1), r.excludedCount());
    const ex = r.excluded(0).?;
    try testing.expectEqualStrings("kt_events_q", ex.name);
    try testing.expectEqual(@as(u32, 999), ex.map_id);
    try expectContains(ex.reason, "queue");
    try testing.expect(r.excluded(1) == null);
    try testing.expect(r.regionCount() > 0);
    const reg = try r.region(0);
    try testing.expect(reg.data.len > 0);
    try testing.expectError(error.Range, r.region(r.regionCount()));
    try testing.expect(r.mapAt(r.mapCount()) == null);
}

test "open errors: missing file, garbage, empty" {
    try testing.expectError(error.Io, ks.Report.openFile("/nonexistent/ktsnap/zig.ktsnap"));
    try testing.expectEqual(@as(i32, @intFromEnum(linux.E.NOENT)), ks.lastErrno());
    try expectContains(ks.lastError(), "zig.ktsnap");
    const junk = "this is not a report, just bytes" ** 4;
    try testing.expectError(error.Format, ks.Report.openMemoryCopy(junk));
    try testing.expect(ks.lastError().len > 0);
    try testing.expectError(error.Format, ks.Report.openMemoryCopy(""));
    const aligned_junk: [64]u8 align(8) = [_]u8{0xff} ** 64;
    try testing.expectError(error.Format, ks.Report.openMemory(&aligned_junk));
}

test "open from memory (borrowed and copied) and save" {
    var r = try openFixture();
    defer r.deinit();
    const bytes = try testing.allocator.alignedAlloc(u8, 8, r.bytes().len);
    defer testing.allocator.free(bytes);
    @memcpy(bytes, r.bytes());

    var borrowed = try ks.Report.openMemory(bytes);
    defer borrowed.deinit();
    try testing.expectEqual(r.mapCount(), borrowed.mapCount());

    var copied = try ks.Report.openMemoryCopy(bytes);
    defer copied.deinit();
    borrowed.deinit();
    borrowed = try ks.Report.openMemoryCopy(r.bytes()); // keeps the defer valid
    @memset(bytes, 0); // the copies must not care
    try testing.expectEqualStrings("fixture", copied.tag());

    var path_buf: [64]u8 = undefined;
    const path = try std.fmt.bufPrintZ(&path_buf, "/tmp/ktsnap-zig-save-{d}.ktsnap", .{linux.getpid()});
    try copied.save(path);
    defer std.fs.deleteFileAbsolute(path) catch {};
    var again = try ks.Report.openFile(path);
    defer again.deinit();
    try testing.expectEqual(copied.mapCount(), again.mapCount());
    try testing.expectError(error.Io, copied.save("/nonexistent/dir/x.ktsnap"));
}

// ---- maps and values ----------------------------------------------------

test "snapshot: iterate maps and their metadata" {
    var r = try openFixture();
    defer r.deinit();
    var snap = try r.snapshot();
    defer snap.deinit();
    var seen_tasks = false;
    var seen_bss = false;
    var n: usize = 0;
    var it = snap.maps();
    while (it.next()) |m| : (n += 1) {
        if (std.mem.eql(u8, m.name(), "kt_tasks")) seen_tasks = true;
        if (std.mem.endsWith(u8, m.name(), ".bss")) seen_bss = true;
    }
    try testing.expect(seen_tasks and seen_bss);
    try testing.expectEqual(snap.mapCount(), n);
    try testing.expect(!snap.isFiltered());

    const tasks = try snap.map("kt_tasks");
    try testing.expectEqual(@as(u32, 16), tasks.entryCount());
    try testing.expectEqual(@as(u32, 4), tasks.keySize());
    try testing.expectEqualStrings("hash", tasks.typeName());
    try testing.expect(!tasks.isPercpu());
    try testing.expect(tasks.readError() == null);
    try expectContains(tasks.valueTypeName(), "kt_task_ctx");
    const same = try r.mapByName("kt_tasks");
    try testing.expectEqual(tasks.ptr, same.ptr);

    const stats = try snap.map("kt_cpu_stats");
    try testing.expect(stats.isPercpu());
    try testing.expectEqual(@as(u32, 4), stats.nrCpus());
    try testing.expect(stats.slotPresent(0, 3));

    try testing.expectError(error.NotFound, snap.map("kt_nope"));
    const d = ks.lastErrorDetails();
    try testing.expectEqual(ks.ErrorKind.map_not_found, d.kind);
    try testing.expect(d.hasAlternative("kt_tasks"));
    try testing.expectError(error.NotFound, r.mapByName("kt_nope"));

    var active = try snap.active();
    defer active.deinit();
    try testing.expect(active.isFiltered());
    try testing.expect(active.activeObj().len > 0);
}

test "values: paths, members, indexes, typed reads" {
    var r = try openFixture();
    defer r.deinit();
    const tasks = try r.mapByName("kt_tasks");

    const k0 = try tasks.key(0);
    try testing.expectEqual(@as(u64, 1000), try k0.toU64());

    const v1 = try tasks.value(1);
    try testing.expectEqual(ks.Kind.@"struct", v1.kind());
    try testing.expectEqualStrings("struct", v1.kindName());
    var tn = try v1.typeName();
    defer tn.deinit();
    try testing.expectEqualStrings("struct kt_task_ctx", tn.slice());
    try testing.expect(v1.size() > 0);
    try testing.expect(!v1.isTruncated());

    try testing.expectEqual(@as(i64, 1001), try (try v1.member("tid")).toI64());
    try testing.expectEqual(@as(u64, 11), try (try v1.get("inner.a")).toU64());
    try testing.expectEqual(@as(i64, -1), try (try v1.get("inner.b")).toI64());
    try testing.expectEqual(@as(u64, 15), try (try v1.get("hist[1][2]")).toU64());
    try testing.expectEqual(@as(u64, 150), try (try v1.member("weight")).toU64()); // anonymous member
    try testing.expect(try (try v1.member("on_cpu")).toBool());
    try testing.expectEqual(@as(f64, 0.5), try (try v1.member("load")).toF64());

    var buf: [32]u8 = undefined;
    try testing.expectEqualStrings("kworker/0:1", try (try v1.member("comm")).string(&buf));
    var comm = try (try v1.member("comm")).stringDup();
    defer comm.deinit();
    try testing.expectEqualStrings("kworker/0:1", comm.slice());
    try testing.expectEqualStrings("KT_STATE_RUNNING", try (try v1.member("state")).enumName());

    const hist = try v1.member("hist");
    try testing.expectEqual(ks.Kind.array, hist.kind());
    try testing.expectEqual(@as(u64, 2), try hist.length());
    var u: [3]u64 = undefined;
    try testing.expectEqualSlices(u64, &.{ 13, 14, 15 }, try (try hist.at(1)).u64Array(&u));
    var u32s: [3]u32 = undefined;
    try testing.expectEqualSlices(u32, &.{ 13, 14, 15 }, try (try hist.at(1)).u32Array(&u32s));
    var short: [2]u64 = undefined;
    try testing.expectError(error.Range, (try hist.at(1)).u64Array(&short));

    try testing.expect(try v1.memberCount() > 10);
    try testing.expectEqualStrings("runtime_ns", try v1.memberName(0));
    const raw = try (try v1.member("tid")).bytes();
    try testing.expectEqual(@as(usize, 4), raw.len);

    // Entry 0 has an inner_ptr into a captured region: {a = 1, b = -1, c = 0x5a}.
    const v0 = try tasks.value(0);
    const target = try (try v0.member("inner_ptr")).deref();
    try testing.expectEqual(@as(u64, 1), try (try target.member("a")).toU64());
    try testing.expectEqual(@as(u64, 0x5a), try (try v0.get("inner_ptr.c")).toU64());

    var js = try v1.render(.{});
    defer js.deinit();
    try expectContains(js.slice(), "KT_STATE_RUNNING");
}

test "values: view-layer reads and arrays" {
    var r = try openFixture();
    defer r.deinit();
    const tasks = try r.mapByName("kt_tasks");
    const v4 = try tasks.entryGet(4, null, "");
    try testing.expectEqual(@as(u64, 1004), try v4.readU64("tid"));
    try testing.expectEqual(@as(i64, 44), try v4.readI64("inner.a"));
    try testing.expectEqual(@as(f64, 2.0), try v4.readF64("load"));
    try testing.expect(!try v4.readBool("on_cpu"));
    try testing.expectEqualStrings("KT_STATE_RUNNING", try v4.readStr("state"));
    try testing.expectEqual(@as(u64, 1004), try (try tasks.entryKey(4, "")).readU64(""));
    try testing.expectEqual(@as(u64, 1004), try (try tasks.entryGet(4, null, "tid")).readU64(""));

    const v5 = try tasks.value(5);
    var row: [4]u64 = undefined;
    try testing.expectEqualSlices(u64, &.{ 50, 51, 52 }, try (try v5.get("hist[0]")).readU64Array(&row, ""));
    var f: [3]f64 = undefined;
    try testing.expectEqualSlices(f64, &.{ 50, 51, 52 }, try (try v5.get("hist[0]")).readF64Array(&f, ""));
    var b: [3]bool = undefined;
    try testing.expectEqualSlices(bool, &.{ true, true, true }, try (try v5.get("hist[0]")).readBoolArray(&b, ""));
    var i: [3]i64 = undefined;
    try testing.expectEqualSlices(i64, &.{ 50, 51, 52 }, try (try v5.get("hist[0]")).i64Array(&i));
}

test "values: error cases name what failed" {
    var r = try openFixture();
    defer r.deinit();
    const tasks = try r.mapByName("kt_tasks");
    const v1 = try tasks.value(1);

    try testing.expectError(error.NotFound, v1.get("inner.nope"));
    try expectContains(ks.lastError(), "nope");
    try testing.expectError(error.NotFound, v1.member("wieght"));
    try expectContains(ks.lastError(), "weight");

    try testing.expectError(error.Type, (try v1.member("comm")).toU64());
    try testing.expectError(error.Type, (try v1.member("tid")).at(0));
    try testing.expectError(error.Range, (try v1.member("hist")).at(2));
    try testing.expectError(error.Range, tasks.value(16));
    try testing.expectError(error.Type, tasks.percpuValue(0, 0));
    var tiny: [3]u8 = undefined;
    try testing.expectError(error.Range, (try v1.member("comm")).string(&tiny));

    // View layer: structured details.
    try testing.expectError(error.Type, v1.readU64("comm"));
    var d = ks.lastErrorDetails();
    try testing.expectEqual(ks.ErrorKind.type_mismatch, d.kind);
    try testing.expectEqualStrings("TypeMismatch", d.kind_name);
    try testing.expectEqualStrings("comm", d.requested);
    try testing.expectError(error.NotFound, v1.walk("inner.zz"));
    d = ks.lastErrorDetails();
    try testing.expectEqual(ks.ErrorKind.field_not_found, d.kind);
    try testing.expect(d.hasAlternative("a"));
    try testing.expectError(error.Range, tasks.entryGet(99, null, ""));
    try testing.expectEqual(ks.ErrorKind.index_out_of_range, ks.lastErrorDetails().kind);
    try testing.expectEqual(@as(u64, 99), ks.lastErrorDetails().index);

    // The error text is cleared by the next successful call.
    _ = try v1.member("tid");
    try testing.expectEqualStrings("", ks.lastError());
}

test "globals by name" {
    var r = try openFixture();
    defer r.deinit();
    var snap = try r.snapshot();
    defer snap.deinit();
    try testing.expectEqual(@as(u64, 42), try (try snap.variable("kt_nr_events")).toU64());
    try testing.expectEqual(@as(i64, -12345), try (try snap.variable("kt_bss_neg")).toI64());
    const inner = try snap.variable("kt_bss_inner");
    try testing.expectEqual(@as(i64, -3), try inner.readI64("b"));
    try testing.expectEqual(@as(u64, 9), try inner.readU64("c"));
    try testing.expectEqual(@as(u64, 42), try (try snap.liveVariable("kt_nr_events")).toU64());

    try testing.expectError(error.NotFound, snap.variable("kt_no_such_var"));
    const d = ks.lastErrorDetails();
    try testing.expectEqual(ks.ErrorKind.var_not_found, d.kind);
    try testing.expect(d.hasAlternative("kt_nr_events"));
}

// ---- queries, columns, aggregates ----------------------------------------

test "queries: find, filter, count, max_by, min_by" {
    var r = try openFixture();
    defer r.deinit();
    const tasks = try r.mapByName("kt_tasks");

    var q = try tasks.query("state == \"KT_STATE_RUNNING\"");
    defer q.deinit();
    try testing.expectEqualStrings("state == \"KT_STATE_RUNNING\"", q.expression());
    try testing.expectEqual(tasks.ptr, q.map().ptr);
    try testing.expectEqual(@as(u32, 1), try q.find(0));
    try testing.expect(try q.matches(1, 0));
    try testing.expect(!try q.matches(0, 0));
    try testing.expectEqual(@as(u64, 5), try q.count(0));
    const all = try q.filterAlloc(testing.allocator, 0);
    defer testing.allocator.free(all);
    try testing.expectEqualSlices(u32, &.{ 1, 4, 7, 10, 13 }, all);
    var two: [2]u32 = undefined;
    try testing.expectError(error.Range, q.filter(&two, 0));

    var every = try tasks.query("true");
    defer every.deinit();
    try testing.expectEqual(@as(u32, 6), try every.maxBy("weight", 0)); // 400 at 6 and 13: first wins
    try testing.expectEqual(@as(u32, 0), try every.minBy("weight", 0));
    try testing.expectError(error.Type, every.maxBy("comm", 0));

    var combo = try tasks.query("tid >= 1008 && (on_cpu || inner.a == 88) && comm != \"bash\"");
    defer combo.deinit();
    try testing.expectEqual(@as(u32, 8), try combo.find(0));

    var none = try tasks.query("tid > 100000");
    defer none.deinit();
    try testing.expectError(error.NotFound, none.find(0));
    const d = ks.lastErrorDetails();
    try testing.expectEqual(ks.ErrorKind.no_match, d.kind);
    try testing.expectEqualStrings("find", d.requested);
    try testing.expectEqual(@as(u64, 0), try none.count(0));

    try testing.expectError(error.Invalid, tasks.query("tid =="));
    try testing.expect(ks.lastErrorDetails().column > 0);
    try testing.expectError(error.NotFound, tasks.query("wieght == 1"));
    try testing.expect(ks.lastErrorDetails().hasAlternative("weight"));
    try testing.expectError(error.Type, tasks.query("comm == 3"));
}

test "columns" {
    var r = try openFixture();
    defer r.deinit();
    const tasks = try r.mapByName("kt_tasks");
    var tids: [16]u64 = undefined;
    var st: [16]i32 = undefined;
    const res = try tasks.columnU64(&tids, &st, "tid", 0);
    try testing.expectEqual(@as(u32, 0), res.failed);
    try testing.expect(res.first_failure == null and res.first_error == null);
    for (tids, 0..) |t, i| try testing.expectEqual(@as(u64, 1000 + i), t);
    for (st) |s| try testing.expectEqual(@as(i32, 0), s);

    const keys = try tasks.columnU64Alloc(testing.allocator, "key", 0);
    defer testing.allocator.free(keys);
    try testing.expectEqualSlices(u64, &tids, keys);

    var neg: [16]i64 = undefined;
    _ = try tasks.columnI64(&neg, null, "inner.b", 0);
    try testing.expectEqual(@as(i64, -15), neg[15]);
    var loads: [16]f64 = undefined;
    _ = try tasks.columnF64(&loads, null, "load", 0);
    try testing.expectEqual(@as(f64, 4.0), loads[8]);

    var short: [4]u64 = undefined;
    try testing.expectError(error.Invalid, tasks.columnU64(&short, null, "tid", 0));
    try testing.expectError(error.Type, tasks.columnU64(&tids, null, "comm", 0));
    try testing.expectError(error.NotFound, tasks.columnU64(&tids, null, "nope", 0));

    // A per-CPU map: one CPU slot per call.
    const stats = try r.mapByName("kt_cpu_stats");
    var disp: [4]u64 = undefined;
    _ = try stats.columnU64(&disp, null, "nr_dispatched", 2);
    try testing.expectEqualSlices(u64, &.{ 2, 102, 202, 302 }, &disp);
    try testing.expectError(error.Range, stats.columnU64(&disp, null, "nr_dispatched", 4));
}

test "per-CPU aggregates" {
    var r = try openFixture();
    defer r.deinit();
    const stats = try r.mapByName("kt_cpu_stats");
    var out: [4]u64 = undefined;
    _ = try stats.cpuAggU64(&out, null, "nr_dispatched", .sum);
    try testing.expectEqualSlices(u64, &.{ 6, 406, 806, 1206 }, &out);
    _ = try stats.cpuAggU64(&out, null, "nr_dispatched", .max);
    try testing.expectEqualSlices(u64, &.{ 3, 103, 203, 303 }, &out);
    var tids: [4]i64 = undefined;
    _ = try stats.cpuAggI64(&tids, null, "last_tid", .min);
    try testing.expectEqualSlices(i64, &.{ 1000, 1000, 1000, 1000 }, &tids);
    var f: [4]f64 = undefined;
    _ = try stats.cpuAggF64(&f, null, "nr_enqueued", .sum);
    try testing.expectEqual(@as(f64, 40 + 12), f[1]);

    try testing.expectEqual(@as(u64, 100), try stats.entryCpuAggU64(1, "nr_dispatched", .min));
    try testing.expectEqual(@as(i64, 1003), try stats.entryCpuAggI64(1, "last_tid", .max));
    try testing.expectEqual(@as(f64, 406), try stats.entryCpuAggF64(1, "nr_dispatched", .sum));
    try testing.expectEqual(@as(u64, 26), try (try stats.entryGet(2, 3, "nr_enqueued")).readU64(""));
    try testing.expectEqual(@as(u64, 103), try (try stats.percpuValue(1, 3)).readU64("nr_dispatched"));

    try testing.expectError(error.Invalid, stats.entryGet(2, null, "nr_enqueued"));
    try testing.expectEqual(ks.ErrorKind.percpu_not_narrowed, ks.lastErrorDetails().kind);
    try testing.expectError(error.Range, stats.entryGet(2, 9, "nr_enqueued"));
    try testing.expectEqual(ks.ErrorKind.percpu_slot, ks.lastErrorDetails().kind);
    const tasks = try r.mapByName("kt_tasks");
    try testing.expectError(error.Type, tasks.entryCpuAggU64(0, "tid", .sum));
    try testing.expectError(error.Type, stats.value(0));
}

test "stats JSON" {
    var r = try openFixture();
    defer r.deinit();
    var snap = try r.snapshot();
    defer snap.deinit();
    const root = try snap.stats("");
    try testing.expectEqual(ks.JsonKind.object, root.kind());
    try testing.expectEqual(@as(u64, 4), try (try snap.stats("nr_cpus")).toU64());
    try testing.expectEqual(@as(i64, 4), try (try root.get("nr_cpus")).toI64());
    try testing.expectEqual(@as(u64, std.math.maxInt(u64)), try (try snap.stats("dispatched")).toU64());
    const layers = try snap.stats("layers");
    try testing.expectEqual(ks.JsonKind.array, layers.kind());
    try testing.expectEqual(@as(usize, 1), try layers.length());
    const l0 = try layers.at(0);
    try testing.expectEqualStrings("batch", try (try l0.get("name")).string());
    try testing.expectEqual(@as(f64, 0.25), try (try l0.get("util")).toF64());

    try testing.expectError(error.Range, layers.at(1));
    try testing.expectError(error.Type, (try root.get("nr_cpus")).toBool());
    try testing.expectError(error.Type, (try root.get("nr_cpus")).string());
    try testing.expectError(error.NotFound, snap.stats("nr_cpu"));
    const d = ks.lastErrorDetails();
    try testing.expectEqual(ks.ErrorKind.field_not_found, d.kind);
    try testing.expect(d.hasAlternative("nr_cpus"));
}

test "render a report and a map" {
    var r = try openFixture();
    defer r.deinit();
    var js = try r.render(.{ .pretty = true });
    defer js.deinit();
    try expectContains(js.slice(), "kt_tasks");
    var txt = try (try r.mapByName("kt_array")).render(.{ .format = .text, .max_entries = 2 });
    defer txt.deinit();
    try expectContains(txt.slice(), "kt_array");
}

// ---- live capture -------------------------------------------------------

test "live capture: nothing selected is Invalid" {
    try testing.expectError(error.Invalid, ks.capture(.{}, null));
    try testing.expect(ks.lastError().len > 0);
    try testing.expect(ks.captureExcludedReason(22) != null); // BPF_MAP_TYPE_QUEUE
    try testing.expect(ks.captureExcludedReason(1) == null); // BPF_MAP_TYPE_HASH
}

/// Creates a named BPF hash map (u32 -> u64) with one element; its fd.
fn createBpfMap(name: []const u8) !i32 {
    const BPF = linux.BPF;
    var attr = BPF.Attr{ .map_create = std.mem.zeroes(BPF.MapCreateAttr) };
    attr.map_create.map_type = @intFromEnum(BPF.MapType.hash);
    attr.map_create.key_size = 4;
    attr.map_create.value_size = 8;
    attr.map_create.max_entries = 8;
    @memcpy(attr.map_create.map_name[0..name.len], name);
    const rc = linux.bpf(.map_create, &attr, @sizeOf(BPF.MapCreateAttr));
    if (linux.getErrno(rc) != .SUCCESS) {
        std.debug.print("bpf(BPF_MAP_CREATE): errno {d}\n", .{@intFromEnum(linux.getErrno(rc))});
        return error.BpfUnavailable;
    }
    const fd: i32 = @intCast(rc);
    errdefer std.os.close(fd);
    const k: u32 = 7;
    const v: u64 = 0xabcdef;
    try BPF.map_update_elem(fd, std.mem.asBytes(&k), std.mem.asBytes(&v), 0);
    return fd;
}

test "live capture of a BPF map this test creates (root)" {
    if (linux.geteuid() != 0) {
        std.debug.print("skip: live capture needs root\n", .{});
        return error.SkipZigTest;
    }
    var name_buf: [16]u8 = undefined;
    const name = try std.fmt.bufPrint(&name_buf, "kszig{d}", .{linux.getpid()});
    const fd = createBpfMap(name) catch {
        std.debug.print("skip: cannot create a BPF map here (no bpf() permission)\n", .{});
        return error.SkipZigTest;
    };
    defer std.os.close(fd);

    var list = try ks.KernelMapList.init(16);
    defer list.deinit();
    var found: ?ks.KernelMapList.Entry = null;
    var i: usize = 0;
    while (list.at(i)) |m| : (i += 1) {
        if (std.mem.eql(u8, m.name, name)) found = m;
    }
    const m = found orelse return error.TestMapNotListed;
    try testing.expectEqual(@as(?u64, 1), m.entries);
    try testing.expectEqualStrings("hash", m.type_name);

    var name_z: [17]u8 = undefined;
    const prefix = try std.fmt.bufPrintZ(&name_z, "{s}", .{name});
    var stats: ks.CaptureStats = undefined;
    var rep = try ks.capture(.{ .name_prefix = prefix, .tag = "zig-live" }, &stats);
    defer rep.deinit();
    try testing.expectEqualStrings("zig-live", rep.tag());
    try testing.expectEqual(@as(usize, 1), rep.mapCount());
    const map = rep.mapAt(0).?;
    try testing.expectEqual(m.id, map.id());
    try testing.expectEqual(@as(u32, 1), map.entryCount());
    const key = try map.key(0);
    const kv: u64 = key.toU64() catch |e| blk: {
        // Without BTF the key is raw bytes.
        if (e != error.Type) return e;
        const b = try key.bytes();
        break :blk std.mem.readIntLittle(u32, b[0..4]);
    };
    try testing.expectEqual(@as(u64, 7), kv);
    try testing.expectEqual(@as(u32, 1), stats.maps_read);

    var by_id = try ks.capture(.{ .map_ids = &.{m.id} }, null);
    defer by_id.deinit();
    try testing.expectEqual(@as(usize, 1), by_id.mapCount());
    try testing.expectError(error.NotFound, ks.capture(.{ .map_ids = &.{0x7ffffff0} }, null));
}

// ---- bridge ---------------------------------------------------------------

const CaptureCtx = struct {
    bytes: []const u8,
    calls: u32 = 0,
    tags: [4][16]u8 = undefined,

    fn produce(self: *CaptureCtx, tag: []const u8) ?ks.Report {
        if (self.calls < self.tags.len) {
            @memset(&self.tags[self.calls], 0);
            @memcpy(self.tags[self.calls][0..@min(tag.len, 16)], tag[0..@min(tag.len, 16)]);
        }
        self.calls += 1;
        if (std.mem.eql(u8, tag, "none")) return null;
        return ks.Report.openMemoryCopy(self.bytes) catch null;
    }
};

fn rawCapture(tag: [*c]const u8, tag_len: usize, user_data: ?*anyopaque) callconv(.C) ?*c.ktsnap_report {
    _ = tag;
    _ = tag_len;
    const n: *u32 = @ptrCast(@alignCast(user_data.?));
    n.* += 1;
    return null;
}

fn rawWatch(symbol: [*c]const u8, symbol_len: usize, err_buf: [*c]u8, err_buf_size: usize, user_data: ?*anyopaque) callconv(.C) c.ktsnap_status {
    _ = user_data;
    if (std.mem.eql(u8, symbol[0..symbol_len], "bad_sym")) {
        const msg = "no such symbol";
        const n = @min(msg.len, err_buf_size - 1);
        @memcpy(err_buf[0..n], msg[0..n]);
        err_buf[n] = 0;
        return c.KTSNAP_E_NOTFOUND;
    }
    return c.KTSNAP_OK;
}

test "bridge with a Zig capture callback" {
    var r = try openFixture();
    defer r.deinit();
    var ctx = CaptureCtx{ .bytes = r.bytes() };
    var br = try ks.Bridge.initWithCapture(CaptureCtx, &ctx, CaptureCtx.produce);
    defer br.deinit();

    try testing.expect(try br.capture("snap1", 3));
    try testing.expectEqual(@as(u32, 1), ctx.calls);
    try testing.expectEqualStrings("snap1", std.mem.sliceTo(&ctx.tags[0], 0));
    try testing.expect(br.has("snap1"));
    try testing.expect(!try br.capture("none", null));
    try testing.expectEqual(@as(usize, 1), br.len());

    try br.store("stored", r, .{ .stats_json = "{\"x\":1}", .elapsed_ms = 77 });
    try testing.expectEqual(@as(usize, 2), br.len());

    var other = try br.clone();
    defer other.deinit();
    try testing.expect(br.same(other));

    var items = try br.drain(.with_stats);
    defer items.deinit();
    try testing.expectEqual(@as(usize, 2), items.count());
    const first = try items.get(0);
    try testing.expectEqualStrings("snap1", first.tag);
    try testing.expectEqual(@as(?u16, 3), first.step_index);
    try testing.expectEqualStrings("fixture", first.report.tag());
    const second = try items.get(1);
    try testing.expectEqualStrings("stored", second.tag);
    try testing.expectEqual(@as(?u64, 77), second.elapsed_ms);
    try testing.expectEqualStrings("{\"x\":1}", second.stats_json.?);
    try testing.expect(second.step_index == null);
    try testing.expectError(error.Range, items.get(2));
    try testing.expectEqual(@as(usize, 0), br.len());

    var events = try br.drainEvents();
    defer events.deinit();
    try testing.expect(events.count() >= 1);
    const e0 = try events.get(0);
    try testing.expectEqual(@as(u32, c.KTSNAP_BRIDGE_EVENT_CAPTURE_UNAVAILABLE), e0.kind);
    try testing.expectEqualStrings("none", e0.tag);

    try testing.expectError(error.Invalid, br.store("", r, .{}));
    try testing.expectError(error.Unsupported, br.registerWatch("sym"));
}

test "bridge with raw C callbacks and user_data" {
    var calls: u32 = 0;
    var br = try ks.Bridge.init(.{ .capture = &rawCapture, .capture_user_data = &calls, .watch = &rawWatch });
    defer br.deinit();
    try testing.expect(!try br.capture("t", 0));
    try testing.expectEqual(@as(u32, 1), calls);
    try br.registerWatch("good_sym");
    try testing.expectEqual(@as(u32, 1), br.watchCount());
    try testing.expectError(error.NotFound, br.registerWatch("bad_sym"));
    try expectContains(ks.lastError(), "no such symbol");
    try testing.expectEqual(@as(u32, 1), br.watchCount());
    try testing.expectEqual(@as(usize, 1), br.eventCount());
}

// ---- rings ------------------------------------------------------------------

fn ringName(buf: []u8, what: []const u8) ![:0]const u8 {
    return std.fmt.bufPrintZ(buf, "ktsnap-zig-{s}-{d}", .{ what, linux.getpid() });
}

test "ring: producer and consumer" {
    var r = try openFixture();
    defer r.deinit();
    var nb: [64]u8 = undefined;
    const name = try ringName(&nb, "ring");
    Ring_cleanup(name);
    var ring = try ks.Ring.create(name, .{ .size_bytes = 1 << 20, .max_consumers = 2 });
    defer ring.deinit();
    defer ks.Ring.unlink(name) catch {};

    try testing.expectError(error.Busy, ks.Ring.create(name, .{}));

    var cons = try ring.consumer(false);
    defer cons.deinit();
    var prod = try ring.producer();
    defer prod.deinit();
    try testing.expectError(error.Busy, ring.producer());

    try testing.expectError(error.Again, cons.next(0));

    try prod.publish(r, ks.wait_forever);
    var got = try cons.next(1_000_000_000);
    try testing.expectEqualStrings("fixture", got.tag());
    const seq0 = try got.ringSeq();
    got.deinit();

    // reserve + commit: the same bytes written in place.
    const rb = r.bytes();
    const slot = try prod.reserve(rb.len, 0);
    @memcpy(slot, rb);
    try prod.commit();
    try prod.publishBytes(rb, 0);
    const slot2 = try prod.reserve(64, 0);
    _ = slot2;
    try prod.discard();
    try testing.expectError(error.Invalid, prod.commit());

    var batch: [4]ks.Report = undefined;
    const reports = try cons.nextBatch(&batch, 1_000_000_000);
    try testing.expectEqual(@as(usize, 2), reports.len);
    for (reports) |*rep| {
        try testing.expectEqualStrings("fixture", rep.tag());
        try testing.expect(try rep.ringSeq() > seq0);
        rep.deinit();
    }

    const info = try ring.stat();
    try testing.expectEqual(@as(u64, 3), info.records);
    try testing.expectEqual(@as(u32, 1), info.consumer_count);
    try testing.expectEqual(@as(u32, c.KTSNAP_RING_FORMAT_VERSION), info.format_version);

    // A copy consumer on the same ring; a record that is not a report.
    var copy_cons = try ring.consumer(true);
    defer copy_cons.deinit();
    try prod.publishBytes("definitely not a report" ** 3, 0);
    try testing.expectError(error.Format, copy_cons.next(1_000_000_000));
    try testing.expectError(error.Format, cons.next(1_000_000_000));
    try testing.expectEqual(@as(u64, 0), cons.drops());
    try testing.expectEqual(@as(u64, 0), cons.missed());

    try testing.expectError(error.NotFound, r.ringSeq());
    try testing.expectError(error.Range, prod.reserve(8 << 20, 0));
}

fn Ring_cleanup(name: [:0]const u8) void {
    ks.Ring.unlink(name) catch {};
}

test "ring: drop policy, open by name, unlinked and bad names" {
    var nb: [64]u8 = undefined;
    const name = try ringName(&nb, "drop");
    Ring_cleanup(name);
    var ring = try ks.Ring.create(name, .{ .size_bytes = 4096, .policy = .drop });
    defer ring.deinit();
    var other = try ks.Ring.open(name);
    defer other.deinit();
    var cons = try other.consumer(false);
    defer cons.deinit();
    var prod = try ring.producer();
    defer prod.deinit();
    const blob = [_]u8{0} ** 1024;
    var dropped = false;
    var n: usize = 0;
    while (n < 8) : (n += 1) {
        prod.publishBytes(&blob, 0) catch |e| {
            try testing.expectEqual(@as(ks.Error, error.Again), e);
            dropped = true;
            break;
        };
    }
    try testing.expect(dropped);
    try testing.expect(cons.drops() >= 1);

    try ks.Ring.unlink(name);
    try testing.expectError(error.NotFound, ks.Ring.open(name));
    try testing.expectError(error.NotFound, ks.Ring.unlink(name));
    try testing.expectError(error.Invalid, ks.Ring.open("bad/name"));
}

// ---- guest requests over a socketpair with a fake host ---------------------

const SNRQ: u32 = 0x534E5251;
const SNRP: u32 = 0x534E5250;

const HostMode = enum { ok, err, silent, hang_up };

const FakeHost = struct {
    fd: i32,
    mode: HostMode,
    requests: u32 = 0,
    last_kind: u32 = 0,
    last_tag: [64]u8 = [_]u8{0} ** 64,
    failure: ?[]const u8 = null,

    fn readAll(fd: i32, buf: []u8) !void {
        var got: usize = 0;
        while (got < buf.len) {
            const n = try std.os.read(fd, buf[got..]);
            if (n == 0) return error.EndOfStream;
            got += n;
        }
    }

    fn writeAll(fd: i32, buf: []const u8) !void {
        var put: usize = 0;
        while (put < buf.len) put += try std.os.write(fd, buf[put..]);
    }

    /// Serves one request.
    fn serveOne(self: *FakeHost) !void {
        var hdr: [16]u8 = undefined;
        try readAll(self.fd, &hdr);
        const msg_type = std.mem.readIntLittle(u32, hdr[0..4]);
        const len = std.mem.readIntLittle(u32, hdr[4..8]);
        const crc = std.mem.readIntLittle(u32, hdr[8..12]);
        if (msg_type != SNRQ or len != 72) return error.BadRequestFrame;
        var payload: [72]u8 = undefined;
        try readAll(self.fd, &payload);
        if (std.hash.Crc32.hash(&payload) != crc) return error.BadRequestCrc;
        self.requests += 1;
        const id = std.mem.readIntLittle(u32, payload[0..4]);
        self.last_kind = std.mem.readIntLittle(u32, payload[4..8]);
        @memcpy(&self.last_tag, payload[8..72]);
        switch (self.mode) {
            .silent => return,
            .hang_up => {
                std.os.close(self.fd);
                self.fd = -1;
                return;
            },
            .ok, .err => {},
        }
        var reply: [16 + 520]u8 = [_]u8{0} ** (16 + 520);
        const body = reply[16..];
        std.mem.writeIntLittle(u32, body[0..4], id);
        std.mem.writeIntLittle(u32, body[4..8], if (self.mode == .ok) @as(u32, 1) else 2);
        if (self.mode == .err) {
            const reason = "no scheduler attached";
            @memcpy(body[8 .. 8 + reason.len], reason);
        }
        std.mem.writeIntLittle(u32, reply[0..4], SNRP);
        std.mem.writeIntLittle(u32, reply[4..8], 520);
        std.mem.writeIntLittle(u32, reply[8..12], std.hash.Crc32.hash(body));
        try writeAll(self.fd, &reply);
    }

    fn run(self: *FakeHost) void {
        self.serveOne() catch |e| {
            self.failure = @errorName(e);
        };
    }
};

fn socketPair() ![2]i32 {
    var fds: [2]i32 = undefined;
    const rc = linux.socketpair(linux.AF.UNIX, linux.SOCK.STREAM | linux.SOCK.CLOEXEC, 0, &fds);
    if (linux.getErrno(rc) != .SUCCESS) return error.SocketPairFailed;
    return fds;
}

test "guest request: OK and ERR replies from a fake host" {
    const fds = try socketPair();
    defer std.os.close(fds[1]);
    var guest = try ks.Guest.openFd(fds[0], true);
    defer guest.deinit();

    var host = FakeHost{ .fd = fds[1], .mode = .ok };
    var t = try std.Thread.spawn(.{}, FakeHost.run, .{&host});
    var reply: ks.GuestReply = undefined;
    try guest.request(ks.SnapshotKind.capture, "zig-tag", 5_000_000_000, &reply);
    t.join();
    try testing.expect(host.failure == null);
    try testing.expectEqual(ks.GuestOutcome.ok, reply.outcome);
    try testing.expectEqual(@as(u32, 1), reply.request_id);
    try testing.expectEqualStrings("", reply.reason);
    try testing.expectEqual(@as(u32, 1), host.last_kind);
    try testing.expectEqualStrings("zig-tag", std.mem.sliceTo(&host.last_tag, 0));

    host.mode = .err;
    t = try std.Thread.spawn(.{}, FakeHost.run, .{&host});
    try testing.expectError(error.Remote, guest.request(ks.SnapshotKind.watch, "some_symbol", 5_000_000_000, &reply));
    t.join();
    try testing.expect(host.failure == null);
    try testing.expectEqual(ks.GuestOutcome.host_error, reply.outcome);
    try testing.expectEqualStrings("no scheduler attached", reply.reason);
    try expectContains(ks.lastError(), "no scheduler attached");
    try testing.expectEqual(@as(u32, 2), reply.request_id);

    const st = try guest.stats();
    try testing.expectEqual(@as(u64, 2), st.requests);
    try testing.expectEqual(@as(u64, 2), st.replies);
    try testing.expectEqual(@as(u64, 1), st.host_errors);
    try testing.expectEqual(@as(u32, 0), st.dead);

    try testing.expectError(error.Invalid, guest.request(0, "x", 0, null));
    try testing.expectError(error.Invalid, guest.request(1, "", 0, null));
    try testing.expectError(error.Invalid, ks.Guest.openFd(-1, false));
}

test "guest request: timeout latches the handle until reset; a closed peer is Io" {
    const fds = try socketPair();
    var guest = try ks.Guest.openFd(fds[0], true);
    defer guest.deinit();

    var host = FakeHost{ .fd = fds[1], .mode = .silent };
    var t = try std.Thread.spawn(.{}, FakeHost.run, .{&host});
    var reply: ks.GuestReply = undefined;
    try testing.expectError(error.Timeout, guest.request(1, "slow", 200_000_000, &reply));
    t.join();
    try testing.expectEqual(ks.GuestOutcome.transport_error, reply.outcome);
    try testing.expect(reply.flags & c.KTSNAP_GUEST_TIMED_OUT != 0);

    try testing.expectError(error.Io, guest.request(1, "again", 200_000_000, &reply));
    try testing.expect(reply.flags & c.KTSNAP_GUEST_LATCHED != 0);
    try testing.expectEqual(@as(u32, 1), (try guest.stats()).dead);

    try guest.reset();
    // A late reply to the timed-out request would be skipped as stale; here
    // the host answers the new one.
    host.mode = .ok;
    t = try std.Thread.spawn(.{}, FakeHost.run, .{&host});
    try guest.request(1, "after-reset", 5_000_000_000, &reply);
    t.join();
    try testing.expectEqual(ks.GuestOutcome.ok, reply.outcome);

    host.mode = .hang_up;
    t = try std.Thread.spawn(.{}, FakeHost.run, .{&host});
    try testing.expectError(error.Io, guest.request(1, "closed", 5_000_000_000, &reply));
    t.join();
    try testing.expectEqual(ks.GuestOutcome.transport_error, reply.outcome);
    try testing.expect(ks.lastError().len > 0);
}
