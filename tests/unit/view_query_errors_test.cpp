// Compile errors of predicates and paths: the column, the member lists,
// type checking, maps without BTF, and hostile input (deep nesting, long
// paths, oversized literals and expressions, arbitrary bytes).
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "helpers.hpp"
#include "report/builder.hpp"
#include "view/column.hpp"
#include "view/query.hpp"

namespace ktsnap::test {
namespace {

using view::Query;

const MapInfo& tasks() {
  return fixture_map("kt_tasks");
}

Error compile_error(const MapInfo& m, const std::string& expr) {
  auto q = Query::compile(m, expr);
  EXPECT_FALSE(q.ok()) << "compiled: " << expr;
  if (q.ok()) return Error();
  // Every "column N: " message carries N as a field too (for the C ABI's
  // ktsnap_error_info.column).
  const Error& e = q.error();
  if (e.message.starts_with("column ")) {
    uint32_t n = uint32_t(std::strtoul(e.message.c_str() + 7, nullptr, 10));
    EXPECT_EQ(e.column, n) << e.message;
  } else {
    EXPECT_EQ(e.column, 0u) << e.message;
  }
  return e;
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(ViewQueryErrors, UnknownMemberNamesColumnAndMembers) {
  Error e = compile_error(tasks(), "tid == 1003 && wieght > 5");
  EXPECT_EQ(e.code, Code::NotFound);
  EXPECT_TRUE(
      e.message.starts_with("column 16: no member \"wieght\" in struct kt_task_ctx; members: "
                            "runtime_ns, tid, state, weight, raw, lo16, hi16, inner, bits, comm, hist, "
                            "inner_ptr, opaque, on_cpu, load, avg, cv_val, e8, e16, e64, sc, uc"))
      << e.message;
  EXPECT_EQ(e.column, 16u);
  ASSERT_EQ(e.alternatives.size(), 22u);
  EXPECT_EQ(e.alternatives.front(), "runtime_ns");
  EXPECT_EQ(e.alternatives.back(), "uc");
  e = compile_error(tasks(), "inner.x == 1");
  EXPECT_EQ(e.message, "column 7: no member \"x\" in struct kt_inner; members: a, b, c");
  EXPECT_EQ(e.column, 7u);
  EXPECT_EQ(e.alternatives, (std::vector<std::string>{"a", "b", "c"}));
  e = compile_error(tasks(), "value.inner . zz == 1");
  EXPECT_TRUE(e.message.starts_with("column 15: no member \"zz\"")) << e.message;
  e = compile_error(fixture_map("kt_bits_hash"), "key.dsqq == 7");
  EXPECT_EQ(e.message, "column 5: no member \"dsqq\" in struct kt_key; members: cpu, dsq");
}

TEST(ViewQueryErrors, PathShapeErrors) {
  Error e = compile_error(tasks(), "tid.x == 1");
  EXPECT_EQ(e.code, Code::Type);
  EXPECT_TRUE(has(e.message, "column 5: 'tid' is int, not a struct")) << e.message;
  e = compile_error(tasks(), "tid[0] == 1");
  EXPECT_EQ(e.code, Code::Type);
  EXPECT_TRUE(has(e.message, "column 4: 'tid' is int, not an array")) << e.message;
  e = compile_error(tasks(), "hist[2][0] == 1");
  EXPECT_EQ(e.code, Code::Range);
  EXPECT_TRUE(has(e.message, "column 5: index 2 out of range for 'hist'")) << e.message;
  EXPECT_TRUE(has(e.message, "2 elements")) << e.message;
  e = compile_error(tasks(), "hist[1][3] == 1");
  EXPECT_TRUE(has(e.message, "column 8: index 3 out of range for 'hist[1]'")) << e.message;
  e = compile_error(tasks(), "bits.sv.x == 1");
  EXPECT_TRUE(has(e.message, "column 9: 'bits.sv' is a bitfield")) << e.message;
  e = compile_error(tasks(), "inner_ptr.a == 1");
  EXPECT_EQ(e.code, Code::Unsupported);
  EXPECT_TRUE(has(e.message, "column 11: path crosses a pointer at 'inner_ptr'")) << e.message;
  EXPECT_TRUE(has(e.message, "fixed offsets")) << e.message;
  e = compile_error(tasks(), "key.x == 1");
  EXPECT_TRUE(has(e.message, "column 5: 'key' is unsigned int, not a struct")) << e.message;
}

TEST(ViewQueryErrors, TypeChecking) {
  Error e = compile_error(tasks(), "tid == \"bash\"");
  EXPECT_EQ(e.code, Code::Type);
  EXPECT_TRUE(has(e.message, "column 8: cannot compare 'tid' (int) with a string literal")) << e.message;
  e = compile_error(tasks(), "comm < \"a\"");
  EXPECT_EQ(e.code, Code::Type);
  EXPECT_TRUE(has(e.message, "column 6: '<' does not apply to strings")) << e.message;
  e = compile_error(tasks(), "\"a\" >= \"b\"");
  EXPECT_TRUE(has(e.message, "'>=' does not apply to strings")) << e.message;
  e = compile_error(tasks(), "inner == 1");
  EXPECT_EQ(e.code, Code::Type);
  EXPECT_TRUE(has(e.message, "column 1: 'inner' is struct kt_inner; only scalars and char arrays")) << e.message;
  e = compile_error(tasks(), "value == 1");
  EXPECT_TRUE(has(e.message, "'value' is struct kt_task_ctx")) << e.message;
  e = compile_error(tasks(), "hist[1] == 3");
  EXPECT_TRUE(has(e.message, "'hist[1]' is unsigned int[3]")) << e.message;
  e = compile_error(tasks(), "comm == 5");
  EXPECT_TRUE(has(e.message, "column 9: cannot compare 'comm' (char[16]) with an integer literal")) << e.message;
  e = compile_error(tasks(), "comm == 5.5");
  EXPECT_EQ(e.code, Code::Type);
  e = compile_error(tasks(), "load");
  EXPECT_TRUE(has(e.message, "column 1: 'load' is a float")) << e.message;
  e = compile_error(tasks(), "comm");
  EXPECT_TRUE(has(e.message, "char array")) << e.message;
  e = compile_error(tasks(), "inner");
  EXPECT_EQ(e.code, Code::Type);
  e = compile_error(tasks(), "on_cpu > 1.5");
  EXPECT_TRUE(has(e.message, "do not convert to f64")) << e.message;
  e = compile_error(tasks(), "inner_ptr == 1.0");
  EXPECT_EQ(e.code, Code::Type);
  e = compile_error(tasks(), "5");
  EXPECT_TRUE(has(e.message, "column 1: an integer literal alone is not a condition")) << e.message;
  e = compile_error(tasks(), "\"x\" == 1");
  EXPECT_EQ(e.code, Code::Type);
  e = compile_error(tasks(), "comm == tid");
  EXPECT_TRUE(has(e.message, "column 6: cannot compare 'comm' (char[16]) with 'tid' (int)")) << e.message;
  e = compile_error(tasks(), "on_cpu < load");
  EXPECT_TRUE(has(e.message, "do not convert to f64")) << e.message;
}

TEST(ViewQueryErrors, EnumVariantsAreListed) {
  Error e = compile_error(tasks(), "state == \"KT_STATE_FOO\"");
  EXPECT_EQ(e.code, Code::NotFound);
  EXPECT_EQ(e.message,
            "column 10: no variant \"KT_STATE_FOO\" in enum kt_state ('state'); variants: "
            "KT_STATE_IDLE, KT_STATE_RUNNING, KT_STATE_BLOCKED");
  EXPECT_EQ(e.column, 10u);
  EXPECT_EQ(e.alternatives, (std::vector<std::string>{"KT_STATE_IDLE", "KT_STATE_RUNNING", "KT_STATE_BLOCKED"}));
  e = compile_error(tasks(), "state < \"KT_STATE_RUNNING\"");
  EXPECT_TRUE(has(e.message, "'<' does not apply to strings")) << e.message;
}

TEST(ViewQueryErrors, Syntax) {
  struct Case {
    const char* expr;
    const char* part;
  } cases[] = {
      {"", "column 1: empty expression"},
      {"   ", "column 1: empty expression"},
      {"tid = 5", "column 5: '=' is not an operator"},
      {"tid == 5 & on_cpu", "column 10: '&' is not an operator"},
      {"tid == 5 | on_cpu", "column 10: '|' is not an operator"},
      {"tid ==", "column 7: expected a condition or an operand, found the end"},
      {"== 5", "column 1: expected a path or a literal, found '=='"},
      {"tid == 5 5", "column 10: expected '&&', '||' or the end of the expression, found an integer"},
      {"1 < tid < 5", "comparisons do not chain"},
      {"()", "column 2: expected a path or a literal, found ')'"},
      {"(tid == 5", "column 10: expected ')' to close the '(' at column 1"},
      {"tid == 5)", "column 9: expected '&&', '||'"},
      {"tid[", "column 5: expected a non-negative integer index"},
      {"hist[1", "column 7: expected ']' to close the index opened at column 5"},
      {"hist[-1] == 0", "a negative integer"},
      {"hist[x] == 0", "column 6: expected a non-negative integer index after '[', found a name"},
      {"inner. == 1", "column 8: expected a member name after '.'"},
      {"inner.", "column 7: expected a member name after '.'"},
      {"comm == \"bash", "column 9: unterminated string literal"},
      {"comm == \"ba\\nsh\"", "column 12: unsupported escape \\n"},
      {"tid == 12abc", "column 8: malformed number \"12abc\""},
      {"tid == 0x", "column 8: malformed number"},
      {"tid == 1e", "column 8: malformed number"},
      {"tid == - 5", "column 8: '-' must be directly followed by a digit"},
      {"tid == 5 && && on_cpu", "column 13: expected a path or a literal, found '&&'"},
      {"tid @ 5", "column 5: unexpected '@'"},
      {"tid == 5 \x01", "column 10: unexpected byte 0x01"},
      {"tid\xc3\xa9 == 5", "column 4: unexpected byte 0xc3"},
      {"!", "column 2: expected a condition or an operand"},
  };
  for (const Case& c : cases) {
    Error e = compile_error(tasks(), c.expr);
    EXPECT_TRUE(has(e.message, c.part)) << "expr [" << c.expr << "] gave: " << e.message;
    EXPECT_TRUE(e.message.starts_with("column ")) << e.message;
  }
  // a NUL byte inside the expression is just another unexpected byte
  std::string nul("tid == 5 ", 9);
  nul.push_back('\0');
  EXPECT_TRUE(has(compile_error(tasks(), nul).message, "column 10: unexpected byte 0x00"));
}

TEST(ViewQueryErrors, LiteralLimits) {
  Error e = compile_error(tasks(), "tid == 18446744073709551616");
  EXPECT_EQ(e.code, Code::Range);
  EXPECT_TRUE(has(e.message, "column 8: integer literal does not fit in 64 bits")) << e.message;
  e = compile_error(tasks(), "tid == 0x10000000000000000");
  EXPECT_EQ(e.code, Code::Range);
  e = compile_error(tasks(), "tid == -9223372036854775809");
  EXPECT_TRUE(has(e.message, "column 8: negative integer literal is below the i64 range")) << e.message;
  EXPECT_TRUE(Query::compile(tasks(), "tid == -9223372036854775808").ok());
  EXPECT_TRUE(Query::compile(tasks(), "tid != 18446744073709551615").ok());
  e = compile_error(tasks(), "load < 1e999");
  EXPECT_EQ(e.code, Code::Range);
  EXPECT_TRUE(has(e.message, "column 8: float literal")) << e.message;
  std::string big(std::string(4096, 'a'));
  EXPECT_TRUE(Query::compile(tasks(), "comm == \"" + big + "\"").ok());
  e = compile_error(tasks(), "comm == \"" + big + "a\"");
  EXPECT_EQ(e.code, Code::Range);
  EXPECT_TRUE(has(e.message, "column 9: string literal longer than 4096 bytes")) << e.message;
  // 64 KiB of digits
  e = compile_error(tasks(), "tid == " + std::string(60000, '9'));
  EXPECT_EQ(e.code, Code::Range);
}

TEST(ViewQueryErrors, HostileNestingAndLength) {
  // exactly 64 levels compile, 65 do not, a million are rejected by size
  std::string ok = std::string(64, '(') + "tid == 1003" + std::string(64, ')');
  auto q = Query::compile(tasks(), ok);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_TRUE(q->matches(3));
  Error e = compile_error(tasks(), std::string(65, '(') + "tid == 1" + std::string(65, ')'));
  EXPECT_EQ(e.code, Code::Range);
  EXPECT_TRUE(has(e.message, "column 65: nesting deeper than 64 levels")) << e.message;
  e = compile_error(tasks(), std::string(60000, '(') + "tid");
  EXPECT_TRUE(has(e.message, "column 65: nesting deeper")) << e.message;
  e = compile_error(tasks(), std::string(30000, '!') + "on_cpu");
  EXPECT_TRUE(has(e.message, "column 65: nesting deeper")) << e.message;
  std::string bangs = std::string(64, '!') + "on_cpu";
  q = Query::compile(tasks(), bangs);
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->matches(1));  // an even number of negations
  e = compile_error(tasks(), std::string(1 << 20, '('));
  EXPECT_EQ(e.code, Code::Range);
  EXPECT_TRUE(has(e.message, "exceeds the 65536-byte limit")) << e.message;
  // wide but shallow: thousands of clauses are fine
  std::string wide = "tid == 1000";
  for (int i = 1; i < 4000; i++) wide += " || tid == " + std::to_string(i + 1000);
  ASSERT_LT(wide.size(), 65536u);
  q = Query::compile(tasks(), wide);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->instruction_count(), 4000u);
  EXPECT_EQ(q->count().value(), 16u);
  // alternating groups, each level needing parentheses
  std::string alt = "tid == 1003";
  for (int i = 0; i < 60; i++) alt = "(" + alt + (i % 2 ? " || " : " && ") + "tid > 0)";
  q = Query::compile(tasks(), alt);
  ASSERT_TRUE(q.ok()) << q.error().message;
}

TEST(ViewQueryErrors, HostilePaths) {
  std::string path = "a";
  for (int i = 0; i < 9999; i++) path += ".b";
  Error e = compile_error(tasks(), path + " == 1");
  EXPECT_EQ(e.code, Code::Range);
  EXPECT_TRUE(has(e.message, "path has more than 256 components")) << e.message;
  std::string idx = "hist";
  for (int i = 0; i < 10000; i++) idx += "[0]";
  e = compile_error(tasks(), idx + " == 1");
  EXPECT_TRUE(has(e.message, "path has more than 256 components")) << e.message;
  // resolve_path and Column share the limits
  auto r = view::resolve_path(tasks(), path);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error().message, "more than 256 components"));
  auto c = view::Column::compile(tasks(), idx);
  ASSERT_FALSE(c.ok());
  // within the limit, a long path fails on the first bad component
  e = compile_error(tasks(), "inner.a.b.c.d == 1");
  EXPECT_TRUE(has(e.message, "column 9: 'inner.a' is unsigned int, not a struct")) << e.message;
  e = compile_error(tasks(), "hist[99999999999] == 1");
  EXPECT_EQ(e.code, Code::Range);
  e = compile_error(tasks(), "hist[0x10000000000000000] == 1");
  EXPECT_EQ(e.code, Code::Range);
}

TEST(ViewQueryErrors, RandomBytesNeverCrash) {
  std::mt19937_64 rng(7);
  const std::string alphabet = "tidcomhsv_.[]()!=<>&|\"\\ 0123456789-xe";
  int compiled = 0;
  for (int n = 0; n < 20000; n++) {
    std::string s;
    size_t len = rng() % 40;
    for (size_t i = 0; i < len; i++)
      s.push_back(rng() % 8 == 0 ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()]);
    auto q = Query::compile(tasks(), s);
    if (q.ok()) {
      compiled++;
      for (uint32_t e = 0; e < tasks().entry_count; e++) (void)q->matches(e);
    } else {
      EXPECT_TRUE(q.error().message.starts_with("column ")) << s << " -> " << q.error().message;
    }
  }
  EXPECT_GT(compiled, 0);
}

// A map without BTF: path operands fail with a hint, literals still work.
TEST(ViewQueryErrors, MapsWithoutBtf) {
  ReportBuilder b;
  MapSpec s;
  s.name = "raw_hash";
  s.map_type = kMapTypeHash;
  s.key_size = 4;
  s.value_size = 8;
  s.max_entries = 8;
  std::vector<uint8_t> keys(12, 1), values(24, 2);
  ASSERT_TRUE(b.add_map(s, {keys.data(), keys.size()}, {values.data(), values.size()}).ok());
  auto buf = b.finish();
  ASSERT_TRUE(buf.ok()) << buf.error().message;
  auto rep = Report::open_memory(buf->data(), buf->size());
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  const MapInfo& m = *rep.value()->find_map("raw_hash");
  Error e = compile_error(m, "on_cpu || x == 1");
  EXPECT_EQ(e.code, Code::Unsupported);
  EXPECT_TRUE(has(e.message, "column 1: map 'raw_hash' was captured without BTF")) << e.message;
  EXPECT_TRUE(has(e.message, "CONFIG_DEBUG_INFO_BTF=y")) << e.message;
  e = compile_error(m, "true && key == 1");
  EXPECT_TRUE(has(e.message, "column 9:")) << e.message;
  auto q = Query::compile(m, "true");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->count().value(), 3u);
  EXPECT_EQ(view::Column::compile(m, "value").error().code, Code::Unsupported);

  // BTF present but the map's value type id is 0
  const MapInfo& tk = tasks();
  MapInfo no_type = tk;
  no_type.value_type_id = 0;
  e = compile_error(no_type, "tid == 1");
  EXPECT_TRUE(has(e.message, "no BTF type for its values (type id 0)")) << e.message;
  EXPECT_TRUE(Query::compile(no_type, "key == 1001").ok());
  MapInfo flagged = tk;
  flagged.flags |= kMapBtfMissing;
  EXPECT_TRUE(has(compile_error(flagged, "key == 1").message, "captured without BTF"));
}

}  // namespace
}  // namespace ktsnap::test
