#include "view/pickers.hpp"

#include <limits>

namespace ktsnap {
inline namespace v1 {
namespace view {
namespace pickers {

std::optional<size_t> max_by_counter_value(std::span<const VarCandidate> candidates) {
  std::optional<size_t> best;
  uint64_t best_value = 0;
  for (size_t i = 0; i < candidates.size(); i++) {
    auto v = candidates[i].field.as_u64();
    if (!v.ok()) continue;
    if (!best || v.value() >= best_value) {  // >=: ties go to the later copy
      best = i;
      best_value = v.value();
    }
  }
  return best;
}

std::optional<size_t> max_by_sum_u64(std::span<const VarRow> rows) {
  std::optional<size_t> best;
  uint64_t best_sum = 0;
  for (size_t i = 0; i < rows.size(); i++) {
    uint64_t sum = 0;
    bool usable = true;
    for (const SnapshotField& f : rows[i].fields) {
      auto v = f.as_u64();
      if (!v.ok()) {
        usable = false;
        break;
      }
      if (__builtin_add_overflow(sum, v.value(), &sum)) sum = std::numeric_limits<uint64_t>::max();
    }
    if (!usable) continue;
    if (!best || sum >= best_sum) {
      best = i;
      best_sum = sum;
    }
  }
  return best;
}

}  // namespace pickers
}  // namespace view
}  // namespace v1
}  // namespace ktsnap
