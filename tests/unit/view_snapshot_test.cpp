// Snapshot: map / var / vars, the active() projection (walker fast path
// with and without a KVA whitelist, multi-copy and multi-obj refusals, the
// heuristic), the excluded-filter check, live_var / live_var_via /
// live_vars_via with pickers, and the placeholder short-circuits. Reports
// hold two schedulers whose global maps share names under different obj
// prefixes, typed by the fixture's real DATASECs.
#include <gtest/gtest.h>

#include "view_test_util.hpp"

// TwoOpts is filled with designated initializers naming only what a test
// changes; the rest keeps its default member initializer.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace ktsnap::test::viewt {
namespace {

struct TwoOpts {
  std::string active = "sched_a";  // scheduler flagged active ("" = none)
  std::vector<uint64_t> kvas;      // active_map_kvas
  bool dup_a_bss = false;          // a second "sched_a.bss" (kt_nr_events = 30)
  bool zero_a_kvas = false;        // sched_a maps without recorded KVAs
  bool broken_a_rodata = false;    // sched_a.rodata failed to capture
  bool only_a = false;             // no sched_b maps
};

constexpr uint64_t kA1 = 0xffff8880a1000000, kA2 = 0xffff8880a2000000, kA3 = 0xffff8880a3000000,
                   kA9 = 0xffff8880a9000000, kB1 = 0xffff8880b1000000, kB2 = 0xffff8880b2000000,
                   kC1 = 0xffff8880c1000000;

Owned two_sched(const TwoOpts& o = {}) {
  Maker mk;
  for (const char* n : {"sched_a", "sched_b"}) mk.scheduler(n, o.active == n);
  if (!o.active.empty() && o.active != "sched_a" && o.active != "sched_b") mk.scheduler(o.active, true);
  auto kva = [&](uint64_t k) { return o.zero_a_kvas ? 0 : k; };
  mk.section("sched_a.bss", ".bss", kva(kA1), mk.bss(10, 1, -1));
  mk.section("sched_a.data", ".data", kva(kA2), mk.data(3));
  if (o.broken_a_rodata) {
    MapSpec s = mk.section_spec("sched_a.rodata", ".rodata", kva(kA3));
    s.has_error = true;
    s.error = "rodata: EPERM";
    mk.map(s, {}, {});
  } else {
    mk.section("sched_a.rodata", ".rodata", kva(kA3), mk.rodata(8));
  }
  MapSpec h = mk.spec("scx_per_task", kMapTypeHash, 0, mk.id("kt_inner", BtfKind::Struct), 64);
  h.map_kva = kC1;
  std::vector<uint8_t> keys, values;
  for (uint32_t i = 0; i < 3; i++) {
    append(keys, bytes_of(100 + i));
    uint32_t in[2] = {i * 5, 0};
    append(values, bytes_of(in));
  }
  mk.map(h, keys, values);
  if (!o.only_a) {
    mk.section("sched_b.bss", ".bss", kB1, mk.bss(20, 2, -2));
    mk.section("sched_b.data", ".data", kB2, mk.data(4));
  }
  if (o.dup_a_bss) mk.section("sched_a.bss", ".bss", kva(kA9), mk.bss(30, 3, -3));
  mk.kvas(o.kvas);
  return mk.finish();
}

std::vector<std::string> names(const std::vector<VarCandidate>& c) {
  std::vector<std::string> out;
  for (auto& x : c) out.emplace_back(x.map);
  return out;
}

TEST(ViewSnapshot, HelperPredicates) {
  EXPECT_EQ(obj_prefix("sched_a.bss"), "sched_a");
  EXPECT_EQ(obj_prefix("a.b.bss"), "a");
  EXPECT_FALSE(obj_prefix("scx_per_task").has_value());
  EXPECT_EQ(obj_prefix(".data.custom"), "");
  EXPECT_TRUE(belongs_to_obj("sched_a.data", "sched_a"));
  EXPECT_FALSE(belongs_to_obj("sched_ab.data", "sched_a"));
  EXPECT_FALSE(belongs_to_obj("sched_a", "sched_a"));
  Owned r = two_sched();
  EXPECT_TRUE(is_global_section_map(*r.report->find_map("sched_a.rodata")));
  EXPECT_FALSE(is_global_section_map(*r.report->find_map("scx_per_task")));
}

TEST(ViewSnapshot, UnfilteredMapLookups) {
  Owned r = two_sched();
  Snapshot s(*r);
  EXPECT_FALSE(s.is_filtered());
  EXPECT_FALSE(s.active_obj().has_value());
  EXPECT_FALSE(s.is_placeholder());
  EXPECT_EQ(&s.report(), r.report.get());
  EXPECT_EQ(s.map_count(), 6u);
  EXPECT_EQ(s.maps().size(), 6u);
  auto m = s.map("scx_per_task");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->at(2).get("a").as_u64().value(), 10u);
  auto nf = err_of<MapNotFound>(s.map("scx_per_tsk"));
  EXPECT_EQ(nf.requested, "scx_per_tsk");
  EXPECT_EQ(nf.available, (std::vector<std::string>{"sched_a.bss", "sched_a.data", "sched_a.rodata", "scx_per_task",
                                                    "sched_b.bss", "sched_b.data"}));
  // The first of two same-named maps wins.
  Owned d = two_sched({.dup_a_bss = true});
  EXPECT_EQ(Snapshot(*d).map("sched_a.bss")->at(0).get("kt_nr_events").as_u64().value(), 10u);
}

TEST(ViewSnapshot, VarsEnumeratesEveryCopy) {
  Owned r = two_sched();
  Snapshot s(*r);
  auto c = s.vars("kt_nr_events");
  EXPECT_EQ(names(c), (std::vector<std::string>{"sched_a.bss", "sched_b.bss"}));
  EXPECT_EQ(c[0].field.as_u64().value(), 10u);
  EXPECT_EQ(c[1].field.as_u64().value(), 20u);
  EXPECT_EQ(names(s.vars("kt_data_counter")), (std::vector<std::string>{"sched_a.data", "sched_b.data"}));
  EXPECT_TRUE(s.vars("nope").empty());
  EXPECT_TRUE(s.vars("a").empty());  // a member of scx_per_task's value is no global
  // The filter applies.
  auto a = s.active();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(names(a->vars("kt_nr_events")), (std::vector<std::string>{"sched_a.bss"}));
}

TEST(ViewSnapshot, VarResolvesSingleHitsAndDelegatesAmbiguityToActive) {
  Owned r = two_sched();
  Snapshot s(*r);
  EXPECT_EQ(s.var("kt_ro_nr_cpus").as_u64().value(), 8u);          // one copy only
  EXPECT_EQ(s.var("kt_bss_inner").get("a").as_u64().value(), 1u);  // two copies: the active one
  EXPECT_EQ(s.var("kt_nr_events").as_u64().value(), 10u);
  // var never splits on dots.
  auto dotted = err_as<VarNotFound>(s.var("kt_bss_inner.a"));
  EXPECT_EQ(dotted.requested, "kt_bss_inner.a");

  // No scheduler flagged and two objs: active() fails, so ambiguity stands.
  Owned n = two_sched({.active = ""});
  auto amb = err_as<AmbiguousVar>(Snapshot(*n).var("kt_nr_events"));
  EXPECT_EQ(amb.requested, "kt_nr_events");
  EXPECT_EQ(amb.found_in, (std::vector<std::string>{"sched_a.bss", "sched_b.bss"}));
  EXPECT_EQ(Snapshot(*n).var("kt_ro_nr_cpus").as_u64().value(), 8u);

  // Same-name copies: found_in repeats the name.
  Owned d = two_sched({.dup_a_bss = true});
  auto dup = err_as<AmbiguousVar>(Snapshot(*d).var("kt_nr_events"));
  EXPECT_EQ(dup.found_in, (std::vector<std::string>{"sched_a.bss", "sched_b.bss", "sched_a.bss"}));
  // ... unless the whitelist names the live copy.
  Owned w = two_sched({.kvas = {kA9, kA2}, .dup_a_bss = true});
  EXPECT_EQ(Snapshot(*w).var("kt_nr_events").as_u64().value(), 30u);
}

TEST(ViewSnapshot, VarNotFoundAndRenderFailures) {
  Owned r = two_sched();
  auto nf = err_as<VarNotFound>(Snapshot(*r).var("nr_cpus_onln"));
  EXPECT_EQ(nf.requested, "nr_cpus_onln");
  // Sorted, de-duplicated member names of every admitted global map.
  EXPECT_EQ(nf.available, (std::vector<std::string>{"kt_bss_inner", "kt_bss_neg", "kt_data_counter", "kt_data_label",
                                                    "kt_nr_events", "kt_ro_mode", "kt_ro_nr_cpus"}));
  auto act = Snapshot(*r).active();
  ASSERT_TRUE(act.ok());
  EXPECT_EQ(err_as<VarNotFound>(act->var("nope")).available.size(), 7u);

  // A global map that failed to capture shadows absence, even though other
  // maps rendered; a present variable is still found.
  Owned b = two_sched({.broken_a_rodata = true});
  auto ri = err_as<MapRenderIncomplete>(Snapshot(*b).var("kt_ro_nr_cpus"));
  EXPECT_EQ(ri.map, "sched_a.rodata");
  EXPECT_EQ(ri.error, "rodata: EPERM");
  EXPECT_EQ(Snapshot(*b).var("kt_data_counter").as_u64().value(), 3u);
  EXPECT_EQ(err_as<MapRenderIncomplete>(Snapshot(*b).live_var("nope")).map, "sched_a.rodata");
}

TEST(ViewSnapshot, ActiveFastPath) {
  // Flagged scheduler, no whitelist: filtered by obj prefix only.
  Owned r = two_sched();
  Snapshot s(*r);
  auto a = s.active();
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->is_filtered());
  EXPECT_EQ(a->active_obj(), "sched_a");
  EXPECT_TRUE(a->active_map_kvas().empty());
  EXPECT_EQ(a->map_count(), 3u);
  std::vector<std::string> seen;
  for (auto& m : a->maps()) seen.emplace_back(m.name());
  EXPECT_EQ(seen, (std::vector<std::string>{"sched_a.bss", "sched_a.data", "sched_a.rodata"}));
  // Names without a '.' are invisible in a filtered view.
  auto hidden = err_of<MapNotFound>(a->map("scx_per_task"));
  EXPECT_EQ(hidden.available, seen);
  EXPECT_EQ(a->var("kt_nr_events").as_u64().value(), 10u);
  // Projections are repeatable, also from a filtered view.
  auto again = a->active();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->active_obj(), "sched_a");
  EXPECT_EQ(again->map_count(), 3u);

  // Whitelist: obj prefix AND listed KVA.
  Owned w = two_sched({.kvas = {kA1, kA3, kB1, kC1}});
  auto wa = Snapshot(*w).active();
  ASSERT_TRUE(wa.ok());
  EXPECT_EQ(wa->active_map_kvas().size(), 4u);
  EXPECT_EQ(wa->map_count(), 2u);  // sched_a.bss, sched_a.rodata
  EXPECT_TRUE(wa->map("sched_a.rodata").ok());
  // sched_a.data is excluded, but other sched_a maps are admitted: a plain
  // not-found, not the filter's fault.
  auto nf = err_of<MapNotFound>(wa->map("sched_a.data"));
  EXPECT_EQ(nf.available, (std::vector<std::string>{"sched_a.bss", "sched_a.rodata"}));
  EXPECT_EQ(err_as<VarNotFound>(wa->var("kt_data_counter")).requested, "kt_data_counter");

  // The flagged scheduler is sched_b.
  Owned b = two_sched({.active = "sched_b"});
  EXPECT_EQ(Snapshot(*b).active()->active_obj(), "sched_b");
  EXPECT_EQ(Snapshot(*b).var("kt_nr_events").as_u64().value(), 20u);
  EXPECT_EQ(Snapshot(*b).live_var("kt_nr_events").as_u64().value(), 20u);
}

TEST(ViewSnapshot, ActiveMatchesLibbpfTruncatedMapPrefix) {
  // libbpf names the maps of object "scx_layered" scx_laye.bss/.data/.rodata.
  auto build = [](const char* active) {
    Maker mk;
    for (const char* n : {"scx_layered", "scx_rusty", "scx_la"}) mk.scheduler(n, std::string_view(active) == n);
    mk.section("scx_laye.bss", ".bss", 0x1, mk.bss(11));
    mk.section("scx_laye.data", ".data", 0x2, mk.data(1));
    mk.section("scx_rusty.bss", ".bss", 0x3, mk.bss(22));
    return mk.finish();
  };
  Owned layered = build("scx_layered");
  auto a = Snapshot(*layered).active();
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->active_obj(), "scx_laye");
  EXPECT_EQ(Snapshot(*layered).var("kt_nr_events").as_u64().value(), 11u);
  Owned rusty = build("scx_rusty");  // 9 characters, but its map prefix is exact
  EXPECT_EQ(Snapshot(*rusty).active()->active_obj(), "scx_rusty");
  Owned shorter = build("scx_la");  // names of 8 or fewer characters match exactly only
  EXPECT_EQ(err_of<NoActiveScheduler>(Snapshot(*shorter).active()).reason.find("2 BPF objects") != std::string::npos,
            true);
}

TEST(ViewSnapshot, ActiveRefusesMultiCopyAndMultiObj) {
  // Fast path with same-name copies and no whitelist.
  Owned d = two_sched({.dup_a_bss = true});
  auto mc = err_of<NoActiveScheduler>(Snapshot(*d).active());
  EXPECT_NE(mc.reason.find("sched_a.bss \u00d7 2"), std::string::npos) << mc.reason;
  EXPECT_EQ(mc.reason.find("sched_a.data \u00d7"), std::string::npos);
  EXPECT_NE(mc.reason.find("max_by_sum_u64"), std::string::npos);
  EXPECT_NE(mc.reason.find("max_by_counter_value"), std::string::npos);
  EXPECT_EQ(err_as<NoActiveScheduler>(Snapshot(*d).live_var("kt_nr_events")).reason, mc.reason);

  // Heuristic: nothing flagged, two objs.
  Owned n = two_sched({.active = ""});
  auto mo = err_of<NoActiveScheduler>(Snapshot(*n).active());
  EXPECT_NE(mo.reason.find("2 BPF objects"), std::string::npos) << mo.reason;
  EXPECT_NE(mo.reason.find("[\"sched_a\", \"sched_b\"]"), std::string::npos);
  EXPECT_NE(mo.reason.find("vars(name)"), std::string::npos);
  EXPECT_NE(SnapshotError(mo).message().find(mo.reason), std::string::npos);

  // A flagged name that matches no obj falls through to the heuristic.
  Owned g = two_sched({.active = "ghost"});
  EXPECT_EQ(err_of<NoActiveScheduler>(Snapshot(*g).active()).reason, mo.reason);
  Owned g1 = two_sched({.active = "ghost", .only_a = true});
  EXPECT_EQ(Snapshot(*g1).active()->active_obj(), "sched_a");

  // Heuristic: one obj with copies.
  Owned d1 = two_sched({.active = "", .dup_a_bss = true, .only_a = true});
  EXPECT_NE(err_of<NoActiveScheduler>(Snapshot(*d1).active()).reason.find("sched_a.bss \u00d7 2"), std::string::npos);
  // Heuristic: one obj, one copy each.
  Owned one = two_sched({.active = "", .only_a = true});
  EXPECT_EQ(Snapshot(*one).active()->active_obj(), "sched_a");

  // No global-section maps at all.
  Maker mk;
  MapSpec h = mk.spec("lonely", kMapTypeHash, 0, mk.id("__u64", BtfKind::Typedef), 4);
  mk.map(h, bytes_of(uint32_t(1)), bytes_of(uint64_t(2)));
  Owned none = mk.finish();
  auto ng = err_of<NoActiveScheduler>(Snapshot(*none).active());
  EXPECT_NE(ng.reason.find("no global-section"), std::string::npos);
  EXPECT_EQ(err_as<NoActiveScheduler>(Snapshot(*none).live_var("x")).reason, ng.reason);
}

TEST(ViewSnapshot, ExcludedFilterCheck) {
  // The whitelist names none of sched_a's maps (a post-swap window).
  Owned r = two_sched({.kvas = {0x9999}});
  auto a = Snapshot(*r).active();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->map_count(), 0u);
  auto ex = err_of<ActiveFilterExcludedMaps>(a->map("sched_a.bss"));
  EXPECT_EQ(ex.requested, "sched_a.bss");
  EXPECT_EQ(ex.active_obj, "sched_a");
  EXPECT_EQ(ex.excluded_maps,
            (std::vector<ExcludedMap>{{"sched_a.bss", kA1}, {"sched_a.data", kA2}, {"sched_a.rodata", kA3}}));
  EXPECT_EQ(ex.whitelist_kvas, (std::vector<uint64_t>{0x9999}));
  EXPECT_NE(SnapshotError(ex).message().find("replace/attach"), std::string::npos);
  EXPECT_EQ(err_as<ActiveFilterExcludedMaps>(a->var("kt_nr_events")).requested, "kt_nr_events");
  EXPECT_EQ(err_as<ActiveFilterExcludedMaps>(a->var("no_such_var")).requested, "no_such_var");
  EXPECT_EQ(err_as<ActiveFilterExcludedMaps>(Snapshot(*r).live_var("kt_nr_events")).excluded_maps.size(), 3u);
  EXPECT_EQ(err_as<ActiveFilterExcludedMaps>(a->live_var_via("kt_nr_events", pickers::max_by_counter_value)).requested,
            "kt_nr_events");
  auto rows = a->live_vars_via({"kt_nr_events", "kt_bss_neg"}, pickers::max_by_sum_u64);
  EXPECT_EQ(err_of<ActiveFilterExcludedMaps>(rows).requested, "[kt_nr_events, kt_bss_neg]");

  // Maps without recorded KVAs.
  Owned z = two_sched({.kvas = {kB1}, .zero_a_kvas = true});
  auto za = Snapshot(*z).active();
  ASSERT_TRUE(za.ok());
  auto zex = err_of<ActiveFilterExcludedMaps>(za->map("sched_a.bss"));
  EXPECT_EQ(zex.excluded_maps[0].map_kva, 0u);
  std::string zmsg = SnapshotError(zex).message();
  EXPECT_NE(zmsg.find("sched_a.bss@0x0"), std::string::npos);
  EXPECT_NE(zmsg.find("no recorded KVA"), std::string::npos);

  // Zero KVAs next to a copy that disagrees with the whitelist.
  Maker mk;
  mk.scheduler("s", true);
  mk.section("s.bss", ".bss", 0, mk.bss(1));
  mk.section("s.data", ".data", 0x5555, mk.data(1));
  mk.kvas({0x7777});
  Owned mixed = mk.finish();
  auto mx = err_as<ActiveFilterExcludedMaps>(Snapshot(*mixed).live_var("kt_nr_events"));
  EXPECT_EQ(mx.excluded_maps, (std::vector<ExcludedMap>{{"s.bss", 0}, {"s.data", 0x5555}}));
  EXPECT_NE(SnapshotError(mx).message().find("others disagree"), std::string::npos);

  // Unfiltered views never blame the filter.
  EXPECT_EQ(err_of<MapNotFound>(Snapshot(*r).map("zzz")).requested, "zzz");
}

TEST(ViewSnapshot, LiveVarVia) {
  Owned r = two_sched();
  Snapshot s(*r);
  EXPECT_EQ(s.live_var_via("kt_nr_events", pickers::max_by_counter_value).as_u64().value(), 20u);
  EXPECT_EQ(s.live_var_via("kt_ro_nr_cpus", pickers::max_by_counter_value).as_u64().value(), 8u);
  // The picker sees every candidate, in capture order, exactly once.
  int calls = 0;
  auto first = s.live_var_via("kt_data_counter", [&](std::span<const VarCandidate> c) -> std::optional<size_t> {
    calls++;
    EXPECT_EQ(c.size(), 2u);
    EXPECT_EQ(c[0].map, "sched_a.data");
    EXPECT_EQ(c[1].map, "sched_b.data");
    return 0;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(first.as_u64().value(), 3u);
  auto none = err_as<ProjectionFailed>(
      s.live_var_via("kt_nr_events", [](std::span<const VarCandidate>) { return std::optional<size_t>(); }));
  EXPECT_NE(none.reason.find("live_var_via"), std::string::npos);
  EXPECT_NE(none.reason.find("'kt_nr_events'"), std::string::npos);
  auto oor = err_as<ProjectionFailed>(
      s.live_var_via("kt_nr_events", [](std::span<const VarCandidate>) { return std::optional<size_t>(5); }));
  EXPECT_NE(oor.reason.find("index 5"), std::string::npos);
  EXPECT_NE(oor.reason.find("2 candidate"), std::string::npos);
  // No candidate: map names of every global-section map; the picker is not called.
  calls = 0;
  auto nf = err_as<VarNotFound>(s.live_var_via("nope", [&](std::span<const VarCandidate>) {
    calls++;
    return std::optional<size_t>(0);
  }));
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(nf.available,
            (std::vector<std::string>{"sched_a.bss", "sched_a.data", "sched_a.rodata", "sched_b.bss", "sched_b.data"}));
  // live_var_via uses this view's filter (it does not call active()).
  auto a = s.active();
  EXPECT_EQ(a->live_var_via("kt_nr_events", pickers::max_by_counter_value).as_u64().value(), 10u);
  auto anf = err_as<VarNotFound>(a->live_var_via("nope", pickers::max_by_counter_value));
  EXPECT_EQ(anf.available.size(), 5u);  // still the whole report's global maps
}

TEST(ViewSnapshot, LiveVarsViaCoPicksFromOneMap) {
  Owned r = two_sched({.dup_a_bss = true});
  Snapshot s(*r);
  // Rows: the bss maps (every name present), in capture order.
  std::vector<std::string> row_maps;
  auto got = s.live_vars_via({"kt_nr_events", "kt_bss_neg"}, [&](std::span<const VarRow> rows) {
    for (auto& row : rows) {
      row_maps.emplace_back(row.map);
      EXPECT_EQ(row.fields.size(), 2u);
    }
    return std::optional<size_t>(1);
  });
  EXPECT_EQ(row_maps, (std::vector<std::string>{"sched_a.bss", "sched_b.bss", "sched_a.bss"}));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].as_u64().value(), 20u);
  EXPECT_EQ((*got)[1].as_i64().value(), -2);
  // max_by_sum_u64 over u64 counters.
  auto best = s.live_vars_via({"kt_nr_events"}, pickers::max_by_sum_u64);
  EXPECT_EQ(best.value()[0].as_u64().value(), 30u);
  auto data = s.live_vars_via({"kt_data_counter"}, pickers::max_by_sum_u64);
  EXPECT_EQ(data.value()[0].as_u64().value(), 4u);
  // A bss counter and a data counter never share a map.
  auto split = err_of<VarNotFound>(s.live_vars_via({"kt_nr_events", "kt_data_counter"}, pickers::max_by_sum_u64));
  EXPECT_EQ(split.requested, "[kt_nr_events, kt_data_counter]");
  EXPECT_EQ(split.available.size(), 6u);
  // Picker said no / out of range / no names.
  auto none = err_of<ProjectionFailed>(
      s.live_vars_via({"kt_nr_events", "kt_bss_neg"}, [](std::span<const VarRow>) { return std::optional<size_t>(); }));
  EXPECT_NE(none.reason.find("[kt_nr_events, kt_bss_neg]"), std::string::npos);
  auto oor = err_of<ProjectionFailed>(
      s.live_vars_via({"kt_nr_events"}, [](std::span<const VarRow>) { return std::optional<size_t>(3); }));
  EXPECT_NE(oor.reason.find("index 3"), std::string::npos);
  EXPECT_NE(oor.reason.find("3 candidate"), std::string::npos);
  auto empty = err_of<ProjectionFailed>(s.live_vars_via(std::span<const std::string_view>(), pickers::max_by_sum_u64));
  EXPECT_NE(empty.reason.find("empty"), std::string::npos);
  // max_by_sum_u64 drops rows with a field that is not a u64: kt_bss_neg is negative.
  EXPECT_NE(err_of<ProjectionFailed>(s.live_vars_via({"kt_nr_events", "kt_bss_neg"}, pickers::max_by_sum_u64))
                .reason.find("chose no candidate"),
            std::string::npos);
}

TEST(ViewSnapshot, PlaceholderShortCircuits) {
  Owned p = placeholder_report();
  Snapshot s(*p);
  EXPECT_TRUE(s.is_placeholder());
  EXPECT_EQ(err_of<PlaceholderSnapshot>(s.map("kinds.bss")).tag, std::nullopt);
  EXPECT_EQ(err_as<PlaceholderSnapshot>(s.var("kt_nr_events")).tag, std::nullopt);
  EXPECT_FALSE(err_of<PlaceholderSnapshot>(s.active()).tag.has_value());
  EXPECT_FALSE(err_as<PlaceholderSnapshot>(s.live_var("kt_nr_events")).tag.has_value());
  int calls = 0;
  auto via = s.live_var_via("kt_nr_events", [&](std::span<const VarCandidate>) {
    calls++;
    return std::optional<size_t>(0);
  });
  EXPECT_FALSE(err_as<PlaceholderSnapshot>(via).tag.has_value());
  auto vias = s.live_vars_via({"kt_nr_events"}, [&](std::span<const VarRow>) {
    calls++;
    return std::optional<size_t>(0);
  });
  EXPECT_FALSE(err_of<PlaceholderSnapshot>(vias).tag.has_value());
  // Even with no names: the placeholder check comes first.
  EXPECT_TRUE(
      err_of<PlaceholderSnapshot>(s.live_vars_via(std::span<const std::string_view>(), pickers::max_by_sum_u64)).tag ==
      std::nullopt);
  EXPECT_EQ(calls, 0);
  // map_count and vars do not check.
  EXPECT_EQ(s.map_count(), 1u);
  EXPECT_EQ(s.vars("kt_nr_events").size(), 1u);
}

TEST(ViewSnapshot, FixtureReport) {
  Snapshot s(*fixture_report().report);
  EXPECT_EQ(s.var("kt_nr_events").as_u64().value(), 42u);
  EXPECT_EQ(s.var("kt_bss_neg").as_i64().value(), -12345);
  EXPECT_EQ(s.var("kt_data_label").raw()->as_string().value(), "hello");
  EXPECT_EQ(s.var("kt_ro_mode").as_str().value(), "KT_STATE_RUNNING");
  EXPECT_EQ(s.var("kt_custom_v").as_u64().value(), 7u);  // .data.<name> sections hold globals too
  auto a = s.active();                                   // the fixture's one scheduler is flagged active
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->active_obj(), "kinds");
  EXPECT_EQ(a->map_count(), 3u);  // kinds.bss/.data/.rodata; ".data.custom" has no obj prefix
  EXPECT_EQ(a->var("kt_nr_events").as_u64().value(), 42u);
  EXPECT_EQ(err_as<VarNotFound>(a->var("kt_custom_v")).requested, "kt_custom_v");
  EXPECT_EQ(s.live_var("kt_ro_nr_cpus").as_u64().value(), 4u);
}

TEST(ViewPickers, TiesPickTheLast) {
  Owned r = two_sched({.dup_a_bss = true});
  Snapshot s(*r);
  auto events = s.vars("kt_nr_events");   // 10, 20, 30
  auto negs = s.vars("kt_bss_neg");       // -1, -2, -3
  auto inner = s.vars("kt_bss_inner");    // structs
  auto data = s.vars("kt_data_counter");  // 3, 4
  EXPECT_EQ(pickers::max_by_counter_value(events), 2u);
  EXPECT_FALSE(pickers::max_by_counter_value(negs).has_value());
  EXPECT_FALSE(pickers::max_by_counter_value(inner).has_value());
  EXPECT_FALSE(pickers::max_by_counter_value({}).has_value());
  std::vector<VarCandidate> tie = {events[1], data[0], events[1], negs[0]};
  EXPECT_EQ(pickers::max_by_counter_value(tie), 2u);  // the later of two 20s, the failing one skipped

  std::vector<VarRow> rows = {{"a", {events[0].field, data[1].field}},                 // 14
                              {"b", {events[0].field, negs[0].field}},                 // dropped: a negative field
                              {"c", {data[0].field, events[0].field, data[0].field}},  // 16
                              {"d", {events[2].field}},                                // 30
                              {"e", {events[1].field, events[0].field}}};              // 30: tie, the last wins
  EXPECT_EQ(pickers::max_by_sum_u64(rows), 4u);
  EXPECT_FALSE(pickers::max_by_sum_u64({}).has_value());
  std::vector<VarRow> bad = {{"x", {negs[0].field}}, {"y", {inner[0].field}}};
  EXPECT_FALSE(pickers::max_by_sum_u64(bad).has_value());
  std::vector<VarRow> empty_fields = {{"z", {}}};
  EXPECT_EQ(pickers::max_by_sum_u64(empty_fields), 0u);
}

TEST(ViewPickers, SumSaturates) {
  auto syn = make_synth();
  Maker mk(syn.btf);
  for (uint64_t v : {~0ull, 5ull}) {
    MapSpec s = mk.spec("m" + std::to_string(v), kMapTypeArray, 0, syn.u64, 1);
    mk.map(s, std::vector<uint8_t>(4, 0), bytes_of(v));
  }
  Owned r = mk.finish();
  Snapshot s(*r);
  SnapshotField max = s.map("m18446744073709551615")->at(0).get("");
  SnapshotField five = s.map("m5")->at(0).get("");
  std::vector<VarRow> rows = {{"sat", {max, five}}, {"max", {max}}, {"small", {five, five}}};
  EXPECT_EQ(pickers::max_by_sum_u64(rows), 1u);  // both saturate to UINT64_MAX: the later wins
  std::vector<VarRow> first = {{"sat", {max, five}}, {"small", {five}}};
  EXPECT_EQ(pickers::max_by_sum_u64(first), 0u);
}

}  // namespace
}  // namespace ktsnap::test::viewt
