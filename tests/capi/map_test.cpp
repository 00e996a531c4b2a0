// Maps: lookup by index and name, metadata getters, entry cursors.
#include <set>

#include "capi_test.hpp"

using namespace capi_test;

namespace {

const char* const kMapNames[] = {"kt_cpu_stats", "kt_tasks",     "kt_array",     "kt_pcpu_hash", "kt_bits_hash",
                                 "kinds.data",   "kinds.rodata", ".data.custom", "kinds.bss"};

}  // namespace

class capiMap : public Fixture {};

TEST_F(capiMap, CountAndIndex) {
  ktsnap_report* r = report_.get();
  ASSERT_EQ(ktsnap_report_map_count(r), std::size(kMapNames));
  std::set<std::string> names;
  for (size_t i = 0; i < ktsnap_report_map_count(r); i++) {
    const ktsnap_map* m = ktsnap_report_map_at(r, i);
    ASSERT_NE(m, nullptr) << i << ": " << last_error();
    EXPECT_EQ(ktsnap_map_index(m), i);
    names.insert(ktsnap_map_name(m));
    // The same handle every time: borrowed from the report.
    EXPECT_EQ(ktsnap_report_map_at(r, i), m);
  }
  for (const char* n : kMapNames) EXPECT_TRUE(names.count(n)) << n;
  EXPECT_EQ(ktsnap_report_map_at(r, std::size(kMapNames)), nullptr);
  EXPECT_TRUE(contains(last_error(), "map index 9 out of range (the report has 9 maps)")) << last_error();
  EXPECT_EQ(ktsnap_report_map_at(r, SIZE_MAX), nullptr);
}

TEST_F(capiMap, ByName) {
  for (const char* n : kMapNames) {
    const ktsnap_map* m = nullptr;
    ASSERT_OK(ktsnap_report_map_by_name(&m, report_.get(), n));
    ASSERT_NE(m, nullptr);
    EXPECT_STREQ(ktsnap_map_name(m), n);
    EXPECT_EQ(ktsnap_report_map_at(report_.get(), ktsnap_map_index(m)), m);
  }
}

TEST_F(capiMap, ByNameNotFoundListsTheMaps) {
  const ktsnap_map* m = reinterpret_cast<const ktsnap_map*>(0x1);
  EXPECT_FAILS_WITH(ktsnap_report_map_by_name(&m, report_.get(), "kt_taskz"), KTSNAP_E_NOTFOUND, "'kt_taskz'");
  EXPECT_EQ(m, nullptr);
  std::string msg = last_error();
  for (const char* n : kMapNames) EXPECT_TRUE(contains(msg, n)) << n << " missing from: " << msg;
  EXPECT_FAILS_WITH(ktsnap_report_map_by_name(&m, report_.get(), ""), KTSNAP_E_NOTFOUND, "maps available");
}

TEST_F(capiMap, HashMapMetadata) {
  const ktsnap_map* m = map("kt_tasks");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(ktsnap_map_type(m), 1u);  // BPF_MAP_TYPE_HASH
  EXPECT_STREQ(ktsnap_map_type_name(m), "hash");
  EXPECT_FALSE(ktsnap_map_is_percpu(m));
  EXPECT_EQ(ktsnap_map_key_size(m), 4u);
  EXPECT_EQ(ktsnap_map_value_size(m), 152u);
  EXPECT_EQ(ktsnap_map_max_entries(m), 4096u);
  EXPECT_EQ(ktsnap_map_nr_cpus(m), 0u);
  EXPECT_EQ(ktsnap_map_flags(m), 0u);
  EXPECT_EQ(ktsnap_map_bpf_flags(m), 0u);
  EXPECT_EQ(ktsnap_map_error(m), nullptr);
  EXPECT_STREQ(ktsnap_last_error(), "");  // NULL error text is not a failure
  EXPECT_GE(ktsnap_map_id(m), 100u);
  EXPECT_EQ(ktsnap_map_kva(m), 0xffff888001000000ull + uint64_t(ktsnap_map_id(m) + 1) * 0x1000);
  EXPECT_EQ(ktsnap_map_scheduler_index(m), 0);
  EXPECT_EQ(ktsnap_map_btf_index(m), 0);
  EXPECT_NE(ktsnap_map_key_type_id(m), 0u);
  EXPECT_NE(ktsnap_map_value_type_id(m), 0u);
  EXPECT_EQ(ktsnap_map_vmlinux_value_type_id(m), 0u);
  EXPECT_STREQ(ktsnap_map_key_type_name(m), "__u32");  // the declared type, typedef kept
  EXPECT_STREQ(ktsnap_map_value_type_name(m), "struct kt_task_ctx");
  EXPECT_EQ(ktsnap_map_entry_count(m), kTaskEntries);
}

TEST_F(capiMap, PercpuMapMetadata) {
  const ktsnap_map* m = map("kt_cpu_stats");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(ktsnap_map_type(m), 6u);  // BPF_MAP_TYPE_PERCPU_ARRAY
  EXPECT_STREQ(ktsnap_map_type_name(m), "percpu_array");
  EXPECT_TRUE(ktsnap_map_is_percpu(m));
  EXPECT_EQ(ktsnap_map_nr_cpus(m), kNrCpus);
  EXPECT_EQ(ktsnap_map_value_size(m), 24u);
  EXPECT_EQ(ktsnap_map_entry_count(m), 4u);
  EXPECT_STREQ(ktsnap_map_value_type_name(m), "struct kt_cpu_stats");
  const ktsnap_map* h = map("kt_pcpu_hash");
  ASSERT_NE(h, nullptr);
  EXPECT_STREQ(ktsnap_map_type_name(h), "percpu_hash");
  EXPECT_STREQ(ktsnap_map_key_type_name(h), "struct kt_key");
}

TEST_F(capiMap, GlobalSectionMetadata) {
  const ktsnap_map* m = map("kinds.bss");
  ASSERT_NE(m, nullptr);
  EXPECT_STREQ(ktsnap_map_type_name(m), "array");
  EXPECT_EQ(ktsnap_map_entry_count(m), 1u);
  EXPECT_EQ(ktsnap_map_max_entries(m), 1u);
  EXPECT_EQ(ktsnap_map_key_type_id(m), 0u);
  EXPECT_STREQ(ktsnap_map_key_type_name(m), "");
  ktsnap_value k;
  ASSERT_OK(ktsnap_map_key(&k, m, 0));
  EXPECT_EQ(ktsnap_value_kind(&k), KTSNAP_KIND_BYTES);
  const void* b = nullptr;
  size_t len = 0;
  ASSERT_OK(ktsnap_value_bytes(&b, &len, &k));
  ASSERT_EQ(len, 4u);
  EXPECT_EQ(std::memcmp(b, "\0\0\0\0", 4), 0);
}

TEST_F(capiMap, HashKeys) {
  const ktsnap_map* m = map("kt_tasks");
  ASSERT_NE(m, nullptr);
  for (uint32_t i = 0; i < kTaskEntries; i++) {
    ktsnap_value k;
    ASSERT_OK(ktsnap_map_key(&k, m, i));
    EXPECT_EQ(ktsnap_value_kind(&k), KTSNAP_KIND_UINT);
    uint64_t x = 0;
    EXPECT_OK(ktsnap_value_u64(&x, &k));
    EXPECT_EQ(x, task_expect(i).tid);
  }
}

TEST_F(capiMap, StructKeys) {
  const ktsnap_map* m = map("kt_pcpu_hash");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(ktsnap_map_entry_count(m), 3u);
  for (uint32_t i = 0; i < 3; i++) {
    ktsnap_value k;
    ASSERT_OK(ktsnap_map_key(&k, m, i));
    EXPECT_EQ(ktsnap_value_kind(&k), KTSNAP_KIND_STRUCT);
    EXPECT_EQ(u64(k, "cpu"), i);
    EXPECT_EQ(u64(k, "dsq"), 1000 + i);
  }
}

TEST_F(capiMap, EntryOutOfRange) {
  const ktsnap_map* m = map("kt_tasks");
  ASSERT_NE(m, nullptr);
  ktsnap_value v;
  EXPECT_FAILS_WITH(ktsnap_map_key(&v, m, kTaskEntries), KTSNAP_E_RANGE, "holds 16 entries");
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_INVALID);
  EXPECT_FAILS_WITH(ktsnap_map_value(&v, m, UINT32_MAX), KTSNAP_E_RANGE, "entry 4294967295 out of range");
  const ktsnap_map* p = map("kt_cpu_stats");
  EXPECT_FAILS_WITH(ktsnap_map_percpu_value(&v, p, 4, 0), KTSNAP_E_RANGE, "entry 4");
  EXPECT_FAILS_WITH(ktsnap_map_percpu_value(&v, p, 0, kNrCpus), KTSNAP_E_RANGE, "cpu 4 out of range");
}

TEST_F(capiMap, PercpuAndPlainAccessorsAreNotInterchangeable) {
  ktsnap_value v;
  EXPECT_FAILS_WITH(ktsnap_map_value(&v, map("kt_cpu_stats"), 0), KTSNAP_E_TYPE, "ktsnap_map_percpu_value");
  EXPECT_FAILS_WITH(ktsnap_map_percpu_value(&v, map("kt_tasks"), 0, 0), KTSNAP_E_TYPE, "ktsnap_map_value()");
}

TEST_F(capiMap, EverySlotOfTheFixtureWasRead) {
  for (const char* name : {"kt_cpu_stats", "kt_pcpu_hash"}) {
    const ktsnap_map* m = map(name);
    for (uint32_t e = 0; e < ktsnap_map_entry_count(m); e++)
      for (uint32_t c = 0; c < ktsnap_map_nr_cpus(m); c++) EXPECT_TRUE(ktsnap_map_slot_present(m, e, c)) << name;
  }
  // A plain map has exactly one slot per entry.
  const ktsnap_map* t = map("kt_tasks");
  EXPECT_TRUE(ktsnap_map_slot_present(t, 0, 0));
  EXPECT_FALSE(ktsnap_map_slot_present(t, 0, 1));
  EXPECT_TRUE(contains(last_error(), "not per-CPU")) << last_error();
}

TEST_F(capiMap, PercpuArrayValues) {
  const ktsnap_map* m = map("kt_cpu_stats");
  ASSERT_NE(m, nullptr);
  for (uint32_t k = 0; k < 4; k++) {
    for (uint32_t c = 0; c < kNrCpus; c++) {
      ktsnap_value v;
      ASSERT_OK(ktsnap_map_percpu_value(&v, m, k, c));
      EXPECT_EQ(u64(v, "nr_dispatched"), uint64_t(k) * 100 + c);
      EXPECT_EQ(u64(v, "nr_enqueued"), uint64_t(k) * 10 + c * 2);
      EXPECT_EQ(i64(v, "last_tid"), int64_t(1000 + c));
    }
  }
}

TEST_F(capiMap, PercpuHashValues) {
  const ktsnap_map* m = map("kt_pcpu_hash");
  ASSERT_NE(m, nullptr);
  for (uint32_t i = 0; i < 3; i++) {
    for (uint32_t c = 0; c < kNrCpus; c++) {
      ktsnap_value v;
      ASSERT_OK(ktsnap_map_percpu_value(&v, m, i, c));
      EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_UINT);
      uint64_t x = 0;
      EXPECT_OK(ktsnap_value_u64(&x, &v));
      EXPECT_EQ(x, uint64_t(i) * 1000 + c);
    }
  }
}

TEST_F(capiMap, ArrayValues) {
  const ktsnap_map* m = map("kt_array");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(ktsnap_map_entry_count(m), 8u);
  for (uint32_t k = 0; k < 8; k++) {
    ktsnap_value key, v;
    ASSERT_OK(ktsnap_map_key(&key, m, k));
    uint64_t idx = 99;
    EXPECT_OK(ktsnap_value_u64(&idx, &key));
    EXPECT_EQ(idx, k);
    ASSERT_OK(ktsnap_map_value(&v, m, k));
    EXPECT_EQ(u64(v, "a"), k * 2);
    EXPECT_EQ(i64(v, "b"), -int64_t(k));
    EXPECT_EQ(u64(v, "c"), k);
  }
}

TEST_F(capiMap, MapsOutliveNothingButTheirReport) {
  // Map handles and strings stay valid while the report lives, whatever
  // else happens; another report's maps are distinct objects.
  ktsnap_report* other = nullptr;
  ASSERT_OK(ktsnap_report_open_file(&other, fixture_path(), nullptr));
  const ktsnap_map* a = ktsnap_report_map_at(report_.get(), 0);
  const ktsnap_map* b = ktsnap_report_map_at(other, 0);
  EXPECT_NE(a, b);
  const char* name_a = ktsnap_map_name(a);
  ktsnap_report_free(other);
  EXPECT_STREQ(ktsnap_map_name(a), name_a);
}
