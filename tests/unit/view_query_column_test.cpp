// Column extraction and per-CPU aggregates on the fixture report: every
// entry's result equals the lazy Value's as_u64 / as_i64 / as_f64 of the
// same path (value, status code and whole-call type errors), for scalar
// members of every kind, bitfields, array elements, keys and per-CPU slots.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "value/value.hpp"
#include "view/aggregate.hpp"
#include "view/column.hpp"
#include "view/query.hpp"

namespace ktsnap::test {
namespace {

using view::AggOp;
using view::Column;
using view::CpuAggregate;

struct Split {
  bool key = false;
  std::string value_path;
};
Split split(const std::string& p) {
  Split s;
  s.key = p == "key" || p.starts_with("key.") || p.starts_with("key[");
  bool val = p == "value" || p.starts_with("value.") || p.starts_with("value[");
  s.value_path = s.key || val ? p.substr(s.key ? 3 : 5) : p;
  if (!s.value_path.empty() && s.value_path[0] == '.') s.value_path = s.value_path.substr(1);
  return s;
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

// Reads the column as all three targets and compares with Value.
void expect_matches_value(const MapInfo& m, const std::string& path, uint32_t cpu = 0) {
  SCOPED_TRACE(std::string(m.name) + " / " + path + " / cpu " + std::to_string(cpu));
  auto col = Column::compile(m, path);
  ASSERT_TRUE(col.ok()) << col.error().message;
  const Split sp = split(path);
  const uint32_t n = m.entry_count;
  std::vector<uint64_t> u(n);
  std::vector<int64_t> i(n);
  std::vector<double> d(n);
  std::vector<int32_t> su(n), si(n), sd(n);
  auto ru = col->read_u64(u, su, cpu);
  auto ri = col->read_i64(i, si, cpu);
  auto rd = col->read_f64(d, sd, cpu);
  int compared = 0;
  for (uint32_t e = 0; e < n; e++) {
    Value base = sp.key ? Value::map_key(m, e) : Value::map_value(m, e, cpu);
    auto v = base.get(sp.value_path);
    ASSERT_TRUE(v.ok()) << v.error().message;
    auto xu = v->as_u64();
    auto xi = v->as_i64();
    auto xd = v->as_f64();
    if (!ru.ok()) {
      EXPECT_EQ(ru.error().code, Code::Type);
      EXPECT_EQ(xu.error().code, Code::Type);
    } else if (xu.ok()) {
      EXPECT_EQ(su[e], 0);
      EXPECT_EQ(u[e], xu.value()) << "entry " << e;
      compared++;
    } else {
      EXPECT_EQ(su[e], static_cast<int32_t>(xu.error().code)) << "entry " << e;
      EXPECT_EQ(u[e], 0u);
    }
    if (!ri.ok()) {
      EXPECT_EQ(ri.error().code, Code::Type);
      EXPECT_EQ(xi.error().code, Code::Type);
    } else if (xi.ok()) {
      EXPECT_EQ(si[e], 0);
      EXPECT_EQ(i[e], xi.value()) << "entry " << e;
      compared++;
    } else {
      EXPECT_EQ(si[e], static_cast<int32_t>(xi.error().code)) << "entry " << e;
    }
    if (!rd.ok()) {
      EXPECT_EQ(rd.error().code, Code::Type);
      EXPECT_EQ(xd.error().code, Code::Type);
    } else if (xd.ok()) {
      EXPECT_EQ(sd[e], 0);
      EXPECT_TRUE(same(d[e], xd.value())) << "entry " << e << ": " << d[e] << " vs " << xd.value();
      compared++;
    } else {
      EXPECT_EQ(sd[e], static_cast<int32_t>(xd.error().code));
    }
  }
  EXPECT_GT(compared, 0) << "no target converted";
}

TEST(ViewQueryColumn, EveryScalarMemberOfTasksMatchesValue) {
  const MapInfo& m = fixture_map("kt_tasks");
  for (const char* p :
       {"runtime_ns", "tid",     "state",    "weight",    "raw",      "lo16",      "hi16",       "inner.a",
        "inner.b",    "inner.c", "bits.lo",  "bits.sv",   "bits.mid", "bits.wide", "bits.swide", "hist[0][0]",
        "hist[1][2]", "comm[0]", "comm[15]", "inner_ptr", "opaque",   "on_cpu",    "load",       "avg",
        "cv_val",     "e8",      "e16",      "e64",       "sc",       "uc",        "key",        "value.tid"})
    expect_matches_value(m, p);
}

TEST(ViewQueryColumn, OtherFixtureMaps) {
  for (const char* p : {"key.cpu", "key.dsq", "lo", "sv", "mid", "wide", "swide"})
    expect_matches_value(fixture_map("kt_bits_hash"), p);
  for (const char* p : {"key", "a", "b", "c"}) expect_matches_value(fixture_map("kt_array"), p);
  for (uint32_t cpu = 0; cpu < 4; cpu++) {
    for (const char* p : {"nr_dispatched", "nr_enqueued", "last_tid", "key"})
      expect_matches_value(fixture_map("kt_cpu_stats"), p, cpu);
    for (const char* p : {"value", "key.cpu", "key.dsq"}) expect_matches_value(fixture_map("kt_pcpu_hash"), p, cpu);
  }
}

TEST(ViewQueryColumn, ExplicitValuesAndErrors) {
  const MapInfo& m = fixture_map("kt_tasks");
  auto tid = Column::compile(m, "tid");
  ASSERT_TRUE(tid.ok());
  std::vector<uint64_t> out(m.entry_count);
  auto r = tid->read_u64(out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failed, 0u);
  for (uint32_t e = 0; e < m.entry_count; e++) EXPECT_EQ(out[e], kt_task_expect(e).tid);
  auto sv = Column::compile(m, "bits.sv");  // sv = i - 16: all negative
  ASSERT_TRUE(sv.ok());
  std::vector<int32_t> st(m.entry_count);
  r = sv->read_u64(out, st);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failed, m.entry_count);
  EXPECT_EQ(r->first_failure, 0u);
  EXPECT_EQ(r->first_code, Code::Range);
  std::vector<int64_t> iout(m.entry_count);
  r = sv->read_i64(iout, st);
  ASSERT_TRUE(r.ok());
  for (uint32_t e = 0; e < m.entry_count; e++) EXPECT_EQ(iout[e], kt_task_expect(e).bits_sv);
  // larger arrays than needed are fine; only the first entry_count are written
  std::vector<uint64_t> big(m.entry_count + 3, 77);
  ASSERT_TRUE(tid->read_u64(big).ok());
  EXPECT_EQ(big[m.entry_count], 77u);
  // type errors for the whole call
  auto comm = Column::compile(m, "comm");
  ASSERT_TRUE(comm.ok());
  EXPECT_EQ(comm->read_u64(out).error().code, Code::Type);
  auto ptr = Column::compile(m, "inner_ptr");
  ASSERT_TRUE(ptr.ok());
  EXPECT_EQ(ptr->read_i64(iout).error().code, Code::Type);
  auto inner = Column::compile(m, "inner");
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->read_u64(out).error().code, Code::Type);
  EXPECT_FALSE(Column::compile(m, "inner_ptr.a").ok());
  EXPECT_TRUE(Column::compile(m, "tid ").ok());  // trailing whitespace is fine
  EXPECT_EQ(Column::compile(m, "tid x").error().code, Code::Invalid);
  // per-CPU: the CPU must exist
  auto nd = Column::compile(fixture_map("kt_cpu_stats"), "nr_dispatched");
  ASSERT_TRUE(nd.ok());
  std::vector<uint64_t> c(4);
  EXPECT_EQ(nd->read_u64(c, {}, 4).error().code, Code::Range);
  ASSERT_TRUE(nd->read_u64(c, {}, 3).ok());
  EXPECT_EQ(c, (std::vector<uint64_t>{3, 103, 203, 303}));
  EXPECT_EQ(nd->u64(9).error().code, Code::Range);
}

TEST(ViewQueryColumn, AggregatesOnTheFixture) {
  const MapInfo& cs = fixture_map("kt_cpu_stats");  // nr_dispatched = key * 100 + cpu, 4 CPUs
  auto a = CpuAggregate::compile(cs, "nr_dispatched");
  ASSERT_TRUE(a.ok()) << a.error().message;
  for (uint32_t k = 0; k < cs.entry_count; k++) {
    EXPECT_EQ(a->u64(AggOp::Sum, k).value(), k * 400ull + 6);
    EXPECT_EQ(a->u64(AggOp::Max, k).value(), k * 100ull + 3);
    EXPECT_EQ(a->u64(AggOp::Min, k).value(), k * 100ull);
    EXPECT_EQ(a->i64(AggOp::Sum, k).value(), static_cast<int64_t>(k * 400 + 6));
    EXPECT_EQ(a->f64(AggOp::Max, k).value(), k * 100.0 + 3);
  }
  std::vector<uint64_t> sums(cs.entry_count);
  std::vector<int32_t> st(cs.entry_count, 5);
  auto r = a->all_u64(AggOp::Sum, sums, st);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failed, 0u);
  EXPECT_EQ(sums, (std::vector<uint64_t>{6, 406, 806, 1206}));
  EXPECT_EQ(st, (std::vector<int32_t>{0, 0, 0, 0}));
  auto lt = CpuAggregate::compile(cs, "last_tid");  // 1000 + cpu
  ASSERT_TRUE(lt.ok());
  EXPECT_EQ(lt->i64(AggOp::Sum, 0).value(), 4006);
  EXPECT_EQ(lt->i64(AggOp::Min, 2).value(), 1000);
  // a per-CPU hash with a scalar value: the whole value is the path
  auto ph = CpuAggregate::compile(fixture_map("kt_pcpu_hash"), "value");
  ASSERT_TRUE(ph.ok());
  EXPECT_EQ(ph->u64(AggOp::Sum, 2).value(), 8006u);  // 2000 + 2001 + 2002 + 2003
  EXPECT_FALSE(CpuAggregate::compile(fixture_map("kt_tasks"), "tid").ok());
}

}  // namespace
}  // namespace ktsnap::test
