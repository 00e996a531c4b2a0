#include "bench_common.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>

#include "btf/btf.hpp"
#include "report/builder.hpp"
#include "report/report.hpp"

namespace ktsnap::bench {

void die(const std::string& msg) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, msg.c_str());
  std::exit(2);
}

namespace {

AnchorBtf load_anchor_btf() {
  AnchorBtf a;
  const char* path = KTSNAP_BENCH_OBJ;
  errno = 0;
  bpf_object* obj = bpf_object__open_file(path, nullptr);
  if (obj == nullptr) die(std::string("cannot open ") + path + ": " + std::strerror(errno));
  std::unique_ptr<bpf_object, void (*)(bpf_object*)> guard(obj, bpf_object__close);
  struct btf* b = bpf_object__btf(obj);
  if (b == nullptr) die(std::string(path) + " has no BTF");
  __u32 sz = 0;
  const void* raw = btf__raw_data(b, &sz);
  a.raw.assign(static_cast<const uint8_t*>(raw), static_cast<const uint8_t*>(raw) + sz);
  bpf_map* m = bpf_object__find_map_by_name(obj, "task_ctxs");
  if (m == nullptr) die("no task_ctxs map");
  a.task_key_type = bpf_map__btf_key_type_id(m);
  a.task_value_type = bpf_map__btf_value_type_id(m);
  m = bpf_object__find_map_by_name(obj, "cpu_stats");
  if (m == nullptr) die("no cpu_stats map");
  a.cpu_key_type = bpf_map__btf_key_type_id(m);
  a.cpu_value_type = bpf_map__btf_value_type_id(m);

  auto parsed = Btf::from_raw(a.raw.data(), a.raw.size());
  if (!parsed.ok()) die("BTF: " + parsed.error().message);
  const Btf& pb = *parsed.value();
  if (pb.size(a.task_value_type) != sizeof(TaskCtx)) die("task_ctx size differs from the mirror");
  auto comm = pb.find_member(pb.peel(a.task_value_type).value(), "comm");
  if (!comm || comm->bit_offset != offsetof(TaskCtx, comm) * 8) die("task_ctx.comm offset differs from the mirror");
  if (pb.size(a.cpu_value_type) != sizeof(CpuStats)) die("cpu_stats size differs from the mirror");
  return a;
}

const char* kComms[] = {"stress-ng-cpu", "kworker/3:1H", "bash", "schbench", "rt-app", "ksoftirqd/0",
                        "hackbench", "cc1plus", "java", "systemd-journal"};

}  // namespace

const AnchorBtf& anchor_btf() {
  static const AnchorBtf a = load_anchor_btf();
  return a;
}

void fill_task(uint32_t i, TaskCtx& t) {
  std::memset(&t, 0, sizeof t);
  uint64_t r = (uint64_t(i) + 1) * 0x9e3779b97f4a7c15ull;
  r ^= r >> 29;
  t.runtime_ns = r % 50000000000ull;
  t.vruntime = r >> 8;
  t.nr_switches = r % 1000000;
  t.nr_migrations = r % 1000;
  t.tid = static_cast<int32_t>(1000 + i);
  t.tgid = (i % 17 == 0) ? -1 : static_cast<int32_t>(1000 + i - i % 8);
  t.cpu = i % 64;
  t.flags = static_cast<uint32_t>(r >> 40) & 0xffff;
  t.stats.run_count = r % 100000;
  t.stats.wait_sum_ns = r % 900000000;
  t.stats.max_wait_ns = r % 9000000;
  std::snprintf(t.comm, sizeof t.comm, "%s", kComms[i % 10]);
  for (int k = 0; k < 4; k++) t.dsq_hist[k] = static_cast<uint32_t>((r >> (k * 8)) & 0xfff);
  t.last_ts = 1700000000000000000ull + r % 1000000000000ull;
}

void make_tasks(uint32_t n, std::vector<uint8_t>& keys, std::vector<uint8_t>& values) {
  keys.resize(size_t(n) * 4);
  values.resize(size_t(n) * sizeof(TaskCtx));
  for (uint32_t i = 0; i < n; i++) {
    uint32_t k = 1000 + i;
    std::memcpy(keys.data() + size_t(i) * 4, &k, 4);
    TaskCtx t;
    fill_task(i, t);
    std::memcpy(values.data() + size_t(i) * sizeof t, &t, sizeof t);
  }
}

std::vector<uint8_t> build_report(uint32_t n, uint32_t nr_cpus) {
  const AnchorBtf& a = anchor_btf();
  ReportBuilder b;
  ReportMetadata md;
  md.tag = "bench-" + std::to_string(n);
  b.set_metadata(md);
  auto bi = b.add_btf({a.raw.data(), a.raw.size()});
  if (!bi.ok()) die("add_btf: " + bi.error().message);
  auto si = b.add_scheduler("anchor", bi.value(), true);
  if (!si.ok()) die("add_scheduler: " + si.error().message);

  std::vector<uint8_t> keys, values;
  make_tasks(n, keys, values);
  MapSpec s;
  s.name = "task_ctxs";
  s.scheduler_index = si.value();
  s.map_id = 1;
  s.map_type = kMapTypeHash;
  s.key_size = 4;
  s.value_size = sizeof(TaskCtx);
  s.max_entries = std::max<uint32_t>(n, 1048576);
  s.btf_index = bi.value();
  s.key_type_id = a.task_key_type;
  s.value_type_id = a.task_value_type;
  auto mi = b.add_map(s, {keys.data(), keys.size()}, {values.data(), values.size()});
  if (!mi.ok()) die("add_map task_ctxs: " + mi.error().message);

  keys.clear();
  values.clear();
  const uint32_t stride = (sizeof(CpuStats) + 7) & ~7u;
  for (uint32_t k = 0; k < 64; k++) {
    keys.insert(keys.end(), reinterpret_cast<uint8_t*>(&k), reinterpret_cast<uint8_t*>(&k) + 4);
    for (uint32_t c = 0; c < nr_cpus; c++) {
      CpuStats cs{k * 100ull + c, k * 10ull + c, k + c, k * 1000000ull, static_cast<int32_t>(k + 1000), 0};
      std::vector<uint8_t> slot(stride, 0);
      std::memcpy(slot.data(), &cs, sizeof cs);
      values.insert(values.end(), slot.begin(), slot.end());
    }
  }
  MapSpec c;
  c.name = "cpu_stats";
  c.scheduler_index = si.value();
  c.map_id = 2;
  c.map_type = kMapTypePercpuArray;
  c.key_size = 4;
  c.value_size = sizeof(CpuStats);
  c.max_entries = 64;
  c.nr_cpus = nr_cpus;
  c.btf_index = bi.value();
  c.key_type_id = a.cpu_key_type;
  c.value_type_id = a.cpu_value_type;
  mi = b.add_map(c, {keys.data(), keys.size()}, {values.data(), values.size()});
  if (!mi.ok()) die("add_map cpu_stats: " + mi.error().message);

  auto buf = b.finish();
  if (!buf.ok()) die("finish: " + buf.error().message);
  return std::move(buf.value());
}

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const Run& r : runs) {
    if (r.error_occurred) continue;
    std::string name = r.run_name.str();
    double mult = 1;
    switch (r.time_unit) {
      case benchmark::kNanosecond: mult = 1; break;
      case benchmark::kMicrosecond: mult = 1e3; break;
      case benchmark::kMillisecond: mult = 1e6; break;
      case benchmark::kSecond: mult = 1e9; break;
    }
    double t = r.GetAdjustedRealTime() * mult;
    double cpu = r.GetAdjustedCPUTime() * mult;
    Fig& f = figs_[name];
    if (r.run_type == Run::RT_Aggregate) {
      if (r.aggregate_name == "median") {
        f.median = t;
        f.cpu_median = cpu;
        for (auto& [k, c] : r.counters) f.counters[k] = c.value;
      }
      continue;
    }
    f.single = t;
    f.cpu_single = cpu;
    f.reps++;
    f.min = f.min < 0 ? t : std::min(f.min, t);
    f.max = std::max(f.max, t);
    if (f.counters.empty() || r.repetitions <= 1)
      for (auto& [k, c] : r.counters) f.counters[k] = c.value;
  }
}

double RatioReporter::ns(const std::string& name) const {
  auto it = figs_.find(name);
  if (it == figs_.end()) return -1;
  return it->second.median >= 0 ? it->second.median : it->second.single;
}

double RatioReporter::cpu_ns(const std::string& name) const {
  auto it = figs_.find(name);
  if (it == figs_.end()) return -1;
  return it->second.cpu_median >= 0 ? it->second.cpu_median : it->second.cpu_single;
}

double RatioReporter::counter(const std::string& name, const std::string& counter) const {
  auto it = figs_.find(name);
  if (it == figs_.end()) return -1;
  auto c = it->second.counters.find(counter);
  return c == it->second.counters.end() ? -1 : c->second;
}

double RatioReporter::spread(const std::string& name) const {
  auto it = figs_.find(name);
  if (it == figs_.end() || it->second.reps < 2) return -1;
  double m = ns(name);
  return m > 0 ? (it->second.max - it->second.min) / m : -1;
}

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? -1 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1 : v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string line;
  std::getline(f, line);
  return line;
}

}  // namespace ktsnap::bench
