// ktsnap_guest_*: NULL and bad arguments, the sz handshake of the reply and
// stats structs, kinds and tags on the wire, the outcome -> status mapping,
// the latch and reset, against a fake host on a socketpair (written with
// raw bytes: these tests see only ktsnap.h).
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "capi_test.hpp"

using namespace capi_test;

namespace {

uint32_t crc32_ieee(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = uint8_t(v >> (8 * i));
}
uint32_t get32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

constexpr uint32_t kSNRQ = 0x534E5251, kSNRP = 0x534E5250;

std::vector<uint8_t> frame(uint32_t type, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> f(16 + payload.size());
  put32(f.data(), type);
  put32(f.data() + 4, uint32_t(payload.size()));
  put32(f.data() + 8, crc32_ieee(payload.data(), payload.size()));
  std::memcpy(f.data() + 16, payload.data(), payload.size());
  return f;
}

std::vector<uint8_t> reply(uint32_t id, uint32_t status, const std::string& reason = "") {
  std::vector<uint8_t> p(520, 0);
  put32(p.data(), id);
  put32(p.data() + 4, status);
  std::memcpy(p.data() + 8, reason.data(), std::min<size_t>(reason.size(), 512));
  return frame(kSNRP, p);
}

bool read_exact(int fd, uint8_t* p, size_t n) {
  while (n) {
    ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= size_t(r);
  }
  return true;
}

struct Req {
  uint32_t type = 0, len = 0, id = 0, kind = 0;
  std::string tag;  // the 64 raw bytes up to the first NUL
};

Req read_req(int fd) {
  Req r;
  uint8_t h[16], p[72];
  if (!read_exact(fd, h, 16) || !read_exact(fd, p, 72)) return r;
  r.type = get32(h);
  r.len = get32(h + 4);
  r.id = get32(p);
  r.kind = get32(p + 4);
  r.tag.assign(reinterpret_cast<const char*>(p + 8), strnlen(reinterpret_cast<const char*>(p + 8), 64));
  return r;
}

void send_all(int fd, const std::vector<uint8_t>& b) {
  size_t off = 0;
  while (off < b.size()) {
    ssize_t n = ::write(fd, b.data() + off, b.size() - off);
    if (n <= 0) return;
    off += size_t(n);
  }
}

struct Host {
  int guest_fd = -1, host_fd = -1;
  ktsnap_guest* g = nullptr;
  std::thread th;
  Host() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    guest_fd = sv[0];
    host_fd = sv[1];
    ktsnap_guest_opts o = KTSNAP_GUEST_OPTS_INIT;
    o.flags = KTSNAP_GUEST_OWN_FD;
    EXPECT_OK(ktsnap_guest_open_fd(&g, guest_fd, &o));
  }
  template <typename F>
  void serve(F f) {
    th = std::thread([this, f] { f(host_fd); });
  }
  ~Host() {
    if (th.joinable()) th.join();
    ktsnap_guest_free(g);
    ::close(host_fd);
  }
};

ktsnap_guest_reply new_reply() {
  ktsnap_guest_reply r;
  std::memset(&r, 0xAB, sizeof r);
  r.sz = sizeof r;
  return r;
}

}  // namespace

TEST(capiGuest, NullAndBadArguments) {
  ktsnap_guest* g = reinterpret_cast<ktsnap_guest*>(1);
  EXPECT_FAILS_WITH(ktsnap_guest_open(nullptr, "x", nullptr), KTSNAP_E_INVALID, "'out'");
  EXPECT_FAILS_WITH(ktsnap_guest_open(&g, nullptr, nullptr), KTSNAP_E_INVALID, "'port'");
  EXPECT_EQ(g, nullptr);
  EXPECT_FAILS_WITH(ktsnap_guest_open(&g, "", nullptr), KTSNAP_E_INVALID, "empty");
  EXPECT_FAILS_WITH(ktsnap_guest_open(&g, "/nonexistent/ktsnap-port", nullptr), KTSNAP_E_NOTFOUND, "/nonexistent/ktsnap-port");
  EXPECT_EQ(ktsnap_last_errno(), ENOENT);
  EXPECT_FAILS_WITH(ktsnap_guest_open_fd(nullptr, 0, nullptr), KTSNAP_E_INVALID, "'out'");
  EXPECT_FAILS_WITH(ktsnap_guest_open_fd(&g, -1, nullptr), KTSNAP_E_INVALID, "negative");
  ktsnap_guest_opts o = KTSNAP_GUEST_OPTS_INIT;
  o.flags = 0x80;
  EXPECT_FAILS_WITH(ktsnap_guest_open_fd(&g, 0, &o), KTSNAP_E_INVALID, "unknown flag bits");
  o.flags = KTSNAP_GUEST_OWN_FD;
  EXPECT_FAILS_WITH(ktsnap_guest_open(&g, "/dev/null", &o), KTSNAP_E_INVALID, "unknown flag bits");
  o.flags = 0;
  o.reserved[2] = 1;
  EXPECT_FAILS_WITH(ktsnap_guest_open_fd(&g, 0, &o), KTSNAP_E_INVALID, "reserved");
  o.reserved[2] = 0;
  o.sz = 3;
  EXPECT_FAILS_WITH(ktsnap_guest_open_fd(&g, 0, &o), KTSNAP_E_INVALID, "too small");
  EXPECT_FAILS_WITH(ktsnap_guest_open_fd(&g, 1 << 20, nullptr), KTSNAP_E_IO, "fd");
  EXPECT_EQ(g, nullptr);

  EXPECT_FAILS_WITH(ktsnap_guest_request(nullptr, 1, "t", 0, nullptr), KTSNAP_E_INVALID, "'guest'");
  EXPECT_FAILS_WITH(ktsnap_guest_reset(nullptr), KTSNAP_E_INVALID, "'guest'");
  ktsnap_guest_stats s{};
  s.sz = sizeof s;
  EXPECT_FAILS_WITH(ktsnap_guest_stats_get(&s, nullptr), KTSNAP_E_INVALID, "'guest'");
  EXPECT_FAILS_WITH(ktsnap_guest_stats_get(nullptr, nullptr), KTSNAP_E_INVALID, "'out'");
  ktsnap_guest_free(nullptr);

  Host h;
  ktsnap_guest_reply r = new_reply();
  EXPECT_FAILS_WITH(ktsnap_guest_request(h.g, 1, nullptr, 0, &r), KTSNAP_E_INVALID, "'tag'");
  EXPECT_EQ(r.outcome, KTSNAP_GUEST_OUTCOME_NONE);
  EXPECT_EQ(r.request_id, 0u);
  EXPECT_STREQ(r.reason, "");
  EXPECT_FAILS_WITH(ktsnap_guest_request(h.g, 0, "t", 0, &r), KTSNAP_E_INVALID, "kind 0");
  EXPECT_FAILS_WITH(ktsnap_guest_request(h.g, 1, "", 0, &r), KTSNAP_E_INVALID, "empty tag");
  EXPECT_FAILS_WITH(ktsnap_guest_request(h.g, 1, "t", -5, &r), KTSNAP_E_INVALID, "negative");
  r.sz = 4;
  EXPECT_FAILS_WITH(ktsnap_guest_request(h.g, 1, "t", 0, &r), KTSNAP_E_INVALID, "reply->sz");
  s.sz = 0;
  EXPECT_FAILS_WITH(ktsnap_guest_stats_get(&s, h.g), KTSNAP_E_INVALID, "out->sz");
  s.sz = sizeof s;
  EXPECT_OK(ktsnap_guest_stats_get(&s, h.g));
  EXPECT_EQ(s.requests, 0u);
  EXPECT_EQ(s.dead, 0u);
}

TEST(capiGuest, OkHostErrorAndKinds) {
  Host h;
  h.serve([](int fd) {
    Req a = read_req(fd);
    EXPECT_EQ(a.type, kSNRQ);
    EXPECT_EQ(a.len, 72u);
    EXPECT_EQ(a.id, 1u);
    EXPECT_EQ(a.kind, KTSNAP_SNAPSHOT_KIND_CAPTURE);
    EXPECT_EQ(a.tag, "before");
    send_all(fd, reply(a.id, 1));
    Req b = read_req(fd);
    EXPECT_EQ(b.id, 2u);
    EXPECT_EQ(b.kind, KTSNAP_SNAPSHOT_KIND_WATCH);
    EXPECT_EQ(b.tag, std::string(64, 'w'));
    send_all(fd, reply(b.id, 2, "vmlinux symbol cache unavailable"));
  });
  ktsnap_guest_reply r = new_reply();
  EXPECT_OK(ktsnap_guest_request(h.g, KTSNAP_SNAPSHOT_KIND_CAPTURE, "before", 5000000000, &r));
  EXPECT_EQ(r.outcome, KTSNAP_GUEST_OUTCOME_OK);
  EXPECT_EQ(r.request_id, 1u);
  EXPECT_EQ(r.flags, 0u);
  EXPECT_EQ(r.reserved, 0u);
  EXPECT_STREQ(r.reason, "");
  EXPECT_EQ(r.reason_len, 0u);

  std::string long_tag(70, 'w');
  r = new_reply();
  // INT64_MAX: capped, no overflow of the deadline.
  EXPECT_FAILS_WITH(ktsnap_guest_request(h.g, KTSNAP_SNAPSHOT_KIND_WATCH, long_tag.c_str(), INT64_MAX, &r), KTSNAP_E_REMOTE,
                    "vmlinux symbol cache unavailable");
  EXPECT_TRUE(contains(last_error(), "request 2"));
  EXPECT_EQ(r.outcome, KTSNAP_GUEST_OUTCOME_HOST_ERROR);
  EXPECT_EQ(r.request_id, 2u);
  EXPECT_EQ(r.flags, KTSNAP_GUEST_TAG_TRUNCATED);
  EXPECT_STREQ(r.reason, "vmlinux symbol cache unavailable");
  EXPECT_EQ(r.reason_len, std::strlen(r.reason));

  ktsnap_guest_stats s;
  std::memset(&s, 0xCD, sizeof s);
  s.sz = sizeof s;
  EXPECT_OK(ktsnap_guest_stats_get(&s, h.g));
  EXPECT_EQ(s.requests, 2u);
  EXPECT_EQ(s.replies, 2u);
  EXPECT_EQ(s.host_errors, 1u);
  EXPECT_EQ(s.transport_errors, 0u);
  EXPECT_EQ(s.bytes_written, 2u * 88u);
  EXPECT_EQ(s.bytes_read, 2u * 536u);
  EXPECT_EQ(s.dead, 0u);
  EXPECT_EQ(s.reserved, 0u);
}

TEST(capiGuest, SzHandshake) {
  Host h;
  h.serve([](int fd) {
    Req a = read_req(fd);
    send_all(fd, reply(a.id, 2, "no"));
  });
  // An older caller that knows only sz, outcome and request_id.
  struct {
    ktsnap_guest_reply r;
    uint8_t canary[8];
  } buf;
  std::memset(&buf, 0x5A, sizeof buf);
  buf.r.sz = offsetof(ktsnap_guest_reply, flags);
  EXPECT_EQ(ktsnap_guest_request(h.g, 1, "t", 0, &buf.r), KTSNAP_E_REMOTE);
  EXPECT_EQ(buf.r.outcome, KTSNAP_GUEST_OUTCOME_HOST_ERROR);
  EXPECT_EQ(buf.r.request_id, 1u);
  EXPECT_EQ(buf.r.flags, 0x5A5A5A5Au);  // past its sz: untouched
  for (uint8_t c : buf.canary) EXPECT_EQ(c, 0x5A);

  ktsnap_guest_stats s;
  std::memset(&s, 0x5A, sizeof s);
  s.sz = offsetof(ktsnap_guest_stats, replies);
  EXPECT_OK(ktsnap_guest_stats_get(&s, h.g));
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(s.replies, 0x5A5A5A5A5A5A5A5Au);
  // Without a reply struct the status alone tells.
  EXPECT_EQ(KTSNAP_GUEST_REPLY_SIZE_V1, sizeof(ktsnap_guest_reply));
  EXPECT_EQ(KTSNAP_GUEST_STATS_SIZE_V1, sizeof(ktsnap_guest_stats));
}

TEST(capiGuest, TransportErrorsLatchUntilReset) {
  Host h;
  h.serve([](int fd) {
    Req a = read_req(fd);
    send_all(fd, reply(a.id, 7));  // unknown status
    Req b = read_req(fd);          // after the reset
    send_all(fd, reply(b.id, 1));
    read_req(fd);  // then silence: the guest times out
    Req c = read_req(fd);
    (void)c;
  });
  ktsnap_guest_reply r = new_reply();
  EXPECT_FAILS_WITH(ktsnap_guest_request(h.g, 1, "a", 0, &r), KTSNAP_E_IO, "unknown status 7");
  EXPECT_EQ(r.outcome, KTSNAP_GUEST_OUTCOME_TRANSPORT_ERROR);
  EXPECT_EQ(r.flags, 0u);
  EXPECT_TRUE(contains(r.reason, "unknown status 7"));

  r = new_reply();
  EXPECT_FAILS_WITH(ktsnap_guest_request(h.g, 1, "b", 0, &r), KTSNAP_E_IO, "latched dead");
  EXPECT_EQ(r.outcome, KTSNAP_GUEST_OUTCOME_TRANSPORT_ERROR);
  EXPECT_EQ(r.flags, KTSNAP_GUEST_LATCHED);
  EXPECT_EQ(r.request_id, 0u);
  EXPECT_TRUE(contains(r.reason, "unknown status 7"));
  ktsnap_guest_stats s{};
  s.sz = sizeof s;
  EXPECT_OK(ktsnap_guest_stats_get(&s, h.g));
  EXPECT_EQ(s.dead, 1u);
  EXPECT_EQ(s.transport_errors, 2u);

  EXPECT_OK(ktsnap_guest_reset(h.g));
  EXPECT_OK(ktsnap_guest_request(h.g, 1, "c", 0, nullptr));

  r = new_reply();
  EXPECT_FAILS_WITH(ktsnap_guest_request(h.g, KTSNAP_SNAPSHOT_KIND_WATCH, "d", 50000000, &r), KTSNAP_E_TIMEOUT,
                    "request_id=3, kind=watch");
  EXPECT_EQ(r.flags, KTSNAP_GUEST_TIMED_OUT);
  EXPECT_EQ(r.request_id, 3u);
  EXPECT_FAILS_WITH(ktsnap_guest_request(h.g, 1, "e", 0, &r), KTSNAP_E_IO, "latched");
  EXPECT_OK(ktsnap_guest_reset(h.g));
  ::shutdown(h.host_fd, SHUT_RDWR);  // ends the host thread's last read
  EXPECT_FAILS_WITH(ktsnap_guest_request(h.g, 1, "f", 0, &r), KTSNAP_E_IO, "");
  EXPECT_EQ(r.outcome, KTSNAP_GUEST_OUTCOME_TRANSPORT_ERROR);
}

TEST(capiGuest, ReasonIsPerThread) {
  Host h;
  h.serve([](int fd) {
    for (int i = 0; i < 2; i++) {
      Req a = read_req(fd);
      send_all(fd, reply(a.id, 2, a.tag));
    }
  });
  ktsnap_guest_reply r1 = new_reply(), r2 = new_reply();
  EXPECT_EQ(ktsnap_guest_request(h.g, 1, "main-thread", 0, &r1), KTSNAP_E_REMOTE);
  std::thread t([&] { EXPECT_EQ(ktsnap_guest_request(h.g, 1, "other-thread", 0, &r2), KTSNAP_E_REMOTE); });
  t.join();
  EXPECT_STREQ(r1.reason, "main-thread");
  EXPECT_EQ(ktsnap_features() & KTSNAP_FEATURE_WIRE, KTSNAP_FEATURE_WIRE);
  EXPECT_STREQ(ktsnap_status_str(KTSNAP_E_REMOTE), "refused by the host");
}

TEST(capiGuest, OptsInitAndLookupByName) {
  ktsnap_guest_opts a = KTSNAP_GUEST_OPTS_INIT, b;
  std::memset(&b, 0xEE, sizeof b);
  ASSERT_OK(ktsnap_guest_opts_init(&b, sizeof b));
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
  EXPECT_FAILS_WITH(ktsnap_guest_opts_init(nullptr, sizeof b), KTSNAP_E_INVALID, "opts");
  EXPECT_FAILS_WITH(ktsnap_guest_opts_init(&b, 3), KTSNAP_E_INVALID, "too small");

  char dir[] = "/tmp/ktsnap-capi-guest-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string d = dir;
  ASSERT_EQ(std::system(("mkdir -p " + d + "/ports/vport9p1 " + d + "/dev && printf 'org.test.port\\n' > " + d +
                         "/ports/vport9p1/name && : > " + d + "/dev/vport9p1")
                            .c_str()),
            0);
  std::string ports = d + "/ports", dev = d + "/dev";
  a.ports_dir = ports.c_str();
  a.dev_dir = dev.c_str();
  ktsnap_guest* g = nullptr;
  EXPECT_OK(ktsnap_guest_open(&g, "org.test.port", &a));
  EXPECT_NE(g, nullptr);
  ktsnap_guest_free(g);
  g = nullptr;
  EXPECT_FAILS_WITH(ktsnap_guest_open(&g, "org.test", &a), KTSNAP_E_NOTFOUND, "vport9p1=\"org.test.port\"");
  EXPECT_EQ(g, nullptr);
  std::system(("rm -rf " + d).c_str());
}
