// Text display (spec/report.md §5): the form test failures print. Values
// are rendered to a tree first (render_tree.hpp), then laid out here.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "value/render.hpp"
#include "value/render_maps.hpp"
#include "value/render_text_internal.hpp"
#include "value/render_tree.hpp"
#include "value/render_util.hpp"

namespace ktsnap {
inline namespace v1 {

namespace render {

namespace {

constexpr size_t kWidthBudget = 120;  // inline struct and inline list budget
constexpr int kZeroDepthCap = 16;

void indent(std::string& out, int depth) {
  out.append(static_cast<size_t>(depth) * 2, ' ');
}

bool is_zero(const RNode& n) {
  switch (n.kind) {
    case NKind::Int:
    case NKind::Uint:
    case NKind::Char:
    case NKind::Enum:
    case NKind::Ptr:
      return n.u == 0;
    case NKind::Bool:
      return !n.flag;
    case NKind::Float:
      return n.f == 0.0;
    case NKind::CpuList:
      return n.str.empty();
    default:
      return false;
  }
}

bool deeply_zero(const RNode& n, int depth = 0) {
  if (depth > kZeroDepthCap) return false;
  switch (n.kind) {
    case NKind::Struct:
    case NKind::Array:
      for (const RNode& k : n.kids)
        if (!deeply_zero(k, depth + 1)) return false;
      return true;
    case NKind::Bytes:
    case NKind::Truncated:
    case NKind::Unsupported:
      return false;
    default:
      return is_zero(n);
  }
}

bool is_inline_scalar(const RNode& n) {
  switch (n.kind) {
    case NKind::Int:
    case NKind::Uint:
    case NKind::Bool:
    case NKind::Char:
    case NKind::Float:
    case NKind::Enum:
    case NKind::Bytes:
    case NKind::Unsupported:
      return true;
    case NKind::Ptr:
      return n.kids.empty();
    default:
      return false;
  }
}

bool is_flat_scalar(const RNode& n) {
  switch (n.kind) {
    case NKind::Int:
    case NKind::Uint:
    case NKind::Bool:
    case NKind::Char:
    case NKind::Float:
    case NKind::Enum:
      return true;
    case NKind::Ptr:
      return n.kids.empty() && !n.has_str;
    default:
      return false;
  }
}

bool is_text_byte(uint8_t b) {
  return b == 0 || b == '\n' || (b >= 0x20 && b <= 0x7e);
}

// An 8-bit int/uint or a char: its byte.
bool byte_of(const RNode& n, uint8_t& b) {
  if (n.kind == NKind::Char || ((n.kind == NKind::Int || n.kind == NKind::Uint) && n.bits == 8)) {
    b = static_cast<uint8_t>(n.u);
    return true;
  }
  return false;
}

bool is_cstring(const RNode& a) {
  if (a.kind != NKind::Array || a.kids.size() < 2) return false;
  uint8_t b;
  if (!byte_of(a.kids[0], b) || b == 0 || !is_text_byte(b)) return false;
  for (const RNode& e : a.kids)
    if (!byte_of(e, b) || !is_text_byte(b)) return false;
  return true;
}

bool nodes_equal(const RNode& a, const RNode& b) {
  if (a.kind != b.kind || a.flag != b.flag || a.has_str != b.has_str || a.bits != b.bits || a.u != b.u ||
      a.had != b.had || a.str != b.str || a.names != b.names || a.kids.size() != b.kids.size())
    return false;
  if (a.kind == NKind::Float && !(a.f == b.f)) return false;
  for (size_t i = 0; i < a.kids.size(); i++)
    if (!nodes_equal(a.kids[i], b.kids[i])) return false;
  return true;
}

void scalar_text(const RNode& n, std::string& out) {
  switch (n.kind) {
    case NKind::Int:
      append_i64(out, n.i());
      return;
    case NKind::Uint:
      append_u64(out, n.u);
      return;
    case NKind::Bool:
      out += n.flag ? "true" : "false";
      return;
    case NKind::Char: {
      uint8_t c = static_cast<uint8_t>(n.u);
      if (c >= 0x20 && c <= 0x7e) {
        out += '\'';
        out += static_cast<char>(c);
        out += '\'';
      } else {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "0x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return;
    }
    case NKind::Float:
      append_text_double(out, n.f);
      return;
    case NKind::Enum:
      if (n.has_str) {
        append_utf8_lossy(out, n.str);
        out += " (";
      }
      if (n.flag)
        append_i64(out, n.i());
      else
        append_u64(out, n.u);
      if (n.has_str) out += ')';
      return;
    case NKind::CpuList:
      out += "cpus={";
      out += n.str;
      out += '}';
      return;
    case NKind::Bytes:
      out += n.str;
      return;
    case NKind::Unsupported:
      out += "<unsupported: ";
      append_utf8_lossy(out, n.str);
      out += '>';
      return;
    default:
      return;
  }
}

class Display {
 public:
  void value(const RNode& n, int d, std::string& out) {
    switch (n.kind) {
      case NKind::Struct:
        return structure(n, d, out);
      case NKind::Array:
        return array(n, d, out);
      case NKind::Ptr:
        out += "0x";
        append_hex(out, n.u);
        if (!n.kids.empty()) {
          out += " \xe2\x86\x92 ";  // →
          value(n.kids[0], d, out);
        } else if (n.has_str) {
          if (n.str.starts_with("cycle ")) {
            out += " [cycle]";
          } else {
            out += " [chase: ";
            append_utf8_lossy(out, n.str);
            out += ']';
          }
        }
        return;
      case NKind::Truncated:
        if (n.had == 0) return;
        out += "<truncated needed=";
        append_u64(out, n.u);
        out += " had=";
        append_u64(out, n.had);
        out += "> ";
        value(n.kids[0], d, out);
        return;
      default:
        scalar_text(n, out);
        return;
    }
  }

  std::string str(const RNode& n, int d) {
    std::string s;
    value(n, d, s);
    return s;
  }

 private:
  // Array elements in a run: wide unsigned ints in hex, the rest as scalars.
  void element_text(const RNode& e, int d, std::string& out) {
    if (e.kind == NKind::Uint && e.bits >= 32) {
      out += "0x";
      append_hex(out, e.u);
      return;
    }
    value(e, d, out);
  }

  void shown_note(const RNode& a, std::string& out) {
    if (a.kids.size() < a.u) {
      out += " /* ";
      append_u64(out, a.kids.size());
      out += " of ";
      append_u64(out, a.u);
      out += " shown */";
    }
  }

  // Joins parts inside brackets on one line when it fits, else wraps
  // before the part that would cross the budget.
  void wrap_list(const std::vector<std::string>& parts, std::string_view sep, int d, std::string& out) {
    size_t total = 2;
    for (size_t i = 0; i < parts.size(); i++) total += parts[i].size() + (i ? sep.size() : 0);
    out += '[';
    if (total <= kWidthBudget) {
      for (size_t i = 0; i < parts.size(); i++) {
        if (i) out += sep;
        out += parts[i];
      }
      out += ']';
      return;
    }
    std::string_view trimmed = sep;
    while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
    size_t line = 1;
    for (size_t i = 0; i < parts.size(); i++) {
      if (i == 0) {
        out += parts[i];
        line += parts[i].size();
      } else if (line + sep.size() + parts[i].size() > kWidthBudget) {
        out += trimmed;
        out += '\n';
        indent(out, d + 1);
        out += parts[i];
        line = static_cast<size_t>(d + 1) * 2 + parts[i].size();
      } else {
        out += sep;
        out += parts[i];
        line += sep.size() + parts[i].size();
      }
    }
    out += ']';
  }

  void array(const RNode& a, int d, std::string& out) {
    const std::vector<RNode>& el = a.kids;
    if (el.empty()) {
      out += "[]";
      return;
    }
    if (is_cstring(a)) {
      std::string s;
      for (const RNode& e : el) {
        uint8_t b = static_cast<uint8_t>(e.u);
        if (b == 0) break;
        s += static_cast<char>(b);
      }
      if (s.find('\n') != std::string::npos) {
        out += "|\n";
        size_t start = 0;
        while (start <= s.size()) {
          size_t nl = s.find('\n', start);
          if (nl == std::string::npos) nl = s.size();
          if (nl > start) {
            indent(out, d + 1);
            out.append(s, start, nl - start);
            out += '\n';
          }
          start = nl + 1;
        }
        indent(out, d);
      } else {
        out += '"';
        out += s;
        out += '"';
      }
      return;
    }
    bool all_inline = std::all_of(el.begin(), el.end(), is_inline_scalar);
    if (all_inline) return runs(a, d, out);
    block(a, d, out);
  }

  void all_zero(const RNode& a, std::string& out) {
    out += "[all ";
    append_u64(out, a.u);
    out += " zero]";
  }

  void runs(const RNode& a, int d, std::string& out) {
    const std::vector<RNode>& el = a.kids;
    std::vector<std::pair<size_t, size_t>> rs;
    for (size_t i = 0; i < el.size(); i++) {
      if (is_zero(el[i])) continue;
      if (!rs.empty() && rs.back().second + 1 == i)
        rs.back().second = i;
      else
        rs.emplace_back(i, i);
    }
    if (rs.empty()) return all_zero(a, out);
    std::vector<std::string> parts;
    if (rs.size() == 1 && rs[0].first == 0 && rs[0].second == el.size() - 1 && el.size() == a.u) {
      for (const RNode& e : el) {
        parts.emplace_back();
        element_text(e, d, parts.back());
      }
      wrap_list(parts, ", ", d, out);
      return;
    }
    for (auto [s, e] : rs) {
      std::string p = "[";
      append_u64(p, s);
      if (s == e) {
        p += "]=";
        element_text(el[s], d, p);
      } else {
        p += "..";
        append_u64(p, e);
        p += "]={";
        for (size_t i = s; i <= e; i++) {
          if (i > s) p += ", ";
          element_text(el[i], d, p);
        }
        p += '}';
      }
      parts.push_back(std::move(p));
    }
    wrap_list(parts, "  ", d, out);
    shown_note(a, out);
  }

  struct Group {
    size_t start, end;
    const RNode* v;
  };

  static size_t member_diffs(const RNode& a, const RNode& b) {
    size_t n = 0;
    for (size_t i = 0; i < a.kids.size(); i++)
      if (a.names[i] != b.names[i] || !nodes_equal(a.kids[i], b.kids[i])) n++;
    return n;
  }

  static bool template_neighbours(const Group& g, const Group& h) {
    return g.start == g.end && h.start == h.end && g.v->kind == NKind::Struct && h.v->kind == NKind::Struct &&
           h.start == g.end + 1 && g.v->kids.size() == h.v->kids.size() && member_diffs(*g.v, *h.v) < 8;
  }

  void block(const RNode& a, int d, std::string& out) {
    const std::vector<RNode>& el = a.kids;
    std::vector<Group> groups;
    for (size_t i = 0; i < el.size(); i++) {
      if (is_zero(el[i])) continue;  // zero scalars do not break a group
      if (!groups.empty() && nodes_equal(*groups.back().v, el[i]))
        groups.back().end = i;
      else
        groups.push_back({i, i, &el[i]});
    }
    if (groups.empty()) return all_zero(a, out);
    out += '[';
    size_t i = 0;
    while (i < groups.size()) {
      size_t j = i;
      while (j + 1 < groups.size() && template_neighbours(groups[j], groups[j + 1])) j++;
      if (j - i + 1 >= 3 && merged(groups, i, j, d, out)) {
        i = j + 1;
        continue;
      }
      const Group& g = groups[i];
      out += '\n';
      indent(out, d + 1);
      out += '[';
      append_u64(out, g.start);
      if (g.end != g.start) {
        out += '-';
        append_u64(out, g.end);
      }
      out += "] ";
      value(*g.v, d + 1, out);
      i++;
    }
    out += '\n';
    indent(out, d);
    out += ']';
    shown_note(a, out);
  }

  // Template merge of groups [i, j]: one header, the shared members once,
  // the 1-3 varying members as index=value lists.
  bool merged(const std::vector<Group>& groups, size_t i, size_t j, int d, std::string& out) {
    const RNode& first = *groups[i].v;
    std::vector<bool> varies(first.kids.size(), false);
    size_t nvary = 0;
    for (size_t k = 0; k < first.kids.size(); k++) {
      for (size_t g = i + 1; g <= j && !varies[k]; g++)
        if (!nodes_equal(first.kids[k], groups[g].v->kids[k])) varies[k] = true;
      nvary += varies[k];
    }
    if (nvary < 1 || nvary > 3) return false;
    out += '\n';
    indent(out, d + 1);
    out += '[';
    append_u64(out, groups[i].start);
    out += '-';
    append_u64(out, groups[j].start);
    out += "] ";
    if (first.has_str) append_utf8_lossy(out, first.str);
    out += ':';
    if (!first.has_str) out.erase(out.size() - 2, 1);  // "[a-b]:" without the space
    for (size_t k = 0; k < first.kids.size(); k++) {
      if (varies[k] || deeply_zero(first.kids[k])) continue;
      out += '\n';
      indent(out, d + 2);
      member_name(first.names[k], out);
      out += '=';
      value(first.kids[k], d + 2, out);
    }
    for (size_t k = 0; k < first.kids.size(); k++) {
      if (!varies[k]) continue;
      out += '\n';
      indent(out, d + 2);
      member_name(first.names[k], out);
      out += ": ";
      for (size_t g = i; g <= j; g++) {
        out += '[';
        append_u64(out, groups[g].start);
        out += "]=";
        value(groups[g].v->kids[k], d + 2, out);
        out += ' ';
      }
    }
    return true;
  }

  static void member_name(const std::string& name, std::string& out) {
    if (name.empty())
      out += "<anon>";
    else
      append_utf8_lossy(out, name);
  }

  struct Member {
    const std::string* name;
    const RNode* v;
  };

  static bool pool_kind(const RNode& n) {
    switch (n.kind) {
      case NKind::Int:
      case NKind::Uint:
      case NKind::Bool:
      case NKind::Char:
      case NKind::Enum:
      case NKind::Ptr:
        return true;
      default:
        return false;
    }
  }
  static uint64_t pool_value(const RNode& n) { return n.kind == NKind::Bool ? (n.flag ? 1 : 0) : n.u; }

  // Anonymous flattening (§5.3 step 1): an unnamed struct member whose
  // scalars all repeat values already shown is dropped, else spliced.
  std::vector<Member> flatten(const RNode& s) {
    std::vector<Member> ms;
    bool any_anon = false;
    for (size_t i = 0; i < s.kids.size(); i++) {
      ms.push_back({&s.names[i], &s.kids[i]});
      if (s.names[i].empty() && s.kids[i].kind == NKind::Struct) any_anon = true;
    }
    if (!any_anon) return ms;
    std::vector<uint64_t> pool;
    auto add = [&](const RNode& v) {
      if (pool_kind(v) && !is_zero(v)) pool.push_back(pool_value(v));
    };
    for (const Member& m : ms) {
      if (m.name->empty()) continue;
      add(*m.v);
      if (m.v->kind == NKind::Struct)
        for (const RNode& k : m.v->kids) add(k);
    }
    std::vector<Member> out;
    for (const Member& m : ms) {
      if (!(m.name->empty() && m.v->kind == NKind::Struct)) {
        out.push_back(m);
        continue;
      }
      bool redundant = !pool.empty();
      for (const RNode& k : m.v->kids) {
        bool ok = (pool_kind(k) || k.kind == NKind::Float) &&
                  (is_zero(k) || (pool_kind(k) && std::find(pool.begin(), pool.end(), pool_value(k)) != pool.end()));
        if (!ok) {
          redundant = false;
          break;
        }
      }
      if (redundant) continue;
      for (size_t i = 0; i < m.v->kids.size(); i++) out.push_back({&m.v->names[i], &m.v->kids[i]});
    }
    return out;
  }

  void structure(const RNode& s, int d, std::string& out) {
    std::vector<Member> visible;
    for (const Member& m : flatten(s)) {
      if (deeply_zero(*m.v)) continue;
      if (m.name->find("___fmt") != std::string::npos && is_cstring(*m.v)) continue;
      visible.push_back(m);
    }
    std::string type;
    if (s.has_str) append_utf8_lossy(type, s.str);

    // Inline form. Member texts are rendered once and reused by the
    // multi-line form (both render members at depth+1): rendering a nested
    // struct again there would make deep nesting exponential.
    bool can_inline = true;
    std::vector<std::string> texts(visible.size());
    std::vector<bool> have(visible.size(), false);
    for (size_t i = 0; i < visible.size() && can_inline; i++) {
      const RNode& v = *visible[i].v;
      if (is_flat_scalar(v) || v.kind == NKind::Struct) {
        value(v, d + 1, texts[i]);
        have[i] = true;
        if (texts[i].find('\n') != std::string::npos) can_inline = false;
      } else {
        can_inline = false;
      }
    }
    if (can_inline) {
      std::string line = type + "{";
      for (size_t i = 0; i < visible.size(); i++) {
        if (i) line += ", ";
        member_name(*visible[i].name, line);
        line += '=';
        line += texts[i];
      }
      line += '}';
      if (line.size() <= kWidthBudget) {
        out += line;
        return;
      }
    }

    // Multi-line form: flat scalars packed three per row, then compounds.
    out += type;
    out += ':';
    std::vector<size_t> flat, compound;
    for (size_t i = 0; i < visible.size(); i++) (is_flat_scalar(*visible[i].v) ? flat : compound).push_back(i);
    size_t rows = (flat.size() + 2) / 3;
    std::vector<std::string> cells(flat.size());
    for (size_t k = 0; k < flat.size(); k++) member_name(*visible[flat[k]].name, cells[k]);
    for (size_t col = 0; col < 3; col++) {
      // Names in a column of three or more rows are aligned when their
      // lengths differ by four or more.
      size_t lo = SIZE_MAX, hi = 0;
      for (size_t k = col; k < flat.size(); k += 3) {
        lo = std::min(lo, cells[k].size());
        hi = std::max(hi, cells[k].size());
      }
      bool pad = rows >= 3 && hi >= lo && hi - lo >= 4;
      for (size_t k = col; k < flat.size(); k += 3) {
        std::string& c = cells[k];
        if (pad) {
          c.append(hi - c.size(), ' ');
          c += " = ";
        } else {
          c += '=';
        }
        if (have[flat[k]])
          c += texts[flat[k]];
        else
          value(*visible[flat[k]].v, d + 1, c);
      }
    }
    size_t width[3] = {0, 0, 0};
    for (size_t k = 0; k < cells.size(); k++) width[k % 3] = std::max(width[k % 3], cells[k].size());
    for (size_t r = 0; r < rows; r++) {
      out += '\n';
      indent(out, d + 1);
      for (size_t col = 0; col < 3; col++) {
        size_t k = r * 3 + col;
        if (k >= cells.size()) break;
        if (col) out.append(width[col - 1] - cells[k - 1].size() + 3, ' ');
        out += cells[k];
      }
    }
    for (size_t i : compound) {
      out += '\n';
      indent(out, d + 1);
      member_name(*visible[i].name, out);
      out += ' ';
      if (have[i])
        out += texts[i];
      else
        value(*visible[i].v, d + 1, out);
    }
  }
};

}  // namespace

void trim_trailing_newlines(std::string& out, size_t from) {
  // A trailing newline, with any indent written after it, is removed;
  // trailing spaces of a real line are kept.
  for (;;) {
    size_t last = out.find_last_not_of(' ');
    if (last == std::string::npos || last < from || out[last] != '\n') return;
    out.resize(last);
  }
}

void tree_to_text(const RNode& n, int depth, std::string& out) {
  Display disp;
  disp.value(n, depth, out);
}

namespace {

RNode side_tree(const Report& r, const MapSide& side, const uint8_t* p, uint64_t n) {
  if (side.typed() && n >= side.skip) return build_tree(*side.btf, &r, side.type_id, p + side.skip, n - side.skip);
  return make_bytes(p, n);
}

std::string hex_of(const uint8_t* p, uint64_t n) {
  std::string s;
  append_hex_dump(s, p, n);
  return s;
}

void more_line(uint32_t hidden, std::string& out) {
  if (hidden == 0) return;
  out += "\n  ... ";
  append_u64(out, hidden);
  out += hidden == 1 ? " more entry not shown" : " more entries not shown";
}

uint32_t shown_count(const MapInfo& m, const RenderOptions& opts) {
  if (opts.max_entries == 0 || opts.max_entries >= m.entry_count) return m.entry_count;
  return opts.max_entries;
}

// Entry table (§5.5): every entry a struct key and a struct value of the
// same shapes, all members inline scalars.
bool try_table(const std::vector<RNode>& keys, const std::vector<RNode>& vals, std::string& out) {
  if (keys.size() < 2) return false;
  const RNode& k0 = keys[0];
  const RNode& v0 = vals[0];
  for (size_t e = 0; e < keys.size(); e++) {
    const RNode& k = keys[e];
    const RNode& v = vals[e];
    if (k.kind != NKind::Struct || v.kind != NKind::Struct) return false;
    if (k.has_str != k0.has_str || k.str != k0.str || v.has_str != v0.has_str || v.str != v0.str) return false;
    if (k.names != k0.names || v.names != v0.names) return false;
    for (const RNode& m : k.kids)
      if (!is_inline_scalar(m)) return false;
    for (const RNode& m : v.kids)
      if (!is_inline_scalar(m)) return false;
  }
  size_t nk = k0.kids.size(), nv = v0.kids.size();
  std::vector<std::vector<std::string>> cells(keys.size(), std::vector<std::string>(nk + nv));
  std::vector<size_t> width(nk + nv, 0);
  Display disp;
  for (size_t c = 0; c < nk + nv; c++) {
    const std::string& name = c < nk ? k0.names[c] : v0.names[c - nk];
    width[c] = name.empty() ? 6 : name.size();
  }
  for (size_t e = 0; e < keys.size(); e++) {
    for (size_t c = 0; c < nk + nv; c++) {
      const RNode& m = c < nk ? keys[e].kids[c] : vals[e].kids[c - nk];
      disp.value(m, 0, cells[e][c]);
      width[c] = std::max(width[c], cells[e][c].size());
    }
  }
  auto row = [&](auto cell) {
    out += "\n  ";
    for (size_t c = 0; c < nk + nv; c++) {
      std::string t = cell(c);
      if (c == nk)
        out += " | ";
      else if (c > 0)
        out += "  ";
      if (t.size() < width[c]) out.append(width[c] - t.size(), ' ');
      out += t;
    }
  };
  row([&](size_t c) {
    const std::string& name = c < nk ? k0.names[c] : v0.names[c - nk];
    return name.empty() ? std::string("<anon>") : name;
  });
  for (size_t e = 0; e < keys.size(); e++) row([&](size_t c) { return cells[e][c]; });
  return true;
}

void cpu_label(const std::vector<uint32_t>& cpus, uint32_t total, std::string& out) {
  if (cpus.size() == total) {
    out += "all CPUs";
    return;
  }
  if (cpus.size() == 1) {
    out += "cpu ";
    append_u64(out, cpus[0]);
    return;
  }
  bool contiguous = true;
  for (size_t i = 1; i < cpus.size(); i++) contiguous = contiguous && cpus[i] == cpus[i - 1] + 1;
  out += "cpus ";
  if (contiguous) {
    append_u64(out, cpus.front());
    out += '-';
    append_u64(out, cpus.back());
    return;
  }
  out += '[';
  for (size_t i = 0; i < cpus.size(); i++) {
    if (i) out += ", ";
    append_u64(out, cpus[i]);
  }
  out += ']';
}

// Per-CPU array entry (§5.6). present[i] is false for a slot that could
// not be read (shown as <unmapped>).
void percpu_array_entry(uint32_t key, const std::vector<RNode>& slots, const std::vector<bool>& present,
                        std::string& out) {
  Display disp;
  uint32_t c = static_cast<uint32_t>(slots.size());
  size_t structs = 0;
  bool empty_struct = false;
  const RNode* first = nullptr;
  std::vector<uint32_t> unmapped;
  for (uint32_t i = 0; i < c; i++) {
    if (!present[i]) {
      unmapped.push_back(i);
      continue;
    }
    if (first == nullptr) first = &slots[i];
    if (slots[i].kind == NKind::Struct) {
      structs++;
      empty_struct = empty_struct || slots[i].kids.empty();
    }
  }
  out += "key ";
  append_u64(out, key);
  out += ':';
  auto plain_rows = [&]() {
    for (uint32_t i = 0; i < c; i++) {
      out += "\n  cpu ";
      append_u64(out, i);
      out += ": ";
      if (present[i])
        disp.value(slots[i], 1, out);
      else
        out += "<unmapped>";
    }
  };
  auto unmapped_line = [&]() {
    if (unmapped.empty()) return;
    out += "\n  cpus [";
    for (size_t i = 0; i < unmapped.size(); i++) {
      if (i) out += ", ";
      append_u64(out, unmapped[i]);
    }
    out += "]: <unmapped>";
  };
  if (structs < 2 || empty_struct) return plain_rows();
  out += ' ';
  if (first->has_str) {
    out += "struct ";
    append_utf8_lossy(out, first->str);
    out += ' ';
  }
  out += '(';
  append_u64(out, c);
  out += " CPUs)";
  if (c > 64) return plain_rows();
  struct G {
    const RNode* v;
    std::vector<uint32_t> cpus;
  };
  std::vector<G> groups;
  for (uint32_t i = 0; i < c; i++) {
    if (!present[i]) continue;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const G& g) { return nodes_equal(*g.v, slots[i]); });
    if (it == groups.end())
      groups.push_back({&slots[i], {i}});
    else
      it->cpus.push_back(i);
  }
  bool singles = groups.size() >= 3;
  for (const G& g : groups)
    singles = singles && g.cpus.size() == 1 && g.v->kind == NKind::Struct &&
              g.v->kids.size() == groups[0].v->kids.size() && g.v->names == groups[0].v->names;
  if (singles) {
    const RNode& base = *groups[0].v;
    std::vector<size_t> vary;
    for (size_t k = 0; k < base.kids.size(); k++) {
      for (const G& g : groups) {
        if (!nodes_equal(g.v->kids[k], base.kids[k])) {
          vary.push_back(k);
          break;
        }
      }
    }
    if (!vary.empty() && vary.size() <= 7) {
      out += "\n  common:";
      for (size_t k = 0; k < base.kids.size(); k++) {
        if (std::find(vary.begin(), vary.end(), k) != vary.end() || deeply_zero(base.kids[k])) continue;
        out += "\n    ";
        append_utf8_lossy(out, base.names[k].empty() ? "<anon>" : base.names[k]);
        out += ": ";
        disp.value(base.kids[k], 2, out);
      }
      out += "\n  per-cpu:\n    cpu";
      for (size_t k : vary) {
        out += " | ";
        append_utf8_lossy(out, base.names[k].empty() ? "<anon>" : base.names[k]);
      }
      for (const G& g : groups) {
        out += "\n    ";
        std::string num;
        append_u64(num, g.cpus[0]);
        if (num.size() < 3) out.append(3 - num.size(), ' ');
        out += num;
        for (size_t k : vary) {
          out += " | ";
          disp.value(g.v->kids[k], 2, out);
        }
      }
      unmapped_line();
      return;
    }
  }
  for (const G& g : groups) {
    out += "\n  ";
    cpu_label(g.cpus, c, out);
    out += ": ";
    disp.value(*g.v, 1, out);
  }
  unmapped_line();
}

void map_text(const Report& r, const MapInfo& m, const RenderOptions& opts, std::string& out) {
  out += "map ";
  append_utf8_lossy(out, m.name);
  out += " (type=";
  out += map_type_name(m.map_type);
  out += ", value_size=";
  append_u64(out, m.value_size);
  out += ", max_entries=";
  append_u64(out, m.max_entries);
  out += ')';
  if (m.has_error) {
    out += " [error: ";
    append_utf8_lossy(out, m.error);
    out += ']';
  }
  MapShape shape = map_shape(m);
  if (m.entry_count == 0 || m.values == nullptr) return;
  Display disp;
  MapSide ks = map_key_side(m), vs = map_value_side(m);
  uint32_t shown = shown_count(m, opts);
  switch (shape) {
    case MapShape::Single: {
      out += '\n';
      if (m.map_type == kMapTypeArray && is_rodata_str(m.name)) {
        append_ascii_dump(out, m.value_ptr(0), m.value_size);
        return;
      }
      disp.value(side_tree(r, vs, m.value_ptr(0), m.value_size), 0, out);
      return;
    }
    case MapShape::Array:
      for (uint32_t e = 0; e < shown; e++) {
        out += "\nkey ";
        append_u64(out, array_key(m, e));
        out += ": ";
        disp.value(side_tree(r, vs, m.value_ptr(e), m.value_size), 1, out);
      }
      break;
    case MapShape::Hash:
    case MapShape::LocalStorage: {
      std::vector<RNode> keys, vals;
      std::vector<bool> has_key, has_val;
      for (uint32_t e = 0; e < shown; e++) {
        const uint8_t* k = m.key_ptr(e);
        if (shape == MapShape::LocalStorage) {
          has_key.push_back(m.key_size == 8);
          RNode p;
          p.kind = NKind::Ptr;
          p.u = m.key_size == 8 ? load_le(k, 8) : 0;
          keys.push_back(std::move(p));
          has_val.push_back(true);
          vals.push_back(side_tree(r, vs, m.value_ptr(e), m.value_size));
        } else {
          has_key.push_back(ks.typed());
          keys.push_back(ks.typed() ? build_tree(*ks.btf, &r, ks.type_id, k, m.key_size) : RNode());
          bool tv = vs.typed() && m.value_size >= vs.skip;
          has_val.push_back(tv);
          vals.push_back(tv ? build_tree(*vs.btf, &r, vs.type_id, m.value_ptr(e) + vs.skip, m.value_size - vs.skip)
                            : RNode());
        }
      }
      bool all_typed = std::all_of(has_key.begin(), has_key.end(), [](bool b) { return b; }) &&
                       std::all_of(has_val.begin(), has_val.end(), [](bool b) { return b; });
      if (all_typed && try_table(keys, vals, out)) break;
      for (uint32_t e = 0; e < shown; e++) {
        out += "\nentry: key=";
        if (has_key[e]) {
          disp.value(keys[e], 1, out);
        } else {
          out += hex_of(m.key_ptr(e), m.key_size);
          out += " (raw)";
        }
        out += "\n  value: ";
        if (has_val[e]) {
          disp.value(vals[e], 1, out);
        } else {
          out += hex_of(m.value_ptr(e), m.value_size);
          out += " (raw)";
        }
      }
      break;
    }
    case MapShape::PercpuArray:
      for (uint32_t e = 0; e < shown; e++) {
        std::vector<RNode> slots(m.nr_cpus);
        std::vector<bool> present(m.nr_cpus);
        for (uint32_t c = 0; c < m.nr_cpus; c++) {
          present[c] = m.slot_present(e, c);
          if (present[c]) slots[c] = side_tree(r, vs, m.value_ptr(e, c), m.value_size);
        }
        out += '\n';
        percpu_array_entry(array_key(m, e), slots, present, out);
      }
      break;
    case MapShape::PercpuHash:
      for (uint32_t e = 0; e < shown; e++) {
        out += "\nentry: key=";
        if (ks.typed()) {
          disp.value(build_tree(*ks.btf, &r, ks.type_id, m.key_ptr(e), m.key_size), 1, out);
        } else {
          out += hex_of(m.key_ptr(e), m.key_size);
          out += " (raw)";
        }
        for (uint32_t c = 0; c < m.nr_cpus; c++) {
          out += "\n  cpu ";
          append_u64(out, c);
          out += ": ";
          if (m.slot_present(e, c))
            disp.value(side_tree(r, vs, m.value_ptr(e, c), m.value_size), 1, out);
          else
            out += "<unmapped>";
        }
      }
      break;
    case MapShape::None:
      return;
  }
  more_line(m.entry_count - shown, out);
}

void excluded_text(const ExcludedMapInfo& x, std::string& out) {
  out += "map ";
  append_utf8_lossy(out, x.name);
  out += " (type=";
  out += map_type_name(x.map_type);
  out += ", value_size=0, max_entries=0) [error: ";
  append_utf8_lossy(out, x.reason);
  out += ']';
}

}  // namespace
}  // namespace render

Status render_value_text(const Value& v, std::string& out) {
  if (!v.valid()) return make_error(Code::Invalid, "cannot render an invalid value (no context)");
  ValueParts p = v.parts();
  size_t from = out.size();
  const Btf* btf = p.ctx->btf;
  render::RNode n;
  if (p.is_bytes || btf == nullptr)
    n = render::make_bytes(p.data, p.len);
  else if (p.bit_size > 0)
    n = render::build_bitfield_tree(*btf, p.type_id, p.data, p.len, p.bit_off, p.bit_size);
  else
    n = render::build_tree(*btf, p.ctx->report, p.type_id, p.data, p.len);
  render::tree_to_text(n, 0, out);
  render::trim_trailing_newlines(out, from);
  return {};
}

Status render_map_text(const Report& r, const MapInfo& m, std::string& out, const RenderOptions& opts) {
  size_t from = out.size();
  render::map_text(r, m, opts, out);
  render::trim_trailing_newlines(out, from);
  return {};
}

Status render_report_text(const Report& r, std::string& out, const RenderOptions& opts) {
  size_t from = out.size();
  std::vector<std::string> sections;
  for (size_t i = 0; i < r.map_count(); i++) {
    sections.emplace_back();
    render::map_text(r, r.map(i), opts, sections.back());
  }
  for (size_t i = 0; i < r.excluded_count(); i++) {
    sections.emplace_back();
    render::excluded_text(r.excluded(i), sections.back());
  }
  if (r.is_placeholder()) {
    // A placeholder carries its reason in every "unavailable" section.
    std::string reason;
    render::append_utf8_lossy(reason, r.placeholder_reason());
    for (const char* s : {"prog_runtime_stats", "per_node_numa", "task_enrichments", "scx_walker"})
      sections.push_back(std::string(s) + ": <unavailable: " + reason + ">");
  }
  if (sections.empty()) {
    out += "(empty failure dump)";
    return {};
  }
  for (size_t i = 0; i < sections.size(); i++) {
    if (i) out += "\n\n";
    out += sections[i];
  }
  render::trim_trailing_newlines(out, from);
  return {};
}

}  // namespace v1
}  // namespace ktsnap
