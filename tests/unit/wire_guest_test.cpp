// The guest client (vmm/wire/guest.hpp) against a fake host on the other
// end of a socketpair: outcomes, tags, ids, what is skipped, what latches
// the transport dead, deadlines, split and hostile input, threads sharing
// a client, and the port lookup by name over a fake sysfs tree.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "wire/frame.hpp"
#include "wire/guest.hpp"
#include "wire/snapshot.hpp"

namespace {

using namespace ktsnap;
using namespace ktsnap::wire;
using namespace std::chrono_literals;

// Blocking read of exactly n bytes; false on EOF or error.
bool read_exact(int fd, uint8_t* p, size_t n) {
  while (n) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= size_t(r);
  }
  return true;
}

void write_bytes(int fd, const std::vector<uint8_t>& b) {
  size_t off = 0;
  while (off < b.size()) {
    ssize_t n = ::write(fd, b.data() + off, b.size() - off);
    if (n < 0 && errno == EINTR) continue;
    ASSERT_GT(n, 0);
    off += size_t(n);
  }
}

// Reads one SNRQ frame from the guest (the frame must be well formed).
SnapshotRequest read_request(int fd) {
  uint8_t hdr[kFrameHeaderSize];
  EXPECT_TRUE(read_exact(fd, hdr, sizeof hdr));
  FrameHeader h = decode_header(hdr);
  EXPECT_EQ(h.msg_type, msg::kSnapshotRequest);
  EXPECT_EQ(h.length, kSnapshotRequestSize);
  EXPECT_EQ(h.pad, 0u);
  std::vector<uint8_t> p(kSnapshotRequestSize);
  EXPECT_TRUE(read_exact(fd, p.data(), p.size()));
  EXPECT_TRUE(check_frame_crc(h, p).ok());
  auto r = decode_snapshot_request(p);
  EXPECT_TRUE(r.ok());
  return r.ok() ? r.value() : SnapshotRequest{};
}

// The raw 72-byte payload of the next request.
std::vector<uint8_t> read_request_payload(int fd) {
  uint8_t hdr[kFrameHeaderSize];
  EXPECT_TRUE(read_exact(fd, hdr, sizeof hdr));
  std::vector<uint8_t> p(kSnapshotRequestSize);
  EXPECT_TRUE(read_exact(fd, p.data(), p.size()));
  return p;
}

std::vector<uint8_t> reply_frame(uint32_t id, uint32_t status, const std::string& reason = "") {
  auto f = frame_snapshot_reply(SnapshotReply{id, status, reason});
  EXPECT_TRUE(f.ok());
  return f.ok() ? f.value() : std::vector<uint8_t>{};
}

// A reply frame with an arbitrary status (the encoder refuses those).
std::vector<uint8_t> raw_reply_frame(uint32_t id, uint32_t status) {
  std::vector<uint8_t> p(kSnapshotReplySize, 0);
  std::memcpy(p.data(), &id, 4);
  std::memcpy(p.data() + 4, &status, 4);
  auto f = make_frame(msg::kSnapshotReply, p);
  EXPECT_TRUE(f.ok());
  return f.ok() ? f.value() : std::vector<uint8_t>{};
}

std::vector<uint8_t> header_bytes(uint32_t type, uint32_t length, uint32_t crc) {
  uint8_t h[kFrameHeaderSize];
  encode_header(FrameHeader{type, length, crc, 0}, h);
  return std::vector<uint8_t>(h, h + sizeof h);
}

// A client on one end of a socketpair, a host thread on the other.
struct Pair {
  int host = -1;
  std::unique_ptr<GuestClient> client;
  std::thread th;

  Pair() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    host = sv[1];
    auto c = GuestClient::adopt(sv[0], true);
    EXPECT_TRUE(c.ok());
    client = std::move(c.value());
  }
  void serve(std::function<void(int)> fn) {
    th = std::thread([this, fn] { fn(host); });
  }
  void join() {
    if (th.joinable()) th.join();
  }
  void close_host() {
    if (host >= 0) ::close(host);
    host = -1;
  }
  ~Pair() {
    join();
    close_host();
  }
};

GuestResult request(GuestClient& c, uint32_t kind, const std::string& tag, std::chrono::nanoseconds t = 10s) {
  auto r = c.request_snapshot(kind, tag, t);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : GuestResult{};
}

TEST(WireGuest, OkReply) {
  Pair p;
  p.serve([](int fd) {
    SnapshotRequest rq = read_request(fd);
    EXPECT_EQ(rq.request_id, 1u);
    EXPECT_EQ(rq.kind, kSnapshotKindCapture);
    EXPECT_EQ(rq.tag, "phase-1");
    write_bytes(fd, reply_frame(rq.request_id, kSnapshotStatusOk));
  });
  GuestResult r = request(*p.client, kSnapshotKindCapture, "phase-1");
  EXPECT_EQ(r.outcome, GuestOutcome::Ok);
  EXPECT_EQ(r.request_id, 1u);
  EXPECT_EQ(r.reason, "");
  p.join();
  GuestStats s = p.client->stats();
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(s.replies, 1u);
  EXPECT_EQ(s.bytes_written, kFrameHeaderSize + kSnapshotRequestSize);
  EXPECT_EQ(s.bytes_read, kFrameHeaderSize + kSnapshotReplySize);
  EXPECT_FALSE(p.client->dead());
}

TEST(WireGuest, HostErrorCarriesReason) {
  Pair p;
  p.serve([](int fd) {
    SnapshotRequest rq = read_request(fd);
    write_bytes(fd, reply_frame(rq.request_id, kSnapshotStatusErr, "another snapshot capture is in flight; retry"));
  });
  GuestResult r = request(*p.client, kSnapshotKindCapture, "t");
  EXPECT_EQ(r.outcome, GuestOutcome::HostError);
  EXPECT_EQ(r.reason, "another snapshot capture is in flight; retry");
  EXPECT_FALSE(p.client->dead());  // a host error does not latch
  EXPECT_EQ(p.client->stats().host_errors, 1u);
}

TEST(WireGuest, TagsAtAndOverTheFieldSize) {
  Pair p;
  const std::string t64(64, 'a');
  const std::string t70 = std::string(64, 'b') + "cdefgh";
  p.serve([&](int fd) {
    for (int i = 0; i < 2; i++) {
      auto pl = read_request_payload(fd);
      auto rq = decode_snapshot_request(pl);
      ASSERT_TRUE(rq.ok());
      // 64 bytes of tag, no terminator on the wire.
      EXPECT_EQ(rq->tag, std::string(64, i == 0 ? 'a' : 'b'));
      EXPECT_NE(pl[8 + 63], 0);
      write_bytes(fd, reply_frame(rq->request_id, kSnapshotStatusOk));
    }
  });
  EXPECT_EQ(request(*p.client, kSnapshotKindCapture, t64).outcome, GuestOutcome::Ok);
  EXPECT_EQ(request(*p.client, kSnapshotKindCapture, t70).outcome, GuestOutcome::Ok);
}

TEST(WireGuest, WatchKind) {
  Pair p;
  p.serve([](int fd) {
    SnapshotRequest rq = read_request(fd);
    EXPECT_EQ(rq.kind, kSnapshotKindWatch);
    EXPECT_EQ(rq.tag, "jiffies_64");
    write_bytes(fd, reply_frame(rq.request_id, kSnapshotStatusOk));
  });
  EXPECT_EQ(request(*p.client, kSnapshotKindWatch, "jiffies_64").outcome, GuestOutcome::Ok);
}

TEST(WireGuest, IdsStartAtOneAndSkipZero) {
  Pair p;
  std::vector<uint32_t> seen;
  p.serve([&](int fd) {
    for (int i = 0; i < 4; i++) {
      SnapshotRequest rq = read_request(fd);
      seen.push_back(rq.request_id);
      write_bytes(fd, reply_frame(rq.request_id, kSnapshotStatusOk));
    }
  });
  EXPECT_EQ(request(*p.client, 1, "a").request_id, 1u);
  EXPECT_EQ(request(*p.client, 1, "b").request_id, 2u);
  p.client->set_next_request_id(0xFFFFFFFFu);
  EXPECT_EQ(request(*p.client, 1, "c").request_id, 0xFFFFFFFFu);
  EXPECT_EQ(request(*p.client, 1, "d").request_id, 1u);  // 0 skipped
  p.join();
  EXPECT_EQ(seen, (std::vector<uint32_t>{1, 2, 0xFFFFFFFFu, 1}));
}

TEST(WireGuest, SkipsStaleWrongTypeAndWrongSize) {
  Pair p;
  p.serve([](int fd) {
    SnapshotRequest rq = read_request(fd);
    std::vector<uint8_t> out;
    // A stale reply of an earlier request.
    auto a = reply_frame(rq.request_id + 7, kSnapshotStatusErr, "old");
    // A frame of another type (a kernel-op reply).
    auto b = make_frame(msg::kKernelOpReply, std::vector<uint8_t>{1, 2, 3});
    // An SNRP of the old 72-byte size.
    std::vector<uint8_t> small(72, 0);
    std::memcpy(small.data(), &rq.request_id, 4);
    small[4] = 2;
    auto c = make_frame(msg::kSnapshotReply, small);
    // An empty frame of an unknown type.
    auto d = make_frame(0x51515151u, std::vector<uint8_t>{});
    for (auto* f : {&a, &b.value(), &c.value(), &d.value()}) out.insert(out.end(), f->begin(), f->end());
    auto ok = reply_frame(rq.request_id, kSnapshotStatusOk);
    out.insert(out.end(), ok.begin(), ok.end());
    write_bytes(fd, out);
  });
  GuestResult r = request(*p.client, kSnapshotKindCapture, "t");
  EXPECT_EQ(r.outcome, GuestOutcome::Ok);
  GuestStats s = p.client->stats();
  EXPECT_EQ(s.skipped_stale, 1u);
  EXPECT_EQ(s.skipped_wrong_type, 2u);
  EXPECT_EQ(s.skipped_wrong_size, 1u);
  EXPECT_EQ(s.replies, 1u);
}

TEST(WireGuest, UnknownStatusLatchesUntilReset) {
  Pair p;
  std::atomic<int> requests_seen{0};
  p.serve([&](int fd) {
    SnapshotRequest rq = read_request(fd);
    requests_seen++;
    write_bytes(fd, raw_reply_frame(rq.request_id, 3));
    rq = read_request(fd);  // only after reset()
    requests_seen++;
    write_bytes(fd, reply_frame(rq.request_id, kSnapshotStatusOk));
  });
  GuestResult r = request(*p.client, kSnapshotKindCapture, "t");
  EXPECT_EQ(r.outcome, GuestOutcome::TransportError);
  EXPECT_NE(r.reason.find("unknown status 3"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("request_id=1"), std::string::npos) << r.reason;
  EXPECT_TRUE(p.client->dead());

  // Latched: fails at once, nothing sent, the first cause named.
  GuestResult again = request(*p.client, kSnapshotKindCapture, "t2");
  EXPECT_EQ(again.outcome, GuestOutcome::TransportError);
  EXPECT_TRUE(again.latched);
  EXPECT_EQ(again.request_id, 0u);
  EXPECT_NE(again.reason.find("latched dead"), std::string::npos) << again.reason;
  EXPECT_NE(again.reason.find("unknown status 3"), std::string::npos) << again.reason;
  EXPECT_EQ(requests_seen.load(), 1);
  EXPECT_EQ(p.client->stats().requests, 1u);

  ASSERT_TRUE(p.client->reset().ok());
  EXPECT_FALSE(p.client->dead());
  GuestResult ok = request(*p.client, kSnapshotKindCapture, "t3");
  EXPECT_EQ(ok.outcome, GuestOutcome::Ok);
  EXPECT_EQ(ok.request_id, 2u);
}

TEST(WireGuest, CrcMismatchLatches) {
  Pair p;
  p.serve([](int fd) {
    SnapshotRequest rq = read_request(fd);
    auto f = reply_frame(rq.request_id, kSnapshotStatusOk);
    f[kFrameHeaderSize + 100] ^= 1;  // payload byte: the CRC no longer matches
    write_bytes(fd, f);
  });
  GuestResult r = request(*p.client, kSnapshotKindCapture, "t");
  EXPECT_EQ(r.outcome, GuestOutcome::TransportError);
  EXPECT_NE(r.reason.find("CRC"), std::string::npos) << r.reason;
  EXPECT_TRUE(p.client->dead());
}

TEST(WireGuest, OversizeLengthRejectedBeforeAllocation) {
  for (uint32_t len : {0xFFFFFFFFu, uint32_t(kSnapshotReplySize + 1), kMaxFramePayload}) {
    Pair p;
    p.serve([len](int fd) {
      read_request(fd);
      // Only the header: were the client to wait for the payload, it would
      // time out instead of failing on the length.
      write_bytes(fd, header_bytes(msg::kSnapshotReply, len, 0));
    });
    GuestResult r = request(*p.client, kSnapshotKindCapture, "t", 5s);
    EXPECT_EQ(r.outcome, GuestOutcome::TransportError);
    EXPECT_FALSE(r.timed_out);
    EXPECT_NE(r.reason.find("over the limit of 520"), std::string::npos) << r.reason;
    EXPECT_TRUE(p.client->dead());
  }
}

TEST(WireGuest, EofInHeaderAndPayload) {
  for (size_t cut : {size_t(0), size_t(7), kFrameHeaderSize + 10}) {
    Pair p;
    p.serve([cut](int fd) {
      SnapshotRequest rq = read_request(fd);
      auto f = reply_frame(rq.request_id, kSnapshotStatusOk);
      f.resize(cut);
      write_bytes(fd, f);
      ::shutdown(fd, SHUT_WR);
    });
    GuestResult r = request(*p.client, kSnapshotKindCapture, "t", 5s);
    EXPECT_EQ(r.outcome, GuestOutcome::TransportError);
    EXPECT_FALSE(r.timed_out);
    EXPECT_NE(r.reason.find("end of file"), std::string::npos) << r.reason;
    if (cut == 7) {
      EXPECT_NE(r.reason.find("header (7 of 16"), std::string::npos) << r.reason;
    }
    if (cut > kFrameHeaderSize) {
      EXPECT_NE(r.reason.find("payload (10 of 520"), std::string::npos) << r.reason;
    }
    EXPECT_TRUE(p.client->dead());
  }
}

TEST(WireGuest, HostGoneBeforeTheWrite) {
  Pair p;
  p.close_host();
  GuestResult r = request(*p.client, kSnapshotKindCapture, "t", 2s);
  EXPECT_EQ(r.outcome, GuestOutcome::TransportError);
  EXPECT_NE(r.reason.find("not sent"), std::string::npos) << r.reason;
  EXPECT_TRUE(p.client->dead());
}

TEST(WireGuest, TimeoutLatchesAndKeepsThePartialFrame) {
  Pair p;
  std::atomic<bool> go{false};
  p.serve([&](int fd) {
    SnapshotRequest rq = read_request(fd);
    // Half a header, then nothing until the guest gave up.
    auto late = reply_frame(rq.request_id, kSnapshotStatusOk);
    write_bytes(fd, std::vector<uint8_t>(late.begin(), late.begin() + 9));
    while (!go) std::this_thread::sleep_for(1ms);
    write_bytes(fd, std::vector<uint8_t>(late.begin() + 9, late.end()));
    SnapshotRequest rq2 = read_request(fd);
    write_bytes(fd, reply_frame(rq2.request_id, kSnapshotStatusOk));
  });
  auto t0 = std::chrono::steady_clock::now();
  GuestResult r = request(*p.client, kSnapshotKindWatch, "slow", 150ms);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.outcome, GuestOutcome::TransportError);
  EXPECT_TRUE(r.timed_out);
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 5s);
  EXPECT_NE(r.reason.find("within 150 ms"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("request_id=1, kind=watch"), std::string::npos) << r.reason;
  EXPECT_TRUE(p.client->dead());
  int fd_before = p.client->fd();
  ASSERT_TRUE(p.client->reset().ok());
  EXPECT_EQ(p.client->fd(), fd_before);  // an adopted fd is kept
  go = true;
  // The late reply (its header continued, not misread) is stale now.
  GuestResult ok = request(*p.client, kSnapshotKindCapture, "next");
  EXPECT_EQ(ok.outcome, GuestOutcome::Ok);
  EXPECT_EQ(ok.request_id, 2u);
  EXPECT_EQ(p.client->stats().skipped_stale, 1u);
}

TEST(WireGuest, GarbageBeforeTheReplyIsATransportError) {
  Pair p;
  p.serve([](int fd) {
    SnapshotRequest rq = read_request(fd);
    std::vector<uint8_t> out = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n', 0, 0, 0, 0};
    // length bytes are "o wo": far over the cap.
    auto ok = reply_frame(rq.request_id, kSnapshotStatusOk);
    out.insert(out.end(), ok.begin(), ok.end());
    write_bytes(fd, out);
  });
  GuestResult r = request(*p.client, kSnapshotKindCapture, "t", 5s);
  EXPECT_EQ(r.outcome, GuestOutcome::TransportError);
  EXPECT_NE(r.reason.find("over the limit of 520"), std::string::npos) << r.reason;
  EXPECT_TRUE(p.client->dead());
}

TEST(WireGuest, GarbageThatLooksSmallFailsOnTheCrc) {
  Pair p;
  p.serve([](int fd) {
    SnapshotRequest rq = read_request(fd);
    // A header announcing 4 bytes with a wrong CRC, then the real reply.
    auto out = header_bytes(0x41414141u, 4, 0x12345678u);
    out.insert(out.end(), {1, 2, 3, 4});
    auto ok = reply_frame(rq.request_id, kSnapshotStatusOk);
    out.insert(out.end(), ok.begin(), ok.end());
    write_bytes(fd, out);
  });
  GuestResult r = request(*p.client, kSnapshotKindCapture, "t", 5s);
  EXPECT_EQ(r.outcome, GuestOutcome::TransportError);
  EXPECT_NE(r.reason.find("CRC"), std::string::npos) << r.reason;
}

TEST(WireGuest, ReplyInOneByteWrites) {
  Pair p;
  p.serve([](int fd) {
    SnapshotRequest rq = read_request(fd);
    auto f = reply_frame(rq.request_id, kSnapshotStatusErr, "split");
    for (size_t i = 0; i < f.size(); i++) {
      write_bytes(fd, std::vector<uint8_t>{f[i]});
      if (i % 64 == 0) std::this_thread::sleep_for(200us);
    }
  });
  GuestResult r = request(*p.client, kSnapshotKindCapture, "t");
  EXPECT_EQ(r.outcome, GuestOutcome::HostError);
  EXPECT_EQ(r.reason, "split");
}

TEST(WireGuest, ThreadsAreSerialized) {
  Pair p;
  constexpr int kThreads = 4, kEach = 8;
  std::atomic<bool> overlap{false};
  p.serve([&](int fd) {
    for (int i = 0; i < kThreads * kEach; i++) {
      SnapshotRequest rq = read_request(fd);
      // No second request may be outstanding: nothing more is readable.
      pollfd pf{fd, POLLIN, 0};
      if (::poll(&pf, 1, 2) > 0) overlap = true;
      write_bytes(fd, reply_frame(rq.request_id, kSnapshotStatusErr, rq.tag));
    }
  });
  std::vector<std::thread> ts;
  std::atomic<int> good{0};
  for (int t = 0; t < kThreads; t++)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kEach; i++) {
        std::string tag = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = p.client->request_snapshot(kSnapshotKindCapture, tag, 10s);
        if (r.ok() && r->outcome == GuestOutcome::HostError && r->reason == tag) good++;
      }
    });
  for (auto& t : ts) t.join();
  p.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_EQ(good.load(), kThreads * kEach);
  EXPECT_EQ(p.client->stats().requests, uint64_t(kThreads * kEach));
}

TEST(WireGuest, InvalidArguments) {
  Pair p;
  auto r = p.client->request_snapshot(kSnapshotKindNone, "t", 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::Invalid);
  r = p.client->request_snapshot(kSnapshotKindCapture, "", 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::Invalid);
  r = p.client->request_snapshot(kSnapshotKindCapture, std::string_view("a\0b", 3), 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::Invalid);
  r = p.client->request_snapshot(kSnapshotKindCapture, "t", 0s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::Invalid);
  EXPECT_FALSE(p.client->dead());
  EXPECT_EQ(p.client->stats().requests, 0u);

  auto a = GuestClient::adopt(-1, false);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, Code::Invalid);
  // A closed fd number (probably not open in this process).
  a = GuestClient::adopt(1 << 20, false);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, Code::Io);
}

// Hostile hosts: random bytes, random headers with small lengths, valid
// frames with random payloads; then the host closes. The client must end
// every request with an outcome (no crash, no hang, no reading past what
// a header allowed).
TEST(WireGuest, RandomHostBytes) {
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 300; iter++) {
    Pair p;
    std::vector<uint8_t> out;
    int shape = iter % 3;
    size_t n = rng() % 700;
    for (size_t i = 0; i < n; i++) out.push_back(uint8_t(rng()));
    if (shape == 1 && out.size() >= 16) {
      uint32_t len = rng() % 530, type = (rng() & 1) ? msg::kSnapshotReply : uint32_t(rng());
      auto h = header_bytes(type, len, uint32_t(rng()));
      std::copy(h.begin(), h.end(), out.begin());
    } else if (shape == 2) {
      std::vector<uint8_t> pl(rng() % 2 ? kSnapshotReplySize : rng() % 600);
      for (auto& b : pl) b = uint8_t(rng());
      if (pl.size() >= 8) {
        uint32_t id = 1, st = rng() % 4;
        std::memcpy(pl.data(), &id, 4);
        std::memcpy(pl.data() + 4, &st, 4);
      }
      auto f = make_frame(msg::kSnapshotReply, pl);
      ASSERT_TRUE(f.ok());
      out = f.value();
    }
    p.serve([out](int fd) {
      read_request(fd);
      write_bytes(fd, out);
      ::shutdown(fd, SHUT_WR);
    });
    auto r = p.client->request_snapshot(kSnapshotKindCapture, "fuzz", 5s);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->timed_out) << iter;
    if (r->outcome == GuestOutcome::TransportError) {
      EXPECT_TRUE(p.client->dead());
      EXPECT_FALSE(r->reason.empty());
    }
  }
}

TEST(WireGuest, HugeTimeoutIsCapped) {
  Pair p;
  p.serve([](int fd) {
    SnapshotRequest rq = read_request(fd);
    write_bytes(fd, reply_frame(rq.request_id, kSnapshotStatusOk));
  });
  EXPECT_EQ(request(*p.client, kSnapshotKindCapture, "t", std::chrono::nanoseconds::max()).outcome, GuestOutcome::Ok);
}

TEST(WireGuest, UnknownKindIsSentTheHostDecides) {
  Pair p;
  p.serve([](int fd) {
    SnapshotRequest rq = read_request(fd);
    EXPECT_EQ(rq.kind, 9u);
    write_bytes(fd, reply_frame(rq.request_id, kSnapshotStatusErr, "unknown snapshot kind 9"));
  });
  GuestResult r = request(*p.client, 9, "t");
  EXPECT_EQ(r.outcome, GuestOutcome::HostError);
  EXPECT_EQ(r.reason, "unknown snapshot kind 9");
}

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/ktsnap-guest-XXXXXX";
    path = ::mkdtemp(t);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  void file(const std::string& rel, const std::string& text) {
    std::ofstream(path + "/" + rel) << text;
  }
};

TEST(WireGuest, PortLookupByName) {
  TempDir d;
  ::mkdir((d.path + "/sys").c_str(), 0755);
  ::mkdir((d.path + "/dev").c_str(), 0755);
  ::mkdir((d.path + "/sys/vport0p1").c_str(), 0755);
  ::mkdir((d.path + "/sys/vport0p2").c_str(), 0755);
  ::mkdir((d.path + "/sys/vport0p3").c_str(), 0755);  // no name file: left out
  d.file("sys/vport0p1/name", "org.other\n");
  d.file("sys/vport0p2/name", "org.ktsnap.wire\n");
  d.file("dev/vport0p2", "");
  GuestOpenOptions o;
  o.sysfs_root = d.path + "/sys";
  o.dev_root = d.path + "/dev";

  auto ports = list_virtio_ports(o.sysfs_root);
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0].first, "vport0p1");
  EXPECT_EQ(ports[1].second, "org.ktsnap.wire");

  auto c = GuestClient::open("org.ktsnap.wire", o);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c.value()->path(), o.dev_root + "/vport0p2");
  EXPECT_GE(c.value()->fd(), 0);

  // A prefix is not a match; the message lists what exists.
  auto nf = GuestClient::open("org.ktsnap", o);
  ASSERT_FALSE(nf.ok());
  EXPECT_EQ(nf.error().code, Code::NotFound);
  EXPECT_NE(nf.error().message.find("vport0p1=\"org.other\""), std::string::npos) << nf.error().message;
  EXPECT_NE(nf.error().message.find("vport0p2=\"org.ktsnap.wire\""), std::string::npos);
  EXPECT_EQ(nf.error().alternatives, (std::vector<std::string>{"org.other", "org.ktsnap.wire"}));

  // The name's device missing under dev_root.
  d.file("sys/vport0p1/name", "org.nodev");
  auto nodev = GuestClient::open("org.nodev", o);
  ASSERT_FALSE(nodev.ok());
  EXPECT_EQ(nodev.error().code, Code::NotFound);
  EXPECT_NE(nodev.error().message.find("vport0p1"), std::string::npos);

  // No ports at all, a path, bad names.
  GuestOpenOptions empty;
  empty.sysfs_root = d.path + "/nothing";
  auto none = GuestClient::open("x", empty);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no ports there"), std::string::npos);
  auto bypath = GuestClient::open(o.dev_root + "/vport0p2");
  ASSERT_TRUE(bypath.ok());
  EXPECT_EQ(bypath.value()->path(), o.dev_root + "/vport0p2");
  auto nopath = GuestClient::open(d.path + "/missing");
  ASSERT_FALSE(nopath.ok());
  EXPECT_EQ(nopath.error().code, Code::NotFound);
  EXPECT_EQ(GuestClient::open("", o).error().code, Code::Invalid);
  EXPECT_EQ(GuestClient::open(std::string_view("a\0b", 3), o).error().code, Code::Invalid);
}

TEST(WireGuest, ResetReopensAPortOpenedByPath) {
  TempDir d;
  d.file("port", "");
  auto c = GuestClient::open(d.path + "/port");
  ASSERT_TRUE(c.ok());
  GuestClient& g = *c.value();
  // A regular file: the write succeeds, the read is EOF at once.
  GuestResult r = request(g, kSnapshotKindCapture, "t", 1s);
  EXPECT_EQ(r.outcome, GuestOutcome::TransportError);
  EXPECT_TRUE(g.dead());
  ASSERT_TRUE(g.reset().ok());
  EXPECT_FALSE(g.dead());
  // Reopen fails: stays latched, with the open error as the cause.
  ::unlink((d.path + "/port").c_str());
  auto st = g.reset();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::NotFound);
  EXPECT_TRUE(g.dead());
  EXPECT_NE(g.dead_reason().find("cannot open"), std::string::npos);
  r = request(g, kSnapshotKindCapture, "t", 1s);
  EXPECT_TRUE(r.latched);
}

}  // namespace
