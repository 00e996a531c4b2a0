// SnapshotField: the dotted-path walker, pointer following (captured
// regions, cycles, the 17-pointer limit), scalar coercions, typed arrays
// and iter_members, on the fixture's real BTF and on a libbpf-made BTF.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "view_test_util.hpp"

namespace ktsnap::test::viewt {
namespace {

const Report& fx() {
  return *fixture_report().report;
}

SnapshotEntry task(uint32_t i) {
  Snapshot s(fx());
  auto m = s.map("kt_tasks");
  EXPECT_TRUE(m.ok());
  return m->at(i);
}

TEST(ViewField, WalksMembersAndFlattensAnonymousOnes) {
  KtTaskExpect want = kt_task_expect(5);
  SnapshotEntry e = task(5);
  EXPECT_EQ(e.get("tid").as_i64().value(), int64_t(want.tid));
  EXPECT_EQ(e.get("runtime_ns").as_u64().value(), want.runtime_ns);
  EXPECT_EQ(e.get("weight").as_u64().value(), want.weight);  // inside an anonymous struct
  EXPECT_EQ(e.get("lo16").as_u64().value(), want.lo16);      // anonymous struct in an anonymous union
  EXPECT_EQ(e.get("inner.a").as_u64().value(), want.inner_a);
  EXPECT_EQ(e.get("inner.b").as_i64().value(), want.inner_b);
  EXPECT_EQ(e.get("bits.sv").as_i64().value(), want.bits_sv);
  EXPECT_EQ(e.get("bits.wide").as_u64().value(), want.bits_wide);
  // "" is the root itself.
  auto root = e.get("");
  ASSERT_TRUE(root.is_present());
  EXPECT_EQ(root.raw()->kind(), ValueKind::Struct);
  EXPECT_EQ(root.get("inner").get("c").as_u64().value(), want.inner_c);
}

TEST(ViewField, FieldNotFoundListsMembersInDeclarationOrder) {
  auto f = task(1).get("inner.zz");
  const auto e = err_as<FieldNotFound>(f);
  EXPECT_EQ(e.requested, "inner.zz");
  EXPECT_EQ(e.walked, "inner");
  EXPECT_EQ(e.component, "zz");
  EXPECT_EQ(e.available, (std::vector<std::string>{"a", "b", "c"}));

  const auto top = err_as<FieldNotFound>(task(1).get("nope"));
  EXPECT_EQ(top.walked, "");
  ASSERT_GE(top.available.size(), 4u);
  EXPECT_EQ(top.available[0], "runtime_ns");
  EXPECT_EQ(top.available[1], "tid");
  EXPECT_EQ(top.available[2], "state");
  EXPECT_EQ(top.available[3], "weight");  // anonymous members flattened in place
  // An earlier failing component wins over a later empty one.
  EXPECT_EQ(err_as<FieldNotFound>(task(1).get("nope..x")).component, "nope");
}

TEST(ViewField, NotAStructAndEmptyComponents) {
  const auto ns = err_as<NotAStruct>(task(1).get("tid.x"));
  EXPECT_EQ(ns.requested, "tid.x");
  EXPECT_EQ(ns.walked, "tid");
  EXPECT_EQ(ns.component, "x");
  EXPECT_EQ(ns.kind, "Int");
  EXPECT_EQ(err_as<NotAStruct>(task(1).get("hist.x")).kind, "Array");  // no numeric indexing
  EXPECT_EQ(err_as<NotAStruct>(task(1).get("comm.0")).kind, "Array");
  EXPECT_EQ(err_as<NotAStruct>(task(1).get("inner.a.b")).walked, "inner.a");
  for (const char* p : {"tid..x", ".tid", "tid.", "inner..a", ".", "inner.a."})
    EXPECT_EQ(err_as<EmptyPathComponent>(task(1).get(p)).requested, p);
}

TEST(ViewField, PointersFollowIntoCapturedRegions) {
  // Entry 4 has inner_ptr set (i % 4 == 0) and its target captured.
  KtTaskExpect want = kt_task_expect(4);
  ASSERT_NE(want.inner_ptr, 0u);
  SnapshotEntry e = task(4);
  EXPECT_EQ(e.get("inner_ptr.a").as_u64().value(), want.inner_a + 1);
  EXPECT_EQ(e.get("inner_ptr.c").as_u64().value(), 0x5au);
  // The leaf is not peeled: a pointer reads as its address.
  auto p = e.get("inner_ptr");
  EXPECT_EQ(p.raw()->kind(), ValueKind::Ptr);
  EXPECT_EQ(p.as_u64().value(), want.inner_ptr);
  EXPECT_TRUE(p.as_bool().value());
  EXPECT_EQ(err_of<TypeMismatch>(p.as_i64()).actual, "Ptr");
  EXPECT_EQ(err_of<TypeMismatch>(p.as_f64()).actual, "Ptr");
  // lookup_member peels the pointer too.
  auto m = lookup_member(*p.raw(), "b");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(coerce_i64(*m).value(), want.inner_b - 1);
  EXPECT_EQ(peel_pointer(*p.raw()).kind(), ValueKind::Struct);

  // A null pointer and a void pointer cannot be followed.
  SnapshotEntry e1 = task(1);
  ASSERT_EQ(kt_task_expect(1).inner_ptr, 0u);
  const auto n = err_as<NotAStruct>(e1.get("inner_ptr.a"));
  EXPECT_EQ(n.kind, "Ptr");
  EXPECT_EQ(n.walked, "inner_ptr");
  EXPECT_FALSE(e1.get("inner_ptr").as_bool().value());
  EXPECT_EQ(err_as<NotAStruct>(e1.get("opaque.x")).kind, "Ptr");
  EXPECT_FALSE(lookup_member(*e1.get("inner_ptr").raw(), "a").has_value());
}

TEST(ViewField, ScalarCoercionsOfFixtureKinds) {
  KtTaskExpect want = kt_task_expect(3);
  SnapshotEntry e = task(3);
  // Uint
  EXPECT_EQ(e.get("runtime_ns").as_f64().value(), double(want.runtime_ns));
  EXPECT_EQ(e.get("runtime_ns").as_bool().value(), want.runtime_ns != 0);
  // Int (negative)
  auto b = e.get("inner.b");
  ASSERT_LT(want.inner_b, 0);
  const auto neg = err_of<TypeMismatch>(b.as_u64());
  EXPECT_EQ(neg.expected, "u64");
  EXPECT_EQ(neg.actual, "Int(negative)");
  EXPECT_EQ(neg.requested, "");
  EXPECT_EQ(b.as_f64().value(), double(want.inner_b));
  EXPECT_TRUE(b.as_bool().value());
  // Bool
  auto on = e.get("on_cpu");
  EXPECT_EQ(on.raw()->kind(), ValueKind::Bool);
  EXPECT_EQ(on.as_bool().value(), want.on_cpu);
  EXPECT_EQ(on.as_u64().value(), uint64_t(want.on_cpu));
  EXPECT_EQ(on.as_i64().value(), int64_t(want.on_cpu));
  EXPECT_EQ(err_of<TypeMismatch>(on.as_f64()).actual, "Bool");
  // Float
  auto load = e.get("load");
  EXPECT_FLOAT_EQ(float(load.as_f64().value()), want.load);
  EXPECT_EQ(err_of<TypeMismatch>(load.as_u64()).actual, "Float");
  EXPECT_EQ(err_of<TypeMismatch>(load.as_i64()).actual, "Float");
  EXPECT_EQ(err_of<TypeMismatch>(load.as_bool()).actual, "Float");
  EXPECT_DOUBLE_EQ(e.get("avg").as_f64().value(), want.avg);
  // Enum with a variant name
  auto st = e.get("state");
  EXPECT_EQ(st.as_u64().value(), want.state);
  EXPECT_EQ(st.as_i64().value(), int64_t(want.state));
  EXPECT_EQ(st.as_str().value(), "KT_STATE_IDLE");  // 3 % 3 == 0
  EXPECT_EQ(e.get("e16").as_str().value(), "KT_E16_BIG");
  // Aggregates fail every scalar read with their kind.
  auto inner = e.get("inner");
  EXPECT_EQ(err_of<TypeMismatch>(inner.as_u64()).actual, "Struct");
  EXPECT_EQ(err_of<TypeMismatch>(inner.as_bool()).actual, "Struct");
  const auto s = err_of<TypeMismatch>(inner.as_str());
  EXPECT_EQ(s.expected, "str (enum variant name)");
  EXPECT_EQ(s.actual, "Struct");
  EXPECT_EQ(err_of<TypeMismatch>(e.get("comm").as_str()).actual, "Array");  // char arrays are not names
  EXPECT_EQ(err_of<TypeMismatch>(e.get("runtime_ns").as_str()).actual, "Uint");
}

TEST(ViewField, CharsAndSmallInts) {
  KtTaskExpect want = kt_task_expect(9);
  SnapshotEntry e = task(9);
  EXPECT_EQ(e.get("uc").as_u64().value(), want.uc);
  EXPECT_EQ(e.get("uc").as_i64().value(), want.uc);
  EXPECT_EQ(e.get("sc").as_i64().value(), want.sc);
  EXPECT_EQ(e.get("e8").as_u64().value(), uint64_t(uint8_t(want.e8)));
}

TEST(ViewField, TypedArraysAndIterMembers) {
  KtTaskExpect want = kt_task_expect(7);  // odd: hist is filled
  SnapshotEntry e = task(7);
  auto hist = e.get("hist");
  const auto te = err_of<TypeMismatch>(hist.as_u64_array());
  EXPECT_EQ(te.expected, "[u64]");
  EXPECT_EQ(te.actual, "Array[0]=Array");  // rows are arrays, not numbers
  auto rows = hist.iter_members();
  ASSERT_EQ(rows.size(), 2u);
  for (int r = 0; r < 2; r++) {
    auto v = rows[r].as_u64_array();
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(*v, (std::vector<uint64_t>{want.hist[r][0], want.hist[r][1], want.hist[r][2]}));
    EXPECT_EQ(rows[r].as_u32_array().value(),
              (std::vector<uint32_t>{want.hist[r][0], want.hist[r][1], want.hist[r][2]}));
    EXPECT_EQ(rows[r].as_i64_array().value()[2], int64_t(want.hist[r][2]));
    EXPECT_EQ(rows[r].as_f64_array().value()[1], double(want.hist[r][1]));
    EXPECT_EQ(rows[r].as_bool_array().value()[0], uint8_t(want.hist[r][0] != 0));
    EXPECT_EQ(rows[r].iter_members().size(), 3u);
    EXPECT_EQ(rows[r].iter_members()[1].as_u64().value(), want.hist[r][1]);
  }
  // char[16] reads as bytes.
  auto comm = e.get("comm").as_u64_array();
  ASSERT_TRUE(comm.ok());
  ASSERT_EQ(comm->size(), 16u);
  EXPECT_EQ((*comm)[0], uint64_t(static_cast<unsigned char>(want.comm[0])));
  // Not an array: the kind, and nothing to iterate.
  const auto sc = err_of<TypeMismatch>(e.get("tid").as_u64_array());
  EXPECT_EQ(sc.expected, "[u64]");
  EXPECT_EQ(sc.actual, "Int");
  EXPECT_EQ(err_of<TypeMismatch>(e.get("inner").as_bool_array()).expected, "[bool]");
  EXPECT_TRUE(e.get("tid").iter_members().empty());
  EXPECT_TRUE(e.get("inner").iter_members().empty());
  EXPECT_TRUE(e.get("nope").iter_members().empty());
  // Signed elements: -3 does not read as u64.
  Snapshot snap(fx());
  auto neg = snap.var("kt_bss_neg");
  EXPECT_EQ(neg.as_i64().value(), -12345);
}

TEST(ViewField, MissingCarriesItsErrorThroughEveryAccessor) {
  auto f = task(1).get("nope");
  ASSERT_FALSE(f.is_present());
  SnapshotError e = *f.error();
  EXPECT_EQ(f.get("a.b").error() ? *f.get("a.b").error() : SnapshotError(ProjectionFailed{}), e);
  EXPECT_EQ(f.as_u64().error(), e);
  EXPECT_EQ(f.as_i64().error(), e);
  EXPECT_EQ(f.as_f64().error(), e);
  EXPECT_EQ(f.as_bool().error(), e);
  EXPECT_EQ(f.as_str().error(), e);
  EXPECT_EQ(f.as_u64_array().error(), e);
  EXPECT_EQ(f.as_u32_array().error(), e);
  EXPECT_EQ(f.as_i64_array().error(), e);
  EXPECT_EQ(f.as_f64_array().error(), e);
  EXPECT_EQ(f.as_bool_array().error(), e);
  EXPECT_TRUE(f.iter_members().empty());
  EXPECT_FALSE(f.raw().has_value());
  EXPECT_FALSE(f.key_value().has_value());
}

TEST(ViewField, PercpuKeyState) {
  auto k = SnapshotField::percpu_key(3);
  EXPECT_TRUE(k.is_present());
  EXPECT_EQ(k.state(), SnapshotField::State::PercpuKey);
  EXPECT_EQ(k.error(), nullptr);
  EXPECT_FALSE(k.raw().has_value());
  EXPECT_EQ(k.key_value(), 3u);
  EXPECT_EQ(k.as_u64().value(), 3u);
  EXPECT_EQ(k.as_i64().value(), 3);
  EXPECT_EQ(k.as_f64().value(), 3.0);
  EXPECT_TRUE(k.as_bool().value());
  EXPECT_FALSE(SnapshotField::percpu_key(0).as_bool().value());
  const auto g = err_as<TypeMismatch>(k.get("x"));
  EXPECT_EQ(g.expected, "Struct");
  EXPECT_EQ(g.actual, std::string(kPercpuKeyActual));
  EXPECT_EQ(g.requested, "x");
  EXPECT_EQ(err_of<TypeMismatch>(k.as_str()).expected, "str");
  EXPECT_EQ(err_of<TypeMismatch>(k.as_str()).actual, std::string(kPercpuKeyActual));
  EXPECT_EQ(err_of<TypeMismatch>(k.as_u64_array()).expected, "[u64]");
  EXPECT_EQ(err_of<TypeMismatch>(k.as_u32_array()).expected, "[u32]");
  EXPECT_TRUE(k.iter_members().empty());
}

// ---- shapes made with libbpf's BTF writer ------------------------------------

class ViewSynthField : public ::testing::Test {
 protected:
  static constexpr uint64_t kBase = 0xffff888010000000ull;

  void SetUp() override { syn_ = make_synth(); }

  // A one-entry ARRAY map named `name` holding `value` typed `type`.
  void single(Maker& mk, const std::string& name, uint32_t type, const std::vector<uint8_t>& value) {
    MapSpec s = mk.spec(name, kMapTypeArray, 0, type, 1);
    mk.map(s, std::vector<uint8_t>(4, 0), value);
  }
  SnapshotField read(const Owned& r, const std::string& map, std::string_view path) {
    Snapshot s(*r);
    auto m = s.map(map);
    EXPECT_TRUE(m.ok());
    return m->at(0).get(path);
  }

  Synth syn_;
};

TEST_F(ViewSynthField, PointerChainsStopAfterSeventeen) {
  Maker mk(syn_.btf);
  // chain[k] value -> R0 -> R1 -> ... -> R(k-1) holding the node.
  for (int k : {1, 16, 17, 18, 20}) {
    uint64_t base = kBase + uint64_t(k) * 0x10000;
    for (int i = 0; i < k - 1; i++) mk.region(base + i * 0x100, bytes_of(base + (i + 1) * 0x100));
    struct {
      uint64_t val, next;
    } node{uint64_t(770 + k), 0};
    mk.region(base + (k - 1) * 0x100, bytes_of(node));
    single(mk, "c" + std::to_string(k), syn_.chain[k], bytes_of(base));
  }
  Owned r = mk.finish();
  for (int k : {1, 16, 17}) EXPECT_EQ(read(r, "c" + std::to_string(k), "val").as_u64().value(), uint64_t(770 + k)) << k;
  for (int k : {18, 20}) {
    const auto e = err_as<NotAStruct>(read(r, "c" + std::to_string(k), "val"));
    EXPECT_EQ(e.kind, "Ptr") << k;  // 17 pointers followed, one still left
    EXPECT_EQ(e.walked, "");
  }
  // The leaf is the pointer itself.
  EXPECT_EQ(read(r, "c18", "").as_u64().value(), kBase + 18 * 0x10000);
}

TEST_F(ViewSynthField, CyclesAreWalkedOneStepPerComponent) {
  Maker mk(syn_.btf);
  uint64_t a = kBase;
  struct {
    uint64_t val, next;
  } self{5, a}, start{1, a};
  mk.region(a, bytes_of(self));  // a node whose next points at itself
  single(mk, "cyc", syn_.node, bytes_of(start));
  Owned r = mk.finish();
  EXPECT_EQ(read(r, "cyc", "val").as_u64().value(), 1u);
  EXPECT_EQ(read(r, "cyc", "next.val").as_u64().value(), 5u);
  EXPECT_EQ(read(r, "cyc", "next.next.next.next.next.next.val").as_u64().value(), 5u);
  EXPECT_EQ(read(r, "cyc", "next.next.next").as_u64().value(), a);
  const auto fnf = err_as<FieldNotFound>(read(r, "cyc", "next.next.zz"));
  EXPECT_EQ(fnf.walked, "next.next");
  EXPECT_EQ(fnf.available, (std::vector<std::string>{"val", "next"}));
}

TEST_F(ViewSynthField, TruncatedTargets) {
  Maker mk(syn_.btf);
  uint64_t t = kBase + 0x1000, o = kBase + 0x2000, a2 = kBase + 0x3000, a4 = kBase + 0x4000;
  mk.region(t, bytes_of(uint64_t(9)));  // 8 of the node's 16 bytes
  single(mk, "trunc", syn_.chain[1], bytes_of(t));
  // outer {a, inner{val, next}}: 12 of 24 bytes -> inner has 4 of 16.
  std::vector<uint8_t> ob = bytes_of(uint64_t(3));
  append(ob, bytes_of(uint32_t(4)));
  mk.region(o, ob);
  single(mk, "outer", syn_.outer_ptr, bytes_of(o));
  // holder {arr -> u64[4] with 2.5 elements captured, n -> a full node}
  std::vector<uint8_t> ab = bytes_of(uint64_t(11));
  append(ab, bytes_of(uint64_t(22)));
  append(ab, bytes_of(uint32_t(33)));
  mk.region(a2, ab);
  std::vector<uint8_t> full;
  for (uint64_t x : {1ull, 2ull, 3ull, 0x1ffffffffull}) append(full, bytes_of(x));
  mk.region(a4, full);
  std::vector<uint8_t> h2 = bytes_of(a2), h4 = bytes_of(a4);
  append(h2, bytes_of(uint64_t(0)));
  append(h4, bytes_of(uint64_t(0)));
  single(mk, "h2", syn_.holder, h2);
  single(mk, "h4", syn_.holder, h4);
  Owned r = mk.finish();

  EXPECT_EQ(read(r, "trunc", "val").as_u64().value(), 9u);
  auto next = read(r, "trunc", "next");
  ASSERT_TRUE(next.is_present());  // the walker reaches members of a short struct
  EXPECT_EQ(err_of<TypeMismatch>(next.as_u64()).actual, "Truncated");
  EXPECT_EQ(err_of<TypeMismatch>(next.as_i64()).actual, "Truncated");
  EXPECT_EQ(err_of<TypeMismatch>(next.as_f64()).actual, "Truncated");
  EXPECT_EQ(err_of<TypeMismatch>(next.as_bool()).actual, "Truncated");
  EXPECT_EQ(err_as<NotAStruct>(read(r, "trunc", "next.val")).kind, "Truncated");
  EXPECT_EQ(kind_string(*next.raw()), "Truncated");

  EXPECT_EQ(read(r, "outer", "a").as_u64().value(), 3u);
  auto inner = read(r, "outer", "inner");
  EXPECT_TRUE(inner.raw()->truncated());
  EXPECT_EQ(err_of<TypeMismatch>(inner.as_u64_array()).actual, "Truncated(partial=Struct)");
  EXPECT_EQ(err_of<TypeMismatch>(read(r, "outer", "inner.val").as_u64()).actual, "Truncated");

  // Typed arrays behind a pointer keep the wholly captured prefix.
  EXPECT_EQ(read(r, "h2", "arr").as_u64_array().value(), (std::vector<uint64_t>{11, 22}));
  EXPECT_EQ(read(r, "h2", "arr").iter_members().size(), 2u);
  EXPECT_EQ(read(r, "h4", "arr").as_u64_array().value(), (std::vector<uint64_t>{1, 2, 3, 0x1ffffffffull}));
  EXPECT_EQ(read(r, "h4", "arr").iter_members()[3].as_u64().value(), 0x1ffffffffull);
  // u32 never truncates: the fourth element is above UINT32_MAX.
  const auto u32 = err_of<TypeMismatch>(read(r, "h4", "arr").as_u32_array());
  EXPECT_EQ(u32.expected, "[u32]");
  EXPECT_EQ(u32.actual, "Array[3]=Uint");
  // An uncaptured pointer: no array to find.
  EXPECT_EQ(err_of<TypeMismatch>(read(r, "h2", "n").as_u64_array()).actual, "Ptr");
}

TEST_F(ViewSynthField, EnumsIntsAndWideInts) {
  Maker mk(syn_.btf);
  single(mk, "sneg", syn_.senum, bytes_of(int32_t(-1)));
  single(mk, "spos", syn_.senum, bytes_of(int32_t(1)));
  single(mk, "big", syn_.u64, bytes_of(uint64_t(0x8000000000000001ull)));
  single(mk, "neg", syn_.s32, bytes_of(int32_t(-7)));
  single(mk, "wide", syn_.u128, std::vector<uint8_t>(16, 0xab));
  single(mk, "dbl", syn_.dbl, bytes_of(std::numeric_limits<double>::quiet_NaN()));
  Owned r = mk.finish();
  ASSERT_TRUE(syn_.btf->enum_is_signed(syn_.senum));

  auto sneg = read(r, "sneg", "");
  const auto se = err_of<TypeMismatch>(sneg.as_u64());
  EXPECT_EQ(se.actual, "Enum(signed-negative)");
  EXPECT_EQ(sneg.as_i64().value(), -1);
  EXPECT_EQ(sneg.as_f64().value(), -1.0);
  EXPECT_TRUE(sneg.as_bool().value());
  EXPECT_EQ(sneg.as_str().value(), "S_NEG");
  EXPECT_EQ(read(r, "spos", "").as_u64().value(), 1u);

  auto big = read(r, "big", "");
  EXPECT_EQ(big.as_u64().value(), 0x8000000000000001ull);
  const auto bi = err_of<TypeMismatch>(big.as_i64());
  EXPECT_EQ(bi.expected, "i64");
  EXPECT_EQ(bi.actual, "Uint(>i64::MAX)");

  auto neg = read(r, "neg", "");
  EXPECT_EQ(err_of<TypeMismatch>(neg.as_u64()).actual, "Int(negative)");
  EXPECT_EQ(neg.as_i64().value(), -7);

  auto wide = read(r, "wide", "");
  EXPECT_EQ(err_of<TypeMismatch>(wide.as_u64()).actual, "Bytes");
  EXPECT_EQ(err_of<TypeMismatch>(wide.as_f64()).actual, "Bytes");
  EXPECT_EQ(err_as<NotAStruct>(read(r, "wide", "x")).kind, "Bytes");

  EXPECT_TRUE(std::isnan(read(r, "dbl", "").as_f64().value()));
  EXPECT_EQ(err_of<TypeMismatch>(read(r, "dbl", "").as_bool()).actual, "Float");
}

TEST(ViewField, UnsignedEnumWithTheTopBitSet) {
  // kt_e64 is an unsigned 8-byte enum: the bit pattern reads as u64, the
  // stored i64 is negative.
  Maker mk;
  uint32_t e64 = mk.id("kt_e64", BtfKind::Enum);
  ASSERT_FALSE(mk.btf().enum_is_signed(e64));
  MapSpec s = mk.spec("e64", kMapTypeArray, 0, e64, 1);
  mk.map(s, std::vector<uint8_t>(4, 0), bytes_of(uint64_t(0x8000000000000005ull)));
  Owned r = mk.finish();
  Snapshot snap(*r);
  auto f = snap.map("e64")->at(0).get("");
  EXPECT_EQ(f.as_u64().value(), 0x8000000000000005ull);
  EXPECT_EQ(f.as_i64().value(), static_cast<int64_t>(0x8000000000000005ull));
  EXPECT_LT(f.as_i64().value(), 0);
  EXPECT_LT(f.as_f64().value(), 0.0);
  EXPECT_TRUE(f.as_bool().value());
  EXPECT_EQ(err_of<TypeMismatch>(f.as_str()).actual, "Enum");  // no variant with that value
}

}  // namespace
}  // namespace ktsnap::test::viewt
