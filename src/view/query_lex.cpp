// Tokenizer of predicate expressions and paths. Every error names the
// 1-based column; nothing here recurses, and every loop advances.
#include <charconv>
#include <cstdio>

#include "view/query_internal.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {
namespace query_detail {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident(char c) {
  return is_ident_start(c) || is_digit(c);
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string describe_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u <= 0x7e) return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02x", u);
  return buf;
}

}  // namespace

const char* tok_name(Tok t) {
  switch (t) {
    case Tok::End:
      return "end of expression";
    case Tok::Ident:
      return "a name";
    case Tok::Int:
      return "an integer";
    case Tok::Float:
      return "a float";
    case Tok::String:
      return "a string";
    case Tok::LParen:
      return "'('";
    case Tok::RParen:
      return "')'";
    case Tok::LBracket:
      return "'['";
    case Tok::RBracket:
      return "']'";
    case Tok::Dot:
      return "'.'";
    case Tok::Not:
      return "'!'";
    case Tok::AndAnd:
      return "'&&'";
    case Tok::OrOr:
      return "'||'";
    case Tok::Eq:
      return "'=='";
    case Tok::Ne:
      return "'!='";
    case Tok::Lt:
      return "'<'";
    case Tok::Le:
      return "'<='";
    case Tok::Gt:
      return "'>'";
    case Tok::Ge:
      return "'>='";
  }
  return "?";
}

Error error_at(Code c, uint32_t column, const std::string& msg) {
  Error e = make_error(c, "column " + std::to_string(column) + ": " + msg);
  e.column = column;
  return e;
}

Status Lexer::next(Token& t) {
  while (i_ < src_.size() && is_space(src_[i_])) i_++;
  t.kind = Tok::End;
  t.pos = static_cast<uint32_t>(i_);
  t.len = 0;
  t.mag = 0;
  t.neg = false;
  t.f = 0;
  t.str.clear();
  if (i_ >= src_.size()) return {};
  const char c = src_[i_];
  const char n = i_ + 1 < src_.size() ? src_[i_ + 1] : '\0';
  auto one = [&](Tok k) {
    t.kind = k;
    t.len = 1;
    i_ += 1;
    return Status();
  };
  auto two = [&](Tok k) {
    t.kind = k;
    t.len = 2;
    i_ += 2;
    return Status();
  };
  if (is_ident_start(c)) {
    size_t s = i_;
    while (i_ < src_.size() && is_ident(src_[i_])) i_++;
    t.kind = Tok::Ident;
    t.len = static_cast<uint32_t>(i_ - s);
    return {};
  }
  if (is_digit(c) || (c == '-' && is_digit(n))) return number(t);
  switch (c) {
    case '"':
      return string(t);
    case '(':
      return one(Tok::LParen);
    case ')':
      return one(Tok::RParen);
    case '[':
      return one(Tok::LBracket);
    case ']':
      return one(Tok::RBracket);
    case '.':
      return one(Tok::Dot);
    case '!':
      return n == '=' ? two(Tok::Ne) : one(Tok::Not);
    case '<':
      return n == '=' ? two(Tok::Le) : one(Tok::Lt);
    case '>':
      return n == '=' ? two(Tok::Ge) : one(Tok::Gt);
    case '=':
      if (n == '=') return two(Tok::Eq);
      return error_at(Code::Invalid, t.column(), "'=' is not an operator; compare with '=='");
    case '&':
      if (n == '&') return two(Tok::AndAnd);
      return error_at(Code::Invalid, t.column(), "'&' is not an operator; combine conditions with '&&'");
    case '|':
      if (n == '|') return two(Tok::OrOr);
      return error_at(Code::Invalid, t.column(), "'|' is not an operator; combine conditions with '||'");
    case '-':
      return error_at(Code::Invalid, t.column(),
                      "'-' must be directly followed by a digit (a negative literal; there is no arithmetic)");
    default:
      return error_at(Code::Invalid, t.column(), "unexpected " + describe_char(c));
  }
}

Status Lexer::number(Token& t) {
  const size_t start = i_;
  const uint32_t col = t.column();
  bool neg = false;
  if (src_[i_] == '-') {
    neg = true;
    i_++;
  }
  const size_t digits = i_;
  auto malformed = [&]() {
    size_t e = i_;
    while (e < src_.size() && (is_ident(src_[e]) || src_[e] == '.')) e++;
    std::string_view bad = src_.substr(start, std::min<size_t>(e - start, 40));
    return error_at(Code::Invalid, col, "malformed number \"" + std::string(bad) + "\"");
  };
  // Hexadecimal integer.
  if (src_[i_] == '0' && i_ + 1 < src_.size() && (src_[i_ + 1] == 'x' || src_[i_ + 1] == 'X')) {
    i_ += 2;
    uint64_t v = 0;
    bool overflow = false;
    size_t first = i_;
    while (i_ < src_.size() && hex_value(src_[i_]) >= 0) {
      if (v > (UINT64_MAX >> 4)) overflow = true;
      v = (v << 4) | static_cast<uint64_t>(hex_value(src_[i_]));
      i_++;
    }
    if (i_ == first || (i_ < src_.size() && (is_ident(src_[i_]) || src_[i_] == '.'))) return malformed();
    if (overflow) return error_at(Code::Range, col, "integer literal does not fit in 64 bits");
    if (neg && v > (1ull << 63)) return error_at(Code::Range, col, "negative integer literal is below the i64 range");
    t.kind = Tok::Int;
    t.mag = v;
    t.neg = neg && v != 0;
    t.len = static_cast<uint32_t>(i_ - start);
    return {};
  }
  while (i_ < src_.size() && is_digit(src_[i_])) i_++;
  bool is_float = false;
  if (i_ < src_.size() && src_[i_] == '.' && i_ + 1 < src_.size() && is_digit(src_[i_ + 1])) {
    is_float = true;
    i_++;
    while (i_ < src_.size() && is_digit(src_[i_])) i_++;
  }
  if (i_ < src_.size() && (src_[i_] == 'e' || src_[i_] == 'E')) {
    size_t e = i_ + 1;
    if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) e++;
    if (e >= src_.size() || !is_digit(src_[e])) return malformed();
    is_float = true;
    i_ = e;
    while (i_ < src_.size() && is_digit(src_[i_])) i_++;
  }
  if (i_ < src_.size() && (is_ident(src_[i_]) || src_[i_] == '.')) return malformed();
  t.len = static_cast<uint32_t>(i_ - start);
  if (is_float) {
    double d = 0;
    auto r = std::from_chars(src_.data() + start, src_.data() + i_, d);
    if (r.ec == std::errc::result_out_of_range)
      return error_at(Code::Range, col,
                      "float literal \"" + std::string(src_.substr(start, std::min<size_t>(t.len, 40))) +
                          "\" is out of the f64 range");
    if (r.ec != std::errc() || r.ptr != src_.data() + i_) return malformed();
    t.kind = Tok::Float;
    t.f = d;
    return {};
  }
  uint64_t v = 0;
  bool overflow = false;
  for (size_t k = digits; k < i_; k++) {
    uint64_t d = static_cast<uint64_t>(src_[k] - '0');
    if (v > (UINT64_MAX - d) / 10) overflow = true;
    if (!overflow) v = v * 10 + d;
  }
  if (overflow) return error_at(Code::Range, col, "integer literal does not fit in 64 bits");
  if (neg && v > (1ull << 63)) return error_at(Code::Range, col, "negative integer literal is below the i64 range");
  t.kind = Tok::Int;
  t.mag = v;
  t.neg = neg && v != 0;
  return {};
}

Status Lexer::string(Token& t) {
  const uint32_t col = t.column();
  size_t k = i_ + 1;
  std::string out;
  while (true) {
    if (k >= src_.size()) return error_at(Code::Invalid, col, "unterminated string literal");
    char c = src_[k];
    if (c == '"') break;
    if (c == '\\') {
      if (k + 1 >= src_.size()) return error_at(Code::Invalid, col, "unterminated string literal");
      char e = src_[k + 1];
      if (e != '"' && e != '\\')
        return error_at(Code::Invalid, static_cast<uint32_t>(k + 1),
                        "unsupported escape \\" + std::string(1, e) + " in a string (only \\\" and \\\\)");
      c = e;
      k++;
    }
    if (out.size() >= kMaxStringLiteral)
      return error_at(Code::Range, col, "string literal longer than " + std::to_string(kMaxStringLiteral) + " bytes");
    out.push_back(c);
    k++;
  }
  t.kind = Tok::String;
  t.str = std::move(out);
  t.len = static_cast<uint32_t>(k + 1 - i_);
  i_ = k + 1;
  return {};
}

}  // namespace query_detail
}  // namespace view
}  // namespace v1
}  // namespace ktsnap
