// Shared-memory rings through the C ABI: argument and options checks,
// in-place consumption, backpressure, hostile headers, and separate
// processes (tests/support/tools/ring_peer) for the end-to-end runs, dead
// consumers and a producer killed in the middle of a record.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "capi_test.hpp"

namespace {

using namespace capi_test;

constexpr int64_t kSec = 1000ll * 1000 * 1000;

std::string unique_name(const char* what) {
  static int counter = 0;
  return "ktsnap-test-" + std::to_string(getpid()) + "-" + what + "-" + std::to_string(counter++);
}

// Unlinks the segment when the test ends, passed or failed.
struct RingName {
  std::string name;
  explicit RingName(const char* what) : name(unique_name(what)) { ktsnap_ring_unlink(name.c_str()); }
  ~RingName() { ktsnap_ring_unlink(name.c_str()); }
  const char* c_str() const { return name.c_str(); }
};

struct RingFree {
  void operator()(ktsnap_ring* r) const { ktsnap_ring_free(r); }
};
struct ProducerFree {
  void operator()(ktsnap_producer* p) const { ktsnap_producer_free(p); }
};
struct ConsumerFree {
  void operator()(ktsnap_consumer* c) const { ktsnap_consumer_free(c); }
};
using RingPtr = std::unique_ptr<ktsnap_ring, RingFree>;
using ProducerPtr = std::unique_ptr<ktsnap_producer, ProducerFree>;
using ConsumerPtr = std::unique_ptr<ktsnap_consumer, ConsumerFree>;

RingPtr create(const RingName& n, uint64_t size, uint32_t policy = KTSNAP_RING_POLICY_WAIT) {
  ktsnap_ring_opts o = KTSNAP_RING_OPTS_INIT;
  o.size_bytes = size;
  o.policy = policy;
  ktsnap_ring* r = nullptr;
  EXPECT_OK(ktsnap_ring_create(&r, n.c_str(), &o));
  return RingPtr(r);
}

ProducerPtr producer(ktsnap_ring* r) {
  ktsnap_producer* p = nullptr;
  EXPECT_OK(ktsnap_producer_open(&p, r));
  return ProducerPtr(p);
}

ConsumerPtr consumer(ktsnap_ring* r, uint32_t flags = 0) {
  ktsnap_consumer_opts o = KTSNAP_CONSUMER_OPTS_INIT;
  o.flags = flags;
  ktsnap_consumer* c = nullptr;
  EXPECT_OK(ktsnap_consumer_open(&c, r, &o));
  return ConsumerPtr(c);
}

// A small real report whose tag is `tag`.
ReportPtr make_report(const std::string& tag, size_t region_bytes = 0) {
  ktsnap_builder* b = nullptr;
  EXPECT_OK(ktsnap_builder_new(&b, nullptr));
  BuilderPtr bp(b);
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  md.tag = tag.c_str();
  EXPECT_OK(ktsnap_builder_set_metadata(b, &md));
  if (region_bytes != 0) {
    std::vector<uint8_t> bytes(region_bytes, 0x5a);
    EXPECT_OK(ktsnap_builder_add_region(b, 0x1000, bytes.data(), bytes.size()));
  }
  ktsnap_report* r = nullptr;
  EXPECT_OK(ktsnap_builder_finish(&r, b));
  return ReportPtr(r);
}

std::vector<uint8_t> report_bytes(const ktsnap_report* r) {
  size_t n = 0;
  const void* p = ktsnap_report_bytes(r, &n);
  return std::vector<uint8_t>(static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
}

// Maps the named segment directly (only the documented layout: docs/RING.md).
struct RawSegment {
  uint8_t* base = nullptr;
  size_t size = 0;
  explicit RawSegment(const char* name) {
    int fd = shm_open(("/" + std::string(name)).c_str(), O_RDWR, 0);
    EXPECT_GE(fd, 0);
    struct stat st {};
    fstat(fd, &st);
    size = size_t(st.st_size);
    base = static_cast<uint8_t*>(mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    close(fd);
  }
  ~RawSegment() { munmap(base, size); }
};

// A ring_peer child process with its stdout on a pipe.
struct Peer {
  pid_t pid = -1;
  FILE* out = nullptr;
  explicit Peer(const std::vector<std::string>& args) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid = fork();
    if (pid == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv;
      std::string exe = KTSNAP_RING_PEER;
      argv.push_back(exe.data());
      std::vector<std::string> copy = args;
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(exe.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    out = fdopen(fds[0], "r");
  }
  std::string line() {
    char buf[512];
    if (std::fgets(buf, sizeof buf, out) == nullptr) return "";
    std::string s = buf;
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  int wait() {
    int status = 0;
    if (pid > 0) waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void kill9() {
    if (pid > 0) ::kill(pid, SIGKILL);
    wait();
  }
  ~Peer() {
    if (pid > 0) kill9();
    if (out) std::fclose(out);
  }
};

// ---- arguments and options -------------------------------------------------

TEST(capiRing, NullArgumentsAndOptions) {
  RingName n("null");
  ktsnap_ring* r = nullptr;
  EXPECT_FAILS_WITH(ktsnap_ring_create(nullptr, n.c_str(), nullptr), KTSNAP_E_INVALID, "out");
  EXPECT_FAILS_WITH(ktsnap_ring_create(&r, nullptr, nullptr), KTSNAP_E_INVALID, "name");
  EXPECT_FAILS_WITH(ktsnap_ring_create(&r, "a/b", nullptr), KTSNAP_E_INVALID, "'/'");
  EXPECT_FAILS_WITH(ktsnap_ring_create(&r, "", nullptr), KTSNAP_E_INVALID, "name");
  EXPECT_FAILS_WITH(ktsnap_ring_open(&r, nullptr), KTSNAP_E_INVALID, "name");
  EXPECT_FAILS_WITH(ktsnap_ring_open(nullptr, n.c_str()), KTSNAP_E_INVALID, "out");
  EXPECT_FAILS_WITH(ktsnap_ring_unlink(nullptr), KTSNAP_E_INVALID, "name");
  EXPECT_FAILS_WITH(ktsnap_ring_open(&r, n.c_str()), KTSNAP_E_NOTFOUND, n.name);
  EXPECT_FAILS_WITH(ktsnap_ring_unlink(n.c_str()), KTSNAP_E_NOTFOUND, n.name);

  ktsnap_ring_opts o = KTSNAP_RING_OPTS_INIT;
  o.sz = 4;
  EXPECT_FAILS_WITH(ktsnap_ring_create(&r, n.c_str(), &o), KTSNAP_E_INVALID, "sz");
  struct {
    ktsnap_ring_opts o;
    uint64_t extra;
  } big{};
  big.o.sz = sizeof big;
  big.extra = 1;
  EXPECT_FAILS_WITH(ktsnap_ring_create(&r, n.c_str(), &big.o), KTSNAP_E_INVALID, "non-zero");
  o = KTSNAP_RING_OPTS_INIT;
  o.policy = 7;
  EXPECT_FAILS_WITH(ktsnap_ring_create(&r, n.c_str(), &o), KTSNAP_E_INVALID, "policy");
  o = KTSNAP_RING_OPTS_INIT;
  o.flags = 1;
  EXPECT_FAILS_WITH(ktsnap_ring_create(&r, n.c_str(), &o), KTSNAP_E_INVALID, "flags");
  o = KTSNAP_RING_OPTS_INIT;
  o.size_bytes = 8;
  EXPECT_FAILS_WITH(ktsnap_ring_create(&r, n.c_str(), &o), KTSNAP_E_RANGE, "capacity");
  o = KTSNAP_RING_OPTS_INIT;
  o.max_consumers = 17;
  EXPECT_FAILS_WITH(ktsnap_ring_create(&r, n.c_str(), &o), KTSNAP_E_RANGE, "max_consumers");
  EXPECT_EQ(r, nullptr);

  ktsnap_ring_opts init;
  std::memset(&init, 0xff, sizeof init);
  EXPECT_OK(ktsnap_ring_opts_init(&init, sizeof init));
  ktsnap_ring_opts lit = KTSNAP_RING_OPTS_INIT;
  EXPECT_EQ(std::memcmp(&init, &lit, sizeof init), 0);
  EXPECT_FAILS_WITH(ktsnap_ring_opts_init(nullptr, sizeof init), KTSNAP_E_INVALID, "opts");
  ktsnap_consumer_opts cinit;
  EXPECT_OK(ktsnap_consumer_opts_init(&cinit, sizeof cinit));
  ktsnap_consumer_opts clit = KTSNAP_CONSUMER_OPTS_INIT;
  EXPECT_EQ(std::memcmp(&cinit, &clit, sizeof cinit), 0);

  RingPtr ring = create(n, 4096);
  ktsnap_producer* p = nullptr;
  ktsnap_consumer* c = nullptr;
  EXPECT_FAILS_WITH(ktsnap_producer_open(&p, nullptr), KTSNAP_E_INVALID, "ring");
  EXPECT_FAILS_WITH(ktsnap_producer_open(nullptr, ring.get()), KTSNAP_E_INVALID, "out");
  EXPECT_FAILS_WITH(ktsnap_consumer_open(&c, nullptr, nullptr), KTSNAP_E_INVALID, "ring");
  ktsnap_consumer_opts co = KTSNAP_CONSUMER_OPTS_INIT;
  co.flags = 0x80;
  EXPECT_FAILS_WITH(ktsnap_consumer_open(&c, ring.get(), &co), KTSNAP_E_INVALID, "flags");
  co = KTSNAP_CONSUMER_OPTS_INIT;
  co.reserved[1] = 1;
  EXPECT_FAILS_WITH(ktsnap_consumer_open(&c, ring.get(), &co), KTSNAP_E_INVALID, "reserved");
  co.sz = 0;
  EXPECT_FAILS_WITH(ktsnap_consumer_open(&c, ring.get(), &co), KTSNAP_E_INVALID, "sz");
  void* slot = nullptr;
  ktsnap_report* rep = nullptr;
  size_t nrep = 0;
  EXPECT_FAILS_WITH(ktsnap_producer_reserve(&slot, nullptr, 8, 0), KTSNAP_E_INVALID, "producer");
  EXPECT_FAILS_WITH(ktsnap_producer_reserve(nullptr, nullptr, 8, 0), KTSNAP_E_INVALID, "out");
  EXPECT_FAILS_WITH(ktsnap_producer_commit(nullptr), KTSNAP_E_INVALID, "producer");
  EXPECT_FAILS_WITH(ktsnap_producer_discard(nullptr), KTSNAP_E_INVALID, "producer");
  EXPECT_FAILS_WITH(ktsnap_producer_publish(nullptr, nullptr, 0), KTSNAP_E_INVALID, "producer");
  EXPECT_FAILS_WITH(ktsnap_producer_publish_bytes(nullptr, nullptr, 0, 0), KTSNAP_E_INVALID, "producer");
  EXPECT_FAILS_WITH(ktsnap_consumer_next(&rep, nullptr, 0), KTSNAP_E_INVALID, "consumer");
  EXPECT_FAILS_WITH(ktsnap_consumer_next(nullptr, nullptr, 0), KTSNAP_E_INVALID, "out");
  EXPECT_FAILS_WITH(ktsnap_consumer_next_batch(&rep, 1, &nrep, nullptr, 0), KTSNAP_E_INVALID, "consumer");
  EXPECT_FAILS_WITH(ktsnap_consumer_next_batch(&rep, 1, nullptr, nullptr, 0), KTSNAP_E_INVALID, "n_out");
  ktsnap_ring_info info{};
  EXPECT_FAILS_WITH(ktsnap_ring_stat(&info, ring.get()), KTSNAP_E_INVALID, "sz");
  info.sz = sizeof info;
  EXPECT_FAILS_WITH(ktsnap_ring_stat(&info, nullptr), KTSNAP_E_INVALID, "ring");
  EXPECT_FAILS_WITH(ktsnap_ring_stat(nullptr, ring.get()), KTSNAP_E_INVALID, "out");
  uint64_t seq = 0;
  EXPECT_FAILS_WITH(ktsnap_report_ring_seq(&seq, nullptr), KTSNAP_E_INVALID, "report");
  EXPECT_EQ(ktsnap_consumer_drops(nullptr), 0u);
  EXPECT_EQ(ktsnap_consumer_missed(nullptr), 0u);
  ktsnap_ring_free(nullptr);
  ktsnap_producer_free(nullptr);
  ktsnap_consumer_free(nullptr);

  ProducerPtr prod = producer(ring.get());
  EXPECT_FAILS_WITH(ktsnap_producer_commit(prod.get()), KTSNAP_E_INVALID, "no reservation");
  EXPECT_FAILS_WITH(ktsnap_producer_discard(prod.get()), KTSNAP_E_INVALID, "no reservation");
  EXPECT_FAILS_WITH(ktsnap_producer_publish(prod.get(), nullptr, 0), KTSNAP_E_INVALID, "report");
  EXPECT_FAILS_WITH(ktsnap_producer_publish_bytes(prod.get(), nullptr, 4, 0), KTSNAP_E_INVALID, "data");
  ConsumerPtr cons = consumer(ring.get());
  EXPECT_FAILS_WITH(ktsnap_consumer_next_batch(&rep, 0, &nrep, cons.get(), 0), KTSNAP_E_INVALID, "cap");
  ReportPtr plain = make_report("plain");
  EXPECT_FAILS_WITH(ktsnap_report_ring_seq(&seq, plain.get()), KTSNAP_E_NOTFOUND, "ring");
}

TEST(capiRing, FeatureBitCreateExistsModeAndStat) {
  EXPECT_NE(ktsnap_features() & KTSNAP_FEATURE_RING, 0u);
  RingName n("stat");
  RingPtr ring = create(n, 10000);
  ktsnap_ring* again = nullptr;
  EXPECT_FAILS_WITH(ktsnap_ring_create(&again, n.c_str(), nullptr), KTSNAP_E_BUSY, "exists");
  int fd = shm_open(("/" + n.name).c_str(), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(fstat(fd, &st), 0);
  close(fd);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ktsnap_ring_info info{};
  info.sz = sizeof info;
  ASSERT_OK(ktsnap_ring_stat(&info, ring.get()));
  EXPECT_EQ(info.capacity, 10000u);
  EXPECT_EQ(info.format_version, KTSNAP_RING_FORMAT_VERSION);
  EXPECT_EQ(info.max_consumers, KTSNAP_RING_MAX_CONSUMERS);
  EXPECT_EQ(info.consumer_count, 0u);
  EXPECT_EQ(info.producer_pid, 0u);

  ktsnap_ring* other = nullptr;
  ASSERT_OK(ktsnap_ring_open(&other, n.c_str()));
  RingPtr second(other);
  ProducerPtr p = producer(second.get());
  ConsumerPtr c1 = consumer(ring.get());
  ConsumerPtr c2 = consumer(second.get());
  ReportPtr rep = make_report("one", 100);
  for (int i = 0; i < 3; i++) ASSERT_OK(ktsnap_producer_publish(p.get(), rep.get(), 0));
  ktsnap_report* got = nullptr;
  ASSERT_OK(ktsnap_consumer_next(&got, c1.get(), kSec));
  ReportPtr g(got);
  ASSERT_OK(ktsnap_ring_stat(&info, ring.get()));
  EXPECT_EQ(info.records, 3u);
  EXPECT_EQ(info.consumer_count, 2u);
  EXPECT_EQ(info.producer_pid, uint32_t(getpid()));
  EXPECT_EQ(info.consumer_pid[0], uint32_t(getpid()));
  EXPECT_EQ(info.consumer_position[0], 0u);  // the one report is still held
  EXPECT_EQ(info.tail, 0u);
  EXPECT_GT(info.head, 0u);
  g.reset();
  ASSERT_OK(ktsnap_ring_stat(&info, ring.get()));
  EXPECT_GT(info.consumer_position[0], 0u);

  // A short sz gets only the fields inside it.
  struct {
    ktsnap_ring_info head;
  } shortinfo{};
  std::memset(&shortinfo, 0xee, sizeof shortinfo);
  shortinfo.head.sz = offsetof(ktsnap_ring_info, head);
  ASSERT_OK(ktsnap_ring_stat(&shortinfo.head, ring.get()));
  EXPECT_EQ(shortinfo.head.capacity, 10000u);
  EXPECT_EQ(shortinfo.head.head, 0xeeeeeeeeeeeeeeeeull);
}

TEST(capiRing, ConsumerOpensReportInPlaceAndReleasesOnFree) {
  RingName n("inplace");
  RingPtr ring = create(n, 64 * 1024);
  ProducerPtr p = producer(ring.get());
  ConsumerPtr c = consumer(ring.get());
  ConsumerPtr cc = consumer(ring.get(), KTSNAP_CONSUMER_COPY);
  ReportPtr rep = make_report("in-place", 1000);
  std::vector<uint8_t> bytes = report_bytes(rep.get());
  void* slot = nullptr;
  ASSERT_OK(ktsnap_producer_reserve(&slot, p.get(), bytes.size(), 0));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(slot) % 8, 0u);
  std::memcpy(slot, bytes.data(), bytes.size());
  ktsnap_report* got = nullptr;
  EXPECT_EQ(ktsnap_consumer_next(&got, c.get(), 0), KTSNAP_E_AGAIN);  // not committed yet
  ASSERT_OK(ktsnap_producer_commit(p.get()));
  ASSERT_OK(ktsnap_consumer_next(&got, c.get(), 0));
  ReportPtr g(got);
  size_t size = 0;
  const void* data = ktsnap_report_bytes(g.get(), &size);
  EXPECT_EQ(data, slot);  // the very bytes in the mapping: zero copies
  EXPECT_EQ(size, bytes.size());
  EXPECT_STREQ(ktsnap_report_tag(g.get()), "in-place");
  uint64_t seq = 99;
  ASSERT_OK(ktsnap_report_ring_seq(&seq, g.get()));
  EXPECT_EQ(seq, 0u);
  // The copying consumer gets its own bytes.
  ASSERT_OK(ktsnap_consumer_next(&got, cc.get(), 0));
  ReportPtr gc(got);
  EXPECT_NE(ktsnap_report_bytes(gc.get(), nullptr), slot);
  EXPECT_STREQ(ktsnap_report_tag(gc.get()), "in-place");

  // Discard makes nothing visible and uses no sequence number.
  ASSERT_OK(ktsnap_producer_reserve(&slot, p.get(), 64, 0));
  ASSERT_OK(ktsnap_producer_discard(p.get()));
  EXPECT_EQ(ktsnap_consumer_next(&got, c.get(), 0), KTSNAP_E_AGAIN);
  EXPECT_EQ(ktsnap_consumer_next(&got, c.get(), 20 * 1000 * 1000), KTSNAP_E_TIMEOUT);
  ASSERT_OK(ktsnap_producer_publish_bytes(p.get(), bytes.data(), bytes.size(), 0));
  ASSERT_OK(ktsnap_consumer_next(&got, c.get(), 0));
  ReportPtr g2(got);
  ASSERT_OK(ktsnap_report_ring_seq(&seq, g2.get()));
  EXPECT_EQ(seq, 1u);

  // A record that is not a report: FORMAT, skipped, the next one reads.
  const char junk[] = "not a report at all";
  ASSERT_OK(ktsnap_producer_publish_bytes(p.get(), junk, sizeof junk, 0));
  ASSERT_OK(ktsnap_producer_publish(p.get(), rep.get(), 0));
  EXPECT_EQ(ktsnap_consumer_next(&got, c.get(), 0), KTSNAP_E_FORMAT);
  EXPECT_EQ(got, nullptr);
  ASSERT_OK(ktsnap_consumer_next(&got, c.get(), 0));
  ReportPtr g3(got);
  ASSERT_OK(ktsnap_report_ring_seq(&seq, g3.get()));
  EXPECT_EQ(seq, 3u);

  // The consumer handle may go first: its reports stay valid.
  c.reset();
  EXPECT_STREQ(ktsnap_report_tag(g3.get()), "in-place");
}

TEST(capiRing, BatchAndOutOfOrderRelease) {
  RingName n("batch");
  RingPtr ring = create(n, 16 * 1024);
  ProducerPtr p = producer(ring.get());
  ConsumerPtr c = consumer(ring.get());
  ReportPtr rep = make_report("b", 200);
  for (int i = 0; i < 10; i++) ASSERT_OK(ktsnap_producer_publish(p.get(), rep.get(), 0));
  ktsnap_report* got[16] = {};
  size_t n_out = 0;
  ASSERT_OK(ktsnap_consumer_next_batch(got, 4, &n_out, c.get(), kSec));
  EXPECT_EQ(n_out, 4u);
  ASSERT_OK(ktsnap_consumer_next_batch(got + 4, 12, &n_out, c.get(), kSec));
  EXPECT_EQ(n_out, 6u);
  for (size_t i = 0; i < 10; i++) {
    uint64_t seq = 0;
    ASSERT_OK(ktsnap_report_ring_seq(&seq, got[i]));
    EXPECT_EQ(seq, i);
  }
  ktsnap_ring_info info{};
  info.sz = sizeof info;
  // Freeing records 1..9 releases nothing while record 0 is held.
  for (size_t i = 1; i < 10; i++) ktsnap_report_free(got[i]);
  ASSERT_OK(ktsnap_ring_stat(&info, ring.get()));
  EXPECT_EQ(info.consumer_position[0], 0u);
  ktsnap_report_free(got[0]);
  ASSERT_OK(ktsnap_ring_stat(&info, ring.get()));
  EXPECT_EQ(info.consumer_position[0], info.head);
  EXPECT_EQ(ktsnap_consumer_next_batch(got, 4, &n_out, c.get(), 0), KTSNAP_E_AGAIN);
  EXPECT_EQ(n_out, 0u);

  // A bad record after the first of a batch ends it; the next call says why.
  const char junk[] = "junk";
  ASSERT_OK(ktsnap_producer_publish(p.get(), rep.get(), 0));
  ASSERT_OK(ktsnap_producer_publish_bytes(p.get(), junk, sizeof junk, 0));
  ASSERT_OK(ktsnap_producer_publish(p.get(), rep.get(), 0));
  ASSERT_OK(ktsnap_consumer_next_batch(got, 4, &n_out, c.get(), 0));
  EXPECT_EQ(n_out, 1u);
  ktsnap_report_free(got[0]);
  EXPECT_FAILS_WITH(ktsnap_consumer_next_batch(got, 4, &n_out, c.get(), 0), KTSNAP_E_FORMAT, "record 11");
  EXPECT_EQ(n_out, 0u);
  ASSERT_OK(ktsnap_consumer_next_batch(got, 4, &n_out, c.get(), 0));
  ASSERT_EQ(n_out, 1u);
  uint64_t seq = 0;
  ASSERT_OK(ktsnap_report_ring_seq(&seq, got[0]));
  EXPECT_EQ(seq, 12u);
  ktsnap_report_free(got[0]);
}

TEST(capiRing, BackpressureWaitTimesOutDropCounts) {
  RingName nw("wait");
  RingPtr ring = create(nw, 4096);
  ProducerPtr p = producer(ring.get());
  ConsumerPtr c = consumer(ring.get());
  std::vector<uint8_t> blob(1000, 1);
  int published = 0;
  ktsnap_status st;
  while ((st = ktsnap_producer_publish_bytes(p.get(), blob.data(), blob.size(), 10 * 1000 * 1000)) == KTSNAP_OK)
    published++;
  EXPECT_EQ(st, KTSNAP_E_TIMEOUT) << ktsnap_last_error();
  EXPECT_EQ(published, 4);
  EXPECT_FAILS_WITH(ktsnap_producer_publish_bytes(p.get(), blob.data(), 5000, 0), KTSNAP_E_RANGE, "never fit");
  void* slot = nullptr;
  EXPECT_FAILS_WITH(ktsnap_producer_reserve(&slot, p.get(), 4096, 0), KTSNAP_E_RANGE, "never fit");

  RingName nd("drop");
  RingPtr dring = create(nd, 4096, KTSNAP_RING_POLICY_DROP);
  ProducerPtr dp = producer(dring.get());
  ConsumerPtr dc = consumer(dring.get());
  ReportPtr rep = make_report("d", 900);
  int ok = 0, dropped = 0;
  for (int i = 0; i < 10; i++) {
    st = ktsnap_producer_publish(dp.get(), rep.get(), kSec);
    if (st == KTSNAP_OK) ok++;
    else if (st == KTSNAP_E_AGAIN) dropped++;
    else ADD_FAILURE() << ktsnap_status_str(st);
  }
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(ktsnap_consumer_drops(dc.get()), uint64_t(dropped));
  // Drain, then one more record: its sequence number shows every drop.
  ktsnap_report* got = nullptr;
  for (int i = 0; i < ok; i++) {
    ASSERT_OK(ktsnap_consumer_next(&got, dc.get(), 0));
    ktsnap_report_free(got);
  }
  ASSERT_OK(ktsnap_producer_publish(dp.get(), rep.get(), 0));
  ASSERT_OK(ktsnap_consumer_next(&got, dc.get(), 0));
  ReportPtr last(got);
  uint64_t seq = 0;
  ASSERT_OK(ktsnap_report_ring_seq(&seq, last.get()));
  EXPECT_EQ(seq, 10u);
  EXPECT_EQ(ktsnap_consumer_missed(dc.get()), uint64_t(dropped));
  ktsnap_ring_info info{};
  info.sz = sizeof info;
  ASSERT_OK(ktsnap_ring_stat(&info, dring.get()));
  EXPECT_EQ(info.drops, uint64_t(dropped));
  EXPECT_EQ(info.records, uint64_t(ok + 1));
}

TEST(capiRing, OneLiveProducerAndLimitedConsumers) {
  RingName n("busy");
  ktsnap_ring_opts o = KTSNAP_RING_OPTS_INIT;
  o.max_consumers = 2;
  ktsnap_ring* r = nullptr;
  ASSERT_OK(ktsnap_ring_create(&r, n.c_str(), &o));
  RingPtr ring(r);
  ProducerPtr p = producer(ring.get());
  ktsnap_producer* p2 = nullptr;
  EXPECT_FAILS_WITH(ktsnap_producer_open(&p2, ring.get()), KTSNAP_E_BUSY, "producer");
  p.reset();
  ProducerPtr p3 = producer(ring.get());
  ConsumerPtr c1 = consumer(ring.get());
  ConsumerPtr c2 = consumer(ring.get());
  ktsnap_consumer* c3 = nullptr;
  EXPECT_FAILS_WITH(ktsnap_consumer_open(&c3, ring.get(), nullptr), KTSNAP_E_BUSY, "slots");
  c1.reset();
  ConsumerPtr c4 = consumer(ring.get());
}

TEST(capiRing, HostileHeadersAreRefused) {
  RingName n("hostile");
  { RingPtr ring = create(n, 4096); }
  RawSegment raw(n.c_str());
  ktsnap_ring* r = nullptr;
  // Format version: a u16 at offset 4.
  uint16_t v = 2;
  std::memcpy(raw.base + 4, &v, 2);
  EXPECT_FAILS_WITH(ktsnap_ring_open(&r, n.c_str()), KTSNAP_E_VERSION, "version 2");
  v = 1;
  std::memcpy(raw.base + 4, &v, 2);
  ASSERT_OK(ktsnap_ring_open(&r, n.c_str()));
  ktsnap_ring_free(r);
  for (size_t off : {6, 28, 32, 56, 108, 120}) {
    raw.base[off] = 1;
    EXPECT_FAILS_WITH(ktsnap_ring_open(&r, n.c_str()), KTSNAP_E_FORMAT, "reserved");
    raw.base[off] = 0;
  }
  raw.base[0] ^= 0xff;
  EXPECT_FAILS_WITH(ktsnap_ring_open(&r, n.c_str()), KTSNAP_E_FORMAT, "magic");
  raw.base[0] ^= 0xff;
  uint64_t cap = 0;
  std::memcpy(&cap, raw.base + 16, 8);
  uint64_t huge = cap + 8;
  std::memcpy(raw.base + 16, &huge, 8);
  EXPECT_FAILS_WITH(ktsnap_ring_open(&r, n.c_str()), KTSNAP_E_FORMAT, "capacity");
  std::memcpy(raw.base + 16, &cap, 8);
  uint32_t hs = 1 << 30;
  uint32_t old_hs = 0;
  std::memcpy(&old_hs, raw.base + 8, 4);
  std::memcpy(raw.base + 8, &hs, 4);
  EXPECT_FAILS_WITH(ktsnap_ring_open(&r, n.c_str()), KTSNAP_E_FORMAT, "header size");
  std::memcpy(raw.base + 8, &old_hs, 4);
  ASSERT_OK(ktsnap_ring_open(&r, n.c_str()));
  RingPtr ring(r);

  // A committed position past what the consumer can trust: FORMAT, no crash.
  ConsumerPtr c = consumer(ring.get());
  uint64_t head = cap * 5 + 3;
  std::memcpy(raw.base + 64, &head, 8);
  ktsnap_report* got = nullptr;
  EXPECT_EQ(ktsnap_consumer_next(&got, c.get(), 0), KTSNAP_E_FORMAT);
}

// ---- separate processes ----------------------------------------------------------

struct ConsumerResult {
  uint64_t received = 0, missed = 0, drops = 0, last = 0;
};

ConsumerResult parse(const std::string& line) {
  ConsumerResult r;
  EXPECT_EQ(std::sscanf(line.c_str(), "received %lu missed %lu drops %lu last %lu", &r.received, &r.missed, &r.drops,
                        &r.last),
            4)
      << line;
  return r;
}

void run_three_processes(uint32_t policy) {
  RingName n(policy == KTSNAP_RING_POLICY_WAIT ? "e2e-wait" : "e2e-drop");
  // 8 MiB: room for the largest report (about 3 MB), the padding before
  // it and what the shuffling consumer holds; the slow consumer's pauses
  // fill it.
  RingPtr ring = create(n, 8 << 20, policy);
  const uint64_t count = 10000;
  Peer c1({"consumer", n.name, "slow"});
  Peer c2({"consumer", n.name, "batch", "shuffle"});
  ASSERT_EQ(c1.line(), "ready");
  ASSERT_EQ(c2.line(), "ready");
  auto t0 = std::chrono::steady_clock::now();
  Peer prod({"producer", n.name, std::to_string(count), "2500"});
  std::string pl = prod.line();
  EXPECT_EQ(prod.wait(), 0) << pl;
  std::string l1 = c1.line(), l2 = c2.line();
  EXPECT_EQ(c1.wait(), 0) << l1;
  EXPECT_EQ(c2.wait(), 0) << l2;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t published = 0, dropped = 0;
  ASSERT_EQ(std::sscanf(pl.c_str(), "published %lu dropped %lu", &published, &dropped), 2) << pl;
  EXPECT_GE(published + dropped, count);
  if (policy == KTSNAP_RING_POLICY_DROP) {
    EXPECT_GT(dropped, 0u) << "the slow consumer should have filled the ring";
  }
  for (const std::string& l : {l1, l2}) {
    ConsumerResult r = parse(l);
    // Every sequence number from 0 to the end record is either received
    // (the end record included) or counted missing; all of it is dropped.
    EXPECT_EQ(r.received + 1 + r.missed, r.last + 1) << l;
    EXPECT_EQ(r.received, published) << l;
    EXPECT_EQ(r.missed, dropped) << l;
    EXPECT_EQ(r.drops, dropped) << l;
    if (policy == KTSNAP_RING_POLICY_WAIT) {
      EXPECT_EQ(r.received, count);
      EXPECT_EQ(r.missed, 0u);
    }
  }
  std::printf("  %s: %lu published, %lu dropped in %.2f s\n", n.name.c_str(), published, dropped, secs);
}

TEST(capiRingProcesses, OneProducerTwoConsumersWaitPolicy) { run_three_processes(KTSNAP_RING_POLICY_WAIT); }

TEST(capiRingProcesses, OneProducerTwoConsumersDropPolicy) { run_three_processes(KTSNAP_RING_POLICY_DROP); }

TEST(capiRingProcesses, KilledConsumerIsReclaimed) {
  RingName n("killed-consumer");
  RingPtr ring = create(n, 16 * 1024);
  ConsumerPtr live = consumer(ring.get());
  Peer holder({"hold", n.name, "5"});
  ASSERT_EQ(holder.line(), "ready");
  ProducerPtr p = producer(ring.get());
  ReportPtr rep = make_report("k", 500);
  for (int i = 0; i < 5; i++) ASSERT_OK(ktsnap_producer_publish(p.get(), rep.get(), 5 * kSec));
  ASSERT_EQ(holder.line(), "holding");
  ktsnap_ring_info info{};
  info.sz = sizeof info;
  ASSERT_OK(ktsnap_ring_stat(&info, ring.get()));
  EXPECT_EQ(info.consumer_count, 2u);
  holder.kill9();
  // The producer goes on: far more than the ring holds, read by the live one.
  for (int i = 0; i < 200; i++) {
    ASSERT_OK(ktsnap_producer_publish(p.get(), rep.get(), 5 * kSec));
    ktsnap_report* got = nullptr;
    while (ktsnap_consumer_next(&got, live.get(), 0) == KTSNAP_OK) ktsnap_report_free(got);
  }
  ASSERT_OK(ktsnap_ring_stat(&info, ring.get()));
  EXPECT_EQ(info.consumer_count, 1u);
  EXPECT_EQ(info.records, 205u);
}

TEST(capiRingProcesses, ProducerKilledMidRecordLeavesNothingVisible) {
  RingName n("killed-producer");
  RingPtr ring = create(n, 256 * 1024);
  ConsumerPtr c = consumer(ring.get());
  {
    Peer prod({"crash-producer", n.name, "3", "20000"});
    ASSERT_EQ(prod.line(), "reserved");
    ktsnap_producer* busy = nullptr;
    EXPECT_FAILS_WITH(ktsnap_producer_open(&busy, ring.get()), KTSNAP_E_BUSY, "live producer");
    prod.kill9();
  }
  // A new producer takes over the ring.
  ProducerPtr p = producer(ring.get());
  ReportPtr rep = make_report("after", 100);
  ASSERT_OK(ktsnap_producer_publish(p.get(), rep.get(), 0));
  ASSERT_OK(ktsnap_producer_publish(p.get(), rep.get(), 0));
  std::vector<uint64_t> seqs;
  ktsnap_report* got = nullptr;
  ktsnap_status st;
  while ((st = ktsnap_consumer_next(&got, c.get(), 0)) == KTSNAP_OK) {
    uint64_t seq = 0;
    ASSERT_OK(ktsnap_report_ring_seq(&seq, got));
    seqs.push_back(seq);
    ktsnap_report_free(got);
  }
  EXPECT_EQ(st, KTSNAP_E_AGAIN) << ktsnap_last_error();
  EXPECT_EQ(seqs, (std::vector<uint64_t>{0, 1, 2, 3, 4}));
}

}  // namespace
