// See bpftool_compare.hpp.
#include "bpftool_compare.hpp"

#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string_view>
#include <utility>

#include "value/render.hpp"

namespace ktsnap::e2e {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Runs a command, returns its stdout; *status gets the exit status.
std::string run_cmd(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *status = -1;
    return out;
  }
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  return out;
}

bool bpftool_available(std::string* why) {
  int st = 0;
  std::string v = run_cmd("bpftool version 2>/dev/null", &st);
  if (st != 0 || v.find("bpftool") == std::string::npos) {
    *why = "bpftool not found or not runnable (bpftool version exited " + std::to_string(st) + ")";
    return false;
  }
  return true;
}

std::string hex_bytes(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    if (i) s += ' ';
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

// bpftool's raw key: ["0x2a","0x00",...] -> "2a 00 ..." (our key_hex form).
std::string bpftool_hex(element arr) {
  std::string s;
  for (element e : arr.get_array()) {
    std::string_view h = e.get_string().value();
    if (!s.empty()) s += ' ';
    s += h.substr(h.size() >= 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X') ? 2 : 0);
  }
  return s;
}

// ---- the comparison walk ------------------------------------------------------

// bpftool 7.1's btf_dumper has no case for BTF_KIND_FLOAT: it writes the
// bare text `(unsupported-kind` (invalid JSON) and stops printing the
// enclosing struct. We turn that text into this string so the rest of the
// document parses; members bpftool did not print cannot be compared.
constexpr std::string_view kBpftoolUnsupported = "(bpftool: unsupported kind)";

std::string repair_bpftool_json(std::string s, uint64_t* repairs) {
  static constexpr std::string_view bad = "(unsupported-kind";
  std::string q = "\"" + std::string(kBpftoolUnsupported) + "\"";
  for (size_t pos = 0; (pos = s.find(bad, pos)) != std::string::npos; pos += q.size()) {
    s.replace(pos, bad.size(), q);
    (*repairs)++;
  }
  return s;
}


std::string to_json(element e) {
  return simdjson::minify(e);
}

// Our integer node value as a 64-bit pattern plus signedness.
bool our_int(element ours, uint64_t* bits, bool* is_signed) {
  element v;
  if (ours["value"].get(v) != simdjson::SUCCESS) return false;
  int64_t i;
  uint64_t u;
  if (v.get_uint64().get(u) == simdjson::SUCCESS) {
    *bits = u;
    *is_signed = false;
    return true;
  }
  if (v.get_int64().get(i) == simdjson::SUCCESS) {
    *bits = static_cast<uint64_t>(i);
    *is_signed = true;
    return true;
  }
  return false;
}

// Parses "0x1f" / "0X1F" hex strings that bpftool prints for some scalars.
bool parse_hex(std::string_view s, uint64_t* out) {
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  uint64_t v = 0;
  for (size_t i = 2; i < s.size(); i++) {
    char c = s[i];
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    if (i - 2 >= 16) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

std::string_view kind_of(element ours) {
  std::string_view k;
  if (ours["kind"].get(k) != simdjson::SUCCESS) return "";
  return k;
}

void compare(element peer, element ours, const std::string& path, Tally& t);

// A bpftool number (or hex string) against our scalar node.
void compare_scalar(element peer, element ours, const std::string& path, Tally& t) {
  std::string_view kind = kind_of(ours);
  if (kind == "truncated") {
    element partial;
    if (ours["partial"].get(partial) == simdjson::SUCCESS) return compare(peer, partial, path, t);
  }
  if (kind == "bool") {
    bool ob = false;
    if (ours["value"].get(ob) != simdjson::SUCCESS) return t.fail(path, "our bool has no value: " + to_json(ours));
    bool pb;
    uint64_t pu;
    if (peer.get_bool().get(pb) == simdjson::SUCCESS) {
      t.numbers++;
      if (pb != ob) t.fail(path, "bool differs: bpftool " + to_json(peer) + " ours " + to_json(ours));
      return;
    }
    if (peer.get_uint64().get(pu) == simdjson::SUCCESS) {
      t.numbers++;
      if ((pu != 0) != ob) t.fail(path, "bool differs: bpftool " + to_json(peer) + " ours " + to_json(ours));
      return;
    }
    return t.fail(path, "bpftool prints " + to_json(peer) + " for our bool");
  }
  if (kind == "float") {
    double of = 0, pf = 0;
    if (ours["value"].get(of) != simdjson::SUCCESS) return t.fail(path, "our float has no value");
    if (peer.get_double().get(pf) != simdjson::SUCCESS)
      return t.fail(path, "bpftool prints " + to_json(peer) + " for our float " + to_json(ours));
    t.numbers++;
    // bpftool prints with limited precision; compare relative to magnitude.
    double tol = std::max(1e-9, std::fabs(of) * 1e-6);
    if (std::fabs(of - pf) > tol) t.fail(path, "float differs: bpftool " + to_json(peer) + " ours " + to_json(ours));
    return;
  }
  if (kind == "enum") {
    std::string_view pname;
    uint64_t hexv = 0;
    if (peer.get_string().get(pname) == simdjson::SUCCESS && !parse_hex(pname, &hexv)) {
      std::string_view variant;
      if (ours["variant"].get(variant) != simdjson::SUCCESS)
        return t.fail(path, "bpftool names enum " + std::string(pname) + ", ours has no variant: " + to_json(ours));
      t.strings++;
      if (variant != pname)
        t.fail(path, "enum name differs: bpftool " + std::string(pname) + " ours " + std::string(variant));
      return;
    }
    // fall through: bpftool printed the enum as a number
  }
  if (kind != "int" && kind != "uint" && kind != "char" && kind != "enum" && kind != "ptr")
    return t.fail(path, "bpftool prints scalar " + to_json(peer) + " where ours is " + to_json(ours));

  uint64_t obits = 0;
  bool osigned = false;
  if (!our_int(ours, &obits, &osigned)) return t.fail(path, "our scalar has no integer value: " + to_json(ours));

  int64_t pi;
  uint64_t pu;
  std::string_view ps;
  if (kind == "enum") {
    // bpftool 7.1 formats a 4-byte ENUM as a signed int whatever the BTF
    // kind flag says, while we print an unsigned enum's raw bit pattern
    // (spec/report.md §2.3). Both carry the same bits at the enum's width:
    // compare exactly there.
    uint64_t width = 64;
    if (ours["bits"].get(width) != simdjson::SUCCESS || width == 0 || width > 64)
      return t.fail(path, "our enum has no usable bits: " + to_json(ours));
    uint64_t mask = width == 64 ? ~0ull : ((1ull << width) - 1);
    uint64_t pbits;
    if (peer.get_uint64().get(pu) == simdjson::SUCCESS)
      pbits = pu;
    else if (peer.get_int64().get(pi) == simdjson::SUCCESS)
      pbits = static_cast<uint64_t>(pi);
    else
      return t.fail(path, "bpftool prints " + to_json(peer) + " for our enum " + to_json(ours));
    // A wider value than the enum's width would not fit the type.
    bool peer_fits = (pbits & ~mask) == 0 || (static_cast<int64_t>(pbits) < 0 && (pbits | mask) == ~0ull);
    t.numbers++;
    if (!peer_fits || (pbits & mask) != (obits & mask))
      t.fail(path, "enum value differs: bpftool " + to_json(peer) + " ours " + to_json(ours));
    return;
  }
  if (peer.get_uint64().get(pu) == simdjson::SUCCESS) {
    // Exact as 64-bit: a non-negative bpftool number equals our value, and
    // our value is non-negative too (or an unsigned enum's bit pattern).
    t.numbers++;
    bool neg = osigned && static_cast<int64_t>(obits) < 0;
    if (obits != pu || (neg && kind != "enum"))
      t.fail(path, "differs: bpftool " + to_json(peer) + " ours " + to_json(ours));
    return;
  }
  if (peer.get_int64().get(pi) == simdjson::SUCCESS) {
    t.numbers++;
    if (static_cast<int64_t>(obits) != pi || (!osigned && kind != "enum"))
      t.fail(path, "differs (signed): bpftool " + to_json(peer) + " ours " + to_json(ours));
    return;
  }
  if (peer.get_string().get(ps) == simdjson::SUCCESS && parse_hex(ps, &pu)) {
    // bpftool prints bitfields as the hex of their raw bits. A negative
    // signed field has its top bit set, so the field width is the bit
    // length of the pattern; sign-extend from there and compare exactly.
    t.numbers++;
    uint64_t want = pu;
    if (osigned && static_cast<int64_t>(obits) < 0 && pu != 0) {
      unsigned w = 64 - static_cast<unsigned>(__builtin_clzll(pu));
      want = w >= 64 ? pu : (pu | ~((1ull << w) - 1));
    }
    if (want != obits) t.fail(path, "differs (hex): bpftool " + std::string(ps) + " ours " + to_json(ours));
    return;
  }
  t.fail(path, "cannot compare bpftool " + to_json(peer) + " with ours " + to_json(ours));
}

// A bpftool string for a char array: our array of char/int/uint nodes.
void compare_char_array(std::string_view s, element ours, const std::string& path, Tally& t) {
  element elems;
  if (ours["elements"].get(elems) != simdjson::SUCCESS)
    return t.fail(path, "bpftool string \"" + std::string(s) + "\" for our " + to_json(ours));
  std::string text;
  for (element e : elems.get_array()) {
    uint64_t bits = 0;
    bool sg = false;
    if (!our_int(e, &bits, &sg)) return t.fail(path, "char element without a value: " + to_json(e));
    char c = static_cast<char>(bits & 0xff);
    if (c == 0) break;
    text += c;
  }
  t.strings++;
  if (text != s) t.fail(path, "string differs: bpftool \"" + std::string(s) + "\" ours \"" + text + "\"");
}

// bpftool's DATASEC shape {"<sec>":[{"var":v},...]} against our struct of vars.
bool compare_datasec(element peer, element ours, const std::string& path, Tally& t) {
  simdjson::dom::object po;
  if (peer.get_object().get(po) != simdjson::SUCCESS || po.size() != 1) return false;
  auto kv = *po.begin();
  std::string_view tn;
  if (ours["type_name"].get(tn) != simdjson::SUCCESS || tn != kv.key) return false;
  simdjson::dom::array vars;
  if (kv.value.get_array().get(vars) != simdjson::SUCCESS) return false;
  element members;
  if (ours["members"].get(members) != simdjson::SUCCESS) {
    t.fail(path, "our datasec has no members");
    return true;
  }
  std::map<std::string, element, std::less<>> by_name;
  for (element m : members.get_array())
    by_name.emplace(std::string(m["name"].get_string().value()), m["value"].value());
  for (element v : vars) {
    for (auto var : v.get_object()) {
      auto it = by_name.find(var.key);
      if (it == by_name.end()) {
        t.fail(path, "bpftool variable " + std::string(var.key) + " missing in ours");
        continue;
      }
      compare(var.value, it->second, path + "." + std::string(var.key), t);
    }
  }
  return true;
}

void flatten_peer_members(simdjson::dom::object o, std::vector<std::pair<std::string_view, element>>& out) {
  for (auto kv : o) {
    simdjson::dom::object inner;
    if (kv.key.empty() && kv.value.get_object().get(inner) == simdjson::SUCCESS)
      flatten_peer_members(inner, out);
    else
      out.emplace_back(kv.key, kv.value);
  }
}

void compare(element peer, element ours, const std::string& path, Tally& t) {
  std::string_view kind = kind_of(ours);
  if (kind == "truncated") {
    element partial;
    if (ours["partial"].get(partial) == simdjson::SUCCESS) return compare(peer, partial, path, t);
  }
  switch (peer.type()) {
    case element_type::OBJECT: {
      if (kind != "struct") return t.fail(path, "bpftool object for our " + to_json(ours));
      if (compare_datasec(peer, ours, path, t)) return;
      // Members in declaration order on both sides (bpftool keeps order and
      // prints anonymous members under the empty name).
      element members;
      if (ours["members"].get(members) != simdjson::SUCCESS) return t.fail(path, "our struct has no members");
      simdjson::dom::array om = members.get_array();
      // bpftool nests anonymous struct/union members under the name "";
      // we splice them into the parent (spec/report.md §2.4 step 3).
      std::vector<std::pair<std::string_view, element>> pm;
      flatten_peer_members(peer.get_object(), pm);
      // bpftool stops a struct right after a member it cannot print.
      std::string_view last;
      bool peer_cut =
          !pm.empty() && pm.back().second.get_string().get(last) == simdjson::SUCCESS && last == kBpftoolUnsupported;
      if (pm.size() != om.size() && !(peer_cut && pm.size() < om.size()))
        return t.fail(path, "member count differs: bpftool " + std::to_string(pm.size()) + " ours " +
                                std::to_string(om.size()) + " (" + to_json(peer) + " vs " + to_json(ours) + ")");
      auto oit = om.begin();
      for (auto& [pname, pval] : pm) {
        element m = *oit;
        ++oit;
        std::string_view on = m["name"].get_string().value();
        if (on != pname) {
          t.fail(path, "member name differs: bpftool '" + std::string(pname) + "' ours '" + std::string(on) + "'");
          continue;
        }
        compare(pval, m["value"].value(), path + "." + std::string(on), t);
      }
      return;
    }
    case element_type::ARRAY: {
      if (kind != "array") return t.fail(path, "bpftool array for our " + to_json(ours));
      element elems;
      if (ours["elements"].get(elems) != simdjson::SUCCESS) return t.fail(path, "our array has no elements");
      simdjson::dom::array pa = peer.get_array(), oa = elems.get_array();
      if (pa.size() != oa.size())
        return t.fail(
            path, "array length differs: bpftool " + std::to_string(pa.size()) + " ours " + std::to_string(oa.size()));
      size_t i = 0;
      auto oit = oa.begin();
      for (element pe : pa) {
        compare(pe, *oit, path + "[" + std::to_string(i) + "]", t);
        ++oit;
        ++i;
      }
      return;
    }
    case element_type::STRING: {
      std::string_view s = peer.get_string().value();
      if (s == kBpftoolUnsupported) {
        t.peer_unprintable++;
        return;
      }
      if (kind == "array") return compare_char_array(s, ours, path, t);
      return compare_scalar(peer, ours, path, t);
    }
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
    case element_type::BOOL:
      return compare_scalar(peer, ours, path, t);
    case element_type::NULL_VALUE:
      return t.fail(path, "bpftool null for our " + to_json(ours));
  }
}

// See bpftool_compare.hpp.
void agree_map(const Report& r, const MapInfo& m, uint32_t ncpus, Tally& total) {
  simdjson::dom::parser peer_parser, our_parser;
  Tally t;
  std::string ours_json;
  auto rs = render_map_json(r, m, ours_json);
  ASSERT_TRUE(rs.ok()) << m.name << ": " << rs.error().message;
  element ours;
  ASSERT_EQ(our_parser.parse(ours_json).get(ours), simdjson::SUCCESS) << "our JSON does not parse: " << ours_json;

  int st = 0;
  std::string cmd = "bpftool map dump id " + std::to_string(m.map_id) + " -j 2>&1";
  std::string peer_json = run_cmd(cmd, &st);
  ASSERT_EQ(st, 0) << cmd << ": " << peer_json;
  uint64_t repairs = 0;
  peer_json = repair_bpftool_json(std::move(peer_json), &repairs);
  element peer;
  ASSERT_EQ(peer_parser.parse(peer_json).get(peer), simdjson::SUCCESS) << "bpftool JSON does not parse: " << peer_json;
  if (std::getenv("KTSNAP_E2E_DUMP")) {
    std::fprintf(stderr, "---- %.*s bpftool:\n%s\n---- ours:\n%s\n", int(m.name.size()), m.name.data(),
                 peer_json.c_str(), ours_json.c_str());
  }
  simdjson::dom::array pentries;
  ASSERT_EQ(peer.get_array().get(pentries), simdjson::SUCCESS);
  ASSERT_EQ(pentries.size(), m.entry_count) << m.name << ": bpftool and the report hold different entry counts";

  // Index our entries by the raw key bytes (hex) so the order does not matter.
  std::map<std::string, element> ours_by_key;
  std::string_view list_name;
  element single;
  bool is_single = false;
  if (m.map_type == BPF_MAP_TYPE_HASH || m.map_type == BPF_MAP_TYPE_LRU_HASH)
    list_name = "entries";
  else if (m.map_type == BPF_MAP_TYPE_PERCPU_HASH || m.map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH)
    list_name = "percpu_hash_entries";
  else if (m.map_type == BPF_MAP_TYPE_PERCPU_ARRAY)
    list_name = "percpu_entries";
  else if (m.map_type == BPF_MAP_TYPE_ARRAY && m.max_entries > 1)
    list_name = "array_entries";
  else if (m.map_type == BPF_MAP_TYPE_ARRAY)
    is_single = true;
  else
    FAIL() << "unexpected map type " << m.map_type << " in the fixture";

  if (is_single) {
    ASSERT_EQ(ours["value"].get(single), simdjson::SUCCESS) << m.name << ": no value in " << ours_json;
  } else {
    element list;
    ASSERT_EQ(ours[list_name].get(list), simdjson::SUCCESS) << m.name << ": no " << list_name << " in " << ours_json;
    for (element e : list.get_array()) {
      std::string kh;
      std::string_view khv;
      uint64_t idx;
      if (e["key_hex"].get(khv) == simdjson::SUCCESS) {
        kh = khv;
      } else if (e["key"].get_uint64().get(idx) == simdjson::SUCCESS) {
        uint32_t k32 = static_cast<uint32_t>(idx);
        kh = hex_bytes(reinterpret_cast<const uint8_t*>(&k32), 4);
      } else {
        FAIL() << m.name << ": our entry has neither key_hex nor an index key: " << to_json(e);
      }
      ours_by_key.emplace(kh, e);
    }
    ASSERT_EQ(ours_by_key.size(), m.entry_count) << m.name;
  }

  for (element pe : pentries) {
    std::string kh = bpftool_hex(pe["key"].value());
    std::string path = std::string(m.name) + "[" + kh + "]";
    element formatted;
    ASSERT_EQ(pe["formatted"].get(formatted), simdjson::SUCCESS)
        << m.name << ": bpftool printed no formatted value (no BTF?): " << to_json(pe);
    element oe;
    if (is_single) {
      oe = single;
    } else {
      auto it = ours_by_key.find(kh);
      if (it == ours_by_key.end()) {
        t.fail(path, "key missing in our JSON");
        continue;
      }
      oe = it->second;
    }
    t.entries++;
    // key
    element pk;
    if (formatted["key"].get(pk) == simdjson::SUCCESS) {
      element ok;
      uint64_t pk0 = 1;
      if (is_single && pk.get_uint64().get(pk0) == simdjson::SUCCESS) {
        // A one-entry ARRAY that is not a global section: bpftool prints
        // its index 0, our single-value shape leaves the index implicit.
        t.numbers++;
        if (pk0 != 0) t.fail(path + ".key", "bpftool key " + to_json(pk) + " of a one-entry array");
      } else if (oe["key"].get(ok) != simdjson::SUCCESS) {
        t.fail(path + ".key", "bpftool formats the key, ours has none");
      } else if (ok.is_uint64() || ok.is_int64()) {
        // array-style maps: our key is the plain index
        uint64_t pkv = 0, okv = ok.get_uint64().value();
        if (pk.get_uint64().get(pkv) != simdjson::SUCCESS) t.fail(path + ".key", "bpftool key " + to_json(pk));
        t.numbers++;
        if (pkv != okv) t.fail(path + ".key", "index differs: " + to_json(pk) + " vs " + to_json(ok));
      } else {
        compare(pk, ok, path + ".key", t);
      }
    }
    // value(s)
    element pv;
    if (formatted["value"].get(pv) == simdjson::SUCCESS) {
      element ov;
      if (is_single)
        ov = oe;
      else if (oe["value"].get(ov) != simdjson::SUCCESS) {
        t.fail(path, "bpftool formats a value, ours has none: " + to_json(oe));
        continue;
      }
      compare(pv, ov, path + ".value", t);
    } else if (formatted["values"].get(pv) == simdjson::SUCCESS) {
      element per_cpu;
      if (oe["per_cpu"].get(per_cpu) != simdjson::SUCCESS) {
        t.fail(path, "bpftool prints per-CPU values, ours has no per_cpu: " + to_json(oe));
        continue;
      }
      simdjson::dom::array oa = per_cpu.get_array();
      std::vector<element> slots(oa.begin(), oa.end());
      size_t seen = 0;
      for (element c : pv.get_array()) {
        uint64_t cpu = c["cpu"].get_uint64().value();
        if (cpu >= slots.size()) {
          t.fail(path, "bpftool cpu " + std::to_string(cpu) + " beyond our " + std::to_string(slots.size()) + " slots");
          continue;
        }
        seen++;
        compare(c["value"].value(), slots[cpu], path + ".cpu" + std::to_string(cpu), t);
      }
      if (seen != ncpus)
        t.fail(path, "bpftool printed " + std::to_string(seen) + " CPUs, possible " + std::to_string(ncpus));
    } else {
      t.fail(path, "bpftool formatted has neither value nor values: " + to_json(formatted));
    }
  }
  std::printf("[ agreement ] %-14.*s id %-5u entries %-3llu numbers %-5llu strings %-4llu bpftool-unprintable %llu\n",
              int(m.name.size()), m.name.data(), m.map_id, (unsigned long long)t.entries, (unsigned long long)t.numbers,
              (unsigned long long)t.strings, (unsigned long long)t.peer_unprintable);
  EXPECT_EQ(repairs, t.peer_unprintable) << m.name << ": every repaired bpftool gap is accounted for";
  EXPECT_TRUE(t.failures.empty()) << m.name << ": " << t.failures.size()
                                  << " disagreements, first: " << (t.failures.empty() ? "" : t.failures.front());
  for (auto& f : t.failures) ADD_FAILURE() << f;
  EXPECT_GT(t.numbers, 0u) << m.name << ": no number compared";
  total.numbers += t.numbers;
  total.strings += t.strings;
  total.entries += t.entries;
  total.peer_unprintable += t.peer_unprintable;
}

}  // namespace ktsnap::e2e
