#include "view/json_field.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace ktsnap {
inline namespace v1 {
namespace view {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

SnapshotError mismatch(std::string expected, std::string actual) {
  return TypeMismatch{std::move(expected), std::move(actual), ""};
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? char(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// The parsed document: the parser owns the DOM tape the elements point to.
struct StatsDocument {
  simdjson::dom::parser parser;
  element root;
};

// Rewrites integer literals outside the u64/i64 ranges as floats ("…" →
// "….0") so that the document parses; simdjson rejects them otherwise.
std::string widen_big_integers(std::string_view text) {
  static constexpr std::string_view kPosLimit = "18446744073709551615";
  static constexpr std::string_view kNegLimit = "9223372036854775808";
  std::string out;
  out.reserve(text.size() + 16);
  bool in_string = false;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        in_string = false;
      i++;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      i++;
      continue;
    }
    if (c != '-' && !is_digit(c)) {
      out += c;
      i++;
      continue;
    }
    // One whole number token: -?digits(.digits)?([eE][+-]?digits)?
    size_t j = i + (c == '-');
    size_t digits_start = j;
    while (j < text.size() && is_digit(text[j])) j++;
    std::string_view digits = text.substr(digits_start, j - digits_start);
    bool integral = true;
    if (j < text.size() && text[j] == '.') {
      integral = false;
      for (j++; j < text.size() && is_digit(text[j]);) j++;
    }
    if (j < text.size() && (text[j] == 'e' || text[j] == 'E')) {
      integral = false;
      j++;
      if (j < text.size() && (text[j] == '+' || text[j] == '-')) j++;
      while (j < text.size() && is_digit(text[j])) j++;
    }
    out += text.substr(i, j - i);
    if (integral && !digits.empty()) {
      std::string_view limit = c == '-' ? kNegLimit : kPosLimit;
      if (digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit)) out += ".0";
    }
    i = j;
  }
  return out;
}

double saturate_exponent_overflow(std::string_view body) {
  // from_chars reports a range error for results it cannot represent:
  // decide between overflow (infinity) and underflow (zero) by the decimal
  // magnitude of the literal.
  size_t e = body.find_first_of("eE");
  std::string_view mant = body.substr(0, e);
  int64_t exp = 0;
  if (e != std::string_view::npos) {
    std::string_view es = body.substr(e + 1);
    bool neg = !es.empty() && es[0] == '-';
    if (!es.empty() && (es[0] == '+' || es[0] == '-')) es.remove_prefix(1);
    for (char ch : es) exp = std::min<int64_t>(exp * 10 + (ch - '0'), 1'000'000'000);
    if (neg) exp = -exp;
  }
  size_t dot = mant.find('.');
  std::string_view ip = mant.substr(0, dot);
  std::string_view fp = dot == std::string_view::npos ? std::string_view() : mant.substr(dot + 1);
  size_t lead = ip.find_first_not_of('0');
  int64_t mag;
  if (lead != std::string_view::npos) {
    mag = exp + int64_t(ip.size() - lead);
  } else {
    size_t nz = fp.find_first_not_of('0');
    if (nz == std::string_view::npos) return 0.0;
    mag = exp - int64_t(nz);
  }
  return mag > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

template <typename T, typename Conv>
ViewResult<std::vector<T>> json_array(const JsonField& f, const char* name, Conv conv) {
  if (const SnapshotError* e = f.error()) return *e;
  element el = *f.raw();
  simdjson::dom::array arr;
  if (el.get_array().get(arr) != simdjson::SUCCESS) return mismatch(std::string("[") + name + "]", json_kind(el));
  std::vector<T> out;
  out.reserve(arr.size());
  for (element x : arr) {
    ViewResult<T> r = conv(JsonField::of(nullptr, x));
    if (!r.ok()) return r.take_error();  // the element's own error, unchanged
    out.push_back(r.value());
  }
  return out;
}

}  // namespace

const char* json_kind(const element& e) {
  switch (e.type()) {
    case element_type::NULL_VALUE:
      return "Null";
    case element_type::BOOL:
      return "Bool";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "Number";
    case element_type::STRING:
      return "String";
    case element_type::ARRAY:
      return "Array";
    case element_type::OBJECT:
      return "Object";
  }
  return "Null";
}

std::optional<uint64_t> parse_u64_text(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || !is_digit(s[0])) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> parse_i64_text(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || !is_digit(s[0])) return std::nullopt;
  uint64_t mag = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), mag, 10);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  constexpr uint64_t kMax = uint64_t(std::numeric_limits<int64_t>::max());
  if (neg) {
    if (mag > kMax + 1) return std::nullopt;
    return mag == kMax + 1 ? std::numeric_limits<int64_t>::min() : -int64_t(mag);
  }
  if (mag > kMax) return std::nullopt;
  return int64_t(mag);
}

std::optional<double> parse_f64_text(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  double sign = neg ? -1.0 : 1.0;
  if (iequals(s, "inf") || iequals(s, "infinity")) return sign * std::numeric_limits<double>::infinity();
  if (iequals(s, "nan")) return std::numeric_limits<double>::quiet_NaN();
  // digits [. digits] [e [sign] digits], at least one mantissa digit
  size_t i = 0, mant_digits = 0;
  while (i < s.size() && is_digit(s[i])) i++, mant_digits++;
  if (i < s.size() && s[i] == '.') {
    i++;
    while (i < s.size() && is_digit(s[i])) i++, mant_digits++;
  }
  if (mant_digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
    size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) i++, exp_digits++;
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) return sign * saturate_exponent_overflow(s);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return sign * v;
}

JsonField parse_stats_json(std::string_view text, std::string_view tag) {
  auto doc = std::make_shared<StatsDocument>();
  auto err = doc->parser.parse(text.data(), text.size(), true).get(doc->root);
  if (err == simdjson::NUMBER_ERROR) {
    std::string widened = widen_big_integers(text);
    if (widened != text) err = doc->parser.parse(widened.data(), widened.size(), true).get(doc->root);
  }
  if (err != simdjson::SUCCESS)
    return JsonField::missing(
        MissingStats{std::string(tag), MissingStatsReason::no_scheduler(std::string("the stats JSON does not parse: ") +
                                                                        simdjson::error_message(err))});
  element root = doc->root;
  return JsonField::of(std::shared_ptr<const void>(std::move(doc)), root);
}

std::optional<element> JsonField::raw() const {
  if (err_) return std::nullopt;
  return el_;
}

JsonField stats_path(const JsonField& root, std::string_view path) {
  return root.get(path);
}

JsonField JsonField::get(std::string_view path) const {
  if (err_ || path.empty()) return *this;
  element cur = el_;
  std::string walked;
  size_t pos = 0;
  for (;;) {
    size_t end = path.find('.', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view comp = path.substr(pos, end - pos);
    if (comp.empty()) return missing(EmptyPathComponent{std::string(path)});
    simdjson::dom::object obj;
    if (cur.get_object().get(obj) != simdjson::SUCCESS)
      return missing(NotAStruct{std::string(path), walked, std::string(comp), json_kind(cur)});
    bool found = false;
    for (auto kv : obj) {
      if (kv.key == comp) {
        cur = kv.value;
        found = true;
        break;
      }
    }
    if (!found) {
      std::vector<std::string> keys;
      for (auto kv : obj) keys.emplace_back(kv.key);
      std::sort(keys.begin(), keys.end());
      return missing(FieldNotFound{std::string(path), walked, std::string(comp), std::move(keys)});
    }
    if (!walked.empty()) walked += '.';
    walked += comp;
    if (end == path.size()) break;
    pos = end + 1;
  }
  return JsonField(owner_, cur);
}

std::vector<JsonField> JsonField::iter_members() const {
  std::vector<JsonField> out;
  if (err_) return out;
  simdjson::dom::array arr;
  if (el_.get_array().get(arr) != simdjson::SUCCESS) return out;
  for (element x : arr) out.push_back(JsonField(owner_, x));
  return out;
}

ViewResult<uint64_t> JsonField::as_u64() const {
  if (err_) return *err_;
  switch (el_.type()) {
    case element_type::UINT64:
      return el_.get_uint64().value_unsafe();
    case element_type::INT64: {
      int64_t v = el_.get_int64().value_unsafe();
      if (v < 0) return mismatch("u64", "Int(negative)");
      return uint64_t(v);
    }
    case element_type::DOUBLE: {
      double f = el_.get_double().value_unsafe();
      if (!std::isfinite(f) || f < 0) return mismatch("u64", "Float(non-coercible)");
      if (std::trunc(f) != f) return mismatch("integer", "non-integer float");
      if (f >= 18446744073709551616.0) return std::numeric_limits<uint64_t>::max();
      return uint64_t(f);
    }
    case element_type::BOOL:
      return uint64_t(el_.get_bool().value_unsafe());
    case element_type::STRING: {
      if (auto v = parse_u64_text(el_.get_string().value_unsafe())) return *v;
      return mismatch("u64", "String(non-numeric)");
    }
    default:
      return mismatch("u64", json_kind(el_));
  }
}

ViewResult<int64_t> JsonField::as_i64() const {
  if (err_) return *err_;
  switch (el_.type()) {
    case element_type::INT64:
      return el_.get_int64().value_unsafe();
    case element_type::UINT64: {
      uint64_t v = el_.get_uint64().value_unsafe();
      if (v > uint64_t(std::numeric_limits<int64_t>::max())) return mismatch("i64", "Uint(>i64::MAX)");
      return int64_t(v);
    }
    case element_type::DOUBLE: {
      double f = el_.get_double().value_unsafe();
      if (!std::isfinite(f)) return mismatch("i64", "Float(non-finite)");
      if (std::trunc(f) != f) return mismatch("integer", "non-integer float");
      if (f >= 9223372036854775808.0) return std::numeric_limits<int64_t>::max();
      if (f < -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
      return int64_t(f);
    }
    case element_type::BOOL:
      return int64_t(el_.get_bool().value_unsafe());
    case element_type::STRING: {
      if (auto v = parse_i64_text(el_.get_string().value_unsafe())) return *v;
      return mismatch("i64", "String(non-numeric)");
    }
    default:
      return mismatch("i64", json_kind(el_));
  }
}

ViewResult<double> JsonField::as_f64() const {
  if (err_) return *err_;
  switch (el_.type()) {
    case element_type::UINT64:
      return double(el_.get_uint64().value_unsafe());
    case element_type::INT64:
      return double(el_.get_int64().value_unsafe());
    case element_type::DOUBLE:
      return el_.get_double().value_unsafe();
    case element_type::STRING: {
      if (auto v = parse_f64_text(el_.get_string().value_unsafe())) return *v;
      return mismatch("f64", "String(non-numeric)");
    }
    default:
      return mismatch("f64", json_kind(el_));
  }
}

ViewResult<bool> JsonField::as_bool() const {
  if (err_) return *err_;
  if (el_.type() == element_type::BOOL) return el_.get_bool().value_unsafe();
  return mismatch("bool", json_kind(el_));
}

ViewResult<std::string_view> JsonField::as_str() const {
  if (err_) return *err_;
  if (el_.type() == element_type::STRING) return el_.get_string().value_unsafe();
  return mismatch("str", json_kind(el_));
}

ViewResult<std::vector<uint64_t>> JsonField::as_u64_array() const {
  return json_array<uint64_t>(*this, "u64", [](const JsonField& e) { return e.as_u64(); });
}
ViewResult<std::vector<uint32_t>> JsonField::as_u32_array() const {
  return json_array<uint32_t>(*this, "u32", [](const JsonField& e) -> ViewResult<uint32_t> {
    auto r = e.as_u64();
    if (!r.ok()) return r.take_error();
    if (r.value() > std::numeric_limits<uint32_t>::max()) return mismatch("u32", "Uint(>u32::MAX)");
    return static_cast<uint32_t>(r.value());
  });
}
ViewResult<std::vector<int64_t>> JsonField::as_i64_array() const {
  return json_array<int64_t>(*this, "i64", [](const JsonField& e) { return e.as_i64(); });
}
ViewResult<std::vector<double>> JsonField::as_f64_array() const {
  return json_array<double>(*this, "f64", [](const JsonField& e) { return e.as_f64(); });
}
ViewResult<std::vector<uint8_t>> JsonField::as_bool_array() const {
  return json_array<uint8_t>(*this, "bool", [](const JsonField& e) -> ViewResult<uint8_t> {
    auto r = e.as_bool();
    if (!r.ok()) return r.take_error();
    return uint8_t(r.value());
  });
}

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
