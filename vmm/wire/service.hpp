// ktsnap::wire - the host service: the host end of the capture wire with
// its freeze coordinator (spec/wire.md 2.7-2.10 and 3; docs/WIRE.md "Host
// service").
//
// One HostService reads TLV frames from a stream fd (a QEMU chardev socket,
// a socketpair, any fd), answers every decodable snapshot request with
// exactly one SNRP frame, and for a CAPTURE runs
//     freeze -> capture callback -> [while-frozen hook] -> thaw
//       -> bridge.store(tag) (the bridge's publisher, e.g. a ring, sees it)
//       -> dump file (optional) -> reply OK
// A failure at any step replies ERR with the reason and stores nothing.
//
// Threads: run() is the loop thread. stop(), capture_now(), trigger_early(),
// trigger_error(), stats() and state() may be called from any thread.
// On-demand work (wire CAPTURE/WATCH, capture_now) is serialised by the
// capture gate: whoever finds it held gets "busy" at once, nobody waits.
// The error-trigger captures (early, late) run on the loop thread and do not
// take the gate (spec 3.3); a mutex keeps two threads from driving the freeze
// backend at the same time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bridge/bridge.hpp"
#include "internal/status.hpp"
#include "report/report.hpp"
#include "wire/frame.hpp"
#include "wire/qmp.hpp"
#include "wire/snapshot.hpp"

namespace ktsnap {
inline namespace v1 {
namespace ring {
class Producer;
}
}  // namespace v1
}  // namespace ktsnap

namespace ktsnap::wire {

// ---- freeze backends ------------------------------------------------------

// Pauses and resumes whatever is being captured (a VM, a process, nothing).
// thaw() is called after every freeze() attempt, including a failed one, so
// a backend undoes whatever part of the freeze took effect.
class FreezeBackend {
 public:
  virtual ~FreezeBackend() = default;
  virtual std::string_view name() const = 0;
  virtual Status freeze() = 0;
  virtual Status thaw() = 0;
};

// Freezes nothing (a capture of a live system; the default).
std::unique_ptr<FreezeBackend> make_no_freeze();
// The caller's callbacks (either may be null: a no-op).
std::unique_ptr<FreezeBackend> make_callback_freeze(std::function<Status()> freeze, std::function<Status()> thaw,
                                                    std::string name = "callbacks");
// QMP: "stop" to freeze, "cont" to thaw. A guest that was already paused
// before freeze() (query-status) is left paused by thaw().
std::unique_ptr<FreezeBackend> make_qmp_freeze(std::unique_ptr<QmpClient> client);

// ---- the capture gate (spec 3.3) ------------------------------------------

// One on-demand capture in flight. The flag is private: the only way in is
// try_enter(), and the only way out is the Guard's destructor.
class CaptureGate {
 public:
  class [[nodiscard]] Guard {
   public:
    Guard(Guard&& o) noexcept : gate_(std::exchange(o.gate_, nullptr)) {}
    Guard& operator=(Guard&&) = delete;
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() {
      if (gate_) gate_->held_.store(false, std::memory_order_release);
    }

   private:
    friend class CaptureGate;
    explicit Guard(CaptureGate* g) : gate_(g) {}
    CaptureGate* gate_;
  };
  // A guard when the gate was free; nullopt when another capture holds it.
  std::optional<Guard> try_enter() {
    if (held_.exchange(true, std::memory_order_acq_rel)) return std::nullopt;
    return Guard(this);
  }
  bool held() const { return held_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> held_{false};
};

// ---- the service ----------------------------------------------------------

// Produces the report for one capture (runs while the backend is frozen).
// An error (or a null report) fails the capture with its message.
using ServiceCaptureFn = std::function<Result<bridge::ReportPtr>(std::string_view tag, Trigger trigger)>;
// Runs after the capture, still frozen; an error fails the capture.
using FrozenHookFn = std::function<Status(std::string_view tag)>;

// The error-trigger state machine (spec 3.2).
enum class FreezeState : uint32_t { Idle = 0, TookEarly = 1, Done = 2 };
const char* freeze_state_name(FreezeState s);

// Where a capture came from.
enum class CaptureSource : uint32_t { Wire = 0, OnDemand = 1, Early = 2, Error = 3, Flush = 4 };
const char* capture_source_name(CaptureSource s);

// One answered request or trigger, for logs.
struct RequestRecord {
  CaptureSource source = CaptureSource::Wire;
  uint32_t request_id = 0;  // wire requests only
  uint32_t kind = 0;        // wire requests only (SNRQ kind)
  std::string tag;
  bool ok = false;
  std::string reason;                                     // the ERR text; empty on success
  Code code = Code::Ok;                                   // the failure's status code (Ok on success)
  int64_t freeze_us = -1, capture_us = -1, thaw_us = -1;  // -1: step not run
  std::string dump_path;                                  // the file written, if any
};

struct ServiceStats {
  uint64_t bytes_in = 0, bytes_out = 0;
  uint64_t frames = 0;
  uint64_t requests = 0;  // CRC-valid SNRQ that decoded
  uint64_t replies_ok = 0, replies_err = 0;
  uint64_t busy = 0;           // ERR because the gate was held (wire) or Busy (capture_now)
  uint64_t bad_crc = 0;        // SNRQ with a CRC mismatch (no reply)
  uint64_t malformed = 0;      // CRC-valid SNRQ that did not decode (no reply)
  uint64_t unknown_kinds = 0;  // decoded SNRQ of a kind other than CAPTURE/WATCH (ERR)
  uint64_t guest_replies = 0;  // SNRP/KORP sent by the guest (dropped)
  uint64_t other_frames = 0;   // other known types (passed to on_frame)
  uint64_t unknown_types = 0;  // unknown types (dropped)
  uint64_t stored = 0;         // reports stored in the bridge
  uint64_t dump_failures = 0;  // dump files that could not be written
  uint64_t thaw_failures = 0;
  uint64_t residual_bytes = 0;  // bytes of an incomplete frame when the peer closed
  DecoderStats decoder;
};

struct ServiceOptions {
  // Base path of dump files (snapshot_tagged_path); empty = no files.
  std::string dump_base;
  // How often the triggers are evaluated on the loop thread.
  std::chrono::milliseconds tick{100};
  // Longest a reply write may wait for the peer to take bytes.
  std::chrono::milliseconds write_timeout{5000};
  uint32_t max_payload = kMaxFramePayload;
  // Return from run() after answering this many wire requests (0 = no limit).
  uint64_t max_requests = 0;
  // Optional: every other known frame (STIM, SCST, EXIT, ...) as received.
  std::function<void(const Frame&)> on_frame;
  // Optional: one call per answered request or trigger capture.
  std::function<void(const RequestRecord&)> on_record;
  // Optional predicates evaluated on every tick, beside trigger_*().
  std::function<bool()> early_predicate;
  std::function<bool()> error_predicate;
  // Optional: runs while frozen after each capture (see FrozenHookFn).
  FrozenHookFn while_frozen;
};

class HostService {
 public:
  // `freeze` may be null (make_no_freeze()). The bridge is shared with the
  // caller (copies share state): drain it after run() returns.
  HostService(bridge::Bridge bridge, ServiceCaptureFn capture, std::unique_ptr<FreezeBackend> freeze,
              ServiceOptions opts = {});
  ~HostService();
  HostService(const HostService&) = delete;
  HostService& operator=(const HostService&) = delete;

  // Every report stored from now on is published to `producer` too (the
  // bridge's publisher; a failed publish is a bridge PublishFailed event).
  void attach_ring(std::shared_ptr<ring::Producer> producer, int64_t timeout_ns);

  // Serves `fd` (read and write) until the peer closes (ok), stop() (ok),
  // max_requests is reached (ok) or an I/O error (Io, also when the peer
  // goes away while a reply is being written). The fd is not closed. Call
  // once at a time.
  Status run(int fd);
  // Ends run() soon; any thread, any time (also before run()).
  void stop();

  // An on-demand capture from the calling thread, through the gate: Busy
  // when another capture holds it. Same steps and storage as a wire CAPTURE.
  Status capture_now(std::string_view tag);

  // Error triggers, evaluated on the next tick of the loop thread.
  void trigger_early() { early_pending_.store(true, std::memory_order_release); }
  void trigger_error() { error_pending_.store(true, std::memory_order_release); }
  FreezeState state() const { return FreezeState(state_.load(std::memory_order_acquire)); }

  ServiceStats stats() const;
  bridge::Bridge& bridge() { return bridge_; }
  std::string_view freeze_backend_name() const { return freeze_->name(); }

 private:
  struct Outcome;
  Outcome capture_frozen(std::string_view tag, Trigger trigger);
  RequestRecord do_capture(std::string_view tag, CaptureSource src);
  void finish_stored(RequestRecord& rec, std::string_view tag, const bridge::ReportPtr& report);
  void handle_frame(const Frame& f, std::vector<uint8_t>& out);
  void handle_request(const SnapshotRequest& req, std::vector<uint8_t>& out);
  void tick();
  void flush_held_early();
  Status write_all(int fd, std::span<const uint8_t> bytes);
  void record(const RequestRecord& r);

  bridge::Bridge bridge_;
  ServiceCaptureFn capture_;
  std::unique_ptr<FreezeBackend> freeze_;
  ServiceOptions opts_;
  CaptureGate gate_;
  std::mutex freeze_mu_;  // one thread drives the backend at a time
  int stop_fd_ = -1;
  std::atomic<bool> early_pending_{false}, error_pending_{false};
  std::atomic<uint32_t> state_{0};
  bridge::ReportPtr held_early_;  // loop thread only
  mutable std::mutex stats_mu_;
  ServiceStats stats_;
};

}  // namespace ktsnap::wire
