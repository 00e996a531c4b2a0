// End-to-end agreement of live capture with the peer: kernel maps are
// created and filled, read with capture::capture() (the library's live
// capture, not a test reader), rendered with render_map_json, and every
// number `bpftool map dump id N -j` prints in its "formatted" tree must
// equal the number we print for the same entry.
//
// Covered: the demo scheduler object (examples/demo_sched.bpf.c, when it is
// built), and a map of every supported type: hash, LRU hash, array, per-CPU
// array, per-CPU hash, LRU per-CPU hash and global sections (.bss, .data,
// .rodata, .data.custom) from tests/fixtures/kinds.bpf.c plus two maps
// created here with that object's BTF (the fixture has no LRU maps); struct
// keys with 3 or more entries (kt_key in kt_pcpu_hash, kt_bits_hash and the
// LRU maps). The comparison walk is shared with bpftool_agreement_test.cpp
// (bpftool_compare.hpp).
//
// Values are pseudo-random bytes from a fixed seed, fixed up along the BTF
// only where bpftool needs it to print comparable JSON: a bool gets 0 or 1,
// a char array gets a printable NUL-terminated string (bpftool prints char
// arrays as strings only then), and half the enums get a named value.
//
// Floats: bpftool 7.1 cannot print BTF_KIND_FLOAT (it writes the bare text
// "(unsupported-kind" and stops the enclosing struct); those fields, and the
// members bpftool left out after them, are skipped and counted, not compared
// (kinds.bpf.c's kt_task_ctx has `float load; double avg;`).
//
// Needs root, a working bpf() syscall and bpftool; skips with the reason
// otherwise. Every kernel object lives in fds owned by the test (no pins),
// so everything is released when the test ends, also on failure.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "capture/capture.hpp"
#include "report/report.hpp"
#include "bpftool_compare.hpp"
#include "support/fixture.hpp"
#include "value/render.hpp"

namespace ktsnap {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

struct ObjClose {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};
using ObjPtr = std::unique_ptr<bpf_object, ObjClose>;

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

using namespace ktsnap::e2e;

// ---- filling kernel maps along their BTF -------------------------------------

struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

void fill_random(uint8_t* p, size_t n, Rng& rng) {
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng.next();
    std::memcpy(p + i, &v, std::min<size_t>(8, n - i));
  }
}

// bpftool prints a char array as a string only when it holds printable
// characters up to a NUL (btf_dumper.c is_str_array): the element is a
// 1-byte int named "char" or with the CHAR encoding, modifiers skipped but
// not typedefs.
bool is_char_elem(const struct btf* b, uint32_t id) {
  const struct btf_type* t = btf__type_by_id(b, id);
  while (t && btf_is_mod(t)) t = btf__type_by_id(b, t->type);
  if (!t || !btf_is_int(t) || t->size != 1) return false;
  const char* name = btf__name_by_offset(b, t->name_off);
  return (btf_int_encoding(t) & BTF_INT_CHAR) || (name && std::strcmp(name, "char") == 0);
}

// Fixes up random bytes at p (an object of type id) so that bpftool prints
// JSON we can compare: bools 0/1, char arrays strings, some enums named.
void fixup(const struct btf* b, uint32_t id, uint8_t* p, Rng& rng, int depth) {
  if (depth > 40) return;
  const struct btf_type* t = btf__type_by_id(b, id);
  while (t && (btf_is_mod(t) || btf_is_typedef(t) || btf_is_var(t))) t = btf__type_by_id(b, t->type);
  if (t == nullptr) return;
  if (btf_is_int(t)) {
    if (btf_int_encoding(t) & BTF_INT_BOOL) {
      std::memset(p, 0, t->size);
      p[0] = rng.next() & 1;
    }
    return;
  }
  if (btf_is_enum(t) && btf_vlen(t) > 0 && (rng.next() & 1)) {
    const struct btf_enum* e = btf_enum(t) + rng.next() % btf_vlen(t);
    int64_t v = e->val;  // sign-extended: the low `size` bytes are the pattern
    std::memcpy(p, &v, std::min<uint32_t>(t->size, 8));
    return;
  }
  if (btf_is_enum64(t) && btf_vlen(t) > 0 && (rng.next() & 1)) {
    uint64_t v = btf_enum64_value(btf_enum64(t) + rng.next() % btf_vlen(t));
    std::memcpy(p, &v, std::min<uint32_t>(t->size, 8));
    return;
  }
  if (btf_is_array(t)) {
    const struct btf_array* a = btf_array(t);
    if (a->nelems == 0) return;
    if (is_char_elem(b, a->type)) {
      static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789 :/-_.ABCXYZ";
      uint32_t len = static_cast<uint32_t>(rng.next() % a->nelems);  // at most nelems - 1: room for the NUL
      std::memset(p, 0, a->nelems);
      for (uint32_t i = 0; i < len; i++) p[i] = static_cast<uint8_t>(kChars[rng.next() % (sizeof kChars - 1)]);
      return;
    }
    __s64 es = btf__resolve_size(b, a->type);
    if (es <= 0) return;
    for (uint32_t i = 0; i < a->nelems; i++) fixup(b, a->type, p + uint64_t(i) * es, rng, depth + 1);
    return;
  }
  if (btf_is_composite(t)) {
    const struct btf_member* m = btf_members(t);
    for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
      if (btf_member_bitfield_size(t, i) != 0) continue;  // random bits print the same on both sides
      fixup(b, m->type, p + btf_member_bit_offset(t, i) / 8, rng, depth + 1);
    }
    return;
  }
  if (btf_is_datasec(t)) {
    const struct btf_var_secinfo* v = btf_var_secinfos(t);
    for (uint16_t i = 0; i < btf_vlen(t); i++, v++) fixup(b, v->type, p + v->offset, rng, depth + 1);
  }
}

void fill_typed(const struct btf* b, uint32_t id, uint8_t* p, size_t n, Rng& rng) {
  fill_random(p, n, rng);
  if (b != nullptr && id != 0) fixup(b, id, p, rng, 0);
}

bool is_hash_type(uint32_t t) {
  return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_PERCPU_HASH ||
         t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}
bool is_array_type(uint32_t t) {
  return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

// Writes up to `want` entries into the map (hash types: random keys; array
// types: indexes from 0). Returns how many updates succeeded; a frozen map
// (.rodata) accepts none and keeps its load-time contents.
uint32_t fill_map(int fd, const struct btf* b, uint32_t ncpus, uint32_t want, Rng& rng, std::string* err) {
  bpf_map_info info{};
  __u32 len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
    *err = std::string("map info: ") + std::strerror(errno);
    return 0;
  }
  bool percpu = info.type == BPF_MAP_TYPE_PERCPU_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_HASH ||
                info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
  size_t stride = (info.value_size + 7) & ~size_t(7);
  std::vector<uint8_t> key(info.key_size), value(percpu ? stride * ncpus : info.value_size);
  uint32_t n = 0;
  if (is_array_type(info.type))
    want = std::min(want, info.max_entries);
  else if (is_hash_type(info.type))
    want = std::min(want, info.max_entries / 2);  // LRU: no eviction
  else
    return 0;
  for (uint32_t i = 0; i < want; i++) {
    if (is_array_type(info.type)) {
      std::memset(key.data(), 0, key.size());
      std::memcpy(key.data(), &i, std::min<size_t>(4, key.size()));
    } else {
      fill_typed(b, info.btf_key_type_id, key.data(), key.size(), rng);
    }
    if (percpu) {
      std::memset(value.data(), 0, value.size());
      for (uint32_t c = 0; c < ncpus; c++)
        fill_typed(b, info.btf_value_type_id, value.data() + c * stride, info.value_size, rng);
    } else {
      fill_typed(b, info.btf_value_type_id, value.data(), value.size(), rng);
    }
    if (bpf_map_update_elem(fd, key.data(), value.data(), BPF_ANY) != 0) {
      if (errno == EPERM && n == 0 && (info.map_flags & BPF_F_RDONLY)) return 0;  // not writable from user space
      if (errno == EPERM && n == 0 && std::string_view(info.name).ends_with(".rodata")) return 0;  // frozen
      *err = std::string(info.name) + ": update: " + std::strerror(errno);
      return n;
    }
    n++;
  }
  return n;
}

// ---- the tests -----------------------------------------------------------------------

class CaptureBpftool : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for the bpf() syscall (euid " << ::geteuid() << ")";
    std::string why;
    if (!bpftool_available(&why)) GTEST_SKIP() << why;
    libbpf_set_print(nullptr);  // loader chatter off; failures are reported below
    int n = libbpf_num_possible_cpus();
    ASSERT_GT(n, 0);
    ncpus_ = static_cast<uint32_t>(n);
  }

  // Opens a BPF object and creates its maps in the kernel (programs are not
  // loaded; struct_ops maps, which need their programs, are not created).
  // May skip when bpf() is not permitted.
  // `before_load` may adjust the opened object (as the demo resizes maps).
  void load(const std::string& path, void (*before_load)(bpf_object*, uint32_t ncpus) = nullptr) {
    errno = 0;
    obj_.reset(bpf_object__open_file(path.c_str(), nullptr));
    ASSERT_TRUE(obj_) << "cannot open " << path << ": " << std::strerror(errno);
    if (before_load != nullptr) before_load(obj_.get(), ncpus_);
    bpf_program* prog;
    bpf_object__for_each_program(prog, obj_.get()) bpf_program__set_autoload(prog, false);
    bpf_map* m;
    bpf_object__for_each_map(m, obj_.get()) {
      if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS) bpf_map__set_autocreate(m, false);
    }
    int err = bpf_object__load(obj_.get());
    if (err == -EPERM || err == -ENOSYS || err == -EACCES)
      GTEST_SKIP() << "bpf() unavailable here: bpf_object__load: " << std::strerror(-err);
    ASSERT_EQ(err, 0) << "bpf_object__load " << path << ": " << std::strerror(-err);
  }

  // Fills every map of the object the caller can write (`want` entries).
  void fill_object(uint32_t want, uint64_t seed) {
    Rng rng{seed};
    const struct btf* b = bpf_object__btf(obj_.get());
    bpf_map* m;
    bpf_object__for_each_map(m, obj_.get()) {
      int fd = bpf_map__fd(m);
      if (fd < 0) continue;  // not created (struct_ops)
      std::string err;
      uint32_t n = fill_map(fd, b, ncpus_, want, rng, &err);
      ASSERT_TRUE(err.empty()) << err;
      std::printf("[ capture   ] filled %-16s %u entries\n", bpf_map__name(m), n);
    }
  }

  uint32_t map_id(int fd) {
    bpf_map_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return 0;
    return info.id;
  }

  // Captures `sel`, checks nothing failed, and compares every captured map
  // with bpftool. Returns the report bytes (for further checks).
  ReportBuffer capture_and_agree(const capture::Selection& sel, size_t expect_maps, Tally& total) {
    capture::Stats st;
    auto bytes = capture::capture(sel, capture::Options{}, &st);
    EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().message);
    if (!bytes.ok()) return {};
    ReportBuffer buf = bytes.value();
    std::printf("[ capture   ] %u maps read, %u excluded, %u failed, %llu entries, %u batch + %u elem calls, %u BTF\n",
                st.maps_read, st.maps_excluded, st.maps_failed, (unsigned long long)st.entries, st.batch_calls,
                st.elem_calls, st.btfs);
    EXPECT_EQ(st.maps_failed, 0u);
    EXPECT_EQ(st.maps_truncated, 0u);
    auto rep = Report::open_memory(buf.data(), buf.size());
    EXPECT_TRUE(rep.ok()) << (rep.ok() ? "" : rep.error().message);
    if (!rep.ok()) return buf;
    const Report& r = *rep.value();
    EXPECT_EQ(r.map_count(), expect_maps) << "captured maps";
    EXPECT_EQ(st.maps_read, r.map_count());
    for (size_t i = 0; i < r.map_count(); i++) {
      const MapInfo& m = r.map(i);
      EXPECT_FALSE(m.has_error) << m.name << ": " << m.error;
      if (m.has_error) continue;
      agree_map(r, m, ncpus_, total);
      if (HasFatalFailure()) return buf;
    }
    std::printf(
        "[ capture   ] total: %llu entries, %llu numbers and %llu strings equal to bpftool's; "
        "%llu values bpftool cannot print (floats) skipped\n",
        (unsigned long long)total.entries, (unsigned long long)total.numbers, (unsigned long long)total.strings,
        (unsigned long long)total.peer_unprintable);
    return buf;
  }

  ObjPtr obj_;  // owns every map fd of the object: closing it removes the kernel maps
  uint32_t ncpus_ = 0;
};

// kinds.bpf.c (hash, per-CPU array, array, per-CPU hash, globals in .bss,
// .data, .rodata, .data.custom) plus an LRU hash and an LRU per-CPU hash
// created here with the object's BTF: a map of every supported type.
TEST_F(CaptureBpftool, EveryMapType) {
  load(test::fixture_path("kinds.bpf.o"));
  if (IsSkipped() || HasFatalFailure()) return;
  const struct btf* b = bpf_object__btf(obj_.get());
  ASSERT_NE(b, nullptr);
  int key_id = btf__find_by_name_kind(b, "kt_key", BTF_KIND_STRUCT);
  int task_id = btf__find_by_name_kind(b, "kt_task_ctx", BTF_KIND_STRUCT);
  int cpu_id = btf__find_by_name_kind(b, "kt_cpu_stats", BTF_KIND_STRUCT);
  ASSERT_GT(key_id, 0);
  ASSERT_GT(task_id, 0);
  ASSERT_GT(cpu_id, 0);
  int btf_fd = bpf_object__btf_fd(obj_.get());
  ASSERT_GE(btf_fd, 0);
  auto make = [&](bpf_map_type type, const char* name, int vid) {
    LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = static_cast<__u32>(btf_fd),
                .btf_key_type_id = static_cast<__u32>(key_id), .btf_value_type_id = static_cast<__u32>(vid));
    return Fd(bpf_map_create(type, name, static_cast<__u32>(btf__resolve_size(b, key_id)),
                             static_cast<__u32>(btf__resolve_size(b, vid)), 256, &o));
  };
  Fd lru = make(BPF_MAP_TYPE_LRU_HASH, "kt_cb_lru", task_id);
  ASSERT_GE(lru.fd, 0) << "bpf_map_create LRU_HASH: " << std::strerror(errno);
  Fd lru_pcpu = make(BPF_MAP_TYPE_LRU_PERCPU_HASH, "kt_cb_lru_pcpu", cpu_id);
  ASSERT_GE(lru_pcpu.fd, 0) << "bpf_map_create LRU_PERCPU_HASH: " << std::strerror(errno);

  fill_object(40, 0x6b74736e6170ull);
  if (HasFatalFailure()) return;
  {
    Rng rng{42};
    std::string err;
    EXPECT_EQ(fill_map(lru.fd, b, ncpus_, 24, rng, &err), 24u) << err;
    EXPECT_EQ(fill_map(lru_pcpu.fd, b, ncpus_, 12, rng, &err), 12u) << err;
  }

  capture::Selection sel;
  sel.object = obj_.get();
  sel.map_ids = {map_id(lru.fd), map_id(lru_pcpu.fd)};
  size_t nmaps = 2;
  bpf_map* m;
  bpf_object__for_each_map(m, obj_.get()) nmaps++;
  Tally total;
  ReportBuffer buf = capture_and_agree(sel, nmaps, total);
  if (HasFatalFailure() || buf.empty()) return;

  // Every supported type was captured, and struct keys with >= 3 entries.
  auto rep = Report::open_memory(buf.data(), buf.size());
  ASSERT_TRUE(rep.ok());
  std::set<uint32_t> types;
  bool global = false;
  uint32_t struct_key_entries = 0;
  for (size_t i = 0; i < rep.value()->map_count(); i++) {
    const MapInfo& mi = rep.value()->map(i);
    types.insert(mi.map_type);
    global = global || mi.is_global_section();
    if (mi.key_size == sizeof(uint32_t) * 2 && mi.key_type_id == static_cast<uint32_t>(key_id))
      struct_key_entries = std::max(struct_key_entries, mi.entry_count);
  }
  for (uint32_t t : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY,
                     BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH})
    EXPECT_TRUE(types.count(t)) << "no captured map of type " << t;
  EXPECT_TRUE(global) << "no global section captured";
  EXPECT_GE(struct_key_entries, 3u) << "a struct-keyed map with 3 or more entries";
  // 40 tasks x ~35 numbers alone exceed 1000; a walk that silently matched
  // nothing would not.
  EXPECT_GT(total.numbers, 1000u);
  // kt_task_ctx has a float and a double: bpftool prints neither.
  EXPECT_GT(total.peer_unprintable, 0u);
}

// agree.bpf.c has no FLOAT, so bpftool prints every member: selected by map
// ids, every value compared.
TEST_F(CaptureBpftool, EveryScalarKindByMapIds) {
  load(test::fixture_path("agree.bpf.o"));
  if (IsSkipped() || HasFatalFailure()) return;
  fill_object(48, 7);
  if (HasFatalFailure()) return;
  capture::Selection sel;
  bpf_map* m;
  bpf_object__for_each_map(m, obj_.get()) sel.map_ids.push_back(map_id(bpf_map__fd(m)));
  Tally total;
  capture_and_agree(sel, sel.map_ids.size(), total);
  if (HasFatalFailure()) return;
  EXPECT_EQ(total.peer_unprintable, 0u) << "bpftool should print every member of this fixture";
  EXPECT_GT(total.numbers, 48u * 30);
}

// The demo scheduler object (the ktsnap demo's maps), filled here.
TEST_F(CaptureBpftool, DemoObject) {
  std::string path = KTSNAP_FIXTURE_DIR "/../examples/demo_sched.bpf.o";
  if (const char* e = std::getenv("KTSNAP_DEMO_OBJ")) path = e;
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) {
    std::string src = KTSNAP_SOURCE_DIR "/examples/demo_sched.bpf.c";
    if (::stat(src.c_str(), &sb) == 0) FAIL() << src << " exists but " << path << " was not built";
    GTEST_SKIP() << "no demo object yet (" << src << " does not exist)";
  }
  // As `ktsnap demo` does: cpu_ctxs gets one entry per possible CPU.
  load(path, [](bpf_object* o, uint32_t ncpus) {
    if (bpf_map* cm = bpf_object__find_map_by_name(o, "cpu_ctxs")) bpf_map__set_max_entries(cm, ncpus);
  });
  if (IsSkipped() || HasFatalFailure()) return;
  fill_object(300, 0xdead5eedull);
  if (HasFatalFailure()) return;
  capture::Selection sel;
  sel.object = obj_.get();
  size_t nmaps = 0, excluded = 0;
  bpf_map* m;
  bpf_object__for_each_map(m, obj_.get()) {
    if (bpf_map__fd(m) < 0) continue;
    if (capture::excluded_reason(bpf_map__type(m)).empty())
      nmaps++;
    else
      excluded++;
  }
  ASSERT_GT(nmaps, 0u);
  Tally total;
  ReportBuffer buf = capture_and_agree(sel, nmaps, total);
  if (HasFatalFailure() || buf.empty()) return;
  auto rep = Report::open_memory(buf.data(), buf.size());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep.value()->excluded_count(), excluded) << "maps that cannot be enumerated are listed with a reason";
  EXPECT_GT(total.numbers, 1000u);
}

}  // namespace
}  // namespace ktsnap
