// Scheduler stats JSON through the C ABI (spec/views.md §2.5, §4.3): paths
// over objects, kinds, arrays by index, the coercions (exact integers above
// 2^53, integral floats, numeric strings, saturation, negatives), typed
// arrays, the errors (MissingStats with and without stats, FieldNotFound
// with sorted keys, NotAStruct, EmptyPathComponent), cursor lifetimes,
// concurrent first use, zeroed and garbage cursors, NULL arguments.
#include <atomic>

#include "view_util.hpp"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace view_test;

namespace {

const char* const kStats = R"({
  "nr_cpus": 4,
  "dispatched": 18446744073709551615,
  "big": 9007199254740993,
  "i5": 5.0,
  "f55": 5.5,
  "neg": -3,
  "str42": "42",
  "plus": "+7",
  "minus": "-3",
  "sci": "2.5e3",
  "junk": "4x2",
  "flt": "2.25",
  "t": true,
  "f": false,
  "nul": null,
  "huge": 1e20,
  "negzero": -0.0,
  "imax": 9223372036854775807,
  "over": 9223372036854775808,
  "layers": [{"name": "batch", "util": 0.25}, {"name": "inter", "util": 0.5}],
  "arr": [1, 2, 3],
  "arr32": [1, 4294967296],
  "mixed": [1, "x", 3],
  "bools": [true, false, true],
  "negs": [-1, -2],
  "floats": [1.5, 2, "3.25"],
  "empty": [],
  "nested": [[1, 2], [3]],
  "obj": {"b": 1, "a": 2, "c.d": 3},
  "s": "hello",
  "sinf": "inf",
  "sninf": "-Infinity",
  "snan": "NaN",
  "shex": "0x10",
  "sbig": "1e400"
})";

// The root keys, sorted (what FieldNotFound lists at the root).
std::vector<std::string> root_keys() {
  std::vector<std::string> k = {"nr_cpus", "dispatched", "big", "i5",    "f55",   "neg",   "str42", "plus",    "minus",
                                "sci",     "junk",       "flt", "t",     "f",     "nul",   "huge",  "negzero", "imax",
                                "over",    "layers",     "arr", "arr32", "mixed", "bools", "negs",  "floats",  "empty",
                                "nested",  "obj",        "s",   "sinf",  "sninf", "snan",  "shex",  "sbig"};
  std::sort(k.begin(), k.end());
  return k;
}

class ViewJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    r_ = views_report(kStats);
    ASSERT_TRUE(r_);
    s_ = snapshot(r_.get());
    ASSERT_TRUE(s_);
  }
  ktsnap_json at(const char* path) {
    ktsnap_json j{};
    EXPECT_EQ(ktsnap_snapshot_stats(&j, s_.get(), path), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return j;
  }
  ReportPtr r_;
  SnapPtr s_;
};

}  // namespace

TEST_F(ViewJsonTest, PathsAndKinds) {
  ktsnap_json root{};
  VIEW_OK(ktsnap_snapshot_stats(&root, s_.get(), ""));
  EXPECT_EQ(ktsnap_json_kind(&root), KTSNAP_JSON_OBJECT);
  ktsnap_json root2{};
  VIEW_OK(ktsnap_snapshot_stats(&root2, s_.get(), nullptr));
  EXPECT_EQ(ktsnap_json_kind(&root2), KTSNAP_JSON_OBJECT);
  struct Kind {
    const char* path;
    uint32_t kind;
  } kinds_[] = {{"nr_cpus", KTSNAP_JSON_NUMBER}, {"f55", KTSNAP_JSON_NUMBER},  {"s", KTSNAP_JSON_STRING},
                {"t", KTSNAP_JSON_BOOL},         {"nul", KTSNAP_JSON_NULL},    {"arr", KTSNAP_JSON_ARRAY},
                {"obj", KTSNAP_JSON_OBJECT},     {"obj.a", KTSNAP_JSON_NUMBER}};
  for (const Kind& k : kinds_) {
    ktsnap_json x = at(k.path);
    EXPECT_EQ(ktsnap_json_kind(&x), k.kind) << k.path;
  }
  // json_get walks from a cursor; "" is the cursor itself.
  ktsnap_json obj = at("obj"), a{};
  VIEW_OK(ktsnap_json_get(&a, &obj, "a"));
  uint64_t u = 0;
  VIEW_OK(ktsnap_json_u64(&u, &a));
  EXPECT_EQ(u, 2u);
  VIEW_OK(ktsnap_json_get(&a, &obj, ""));
  EXPECT_EQ(ktsnap_json_kind(&a), KTSNAP_JSON_OBJECT);
  VIEW_OK(ktsnap_json_get(&a, &root, "obj.b"));
  VIEW_OK(ktsnap_json_u64(&u, &a));
  EXPECT_EQ(u, 1u);
  // Arrays: length and index.
  ktsnap_json layers = at("layers"), l1{}, name{};
  size_t n = 0;
  VIEW_OK(ktsnap_json_length(&n, &layers));
  EXPECT_EQ(n, 2u);
  VIEW_OK(ktsnap_json_index(&l1, &layers, 1));
  EXPECT_EQ(ktsnap_json_kind(&l1), KTSNAP_JSON_OBJECT);
  VIEW_OK(ktsnap_json_get(&name, &l1, "name"));
  const char* str = nullptr;
  size_t len = 0;
  VIEW_OK(ktsnap_json_string(&str, &len, &name));
  EXPECT_EQ(std::string(str, len), "inter");
  ktsnap_json util{};
  VIEW_OK(ktsnap_json_get(&util, &l1, "util"));
  double d = 0;
  VIEW_OK(ktsnap_json_f64(&d, &util));
  EXPECT_EQ(d, 0.5);
  ktsnap_json bad{};
  PLAIN_FAIL(ktsnap_json_index(&bad, &layers, 2), KTSNAP_E_RANGE, "");
  EXPECT_EQ(ktsnap_json_kind(&bad), KTSNAP_JSON_INVALID);
  ktsnap_json nr = at("nr_cpus");
  PLAIN_FAIL(ktsnap_json_index(&bad, &nr, 0), KTSNAP_E_TYPE, "");
  VIEW_OK(ktsnap_json_length(&n, &nr));  // not an array: 0
  EXPECT_EQ(n, 0u);
  VIEW_OK(ktsnap_json_length(&n, &obj));
  EXPECT_EQ(n, 0u);
  ktsnap_json empty = at("empty");
  VIEW_OK(ktsnap_json_length(&n, &empty));
  EXPECT_EQ(n, 0u);
  PLAIN_FAIL(ktsnap_json_index(&bad, &empty, 0), KTSNAP_E_RANGE, "");
  // Nested arrays yield arrays.
  ktsnap_json nested = at("nested"), inner{};
  VIEW_OK(ktsnap_json_index(&inner, &nested, 0));
  EXPECT_EQ(ktsnap_json_kind(&inner), KTSNAP_JSON_ARRAY);
  uint64_t two[2] = {};
  VIEW_OK(ktsnap_json_u64_array(two, 2, &n, &inner));
  EXPECT_EQ(two[1], 2u);
  // String length without NUL, len_out optional.
  ktsnap_json s = at("s");
  VIEW_OK(ktsnap_json_string(&str, nullptr, &s));
  EXPECT_STREQ(str, "hello");
}

TEST_F(ViewJsonTest, U64Coercions) {
  struct Ok {
    const char* path;
    uint64_t want;
  } oks[] = {{"nr_cpus", 4},
             {"dispatched", UINT64_MAX},    // exact, not through a double
             {"big", 9007199254740993ull},  // 2^53 + 1, exact
             {"i5", 5},                     // an integral float
             {"str42", 42},
             {"plus", 7},
             {"t", 1},
             {"f", 0},
             {"huge", UINT64_MAX},  // 1e20 saturates
             {"negzero", 0},
             {"imax", uint64_t(INT64_MAX)},
             {"over", uint64_t(INT64_MAX) + 1}};
  for (const Ok& o : oks) {
    ktsnap_json j = at(o.path);
    uint64_t u = 1;
    VIEW_OK(ktsnap_json_u64(&u, &j));
    EXPECT_EQ(u, o.want) << o.path;
  }
  struct Bad {
    const char* path;
    const char* expected;
    const char* actual;
  } bads[] = {{"f55", "integer", "non-integer float"},
              {"neg", "u64", "Int(negative)"},
              {"minus", "u64", "String(non-numeric)"},
              {"sci", "u64", "String(non-numeric)"},
              {"junk", "u64", "String(non-numeric)"},
              {"nul", "u64", "Null"},
              {"arr", "u64", "Array"},
              {"obj", "u64", "Object"}};
  for (const Bad& b : bads) {
    ktsnap_json j = at(b.path);
    uint64_t u = 1;
    Info i = VIEW_FAIL(ktsnap_json_u64(&u, &j), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
    EXPECT_EQ(u, 0u) << b.path;
    EXPECT_EQ(i.expected, b.expected) << b.path;
    EXPECT_EQ(i.actual, b.actual) << b.path;
    EXPECT_EQ(i.requested, "") << b.path;
  }
}

TEST_F(ViewJsonTest, I64F64BoolStringCoercions) {
  struct OkI {
    const char* path;
    int64_t want;
  } oki[] = {{"neg", -3}, {"minus", -3}, {"plus", 7}, {"str42", 42},      {"imax", INT64_MAX},
             {"i5", 5},   {"t", 1},      {"f", 0},    {"huge", INT64_MAX}};
  for (const OkI& o : oki) {
    ktsnap_json j = at(o.path);
    int64_t x = 1;
    VIEW_OK(ktsnap_json_i64(&x, &j));
    EXPECT_EQ(x, o.want) << o.path;
  }
  struct Bad {
    const char* path;
    const char* expected;
    const char* actual;
  } badi[] = {{"over", "i64", "Uint(>i64::MAX)"},
              {"dispatched", "i64", "Uint(>i64::MAX)"},
              {"f55", "integer", "non-integer float"},
              {"junk", "i64", "String(non-numeric)"},
              {"nul", "i64", "Null"},
              {"obj", "i64", "Object"}};
  for (const Bad& b : badi) {
    ktsnap_json j = at(b.path);
    int64_t x = 1;
    Info i = VIEW_FAIL(ktsnap_json_i64(&x, &j), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
    EXPECT_EQ(x, 0) << b.path;
    EXPECT_EQ(i.expected, b.expected) << b.path;
    EXPECT_EQ(i.actual, b.actual) << b.path;
  }
  struct OkF {
    const char* path;
    double want;
  } okf[] = {{"f55", 5.5},
             {"nr_cpus", 4.0},
             {"neg", -3.0},
             {"sci", 2500.0},
             {"flt", 2.25},
             {"str42", 42.0},
             {"minus", -3.0},
             {"dispatched", 18446744073709551615.0},
             {"big", 9007199254740992.0},
             {"huge", 1e20}};
  for (const OkF& o : okf) {
    ktsnap_json j = at(o.path);
    double x = 1;
    VIEW_OK(ktsnap_json_f64(&x, &j));
    EXPECT_EQ(x, o.want) << o.path;
  }
  // Rust float syntax for strings: inf, infinity, NaN; overflow is infinity.
  ktsnap_json sj = at("sinf");
  double x = 0;
  VIEW_OK(ktsnap_json_f64(&x, &sj));
  EXPECT_TRUE(std::isinf(x) && x > 0);
  sj = at("sninf");
  VIEW_OK(ktsnap_json_f64(&x, &sj));
  EXPECT_TRUE(std::isinf(x) && x < 0);
  sj = at("snan");
  VIEW_OK(ktsnap_json_f64(&x, &sj));
  EXPECT_TRUE(std::isnan(x));
  sj = at("sbig");
  VIEW_OK(ktsnap_json_f64(&x, &sj));
  EXPECT_TRUE(std::isinf(x));
  Bad badf[] = {{"t", "f64", "Bool"},
                {"junk", "f64", "String(non-numeric)"},
                {"nul", "f64", "Null"},
                {"arr", "f64", "Array"},
                {"shex", "f64", "String(non-numeric)"}};
  for (const Bad& b : badf) {
    ktsnap_json j = at(b.path);
    double x = 1;
    Info i = VIEW_FAIL(ktsnap_json_f64(&x, &j), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
    EXPECT_EQ(i.expected, b.expected) << b.path;
    EXPECT_EQ(i.actual, b.actual) << b.path;
  }
  // Booleans only from JSON booleans.
  ktsnap_json t = at("t"), f = at("f");
  bool b = false;
  VIEW_OK(ktsnap_json_bool(&b, &t));
  EXPECT_TRUE(b);
  VIEW_OK(ktsnap_json_bool(&b, &f));
  EXPECT_FALSE(b);
  Bad badb[] = {{"nr_cpus", "bool", "Number"}, {"str42", "bool", "String"}, {"nul", "bool", "Null"}};
  for (const Bad& x : badb) {
    ktsnap_json j = at(x.path);
    Info i = VIEW_FAIL(ktsnap_json_bool(&b, &j), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
    EXPECT_EQ(i.expected, x.expected) << x.path;
    EXPECT_EQ(i.actual, x.actual) << x.path;
  }
  // Strings only from JSON strings.
  const char* s = reinterpret_cast<const char*>(0x1);
  size_t len = 99;
  ktsnap_json num = at("nr_cpus");
  Info i = VIEW_FAIL(ktsnap_json_string(&s, &len, &num), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(i.expected, "str");
  EXPECT_EQ(i.actual, "Number");
  EXPECT_EQ(s, nullptr);
}

TEST_F(ViewJsonTest, TypedArrays) {
  size_t n = 0;
  ktsnap_json arr = at("arr");
  uint64_t u[4] = {};
  VIEW_OK(ktsnap_json_u64_array(u, 4, &n, &arr));
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(u[0], 1u);
  EXPECT_EQ(u[2], 3u);
  uint32_t u32[4] = {};
  VIEW_OK(ktsnap_json_u32_array(u32, 4, &n, &arr));
  EXPECT_EQ(u32[1], 2u);
  int64_t i64[4] = {};
  ktsnap_json negs = at("negs");
  VIEW_OK(ktsnap_json_i64_array(i64, 4, &n, &negs));
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(i64[1], -2);
  double f[4] = {};
  ktsnap_json floats = at("floats");
  VIEW_OK(ktsnap_json_f64_array(f, 4, &n, &floats));
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(f[0], 1.5);
  EXPECT_EQ(f[1], 2.0);
  EXPECT_EQ(f[2], 3.25);  // a numeric string element
  bool b[4] = {};
  ktsnap_json bools = at("bools");
  VIEW_OK(ktsnap_json_bool_array(b, 4, &n, &bools));
  EXPECT_EQ(n, 3u);
  EXPECT_TRUE(b[0] && !b[1] && b[2]);
  ktsnap_json empty = at("empty");
  VIEW_OK(ktsnap_json_u64_array(nullptr, 0, &n, &empty));
  EXPECT_EQ(n, 0u);
  // The first failing element's own error.
  ktsnap_json arr32 = at("arr32");
  Info i = VIEW_FAIL(ktsnap_json_u32_array(u32, 4, &n, &arr32), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(i.expected, "u32");
  EXPECT_EQ(i.actual, "Uint(>u32::MAX)");
  VIEW_OK(ktsnap_json_u64_array(u, 4, &n, &arr32));
  EXPECT_EQ(u[1], 4294967296u);
  ktsnap_json mixed = at("mixed");
  i = VIEW_FAIL(ktsnap_json_u64_array(u, 4, &n, &mixed), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(i.expected, "u64");
  EXPECT_EQ(i.actual, "String(non-numeric)");
  i = VIEW_FAIL(ktsnap_json_u64_array(u, 4, &n, &negs), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(i.actual, "Int(negative)");
  ktsnap_json arr_as_bools = at("arr");
  i = VIEW_FAIL(ktsnap_json_bool_array(b, 4, &n, &arr_as_bools), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(i.expected, "bool");
  EXPECT_EQ(i.actual, "Number");
  // Not an array.
  ktsnap_json nr = at("nr_cpus");
  i = VIEW_FAIL(ktsnap_json_u64_array(u, 4, &n, &nr), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(i.expected, "[u64]");
  EXPECT_EQ(i.actual, "Number");
  ktsnap_json obj = at("obj");
  i = VIEW_FAIL(ktsnap_json_f64_array(f, 4, &n, &obj), KTSNAP_E_TYPE, KTSNAP_ERROR_TYPE_MISMATCH);
  EXPECT_EQ(i.expected, "[f64]");
  EXPECT_EQ(i.actual, "Object");
  // Too small: RANGE, the length, the first cap written.
  uint64_t small[3] = {0, 0, 0xabc};
  PLAIN_FAIL(ktsnap_json_u64_array(small, 2, &n, &arr), KTSNAP_E_RANGE, "");
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(small[0], 1u);
  EXPECT_EQ(small[1], 2u);
  EXPECT_EQ(small[2], 0xabcu);
  PLAIN_FAIL(ktsnap_json_i64_array(nullptr, 0, &n, &arr), KTSNAP_E_RANGE, "");
  EXPECT_EQ(n, 3u);
}

TEST_F(ViewJsonTest, PathErrors) {
  ktsnap_json j{};
  Info i = VIEW_FAIL(ktsnap_snapshot_stats(&j, s_.get(), "nope"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_FIELD_NOT_FOUND);
  EXPECT_EQ(i.requested, "nope");
  EXPECT_EQ(i.walked, "");
  EXPECT_EQ(i.component, "nope");
  EXPECT_EQ(i.alternatives, root_keys());  // sorted, unlike BTF members
  EXPECT_EQ(ktsnap_json_kind(&j), KTSNAP_JSON_INVALID);
  i = VIEW_FAIL(ktsnap_snapshot_stats(&j, s_.get(), "obj.zz"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_FIELD_NOT_FOUND);
  EXPECT_EQ(i.walked, "obj");
  EXPECT_EQ(i.component, "zz");
  EXPECT_EQ(i.alternatives, (std::vector<std::string>{"a", "b", "c.d"}));
  // Keys with a dot cannot be reached by a path.
  i = VIEW_FAIL(ktsnap_snapshot_stats(&j, s_.get(), "obj.c.d"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_FIELD_NOT_FOUND);
  EXPECT_EQ(i.component, "c");
  struct Nas {
    const char* path;
    const char* walked;
    const char* actual;
  } nas[] = {{"nr_cpus.x", "nr_cpus", "Number"},
             {"layers.name", "layers", "Array"},
             {"s.x", "s", "String"},
             {"t.x", "t", "Bool"},
             {"nul.x", "nul", "Null"},
             {"obj.a.x", "obj.a", "Number"}};
  for (const Nas& n : nas) {
    i = VIEW_FAIL(ktsnap_snapshot_stats(&j, s_.get(), n.path), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
    EXPECT_EQ(i.requested, n.path);
    EXPECT_EQ(i.walked, n.walked) << n.path;
    EXPECT_EQ(i.actual, n.actual) << n.path;
  }
  for (const char* p : {"obj..a", ".obj", "obj.", "."}) {
    i = VIEW_FAIL(ktsnap_snapshot_stats(&j, s_.get(), p), KTSNAP_E_INVALID, KTSNAP_ERROR_EMPTY_PATH_COMPONENT);
    EXPECT_EQ(i.requested, p);
  }
  // The same through json_get.
  ktsnap_json obj = at("obj");
  i = VIEW_FAIL(ktsnap_json_get(&j, &obj, "q"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_FIELD_NOT_FOUND);
  EXPECT_EQ(i.alternatives, (std::vector<std::string>{"a", "b", "c.d"}));
  VIEW_FAIL(ktsnap_json_get(&j, &obj, "a..b"), KTSNAP_E_INVALID, KTSNAP_ERROR_EMPTY_PATH_COMPONENT);
  VIEW_FAIL(ktsnap_json_get(&j, &obj, "a.b"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
}

TEST(ViewJson, MissingStats) {
  // No stats in the report: MissingStats naming the tag.
  ReportPtr r = views_report();
  SnapPtr s = snapshot(r.get());
  ktsnap_json j{};
  Info i = VIEW_FAIL(ktsnap_snapshot_stats(&j, s.get(), ""), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_MISSING_STATS);
  EXPECT_EQ(i.requested, "views");
  EXPECT_FALSE(i.reason.empty());
  EXPECT_TRUE(contains(i.json, "\"tag\":\"views\"")) << i.json;
  VIEW_FAIL(ktsnap_snapshot_stats(&j, s.get(), "a.b"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_MISSING_STATS);
  // Stats that do not parse: the same kind, with a reason.
  for (const char* bad : {"{", "not json", "{\"a\": [1, 2}", "{\"a\":1} trailing", " "}) {
    ReportPtr b = views_report(bad);
    SnapPtr bs = snapshot(b.get());
    i = VIEW_FAIL(ktsnap_snapshot_stats(&j, bs.get(), ""), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_MISSING_STATS);
    EXPECT_FALSE(i.reason.empty()) << bad;
    // Parsed once: the second call gives the same answer.
    Info again = VIEW_FAIL(ktsnap_snapshot_stats(&j, bs.get(), "x"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_MISSING_STATS);
    EXPECT_EQ(again.reason, i.reason);
  }
  // Hostile stats: very deep nesting, a large document. A clear status, never a crash.
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  ReportPtr dr = views_report(deep);
  SnapPtr ds = snapshot(dr.get());
  ktsnap_status st = ktsnap_snapshot_stats(&j, ds.get(), "");
  Info di = info();
  if (st == KTSNAP_OK) {
    ktsnap_json cur = j, next{};
    int depth = 0;
    while (ktsnap_json_index(&next, &cur, 0) == KTSNAP_OK) {
      cur = next;
      depth++;
    }
    EXPECT_EQ(depth, 99999);
  } else {
    EXPECT_EQ(st, KTSNAP_E_NOTFOUND);
    EXPECT_EQ(di.kind, KTSNAP_ERROR_MISSING_STATS);
    EXPECT_FALSE(di.reason.empty());
  }
  std::string big = "{\"a\":[";
  for (int k = 0; k < 200000; k++) big += std::to_string(k) + ",";
  big += "0],\"b\":1}";
  ReportPtr br = views_report(big);
  SnapPtr bsn = snapshot(br.get());
  ktsnap_json arr{};
  VIEW_OK(ktsnap_snapshot_stats(&arr, bsn.get(), "a"));
  size_t n = 0;
  VIEW_OK(ktsnap_json_length(&n, &arr));
  EXPECT_EQ(n, 200001u);
  std::vector<uint64_t> all(n);
  VIEW_OK(ktsnap_json_u64_array(all.data(), all.size(), &n, &arr));
  EXPECT_EQ(all[199999], 199999u);
  std::string long_path = "a";
  for (int k = 0; k < 10000; k++) long_path += ".a";
  Info lp =
      VIEW_FAIL(ktsnap_snapshot_stats(&j, bsn.get(), long_path.c_str()), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  EXPECT_EQ(lp.walked, "a");
  EXPECT_EQ(lp.actual, "Array");
  // Scalar roots are fine.
  ReportPtr scalar = views_report("42");
  SnapPtr ss = snapshot(scalar.get());
  VIEW_OK(ktsnap_snapshot_stats(&j, ss.get(), ""));
  uint64_t u = 0;
  VIEW_OK(ktsnap_json_u64(&u, &j));
  EXPECT_EQ(u, 42u);
  Info na = VIEW_FAIL(ktsnap_snapshot_stats(&j, ss.get(), "a"), KTSNAP_E_TYPE, KTSNAP_ERROR_NOT_A_STRUCT);
  EXPECT_EQ(na.actual, "Number");
}

TEST(ViewJson, CursorsLiveWithTheirSnapshotAndItsActiveViews) {
  ReportPtr r = two_sched({.stats = kStats});
  SnapPtr s = snapshot(r.get());
  ktsnap_json j{};
  ASSERT_OK(ktsnap_snapshot_stats(&j, s.get(), "layers"));
  SnapPtr a = active(s.get());
  ASSERT_TRUE(a);
  // The active view shares the parsed stats.
  ktsnap_json ja{};
  VIEW_OK(ktsnap_snapshot_stats(&ja, a.get(), "nr_cpus"));
  uint64_t u = 0;
  VIEW_OK(ktsnap_json_u64(&u, &ja));
  EXPECT_EQ(u, 4u);
  // A cursor stays valid while a view made from its snapshot lives.
  s.reset();
  size_t n = 0;
  VIEW_OK(ktsnap_json_length(&n, &j));
  EXPECT_EQ(n, 2u);
  ktsnap_json l0{}, name{};
  VIEW_OK(ktsnap_json_index(&l0, &j, 0));
  VIEW_OK(ktsnap_json_get(&name, &l0, "name"));
  const char* str = nullptr;
  VIEW_OK(ktsnap_json_string(&str, nullptr, &name));
  EXPECT_STREQ(str, "batch");
}

TEST(ViewJson, FirstUseFromManyThreads) {
  ReportPtr r = views_report(kStats);
  SnapPtr s = snapshot(r.get());
  const ktsnap_snapshot* cs = s.get();
  std::atomic<int> go{0}, bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; t++)
    ts.emplace_back([cs, &go, &bad] {
      while (go.load() == 0) {
      }
      for (int k = 0; k < 200; k++) {
        ktsnap_json j{};
        uint64_t u = 0;
        if (ktsnap_snapshot_stats(&j, cs, "dispatched") != KTSNAP_OK || ktsnap_json_u64(&u, &j) != KTSNAP_OK ||
            u != UINT64_MAX)
          bad++;
        ktsnap_json m{};
        if (ktsnap_snapshot_stats(&m, cs, "missing") != KTSNAP_E_NOTFOUND) bad++;
        ktsnap_error_info info = KTSNAP_ERROR_INFO_INIT;
        if (ktsnap_last_error_info(&info) != KTSNAP_OK || info.kind != KTSNAP_ERROR_FIELD_NOT_FOUND ||
            std::string(info.component) != "missing")
          bad++;
      }
    });
  go = 1;
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
}

namespace {
int bad_json_failures(const ktsnap_json* const* bad, size_t nbad) {
  int failures = 0;
  for (size_t bi = 0; bi < nbad; bi++) {
    const ktsnap_json* b = bad[bi];
    ktsnap_json out{};
    uint64_t u = 0;
    int64_t s = 0;
    double d = 0;
    bool x = false;
    const char* c = nullptr;
    size_t n = 0;
    uint64_t ua[2];
    uint32_t u32a[2];
    int64_t ia[2];
    double da[2];
    bool ba[2];
    if (ktsnap_json_kind(b) != KTSNAP_JSON_INVALID) {
      fprintf(stderr, "bad json %zu: kind %u\n", bi, ktsnap_json_kind(b));
      failures++;
    }
    ktsnap_status st[] = {ktsnap_json_get(&out, b, ""),
                          ktsnap_json_get(&out, b, "a.b"),
                          ktsnap_json_length(&n, b),
                          ktsnap_json_index(&out, b, 0),
                          ktsnap_json_u64(&u, b),
                          ktsnap_json_i64(&s, b),
                          ktsnap_json_f64(&d, b),
                          ktsnap_json_bool(&x, b),
                          ktsnap_json_string(&c, &n, b),
                          ktsnap_json_u64_array(ua, 2, &n, b),
                          ktsnap_json_u32_array(u32a, 2, &n, b),
                          ktsnap_json_i64_array(ia, 2, &n, b),
                          ktsnap_json_f64_array(da, 2, &n, b),
                          ktsnap_json_bool_array(ba, 2, &n, b)};
    for (size_t k = 0; k < std::size(st); k++)
      if (st[k] != KTSNAP_E_INVALID) {
        fprintf(stderr, "bad json %zu call %zu: status %d\n", bi, k, st[k]);
        failures++;
      }
  }
  fprintf(stderr, "failures=%d\n", failures);
  return failures;
}
}  // namespace

TEST_F(ViewJsonTest, ZeroedAndGarbageCursorsAreRefused) {
  ktsnap_json good = at("layers");
  ktsnap_json zero{}, junk{}, ones{}, flipped = good, shifted = good;
  std::memset(&junk, 0xab, sizeof junk);
  std::memset(&ones, 0xff, sizeof ones);
  flipped._bits ^= 0xff000000u;
  shifted._pad ^= 0x5a5a5a5au;
  const ktsnap_json* const bad[] = {&zero, &junk, &ones, &flipped, &shifted};
  EXPECT_EQ(ktsnap_json_kind(nullptr), KTSNAP_JSON_INVALID);
  EXPECT_EQ(ktsnap_json_kind(&zero), KTSNAP_JSON_INVALID);
  EXPECT_EXIT(exit(bad_json_failures(bad, std::size(bad)) == 0 ? 0 : 1), ::testing::ExitedWithCode(0), "failures=0");
}

TEST_F(ViewJsonTest, NullArguments) {
  ktsnap_json j = at("arr"), out{};
  uint64_t u = 0;
  int64_t s = 0;
  double d = 0;
  bool b = false;
  const char* c = nullptr;
  size_t n = 0;
  uint64_t ua[4];
  uint32_t u32a[4];
  int64_t ia[4];
  double da[4];
  bool ba[4];
  NULL_ARG(ktsnap_snapshot_stats(nullptr, s_.get(), ""), "out");
  NULL_ARG(ktsnap_snapshot_stats(&out, nullptr, ""), "snap");
  NULL_ARG(ktsnap_json_get(nullptr, &j, ""), "out");
  NULL_ARG(ktsnap_json_get(&out, nullptr, ""), "json");
  NULL_ARG(ktsnap_json_get(&out, &j, nullptr), "path");
  NULL_ARG(ktsnap_json_length(nullptr, &j), "out");
  NULL_ARG(ktsnap_json_length(&n, nullptr), "json");
  NULL_ARG(ktsnap_json_index(nullptr, &j, 0), "out");
  NULL_ARG(ktsnap_json_index(&out, nullptr, 0), "json");
  NULL_ARG(ktsnap_json_u64(nullptr, &j), "out");
  NULL_ARG(ktsnap_json_u64(&u, nullptr), "json");
  NULL_ARG(ktsnap_json_i64(nullptr, &j), "out");
  NULL_ARG(ktsnap_json_i64(&s, nullptr), "json");
  NULL_ARG(ktsnap_json_f64(nullptr, &j), "out");
  NULL_ARG(ktsnap_json_f64(&d, nullptr), "json");
  NULL_ARG(ktsnap_json_bool(nullptr, &j), "out");
  NULL_ARG(ktsnap_json_bool(&b, nullptr), "json");
  NULL_ARG(ktsnap_json_string(nullptr, &n, &j), "out");
  NULL_ARG(ktsnap_json_string(&c, &n, nullptr), "json");
  NULL_ARG(ktsnap_json_u64_array(ua, 4, nullptr, &j), "count_out");
  NULL_ARG(ktsnap_json_u64_array(nullptr, 4, &n, &j), "out");
  NULL_ARG(ktsnap_json_u64_array(ua, 4, &n, nullptr), "json");
  NULL_ARG(ktsnap_json_u32_array(u32a, 4, nullptr, &j), "count_out");
  NULL_ARG(ktsnap_json_u32_array(u32a, 4, &n, nullptr), "json");
  NULL_ARG(ktsnap_json_i64_array(ia, 4, nullptr, &j), "count_out");
  NULL_ARG(ktsnap_json_i64_array(ia, 4, &n, nullptr), "json");
  NULL_ARG(ktsnap_json_f64_array(da, 4, nullptr, &j), "count_out");
  NULL_ARG(ktsnap_json_f64_array(da, 4, &n, nullptr), "json");
  NULL_ARG(ktsnap_json_bool_array(ba, 4, nullptr, &j), "count_out");
  NULL_ARG(ktsnap_json_bool_array(ba, 4, &n, nullptr), "json");
}
