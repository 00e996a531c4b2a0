// The snapshot bridge (spec wire.md §1): store, eviction, overwrite, the
// event log, capture, watches, drains, the per-thread bridge.
#include "bridge/bridge.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "report/builder.hpp"

namespace ktsnap::bridge {
namespace {

ReportPtr make_report(const std::string& tag, bool placeholder = false) {
  ReportBuilder b;
  ReportMetadata md;
  md.tag = tag;
  md.placeholder = placeholder;
  if (placeholder) md.placeholder_reason = "test";
  b.set_metadata(md);
  auto buf = b.finish_buffer();
  EXPECT_TRUE(buf.ok());
  auto r = Report::open_buffer(buf.value());
  EXPECT_TRUE(r.ok());
  return ReportPtr(std::move(r).value());
}

std::vector<std::string> tags_of(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.tag);
  return out;
}

std::string tag_n(size_t i) {
  return "t" + std::to_string(i);
}

TEST(Bridge, StoreAndQuery) {
  Bridge b;
  EXPECT_TRUE(b.empty());
  ASSERT_TRUE(b.store("a", make_report("a")).ok());
  EXPECT_EQ(b.size(), 1u);
  EXPECT_TRUE(b.has("a"));
  EXPECT_FALSE(b.has("b"));
  EXPECT_EQ(b.event_count(), 0u);
}

TEST(Bridge, CopiesShareState) {
  Bridge a;
  Bridge c = a;
  ASSERT_TRUE(a.store("x", make_report("x")).ok());
  EXPECT_TRUE(c.has("x"));
  EXPECT_TRUE(c.same_as(a));
  EXPECT_FALSE(Bridge().same_as(a));
}

TEST(Bridge, CapEvictsOldestWithEvents) {
  Bridge b;
  for (size_t i = 0; i < kMaxStoredSnapshots; i++) ASSERT_TRUE(b.store(tag_n(i), make_report(tag_n(i))).ok());
  EXPECT_EQ(b.size(), kMaxStoredSnapshots);
  EXPECT_EQ(b.event_count(), 0u);
  ASSERT_TRUE(b.store("new1", make_report("new1")).ok());
  ASSERT_TRUE(b.store("new2", make_report("new2")).ok());
  EXPECT_EQ(b.size(), kMaxStoredSnapshots);
  EXPECT_FALSE(b.has("t0"));
  EXPECT_FALSE(b.has("t1"));
  EXPECT_TRUE(b.has("t2"));
  auto ev = b.drain_events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, EventKind::Eviction);
  EXPECT_EQ(ev[0].tag, "t0");
  EXPECT_EQ(ev[0].detail, "new1");
  EXPECT_EQ(ev[0].cap, kMaxStoredSnapshots);
  EXPECT_EQ(ev[1].tag, "t1");
  EXPECT_EQ(ev[1].detail, "new2");
  auto items = b.drain_ordered();
  ASSERT_EQ(items.size(), kMaxStoredSnapshots);
  EXPECT_EQ(items.front().tag, "t2");
  EXPECT_EQ(items[kMaxStoredSnapshots - 2].tag, "new1");
  EXPECT_EQ(items.back().tag, "new2");
}

TEST(Bridge, OverwriteMovesToBackAndReplacesMetadata) {
  Bridge b;
  StoreMetadata full;
  full.stats_json = "{\"a\":1}";
  full.elapsed_ms = 10;
  full.boundary_offset_ms = 20;
  full.step_index = 3;
  ASSERT_TRUE(b.store("a", make_report("a"), full).ok());
  ASSERT_TRUE(b.store("b", make_report("b")).ok());
  StoreMetadata partial;
  partial.elapsed_ms = 99;
  ReportPtr second = make_report("a2");
  ASSERT_TRUE(b.store("a", second, partial).ok());
  EXPECT_EQ(b.size(), 2u);
  auto ev = b.drain_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, EventKind::Overwrite);
  EXPECT_EQ(ev[0].tag, "a");
  EXPECT_EQ(ev[0].detail, "1.0");
  auto items = b.drain_ordered_with_stats();
  ASSERT_EQ(tags_of(items), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(items[1].report, second);
  EXPECT_FALSE(items[1].meta.stats_json.has_value());
  EXPECT_EQ(items[1].meta.elapsed_ms, std::optional<uint64_t>(99));
  EXPECT_FALSE(items[1].meta.boundary_offset_ms.has_value());
  EXPECT_FALSE(items[1].meta.step_index.has_value());
}

TEST(Bridge, OverwriteAtCapNeverEvicts) {
  Bridge b;
  for (size_t i = 0; i < kMaxStoredSnapshots; i++) ASSERT_TRUE(b.store(tag_n(i), make_report(tag_n(i))).ok());
  ASSERT_TRUE(b.store("t0", make_report("t0")).ok());
  EXPECT_EQ(b.size(), kMaxStoredSnapshots);
  auto ev = b.drain_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, EventKind::Overwrite);
  // t0 is now the newest: the next new tag evicts t1.
  ASSERT_TRUE(b.store("n", make_report("n")).ok());
  EXPECT_TRUE(b.has("t0"));
  EXPECT_FALSE(b.has("t1"));
}

TEST(Bridge, EventLogCapAndTruncationMarker) {
  Bridge b;  // no capture callback: every capture is "unavailable"
  const size_t extra = 5;
  for (size_t i = 0; i < kMaxStoredEvents + extra; i++) {
    auto r = b.capture(tag_n(i));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r.value());
  }
  EXPECT_EQ(b.event_count(), kMaxStoredEvents);
  auto ev = b.drain_events();
  ASSERT_EQ(ev.size(), kMaxStoredEvents + 1);
  EXPECT_EQ(ev.front().kind, EventKind::CaptureUnavailable);
  EXPECT_EQ(ev.front().tag, tag_n(extra));  // the oldest were dropped
  EXPECT_EQ(ev[kMaxStoredEvents - 1].tag, tag_n(kMaxStoredEvents + extra - 1));
  EXPECT_EQ(ev.back().kind, EventKind::EventLogTruncated);
  EXPECT_EQ(ev.back().count, extra);
  // The counter was reset: the next drain has no marker.
  EXPECT_EQ(b.event_count(), 0u);
  EXPECT_TRUE(b.drain_events().empty());
  ASSERT_TRUE(b.capture("once").ok());
  ev = b.drain_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, EventKind::CaptureUnavailable);
}

TEST(Bridge, CaptureStoresWithStepOnly) {
  std::atomic<int> calls{0};
  Bridge b([&](std::string_view tag) -> ReportPtr {
    calls++;
    if (tag == "none") return nullptr;
    return make_report(std::string(tag));
  });
  auto r = b.capture("s1", uint16_t(2));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value());
  auto n = b.capture("none");
  ASSERT_TRUE(n.ok());
  EXPECT_FALSE(n.value());
  EXPECT_EQ(calls.load(), 2);
  auto items = b.drain_ordered_with_stats();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].meta.step_index, std::optional<uint16_t>(2));
  EXPECT_FALSE(items[0].meta.stats_json.has_value());
  EXPECT_FALSE(items[0].meta.elapsed_ms.has_value());
  auto ev = b.drain_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, EventKind::CaptureUnavailable);
  EXPECT_EQ(ev[0].tag, "none");
}

TEST(Bridge, CaptureCallbackRunsOutsideTheLock) {
  Bridge* self = nullptr;
  Bridge b([&](std::string_view) -> ReportPtr {
    // Re-entering the bridge from the callback must not deadlock.
    EXPECT_EQ(self->size(), 1u);
    EXPECT_TRUE(self->store("inner", make_report("inner")).ok());
    return make_report("outer");
  });
  self = &b;
  ASSERT_TRUE(b.store("first", make_report("first")).ok());
  auto r = b.capture("outer");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value());
  EXPECT_EQ(tags_of(b.drain_ordered()), (std::vector<std::string>{"first", "inner", "outer"}));
}

TEST(Bridge, DrainsOrderAndContent) {
  Bridge b;
  for (int i = 0; i < 5; i++) {
    char t[16];
    std::snprintf(t, sizeof t, "periodic_%03d", i);
    StoreMetadata m;
    m.elapsed_ms = uint64_t(i) * 100;
    if (i % 2 == 0) m.stats_json = "{}";
    ASSERT_TRUE(b.store(t, make_report(t), m).ok());
  }
  auto items = b.drain_ordered_with_stats();
  ASSERT_EQ(items.size(), 5u);
  for (int i = 0; i < 5; i++) {
    char t[16];
    std::snprintf(t, sizeof t, "periodic_%03d", i);
    EXPECT_EQ(items[i].tag, t);
    EXPECT_EQ(items[i].report->tag(), t);
    EXPECT_EQ(items[i].meta.elapsed_ms, std::optional<uint64_t>(uint64_t(i) * 100));
    EXPECT_EQ(items[i].meta.stats_json.has_value(), i % 2 == 0);
  }
  EXPECT_TRUE(b.empty());

  // drain_ordered and drain drop the metadata and empty the store.
  StoreMetadata m;
  m.step_index = 1;
  ASSERT_TRUE(b.store("x", make_report("x"), m).ok());
  ASSERT_TRUE(b.store("y", make_report("y"), m).ok());
  items = b.drain_ordered();
  EXPECT_EQ(tags_of(items), (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(items[0].meta.step_index.has_value());
  ASSERT_TRUE(b.store("x", make_report("x"), m).ok());
  ASSERT_TRUE(b.store("y", make_report("y"), m).ok());
  items = b.drain();
  EXPECT_EQ(items.size(), 2u);
  EXPECT_TRUE(b.empty());
  // A re-stored tag after a drain is new again: no Overwrite event.
  ASSERT_TRUE(b.store("x", make_report("x")).ok());
  EXPECT_EQ(b.event_count(), 0u);
  // Events are independent of report drains.
  EXPECT_TRUE(b.drain_ordered().size() == 1 && b.drain_events().empty());
}

TEST(Bridge, DrainRepairsLostOrder) {
  Bridge b;
  ASSERT_TRUE(b.store("a", make_report("a")).ok());
  ASSERT_TRUE(b.store("b", make_report("b")).ok());
  BridgeTestAccess::forget_order(b);
  auto items = b.drain_ordered_with_stats();
  EXPECT_EQ(items.size(), 2u);
  auto ev = b.drain_events();
  ASSERT_EQ(ev.size(), 2u);
  for (const auto& e : ev) {
    EXPECT_EQ(e.kind, EventKind::DrainOrderingInvariantViolation);
    EXPECT_EQ(e.detail, "drain_ordered_with_stats");
  }
  ASSERT_TRUE(b.store("c", make_report("c")).ok());
  BridgeTestAccess::forget_order(b);
  EXPECT_EQ(b.drain_ordered().size(), 1u);
  ev = b.drain_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].tag, "c");
  EXPECT_EQ(ev[0].detail, "drain_ordered");
}

TEST(Bridge, PeriodicRealCount) {
  Bridge b;
  for (const char* t : {"periodic_000", "periodic_001", "PERIODIC_002", "periodic_1234", "periodic_007 ",
                        "periodic_00a", "periodic_01"})
    ASSERT_TRUE(b.store(t, make_report(t)).ok());
  ASSERT_TRUE(b.store("periodic_002", make_report("periodic_002", /*placeholder=*/true)).ok());
  EXPECT_EQ(b.periodic_real_count(), 2u);
}

TEST(Bridge, HostileTags) {
  Bridge b([](std::string_view t) { return make_report(std::string(t)); });
  auto expect_bad = [&](std::string_view tag, Code code) {
    Status st = b.store(tag, make_report("x"));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, code);
    EXPECT_LT(st.error().message.size(), 400u);  // never echoes a huge tag
    auto c = b.capture(tag);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, code);
    Status w = b.register_watch(tag);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, code);
  };
  expect_bad("", Code::Invalid);
  expect_bad(std::string(1 << 20, 'x'), Code::Range);
  expect_bad(std::string("a\0b", 3), Code::Invalid);
  expect_bad("\xff\xfe", Code::Invalid);
  expect_bad("\xc0\xaf", Code::Invalid);      // overlong
  expect_bad("\xed\xa0\x80", Code::Invalid);  // surrogate
  expect_bad("abc\xe2\x82", Code::Invalid);   // truncated
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.watch_count(), 0u);
  EXPECT_TRUE(b.store(std::string(kMaxTagBytes, 'y'), make_report("y")).ok());
  EXPECT_TRUE(b.store("caf\xc3\xa9 \xf0\x9f\x90\xa7", make_report("u")).ok());
  EXPECT_FALSE(b.store("null", nullptr).ok());
  EXPECT_EQ(b.size(), 2u);
}

TEST(Bridge, WatchCapAndErrors) {
  std::atomic<int> calls{0};
  Bridge b(nullptr, [&](std::string_view sym) -> Status {
    calls++;
    if (sym == "bad") return make_error(Code::NotFound, "no such symbol");
    if (sym == "throw") throw std::runtime_error("boom");
    return {};
  });
  Status bad = b.register_watch("bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Code::NotFound);
  EXPECT_EQ(bad.error().message, "no such symbol");
  EXPECT_EQ(b.watch_count(), 0u);
  Status thr = b.register_watch("throw");
  ASSERT_FALSE(thr.ok());
  EXPECT_EQ(thr.error().code, Code::Internal);
  EXPECT_EQ(b.watch_count(), 0u);
  for (int i = 0; i < 3; i++) ASSERT_TRUE(b.register_watch("w" + std::to_string(i)).ok());
  EXPECT_EQ(b.watch_count(), 3u);
  int before = calls.load();
  Status full = b.register_watch("w3");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Code::Busy);
  EXPECT_NE(full.error().message.find("3"), std::string::npos);
  EXPECT_EQ(calls.load(), before);  // the callback is not called past the cap
  EXPECT_EQ(b.watch_count(), 3u);

  Bridge none;
  Status st = none.register_watch("sym");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::Unsupported);
  EXPECT_EQ(none.watch_count(), 0u);
}

TEST(Bridge, WatchCapUnderConcurrency) {
  // Many threads register at once; every other registration fails. The
  // count must never pass the cap, and failures must give their slot back.
  constexpr int kThreads = 16;
  constexpr int kRounds = 200;
  std::atomic<uint32_t> max_seen{0};
  std::atomic<int> ok{0};
  std::atomic<uint32_t> seq{0};
  Bridge* self = nullptr;
  Bridge b(nullptr, [&](std::string_view) -> Status {
    uint32_t now = self->watch_count();
    uint32_t m = max_seen.load();
    while (now > m && !max_seen.compare_exchange_weak(m, now)) {
    }
    std::this_thread::yield();
    if (seq.fetch_add(1) % 2 == 0) return make_error(Code::Io, "refused");
    return {};
  });
  self = &b;
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int r = 0; r < kRounds; r++) {
        if (b.register_watch("sym").ok()) ok++;
        uint32_t now = b.watch_count();
        uint32_t m = max_seen.load();
        while (now > m && !max_seen.compare_exchange_weak(m, now)) {
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(max_seen.load(), kMaxWatchSnapshots);
  EXPECT_EQ(ok.load(), int(kMaxWatchSnapshots));
  EXPECT_EQ(b.watch_count(), kMaxWatchSnapshots);
}

TEST(Bridge, WatchSlotsComeBackAfterFailures) {
  // Fill two slots, then fail many times from many threads: the third
  // slot must still be free afterwards.
  std::atomic<bool> refuse{false};
  Bridge b(nullptr, [&](std::string_view) -> Status {
    if (refuse.load()) return make_error(Code::Io, "refused");
    return {};
  });
  ASSERT_TRUE(b.register_watch("a").ok());
  ASSERT_TRUE(b.register_watch("b").ok());
  refuse = true;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; t++)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; i++) EXPECT_FALSE(b.register_watch("c").ok());
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(b.watch_count(), 2u);
  refuse = false;
  EXPECT_TRUE(b.register_watch("c").ok());
  EXPECT_EQ(b.watch_count(), 3u);
}

TEST(Bridge, PublisherGetsStoredReportsAndFailuresBecomeEvents) {
  Bridge b;
  std::vector<size_t> sizes;
  bool refuse = false;
  b.set_publisher([&](std::span<const uint8_t> bytes) -> Status {
    if (refuse) return make_error(Code::Again, "ring full");
    sizes.push_back(bytes.size());
    return {};
  });
  ReportPtr r = make_report("p");
  ASSERT_TRUE(b.store("p", r).ok());
  ASSERT_EQ(sizes.size(), 1u);
  EXPECT_EQ(sizes[0], r->bytes().size());
  refuse = true;
  ASSERT_TRUE(b.store("q", make_report("q")).ok());  // the store itself succeeds
  EXPECT_TRUE(b.has("q"));
  auto ev = b.drain_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, EventKind::PublishFailed);
  EXPECT_EQ(ev[0].tag, "q");
  EXPECT_EQ(ev[0].status, int32_t(Code::Again));
  EXPECT_EQ(ev[0].detail, "ring full");
  b.set_publisher(nullptr);
  ASSERT_TRUE(b.store("r", make_report("r")).ok());
  EXPECT_EQ(b.event_count(), 0u);
}

TEST(BridgeThread, NoBridgeErrors) {
  EXPECT_FALSE(active_bridge().has_value());
  bool called = false;
  auto r = with_active_bridge([&](Bridge&) {
    called = true;
    return 1;
  });
  EXPECT_FALSE(r.has_value());
  EXPECT_FALSE(called);
  auto c = capture_on_thread("x", std::nullopt);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Code::Unsupported);
  EXPECT_NE(c.error().message.find("no bridge"), std::string::npos);
  EXPECT_NE(c.error().message.find("'x'"), std::string::npos);
  Status w = watch_on_thread("sym");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Code::Unsupported);
  EXPECT_NE(w.error().message.find("no bridge"), std::string::npos);
}

TEST(BridgeThread, GuardRestoresAndNests) {
  Bridge outer([](std::string_view t) { return make_report(std::string(t)); });
  Bridge inner;
  {
    BridgeGuard g1 = set_thread_local(outer);
    ASSERT_TRUE(active_bridge().has_value());
    EXPECT_TRUE(active_bridge()->same_as(outer));
    {
      BridgeGuard g2 = set_thread_local(inner);
      EXPECT_TRUE(active_bridge()->same_as(inner));
      auto c = capture_on_thread("in", std::nullopt);  // inner has no callback
      ASSERT_TRUE(c.ok());
      EXPECT_FALSE(c.value());
      BridgeGuard moved = std::move(g2);  // a moved-from guard restores nothing
    }
    EXPECT_TRUE(active_bridge()->same_as(outer));
    auto c = capture_on_thread("out", uint16_t(4));
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c.value());
    auto n = with_active_bridge([](Bridge& b) { return b.size(); });
    EXPECT_EQ(n, std::optional<size_t>(1));
    // Other threads do not see this thread's bridge.
    std::thread([] { EXPECT_FALSE(active_bridge().has_value()); }).join();
  }
  EXPECT_FALSE(active_bridge().has_value());
  EXPECT_TRUE(outer.has("out"));
  EXPECT_EQ(inner.event_count(), 1u);
}

TEST(BridgeThread, WatchOnThreadWrapsTheError) {
  Bridge b(nullptr, [](std::string_view) -> Status { return make_error(Code::NotFound, "symbol missing"); });
  BridgeGuard g = set_thread_local(b);
  Status st = watch_on_thread("foo");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::NotFound);
  EXPECT_NE(st.error().message.find("'foo'"), std::string::npos);
  EXPECT_NE(st.error().message.find("symbol missing"), std::string::npos);
}

TEST(Bridge, ConcurrentStoresKeepTheInvariants) {
  Bridge b;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; t++)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; i++) {
        std::string tag = "k" + std::to_string((t * 100 + i) % 150);
        EXPECT_TRUE(b.store(tag, make_report(tag)).ok());
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_LE(b.size(), kMaxStoredSnapshots);
  auto items = b.drain_ordered();
  EXPECT_EQ(items.size(), kMaxStoredSnapshots);
  auto ev = b.drain_events();
  EXPECT_FALSE(ev.empty());
  for (const auto& e : ev) EXPECT_NE(e.kind, EventKind::DrainOrderingInvariantViolation);
}

}  // namespace
}  // namespace ktsnap::bridge
