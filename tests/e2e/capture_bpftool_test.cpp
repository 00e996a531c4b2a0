// End-to-end agreement of live capture with the peer: kernel maps are
// created and filled, read with capture::capture() (the library's live
// capture, not a test reader), rendered with render_map_json, and every
// number `bpftool map dump id N -j` prints in its "formatted" tree must
// equal the number we print for the same entry.
//
// Covered: the demo scheduler object (examples/demo_sched.bpf.c, when it is
// built), and a map of every supported type: hash, LRU hash, array, per-CPU
// array, per-CPU hash, LRU per-CPU hash and global sections (.bss, .data,
// .rodata, .data.custom) from tests/fixtures/kinds.bpf.c plus two maps
// created here with that object's BTF (the fixture has no LRU maps); struct
// keys with 3 or more entries (kt_key in kt_pcpu_hash, kt_bits_hash and the
// LRU maps). The comparison walk is a copy of the one in
// bpftool_agreement_test.cpp (each e2e file keeps its helpers in an
// anonymous namespace; both are linked into test_e2e).
//
// Values are pseudo-random bytes from a fixed seed, fixed up along the BTF
// only where bpftool needs it to print comparable JSON: a bool gets 0 or 1,
// a char array gets a printable NUL-terminated string (bpftool prints char
// arrays as strings only then), and half the enums get a named value.
//
// Floats: bpftool 7.1 cannot print BTF_KIND_FLOAT (it writes the bare text
// "(unsupported-kind" and stops the enclosing struct); those fields, and the
// members bpftool left out after them, are skipped and counted, not compared
// (kinds.bpf.c's kt_task_ctx has `float load; double avg;`).
//
// Needs root, a working bpf() syscall and bpftool; skips with the reason
// otherwise. Every kernel object lives in fds owned by the test (no pins),
// so everything is released when the test ends, also on failure.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "capture/capture.hpp"
#include "report/report.hpp"
#include "support/fixture.hpp"
#include "value/render.hpp"

namespace ktsnap {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

struct ObjClose {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};
using ObjPtr = std::unique_ptr<bpf_object, ObjClose>;

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

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

struct Tally {
  uint64_t numbers = 0;  // integers, floats, bools compared
  uint64_t strings = 0;  // enum names and char-array strings compared
  uint64_t entries = 0;
  uint64_t peer_unprintable = 0;  // values bpftool could not print (FLOAT)
  std::vector<std::string> failures;
  void fail(const std::string& path, const std::string& what) {
    if (failures.size() < 50) failures.push_back(path + ": " + what);
  }
};

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

// ---- filling kernel maps along their BTF -------------------------------------

struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

void fill_random(uint8_t* p, size_t n, Rng& rng) {
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng.next();
    std::memcpy(p + i, &v, std::min<size_t>(8, n - i));
  }
}

// bpftool prints a char array as a string only when it holds printable
// characters up to a NUL (btf_dumper.c is_str_array): the element is a
// 1-byte int named "char" or with the CHAR encoding, modifiers skipped but
// not typedefs.
bool is_char_elem(const struct btf* b, uint32_t id) {
  const struct btf_type* t = btf__type_by_id(b, id);
  while (t && btf_is_mod(t)) t = btf__type_by_id(b, t->type);
  if (!t || !btf_is_int(t) || t->size != 1) return false;
  const char* name = btf__name_by_offset(b, t->name_off);
  return (btf_int_encoding(t) & BTF_INT_CHAR) || (name && std::strcmp(name, "char") == 0);
}

// Fixes up random bytes at p (an object of type id) so that bpftool prints
// JSON we can compare: bools 0/1, char arrays strings, some enums named.
void fixup(const struct btf* b, uint32_t id, uint8_t* p, Rng& rng, int depth) {
  if (depth > 40) return;
  const struct btf_type* t = btf__type_by_id(b, id);
  while (t && (btf_is_mod(t) || btf_is_typedef(t) || btf_is_var(t))) t = btf__type_by_id(b, t->type);
  if (t == nullptr) return;
  if (btf_is_int(t)) {
    if (btf_int_encoding(t) & BTF_INT_BOOL) {
      std::memset(p, 0, t->size);
      p[0] = rng.next() & 1;
    }
    return;
  }
  if (btf_is_enum(t) && btf_vlen(t) > 0 && (rng.next() & 1)) {
    const struct btf_enum* e = btf_enum(t) + rng.next() % btf_vlen(t);
    int64_t v = e->val;  // sign-extended: the low `size` bytes are the pattern
    std::memcpy(p, &v, std::min<uint32_t>(t->size, 8));
    return;
  }
  if (btf_is_enum64(t) && btf_vlen(t) > 0 && (rng.next() & 1)) {
    uint64_t v = btf_enum64_value(btf_enum64(t) + rng.next() % btf_vlen(t));
    std::memcpy(p, &v, std::min<uint32_t>(t->size, 8));
    return;
  }
  if (btf_is_array(t)) {
    const struct btf_array* a = btf_array(t);
    if (a->nelems == 0) return;
    if (is_char_elem(b, a->type)) {
      static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789 :/-_.ABCXYZ";
      uint32_t len = static_cast<uint32_t>(rng.next() % a->nelems);  // at most nelems - 1: room for the NUL
      std::memset(p, 0, a->nelems);
      for (uint32_t i = 0; i < len; i++) p[i] = static_cast<uint8_t>(kChars[rng.next() % (sizeof kChars - 1)]);
      return;
    }
    __s64 es = btf__resolve_size(b, a->type);
    if (es <= 0) return;
    for (uint32_t i = 0; i < a->nelems; i++) fixup(b, a->type, p + uint64_t(i) * es, rng, depth + 1);
    return;
  }
  if (btf_is_composite(t)) {
    const struct btf_member* m = btf_members(t);
    for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
      if (btf_member_bitfield_size(t, i) != 0) continue;  // random bits print the same on both sides
      fixup(b, m->type, p + btf_member_bit_offset(t, i) / 8, rng, depth + 1);
    }
    return;
  }
  if (btf_is_datasec(t)) {
    const struct btf_var_secinfo* v = btf_var_secinfos(t);
    for (uint16_t i = 0; i < btf_vlen(t); i++, v++) fixup(b, v->type, p + v->offset, rng, depth + 1);
  }
}

void fill_typed(const struct btf* b, uint32_t id, uint8_t* p, size_t n, Rng& rng) {
  fill_random(p, n, rng);
  if (b != nullptr && id != 0) fixup(b, id, p, rng, 0);
}

bool is_hash_type(uint32_t t) {
  return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_PERCPU_HASH ||
         t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}
bool is_array_type(uint32_t t) {
  return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

// Writes up to `want` entries into the map (hash types: random keys; array
// types: indexes from 0). Returns how many updates succeeded; a frozen map
// (.rodata) accepts none and keeps its load-time contents.
uint32_t fill_map(int fd, const struct btf* b, uint32_t ncpus, uint32_t want, Rng& rng, std::string* err) {
  bpf_map_info info{};
  __u32 len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
    *err = std::string("map info: ") + std::strerror(errno);
    return 0;
  }
  bool percpu = info.type == BPF_MAP_TYPE_PERCPU_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_HASH ||
                info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
  size_t stride = (info.value_size + 7) & ~size_t(7);
  std::vector<uint8_t> key(info.key_size), value(percpu ? stride * ncpus : info.value_size);
  uint32_t n = 0;
  if (is_array_type(info.type))
    want = std::min(want, info.max_entries);
  else if (is_hash_type(info.type))
    want = std::min(want, info.max_entries / 2);  // LRU: no eviction
  else
    return 0;
  for (uint32_t i = 0; i < want; i++) {
    if (is_array_type(info.type)) {
      std::memset(key.data(), 0, key.size());
      std::memcpy(key.data(), &i, std::min<size_t>(4, key.size()));
    } else {
      fill_typed(b, info.btf_key_type_id, key.data(), key.size(), rng);
    }
    if (percpu) {
      std::memset(value.data(), 0, value.size());
      for (uint32_t c = 0; c < ncpus; c++)
        fill_typed(b, info.btf_value_type_id, value.data() + c * stride, info.value_size, rng);
    } else {
      fill_typed(b, info.btf_value_type_id, value.data(), value.size(), rng);
    }
    if (bpf_map_update_elem(fd, key.data(), value.data(), BPF_ANY) != 0) {
      if (errno == EPERM && n == 0 && (info.map_flags & BPF_F_RDONLY)) return 0;  // not writable from user space
      if (errno == EPERM && n == 0 && std::string_view(info.name).ends_with(".rodata")) return 0;  // frozen
      *err = std::string(info.name) + ": update: " + std::strerror(errno);
      return n;
    }
    n++;
  }
  return n;
}

// Renders map m of the captured report and compares every entry with
// `bpftool map dump id N -j` (taken now: the test does not change the maps
// between the capture and this call).
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

// ---- the tests -----------------------------------------------------------------------

class CaptureBpftool : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for the bpf() syscall (euid " << ::geteuid() << ")";
    std::string why;
    if (!bpftool_available(&why)) GTEST_SKIP() << why;
    libbpf_set_print(nullptr);  // loader chatter off; failures are reported below
    int n = libbpf_num_possible_cpus();
    ASSERT_GT(n, 0);
    ncpus_ = static_cast<uint32_t>(n);
  }

  // Opens a BPF object and creates its maps in the kernel (programs are not
  // loaded; struct_ops maps, which need their programs, are not created).
  // May skip when bpf() is not permitted.
  // `before_load` may adjust the opened object (as the demo resizes maps).
  void load(const std::string& path, void (*before_load)(bpf_object*, uint32_t ncpus) = nullptr) {
    errno = 0;
    obj_.reset(bpf_object__open_file(path.c_str(), nullptr));
    ASSERT_TRUE(obj_) << "cannot open " << path << ": " << std::strerror(errno);
    if (before_load != nullptr) before_load(obj_.get(), ncpus_);
    bpf_program* prog;
    bpf_object__for_each_program(prog, obj_.get()) bpf_program__set_autoload(prog, false);
    bpf_map* m;
    bpf_object__for_each_map(m, obj_.get()) {
      if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS) bpf_map__set_autocreate(m, false);
    }
    int err = bpf_object__load(obj_.get());
    if (err == -EPERM || err == -ENOSYS || err == -EACCES)
      GTEST_SKIP() << "bpf() unavailable here: bpf_object__load: " << std::strerror(-err);
    ASSERT_EQ(err, 0) << "bpf_object__load " << path << ": " << std::strerror(-err);
  }

  // Fills every map of the object the caller can write (`want` entries).
  void fill_object(uint32_t want, uint64_t seed) {
    Rng rng{seed};
    const struct btf* b = bpf_object__btf(obj_.get());
    bpf_map* m;
    bpf_object__for_each_map(m, obj_.get()) {
      int fd = bpf_map__fd(m);
      if (fd < 0) continue;  // not created (struct_ops)
      std::string err;
      uint32_t n = fill_map(fd, b, ncpus_, want, rng, &err);
      ASSERT_TRUE(err.empty()) << err;
      std::printf("[ capture   ] filled %-16s %u entries\n", bpf_map__name(m), n);
    }
  }

  uint32_t map_id(int fd) {
    bpf_map_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return 0;
    return info.id;
  }

  // Captures `sel`, checks nothing failed, and compares every captured map
  // with bpftool. Returns the report bytes (for further checks).
  std::vector<uint8_t> capture_and_agree(const capture::Selection& sel, size_t expect_maps, Tally& total) {
    capture::Stats st;
    auto bytes = capture::capture(sel, capture::Options{}, &st);
    EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().message);
    if (!bytes.ok()) return {};
    std::vector<uint8_t> buf = std::move(bytes.value());
    std::printf("[ capture   ] %u maps read, %u excluded, %u failed, %llu entries, %u batch + %u elem calls, %u BTF\n",
                st.maps_read, st.maps_excluded, st.maps_failed, (unsigned long long)st.entries, st.batch_calls,
                st.elem_calls, st.btfs);
    EXPECT_EQ(st.maps_failed, 0u);
    EXPECT_EQ(st.maps_truncated, 0u);
    auto rep = Report::open_memory(buf.data(), buf.size());
    EXPECT_TRUE(rep.ok()) << (rep.ok() ? "" : rep.error().message);
    if (!rep.ok()) return buf;
    const Report& r = *rep.value();
    EXPECT_EQ(r.map_count(), expect_maps) << "captured maps";
    EXPECT_EQ(st.maps_read, r.map_count());
    for (size_t i = 0; i < r.map_count(); i++) {
      const MapInfo& m = r.map(i);
      EXPECT_FALSE(m.has_error) << m.name << ": " << m.error;
      if (m.has_error) continue;
      agree_map(r, m, ncpus_, total);
      if (HasFatalFailure()) return buf;
    }
    std::printf(
        "[ capture   ] total: %llu entries, %llu numbers and %llu strings equal to bpftool's; "
        "%llu values bpftool cannot print (floats) skipped\n",
        (unsigned long long)total.entries, (unsigned long long)total.numbers, (unsigned long long)total.strings,
        (unsigned long long)total.peer_unprintable);
    return buf;
  }

  ObjPtr obj_;  // owns every map fd of the object: closing it removes the kernel maps
  uint32_t ncpus_ = 0;
};

// kinds.bpf.c (hash, per-CPU array, array, per-CPU hash, globals in .bss,
// .data, .rodata, .data.custom) plus an LRU hash and an LRU per-CPU hash
// created here with the object's BTF: a map of every supported type.
TEST_F(CaptureBpftool, EveryMapType) {
  load(test::fixture_path("kinds.bpf.o"));
  if (IsSkipped() || HasFatalFailure()) return;
  const struct btf* b = bpf_object__btf(obj_.get());
  ASSERT_NE(b, nullptr);
  int key_id = btf__find_by_name_kind(b, "kt_key", BTF_KIND_STRUCT);
  int task_id = btf__find_by_name_kind(b, "kt_task_ctx", BTF_KIND_STRUCT);
  int cpu_id = btf__find_by_name_kind(b, "kt_cpu_stats", BTF_KIND_STRUCT);
  ASSERT_GT(key_id, 0);
  ASSERT_GT(task_id, 0);
  ASSERT_GT(cpu_id, 0);
  int btf_fd = bpf_object__btf_fd(obj_.get());
  ASSERT_GE(btf_fd, 0);
  auto make = [&](bpf_map_type type, const char* name, int vid) {
    LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = static_cast<__u32>(btf_fd),
                .btf_key_type_id = static_cast<__u32>(key_id), .btf_value_type_id = static_cast<__u32>(vid));
    return Fd(bpf_map_create(type, name, static_cast<__u32>(btf__resolve_size(b, key_id)),
                             static_cast<__u32>(btf__resolve_size(b, vid)), 256, &o));
  };
  Fd lru = make(BPF_MAP_TYPE_LRU_HASH, "kt_cb_lru", task_id);
  ASSERT_GE(lru.fd, 0) << "bpf_map_create LRU_HASH: " << std::strerror(errno);
  Fd lru_pcpu = make(BPF_MAP_TYPE_LRU_PERCPU_HASH, "kt_cb_lru_pcpu", cpu_id);
  ASSERT_GE(lru_pcpu.fd, 0) << "bpf_map_create LRU_PERCPU_HASH: " << std::strerror(errno);

  fill_object(40, 0x6b74736e6170ull);
  if (HasFatalFailure()) return;
  {
    Rng rng{42};
    std::string err;
    EXPECT_EQ(fill_map(lru.fd, b, ncpus_, 24, rng, &err), 24u) << err;
    EXPECT_EQ(fill_map(lru_pcpu.fd, b, ncpus_, 12, rng, &err), 12u) << err;
  }

  capture::Selection sel;
  sel.object = obj_.get();
  sel.map_ids = {map_id(lru.fd), map_id(lru_pcpu.fd)};
  size_t nmaps = 2;
  bpf_map* m;
  bpf_object__for_each_map(m, obj_.get()) nmaps++;
  Tally total;
  std::vector<uint8_t> buf = capture_and_agree(sel, nmaps, total);
  if (HasFatalFailure() || buf.empty()) return;

  // Every supported type was captured, and struct keys with >= 3 entries.
  auto rep = Report::open_memory(buf.data(), buf.size());
  ASSERT_TRUE(rep.ok());
  std::set<uint32_t> types;
  bool global = false;
  uint32_t struct_key_entries = 0;
  for (size_t i = 0; i < rep.value()->map_count(); i++) {
    const MapInfo& mi = rep.value()->map(i);
    types.insert(mi.map_type);
    global = global || mi.is_global_section();
    if (mi.key_size == sizeof(uint32_t) * 2 && mi.key_type_id == static_cast<uint32_t>(key_id))
      struct_key_entries = std::max(struct_key_entries, mi.entry_count);
  }
  for (uint32_t t : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY,
                     BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH})
    EXPECT_TRUE(types.count(t)) << "no captured map of type " << t;
  EXPECT_TRUE(global) << "no global section captured";
  EXPECT_GE(struct_key_entries, 3u) << "a struct-keyed map with 3 or more entries";
  // 40 tasks x ~35 numbers alone exceed 1000; a walk that silently matched
  // nothing would not.
  EXPECT_GT(total.numbers, 1000u);
  // kt_task_ctx has a float and a double: bpftool prints neither.
  EXPECT_GT(total.peer_unprintable, 0u);
}

// agree.bpf.c has no FLOAT, so bpftool prints every member: selected by map
// ids, every value compared.
TEST_F(CaptureBpftool, EveryScalarKindByMapIds) {
  load(test::fixture_path("agree.bpf.o"));
  if (IsSkipped() || HasFatalFailure()) return;
  fill_object(48, 7);
  if (HasFatalFailure()) return;
  capture::Selection sel;
  bpf_map* m;
  bpf_object__for_each_map(m, obj_.get()) sel.map_ids.push_back(map_id(bpf_map__fd(m)));
  Tally total;
  capture_and_agree(sel, sel.map_ids.size(), total);
  if (HasFatalFailure()) return;
  EXPECT_EQ(total.peer_unprintable, 0u) << "bpftool should print every member of this fixture";
  EXPECT_GT(total.numbers, 48u * 30);
}

// The demo scheduler object (the ktsnap demo's maps), filled here.
TEST_F(CaptureBpftool, DemoObject) {
  std::string path = KTSNAP_FIXTURE_DIR "/../examples/demo_sched.bpf.o";
  if (const char* e = std::getenv("KTSNAP_DEMO_OBJ")) path = e;
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) {
    std::string src = KTSNAP_SOURCE_DIR "/examples/demo_sched.bpf.c";
    if (::stat(src.c_str(), &sb) == 0) FAIL() << src << " exists but " << path << " was not built";
    GTEST_SKIP() << "no demo object yet (" << src << " does not exist)";
  }
  // As `ktsnap demo` does: cpu_ctxs gets one entry per possible CPU.
  load(path, [](bpf_object* o, uint32_t ncpus) {
    if (bpf_map* cm = bpf_object__find_map_by_name(o, "cpu_ctxs")) bpf_map__set_max_entries(cm, ncpus);
  });
  if (IsSkipped() || HasFatalFailure()) return;
  fill_object(300, 0xdead5eedull);
  if (HasFatalFailure()) return;
  capture::Selection sel;
  sel.object = obj_.get();
  size_t nmaps = 0, excluded = 0;
  bpf_map* m;
  bpf_object__for_each_map(m, obj_.get()) {
    if (bpf_map__fd(m) < 0) continue;
    if (capture::excluded_reason(bpf_map__type(m)).empty())
      nmaps++;
    else
      excluded++;
  }
  ASSERT_GT(nmaps, 0u);
  Tally total;
  std::vector<uint8_t> buf = capture_and_agree(sel, nmaps, total);
  if (HasFatalFailure() || buf.empty()) return;
  auto rep = Report::open_memory(buf.data(), buf.size());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep.value()->excluded_count(), excluded) << "maps that cannot be enumerated are listed with a reason";
  EXPECT_GT(total.numbers, 1000u);
}

}  // namespace
}  // namespace ktsnap
