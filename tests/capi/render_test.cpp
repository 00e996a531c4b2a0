// Rendering through the C ABI: JSON and text of a report, a map and a
// value, into buffers released with ktsnap_free(), and the render options.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tuple>

#include "capi_test.hpp"

using namespace capi_test;

class capiRender : public Fixture {
 protected:
  std::string render_report(const ktsnap_render_opts* o) {
    char* out = nullptr;
    size_t len = 0;
    ktsnap_status st = ktsnap_render_report(&out, &len, report_.get(), o);
    EXPECT_EQ(st, KTSNAP_OK) << last_error();
    CharPtr owned(out);
    if (!out) return {};
    EXPECT_EQ(std::strlen(out), len);  // NUL-terminated, length agrees
    return std::string(out, len);
  }
  std::string render_map(const char* name, const ktsnap_render_opts* o) {
    char* out = nullptr;
    size_t len = 0;
    ktsnap_status st = ktsnap_render_map(&out, &len, map(name), o);
    EXPECT_EQ(st, KTSNAP_OK) << name << ": " << last_error();
    CharPtr owned(out);
    return out ? std::string(out, len) : std::string();
  }
  std::string render_value(const ktsnap_value& v, const ktsnap_render_opts* o) {
    char* out = nullptr;
    size_t len = 0;
    ktsnap_status st = ktsnap_render_value(&out, &len, &v, o);
    EXPECT_EQ(st, KTSNAP_OK) << last_error();
    CharPtr owned(out);
    return out ? std::string(out, len) : std::string();
  }
  static ktsnap_render_opts text(uint32_t max_entries = 0) {
    ktsnap_render_opts o = KTSNAP_RENDER_OPTS_INIT;
    o.format = KTSNAP_FORMAT_TEXT;
    o.max_entries = max_entries;
    return o;
  }
};

TEST_F(capiRender, ReportJson) {
  std::string json = render_report(nullptr);  // NULL opts = JSON
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_TRUE(contains(json, "\"maps\"")) << json.substr(0, 200);
  for (const char* n : {"\"kt_tasks\"", "\"kinds.bss\"", "\"kt_cpu_stats\"", "\"kt_task_ctx\"", "KT_STATE_RUNNING"})
    EXPECT_TRUE(contains(json, n)) << n;
  EXPECT_EQ(json.find('\n'), std::string::npos);  // compact by default
  ktsnap_render_opts o = KTSNAP_RENDER_OPTS_INIT;
  EXPECT_EQ(render_report(&o), json);
}

TEST_F(capiRender, ReportJsonPretty) {
  std::string compact = render_report(nullptr);
  ktsnap_render_opts o = KTSNAP_RENDER_OPTS_INIT;
  o.flags = KTSNAP_RENDER_PRETTY;
  std::string pretty = render_report(&o);
  EXPECT_NE(pretty.find('\n'), std::string::npos);
  EXPECT_GT(pretty.size(), compact.size());
  // Same content once whitespace outside strings is ignored.
  auto squeeze = [](const std::string& s) {
    std::string out;
    bool in_str = false;
    for (size_t i = 0; i < s.size(); i++) {
      char c = s[i];
      if (c == '"' && (i == 0 || s[i - 1] != '\\')) in_str = !in_str;
      if (!in_str && (c == ' ' || c == '\n')) continue;
      out += c;
    }
    return out;
  };
  EXPECT_EQ(squeeze(pretty), squeeze(compact));
}

TEST_F(capiRender, ReportText) {
  ktsnap_render_opts o = text();
  std::string t = render_report(&o);
  EXPECT_TRUE(contains(t, "map kt_tasks (type=hash, value_size=152, max_entries=4096)")) << t.substr(0, 300);
  EXPECT_TRUE(contains(t, "map kinds.bss")) << t.substr(0, 300);
  EXPECT_TRUE(contains(t, "stress-ng"));
  EXPECT_NE(t.back(), '\n');  // the text display never ends with a newline
}

TEST_F(capiRender, TextEntryLimit) {
  ktsnap_render_opts all = text(0), one = text(1);
  std::string full = render_map("kt_tasks", &all);
  std::string limited = render_map("kt_tasks", &one);
  EXPECT_LT(limited.size(), full.size());
  EXPECT_TRUE(contains(full, "schbench"));     // entry 3
  EXPECT_FALSE(contains(limited, "schbench"));
}

TEST_F(capiRender, MapJsonAndText) {
  std::string json = render_map("kt_cpu_stats", nullptr);
  EXPECT_EQ(json.front(), '{');
  EXPECT_TRUE(contains(json, "\"name\":\"kt_cpu_stats\"")) << json.substr(0, 200);
  EXPECT_TRUE(contains(json, "percpu_entries")) << json.substr(0, 300);
  ktsnap_render_opts o = text();
  std::string t = render_map("kt_cpu_stats", &o);
  EXPECT_TRUE(contains(t, "map kt_cpu_stats (type=percpu_array")) << t;
  std::string bss = render_map("kinds.bss", &o);
  EXPECT_TRUE(contains(bss, "kt_nr_events")) << bss;
  EXPECT_TRUE(contains(bss, "42")) << bss;
}

TEST_F(capiRender, ValueJsonAndText) {
  ktsnap_value bss = value("kinds.bss", 0);
  ktsnap_value inner = at(bss, "kt_bss_inner");
  std::string json = render_value(inner, nullptr);
  EXPECT_TRUE(contains(json, "\"kind\":\"struct\"")) << json;
  EXPECT_TRUE(contains(json, "\"value\":-3")) << json;
  ktsnap_render_opts o = text();
  std::string t = render_value(inner, &o);
  EXPECT_TRUE(contains(t, "a=7")) << t;
  EXPECT_TRUE(contains(t, "b=-3")) << t;
  ktsnap_value tid = at(value("kt_tasks", 4), "tid");
  EXPECT_EQ(render_value(tid, &o), "1004");
  EXPECT_TRUE(contains(render_value(tid, nullptr), "1004"));
}

TEST_F(capiRender, OptionErrors) {
  char* out = reinterpret_cast<char*>(0x1);
  size_t len = 99;
  ktsnap_render_opts o = KTSNAP_RENDER_OPTS_INIT;
  o.format = 7;
  EXPECT_FAILS_WITH(ktsnap_render_report(&out, &len, report_.get(), &o), KTSNAP_E_INVALID, "format 7 unknown");
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(len, 0u);
  o = KTSNAP_RENDER_OPTS_INIT;
  o.flags = 0x10;
  EXPECT_FAILS_WITH(ktsnap_render_report(&out, &len, report_.get(), &o), KTSNAP_E_INVALID, "unknown flag bits 0x10");
  o = KTSNAP_RENDER_OPTS_INIT;
  o.reserved[3] = 1;
  EXPECT_FAILS_WITH(ktsnap_render_report(&out, &len, report_.get(), &o), KTSNAP_E_INVALID, "reserved[3]");
  o = KTSNAP_RENDER_OPTS_INIT;
  o.sz = 0;
  EXPECT_FAILS_WITH(ktsnap_render_report(&out, &len, report_.get(), &o), KTSNAP_E_INVALID,
                    "ktsnap_render_opts: sz 0 too small");
  o.sz = 5;
  EXPECT_FAILS_WITH(ktsnap_render_map(&out, &len, map("kt_array"), &o), KTSNAP_E_INVALID, "sz 5 too small");
}

TEST_F(capiRender, OptionSizes) {
  struct Bigger {
    ktsnap_render_opts o;
    uint32_t newer[4];
  } big;
  std::memset(&big, 0, sizeof big);
  big.o.sz = sizeof big;
  big.o.format = KTSNAP_FORMAT_TEXT;
  char* out = nullptr;
  ASSERT_OK(ktsnap_render_map(&out, nullptr, map("kt_array"), &big.o));
  EXPECT_TRUE(contains(out, "map kt_array")) << out;
  ktsnap_free(out);
  big.newer[2] = 5;
  EXPECT_FAILS_WITH(ktsnap_render_map(&out, nullptr, map("kt_array"), &big.o), KTSNAP_E_INVALID, "ktsnap_render_opts");
  // An older, shorter struct that ends after `format`: max_entries and flags
  // are not read (whatever their bytes hold), format is.
  ktsnap_render_opts shortened = KTSNAP_RENDER_OPTS_INIT;
  shortened.format = KTSNAP_FORMAT_TEXT;
  shortened.flags = 0xffffffffu;
  shortened.max_entries = 1;
  shortened.sz = offsetof(ktsnap_render_opts, max_entries);
  std::string limited_none = render_map("kt_tasks", &shortened);
  ktsnap_render_opts all = text(0);
  EXPECT_EQ(limited_none, render_map("kt_tasks", &all));
}

TEST_F(capiRender, EmptyValueIsRejected) {
  ktsnap_value empty{};
  char* out = nullptr;
  EXPECT_FAILS_WITH(ktsnap_render_value(&out, nullptr, &empty, nullptr), KTSNAP_E_INVALID, "empty");
  EXPECT_EQ(out, nullptr);
}

// ---- hostile BTF: rendering must end, whatever the types say ----------

namespace {

void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; i++) b.push_back(uint8_t(v >> (8 * i)));
}

// Raw BTF with [1] int and [2] struct loop { struct loop a, b, ...; } of
// size 8: a struct that contains itself `members` times. libbpf accepts it
// (it checks ids, not cycles); a report built on it opens.
std::vector<uint8_t> self_referencing_btf(uint32_t members) {
  static const char strs[] = "\0int\0loop\0a\0b\0c";
  std::vector<uint8_t> types;
  put32(types, 1);                       // name "int"
  put32(types, 1u << 24);                // BTF_KIND_INT
  put32(types, 4);                       // size
  put32(types, (1u << 24) | 32);         // signed, 32 bits
  put32(types, 5);                       // name "loop"
  put32(types, (4u << 24) | members);    // BTF_KIND_STRUCT, vlen
  put32(types, 8);                       // size
  for (uint32_t m = 0; m < members; m++) {
    put32(types, 10 + 2 * m);            // "a", "b", "c"
    put32(types, 2);                     // itself
    put32(types, 0);                     // bit offset
  }
  std::vector<uint8_t> btf = {0x9f, 0xeb, 1, 0};
  put32(btf, 24);                        // hdr_len
  put32(btf, 0);                         // type_off
  put32(btf, uint32_t(types.size()));    // type_len
  put32(btf, uint32_t(types.size()));    // str_off
  put32(btf, sizeof strs);               // str_len
  btf.insert(btf.end(), types.begin(), types.end());
  btf.insert(btf.end(), strs, strs + sizeof strs);
  return btf;
}

ktsnap_report* loop_report(uint32_t members) {
  std::vector<uint8_t> btf = self_referencing_btf(members);
  ktsnap_builder* b = nullptr;
  if (ktsnap_builder_new(&b, nullptr) != KTSNAP_OK) return nullptr;
  BuilderPtr bp(b);
  int32_t bi = -1, mi = -1;
  if (ktsnap_builder_add_btf(&bi, b, btf.data(), btf.size(), -1) != KTSNAP_OK) return nullptr;
  ktsnap_map_desc d = KTSNAP_MAP_DESC_INIT;
  d.name = "loopy";
  d.map_type = 2;
  d.key_size = 4;
  d.value_size = 8;
  d.max_entries = 1;
  d.btf_index = bi;
  d.key_type_id = 1;
  d.value_type_id = 2;
  uint32_t key = 0;
  uint64_t val = 0x0102030405060708ull;
  if (ktsnap_builder_add_map(&mi, b, &d, &key, sizeof key, &val, sizeof val) != KTSNAP_OK) return nullptr;
  ktsnap_report* r = nullptr;
  if (ktsnap_builder_finish(&r, b) != KTSNAP_OK) return nullptr;
  return r;
}

// Runs `body` in a child process that gets `seconds` to finish; returns a
// description of how it ended ("exit 0", "killed by signal 14 (timeout)").
template <typename F>
std::string in_child_with_deadline(unsigned seconds, F&& body) {
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    alarm(seconds);
    _exit(body());
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return "waitpid failed";
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status)) +
           (WTERMSIG(status) == SIGALRM ? " (did not finish in " + std::to_string(seconds) + " s)" : "");
  return "ended oddly";
}

}  // namespace

TEST(capiRenderHostile, SelfReferencingStructStillReadsLazily) {
  // The value layer is lazy: walking into the cycle costs one step per
  // component, and the renderers are where a budget is needed.
  ReportPtr r(loop_report(2));
  ASSERT_NE(r, nullptr) << last_error();
  ktsnap_value v, deep;
  ASSERT_OK(ktsnap_map_value(&v, ktsnap_report_map_at(r.get(), 0), 0));
  EXPECT_EQ(ktsnap_value_kind(&v), KTSNAP_KIND_STRUCT);
  ASSERT_OK(ktsnap_value_get(&deep, &v, "a.b.a.b.a.b.a.b.a.b.a.b.a.b.a.b"));
  EXPECT_EQ(ktsnap_value_kind(&deep), KTSNAP_KIND_STRUCT);
}

class capiRenderHostileFormat : public ::testing::TestWithParam<std::tuple<uint32_t, uint32_t>> {};

TEST_P(capiRenderHostileFormat, SelfReferencingStructRendersInBoundedTime) {
  // A corrupt or hostile BTF must not make a renderer run (or allocate)
  // without bound: it returns, with output or with an error status.
  // Plain variables, not a structured binding: clang 14 cannot capture
  // those in a lambda.
  const uint32_t members = std::get<0>(GetParam());
  const uint32_t format = std::get<1>(GetParam());
  std::string how = in_child_with_deadline(10, [&]() -> int {
    ktsnap_report* r = loop_report(members);
    if (r == nullptr) return 10;
    ktsnap_render_opts o = KTSNAP_RENDER_OPTS_INIT;
    o.format = format;
    char* out = nullptr;
    size_t len = 0;
    ktsnap_status st = ktsnap_render_report(&out, &len, r, &o);
    ktsnap_free(out);
    ktsnap_report_free(r);
    if (st == KTSNAP_OK && len > (64u << 20)) return 11;  // 64 MiB of text from an 8-byte value
    return st == KTSNAP_OK || st < 0 ? 0 : 12;
  });
  EXPECT_EQ(how, "exit 0") << members << " self-member(s), "
                           << (format == KTSNAP_FORMAT_TEXT ? "text" : "JSON")
                           << " (exit 10: report not built, 11: unbounded output)";
}

INSTANTIATE_TEST_SUITE_P(Loops, capiRenderHostileFormat,
                         ::testing::Values(std::make_tuple(1u, KTSNAP_FORMAT_JSON), std::make_tuple(1u, KTSNAP_FORMAT_TEXT),
                                           std::make_tuple(2u, KTSNAP_FORMAT_JSON), std::make_tuple(2u, KTSNAP_FORMAT_TEXT)));
