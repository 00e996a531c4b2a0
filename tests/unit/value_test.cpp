#include <cmath>
#include <cstring>

#include "unit/helpers.hpp"
#include "value/value.hpp"

using namespace ktsnap;
using ktsnap::test::fixture_map;
using ktsnap::test::fixture_report;
using ktsnap::test::kt_task_expect;

namespace {

Value task(uint32_t i) { return Value::map_value(fixture_map("kt_tasks"), i); }

template <typename T>
T ok(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? r.value() : T{};
}

Value at(const Value& v, const char* path) {
  auto r = v.get(path);
  EXPECT_TRUE(r.ok()) << path << ": " << r.error().message;
  return r.ok() ? r.value() : Value();
}

const MapInfo& global(const char* suffix) {
  const Report& r = *fixture_report().report;
  for (size_t i = 0; i < r.map_count(); i++)
    if (r.map(i).name.ends_with(suffix)) return r.map(i);
  ADD_FAILURE() << "no map " << suffix;
  std::abort();
}

}  // namespace

TEST(Value, KindsOfFixtureMembers) {
  Value t = task(1);
  EXPECT_EQ(t.kind(), ValueKind::Struct);
  EXPECT_EQ(t.type_name(), "struct kt_task_ctx");
  EXPECT_FALSE(t.truncated());
  struct {
    const char* path;
    ValueKind kind;
  } want[] = {{"runtime_ns", ValueKind::Uint}, {"tid", ValueKind::Int},     {"state", ValueKind::Enum},
              {"weight", ValueKind::Uint},     {"lo16", ValueKind::Uint},   {"inner", ValueKind::Struct},
              {"bits.lo", ValueKind::Uint},    {"bits.sv", ValueKind::Int}, {"comm", ValueKind::Array},
              {"comm[0]", ValueKind::Int},    {"hist[1]", ValueKind::Array}, {"inner_ptr", ValueKind::Ptr},
              {"on_cpu", ValueKind::Bool},     {"load", ValueKind::Float},  {"avg", ValueKind::Float},
              {"cv_val", ValueKind::Uint},     {"e64", ValueKind::Enum},    {"sc", ValueKind::Int},
              {"uc", ValueKind::Uint}};
  for (auto& w : want) EXPECT_EQ(at(t, w.path).kind(), w.kind) << w.path;
  EXPECT_EQ(at(t, "bits.sv").type_name(), "int:5");
  EXPECT_EQ(at(t, "hist").type_name(), "unsigned int[2][3]");
  EXPECT_EQ(Value::map_key(fixture_map("kt_tasks"), 0).kind(), ValueKind::Uint);
}

TEST(Value, ScalarsMatchWhatWasWritten) {
  for (uint32_t i = 0; i < 16; i++) {
    SCOPED_TRACE(i);
    auto e = kt_task_expect(i);
    Value t = task(i);
    EXPECT_EQ(ok(Value::map_key(fixture_map("kt_tasks"), i).as_u64()), e.tid);
    EXPECT_EQ(ok(at(t, "runtime_ns").as_u64()), e.runtime_ns);
    EXPECT_EQ(ok(at(t, "tid").as_i64()), int64_t(e.tid));
    EXPECT_EQ(ok(at(t, "state").as_u64()), e.state);
    EXPECT_EQ(ok(at(t, "weight").as_u64()), e.weight);
    EXPECT_EQ(ok(at(t, "lo16").as_u64()), e.lo16);
    EXPECT_EQ(ok(at(t, "hi16").as_u64()), e.hi16);
    EXPECT_EQ(ok(at(t, "raw").as_u64()), uint64_t(e.lo16) | (uint64_t(e.hi16) << 16));
    EXPECT_EQ(ok(at(t, "inner.a").as_u64()), e.inner_a);
    EXPECT_EQ(ok(at(t, "inner.b").as_i64()), e.inner_b);
    EXPECT_EQ(ok(at(t, "inner.c").as_u64()), e.inner_c);
    EXPECT_EQ(ok(at(t, "bits.lo").as_u64()), e.bits_lo);
    EXPECT_EQ(ok(at(t, "bits.sv").as_i64()), e.bits_sv);
    EXPECT_EQ(ok(at(t, "bits.mid").as_u64()), e.bits_mid);
    EXPECT_EQ(ok(at(t, "bits.wide").as_u64()), e.bits_wide);
    EXPECT_EQ(ok(at(t, "bits.swide").as_i64()), e.bits_swide);
    EXPECT_EQ(ok(at(t, "comm").as_string()), e.comm);
    EXPECT_EQ(ok(at(t, "hist[1][2]").as_u64()), e.hist[1][2]);
    EXPECT_EQ(ok(at(t, "on_cpu").as_bool()), e.on_cpu);
    EXPECT_EQ(ok(at(t, "load").as_f64()), double(e.load));
    EXPECT_EQ(ok(at(t, "avg").as_f64()), e.avg);
    EXPECT_EQ(ok(at(t, "cv_val").as_u64()), e.cv_val);
    EXPECT_EQ(ok(at(t, "e16").as_u64()), e.e16);
    EXPECT_EQ(ok(at(t, "e64").as_u64()), e.e64);
    EXPECT_EQ(ok(at(t, "sc").as_i64()), e.sc);
    EXPECT_EQ(ok(at(t, "uc").as_u64()), e.uc);
    EXPECT_EQ(ok(at(t, "inner_ptr").as_u64()), e.inner_ptr);
  }
}

TEST(Value, EnumNamesIncludingMaskedNegative) {
  for (uint32_t i = 0; i < 6; i++) {
    auto e = kt_task_expect(i);
    Value t = task(i);
    const char* states[] = {"KT_STATE_IDLE", "KT_STATE_RUNNING", "KT_STATE_BLOCKED"};
    EXPECT_EQ(ok(at(t, "state").enum_name()), states[e.state]);
    EXPECT_EQ(ok(at(t, "state").as_string()), states[e.state]);
    // -1 in a one-byte enum is the byte 0xff; the enumerator -1 matches by mask.
    const char* e8 = e.e8 == -1 ? "KT_E8_NEG" : e.e8 == 1 ? "KT_E8_ONE" : "KT_E8_ZERO";
    EXPECT_EQ(ok(at(t, "e8").enum_name()), e8);
    EXPECT_EQ(ok(at(t, "e16").enum_name()), e.e16 == 1 ? "KT_E16_A" : "KT_E16_BIG");
  }
  auto none = at(task(0), "tid").enum_name();
  EXPECT_EQ(none.error().code, Code::Type);
}

TEST(Value, ConversionFailuresSayWhy) {
  Value t = task(3);  // inner.b = -3, bits.sv negative
  auto neg = at(t, "inner.b").as_u64();
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.error().code, Code::Range);
  EXPECT_NE(neg.error().message.find("-3"), std::string::npos) << neg.error().message;
  auto f = at(t, "load").as_u64();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, Code::Type);
  EXPECT_NE(f.error().message.find("float"), std::string::npos);
  EXPECT_EQ(t.as_u64().error().code, Code::Type);
  EXPECT_EQ(at(t, "inner_ptr").as_i64().error().code, Code::Type);
  EXPECT_EQ(at(t, "inner_ptr").as_f64().error().code, Code::Type);
  EXPECT_EQ(at(t, "load").as_bool().error().code, Code::Type);
  EXPECT_EQ(at(t, "on_cpu").as_f64().error().code, Code::Type);
  EXPECT_EQ(ok(at(t, "comm[0]").as_i64()), kt_task_expect(3).comm[0]);  // clang: char is a signed 8-bit INT
  EXPECT_EQ(at(t, "hist").as_string().error().code, Code::Type);
  EXPECT_TRUE(at(t, "uc").as_bool().value());
}

TEST(Value, PathErrorsNameTheAlternatives) {
  Value t = task(2);
  auto r = t.get("inner.bb");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::NotFound);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("inner.bb"), std::string::npos) << m;
  EXPECT_NE(m.find("\"bb\""), std::string::npos) << m;
  EXPECT_NE(m.find("after \"inner\""), std::string::npos) << m;
  EXPECT_NE(m.find("a, b, c"), std::string::npos) << "members in declaration order: " << m;

  auto top = t.get("wieght");
  ASSERT_FALSE(top.ok());
  EXPECT_NE(top.error().message.find("weight"), std::string::npos);
  EXPECT_NE(top.error().message.find("lo16"), std::string::npos) << "anonymous members flattened";

  EXPECT_EQ(t.get("tid.x").error().code, Code::Type);
  EXPECT_EQ(t.get("hist[2]").error().code, Code::Range);
  EXPECT_EQ(t.get("tid[0]").error().code, Code::Type);
  for (const char* bad : {"a..b", "tid.", ".tid", "hist[", "hist[x]", "hist[1]x", "hist[]", "hist[-1]"}) {
    auto e = t.get(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_FALSE(e.error().message.empty());
  }
  EXPECT_EQ(ok(t.get("")).type_id(), t.type_id());
}

TEST(Value, PointersFollowCapturedRegions) {
  // Entries with i % 4 == 0 point at a captured kt_inner {a+1, b-1, 0x5a}.
  auto e = kt_task_expect(4);
  Value t = task(4);
  EXPECT_EQ(ok(at(t, "inner_ptr.a").as_u64()), e.inner_a + 1);
  EXPECT_EQ(ok(at(t, "inner_ptr.b").as_i64()), e.inner_b - 1);
  EXPECT_EQ(ok(at(t, "inner_ptr.c").as_u64()), 0x5au);
  auto d = at(t, "inner_ptr").deref();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value().type_name(), "struct kt_inner");
  EXPECT_EQ(ok(at(t, "inner_ptr").member("a")).as_u64().value(), e.inner_a + 1);

  auto null = task(1).get("inner_ptr.a");
  ASSERT_FALSE(null.ok());
  EXPECT_EQ(null.error().code, Code::NotFound);
  EXPECT_NE(null.error().message.find("null"), std::string::npos);
  auto opaque = task(1).get("opaque").value().deref();
  ASSERT_FALSE(opaque.ok());
  EXPECT_EQ(opaque.error().code, Code::Type) << opaque.error().message;
}

TEST(Value, MemberNamesAndLength) {
  Value t = task(0);
  auto names = ok(t.member_names());
  ASSERT_GE(names.size(), 20u);
  EXPECT_EQ(names[0], "runtime_ns");
  EXPECT_EQ(names[4], "raw");
  EXPECT_EQ(names.back(), "uc");
  EXPECT_EQ(ok(t.length()), names.size());
  EXPECT_EQ(ok(at(t, "comm").length()), 16u);
  EXPECT_EQ(ok(at(t, "hist").length()), 2u);
  EXPECT_EQ(at(t, "tid").length().error().code, Code::Type);
}

TEST(Value, GlobalSections) {
  Value bss = Value::map_value(global(".bss"), 0);
  EXPECT_EQ(bss.kind(), ValueKind::Datasec);
  EXPECT_EQ(ok(at(bss, "kt_nr_events").as_u64()), 42u);
  EXPECT_EQ(ok(at(bss, "kt_bss_inner.b").as_i64()), -3);
  EXPECT_EQ(ok(at(bss, "kt_bss_neg").as_i64()), -12345);
  auto names = ok(bss.member_names());
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[1], "kt_bss_inner");
  auto miss = bss.get("kt_nope");
  ASSERT_FALSE(miss.ok());
  EXPECT_NE(miss.error().message.find("kt_nr_events, kt_bss_inner, kt_bss_neg"), std::string::npos)
      << miss.error().message;

  Value data = Value::map_value(global(".data"), 0);
  EXPECT_EQ(ok(at(data, "kt_data_counter").as_i64()), 5);
  EXPECT_EQ(ok(at(data, "kt_data_label").as_string()), "hello");
  Value ro = Value::map_value(global(".rodata"), 0);
  EXPECT_EQ(ok(at(ro, "kt_ro_nr_cpus").as_u64()), 4u);
  EXPECT_EQ(ok(at(ro, "kt_ro_mode").enum_name()), "KT_STATE_RUNNING");
  Value custom = Value::map_value(global(".data.custom"), 0);
  EXPECT_EQ(ok(at(custom, "kt_custom_v").as_u64()), 7u);
}

TEST(Value, PerCpuSlotsAndBounds) {
  const MapInfo& m = fixture_map("kt_cpu_stats");
  for (uint32_t k = 0; k < 4; k++)
    for (uint32_t c = 0; c < 4; c++) {
      Value v = Value::map_value(m, k, c);
      EXPECT_EQ(ok(at(v, "nr_dispatched").as_u64()), uint64_t(k) * 100 + c);
      EXPECT_EQ(ok(at(v, "last_tid").as_i64()), int64_t(1000 + c));
    }
  EXPECT_FALSE(Value::map_value(m, 0, 4).valid());
  EXPECT_FALSE(Value::map_value(m, 4, 0).valid());
  EXPECT_FALSE(Value::map_value(fixture_map("kt_tasks"), 0, 1).valid());
  EXPECT_FALSE(Value::map_key(fixture_map("kt_tasks"), 16).valid());
  Value inv;
  EXPECT_EQ(inv.kind(), ValueKind::Invalid);
  EXPECT_FALSE(inv.as_u64().ok());
  EXPECT_FALSE(inv.get("x").ok());
  const MapInfo& ph = fixture_map("kt_pcpu_hash");
  EXPECT_EQ(ok(Value::map_value(ph, 2, 3).as_u64()), 2003u);
  EXPECT_EQ(ok(at(Value::map_key(ph, 2), "dsq").as_u64()), 1002u);
}

TEST(Value, ArrayExtracts) {
  auto e = kt_task_expect(1);
  Value t = task(1);
  std::vector<uint32_t> u32;
  ASSERT_TRUE(at(t, "hist[1]").as_u32_array(u32).ok());
  ASSERT_EQ(u32.size(), 3u);
  for (int j = 0; j < 3; j++) EXPECT_EQ(u32[j], e.hist[1][j]);
  std::vector<uint64_t> u64;
  auto st = at(t, "hist").as_u64_array(u64);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::Type);
  EXPECT_NE(st.error().message.find("element [0]"), std::string::npos) << st.error().message;
  std::vector<int64_t> i64;
  ASSERT_TRUE(at(t, "comm").as_i64_array(i64).ok());
  EXPECT_EQ(i64.size(), 16u);
  EXPECT_EQ(i64[0], e.comm[0]);
  std::vector<double> f;
  ASSERT_TRUE(at(t, "hist[0]").as_f64_array(f).ok());
  std::vector<uint8_t> b;
  ASSERT_TRUE(at(t, "hist[1]").as_bool_array(b).ok());
  EXPECT_EQ(b[0], e.hist[1][0] != 0);
  EXPECT_EQ(at(t, "tid").as_u64_array(u64).error().code, Code::Type);
}

TEST(Value, TruncatedBytesNeverReadPastTheEnd) {
  const MapInfo& m = fixture_map("kt_tasks");
  const uint8_t* full = m.value_ptr(3);
  for (uint64_t n = 0; n < m.value_size; n++) {
    // Copy into an exact-size heap block so ASan catches any overread.
    std::unique_ptr<uint8_t[]> buf(new uint8_t[n ? n : 1]);
    std::memcpy(buf.get(), full, n);
    Value v = Value::typed(m.ctx, m.value_type_id, buf.get(), n);
    EXPECT_TRUE(v.truncated());
    for (const char* p : {"runtime_ns", "tid", "weight", "lo16", "bits.wide", "bits.swide", "comm", "hist[1][2]",
                          "inner_ptr", "avg", "e64", "uc"}) {
      auto r = v.get(p);
      if (!r.ok()) continue;
      (void)r.value().as_u64();
      (void)r.value().as_i64();
      (void)r.value().as_f64();
      (void)r.value().as_string();
      std::vector<uint64_t> out;
      (void)r.value().as_u64_array(out);
    }
  }
  Value shortv = Value::typed(m.ctx, m.value_type_id, full, 9);
  auto tid = shortv.get("tid");
  ASSERT_TRUE(tid.ok());
  EXPECT_TRUE(tid.value().truncated());
  auto r = tid.value().as_i64();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::Range);
  EXPECT_NE(r.error().message.find("truncated"), std::string::npos);
}

TEST(Value, BytesWithoutBtf) {
  ValueContext none{nullptr, nullptr};
  uint8_t b[4] = {1, 2, 3, 4};
  Value v = Value::typed(&none, 5, b, 4);
  EXPECT_EQ(v.kind(), ValueKind::Bytes);
  EXPECT_EQ(v.size(), 4u);
  EXPECT_EQ(v.as_u64().error().code, Code::Type);
  EXPECT_EQ(v.get("x").error().code, Code::Type);
}

TEST(Value, Enum64FromSyntheticBtf) {
  struct btf* raw = btf__new_empty();
  int se = btf__add_enum64(raw, "sbig", 8, true);
  btf__add_enum64_value(raw, "NEG", static_cast<uint64_t>(-5ll));
  int ue = btf__add_enum64(raw, "ubig", 8, false);
  btf__add_enum64_value(raw, "TOP", 0xf000000000000000ull);
  int u8 = btf__add_int(raw, "u8", 1, 0);
  int arr = btf__add_array(raw, u8, u8, 2);
  int u32 = btf__add_int(raw, "u64", 8, 0);
  int arr64 = btf__add_array(raw, u32, u32, 2);
  auto btf = Btf::adopt(raw);
  ValueContext ctx{btf.get(), nullptr};
  int64_t neg = -5;
  Value s = Value::typed(&ctx, se, reinterpret_cast<uint8_t*>(&neg), 8);
  EXPECT_EQ(s.kind(), ValueKind::Enum);
  EXPECT_EQ(ok(s.as_i64()), -5);
  EXPECT_EQ(s.as_u64().error().code, Code::Range);
  EXPECT_EQ(ok(s.enum_name()), "NEG");
  uint64_t top = 0xf000000000000000ull;
  Value u = Value::typed(&ctx, ue, reinterpret_cast<uint8_t*>(&top), 8);
  EXPECT_EQ(ok(u.as_u64()), top);
  EXPECT_EQ(ok(u.enum_name()), "TOP");
  EXPECT_EQ(ok(u.as_i64()), static_cast<int64_t>(top));  // stored bit pattern, as ktstr does
  uint8_t two[2] = {'o', 'k'};
  EXPECT_EQ(ok(Value::typed(&ctx, arr, two, 2).as_string()), "ok");  // no NUL: whole array
  uint64_t big[2] = {1, 1ull << 40};
  std::vector<uint32_t> out;
  auto st = Value::typed(&ctx, arr64, reinterpret_cast<uint8_t*>(big), 16).as_u32_array(out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::Range);
  EXPECT_NE(st.error().message.find("element [1]"), std::string::npos);
}
