// Bulk reads through the C ABI: columns (u64 / i64 / f64) with per-entry
// statuses and the result summary, checked against the data the report was
// built with and against one-entry reads; per-CPU columns with slots that
// were not captured; whole-call errors (short arrays, a CPU past the slots,
// types that never convert, path errors); per-CPU aggregates of every entry
// at once against the spec's rules (saturating sums, NaN handling, no
// contributing slot).
#include "view_util.hpp"

using namespace view_test;

namespace {

class ViewBulkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    r_ = views_report();
    ASSERT_TRUE(r_);
    tasks_ = map_of(r_.get(), "vw_tasks");
    pcpu_ = map_of(r_.get(), "vw_pcpu");
  }
  ReportPtr r_;
  const ktsnap_map* tasks_ = nullptr;
  const ktsnap_map* pcpu_ = nullptr;
};

// What one entry should give: a value, or a per-entry status.
template <typename T>
struct Cell {
  T value{};
  ktsnap_status status = KTSNAP_OK;
};
template <typename T>
Cell<T> ok(T v) {
  return Cell<T>{v, KTSNAP_OK};
}
template <typename T>
Cell<T> failed(ktsnap_status st) {
  return Cell<T>{T{}, st};
}

// Reads a column and checks every element, status and the summary.
template <typename T, typename Fn>
void check_column(Fn fn, const ktsnap_map* m, const char* path, uint32_t cpu, const std::vector<Cell<T>>& want) {
  SCOPED_TRACE(std::string(ktsnap_map_name(m)) + " column " + path + " cpu " + std::to_string(cpu));
  size_t n = want.size();
  ASSERT_EQ(n, ktsnap_map_entry_count(m));
  std::vector<T> out(n + 1, T(77));
  std::vector<int32_t> st(n + 1, 12345);
  ktsnap_bulk_result res{};
  res._reserved = 0xdead;
  VIEW_OK(fn(out.data(), n, st.data(), &res, m, path, cpu));
  uint32_t failed_n = 0, first = UINT32_MAX;
  ktsnap_status first_st = KTSNAP_OK;
  for (size_t i = 0; i < n; i++) {
    EXPECT_EQ(st[i], want[i].status) << "entry " << i;
    if constexpr (std::is_floating_point_v<T>) {
      EXPECT_TRUE(same_f64(out[i], want[i].value)) << "entry " << i << ": " << out[i] << " vs " << want[i].value;
    } else {
      EXPECT_EQ(out[i], want[i].value) << "entry " << i;  // 0 for failed entries
    }
    if (want[i].status != KTSNAP_OK) {
      if (failed_n++ == 0) {
        first = uint32_t(i);
        first_st = want[i].status;
      }
    }
  }
  EXPECT_EQ(out[n], T(77));  // nothing past the entries
  EXPECT_EQ(st[n], 12345);
  EXPECT_EQ(res.failed, failed_n);
  EXPECT_EQ(res.first_failure, first);
  EXPECT_EQ(res.first_status, first_st);
  EXPECT_EQ(res._reserved, 0u);
  // The same without the optional arrays.
  std::vector<T> again(n);
  VIEW_OK(fn(again.data(), n, nullptr, nullptr, m, path, cpu));
  for (size_t i = 0; i < n; i++) {
    if constexpr (std::is_floating_point_v<T>) {
      EXPECT_TRUE(same_f64(again[i], out[i]));
    } else {
      EXPECT_EQ(again[i], out[i]);
    }
  }
}

// Unsigned target: negatives and values above the range are per-entry RANGE.
Cell<uint64_t> as_u(int64_t v) {
  return v < 0 ? failed<uint64_t>(KTSNAP_E_RANGE) : ok<uint64_t>(uint64_t(v));
}
Cell<int64_t> as_i(uint64_t v) {
  return v > uint64_t(INT64_MAX) ? failed<int64_t>(KTSNAP_E_RANGE) : ok<int64_t>(int64_t(v));
}

template <typename T, typename F>
std::vector<Cell<T>> per_task(F f) {
  std::vector<Cell<T>> out;
  for (uint32_t i = 0; i < kVwTasks; i++) out.push_back(f(vw_task_data(i)));
  return out;
}

}  // namespace

TEST_F(ViewBulkTest, ColumnsOfAHashMap) {
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "pid", 0,
                         per_task<uint64_t>([](const VwTask& t) { return ok<uint64_t>(t.pid); }));
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "key", 0,
                         per_task<uint64_t>([](const VwTask& t) { return ok<uint64_t>(t.pid); }));
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "prio", 0,
                         per_task<uint64_t>([](const VwTask& t) { return as_u(t.prio); }));
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "lag", 0,
                         per_task<uint64_t>([](const VwTask& t) { return as_u(t.lag); }));
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "flag", 0, per_task<uint64_t>([](const VwTask& t) {
                           return ok<uint64_t>(t.flag);
                         }));  // top bit: positive
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "sgn", 0,
                         per_task<uint64_t>([](const VwTask& t) { return as_u(t.sgn); }));
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "on_cpu", 0,
                         per_task<uint64_t>([](const VwTask& t) { return ok<uint64_t>(t.on_cpu); }));
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "head", 0,
                         per_task<uint64_t>([](const VwTask& t) { return ok<uint64_t>(t.head); }));
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "inner.a", 0,
                         per_task<uint64_t>([](const VwTask& t) { return ok<uint64_t>(t.inner_a); }));
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "hist[3]", 0,
                         per_task<uint64_t>([](const VwTask& t) { return ok<uint64_t>(t.hist[3]); }));
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "tail.val", 0,
                         per_task<uint64_t>([](const VwTask& t) { return ok<uint64_t>(t.tail.val); }));
  check_column<uint64_t>(ktsnap_column_u64, tasks_, "value.big", 0,
                         per_task<uint64_t>([](const VwTask& t) { return ok<uint64_t>(t.big); }));

  check_column<int64_t>(ktsnap_column_i64, tasks_, "prio", 0,
                        per_task<int64_t>([](const VwTask& t) { return ok<int64_t>(t.prio); }));
  check_column<int64_t>(ktsnap_column_i64, tasks_, "lag", 0,
                        per_task<int64_t>([](const VwTask& t) { return ok<int64_t>(t.lag); }));
  check_column<int64_t>(ktsnap_column_i64, tasks_, "big", 0,
                        per_task<int64_t>([](const VwTask& t) { return as_i(t.big); }));
  check_column<int64_t>(ktsnap_column_i64, tasks_, "hist[3]", 0,
                        per_task<int64_t>([](const VwTask& t) { return as_i(t.hist[3]); }));
  check_column<int64_t>(ktsnap_column_i64, tasks_, "sgn", 0,
                        per_task<int64_t>([](const VwTask& t) { return ok<int64_t>(t.sgn); }));
  check_column<int64_t>(ktsnap_column_i64, tasks_, "flag", 0,
                        per_task<int64_t>([](const VwTask& t) { return ok<int64_t>(int64_t(t.flag)); }));
  check_column<int64_t>(ktsnap_column_i64, tasks_, "on_cpu", 0,
                        per_task<int64_t>([](const VwTask& t) { return ok<int64_t>(t.on_cpu); }));
  check_column<int64_t>(ktsnap_column_i64, tasks_, "inner.b", 0,
                        per_task<int64_t>([](const VwTask& t) { return ok<int64_t>(t.inner_b); }));
  check_column<int64_t>(ktsnap_column_i64, tasks_, "key", 0,
                        per_task<int64_t>([](const VwTask& t) { return ok<int64_t>(t.pid); }));

  check_column<double>(ktsnap_column_f64, tasks_, "util", 0,
                       per_task<double>([](const VwTask& t) { return ok<double>(t.util); }));
  check_column<double>(ktsnap_column_f64, tasks_, "ratio", 0,
                       per_task<double>([](const VwTask& t) { return ok<double>(t.ratio); }));
  check_column<double>(ktsnap_column_f64, tasks_, "prio", 0,
                       per_task<double>([](const VwTask& t) { return ok<double>(t.prio); }));
  check_column<double>(ktsnap_column_f64, tasks_, "runtime", 0,
                       per_task<double>([](const VwTask& t) { return ok<double>(double(t.runtime)); }));
  check_column<double>(ktsnap_column_f64, tasks_, "sgn", 0,
                       per_task<double>([](const VwTask& t) { return ok<double>(t.sgn); }));
  check_column<double>(ktsnap_column_f64, tasks_, "flag", 0,
                       per_task<double>([](const VwTask& t) { return ok<double>(double(t.flag)); }));
  check_column<double>(ktsnap_column_f64, tasks_, "loads[1]", 0,
                       per_task<double>([](const VwTask& t) { return ok<double>(t.loads[1]); }));
  check_column<double>(ktsnap_column_f64, tasks_, "big", 0,
                       per_task<double>([](const VwTask& t) { return ok<double>(double(t.big)); }));

  // Each cell agrees with the one-entry view read where that read succeeds.
  std::vector<int64_t> lag(kVwTasks);
  ASSERT_OK(ktsnap_column_i64(lag.data(), lag.size(), nullptr, nullptr, tasks_, "lag", 0));
  for (uint32_t i = 0; i < kVwTasks; i++) {
    ktsnap_value v{};
    ASSERT_OK(ktsnap_entry_get(&v, tasks_, i, KTSNAP_NO_CPU, "lag"));
    int64_t x = 0;
    ASSERT_OK(ktsnap_value_read_i64(&x, &v, ""));
    EXPECT_EQ(lag[i], x);
  }
  // The CPU is ignored for maps that are not per-CPU.
  std::vector<uint64_t> pid(kVwTasks);
  VIEW_OK(ktsnap_column_u64(pid.data(), pid.size(), nullptr, nullptr, tasks_, "pid", 77));
  EXPECT_EQ(pid[9], 109u);
}

TEST_F(ViewBulkTest, PerCpuColumnsMarkSlotsThatWereNotCaptured) {
  for (uint32_t cpu = 0; cpu < kVwCpus; cpu++) {
    std::vector<Cell<uint64_t>> cnt, neg_u;
    std::vector<Cell<int64_t>> neg;
    std::vector<Cell<double>> lat;
    std::vector<Cell<uint64_t>> keys;
    for (uint32_t e = 0; e < kVwPcpuEntries; e++) {
      keys.push_back(ok<uint64_t>(e));  // the key side does not depend on the slot
      if (is_absent(vw_pcpu_absent(), e, cpu)) {
        cnt.push_back(failed<uint64_t>(KTSNAP_E_NOTFOUND));
        neg_u.push_back(failed<uint64_t>(KTSNAP_E_NOTFOUND));
        neg.push_back(failed<int64_t>(KTSNAP_E_NOTFOUND));
        lat.push_back(failed<double>(KTSNAP_E_NOTFOUND));
        continue;
      }
      VwPcpu p = vw_pcpu_data(e, cpu);
      cnt.push_back(ok<uint64_t>(p.cnt));
      neg_u.push_back(as_u(p.neg));
      neg.push_back(ok<int64_t>(p.neg));
      lat.push_back(ok<double>(p.lat));
    }
    check_column<uint64_t>(ktsnap_column_u64, pcpu_, "cnt", cpu, cnt);
    check_column<uint64_t>(ktsnap_column_u64, pcpu_, "neg", cpu, neg_u);
    check_column<int64_t>(ktsnap_column_i64, pcpu_, "neg", cpu, neg);
    check_column<double>(ktsnap_column_f64, pcpu_, "lat", cpu, lat);
    check_column<uint64_t>(ktsnap_column_u64, pcpu_, "key", cpu, keys);
  }
  // A CPU past the slots fails the call.
  std::vector<uint64_t> out(kVwPcpuEntries);
  PLAIN_FAIL(ktsnap_column_u64(out.data(), out.size(), nullptr, nullptr, pcpu_, "cnt", kVwCpus), KTSNAP_E_RANGE, "");
  PLAIN_FAIL(ktsnap_column_u64(out.data(), out.size(), nullptr, nullptr, pcpu_, "cnt", KTSNAP_NO_CPU), KTSNAP_E_RANGE,
             "");
  // The per-CPU hash: typed keys.
  const ktsnap_map* ph = map_of(r_.get(), "vw_pcpu_hash");
  std::vector<Cell<uint64_t>> ids;
  for (uint32_t e = 0; e < kVwPcpuHashEntries; e++) ids.push_back(ok<uint64_t>(vw_hash_key(e).id));
  check_column<uint64_t>(ktsnap_column_u64, ph, "key.id", 0, ids);
}

TEST_F(ViewBulkTest, WholeCallErrors) {
  std::vector<uint64_t> u(kVwTasks);
  std::vector<int64_t> s(kVwTasks);
  std::vector<double> d(kVwTasks);
  std::vector<int32_t> st(kVwTasks);
  ktsnap_bulk_result res{};
  // Types that never convert.
  struct Case {
    const char* path;
    int which;  // 0 u64, 1 i64, 2 f64
  } types[] = {{"util", 0},   {"inner", 0}, {"comm", 0},  {"head", 1}, {"util", 1},
               {"on_cpu", 2}, {"head", 2},  {"inner", 2}, {"value", 0}};
  for (const Case& c : types) {
    ktsnap_status got = c.which == 0   ? ktsnap_column_u64(u.data(), u.size(), st.data(), &res, tasks_, c.path, 0)
                        : c.which == 1 ? ktsnap_column_i64(s.data(), s.size(), st.data(), &res, tasks_, c.path, 0)
                                       : ktsnap_column_f64(d.data(), d.size(), st.data(), &res, tasks_, c.path, 0);
    expect_plain(got, KTSNAP_E_TYPE, "", c.path);
  }
  // Path errors are the query path's compile errors.
  Info i = PLAIN_FAIL(ktsnap_column_u64(u.data(), u.size(), nullptr, nullptr, tasks_, "runtme", 0), KTSNAP_E_NOTFOUND,
                      "runtme");
  EXPECT_EQ(i.column, 1u);
  EXPECT_EQ(i.alternatives, views().btf.flat_member_names(views().task));
  i = PLAIN_FAIL(ktsnap_column_u64(u.data(), u.size(), nullptr, nullptr, tasks_, "inner.", 0), KTSNAP_E_INVALID, "");
  EXPECT_GE(i.column, 1u);
  PLAIN_FAIL(ktsnap_column_u64(u.data(), u.size(), nullptr, nullptr, tasks_, "head.val", 0), KTSNAP_E_UNSUPPORTED, "");
  PLAIN_FAIL(ktsnap_column_u64(u.data(), u.size(), nullptr, nullptr, tasks_, "", 0), KTSNAP_E_INVALID, "");
  std::string long_path = "inner";
  for (int k = 0; k < 9999; k++) long_path += ".a";
  PLAIN_FAIL(ktsnap_column_u64(u.data(), u.size(), nullptr, nullptr, tasks_, long_path.c_str(), 0), KTSNAP_E_RANGE,
             "256");
  PLAIN_FAIL(ktsnap_column_u64(u.data(), u.size(), nullptr, nullptr, map_of(r_.get(), "vw_raw"), "value", 0),
             KTSNAP_E_UNSUPPORTED, "");
  // Short arrays.
  PLAIN_FAIL(ktsnap_column_u64(u.data(), kVwTasks - 1, nullptr, nullptr, tasks_, "pid", 0), KTSNAP_E_INVALID, "");
  PLAIN_FAIL(ktsnap_column_i64(s.data(), 0, nullptr, nullptr, tasks_, "pid", 0), KTSNAP_E_INVALID, "");
  PLAIN_FAIL(ktsnap_column_f64(d.data(), 3, st.data(), &res, tasks_, "pid", 0), KTSNAP_E_INVALID, "");
  // Maps with no entries: nothing to read, nothing to fail.
  VIEW_OK(ktsnap_column_u64(nullptr, 0, nullptr, &res, map_of(r_.get(), "vw_empty"), "pid", 0));
  EXPECT_EQ(res.failed, 0u);
  EXPECT_EQ(res.first_failure, UINT32_MAX);
  // NULL arguments.
  NULL_ARG(ktsnap_column_u64(nullptr, kVwTasks, nullptr, nullptr, tasks_, "pid", 0), "out");
  NULL_ARG(ktsnap_column_u64(u.data(), u.size(), nullptr, nullptr, nullptr, "pid", 0), "map");
  NULL_ARG(ktsnap_column_u64(u.data(), u.size(), nullptr, nullptr, tasks_, nullptr, 0), "path");
  NULL_ARG(ktsnap_column_i64(nullptr, kVwTasks, nullptr, nullptr, tasks_, "pid", 0), "out");
  NULL_ARG(ktsnap_column_i64(s.data(), s.size(), nullptr, nullptr, nullptr, "pid", 0), "map");
  NULL_ARG(ktsnap_column_i64(s.data(), s.size(), nullptr, nullptr, tasks_, nullptr, 0), "path");
  NULL_ARG(ktsnap_column_f64(nullptr, kVwTasks, nullptr, nullptr, tasks_, "pid", 0), "out");
  NULL_ARG(ktsnap_column_f64(d.data(), d.size(), nullptr, nullptr, nullptr, "pid", 0), "map");
  NULL_ARG(ktsnap_column_f64(d.data(), d.size(), nullptr, nullptr, tasks_, nullptr, 0), "path");
}

namespace {

// Every entry's aggregate against the spec rules applied to the slots.
// `path` is in the query path syntax ("value" = the whole slot); `entry_path`
// the same place for the one-entry form, which walks with the view walker
// ("" = the whole slot).
template <typename T, typename Fn, typename Ref>
void check_agg_all(Fn fn, const ktsnap_map* m, const char* path, const char* entry_path, uint32_t op,
                   const Slots<T>& slots, Ref ref) {
  SCOPED_TRACE(std::string(ktsnap_map_name(m)) + " " + path + " op " + std::to_string(op));
  size_t n = slots.size();
  ASSERT_EQ(n, ktsnap_map_entry_count(m));
  std::vector<T> out(n + 1, T(77));
  std::vector<int32_t> st(n + 1, 12345);
  ktsnap_bulk_result res{};
  VIEW_OK(fn(out.data(), n, st.data(), &res, m, path, op));
  uint32_t failed_n = 0, first = UINT32_MAX;
  for (size_t e = 0; e < n; e++) {
    std::optional<T> want = ref(slots[e], op);
    if (want) {
      EXPECT_EQ(st[e], KTSNAP_OK) << e;
      if constexpr (std::is_floating_point_v<T>) {
        EXPECT_TRUE(same_f64(out[e], *want)) << e << ": " << out[e] << " vs " << *want;
      } else {
        EXPECT_EQ(out[e], *want) << e;
      }
      // The one-entry form agrees.
      T one{};
      ktsnap_status s1;
      if constexpr (std::is_same_v<T, uint64_t>)
        s1 = ktsnap_entry_cpu_agg_u64(&one, m, e, entry_path, op);
      else if constexpr (std::is_same_v<T, int64_t>)
        s1 = ktsnap_entry_cpu_agg_i64(&one, m, e, entry_path, op);
      else
        s1 = ktsnap_entry_cpu_agg_f64(&one, m, e, entry_path, op);
      EXPECT_EQ(s1, KTSNAP_OK);
      if constexpr (std::is_floating_point_v<T>) {
        EXPECT_TRUE(same_f64(one, out[e]));
      } else {
        EXPECT_EQ(one, out[e]);
      }
    } else {
      EXPECT_EQ(st[e], KTSNAP_E_NOTFOUND) << e;  // no slot was captured
      EXPECT_EQ(out[e], T(0)) << e;
      if (failed_n++ == 0) first = uint32_t(e);
    }
  }
  EXPECT_EQ(out[n], T(77));
  EXPECT_EQ(st[n], 12345);
  EXPECT_EQ(res.failed, failed_n);
  EXPECT_EQ(res.first_failure, first);
  EXPECT_EQ(res.first_status, failed_n ? KTSNAP_E_NOTFOUND : KTSNAP_OK);
}

}  // namespace

TEST(ViewBulkAgg, EveryEntryAtOnce) {
  ReportPtr r = agg_report();
  ASSERT_TRUE(r);
  const ktsnap_map* mu = map_of(r.get(), "agg_u64");
  const ktsnap_map* mi = map_of(r.get(), "agg_i64");
  const ktsnap_map* mf = map_of(r.get(), "agg_f64");
  const ktsnap_map* mh = map_of(r.get(), "agg_hash");
  for (uint32_t op : {KTSNAP_AGG_SUM, KTSNAP_AGG_MAX, KTSNAP_AGG_MIN}) {
    check_agg_all<uint64_t>(ktsnap_cpu_agg_u64, mu, "value", "", op, agg_u64_slots(), ref_agg_u64);
    check_agg_all<uint64_t>(ktsnap_cpu_agg_u64, mh, "value", "", op, agg_u64_slots(), ref_agg_u64);
    check_agg_all<int64_t>(ktsnap_cpu_agg_i64, mi, "value", "", op, agg_i64_slots(), ref_agg_i64);
    check_agg_all<double>(ktsnap_cpu_agg_f64, mf, "value", "", op, agg_f64_slots(), ref_agg_f64);
  }
  // The documented edge cases, spelled out.
  std::vector<uint64_t> u(agg_u64_slots().size());
  std::vector<int32_t> st(u.size());
  ktsnap_bulk_result res{};
  VIEW_OK(ktsnap_cpu_agg_u64(u.data(), u.size(), st.data(), &res, mu, "value", KTSNAP_AGG_SUM));
  EXPECT_EQ(u[0], UINT64_MAX);  // saturated
  EXPECT_EQ(u[2], 0u);          // readable zeros sum to 0
  EXPECT_EQ(st[2], KTSNAP_OK);
  EXPECT_EQ(u[3], 0u);  // nothing captured: an error, not 0
  EXPECT_EQ(st[3], KTSNAP_E_NOTFOUND);
  EXPECT_EQ(res.first_failure, 3u);
  std::vector<int64_t> s(agg_i64_slots().size());
  VIEW_OK(ktsnap_cpu_agg_i64(s.data(), s.size(), nullptr, nullptr, mi, "value", KTSNAP_AGG_SUM));
  EXPECT_EQ(s[0], INT64_MAX - 3);
  EXPECT_EQ(s[1], INT64_MIN + 2);
  std::vector<double> d(agg_f64_slots().size());
  VIEW_OK(ktsnap_cpu_agg_f64(d.data(), d.size(), nullptr, nullptr, mf, "value", KTSNAP_AGG_SUM));
  EXPECT_TRUE(std::isnan(d[0]));
  VIEW_OK(ktsnap_cpu_agg_f64(d.data(), d.size(), nullptr, nullptr, mf, "value", KTSNAP_AGG_MAX));
  EXPECT_EQ(d[0], 3.0);
  EXPECT_TRUE(std::isnan(d[1]));
  EXPECT_EQ(d[2], 2.0);
  EXPECT_EQ(d[3], -0.5);
  VIEW_OK(ktsnap_cpu_agg_f64(d.data(), d.size(), nullptr, nullptr, mf, "value", KTSNAP_AGG_MIN));
  EXPECT_EQ(d[0], 1.0);
  // Integers aggregate as f64 too.
  VIEW_OK(ktsnap_cpu_agg_f64(d.data(), u.size(), nullptr, nullptr, mu, "value", KTSNAP_AGG_MIN));
  EXPECT_EQ(d[1], 1.0);
}

TEST(ViewBulkAgg, PerEntryConversionFailures) {
  ReportPtr r = agg_report();
  const ktsnap_map* mu = map_of(r.get(), "agg_u64");
  const ktsnap_map* mi = map_of(r.get(), "agg_i64");
  // i64 slots as u64: an entry with a negative slot fails with RANGE.
  std::vector<uint64_t> u(agg_i64_slots().size(), 77);
  std::vector<int32_t> st(u.size());
  ktsnap_bulk_result res{};
  VIEW_OK(ktsnap_cpu_agg_u64(u.data(), u.size(), st.data(), &res, mi, "value", KTSNAP_AGG_MAX));
  uint32_t failed_n = 0;
  for (size_t e = 0; e < agg_i64_slots().size(); e++) {
    bool any = false, neg = false;
    for (const auto& x : agg_i64_slots()[e]) {
      any |= x.has_value();
      neg |= x && *x < 0;
    }
    ktsnap_status want = !any ? KTSNAP_E_NOTFOUND : neg ? KTSNAP_E_RANGE : KTSNAP_OK;
    EXPECT_EQ(st[e], want) << e;
    if (want != KTSNAP_OK) {
      EXPECT_EQ(u[e], 0u) << e;
      failed_n++;
    }
  }
  EXPECT_EQ(res.failed, failed_n);
  EXPECT_EQ(res.first_failure, 0u);
  EXPECT_EQ(res.first_status, KTSNAP_E_RANGE);
  // u64 slots as i64: above INT64_MAX fails.
  std::vector<int64_t> s(agg_u64_slots().size(), 77);
  st.assign(s.size(), 0);
  VIEW_OK(ktsnap_cpu_agg_i64(s.data(), s.size(), st.data(), &res, mu, "value", KTSNAP_AGG_SUM));
  for (size_t e = 0; e < agg_u64_slots().size(); e++) {
    bool any = false, big = false;
    std::vector<std::optional<int64_t>> conv;
    for (const auto& x : agg_u64_slots()[e]) {
      any |= x.has_value();
      big |= x && *x > uint64_t(INT64_MAX);
      conv.push_back(x ? std::optional<int64_t>(int64_t(*x)) : std::nullopt);
    }
    ktsnap_status want = !any ? KTSNAP_E_NOTFOUND : big ? KTSNAP_E_RANGE : KTSNAP_OK;
    EXPECT_EQ(st[e], want) << e;
    if (want == KTSNAP_OK) {
      EXPECT_EQ(s[e], *ref_agg_i64(conv, KTSNAP_AGG_SUM)) << e;
    }
  }
}

TEST(ViewBulkAgg, WholeCallErrors) {
  ReportPtr r = agg_report();
  const ktsnap_map* mu = map_of(r.get(), "agg_u64");
  const ktsnap_map* mf = map_of(r.get(), "agg_f64");
  const ktsnap_map* plain = map_of(r.get(), "agg_plain");
  size_t n = agg_u64_slots().size();
  std::vector<uint64_t> u(n);
  std::vector<int64_t> s(n);
  std::vector<double> d(n);
  // Not per-CPU, a type that never converts, a bad op, short arrays, path errors.
  PLAIN_FAIL(ktsnap_cpu_agg_u64(u.data(), u.size(), nullptr, nullptr, plain, "value", KTSNAP_AGG_SUM), KTSNAP_E_TYPE,
             "");
  PLAIN_FAIL(ktsnap_cpu_agg_u64(u.data(), u.size(), nullptr, nullptr, mf, "value", KTSNAP_AGG_SUM), KTSNAP_E_TYPE, "");
  PLAIN_FAIL(ktsnap_cpu_agg_i64(s.data(), s.size(), nullptr, nullptr, mf, "value", KTSNAP_AGG_MIN), KTSNAP_E_TYPE, "");
  PLAIN_FAIL(ktsnap_cpu_agg_u64(u.data(), u.size(), nullptr, nullptr, mu, "value", 3), KTSNAP_E_INVALID, "");
  PLAIN_FAIL(ktsnap_cpu_agg_f64(d.data(), d.size(), nullptr, nullptr, mu, "value", UINT32_MAX), KTSNAP_E_INVALID, "");
  PLAIN_FAIL(ktsnap_cpu_agg_u64(u.data(), n - 1, nullptr, nullptr, mu, "value", KTSNAP_AGG_SUM), KTSNAP_E_INVALID, "");
  PLAIN_FAIL(ktsnap_cpu_agg_i64(s.data(), 0, nullptr, nullptr, mu, "value", KTSNAP_AGG_SUM), KTSNAP_E_INVALID, "");
  PLAIN_FAIL(ktsnap_cpu_agg_u64(u.data(), u.size(), nullptr, nullptr, mu, "x", KTSNAP_AGG_SUM), KTSNAP_E_TYPE, "");
  // Paths use the query path syntax, as columns do: "value" is the whole slot, "" is no path.
  PLAIN_FAIL(ktsnap_cpu_agg_u64(u.data(), u.size(), nullptr, nullptr, mu, "", KTSNAP_AGG_SUM), KTSNAP_E_INVALID, "");
  PLAIN_FAIL(ktsnap_cpu_agg_u64(u.data(), u.size(), nullptr, nullptr, mu, "key", KTSNAP_AGG_SUM), KTSNAP_E_TYPE,
             "");  // value side only
  ReportPtr v = views_report();
  const ktsnap_map* pc = map_of(v.get(), "vw_pcpu");
  std::vector<uint64_t> pu(kVwPcpuEntries);
  Info i = PLAIN_FAIL(ktsnap_cpu_agg_u64(pu.data(), pu.size(), nullptr, nullptr, pc, "cnnt", KTSNAP_AGG_SUM),
                      KTSNAP_E_NOTFOUND, "cnnt");
  EXPECT_EQ(i.alternatives, views().btf.flat_member_names(views().pcpu));
  PLAIN_FAIL(ktsnap_cpu_agg_u64(pu.data(), pu.size(), nullptr, nullptr, pc, "lat", KTSNAP_AGG_SUM), KTSNAP_E_TYPE, "");
  // A struct slot's member, absent slots skipped.
  std::vector<int32_t> st(kVwPcpuEntries);
  VIEW_OK(ktsnap_cpu_agg_u64(pu.data(), pu.size(), st.data(), nullptr, pc, "cnt", KTSNAP_AGG_MAX));
  for (uint32_t e = 0; e < kVwPcpuEntries; e++) {
    std::vector<std::optional<uint64_t>> slots;
    for (uint32_t c = 0; c < kVwCpus; c++)
      slots.push_back(is_absent(vw_pcpu_absent(), e, c) ? std::nullopt
                                                        : std::optional<uint64_t>(vw_pcpu_data(e, c).cnt));
    auto want = ref_agg_u64(slots, KTSNAP_AGG_MAX);
    EXPECT_EQ(st[e], want ? KTSNAP_OK : KTSNAP_E_NOTFOUND) << e;
    EXPECT_EQ(pu[e], want.value_or(0)) << e;
  }
  // NULL arguments.
  NULL_ARG(ktsnap_cpu_agg_u64(nullptr, n, nullptr, nullptr, mu, "value", KTSNAP_AGG_SUM), "out");
  NULL_ARG(ktsnap_cpu_agg_u64(u.data(), n, nullptr, nullptr, nullptr, "", KTSNAP_AGG_SUM), "map");
  NULL_ARG(ktsnap_cpu_agg_u64(u.data(), n, nullptr, nullptr, mu, nullptr, KTSNAP_AGG_SUM), "path");
  NULL_ARG(ktsnap_cpu_agg_i64(nullptr, n, nullptr, nullptr, mu, "value", KTSNAP_AGG_SUM), "out");
  NULL_ARG(ktsnap_cpu_agg_i64(s.data(), n, nullptr, nullptr, nullptr, "", KTSNAP_AGG_SUM), "map");
  NULL_ARG(ktsnap_cpu_agg_i64(s.data(), n, nullptr, nullptr, mu, nullptr, KTSNAP_AGG_SUM), "path");
  NULL_ARG(ktsnap_cpu_agg_f64(nullptr, n, nullptr, nullptr, mu, "value", KTSNAP_AGG_SUM), "out");
  NULL_ARG(ktsnap_cpu_agg_f64(d.data(), n, nullptr, nullptr, nullptr, "", KTSNAP_AGG_SUM), "map");
  NULL_ARG(ktsnap_cpu_agg_f64(d.data(), n, nullptr, nullptr, mu, nullptr, KTSNAP_AGG_SUM), "path");
}
