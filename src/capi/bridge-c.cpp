// Bridge handles: the report store keyed by tag, its drains and events,
// the ring attachment and the per-thread active bridge (push/pop).
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/bridge.hpp"
#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"
#include "capi/ring-c.hpp"

struct ktsnap_bridge {
  ktsnap::bridge::Bridge b;
};

struct ktsnap_bridge_items {
  struct Entry {
    std::unique_ptr<ktsnap_report> report;
    std::string tag;
    ktsnap::bridge::StoreMetadata meta;
  };
  std::vector<Entry> entries;
};

struct ktsnap_bridge_events {
  std::vector<ktsnap::bridge::Event> events;
};

using namespace ktsnap;
using namespace ktsnap::capi;

namespace {

constexpr uint32_t kKnownStoreFlags = KTSNAP_BRIDGE_HAS_ELAPSED | KTSNAP_BRIDGE_HAS_BOUNDARY | KTSNAP_BRIDGE_HAS_STEP;

// A (pointer, length) tag from the caller: NULL is fine only with length 0
// (then check_tag reports the empty tag).
ktsnap_status read_name(const char* fn, const char* arg, const char* p, size_t len, std::string_view* out) noexcept {
  if (p == nullptr && len != 0) return null_arg(fn, arg);
  *out = p == nullptr ? std::string_view() : std::string_view(p, len);
  return KTSNAP_OK;
}

ktsnap_status prefixed(const char* fn, const Error& e) noexcept {
  return fail_parts(to_status(e.code) < 0 ? to_status(e.code) : KTSNAP_E_INTERNAL, fn, ": ", e.message);
}

ktsnap_status read_step(const char* fn, int32_t step_index, std::optional<uint16_t>* out) {
  if (step_index < 0) {
    *out = std::nullopt;
    return KTSNAP_OK;
  }
  if (step_index > 0xffff)
    return fail(KTSNAP_E_INVALID,
                std::string(fn) + ": step_index " + std::to_string(step_index) + " is above 65535 (use -1 for none)");
  *out = static_cast<uint16_t>(step_index);
  return KTSNAP_OK;
}

ktsnap_status read_store_opts(const ktsnap_bridge_store_opts* opts, bridge::StoreMetadata& m) {
  size_t sz = 0;
  if (ktsnap_status st = check_sz(opts, sizeof(ktsnap_bridge_store_opts), "ktsnap_bridge_store_opts", &sz);
      st != KTSNAP_OK)
    return st;
  if (opts == nullptr) return KTSNAP_OK;
  uint32_t flags = KTSNAP_CAPI_GET(opts, sz, flags, 0u);
  if (ktsnap_status st = check_flags(flags, kKnownStoreFlags, "ktsnap_bridge_store_opts.flags"); st != KTSNAP_OK)
    return st;
  if (ktsnap_status st = check_reserved(opts->reserved, offsetof(ktsnap_bridge_store_opts, reserved),
                                        sizeof opts->reserved, sz, "ktsnap_bridge_store_opts");
      st != KTSNAP_OK)
    return st;
  const char* stats = KTSNAP_CAPI_GET(opts, sz, stats_json, static_cast<const char*>(nullptr));
  size_t stats_len = KTSNAP_CAPI_GET(opts, sz, stats_json_len, size_t(0));
  if (stats == nullptr && stats_len != 0)
    return fail(KTSNAP_E_INVALID, "ktsnap_bridge_store_opts: stats_json is NULL but stats_json_len is not 0");
  if (stats != nullptr) {
    if (stats_len > kMaxReportSize)
      return fail(KTSNAP_E_RANGE, "ktsnap_bridge_store_opts: stats_json_len is larger than any report may be");
    m.stats_json = std::string(stats, stats_len);
  }
  if (flags & KTSNAP_BRIDGE_HAS_ELAPSED) m.elapsed_ms = KTSNAP_CAPI_GET(opts, sz, elapsed_ms, uint64_t(0));
  if (flags & KTSNAP_BRIDGE_HAS_BOUNDARY)
    m.boundary_offset_ms = KTSNAP_CAPI_GET(opts, sz, boundary_offset_ms, uint64_t(0));
  if (flags & KTSNAP_BRIDGE_HAS_STEP) m.step_index = KTSNAP_CAPI_GET(opts, sz, step_index, uint16_t(0));
  return KTSNAP_OK;
}

bridge::CaptureFn c_capture(ktsnap_bridge_capture_fn fn, void* ud) {
  if (fn == nullptr) return nullptr;
  return [fn, ud](std::string_view tag) -> bridge::ReportPtr {
    std::string t(tag);  // NUL-terminated for the caller
    ktsnap_report* h = fn(t.c_str(), t.size(), ud);
    if (h == nullptr) return nullptr;
    std::unique_ptr<ktsnap_report> owned(h);  // taken: the handle goes, the Report stays
    return bridge::ReportPtr(std::move(h->report));
  };
}

bridge::WatchRegisterFn c_watch(ktsnap_bridge_watch_fn fn, void* ud) {
  if (fn == nullptr) return nullptr;
  return [fn, ud](std::string_view symbol) -> Status {
    std::string s(symbol);
    char reason[512] = {0};
    ktsnap_status st = fn(s.c_str(), s.size(), reason, sizeof reason, ud);
    if (st == KTSNAP_OK) return {};
    reason[sizeof reason - 1] = '\0';
    Code code = st < 0 ? static_cast<Code>(st) : Code::Internal;
    std::string msg =
        reason[0] != '\0' ? std::string(reason) : std::string("the watch callback returned ") + ktsnap_status_str(st);
    return make_error(code, std::move(msg));
  };
}

// The per-thread stack of what ktsnap_bridge_push_thread() replaced. Plain
// values (no guards), so thread exit destroys it in any order safely.
thread_local std::vector<std::optional<bridge::Bridge>> tl_pushed;

}  // namespace

extern "C" {

KTSNAP_API ktsnap_status ktsnap_bridge_opts_init(ktsnap_bridge_opts* opts, size_t sz) noexcept {
  clear_error();
  return init_sz(opts, sz, "ktsnap_bridge_opts_init");
}

KTSNAP_API ktsnap_status ktsnap_bridge_store_opts_init(ktsnap_bridge_store_opts* opts, size_t sz) noexcept {
  clear_error();
  return init_sz(opts, sz, "ktsnap_bridge_store_opts_init");
}

KTSNAP_API ktsnap_status ktsnap_bridge_new(ktsnap_bridge** out, const ktsnap_bridge_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_new";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    size_t sz = 0;
    if (ktsnap_status st = check_sz(opts, sizeof(ktsnap_bridge_opts), "ktsnap_bridge_opts", &sz); st != KTSNAP_OK)
      return st;
    ktsnap_bridge_capture_fn cap = nullptr;
    void* cap_ud = nullptr;
    ktsnap_bridge_watch_fn watch = nullptr;
    void* watch_ud = nullptr;
    if (opts != nullptr) {
      cap = KTSNAP_CAPI_GET(opts, sz, capture, static_cast<ktsnap_bridge_capture_fn>(nullptr));
      cap_ud = KTSNAP_CAPI_GET(opts, sz, capture_user_data, static_cast<void*>(nullptr));
      watch = KTSNAP_CAPI_GET(opts, sz, watch, static_cast<ktsnap_bridge_watch_fn>(nullptr));
      watch_ud = KTSNAP_CAPI_GET(opts, sz, watch_user_data, static_cast<void*>(nullptr));
    }
    *out = new ktsnap_bridge{bridge::Bridge(c_capture(cap, cap_ud), c_watch(watch, watch_ud))};
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_bridge_clone(ktsnap_bridge** out, const ktsnap_bridge* bridge) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_clone";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, bridge);
    *out = new ktsnap_bridge{bridge->b};
    return KTSNAP_OK;
  });
}

KTSNAP_API void ktsnap_bridge_free(ktsnap_bridge* bridge) noexcept {
  delete bridge;
}

KTSNAP_API bool ktsnap_bridge_same(const ktsnap_bridge* a, const ktsnap_bridge* b) noexcept {
  return a != nullptr && b != nullptr && a->b.same_as(b->b);
}

KTSNAP_API ktsnap_status ktsnap_bridge_store(ktsnap_bridge* bridge, const char* tag, size_t tag_len,
                                             const ktsnap_report* report,
                                             const ktsnap_bridge_store_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_store";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, bridge);
    std::string_view t;
    if (ktsnap_status st = read_name(fn, "tag", tag, tag_len, &t); st != KTSNAP_OK) return st;
    KTSNAP_CAPI_REQUIRE(fn, report);
    bridge::StoreMetadata meta;
    if (ktsnap_status st = read_store_opts(opts, meta); st != KTSNAP_OK) return st;
    if (Status st = bridge::check_tag(t); !st.ok()) return prefixed(fn, st.error());
    // The bridge keeps its own copy: the caller's handle stays theirs.
    std::span<const uint8_t> bytes = report->report->bytes();
    OpenOptions copy;
    copy.copy = true;
    auto r = Report::open_memory(bytes.data(), bytes.size(), copy);
    if (!r.ok()) return prefixed(fn, r.error());
    Status st = bridge->b.store(t, bridge::ReportPtr(std::move(r).value()), meta);
    return st.ok() ? KTSNAP_OK : prefixed(fn, st.error());
  });
}

KTSNAP_API ktsnap_status ktsnap_bridge_capture(bool* captured_out, ktsnap_bridge* bridge, const char* tag,
                                               size_t tag_len, int32_t step_index) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_capture";
  return guard(fn, [&]() -> ktsnap_status {
    if (captured_out) *captured_out = false;
    KTSNAP_CAPI_REQUIRE(fn, bridge);
    std::string_view t;
    if (ktsnap_status st = read_name(fn, "tag", tag, tag_len, &t); st != KTSNAP_OK) return st;
    std::optional<uint16_t> step;
    if (ktsnap_status st = read_step(fn, step_index, &step); st != KTSNAP_OK) return st;
    auto r = bridge->b.capture(t, step);
    if (!r.ok()) return prefixed(fn, r.error());
    if (captured_out) *captured_out = r.value();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_bridge_register_watch(ktsnap_bridge* bridge, const char* symbol,
                                                      size_t symbol_len) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_register_watch";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, bridge);
    std::string_view s;
    if (ktsnap_status st = read_name(fn, "symbol", symbol, symbol_len, &s); st != KTSNAP_OK) return st;
    Status st = bridge->b.register_watch(s);
    return st.ok() ? KTSNAP_OK : prefixed(fn, st.error());
  });
}

KTSNAP_API uint32_t ktsnap_bridge_watch_count(const ktsnap_bridge* bridge) noexcept {
  return bridge == nullptr ? 0 : bridge->b.watch_count();
}

KTSNAP_API size_t ktsnap_bridge_len(const ktsnap_bridge* bridge) noexcept {
  return bridge == nullptr ? 0 : bridge->b.size();
}

KTSNAP_API size_t ktsnap_bridge_event_count(const ktsnap_bridge* bridge) noexcept {
  return bridge == nullptr ? 0 : bridge->b.event_count();
}

KTSNAP_API bool ktsnap_bridge_has(const ktsnap_bridge* bridge, const char* tag, size_t tag_len) noexcept {
  if (bridge == nullptr || tag == nullptr) return false;
  std::string_view t(tag, tag_len);
  // A tag no store accepts is never held; checking first also avoids
  // copying a huge one.
  if (!bridge::check_tag(t).ok()) return false;
  try {  // a getter that cannot fail: the last error stays untouched
    return bridge->b.has(t);
  } catch (...) {
    return false;
  }
}

KTSNAP_API size_t ktsnap_bridge_periodic_real_count(const ktsnap_bridge* bridge) noexcept {
  return bridge == nullptr ? 0 : bridge->b.periodic_real_count();
}

KTSNAP_API ktsnap_status ktsnap_bridge_drain(ktsnap_bridge_items** out, ktsnap_bridge* bridge, uint32_t mode) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_drain";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, bridge);
    if (mode > KTSNAP_BRIDGE_DRAIN_WITH_STATS)
      return fail(KTSNAP_E_INVALID, "ktsnap_bridge_drain: mode " + std::to_string(mode) +
                                        " is not a KTSNAP_BRIDGE_DRAIN_* value (0, 1 or 2)");
    // Allocate before draining, so that running out of memory halfway loses
    // as little as possible.
    auto list = std::make_unique<ktsnap_bridge_items>();
    list->entries.reserve(bridge::kMaxStoredSnapshots);
    std::vector<bridge::Item> items = mode == KTSNAP_BRIDGE_DRAIN_UNORDERED ? bridge->b.drain()
                                      : mode == KTSNAP_BRIDGE_DRAIN_ORDERED ? bridge->b.drain_ordered()
                                                                            : bridge->b.drain_ordered_with_stats();
    for (auto& item : items) {
      // A handle on the stored report, sharing its bytes (no copy).
      std::shared_ptr<const void> owner = item.report;
      std::span<const uint8_t> bytes = item.report->bytes();
      auto r = Report::open_shared(std::move(owner), bytes.data(), bytes.size());
      if (!r.ok()) return prefixed(fn, r.error());
      ktsnap_bridge_items::Entry e;
      e.report.reset(wrap_report(std::move(r).value()));
      e.tag = std::move(item.tag);
      e.meta = std::move(item.meta);
      list->entries.push_back(std::move(e));
    }
    *out = list.release();
    return KTSNAP_OK;
  });
}

KTSNAP_API size_t ktsnap_bridge_items_count(const ktsnap_bridge_items* items) noexcept {
  return items == nullptr ? 0 : items->entries.size();
}

KTSNAP_API ktsnap_status ktsnap_bridge_items_get(ktsnap_bridge_item* out, const ktsnap_bridge_items* items,
                                                 size_t idx) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_items_get";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    size_t sz = 0;
    if (ktsnap_status st = out_sz(out, fn, "out", "ktsnap_bridge_item", &sz); st != KTSNAP_OK) return st;
    KTSNAP_CAPI_REQUIRE(fn, items);
    if (idx >= items->entries.size())
      return fail(KTSNAP_E_RANGE, "ktsnap_bridge_items_get: index " + std::to_string(idx) + " past the " +
                                      std::to_string(items->entries.size()) + " reports of the list");
    const auto& e = items->entries[idx];
    ktsnap_bridge_item it{};
    it.sz = sz;
    it.report = e.report.get();
    it.tag = e.tag.c_str();
    it.tag_len = e.tag.size();
    if (e.meta.stats_json) {
      it.flags |= KTSNAP_BRIDGE_HAS_STATS;
      it.stats_json = e.meta.stats_json->c_str();
      it.stats_json_len = e.meta.stats_json->size();
    }
    if (e.meta.elapsed_ms) {
      it.flags |= KTSNAP_BRIDGE_HAS_ELAPSED;
      it.elapsed_ms = *e.meta.elapsed_ms;
    }
    if (e.meta.boundary_offset_ms) {
      it.flags |= KTSNAP_BRIDGE_HAS_BOUNDARY;
      it.boundary_offset_ms = *e.meta.boundary_offset_ms;
    }
    if (e.meta.step_index) {
      it.flags |= KTSNAP_BRIDGE_HAS_STEP;
      it.step_index = *e.meta.step_index;
    }
    copy_out_sz(out, it, sz);
    return KTSNAP_OK;
  });
}

KTSNAP_API void ktsnap_bridge_items_free(ktsnap_bridge_items* items) noexcept {
  delete items;
}

KTSNAP_API ktsnap_status ktsnap_bridge_drain_events(ktsnap_bridge_events** out, ktsnap_bridge* bridge) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_drain_events";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, bridge);
    auto list = std::make_unique<ktsnap_bridge_events>();
    list->events = bridge->b.drain_events();
    *out = list.release();
    return KTSNAP_OK;
  });
}

KTSNAP_API size_t ktsnap_bridge_events_count(const ktsnap_bridge_events* events) noexcept {
  return events == nullptr ? 0 : events->events.size();
}

KTSNAP_API ktsnap_status ktsnap_bridge_events_get(ktsnap_bridge_event* out, const ktsnap_bridge_events* events,
                                                  size_t idx) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_events_get";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    size_t sz = 0;
    if (ktsnap_status st = out_sz(out, fn, "out", "ktsnap_bridge_event", &sz); st != KTSNAP_OK) return st;
    KTSNAP_CAPI_REQUIRE(fn, events);
    if (idx >= events->events.size())
      return fail(KTSNAP_E_RANGE, "ktsnap_bridge_events_get: index " + std::to_string(idx) + " past the " +
                                      std::to_string(events->events.size()) + " events of the list");
    const bridge::Event& e = events->events[idx];
    ktsnap_bridge_event ev{};
    ev.sz = sz;
    ev.kind = static_cast<uint32_t>(e.kind);
    ev.status = e.status;
    ev.tag = e.tag.c_str();
    ev.tag_len = e.tag.size();
    ev.detail = e.detail.c_str();
    ev.detail_len = e.detail.size();
    ev.count = e.count;
    ev.cap = e.cap;
    copy_out_sz(out, ev, sz);
    return KTSNAP_OK;
  });
}

KTSNAP_API void ktsnap_bridge_events_free(ktsnap_bridge_events* events) noexcept {
  delete events;
}

KTSNAP_API ktsnap_status ktsnap_bridge_attach_ring(ktsnap_bridge* bridge, ktsnap_producer* producer,
                                                   int64_t timeout_ns) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_attach_ring";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, bridge);
    if (producer == nullptr) {
      bridge->b.set_publisher(nullptr);
      return KTSNAP_OK;
    }
    // Everything that may throw happens before the producer is taken, so a
    // failure leaves it with the caller.
    auto holder = std::make_shared<std::unique_ptr<ring::Producer>>();
    bridge::PublishFn publish = [holder, timeout_ns](std::span<const uint8_t> bytes) -> Status {
      return (*holder)->publish(bytes, timeout_ns);
    };
    *holder = std::move(producer->p);
    delete producer;
    bridge->b.set_publisher(std::move(publish));
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_bridge_push_thread(ktsnap_bridge* bridge) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_push_thread";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, bridge);
    tl_pushed.reserve(tl_pushed.size() + 1);  // the only allocation: before the swap
    tl_pushed.push_back(bridge::swap_thread_local(bridge->b));
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_bridge_pop_thread(void) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_pop_thread";
  return guard(fn, [&]() -> ktsnap_status {
    if (tl_pushed.empty())
      return fail(KTSNAP_E_NOTFOUND, "ktsnap_bridge_pop_thread: no bridge was pushed on this thread");
    bridge::swap_thread_local(std::move(tl_pushed.back()));
    tl_pushed.pop_back();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_bridge_active(ktsnap_bridge** out) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_active";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    std::optional<bridge::Bridge> b = bridge::active_bridge();
    if (!b) return fail(KTSNAP_E_NOTFOUND, "ktsnap_bridge_active: no bridge is installed on this thread");
    *out = new ktsnap_bridge{std::move(*b)};
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_bridge_thread_capture(bool* captured_out, const char* tag, size_t tag_len,
                                                      int32_t step_index) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_thread_capture";
  return guard(fn, [&]() -> ktsnap_status {
    if (captured_out) *captured_out = false;
    std::string_view t;
    if (ktsnap_status st = read_name(fn, "tag", tag, tag_len, &t); st != KTSNAP_OK) return st;
    std::optional<uint16_t> step;
    if (ktsnap_status st = read_step(fn, step_index, &step); st != KTSNAP_OK) return st;
    auto r = bridge::capture_on_thread(t, step);
    if (!r.ok()) return prefixed(fn, r.error());
    if (captured_out) *captured_out = r.value();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_bridge_thread_watch(const char* symbol, size_t symbol_len) noexcept {
  static constexpr const char* fn = "ktsnap_bridge_thread_watch";
  return guard(fn, [&]() -> ktsnap_status {
    std::string_view s;
    if (ktsnap_status st = read_name(fn, "symbol", symbol, symbol_len, &s); st != KTSNAP_OK) return st;
    Status st = bridge::watch_on_thread(s);
    return st.ok() ? KTSNAP_OK : prefixed(fn, st.error());
  });
}

}  // extern "C"
