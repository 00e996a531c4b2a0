// ktsnap::wire - where the host service writes a stored report as a file,
// and how (spec/wire.md 3.10).
//
// snapshot_tagged_path(base, tag):
//   stem = base's file name without its last extension, with one trailing
//          ".failure-dump" removed; "dump" when that is empty or starts
//          with '.';
//   tag  = every character (code point) outside [A-Za-z0-9._-] becomes '_',
//          so a tag never adds a directory ("../x" -> ".._x", "a/b" -> "a_b");
//   path = <dir of base>/<stem>.snapshot.<safe tag>[.<ext of base>].
//   Example: out/ktsnap.ktsnap + "mid run" -> out/ktsnap.snapshot.mid_run.ktsnap
//
// write_file_atomic(path, bytes): creates the parent directories, writes
// <path>.tmp, fsyncs it, renames it over path and fsyncs the directory. A
// failure removes the temporary file; a failed directory fsync also removes
// the renamed file (a file that may not survive a crash is not reported as
// written).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "internal/status.hpp"

namespace ktsnap::wire {

std::string snapshot_tagged_path(std::string_view base, std::string_view tag);
// The tag part of the name alone.
std::string sanitize_tag_for_path(std::string_view tag);

// `fsync_dir` replaces fsync(dirfd) for the directory step (a test seam;
// nullptr = fsync).
Status write_file_atomic(const std::string& path, std::span<const uint8_t> bytes,
                         const std::function<int(int dirfd)>& fsync_dir = nullptr);

}  // namespace ktsnap::wire
