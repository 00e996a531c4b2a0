// ktsnap_capture and ktsnap_kernel_maps through the C ABI only: the options
// handshake (NULL, sz 0 / small / exact / larger with zero or garbage
// tail), unknown flags, nothing selected, bad ids and paths, and a real
// capture of maps made with the raw bpf() syscall (this test links no
// libbpf). Kernel tests need root and skip with the reason otherwise.
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capi_test.hpp"

namespace {

using capi_test::ReportPtr;

// ---- raw bpf() -----------------------------------------------------------

long sys_bpf(int cmd, union bpf_attr* attr) { return ::syscall(__NR_bpf, cmd, attr, sizeof *attr); }

int map_create(uint32_t type, const char* name, uint32_t key_size, uint32_t value_size, uint32_t max_entries) {
  union bpf_attr a;
  std::memset(&a, 0, sizeof a);
  a.map_type = type;
  a.key_size = key_size;
  a.value_size = value_size;
  a.max_entries = max_entries;
  std::strncpy(a.map_name, name, sizeof a.map_name - 1);
  return int(sys_bpf(BPF_MAP_CREATE, &a));
}

int map_update(int fd, const void* key, const void* value) {
  union bpf_attr a;
  std::memset(&a, 0, sizeof a);
  a.map_fd = uint32_t(fd);
  a.key = uint64_t(uintptr_t(key));
  a.value = uint64_t(uintptr_t(value));
  return int(sys_bpf(BPF_MAP_UPDATE_ELEM, &a));
}

uint32_t map_id(int fd) {
  struct bpf_map_info info;
  std::memset(&info, 0, sizeof info);
  union bpf_attr a;
  std::memset(&a, 0, sizeof a);
  a.info.bpf_fd = uint32_t(fd);
  a.info.info_len = sizeof info;
  a.info.info = uint64_t(uintptr_t(&info));
  if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) != 0) return 0;
  return info.id;
}

int obj_pin(int fd, const char* path) {
  union bpf_attr a;
  std::memset(&a, 0, sizeof a);
  a.bpf_fd = uint32_t(fd);
  a.pathname = uint64_t(uintptr_t(path));
  return int(sys_bpf(BPF_OBJ_PIN, &a));
}

std::string bpf_unavailable() {
  if (::geteuid() != 0) return "needs root for the bpf() syscall (euid " + std::to_string(::geteuid()) + ")";
  int fd = map_create(BPF_MAP_TYPE_ARRAY, "kt_probe", 4, 4, 1);
  if (fd < 0) return std::string("bpf() unavailable here: BPF_MAP_CREATE: ") + std::strerror(errno);
  ::close(fd);
  return "";
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct ListFree {
  void operator()(ktsnap_kernel_map_list* l) const { ktsnap_kernel_map_list_free(l); }
};
using ListPtr = std::unique_ptr<ktsnap_kernel_map_list, ListFree>;

// A hash map with `n` entries key i -> value {i, i * 3}.
int filled_hash(const char* name, uint32_t n) {
  int fd = map_create(BPF_MAP_TYPE_HASH, name, 4, 16, 64);
  for (uint32_t i = 0; fd >= 0 && i < n; i++) {
    uint64_t v[2] = {i, uint64_t(i) * 3};
    if (map_update(fd, &i, v) != 0) return -1;
  }
  return fd;
}

// ---- options ---------------------------------------------------------------

TEST(capiCapture, OptsInitMatchesMacro) {
  ktsnap_capture_opts a = KTSNAP_CAPTURE_OPTS_INIT;
  ktsnap_capture_opts b;
  std::memset(&b, 0xab, sizeof b);
  ASSERT_EQ(KTSNAP_OK, ktsnap_capture_opts_init(&b, sizeof b));
  EXPECT_EQ(0, std::memcmp(&a, &b, sizeof a));
  EXPECT_EQ(a.sz, sizeof(ktsnap_capture_opts));
  EXPECT_EQ(size_t(KTSNAP_CAPTURE_OPTS_SIZE_V1), sizeof(ktsnap_capture_opts));
  EXPECT_FAILS_WITH(ktsnap_capture_opts_init(nullptr, sizeof b), KTSNAP_E_INVALID, "opts");
  EXPECT_FAILS_WITH(ktsnap_capture_opts_init(&b, 3), KTSNAP_E_INVALID, "too small");
}

TEST(capiCapture, NullArguments) {
  ktsnap_capture_opts o = KTSNAP_CAPTURE_OPTS_INIT;
  EXPECT_FAILS_WITH(ktsnap_capture(nullptr, &o, nullptr), KTSNAP_E_INVALID, "out");
  ktsnap_report* r = reinterpret_cast<ktsnap_report*>(0x1);
  EXPECT_FAILS_WITH(ktsnap_capture(&r, nullptr, nullptr), KTSNAP_E_INVALID, "nothing is selected");
  EXPECT_EQ(r, nullptr);
  EXPECT_FAILS_WITH(ktsnap_kernel_maps(nullptr, 0), KTSNAP_E_INVALID, "out");
  EXPECT_EQ(ktsnap_kernel_map_list_count(nullptr), 0u);
  EXPECT_EQ(ktsnap_kernel_map_list_at(nullptr, 0), nullptr);
  ktsnap_kernel_map_list_free(nullptr);
}

TEST(capiCapture, NothingSelectedIsInvalid) {
  ktsnap_capture_opts o = KTSNAP_CAPTURE_OPTS_INIT;
  ktsnap_report* r = nullptr;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "nothing selected");
  o.name_prefix = "";
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "nothing selected");
  EXPECT_EQ(r, nullptr);
}

TEST(capiCapture, SizeHandshake) {
  ktsnap_report* r = nullptr;
  ktsnap_capture_opts o = KTSNAP_CAPTURE_OPTS_INIT;
  o.sz = 0;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "too small");
  o.sz = 4;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "too small");
  // Only sz known: nothing selected.
  o.sz = sizeof(size_t);
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "nothing selected");
  // Larger than the library's struct: a zero tail is fine, a set byte not.
  struct Big {
    ktsnap_capture_opts o;
    uint8_t tail[16];
  } big;
  std::memset(&big, 0, sizeof big);
  big.o.sz = sizeof big;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &big.o, nullptr), KTSNAP_E_INVALID, "nothing selected");
  big.tail[5] = 1;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &big.o, nullptr), KTSNAP_E_INVALID, "non-zero byte");
}

TEST(capiCapture, BadFieldsAreInvalid) {
  ktsnap_report* r = nullptr;
  ktsnap_capture_opts o = KTSNAP_CAPTURE_OPTS_INIT;
  o.flags = 0x80;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "unknown flag bits 0x80");
  o = KTSNAP_CAPTURE_OPTS_INIT;
  o.map_id_count = 2;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "map_ids is NULL");
  o = KTSNAP_CAPTURE_OPTS_INIT;
  o.pinned_path_count = 1;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "pinned_paths is NULL");
  const char* paths[] = {"/sys/fs/bpf/x", nullptr};
  o.pinned_paths = paths;
  o.pinned_path_count = 2;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "pinned_paths[1] is NULL");
  o = KTSNAP_CAPTURE_OPTS_INIT;
  o.prog_id_count = 1;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "prog_ids is NULL");
  o = KTSNAP_CAPTURE_OPTS_INIT;
  uint32_t id = 1;
  o.map_ids = &id;
  o.map_id_count = SIZE_MAX;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "map_id_count");
  o.map_id_count = 1;
  o.trigger = 99;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "trigger");
  o.trigger = 0;
  o.deadline_ns = UINT64_MAX;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "deadline_ns");
  uint32_t zero = 0;
  o = KTSNAP_CAPTURE_OPTS_INIT;
  o.map_ids = &zero;
  o.map_id_count = 1;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_INVALID, "map id 0");
  EXPECT_EQ(r, nullptr);
}

TEST(capiCapture, ExcludedReasons) {
  EXPECT_STRNE(ktsnap_capture_excluded_reason(BPF_MAP_TYPE_QUEUE), "");
  EXPECT_STRNE(ktsnap_capture_excluded_reason(BPF_MAP_TYPE_RINGBUF), "");
  EXPECT_STRNE(ktsnap_capture_excluded_reason(BPF_MAP_TYPE_PROG_ARRAY), "");
  EXPECT_STRNE(ktsnap_capture_excluded_reason(12345), "");
  EXPECT_STREQ(ktsnap_capture_excluded_reason(BPF_MAP_TYPE_HASH), "");
  EXPECT_STREQ(ktsnap_capture_excluded_reason(BPF_MAP_TYPE_PERCPU_ARRAY), "");
}

// ---- against the kernel ------------------------------------------------------

class capiCaptureKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = bpf_unavailable();
    if (!why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(capiCaptureKernel, MapIdsValuesStatsAndTag) {
  Fd h(filled_hash("ktc_capi_hash", 20));
  ASSERT_GE(h.fd, 0) << std::strerror(errno);
  Fd q(map_create(BPF_MAP_TYPE_QUEUE, "ktc_capi_queue", 0, 4, 8));
  ASSERT_GE(q.fd, 0) << std::strerror(errno);
  uint32_t ids[] = {map_id(h.fd), map_id(q.fd)};
  ktsnap_capture_opts o = KTSNAP_CAPTURE_OPTS_INIT;
  o.map_ids = ids;
  o.map_id_count = 2;
  o.tag = "capi-capture";
  o.trigger = KTSNAP_TRIGGER_WATCH;
  ktsnap_capture_stats st;
  std::memset(&st, 0xff, sizeof st);  // every counter is written
  st.sz = sizeof st;
  ktsnap_report* raw = nullptr;
  EXPECT_OK(ktsnap_capture(&raw, &o, &st));
  ReportPtr r(raw);
  ASSERT_TRUE(r);
  EXPECT_STREQ(ktsnap_report_tag(r.get()), "capi-capture");
  EXPECT_EQ(ktsnap_report_trigger(r.get()), uint32_t(KTSNAP_TRIGGER_WATCH));
  ASSERT_EQ(ktsnap_report_map_count(r.get()), 1u);
  const ktsnap_map* m = ktsnap_report_map_at(r.get(), 0);
  EXPECT_STREQ(ktsnap_map_name(m), "ktc_capi_hash");
  EXPECT_EQ(ktsnap_map_id(m), ids[0]);
  EXPECT_EQ(ktsnap_map_entry_count(m), 20u);
  EXPECT_TRUE(ktsnap_map_flags(m) & KTSNAP_MAP_BTF_MISSING);
  EXPECT_EQ(ktsnap_map_error(m), nullptr) << "no error on the map";
  for (uint32_t e = 0; e < 20; e++) {
    ktsnap_value k, v;
    ASSERT_EQ(KTSNAP_OK, ktsnap_map_key(&k, m, e));
    ASSERT_EQ(KTSNAP_OK, ktsnap_map_value(&v, m, e));
    const void *kp = nullptr, *vp = nullptr;
    size_t kl = 0, vl = 0;
    ASSERT_EQ(KTSNAP_OK, ktsnap_value_bytes(&kp, &kl, &k));
    ASSERT_EQ(KTSNAP_OK, ktsnap_value_bytes(&vp, &vl, &v));
    ASSERT_EQ(kl, 4u);
    ASSERT_EQ(vl, 16u);
    uint32_t key;
    std::memcpy(&key, kp, 4);
    uint64_t want[2] = {key, uint64_t(key) * 3};
    EXPECT_EQ(0, std::memcmp(vp, want, 16)) << "key " << key;
  }
  ASSERT_EQ(ktsnap_report_excluded_count(r.get()), 1u);
  EXPECT_STREQ(ktsnap_report_excluded_name(r.get(), 0), "ktc_capi_queue");
  EXPECT_STREQ(ktsnap_report_excluded_reason(r.get(), 0), ktsnap_capture_excluded_reason(BPF_MAP_TYPE_QUEUE));
  EXPECT_EQ(st.maps_read, 1u);
  EXPECT_EQ(st.maps_excluded, 1u);
  EXPECT_EQ(st.maps_failed, 0u);
  EXPECT_EQ(st.entries, 20u);
  EXPECT_EQ(st.bytes, 20u * 20u);
  EXPECT_EQ(st._reserved, 0u);
  EXPECT_GT(st.batch_calls, 0u);
}

TEST_F(capiCaptureKernel, CapDeadlineAndNoMmapFlag) {
  Fd h(filled_hash("ktc_capi_cap", 30));
  ASSERT_GE(h.fd, 0);
  uint32_t id = map_id(h.fd);
  ktsnap_capture_opts o = KTSNAP_CAPTURE_OPTS_INIT;
  o.map_ids = &id;
  o.map_id_count = 1;
  o.max_entries_per_map = 7;
  o.flags = KTSNAP_CAPTURE_NO_MMAP;
  ktsnap_report* raw = nullptr;
  ktsnap_capture_stats st = KTSNAP_CAPTURE_STATS_INIT;
  EXPECT_OK(ktsnap_capture(&raw, &o, &st));
  ReportPtr r(raw);
  const ktsnap_map* m = ktsnap_report_map_at(r.get(), 0);
  EXPECT_EQ(ktsnap_map_entry_count(m), 7u);
  EXPECT_TRUE(ktsnap_map_flags(m) & KTSNAP_MAP_TRUNCATED);
  EXPECT_EQ(st.maps_truncated, 1u);

  o.max_entries_per_map = 0;
  o.deadline_ns = 1;
  EXPECT_OK(ktsnap_capture(&raw, &o, &st));
  r.reset(raw);
  m = ktsnap_report_map_at(r.get(), 0);
  EXPECT_STREQ(ktsnap_map_error(m), "deadline exceeded");
  EXPECT_EQ(st.maps_failed, 1u);
}

TEST_F(capiCaptureKernel, UnknownIdsAndPaths) {
  ktsnap_report* r = nullptr;
  ktsnap_capture_opts o = KTSNAP_CAPTURE_OPTS_INIT;
  uint32_t bad = 0xfffffff0u;
  o.map_ids = &bad;
  o.map_id_count = 1;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_NOTFOUND, "4294967280");
  o = KTSNAP_CAPTURE_OPTS_INIT;
  o.prog_ids = &bad;
  o.prog_id_count = 1;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_NOTFOUND, "program");
  o = KTSNAP_CAPTURE_OPTS_INIT;
  o.struct_ops_map_id = bad;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_NOTFOUND, "struct_ops");
  o = KTSNAP_CAPTURE_OPTS_INIT;
  std::string missing = "/sys/fs/bpf/ktsnap-test-" + std::to_string(::getpid()) + "-missing";
  const char* p1[] = {missing.c_str()};
  o.pinned_paths = p1;
  o.pinned_path_count = 1;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_NOTFOUND, missing);
  const char* p2[] = {"/proc/self/status"};
  o.pinned_paths = p2;
  EXPECT_FAILS_WITH(ktsnap_capture(&r, &o, nullptr), KTSNAP_E_TYPE, "not a pinned map");
  EXPECT_EQ(r, nullptr);
}

TEST_F(capiCaptureKernel, PinnedPathAndNamePrefix) {
  Fd h(filled_hash("ktc_capi_pin", 3));
  ASSERT_GE(h.fd, 0);
  std::string path = "/sys/fs/bpf/ktsnap-test-" + std::to_string(::getpid()) + "-capi";
  ASSERT_EQ(0, obj_pin(h.fd, path.c_str())) << std::strerror(errno);
  struct Unpin {
    std::string p;
    ~Unpin() { ::unlink(p.c_str()); }
  } unpin{path};
  const char* paths[] = {path.c_str()};
  ktsnap_capture_opts o = KTSNAP_CAPTURE_OPTS_INIT;
  o.pinned_paths = paths;
  o.pinned_path_count = 1;
  ktsnap_report* raw = nullptr;
  EXPECT_OK(ktsnap_capture(&raw, &o, nullptr));
  ReportPtr r(raw);
  ASSERT_EQ(ktsnap_report_map_count(r.get()), 1u);
  EXPECT_STREQ(ktsnap_map_name(ktsnap_report_map_at(r.get(), 0)), "ktc_capi_pin");

  o = KTSNAP_CAPTURE_OPTS_INIT;
  o.name_prefix = "ktc_capi_pi";
  EXPECT_OK(ktsnap_capture(&raw, &o, nullptr));
  r.reset(raw);
  bool found = false;
  for (size_t i = 0; i < ktsnap_report_map_count(r.get()); i++)
    found = found || ktsnap_map_id(ktsnap_report_map_at(r.get(), i)) == map_id(h.fd);
  EXPECT_TRUE(found);

  // A prefix no map name starts with: NOTFOUND, naming maps that exist.
  o.name_prefix = "ktc_capi_no_such_prefix";
  raw = reinterpret_cast<ktsnap_report*>(0x1);
  EXPECT_FAILS_WITH(ktsnap_capture(&raw, &o, nullptr), KTSNAP_E_NOTFOUND, "no map matched the name prefix");
  EXPECT_EQ(raw, nullptr);
  EXPECT_NE(std::strstr(ktsnap_last_error(), "some of them: "), nullptr) << ktsnap_last_error();
}

// The stats struct is sz-first: the library writes only what the caller's
// sz covers, and refuses an sz that cannot hold itself.
TEST_F(capiCaptureKernel, StatsSizeHandshake) {
  Fd h(filled_hash("ktc_capi_stsz", 5));
  ASSERT_GE(h.fd, 0);
  uint32_t ids[] = {map_id(h.fd)};
  ktsnap_capture_opts o = KTSNAP_CAPTURE_OPTS_INIT;
  o.map_ids = ids;
  o.map_id_count = 1;
  ktsnap_report* raw = nullptr;
  ktsnap_capture_stats st = KTSNAP_CAPTURE_STATS_INIT;
  EXPECT_EQ(st.sz, sizeof st);
  EXPECT_EQ(sizeof st, size_t(KTSNAP_CAPTURE_STATS_SIZE_V1));
  st.sz = 0;
  EXPECT_FAILS_WITH(ktsnap_capture(&raw, &o, &st), KTSNAP_E_INVALID, "stats->sz");
  EXPECT_EQ(raw, nullptr);
  st.sz = 4;
  EXPECT_FAILS_WITH(ktsnap_capture(&raw, &o, &st), KTSNAP_E_INVALID, "stats->sz");
  // An older caller that knows sz and maps_read only.
  std::memset(&st, 0xab, sizeof st);
  st.sz = offsetof(ktsnap_capture_stats, maps_excluded);
  EXPECT_OK(ktsnap_capture(&raw, &o, &st));
  ReportPtr r(raw);
  EXPECT_EQ(st.sz, offsetof(ktsnap_capture_stats, maps_excluded));
  EXPECT_EQ(st.maps_read, 1u);
  EXPECT_EQ(st.maps_excluded, 0xababababu) << "written past the caller's sz";
  EXPECT_EQ(st.elapsed_ns, 0xababababababababull);
  // A newer caller with a bigger struct: the library fills what it knows.
  struct Bigger {
    ktsnap_capture_stats s;
    uint64_t more;
  } big;
  std::memset(&big, 0xcd, sizeof big);
  big.s.sz = sizeof big;
  EXPECT_OK(ktsnap_capture(&raw, &o, &big.s));
  r.reset(raw);
  EXPECT_EQ(big.s.maps_read, 1u);
  EXPECT_EQ(big.s.entries, 5u);
  EXPECT_EQ(big.more, 0xcdcdcdcdcdcdcdcdull);
}

TEST_F(capiCaptureKernel, KernelMapsList) {
  Fd h(filled_hash("ktc_capi_list", 9));
  ASSERT_GE(h.fd, 0);
  uint32_t id = map_id(h.fd);
  ktsnap_kernel_map_list* raw = nullptr;
  EXPECT_OK(ktsnap_kernel_maps(&raw, 4));
  ListPtr list(raw);
  const ktsnap_kernel_map* mine = nullptr;
  for (size_t i = 0; i < ktsnap_kernel_map_list_count(list.get()); i++) {
    const ktsnap_kernel_map* k = ktsnap_kernel_map_list_at(list.get(), i);
    ASSERT_NE(k, nullptr);
    EXPECT_NE(k->name, nullptr);
    EXPECT_NE(k->type_name, nullptr);
    EXPECT_EQ(k->_reserved, 0u);
    if (k->id == id) mine = k;
  }
  ASSERT_NE(mine, nullptr);
  EXPECT_STREQ(mine->name, "ktc_capi_list");
  EXPECT_STREQ(mine->type_name, "hash");
  EXPECT_STREQ(mine->key_type, "");
  EXPECT_EQ(mine->btf_id, 0u);
  EXPECT_EQ(mine->key_size, 4u);
  EXPECT_EQ(mine->value_size, 16u);
  EXPECT_EQ(mine->max_entries, 64u);
  EXPECT_EQ(mine->entries, 4) << "counted up to count_limit";
  EXPECT_EQ(ktsnap_kernel_map_list_at(list.get(), ktsnap_kernel_map_list_count(list.get())), nullptr);
}

TEST_F(capiCaptureKernel, PermissionDeniedInAChild) {
  int p[2];
  ASSERT_EQ(0, ::pipe(p));
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(p[0]);
    int32_t res[3] = {-100, -100, 0};
    if (::setgid(65534) == 0 && ::setuid(65534) == 0) {
      ktsnap_capture_opts o = KTSNAP_CAPTURE_OPTS_INIT;
      o.flags = KTSNAP_CAPTURE_ALL;
      ktsnap_report* r = nullptr;
      res[0] = ktsnap_capture(&r, &o, nullptr);
      res[2] = std::strstr(ktsnap_last_error(), "CAP_BPF") != nullptr;
      ktsnap_kernel_map_list* l = nullptr;
      res[1] = ktsnap_kernel_maps(&l, 0);
    }
    ssize_t n = ::write(p[1], res, sizeof res);
    ::_exit(n == sizeof res ? 0 : 1);
  }
  ::close(p[1]);
  int32_t res[3] = {};
  ssize_t n = ::read(p[0], res, sizeof res);
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "the child crashed";
  ASSERT_EQ(n, ssize_t(sizeof res));
  ASSERT_NE(res[0], -100) << "the child could not drop privileges";
  EXPECT_EQ(res[0], KTSNAP_E_PERM);
  EXPECT_EQ(res[1], KTSNAP_E_PERM);
  EXPECT_EQ(res[2], 1) << "the message names the capabilities needed";
}

}  // namespace
