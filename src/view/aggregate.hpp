// Per-CPU aggregates over one path of a per-CPU map (PERCPU_ARRAY,
// PERCPU_HASH, ...), for one entry or for every entry at once, with the
// semantics of spec/views.md §2.3:
//   - each captured slot is read at the path and converted with the §4.2
//     rule of the target (as Column does); a conversion failure (Range)
//     stops that entry with that error;
//   - slots that were not captured (MapInfo::slot_present false) are
//     skipped: an absent slot is unreadable, not zero;
//   - no contributing slot (all absent, or nr_cpus 0) is an error,
//     Code::NotFound, never 0;
//   - u64 sums saturate at UINT64_MAX; i64 sums saturate at each step at
//     INT64_MIN / INT64_MAX (so the result may depend on CPU order near the
//     bounds); f64 sums use IEEE += (one NaN makes the sum NaN);
//   - f64 max / min: the first contributing value seeds, then a NaN operand
//     is ignored in favour of the other (all-NaN -> NaN; [1, NaN, 3] ->
//     max 3, min 1).
// Paths must be on the value side; the map must be per-CPU (else Type).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "internal/status.hpp"
#include "report/report.hpp"
#include "view/column.hpp"
#include "view/query_path.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

// Numbers fixed for the C ABI.
enum class AggOp : uint32_t { Sum = 0, Max = 1, Min = 2 };

class CpuAggregate {
 public:
  static Result<CpuAggregate> compile(const MapInfo& map, std::string_view path);
  static Result<CpuAggregate> from_path(const MapInfo& map, const ResolvedPath& path);

  const ResolvedPath& path() const { return path_; }

  // One entry. Errors: Range (entry out of range, or a slot's value out of
  // the target's range), NotFound (no contributing slot), Type (the path
  // does not convert to the target).
  Result<uint64_t> u64(AggOp op, uint32_t entry) const;
  Result<int64_t> i64(AggOp op, uint32_t entry) const;
  Result<double> f64(AggOp op, uint32_t entry) const;

  // Every entry: out[i] is entry i's aggregate (0 when it failed), status[i]
  // (when status is not empty) 0 or the negative Code of its failure.
  // Call errors: Invalid (short arrays), Type.
  Result<ColumnResult> all_u64(AggOp op, std::span<uint64_t> out, std::span<int32_t> status = {}) const;
  Result<ColumnResult> all_i64(AggOp op, std::span<int64_t> out, std::span<int32_t> status = {}) const;
  Result<ColumnResult> all_f64(AggOp op, std::span<double> out, std::span<int32_t> status = {}) const;

 private:
  CpuAggregate() = default;
  const MapInfo* map_ = nullptr;
  ResolvedPath path_;
};

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
