// Private pieces of the capture layer shared by its .cpp files: owned fds,
// raw growable buffers, errno texts, the selected-map record and the
// readers. Nothing here leaves src/capture.
#pragma once

#include <linux/bpf.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "capture/capture.hpp"
#include "internal/status.hpp"

namespace ktsnap {
inline namespace v1 {
namespace capture::detail {

// An owned file descriptor (closed on destruction).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

// A byte buffer that grows with realloc and never initialises what it
// adds: the kernel writes straight into it, and large blocks grow by
// mremap instead of a copy.
class Buf {
 public:
  Buf() = default;
  ~Buf() { std::free(p_); }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  // Makes room for `n` bytes in total; false when memory is short.
  bool reserve(size_t n);
  // Frees the memory.
  void reset() {
    std::free(p_);
    p_ = nullptr;
    cap_ = 0;
  }
  uint8_t* data() { return p_; }
  const uint8_t* data() const { return p_; }
  size_t capacity() const { return cap_; }

 private:
  uint8_t* p_ = nullptr;
  size_t cap_ = 0;
};

// "EFAULT (Bad address)".
std::string errno_text(int err);
// "<what>: EPERM (Operation not permitted)" with a Code chosen from errno:
// ENOENT NotFound, EPERM/EACCES Perm, ENOMEM NoMem, EINVAL Invalid, else Io.
Error sys_error(const std::string& what, int err);

// Extended map info: the kernel's bpf_map_info plus btf_vmlinux_id, which
// newer kernels (6.9+) write into what older uapi headers call padding.
struct MapInfoX {
  bpf_map_info info{};
  uint32_t btf_vmlinux_id = 0;
};
// Fills `out` from a map fd; the errno on failure.
int map_info(int fd, MapInfoX& out);

// One selected map: its fd (keeps the map alive while it is read) and info.
struct Selected {
  Fd fd;
  MapInfoX x;
  std::string object_name;   // full object name when selected through a bpf_object
  bool struct_ops_root = false;  // the struct_ops map the selection named
};

// Resolves a Selection into maps (each once, in the order first selected).
Result<std::vector<Selected>> select_maps(const Selection& sel);

// Why map_type cannot be read ("" when it can).
std::string_view reason_for(uint32_t map_type);

// The result of reading one map.
struct ReadResult {
  Buf keys;
  Buf values;
  uint64_t count = 0;
  bool truncated = false;
  bool failed = false;
  std::string error;
};

struct ReadContext {
  uint32_t cap = 0;  // 0 = none
  bool use_mmap = true;
  std::chrono::steady_clock::time_point deadline{};
  bool has_deadline = false;
  uint32_t nr_cpus = 0;
  Stats* stats = nullptr;
  bool expired() const { return has_deadline && std::chrono::steady_clock::now() >= deadline; }
};

inline constexpr const char* kDeadlineExceeded = "deadline exceeded";

// Reads every entry of the map (up to the cap) into `out`.
void read_map(const Selected& m, const ReadContext& ctx, ReadResult& out);

// Per-CPU value stride of one entry (0 on overflow).
uint64_t entry_stride(const bpf_map_info& info, uint32_t nr_cpus);

}  // namespace capture::detail
}  // namespace v1
}  // namespace ktsnap
