// SnapshotMap: entry sources by map type, at / find / filter / max_by, CPU
// narrowing with unreadable slots, NoMatch key sampling (hex keys and the
// BTF hint, the 80-character cut), render-failed maps, and NoRendered.
#include <gtest/gtest.h>

#include "value/render.hpp"
#include "view_test_util.hpp"

namespace ktsnap::test::viewt {
namespace {

const Report& fx() {
  return *fixture_report().report;
}

SnapshotMap fmap(const char* name) {
  auto m = Snapshot(fx()).map(name);
  EXPECT_TRUE(m.ok()) << name;
  return *m;
}

bool always(const SnapshotEntry&) {
  return true;
}
bool never(const SnapshotEntry&) {
  return false;
}

TEST(ViewMap, EntrySourceByMapType) {
  EXPECT_EQ(fmap("kt_cpu_stats").source(), EntrySource::Percpu);
  EXPECT_EQ(fmap("kt_pcpu_hash").source(), EntrySource::PercpuHash);
  EXPECT_EQ(fmap("kt_tasks").source(), EntrySource::Hash);
  EXPECT_EQ(fmap("kt_bits_hash").source(), EntrySource::Hash);
  EXPECT_EQ(fmap("kt_array").source(), EntrySource::Hash);  // ARRAY with 8 entries: keyed by index
  EXPECT_EQ(fmap("kinds.bss").source(), EntrySource::Single);
  EXPECT_EQ(fmap(".data.custom").source(), EntrySource::Single);

  Maker mk;
  uint32_t u64 = mk.id("__u64", BtfKind::Typedef), inner = mk.id("kt_inner", BtfKind::Struct);
  auto add = [&](const char* name, uint32_t type, uint32_t max, uint32_t entries) {
    MapSpec s = mk.spec(name, type, 0, inner, max);
    std::vector<uint8_t> keys, values;
    for (uint32_t i = 0; i < entries; i++) {
      append(keys, bytes_of(i));
      for (uint32_t c = 0; c < (s.nr_cpus ? s.nr_cpus : 1); c++) append(values, std::vector<uint8_t>(8, uint8_t(i)));
    }
    mk.map(s, keys, values);
  };
  add("one", kMapTypeArray, 1, 1);
  add("sops", kMapTypeStructOps, 1, 1);
  add("lru", kMapTypeLruHash, 16, 2);
  add("task_storage", 29, 16, 2);
  add("lru_pcpu", kMapTypeLruPercpuHash, 16, 2);
  add("empty_hash", kMapTypeHash, 16, 0);
  (void)u64;
  Owned r = mk.finish();
  Snapshot s(*r);
  EXPECT_EQ(s.map("one")->source(), EntrySource::Single);
  EXPECT_EQ(s.map("sops")->source(), EntrySource::Single);
  EXPECT_EQ(s.map("lru")->source(), EntrySource::Hash);
  EXPECT_EQ(s.map("task_storage")->source(), EntrySource::Hash);
  EXPECT_EQ(s.map("lru_pcpu")->source(), EntrySource::PercpuHash);
  EXPECT_EQ(s.map("empty_hash")->source(), EntrySource::None);
  EXPECT_EQ(s.map("empty_hash")->size(), 0u);
  EXPECT_EQ(s.map("one")->size(), 1u);
  EXPECT_EQ(s.map("lru")->size(), 2u);
}

TEST(ViewMap, AtIsPositional) {
  SnapshotMap tasks = fmap("kt_tasks");
  EXPECT_EQ(tasks.name(), "kt_tasks");
  EXPECT_EQ(&tasks.raw(), fx().find_map("kt_tasks"));
  EXPECT_FALSE(tasks.map_error().has_value());
  SnapshotEntry e = tasks.at(3);
  EXPECT_EQ(e.kind(), SnapshotEntry::Kind::Hash);
  EXPECT_EQ(e.key("").as_u64().value(), 1003u);
  EXPECT_EQ(e.get("tid").as_u64().value(), 1003u);
  auto oob = err_as<IndexOutOfRange>(tasks.at(16));
  EXPECT_EQ(oob.map, "kt_tasks");
  EXPECT_EQ(oob.index, 16u);
  EXPECT_EQ(oob.len, 16u);

  // Multi-entry ARRAY (extension): at(n) reads index n, keyed by it.
  SnapshotEntry a = fmap("kt_array").at(3);
  EXPECT_EQ(a.key("").as_u64().value(), 3u);
  EXPECT_EQ(a.get("a").as_u64().value(), 6u);
  EXPECT_EQ(a.get("b").as_i64().value(), -3);

  // A single value: at(0) only.
  SnapshotMap bss = fmap("kinds.bss");
  EXPECT_EQ(bss.at(0).kind(), SnapshotEntry::Kind::Value);
  EXPECT_EQ(bss.at(0).get("kt_nr_events").as_u64().value(), 42u);
  auto one = err_as<IndexOutOfRange>(bss.at(1));
  EXPECT_EQ(one.len, 1u);
  EXPECT_EQ(one.index, 1u);
}

// A per-CPU array with keys out of order (positional at) and unreadable
// slots: entry 0 cpu 1, entry 1 every cpu, entry 2 cpu 3.
Owned percpu_report(bool with_error_map = false) {
  Maker mk;
  uint32_t stats = mk.id("kt_cpu_stats", BtfKind::Struct), u64 = mk.id("__u64", BtfKind::Typedef);
  uint32_t key = mk.id("kt_key", BtfKind::Struct);
  MapSpec s = mk.spec("pcpu", kMapTypePercpuArray, 0, stats, 3);
  std::vector<uint8_t> keys, values;
  for (uint32_t k : {5u, 2u, 9u}) {
    append(keys, bytes_of(k));
    for (uint32_t c = 0; c < 4; c++) {
      uint64_t st[3] = {k * 100 + c, c, 0};
      append(values, bytes_of(st));
    }
  }
  std::vector<bool> absent(12, false);
  absent[0 * 4 + 1] = true;
  for (int c = 0; c < 4; c++) absent[1 * 4 + c] = true;
  absent[2 * 4 + 3] = true;
  s.percpu_absent.assign(2, 0);
  for (size_t b = 0; b < absent.size(); b++)
    if (absent[b]) s.percpu_absent[b / 8] |= uint8_t(1u << (b % 8));
  mk.map(s, keys, values);

  MapSpec h = mk.spec("phash", kMapTypePercpuHash, key, u64, 8);
  std::vector<uint8_t> hk, hv;
  for (uint32_t i = 0; i < 2; i++) {
    uint32_t kk[2] = {i, 70 + i};
    append(hk, bytes_of(kk));
    for (uint32_t c = 0; c < 4; c++) append(hv, bytes_of(uint64_t(i * 10 + c)));
  }
  mk.map(h, hk, hv);
  if (with_error_map) {
    MapSpec bad = mk.spec("broken", kMapTypeHash, 0, u64, 8);
    bad.has_error = true;
    bad.error = "bpf_map_lookup_batch: EFAULT";
    mk.map(bad, {}, {});
  }
  return mk.finish();
}

TEST(ViewMap, PercpuEntriesAndCpuNarrowing) {
  Owned r = percpu_report();
  Snapshot snap(*r);
  SnapshotMap m = *snap.map("pcpu");
  EXPECT_EQ(m.source(), EntrySource::Percpu);
  EXPECT_FALSE(m.narrowed_cpu().has_value());
  // Positional, whatever the key says.
  SnapshotEntry e0 = m.at(0);
  EXPECT_EQ(e0.kind(), SnapshotEntry::Kind::Percpu);
  EXPECT_EQ(e0.percpu_key(), 5u);
  EXPECT_EQ(e0.key("").as_u64().value(), 5u);
  EXPECT_EQ(m.at(1).key("").as_u64().value(), 2u);
  EXPECT_EQ(err_as<PerCpuNotNarrowed>(e0.get("nr_dispatched")).map, "pcpu");
  EXPECT_EQ(err_as<PerCpuNotNarrowed>(e0.get("")).map, "pcpu");
  auto kt = err_as<TypeMismatch>(e0.key("x"));
  EXPECT_EQ(kt.expected, "Struct");
  EXPECT_EQ(kt.actual, "Uint(percpu key)");
  EXPECT_EQ(kt.requested, "x");

  SnapshotMap c2 = m.cpu(2);
  EXPECT_EQ(c2.narrowed_cpu(), 2u);
  SnapshotEntry v = c2.at(0);
  EXPECT_EQ(v.kind(), SnapshotEntry::Kind::Value);
  EXPECT_EQ(v.cpu(), 2u);
  EXPECT_EQ(v.entry_index(), 0u);
  EXPECT_EQ(v.get("nr_dispatched").as_u64().value(), 502u);
  auto nk = err_as<TypeMismatch>(v.key(""));
  EXPECT_EQ(nk.expected, "key");
  EXPECT_EQ(nk.actual, "single Value (no key)");
  // Unreadable slot.
  auto un = err_as<PerCpuSlot>(m.cpu(1).at(0));
  EXPECT_EQ(un.map, "pcpu");
  EXPECT_EQ(un.cpu, 1u);
  EXPECT_EQ(un.len, 4u);
  EXPECT_TRUE(un.unmapped);
  EXPECT_TRUE(err_as<PerCpuSlot>(m.cpu(3).at(2)).unmapped);
  EXPECT_EQ(m.cpu(3).at(0).get("nr_dispatched").as_u64().value(), 503u);
  // Out of range, and the clamp to u32.
  auto oor = err_as<PerCpuSlot>(m.cpu(4).at(0));
  EXPECT_FALSE(oor.unmapped);
  EXPECT_EQ(oor.cpu, 4u);
  EXPECT_EQ(oor.len, 4u);
  EXPECT_EQ(err_as<PerCpuSlot>(m.cpu(1ull << 40).at(0)).cpu, UINT32_MAX);
  // A new narrow replaces the old one; index bounds come first.
  EXPECT_EQ(m.cpu(1).cpu(0).at(0).get("nr_dispatched").as_u64().value(), 500u);
  EXPECT_EQ(err_as<IndexOutOfRange>(m.cpu(9).at(3)).len, 3u);

  // Per-CPU hash: typed struct key, narrowed values.
  SnapshotMap h = *snap.map("phash");
  EXPECT_EQ(h.at(1).kind(), SnapshotEntry::Kind::PercpuHash);
  EXPECT_EQ(h.at(1).key("dsq").as_u64().value(), 71u);
  EXPECT_EQ(err_as<PerCpuNotNarrowed>(h.at(1).get("")).map, "phash");
  EXPECT_EQ(h.cpu(3).at(1).get("").as_u64().value(), 13u);
  // Narrowing is ignored by maps that are not per-CPU.
  EXPECT_EQ(fmap("kt_tasks").cpu(2).at(0).kind(), SnapshotEntry::Kind::Hash);
}

TEST(ViewMap, FindFilterMaxBy) {
  SnapshotMap tasks = fmap("kt_tasks");
  SnapshotEntry hit = tasks.find([](const SnapshotEntry& e) { return e.get("tid").as_u64().value_or(0) == 1007; });
  ASSERT_TRUE(hit.is_present());
  EXPECT_EQ(hit.entry_index(), 7u);
  EXPECT_EQ(hit.get("comm").raw()->as_string().value(), kt_task_expect(7).comm);

  auto nm = err_as<NoMatch>(tasks.find(never));
  EXPECT_EQ(nm.map, "kt_tasks");
  EXPECT_EQ(nm.op, "find");
  EXPECT_EQ(nm.len, 16u);
  EXPECT_EQ(nm.available_keys, (std::vector<std::string>{"1000", "1001", "1002"}));

  auto odd = tasks.filter([](const SnapshotEntry& e) { return e.get("tid").as_u64().value_or(0) % 2 == 1; });
  ASSERT_EQ(odd.size(), 8u);
  EXPECT_EQ(odd[0].get("tid").as_u64().value(), 1001u);
  EXPECT_EQ(odd[7].get("tid").as_u64().value(), 1015u);
  EXPECT_EQ(tasks.filter(always).size(), 16u);
  EXPECT_TRUE(tasks.filter(never).empty());

  // max_by: largest key, evaluated once per entry.
  int calls = 0;
  SnapshotEntry best = tasks.max_by([&](const SnapshotEntry& e) {
    calls++;
    return e.get("runtime_ns").as_u64().value_or(0);
  });
  EXPECT_EQ(calls, 16);
  uint64_t want = 0;
  for (uint32_t i = 0; i < 16; i++) want = std::max(want, kt_task_expect(i).runtime_ns);
  EXPECT_EQ(best.get("runtime_ns").as_u64().value(), want);
  // Ties keep the first.
  EXPECT_EQ(tasks.max_by([](const SnapshotEntry&) { return uint64_t(7); }).entry_index(), 0u);
  EXPECT_EQ(tasks.max_by([](const SnapshotEntry& e) { return e.get("weight").as_u64().value_or(0); }).entry_index(),
            6u);  // weight 100 + (i % 7) * 50 peaks first at i = 6

  // Narrowed per-CPU maps: entries are Values (no keys to sample), and the
  // predicate sees Missing slots too.
  Owned r = percpu_report();
  SnapshotMap c1 = Snapshot(*r).map("pcpu")->cpu(1);
  int missing = 0;
  auto none = err_as<NoMatch>(c1.find([&](const SnapshotEntry& e) {
    missing += !e.is_present();
    return false;
  }));
  EXPECT_EQ(missing, 2);
  EXPECT_EQ(none.len, 3u);
  EXPECT_TRUE(none.available_keys.empty());
  EXPECT_EQ(c1.filter(always).size(), 3u);
  EXPECT_EQ(c1.filter([](const SnapshotEntry& e) { return e.is_present(); }).size(), 1u);
  // Unnarrowed per-CPU arrays sample their u32 keys.
  EXPECT_EQ(err_as<NoMatch>(Snapshot(*r).map("pcpu")->find(never)).available_keys,
            (std::vector<std::string>{"5", "2", "9"}));
}

TEST(ViewMap, EmptyAndRenderFailedMaps) {
  Owned r = percpu_report(true);
  Snapshot snap(*r);
  SnapshotMap bad = *snap.map("broken");
  EXPECT_EQ(bad.map_error(), "bpf_map_lookup_batch: EFAULT");
  EXPECT_EQ(bad.source(), EntrySource::None);
  for (const SnapshotEntry& e : {bad.at(0), bad.find(always), bad.max_by([](auto&) { return uint64_t(1); })}) {
    auto ri = err_as<MapRenderIncomplete>(e);
    EXPECT_EQ(ri.map, "broken");
    EXPECT_EQ(ri.error, "bpf_map_lookup_batch: EFAULT");
  }
  EXPECT_TRUE(bad.filter(always).empty());

  Maker mk;
  MapSpec s = mk.spec("empty", kMapTypeHash, 0, mk.id("__u64", BtfKind::Typedef), 8);
  mk.map(s, {}, {});
  Owned r2 = mk.finish();
  SnapshotMap empty = *Snapshot(*r2).map("empty");
  auto at = err_as<IndexOutOfRange>(empty.at(0));
  EXPECT_EQ(at.len, 0u);
  auto f = err_as<NoMatch>(empty.find(always));
  EXPECT_EQ(f.len, 0u);
  EXPECT_EQ(f.op, "find");
  EXPECT_TRUE(f.available_keys.empty());
  auto mb = err_as<NoMatch>(empty.max_by([](auto&) { return uint64_t(1); }));
  EXPECT_EQ(mb.op, "max_by");
  EXPECT_EQ(mb.len, 0u);
  EXPECT_TRUE(empty.filter(always).empty());
}

TEST(ViewMap, NoBtfMapsShowHexKeysAndTheHint) {
  Maker mk;
  MapSpec s;
  s.name = "raw";
  s.map_type = kMapTypeHash;
  s.key_size = 4;
  s.value_size = 8;
  s.max_entries = 8;
  s.btf_index = -1;
  std::vector<uint8_t> keys = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 0, 0, 0, 0x0a, 9, 9, 9, 9};
  mk.map(s, keys, std::vector<uint8_t>(32, 1));
  // BTF present but flagged missing, and a typed value with an untyped key.
  MapSpec flagged =
      mk.spec("flagged", kMapTypeHash, mk.id("__u32", BtfKind::Typedef), mk.id("__u64", BtfKind::Typedef), 8);
  flagged.flags = kMapBtfMissing;
  mk.map(flagged, bytes_of(uint32_t(5)), bytes_of(uint64_t(6)));
  MapSpec half = mk.spec("half", kMapTypeHash, 0, mk.id("kt_inner", BtfKind::Struct), 8);
  mk.map(half, bytes_of(uint32_t(7)), std::vector<uint8_t>(8, 2));
  Owned r = mk.finish();
  Snapshot snap(*r);

  SnapshotMap raw = *snap.map("raw");
  auto nm = err_as<NoMatch>(raw.find(never));
  EXPECT_EQ(nm.len, 4u);
  EXPECT_EQ(nm.available_keys, (std::vector<std::string>{"hex:de ad be ef", "hex:01 02 03 04", "hex:00 00 00 0a"}));
  EXPECT_NE(SnapshotError(nm).message().find("CONFIG_DEBUG_INFO_BTF=y"), std::string::npos);
  SnapshotEntry e = raw.at(0);
  auto nv = err_as<NoRendered>(e.get("x"));
  EXPECT_EQ(nv.map, "raw");
  EXPECT_EQ(nv.side, "value");
  EXPECT_EQ(err_as<NoRendered>(e.get("")).side, "value");  // even the whole value
  EXPECT_EQ(err_as<NoRendered>(e.key("")).side, "key");

  SnapshotEntry f = snap.map("flagged")->at(0);
  EXPECT_EQ(err_as<NoRendered>(f.get("")).side, "value");
  EXPECT_EQ(err_as<NoRendered>(f.key("")).side, "key");
  EXPECT_EQ(err_as<NoMatch>(snap.map("flagged")->find(never)).available_keys,
            (std::vector<std::string>{"hex:05 00 00 00"}));

  SnapshotEntry h = snap.map("half")->at(0);
  EXPECT_EQ(h.get("a").as_u64().value(), 0x02020202u);
  EXPECT_EQ(err_as<NoRendered>(h.key("")).side, "key");
}

TEST(ViewMap, KeySamplingCutsLongKeys) {
  // kt_bits_hash keys are struct kt_key: typed display text.
  auto nm = err_as<NoMatch>(fmap("kt_bits_hash").find(never));
  ASSERT_EQ(nm.available_keys.size(), 3u);
  std::string want;
  ASSERT_TRUE(render_value_text(Value::map_key(*fx().find_map("kt_bits_hash"), 1), want).ok());
  EXPECT_EQ(nm.available_keys[1], want);
  EXPECT_NE(want.find("dsq"), std::string::npos);
  EXPECT_EQ(SnapshotError(nm).message().find("CONFIG_DEBUG_INFO_BTF"), std::string::npos);

  // A struct key whose display is long: 79 characters and an ellipsis.
  Maker mk;
  uint32_t ctx = mk.id("kt_task_ctx", BtfKind::Struct);
  MapSpec s = mk.spec("bigkey", kMapTypeHash, ctx, mk.id("__u64", BtfKind::Typedef), 8);
  std::vector<uint8_t> key(mk.size(ctx), 0x11);
  mk.map(s, key, bytes_of(uint64_t(1)));
  Owned r = mk.finish();
  auto big = err_as<NoMatch>(Snapshot(*r).map("bigkey")->find(never));
  ASSERT_EQ(big.available_keys.size(), 1u);
  const std::string& k = big.available_keys[0];
  EXPECT_TRUE(k.ends_with("\u2026"));
  EXPECT_EQ(k.size(), 79u + 3u);  // ASCII text + the 3-byte ellipsis
  std::string full;
  ASSERT_TRUE(render_value_text(Value::map_key(*r.report->find_map("bigkey"), 0), full).ok());
  EXPECT_GT(full.size(), 80u);
  EXPECT_EQ(k.substr(0, 79), full.substr(0, 79));
}

TEST(ViewMap, CapKeyText) {
  EXPECT_EQ(cap_key_text(std::string(80, 'a')), std::string(80, 'a'));
  EXPECT_EQ(cap_key_text(std::string(81, 'a')), std::string(79, 'a') + "\u2026");
  std::string e50;
  for (int i = 0; i < 50; i++) e50 += "\u00e9";  // 100 bytes, 50 characters: kept
  EXPECT_EQ(cap_key_text(e50), e50);
  std::string e81;
  for (int i = 0; i < 81; i++) e81 += "\u00e9";
  std::string e79;
  for (int i = 0; i < 79; i++) e79 += "\u00e9";
  EXPECT_EQ(cap_key_text(e81), e79 + "\u2026");
  EXPECT_EQ(cap_key_text(""), "");
}

TEST(ViewMap, RenderEntryKeyByKind) {
  EXPECT_EQ(render_entry_key(fmap("kt_tasks").at(2)), "1002");
  EXPECT_EQ(render_entry_key(fmap("kt_cpu_stats").at(3)), "3");
  EXPECT_FALSE(render_entry_key(fmap("kt_cpu_stats").cpu(0).at(3)).has_value());
  EXPECT_FALSE(render_entry_key(fmap("kinds.bss").at(0)).has_value());
  EXPECT_FALSE(render_entry_key(SnapshotEntry::missing(ProjectionFailed{"x"})).has_value());
}

}  // namespace
}  // namespace ktsnap::test::viewt
