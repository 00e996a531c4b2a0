// JsonField and stats_path over scheduler stats JSON: path walks with
// their errors, every coercion (exact u64 above 2^53, integral floats,
// numeric strings, saturation), typed arrays, iter_members, a report
// without stats or with broken stats, and the text-number parsers.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "view_test_util.hpp"

namespace ktsnap::test::viewt {
namespace {

constexpr const char* kStats = R"({
  "nr_cpus": 4, "dispatched": 18446744073709551615, "neg": -5, "f3": 3.0, "f25": 2.5,
  "s42": "42", "splus": "+8", "sneg": "-7", "sbad": "4x", "sf": "2.25", "sinf": "inf", "snan": "NaN",
  "b": true, "n": null,
  "layers": [{"name": "batch", "util": 0.25}, {"name": "interactive", "util": 1}],
  "nested": {"z": 1, "a": {"deep": 2}, "m": 3},
  "arr": [1, 2, 3], "arr_mixed": [1, -2, 3], "arr_big": [1, 4294967296], "bools": [true, false],
  "grid": [[1, 2], [3]], "huge": 1e300, "bigint": 100000000000000000000000,
  "negbig": -9223372036854775809, "negzero": -0.0, "i64max": 9223372036854775807,
  "i64over": 9223372036854775808, "text.with.dots": 1
})";

Owned stats_report(const char* json, const char* tag = "s1") {
  Maker mk;
  ReportMetadata md;
  md.tag = tag;
  mk.metadata(md);
  if (json) mk.stats(json);
  return mk.finish();
}

class ViewJson : public ::testing::Test {
 protected:
  Owned r_ = stats_report(kStats);
  Snapshot s_{*r_};
  JsonField at(std::string_view p) { return s_.stats_path(p); }
};

TEST_F(ViewJson, PathWalks) {
  auto root = at("");
  ASSERT_TRUE(root.is_present());
  EXPECT_EQ(json_kind(*root.raw()), std::string("Object"));
  EXPECT_EQ(at("nested.a.deep").as_u64().value(), 2u);
  EXPECT_EQ(at("nested").get("a").get("deep").as_u64().value(), 2u);
  EXPECT_EQ(stats_path(root, "nested.m").as_u64().value(), 3u);

  auto fnf = err_as<FieldNotFound>(at("nested.q"));
  EXPECT_EQ(fnf.requested, "nested.q");
  EXPECT_EQ(fnf.walked, "nested");
  EXPECT_EQ(fnf.component, "q");
  EXPECT_EQ(fnf.available, (std::vector<std::string>{"a", "m", "z"}));  // sorted
  auto top = err_as<FieldNotFound>(at("nope..x"));                      // the earlier failure wins
  EXPECT_EQ(top.component, "nope");
  EXPECT_EQ(top.walked, "");
  EXPECT_EQ(top.available.front(), "arr");
  EXPECT_TRUE(std::is_sorted(top.available.begin(), top.available.end()));
  // Keys holding dots are unreachable.
  EXPECT_EQ(err_as<FieldNotFound>(at("text.with.dots")).component, "text");

  auto ns = err_as<NotAStruct>(at("nr_cpus.x"));
  EXPECT_EQ(ns.requested, "nr_cpus.x");
  EXPECT_EQ(ns.walked, "nr_cpus");
  EXPECT_EQ(ns.component, "x");
  EXPECT_EQ(ns.kind, "Number");
  EXPECT_EQ(err_as<NotAStruct>(at("layers.0")).kind, "Array");  // no index syntax
  EXPECT_EQ(err_as<NotAStruct>(at("n.x")).kind, "Null");
  EXPECT_EQ(err_as<NotAStruct>(at("b.x")).kind, "Bool");
  EXPECT_EQ(err_as<NotAStruct>(at("s42.x")).kind, "String");
  EXPECT_EQ(err_as<NotAStruct>(at("nested.a.deep.x")).walked, "nested.a.deep");
  for (const char* p : {"nested..a", ".nr_cpus", "nr_cpus.", "."})
    EXPECT_EQ(err_as<EmptyPathComponent>(at(p)).requested, p);
}

TEST_F(ViewJson, U64) {
  EXPECT_EQ(at("nr_cpus").as_u64().value(), 4u);
  EXPECT_EQ(at("dispatched").as_u64().value(), 18446744073709551615ull);  // exact, never via double
  EXPECT_EQ(at("f3").as_u64().value(), 3u);
  EXPECT_EQ(at("s42").as_u64().value(), 42u);
  EXPECT_EQ(at("splus").as_u64().value(), 8u);
  EXPECT_EQ(at("b").as_u64().value(), 1u);
  EXPECT_EQ(at("negzero").as_u64().value(), 0u);
  EXPECT_EQ(at("huge").as_u64().value(), std::numeric_limits<uint64_t>::max());    // saturates
  EXPECT_EQ(at("bigint").as_u64().value(), std::numeric_limits<uint64_t>::max());  // read as a float
  auto neg = err_of<TypeMismatch>(at("neg").as_u64());
  EXPECT_EQ(neg.expected, "u64");
  EXPECT_EQ(neg.actual, "Int(negative)");
  EXPECT_EQ(neg.requested, "");
  auto frac = err_of<TypeMismatch>(at("f25").as_u64());
  EXPECT_EQ(frac.expected, "integer");
  EXPECT_EQ(frac.actual, "non-integer float");
  EXPECT_EQ(err_of<TypeMismatch>(at("negbig").as_u64()).actual, "Float(non-coercible)");
  EXPECT_EQ(err_of<TypeMismatch>(at("sneg").as_u64()).actual, "String(non-numeric)");
  EXPECT_EQ(err_of<TypeMismatch>(at("sbad").as_u64()).actual, "String(non-numeric)");
  EXPECT_EQ(err_of<TypeMismatch>(at("n").as_u64()).actual, "Null");
  EXPECT_EQ(err_of<TypeMismatch>(at("nested").as_u64()).actual, "Object");
  EXPECT_EQ(err_of<TypeMismatch>(at("arr").as_u64()).actual, "Array");
}

TEST_F(ViewJson, I64F64BoolStr) {
  EXPECT_EQ(at("neg").as_i64().value(), -5);
  EXPECT_EQ(at("sneg").as_i64().value(), -7);
  EXPECT_EQ(at("splus").as_i64().value(), 8);
  EXPECT_EQ(at("f3").as_i64().value(), 3);
  EXPECT_EQ(at("i64max").as_i64().value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(at("huge").as_i64().value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(at("negbig").as_i64().value(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(at("b").as_i64().value(), 1);
  auto over = err_of<TypeMismatch>(at("i64over").as_i64());
  EXPECT_EQ(over.expected, "i64");
  EXPECT_EQ(over.actual, "Uint(>i64::MAX)");
  EXPECT_EQ(err_of<TypeMismatch>(at("dispatched").as_i64()).actual, "Uint(>i64::MAX)");
  EXPECT_EQ(err_of<TypeMismatch>(at("f25").as_i64()).expected, "integer");
  EXPECT_EQ(err_of<TypeMismatch>(at("sbad").as_i64()).actual, "String(non-numeric)");
  EXPECT_EQ(err_of<TypeMismatch>(at("n").as_i64()).actual, "Null");

  EXPECT_EQ(at("neg").as_f64().value(), -5.0);
  EXPECT_EQ(at("f25").as_f64().value(), 2.5);
  EXPECT_EQ(at("dispatched").as_f64().value(), 18446744073709551615.0);
  EXPECT_EQ(at("sf").as_f64().value(), 2.25);
  EXPECT_EQ(at("s42").as_f64().value(), 42.0);
  EXPECT_TRUE(std::isinf(at("sinf").as_f64().value()));
  EXPECT_TRUE(std::isnan(at("snan").as_f64().value()));
  EXPECT_EQ(err_of<TypeMismatch>(at("sbad").as_f64()).actual, "String(non-numeric)");
  auto fb = err_of<TypeMismatch>(at("b").as_f64());
  EXPECT_EQ(fb.expected, "f64");
  EXPECT_EQ(fb.actual, "Bool");

  EXPECT_TRUE(at("b").as_bool().value());
  auto nb = err_of<TypeMismatch>(at("nr_cpus").as_bool());  // no truthiness
  EXPECT_EQ(nb.expected, "bool");
  EXPECT_EQ(nb.actual, "Number");
  EXPECT_EQ(err_of<TypeMismatch>(at("s42").as_bool()).actual, "String");

  EXPECT_EQ(at("s42").as_str().value(), "42");
  auto ns = err_of<TypeMismatch>(at("nr_cpus").as_str());
  EXPECT_EQ(ns.expected, "str");
  EXPECT_EQ(ns.actual, "Number");
  EXPECT_EQ(err_of<TypeMismatch>(at("n").as_str()).actual, "Null");
}

TEST_F(ViewJson, ArraysAndIterMembers) {
  auto layers = at("layers").iter_members();
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].get("name").as_str().value(), "batch");
  EXPECT_EQ(layers[1].get("util").as_f64().value(), 1.0);
  EXPECT_EQ(err_as<FieldNotFound>(layers[1].get("nope")).available, (std::vector<std::string>{"name", "util"}));
  auto grid = at("grid").iter_members();
  ASSERT_EQ(grid.size(), 2u);
  EXPECT_EQ(grid[0].as_u64_array().value(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(grid[1].iter_members().size(), 1u);
  EXPECT_TRUE(at("nested").iter_members().empty());
  EXPECT_TRUE(at("nr_cpus").iter_members().empty());
  EXPECT_TRUE(at("nope").iter_members().empty());

  EXPECT_EQ(at("arr").as_u64_array().value(), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(at("arr").as_u32_array().value(), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(at("arr_mixed").as_i64_array().value(), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(at("arr_mixed").as_f64_array().value(), (std::vector<double>{1, -2, 3}));
  EXPECT_EQ(at("bools").as_bool_array().value(), (std::vector<uint8_t>{1, 0}));
  // The first failing element's own error, unwrapped.
  auto m = err_of<TypeMismatch>(at("arr_mixed").as_u64_array());
  EXPECT_EQ(m.expected, "u64");
  EXPECT_EQ(m.actual, "Int(negative)");
  auto big = err_of<TypeMismatch>(at("arr_big").as_u32_array());
  EXPECT_EQ(big.expected, "u32");
  EXPECT_EQ(big.actual, "Uint(>u32::MAX)");
  EXPECT_EQ(at("arr_big").as_u64_array().value()[1], 4294967296u);
  auto nb = err_of<TypeMismatch>(at("arr").as_bool_array());
  EXPECT_EQ(nb.expected, "bool");
  EXPECT_EQ(nb.actual, "Number");
  auto notarr = err_of<TypeMismatch>(at("nested").as_u64_array());
  EXPECT_EQ(notarr.expected, "[u64]");
  EXPECT_EQ(notarr.actual, "Object");
  EXPECT_EQ(err_of<TypeMismatch>(at("nr_cpus").as_i64_array()).expected, "[i64]");
  EXPECT_EQ(err_of<TypeMismatch>(at("nr_cpus").as_f64_array()).expected, "[f64]");
  EXPECT_EQ(err_of<TypeMismatch>(at("nr_cpus").as_bool_array()).expected, "[bool]");
  EXPECT_EQ(err_of<TypeMismatch>(at("nr_cpus").as_u32_array()).expected, "[u32]");
  EXPECT_EQ(err_of<TypeMismatch>(at("grid").as_u64_array()).actual, "Array");
}

TEST_F(ViewJson, MissingCarriesTheSameError) {
  auto f = at("nested.q");
  SnapshotError e = *f.error();
  EXPECT_EQ(*f.get("x.y").error(), e);
  EXPECT_EQ(*f.get("").error(), e);
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
  EXPECT_FALSE(f.raw().has_value());
}

TEST_F(ViewJson, ParsedOnceAndOutlivesTheSnapshot) {
  std::string_view a = s_.stats_path("s42").as_str().value();
  std::string_view b = s_.stats_path("s42").as_str().value();
  EXPECT_EQ(a.data(), b.data());  // one parsed document
  Snapshot copy = s_;
  EXPECT_EQ(copy.stats_path("s42").as_str().value().data(), a.data());
  JsonField kept = JsonField::missing(ProjectionFailed{"unset"});
  {
    Snapshot scoped(*r_);
    kept = scoped.stats_path("layers");
  }
  auto items = kept.iter_members();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].get("name").as_str().value(), "batch");
}

TEST(ViewJsonReports, NoStatsAndBrokenStats) {
  Owned none = stats_report(nullptr, "step7");
  Snapshot s(*none);
  auto ms = err_as<MissingStats>(s.stats());
  EXPECT_EQ(ms.tag, "step7");
  EXPECT_EQ(ms.reason.kind, MissingStatsReason::Kind::NoScheduler);
  EXPECT_EQ(ms.reason.reason, "no stats JSON in this report");
  EXPECT_EQ(*s.stats_path("a.b").error(), SnapshotError(ms));

  Owned bad = stats_report(R"({"a": [1, 2)", "step8");
  auto mb = err_as<MissingStats>(Snapshot(*bad).stats_path("a"));
  EXPECT_EQ(mb.tag, "step8");
  EXPECT_NE(mb.reason.reason.find("does not parse"), std::string::npos);

  Owned inf = stats_report(R"({"x": 1e400})");
  EXPECT_EQ(err_as<MissingStats>(Snapshot(*inf).stats()).reason.kind, MissingStatsReason::Kind::NoScheduler);

  // The fixture's stats.
  Snapshot fx(*fixture_report().report);
  EXPECT_EQ(fx.stats_path("dispatched").as_u64().value(), 18446744073709551615ull);
  EXPECT_EQ(fx.stats_path("layers").iter_members()[0].get("util").as_f64().value(), 0.25);
  // Stats are not a map: a placeholder report still reads them.
  Owned p = placeholder_report();
  EXPECT_EQ(Snapshot(*p).stats_path("a").as_u64().value(), 1u);
  // Big integers are widened only outside strings.
  Owned w = stats_report(
      R"({"s": "100000000000000000000000", "n": -100000000000000000000, "k": [123456789012345678901234]})");
  Snapshot ws(*w);
  EXPECT_EQ(ws.stats_path("s").as_str().value(), "100000000000000000000000");
  EXPECT_EQ(ws.stats_path("n").as_f64().value(), -1e20);
  EXPECT_EQ(ws.stats_path("k").as_f64_array().value()[0], 123456789012345678901234.0);
  // Top-level scalars and arrays are fine.
  Owned arr = stats_report("[1, 2]");
  EXPECT_EQ(Snapshot(*arr).stats().as_u64_array().value(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(err_as<NotAStruct>(Snapshot(*arr).stats_path("x")).kind, "Array");
}

TEST(ViewJsonText, NumberParsers) {
  EXPECT_EQ(parse_u64_text("0"), 0u);
  EXPECT_EQ(parse_u64_text("+42"), 42u);
  EXPECT_EQ(parse_u64_text("18446744073709551615"), 18446744073709551615ull);
  for (const char* bad : {"", "+", "-1", "-0", " 1", "1 ", "18446744073709551616", "0x10", "1.0", "++1"})
    EXPECT_FALSE(parse_u64_text(bad).has_value()) << bad;
  EXPECT_EQ(parse_i64_text("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(parse_i64_text("+9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parse_i64_text("-0"), 0);
  for (const char* bad : {"", "-", "9223372036854775808", "-9223372036854775809", "+-1", "--1", "1e3"})
    EXPECT_FALSE(parse_i64_text(bad).has_value()) << bad;
  EXPECT_EQ(parse_f64_text("2.25"), 2.25);
  EXPECT_EQ(parse_f64_text("1e5"), 1e5);
  EXPECT_EQ(parse_f64_text("+1E-2"), 0.01);
  EXPECT_EQ(parse_f64_text(".5"), 0.5);
  EXPECT_EQ(parse_f64_text("5."), 5.0);
  EXPECT_EQ(parse_f64_text("-3"), -3.0);
  EXPECT_EQ(parse_f64_text("inf"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_f64_text("-Infinity"), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*parse_f64_text("nan")));
  EXPECT_TRUE(std::isnan(*parse_f64_text("NaN")));
  EXPECT_EQ(parse_f64_text("1e400"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_f64_text("-1e400"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_f64_text("1e-400"), 0.0);
  EXPECT_EQ(parse_f64_text("0.00000000000000000000e400"), 0.0);
  for (const char* bad : {"", ".", "e5", "1e", "1e+", "0x10", " 1", "1_000", "infinit", "nan(1)", "1.2.3", "+-1"})
    EXPECT_FALSE(parse_f64_text(bad).has_value()) << bad;
}

}  // namespace
}  // namespace ktsnap::test::viewt
