#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "report/builder.hpp"
#include "report_generated.h"
#include "unit/helpers.hpp"

using namespace ktsnap;
using ktsnap::test::fixture_map;
using ktsnap::test::fixture_report;

namespace {

std::string temp_path(const char* stem) {
  char buf[] = "/tmp/ktsnap-test-XXXXXX";
  int fd = mkstemp(buf);
  if (fd >= 0) close(fd);
  return std::string(buf) + "-" + stem;
}

// A one-map report written through the raw FlatBuffers API so that fields
// can disagree with each other in ways the builder never allows.
struct Raw {
  uint32_t key_size = 4, value_size = 8, entry_count = 2, nr_cpus = 0, map_type = 1;
  size_t keys_len = 8, values_len = 16;
  int32_t btf_index = -1, sched_index = -1, sched_btf = -1;
  uint32_t key_type = 0, value_type = 0;
  uint16_t major = 1;
  bool add_btf = false;
  std::vector<std::pair<uint64_t, size_t>> regions;

  std::vector<uint8_t> build() const {
    flatbuffers::FlatBufferBuilder f;
    std::vector<uint8_t> keys(keys_len, 1), vals(values_len, 2);
    auto kv = f.CreateVector(keys);
    auto vv = f.CreateVector(vals);
    auto name = f.CreateString("m");
    fb::MapBuilder mb(f);
    mb.add_name(name);
    mb.add_map_type(map_type);
    mb.add_key_size(key_size);
    mb.add_value_size(value_size);
    mb.add_nr_cpus(nr_cpus);
    mb.add_entry_count(entry_count);
    mb.add_btf_index(btf_index);
    mb.add_scheduler_index(sched_index);
    mb.add_btf_key_type_id(key_type);
    mb.add_btf_value_type_id(value_type);
    mb.add_keys(kv);
    mb.add_values(vv);
    auto m = mb.Finish();
    std::vector<flatbuffers::Offset<fb::BtfBlob>> btfs;
    if (add_btf) {
      auto fx = ktsnap::test::fixture_btf();
      std::string_view raw = fx->raw_data();
      btfs.push_back(fb::CreateBtfBlob(f, f.CreateVector(reinterpret_cast<const uint8_t*>(raw.data()), raw.size())));
    }
    std::vector<flatbuffers::Offset<fb::Scheduler>> scheds;
    if (sched_btf != -1 || sched_index >= 0) scheds.push_back(fb::CreateScheduler(f, f.CreateString("s"), sched_btf));
    std::vector<flatbuffers::Offset<fb::Region>> regs;
    for (auto [a, n] : regions) regs.push_back(fb::CreateRegion(f, a, f.CreateVector(std::vector<uint8_t>(n, 3))));
    auto maps = f.CreateVector(std::vector<flatbuffers::Offset<fb::Map>>{m});
    auto bv = f.CreateVector(btfs);
    auto sv = f.CreateVector(scheds);
    auto rv = f.CreateVector(regs);
    fb::ReportBuilder rb(f);
    rb.add_format_major(major);
    rb.add_maps(maps);
    rb.add_btfs(bv);
    rb.add_schedulers(sv);
    rb.add_regions(rv);
    fb::FinishReportBuffer(f, rb.Finish());
    return {f.GetBufferPointer(), f.GetBufferPointer() + f.GetSize()};
  }
};

Error open_err(const std::vector<uint8_t>& b) {
  auto r = Report::open_memory(b.data(), b.size(), {.copy = true});
  if (r.ok()) return make_error(Code::Ok, "");
  return r.error();
}

}  // namespace

TEST(Report, FixtureOpensZeroCopy) {
  const auto& f = fixture_report();
  ASSERT_TRUE(f.report);
  const Report& r = *f.report;
  EXPECT_EQ(r.bytes().data(), f.bytes.data()) << "borrowed open must not copy";
  const MapInfo& m = fixture_map("kt_tasks");
  EXPECT_GE(m.values, f.bytes.data());
  EXPECT_LT(m.values, f.bytes.data() + f.bytes.size());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(m.values) % 8, 0u) << "values blobs are 8-byte aligned";
  EXPECT_EQ(m.entry_count, 16u);
  EXPECT_EQ(m.key_size, 4u);
  EXPECT_EQ(m.value_size, 152u);
  EXPECT_EQ(m.map_type, kMapTypeHash);
  EXPECT_FALSE(m.percpu);
  EXPECT_NE(m.ctx->btf, nullptr);
  EXPECT_EQ(m.ctx->report, &r);
  uint32_t k5;
  std::memcpy(&k5, m.key_ptr(5), 4);
  EXPECT_EQ(k5, 1005u);
}

TEST(Report, Metadata) {
  const Report& r = *fixture_report().report;
  EXPECT_EQ(r.tag(), "fixture");
  EXPECT_EQ(r.trigger(), Trigger::OnDemand);
  EXPECT_EQ(r.elapsed_ms(), 1500u);
  EXPECT_TRUE(r.has_step_index());
  EXPECT_EQ(r.step_index(), 2u);
  EXPECT_FALSE(r.is_placeholder());
  EXPECT_TRUE(r.has_stats_json());
  EXPECT_NE(r.stats_json().find("dispatched"), std::string_view::npos);
  EXPECT_EQ(r.format_major(), kFormatMajor);
  ASSERT_EQ(r.scheduler_count(), 1u);
  EXPECT_EQ(r.scheduler(0).name, "kinds");
  EXPECT_TRUE(r.scheduler(0).active);
  EXPECT_EQ(r.active_scheduler_name(), "kinds");
  EXPECT_TRUE(r.active_map_kvas().empty());
  ASSERT_EQ(r.excluded_count(), 1u);
  EXPECT_EQ(r.excluded(0).map_type, 22u);
  EXPECT_FALSE(r.excluded(0).reason.empty());
  EXPECT_GT(r.region_count(), 0u);
  EXPECT_EQ(r.map_count(), 9u);  // 5 maps + .bss .data .rodata .data.custom
}

TEST(Report, PerCpuStride) {
  const MapInfo& m = fixture_map("kt_cpu_stats");
  EXPECT_TRUE(m.percpu);
  EXPECT_EQ(m.nr_cpus, 4u);
  EXPECT_EQ(m.cpu_stride, 24u);  // value_size 24 rounded to 8
  EXPECT_EQ(m.entry_stride, 96u);
  uint64_t v;
  std::memcpy(&v, m.value_ptr(3, 2), 8);
  EXPECT_EQ(v, 302u);
}

TEST(Report, RegionsAreSortedAndFound) {
  const Report& r = *fixture_report().report;
  for (size_t i = 1; i < r.region_count(); i++) EXPECT_LT(r.region(i - 1).address, r.region(i).address);
  const RegionInfo& g = r.region(0);
  EXPECT_EQ(r.find_region(g.address), &g);
  EXPECT_EQ(r.find_region(g.address + g.size - 1), &g);
  EXPECT_EQ(r.find_region(g.address - 1), nullptr);
  EXPECT_EQ(r.find_region(0), nullptr);
  EXPECT_EQ(r.find_region(~0ull), nullptr);
}

TEST(Report, CopyFileAndSave) {
  const auto& f = fixture_report();
  auto c = Report::open_memory(f.bytes.data(), f.bytes.size(), {.copy = true});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_NE(c.value()->bytes().data(), f.bytes.data());
  std::string path = temp_path("save.ktsnap");
  ASSERT_TRUE(c.value()->save(path).ok());
  auto o = Report::open_file(path);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o.value()->bytes().size(), f.bytes.size());
  EXPECT_EQ(std::memcmp(o.value()->bytes().data(), f.bytes.data(), f.bytes.size()), 0);
  EXPECT_EQ(o.value()->find_map("kt_tasks")->entry_count, 16u);
  std::remove(path.c_str());
}

TEST(Report, SaveAndOpenErrors) {
  const Report& r = *fixture_report().report;
  auto s = r.save("/nonexistent-dir/x.ktsnap");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::Io);
  EXPECT_EQ(s.error().sys_errno, ENOENT);
  auto o = Report::open_file("/nonexistent-dir/x.ktsnap");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code, Code::Io);
  EXPECT_NE(o.error().message.find("/nonexistent-dir/x.ktsnap"), std::string::npos);
  auto d = Report::open_file("/tmp");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, Code::Io);
  std::string empty = temp_path("empty.ktsnap");
  { std::ofstream(empty).flush(); }
  auto e = Report::open_file(empty);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Code::Format);
  std::remove(empty.c_str());
}

TEST(Report, BadMemoryArguments) {
  auto n = Report::open_memory(nullptr, 10);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, Code::Invalid);
  const auto& f = fixture_report();
  auto z = Report::open_memory(f.bytes.data(), 0);
  EXPECT_EQ(z.error().code, Code::Format);
  auto big = Report::open_memory(f.bytes.data(), size_t(1) << 33);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Code::Format);
  EXPECT_NE(big.error().message.find("limit"), std::string::npos);
  // Misaligned borrowed memory is refused; a copy is fine.
  std::vector<uint8_t> shifted(f.bytes.size() + 1);
  std::memcpy(shifted.data() + 1, f.bytes.data(), f.bytes.size());
  auto mis = Report::open_memory(shifted.data() + 1, f.bytes.size());
  ASSERT_FALSE(mis.ok());
  EXPECT_EQ(mis.error().code, Code::Invalid);
  EXPECT_NE(mis.error().message.find("aligned"), std::string::npos);
  EXPECT_TRUE(Report::open_memory(shifted.data() + 1, f.bytes.size(), {.copy = true}).ok());
}

TEST(Report, GarbageAndWrongIdentifier) {
  std::vector<uint8_t> junk(4096);
  for (size_t i = 0; i < junk.size(); i++) junk[i] = static_cast<uint8_t>(i * 131 + 7);
  Error e = open_err(junk);
  EXPECT_EQ(e.code, Code::Format);
  EXPECT_NE(e.message.find("KTSN"), std::string::npos);
  std::vector<uint8_t> tiny(7, 0);
  EXPECT_EQ(open_err(tiny).code, Code::Format);
}

TEST(Report, EveryTruncationIsRefused) {
  const auto& f = fixture_report();
  // The last bytes of a FlatBuffers buffer can be alignment padding that no
  // field reaches; cutting only those (< 8 bytes) may leave a valid report.
  for (size_t n = 1; n + 8 <= f.bytes.size(); n++) {
    std::vector<uint8_t> cut(f.bytes.begin(), f.bytes.begin() + n);
    Error e = open_err(cut);
    ASSERT_NE(e.code, Code::Ok) << "truncated to " << n << " bytes opened";
    ASSERT_FALSE(e.message.empty());
  }
}

TEST(Report, BitFlipsNeverCrash) {
  const auto& f = fixture_report();
  std::vector<uint8_t> b = f.bytes;
  size_t opened = 0, refused = 0;
  for (size_t i = 0; i < b.size(); i++) {
    for (int bit = 0; bit < 8; bit += (i < 512 ? 1 : 3)) {
      b[i] ^= static_cast<uint8_t>(1u << bit);
      auto r = Report::open_memory(b.data(), b.size());
      if (r.ok()) {
        opened++;
        // Whatever opened must be internally consistent: walk every entry.
        const Report& rep = *r.value();
        for (size_t m = 0; m < rep.map_count(); m++) {
          const MapInfo& mi = rep.map(m);
          if (mi.entry_count) {
            volatile uint8_t sink = mi.value_ptr(mi.entry_count - 1)[mi.entry_stride ? mi.entry_stride - 1 : 0];
            (void)sink;
          }
        }
      } else {
        refused++;
        ASSERT_FALSE(r.error().message.empty());
      }
      b[i] ^= static_cast<uint8_t>(1u << bit);
    }
  }
  EXPECT_GT(refused, 0u);
  EXPECT_GT(opened, 0u);  // flips inside value bytes keep the report valid
}

TEST(Report, VerifierChecksCrossFieldConsistency) {
  Raw ok;
  EXPECT_EQ(open_err(ok.build()).code, Code::Ok) << open_err(ok.build()).message;

  Raw keys = ok;
  keys.keys_len = 12;
  Error e = open_err(keys.build());
  EXPECT_EQ(e.code, Code::Format);
  EXPECT_NE(e.message.find("keys blob"), std::string::npos) << e.message;

  Raw vals = ok;
  vals.values_len = 15;
  e = open_err(vals.build());
  EXPECT_EQ(e.code, Code::Format);
  EXPECT_NE(e.message.find("values blob"), std::string::npos) << e.message;

  Raw pc = ok;  // per-CPU without nr_cpus
  pc.map_type = kMapTypePercpuArray;
  e = open_err(pc.build());
  EXPECT_EQ(e.code, Code::Format);
  EXPECT_NE(e.message.find("nr_cpus"), std::string::npos) << e.message;

  Raw pc2 = ok;  // per-CPU stride: 2 cpus x round_up(8, 8) x 2 entries = 32
  pc2.map_type = kMapTypePercpuHash;
  pc2.nr_cpus = 2;
  e = open_err(pc2.build());
  EXPECT_EQ(e.code, Code::Format);
  pc2.values_len = 32;
  EXPECT_EQ(open_err(pc2.build()).code, Code::Ok);
  pc2.value_size = 5;  // round_up(5, 8) = 8: still 32
  EXPECT_EQ(open_err(pc2.build()).code, Code::Ok);

  Raw bi = ok;
  bi.btf_index = 0;
  e = open_err(bi.build());
  EXPECT_EQ(e.code, Code::Format);
  EXPECT_NE(e.message.find("BTF blob 0"), std::string::npos) << e.message;

  Raw si = ok;
  si.sched_index = 3;
  e = open_err(si.build());
  EXPECT_EQ(e.code, Code::Format);
  EXPECT_NE(e.message.find("scheduler"), std::string::npos) << e.message;

  Raw sb = ok;
  sb.sched_btf = 5;
  EXPECT_EQ(open_err(sb.build()).code, Code::Format);

  Raw ver = ok;
  ver.major = 2;
  EXPECT_EQ(open_err(ver.build()).code, Code::Version);

  auto fx = ktsnap::test::fixture_btf();
  uint32_t u64 = 0;
  for (uint32_t i = 1; i < fx->type_count() && !u64; i++) {
    auto ii = fx->int_info(i);
    if (ii && ii->size == 8) u64 = i;
  }
  Raw ty = ok;
  ty.add_btf = true;
  ty.btf_index = 0;
  ty.value_type = u64;
  EXPECT_EQ(open_err(ty.build()).code, Code::Ok) << open_err(ty.build()).message;
  ty.value_type = fx->type_count() + 5;
  e = open_err(ty.build());
  EXPECT_EQ(e.code, Code::Format);
  EXPECT_NE(e.message.find("out of range"), std::string::npos) << e.message;
  ty.value_type = 0;
  ty.key_type = u64;  // 8-byte type for a 4-byte key
  e = open_err(ty.build());
  EXPECT_EQ(e.code, Code::Format);
  EXPECT_NE(e.message.find("key size is 4"), std::string::npos) << e.message;

  Raw rg = ok;
  rg.regions = {{0x2000, 16}, {0x1000, 16}};
  EXPECT_EQ(open_err(rg.build()).code, Code::Format);
  rg.regions = {{0x1000, 16}, {0x1008, 16}};
  EXPECT_EQ(open_err(rg.build()).code, Code::Format);
  rg.regions = {{~0ull - 4, 16}};
  EXPECT_EQ(open_err(rg.build()).code, Code::Format);
  rg.regions = {{0x1000, 16}, {0x1010, 16}};
  EXPECT_EQ(open_err(rg.build()).code, Code::Ok);
}

TEST(ReportBuilder, RejectsInconsistentInput) {
  ReportBuilder b;
  uint8_t junk[40] = {1, 2, 3};
  auto g = b.add_btf({junk, sizeof junk});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, Code::Format);
  EXPECT_FALSE(b.add_btf({}, -1).ok());
  EXPECT_EQ(b.add_btf({junk, sizeof junk}, 3).error().code, Code::Invalid);
  EXPECT_EQ(b.add_scheduler("s", 0, true).error().code, Code::Invalid);

  auto fx = ktsnap::test::fixture_btf();
  std::string_view raw = fx->raw_data();
  auto bi = b.add_btf({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
  ASSERT_TRUE(bi.ok());
  auto again = b.add_btf({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), bi.value()) << "identical BTF stored once";

  MapSpec s;
  s.name = "m";
  s.map_type = kMapTypeHash;
  s.key_size = 4;
  s.value_size = 8;
  uint8_t k[12] = {}, v[24] = {};
  auto r = b.add_map(s, {k, 10}, {v, 16});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("multiple of key_size"), std::string::npos);
  r = b.add_map(s, {k, 8}, {v, 24});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("values blob"), std::string::npos);
  s.btf_index = 7;
  EXPECT_EQ(b.add_map(s, {k, 8}, {v, 16}).error().code, Code::Invalid);
  s.btf_index = bi.value();
  s.value_type_id = fx->find_by_name_kind("kt_inner", BtfKind::Struct).value();  // 8 bytes: fine
  EXPECT_TRUE(b.add_map(s, {k, 8}, {v, 16}).ok());
  s.value_type_id = fx->find_by_name_kind("kt_task_ctx", BtfKind::Struct).value();
  r = b.add_map(s, {k, 8}, {v, 16});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("struct kt_task_ctx"), std::string::npos) << r.error().message;
  s.value_type_id = 0;
  s.map_type = kMapTypePercpuArray;
  EXPECT_NE(b.add_map(s, {k, 8}, {v, 16}).error().message.find("nr_cpus"), std::string::npos);
  s.nr_cpus = 1;
  EXPECT_TRUE(b.add_map(s, {k, 8}, {v, 16}).ok());
  EXPECT_EQ(b.add_map(s, std::span<const uint8_t>(static_cast<const uint8_t*>(nullptr), size_t(8)), {v, 16}).error().code, Code::Invalid);

  EXPECT_FALSE(b.add_region(0x1000, {}).ok());
  EXPECT_FALSE(b.add_region(~0ull - 2, {v, 8}).ok());
  EXPECT_TRUE(b.add_region(0x1000, {v, 16}).ok());
  EXPECT_TRUE(b.add_region(0x1008, {v, 16}).ok());
  auto fin = b.finish();
  ASSERT_FALSE(fin.ok());
  EXPECT_NE(fin.error().message.find("overlap"), std::string::npos);
}

TEST(ReportBuilder, RoundTripAndFinishOnce) {
  ReportBuilder b;
  ReportMetadata md;
  md.tag = "after_spawn";
  md.trigger = Trigger::Watch;
  md.placeholder = true;
  md.placeholder_reason = "no scheduler attached";
  b.set_metadata(md);
  uint64_t kvas[2] = {0xffff0001, 0xffff0002};
  b.set_active_map_kvas(kvas);
  b.set_stats_json("{}");
  MapSpec s;
  s.name = "raw";
  s.map_type = kMapTypeArray;
  s.key_size = 4;
  s.value_size = 3;
  s.has_error = true;
  s.error = "partial read";
  uint8_t k[8] = {0, 0, 0, 0, 1, 0, 0, 0}, v[6] = {1, 2, 3, 4, 5, 6};
  ASSERT_TRUE(b.add_map(s, {k, 8}, {v, 6}).ok());
  ASSERT_TRUE(b.add_excluded("q", 9, 22, "queue").ok());
  auto buf = b.finish();
  ASSERT_TRUE(buf.ok());
  EXPECT_FALSE(b.finish().ok());
  EXPECT_FALSE(b.add_region(1, {v, 1}).ok());
  auto r = Report::open_memory(buf.value().data(), buf.value().size());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value()->tag(), "after_spawn");
  EXPECT_EQ(r.value()->trigger(), Trigger::Watch);
  EXPECT_TRUE(r.value()->is_placeholder());
  EXPECT_EQ(r.value()->placeholder_reason(), "no scheduler attached");
  EXPECT_FALSE(r.value()->has_step_index());
  ASSERT_EQ(r.value()->active_map_kvas().size(), 2u);
  EXPECT_EQ(r.value()->active_map_kvas()[1], 0xffff0002u);
  EXPECT_EQ(r.value()->active_scheduler_name(), "");
  const MapInfo& m = r.value()->map(0);
  EXPECT_EQ(m.entry_count, 2u);
  EXPECT_TRUE(m.has_error);
  EXPECT_EQ(m.error, "partial read");
  EXPECT_EQ(m.value_ptr(1)[2], 6);
  EXPECT_EQ(m.btf_index, -1);
}

TEST(ReportBuilder, PerCpuAbsentSlots) {
  ReportBuilder b;
  MapSpec s;
  s.name = "pc";
  s.map_type = kMapTypePercpuArray;
  s.key_size = 4;
  s.value_size = 4;
  s.nr_cpus = 3;
  uint8_t k[8] = {0, 0, 0, 0, 1, 0, 0, 0}, v[48] = {};
  s.percpu_absent = {0x01, 0x00};  // 2 entries x 3 cpus = 6 bits: 1 byte
  auto bad = b.add_map(s, {k, 8}, {v, 48});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("expected 1"), std::string::npos) << bad.error().message;
  s.percpu_absent = {0x21};  // (0, cpu 0) and (1, cpu 2)
  ASSERT_TRUE(b.add_map(s, {k, 8}, {v, 48}).ok());
  MapSpec h;
  h.name = "h";
  h.map_type = kMapTypeHash;
  h.key_size = 4;
  h.value_size = 4;
  h.percpu_absent = {0};
  EXPECT_FALSE(b.add_map(h, {k, 8}, {v, 8}).ok());
  auto buf = b.finish();
  ASSERT_TRUE(buf.ok());
  auto r = Report::open_memory(buf.value().data(), buf.value().size());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const MapInfo& m = r.value()->map(0);
  EXPECT_FALSE(m.slot_present(0, 0));
  EXPECT_TRUE(m.slot_present(0, 1));
  EXPECT_TRUE(m.slot_present(1, 1));
  EXPECT_FALSE(m.slot_present(1, 2));
  EXPECT_TRUE(fixture_map("kt_cpu_stats").slot_present(3, 3));
}
