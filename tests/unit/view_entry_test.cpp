// SnapshotEntry: value and key walks by entry kind, cpu_each, and every
// per-CPU aggregate (absent slots skipped, saturation, NaN handling, an
// error when nothing contributes).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "view_test_util.hpp"

namespace ktsnap::test::viewt {
namespace {

const Report& fx() {
  return *fixture_report().report;
}

TEST(ViewEntry, AggregatesOverFixturePerCpuMaps) {
  Snapshot s(fx());
  // kt_cpu_stats entry k, cpu c: nr_dispatched = k*100 + c, last_tid = 1000 + c.
  SnapshotEntry e = s.map("kt_cpu_stats")->at(2);
  EXPECT_EQ(e.cpu_sum_u64("nr_dispatched").value(), 4 * 200u + 6);
  EXPECT_EQ(e.cpu_max_u64("nr_dispatched").value(), 203u);
  EXPECT_EQ(e.cpu_min_u64("nr_dispatched").value(), 200u);
  EXPECT_EQ(e.cpu_sum_i64("last_tid").value(), 4006);
  EXPECT_EQ(e.cpu_max_i64("last_tid").value(), 1003);
  EXPECT_EQ(e.cpu_min_i64("last_tid").value(), 1000);
  EXPECT_DOUBLE_EQ(e.cpu_sum_f64("nr_enqueued").value(), 4 * 20.0 + 12);
  EXPECT_DOUBLE_EQ(e.cpu_max_f64("nr_enqueued").value(), 26.0);
  EXPECT_DOUBLE_EQ(e.cpu_min_f64("nr_enqueued").value(), 20.0);
  // kt_pcpu_hash entry i, cpu c: i*1000 + c, the value is the u64 itself.
  SnapshotEntry h = s.map("kt_pcpu_hash")->at(1);
  EXPECT_EQ(h.cpu_sum_u64("").value(), 4006u);
  EXPECT_EQ(h.cpu_max_u64("").value(), 1003u);

  std::vector<uint32_t> cpus;
  ViewStatus st = e.cpu_each("pad", [&](uint32_t cpu, const SnapshotField& f) -> ViewStatus {
    cpus.push_back(cpu);
    EXPECT_EQ(f.as_u64().value(), 0u);
    return {};
  });
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(cpus, (std::vector<uint32_t>{0, 1, 2, 3}));
}

TEST(ViewEntry, CpuEachStopsOnTheFirstError) {
  Snapshot s(fx());
  SnapshotEntry e = s.map("kt_cpu_stats")->at(0);
  auto walk = err_of<FieldNotFound>(e.cpu_sum_u64("nope"));
  EXPECT_EQ(walk.component, "nope");
  int calls = 0;
  ViewStatus st = e.cpu_each("", [&](uint32_t cpu, const SnapshotField&) -> ViewStatus {
    calls++;
    if (cpu == 1) return ProjectionFailed{"stop at 1"};
    return {};
  });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(err_of<ProjectionFailed>(st).reason, "stop at 1");
  // A coercion error propagates: a struct is not a u64.
  EXPECT_EQ(err_of<TypeMismatch>(e.cpu_sum_u64("")).actual, "Struct");

  // Only per-CPU entries aggregate.
  auto hash = err_of<TypeMismatch>(s.map("kt_tasks")->at(0).cpu_sum_u64("tid"));
  EXPECT_EQ(hash.expected, "Percpu / PercpuHash");
  EXPECT_EQ(hash.actual, "Hash");
  EXPECT_EQ(hash.requested, "tid");
  auto val = err_of<TypeMismatch>(s.map("kt_cpu_stats")->cpu(0).at(0).cpu_max_u64("pad"));
  EXPECT_EQ(val.actual, "Value");
  auto miss = err_of<PerCpuSlot>(s.map("kt_cpu_stats")->cpu(99).at(0).cpu_min_u64(""));
  EXPECT_EQ(miss.cpu, 99u);
}

class ViewAggregates : public ::testing::Test {
 protected:
  // Per-CPU array "agg", one entry per row of `rows` (4 CPUs each);
  // nullopt = the slot is unreadable.
  template <typename T>
  Owned build(uint32_t type, const std::vector<std::vector<std::optional<T>>>& rows) {
    Maker mk(syn_.btf);
    MapSpec s = mk.spec("agg", kMapTypePercpuArray, 0, type, uint32_t(rows.size()));
    std::vector<uint8_t> keys, values;
    std::vector<uint8_t> absent((rows.size() * 4 + 7) / 8, 0);
    bool any_absent = false;
    for (uint32_t i = 0; i < rows.size(); i++) {
      append(keys, bytes_of(i));
      for (uint32_t c = 0; c < 4; c++) {
        T v = rows[i][c].value_or(T{});
        std::vector<uint8_t> slot = bytes_of(v);
        slot.resize(8, 0);
        append(values, slot);
        if (!rows[i][c]) {
          absent[(i * 4 + c) / 8] |= uint8_t(1u << ((i * 4 + c) % 8));
          any_absent = true;
        }
      }
    }
    if (any_absent) s.percpu_absent = absent;
    mk.map(s, keys, values);
    return mk.finish();
  }
  SnapshotEntry entry(const Owned& r, uint32_t i) { return Snapshot(*r).map("agg")->at(i); }

  Synth syn_ = make_synth();
};

TEST_F(ViewAggregates, U64SaturatesAndSkipsAbsentSlots) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  Owned r = build<uint64_t>(syn_.u64, {{kMax - 1, 5, std::nullopt, 1},
                                       {std::nullopt, std::nullopt, std::nullopt, std::nullopt},
                                       {0, 0, 0, 0},
                                       {std::nullopt, 7, std::nullopt, std::nullopt}});
  EXPECT_EQ(entry(r, 0).cpu_sum_u64("").value(), kMax);
  EXPECT_EQ(entry(r, 0).cpu_max_u64("").value(), kMax - 1);
  EXPECT_EQ(entry(r, 0).cpu_min_u64("").value(), 1u);
  EXPECT_EQ(entry(r, 2).cpu_sum_u64("").value(), 0u);  // readable zeros are a real 0
  EXPECT_EQ(entry(r, 3).cpu_sum_u64("").value(), 7u);
  EXPECT_EQ(entry(r, 3).cpu_min_u64("").value(), 7u);
  // Every slot absent: an error, not 0.
  for (auto [op, res] : {std::pair<const char*, ViewResult<uint64_t>>{"cpu_sum_u64", entry(r, 1).cpu_sum_u64("")},
                         {"cpu_max_u64", entry(r, 1).cpu_max_u64("")},
                         {"cpu_min_u64", entry(r, 1).cpu_min_u64("")}}) {
    auto nm = err_of<NoMatch>(res);
    EXPECT_EQ(nm.op, op);
    EXPECT_EQ(nm.map, "agg");
    EXPECT_EQ(nm.len, 0u);
    EXPECT_TRUE(nm.available_keys.empty());
  }
  EXPECT_EQ(err_of<NoMatch>(entry(r, 1).cpu_sum_i64("")).op, "cpu_sum_i64");
  EXPECT_EQ(err_of<NoMatch>(entry(r, 1).cpu_sum_f64("")).op, "cpu_sum_f64");
  // u64 values above INT64_MAX do not read as i64.
  EXPECT_EQ(err_of<TypeMismatch>(entry(r, 0).cpu_sum_i64("")).actual, "Uint(>i64::MAX)");
}

TEST_F(ViewAggregates, I64SaturatesBothWays) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
  Owned r = build<int64_t>(syn_.s64, {{kMax, 1, 5, std::nullopt},
                                      {kMin, -1, -5, std::nullopt},
                                      {-3, 4, std::nullopt, -10},
                                      {std::nullopt, std::nullopt, std::nullopt, std::nullopt}});
  EXPECT_EQ(entry(r, 0).cpu_sum_i64("").value(), kMax);
  EXPECT_EQ(entry(r, 1).cpu_sum_i64("").value(), kMin);
  EXPECT_EQ(entry(r, 2).cpu_sum_i64("").value(), -9);
  EXPECT_EQ(entry(r, 2).cpu_max_i64("").value(), 4);
  EXPECT_EQ(entry(r, 2).cpu_min_i64("").value(), -10);
  EXPECT_EQ(err_of<NoMatch>(entry(r, 3).cpu_max_i64("")).op, "cpu_max_i64");
  EXPECT_EQ(err_of<NoMatch>(entry(r, 3).cpu_min_i64("")).op, "cpu_min_i64");
  // Negative values do not read as u64.
  EXPECT_EQ(err_of<TypeMismatch>(entry(r, 2).cpu_sum_u64("")).actual, "Int(negative)");
  EXPECT_DOUBLE_EQ(entry(r, 2).cpu_sum_f64("").value(), -9.0);
}

TEST_F(ViewAggregates, F64IgnoresNaNForMaxAndMin) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Owned r = build<double>(syn_.dbl, {{1.0, nan, 3.0, std::nullopt},
                                     {nan, nan, nan, nan},
                                     {nan, 2.5, std::nullopt, -1.5},
                                     {std::nullopt, std::nullopt, std::nullopt, std::nullopt}});
  EXPECT_DOUBLE_EQ(entry(r, 0).cpu_max_f64("").value(), 3.0);
  EXPECT_DOUBLE_EQ(entry(r, 0).cpu_min_f64("").value(), 1.0);
  EXPECT_TRUE(std::isnan(entry(r, 0).cpu_sum_f64("").value()));
  EXPECT_TRUE(std::isnan(entry(r, 1).cpu_max_f64("").value()));
  EXPECT_TRUE(std::isnan(entry(r, 1).cpu_min_f64("").value()));
  EXPECT_TRUE(std::isnan(entry(r, 1).cpu_sum_f64("").value()));
  EXPECT_DOUBLE_EQ(entry(r, 2).cpu_max_f64("").value(), 2.5);  // a NaN seed does not stick
  EXPECT_DOUBLE_EQ(entry(r, 2).cpu_min_f64("").value(), -1.5);
  EXPECT_EQ(err_of<NoMatch>(entry(r, 3).cpu_max_f64("")).op, "cpu_max_f64");
  EXPECT_EQ(err_of<NoMatch>(entry(r, 3).cpu_min_f64("")).op, "cpu_min_f64");
  // Floats are not integers.
  EXPECT_EQ(err_of<TypeMismatch>(entry(r, 2).cpu_sum_u64("")).actual, "Float");
}

TEST(ViewEntry, KindsAndAccessors) {
  Snapshot s(fx());
  SnapshotEntry hash = s.map("kt_tasks")->at(0);
  EXPECT_EQ(hash.kind(), SnapshotEntry::Kind::Hash);
  EXPECT_TRUE(hash.is_present());
  EXPECT_EQ(hash.error(), nullptr);
  EXPECT_EQ(hash.map(), fx().find_map("kt_tasks"));
  EXPECT_FALSE(hash.cpu().has_value());
  EXPECT_FALSE(hash.percpu_key().has_value());
  EXPECT_EQ(hash.key("").as_u64().value(), 1000u);
  // A struct key walks like a value.
  SnapshotEntry bits = s.map("kt_bits_hash")->at(2);
  EXPECT_EQ(bits.key("cpu").as_u64().value(), 2u);
  EXPECT_EQ(bits.key("dsq").as_u64().value(), 7u);
  EXPECT_EQ(err_as<FieldNotFound>(bits.key("nope")).available, (std::vector<std::string>{"cpu", "dsq"}));
  EXPECT_EQ(bits.get("lo").as_u64().value(), 2u);
  EXPECT_EQ(bits.get("sv").as_i64().value(), -3);

  SnapshotEntry single = s.map("kinds.rodata")->at(0);
  EXPECT_EQ(single.kind(), SnapshotEntry::Kind::Value);
  EXPECT_EQ(single.get("kt_ro_nr_cpus").as_u64().value(), 4u);
  EXPECT_EQ(single.get("kt_ro_mode").as_str().value(), "KT_STATE_RUNNING");
  EXPECT_EQ(err_as<TypeMismatch>(single.key("x")).requested, "x");

  SnapshotEntry missing = SnapshotEntry::missing(ProjectionFailed{"gone"});
  EXPECT_FALSE(missing.is_present());
  EXPECT_EQ(missing.kind(), SnapshotEntry::Kind::Missing);
  EXPECT_EQ(missing.map(), nullptr);
  EXPECT_EQ(err_as<ProjectionFailed>(missing.get("a")).reason, "gone");
  EXPECT_EQ(err_as<ProjectionFailed>(missing.key("")).reason, "gone");
  EXPECT_EQ(err_of<ProjectionFailed>(missing.cpu_sum_u64("")).reason, "gone");
  EXPECT_EQ(
      err_of<ProjectionFailed>(missing.cpu_each("", [](uint32_t, const SnapshotField&) -> ViewStatus { return {}; }))
          .reason,
      "gone");
}

}  // namespace
}  // namespace ktsnap::test::viewt
