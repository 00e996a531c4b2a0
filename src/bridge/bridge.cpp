#include "bridge/bridge.hpp"

#include <atomic>
#include <deque>
#include <exception>
#include <mutex>
#include <unordered_map>


namespace ktsnap {
inline namespace v1 {
namespace bridge {

namespace {

// Strict UTF-8: no overlongs, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; k++) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

// A short, printable rendering of a name for messages (never the 1 MB).
std::string quoted(std::string_view s) {
  constexpr size_t kShow = 64;
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < kShow; i++) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += s.size() > kShow ? "'..." : "'";
  return out;
}

bool is_periodic_tag(std::string_view tag) {
  constexpr std::string_view prefix = "periodic_";
  if (tag.size() != prefix.size() + 3 || tag.substr(0, prefix.size()) != prefix) return false;
  for (char c : tag.substr(prefix.size()))
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

Status check_tag(std::string_view tag, std::string_view what) {
  std::string w(what);
  if (tag.empty()) return make_error(Code::Invalid, "bridge: the " + w + " is empty");
  if (tag.size() > kMaxTagBytes)
    return make_error(Code::Range, "bridge: the " + w + " is " + std::to_string(tag.size()) + " bytes long; at most " +
                                       std::to_string(kMaxTagBytes) + " are allowed");
  if (tag.find('\0') != std::string_view::npos)
    return make_error(Code::Invalid, "bridge: the " + w + " " + quoted(tag) + " contains a NUL byte");
  if (!valid_utf8(tag))
    return make_error(Code::Invalid, "bridge: the " + w + " " + quoted(tag) + " is not valid UTF-8");
  return {};
}

struct Bridge::State {
  CaptureFn capture;
  WatchRegisterFn watch;

  // The store (§1.3): one lock around reports, their order, their
  // metadata and the event log. One map holds a report and its metadata
  // together, so the "parallel maps" cannot drift apart.
  struct Slot {
    ReportPtr report;
    StoreMetadata meta;
  };
  mutable std::mutex mu;
  std::unordered_map<std::string, Slot> reports;
  std::deque<std::string> order;
  std::deque<Event> events;
  uint64_t events_dropped = 0;

  std::atomic<uint32_t> watch_count{0};

  // Ring attachment: one publish at a time.
  std::mutex pub_mu;
  PublishFn publish;
};

Bridge::Bridge() : s_(std::make_shared<State>()) {}

Bridge::Bridge(CaptureFn capture, WatchRegisterFn watch) : Bridge() {
  s_->capture = std::move(capture);
  s_->watch = std::move(watch);
}

void Bridge::push_event(Event e) {
  std::lock_guard lk(s_->mu);
  if (s_->events.size() >= kMaxStoredEvents) {
    s_->events.pop_front();
    if (s_->events_dropped != UINT64_MAX) s_->events_dropped++;
  }
  s_->events.push_back(std::move(e));
}

Status Bridge::store(std::string_view tag, ReportPtr report, const StoreMetadata& meta) {
  if (Status st = check_tag(tag); !st.ok()) return st;
  if (!report) return make_error(Code::Invalid, "bridge: store " + quoted(tag) + " without a report");
  std::span<const uint8_t> bytes = report->bytes();
  ReportPtr keep = report;  // the bytes stay alive for the publish below
  {
    std::lock_guard lk(s_->mu);
    auto push = [&](Event e) {  // push_event with the lock held
      if (s_->events.size() >= kMaxStoredEvents) {
        s_->events.pop_front();
        if (s_->events_dropped != UINT64_MAX) s_->events_dropped++;
      }
      s_->events.push_back(std::move(e));
    };
    std::string key(tag);
    auto it = s_->reports.find(key);
    if (it != s_->reports.end()) {
      // Overwrite: refresh the FIFO position and replace the metadata
      // wholesale, so nothing stale stays with the new report. Never evicts.
      Event e;
      e.kind = EventKind::Overwrite;
      e.tag = key;
      e.detail =
          std::to_string(it->second.report->format_major()) + "." + std::to_string(it->second.report->format_minor());
      it->second.report = std::move(report);
      it->second.meta = meta;
      for (auto o = s_->order.begin(); o != s_->order.end(); ++o) {
        if (*o == key) {
          s_->order.erase(o);
          break;
        }
      }
      s_->order.push_back(key);
      push(std::move(e));
    } else {
      s_->reports.emplace(key, State::Slot{std::move(report), meta});
      s_->order.push_back(key);
      while (s_->reports.size() > kMaxStoredSnapshots) {
        if (s_->order.empty()) {
          // Cannot happen while order and reports agree; if it does, start
          // over rather than guess which report to drop.
          Event e;
          e.kind = EventKind::CapInvariantViolation;
          e.count = s_->reports.size();
          e.cap = kMaxStoredSnapshots;
          s_->reports.clear();
          push(std::move(e));
          break;
        }
        std::string old = std::move(s_->order.front());
        s_->order.pop_front();
        s_->reports.erase(old);
        Event e;
        e.kind = EventKind::Eviction;
        e.tag = std::move(old);
        e.detail = key;
        e.cap = kMaxStoredSnapshots;
        push(std::move(e));
      }
    }
  }
  std::lock_guard pk(s_->pub_mu);
  if (s_->publish) {
    Status st;
    try {
      st = s_->publish(bytes);
    } catch (const std::exception& ex) {
      st = make_error(Code::Internal, std::string("the publisher threw: ") + ex.what());
    } catch (...) {
      st = make_error(Code::Internal, "the publisher threw a non-standard exception");
    }
    if (!st.ok()) {
      Event e;
      e.kind = EventKind::PublishFailed;
      e.tag = std::string(tag);
      e.status = static_cast<int32_t>(st.error().code);
      e.detail = st.error().message;
      push_event(std::move(e));
    }
  }
  return {};
}

Result<bool> Bridge::capture(std::string_view tag, std::optional<uint16_t> step_index) {
  if (Status st = check_tag(tag); !st.ok()) return st.error();
  ReportPtr r;
  if (s_->capture) r = s_->capture(tag);  // outside every lock
  if (!r) {
    Event e;
    e.kind = EventKind::CaptureUnavailable;
    e.tag = std::string(tag);
    push_event(std::move(e));
    return false;
  }
  StoreMetadata meta;
  meta.step_index = step_index;
  if (Status st = store(tag, std::move(r), meta); !st.ok()) return st.error();
  return true;
}

Status Bridge::register_watch(std::string_view symbol) {
  if (Status st = check_tag(symbol, "watch symbol"); !st.ok()) return st;
  // Reserve by compare-and-swap: the count never passes the cap, even briefly.
  uint32_t prev = s_->watch_count.load();
  do {
    if (prev >= kMaxWatchSnapshots)
      return make_error(Code::Busy, "register watch on " + quoted(symbol) + ": all " +
                                        std::to_string(kMaxWatchSnapshots) +
                                        " user watch slots are taken (the fourth hardware slot is kept for the "
                                        "error-exit trigger); drop a watch or capture on demand instead");
  } while (!s_->watch_count.compare_exchange_weak(prev, prev + 1));

  // Gives the slot back on every path except success.
  struct Release {
    std::atomic<uint32_t>& count;
    bool armed = true;
    ~Release() {
      if (armed) count.fetch_sub(1);
    }
  } release{s_->watch_count};

  if (!s_->watch)
    return make_error(Code::Unsupported,
                      "register watch on " + quoted(symbol) + ": this bridge has no watch-register callback");
  Status st;
  try {
    st = s_->watch(symbol);
  } catch (const std::exception& ex) {
    return make_error(Code::Internal, "register watch on " + quoted(symbol) + ": the callback threw: " + ex.what());
  } catch (...) {
    return make_error(Code::Internal, "register watch on " + quoted(symbol) + ": the callback threw");
  }
  if (!st.ok()) return st;
  release.armed = false;
  return {};
}

uint32_t Bridge::watch_count() const {
  return s_->watch_count.load();
}

std::vector<Item> Bridge::drain() {
  std::lock_guard lk(s_->mu);
  std::vector<Item> out;
  out.reserve(s_->reports.size());
  for (auto& [tag, slot] : s_->reports) out.push_back(Item{tag, std::move(slot.report), {}});
  s_->reports.clear();
  s_->order.clear();
  return out;
}

std::vector<Item> Bridge::drain_ordered_impl(bool with_meta, std::string_view variant) {
  std::lock_guard lk(s_->mu);
  std::vector<Item> out;
  out.reserve(s_->reports.size());
  for (const std::string& tag : s_->order) {
    auto it = s_->reports.find(tag);
    if (it == s_->reports.end()) continue;
    Item item{tag, std::move(it->second.report), {}};
    if (with_meta) item.meta = std::move(it->second.meta);
    out.push_back(std::move(item));
    s_->reports.erase(it);
  }
  s_->order.clear();
  // Reports the order lost track of go last, each with an event.
  for (auto& [tag, slot] : s_->reports) {
    Item item{tag, std::move(slot.report), {}};
    if (with_meta) item.meta = std::move(slot.meta);
    out.push_back(std::move(item));
    Event e;
    e.kind = EventKind::DrainOrderingInvariantViolation;
    e.tag = tag;
    e.detail = std::string(variant);
    if (s_->events.size() >= kMaxStoredEvents) {
      s_->events.pop_front();
      if (s_->events_dropped != UINT64_MAX) s_->events_dropped++;
    }
    s_->events.push_back(std::move(e));
  }
  s_->reports.clear();
  return out;
}

std::vector<Item> Bridge::drain_ordered() {
  return drain_ordered_impl(false, "drain_ordered");
}
std::vector<Item> Bridge::drain_ordered_with_stats() {
  return drain_ordered_impl(true, "drain_ordered_with_stats");
}

std::vector<Event> Bridge::drain_events() {
  std::lock_guard lk(s_->mu);
  std::vector<Event> out(std::make_move_iterator(s_->events.begin()), std::make_move_iterator(s_->events.end()));
  s_->events.clear();
  if (s_->events_dropped > 0) {
    Event e;
    e.kind = EventKind::EventLogTruncated;
    e.count = s_->events_dropped;
    out.push_back(std::move(e));
    s_->events_dropped = 0;
  }
  return out;
}

size_t Bridge::event_count() const {
  std::lock_guard lk(s_->mu);
  return s_->events.size();
}

size_t Bridge::size() const {
  std::lock_guard lk(s_->mu);
  return s_->reports.size();
}

bool Bridge::has(std::string_view tag) const {
  std::lock_guard lk(s_->mu);
  return s_->reports.count(std::string(tag)) != 0;
}

size_t Bridge::periodic_real_count() const {
  std::lock_guard lk(s_->mu);
  size_t n = 0;
  for (const auto& [tag, slot] : s_->reports)
    if (is_periodic_tag(tag) && !slot.report->is_placeholder()) n++;
  return n;
}

void Bridge::set_publisher(PublishFn publish) {
  std::lock_guard pk(s_->pub_mu);
  s_->publish = std::move(publish);
}

void BridgeTestAccess::forget_order(Bridge& b) {
  std::lock_guard lk(b.s_->mu);
  b.s_->order.clear();
}

// ---- per-thread --------------------------------------------------------------

namespace {
thread_local std::optional<Bridge> tl_bridge;
}

std::optional<Bridge> swap_thread_local(std::optional<Bridge> b) {
  std::swap(tl_bridge, b);
  return b;
}

BridgeGuard::~BridgeGuard() {
  if (armed_) swap_thread_local(std::move(prev_));
}

BridgeGuard set_thread_local(Bridge b) {
  return BridgeGuard(swap_thread_local(std::move(b)));
}

std::optional<Bridge> active_bridge() {
  return tl_bridge;
}

Result<bool> capture_on_thread(std::string_view tag, std::optional<uint16_t> step_index) {
  if (Status st = check_tag(tag); !st.ok()) return st.error();
  std::optional<Bridge> b = active_bridge();
  if (!b)
    return make_error(Code::Unsupported, "capture " + quoted(tag) +
                                             ": no bridge is installed on this thread, and this process has no "
                                             "guest transport to ask the host instead; install a bridge first");
  return b->capture(tag, step_index);
}

Status watch_on_thread(std::string_view symbol) {
  if (Status st = check_tag(symbol, "watch symbol"); !st.ok()) return st;
  std::optional<Bridge> b = active_bridge();
  if (!b)
    return make_error(Code::Unsupported, "watch " + quoted(symbol) +
                                             ": no bridge is installed on this thread, and this process has no "
                                             "guest transport to ask the host instead; install a bridge first");
  Status st = b->register_watch(symbol);
  if (!st.ok()) {
    Error e = st.error();
    e.message = "watch " + quoted(symbol) + " failed: " + e.message;
    return e;
  }
  return {};
}

}  // namespace bridge
}  // namespace v1
}  // namespace ktsnap
