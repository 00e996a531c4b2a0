// Internals shared by queries, columns and aggregates: the tokenizer, the
// path parser, and the fixed-offset loads and §4.2 conversions. Not part of
// any public surface.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "internal/status.hpp"
#include "report/report.hpp"
#include "view/query_path.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {
namespace query_detail {

// ---- limits on hostile input ----------------------------------------------
inline constexpr size_t kMaxExpressionBytes = 64 * 1024;
inline constexpr int kMaxNesting = 64;  // '(' and '!' levels
inline constexpr size_t kMaxPathComponents = 256;
inline constexpr size_t kMaxStringLiteral = 4096;

// ---- tokens ----------------------------------------------------------------
enum class Tok : uint8_t {
  End,
  Ident,
  Int,
  Float,
  String,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Dot,
  Not,
  AndAnd,
  OrOr,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
};
const char* tok_name(Tok t);

struct Token {
  Tok kind = Tok::End;
  uint32_t pos = 0;  // 0-based byte offset in the source
  uint32_t len = 0;
  uint64_t mag = 0;  // Int: magnitude
  bool neg = false;  // Int: written with a leading '-'
  double f = 0;      // Float
  std::string str;   // String: the decoded bytes
  uint32_t column() const { return pos + 1; }
};

// "column N: " + msg
Error error_at(Code c, uint32_t column, const std::string& msg);

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}
  // Reads the next token into t (End at the end of the input).
  Status next(Token& t);
  std::string_view source() const { return src_; }
  std::string_view text(const Token& t) const { return src_.substr(t.pos, t.len); }

 private:
  Status number(Token& t);
  Status string(Token& t);
  std::string_view src_;
  size_t i_ = 0;
};

// ---- paths -------------------------------------------------------------------
struct PathComponent {
  bool is_index = false;
  std::string_view name;  // member (points into the source)
  uint64_t index = 0;     // array index
  uint32_t column = 0;    // 1-based column of the name or of '['
};

struct ParsedPath {
  PathSide side = PathSide::Value;
  uint32_t column = 0;  // 1-based column of the path's first token
  uint32_t end = 0;     // 0-based offset just past the path
  std::vector<PathComponent> comps;
};

// Parses a path starting at `first` (an Ident or '[' token); on return `t`
// holds the token after the path. `lx` must be the lexer that produced it.
Status parse_path(Lexer& lx, Token& t, ParsedPath& out);

// Resolves parsed components against the map's BTF. `src` is the text the
// columns refer to.
Result<ResolvedPath> resolve_parsed(const MapInfo& map, const ParsedPath& p, std::string_view src);

// Why a map side has no usable BTF, or "" when it has.
std::string btf_missing_reason(const MapInfo& map, PathSide side);

// ---- loads -------------------------------------------------------------------
// A fixed-offset load yielding the "bits" of a scalar: zero-extended for
// unsigned kinds, sign-extended for signed ones (Int, signed Enum), 0/1 for
// Bool, the IEEE bits for floats.
enum class LoadOp : uint8_t { U8, U16, U32, U64, S8, S16, S32, S64, BitsU, BitsS, Bool, F32, F64 };

struct RawLoad {
  LoadOp op = LoadOp::U64;
  uint8_t shift = 0;  // bitfields
  uint8_t bits = 0;   // bitfields: width; Bool: byte width
  uint8_t span = 0;   // bytes touched
  uint32_t off = 0;
};

// The load for a scalar path (kind Int/Uint/Bool/Char/Enum/Float*/Ptr).
// `force_unsigned` reads a signed field zero-extended (enum variant tests).
RawLoad make_load(const ResolvedPath& p, bool force_unsigned = false);

inline uint64_t load_n(const uint8_t* p, unsigned n) {
  uint64_t v = 0;
  switch (n) {
    case 1:
      v = p[0];
      break;
    case 2: {
      uint16_t x;
      std::memcpy(&x, p, 2);
      v = x;
      break;
    }
    case 3:
      std::memcpy(&v, p, 3);
      break;
    case 4: {
      uint32_t x;
      std::memcpy(&x, p, 4);
      v = x;
      break;
    }
    case 5:
      std::memcpy(&v, p, 5);
      break;
    case 6:
      std::memcpy(&v, p, 6);
      break;
    case 7:
      std::memcpy(&v, p, 7);
      break;
    case 8:
      std::memcpy(&v, p, 8);
      break;
    default:
      break;
  }
  return v;
}

inline int64_t sign_extend(uint64_t v, unsigned bits) {
  if (bits == 0 || bits >= 64) return static_cast<int64_t>(v);
  uint64_t m = 1ull << (bits - 1);
  v &= (1ull << bits) - 1;
  return static_cast<int64_t>((v ^ m) - m);
}

inline uint64_t load_bitfield(const uint8_t* p, const RawLoad& l) {
  uint64_t v;
  if (l.span <= 8) {
    v = load_n(p, l.span) >> l.shift;
  } else {  // 9 bytes: a 64-bit field that does not start on a byte
    unsigned __int128 w = load_n(p, 8) | (static_cast<unsigned __int128>(p[8]) << 64);
    v = static_cast<uint64_t>(w >> l.shift);
  }
  if (l.bits < 64) v &= (1ull << l.bits) - 1;
  return v;
}

// `base` is the start of the key or of one value slot.
inline uint64_t load_bits(const uint8_t* base, const RawLoad& l) {
  const uint8_t* p = base + l.off;
  switch (l.op) {
    case LoadOp::U8:
      return p[0];
    case LoadOp::U16: {
      uint16_t x;
      std::memcpy(&x, p, 2);
      return x;
    }
    case LoadOp::U32: {
      uint32_t x;
      std::memcpy(&x, p, 4);
      return x;
    }
    case LoadOp::U64: {
      uint64_t x;
      std::memcpy(&x, p, 8);
      return x;
    }
    case LoadOp::S8:
      return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(p[0])));
    case LoadOp::S16: {
      int16_t x;
      std::memcpy(&x, p, 2);
      return static_cast<uint64_t>(static_cast<int64_t>(x));
    }
    case LoadOp::S32: {
      int32_t x;
      std::memcpy(&x, p, 4);
      return static_cast<uint64_t>(static_cast<int64_t>(x));
    }
    case LoadOp::S64: {
      uint64_t x;
      std::memcpy(&x, p, 8);
      return x;
    }
    case LoadOp::BitsU:
      return load_bitfield(p, l);
    case LoadOp::BitsS:
      return static_cast<uint64_t>(sign_extend(load_bitfield(p, l), l.bits));
    case LoadOp::Bool:
      return load_n(p, l.bits) != 0;
    case LoadOp::F32: {
      uint32_t x;
      std::memcpy(&x, p, 4);
      return x;
    }
    case LoadOp::F64: {
      uint64_t x;
      std::memcpy(&x, p, 8);
      return x;
    }
  }
  return 0;
}

inline double float_of(LoadOp op, uint64_t bits) {
  if (op == LoadOp::F32) return static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits)));
  return std::bit_cast<double>(bits);
}

// ---- §4.2 conversions ---------------------------------------------------------
enum class NumTarget : uint8_t { U64 = 0, I64 = 1, F64 = 2 };

// How loaded bits become the target type.
enum class Conv : uint8_t {
  Same,           // bits are the result (u64 of unsigned kinds, i64 of signed kinds / enums)
  NonNegative,    // u64 of a signed kind: negative -> Range
  AtMostI64Max,   // i64 of an unsigned integer: above INT64_MAX -> Range
  SignedToF64,    // f64 of Int / Enum: (double)(int64)bits
  UnsignedToF64,  // f64 of Uint
  FloatToF64,     // f64 of Float32 / Float64
};

// The conversion of a path kind into a target, or an error (Code::Type)
// naming the path when §4.2 has no conversion (e.g. a float as u64).
Result<Conv> conversion_for(const ResolvedPath& p, NumTarget t);

// Applies a conversion; returns Code::Ok or Code::Range.
inline Code convert(Conv c, LoadOp op, uint64_t bits, uint64_t& out_bits) {
  switch (c) {
    case Conv::Same:
      out_bits = bits;
      return Code::Ok;
    case Conv::NonNegative:
      if (static_cast<int64_t>(bits) < 0) return Code::Range;
      out_bits = bits;
      return Code::Ok;
    case Conv::AtMostI64Max:
      if (bits > static_cast<uint64_t>(INT64_MAX)) return Code::Range;
      out_bits = bits;
      return Code::Ok;
    case Conv::SignedToF64:
      out_bits = std::bit_cast<uint64_t>(static_cast<double>(static_cast<int64_t>(bits)));
      return Code::Ok;
    case Conv::UnsignedToF64:
      out_bits = std::bit_cast<uint64_t>(static_cast<double>(bits));
      return Code::Ok;
    case Conv::FloatToF64:
      out_bits = std::bit_cast<uint64_t>(float_of(op, bits));
      return Code::Ok;
  }
  return Code::Internal;
}

const char* target_name(NumTarget t);

// The start of entry e's key / value slot (cpu ignored unless per-CPU).
inline const uint8_t* value_base(const MapInfo& m, uint32_t e, uint32_t cpu) {
  return m.values + uint64_t(e) * m.entry_stride + (m.percpu ? uint64_t(cpu) * m.cpu_stride : 0);
}
inline const uint8_t* key_base(const MapInfo& m, uint32_t e) {
  return m.keys + uint64_t(e) * m.key_size;
}

}  // namespace query_detail
}  // namespace view
}  // namespace v1
}  // namespace ktsnap
