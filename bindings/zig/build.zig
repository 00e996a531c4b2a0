//! Builds and tests the Zig binding of libktsnap.
//!
//!   zig build test -Dktsnap-include=<dir with ktsnap.h> -Dktsnap-lib=<dir with libktsnap.so>
//!
//! The tests read the fixture report named by KTSNAP_FIXTURE_REPORT
//! (run-tests.sh sets it from a CMake build dir).
const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});
    const include_dir = b.option([]const u8, "ktsnap-include", "directory holding ktsnap.h") orelse "../../include";
    const lib_dir = b.option([]const u8, "ktsnap-lib", "directory holding libktsnap.so (linked dynamically)");

    // Importers add the same include dir, library and libc to their own
    // compile step (a 0.11 module carries no C settings).
    _ = b.addModule("ktsnap", .{ .source_file = .{ .path = "src/ktsnap.zig" } });

    const tests = b.addTest(.{
        .root_source_file = .{ .path = "src/ktsnap_test.zig" },
        .target = target,
        .optimize = optimize,
    });
    tests.addIncludePath(.{ .path = include_dir });
    if (lib_dir) |dir| {
        tests.addLibraryPath(.{ .path = dir });
        tests.addRPath(.{ .path = dir });
    }
    tests.linkSystemLibrary("ktsnap");
    tests.linkLibC();

    const run = b.addRunArtifact(tests);
    const step = b.step("test", "Run the binding's tests against libktsnap");
    step.dependOn(&run.step);
}
