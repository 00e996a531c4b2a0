// JsonField: the SnapshotField vocabulary over scheduler stats JSON
// (spec/views.md §2.5, §4.3). A field is a simdjson DOM element plus a
// shared handle on the parsed document (so a field outlives the Snapshot
// that produced it), or Missing with its error. u64 counters above 2^53
// stay exact: integers are read as integers, never through a double.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "view/error.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

class JsonField {
 public:
  // `owner` keeps the document `e` belongs to alive.
  static JsonField of(std::shared_ptr<const void> owner, simdjson::dom::element e) {
    return JsonField(std::move(owner), e);
  }
  static JsonField missing(SnapshotError e) { return JsonField(std::move(e)); }

  bool is_present() const { return !err_.has_value(); }
  const SnapshotError* error() const { return err_ ? &*err_ : nullptr; }
  std::optional<simdjson::dom::element> raw() const;

  // Dotted walk over objects ("" = this value). On Missing: the same error.
  JsonField get(std::string_view path) const;
  // Elements of a JSON array; nothing for anything else.
  std::vector<JsonField> iter_members() const;

  ViewResult<uint64_t> as_u64() const;
  ViewResult<int64_t> as_i64() const;
  ViewResult<double> as_f64() const;
  ViewResult<bool> as_bool() const;
  // Points into the parsed document (valid while any field of it lives).
  ViewResult<std::string_view> as_str() const;

  ViewResult<std::vector<uint64_t>> as_u64_array() const;
  ViewResult<std::vector<uint32_t>> as_u32_array() const;
  ViewResult<std::vector<int64_t>> as_i64_array() const;
  ViewResult<std::vector<double>> as_f64_array() const;
  ViewResult<std::vector<uint8_t>> as_bool_array() const;  // 0 / 1

 private:
  JsonField(std::shared_ptr<const void> owner, simdjson::dom::element e) : owner_(std::move(owner)), el_(e) {}
  explicit JsonField(SnapshotError e) : err_(std::move(e)) {}

  std::shared_ptr<const void> owner_;
  simdjson::dom::element el_;
  std::optional<SnapshotError> err_;
};

// Walks `path` from `root` (spec: stats_path / walk_json_path).
JsonField stats_path(const JsonField& root, std::string_view path);

// Parses stats JSON text into its root field. A parse failure is
// Missing(MissingStats{tag, NoScheduler{<why>}}). Integer literals too large
// for u64/i64 are read as floats (the spec's number model) rather than
// rejecting the whole document.
JsonField parse_stats_json(std::string_view text, std::string_view tag);

// "Null", "Bool", "Number", "String", "Array", "Object".
const char* json_kind(const simdjson::dom::element& e);

// Rust-compatible number text parsing used by the string coercions:
// u64 (optional '+'), i64 (optional sign), f64 (decimal or exponent form,
// "inf", "infinity", "nan", any case, optional sign).
std::optional<uint64_t> parse_u64_text(std::string_view s);
std::optional<int64_t> parse_i64_text(std::string_view s);
std::optional<double> parse_f64_text(std::string_view s);

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
