// JSON rendering of the fixture report (kinds.bpf.c with synthetic data):
// values checked against kt_task_expect, map shapes, fallbacks.
#include <cmath>

#include "render_helpers.hpp"
#include "value/render_util.hpp"

namespace ktsnap::test {
namespace {

std::string map_json(const MapInfo& m, const RenderOptions& o = {}) {
  std::string s;
  EXPECT_TRUE(render_map_json(kinds_report(), m, s, o).ok());
  return s;
}

std::string hex(const uint8_t* p, size_t n) {
  std::string s;
  render::append_hex_dump(s, p, n);
  return s;
}

TEST(RenderJson, TaskValuesMatchTheSyntheticData) {
  const MapInfo& m = kinds_map("kt_tasks");
  const Btf& btf = *m.ctx->btf;
  bool e64_is_enum64 = btf.find_by_name_kind("kt_e64", BtfKind::Enum64).has_value();
  Doc d(map_json(m));
  element entries = d.root["entries"];
  ASSERT_EQ(simdjson::dom::array(entries).size(), m.entry_count);
  uint32_t i = 0;
  for (element e : entries.get_array()) {
    SCOPED_TRACE("entry " + std::to_string(i));
    KtTaskExpect x = kt_task_expect(i);
    element key = e["key"];
    EXPECT_EQ(kind_of(key), "uint");
    EXPECT_EQ(uint64_t(key["bits"]), 32u);
    EXPECT_EQ(u64_of(key), x.tid);
    element v = e["value"];
    EXPECT_EQ(kind_of(v), "struct");
    EXPECT_EQ(std::string_view(v["type_name"]), "kt_task_ctx");
    EXPECT_EQ(u64_of(mem(v, "runtime_ns")), x.runtime_ns);
    EXPECT_EQ(kind_of(mem(v, "tid")), "int");
    EXPECT_EQ(i64_of(mem(v, "tid")), int64_t(x.tid));
    EXPECT_EQ(std::string_view(mem(v, "state")["variant"]), x.state == 0   ? "KT_STATE_IDLE"
                                                            : x.state == 1 ? "KT_STATE_RUNNING"
                                                                           : "KT_STATE_BLOCKED");
    // Anonymous struct and union members are spliced into the parent.
    EXPECT_EQ(u64_of(mem(v, "weight")), x.weight);
    EXPECT_EQ(u64_of(mem(v, "lo16")), x.lo16);
    EXPECT_EQ(u64_of(mem(v, "hi16")), x.hi16);
    EXPECT_EQ(u64_of(mem(v, "raw")), uint64_t(x.lo16) | (uint64_t(x.hi16) << 16));
    element inner = mem(v, "inner");
    EXPECT_EQ(u64_of(mem(inner, "a")), x.inner_a);
    EXPECT_EQ(i64_of(mem(inner, "b")), x.inner_b);
    EXPECT_EQ(u64_of(mem(inner, "c")), x.inner_c);
    element bits = mem(v, "bits");
    EXPECT_EQ(kind_of(mem(bits, "lo")), "uint");
    EXPECT_EQ(uint64_t(mem(bits, "lo")["bits"]), 3u);
    EXPECT_EQ(u64_of(mem(bits, "lo")), x.bits_lo);
    EXPECT_EQ(kind_of(mem(bits, "sv")), "int");
    EXPECT_EQ(uint64_t(mem(bits, "sv")["bits"]), 5u);
    EXPECT_EQ(i64_of(mem(bits, "sv")), x.bits_sv);
    EXPECT_EQ(u64_of(mem(bits, "mid")), x.bits_mid);
    EXPECT_EQ(uint64_t(mem(bits, "wide")["bits"]), 40u);
    EXPECT_EQ(u64_of(mem(bits, "wide")), x.bits_wide);
    EXPECT_EQ(i64_of(mem(bits, "swide")), x.bits_swide);
    // char arrays stay arrays of 8-bit nodes (clang encodes `char` as a
    // signed 1-byte int); no string conversion in JSON.
    element comm = mem(v, "comm");
    EXPECT_EQ(uint64_t(comm["len"]), 16u);
    std::string got;
    for (element c : comm["elements"].get_array()) {
      EXPECT_EQ(uint64_t(c["bits"]), 8u);
      int64_t b = c["value"];
      if (b != 0) got += static_cast<char>(b);
    }
    EXPECT_EQ(got, x.comm);
    element hist = mem(v, "hist");
    EXPECT_EQ(uint64_t(hist["len"]), 2u);
    int row = 0;
    for (element r : hist["elements"].get_array()) {
      EXPECT_EQ(uint64_t(r["len"]), 3u);
      int col = 0;
      for (element c : r["elements"].get_array()) EXPECT_EQ(u64_of(c), x.hist[row][col++]);
      row++;
    }
    EXPECT_EQ(kind_of(mem(v, "inner_ptr")), "ptr");
    EXPECT_EQ(u64_of(mem(v, "inner_ptr")), x.inner_ptr);
    EXPECT_FALSE(mem(v, "inner_ptr")["deref"].error() == simdjson::SUCCESS);  // not a cpumask: never chased
    EXPECT_EQ(bool(mem(v, "on_cpu")["value"]), x.on_cpu);
    EXPECT_EQ(uint64_t(mem(v, "load")["bits"]), 32u);
    EXPECT_EQ(double(mem(v, "load")["value"]), double(x.load));
    EXPECT_EQ(double(mem(v, "avg")["value"]), x.avg);
    EXPECT_EQ(u64_of(mem(v, "cv_val")), x.cv_val);
    element e8 = mem(v, "e8");
    EXPECT_EQ(uint64_t(e8["bits"]), 8u);
    if (x.e8 == -1) {
      EXPECT_EQ(std::string_view(e8["variant"]), "KT_E8_NEG");  // masked to 8 bits
    }
    element e16 = mem(v, "e16");
    EXPECT_EQ(std::string_view(e16["variant"]), x.e16 == 1 ? "KT_E16_A" : "KT_E16_BIG");
    element e64 = mem(v, "e64");
    EXPECT_EQ(uint64_t(e64["bits"]), 64u);
    EXPECT_EQ(uint64_t(e64["value"]), x.e64);
    if (x.e64 == 1) {
      EXPECT_EQ(std::string_view(e64["variant"]), "KT_E64_SMALL");
    } else if (e64_is_enum64) {
      EXPECT_EQ(std::string_view(e64["variant"]), "KT_E64_BIG");
    } else {
      // This clang writes kt_e64 as a 32-bit-record ENUM of size 8, which
      // cannot hold 2^32 (KT_E64_BIG is stored as 0): no variant matches.
      EXPECT_TRUE(e64["variant"].is_null());
    }
    EXPECT_EQ(i64_of(mem(v, "sc")), x.sc);
    if (i > 0) {
      EXPECT_LT(i64_of(mem(v, "sc")), 0);
    }
    EXPECT_EQ(u64_of(mem(v, "uc")), x.uc);
    EXPECT_EQ(std::string_view(e["key_hex"]), hex(m.key_ptr(i), m.key_size));
    EXPECT_EQ(std::string_view(e["value_hex"]), hex(m.value_ptr(i), m.value_size));
    i++;
  }
}

TEST(RenderJson, MemberOrderFollowsBtfWithAnonymousMembersSpliced) {
  const MapInfo& m = kinds_map("kt_tasks");
  Doc d(json_of(Value::map_value(m, 1)));
  std::vector<std::string> want = {"runtime_ns", "tid",  "state", "weight",    "raw",    "lo16",   "hi16", "inner",
                                   "bits",       "comm", "hist",  "inner_ptr", "opaque", "on_cpu", "load", "avg",
                                   "cv_val",     "e8",   "e16",   "e64",       "sc",     "uc"};
  EXPECT_EQ(member_names(d.root), want);
}

TEST(RenderJson, ValueNodeFieldsAreExact) {
  const MapInfo& m = kinds_map("kt_tasks");
  std::string s = json_of(Value::map_value(m, 2));
  // Field order and shapes of §1.6, checked on the literal text.
  EXPECT_NE(s.find("{\"name\":\"tid\",\"value\":{\"kind\":\"int\",\"bits\":32,\"value\":1002}}"), std::string::npos);
  EXPECT_NE(s.find("{\"name\":\"state\",\"value\":{\"kind\":\"enum\",\"bits\":32,\"value\":2,"
                   "\"variant\":\"KT_STATE_BLOCKED\",\"is_signed\":false}}"),
            std::string::npos);
  EXPECT_NE(s.find("{\"name\":\"on_cpu\",\"value\":{\"kind\":\"bool\",\"value\":false}}"), std::string::npos);
  EXPECT_NE(s.find("{\"name\":\"load\",\"value\":{\"kind\":\"float\",\"bits\":32,\"value\":1.0}}"), std::string::npos);
  EXPECT_NE(s.find("{\"name\":\"inner_ptr\",\"value\":{\"kind\":\"ptr\",\"value\":0}}"), std::string::npos);
  EXPECT_EQ(s.rfind("{\"kind\":\"struct\",\"type_name\":\"kt_task_ctx\",\"members\":[", 0), 0u);
}

TEST(RenderJson, U64AboveDoubleRangeIsExact) {
  // opaque = 0xffffc90000000000 + i: far above 2^53, must not go through double.
  const MapInfo& m = kinds_map("kt_tasks");
  std::string s = json_of(Value::map_value(m, 3));
  EXPECT_NE(s.find("\"value\":18446683600570023939}"), std::string::npos) << s;
}

TEST(RenderJson, BitfieldValueOnItsOwn) {
  const MapInfo& m = kinds_map("kt_tasks");
  auto sv = Value::map_value(m, 5).get("bits.sv");
  ASSERT_TRUE(sv.ok());
  Doc d(json_of(sv.value()));
  EXPECT_EQ(kind_of(d.root), "int");
  EXPECT_EQ(uint64_t(d.root["bits"]), 5u);
  EXPECT_EQ(i64_of(d.root), kt_task_expect(5).bits_sv);
}

TEST(RenderJson, GlobalSectionsAreDatasecStructs) {
  {
    Doc d(map_json(kinds_map("kinds.bss")));
    element v = d.root["value"];
    EXPECT_EQ(std::string_view(v["type_name"]), ".bss");
    EXPECT_EQ(u64_of(mem(v, "kt_nr_events")), 42u);
    EXPECT_EQ(i64_of(mem(mem(v, "kt_bss_inner"), "b")), -3);
    EXPECT_EQ(i64_of(mem(v, "kt_bss_neg")), -12345);
    EXPECT_EQ(uint64_t(d.root["max_entries"]), 1u);
    EXPECT_TRUE(d.root["entries"].error() != simdjson::SUCCESS);
  }
  {
    Doc d(map_json(kinds_map("kinds.data")));
    element v = d.root["value"];
    EXPECT_EQ(std::string_view(v["type_name"]), ".data");
    EXPECT_EQ(i64_of(mem(v, "kt_data_counter")), 5);
    element label = mem(v, "kt_data_label");
    EXPECT_EQ(uint64_t(label["len"]), 8u);
    EXPECT_EQ(int64_t(label["elements"].at(0)["value"]), 'h');
  }
  {
    Doc d(map_json(kinds_map("kinds.rodata")));
    element v = d.root["value"];
    EXPECT_EQ(std::string_view(v["type_name"]), ".rodata");
    EXPECT_EQ(u64_of(mem(v, "kt_ro_nr_cpus")), 4u);
    EXPECT_EQ(std::string_view(mem(v, "kt_ro_mode")["variant"]), "KT_STATE_RUNNING");
  }
  {
    Doc d(map_json(kinds_map(".data.custom")));
    EXPECT_EQ(std::string_view(d.root["value"]["type_name"]), ".data.custom");
    EXPECT_EQ(u64_of(mem(d.root["value"], "kt_custom_v")), 7u);
  }
}

TEST(RenderJson, MapHeaderFields) {
  const MapInfo& m = kinds_map("kt_tasks");
  std::string s = map_json(m);
  std::string want = "{\"name\":\"kt_tasks\",\"map_kva\":" + std::to_string(m.map_kva) +
                     ",\"map_type\":1,\"value_size\":152,\"max_entries\":4096,\"entries\":[";
  EXPECT_EQ(s.rfind(want, 0), 0u) << s.substr(0, 200);
  Doc d(s);
  EXPECT_TRUE(d.root["error"].error() != simdjson::SUCCESS);
  EXPECT_TRUE(d.root["value"].error() != simdjson::SUCCESS);
}

TEST(RenderJson, PercpuArrayEntries) {
  const MapInfo& m = kinds_map("kt_cpu_stats");
  Doc d(map_json(m));
  element pe = d.root["percpu_entries"];
  ASSERT_EQ(simdjson::dom::array(pe).size(), 4u);
  uint64_t k = 0;
  for (element e : pe.get_array()) {
    EXPECT_EQ(uint64_t(e["key"]), k);
    simdjson::dom::array per_cpu = e["per_cpu"];
    ASSERT_EQ(per_cpu.size(), m.nr_cpus);
    uint64_t c = 0;
    for (element v : per_cpu) {
      EXPECT_EQ(std::string_view(v["type_name"]), "kt_cpu_stats");
      EXPECT_EQ(u64_of(mem(v, "nr_dispatched")), k * 100 + c);
      EXPECT_EQ(u64_of(mem(v, "nr_enqueued")), k * 10 + c * 2);
      EXPECT_EQ(i64_of(mem(v, "last_tid")), int64_t(1000 + c));
      c++;
    }
    k++;
  }
}

TEST(RenderJson, PercpuHashEntries) {
  const MapInfo& m = kinds_map("kt_pcpu_hash");
  Doc d(map_json(m));
  element pe = d.root["percpu_hash_entries"];
  ASSERT_EQ(simdjson::dom::array(pe).size(), 3u);
  uint64_t i = 0;
  for (element e : pe.get_array()) {
    element key = e["key"];
    EXPECT_EQ(std::string_view(key["type_name"]), "kt_key");
    EXPECT_EQ(u64_of(mem(key, "cpu")), i);
    EXPECT_EQ(u64_of(mem(key, "dsq")), 1000 + i);
    EXPECT_EQ(std::string_view(e["key_hex"]), hex(m.key_ptr(uint32_t(i)), 8));
    simdjson::dom::array per_cpu = e["per_cpu"];
    ASSERT_EQ(per_cpu.size(), 4u);
    uint64_t c = 0;
    for (element v : per_cpu) EXPECT_EQ(u64_of(v), i * 1000 + c++);
    EXPECT_TRUE(e["value_hex"].error() != simdjson::SUCCESS);
    i++;
  }
}

TEST(RenderJson, MultiEntryArrayUsesArrayEntries) {
  const MapInfo& m = kinds_map("kt_array");
  Doc d(map_json(m));
  element ae = d.root["array_entries"];
  ASSERT_EQ(simdjson::dom::array(ae).size(), 8u);
  uint64_t k = 0;
  for (element e : ae.get_array()) {
    EXPECT_EQ(uint64_t(e["key"]), k);
    EXPECT_EQ(u64_of(mem(e["value"], "a")), k * 2);
    EXPECT_EQ(i64_of(mem(e["value"], "b")), -int64_t(k));
    k++;
  }
  EXPECT_TRUE(d.root["value"].error() != simdjson::SUCCESS);
}

TEST(RenderJson, HexFormat) {
  std::string s;
  const uint8_t b[] = {0x00, 0x0f, 0xa0, 0xff};
  render::append_hex_dump(s, b, 4);
  EXPECT_EQ(s, "00 0f a0 ff");
  s.clear();
  render::append_hex_dump(s, b, 0);
  EXPECT_EQ(s, "");
  const MapInfo& m = kinds_map("kt_tasks");
  Doc d(map_json(m));
  EXPECT_EQ(std::string_view(d.root["entries"].at(0)["key_hex"]), "e8 03 00 00");
}

TEST(RenderJson, ReportShape) {
  std::string s;
  ASSERT_TRUE(render_report_json(kinds_report(), s).ok());
  EXPECT_EQ(s.rfind("{\"schema\":\"single\",\"maps\":[", 0), 0u);
  Doc d(s);
  simdjson::dom::array maps = d.root["maps"];
  EXPECT_EQ(maps.size(), kinds_report().map_count() + kinds_report().excluded_count());
  // Excluded maps are listed with their reason as the error.
  bool found = false;
  for (element m : maps) {
    if (std::string_view(m["name"]) != "kt_events_q") continue;
    found = true;
    EXPECT_EQ(uint64_t(m["map_type"]), 22u);
    EXPECT_EQ(uint64_t(m["value_size"]), 0u);
    EXPECT_EQ(std::string_view(m["error"]), "queue maps cannot be enumerated without consuming them");
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(std::string_view(d.root["ktsnap"]["tag"]), "fixture");
  EXPECT_EQ(std::string_view(d.root["ktsnap"]["trigger"]), "on_demand");
  EXPECT_EQ(uint64_t(d.root["ktsnap"]["elapsed_ms"]), 1500u);
  EXPECT_EQ(uint64_t(d.root["ktsnap"]["step_index"]), 2u);
  EXPECT_TRUE(d.root["is_placeholder"].error() != simdjson::SUCCESS);
}

TEST(RenderJson, PrettyOutputHasTheSameContent) {
  RenderOptions o;
  o.pretty = true;
  std::string pretty, compact;
  ASSERT_TRUE(render_report_json(kinds_report(), pretty, o).ok());
  ASSERT_TRUE(render_report_json(kinds_report(), compact).ok());
  EXPECT_NE(pretty.find("\n  \"maps\": ["), std::string::npos);
  simdjson::dom::parser p;
  element e;
  ASSERT_EQ(p.parse(pretty).get(e), simdjson::SUCCESS);
  EXPECT_EQ(simdjson::minify(e), compact);
}

TEST(RenderJson, AppendsToExistingOutput) {
  std::string s = "prefix:";
  ASSERT_TRUE(render_value_json(Value::map_value(kinds_map("kt_array"), 3), s).ok());
  EXPECT_EQ(s.rfind("prefix:{\"kind\":\"struct\"", 0), 0u);
  EXPECT_EQ(s.back(), '}');
}

TEST(RenderJson, InvalidValueIsAnError) {
  std::string s;
  Status st = render_value_json(Value(), s);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::Invalid);
  EXPECT_TRUE(s.empty());
}

// A report built from the fixture BTF with chosen flags, to exercise the
// BTF-vs-hex rules of §2.8 and §4.
struct FallbackReport {
  OpenedReport r;
  FallbackReport(int32_t btf_index, uint32_t flags, bool zero_value_type, bool placeholder = false) {
    std::vector<uint8_t> raw = kinds_btf_raw();
    auto btf = Btf::from_raw(raw.data(), raw.size());
    if (!btf.ok()) throw std::runtime_error(btf.error().message);
    uint32_t inner = *btf.value()->find_by_name_kind("kt_inner", BtfKind::Struct);
    uint32_t key = *btf.value()->find_by_name_kind("kt_key", BtfKind::Struct);
    ReportBuilder b;
    ReportMetadata md;
    md.tag = "fallback";
    md.placeholder = placeholder;
    md.placeholder_reason = placeholder ? "capture aborted" : "";
    b.set_metadata(md);
    auto bi = b.add_btf(raw);
    if (!bi.ok()) throw std::runtime_error(bi.error().message);
    int32_t use_btf = btf_index >= 0 ? bi.value() : -1;
    auto add = [&](const char* name, uint32_t type, uint32_t max, uint32_t ksz, uint32_t ktype, uint32_t nr_cpus) {
      MapSpec s;
      s.name = name;
      s.map_type = type;
      s.key_size = ksz;
      s.value_size = 8;
      s.max_entries = max;
      s.nr_cpus = nr_cpus;
      s.btf_index = use_btf;
      s.key_type_id = use_btf >= 0 ? ktype : 0;
      s.value_type_id = use_btf >= 0 && !zero_value_type ? inner : 0;
      s.flags = flags;
      std::vector<uint8_t> keys, vals;
      uint32_t n = 2;
      for (uint32_t i = 0; i < n; i++) {
        uint8_t k[8] = {uint8_t(i), 0, 0, 0, 7, 0, 0, 0};
        keys.insert(keys.end(), k, k + ksz);
        uint32_t slots = nr_cpus ? nr_cpus : 1;
        for (uint32_t c = 0; c < slots; c++) {
          uint8_t v[8] = {uint8_t(i + 1), 0, 0, 0, 0xfe, 0xff, uint8_t(c), 0};
          vals.insert(vals.end(), v, v + 8);
        }
      }
      auto mi = b.add_map(s, keys, vals);
      if (!mi.ok()) throw std::runtime_error(mi.error().message);
    };
    add("h", kMapTypeHash, 16, 8, key, 0);
    add("a", kMapTypeArray, 2, 4, 0, 0);
    add("pa", kMapTypePercpuArray, 2, 4, 0, 2);
    add("ph", kMapTypePercpuHash, 16, 8, key, 2);
    r = open_report(b.finish());
  }
  std::string json(const char* name) {
    std::string s;
    EXPECT_TRUE(render_map_json(*r.report, *r.report->find_map(name), s).ok());
    return s;
  }
};

void expect_hex_fallback(FallbackReport& f) {
  {
    Doc d(f.json("h"));
    element e = d.root["entries"].at(0);
    EXPECT_TRUE(e["key"].error() != simdjson::SUCCESS);
    EXPECT_TRUE(e["value"].error() != simdjson::SUCCESS);
    EXPECT_EQ(std::string_view(e["key_hex"]), "00 00 00 00 07 00 00 00");
    EXPECT_EQ(std::string_view(e["value_hex"]), "01 00 00 00 fe ff 00 00");
  }
  {
    Doc d(f.json("a"));
    element v = d.root["array_entries"].at(1)["value"];
    EXPECT_EQ(kind_of(v), "bytes");
    EXPECT_EQ(std::string_view(v["hex"]), "02 00 00 00 fe ff 00 00");
  }
  {
    Doc d(f.json("pa"));
    element v = d.root["percpu_entries"].at(0)["per_cpu"].at(1);
    EXPECT_EQ(kind_of(v), "bytes");
    EXPECT_EQ(std::string_view(v["hex"]), "01 00 00 00 fe ff 01 00");
  }
  {
    Doc d(f.json("ph"));
    element e = d.root["percpu_hash_entries"].at(1);
    EXPECT_TRUE(e["key"].error() != simdjson::SUCCESS);
    EXPECT_EQ(kind_of(e["per_cpu"].at(0)), "bytes");
  }
}

TEST(RenderJson, UnreadablePercpuHashSlotsAreNull) {
  std::vector<uint8_t> raw = kinds_btf_raw();
  ReportBuilder b;
  auto bi = b.add_btf(raw);
  ASSERT_TRUE(bi.ok());
  MapSpec s;
  s.name = "ph";
  s.map_type = kMapTypePercpuHash;
  s.key_size = 4;
  s.value_size = 8;
  s.max_entries = 4;
  s.nr_cpus = 3;
  s.btf_index = bi.value();
  s.percpu_absent = {0x02};  // entry 0, cpu 1
  std::vector<uint8_t> keys = {5, 0, 0, 0}, vals(24, 7);
  ASSERT_TRUE(b.add_map(s, keys, vals).ok());
  OpenedReport r = open_report(b.finish());
  std::string j;
  ASSERT_TRUE(render_map_json(*r.report, r.report->map(0), j).ok());
  Doc d(j);
  simdjson::dom::array per_cpu = d.root["percpu_hash_entries"].at(0)["per_cpu"];
  ASSERT_EQ(per_cpu.size(), 3u);
  EXPECT_EQ(kind_of(per_cpu.at(0)), "bytes");
  EXPECT_TRUE(per_cpu.at(1).is_null());
  std::string t;
  ASSERT_TRUE(render_map_text(*r.report, r.report->map(0), t).ok());
  EXPECT_EQ(t,
            "map ph (type=percpu_hash, value_size=8, max_entries=4)\n"
            "entry: key=05 00 00 00 (raw)\n"
            "  cpu 0: 07 07 07 07 07 07 07 07\n"
            "  cpu 1: <unmapped>\n"
            "  cpu 2: 07 07 07 07 07 07 07 07");
}

TEST(RenderJson, WithBtfKeysAndValuesAreTyped) {
  FallbackReport f(0, 0, false);
  Doc d(f.json("h"));
  element e = d.root["entries"].at(1);
  EXPECT_EQ(std::string_view(e["key"]["type_name"]), "kt_key");
  EXPECT_EQ(u64_of(mem(e["key"], "dsq")), 7u);
  EXPECT_EQ(i64_of(mem(e["value"], "b")), -2);
  Doc a(f.json("a"));
  EXPECT_EQ(std::string_view(a.root["array_entries"].at(0)["value"]["type_name"]), "kt_inner");
}

TEST(RenderJson, HexFallbackWithoutBtf) {
  FallbackReport f(-1, 0, false);
  expect_hex_fallback(f);
}

TEST(RenderJson, HexFallbackWhenBtfFlaggedMissing) {
  FallbackReport f(0, kMapBtfMissing, false);
  expect_hex_fallback(f);
}

TEST(RenderJson, HexFallbackForTypeIdZero) {
  FallbackReport f(0, 0, true);
  Doc d(f.json("a"));
  EXPECT_EQ(kind_of(d.root["array_entries"].at(0)["value"]), "bytes");
  Doc h(f.json("h"));
  element e = h.root["entries"].at(0);
  EXPECT_EQ(std::string_view(e["key"]["type_name"]), "kt_key");  // the key still has its type
  EXPECT_TRUE(e["value"].error() != simdjson::SUCCESS);
}

TEST(RenderJson, PlaceholderReport) {
  FallbackReport f(0, 0, false, true);
  std::string s;
  ASSERT_TRUE(render_report_json(*f.r.report, s).ok());
  Doc d(s);
  EXPECT_TRUE(bool(d.root["is_placeholder"]));
  EXPECT_EQ(std::string_view(d.root["task_enrichments_unavailable"]), "capture aborted");
  EXPECT_EQ(std::string_view(d.root["prog_runtime_stats_unavailable"]), "capture aborted");
}

TEST(RenderJson, StructOpsValueComesFromTheWrapperDataMember) {
  struct btf* b = btf__new_empty();
  int u32 = btf__add_int(b, "u32", 4, 0);
  int u64 = btf__add_int(b, "u64", 8, 0);
  int ops = btf__add_struct(b, "demo_ops", 8);
  ASSERT_EQ(btf__add_field(b, "flags", u32, 0, 0), 0);
  ASSERT_EQ(btf__add_field(b, "timeout_ms", u32, 32, 0), 0);
  int wrapper = btf__add_struct(b, "bpf_struct_ops_demo_ops", 16);
  ASSERT_EQ(btf__add_field(b, "common", u64, 0, 0), 0);
  ASSERT_EQ(btf__add_field(b, "data", ops, 64, 0), 0);
  __u32 sz = 0;
  const auto* raw = static_cast<const uint8_t*>(btf__raw_data(b, &sz));
  std::vector<uint8_t> blob(raw, raw + sz);
  btf__free(b);
  ReportBuilder rb;
  auto bi = rb.add_btf(blob);
  ASSERT_TRUE(bi.ok());
  MapSpec s;
  s.name = "demo_ops";
  s.map_type = kMapTypeStructOps;
  s.key_size = 4;
  s.value_size = 16;
  s.max_entries = 1;
  s.btf_index = bi.value();
  s.vmlinux_value_type_id = static_cast<uint32_t>(wrapper);
  std::vector<uint8_t> keys(4, 0), vals(16, 0);
  vals[0] = 0xee;  // wrapper header, not part of the value
  vals[8] = 3;
  vals[12] = 250;
  ASSERT_TRUE(rb.add_map(s, keys, vals).ok());
  OpenedReport r = open_report(rb.finish());
  std::string out;
  ASSERT_TRUE(render_map_json(*r.report, r.report->map(0), out).ok());
  Doc d(out);
  element v = d.root["value"];
  EXPECT_EQ(std::string_view(v["type_name"]), "demo_ops");
  EXPECT_EQ(u64_of(mem(v, "flags")), 3u);
  EXPECT_EQ(u64_of(mem(v, "timeout_ms")), 250u);
  std::string text;
  ASSERT_TRUE(render_map_text(*r.report, r.report->map(0), text).ok());
  EXPECT_EQ(text, "map demo_ops (type=struct_ops, value_size=16, max_entries=1)\ndemo_ops{flags=3, timeout_ms=250}");
}

TEST(RenderJson, MapErrorIsKept) {
  std::vector<uint8_t> raw = kinds_btf_raw();
  ReportBuilder b;
  ASSERT_TRUE(b.add_btf(raw).ok());
  MapSpec s;
  s.name = "broken\"map";
  s.map_type = kMapTypeHash;
  s.key_size = 4;
  s.value_size = 4;
  s.max_entries = 8;
  s.has_error = true;
  s.error = "hash map truncated at 4096 entries";
  ASSERT_TRUE(b.add_map(s, {}, {}).ok());
  OpenedReport r = open_report(b.finish());
  std::string out;
  ASSERT_TRUE(render_map_json(*r.report, r.report->map(0), out).ok());
  EXPECT_EQ(out,
            "{\"name\":\"broken\\\"map\",\"map_type\":1,\"value_size\":4,\"max_entries\":8,"
            "\"error\":\"hash map truncated at 4096 entries\"}");
}

}  // namespace
}  // namespace ktsnap::test
