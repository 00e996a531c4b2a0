// End-to-end agreement with the peer: the fixture object is loaded into the
// kernel (maps only, no program), its maps are filled, read back through
// the bpf() syscall into a report, and every number that
// `bpftool map dump id N -j` prints in its "formatted" tree must equal the
// number our render_map_json prints for the same entry.
//
// Needs root, a working bpf() syscall and bpftool; skips with the reason
// otherwise. Every kernel object lives in fds owned by the bpf_object (no
// pins), so everything is released when the test ends, also on failure.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.hpp"
#include "report/builder.hpp"
#include "report/report.hpp"
#include "bpftool_compare.hpp"
#include "support/fixture.hpp"
#include "value/render.hpp"

namespace ktsnap {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// ---- user-space mirror of the fixture layouts (checked against BTF) -------

struct Inner {
  uint32_t a;
  int16_t b;
  uint8_t c;
};
struct Bits {
  unsigned int lo : 3;
  signed int sv : 5;
  unsigned int mid : 24;
  uint64_t wide : 40;
  int64_t swide : 24;
};
struct TaskCtx {
  uint64_t runtime_ns;
  int32_t tid;
  uint32_t state;
  struct {
    uint32_t weight;
    union {
      uint32_t raw;
      struct {
        uint16_t lo16;
        uint16_t hi16;
      };
    };
  };
  Inner inner;
  Bits bits;
  char comm[16];
  uint32_t hist[2][3];
  uint64_t inner_ptr;
  uint64_t opaque;
  bool on_cpu;
  float load;
  double avg;
  uint64_t cv_val;
  int8_t e8;
  uint16_t e16;
  uint64_t e64;
  int8_t sc;
  uint8_t uc;
};
struct CpuStats {
  uint64_t nr_dispatched;
  uint64_t nr_enqueued;
  int32_t last_tid;
  uint32_t pad;
};
struct Key {
  uint32_t cpu;
  uint32_t dsq;
};

// ---- RAII ------------------------------------------------------------------

struct ObjClose {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};
struct BtfFree {
  void operator()(struct btf* b) const { btf__free(b); }
};
using ObjPtr = std::unique_ptr<bpf_object, ObjClose>;
using KBtfPtr = std::unique_ptr<struct btf, BtfFree>;

using namespace ktsnap::e2e;

// ---- reading kernel maps into a report -----------------------------------------

struct KernelMap {
  bpf_map_info info{};
  int fd = -1;
  std::vector<uint8_t> keys, values;
};

Status read_map(int fd, const bpf_map_info& info, uint32_t ncpus, std::vector<uint8_t>& keys,
                std::vector<uint8_t>& values) {
  bool percpu = map_type_is_percpu(info.type);
  size_t vbytes = percpu ? size_t(ncpus) * ((info.value_size + 7) & ~7u) : info.value_size;
  std::vector<uint8_t> k(info.key_size), next(info.key_size), v(vbytes);
  bool is_array = info.type == BPF_MAP_TYPE_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_ARRAY;
  if (is_array) {
    for (uint32_t i = 0; i < info.max_entries; i++) {
      if (bpf_map_lookup_elem(fd, &i, v.data()) != 0)
        return make_error(Code::Io, "lookup index " + std::to_string(i) + ": " + std::strerror(errno), errno);
      keys.insert(keys.end(), reinterpret_cast<uint8_t*>(&i), reinterpret_cast<uint8_t*>(&i) + 4);
      values.insert(values.end(), v.begin(), v.end());
    }
    return {};
  }
  const void* cur = nullptr;
  for (;;) {
    if (bpf_map_get_next_key(fd, cur, next.data()) != 0) {
      if (errno == ENOENT) break;
      return make_error(Code::Io, std::string("get_next_key: ") + std::strerror(errno), errno);
    }
    if (bpf_map_lookup_elem(fd, next.data(), v.data()) != 0)
      return make_error(Code::Io, std::string("lookup: ") + std::strerror(errno), errno);
    keys.insert(keys.end(), next.begin(), next.end());
    values.insert(values.end(), v.begin(), v.end());
    k = next;
    cur = k.data();
  }
  return {};
}

// Reads every map of the loaded object back from the kernel into a report
// (BTF fetched from the kernel by the map's btf_id), renders each map with
// render_map_json and compares it with `bpftool map dump id N -j`.
void agree_all_maps(bpf_object* obj, uint32_t ncpus, Tally& total) {
  bpf_map* gm;
  // ---- read every map back from the kernel into a report ----
  ReportBuilder rb;
  std::map<uint32_t, int32_t> btf_index;  // kernel btf id -> report index
  std::vector<KBtfPtr> kbtfs;
  std::vector<std::pair<std::string, uint32_t>> map_ids;  // name, kernel id
  int32_t sched = -1;
  bpf_object__for_each_map(gm, obj) {
    int mfd = bpf_map__fd(gm);
    ASSERT_GE(mfd, 0);
    bpf_map_info info{};
    __u32 len = sizeof info;
    ASSERT_EQ(bpf_obj_get_info_by_fd(mfd, &info, &len), 0) << std::strerror(errno);
    ASSERT_NE(info.btf_id, 0u) << bpf_map__name(gm) << " has no BTF in the kernel";
    if (!btf_index.count(info.btf_id)) {
      errno = 0;
      KBtfPtr kb(btf__load_from_kernel_by_id(info.btf_id));
      ASSERT_TRUE(kb) << "btf id " << info.btf_id << ": " << std::strerror(errno);
      __u32 sz = 0;
      const void* raw = btf__raw_data(kb.get(), &sz);
      auto bi = rb.add_btf({static_cast<const uint8_t*>(raw), sz});
      ASSERT_TRUE(bi.ok()) << bi.error().message;
      btf_index[info.btf_id] = bi.value();
      kbtfs.push_back(std::move(kb));
      if (sched < 0) {
        auto si = rb.add_scheduler("kinds", bi.value(), true);
        ASSERT_TRUE(si.ok()) << si.error().message;
        sched = si.value();
      }
    }
    std::vector<uint8_t> keys, values;
    auto st = read_map(mfd, info, ncpus, keys, values);
    ASSERT_TRUE(st.ok()) << info.name << ": " << st.error().message;
    MapSpec s;
    s.name = info.name;
    s.scheduler_index = sched;
    s.map_id = info.id;
    s.map_type = info.type;
    s.map_flags = info.map_flags;
    s.key_size = info.key_size;
    s.value_size = info.value_size;
    s.max_entries = info.max_entries;
    s.nr_cpus = map_type_is_percpu(info.type) ? ncpus : 0;
    s.btf_index = btf_index[info.btf_id];
    s.key_type_id = info.btf_key_type_id;
    s.value_type_id = info.btf_value_type_id;
    auto mi = rb.add_map(s, {keys.data(), keys.size()}, {values.data(), values.size()});
    ASSERT_TRUE(mi.ok()) << info.name << ": " << mi.error().message;
    map_ids.emplace_back(info.name, info.id);
  }
  auto buf = rb.finish();
  ASSERT_TRUE(buf.ok()) << buf.error().message;
  auto rep = Report::open_memory(buf.value().data(), buf.value().size());
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  const Report& r = *rep.value();
  ASSERT_EQ(r.map_count(), map_ids.size());

  // ---- compare each map with bpftool ----
  for (size_t mi = 0; mi < r.map_count(); mi++) agree_map(r, r.map(mi), ncpus, total);
}

class BpftoolAgreement : public ::testing::Test {
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

  // Opens a fixture object and creates its maps in the kernel (programs
  // are not loaded). May skip when bpf() is not permitted.
  void load(const std::string& fixture) {
    std::string path = test::fixture_path(fixture);
    errno = 0;
    obj_.reset(bpf_object__open_file(path.c_str(), nullptr));
    ASSERT_TRUE(obj_) << "cannot open " << path << ": " << std::strerror(errno);
    bpf_program* prog;
    bpf_object__for_each_program(prog, obj_.get()) bpf_program__set_autoload(prog, false);
    int err = bpf_object__load(obj_.get());
    if (err == -EPERM || err == -ENOSYS || err == -EACCES)
      GTEST_SKIP() << "bpf() unavailable here: bpf_object__load: " << std::strerror(-err);
    ASSERT_EQ(err, 0) << "bpf_object__load: " << std::strerror(-err);
  }

  int map_fd(const char* name) {
    bpf_map* m = bpf_object__find_map_by_name(obj_.get(), name);
    return m ? bpf_map__fd(m) : -1;
  }

  ObjPtr obj_;  // owns every map fd: closing it removes the kernel maps
  uint32_t ncpus_ = 0;
};

// Values for kt_tasks entry i: varied signs, bitfields, enums, strings.
TaskCtx make_task(uint32_t i) {
  static const char* comms[] = {"stress-ng", "kworker/1:2", "bash", "schbench", "rt-app",
                                "a", "fifteen-chars-x", "cc1plus"};
  TaskCtx t;
  std::memset(&t, 0, sizeof t);
  t.runtime_ns = i == 3 ? ~0ull : 1000003ull * i * i + 7;
  t.tid = (i % 5 == 1) ? -static_cast<int32_t>(i) * 1000 : static_cast<int32_t>(2000 + i);
  if (i == 7) t.tid = INT32_MIN;
  t.state = (i % 9 == 8) ? 77 : i % 3;  // 77 matches no enumerator
  t.weight = 100 * i;
  t.lo16 = static_cast<uint16_t>(i * 37);
  t.hi16 = static_cast<uint16_t>(0xffff - i);
  t.inner = {i * 11, static_cast<int16_t>(i % 2 ? -static_cast<int>(i) * 3 : i), static_cast<uint8_t>(250 - i)};
  t.bits.lo = i % 8;
  t.bits.sv = static_cast<int>(i % 32) - 16;
  t.bits.mid = (i * 40503u) & 0xffffff;
  t.bits.wide = (0xfedcba9876ull * (i + 1)) & ((1ull << 40) - 1);
  t.bits.swide = (i % 2) ? -static_cast<int64_t>(i * 1000 + 1) : static_cast<int64_t>(i * 7);
  std::snprintf(t.comm, sizeof t.comm, "%s", comms[i % 8]);
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++) t.hist[a][b] = (i * 100 + a * 10 + b) * ((i % 3) ? 1 : 0);
  t.inner_ptr = (i % 4 == 0) ? 0 : 0xffff888000100000ull + i * 64;
  t.opaque = 0xffffc90000000000ull + i;
  t.on_cpu = i % 2;
  t.load = 0.25f * static_cast<float>(i) - 3.0f;
  t.avg = static_cast<double>(i) * 1.5e9 + 0.125;
  t.cv_val = 0x8000000000000000ull + i;
  t.e8 = static_cast<int8_t>((i % 3 == 2) ? -1 : static_cast<int>(i % 3));
  t.e16 = (i % 2) ? 0x1234 : 1;
  t.e64 = (i % 4 == 1) ? 0x100000000ull : (i % 4 == 3 ? 0xfffffffffffffff0ull : 1);
  t.sc = static_cast<int8_t>(-static_cast<int>(i % 128));
  t.uc = static_cast<uint8_t>(200 + i % 50);
  return t;
}

TEST_F(BpftoolAgreement, KindsFixture) {
  load("kinds.bpf.o");
  if (IsSkipped() || HasFatalFailure()) return;
  // ---- layout check of the mirror against the kernel BTF ----
  const struct btf* obtf = bpf_object__btf(obj_.get());
  ASSERT_NE(obtf, nullptr);
  {
    __u32 sz = 0;
    const void* raw = btf__raw_data(obtf, &sz);
    auto b = Btf::from_raw(raw, sz);
    ASSERT_TRUE(b.ok()) << b.error().message;
    auto id = b.value()->find_by_name_kind("kt_task_ctx", BtfKind::Struct);
    ASSERT_TRUE(id.has_value());
    ASSERT_EQ(b.value()->size(*id), sizeof(TaskCtx));
    for (auto [n, off] : {std::pair<const char*, size_t>{"comm", offsetof(TaskCtx, comm)},
                          {"hist", offsetof(TaskCtx, hist)}, {"on_cpu", offsetof(TaskCtx, on_cpu)},
                          {"e64", offsetof(TaskCtx, e64)}, {"uc", offsetof(TaskCtx, uc)},
                          {"hi16", offsetof(TaskCtx, hi16)}, {"bits", offsetof(TaskCtx, bits)}}) {
      auto m = b.value()->find_member(*id, n);
      ASSERT_TRUE(m.has_value()) << n;
      ASSERT_EQ(m->bit_offset, off * 8) << n;
    }
  }

  // ---- fill the kernel maps ----
  const uint32_t kTasks = 40;
  int fd = map_fd("kt_tasks");
  ASSERT_GE(fd, 0);
  for (uint32_t i = 0; i < kTasks; i++) {
    uint32_t key = (i == 5) ? 0xffffffffu : 1000 + i * 3;
    TaskCtx t = make_task(i);
    ASSERT_EQ(bpf_map_update_elem(fd, &key, &t, BPF_ANY), 0) << std::strerror(errno);
  }
  fd = map_fd("kt_cpu_stats");
  ASSERT_GE(fd, 0);
  {
    size_t stride = (sizeof(CpuStats) + 7) & ~size_t(7);
    std::vector<uint8_t> buf(stride * ncpus_);
    for (uint32_t k = 0; k < 4; k++) {
      for (uint32_t c = 0; c < ncpus_; c++) {
        CpuStats cs{uint64_t(k) * 1000 + c, (uint64_t(1) << 63) + k * 7 + c,
                    static_cast<int32_t>(c % 2 ? -(int32_t)(k + c) : int32_t(k * 100 + c)), k ^ c};
        std::memcpy(buf.data() + c * stride, &cs, sizeof cs);
      }
      ASSERT_EQ(bpf_map_update_elem(fd, &k, buf.data(), BPF_ANY), 0) << std::strerror(errno);
    }
  }
  fd = map_fd("kt_array");
  ASSERT_GE(fd, 0);
  for (uint32_t k = 0; k < 8; k++) {
    Inner in{0xfffffff0u + k, static_cast<int16_t>(k % 2 ? -32768 + static_cast<int>(k) : k * 1000),
             static_cast<uint8_t>(k * 31)};
    ASSERT_EQ(bpf_map_update_elem(fd, &k, &in, BPF_ANY), 0) << std::strerror(errno);
  }
  fd = map_fd("kt_pcpu_hash");
  ASSERT_GE(fd, 0);
  for (uint32_t i = 0; i < 5; i++) {
    Key k{i, 4000000000u + i};
    std::vector<uint64_t> v(ncpus_);
    for (uint32_t c = 0; c < ncpus_; c++) v[c] = (i == 2) ? ~0ull - c : uint64_t(i) * 1000000007ull + c;
    ASSERT_EQ(bpf_map_update_elem(fd, &k, v.data(), BPF_ANY), 0) << std::strerror(errno);
  }
  fd = map_fd("kt_bits_hash");
  ASSERT_GE(fd, 0);
  for (uint32_t i = 0; i < 6; i++) {
    Key k{i, 7};
    Bits v;
    std::memset(&v, 0, sizeof v);
    v.lo = 7 - i;
    v.sv = (i % 2) ? -16 + static_cast<int>(i) : 15 - static_cast<int>(i);
    v.mid = 0xffffff - i;
    v.wide = (1ull << 40) - 1 - i;
    v.swide = (i % 2) ? -(1 << 23) + static_cast<int>(i) : (1 << 23) - 1 - static_cast<int>(i);
    ASSERT_EQ(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0) << std::strerror(errno);
  }
  // Globals: .bss and .data are ARRAY maps with one entry (value = section).
  bpf_map* gm;
  bpf_object__for_each_map(gm, obj_.get()) {
    std::string_view name = bpf_map__name(gm);
    int gfd = bpf_map__fd(gm);
    uint32_t zero = 0;
    std::vector<uint8_t> sec(bpf_map__value_size(gm));
    if (name.ends_with(".bss")) {
      // kt_nr_events (u64) = big, kt_bss_inner = {..}, kt_bss_neg = negative
      uint64_t ev = 0xfedcba9876543210ull;
      Inner in{4000000000u, -12345, 255};
      int32_t neg = -2147483000;
      ASSERT_GE(sec.size(), 20u);
      std::memcpy(sec.data(), &ev, 8);
      std::memcpy(sec.data() + 8, &in, sizeof in);
      std::memcpy(sec.data() + 16, &neg, 4);
      ASSERT_EQ(bpf_map_update_elem(gfd, &zero, sec.data(), BPF_ANY), 0) << name << ": " << std::strerror(errno);
    } else if (name.ends_with(".data")) {
      int32_t counter = -77;
      ASSERT_GE(sec.size(), 12u);
      std::memcpy(sec.data(), &counter, 4);
      std::memcpy(sec.data() + 4, "kt-lbl", 7);
      ASSERT_EQ(bpf_map_update_elem(gfd, &zero, sec.data(), BPF_ANY), 0) << name << ": " << std::strerror(errno);
    }
  }

  Tally total;
  agree_all_maps(obj_.get(), ncpus_, total);
  if (HasFatalFailure()) return;
  std::printf("[ agreement ] total: %llu entries, %llu numbers and %llu strings equal to bpftool's\n",
              (unsigned long long)total.entries, (unsigned long long)total.numbers,
              (unsigned long long)total.strings);
  // 40 tasks x ~35 numbers alone exceed 1000; a walk that silently matched
  // nothing would not.
  EXPECT_GT(total.numbers, 1000u);
  EXPECT_GE(total.entries, kTasks + 4 + 8 + 5 + 6);
}

// agree.bpf.c has no FLOAT, so bpftool prints every member of every value.
struct AgKey {
  uint32_t id;
  int32_t sid;
};
struct AgVal {
  int8_t e8;
  uint16_t e16;
  uint32_t st;
  int32_t sn;
  uint64_t e64;
  int8_t sc;
  uint8_t uc;
  int8_t s8;
  uint8_t u8;
  int16_t s16;
  uint16_t u16;
  int32_t s32;
  uint32_t u32;
  int64_t s64;
  uint64_t u64;
  uint64_t cv;
  bool flag;
  struct {
    uint32_t w;
    union {
      uint32_t raw;
      struct {
        uint16_t lo;
        uint16_t hi;
      };
    };
  };
  struct {
    unsigned int b3 : 3;
    signed int sb5 : 5;
    unsigned int m24 : 24;
    uint64_t w40 : 40;
    int64_t s24 : 24;
  } bits;
  char name[12];
  int16_t grid[2][3];
  uint64_t ptr;
  uint32_t tail;
};

AgVal make_ag(uint32_t i) {
  static const char* names[] = {"", "x", "eleven-char", "sched_ext", "dsq:7"};
  AgVal v;
  std::memset(&v, 0, sizeof v);
  v.e8 = static_cast<int8_t>(static_cast<int>(i % 4) - 1);  // -1, 0, 1, 2 (2 has no name)
  v.e16 = (i % 3 == 0) ? 0x1234 : (i % 3 == 1 ? 1 : 0xbeef);
  v.st = i % 4;  // 3 has no name
  v.sn = (i % 3 == 0) ? -2 : (i % 3 == 1 ? 3 : -100);
  v.e64 = (i % 4 == 0) ? 0x100000000ull : (i % 4 == 1 ? 0xfffffffffffffff0ull : (i % 4 == 2 ? 1 : 0x8000000000000001ull));
  v.sc = static_cast<int8_t>(-128 + static_cast<int>(i * 5 % 256));
  v.uc = static_cast<uint8_t>(255 - i);
  v.s8 = static_cast<int8_t>((i % 2) ? -static_cast<int>(i) : static_cast<int>(i));
  v.u8 = static_cast<uint8_t>(i * 7);
  v.s16 = static_cast<int16_t>((i % 2) ? -32768 + static_cast<int>(i) : 32767 - static_cast<int>(i));
  v.u16 = static_cast<uint16_t>(65535 - i * 3);
  v.s32 = (i % 2) ? INT32_MIN + static_cast<int32_t>(i) : INT32_MAX - static_cast<int32_t>(i);
  v.u32 = 0xffffffffu - i;
  v.s64 = (i % 2) ? INT64_MIN + i : INT64_MAX - i;
  v.u64 = ~0ull - i;
  v.cv = 0x8000000000000000ull | (i * 0x0101010101ull);
  v.flag = i % 3 == 1;
  v.w = i * 1000;
  v.lo = static_cast<uint16_t>(i);
  v.hi = static_cast<uint16_t>(0xfff0 + (i % 16));
  v.bits.b3 = i % 8;
  v.bits.sb5 = static_cast<int>(i % 32) - 16;
  v.bits.m24 = 0xffffff - i;
  v.bits.w40 = (1ull << 40) - 1 - i;
  v.bits.s24 = (i % 2) ? -(1 << 23) + static_cast<int>(i) : (1 << 23) - 1 - static_cast<int>(i);
  std::snprintf(v.name, sizeof v.name, "%s", names[i % 5]);
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++) v.grid[a][b] = static_cast<int16_t>((a ? -1 : 1) * static_cast<int>(i * 10 + b));
  v.ptr = (i % 3) ? 0xffff888000000000ull + i * 4096 : 0;
  v.tail = 0xdead0000u + i;
  return v;
}

TEST_F(BpftoolAgreement, EveryScalarKindFixture) {
  load("agree.bpf.o");
  if (IsSkipped() || HasFatalFailure()) return;
  const struct btf* obtf = bpf_object__btf(obj_.get());
  ASSERT_NE(obtf, nullptr);
  {
    __u32 sz = 0;
    const void* raw = btf__raw_data(obtf, &sz);
    auto b = Btf::from_raw(raw, sz);
    ASSERT_TRUE(b.ok()) << b.error().message;
    auto id = b.value()->find_by_name_kind("ag_val", BtfKind::Struct);
    ASSERT_TRUE(id.has_value());
    ASSERT_EQ(b.value()->size(*id), sizeof(AgVal));
    for (auto [n, off] : {std::pair<const char*, size_t>{"e64", offsetof(AgVal, e64)}, {"cv", offsetof(AgVal, cv)},
                          {"flag", offsetof(AgVal, flag)}, {"hi", offsetof(AgVal, hi)},
                          {"bits", offsetof(AgVal, bits)}, {"name", offsetof(AgVal, name)},
                          {"grid", offsetof(AgVal, grid)}, {"ptr", offsetof(AgVal, ptr)},
                          {"tail", offsetof(AgVal, tail)}}) {
      auto m = b.value()->find_member(*id, n);
      ASSERT_TRUE(m.has_value()) << n;
      ASSERT_EQ(m->bit_offset, off * 8) << n;
    }
  }
  const uint32_t kVals = 48;
  int fd = map_fd("ag_vals");
  ASSERT_GE(fd, 0);
  for (uint32_t i = 0; i < kVals; i++) {
    AgKey k{i * 2654435761u, -static_cast<int32_t>(i) * 3};
    AgVal v = make_ag(i);
    ASSERT_EQ(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0) << std::strerror(errno);
  }
  fd = map_fd("ag_lru");
  ASSERT_GE(fd, 0);
  for (int64_t i = 0; i < 10; i++) {
    int64_t k = (i % 2) ? INT64_MIN + i : i * 1000000007;
    int32_t v = (i % 3 == 0) ? -2 : (i % 3 == 1 ? 3 : -7);
    ASSERT_EQ(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0) << std::strerror(errno);
  }
  fd = map_fd("ag_e64_arr");
  ASSERT_GE(fd, 0);
  for (uint32_t k = 0; k < 6; k++) {
    uint64_t v = k < 3 ? (k == 0 ? 1 : (k == 1 ? 0x100000000ull : 0xfffffffffffffff0ull)) : 0x7000000000000000ull + k;
    ASSERT_EQ(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0) << std::strerror(errno);
  }

  Tally total;
  agree_all_maps(obj_.get(), ncpus_, total);
  if (HasFatalFailure()) return;
  std::printf("[ agreement ] total: %llu entries, %llu numbers and %llu strings equal to bpftool's\n",
              (unsigned long long)total.entries, (unsigned long long)total.numbers,
              (unsigned long long)total.strings);
  EXPECT_EQ(total.peer_unprintable, 0u) << "bpftool should print every member of this fixture";
  EXPECT_EQ(total.entries, kVals + 10 + 6);
  EXPECT_GT(total.numbers, kVals * 30);
}

}  // namespace
}  // namespace ktsnap
