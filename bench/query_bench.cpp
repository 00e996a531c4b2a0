// Predicate queries and column extraction over a 100k-entry task_ctx map
// (the anchor layout, 112-byte values), each against a hand-written loop
// over the same bytes doing the same work, in the same run. Budgets
// (DESIGN.md): find <= 10 ns per entry, column <= 5 ns per entry, compiling
// a query / resolving a dotted path <= 1 us.
//
//   bench_query [google-benchmark flags]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "report/report.hpp"
#include "view/column.hpp"
#include "view/query.hpp"
#include "view/query_path.hpp"

namespace ktsnap::bench {
namespace {

constexpr uint32_t kEntries = 100000;
// Matches nothing (tids start at 1000) but runtime_ns > 1000 holds for
// nearly every entry, so both clauses run for each of the 100k entries.
constexpr const char* kFindExpr = "runtime_ns > 1000 && tid == 42";

struct Data {
  std::vector<uint8_t> report_buf;
  std::unique_ptr<Report> report;
  const MapInfo* map = nullptr;
};
Data* g;

using ktsnap::bench::die;

// The peer: what a C programmer writes for this predicate, over the same
// value bytes (unaligned-safe loads at the mirror's offsets).
__attribute__((noinline)) uint32_t hand_find(const uint8_t* values, uint32_t n, uint64_t stride) {
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t* p = values + i * stride;
    uint64_t runtime;
    int32_t tid;
    std::memcpy(&runtime, p + offsetof(TaskCtx, runtime_ns), 8);
    std::memcpy(&tid, p + offsetof(TaskCtx, tid), 4);
    if (runtime > 1000 && tid == 42) return i;
  }
  return UINT32_MAX;
}

__attribute__((noinline)) void hand_column(const uint8_t* values, uint32_t n, uint64_t stride, uint64_t* out) {
  for (uint32_t i = 0; i < n; i++) std::memcpy(&out[i], values + i * stride + offsetof(TaskCtx, nr_switches), 8);
}

void query_find(benchmark::State& state) {
  auto q = view::Query::compile(*g->map, kFindExpr);
  if (!q.ok()) die(q.error().message);
  for (auto _ : state) {
    auto r = q->find();
    if (!r.ok() || r.value() != view::kNoEntry) die("find matched something");
    benchmark::DoNotOptimize(r);
  }
  state.counters["entries"] = kEntries;
}

void hand_find_bm(benchmark::State& state) {
  for (auto _ : state) {
    uint32_t r = hand_find(g->map->values, g->map->entry_count, g->map->entry_stride);
    if (r != UINT32_MAX) die("hand find matched something");
    benchmark::DoNotOptimize(r);
  }
  state.counters["entries"] = kEntries;
}

// Context: a string clause and a nested member in the same pass.
void query_count_string(benchmark::State& state) {
  auto q = view::Query::compile(*g->map, "stats.max_wait_ns > 100 && comm == \"bash\"");
  if (!q.ok()) die(q.error().message);
  uint64_t n = 0;
  for (auto _ : state) {
    n = q->count().value();
    benchmark::DoNotOptimize(n);
  }
  state.counters["matches"] = static_cast<double>(n);
}

void column_u64(benchmark::State& state, bool with_status) {
  auto c = view::Column::compile(*g->map, "nr_switches");
  if (!c.ok()) die(c.error().message);
  std::vector<uint64_t> out(kEntries);
  std::vector<int32_t> st(with_status ? kEntries : 0);
  for (auto _ : state) {
    auto r = c->read_u64(out, st);
    if (!r.ok() || r->failed) die("column read failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["entries"] = kEntries;
}

void hand_column_bm(benchmark::State& state) {
  std::vector<uint64_t> out(kEntries);
  for (auto _ : state) {
    hand_column(g->map->values, g->map->entry_count, g->map->entry_stride, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["entries"] = kEntries;
}

// A u32 member read into i64 (a conversion on every entry).
void column_i64_of_u32(benchmark::State& state) {
  auto c = view::Column::compile(*g->map, "dsq_hist[2]");
  if (!c.ok()) die(c.error().message);
  std::vector<int64_t> out(kEntries);
  for (auto _ : state) {
    auto r = c->read_i64(out);
    if (!r.ok()) die("column read failed");
    benchmark::DoNotOptimize(out.data());
  }
}

void compile_query(benchmark::State& state) {
  for (auto _ : state) {
    auto q = view::Query::compile(*g->map, kFindExpr);
    if (!q.ok()) die(q.error().message);
    benchmark::DoNotOptimize(q);
  }
}

void resolve_path(benchmark::State& state) {
  for (auto _ : state) {
    auto p = view::resolve_path(*g->map, "stats.max_wait_ns");
    if (!p.ok()) die(p.error().message);
    benchmark::DoNotOptimize(p);
  }
}

void compile_column(benchmark::State& state) {
  for (auto _ : state) {
    auto c = view::Column::compile(*g->map, "stats.max_wait_ns");
    if (!c.ok()) die(c.error().message);
    benchmark::DoNotOptimize(c);
  }
}

void setup() {
  g = new Data;
  g->report_buf = build_report(kEntries);
  auto r = Report::open_memory(g->report_buf.data(), g->report_buf.size());
  if (!r.ok()) die(r.error().message);
  g->report = std::move(r.value());
  g->map = g->report->find_map("task_ctxs");
  if (g->map == nullptr || g->map->entry_count != kEntries || g->map->entry_stride != sizeof(TaskCtx))
    die("task_ctxs missing or not 100k entries of 112 bytes");
  // Both sides must agree before anything is timed.
  auto q = view::Query::compile(*g->map, "runtime_ns > 1000 && tid == 1500");
  if (!q.ok()) die(q.error().message);
  uint32_t want = UINT32_MAX;
  for (uint32_t i = 0; i < kEntries && want == UINT32_MAX; i++) {
    TaskCtx t;
    std::memcpy(&t, g->map->values + size_t(i) * sizeof t, sizeof t);
    if (t.runtime_ns > 1000 && t.tid == 1500) want = i;
  }
  if (q->find().value() != want || want != 500) die("query and hand loop disagree");
  auto c = view::Column::compile(*g->map, "nr_switches");
  if (!c.ok()) die(c.error().message);
  std::vector<uint64_t> a(kEntries), b(kEntries);
  if (!c->read_u64(a).ok()) die("column read failed");
  hand_column(g->map->values, kEntries, g->map->entry_stride, b.data());
  if (a != b) die("column and hand loop disagree");
}

}  // namespace
}  // namespace ktsnap::bench

int main(int argc, char** argv) {
  using namespace ktsnap::bench;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  setup();
  benchmark::RegisterBenchmark("hand_find/100k", hand_find_bm)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("query_find/100k", query_find)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("query_count_string/100k", query_count_string)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("hand_column/100k", hand_column_bm)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("column_u64/100k", column_u64, false)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("column_u64_status/100k", column_u64, true)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("column_i64_of_u32/100k", column_i64_of_u32)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("compile_query", compile_query);
  benchmark::RegisterBenchmark("resolve_path", resolve_path);
  benchmark::RegisterBenchmark("compile_column", compile_column);

  RatioReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);

  std::printf("\n== query summary: %u entries of struct task_ctx (112 B), one run; median of repetitions ==\n",
              kEntries);
  bool find_met = false, col_met = false, compile_met = false;
  for (int cpu = 0; cpu < 2; cpu++) {
    auto per = [&](const char* n) { return (cpu ? rep.cpu_ns(n) : rep.ns(n)) / kEntries; };
    auto one = [&](const char* n) { return cpu ? rep.cpu_ns(n) : rep.ns(n); };
    const char* what = cpu ? "cpu " : "real";
    double hf = per("hand_find/100k"), qf = per("query_find/100k"), qs = per("query_count_string/100k");
    double hc = per("hand_column/100k"), cu = per("column_u64/100k"), cs = per("column_u64_status/100k");
    double ci = per("column_i64_of_u32/100k");
    double cq = one("compile_query"), rp = one("resolve_path"), cc = one("compile_column");
    std::printf("%s ns/entry: find: hand %.2f | query %.2f (%.2fx hand) | string+nested count %.2f\n", what, hf, qf,
                hf > 0 ? qf / hf : -1, qs);
    std::printf("%s ns/entry: column u64: hand %.2f | column %.2f (%.2fx hand) | with status %.2f | i64 of u32 %.2f\n",
                what, hc, cu, hc > 0 ? cu / hc : -1, cs, ci);
    std::printf("%s ns: compile query %.0f | resolve path %.0f | compile column %.0f\n", what, cq, rp, cc);
    if (!cpu) {
      find_met = qf > 0 && qf <= 10;
      col_met = cu > 0 && cu <= 5;
      compile_met = cq > 0 && cq <= 1000 && rp <= 1000;
    }
  }
  std::printf("budget: find <= 10 ns/entry (real): %s\n", find_met ? "met" : "NOT MET");
  std::printf("budget: column <= 5 ns/entry (real): %s\n", col_met ? "met" : "NOT MET");
  std::printf("budget: compile query and resolve path <= 1 us (real): %s\n", compile_met ? "met" : "NOT MET");
  delete g;
  benchmark::Shutdown();
  return 0;
}
