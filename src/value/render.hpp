// Renderers: JSON in the ktstr dump shape (spec/report.md §1.5-1.6, §2)
// and the human text display (spec/report.md §5). Each compiles a plan
// once per (BTF, type id) and then writes without printf per field.
#pragma once

#include <cstdint>
#include <string>

#include "report/report.hpp"
#include "value/value.hpp"

namespace ktsnap {
inline namespace v1 {

struct RenderOptions {
  uint32_t max_entries = 0;  // text: entries shown per map (0 = all)
  bool pretty = false;       // JSON: indented output (default compact)
};

// JSON of one value (a RenderedValue node).
Status render_value_json(const Value& v, std::string& out);
// JSON of one map (a FailureDumpMap object).
Status render_map_json(const Report& r, const MapInfo& m, std::string& out,
                       const RenderOptions& opts = {});
// JSON of a whole report ({"schema":"single","maps":[...], ...}).
Status render_report_json(const Report& r, std::string& out, const RenderOptions& opts = {});

// Text display of one value at indent depth 0.
Status render_value_text(const Value& v, std::string& out);
// Text display of one map block (spec/report.md §5.5).
Status render_map_text(const Report& r, const MapInfo& m, std::string& out,
                       const RenderOptions& opts = {});
// Text display of a report (§5.4).
Status render_report_text(const Report& r, std::string& out, const RenderOptions& opts = {});

}  // namespace v1
}  // namespace ktsnap
