// Builders: a whole report rebuilt from the fixture's parts through the C
// ABI reads back identically; hand-made reports; every kind of bad input.
#include <limits>

#include "capi_test.hpp"

using namespace capi_test;

namespace {

// Concatenated key and value bytes of every entry of a map, read back
// through the public accessors (the inverse of ktsnap_builder_add_map).
struct Blobs {
  std::vector<uint8_t> keys, values;
};

Blobs blobs_of(const ktsnap_map* m) {
  Blobs b;
  uint32_t n = ktsnap_map_entry_count(m);
  bool percpu = ktsnap_map_is_percpu(m);
  uint32_t cpus = percpu ? ktsnap_map_nr_cpus(m) : 1;
  size_t vsz = ktsnap_map_value_size(m);
  size_t slot = percpu ? (vsz + 7) / 8 * 8 : vsz;
  for (uint32_t e = 0; e < n; e++) {
    ktsnap_value k;
    EXPECT_EQ(ktsnap_map_key(&k, m, e), KTSNAP_OK) << ktsnap_last_error();
    const void* p = nullptr;
    size_t len = 0;
    EXPECT_EQ(ktsnap_value_bytes(&p, &len, &k), KTSNAP_OK);
    b.keys.insert(b.keys.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + len);
    for (uint32_t c = 0; c < cpus; c++) {
      ktsnap_value v;
      EXPECT_EQ(percpu ? ktsnap_map_percpu_value(&v, m, e, c) : ktsnap_map_value(&v, m, e), KTSNAP_OK)
          << ktsnap_last_error();
      EXPECT_EQ(ktsnap_value_bytes(&p, &len, &v), KTSNAP_OK);
      EXPECT_EQ(len, vsz);
      size_t at = b.values.size();
      b.values.resize(at + slot, 0);
      std::memcpy(b.values.data() + at, p, len);
    }
  }
  return b;
}

ktsnap_map_desc desc_of(const ktsnap_map* m) {
  ktsnap_map_desc d = KTSNAP_MAP_DESC_INIT;
  d.name = ktsnap_map_name(m);
  d.error = ktsnap_map_error(m);
  d.map_kva = ktsnap_map_kva(m);
  d.scheduler_index = ktsnap_map_scheduler_index(m);
  d.map_id = ktsnap_map_id(m);
  d.map_type = ktsnap_map_type(m);
  d.map_flags = ktsnap_map_bpf_flags(m);
  d.key_size = ktsnap_map_key_size(m);
  d.value_size = ktsnap_map_value_size(m);
  d.max_entries = ktsnap_map_max_entries(m);
  d.nr_cpus = ktsnap_map_nr_cpus(m);
  d.btf_index = ktsnap_map_btf_index(m);
  d.key_type_id = ktsnap_map_key_type_id(m);
  d.value_type_id = ktsnap_map_value_type_id(m);
  d.vmlinux_value_type_id = ktsnap_map_vmlinux_value_type_id(m);
  d.flags = ktsnap_map_flags(m);
  return d;
}

std::string render(const ktsnap_report* r, uint32_t format) {
  ktsnap_render_opts o = KTSNAP_RENDER_OPTS_INIT;
  o.format = format;
  char* out = nullptr;
  size_t len = 0;
  EXPECT_EQ(ktsnap_render_report(&out, &len, r, &o), KTSNAP_OK) << ktsnap_last_error();
  CharPtr owned(out);
  return out ? std::string(out, len) : std::string();
}

}  // namespace

class capiBuilder : public Fixture {
 protected:
  void SetUp() override {
    Fixture::SetUp();
    ktsnap_builder* b = nullptr;
    ASSERT_OK(ktsnap_builder_new(&b, nullptr));
    builder_.reset(b);
  }

  // Adds the fixture's BTF and scheduler; returns the BTF index.
  int32_t add_fixture_btf() {
    size_t size = 0;
    const void* btf = ktsnap_report_btf_data(report_.get(), 0, &size);
    int32_t idx = -1;
    EXPECT_EQ(ktsnap_builder_add_btf(&idx, builder_.get(), btf, size, -1), KTSNAP_OK) << last_error();
    int32_t sched = -1;
    EXPECT_EQ(ktsnap_builder_add_scheduler(&sched, builder_.get(), "kinds", idx, true), KTSNAP_OK) << last_error();
    return idx;
  }

  // Copies one fixture map into the builder, optionally editing its values.
  ktsnap_status copy_map(const char* name, std::vector<uint8_t>* values_override = nullptr) {
    const ktsnap_map* m = map(name);
    Blobs b = blobs_of(m);
    ktsnap_map_desc d = desc_of(m);
    const std::vector<uint8_t>& vals = values_override ? *values_override : b.values;
    int32_t idx = -1;
    return ktsnap_builder_add_map(&idx, builder_.get(), &d, b.keys.data(), b.keys.size(), vals.data(), vals.size());
  }

  ktsnap_report* finish() {
    ktsnap_report* r = nullptr;
    ktsnap_status st = ktsnap_builder_finish(&r, builder_.get());
    EXPECT_EQ(st, KTSNAP_OK) << last_error();
    built_.reset(r);
    return r;
  }

  BuilderPtr builder_;
  ReportPtr built_;
};

TEST_F(capiBuilder, RebuildTheFixtureFromItsParts) {
  ktsnap_report* src = report_.get();
  ktsnap_builder* b = builder_.get();
  for (size_t i = 0; i < ktsnap_report_btf_count(src); i++) {
    size_t size = 0;
    const void* data = ktsnap_report_btf_data(src, i, &size);
    int32_t idx = -1;
    ASSERT_OK(ktsnap_builder_add_btf(&idx, b, data, size, -1));
    EXPECT_EQ(idx, int32_t(i));
  }
  for (size_t i = 0; i < ktsnap_report_scheduler_count(src); i++) {
    int32_t idx = -1;
    ASSERT_OK(ktsnap_builder_add_scheduler(&idx, b, ktsnap_report_scheduler_name(src, i),
                                           ktsnap_report_scheduler_btf_index(src, i),
                                           ktsnap_report_scheduler_active(src, i)));
    EXPECT_EQ(idx, int32_t(i));
  }
  for (size_t i = 0; i < ktsnap_report_map_count(src); i++) {
    const ktsnap_map* m = ktsnap_report_map_at(src, i);
    Blobs bl = blobs_of(m);
    ktsnap_map_desc d = desc_of(m);
    int32_t idx = -1;
    ASSERT_OK(ktsnap_builder_add_map(&idx, b, &d, bl.keys.data(), bl.keys.size(), bl.values.data(), bl.values.size()));
    EXPECT_EQ(idx, int32_t(i));
  }
  for (size_t i = 0; i < ktsnap_report_excluded_count(src); i++)
    ASSERT_OK(ktsnap_builder_add_excluded(b, ktsnap_report_excluded_name(src, i), ktsnap_report_excluded_map_id(src, i),
                                          ktsnap_report_excluded_map_type(src, i),
                                          ktsnap_report_excluded_reason(src, i)));
  for (size_t i = 0; i < ktsnap_report_region_count(src); i++) {
    uint64_t addr = 0;
    const void* data = nullptr;
    size_t size = 0;
    ASSERT_OK(ktsnap_report_region(&addr, &data, &size, src, i));
    ASSERT_OK(ktsnap_builder_add_region(b, addr, data, size));
  }
  size_t json_len = 0;
  const char* json = ktsnap_report_stats_json(src, &json_len);
  ASSERT_OK(ktsnap_builder_set_stats_json(b, json, json_len));
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  md.tag = ktsnap_report_tag(src);
  md.trigger = ktsnap_report_trigger(src);
  md.wall_time_ns = ktsnap_report_wall_time_ns(src);
  md.monotonic_ns = ktsnap_report_monotonic_ns(src);
  md.elapsed_ms = ktsnap_report_elapsed_ms(src);
  md.flags = ktsnap_report_has_step_index(src) ? KTSNAP_METADATA_HAS_STEP_INDEX : 0u;
  md.step_index = ktsnap_report_step_index(src);
  ASSERT_OK(ktsnap_builder_set_metadata(b, &md));

  ktsnap_report* r = finish();
  ASSERT_NE(r, nullptr);
  // The same report, seen through every public door.
  EXPECT_EQ(render(r, KTSNAP_FORMAT_JSON), render(src, KTSNAP_FORMAT_JSON));
  EXPECT_EQ(render(r, KTSNAP_FORMAT_TEXT), render(src, KTSNAP_FORMAT_TEXT));
  EXPECT_STREQ(ktsnap_report_tag(r), "fixture");
  EXPECT_EQ(ktsnap_report_step_index(r), 2u);
  EXPECT_EQ(ktsnap_report_elapsed_ms(r), 1500u);
  EXPECT_EQ(ktsnap_report_region_count(r), 4u);
  EXPECT_STREQ(ktsnap_report_excluded_reason(r, 0), ktsnap_report_excluded_reason(src, 0));
  size_t n1 = 0, n2 = 0;
  EXPECT_EQ(std::string(ktsnap_report_stats_json(r, &n1)), std::string(ktsnap_report_stats_json(src, &n2)));
  const ktsnap_map* m = nullptr;
  ASSERT_OK(ktsnap_report_map_by_name(&m, r, "kt_tasks"));
  ktsnap_value v;
  ASSERT_OK(ktsnap_map_value(&v, m, 8));
  EXPECT_EQ(u64(v, "inner_ptr.a"), task_expect(8).inner_a + 1);  // regions came along
  EXPECT_EQ(str(v, "comm"), task_expect(8).comm);
  // The report owns the built bytes: the builder can go first.
  builder_.reset();
  size_t size = 0;
  EXPECT_NE(ktsnap_report_bytes(r, &size), nullptr);
  EXPECT_GT(size, 1000u);
  EXPECT_EQ(u64(v, "tid"), 1008u);
}

TEST_F(capiBuilder, BuiltBytesReopenFromMemory) {
  add_fixture_btf();
  ASSERT_OK(copy_map("kt_array"));
  ktsnap_report* r = finish();
  ASSERT_NE(r, nullptr);
  size_t size = 0;
  const void* bytes = ktsnap_report_bytes(r, &size);
  ktsnap_report* again = nullptr;
  ASSERT_OK(ktsnap_report_open_memory(&again, bytes, size, nullptr));
  ReportPtr rp(again);
  EXPECT_EQ(ktsnap_report_map_count(again), 1u);
  EXPECT_EQ(render(again, KTSNAP_FORMAT_JSON), render(r, KTSNAP_FORMAT_JSON));
}

TEST_F(capiBuilder, EditedValuesReadBack) {
  add_fixture_btf();
  const ktsnap_map* m = map("kt_tasks");
  Blobs b = blobs_of(m);
  // Where comm lies inside the value, from the bytes the cursors borrow.
  ktsnap_value v0 = value("kt_tasks", 0);
  ktsnap_value comm0 = at(v0, "comm");
  const void *base = nullptr, *cp = nullptr;
  size_t len = 0;
  ASSERT_OK(ktsnap_value_bytes(&base, &len, &v0));
  ASSERT_OK(ktsnap_value_bytes(&cp, &len, &comm0));
  size_t comm_off = size_t(static_cast<const uint8_t*>(cp) - static_cast<const uint8_t*>(base));
  ASSERT_LT(comm_off, ktsnap_map_value_size(m));
  // Entry 0: runtime_ns = 2^63 + 5 (a u64 that is no i64), comm with a
  // negative char.
  uint64_t big = (uint64_t(1) << 63) + 5;
  std::memcpy(b.values.data() + 0, &big, 8);
  b.values[comm_off] = 0xff;
  // state = 7: no enumerator of enum kt_state has that value.
  ktsnap_value state0 = at(v0, "state");
  const void* sp = nullptr;
  ASSERT_OK(ktsnap_value_bytes(&sp, &len, &state0));
  size_t state_off = size_t(static_cast<const uint8_t*>(sp) - static_cast<const uint8_t*>(base));
  uint32_t seven = 7;
  std::memcpy(b.values.data() + state_off, &seven, 4);
  ASSERT_OK(copy_map("kt_tasks", &b.values));
  ktsnap_report* r = finish();
  ASSERT_NE(r, nullptr);
  const ktsnap_map* bm = nullptr;
  ASSERT_OK(ktsnap_report_map_by_name(&bm, r, "kt_tasks"));
  ktsnap_value v;
  ASSERT_OK(ktsnap_map_value(&v, bm, 0));
  EXPECT_EQ(u64(v, "runtime_ns"), big);
  ktsnap_value rt = at(v, "runtime_ns");
  int64_t s = 1;
  EXPECT_FAILS_WITH(ktsnap_value_i64(&s, &rt), KTSNAP_E_RANGE, "i64");
  EXPECT_EQ(s, 0);
  double d = 0;
  EXPECT_OK(ktsnap_value_f64(&d, &rt));
  EXPECT_EQ(d, double(big));
  ktsnap_value comm = at(v, "comm");
  uint64_t chars[16];
  size_t n = 0;
  EXPECT_FAILS_WITH(ktsnap_value_u64_array(chars, 16, &n, &comm), KTSNAP_E_RANGE, "element [0]");
  int64_t schars[16];
  ASSERT_OK(ktsnap_value_i64_array(schars, 16, &n, &comm));
  EXPECT_EQ(schars[0], -1);
  ktsnap_value state = at(v, "state");
  const char* variant = "unset";
  EXPECT_FAILS_WITH(ktsnap_value_enum_name(&variant, &state), KTSNAP_E_NOTFOUND, "matches no enumerator");
  EXPECT_EQ(variant, nullptr);
  char buf[16];
  EXPECT_EQ(ktsnap_value_string(buf, sizeof buf, &len, &state), KTSNAP_E_NOTFOUND);
  EXPECT_EQ(u64(v, "state"), 7u);  // the number is still there
}

TEST_F(capiBuilder, TruncatedRegionGivesTruncatedValues) {
  add_fixture_btf();
  ASSERT_OK(copy_map("kt_tasks"));
  // Only 4 of the 8 bytes of entry 0's pointer target were captured.
  uint32_t a = 77;
  ASSERT_OK(ktsnap_builder_add_region(builder_.get(), kRegionBase, &a, sizeof a));
  ktsnap_report* r = finish();
  ASSERT_NE(r, nullptr);
  const ktsnap_map* m = nullptr;
  ASSERT_OK(ktsnap_report_map_by_name(&m, r, "kt_tasks"));
  ktsnap_value v, p, target, c;
  ASSERT_OK(ktsnap_map_value(&v, m, 0));
  ASSERT_OK(ktsnap_value_member(&p, &v, "inner_ptr"));
  ASSERT_OK(ktsnap_value_deref(&target, &p));
  EXPECT_TRUE(ktsnap_value_is_truncated(&target));
  EXPECT_EQ(u64(v, "inner_ptr.a"), 77u);
  ASSERT_OK(ktsnap_value_get(&c, &v, "inner_ptr.c"));
  uint64_t x = 9;
  EXPECT_EQ(ktsnap_value_u64(&x, &c), KTSNAP_E_RANGE) << last_error();
  EXPECT_TRUE(contains(last_error(), "captured")) << last_error();
  const void* bytes = nullptr;
  size_t len = 99;
  ASSERT_OK(ktsnap_value_bytes(&bytes, &len, &target));
  EXPECT_EQ(len, 4u);
}

TEST_F(capiBuilder, MapWithoutBtfIsBytes) {
  ktsnap_map_desc d = KTSNAP_MAP_DESC_INIT;
  d.name = "raw_map";
  d.map_type = 1;
  d.key_size = 2;
  d.value_size = 3;
  d.max_entries = 10;
  const uint8_t keys[] = {1, 0, 2, 0};
  const uint8_t values[] = {0xa, 0xb, 0xc, 0xd, 0xe, 0xf};
  int32_t idx = -1;
  ASSERT_OK(ktsnap_builder_add_map(&idx, builder_.get(), &d, keys, sizeof keys, values, sizeof values));
  EXPECT_EQ(idx, 0);
  ktsnap_report* r = finish();
  ASSERT_NE(r, nullptr);
  const ktsnap_map* m = ktsnap_report_map_at(r, 0);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(ktsnap_map_entry_count(m), 2u);
  EXPECT_EQ(ktsnap_map_btf_index(m), -1);
  EXPECT_STREQ(ktsnap_map_value_type_name(m), "");
  ktsnap_value v;
  ASSERT_OK(ktsnap_map_value(&v, m, 1));
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_BYTES);
  const void* p = nullptr;
  size_t len = 0;
  ASSERT_OK(ktsnap_value_bytes(&p, &len, &v));
  ASSERT_EQ(len, 3u);
  EXPECT_EQ(std::memcmp(p, values + 3, 3), 0);
  uint64_t x;
  EXPECT_EQ(ktsnap_value_u64(&x, &v), KTSNAP_E_TYPE);
  char* json = nullptr;
  ASSERT_OK(ktsnap_render_value(&json, nullptr, &v, nullptr));
  EXPECT_TRUE(contains(json, "0d 0e 0f")) << json;
  ktsnap_free(json);
}

TEST_F(capiBuilder, MapErrorTextAndFlags) {
  ktsnap_map_desc d = KTSNAP_MAP_DESC_INIT;
  d.name = "partial";
  d.map_type = 1;
  d.key_size = 4;
  d.value_size = 4;
  d.error = "lookup_batch: ENOSPC after 3 retries";
  d.flags = KTSNAP_MAP_TRUNCATED | KTSNAP_MAP_BTF_MISSING;
  int32_t idx;
  ASSERT_OK(ktsnap_builder_add_map(&idx, builder_.get(), &d, nullptr, 0, nullptr, 0));
  ktsnap_report* r = finish();
  ASSERT_NE(r, nullptr);
  const ktsnap_map* m = ktsnap_report_map_at(r, 0);
  EXPECT_STREQ(ktsnap_map_error(m), "lookup_batch: ENOSPC after 3 retries");
  EXPECT_EQ(ktsnap_map_flags(m), KTSNAP_MAP_TRUNCATED | KTSNAP_MAP_BTF_MISSING);
  EXPECT_EQ(ktsnap_map_entry_count(m), 0u);
}

TEST_F(capiBuilder, PlaceholderMetadata) {
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  md.tag = "step-3";
  md.trigger = KTSNAP_TRIGGER_ERROR;
  md.flags = KTSNAP_METADATA_PLACEHOLDER;
  md.placeholder_reason = "scheduler not attached";
  md.step_index = 7;  // ignored: no HAS_STEP_INDEX
  ASSERT_OK(ktsnap_builder_set_metadata(builder_.get(), &md));
  ktsnap_report* r = finish();
  ASSERT_NE(r, nullptr);
  EXPECT_STREQ(ktsnap_report_tag(r), "step-3");
  EXPECT_EQ(ktsnap_report_trigger(r), KTSNAP_TRIGGER_ERROR);
  EXPECT_TRUE(ktsnap_report_is_placeholder(r));
  EXPECT_STREQ(ktsnap_report_placeholder_reason(r), "scheduler not attached");
  EXPECT_FALSE(ktsnap_report_has_step_index(r));
  EXPECT_EQ(ktsnap_report_step_index(r), 0u);
  EXPECT_EQ(ktsnap_report_stats_json(r, nullptr), nullptr);  // none set
  EXPECT_EQ(ktsnap_report_map_count(r), 0u);
}

TEST_F(capiBuilder, BadBtf) {
  int32_t idx = 5;
  const char garbage[] = "definitely not BTF, just some bytes of text";
  EXPECT_EQ(ktsnap_builder_add_btf(&idx, builder_.get(), garbage, sizeof garbage, -1), KTSNAP_E_FORMAT)
      << last_error();
  EXPECT_FALSE(last_error().empty());
  EXPECT_EQ(idx, -1);
  EXPECT_FAILS_WITH(ktsnap_builder_add_btf(&idx, builder_.get(), garbage, 0, -1), KTSNAP_E_FORMAT, "empty");
  EXPECT_FAILS_WITH(ktsnap_builder_add_btf(&idx, builder_.get(), nullptr, 10, -1), KTSNAP_E_INVALID, "'data' is NULL");
  size_t size = 0;
  const void* btf = ktsnap_report_btf_data(report_.get(), 0, &size);
  EXPECT_FAILS_WITH(ktsnap_builder_add_btf(&idx, builder_.get(), btf, size, 0), KTSNAP_E_INVALID, "base index 0");
  EXPECT_FAILS_WITH(ktsnap_builder_add_btf(&idx, builder_.get(), btf, size, -2), KTSNAP_E_INVALID, "base index -2");
  // A BTF blob cut short is malformed, not a crash.
  for (size_t cut : {size_t(1), size_t(8), size_t(24), size / 2, size - 1}) {
    std::vector<uint8_t> part(static_cast<const uint8_t*>(btf), static_cast<const uint8_t*>(btf) + cut);
    EXPECT_EQ(ktsnap_builder_add_btf(&idx, builder_.get(), part.data(), part.size(), -1), KTSNAP_E_FORMAT)
        << "cut at " << cut << ": " << last_error();
  }
  // The same blob twice is stored once.
  int32_t a = -1, b = -1;
  ASSERT_OK(ktsnap_builder_add_btf(&a, builder_.get(), btf, size, -1));
  ASSERT_OK(ktsnap_builder_add_btf(&b, builder_.get(), btf, size, -1));
  EXPECT_EQ(a, b);
}

TEST_F(capiBuilder, BadScheduler) {
  int32_t idx = 5;
  EXPECT_FAILS_WITH(ktsnap_builder_add_scheduler(&idx, builder_.get(), "s", 0, true), KTSNAP_E_INVALID,
                    "BTF index 0");
  EXPECT_EQ(idx, -1);
  EXPECT_FAILS_WITH(ktsnap_builder_add_scheduler(&idx, builder_.get(), nullptr, -1, true), KTSNAP_E_INVALID,
                    "'name' is NULL");
  ASSERT_OK(ktsnap_builder_add_scheduler(&idx, builder_.get(), "no-btf", -1, false));
  EXPECT_EQ(idx, 0);
}

TEST_F(capiBuilder, BadMaps) {
  int32_t btf = add_fixture_btf();
  ktsnap_builder* b = builder_.get();
  ktsnap_map_desc good = desc_of(map("kt_array"));
  Blobs bl = blobs_of(map("kt_array"));
  int32_t idx = 5;
  auto add = [&](const ktsnap_map_desc& d, size_t ks, size_t vs) {
    return ktsnap_builder_add_map(&idx, b, &d, bl.keys.data(), ks, bl.values.data(), vs);
  };
  // Keys not a whole number of keys.
  EXPECT_FAILS_WITH(add(good, bl.keys.size() - 1, bl.values.size()), KTSNAP_E_INVALID, "not a multiple of key_size");
  EXPECT_EQ(idx, -1);
  // Values for a different number of entries.
  EXPECT_FAILS_WITH(add(good, bl.keys.size() - 4, bl.values.size()), KTSNAP_E_INVALID, "values blob");
  EXPECT_FAILS_WITH(add(good, bl.keys.size(), bl.values.size() - 1), KTSNAP_E_INVALID, "values blob");
  // Indexes that name nothing.
  ktsnap_map_desc d = good;
  d.btf_index = btf + 1;
  EXPECT_FAILS_WITH(add(d, bl.keys.size(), bl.values.size()), KTSNAP_E_INVALID, "BTF index 1");
  d = good;
  d.scheduler_index = 3;
  EXPECT_FAILS_WITH(add(d, bl.keys.size(), bl.values.size()), KTSNAP_E_INVALID, "scheduler index 3");
  // A type id the BTF does not have, and one of the wrong size.
  d = good;
  d.value_type_id = 1u << 30;
  EXPECT_FAILS_WITH(add(d, bl.keys.size(), bl.values.size()), KTSNAP_E_INVALID, "type id");
  d = good;
  d.value_type_id = good.key_type_id;  // u32 is not the 8-byte kt_inner
  EXPECT_FAILS_WITH(add(d, bl.keys.size(), bl.values.size()), KTSNAP_E_INVALID, "bytes");
  // Per-CPU without nr_cpus.
  ktsnap_map_desc p = desc_of(map("kt_cpu_stats"));
  Blobs pb = blobs_of(map("kt_cpu_stats"));
  p.nr_cpus = 0;
  EXPECT_FAILS_WITH(ktsnap_builder_add_map(&idx, b, &p, pb.keys.data(), pb.keys.size(), pb.values.data(),
                                           pb.values.size()),
                    KTSNAP_E_INVALID, "nr_cpus");
  // NULL blobs with sizes, no name, bad sz, bad flags, bad reserved.
  EXPECT_FAILS_WITH(ktsnap_builder_add_map(&idx, b, &good, nullptr, 4, bl.values.data(), 8), KTSNAP_E_INVALID,
                    "'keys' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_add_map(&idx, b, &good, bl.keys.data(), 4, nullptr, 8), KTSNAP_E_INVALID,
                    "'values' is NULL");
  d = good;
  d.name = nullptr;
  EXPECT_FAILS_WITH(add(d, bl.keys.size(), bl.values.size()), KTSNAP_E_INVALID, "name is NULL");
  d = good;
  d.sz = 0;
  EXPECT_FAILS_WITH(add(d, bl.keys.size(), bl.values.size()), KTSNAP_E_INVALID, "ktsnap_map_desc: sz 0 too small");
  d = good;
  d.flags = 0x100;
  EXPECT_FAILS_WITH(add(d, bl.keys.size(), bl.values.size()), KTSNAP_E_INVALID, "unknown flag bits 0x100");
  d = good;
  d.reserved[0] = 1;
  EXPECT_FAILS_WITH(add(d, bl.keys.size(), bl.values.size()), KTSNAP_E_INVALID, "reserved[0]");
  // Nothing bad was stored: the good map still goes in as map 0.
  ASSERT_OK(add(good, bl.keys.size(), bl.values.size()));
  EXPECT_EQ(idx, 0);
}

TEST_F(capiBuilder, DescSizeRules) {
  add_fixture_btf();
  ktsnap_map_desc good = desc_of(map("kt_array"));
  Blobs bl = blobs_of(map("kt_array"));
  int32_t idx = -1;
  struct Bigger {
    ktsnap_map_desc d;
    uint64_t newer;
  } big;
  std::memset(&big, 0, sizeof big);
  big.d = good;
  big.d.sz = sizeof big;
  ASSERT_OK(ktsnap_builder_add_map(&idx, builder_.get(), &big.d, bl.keys.data(), bl.keys.size(), bl.values.data(),
                                   bl.values.size()));
  big.newer = 3;
  EXPECT_FAILS_WITH(ktsnap_builder_add_map(&idx, builder_.get(), &big.d, bl.keys.data(), bl.keys.size(),
                                           bl.values.data(), bl.values.size()),
                    KTSNAP_E_INVALID, "ktsnap_map_desc");
  // A shorter desc ending before btf_index: the typing fields are not read
  // (defaults: no BTF), so the map comes back as raw bytes.
  ktsnap_map_desc older = good;
  older.sz = offsetof(ktsnap_map_desc, btf_index);
  ASSERT_OK(ktsnap_builder_add_map(&idx, builder_.get(), &older, bl.keys.data(), bl.keys.size(), bl.values.data(),
                                   bl.values.size()));
  ktsnap_report* r = finish();
  ASSERT_NE(r, nullptr);
  const ktsnap_map* m = ktsnap_report_map_at(r, size_t(idx));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(ktsnap_map_btf_index(m), -1);
  ktsnap_value v;
  ASSERT_OK(ktsnap_map_value(&v, m, 0));
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_BYTES);
}

TEST_F(capiBuilder, BadMetadata) {
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  md.trigger = 9;
  EXPECT_FAILS_WITH(ktsnap_builder_set_metadata(builder_.get(), &md), KTSNAP_E_INVALID, "trigger 9 unknown");
  md = KTSNAP_METADATA_INIT;
  md.flags = 0x8;
  EXPECT_FAILS_WITH(ktsnap_builder_set_metadata(builder_.get(), &md), KTSNAP_E_INVALID, "unknown flag bits 0x8");
  md = KTSNAP_METADATA_INIT;
  md.reserved[1] = 2;
  EXPECT_FAILS_WITH(ktsnap_builder_set_metadata(builder_.get(), &md), KTSNAP_E_INVALID, "reserved[1]");
  md = KTSNAP_METADATA_INIT;
  md.sz = 2;
  EXPECT_FAILS_WITH(ktsnap_builder_set_metadata(builder_.get(), &md), KTSNAP_E_INVALID, "ktsnap_metadata: sz 2");
  EXPECT_FAILS_WITH(ktsnap_builder_set_metadata(builder_.get(), nullptr), KTSNAP_E_INVALID, "'md' is NULL");
}

TEST_F(capiBuilder, BadRegionsAndStats) {
  ktsnap_builder* b = builder_.get();
  uint8_t bytes[16] = {};
  EXPECT_FAILS_WITH(ktsnap_builder_add_region(b, 0x1000, bytes, 0), KTSNAP_E_INVALID, "empty region");
  EXPECT_FAILS_WITH(ktsnap_builder_add_region(b, 0x1000, nullptr, 8), KTSNAP_E_INVALID, "'data' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_add_region(b, UINT64_MAX - 4, bytes, 16), KTSNAP_E_INVALID, "wraps");
  EXPECT_FAILS_WITH(ktsnap_builder_set_stats_json(b, nullptr, 3), KTSNAP_E_INVALID, "'json' is NULL");
  EXPECT_OK(ktsnap_builder_set_stats_json(b, nullptr, 0));
  // Overlapping regions are caught when the report is assembled.
  ASSERT_OK(ktsnap_builder_add_region(b, 0x1000, bytes, 16));
  ASSERT_OK(ktsnap_builder_add_region(b, 0x1008, bytes, 16));
  ktsnap_report* r = reinterpret_cast<ktsnap_report*>(0x1);
  EXPECT_FAILS_WITH(ktsnap_builder_finish(&r, b), KTSNAP_E_INVALID, "overlap");
  EXPECT_EQ(r, nullptr);
}

TEST_F(capiBuilder, SpentAfterFinish) {
  ktsnap_builder* b = builder_.get();
  ktsnap_report* r = finish();
  ASSERT_NE(r, nullptr);
  ktsnap_report* again = nullptr;
  EXPECT_FAILS_WITH(ktsnap_builder_finish(&again, b), KTSNAP_E_INVALID, "spent");
  EXPECT_EQ(again, nullptr);
  int32_t idx;
  EXPECT_FAILS_WITH(ktsnap_builder_add_scheduler(&idx, b, "late", -1, false), KTSNAP_E_INVALID, "spent");
  EXPECT_FAILS_WITH(ktsnap_builder_add_region(b, 1, &idx, 4), KTSNAP_E_INVALID, "spent");
  EXPECT_FAILS_WITH(ktsnap_builder_set_stats_json(b, "{}", 2), KTSNAP_E_INVALID, "spent");
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  EXPECT_FAILS_WITH(ktsnap_builder_set_metadata(b, &md), KTSNAP_E_INVALID, "spent");
  EXPECT_FAILS_WITH(ktsnap_builder_add_excluded(b, "x", 1, 1, "r"), KTSNAP_E_INVALID, "spent");
}

TEST_F(capiBuilder, OptsSizeRules) {
  ktsnap_builder* b = nullptr;
  ktsnap_builder_opts o = KTSNAP_BUILDER_OPTS_INIT;
  ASSERT_OK(ktsnap_builder_new(&b, &o));
  ktsnap_builder_free(b);
  o.sz = 0;
  EXPECT_FAILS_WITH(ktsnap_builder_new(&b, &o), KTSNAP_E_INVALID, "ktsnap_builder_opts: sz 0 too small");
  EXPECT_EQ(b, nullptr);
  struct {
    ktsnap_builder_opts o;
    uint64_t newer;
  } big{};
  big.o.sz = sizeof big;
  ASSERT_OK(ktsnap_builder_new(&b, &big.o));
  ktsnap_builder_free(b);
  big.newer = 1;
  EXPECT_FAILS_WITH(ktsnap_builder_new(&b, &big.o), KTSNAP_E_INVALID, "non-zero byte at offset 8");
}

TEST_F(capiBuilder, AbandonedBuilderIsFreed) {
  // Freed half-way through, never finished: nothing leaks (ASan/LSan check).
  add_fixture_btf();
  ASSERT_OK(copy_map("kt_tasks"));
  builder_.reset();
  SUCCEED();
}

TEST_F(capiBuilder, AbsentPercpuSlots) {
  add_fixture_btf();
  const ktsnap_map* src = map("kt_cpu_stats");
  Blobs bl = blobs_of(src);
  ktsnap_map_desc d = desc_of(src);
  // 4 entries x 4 CPUs = 16 bits: entry 1 cpu 2 (bit 6) and entry 3 cpu 3
  // (bit 15) could not be read.
  const uint8_t absent[2] = {uint8_t(1u << 6), uint8_t(1u << 7)};
  d.percpu_absent = absent;
  d.percpu_absent_size = sizeof absent;
  int32_t idx = -1;
  ASSERT_OK(ktsnap_builder_add_map(&idx, builder_.get(), &d, bl.keys.data(), bl.keys.size(), bl.values.data(),
                                   bl.values.size()));
  ktsnap_report* r = finish();
  ASSERT_NE(r, nullptr);
  const ktsnap_map* m = ktsnap_report_map_at(r, size_t(idx));
  for (uint32_t e = 0; e < 4; e++)
    for (uint32_t c = 0; c < kNrCpus; c++) {
      bool gone = (e == 1 && c == 2) || (e == 3 && c == 3);
      EXPECT_EQ(ktsnap_map_slot_present(m, e, c), !gone) << e << "/" << c;
      ktsnap_value v;
      if (gone) {
        EXPECT_FAILS_WITH(ktsnap_map_percpu_value(&v, m, e, c), KTSNAP_E_NOTFOUND, "could not be read");
      } else {
        ASSERT_OK(ktsnap_map_percpu_value(&v, m, e, c));
        EXPECT_EQ(u64(v, "nr_dispatched"), uint64_t(e) * 100 + c);
      }
    }
  EXPECT_FALSE(ktsnap_map_slot_present(m, 4, 0));
  EXPECT_TRUE(contains(last_error(), "entry 4")) << last_error();
  EXPECT_FALSE(ktsnap_map_slot_present(m, 0, kNrCpus));
  EXPECT_TRUE(contains(last_error(), "cpu 4 out of range")) << last_error();
}

TEST_F(capiBuilder, AbsentBitmapMustFit) {
  add_fixture_btf();
  const ktsnap_map* src = map("kt_cpu_stats");
  Blobs bl = blobs_of(src);
  ktsnap_map_desc d = desc_of(src);
  const uint8_t absent[3] = {1, 0, 0};
  int32_t idx = -1;
  d.percpu_absent = absent;
  d.percpu_absent_size = sizeof absent;  // 16 bits need 2 bytes, not 3
  EXPECT_FAILS_WITH(ktsnap_builder_add_map(&idx, builder_.get(), &d, bl.keys.data(), bl.keys.size(), bl.values.data(),
                                           bl.values.size()),
                    KTSNAP_E_INVALID, "absent-slot bitmap");
  d.percpu_absent = nullptr;
  d.percpu_absent_size = 2;
  EXPECT_FAILS_WITH(ktsnap_builder_add_map(&idx, builder_.get(), &d, bl.keys.data(), bl.keys.size(), bl.values.data(),
                                           bl.values.size()),
                    KTSNAP_E_INVALID, "percpu_absent is NULL");
  // A plain map has no slots to be absent.
  ktsnap_map_desc a = desc_of(map("kt_array"));
  Blobs ab = blobs_of(map("kt_array"));
  a.percpu_absent = absent;
  a.percpu_absent_size = 1;
  EXPECT_FAILS_WITH(ktsnap_builder_add_map(&idx, builder_.get(), &a, ab.keys.data(), ab.keys.size(), ab.values.data(),
                                           ab.values.size()),
                    KTSNAP_E_INVALID, "not a per-CPU map");
}
