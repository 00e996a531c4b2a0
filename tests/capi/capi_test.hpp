// Helpers for the C ABI tests. Only ktsnap.h, the standard library and
// GoogleTest: these tests see the library exactly as a C caller does.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ktsnap.h"

namespace capi_test {

inline const char* fixture_path() { return KTSNAP_FIXTURE_REPORT; }

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

struct ReportFree {
  void operator()(ktsnap_report* r) const { ktsnap_report_free(r); }
};
using ReportPtr = std::unique_ptr<ktsnap_report, ReportFree>;

struct BuilderFree {
  void operator()(ktsnap_builder* b) const { ktsnap_builder_free(b); }
};
using BuilderPtr = std::unique_ptr<ktsnap_builder, BuilderFree>;

struct Freed {
  void operator()(void* p) const { ktsnap_free(p); }
};
using CharPtr = std::unique_ptr<char, Freed>;

inline bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// The last error as a std::string (copied: it is only valid until the next call).
inline std::string last_error() { return ktsnap_last_error(); }

// EXPECT that `expr` returns `status` and that the last error mentions `text`.
#define EXPECT_FAILS_WITH(expr, status, text)                                                    \
  do {                                                                                           \
    ktsnap_status st_ = (expr);                                                                  \
    std::string msg_ = ::capi_test::last_error();                                                \
    EXPECT_EQ(st_, (status)) << #expr << ": " << ktsnap_status_str(st_) << ": " << msg_;         \
    EXPECT_TRUE(::capi_test::contains(msg_, (text))) << #expr << ": message '" << msg_            \
                                                     << "' does not mention '" << (text) << "'"; \
  } while (0)

#define EXPECT_OK(expr)                                                                                  \
  do {                                                                                                   \
    ktsnap_status st_ = (expr);                                                                          \
    EXPECT_EQ(st_, KTSNAP_OK) << #expr << ": " << ktsnap_status_str(st_) << ": " << ktsnap_last_error(); \
  } while (0)

#define ASSERT_OK(expr)                                                                                  \
  do {                                                                                                   \
    ktsnap_status st_ = (expr);                                                                          \
    ASSERT_EQ(st_, KTSNAP_OK) << #expr << ": " << ktsnap_status_str(st_) << ": " << ktsnap_last_error(); \
  } while (0)

// The fixture report's synthetic kt_tasks values, mirrored from
// tests/support/fixture.cpp (kt_task_expect) so that these tests need
// nothing but the shared library.
struct TaskExpect {
  uint32_t tid;
  uint64_t runtime_ns;
  uint32_t state;
  uint32_t weight;
  uint16_t lo16, hi16;
  uint32_t inner_a;
  int16_t inner_b;
  uint8_t inner_c;
  uint32_t bits_lo;
  int32_t bits_sv;
  uint32_t bits_mid;
  uint64_t bits_wide;
  int64_t bits_swide;
  std::string comm;
  uint32_t hist[2][3];
  uint64_t inner_ptr;
  bool on_cpu;
  float load;
  double avg;
  uint64_t cv_val;
  int8_t e8;
  uint16_t e16;
  uint64_t e64;
  int8_t sc;
  uint8_t uc;
};

inline uint64_t fixture_mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

inline constexpr uint64_t kRegionBase = 0xffff888000100000ull;
inline constexpr uint32_t kTaskEntries = 16;
inline constexpr uint32_t kNrCpus = 4;

inline TaskExpect task_expect(uint32_t i) {
  static const char* comms[] = {"stress-ng", "kworker/0:1", "bash", "schbench", "rt-app", "ksoftirqd/1",
                                "hackbench", "cc1plus"};
  uint64_t r = fixture_mix(1 * 1000003 + i);
  TaskExpect e{};
  e.tid = 1000 + i;
  e.runtime_ns = r % 10000000000ull;
  e.state = i % 3;
  e.weight = 100 + (i % 7) * 50;
  e.lo16 = static_cast<uint16_t>(i);
  e.hi16 = static_cast<uint16_t>(i * 3);
  e.inner_a = i * 11;
  e.inner_b = static_cast<int16_t>(-static_cast<int32_t>(i % 100));
  e.inner_c = static_cast<uint8_t>(i & 0xff);
  e.bits_lo = i % 8;
  e.bits_sv = static_cast<int32_t>(i % 32) - 16;
  e.bits_mid = (i * 4099) & 0xffffff;
  e.bits_wide = (r >> 3) & ((1ull << 40) - 1);
  e.bits_swide = -static_cast<int64_t>(i * 1001 % 8388608);
  e.comm = comms[i % 8];
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++) e.hist[a][b] = (i % 2) ? i * 10 + a * 3 + b : 0;
  e.inner_ptr = (i % 4 == 0) ? kRegionBase + uint64_t(i) * 8 : 0;
  e.on_cpu = i % 2;
  e.load = 0.5f * static_cast<float>(i % 9);
  e.avg = static_cast<double>(r % 1000) / 8.0;
  e.cv_val = r >> 20;
  e.e8 = (i % 3 == 2) ? -1 : static_cast<int8_t>(i % 3);
  e.e16 = (i % 2) ? 0x1234 : 1;
  e.e64 = (i % 2) ? 0x100000000ull : 1;
  e.sc = static_cast<int8_t>(-static_cast<int>(i % 128));
  e.uc = static_cast<uint8_t>(200 + i % 50);
  return e;
}

// Opens the fixture report for a test.
class Fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ktsnap_report* r = nullptr;
    ktsnap_status st = ktsnap_report_open_file(&r, fixture_path(), nullptr);
    ASSERT_EQ(st, KTSNAP_OK) << fixture_path() << ": " << ktsnap_last_error();
    report_.reset(r);
  }

  const ktsnap_map* map(const char* name) {
    const ktsnap_map* m = nullptr;
    ktsnap_status st = ktsnap_report_map_by_name(&m, report_.get(), name);
    EXPECT_EQ(st, KTSNAP_OK) << name << ": " << ktsnap_last_error();
    return m;
  }

  // Value of entry `entry` of a map that is not per-CPU.
  ktsnap_value value(const char* map_name, uint32_t entry) {
    ktsnap_value v{};
    const ktsnap_map* m = map(map_name);
    if (m == nullptr) return v;
    ktsnap_status st = ktsnap_map_value(&v, m, entry);
    EXPECT_EQ(st, KTSNAP_OK) << map_name << "[" << entry << "]: " << ktsnap_last_error();
    return v;
  }

  // value.get(path), expecting success.
  ktsnap_value at(const ktsnap_value& v, const char* path) {
    ktsnap_value out{};
    ktsnap_status st = ktsnap_value_get(&out, &v, path);
    EXPECT_EQ(st, KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return out;
  }

  uint64_t u64(const ktsnap_value& v, const char* path) {
    ktsnap_value f = at(v, path);
    uint64_t x = 0;
    ktsnap_status st = ktsnap_value_u64(&x, &f);
    EXPECT_EQ(st, KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return x;
  }

  int64_t i64(const ktsnap_value& v, const char* path) {
    ktsnap_value f = at(v, path);
    int64_t x = 0;
    ktsnap_status st = ktsnap_value_i64(&x, &f);
    EXPECT_EQ(st, KTSNAP_OK) << path << ": " << ktsnap_last_error();
    return x;
  }

  std::string str(const ktsnap_value& v, const char* path) {
    ktsnap_value f = at(v, path);
    char* s = nullptr;
    size_t len = 0;
    ktsnap_status st = ktsnap_value_string_dup(&s, &len, &f);
    EXPECT_EQ(st, KTSNAP_OK) << path << ": " << ktsnap_last_error();
    std::string out = s ? std::string(s, len) : std::string();
    ktsnap_free(s);
    return out;
  }

  std::string type_name(const ktsnap_value& v) {
    char* s = nullptr;
    ktsnap_status st = ktsnap_value_type_name_dup(&s, &v);
    EXPECT_EQ(st, KTSNAP_OK) << ktsnap_last_error();
    std::string out = s ? s : "";
    ktsnap_free(s);
    return out;
  }

  ReportPtr report_;
};

}  // namespace capi_test
