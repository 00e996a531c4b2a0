// Shared pieces of the benchmarks: the anchor layout's BTF (from
// bench/anchor.bpf.o, compiled at build time), synthetic task_ctx values,
// reports of N entries built with ReportBuilder, and a reporter that prints
// ratios between benchmarks of the same run.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ktsnap::bench {

// User-space mirror of struct task_ctx (112 bytes; checked against BTF).
struct TaskCtx {
  uint64_t runtime_ns;
  uint64_t vruntime;
  uint64_t nr_switches;
  uint64_t nr_migrations;
  int32_t tid;
  int32_t tgid;
  uint32_t cpu;
  uint32_t flags;
  struct {
    uint64_t run_count;
    uint64_t wait_sum_ns;
    uint64_t max_wait_ns;
  } stats;
  char comm[16];
  uint32_t dsq_hist[4];
  uint64_t last_ts;
};
static_assert(sizeof(TaskCtx) == 112, "task_ctx layout");

struct CpuStats {
  uint64_t nr_dispatched;
  uint64_t nr_enqueued;
  uint64_t nr_idle_picks;
  uint64_t busy_ns;
  int32_t last_tid;
  uint32_t pad;
};

// Raw BTF of the bench object and the map type ids in it.
struct AnchorBtf {
  std::vector<uint8_t> raw;
  uint32_t task_key_type = 0;
  uint32_t task_value_type = 0;
  uint32_t cpu_key_type = 0;
  uint32_t cpu_value_type = 0;
};
// Loads it once (aborts with a message when the object is missing or its
// layout differs from the mirror).
const AnchorBtf& anchor_btf();

// Synthetic, deterministic values with the variety a real map has: large
// and small counters, negative and positive ids, different comm lengths.
void fill_task(uint32_t i, TaskCtx& t);
// n values, back to back (one contiguous values blob), and their keys.
void make_tasks(uint32_t n, std::vector<uint8_t>& keys, std::vector<uint8_t>& values);

// A report holding task_ctxs with n entries and cpu_stats (64 keys x
// nr_cpus), built with ReportBuilder.
std::vector<uint8_t> build_report(uint32_t n, uint32_t nr_cpus = 2);

// Hand-timed benchmarks (the ring and wire ones, which run their peers in
// other processes or threads): CLOCK_MONOTONIC in ns, the median and the
// p-th fraction (0..1) of a sample (-1 when empty), and /proc/loadavg as
// one line for the raw outputs.
// Prints "<program>: msg" to stderr and exits with status 2: a benchmark
// that cannot set itself up (no BTF, no kernel map, a failed call).
[[noreturn]] void die(const std::string& msg);

uint64_t now_ns();
double median(std::vector<double> v);
double percentile(std::vector<double> v, double p);
std::string loadavg();

// Reporter: prints Google Benchmark's console table, keeps the real time
// (ns) of every run (the median aggregate when repetitions are used), and
// can print ratios afterwards. One process = one run: every ratio comes
// from figures measured in the same run.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(OO_Tabular) {}  // no colour codes in saved outputs
  void ReportRuns(const std::vector<Run>& runs) override;
  // Real time (ns) of the named benchmark (without aggregate suffix); -1 if absent.
  double ns(const std::string& name) const;
  // CPU time (ns) likewise: steadier than real time on a shared machine.
  double cpu_ns(const std::string& name) const;
  double counter(const std::string& name, const std::string& counter) const;
  // Spread over repetitions: (max - min) / median, or -1.
  double spread(const std::string& name) const;

 private:
  struct Fig {
    double median = -1, min = -1, max = -1, single = -1;
    double cpu_median = -1, cpu_single = -1;
    int reps = 0;
    std::map<std::string, double> counters;
  };
  std::map<std::string, Fig> figs_;
};

}  // namespace ktsnap::bench
