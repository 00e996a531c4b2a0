// The compiled JSON plan: for one (BTF, type id), the JSON of a value with
// all its bytes present is fixed text interleaved with typed reads at
// fixed byte offsets. The plan stores that text pre-merged into as few
// literal chunks as possible and a flat list of ops; executing it is a
// loop of memcpy + hand-written number formatting, with no BTF lookups.
// Values the plan does not cover (short bytes, hostile BTF) go through the
// tree renderer (render_tree.hpp), which defines the semantics the plan
// must reproduce byte for byte.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.hpp"
#include "report/report.hpp"

namespace ktsnap {
inline namespace v1 {
namespace render {

// Unsigned (U*) and signed (I*, sign-extended) little-endian integers; UN
// and IN read `a` bytes for the odd widths (0, 3, 5, 6, 7).
enum class OpCode : uint8_t {
  U8,
  U16,
  U32,
  U64,
  UN,
  I8,
  I16,
  I32,
  I64,
  IN,
  Bool,  // any of `a` bytes non-zero
  Char,  // one byte as a decimal
  F32,
  F64,
  Enum,      // value + variant from table x (`a` bytes, b = signed)
  Bitfield,  // a = shift, b = width, c = signed
  Ptr,       // a = PtrMode
  CpuMask,   // x = bytes to decode
  Hex,       // x = bytes
  Scalars,   // x elements of `a` bytes at stride y; b = ScalarKind; element prefix at (pfx, pfx_len)
  Loop,      // x = count, y = stride, w = ops in the body (before its EndBody)
  EndBody,   // literal closing one loop element
  End,       // literal closing the value
};

struct PlanOp {
  OpCode code = OpCode::End;
  uint8_t a = 0, b = 0, c = 0;
  uint32_t off = 0;  // byte offset from the current base
  uint32_t lit = 0;  // literal written before the action (pool offset)
  uint32_t lit_len = 0;
  uint32_t need = 0;  // output bytes this op may write, literal and slack included
  uint32_t x = 0, y = 0, w = 0;
  uint32_t pfx = 0, pfx_len = 0;
};

// Element kinds of OpCode::Scalars.
enum ScalarKind : uint8_t { kScalarUint = 0, kScalarInt = 1, kScalarChar = 2, kScalarBool = 3 };

struct EnumTable {
  std::vector<uint64_t> values;  // masked to the enum width; sorted when !linear
  std::vector<uint32_t> sfx;     // pool offset of `,"variant":"NAME"`
  std::vector<uint32_t> sfx_len;
  uint32_t null_sfx = 0, null_sfx_len = 0;
  bool linear = true;
};

struct JsonPlan {
  std::vector<PlanOp> ops;
  std::string pool;  // literal text, padded so 16-byte block copies stay inside
  std::vector<EnumTable> enums;
  uint64_t size = 0;      // bytes the plan reads; values with fewer take the tree path
  uint64_t estimate = 0;  // output size estimate (initial reservation)
  bool flat = false;      // false: every value of this type takes the tree path
};

std::unique_ptr<JsonPlan> compile_json_plan(const Btf& btf, uint32_t type_id);

// Output window for the JSON writers: ops write through a raw pointer
// into a per-thread scratch chunk that is appended to the string when full
// and at the end. Growing the string itself by resize() would zero-fill
// it first, and for a large map that extra pass over hundreds of MB costs
// more than the rendering; the chunk stays in cache.
class JsonOut {
 public:
  explicit JsonOut(std::string& s);
  ~JsonOut();
  JsonOut(const JsonOut&) = delete;
  JsonOut& operator=(const JsonOut&) = delete;

  [[gnu::always_inline]] void ensure(size_t n) {
    if (static_cast<size_t>(end_ - w_) < n) [[unlikely]]
      flush_for(n);
  }
  void put(const char* p, size_t n) {
    ensure(n);
    std::memcpy(w_, p, n);
    w_ += n;
  }
  void put(std::string_view v) { put(v.data(), v.size()); }
  void put(char c) {
    ensure(1);
    *w_++ = c;
  }
  // Appends whatever `fn(std::string&)` appends (slow paths).
  template <typename F>
  void append_via(F&& fn) {
    flush();
    fn(s_);
  }
  // Capacity in the string for `n` more bytes (avoids regrowth copies).
  void reserve_more(size_t n) { s_.reserve(s_.size() + static_cast<size_t>(w_ - buf_) + n); }
  char*& cursor() { return w_; }
  char* limit() const { return end_; }
  // For writers that keep the cursor in a local: makes room for n bytes
  // at w and returns where the cursor is now.
  char* grow_at(char* w, size_t n) {
    w_ = w;
    flush_for(n);
    return w_;
  }
  // Appends what is still in the chunk; call before the writer goes away
  // (the destructor does not write, so an allocation failure propagates).
  void finish() { flush(); }

  struct Scratch;  // the per-thread chunk (render_plan.cpp)

 private:
  void flush() {
    s_.append(buf_, static_cast<size_t>(w_ - buf_));
    w_ = buf_;
  }
  [[gnu::noinline]] void flush_for(size_t n);

  std::string& s_;
  Scratch* scratch_;
  bool owns_ = false;  // nested writer on this thread: a private chunk
  char* buf_ = nullptr;
  char* w_ = nullptr;
  char* end_ = nullptr;
};

// Runs a flat plan over `data` (at least plan.size bytes).
void run_json_plan(const JsonPlan& plan, const uint8_t* data, const Report* report, JsonOut& out);

}  // namespace render
}  // namespace v1
}  // namespace ktsnap
