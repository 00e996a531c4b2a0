// The snapshot bridge (spec wire.md §1): an in-process store of reports
// keyed by tag, in insertion order, with the capture and watch-register
// callbacks a test fixture or a host coordinator installs, an event log of
// everything that went wrong quietly, and a per-thread "active bridge".
// A Bridge is a cheap handle: copies share one state. Nothing here knows
// about kernels, VMs or the wire.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "internal/status.hpp"
#include "report/report.hpp"

namespace ktsnap {
inline namespace v1 {
namespace bridge {

// Limits of §1.4.
inline constexpr size_t kMaxStoredSnapshots = 64;
inline constexpr size_t kMaxStoredEvents = 1024;
inline constexpr uint32_t kMaxWatchSnapshots = 3;
// Tags are 1..kMaxTagBytes bytes of UTF-8 without NUL (they end up in
// report metadata, file names and C strings).
inline constexpr size_t kMaxTagBytes = 4096;

using ReportPtr = std::shared_ptr<const Report>;

// Numbers are the C ABI's KTSNAP_BRIDGE_EVENT_* (fixed forever).
enum class EventKind : uint32_t {
  CaptureUnavailable = 1,               // tag
  Overwrite = 2,                        // tag, detail = prior report's format "major.minor"
  Eviction = 3,                         // tag = evicted tag, detail = new tag, cap
  DrainOrderingInvariantViolation = 4,  // tag, detail = drain variant
  CapInvariantViolation = 5,            // count = reports held, cap
  EventLogTruncated = 6,                // count = events dropped
  PublishFailed = 7,                    // tag, status, detail = message (ring attachment)
};

struct Event {
  EventKind kind = EventKind::CaptureUnavailable;
  std::string tag;
  std::string detail;
  uint64_t count = 0;
  uint64_t cap = 0;
  int32_t status = 0;
};

// Metadata stored beside a report (the parallel maps of §1.3).
struct StoreMetadata {
  std::optional<std::string> stats_json;
  std::optional<uint64_t> elapsed_ms;
  std::optional<uint64_t> boundary_offset_ms;
  std::optional<uint16_t> step_index;  // 0 = baseline, 1..N = step ordinals
};

// One drained report. For drain_ordered_with_stats() a missing stats_json
// means "no scheduler binary" (the run had no stats to attach).
struct Item {
  std::string tag;
  ReportPtr report;
  StoreMetadata meta;
};

// Returns the report for `tag`, or nullptr for "unavailable". Runs outside
// the store lock, on the thread that called capture().
using CaptureFn = std::function<ReportPtr(std::string_view tag)>;
// Registers a hardware watch on `symbol`; an Error's message is the reason.
using WatchRegisterFn = std::function<Status(std::string_view symbol)>;
// Receives the bytes of every stored report (a ring attachment).
using PublishFn = std::function<Status(std::span<const uint8_t> bytes)>;

// Invalid (empty, NUL, not UTF-8) or Range (too long) for a bad tag; `what`
// names the argument in the message.
Status check_tag(std::string_view tag, std::string_view what = "tag");

class Bridge {
 public:
  // A bridge without callbacks: capture() always reports "unavailable",
  // register_watch() fails (the host coordinator's shape).
  Bridge();
  explicit Bridge(CaptureFn capture, WatchRegisterFn watch = nullptr);

  // ---- storing (§1.5) ----------------------------------------------------
  // Stores `report` under `tag`. An existing tag is overwritten: it moves to
  // the back of the order and its metadata becomes exactly `meta` (absent
  // fields are removed). A new tag may evict the oldest once more than
  // kMaxStoredSnapshots are held. Fails only for a bad tag or a null report.
  Status store(std::string_view tag, ReportPtr report, const StoreMetadata& meta = {});

  // ---- capture (§1.6) ----------------------------------------------------
  // Calls the capture callback (outside the lock) and stores its report
  // with `step_index` as the only metadata. false: the callback had none
  // (a CaptureUnavailable event was recorded). Errors: a bad tag.
  Result<bool> capture(std::string_view tag, std::optional<uint16_t> step_index = std::nullopt);

  // ---- watches (§1.7) ----------------------------------------------------
  // Reserves one of kMaxWatchSnapshots slots, then calls the register
  // callback; the slot is kept only when it succeeds. Errors: Busy (cap
  // reached), Unsupported (no callback), the callback's error, or
  // Internal when the callback throws (the slot is released either way).
  Status register_watch(std::string_view symbol);
  uint32_t watch_count() const;

  // ---- drains and queries (§1.8) -----------------------------------------
  std::vector<Item> drain();                     // any order, no metadata
  std::vector<Item> drain_ordered();             // FIFO order, no metadata
  std::vector<Item> drain_ordered_with_stats();  // FIFO order with metadata
  // Every event in order, plus EventLogTruncated when some were dropped.
  std::vector<Event> drain_events();
  size_t event_count() const;  // without the synthetic marker
  size_t size() const;
  bool empty() const { return size() == 0; }
  bool has(std::string_view tag) const;
  // Reports tagged exactly "periodic_" + 3 ASCII digits that are not placeholders.
  size_t periodic_real_count() const;

  // ---- publishing (a ring attachment) ------------------------------------
  // Every report stored from now on is also handed to `publish` (after the
  // store, outside the store lock, one publish at a time). The bridge does
  // not know rings (they sit below it in the layer order): the C ABI's
  // ktsnap_bridge_attach_ring and the host service pass a publisher over a
  // ring producer. A failure is
  // recorded as a PublishFailed event; the stored report stays. nullptr
  // detaches.
  void set_publisher(PublishFn publish);

  // Two handles on the same state.
  bool same_as(const Bridge& other) const { return s_ == other.s_; }

 private:
  friend struct BridgeTestAccess;
  struct State;
  void push_event(Event e);
  std::vector<Item> drain_ordered_impl(bool with_meta, std::string_view variant);
  std::shared_ptr<State> s_;
};

// Test seam: breaks the store's invariants on purpose so tests reach the
// repair paths. Not for production code.
struct BridgeTestAccess {
  static void forget_order(Bridge& b);  // empties the FIFO order, keeps the reports
};

// ---- the per-thread active bridge (§1.10) ---------------------------------

// Restores the thread's previous bridge when destroyed (nesting works like
// a stack when guards die in reverse order). Movable, not copyable.
class [[nodiscard]] BridgeGuard {
 public:
  explicit BridgeGuard(std::optional<Bridge> previous) : prev_(std::move(previous)), armed_(true) {}
  BridgeGuard(BridgeGuard&& o) noexcept : prev_(std::move(o.prev_)), armed_(std::exchange(o.armed_, false)) {}
  BridgeGuard& operator=(BridgeGuard&&) = delete;
  BridgeGuard(const BridgeGuard&) = delete;
  BridgeGuard& operator=(const BridgeGuard&) = delete;
  ~BridgeGuard();

 private:
  std::optional<Bridge> prev_;
  bool armed_;
};

// Installs `b` as this thread's bridge; the guard puts the previous one back.
BridgeGuard set_thread_local(Bridge b);
// Swaps the thread's slot with `b` and returns what it held (the primitive
// under the guard, for the C ABI's push/pop).
std::optional<Bridge> swap_thread_local(std::optional<Bridge> b);
// The bridge installed on this thread, if any (a handle sharing its state).
std::optional<Bridge> active_bridge();

// Runs f(bridge) on this thread's bridge; nullopt without calling f when
// none is installed (the no-bridge signal).
template <typename F>
auto with_active_bridge(F&& f) -> std::optional<decltype(f(std::declval<Bridge&>()))> {
  std::optional<Bridge> b = active_bridge();
  if (!b) return std::nullopt;
  return f(*b);
}

// The executor's ops (§1.12) against this thread's bridge. Without one,
// both fail with Unsupported: this process has no guest transport, so a
// snapshot op needs an installed bridge.
// capture: true = stored, false = the callback had none (not an error).
Result<bool> capture_on_thread(std::string_view tag, std::optional<uint16_t> step_index);
Status watch_on_thread(std::string_view symbol);

}  // namespace bridge
}  // namespace v1
}  // namespace ktsnap
