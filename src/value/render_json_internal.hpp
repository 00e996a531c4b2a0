// Internal entry points of the JSON renderer, for the other renderer files
// and for tests (comparing the flat plan with the tree path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "btf/btf.hpp"
#include "report/report.hpp"
#include "value/render_plan.hpp"
#include "value/value.hpp"

namespace ktsnap {
inline namespace v1 {
namespace render {

// The cached plan of (btf, type_id); never nullptr in practice.
const JsonPlan* json_plan_for(const Btf& btf, uint32_t type_id);
// JSON of `len` bytes as type_id: the flat plan when it covers them, else
// the tree.
void typed_json(const Btf& btf, const Report* report, uint32_t type_id, const uint8_t* data, uint64_t len,
                JsonOut& out);
void value_json(const Value& v, JsonOut& out);
// Reindents compact JSON with two spaces per level.
void pretty_json(std::string_view in, std::string& out);

}  // namespace render
}  // namespace v1
}  // namespace ktsnap
