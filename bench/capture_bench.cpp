// Live capture from a kernel BPF hash map against its peers, in the same
// run (DESIGN.md "Performance budgets"):
//
//   (a) lookup_batch    plain bpf_map_lookup_batch over the whole map, 1024
//                       entries per call, into preallocated key and value
//                       buffers (the floor: what the kernel costs);
//                       lookup_batch_4096 is the same with 4096 entries per
//                       call, as capture asks for this layout, and
//                       lookup_batch_fresh into buffers malloc'd per read
//                       (first-touch page faults, as capture has) (context)
//   (b) capture         capture::capture selecting the map by id (raw
//                       capture into a finished report, no rendering)
//   (c) capture_json    (b) + Report::open_memory + render_map_json of the
//                       whole map (keys, key_hex, value, value_hex per entry,
//                       in ktstr's dump shape: twice the bytes bpftool -j
//                       prints) (context)
//   (c2) capture_values (b) + render_value_json of every value (the budget's
//                       "capture plus JSON of every value")
//   (d) bpftool         `bpftool map dump id N -j`, spawned, stdout read
//                       through a pipe to the end
//
// Budgets: (b)/(a) <= 1.15 and (d)/(c2) >= 20, on a 100k-entry map. The map
// has the layout of anchor.bpf.c's task_ctxs (4-byte key, 112-byte struct
// task_ctx), created with bpf_map_create and the object's BTF loaded into
// the kernel, max_entries 131072 as in shared/anchors (a hash map's batch
// walk costs per bucket, so max_entries matters), filled with 1k, 10k and
// 100k entries. Breakdown rows (btf_load, build_report, open_report) time
// the parts of a capture that are not the kernel read, so a missed budget
// can be attributed.
//
// Needs root (creating maps); without it prints why and exits 0 with no
// figures. Without bpftool the (d) rows are left out.
//
//   bench_capture [google-benchmark flags]
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "capture/capture.hpp"
#include "report/builder.hpp"
#include "report/report.hpp"
#include "value/render.hpp"
#include "value/value.hpp"

extern char** environ;

namespace ktsnap::bench {
namespace {

constexpr uint32_t kMaxEntries = 131072;  // as shared/anchors' task_ctxs
constexpr uint32_t kBatch = 1024;         // entries per lookup_batch call (the anchors' 60.5 ms row)
constexpr uint32_t kCaptureBatch = 4096;  // what capture asks per call for this layout (src/capture/read.cpp)
constexpr uint32_t kSizes[] = {1000, 10000, 100000};

using ktsnap::bench::die;

std::string size_name(uint32_t n) {
  return std::to_string(n / 1000) + "k";
}

struct KMap {
  uint32_t n = 0;
  int fd = -1;
  uint32_t id = 0;
  uint32_t btf_id = 0;
  std::vector<uint8_t> keys, values;  // what was written (sorted by key)
};

struct Data {
  struct btf* btf = nullptr;  // anchor BTF, loaded into the kernel
  std::vector<KMap> maps;
  bool have_bpftool = false;
  std::vector<std::string> bpftool_names;  // run names of the bpftool rows, per size
  ~Data() {
    for (KMap& m : maps)
      if (m.fd >= 0) ::close(m.fd);
    btf__free(btf);
  }
};
Data* g;

// ---- setup --------------------------------------------------------------

void create_maps() {
  const AnchorBtf& a = anchor_btf();
  g->btf = btf__new(a.raw.data(), static_cast<__u32>(a.raw.size()));
  if (g->btf == nullptr) die("btf__new failed");
  if (btf__load_into_kernel(g->btf) != 0) die(std::string("btf__load_into_kernel: ") + std::strerror(errno));
  for (uint32_t n : kSizes) {
    KMap m;
    m.n = n;
    LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = static_cast<__u32>(btf__fd(g->btf)),
                .btf_key_type_id = a.task_key_type, .btf_value_type_id = a.task_value_type);
    m.fd = bpf_map_create(BPF_MAP_TYPE_HASH, "task_ctxs", 4, sizeof(TaskCtx), kMaxEntries, &o);
    if (m.fd < 0) die(std::string("bpf_map_create: ") + std::strerror(errno));
    make_tasks(n, m.keys, m.values);
    uint32_t count = n;
    LIBBPF_OPTS(bpf_map_batch_opts, bo);
    if (bpf_map_update_batch(m.fd, m.keys.data(), m.values.data(), &count, &bo) != 0 || count != n)
      die("bpf_map_update_batch: " + std::string(std::strerror(errno)) + ", " + std::to_string(count) + " of " +
          std::to_string(n));
    bpf_map_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(m.fd, &info, &len) != 0) die(std::string("map info: ") + std::strerror(errno));
    m.id = info.id;
    m.btf_id = info.btf_id;
    if (m.btf_id == 0) die("the map has no BTF in the kernel");
    g->maps.push_back(std::move(m));
  }
}

// Reads the whole map with lookup_batch, `batch` entries per call, into
// buffers of `cap` entries (n + batch); returns the entry count and the
// number of calls.
uint32_t read_batch(int fd, uint8_t* keys, uint8_t* values, uint32_t cap, uint32_t* calls, uint32_t batch = kBatch) {
  uint64_t in_batch = 0, out_batch = 0;
  bool first = true;
  uint32_t got = 0;
  *calls = 0;
  LIBBPF_OPTS(bpf_map_batch_opts, o);
  for (;;) {
    uint32_t count = std::min(batch, cap - got);
    int err = bpf_map_lookup_batch(fd, first ? nullptr : &in_batch, &out_batch, keys + size_t(got) * 4,
                                   values + size_t(got) * sizeof(TaskCtx), &count, &o);
    (*calls)++;
    got += count;
    if (err != 0) {
      if (errno == ENOENT) break;
      die(std::string("bpf_map_lookup_batch: ") + std::strerror(errno));
    }
    in_batch = out_batch;
    first = false;
  }
  return got;
}

capture::Selection select(const KMap& m) {
  capture::Selection s;
  s.map_ids = {m.id};
  return s;
}

ReportBuffer capture_or_die(const KMap& m, capture::Stats* st = nullptr) {
  auto r = capture::capture(select(m), capture::Options{}, st);
  if (!r.ok()) die("capture: " + r.error().message);
  return r.value();
}

const MapInfo& the_map(const Report& r, const KMap& m) {
  if (r.map_count() != 1) die("the capture holds " + std::to_string(r.map_count()) + " maps, expected 1");
  const MapInfo& mi = r.map(0);
  if (mi.map_id != m.id) die("the captured map has another id");
  if (mi.has_error) die("the captured map has an error: " + std::string(mi.error));
  return mi;
}

// Output of `bpftool map dump id N -j` read through a pipe; returns the
// byte count, child CPU time in *child_cpu_ns.
uint64_t run_bpftool(uint32_t id, std::vector<char>& buf, double* child_cpu_ns) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) die(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::string ids = std::to_string(id);
  const char* argv[] = {"bpftool", "map", "dump", "id", ids.c_str(), "-j", nullptr};
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "bpftool", &fa, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(p[1]);
  if (rc != 0) die(std::string("posix_spawn bpftool: ") + std::strerror(rc));
  uint64_t total = 0;
  for (;;) {
    ssize_t k = ::read(p[0], buf.data(), buf.size());
    if (k > 0) {
      total += static_cast<uint64_t>(k);
      continue;
    }
    if (k < 0 && errno == EINTR) continue;
    break;
  }
  ::close(p[0]);
  int status = 0;
  struct rusage ru {};
  if (::wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die("bpftool map dump id " + ids + " failed (status " + std::to_string(status) + ")");
  *child_cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
  return total;
}

bool bpftool_works() {
  pid_t pid = 0;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const char* argv[] = {"bpftool", "version", nullptr};
  int rc = posix_spawnp(&pid, "bpftool", &fa, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return false;
  int status = 0;
  return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Before timing: every path reads the same N entries with the same bytes.
void check(const KMap& m) {
  std::vector<uint8_t> k(size_t(m.n + kBatch) * 4), v(size_t(m.n + kBatch) * sizeof(TaskCtx));
  uint32_t calls = 0;
  uint32_t got = read_batch(m.fd, k.data(), v.data(), m.n + kBatch, &calls);
  if (got != m.n) die("lookup_batch read " + std::to_string(got) + " of " + std::to_string(m.n));

  capture::Stats st;
  ReportBuffer buf = capture_or_die(m, &st);
  auto rep = Report::open_memory(buf.data(), buf.size());
  if (!rep.ok()) die("open_memory of the capture: " + rep.error().message);
  const MapInfo& mi = the_map(*rep.value(), m);
  if (mi.entry_count != m.n) die("capture read " + std::to_string(mi.entry_count) + " of " + std::to_string(m.n));
  if (mi.key_size != 4 || mi.value_size != sizeof(TaskCtx)) die("captured sizes differ");
  // m.keys are 1000.. ascending and values follow; find each captured key.
  for (uint32_t i = 0; i < mi.entry_count; i++) {
    uint32_t key;
    std::memcpy(&key, mi.key_ptr(i), 4);
    if (key < 1000 || key - 1000 >= m.n) die("captured key " + std::to_string(key) + " was never written");
    if (std::memcmp(mi.value_ptr(i), m.values.data() + size_t(key - 1000) * sizeof(TaskCtx), sizeof(TaskCtx)) != 0)
      die("captured value of key " + std::to_string(key) + " differs from what was written");
  }
  std::string out;
  auto rs = render_map_json(*rep.value(), mi, out);
  if (!rs.ok()) die("render_map_json: " + rs.error().message);
  std::fprintf(stderr,
               "check %s: map id %u, lookup_batch %u entries in %u calls; capture %llu entries, %u batch calls, "
               "%u elem calls, %llu bytes from the kernel, report %zu B, %u BTF; JSON %zu B (%.0f B/entry)\n",
               size_name(m.n).c_str(), m.id, got, calls, (unsigned long long)st.entries, st.batch_calls, st.elem_calls,
               (unsigned long long)st.bytes, buf.size(), st.btfs, out.size(), double(out.size()) / m.n);
  if (g->have_bpftool) {
    std::vector<char> b(1 << 16);
    double cpu = 0;
    uint64_t bytes = run_bpftool(m.id, b, &cpu);
    if (bytes < uint64_t(m.n) * 200) die("bpftool printed only " + std::to_string(bytes) + " bytes");
    std::fprintf(stderr, "check %s: bpftool -j %llu B (%.0f B/entry)\n", size_name(m.n).c_str(),
                 (unsigned long long)bytes, double(bytes) / m.n);
  }
}

// ---- benchmarks ---------------------------------------------------------

void bm_lookup_batch(benchmark::State& state, const KMap* m, uint32_t batch) {
  uint32_t cap = m->n + batch;
  std::vector<uint8_t> k(size_t(cap) * 4), v(size_t(cap) * sizeof(TaskCtx));
  uint32_t calls = 0, got = 0;
  for (auto _ : state) {
    got = read_batch(m->fd, k.data(), v.data(), cap, &calls, batch);
    benchmark::DoNotOptimize(v.data());
  }
  if (got != m->n) state.SkipWithError("short read");
  state.counters["entries"] = got;
  state.counters["calls"] = calls;
}

// Context: the same reads into buffers allocated (malloc, untouched) for
// each read and freed after, as a capture's own buffers are: the cost of
// first-touch page faults on memory the kernel writes.
void bm_lookup_batch_fresh(benchmark::State& state, const KMap* m, uint32_t batch) {
  uint32_t cap = m->n + batch;
  uint32_t calls = 0, got = 0;
  for (auto _ : state) {
    auto* k = static_cast<uint8_t*>(std::malloc(size_t(cap) * 4));
    auto* v = static_cast<uint8_t*>(std::malloc(size_t(cap) * sizeof(TaskCtx)));
    if (k == nullptr || v == nullptr) die("out of memory");
    got = read_batch(m->fd, k, v, cap, &calls, batch);
    benchmark::DoNotOptimize(v);
    std::free(k);
    std::free(v);
  }
  if (got != m->n) state.SkipWithError("short read");
  state.counters["entries"] = got;
  state.counters["calls"] = calls;
}

void bm_capture(benchmark::State& state, const KMap* m) {
  capture::Stats st;
  size_t bytes = 0;
  for (auto _ : state) {
    ReportBuffer buf = capture_or_die(*m, &st);
    bytes = buf.size();
    benchmark::DoNotOptimize(buf.data());
  }
  state.counters["entries"] = static_cast<double>(st.entries);
  state.counters["batch_calls"] = st.batch_calls;
  state.counters["report_MB"] = double(bytes) / 1e6;
}

void bm_capture_json(benchmark::State& state, const KMap* m) {
  std::string out;
  for (auto _ : state) {
    ReportBuffer buf = capture_or_die(*m);
    auto rep = Report::open_memory(buf.data(), buf.size());
    if (!rep.ok()) die("open_memory: " + rep.error().message);
    out.clear();
    auto rs = render_map_json(*rep.value(), the_map(*rep.value(), *m), out);
    if (!rs.ok()) die("render_map_json: " + rs.error().message);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["out_B_per_entry"] = double(out.size()) / m->n;
}

void bm_capture_values(benchmark::State& state, const KMap* m) {
  std::string out;
  out.reserve(4096);
  uint64_t out_bytes = 0;
  for (auto _ : state) {
    ReportBuffer buf = capture_or_die(*m);
    auto rep = Report::open_memory(buf.data(), buf.size());
    if (!rep.ok()) die("open_memory: " + rep.error().message);
    const MapInfo& mi = the_map(*rep.value(), *m);
    out_bytes = 0;
    for (uint32_t i = 0; i < mi.entry_count; i++) {
      out.clear();
      Value v = Value::typed(mi.ctx, mi.value_type_id, mi.value_ptr(i), mi.value_size);
      auto rs = render_value_json(v, out);
      if (!rs.ok()) die("render_value_json: " + rs.error().message);
      out_bytes += out.size();
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.counters["out_B_per_entry"] = double(out_bytes) / m->n;
}

void bm_bpftool(benchmark::State& state, const KMap* m) {
  std::vector<char> buf(1 << 16);
  uint64_t bytes = 0;
  double cpu = 0, cpu_sum = 0;
  for (auto _ : state) {
    bytes = run_bpftool(m->id, buf, &cpu);
    cpu_sum += cpu;
  }
  state.counters["out_B_per_entry"] = double(bytes) / m->n;
  state.counters["child_cpu_ms"] = cpu_sum / 1e6 / double(state.iterations());
}

// Breakdown: the kernel BTF load a capture does per call (the map's
// btf_id to raw bytes).
void bm_btf_load(benchmark::State& state, const KMap* m) {
  for (auto _ : state) {
    struct btf* b = btf__load_from_kernel_by_id(m->btf_id);
    if (b == nullptr) die(std::string("btf__load_from_kernel_by_id: ") + std::strerror(errno));
    __u32 sz = 0;
    benchmark::DoNotOptimize(btf__raw_data(b, &sz));
    btf__free(b);
  }
}

// Breakdown: a report of the map built from entries already in memory
// (ReportBuilder add_btf + add_map + finish): the part of a capture after
// the kernel read.
void bm_build_report(benchmark::State& state, const KMap* m) {
  const AnchorBtf& a = anchor_btf();
  size_t bytes = 0;
  // Sized up front, as capture() sizes its builder once it has read.
  const size_t hint = (64 << 10) + a.raw.size() + m->keys.size() + m->values.size();
  for (auto _ : state) {
    ReportBuilder b(hint);
    auto bi = b.add_btf({a.raw.data(), a.raw.size()});
    if (!bi.ok()) die(bi.error().message);
    auto si = b.add_scheduler("anchor", bi.value(), false);
    if (!si.ok()) die(si.error().message);
    MapSpec s;
    s.name = "task_ctxs";
    s.scheduler_index = si.value();
    s.map_id = m->id;
    s.map_type = kMapTypeHash;
    s.key_size = 4;
    s.value_size = sizeof(TaskCtx);
    s.max_entries = kMaxEntries;
    s.btf_index = bi.value();
    s.key_type_id = a.task_key_type;
    s.value_type_id = a.task_value_type;
    auto mi = b.add_map(s, {m->keys.data(), m->keys.size()}, {m->values.data(), m->values.size()});
    if (!mi.ok()) die(mi.error().message);
    auto buf = b.finish_buffer();
    if (!buf.ok()) die(buf.error().message);
    bytes = buf.value().size();
    benchmark::DoNotOptimize(buf.value().data());
  }
  state.counters["report_MB"] = double(bytes) / 1e6;
}

// Breakdown: opening (verifying) a captured report, part of (c).
void bm_open_report(benchmark::State& state, const KMap* m) {
  ReportBuffer buf = capture_or_die(*m);
  for (auto _ : state) {
    auto rep = Report::open_memory(buf.data(), buf.size());
    if (!rep.ok()) die("open_memory: " + rep.error().message);
    benchmark::DoNotOptimize(rep.value().get());
  }
}

}  // namespace
}  // namespace ktsnap::bench

int main(int argc, char** argv) {
  using namespace ktsnap::bench;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (::geteuid() != 0) {
    std::printf("bench_capture: needs root to create and read kernel BPF maps (euid %u); no figures.\n",
                static_cast<unsigned>(::geteuid()));
    return 0;
  }
  libbpf_set_print(nullptr);
  g = new Data;
  {
    // bpf() may be refused even to root (a container, lockdown): say so.
    LIBBPF_OPTS(bpf_map_create_opts, o);
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 4, 1, &o);
    if (fd < 0) {
      std::printf("bench_capture: bpf_map_create refused (%s); no figures.\n", std::strerror(errno));
      delete g;
      return 0;
    }
    ::close(fd);
  }
  g->have_bpftool = bpftool_works();
  if (!g->have_bpftool) std::printf("bench_capture: bpftool not runnable: the bpftool rows are left out.\n");
  create_maps();
  for (const KMap& m : g->maps) check(m);

  for (const KMap& m : g->maps) {
    std::string sz = size_name(m.n);
    const KMap* p = &m;
    auto ms = benchmark::kMillisecond;
    benchmark::RegisterBenchmark(("lookup_batch/" + sz).c_str(), bm_lookup_batch, p, kBatch)->Unit(ms);
    // Context: the peer asking for as many entries per call as capture does.
    benchmark::RegisterBenchmark(("lookup_batch_4096/" + sz).c_str(), bm_lookup_batch, p, kCaptureBatch)->Unit(ms);
    benchmark::RegisterBenchmark(("lookup_batch_fresh/" + sz).c_str(), bm_lookup_batch_fresh, p, kCaptureBatch)
        ->Unit(ms);
    benchmark::RegisterBenchmark(("capture/" + sz).c_str(), bm_capture, p)->Unit(ms);
    benchmark::RegisterBenchmark(("capture_json/" + sz).c_str(), bm_capture_json, p)->Unit(ms);
    benchmark::RegisterBenchmark(("capture_values/" + sz).c_str(), bm_capture_values, p)->Unit(ms);
    if (g->have_bpftool) {
      auto* b = benchmark::RegisterBenchmark(("bpftool/" + sz).c_str(), bm_bpftool, p)->Unit(ms)->UseRealTime();
      // bpftool takes ~22 us per entry: a few iterations are enough.
      // Google Benchmark appends these settings to the run's name.
      if (m.n >= 100000)
        b->Iterations(1);
      else if (m.n >= 10000)
        b->Iterations(3);
      g->bpftool_names.push_back("bpftool/" + sz +
                                 (m.n >= 100000  ? "/iterations:1"
                                  : m.n >= 10000 ? "/iterations:3"
                                                 : "") +
                                 "/real_time");
    }
    benchmark::RegisterBenchmark(("btf_load/" + sz).c_str(), bm_btf_load, p)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("build_report/" + sz).c_str(), bm_build_report, p)->Unit(ms);
    benchmark::RegisterBenchmark(("open_report/" + sz).c_str(), bm_open_report, p)->Unit(benchmark::kMicrosecond);
  }

  RatioReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);

  std::printf(
      "\n== capture summary: HASH map of struct task_ctx (4 B key, 112 B value), max_entries %u; "
      "one run, median of repetitions ==\n",
      kMaxEntries);
  bool met_b = true, met_d = true, any_b = false, any_d = false;
  for (int cpu = 0; cpu < 2; cpu++) {
    const char* what = cpu ? "cpu " : "real";
    for (size_t mi = 0; mi < g->maps.size(); mi++) {
      const KMap& m = g->maps[mi];
      std::string sz = size_name(m.n);
      std::string bname = mi < g->bpftool_names.size() ? g->bpftool_names[mi] : "";
      auto t = [&](const std::string& n) {
        double v = cpu ? rep.cpu_ns(n + "/" + sz) : rep.ns(n + "/" + sz);
        return v / 1e6;
      };
      double a = t("lookup_batch"), a4 = t("lookup_batch_4096"), af = t("lookup_batch_fresh"), b = t("capture"),
             c = t("capture_json"), c2 = t("capture_values");
      if (a < 0 && b < 0) continue;  // size filtered out
      // bpftool runs in a child: its time is real time; CPU is the child's.
      double d = rep.ns(bname) / 1e6;
      if (cpu) d = rep.counter(bname, "child_cpu_ms");
      std::printf(
          "%s %5s ms: lookup_batch %.3f | lookup_batch(4096/call) %.3f | lookup_batch(fresh buffers) %.3f | "
          "capture %.3f | capture+render_map_json %.2f | "
          "capture+render_value_json %.2f | bpftool -j %s%.1f | btf_load %.3f | build_report %.3f | "
          "open_report %.4f\n",
          what, sz.c_str(), a, a4, af, b, c, c2, cpu ? "(child cpu) " : "", d, t("btf_load"), t("build_report"),
          t("open_report"));
      if (a > 0 && b > 0) {
        double r = b / a;
        std::printf(
            "%s %5s ratio capture/lookup_batch %.3f (budget <= 1.15); capture/lookup_batch(4096/call) %.3f; "
            "lookup_batch(fresh buffers)/lookup_batch %.3f\n",
            what, sz.c_str(), r, a4 > 0 ? b / a4 : -1.0, af > 0 ? af / a : -1.0);
        if (!cpu && m.n == 100000) {
          any_b = true;
          met_b = r <= 1.15;
        }
      }
      if (d > 0 && c2 > 0) {
        // The budget's words: capture plus the JSON of every value (c2).
        // The whole-map document (c) is context: key, key_hex, value and
        // value_hex per entry, twice the bytes bpftool prints.
        std::printf(
            "%s %5s ratio bpftool/(capture+render_value_json) %.1fx (budget >= 20); "
            "bpftool/(capture+render_map_json) %.1fx (context)\n",
            what, sz.c_str(), d / c2, c > 0 ? d / c : -1.0);
        if (!cpu && m.n == 100000) {
          any_d = true;
          met_d = d / c2 >= 20;
        }
      }
    }
  }
  if (any_b)
    std::printf("budget: raw capture <= 1.15 x lookup_batch at 100k (real time): %s\n", met_b ? "met" : "NOT MET");
  if (any_d)
    std::printf("budget: capture + JSON of every value >= 20 x faster than bpftool -j at 100k (real time): %s\n",
                met_d ? "met" : "NOT MET");
  delete g;
  benchmark::Shutdown();
  return 0;
}
