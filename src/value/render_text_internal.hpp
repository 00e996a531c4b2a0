// Internal entry points of the text display, for tests.
#pragma once

#include <string>

#include "value/render_tree.hpp"

namespace ktsnap {
inline namespace v1 {
namespace render {

// Lays out a rendered tree at indent depth `depth` (§5.1-5.3).
void tree_to_text(const RNode& n, int depth, std::string& out);
// Drops a trailing newline (and indentation after it) from out[from..].
void trim_trailing_newlines(std::string& out, size_t from);

}  // namespace render
}  // namespace v1
}  // namespace ktsnap
