// Column extraction: one path across every entry of a map (one CPU slot of
// a per-CPU map) into a caller array, converted with the rules of
// spec/views.md §4.2 for the target type:
//   u64: unsigned integers, chars, pointers (the address), bools (0/1),
//        signed integers and enums when not negative (negative -> Range);
//   i64: signed integers, enums (an unsigned enum with the top bit set
//        reads negative, as as_i64 does), chars, bools; unsigned integers
//        up to INT64_MAX (above -> Range); pointers do not convert;
//   f64: floats, integers and enums (as_f64: precision loss above 2^53);
//        bools, chars and pointers do not convert.
// A path whose type never converts to the target (a float as u64, a struct)
// fails the whole call with Code::Type. Otherwise failures are per entry:
//   Code::Range     the value is out of the target's range;
//   Code::NotFound  the entry's per-CPU slot for this CPU was not captured
//                   (MapInfo::slot_present false): unreadable, not zero.
// A failed entry's output element is 0 (0.0). The path is resolved once
// (query_path.hpp); each entry is then one load at a fixed offset.
//
// A Column borrows the MapInfo it was compiled for (valid while the report
// lives) and is immutable.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "internal/status.hpp"
#include "report/report.hpp"
#include "view/query.hpp"
#include "view/query_path.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

// Target type of a bulk read (numbers fixed for the C ABI).
enum class ColumnType : uint32_t { U64 = 0, I64 = 1, F64 = 2 };

// Outcome of a bulk read whose arguments were valid.
struct ColumnResult {
  uint32_t failed = 0;                // entries that did not convert
  uint32_t first_failure = kNoEntry;  // index of the first of them
  Code first_code = Code::Ok;         // its code (Range or NotFound)

  // Counts a failed entry, keeping the first.
  void note_failure(uint32_t entry, Code code) {
    if (failed++ == 0) {
      first_failure = entry;
      first_code = code;
    }
  }
};

class Column {
 public:
  static Result<Column> compile(const MapInfo& map, std::string_view path);
  // From a path resolved for this map (checked to fit its key / value).
  static Result<Column> from_path(const MapInfo& map, const ResolvedPath& path);

  const ResolvedPath& path() const { return path_; }
  const MapInfo& map() const { return *map_; }

  // out.size() must be at least the map's entry count; `status`, when not
  // empty, too: it receives 0 or the negative Code of each entry's failure.
  // Errors: Invalid (short arrays), Range (cpu >= nr_cpus of a per-CPU
  // map), Type (the path's type does not convert to the target).
  Result<ColumnResult> read_u64(std::span<uint64_t> out, std::span<int32_t> status = {}, uint32_t cpu = 0) const;
  Result<ColumnResult> read_i64(std::span<int64_t> out, std::span<int32_t> status = {}, uint32_t cpu = 0) const;
  Result<ColumnResult> read_f64(std::span<double> out, std::span<int32_t> status = {}, uint32_t cpu = 0) const;

  // One entry, same rules; the error message names the map, entry, CPU and
  // path (use it to explain a failure reported by a bulk read).
  Result<uint64_t> u64(uint32_t entry, uint32_t cpu = 0) const;
  Result<int64_t> i64(uint32_t entry, uint32_t cpu = 0) const;
  Result<double> f64(uint32_t entry, uint32_t cpu = 0) const;

 private:
  Column() = default;
  Result<uint64_t> one(uint32_t entry, uint32_t cpu, ColumnType t) const;
  const MapInfo* map_ = nullptr;
  ResolvedPath path_;
};

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
