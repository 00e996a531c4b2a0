// `ktsnap demo`: the README's main job. Loads the maps of the example
// scheduler (examples/demo_sched.bpf.c) with libbpf, fills them with a
// synthetic workload, captures them live with ktsnap_capture(), saves and
// reopens the report, prints its text view and a few queries with their
// answers, and closes every kernel object it made.
//
// libbpf is used only to create and fill the maps, as a scheduler's loader
// would; everything ktsnap does goes through include/ktsnap.h.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "cli.hpp"
#include "ktsnap.h"

#ifndef KTSNAP_DEMO_OBJECT
#define KTSNAP_DEMO_OBJECT ""
#endif

namespace ktsnap_cli {

namespace {

constexpr const char* kCmd = "demo";

// ---- user-space mirror of examples/demo_sched.bpf.c ---------------------
// The sizes are checked against the loaded object's maps before use.
enum TaskState : uint32_t { QUEUED = 0, RUNNING = 1, SLEEPING = 2, EXITING = 3 };
struct TaskVtime {
  uint64_t vtime, deadline, slice_ns;
};
struct TaskCounters {
  uint64_t nr_enqueues, nr_dispatches, nr_preemptions;
  uint32_t nr_migrations, nr_yields;
};
struct TaskCtx {
  uint32_t tid, tgid, state, weight;
  char comm[16];
  uint64_t runtime_ns, last_run_at;
  TaskVtime sched;
  TaskCounters stats;
  int32_t last_cpu;
  uint32_t dsq_id;
  uint64_t cpumask;
  bool kthread;
};
struct CpuStats {
  uint64_t nr_enqueued, nr_dispatched, nr_local, nr_global, nr_preempted, busy_ns;
};
struct DsqKey {
  uint32_t dsq_id, node;
};
struct DsqCounters {
  uint64_t nr_queued, nr_consumed, max_wait_ns;
};
struct CpuCtx {
  uint32_t cpu, curr_tid;
  uint64_t vtime_now, idle_ns;
  uint32_t nr_running, perf_level;
  bool online;
};
static_assert(sizeof(TaskCtx) == 128 && sizeof(CpuStats) == 48 && sizeof(DsqCounters) == 24 &&
              sizeof(CpuCtx) == 40);
constexpr uint32_t kNrDsqs = 4;
constexpr uint64_t kSliceNs = 5000000;  // the demo's .data slice_ns (the object's default is 20 ms)

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list ap) {
  if (level != LIBBPF_WARN) return 0;
  return std::vfprintf(stderr, fmt, ap);
}

// splitmix64: a deterministic workload for the same --tasks.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

struct DemoArgs {
  std::string keep;
  std::string object;
  uint32_t tasks = 3000;
};

void demo_help() {
  std::printf(
      "usage: ktsnap demo [--keep FILE] [--tasks N] [--object FILE]\n"
      "\n"
      "Load the maps of the example scheduler (examples/demo_sched.bpf.c; its\n"
      "programs are not loaded), fill them with a synthetic workload of N tasks,\n"
      "capture them live, save the report, print its text view and example\n"
      "queries with their answers, then remove every BPF object it created\n"
      "(also on errors and on Ctrl-C). Needs root (creating BPF maps needs\n"
      "CAP_BPF and CAP_SYS_ADMIN); takes a few seconds.\n"
      "\n"
      "  --keep FILE    keep the report in FILE (default: a temporary file,\n"
      "                 removed at the end)\n"
      "  --tasks N      tasks in the workload (1..1000000, default 3000)\n"
      "  --object FILE  the example object (default: examples/demo_sched.bpf.o\n"
      "                 next to this program, or the one this build made)\n"
      "  --help         this text\n"
      "\n"
      "exit status: 0 done, 2 usage, 3 not root / cannot create maps / I/O,\n"
      "4 an answer differs from the workload, 130 interrupted.\n");
}

bool file_exists(const std::string& p) { return !p.empty() && access(p.c_str(), R_OK) == 0; }

std::string find_object(const DemoArgs& a) {
  if (!a.object.empty()) return a.object;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    std::string dir(exe);
    dir = dir.substr(0, dir.rfind('/'));
    std::string p = dir + "/examples/demo_sched.bpf.o";
    if (file_exists(p)) return p;
  }
  return KTSNAP_DEMO_OBJECT;
}

// Everything the demo owns; released in the destructor on every path.
struct Demo {
  bpf_object* obj = nullptr;
  ktsnap_report* captured = nullptr;
  ktsnap_report* report = nullptr;
  ktsnap_snapshot* snap = nullptr;
  std::vector<ktsnap_query*> queries;
  std::string tmp_path;
  ~Demo() {
    close_object();
    for (ktsnap_query* q : queries) ktsnap_query_free(q);
    ktsnap_snapshot_free(snap);
    ktsnap_report_free(report);
    ktsnap_report_free(captured);
    if (!tmp_path.empty()) unlink(tmp_path.c_str());
  }
  void close_object() {
    bpf_object__close(obj);  // closes the map fds: the kernel frees the maps
    obj = nullptr;
  }
};

// Byte offset and size of global `name` in section `sec` of the object's BTF.
bool global_slot(const bpf_object* obj, const char* sec, const char* name, uint32_t* off, uint32_t* size) {
  const struct btf* btf = bpf_object__btf(obj);
  if (!btf) return false;
  int id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
  if (id <= 0) return false;
  const struct btf_type* t = btf__type_by_id(btf, static_cast<uint32_t>(id));
  const struct btf_var_secinfo* v = btf_var_secinfos(t);
  for (uint16_t i = 0; i < btf_vlen(t); i++, v++) {
    const struct btf_type* var = btf__type_by_id(btf, v->type);
    if (std::strcmp(btf__name_by_offset(btf, var->name_off), name) == 0) {
      *off = v->offset;
      *size = v->size;
      return true;
    }
  }
  return false;
}

bpf_map* map_ending(bpf_object* obj, const char* suffix) {
  bpf_map* m;
  size_t sl = std::strlen(suffix);
  bpf_object__for_each_map(m, obj) {
    const char* n = bpf_map__name(m);
    size_t nl = std::strlen(n);
    if (nl >= sl && std::strcmp(n + nl - sl, suffix) == 0) return m;
  }
  return nullptr;
}

// What the workload must give back: the demo checks every answer.
struct Expect {
  uint64_t running_heavy = 0;  // state == RUNNING && weight > 100
  uint64_t max_runtime = 0;
  uint64_t sum_dispatches = 0;
  uint64_t sum_enqueues = 0;
  uint64_t nr_running = 0;
  std::string comm_1042;
};

struct Workload {
  std::vector<uint32_t> keys;
  std::vector<TaskCtx> tasks;
  Expect expect;
};

Workload make_workload(uint32_t n, uint32_t ncpu) {
  static const char* const kOthers[] = {"kworker/%u:1", "schbench", "hackbench", "cc1plus", "rustc",
                                        "python3",      "postgres", "nginx",     "java",    "ksoftirqd/%u"};
  static const uint32_t kWeights[] = {1, 10, 50, 100, 100, 100, 100, 200, 500, 1000, 10000};
  Workload w;
  Rng rng{42};
  w.tasks.resize(n);
  w.keys.resize(n);
  for (uint32_t i = 0; i < n; i++) {
    TaskCtx& t = w.tasks[i];
    std::memset(&t, 0, sizeof t);
    uint64_t r = rng.next();
    t.tid = 1000 + i;
    t.tgid = t.tid - static_cast<uint32_t>(std::min<uint64_t>(r % 4, i));
    // comm is cut to 15 characters, as the kernel's task->comm is.
    char name[64];
    if (i % 3 == 0)
      std::snprintf(name, sizeof name, "stress-ng-%u", i);
    else
      std::snprintf(name, sizeof name, kOthers[(r >> 8) % 10], unsigned((r >> 16) % (ncpu ? ncpu : 1)));
    std::memcpy(t.comm, name, std::min(std::strlen(name), sizeof t.comm - 1));
    uint64_t s = (r >> 24) % 100;
    t.state = s < 12 ? RUNNING : s < 60 ? QUEUED : s < 95 ? SLEEPING : EXITING;
    t.weight = kWeights[(r >> 32) % 11];
    uint64_t r2 = rng.next();
    t.runtime_ns = r2 % 5000000000ull;
    if (r2 % 50 == 0) t.runtime_ns *= 4;  // a few CPU hogs
    t.last_run_at = 1000000000000ull - (r2 >> 34);
    t.sched.slice_ns = kSliceNs;
    t.sched.vtime = t.runtime_ns * 100 / t.weight;
    t.sched.deadline = t.sched.vtime + kSliceNs * 100 / t.weight;
    uint64_t r3 = rng.next();
    t.stats.nr_enqueues = 1 + r3 % 5000;
    t.stats.nr_dispatches = t.stats.nr_enqueues - std::min<uint64_t>((r3 >> 16) % 3, t.stats.nr_enqueues);
    t.stats.nr_preemptions = (r3 >> 20) % 100;
    t.stats.nr_migrations = static_cast<uint32_t>((r3 >> 28) % 50);
    t.stats.nr_yields = static_cast<uint32_t>((r3 >> 36) % 10);
    t.last_cpu = static_cast<int32_t>((r3 >> 40) % ncpu);
    t.dsq_id = static_cast<uint32_t>((r3 >> 48) % kNrDsqs);
    t.cpumask = ncpu >= 64 ? ~0ull : (1ull << ncpu) - 1;
    t.kthread = std::strncmp(t.comm, "kworker", 7) == 0 || std::strncmp(t.comm, "ksoftirqd", 9) == 0;
    w.keys[i] = t.tid;

    Expect& e = w.expect;
    if (t.state == RUNNING && t.weight > 100) e.running_heavy++;
    if (t.state == RUNNING) e.nr_running++;
    e.max_runtime = std::max(e.max_runtime, t.runtime_ns);
    e.sum_dispatches += t.stats.nr_dispatches;
    e.sum_enqueues += t.stats.nr_enqueues;
    if (t.tid == 1042) e.comm_1042 = t.comm;
  }
  return w;
}

int sys_failure(const std::string& what, int err) {
  std::fprintf(stderr, "ktsnap demo: %s: %s\n", what.c_str(), std::strerror(err));
  if (err == EPERM || err == EACCES)
    std::fprintf(stderr, "ktsnap demo: creating BPF maps needs root (CAP_BPF and CAP_SYS_ADMIN)\n");
  return kExitIo;
}

int interrupted() {
  std::fprintf(stderr, "ktsnap demo: interrupted; removing the demo's BPF maps\n");
  return 130;
}

// Per-CPU values: one slot per possible CPU, each rounded up to 8 bytes.
template <typename T>
std::vector<uint8_t> percpu_buf(const std::vector<T>& per_cpu) {
  size_t stride = (sizeof(T) + 7) & ~size_t(7);
  std::vector<uint8_t> b(stride * per_cpu.size(), 0);
  for (size_t c = 0; c < per_cpu.size(); c++) std::memcpy(b.data() + c * stride, &per_cpu[c], sizeof(T));
  return b;
}

int fill_maps(bpf_object* obj, const Workload& w, uint32_t ncpu) {
  bpf_map* tasks = bpf_object__find_map_by_name(obj, "task_ctxs");
  bpf_map* stats = bpf_object__find_map_by_name(obj, "cpu_stats");
  bpf_map* dsqs = bpf_object__find_map_by_name(obj, "dsq_stats");
  bpf_map* cpus = bpf_object__find_map_by_name(obj, "cpu_ctxs");
  bpf_map* bss = map_ending(obj, ".bss");
  bpf_map* data = map_ending(obj, ".data");
  if (!tasks || !stats || !dsqs || !cpus || !bss || !data) {
    std::fprintf(stderr, "ktsnap demo: the object lacks a map of examples/demo_sched.bpf.c\n");
    return kExitData;
  }
  for (uint32_t i = 0; i < w.tasks.size(); i++) {
    if (bpf_map_update_elem(bpf_map__fd(tasks), &w.keys[i], &w.tasks[i], BPF_ANY))
      return sys_failure("filling task_ctxs", errno);
    if ((i & 255) == 0 && g_stop) return interrupted();
  }

  std::vector<CpuStats> cs(ncpu);
  std::vector<CpuCtx> cc(ncpu);
  std::vector<std::vector<DsqCounters>> dq(kNrDsqs, std::vector<DsqCounters>(ncpu));
  std::memset(cs.data(), 0, cs.size() * sizeof(CpuStats));
  std::memset(cc.data(), 0, cc.size() * sizeof(CpuCtx));
  for (auto& d : dq) std::memset(d.data(), 0, d.size() * sizeof(DsqCounters));
  for (uint32_t c = 0; c < ncpu; c++) {
    cc[c].cpu = c;
    cc[c].idle_ns = 1000000ull * (c * 37 % 101);
    cc[c].perf_level = 1024;
    cc[c].online = true;
  }
  for (const TaskCtx& t : w.tasks) {
    uint32_t c = static_cast<uint32_t>(t.last_cpu);
    cs[c].nr_enqueued += t.stats.nr_enqueues;
    cs[c].nr_dispatched += t.stats.nr_dispatches;
    cs[c].nr_local += t.stats.nr_dispatches * 7 / 10;
    cs[c].nr_global += t.stats.nr_dispatches - t.stats.nr_dispatches * 7 / 10;
    cs[c].nr_preempted += t.stats.nr_preemptions;
    cs[c].busy_ns += t.runtime_ns;
    DsqCounters& d = dq[t.dsq_id][c];
    if (t.state == QUEUED) d.nr_queued++;
    d.nr_consumed += t.stats.nr_dispatches;
    d.max_wait_ns = std::max<uint64_t>(d.max_wait_ns, t.sched.deadline - t.sched.vtime);
    if (t.state == RUNNING) {
      if (!cc[c].curr_tid) cc[c].curr_tid = t.tid;
      cc[c].nr_running++;
    }
    cc[c].vtime_now = std::max(cc[c].vtime_now, t.sched.vtime);
  }
  uint32_t zero = 0;
  std::vector<uint8_t> b = percpu_buf(cs);
  if (bpf_map_update_elem(bpf_map__fd(stats), &zero, b.data(), BPF_ANY))
    return sys_failure("filling cpu_stats", errno);
  for (uint32_t d = 0; d < kNrDsqs; d++) {
    DsqKey k{d, 0};
    b = percpu_buf(dq[d]);
    if (bpf_map_update_elem(bpf_map__fd(dsqs), &k, b.data(), BPF_ANY)) return sys_failure("filling dsq_stats", errno);
  }
  for (uint32_t c = 0; c < ncpu; c++)
    if (bpf_map_update_elem(bpf_map__fd(cpus), &c, &cc[c], BPF_ANY)) return sys_failure("filling cpu_ctxs", errno);

  // Globals: read the section from the kernel, patch the variables, write it back.
  auto set_globals = [&](bpf_map* m, const char* sec,
                         std::initializer_list<std::pair<const char*, uint64_t>> vars) -> int {
    std::vector<uint8_t> v(bpf_map__value_size(m), 0);
    if (bpf_map_lookup_elem(bpf_map__fd(m), &zero, v.data())) return sys_failure(std::string("reading ") + sec, errno);
    for (auto& [name, val] : vars) {
      uint32_t off = 0, size = 0;
      if (!global_slot(obj, sec, name, &off, &size) || off + size > v.size() || size > 8) {
        std::fprintf(stderr, "ktsnap demo: the object has no global %s in %s\n", name, sec);
        return kExitData;
      }
      std::memcpy(v.data() + off, &val, size);  // little-endian: the low bytes
    }
    if (bpf_map_update_elem(bpf_map__fd(m), &zero, v.data(), BPF_ANY))
      return sys_failure(std::string("writing ") + sec, errno);
    return -1;
  };
  if (int rc = set_globals(bss, ".bss",
                           {{"nr_enqueued", w.expect.sum_enqueues},
                            {"nr_dispatched", w.expect.sum_dispatches},
                            {"nr_running", w.expect.nr_running},
                            {"nr_tasks", w.tasks.size()}});
      rc >= 0)
    return rc;
  if (int rc = set_globals(data, ".data", {{"slice_ns", kSliceNs}, {"nr_dsqs", kNrDsqs}}); rc >= 0) return rc;
  return -1;
}

// ---- printing answers -----------------------------------------------------

std::string text_of(const ktsnap_value& v) {
  ktsnap_render_opts opts = KTSNAP_RENDER_OPTS_INIT;
  opts.format = KTSNAP_FORMAT_TEXT;
  char* p = nullptr;
  size_t len = 0;
  if (ktsnap_render_value(&p, &len, &v, &opts) != KTSNAP_OK) return "?";
  std::string s(p, len);
  ktsnap_free(p);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::string entry_line(const ktsnap_map* m, uint32_t e, std::initializer_list<const char*> paths) {
  ktsnap_value v;
  std::string s = "key ";
  s += ktsnap_entry_key(&v, m, e, "") == KTSNAP_OK ? text_of(v) : "?";
  for (const char* p : paths) {
    s += std::string("  ") + p + "=";
    s += ktsnap_entry_get(&v, m, e, KTSNAP_NO_CPU, p) == KTSNAP_OK ? text_of(v) : "?";
  }
  return s;
}

struct Checker {
  int mismatches = 0;
  void check(bool ok, const std::string& what) {
    if (ok) return;
    mismatches++;
    std::printf("   MISMATCH: %s\n", what.c_str());
  }
};

// The details of this thread's last error, as `ktsnap query` prints them.
void print_error_details(const char* indent) {
  ktsnap_error_info info = KTSNAP_ERROR_INFO_INIT;
  ktsnap_last_error_info(&info);
  std::printf("%serror: %s: %s\n", indent, ktsnap_status_str(info.status), info.message);
  if (info.column) std::printf("%scolumn: %u\n", indent, info.column);
  if (info.alternative_count) {
    std::printf("%salternatives:", indent);
    for (size_t i = 0; i < info.alternative_count; i++) std::printf("%s %s", i ? "," : "", info.alternatives[i]);
    std::printf("\n");
  }
  if (info.sample_key_count) {
    std::printf("%ssampled keys:", indent);
    for (size_t i = 0; i < info.sample_key_count; i++) std::printf("%s %s", i ? "," : "", info.sample_keys[i]);
    std::printf("\n");
  }
  if (info.hint && *info.hint) std::printf("%shint: %s\n", indent, info.hint);
}

int run_queries(Demo& d, const std::string& shown_path, const Expect& ex, uint32_t ncpu) {
  Checker ck;
  const ktsnap_map *tasks = nullptr, *stats = nullptr;
  if (ktsnap_snapshot_map(&tasks, d.snap, "task_ctxs") != KTSNAP_OK ||
      ktsnap_snapshot_map(&stats, d.snap, "cpu_stats") != KTSNAP_OK)
    return report_failure_detailed(kCmd, KTSNAP_E_NOTFOUND, "");
  auto compile = [&](const char* expr) -> ktsnap_query* {
    ktsnap_query* q = nullptr;
    if (ktsnap_query_compile(&q, tasks, expr) != KTSNAP_OK) {
      print_error_details("   ");
      return nullptr;
    }
    d.queries.push_back(q);
    return q;
  };
  const char* R = shown_path.c_str();

  std::printf("\n== queries (each with the ktsnap command that asks it) ==\n");

  std::printf("\n1. The task with tid 1042: ktsnap_query_find(\"tid == 1042\")\n");
  std::printf("   $ ktsnap query %s --map task_ctxs --find 'tid == 1042' --get comm --get state --get weight\n", R);
  uint32_t hit = 0;
  ktsnap_query* q = compile("tid == 1042");
  if (!q) return kExitData;
  if (ktsnap_query_find(&hit, q, 0) == KTSNAP_OK) {
    std::printf("   %s\n", entry_line(tasks, hit, {"comm", "state", "weight", "runtime_ns"}).c_str());
    ktsnap_value v;
    char buf[32] = "";
    size_t len = 0;
    bool ok = ktsnap_entry_get(&v, tasks, hit, KTSNAP_NO_CPU, "comm") == KTSNAP_OK &&
              ktsnap_value_string(buf, sizeof buf, &len, &v) == KTSNAP_OK;
    ck.check(ok && ex.comm_1042 == buf, "comm of tid 1042 should be \"" + ex.comm_1042 + "\"");
  } else {
    ck.check(ex.comm_1042.empty(), "tid 1042 should exist");
    print_error_details("   ");
  }

  std::printf("\n2. How many RUNNING tasks weigh more than 100: ktsnap_query_count()\n");
  std::printf("   $ ktsnap query %s --map task_ctxs --count 'state == \"RUNNING\" && weight > 100'\n", R);
  q = compile("state == \"RUNNING\" && weight > 100");
  if (!q) return kExitData;
  uint64_t count = 0;
  if (ktsnap_query_count(&count, q, 0) != KTSNAP_OK) return report_failure_detailed(kCmd, KTSNAP_E_INTERNAL, "");
  std::printf("   %llu of %u tasks\n", static_cast<unsigned long long>(count), ktsnap_map_entry_count(tasks));
  ck.check(count == ex.running_heavy, "expected " + std::to_string(ex.running_heavy));

  std::printf("\n3. The task that ran longest: ktsnap_query_max_by(\"runtime_ns\")\n");
  std::printf("   $ ktsnap query %s --map task_ctxs --max-by runtime_ns --get comm --get runtime_ns\n", R);
  q = compile("true");
  if (!q) return kExitData;
  if (ktsnap_query_max_by(&hit, q, "runtime_ns", 0) != KTSNAP_OK) {
    print_error_details("   ");
    ck.check(false, "max_by found nothing");
  } else {
    std::printf("   %s\n", entry_line(tasks, hit, {"comm", "runtime_ns", "weight"}).c_str());
    ktsnap_value v;
    uint64_t rt = 0;
    ck.check(ktsnap_entry_get(&v, tasks, hit, KTSNAP_NO_CPU, "") == KTSNAP_OK &&
                 ktsnap_value_read_u64(&rt, &v, "runtime_ns") == KTSNAP_OK && rt == ex.max_runtime,
             "expected runtime_ns " + std::to_string(ex.max_runtime));
  }

  std::printf("\n4. Dispatches, summed two ways: a column of every task, and the per-CPU counter\n");
  std::printf("   ktsnap_column_u64(task_ctxs, \"stats.nr_dispatches\") summed over %u tasks\n",
              ktsnap_map_entry_count(tasks));
  std::vector<uint64_t> col(ktsnap_map_entry_count(tasks));
  ktsnap_bulk_result br{};
  if (ktsnap_column_u64(col.data(), col.size(), nullptr, &br, tasks, "stats.nr_dispatches", 0) != KTSNAP_OK)
    return report_failure_detailed(kCmd, KTSNAP_E_INTERNAL, "");
  uint64_t sum = 0;
  for (uint64_t x : col) sum += x;
  std::printf("   = %llu\n", static_cast<unsigned long long>(sum));
  ck.check(sum == ex.sum_dispatches && br.failed == 0, "expected " + std::to_string(ex.sum_dispatches));
  std::printf("   ktsnap_entry_cpu_agg_u64(cpu_stats, 0, \"nr_dispatched\", KTSNAP_AGG_SUM) over %u CPUs\n", ncpu);
  std::printf("   $ ktsnap query %s --map cpu_stats --find 'key == 0' --get nr_dispatched\n", R);
  uint64_t cpu_sum = 0;
  if (ktsnap_entry_cpu_agg_u64(&cpu_sum, stats, 0, "nr_dispatched", KTSNAP_AGG_SUM) != KTSNAP_OK) {
    print_error_details("   ");
    ck.check(false, "cpu_sum failed");
  } else {
    std::printf("   = %llu%s\n", static_cast<unsigned long long>(cpu_sum), cpu_sum == sum ? " (the same)" : "");
    ck.check(cpu_sum == ex.sum_dispatches, "expected " + std::to_string(ex.sum_dispatches));
  }

  std::printf("\n5. Globals by name, from .rodata, .data and .bss: ktsnap_snapshot_var()\n");
  std::printf("   $ ktsnap query %s --var nr_cpus\n", R);
  struct G {
    const char* name;
    uint64_t want;
  } globals[] = {{"nr_cpus", ncpu}, {"slice_ns", kSliceNs}, {"nr_tasks", ktsnap_map_entry_count(tasks)},
                 {"nr_dispatched", ex.sum_dispatches}};
  for (const G& g : globals) {
    ktsnap_value v;
    uint64_t x = 0;
    if (ktsnap_snapshot_var(&v, d.snap, g.name) != KTSNAP_OK || ktsnap_value_read_u64(&x, &v, "") != KTSNAP_OK) {
      print_error_details("   ");
      ck.check(false, std::string("global ") + g.name);
      continue;
    }
    std::printf("   %-14s = %llu\n", g.name, static_cast<unsigned long long>(x));
    ck.check(x == g.want, std::string(g.name) + " expected " + std::to_string(g.want));
  }

  std::printf("\n6. A mistake, and what the error says: ktsnap_query_compile(\"wieght > 100\")\n");
  std::printf("   $ ktsnap query %s --map task_ctxs --count 'wieght > 100'\n", R);
  ktsnap_query* bad = nullptr;
  ktsnap_status st = ktsnap_query_compile(&bad, tasks, "wieght > 100");
  if (st == KTSNAP_OK) {
    ktsnap_query_free(bad);
    ck.check(false, "a misspelt member should not compile");
  } else {
    print_error_details("   ");
  }

  if (ck.mismatches) {
    std::fprintf(stderr, "ktsnap demo: %d answers differ from the workload\n", ck.mismatches);
    return kExitData;
  }
  std::printf("\nEvery answer matches the workload the demo wrote.\n");
  return -1;
}

int run(const DemoArgs& a) {
  if (geteuid() != 0) {
    std::fprintf(stderr,
                 "ktsnap demo: needs root: it creates BPF maps (CAP_BPF and CAP_SYS_ADMIN) and reads them\n"
                 "back with bpf(). Run it as root, e.g. `sudo ktsnap demo`.\n");
    return kExitIo;
  }
  std::string path = find_object(a);
  if (!file_exists(path)) {
    std::fprintf(stderr,
                 "ktsnap demo: cannot find the example object demo_sched.bpf.o%s%s; build the\n"
                 "ktsnap_demo_object target or pass --object FILE\n",
                 path.empty() ? "" : " at ", path.c_str());
    return kExitIo;
  }
  int ncpu_i = libbpf_num_possible_cpus();
  if (ncpu_i <= 0) return sys_failure("counting possible CPUs", -ncpu_i);
  uint32_t ncpu = static_cast<uint32_t>(ncpu_i);
  libbpf_set_print(libbpf_print);

  Demo d;
  errno = 0;
  d.obj = bpf_object__open_file(path.c_str(), nullptr);
  if (!d.obj) return sys_failure("opening " + path, errno ? errno : EINVAL);
  bpf_program* prog;
  bpf_object__for_each_program(prog, d.obj) bpf_program__set_autoload(prog, false);  // maps only
  bpf_map* tasks = bpf_object__find_map_by_name(d.obj, "task_ctxs");
  bpf_map* cpus = bpf_object__find_map_by_name(d.obj, "cpu_ctxs");
  bpf_map* rodata = map_ending(d.obj, ".rodata");
  if (!tasks || !cpus || !rodata || bpf_map__value_size(tasks) != sizeof(TaskCtx) ||
      bpf_map__value_size(cpus) != sizeof(CpuCtx)) {
    std::fprintf(stderr, "ktsnap demo: %s is not the example scheduler of examples/demo_sched.bpf.c\n", path.c_str());
    return kExitData;
  }
  // As a scheduler's loader does: size per-CPU tables, set .rodata config.
  if (bpf_map__set_max_entries(cpus, ncpu) || bpf_map__set_max_entries(tasks, std::max<uint32_t>(a.tasks, 8192)))
    return sys_failure("sizing the maps", EINVAL);
  size_t ro_size = 0;
  const auto* ro_init = static_cast<const uint8_t*>(bpf_map__initial_value(rodata, &ro_size));
  uint32_t off = 0, size = 0;
  if (!ro_init || !global_slot(d.obj, ".rodata", "nr_cpus", &off, &size) || size != 4 || off + 4 > ro_size) {
    std::fprintf(stderr, "ktsnap demo: the object has no .rodata nr_cpus\n");
    return kExitData;
  }
  std::vector<uint8_t> ro(ro_init, ro_init + ro_size);
  std::memcpy(ro.data() + off, &ncpu, 4);
  if (bpf_map__set_initial_value(rodata, ro.data(), ro.size())) return sys_failure("setting .rodata", EINVAL);

  std::printf("ktsnap demo: example scheduler %s, %u possible CPUs, %u tasks\n", path.c_str(), ncpu, a.tasks);
  int err = bpf_object__load(d.obj);
  if (err) return sys_failure("loading the maps of " + path, -err);
  if (g_stop) return interrupted();
  size_t nmaps = 0;
  bpf_map* m;
  bpf_object__for_each_map(m, d.obj) nmaps++;
  std::printf("  created %zu BPF maps (programs are not loaded: autoload off)\n", nmaps);

  Workload w = make_workload(a.tasks, ncpu);
  if (int rc = fill_maps(d.obj, w, ncpu); rc >= 0) return rc;
  if (g_stop) return interrupted();
  std::printf("  filled task_ctxs (%u tasks), cpu_stats and dsq_stats (%u CPU slots each), cpu_ctxs, .bss, .data\n",
              a.tasks, ncpu);

  ktsnap_capture_opts opts = KTSNAP_CAPTURE_OPTS_INIT;
  opts.object = d.obj;
  opts.tag = "ktsnap demo";
  opts.trigger = KTSNAP_TRIGGER_ON_DEMAND;
  ktsnap_capture_stats cs = KTSNAP_CAPTURE_STATS_INIT;
  ktsnap_status st = ktsnap_capture(&d.captured, &opts, &cs);
  if (st != KTSNAP_OK) return report_failure_detailed(kCmd, st, "");
  std::printf("  captured %u maps live (%u excluded, %u with errors), %llu entries, %llu bytes in %.2f ms\n",
              cs.maps_read, cs.maps_excluded, cs.maps_failed, static_cast<unsigned long long>(cs.entries),
              static_cast<unsigned long long>(cs.bytes), double(cs.elapsed_ns) / 1e6);

  // The kernel objects are no longer needed: everything below reads the file.
  d.close_object();
  std::printf("  closed the BPF object: the kernel frees its maps\n");

  std::string out = a.keep;
  if (out.empty()) {
    char tmpl[] = "/tmp/ktsnap-demo-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) return sys_failure("creating a temporary file", errno);
    close(fd);
    d.tmp_path = out = tmpl;
  }
  st = ktsnap_report_save(d.captured, out.c_str());
  if (st != KTSNAP_OK) return report_failure(kCmd, st);
  ktsnap_report_free(d.captured);
  d.captured = nullptr;
  st = ktsnap_report_open_file(&d.report, out.c_str(), nullptr);
  if (st != KTSNAP_OK) return report_failure(kCmd, st);
  size_t file_size = 0;
  ktsnap_report_bytes(d.report, &file_size);
  std::printf("  saved the report to %s (%zu bytes)%s and reopened it\n", out.c_str(), file_size,
              a.keep.empty() ? ", a temporary file removed at the end," : "");
  st = ktsnap_snapshot_new(&d.snap, d.report);
  if (st != KTSNAP_OK) return report_failure(kCmd, st);

  std::printf("\n== the report as text (3 entries per map): ktsnap show %s --limit 3 ==\n\n",
              a.keep.empty() ? "REPORT" : out.c_str());
  ktsnap_render_opts ro_opts = KTSNAP_RENDER_OPTS_INIT;
  ro_opts.format = KTSNAP_FORMAT_TEXT;
  ro_opts.max_entries = 3;
  char* text = nullptr;
  size_t len = 0;
  st = ktsnap_render_report(&text, &len, d.report, &ro_opts);
  if (st != KTSNAP_OK) return report_failure(kCmd, st);
  bool wrote = std::fwrite(text, 1, len, stdout) == len && (len == 0 || text[len - 1] == '\n' || std::putchar('\n') != EOF);
  ktsnap_free(text);
  if (!wrote) return kExitIo;
  if (g_stop) return interrupted();

  if (int rc = run_queries(d, a.keep.empty() ? "REPORT" : out, w.expect, ncpu); rc >= 0) return rc;
  if (a.keep.empty())
    std::printf("(run `ktsnap demo --keep FILE` to keep the report and ask it these questions yourself)\n");
  return std::fflush(stdout) == 0 ? kExitOk : kExitIo;
}

}  // namespace

int cmd_demo(const Args& args) {
  DemoArgs a;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& s = args[i];
    if (s == "--help" || s == "-h") {
      demo_help();
      return kExitOk;
    } else if (s == "--keep" || s == "--object" || s == "--tasks") {
      if (i + 1 >= args.size()) return usage_error(kCmd, s + " needs an argument");
      const std::string& v = args[++i];
      if (v.empty()) return usage_error(kCmd, s + " needs a non-empty argument");
      if (s == "--keep") {
        a.keep = v;
      } else if (s == "--object") {
        a.object = v;
      } else if (!parse_u32(v, &a.tasks) || a.tasks == 0 || a.tasks > 1000000) {
        return usage_error(kCmd, "--tasks '" + v + "' is not a count from 1 to 1000000");
      }
    } else if (s.size() > 1 && s[0] == '-') {
      return usage_error(kCmd, "unknown option '" + s + "'");
    } else {
      return usage_error(kCmd, "unexpected argument '" + s + "'");
    }
  }
  // Ctrl-C and SIGTERM stop the demo at the next step; the destructor of
  // the Demo state then closes the BPF object. (A second signal, or any
  // kill, still frees the maps: they live only as long as our fds.)
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return run(a);
}

}  // namespace ktsnap_cli
