// Predicate queries against the fixture report: every operator and literal
// kind, key and value sides, anonymous members, bitfields, enums, floats,
// char arrays, pointers, globals, per-CPU maps, and the bulk operations.
// Expected sets come from kt_task_expect (the data the fixture wrote).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "view/query.hpp"

namespace ktsnap::test {
namespace {

using view::kNoEntry;
using view::Query;

const MapInfo& tasks() {
  return fixture_map("kt_tasks");
}

std::vector<uint32_t> run_filter(const MapInfo& m, const std::string& expr, uint32_t cpu = 0) {
  auto q = Query::compile(m, expr);
  EXPECT_TRUE(q.ok()) << expr << ": " << (q.ok() ? "" : q.error().message);
  if (!q.ok()) return {99999};
  std::vector<uint32_t> out;
  Status st = q->filter(out, cpu);
  EXPECT_TRUE(st.ok()) << st.error().message;
  // matches() agrees with filter() entry by entry; count() with its size.
  std::vector<uint32_t> again;
  for (uint32_t e = 0; e < m.entry_count; e++)
    if (q->matches(e, cpu)) again.push_back(e);
  EXPECT_EQ(out, again) << expr;
  auto n = q->count(cpu);
  EXPECT_TRUE(n.ok());
  if (n.ok()) {
    EXPECT_EQ(n.value(), out.size()) << expr;
  }
  auto f = q->find(cpu);
  EXPECT_TRUE(f.ok());
  if (f.ok()) {
    EXPECT_EQ(f.value(), out.empty() ? kNoEntry : out.front()) << expr;
  }
  return out;
}

std::vector<uint32_t> expect_tasks(const std::function<bool(const KtTaskExpect&, uint32_t)>& pred) {
  std::vector<uint32_t> v;
  for (uint32_t i = 0; i < tasks().entry_count; i++)
    if (pred(kt_task_expect(i), i)) v.push_back(i);
  return v;
}

TEST(ViewQuery, FixtureHasSixteenTasksInOrder) {
  ASSERT_EQ(tasks().entry_count, 16u);
  EXPECT_EQ(run_filter(tasks(), "tid == 1003"), std::vector<uint32_t>{3});
  EXPECT_EQ(run_filter(tasks(), "key == 1005"), std::vector<uint32_t>{5});
}

TEST(ViewQuery, EveryComparisonOperatorOnSignedInt) {
  EXPECT_EQ(run_filter(tasks(), "tid == 1007"), std::vector<uint32_t>{7});
  EXPECT_EQ(run_filter(tasks(), "tid != 1007"), expect_tasks([](auto& t, uint32_t) { return t.tid != 1007; }));
  EXPECT_EQ(run_filter(tasks(), "tid < 1003"), (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(run_filter(tasks(), "tid <= 1003"), (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(run_filter(tasks(), "tid > 1013"), (std::vector<uint32_t>{14, 15}));
  EXPECT_EQ(run_filter(tasks(), "tid >= 1013"), (std::vector<uint32_t>{13, 14, 15}));
  // literal on the left: the operator flips
  EXPECT_EQ(run_filter(tasks(), "1013 <= tid"), (std::vector<uint32_t>{13, 14, 15}));
  EXPECT_EQ(run_filter(tasks(), "1003 > tid"), (std::vector<uint32_t>{0, 1, 2}));
  // hex and whitespace
  EXPECT_EQ(run_filter(tasks(), "  tid==0x3eb  "), std::vector<uint32_t>{3});
  EXPECT_EQ(run_filter(tasks(), "tid\t>\n-5"), expect_tasks([](auto&, uint32_t) { return true; }));
}

TEST(ViewQuery, ConjunctionWithString) {
  // comm "bash" is at i % 8 == 2: entries 2 and 10; keep the larger runtime.
  uint64_t r2 = kt_task_expect(2).runtime_ns, r10 = kt_task_expect(10).runtime_ns;
  ASSERT_NE(r2, r10);
  uint64_t lo = std::min(r2, r10);
  auto got = run_filter(tasks(), "runtime_ns > " + std::to_string(lo) + " && comm == \"bash\"");
  EXPECT_EQ(got, std::vector<uint32_t>{r2 > r10 ? 2u : 10u});
  EXPECT_EQ(run_filter(tasks(), "comm == \"bash\""), (std::vector<uint32_t>{2, 10}));
  EXPECT_EQ(run_filter(tasks(), "comm != \"bash\""), expect_tasks([](auto& t, uint32_t) { return t.comm != "bash"; }));
  EXPECT_EQ(run_filter(tasks(), "comm == \"kworker/0:1\""), (std::vector<uint32_t>{1, 9}));
  // a prefix or an extension of the stored string does not match
  EXPECT_TRUE(run_filter(tasks(), "comm == \"bas\"").empty());
  EXPECT_TRUE(run_filter(tasks(), "comm == \"bashx\"").empty());
  EXPECT_TRUE(run_filter(tasks(), "comm == \"\"").empty());
  // a literal longer than the array can never match
  EXPECT_TRUE(run_filter(tasks(), "comm == \"0123456789abcdefXYZ\"").empty());
  // escapes
  EXPECT_TRUE(run_filter(tasks(), R"(comm == "ba\"sh")").empty());
  EXPECT_TRUE(run_filter(tasks(), R"(comm == "ba\\sh")").empty());
  // literal == literal folds
  EXPECT_EQ(run_filter(tasks(), R"("a\"b" == "a\"b")").size(), 16u);
}

TEST(ViewQuery, EnumByVariantNameAndValue) {
  auto running = expect_tasks([](auto& t, uint32_t) { return t.state == 1; });
  EXPECT_EQ(run_filter(tasks(), "state == \"KT_STATE_RUNNING\""), running);
  EXPECT_EQ(run_filter(tasks(), "state == 1"), running);
  EXPECT_EQ(run_filter(tasks(), "state != \"KT_STATE_RUNNING\""),
            expect_tasks([](auto& t, uint32_t) { return t.state != 1; }));
  EXPECT_EQ(run_filter(tasks(), "state >= 1"), expect_tasks([](auto& t, uint32_t) { return t.state >= 1; }));
  // 1-byte enum with a negative variant
  EXPECT_EQ(run_filter(tasks(), "e8 == \"KT_E8_NEG\""), expect_tasks([](auto& t, uint32_t) { return t.e8 == -1; }));
  // 8-byte enum (this clang emits it as ENUM with 32-bit values, so
  // KT_E64_BIG reads as 0 in the BTF; the stored 0x100000000 matches no name)
  EXPECT_EQ(run_filter(tasks(), "e64 == \"KT_E64_SMALL\""), expect_tasks([](auto& t, uint32_t) { return t.e64 == 1; }));
  EXPECT_TRUE(run_filter(tasks(), "e64 == \"KT_E64_BIG\"").empty());
  EXPECT_EQ(run_filter(tasks(), "e64 > 0xffffffff"),
            expect_tasks([](auto& t, uint32_t) { return t.e64 > 0xffffffffull; }));
  EXPECT_EQ(run_filter(tasks(), "e16 == \"KT_E16_BIG\""),
            expect_tasks([](auto& t, uint32_t) { return t.e16 == 0x1234; }));
}

TEST(ViewQuery, BitfieldsSignedAndWide) {
  EXPECT_EQ(run_filter(tasks(), "bits.sv < 0"), expect_tasks([](auto& t, uint32_t) { return t.bits_sv < 0; }));
  EXPECT_EQ(run_filter(tasks(), "bits.sv < -8"), expect_tasks([](auto& t, uint32_t) { return t.bits_sv < -8; }));
  EXPECT_EQ(run_filter(tasks(), "bits.sv >= -3"), expect_tasks([](auto& t, uint32_t) { return t.bits_sv >= -3; }));
  EXPECT_EQ(run_filter(tasks(), "bits.lo == 5"), expect_tasks([](auto& t, uint32_t) { return t.bits_lo == 5; }));
  EXPECT_EQ(run_filter(tasks(), "bits.mid > 20000"),
            expect_tasks([](auto& t, uint32_t) { return t.bits_mid > 20000; }));
  uint64_t w = kt_task_expect(4).bits_wide;
  EXPECT_EQ(run_filter(tasks(), "bits.wide == " + std::to_string(w)),
            expect_tasks([&](auto& t, uint32_t) { return t.bits_wide == w; }));
  EXPECT_EQ(run_filter(tasks(), "bits.swide < -5000"),
            expect_tasks([](auto& t, uint32_t) { return t.bits_swide < -5000; }));
}

TEST(ViewQuery, ArraysAnonymousMembersAndNesting) {
  EXPECT_EQ(run_filter(tasks(), "hist[1][2] >= 10"),
            expect_tasks([](auto& t, uint32_t) { return t.hist[1][2] >= 10; }));
  EXPECT_EQ(run_filter(tasks(), "hist[0][1] == 71"), std::vector<uint32_t>{7});
  EXPECT_EQ(run_filter(tasks(), "hist [ 1 ] [ 0x2 ] == 75"), std::vector<uint32_t>{7});
  // members of anonymous structs and unions, flattened
  EXPECT_EQ(run_filter(tasks(), "weight >= 300"), expect_tasks([](auto& t, uint32_t) { return t.weight >= 300; }));
  EXPECT_EQ(run_filter(tasks(), "lo16 == 3"), std::vector<uint32_t>{3});
  EXPECT_EQ(run_filter(tasks(), "hi16 == 12"), std::vector<uint32_t>{4});
  EXPECT_EQ(run_filter(tasks(), "raw == " + std::to_string((4u * 3) << 16 | 4u)), std::vector<uint32_t>{4});
  EXPECT_EQ(run_filter(tasks(), "inner.b < -5"), expect_tasks([](auto& t, uint32_t) { return t.inner_b < -5; }));
  EXPECT_EQ(run_filter(tasks(), "value.inner.a == 33"), std::vector<uint32_t>{3});
  // char element of a char array compares as an integer
  EXPECT_EQ(run_filter(tasks(), "comm[0] == 98"), expect_tasks([](auto& t, uint32_t) { return t.comm[0] == 'b'; }));
  // typedef const volatile chain
  uint64_t cv = kt_task_expect(9).cv_val;
  EXPECT_EQ(run_filter(tasks(), "cv_val == " + std::to_string(cv)),
            expect_tasks([&](auto& t, uint32_t) { return t.cv_val == cv; }));
  EXPECT_EQ(run_filter(tasks(), "sc < -5"), expect_tasks([](auto& t, uint32_t) { return t.sc < -5; }));
  EXPECT_EQ(run_filter(tasks(), "uc >= 210"), expect_tasks([](auto& t, uint32_t) { return t.uc >= 210; }));
}

TEST(ViewQuery, BoolsNegationAndTruthiness) {
  auto off = expect_tasks([](auto& t, uint32_t) { return !t.on_cpu; });
  auto on = expect_tasks([](auto& t, uint32_t) { return t.on_cpu; });
  EXPECT_EQ(run_filter(tasks(), "!on_cpu"), off);
  EXPECT_EQ(run_filter(tasks(), "on_cpu"), on);
  EXPECT_EQ(run_filter(tasks(), "!!on_cpu"), on);
  EXPECT_EQ(run_filter(tasks(), "on_cpu == true"), on);
  EXPECT_EQ(run_filter(tasks(), "on_cpu == false"), off);
  EXPECT_EQ(run_filter(tasks(), "on_cpu != 0"), on);
  EXPECT_EQ(run_filter(tasks(), "true").size(), 16u);
  EXPECT_TRUE(run_filter(tasks(), "false").empty());
  EXPECT_TRUE(run_filter(tasks(), "!true").empty());
  // pointers: truthy and compared as addresses
  auto with_ptr = expect_tasks([](auto& t, uint32_t) { return t.inner_ptr != 0; });
  EXPECT_EQ(run_filter(tasks(), "inner_ptr"), with_ptr);
  EXPECT_EQ(run_filter(tasks(), "inner_ptr != 0"), with_ptr);
  EXPECT_EQ(run_filter(tasks(), "inner_ptr == " + std::to_string(kt_task_expect(8).inner_ptr)),
            std::vector<uint32_t>{8});
  // an enum alone is true when non-zero
  EXPECT_EQ(run_filter(tasks(), "state"), expect_tasks([](auto& t, uint32_t) { return t.state != 0; }));
}

TEST(ViewQuery, ParenthesesPrecedenceAndShortCircuit) {
  // && binds tighter than ||
  EXPECT_EQ(run_filter(tasks(), "tid == 1001 || tid == 1002 && on_cpu"), std::vector<uint32_t>{1});
  EXPECT_EQ(run_filter(tasks(), "(tid == 1001 || tid == 1003) && on_cpu"), (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(run_filter(tasks(), "(tid == 1001 || tid == 1002) && on_cpu"), std::vector<uint32_t>{1});
  EXPECT_EQ(run_filter(tasks(), "!(tid < 1014)"), (std::vector<uint32_t>{14, 15}));
  EXPECT_EQ(run_filter(tasks(), "!(tid < 1002 || tid > 1003)"), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(run_filter(tasks(), "((((tid == 1004))))"), std::vector<uint32_t>{4});
  EXPECT_EQ(run_filter(tasks(), "tid==1001||tid==1002||tid==1003||tid==1004"), (std::vector<uint32_t>{1, 2, 3, 4}));
  EXPECT_EQ(run_filter(tasks(), "tid>1000&&tid<1005&&on_cpu&&!(tid==1003)"), std::vector<uint32_t>{1});
  // De Morgan over every entry
  EXPECT_EQ(run_filter(tasks(), "!(on_cpu && state == 1)"), run_filter(tasks(), "!on_cpu || state != 1"));
  // one instruction per leaf test: short-circuit jumps, no stack
  auto q = Query::compile(tasks(), "(tid == 1 || tid == 2) && !(on_cpu || state == 2)");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->instruction_count(), 4u);
}

TEST(ViewQuery, FloatsAndDoubles) {
  EXPECT_EQ(run_filter(tasks(), "load > 1.0"), expect_tasks([](auto& t, uint32_t) { return t.load > 1.0f; }));
  EXPECT_EQ(run_filter(tasks(), "load >= 1.5"), expect_tasks([](auto& t, uint32_t) { return t.load >= 1.5f; }));
  EXPECT_EQ(run_filter(tasks(), "load == 2"), expect_tasks([](auto& t, uint32_t) { return t.load == 2.0f; }));
  EXPECT_EQ(run_filter(tasks(), "avg < 50.5"), expect_tasks([](auto& t, uint32_t) { return t.avg < 50.5; }));
  EXPECT_EQ(run_filter(tasks(), "avg > -2e3"), expect_tasks([](auto&, uint32_t) { return true; }));
  // integer field against a float literal compares as double
  EXPECT_EQ(run_filter(tasks(), "tid > 1002.5"), expect_tasks([](auto& t, uint32_t) { return t.tid > 1002.5; }));
  EXPECT_EQ(run_filter(tasks(), "tid == 1002.0"), std::vector<uint32_t>{2});
  EXPECT_EQ(run_filter(tasks(), "bits.sv < -7.5"), expect_tasks([](auto& t, uint32_t) { return t.bits_sv < -7.5; }));
}

TEST(ViewQuery, PathAgainstPath) {
  EXPECT_EQ(run_filter(tasks(), "key == tid"), expect_tasks([](auto&, uint32_t) { return true; }));
  EXPECT_EQ(run_filter(tasks(), "lo16 < hi16"), expect_tasks([](auto& t, uint32_t) { return t.lo16 < t.hi16; }));
  // signed against unsigned, exactly: inner.b (s16 <= 0) vs inner.c (u8)
  EXPECT_EQ(run_filter(tasks(), "inner.b < inner.c"),
            expect_tasks([](auto& t, uint32_t) { return int(t.inner_b) < int(t.inner_c); }));
  EXPECT_EQ(run_filter(tasks(), "load < avg"), expect_tasks([](auto& t, uint32_t) { return double(t.load) < t.avg; }));
  EXPECT_EQ(run_filter(tasks(), "tid > load"), expect_tasks([](auto&, uint32_t) { return true; }));
  EXPECT_EQ(run_filter(tasks(), "comm == comm"), expect_tasks([](auto&, uint32_t) { return true; }));
  EXPECT_TRUE(run_filter(tasks(), "comm != comm").empty());
}

TEST(ViewQuery, KeySideOnStructKeys) {
  const MapInfo& bits = fixture_map("kt_bits_hash");
  ASSERT_EQ(bits.entry_count, 4u);
  EXPECT_EQ(run_filter(bits, "key.dsq == 7"), (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(run_filter(bits, "key.cpu == 2 && key.dsq == 7"), std::vector<uint32_t>{2});
  EXPECT_EQ(run_filter(bits, "key.cpu >= 2 && sv < -2"), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(run_filter(bits, "wide > 549755813889"), (std::vector<uint32_t>{2, 3}));  // 2^39 + 1
  EXPECT_EQ(run_filter(bits, "swide == -8388608"), (std::vector<uint32_t>{0, 1, 2, 3}));
}

TEST(ViewQuery, PerCpuMapsReadTheRequestedSlot) {
  const MapInfo& cs = fixture_map("kt_cpu_stats");  // nr_dispatched = key * 100 + cpu
  ASSERT_TRUE(cs.percpu);
  ASSERT_EQ(cs.nr_cpus, 4u);
  EXPECT_EQ(run_filter(cs, "nr_dispatched == 301", 1), std::vector<uint32_t>{3});
  EXPECT_TRUE(run_filter(cs, "nr_dispatched == 301", 0).empty());
  EXPECT_EQ(run_filter(cs, "nr_dispatched >= 200", 3), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(run_filter(cs, "last_tid == 1002", 2).size(), cs.entry_count);
  EXPECT_EQ(run_filter(cs, "key == 2", 3), std::vector<uint32_t>{2});
  // out-of-range CPU: bulk operations refuse, matches() reads no value
  auto q = Query::compile(cs, "nr_dispatched >= 0 || key == 1");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->find(4).ok());
  EXPECT_EQ(q->find(4).error().code, Code::Range);
  std::vector<uint32_t> v;
  EXPECT_EQ(q->filter(v, 99).error().code, Code::Range);
  EXPECT_TRUE(q->matches(1, 4));   // key side still answers
  EXPECT_FALSE(q->matches(0, 4));  // value side is false
  EXPECT_FALSE(q->matches(cs.entry_count, 0));

  const MapInfo& ph = fixture_map("kt_pcpu_hash");  // value = i * 1000 + cpu
  EXPECT_EQ(run_filter(ph, "value > 1000", 0), std::vector<uint32_t>{2});
  EXPECT_EQ(run_filter(ph, "value > 1000", 1), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(run_filter(ph, "value", 0), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(run_filter(ph, "key.dsq == 1001"), std::vector<uint32_t>{1});
}

TEST(ViewQuery, GlobalSectionVariables) {
  const Report& r = *fixture_report().report;
  const MapInfo* bss = nullptr;
  for (size_t i = 0; i < r.map_count(); i++)
    if (r.map(i).name.ends_with(".bss")) bss = &r.map(i);
  ASSERT_NE(bss, nullptr);
  EXPECT_EQ(run_filter(*bss, "kt_nr_events == 42"), std::vector<uint32_t>{0});
  EXPECT_EQ(run_filter(*bss, "kt_bss_inner.b == -3 && kt_bss_neg < 0"), std::vector<uint32_t>{0});
  EXPECT_TRUE(run_filter(*bss, "kt_bss_neg > -12345").empty());
  auto q = Query::compile(*bss, "kt_nr_event == 42");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message.find("variables: "), std::string::npos) << q.error().message;
  EXPECT_NE(q.error().message.find("kt_nr_events"), std::string::npos);
}

TEST(ViewQuery, MaxByMinByKeepTheFirstOfTies) {
  auto all = Query::compile(tasks(), "true");
  ASSERT_TRUE(all.ok());
  uint32_t best = 0;
  for (uint32_t i = 1; i < 16; i++)
    if (kt_task_expect(i).runtime_ns > kt_task_expect(best).runtime_ns) best = i;
  EXPECT_EQ(all->max_by("runtime_ns").value(), best);
  // state = i % 3: the first 2 is entry 2, the first 0 entry 0
  EXPECT_EQ(all->max_by("state").value(), 2u);
  EXPECT_EQ(all->min_by("state").value(), 0u);
  // signed bitfield: sv = i - 16
  EXPECT_EQ(all->max_by("bits.sv").value(), 15u);
  EXPECT_EQ(all->min_by("bits.sv").value(), 0u);
  // float: load = 0.5 * (i % 9): max 4.0 first at 8; min 0 first at 0
  EXPECT_EQ(all->max_by("load").value(), 8u);
  EXPECT_EQ(all->min_by("load").value(), 0u);
  // key side
  EXPECT_EQ(all->max_by("key").value(), 15u);
  // restricted to matching entries
  auto odd = Query::compile(tasks(), "on_cpu && tid < 1010");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->max_by("tid").value(), 9u);
  EXPECT_EQ(odd->min_by("inner.b").value(), 9u);  // inner.b = -(i % 100)
  auto none = Query::compile(tasks(), "tid < 0");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->max_by("tid").value(), kNoEntry);
  EXPECT_EQ(none->find().value(), kNoEntry);
  // non-numeric keys and bad paths are errors
  EXPECT_EQ(all->max_by("comm").error().code, Code::Type);
  EXPECT_EQ(all->max_by("inner").error().code, Code::Type);
  EXPECT_EQ(all->max_by("nope").error().code, Code::NotFound);
  // per-CPU: each CPU's slot
  const MapInfo& ph = fixture_map("kt_pcpu_hash");
  auto pq = Query::compile(ph, "true");
  ASSERT_TRUE(pq.ok());
  EXPECT_EQ(pq->max_by("value", 3).value(), 2u);
  EXPECT_EQ(pq->min_by("value", 3).value(), 0u);
  EXPECT_EQ(pq->max_by("value", 4).error().code, Code::Range);
}

TEST(ViewQuery, ResolvedPathsDescribeTheirLocation) {
  auto p = view::resolve_path(tasks(), "hist[1][2]");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->kind, view::PathKind::Uint);
  EXPECT_EQ(p->size, 4u);
  EXPECT_EQ(p->type_name(), "unsigned int");
  EXPECT_EQ(view::resolve_path(tasks(), "bits.sv")->type_name(), "int:5");
  auto sv = view::resolve_path(tasks(), "bits.sv");
  ASSERT_TRUE(sv.ok());
  EXPECT_EQ(sv->kind, view::PathKind::Int);
  EXPECT_EQ(sv->bit_size, 5u);
  EXPECT_TRUE(sv->is_signed);
  auto lo16 = view::resolve_path(tasks(), "lo16");
  ASSERT_TRUE(lo16.ok());
  EXPECT_EQ(lo16->offset, 20u);
  auto comm = view::resolve_path(tasks(), "comm");
  ASSERT_TRUE(comm.ok());
  EXPECT_EQ(comm->kind, view::PathKind::CharArray);
  EXPECT_EQ(comm->size, 16u);
  auto k = view::resolve_path(fixture_map("kt_bits_hash"), "key.dsq");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->side, view::PathSide::Key);
  EXPECT_EQ(k->offset, 4u);
  auto whole = view::resolve_path(tasks(), "value");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->kind, view::PathKind::Composite);
  EXPECT_EQ(view::resolve_path(tasks(), "tid == 1").error().code, Code::Invalid);
}

TEST(ViewQuery, QueriesAreCopyableAndShareTheirProgram) {
  auto q = Query::compile(tasks(), "tid == 1003");
  ASSERT_TRUE(q.ok());
  Query copy = q.value();
  EXPECT_EQ(copy.expression(), "tid == 1003");
  EXPECT_TRUE(copy.matches(3));
  EXPECT_FALSE(copy.matches(4));
  EXPECT_NE(copy.disassemble().find("eq.s"), std::string::npos) << copy.disassemble();
}

}  // namespace
}  // namespace ktsnap::test
