// Capture-source plugins through the C ABI: ktsnap_source_open() refusing
// each broken table (wrong major, short table, NULL entry point result, no
// entry point, NULL capture, unknown flags, a newer table's tail), init and
// capture failures with the plugin's message, the host's own checks (an
// empty builder, a builder the plugin finished), and the replay example
// rebuilding the fixture report through the builder. The process keeps
// running after every failure and the same source keeps working.
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "capi_test.hpp"

using namespace capi_test;

namespace {

struct SourceFree {
  void operator()(ktsnap_source* s) const { ktsnap_source_free(s); }
};
using SourcePtr = std::unique_ptr<ktsnap_source, SourceFree>;

SourcePtr open_ok(const char* path, const char* arg = nullptr) {
  ktsnap_source_opts o = KTSNAP_SOURCE_OPTS_INIT;
  o.arg = arg;
  ktsnap_source* s = nullptr;
  ktsnap_status st = ktsnap_source_open(&s, path, &o);
  EXPECT_EQ(st, KTSNAP_OK) << path << ": " << ktsnap_last_error();
  return SourcePtr(s);
}

// Opening `path` fails with `status`; the message names the file and says `text`.
void expect_refused(const char* path, ktsnap_status status, const char* text, const char* arg = nullptr) {
  ktsnap_source_opts o = KTSNAP_SOURCE_OPTS_INIT;
  o.arg = arg;
  ktsnap_source* s = reinterpret_cast<ktsnap_source*>(0x1);
  EXPECT_FAILS_WITH(ktsnap_source_open(&s, path, &o), status, text);
  EXPECT_EQ(s, nullptr);
  EXPECT_TRUE(contains(last_error(), path)) << last_error();
}

uint64_t u64_of(const ktsnap_map* m, uint32_t e) {
  ktsnap_value v{};
  EXPECT_OK(ktsnap_map_value(&v, m, e));
  const void* p = nullptr;
  size_t len = 0;
  EXPECT_OK(ktsnap_value_bytes(&p, &len, &v));
  uint64_t x = 0;
  if (len == 8) std::memcpy(&x, p, 8);
  return x;
}

}  // namespace

TEST(Plugin, OptsInitMatchesMacro) {
  ktsnap_source_opts a = KTSNAP_SOURCE_OPTS_INIT;
  ktsnap_source_opts b;
  std::memset(&b, 0xab, sizeof b);
  ASSERT_OK(ktsnap_source_opts_init(&b, sizeof b));
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
  EXPECT_FAILS_WITH(ktsnap_source_opts_init(&b, 3), KTSNAP_E_INVALID, "too small");
  EXPECT_FAILS_WITH(ktsnap_source_opts_init(nullptr, sizeof b), KTSNAP_E_INVALID, "opts");
}

TEST(Plugin, BadArguments) {
  ktsnap_source* s = nullptr;
  EXPECT_FAILS_WITH(ktsnap_source_open(nullptr, KTSNAP_TEST_PLUGIN_GOOD_SO, nullptr), KTSNAP_E_INVALID, "out");
  EXPECT_FAILS_WITH(ktsnap_source_open(&s, nullptr, nullptr), KTSNAP_E_INVALID, "path");
  EXPECT_FAILS_WITH(ktsnap_source_open(&s, "", nullptr), KTSNAP_E_INVALID, "empty");
  ktsnap_source_opts o = KTSNAP_SOURCE_OPTS_INIT;
  o.flags = 4;
  EXPECT_FAILS_WITH(ktsnap_source_open(&s, KTSNAP_TEST_PLUGIN_GOOD_SO, &o), KTSNAP_E_INVALID, "flag");
  o.flags = 0;
  o.reserved[1] = 1;
  EXPECT_FAILS_WITH(ktsnap_source_open(&s, KTSNAP_TEST_PLUGIN_GOOD_SO, &o), KTSNAP_E_INVALID, "reserved");
  o = KTSNAP_SOURCE_OPTS_INIT;
  o.sz = 2;
  EXPECT_FAILS_WITH(ktsnap_source_open(&s, KTSNAP_TEST_PLUGIN_GOOD_SO, &o), KTSNAP_E_INVALID, "too small");
  // A larger struct with a zero tail is fine; a non-zero tail is refused.
  struct {
    ktsnap_source_opts o;
    uint64_t more;
  } big{};
  big.o.sz = sizeof big;
  ASSERT_OK(ktsnap_source_open(&s, KTSNAP_TEST_PLUGIN_GOOD_SO, &big.o));
  ktsnap_source_free(s);
  big.more = 1;
  EXPECT_FAILS_WITH(ktsnap_source_open(&s, KTSNAP_TEST_PLUGIN_GOOD_SO, &big.o), KTSNAP_E_INVALID, "non-zero");
  ktsnap_report* r = nullptr;
  EXPECT_FAILS_WITH(ktsnap_source_capture(&r, nullptr, "t", KTSNAP_TRIGGER_ON_DEMAND), KTSNAP_E_INVALID, "source");
  SourcePtr good = open_ok(KTSNAP_TEST_PLUGIN_GOOD_SO);
  EXPECT_FAILS_WITH(ktsnap_source_capture(nullptr, good.get(), "t", 0), KTSNAP_E_INVALID, "out");
  EXPECT_FAILS_WITH(ktsnap_source_capture(&r, good.get(), "t", 9), KTSNAP_E_INVALID, "trigger 9");
  ktsnap_source_free(nullptr);
  EXPECT_EQ(ktsnap_source_name(nullptr), nullptr);
  EXPECT_EQ(ktsnap_source_capture_count(nullptr), 0u);
}

TEST(Plugin, GoodPluginCaptures) {
  SourcePtr s = open_ok(KTSNAP_TEST_PLUGIN_GOOD_SO, "dev0");
  ASSERT_TRUE(s);
  EXPECT_STREQ(ktsnap_source_name(s.get()), "test");
  EXPECT_STREQ(ktsnap_source_version(s.get()), "0.1");
  for (uint64_t round = 1; round <= 3; round++) {
    ktsnap_report* r = nullptr;
    ASSERT_OK(ktsnap_source_capture(&r, s.get(), "round", KTSNAP_TRIGGER_PERIODIC));
    ReportPtr rep(r);
    EXPECT_STREQ(ktsnap_report_tag(r), "round");
    EXPECT_EQ(ktsnap_report_trigger(r), KTSNAP_TRIGGER_PERIODIC);
    EXPECT_GT(ktsnap_report_wall_time_ns(r), 0u);
    const ktsnap_map* m = nullptr;
    ASSERT_OK(ktsnap_report_map_by_name(&m, r, "test_counts"));
    ASSERT_EQ(ktsnap_map_entry_count(m), 3u);
    EXPECT_EQ(ktsnap_map_id(m), 4242u);
    EXPECT_EQ(u64_of(m, 0), round * 100 + 1);
    // The report owns its bytes: it outlives nothing of the plugin's.
    EXPECT_EQ(ktsnap_source_capture_count(s.get()), round);
  }
  ktsnap_report* r = nullptr;
  ASSERT_OK(ktsnap_source_capture(&r, s.get(), nullptr, KTSNAP_TRIGGER_ON_DEMAND));
  EXPECT_STREQ(ktsnap_report_tag(r), "");
  // A report stays valid after its source is unloaded.
  s.reset();
  EXPECT_EQ(ktsnap_report_map_count(r), 1u);
  ktsnap_report_free(r);
}

TEST(Plugin, MissingFile) {
  expect_refused("/nonexistent/dir/plugin.so", KTSNAP_E_NOTFOUND, "No such file");
  EXPECT_EQ(ktsnap_last_errno(), ENOENT);
  ktsnap_source* s = nullptr;
  EXPECT_FAILS_WITH(ktsnap_source_open(&s, "ktsnap_no_such_plugin.so", nullptr), KTSNAP_E_NOTFOUND,
                    "ktsnap_no_such_plugin.so");
}

TEST(Plugin, NotASharedObject) {
  expect_refused(KTSNAP_FIXTURE_REPORT, KTSNAP_E_FORMAT, "cannot load");
  std::string dir = std::filesystem::path(KTSNAP_TEST_PLUGIN_GOOD_SO).parent_path().string();
  expect_refused(dir.c_str(), KTSNAP_E_INVALID, "directory");
}

TEST(Plugin, NoEntryPoint) { expect_refused(KTSNAP_TEST_PLUGIN_NO_ENTRY_SO, KTSNAP_E_NOTFOUND, "exports no ktsnap_plugin_v1"); }

TEST(Plugin, EntryPointReturnsNull) {
  expect_refused(KTSNAP_TEST_PLUGIN_NULL_TABLE_SO, KTSNAP_E_INVALID, "returned NULL");
}

TEST(Plugin, WrongMajor) {
  expect_refused(KTSNAP_TEST_PLUGIN_WRONG_MAJOR_SO, KTSNAP_E_VERSION, "plugin ABI major 2");
}

TEST(Plugin, ShortTable) {
  expect_refused(KTSNAP_TEST_PLUGIN_SHORT_TABLE_SO, KTSNAP_E_INVALID, "size 24 is smaller than the 56 bytes");
}

TEST(Plugin, NullCapture) { expect_refused(KTSNAP_TEST_PLUGIN_NO_CAPTURE_SO, KTSNAP_E_INVALID, "no capture function"); }

TEST(Plugin, UnknownFlags) { expect_refused(KTSNAP_TEST_PLUGIN_UNKNOWN_FLAGS_SO, KTSNAP_E_VERSION, "flags 0x80"); }

TEST(Plugin, NewerTableTail) { expect_refused(KTSNAP_TEST_PLUGIN_NEWER_TAIL_SO, KTSNAP_E_VERSION, "offset 56"); }

TEST(Plugin, InitFails) {
  expect_refused(KTSNAP_TEST_PLUGIN_INIT_FAILS_SO, KTSNAP_E_NOTFOUND, "init failed: cannot reach device 'dev7'", "dev7");
  EXPECT_TRUE(contains(last_error(), "plugin 'test'")) << last_error();
}

TEST(Plugin, CaptureFailsAndSourceStaysUsable) {
  SourcePtr s = open_ok(KTSNAP_TEST_PLUGIN_CAPTURE_FAILS_SO);
  ASSERT_TRUE(s);
  for (int i = 0; i < 2; i++) {
    ktsnap_report* r = reinterpret_cast<ktsnap_report*>(0x1);
    EXPECT_FAILS_WITH(ktsnap_source_capture(&r, s.get(), "t1", 0), KTSNAP_E_IO, "device went away during capture");
    EXPECT_EQ(r, nullptr);
    EXPECT_TRUE(contains(last_error(), "plugin 'test'") && contains(last_error(), "tag 't1'")) << last_error();
  }
  EXPECT_EQ(ktsnap_source_capture_count(s.get()), 0u);
  // The good plugin fails only for the tag "fail-me", then works again.
  SourcePtr g = open_ok(KTSNAP_TEST_PLUGIN_GOOD_SO);
  ktsnap_report* r = nullptr;
  EXPECT_FAILS_WITH(ktsnap_source_capture(&r, g.get(), "fail-me", 0), KTSNAP_E_BUSY, "asked to fail by the tag");
  ASSERT_OK(ktsnap_source_capture(&r, g.get(), "fine", 0));
  ktsnap_report_free(r);
}

TEST(Plugin, EmptyCaptureRefused) {
  SourcePtr s = open_ok(KTSNAP_TEST_PLUGIN_EMPTY_SO);
  ktsnap_report* r = nullptr;
  EXPECT_FAILS_WITH(ktsnap_source_capture(&r, s.get(), "e", 0), KTSNAP_E_NOTFOUND, "empty builder");
}

TEST(Plugin, PluginMustNotFinish) {
  SourcePtr s = open_ok(KTSNAP_TEST_PLUGIN_FINISHES_SO);
  ktsnap_report* r = nullptr;
  EXPECT_FAILS_WITH(ktsnap_source_capture(&r, s.get(), "f", 0), KTSNAP_E_INVALID, "finished the builder itself");
}

TEST(Plugin, SameFileTwiceKeepsSeparateState) {
  SourcePtr a = open_ok(KTSNAP_TEST_PLUGIN_GOOD_SO);
  SourcePtr b = open_ok(KTSNAP_TEST_PLUGIN_GOOD_SO);
  ktsnap_report* r = nullptr;
  ASSERT_OK(ktsnap_source_capture(&r, a.get(), "a", 0));
  ktsnap_report_free(r);
  ASSERT_OK(ktsnap_source_capture(&r, b.get(), "b", 0));
  ReportPtr rep(r);
  const ktsnap_map* m = nullptr;
  ASSERT_OK(ktsnap_report_map_by_name(&m, r, "test_counts"));
  EXPECT_EQ(u64_of(m, 0), 101u);  // b's first capture
  a.reset();
  ASSERT_OK(ktsnap_source_capture(&r, b.get(), "b2", 0));  // b survives a's unload
  ktsnap_report_free(r);
}

TEST(Plugin, ConcurrentCapturesAreSerialized) {
  SourcePtr s = open_ok(KTSNAP_TEST_PLUGIN_GOOD_SO);
  std::vector<std::thread> ts;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; t++)
    ts.emplace_back([&] {
      for (int i = 0; i < 10; i++) {
        ktsnap_report* r = nullptr;
        if (ktsnap_source_capture(&r, s.get(), "c", 0) == KTSNAP_OK) ok++;
        ktsnap_report_free(r);
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_EQ(ktsnap_source_capture_count(s.get()), 40u);
}

// The replay example rebuilds the fixture report through the builder: the
// same maps with the same bytes, the same excluded maps, regions, stats.
TEST(Plugin, ReplayRebuildsTheFixture) {
  ReportPtr orig;
  {
    ktsnap_report* r = nullptr;
    ASSERT_OK(ktsnap_report_open_file(&r, KTSNAP_FIXTURE_REPORT, nullptr));
    orig.reset(r);
  }
  SourcePtr s = open_ok(KTSNAP_REPLAY_PLUGIN_SO, KTSNAP_FIXTURE_REPORT);
  ASSERT_TRUE(s);
  EXPECT_STREQ(ktsnap_source_name(s.get()), "replay");
  ktsnap_report* r = nullptr;
  ASSERT_OK(ktsnap_source_capture(&r, s.get(), "replayed", KTSNAP_TRIGGER_ON_DEMAND));
  ReportPtr copy(r);
  EXPECT_STREQ(ktsnap_report_tag(r), "replayed");
  const ktsnap_report* a = orig.get();
  ASSERT_EQ(ktsnap_report_map_count(r), ktsnap_report_map_count(a));
  EXPECT_EQ(ktsnap_report_btf_count(r), ktsnap_report_btf_count(a));
  EXPECT_EQ(ktsnap_report_scheduler_count(r), ktsnap_report_scheduler_count(a));
  EXPECT_EQ(ktsnap_report_excluded_count(r), ktsnap_report_excluded_count(a));
  EXPECT_EQ(ktsnap_report_region_count(r), ktsnap_report_region_count(a));
  size_t la = 0, lb = 0;
  const char* ja = ktsnap_report_stats_json(a, &la);
  const char* jb = ktsnap_report_stats_json(r, &lb);
  EXPECT_EQ(std::string(ja ? ja : "", la), std::string(jb ? jb : "", lb));
  EXPECT_EQ(ktsnap_report_wall_time_ns(r), ktsnap_report_wall_time_ns(a));
  // Every map renders to the same JSON (keys, values, per-CPU slots, types).
  for (size_t i = 0; i < ktsnap_report_map_count(a); i++) {
    const ktsnap_map* ma = ktsnap_report_map_at(a, i);
    const ktsnap_map* mb = ktsnap_report_map_at(r, i);
    EXPECT_STREQ(ktsnap_map_name(ma), ktsnap_map_name(mb));
    EXPECT_EQ(ktsnap_map_entry_count(ma), ktsnap_map_entry_count(mb));
    EXPECT_EQ(ktsnap_map_flags(ma), ktsnap_map_flags(mb));
    char *ta = nullptr, *tb = nullptr;
    ktsnap_status sa = ktsnap_render_map(&ta, nullptr, ma, nullptr);
    ktsnap_status sb = ktsnap_render_map(&tb, nullptr, mb, nullptr);
    EXPECT_EQ(sa, sb) << ktsnap_map_name(ma);
    if (sa == KTSNAP_OK && sb == KTSNAP_OK) {
      EXPECT_STREQ(ta, tb) << ktsnap_map_name(ma);
    }
    ktsnap_free(ta);
    ktsnap_free(tb);
  }
  // The active projection admits the same maps.
  ktsnap_snapshot *sa = nullptr, *sb = nullptr, *aa = nullptr, *ab = nullptr;
  ASSERT_OK(ktsnap_snapshot_new(&sa, a));
  ASSERT_OK(ktsnap_snapshot_new(&sb, r));
  ktsnap_status st1 = ktsnap_snapshot_active(&aa, sa);
  ktsnap_status st2 = ktsnap_snapshot_active(&ab, sb);
  EXPECT_EQ(st1, st2);
  if (st1 == KTSNAP_OK && st2 == KTSNAP_OK) {
    EXPECT_EQ(ktsnap_snapshot_map_count(aa), ktsnap_snapshot_map_count(ab));
  }
  ktsnap_snapshot_free(aa);
  ktsnap_snapshot_free(ab);
  ktsnap_snapshot_free(sa);
  ktsnap_snapshot_free(sb);
}

TEST(Plugin, ReplayCyclesADirectoryAndRefusesBadInput) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("ktsnap_replay_test_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Two copies of the fixture under other tags, via the good plugin's reports.
  SourcePtr g = open_ok(KTSNAP_TEST_PLUGIN_GOOD_SO);
  for (const char* tag : {"b-second", "a-first"}) {
    ktsnap_report* r = nullptr;
    ASSERT_OK(ktsnap_source_capture(&r, g.get(), tag, 0));
    ASSERT_OK(ktsnap_report_save(r, (dir / (std::string(tag) + ".ktsnap")).c_str()));
    ktsnap_report_free(r);
  }
  {
    std::ofstream((dir / "notes.txt").string()) << "not a report";
  }
  SourcePtr s = open_ok(KTSNAP_REPLAY_PLUGIN_SO, dir.c_str());
  ASSERT_TRUE(s);
  std::vector<std::string> tags;
  for (int i = 0; i < 3; i++) {
    ktsnap_report* r = nullptr;
    ASSERT_OK(ktsnap_source_capture(&r, s.get(), "", 0));
    tags.push_back(ktsnap_report_tag(r));
    ktsnap_report_free(r);
  }
  EXPECT_EQ(tags, (std::vector<std::string>{"a-first", "b-second", "a-first"}));

  expect_refused(KTSNAP_REPLAY_PLUGIN_SO, KTSNAP_E_INVALID, "needs a report file");
  expect_refused(KTSNAP_REPLAY_PLUGIN_SO, KTSNAP_E_NOTFOUND, "cannot read", "/nonexistent/x.ktsnap");
  expect_refused(KTSNAP_REPLAY_PLUGIN_SO, KTSNAP_E_FORMAT, "is not a report", (dir / "notes.txt").c_str());
  fs::path empty = dir / "empty";
  fs::create_directories(empty);
  expect_refused(KTSNAP_REPLAY_PLUGIN_SO, KTSNAP_E_NOTFOUND, "holds no *.ktsnap file", empty.c_str());
  fs::remove_all(dir);
}
