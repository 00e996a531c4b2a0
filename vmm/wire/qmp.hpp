// ktsnap::wire - a small QMP (QEMU Machine Protocol) client over a unix
// socket, enough to pause and resume a guest around a capture: the QMP
// freeze backend of the host service (docs/WIRE.md "Host service").
//
//   auto c = QmpClient::connect("/run/vm/qmp.sock");   // greeting + qmp_capabilities
//   c->stop();  ...  c->cont();
//   auto st = c->query_status();                       // {running, "paused"}
//
// The server's replies are hostile input: every line is bounded
// (kMaxQmpLine), every read has a deadline, anything that is not a JSON
// object with "return" or "error" (events are skipped) is a Format error
// with the offending bytes summarised in the message. One client is one
// connection; it is not thread-safe (the host service uses it from its loop
// thread only).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "internal/status.hpp"

namespace ktsnap::wire {

// Longest line (one JSON message) accepted from the server.
inline constexpr size_t kMaxQmpLine = 1u << 20;

struct QmpStatus {
  bool running = false;
  std::string status;  // "running", "paused", "prelaunch", ...
};

class QmpClient {
 public:
  // Connects to the unix socket at `path`, reads the greeting ({"QMP": ...})
  // and negotiates capabilities. `timeout` bounds each read and each write.
  static Result<std::unique_ptr<QmpClient>> connect(const std::string& path,
                                                    std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Takes an already connected stream fd (owned from now on); same
  // handshake as connect().
  static Result<std::unique_ptr<QmpClient>> adopt(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~QmpClient();
  QmpClient(const QmpClient&) = delete;
  QmpClient& operator=(const QmpClient&) = delete;

  // Sends {"execute": command[, "arguments": arguments_json]} and reads lines,
  // skipping {"event": ...}, until the reply. Returns the raw JSON text of
  // the "return" value. A QMP error reply is Unsupported for
  // CommandNotFound and Io otherwise, with "class: desc" in the message;
  // EOF, a timeout (Timeout), an over-long line or a line that is not a
  // QMP message (Format) leave the client unusable (later calls fail fast).
  Result<std::string> execute(std::string_view command, std::string_view arguments_json = {});
  Status stop();
  Status cont();
  Result<QmpStatus> query_status();

  // Events skipped so far (for tests and logs).
  size_t events_skipped() const { return events_skipped_; }
  bool broken() const { return fd_ < 0; }

 private:
  QmpClient(int fd, std::chrono::milliseconds timeout) : fd_(fd), timeout_(timeout) {}
  Status handshake();
  Result<std::string> read_line();
  Status write_all(std::string_view s);
  Error fail(Error e);  // closes the connection, returns e

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buf_;  // bytes received after the last full line
  size_t events_skipped_ = 0;
};

}  // namespace ktsnap::wire
