// Small formatting helpers shared by the JSON and text renderers: integer
// and float formatting without printf, hex dumps, JSON string escaping,
// cpumask decoding. Header-only so the hot paths inline.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ktsnap {
inline namespace v1 {
namespace render {

inline constexpr uint64_t kCpumaskReadCapBytes = 1024;  // covers NR_CPUS <= 8192

inline constexpr char kDigits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Eight ASCII digits of v (< 1e8), zero-padded, as a little-endian word
// (first digit in the low byte). SWAR: both 4-digit halves, then all four
// 2-digit pairs, then all eight digits are split at once with
// multiply-shift reciprocals (exact for these ranges).
inline uint64_t digits8(uint32_t v) {
  uint64_t merged = uint64_t(v / 10000) | (uint64_t(v % 10000) << 32);
  uint64_t top = ((merged * 10486ull) >> 20) & ((0x7Full << 32) | 0x7Full);  // /100 per lane
  uint64_t bot = merged - 100ull * top;                                      // %100 per lane
  uint64_t hundreds = (bot << 16) + top;
  uint64_t tens = ((hundreds * 103ull) >> 10) & ((0xFull << 48) | (0xFull << 32) | (0xFull << 16) | 0xFull);
  tens += (hundreds - 10ull * tens) << 8;
  return tens + 0x3030303030303030ull;
}

inline void put8(char* p, uint32_t v) {
  uint64_t x = digits8(v);
  std::memcpy(p, &x, 8);
}

// 1 <= v < 1e8 without leading zeros. Writes 8 bytes (the caller has
// slack); returns the end of the digits. Leading '0' chars are found with
// one ctz instead of a digit-count branch ladder.
inline char* put_upto8(char* p, uint32_t v) {
  uint64_t x = digits8(v);
  int lz = __builtin_ctzll(x - 0x3030303030303030ull) / 8;
  x >>= lz * 8;
  std::memcpy(p, &x, 8);
  return p + (8 - lz);
}

// Writes the decimal form of v at p; returns the end. May write up to 24
// bytes past p (callers reserve that much).
inline char* put_u64(char* p, uint64_t v) {
  if (v < 100) {
    if (v < 10) {
      *p = static_cast<char>('0' + v);
      return p + 1;
    }
    std::memcpy(p, kDigits2 + v * 2, 2);
    return p + 2;
  }
  if (v < 100000000ull) return put_upto8(p, static_cast<uint32_t>(v));
  if (v < 10000000000000000ull) {
    p = put_upto8(p, static_cast<uint32_t>(v / 100000000ull));
    put8(p, static_cast<uint32_t>(v % 100000000ull));
    return p + 8;
  }
  uint64_t rest = v % 10000000000000000ull;
  p = put_upto8(p, static_cast<uint32_t>(v / 10000000000000000ull));
  put8(p, static_cast<uint32_t>(rest / 100000000ull));
  put8(p + 8, static_cast<uint32_t>(rest % 100000000ull));
  return p + 16;
}

// At most 20 chars.
inline char* put_i64(char* p, int64_t v) {
  if (v < 0) {
    *p++ = '-';
    return put_u64(p, 0 - static_cast<uint64_t>(v));
  }
  return put_u64(p, static_cast<uint64_t>(v));
}

inline void append_u64(std::string& s, uint64_t v) {
  char b[32];
  s.append(b, put_u64(b, v));
}
inline void append_i64(std::string& s, int64_t v) {
  char b[32];
  s.append(b, put_i64(b, v));
}

// Lowercase hex without padding ("0x" not included). At most 16 chars.
inline char* put_hex(char* p, uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  int n = v == 0 ? 1 : (67 - __builtin_clzll(v)) / 4;
  for (int i = n - 1; i >= 0; i--) {
    p[i] = kHex[v & 15];
    v >>= 4;
  }
  return p + n;
}
inline void append_hex(std::string& s, uint64_t v) {
  char b[20];
  s.append(b, put_hex(b, v));
}

// "aa bb cc": lowercase, one space between bytes, "" for no bytes.
inline void append_hex_dump(std::string& s, const uint8_t* p, uint64_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (n == 0) return;
  size_t at = s.size();
  s.resize(at + n * 3 - 1);
  char* w = s.data() + at;
  for (uint64_t i = 0; i < n; i++) {
    if (i) *w++ = ' ';
    *w++ = kHex[p[i] >> 4];
    *w++ = kHex[p[i] & 15];
  }
}

// JSON number for a float: shortest round-trip; integral values get ".0"
// so readers see a float; non-finite values have no JSON form (null).
inline char* put_json_double(char* p, double d) {
  if (!(d == d) || d == __builtin_inf() || d == -__builtin_inf()) {
    std::memcpy(p, "null", 4);
    return p + 4;
  }
  char* e = std::to_chars(p, p + 32, d).ptr;
  bool plain = true;
  for (char* q = p; q < e; q++)
    if (*q == '.' || *q == 'e') plain = false;
  if (plain) {
    std::memcpy(e, ".0", 2);
    e += 2;
  }
  return e;
}
inline constexpr size_t kMaxJsonDouble = 34;

// Text form of a float: shortest round-trip decimal, never exponent
// notation ("1", "1.5", "0.0000001"), NaN / inf / -inf.
inline void append_text_double(std::string& s, double d) {
  if (!(d == d)) {
    s += "NaN";
    return;
  }
  if (d == __builtin_inf()) {
    s += "inf";
    return;
  }
  if (d == -__builtin_inf()) {
    s += "-inf";
    return;
  }
  char b[400];
  auto r = std::to_chars(b, b + sizeof b, d, std::chars_format::fixed);
  s.append(b, r.ptr);
}

// Length of a valid UTF-8 sequence at p (1..4), or 0 when invalid.
inline size_t utf8_seq_len(const unsigned char* p, size_t n) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xe0) == 0xc0) {
    len = 2;
    cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3;
    cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

// Appends s as a JSON string literal (with quotes). Invalid UTF-8 becomes
// U+FFFD so the output always parses.
inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      size_t j = i + 1;
      while (j < n && p[j] >= 0x20 && p[j] < 0x80 && p[j] != '"' && p[j] != '\\') j++;
      out.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      size_t l = utf8_seq_len(p + i, n - i);
      if (l == 0) {
        out += "\xef\xbf\xbd";
        i++;
        continue;
      }
      out.append(s.data() + i, l);
      i += l;
      continue;
    }
    i++;
  }
  out += '"';
}

// Same text with invalid UTF-8 replaced, for the text display.
inline void append_utf8_lossy(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    size_t l = utf8_seq_len(p + i, s.size() - i);
    if (l == 0) {
      out += "\xef\xbf\xbd";
      i++;
    } else {
      out.append(s.data() + i, l);
      i += l;
    }
  }
}

inline uint64_t load_le(const uint8_t* p, unsigned n) {
  uint64_t v = 0;
  if (n >= 8) {
    std::memcpy(&v, p, 8);
    return v;
  }
  for (unsigned i = 0; i < n; i++) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

inline int64_t sign_extend(uint64_t v, unsigned bits) {
  if (bits == 0) return 0;
  if (bits >= 64) return static_cast<int64_t>(v);
  uint64_t m = 1ull << (bits - 1);
  v &= (m << 1) - 1;
  return static_cast<int64_t>((v ^ m) - m);
}

// Bitfield value: `need` bytes from p, shifted and masked to width (1..64).
inline uint64_t load_bitfield(const uint8_t* p, unsigned shift, unsigned width) {
  unsigned need = (shift + width + 7) / 8;
  uint64_t lo = load_le(p, need > 8 ? 8 : need);
  uint64_t v = lo >> shift;
  if (need > 8 && shift) v |= uint64_t(p[8]) << (64 - shift);
  if (width < 64) v &= (1ull << width) - 1;
  return v;
}

// Cpumask bitmap to a range-collapsed list ("0-2,5"): 64-bit LE words,
// zero words skipped, stop at the first word whose first CPU is past
// max_cpus, stop at a word that is not all ones but has 0xff in its top byte
// (looks like a kernel pointer: slab garbage, not a mask).
inline void decode_cpumask(const uint8_t* p, uint64_t len, uint32_t max_cpus, std::string& out) {
  uint64_t words = len / 8;
  int64_t run_start = -1, prev = -2;
  auto flush = [&]() {
    if (run_start < 0) return;
    if (!out.empty()) out += ',';
    append_u64(out, static_cast<uint64_t>(run_start));
    if (prev > run_start) {
      out += '-';
      append_u64(out, static_cast<uint64_t>(prev));
    }
  };
  for (uint64_t w = 0; w < words; w++) {
    if (w * 64 >= max_cpus) break;
    uint64_t word = load_le(p + w * 8, 8);
    if (word == 0) continue;
    if (word != ~0ull && (word >> 56) == 0xff) break;
    while (word) {
      int b = __builtin_ctzll(word);
      word &= word - 1;
      uint64_t cpu = w * 64 + static_cast<unsigned>(b);
      if (cpu >= max_cpus) break;
      int64_t c = static_cast<int64_t>(cpu);
      if (c == prev + 1) {
        prev = c;
      } else {
        flush();
        run_start = prev = c;
      }
    }
  }
  flush();
}

inline bool is_cpumask_struct_name(std::string_view n) {
  return n == "cpumask" || n == "cpumask_t" || n == "bpf_cpumask" || n == "llc_cpumask";
}

}  // namespace render
}  // namespace v1
}  // namespace ktsnap
