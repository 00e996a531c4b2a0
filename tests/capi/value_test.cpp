// The by-value ktsnap_value cursor over the fixture's kt_tasks values and
// global sections: kinds, navigation, every scalar and array accessor, and
// the failures (conversion, range, typos, foreign cursors).
#include <cmath>
#include <type_traits>

#include "capi_test.hpp"

using namespace capi_test;

class capiValue : public Fixture {
 protected:
  ktsnap_value task(uint32_t i) { return value("kt_tasks", i); }
};

TEST_F(capiValue, CursorIsSmallAndPlain) {
  static_assert(sizeof(ktsnap_value) == 32);
  static_assert(std::is_trivially_copyable_v<ktsnap_value>);
  ktsnap_value v = task(0);
  ktsnap_value copy;
  std::memcpy(&copy, &v, sizeof v);  // a C caller copies it like any struct
  EXPECT_EQ(ktsnap_value_kind(&copy), KTSNAP_KIND_STRUCT);
}

TEST_F(capiValue, KindsOfTheTaskStruct) {
  ktsnap_value v = task(1);
  struct {
    const char* path;
    uint32_t kind;
  } cases[] = {
      {"", KTSNAP_KIND_STRUCT},         {"runtime_ns", KTSNAP_KIND_UINT}, {"tid", KTSNAP_KIND_INT},
      {"state", KTSNAP_KIND_ENUM},      {"weight", KTSNAP_KIND_UINT},     {"lo16", KTSNAP_KIND_UINT},
      {"inner", KTSNAP_KIND_STRUCT},    {"bits.lo", KTSNAP_KIND_UINT},    {"bits.sv", KTSNAP_KIND_INT},
      {"comm", KTSNAP_KIND_ARRAY},      {"hist", KTSNAP_KIND_ARRAY},      {"hist[1]", KTSNAP_KIND_ARRAY},
      {"inner_ptr", KTSNAP_KIND_PTR},   {"opaque", KTSNAP_KIND_PTR},      {"on_cpu", KTSNAP_KIND_BOOL},
      {"load", KTSNAP_KIND_FLOAT},      {"avg", KTSNAP_KIND_FLOAT},       {"cv_val", KTSNAP_KIND_UINT},
      {"e8", KTSNAP_KIND_ENUM},         {"e16", KTSNAP_KIND_ENUM},        {"e64", KTSNAP_KIND_ENUM},
  };
  for (auto& c : cases) {
    ktsnap_value f = at(v, c.path);
    EXPECT_EQ(ktsnap_value_kind(&f), c.kind) << c.path << " is " << ktsnap_value_kind_name(ktsnap_value_kind(&f));
  }
}

TEST_F(capiValue, KindNames) {
  EXPECT_STREQ(ktsnap_value_kind_name(KTSNAP_KIND_INVALID), "invalid");
  EXPECT_STREQ(ktsnap_value_kind_name(KTSNAP_KIND_STRUCT), "struct");
  EXPECT_STREQ(ktsnap_value_kind_name(KTSNAP_KIND_UINT), "uint");
  EXPECT_STREQ(ktsnap_value_kind_name(KTSNAP_KIND_DATASEC), "datasec");
  EXPECT_STREQ(ktsnap_value_kind_name(KTSNAP_KIND_UNSUPPORTED), "unsupported");
  EXPECT_STREQ(ktsnap_value_kind_name(14), "unknown");
  EXPECT_STREQ(ktsnap_value_kind_name(UINT32_MAX), "unknown");
  for (uint32_t k = 0; k <= KTSNAP_KIND_UNSUPPORTED; k++) EXPECT_STRNE(ktsnap_value_kind_name(k), "unknown") << k;
}

TEST_F(capiValue, EveryTaskField) {
  for (uint32_t i = 0; i < kTaskEntries; i++) {
    SCOPED_TRACE("kt_tasks entry " + std::to_string(i));
    TaskExpect e = task_expect(i);
    ktsnap_value v = task(i);
    EXPECT_EQ(i64(v, "tid"), int64_t(e.tid));
    EXPECT_EQ(u64(v, "runtime_ns"), e.runtime_ns);
    EXPECT_EQ(u64(v, "state"), e.state);
    EXPECT_EQ(u64(v, "weight"), e.weight);           // anonymous struct member
    EXPECT_EQ(u64(v, "lo16"), e.lo16);               // anonymous union > anonymous struct
    EXPECT_EQ(u64(v, "hi16"), e.hi16);
    EXPECT_EQ(u64(v, "raw"), uint64_t(e.lo16) | (uint64_t(e.hi16) << 16));
    EXPECT_EQ(u64(v, "inner.a"), e.inner_a);
    EXPECT_EQ(i64(v, "inner.b"), e.inner_b);
    EXPECT_EQ(u64(v, "inner.c"), e.inner_c);
    EXPECT_EQ(u64(v, "bits.lo"), e.bits_lo);
    EXPECT_EQ(i64(v, "bits.sv"), e.bits_sv);
    EXPECT_EQ(u64(v, "bits.mid"), e.bits_mid);
    EXPECT_EQ(u64(v, "bits.wide"), e.bits_wide);
    EXPECT_EQ(i64(v, "bits.swide"), e.bits_swide);
    EXPECT_EQ(str(v, "comm"), e.comm);
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 3; b++) {
        std::string p = "hist[" + std::to_string(a) + "][" + std::to_string(b) + "]";
        EXPECT_EQ(u64(v, p.c_str()), e.hist[a][b]) << p;
      }
    EXPECT_EQ(u64(v, "inner_ptr"), e.inner_ptr);
    EXPECT_EQ(u64(v, "opaque"), 0xffffc90000000000ull + i);
    EXPECT_EQ(u64(v, "on_cpu"), uint64_t(e.on_cpu));
    ktsnap_value f = at(v, "on_cpu");
    bool b = !e.on_cpu;
    EXPECT_OK(ktsnap_value_bool(&b, &f));
    EXPECT_EQ(b, e.on_cpu);
    f = at(v, "load");
    double d = -1;
    EXPECT_OK(ktsnap_value_f64(&d, &f));
    EXPECT_EQ(d, double(e.load));
    f = at(v, "avg");
    EXPECT_OK(ktsnap_value_f64(&d, &f));
    EXPECT_EQ(d, e.avg);
    EXPECT_EQ(u64(v, "cv_val"), e.cv_val);           // typedef chain with const volatile
    // e8 is a 1-byte enum holding -1 for every third entry. Whether BTF
    // marks it signed depends on the compiler (clang >= 15 sets the enum
    // kflag); either way the bits and the variant name are the same.
    ktsnap_value e8 = at(v, "e8");
    const void* e8_bytes = nullptr;
    size_t e8_len = 0;
    ASSERT_OK(ktsnap_value_bytes(&e8_bytes, &e8_len, &e8));
    ASSERT_EQ(e8_len, 1u);
    EXPECT_EQ(*static_cast<const uint8_t*>(e8_bytes), uint8_t(e.e8));
    int64_t e8_val = i64(v, "e8");
    EXPECT_TRUE(e8_val == e.e8 || e8_val == uint8_t(e.e8)) << e8_val;
    EXPECT_EQ(str(v, "e8"), e.e8 < 0 ? "KT_E8_NEG" : e.e8 ? "KT_E8_ONE" : "KT_E8_ZERO");
    EXPECT_EQ(u64(v, "e16"), e.e16);
    EXPECT_EQ(u64(v, "e64"), e.e64);
    EXPECT_EQ(i64(v, "sc"), e.sc);
    EXPECT_EQ(u64(v, "uc"), e.uc);
  }
}

TEST_F(capiValue, ScalarWidening) {
  ktsnap_value v = task(5);
  ktsnap_value tid = at(v, "tid");
  uint64_t u = 0;
  double d = 0;
  bool b = false;
  EXPECT_OK(ktsnap_value_u64(&u, &tid));  // int >= 0 reads as u64
  EXPECT_EQ(u, 1005u);
  EXPECT_OK(ktsnap_value_f64(&d, &tid));
  EXPECT_EQ(d, 1005.0);
  EXPECT_OK(ktsnap_value_bool(&b, &tid));
  EXPECT_TRUE(b);
  ktsnap_value ptr = at(v, "opaque");
  EXPECT_OK(ktsnap_value_bool(&b, &ptr));
  EXPECT_TRUE(b);
  int64_t s = 0;
  ktsnap_value e = at(v, "state");  // 5 % 3 = 2
  EXPECT_OK(ktsnap_value_i64(&s, &e));
  EXPECT_EQ(s, 2);
  EXPECT_OK(ktsnap_value_f64(&d, &e));
  EXPECT_EQ(d, 2.0);
}

TEST_F(capiValue, NegativeToUnsignedFails) {
  ktsnap_value v = task(3);  // inner.b = -3, bits.sv = -13, sc = -3
  for (const char* path : {"inner.b", "bits.sv", "sc", "bits.swide"}) {
    ktsnap_value f = at(v, path);
    uint64_t u = 12345;
    ktsnap_status st = ktsnap_value_u64(&u, &f);
    EXPECT_EQ(st, KTSNAP_E_RANGE) << path << ": " << last_error();
    EXPECT_TRUE(contains(last_error(), "negative")) << path << ": " << last_error();
    EXPECT_EQ(u, 0u) << path << ": output not cleared";
  }
  // An enum holding -1 (e8 of entry 2): when BTF says the enum is signed it
  // is not a u64 either; when it says unsigned (clang < 15 emits no
  // signedness), u64 is its bit pattern, never a wrapped 2^64 - 1.
  ktsnap_value e8 = at(task(2), "e8");
  uint64_t u = 0;
  int64_t s = 0;
  EXPECT_OK(ktsnap_value_i64(&s, &e8));
  if (s == -1) {
    EXPECT_FAILS_WITH(ktsnap_value_u64(&u, &e8), KTSNAP_E_RANGE, "negative");
  } else {
    EXPECT_EQ(s, 255);
    EXPECT_OK(ktsnap_value_u64(&u, &e8));
    EXPECT_EQ(u, 255u);
  }
}

TEST_F(capiValue, UnsignedAboveInt64MaxIsNotAnI64) {
  // A u64 enum holding 2^32 fits; a pointer is never an i64 (the rule of
  // spec/views.md 4.2). The u64 > INT64_MAX case is in the builder tests,
  // which make such a value.
  ktsnap_value v = task(1);
  ktsnap_value e64 = at(v, "e64");
  int64_t s = 0;
  EXPECT_OK(ktsnap_value_i64(&s, &e64));
  EXPECT_EQ(s, int64_t(1) << 32);
  ktsnap_value p = at(v, "opaque");
  EXPECT_EQ(ktsnap_value_i64(&s, &p), KTSNAP_E_TYPE) << last_error();
  EXPECT_FALSE(last_error().empty());
}

TEST_F(capiValue, KindsThatDoNotConvert) {
  ktsnap_value v = task(1);
  ktsnap_value load = at(v, "load");
  ktsnap_value on_cpu = at(v, "on_cpu");
  ktsnap_value inner = at(v, "inner");
  ktsnap_value hist = at(v, "hist");
  uint64_t u = 7;
  int64_t s = 7;
  double d = 7;
  bool b = true;
  EXPECT_FAILS_WITH(ktsnap_value_u64(&u, &load), KTSNAP_E_TYPE, "float");
  EXPECT_FAILS_WITH(ktsnap_value_i64(&s, &load), KTSNAP_E_TYPE, "float");
  EXPECT_FAILS_WITH(ktsnap_value_bool(&b, &load), KTSNAP_E_TYPE, "float");
  EXPECT_FAILS_WITH(ktsnap_value_f64(&d, &on_cpu), KTSNAP_E_TYPE, "bool");
  EXPECT_FAILS_WITH(ktsnap_value_u64(&u, &inner), KTSNAP_E_TYPE, "struct");
  EXPECT_FAILS_WITH(ktsnap_value_f64(&d, &hist), KTSNAP_E_TYPE, "array");
  EXPECT_EQ(u, 0u);
  EXPECT_EQ(s, 0);
  EXPECT_EQ(d, 0.0);
  EXPECT_FALSE(b);
}

TEST_F(capiValue, EnumNamesAndStrings) {
  const char* names[] = {"KT_STATE_IDLE", "KT_STATE_RUNNING", "KT_STATE_BLOCKED"};
  for (uint32_t i = 0; i < 6; i++) {
    ktsnap_value st = at(task(i), "state");
    const char* n = nullptr;
    ASSERT_OK(ktsnap_value_enum_name(&n, &st));
    EXPECT_STREQ(n, names[i % 3]);
    EXPECT_EQ(str(task(i), "state"), names[i % 3]);
  }
  const char* n = nullptr;
  ktsnap_value e8 = at(task(2), "e8");
  ASSERT_OK(ktsnap_value_enum_name(&n, &e8));
  EXPECT_STREQ(n, "KT_E8_NEG");
  ktsnap_value e16 = at(task(1), "e16");
  ASSERT_OK(ktsnap_value_enum_name(&n, &e16));
  EXPECT_STREQ(n, "KT_E16_BIG");
  ktsnap_value e64 = at(task(0), "e64");  // 1
  ASSERT_OK(ktsnap_value_enum_name(&n, &e64));
  EXPECT_STREQ(n, "KT_E64_SMALL");
  // 2^32: KT_E64_BIG when the compiler emits 64-bit enumerators (ENUM64,
  // clang >= 15); older ones truncate it to 0, so no variant matches.
  e64 = at(task(1), "e64");
  ktsnap_status st = ktsnap_value_enum_name(&n, &e64);
  if (st == KTSNAP_OK) {
    EXPECT_STREQ(n, "KT_E64_BIG");
  } else {
    EXPECT_EQ(st, KTSNAP_E_NOTFOUND);
    EXPECT_TRUE(contains(last_error(), "4294967296")) << last_error();
    EXPECT_EQ(n, nullptr);
  }
  ktsnap_value tid = at(task(1), "tid");
  EXPECT_FAILS_WITH(ktsnap_value_enum_name(&n, &tid), KTSNAP_E_TYPE, "enum");
  EXPECT_EQ(n, nullptr);
}

TEST_F(capiValue, StringIntoACallerBuffer) {
  ktsnap_value comm = at(task(1), "comm");  // "kworker/0:1", 11 bytes
  char buf[32];
  size_t len = 0;
  ASSERT_OK(ktsnap_value_string(buf, sizeof buf, &len, &comm));
  EXPECT_EQ(len, 11u);
  EXPECT_STREQ(buf, "kworker/0:1");
  // Exactly enough room: length + NUL.
  ASSERT_OK(ktsnap_value_string(buf, 12, &len, &comm));
  EXPECT_STREQ(buf, "kworker/0:1");
  // One byte short: RANGE, the needed length still reported, buf emptied.
  std::memset(buf, 'x', sizeof buf);
  EXPECT_FAILS_WITH(ktsnap_value_string(buf, 11, &len, &comm), KTSNAP_E_RANGE, "12 needed");
  EXPECT_EQ(len, 11u);
  EXPECT_EQ(buf[0], '\0');
  // A size query: no buffer at all.
  len = 0;
  EXPECT_EQ(ktsnap_value_string(nullptr, 0, &len, &comm), KTSNAP_E_RANGE);
  EXPECT_EQ(len, 11u);
  // A buffer size without a buffer is a caller bug.
  EXPECT_FAILS_WITH(ktsnap_value_string(nullptr, 8, &len, &comm), KTSNAP_E_INVALID, "'buf' is NULL");
}

TEST_F(capiValue, StringDup) {
  ktsnap_value comm = at(task(0), "comm");
  char* s = nullptr;
  size_t len = 0;
  ASSERT_OK(ktsnap_value_string_dup(&s, &len, &comm));
  CharPtr owned(s);
  EXPECT_STREQ(s, "stress-ng");
  EXPECT_EQ(len, 9u);
  ASSERT_OK(ktsnap_value_string_dup(&s, nullptr, &comm));  // len_out optional
  ktsnap_free(s);
  ktsnap_value tid = at(task(0), "tid");
  s = reinterpret_cast<char*>(0x1);
  EXPECT_FAILS_WITH(ktsnap_value_string_dup(&s, &len, &tid), KTSNAP_E_TYPE, "string");
  EXPECT_EQ(s, nullptr);
}

TEST_F(capiValue, TypeNames) {
  ktsnap_value v = task(0);
  EXPECT_EQ(type_name(v), "struct kt_task_ctx");
  EXPECT_EQ(type_name(at(v, "inner")), "struct kt_inner");
  EXPECT_EQ(type_name(at(v, "comm")), "char[16]");
  EXPECT_TRUE(contains(type_name(at(v, "hist")), "[2][3]")) << type_name(at(v, "hist"));
  EXPECT_TRUE(contains(type_name(at(v, "bits.lo")), ":3")) << type_name(at(v, "bits.lo"));
  char buf[64];
  size_t len = 0;
  ASSERT_OK(ktsnap_value_type_name(buf, sizeof buf, &len, &v));
  EXPECT_STREQ(buf, "struct kt_task_ctx");
  EXPECT_EQ(len, std::strlen("struct kt_task_ctx"));
  EXPECT_FAILS_WITH(ktsnap_value_type_name(buf, 5, &len, &v), KTSNAP_E_RANGE, "too small");
  EXPECT_EQ(len, std::strlen("struct kt_task_ctx"));
  EXPECT_EQ(ktsnap_value_type_name(nullptr, 0, &len, &v), KTSNAP_E_RANGE);
}

TEST_F(capiValue, SizesAndBytes) {
  ktsnap_value v = task(2);
  EXPECT_EQ(ktsnap_value_size(&v), 152u);
  EXPECT_FALSE(ktsnap_value_is_truncated(&v));
  ktsnap_value tid = at(v, "tid");
  EXPECT_EQ(ktsnap_value_size(&tid), 4u);
  const void* p = nullptr;
  size_t len = 0;
  ASSERT_OK(ktsnap_value_bytes(&p, &len, &tid));
  ASSERT_EQ(len, 4u);
  int32_t raw = 0;
  std::memcpy(&raw, p, 4);
  EXPECT_EQ(raw, 1002);
  ASSERT_OK(ktsnap_value_bytes(&p, &len, &v));
  EXPECT_EQ(len, 152u);
  // The member's bytes lie inside the struct's: borrowed, not copied.
  const void* tp = nullptr;
  ASSERT_OK(ktsnap_value_bytes(&tp, &len, &tid));
  EXPECT_EQ(static_cast<const uint8_t*>(tp) - static_cast<const uint8_t*>(p), 8);
  ktsnap_value lo = at(v, "bits.lo");
  EXPECT_EQ(ktsnap_value_size(&lo), 1u);  // a 3-bit field spans one byte
}

TEST_F(capiValue, MembersAndLength) {
  ktsnap_value v = task(0);
  size_t n = 0;
  ASSERT_OK(ktsnap_value_member_count(&n, &v));
  const char* want[] = {"runtime_ns", "tid", "state",  "weight",  "raw",  "lo16", "hi16",  "inner",
                        "bits",       "comm", "hist",  "inner_ptr", "opaque", "on_cpu", "load", "avg",
                        "cv_val",     "e8",   "e16",   "e64",     "sc",   "uc"};
  ASSERT_EQ(n, std::size(want));
  for (size_t i = 0; i < n; i++) {
    const char* name = nullptr;
    size_t len = 0;
    ASSERT_OK(ktsnap_value_member_name(&name, &len, &v, i));
    EXPECT_STREQ(name, want[i]) << i;
    EXPECT_EQ(len, std::strlen(want[i]));
  }
  const char* name = reinterpret_cast<const char*>(0x1);
  EXPECT_FAILS_WITH(ktsnap_value_member_name(&name, nullptr, &v, n), KTSNAP_E_RANGE, "member index 22 out of range");
  EXPECT_EQ(name, nullptr);
  uint64_t len = 0;
  ASSERT_OK(ktsnap_value_length(&len, &v));
  EXPECT_EQ(len, n);
  ktsnap_value hist = at(v, "hist");
  ASSERT_OK(ktsnap_value_length(&len, &hist));
  EXPECT_EQ(len, 2u);
  ktsnap_value comm = at(v, "comm");
  ASSERT_OK(ktsnap_value_length(&len, &comm));
  EXPECT_EQ(len, 16u);
  ktsnap_value tid = at(v, "tid");
  EXPECT_EQ(ktsnap_value_member_count(&n, &tid), KTSNAP_E_TYPE);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(ktsnap_value_length(&len, &tid), KTSNAP_E_TYPE);
}

TEST_F(capiValue, NavigationStepByStep) {
  ktsnap_value v = task(3);
  ktsnap_value hist, row, cell;
  ASSERT_OK(ktsnap_value_member(&hist, &v, "hist"));
  ASSERT_OK(ktsnap_value_index(&row, &hist, 1));
  ASSERT_OK(ktsnap_value_index(&cell, &row, 2));
  uint64_t x = 0;
  EXPECT_OK(ktsnap_value_u64(&x, &cell));
  EXPECT_EQ(x, 3u * 10 + 3 + 2);
  // out may alias the input.
  ktsnap_value w = v;
  ASSERT_OK(ktsnap_value_member(&w, &w, "inner"));
  ASSERT_OK(ktsnap_value_member(&w, &w, "a"));
  EXPECT_OK(ktsnap_value_u64(&x, &w));
  EXPECT_EQ(x, 33u);
  EXPECT_FAILS_WITH(ktsnap_value_index(&cell, &row, 3), KTSNAP_E_RANGE, "index 3 out of range");
  EXPECT_EQ(ktsnap_value_kind(&cell), KTSNAP_KIND_INVALID);
  EXPECT_FAILS_WITH(ktsnap_value_index(&cell, &v, 0), KTSNAP_E_TYPE, "array");
  ktsnap_value tid = at(v, "tid");
  EXPECT_FAILS_WITH(ktsnap_value_member(&cell, &tid, "x"), KTSNAP_E_TYPE, "cannot take member");
}

TEST_F(capiValue, GetErrorsNameThePathAndTheMembers) {
  ktsnap_value v = task(0);
  ktsnap_value out;
  EXPECT_FAILS_WITH(ktsnap_value_get(&out, &v, "inner.aa"), KTSNAP_E_NOTFOUND, "inner.aa");
  std::string msg = last_error();
  EXPECT_TRUE(contains(msg, "a, b, c")) << msg;
  EXPECT_EQ(ktsnap_value_kind(&out), KTSNAP_KIND_INVALID);
  EXPECT_FAILS_WITH(ktsnap_value_member(&out, &v, "tidd"), KTSNAP_E_NOTFOUND, "\"tidd\"");
  msg = last_error();
  for (const char* m : {"runtime_ns", "tid", "weight", "lo16", "inner_ptr"})
    EXPECT_TRUE(contains(msg, m)) << m << " missing from: " << msg;
  EXPECT_FAILS_WITH(ktsnap_value_get(&out, &v, "hist[2]"), KTSNAP_E_RANGE, "hist");
  EXPECT_FAILS_WITH(ktsnap_value_get(&out, &v, "hist[x]"), KTSNAP_E_INVALID, "malformed index");
  EXPECT_FAILS_WITH(ktsnap_value_get(&out, &v, "inner."), KTSNAP_E_INVALID, "empty component");
  EXPECT_FAILS_WITH(ktsnap_value_get(&out, &v, ".inner"), KTSNAP_E_INVALID, "empty component");
  // "" is the value itself.
  ASSERT_OK(ktsnap_value_get(&out, &v, ""));
  EXPECT_EQ(std::memcmp(&out, &v, sizeof v), 0);
}

TEST_F(capiValue, PointersIntoCapturedRegions) {
  for (uint32_t i = 0; i < kTaskEntries; i++) {
    SCOPED_TRACE("entry " + std::to_string(i));
    TaskExpect e = task_expect(i);
    ktsnap_value v = task(i);
    ktsnap_value p = at(v, "inner_ptr");
    ktsnap_value target;
    if (e.inner_ptr) {
      ASSERT_OK(ktsnap_value_deref(&target, &p));
      EXPECT_EQ(ktsnap_value_kind(&target), KTSNAP_KIND_STRUCT);
      EXPECT_EQ(type_name(target), "struct kt_inner");
      // The region holds {a + 1, b - 1, 0x5a}; dotted paths follow the pointer.
      EXPECT_EQ(u64(v, "inner_ptr.a"), e.inner_a + 1);
      EXPECT_EQ(i64(v, "inner_ptr.b"), e.inner_b - 1);
      EXPECT_EQ(u64(v, "inner_ptr.c"), 0x5au);
      ktsnap_value m;
      ASSERT_OK(ktsnap_value_member(&m, &p, "a"));  // member() follows pointers too
    } else {
      EXPECT_FAILS_WITH(ktsnap_value_deref(&target, &p), KTSNAP_E_NOTFOUND, "null pointer");
      ktsnap_value out;
      EXPECT_FAILS_WITH(ktsnap_value_get(&out, &v, "inner_ptr.a"), KTSNAP_E_NOTFOUND, "inner_ptr");
    }
  }
  // void * has nothing to point at.
  ktsnap_value opaque = at(task(0), "opaque");
  ktsnap_value t;
  EXPECT_EQ(ktsnap_value_deref(&t, &opaque), KTSNAP_E_TYPE) << last_error();
  ktsnap_value tid = at(task(0), "tid");
  EXPECT_FAILS_WITH(ktsnap_value_deref(&t, &tid), KTSNAP_E_TYPE, "pointer");
}

TEST_F(capiValue, ArrayExtracts) {
  ktsnap_value v = task(3);
  ktsnap_value row = at(v, "hist[1]");  // {33, 34, 35}
  uint64_t u64s[3];
  uint32_t u32s[3];
  int64_t i64s[3];
  double f64s[3];
  bool bools[3];
  size_t n = 0;
  ASSERT_OK(ktsnap_value_u64_array(u64s, 3, &n, &row));
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(u64s[0], 33u);
  EXPECT_EQ(u64s[2], 35u);
  ASSERT_OK(ktsnap_value_u32_array(u32s, 3, &n, &row));
  EXPECT_EQ(u32s[1], 34u);
  ASSERT_OK(ktsnap_value_i64_array(i64s, 3, &n, &row));
  EXPECT_EQ(i64s[2], 35);
  ASSERT_OK(ktsnap_value_f64_array(f64s, 3, &n, &row));
  EXPECT_EQ(f64s[0], 33.0);
  ASSERT_OK(ktsnap_value_bool_array(bools, 3, &n, &row));
  EXPECT_TRUE(bools[0] && bools[1] && bools[2]);
  // Entry 0's histogram is all zero.
  ktsnap_value zero = at(task(0), "hist[0]");
  ASSERT_OK(ktsnap_value_bool_array(bools, 3, &n, &zero));
  EXPECT_FALSE(bools[0] || bools[1] || bools[2]);
  // A larger array than needed is fine; count says how much was written.
  uint64_t big[10];
  ASSERT_OK(ktsnap_value_u64_array(big, 10, &n, &row));
  EXPECT_EQ(n, 3u);
  // The characters of a C string.
  ktsnap_value comm = at(v, "comm");  // "schbench"
  int64_t chars[16];
  ASSERT_OK(ktsnap_value_i64_array(chars, 16, &n, &comm));
  EXPECT_EQ(n, 16u);
  EXPECT_EQ(chars[0], 's');
  EXPECT_EQ(chars[8], 0);
}

TEST_F(capiValue, ArrayExtractFailures) {
  ktsnap_value v = task(3);
  ktsnap_value row = at(v, "hist[1]");
  uint64_t small[2] = {7, 7};
  size_t n = 0;
  EXPECT_FAILS_WITH(ktsnap_value_u64_array(small, 2, &n, &row), KTSNAP_E_RANGE, "cap is 2");
  EXPECT_EQ(n, 3u);  // the count needed
  EXPECT_EQ(small[0], 7u);  // nothing written
  n = 0;
  EXPECT_EQ(ktsnap_value_u64_array(nullptr, 0, &n, &row), KTSNAP_E_RANGE);  // size query
  EXPECT_EQ(n, 3u);
  EXPECT_FAILS_WITH(ktsnap_value_u64_array(nullptr, 3, &n, &row), KTSNAP_E_INVALID, "'out' is NULL");
  // Not an array; an array of arrays.
  ktsnap_value tid = at(v, "tid");
  EXPECT_FAILS_WITH(ktsnap_value_u64_array(small, 2, &n, &tid), KTSNAP_E_TYPE, "int");
  EXPECT_EQ(n, 0u);
  ktsnap_value hist = at(v, "hist");
  uint64_t six[6];
  EXPECT_FAILS_WITH(ktsnap_value_u64_array(six, 6, &n, &hist), KTSNAP_E_TYPE, "element [0]");
}

TEST_F(capiValue, GlobalSections) {
  ktsnap_value bss = value("kinds.bss", 0);
  EXPECT_EQ(ktsnap_value_kind(&bss), KTSNAP_KIND_DATASEC);
  EXPECT_EQ(u64(bss, "kt_nr_events"), 42u);
  EXPECT_EQ(u64(bss, "kt_bss_inner.a"), 7u);
  EXPECT_EQ(i64(bss, "kt_bss_inner.b"), -3);
  EXPECT_EQ(u64(bss, "kt_bss_inner.c"), 9u);
  EXPECT_EQ(i64(bss, "kt_bss_neg"), -12345);
  ktsnap_value neg = at(bss, "kt_bss_neg");
  uint64_t u = 0;
  EXPECT_FAILS_WITH(ktsnap_value_u64(&u, &neg), KTSNAP_E_RANGE, "-12345");
  size_t n = 0;
  ASSERT_OK(ktsnap_value_member_count(&n, &bss));
  EXPECT_EQ(n, 3u);
  const char* name = nullptr;
  ASSERT_OK(ktsnap_value_member_name(&name, nullptr, &bss, 2));
  EXPECT_STREQ(name, "kt_bss_neg");
  ktsnap_value out;
  EXPECT_FAILS_WITH(ktsnap_value_member(&out, &bss, "kt_nr_event"), KTSNAP_E_NOTFOUND, "kt_nr_events, kt_bss_inner");

  ktsnap_value data = value("kinds.data", 0);
  EXPECT_EQ(i64(data, "kt_data_counter"), 5);
  EXPECT_EQ(str(data, "kt_data_label"), "hello");
  ktsnap_value ro = value("kinds.rodata", 0);
  EXPECT_EQ(u64(ro, "kt_ro_nr_cpus"), 4u);
  EXPECT_EQ(str(ro, "kt_ro_mode"), "KT_STATE_RUNNING");
  ktsnap_value custom = value(".data.custom", 0);
  EXPECT_EQ(u64(custom, "kt_custom_v"), 7u);
}

TEST_F(capiValue, Bitfields) {
  const ktsnap_map* m = map("kt_bits_hash");
  ASSERT_NE(m, nullptr);
  for (uint32_t i = 0; i < 4; i++) {
    ktsnap_value v;
    ASSERT_OK(ktsnap_map_value(&v, m, i));
    EXPECT_EQ(u64(v, "lo"), i);
    EXPECT_EQ(i64(v, "sv"), -int64_t(i) - 1);
    EXPECT_EQ(u64(v, "mid"), 0xabcdefu - i);
    EXPECT_EQ(u64(v, "wide"), (1ull << 39) + i);
    EXPECT_EQ(i64(v, "swide"), -(int64_t(1) << 23));
  }
}

TEST_F(capiValue, EmptyAndForeignCursorsAreRejected) {
  ktsnap_value empty{};
  uint64_t u = 0;
  EXPECT_EQ(ktsnap_value_kind(&empty), KTSNAP_KIND_INVALID);
  EXPECT_EQ(ktsnap_value_kind(nullptr), KTSNAP_KIND_INVALID);
  EXPECT_FAILS_WITH(ktsnap_value_u64(&u, &empty), KTSNAP_E_INVALID, "empty");
  ktsnap_value out;
  EXPECT_FAILS_WITH(ktsnap_value_member(&out, &empty, "x"), KTSNAP_E_INVALID, "empty");
  EXPECT_EQ(ktsnap_value_size(&empty), 0u);
  EXPECT_FALSE(ktsnap_value_is_truncated(&empty));

  // A cursor whose private members were changed is refused, not followed.
  ktsnap_value forged = task(0);
  forged._bits ^= 0x80000000u;
  EXPECT_FAILS_WITH(ktsnap_value_u64(&u, &forged), KTSNAP_E_INVALID, "not produced by ktsnap");
  EXPECT_EQ(ktsnap_value_kind(&forged), KTSNAP_KIND_INVALID);
  forged = task(0);
  forged._bits |= 1u << 20;  // an unknown flag bit
  EXPECT_FAILS_WITH(ktsnap_value_member(&out, &forged, "tid"), KTSNAP_E_INVALID, "not produced by ktsnap");
}

TEST_F(capiValue, ValuesOfACopiedReportOutliveTheCallerBuffer) {
  // Values borrow the report, not the caller's bytes, when opened with COPY.
  std::vector<uint8_t> file = read_file(fixture_path());
  ktsnap_open_opts o = KTSNAP_OPEN_OPTS_INIT;
  o.flags = KTSNAP_OPEN_COPY;
  ktsnap_report* r = nullptr;
  ASSERT_OK(ktsnap_report_open_memory(&r, file.data(), file.size(), &o));
  ReportPtr rp(r);
  const ktsnap_map* m = nullptr;
  ASSERT_OK(ktsnap_report_map_by_name(&m, r, "kt_tasks"));
  ktsnap_value v;
  ASSERT_OK(ktsnap_map_value(&v, m, 7));
  std::fill(file.begin(), file.end(), uint8_t(0xcc));
  EXPECT_EQ(u64(v, "tid"), 1007u);
}
