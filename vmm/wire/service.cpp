#include "wire/service.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "ring/ring.hpp"
#include "wire/dump_file.hpp"

namespace ktsnap::wire {
namespace {

using Clock = std::chrono::steady_clock;

int64_t us_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count();
}

constexpr const char* kBusyReason = "another snapshot capture is in flight; retry";

class NoFreeze final : public FreezeBackend {
 public:
  std::string_view name() const override { return "none"; }
  Status freeze() override { return {}; }
  Status thaw() override { return {}; }
};

class CallbackFreeze final : public FreezeBackend {
 public:
  CallbackFreeze(std::function<Status()> f, std::function<Status()> t, std::string name)
      : f_(std::move(f)), t_(std::move(t)), name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  Status freeze() override { return f_ ? f_() : Status{}; }
  Status thaw() override { return t_ ? t_() : Status{}; }

 private:
  std::function<Status()> f_, t_;
  std::string name_;
};

class QmpFreeze final : public FreezeBackend {
 public:
  explicit QmpFreeze(std::unique_ptr<QmpClient> c) : c_(std::move(c)) {}
  std::string_view name() const override { return "qmp"; }
  Status freeze() override {
    stopped_ = false;
    auto st = c_->query_status();
    if (!st.ok()) return st.take_error();
    if (!st->running) return {};  // paused by someone else: leave it so
    stopped_ = true;              // from here on, thaw() sends cont even if stop fails
    return c_->stop();
  }
  Status thaw() override {
    if (!stopped_) return {};
    stopped_ = false;
    return c_->cont();
  }

 private:
  std::unique_ptr<QmpClient> c_;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<FreezeBackend> make_no_freeze() {
  return std::make_unique<NoFreeze>();
}

std::unique_ptr<FreezeBackend> make_callback_freeze(std::function<Status()> freeze, std::function<Status()> thaw,
                                                    std::string name) {
  return std::make_unique<CallbackFreeze>(std::move(freeze), std::move(thaw), std::move(name));
}

std::unique_ptr<FreezeBackend> make_qmp_freeze(std::unique_ptr<QmpClient> client) {
  return std::make_unique<QmpFreeze>(std::move(client));
}

const char* freeze_state_name(FreezeState s) {
  switch (s) {
    case FreezeState::Idle:
      return "idle";
    case FreezeState::TookEarly:
      return "took-early";
    case FreezeState::Done:
      return "done";
  }
  return "?";
}

const char* capture_source_name(CaptureSource s) {
  switch (s) {
    case CaptureSource::Wire:
      return "wire";
    case CaptureSource::OnDemand:
      return "on-demand";
    case CaptureSource::Early:
      return "early";
    case CaptureSource::Error:
      return "error";
    case CaptureSource::Flush:
      return "flush";
  }
  return "?";
}

struct HostService::Outcome {
  bridge::ReportPtr report;  // null on failure
  Error error;
  int64_t freeze_us = -1, capture_us = -1, thaw_us = -1;
};

HostService::HostService(bridge::Bridge bridge, ServiceCaptureFn capture, std::unique_ptr<FreezeBackend> freeze,
                         ServiceOptions opts)
    : bridge_(std::move(bridge)),
      capture_(std::move(capture)),
      freeze_(freeze ? std::move(freeze) : make_no_freeze()),
      opts_(std::move(opts)) {
  if (opts_.tick.count() <= 0) opts_.tick = std::chrono::milliseconds(100);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

HostService::~HostService() {
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void HostService::attach_ring(std::shared_ptr<ring::Producer> producer, int64_t timeout_ns) {
  if (!producer) {
    bridge_.set_publisher(nullptr);
    return;
  }
  bridge_.set_publisher(
      [p = std::move(producer), timeout_ns](std::span<const uint8_t> bytes) { return p->publish(bytes, timeout_ns); });
}

void HostService::stop() {
  uint64_t one = 1;
  // A full counter (2^64-2 stops) still wakes the loop; nothing to do on error.
  [[maybe_unused]] ssize_t n = ::write(stop_fd_, &one, sizeof(one));
}

ServiceStats HostService::stats() const {
  std::lock_guard lk(stats_mu_);
  return stats_;
}

void HostService::record(const RequestRecord& r) {
  if (opts_.on_record) opts_.on_record(r);
}

// freeze -> capture -> hook -> thaw. thaw runs after every freeze attempt.
HostService::Outcome HostService::capture_frozen(std::string_view tag, Trigger trigger) {
  std::lock_guard lk(freeze_mu_);
  Outcome o;
  auto t = Clock::now();
  Status fz = freeze_->freeze();
  o.freeze_us = us_since(t);
  if (!fz.ok()) {
    o.error =
        make_error(fz.error().code, "freeze (" + std::string(freeze_->name()) + ") failed: " + fz.error().message);
    t = Clock::now();
    Status th = freeze_->thaw();
    o.thaw_us = us_since(t);
    if (!th.ok()) {
      std::lock_guard sl(stats_mu_);
      stats_.thaw_failures++;
      std::fprintf(stderr, "ktsnap host service: THAW FAILED after a failed freeze (%.*s): %s\n",
                   int(freeze_->name().size()), freeze_->name().data(), th.error().message.c_str());
      o.error.message += "; the thaw after it failed too: " + th.error().message;
    }
    return o;
  }
  t = Clock::now();
  Result<bridge::ReportPtr> r = make_error(Code::Internal, "no capture callback installed");
  if (capture_) {
    try {
      r = capture_(tag, trigger);
    } catch (const std::exception& e) {
      r = make_error(Code::Internal, std::string("the capture callback threw: ") + e.what());
    } catch (...) {
      r = make_error(Code::Internal, "the capture callback threw");
    }
  }
  o.capture_us = us_since(t);
  if (!r.ok()) {
    o.error = make_error(r.error().code, "capture failed: " + r.error().message);
  } else if (!*r) {
    o.error = make_error(Code::NotFound, "capture failed: the capture callback returned no report");
  } else if (opts_.while_frozen) {
    Status h = opts_.while_frozen(tag);
    if (!h.ok())
      o.error = make_error(h.error().code, "the while-frozen hook failed: " + h.error().message);
    else
      o.report = std::move(*r);
  } else {
    o.report = std::move(*r);
  }
  t = Clock::now();
  Status th = freeze_->thaw();
  o.thaw_us = us_since(t);
  if (!th.ok()) {
    {
      std::lock_guard sl(stats_mu_);
      stats_.thaw_failures++;
    }
    std::fprintf(
        stderr, "ktsnap host service: THAW FAILED (%.*s) after capturing '%.*s': %s; the guest may still be frozen\n",
        int(freeze_->name().size()), freeze_->name().data(), int(tag.size()), tag.data(), th.error().message.c_str());
    std::string prior = o.report ? "" : " (after: " + o.error.message + ")";
    o.error = make_error(th.error().code, "thaw (" + std::string(freeze_->name()) + ") failed: " + th.error().message +
                                              "; the capture was discarded" + prior);
    o.report.reset();
  }
  return o;
}

void HostService::finish_stored(RequestRecord& rec, std::string_view tag, const bridge::ReportPtr& report) {
  Status st = bridge_.store(tag, report);
  if (!st.ok()) {
    rec.ok = false;
    rec.code = st.error().code;
    rec.reason = "cannot store the report: " + st.error().message;
    return;
  }
  {
    std::lock_guard sl(stats_mu_);
    stats_.stored++;
  }
  rec.ok = true;
  if (opts_.dump_base.empty()) return;
  std::string path = snapshot_tagged_path(opts_.dump_base, tag);
  Status w = write_file_atomic(path, report->bytes());
  if (!w.ok()) {
    // The report is stored; the file is a copy. Say so loudly, reply OK.
    std::lock_guard sl(stats_mu_);
    stats_.dump_failures++;
    std::fprintf(stderr, "ktsnap host service: report '%.*s' stored, but its file was not written: %s\n",
                 int(tag.size()), tag.data(), w.error().message.c_str());
    return;
  }
  rec.dump_path = std::move(path);
}

RequestRecord HostService::do_capture(std::string_view tag, CaptureSource src) {
  RequestRecord rec;
  rec.source = src;
  rec.tag = std::string(tag);
  // A tag the bridge would refuse fails before anything is frozen.
  if (Status ct = bridge::check_tag(tag); !ct.ok()) {
    rec.code = ct.error().code;
    rec.reason = "bad tag: " + ct.error().message;
    return rec;
  }
  Outcome o = capture_frozen(tag, Trigger::OnDemand);
  rec.freeze_us = o.freeze_us;
  rec.capture_us = o.capture_us;
  rec.thaw_us = o.thaw_us;
  if (!o.report) {
    rec.code = o.error.code;
    rec.reason = o.error.message;
    return rec;
  }
  finish_stored(rec, tag, o.report);
  return rec;
}

Status HostService::capture_now(std::string_view tag) {
  auto guard = gate_.try_enter();
  if (!guard) {
    {
      std::lock_guard sl(stats_mu_);
      stats_.busy++;
    }
    RequestRecord rec;
    rec.source = CaptureSource::OnDemand;
    rec.tag = std::string(tag);
    rec.code = Code::Busy;
    rec.reason = kBusyReason;
    record(rec);
    return make_error(Code::Busy, kBusyReason);
  }
  RequestRecord rec = do_capture(tag, CaptureSource::OnDemand);
  record(rec);
  if (!rec.ok) return make_error(rec.code == Code::Ok ? Code::Internal : rec.code, rec.reason);
  return {};
}

void HostService::handle_request(const SnapshotRequest& req, std::vector<uint8_t>& out) {
  RequestRecord rec;
  rec.source = CaptureSource::Wire;
  rec.tag = req.tag;
  {
    std::lock_guard sl(stats_mu_);
    stats_.requests++;
  }
  if (Status k = check_snapshot_kind(req.kind); !k.ok()) {
    std::lock_guard sl(stats_mu_);
    stats_.unknown_kinds++;
    rec.reason = k.error().message;
  } else if (auto guard = gate_.try_enter(); !guard) {
    std::lock_guard sl(stats_mu_);
    stats_.busy++;
    rec.reason = kBusyReason;
  } else if (req.kind == kSnapshotKindCapture) {
    rec = do_capture(req.tag, CaptureSource::Wire);
  } else {
    // WATCH: what a watch is belongs to the bridge's owner (its
    // WatchRegisterFn); nothing is frozen.
    Status w = bridge_.register_watch(req.tag);
    rec.ok = w.ok();
    if (!w.ok() && w.error().code == Code::Unsupported)
      rec.reason = "watch '" + req.tag + "': this host does not support watch requests (no watch-register callback)";
    else if (!w.ok())
      rec.reason = "watch '" + req.tag + "': " + w.error().message;
  }
  rec.request_id = req.request_id;
  rec.kind = req.kind;
  SnapshotReply reply;
  reply.request_id = req.request_id;
  reply.status = rec.ok ? kSnapshotStatusOk : kSnapshotStatusErr;
  reply.reason = rec.ok ? std::string() : rec.reason;
  auto frame = frame_snapshot_reply(reply);
  if (frame.ok()) out.insert(out.end(), frame->begin(), frame->end());
  {
    std::lock_guard sl(stats_mu_);
    (rec.ok ? stats_.replies_ok : stats_.replies_err)++;
  }
  record(rec);
}

void HostService::handle_frame(const Frame& f, std::vector<uint8_t>& out) {
  switch (f.msg_type) {
    case msg::kSnapshotRequest: {
      if (!f.crc_ok) {
        std::lock_guard sl(stats_mu_);
        stats_.bad_crc++;
        return;
      }
      auto req = decode_snapshot_request(f.payload);
      if (!req.ok()) {
        std::lock_guard sl(stats_mu_);
        stats_.malformed++;
        return;
      }
      handle_request(*req, out);
      return;
    }
    case msg::kSnapshotReply:
    case msg::kKernelOpReply: {
      std::lock_guard sl(stats_mu_);
      stats_.guest_replies++;
      return;
    }
    default:
      break;
  }
  if (is_known_message_type(f.msg_type)) {
    {
      std::lock_guard sl(stats_mu_);
      stats_.other_frames++;
    }
    if (opts_.on_frame) opts_.on_frame(f);
  } else {
    std::lock_guard sl(stats_mu_);
    stats_.unknown_types++;
  }
}

void HostService::tick() {
  bool early = early_pending_.exchange(false, std::memory_order_acq_rel);
  bool error = error_pending_.exchange(false, std::memory_order_acq_rel);
  FreezeState s = state();
  if (s == FreezeState::Done) return;
  if (!early && s == FreezeState::Idle && opts_.early_predicate) early = opts_.early_predicate();
  if (!error && opts_.error_predicate) error = opts_.error_predicate();

  if (early && s == FreezeState::Idle) {
    RequestRecord rec;
    rec.source = CaptureSource::Early;
    rec.tag = "early";
    Outcome o = capture_frozen("early", Trigger::Error);
    rec.freeze_us = o.freeze_us;
    rec.capture_us = o.capture_us;
    rec.thaw_us = o.thaw_us;
    rec.ok = o.report != nullptr;
    if (!rec.ok) rec.reason = o.error.message;
    held_early_ = std::move(o.report);
    // TookEarly whatever the outcome: the early chance is spent.
    state_.store(uint32_t(FreezeState::TookEarly), std::memory_order_release);
    record(rec);
    s = FreezeState::TookEarly;
  }
  if (error) {
    RequestRecord rec;
    rec.source = CaptureSource::Error;
    rec.tag = "failure";
    Outcome o = capture_frozen("failure", Trigger::Error);
    rec.freeze_us = o.freeze_us;
    rec.capture_us = o.capture_us;
    rec.thaw_us = o.thaw_us;
    if (o.report)
      finish_stored(rec, "failure", o.report);
    else
      rec.reason = o.error.message;
    if (held_early_) {
      RequestRecord er;
      er.source = CaptureSource::Early;
      er.tag = "early";
      finish_stored(er, "early", held_early_);
      held_early_.reset();
      record(er);
    }
    state_.store(uint32_t(FreezeState::Done), std::memory_order_release);
    record(rec);
  }
}

void HostService::flush_held_early() {
  if (!held_early_) return;
  RequestRecord rec;
  rec.source = CaptureSource::Flush;
  rec.tag = "early-only-late-never-fired";
  finish_stored(rec, rec.tag, held_early_);
  held_early_.reset();
  record(rec);
}

Status HostService::write_all(int fd, std::span<const uint8_t> bytes) {
  auto deadline = Clock::now() + opts_.write_timeout;
  bool sock = true;
  while (!bytes.empty()) {
    ssize_t n = sock ? ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT)
                     : ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == ENOTSOCK) {
      sock = false;
      continue;
    }
    if (n > 0) {
      bytes = bytes.subspan(size_t(n));
      std::lock_guard sl(stats_mu_);
      stats_.bytes_out += uint64_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0)
        return make_error(Code::Timeout,
                          "the peer took no reply bytes for " + std::to_string(opts_.write_timeout.count()) + " ms");
      pollfd p[2] = {{fd, POLLOUT, 0}, {stop_fd_, POLLIN, 0}};
      if (::poll(p, 2, int(left)) > 0 && (p[1].revents & POLLIN))
        return make_error(Code::Io, "stopped while a reply was being written");
      continue;
    }
    int e = n < 0 ? errno : EPIPE;
    return make_error(Code::Io, std::string("the peer went away while a reply was being written: ") + std::strerror(e),
                      e);
  }
  return {};
}

Status HostService::run(int fd) {
  if (fd < 0) return make_error(Code::Invalid, "host service: no fd to serve");
  if (stop_fd_ < 0) return make_error(Code::Io, "host service: eventfd could not be created");
  StreamDecoder dec(opts_.max_payload);
  std::vector<Frame> frames;
  std::vector<uint8_t> out;
  std::vector<uint8_t> buf(64 * 1024);
  Status result;
  uint64_t answered = 0;
  auto next_tick = Clock::now();  // the first pass evaluates the triggers
  bool done = false;
  while (!done) {
    auto now = Clock::now();
    if (now >= next_tick) {
      tick();
      next_tick = Clock::now() + opts_.tick;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - Clock::now()).count();
    pollfd p[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int pr = ::poll(p, 2, int(wait < 0 ? 0 : wait + 1));
    if (pr < 0) {
      if (errno == EINTR) continue;
      result = make_error(Code::Io, std::string("host service: poll: ") + std::strerror(errno), errno);
      break;
    }
    if (p[1].revents & POLLIN) break;  // stop()
    if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (p[0].revents & POLLNVAL) {
        result = make_error(Code::Invalid, "host service: the fd is not open");
        break;
      }
      continue;
    }
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      int e = errno;
      result = make_error(Code::Io, std::string("host service: read: ") + std::strerror(e), e);
      break;
    }
    if (n == 0) {  // the peer closed
      std::lock_guard sl(stats_mu_);
      stats_.residual_bytes = dec.buffered();
      break;
    }
    frames.clear();
    dec.feed(std::span<const uint8_t>(buf.data(), size_t(n)), frames);
    {
      std::lock_guard sl(stats_mu_);
      stats_.bytes_in += uint64_t(n);
      stats_.frames += frames.size();
      stats_.decoder = dec.stats();
    }
    for (const Frame& f : frames) {
      out.clear();
      handle_frame(f, out);
      if (out.empty()) continue;
      answered++;
      // One reply, one buffer, written before the next frame is looked at.
      if (Status w = write_all(fd, out); !w.ok()) {
        result = std::move(w);
        done = true;
        break;
      }
      if (opts_.max_requests && answered >= opts_.max_requests) {
        done = true;
        break;
      }
    }
  }
  flush_held_early();
  return result;
}

}  // namespace ktsnap::wire
