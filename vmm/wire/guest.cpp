// The guest client (guest.hpp): port lookup, the SNRQ write and the reply
// wait of spec/wire.md 2.5 and 2.6.
#include "wire/guest.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace ktsnap::wire {

namespace {

using Clock = std::chrono::steady_clock;

// ppoll timeouts while waiting for reply bytes (ktstr's SNAPSHOT_FAST_POLL):
// 100 us for the first four polls of a frame, then 5 ms; always capped by
// the time left.
constexpr auto kFastPoll = std::chrono::microseconds(100);
constexpr int kFastPollCount = 4;
constexpr auto kSlowPoll = std::chrono::milliseconds(5);

std::string errno_text(int e) { return std::string(std::strerror(e)) + " (errno " + std::to_string(e) + ")"; }

Code open_code(int e) {
  switch (e) {
    case ENOENT:
    case ENODEV:
    case ENXIO: return Code::NotFound;
    case EBUSY: return Code::Busy;
    case EACCES:
    case EPERM: return Code::Perm;
    default: return Code::Io;
  }
}

std::string kind_name(uint32_t kind) {
  switch (kind) {
    case kSnapshotKindCapture: return "capture";
    case kSnapshotKindWatch: return "watch";
    default: return "kind " + std::to_string(kind);
  }
}

// Time left until `deadline` as a timespec (zero when past).
timespec until(Clock::time_point deadline, std::chrono::nanoseconds cap) {
  auto left = deadline - Clock::now();
  if (left < std::chrono::nanoseconds(0)) left = std::chrono::nanoseconds(0);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::min<Clock::duration>(left, cap)).count();
  return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}

std::string format_ms(std::chrono::nanoseconds t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t).count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

}  // namespace

const char* guest_outcome_name(GuestOutcome o) noexcept {
  switch (o) {
    case GuestOutcome::Ok: return "ok";
    case GuestOutcome::HostError: return "host-error";
    case GuestOutcome::TransportError: return "transport-error";
  }
  return "unknown";
}

std::vector<std::pair<std::string, std::string>> list_virtio_ports(const std::string& sysfs_root) {
  std::vector<std::pair<std::string, std::string>> out;
  DIR* d = ::opendir(sysfs_root.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string entry = e->d_name;
    if (entry == "." || entry == "..") continue;
    std::ifstream f(sysfs_root + "/" + entry + "/name");
    if (!f) continue;
    std::string name;
    std::getline(f, name);
    if (f.bad()) continue;
    out.emplace_back(std::move(entry), std::move(name));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

GuestClient::GuestClient(int fd, bool own, std::string path) : fd_(fd), own_(own), path_(std::move(path)) {
  note_fd_kind();
}

void GuestClient::note_fd_kind() {
  struct stat st {};
  is_socket_ = fd_ >= 0 && ::fstat(fd_, &st) == 0 && S_ISSOCK(st.st_mode);
}

GuestClient::~GuestClient() {
  if (own_ && fd_ >= 0) ::close(fd_);
}

namespace {

Result<int> open_path(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int e = errno;
    std::string why = e == EBUSY ? " (a virtio port takes one open at a time; is another client using it?)" : "";
    return make_error(open_code(e), "cannot open guest port " + path + ": " + errno_text(e) + why, e);
  }
  return fd;
}

Result<std::string> resolve_port(std::string_view port, const GuestOpenOptions& o) {
  if (port.empty()) return make_error(Code::Invalid, "guest port: empty name");
  if (port.find('\0') != std::string_view::npos) return make_error(Code::Invalid, "guest port: NUL byte in the name");
  if (port.find('/') != std::string_view::npos) return std::string(port);
  auto ports = list_virtio_ports(o.sysfs_root);
  for (const auto& [entry, name] : ports)
    if (name == port) return o.dev_root + "/" + entry;
  std::string msg = "no virtio port named \"" + std::string(port) + "\" under " + o.sysfs_root;
  Error err(Code::NotFound, "");
  if (ports.empty()) {
    msg += " (no ports there: is virtio_console loaded, the handshake done?)";
  } else {
    msg += "; ports:";
    for (const auto& [entry, name] : ports) {
      msg += " " + entry + "=\"" + name + "\"";
      err.alternatives.push_back(name);
    }
  }
  err.message = std::move(msg);
  return err;
}

}  // namespace

Result<std::unique_ptr<GuestClient>> GuestClient::open(std::string_view port, const GuestOpenOptions& options) {
  auto path = resolve_port(port, options);
  if (!path.ok()) return path.take_error();
  auto fd = open_path(path.value());
  if (!fd.ok()) return fd.take_error();
  return std::unique_ptr<GuestClient>(new GuestClient(fd.value(), true, std::move(path.value())));
}

Result<std::unique_ptr<GuestClient>> GuestClient::adopt(int fd, bool own) {
  if (fd < 0) return make_error(Code::Invalid, "guest port: fd " + std::to_string(fd) + " is negative");
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
    int e = errno;
    return make_error(Code::Io, "guest port: fd " + std::to_string(fd) + ": " + errno_text(e), e);
  }
  return std::unique_ptr<GuestClient>(new GuestClient(fd, own, std::string()));
}

bool GuestClient::dead() const {
  std::lock_guard lk(mu_);
  return dead_;
}

std::string GuestClient::dead_reason() const {
  std::lock_guard lk(mu_);
  return dead_reason_;
}

GuestStats GuestClient::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

int GuestClient::fd() const {
  std::lock_guard lk(mu_);
  return fd_;
}

void GuestClient::set_next_request_id(uint32_t id) {
  std::lock_guard lk(mu_);
  next_id_ = id == 0 ? 1 : id;
}

uint32_t GuestClient::take_request_id() {
  uint32_t id = next_id_++;
  if (id == 0) id = next_id_++;  // the counter wrapped: 0 is never sent
  return id;
}

Status GuestClient::reset() {
  std::lock_guard lk(mu_);
  if (!path_.empty()) {
    if (own_ && fd_ >= 0) ::close(fd_);
    fd_ = -1;
    hdr_got_ = 0;
    body_.clear();
    body_got_ = 0;
    auto fd = open_path(path_);
    if (!fd.ok()) {
      dead_ = true;
      dead_reason_ = fd.error().message;
      return fd.take_error();
    }
    fd_ = fd.value();
    note_fd_kind();
  }
  dead_ = false;
  dead_reason_.clear();
  return {};
}

GuestResult GuestClient::transport_error(uint32_t id, std::string reason, bool timed_out) {
  stats_.transport_errors++;
  dead_ = true;
  dead_reason_ = reason;
  GuestResult r;
  r.outcome = GuestOutcome::TransportError;
  r.request_id = id;
  r.reason = std::move(reason);
  r.timed_out = timed_out;
  return r;
}

bool GuestClient::write_all(const std::vector<uint8_t>& frame, Clock::time_point deadline, std::string& why) {
  size_t off = 0;
  while (off < frame.size()) {
    // A socket peer that went away must not raise SIGPIPE in the caller.
    ssize_t n = is_socket_ ? ::send(fd_, frame.data() + off, frame.size() - off, MSG_NOSIGNAL)
                           : ::write(fd_, frame.data() + off, frame.size() - off);
    if (n > 0) {
      off += size_t(n);
      stats_.bytes_written += uint64_t(n);
      continue;
    }
    if (n == 0) {
      why = "write returned 0 after " + std::to_string(off) + " of " + std::to_string(frame.size()) + " bytes";
      return false;
    }
    int e = errno;
    if (e == EINTR) continue;
    if (e != EAGAIN && e != EWOULDBLOCK) {
      why = "write failed after " + std::to_string(off) + " of " + std::to_string(frame.size()) +
            " bytes: " + errno_text(e);
      return false;
    }
    // Backpressure: wait for room, bounded by the deadline.
    for (;;) {
      if (Clock::now() >= deadline) {
        why = "deadline elapsed while writing the request (" + std::to_string(off) + " of " +
              std::to_string(frame.size()) + " bytes written)";
        return false;
      }
      pollfd p{fd_, POLLOUT, 0};
      timespec ts = until(deadline, std::chrono::milliseconds(100));
      int pr = ::ppoll(&p, 1, &ts, nullptr);
      if (pr < 0) {
        if (errno == EINTR) continue;
        why = "poll for write failed: " + errno_text(errno);
        return false;
      }
      if (pr == 0) continue;
      if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
        why = std::string("port ") + ((p.revents & POLLNVAL) ? "fd is not open" : (p.revents & POLLHUP) ? "hung up" : "error") +
              " while writing the request";
        return false;
      }
      if (p.revents & POLLOUT) break;
    }
  }
  return true;
}

GuestClient::ReadStatus GuestClient::read_frame(Clock::time_point deadline, FrameHeader& h,
                                                 std::vector<uint8_t>& payload, std::string& why) {
  int polls = 0;
  for (;;) {
    bool in_header = hdr_got_ < kFrameHeaderSize;
    uint8_t* dst;
    size_t want;
    if (in_header) {
      dst = hdr_ + hdr_got_;
      want = kFrameHeaderSize - hdr_got_;
    } else {
      if (body_got_ == body_.size()) break;  // the whole frame is here
      dst = body_.data() + body_got_;
      want = body_.size() - body_got_;
    }
    ssize_t n = ::read(fd_, dst, want);
    if (n > 0) {
      stats_.bytes_read += uint64_t(n);
      if (in_header) {
        hdr_got_ += size_t(n);
        if (hdr_got_ == kFrameHeaderSize) {
          FrameHeader fh = decode_header(hdr_);
          // The cap check comes before the payload buffer exists.
          Status st = check_frame_header(fh, uint32_t(kSnapshotReplySize));
          if (!st.ok()) {
            hdr_got_ = 0;
            why = st.error().message;
            return ReadStatus::Failed;
          }
          body_.assign(fh.length, 0);
          body_got_ = 0;
        }
      } else {
        body_got_ += size_t(n);
      }
      continue;
    }
    if (n == 0) {
      if (!in_header)
        why = "end of file from the port in the middle of a frame payload (" + std::to_string(body_got_) + " of " +
              std::to_string(body_.size()) + " bytes)";
      else if (hdr_got_ > 0)
        why = "end of file from the port in the middle of a frame header (" + std::to_string(hdr_got_) + " of 16 bytes)";
      else
        why = "end of file from the port while waiting for the reply (host closed?)";
      hdr_got_ = 0;
      body_.clear();
      body_got_ = 0;
      return ReadStatus::Failed;
    }
    int e = errno;
    if (e == EINTR) continue;
    if (e != EAGAIN && e != EWOULDBLOCK) {
      why = "read from the port failed: " + errno_text(e);
      hdr_got_ = 0;
      body_.clear();
      body_got_ = 0;
      return ReadStatus::Failed;
    }
    // Nothing to read yet: poll, briefly at first.
    if (Clock::now() >= deadline) return ReadStatus::TimedOut;
    pollfd p{fd_, POLLIN, 0};
    timespec ts = until(deadline, polls < kFastPollCount ? std::chrono::nanoseconds(kFastPoll) : std::chrono::nanoseconds(kSlowPoll));
    polls++;
    int pr = ::ppoll(&p, 1, &ts, nullptr);
    if (pr < 0 && errno != EINTR) {
      e = errno;
      why = "poll on the port failed: " + errno_text(e);
      return ReadStatus::Failed;
    }
    if (pr > 0 && (p.revents & POLLNVAL)) {
      why = "poll on the port: the fd is not open";
      return ReadStatus::Failed;
    }
    // POLLHUP / POLLERR: the next read() reports what is left or the error.
  }
  h = decode_header(hdr_);
  payload = std::move(body_);
  body_.clear();
  hdr_got_ = 0;
  body_got_ = 0;
  Status st = check_frame_crc(h, payload);
  if (!st.ok()) {
    why = st.error().message;
    return ReadStatus::Failed;
  }
  return ReadStatus::Frame;
}

Result<GuestResult> GuestClient::request_snapshot(uint32_t kind, std::string_view tag,
                                                  std::chrono::nanoseconds timeout) {
  if (kind == kSnapshotKindNone) return make_error(Code::Invalid, "snapshot request: kind 0 is not a request kind");
  if (tag.empty()) return make_error(Code::Invalid, "snapshot request: empty tag");
  if (tag.find('\0') != std::string_view::npos)
    return make_error(Code::Invalid, "snapshot request: NUL byte in the tag (the host would cut it there)");
  if (timeout <= std::chrono::nanoseconds(0))
    return make_error(Code::Invalid, "snapshot request: timeout must be positive");

  std::lock_guard lk(mu_);
  if (dead_) {
    stats_.transport_errors++;
    GuestResult r;
    r.outcome = GuestOutcome::TransportError;
    r.latched = true;
    r.reason = "guest transport is latched dead after an earlier failure (" + dead_reason_ +
               "); reset() or reopen the port";
    return r;
  }
  // now + timeout must not overflow the clock's 64-bit nanoseconds.
  if (timeout > kMaxRequestTimeout) timeout = kMaxRequestTimeout;
  const auto deadline = Clock::now() + timeout;
  stats_.requests++;
  SnapshotRequest req;
  req.request_id = take_request_id();
  req.kind = kind;
  req.tag = std::string(tag.substr(0, kSnapshotTagMax));
  const std::string what = "request_id=" + std::to_string(req.request_id) + ", kind=" + kind_name(kind);
  auto frame = frame_snapshot_request(req);
  if (!frame.ok()) return frame.take_error();

  std::string why;
  if (!write_all(frame.value(), deadline, why))
    return transport_error(req.request_id, "snapshot request not sent: " + why + " (" + what + ")", false);

  FrameHeader h;
  std::vector<uint8_t> payload;
  for (;;) {
    ReadStatus rs = read_frame(deadline, h, payload, why);
    if (rs == ReadStatus::TimedOut)
      return transport_error(req.request_id,
                             "host did not deliver a matching snapshot reply within " + format_ms(timeout) + " (" +
                                 what + ")",
                             true);
    if (rs == ReadStatus::Failed)
      return transport_error(req.request_id, "snapshot reply read failed: " + why + " (" + what + ")", false);
    if (h.msg_type != msg::kSnapshotReply) {
      stats_.skipped_wrong_type++;
      continue;
    }
    if (payload.size() != kSnapshotReplySize) {
      stats_.skipped_wrong_size++;
      continue;
    }
    uint32_t id = uint32_t(payload[0]) | uint32_t(payload[1]) << 8 | uint32_t(payload[2]) << 16 |
                  uint32_t(payload[3]) << 24;
    uint32_t status = uint32_t(payload[4]) | uint32_t(payload[5]) << 8 | uint32_t(payload[6]) << 16 |
                      uint32_t(payload[7]) << 24;
    if (id != req.request_id) {
      stats_.skipped_stale++;
      continue;
    }
    stats_.replies++;
    GuestResult r;
    r.request_id = id;
    if (status == kSnapshotStatusOk) {
      r.outcome = GuestOutcome::Ok;
      return r;
    }
    if (status == kSnapshotStatusErr) {
      stats_.host_errors++;
      r.outcome = GuestOutcome::HostError;
      r.reason = decode_text_field(std::span<const uint8_t>(payload).subspan(8));
      return r;
    }
    return transport_error(req.request_id, "host reply with unknown status " + std::to_string(status) + " (" + what + ")",
                           false);
  }
}

}  // namespace ktsnap::wire
