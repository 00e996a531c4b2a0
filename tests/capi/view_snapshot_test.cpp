// Snapshot views through the C ABI: map / var / vars over a two-scheduler
// report whose global sections share names under different obj prefixes,
// the active() projection (flagged scheduler, KVA whitelist, heuristic,
// refusals), the excluded-filter error, live_var / live_var_via /
// live_vars_via with the built-in and user pickers, placeholder reports,
// lifetimes and NULL arguments. Error details are read back through
// ktsnap_last_error_info().
#include <atomic>

#include "view_util.hpp"

// TwoOpts is filled with designated initializers naming only what a test
// changes; the rest keeps its default member initializer.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace view_test;

namespace {

// Sorted, de-duplicated variable names of the kinds fixture's three
// sections (what var()'s VarNotFound lists), from the BTF itself.
std::vector<std::string> all_globals() {
  const Kinds& k = kinds();
  std::vector<std::string> out;
  for (uint32_t ds : {k.bss, k.data, k.rodata})
    for (const auto& m : k.btf.members(ds)) out.push_back(m.name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Global-section map names of a report, capture order (what live_*_via's
// VarNotFound lists).
std::vector<std::string> global_maps(const ktsnap_report* r) {
  std::vector<std::string> out;
  for (const std::string& n : map_names(r)) {
    auto ends = [&](const std::string& suf) {
      return n.size() >= suf.size() && n.compare(n.size() - suf.size(), suf.size(), suf) == 0;
    };
    if (ends(".bss") || ends(".data") || ends(".rodata") || contains(n, ".data.")) out.push_back(n);
  }
  return out;
}

uint64_t read_u64(const ktsnap_value& v, const char* path = "") {
  uint64_t x = 0;
  EXPECT_EQ(ktsnap_value_read_u64(&x, &v, path), KTSNAP_OK) << path << ": " << ktsnap_last_error();
  return x;
}
int64_t read_i64(const ktsnap_value& v, const char* path = "") {
  int64_t x = 0;
  EXPECT_EQ(ktsnap_value_read_i64(&x, &v, path), KTSNAP_OK) << path << ": " << ktsnap_last_error();
  return x;
}

ktsnap_value var(const ktsnap_snapshot* s, const char* name) {
  ktsnap_value v{};
  EXPECT_EQ(ktsnap_snapshot_var(&v, s, name), KTSNAP_OK) << name << ": " << ktsnap_last_error();
  return v;
}

std::vector<ktsnap_var_candidate> vars(const ktsnap_snapshot* s, const char* name) {
  // A size query: cap 0 is KTSNAP_E_RANGE when there are copies, with the count.
  size_t n = 0;
  ktsnap_status st = ktsnap_snapshot_vars(nullptr, 0, &n, s, name);
  EXPECT_EQ(st, n == 0 ? KTSNAP_OK : KTSNAP_E_RANGE) << ktsnap_last_error();
  std::vector<ktsnap_var_candidate> out(n);
  size_t again = 0;
  EXPECT_EQ(ktsnap_snapshot_vars(out.data(), out.size(), &again, s, name), KTSNAP_OK) << ktsnap_last_error();
  EXPECT_EQ(again, n);
  return out;
}

std::vector<std::string> candidate_maps(const std::vector<ktsnap_var_candidate>& c) {
  std::vector<std::string> out;
  for (const auto& x : c) out.emplace_back(ktsnap_map_name(x.map));
  return out;
}

using Names = std::vector<std::string>;

// A picker that records its calls and returns a fixed answer.
struct PickLog {
  int calls = 0;
  int64_t answer = 0;
  Names maps;
  std::vector<uint64_t> values;
  std::vector<size_t> row_sizes;
};
int64_t log_var_picker(const ktsnap_var_candidate* c, size_t n, void* user) {
  auto* log = static_cast<PickLog*>(user);
  log->calls++;
  for (size_t i = 0; i < n; i++) {
    log->maps.emplace_back(ktsnap_map_name(c[i].map));
    uint64_t x = 0;
    log->values.push_back(ktsnap_value_read_u64(&x, &c[i].value, "") == KTSNAP_OK ? x : 0xdead);
  }
  return log->answer;
}
int64_t log_row_picker(const ktsnap_var_row* rows, size_t n, void* user) {
  auto* log = static_cast<PickLog*>(user);
  log->calls++;
  for (size_t i = 0; i < n; i++) {
    log->maps.emplace_back(ktsnap_map_name(rows[i].map));
    log->row_sizes.push_back(rows[i].count);
    for (size_t j = 0; j < rows[i].count; j++) {
      int64_t x = 0;
      log->values.push_back(ktsnap_value_read_i64(&x, &rows[i].values[j], "") == KTSNAP_OK ? uint64_t(x) : 0xdead);
    }
  }
  return log->answer;
}
int64_t never_called(const ktsnap_var_candidate*, size_t, void* user) {
  ++*static_cast<int*>(user);
  return 0;
}
int64_t never_called_rows(const ktsnap_var_row*, size_t, void* user) {
  ++*static_cast<int*>(user);
  return 0;
}

ReportPtr placeholder_report() {
  const Kinds& k = kinds();
  CBuilder b;
  int32_t bi = b.btf(k.btf.blob());
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  md.tag = "ph";
  md.flags = KTSNAP_METADATA_PLACEHOLDER;
  md.placeholder_reason = "freeze rendezvous timed out";
  b.metadata(md);
  // Maps present anyway: the short-circuit must not look at them.
  b.scheduler("kinds", bi, true);
  b.map(k.section_desc("kinds.bss", k.bss, 0x1000, bi), std::vector<uint8_t>(4, 0), k.bss_value(42, 7, -5));
  b.stats("{\"a\":1}");
  return b.finish();
}

}  // namespace

TEST(ViewSnapshot, NewAndPlainAccessors) {
  ReportPtr r = two_sched();
  ASSERT_TRUE(r);
  SnapPtr s = snapshot(r.get());
  ASSERT_TRUE(s);
  expect_clean("ktsnap_snapshot_new");
  EXPECT_EQ(ktsnap_snapshot_report(s.get()), r.get());
  EXPECT_FALSE(ktsnap_snapshot_is_filtered(s.get()));
  EXPECT_STREQ(ktsnap_snapshot_active_obj(s.get()), "");
  ASSERT_EQ(ktsnap_snapshot_map_count(s.get()), ktsnap_report_map_count(r.get()));
  EXPECT_EQ(ktsnap_snapshot_map_count(s.get()), 6u);
  for (size_t i = 0; i < ktsnap_report_map_count(r.get()); i++)
    EXPECT_EQ(ktsnap_snapshot_map_at(s.get(), i), ktsnap_report_map_at(r.get(), i)) << i;
  EXPECT_EQ(ktsnap_snapshot_map_at(s.get(), 6), nullptr);
  Info i = info();
  EXPECT_EQ(i.status, KTSNAP_E_RANGE) << i.message;
  EXPECT_EQ(ktsnap_snapshot_map_at(s.get(), SIZE_MAX), nullptr);

  const ktsnap_map* m = nullptr;
  VIEW_OK(ktsnap_snapshot_map(&m, s.get(), "scx_per_task"));
  EXPECT_EQ(m, map_of(r.get(), "scx_per_task"));  // the report's own handle
  ktsnap_value v{};
  VIEW_OK(ktsnap_entry_get(&v, m, 2, KTSNAP_NO_CPU, "a"));
  EXPECT_EQ(read_u64(v), 10u);  // entry 2 holds {2 * 5, 0}
  // Same-named maps: the first in capture order wins.
  ReportPtr d = two_sched({.dup_a_bss = true});
  SnapPtr ds = snapshot(d.get());
  VIEW_OK(ktsnap_snapshot_map(&m, ds.get(), "sched_a.bss"));
  EXPECT_EQ(m, ktsnap_report_map_at(d.get(), 0));
  VIEW_OK(ktsnap_entry_get(&v, m, 0, KTSNAP_NO_CPU, "kt_nr_events"));
  EXPECT_EQ(read_u64(v), 10u);
}

TEST(ViewSnapshot, MapNotFoundListsTheAdmittedMaps) {
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  const ktsnap_map* m = reinterpret_cast<const ktsnap_map*>(0x1);
  Info i = VIEW_FAIL(ktsnap_snapshot_map(&m, s.get(), "scx_per_tsk"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_MAP_NOT_FOUND);
  EXPECT_EQ(m, nullptr);  // outputs are zeroed on failure
  EXPECT_EQ(i.requested, "scx_per_tsk");
  EXPECT_EQ(i.alternatives, map_names(r.get()));
  EXPECT_TRUE(contains(i.json, "\"requested\":\"scx_per_tsk\"")) << i.json;
  EXPECT_TRUE(contains(i.message, "scx_per_tsk")) << i.message;
  // The empty name is just a name nobody has.
  i = VIEW_FAIL(ktsnap_snapshot_map(&m, s.get(), ""), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_MAP_NOT_FOUND);
  EXPECT_EQ(i.requested, "");
  // A following success resets the details.
  VIEW_OK(ktsnap_snapshot_map(&m, s.get(), "sched_b.data"));
  EXPECT_STREQ(ktsnap_map_name(m), "sched_b.data");
}

TEST(ViewSnapshot, VarsEnumeratesEveryCopy) {
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  auto c = vars(s.get(), "kt_nr_events");
  EXPECT_EQ(candidate_maps(c), (Names{"sched_a.bss", "sched_b.bss"}));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(read_u64(c[0].value), 10u);
  EXPECT_EQ(read_u64(c[1].value), 20u);
  EXPECT_EQ(c[0].map, ktsnap_report_map_at(r.get(), 0));
  EXPECT_EQ(candidate_maps(vars(s.get(), "kt_data_counter")), (Names{"sched_a.data", "sched_b.data"}));
  // No copy is not an error.
  size_t n = 99;
  VIEW_OK(ktsnap_snapshot_vars(nullptr, 0, &n, s.get(), "nope"));
  EXPECT_EQ(n, 0u);
  VIEW_OK(ktsnap_snapshot_vars(nullptr, 0, &n, s.get(), "a"));  // a member of a map value is no global
  EXPECT_EQ(n, 0u);
  // Too small: KTSNAP_E_RANGE, the count, and the first `cap` written.
  ktsnap_var_candidate one[2] = {};
  one[1].map = reinterpret_cast<const ktsnap_map*>(0x5);
  n = 0;
  PLAIN_FAIL(ktsnap_snapshot_vars(one, 1, &n, s.get(), "kt_nr_events"), KTSNAP_E_RANGE, "");
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(one[0].map, c[0].map);
  EXPECT_EQ(read_u64(one[0].value), 10u);
  EXPECT_EQ(one[1].map, reinterpret_cast<const ktsnap_map*>(0x5));  // untouched past cap
  // The active filter applies.
  SnapPtr a = active(s.get());
  ASSERT_TRUE(a);
  EXPECT_EQ(candidate_maps(vars(a.get(), "kt_nr_events")), (Names{"sched_a.bss"}));
  // Same-named copies are all listed.
  ReportPtr d = two_sched({.dup_a_bss = true});
  SnapPtr ds = snapshot(d.get());
  auto dc = vars(ds.get(), "kt_nr_events");
  EXPECT_EQ(candidate_maps(dc), (Names{"sched_a.bss", "sched_b.bss", "sched_a.bss"}));
  ASSERT_EQ(dc.size(), 3u);
  EXPECT_EQ(read_u64(dc[2].value), 30u);
}

TEST(ViewSnapshot, VarResolvesSingleHitsAndDefersAmbiguityToActive) {
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  EXPECT_EQ(read_u64(var(s.get(), "kt_ro_nr_cpus")), 8u);  // one copy only
  expect_clean("ktsnap_value_read_u64");
  EXPECT_EQ(read_u64(var(s.get(), "kt_nr_events")), 10u);  // two copies: the active scheduler's
  EXPECT_EQ(read_i64(var(s.get(), "kt_bss_neg")), -1);
  ktsnap_value inner = var(s.get(), "kt_bss_inner");
  ktsnap_value a{};
  VIEW_OK(ktsnap_value_walk(&a, &inner, "a"));
  EXPECT_EQ(read_u64(a), 1u);
  EXPECT_EQ(read_u64(inner, "a"), 1u);
  // var never splits on dots.
  ktsnap_value v{};
  Info i = VIEW_FAIL(ktsnap_snapshot_var(&v, s.get(), "kt_bss_inner.a"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_VAR_NOT_FOUND);
  EXPECT_EQ(i.requested, "kt_bss_inner.a");
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_INVALID);
  // The whitelist names the live copy among same-named maps.
  ReportPtr w = two_sched({.kvas = {kA9, kA2}, .dup_a_bss = true});
  ASSERT_TRUE(w);
  SnapPtr ws = snapshot(w.get());
  EXPECT_EQ(read_u64(var(ws.get(), "kt_nr_events")), 30u);
}

TEST(ViewSnapshot, AmbiguousVarNamesTheMaps) {
  ReportPtr n = two_sched({.active = ""});
  SnapPtr s = snapshot(n.get());
  ktsnap_value v{};
  Info i = VIEW_FAIL(ktsnap_snapshot_var(&v, s.get(), "kt_nr_events"), KTSNAP_E_INVALID, KTSNAP_ERROR_AMBIGUOUS_VAR);
  EXPECT_EQ(i.requested, "kt_nr_events");
  EXPECT_EQ(i.alternatives, (Names{"sched_a.bss", "sched_b.bss"}));
  EXPECT_TRUE(contains(i.json, "\"found_in\":[\"sched_a.bss\",\"sched_b.bss\"]")) << i.json;
  EXPECT_EQ(read_u64(var(s.get(), "kt_ro_nr_cpus")), 8u);  // a single copy is fine
  // Same-name copies, one obj, no whitelist: active() refuses, so the
  // ambiguity stands and the name repeats.
  ReportPtr d = two_sched({.dup_a_bss = true});
  SnapPtr ds = snapshot(d.get());
  i = VIEW_FAIL(ktsnap_snapshot_var(&v, ds.get(), "kt_nr_events"), KTSNAP_E_INVALID, KTSNAP_ERROR_AMBIGUOUS_VAR);
  EXPECT_EQ(i.alternatives, (Names{"sched_a.bss", "sched_b.bss", "sched_a.bss"}));
}

TEST(ViewSnapshot, VarNotFoundListsTheVariablesSorted) {
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  ktsnap_value v{};
  Info i = VIEW_FAIL(ktsnap_snapshot_var(&v, s.get(), "nr_cpus_onln"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_VAR_NOT_FOUND);
  EXPECT_EQ(i.requested, "nr_cpus_onln");
  Names want = all_globals();
  EXPECT_EQ(want.size(), 7u);  // kt_bss_inner .. kt_ro_nr_cpus
  EXPECT_EQ(i.alternatives, want);
  EXPECT_TRUE(std::is_sorted(i.alternatives.begin(), i.alternatives.end()));
  // The same from the active view (one copy of each section).
  SnapPtr a = active(s.get());
  i = VIEW_FAIL(ktsnap_snapshot_var(&v, a.get(), "nope"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_VAR_NOT_FOUND);
  EXPECT_EQ(i.alternatives, want);
  // live_var goes through active() and var().
  i = VIEW_FAIL(ktsnap_snapshot_live_var(&v, s.get(), "nope"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_VAR_NOT_FOUND);
  EXPECT_EQ(i.requested, "nope");
  VIEW_OK(ktsnap_snapshot_live_var(&v, s.get(), "kt_nr_events"));
  EXPECT_EQ(read_u64(v), 10u);
}

TEST(ViewSnapshot, RenderFailureShadowsAbsence) {
  ReportPtr b = two_sched({.broken_a_rodata = true});
  SnapPtr s = snapshot(b.get());
  ktsnap_value v{};
  Info i =
      VIEW_FAIL(ktsnap_snapshot_var(&v, s.get(), "kt_ro_nr_cpus"), KTSNAP_E_IO, KTSNAP_ERROR_MAP_RENDER_INCOMPLETE);
  EXPECT_EQ(i.map, "sched_a.rodata");
  EXPECT_EQ(i.reason, "rodata: EPERM");
  EXPECT_TRUE(contains(i.json, "rodata: EPERM")) << i.json;
  EXPECT_EQ(read_u64(var(s.get(), "kt_data_counter")), 3u);  // present variables are still found
  i = VIEW_FAIL(ktsnap_snapshot_live_var(&v, s.get(), "nope"), KTSNAP_E_IO, KTSNAP_ERROR_MAP_RENDER_INCOMPLETE);
  EXPECT_EQ(i.map, "sched_a.rodata");
}

TEST(ViewSnapshot, ActiveFollowsTheFlaggedScheduler) {
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  SnapPtr a = active(s.get());
  ASSERT_TRUE(a);
  expect_clean("ktsnap_snapshot_active");
  EXPECT_TRUE(ktsnap_snapshot_is_filtered(a.get()));
  EXPECT_STREQ(ktsnap_snapshot_active_obj(a.get()), "sched_a");
  EXPECT_EQ(ktsnap_snapshot_report(a.get()), r.get());
  Names seen = admitted(a.get());
  EXPECT_EQ(seen, (Names{"sched_a.bss", "sched_a.data", "sched_a.rodata"}));
  EXPECT_EQ(ktsnap_snapshot_map_at(a.get(), 3), nullptr);
  // Names without a '.' are invisible in a filtered view.
  const ktsnap_map* m = nullptr;
  Info i = VIEW_FAIL(ktsnap_snapshot_map(&m, a.get(), "scx_per_task"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_MAP_NOT_FOUND);
  EXPECT_EQ(i.alternatives, seen);
  i = VIEW_FAIL(ktsnap_snapshot_map(&m, a.get(), "sched_b.bss"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_MAP_NOT_FOUND);
  EXPECT_EQ(i.alternatives, seen);
  EXPECT_EQ(read_u64(var(a.get(), "kt_nr_events")), 10u);
  // Projections are repeatable, also from a filtered view.
  SnapPtr again = active(a.get());
  ASSERT_TRUE(again);
  EXPECT_STREQ(ktsnap_snapshot_active_obj(again.get()), "sched_a");
  EXPECT_EQ(admitted(again.get()), seen);
  // The active view outlives the snapshot it came from (both borrow the report).
  s.reset();
  EXPECT_EQ(read_u64(var(a.get(), "kt_data_counter")), 3u);

  // Flagged sched_b.
  ReportPtr rb = two_sched({.active = "sched_b"});
  SnapPtr sb = snapshot(rb.get());
  SnapPtr ab = active(sb.get());
  ASSERT_TRUE(ab);
  EXPECT_STREQ(ktsnap_snapshot_active_obj(ab.get()), "sched_b");
  EXPECT_EQ(admitted(ab.get()), (Names{"sched_b.bss", "sched_b.data"}));
  EXPECT_EQ(read_u64(var(sb.get(), "kt_nr_events")), 20u);
  // A long object name matches libbpf's map-name prefix: its first 8 characters.
  const Kinds& k = kinds();
  CBuilder b;
  int32_t bi = b.btf(k.btf.blob());
  b.scheduler("longschedname", bi, true);
  b.scheduler("other", bi, false);
  b.map(k.section_desc("longsche.bss", k.bss, 0, bi), std::vector<uint8_t>(4, 0), k.bss_value(77, 0, 0));
  b.map(k.section_desc("other.bss", k.bss, 0, bi), std::vector<uint8_t>(4, 0), k.bss_value(88, 0, 0));
  ReportPtr lr = b.finish();
  SnapPtr ls = snapshot(lr.get());
  SnapPtr la = active(ls.get());
  ASSERT_TRUE(la);
  EXPECT_STREQ(ktsnap_snapshot_active_obj(la.get()), "longsche");
  EXPECT_EQ(read_u64(var(ls.get(), "kt_nr_events")), 77u);
}

TEST(ViewSnapshot, ActiveWithAWhitelist) {
  ReportPtr w = two_sched({.kvas = {kA1, kA3, kB1, kC1}});
  ASSERT_TRUE(w);
  SnapPtr s = snapshot(w.get());
  SnapPtr a = active(s.get());
  ASSERT_TRUE(a);
  EXPECT_STREQ(ktsnap_snapshot_active_obj(a.get()), "sched_a");
  // obj prefix AND a whitelisted KVA: sched_a.data (kA2) is left out.
  EXPECT_EQ(admitted(a.get()), (Names{"sched_a.bss", "sched_a.rodata"}));
  const ktsnap_map* m = nullptr;
  VIEW_OK(ktsnap_snapshot_map(&m, a.get(), "sched_a.rodata"));
  // Other sched_a maps are admitted, so a missing one is a plain not-found
  // (a typo is not blamed on the filter).
  Info i = VIEW_FAIL(ktsnap_snapshot_map(&m, a.get(), "sched_a.data"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_MAP_NOT_FOUND);
  EXPECT_EQ(i.alternatives, (Names{"sched_a.bss", "sched_a.rodata"}));
  ktsnap_value v{};
  i = VIEW_FAIL(ktsnap_snapshot_var(&v, a.get(), "kt_data_counter"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_VAR_NOT_FOUND);
  // Members of the admitted sections only: .bss and .rodata.
  const Kinds& k = kinds();
  Names want;
  for (uint32_t ds : {k.bss, k.rodata})
    for (const auto& mm : k.btf.members(ds)) want.push_back(mm.name);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(i.alternatives, want);
}

TEST(ViewSnapshot, ActiveFilterExcludedMaps) {
  // The flagged scheduler's maps all fall outside the whitelist.
  ReportPtr w = two_sched({.kvas = {kB1, kB2}});
  ASSERT_TRUE(w);
  SnapPtr s = snapshot(w.get());
  SnapPtr a = active(s.get());
  ASSERT_TRUE(a);
  EXPECT_EQ(ktsnap_snapshot_map_count(a.get()), 0u);
  Names excluded = {"sched_a.bss", "sched_a.data", "sched_a.rodata"};
  auto check = [&](const Info& i, const std::string& requested) {
    EXPECT_EQ(i.requested, requested);
    EXPECT_EQ(i.component, "sched_a");  // the active object
    ASSERT_EQ(i.alternatives.size(), excluded.size()) << i.message;
    for (size_t k = 0; k < excluded.size(); k++)
      EXPECT_TRUE(i.alternatives[k] == excluded[k] || i.alternatives[k].rfind(excluded[k] + "@", 0) == 0)
          << i.alternatives[k];
    EXPECT_TRUE(contains(i.json, "\"whitelist_kvas\":[" + std::to_string(kB1) + "," + std::to_string(kB2) + "]"))
        << i.json;
    EXPECT_TRUE(contains(i.json, std::to_string(kA2))) << i.json;  // an excluded map's KVA
    EXPECT_TRUE(contains(i.json, "\"active_obj\":\"sched_a\"")) << i.json;
  };
  const ktsnap_map* m = nullptr;
  check(VIEW_FAIL(ktsnap_snapshot_map(&m, a.get(), "sched_a.bss"), KTSNAP_E_NOTFOUND,
                  KTSNAP_ERROR_ACTIVE_FILTER_EXCLUDED_MAPS),
        "sched_a.bss");
  ktsnap_value v{};
  check(VIEW_FAIL(ktsnap_snapshot_var(&v, a.get(), "kt_nr_events"), KTSNAP_E_NOTFOUND,
                  KTSNAP_ERROR_ACTIVE_FILTER_EXCLUDED_MAPS),
        "kt_nr_events");
  check(VIEW_FAIL(ktsnap_snapshot_live_var(&v, s.get(), "kt_nr_events"), KTSNAP_E_NOTFOUND,
                  KTSNAP_ERROR_ACTIVE_FILTER_EXCLUDED_MAPS),
        "kt_nr_events");
  int calls = 0;
  check(VIEW_FAIL(ktsnap_snapshot_live_var_via(&v, a.get(), "kt_nr_events", never_called, &calls), KTSNAP_E_NOTFOUND,
                  KTSNAP_ERROR_ACTIVE_FILTER_EXCLUDED_MAPS),
        "kt_nr_events");
  const char* names[] = {"kt_nr_events", "kt_bss_neg"};
  ktsnap_value out[2] = {};
  check(VIEW_FAIL(ktsnap_snapshot_live_vars_via(out, nullptr, a.get(), names, 2, never_called_rows, &calls),
                  KTSNAP_E_NOTFOUND, KTSNAP_ERROR_ACTIVE_FILTER_EXCLUDED_MAPS),
        "[kt_nr_events, kt_bss_neg]");
  EXPECT_EQ(calls, 0);
  // Without recorded KVAs the same error, naming the maps (KVA 0).
  ReportPtr z = two_sched({.kvas = {kB1}, .zero_a_kvas = true});
  SnapPtr zs = snapshot(z.get());
  SnapPtr za = active(zs.get());
  ASSERT_TRUE(za);
  Info i = VIEW_FAIL(ktsnap_snapshot_map(&m, za.get(), "sched_a.data"), KTSNAP_E_NOTFOUND,
                     KTSNAP_ERROR_ACTIVE_FILTER_EXCLUDED_MAPS);
  EXPECT_EQ(i.alternatives.size(), 3u);
  EXPECT_TRUE(contains(i.json, "\"map_kva\":0")) << i.json;
}

TEST(ViewSnapshot, NoActiveScheduler) {
  // Two objects, none flagged: the heuristic refuses.
  ReportPtr n = two_sched({.active = ""});
  SnapPtr s = snapshot(n.get());
  ktsnap_snapshot* a = reinterpret_cast<ktsnap_snapshot*>(0x1);
  Info i = VIEW_FAIL(ktsnap_snapshot_active(&a, s.get()), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_ACTIVE_SCHEDULER);
  EXPECT_EQ(a, nullptr);
  EXPECT_TRUE(contains(i.reason, "sched_a") && contains(i.reason, "sched_b")) << i.reason;
  EXPECT_TRUE(contains(i.reason, "2")) << i.reason;  // the number of objects
  EXPECT_TRUE(contains(i.json, "\"reason\":")) << i.json;
  ktsnap_value v{};
  i = VIEW_FAIL(ktsnap_snapshot_live_var(&v, s.get(), "kt_nr_events"), KTSNAP_E_NOTFOUND,
                KTSNAP_ERROR_NO_ACTIVE_SCHEDULER);
  // One object, none flagged: the heuristic picks it.
  ReportPtr one = two_sched({.active = "", .only_a = true});
  SnapPtr os = snapshot(one.get());
  SnapPtr oa = active(os.get());
  ASSERT_TRUE(oa);
  EXPECT_STREQ(ktsnap_snapshot_active_obj(oa.get()), "sched_a");
  // Flagged, but same-name copies and no whitelist: refused, naming the section and the count.
  ReportPtr d = two_sched({.dup_a_bss = true});
  SnapPtr dsn = snapshot(d.get());
  i = VIEW_FAIL(ktsnap_snapshot_active(&a, dsn.get()), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_ACTIVE_SCHEDULER);
  EXPECT_TRUE(contains(i.reason, "sched_a.bss \u00d7 2")) << i.reason;
  // No global sections at all.
  ReportPtr views = views_report();
  SnapPtr vs = snapshot(views.get());
  i = VIEW_FAIL(ktsnap_snapshot_active(&a, vs.get()), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_NO_ACTIVE_SCHEDULER);
  EXPECT_FALSE(i.reason.empty());
  // A flagged name that matches no object falls back to the heuristic.
  ReportPtr other = two_sched({.active = "zzz", .only_a = true});
  SnapPtr ots = snapshot(other.get());
  SnapPtr ota = active(ots.get());
  ASSERT_TRUE(ota);
  EXPECT_STREQ(ktsnap_snapshot_active_obj(ota.get()), "sched_a");
}

TEST(ViewSnapshot, PlaceholderReportsShortCircuit) {
  ReportPtr p = placeholder_report();
  ASSERT_TRUE(p);
  EXPECT_TRUE(ktsnap_report_is_placeholder(p.get()));
  SnapPtr s = snapshot(p.get());
  ASSERT_TRUE(s);
  const ktsnap_map* m = nullptr;
  ktsnap_value v{};
  ktsnap_snapshot* a = nullptr;
  VIEW_FAIL(ktsnap_snapshot_map(&m, s.get(), "kinds.bss"), KTSNAP_E_UNSUPPORTED, KTSNAP_ERROR_PLACEHOLDER_SNAPSHOT);
  VIEW_FAIL(ktsnap_snapshot_var(&v, s.get(), "kt_nr_events"), KTSNAP_E_UNSUPPORTED, KTSNAP_ERROR_PLACEHOLDER_SNAPSHOT);
  Info i = VIEW_FAIL(ktsnap_snapshot_active(&a, s.get()), KTSNAP_E_UNSUPPORTED, KTSNAP_ERROR_PLACEHOLDER_SNAPSHOT);
  EXPECT_TRUE(contains(i.json, "\"tag\"")) << i.json;  // every field, even the unset tag
  VIEW_FAIL(ktsnap_snapshot_live_var(&v, s.get(), "kt_nr_events"), KTSNAP_E_UNSUPPORTED,
            KTSNAP_ERROR_PLACEHOLDER_SNAPSHOT);
  int calls = 0;
  VIEW_FAIL(ktsnap_snapshot_live_var_via(&v, s.get(), "kt_nr_events", never_called, &calls), KTSNAP_E_UNSUPPORTED,
            KTSNAP_ERROR_PLACEHOLDER_SNAPSHOT);
  const char* names[] = {"kt_nr_events"};
  VIEW_FAIL(ktsnap_snapshot_live_vars_via(&v, nullptr, s.get(), names, 1, never_called_rows, &calls),
            KTSNAP_E_UNSUPPORTED, KTSNAP_ERROR_PLACEHOLDER_SNAPSHOT);
  // The placeholder check comes before anything else, the empty name list included.
  VIEW_FAIL(ktsnap_snapshot_live_vars_via(&v, nullptr, s.get(), names, 0, never_called_rows, &calls),
            KTSNAP_E_UNSUPPORTED, KTSNAP_ERROR_PLACEHOLDER_SNAPSHOT);
  EXPECT_EQ(calls, 0);  // pickers are never consulted
  // vars and the map count do not check.
  size_t n = 0;
  ktsnap_var_candidate c[2] = {};
  VIEW_OK(ktsnap_snapshot_vars(c, 2, &n, s.get(), "kt_nr_events"));
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(read_u64(c[0].value), 42u);
  EXPECT_EQ(ktsnap_snapshot_map_count(s.get()), 1u);
}

TEST(ViewSnapshot, LiveVarViaCallsThePickerOnce) {
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  ktsnap_value v{};
  // The built-in picker: the largest counter (sched_b's 20).
  VIEW_OK(ktsnap_snapshot_live_var_via(&v, s.get(), "kt_nr_events", ktsnap_pick_max_counter, nullptr));
  EXPECT_EQ(read_u64(v), 20u);
  // A user picker sees every copy, in capture order, with user_data.
  PickLog log;
  log.answer = 0;
  VIEW_OK(ktsnap_snapshot_live_var_via(&v, s.get(), "kt_nr_events", log_var_picker, &log));
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(log.maps, (Names{"sched_a.bss", "sched_b.bss"}));
  EXPECT_EQ(log.values, (std::vector<uint64_t>{10, 20}));
  EXPECT_EQ(read_u64(v), 10u);
  // No choice, or a choice past the end: ProjectionFailed.
  PickLog none;
  none.answer = -1;
  Info i = VIEW_FAIL(ktsnap_snapshot_live_var_via(&v, s.get(), "kt_nr_events", log_var_picker, &none),
                     KTSNAP_E_NOTFOUND, KTSNAP_ERROR_PROJECTION_FAILED);
  EXPECT_EQ(none.calls, 1);
  EXPECT_TRUE(contains(i.reason, "kt_nr_events")) << i.reason;
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_INVALID);
  PickLog past;
  past.answer = 2;
  i = VIEW_FAIL(ktsnap_snapshot_live_var_via(&v, s.get(), "kt_nr_events", log_var_picker, &past), KTSNAP_E_NOTFOUND,
                KTSNAP_ERROR_PROJECTION_FAILED);
  EXPECT_TRUE(contains(i.reason, "2")) << i.reason;
  past.answer = INT64_MAX;
  VIEW_FAIL(ktsnap_snapshot_live_var_via(&v, s.get(), "kt_nr_events", log_var_picker, &past), KTSNAP_E_NOTFOUND,
            KTSNAP_ERROR_PROJECTION_FAILED);
  // No copy: VarNotFound listing the report's global-section MAPS, picker
  // not called (spec/views.md §2.1 live_var_via step 3).
  int calls = 0;
  i = VIEW_FAIL(ktsnap_snapshot_live_var_via(&v, s.get(), "nope", never_called, &calls), KTSNAP_E_NOTFOUND,
                KTSNAP_ERROR_VAR_NOT_FOUND);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(i.requested, "nope");
  EXPECT_EQ(i.alternatives, global_maps(r.get()));
  EXPECT_EQ(i.alternatives, (Names{"sched_a.bss", "sched_a.data", "sched_a.rodata", "sched_b.bss", "sched_b.data"}));
  // It uses this view's filter and does not call active() itself.
  SnapPtr a = active(s.get());
  VIEW_OK(ktsnap_snapshot_live_var_via(&v, a.get(), "kt_nr_events", ktsnap_pick_max_counter, nullptr));
  EXPECT_EQ(read_u64(v), 10u);
}

TEST(ViewSnapshot, PickMaxCounterRules) {
  ReportPtr d = two_sched({.dup_a_bss = true});
  SnapPtr s = snapshot(d.get());
  auto c = vars(s.get(), "kt_nr_events");  // 10, 20, 30
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(ktsnap_pick_max_counter(c.data(), c.size(), nullptr), 2);
  // Ties pick the last.
  std::vector<ktsnap_var_candidate> tie = {c[1], c[0], c[1]};
  EXPECT_EQ(ktsnap_pick_max_counter(tie.data(), tie.size(), nullptr), 2);
  // Candidates that do not read as u64 are skipped: negatives, structs, empty values.
  auto neg = vars(s.get(), "kt_bss_neg");  // -1, -2, -3
  ASSERT_EQ(neg.size(), 3u);
  EXPECT_LT(ktsnap_pick_max_counter(neg.data(), neg.size(), nullptr), 0);
  auto inner = vars(s.get(), "kt_bss_inner");
  ktsnap_var_candidate empty{};
  std::vector<ktsnap_var_candidate> mixed = {neg[0], c[0], inner[0], empty, neg[1]};
  EXPECT_EQ(ktsnap_pick_max_counter(mixed.data(), mixed.size(), nullptr), 1);
  EXPECT_LT(ktsnap_pick_max_counter(nullptr, 0, nullptr), 0);
  EXPECT_LT(ktsnap_pick_max_counter(c.data(), 0, nullptr), 0);
}

TEST(ViewSnapshot, LiveVarsViaCoPicksOneMap) {
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  const char* names[] = {"kt_nr_events", "kt_bss_neg"};
  ktsnap_value out[2] = {};
  const ktsnap_map* m = nullptr;
  PickLog log;
  log.answer = 1;
  VIEW_OK(ktsnap_snapshot_live_vars_via(out, &m, s.get(), names, 2, log_row_picker, &log));
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(log.maps, (Names{"sched_a.bss", "sched_b.bss"}));
  EXPECT_EQ(log.row_sizes, (std::vector<size_t>{2, 2}));
  EXPECT_EQ(log.values, (std::vector<uint64_t>{10, uint64_t(-1), 20, uint64_t(-2)}));
  EXPECT_EQ(read_u64(out[0]), 20u);
  EXPECT_EQ(read_i64(out[1]), -2);
  EXPECT_STREQ(ktsnap_map_name(m), "sched_b.bss");
  // The built-in row picker: a row with a negative value is skipped, so
  // with kt_bss_neg in the set nothing qualifies.
  Info i = VIEW_FAIL(ktsnap_snapshot_live_vars_via(out, nullptr, s.get(), names, 2, ktsnap_pick_max_sum, nullptr),
                     KTSNAP_E_NOTFOUND, KTSNAP_ERROR_PROJECTION_FAILED);
  EXPECT_TRUE(contains(i.reason, "kt_nr_events")) << i.reason;
  VIEW_OK(
      ktsnap_snapshot_live_vars_via(out, &m, s.get(), names, 1, ktsnap_pick_max_sum, nullptr));  // map_out NULL ok too
  EXPECT_EQ(read_u64(out[0]), 20u);
  EXPECT_STREQ(ktsnap_map_name(m), "sched_b.bss");
  // Past the end.
  log = PickLog();
  log.answer = 2;
  VIEW_FAIL(ktsnap_snapshot_live_vars_via(out, nullptr, s.get(), names, 2, log_row_picker, &log), KTSNAP_E_NOTFOUND,
            KTSNAP_ERROR_PROJECTION_FAILED);
  // No names.
  int calls = 0;
  VIEW_FAIL(ktsnap_snapshot_live_vars_via(out, nullptr, s.get(), names, 0, never_called_rows, &calls),
            KTSNAP_E_NOTFOUND, KTSNAP_ERROR_PROJECTION_FAILED);
  // No map holds them all (a .bss counter and a .data variable never share
  // a row): VarNotFound naming the request and the global-section maps
  // (spec/views.md §2.1 live_vars_via step 4); the picker is not called.
  const char* split[] = {"kt_nr_events", "kt_data_counter"};
  i = VIEW_FAIL(ktsnap_snapshot_live_vars_via(out, nullptr, s.get(), split, 2, never_called_rows, &calls),
                KTSNAP_E_NOTFOUND, KTSNAP_ERROR_VAR_NOT_FOUND);
  EXPECT_EQ(i.requested, "[kt_nr_events, kt_data_counter]");
  EXPECT_EQ(i.alternatives, global_maps(r.get()));
  EXPECT_EQ(calls, 0);
}

TEST(ViewSnapshot, PickMaxSumRules) {
  ReportPtr v = views_report();
  const ktsnap_map* tasks = map_of(v.get(), "vw_tasks");
  ktsnap_value row9{}, max{}, nine{}, zero{};
  ASSERT_OK(ktsnap_map_value(&row9, tasks, 9));
  ASSERT_OK(ktsnap_value_get(&max, &row9, "hist[3]"));    // UINT64_MAX
  ASSERT_OK(ktsnap_value_get(&nine, &row9, "hist[0]"));   // 9
  ASSERT_OK(ktsnap_value_get(&zero, &row9, "bools[2]"));  // false
  ktsnap_value negative{};
  ktsnap_value row0{};
  ASSERT_OK(ktsnap_map_value(&row0, tasks, 0));
  ASSERT_OK(ktsnap_value_get(&negative, &row0, "prio"));  // -5
  EXPECT_EQ(plain_u64(max), UINT64_MAX);
  // Sums saturate; ties pick the last row.
  ktsnap_value r0[2] = {max, nine}, r1[2] = {max, zero}, r2[2] = {nine, nine};
  ktsnap_var_row rows[3] = {{tasks, r0, 2}, {tasks, r1, 2}, {tasks, r2, 2}};
  EXPECT_EQ(ktsnap_pick_max_sum(rows, 3, nullptr), 1);
  EXPECT_EQ(ktsnap_pick_max_sum(rows + 2, 1, nullptr), 0);
  // A row with any value that does not read as u64 is skipped whole.
  ktsnap_value bad[2] = {max, negative}, empty[2] = {nine, ktsnap_value{}};
  ktsnap_var_row mixed[3] = {{tasks, bad, 2}, {tasks, r2, 2}, {tasks, empty, 2}};
  EXPECT_EQ(ktsnap_pick_max_sum(mixed, 3, nullptr), 1);
  EXPECT_LT(ktsnap_pick_max_sum(mixed, 1, nullptr), 0);
  EXPECT_LT(ktsnap_pick_max_sum(nullptr, 0, nullptr), 0);
}

TEST(ViewSnapshot, ValuesBorrowTheReportNotTheSnapshot) {
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  ktsnap_value v = var(s.get(), "kt_nr_events");
  const ktsnap_map* m = nullptr;
  VIEW_OK(ktsnap_snapshot_map(&m, s.get(), "sched_b.bss"));
  s.reset();
  EXPECT_EQ(read_u64(v), 10u);
  ktsnap_value w{};
  VIEW_OK(ktsnap_entry_get(&w, m, 0, KTSNAP_NO_CPU, "kt_nr_events"));
  EXPECT_EQ(read_u64(w), 20u);
}

TEST(ViewSnapshot, NullArguments) {
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  ktsnap_snapshot* sp = nullptr;
  const ktsnap_map* m = nullptr;
  ktsnap_value v{};
  size_t n = 0;
  NULL_ARG(ktsnap_snapshot_new(nullptr, r.get()), "out");
  NULL_ARG(ktsnap_snapshot_new(&sp, nullptr), "report");
  NULL_ARG(ktsnap_snapshot_active(nullptr, s.get()), "out");
  NULL_ARG(ktsnap_snapshot_active(&sp, nullptr), "snap");
  NULL_ARG(ktsnap_snapshot_map(nullptr, s.get(), "x"), "out");
  NULL_ARG(ktsnap_snapshot_map(&m, nullptr, "x"), "snap");
  NULL_ARG(ktsnap_snapshot_map(&m, s.get(), nullptr), "name");
  NULL_ARG(ktsnap_snapshot_var(nullptr, s.get(), "x"), "out");
  NULL_ARG(ktsnap_snapshot_var(&v, nullptr, "x"), "snap");
  NULL_ARG(ktsnap_snapshot_var(&v, s.get(), nullptr), "name");
  NULL_ARG(ktsnap_snapshot_live_var(nullptr, s.get(), "x"), "out");
  NULL_ARG(ktsnap_snapshot_live_var(&v, nullptr, "x"), "snap");
  NULL_ARG(ktsnap_snapshot_live_var(&v, s.get(), nullptr), "name");
  NULL_ARG(ktsnap_snapshot_vars(nullptr, 0, nullptr, s.get(), "x"), "count_out");
  NULL_ARG(ktsnap_snapshot_vars(nullptr, 0, &n, nullptr, "x"), "snap");
  NULL_ARG(ktsnap_snapshot_vars(nullptr, 0, &n, s.get(), nullptr), "name");
  NULL_ARG(ktsnap_snapshot_vars(nullptr, 3, &n, s.get(), "kt_nr_events"), "out");
  NULL_ARG(ktsnap_snapshot_live_var_via(nullptr, s.get(), "x", ktsnap_pick_max_counter, nullptr), "out");
  NULL_ARG(ktsnap_snapshot_live_var_via(&v, nullptr, "x", ktsnap_pick_max_counter, nullptr), "snap");
  NULL_ARG(ktsnap_snapshot_live_var_via(&v, s.get(), nullptr, ktsnap_pick_max_counter, nullptr), "name");
  NULL_ARG(ktsnap_snapshot_live_var_via(&v, s.get(), "kt_nr_events", nullptr, nullptr), "picker");
  const char* names[] = {"kt_nr_events", nullptr};
  ktsnap_value out[2];
  NULL_ARG(ktsnap_snapshot_live_vars_via(nullptr, nullptr, s.get(), names, 1, ktsnap_pick_max_sum, nullptr), "out");
  NULL_ARG(ktsnap_snapshot_live_vars_via(out, nullptr, nullptr, names, 1, ktsnap_pick_max_sum, nullptr), "snap");
  NULL_ARG(ktsnap_snapshot_live_vars_via(out, nullptr, s.get(), nullptr, 1, ktsnap_pick_max_sum, nullptr), "names");
  NULL_ARG(ktsnap_snapshot_live_vars_via(out, nullptr, s.get(), names, 2, ktsnap_pick_max_sum, nullptr), "names");
  NULL_ARG(ktsnap_snapshot_live_vars_via(out, nullptr, s.get(), names, 1, nullptr, nullptr), "picker");
  // Outputs are zeroed on failure, also when another argument is the bad one.
  m = reinterpret_cast<const ktsnap_map*>(0x1);
  NULL_ARG(ktsnap_snapshot_map(&m, s.get(), nullptr), "name");
  EXPECT_EQ(m, nullptr);
  sp = reinterpret_cast<ktsnap_snapshot*>(0x1);
  NULL_ARG(ktsnap_snapshot_new(&sp, nullptr), "report");
  EXPECT_EQ(sp, nullptr);
  n = 99;
  NULL_ARG(ktsnap_snapshot_vars(nullptr, 0, &n, nullptr, "x"), "snap");
  EXPECT_EQ(n, 0u);
  VIEW_OK(ktsnap_snapshot_var(&v, s.get(), "kt_nr_events"));
  NULL_ARG(ktsnap_snapshot_var(&v, s.get(), nullptr), "name");
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_INVALID);
  // Getters that cannot fail: zero values for NULL, no crash.
  EXPECT_EQ(ktsnap_snapshot_report(nullptr), nullptr);
  EXPECT_FALSE(ktsnap_snapshot_is_filtered(nullptr));
  const char* obj = ktsnap_snapshot_active_obj(nullptr);
  EXPECT_TRUE(obj == nullptr || *obj == '\0');
  EXPECT_EQ(ktsnap_snapshot_map_count(nullptr), 0u);
  EXPECT_EQ(ktsnap_snapshot_map_at(nullptr, 0), nullptr);
  ktsnap_snapshot_free(nullptr);
}

TEST(ViewSnapshot, AmbiguityInsideAFilteredView) {
  // Both same-name sched_a.bss copies are whitelisted: the filtered view
  // cannot narrow further, so var() is ambiguous there, and the unfiltered
  // var() returns that filtered answer verbatim.
  ReportPtr w = two_sched({.kvas = {kA1, kA9}, .dup_a_bss = true});
  ASSERT_TRUE(w);
  SnapPtr s = snapshot(w.get());
  SnapPtr a = active(s.get());
  ASSERT_TRUE(a);
  EXPECT_EQ(admitted(a.get()), (Names{"sched_a.bss", "sched_a.bss"}));
  ktsnap_value v{};
  Info i = VIEW_FAIL(ktsnap_snapshot_var(&v, a.get(), "kt_nr_events"), KTSNAP_E_INVALID, KTSNAP_ERROR_AMBIGUOUS_VAR);
  EXPECT_EQ(i.alternatives, (Names{"sched_a.bss", "sched_a.bss"}));
  i = VIEW_FAIL(ktsnap_snapshot_var(&v, s.get(), "kt_nr_events"), KTSNAP_E_INVALID, KTSNAP_ERROR_AMBIGUOUS_VAR);
  EXPECT_EQ(i.alternatives, (Names{"sched_a.bss", "sched_a.bss"}));
  // The picker decides: the larger counter (30, the second copy).
  VIEW_OK(ktsnap_snapshot_live_var_via(&v, a.get(), "kt_nr_events", ktsnap_pick_max_counter, nullptr));
  EXPECT_EQ(read_u64(v), 30u);
  // A name only the data section holds is not there at all.
  i = VIEW_FAIL(ktsnap_snapshot_var(&v, a.get(), "kt_data_counter"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_VAR_NOT_FOUND);
}

TEST(ViewSnapshot, OneSnapshotManyThreads) {
  ReportPtr r = two_sched({.stats = "{\"n\": 7}"});
  SnapPtr s = snapshot(r.get());
  const ktsnap_snapshot* cs = s.get();
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 6; t++)
    ts.emplace_back([cs, &bad] {
      for (int k = 0; k < 300; k++) {
        ktsnap_value v{};
        uint64_t u = 0;
        if (ktsnap_snapshot_var(&v, cs, "kt_nr_events") != KTSNAP_OK ||
            ktsnap_value_read_u64(&u, &v, "") != KTSNAP_OK || u != 10)
          bad++;
        const ktsnap_map* m = nullptr;
        if (ktsnap_snapshot_map(&m, cs, "sched_b.data") != KTSNAP_OK) bad++;
        ktsnap_snapshot* a = nullptr;
        if (ktsnap_snapshot_active(&a, cs) != KTSNAP_OK || ktsnap_snapshot_map_count(a) != 3) bad++;
        ktsnap_snapshot_free(a);
        if (ktsnap_snapshot_var(&v, cs, "nope") != KTSNAP_E_NOTFOUND) bad++;
        ktsnap_error_info info = KTSNAP_ERROR_INFO_INIT;
        if (ktsnap_last_error_info(&info) != KTSNAP_OK || std::string(info.requested) != "nope") bad++;
        ktsnap_json j{};
        if (ktsnap_snapshot_stats(&j, cs, "n") != KTSNAP_OK || ktsnap_json_u64(&u, &j) != KTSNAP_OK || u != 7) bad++;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(ViewSnapshot, DataSubsectionsOfTheKindsFixture) {
  // The kinds fixture: kinds.bss/.data/.rodata and ".data.custom" (libbpf
  // names .data.<name> sections without the object prefix).
  const Kinds& k = kinds();
  SnapPtr s = snapshot(k.report.get());
  EXPECT_EQ(read_u64(var(s.get(), "kt_custom_v")), 7u);  // .data.* holds globals too
  EXPECT_EQ(read_u64(var(s.get(), "kt_nr_events")), 42u);
  EXPECT_EQ(read_i64(var(s.get(), "kt_bss_neg")), -12345);
  EXPECT_EQ(read_u64(var(s.get(), "kt_ro_nr_cpus")), 4u);
  ktsnap_value label = var(s.get(), "kt_data_label");
  char* text = nullptr;
  ASSERT_OK(ktsnap_value_string_dup(&text, nullptr, &label));
  EXPECT_STREQ(text, "hello");
  ktsnap_free(text);
  auto c = vars(s.get(), "kt_custom_v");
  EXPECT_EQ(candidate_maps(c), (Names{".data.custom"}));
  // The active view admits maps of the "kinds" object only: ".data.custom"
  // has no object prefix, so it is not among them.
  SnapPtr a = active(s.get());
  ASSERT_TRUE(a);
  EXPECT_STREQ(ktsnap_snapshot_active_obj(a.get()), "kinds");
  EXPECT_EQ(admitted(a.get()), (Names{"kinds.data", "kinds.rodata", "kinds.bss"}));
  ktsnap_value v{};
  Info i =
      VIEW_FAIL(ktsnap_snapshot_live_var(&v, s.get(), "kt_custom_v"), KTSNAP_E_NOTFOUND, KTSNAP_ERROR_VAR_NOT_FOUND);
  EXPECT_EQ(i.alternatives, all_globals());
  EXPECT_EQ(read_u64(var(a.get(), "kt_nr_events")), 42u);
  // live_var_via lists the report's global-section maps, ".data.custom" included.
  i = VIEW_FAIL(ktsnap_snapshot_live_var_via(&v, s.get(), "nope", ktsnap_pick_max_counter, nullptr), KTSNAP_E_NOTFOUND,
                KTSNAP_ERROR_VAR_NOT_FOUND);
  EXPECT_EQ(i.alternatives, (Names{"kinds.data", "kinds.rodata", ".data.custom", "kinds.bss"}));
}

namespace {
// Pickers that call back into ktsnap, failing on purpose, before answering.
int64_t failing_call_then(const ktsnap_var_candidate* c, size_t n, void* user) {
  uint64_t u = 0;
  EXPECT_EQ(ktsnap_value_read_u64(&u, &c[0].value, "no.such.path"), KTSNAP_E_TYPE);  // leaves a last error
  (void)n;
  return *static_cast<int64_t*>(user);
}
int64_t failing_row_call_then(const ktsnap_var_row* rows, size_t, void* user) {
  ktsnap_value v{};
  EXPECT_NE(ktsnap_value_walk(&v, &rows[0].values[0], "x"), KTSNAP_OK);
  return *static_cast<int64_t*>(user);
}
int64_t succeeding_call_then(const ktsnap_var_candidate* c, size_t, void* user) {
  uint64_t u = 0;
  EXPECT_EQ(ktsnap_value_read_u64(&u, &c[0].value, ""), KTSNAP_OK);  // clears the last error
  return *static_cast<int64_t*>(user);
}
}  // namespace

TEST(ViewSnapshot, PickersThatCallBackIntoTheLibraryAndChooseNone) {
  // The status and details the caller sees are those of the outer call,
  // whatever the picker's own calls left behind.
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  ktsnap_value v{};
  int64_t pick = -1;
  VIEW_FAIL(ktsnap_snapshot_live_var_via(&v, s.get(), "kt_nr_events", succeeding_call_then, &pick), KTSNAP_E_NOTFOUND,
            KTSNAP_ERROR_PROJECTION_FAILED);
  VIEW_FAIL(ktsnap_snapshot_live_var_via(&v, s.get(), "kt_nr_events", failing_call_then, &pick), KTSNAP_E_NOTFOUND,
            KTSNAP_ERROR_PROJECTION_FAILED);
  const char* names[] = {"kt_nr_events"};
  const ktsnap_map* m = reinterpret_cast<const ktsnap_map*>(0x1);
  pick = 5;
  VIEW_FAIL(ktsnap_snapshot_live_vars_via(&v, &m, s.get(), names, 1, failing_row_call_then, &pick), KTSNAP_E_NOTFOUND,
            KTSNAP_ERROR_PROJECTION_FAILED);
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_INVALID);
}

TEST(ViewSnapshot, PickersThatCallBackIntoTheLibraryAndChoose) {
  // A picker's failing ktsnap call must not become the outer call's error
  // when the outer call succeeds.
  ReportPtr r = two_sched();
  SnapPtr s = snapshot(r.get());
  ktsnap_value v{};
  int64_t pick = 1;
  VIEW_OK(ktsnap_snapshot_live_var_via(&v, s.get(), "kt_nr_events", failing_call_then, &pick));
  uint64_t u = 0;
  VIEW_OK(ktsnap_value_read_u64(&u, &v, ""));
  EXPECT_EQ(u, 20u);

  const char* names[] = {"kt_nr_events"};
  const ktsnap_map* m = nullptr;
  pick = 0;
  VIEW_OK(ktsnap_snapshot_live_vars_via(&v, &m, s.get(), names, 1, failing_row_call_then, &pick));
  ASSERT_NE(m, nullptr);
  EXPECT_STREQ(ktsnap_map_name(m), "sched_a.bss");
  VIEW_OK(ktsnap_value_read_u64(&u, &v, ""));
  EXPECT_EQ(u, 10u);
}

TEST(ViewSnapshot, BuilderActiveMapKvasBadInput) {
  ktsnap_builder* b = nullptr;
  ASSERT_EQ(ktsnap_builder_new(&b, nullptr), KTSNAP_OK) << ktsnap_last_error();
  BuilderPtr owned(b);
  EXPECT_EQ(ktsnap_builder_set_active_map_kvas(nullptr, nullptr, 0), KTSNAP_E_INVALID);
  EXPECT_EQ(ktsnap_builder_set_active_map_kvas(b, nullptr, 2), KTSNAP_E_INVALID);
  EXPECT_NE(std::string(ktsnap_last_error()).find("kvas"), std::string::npos) << ktsnap_last_error();
  EXPECT_EQ(ktsnap_builder_set_active_map_kvas(b, nullptr, 0), KTSNAP_OK) << ktsnap_last_error();
  const uint64_t k[2] = {0x1000, 0x2000};
  EXPECT_EQ(ktsnap_builder_set_active_map_kvas(b, k, 2), KTSNAP_OK) << ktsnap_last_error();
  ktsnap_report* rep = nullptr;
  ASSERT_EQ(ktsnap_builder_finish(&rep, b), KTSNAP_OK) << ktsnap_last_error();
  ReportPtr r(rep);
  EXPECT_EQ(ktsnap_builder_set_active_map_kvas(b, k, 2), KTSNAP_E_INVALID);  // finished
}
