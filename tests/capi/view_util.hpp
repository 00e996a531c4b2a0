// Helpers for the view-layer C ABI tests (tests/capi/view_*_test.cpp).
// Like every C ABI test, only ktsnap.h, the standard library and
// GoogleTest: reports are built with the C builder, BTF comes from the
// fixture report or from the views.bpf.o object (read here with a small,
// bounds-checked ELF and BTF reader), and expected values are computed from
// the bytes the tests put in.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capi_test.hpp"

namespace view_test {

using namespace capi_test;

// ---- handles ---------------------------------------------------------------

struct SnapFree {
  void operator()(ktsnap_snapshot* s) const { ktsnap_snapshot_free(s); }
};
using SnapPtr = std::unique_ptr<ktsnap_snapshot, SnapFree>;

struct QueryFree {
  void operator()(ktsnap_query* q) const { ktsnap_query_free(q); }
};
using QueryPtr = std::unique_ptr<ktsnap_query, QueryFree>;

inline SnapPtr snapshot(const ktsnap_report* r) {
  ktsnap_snapshot* s = nullptr;
  ktsnap_status st = ktsnap_snapshot_new(&s, r);
  EXPECT_EQ(st, KTSNAP_OK) << ktsnap_last_error();
  return SnapPtr(s);
}

inline SnapPtr active(const ktsnap_snapshot* s) {
  ktsnap_snapshot* a = nullptr;
  ktsnap_status st = ktsnap_snapshot_active(&a, s);
  EXPECT_EQ(st, KTSNAP_OK) << ktsnap_last_error();
  return SnapPtr(a);
}

inline QueryPtr compile(const ktsnap_map* m, const std::string& expr) {
  ktsnap_query* q = nullptr;
  ktsnap_status st = ktsnap_query_compile(&q, m, expr.c_str());
  EXPECT_EQ(st, KTSNAP_OK) << "[" << expr << "]: " << ktsnap_last_error();
  return QueryPtr(q);
}

inline const ktsnap_map* map_of(const ktsnap_report* r, const char* name) {
  const ktsnap_map* m = nullptr;
  ktsnap_status st = ktsnap_report_map_by_name(&m, r, name);
  EXPECT_EQ(st, KTSNAP_OK) << name << ": " << ktsnap_last_error();
  return m;
}

// ---- the structured error --------------------------------------------------

// The spelling of every kind (spec/views.md §3), indexed by KTSNAP_ERROR_*.
inline const char* const kKindNames[] = {"",
                                         "MapNotFound",
                                         "VarNotFound",
                                         "AmbiguousVar",
                                         "FieldNotFound",
                                         "NotAStruct",
                                         "TypeMismatch",
                                         "IndexOutOfRange",
                                         "PerCpuSlot",
                                         "NoMatch",
                                         "EmptyPathComponent",
                                         "PerCpuNotNarrowed",
                                         "NoRendered",
                                         "PlaceholderSample",
                                         "MissingStats",
                                         "HostFieldUnavailable",
                                         "PlaceholderSnapshot",
                                         "NoActiveScheduler",
                                         "ActiveFilterExcludedMaps",
                                         "WalkerDriftedWithinPhase",
                                         "ProjectionFailed",
                                         "MapRenderIncomplete"};

// A deep copy of ktsnap_last_error_info(), made right after the call under
// test: reading every borrowed pointer here checks that they are valid.
struct Info {
  ktsnap_status status = 0;
  uint32_t kind = 0;
  std::string kind_name, message, json, requested, walked, component, map, expected, actual, reason, hint;
  uint64_t index = 0, len = 0;
  uint32_t cpu = 0, column = 0, unmapped = 0;
  std::vector<std::string> alternatives, sample_keys;
};

inline std::string str_field(const char* p, const char* field) {
  EXPECT_NE(p, nullptr) << "ktsnap_error_info." << field << " is NULL (strings are never NULL)";
  return p ? std::string(p) : std::string();
}

inline std::vector<std::string> list_field(const char* const* p, size_t n, const char* field) {
  EXPECT_EQ(p == nullptr, n == 0) << "ktsnap_error_info." << field << ": NULL exactly when the count is 0";
  std::vector<std::string> out;
  if (p == nullptr) return out;
  for (size_t i = 0; i < n; i++) {
    EXPECT_NE(p[i], nullptr) << field << "[" << i << "]";
    out.emplace_back(p[i] ? p[i] : "");
  }
  return out;
}

inline Info info() {
  ktsnap_error_info i = KTSNAP_ERROR_INFO_INIT;
  ktsnap_status st = ktsnap_last_error_info(&i);
  EXPECT_EQ(st, KTSNAP_OK);
  Info o;
  o.status = i.status;
  o.kind = i.kind;
  o.kind_name = str_field(i.kind_name, "kind_name");
  o.message = str_field(i.message, "message");
  o.json = str_field(i.json, "json");
  o.requested = str_field(i.requested, "requested");
  o.walked = str_field(i.walked, "walked");
  o.component = str_field(i.component, "component");
  o.map = str_field(i.map, "map");
  o.expected = str_field(i.expected, "expected");
  o.actual = str_field(i.actual, "actual");
  o.reason = str_field(i.reason, "reason");
  o.hint = str_field(i.hint, "hint");
  o.index = i.index;
  o.len = i.len;
  o.cpu = i.cpu;
  o.column = i.column;
  o.unmapped = i.unmapped;
  EXPECT_EQ(i._pad, 0u);
  o.alternatives = list_field(i.alternatives, i.alternative_count, "alternatives");
  o.sample_keys = list_field(i.sample_keys, i.sample_key_count, "sample_keys");
  EXPECT_EQ(o.kind_name, ktsnap_error_kind_name(o.kind));
  EXPECT_EQ(o.message, std::string(ktsnap_last_error()));
  return o;
}

// The call returned `status` with view error `kind`; the info agrees and
// names the kind in its JSON. Returns the info for field checks.
inline Info expect_fail(ktsnap_status got, ktsnap_status status, uint32_t kind, const char* what) {
  Info i = info();
  EXPECT_EQ(got, status) << what << ": " << ktsnap_status_str(got) << ": " << i.message;
  EXPECT_EQ(i.status, got) << what;
  EXPECT_EQ(i.kind, kind) << what << ": kind " << i.kind << " (" << i.kind_name << "): " << i.message;
  EXPECT_FALSE(i.message.empty()) << what;
  if (kind < std::size(kKindNames)) {
    EXPECT_EQ(i.kind_name, kKindNames[kind]) << what;
  }
  if (kind == KTSNAP_ERROR_NONE) {
    EXPECT_EQ(i.json, "") << what;
  } else {
    std::string head = std::string("{\"") + (kind < std::size(kKindNames) ? kKindNames[kind] : "?") + "\":";
    EXPECT_EQ(i.json.compare(0, head.size(), head), 0) << what << ": json " << i.json;
    EXPECT_TRUE(!i.json.empty() && i.json.back() == '}') << what << ": json " << i.json;
  }
  return i;
}
#define VIEW_FAIL(expr, status, kind) ::view_test::expect_fail((expr), (status), (kind), #expr)

// A failure that is not a view error: status, kind NONE, and the message
// names `text` (an argument name, for NULL arguments).
inline Info expect_plain(ktsnap_status got, ktsnap_status status, const std::string& text, const char* what) {
  Info i = expect_fail(got, status, KTSNAP_ERROR_NONE, what);
  EXPECT_TRUE(contains(i.message, text)) << what << ": message '" << i.message << "' does not mention '" << text << "'";
  return i;
}
#define PLAIN_FAIL(expr, status, text) ::view_test::expect_plain((expr), (status), (text), #expr)
// NULL argument `arg`: KTSNAP_E_INVALID naming it.
#define NULL_ARG(expr, arg) ::view_test::expect_plain((expr), KTSNAP_E_INVALID, (arg), #expr)

// After a successful call the info is reset.
inline void expect_clean(const char* what) {
  Info i = info();
  EXPECT_EQ(i.status, KTSNAP_OK) << what;
  EXPECT_EQ(i.kind, KTSNAP_ERROR_NONE) << what;
  EXPECT_EQ(i.kind_name, "") << what;
  EXPECT_EQ(i.message, "") << what;
  EXPECT_EQ(i.json, "") << what;
  EXPECT_EQ(i.requested + i.walked + i.component + i.map + i.expected + i.actual + i.reason + i.hint, "") << what;
  EXPECT_EQ(i.index + i.len + i.cpu + i.column + i.unmapped, 0u) << what;
  EXPECT_TRUE(i.alternatives.empty()) << what;
  EXPECT_TRUE(i.sample_keys.empty()) << what;
}
#define VIEW_OK(expr)                                                                                    \
  do {                                                                                                   \
    ktsnap_status st_ = (expr);                                                                          \
    EXPECT_EQ(st_, KTSNAP_OK) << #expr << ": " << ktsnap_status_str(st_) << ": " << ktsnap_last_error(); \
    ::view_test::expect_clean(#expr);                                                                    \
  } while (0)

// ---- ELF and BTF readers -----------------------------------------------------

template <typename T>
bool load(const std::vector<uint8_t>& b, uint64_t off, T& out) {
  if (off > b.size() || b.size() - off < sizeof(T)) return false;
  std::memcpy(&out, b.data() + off, sizeof(T));
  return true;
}

// The bytes of section `name` of a little-endian ELF64 file, or nullopt.
// Every offset and size is checked against the file.
inline std::optional<std::vector<uint8_t>> elf_section(const std::vector<uint8_t>& f, std::string_view name) {
  if (f.size() < 64 ||
      std::memcmp(f.data(),
                  "\x7f"
                  "ELF",
                  4) != 0 ||
      f[4] != 2 /* ELFCLASS64 */ || f[5] != 1 /* ELFDATA2LSB */)
    return std::nullopt;
  uint64_t shoff = 0;
  uint16_t shentsize = 0, shnum = 0, shstrndx = 0;
  if (!load(f, 0x28, shoff) || !load(f, 0x3a, shentsize) || !load(f, 0x3c, shnum) || !load(f, 0x3e, shstrndx))
    return std::nullopt;
  if (shentsize < 64 || shnum == 0 || shstrndx >= shnum) return std::nullopt;
  if (shoff > f.size() || (f.size() - shoff) / shentsize < shnum) return std::nullopt;
  auto section = [&](uint16_t i, uint32_t& name_off, uint64_t& off, uint64_t& size) {
    uint64_t h = shoff + uint64_t(i) * shentsize;
    uint32_t type = 0;
    if (!load(f, h, name_off) || !load(f, h + 4, type) || !load(f, h + 24, off) || !load(f, h + 32, size)) return false;
    if (type == 8 /* SHT_NOBITS */) size = 0;
    return off <= f.size() && size <= f.size() - off;
  };
  uint32_t str_name = 0;
  uint64_t str_off = 0, str_size = 0;
  if (!section(shstrndx, str_name, str_off, str_size)) return std::nullopt;
  for (uint16_t i = 0; i < shnum; i++) {
    uint32_t n = 0;
    uint64_t off = 0, size = 0;
    if (!section(i, n, off, size)) return std::nullopt;
    if (n >= str_size) continue;
    const char* s = reinterpret_cast<const char*>(f.data() + str_off + n);
    size_t max = str_size - n;
    size_t len = strnlen(s, max);
    if (len == max) continue;  // not NUL-terminated inside the table
    if (std::string_view(s, len) == name) return std::vector<uint8_t>(f.begin() + off, f.begin() + off + size);
  }
  return std::nullopt;
}

// BTF kinds (include/uapi/linux/btf.h).
enum : uint32_t {
  kBtfInt = 1,
  kBtfPtr = 2,
  kBtfArray = 3,
  kBtfStruct = 4,
  kBtfUnion = 5,
  kBtfEnum = 6,
  kBtfFwd = 7,
  kBtfTypedef = 8,
  kBtfVolatile = 9,
  kBtfConst = 10,
  kBtfRestrict = 11,
  kBtfFunc = 12,
  kBtfFuncProto = 13,
  kBtfVar = 14,
  kBtfDatasec = 15,
  kBtfFloat = 16,
  kBtfDeclTag = 17,
  kBtfTypeTag = 18,
  kBtfEnum64 = 19,
};

// A read-only index of a raw BTF blob (Documentation/bpf/btf.rst): every
// type record's kind, name, size-or-type and trailing data, bounds-checked.
class BtfIndex {
 public:
  struct Type {
    uint32_t kind = 0, vlen = 0, size_or_type = 0;
    bool kflag = false;
    std::string name;
    size_t info_off = 0;  // offset of the record's `info` word in the blob
    size_t extra = 0;     // offset of the trailing data in the blob
  };
  struct Member {
    std::string name;
    uint32_t type = 0;
    uint32_t offset = 0;  // bytes (structs/unions) or bytes (datasec vars)
    uint32_t size = 0;    // datasec vars only
  };

  BtfIndex() = default;
  explicit BtfIndex(std::vector<uint8_t> blob) : blob_(std::move(blob)) { ok_ = parse(); }

  bool ok() const { return ok_; }
  const std::vector<uint8_t>& blob() const { return blob_; }
  size_t count() const { return types_.size(); }  // ids 1..count-1
  const Type* type(uint32_t id) const { return id > 0 && id < types_.size() ? &types_[id] : nullptr; }

  // Id of the type named `name` of `kind`, 0 when none.
  uint32_t find(std::string_view name, uint32_t kind) const {
    for (uint32_t id = 1; id < types_.size(); id++)
      if (types_[id].kind == kind && types_[id].name == name) return id;
    return 0;
  }
  // Skips typedefs and qualifiers.
  uint32_t resolve(uint32_t id) const {
    for (int n = 0; n < 64; n++) {
      const Type* t = type(id);
      if (t == nullptr) return 0;
      switch (t->kind) {
        case kBtfTypedef:
        case kBtfVolatile:
        case kBtfConst:
        case kBtfRestrict:
        case kBtfTypeTag:
          id = t->size_or_type;
          continue;
        default:
          return id;
      }
    }
    return 0;
  }
  uint64_t size(uint32_t id) const {
    id = resolve(id);
    const Type* t = type(id);
    if (t == nullptr) return 0;
    switch (t->kind) {
      case kBtfPtr:
        return 8;
      case kBtfArray: {
        uint32_t elem = 0, nelems = 0;
        if (!load(blob_, t->extra, elem) || !load(blob_, t->extra + 8, nelems)) return 0;
        return uint64_t(nelems) * size(elem);
      }
      case kBtfInt:
      case kBtfStruct:
      case kBtfUnion:
      case kBtfEnum:
      case kBtfEnum64:
      case kBtfDatasec:
      case kBtfFloat:
        return t->size_or_type;
      case kBtfVar:
        return size(t->size_or_type);
      default:
        return 0;
    }
  }
  // Direct members of a struct/union (declaration order), or the
  // variables of a DATASEC (names from their VAR records).
  std::vector<Member> members(uint32_t id) const {
    std::vector<Member> out;
    const Type* t = type(resolve(id));
    if (t == nullptr) return out;
    if (t->kind == kBtfStruct || t->kind == kBtfUnion) {
      for (uint32_t i = 0; i < t->vlen; i++) {
        uint32_t name = 0, mtype = 0, off = 0;
        size_t at = t->extra + size_t(i) * 12;
        if (!load(blob_, at, name) || !load(blob_, at + 4, mtype) || !load(blob_, at + 8, off)) break;
        uint32_t bits = t->kflag ? (off & 0xffffff) : off;
        out.push_back({str(name), mtype, bits / 8, 0});
      }
    } else if (t->kind == kBtfDatasec) {
      for (uint32_t i = 0; i < t->vlen; i++) {
        uint32_t vtype = 0, off = 0, sz = 0;
        size_t at = t->extra + size_t(i) * 12;
        if (!load(blob_, at, vtype) || !load(blob_, at + 4, off) || !load(blob_, at + 8, sz)) break;
        const Type* v = type(vtype);
        out.push_back({v ? v->name : std::string(), v ? v->size_or_type : 0, off, sz});
      }
    }
    return out;
  }
  // Member names as the view layer lists them: declaration order,
  // anonymous struct/union members flattened in place.
  std::vector<std::string> flat_member_names(uint32_t id) const {
    std::vector<std::string> out;
    flatten(id, out, 0);
    return out;
  }
  // Byte offset of member `name` (anonymous members searched), or -1.
  int64_t offset_of(uint32_t id, std::string_view name) const {
    for (const Member& m : members(id)) {
      if (m.name == name) return m.offset;
      if (m.name.empty()) {
        int64_t inner = offset_of(m.type, name);
        if (inner >= 0) return m.offset + inner;
      }
    }
    return -1;
  }
  // (name, value) of an enum's variants.
  std::vector<std::pair<std::string, int64_t>> enumerators(uint32_t id) const {
    std::vector<std::pair<std::string, int64_t>> out;
    const Type* t = type(resolve(id));
    if (t == nullptr || t->kind != kBtfEnum) return out;
    for (uint32_t i = 0; i < t->vlen; i++) {
      uint32_t name = 0;
      int32_t val = 0;
      size_t at = t->extra + size_t(i) * 8;
      if (!load(blob_, at, name) || !load(blob_, at + 4, val)) break;
      out.emplace_back(str(name), t->kflag ? int64_t(val) : int64_t(uint32_t(val)));
    }
    return out;
  }
  // Gives type `id` a new name: the string is appended to the string
  // section (which must end the blob, as it does in clang's .BTF) and the
  // header's string length grows. Returns false when that is not possible.
  bool rename(uint32_t id, const std::string& name) {
    Type* t = id > 0 && id < types_.size() ? &types_[id] : nullptr;
    if (t == nullptr || str_off_ + str_len_ != blob_.size()) return false;
    uint32_t off = static_cast<uint32_t>(str_len_);
    blob_.insert(blob_.end(), name.begin(), name.end());
    blob_.push_back(0);
    str_len_ += name.size() + 1;
    uint32_t len32 = static_cast<uint32_t>(str_len_);
    std::memcpy(blob_.data() + 20, &len32, 4);             // btf_header.str_len
    std::memcpy(blob_.data() + t->info_off - 4, &off, 4);  // the type's name_off
    t->name = name;
    return true;
  }
  // Sets the kind flag (signed) of enum `id` in the blob (what clang >= 15
  // emits for enums with negative values). Returns false when it is not an
  // ENUM.
  bool mark_enum_signed(uint32_t id) {
    Type* t = id > 0 && id < types_.size() ? &types_[id] : nullptr;
    if (t == nullptr || t->kind != kBtfEnum) return false;
    uint32_t info = 0;
    if (!load(blob_, t->info_off, info)) return false;
    info |= 1u << 31;
    std::memcpy(blob_.data() + t->info_off, &info, 4);
    t->kflag = true;
    return true;
  }

 private:
  std::string str(uint32_t off) const {
    if (off >= str_len_) return std::string();
    const char* s = reinterpret_cast<const char*>(blob_.data() + str_off_ + off);
    return std::string(s, strnlen(s, str_len_ - off));
  }
  void flatten(uint32_t id, std::vector<std::string>& out, int depth) const {
    if (depth > 32) return;
    for (const Member& m : members(id)) {
      const Type* mt = type(resolve(m.type));
      if (m.name.empty() && mt != nullptr && (mt->kind == kBtfStruct || mt->kind == kBtfUnion))
        flatten(m.type, out, depth + 1);
      else
        out.push_back(m.name);
    }
  }
  bool parse() {
    uint16_t magic = 0;
    uint32_t hdr_len = 0, type_off = 0, type_len = 0, str_off = 0, str_len = 0;
    if (!load(blob_, 0, magic) || magic != 0xeb9f) return false;
    if (!load(blob_, 4, hdr_len) || !load(blob_, 8, type_off) || !load(blob_, 12, type_len) ||
        !load(blob_, 16, str_off) || !load(blob_, 20, str_len))
      return false;
    uint64_t t0 = uint64_t(hdr_len) + type_off, t1 = t0 + type_len;
    uint64_t s0 = uint64_t(hdr_len) + str_off, s1 = s0 + str_len;
    if (t1 > blob_.size() || s1 > blob_.size() || str_len == 0) return false;
    str_off_ = s0;
    str_len_ = str_len;
    types_.emplace_back();  // id 0: void
    uint64_t at = t0;
    while (at < t1) {
      Type t;
      uint32_t name = 0, info = 0;
      if (at + 12 > t1 || !load(blob_, at, name) || !load(blob_, at + 4, info) || !load(blob_, at + 8, t.size_or_type))
        return false;
      t.info_off = at + 4;
      t.kind = (info >> 24) & 0x1f;
      t.vlen = info & 0xffff;
      t.kflag = (info >> 31) != 0;
      t.name = str(name);
      t.extra = at + 12;
      uint64_t extra = 0;
      switch (t.kind) {
        case kBtfInt:
        case kBtfVar:
        case kBtfDeclTag:
          extra = 4;
          break;
        case kBtfArray:
          extra = 12;
          break;
        case kBtfStruct:
        case kBtfUnion:
        case kBtfDatasec:
        case kBtfEnum64:
          extra = uint64_t(t.vlen) * 12;
          break;
        case kBtfEnum:
        case kBtfFuncProto:
          extra = uint64_t(t.vlen) * 8;
          break;
        case kBtfPtr:
        case kBtfFwd:
        case kBtfTypedef:
        case kBtfVolatile:
        case kBtfConst:
        case kBtfRestrict:
        case kBtfFunc:
        case kBtfFloat:
        case kBtfTypeTag:
          break;
        default:
          return false;
      }
      if (t.extra + extra > t1) return false;
      at = t.extra + extra;
      types_.push_back(std::move(t));
    }
    return true;
  }

  std::vector<uint8_t> blob_;
  std::vector<Type> types_;
  size_t str_off_ = 0, str_len_ = 0;
  bool ok_ = false;
};

// ---- byte helpers ---------------------------------------------------------------

template <typename T>
std::vector<uint8_t> bytes_of(const T& v) {
  std::vector<uint8_t> b(sizeof v);
  std::memcpy(b.data(), &v, sizeof v);
  return b;
}
inline void append(std::vector<uint8_t>& out, const std::vector<uint8_t>& more) {
  out.insert(out.end(), more.begin(), more.end());
}
// Per-CPU value layout: every slot rounded up to 8 bytes.
inline size_t percpu_stride(size_t value_size) {
  return (value_size + 7) / 8 * 8;
}

// Absent-slot bitmap: bit entry * nr_cpus + cpu, LSB first.
inline std::vector<uint8_t> absent_bitmap(uint32_t entries, uint32_t nr_cpus,
                                          const std::vector<std::pair<uint32_t, uint32_t>>& absent) {
  std::vector<uint8_t> bm((size_t(entries) * nr_cpus + 7) / 8, 0);
  for (const auto& ec : absent) {
    size_t bit = size_t(ec.first) * nr_cpus + ec.second;
    bm[bit / 8] |= uint8_t(1u << (bit % 8));
  }
  return bm;
}

// "hex:" + space-separated lowercase hex pairs (a key without BTF).
inline std::string hex_key(const uint8_t* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string s = "hex:";
  for (size_t i = 0; i < n; i++) {
    if (i) s += ' ';
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 15];
  }
  return s;
}

// The NoMatch key cap (spec/views.md §2.2): at most 80 bytes unchanged;
// otherwise, above 80 characters, the first 79 characters and "…".
inline std::string cap80(const std::string& s) {
  if (s.size() <= 80) return s;
  size_t chars = 0, cut = s.size();
  for (size_t i = 0; i < s.size(); i++) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) continue;
    if (chars == 79) cut = i;
    chars++;
  }
  if (chars <= 80) return s;
  return s.substr(0, cut) + "\u2026";
}

// Text rendering of a value (KTSNAP_FORMAT_TEXT), "" on failure.
inline std::string render_text(const ktsnap_value& v) {
  ktsnap_render_opts o = KTSNAP_RENDER_OPTS_INIT;
  o.format = KTSNAP_FORMAT_TEXT;
  char* out = nullptr;
  size_t len = 0;
  ktsnap_status st = ktsnap_render_value(&out, &len, &v, &o);
  EXPECT_EQ(st, KTSNAP_OK) << ktsnap_last_error();
  CharPtr owned(out);
  return out ? std::string(out, len) : std::string();
}

// ---- the C builder, wrapped -----------------------------------------------------------

class CBuilder {
 public:
  CBuilder() {
    ktsnap_builder* b = nullptr;
    EXPECT_EQ(ktsnap_builder_new(&b, nullptr), KTSNAP_OK) << ktsnap_last_error();
    b_.reset(b);
  }
  ktsnap_builder* get() { return b_.get(); }

  int32_t btf(const std::vector<uint8_t>& blob) {
    int32_t idx = -1;
    EXPECT_EQ(ktsnap_builder_add_btf(&idx, b_.get(), blob.data(), blob.size(), -1), KTSNAP_OK) << ktsnap_last_error();
    return idx;
  }
  int32_t scheduler(const char* name, int32_t btf_index, bool is_active) {
    int32_t idx = -1;
    EXPECT_EQ(ktsnap_builder_add_scheduler(&idx, b_.get(), name, btf_index, is_active), KTSNAP_OK)
        << name << ": " << ktsnap_last_error();
    return idx;
  }
  int32_t map(const ktsnap_map_desc& d, const std::vector<uint8_t>& keys, const std::vector<uint8_t>& values) {
    int32_t idx = -1;
    EXPECT_EQ(ktsnap_builder_add_map(&idx, b_.get(), &d, keys.empty() ? nullptr : keys.data(), keys.size(),
                                     values.empty() ? nullptr : values.data(), values.size()),
              KTSNAP_OK)
        << d.name << ": " << ktsnap_last_error();
    return idx;
  }
  void region(uint64_t addr, const std::vector<uint8_t>& bytes) {
    EXPECT_EQ(ktsnap_builder_add_region(b_.get(), addr, bytes.data(), bytes.size()), KTSNAP_OK)
        << std::hex << addr << ": " << ktsnap_last_error();
  }
  void stats(const std::string& json) {
    EXPECT_EQ(ktsnap_builder_set_stats_json(b_.get(), json.data(), json.size()), KTSNAP_OK) << ktsnap_last_error();
  }
  void metadata(const ktsnap_metadata& md) {
    EXPECT_EQ(ktsnap_builder_set_metadata(b_.get(), &md), KTSNAP_OK) << ktsnap_last_error();
  }
  void active_kvas(const std::vector<uint64_t>& kvas) {
    EXPECT_EQ(ktsnap_builder_set_active_map_kvas(b_.get(), kvas.data(), kvas.size()), KTSNAP_OK)
        << ktsnap_last_error();
  }
  ReportPtr finish() {
    ktsnap_report* r = nullptr;
    EXPECT_EQ(ktsnap_builder_finish(&r, b_.get()), KTSNAP_OK) << ktsnap_last_error();
    return ReportPtr(r);
  }

 private:
  BuilderPtr b_;
};

// ---- the kinds fixture's BTF --------------------------------------------------------

// BTF and type ids of the kinds fixture (its maps carry the ids; the
// DATASECs have libbpf's final sizes and offsets).
struct Kinds {
  ReportPtr report;
  BtfIndex btf;
  uint32_t bss = 0, data = 0, rodata = 0;  // DATASEC ids
  uint32_t inner = 0;                      // struct kt_inner
  uint32_t task = 0;                       // struct kt_task_ctx
  uint32_t cpu_stats = 0;                  // struct kt_cpu_stats
  uint32_t key = 0;                        // struct kt_key
  uint32_t u32 = 0;                        // the kt_tasks key type
  uint32_t e64 = 0;                        // enum kt_e64 (8 bytes, unsigned)
  uint32_t u64 = 0;                        // kt_pcpu_hash's value type

  // A value for section `ds` with variables set by `set(name, bytes)`.
  std::vector<uint8_t> section(uint32_t ds, const std::function<void(const std::string&, uint8_t*)>& set) const {
    std::vector<uint8_t> v(btf.size(ds), 0);
    for (const auto& m : btf.members(ds))
      if (uint64_t(m.offset) + m.size <= v.size()) set(m.name, v.data() + m.offset);
    return v;
  }
  std::vector<uint8_t> bss_value(uint64_t nr_events, uint32_t inner_a, int32_t neg) const {
    return section(bss, [&](const std::string& n, uint8_t* p) {
      if (n == "kt_nr_events") std::memcpy(p, &nr_events, 8);
      if (n == "kt_bss_inner") std::memcpy(p, &inner_a, 4);
      if (n == "kt_bss_neg") std::memcpy(p, &neg, 4);
    });
  }
  std::vector<uint8_t> data_value(int32_t counter) const {
    return section(data, [&](const std::string& n, uint8_t* p) {
      if (n == "kt_data_counter") std::memcpy(p, &counter, 4);
      if (n == "kt_data_label") std::memcpy(p, "hello", 5);
    });
  }
  std::vector<uint8_t> rodata_value(uint32_t nr_cpus) const {
    return section(rodata, [&](const std::string& n, uint8_t* p) {
      uint32_t mode = 1;
      if (n == "kt_ro_nr_cpus") std::memcpy(p, &nr_cpus, 4);
      if (n == "kt_ro_mode") std::memcpy(p, &mode, 4);
    });
  }
  // A global-section map desc typed by DATASEC `ds`.
  ktsnap_map_desc section_desc(const char* name, uint32_t ds, uint64_t kva, int32_t btf_index) const {
    ktsnap_map_desc d = KTSNAP_MAP_DESC_INIT;
    d.name = name;
    d.map_type = 2;  // BPF_MAP_TYPE_ARRAY
    d.key_size = 4;
    d.value_size = static_cast<uint32_t>(btf.size(ds));
    d.max_entries = 1;
    d.btf_index = btf_index;
    d.value_type_id = ds;
    d.map_kva = kva;
    return d;
  }
};

inline const Kinds& kinds() {
  static const Kinds* k = [] {
    auto* out = new Kinds;
    ktsnap_report* r = nullptr;
    EXPECT_EQ(ktsnap_report_open_file(&r, fixture_path(), nullptr), KTSNAP_OK) << ktsnap_last_error();
    out->report.reset(r);
    size_t size = 0;
    const void* p = ktsnap_report_btf_data(r, 0, &size);
    EXPECT_NE(p, nullptr);
    if (p)
      out->btf = BtfIndex(std::vector<uint8_t>(static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + size));
    EXPECT_TRUE(out->btf.ok());
    auto vt = [&](const char* n) {
      const ktsnap_map* m = nullptr;
      EXPECT_EQ(ktsnap_report_map_by_name(&m, r, n), KTSNAP_OK) << n;
      return m ? ktsnap_map_value_type_id(m) : 0u;
    };
    auto kt = [&](const char* n) {
      const ktsnap_map* m = nullptr;
      EXPECT_EQ(ktsnap_report_map_by_name(&m, r, n), KTSNAP_OK) << n;
      return m ? ktsnap_map_key_type_id(m) : 0u;
    };
    out->bss = vt("kinds.bss");
    out->data = vt("kinds.data");
    out->rodata = vt("kinds.rodata");
    out->inner = vt("kt_array");
    out->task = vt("kt_tasks");
    out->cpu_stats = vt("kt_cpu_stats");
    out->key = kt("kt_pcpu_hash");
    out->u32 = kt("kt_tasks");
    out->u64 = vt("kt_pcpu_hash");
    out->e64 = out->btf.find("kt_e64", kBtfEnum);
    EXPECT_NE(out->e64, 0u);
    return out;
  }();
  return *k;
}

// ---- the views fixture's BTF --------------------------------------------------------

inline std::string views_object_path() {
  return std::string(KTSNAP_FIXTURE_DIR) + "/views.bpf.o";
}

// Mirror of struct vw_task (tests/fixtures/views.bpf.c); its offsets are
// checked against the object's BTF by ViewFixture.MirrorsMatchTheBtf.
struct VwNode {
  uint64_t val;
  uint64_t next;
};
struct VwTask {
  uint32_t pid;
  int32_t prio;
  uint64_t runtime;
  int64_t lag;
  double util;
  float ratio;
  uint32_t flag;
  int32_t sgn;
  uint8_t on_cpu;
  uint8_t pad0[3];
  char comm[16];
  uint32_t inner_a;
  int32_t inner_b;
  uint64_t head;
  uint64_t hist[4];
  int32_t deltas[3];
  uint8_t bools[3];
  uint8_t pad1;
  double loads[3];
  uint64_t big;
  uint64_t opaque;
  VwNode tail;
};
static_assert(sizeof(VwTask) == 184, "vw_task mirror");
struct VwPcpu {
  uint64_t cnt;
  int64_t delta;
  double lat;
  uint32_t small;
  int32_t neg;
};
static_assert(sizeof(VwPcpu) == 32, "vw_pcpu mirror");
struct VwKey {
  uint32_t cpu;
  uint32_t id;
};
struct VwLongKey {
  char name[56];
  uint64_t id;
};
static_assert(sizeof(VwLongKey) == 64, "vw_long_key mirror");

struct Views {
  BtfIndex btf;
  uint32_t task = 0, node = 0, deep = 0, key = 0, long_key = 0, pcpu = 0, flag = 0, sgn = 0, inner = 0;
  uint32_t u32 = 0, u64 = 0;  // the typedefs __u32 / __u64
};

inline const Views& views() {
  static const Views* v = [] {
    auto* out = new Views;
    std::vector<uint8_t> elf = read_file(views_object_path());
    EXPECT_FALSE(elf.empty()) << views_object_path();
    auto sec = elf_section(elf, ".BTF");
    EXPECT_TRUE(sec.has_value()) << "no .BTF in " << views_object_path();
    if (sec) out->btf = BtfIndex(std::move(*sec));
    EXPECT_TRUE(out->btf.ok());
    out->task = out->btf.find("vw_task", kBtfStruct);
    out->node = out->btf.find("vw_node", kBtfStruct);
    out->deep = out->btf.find("vw_deep", kBtfStruct);
    out->key = out->btf.find("vw_key", kBtfStruct);
    out->long_key = out->btf.find("vw_long_key", kBtfStruct);
    out->pcpu = out->btf.find("vw_pcpu", kBtfStruct);
    out->flag = out->btf.find("vw_flag", kBtfEnum);
    out->sgn = out->btf.find("vw_sgn", kBtfEnum);
    out->inner = out->btf.find("vw_inner", kBtfStruct);
    out->u32 = out->btf.find("__u32", kBtfTypedef);
    out->u64 = out->btf.find("__u64", kBtfTypedef);
    // clang 14 leaves signed enums unmarked; newer clang sets the flag.
    EXPECT_TRUE(out->btf.mark_enum_signed(out->sgn));
    return out;
  }();
  return *v;
}

// A map desc typed by the views BTF (btf_index = the blob's index).
inline ktsnap_map_desc views_desc(const char* name, uint32_t map_type, uint32_t key_type, uint32_t value_type,
                                  uint32_t max_entries, int32_t btf_index) {
  const Views& v = views();
  ktsnap_map_desc d = KTSNAP_MAP_DESC_INIT;
  d.name = name;
  d.map_type = map_type;
  d.btf_index = btf_index;
  d.key_type_id = key_type;
  d.value_type_id = value_type;
  d.key_size = static_cast<uint32_t>(v.btf.size(key_type));
  d.value_size = static_cast<uint32_t>(v.btf.size(value_type));
  d.max_entries = max_entries;
  return d;
}

// bpf_map_type numbers used here.
enum : uint32_t {
  kHash = 1,
  kArray = 2,
  kPercpuHash = 5,
  kPercpuArray = 6,
};

// ---- the two-scheduler report ---------------------------------------------------------

// Two schedulers whose global sections share names under different obj
// prefixes ("sched_a.bss" / "sched_b.bss"), typed by the kinds fixture's
// DATASECs, plus a hash map without an obj prefix. Mirrors the C++ suite's
// two_sched() (tests/unit/view_snapshot_test.cpp).
struct TwoOpts {
  std::string active = "sched_a";  // scheduler flagged active ("" = none)
  std::vector<uint64_t> kvas;      // active_map_kvas (edited into the bytes)
  bool dup_a_bss = false;          // a second "sched_a.bss" (kt_nr_events = 30)
  bool zero_a_kvas = false;        // sched_a maps without recorded KVAs
  bool broken_a_rodata = false;    // sched_a.rodata failed to capture
  bool only_a = false;             // no sched_b maps
  std::string stats;               // stats JSON ("" = none)
};

inline constexpr uint64_t kA1 = 0xffff8880a1000000, kA2 = 0xffff8880a2000000, kA3 = 0xffff8880a3000000,
                          kA9 = 0xffff8880a9000000, kB1 = 0xffff8880b1000000, kB2 = 0xffff8880b2000000,
                          kC1 = 0xffff8880c1000000;

// Values the two schedulers hold (sched_a: bss(10, 1, -1), data(3),
// rodata(8); sched_b: bss(20, 2, -2), data(4); the duplicate: bss(30, 3, -3)).
inline ReportPtr two_sched(const TwoOpts& o = TwoOpts()) {
  const Kinds& k = kinds();
  CBuilder b;
  int32_t bi = b.btf(k.btf.blob());
  for (const char* n : {"sched_a", "sched_b"}) b.scheduler(n, bi, o.active == n);
  if (!o.active.empty() && o.active != "sched_a" && o.active != "sched_b") b.scheduler(o.active.c_str(), bi, true);
  auto kva = [&](uint64_t x) { return o.zero_a_kvas ? 0 : x; };
  std::vector<uint8_t> key0(4, 0);
  b.map(k.section_desc("sched_a.bss", k.bss, kva(kA1), bi), key0, k.bss_value(10, 1, -1));
  b.map(k.section_desc("sched_a.data", k.data, kva(kA2), bi), key0, k.data_value(3));
  if (o.broken_a_rodata) {
    ktsnap_map_desc d = k.section_desc("sched_a.rodata", k.rodata, kva(kA3), bi);
    d.error = "rodata: EPERM";
    b.map(d, {}, {});
  } else {
    b.map(k.section_desc("sched_a.rodata", k.rodata, kva(kA3), bi), key0, k.rodata_value(8));
  }
  ktsnap_map_desc h = KTSNAP_MAP_DESC_INIT;
  h.name = "scx_per_task";
  h.map_type = kHash;
  h.key_size = 4;  // no key type: raw key bytes
  h.value_size = static_cast<uint32_t>(k.btf.size(k.inner));
  h.max_entries = 64;
  h.btf_index = bi;
  h.value_type_id = k.inner;
  h.map_kva = kC1;
  std::vector<uint8_t> keys, values;
  for (uint32_t i = 0; i < 3; i++) {
    append(keys, bytes_of(uint32_t(100 + i)));
    uint32_t in[2] = {i * 5, 0};
    append(values, bytes_of(in));
  }
  b.map(h, keys, values);
  if (!o.only_a) {
    b.map(k.section_desc("sched_b.bss", k.bss, kB1, bi), key0, k.bss_value(20, 2, -2));
    b.map(k.section_desc("sched_b.data", k.data, kB2, bi), key0, k.data_value(4));
  }
  if (o.dup_a_bss) b.map(k.section_desc("sched_a.bss", k.bss, kva(kA9), bi), key0, k.bss_value(30, 3, -3));
  if (!o.stats.empty()) b.stats(o.stats);
  if (!o.kvas.empty()) b.active_kvas(o.kvas);
  return b.finish();
}

// Every map name of a report (capture order).
inline std::vector<std::string> map_names(const ktsnap_report* r) {
  std::vector<std::string> out;
  for (size_t i = 0; i < ktsnap_report_map_count(r); i++) out.emplace_back(ktsnap_map_name(ktsnap_report_map_at(r, i)));
  return out;
}

// The admitted maps of a snapshot, through map_count / map_at.
inline std::vector<std::string> admitted(const ktsnap_snapshot* s) {
  std::vector<std::string> out;
  size_t n = ktsnap_snapshot_map_count(s);
  for (size_t i = 0; i < n; i++) {
    const ktsnap_map* m = ktsnap_snapshot_map_at(s, i);
    EXPECT_NE(m, nullptr) << i << ": " << ktsnap_last_error();
    out.emplace_back(m ? ktsnap_map_name(m) : "");
  }
  return out;
}

// Reads through the plain value layer (the independent reference for
// view results).
inline uint64_t plain_u64(const ktsnap_value& v) {
  uint64_t x = 0;
  EXPECT_EQ(ktsnap_value_u64(&x, &v), KTSNAP_OK) << ktsnap_last_error();
  return x;
}

// ---- the views report ------------------------------------------------------------------

// Addresses of captured memory in the views report.
inline constexpr uint64_t kNodeA = 0xffff888000200000ull;      // {11, -> B}
inline constexpr uint64_t kNodeB = 0xffff888000200100ull;      // {22, -> A}: a cycle
inline constexpr uint64_t kNodeC = 0xffff888000200200ull;      // {33, NULL}
inline constexpr uint64_t kNowhere = 0xffff888000300000ull;    // not captured
inline constexpr uint64_t kChain17 = 0xffff888000400000ull;    // 17 pointer levels, then a node (val 17)
inline constexpr uint64_t kChain18 = 0xffff888000500000ull;    // 18 pointer levels, then a node (val 18)
inline constexpr uint64_t kArr = 0xffff888000600000ull;        // u64[4] {5, 6, 7, 8}
inline constexpr uint64_t kArrShort = 0xffff888000600100ull;   // 20 bytes of a u64[4]: {9, 10, half}
inline constexpr uint64_t kNodeShort = 0xffff888000600200ull;  // 12 bytes of a node: {44, half}

inline constexpr uint32_t kVwTasks = 10;
inline constexpr uint32_t kVwCpus = 4;
inline constexpr uint32_t kVwPcpuEntries = 4;
inline constexpr uint32_t kVwPcpuHashEntries = 3;
inline constexpr uint32_t kVwRawEntries = 5;
inline constexpr uint32_t kVwLongEntries = 4;
inline constexpr uint32_t kVwRawKeySize = 6;

inline const char* const kVwComms[] = {"init", "kswapd0", "bash", "stress-ng", "rcu_gp",
                                       "bash", "cc1plus", "sshd", "bash",      "top"};

// Task i of vw_tasks (key: its pid).
inline VwTask vw_task_data(uint32_t i) {
  static const uint64_t runtime[kVwTasks] = {500, 900, 1500, 300, 1200, 1500, 100, 800, 1400, 700};
  static const int64_t lag[kVwTasks] = {-300, 200, -300, 50, 0, 999, -300, 10, 20, 30};
  VwTask t;
  std::memset(&t, 0, sizeof t);
  t.pid = 100 + i;
  t.prio = static_cast<int32_t>(i) - 5;
  t.runtime = runtime[i];
  t.lag = lag[i];
  t.util = i == 6 ? std::numeric_limits<double>::quiet_NaN() : i * 0.25;
  t.ratio = static_cast<float>(i) * 0.5f;
  t.flag = i % 3 == 0 ? 0x80000000u : i % 3 == 1 ? 1u : 0u;
  t.sgn = i % 3 == 0 ? -2 : i % 3 == 1 ? -1 : 1;
  t.on_cpu = i % 2;
  std::strncpy(t.comm, kVwComms[i], sizeof t.comm - 1);
  t.inner_a = i * 3;
  t.inner_b = -static_cast<int32_t>(i);
  t.head = i == 0 ? kNodeA : i == 1 ? kNodeC : i == 2 ? kNowhere : 0;
  t.hist[0] = i;
  t.hist[1] = i * 2;
  t.hist[2] = i * 3;
  t.hist[3] = i == 9 ? UINT64_MAX : i * 4;
  t.deltas[0] = static_cast<int32_t>(i) - 1;
  t.deltas[1] = -static_cast<int32_t>(i);
  t.deltas[2] = static_cast<int32_t>(i) * 2;
  t.bools[0] = i % 2;
  t.bools[1] = 1;
  t.bools[2] = 0;
  t.loads[0] = i * 1.5;
  t.loads[1] = -static_cast<double>(i);
  t.loads[2] = 0.5;
  t.big = i == 4 ? 0x8000000000000004ull : i;
  t.opaque = 0xffffc90000000000ull + i;
  t.tail.val = 1000 + i;
  t.tail.next = i == 0 ? kNodeA : 0;
  return t;
}

// Slot (entry e, cpu c) of vw_pcpu and vw_pcpu_hash.
inline VwPcpu vw_pcpu_data(uint32_t e, uint32_t c) {
  VwPcpu p;
  std::memset(&p, 0, sizeof p);
  p.cnt = uint64_t(e) * 100 + c;
  p.delta = (c % 2 ? -1 : 1) * static_cast<int64_t>(e * 10 + c);
  p.lat = e + c * 0.5;
  p.small = c;
  p.neg = -static_cast<int32_t>(e + c) - 1;
  return p;
}
// Absent (entry, cpu) slots.
inline const std::vector<std::pair<uint32_t, uint32_t>>& vw_pcpu_absent() {
  static const std::vector<std::pair<uint32_t, uint32_t>> a = {{1, 2}, {2, 0}, {3, 0}, {3, 1}, {3, 2}, {3, 3}};
  return a;
}
inline const std::vector<std::pair<uint32_t, uint32_t>>& vw_pcpu_hash_absent() {
  static const std::vector<std::pair<uint32_t, uint32_t>> a = {{0, 3}, {2, 0}, {2, 1}};
  return a;
}
inline bool is_absent(const std::vector<std::pair<uint32_t, uint32_t>>& a, uint32_t e, uint32_t c) {
  return std::find(a.begin(), a.end(), std::make_pair(e, c)) != a.end();
}
inline VwKey vw_hash_key(uint32_t i) {
  return VwKey{i, 10 + i};
}

// Key i of vw_raw (no BTF): 6 raw bytes.
inline std::vector<uint8_t> vw_raw_key(uint32_t i) {
  return {0xde, 0xad, 0xbe, 0xef, static_cast<uint8_t>(i), 0x0f};
}
// Key i of vw_long: a name long enough that the key text passes 80 characters.
inline VwLongKey vw_long_key(uint32_t i) {
  VwLongKey k;
  std::memset(&k, 0, sizeof k);
  // 54 bytes; key 1 is mostly two-byte UTF-8 characters (54 bytes, 30 characters).
  std::string name = "svc-" + std::to_string(i) + "-";
  for (int c = 0; c < 24; c++) name += i == 1 ? "\u00e9" : std::string(2, char('a' + i));
  std::strncpy(k.name, name.c_str(), sizeof k.name - 1);
  k.id = 7000 + i;
  return k;
}

inline std::vector<uint8_t> node_bytes(uint64_t val, uint64_t next) {
  return bytes_of(VwNode{val, next});
}

// The views report: vw_tasks (HASH, u32 keys), vw_deep (one-entry ARRAY),
// vw_pcpu (PERCPU_ARRAY, absent slots), vw_pcpu_hash (PERCPU_HASH, absent
// slots), vw_raw (HASH without BTF), vw_long (long typed keys), vw_nodes
// (HASH of nodes), vw_broken (failed to read), vw_empty; regions for the
// node cycle and the pointer chains. Tag "views"; stats JSON `stats` when
// not empty.
inline ReportPtr views_report(const std::string& stats = "") {
  const Views& v = views();
  CBuilder b;
  int32_t bi = b.btf(v.btf.blob());
  b.scheduler("views", bi, false);
  ktsnap_metadata md = KTSNAP_METADATA_INIT;
  md.tag = "views";
  b.metadata(md);

  std::vector<uint8_t> keys, values;
  for (uint32_t i = 0; i < kVwTasks; i++) {
    VwTask t = vw_task_data(i);
    append(keys, bytes_of(t.pid));
    append(values, bytes_of(t));
  }
  b.map(views_desc("vw_tasks", kHash, v.u32, v.task, 64, bi), keys, values);

  uint64_t deep[5] = {kChain17 + 0x10, kChain18 + 0x10, kArr, kArrShort, kNodeShort};
  uint64_t arr[4] = {5, 6, 7, 8}, arr_short[3] = {9, 10, 11};
  b.region(kArr, bytes_of(arr));
  std::vector<uint8_t> short_arr = bytes_of(arr_short);
  short_arr.resize(20);
  b.region(kArrShort, short_arr);
  std::vector<uint8_t> short_node = node_bytes(44, kNodeA);
  short_node.resize(12);
  b.region(kNodeShort, short_node);
  b.map(views_desc("vw_deep", kArray, v.u32, v.deep, 1, bi), std::vector<uint8_t>(4, 0), bytes_of(deep));
  for (int k = 1; k <= 16; k++) b.region(kChain17 + 0x10 * k, bytes_of(uint64_t(kChain17 + 0x10 * (k + 1))));
  b.region(kChain17 + 0x10 * 17, node_bytes(17, 0));
  for (int k = 1; k <= 17; k++) b.region(kChain18 + 0x10 * k, bytes_of(uint64_t(kChain18 + 0x10 * (k + 1))));
  b.region(kChain18 + 0x10 * 18, node_bytes(18, 0));
  b.region(kNodeA, node_bytes(11, kNodeB));
  b.region(kNodeB, node_bytes(22, kNodeA));
  b.region(kNodeC, node_bytes(33, 0));

  size_t stride = percpu_stride(sizeof(VwPcpu));
  {
    ktsnap_map_desc d = views_desc("vw_pcpu", kPercpuArray, v.u32, v.pcpu, kVwPcpuEntries, bi);
    d.nr_cpus = kVwCpus;
    std::vector<uint8_t> absent = absent_bitmap(kVwPcpuEntries, kVwCpus, vw_pcpu_absent());
    d.percpu_absent = absent.data();
    d.percpu_absent_size = absent.size();
    keys.clear();
    values.assign(size_t(kVwPcpuEntries) * kVwCpus * stride, 0);
    for (uint32_t e = 0; e < kVwPcpuEntries; e++) {
      append(keys, bytes_of(e));
      for (uint32_t c = 0; c < kVwCpus; c++) {
        if (is_absent(vw_pcpu_absent(), e, c)) continue;  // absent slots hold zeros
        VwPcpu p = vw_pcpu_data(e, c);
        std::memcpy(values.data() + (size_t(e) * kVwCpus + c) * stride, &p, sizeof p);
      }
    }
    b.map(d, keys, values);
  }
  {
    ktsnap_map_desc d = views_desc("vw_pcpu_hash", kPercpuHash, v.key, v.pcpu, 16, bi);
    d.nr_cpus = kVwCpus;
    std::vector<uint8_t> absent = absent_bitmap(kVwPcpuHashEntries, kVwCpus, vw_pcpu_hash_absent());
    d.percpu_absent = absent.data();
    d.percpu_absent_size = absent.size();
    keys.clear();
    values.assign(size_t(kVwPcpuHashEntries) * kVwCpus * stride, 0);
    for (uint32_t e = 0; e < kVwPcpuHashEntries; e++) {
      append(keys, bytes_of(vw_hash_key(e)));
      for (uint32_t c = 0; c < kVwCpus; c++) {
        if (is_absent(vw_pcpu_hash_absent(), e, c)) continue;
        VwPcpu p = vw_pcpu_data(e, c);
        std::memcpy(values.data() + (size_t(e) * kVwCpus + c) * stride, &p, sizeof p);
      }
    }
    b.map(d, keys, values);
  }
  {
    ktsnap_map_desc d = KTSNAP_MAP_DESC_INIT;
    d.name = "vw_raw";
    d.map_type = kHash;
    d.key_size = kVwRawKeySize;
    d.value_size = 8;
    d.max_entries = 16;
    d.flags = KTSNAP_MAP_BTF_MISSING;
    keys.clear();
    values.clear();
    for (uint32_t i = 0; i < kVwRawEntries; i++) {
      append(keys, vw_raw_key(i));
      append(values, bytes_of(uint64_t(i) * 11));
    }
    b.map(d, keys, values);
  }
  {
    keys.clear();
    values.clear();
    for (uint32_t i = 0; i < kVwLongEntries; i++) {
      append(keys, bytes_of(vw_long_key(i)));
      append(values, bytes_of(uint64_t(i)));
    }
    b.map(views_desc("vw_long", kHash, v.long_key, v.u64, 16, bi), keys, values);
  }
  {
    keys.clear();
    values.clear();
    append(keys, bytes_of(vw_hash_key(0)));
    append(values, node_bytes(5, kNodeA));
    append(keys, bytes_of(vw_hash_key(1)));
    append(values, node_bytes(6, kNowhere));
    b.map(views_desc("vw_nodes", kHash, v.key, v.node, 16, bi), keys, values);
  }
  {
    ktsnap_map_desc d = views_desc("vw_broken", kHash, v.u32, v.task, 64, bi);
    d.error = "lookup failed: EIO";
    b.map(d, {}, {});
  }
  b.map(views_desc("vw_empty", kHash, v.u32, v.task, 64, bi), {}, {});
  if (!stats.empty()) b.stats(stats);
  return b.finish();
}

// ---- per-CPU aggregate report ---------------------------------------------------------

// Slot values of the aggregate maps; std::nullopt = absent slot.
template <typename T>
using Slots = std::vector<std::vector<std::optional<T>>>;  // [entry][cpu]

inline constexpr uint32_t kAggCpus = 3;
inline const Slots<uint64_t>& agg_u64_slots() {
  static const Slots<uint64_t> s = {
      {UINT64_MAX - 1, 5, 7}, {1, 2, 3}, {0, 0, 0}, {std::nullopt, std::nullopt, std::nullopt}, {9, std::nullopt, 4}};
  return s;
}
inline const Slots<int64_t>& agg_i64_slots() {
  static const Slots<int64_t> s = {{INT64_MAX - 1, 5, -3},
                                   {INT64_MIN + 1, -5, 2},
                                   {-1, std::nullopt, 4},
                                   {std::nullopt, std::nullopt, std::nullopt}};
  return s;
}
inline const Slots<double>& agg_f64_slots() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  static const Slots<double> s = {{1.0, nan, 3.0},
                                  {nan, nan, nan},
                                  {nan, 2.0, std::nullopt},
                                  {-0.5, std::nullopt, std::nullopt},
                                  {std::nullopt, std::nullopt, std::nullopt}};
  return s;
}

template <typename T>
int32_t agg_map(CBuilder& b, const char* name, uint32_t map_type, uint32_t value_type, int32_t bi,
                const Slots<T>& slots) {
  const Views& v = views();
  ktsnap_map_desc d = views_desc(name, map_type, v.u32, value_type, 16, bi);
  d.nr_cpus = kAggCpus;
  std::vector<std::pair<uint32_t, uint32_t>> absent;
  std::vector<uint8_t> keys, values;
  for (uint32_t e = 0; e < slots.size(); e++) {
    append(keys, bytes_of(uint32_t(map_type == kPercpuArray ? e : 500 + e)));
    for (uint32_t c = 0; c < kAggCpus; c++) {
      std::vector<uint8_t> slot(8, 0);
      if (slots[e][c])
        std::memcpy(slot.data(), &*slots[e][c], sizeof(T));
      else
        absent.emplace_back(e, c);
      append(values, slot);
    }
  }
  std::vector<uint8_t> bm = absent_bitmap(static_cast<uint32_t>(slots.size()), kAggCpus, absent);
  if (!absent.empty()) {
    d.percpu_absent = bm.data();
    d.percpu_absent_size = bm.size();
  }
  return b.map(d, keys, values);
}

// agg_u64 / agg_i64 / agg_f64: PERCPU_ARRAYs of __u64 / __s64 / double
// with the slots above; agg_hash: a PERCPU_HASH (keys 500..) of __u64 with
// the u64 slots; agg_plain: a HASH of __u64 (not per-CPU).
inline ReportPtr agg_report() {
  const Views& v = views();
  CBuilder b;
  int32_t bi = b.btf(v.btf.blob());
  uint32_t s64 = v.btf.find("__s64", kBtfTypedef), dbl = v.btf.find("double", kBtfFloat);
  EXPECT_NE(s64, 0u);
  EXPECT_NE(dbl, 0u);
  agg_map(b, "agg_u64", kPercpuArray, v.u64, bi, agg_u64_slots());
  agg_map(b, "agg_i64", kPercpuArray, s64, bi, agg_i64_slots());
  agg_map(b, "agg_f64", kPercpuArray, dbl, bi, agg_f64_slots());
  agg_map(b, "agg_hash", kPercpuHash, v.u64, bi, agg_u64_slots());
  std::vector<uint8_t> keys, values;
  for (uint32_t i = 0; i < 3; i++) {
    append(keys, bytes_of(i));
    append(values, bytes_of(uint64_t(i) * 3));
  }
  b.map(views_desc("agg_plain", kHash, v.u32, v.u64, 16, bi), keys, values);
  return b.finish();
}

// The spec's aggregate rules (spec/views.md §2.3), written out for the
// expected values: sums saturate (i64 per step), f64 sums are IEEE, f64
// max/min ignore NaN unless every value is NaN. nullopt = no contributing slot.
inline std::optional<uint64_t> ref_agg_u64(const std::vector<std::optional<uint64_t>>& s, uint32_t op) {
  std::optional<uint64_t> acc;
  for (const auto& x : s) {
    if (!x) continue;
    if (!acc) {
      acc = *x;
      continue;
    }
    if (op == KTSNAP_AGG_SUM)
      acc = *acc > UINT64_MAX - *x ? UINT64_MAX : *acc + *x;
    else if (op == KTSNAP_AGG_MAX)
      acc = std::max(*acc, *x);
    else
      acc = std::min(*acc, *x);
  }
  return acc;
}
inline std::optional<int64_t> ref_agg_i64(const std::vector<std::optional<int64_t>>& s, uint32_t op) {
  std::optional<int64_t> acc;
  for (const auto& x : s) {
    if (!x) continue;
    if (!acc) {
      acc = *x;
      continue;
    }
    if (op == KTSNAP_AGG_SUM) {
      if (*x > 0 && *acc > INT64_MAX - *x)
        acc = INT64_MAX;
      else if (*x < 0 && *acc < INT64_MIN - *x)
        acc = INT64_MIN;
      else
        acc = *acc + *x;
    } else if (op == KTSNAP_AGG_MAX) {
      acc = std::max(*acc, *x);
    } else {
      acc = std::min(*acc, *x);
    }
  }
  return acc;
}
inline std::optional<double> ref_agg_f64(const std::vector<std::optional<double>>& s, uint32_t op) {
  std::optional<double> acc;
  for (const auto& x : s) {
    if (!x) continue;
    if (!acc) {
      acc = *x;
      continue;
    }
    if (op == KTSNAP_AGG_SUM)
      acc = *acc + *x;
    else if (std::isnan(*acc))
      acc = *x;
    else if (std::isnan(*x))
      continue;
    else if (op == KTSNAP_AGG_MAX)
      acc = std::max(*acc, *x);
    else
      acc = std::min(*acc, *x);
  }
  return acc;
}
// Doubles equal, NaN equal to NaN.
inline bool same_f64(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

}  // namespace view_test
