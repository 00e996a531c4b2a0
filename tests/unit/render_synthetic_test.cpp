// Rendering of BTF built in the test with libbpf's writer API: every kind,
// the limits of spec/report.md §2.1, hostile BTF, short buffers, and the
// cpumask pointer chase into report regions.
#include <linux/btf.h>

#include <cmath>
#include <limits>

#include "render_helpers.hpp"

namespace ktsnap::test {
namespace {

// Patches a type record in place (libbpf's writer refuses hostile ids).
struct btf_type* mutable_type(struct btf* b, uint32_t id) {
  return const_cast<struct btf_type*>(btf__type_by_id(b, id));
}

// The flat plan and the tree must agree on every value.
void expect_plan_matches_tree(const Value& v) {
  EXPECT_EQ(json_of(v), tree_json_of(v));
}

TEST(RenderSynthetic, Enum64UnsignedAndSigned) {
  Synth s;
  int u = btf__add_enum64(s.b, "big", 8, false);
  ASSERT_EQ(btf__add_enum64_value(s.b, "LOW", 1), 0);
  ASSERT_EQ(btf__add_enum64_value(s.b, "HIGH", 0x8000000000000001ull), 0);
  int sg = btf__add_enum64(s.b, "sgn", 8, true);
  ASSERT_EQ(btf__add_enum64_value(s.b, "NEG", static_cast<uint64_t>(-5)), 0);
  ASSERT_GT(u, 0);
  ASSERT_GT(sg, 0);
  s.done();
  {
    // An unsigned bit pattern >= 2^63 is negative in JSON (i64 reinterpretation).
    Doc d(s.json(u, bytes_of(uint64_t(0x8000000000000001ull))));
    EXPECT_EQ(kind_of(d.root), "enum");
    EXPECT_EQ(uint64_t(d.root["bits"]), 64u);
    EXPECT_EQ(int64_t(d.root["value"]), std::numeric_limits<int64_t>::min() + 1);
    EXPECT_EQ(std::string_view(d.root["variant"]), "HIGH");
    EXPECT_FALSE(bool(d.root["is_signed"]));
    EXPECT_EQ(s.text(u, bytes_of(uint64_t(0x8000000000000001ull))), "HIGH (9223372036854775809)");
  }
  {
    Doc d(s.json(sg, bytes_of(int64_t(-5))));
    EXPECT_EQ(int64_t(d.root["value"]), -5);
    EXPECT_EQ(std::string_view(d.root["variant"]), "NEG");
    EXPECT_TRUE(bool(d.root["is_signed"]));
    EXPECT_EQ(s.text(sg, bytes_of(int64_t(-5))), "NEG (-5)");
  }
  {
    Doc d(s.json(u, bytes_of(uint64_t(7))));
    EXPECT_TRUE(d.root["variant"].is_null());
    EXPECT_EQ(s.text(u, bytes_of(uint64_t(7))), "7");
  }
}

TEST(RenderSynthetic, SignedEnumsAndMasking) {
  Synth s;
  int e32 = btf__add_enum(s.b, "se", 4);
  ASSERT_EQ(btf__add_enum_value(s.b, "MINUS3", -3), 0);
  ASSERT_EQ(btf__add_enum_value(s.b, "TWO", 2), 0);
  int e8 = btf__add_enum(s.b, "e8", 1);
  ASSERT_EQ(btf__add_enum_value(s.b, "ZERO", 0), 0);
  ASSERT_EQ(btf__add_enum_value(s.b, "NEG", -1), 0);
  s.done();
  {
    Doc d(s.json(e32, bytes_of(int32_t(-3))));
    EXPECT_EQ(std::string_view(d.root["variant"]), "MINUS3");
    EXPECT_TRUE(bool(d.root["is_signed"]));  // libbpf marks an enum with a negative value signed
    EXPECT_EQ(int64_t(d.root["value"]), -3);
  }
  {
    // A 1-byte enum: -1 matches the raw byte 0xff through the width mask.
    Doc d(s.json(e8, {0xff}));
    EXPECT_EQ(uint64_t(d.root["bits"]), 8u);
    EXPECT_EQ(std::string_view(d.root["variant"]), "NEG");
    EXPECT_EQ(int64_t(d.root["value"]), -1);
  }
}

TEST(RenderSynthetic, LargeEnumKeepsTheFirstMatchingVariant) {
  Synth s;
  int e = btf__add_enum(s.b, "many", 4);
  for (int i = 0; i < 20; i++) ASSERT_EQ(btf__add_enum_value(s.b, ("V" + std::to_string(i)).c_str(), i), 0);
  ASSERT_EQ(btf__add_enum_value(s.b, "ALIAS5", 5), 0);
  int st = btf__add_struct(s.b, "holder", 8);
  ASSERT_EQ(btf__add_field(s.b, "a", e, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "b", e, 32, 0), 0);
  s.done();
  std::vector<uint8_t> v(8, 0);
  v[0] = 5;
  v[4] = 19;
  Doc d(s.json(st, v));
  EXPECT_EQ(std::string_view(mem(d.root, "a")["variant"]), "V5");
  EXPECT_EQ(std::string_view(mem(d.root, "b")["variant"]), "V19");
  expect_plan_matches_tree(s.value(st, v));
}

TEST(RenderSynthetic, TypedefLoopAndLongChainsDoNotPeel) {
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int a = btf__add_typedef(s.b, "A", u32);
  int b = btf__add_typedef(s.b, "B", a);
  int chain = u32;
  for (int i = 0; i < 40; i++) chain = btf__add_typedef(s.b, ("T" + std::to_string(i)).c_str(), chain);
  int st = btf__add_struct(s.b, "uses_loop", 8);
  ASSERT_EQ(btf__add_field(s.b, "x", u32, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "loop", a, 32, 0), 0);
  mutable_type(s.b, a)->type = b;  // A -> B -> A
  s.done();
  std::vector<uint8_t> bytes(8, 1);
  Doc d(s.json(a, bytes));
  EXPECT_EQ(kind_of(d.root), "unsupported");
  EXPECT_NE(std::string_view(d.root["reason"]).find("could not peel modifiers"), std::string_view::npos);
  Doc c(s.json(chain, bytes));
  EXPECT_EQ(kind_of(c.root), "unsupported");
  Doc m(s.json(st, bytes));
  EXPECT_EQ(u64_of(mem(m.root, "x")), 0x01010101u);
  EXPECT_EQ(std::string_view(mem(m.root, "loop")["reason"]), "member type size unresolvable");
}

TEST(RenderSynthetic, SelfReferenceThroughPointerArray) {
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int fwd = btf__add_fwd(s.b, "node", BTF_FWD_STRUCT);
  int ptr = btf__add_ptr(s.b, fwd);
  int arr = btf__add_array(s.b, u32, ptr, 2);
  int node = btf__add_struct(s.b, "node", 24);
  ASSERT_EQ(btf__add_field(s.b, "next", arr, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "v", u32, 128, 0), 0);
  s.done();
  std::vector<uint8_t> v(24, 0);
  v[0] = 0x10;
  v[16] = 9;
  Doc d(s.json(node, v));
  element next = mem(d.root, "next");
  EXPECT_EQ(kind_of(next["elements"].at(0)), "ptr");
  EXPECT_EQ(u64_of(next["elements"].at(0)), 0x10u);
  EXPECT_EQ(u64_of(mem(d.root, "v")), 9u);
  expect_plan_matches_tree(s.value(node, v));
}

TEST(RenderSynthetic, StructContainingItselfStopsAtTheDepthLimit) {
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int self = btf__add_struct(s.b, "self", 8);
  ASSERT_EQ(btf__add_field(s.b, "x", u32, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "again", self, 0, 0), 0);  // hostile: holds itself
  s.done();
  std::vector<uint8_t> v(8, 2);
  std::string j = s.json(self, v);
  Doc d(j);
  size_t depth = 0;
  element cur = d.root;
  while (kind_of(cur) == "struct") {
    cur = mem(cur, "again");
    depth++;
  }
  EXPECT_EQ(depth, 32u);
  EXPECT_EQ(std::string_view(cur["reason"]), "render depth 32 exceeded");
  expect_plan_matches_tree(s.value(self, v));
}

TEST(RenderSynthetic, DeepNestingHitsDepth32) {
  Synth s;
  int cur = btf__add_int(s.b, "u32", 4, 0);
  for (int i = 39; i >= 0; i--) {
    int st = btf__add_struct(s.b, ("S" + std::to_string(i)).c_str(), 4);
    ASSERT_EQ(btf__add_field(s.b, "m", cur, 0, 0), 0);
    cur = st;
  }
  s.done();
  std::vector<uint8_t> v = {1, 0, 0, 0};
  std::string j = s.json(cur, v);
  Doc d(j);
  element e = d.root;
  for (int i = 0; i < 32; i++) {
    ASSERT_EQ(kind_of(e), "struct") << i;
    EXPECT_EQ(std::string_view(e["type_name"]), "S" + std::to_string(i));
    e = mem(e, "m");
  }
  EXPECT_EQ(kind_of(e), "unsupported");
  EXPECT_EQ(std::string_view(e["reason"]), "render depth 32 exceeded");
  expect_plan_matches_tree(s.value(cur, v));
  // Short bytes take the tree path: same depth rule.
  EXPECT_NE(s.json(cur, {1, 0}).find("render depth 32 exceeded"), std::string::npos);
  // Text: each level on its own line, one level deeper (and rendered once
  // per level, not twice: this would not finish otherwise).
  std::string t = s.text(cur, v);
  EXPECT_EQ(t.rfind("S0:\n  m S1:\n    m S2:\n", 0), 0u) << t.substr(0, 200);
  EXPECT_NE(t.find("m <unsupported: render depth 32 exceeded>"), std::string::npos);
}

TEST(RenderSynthetic, ArraysAreCappedAt4096Elements) {
  Synth s;
  int u8 = btf__add_int(s.b, "u8", 1, 0);
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int big = btf__add_array(s.b, u32, u8, 5000);
  int pair = btf__add_struct(s.b, "pair", 4);
  ASSERT_EQ(btf__add_field(s.b, "lo", u8, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "hi", u8, 8, 0), 0);
  int big_structs = btf__add_array(s.b, u32, pair, 4100);
  s.done();
  std::vector<uint8_t> v(5000);
  for (size_t i = 0; i < v.size(); i++) v[i] = static_cast<uint8_t>(i);
  Doc d(s.json(big, v));
  EXPECT_EQ(uint64_t(d.root["len"]), 5000u);
  simdjson::dom::array el = d.root["elements"];
  EXPECT_EQ(el.size(), 4096u);
  EXPECT_EQ(u64_of(el.at(4095)), 4095u % 256);
  expect_plan_matches_tree(s.value(big, v));

  std::vector<uint8_t> w(4 * 4100, 3);
  Doc e(s.json(big_structs, w));
  EXPECT_EQ(uint64_t(e.root["len"]), 4100u);
  EXPECT_EQ(simdjson::dom::array(e.root["elements"]).size(), 4096u);
  expect_plan_matches_tree(s.value(big_structs, w));
}

TEST(RenderSynthetic, FlexArrays) {
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int flex = btf__add_array(s.b, u32, u32, 0);
  int st = btf__add_struct(s.b, "with_flex", 4);
  ASSERT_EQ(btf__add_field(s.b, "n", u32, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "data", flex, 32, 0), 0);
  s.done();
  // As a member the flex array gets an empty slice: an empty array.
  Doc d(s.json(st, {2, 0, 0, 0, 9, 9, 9, 9}));
  element data = mem(d.root, "data");
  EXPECT_EQ(kind_of(data), "array");
  EXPECT_EQ(uint64_t(data["len"]), 0u);
  EXPECT_EQ(simdjson::dom::array(data["elements"]).size(), 0u);
  // On its own with bytes it cannot be sized.
  Doc f(s.json(flex, {1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(kind_of(f.root), "unsupported");
  EXPECT_EQ(std::string_view(f.root["reason"]),
            "flex array (BTF len=0); runtime length not representable in BTF, 8 bytes available at site");
  Doc g(s.json(flex, {}));
  EXPECT_EQ(kind_of(g.root), "array");
}

TEST(RenderSynthetic, FwdFuncAndVoid) {
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int fwd = btf__add_fwd(s.b, "opaque", BTF_FWD_STRUCT);
  int proto = btf__add_func_proto(s.b, u32);
  int fn = btf__add_func(s.b, "f", BTF_FUNC_STATIC, proto);
  int st = btf__add_struct(s.b, "odd", 8);
  ASSERT_EQ(btf__add_field(s.b, "ok", u32, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "fwd", fwd, 32, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "fn", fn, 32, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "nothing", 0, 32, 0), 0);
  s.done();
  std::vector<uint8_t> v = {5, 0, 0, 0, 1, 1, 1, 1};
  Doc d(s.json(st, v));
  EXPECT_EQ(u64_of(mem(d.root, "ok")), 5u);
  for (const char* n : {"fwd", "fn", "nothing"}) {
    EXPECT_EQ(kind_of(mem(d.root, n)), "unsupported") << n;
    EXPECT_EQ(std::string_view(mem(d.root, n)["reason"]), "member type size unresolvable") << n;
  }
  EXPECT_EQ(std::string_view(Doc(s.json(fwd, v)).root["reason"]), "forward declaration: type body not in BTF");
  EXPECT_EQ(std::string_view(Doc(s.json(fn, v)).root["reason"]), "function type: no value bytes to render");
  EXPECT_EQ(std::string_view(Doc(s.json(0, v)).root["reason"]), "void: no value bytes to render");
  expect_plan_matches_tree(s.value(st, v));
}

TEST(RenderSynthetic, WideIntsBoolsCharsFloats) {
  Synth s;
  int i128 = btf__add_int(s.b, "__int128", 16, BTF_INT_SIGNED);
  int b4 = btf__add_int(s.b, "bool32", 4, BTF_INT_BOOL);
  int ch = btf__add_int(s.b, "char", 1, BTF_INT_CHAR);
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int chars = btf__add_array(s.b, u32, ch, 4);
  int f32 = btf__add_float(s.b, "float", 4);
  int f64 = btf__add_float(s.b, "double", 8);
  int s24 = btf__add_int(s.b, "s24", 4, BTF_INT_SIGNED);  // made 3 bytes below (libbpf only writes 1/2/4/8/16)
  int st = btf__add_struct(s.b, "mix", 48);
  ASSERT_EQ(btf__add_field(s.b, "wide", i128, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "flag", b4, 128, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "name", chars, 160, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "f", f32, 192, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "d", f64, 256, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "odd", s24, 320, 0), 0);
  mutable_type(s.b, s24)->size = 3;
  s.done();
  std::vector<uint8_t> v(48, 0);
  v[0] = 1;
  v[15] = 0x80;
  v[19] = 1;  // only the last byte of the 4-byte bool
  v[20] = 'o';
  v[21] = 'k';
  float f = 0.1f;
  std::memcpy(&v[24], &f, 4);
  double dd = -2.25;
  std::memcpy(&v[32], &dd, 8);
  v[40] = 0xfe;
  v[41] = 0xff;
  v[42] = 0xff;  // -2 as a 3-byte signed int
  Doc d(s.json(st, v));
  element wide = mem(d.root, "wide");
  EXPECT_EQ(kind_of(wide), "bytes");
  EXPECT_EQ(std::string_view(wide["hex"]), "01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 80");
  EXPECT_TRUE(bool(mem(d.root, "flag")["value"]));
  element name = mem(d.root, "name");
  EXPECT_EQ(kind_of(name["elements"].at(0)), "char");
  EXPECT_EQ(uint64_t(name["elements"].at(1)["value"]), uint64_t('k'));
  EXPECT_EQ(double(mem(d.root, "f")["value"]), double(0.1f));
  EXPECT_EQ(double(mem(d.root, "d")["value"]), -2.25);
  EXPECT_EQ(uint64_t(mem(d.root, "odd")["bits"]), 24u);
  EXPECT_EQ(i64_of(mem(d.root, "odd")), -2);
  std::string j = s.json(st, v);
  EXPECT_NE(j.find("\"value\":0.10000000149011612}"), std::string::npos) << j;
  expect_plan_matches_tree(s.value(st, v));
  double nan = std::numeric_limits<double>::quiet_NaN();
  Doc n(s.json(f64, bytes_of(nan)));
  EXPECT_TRUE(n.root["value"].is_null());
  EXPECT_EQ(s.text(f64, bytes_of(nan)), "NaN");
  EXPECT_EQ(s.text(f64, bytes_of(1e20)), "100000000000000000000");
  EXPECT_EQ(s.text(f64, bytes_of(1.0)), "1");
  EXPECT_EQ(s.json(f64, bytes_of(1.0)), "{\"kind\":\"float\",\"bits\":64,\"value\":1.0}");
}

TEST(RenderSynthetic, SingleCharMembers) {
  Synth s;
  int ch = btf__add_int(s.b, "char", 1, BTF_INT_CHAR);
  int st = btf__add_struct(s.b, "chars", 4);
  const char* names[] = {"c0", "c1", "c2", "c3"};
  for (int i = 0; i < 4; i++) ASSERT_EQ(btf__add_field(s.b, names[i], ch, i * 8, 0), 0);
  s.done();
  for (std::vector<uint8_t> v : {std::vector<uint8_t>{0, 1, 2, 3}, {9, 10, 99, 100}, {200, 255, 'a', 0x7f}}) {
    Doc d(s.json(st, v));
    for (int i = 0; i < 4; i++) {
      EXPECT_EQ(kind_of(mem(d.root, names[i])), "char");
      EXPECT_EQ(u64_of(mem(d.root, names[i])), v[i]);
    }
    expect_plan_matches_tree(s.value(st, v));
  }
  EXPECT_EQ(s.text(st, {'a', 1, 0, 'Z'}), "chars{c0='a', c1=0x01, c3='Z'}");
}

TEST(RenderSynthetic, BitfieldsOutOfRangeAndUnaligned) {
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int s64 = btf__add_int(s.b, "s64", 8, BTF_INT_SIGNED);
  int st = btf__add_struct(s.b, "bf", 24);
  ASSERT_EQ(btf__add_field(s.b, "a", u32, 0, 3), 0);
  ASSERT_EQ(btf__add_field(s.b, "huge", u32, 3, 100), 0);
  ASSERT_EQ(btf__add_field(s.b, "across", s64, 68, 62), 0);  // shift 4 + 62 bits: 9 bytes
  ASSERT_EQ(btf__add_field(s.b, "top", u32, 140, 20), 0);
  s.done();
  std::vector<uint8_t> v(24, 0xff);
  v[0] = 0x05;
  v[17] = 0x0f;  // bits 136..143: 'top' starts at bit 140
  Doc d(s.json(st, v));
  EXPECT_EQ(u64_of(mem(d.root, "a")), 5u);
  EXPECT_EQ(std::string_view(mem(d.root, "huge")["reason"]), "bitfield width 100 out of range");
  EXPECT_EQ(i64_of(mem(d.root, "across")), -1);
  EXPECT_EQ(uint64_t(mem(d.root, "across")["bits"]), 62u);
  EXPECT_EQ(u64_of(mem(d.root, "top")), 0xffff0u);  // (0xffff0f >> 4) & 0xfffff
  v[17] = 0xef;
  EXPECT_EQ(u64_of(mem(Doc(s.json(st, v)).root, "top")), 0xffffeu);
  expect_plan_matches_tree(s.value(st, v));
}

TEST(RenderSynthetic, CpumaskStructsBecomeCpuLists) {
  Synth s;
  int u64 = btf__add_int(s.b, "unsigned long", 8, 0);
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int words = btf__add_array(s.b, u32, u64, 2);
  int one = btf__add_array(s.b, u32, u64, 1);
  int mask = btf__add_struct(s.b, "cpumask", 16);
  ASSERT_EQ(btf__add_field(s.b, "bits", words, 0, 0), 0);
  int bitmap = btf__add_struct(s.b, "scx_bitmap", 16);
  ASSERT_EQ(btf__add_field(s.b, "sdt_id", u64, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "bits", one, 64, 0), 0);
  int holder = btf__add_struct(s.b, "holder", 36);
  ASSERT_EQ(btf__add_field(s.b, "nr", u32, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "mask", mask, 32, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "bm", bitmap, 160, 0), 0);
  s.done();
  std::vector<uint8_t> m(16, 0);
  m[0] = 0x2f;  // cpus 0-3, 5
  m[8] = 0x03;  // cpus 64-65
  EXPECT_EQ(s.json(mask, m), "{\"kind\":\"cpu_list\",\"cpus\":\"0-3,5,64-65\"}");
  EXPECT_EQ(s.text(mask, m), "cpus={0-3,5,64-65}");
  // A word that looks like a kernel pointer ends the decode.
  std::vector<uint8_t> p = m;
  uint64_t kptr = 0xffff888000001234ull;
  std::memcpy(&p[8], &kptr, 8);
  EXPECT_EQ(s.json(mask, p), "{\"kind\":\"cpu_list\",\"cpus\":\"0-3,5\"}");
  EXPECT_EQ(s.json(mask, std::vector<uint8_t>(16, 0)), "{\"kind\":\"cpu_list\",\"cpus\":\"\"}");
  // Fewer than 8 bytes: an ordinary (truncated) struct.
  EXPECT_EQ(kind_of(Doc(s.json(mask, {1, 2, 3})).root), "truncated");
  std::vector<uint8_t> h(36, 0);
  h[0] = 7;
  h[4] = 0x01;
  h[12] = 0x80;  // cpu 64
  h[20] = 0xaa;  // scx_bitmap sdt_id: skipped
  h[28] = 0x06;  // cpus 1-2
  Doc d(s.json(holder, h));
  EXPECT_EQ(std::string_view(mem(d.root, "mask")["cpus"]), "0,71");
  EXPECT_EQ(std::string_view(mem(d.root, "bm")["cpus"]), "1-2");
  expect_plan_matches_tree(s.value(holder, h));
}

TEST(RenderSynthetic, HostileIdsAndSizes) {
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int u64 = btf__add_int(s.b, "u64", 8, 0);
  int td = btf__add_typedef(s.b, "dangling", u32);
  int arr = btf__add_array(s.b, u32, u32, 4);
  int huge = btf__add_array(s.b, u32, u64, 0xffffffffu);
  int st = btf__add_struct(s.b, "bad", 12);
  ASSERT_EQ(btf__add_field(s.b, "ok", u32, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "dangling", td, 32, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "huge", huge, 64, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "past_end", u32, 4000, 0), 0);  // beyond the struct
  int big_struct = btf__add_struct(s.b, "claims_4g", 0xfffffff0u);
  ASSERT_EQ(btf__add_field(s.b, "x", u32, 0, 0), 0);
  mutable_type(s.b, td)->type = 99999;
  btf_array(mutable_type(s.b, arr))->type = 88888;
  s.done();
  std::vector<uint8_t> v(12, 1);
  Doc d(s.json(st, v));
  EXPECT_EQ(u64_of(mem(d.root, "ok")), 0x01010101u);
  EXPECT_EQ(std::string_view(mem(d.root, "dangling")["reason"]), "member type size unresolvable");
  EXPECT_EQ(std::string_view(mem(d.root, "huge")["reason"]), "member type size unresolvable");
  EXPECT_EQ(kind_of(mem(d.root, "past_end")), "truncated");
  EXPECT_EQ(uint64_t(mem(d.root, "past_end")["had"]), 0u);
  expect_plan_matches_tree(s.value(st, v));
  EXPECT_EQ(std::string_view(Doc(s.json(arr, v)).root["reason"]), "array element size not resolvable");
  // A huge top-level array renders what the bytes hold, then one truncated element.
  std::vector<uint8_t> w(20, 2);
  Doc h(s.json(huge, w));
  EXPECT_EQ(uint64_t(h.root["len"]), 0xffffffffu);
  simdjson::dom::array el = h.root["elements"];
  EXPECT_EQ(el.size(), 3u);
  EXPECT_EQ(kind_of(el.at(2)), "truncated");
  EXPECT_EQ(uint64_t(el.at(2)["had"]), 4u);
  Doc b(s.json(big_struct, {1, 0, 0, 0}));
  EXPECT_EQ(kind_of(b.root), "truncated");
  EXPECT_EQ(u64_of(mem(b.root["partial"], "x")), 1u);
  // An id past the end of the BTF.
  Value bad = Value::from_parts(ValueParts{&s.ctx, v.data(), v.size(), 123456, 0, 0, false});
  Doc u(json_of(bad));
  EXPECT_EQ(kind_of(u.root), "unsupported");
  EXPECT_FALSE(text_of(bad).empty());
}

TEST(RenderSynthetic, NamesAreEscapedAndValidUtf8) {
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int st = btf__add_struct(s.b, "we\"ird\\", 8);
  ASSERT_EQ(btf__add_field(s.b, "tab\there", u32, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "bad\xff utf8", u32, 32, 0), 0);
  s.done();
  std::vector<uint8_t> v(8, 0);
  std::string j = s.json(st, v);
  Doc d(j);
  EXPECT_EQ(std::string_view(d.root["type_name"]), "we\"ird\\");
  EXPECT_EQ(member_names(d.root)[0], "tab\there");
  EXPECT_EQ(member_names(d.root)[1], "bad\xef\xbf\xbd utf8");
}

TEST(RenderSynthetic, ShortBuffersNeverReadPastTheirEnd) {
  // Every prefix of a kt_tasks value, each in an allocation of exactly that
  // size (ASan flags any read past it); every result must parse.
  const MapInfo& m = kinds_map("kt_tasks");
  for (uint64_t n = 0; n <= m.value_size; n++) {
    SCOPED_TRACE("len " + std::to_string(n));
    std::unique_ptr<uint8_t[]> buf(n ? new uint8_t[n] : nullptr);
    if (n) std::memcpy(buf.get(), m.value_ptr(1), n);
    Value v = Value::typed(m.ctx, m.value_type_id, buf.get(), n);
    std::string j = json_of(v);
    Doc d(j);
    if (n < m.value_size) {
      EXPECT_EQ(kind_of(d.root), "truncated");
      EXPECT_EQ(uint64_t(d.root["needed"]), m.value_size);
      EXPECT_EQ(uint64_t(d.root["had"]), n);
    } else {
      EXPECT_EQ(kind_of(d.root), "struct");
    }
    EXPECT_EQ(j, tree_json_of(v));
    std::string t = text_of(v);
    if (n == 0) {
      EXPECT_EQ(t, "");
    }
  }
}

TEST(RenderSynthetic, TruncatedStructKeepsMembersThatStart) {
  const MapInfo& m = kinds_map("kt_tasks");
  std::vector<uint8_t> buf(m.value_ptr(1), m.value_ptr(1) + 30);
  Value v = Value::typed(m.ctx, m.value_type_id, buf.data(), buf.size());
  Doc d(json_of(v));
  EXPECT_EQ(kind_of(d.root), "truncated");
  element partial = d.root["partial"];
  std::vector<std::string> want = {"runtime_ns", "tid", "state", "weight", "raw", "lo16", "hi16", "inner"};
  EXPECT_EQ(member_names(partial), want);
  element inner = mem(partial, "inner");  // 6 of its 8 bytes present
  EXPECT_EQ(kind_of(inner), "truncated");
  EXPECT_EQ(uint64_t(inner["needed"]), 8u);
  EXPECT_EQ(uint64_t(inner["had"]), 6u);
  element ip = inner["partial"]["partial"];
  EXPECT_EQ(member_names(ip), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(i64_of(mem(ip, "b")), kt_task_expect(1).inner_b);
}

TEST(RenderSynthetic, ShortScalarsAndBitfields) {
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int ptr = btf__add_ptr(s.b, u32);
  int st = btf__add_struct(s.b, "bits", 8);
  ASSERT_EQ(btf__add_field(s.b, "lo", u32, 0, 3), 0);
  ASSERT_EQ(btf__add_field(s.b, "mid", u32, 8, 24), 0);
  s.done();
  EXPECT_EQ(s.json(u32, {1, 2}),
            "{\"kind\":\"truncated\",\"needed\":4,\"had\":2,\"partial\":{\"kind\":\"bytes\",\"hex\":\"01 02\"}}");
  EXPECT_EQ(s.json(ptr, {1, 2, 3}),
            "{\"kind\":\"truncated\",\"needed\":8,\"had\":3,\"partial\":{\"kind\":\"bytes\",\"hex\":\"01 02 03\"}}");
  Doc d(s.json(st, {0x07, 0xaa, 0xbb}));
  element mid = mem(d.root["partial"], "mid");
  EXPECT_EQ(kind_of(mid), "truncated");
  EXPECT_EQ(uint64_t(mid["needed"]), 3u);
  EXPECT_EQ(uint64_t(mid["had"]), 2u);
  EXPECT_EQ(std::string_view(mid["partial"]["hex"]), "aa bb");
  EXPECT_EQ(u64_of(mem(d.root["partial"], "lo")), 7u);
  EXPECT_EQ(text_of(s.value(u32, {})), "");
  EXPECT_EQ(text_of(s.value(u32, {1, 2})), "<truncated needed=4 had=2> 01 02");
}

// A report whose value holds cpumask kernel pointers; the pointees are
// captured regions.
struct KptrReport {
  OpenedReport r;
  static constexpr uint64_t kMask = 0xffff888000200000ull;
  static constexpr uint64_t kGarbage = 0xffff888000300000ull;
  static constexpr uint64_t kMissing = 0xffff888000400000ull;
  static constexpr uint64_t kEmpty = 0xffff888000500000ull;

  KptrReport() {
    struct btf* b = btf__new_empty();
    int u64 = btf__add_int(b, "u64", 8, 0);
    int u32 = btf__add_int(b, "u32", 4, 0);
    int words = btf__add_array(b, u32, u64, 2);
    int mask = btf__add_struct(b, "bpf_cpumask", 16);
    btf__add_field(b, "bits", words, 0, 0);
    int empty = btf__add_struct(b, "nothing", 0);
    int other = btf__add_struct(b, "other", 8);
    btf__add_field(b, "x", u64, 0, 0);
    int pm = btf__add_ptr(b, mask);
    int pe = btf__add_ptr(b, empty);
    int po = btf__add_ptr(b, other);
    int holder = btf__add_struct(b, "holder", 48);
    btf__add_field(b, "mask", pm, 0, 0);
    btf__add_field(b, "garbage", pm, 64, 0);
    btf__add_field(b, "missing", pm, 128, 0);
    btf__add_field(b, "null_mask", pm, 192, 0);
    btf__add_field(b, "empty", pe, 256, 0);
    btf__add_field(b, "other", po, 320, 0);
    __u32 sz = 0;
    const auto* raw = static_cast<const uint8_t*>(btf__raw_data(b, &sz));
    std::vector<uint8_t> blob(raw, raw + sz);
    btf__free(b);
    ReportBuilder rb;
    auto bi = rb.add_btf(blob);
    if (!bi.ok()) throw std::runtime_error(bi.error().message);
    MapSpec s;
    s.name = "masks.bss";
    s.map_type = kMapTypeArray;
    s.key_size = 4;
    s.value_size = 48;
    s.max_entries = 1;
    s.btf_index = bi.value();
    s.value_type_id = static_cast<uint32_t>(holder);
    uint64_t v[6] = {kMask, kGarbage, kMissing, 0, kEmpty, kMask};
    std::vector<uint8_t> vals(48);
    std::memcpy(vals.data(), v, 48);
    std::vector<uint8_t> keys(4, 0);
    if (!rb.add_map(s, keys, vals).ok()) throw std::runtime_error("add_map");
    uint64_t m[2] = {0x0full, 0};
    uint64_t g[2] = {0xff00000000000001ull, 0};
    if (!rb.add_region(kMask, {reinterpret_cast<uint8_t*>(m), 16}).ok()) throw std::runtime_error("region");
    if (!rb.add_region(kGarbage, {reinterpret_cast<uint8_t*>(g), 16}).ok()) throw std::runtime_error("region");
    r = open_report(rb.finish());
  }
};

TEST(RenderSynthetic, CpumaskKptrIsChasedIntoRegions) {
  KptrReport k;
  const MapInfo& m = k.r.report->map(0);
  std::string out;
  ASSERT_TRUE(render_map_json(*k.r.report, m, out).ok());
  Doc d(out);
  element v = d.root["value"];
  element mask = mem(v, "mask");
  EXPECT_EQ(u64_of(mask), KptrReport::kMask);
  EXPECT_EQ(kind_of(mask["deref"]), "cpu_list");
  EXPECT_EQ(std::string_view(mask["deref"]["cpus"]), "0-3");
  EXPECT_NE(std::string_view(mem(v, "garbage")["deref_skipped_reason"]).find("0xff"), std::string_view::npos);
  EXPECT_NE(std::string_view(mem(v, "missing")["deref_skipped_reason"]).find("ffff888000400000"),
            std::string_view::npos);
  EXPECT_TRUE(mem(v, "null_mask")["deref"].error() != simdjson::SUCCESS);
  EXPECT_TRUE(mem(v, "null_mask")["deref_skipped_reason"].error() != simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(mem(v, "empty")["deref_skipped_reason"]), "pointee BTF size is 0 (incomplete type)");
  EXPECT_TRUE(mem(v, "other")["deref"].error() != simdjson::SUCCESS);  // not a cpumask
  // The value through the tree path says the same.
  Value val = Value::map_value(m, 0);
  EXPECT_EQ(json_of(val), tree_json_of(val));
  std::string text = text_of(val);
  EXPECT_NE(text.find("mask 0xffff888000200000 \xe2\x86\x92 cpus={0-3}"), std::string::npos) << text;
  EXPECT_NE(text.find("missing 0xffff888000400000 [chase: "), std::string::npos) << text;
  // Without a report there is no memory to read: bare pointers.
  ValueContext no_report{val.btf(), nullptr};
  Value bare = Value::typed(&no_report, val.type_id(), val.data(), val.available());
  EXPECT_EQ(json_of(bare).find("deref"), std::string::npos);
}

}  // namespace
}  // namespace ktsnap::test

namespace ktsnap::test {
namespace {

TEST(RenderSynthetic, ExponentialSelfReferenceIsBounded) {
  // Two copies of itself per level: 2^32 nodes if rendered naively. The
  // node budget ends it with "unsupported" nodes; output stays bounded.
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int d = btf__add_struct(s.b, "twice", 4);
  ASSERT_EQ(btf__add_field(s.b, "x", u32, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "l", d, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "r", d, 0, 0), 0);
  s.done();
  std::vector<uint8_t> v(4, 1);
  std::string j = s.json(d, v);
  EXPECT_LT(j.size(), 512u << 20);
  EXPECT_NE(j.find("render budget exceeded"), std::string::npos);
  Doc doc(j);
  EXPECT_EQ(kind_of(doc.root), "struct");
  // The text layout of the same bounded tree finishes too, with and
  // without non-zero members (deep zero checks are capped).
  EXPECT_NE(s.text(d, v).find("render budget exceeded"), std::string::npos);
  EXPECT_NE(s.text(d, std::vector<uint8_t>(4, 0)).find("render budget exceeded"), std::string::npos);
}

}  // namespace
}  // namespace ktsnap::test
