// The compiled JSON plan: it must reproduce the tree renderer byte for
// byte, actually cover ordinary types, and stay correct across threads and
// BTF lifetimes. Also the hand-written formatting helpers it relies on.
#include <charconv>
#include <random>
#include <thread>

#include "render_helpers.hpp"
#include "value/render_json_internal.hpp"
#include "value/render_util.hpp"

namespace ktsnap::test {
namespace {

TEST(RenderPlan, EveryFixtureValueMatchesTheTreeRenderer) {
  const Report& r = kinds_report();
  size_t checked = 0;
  for (size_t i = 0; i < r.map_count(); i++) {
    const MapInfo& m = r.map(i);
    uint32_t cpus = m.percpu ? m.nr_cpus : 1;
    for (uint32_t e = 0; e < m.entry_count; e++) {
      for (uint32_t c = 0; c < cpus; c++) {
        for (Value v : {Value::map_value(m, e, c), Value::map_key(m, e)}) {
          if (!v.valid() || v.parts().is_bytes) continue;
          SCOPED_TRACE(std::string(m.name) + " entry " + std::to_string(e));
          EXPECT_EQ(json_of(v), tree_json_of(v));
          checked++;
        }
      }
    }
  }
  EXPECT_GT(checked, 50u);
}

TEST(RenderPlan, OrdinaryTypesCompileToFlatPlans) {
  const Report& r = kinds_report();
  for (const char* name : {"kt_tasks", "kt_cpu_stats", "kt_array", "kt_bits_hash", "kinds.bss", "kinds.data"}) {
    const MapInfo* m = r.find_map(name);
    ASSERT_NE(m, nullptr) << name;
    const render::JsonPlan* plan = render::json_plan_for(*m->ctx->btf, m->value_type_id);
    ASSERT_NE(plan, nullptr);
    EXPECT_TRUE(plan->flat) << name;
    EXPECT_EQ(plan->size, m->value_size) << name;
    // Literal text is merged: far fewer ops than members + elements.
    EXPECT_LT(plan->ops.size(), 64u) << name;
  }
  // Same (BTF, type): the same cached plan.
  const MapInfo& t = kinds_map("kt_tasks");
  EXPECT_EQ(render::json_plan_for(*t.ctx->btf, t.value_type_id), render::json_plan_for(*t.ctx->btf, t.value_type_id));
}

TEST(RenderPlan, ConcurrentRenderingAgrees) {
  const MapInfo& m = kinds_map("kt_tasks");
  std::vector<std::string> want;
  for (uint32_t e = 0; e < m.entry_count; e++) want.push_back(tree_json_of(Value::map_value(m, e)));
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      std::string out;
      for (int rep = 0; rep < 200; rep++) {
        for (uint32_t e = 0; e < m.entry_count; e++) {
          out.clear();
          if (!render_value_json(Value::map_value(m, e), out).ok() || out != want[e]) bad[t]++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad, std::vector<int>(4, 0));
}

TEST(RenderPlan, ANewBtfNeverSeesAnOldPlan) {
  // Two BTFs in turn, same type id, different layouts: the per-thread plan
  // cache must notice the first one died even if the second reuses its
  // address.
  for (int round = 0; round < 20; round++) {
    Synth s;
    int u32 = btf__add_int(s.b, "u32", 4, 0);
    int u64 = btf__add_int(s.b, "u64", 8, 0);
    int st = btf__add_struct(s.b, round % 2 ? "odd" : "even", 8);
    ASSERT_EQ(btf__add_field(s.b, round % 2 ? "wide" : "narrow", round % 2 ? u64 : u32, 0, 0), 0);
    s.done();
    std::vector<uint8_t> v(8, 1);
    std::string j = s.json(st, v);
    if (round % 2)
      EXPECT_EQ(j,
                "{\"kind\":\"struct\",\"type_name\":\"odd\",\"members\":[{\"name\":\"wide\",\"value\":"
                "{\"kind\":\"uint\",\"bits\":64,\"value\":72340172838076673}}]}");
    else
      EXPECT_EQ(j,
                "{\"kind\":\"struct\",\"type_name\":\"even\",\"members\":[{\"name\":\"narrow\",\"value\":"
                "{\"kind\":\"uint\",\"bits\":32,\"value\":16843009}}]}");
  }
}

TEST(RenderPlan, IntegerFormattingMatchesToChars) {
  std::mt19937_64 g(7);
  std::vector<uint64_t> values = {0, 1, 9, 10, 99, 100, 12345678, 99999999, 100000000, UINT64_MAX, 1ull << 63};
  for (uint64_t p = 1; p <= 1000000000000000000ull; p *= 10) {
    values.push_back(p - 1);
    values.push_back(p);
    values.push_back(p + 1);
  }
  for (int i = 0; i < 100000; i++) values.push_back(g() >> (g() % 64));
  for (uint64_t v : values) {
    char a[64], b[64];
    char* e = render::put_u64(a, v);
    auto r = std::to_chars(b, b + sizeof b, v);
    ASSERT_EQ(std::string(a, e), std::string(b, r.ptr)) << v;
    int64_t sv = static_cast<int64_t>(v);
    e = render::put_i64(a, sv);
    r = std::to_chars(b, b + sizeof b, sv);
    ASSERT_EQ(std::string(a, e), std::string(b, r.ptr)) << sv;
  }
}

TEST(RenderPlan, JsonStringEscaping) {
  std::string s;
  render::append_json_string(s, std::string_view("a\"b\\c\n\t\x01\xc3\xa9\xff", 11));
  EXPECT_EQ(s, "\"a\\\"b\\\\c\\n\\t\\u0001\xc3\xa9\xef\xbf\xbd\"");
}

TEST(RenderPlan, CpumaskDecode) {
  auto decode = [](std::vector<uint64_t> words, uint32_t max = UINT32_MAX) {
    std::string s;
    render::decode_cpumask(reinterpret_cast<const uint8_t*>(words.data()), words.size() * 8, max, s);
    return s;
  };
  EXPECT_EQ(decode({0x7}), "0-2");
  EXPECT_EQ(decode({0xa5}), "0,2,5,7");
  EXPECT_EQ(decode({1ull << 63, 1}), "63-64");  // runs continue across words
  EXPECT_EQ(decode({~0ull}), "0-63");
  EXPECT_EQ(decode({0, 0x3}), "64-65");
  EXPECT_EQ(decode({0x1, 0xff00000000000000ull, 0x1}), "0");  // pointer-looking word stops the decode
  EXPECT_EQ(decode({0xff}, 4), "0-3");
  EXPECT_EQ(decode({}), "");
}

}  // namespace
}  // namespace ktsnap::test
