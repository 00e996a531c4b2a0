// Structured error details through the C ABI: ktsnap_error_kind_name for
// every kind, ktsnap_last_error_info with the V1 size, smaller sizes (only
// the fields inside are written), larger sizes, bad sizes (the last error is
// kept), the reset after a success, plain failures (kind NONE), per-thread
// details, and one provocation of every view kind this layer produces with
// its status and JSON (kinds 13, 15, 19 belong to the series layer: names
// only). Field-by-field checks of each kind live in the other view_*
// tests; this file keeps the mechanics and the overview.
#include <functional>

#include "view_util.hpp"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace view_test;

namespace {

// Provokes a MapNotFound on a fresh snapshot; returns the report kept alive.
ReportPtr provoke_map_not_found() {
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  const ktsnap_map* m = nullptr;
  EXPECT_EQ(ktsnap_snapshot_map(&m, s.get(), "no_such_map"), KTSNAP_E_NOTFOUND);
  return r;
}

constexpr uint8_t kCanary = 0x5a;

struct Padded {
  ktsnap_error_info info;
  uint8_t tail[32];
};

}  // namespace

TEST(ViewErrors, KindNames) {
  for (uint32_t k = 0; k < std::size(kKindNames); k++) EXPECT_STREQ(ktsnap_error_kind_name(k), kKindNames[k]) << k;
  EXPECT_STREQ(ktsnap_error_kind_name(KTSNAP_ERROR_NONE), "");
  // The series layer's kinds have names too.
  EXPECT_STREQ(ktsnap_error_kind_name(KTSNAP_ERROR_PLACEHOLDER_SAMPLE), "PlaceholderSample");
  EXPECT_STREQ(ktsnap_error_kind_name(KTSNAP_ERROR_HOST_FIELD_UNAVAILABLE), "HostFieldUnavailable");
  EXPECT_STREQ(ktsnap_error_kind_name(KTSNAP_ERROR_WALKER_DRIFTED_WITHIN_PHASE), "WalkerDriftedWithinPhase");
  for (uint32_t k : {22u, 100u, 0x80000000u, UINT32_MAX}) EXPECT_STREQ(ktsnap_error_kind_name(k), "unknown") << k;
  // The constants are the spec's numbers.
  EXPECT_EQ(KTSNAP_ERROR_MAP_NOT_FOUND, 1u);
  EXPECT_EQ(KTSNAP_ERROR_MAP_RENDER_INCOMPLETE, 21u);
  // Naming a kind does not touch the last error.
  ReportPtr keep = provoke_map_not_found();
  std::string msg = ktsnap_last_error();
  ASSERT_FALSE(msg.empty());
  (void)ktsnap_error_kind_name(KTSNAP_ERROR_NO_MATCH);
  EXPECT_EQ(std::string(ktsnap_last_error()), msg);
  EXPECT_EQ(info().kind, KTSNAP_ERROR_MAP_NOT_FOUND);
}

TEST(ViewErrors, FeatureBit) {
  EXPECT_NE(ktsnap_features() & KTSNAP_FEATURE_QUERY, 0u);
}

TEST(ViewErrors, InfoLayout) {
  static_assert(sizeof(void*) != 8 || sizeof(ktsnap_error_info) == KTSNAP_ERROR_INFO_SIZE_V1, "V1 size on LP64");
  static_assert(offsetof(ktsnap_error_info, sz) == 0, "sz first");
  ktsnap_error_info i = KTSNAP_ERROR_INFO_INIT;
  EXPECT_EQ(i.sz, sizeof(ktsnap_error_info));
  EXPECT_EQ(i.kind, 0u);
  EXPECT_EQ(i.alternatives, nullptr);
}

TEST(ViewErrors, InfoIsStableAndRepeatable) {
  ReportPtr keep = provoke_map_not_found();
  Info a = info();
  Info b = info();  // reading the details does not clear them
  EXPECT_EQ(std::string(ktsnap_last_error()), a.message);
  EXPECT_EQ(a.status, KTSNAP_E_NOTFOUND);
  EXPECT_EQ(a.kind, KTSNAP_ERROR_MAP_NOT_FOUND);
  EXPECT_EQ(a.kind_name, "MapNotFound");
  EXPECT_EQ(a.requested, "no_such_map");
  EXPECT_EQ(a.message, b.message);
  EXPECT_EQ(a.json, b.json);
  EXPECT_EQ(a.alternatives, b.alternatives);
  // Raw pointers: still readable after calls that do not touch the last error.
  ktsnap_error_info raw = KTSNAP_ERROR_INFO_INIT;
  ASSERT_EQ(ktsnap_last_error_info(&raw), KTSNAP_OK);
  (void)ktsnap_error_kind_name(3);
  (void)ktsnap_status_str(KTSNAP_E_RANGE);
  (void)ktsnap_last_error();
  ASSERT_EQ(raw.alternative_count, a.alternatives.size());
  for (size_t k = 0; k < raw.alternative_count; k++) EXPECT_EQ(std::string(raw.alternatives[k]), a.alternatives[k]);
  EXPECT_EQ(std::string(raw.json), a.json);
  EXPECT_EQ(std::string(raw.requested), "no_such_map");
  // (map_names() calls functions that can fail, which clear the details.)
  EXPECT_EQ(a.alternatives, map_names(keep.get()));
}

TEST(ViewErrors, SmallerSizesWriteOnlyTheFieldsInside) {
  ReportPtr keep = provoke_map_not_found();
  Info full = info();
  const size_t sizes[] = {sizeof(size_t),
                          offsetof(ktsnap_error_info, kind),
                          offsetof(ktsnap_error_info, kind_name),
                          offsetof(ktsnap_error_info, message),
                          offsetof(ktsnap_error_info, requested) + sizeof(const char*),
                          offsetof(ktsnap_error_info, alternatives),
                          offsetof(ktsnap_error_info, sample_key_count),
                          KTSNAP_ERROR_INFO_SIZE_V1};
  for (size_t sz : sizes) {
    SCOPED_TRACE(sz);
    Padded p;
    std::memset(&p, kCanary, sizeof p);
    p.info.sz = sz;
    ASSERT_EQ(ktsnap_last_error_info(&p.info), KTSNAP_OK);
    EXPECT_EQ(p.info.sz, sz);
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&p);
    for (size_t k = sz; k < sizeof p; k++) ASSERT_EQ(bytes[k], kCanary) << "byte " << k << " written past sz " << sz;
    auto inside = [&](size_t off, size_t len) { return off + len <= sz; };
    if (inside(offsetof(ktsnap_error_info, status), sizeof(ktsnap_status))) {
      EXPECT_EQ(p.info.status, full.status);
    }
    if (inside(offsetof(ktsnap_error_info, kind), 4)) {
      EXPECT_EQ(p.info.kind, KTSNAP_ERROR_MAP_NOT_FOUND);
    }
    if (inside(offsetof(ktsnap_error_info, kind_name), 8)) {
      EXPECT_STREQ(p.info.kind_name, "MapNotFound");
    }
    if (inside(offsetof(ktsnap_error_info, requested), 8)) {
      EXPECT_STREQ(p.info.requested, "no_such_map");
    }
    if (inside(offsetof(ktsnap_error_info, alternative_count), 8)) {
      EXPECT_EQ(p.info.alternative_count, full.alternatives.size());
    }
  }
  // Larger than the library knows: the known fields, nothing after them.
  Padded big;
  std::memset(&big, kCanary, sizeof big);
  big.info.sz = sizeof big;
  ASSERT_EQ(ktsnap_last_error_info(&big.info), KTSNAP_OK);
  EXPECT_EQ(big.info.kind, KTSNAP_ERROR_MAP_NOT_FOUND);
  for (uint8_t b : big.tail) EXPECT_EQ(b, kCanary);
  // The details are still those of the failure.
  EXPECT_EQ(info().requested, "no_such_map");
}

TEST(ViewErrors, BadSizesKeepTheLastError) {
  ReportPtr keep = provoke_map_not_found();
  std::string msg = ktsnap_last_error();
  EXPECT_EQ(ktsnap_last_error_info(nullptr), KTSNAP_E_INVALID);
  for (size_t sz : {size_t(0), size_t(1), size_t(4), sizeof(size_t) - 1}) {
    Padded p;
    std::memset(&p, kCanary, sizeof p);
    p.info.sz = sz;
    EXPECT_EQ(ktsnap_last_error_info(&p.info), KTSNAP_E_INVALID) << sz;
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&p);
    for (size_t k = sizeof(size_t); k < sizeof p; k++) ASSERT_EQ(bytes[k], kCanary) << sz;
  }
  EXPECT_EQ(std::string(ktsnap_last_error()), msg);
  Info i = info();
  EXPECT_EQ(i.kind, KTSNAP_ERROR_MAP_NOT_FOUND);
  EXPECT_EQ(i.status, KTSNAP_E_NOTFOUND);
}

TEST(ViewErrors, SuccessResetsAndPlainFailuresHaveNoKind) {
  ReportPtr r = provoke_map_not_found();
  EXPECT_EQ(info().kind, KTSNAP_ERROR_MAP_NOT_FOUND);
  // A following successful view call resets everything.
  SnapPtr s = snapshot(r.get());
  const ktsnap_map* m = nullptr;
  VIEW_OK(ktsnap_snapshot_map(&m, s.get(), "sched_a.bss"));
  // So does a successful call of another layer.
  ktsnap_value v{};
  EXPECT_EQ(ktsnap_snapshot_var(&v, s.get(), "nope"), KTSNAP_E_NOTFOUND);
  EXPECT_EQ(info().kind, KTSNAP_ERROR_VAR_NOT_FOUND);
  ASSERT_EQ(ktsnap_report_map_by_name(&m, r.get(), "scx_per_task"), KTSNAP_OK);
  expect_clean("ktsnap_report_map_by_name");
  // A failure that is no view error: a status, a message, kind NONE, no JSON.
  EXPECT_EQ(ktsnap_snapshot_var(&v, s.get(), "nope"), KTSNAP_E_NOTFOUND);
  Info p = PLAIN_FAIL(ktsnap_report_map_by_name(&m, r.get(), "nope"), KTSNAP_E_NOTFOUND, "nope");
  EXPECT_EQ(p.requested, "");
  EXPECT_TRUE(p.alternatives.empty());
  p = NULL_ARG(ktsnap_snapshot_map(nullptr, s.get(), "x"), "out");
  EXPECT_EQ(p.column, 0u);
}

TEST(ViewErrors, DetailsOutliveTheHandlesTheyName) {
  // _free functions cannot fail and leave the last error alone, so the
  // details stay readable after the snapshot and the report are gone.
  ReportPtr r = two_sched();
  std::vector<std::string> names = map_names(r.get());
  SnapPtr s = snapshot(r.get());
  const ktsnap_map* m = nullptr;
  ASSERT_EQ(ktsnap_snapshot_map(&m, s.get(), "sched_c.bss"), KTSNAP_E_NOTFOUND);
  s.reset();
  r.reset();
  Info i = info();
  EXPECT_EQ(i.kind, KTSNAP_ERROR_MAP_NOT_FOUND);
  EXPECT_EQ(i.requested, "sched_c.bss");
  EXPECT_EQ(i.alternatives, names);
  // The same for a NoMatch and its sampled keys, and a query freed after it.
  ReportPtr v = views_report();
  QueryPtr q = compile(map_of(v.get(), "vw_tasks"), "false");
  uint32_t e = 0;
  ASSERT_EQ(ktsnap_query_find(&e, q.get(), 0), KTSNAP_E_NOTFOUND);
  q.reset();
  v.reset();
  i = info();
  EXPECT_EQ(i.kind, KTSNAP_ERROR_NO_MATCH);
  EXPECT_EQ(i.map, "vw_tasks");
  EXPECT_EQ(i.sample_keys, (std::vector<std::string>{"100", "101", "102"}));
}

TEST(ViewErrors, DetailsArePerThread) {
  ReportPtr keep = provoke_map_not_found();
  Info other;
  std::thread t([&other] { other = info(); });
  t.join();
  EXPECT_EQ(other.status, KTSNAP_OK);
  EXPECT_EQ(other.kind, KTSNAP_ERROR_NONE);
  EXPECT_EQ(info().kind, KTSNAP_ERROR_MAP_NOT_FOUND);  // this thread's failure is intact
}

// One provocation of each kind the view functions produce, with the status
// the reference maps it to (SnapshotError::code in the C++ layer).
TEST(ViewErrors, EveryViewKindHasAStatusAndJson) {
  ReportPtr two = two_sched();
  ReportPtr none = two_sched({.active = ""});
  ReportPtr broken = two_sched({.broken_a_rodata = true});
  ReportPtr excl = two_sched({.kvas = {kB1}});
  ReportPtr views = views_report();
  SnapPtr s2 = snapshot(two.get()), sn = snapshot(none.get()), sb = snapshot(broken.get()), sv = snapshot(views.get());
  SnapPtr se = snapshot(excl.get());
  SnapPtr ae = active(se.get());
  ASSERT_TRUE(ae);
  CBuilder pb;
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  md.flags = KTSNAP_METADATA_PLACEHOLDER;
  md.placeholder_reason = "no capture";
  pb.metadata(md);
  ReportPtr ph = pb.finish();
  SnapPtr sp = snapshot(ph.get());
  const ktsnap_map* tasks = map_of(views.get(), "vw_tasks");
  const ktsnap_map* pcpu = map_of(views.get(), "vw_pcpu");
  const ktsnap_map* raw = map_of(views.get(), "vw_raw");
  const ktsnap_map* m = nullptr;
  ktsnap_value v{}, t0{};
  ASSERT_OK(ktsnap_entry_get(&t0, tasks, 0, KTSNAP_NO_CPU, ""));
  ktsnap_json j{};
  uint64_t u = 0;
  uint32_t e = 0;
  QueryPtr none_q = compile(tasks, "false");
  struct Case {
    uint32_t kind;
    ktsnap_status status;
    std::function<ktsnap_status()> call;
    const char* json_field;  // a field the JSON must name
  };
  std::vector<Case> cases = {
      {KTSNAP_ERROR_MAP_NOT_FOUND, KTSNAP_E_NOTFOUND, [&] { return ktsnap_snapshot_map(&m, s2.get(), "x"); },
       "available"},
      {KTSNAP_ERROR_VAR_NOT_FOUND, KTSNAP_E_NOTFOUND, [&] { return ktsnap_snapshot_var(&v, s2.get(), "x"); },
       "available"},
      {KTSNAP_ERROR_AMBIGUOUS_VAR, KTSNAP_E_INVALID, [&] { return ktsnap_snapshot_var(&v, sn.get(), "kt_nr_events"); },
       "found_in"},
      {KTSNAP_ERROR_FIELD_NOT_FOUND, KTSNAP_E_NOTFOUND, [&] { return ktsnap_value_walk(&v, &t0, "nope"); }, "walked"},
      {KTSNAP_ERROR_NOT_A_STRUCT, KTSNAP_E_TYPE, [&] { return ktsnap_value_walk(&v, &t0, "pid.x"); }, "kind"},
      {KTSNAP_ERROR_TYPE_MISMATCH, KTSNAP_E_TYPE, [&] { return ktsnap_value_read_u64(&u, &t0, "util"); }, "expected"},
      {KTSNAP_ERROR_INDEX_OUT_OF_RANGE, KTSNAP_E_RANGE,
       [&] { return ktsnap_entry_get(&v, tasks, 1000, KTSNAP_NO_CPU, ""); }, "index"},
      {KTSNAP_ERROR_PERCPU_SLOT, KTSNAP_E_RANGE, [&] { return ktsnap_entry_get(&v, pcpu, 0, 99, ""); }, "unmapped"},
      {KTSNAP_ERROR_NO_MATCH, KTSNAP_E_NOTFOUND, [&] { return ktsnap_query_find(&e, none_q.get(), 0); },
       "available_keys"},
      {KTSNAP_ERROR_EMPTY_PATH_COMPONENT, KTSNAP_E_INVALID, [&] { return ktsnap_value_walk(&v, &t0, "pid..x"); },
       "requested"},
      {KTSNAP_ERROR_PERCPU_NOT_NARROWED, KTSNAP_E_INVALID,
       [&] { return ktsnap_entry_get(&v, pcpu, 0, KTSNAP_NO_CPU, ""); }, "map"},
      {KTSNAP_ERROR_NO_RENDERED, KTSNAP_E_UNSUPPORTED, [&] { return ktsnap_entry_key(&v, raw, 0, ""); }, "side"},
      {KTSNAP_ERROR_MISSING_STATS, KTSNAP_E_NOTFOUND, [&] { return ktsnap_snapshot_stats(&j, sv.get(), ""); },
       "reason"},
      {KTSNAP_ERROR_PLACEHOLDER_SNAPSHOT, KTSNAP_E_UNSUPPORTED, [&] { return ktsnap_snapshot_map(&m, sp.get(), "x"); },
       "tag"},
      {KTSNAP_ERROR_NO_ACTIVE_SCHEDULER, KTSNAP_E_NOTFOUND,
       [&] {
         ktsnap_snapshot* a = nullptr;
         ktsnap_status st = ktsnap_snapshot_active(&a, sn.get());
         ktsnap_snapshot_free(a);
         return st;
       },
       "reason"},
      {KTSNAP_ERROR_ACTIVE_FILTER_EXCLUDED_MAPS, KTSNAP_E_NOTFOUND,
       [&] { return ktsnap_snapshot_map(&m, ae.get(), "sched_a.bss"); }, "excluded_maps"},
      {KTSNAP_ERROR_PROJECTION_FAILED, KTSNAP_E_NOTFOUND,
       [&] {
         const char* names[] = {"x"};
         return ktsnap_snapshot_live_vars_via(&v, nullptr, s2.get(), names, 0, ktsnap_pick_max_sum, nullptr);
       },
       "reason"},
      {KTSNAP_ERROR_MAP_RENDER_INCOMPLETE, KTSNAP_E_IO, [&] { return ktsnap_snapshot_var(&v, sb.get(), "kt_ro_mode"); },
       "error"},
  };
  std::vector<uint32_t> seen;
  for (const Case& c : cases) {
    SCOPED_TRACE(kKindNames[c.kind]);
    Info i = expect_fail(c.call(), c.status, c.kind, kKindNames[c.kind]);
    EXPECT_TRUE(contains(i.json, std::string("\"") + c.json_field + "\":")) << i.json;
    seen.push_back(c.kind);
    // And a success right after resets the details.
    VIEW_OK(ktsnap_snapshot_map(&m, s2.get(), "sched_a.bss"));
  }
  // Every kind but the series layer's 13, 15 and 19.
  for (uint32_t k = 1; k <= 21; k++) {
    bool series = k == KTSNAP_ERROR_PLACEHOLDER_SAMPLE || k == KTSNAP_ERROR_HOST_FIELD_UNAVAILABLE ||
                  k == KTSNAP_ERROR_WALKER_DRIFTED_WITHIN_PHASE;
    EXPECT_EQ(std::find(seen.begin(), seen.end(), k) != seen.end(), !series) << k;
  }
}
