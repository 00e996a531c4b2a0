// Shared-memory report rings against their peers, between two processes
// (fork), in the same run (DESIGN.md "Performance budgets"; method of
// shared/anchors/ipcbench.cpp):
//
//   ring         ktsnap_producer_publish() of a report (one copy into the
//                ring) in the parent; ktsnap_consumer_next() in the child,
//                which opens the report in place (verifier included, no
//                copy) and frees it (releasing the record)
//   ring(copy)   the same with KTSNAP_CONSUMER_COPY (the consumer copies
//                the record out before verifying it) (context)
//   mq           Boost.Interprocess message_queue: send() copies the bytes
//                in, receive() copies them out, then ktsnap_report_open_memory
//                (verifier, no further copy)
//   socketpair   AF_UNIX SOCK_STREAM: write() then read() into a buffer,
//                then ktsnap_report_open_memory
//
// Every consumer reads one byte per cache line of each report (so it
// really has the bytes, as the anchors' consumer does) and checks the
// report's tag. Throughput: the producer sends M reports of ~12 MB (100k
// task_ctx entries + per-CPU stats, built from anchor.bpf.o's BTF), the
// consumer acknowledges the last; median of `reps` runs. Wake-up latency:
// the producer stamps CLOCK_MONOTONIC into a shared page, then sends a
// small report; the consumer, blocked in its receive, reads the clock when
// the report is in its hands; the producer sleeps 200 us between sends so
// the consumer is really asleep. Zero copy: the ring consumer checks that
// every report's bytes (ktsnap_report_bytes) lie inside the ring's shared
// mapping (from /proc/self/maps).
//
//   bench_ring [reps=5] [messages=24] [wakeups=2000] [only=ring|mq|sock|copy]
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/interprocess/ipc/message_queue.hpp>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "ktsnap.h"

namespace bip = boost::interprocess;

namespace {

using ktsnap::bench::die;
using ktsnap::bench::loadavg;
using ktsnap::bench::median;
using ktsnap::bench::now_ns;
using ktsnap::bench::percentile;

void check(ktsnap_status st, const char* what) {
  if (st != KTSNAP_OK) die(std::string(what) + ": " + ktsnap_status_str(st) + ": " + ktsnap_last_error());
}

std::atomic<uint64_t> g_sink{0};
void touch(const void* p, size_t n) {
  const auto* c = static_cast<const unsigned char*>(p);
  uint64_t s = 0;
  for (size_t i = 0; i < n; i += 64) s += c[i];
  g_sink.fetch_add(s, std::memory_order_relaxed);
}

void write_full(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n) {
    ssize_t w = ::write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) die("write: " + std::string(std::strerror(errno)));
    c += w;
    n -= size_t(w);
  }
}
void read_full(int fd, void* p, size_t n) {
  char* c = static_cast<char*>(p);
  while (n) {
    ssize_t r = ::read(fd, c, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) die("read: " + std::string(r == 0 ? "end of file" : std::strerror(errno)));
    c += r;
    n -= size_t(r);
  }
}

// A report (owned by the library) built from the bench object's BTF.
struct Report {
  ktsnap_report* r = nullptr;
  const void* data = nullptr;
  size_t size = 0;
};

Report make_report(uint32_t entries) {
  std::vector<uint8_t> bytes = ktsnap::bench::build_report(entries);
  Report out;
  ktsnap_open_opts o = KTSNAP_OPEN_OPTS_INIT;
  o.flags = KTSNAP_OPEN_COPY;
  check(ktsnap_report_open_memory(&out.r, bytes.data(), bytes.size(), &o), "open the bench report");
  out.data = ktsnap_report_bytes(out.r, &out.size);
  return out;
}

// Consumer side of one received report: verify (open), touch, close.
void consume_bytes(const void* p, size_t n) {
  ktsnap_report* r = nullptr;
  check(ktsnap_report_open_memory(&r, p, n, nullptr), "consumer: open");
  touch(p, n);
  ktsnap_report_free(r);
}

// Address range of the shared mapping of ring `name` in this process.
bool ring_mapping(const std::string& name, uintptr_t& lo, uintptr_t& hi) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.size() < name.size() || line.compare(line.size() - name.size(), name.size(), name) != 0) continue;
    if (line.find("/dev/shm/") == std::string::npos) continue;
    unsigned long a = 0, b = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx", &a, &b) != 2) continue;
    lo = a;
    hi = b;
    return true;
  }
  return false;
}

// The shared page: the producer's send stamp, for wake-up latency.
struct Shared {
  std::atomic<uint64_t> stamp;
};

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (::pipe(fd) != 0) die("pipe");
  }
  void put(const void* p, size_t n) { write_full(fd[1], p, n); }
  void get(void* p, size_t n) { read_full(fd[0], p, n); }
};

// ------------------------------------------------------------------ ring
struct RingResult {
  std::vector<double> secs;  // per throughput run
  std::vector<double> wake_us;
  uint64_t in_place = 0, checked = 0;
};

RingResult bench_ring(const Report& big, const Report& small, int reps, int msgs, int wakeups, bool copy) {
  std::string name = "ktsnap_bench_ring_" + std::to_string(::getpid()) + (copy ? "_copy" : "");
  ktsnap_ring_unlink(name.c_str());
  ktsnap_ring_opts ro = KTSNAP_RING_OPTS_INIT;
  ro.size_bytes = 4 * (uint64_t(big.size) + 4096);  // room for 4 reports, as the queue's depth
  ro.max_consumers = 1;
  ro.policy = KTSNAP_RING_POLICY_WAIT;
  ktsnap_ring* ring = nullptr;
  check(ktsnap_ring_create(&ring, name.c_str(), &ro), "ring create");
  auto* sh = static_cast<Shared*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  if (sh == MAP_FAILED) die("mmap");
  Pipe ready, ack;
  const int64_t kTimeout = 30ll * 1000000000ll;
  pid_t pid = fork();
  if (pid == 0) {
    ktsnap_ring* cr = nullptr;
    check(ktsnap_ring_open(&cr, name.c_str()), "child: ring open");
    ktsnap_consumer_opts co = KTSNAP_CONSUMER_OPTS_INIT;
    co.flags = copy ? KTSNAP_CONSUMER_COPY : 0;
    ktsnap_consumer* c = nullptr;
    check(ktsnap_consumer_open(&c, cr, &co), "child: consumer open");
    uintptr_t lo = 0, hi = 0;
    if (!ring_mapping(name, lo, hi)) die("child: the ring's mapping is not in /proc/self/maps");
    char one = 1;
    ready.put(&one, 1);
    uint64_t counts[2] = {0, 0};  // in place, checked
    for (int r = -1; r < reps; r++) {
      for (int i = 0; i < msgs; i++) {
        ktsnap_report* rep = nullptr;
        check(ktsnap_consumer_next(&rep, c, kTimeout), "child: next");
        size_t n = 0;
        const void* p = ktsnap_report_bytes(rep, &n);
        if (n != big.size) die("child: report of " + std::to_string(n) + " bytes");
        counts[1]++;
        if (uintptr_t(p) >= lo && uintptr_t(p) + n <= hi) counts[0]++;
        touch(p, n);
        ktsnap_report_free(rep);
      }
      ack.put(&one, 1);
    }
    std::vector<double> lat;
    for (int i = 0; i < wakeups; i++) {
      ktsnap_report* rep = nullptr;
      check(ktsnap_consumer_next(&rep, c, kTimeout), "child: next (small)");
      uint64_t t1 = now_ns();
      lat.push_back(double(t1 - sh->stamp.load(std::memory_order_acquire)) / 1e3);
      ktsnap_report_free(rep);
    }
    ack.put(counts, sizeof counts);
    ack.put(lat.data(), lat.size() * sizeof(double));
    ktsnap_consumer_free(c);
    ktsnap_ring_free(cr);
    _exit(0);
  }
  char b;
  ready.get(&b, 1);
  ktsnap_producer* p = nullptr;
  check(ktsnap_producer_open(&p, ring), "producer open");
  RingResult out;
  for (int r = -1; r < reps; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < msgs; i++) check(ktsnap_producer_publish(p, big.r, kTimeout), "publish");
    ack.get(&b, 1);
    if (r >= 0) out.secs.push_back(double(now_ns() - t0) / 1e9);
  }
  for (int i = 0; i < wakeups; i++) {
    usleep(200);
    sh->stamp.store(now_ns(), std::memory_order_release);
    check(ktsnap_producer_publish(p, small.r, kTimeout), "publish (small)");
  }
  uint64_t counts[2];
  ack.get(counts, sizeof counts);
  out.in_place = counts[0];
  out.checked = counts[1];
  out.wake_us.resize(size_t(wakeups));
  ack.get(out.wake_us.data(), out.wake_us.size() * sizeof(double));
  waitpid(pid, nullptr, 0);
  ktsnap_producer_free(p);
  ktsnap_ring_free(ring);
  ktsnap_ring_unlink(name.c_str());
  munmap(sh, 4096);
  return out;
}

// ------------------------------------------------- Boost message_queue
RingResult bench_mq(const Report& big, const Report& small, int reps, int msgs, int wakeups) {
  std::string q = "ktsnap_bench_mq_" + std::to_string(::getpid());
  bip::message_queue::remove(q.c_str());
  const unsigned depth = 4;
  bip::message_queue mq(bip::create_only, q.c_str(), depth, big.size);
  auto* sh = static_cast<Shared*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  if (sh == MAP_FAILED) die("mmap");
  Pipe ack;
  pid_t pid = fork();
  if (pid == 0) {
    bip::message_queue d(bip::open_only, q.c_str());
    std::vector<char> buf(big.size);
    size_t got;
    unsigned prio;
    char one = 1;
    for (int r = -1; r < reps; r++) {
      for (int i = 0; i < msgs; i++) {
        d.receive(buf.data(), buf.size(), got, prio);
        consume_bytes(buf.data(), got);
      }
      ack.put(&one, 1);
    }
    std::vector<double> lat;
    for (int i = 0; i < wakeups; i++) {
      d.receive(buf.data(), buf.size(), got, prio);
      ktsnap_report* rep = nullptr;
      check(ktsnap_report_open_memory(&rep, buf.data(), got, nullptr), "child: open (small)");
      uint64_t t1 = now_ns();
      lat.push_back(double(t1 - sh->stamp.load(std::memory_order_acquire)) / 1e3);
      ktsnap_report_free(rep);
    }
    ack.put(lat.data(), lat.size() * sizeof(double));
    _exit(0);
  }
  RingResult out;
  char b;
  for (int r = -1; r < reps; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < msgs; i++) mq.send(big.data, big.size, 0);
    ack.get(&b, 1);
    if (r >= 0) out.secs.push_back(double(now_ns() - t0) / 1e9);
  }
  for (int i = 0; i < wakeups; i++) {
    usleep(200);
    sh->stamp.store(now_ns(), std::memory_order_release);
    mq.send(small.data, small.size, 0);
  }
  out.wake_us.resize(size_t(wakeups));
  ack.get(out.wake_us.data(), out.wake_us.size() * sizeof(double));
  waitpid(pid, nullptr, 0);
  bip::message_queue::remove(q.c_str());
  munmap(sh, 4096);
  return out;
}

// ----------------------------------------------------------- socketpair
RingResult bench_sock(const Report& big, const Report& small, int reps, int msgs, int wakeups) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) die("socketpair");
  auto* sh = static_cast<Shared*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  if (sh == MAP_FAILED) die("mmap");
  pid_t pid = fork();
  if (pid == 0) {
    ::close(sv[0]);
    std::vector<char> buf(big.size);
    char one = 1;
    for (int r = -1; r < reps; r++) {
      for (int i = 0; i < msgs; i++) {
        uint64_t n;
        read_full(sv[1], &n, sizeof n);
        read_full(sv[1], buf.data(), n);
        consume_bytes(buf.data(), n);
      }
      write_full(sv[1], &one, 1);
    }
    std::vector<double> lat;
    for (int i = 0; i < wakeups; i++) {
      uint64_t n;
      read_full(sv[1], &n, sizeof n);
      read_full(sv[1], buf.data(), n);
      ktsnap_report* rep = nullptr;
      check(ktsnap_report_open_memory(&rep, buf.data(), n, nullptr), "child: open (small)");
      uint64_t t1 = now_ns();
      lat.push_back(double(t1 - sh->stamp.load(std::memory_order_acquire)) / 1e3);
      ktsnap_report_free(rep);
    }
    write_full(sv[1], lat.data(), lat.size() * sizeof(double));
    _exit(0);
  }
  ::close(sv[1]);
  RingResult out;
  char b;
  for (int r = -1; r < reps; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < msgs; i++) {
      uint64_t n = big.size;
      write_full(sv[0], &n, sizeof n);
      write_full(sv[0], big.data, big.size);
    }
    read_full(sv[0], &b, 1);
    if (r >= 0) out.secs.push_back(double(now_ns() - t0) / 1e9);
  }
  for (int i = 0; i < wakeups; i++) {
    usleep(200);
    uint64_t n = small.size;
    sh->stamp.store(now_ns(), std::memory_order_release);
    write_full(sv[0], &n, sizeof n);
    write_full(sv[0], small.data, small.size);
  }
  out.wake_us.resize(size_t(wakeups));
  read_full(sv[0], out.wake_us.data(), out.wake_us.size() * sizeof(double));
  waitpid(pid, nullptr, 0);
  ::close(sv[0]);
  munmap(sh, 4096);
  return out;
}

double mbps(const RingResult& r, const Report& big, int msgs) {
  double s = median(r.secs);
  return s > 0 ? double(big.size) * msgs / s / 1e6 : -1;
}

void print(const char* name, const RingResult& r, const Report& big, int msgs) {
  std::printf("%-28s throughput %8.1f MB/s (median of %zu runs; %.1f ms per report; runs ms:", name, mbps(r, big, msgs),
              r.secs.size(), median(r.secs) * 1e3 / msgs);
  for (double s : r.secs) std::printf(" %.1f", s * 1e3);
  std::printf(")\n");
  std::printf("%-28s wake-up    median %.1f us, p90 %.1f us, p99 %.1f us, min %.1f us (%zu sends)\n", name,
              median(r.wake_us), percentile(r.wake_us, 0.9), percentile(r.wake_us, 0.99), percentile(r.wake_us, 0.0), r.wake_us.size());
}

}  // namespace

int main(int argc, char** argv) {
  int reps = argc > 1 ? std::atoi(argv[1]) : 5;
  int msgs = argc > 2 ? std::atoi(argv[2]) : 24;
  int wakeups = argc > 3 ? std::atoi(argv[3]) : 2000;
  std::string only = argc > 4 ? argv[4] : "";
  if (reps < 1 || msgs < 1 || wakeups < 1 || (only != "" && only != "ring" && only != "mq" && only != "sock" && only != "copy"))
    die("usage: bench_ring [reps>=1] [messages>=1] [wakeups>=1] [only=ring|mq|sock|copy]");
  auto want = [&](const char* t) { return only.empty() || only == t; };
  if (!(ktsnap_features() & KTSNAP_FEATURE_RING)) die("this libktsnap has no rings");
  Report big = make_report(100000), small = make_report(1);
  std::printf("report: %zu bytes (100k task_ctx entries + per-CPU stats); small report: %zu bytes\n", big.size,
              small.size);
  std::printf("load before: %s\n", loadavg().c_str());

  RingResult ring, mq, sock, ringc;
  if (want("ring")) ring = bench_ring(big, small, reps, msgs, wakeups, false);
  if (want("mq")) mq = bench_mq(big, small, reps, msgs, wakeups);
  if (want("sock")) sock = bench_sock(big, small, reps, msgs, wakeups);
  if (want("copy")) ringc = bench_ring(big, small, reps, msgs, wakeups, true);
  if (!only.empty()) {
    const RingResult& r = want("ring") ? ring : want("mq") ? mq : want("sock") ? sock : ringc;
    print(only.c_str(), r, big, msgs);
    return 0;
  }

  print("ring", ring, big, msgs);
  print("message_queue(depth 4)", mq, big, msgs);
  print("socketpair", sock, big, msgs);
  print("ring(KTSNAP_CONSUMER_COPY)", ringc, big, msgs);
  double r_mq = mbps(ring, big, msgs) / mbps(mq, big, msgs);
  double r_sock = mbps(ring, big, msgs) / mbps(sock, big, msgs);
  std::printf("ratio ring/message_queue throughput %.2fx (budget >= 2); ring/socketpair %.2fx\n", r_mq, r_sock);
  std::printf("zero copy: %" PRIu64 " of %" PRIu64 " consumed reports had their bytes inside the ring's mapping\n",
              ring.in_place, ring.checked);
  std::printf("zero copy (context, KTSNAP_CONSUMER_COPY): %" PRIu64 " of %" PRIu64 " inside the mapping\n",
              ringc.in_place, ringc.checked);
  double wake = median(ring.wake_us);
  std::printf("budget: ring throughput >= 2 x message_queue: %s\n", r_mq >= 2 ? "met" : "NOT MET");
  std::printf("budget: consumer copies nothing: %s\n",
              ring.checked > 0 && ring.in_place == ring.checked ? "met" : "NOT MET");
  std::printf("budget: wake-up median <= 20 us: %s (%.1f us)\n", wake <= 20 ? "met" : "NOT MET", wake);
  std::printf("load after: %s\n", loadavg().c_str());
  ktsnap_report_free(big.r);
  ktsnap_report_free(small.r);
  return 0;
}
