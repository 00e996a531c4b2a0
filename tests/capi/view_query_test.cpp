// Predicate queries through the C ABI: every result of matches / find /
// filter / count / max_by / min_by is checked against a plain loop over
// ktsnap_entry_get + ktsnap_value_read_*; NoMatch details (the first three
// keys, typed, "hex:" with the BTF hint, cut to 80 characters); per-CPU
// slots that were not captured; render-failed and empty maps; the filter's
// short array; compile errors with their column and alternatives; hostile
// input (deep nesting, long paths, unterminated strings, huge literals, a
// 1 MiB expression, random bytes).
#include <atomic>
#include <functional>
#include <random>

#include "view_util.hpp"

using namespace view_test;

namespace {

// Field reads of one entry through the view functions (the reference the
// queries are compared with).
struct Row {
  const ktsnap_map* m;
  uint32_t e;
  uint32_t cpu = KTSNAP_NO_CPU;
  bool present(const char* path) const {
    ktsnap_value v{};
    return ktsnap_entry_get(&v, m, e, cpu, path) == KTSNAP_OK;
  }
  ktsnap_value val(const char* path) const {
    ktsnap_value v{};
    EXPECT_EQ(ktsnap_entry_get(&v, m, e, cpu, path), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return v;
  }
  uint64_t u(const char* path) const {
    ktsnap_value v = val(path);
    uint64_t x = 0;
    EXPECT_EQ(ktsnap_value_read_u64(&x, &v, ""), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return x;
  }
  int64_t i(const char* path) const {
    ktsnap_value v = val(path);
    int64_t x = 0;
    EXPECT_EQ(ktsnap_value_read_i64(&x, &v, ""), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return x;
  }
  double f(const char* path) const {
    ktsnap_value v = val(path);
    double x = 0;
    EXPECT_EQ(ktsnap_value_read_f64(&x, &v, ""), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return x;
  }
  bool b(const char* path) const {
    ktsnap_value v = val(path);
    bool x = false;
    EXPECT_EQ(ktsnap_value_read_bool(&x, &v, ""), KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return x;
  }
  std::string s(const char* path) const {  // a char array, as the value layer reads it
    ktsnap_value v = val(path);
    char* out = nullptr;
    size_t len = 0;
    EXPECT_EQ(ktsnap_value_string_dup(&out, &len, &v), KTSNAP_OK) << ktsnap_last_error();
    CharPtr owned(out);
    return out ? std::string(out, len) : std::string();
  }
  std::string variant(const char* path) const {
    ktsnap_value v = val(path);
    const char* out = nullptr;
    return ktsnap_value_read_str(&out, &v, "") == KTSNAP_OK ? out : "";
  }
  uint64_t key() const {
    ktsnap_value v{};
    EXPECT_EQ(ktsnap_entry_key(&v, m, e, ""), KTSNAP_OK) << ktsnap_last_error();
    uint64_t x = 0;
    EXPECT_EQ(ktsnap_value_read_u64(&x, &v, ""), KTSNAP_OK);
    return x;
  }
};

using Pred = std::function<bool(const Row&)>;

std::vector<uint32_t> plain_filter(const ktsnap_map* m, uint32_t cpu, const Pred& p) {
  std::vector<uint32_t> out;
  for (uint32_t e = 0; e < ktsnap_map_entry_count(m); e++)
    if (p(Row{m, e, cpu})) out.push_back(e);
  return out;
}

// Every query function against the plain loop, for one CPU.
void check_query(const ktsnap_map* m, const std::string& expr, uint32_t cpu, const Pred& p) {
  SCOPED_TRACE("[" + expr + "] cpu " + std::to_string(cpu));
  QueryPtr q = compile(m, expr);
  ASSERT_TRUE(q);
  EXPECT_EQ(ktsnap_query_map(q.get()), m);
  EXPECT_EQ(std::string(ktsnap_query_expression(q.get())), expr);
  std::vector<uint32_t> want = plain_filter(m, cpu, p);
  uint32_t n = ktsnap_map_entry_count(m);
  for (uint32_t e = 0; e < n; e++) {
    bool got = false;
    VIEW_OK(ktsnap_query_matches(&got, q.get(), e, cpu));
    EXPECT_EQ(got, std::find(want.begin(), want.end(), e) != want.end()) << "entry " << e;
  }
  std::vector<uint32_t> all(n + 1, 0xeeee);
  size_t count = 0;
  VIEW_OK(ktsnap_query_filter(all.data(), all.size(), &count, q.get(), cpu));
  all.resize(count);
  EXPECT_EQ(all, want);
  uint64_t c = 0;
  VIEW_OK(ktsnap_query_count(&c, q.get(), cpu));
  EXPECT_EQ(c, want.size());
  uint32_t first = 0;
  if (want.empty()) {
    Info i = VIEW_FAIL(ktsnap_query_find(&first, q.get(), cpu), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
    EXPECT_EQ(i.requested, "find");
    EXPECT_EQ(i.map, ktsnap_map_name(m));
    EXPECT_EQ(i.len, n);
  } else {
    VIEW_OK(ktsnap_query_find(&first, q.get(), cpu));
    EXPECT_EQ(first, want[0]);
  }
}

// The entry with the largest (max) or smallest key among `cands`, ties
// keeping the first; NaN keys skipped.
template <typename K>
std::optional<uint32_t> plain_extreme(const std::vector<uint32_t>& cands,
                                      const std::function<std::optional<K>(uint32_t)>& key, bool max) {
  std::optional<uint32_t> best;
  K bk{};
  for (uint32_t e : cands) {
    std::optional<K> k = key(e);
    if (!k) continue;
    if constexpr (std::is_floating_point_v<K>) {
      if (std::isnan(*k)) continue;
    }
    if (!best || (max ? *k > bk : *k < bk)) {
      best = e;
      bk = *k;
    }
  }
  return best;
}

class ViewQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    r_ = views_report();
    ASSERT_TRUE(r_);
    tasks_ = map_of(r_.get(), "vw_tasks");
  }
  ReportPtr r_;
  const ktsnap_map* tasks_ = nullptr;
};

}  // namespace

TEST_F(ViewQueryTest, ResultsMatchAPlainLoop) {
  struct Case {
    std::string expr;
    Pred p;
  };
  std::vector<Case> cases = {
      {"pid > 104", [](const Row& r) { return r.u("pid") > 104; }},
      {"prio < 0", [](const Row& r) { return r.i("prio") < 0; }},
      {"prio >= -2 && prio <= 2", [](const Row& r) { return r.i("prio") >= -2 && r.i("prio") <= 2; }},
      {"on_cpu", [](const Row& r) { return r.b("on_cpu"); }},
      {"!on_cpu", [](const Row& r) { return !r.b("on_cpu"); }},
      {"comm == \"bash\"", [](const Row& r) { return r.s("comm") == "bash"; }},
      {"comm != \"bash\"", [](const Row& r) { return r.s("comm") != "bash"; }},
      {"flag == \"VW_FLAG_TOP\"", [](const Row& r) { return r.variant("flag") == "VW_FLAG_TOP"; }},
      {"flag == 0x80000000", [](const Row& r) { return r.u("flag") == 0x80000000u; }},
      {"flag > 1", [](const Row& r) { return r.u("flag") > 1; }},
      {"sgn == \"VW_SGN_NEG2\"", [](const Row& r) { return r.variant("sgn") == "VW_SGN_NEG2"; }},
      {"sgn < 0", [](const Row& r) { return r.i("sgn") < 0; }},
      {"util > 1.0", [](const Row& r) { return r.f("util") > 1.0; }},  // NaN compares false
      {"util != 0.5", [](const Row& r) { return r.f("util") != 0.5; }},
      {"ratio >= 2", [](const Row& r) { return r.f("ratio") >= 2; }},
      {"inner.a == 9 || inner.b == -7", [](const Row& r) { return r.u("inner.a") == 9 || r.i("inner.b") == -7; }},
      {"big > 9223372036854775807", [](const Row& r) { return r.u("big") > uint64_t(INT64_MAX); }},
      {"big > -1", [](const Row&) { return true; }},  // exact across signedness
      {"lag < 0 && lag == -300", [](const Row& r) { return r.i("lag") == -300; }},
      {"key == 103", [](const Row& r) { return r.key() == 103; }},
      {"key > 105 && (lag < 0 || runtime >= 1400)",
       [](const Row& r) { return r.key() > 105 && (r.i("lag") < 0 || r.u("runtime") >= 1400); }},
      {"head", [](const Row& r) { return r.u("head") != 0; }},
      {"head == 0", [](const Row& r) { return r.u("head") == 0; }},
      {"tail.val >= 1005", [](const Row& r) { return r.u("tail.val") >= 1005; }},
      {"true", [](const Row&) { return true; }},
      {"false", [](const Row&) { return false; }},
      {"!(pid == 101) && !(pid == 102)", [](const Row& r) { return r.u("pid") != 101 && r.u("pid") != 102; }},
  };
  for (const Case& c : cases) check_query(tasks_, c.expr, 0, c.p);
  // The kinds fixture's kt_tasks (anonymous members, bitfields, 8-bit enums).
  const ktsnap_map* kt = map_of(kinds().report.get(), "kt_tasks");
  std::vector<Case> kc = {
      {"state == \"KT_STATE_RUNNING\"", [](const Row& r) { return task_expect(r.e).state == 1; }},
      {"weight > 200 && lo16 < 8",
       [](const Row& r) { return task_expect(r.e).weight > 200 && task_expect(r.e).lo16 < 8; }},
      {"bits.sv < 0", [](const Row& r) { return task_expect(r.e).bits_sv < 0; }},
      // kt_e8 is a 1-byte enum that clang 14 leaves unsigned: -1 is stored as 0xff.
      {"e8 == \"KT_E8_NEG\"", [](const Row& r) { return task_expect(r.e).e8 == -1; }},
      {"e8 == 255", [](const Row& r) { return task_expect(r.e).e8 == -1; }},
      {"comm == \"bash\"", [](const Row& r) { return task_expect(r.e).comm == "bash"; }},
      {"inner_ptr != 0", [](const Row& r) { return task_expect(r.e).inner_ptr != 0; }},
  };
  for (const Case& c : kc) check_query(kt, c.expr, 0, c.p);
}

TEST_F(ViewQueryTest, PerCpuSlotsThatWereNotCapturedTestFalse) {
  const ktsnap_map* pc = map_of(r_.get(), "vw_pcpu");
  const ktsnap_map* ph = map_of(r_.get(), "vw_pcpu_hash");
  for (uint32_t cpu = 0; cpu < kVwCpus; cpu++) {
    check_query(pc, "cnt >= 100", cpu, [](const Row& r) { return r.present("cnt") && r.u("cnt") >= 100; });
    check_query(pc, "cnt == 1 || cnt != 1", cpu, [](const Row& r) { return r.present("cnt"); });
    check_query(pc, "!(cnt >= 100)", cpu, [](const Row& r) { return !(r.present("cnt") && r.u("cnt") >= 100); });
    check_query(pc, "delta < 0 && lat > 0.5", cpu,
                [](const Row& r) { return r.present("") && r.i("delta") < 0 && r.f("lat") > 0.5; });
    // The key side works whatever the slots.
    check_query(pc, "key == 3", cpu, [](const Row& r) { return r.key() == 3; });
    check_query(ph, "key.id == 11 || neg < -3", cpu, [](const Row& r) {
      ktsnap_value k{};
      EXPECT_EQ(ktsnap_entry_key(&k, r.m, r.e, "id"), KTSNAP_OK);
      return plain_u64(k) == 11 || (r.present("") && r.i("neg") < -3);
    });
  }
  // A CPU past the slots, an entry past the end.
  QueryPtr q = compile(pc, "cnt > 0");
  bool b = true;
  uint32_t e = 0;
  size_t n = 0;
  uint64_t c = 0;
  PLAIN_FAIL(ktsnap_query_matches(&b, q.get(), 0, kVwCpus), KTSNAP_E_RANGE, "");
  EXPECT_FALSE(b);
  PLAIN_FAIL(ktsnap_query_matches(&b, q.get(), kVwPcpuEntries, 0), KTSNAP_E_RANGE, "");
  PLAIN_FAIL(ktsnap_query_find(&e, q.get(), kVwCpus), KTSNAP_E_RANGE, "");
  PLAIN_FAIL(ktsnap_query_filter(nullptr, 0, &n, q.get(), kVwCpus), KTSNAP_E_RANGE, "");
  PLAIN_FAIL(ktsnap_query_count(&c, q.get(), KTSNAP_NO_CPU), KTSNAP_E_RANGE, "");
  PLAIN_FAIL(ktsnap_query_max_by(&e, q.get(), "cnt", kVwCpus), KTSNAP_E_RANGE, "");
  PLAIN_FAIL(ktsnap_query_min_by(&e, q.get(), "cnt", kVwCpus), KTSNAP_E_RANGE, "");
  // Maps that are not per-CPU ignore the CPU.
  QueryPtr t = compile(tasks_, "pid == 103");
  VIEW_OK(ktsnap_query_find(&e, t.get(), 999));
  EXPECT_EQ(e, 3u);
  PLAIN_FAIL(ktsnap_query_matches(&b, t.get(), kVwTasks, 0), KTSNAP_E_RANGE, "");
  // max_by / min_by skip slots that were not captured.
  QueryPtr all = compile(pc, "true");
  for (uint32_t cpu = 0; cpu < kVwCpus; cpu++) {
    std::vector<uint32_t> cands = {0, 1, 2, 3};
    auto key = [&](uint32_t x) -> std::optional<uint64_t> {
      Row r{pc, x, cpu};
      if (!r.present("cnt")) return std::nullopt;
      return r.u("cnt");
    };
    for (bool mx : {true, false}) {
      auto want = plain_extreme<uint64_t>(cands, key, mx);
      ASSERT_TRUE(want.has_value());
      VIEW_OK(mx ? ktsnap_query_max_by(&e, all.get(), "cnt", cpu) : ktsnap_query_min_by(&e, all.get(), "cnt", cpu));
      EXPECT_EQ(e, *want) << "cpu " << cpu << (mx ? " max" : " min");
    }
  }
}

TEST_F(ViewQueryTest, FilterWithAShortArray) {
  QueryPtr q = compile(tasks_, "pid >= 100");
  std::vector<uint32_t> want = plain_filter(tasks_, 0, [](const Row& r) { return r.u("pid") >= 100; });
  ASSERT_EQ(want.size(), kVwTasks);
  uint32_t out[4] = {0xeeee, 0xeeee, 0xeeee, 0xeeee};
  size_t n = 0;
  PLAIN_FAIL(ktsnap_query_filter(out, 3, &n, q.get(), 0), KTSNAP_E_RANGE, "");
  EXPECT_EQ(n, want.size());  // the total
  EXPECT_EQ(out[0], want[0]);
  EXPECT_EQ(out[1], want[1]);
  EXPECT_EQ(out[2], want[2]);
  EXPECT_EQ(out[3], 0xeeeeu);  // nothing past cap
  n = 0;
  PLAIN_FAIL(ktsnap_query_filter(nullptr, 0, &n, q.get(), 0), KTSNAP_E_RANGE, "");
  EXPECT_EQ(n, want.size());
  // No match is not an error, with or without an array.
  QueryPtr none = compile(tasks_, "pid > 100000");
  n = 7;
  VIEW_OK(ktsnap_query_filter(nullptr, 0, &n, none.get(), 0));
  EXPECT_EQ(n, 0u);
  VIEW_OK(ktsnap_query_filter(out, 4, &n, none.get(), 0));
  EXPECT_EQ(n, 0u);
  // Exactly enough room.
  std::vector<uint32_t> exact(want.size());
  VIEW_OK(ktsnap_query_filter(exact.data(), exact.size(), &n, q.get(), 0));
  EXPECT_EQ(exact, want);
}

TEST_F(ViewQueryTest, MaxByAndMinByKeepTheFirstTie) {
  struct Case {
    const char* filter;
    const char* key;
    int type;  // 0 u64, 1 i64, 2 f64
  } cases[] = {{"true", "runtime", 0},   {"true", "lag", 1},    {"true", "util", 2},       {"true", "prio", 1},
               {"true", "flag", 0},      {"true", "sgn", 1},    {"true", "big", 0},        {"true", "key", 0},
               {"on_cpu", "runtime", 0}, {"!on_cpu", "lag", 1}, {"pid > 102", "ratio", 2}, {"true", "inner.b", 1},
               {"true", "hist[3]", 0},   {"true", "on_cpu", 0}};
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.filter) + " by " + c.key);
    QueryPtr q = compile(tasks_, c.filter);
    std::vector<uint32_t> cands;
    ASSERT_TRUE(q);
    for (uint32_t e = 0; e < kVwTasks; e++) {
      bool m = false;
      ASSERT_OK(ktsnap_query_matches(&m, q.get(), e, 0));
      if (m) cands.push_back(e);
    }
    for (bool mx : {true, false}) {
      std::optional<uint32_t> want;
      std::string key = c.key;
      if (key == "key") {
        want = plain_extreme<uint64_t>(
            cands,
            [&](uint32_t e) {
              return std::optional<uint64_t>(Row{tasks_, e}.key());
            },
            mx);
      } else if (key == "hist[3]") {
        want = plain_extreme<uint64_t>(
            cands, [&](uint32_t e) { return std::optional<uint64_t>(vw_task_data(e).hist[3]); }, mx);
      } else if (c.type == 0) {
        want = plain_extreme<uint64_t>(
            cands,
            [&](uint32_t e) {
              return std::optional<uint64_t>(Row{tasks_, e}.u(c.key));
            },
            mx);
      } else if (c.type == 1) {
        want = plain_extreme<int64_t>(
            cands,
            [&](uint32_t e) {
              return std::optional<int64_t>(Row{tasks_, e}.i(c.key));
            },
            mx);
      } else {
        want = plain_extreme<double>(
            cands,
            [&](uint32_t e) {
              return std::optional<double>(Row{tasks_, e}.f(c.key));
            },
            mx);
      }
      ASSERT_TRUE(want.has_value());
      uint32_t got = 0;
      VIEW_OK(mx ? ktsnap_query_max_by(&got, q.get(), c.key, 0) : ktsnap_query_min_by(&got, q.get(), c.key, 0));
      EXPECT_EQ(got, *want) << (mx ? "max_by" : "min_by");
    }
  }
  // The ties and NaN of the data, spelled out: runtime 1500 at 2 and 5,
  // lag -300 at 0, 2 and 6, util NaN at 6.
  QueryPtr all = compile(tasks_, "true");
  uint32_t e = 99;
  VIEW_OK(ktsnap_query_max_by(&e, all.get(), "runtime", 0));
  EXPECT_EQ(e, 2u);
  VIEW_OK(ktsnap_query_min_by(&e, all.get(), "lag", 0));
  EXPECT_EQ(e, 0u);
  VIEW_OK(ktsnap_query_max_by(&e, all.get(), "util", 0));
  EXPECT_EQ(e, 9u);
  // Nothing matches: NoMatch naming the operation.
  QueryPtr none = compile(tasks_, "false");
  Info i = VIEW_FAIL(ktsnap_query_max_by(&e, none.get(), "runtime", 0), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
  EXPECT_EQ(i.requested, "max_by");
  EXPECT_EQ(i.map, "vw_tasks");
  EXPECT_EQ(e, UINT32_MAX);
  i = VIEW_FAIL(ktsnap_query_min_by(&e, none.get(), "runtime", 0), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
  EXPECT_EQ(i.requested, "min_by");
  EXPECT_TRUE(contains(i.json, "\"op\":\"min_by\"")) << i.json;
  // Keys that are not numbers, or not members.
  PLAIN_FAIL(ktsnap_query_max_by(&e, all.get(), "comm", 0), KTSNAP_E_TYPE, "");
  PLAIN_FAIL(ktsnap_query_min_by(&e, all.get(), "inner", 0), KTSNAP_E_TYPE, "");
  Info u = PLAIN_FAIL(ktsnap_query_max_by(&e, all.get(), "runtme", 0), KTSNAP_E_NOTFOUND, "runtme");
  EXPECT_EQ(u.column, 1u);
  EXPECT_EQ(u.alternatives, views().btf.flat_member_names(views().task));
  u = PLAIN_FAIL(ktsnap_query_max_by(&e, all.get(), "inner.", 0), KTSNAP_E_INVALID, "");
  EXPECT_GE(u.column, 1u);
}

TEST_F(ViewQueryTest, NoMatchShowsTheFirstThreeKeys) {
  // Typed u32 keys: their text.
  QueryPtr q = compile(tasks_, "pid > 1000");
  uint32_t e = 0;
  Info i = VIEW_FAIL(ktsnap_query_find(&e, q.get(), 0), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
  EXPECT_EQ(e, UINT32_MAX);
  EXPECT_EQ(i.requested, "find");
  EXPECT_EQ(i.map, "vw_tasks");
  EXPECT_EQ(i.len, kVwTasks);
  ASSERT_EQ(i.sample_keys.size(), 3u);
  for (uint32_t k = 0; k < 3; k++) {
    ktsnap_value key{};
    ASSERT_OK(ktsnap_entry_key(&key, tasks_, k, ""));
    EXPECT_EQ(i.sample_keys[k], cap80(render_text(key)));
    EXPECT_EQ(i.sample_keys[k], std::to_string(vw_task_data(k).pid));
  }
  EXPECT_EQ(i.hint, "");
  EXPECT_TRUE(contains(i.json, "\"available_keys\":[\"100\",\"101\",\"102\"]")) << i.json;

  // No BTF: "hex:" keys and the CONFIG_DEBUG_INFO_BTF hint.
  const ktsnap_map* raw = map_of(r_.get(), "vw_raw");
  QueryPtr rq = compile(raw, "false");
  i = VIEW_FAIL(ktsnap_query_find(&e, rq.get(), 0), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
  EXPECT_EQ(i.len, kVwRawEntries);
  ASSERT_EQ(i.sample_keys.size(), 3u);
  for (uint32_t k = 0; k < 3; k++) {
    std::vector<uint8_t> key = vw_raw_key(k);
    EXPECT_EQ(i.sample_keys[k], hex_key(key.data(), key.size()));
  }
  EXPECT_EQ(i.sample_keys[0], "hex:de ad be ef 00 0f");
  EXPECT_TRUE(contains(i.hint, "CONFIG_DEBUG_INFO_BTF")) << i.hint;
  EXPECT_TRUE(contains(i.message, "CONFIG_DEBUG_INFO_BTF")) << i.message;
  // A key path on a map without BTF cannot be typed.
  i = VIEW_FAIL(ktsnap_query_max_by(&e, rq.get(), "key", 0), KTSNAP_E_UNSUPPORTED, KTSNAP_ERROR_NONE);

  // Long typed keys: cut to 80 characters with "…".
  const ktsnap_map* lm = map_of(r_.get(), "vw_long");
  QueryPtr lq = compile(lm, "value == 12345");
  i = VIEW_FAIL(ktsnap_query_find(&e, lq.get(), 0), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
  EXPECT_EQ(i.len, kVwLongEntries);
  ASSERT_EQ(i.sample_keys.size(), 3u);
  for (uint32_t k = 0; k < 3; k++) {
    ktsnap_value key{};
    ASSERT_OK(ktsnap_entry_key(&key, lm, k, ""));
    std::string text = render_text(key);
    EXPECT_GT(text.size(), 80u) << text;
    EXPECT_EQ(i.sample_keys[k], cap80(text));
  }
  EXPECT_EQ(i.hint, "");  // typed keys: no hint
  // Key 0 is ASCII: exactly 79 characters and the ellipsis.
  const std::string ell = "\u2026";
  ASSERT_GT(i.sample_keys[0].size(), ell.size());
  EXPECT_EQ(i.sample_keys[0].size(), 79 + ell.size());
  EXPECT_EQ(i.sample_keys[0].substr(79), ell);

  // Fewer entries than three: all of them.
  const ktsnap_map* nodes = map_of(r_.get(), "vw_nodes");
  QueryPtr nq = compile(nodes, "val > 100");
  i = VIEW_FAIL(ktsnap_query_find(&e, nq.get(), 0), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
  EXPECT_EQ(i.len, 2u);
  ASSERT_EQ(i.sample_keys.size(), 2u);
  for (uint32_t k = 0; k < 2; k++) {
    ktsnap_value key{};
    ASSERT_OK(ktsnap_entry_key(&key, nodes, k, ""));
    EXPECT_EQ(i.sample_keys[k], cap80(render_text(key)));
  }
  // A per-CPU array: its index keys.
  const ktsnap_map* pc = map_of(r_.get(), "vw_pcpu");
  QueryPtr pq = compile(pc, "cnt > 100000");
  i = VIEW_FAIL(ktsnap_query_find(&e, pq.get(), 0), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
  EXPECT_EQ(i.len, kVwPcpuEntries);
  EXPECT_EQ(i.map, "vw_pcpu");
  EXPECT_EQ(i.sample_keys, (std::vector<std::string>{"0", "1", "2"}));
  // A per-CPU hash: its typed keys, whatever the slots.
  const ktsnap_map* ph = map_of(r_.get(), "vw_pcpu_hash");
  QueryPtr hq = compile(ph, "cnt > 100000");
  i = VIEW_FAIL(ktsnap_query_find(&e, hq.get(), 1), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
  ASSERT_EQ(i.sample_keys.size(), kVwPcpuHashEntries);
  for (uint32_t k = 0; k < kVwPcpuHashEntries; k++) {
    ktsnap_value key{};
    ASSERT_OK(ktsnap_entry_key(&key, ph, k, ""));
    EXPECT_EQ(i.sample_keys[k], cap80(render_text(key)));
  }
  // An empty map: len 0, no keys, no hint.
  QueryPtr eq = compile(map_of(r_.get(), "vw_empty"), "true");
  i = VIEW_FAIL(ktsnap_query_find(&e, eq.get(), 0), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
  EXPECT_EQ(i.len, 0u);
  EXPECT_TRUE(i.sample_keys.empty());
  EXPECT_EQ(i.hint, "");
  i = VIEW_FAIL(ktsnap_query_max_by(&e, eq.get(), "pid", 0), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
  EXPECT_EQ(i.len, 0u);
}

// Keys whose text holds multibyte characters: the cap counts characters,
// not bytes. The key type gets a non-ASCII name (the BTF string is edited;
// the text display starts with the type name).
TEST(ViewQueryKeys, NoMatchKeysAreCutByCharacters) {
  const Views& v = views();
  auto code_points = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xc0) != 0x80;
    return n;
  };
  int kept = 0, cut = 0;
  for (int chars : {30, 76}) {
    SCOPED_TRACE(chars);
    BtfIndex btf = v.btf;
    std::string name;
    for (int c = 0; c < chars; c++) name += "\u9375";  // 3 bytes each
    ASSERT_TRUE(btf.rename(v.key, name));
    ASSERT_TRUE(BtfIndex(btf.blob()).ok());
    CBuilder b;
    int32_t bi = b.btf(btf.blob());
    std::vector<uint8_t> keys, values;
    for (uint32_t i = 0; i < 4; i++) {
      append(keys, bytes_of(vw_hash_key(i)));
      append(values, node_bytes(i, 0));
    }
    b.map(views_desc("mb", kHash, v.key, v.node, 16, bi), keys, values);
    ReportPtr r = b.finish();
    const ktsnap_map* m = map_of(r.get(), "mb");
    QueryPtr q = compile(m, "val > 99");
    uint32_t e = 0;
    Info i = VIEW_FAIL(ktsnap_query_find(&e, q.get(), 0), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_MATCH);
    ASSERT_EQ(i.sample_keys.size(), 3u);
    for (uint32_t k = 0; k < 3; k++) {
      ktsnap_value key{};
      ASSERT_OK(ktsnap_entry_key(&key, m, k, ""));
      std::string text = render_text(key);
      ASSERT_GT(text.size(), 80u) << text;
      EXPECT_EQ(i.sample_keys[k], cap80(text));
      if (code_points(text) <= 80) {
        EXPECT_EQ(i.sample_keys[k], text) << "more than 80 bytes, at most 80 characters: kept";
        kept++;
      } else {
        EXPECT_EQ(code_points(i.sample_keys[k]), 80u) << "79 characters and the ellipsis";
        EXPECT_EQ(i.sample_keys[k].substr(i.sample_keys[k].size() - 3), "\u2026");
        EXPECT_EQ(i.sample_keys[k].compare(0, i.sample_keys[k].size() - 3, text, 0, i.sample_keys[k].size() - 3), 0);
        cut++;
      }
    }
    EXPECT_EQ(i.hint, "");
  }
  EXPECT_GT(kept, 0);
  EXPECT_GT(cut, 0);
}

TEST_F(ViewQueryTest, RenderFailedMaps) {
  const ktsnap_map* broken = map_of(r_.get(), "vw_broken");
  QueryPtr q = compile(broken, "pid == 1");
  ASSERT_TRUE(q);
  uint32_t e = 0;
  Info i = VIEW_FAIL(ktsnap_query_find(&e, q.get(), 0), KTSNAP_E_IO, KTSNAP_ERROR_MAP_RENDER_INCOMPLETE);
  EXPECT_EQ(i.map, "vw_broken");
  EXPECT_EQ(i.reason, "lookup failed: EIO");
  i = VIEW_FAIL(ktsnap_query_max_by(&e, q.get(), "pid", 0), KTSNAP_E_IO, KTSNAP_ERROR_MAP_RENDER_INCOMPLETE);
  EXPECT_EQ(i.map, "vw_broken");
  VIEW_FAIL(ktsnap_query_min_by(&e, q.get(), "pid", 0), KTSNAP_E_IO, KTSNAP_ERROR_MAP_RENDER_INCOMPLETE);
  // filter and count are quietly empty.
  size_t n = 9;
  VIEW_OK(ktsnap_query_filter(nullptr, 0, &n, q.get(), 0));
  EXPECT_EQ(n, 0u);
  uint64_t c = 9;
  VIEW_OK(ktsnap_query_count(&c, q.get(), 0));
  EXPECT_EQ(c, 0u);
}

TEST_F(ViewQueryTest, CompileErrorsNameTheColumn) {
  const Views& v = views();
  ktsnap_query* q = reinterpret_cast<ktsnap_query*>(0x1);
  auto col = [](const std::string& expr, const std::string& at) { return uint32_t(expr.find(at) + 1); };
  // Unknown members: NOTFOUND, the column of the name, the members there.
  std::string expr = "pid == 101 && wieght > 5";
  Info i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, expr.c_str()), KTSNAP_E_NOTFOUND, "wieght");
  EXPECT_EQ(q, nullptr);
  EXPECT_EQ(i.column, col(expr, "wieght"));
  EXPECT_EQ(i.alternatives, v.btf.flat_member_names(v.task));
  expr = "inner.zz == 1";
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, expr.c_str()), KTSNAP_E_NOTFOUND, "zz");
  EXPECT_EQ(i.column, col(expr, "zz"));
  EXPECT_EQ(i.alternatives, (std::vector<std::string>{"a", "b"}));
  expr = "key.cpuu == 1";
  i = PLAIN_FAIL(ktsnap_query_compile(&q, map_of(r_.get(), "vw_pcpu_hash"), expr.c_str()), KTSNAP_E_NOTFOUND, "cpuu");
  EXPECT_EQ(i.column, col(expr, "cpuu"));
  EXPECT_EQ(i.alternatives, v.btf.flat_member_names(v.key));
  const Kinds& k = kinds();
  expr = "tid == 1003 && wieght > 5";
  i = PLAIN_FAIL(ktsnap_query_compile(&q, map_of(k.report.get(), "kt_tasks"), expr.c_str()), KTSNAP_E_NOTFOUND,
                 "wieght");
  EXPECT_EQ(i.alternatives, k.btf.flat_member_names(k.task));  // anonymous members flattened
  // Unknown enum variants.
  expr = "flag == \"VW_FLAG_NOPE\"";
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, expr.c_str()), KTSNAP_E_NOTFOUND, "VW_FLAG_NOPE");
  EXPECT_EQ(i.column, col(expr, "\""));
  for (const auto& en : v.btf.enumerators(v.flag)) EXPECT_TRUE(contains(i.message, en.first)) << i.message;
  // Syntax: INVALID at the offending byte.
  struct Syn {
    std::string expr;
    std::string at;  // the text the column points to
  } syn[] = {{"pid = 5", "="},         {"pid == 5 & on_cpu", "&"}, {"(pid == 5", ""},    {"pid == 5)", ")"},
             {"comm == \"bash", "\""}, {"pid @ 5", "@"},           {"inner. == 1", "=="}};
  for (const Syn& s : syn) {
    i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, s.expr.c_str()), KTSNAP_E_INVALID, "");
    EXPECT_EQ(i.column, s.at.empty() ? uint32_t(s.expr.size() + 1) : col(s.expr, s.at)) << s.expr << ": " << i.message;
  }
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, ""), KTSNAP_E_INVALID, "");
  EXPECT_EQ(i.column, 1u);
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, "   "), KTSNAP_E_INVALID, "");
  EXPECT_EQ(i.column, 1u);
  // Type errors.
  for (const char* t : {"pid == \"bash\"", "comm < \"a\"", "inner == 1", "util", "comm == 5", "on_cpu > 1.5"}) {
    i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, t), KTSNAP_E_TYPE, "");
    EXPECT_GE(i.column, 1u) << t;
  }
  // Literals out of range.
  expr = "pid == 18446744073709551616";
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, expr.c_str()), KTSNAP_E_RANGE, "");
  EXPECT_EQ(i.column, col(expr, "1844"));
  expr = "lag == -9223372036854775809";
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, expr.c_str()), KTSNAP_E_RANGE, "");
  EXPECT_EQ(i.column, col(expr, "-"));
  QueryPtr edge = compile(tasks_, "lag != -9223372036854775808 && big != 18446744073709551615");
  EXPECT_TRUE(edge);
  // A path crossing a pointer.
  expr = "head.val == 1";
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, expr.c_str()), KTSNAP_E_UNSUPPORTED, "");
  EXPECT_GE(i.column, 1u);
  // A map without BTF: paths cannot be typed; literals still compile.
  const ktsnap_map* raw = map_of(r_.get(), "vw_raw");
  i = PLAIN_FAIL(ktsnap_query_compile(&q, raw, "value == 1"), KTSNAP_E_UNSUPPORTED, "CONFIG_DEBUG_INFO_BTF");
  EXPECT_EQ(i.column, 1u);
  QueryPtr lit = compile(raw, "true");
  uint64_t c = 0;
  VIEW_OK(ktsnap_query_count(&c, lit.get(), 0));
  EXPECT_EQ(c, kVwRawEntries);
}

TEST_F(ViewQueryTest, HostileInputGetsAClearStatus) {
  ktsnap_query* q = reinterpret_cast<ktsnap_query*>(0x1);
  // Nesting 10,000 deep: RANGE at the 65th level.
  std::string deep = std::string(10000, '(') + "pid == 1" + std::string(10000, ')');
  Info i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, deep.c_str()), KTSNAP_E_RANGE, "");
  EXPECT_EQ(q, nullptr);
  EXPECT_EQ(i.column, 65u);
  std::string bangs = std::string(10000, '!') + "on_cpu";
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, bangs.c_str()), KTSNAP_E_RANGE, "");
  EXPECT_EQ(i.column, 65u);
  // 64 levels are fine.
  std::string ok64 = std::string(64, '(') + "pid == 103" + std::string(64, ')');
  QueryPtr okq = compile(tasks_, ok64);
  ASSERT_TRUE(okq);
  uint32_t e = 0;
  VIEW_OK(ktsnap_query_find(&e, okq.get(), 0));
  EXPECT_EQ(e, 3u);
  // A 10,000-component path.
  std::string path = "inner";
  for (int k = 0; k < 9999; k++) path += ".a";
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, (path + " == 1").c_str()), KTSNAP_E_RANGE, "256");
  std::string idx = "hist";
  for (int k = 0; k < 10000; k++) idx += "[0]";
  PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, (idx + " == 1").c_str()), KTSNAP_E_RANGE, "256");
  // The same limits for max_by key paths.
  QueryPtr all = compile(tasks_, "true");
  PLAIN_FAIL(ktsnap_query_max_by(&e, all.get(), path.c_str(), 0), KTSNAP_E_RANGE, "256");
  // Unterminated strings: a syntax error, or past the 4096-byte literal limit a range error.
  std::string unterminated = "comm == \"" + std::string(1000, 'x');
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, unterminated.c_str()), KTSNAP_E_INVALID, "");
  EXPECT_EQ(i.column, 9u);
  unterminated = "comm == \"" + std::string(5000, 'x');
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, unterminated.c_str()), KTSNAP_E_RANGE, "");
  EXPECT_EQ(i.column, 9u);
  // Huge integer literals.
  std::string huge = "pid == " + std::string(5000, '9');
  i = PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, huge.c_str()), KTSNAP_E_RANGE, "");
  EXPECT_EQ(i.column, 8u);
  PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, "pid == 0x10000000000000000"), KTSNAP_E_RANGE, "");
  PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, "hist[99999999999999999999] == 1"), KTSNAP_E_RANGE, "");
  PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, "util < 1e999"), KTSNAP_E_RANGE, "");
  // A 1 MiB expression (wide, not deep) and 1 MiB of parentheses.
  std::string wide = "pid == 100";
  while (wide.size() < (1u << 20)) wide += " || pid == 100";
  PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, wide.c_str()), KTSNAP_E_RANGE, "");
  PLAIN_FAIL(ktsnap_query_compile(&q, tasks_, std::string(1 << 20, '(').c_str()), KTSNAP_E_RANGE, "");
  // Random tokens and bytes: a status, a column for every compile error, never a crash.
  std::mt19937_64 rng(11);
  const char* const tokens[] = {"pid",     "lag",     "comm", "\"bash\"", "==", "!=", "<",    ">=",   "&&",
                                "||",      "!",       "(",    ")",        "1",  "-3", "0x10", "1.5",  "true",
                                "inner.a", "hist[1]", "key",  ".",        "[",  "]",  "\"",   "flag", "\"VW_FLAG_TOP\"",
                                " "};
  int compiled = 0;
  for (int n = 0; n < 5000; n++) {
    std::string s;
    size_t len = rng() % 8;
    for (size_t k = 0; k < len; k++) {
      if (rng() % 10 == 0)
        s.push_back(static_cast<char>(rng() % 255 + 1));
      else
        s += tokens[rng() % std::size(tokens)];
      if (rng() % 2) s += ' ';
    }
    ktsnap_query* rq = nullptr;
    ktsnap_status st = ktsnap_query_compile(&rq, tasks_, s.c_str());
    if (st == KTSNAP_OK) {
      compiled++;
      QueryPtr owned(rq);
      uint64_t c = 0;
      EXPECT_EQ(ktsnap_query_count(&c, rq, 0), KTSNAP_OK) << s;
    } else {
      Info ri = info();
      EXPECT_TRUE(st == KTSNAP_E_INVALID || st == KTSNAP_E_NOTFOUND || st == KTSNAP_E_TYPE || st == KTSNAP_E_RANGE ||
                  st == KTSNAP_E_UNSUPPORTED)
          << s << " -> " << st;
      EXPECT_GE(ri.column, 1u) << s << " -> " << ri.message;
      EXPECT_EQ(rq, nullptr);
    }
  }
  EXPECT_GT(compiled, 0);
}

TEST_F(ViewQueryTest, NullArguments) {
  QueryPtr q = compile(tasks_, "true");
  ktsnap_query* out = nullptr;
  bool b = false;
  uint32_t e = 0;
  size_t n = 0;
  uint64_t c = 0;
  NULL_ARG(ktsnap_query_compile(nullptr, tasks_, "true"), "out");
  NULL_ARG(ktsnap_query_compile(&out, nullptr, "true"), "map");
  NULL_ARG(ktsnap_query_compile(&out, tasks_, nullptr), "expr");
  NULL_ARG(ktsnap_query_matches(nullptr, q.get(), 0, 0), "out");
  NULL_ARG(ktsnap_query_matches(&b, nullptr, 0, 0), "query");
  NULL_ARG(ktsnap_query_find(nullptr, q.get(), 0), "entry_out");
  NULL_ARG(ktsnap_query_find(&e, nullptr, 0), "query");
  NULL_ARG(ktsnap_query_filter(nullptr, 0, nullptr, q.get(), 0), "count_out");
  NULL_ARG(ktsnap_query_filter(nullptr, 3, &n, q.get(), 0), "out");
  NULL_ARG(ktsnap_query_filter(nullptr, 0, &n, nullptr, 0), "query");
  NULL_ARG(ktsnap_query_count(nullptr, q.get(), 0), "out");
  NULL_ARG(ktsnap_query_count(&c, nullptr, 0), "query");
  NULL_ARG(ktsnap_query_max_by(nullptr, q.get(), "pid", 0), "entry_out");
  NULL_ARG(ktsnap_query_max_by(&e, nullptr, "pid", 0), "query");
  NULL_ARG(ktsnap_query_max_by(&e, q.get(), nullptr, 0), "key_path");
  NULL_ARG(ktsnap_query_min_by(nullptr, q.get(), "pid", 0), "entry_out");
  NULL_ARG(ktsnap_query_min_by(&e, nullptr, "pid", 0), "query");
  NULL_ARG(ktsnap_query_min_by(&e, q.get(), nullptr, 0), "key_path");
  EXPECT_EQ(ktsnap_query_map(nullptr), nullptr);
  EXPECT_STREQ(ktsnap_query_expression(nullptr), "");
  ktsnap_query_free(nullptr);
}

TEST_F(ViewQueryTest, QueriesOutliveNothingButTheirReport) {
  // A query borrows the map's report: it works after the snapshot that
  // found the map is gone, and the expression is its own copy.
  SnapPtr s = snapshot(r_.get());
  const ktsnap_map* m = nullptr;
  ASSERT_OK(ktsnap_snapshot_map(&m, s.get(), "vw_tasks"));
  std::string expr = "comm == \"bash\"";
  QueryPtr q = compile(m, expr);
  s.reset();
  expr.assign(expr.size(), 'x');
  EXPECT_STREQ(ktsnap_query_expression(q.get()), "comm == \"bash\"");
  uint64_t c = 0;
  VIEW_OK(ktsnap_query_count(&c, q.get(), 0));
  size_t want = 0;
  for (uint32_t i = 0; i < kVwTasks; i++) want += std::string(kVwComms[i]) == "bash";
  EXPECT_EQ(c, want);
}

TEST_F(ViewQueryTest, OneQueryManyThreads) {
  QueryPtr q = compile(tasks_, "runtime > 600 && !on_cpu");
  std::vector<uint32_t> want =
      plain_filter(tasks_, 0, [](const Row& r) { return r.u("runtime") > 600 && !r.b("on_cpu"); });
  const ktsnap_query* cq = q.get();
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 6; t++)
    ts.emplace_back([cq, &want, &bad] {
      for (int k = 0; k < 300; k++) {
        uint32_t out[kVwTasks];
        size_t n = 0;
        uint32_t first = 0, best = 0;
        if (ktsnap_query_filter(out, kVwTasks, &n, cq, 0) != KTSNAP_OK || std::vector<uint32_t>(out, out + n) != want)
          bad++;
        if (ktsnap_query_find(&first, cq, 0) != KTSNAP_OK || first != want[0]) bad++;
        if (ktsnap_query_max_by(&best, cq, "runtime", 0) != KTSNAP_OK) bad++;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
}
