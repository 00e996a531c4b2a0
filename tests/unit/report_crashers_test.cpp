// Every input the fuzzer ever crashed on (tests/fuzz/crashers/) must now open
// or be refused, and whatever opens must walk and render without a crash.
#include <dirent.h>

#include <fstream>
#include <iterator>

#include "unit/helpers.hpp"
#include "value/render.hpp"
#include "value/value.hpp"

using namespace ktsnap;

namespace {

void walk(const Value& v, int depth) {
  if (depth > 3 || !v.valid()) return;
  (void)v.type_name();
  (void)v.as_u64();
  (void)v.as_string();
  if (auto names = v.member_names(); names.ok())
    for (auto n : names.value())
      if (auto m = v.member(n); m.ok()) walk(m.value(), depth + 1);
  if (auto d = v.deref(); d.ok()) walk(d.value(), depth + 1);
  if (auto e = v.index(0); e.ok()) walk(e.value(), depth + 1);
}

}  // namespace

TEST(ReportCrashers, ReplayedInputsAreHandled) {
  std::string dir = std::string(KTSNAP_SOURCE_DIR) + "/tests/fuzz/crashers";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) GTEST_SKIP() << "no crasher directory " << dir;
  int replayed = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.' || std::string(e->d_name).ends_with(".md")) continue;
    std::ifstream in(dir + "/" + e->d_name, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(e->d_name);
    auto r = Report::open_memory(bytes.data(), bytes.size(), {.copy = true});
    replayed++;
    if (!r.ok()) {
      EXPECT_FALSE(r.error().message.empty());
      continue;
    }
    const Report& rep = *r.value();
    for (size_t m = 0; m < rep.map_count(); m++) {
      const MapInfo& mi = rep.map(m);
      for (uint32_t i = 0; i < mi.entry_count && i < 64; i++) {
        walk(Value::map_key(mi, i), 0);
        walk(Value::map_value(mi, i), 0);
      }
    }
    std::string out;
    (void)render_report_json(rep, out);
    out.clear();
    (void)render_report_text(rep, out);
  }
  closedir(d);
  EXPECT_GT(replayed, 0);
}
