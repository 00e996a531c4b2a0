// The bridge through the C ABI: handles, options structs, callbacks with
// user_data, drains, events, the per-thread bridge, ring attachment, and
// hostile tags.
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "capi_test.hpp"

namespace {

using namespace capi_test;

struct BridgeFree {
  void operator()(ktsnap_bridge* b) const { ktsnap_bridge_free(b); }
};
using BridgePtr = std::unique_ptr<ktsnap_bridge, BridgeFree>;
struct ItemsFree {
  void operator()(ktsnap_bridge_items* i) const { ktsnap_bridge_items_free(i); }
};
using ItemsPtr = std::unique_ptr<ktsnap_bridge_items, ItemsFree>;
struct EventsFree {
  void operator()(ktsnap_bridge_events* e) const { ktsnap_bridge_events_free(e); }
};
using EventsPtr = std::unique_ptr<ktsnap_bridge_events, EventsFree>;

ktsnap_report* make_report(const char* tag) {
  ktsnap_builder* b = nullptr;
  if (ktsnap_builder_new(&b, nullptr) != KTSNAP_OK) return nullptr;
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  md.tag = tag;
  ktsnap_report* r = nullptr;
  if (ktsnap_builder_set_metadata(b, &md) == KTSNAP_OK) ktsnap_builder_finish(&r, b);
  ktsnap_builder_free(b);
  return r;
}

BridgePtr new_bridge(const ktsnap_bridge_opts* opts = nullptr) {
  ktsnap_bridge* b = nullptr;
  EXPECT_EQ(ktsnap_bridge_new(&b, opts), KTSNAP_OK) << ktsnap_last_error();
  return BridgePtr(b);
}

ktsnap_status store(ktsnap_bridge* b, const std::string& tag, const ktsnap_bridge_store_opts* opts = nullptr) {
  ReportPtr r(make_report("r"));
  return ktsnap_bridge_store(b, tag.data(), tag.size(), r.get(), opts);
}

std::vector<std::string> drain_tags(ktsnap_bridge* b, uint32_t mode) {
  ktsnap_bridge_items* items = nullptr;
  EXPECT_EQ(ktsnap_bridge_drain(&items, b, mode), KTSNAP_OK);
  ItemsPtr holder(items);
  std::vector<std::string> out;
  for (size_t i = 0; i < ktsnap_bridge_items_count(items); i++) {
    ktsnap_bridge_item it{};
    it.sz = sizeof it;
    EXPECT_EQ(ktsnap_bridge_items_get(&it, items, i), KTSNAP_OK);
    out.emplace_back(it.tag, it.tag_len);
  }
  return out;
}

std::vector<ktsnap_bridge_event> drain_events(ktsnap_bridge* b, EventsPtr& holder) {
  ktsnap_bridge_events* ev = nullptr;
  EXPECT_EQ(ktsnap_bridge_drain_events(&ev, b), KTSNAP_OK);
  holder.reset(ev);
  std::vector<ktsnap_bridge_event> out;
  for (size_t i = 0; i < ktsnap_bridge_events_count(ev); i++) {
    ktsnap_bridge_event e{};
    e.sz = sizeof e;
    EXPECT_EQ(ktsnap_bridge_events_get(&e, ev, i), KTSNAP_OK);
    out.push_back(e);
  }
  return out;
}

TEST(CapiBridge, NullHandlesAndArgs) {
  ktsnap_bridge* b = nullptr;
  EXPECT_FAILS_WITH(ktsnap_bridge_new(nullptr, nullptr), KTSNAP_E_INVALID, "out");
  EXPECT_FAILS_WITH(ktsnap_bridge_clone(&b, nullptr), KTSNAP_E_INVALID, "bridge");
  EXPECT_EQ(b, nullptr);
  EXPECT_FAILS_WITH(ktsnap_bridge_clone(nullptr, nullptr), KTSNAP_E_INVALID, "out");
  ReportPtr r(make_report("x"));
  ASSERT_NE(r, nullptr);
  EXPECT_FAILS_WITH(ktsnap_bridge_store(nullptr, "a", 1, r.get(), nullptr), KTSNAP_E_INVALID, "bridge");
  BridgePtr br = new_bridge();
  EXPECT_FAILS_WITH(ktsnap_bridge_store(br.get(), "a", 1, nullptr, nullptr), KTSNAP_E_INVALID, "report");
  EXPECT_FAILS_WITH(ktsnap_bridge_store(br.get(), nullptr, 3, r.get(), nullptr), KTSNAP_E_INVALID, "tag");
  EXPECT_FAILS_WITH(ktsnap_bridge_store(br.get(), nullptr, 0, r.get(), nullptr), KTSNAP_E_INVALID, "empty");
  EXPECT_FAILS_WITH(ktsnap_bridge_capture(nullptr, nullptr, "a", 1, -1), KTSNAP_E_INVALID, "bridge");
  EXPECT_FAILS_WITH(ktsnap_bridge_register_watch(nullptr, "a", 1), KTSNAP_E_INVALID, "bridge");
  EXPECT_FAILS_WITH(ktsnap_bridge_register_watch(br.get(), nullptr, 1), KTSNAP_E_INVALID, "symbol");
  ktsnap_bridge_items* items = nullptr;
  EXPECT_FAILS_WITH(ktsnap_bridge_drain(&items, nullptr, 0), KTSNAP_E_INVALID, "bridge");
  EXPECT_FAILS_WITH(ktsnap_bridge_drain(nullptr, br.get(), 0), KTSNAP_E_INVALID, "out");
  EXPECT_FAILS_WITH(ktsnap_bridge_drain(&items, br.get(), 3), KTSNAP_E_INVALID, "mode");
  EXPECT_EQ(items, nullptr);
  ktsnap_bridge_events* ev = nullptr;
  EXPECT_FAILS_WITH(ktsnap_bridge_drain_events(&ev, nullptr), KTSNAP_E_INVALID, "bridge");
  EXPECT_FAILS_WITH(ktsnap_bridge_drain_events(nullptr, br.get()), KTSNAP_E_INVALID, "out");
  ktsnap_bridge_item it{};
  it.sz = sizeof it;
  EXPECT_FAILS_WITH(ktsnap_bridge_items_get(&it, nullptr, 0), KTSNAP_E_INVALID, "items");
  EXPECT_FAILS_WITH(ktsnap_bridge_items_get(nullptr, nullptr, 0), KTSNAP_E_INVALID, "out");
  ktsnap_bridge_event e{};
  e.sz = sizeof e;
  EXPECT_FAILS_WITH(ktsnap_bridge_events_get(&e, nullptr, 0), KTSNAP_E_INVALID, "events");
  EXPECT_FAILS_WITH(ktsnap_bridge_attach_ring(nullptr, nullptr, 0), KTSNAP_E_INVALID, "bridge");
  EXPECT_FAILS_WITH(ktsnap_bridge_push_thread(nullptr), KTSNAP_E_INVALID, "bridge");
  EXPECT_FAILS_WITH(ktsnap_bridge_active(nullptr), KTSNAP_E_INVALID, "out");
  EXPECT_FAILS_WITH(ktsnap_bridge_thread_capture(nullptr, nullptr, 2, -1), KTSNAP_E_INVALID, "tag");
  EXPECT_FAILS_WITH(ktsnap_bridge_thread_watch(nullptr, 2), KTSNAP_E_INVALID, "symbol");
  // Getters that cannot fail.
  EXPECT_EQ(ktsnap_bridge_len(nullptr), 0u);
  EXPECT_EQ(ktsnap_bridge_event_count(nullptr), 0u);
  EXPECT_EQ(ktsnap_bridge_watch_count(nullptr), 0u);
  EXPECT_EQ(ktsnap_bridge_periodic_real_count(nullptr), 0u);
  EXPECT_FALSE(ktsnap_bridge_has(nullptr, "a", 1));
  EXPECT_FALSE(ktsnap_bridge_has(br.get(), nullptr, 1));
  EXPECT_FALSE(ktsnap_bridge_same(nullptr, br.get()));
  EXPECT_EQ(ktsnap_bridge_items_count(nullptr), 0u);
  EXPECT_EQ(ktsnap_bridge_events_count(nullptr), 0u);
  ktsnap_bridge_free(nullptr);
  ktsnap_bridge_items_free(nullptr);
  ktsnap_bridge_events_free(nullptr);
}

TEST(CapiBridge, OptsInitMatchesMacros) {
  ktsnap_bridge_opts m = KTSNAP_BRIDGE_OPTS_INIT;
  ktsnap_bridge_opts f;
  std::memset(&f, 0xab, sizeof f);
  ASSERT_OK(ktsnap_bridge_opts_init(&f, sizeof f));
  EXPECT_EQ(std::memcmp(&m, &f, sizeof m), 0);
  ktsnap_bridge_store_opts sm = KTSNAP_BRIDGE_STORE_OPTS_INIT;
  ktsnap_bridge_store_opts sf;
  std::memset(&sf, 0xab, sizeof sf);
  ASSERT_OK(ktsnap_bridge_store_opts_init(&sf, sizeof sf));
  EXPECT_EQ(std::memcmp(&sm, &sf, sizeof sm), 0);
  EXPECT_EQ(sizeof(ktsnap_bridge_opts), size_t(KTSNAP_BRIDGE_OPTS_SIZE_V1));
  EXPECT_EQ(sizeof(ktsnap_bridge_store_opts), size_t(KTSNAP_BRIDGE_STORE_OPTS_SIZE_V1));
  EXPECT_FAILS_WITH(ktsnap_bridge_opts_init(nullptr, sizeof f), KTSNAP_E_INVALID, "opts");
  EXPECT_FAILS_WITH(ktsnap_bridge_opts_init(&f, 3), KTSNAP_E_INVALID, "too small");
  EXPECT_FAILS_WITH(ktsnap_bridge_store_opts_init(&sf, 0), KTSNAP_E_INVALID, "too small");
}

// sz 0, too small, exact, larger with a zero tail, larger with a garbage tail.
TEST(CapiBridge, BridgeOptsSizes) {
  struct Big {
    ktsnap_bridge_opts o;
    uint8_t tail[16];
  } big;
  std::memset(&big, 0, sizeof big);
  big.o.sz = sizeof big;
  ktsnap_bridge* b = nullptr;
  EXPECT_OK(ktsnap_bridge_new(&b, &big.o));
  ktsnap_bridge_free(b);
  big.tail[7] = 1;
  EXPECT_FAILS_WITH(ktsnap_bridge_new(&b, &big.o), KTSNAP_E_INVALID, "non-zero");
  EXPECT_EQ(b, nullptr);
  ktsnap_bridge_opts o = KTSNAP_BRIDGE_OPTS_INIT;
  o.sz = 0;
  EXPECT_FAILS_WITH(ktsnap_bridge_new(&b, &o), KTSNAP_E_INVALID, "too small");
  o.sz = 4;
  EXPECT_FAILS_WITH(ktsnap_bridge_new(&b, &o), KTSNAP_E_INVALID, "too small");
  o.sz = sizeof o;
  EXPECT_OK(ktsnap_bridge_new(&b, &o));
  ktsnap_bridge_free(b);
  // A caller that knows only sz and capture: the other fields are ignored.
  o.sz = offsetof(ktsnap_bridge_opts, capture_user_data);
  o.watch = reinterpret_cast<ktsnap_bridge_watch_fn>(0x1);  // outside sz: never read
  EXPECT_OK(ktsnap_bridge_new(&b, &o));
  EXPECT_FAILS_WITH(ktsnap_bridge_register_watch(b, "s", 1), KTSNAP_E_UNSUPPORTED, "callback");
  ktsnap_bridge_free(b);
}

TEST(CapiBridge, StoreOptsSizesAndMetadata) {
  BridgePtr b = new_bridge();
  struct Big {
    ktsnap_bridge_store_opts o;
    uint8_t tail[8];
  } big;
  std::memset(&big, 0, sizeof big);
  big.o.sz = sizeof big;
  big.o.flags = KTSNAP_BRIDGE_HAS_STEP;
  big.o.step_index = 7;
  EXPECT_OK(store(b.get(), "big", &big.o));
  big.tail[0] = 0xff;
  EXPECT_FAILS_WITH(store(b.get(), "big2", &big.o), KTSNAP_E_INVALID, "non-zero");
  ktsnap_bridge_store_opts o = KTSNAP_BRIDGE_STORE_OPTS_INIT;
  o.sz = 0;
  EXPECT_FAILS_WITH(store(b.get(), "x", &o), KTSNAP_E_INVALID, "too small");
  o.sz = 7;
  EXPECT_FAILS_WITH(store(b.get(), "x", &o), KTSNAP_E_INVALID, "too small");
  o.sz = sizeof o;
  o.flags = 0x100;
  EXPECT_FAILS_WITH(store(b.get(), "x", &o), KTSNAP_E_INVALID, "flags");
  o.flags = KTSNAP_BRIDGE_HAS_STATS;  // output-only bit
  EXPECT_FAILS_WITH(store(b.get(), "x", &o), KTSNAP_E_INVALID, "flags");
  o.flags = 0;
  o.reserved[1] = 1;
  EXPECT_FAILS_WITH(store(b.get(), "x", &o), KTSNAP_E_INVALID, "reserved");
  o.reserved[1] = 0;
  o.stats_json_len = 3;
  EXPECT_FAILS_WITH(store(b.get(), "x", &o), KTSNAP_E_INVALID, "stats_json");
  EXPECT_EQ(ktsnap_bridge_len(b.get()), 1u);  // nothing stored by the failures

  static const char stats[] = "{\"n\":1}\0tail";
  o.stats_json = stats;
  o.stats_json_len = sizeof stats - 1;  // embedded NUL is kept
  o.flags = KTSNAP_BRIDGE_HAS_ELAPSED | KTSNAP_BRIDGE_HAS_BOUNDARY | KTSNAP_BRIDGE_HAS_STEP;
  o.elapsed_ms = 11;
  o.boundary_offset_ms = 22;
  o.step_index = 3;
  EXPECT_OK(store(b.get(), "full", &o));
  // A caller that knows only up to stats_json_len: no flags, no step.
  ktsnap_bridge_store_opts small = o;
  small.sz = offsetof(ktsnap_bridge_store_opts, elapsed_ms);
  EXPECT_OK(store(b.get(), "small", &small));

  ktsnap_bridge_items* items = nullptr;
  ASSERT_OK(ktsnap_bridge_drain(&items, b.get(), KTSNAP_BRIDGE_DRAIN_WITH_STATS));
  ItemsPtr holder(items);
  ASSERT_EQ(ktsnap_bridge_items_count(items), 3u);
  ktsnap_bridge_item it{};
  it.sz = sizeof it;
  ASSERT_OK(ktsnap_bridge_items_get(&it, items, 0));
  EXPECT_EQ(std::string(it.tag, it.tag_len), "big");
  EXPECT_EQ(it.flags, KTSNAP_BRIDGE_HAS_STEP);
  EXPECT_EQ(it.step_index, 7u);
  EXPECT_EQ(it.stats_json, nullptr);
  ASSERT_OK(ktsnap_bridge_items_get(&it, items, 1));
  EXPECT_EQ(std::string(it.tag, it.tag_len), "full");
  EXPECT_EQ(it.flags,
            KTSNAP_BRIDGE_HAS_ELAPSED | KTSNAP_BRIDGE_HAS_BOUNDARY | KTSNAP_BRIDGE_HAS_STEP | KTSNAP_BRIDGE_HAS_STATS);
  EXPECT_EQ(std::string(it.stats_json, it.stats_json_len), std::string(stats, sizeof stats - 1));
  EXPECT_EQ(it.elapsed_ms, 11u);
  EXPECT_EQ(it.boundary_offset_ms, 22u);
  EXPECT_EQ(it.step_index, 3u);
  ASSERT_NE(it.report, nullptr);
  size_t n = 0;
  EXPECT_NE(ktsnap_report_bytes(it.report, &n), nullptr);
  EXPECT_GT(n, 0u);
  ASSERT_OK(ktsnap_bridge_items_get(&it, items, 2));
  EXPECT_EQ(it.flags, KTSNAP_BRIDGE_HAS_STATS);
  EXPECT_FAILS_WITH(ktsnap_bridge_items_get(&it, items, 3), KTSNAP_E_RANGE, "3");
  // An output struct from an older caller: only its sz bytes are written.
  struct {
    ktsnap_bridge_item it;
    uint8_t guard[8];
  } partial;
  std::memset(&partial, 0xcc, sizeof partial);
  partial.it.sz = offsetof(ktsnap_bridge_item, tag);
  ASSERT_OK(ktsnap_bridge_items_get(&partial.it, items, 1));
  EXPECT_NE(partial.it.report, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(partial.it.tag), uintptr_t(0xccccccccccccccccull));
  partial.it.sz = 0;
  EXPECT_FAILS_WITH(ktsnap_bridge_items_get(&partial.it, items, 0), KTSNAP_E_INVALID, "sz");
}

TEST(CapiBridge, StoreCopiesTheReport) {
  BridgePtr b = new_bridge();
  ktsnap_report* r = make_report("copy-me");
  ASSERT_OK(ktsnap_bridge_store(b.get(), "c", 1, r, nullptr));
  ktsnap_report_free(r);  // the caller's handle is theirs
  ktsnap_bridge_items* items = nullptr;
  ASSERT_OK(ktsnap_bridge_drain(&items, b.get(), KTSNAP_BRIDGE_DRAIN_ORDERED));
  ItemsPtr holder(items);
  ktsnap_bridge_item it{};
  it.sz = sizeof it;
  ASSERT_OK(ktsnap_bridge_items_get(&it, items, 0));
  EXPECT_STREQ(ktsnap_report_tag(it.report), "copy-me");
}

TEST(CapiBridge, CapEvictionAndOverwriteEvents) {
  BridgePtr b = new_bridge();
  for (unsigned i = 0; i < KTSNAP_BRIDGE_MAX_REPORTS; i++) ASSERT_OK(store(b.get(), "t" + std::to_string(i)));
  ASSERT_OK(store(b.get(), "t0"));   // overwrite: t0 moves to the back
  ASSERT_OK(store(b.get(), "new"));  // evicts t1
  EXPECT_EQ(ktsnap_bridge_len(b.get()), size_t(KTSNAP_BRIDGE_MAX_REPORTS));
  EXPECT_TRUE(ktsnap_bridge_has(b.get(), "t0", 2));
  EXPECT_FALSE(ktsnap_bridge_has(b.get(), "t1", 2));
  EventsPtr h;
  auto ev = drain_events(b.get(), h);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, KTSNAP_BRIDGE_EVENT_OVERWRITE);
  EXPECT_EQ(std::string(ev[0].tag, ev[0].tag_len), "t0");
  EXPECT_STREQ(ev[0].detail, "1.0");
  EXPECT_EQ(ev[1].kind, KTSNAP_BRIDGE_EVENT_EVICTION);
  EXPECT_STREQ(ev[1].tag, "t1");
  EXPECT_STREQ(ev[1].detail, "new");
  EXPECT_EQ(ev[1].cap, uint64_t(KTSNAP_BRIDGE_MAX_REPORTS));
  auto tags = drain_tags(b.get(), KTSNAP_BRIDGE_DRAIN_ORDERED);
  ASSERT_EQ(tags.size(), size_t(KTSNAP_BRIDGE_MAX_REPORTS));
  EXPECT_EQ(tags[0], "t2");
  EXPECT_EQ(tags[tags.size() - 2], "t0");
  EXPECT_EQ(tags.back(), "new");
  EXPECT_EQ(ktsnap_bridge_len(b.get()), 0u);
}

struct CaptureCtx {
  std::atomic<int> calls{0};
  std::string last_tag;
  bool last_nul_terminated = false;
};

ktsnap_report* capture_cb(const char* tag, size_t len, void* user_data) {
  auto* ctx = static_cast<CaptureCtx*>(user_data);
  ctx->calls++;
  ctx->last_tag.assign(tag, len);
  ctx->last_nul_terminated = tag[len] == '\0';
  if (ctx->last_tag == "none") return nullptr;
  return make_report(ctx->last_tag.c_str());
}

TEST(CapiBridge, CaptureCallbackWithUserData) {
  CaptureCtx ctx;
  ktsnap_bridge_opts o = KTSNAP_BRIDGE_OPTS_INIT;
  o.capture = capture_cb;
  o.capture_user_data = &ctx;
  BridgePtr b = new_bridge(&o);
  bool captured = false;
  ASSERT_OK(ktsnap_bridge_capture(&captured, b.get(), "snap", 4, 5));
  EXPECT_TRUE(captured);
  EXPECT_EQ(ctx.last_tag, "snap");
  EXPECT_TRUE(ctx.last_nul_terminated);
  ASSERT_OK(ktsnap_bridge_capture(&captured, b.get(), "none", 4, -1));
  EXPECT_FALSE(captured);
  ASSERT_OK(ktsnap_bridge_capture(nullptr, b.get(), "n2", 2, -1));
  EXPECT_FAILS_WITH(ktsnap_bridge_capture(&captured, b.get(), "x", 1, 70000), KTSNAP_E_INVALID, "step_index");
  EXPECT_EQ(ctx.calls.load(), 3);
  EventsPtr h;
  auto ev = drain_events(b.get(), h);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, KTSNAP_BRIDGE_EVENT_CAPTURE_UNAVAILABLE);
  EXPECT_STREQ(ev[0].tag, "none");
  ktsnap_bridge_items* items = nullptr;
  ASSERT_OK(ktsnap_bridge_drain(&items, b.get(), KTSNAP_BRIDGE_DRAIN_WITH_STATS));
  ItemsPtr holder(items);
  ASSERT_EQ(ktsnap_bridge_items_count(items), 2u);
  ktsnap_bridge_item it{};
  it.sz = sizeof it;
  ASSERT_OK(ktsnap_bridge_items_get(&it, items, 0));
  EXPECT_EQ(it.flags, KTSNAP_BRIDGE_HAS_STEP);
  EXPECT_EQ(it.step_index, 5u);
  EXPECT_STREQ(ktsnap_report_tag(it.report), "snap");
  ASSERT_OK(ktsnap_bridge_items_get(&it, items, 1));
  EXPECT_EQ(it.flags, 0u);
}

TEST(CapiBridge, EventLogTruncationMarker) {
  BridgePtr b = new_bridge();  // no capture callback
  for (unsigned i = 0; i < KTSNAP_BRIDGE_MAX_EVENTS + 3; i++) {
    std::string t = "c" + std::to_string(i);
    ASSERT_OK(ktsnap_bridge_capture(nullptr, b.get(), t.data(), t.size(), -1));
  }
  EXPECT_EQ(ktsnap_bridge_event_count(b.get()), size_t(KTSNAP_BRIDGE_MAX_EVENTS));
  EventsPtr h;
  auto ev = drain_events(b.get(), h);
  ASSERT_EQ(ev.size(), size_t(KTSNAP_BRIDGE_MAX_EVENTS) + 1);
  EXPECT_STREQ(ev[0].tag, "c3");
  EXPECT_EQ(ev.back().kind, KTSNAP_BRIDGE_EVENT_LOG_TRUNCATED);
  EXPECT_EQ(ev.back().count, 3u);
  EXPECT_STREQ(ev.back().tag, "");
  ktsnap_bridge_event e{};
  e.sz = sizeof e;
  EXPECT_FAILS_WITH(ktsnap_bridge_events_get(&e, h.get(), ev.size()), KTSNAP_E_RANGE, "past");
  e.sz = 0;
  EXPECT_FAILS_WITH(ktsnap_bridge_events_get(&e, h.get(), 0), KTSNAP_E_INVALID, "sz");
  EXPECT_TRUE(drain_events(b.get(), h).empty());
}

struct WatchCtx {
  std::atomic<int> calls{0};
  std::atomic<bool> refuse{false};
};

ktsnap_status watch_cb(const char* symbol, size_t len, char* err, size_t err_size, void* user_data) {
  auto* ctx = static_cast<WatchCtx*>(user_data);
  ctx->calls++;
  if (ctx->refuse.load() || std::string(symbol, len) == "missing") {
    std::snprintf(err, err_size, "symbol %s not in kallsyms", symbol);
    return KTSNAP_E_NOTFOUND;
  }
  if (std::string(symbol, len) == "quiet") return KTSNAP_E_IO;  // no reason given
  return KTSNAP_OK;
}

TEST(CapiBridge, WatchCapAndCallbackErrors) {
  WatchCtx ctx;
  ktsnap_bridge_opts o = KTSNAP_BRIDGE_OPTS_INIT;
  o.watch = watch_cb;
  o.watch_user_data = &ctx;
  BridgePtr b = new_bridge(&o);
  EXPECT_FAILS_WITH(ktsnap_bridge_register_watch(b.get(), "missing", 7), KTSNAP_E_NOTFOUND, "not in kallsyms");
  EXPECT_FAILS_WITH(ktsnap_bridge_register_watch(b.get(), "quiet", 5), KTSNAP_E_IO, "returned");
  EXPECT_EQ(ktsnap_bridge_watch_count(b.get()), 0u);
  for (int i = 0; i < 3; i++) ASSERT_OK(ktsnap_bridge_register_watch(b.get(), "ok", 2));
  EXPECT_EQ(ktsnap_bridge_watch_count(b.get()), 3u);
  int calls = ctx.calls.load();
  EXPECT_FAILS_WITH(ktsnap_bridge_register_watch(b.get(), "ok", 2), KTSNAP_E_BUSY, "3");
  EXPECT_EQ(ctx.calls.load(), calls);
  BridgePtr none = new_bridge();
  EXPECT_FAILS_WITH(ktsnap_bridge_register_watch(none.get(), "s", 1), KTSNAP_E_UNSUPPORTED, "callback");
  EXPECT_EQ(ktsnap_bridge_watch_count(none.get()), 0u);
}

TEST(CapiBridge, WatchCapFromManyThreads) {
  WatchCtx ctx;
  ktsnap_bridge_opts o = KTSNAP_BRIDGE_OPTS_INIT;
  o.watch = watch_cb;
  o.watch_user_data = &ctx;
  BridgePtr b = new_bridge(&o);
  ctx.refuse = true;
  std::vector<std::thread> threads;
  std::atomic<uint32_t> max_seen{0};
  for (int t = 0; t < 8; t++)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; i++) {
        EXPECT_NE(ktsnap_bridge_register_watch(b.get(), "w", 1), KTSNAP_OK);
        uint32_t n = ktsnap_bridge_watch_count(b.get());
        uint32_t m = max_seen.load();
        while (n > m && !max_seen.compare_exchange_weak(m, n)) {
        }
      }
    });
  for (auto& th : threads) th.join();
  threads.clear();
  EXPECT_EQ(ktsnap_bridge_watch_count(b.get()), 0u);  // every failed slot came back
  ctx.refuse = false;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; t++)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; i++) {
        if (ktsnap_bridge_register_watch(b.get(), "w", 1) == KTSNAP_OK) ok++;
        uint32_t n = ktsnap_bridge_watch_count(b.get());
        uint32_t m = max_seen.load();
        while (n > m && !max_seen.compare_exchange_weak(m, n)) {
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_LE(max_seen.load(), 3u);
  EXPECT_EQ(ktsnap_bridge_watch_count(b.get()), 3u);
}

TEST(CapiBridge, HostileTags) {
  BridgePtr b = new_bridge();
  ASSERT_OK(store(b.get(), "keep"));
  std::string huge(1 << 20, 'h');
  EXPECT_FAILS_WITH(store(b.get(), ""), KTSNAP_E_INVALID, "empty");
  EXPECT_FAILS_WITH(store(b.get(), huge), KTSNAP_E_RANGE, "4096");
  EXPECT_LT(last_error().size(), 500u);
  EXPECT_FAILS_WITH(store(b.get(), std::string("a\0b", 3)), KTSNAP_E_INVALID, "NUL");
  EXPECT_FAILS_WITH(store(b.get(), "\xff\xfe\xfd"), KTSNAP_E_INVALID, "UTF-8");
  EXPECT_FAILS_WITH(ktsnap_bridge_capture(nullptr, b.get(), huge.data(), huge.size(), -1), KTSNAP_E_RANGE, "4096");
  EXPECT_FAILS_WITH(ktsnap_bridge_register_watch(b.get(), "\xc3", 1), KTSNAP_E_INVALID, "UTF-8");
  EXPECT_FAILS_WITH(ktsnap_bridge_register_watch(b.get(), "", 0), KTSNAP_E_INVALID, "empty");
  EXPECT_FALSE(ktsnap_bridge_has(b.get(), huge.data(), huge.size()));
  EXPECT_FALSE(ktsnap_bridge_has(b.get(), "keep\0x", 6));
  EXPECT_TRUE(ktsnap_bridge_has(b.get(), "keep\0x", 4));  // the length is what counts
  // Nothing stored was lost, no event was produced.
  EXPECT_EQ(ktsnap_bridge_len(b.get()), 1u);
  EXPECT_EQ(ktsnap_bridge_event_count(b.get()), 0u);
  ASSERT_OK(store(b.get(), "\xe2\x9c\x93 ok"));
  EXPECT_EQ(ktsnap_bridge_len(b.get()), 2u);
}

TEST(CapiBridge, CloneSharesState) {
  BridgePtr a = new_bridge();
  ktsnap_bridge* c = nullptr;
  ASSERT_OK(ktsnap_bridge_clone(&c, a.get()));
  BridgePtr cp(c);
  EXPECT_TRUE(ktsnap_bridge_same(a.get(), cp.get()));
  ASSERT_OK(store(a.get(), "shared"));
  a.reset();  // the state lives on in the clone
  EXPECT_TRUE(ktsnap_bridge_has(cp.get(), "shared", 6));
  BridgePtr other = new_bridge();
  EXPECT_FALSE(ktsnap_bridge_same(other.get(), cp.get()));
}

TEST(CapiBridge, PeriodicAndUnorderedDrain) {
  BridgePtr b = new_bridge();
  for (const char* t : {"periodic_000", "periodic_001", "periodic_1000", "Periodic_002"}) ASSERT_OK(store(b.get(), t));
  EXPECT_EQ(ktsnap_bridge_periodic_real_count(b.get()), 2u);
  auto tags = drain_tags(b.get(), KTSNAP_BRIDGE_DRAIN_UNORDERED);
  EXPECT_EQ(tags.size(), 4u);
  EXPECT_EQ(ktsnap_bridge_len(b.get()), 0u);
}

TEST(CapiBridge, NoBridgeOnThread) {
  // A fresh thread: nothing installed.
  std::thread([] {
    ktsnap_bridge* b = nullptr;
    EXPECT_FAILS_WITH(ktsnap_bridge_active(&b), KTSNAP_E_NOTFOUND, "no bridge");
    EXPECT_EQ(b, nullptr);
    bool captured = true;
    EXPECT_FAILS_WITH(ktsnap_bridge_thread_capture(&captured, "snap", 4, -1), KTSNAP_E_UNSUPPORTED, "no bridge");
    EXPECT_FALSE(captured);
    EXPECT_TRUE(contains(last_error(), "'snap'"));
    EXPECT_FAILS_WITH(ktsnap_bridge_thread_watch("sym", 3), KTSNAP_E_UNSUPPORTED, "no bridge");
    EXPECT_FAILS_WITH(ktsnap_bridge_pop_thread(), KTSNAP_E_NOTFOUND, "pushed");
    // A bad tag is reported as such, bridge or not.
    EXPECT_FAILS_WITH(ktsnap_bridge_thread_capture(nullptr, "", 0, -1), KTSNAP_E_INVALID, "empty");
  }).join();
}

TEST(CapiBridge, PushPopNestsAndRestores) {
  std::thread([] {
    CaptureCtx ctx;
    ktsnap_bridge_opts o = KTSNAP_BRIDGE_OPTS_INIT;
    o.capture = capture_cb;
    o.capture_user_data = &ctx;
    BridgePtr outer = new_bridge(&o);
    BridgePtr inner = new_bridge();
    ASSERT_OK(ktsnap_bridge_push_thread(outer.get()));
    ASSERT_OK(ktsnap_bridge_push_thread(inner.get()));
    inner.reset();  // the thread slot holds its own reference
    ktsnap_bridge* act = nullptr;
    ASSERT_OK(ktsnap_bridge_active(&act));
    BridgePtr active(act);
    EXPECT_FALSE(ktsnap_bridge_same(active.get(), outer.get()));
    bool captured = true;
    ASSERT_OK(ktsnap_bridge_thread_capture(&captured, "in", 2, -1));
    EXPECT_FALSE(captured);  // inner has no callback
    EXPECT_EQ(ktsnap_bridge_event_count(active.get()), 1u);
    EXPECT_FAILS_WITH(ktsnap_bridge_thread_watch("sym", 3), KTSNAP_E_UNSUPPORTED, "'sym'");
    ASSERT_OK(ktsnap_bridge_pop_thread());
    ASSERT_OK(ktsnap_bridge_active(&act));
    EXPECT_TRUE(ktsnap_bridge_same(act, outer.get()));
    ktsnap_bridge_free(act);
    ASSERT_OK(ktsnap_bridge_thread_capture(&captured, "out", 3, 1));
    EXPECT_TRUE(captured);
    EXPECT_TRUE(ktsnap_bridge_has(outer.get(), "out", 3));
    ASSERT_OK(ktsnap_bridge_pop_thread());
    EXPECT_FAILS_WITH(ktsnap_bridge_active(&act), KTSNAP_E_NOTFOUND, "no bridge");
    EXPECT_FAILS_WITH(ktsnap_bridge_pop_thread(), KTSNAP_E_NOTFOUND, "pushed");
    // A thread that exits with bridges still pushed releases them.
    ASSERT_OK(ktsnap_bridge_push_thread(outer.get()));
    ASSERT_OK(ktsnap_bridge_push_thread(outer.get()));
  }).join();
}

std::string ring_name(const char* what) {
  static std::atomic<int> counter{0};
  return "ktsnap-test-" + std::to_string(getpid()) + "-bridge-" + what + "-" + std::to_string(counter++);
}

TEST(CapiBridge, AttachedRingDeliversStoredReports) {
  std::string name = ring_name("deliver");
  ktsnap_ring_unlink(name.c_str());
  ktsnap_ring* ring = nullptr;
  ASSERT_OK(ktsnap_ring_create(&ring, name.c_str(), nullptr));
  ktsnap_consumer* cons = nullptr;
  ASSERT_OK(ktsnap_consumer_open(&cons, ring, nullptr));
  ktsnap_producer* prod = nullptr;
  ASSERT_OK(ktsnap_producer_open(&prod, ring));

  CaptureCtx ctx;
  ktsnap_bridge_opts o = KTSNAP_BRIDGE_OPTS_INIT;
  o.capture = capture_cb;
  o.capture_user_data = &ctx;
  BridgePtr b = new_bridge(&o);
  ASSERT_OK(ktsnap_bridge_attach_ring(b.get(), prod, 0));  // the bridge owns prod now
  ReportPtr r(make_report("stored"));
  ASSERT_OK(ktsnap_bridge_store(b.get(), "stored", 6, r.get(), nullptr));
  ASSERT_OK(ktsnap_bridge_capture(nullptr, b.get(), "captured", 8, -1));
  ASSERT_OK(ktsnap_bridge_capture(nullptr, b.get(), "none", 4, -1));  // nothing to publish

  std::vector<std::string> got;
  for (int i = 0; i < 2; i++) {
    ktsnap_report* rep = nullptr;
    ASSERT_OK(ktsnap_consumer_next(&rep, cons, 1000000000));
    got.emplace_back(ktsnap_report_tag(rep));
    ktsnap_report_free(rep);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"stored", "captured"}));
  ktsnap_report* rep = nullptr;
  EXPECT_EQ(ktsnap_consumer_next(&rep, cons, 0), KTSNAP_E_AGAIN);
  EXPECT_EQ(ktsnap_bridge_len(b.get()), 2u);

  // Detaching releases the producer: another one can take the ring.
  ASSERT_OK(ktsnap_bridge_attach_ring(b.get(), nullptr, 0));
  ASSERT_OK(store(b.get(), "after"));
  EXPECT_EQ(ktsnap_consumer_next(&rep, cons, 0), KTSNAP_E_AGAIN);
  ktsnap_producer* p2 = nullptr;
  ASSERT_OK(ktsnap_producer_open(&p2, ring));
  ktsnap_producer_free(p2);

  ktsnap_consumer_free(cons);
  ktsnap_ring_free(ring);
  ktsnap_ring_unlink(name.c_str());
}

TEST(CapiBridge, PublishFailuresBecomeEvents) {
  std::string name = ring_name("full");
  ktsnap_ring_unlink(name.c_str());
  ktsnap_ring_opts ro = KTSNAP_RING_OPTS_INIT;
  ro.size_bytes = 64;  // smaller than any report
  ro.policy = KTSNAP_RING_POLICY_DROP;
  ktsnap_ring* ring = nullptr;
  ASSERT_OK(ktsnap_ring_create(&ring, name.c_str(), &ro));
  ktsnap_producer* prod = nullptr;
  ASSERT_OK(ktsnap_producer_open(&prod, ring));
  BridgePtr b = new_bridge();
  ASSERT_OK(ktsnap_bridge_attach_ring(b.get(), prod, 0));
  ASSERT_OK(store(b.get(), "too-big"));  // the store succeeds
  EXPECT_TRUE(ktsnap_bridge_has(b.get(), "too-big", 7));
  EventsPtr h;
  auto ev = drain_events(b.get(), h);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, KTSNAP_BRIDGE_EVENT_PUBLISH_FAILED);
  EXPECT_STREQ(ev[0].tag, "too-big");
  EXPECT_EQ(ev[0].status, KTSNAP_E_RANGE);
  EXPECT_GT(ev[0].detail_len, 0u);
  b.reset();  // releases the producer with the last reference
  ktsnap_ring_free(ring);
  ktsnap_ring_unlink(name.c_str());
}

}  // namespace
