// Text display (spec/report.md §5). Expected strings are derived by hand
// from the rules; comments say which rule decides each detail.
#include <linux/btf.h>

#include <array>

#include "render_helpers.hpp"
#include "value/render_text_internal.hpp"

namespace ktsnap::test {
namespace {

using render::NKind;
using render::RNode;

std::string map_text(const Report& r, const MapInfo& m, const RenderOptions& o = {}) {
  std::string s;
  EXPECT_TRUE(render_map_text(r, m, s, o).ok());
  return s;
}

TEST(RenderText, InlineStruct) {
  const MapInfo& m = kinds_map("kt_array");
  EXPECT_EQ(text_of(Value::map_value(m, 1)), "kt_inner{a=2, b=-1, c=1}");
  // Every member deeply zero: nothing visible.
  EXPECT_EQ(text_of(Value::map_value(m, 0)), "kt_inner{}");
}

TEST(RenderText, MultiLineStructPacksThreePerRowAndAlignsColumns) {
  Synth s;
  int u64 = btf__add_int(s.b, "u64", 8, 0);
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int in = btf__add_struct(s.b, "in", 4);
  ASSERT_EQ(btf__add_field(s.b, "q", u32, 0, 0), 0);
  int hist = btf__add_array(s.b, u32, u32, 4);
  int ctx = btf__add_struct(s.b, "ctx", 76);
  const char* names[] = {"a", "bb", "runtime", "x", "nr_switches", "y", "z"};
  for (int i = 0; i < 7; i++) ASSERT_EQ(btf__add_field(s.b, names[i], u64, i * 64, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "inner", in, 448, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "hist", hist, 480, 0), 0);
  s.done();
  std::vector<uint8_t> v(76, 0);
  for (int i = 0; i < 7; i++) {
    uint64_t x = 1111111111111111111ull * uint64_t(i + 1);
    std::memcpy(&v[i * 8], &x, 8);
  }
  v[56] = 5;  // inner.q
  v[64] = 1;  // hist[1]
  v[72] = 2;  // hist[3]
  // Too wide for the inline form. Rows of three; column 0 (a, x, z) differs
  // by < 4 chars: name=value; columns 1 and 2 differ by >= 4 over 3 rows:
  // names padded and joined with " = ". Cells padded to the column's widest
  // cell plus 3 spaces. Compound members follow, one per line.
  std::string want =
      "ctx:\n"
      "  a=1111111111111111111   bb          = 2222222222222222222   runtime = 3333333333333333333\n"
      "  x=4444444444444444444   nr_switches = 5555555555555555555   y       = 6666666666666666666\n"
      "  z=7777777777777777777\n"
      "  inner in{q=5}\n"
      "  hist [[1]=0x1  [3]=0x2]";
  EXPECT_EQ(s.text(ctx, v), want);
}

TEST(RenderText, CStrings) {
  const MapInfo& m = kinds_map("kt_tasks");
  auto comm = Value::map_value(m, 2).get("comm");
  ASSERT_TRUE(comm.ok());
  EXPECT_EQ(text_of(comm.value()), "\"bash\"");
  Synth s;
  int ch = btf__add_int(s.b, "char", 1, BTF_INT_CHAR);
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int arr = btf__add_array(s.b, u32, ch, 12);
  int fmt = btf__add_struct(s.b, "with_fmt", 16);
  ASSERT_EQ(btf__add_field(s.b, "msg___fmt", arr, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "v", u32, 96, 0), 0);
  s.done();
  std::vector<uint8_t> lines = {'a', 'b', '\n', 'c', 'd', '\n', '\n', 'e', 'f', 0, 0, 0};
  // A string with newlines: "|" then each non-empty line one level deeper.
  EXPECT_EQ(s.text(arr, lines), "|\n  ab\n  cd\n  ef");
  // All zero bytes are not a string.
  EXPECT_EQ(s.text(arr, std::vector<uint8_t>(12, 0)), "[all 12 zero]");
  // A bpf_printk-style format member is hidden.
  std::vector<uint8_t> f = {'h', 'i', ' ', '%', 'd', 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0};
  EXPECT_EQ(s.text(fmt, f), "with_fmt{v=3}");
}

TEST(RenderText, ArrayRuns) {
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int u16 = btf__add_int(s.b, "u16", 2, 0);
  int s32 = btf__add_int(s.b, "s32", 4, BTF_INT_SIGNED);
  int u8 = btf__add_int(s.b, "u8", 1, 0);
  int a6 = btf__add_array(s.b, u32, u32, 6);
  int a2 = btf__add_array(s.b, u32, u16, 2);
  int i3 = btf__add_array(s.b, u32, s32, 3);
  int big = btf__add_array(s.b, u32, u8, 5000);
  int wide = btf__add_array(s.b, u32, u32, 40);
  s.done();
  auto u32s = [](std::vector<uint32_t> v) {
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
  };
  // Sparse: zero elements dropped, runs of non-zero indexes, two spaces
  // between runs, wide unsigned values in hex.
  EXPECT_EQ(s.text(a6, u32s({0, 1, 0, 0, 2, 0})), "[[1]=0x1  [4]=0x2]");
  EXPECT_EQ(s.text(a6, u32s({0, 1, 2, 0, 0, 7})), "[[1..2]={0x1, 0x2}  [5]=0x7]");
  // One run covering everything: the dense form.
  EXPECT_EQ(s.text(a6, u32s({1, 2, 3, 4, 5, 6})), "[0x1, 0x2, 0x3, 0x4, 0x5, 0x6]");
  EXPECT_EQ(s.text(a6, u32s({0, 0, 0, 0, 0, 0})), "[all 6 zero]");
  // Narrow unsigned and signed values stay decimal.
  EXPECT_EQ(s.text(a2, {1, 0, 2, 0}), "[1, 2]");
  EXPECT_EQ(s.text(i3, u32s({0xffffffffu, 5, 0xfffffffeu})), "[-1, 5, -2]");
  // Fewer elements than declared: the shown note.
  std::vector<uint8_t> b(5000, 0);
  b[4095] = 255;
  b[4999] = 1;  // past the 4096 rendered elements
  EXPECT_EQ(s.text(big, b), "[[4095]=255] /* 4096 of 5000 shown */");
  // Wrapping at 120: "[" + 10 parts of 10 chars joined by ", " is 119;
  // the 11th would cross, so the separator (trimmed to ",") ends the line
  // and the part continues one level deeper.
  std::string part = "0xdeadbeef";
  std::string row;
  for (int i = 0; i < 10; i++) row += (i ? ", " : "") + part;
  std::string want = "[" + row + ",\n  " + row + ",\n  " + row + ",\n  " + row + "]";
  EXPECT_EQ(s.text(wide, u32s(std::vector<uint32_t>(40, 0xdeadbeef))), want);
}

TEST(RenderText, ArrayBlocksGroupsAndTemplateMerge) {
  Synth s;
  int u32 = btf__add_int(s.b, "u32", 4, 0);
  int pt = btf__add_struct(s.b, "pt", 8);
  ASSERT_EQ(btf__add_field(s.b, "x", u32, 0, 0), 0);
  ASSERT_EQ(btf__add_field(s.b, "y", u32, 32, 0), 0);
  int a3 = btf__add_array(s.b, u32, pt, 3);
  int a5 = btf__add_array(s.b, u32, pt, 5);
  s.done();
  auto pts = [](std::vector<std::pair<uint32_t, uint32_t>> v) {
    std::vector<uint8_t> b;
    for (auto [x, y] : v) {
      uint32_t w[2] = {x, y};
      b.insert(b.end(), reinterpret_cast<uint8_t*>(w), reinterpret_cast<uint8_t*>(w) + 8);
    }
    return b;
  };
  // Equal neighbours form one group.
  EXPECT_EQ(s.text(a3, pts({{1, 2}, {1, 2}, {5, 6}})),
            "[\n"
            "  [0-1] pt{x=1, y=2}\n"
            "  [2] pt{x=5, y=6}\n"
            "]");
  // Three single-element struct groups at contiguous indexes, two members
  // varying: merged into one template block.
  EXPECT_EQ(s.text(a5, pts({{1, 2}, {1, 2}, {0, 0}, {1, 2}, {3, 4}})),
            "[\n"
            "  [0-1] pt{x=1, y=2}\n"
            "  [2-4] pt:\n"
            "    x: [2]=0 [3]=1 [4]=3 \n"
            "    y: [2]=0 [3]=2 [4]=4 \n"
            "]");
  // Shared members are printed once, name=value.
  EXPECT_EQ(s.text(a3, pts({{7, 1}, {7, 2}, {7, 3}})),
            "[\n"
            "  [0-2] pt:\n"
            "    x=7\n"
            "    y: [0]=1 [1]=2 [2]=3 \n"
            "]");
}

TEST(RenderText, ScalarsPerKind) {
  auto node = [](NKind k, uint64_t u, uint32_t bits = 32) {
    RNode n;
    n.kind = k;
    n.u = u;
    n.bits = bits;
    return n;
  };
  auto text = [](const RNode& n) {
    std::string s;
    render::tree_to_text(n, 0, s);
    return s;
  };
  EXPECT_EQ(text(node(NKind::Char, 'c', 8)), "'c'");
  EXPECT_EQ(text(node(NKind::Char, 7, 8)), "0x07");
  EXPECT_EQ(text(node(NKind::Uint, 4000000000u)), "4000000000");  // decimal outside arrays
  EXPECT_EQ(text(node(NKind::Int, static_cast<uint64_t>(-42))), "-42");
  RNode b = node(NKind::Bool, 0);
  b.flag = true;
  EXPECT_EQ(text(b), "true");
  RNode p = node(NKind::Ptr, 0xffff8880deadull, 64);
  EXPECT_EQ(text(p), "0xffff8880dead");
  p.has_str = true;
  p.str = "cycle \xe2\x86\x92 0x1";
  EXPECT_EQ(text(p), "0xffff8880dead [cycle]");
  p.str = "no region";
  EXPECT_EQ(text(p), "0xffff8880dead [chase: no region]");
  RNode c = node(NKind::CpuList, 0);
  c.str = "0-3,7";
  EXPECT_EQ(text(c), "cpus={0-3,7}");
  RNode u = node(NKind::Unsupported, 0);
  u.str = "why";
  EXPECT_EQ(text(u), "<unsupported: why>");
  RNode e = node(NKind::Enum, 2);
  e.has_str = true;
  e.str = "RUNNING";
  EXPECT_EQ(text(e), "RUNNING (2)");
}

TEST(RenderText, AnonymousFlattening) {
  auto uint_node = [](uint64_t v) {
    RNode n;
    n.kind = NKind::Uint;
    n.bits = 32;
    n.u = v;
    return n;
  };
  RNode anon;
  anon.kind = NKind::Struct;
  anon.names = {"x"};
  anon.kids = {uint_node(5)};
  RNode s;
  s.kind = NKind::Struct;
  s.has_str = true;
  s.str = "t";
  s.names = {"a", ""};
  s.kids = {uint_node(5), anon};
  std::string out;
  render::tree_to_text(s, 0, out);
  EXPECT_EQ(out, "t{a=5}");  // every scalar of the anonymous member is already shown
  s.kids[1].kids[0] = uint_node(7);
  out.clear();
  render::tree_to_text(s, 0, out);
  EXPECT_EQ(out, "t{a=5, x=7}");  // otherwise its members are spliced in
}

TEST(RenderText, TaskEntryLayout) {
  const MapInfo& m = kinds_map("kt_tasks");
  std::string t = map_text(kinds_report(), m);
  // Header, then per entry "entry: key=..." and "  value: ..." at depth 1.
  EXPECT_EQ(
      t.rfind("map kt_tasks (type=hash, value_size=152, max_entries=4096)\nentry: key=1000\n  value: kt_task_ctx:\n",
              0),
      0u)
      << t.substr(0, 300);
  EXPECT_NE(t.find("\n    comm \"kworker/0:1\""), std::string::npos);
  EXPECT_NE(t.find("\n    inner kt_inner{a=11, b=-1, c=1}"), std::string::npos);
  EXPECT_NE(t.find("\n    hist [\n      [0] [0xa, 0xb, 0xc]\n      [1] [0xd, 0xe, 0xf]\n    ]"), std::string::npos);
  EXPECT_NE(t.back(), '\n');
}

TEST(RenderText, EntryTableForStructKeysAndValues) {
  // Column width = max(header, cells); names and cells right-aligned, two
  // spaces between columns, " | " between key and value; zeros kept.
  EXPECT_EQ(map_text(kinds_report(), kinds_map("kt_bits_hash")),
            "map kt_bits_hash (type=hash, value_size=16, max_entries=64)\n"
            "  cpu  dsq | lo  sv       mid          wide     swide\n"
            "    0    7 |  0  -1  11259375  549755813888  -8388608\n"
            "    1    7 |  1  -2  11259374  549755813889  -8388608\n"
            "    2    7 |  2  -3  11259373  549755813890  -8388608\n"
            "    3    7 |  3  -4  11259372  549755813891  -8388608");
}

TEST(RenderText, MaxEntriesLimitsEntries) {
  RenderOptions o;
  o.max_entries = 3;
  EXPECT_EQ(map_text(kinds_report(), kinds_map("kt_array"), o),
            "map kt_array (type=array, value_size=8, max_entries=8)\n"
            "key 0: kt_inner{}\n"
            "key 1: kt_inner{a=2, b=-1, c=1}\n"
            "key 2: kt_inner{a=4, b=-2, c=2}\n"
            "  ... 5 more entries not shown");
  o.max_entries = 2;
  std::string t = map_text(kinds_report(), kinds_map("kt_bits_hash"), o);
  EXPECT_NE(t.find("\n    1    7 |  1  -2"), std::string::npos);
  EXPECT_EQ(t.find("\n    2    7"), std::string::npos);
  EXPECT_NE(t.find("  ... 2 more entries not shown"), std::string::npos);
}

TEST(RenderText, GlobalsAndPercpuHash) {
  EXPECT_EQ(map_text(kinds_report(), kinds_map("kinds.bss")),
            "map kinds.bss (type=array, value_size=20, max_entries=1)\n"
            ".bss{kt_nr_events=42, kt_bss_inner=kt_inner{a=7, b=-3, c=9}, kt_bss_neg=-12345}");
  EXPECT_EQ(map_text(kinds_report(), kinds_map("kinds.data")),
            "map kinds.data (type=array, value_size=12, max_entries=1)\n"
            ".data:\n"
            "  kt_data_counter=5\n"
            "  kt_data_label \"hello\"");
  std::string t = map_text(kinds_report(), kinds_map("kt_pcpu_hash"));
  EXPECT_NE(t.find("\nentry: key=kt_key{cpu=1, dsq=1001}\n  cpu 0: 1000\n  cpu 1: 1001\n  cpu 2: 1002\n  cpu 3: 1003"),
            std::string::npos)
      << t;
}

// A PERCPU_ARRAY of kt_cpu_stats with chosen per-CPU values.
struct PercpuReport {
  OpenedReport r;
  explicit PercpuReport(const std::vector<std::vector<std::array<uint64_t, 3>>>& entries, bool scalar = false,
                        std::vector<uint8_t> absent = {}) {
    std::vector<uint8_t> raw = kinds_btf_raw();
    auto btf = Btf::from_raw(raw.data(), raw.size());
    if (!btf.ok()) throw std::runtime_error(btf.error().message);
    ReportBuilder b;
    auto bi = b.add_btf(raw);
    if (!bi.ok()) throw std::runtime_error(bi.error().message);
    MapSpec s;
    s.name = "stats";
    s.map_type = kMapTypePercpuArray;
    s.key_size = 4;
    s.value_size = scalar ? 8 : 24;
    s.max_entries = static_cast<uint32_t>(entries.size());
    s.nr_cpus = static_cast<uint32_t>(entries[0].size());
    s.btf_index = bi.value();
    s.value_type_id = scalar ? 0 : *btf.value()->find_by_name_kind("kt_cpu_stats", BtfKind::Struct);
    s.percpu_absent = std::move(absent);
    std::vector<uint8_t> keys, vals;
    for (uint32_t k = 0; k < entries.size(); k++) {
      keys.insert(keys.end(), reinterpret_cast<uint8_t*>(&k), reinterpret_cast<uint8_t*>(&k) + 4);
      for (const auto& cpu : entries[k]) {
        if (scalar) {
          vals.insert(vals.end(), reinterpret_cast<const uint8_t*>(&cpu[0]),
                      reinterpret_cast<const uint8_t*>(&cpu[0]) + 8);
          continue;
        }
        uint8_t slot[24] = {};
        std::memcpy(slot, &cpu[0], 8);
        std::memcpy(slot + 8, &cpu[1], 8);
        int32_t tid = static_cast<int32_t>(cpu[2]);
        std::memcpy(slot + 16, &tid, 4);
        vals.insert(vals.end(), slot, slot + 24);
      }
    }
    if (!b.add_map(s, keys, vals).ok()) throw std::runtime_error("add_map");
    r = open_report(b.finish());
  }
  std::string text() { return map_text(*r.report, r.report->map(0)); }
};

TEST(RenderText, PercpuArrayGrouping) {
  using Cpu = std::array<uint64_t, 3>;
  PercpuReport p({
      {Cpu{5, 6, 7}, Cpu{5, 6, 7}, Cpu{5, 6, 7}, Cpu{5, 6, 7}},      // one group covering every CPU
      {Cpu{1, 0, 0}, Cpu{1, 0, 0}, Cpu{2, 0, 0}, Cpu{2, 0, 0}},      // contiguous groups
      {Cpu{1, 0, 0}, Cpu{2, 0, 0}, Cpu{1, 0, 0}, Cpu{3, 0, 0}},      // scattered group
      {Cpu{10, 9, 0}, Cpu{11, 9, 0}, Cpu{12, 9, 0}, Cpu{13, 9, 0}},  // all differ in one member
  });
  EXPECT_EQ(p.text(),
            "map stats (type=percpu_array, value_size=24, max_entries=4)\n"
            "key 0: struct kt_cpu_stats (4 CPUs)\n"
            "  all CPUs: kt_cpu_stats{nr_dispatched=5, nr_enqueued=6, last_tid=7}\n"
            "key 1: struct kt_cpu_stats (4 CPUs)\n"
            "  cpus 0-1: kt_cpu_stats{nr_dispatched=1}\n"
            "  cpus 2-3: kt_cpu_stats{nr_dispatched=2}\n"
            "key 2: struct kt_cpu_stats (4 CPUs)\n"
            "  cpus [0, 2]: kt_cpu_stats{nr_dispatched=1}\n"
            "  cpu 1: kt_cpu_stats{nr_dispatched=2}\n"
            "  cpu 3: kt_cpu_stats{nr_dispatched=3}\n"
            "key 3: struct kt_cpu_stats (4 CPUs)\n"
            "  common:\n"
            "    nr_enqueued: 9\n"
            "  per-cpu:\n"
            "    cpu | nr_dispatched\n"
            "      0 | 10\n"
            "      1 | 11\n"
            "      2 | 12\n"
            "      3 | 13");
}

TEST(RenderText, PercpuUnreadableSlots) {
  using Cpu = std::array<uint64_t, 3>;
  // Bit entry*4+cpu set = slot not read: entry 0 cpu 2, entry 1 cpu 1.
  PercpuReport p({{Cpu{1, 0, 0}, Cpu{1, 0, 0}, Cpu{0, 0, 0}, Cpu{1, 0, 0}},
                  {Cpu{10, 9, 0}, Cpu{0, 0, 0}, Cpu{12, 9, 0}, Cpu{13, 9, 0}}},
                 false, {0x24});
  EXPECT_EQ(p.text(),
            "map stats (type=percpu_array, value_size=24, max_entries=2)\n"
            "key 0: struct kt_cpu_stats (4 CPUs)\n"
            "  cpus [0, 1, 3]: kt_cpu_stats{nr_dispatched=1}\n"
            "  cpus [2]: <unmapped>\n"
            "key 1: struct kt_cpu_stats (4 CPUs)\n"
            "  common:\n"
            "    nr_enqueued: 9\n"
            "  per-cpu:\n"
            "    cpu | nr_dispatched\n"
            "      0 | 10\n"
            "      2 | 12\n"
            "      3 | 13\n"
            "  cpus [1]: <unmapped>");
  std::string j;
  ASSERT_TRUE(render_map_json(*p.r.report, p.r.report->map(0), j).ok());
  Doc d(j);
  element e0 = d.root["percpu_entries"].at(0)["per_cpu"];
  EXPECT_TRUE(e0.at(2).is_null());
  EXPECT_EQ(u64_of(mem(e0.at(3), "nr_dispatched")), 1u);
  EXPECT_TRUE(d.root["percpu_entries"].at(1)["per_cpu"].at(1).is_null());
}

TEST(RenderText, PercpuArrayOfScalarsAndHexValues) {
  using Cpu = std::array<uint64_t, 3>;
  PercpuReport p({{Cpu{1, 0, 0}, Cpu{2, 0, 0}}}, true);
  // Fewer than two struct slots: one row per CPU. No value type: hex.
  EXPECT_EQ(p.text(),
            "map stats (type=percpu_array, value_size=8, max_entries=1)\n"
            "key 0:\n"
            "  cpu 0: 01 00 00 00 00 00 00 00\n"
            "  cpu 1: 02 00 00 00 00 00 00 00");
}

TEST(RenderText, HeaderErrorAndRawEntries) {
  ReportBuilder b;
  MapSpec s;
  s.name = "raw";
  s.map_type = kMapTypeHash;
  s.key_size = 4;
  s.value_size = 2;
  s.max_entries = 8;
  s.has_error = true;
  s.error = "partial read";
  std::vector<uint8_t> keys = {1, 0, 0, 0}, vals = {0xab, 0xcd};
  ASSERT_TRUE(b.add_map(s, keys, vals).ok());
  MapSpec u;
  u.name = "future";
  u.map_type = 99;
  ASSERT_TRUE(b.add_map(u, {}, {}).ok());
  OpenedReport r = open_report(b.finish());
  EXPECT_EQ(map_text(*r.report, r.report->map(0)),
            "map raw (type=hash, value_size=2, max_entries=8) [error: partial read]\n"
            "entry: key=01 00 00 00 (raw)\n"
            "  value: ab cd (raw)");
  EXPECT_EQ(map_text(*r.report, r.report->map(1)), "map future (type=99, value_size=0, max_entries=0)");
}

TEST(RenderText, ReportLayout) {
  std::string t;
  ASSERT_TRUE(render_report_text(kinds_report(), t).ok());
  EXPECT_EQ(t.rfind("map kt_cpu_stats (type=percpu_array, value_size=24, max_entries=4)\n", 0), 0u);
  EXPECT_NE(t.find("\n\nmap kt_tasks (type=hash"), std::string::npos);  // blocks separated by a blank line
  std::string excluded =
      "\n\nmap kt_events_q (type=queue, value_size=0, max_entries=0) "
      "[error: queue maps cannot be enumerated without consuming them]";
  ASSERT_GE(t.size(), excluded.size());
  EXPECT_EQ(t.substr(t.size() - excluded.size()), excluded);

  ReportBuilder empty;
  OpenedReport e = open_report(empty.finish());
  std::string et;
  ASSERT_TRUE(render_report_text(*e.report, et).ok());
  EXPECT_EQ(et, "(empty failure dump)");

  ReportBuilder ph;
  ReportMetadata md;
  md.placeholder = true;
  md.placeholder_reason = "capture aborted";
  ph.set_metadata(md);
  OpenedReport p = open_report(ph.finish());
  std::string pt;
  ASSERT_TRUE(render_report_text(*p.report, pt).ok());
  EXPECT_EQ(pt,
            "prog_runtime_stats: <unavailable: capture aborted>\n\n"
            "per_node_numa: <unavailable: capture aborted>\n\n"
            "task_enrichments: <unavailable: capture aborted>\n\n"
            "scx_walker: <unavailable: capture aborted>");
}

TEST(RenderText, InvalidValueIsAnError) {
  std::string s;
  EXPECT_FALSE(render_value_text(Value(), s).ok());
}

}  // namespace
}  // namespace ktsnap::test
