// Signed/unsigned edge cases, 64-bit enums with the top bit set, bool and
// char encodings, NaN, 9-byte bitfields, and per-CPU maps with absent slots,
// on reports built here from BTF made with libbpf's writer API. Columns and
// aggregates are checked against the lazy Value (spec/views.md §4.2, §2.3).
#include <bpf/btf.h>
#include <gtest/gtest.h>
#include <linux/btf.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "report/builder.hpp"
#include "report/report.hpp"
#include "value/value.hpp"
#include "view/aggregate.hpp"
#include "view/column.hpp"
#include "view/query.hpp"

namespace ktsnap::test {
namespace {

using view::AggOp;
using view::Column;
using view::CpuAggregate;
using view::kNoEntry;
using view::Query;

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- synthetic BTF and reports --------------------------------------------------

struct Rec {  // mirror of struct rec below (48 bytes)
  uint64_t big;
  int64_t neg;
  uint64_t eu;   // enum e64u (unsigned, 8 bytes)
  int64_t es;    // enum e64s (signed, 8 bytes)
  uint32_t e32;  // enum e32u (unsigned, top bit used)
  uint8_t ch;    // BTF_INT_CHAR
  uint8_t flag;  // BTF_INT_BOOL
  uint8_t tri;   // bits 0..2: enum tri bitfield
  uint8_t pad;
  double d;
};
static_assert(sizeof(Rec) == 48);

struct Pc {  // per-CPU value (24 bytes)
  uint64_t u;
  int64_t i;
  double d;
};

struct Types {
  int u32 = 0, u64 = 0, s64 = 0, rec = 0, wide = 0, pc = 0;
};

struct Synth {
  std::vector<uint8_t> bytes;
  std::unique_ptr<Report> report;
  const MapInfo& map(const char* name) const { return *report->find_map(name); }
};

std::vector<uint8_t> raw_btf(Types& t) {
  struct btf* b = btf__new_empty();
  t.u32 = btf__add_int(b, "u32", 4, 0);
  t.u64 = btf__add_int(b, "u64", 8, 0);
  t.s64 = btf__add_int(b, "s64", 8, BTF_INT_SIGNED);
  int chr = btf__add_int(b, "char", 1, BTF_INT_CHAR);
  int bl = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
  int dbl = btf__add_float(b, "double", 8);
  int eu = btf__add_enum64(b, "e64u", 8, false);
  btf__add_enum64_value(b, "LOW", 1);
  btf__add_enum64_value(b, "HIGH", 0x8000000000000001ull);
  btf__add_enum64_value(b, "TOP", kU64Max);
  int es = btf__add_enum64(b, "e64s", 8, true);
  btf__add_enum64_value(b, "NEG", static_cast<uint64_t>(-5));
  btf__add_enum64_value(b, "POS", 5);
  int e32 = btf__add_enum(b, "e32u", 4);
  btf__add_enum_value(b, "ONE", 1);
  btf__add_enum_value(b, "BIG32", 0x80000000ll);
  int tri = btf__add_enum(b, "tri", 4);
  btf__add_enum_value(b, "T0", 0);
  btf__add_enum_value(b, "T5", 5);
  t.rec = btf__add_struct(b, "rec", 48);
  btf__add_field(b, "big", t.u64, 0, 0);
  btf__add_field(b, "neg", t.s64, 64, 0);
  btf__add_field(b, "eu", eu, 128, 0);
  btf__add_field(b, "es", es, 192, 0);
  btf__add_field(b, "e32", e32, 256, 0);
  btf__add_field(b, "ch", chr, 288, 0);
  btf__add_field(b, "flag", bl, 296, 0);
  btf__add_field(b, "tri", tri, 304, 3);
  btf__add_field(b, "d", dbl, 320, 0);
  // a 64-bit signed bitfield starting at bit 4: spans 9 bytes
  t.wide = btf__add_struct(b, "wide", 16);
  btf__add_field(b, "lo", t.u64, 0, 4);
  btf__add_field(b, "x", t.s64, 4, 64);
  btf__add_field(b, "hi", t.u64, 68, 60);
  t.pc = btf__add_struct(b, "pc", 24);
  btf__add_field(b, "u", t.u64, 0, 0);
  btf__add_field(b, "i", t.s64, 64, 0);
  btf__add_field(b, "d", dbl, 128, 0);
  __u32 sz = 0;
  const auto* raw = static_cast<const uint8_t*>(btf__raw_data(b, &sz));
  std::vector<uint8_t> out(raw, raw + sz);
  btf__free(b);
  return out;
}

template <typename T>
void append(std::vector<uint8_t>& v, const T& x) {
  const auto* p = reinterpret_cast<const uint8_t*>(&x);
  v.insert(v.end(), p, p + sizeof x);
}

std::vector<Rec> recs() {
  std::vector<Rec> r(6);
  r[0] = {kU64Max, kI64Min, 0x8000000000000001ull, -5, 0x80000000u, 'a', 1, 5, 0, 1.5};
  r[1] = {1ull << 63, -1, 1, 5, 1, 'z', 0, 0, 0, kNaN};
  r[2] = {static_cast<uint64_t>(kI64Max), 0, kU64Max, -5, 0, 0, 2, 5, 0, -0.0};
  r[3] = {0, kI64Max, 1, 5, 1, 'a', 0, 0, 0, 1e300};
  r[4] = {7, 7, 1, 5, 1, 'b', 1, 0, 0, 2.0};
  r[5] = {kU64Max, -1, 1, 5, 1, 'b', 0, 0, 0, 1.5};
  return r;
}

// Per-CPU values: [entry][cpu]; absent slots listed separately.
constexpr uint32_t kCpus = 4;
constexpr uint32_t kManyEntries = 300;  // 4 full blocks of 64 and one of 44
constexpr uint32_t kManyPcpu = 150;
std::vector<std::vector<Pc>> pcs() {
  return {
      {{kU64Max, kI64Max, 1.0}, {1, 1, kNaN}, {0, -1, 3.0}, {0, 0, 2.0}},
      {{9, 9, 9}, {9, 9, 9}, {9, 9, 9}, {9, 9, 9}},          // all absent
      {{0, 0, 0}, {5, -3, kNaN}, {0, 0, 0}, {7, -4, kNaN}},  // cpus 0 and 2 absent
      {{0, kI64Min, -1.0}, {0, -1, -2.0}, {0, kI64Min, 0.5}, {0, 5, 0.25}},
  };
}
bool absent(uint32_t e, uint32_t cpu) {
  return e == 1 || (e == 2 && (cpu == 0 || cpu == 2));
}

const Synth& synth() {
  static Synth* s = [] {
    auto* out = new Synth();
    Types t;
    std::vector<uint8_t> raw = raw_btf(t);
    ReportBuilder b;
    auto bi = b.add_btf({raw.data(), raw.size()});
    if (!bi.ok()) {
      ADD_FAILURE() << bi.error().message;
      return out;
    }
    auto add = [&](const char* name, uint32_t type, uint32_t value_type, uint32_t value_size, uint32_t nr_cpus,
                   const std::vector<uint8_t>& keys, const std::vector<uint8_t>& values,
                   std::vector<uint8_t> absent_bits = {}) {
      MapSpec m;
      m.name = name;
      m.map_type = type;
      m.key_size = 4;
      m.value_size = value_size;
      m.max_entries = 64;
      m.nr_cpus = nr_cpus;
      m.btf_index = bi.value();
      m.key_type_id = static_cast<uint32_t>(t.u32);
      m.value_type_id = value_type;
      m.percpu_absent = std::move(absent_bits);
      auto r = b.add_map(m, {keys.data(), keys.size()}, {values.data(), values.size()});
      if (!r.ok()) ADD_FAILURE() << name << ": " << r.error().message;
    };
    std::vector<uint8_t> keys, values;
    auto rs = recs();
    for (uint32_t i = 0; i < rs.size(); i++) {
      append(keys, i);
      append(values, rs[i]);
    }
    add("recs", kMapTypeHash, static_cast<uint32_t>(t.rec), sizeof(Rec), 0, keys, values);

    keys.clear();
    values.clear();
    const int64_t xs[] = {-123456789012345ll, kI64Min, kI64Max, 0};
    for (uint32_t i = 0; i < 4; i++) {
      append(keys, i);
      // lo = 0xf, x = xs[i] from bit 4, hi = all ones
      unsigned __int128 w = 0xf | (static_cast<unsigned __int128>(static_cast<uint64_t>(xs[i])) << 4);
      uint8_t v[16];
      std::memcpy(v, &w, 16);
      uint64_t hi_bits = (1ull << 60) - 1;
      unsigned __int128 hi = static_cast<unsigned __int128>(hi_bits) << 68;
      unsigned __int128 all;
      std::memcpy(&all, v, 16);
      all |= hi;
      std::memcpy(v, &all, 16);
      values.insert(values.end(), v, v + 16);
    }
    add("wides", kMapTypeHash, static_cast<uint32_t>(t.wide), 16, 0, keys, values);

    keys.clear();
    values.clear();
    auto p = pcs();
    std::vector<uint8_t> bits((p.size() * kCpus + 7) / 8, 0);
    for (uint32_t e = 0; e < p.size(); e++) {
      append(keys, e);
      for (uint32_t c = 0; c < kCpus; c++) {
        append(values, p[e][c]);
        if (absent(e, c)) bits[(e * kCpus + c) / 8] |= uint8_t(1u << ((e * kCpus + c) % 8));
      }
    }
    add("pcpu", kMapTypePercpuHash, static_cast<uint32_t>(t.pc), sizeof(Pc), kCpus, keys, values, bits);
    // the same per-CPU data with every slot captured
    add("pcpu_full", kMapTypePercpuHash, static_cast<uint32_t>(t.pc), sizeof(Pc), kCpus, keys, values);

    // Many entries (several 64-entry blocks and a partial one) of random
    // records, and a per-CPU map with random absent slots, for the
    // differential test of bulk evaluation against matches().
    std::mt19937_64 rng(42);
    auto pick = [&](std::initializer_list<uint64_t> xs) { return *(xs.begin() + rng() % xs.size()); };
    keys.clear();
    values.clear();
    for (uint32_t i = 0; i < kManyEntries; i++) {
      append(keys, i);
      Rec r{};
      r.big = pick({0, 1, 7, 100, 1ull << 63, kU64Max, rng()});
      r.neg = static_cast<int64_t>(pick(
          {0, 1, 7, static_cast<uint64_t>(-1), static_cast<uint64_t>(kI64Min), static_cast<uint64_t>(kI64Max), rng()}));
      r.eu = pick({1, 0x8000000000000001ull, kU64Max});
      r.es = rng() % 2 ? -5 : 5;
      r.e32 = static_cast<uint32_t>(pick({1, 0x80000000u}));
      r.ch = static_cast<uint8_t>(pick({0, 'a', 'b', 'z'}));
      r.flag = static_cast<uint8_t>(pick({0, 1, 2}));
      r.tri = static_cast<uint8_t>(pick({0, 5, 7}));
      r.d = std::bit_cast<double>(pick({std::bit_cast<uint64_t>(1.5), std::bit_cast<uint64_t>(kNaN),
                                        std::bit_cast<uint64_t>(-0.0), std::bit_cast<uint64_t>(-3.25)}));
      append(values, r);
    }
    add("many", kMapTypeHash, static_cast<uint32_t>(t.rec), sizeof(Rec), 0, keys, values);
    keys.clear();
    values.clear();
    std::vector<uint8_t> many_bits((kManyPcpu * kCpus + 7) / 8, 0);
    for (uint32_t e = 0; e < kManyPcpu; e++) {
      append(keys, e);
      for (uint32_t c = 0; c < kCpus; c++) {
        Pc v{pick({0, 5, kU64Max}), static_cast<int64_t>(pick({0, 5, static_cast<uint64_t>(-5)})),
             rng() % 2 ? 1.0 : kNaN};
        append(values, v);
        if (rng() % 4 == 0) many_bits[(e * kCpus + c) / 8] |= uint8_t(1u << ((e * kCpus + c) % 8));
      }
    }
    add("many_pcpu", kMapTypePercpuHash, static_cast<uint32_t>(t.pc), sizeof(Pc), kCpus, keys, values, many_bits);

    auto buf = b.finish();
    if (!buf.ok()) {
      ADD_FAILURE() << buf.error().message;
      return out;
    }
    out->bytes = std::move(buf.value());
    auto rep = Report::open_memory(out->bytes.data(), out->bytes.size());
    if (!rep.ok()) {
      ADD_FAILURE() << rep.error().message;
      return out;
    }
    out->report = std::move(rep.value());
    return out;
  }();
  return *s;
}

std::vector<uint32_t> run_filter(const MapInfo& m, const std::string& expr, uint32_t cpu = 0) {
  auto q = Query::compile(m, expr);
  EXPECT_TRUE(q.ok()) << expr << ": " << (q.ok() ? "" : q.error().message);
  if (!q.ok()) return {99999};
  std::vector<uint32_t> out;
  EXPECT_TRUE(q->filter(out, cpu).ok());
  return out;
}

using V = std::vector<uint32_t>;

TEST(ViewQuerySynth, UnsignedAboveInt64Max) {
  const MapInfo& m = synth().map("recs");
  ASSERT_EQ(m.entry_count, 6u);
  EXPECT_EQ(run_filter(m, "big > 9223372036854775807"), (V{0, 1, 5}));
  EXPECT_EQ(run_filter(m, "big >= 0x8000000000000000"), (V{0, 1, 5}));
  EXPECT_EQ(run_filter(m, "big == 18446744073709551615"), (V{0, 5}));
  EXPECT_EQ(run_filter(m, "big == 0xffffffffffffffff"), (V{0, 5}));
  // a negative literal is below every unsigned value, never equal
  EXPECT_TRUE(run_filter(m, "big == -1").empty());
  EXPECT_EQ(run_filter(m, "big != -1").size(), 6u);
  EXPECT_EQ(run_filter(m, "big > -1").size(), 6u);
  EXPECT_EQ(run_filter(m, "big >= -9223372036854775808").size(), 6u);
  EXPECT_TRUE(run_filter(m, "big < -1").empty());
  EXPECT_TRUE(run_filter(m, "big <= -1").empty());
  EXPECT_EQ(run_filter(m, "-1 < big").size(), 6u);
  // as double
  EXPECT_EQ(run_filter(m, "big > 1e19"), (V{0, 5}));
}

TEST(ViewQuerySynth, SignedNegativesAndBigLiterals) {
  const MapInfo& m = synth().map("recs");
  EXPECT_EQ(run_filter(m, "neg < 0"), (V{0, 1, 5}));
  EXPECT_EQ(run_filter(m, "neg == -9223372036854775808"), (V{0}));
  EXPECT_EQ(run_filter(m, "neg == -0x8000000000000000"), (V{0}));
  EXPECT_EQ(run_filter(m, "neg == 9223372036854775807"), (V{3}));
  // a literal above INT64_MAX is above every signed value
  EXPECT_EQ(run_filter(m, "neg < 9223372036854775808").size(), 6u);
  EXPECT_EQ(run_filter(m, "neg != 18446744073709551615").size(), 6u);
  EXPECT_TRUE(run_filter(m, "neg == 18446744073709551615").empty());
  EXPECT_TRUE(run_filter(m, "neg > 18446744073709551615").empty());
  EXPECT_TRUE(run_filter(m, "neg >= 9223372036854775808").empty());
  EXPECT_EQ(run_filter(m, "neg <= 9223372036854775807").size(), 6u);
}

TEST(ViewQuerySynth, MixedSignPathComparisonsAreExact) {
  const MapInfo& m = synth().map("recs");
  // entry 5 has bit-identical big (UINT64_MAX) and neg (-1): not equal
  EXPECT_EQ(run_filter(m, "neg == big"), (V{4}));
  EXPECT_EQ(run_filter(m, "neg < big"), (V{0, 1, 2, 5}));
  EXPECT_EQ(run_filter(m, "big > neg"), (V{0, 1, 2, 5}));
  EXPECT_EQ(run_filter(m, "big <= neg"), (V{3, 4}));
  EXPECT_EQ(run_filter(m, "es < eu"), (V{0, 2}));  // -5 is below every unsigned value; 5 > LOW
}

TEST(ViewQuerySynth, Enum64TopBitAndSignedEnums) {
  const MapInfo& m = synth().map("recs");
  EXPECT_EQ(run_filter(m, "eu == \"HIGH\""), (V{0}));
  EXPECT_EQ(run_filter(m, "eu == \"TOP\""), (V{2}));
  EXPECT_EQ(run_filter(m, "eu != \"LOW\""), (V{0, 2}));
  EXPECT_EQ(run_filter(m, "eu > 9223372036854775807"), (V{0, 2}));
  EXPECT_EQ(run_filter(m, "eu == 18446744073709551615"), (V{2}));
  EXPECT_TRUE(run_filter(m, "eu < 0").empty());
  EXPECT_TRUE(run_filter(m, "eu == -1").empty());
  EXPECT_EQ(run_filter(m, "es < 0"), (V{0, 2}));
  EXPECT_EQ(run_filter(m, "es == \"NEG\""), (V{0, 2}));
  EXPECT_EQ(run_filter(m, "es == -5"), (V{0, 2}));
  EXPECT_EQ(run_filter(m, "e32 == \"BIG32\""), (V{0}));
  EXPECT_EQ(run_filter(m, "e32 == 2147483648"), (V{0}));
  EXPECT_EQ(run_filter(m, "e32 > 1"), (V{0}));
  // enum bitfield, compared by name or number
  EXPECT_EQ(run_filter(m, "tri == \"T5\""), (V{0, 2}));
  EXPECT_EQ(run_filter(m, "tri == 5"), (V{0, 2}));
  EXPECT_EQ(run_filter(m, "tri"), (V{0, 2}));
}

TEST(ViewQuerySynth, BoolCharAndNaN) {
  const MapInfo& m = synth().map("recs");
  // a bool byte of 2 reads as true (as_u64 = 1)
  EXPECT_EQ(run_filter(m, "flag"), (V{0, 2, 4}));
  EXPECT_EQ(run_filter(m, "flag == 1"), (V{0, 2, 4}));
  EXPECT_EQ(run_filter(m, "flag == true"), (V{0, 2, 4}));
  EXPECT_TRUE(run_filter(m, "flag == 2").empty());
  EXPECT_EQ(run_filter(m, "ch == 97"), (V{0, 3}));
  EXPECT_EQ(run_filter(m, "ch > 97"), (V{1, 4, 5}));
  EXPECT_EQ(run_filter(m, "!ch"), (V{2}));
  EXPECT_FALSE(Query::compile(m, "ch == \"a\"").ok());
  EXPECT_FALSE(Query::compile(m, "ch < 1.5").ok());
  // NaN compares unequal to everything, itself included
  EXPECT_EQ(run_filter(m, "d != d"), (V{1}));
  EXPECT_EQ(run_filter(m, "d == d"), (V{0, 2, 3, 4, 5}));
  EXPECT_EQ(run_filter(m, "d > 1.0"), (V{0, 3, 4, 5}));
  EXPECT_EQ(run_filter(m, "d == 0"), (V{2}));  // -0.0 == 0
  EXPECT_TRUE(run_filter(m, "d < 0").empty());
  EXPECT_EQ(run_filter(m, "!(d <= 1e300)"), (V{1}));
  // max_by / min_by skip NaN; ties keep the first
  auto all = Query::compile(m, "true");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->max_by("d").value(), 3u);
  EXPECT_EQ(all->min_by("d").value(), 2u);
  EXPECT_EQ(all->max_by("big").value(), 0u);
  EXPECT_EQ(all->min_by("big").value(), 3u);
  EXPECT_EQ(all->min_by("neg").value(), 0u);
  EXPECT_EQ(all->max_by("neg").value(), 3u);
  EXPECT_EQ(all->max_by("eu").value(), 2u);
  EXPECT_EQ(all->max_by("es").value(), 1u);
  EXPECT_EQ(all->max_by("flag").value(), 0u);
  auto nan_only = Query::compile(m, "d != d");
  ASSERT_TRUE(nan_only.ok());
  EXPECT_EQ(nan_only->max_by("d").value(), kNoEntry);
}

TEST(ViewQuerySynth, NineByteBitfield) {
  const MapInfo& m = synth().map("wides");
  EXPECT_EQ(run_filter(m, "x == -123456789012345"), (V{0}));
  EXPECT_EQ(run_filter(m, "x == -9223372036854775808"), (V{1}));
  EXPECT_EQ(run_filter(m, "x == 9223372036854775807"), (V{2}));
  EXPECT_EQ(run_filter(m, "x < 0"), (V{0, 1}));
  EXPECT_EQ(run_filter(m, "lo == 15 && hi == 0xfffffffffffffff"), (V{0, 1, 2, 3}));
}

// ---- columns against Value ------------------------------------------------------

std::string value_path(const std::string& p, bool& key) {
  key = p == "key" || p.starts_with("key.") || p.starts_with("key[");
  bool val = p == "value" || p.starts_with("value.") || p.starts_with("value[");
  std::string v = key || val ? p.substr(key ? 3 : 5) : p;
  if (!v.empty() && v[0] == '.') v = v.substr(1);
  return v;
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}
bool same(uint64_t a, uint64_t b) {
  return a == b;
}
bool same(int64_t a, int64_t b) {
  return a == b;
}

template <typename T, typename Read, typename One, typename Ref>
void check_target(const MapInfo& m, const Column& col, const std::string& path, uint32_t cpu, Read read, One one,
                  Ref ref) {
  bool key = false;
  std::string vp = value_path(path, key);
  std::vector<T> out(m.entry_count, T(99));
  std::vector<int32_t> st(m.entry_count, 99);
  auto r = read(col, std::span<T>(out), std::span<int32_t>(st), cpu);
  uint32_t failed = 0, first = kNoEntry;
  for (uint32_t e = 0; e < m.entry_count; e++) {
    Value v = key ? Value::map_key(m, e) : Value::map_value(m, e, cpu);
    auto g = v.get(vp);
    ASSERT_TRUE(g.ok()) << path << ": " << g.error().message;
    auto x = ref(g.value());
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Code::Type) << path;
      EXPECT_FALSE(x.ok()) << path << " entry " << e;
      if (!x.ok()) {
        EXPECT_EQ(x.error().code, Code::Type) << path;
      }
      continue;
    }
    const bool gone = m.percpu && !key && !m.slot_present(e, cpu);
    auto single = one(col, e, cpu);
    if (gone) {
      EXPECT_EQ(st[e], static_cast<int32_t>(Code::NotFound)) << path << " entry " << e;
      EXPECT_TRUE(same(out[e], T(0)));
      EXPECT_EQ(single.error().code, Code::NotFound);
    } else if (x.ok()) {
      EXPECT_EQ(st[e], 0) << path << " entry " << e;
      EXPECT_TRUE(same(out[e], x.value())) << path << " entry " << e << ": " << out[e] << " vs " << x.value();
      ASSERT_TRUE(single.ok()) << single.error().message;
      EXPECT_TRUE(same(single.value(), x.value()));
    } else {
      EXPECT_EQ(st[e], static_cast<int32_t>(x.error().code)) << path << " entry " << e;
      EXPECT_TRUE(same(out[e], T(0)));
      ASSERT_FALSE(single.ok());
      EXPECT_EQ(single.error().code, x.error().code);
    }
    if (st[e] != 0 && failed++ == 0) first = e;
  }
  if (r.ok()) {
    EXPECT_EQ(r->failed, failed) << path;
    EXPECT_EQ(r->first_failure, first) << path;
  }
}

void expect_column_matches_value(const MapInfo& m, const std::string& path, uint32_t cpu = 0) {
  SCOPED_TRACE(std::string(m.name) + " / " + path + " / cpu " + std::to_string(cpu));
  auto col = Column::compile(m, path);
  ASSERT_TRUE(col.ok()) << col.error().message;
  check_target<uint64_t>(
      m, col.value(), path, cpu, [](const Column& c, auto o, auto s, uint32_t cpu) { return c.read_u64(o, s, cpu); },
      [](const Column& c, uint32_t e, uint32_t cpu) { return c.u64(e, cpu); },
      [](const Value& v) { return v.as_u64(); });
  check_target<int64_t>(
      m, col.value(), path, cpu, [](const Column& c, auto o, auto s, uint32_t cpu) { return c.read_i64(o, s, cpu); },
      [](const Column& c, uint32_t e, uint32_t cpu) { return c.i64(e, cpu); },
      [](const Value& v) { return v.as_i64(); });
  check_target<double>(
      m, col.value(), path, cpu, [](const Column& c, auto o, auto s, uint32_t cpu) { return c.read_f64(o, s, cpu); },
      [](const Column& c, uint32_t e, uint32_t cpu) { return c.f64(e, cpu); },
      [](const Value& v) { return v.as_f64(); });
}

TEST(ViewQuerySynth, ColumnsAgreeWithValue) {
  const MapInfo& m = synth().map("recs");
  for (const char* p : {"big", "neg", "eu", "es", "e32", "ch", "flag", "tri", "d", "key", "value.big"})
    expect_column_matches_value(m, p);
  const MapInfo& w = synth().map("wides");
  for (const char* p : {"x", "lo", "hi"}) expect_column_matches_value(w, p);
  for (uint32_t cpu = 0; cpu < kCpus; cpu++)
    for (const char* p : {"u", "i", "d", "key"}) {
      expect_column_matches_value(synth().map("pcpu"), p, cpu);
      expect_column_matches_value(synth().map("pcpu_full"), p, cpu);
    }
}

TEST(ViewQuerySynth, ColumnEdgeValuesExplicitly) {
  const MapInfo& m = synth().map("recs");
  auto neg = Column::compile(m, "neg");
  ASSERT_TRUE(neg.ok());
  std::vector<uint64_t> u(6);
  std::vector<int32_t> st(6);
  auto r = neg->read_u64(u, st);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failed, 3u);
  EXPECT_EQ(r->first_failure, 0u);
  EXPECT_EQ(r->first_code, Code::Range);
  EXPECT_EQ(st, (std::vector<int32_t>{-12, -12, 0, 0, 0, -12}));
  EXPECT_EQ(u, (std::vector<uint64_t>{0, 0, 0, static_cast<uint64_t>(kI64Max), 7, 0}));
  auto why = neg->u64(0);
  ASSERT_FALSE(why.ok());
  EXPECT_NE(why.error().message.find("entry 0"), std::string::npos) << why.error().message;
  EXPECT_NE(why.error().message.find("-9223372036854775808"), std::string::npos) << why.error().message;

  auto big = Column::compile(m, "big");
  ASSERT_TRUE(big.ok());
  std::vector<int64_t> i(6);
  r = big->read_i64(i, st);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(st, (std::vector<int32_t>{-12, -12, 0, 0, 0, -12}));
  EXPECT_EQ(i[2], kI64Max);

  // unsigned enum with the top bit: as_i64 reinterprets, as_u64 does not
  auto eu = Column::compile(m, "eu");
  ASSERT_TRUE(eu.ok());
  EXPECT_EQ(eu->u64(0).value(), 0x8000000000000001ull);
  EXPECT_EQ(eu->i64(0).value(), kI64Min + 1);
  EXPECT_EQ(eu->i64(2).value(), -1);
  EXPECT_LT(eu->f64(0).value(), 0.0);
  // 32-bit unsigned enum with the top bit stays positive
  auto e32 = Column::compile(m, "e32");
  ASSERT_TRUE(e32.ok());
  EXPECT_EQ(e32->i64(0).value(), 2147483648ll);
  EXPECT_EQ(e32->f64(0).value(), 2147483648.0);

  // whole-call errors
  auto d = Column::compile(m, "d");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->read_u64(u).error().code, Code::Type);
  auto flag = Column::compile(m, "flag");
  ASSERT_TRUE(flag.ok());
  std::vector<double> f(6);
  EXPECT_EQ(flag->read_f64(f).error().code, Code::Type);
  std::vector<uint64_t> short_out(5);
  EXPECT_EQ(big->read_u64(short_out).error().code, Code::Invalid);
  std::vector<int32_t> short_st(2);
  EXPECT_EQ(big->read_u64(u, short_st).error().code, Code::Invalid);
  // without a status array
  r = big->read_u64(u);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failed, 0u);
  EXPECT_EQ(u[0], kU64Max);
  // a path resolved for another map is refused when it does not fit
  auto wide_hi = view::resolve_path(synth().map("recs"), "d");
  ASSERT_TRUE(wide_hi.ok());
  EXPECT_EQ(Column::from_path(synth().map("wides"), wide_hi.value()).error().code, Code::Invalid);
}

// ---- per-CPU maps with absent slots ----------------------------------------------

TEST(ViewQuerySynth, AbsentSlotsMakeValueComparisonsFalse) {
  const MapInfo& m = synth().map("pcpu");
  ASSERT_TRUE(m.percpu);
  ASSERT_EQ(m.nr_cpus, kCpus);
  ASSERT_FALSE(m.slot_present(2, 0));
  ASSERT_TRUE(m.slot_present(2, 1));
  EXPECT_EQ(run_filter(m, "u == 5", 1), (V{2}));
  EXPECT_TRUE(run_filter(m, "u == 0 && key == 2", 0).empty());
  EXPECT_TRUE(run_filter(m, "u != 0 && key == 2", 0).empty());
  EXPECT_EQ(run_filter(m, "!(u == 0) && key == 2", 0), (V{2}));
  EXPECT_EQ(run_filter(m, "u == 0 || key == 2", 0), (V{2, 3}));
  // entry 1 is absent everywhere: only key-side tests see it
  for (uint32_t cpu = 0; cpu < kCpus; cpu++) {
    EXPECT_EQ(run_filter(m, "u == 9 || i == 9", cpu), V{}) << cpu;
    EXPECT_EQ(run_filter(m, "key == 1", cpu), (V{1})) << cpu;
    EXPECT_EQ(run_filter(m, "key == 1 && u", cpu), V{}) << cpu;
    EXPECT_EQ(run_filter(m, "u == key && key == 1", cpu), V{}) << cpu;  // path pair on an absent slot
  }
  // the fully captured copy sees the same bytes
  EXPECT_EQ(run_filter(synth().map("pcpu_full"), "u == 9 && i == 9", 2), (V{1}));
  EXPECT_EQ(run_filter(synth().map("pcpu_full"), "u == 0 && key == 2", 0), (V{2}));
  // max_by skips absent slots
  auto all = Query::compile(m, "true");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->max_by("u", 1).value(), 2u);
  EXPECT_EQ(all->min_by("i", 0).value(), 3u);
  EXPECT_EQ(all->max_by("u", 0).value(), 0u);
}

TEST(ViewQuerySynth, AggregatesSaturateAndSkipAbsentSlots) {
  const MapInfo& m = synth().map("pcpu");
  auto u = CpuAggregate::compile(m, "u");
  auto i = CpuAggregate::compile(m, "i");
  auto d = CpuAggregate::compile(m, "d");
  ASSERT_TRUE(u.ok() && i.ok() && d.ok());
  // entry 0: u = [MAX, 1, 0, 0] saturates; i = [MAX, 1, -1, 0] saturates per step
  EXPECT_EQ(u->u64(AggOp::Sum, 0).value(), kU64Max);
  EXPECT_EQ(u->u64(AggOp::Max, 0).value(), kU64Max);
  EXPECT_EQ(u->u64(AggOp::Min, 0).value(), 0u);
  EXPECT_EQ(i->i64(AggOp::Sum, 0).value(), kI64Max - 1);
  EXPECT_EQ(i->i64(AggOp::Max, 0).value(), kI64Max);
  EXPECT_EQ(i->i64(AggOp::Min, 0).value(), -1);
  // entry 0: d = [1, NaN, 3, 2]: sum NaN, max 3, min 1
  EXPECT_TRUE(std::isnan(d->f64(AggOp::Sum, 0).value()));
  EXPECT_EQ(d->f64(AggOp::Max, 0).value(), 3.0);
  EXPECT_EQ(d->f64(AggOp::Min, 0).value(), 1.0);
  // entry 1: every slot absent -> NotFound, never 0
  for (AggOp op : {AggOp::Sum, AggOp::Max, AggOp::Min}) {
    auto r = u->u64(op, 1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::NotFound);
    EXPECT_NE(r.error().message.find("no contributing per-CPU slot"), std::string::npos) << r.error().message;
    EXPECT_EQ(i->i64(op, 1).error().code, Code::NotFound);
    EXPECT_EQ(d->f64(op, 1).error().code, Code::NotFound);
  }
  // entry 2: cpus 0 and 2 absent; u = [5, 7]; i = [-3, -4]; d = [NaN, NaN]
  EXPECT_EQ(u->u64(AggOp::Sum, 2).value(), 12u);
  EXPECT_EQ(u->u64(AggOp::Max, 2).value(), 7u);
  EXPECT_EQ(u->u64(AggOp::Min, 2).value(), 5u);
  EXPECT_EQ(i->i64(AggOp::Sum, 2).value(), -7);
  auto neg_u = i->u64(AggOp::Sum, 2);
  ASSERT_FALSE(neg_u.ok());
  EXPECT_EQ(neg_u.error().code, Code::Range);
  EXPECT_NE(neg_u.error().message.find("cpu 1 holds -3"), std::string::npos) << neg_u.error().message;
  for (AggOp op : {AggOp::Sum, AggOp::Max, AggOp::Min}) EXPECT_TRUE(std::isnan(d->f64(op, 2).value()));
  // entry 3: i = [MIN, -1, MIN, 5] clamps at MIN then adds 5; u all zero sums to 0
  EXPECT_EQ(i->i64(AggOp::Sum, 3).value(), kI64Min + 5);
  EXPECT_EQ(i->i64(AggOp::Min, 3).value(), kI64Min);
  EXPECT_EQ(u->u64(AggOp::Sum, 3).value(), 0u);
  EXPECT_EQ(d->f64(AggOp::Sum, 3).value(), -2.25);
  // integers as f64 and u64 as i64
  EXPECT_EQ(u->i64(AggOp::Sum, 0).error().code, Code::Range);
  EXPECT_EQ(u->f64(AggOp::Max, 2).value(), 7.0);
  EXPECT_EQ(i->f64(AggOp::Sum, 2).value(), -7.0);
  EXPECT_EQ(d->u64(AggOp::Sum, 0).error().code, Code::Type);

  // all entries at once
  std::vector<uint64_t> out(4);
  std::vector<int32_t> st(4);
  auto r = u->all_u64(AggOp::Sum, out, st);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(out, (std::vector<uint64_t>{kU64Max, 0, 12, 0}));
  EXPECT_EQ(st, (std::vector<int32_t>{0, -3, 0, 0}));
  EXPECT_EQ(r->failed, 1u);
  EXPECT_EQ(r->first_failure, 1u);
  EXPECT_EQ(r->first_code, Code::NotFound);
  std::vector<int64_t> io(4);
  r = i->all_i64(AggOp::Sum, io, st);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(io, (std::vector<int64_t>{kI64Max - 1, 0, -7, kI64Min + 5}));
  r = i->all_u64(AggOp::Max, out, st);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(st, (std::vector<int32_t>{-12, -3, -12, -12}));
  std::vector<double> dout(4);
  r = d->all_f64(AggOp::Max, dout, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(dout[0], 3.0);
  EXPECT_EQ(dout[1], 0.0);
  EXPECT_TRUE(std::isnan(dout[2]));
  EXPECT_EQ(dout[3], 0.5);
  std::vector<uint64_t> small(3);
  EXPECT_EQ(u->all_u64(AggOp::Sum, small).error().code, Code::Invalid);
  EXPECT_EQ(u->all_u64(static_cast<AggOp>(7), out).error().code, Code::Invalid);
  EXPECT_EQ(u->u64(AggOp::Sum, 4).error().code, Code::Range);

  // the fully captured copy: entry 1 contributes (9 on each CPU)
  auto full = CpuAggregate::compile(synth().map("pcpu_full"), "u");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->u64(AggOp::Sum, 1).value(), 36u);
  EXPECT_EQ(full->u64(AggOp::Sum, 2).value(), 12u);
}

// Bulk operations evaluate 64 entries at a time (block masks, short-circuit
// jumps per block); matches() runs the per-entry jump program. Random
// expressions over several blocks and absent slots must agree exactly.
std::string random_expr(std::mt19937_64& rng, const std::vector<std::string>& leaves, int depth) {
  uint64_t r = rng() % 10;
  if (depth <= 0 || r < 4) return leaves[rng() % leaves.size()];
  if (r < 5) return "!" + random_expr(rng, leaves, depth - 1);
  if (r < 6) return "(" + random_expr(rng, leaves, depth - 1) + ")";
  std::string s = "(" + random_expr(rng, leaves, depth - 1);
  int n = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; i++) s += (r < 8 ? " && " : " || ") + random_expr(rng, leaves, depth - 1);
  return s + ")";
}

void differential(const MapInfo& m, const std::vector<std::string>& leaves, uint32_t cpus, int rounds) {
  std::mt19937_64 rng(1234);
  uint64_t total_matches = 0;
  for (int round = 0; round < rounds; round++) {
    std::string e = random_expr(rng, leaves, 4);
    auto q = Query::compile(m, e);
    ASSERT_TRUE(q.ok()) << e << ": " << q.error().message;
    for (uint32_t cpu = 0; cpu < cpus; cpu++) {
      std::vector<uint32_t> want;
      for (uint32_t i = 0; i < m.entry_count; i++)
        if (q->matches(i, cpu)) want.push_back(i);
      std::vector<uint32_t> got;
      ASSERT_TRUE(q->filter(got, cpu).ok());
      ASSERT_EQ(got, want) << e << " cpu " << cpu;
      EXPECT_EQ(q->count(cpu).value(), want.size()) << e;
      EXPECT_EQ(q->find(cpu).value(), want.empty() ? kNoEntry : want.front()) << e;
      total_matches += want.size();
    }
  }
  EXPECT_GT(total_matches, 0u);
}

TEST(ViewQuerySynth, BlockEvaluationAgreesWithMatches) {
  const MapInfo& many = synth().map("many");
  ASSERT_EQ(many.entry_count, kManyEntries);
  differential(many,
               {"big > 100",
                "big == 18446744073709551615",
                "big != -1",
                "neg < 0",
                "neg >= 7",
                "neg < big",
                "big == neg",
                "eu == \"HIGH\"",
                "eu > 9223372036854775807",
                "es < 0",
                "e32 == \"BIG32\"",
                "ch == 97",
                "ch",
                "!flag",
                "flag == 1",
                "tri == \"T5\"",
                "tri",
                "d > 1.0",
                "d != d",
                "d == 0",
                "d < -1",
                "key < 100",
                "key >= 250",
                "key == 299",
                "key > big",
                "neg < 7.5",
                "true",
                "false",
                "big > 1e19",
                "d < key"},
               1, 400);
  const MapInfo& pc = synth().map("many_pcpu");
  differential(pc,
               {"u == 5", "u > 4", "u", "i < 0", "i == 5", "d == 1.0", "d != d", "key < 70", "key == 149", "key >= 64",
                "u == key", "i < d", "true", "!(u == 0)"},
               kCpus, 300);
}

TEST(ViewQuerySynth, AggregatesRefuseOtherShapes) {
  auto a = CpuAggregate::compile(synth().map("recs"), "big");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, Code::Type);
  EXPECT_NE(a.error().message.find("is not per-CPU"), std::string::npos) << a.error().message;
  auto k = CpuAggregate::compile(synth().map("pcpu"), "key");
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code, Code::Type);
  auto bad = CpuAggregate::compile(synth().map("pcpu"), "q");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Code::NotFound);
  EXPECT_NE(bad.error().message.find("members: u, i, d"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace ktsnap::test
