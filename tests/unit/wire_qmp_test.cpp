// The QMP client (vmm/wire/qmp.hpp) against a fake server on a unix
// socket: a thread that plays a script of lines per received command.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "wire/qmp.hpp"
#include "wire/service.hpp"

namespace ktsnap::wire {
namespace {

using namespace std::chrono_literals;

// A fake QMP server: sends `greeting`, then for each command line it reads
// calls `respond(command_line)` and writes what it returns. An empty
// string from respond() closes the connection.
class FakeQmp {
 public:
  FakeQmp(std::string greeting, std::function<std::string(const std::string&)> respond)
      : greeting_(std::move(greeting)), respond_(std::move(respond)) {
    static int n = 0;
    path_ = "/tmp/ktsnap-qmp-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".sock";
    ::unlink(path_.c_str());
    lfd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path_.c_str(), sizeof(a.sun_path) - 1);
    EXPECT_EQ(::bind(lfd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(::listen(lfd_, 1), 0);
    th_ = std::thread([this] { serve(); });
  }
  ~FakeQmp() {
    ::shutdown(lfd_, SHUT_RDWR);
    th_.join();
    ::close(lfd_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::vector<std::string> commands() { return cmds_; }

 private:
  void serve() {
    pollfd p{lfd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return;
    int c = ::accept4(lfd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    write_str(c, greeting_);
    std::string buf;
    char tmp[1024];
    for (;;) {
      size_t nl;
      while ((nl = buf.find('\n')) != std::string::npos) {
        std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        cmds_.push_back(line);
        std::string out = respond_(line);
        if (out.empty()) {
          ::close(c);
          return;
        }
        write_str(c, out);
      }
      pollfd q{c, POLLIN, 0};
      if (::poll(&q, 1, 5000) <= 0) break;
      ssize_t n = ::read(c, tmp, sizeof(tmp));
      if (n <= 0) break;
      buf.append(tmp, size_t(n));
    }
    ::close(c);
  }
  static void write_str(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += size_t(n);
    }
  }

  std::string greeting_;
  std::function<std::string(const std::string&)> respond_;
  std::string path_;
  int lfd_ = -1;
  std::thread th_;
  std::vector<std::string> cmds_;
};

const char* kGreeting =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\r\n";

bool has(const std::string& line, const char* cmd) {
  return line.find(std::string("\"") + cmd + "\"") != std::string::npos;
}

// A small VM: running state toggled by stop / cont, events before returns.
std::function<std::string(const std::string&)> vm(bool* running) {
  return [running](const std::string& line) -> std::string {
    const char* ev = "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}\r\n";
    if (has(line, "qmp_capabilities")) return "{\"return\": {}}\r\n";
    if (has(line, "stop")) {
      *running = false;
      return std::string("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\r\n") +
             "{\"return\": {}}\r\n";
    }
    if (has(line, "cont")) {
      *running = true;
      return std::string(ev) + ev + "{\"return\": {}}\r\n";
    }
    if (has(line, "query-status"))
      return std::string("{\"return\": {\"status\": \"") + (*running ? "running" : "paused") +
             "\", \"singlestep\": false, \"running\": " + (*running ? "true" : "false") + "}}\r\n";
    return "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nope has not been found\"}}\r\n";
  };
}

TEST(WireQmp, StopContQueryWithEvents) {
  bool running = true;
  FakeQmp srv(kGreeting, vm(&running));
  auto c = QmpClient::connect(srv.path(), 2000ms);
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto st = (*c)->query_status();
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(st->running);
  EXPECT_EQ(st->status, "running");
  ASSERT_TRUE((*c)->stop().ok());
  st = (*c)->query_status();
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->running);
  EXPECT_EQ(st->status, "paused");
  ASSERT_TRUE((*c)->cont().ok());
  EXPECT_TRUE(running);
  EXPECT_EQ((*c)->events_skipped(), 3u);
  auto e = (*c)->execute("nope");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Code::Unsupported);
  EXPECT_NE(e.error().message.find("CommandNotFound: The command nope has not been found"), std::string::npos)
      << e.error().message;
  // An error reply leaves the client usable.
  EXPECT_TRUE((*c)->query_status().ok());
  EXPECT_FALSE((*c)->execute("bad\"name").ok());  // refused before sending
}

TEST(WireQmp, GenericErrorIsIo) {
  FakeQmp srv(kGreeting, [](const std::string& line) -> std::string {
    if (has(line, "qmp_capabilities")) return "{\"return\": {}}\n";
    return "{\"error\": {\"class\": \"GenericError\", \"desc\": \"cannot stop\"}}\n";
  });
  auto c = QmpClient::connect(srv.path(), 2000ms);
  ASSERT_TRUE(c.ok()) << c.error().message;
  Status st = (*c)->stop();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::Io);
  EXPECT_NE(st.error().message.find("GenericError: cannot stop"), std::string::npos) << st.error().message;
}

TEST(WireQmp, BadGreetings) {
  {
    FakeQmp srv("this is not json\n", [](const std::string&) { return std::string("{\"return\": {}}\n"); });
    auto c = QmpClient::connect(srv.path(), 1000ms);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Code::Format);
    EXPECT_NE(c.error().message.find("not JSON"), std::string::npos) << c.error().message;
  }
  {
    FakeQmp srv("[1,2,3]\n", [](const std::string&) { return std::string("{\"return\": {}}\n"); });
    auto c = QmpClient::connect(srv.path(), 1000ms);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Code::Format);
  }
  {
    FakeQmp srv("{\"return\": {}}\n", [](const std::string&) { return std::string("{\"return\": {}}\n"); });
    auto c = QmpClient::connect(srv.path(), 1000ms);
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("greeting"), std::string::npos) << c.error().message;
  }
  {
    // Silent server: the read times out.
    FakeQmp srv("", [](const std::string&) { return std::string("{\"return\": {}}\n"); });
    auto c = QmpClient::connect(srv.path(), 200ms);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Code::Timeout);
  }
  auto missing = QmpClient::connect("/nonexistent/ktsnap-qmp.sock", 200ms);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Code::NotFound);
  auto toolong = QmpClient::connect(std::string(200, 'x'), 200ms);
  ASSERT_FALSE(toolong.ok());
  EXPECT_EQ(toolong.error().code, Code::Invalid);
}

TEST(WireQmp, GarbageOverlongAndClose) {
  {
    FakeQmp srv(kGreeting, [](const std::string& line) -> std::string {
      if (has(line, "qmp_capabilities")) return "{\"return\": {}}\n";
      return "\x01\x02garbage\xff\n";
    });
    auto c = QmpClient::connect(srv.path(), 1000ms);
    ASSERT_TRUE(c.ok());
    Status st = (*c)->stop();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Code::Format);
    EXPECT_TRUE((*c)->broken());
    Status again = (*c)->cont();  // fails fast, no crash
    EXPECT_FALSE(again.ok());
  }
  {
    FakeQmp srv(kGreeting, [](const std::string& line) -> std::string {
      if (has(line, "qmp_capabilities")) return "{\"return\": {}}\n";
      return "{\"return\": \"" + std::string(kMaxQmpLine + 100, 'a') + "\"}\n";
    });
    auto c = QmpClient::connect(srv.path(), 2000ms);
    ASSERT_TRUE(c.ok());
    auto r = (*c)->execute("query-status");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::Format);
    EXPECT_NE(r.error().message.find("longer than"), std::string::npos) << r.error().message;
  }
  {
    FakeQmp srv(kGreeting, [](const std::string& line) -> std::string {
      if (has(line, "qmp_capabilities")) return "{\"return\": {}}\n";
      return "";  // close
    });
    auto c = QmpClient::connect(srv.path(), 1000ms);
    ASSERT_TRUE(c.ok());
    auto r = (*c)->query_status();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::Io);
    EXPECT_NE(r.error().message.find("closed"), std::string::npos) << r.error().message;
  }
  {
    FakeQmp srv(kGreeting, [](const std::string& line) -> std::string {
      if (has(line, "qmp_capabilities")) return "{\"return\": {}}\n";
      return "{\"return\": {\"status\": 5}}\n";  // wrong shape
    });
    auto c = QmpClient::connect(srv.path(), 1000ms);
    ASSERT_TRUE(c.ok());
    auto r = (*c)->query_status();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::Format);
  }
}

TEST(WireQmp, FreezeBackendStopsAndResumes) {
  bool running = true;
  FakeQmp srv(kGreeting, vm(&running));
  auto c = QmpClient::connect(srv.path(), 2000ms);
  ASSERT_TRUE(c.ok());
  auto fb = make_qmp_freeze(std::move(c).value());
  EXPECT_EQ(fb->name(), "qmp");
  ASSERT_TRUE(fb->freeze().ok());
  EXPECT_FALSE(running);
  ASSERT_TRUE(fb->thaw().ok());
  EXPECT_TRUE(running);
  // A guest paused by someone else stays paused.
  running = false;
  ASSERT_TRUE(fb->freeze().ok());
  ASSERT_TRUE(fb->thaw().ok());
  EXPECT_FALSE(running);
}

// Random lines after a valid greeting (written ahead into a socketpair):
// every call returns, with a Format, Io, Timeout or QMP error, never a crash.
TEST(WireQmp, RandomRepliesNeverCrash) {
  uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
  };
  const char* pieces[] = {"{",  "}",    "\"return\"", "\"error\"",      "\"event\"", ":",  ",",
                          "[",  "]",    "\"QMP\"",    "null",           "1e999",     "\"", "\\",
                          "\n", "\r\n", "\xff",       "{\"class\": 5}", " "};
  for (int round = 0; round < 200; round++) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    std::string script = round % 2 ? std::string(kGreeting) + "{\"return\": {}}\n" : "";
    size_t n = next() % 40;
    for (size_t i = 0; i < n; i++) script += pieces[next() % (sizeof(pieces) / sizeof(pieces[0]))];
    script += "\n";
    ASSERT_EQ(::send(sv[1], script.data(), script.size(), 0), ssize_t(script.size()));
    ::shutdown(sv[1], SHUT_WR);
    auto c = QmpClient::adopt(sv[0], 200ms);
    if (c.ok()) {
      for (int k = 0; k < 3; k++) {
        auto r = (*c)->query_status();
        if (!r.ok()) {
          EXPECT_FALSE(r.error().message.empty());
        }
      }
    } else {
      EXPECT_FALSE(c.error().message.empty());
    }
    ::close(sv[1]);
  }
}

}  // namespace
}  // namespace ktsnap::wire
