// Opening a report: Report::open_memory (borrowed, zero copy) and
// Report::open_file (mmap) on reports of 1k, 10k, 100k and 1M task_ctx
// entries. Budget (DESIGN.md): <= 100 us, flat in entry count.
//
// Steady state: another report with the same BTF stays open, so the BTF
// cache answers (hash + memcmp of the blob, no parse). BtfCold variants
// drop that holder first, so every open parses the BTF again with libbpf.
//
//   bench_open [google-benchmark flags]
//   bench_open --first-open FILE   time one open_file in this fresh process
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "report/report.hpp"

namespace ktsnap::bench {
namespace {

const uint32_t kSizes[] = {1000, 10000, 100000, 1000000};

struct Fixture {
  uint32_t n;
  std::vector<uint8_t> buf;
  std::string path;
};
std::vector<Fixture>* g_fixtures;
std::unique_ptr<Report> g_holder;  // keeps the BTF cache entry alive
std::string g_dir;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "bench_open: %s\n", what);
    std::exit(2);
  }
}

void hold_btf() {
  auto r = Report::open_memory((*g_fixtures)[0].buf.data(), (*g_fixtures)[0].buf.size());
  check(r.ok(), "holder report does not open");
  g_holder = std::move(r.value());
}

void open_memory(benchmark::State& state, const Fixture& f) {
  for (auto _ : state) {
    auto r = Report::open_memory(f.buf.data(), f.buf.size());
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(r.value()->map(0).entry_count);
  }
  state.counters["entries"] = f.n;
  state.counters["report_MB"] = static_cast<double>(f.buf.size()) / 1e6;
}

void open_file(benchmark::State& state, const Fixture& f) {
  for (auto _ : state) {
    auto r = Report::open_file(f.path);
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(r.value()->map(0).entry_count);
  }
  state.counters["entries"] = f.n;
  state.counters["report_MB"] = static_cast<double>(f.buf.size()) / 1e6;
}

void open_memory_btf_cold(benchmark::State& state, const Fixture& f) {
  g_holder.reset();
  open_memory(state, f);
  hold_btf();
}

std::string name_of(const char* what, uint32_t n) { return std::string(what) + "/" + std::to_string(n); }

int first_open(const char* path) {
  auto t0 = std::chrono::steady_clock::now();
  auto r = Report::open_file(path);
  auto t1 = std::chrono::steady_clock::now();
  if (!r.ok()) {
    std::fprintf(stderr, "open_file %s: %s\n", path, r.error().message.c_str());
    return 1;
  }
  auto t2 = std::chrono::steady_clock::now();
  auto r2 = Report::open_file(path);
  auto t3 = std::chrono::steady_clock::now();
  std::printf("first open_file in a fresh process: %.1f us (second open: %.1f us), %u entries\n",
              std::chrono::duration<double, std::micro>(t1 - t0).count(),
              std::chrono::duration<double, std::micro>(t3 - t2).count(), r.value()->map(0).entry_count);
  return 0;
}

}  // namespace
}  // namespace ktsnap::bench

int main(int argc, char** argv) {
  using namespace ktsnap::bench;
  if (argc == 3 && std::strcmp(argv[1], "--first-open") == 0) return first_open(argv[2]);
  // --write-report N FILE: the report the first-open mode reads.
  if (argc == 4 && std::strcmp(argv[1], "--write-report") == 0) {
    auto buf = build_report(static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10)));
    FILE* f = std::fopen(argv[3], "wb");
    check(f && std::fwrite(buf.data(), 1, buf.size(), f) == buf.size() && std::fclose(f) == 0, "write failed");
    return 0;
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  char tmpl[] = "/tmp/ktsnap-bench-XXXXXX";
  check(mkdtemp(tmpl) != nullptr, "mkdtemp failed");
  g_dir = tmpl;
  std::vector<Fixture> fixtures;
  for (uint32_t n : kSizes) {
    Fixture f{n, build_report(n), g_dir + "/r" + std::to_string(n) + ".ktsnap"};
    FILE* fp = std::fopen(f.path.c_str(), "wb");
    check(fp && std::fwrite(f.buf.data(), 1, f.buf.size(), fp) == f.buf.size() && std::fclose(fp) == 0,
          "cannot write the report file");
    fixtures.push_back(std::move(f));
  }
  g_fixtures = &fixtures;
  hold_btf();

  for (const Fixture& f : fixtures) {
    benchmark::RegisterBenchmark(name_of("open_memory", f.n).c_str(), open_memory, f)->Unit(benchmark::kNanosecond);
    benchmark::RegisterBenchmark(name_of("open_file", f.n).c_str(), open_file, f)->Unit(benchmark::kNanosecond);
  }
  for (const Fixture& f : fixtures)
    benchmark::RegisterBenchmark(name_of("open_memory_btf_cold", f.n).c_str(), open_memory_btf_cold, f)
        ->Unit(benchmark::kNanosecond);

  RatioReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);

  std::printf("\n== open summary (median of repetitions; budget <= 100 us, flat: 1M/1k <= 1.5) ==\n");
  bool all_ok = true;
  for (int cpu = 0; cpu < 2; cpu++) {
    for (const char* what : {"open_memory", "open_file", "open_memory_btf_cold"}) {
      auto t_of = [&](uint32_t n) { return cpu ? rep.cpu_ns(name_of(what, n)) : rep.ns(name_of(what, n)); };
      double small = t_of(1000), big = t_of(1000000);
      if (small < 0 || big < 0) continue;
      std::printf("%s %-21s", cpu ? "cpu " : "real", what);
      double worst = 0;
      for (uint32_t n : kSizes) {
        double t = t_of(n);
        worst = std::max(worst, t);
        double sp = rep.spread(name_of(what, n));
        if (sp >= 0 && !cpu) std::printf("  %uk %.2f us (spread %.0f%%)", n / 1000, t / 1e3, sp * 100);
        else std::printf("  %uk %.2f us", n / 1000, t / 1e3);
      }
      bool ok = worst <= 100e3 && big / small <= 1.5;
      if (!cpu && std::strcmp(what, "open_memory_btf_cold") != 0) all_ok = all_ok && ok;
      std::printf("  | ratio 1M/1k %.2f | %s\n", big / small, ok ? "budget met" : "BUDGET NOT MET");
    }
  }
  std::printf("steady-state budget (open_memory, open_file; real time): %s\n", all_ok ? "met" : "NOT met");

  g_holder.reset();
  for (const Fixture& f : fixtures) unlink(f.path.c_str());
  rmdir(g_dir.c_str());
  benchmark::Shutdown();
  return 0;
}
