#include <linux/btf.h>
#include <sys/stat.h>

#include <cstring>

#include "unit/helpers.hpp"

using namespace ktsnap;
using ktsnap::test::fixture_btf;

namespace {

uint32_t id_of(const Btf& b, const char* name, BtfKind k) {
  auto id = b.find_by_name_kind(name, k);
  EXPECT_TRUE(id.has_value()) << name;
  return id.value_or(0);
}

// A struct btf built with libbpf's writer API, adopted by a Btf.
struct Synth {
  struct btf* raw = btf__new_empty();
  std::shared_ptr<const Btf> done() {
    auto b = Btf::adopt(raw);
    raw = nullptr;
    return b;
  }
  ~Synth() {
    if (raw) btf__free(raw);
  }
};

}  // namespace

TEST(Btf, FixtureLoadsAndIsCachedByContent) {
  auto a = fixture_btf();
  ASSERT_TRUE(a);
  auto b = fixture_btf();
  ASSERT_TRUE(b);
  EXPECT_EQ(a.get(), b.get()) << "the same bytes must be parsed once";
  EXPECT_GE(btf_cache_size(), 1u);
  EXPECT_GT(a->type_count(), 50u);
}

TEST(Btf, PeelsTypedefChainsWithQualifiers) {
  auto b = fixture_btf();
  ASSERT_TRUE(b);
  uint32_t td = id_of(*b, "kt_cv_u64", BtfKind::Typedef);
  EXPECT_EQ(b->kind(td), BtfKind::Typedef);
  auto p = b->peel(td);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(b->kind(p.value()), BtfKind::Int);
  auto ii = b->int_info(p.value());
  ASSERT_TRUE(ii);
  EXPECT_EQ(ii->size, 8u);
  EXPECT_FALSE(ii->is_signed);
  EXPECT_EQ(b->size(td), 8u);
}

TEST(Btf, AnonymousMembersAreFlattened) {
  auto b = fixture_btf();
  ASSERT_TRUE(b);
  uint32_t ctx = id_of(*b, "kt_task_ctx", BtfKind::Struct);
  auto weight = b->find_member(ctx, "weight");
  auto raw = b->find_member(ctx, "raw");
  auto lo = b->find_member(ctx, "lo16");
  auto hi = b->find_member(ctx, "hi16");
  ASSERT_TRUE(weight && raw && lo && hi);
  EXPECT_EQ(weight->bit_offset, 16u * 8);
  EXPECT_EQ(raw->bit_offset, 20u * 8);
  EXPECT_EQ(lo->bit_offset, 20u * 8);
  EXPECT_EQ(hi->bit_offset, 22u * 8);
  EXPECT_FALSE(b->find_member(ctx, "nope"));
  EXPECT_FALSE(b->find_member(ctx, ""));

  std::vector<BtfMember> flat, nested;
  b->members(ctx, true, flat);
  b->members(ctx, false, nested);
  EXPECT_GT(flat.size(), nested.size());
  bool has_anon = false;
  for (auto& m : nested) has_anon |= m.name.empty();
  EXPECT_TRUE(has_anon);
  for (auto& m : flat) EXPECT_FALSE(m.name.empty());
  // Declaration order: runtime_ns, tid, state, weight, raw, lo16, hi16, inner, ...
  ASSERT_GE(flat.size(), 8u);
  EXPECT_EQ(flat[0].name, "runtime_ns");
  EXPECT_EQ(flat[3].name, "weight");
  EXPECT_EQ(flat[4].name, "raw");
  EXPECT_EQ(flat[5].name, "lo16");
  EXPECT_EQ(flat[7].name, "inner");
}

TEST(Btf, Bitfields) {
  auto b = fixture_btf();
  ASSERT_TRUE(b);
  uint32_t bits = id_of(*b, "kt_bits", BtfKind::Struct);
  struct Want {
    const char* name;
    uint32_t off, width;
  } want[] = {{"lo", 0, 3}, {"sv", 3, 5}, {"mid", 8, 24}, {"wide", 64, 40}, {"swide", 104, 24}};
  for (auto& w : want) {
    auto m = b->find_member(bits, w.name);
    ASSERT_TRUE(m) << w.name;
    EXPECT_EQ(m->bit_offset, w.off) << w.name;
    EXPECT_EQ(m->bitfield_size, w.width) << w.name;
  }
}

TEST(Btf, EnumVariantsByMaskedValue) {
  auto b = fixture_btf();
  ASSERT_TRUE(b);
  uint32_t e8 = id_of(*b, "kt_e8", BtfKind::Enum);
  EXPECT_EQ(b->size(e8), 1u);
  // KT_E8_NEG = -1 is stored as 0xff in one byte: found by masking.
  EXPECT_EQ(b->enum_variant(e8, 0xff).value_or(""), "KT_E8_NEG");
  EXPECT_EQ(b->enum_variant(e8, 1).value_or(""), "KT_E8_ONE");
  EXPECT_FALSE(b->enum_variant(e8, 0x7f));
  uint32_t e16 = id_of(*b, "kt_e16", BtfKind::Enum);
  EXPECT_EQ(b->size(e16), 2u);
  EXPECT_EQ(b->enum_variant(e16, 0x1234).value_or(""), "KT_E16_BIG");
  uint32_t st = id_of(*b, "kt_state", BtfKind::Enum);
  EXPECT_EQ(b->enum_variant(st, 2).value_or(""), "KT_STATE_BLOCKED");
}

TEST(Btf, MultiDimensionalArrays) {
  auto b = fixture_btf();
  ASSERT_TRUE(b);
  uint32_t ctx = id_of(*b, "kt_task_ctx", BtfKind::Struct);
  auto hist = b->find_member(ctx, "hist");
  ASSERT_TRUE(hist);
  auto outer = b->array_info(b->peel(hist->type_id).value());
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->nelems, 2u);
  auto inner = b->array_info(b->peel(outer->elem_type).value());
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->nelems, 3u);
  EXPECT_EQ(b->size(hist->type_id), 24u);
  EXPECT_EQ(b->type_display_name(ctx), "struct kt_task_ctx");
}

TEST(Btf, DatasecVariables) {
  auto b = fixture_btf();
  ASSERT_TRUE(b);
  uint32_t bss = id_of(*b, ".bss", BtfKind::Datasec);
  std::vector<BtfVarInfo> vars;
  b->datasec_vars(bss, vars);
  ASSERT_EQ(vars.size(), 3u);
  EXPECT_EQ(vars[0].name, "kt_nr_events");
  EXPECT_EQ(vars[0].size, 8u);
  // libbpf's open-time fix-up assigned real offsets.
  EXPECT_GT(vars[1].offset + vars[2].offset, 0u);
  EXPECT_GE(b->size(bss).value_or(0), 20u);
  uint32_t ro = id_of(*b, ".rodata", BtfKind::Datasec);
  vars.clear();
  b->datasec_vars(ro, vars);
  ASSERT_EQ(vars.size(), 2u);
  EXPECT_EQ(vars[1].name, "kt_ro_mode");
  EXPECT_EQ(b->kind(b->peel(vars[1].type_id).value()), BtfKind::Enum);
}

TEST(Btf, Enum64SignedAndUnsigned) {
  Synth s;
  int u64 = btf__add_int(s.raw, "u64", 8, 0);
  ASSERT_GT(u64, 0);
  int ue = btf__add_enum64(s.raw, "big", 8, false);
  ASSERT_GT(ue, 0);
  ASSERT_EQ(btf__add_enum64_value(s.raw, "BIG_TOP", 0x8000000000000001ull), 0);
  int se = btf__add_enum64(s.raw, "sbig", 8, true);
  ASSERT_GT(se, 0);
  ASSERT_EQ(btf__add_enum64_value(s.raw, "SBIG_NEG", static_cast<uint64_t>(-5ll)), 0);
  auto b = s.done();
  EXPECT_EQ(b->kind(ue), BtfKind::Enum64);
  EXPECT_FALSE(b->enum_is_signed(ue));
  EXPECT_TRUE(b->enum_is_signed(se));
  EXPECT_EQ(b->enum_variant(ue, 0x8000000000000001ull).value_or(""), "BIG_TOP");
  EXPECT_EQ(b->enum_variant(se, static_cast<uint64_t>(-5ll)).value_or(""), "SBIG_NEG");
  EXPECT_EQ(b->size(se), 8u);
}

TEST(Btf, EightByteEnumWithTruncatedEnumerators) {
  // clang < 15 writes a 64-bit enum as an 8-byte ENUM whose enumerators are
  // 32-bit: TOP = 0xfffffffffffffff0 is stored as -16. Sign-extending (as
  // libbpf and bpftool do) names the real value.
  Synth s;
  int e = btf__add_enum(s.raw, "e64_old", 8);
  ASSERT_GT(e, 0);
  ASSERT_EQ(btf__add_enum_value(s.raw, "TOP", -16), 0);
  ASSERT_EQ(btf__add_enum_value(s.raw, "ONE", 1), 0);
  auto b = s.done();
  EXPECT_EQ(b->enum_variant(e, 0xfffffffffffffff0ull).value_or(""), "TOP");
  EXPECT_FALSE(b->enum_variant(e, 0x00000000fffffff0ull));
  EXPECT_EQ(b->enum_variant(e, 1).value_or(""), "ONE");
  std::vector<BtfEnumerator> es;
  b->enumerators(e, es);
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].value, 0xfffffffffffffff0ull);
}

TEST(Btf, HostileTypesTerminate) {
  Synth s;
  int i32 = btf__add_int(s.raw, "int", 4, BTF_INT_SIGNED);
  ASSERT_GT(i32, 0);
  // typedef A -> typedef B -> typedef A: a modifier cycle.
  int next = static_cast<int>(btf__type_cnt(s.raw));
  int a = btf__add_typedef(s.raw, "A", next + 1);
  int bb = btf__add_typedef(s.raw, "B", next);
  ASSERT_EQ(a, next);
  ASSERT_EQ(bb, next + 1);
  // array whose element is itself (through a typedef).
  int arr_next = static_cast<int>(btf__type_cnt(s.raw));
  int arr = btf__add_array(s.raw, i32, arr_next + 1, 4);
  int arr_td = btf__add_typedef(s.raw, "selfarr", arr);
  ASSERT_EQ(arr, arr_next);
  ASSERT_EQ(arr_td, arr_next + 1);
  // pointer to itself.
  int self_ptr_next = static_cast<int>(btf__type_cnt(s.raw));
  int self_ptr = btf__add_ptr(s.raw, self_ptr_next);
  ASSERT_EQ(self_ptr, self_ptr_next);
  // struct with an anonymous member of its own type.
  int st = btf__add_struct(s.raw, "loop", 4);
  ASSERT_EQ(btf__add_field(s.raw, "", st, 0, 0), 0);
  auto b = s.done();

  auto p = b->peel(a);
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Code::Format);
  EXPECT_FALSE(b->size(a));
  EXPECT_FALSE(b->size(arr));
  EXPECT_FALSE(b->find_member(st, "x"));
  std::vector<BtfMember> ms;
  b->members(st, true, ms);  // terminates
  EXPECT_LE(ms.size(), 1u);
  EXPECT_EQ(b->size(self_ptr), 8u);
  EXPECT_NE(b->type_display_name(self_ptr).find("*"), std::string::npos);  // terminates
  // Ids out of range.
  EXPECT_EQ(b->type(b->type_count()), nullptr);
  EXPECT_EQ(b->type(0xffffffffu), nullptr);
  EXPECT_FALSE(b->peel(0x7fffffffu).ok());
  EXPECT_FALSE(b->size(0x7fffffffu));
  EXPECT_TRUE(b->name(0x7fffffffu).empty());
}

TEST(Btf, MalformedBlobsAreRejected) {
  auto empty = Btf::from_raw(nullptr, 0);
  EXPECT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Code::Format);

  uint8_t garbage[64];
  for (size_t i = 0; i < sizeof garbage; i++) garbage[i] = static_cast<uint8_t>(i * 37 + 1);
  auto g = Btf::from_raw(garbage, sizeof garbage);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, Code::Format);
  EXPECT_NE(g.error().message.find("BTF"), std::string::npos);

  auto good = fixture_btf();
  ASSERT_TRUE(good);
  std::string_view raw = good->raw_data();
  // Every truncation of a real blob is refused or parsed, never a crash.
  for (size_t n = 1; n < raw.size(); n += (n < 64 ? 1 : 97)) {
    auto r = Btf::from_raw(raw.data(), n);
    EXPECT_FALSE(r.ok()) << "truncated to " << n;
  }
  // Header claiming more bytes than present.
  std::string bad(raw);
  auto* hdr = reinterpret_cast<struct btf_header*>(bad.data());
  hdr->str_len += 1000;
  EXPECT_FALSE(Btf::from_raw(bad.data(), bad.size()).ok());
  auto huge = Btf::from_raw(raw.data(), 65u << 20);
  EXPECT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("limit"), std::string::npos);
}

TEST(Btf, SplitBtfOnABase) {
  auto base = fixture_btf();
  ASSERT_TRUE(base);
  struct btf* split = btf__new_empty_split(const_cast<struct btf*>(base->raw()));
  ASSERT_NE(split, nullptr);
  int u32 = static_cast<int>(id_of(*base, "kt_inner", BtfKind::Struct));
  int ptr = btf__add_ptr(split, u32);
  ASSERT_GT(ptr, 0);
  __u32 sz = 0;
  const void* raw = btf__raw_data(split, &sz);
  auto b = Btf::from_raw(raw, sz, base);
  btf__free(split);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b.value()->base(), base.get());
  EXPECT_EQ(b.value()->kind(ptr), BtfKind::Ptr);
  EXPECT_EQ(b.value()->type_display_name(ptr), "struct kt_inner *");
}

TEST(Btf, VmlinuxWhenPresent) {
  struct stat st;
  if (stat("/sys/kernel/btf/vmlinux", &st) != 0) GTEST_SKIP() << "no /sys/kernel/btf/vmlinux on this kernel";
  auto b = Btf::from_file("/sys/kernel/btf/vmlinux");
  ASSERT_TRUE(b.ok()) << b.error().message;
  uint32_t ts = id_of(*b.value(), "task_struct", BtfKind::Struct);
  for (const char* m : {"pid", "tgid", "comm", "se", "flags"}) EXPECT_TRUE(b.value()->find_member(ts, m)) << m;
  auto comm = b.value()->find_member(ts, "comm");
  EXPECT_EQ(b.value()->size(comm->type_id), 16u);
}
