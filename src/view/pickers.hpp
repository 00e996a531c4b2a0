// Pickers: choose one candidate among same-named globals (spec/views.md
// §2.6), for Snapshot::live_var_via and Snapshot::live_vars_via. A picker
// returns the index of its choice, or nullopt when nothing qualifies (the
// caller then reports ProjectionFailed). Ties pick the LAST candidate.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "view/field.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

// One copy of a global: the map it was found in and its field.
struct VarCandidate {
  std::string_view map;
  SnapshotField field;
};

// One map holding every requested global: fields in the requested order.
struct VarRow {
  std::string_view map;
  std::vector<SnapshotField> fields;
};

using VarPicker = std::function<std::optional<size_t>(std::span<const VarCandidate>)>;
using RowPicker = std::function<std::optional<size_t>(std::span<const VarRow>)>;

namespace pickers {

// The candidate with the largest as_u64 value; candidates that do not read
// as u64 are skipped.
std::optional<size_t> max_by_counter_value(std::span<const VarCandidate> candidates);

// The row with the largest saturating sum of its fields' as_u64 values; a
// row with any field that does not read as u64 is skipped.
std::optional<size_t> max_by_sum_u64(std::span<const VarRow> rows);

}  // namespace pickers
}  // namespace view
}  // namespace v1
}  // namespace ktsnap
