// NULL handles and NULL outputs on every function of ktsnap.h: a status
// (or a documented sentinel) and a message naming the argument, never a
// crash. Outputs that are present are cleared on failure.
#include "capi_test.hpp"

using namespace capi_test;

namespace {

// Expects a getter that received a NULL handle to have recorded
// KTSNAP_E_INVALID's message naming the argument.
#define EXPECT_NULL_NOTED(call, arg)                                                          \
  do {                                                                                        \
    (void)(call);                                                                             \
    EXPECT_TRUE(contains(last_error(), "'" arg "' is NULL")) << #call << ": " << last_error(); \
  } while (0)

}  // namespace

class capiNull : public Fixture {
 protected:
  void SetUp() override {
    Fixture::SetUp();
    m_ = map("kt_tasks");
    ASSERT_NE(m_, nullptr);
    ASSERT_OK(ktsnap_map_value(&v_, m_, 1));
    ktsnap_builder* b = nullptr;
    ASSERT_OK(ktsnap_builder_new(&b, nullptr));
    b_.reset(b);
  }
  const ktsnap_map* m_ = nullptr;
  ktsnap_value v_{};
  BuilderPtr b_;
};

TEST_F(capiNull, ReportOpenAndSave) {
  ktsnap_report* r = nullptr;
  uint8_t byte = 0;
  EXPECT_FAILS_WITH(ktsnap_report_open_file(nullptr, fixture_path(), nullptr), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_report_open_file(&r, nullptr, nullptr), KTSNAP_E_INVALID, "'path' is NULL");
  EXPECT_FAILS_WITH(ktsnap_report_open_memory(nullptr, &byte, 1, nullptr), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_report_save(nullptr, "/tmp/x"), KTSNAP_E_INVALID, "'report' is NULL");
  EXPECT_FAILS_WITH(ktsnap_report_save(report_.get(), nullptr), KTSNAP_E_INVALID, "'path' is NULL");
  EXPECT_EQ(r, nullptr);
}

TEST_F(capiNull, ReportGetters) {
  size_t n = 7;
  EXPECT_EQ(ktsnap_report_bytes(nullptr, &n), nullptr);
  EXPECT_EQ(n, 0u);
  EXPECT_NULL_NOTED(ktsnap_report_bytes(nullptr, nullptr), "report");
  EXPECT_EQ(ktsnap_report_format_version(nullptr), 0u);
  EXPECT_EQ(ktsnap_report_tag(nullptr), nullptr);
  EXPECT_NULL_NOTED(ktsnap_report_tag(nullptr), "report");
  EXPECT_EQ(ktsnap_report_trigger(nullptr), 0u);
  EXPECT_EQ(ktsnap_report_wall_time_ns(nullptr), 0u);
  EXPECT_EQ(ktsnap_report_monotonic_ns(nullptr), 0u);
  EXPECT_EQ(ktsnap_report_elapsed_ms(nullptr), 0u);
  EXPECT_FALSE(ktsnap_report_has_step_index(nullptr));
  EXPECT_EQ(ktsnap_report_step_index(nullptr), 0u);
  EXPECT_FALSE(ktsnap_report_is_placeholder(nullptr));
  EXPECT_EQ(ktsnap_report_placeholder_reason(nullptr), nullptr);
  n = 7;
  EXPECT_EQ(ktsnap_report_stats_json(nullptr, &n), nullptr);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(ktsnap_report_scheduler_count(nullptr), 0u);
  EXPECT_EQ(ktsnap_report_scheduler_name(nullptr, 0), nullptr);
  EXPECT_NULL_NOTED(ktsnap_report_scheduler_name(nullptr, 0), "report");
  EXPECT_EQ(ktsnap_report_scheduler_btf_index(nullptr, 0), -1);
  EXPECT_FALSE(ktsnap_report_scheduler_active(nullptr, 0));
  EXPECT_EQ(ktsnap_report_btf_count(nullptr), 0u);
  n = 7;
  EXPECT_EQ(ktsnap_report_btf_data(nullptr, 0, &n), nullptr);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(ktsnap_report_excluded_count(nullptr), 0u);
  EXPECT_EQ(ktsnap_report_excluded_name(nullptr, 0), nullptr);
  EXPECT_EQ(ktsnap_report_excluded_map_id(nullptr, 0), 0u);
  EXPECT_EQ(ktsnap_report_excluded_map_type(nullptr, 0), 0u);
  EXPECT_EQ(ktsnap_report_excluded_reason(nullptr, 0), nullptr);
  EXPECT_NULL_NOTED(ktsnap_report_excluded_reason(nullptr, 0), "report");
  EXPECT_EQ(ktsnap_report_region_count(nullptr), 0u);
  EXPECT_NULL_NOTED(ktsnap_report_region_count(nullptr), "report");
  EXPECT_EQ(ktsnap_report_map_count(nullptr), 0u);
  EXPECT_NULL_NOTED(ktsnap_report_map_count(nullptr), "report");
  EXPECT_EQ(ktsnap_report_map_at(nullptr, 0), nullptr);
  EXPECT_NULL_NOTED(ktsnap_report_map_at(nullptr, 0), "report");
}

TEST_F(capiNull, ReportRegion) {
  uint64_t a = 1;
  const void* d = &a;
  size_t s = 1;
  EXPECT_FAILS_WITH(ktsnap_report_region(nullptr, &d, &s, report_.get(), 0), KTSNAP_E_INVALID, "'address_out'");
  EXPECT_FAILS_WITH(ktsnap_report_region(&a, nullptr, &s, report_.get(), 0), KTSNAP_E_INVALID, "'data_out'");
  EXPECT_FAILS_WITH(ktsnap_report_region(&a, &d, nullptr, report_.get(), 0), KTSNAP_E_INVALID, "'size_out'");
  EXPECT_FAILS_WITH(ktsnap_report_region(&a, &d, &s, nullptr, 0), KTSNAP_E_INVALID, "'report' is NULL");
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(d, nullptr);
  EXPECT_EQ(s, 0u);
}

TEST_F(capiNull, MapLookup) {
  const ktsnap_map* m = m_;
  EXPECT_FAILS_WITH(ktsnap_report_map_by_name(nullptr, report_.get(), "kt_tasks"), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_report_map_by_name(&m, nullptr, "kt_tasks"), KTSNAP_E_INVALID, "'report' is NULL");
  EXPECT_EQ(m, nullptr);
  m = m_;
  EXPECT_FAILS_WITH(ktsnap_report_map_by_name(&m, report_.get(), nullptr), KTSNAP_E_INVALID, "'name' is NULL");
  EXPECT_EQ(m, nullptr);
}

TEST_F(capiNull, MapGetters) {
  EXPECT_EQ(ktsnap_map_name(nullptr), nullptr);
  EXPECT_NULL_NOTED(ktsnap_map_name(nullptr), "map");
  EXPECT_EQ(ktsnap_map_index(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_type(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_type_name(nullptr), nullptr);
  EXPECT_FALSE(ktsnap_map_is_percpu(nullptr));
  EXPECT_EQ(ktsnap_map_key_size(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_value_size(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_max_entries(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_nr_cpus(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_flags(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_bpf_flags(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_error(nullptr), nullptr);
  EXPECT_NULL_NOTED(ktsnap_map_error(nullptr), "map");
  EXPECT_EQ(ktsnap_map_id(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_kva(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_scheduler_index(nullptr), -1);
  EXPECT_EQ(ktsnap_map_btf_index(nullptr), -1);
  EXPECT_EQ(ktsnap_map_key_type_id(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_value_type_id(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_vmlinux_value_type_id(nullptr), 0u);
  EXPECT_EQ(ktsnap_map_key_type_name(nullptr), nullptr);
  EXPECT_EQ(ktsnap_map_value_type_name(nullptr), nullptr);
  EXPECT_EQ(ktsnap_map_entry_count(nullptr), 0u);
  EXPECT_NULL_NOTED(ktsnap_map_entry_count(nullptr), "map");
  EXPECT_FALSE(ktsnap_map_slot_present(nullptr, 0, 0));
  EXPECT_NULL_NOTED(ktsnap_map_slot_present(nullptr, 0, 0), "map");
}

TEST_F(capiNull, MapCursors) {
  ktsnap_value v = v_;
  EXPECT_FAILS_WITH(ktsnap_map_key(nullptr, m_, 0), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_map_key(&v, nullptr, 0), KTSNAP_E_INVALID, "'map' is NULL");
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_INVALID);
  EXPECT_FAILS_WITH(ktsnap_map_value(nullptr, m_, 0), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_map_value(&v, nullptr, 0), KTSNAP_E_INVALID, "'map' is NULL");
  EXPECT_FAILS_WITH(ktsnap_map_percpu_value(nullptr, m_, 0, 0), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_map_percpu_value(&v, nullptr, 0, 0), KTSNAP_E_INVALID, "'map' is NULL");
}

TEST_F(capiNull, ValueNavigation) {
  ktsnap_value out = v_;
  EXPECT_EQ(ktsnap_value_kind(nullptr), KTSNAP_KIND_INVALID);
  EXPECT_FAILS_WITH(ktsnap_value_member(nullptr, &v_, "tid"), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_member(&out, nullptr, "tid"), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(ktsnap_value_kind(&out), KTSNAP_KIND_INVALID);
  out = v_;
  EXPECT_FAILS_WITH(ktsnap_value_member(&out, &v_, nullptr), KTSNAP_E_INVALID, "'name' is NULL");
  EXPECT_EQ(ktsnap_value_kind(&out), KTSNAP_KIND_INVALID);
  EXPECT_FAILS_WITH(ktsnap_value_index(nullptr, &v_, 0), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_index(&out, nullptr, 0), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_deref(nullptr, &v_), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_deref(&out, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_get(nullptr, &v_, "tid"), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_get(&out, nullptr, "tid"), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_get(&out, &v_, nullptr), KTSNAP_E_INVALID, "'path' is NULL");
}

TEST_F(capiNull, ValueInfo) {
  char buf[8];
  size_t len = 3;
  char* s = reinterpret_cast<char*>(0x1);
  EXPECT_FAILS_WITH(ktsnap_value_type_name(buf, sizeof buf, nullptr, &v_), KTSNAP_E_INVALID, "'len_out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_type_name(buf, sizeof buf, &len, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(len, 0u);
  EXPECT_FAILS_WITH(ktsnap_value_type_name_dup(nullptr, &v_), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_type_name_dup(&s, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(ktsnap_value_size(nullptr), 0u);
  EXPECT_NULL_NOTED(ktsnap_value_size(nullptr), "value");
  EXPECT_FALSE(ktsnap_value_is_truncated(nullptr));
  EXPECT_NULL_NOTED(ktsnap_value_is_truncated(nullptr), "value");
  uint64_t n64 = 5;
  size_t n = 5;
  const char* name = "x";
  EXPECT_FAILS_WITH(ktsnap_value_length(nullptr, &v_), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_length(&n64, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(n64, 0u);
  EXPECT_FAILS_WITH(ktsnap_value_member_count(nullptr, &v_), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_member_count(&n, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(n, 0u);
  EXPECT_FAILS_WITH(ktsnap_value_member_name(nullptr, &n, &v_, 0), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_member_name(&name, &n, nullptr, 0), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(name, nullptr);
  const void* p = &n;
  EXPECT_FAILS_WITH(ktsnap_value_bytes(nullptr, &n, &v_), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_bytes(&p, nullptr, &v_), KTSNAP_E_INVALID, "'len_out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_bytes(&p, &n, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(p, nullptr);
}

TEST_F(capiNull, ValueScalars) {
  ktsnap_value tid;
  ASSERT_OK(ktsnap_value_member(&tid, &v_, "tid"));
  uint64_t u = 1;
  int64_t i = 1;
  double d = 1;
  bool b = true;
  EXPECT_FAILS_WITH(ktsnap_value_u64(nullptr, &tid), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_u64(&u, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_i64(nullptr, &tid), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_i64(&i, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_f64(nullptr, &tid), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_f64(&d, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_bool(nullptr, &tid), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_bool(&b, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(u, 0u);
  EXPECT_EQ(i, 0);
  EXPECT_EQ(d, 0.0);
  EXPECT_FALSE(b);
}

TEST_F(capiNull, ValueStrings) {
  ktsnap_value comm;
  ASSERT_OK(ktsnap_value_member(&comm, &v_, "comm"));
  char buf[32];
  size_t len = 4;
  char* s = reinterpret_cast<char*>(0x1);
  const char* n = "x";
  EXPECT_FAILS_WITH(ktsnap_value_string(buf, sizeof buf, nullptr, &comm), KTSNAP_E_INVALID, "'len_out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_string(buf, sizeof buf, &len, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(len, 0u);
  EXPECT_FAILS_WITH(ktsnap_value_string_dup(nullptr, &len, &comm), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_string_dup(&s, &len, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(s, nullptr);
  EXPECT_FAILS_WITH(ktsnap_value_enum_name(nullptr, &comm), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_enum_name(&n, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(n, nullptr);
}

TEST_F(capiNull, ValueArrays) {
  ktsnap_value row;
  ASSERT_OK(ktsnap_value_get(&row, &v_, "hist[0]"));
  uint64_t u64s[3];
  uint32_t u32s[3];
  int64_t i64s[3];
  double f64s[3];
  bool bools[3];
  size_t n = 9;
  EXPECT_FAILS_WITH(ktsnap_value_u64_array(u64s, 3, nullptr, &row), KTSNAP_E_INVALID, "'count_out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_u64_array(u64s, 3, &n, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_EQ(n, 0u);
  EXPECT_FAILS_WITH(ktsnap_value_u32_array(u32s, 3, nullptr, &row), KTSNAP_E_INVALID, "'count_out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_u32_array(u32s, 3, &n, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_u32_array(nullptr, 3, &n, &row), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_i64_array(i64s, 3, nullptr, &row), KTSNAP_E_INVALID, "'count_out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_i64_array(i64s, 3, &n, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_i64_array(nullptr, 3, &n, &row), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_f64_array(f64s, 3, nullptr, &row), KTSNAP_E_INVALID, "'count_out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_f64_array(f64s, 3, &n, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_f64_array(nullptr, 3, &n, &row), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_bool_array(bools, 3, nullptr, &row), KTSNAP_E_INVALID, "'count_out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_bool_array(bools, 3, &n, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  EXPECT_FAILS_WITH(ktsnap_value_bool_array(nullptr, 3, &n, &row), KTSNAP_E_INVALID, "'out' is NULL");
}

TEST_F(capiNull, Render) {
  char* out = reinterpret_cast<char*>(0x1);
  size_t len = 3;
  EXPECT_FAILS_WITH(ktsnap_render_report(nullptr, &len, report_.get(), nullptr), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_render_report(&out, &len, nullptr, nullptr), KTSNAP_E_INVALID, "'report' is NULL");
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(len, 0u);
  EXPECT_FAILS_WITH(ktsnap_render_map(nullptr, &len, m_, nullptr), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_render_map(&out, &len, nullptr, nullptr), KTSNAP_E_INVALID, "'map' is NULL");
  EXPECT_FAILS_WITH(ktsnap_render_value(nullptr, &len, &v_, nullptr), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_render_value(&out, &len, nullptr, nullptr), KTSNAP_E_INVALID, "'value' is NULL");
  // len_out is optional.
  ASSERT_OK(ktsnap_render_value(&out, nullptr, &v_, nullptr));
  ktsnap_free(out);
}

TEST_F(capiNull, OptsInit) {
  EXPECT_FAILS_WITH(ktsnap_open_opts_init(nullptr, 16), KTSNAP_E_INVALID, "'opts' is NULL");
  EXPECT_FAILS_WITH(ktsnap_render_opts_init(nullptr, 24), KTSNAP_E_INVALID, "'opts' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_opts_init(nullptr, 8), KTSNAP_E_INVALID, "'opts' is NULL");
  EXPECT_FAILS_WITH(ktsnap_map_desc_init(nullptr, 88), KTSNAP_E_INVALID, "'opts' is NULL");
  EXPECT_FAILS_WITH(ktsnap_metadata_init(nullptr, 64), KTSNAP_E_INVALID, "'opts' is NULL");
}

TEST_F(capiNull, Builder) {
  ktsnap_builder* b = b_.get();
  int32_t idx = 3;
  uint8_t bytes[8] = {};
  ktsnap_map_desc d = KTSNAP_MAP_DESC_INIT;
  d.name = "m";
  d.map_type = 1;
  d.key_size = 4;
  d.value_size = 4;
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  ktsnap_report* r = reinterpret_cast<ktsnap_report*>(0x1);
  EXPECT_FAILS_WITH(ktsnap_builder_new(nullptr, nullptr), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_add_btf(nullptr, b, bytes, 8, -1), KTSNAP_E_INVALID, "'index_out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_add_btf(&idx, nullptr, bytes, 8, -1), KTSNAP_E_INVALID, "'builder' is NULL");
  EXPECT_EQ(idx, -1);
  EXPECT_FAILS_WITH(ktsnap_builder_add_scheduler(nullptr, b, "s", -1, true), KTSNAP_E_INVALID, "'index_out'");
  EXPECT_FAILS_WITH(ktsnap_builder_add_scheduler(&idx, nullptr, "s", -1, true), KTSNAP_E_INVALID, "'builder'");
  EXPECT_FAILS_WITH(ktsnap_builder_add_map(nullptr, b, &d, bytes, 4, bytes, 4), KTSNAP_E_INVALID, "'index_out'");
  EXPECT_FAILS_WITH(ktsnap_builder_add_map(&idx, nullptr, &d, bytes, 4, bytes, 4), KTSNAP_E_INVALID, "'builder'");
  EXPECT_FAILS_WITH(ktsnap_builder_add_map(&idx, b, nullptr, bytes, 4, bytes, 4), KTSNAP_E_INVALID, "'desc' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_add_excluded(nullptr, "x", 1, 1, "r"), KTSNAP_E_INVALID, "'builder' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_add_excluded(b, nullptr, 1, 1, "r"), KTSNAP_E_INVALID, "'name' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_add_excluded(b, "x", 1, 1, nullptr), KTSNAP_E_INVALID, "'reason' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_add_region(nullptr, 0x1000, bytes, 8), KTSNAP_E_INVALID, "'builder' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_set_stats_json(nullptr, "{}", 2), KTSNAP_E_INVALID, "'builder' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_set_metadata(nullptr, &md), KTSNAP_E_INVALID, "'builder' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_finish(nullptr, b), KTSNAP_E_INVALID, "'out' is NULL");
  EXPECT_FAILS_WITH(ktsnap_builder_finish(&r, nullptr), KTSNAP_E_INVALID, "'builder' is NULL");
  EXPECT_EQ(r, nullptr);
  // None of that spent or damaged the builder.
  ASSERT_OK(ktsnap_builder_add_map(&idx, b, &d, bytes, 4, bytes, 4));
  ASSERT_OK(ktsnap_builder_finish(&r, b));
  EXPECT_EQ(ktsnap_report_map_count(r), 1u);
  ktsnap_report_free(r);
}
