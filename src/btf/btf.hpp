// Navigation over libbpf's struct btf. libbpf parses and validates the
// blob; this layer only answers questions about types (never a parser of
// our own). A Btf is immutable after construction and safe to share across
// threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "internal/status.hpp"

struct btf;
struct btf_type;

namespace ktsnap {
inline namespace v1 {

// Mirrors the BTF_KIND_* numbers of linux/btf.h.
enum class BtfKind : uint16_t {
  Void = 0, Int = 1, Ptr = 2, Array = 3, Struct = 4, Union = 5, Enum = 6,
  Fwd = 7, Typedef = 8, Volatile = 9, Const = 10, Restrict = 11, Func = 12,
  FuncProto = 13, Var = 14, Datasec = 15, Float = 16, DeclTag = 17,
  TypeTag = 18, Enum64 = 19,
};

inline constexpr int kMaxModifierDepth = 32;

struct BtfMember {
  std::string_view name;    // "" for anonymous members
  uint32_t type_id = 0;     // unpeeled
  uint32_t bit_offset = 0;  // from the start of the outermost composite
  uint32_t bitfield_size = 0;  // 0 = not a bitfield
};

struct BtfIntInfo {
  uint32_t size = 0;  // bytes
  bool is_signed = false;
  bool is_char = false;
  bool is_bool = false;
};

struct BtfArrayInfo {
  uint32_t elem_type = 0;  // unpeeled
  uint32_t nelems = 0;
};

struct BtfEnumerator {
  std::string_view name;
  uint64_t value = 0;  // widened to 64 bits (see Btf::enumerators)
};

struct BtfVarInfo {
  std::string_view name;
  uint32_t var_type_id = 0;  // the VAR's id
  uint32_t type_id = 0;      // the variable's type (unpeeled)
  uint32_t offset = 0;       // byte offset inside the section
  uint32_t size = 0;
};

class Btf {
 public:
  // Parses a raw BTF blob (libbpf copies it). `base` makes it split BTF.
  // Goes through the per-process cache: the same bytes on the same base
  // are parsed once while any holder keeps the result alive.
  static Result<std::shared_ptr<const Btf>> from_raw(const void* data, size_t size,
                                                     std::shared_ptr<const Btf> base = nullptr);
  // ELF object or raw BTF file (btf__parse). Not cached.
  static Result<std::shared_ptr<const Btf>> from_file(const std::string& path);
  // Takes ownership of a struct btf built elsewhere (e.g. from a bpf_object).
  static std::shared_ptr<const Btf> adopt(struct btf* b, std::shared_ptr<const Btf> base = nullptr);

  ~Btf();
  Btf(const Btf&) = delete;
  Btf& operator=(const Btf&) = delete;

  const struct btf* raw() const { return btf_; }
  const Btf* base() const { return base_.get(); }
  // Raw bytes of this BTF (without its base).
  std::string_view raw_data() const;

  // Number of type ids including void (valid ids are [0, type_count())).
  uint32_t type_count() const { return type_count_; }
  bool valid_id(uint32_t id) const { return id < type_count_; }
  const struct btf_type* type(uint32_t id) const;  // nullptr when out of range
  BtfKind kind(uint32_t id) const;
  std::string_view name(uint32_t id) const;
  // Name with the struct/union/enum keyword for display ("struct task_ctx").
  std::string type_display_name(uint32_t id) const;

  // Follow typedef/const/volatile/restrict/type_tag/decl_tag to the
  // terminal type (at most kMaxModifierDepth hops).
  Result<uint32_t> peel(uint32_t id) const;
  // peel, then resolve a named FWD to a complete struct/union of the same
  // name and kind in this BTF.
  Result<uint32_t> peel_resolving_fwd(uint32_t id) const;

  // Byte size by the per-kind rule: INT/FLOAT/ENUM/ENUM64/STRUCT/UNION/
  // DATASEC their size, PTR 8, ARRAY nelems * elem size, modifiers and VAR
  // their target; FWD/FUNC/FUNC_PROTO/VOID unknown.
  std::optional<uint64_t> size(uint32_t id) const;

  std::optional<BtfIntInfo> int_info(uint32_t id) const;      // INT only (peeled id)
  std::optional<BtfArrayInfo> array_info(uint32_t id) const;  // ARRAY only
  bool enum_is_signed(uint32_t id) const;
  // Enumerators of an ENUM or ENUM64 in declaration order. 32-bit ENUM
  // values are sign-extended, as libbpf and bpftool do (clang before 15
  // emits 64-bit enums as 8-byte ENUMs with truncated enumerators).
  void enumerators(uint32_t id, std::vector<BtfEnumerator>& out) const;
  // Name of the first enumerator whose value, masked to the enum's width,
  // equals `raw` (already masked). ENUM and ENUM64.
  std::optional<std::string_view> enum_variant(uint32_t id, uint64_t raw) const;

  // Members of a STRUCT/UNION in declaration order. With flatten=true,
  // members of anonymous struct/union members are spliced in place (their
  // bit offsets made absolute); with flatten=false they appear once with
  // an empty name.
  void members(uint32_t composite_id, bool flatten, std::vector<BtfMember>& out) const;
  // First member named `name`, searching anonymous members recursively
  // (declaration order, depth first).
  std::optional<BtfMember> find_member(uint32_t composite_id, std::string_view name) const;

  // Variables of a DATASEC in declaration order.
  void datasec_vars(uint32_t datasec_id, std::vector<BtfVarInfo>& out) const;

  std::optional<uint32_t> find_by_name_kind(std::string_view name, BtfKind kind) const;

  // Memo slots for layers above (compiled render plans, query plans): the
  // object is made once by `make`, lives as long as this Btf, and is shared
  // by every thread. Slots: see BtfMemoSlot.
  std::shared_ptr<void> memo(unsigned slot, const std::function<std::shared_ptr<void>()>& make) const;

 private:
  Btf(struct btf* b, std::shared_ptr<const Btf> base);
  struct btf* btf_ = nullptr;
  std::shared_ptr<const Btf> base_;
  uint32_t type_count_ = 0;
  mutable std::mutex memo_mu_;
  mutable std::shared_ptr<void> memo_[4];
};

enum BtfMemoSlot : unsigned { kMemoJsonPlans = 0, kMemoTextPlans = 1, kMemoQueryPlans = 2, kMemoSlots = 4 };

// Number of entries currently held by the BTF cache (tests).
size_t btf_cache_size();

}  // namespace v1
}  // namespace ktsnap
