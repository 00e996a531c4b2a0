// The host service (vmm/wire/service.hpp) over a socketpair: dispatch,
// replies byte for byte, the gate under real concurrency, the freeze order,
// failures, the error-trigger state machine, dump files and the ring.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "report/builder.hpp"
#include "ring/ring.hpp"
#include "wire/dump_file.hpp"
#include "wire/service.hpp"

namespace ktsnap::wire {
namespace {

using namespace std::chrono_literals;
using bridge::Bridge;
using bridge::ReportPtr;

ReportPtr make_report(std::string_view tag) {
  ReportBuilder b;
  ReportMetadata md;
  md.tag = std::string(tag);
  b.set_metadata(md);
  auto buf = b.finish_buffer();
  EXPECT_TRUE(buf.ok());
  auto r = Report::open_buffer(buf.value());
  EXPECT_TRUE(r.ok());
  return ReportPtr(std::move(r).value());
}

ServiceCaptureFn simple_capture() {
  return [](std::string_view tag, Trigger) -> Result<ReportPtr> { return make_report(tag); };
}

std::vector<uint8_t> request_frame(uint32_t id, uint32_t kind, std::string_view tag) {
  std::array<uint8_t, kSnapshotRequestSize> p{};
  std::memcpy(p.data(), &id, 4);
  std::memcpy(p.data() + 4, &kind, 4);
  std::memcpy(p.data() + 8, tag.data(), std::min(tag.size(), kSnapshotTagMax));
  return make_frame(msg::kSnapshotRequest, p).value();
}

void send_all(int fd, std::span<const uint8_t> b) {
  while (!b.empty()) {
    ssize_t n = ::send(fd, b.data(), b.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    b = b.subspan(size_t(n));
  }
}

// Reads exactly n bytes or returns what came before the timeout / EOF.
std::vector<uint8_t> recv_n(int fd, size_t n, std::chrono::milliseconds timeout) {
  std::vector<uint8_t> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, int(left.count())) <= 0) break;
    uint8_t tmp[4096];
    ssize_t r = ::recv(fd, tmp, std::min(sizeof(tmp), n - out.size()), 0);
    if (r <= 0) break;
    out.insert(out.end(), tmp, tmp + r);
  }
  return out;
}

constexpr size_t kReplyFrame = kFrameHeaderSize + kSnapshotReplySize;

// One reply frame, checked for layout: header, length 520, CRC, pad 0.
SnapshotReply read_reply(int fd, std::chrono::milliseconds timeout = 5s) {
  auto bytes = recv_n(fd, kReplyFrame, timeout);
  EXPECT_EQ(bytes.size(), kReplyFrame);
  if (bytes.size() != kReplyFrame) return {};
  FrameHeader h = decode_header(bytes.data());
  EXPECT_EQ(h.msg_type, msg::kSnapshotReply);
  EXPECT_EQ(h.length, kSnapshotReplySize);
  EXPECT_EQ(h.pad, 0u);
  std::span<const uint8_t> payload(bytes.data() + kFrameHeaderSize, kSnapshotReplySize);
  EXPECT_TRUE(check_frame_crc(h, payload).ok());
  auto r = decode_snapshot_reply(payload);
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return {};
  if (r->status == kSnapshotStatusOk) {
    for (size_t i = 8; i < kSnapshotReplySize; i++) EXPECT_EQ(payload[i], 0) << "reason byte " << i << " on OK";
  }
  return *r;
}

bool no_data(int fd, std::chrono::milliseconds wait = 150ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, int(wait.count())) == 0;
}

// A service on one end of a socketpair, run() on its own thread.
struct Harness {
  Bridge bridge;
  std::unique_ptr<HostService> svc;
  int peer = -1, host = -1;
  std::thread loop;
  Status result;

  explicit Harness(ServiceCaptureFn cap = simple_capture(), std::unique_ptr<FreezeBackend> fb = nullptr,
                   ServiceOptions opts = {}, Bridge b = Bridge())
      : bridge(b) {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    peer = sv[0];
    host = sv[1];
    if (opts.tick == 100ms) opts.tick = 5ms;
    svc = std::make_unique<HostService>(bridge, std::move(cap), std::move(fb), std::move(opts));
  }
  void start() {
    loop = std::thread([this] { result = svc->run(host); });
  }
  void join() {
    if (loop.joinable()) loop.join();
  }
  ~Harness() {
    svc->stop();
    join();
    if (peer >= 0) ::close(peer);
    ::close(host);
  }
  SnapshotReply ask(uint32_t id, uint32_t kind, std::string_view tag) {
    send_all(peer, request_frame(id, kind, tag));
    return read_reply(peer);
  }
};

template <typename Pred>
bool wait_for(Pred p, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!p()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

TEST(WireService, CaptureOk) {
  Harness h;
  h.start();
  auto r = h.ask(7, kSnapshotKindCapture, "alpha");
  EXPECT_EQ(r.request_id, 7u);
  EXPECT_EQ(r.status, kSnapshotStatusOk);
  EXPECT_EQ(r.reason, "");
  EXPECT_TRUE(h.bridge.has("alpha"));
  auto r2 = h.ask(0xFFFFFFFFu, kSnapshotKindCapture, "beta");
  EXPECT_EQ(r2.request_id, 0xFFFFFFFFu);
  EXPECT_TRUE(h.bridge.has("beta"));
  auto st = h.svc->stats();
  EXPECT_EQ(st.requests, 2u);
  EXPECT_EQ(st.replies_ok, 2u);
  EXPECT_EQ(st.stored, 2u);
}

TEST(WireService, LongTagStoredAs64Bytes) {
  Harness h;
  h.start();
  std::string tag(70, 'q');
  auto r = h.ask(1, kSnapshotKindCapture, tag);
  EXPECT_EQ(r.status, kSnapshotStatusOk);
  EXPECT_TRUE(h.bridge.has(std::string(64, 'q')));
}

TEST(WireService, UnknownKindAndEmptyTag) {
  Harness h;
  h.start();
  auto r = h.ask(3, 9, "x");
  EXPECT_EQ(r.request_id, 3u);
  EXPECT_EQ(r.status, kSnapshotStatusErr);
  EXPECT_NE(r.reason.find("unknown snapshot kind 9"), std::string::npos) << r.reason;
  auto e = h.ask(4, kSnapshotKindCapture, "");
  EXPECT_EQ(e.status, kSnapshotStatusErr);
  EXPECT_NE(e.reason.find("tag"), std::string::npos) << e.reason;
  EXPECT_TRUE(h.bridge.empty());
  EXPECT_EQ(h.svc->stats().unknown_kinds, 1u);
}

TEST(WireService, BadRequestsGetNoReplyAndNothingIsLost) {
  Harness h;
  h.start();
  send_all(h.peer, request_frame(1, 0, "kind0"));
  send_all(h.peer, request_frame(0, 1, "id0"));
  std::array<uint8_t, 71> short_payload{};
  short_payload[0] = 5;
  short_payload[4] = 1;
  send_all(h.peer, make_frame(msg::kSnapshotRequest, short_payload).value());
  auto bad = request_frame(6, 1, "badcrc");
  bad[8] ^= 0xFF;  // CRC field
  send_all(h.peer, bad);
  EXPECT_TRUE(no_data(h.peer));
  auto r = h.ask(8, kSnapshotKindCapture, "good");
  EXPECT_EQ(r.request_id, 8u);
  EXPECT_EQ(r.status, kSnapshotStatusOk);
  auto st = h.svc->stats();
  EXPECT_EQ(st.malformed, 3u);
  EXPECT_EQ(st.bad_crc, 1u);
  EXPECT_EQ(st.requests, 1u);
  EXPECT_EQ(h.bridge.size(), 1u);
}

TEST(WireService, TruncatedFrameThenRest) {
  Harness h;
  h.start();
  auto f = request_frame(11, 1, "split");
  send_all(h.peer, std::span<const uint8_t>(f).first(10));
  EXPECT_TRUE(no_data(h.peer, 50ms));
  send_all(h.peer, std::span<const uint8_t>(f).subspan(10, 30));
  EXPECT_TRUE(no_data(h.peer, 50ms));
  send_all(h.peer, std::span<const uint8_t>(f).subspan(40));
  auto r = read_reply(h.peer);
  EXPECT_EQ(r.request_id, 11u);
  EXPECT_TRUE(h.bridge.has("split"));
}

TEST(WireService, OtherFramesBetweenRequests) {
  std::vector<uint32_t> seen;
  std::mutex mu;
  ServiceOptions o;
  o.on_frame = [&](const Frame& f) {
    std::lock_guard lk(mu);
    seen.push_back(f.msg_type);
  };
  Harness h(simple_capture(), nullptr, o);
  h.start();
  std::vector<uint8_t> stream;
  auto a = request_frame(1, 1, "a");
  stream.insert(stream.end(), a.begin(), a.end());
  std::vector<uint8_t> junk{'j', 'u', 'n', 'k'};
  auto unk = make_frame(0x5A5A5A5A, junk).value();  // unknown type
  stream.insert(stream.end(), unk.begin(), unk.end());
  auto stim = make_frame(msg::kStimulus, std::vector<uint8_t>(24, 1)).value();
  stream.insert(stream.end(), stim.begin(), stim.end());
  auto snrp = make_frame(msg::kSnapshotReply, std::vector<uint8_t>(kSnapshotReplySize, 0)).value();
  stream.insert(stream.end(), snrp.begin(), snrp.end());  // sent by the guest: dropped
  auto b = request_frame(2, 1, "b");
  stream.insert(stream.end(), b.begin(), b.end());
  send_all(h.peer, stream);
  EXPECT_EQ(read_reply(h.peer).request_id, 1u);
  EXPECT_EQ(read_reply(h.peer).request_id, 2u);
  EXPECT_TRUE(no_data(h.peer, 50ms));
  auto st = h.svc->stats();
  EXPECT_EQ(st.unknown_types, 1u);
  EXPECT_EQ(st.guest_replies, 1u);
  EXPECT_EQ(st.other_frames, 1u);
  std::lock_guard lk(mu);
  EXPECT_EQ(seen, std::vector<uint32_t>{msg::kStimulus});
}

TEST(WireService, OversizeLengthResyncs) {
  // A smaller cap than 16 MiB, so the test need not send 16 MiB: a header
  // over the cap clears the buffer once its "payload" is in, and the next
  // request is served.
  ServiceOptions o;
  o.max_payload = 1024;
  Harness s(simple_capture(), nullptr, o);
  s.start();
  uint8_t big[kFrameHeaderSize];
  encode_header({msg::kSnapshotRequest, 4096, 0, 0}, big);
  std::vector<uint8_t> junk(big, big + sizeof(big));
  junk.resize(kFrameHeaderSize + 4096, 0xAB);
  send_all(s.peer, junk);
  EXPECT_TRUE(no_data(s.peer, 100ms));
  auto r = s.ask(21, 1, "after-resync");
  EXPECT_EQ(r.request_id, 21u);
  EXPECT_EQ(r.status, kSnapshotStatusOk);
  EXPECT_EQ(s.svc->stats().decoder.oversize_frames, 1u);
}

TEST(WireService, GateBusyAgainstCaptureNow) {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  ServiceCaptureFn cap = [&](std::string_view tag, Trigger) -> Result<ReportPtr> {
    if (tag == "slow") {
      std::unique_lock lk(mu);
      entered = true;
      cv.notify_all();
      cv.wait(lk, [&] { return release; });
    }
    return make_report(tag);
  };
  Harness h(cap);
  h.start();
  Status now_result;
  std::thread t([&] { now_result = h.svc->capture_now("slow"); });
  {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, 5s, [&] { return entered; }));
  }
  // The wire request finds the gate held by capture_now: ERR at once.
  auto r = h.ask(5, kSnapshotKindCapture, "fast");
  EXPECT_EQ(r.status, kSnapshotStatusErr);
  EXPECT_NE(r.reason.find("another snapshot capture is in flight; retry"), std::string::npos) << r.reason;
  auto w = h.ask(6, kSnapshotKindWatch, "sym");
  EXPECT_EQ(w.status, kSnapshotStatusErr);
  EXPECT_NE(w.reason.find("in flight"), std::string::npos);
  {
    std::lock_guard lk(mu);
    release = true;
  }
  cv.notify_all();
  t.join();
  EXPECT_TRUE(now_result.ok());
  EXPECT_TRUE(h.bridge.has("slow"));
  EXPECT_FALSE(h.bridge.has("fast"));
  EXPECT_EQ(h.svc->stats().busy, 2u);
  // Released: the next request goes through.
  EXPECT_EQ(h.ask(7, 1, "fast").status, kSnapshotStatusOk);
}

TEST(WireService, GateBusyAgainstWireCapture) {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  ServiceCaptureFn cap = [&](std::string_view tag, Trigger) -> Result<ReportPtr> {
    if (tag == "slow") {
      std::unique_lock lk(mu);
      entered = true;
      cv.notify_all();
      cv.wait(lk, [&] { return release; });
    }
    return make_report(tag);
  };
  Harness h(cap);
  h.start();
  send_all(h.peer, request_frame(1, 1, "slow"));
  {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, 5s, [&] { return entered; }));
  }
  Status busy = h.svc->capture_now("other");
  EXPECT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, Code::Busy);
  {
    std::lock_guard lk(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_EQ(read_reply(h.peer).status, kSnapshotStatusOk);
  EXPECT_TRUE(h.svc->capture_now("other").ok());
  EXPECT_TRUE(h.bridge.has("other"));
}

// Records the order of freeze, capture, thaw, store (the bridge's publisher
// runs right after the store) and the reply's arrival.
struct Order {
  std::mutex mu;
  std::vector<std::string> steps;
  void add(std::string s) {
    std::lock_guard lk(mu);
    steps.push_back(std::move(s));
  }
  std::vector<std::string> get() {
    std::lock_guard lk(mu);
    return steps;
  }
};

TEST(WireService, FreezeCaptureThawStoreReplyOrder) {
  Order ord;
  Bridge b;
  b.set_publisher([&](std::span<const uint8_t>) -> Status {
    ord.add("store");
    return {};
  });
  auto fb = make_callback_freeze(
      [&]() -> Status {
        ord.add("freeze");
        return {};
      },
      [&]() -> Status {
        ord.add("thaw");
        return {};
      });
  ServiceCaptureFn cap = [&](std::string_view tag, Trigger) -> Result<ReportPtr> {
    ord.add("capture");
    return make_report(tag);
  };
  ServiceOptions o;
  o.while_frozen = [&](std::string_view) -> Status {
    ord.add("hook");
    return {};
  };
  Harness h(cap, std::move(fb), o, b);
  h.start();
  EXPECT_EQ(h.ask(1, 1, "ordered").status, kSnapshotStatusOk);
  ord.add("reply");
  EXPECT_EQ(ord.get(), (std::vector<std::string>{"freeze", "capture", "hook", "thaw", "store", "reply"}));
}

TEST(WireService, FreezeFailureThawsAndStoresNothing) {
  Order ord;
  auto fb = make_callback_freeze(
      [&]() -> Status {
        ord.add("freeze");
        return make_error(Code::Io, "vm refused to stop");
      },
      [&]() -> Status {
        ord.add("thaw");
        return {};
      });
  ServiceCaptureFn cap = [&](std::string_view tag, Trigger) -> Result<ReportPtr> {
    ord.add("capture");
    return make_report(tag);
  };
  Harness h(cap, std::move(fb));
  h.start();
  auto r = h.ask(2, 1, "nofreeze");
  EXPECT_EQ(r.status, kSnapshotStatusErr);
  EXPECT_NE(r.reason.find("freeze"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("vm refused to stop"), std::string::npos) << r.reason;
  EXPECT_EQ(ord.get(), (std::vector<std::string>{"freeze", "thaw"}));
  EXPECT_TRUE(h.bridge.empty());
}

TEST(WireService, CaptureFailureAndHookFailureAndThawFailure) {
  std::atomic<bool> thaw_fails{false};
  auto fb = make_callback_freeze(nullptr, [&]() -> Status {
    if (thaw_fails) return make_error(Code::Io, "cont refused");
    return {};
  });
  ServiceCaptureFn cap = [&](std::string_view tag, Trigger) -> Result<ReportPtr> {
    if (tag == "capfail") return make_error(Code::Perm, "no permission to read maps");
    if (tag == "null") return ReportPtr();
    return make_report(tag);
  };
  ServiceOptions o;
  o.while_frozen = [](std::string_view tag) -> Status {
    if (tag == "hookfail") return make_error(Code::Io, "hook exited with status 3");
    return {};
  };
  Harness h(cap, std::move(fb), o);
  h.start();
  auto r = h.ask(1, 1, "capfail");
  EXPECT_EQ(r.status, kSnapshotStatusErr);
  EXPECT_NE(r.reason.find("no permission to read maps"), std::string::npos) << r.reason;
  r = h.ask(2, 1, "null");
  EXPECT_EQ(r.status, kSnapshotStatusErr);
  EXPECT_NE(r.reason.find("no report"), std::string::npos) << r.reason;
  r = h.ask(3, 1, "hookfail");
  EXPECT_EQ(r.status, kSnapshotStatusErr);
  EXPECT_NE(r.reason.find("hook exited with status 3"), std::string::npos) << r.reason;
  thaw_fails = true;
  r = h.ask(4, 1, "thawfail");
  EXPECT_EQ(r.status, kSnapshotStatusErr);
  EXPECT_NE(r.reason.find("thaw"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("cont refused"), std::string::npos) << r.reason;
  EXPECT_TRUE(h.bridge.empty());
  thaw_fails = false;
  Status now = h.svc->capture_now("capfail");  // the callback's code comes back
  ASSERT_FALSE(now.ok());
  EXPECT_EQ(now.error().code, Code::Perm);
  Status empty = h.svc->capture_now("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Code::Invalid);
  auto st = h.svc->stats();
  EXPECT_EQ(st.thaw_failures, 1u);
  EXPECT_EQ(st.replies_err, 4u);
}

TEST(WireService, Watch) {
  {
    Harness h;  // a bridge without a watch-register callback
    h.start();
    auto r = h.ask(1, kSnapshotKindWatch, "jiffies");
    EXPECT_EQ(r.status, kSnapshotStatusErr);
    EXPECT_NE(r.reason.find("jiffies"), std::string::npos) << r.reason;
    EXPECT_GT(r.reason.size(), 20u);
  }
  std::vector<std::string> watched;
  Bridge b(nullptr, [&](std::string_view sym) -> Status {
    if (sym == "nope") return make_error(Code::NotFound, "symbol 'nope' not found");
    watched.emplace_back(sym);
    return {};
  });
  Harness h(simple_capture(), nullptr, {}, b);
  h.start();
  EXPECT_EQ(h.ask(2, kSnapshotKindWatch, "jiffies").status, kSnapshotStatusOk);
  auto r = h.ask(3, kSnapshotKindWatch, "nope");
  EXPECT_EQ(r.status, kSnapshotStatusErr);
  EXPECT_NE(r.reason.find("symbol 'nope' not found"), std::string::npos) << r.reason;
  EXPECT_EQ(watched, std::vector<std::string>{"jiffies"});
}

TEST(WireService, StateMachineEarlyThenError) {
  std::vector<Trigger> triggers;
  std::mutex mu;
  ServiceCaptureFn cap = [&](std::string_view tag, Trigger t) -> Result<ReportPtr> {
    std::lock_guard lk(mu);
    triggers.push_back(t);
    return make_report(tag);
  };
  Harness h(cap);
  h.start();
  EXPECT_EQ(h.svc->state(), FreezeState::Idle);
  h.svc->trigger_early();
  ASSERT_TRUE(wait_for([&] { return h.svc->state() == FreezeState::TookEarly; }));
  EXPECT_TRUE(h.bridge.empty());  // held, not stored yet
  h.svc->trigger_early();         // a second early trigger does nothing
  h.svc->trigger_error();
  ASSERT_TRUE(wait_for([&] { return h.svc->state() == FreezeState::Done; }));
  EXPECT_TRUE(h.bridge.has("failure"));
  EXPECT_TRUE(h.bridge.has("early"));
  EXPECT_EQ(h.bridge.size(), 2u);
  // Done is terminal for triggers; on-demand work is still served.
  h.svc->trigger_error();
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(h.bridge.size(), 2u);
  EXPECT_EQ(h.ask(9, 1, "after-done").status, kSnapshotStatusOk);
  EXPECT_TRUE(h.svc->capture_now("now-after-done").ok());
  EXPECT_EQ(h.bridge.size(), 4u);
  std::lock_guard lk(mu);
  EXPECT_EQ(triggers.size(), 4u);
}

TEST(WireService, StateMachineErrorWithoutEarly) {
  std::atomic<bool> flag{false};
  ServiceOptions o;
  o.error_predicate = [&] { return flag.load(); };
  Harness h(simple_capture(), nullptr, o);
  h.start();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(h.svc->state(), FreezeState::Idle);
  flag = true;
  ASSERT_TRUE(wait_for([&] { return h.svc->state() == FreezeState::Done; }));
  EXPECT_TRUE(h.bridge.has("failure"));
  EXPECT_FALSE(h.bridge.has("early"));
}

TEST(WireService, EarlyFailureStillTookEarly) {
  ServiceCaptureFn cap = [](std::string_view tag, Trigger) -> Result<ReportPtr> {
    if (tag == "early") return make_error(Code::Io, "boom");
    return make_report(tag);
  };
  Harness h(cap);
  h.start();
  h.svc->trigger_early();
  ASSERT_TRUE(wait_for([&] { return h.svc->state() == FreezeState::TookEarly; }));
  ::shutdown(h.peer, SHUT_WR);
  h.join();
  EXPECT_TRUE(h.bridge.empty());  // nothing held, nothing flushed
}

TEST(WireService, HeldEarlyFlushedAtExit) {
  Harness h;
  h.start();
  h.svc->trigger_early();
  ASSERT_TRUE(wait_for([&] { return h.svc->state() == FreezeState::TookEarly; }));
  ::shutdown(h.peer, SHUT_WR);  // the guest side closes
  h.join();
  EXPECT_TRUE(h.result.ok());
  EXPECT_TRUE(h.bridge.has("early-only-late-never-fired"));
  EXPECT_EQ(h.bridge.size(), 1u);
}

TEST(WireService, PeerClosesMidFrame) {
  Harness h;
  h.start();
  auto f = request_frame(1, 1, "never");
  send_all(h.peer, std::span<const uint8_t>(f).first(30));
  std::this_thread::sleep_for(20ms);
  ::close(h.peer);
  h.peer = -1;
  h.join();
  EXPECT_TRUE(h.result.ok()) << h.result.error().message;
  EXPECT_EQ(h.svc->stats().residual_bytes, 30u);
  EXPECT_TRUE(h.bridge.empty());
}

TEST(WireService, PeerGoneBeforeReply) {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  ServiceCaptureFn cap = [&](std::string_view tag, Trigger) -> Result<ReportPtr> {
    std::unique_lock lk(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lk, [&] { return release; });
    return make_report(tag);
  };
  Harness h(cap);
  h.start();
  send_all(h.peer, request_frame(1, 1, "orphan"));
  {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, 5s, [&] { return entered; }));
  }
  ::close(h.peer);
  h.peer = -1;
  {
    std::lock_guard lk(mu);
    release = true;
  }
  cv.notify_all();
  h.join();
  EXPECT_FALSE(h.result.ok());
  EXPECT_EQ(h.result.error().code, Code::Io);
  EXPECT_NE(h.result.error().message.find("peer"), std::string::npos) << h.result.error().message;
}

TEST(WireService, StopFromAnotherThreadAndMaxRequests) {
  {
    Harness h;
    h.start();
    std::this_thread::sleep_for(10ms);
    h.svc->stop();
    h.join();
    EXPECT_TRUE(h.result.ok());
  }
  ServiceOptions o;
  o.max_requests = 2;
  Harness h(simple_capture(), nullptr, o);
  h.start();
  EXPECT_EQ(h.ask(1, 1, "one").status, kSnapshotStatusOk);
  EXPECT_EQ(h.ask(2, 9, "two").status, kSnapshotStatusErr);
  h.join();
  EXPECT_TRUE(h.result.ok());
}

// Random bytes, random frames and random splits: the service answers
// exactly the requests that decode, counts the rest, and never crashes.
TEST(WireService, RandomStreamNeverCrashes) {
  uint32_t seed = 777;
  auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
  };
  ServiceOptions o;
  o.max_payload = 4096;  // so that random lengths trip the cap now and then
  Harness h(simple_capture(), nullptr, o);
  h.start();
  std::vector<uint8_t> stream;
  for (int i = 0; i < 300; i++) {
    std::vector<uint8_t> piece;
    switch (next() % 4) {
      case 0: {  // a request, maybe damaged
        std::string tag = "t" + std::to_string(next() % 50);
        piece = request_frame(next() % 3, next() % 4, tag);
        if (next() % 5 == 0) piece[16 + next() % 72] ^= 0x40;
        break;
      }
      case 1:
        piece = make_frame(next(), std::vector<uint8_t>(next() % 64, uint8_t(next()))).value();
        break;
      case 2:
        piece = make_frame(msg::kSnapshotReply, std::vector<uint8_t>(next() % 600, 0)).value();
        break;
      default:
        for (uint32_t k = next() % 40; k > 0; k--) piece.push_back(uint8_t(next()));
    }
    stream.insert(stream.end(), piece.begin(), piece.end());
  }
  // Sent in random chunks while replies are drained, so neither side blocks.
  std::atomic<bool> sent{false};
  std::thread reader([&] {
    uint8_t buf[4096];
    while (true) {
      pollfd p{h.peer, POLLIN, 0};
      int pr = ::poll(&p, 1, 200);
      if (pr == 0 && sent) break;
      if (pr <= 0) continue;
      if (::recv(h.peer, buf, sizeof(buf), 0) <= 0) break;
    }
  });
  for (size_t off = 0; off < stream.size();) {
    size_t n = std::min<size_t>(stream.size() - off, 1 + next() % 300);
    send_all(h.peer, std::span<const uint8_t>(stream).subspan(off, n));
    off += n;
  }
  sent = true;
  reader.join();
  ::shutdown(h.peer, SHUT_WR);
  h.join();
  auto st = h.svc->stats();
  EXPECT_EQ(st.requests, st.replies_ok + st.replies_err);
  EXPECT_EQ(st.bytes_in, stream.size());
  EXPECT_EQ(st.bytes_out, st.requests * kReplyFrame);
}

TEST(WireDumpFile, TaggedPath) {
  EXPECT_EQ(snapshot_tagged_path("/o/coord.failure-dump.json", "mid_run"), "/o/coord.snapshot.mid_run.json");
  EXPECT_EQ(snapshot_tagged_path("out/ktsnap.ktsnap", "mid run"), "out/ktsnap.snapshot.mid_run.ktsnap");
  EXPECT_EQ(snapshot_tagged_path("out/ktsnap.ktsnap", "../x"), "out/ktsnap.snapshot..._x.ktsnap");
  EXPECT_EQ(snapshot_tagged_path("out/ktsnap.ktsnap", "a/b"), "out/ktsnap.snapshot.a_b.ktsnap");
  EXPECT_EQ(snapshot_tagged_path("out/ktsnap.ktsnap", "h\xC3\xA9llo\xE2\x82\xAC"), "out/ktsnap.snapshot.h_llo_.ktsnap");
  EXPECT_EQ(snapshot_tagged_path("out/.hidden", "t"), "out/dump.snapshot.t");
  EXPECT_EQ(snapshot_tagged_path("noext", "t"), "noext.snapshot.t");
  EXPECT_EQ(snapshot_tagged_path("d/.failure-dump.json", "t"), "d/dump.snapshot.t.json");
  EXPECT_EQ(sanitize_tag_for_path(std::string("a\0b", 3)), "a_b");
  EXPECT_EQ(sanitize_tag_for_path("\xFF\xC3"), "__");
}

std::string scratch_dir(const char* what) {
  auto d = std::filesystem::temp_directory_path() / ("ktsnap-wire-service-" + std::to_string(::getpid()) + "-" + what);
  std::filesystem::remove_all(d);
  return d.string();
}

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(WireDumpFile, AtomicWrite) {
  std::string dir = scratch_dir("atomic");
  std::string path = dir + "/sub/x.bin";
  std::vector<uint8_t> bytes{'h', 'i'};
  ASSERT_TRUE(write_file_atomic(path, bytes).ok());
  EXPECT_EQ(slurp(path), "hi");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  // Over an existing file: replaced whole.
  std::vector<uint8_t> more(100000, 'z');
  ASSERT_TRUE(write_file_atomic(path, more).ok());
  EXPECT_EQ(slurp(path).size(), 100000u);
  // The directory fsync fails: the renamed file is removed, the error says so.
  Status st = write_file_atomic(dir + "/sub/y.bin", bytes, [](int) {
    errno = EIO;
    return -1;
  });
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("fsync"), std::string::npos) << st.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir + "/sub/y.bin"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/sub/y.bin.tmp"));
  // A path whose parent is a file: an error, nothing left behind.
  EXPECT_FALSE(write_file_atomic(path + "/z.bin", bytes).ok());
  std::filesystem::remove_all(dir);
}

TEST(WireService, DumpFilesForHostileTags) {
  std::string dir = scratch_dir("dump");
  ServiceOptions o;
  o.dump_base = dir + "/ktsnap.ktsnap";
  Harness h(simple_capture(), nullptr, o);
  h.start();
  for (auto [id, tag] :
       std::vector<std::pair<uint32_t, std::string>>{{1, "../x"}, {2, "a/b"}, {3, "caf\xC3\xA9"}, {4, "plain-tag_1.0"}})
    EXPECT_EQ(h.ask(id, 1, tag).status, kSnapshotStatusOk) << tag;
  std::vector<std::string> names;
  for (auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"ktsnap.snapshot..._x.ktsnap", "ktsnap.snapshot.a_b.ktsnap",
                                             "ktsnap.snapshot.caf_.ktsnap", "ktsnap.snapshot.plain-tag_1.0.ktsnap"}));
  // Each file is the stored report, which opens.
  auto r = Report::open_file(dir + "/ktsnap.snapshot.a_b.ktsnap");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)->tag(), "a/b");
  std::filesystem::remove_all(dir);
}

TEST(WireService, RingConsumerSeesEveryStoredReport) {
  std::string name = "ktsnap-unit-" + std::to_string(::getpid()) + "-service";
  (void)ring::Segment::unlink(name);
  auto seg = ring::Segment::create(name, {});
  ASSERT_TRUE(seg.ok()) << seg.error().message;
  auto prod = ring::Producer::open(seg.value());
  ASSERT_TRUE(prod.ok()) << prod.error().message;
  auto cons = ring::Consumer::open(seg.value(), {});
  ASSERT_TRUE(cons.ok()) << cons.error().message;
  Harness h;
  h.svc->attach_ring(std::shared_ptr<ring::Producer>(std::move(prod).value()), 1'000'000'000);
  h.start();
  EXPECT_EQ(h.ask(1, 1, "r1").status, kSnapshotStatusOk);
  EXPECT_EQ(h.ask(2, 1, "r2").status, kSnapshotStatusOk);
  EXPECT_TRUE(h.svc->capture_now("r3").ok());
  h.svc->trigger_error();
  ASSERT_TRUE(wait_for([&] { return h.svc->state() == FreezeState::Done; }));
  std::vector<std::string> tags;
  for (int i = 0; i < 4; i++) {
    auto it = (*cons)->next(2'000'000'000);
    ASSERT_TRUE(it.ok()) << it.error().message;
    tags.emplace_back(it->report->tag());
  }
  EXPECT_EQ(tags, (std::vector<std::string>{"r1", "r2", "r3", "failure"}));
  (void)ring::Segment::unlink(name);
}

}  // namespace
}  // namespace ktsnap::wire
