// libFuzzer target: arbitrary bytes as a predicate compiled against the
// fixture's kt_tasks map (and, for per-CPU paths, kt_cpu_stats); when it
// compiles, it is evaluated on every entry with both evaluators (per-entry
// matches() and the block evaluation of filter / count / find), which must
// agree. The same bytes are also tried as a column path. Any disagreement
// traps, so the fuzzer reports it as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "report/report.hpp"
#include "support/fixture.hpp"
#include "view/column.hpp"
#include "view/query.hpp"

namespace {

using namespace ktsnap;

struct Fixture {
  std::vector<uint8_t> bytes;
  std::unique_ptr<Report> report;
  const MapInfo* tasks = nullptr;
  const MapInfo* cpu_stats = nullptr;
};

const Fixture& fixture() {
  static Fixture* f = [] {
    auto* fx = new Fixture();
    auto b = test::build_fixture_report(test::fixture_path("kinds.bpf.o"));
    if (!b.ok()) {
      std::fprintf(stderr, "query_parse_fuzz: fixture: %s\n", b.error().message.c_str());
      std::abort();
    }
    fx->bytes = std::move(b.value());
    auto r = Report::open_memory(fx->bytes.data(), fx->bytes.size());
    if (!r.ok()) {
      std::fprintf(stderr, "query_parse_fuzz: open: %s\n", r.error().message.c_str());
      std::abort();
    }
    fx->report = std::move(r.value());
    fx->tasks = fx->report->find_map("kt_tasks");
    fx->cpu_stats = fx->report->find_map("kt_cpu_stats");
    if (fx->tasks == nullptr || fx->cpu_stats == nullptr) std::abort();
    return fx;
  }();
  return *f;
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void evaluate(const MapInfo& m, std::string_view expr) {
  auto q = view::Query::compile(m, expr);
  if (!q.ok()) {
    check(q.error().message.rfind("column ", 0) == 0 || expr.size() > 65536);
    return;
  }
  const uint32_t cpus = m.percpu ? m.nr_cpus : 1;
  for (uint32_t cpu = 0; cpu < cpus; cpu++) {
    std::vector<uint32_t> want;
    for (uint32_t e = 0; e < m.entry_count; e++)
      if (q->matches(e, cpu)) want.push_back(e);
    std::vector<uint32_t> got;
    check(q->filter(got, cpu).ok());
    check(got == want);
    auto n = q->count(cpu);
    check(n.ok() && n.value() == want.size());
    auto f = q->find(cpu);
    check(f.ok() && f.value() == (want.empty() ? view::kNoEntry : want.front()));
  }
  (void)q->matches(m.entry_count);
  (void)q->matches(0, m.nr_cpus + 1);
  auto mx = q->max_by("key");
  check(mx.ok());
}

void column(const MapInfo& m, std::string_view path) {
  auto c = view::Column::compile(m, path);
  if (!c.ok()) return;
  std::vector<uint64_t> u(m.entry_count);
  std::vector<int64_t> i(m.entry_count);
  std::vector<double> d(m.entry_count);
  std::vector<int32_t> st(m.entry_count);
  (void)c->read_u64(u, st);
  (void)c->read_i64(i, st);
  (void)c->read_f64(d, st);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = fixture();
  std::string_view s(reinterpret_cast<const char*>(data), size);
  evaluate(*f.tasks, s);
  evaluate(*f.cpu_stats, s);
  if (size < 512) {
    column(*f.tasks, s);
    column(*f.cpu_stats, s);
  }
  return 0;
}
