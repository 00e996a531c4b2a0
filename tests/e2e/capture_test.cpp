// Live capture (src/capture) against real kernel maps: every selector, the
// readable map types compared byte for byte with what was written through
// bpf_map_update_elem (per-CPU slots at the kernel's stride), globals read
// through view::Snapshot::var, excluded types with their reasons, the entry
// cap, the deadline, vanished maps, pinned paths that are not maps, maps
// without BTF, a permission failure, BTF stored once per kernel BTF, and
// schedulers grouped by BTF and object name.
//
// Needs root and a working bpf() syscall; every test skips with the reason
// otherwise. Kernel objects live in fds this process owns (and pins are
// removed by RAII guards), so nothing outlives a test, also on failure.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "capture/capture.hpp"
#include "report/report.hpp"
#include "support/fixture.hpp"
#include "view/map_view.hpp"
#include "view/snapshot.hpp"

namespace ktsnap {
namespace {

using capture::Options;
using capture::Selection;
using capture::Stats;

// ---- environment ----------------------------------------------------------

// Empty when this process may create maps, else why not.
std::string bpf_unavailable() {
  if (::geteuid() != 0) return "needs root for the bpf() syscall (euid " + std::to_string(::geteuid()) + ")";
  int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "kt_probe", 4, 4, 1, nullptr);
  if (fd < 0) return std::string("bpf() unavailable here: bpf_map_create: ") + std::strerror(errno);
  ::close(fd);
  return "";
}

#define REQUIRE_BPF()                                \
  do {                                               \
    std::string why_ = bpf_unavailable();            \
    if (!why_.empty()) GTEST_SKIP() << why_;         \
  } while (0)

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// A pin (or any file) removed when the test ends.
struct Unlink {
  std::string path;
  ~Unlink() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

std::string pin_path(const std::string& what) {
  return "/sys/fs/bpf/ktsnap-test-" + std::to_string(::getpid()) + "-" + what;
}

uint32_t id_of(int fd) {
  bpf_map_info info;
  std::memset(&info, 0, sizeof info);
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return 0;
  return info.id;
}

uint32_t ncpus() {
  int n = libbpf_num_possible_cpus();
  return n > 0 ? uint32_t(n) : 0;
}

uint64_t round8(uint64_t n) { return (n + 7) & ~uint64_t(7); }

struct Captured {
  ReportBuffer bytes;
  std::unique_ptr<Report> report;
  Stats stats;
};

// Captures and opens; fails the test on an error.
void capture_ok(const Selection& sel, const Options& opt, Captured& out) {
  auto r = capture::capture(sel, opt, &out.stats);
  ASSERT_TRUE(r.ok()) << r.error().message;
  out.bytes = std::move(r).value();
  auto rep = Report::open_memory(out.bytes.data(), out.bytes.size());
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  out.report = std::move(rep).value();
}

// Deterministic bytes for entry `i` of a map (`salt` tells maps apart).
void fill_value(uint8_t* p, size_t n, uint32_t i, uint32_t salt) {
  for (size_t b = 0; b < n; b++) p[b] = static_cast<uint8_t>((i * 131u + b * 7u + salt * 29u) ^ (i >> 8));
}

// Expected value bytes by key for a map the test filled.
using Expected = std::vector<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>>;

// Every captured entry has the key and exactly the value bytes written.
void expect_entries(const MapInfo& m, const Expected& want) {
  ASSERT_EQ(m.entry_count, want.size()) << m.name;
  std::set<std::vector<uint8_t>> seen;
  for (uint32_t e = 0; e < m.entry_count; e++) {
    std::vector<uint8_t> key(m.key_ptr(e), m.key_ptr(e) + m.key_size);
    auto it = std::find_if(want.begin(), want.end(), [&](const auto& kv) { return kv.first == key; });
    ASSERT_NE(it, want.end()) << m.name << ": captured key not written, entry " << e;
    ASSERT_EQ(it->second.size(), m.entry_stride) << m.name;
    EXPECT_EQ(0, std::memcmp(m.value_ptr(e), it->second.data(), it->second.size()))
        << m.name << ": value bytes differ at entry " << e;
    EXPECT_TRUE(seen.insert(key).second) << m.name << ": key captured twice";
  }
}

std::vector<uint8_t> u32key(uint32_t k) {
  std::vector<uint8_t> v(4);
  std::memcpy(v.data(), &k, 4);
  return v;
}

// Creates a map without BTF and fills `n` entries (keys 0..n-1 for
// arrays, 1000+i for hashes); per-CPU values get every possible CPU's
// slot at round_up(value_size, 8).
Fd make_filled(bpf_map_type type, const char* name, uint32_t value_size, uint32_t max_entries, uint32_t n,
               Expected& want, uint32_t map_flags = 0) {
  LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = map_flags);
  Fd fd(bpf_map_create(type, name, 4, value_size, max_entries, &o));
  if (fd.fd < 0) {
    ADD_FAILURE() << "bpf_map_create " << name << ": " << std::strerror(errno);
    return fd;
  }
  bool percpu = type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
                type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
  bool array = type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
  uint64_t stride = percpu ? round8(value_size) * ncpus() : value_size;
  for (uint32_t i = 0; i < (array ? max_entries : n); i++) {
    uint32_t key = array ? i : 1000 + i;
    std::vector<uint8_t> v(stride, 0);
    if (!array || i < n) {
      if (percpu) {
        for (uint32_t c = 0; c < ncpus(); c++) fill_value(v.data() + c * round8(value_size), value_size, i, c + 1);
      } else {
        fill_value(v.data(), value_size, i, 0);
      }
      if (bpf_map_update_elem(fd.fd, &key, v.data(), BPF_ANY) != 0) {
        ADD_FAILURE() << "update " << name << " key " << key << ": " << std::strerror(errno);
        return fd;
      }
    }
    want.emplace_back(u32key(key), v);
  }
  return fd;
}

// ---- the fixture object ---------------------------------------------------

struct ObjClose {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};
using ObjPtr = std::unique_ptr<bpf_object, ObjClose>;

// Loads capture.bpf.o under `object_name` (programs loaded too unless
// maps_only). Skips when bpf() is not permitted.
ObjPtr load_fixture(const char* object_name, bool maps_only, std::string* err) {
  std::string path = test::fixture_path("capture.bpf.o");
  LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = object_name);
  ObjPtr obj(bpf_object__open_file(path.c_str(), &oo));
  if (!obj) {
    *err = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  if (maps_only) {
    bpf_program* prog;
    bpf_object__for_each_program(prog, obj.get()) bpf_program__set_autoload(prog, false);
  }
  int e = bpf_object__load(obj.get());
  if (e != 0) {
    *err = std::string("bpf_object__load: ") + std::strerror(-e);
    return nullptr;
  }
  return obj;
}

int obj_map_fd(bpf_object* o, const char* name) {
  bpf_map* m = bpf_object__find_map_by_name(o, name);
  return m ? bpf_map__fd(m) : -1;
}

// Names libbpf gives the global-section maps of an object (prefix cut to 8).
std::string global_map(const char* obj, const char* sec) { return std::string(obj).substr(0, 8) + sec; }

class LiveCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = bpf_unavailable();
    if (!why.empty()) GTEST_SKIP() << why;
    libbpf_set_print(nullptr);
    ASSERT_GT(ncpus(), 0u);
  }
};

// ---- map types, values byte for byte --------------------------------------

TEST_F(LiveCapture, HashValuesByteForByte) {
  Expected want;
  Fd fd = make_filled(BPF_MAP_TYPE_HASH, "ktc_hash", 112, 8192, 5000, want);
  ASSERT_GE(fd.fd, 0);
  Selection sel;
  sel.map_ids = {id_of(fd.fd)};
  Captured c;
  capture_ok(sel, {}, c);
  ASSERT_EQ(c.report->map_count(), 1u);
  const MapInfo& m = c.report->map(0);
  EXPECT_EQ(m.name, "ktc_hash");
  EXPECT_EQ(m.map_type, uint32_t(BPF_MAP_TYPE_HASH));
  EXPECT_EQ(m.key_size, 4u);
  EXPECT_EQ(m.value_size, 112u);
  EXPECT_EQ(m.max_entries, 8192u);
  EXPECT_FALSE(m.has_error) << m.error;
  EXPECT_FALSE(m.flags & kMapTruncated);
  EXPECT_TRUE(m.flags & kMapBtfMissing);
  expect_entries(m, want);
  EXPECT_EQ(c.stats.maps_read, 1u);
  EXPECT_EQ(c.stats.entries, 5000u);
  EXPECT_EQ(c.stats.bytes, 5000u * (4 + 112));
  EXPECT_GT(c.stats.batch_calls, 0u);
  EXPECT_EQ(c.stats.elem_calls, 0u) << "a hash map is read in batches, not entry by entry";
  EXPECT_EQ(c.stats.btfs, 0u);
}

TEST_F(LiveCapture, LruHashAndEmptyHash) {
  Expected want, none;
  Fd lru = make_filled(BPF_MAP_TYPE_LRU_HASH, "ktc_lru", 24, 512, 100, want);
  Fd empty = make_filled(BPF_MAP_TYPE_HASH, "ktc_empty", 8, 64, 0, none);
  Selection sel;
  sel.map_ids = {id_of(lru.fd), id_of(empty.fd)};
  Captured c;
  capture_ok(sel, {}, c);
  ASSERT_EQ(c.report->map_count(), 2u);
  EXPECT_EQ(c.report->map(0).map_type, uint32_t(BPF_MAP_TYPE_LRU_HASH));
  expect_entries(c.report->map(0), want);
  expect_entries(c.report->map(1), none);
  EXPECT_FALSE(c.report->map(1).has_error) << c.report->map(1).error;
}

TEST_F(LiveCapture, ArrayOfManyEntriesOddValueSize) {
  Expected want;
  // 12-byte values: the plain array's stride stays value_size.
  Fd fd = make_filled(BPF_MAP_TYPE_ARRAY, "ktc_array", 12, 300, 200, want);
  Selection sel;
  sel.map_ids = {id_of(fd.fd)};
  Captured c;
  capture_ok(sel, {}, c);
  const MapInfo& m = c.report->map(0);
  EXPECT_EQ(m.entry_stride, 12u);
  expect_entries(m, want);  // all 300 slots, the unwritten ones zero
}

TEST_F(LiveCapture, PercpuArrayAndHashKeepTheKernelStride) {
  Expected wa, wh;
  Fd a = make_filled(BPF_MAP_TYPE_PERCPU_ARRAY, "ktc_pcpu_arr", 12, 5, 5, wa);
  Fd h = make_filled(BPF_MAP_TYPE_PERCPU_HASH, "ktc_pcpu_hash", 20, 128, 77, wh);
  Expected wl;
  Fd l = make_filled(BPF_MAP_TYPE_LRU_PERCPU_HASH, "ktc_pcpu_lru", 8, 128, 10, wl);
  Selection sel;
  sel.map_ids = {id_of(a.fd), id_of(h.fd), id_of(l.fd)};
  Captured c;
  capture_ok(sel, {}, c);
  ASSERT_EQ(c.report->map_count(), 3u);
  for (size_t i = 0; i < 3; i++) {
    const MapInfo& m = c.report->map(i);
    EXPECT_TRUE(m.percpu) << m.name;
    EXPECT_EQ(m.nr_cpus, ncpus()) << m.name;
    EXPECT_EQ(m.cpu_stride, round8(m.value_size)) << m.name;
    EXPECT_EQ(m.entry_stride, round8(m.value_size) * ncpus()) << m.name;
  }
  expect_entries(c.report->map(0), wa);
  expect_entries(c.report->map(1), wh);
  expect_entries(c.report->map(2), wl);
}

TEST_F(LiveCapture, MmapableArrayThroughMmapAndSyscalls) {
  Expected want;
  // 12-byte values: the kernel lays mmap-able elements out at 16 bytes.
  Fd fd = make_filled(BPF_MAP_TYPE_ARRAY, "ktc_mmap", 12, 1000, 1000, want, BPF_F_MMAPABLE);
  ASSERT_GE(fd.fd, 0);
  Selection sel;
  sel.map_ids = {id_of(fd.fd)};
  Captured mm, sys;
  capture_ok(sel, {}, mm);
  EXPECT_EQ(mm.stats.batch_calls, 0u) << "read through mmap, no syscall per batch";
  EXPECT_EQ(mm.stats.elem_calls, 0u);
  expect_entries(mm.report->map(0), want);
  Options no_mmap;
  no_mmap.use_mmap = false;
  capture_ok(sel, no_mmap, sys);
  EXPECT_GT(sys.stats.batch_calls, 0u);
  expect_entries(sys.report->map(0), want);
}

TEST_F(LiveCapture, ElementPathForTypesWithoutBatch) {
  // An LPM trie has no batch lookup: get_next_key + lookup_elem.
  LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
  Fd fd(bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "ktc_lpm", 8, 8, 16, &o));
  ASSERT_GE(fd.fd, 0) << std::strerror(errno);
  Expected want;
  for (uint32_t i = 0; i < 5; i++) {
    uint8_t key[8] = {24, 0, 0, 0, 10, static_cast<uint8_t>(i), 0, 0};
    uint64_t v = 0x1111111111111111ull * (i + 1);
    ASSERT_EQ(0, bpf_map_update_elem(fd.fd, key, &v, BPF_ANY)) << std::strerror(errno);
    want.emplace_back(std::vector<uint8_t>(key, key + 8),
                      std::vector<uint8_t>(reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 8));
  }
  Selection sel;
  sel.map_ids = {id_of(fd.fd)};
  Captured c;
  capture_ok(sel, {}, c);
  expect_entries(c.report->map(0), want);
  EXPECT_EQ(c.stats.elem_calls, 5u);
}

// ---- BTF ------------------------------------------------------------------

TEST_F(LiveCapture, MapWithoutBtfHasHexKeys) {
  Expected want;
  Fd fd = make_filled(BPF_MAP_TYPE_HASH, "ktc_nobtf", 8, 16, 3, want);
  Selection sel;
  sel.map_ids = {id_of(fd.fd)};
  Captured c;
  capture_ok(sel, {}, c);
  const MapInfo& m = c.report->map(0);
  EXPECT_EQ(m.btf_index, -1);
  EXPECT_TRUE(m.flags & kMapBtfMissing);
  EXPECT_EQ(c.report->btf_count(), 0u);
  view::Snapshot snap(*c.report);
  auto mv = snap.map("ktc_nobtf");
  ASSERT_TRUE(mv.ok());
  ASSERT_EQ(mv->size(), 3u);
  auto key = view::render_entry_key(mv->at(0));
  ASSERT_TRUE(key.has_value());
  EXPECT_TRUE(key->starts_with(view::kHexKeyPrefix)) << *key;
}

// ---- the fixture object: globals, excluded types, selectors, grouping -----

class LiveCaptureObject : public LiveCapture {
 protected:
  void SetUp() override {
    LiveCapture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string err;
    obj_ = load_fixture(kObj, false, &err);
    if (!obj_ && (err.find("Operation not permitted") != std::string::npos))
      GTEST_SKIP() << "cannot load a program here: " << err;
    ASSERT_TRUE(obj_) << err;
    // Fill a few maps.
    int h = obj_map_fd(obj_.get(), "cap_hash");
    for (uint32_t i = 0; i < 10; i++) {
      uint8_t v[32];
      fill_value(v, sizeof v, i, 3);
      ASSERT_EQ(0, bpf_map_update_elem(h, &i, v, BPF_ANY));
      hash_want_.emplace_back(u32key(i), std::vector<uint8_t>(v, v + sizeof v));
    }
    uint32_t zero = 0;
    uint32_t q = 5;
    ASSERT_EQ(0, bpf_map_update_elem(obj_map_fd(obj_.get(), "cap_queue"), nullptr, &q, BPF_ANY));
    // .bss: cap_bss_counter; .data: cap_data_val, cap_data_label.
    int bss = obj_map_fd(obj_.get(), global_map(kObj, ".bss").c_str());
    ASSERT_GE(bss, 0);
    uint64_t counter = 123456789;
    ASSERT_EQ(0, bpf_map_update_elem(bss, &zero, &counter, BPF_ANY));
  }

  std::set<uint32_t> object_ids() {
    std::set<uint32_t> ids;
    bpf_map* m;
    bpf_object__for_each_map(m, obj_.get()) ids.insert(id_of(bpf_map__fd(m)));
    return ids;
  }

  uint32_t prog_id() {
    bpf_program* p = bpf_object__find_program_by_name(obj_.get(), "cap_prog");
    if (!p) return 0;
    bpf_prog_info info;
    std::memset(&info, 0, sizeof info);
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) != 0) return 0;
    return info.id;
  }

  static constexpr const char* kObj = "capture_fixture";
  ObjPtr obj_;
  Expected hash_want_;
};

TEST_F(LiveCaptureObject, ObjectSelectorGlobalsExcludedAndOneScheduler) {
  Selection sel;
  sel.object = obj_.get();
  Options opt;
  opt.tag = "object";
  Captured c;
  capture_ok(sel, opt, c);
  const Report& r = *c.report;
  EXPECT_EQ(r.tag(), "object");

  // Excluded types, each with its reason; none silently dropped.
  std::set<std::string> excluded;
  for (size_t i = 0; i < r.excluded_count(); i++) {
    const ExcludedMapInfo& e = r.excluded(i);
    excluded.insert(std::string(e.name));
    EXPECT_EQ(e.reason, capture::excluded_reason(e.map_type)) << e.name;
    EXPECT_FALSE(e.reason.empty()) << e.name;
  }
  EXPECT_EQ(excluded, (std::set<std::string>{"cap_queue", "cap_stack", "cap_ringbuf", "cap_perf", "cap_progs"}));
  EXPECT_EQ(c.stats.maps_excluded, 5u);
  EXPECT_EQ(r.map_count() + r.excluded_count(), object_ids().size());

  // Values.
  const MapInfo* h = r.find_map("cap_hash");
  ASSERT_NE(h, nullptr);
  expect_entries(*h, hash_want_);
  EXPECT_FALSE(h->flags & kMapBtfMissing);

  // One BTF (the object's), one scheduler named after the object as libbpf
  // cut it, every map of the object in it.
  EXPECT_EQ(r.btf_count(), 1u);
  EXPECT_EQ(c.stats.btfs, 1u);
  ASSERT_EQ(r.scheduler_count(), 1u);
  EXPECT_EQ(r.scheduler(0).name, "capture_");
  EXPECT_EQ(r.scheduler(0).btf_index, 0);
  EXPECT_FALSE(r.scheduler(0).active);
  for (size_t i = 0; i < r.map_count(); i++) {
    EXPECT_EQ(r.map(i).scheduler_index, 0) << r.map(i).name;
    EXPECT_EQ(r.map(i).btf_index, 0) << r.map(i).name;
  }

  // Globals through the view.
  view::Snapshot snap(r);
  EXPECT_EQ(snap.var("cap_bss_counter").as_u64().value_or(0), 123456789u);
  EXPECT_EQ(snap.var("cap_data_val").as_u64().value_or(0), 42u);
  EXPECT_EQ(snap.var("cap_ro_limit").as_u64().value_or(0), 7u);
  ASSERT_NE(r.find_map("capture_.rodata"), nullptr);
  ASSERT_NE(r.find_map("capture_.data"), nullptr);
  ASSERT_NE(r.find_map("capture_.bss"), nullptr);
  EXPECT_TRUE(r.find_map("capture_.bss")->is_global_section());
}

TEST_F(LiveCaptureObject, ActiveSchedulerByFullObjectName) {
  Selection sel;
  sel.object = obj_.get();
  Options opt;
  opt.active_scheduler = kObj;  // the full name matches libbpf's 8-character cut
  Captured c;
  capture_ok(sel, opt, c);
  ASSERT_EQ(c.report->scheduler_count(), 1u);
  EXPECT_TRUE(c.report->scheduler(0).active);
  view::Snapshot snap(*c.report);
  auto active = snap.active();
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->live_var("cap_data_val").as_u64().value_or(0), 42u);
}

TEST_F(LiveCaptureObject, ProgramIdsSelectTheMapsItUses) {
  uint32_t id = prog_id();
  ASSERT_NE(id, 0u);
  Selection sel;
  sel.prog_ids = {id};
  Captured c;
  capture_ok(sel, {}, c);
  std::set<std::string> names;
  for (size_t i = 0; i < c.report->map_count(); i++) names.insert(std::string(c.report->map(i).name));
  EXPECT_EQ(names, (std::set<std::string>{"cap_hash", "cap_array", global_map(kObj, ".bss"),
                                          global_map(kObj, ".data"), global_map(kObj, ".rodata")}));
  EXPECT_EQ(c.report->excluded_count(), 0u);
  EXPECT_EQ(c.report->btf_count(), 1u);
}

TEST_F(LiveCaptureObject, NamePrefixAndAllAndUnionOfSelectors) {
  Selection sel;
  sel.name_prefix = "cap_";
  Captured c;
  capture_ok(sel, {}, c);
  std::set<uint32_t> ours = object_ids();
  std::set<std::string> names;
  for (size_t i = 0; i < c.report->map_count(); i++) {
    const MapInfo& m = c.report->map(i);
    EXPECT_TRUE(m.name.starts_with("cap_")) << m.name;
    if (ours.count(m.map_id)) names.insert(std::string(m.name));
  }
  for (size_t i = 0; i < c.report->excluded_count(); i++)
    EXPECT_TRUE(c.report->excluded(i).name.starts_with("cap_"));
  EXPECT_EQ(names, (std::set<std::string>{"cap_hash", "cap_lru", "cap_array", "cap_pcpu_array", "cap_pcpu_hash",
                                          "cap_mmap"}));

  Selection all;
  all.all = true;
  Captured a;
  capture_ok(all, {}, a);
  std::set<uint32_t> seen;
  for (size_t i = 0; i < a.report->map_count(); i++) seen.insert(a.report->map(i).map_id);
  for (size_t i = 0; i < a.report->excluded_count(); i++) seen.insert(a.report->excluded(i).map_id);
  for (uint32_t id : ours) EXPECT_TRUE(seen.count(id)) << "map id " << id << " missing from `all`";

  // Union: the same map named by id, by prefix and by object comes once.
  Selection u;
  u.map_ids = {id_of(obj_map_fd(obj_.get(), "cap_hash"))};
  u.name_prefix = "cap_hash";
  u.object = obj_.get();
  Captured uc;
  capture_ok(u, {}, uc);
  EXPECT_EQ(uc.report->map(0).name, "cap_hash") << "order of first selection";
  size_t n = 0;
  for (size_t i = 0; i < uc.report->map_count(); i++) n += uc.report->map(i).map_id == u.map_ids[0];
  EXPECT_EQ(n, 1u);
}

TEST_F(LiveCaptureObject, BtfStoredOncePerKernelBtfAndGroupedByObject) {
  std::string err;
  ObjPtr second = load_fixture("capture_other", true, &err);
  ASSERT_TRUE(second) << err;
  Selection sel;
  sel.object = obj_.get();
  sel.prog_ids = {prog_id()};  // the same maps again: no second BTF
  Captured one;
  capture_ok(sel, {}, one);
  EXPECT_EQ(one.report->btf_count(), 1u);

  // A second load has its own kernel BTF (another btf_id), so its maps
  // form a second scheduler ("capture_" both); the two BTFs have the same
  // bytes, and the report stores identical blobs once.
  Selection both;
  both.object = obj_.get();
  Captured two;
  both.map_ids = {id_of(obj_map_fd(second.get(), "cap_hash")),
                  id_of(obj_map_fd(second.get(), global_map("capture_other", ".bss").c_str()))};
  capture_ok(both, {}, two);
  const Report& r = *two.report;
  EXPECT_EQ(r.btf_count(), 1u);
  ASSERT_EQ(r.scheduler_count(), 2u);
  EXPECT_EQ(r.scheduler(0).btf_index, 0);
  EXPECT_EQ(r.scheduler(1).btf_index, 0);
  // The map ids came first: the second object's group is scheduler 0.
  std::set<uint32_t> second_ids = {both.map_ids[0], both.map_ids[1]};
  for (size_t i = 0; i < r.map_count(); i++) {
    const MapInfo& m = r.map(i);
    ASSERT_GE(m.scheduler_index, 0) << m.name;
    EXPECT_EQ(m.scheduler_index, second_ids.count(m.map_id) ? 0 : 1) << m.name;
  }
  EXPECT_EQ(r.scheduler(0).name, "capture_");
  EXPECT_EQ(r.scheduler(1).name, "capture_");
}

// ---- caps, deadline, failures ----------------------------------------------

TEST_F(LiveCapture, EntryCapSetsTruncated) {
  Expected wh, wa, wexact;
  Fd h = make_filled(BPF_MAP_TYPE_HASH, "ktc_cap_hash", 16, 1024, 500, wh);
  Fd a = make_filled(BPF_MAP_TYPE_ARRAY, "ktc_cap_arr", 16, 64, 64, wa);
  Fd exact = make_filled(BPF_MAP_TYPE_HASH, "ktc_cap_exact", 16, 64, 10, wexact);
  Selection sel;
  sel.map_ids = {id_of(h.fd), id_of(a.fd), id_of(exact.fd)};
  Options opt;
  opt.max_entries_per_map = 10;
  Captured c;
  capture_ok(sel, opt, c);
  const Report& r = *c.report;
  EXPECT_EQ(r.map(0).entry_count, 10u);
  EXPECT_TRUE(r.map(0).flags & kMapTruncated);
  EXPECT_EQ(r.map(1).entry_count, 10u);
  EXPECT_TRUE(r.map(1).flags & kMapTruncated);
  EXPECT_EQ(r.map(2).entry_count, 10u);
  EXPECT_FALSE(r.map(2).flags & kMapTruncated) << "exactly the cap: nothing was left out";
  EXPECT_EQ(c.stats.maps_truncated, 2u);
  // The kept entries are real ones, byte for byte.
  for (uint32_t e = 0; e < 10; e++) {
    uint32_t k;
    std::memcpy(&k, r.map(0).key_ptr(e), 4);
    auto it = std::find_if(wh.begin(), wh.end(), [&](const auto& kv) { return kv.first == u32key(k); });
    ASSERT_NE(it, wh.end());
    EXPECT_EQ(0, std::memcmp(r.map(0).value_ptr(e), it->second.data(), 16));
  }
  // Elements path too.
  Options mm;
  mm.max_entries_per_map = 3;
  Captured c3;
  Selection one;
  one.map_ids = {id_of(a.fd)};
  capture_ok(one, mm, c3);
  EXPECT_EQ(c3.report->map(0).entry_count, 3u);
}

TEST_F(LiveCapture, TinyDeadlineRecordsDeadlineExceeded) {
  Expected w1, w2;
  Fd a = make_filled(BPF_MAP_TYPE_HASH, "ktc_dl_a", 8, 64, 5, w1);
  Fd b = make_filled(BPF_MAP_TYPE_ARRAY, "ktc_dl_b", 8, 4, 4, w2);
  Selection sel;
  sel.map_ids = {id_of(a.fd), id_of(b.fd)};
  Options opt;
  opt.deadline = std::chrono::nanoseconds(1);
  Captured c;
  capture_ok(sel, opt, c);
  ASSERT_EQ(c.report->map_count(), 2u) << "maps not read are still recorded";
  for (size_t i = 0; i < 2; i++) {
    const MapInfo& m = c.report->map(i);
    EXPECT_TRUE(m.has_error) << m.name;
    EXPECT_EQ(m.error, "deadline exceeded") << m.name;
    EXPECT_EQ(m.entry_count, 0u);
  }
  EXPECT_EQ(c.stats.maps_failed, 2u);
  // A generous deadline reads everything.
  opt.deadline = std::chrono::seconds(30);
  Captured ok;
  capture_ok(sel, opt, ok);
  EXPECT_FALSE(ok.report->map(0).has_error);
  EXPECT_EQ(ok.report->map(0).entry_count, 5u);
}

TEST_F(LiveCapture, VanishedMapIdIsAClearError) {
  Expected w;
  Fd live = make_filled(BPF_MAP_TYPE_HASH, "ktc_live", 8, 16, 2, w);
  Fd gone = make_filled(BPF_MAP_TYPE_HASH, "ktc_gone", 8, 16, 2, w);
  uint32_t gone_id = id_of(gone.fd);
  gone.close();  // last reference: the kernel frees the map (asynchronously)
  bool freed = false;
  for (int i = 0; i < 200 && !freed; i++) {
    int fd = bpf_map_get_fd_by_id(gone_id);
    if (fd < 0) {
      freed = true;
    } else {
      ::close(fd);
      ::usleep(10000);
    }
  }
  ASSERT_TRUE(freed) << "map " << gone_id << " still exists 2 s after its last fd closed";
  Selection sel;
  sel.map_ids = {id_of(live.fd), gone_id};
  auto r = capture::capture(sel, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::NotFound);
  EXPECT_NE(r.error().message.find(std::to_string(gone_id)), std::string::npos) << r.error().message;
}

TEST_F(LiveCapture, PinnedMapsAndPathsThatAreNotMaps) {
  Expected w;
  Fd fd = make_filled(BPF_MAP_TYPE_HASH, "ktc_pinned", 8, 16, 4, w);
  Unlink pin{pin_path("hash")};
  ASSERT_EQ(0, bpf_obj_pin(fd.fd, pin.path.c_str())) << pin.path << ": " << std::strerror(errno);
  Selection sel;
  sel.pinned_paths = {pin.path};
  Captured c;
  capture_ok(sel, {}, c);
  ASSERT_EQ(c.report->map_count(), 1u);
  EXPECT_EQ(c.report->map(0).name, "ktc_pinned");
  expect_entries(c.report->map(0), w);

  // A pinned program.
  struct bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  Fd prog(bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "ktc_prog", "GPL", insns, 2, nullptr));
  ASSERT_GE(prog.fd, 0) << std::strerror(errno);
  Unlink ppin{pin_path("prog")};
  ASSERT_EQ(0, bpf_obj_pin(prog.fd, ppin.path.c_str())) << std::strerror(errno);
  Selection ps;
  ps.pinned_paths = {ppin.path};
  auto pr = capture::capture(ps, {});
  ASSERT_FALSE(pr.ok());
  EXPECT_EQ(pr.error().code, Code::Type) << pr.error().message;
  EXPECT_NE(pr.error().message.find("prog"), std::string::npos) << pr.error().message;

  // A regular file outside bpffs.
  char tmpl[] = "/tmp/ktsnap-capture-XXXXXX";
  int tfd = ::mkstemp(tmpl);
  ASSERT_GE(tfd, 0);
  ::close(tfd);
  Unlink file{tmpl};
  Selection fs;
  fs.pinned_paths = {file.path};
  auto fr = capture::capture(fs, {});
  ASSERT_FALSE(fr.ok());
  EXPECT_EQ(fr.error().code, Code::Type) << fr.error().message;

  // A path that does not exist.
  Selection ns;
  ns.pinned_paths = {pin_path("nothing-here")};
  auto nr = capture::capture(ns, {});
  ASSERT_FALSE(nr.ok());
  EXPECT_EQ(nr.error().code, Code::NotFound) << nr.error().message;
}

TEST_F(LiveCapture, PermissionFailureInAChild) {
  Expected w;
  Fd fd = make_filled(BPF_MAP_TYPE_HASH, "ktc_perm", 8, 16, 1, w);
  uint32_t id = id_of(fd.fd);
  int p[2];
  ASSERT_EQ(0, ::pipe(p));
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(p[0]);
    // Dropping every uid to nobody clears all capabilities.
    int32_t res[2] = {-100, -100};
    if (::setgid(65534) == 0 && ::setuid(65534) == 0) {
      Selection all;
      all.all = true;
      auto r = capture::capture(all, {});
      res[0] = r.ok() ? 0 : int32_t(r.error().code);
      Selection one;
      one.map_ids = {id};
      auto r2 = capture::capture(one, {});
      res[1] = r2.ok() ? 0 : int32_t(r2.error().code);
    }
    ssize_t n = ::write(p[1], res, sizeof res);
    ::_exit(n == sizeof res ? 0 : 1);
  }
  ::close(p[1]);
  int32_t res[2] = {0, 0};
  ssize_t n = ::read(p[0], res, sizeof res);
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "the child crashed";
  ASSERT_EQ(n, ssize_t(sizeof res));
  ASSERT_NE(res[0], -100) << "the child could not drop privileges";
  EXPECT_EQ(res[0], int32_t(Code::Perm));
  EXPECT_EQ(res[1], int32_t(Code::Perm));
}

TEST_F(LiveCapture, NothingSelectedIsInvalid) {
  auto r = capture::capture(Selection{}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::Invalid);
  Selection zero;
  zero.map_ids = {0};
  auto z = capture::capture(zero, {});
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().code, Code::Invalid);
  Selection noprog;
  noprog.prog_ids = {0xfffffff0u};
  auto np = capture::capture(noprog, {});
  ASSERT_FALSE(np.ok());
  EXPECT_EQ(np.error().code, Code::NotFound);
  Selection notops;
  Expected w;
  Fd fd = make_filled(BPF_MAP_TYPE_HASH, "ktc_not_ops", 8, 16, 1, w);
  notops.struct_ops_map_id = id_of(fd.fd);
  auto no = capture::capture(notops, {});
  ASSERT_FALSE(no.ok());
  EXPECT_EQ(no.error().code, Code::Type);
  // A name prefix that matches nothing is NotFound, like an unknown id,
  // and names some maps that exist (at least ktc_not_ops does).
  Selection nopfx;
  nopfx.name_prefix = "ktc_no_such_prefix_";
  auto npx = capture::capture(nopfx, {});
  ASSERT_FALSE(npx.ok());
  EXPECT_EQ(npx.error().code, Code::NotFound);
  EXPECT_NE(npx.error().message.find("\"ktc_no_such_prefix_\""), std::string::npos) << npx.error().message;
  EXPECT_NE(npx.error().message.find("some of them: "), std::string::npos) << npx.error().message;
  // The same prefix beside a selector that finds a map: that map, no error.
  nopfx.map_ids = {id_of(fd.fd)};
  auto both = capture::capture(nopfx, {});
  EXPECT_FALSE(both.ok()) << "a selector that finds nothing is an error even beside one that does";
}

// ---- list_maps, excluded_reason --------------------------------------------

TEST_F(LiveCapture, ListMapsShowsTypesBtfNamesAndCounts) {
  std::string err;
  ObjPtr obj = load_fixture("capture_list", true, &err);
  ASSERT_TRUE(obj) << err;
  int h = obj_map_fd(obj.get(), "cap_hash");
  for (uint32_t i = 0; i < 7; i++) {
    uint8_t v[32] = {};
    ASSERT_EQ(0, bpf_map_update_elem(h, &i, v, BPF_ANY));
  }
  auto r = capture::list_maps(5);
  ASSERT_TRUE(r.ok()) << r.error().message;
  uint32_t hid = id_of(h), qid = id_of(obj_map_fd(obj.get(), "cap_queue"));
  const capture::KernelMap *hm = nullptr, *qm = nullptr;
  for (const auto& k : *r) {
    if (k.id == hid) hm = &k;
    if (k.id == qid) qm = &k;
  }
  ASSERT_NE(hm, nullptr);
  EXPECT_EQ(hm->name, "cap_hash");
  EXPECT_EQ(hm->type_name, "hash");
  EXPECT_EQ(hm->key_type, "__u32");
  EXPECT_EQ(hm->value_type, "struct cap_val");
  EXPECT_EQ(hm->entries, 5) << "counted up to the limit";
  ASSERT_NE(qm, nullptr);
  EXPECT_EQ(qm->type_name, "queue");
  EXPECT_EQ(qm->entries, -1);
  auto nocount = capture::list_maps(0);
  ASSERT_TRUE(nocount.ok());
  for (const auto& k : *nocount) EXPECT_EQ(k.entries, -1);
}

TEST(LiveCaptureReasons, EveryExcludedTypeHasAReason) {
  for (uint32_t t : {BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK, BPF_MAP_TYPE_RINGBUF, BPF_MAP_TYPE_PERF_EVENT_ARRAY,
                     BPF_MAP_TYPE_PROG_ARRAY, BPF_MAP_TYPE_USER_RINGBUF, BPF_MAP_TYPE_TASK_STORAGE,
                     BPF_MAP_TYPE_SK_STORAGE, BPF_MAP_TYPE_BLOOM_FILTER, BPF_MAP_TYPE_SOCKMAP, BPF_MAP_TYPE_CPUMAP})
    EXPECT_FALSE(capture::excluded_reason(t).empty()) << t;
  for (uint32_t t : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY,
                     BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH, BPF_MAP_TYPE_STRUCT_OPS})
    EXPECT_TRUE(capture::excluded_reason(t).empty()) << t;
  EXPECT_FALSE(capture::excluded_reason(9999).empty());
}

// ---- struct_ops --------------------------------------------------------------

struct LinkFree {
  void operator()(bpf_link* l) const { bpf_link__destroy(l); }
};

TEST_F(LiveCapture, StructOpsSelectsItsProgramsMaps) {
  // A TCP congestion control stands in for a sched_ext scheduler: both are
  // struct_ops maps whose value holds the ids of their programs.
  std::string path = test::fixture_path("capture_ops.bpf.o");
  ObjPtr obj(bpf_object__open_file(path.c_str(), nullptr));
  ASSERT_TRUE(obj) << path;
  int e = bpf_object__load(obj.get());
  if (e != 0)
    GTEST_SKIP() << "cannot load a tcp_congestion_ops struct_ops object here (bpf_object__load: " << std::strerror(-e)
                 << "); the kernel needs CONFIG_BPF_JIT and BPF TCP congestion control";
  bpf_map* ops = bpf_object__find_map_by_name(obj.get(), "ktsnap_cap_ca");
  ASSERT_NE(ops, nullptr);
  std::unique_ptr<bpf_link, LinkFree> link(bpf_map__attach_struct_ops(ops));
  if (!link)
    GTEST_SKIP() << "cannot register the struct_ops congestion control: " << std::strerror(errno)
                 << " (another test run may hold the name ktsnap_cap_ca)";
  uint32_t k = 1;
  uint64_t v = 99;
  ASSERT_EQ(0, bpf_map_update_elem(obj_map_fd(obj.get(), "ops_calls"), &k, &v, BPF_ANY));

  Selection sel;
  sel.struct_ops_map_id = id_of(bpf_map__fd(ops));
  Captured c;
  capture_ok(sel, {}, c);
  const Report& r = *c.report;
  std::set<std::string> names;
  for (size_t i = 0; i < r.map_count(); i++) names.insert(std::string(r.map(i).name));
  // The programs use ops_calls and .bss; ops_unused is used by none.
  EXPECT_EQ(names, (std::set<std::string>{"ktsnap_cap_ca", "ops_calls", "capture_.bss"}));
  const MapInfo* so = r.find_map("ktsnap_cap_ca");
  ASSERT_NE(so, nullptr);
  EXPECT_EQ(so->map_type, uint32_t(BPF_MAP_TYPE_STRUCT_OPS));
  EXPECT_EQ(so->entry_count, 1u);
  EXPECT_NE(so->vmlinux_value_type_id, 0u);
  EXPECT_GE(so->btf_index, 0) << "typed by vmlinux BTF";
  // The object's scheduler is active: it owns the struct_ops map.
  ASSERT_EQ(r.scheduler_count(), 1u);
  EXPECT_TRUE(r.scheduler(0).active);
  EXPECT_EQ(r.scheduler(0).name, "capture_");
  EXPECT_EQ(r.active_scheduler_name(), "capture_");
  const MapInfo* calls = r.find_map("ops_calls");
  ASSERT_NE(calls, nullptr);
  ASSERT_EQ(calls->entry_count, 1u);
  uint64_t got;
  std::memcpy(&got, calls->value_ptr(0), 8);
  EXPECT_EQ(got, 99u);
  EXPECT_EQ(r.btf_count(), 2u) << "the object's BTF and vmlinux";
}

}  // namespace
}  // namespace ktsnap
