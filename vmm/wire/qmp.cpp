#include "wire/qmp.hpp"

#include <fcntl.h>
#include <poll.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace ktsnap::wire {
namespace {

using Clock = std::chrono::steady_clock;

// A short, printable excerpt of hostile bytes for an error message.
std::string excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  if (s.size() > 80) out += "...";
  return out;
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// The kinds of line a QMP server sends.
enum class Kind { Greeting, Event, Return, Error };

struct Parsed {
  Kind kind = Kind::Event;
  std::string value;  // "return": its JSON text; "error": "class: desc"
  std::string error_class;
};

Result<Parsed> classify(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(line);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err != simdjson::SUCCESS)
    return make_error(Code::Format, std::string("QMP: the server sent a line that is not JSON (") +
                                        simdjson::error_message(err) + "): '" + excerpt(line) + "'");
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS)
    return make_error(Code::Format, "QMP: the server sent JSON that is not an object: '" + excerpt(line) + "'");
  Parsed p;
  simdjson::dom::element el;
  if (obj["return"].get(el) == simdjson::SUCCESS) {
    p.kind = Kind::Return;
    p.value = simdjson::minify(el);
    return p;
  }
  if (obj["error"].get(el) == simdjson::SUCCESS) {
    p.kind = Kind::Error;
    std::string_view cls = "?", desc = "?";
    simdjson::dom::object e;
    if (el.get_object().get(e) == simdjson::SUCCESS) {
      if (e["class"].get_string().get(cls) != simdjson::SUCCESS) cls = "?";
      if (e["desc"].get_string().get(desc) != simdjson::SUCCESS) desc = "?";
    }
    p.error_class = std::string(cls);
    p.value = std::string(cls) + ": " + std::string(desc);
    return p;
  }
  if (obj["event"].get(el) == simdjson::SUCCESS) {
    p.kind = Kind::Event;
    return p;
  }
  if (obj["QMP"].get(el) == simdjson::SUCCESS) {
    p.kind = Kind::Greeting;
    return p;
  }
  return make_error(Code::Format,
                    "QMP: the server sent an object without return, error, event or QMP: '" + excerpt(line) + "'");
}

}  // namespace

Result<std::unique_ptr<QmpClient>> QmpClient::connect(const std::string& path, std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    return make_error(Code::Invalid, "QMP socket path '" + path + "' is empty or longer than " +
                                         std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Code::Io, std::string("QMP: socket: ") + std::strerror(errno), errno);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int e = errno;
    ::close(fd);
    return make_error(e == ENOENT ? Code::NotFound : Code::Io,
                      "QMP: cannot connect to '" + path + "': " + std::strerror(e), e);
  }
  return adopt(fd, timeout);
}

Result<std::unique_ptr<QmpClient>> QmpClient::adopt(int fd, std::chrono::milliseconds timeout) {
  if (fd < 0) return make_error(Code::Invalid, "QMP: no socket");
  std::unique_ptr<QmpClient> c(new QmpClient(fd, timeout));
  if (Status st = c->handshake(); !st.ok()) return st.take_error();
  return c;
}

QmpClient::~QmpClient() {
  if (fd_ >= 0) ::close(fd_);
}

Error QmpClient::fail(Error e) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return e;
}

Status QmpClient::handshake() {
  auto line = read_line();
  if (!line.ok()) return line.take_error();
  auto p = classify(*line);
  if (!p.ok()) return fail(p.take_error());
  if (p->kind != Kind::Greeting)
    return fail(make_error(Code::Format, "QMP: expected the greeting {\"QMP\": ...}, got '" + excerpt(*line) + "'"));
  auto r = execute("qmp_capabilities");
  if (!r.ok()) return r.take_error();
  return {};
}

Status QmpClient::write_all(std::string_view s) {
  auto deadline = Clock::now() + timeout_;
  while (!s.empty()) {
    ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      s.remove_prefix(size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd_, POLLOUT, 0};
      int left = remaining_ms(deadline);
      if (left == 0) return fail(make_error(Code::Timeout, "QMP: the server did not accept the command in time"));
      ::poll(&pfd, 1, left);
      continue;
    }
    int e = errno;
    return fail(make_error(Code::Io, std::string("QMP: write failed: ") + std::strerror(e), e));
  }
  return {};
}

Result<std::string> QmpClient::read_line() {
  if (fd_ < 0) return make_error(Code::Io, "QMP: the connection is closed after an earlier failure");
  auto deadline = Clock::now() + timeout_;
  for (;;) {
    size_t nl = buf_.find('\n');
    if ((nl == std::string::npos ? buf_.size() : nl) > kMaxQmpLine)
      return fail(make_error(Code::Format,
                             "QMP: the server sent a line longer than " + std::to_string(kMaxQmpLine) + " bytes"));
    if (nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
      return line;
    }
    pollfd pfd{fd_, POLLIN, 0};
    int left = remaining_ms(deadline);
    int pr = left > 0 ? ::poll(&pfd, 1, left) : 0;
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0)
      return fail(make_error(
          Code::Timeout, "QMP: no complete reply from the server within " + std::to_string(timeout_.count()) + " ms"));
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n < 0) {
      int e = errno;
      return fail(make_error(Code::Io, std::string("QMP: read failed: ") + std::strerror(e), e));
    }
    if (n == 0)
      return fail(make_error(Code::Io, buf_.empty() ? "QMP: the server closed the connection"
                                                    : "QMP: the server closed the connection mid-line"));
    buf_.append(tmp, size_t(n));
  }
}

Result<std::string> QmpClient::execute(std::string_view command, std::string_view arguments_json) {
  if (fd_ < 0) return make_error(Code::Io, "QMP: the connection is closed after an earlier failure");
  for (char c : command)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      return make_error(Code::Invalid, "QMP: '" + excerpt(command) + "' is not a command name");
  std::string req = "{\"execute\": \"" + std::string(command) + "\"";
  if (!arguments_json.empty()) req += ", \"arguments\": " + std::string(arguments_json);
  req += "}\n";
  if (Status st = write_all(req); !st.ok()) return st.take_error();
  for (;;) {
    auto line = read_line();
    if (!line.ok()) return line.take_error();
    auto p = classify(*line);
    if (!p.ok()) return fail(p.take_error());
    switch (p->kind) {
      case Kind::Event:
        events_skipped_++;
        continue;
      case Kind::Return:
        return std::move(p->value);
      case Kind::Error:
        return make_error(p->error_class == "CommandNotFound" ? Code::Unsupported : Code::Io,
                          "QMP " + std::string(command) + " failed: " + p->value);
      case Kind::Greeting:
        return fail(make_error(Code::Format, "QMP: a second greeting arrived in reply to " + std::string(command)));
    }
  }
}

Status QmpClient::stop() {
  auto r = execute("stop");
  if (!r.ok()) return r.take_error();
  return {};
}

Status QmpClient::cont() {
  auto r = execute("cont");
  if (!r.ok()) return r.take_error();
  return {};
}

Result<QmpStatus> QmpClient::query_status() {
  auto r = execute("query-status");
  if (!r.ok()) return r.take_error();
  simdjson::dom::parser parser;
  simdjson::padded_string padded(*r);
  simdjson::dom::element doc;
  QmpStatus s;
  std::string_view status;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS ||
      doc["running"].get_bool().get(s.running) != simdjson::SUCCESS ||
      doc["status"].get_string().get(status) != simdjson::SUCCESS)
    return make_error(Code::Format, "QMP query-status: the reply lacks running/status: '" + excerpt(*r) + "'");
  s.status = std::string(status);
  return s;
}

}  // namespace ktsnap::wire
