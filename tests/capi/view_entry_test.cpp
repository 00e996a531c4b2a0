// The view walker and typed reads (ktsnap_value_walk, ktsnap_value_read_*),
// entries of a map view (ktsnap_entry_get / ktsnap_entry_key) and the
// per-CPU aggregates of one entry (ktsnap_entry_cpu_agg_*), through the C
// ABI: pointers followed into captured regions and around a cycle, the
// 17-pointer limit, anonymous members, the §4.2 conversion rules (negative,
// above INT64_MAX, enums with the top bit set, signed enums, pointers as
// addresses), per-CPU slots that were not captured, maps without BTF and
// maps that failed to read. Expected values come from the data the views
// report was built with.
#include "view_util.hpp"

using namespace view_test;

namespace {

class ViewEntryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    r_ = views_report();
    ASSERT_TRUE(r_);
    tasks_ = map_of(r_.get(), "vw_tasks");
    ASSERT_NE(tasks_, nullptr);
  }
  // The value side of vw_tasks entry i (entries are in insertion order).
  ktsnap_value task(uint32_t i) {
    ktsnap_value v{};
    EXPECT_EQ(ktsnap_entry_get(&v, tasks_, i, KTSNAP_NO_CPU, ""), KTSNAP_OK) << ktsnap_last_error();
    return v;
  }
  ktsnap_value get(const ktsnap_map* m, uint64_t pos, uint32_t cpu, const char* path) {
    ktsnap_value v{};
    EXPECT_EQ(ktsnap_entry_get(&v, m, pos, cpu, path), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return v;
  }
  uint64_t u64(const ktsnap_value& v, const char* path) {
    uint64_t x = 0;
    EXPECT_EQ(ktsnap_value_read_u64(&x, &v, path), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return x;
  }
  int64_t i64(const ktsnap_value& v, const char* path) {
    int64_t x = 0;
    EXPECT_EQ(ktsnap_value_read_i64(&x, &v, path), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return x;
  }
  double f64(const ktsnap_value& v, const char* path) {
    double x = 0;
    EXPECT_EQ(ktsnap_value_read_f64(&x, &v, path), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return x;
  }
  bool boolean(const ktsnap_value& v, const char* path) {
    bool x = false;
    EXPECT_EQ(ktsnap_value_read_bool(&x, &v, path), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return x;
  }
  std::string str(const ktsnap_value& v, const char* path) {
    const char* s = nullptr;
    EXPECT_EQ(ktsnap_value_read_str(&s, &v, path), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return s ? s : "";
  }

  ReportPtr r_;
  const ktsnap_map* tasks_ = nullptr;
};

// The enum variant named `value` in the views BTF.
std::string variant(uint32_t enum_id, int64_t value) {
  for (const auto& e : views().btf.enumerators(enum_id))
    if (e.second == value) return e.first;
  return "?";
}

}  // namespace

TEST(ViewFixture, MirrorsMatchTheBtf) {
  const Views& v = views();
  ASSERT_TRUE(v.btf.ok());
  for (uint32_t id : {v.task, v.node, v.deep, v.key, v.long_key, v.pcpu, v.flag, v.sgn, v.inner, v.u32, v.u64})
    EXPECT_NE(id, 0u);
  EXPECT_EQ(v.btf.size(v.task), sizeof(VwTask));
  EXPECT_EQ(v.btf.size(v.pcpu), sizeof(VwPcpu));
  EXPECT_EQ(v.btf.size(v.long_key), sizeof(VwLongKey));
  EXPECT_EQ(v.btf.size(v.key), sizeof(VwKey));
  EXPECT_EQ(v.btf.size(v.node), sizeof(VwNode));
  struct Off {
    const char* name;
    size_t off;
  } offs[] = {
      {"pid", offsetof(VwTask, pid)},     {"prio", offsetof(VwTask, prio)},     {"runtime", offsetof(VwTask, runtime)},
      {"lag", offsetof(VwTask, lag)},     {"util", offsetof(VwTask, util)},     {"ratio", offsetof(VwTask, ratio)},
      {"flag", offsetof(VwTask, flag)},   {"sgn", offsetof(VwTask, sgn)},       {"on_cpu", offsetof(VwTask, on_cpu)},
      {"comm", offsetof(VwTask, comm)},   {"inner", offsetof(VwTask, inner_a)}, {"head", offsetof(VwTask, head)},
      {"hist", offsetof(VwTask, hist)},   {"deltas", offsetof(VwTask, deltas)}, {"bools", offsetof(VwTask, bools)},
      {"loads", offsetof(VwTask, loads)}, {"big", offsetof(VwTask, big)},       {"opaque", offsetof(VwTask, opaque)},
      {"tail", offsetof(VwTask, tail)}};
  for (const Off& o : offs) EXPECT_EQ(v.btf.offset_of(v.task, o.name), int64_t(o.off)) << o.name;
  EXPECT_EQ(v.btf.offset_of(v.pcpu, "neg"), int64_t(offsetof(VwPcpu, neg)));
  EXPECT_EQ(v.btf.offset_of(v.long_key, "id"), int64_t(offsetof(VwLongKey, id)));
  // The enums: top bit used, and signed once marked.
  auto flags = v.btf.enumerators(v.flag);
  ASSERT_EQ(flags.size(), 3u);
  EXPECT_EQ(flags[2].second, 0x80000000ll);
  auto sgn = v.btf.enumerators(v.sgn);
  ASSERT_EQ(sgn.size(), 3u);
  EXPECT_EQ(sgn[0].second, -2);
  // The kinds fixture's types.
  const Kinds& k = kinds();
  for (uint32_t id : {k.bss, k.data, k.rodata, k.inner, k.task, k.cpu_stats, k.key, k.u32, k.e64, k.u64})
    EXPECT_NE(id, 0u);
  EXPECT_EQ(k.btf.size(k.e64), 8u);
}

TEST_F(ViewEntryTest, WalkFollowsPointersIntoCapturedMemoryAndAroundACycle) {
  ktsnap_value t0 = task(0);
  EXPECT_EQ(u64(t0, "head.val"), 11u);
  EXPECT_EQ(u64(t0, "head.next.val"), 22u);
  EXPECT_EQ(u64(t0, "head.next.next.val"), 11u);  // B -> A: the cycle
  EXPECT_EQ(u64(t0, "head.next.next.next.next.next.val"), 22u);
  EXPECT_EQ(u64(t0, "tail.next.next.val"), 22u);  // an embedded struct, then pointers
  ktsnap_value w{};
  VIEW_OK(ktsnap_value_walk(&w, &t0, "head.next"));
  EXPECT_EQ(ktsnap_value_kind(&w), KTSNAP_KIND_PTR);  // a pointer at the end is not followed
  EXPECT_EQ(plain_u64(w), kNodeB);
  VIEW_OK(ktsnap_value_walk(&w, &t0, ""));  // "" is the value itself
  EXPECT_EQ(ktsnap_value_kind(&w), KTSNAP_KIND_STRUCT);
  EXPECT_EQ(u64(w, "pid"), 100u);
  // A leaf pointer reads as its address (u64, bool), not as i64 or f64.
  EXPECT_EQ(u64(t0, "head"), kNodeA);
  EXPECT_TRUE(boolean(t0, "head"));
  EXPECT_FALSE(boolean(task(3), "head"));
  int64_t i = 0;
  Info e = VIEW_FAIL(ktsnap_value_read_i64(&i, &t0, "head"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(e.expected, "i64");
  EXPECT_EQ(e.actual, "Ptr");
  EXPECT_EQ(e.requested, "head");
  double d = 0;
  e = VIEW_FAIL(ktsnap_value_read_f64(&d, &t0, "head"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(e.actual, "Ptr");
  // A NULL pointer and a pointer into memory that was not captured cannot be walked.
  ktsnap_value t1 = task(1), t2 = task(2);
  EXPECT_EQ(u64(t1, "head.val"), 33u);
  e = VIEW_FAIL(ktsnap_value_walk(&w, &t1, "head.next.val"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  EXPECT_EQ(e.requested, "head.next.val");
  EXPECT_EQ(e.walked, "head.next");
  EXPECT_EQ(e.component, "val");
  EXPECT_EQ(e.actual, "Ptr");
  EXPECT_EQ(ktsnap_value_kind(&w), KTSNAP_KIND_INVALID);
  e = VIEW_FAIL(ktsnap_value_walk(&w, &t2, "head.val"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  EXPECT_EQ(e.walked, "head");
  EXPECT_EQ(e.actual, "Ptr");
  EXPECT_EQ(u64(t2, "head"), kNowhere);
  // A void pointer is a pointer too.
  e = VIEW_FAIL(ktsnap_value_walk(&w, &t0, "opaque.x"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  EXPECT_EQ(e.actual, "Ptr");
  EXPECT_EQ(u64(t0, "opaque"), vw_task_data(0).opaque);
  // A map whose values are nodes: the pointer at the top of the walk.
  const ktsnap_map* nodes = map_of(r_.get(), "vw_nodes");
  EXPECT_EQ(u64(get(nodes, 0, KTSNAP_NO_CPU, "next"), "next.val"), 22u);
  EXPECT_EQ(u64(get(nodes, 0, KTSNAP_NO_CPU, ""), "next.next.next.val"), 11u);
  VIEW_FAIL(ktsnap_entry_get(&w, nodes, 1, KTSNAP_NO_CPU, "next.val"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  // The kinds fixture: inner_ptr points into a captured region for every 4th task.
  const ktsnap_map* kt = map_of(kinds().report.get(), "kt_tasks");
  for (uint32_t t = 0; t < 8; t++) {
    TaskExpect x = task_expect(t);
    if (x.inner_ptr) {
      EXPECT_EQ(u64(get(kt, t, KTSNAP_NO_CPU, "inner_ptr.a"), ""), x.inner_a + 1u) << t;
    } else {
      VIEW_FAIL(ktsnap_entry_get(&w, kt, t, KTSNAP_NO_CPU, "inner_ptr.a"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
    }
  }
}

TEST_F(ViewEntryTest, PointerChainsStopAfterSeventeen) {
  const ktsnap_map* deep = map_of(r_.get(), "vw_deep");
  ktsnap_value v = get(deep, 0, KTSNAP_NO_CPU, "");
  EXPECT_EQ(u64(v, "p17.val"), 17u);  // 17 pointers, then the struct
  EXPECT_EQ(u64(v, "p17"), kChain17 + 0x10);
  ktsnap_value w{};
  Info e = VIEW_FAIL(ktsnap_value_walk(&w, &v, "p18.val"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  EXPECT_EQ(e.walked, "p18");
  EXPECT_EQ(e.component, "val");
  EXPECT_EQ(e.actual, "Ptr");  // still a pointer after 17 steps
  e = VIEW_FAIL(ktsnap_entry_get(&w, deep, 0, KTSNAP_NO_CPU, "p18.next"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  EXPECT_EQ(e.requested, "p18.next");
}

TEST_F(ViewEntryTest, ArraysBehindPointersAndTargetsCapturedShort) {
  const ktsnap_map* deep = map_of(r_.get(), "vw_deep");
  ktsnap_value v = get(deep, 0, KTSNAP_NO_CPU, "");
  // Array reads follow the pointer; the leaf pointer itself reads as its address.
  uint64_t a[4] = {};
  size_t n = 0;
  VIEW_OK(ktsnap_value_read_u64_array(a, 4, &n, &v, "parr"));
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(std::vector<uint64_t>(a, a + 4), (std::vector<uint64_t>{5, 6, 7, 8}));
  EXPECT_EQ(u64(v, "parr"), kArr);
  ktsnap_value w{};
  Info e = VIEW_FAIL(ktsnap_value_walk(&w, &v, "parr.x"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  EXPECT_EQ(e.actual, "Array");
  // A target captured short: the elements that are wholly present (spec/views.md §2.4).
  uint64_t s[4] = {};
  VIEW_OK(ktsnap_value_read_u64_array(s, 4, &n, &v, "pshort"));
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(s[0], 9u);
  EXPECT_EQ(s[1], 10u);
  // A struct captured short: present members read, a member cut short is "Truncated".
  EXPECT_EQ(u64(v, "pnode_short.val"), 44u);
  uint64_t x = 0;
  e = VIEW_FAIL(ktsnap_value_read_u64(&x, &v, "pnode_short.next"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(e.actual, "Truncated");
  EXPECT_EQ(e.requested, "pnode_short.next");
  e = VIEW_FAIL(ktsnap_value_walk(&w, &v, "pnode_short.next.val"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  EXPECT_EQ(e.walked, "pnode_short.next");
  EXPECT_EQ(e.actual, "Truncated");
}

TEST_F(ViewEntryTest, FieldNotFoundListsTheMembersInDeclarationOrder) {
  ktsnap_value t0 = task(0), w{};
  const Views& v = views();
  Info e = VIEW_FAIL(ktsnap_value_walk(&w, &t0, "inner.zz"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_FIELD_NOT_FOUND);
  EXPECT_EQ(e.requested, "inner.zz");
  EXPECT_EQ(e.walked, "inner");
  EXPECT_EQ(e.component, "zz");
  EXPECT_EQ(e.alternatives, v.btf.flat_member_names(v.inner));
  EXPECT_EQ(e.alternatives, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(contains(e.json, "\"walked\":\"inner\"")) << e.json;
  e = VIEW_FAIL(ktsnap_entry_get(&w, tasks_, 0, KTSNAP_NO_CPU, "wieght"), KTSNAP_E_NOTFOUND,
                KTSNAP_ERROR_FIELD_NOT_FOUND);
  EXPECT_EQ(e.walked, "");
  EXPECT_EQ(e.alternatives, v.btf.flat_member_names(v.task));
  // The first failing component wins over a later empty one.
  e = VIEW_FAIL(ktsnap_value_walk(&w, &t0, "nope..x"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_FIELD_NOT_FOUND);
  EXPECT_EQ(e.component, "nope");
  // Through a pointer: the members of the struct pointed to.
  e = VIEW_FAIL(ktsnap_value_walk(&w, &t0, "head.next.vall"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_FIELD_NOT_FOUND);
  EXPECT_EQ(e.walked, "head.next");
  EXPECT_EQ(e.alternatives, v.btf.flat_member_names(v.node));
  // Anonymous struct and union members are flattened (kinds kt_task_ctx).
  const Kinds& k = kinds();
  const ktsnap_map* kt = map_of(k.report.get(), "kt_tasks");
  e = VIEW_FAIL(ktsnap_entry_get(&w, kt, 0, KTSNAP_NO_CPU, "wieght"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_FIELD_NOT_FOUND);
  std::vector<std::string> flat = k.btf.flat_member_names(k.task);
  EXPECT_EQ(e.alternatives, flat);
  EXPECT_NE(std::find(flat.begin(), flat.end(), "lo16"), flat.end());
  for (uint32_t t : {1u, 5u}) {
    TaskExpect x = task_expect(t);
    ktsnap_value tv = get(kt, t, KTSNAP_NO_CPU, "");
    EXPECT_EQ(u64(tv, "weight"), x.weight);
    EXPECT_EQ(u64(tv, "lo16"), x.lo16);
    EXPECT_EQ(u64(tv, "hi16"), x.hi16);
    EXPECT_EQ(u64(tv, "raw"), uint64_t(x.lo16) | uint64_t(x.hi16) << 16);
    EXPECT_EQ(i64(tv, "inner.b"), x.inner_b);
    EXPECT_EQ(i64(tv, "bits.sv"), x.bits_sv);
  }
}

TEST_F(ViewEntryTest, NotAStructNamesTheKindFound) {
  ktsnap_value t0 = task(0), w{};
  struct Case {
    const char* path;
    const char* walked;
    const char* actual;
  } cases[] = {{"pid.x", "pid", "Uint"},    {"prio.x", "prio", "Int"},       {"util.x", "util", "Float"},
               {"flag.x", "flag", "Enum"},  {"on_cpu.x", "on_cpu", "Bool"},  {"comm.x", "comm", "Array"},
               {"hist.x", "hist", "Array"}, {"inner.a.x", "inner.a", "Uint"}};
  for (const Case& c : cases) {
    Info e = VIEW_FAIL(ktsnap_value_walk(&w, &t0, c.path), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
    EXPECT_EQ(e.requested, c.path);
    EXPECT_EQ(e.walked, c.walked) << c.path;
    EXPECT_EQ(e.component, "x") << c.path;
    EXPECT_EQ(e.actual, c.actual) << c.path;
    EXPECT_TRUE(contains(e.json, std::string("\"kind\":\"") + c.actual + "\"")) << e.json;
  }
  // No numeric indexing in the view walker (ktsnap_value_get takes [i]).
  Info e = VIEW_FAIL(ktsnap_value_walk(&w, &t0, "hist.0"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  EXPECT_EQ(e.actual, "Array");
  ASSERT_OK(ktsnap_value_get(&w, &t0, "hist[1]"));
  EXPECT_EQ(plain_u64(w), vw_task_data(0).hist[1]);
}

TEST_F(ViewEntryTest, EmptyPathComponents) {
  ktsnap_value t0 = task(0), w{};
  for (const char* p : {"inner..a", ".inner", "inner.", ".", ".."}) {
    Info e = VIEW_FAIL(ktsnap_value_walk(&w, &t0, p), KTSNAP_E_INVALID, KTSNAP_ERROR_EMPTY_PATH_COMPONENT);
    EXPECT_EQ(e.requested, p);
    e = VIEW_FAIL(ktsnap_entry_get(&w, tasks_, 0, KTSNAP_NO_CPU, p), KTSNAP_E_INVALID,
                  KTSNAP_ERROR_EMPTY_PATH_COMPONENT);
    EXPECT_EQ(e.requested, p);
    uint64_t x = 0;
    VIEW_FAIL(ktsnap_value_read_u64(&x, &t0, p), KTSNAP_E_INVALID, KTSNAP_ERROR_EMPTY_PATH_COMPONENT);
  }
}

TEST_F(ViewEntryTest, ScalarReadsFollowTheViewRules) {
  for (uint32_t i = 0; i < kVwTasks; i++) {
    SCOPED_TRACE(i);
    VwTask x = vw_task_data(i);
    ktsnap_value t = task(i);
    EXPECT_EQ(u64(t, "pid"), x.pid);
    EXPECT_EQ(u64(t, "runtime"), x.runtime);
    EXPECT_EQ(i64(t, "prio"), x.prio);
    EXPECT_EQ(i64(t, "lag"), x.lag);
    EXPECT_EQ(i64(t, "pid"), int64_t(x.pid));
    EXPECT_TRUE(same_f64(f64(t, "util"), x.util));
    EXPECT_EQ(f64(t, "ratio"), double(x.ratio));
    EXPECT_EQ(f64(t, "prio"), double(x.prio));
    EXPECT_EQ(f64(t, "runtime"), double(x.runtime));
    EXPECT_EQ(boolean(t, "on_cpu"), x.on_cpu != 0);
    EXPECT_EQ(u64(t, "on_cpu"), uint64_t(x.on_cpu));
    EXPECT_EQ(boolean(t, "prio"), x.prio != 0);
    EXPECT_EQ(u64(t, "inner.a"), x.inner_a);
    // Enums: the unsigned one keeps its top bit positive everywhere; the
    // signed one is negative for i64 and f64 and refused as u64.
    EXPECT_EQ(u64(t, "flag"), uint64_t(x.flag));
    EXPECT_EQ(i64(t, "flag"), int64_t(x.flag));
    EXPECT_EQ(f64(t, "flag"), double(x.flag));
    EXPECT_EQ(str(t, "flag"), variant(views().flag, x.flag));
    EXPECT_EQ(i64(t, "sgn"), x.sgn);
    EXPECT_EQ(f64(t, "sgn"), double(x.sgn));
    EXPECT_EQ(boolean(t, "sgn"), x.sgn != 0);
    EXPECT_EQ(str(t, "sgn"), variant(views().sgn, x.sgn));
    uint64_t u = 7;
    if (x.sgn < 0) {
      Info e = VIEW_FAIL(ktsnap_value_read_u64(&u, &t, "sgn"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
      EXPECT_EQ(e.actual, "Enum(signed-negative)");
      EXPECT_EQ(u, 0u);  // zeroed on failure
    } else {
      EXPECT_EQ(u64(t, "sgn"), uint64_t(x.sgn));
    }
    if (x.prio < 0) {
      Info e = VIEW_FAIL(ktsnap_value_read_u64(&u, &t, "prio"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
      EXPECT_EQ(e.expected, "u64");
      EXPECT_EQ(e.actual, "Int(negative)");
      EXPECT_EQ(e.requested, "prio");
    } else {
      EXPECT_EQ(u64(t, "prio"), uint64_t(x.prio));
    }
    if (x.big > uint64_t(INT64_MAX)) {
      int64_t s = 0;
      Info e = VIEW_FAIL(ktsnap_value_read_i64(&s, &t, "big"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
      EXPECT_EQ(e.expected, "i64");
      EXPECT_EQ(e.actual, "Uint(>i64::MAX)");
      EXPECT_EQ(u64(t, "big"), x.big);
    } else {
      EXPECT_EQ(i64(t, "big"), int64_t(x.big));
    }
  }
  ktsnap_value t0 = task(0);
  // Kinds that never convert: the actual kind is named.
  struct Bad {
    const char* path;
    int which;  // 0 u64, 1 i64, 2 f64, 3 bool, 4 str
    const char* expected_prefix;
    const char* actual;
  } bad[] = {{"util", 0, "u64", "Float"},  {"comm", 0, "u64", "Array"},    {"inner", 0, "u64", "Struct"},
             {"util", 1, "i64", "Float"},  {"on_cpu", 2, "f64", "Bool"},   {"inner", 2, "f64", "Struct"},
             {"util", 3, "bool", "Float"}, {"inner", 3, "bool", "Struct"}, {"pid", 4, "str", "Uint"},
             {"comm", 4, "str", "Array"}};
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.path);
    uint64_t u = 0;
    int64_t s = 0;
    double d = 0;
    bool x = false;
    const char* c = reinterpret_cast<const char*>(0x1);
    ktsnap_status st = b.which == 0   ? ktsnap_value_read_u64(&u, &t0, b.path)
                       : b.which == 1 ? ktsnap_value_read_i64(&s, &t0, b.path)
                       : b.which == 2 ? ktsnap_value_read_f64(&d, &t0, b.path)
                       : b.which == 3 ? ktsnap_value_read_bool(&x, &t0, b.path)
                                      : ktsnap_value_read_str(&c, &t0, b.path);
    Info e = expect_fail(st, KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH, b.path);
    EXPECT_EQ(e.expected.rfind(b.expected_prefix, 0), 0u) << e.expected;
    EXPECT_EQ(e.actual, b.actual);
    EXPECT_EQ(e.requested, b.path);
    if (b.which == 4) {
      EXPECT_EQ(c, nullptr);
    }
  }
  // NULL and "" are the value itself.
  ktsnap_value pid{};
  VIEW_OK(ktsnap_value_walk(&pid, &t0, "pid"));
  uint64_t u = 0;
  VIEW_OK(ktsnap_value_read_u64(&u, &pid, nullptr));
  EXPECT_EQ(u, 100u);
  VIEW_OK(ktsnap_value_read_u64(&u, &pid, ""));
  EXPECT_EQ(u, 100u);
  // A walk error comes out of a read unchanged.
  Info e = VIEW_FAIL(ktsnap_value_read_u64(&u, &t0, "inner.zz"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_FIELD_NOT_FOUND);
  EXPECT_EQ(e.component, "zz");
}

TEST_F(ViewEntryTest, EightByteUnsignedEnumWithTheTopBitSet) {
  const Kinds& k = kinds();
  CBuilder b;
  int32_t bi = b.btf(k.btf.blob());
  ktsnap_map_desc d = KTSNAP_MAP_DESC_INIT;
  d.name = "e64";
  d.map_type = kArray;
  d.key_size = 4;
  d.value_size = 8;
  d.max_entries = 1;
  d.btf_index = bi;
  d.value_type_id = k.e64;
  const uint64_t bits = 0x8000000000000005ull;
  b.map(d, std::vector<uint8_t>(4, 0), bytes_of(bits));
  ReportPtr r = b.finish();
  ktsnap_value v = get(map_of(r.get(), "e64"), 0, KTSNAP_NO_CPU, "");
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_ENUM);
  EXPECT_EQ(u64(v, ""), bits);  // the bit pattern
  EXPECT_EQ(i64(v, ""), static_cast<int64_t>(bits));
  EXPECT_LT(f64(v, ""), 0.0);
  EXPECT_TRUE(boolean(v, ""));
  const char* s = nullptr;
  Info e = VIEW_FAIL(ktsnap_value_read_str(&s, &v, ""), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(e.actual, "Enum");  // no variant has that value
}

TEST_F(ViewEntryTest, ArrayReads) {
  for (uint32_t i : {0u, 3u, 9u}) {
    SCOPED_TRACE(i);
    VwTask x = vw_task_data(i);
    ktsnap_value t = task(i);
    uint64_t hist[4] = {};
    size_t n = 0;
    VIEW_OK(ktsnap_value_read_u64_array(hist, 4, &n, &t, "hist"));
    EXPECT_EQ(n, 4u);
    for (int j = 0; j < 4; j++) EXPECT_EQ(hist[j], x.hist[j]);
    uint32_t h32[4] = {};
    if (x.hist[3] > UINT32_MAX) {
      Info e =
          VIEW_FAIL(ktsnap_value_read_u32_array(h32, 4, &n, &t, "hist"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
      EXPECT_EQ(e.expected, "[u32]");
      EXPECT_EQ(e.actual.rfind("Array[3]", 0), 0u) << e.actual;
    } else {
      VIEW_OK(ktsnap_value_read_u32_array(h32, 4, &n, &t, "hist"));
      for (int j = 0; j < 4; j++) EXPECT_EQ(h32[j], x.hist[j]);
    }
    int64_t deltas[3] = {};
    VIEW_OK(ktsnap_value_read_i64_array(deltas, 3, &n, &t, "deltas"));
    EXPECT_EQ(n, 3u);
    for (int j = 0; j < 3; j++) EXPECT_EQ(deltas[j], x.deltas[j]);
    // u64 of deltas: the first negative element fails the call.
    uint64_t ud[3] = {};
    int first_neg = -1;
    for (int j = 0; j < 3 && first_neg < 0; j++)
      if (x.deltas[j] < 0) first_neg = j;
    if (first_neg >= 0) {
      Info e =
          VIEW_FAIL(ktsnap_value_read_u64_array(ud, 3, &n, &t, "deltas"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
      EXPECT_EQ(e.expected, "[u64]");
      EXPECT_EQ(e.actual.rfind("Array[" + std::to_string(first_neg) + "]", 0), 0u) << e.actual;
    }
    double loads[3] = {};
    VIEW_OK(ktsnap_value_read_f64_array(loads, 3, &n, &t, "loads"));
    for (int j = 0; j < 3; j++) EXPECT_EQ(loads[j], x.loads[j]);
    bool bools[3] = {};
    VIEW_OK(ktsnap_value_read_bool_array(bools, 3, &n, &t, "bools"));
    for (int j = 0; j < 3; j++) EXPECT_EQ(bools[j], x.bools[j] != 0);
    // Chars read as numbers.
    uint64_t comm[16] = {};
    VIEW_OK(ktsnap_value_read_u64_array(comm, 16, &n, &t, "comm"));
    EXPECT_EQ(n, 16u);
    for (int j = 0; j < 16; j++) EXPECT_EQ(comm[j], uint64_t(static_cast<unsigned char>(x.comm[j])));
  }
  ktsnap_value t9 = task(9);
  // Too small: KTSNAP_E_RANGE, the length, the first `cap` written.
  uint64_t two[3] = {0, 0, 0xabc};
  size_t n = 0;
  PLAIN_FAIL(ktsnap_value_read_u64_array(two, 2, &n, &t9, "hist"), KTSNAP_E_RANGE, "");
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(two[0], 9u);
  EXPECT_EQ(two[1], 18u);
  EXPECT_EQ(two[2], 0xabcu);
  n = 0;
  PLAIN_FAIL(ktsnap_value_read_u64_array(nullptr, 0, &n, &t9, "hist"), KTSNAP_E_RANGE, "");
  EXPECT_EQ(n, 4u);
  // Not an array.
  Info e = VIEW_FAIL(ktsnap_value_read_u64_array(two, 2, &n, &t9, "pid"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(e.expected, "[u64]");
  EXPECT_EQ(e.actual, "Uint");
  e = VIEW_FAIL(ktsnap_value_read_f64_array(nullptr, 0, &n, &t9, "inner"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(e.expected, "[f64]");
  EXPECT_EQ(e.actual, "Struct");
  // Element kinds that do not convert.
  bool bs[3];
  e = VIEW_FAIL(ktsnap_value_read_bool_array(bs, 3, &n, &t9, "loads"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(e.expected, "[bool]");
  EXPECT_EQ(e.actual.rfind("Array[0]", 0), 0u) << e.actual;
  int64_t is[4];
  e = VIEW_FAIL(ktsnap_value_read_i64_array(is, 4, &n, &t9, "hist"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(e.actual.rfind("Array[3]", 0), 0u) << e.actual;  // UINT64_MAX is not an i64
  // Walk errors pass through.
  VIEW_FAIL(ktsnap_value_read_u64_array(two, 2, &n, &t9, "histo"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_FIELD_NOT_FOUND);
}

TEST_F(ViewEntryTest, EntryPositionsAndShapes) {
  ktsnap_value v{};
  // Hash-style maps: positions 0..count-1.
  EXPECT_EQ(ktsnap_map_entry_count(tasks_), kVwTasks);
  Info e = VIEW_FAIL(ktsnap_entry_get(&v, tasks_, kVwTasks, KTSNAP_NO_CPU, "pid"), KTSNAP_E_RANGE,
                     KTSNAP_ERROR_INDEX_OUT_OF_RANGE);
  EXPECT_EQ(e.map, "vw_tasks");
  EXPECT_EQ(e.index, kVwTasks);
  EXPECT_EQ(e.len, kVwTasks);
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_INVALID);
  e = VIEW_FAIL(ktsnap_entry_get(&v, tasks_, UINT64_MAX, KTSNAP_NO_CPU, ""), KTSNAP_E_RANGE,
                KTSNAP_ERROR_INDEX_OUT_OF_RANGE);
  EXPECT_EQ(e.index, UINT64_MAX);
  // A map with no entries, and one that failed to read.
  e = VIEW_FAIL(ktsnap_entry_get(&v, map_of(r_.get(), "vw_empty"), 0, KTSNAP_NO_CPU, ""), KTSNAP_E_RANGE,
                KTSNAP_ERROR_INDEX_OUT_OF_RANGE);
  EXPECT_EQ(e.len, 0u);
  const ktsnap_map* broken = map_of(r_.get(), "vw_broken");
  e = VIEW_FAIL(ktsnap_entry_get(&v, broken, 0, KTSNAP_NO_CPU, ""), KTSNAP_E_IO, KTSNAP_ERROR_MAP_RENDER_INCOMPLETE);
  EXPECT_EQ(e.map, "vw_broken");
  EXPECT_EQ(e.reason, "lookup failed: EIO");
  EXPECT_TRUE(contains(e.json, "lookup failed: EIO")) << e.json;
  // Render failure is checked before the position.
  VIEW_FAIL(ktsnap_entry_get(&v, broken, 5, KTSNAP_NO_CPU, "x..y"), KTSNAP_E_IO, KTSNAP_ERROR_MAP_RENDER_INCOMPLETE);
  VIEW_FAIL(ktsnap_entry_key(&v, broken, 0, ""), KTSNAP_E_IO, KTSNAP_ERROR_MAP_RENDER_INCOMPLETE);
  // The position is checked before the walk.
  VIEW_FAIL(ktsnap_entry_get(&v, tasks_, 99, KTSNAP_NO_CPU, "x..y"), KTSNAP_E_RANGE, KTSNAP_ERROR_INDEX_OUT_OF_RANGE);
  // Single-value maps: position 0 only.
  const ktsnap_map* deep = map_of(r_.get(), "vw_deep");
  e = VIEW_FAIL(ktsnap_entry_get(&v, deep, 1, KTSNAP_NO_CPU, ""), KTSNAP_E_RANGE, KTSNAP_ERROR_INDEX_OUT_OF_RANGE);
  EXPECT_EQ(e.len, 1u);
  ReportPtr two = two_sched();
  const ktsnap_map* bss = map_of(two.get(), "sched_b.bss");
  VIEW_OK(ktsnap_entry_get(&v, bss, 0, KTSNAP_NO_CPU, ""));
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_DATASEC);
  EXPECT_EQ(u64(v, "kt_nr_events"), 20u);
  EXPECT_EQ(i64(v, "kt_bss_neg"), -2);
  e = VIEW_FAIL(ktsnap_entry_get(&v, bss, 1, KTSNAP_NO_CPU, ""), KTSNAP_E_RANGE, KTSNAP_ERROR_INDEX_OUT_OF_RANGE);
  EXPECT_EQ(e.len, 1u);
  EXPECT_EQ(e.map, "sched_b.bss");
  // An ARRAY of several entries is keyed by its index (kinds kt_array: {2k, -k, k}).
  const ktsnap_map* arr = map_of(kinds().report.get(), "kt_array");
  for (uint32_t k = 0; k < ktsnap_map_entry_count(arr); k++) {
    EXPECT_EQ(u64(get(arr, k, KTSNAP_NO_CPU, "a"), ""), 2u * k);
    EXPECT_EQ(i64(get(arr, k, KTSNAP_NO_CPU, "b"), ""), -int64_t(k));
    VIEW_OK(ktsnap_entry_key(&v, arr, k, ""));
    EXPECT_EQ(u64(v, ""), k);
  }
  // The CPU is ignored for maps that are not per-CPU.
  EXPECT_EQ(u64(get(tasks_, 4, 3, "pid"), ""), 104u);
  EXPECT_EQ(u64(get(tasks_, 4, 12345, "pid"), ""), 104u);
  // Keys.
  for (uint32_t i = 0; i < kVwTasks; i++) {
    VIEW_OK(ktsnap_entry_key(&v, tasks_, i, ""));
    EXPECT_EQ(u64(v, ""), vw_task_data(i).pid);
  }
  VIEW_FAIL(ktsnap_entry_key(&v, tasks_, kVwTasks, ""), KTSNAP_E_RANGE, KTSNAP_ERROR_INDEX_OUT_OF_RANGE);
  // A single value has no key side (spec/views.md §2.3 key()).
  e = VIEW_FAIL(ktsnap_entry_key(&v, bss, 0, ""), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(e.expected, "key");
  e = VIEW_FAIL(ktsnap_entry_key(&v, deep, 0, "a"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(e.requested, "a");
}

TEST_F(ViewEntryTest, PerCpuSlots) {
  const ktsnap_map* pc = map_of(r_.get(), "vw_pcpu");
  const ktsnap_map* ph = map_of(r_.get(), "vw_pcpu_hash");
  ktsnap_value v{};
  for (uint32_t e = 0; e < kVwPcpuEntries; e++) {
    for (uint32_t c = 0; c < kVwCpus; c++) {
      SCOPED_TRACE(std::to_string(e) + "/" + std::to_string(c));
      if (is_absent(vw_pcpu_absent(), e, c)) {
        // A slot that was not captured: unmapped, never zero.
        Info i = VIEW_FAIL(ktsnap_entry_get(&v, pc, e, c, "cnt"), KTSNAP_E_RANGE, KTSNAP_ERROR_PERCPU_SLOT);
        EXPECT_EQ(i.map, "vw_pcpu");
        EXPECT_EQ(i.cpu, c);
        EXPECT_EQ(i.len, kVwCpus);
        EXPECT_EQ(i.unmapped, 1u);
        EXPECT_TRUE(contains(i.json, "\"unmapped\":true")) << i.json;
        continue;
      }
      VwPcpu p = vw_pcpu_data(e, c);
      ktsnap_value slot = get(pc, e, c, "");
      EXPECT_EQ(u64(slot, "cnt"), p.cnt);
      EXPECT_EQ(i64(slot, "delta"), p.delta);
      EXPECT_EQ(f64(slot, "lat"), p.lat);
      EXPECT_EQ(i64(slot, "neg"), p.neg);
    }
    // The key of a per-CPU array entry is its index.
    VIEW_OK(ktsnap_entry_key(&v, pc, e, ""));
    EXPECT_EQ(u64(v, ""), e);
  }
  // ... a number, not a struct.
  Info k = VIEW_FAIL(ktsnap_entry_key(&v, pc, 1, "x"), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(k.expected, "Struct");
  EXPECT_EQ(k.requested, "x");
  // A CPU past the slots.
  Info i = VIEW_FAIL(ktsnap_entry_get(&v, pc, 0, kVwCpus, "cnt"), KTSNAP_E_RANGE, KTSNAP_ERROR_PERCPU_SLOT);
  EXPECT_EQ(i.cpu, kVwCpus);
  EXPECT_EQ(i.len, kVwCpus);
  EXPECT_EQ(i.unmapped, 0u);
  EXPECT_TRUE(contains(i.json, "\"unmapped\":false")) << i.json;
  i = VIEW_FAIL(ktsnap_entry_get(&v, pc, 0, UINT32_MAX - 1, ""), KTSNAP_E_RANGE, KTSNAP_ERROR_PERCPU_SLOT);
  EXPECT_EQ(i.cpu, UINT32_MAX - 1);
  // Not narrowed: any path, even "".
  for (const char* p : {"", "cnt", "nope"}) {
    i = VIEW_FAIL(ktsnap_entry_get(&v, pc, 1, KTSNAP_NO_CPU, p), KTSNAP_E_INVALID, KTSNAP_ERROR_PERCPU_NOT_NARROWED);
    EXPECT_EQ(i.map, "vw_pcpu");
  }
  i = VIEW_FAIL(ktsnap_entry_get(&v, ph, 0, KTSNAP_NO_CPU, "cnt"), KTSNAP_E_INVALID, KTSNAP_ERROR_PERCPU_NOT_NARROWED);
  EXPECT_EQ(i.map, "vw_pcpu_hash");
  // Check order: position, then slot, then narrowing, then the walk.
  VIEW_FAIL(ktsnap_entry_get(&v, pc, kVwPcpuEntries, 2, "x..y"), KTSNAP_E_RANGE, KTSNAP_ERROR_INDEX_OUT_OF_RANGE);
  VIEW_FAIL(ktsnap_entry_get(&v, pc, 1, 2, "x..y"), KTSNAP_E_RANGE, KTSNAP_ERROR_PERCPU_SLOT);
  VIEW_FAIL(ktsnap_entry_get(&v, pc, 1, 1, "cnt..y"), KTSNAP_E_INVALID, KTSNAP_ERROR_EMPTY_PATH_COMPONENT);
  // The per-CPU hash: typed keys, absent slots.
  for (uint32_t e = 0; e < kVwPcpuHashEntries; e++) {
    VwKey key = vw_hash_key(e);
    VIEW_OK(ktsnap_entry_key(&v, ph, e, "id"));
    EXPECT_EQ(u64(v, ""), key.id);
    VIEW_OK(ktsnap_entry_key(&v, ph, e, ""));
    EXPECT_EQ(u64(v, "cpu"), key.cpu);
    for (uint32_t c = 0; c < kVwCpus; c++) {
      if (is_absent(vw_pcpu_hash_absent(), e, c)) {
        i = VIEW_FAIL(ktsnap_entry_get(&v, ph, e, c, "cnt"), KTSNAP_E_RANGE, KTSNAP_ERROR_PERCPU_SLOT);
        EXPECT_EQ(i.unmapped, 1u);
      } else {
        EXPECT_EQ(u64(get(ph, e, c, "cnt"), ""), vw_pcpu_data(e, c).cnt);
      }
    }
  }
  i = VIEW_FAIL(ktsnap_entry_key(&v, ph, 0, "cpuu"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_FIELD_NOT_FOUND);
  EXPECT_EQ(i.alternatives, (std::vector<std::string>{"cpu", "id"}));
}

TEST_F(ViewEntryTest, MapsWithoutBtfHaveNoRenderedSide) {
  const ktsnap_map* raw = map_of(r_.get(), "vw_raw");
  ktsnap_value v{};
  Info e = VIEW_FAIL(ktsnap_entry_get(&v, raw, 0, KTSNAP_NO_CPU, ""), KTSNAP_E_UNSUPPORTED, KTSNAP_ERROR_NO_RENDERED);
  EXPECT_EQ(e.map, "vw_raw");
  EXPECT_EQ(e.component, "value");
  EXPECT_TRUE(contains(e.json, "\"side\":\"value\"")) << e.json;
  e = VIEW_FAIL(ktsnap_entry_key(&v, raw, 0, ""), KTSNAP_E_UNSUPPORTED, KTSNAP_ERROR_NO_RENDERED);
  EXPECT_EQ(e.component, "key");
  EXPECT_EQ(e.map, "vw_raw");
  VIEW_FAIL(ktsnap_entry_key(&v, raw, 0, "a.b"), KTSNAP_E_UNSUPPORTED, KTSNAP_ERROR_NO_RENDERED);
  // A typed value beside an untyped key (scx_per_task): the value walks, the key does not.
  ReportPtr two = two_sched();
  const ktsnap_map* per_task = map_of(two.get(), "scx_per_task");
  VIEW_OK(ktsnap_entry_get(&v, per_task, 1, KTSNAP_NO_CPU, "a"));
  EXPECT_EQ(u64(v, ""), 5u);
  e = VIEW_FAIL(ktsnap_entry_key(&v, per_task, 1, ""), KTSNAP_E_UNSUPPORTED, KTSNAP_ERROR_NO_RENDERED);
  EXPECT_EQ(e.map, "scx_per_task");
  EXPECT_EQ(e.component, "key");
}

TEST(ViewAggregate, OneEntryAggregates) {
  ReportPtr r = agg_report();
  ASSERT_TRUE(r);
  const ktsnap_map* mu = map_of(r.get(), "agg_u64");
  const ktsnap_map* mi = map_of(r.get(), "agg_i64");
  const ktsnap_map* mf = map_of(r.get(), "agg_f64");
  const ktsnap_map* mh = map_of(r.get(), "agg_hash");
  for (uint32_t op : {KTSNAP_AGG_SUM, KTSNAP_AGG_MAX, KTSNAP_AGG_MIN}) {
    for (uint32_t e = 0; e < agg_u64_slots().size(); e++) {
      SCOPED_TRACE("u64 op " + std::to_string(op) + " entry " + std::to_string(e));
      // The slots as the plain value layer reads them, absent ones skipped.
      std::vector<std::optional<uint64_t>> seen;
      for (uint32_t c = 0; c < kAggCpus; c++) {
        if (!ktsnap_map_slot_present(mu, e, c)) {
          seen.emplace_back();
          continue;
        }
        ktsnap_value v{};
        EXPECT_EQ(ktsnap_map_percpu_value(&v, mu, e, c), KTSNAP_OK);
        seen.emplace_back(plain_u64(v));
      }
      EXPECT_EQ(seen, agg_u64_slots()[e]);
      auto want = ref_agg_u64(seen, op);
      for (const ktsnap_map* m : {mu, mh}) {
        uint64_t got = 123;
        if (want) {
          VIEW_OK(ktsnap_entry_cpu_agg_u64(&got, m, e, "", op));
          EXPECT_EQ(got, *want);
        } else {
          Info i = VIEW_FAIL(ktsnap_entry_cpu_agg_u64(&got, m, e, "", op), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
          EXPECT_EQ(got, 0u);
          EXPECT_EQ(i.map, ktsnap_map_name(m));
          EXPECT_EQ(i.len, 0u);
          EXPECT_TRUE(i.sample_keys.empty());
          EXPECT_FALSE(i.requested.empty());  // the operation
          EXPECT_EQ(i.hint, "");
        }
      }
    }
    for (uint32_t e = 0; e < agg_i64_slots().size(); e++) {
      SCOPED_TRACE("i64 op " + std::to_string(op) + " entry " + std::to_string(e));
      auto want = ref_agg_i64(agg_i64_slots()[e], op);
      int64_t got = 123;
      if (want) {
        VIEW_OK(ktsnap_entry_cpu_agg_i64(&got, mi, e, "", op));
        EXPECT_EQ(got, *want);
      } else {
        VIEW_FAIL(ktsnap_entry_cpu_agg_i64(&got, mi, e, "", op), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
      }
    }
    for (uint32_t e = 0; e < agg_f64_slots().size(); e++) {
      SCOPED_TRACE("f64 op " + std::to_string(op) + " entry " + std::to_string(e));
      auto want = ref_agg_f64(agg_f64_slots()[e], op);
      double got = 123;
      if (want) {
        VIEW_OK(ktsnap_entry_cpu_agg_f64(&got, mf, e, "", op));
        EXPECT_TRUE(same_f64(got, *want)) << got << " vs " << *want;
      } else {
        VIEW_FAIL(ktsnap_entry_cpu_agg_f64(&got, mf, e, "", op), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
      }
    }
  }
  // The documented edge cases, spelled out.
  uint64_t u = 0;
  VIEW_OK(ktsnap_entry_cpu_agg_u64(&u, mu, 0, "", KTSNAP_AGG_SUM));
  EXPECT_EQ(u, UINT64_MAX);  // saturates
  VIEW_OK(ktsnap_entry_cpu_agg_u64(&u, mu, 2, "", KTSNAP_AGG_SUM));
  EXPECT_EQ(u, 0u);  // readable zeros sum to 0
  int64_t s = 0;
  VIEW_OK(ktsnap_entry_cpu_agg_i64(&s, mi, 0, "", KTSNAP_AGG_SUM));
  EXPECT_EQ(s, INT64_MAX - 3);  // saturated at the second slot, then -3
  VIEW_OK(ktsnap_entry_cpu_agg_i64(&s, mi, 1, "", KTSNAP_AGG_SUM));
  EXPECT_EQ(s, INT64_MIN + 2);
  double d = 0;
  VIEW_OK(ktsnap_entry_cpu_agg_f64(&d, mf, 0, "", KTSNAP_AGG_SUM));
  EXPECT_TRUE(std::isnan(d));  // NaN spreads through a sum
  VIEW_OK(ktsnap_entry_cpu_agg_f64(&d, mf, 0, "", KTSNAP_AGG_MAX));
  EXPECT_EQ(d, 3.0);  // max/min ignore NaN
  VIEW_OK(ktsnap_entry_cpu_agg_f64(&d, mf, 0, "", KTSNAP_AGG_MIN));
  EXPECT_EQ(d, 1.0);
  VIEW_OK(ktsnap_entry_cpu_agg_f64(&d, mf, 1, "", KTSNAP_AGG_MAX));
  EXPECT_TRUE(std::isnan(d));  // unless every slot is NaN
  VIEW_OK(ktsnap_entry_cpu_agg_f64(&d, mf, 2, "", KTSNAP_AGG_MIN));
  EXPECT_EQ(d, 2.0);  // a NaN seed gives way
  VIEW_OK(ktsnap_entry_cpu_agg_f64(&d, mu, 1, "", KTSNAP_AGG_SUM));
  EXPECT_EQ(d, 6.0);  // integers widen to f64
}

TEST(ViewAggregate, OneEntryErrors) {
  ReportPtr r = agg_report();
  const ktsnap_map* mu = map_of(r.get(), "agg_u64");
  const ktsnap_map* mi = map_of(r.get(), "agg_i64");
  const ktsnap_map* mf = map_of(r.get(), "agg_f64");
  uint64_t u = 0;
  int64_t s = 0;
  // A slot that does not convert fails the call with its error.
  Info i =
      VIEW_FAIL(ktsnap_entry_cpu_agg_u64(&u, mi, 0, "", KTSNAP_AGG_SUM), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(i.actual, "Int(negative)");
  i = VIEW_FAIL(ktsnap_entry_cpu_agg_u64(&u, mf, 0, "", KTSNAP_AGG_MAX), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(i.actual, "Float");
  i = VIEW_FAIL(ktsnap_entry_cpu_agg_i64(&s, mu, 0, "", KTSNAP_AGG_MIN), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(i.actual, "Uint(>i64::MAX)");
  // Walk errors.
  VIEW_FAIL(ktsnap_entry_cpu_agg_u64(&u, mu, 0, "x", KTSNAP_AGG_SUM), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  ReportPtr v = views_report();
  const ktsnap_map* pc = map_of(v.get(), "vw_pcpu");
  VIEW_FAIL(ktsnap_entry_cpu_agg_u64(&u, pc, 0, "cnnt", KTSNAP_AGG_SUM), KTSNAP_E_NOTFOUND,
            KTSNAP_ERROR_FIELD_NOT_FOUND);
  // The views per-CPU array: a member of a struct slot, absent slots skipped.
  for (uint32_t e = 0; e < kVwPcpuEntries; e++) {
    std::vector<std::optional<uint64_t>> cnt;
    std::vector<std::optional<int64_t>> neg;
    for (uint32_t c = 0; c < kVwCpus; c++) {
      bool absent = is_absent(vw_pcpu_absent(), e, c);
      cnt.push_back(absent ? std::nullopt : std::optional<uint64_t>(vw_pcpu_data(e, c).cnt));
      neg.push_back(absent ? std::nullopt : std::optional<int64_t>(vw_pcpu_data(e, c).neg));
    }
    auto want = ref_agg_u64(cnt, KTSNAP_AGG_SUM);
    if (want) {
      VIEW_OK(ktsnap_entry_cpu_agg_u64(&u, pc, e, "cnt", KTSNAP_AGG_SUM));
      EXPECT_EQ(u, *want);
      VIEW_OK(ktsnap_entry_cpu_agg_i64(&s, pc, e, "neg", KTSNAP_AGG_MIN));
      EXPECT_EQ(s, *ref_agg_i64(neg, KTSNAP_AGG_MIN));
      VIEW_FAIL(ktsnap_entry_cpu_agg_u64(&u, pc, e, "neg", KTSNAP_AGG_MAX), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
    } else {
      Info n = VIEW_FAIL(ktsnap_entry_cpu_agg_u64(&u, pc, e, "cnt", KTSNAP_AGG_SUM), KTSNAP_E_NOTFOUND,
                         KTSNAP_ERROR_NO_MATCH);
      EXPECT_EQ(n.map, "vw_pcpu");
    }
  }
  // Not a per-CPU map, a bad op, a bad position.
  const ktsnap_map* plain = map_of(r.get(), "agg_plain");
  EXPECT_EQ(ktsnap_entry_cpu_agg_u64(&u, plain, 0, "", KTSNAP_AGG_SUM), KTSNAP_E_TYPE);
  Info nt = info();
  EXPECT_EQ(nt.status, KTSNAP_E_TYPE);
  EXPECT_TRUE(nt.kind == KTSNAP_ERROR_NONE || nt.kind == KTSNAP_ERROR_TYPE_MISMATCH) << nt.kind_name;
  PLAIN_FAIL(ktsnap_entry_cpu_agg_u64(&u, mu, 0, "", 3), KTSNAP_E_INVALID, "");
  EXPECT_EQ(ktsnap_entry_cpu_agg_i64(&s, mi, 99, "", KTSNAP_AGG_SUM), KTSNAP_E_RANGE);
}

TEST(ViewEntryNull, NullArgumentsAndForeignValues) {
  ReportPtr r = views_report();
  const ktsnap_map* m = map_of(r.get(), "vw_tasks");
  const ktsnap_map* pc = map_of(r.get(), "vw_pcpu");
  ktsnap_value v{}, t{};
  ASSERT_OK(ktsnap_entry_get(&t, m, 0, KTSNAP_NO_CPU, ""));
  uint64_t u = 0;
  int64_t s = 0;
  double d = 0;
  bool b = false;
  const char* c = nullptr;
  size_t n = 0;
  NULL_ARG(ktsnap_value_walk(nullptr, &t, "pid"), "out");
  NULL_ARG(ktsnap_value_walk(&v, nullptr, "pid"), "value");
  NULL_ARG(ktsnap_value_walk(&v, &t, nullptr), "path");
  NULL_ARG(ktsnap_value_read_u64(nullptr, &t, "pid"), "out");
  NULL_ARG(ktsnap_value_read_u64(&u, nullptr, "pid"), "value");
  NULL_ARG(ktsnap_value_read_i64(nullptr, &t, "pid"), "out");
  NULL_ARG(ktsnap_value_read_i64(&s, nullptr, "pid"), "value");
  NULL_ARG(ktsnap_value_read_f64(nullptr, &t, "pid"), "out");
  NULL_ARG(ktsnap_value_read_f64(&d, nullptr, "pid"), "value");
  NULL_ARG(ktsnap_value_read_bool(nullptr, &t, "pid"), "out");
  NULL_ARG(ktsnap_value_read_bool(&b, nullptr, "pid"), "value");
  NULL_ARG(ktsnap_value_read_str(nullptr, &t, "flag"), "out");
  NULL_ARG(ktsnap_value_read_str(&c, nullptr, "flag"), "value");
  uint64_t ua[4];
  uint32_t u32a[4];
  int64_t ia[4];
  double da[4];
  bool ba[4];
  NULL_ARG(ktsnap_value_read_u64_array(ua, 4, nullptr, &t, "hist"), "count_out");
  NULL_ARG(ktsnap_value_read_u64_array(nullptr, 4, &n, &t, "hist"), "out");
  NULL_ARG(ktsnap_value_read_u64_array(ua, 4, &n, nullptr, "hist"), "value");
  NULL_ARG(ktsnap_value_read_u32_array(u32a, 4, nullptr, &t, "hist"), "count_out");
  NULL_ARG(ktsnap_value_read_u32_array(u32a, 4, &n, nullptr, "hist"), "value");
  NULL_ARG(ktsnap_value_read_i64_array(ia, 4, nullptr, &t, "hist"), "count_out");
  NULL_ARG(ktsnap_value_read_i64_array(ia, 4, &n, nullptr, "hist"), "value");
  NULL_ARG(ktsnap_value_read_f64_array(da, 4, nullptr, &t, "loads"), "count_out");
  NULL_ARG(ktsnap_value_read_f64_array(da, 4, &n, nullptr, "loads"), "value");
  NULL_ARG(ktsnap_value_read_bool_array(ba, 4, nullptr, &t, "bools"), "count_out");
  NULL_ARG(ktsnap_value_read_bool_array(ba, 4, &n, nullptr, "bools"), "value");
  NULL_ARG(ktsnap_entry_get(nullptr, m, 0, KTSNAP_NO_CPU, ""), "out");
  NULL_ARG(ktsnap_entry_get(&v, nullptr, 0, KTSNAP_NO_CPU, ""), "map");
  NULL_ARG(ktsnap_entry_get(&v, m, 0, KTSNAP_NO_CPU, nullptr), "path");
  NULL_ARG(ktsnap_entry_key(nullptr, m, 0, ""), "out");
  NULL_ARG(ktsnap_entry_key(&v, nullptr, 0, ""), "map");
  NULL_ARG(ktsnap_entry_key(&v, m, 0, nullptr), "path");
  NULL_ARG(ktsnap_entry_cpu_agg_u64(nullptr, pc, 0, "cnt", KTSNAP_AGG_SUM), "out");
  NULL_ARG(ktsnap_entry_cpu_agg_u64(&u, nullptr, 0, "cnt", KTSNAP_AGG_SUM), "map");
  NULL_ARG(ktsnap_entry_cpu_agg_u64(&u, pc, 0, nullptr, KTSNAP_AGG_SUM), "path");
  NULL_ARG(ktsnap_entry_cpu_agg_i64(nullptr, pc, 0, "cnt", KTSNAP_AGG_SUM), "out");
  NULL_ARG(ktsnap_entry_cpu_agg_i64(&s, nullptr, 0, "cnt", KTSNAP_AGG_SUM), "map");
  NULL_ARG(ktsnap_entry_cpu_agg_i64(&s, pc, 0, nullptr, KTSNAP_AGG_SUM), "path");
  NULL_ARG(ktsnap_entry_cpu_agg_f64(nullptr, pc, 0, "lat", KTSNAP_AGG_SUM), "out");
  NULL_ARG(ktsnap_entry_cpu_agg_f64(&d, nullptr, 0, "lat", KTSNAP_AGG_SUM), "map");
  NULL_ARG(ktsnap_entry_cpu_agg_f64(&d, pc, 0, nullptr, KTSNAP_AGG_SUM), "path");
}

// Zeroed and garbage cursors are refused, never followed. Run in a child
// process so that a crash is a test failure, not the end of the run.
namespace {
int bad_value_failures(const ktsnap_map* m, const ktsnap_value* const* bad, size_t nbad) {
  int failures = 0;
  for (size_t bi = 0; bi < nbad; bi++) {
    const ktsnap_value* b = bad[bi];
    ktsnap_value out{};
    uint64_t u = 0;
    int64_t s = 0;
    double d = 0;
    bool x = false;
    const char* c = nullptr;
    size_t n = 0;
    uint64_t arr[4];
    ktsnap_status st[] = {ktsnap_value_walk(&out, b, "pid"),
                          ktsnap_value_walk(&out, b, ""),
                          ktsnap_value_read_u64(&u, b, "pid"),
                          ktsnap_value_read_u64(&u, b, nullptr),
                          ktsnap_value_read_i64(&s, b, ""),
                          ktsnap_value_read_f64(&d, b, ""),
                          ktsnap_value_read_bool(&x, b, ""),
                          ktsnap_value_read_str(&c, b, "flag"),
                          ktsnap_value_read_u64_array(arr, 4, &n, b, "hist"),
                          ktsnap_value_read_u32_array(nullptr, 0, &n, b, "hist"),
                          ktsnap_value_read_i64_array(nullptr, 0, &n, b, "hist"),
                          ktsnap_value_read_f64_array(nullptr, 0, &n, b, "hist"),
                          ktsnap_value_read_bool_array(nullptr, 0, &n, b, "hist")};
    for (size_t k = 0; k < std::size(st); k++)
      if (st[k] != KTSNAP_E_INVALID) {
        fprintf(stderr, "bad value %zu call %zu: status %d\n", bi, k, st[k]);
        failures++;
      }
    // The pickers skip such values.
    ktsnap_var_candidate cand{m, *b};
    if (ktsnap_pick_max_counter(&cand, 1, nullptr) >= 0) {
      fprintf(stderr, "bad value %zu: picked\n", bi);
      failures++;
    }
    ktsnap_var_row row{m, b, 1};
    if (ktsnap_pick_max_sum(&row, 1, nullptr) >= 0) {
      fprintf(stderr, "bad value %zu: row picked\n", bi);
      failures++;
    }
  }
  fprintf(stderr, "failures=%d\n", failures);
  return failures;
}
}  // namespace

TEST(ViewEntryNull, ZeroedAndGarbageValuesAreRefused) {
  ReportPtr r = views_report();
  const ktsnap_map* m = map_of(r.get(), "vw_tasks");
  ktsnap_value good{};
  ASSERT_OK(ktsnap_entry_get(&good, m, 0, KTSNAP_NO_CPU, ""));
  ktsnap_value zero{}, junk{}, ones{}, flipped = good, flagged = good;
  std::memset(&junk, 0xab, sizeof junk);
  std::memset(&ones, 0xff, sizeof ones);
  flipped._bits ^= 0xff000000u;
  flagged._bits |= 1u << 23;
  const ktsnap_value* const bad[] = {&zero, &junk, &ones, &flipped, &flagged};
  EXPECT_EXIT(exit(bad_value_failures(m, bad, std::size(bad)) == 0 ? 0 : 1), ::testing::ExitedWithCode(0),
              "failures=0");
  // In process too, now that it is known not to crash, for the details.
  if (!HasFailure()) {
    ktsnap_value out{};
    NULL_ARG(ktsnap_value_walk(&out, &zero, "pid"), "value");
    uint64_t u = 0;
    NULL_ARG(ktsnap_value_read_u64(&u, &flipped, ""), "value");
  }
}
