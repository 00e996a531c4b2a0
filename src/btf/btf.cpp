#include "btf/btf.hpp"

#include <bpf/btf.h>
#include <linux/btf.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>

namespace ktsnap {
inline namespace v1 {

namespace {

// Nesting cap for recursive walks over hostile BTF (array of array of ...,
// anonymous member inside anonymous member ...): a cycle must end, not
// overflow the stack.
constexpr int kMaxNest = 64;

// Content hash for the cache key (equality is confirmed with memcmp).
uint64_t content_hash(const void* data, size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = 0xcbf29ce484222325ull ^ size;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  for (; i < size; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

struct CacheKey {
  uint64_t hash;
  size_t size;
  const Btf* base;
  bool operator<(const CacheKey& o) const {
    return std::tie(hash, size, base) < std::tie(o.hash, o.size, o.base);
  }
};

struct Cache {
  std::mutex mu;
  std::multimap<CacheKey, std::weak_ptr<const Btf>> entries;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: usable during exit
  return *c;
}

bool is_modifier(BtfKind k) {
  switch (k) {
    case BtfKind::Typedef:
    case BtfKind::Const:
    case BtfKind::Volatile:
    case BtfKind::Restrict:
    case BtfKind::TypeTag:
    case BtfKind::DeclTag:
      return true;
    default:
      return false;
  }
}

// libbpf 1.1 as packaged declares btf__new_split but does not export it;
// btf__parse_raw_split is exported, so split BTF is parsed from a memfd.
struct btf* new_split(const void* data, size_t size, struct btf* base) {
  int fd = memfd_create("ktsnap-btf", MFD_CLOEXEC);
  if (fd < 0) return nullptr;
  const char* p = static_cast<const char*>(data);
  size_t off = 0;
  while (off < size) {
    ssize_t n = write(fd, p + off, size - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      errno = e;
      return nullptr;
    }
    off += static_cast<size_t>(n);
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  struct btf* b = btf__parse_raw_split(path.c_str(), base);
  int e = errno;
  close(fd);
  errno = e;
  return b;
}

}  // namespace

Btf::Btf(struct btf* b, std::shared_ptr<const Btf> base) : btf_(b), base_(std::move(base)) {
  type_count_ = btf__type_cnt(btf_);
}

Btf::~Btf() { btf__free(btf_); }

std::shared_ptr<const Btf> Btf::adopt(struct btf* b, std::shared_ptr<const Btf> base) {
  return std::shared_ptr<const Btf>(new Btf(b, std::move(base)));
}

Result<std::shared_ptr<const Btf>> Btf::from_raw(const void* data, size_t size,
                                                 std::shared_ptr<const Btf> base) {
  if (data == nullptr || size == 0) return make_error(Code::Format, "BTF blob is empty");
  if (size > (64u << 20))
    return make_error(Code::Format, "BTF blob of " + std::to_string(size) + " bytes exceeds the 64 MiB limit");
  if (size < sizeof(struct btf_header))
    return make_error(Code::Format, "BTF blob of " + std::to_string(size) +
                                        " bytes is shorter than the BTF header");
  CacheKey key{content_hash(data, size), size, base.get()};
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lk(c.mu);
    auto [lo, hi] = c.entries.equal_range(key);
    for (auto it = lo; it != hi;) {
      auto sp = it->second.lock();
      if (!sp) {
        it = c.entries.erase(it);
        continue;
      }
      std::string_view have = sp->raw_data();
      if (have.size() == size && std::memcmp(have.data(), data, size) == 0) return sp;
      ++it;
    }
  }
  errno = 0;
  struct btf* b = base ? new_split(data, size, const_cast<struct btf*>(base->raw()))
                       : btf__new(data, static_cast<__u32>(size));
  if (b == nullptr) {
    int e = errno;
    return make_error(Code::Format,
                      std::string("BTF blob rejected by libbpf: ") + std::strerror(e ? e : EINVAL), e);
  }
  auto sp = std::shared_ptr<const Btf>(new Btf(b, std::move(base)));
  std::lock_guard<std::mutex> lk(c.mu);
  c.entries.emplace(key, sp);
  return sp;
}

Result<std::shared_ptr<const Btf>> Btf::from_file(const std::string& path) {
  errno = 0;
  struct btf* b = btf__parse(path.c_str(), nullptr);
  if (b == nullptr) {
    int e = errno;
    return make_error(Code::Io, "cannot load BTF from " + path + ": " + std::strerror(e ? e : EINVAL), e);
  }
  return adopt(b);
}

std::shared_ptr<void> Btf::memo(unsigned slot, const std::function<std::shared_ptr<void>()>& make) const {
  if (slot >= kMemoSlots) return nullptr;
  std::lock_guard<std::mutex> lk(memo_mu_);
  if (!memo_[slot]) memo_[slot] = make();
  return memo_[slot];
}

size_t btf_cache_size() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.mu);
  size_t n = 0;
  for (auto& [k, w] : c.entries)
    if (!w.expired()) n++;
  return n;
}

std::string_view Btf::raw_data() const {
  __u32 sz = 0;
  const void* p = btf__raw_data(btf_, &sz);
  if (p == nullptr) return {};
  return {static_cast<const char*>(p), sz};
}

const struct btf_type* Btf::type(uint32_t id) const {
  if (id >= type_count_) return nullptr;
  return btf__type_by_id(btf_, id);
}

BtfKind Btf::kind(uint32_t id) const {
  const struct btf_type* t = type(id);
  if (t == nullptr) return BtfKind::Void;
  return static_cast<BtfKind>(btf_kind(t));
}

std::string_view Btf::name(uint32_t id) const {
  const struct btf_type* t = type(id);
  if (t == nullptr) return {};
  const char* n = btf__name_by_offset(btf_, t->name_off);
  return n ? std::string_view(n) : std::string_view();
}

std::string Btf::type_display_name(uint32_t id) const {
  std::string_view n = name(id);
  switch (kind(id)) {
    case BtfKind::Struct:
      return n.empty() ? "struct <anon>" : "struct " + std::string(n);
    case BtfKind::Union:
      return n.empty() ? "union <anon>" : "union " + std::string(n);
    case BtfKind::Enum:
    case BtfKind::Enum64:
      return n.empty() ? "enum <anon>" : "enum " + std::string(n);
    case BtfKind::Ptr: {
      // Iterative: hostile BTF can make a pointer point to itself.
      std::string stars = " *";
      uint32_t cur = id;
      for (int hop = 0; hop < kMaxNest; hop++) {
        auto target = peel(type(cur)->type);
        if (!target.ok() || target.value() == 0) return "void" + stars;
        if (kind(target.value()) != BtfKind::Ptr) return type_display_name(target.value()) + stars;
        cur = target.value();
        stars += "*";
      }
      return "<pointer chain>" + stars;
    }
    case BtfKind::Void:
      return "void";
    default:
      return std::string(n);
  }
}

Result<uint32_t> Btf::peel(uint32_t id) const {
  for (int hop = 0; hop <= kMaxModifierDepth; hop++) {
    const struct btf_type* t = type(id);
    if (t == nullptr) {
      if (id == 0) return id;
      return make_error(Code::Format, "type id " + std::to_string(id) + " out of range (BTF has " +
                                          std::to_string(type_count_) + " types)");
    }
    if (!is_modifier(static_cast<BtfKind>(btf_kind(t)))) return id;
    id = t->type;
  }
  return make_error(Code::Format, "could not peel modifiers from type id " + std::to_string(id) +
                                      " within " + std::to_string(kMaxModifierDepth) + " hops");
}

Result<uint32_t> Btf::peel_resolving_fwd(uint32_t id) const {
  auto r = peel(id);
  if (!r.ok()) return r;
  uint32_t pid = r.value();
  const struct btf_type* t = type(pid);
  if (t == nullptr || btf_kind(t) != BTF_KIND_FWD) return pid;
  std::string_view n = name(pid);
  if (n.empty()) return pid;
  BtfKind want = btf_kflag(t) ? BtfKind::Union : BtfKind::Struct;
  for (uint32_t i = 1; i < type_count_; i++) {
    if (i == pid || kind(i) != want) continue;
    if (name(i) == n) return i;
  }
  return pid;
}

namespace {
std::optional<uint64_t> size_rec(const Btf& b, uint32_t id, int nest) {
  if (nest > kMaxNest) return std::nullopt;
  auto p = b.peel(id);
  if (!p.ok()) return std::nullopt;
  const struct btf_type* t = b.type(p.value());
  if (t == nullptr) return std::nullopt;  // void
  switch (static_cast<BtfKind>(btf_kind(t))) {
    case BtfKind::Int:
    case BtfKind::Float:
    case BtfKind::Enum:
    case BtfKind::Enum64:
    case BtfKind::Struct:
    case BtfKind::Union:
    case BtfKind::Datasec:
      return t->size;
    case BtfKind::Ptr:
      return 8;
    case BtfKind::Array: {
      const struct btf_array* a = btf_array(t);
      auto es = size_rec(b, a->type, nest + 1);
      if (!es) return std::nullopt;
      unsigned __int128 total = static_cast<unsigned __int128>(*es) * a->nelems;
      if (total > UINT32_MAX) return std::nullopt;  // no real type is this large
      return static_cast<uint64_t>(total);
    }
    case BtfKind::Var:
      return size_rec(b, t->type, nest + 1);
    default:
      return std::nullopt;
  }
}
}  // namespace

std::optional<uint64_t> Btf::size(uint32_t id) const { return size_rec(*this, id, 0); }

std::optional<BtfIntInfo> Btf::int_info(uint32_t id) const {
  const struct btf_type* t = type(id);
  if (t == nullptr || btf_kind(t) != BTF_KIND_INT) return std::nullopt;
  uint8_t enc = btf_int_encoding(t);
  BtfIntInfo info;
  info.size = t->size;
  info.is_signed = enc & BTF_INT_SIGNED;
  info.is_char = enc & BTF_INT_CHAR;
  info.is_bool = enc & BTF_INT_BOOL;
  return info;
}

std::optional<BtfArrayInfo> Btf::array_info(uint32_t id) const {
  const struct btf_type* t = type(id);
  if (t == nullptr || btf_kind(t) != BTF_KIND_ARRAY) return std::nullopt;
  const struct btf_array* a = btf_array(t);
  return BtfArrayInfo{a->type, a->nelems};
}

bool Btf::enum_is_signed(uint32_t id) const {
  const struct btf_type* t = type(id);
  return t != nullptr && btf_is_any_enum(t) && btf_kflag(t);
}

void Btf::enumerators(uint32_t id, std::vector<BtfEnumerator>& out) const {
  const struct btf_type* t = type(id);
  if (t == nullptr) return;
  uint16_t n = btf_vlen(t);
  auto name_of = [&](uint32_t off) {
    const char* s = btf__name_by_offset(btf_, off);
    return s ? std::string_view(s) : std::string_view();
  };
  if (btf_kind(t) == BTF_KIND_ENUM) {
    const struct btf_enum* e = btf_enum(t);
    for (uint16_t i = 0; i < n; i++)
      out.push_back({name_of(e[i].name_off), static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(e[i].val)))});
  } else if (btf_kind(t) == BTF_KIND_ENUM64) {
    const struct btf_enum64* e = btf_enum64(t);
    for (uint16_t i = 0; i < n; i++) out.push_back({name_of(e[i].name_off), btf_enum64_value(&e[i])});
  }
}

std::optional<std::string_view> Btf::enum_variant(uint32_t id, uint64_t raw) const {
  const struct btf_type* t = type(id);
  if (t == nullptr || !btf_is_any_enum(t)) return std::nullopt;
  uint32_t sz = t->size;
  uint64_t mask = sz >= 8 ? ~0ull : ((1ull << (sz * 8)) - 1);
  std::vector<BtfEnumerator> es;
  enumerators(id, es);
  for (const auto& e : es)
    if ((e.value & mask) == (raw & mask)) return e.name;
  return std::nullopt;
}

namespace {
void members_rec(const Btf& b, uint32_t id, uint32_t base_bits, bool flatten, int nest,
                 std::vector<BtfMember>& out) {
  if (nest > kMaxNest) return;
  const struct btf_type* t = b.type(id);
  if (t == nullptr || !btf_is_composite(t)) return;
  const struct btf_member* m = btf_members(t);
  uint16_t n = btf_vlen(t);
  for (uint16_t i = 0; i < n; i++) {
    const char* nm = btf__name_by_offset(b.raw(), m[i].name_off);
    std::string_view name = nm ? nm : "";
    uint32_t off = base_bits + btf_member_bit_offset(t, i);
    uint32_t bf = btf_member_bitfield_size(t, i);
    if (flatten && name.empty()) {
      auto inner = b.peel(m[i].type);
      if (inner.ok()) {
        const struct btf_type* it = b.type(inner.value());
        if (it != nullptr && btf_is_composite(it)) {
          members_rec(b, inner.value(), off, flatten, nest + 1, out);
          continue;
        }
      }
    }
    out.push_back(BtfMember{name, m[i].type, off, bf});
  }
}

std::optional<BtfMember> find_rec(const Btf& b, uint32_t id, std::string_view want, uint32_t base_bits,
                                  int nest) {
  if (nest > kMaxNest) return std::nullopt;
  const struct btf_type* t = b.type(id);
  if (t == nullptr || !btf_is_composite(t)) return std::nullopt;
  const struct btf_member* m = btf_members(t);
  uint16_t n = btf_vlen(t);
  for (uint16_t i = 0; i < n; i++) {
    const char* nm = btf__name_by_offset(b.raw(), m[i].name_off);
    std::string_view name = nm ? nm : "";
    uint32_t off = base_bits + btf_member_bit_offset(t, i);
    if (name.empty()) {
      auto inner = b.peel(m[i].type);
      if (inner.ok()) {
        auto r = find_rec(b, inner.value(), want, off, nest + 1);
        if (r) return r;
      }
      continue;
    }
    if (name == want) return BtfMember{name, m[i].type, off, btf_member_bitfield_size(t, i)};
  }
  return std::nullopt;
}
}  // namespace

void Btf::members(uint32_t composite_id, bool flatten, std::vector<BtfMember>& out) const {
  members_rec(*this, composite_id, 0, flatten, 0, out);
}

std::optional<BtfMember> Btf::find_member(uint32_t composite_id, std::string_view name) const {
  if (name.empty()) return std::nullopt;
  return find_rec(*this, composite_id, name, 0, 0);
}

void Btf::datasec_vars(uint32_t datasec_id, std::vector<BtfVarInfo>& out) const {
  const struct btf_type* t = type(datasec_id);
  if (t == nullptr || btf_kind(t) != BTF_KIND_DATASEC) return;
  const struct btf_var_secinfo* vs = btf_var_secinfos(t);
  uint16_t n = btf_vlen(t);
  for (uint16_t i = 0; i < n; i++) {
    BtfVarInfo v;
    v.var_type_id = vs[i].type;
    v.offset = vs[i].offset;
    v.size = vs[i].size;
    const struct btf_type* vt = type(vs[i].type);
    if (vt != nullptr && btf_kind(vt) == BTF_KIND_VAR) {
      v.type_id = vt->type;
      v.name = name(vs[i].type);
    }
    out.push_back(v);
  }
}

std::optional<uint32_t> Btf::find_by_name_kind(std::string_view name, BtfKind kind) const {
  std::string n(name);
  __s32 id = btf__find_by_name_kind(btf_, n.c_str(), static_cast<__u32>(kind));
  if (id <= 0) return std::nullopt;
  return static_cast<uint32_t>(id);
}

}  // namespace v1
}  // namespace ktsnap
