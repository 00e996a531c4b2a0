// Predicate compiler and evaluator (see query.hpp).
//
// Compilation: a recursive-descent parser (recursion bounded by the nesting
// cap; '&&' and '||' chains are loops) builds a small tree whose leaves are
// already resolved and type-checked tests. Code generation turns the tree
// into a flat array of tests, each with a jump target for true and one for
// false (short-circuit evaluation, as classic BPF filters do). Jumps only go
// forward, so evaluation is one loop that always terminates. matches()
// runs that program for one entry. The bulk operations (find, filter,
// count, max_by, min_by) run a second, postfix form of the same tree over
// blocks of 64 entries: each leaf is one loop specialised for its load
// width and comparison that yields a 64-bit mask, and '&&' / '||' skip the
// rest of their operands once a block's mask is decided. Both forms are
// checked against each other on random expressions (view_query_synth_test).
#include "view/query.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "view/query_internal.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {
namespace query_detail {

enum class Cmp : uint8_t { Eq = 0, Ne = 1, Lt = 2, Le = 3, Gt = 4, Ge = 5 };

const char* cmp_text(Cmp c) {
  static const char* const t[] = {"==", "!=", "<", "<=", ">", ">="};
  return t[static_cast<int>(c)];
}

// Operand order swapped: 5 < x  ==  x > 5.
Cmp flip(Cmp c) {
  switch (c) {
    case Cmp::Lt:
      return Cmp::Gt;
    case Cmp::Le:
      return Cmp::Ge;
    case Cmp::Gt:
      return Cmp::Lt;
    case Cmp::Ge:
      return Cmp::Le;
    default:
      return c;
  }
}

// Three-way result -> comparison outcome.
inline bool outcome(Cmp c, int three_way) {
  switch (c) {
    case Cmp::Eq:
      return three_way == 0;
    case Cmp::Ne:
      return three_way != 0;
    case Cmp::Lt:
      return three_way < 0;
    case Cmp::Le:
      return three_way <= 0;
    case Cmp::Gt:
      return three_way > 0;
    case Cmp::Ge:
      return three_way >= 0;
  }
  return false;
}

inline bool outcome_f(Cmp c, double a, double b) {
  switch (c) {
    case Cmp::Eq:
      return a == b;
    case Cmp::Ne:
      return a != b;
    case Cmp::Lt:
      return a < b;
    case Cmp::Le:
      return a <= b;
    case Cmp::Gt:
      return a > b;
    case Cmp::Ge:
      return a >= b;
  }
  return false;
}

// Exact comparison of two 64-bit integers of any signedness.
inline int cmp_mixed(uint64_t a, bool a_signed, uint64_t b, bool b_signed) {
  if (a_signed && b_signed) {
    int64_t x = static_cast<int64_t>(a), y = static_cast<int64_t>(b);
    return (x > y) - (x < y);
  }
  if (a_signed && static_cast<int64_t>(a) < 0) return -1;
  if (b_signed && static_cast<int64_t>(b) < 0) return 1;
  return (a > b) - (a < b);
}

enum Op : uint8_t {
  kConst = 0,  // imm != 0
  kTruth,      // loaded bits != 0
  kEqU,
  kNeU,
  kLtU,
  kLeU,
  kGtU,
  kGeU,
  kEqS,
  kNeS,
  kLtS,
  kLeS,
  kGtS,
  kGeS,
  kEqF,
  kNeF,
  kLtF,
  kLeF,
  kGtF,
  kGeF,
  kStrEq,
  kStrNe,  // char array vs literal in the pool
  kPair,   // path vs path: pairs[aux]
};
inline bool op_loads(uint8_t op) {
  return op >= kTruth && op <= kGeF;
}

struct Insn {
  uint8_t op = kConst;
  uint8_t side = 0;        // PathSide of the loaded operand
  uint8_t value_side = 0;  // reads the value side: false when the slot is absent
  Conv conv = Conv::Same;  // F ops: how the loaded bits become a double
  RawLoad a;
  uint32_t jt = 0, jf = 0;
  uint64_t imm = 0;   // constant bits; Str: pool offset
  uint32_t aux = 0;   // Str: literal length; Pair: index
  uint32_t aux2 = 0;  // Str: array length
};

enum class PairDomain : uint8_t { Int, Float, Str };
struct Pair {
  PairDomain domain = PairDomain::Int;
  Cmp cmp = Cmp::Eq;
  uint8_t side_a = 0, side_b = 0;
  RawLoad a, b;
  bool a_signed = false, b_signed = false;
  Conv conv_a = Conv::Same, conv_b = Conv::Same;
  uint32_t len_a = 0, len_b = 0;  // Str: array lengths
};

// Bulk evaluation works on blocks of up to 64 entries: each leaf test
// runs over the whole block in a loop specialised for its load and
// comparison and yields a bit mask; masks combine in postfix order with
// block-level short-circuit jumps (skip the rest of an '&&' once no entry
// is left, of an '||' once every entry matched).
struct Block {
  const uint8_t* base[2];  // value slot / key of the block's first entry
  uint64_t stride[2];
  uint32_t cnt;
};
struct Program;
using LeafFn = uint64_t (*)(const Program&, const Insn&, const Block&);

enum BlockOp : uint8_t { bLeaf, bNot, bAnd, bOr, bJumpIfNone, bJumpIfAll };
struct BlockInsn {
  BlockOp op = bLeaf;
  uint32_t arg = 0;  // bLeaf: index into code; jumps: target
  LeafFn fn = nullptr;
};
inline constexpr uint32_t kMaxBlockStack = 256;

struct Program {
  std::string expr;
  std::vector<Insn> code;
  std::vector<Pair> pairs;
  std::string pool;
  std::vector<BlockInsn> block;
  bool reads_value = false;
};

namespace {

bool signed_load(LoadOp op) {
  return op == LoadOp::S8 || op == LoadOp::S16 || op == LoadOp::S32 || op == LoadOp::S64 || op == LoadOp::BitsS;
}

inline double to_double(Conv c, LoadOp op, uint64_t bits) {
  switch (c) {
    case Conv::FloatToF64:
      return float_of(op, bits);
    case Conv::SignedToF64:
      return static_cast<double>(static_cast<int64_t>(bits));
    case Conv::UnsignedToF64:
      return static_cast<double>(bits);
    default:
      return static_cast<double>(bits);
  }
}

inline size_t cstr_len(const uint8_t* p, uint32_t n) {
  const void* z = std::memchr(p, 0, n);
  return z ? static_cast<size_t>(static_cast<const uint8_t*>(z) - p) : n;
}

bool eval_pair(const Pair& pr, const uint8_t* const* bases) {
  const uint8_t* ba = bases[pr.side_a];
  const uint8_t* bb = bases[pr.side_b];
  switch (pr.domain) {
    case PairDomain::Int:
      return outcome(pr.cmp, cmp_mixed(load_bits(ba, pr.a), pr.a_signed, load_bits(bb, pr.b), pr.b_signed));
    case PairDomain::Float:
      return outcome_f(pr.cmp, to_double(pr.conv_a, pr.a.op, load_bits(ba, pr.a)),
                       to_double(pr.conv_b, pr.b.op, load_bits(bb, pr.b)));
    case PairDomain::Str: {
      const uint8_t* pa = ba + pr.a.off;
      const uint8_t* pb = bb + pr.b.off;
      size_t la = cstr_len(pa, pr.len_a), lb = cstr_len(pb, pr.len_b);
      bool eq = la == lb && std::memcmp(pa, pb, la) == 0;
      return pr.cmp == Cmp::Eq ? eq : !eq;
    }
  }
  return false;
}

inline bool test(const Program& p, const Insn& in, const uint8_t* const* bases) {
  uint64_t v = 0;
  if (op_loads(in.op)) v = load_bits(bases[in.side], in.a);
  switch (in.op) {
    case kConst:
      return in.imm != 0;
    case kTruth:
      return v != 0;
    case kEqU:
      return v == in.imm;
    case kNeU:
      return v != in.imm;
    case kLtU:
      return v < in.imm;
    case kLeU:
      return v <= in.imm;
    case kGtU:
      return v > in.imm;
    case kGeU:
      return v >= in.imm;
    case kEqS:
      return static_cast<int64_t>(v) == static_cast<int64_t>(in.imm);
    case kNeS:
      return static_cast<int64_t>(v) != static_cast<int64_t>(in.imm);
    case kLtS:
      return static_cast<int64_t>(v) < static_cast<int64_t>(in.imm);
    case kLeS:
      return static_cast<int64_t>(v) <= static_cast<int64_t>(in.imm);
    case kGtS:
      return static_cast<int64_t>(v) > static_cast<int64_t>(in.imm);
    case kGeS:
      return static_cast<int64_t>(v) >= static_cast<int64_t>(in.imm);
    case kEqF:
      return to_double(in.conv, in.a.op, v) == std::bit_cast<double>(in.imm);
    case kNeF:
      return to_double(in.conv, in.a.op, v) != std::bit_cast<double>(in.imm);
    case kLtF:
      return to_double(in.conv, in.a.op, v) < std::bit_cast<double>(in.imm);
    case kLeF:
      return to_double(in.conv, in.a.op, v) <= std::bit_cast<double>(in.imm);
    case kGtF:
      return to_double(in.conv, in.a.op, v) > std::bit_cast<double>(in.imm);
    case kGeF:
      return to_double(in.conv, in.a.op, v) >= std::bit_cast<double>(in.imm);
    case kStrEq:
    case kStrNe: {
      // C string of the array (up to its first NUL) equals the literal.
      const uint8_t* s = bases[in.side] + in.a.off;
      const uint32_t L = in.aux, N = in.aux2;
      bool eq = L <= N && std::memcmp(s, p.pool.data() + in.imm, L) == 0 && (L == N || s[L] == 0);
      return in.op == kStrEq ? eq : !eq;
    }
    case kPair:
      return eval_pair(p.pairs[in.aux], bases);
  }
  return false;
}

// Runs the program for one entry. kCheck: value-side tests see `present`.
template <bool kCheck>
inline bool run(const Program& p, const uint8_t* vbase, const uint8_t* kbase, bool present) {
  const Insn* code = p.code.data();
  const uint32_t n = static_cast<uint32_t>(p.code.size());
  const uint8_t* bases[2] = {vbase, kbase};
  uint32_t pc = 0;
  while (pc < n) {
    const Insn& in = code[pc];
    bool r = (kCheck && in.value_side && !present) ? false : test(p, in, bases);
    pc = r ? in.jt : in.jf;
  }
  return pc == n;
}

// ---- block leaves -----------------------------------------------------------------

template <LoadOp L>
inline uint64_t load_fixed(const uint8_t* base, const RawLoad& l) {
  RawLoad x = l;
  x.op = L;
  return load_bits(base, x);
}

template <uint8_t O>
inline bool compare_int(uint64_t v, uint64_t imm) {
  if constexpr (O == kTruth)
    return v != 0;
  else if constexpr (O == kEqU)
    return v == imm;
  else if constexpr (O == kNeU)
    return v != imm;
  else if constexpr (O == kLtU)
    return v < imm;
  else if constexpr (O == kLeU)
    return v <= imm;
  else if constexpr (O == kGtU)
    return v > imm;
  else if constexpr (O == kGeU)
    return v >= imm;
  else if constexpr (O == kEqS)
    return static_cast<int64_t>(v) == static_cast<int64_t>(imm);
  else if constexpr (O == kNeS)
    return static_cast<int64_t>(v) != static_cast<int64_t>(imm);
  else if constexpr (O == kLtS)
    return static_cast<int64_t>(v) < static_cast<int64_t>(imm);
  else if constexpr (O == kLeS)
    return static_cast<int64_t>(v) <= static_cast<int64_t>(imm);
  else if constexpr (O == kGtS)
    return static_cast<int64_t>(v) > static_cast<int64_t>(imm);
  else
    return static_cast<int64_t>(v) >= static_cast<int64_t>(imm);
}

template <uint8_t O>
inline bool compare_float(double v, double imm) {
  if constexpr (O == kEqF)
    return v == imm;
  else if constexpr (O == kNeF)
    return v != imm;
  else if constexpr (O == kLtF)
    return v < imm;
  else if constexpr (O == kLeF)
    return v <= imm;
  else if constexpr (O == kGtF)
    return v > imm;
  else
    return v >= imm;
}

template <LoadOp L, uint8_t O>
uint64_t leaf_int(const Program&, const Insn& in, const Block& b) {
  const uint8_t* base = b.base[in.side];
  const uint64_t stride = b.stride[in.side];
  const uint64_t imm = in.imm;
  const RawLoad l = in.a;
  uint64_t m = 0;
  if (b.cnt == 64) {  // full blocks: a constant trip count the compiler unrolls
#pragma GCC unroll 8
    for (uint32_t j = 0; j < 64; j++) m |= uint64_t(compare_int<O>(load_fixed<L>(base + j * stride, l), imm)) << j;
    return m;
  }
  for (uint32_t j = 0; j < b.cnt; j++) m |= uint64_t(compare_int<O>(load_fixed<L>(base + j * stride, l), imm)) << j;
  return m;
}

template <LoadOp L, uint8_t O>
uint64_t leaf_float(const Program&, const Insn& in, const Block& b) {
  const uint8_t* base = b.base[in.side];
  const uint64_t stride = b.stride[in.side];
  const double imm = std::bit_cast<double>(in.imm);
  const RawLoad l = in.a;
  uint64_t m = 0;
  for (uint32_t j = 0; j < b.cnt; j++)
    m |= uint64_t(compare_float<O>(float_of(L, load_fixed<L>(base + j * stride, l)), imm)) << j;
  return m;
}

uint64_t leaf_const(const Program&, const Insn& in, const Block& b) {
  return in.imm ? (b.cnt >= 64 ? ~0ull : (1ull << b.cnt) - 1) : 0;
}

// Any leaf, one entry at a time (strings, path pairs, bitfields, int->double).
uint64_t leaf_generic(const Program& p, const Insn& in, const Block& b) {
  uint64_t m = 0;
  for (uint32_t j = 0; j < b.cnt; j++) {
    const uint8_t* bases[2] = {b.base[0] + j * b.stride[0], b.base[1] + j * b.stride[1]};
    m |= uint64_t(test(p, in, bases)) << j;
  }
  return m;
}

// char array vs literal: C-string equality, the first byte tested inline.
template <bool kEq>
uint64_t leaf_str(const Program& p, const Insn& in, const Block& b) {
  const uint8_t* base = b.base[in.side] + in.a.off;
  const uint64_t stride = b.stride[in.side];
  const uint32_t L = in.aux, N = in.aux2;
  const uint8_t* lit = reinterpret_cast<const uint8_t*>(p.pool.data()) + in.imm;
  const uint64_t all = b.cnt >= 64 ? ~0ull : (1ull << b.cnt) - 1;
  if (L > N || N == 0) return ((L == 0) == kEq) ? all : 0;  // N == 0: only "" matches, nothing to read
  uint64_t m = 0;
  const uint8_t first = L ? lit[0] : 0;
  for (uint32_t j = 0; j < b.cnt; j++) {
    const uint8_t* s = base + j * stride;
    bool eq =
        s[0] == first && (L == 0 || ((L == 1 || std::memcmp(s + 1, lit + 1, L - 1) == 0) && (L == N || s[L] == 0)));
    m |= uint64_t(eq == kEq) << j;
  }
  return m;
}

template <LoadOp L>
LeafFn pick_unsigned(uint8_t op) {
  switch (op) {
    case kTruth:
      return &leaf_int<L, kTruth>;
    case kEqU:
      return &leaf_int<L, kEqU>;
    case kNeU:
      return &leaf_int<L, kNeU>;
    case kLtU:
      return &leaf_int<L, kLtU>;
    case kLeU:
      return &leaf_int<L, kLeU>;
    case kGtU:
      return &leaf_int<L, kGtU>;
    case kGeU:
      return &leaf_int<L, kGeU>;
    default:
      return &leaf_generic;
  }
}

template <LoadOp L>
LeafFn pick_signed(uint8_t op) {
  switch (op) {
    case kTruth:
      return &leaf_int<L, kTruth>;
    case kEqS:
      return &leaf_int<L, kEqS>;
    case kNeS:
      return &leaf_int<L, kNeS>;
    case kLtS:
      return &leaf_int<L, kLtS>;
    case kLeS:
      return &leaf_int<L, kLeS>;
    case kGtS:
      return &leaf_int<L, kGtS>;
    case kGeS:
      return &leaf_int<L, kGeS>;
    default:
      return &leaf_generic;
  }
}

template <LoadOp L>
LeafFn pick_float(uint8_t op) {
  switch (op) {
    case kEqF:
      return &leaf_float<L, kEqF>;
    case kNeF:
      return &leaf_float<L, kNeF>;
    case kLtF:
      return &leaf_float<L, kLtF>;
    case kLeF:
      return &leaf_float<L, kLeF>;
    case kGtF:
      return &leaf_float<L, kGtF>;
    case kGeF:
      return &leaf_float<L, kGeF>;
    default:
      return &leaf_generic;
  }
}

LeafFn pick_leaf(const Insn& in) {
  if (in.op == kConst) return &leaf_const;
  if (in.op == kStrEq) return &leaf_str<true>;
  if (in.op == kStrNe) return &leaf_str<false>;
  if (!op_loads(in.op)) return &leaf_generic;
  if (in.op >= kEqF) {
    if (in.conv != Conv::FloatToF64) return &leaf_generic;
    if (in.a.op == LoadOp::F32) return pick_float<LoadOp::F32>(in.op);
    if (in.a.op == LoadOp::F64) return pick_float<LoadOp::F64>(in.op);
    return &leaf_generic;
  }
  switch (in.a.op) {
    case LoadOp::U8:
      return pick_unsigned<LoadOp::U8>(in.op);
    case LoadOp::U16:
      return pick_unsigned<LoadOp::U16>(in.op);
    case LoadOp::U32:
      return pick_unsigned<LoadOp::U32>(in.op);
    case LoadOp::U64:
      return pick_unsigned<LoadOp::U64>(in.op);
    case LoadOp::Bool:
      return pick_unsigned<LoadOp::Bool>(in.op);
    case LoadOp::S8:
      return pick_signed<LoadOp::S8>(in.op);
    case LoadOp::S16:
      return pick_signed<LoadOp::S16>(in.op);
    case LoadOp::S32:
      return pick_signed<LoadOp::S32>(in.op);
    case LoadOp::S64:
      return pick_signed<LoadOp::S64>(in.op);
    default:
      return &leaf_generic;
  }
}

// The mask of matching entries in one block. `valid` has a bit per entry
// of the block; `present` clears value-side tests of absent slots.
inline uint64_t eval_block(const Program& p, const Block& b, uint64_t valid, uint64_t present) {
  uint64_t st[kMaxBlockStack];
  uint32_t sp = 0;
  const BlockInsn* code = p.block.data();
  const uint32_t n = static_cast<uint32_t>(p.block.size());
  for (uint32_t pc = 0; pc < n; pc++) {
    const BlockInsn& bi = code[pc];
    switch (bi.op) {
      case bLeaf: {
        const Insn& in = p.code[bi.arg];
        uint64_t m = bi.fn(p, in, b) & valid;
        if (in.value_side) m &= present;
        st[sp++] = m;
        break;
      }
      case bNot:
        st[sp - 1] = ~st[sp - 1] & valid;
        break;
      case bAnd:
        sp--;
        st[sp - 1] &= st[sp];
        break;
      case bOr:
        sp--;
        st[sp - 1] |= st[sp];
        break;
      case bJumpIfNone:
        if (st[sp - 1] == 0) pc = bi.arg - 1;
        break;
      case bJumpIfAll:
        if (st[sp - 1] == valid) pc = bi.arg - 1;
        break;
    }
  }
  return st[0];
}

// ---- parser -------------------------------------------------------------------

struct Operand {
  enum Kind : uint8_t { Path, Int, Float, String, Bool } kind = Int;
  uint32_t column = 0;
  ResolvedPath path;
  uint64_t mag = 0;  // Int (and Bool as 0/1)
  bool neg = false;
  double f = 0;
  std::string s;
};

bool is_literal(const Operand& o) {
  return o.kind != Operand::Path;
}
double literal_double(const Operand& o) {
  if (o.kind == Operand::Float) return o.f;
  return o.neg ? static_cast<double>(static_cast<int64_t>(0 - o.mag)) : static_cast<double>(o.mag);
}

std::string describe(const Operand& o) {
  switch (o.kind) {
    case Operand::Path:
      return "'" + o.path.text + "' (" + o.path.type_name() + ")";
    case Operand::Int:
      return "an integer literal";
    case Operand::Float:
      return "a float literal";
    case Operand::String:
      return "a string literal";
    case Operand::Bool:
      return "a boolean literal";
  }
  return "?";
}

enum class NodeKind : uint8_t { And, Or, Not, Leaf };
constexpr uint32_t kNone = UINT32_MAX;
struct Node {
  NodeKind kind = NodeKind::Leaf;
  uint32_t first = kNone;  // first child
  uint32_t next = kNone;   // next sibling
  uint32_t leaf = kNone;   // index into leaves
};

class Compiler {
 public:
  Compiler(const MapInfo& m, std::string_view src) : m_(m), src_(src), lx_(src) {}

  Result<std::shared_ptr<Program>> run() {
    prog_ = std::make_shared<Program>();
    prog_->expr = std::string(src_);
    nodes_.reserve(8);
    leaves_.reserve(4);
    prog_->code.reserve(4);
    prog_->block.reserve(8);
    Status st = advance();
    if (!st.ok()) return st.take_error();
    if (tok_.kind == Tok::End)
      return error_at(Code::Invalid, 1, "empty expression (write \"true\" to match every entry)");
    auto root = parse_or();
    if (!root.ok()) return root.take_error();
    if (tok_.kind != Tok::End) {
      std::string hint = is_cmp(tok_.kind) ? " (comparisons do not chain; combine them with &&)" : "";
      return error_at(
          Code::Invalid, tok_.column(),
          std::string("expected '&&', '||' or the end of the expression, found ") + tok_name(tok_.kind) + hint);
    }
    Status st2 = gen_root(root.value());
    if (!st2.ok()) return st2.take_error();
    return prog_;
  }

 private:
  static bool is_cmp(Tok t) {
    return t == Tok::Eq || t == Tok::Ne || t == Tok::Lt || t == Tok::Le || t == Tok::Gt || t == Tok::Ge;
  }
  static Cmp cmp_of(Tok t) {
    switch (t) {
      case Tok::Eq:
        return Cmp::Eq;
      case Tok::Ne:
        return Cmp::Ne;
      case Tok::Lt:
        return Cmp::Lt;
      case Tok::Le:
        return Cmp::Le;
      case Tok::Gt:
        return Cmp::Gt;
      default:
        return Cmp::Ge;
    }
  }

  Status advance() { return lx_.next(tok_); }
  uint32_t end_column() const { return static_cast<uint32_t>(src_.size() + 1); }

  uint32_t add_node(NodeKind k) {
    nodes_.push_back(Node{k, kNone, kNone, kNone});
    return static_cast<uint32_t>(nodes_.size() - 1);
  }
  uint32_t add_leaf(const Insn& in) {
    leaves_.push_back(in);
    uint32_t n = add_node(NodeKind::Leaf);
    nodes_[n].leaf = static_cast<uint32_t>(leaves_.size() - 1);
    return n;
  }

  Status enter(uint32_t column) {
    if (++depth_ > kMaxNesting)
      return error_at(Code::Range, column,
                      "nesting deeper than " + std::to_string(kMaxNesting) + " levels of '(' and '!'");
    return {};
  }

  // or/and: one node with a child list; a single operand is returned as is.
  Result<uint32_t> parse_list(NodeKind kind) {
    const Tok sep = kind == NodeKind::Or ? Tok::OrOr : Tok::AndAnd;
    auto first = kind == NodeKind::Or ? parse_list(NodeKind::And) : parse_unary();
    if (!first.ok() || tok_.kind != sep) return first;
    uint32_t list = add_node(kind);
    nodes_[list].first = first.value();
    uint32_t last = first.value();
    while (tok_.kind == sep) {
      Status st = advance();
      if (!st.ok()) return st.take_error();
      auto nx = kind == NodeKind::Or ? parse_list(NodeKind::And) : parse_unary();
      if (!nx.ok()) return nx;
      nodes_[last].next = nx.value();
      last = nx.value();
    }
    return list;
  }
  Result<uint32_t> parse_or() { return parse_list(NodeKind::Or); }

  Result<uint32_t> parse_unary() {
    if (tok_.kind == Tok::Not) {
      Status st = enter(tok_.column());
      if (!st.ok()) return st.take_error();
      if (!(st = advance()).ok()) return st.take_error();
      auto c = parse_unary();
      if (!c.ok()) return c;
      depth_--;
      uint32_t n = add_node(NodeKind::Not);
      nodes_[n].first = c.value();
      return n;
    }
    if (tok_.kind == Tok::LParen) {
      const uint32_t open = tok_.column();
      Status st = enter(open);
      if (!st.ok()) return st.take_error();
      if (!(st = advance()).ok()) return st.take_error();
      auto e = parse_or();
      if (!e.ok()) return e;
      if (tok_.kind != Tok::RParen)
        return error_at(Code::Invalid, tok_.kind == Tok::End ? end_column() : tok_.column(),
                        std::string("expected ')' to close the '(' at column ") + std::to_string(open) + ", found " +
                            tok_name(tok_.kind));
      if (!(st = advance()).ok()) return st.take_error();
      depth_--;
      return e;
    }
    Operand lhs;
    Status st = parse_operand(lhs);
    if (!st.ok()) return st.take_error();
    if (!is_cmp(tok_.kind)) {
      auto in = compile_truth(lhs);
      if (!in.ok()) return in.take_error();
      return add_leaf(in.value());
    }
    const Cmp op = cmp_of(tok_.kind);
    const uint32_t op_col = tok_.column();
    if (!(st = advance()).ok()) return st.take_error();
    Operand rhs;
    if (!(st = parse_operand(rhs)).ok()) return st.take_error();
    auto in = compile_cmp(lhs, op, rhs, op_col);
    if (!in.ok()) return in.take_error();
    return add_leaf(in.value());
  }

  Status parse_operand(Operand& o) {
    o.column = tok_.column();
    switch (tok_.kind) {
      case Tok::Ident: {
        std::string_view id = lx_.text(tok_);
        if (id == "true" || id == "false") {
          o.kind = Operand::Bool;
          o.mag = id == "true";
          return advance();
        }
        Status st = parse_path(lx_, tok_, path_);
        if (!st.ok()) return st;
        auto r = resolve_parsed(m_, path_, src_);
        if (!r.ok()) return r.take_error();
        o.kind = Operand::Path;
        o.path = std::move(r.value());
        return {};
      }
      case Tok::Int:
        o.kind = Operand::Int;
        o.mag = tok_.mag;
        o.neg = tok_.neg;
        return advance();
      case Tok::Float:
        o.kind = Operand::Float;
        o.f = tok_.f;
        return advance();
      case Tok::String:
        o.kind = Operand::String;
        o.s = std::move(tok_.str);
        return advance();
      case Tok::End:
        return error_at(Code::Invalid, end_column(),
                        "expected a condition or an operand, found the end of the expression");
      default:
        return error_at(Code::Invalid, tok_.column(),
                        std::string("expected a path or a literal, found ") + tok_name(tok_.kind));
    }
  }

  // ---- type checking and leaf compilation --------------------------------------

  Insn constant(bool v, const Operand* path_side) {
    Insn in;
    in.op = kConst;
    in.imm = v;
    if (path_side && path_side->path.side == PathSide::Value) in.value_side = 1;
    return in;
  }

  Insn loaded(const ResolvedPath& p, uint8_t op, uint64_t imm, bool force_unsigned = false) {
    Insn in;
    in.op = op;
    in.side = static_cast<uint8_t>(p.side);
    in.value_side = p.side == PathSide::Value;
    in.a = make_load(p, force_unsigned);
    in.imm = imm;
    return in;
  }

  Error not_comparable(const Operand& o) {
    const ResolvedPath& p = o.path;
    if (p.kind == PathKind::Composite) {
      std::string hint = p.text == "value" ? " (a member may be meant: value.value)" : "";
      return error_at(Code::Type, o.column,
                      "'" + p.text + "' is " + p.type_name() + "; only scalars and char arrays can be compared" + hint);
    }
    return error_at(Code::Type, o.column,
                    "'" + p.text + "' is " + p.type_name() +
                        ", which queries cannot read (integers wider than 8 bytes, "
                        "floats other than 4 or 8 bytes, incomplete types)");
  }

  Result<Insn> compile_truth(const Operand& o) {
    if (o.kind == Operand::Bool) return constant(o.mag != 0, nullptr);
    if (o.kind != Operand::Path)
      return error_at(Code::Type, o.column, describe(o) + " alone is not a condition; compare it with something");
    const ResolvedPath& p = o.path;
    switch (p.kind) {
      case PathKind::Int:
      case PathKind::Uint:
      case PathKind::Bool:
      case PathKind::Char:
      case PathKind::Enum:
      case PathKind::Ptr:
        return loaded(p, kTruth, 0);
      case PathKind::Float32:
      case PathKind::Float64:
        return error_at(Code::Type, o.column,
                        "'" + p.text + "' is a float (" + p.type_name() +
                            "), which is not a condition by the as_bool rule; compare it "
                            "(e.g. " +
                            p.text + " != 0)");
      case PathKind::CharArray:
        return error_at(
            Code::Type, o.column,
            "'" + p.text + "' is a char array (" + p.type_name() + "), not a condition; compare it with a string");
      default:
        return not_comparable(o);
    }
  }

  Result<Insn> compile_cmp(const Operand& lhs, Cmp op, const Operand& rhs, uint32_t op_col) {
    if (is_literal(lhs) && is_literal(rhs)) return fold(lhs, op, rhs, op_col);
    // path first: 5 < x becomes x > 5
    const bool swap = is_literal(lhs);
    const Operand& a = swap ? rhs : lhs;
    const Operand& b = swap ? lhs : rhs;
    if (swap) op = flip(op);
    if (b.kind == Operand::Path) return compile_pair(a, op, b, op_col);
    const ResolvedPath& p = a.path;
    if (p.kind == PathKind::Composite || p.kind == PathKind::Unsupported) return not_comparable(a);
    switch (b.kind) {
      case Operand::String:
        return cmp_string(a, op, b, op_col);
      case Operand::Float:
        return cmp_float(a, op, b);
      default:
        return cmp_int(a, op, b);
    }
  }

  Result<Insn> fold(const Operand& a, Cmp op, const Operand& b, uint32_t op_col) {
    if (a.kind == Operand::String && b.kind == Operand::String) {
      if (op != Cmp::Eq && op != Cmp::Ne)
        return error_at(Code::Type, op_col,
                        std::string("'") + cmp_text(op) + "' does not apply to strings (only == and !=)");
      return constant((a.s == b.s) == (op == Cmp::Eq), nullptr);
    }
    if (a.kind == Operand::String || b.kind == Operand::String)
      return error_at(Code::Type, op_col, "cannot compare " + describe(a) + " with " + describe(b));
    if (a.kind == Operand::Float || b.kind == Operand::Float)
      return constant(outcome_f(op, literal_double(a), literal_double(b)), nullptr);
    uint64_t x = a.neg ? 0 - a.mag : a.mag, y = b.neg ? 0 - b.mag : b.mag;
    return constant(outcome(op, cmp_mixed(x, a.neg, y, b.neg)), nullptr);
  }

  Result<Insn> cmp_string(const Operand& a, Cmp op, const Operand& b, uint32_t op_col) {
    const ResolvedPath& p = a.path;
    if (p.kind != PathKind::CharArray && p.kind != PathKind::Enum)
      return error_at(Code::Type, b.column,
                      "cannot compare " + describe(a) + " with a string literal" +
                          (p.kind == PathKind::Char ? " (a char compares with an integer)" : ""));
    if (op != Cmp::Eq && op != Cmp::Ne)
      return error_at(
          Code::Type, op_col,
          std::string("'") + cmp_text(op) + "' does not apply to strings (only == and != compare with a string)");
    if (p.kind == PathKind::Enum) {
      std::vector<BtfEnumerator> vs;
      p.btf()->enumerators(p.type_id, vs);
      const BtfEnumerator* hit = nullptr;
      for (auto& v : vs)
        if (v.name == b.s) {
          hit = &v;
          break;
        }
      if (hit == nullptr) {
        std::string names;
        for (size_t i = 0; i < vs.size(); i++) names += (i ? ", " : "") + std::string(vs[i].name);
        Error e = error_at(Code::NotFound, b.column,
                           "no variant \"" + b.s + "\" in " + p.type_name() + " ('" + p.text +
                               "'); variants: " + (names.empty() ? "(none)" : names));
        for (auto& v : vs) e.alternatives.emplace_back(v.name);
        return e;
      }
      const unsigned width = p.bit_size ? p.bit_size : p.size * 8;
      const uint64_t mask = width >= 64 ? ~0ull : (1ull << width) - 1;
      return loaded(p, op == Cmp::Eq ? kEqU : kNeU, hit->value & mask, /*force_unsigned=*/true);
    }
    // A C string never contains NUL: such a literal matches nothing.
    if (b.s.find('\0') != std::string::npos) return constant(op == Cmp::Ne, &a);
    Insn in = loaded(p, op == Cmp::Eq ? kStrEq : kStrNe, prog_->pool.size());
    in.aux = static_cast<uint32_t>(b.s.size());
    in.aux2 = p.size;
    prog_->pool += b.s;
    return in;
  }

  Result<Insn> cmp_float(const Operand& a, Cmp op, const Operand& b) {
    const ResolvedPath& p = a.path;
    auto conv = conversion_for(p, NumTarget::F64);
    if (!conv.ok())
      return error_at(Code::Type, b.column,
                      "cannot compare " + describe(a) + " with a float literal: " + path_kind_name(p.kind) +
                          " values do not convert to f64");
    Insn in = loaded(p, static_cast<uint8_t>(kEqF + static_cast<int>(op)), std::bit_cast<uint64_t>(b.f));
    in.conv = conv.value();
    return in;
  }

  Result<Insn> cmp_int(const Operand& a, Cmp op, const Operand& b) {
    const ResolvedPath& p = a.path;
    const uint64_t lit = b.neg ? 0 - b.mag : b.mag;
    switch (p.kind) {
      case PathKind::Float32:
      case PathKind::Float64: {
        Insn in =
            loaded(p, static_cast<uint8_t>(kEqF + static_cast<int>(op)), std::bit_cast<uint64_t>(literal_double(b)));
        in.conv = Conv::FloatToF64;
        return in;
      }
      case PathKind::CharArray:
        return error_at(
            Code::Type, b.column,
            "cannot compare " + describe(a) + " with " + describe(b) + "; a char array compares with a string");
      default:
        break;
    }
    const bool field_signed = p.is_signed && (p.kind == PathKind::Int || p.kind == PathKind::Enum);
    if (field_signed) {
      // A literal above INT64_MAX is above every signed value.
      if (!b.neg && b.mag > static_cast<uint64_t>(INT64_MAX)) return constant(outcome(op, -1), &a);
      return loaded(p, static_cast<uint8_t>(kEqS + static_cast<int>(op)), lit);
    }
    // A negative literal is below every unsigned value.
    if (b.neg) return constant(outcome(op, 1), &a);
    return loaded(p, static_cast<uint8_t>(kEqU + static_cast<int>(op)), lit);
  }

  Result<Insn> compile_pair(const Operand& a, Cmp op, const Operand& b, uint32_t op_col) {
    const ResolvedPath& pa = a.path;
    const ResolvedPath& pb = b.path;
    if (pa.kind == PathKind::Composite || pa.kind == PathKind::Unsupported) return not_comparable(a);
    if (pb.kind == PathKind::Composite || pb.kind == PathKind::Unsupported) return not_comparable(b);
    auto integral = [](PathKind k) {
      return k == PathKind::Int || k == PathKind::Uint || k == PathKind::Bool || k == PathKind::Char ||
             k == PathKind::Enum || k == PathKind::Ptr;
    };
    auto is_float = [](PathKind k) { return k == PathKind::Float32 || k == PathKind::Float64; };
    Pair pr;
    pr.cmp = op;
    pr.side_a = static_cast<uint8_t>(pa.side);
    pr.side_b = static_cast<uint8_t>(pb.side);
    pr.a = make_load(pa);
    pr.b = make_load(pb);
    if (integral(pa.kind) && integral(pb.kind)) {
      pr.domain = PairDomain::Int;
      pr.a_signed = signed_load(pr.a.op);
      pr.b_signed = signed_load(pr.b.op);
    } else if (is_float(pa.kind) || is_float(pb.kind)) {
      auto ca = conversion_for(pa, NumTarget::F64);
      auto cb = conversion_for(pb, NumTarget::F64);
      if (!ca.ok() || !cb.ok())
        return error_at(Code::Type, op_col,
                        "cannot compare " + describe(a) + " with " + describe(b) +
                            ": bool, char and pointer values do not convert to f64");
      pr.domain = PairDomain::Float;
      pr.conv_a = ca.value();
      pr.conv_b = cb.value();
    } else if (pa.kind == PathKind::CharArray && pb.kind == PathKind::CharArray) {
      if (op != Cmp::Eq && op != Cmp::Ne)
        return error_at(Code::Type, op_col,
                        std::string("'") + cmp_text(op) + "' does not apply to strings (only == and !=)");
      pr.domain = PairDomain::Str;
      pr.len_a = pa.size;
      pr.len_b = pb.size;
    } else {
      return error_at(Code::Type, op_col, "cannot compare " + describe(a) + " with " + describe(b));
    }
    Insn in;
    in.op = kPair;
    in.value_side = pa.side == PathSide::Value || pb.side == PathSide::Value;
    in.aux = static_cast<uint32_t>(prog_->pairs.size());
    prog_->pairs.push_back(pr);
    return in;
  }

  // ---- code generation ------------------------------------------------------------
  // Labels are resolved after generation: kAccept / kReject become n / n+1.
  enum : uint32_t { kAccept = 0, kReject = 1 };

  uint32_t new_label() {
    labels_.push_back(kNone);
    return static_cast<uint32_t>(labels_.size() - 1);
  }
  void bind(uint32_t label) { labels_[label] = static_cast<uint32_t>(prog_->code.size()); }

  // Recursion depth = tree depth, bounded by the nesting cap.
  void gen(uint32_t node, uint32_t t, uint32_t f) {
    const Node& n = nodes_[node];
    switch (n.kind) {
      case NodeKind::Leaf: {
        Insn in = leaves_[n.leaf];
        in.jt = t;
        in.jf = f;
        if (in.value_side) prog_->reads_value = true;
        prog_->code.push_back(in);
        return;
      }
      case NodeKind::Not:
        gen(n.first, f, t);
        return;
      case NodeKind::And:
      case NodeKind::Or:
        for (uint32_t c = n.first; c != kNone; c = nodes_[c].next) {
          if (nodes_[c].next == kNone) {
            gen(c, t, f);
          } else {
            uint32_t next = new_label();
            if (n.kind == NodeKind::And)
              gen(c, next, f);
            else
              gen(c, t, next);
            bind(next);
          }
        }
        return;
    }
  }

  // Postfix block program over the leaves already placed in code[] (in the
  // same order as gen() placed them). Recursion depth = tree depth.
  void bgen(uint32_t node, uint32_t& next_leaf, uint32_t depth, uint32_t& max_depth) {
    const Node& n = nodes_[node];
    auto& bp = prog_->block;
    switch (n.kind) {
      case NodeKind::Leaf: {
        BlockInsn bi;
        bi.op = bLeaf;
        bi.arg = next_leaf++;
        bi.fn = pick_leaf(prog_->code[bi.arg]);
        bp.push_back(bi);
        max_depth = std::max(max_depth, depth + 1);
        return;
      }
      case NodeKind::Not:
        bgen(n.first, next_leaf, depth, max_depth);
        bp.push_back(BlockInsn{bNot, 0, nullptr});
        return;
      case NodeKind::And:
      case NodeKind::Or: {
        bgen(n.first, next_leaf, depth, max_depth);
        // The jumps of this list are chained through their arg (kNone ends
        // the chain) and all patched to the list's end.
        uint32_t chain = kNone;
        for (uint32_t c = nodes_[n.first].next; c != kNone; c = nodes_[c].next) {
          const uint32_t j = static_cast<uint32_t>(bp.size());
          bp.push_back(BlockInsn{n.kind == NodeKind::And ? bJumpIfNone : bJumpIfAll, chain, nullptr});
          chain = j;
          bgen(c, next_leaf, depth + 1, max_depth);
          bp.push_back(BlockInsn{n.kind == NodeKind::And ? bAnd : bOr, 0, nullptr});
        }
        const uint32_t end = static_cast<uint32_t>(bp.size());
        while (chain != kNone) {
          const uint32_t prev = bp[chain].arg;
          bp[chain].arg = end;
          chain = prev;
        }
        return;
      }
    }
  }

  Status gen_root(uint32_t root) {
    labels_.assign(2, kNone);
    gen(root, kAccept, kReject);
    const uint32_t n = static_cast<uint32_t>(prog_->code.size());
    labels_[kAccept] = n;
    labels_[kReject] = n + 1;
    for (Insn& in : prog_->code) {
      in.jt = labels_[in.jt];
      in.jf = labels_[in.jf];
    }
    uint32_t next_leaf = 0, max_depth = 0;
    bgen(root, next_leaf, 0, max_depth);
    if (max_depth > kMaxBlockStack)  // unreachable under the nesting cap; kept as a guard
      return error_at(Code::Range, 1,
                      "expression needs " + std::to_string(max_depth) + " evaluation stack slots (at most " +
                          std::to_string(kMaxBlockStack) + ")");
    return {};
  }

  const MapInfo& m_;
  std::string_view src_;
  Lexer lx_;
  Token tok_;
  int depth_ = 0;
  std::shared_ptr<Program> prog_;
  std::vector<Node> nodes_;
  std::vector<Insn> leaves_;
  std::vector<uint32_t> labels_;
  ParsedPath path_;  // reused by every path operand
};

// Calls on_block(mask, first_entry) for each block with a match until it
// returns false. Bit j of mask = entry first_entry + j matches.
template <typename F>
void scan_blocks(const MapInfo& m, const Program& p, uint32_t cpu, F&& on_block) {
  const bool check = m.percpu && m.percpu_absent != nullptr && p.reads_value;
  const uint32_t n = m.entry_count;
  Block b;
  b.stride[0] = m.entry_stride;
  b.stride[1] = m.key_size;
  for (uint32_t e0 = 0; e0 < n; e0 += 64) {
    b.cnt = std::min<uint32_t>(64, n - e0);
    b.base[0] = value_base(m, e0, cpu);
    b.base[1] = key_base(m, e0);
    const uint64_t valid = b.cnt == 64 ? ~0ull : (1ull << b.cnt) - 1;
    uint64_t present = ~0ull;
    if (check) {
      present = 0;
      for (uint32_t j = 0; j < b.cnt; j++) present |= uint64_t(m.slot_present(e0 + j, cpu)) << j;
    }
    uint64_t mask = eval_block(p, b, valid, present);
    if (mask != 0 && !on_block(mask, e0)) return;
  }
}

// Calls on_match(entry) for each matching entry until it returns false.
template <typename F>
void scan(const MapInfo& m, const Program& p, uint32_t cpu, F&& on_match) {
  scan_blocks(m, p, cpu, [&](uint64_t mask, uint32_t e0) {
    for (; mask != 0; mask &= mask - 1)
      if (!on_match(e0 + static_cast<uint32_t>(std::countr_zero(mask)))) return false;
    return true;
  });
}

}  // namespace
}  // namespace query_detail

using namespace query_detail;

Result<Query> Query::compile(const MapInfo& map, std::string_view expr) {
  if (expr.size() > kMaxExpressionBytes)
    return make_error(Code::Range, "expression of " + std::to_string(expr.size()) + " bytes exceeds the " +
                                       std::to_string(kMaxExpressionBytes) + "-byte limit");
  Compiler c(map, expr);
  auto p = c.run();
  if (!p.ok()) return p.take_error();
  Query q;
  q.map_ = &map;
  q.prog_ = std::move(p.value());
  return q;
}

std::string_view Query::expression() const {
  return prog_->expr;
}
size_t Query::instruction_count() const {
  return prog_->code.size();
}

bool Query::matches(uint32_t entry, uint32_t cpu) const {
  const MapInfo& m = *map_;
  if (entry >= m.entry_count) return false;
  const Program& p = *prog_;
  if (m.percpu && cpu >= m.nr_cpus) return run<true>(p, nullptr, key_base(m, entry), false);
  if (m.percpu && m.percpu_absent != nullptr && p.reads_value)
    return run<true>(p, value_base(m, entry, cpu), key_base(m, entry), m.slot_present(entry, cpu));
  return run<false>(p, value_base(m, entry, cpu), key_base(m, entry), true);
}

Status Query::check_cpu(uint32_t cpu) const {
  if (map_->percpu && cpu >= map_->nr_cpus)
    return make_error(Code::Range, "cpu " + std::to_string(cpu) + " out of range for per-CPU map '" +
                                       std::string(map_->name) + "' (" + std::to_string(map_->nr_cpus) + " CPUs)");
  return {};
}

Result<uint32_t> Query::find(uint32_t cpu) const {
  Status st = check_cpu(cpu);
  if (!st.ok()) return st.take_error();
  uint32_t hit = kNoEntry;
  scan_blocks(*map_, *prog_, cpu, [&](uint64_t mask, uint32_t e0) {
    hit = e0 + static_cast<uint32_t>(std::countr_zero(mask));
    return false;
  });
  return hit;
}

Status Query::filter(std::vector<uint32_t>& out, uint32_t cpu) const {
  Status st = check_cpu(cpu);
  if (!st.ok()) return st;
  out.clear();
  scan(*map_, *prog_, cpu, [&](uint32_t e) {
    out.push_back(e);
    return true;
  });
  return {};
}

Result<uint64_t> Query::count(uint32_t cpu) const {
  Status st = check_cpu(cpu);
  if (!st.ok()) return st.take_error();
  uint64_t n = 0;
  scan_blocks(*map_, *prog_, cpu, [&](uint64_t mask, uint32_t) {
    n += static_cast<uint64_t>(std::popcount(mask));
    return true;
  });
  return n;
}

Result<uint32_t> Query::max_by(std::string_view key_path, uint32_t cpu) const {
  auto k = resolve_path(*map_, key_path);
  if (!k.ok()) return k.take_error();
  return extreme_by(k.value(), cpu, true);
}
Result<uint32_t> Query::min_by(std::string_view key_path, uint32_t cpu) const {
  auto k = resolve_path(*map_, key_path);
  if (!k.ok()) return k.take_error();
  return extreme_by(k.value(), cpu, false);
}
Result<uint32_t> Query::max_by(const ResolvedPath& key, uint32_t cpu) const {
  return extreme_by(key, cpu, true);
}
Result<uint32_t> Query::min_by(const ResolvedPath& key, uint32_t cpu) const {
  return extreme_by(key, cpu, false);
}

Result<uint32_t> Query::extreme_by(const ResolvedPath& key, uint32_t cpu, bool want_max) const {
  const MapInfo& m = *map_;
  Status st = check_cpu(cpu);
  if (!st.ok()) return st.take_error();
  if (!key.is_scalar())
    return make_error(Code::Type, "'" + key.text + "' (" + key.type_name() + ") is not a number; " +
                                      (want_max ? "max_by" : "min_by") + " needs a numeric key");
  const uint64_t container = key.side == PathSide::Key ? m.key_size : m.value_size;
  if (uint64_t(key.offset) + key.size > container)
    return make_error(Code::Invalid,
                      "'" + key.text + "' does not fit map '" + std::string(m.name) + "' (resolved for another map?)");
  const RawLoad l = make_load(key);
  const bool is_float = key.kind == PathKind::Float32 || key.kind == PathKind::Float64;
  const bool sgn = signed_load(l.op);
  const bool value_side = key.side == PathSide::Value;
  const bool check = value_side && m.percpu && m.percpu_absent != nullptr;
  uint32_t best = kNoEntry;
  uint64_t best_bits = 0;
  double best_d = 0;
  scan(m, *prog_, cpu, [&](uint32_t e) {
    if (check && !m.slot_present(e, cpu)) return true;
    const uint8_t* base = value_side ? value_base(m, e, cpu) : key_base(m, e);
    uint64_t bits = load_bits(base, l);
    if (is_float) {
      double d = float_of(l.op, bits);
      if (std::isnan(d)) return true;
      if (best == kNoEntry || (want_max ? d > best_d : d < best_d)) {
        best = e;
        best_d = d;
      }
      return true;
    }
    int c = best == kNoEntry ? 0 : cmp_mixed(bits, sgn, best_bits, sgn);
    if (best == kNoEntry || (want_max ? c > 0 : c < 0)) {
      best = e;
      best_bits = bits;
    }
    return true;
  });
  return best;
}

std::string Query::disassemble() const {
  static const char* const names[] = {"const", "truth", "eq.u", "ne.u", "lt.u",  "le.u",  "gt.u", "ge.u",
                                      "eq.s",  "ne.s",  "lt.s", "le.s", "gt.s",  "ge.s",  "eq.f", "ne.f",
                                      "lt.f",  "le.f",  "gt.f", "ge.f", "streq", "strne", "pair"};
  std::string s;
  for (size_t i = 0; i < prog_->code.size(); i++) {
    const Insn& in = prog_->code[i];
    s += std::to_string(i) + ": " + names[in.op];
    if (op_loads(in.op) || in.op == kStrEq || in.op == kStrNe)
      s += std::string(in.side ? " key" : " value") + "+" + std::to_string(in.a.off);
    if (in.op == kConst || (in.op >= kEqU && in.op <= kGeS)) s += " #" + std::to_string(in.imm);
    s += " jt=" + std::to_string(in.jt) + " jf=" + std::to_string(in.jf) + "\n";
  }
  return s;
}

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
