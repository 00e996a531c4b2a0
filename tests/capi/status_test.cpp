// Status numbers and texts, the per-thread last error, version, features,
// memory, and the options-struct initialisers.
#include <climits>
#include <set>
#include <thread>

#include "capi_test.hpp"

using namespace capi_test;

namespace {

const ktsnap_status kAllCodes[] = {
    KTSNAP_OK,         KTSNAP_E_INVALID, KTSNAP_E_NOMEM,  KTSNAP_E_NOTFOUND, KTSNAP_E_AGAIN,
    KTSNAP_E_TIMEOUT,  KTSNAP_E_VERSION, KTSNAP_E_UNSUPPORTED, KTSNAP_E_IO,  KTSNAP_E_INTERNAL,
    KTSNAP_E_FORMAT,   KTSNAP_E_TYPE,    KTSNAP_E_RANGE,  KTSNAP_E_PERM,     KTSNAP_E_BUSY,
    KTSNAP_E_REMOTE,
};

// A call that fails for a known reason, to put something in the last error.
ktsnap_status make_failure() { return ktsnap_report_open_file(nullptr, "x", nullptr); }

}  // namespace

TEST(capiStatus, NumbersArePinned) {
  // The numbers are the ABI: the same as ktsnap::Code, never renumbered.
  const int32_t expect[] = {0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15};
  for (size_t i = 0; i < std::size(kAllCodes); i++) EXPECT_EQ(kAllCodes[i], expect[i]) << i;
}

TEST(capiStatus, EveryCodeHasItsOwnText) {
  std::set<std::string> seen;
  const std::string unknown = ktsnap_status_str(-1000);
  for (ktsnap_status st : kAllCodes) {
    const char* s = ktsnap_status_str(st);
    ASSERT_NE(s, nullptr) << st;
    EXPECT_GT(std::strlen(s), 3u) << st;
    EXPECT_NE(s, unknown) << st << " falls back to the generic text";
    EXPECT_TRUE(seen.insert(s).second) << st << " shares its text: " << s;
  }
  EXPECT_STREQ(ktsnap_status_str(KTSNAP_OK), "success");
  EXPECT_STREQ(ktsnap_status_str(KTSNAP_E_NOTFOUND), "not found");
  EXPECT_STREQ(ktsnap_status_str(KTSNAP_E_IO), "input/output error");
}

TEST(capiStatus, UnknownCodesGetAGenericText) {
  for (ktsnap_status st : {-16, -100, -1000, INT32_MIN}) {
    const char* s = ktsnap_status_str(st);
    ASSERT_NE(s, nullptr);
    EXPECT_STREQ(s, "unknown error") << st;
  }
  for (ktsnap_status st : {1, 42, INT32_MAX}) EXPECT_STREQ(ktsnap_status_str(st), "unknown status") << st;
}

TEST(capiStatus, StatusTextIsStatic) {
  // Same pointer every time: a static string, nothing to free.
  EXPECT_EQ(ktsnap_status_str(KTSNAP_E_RANGE), ktsnap_status_str(KTSNAP_E_RANGE));
}

TEST(capiLastError, NeverNullAndEmptyOnAFreshThread) {
  std::string seen = "unset";
  bool was_null = true;
  int32_t err = -1;
  std::thread t([&] {
    const char* e = ktsnap_last_error();
    was_null = e == nullptr;
    if (e) seen = e;
    err = ktsnap_last_errno();
  });
  t.join();
  EXPECT_FALSE(was_null);
  EXPECT_EQ(seen, "");
  EXPECT_EQ(err, 0);
}

TEST(capiLastError, SetOnFailureClearedOnSuccess) {
  EXPECT_EQ(make_failure(), KTSNAP_E_INVALID);
  EXPECT_TRUE(contains(last_error(), "ktsnap_report_open_file"));
  EXPECT_TRUE(contains(last_error(), "'out' is NULL"));

  ktsnap_open_opts o;
  EXPECT_EQ(ktsnap_open_opts_init(&o, sizeof o), KTSNAP_OK);
  ASSERT_NE(ktsnap_last_error(), nullptr);
  EXPECT_STREQ(ktsnap_last_error(), "");
  EXPECT_EQ(ktsnap_last_errno(), 0);
}

TEST(capiLastError, ClearedByAFailingThenSucceedingGetter) {
  ktsnap_report* r = nullptr;
  ASSERT_OK(ktsnap_report_open_file(&r, fixture_path(), nullptr));
  ReportPtr rp(r);
  EXPECT_EQ(ktsnap_report_map_at(r, 1000), nullptr);
  EXPECT_TRUE(contains(last_error(), "out of range")) << last_error();
  EXPECT_NE(ktsnap_report_map_at(r, 0), nullptr);
  EXPECT_STREQ(ktsnap_last_error(), "");
}

TEST(capiLastError, PureFunctionsLeaveItAlone) {
  ASSERT_EQ(make_failure(), KTSNAP_E_INVALID);
  std::string before = last_error();
  ASSERT_FALSE(before.empty());
  (void)ktsnap_status_str(KTSNAP_E_IO);
  (void)ktsnap_version();
  (void)ktsnap_version_string();
  (void)ktsnap_features();
  (void)ktsnap_value_kind_name(KTSNAP_KIND_STRUCT);
  (void)ktsnap_last_errno();
  ktsnap_free(nullptr);
  ktsnap_report_free(nullptr);
  ktsnap_builder_free(nullptr);
  EXPECT_EQ(last_error(), before);
}

TEST(capiLastError, IsPerThread) {
  ASSERT_EQ(make_failure(), KTSNAP_E_INVALID);
  std::string other = "unset";
  std::thread t([&] {
    other = ktsnap_last_error();
    // A failure here must not leak into the main thread.
    ktsnap_report_map_count(nullptr);
  });
  t.join();
  EXPECT_EQ(other, "");
  EXPECT_TRUE(contains(last_error(), "ktsnap_report_open_file")) << last_error();
}

TEST(capiLastError, ErrnoKeptApartFromStatus) {
  ktsnap_report* r = nullptr;
  EXPECT_EQ(ktsnap_report_open_file(&r, "/nonexistent/ktsnap-capi-test.ktsnap", nullptr), KTSNAP_E_IO);
  EXPECT_EQ(ktsnap_last_errno(), ENOENT);
  EXPECT_EQ(r, nullptr);
  // The next call that fails without a system error resets it to 0.
  EXPECT_EQ(make_failure(), KTSNAP_E_INVALID);
  EXPECT_EQ(ktsnap_last_errno(), 0);
}

TEST(capiVersion, MatchesTheHeader) {
  EXPECT_EQ(ktsnap_version(), uint32_t(KTSNAP_VERSION_MAJOR * 10000 + KTSNAP_VERSION_MINOR * 100 + KTSNAP_VERSION_PATCH));
  EXPECT_EQ(ktsnap_version(), uint32_t(KTSNAP_VERSION_NUMBER));
  EXPECT_EQ(ktsnap_version(), 10000u);
  std::string want = std::to_string(KTSNAP_VERSION_MAJOR) + "." + std::to_string(KTSNAP_VERSION_MINOR) + "." +
                     std::to_string(KTSNAP_VERSION_PATCH);
  EXPECT_EQ(std::string(ktsnap_version_string()), want);
}

TEST(capiVersion, FeaturesOfThisBuild) {
  uint64_t f = ktsnap_features();
  EXPECT_TRUE(f & KTSNAP_FEATURE_BTF);
  EXPECT_TRUE(f & KTSNAP_FEATURE_JSON);
  EXPECT_TRUE(f & KTSNAP_FEATURE_TEXT);
  EXPECT_TRUE(f & KTSNAP_FEATURE_BUILDER);
  EXPECT_TRUE(f & KTSNAP_FEATURE_QUERY);
  EXPECT_TRUE(f & KTSNAP_FEATURE_CAPTURE);
  EXPECT_TRUE(f & KTSNAP_FEATURE_RING);
  EXPECT_TRUE(f & KTSNAP_FEATURE_WIRE);
}

TEST(capiMemory, FreeAcceptsNull) {
  ktsnap_free(nullptr);
  ktsnap_report_free(nullptr);
  ktsnap_builder_free(nullptr);
  SUCCEED();
}

// ---- options initialisers: macro == function, byte for byte ----------

template <typename T, typename Init>
void expect_init_matches_macro(const T& from_macro, Init init, const char* name) {
  T by_fn;
  std::memset(&by_fn, 0xa5, sizeof by_fn);  // garbage that init must overwrite
  ASSERT_EQ(init(&by_fn, sizeof by_fn), KTSNAP_OK) << name << ": " << ktsnap_last_error();
  EXPECT_EQ(std::memcmp(&by_fn, &from_macro, sizeof(T)), 0) << name << ": _INIT and _init differ";
  EXPECT_EQ(by_fn.sz, sizeof(T)) << name;
}

TEST(capiOpts, InitMacroEqualsInitFunction) {
  // Padding-free structs, so a byte comparison is meaningful; the
  // `reserved` arrays make every byte a named field.
  ktsnap_open_opts open_m = KTSNAP_OPEN_OPTS_INIT;
  ktsnap_render_opts render_m = KTSNAP_RENDER_OPTS_INIT;
  ktsnap_builder_opts builder_m = KTSNAP_BUILDER_OPTS_INIT;
  ktsnap_map_desc desc_m = KTSNAP_MAP_DESC_INIT;
  ktsnap_metadata md_m = KTSNAP_METADATA_INIT;
  expect_init_matches_macro(open_m, ktsnap_open_opts_init, "ktsnap_open_opts");
  expect_init_matches_macro(render_m, ktsnap_render_opts_init, "ktsnap_render_opts");
  expect_init_matches_macro(builder_m, ktsnap_builder_opts_init, "ktsnap_builder_opts");
  expect_init_matches_macro(desc_m, ktsnap_map_desc_init, "ktsnap_map_desc");
  expect_init_matches_macro(md_m, ktsnap_metadata_init, "ktsnap_metadata");
  EXPECT_EQ(desc_m.scheduler_index, -1);
  EXPECT_EQ(desc_m.btf_index, -1);
  EXPECT_EQ(render_m.format, KTSNAP_FORMAT_JSON);
}

TEST(capiOpts, SizesMatchTheirVersionMacros) {
  EXPECT_EQ(sizeof(ktsnap_open_opts), size_t(KTSNAP_OPEN_OPTS_SIZE_V1));
  EXPECT_EQ(sizeof(ktsnap_render_opts), size_t(KTSNAP_RENDER_OPTS_SIZE_V1));
  EXPECT_EQ(sizeof(ktsnap_builder_opts), size_t(KTSNAP_BUILDER_OPTS_SIZE_V1));
  EXPECT_EQ(sizeof(ktsnap_map_desc), size_t(KTSNAP_MAP_DESC_SIZE_V1));
  EXPECT_EQ(sizeof(ktsnap_metadata), size_t(KTSNAP_METADATA_SIZE_V1));
  EXPECT_EQ(sizeof(ktsnap_value), 32u);
}

TEST(capiOpts, InitRejectsNullAndTinySizes) {
  EXPECT_FAILS_WITH(ktsnap_open_opts_init(nullptr, sizeof(ktsnap_open_opts)), KTSNAP_E_INVALID, "'opts' is NULL");
  ktsnap_open_opts o;
  EXPECT_FAILS_WITH(ktsnap_open_opts_init(&o, 0), KTSNAP_E_INVALID, "sz 0 too small");
  EXPECT_FAILS_WITH(ktsnap_open_opts_init(&o, 4), KTSNAP_E_INVALID, "sz 4 too small");
  ktsnap_render_opts ro;
  EXPECT_FAILS_WITH(ktsnap_render_opts_init(&ro, 7), KTSNAP_E_INVALID, "too small");
  ktsnap_map_desc d;
  EXPECT_FAILS_WITH(ktsnap_map_desc_init(&d, 1), KTSNAP_E_INVALID, "too small");
  ktsnap_metadata md;
  EXPECT_FAILS_WITH(ktsnap_metadata_init(&md, 3), KTSNAP_E_INVALID, "too small");
  ktsnap_builder_opts bo;
  EXPECT_FAILS_WITH(ktsnap_builder_opts_init(&bo, 0), KTSNAP_E_INVALID, "too small");
}

TEST(capiOpts, InitWithALargerSizeZeroesExactlyThatMuch) {
  // A caller built against a newer header passes its larger sz: init zeroes
  // its whole struct and records its size; nothing past sz is touched.
  unsigned char buf[64];
  std::memset(buf, 0xee, sizeof buf);
  ASSERT_OK(ktsnap_open_opts_init(reinterpret_cast<ktsnap_open_opts*>(buf), 24));
  size_t sz = 0;
  std::memcpy(&sz, buf, sizeof sz);
  EXPECT_EQ(sz, 24u);
  for (size_t i = sizeof sz; i < 24; i++) EXPECT_EQ(buf[i], 0) << i;
  for (size_t i = 24; i < sizeof buf; i++) EXPECT_EQ(buf[i], 0xee) << i;
  // ... and the library accepts that struct (its tail is zero).
  ktsnap_report* r = nullptr;
  EXPECT_OK(ktsnap_report_open_file(&r, fixture_path(), reinterpret_cast<ktsnap_open_opts*>(buf)));
  ktsnap_report_free(r);
}

TEST(capiOpts, MapDescInitSetsIndexesOnlyInsideSz) {
  // An older, shorter desc: the -1 defaults are written only where they fit.
  unsigned char buf[sizeof(ktsnap_map_desc)];
  std::memset(buf, 0x77, sizeof buf);
  size_t small = offsetof(ktsnap_map_desc, scheduler_index) + sizeof(int32_t);
  ASSERT_OK(ktsnap_map_desc_init(reinterpret_cast<ktsnap_map_desc*>(buf), small));
  int32_t sched = 0;
  std::memcpy(&sched, buf + offsetof(ktsnap_map_desc, scheduler_index), sizeof sched);
  EXPECT_EQ(sched, -1);
  for (size_t i = small; i < sizeof buf; i++) EXPECT_EQ(buf[i], 0x77) << i;
}
