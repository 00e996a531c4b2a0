// The running kernel's BTF (/sys/kernel/btf/vmlinux) as a large real input:
// struct task_struct navigation, typed values over a zeroed buffer, and an
// ENUM64 type read from bytes. Skips when the kernel exposes no BTF.
#include <bpf/btf.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "btf/btf.hpp"
#include "value/value.hpp"

namespace ktsnap {
namespace {

constexpr const char* kVmlinux = "/sys/kernel/btf/vmlinux";

class VmlinuxBtf : public ::testing::Test {
 protected:
  void SetUp() override {
    struct stat st;
    if (::stat(kVmlinux, &st) != 0) GTEST_SKIP() << kVmlinux << " is absent: kernel built without CONFIG_DEBUG_INFO_BTF";
    auto b = Btf::from_file(kVmlinux);
    ASSERT_TRUE(b.ok()) << b.error().message;
    btf_ = b.value();
  }
  std::shared_ptr<const Btf> btf_;
};

TEST_F(VmlinuxBtf, TaskStructMembersResolve) {
  const Btf& b = *btf_;
  EXPECT_GT(b.type_count(), 10000u) << "vmlinux BTF is unexpectedly small";
  auto ts = b.find_by_name_kind("task_struct", BtfKind::Struct);
  ASSERT_TRUE(ts.has_value());
  auto tsize = b.size(*ts);
  ASSERT_TRUE(tsize.has_value());
  EXPECT_GT(*tsize, 1000u);
  EXPECT_LT(*tsize, 65536u);

  // pid: pid_t -> __kernel_pid_t -> int (4 bytes, signed)
  auto pid = b.find_member(*ts, "pid");
  ASSERT_TRUE(pid.has_value());
  EXPECT_EQ(pid->bitfield_size, 0u);
  EXPECT_EQ(pid->bit_offset % 8, 0u);
  auto pid_t = b.peel(pid->type_id);
  ASSERT_TRUE(pid_t.ok());
  EXPECT_EQ(b.kind(pid_t.value()), BtfKind::Int);
  auto pii = b.int_info(pid_t.value());
  ASSERT_TRUE(pii.has_value());
  EXPECT_EQ(pii->size, 4u);
  EXPECT_TRUE(pii->is_signed);

  // comm: char[16] (TASK_COMM_LEN)
  auto comm = b.find_member(*ts, "comm");
  ASSERT_TRUE(comm.has_value());
  auto comm_t = b.peel(comm->type_id);
  ASSERT_TRUE(comm_t.ok());
  EXPECT_EQ(b.kind(comm_t.value()), BtfKind::Array);
  auto ai = b.array_info(comm_t.value());
  ASSERT_TRUE(ai.has_value());
  EXPECT_EQ(ai->nelems, 16u);
  EXPECT_EQ(b.size(comm_t.value()), 16u);

  // se: struct sched_entity, with vruntime (u64) inside
  auto se = b.find_member(*ts, "se");
  ASSERT_TRUE(se.has_value());
  auto se_t = b.peel(se->type_id);
  ASSERT_TRUE(se_t.ok());
  EXPECT_EQ(b.kind(se_t.value()), BtfKind::Struct);
  EXPECT_EQ(b.name(se_t.value()), "sched_entity");
  auto vr = b.find_member(se_t.value(), "vruntime");
  ASSERT_TRUE(vr.has_value());
  EXPECT_EQ(b.size(vr->type_id), 8u);

  // Values over a zeroed task_struct, then with bytes written at the offsets.
  std::vector<uint8_t> buf(*tsize, 0);
  ValueContext ctx{&b, nullptr};
  Value v = Value::typed(&ctx, *ts, buf.data(), buf.size());
  ASSERT_EQ(v.kind(), ValueKind::Struct);
  EXPECT_EQ(v.type_name(), "struct task_struct");
  EXPECT_FALSE(v.truncated());

  auto vp = v.member("pid");
  ASSERT_TRUE(vp.ok()) << vp.error().message;
  EXPECT_EQ(vp.value().kind(), ValueKind::Int);
  EXPECT_EQ(vp.value().as_i64().value(), 0);
  int32_t want_pid = -4242;
  std::memcpy(buf.data() + pid->bit_offset / 8, &want_pid, 4);
  EXPECT_EQ(v.member("pid").value().as_i64().value(), -4242);

  auto vc = v.member("comm");
  ASSERT_TRUE(vc.ok()) << vc.error().message;
  EXPECT_EQ(vc.value().kind(), ValueKind::Array);
  EXPECT_EQ(vc.value().length().value(), 16u);
  EXPECT_EQ(vc.value().as_string().value(), "");
  std::memcpy(buf.data() + comm->bit_offset / 8, "kworker/u8:1", 12);
  EXPECT_EQ(v.member("comm").value().as_string().value(), "kworker/u8:1");

  auto vse = v.get("se.vruntime");
  ASSERT_TRUE(vse.ok()) << vse.error().message;
  EXPECT_EQ(vse.value().kind(), ValueKind::Uint);
  uint64_t want_vr = 0xfedcba9876543210ull;
  std::memcpy(buf.data() + se->bit_offset / 8 + vr->bit_offset / 8, &want_vr, 8);
  EXPECT_EQ(v.get("se.vruntime").value().as_u64().value(), want_vr);

  auto names = v.member("se").value().member_names();
  ASSERT_TRUE(names.ok());
  EXPECT_NE(std::find(names.value().begin(), names.value().end(), "vruntime"), names.value().end());

  // A missing member names the alternatives.
  auto bad = v.get("se.no_such_member");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("no_such_member"), std::string::npos) << bad.error().message;
}

TEST_F(VmlinuxBtf, Enum64ReadsFromBytes) {
  const Btf& b = *btf_;
  const struct btf* raw = b.raw();
  uint32_t found = 0, count = 0;
  for (uint32_t id = 1; id < b.type_count(); id++) {
    if (b.kind(id) != BtfKind::Enum64) continue;
    count++;
    const struct btf_type* t = btf__type_by_id(raw, id);
    // Prefer a named ENUM64 with an enumerator above 32 bits.
    for (uint16_t i = 0; i < btf_vlen(t); i++) {
      uint64_t val = btf_enum64_value(btf_enum64(t) + i);
      if (val > 0xffffffffull && !found) found = id;
    }
  }
  if (count == 0) GTEST_SKIP() << "this kernel's BTF has no ENUM64 type (pahole/kernel before ENUM64 support)";
  ASSERT_NE(found, 0u) << count << " ENUM64 types but none with a value above 32 bits";
  std::printf("[ vmlinux ] %u ENUM64 types; using id %u (%s)\n", count, found, b.type_display_name(found).c_str());

  const struct btf_type* t = btf__type_by_id(raw, found);
  ASSERT_EQ(t->size, 8u);
  ValueContext ctx{&b, nullptr};
  for (uint16_t i = 0; i < btf_vlen(t); i++) {
    const struct btf_enum64* e = btf_enum64(t) + i;
    uint64_t val = btf_enum64_value(e);
    uint8_t bytes[8];
    std::memcpy(bytes, &val, 8);
    Value v = Value::typed(&ctx, found, bytes, sizeof bytes);
    ASSERT_EQ(v.kind(), ValueKind::Enum);
    bool is_signed = false;
    auto rb = v.raw_bits(&is_signed);
    ASSERT_TRUE(rb.ok()) << rb.error().message;
    EXPECT_EQ(rb.value(), val);
    if (!btf_kflag(t)) {  // unsigned enum: as_u64 is the bit pattern
      EXPECT_EQ(v.as_u64().value(), val);
    }
    auto name = v.enum_name();
    ASSERT_TRUE(name.ok()) << name.error().message;
    // The first enumerator with this value wins (duplicates are possible).
    auto expect = b.enum_variant(found, val);
    ASSERT_TRUE(expect.has_value());
    EXPECT_EQ(name.value(), *expect);
    if (*expect == btf__name_by_offset(raw, e->name_off)) {
      EXPECT_EQ(v.as_string().value(), std::string(*expect));
    }
  }
  // A value that matches no enumerator has no name but still reads.
  uint64_t odd = 0x7fffffffffffff3bull;
  if (!b.enum_variant(found, odd)) {
    uint8_t bytes[8];
    std::memcpy(bytes, &odd, 8);
    Value v = Value::typed(&ctx, found, bytes, sizeof bytes);
    EXPECT_EQ(v.raw_bits().value(), odd);
    EXPECT_FALSE(v.enum_name().ok());
  }
}

}  // namespace
}  // namespace ktsnap
