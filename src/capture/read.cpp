// Reading one map: bpf_map_lookup_batch straight into the final key and
// value buffers (growing on ENOSPC and retrying from the same cursor),
// get_next_key + lookup_elem for types without batch support, mmap for
// BPF_F_MMAPABLE arrays, and one lookup for a struct_ops map.
#include <bpf/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "capture/capture_internal.hpp"
#include "report/report.hpp"

namespace ktsnap {
inline namespace v1 {
namespace capture::detail {

namespace {

// A single map's keys + values stay well below the report's 2 GiB limit.
constexpr uint64_t kMapByteLimit = uint64_t(1) << 30;
// Entries per lookup_batch call to start with (grown on ENOSPC).
constexpr uint32_t kBatchEntries = 4096;
// Bytes of one batch's keys + values to aim for.
constexpr uint64_t kBatchBytes = uint64_t(8) << 20;

bool batch_type(uint32_t t) {
  return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_PERCPU_HASH ||
         t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

bool array_type(uint32_t t) { return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY; }

void set_error(ReadResult& out, std::string text) {
  out.failed = true;
  if (out.error.empty()) out.error = std::move(text);
}

// Largest entry count whose keys and values fit the per-map byte limit.
uint64_t byte_cap(uint32_t key_size, uint64_t stride) {
  uint64_t per = uint64_t(key_size) + stride;
  return per ? kMapByteLimit / per : UINT64_MAX;
}

// The entry cap of this map: the caller's cap, the byte limit, and (for
// arrays) max_entries. *limited_by_bytes says which one bound it.
uint64_t entry_cap(const bpf_map_info& info, uint64_t stride, const ReadContext& ctx) {
  uint64_t cap = ctx.cap ? ctx.cap : UINT64_MAX;
  return std::min(cap, byte_cap(info.key_size, stride));
}

void note_cap(ReadResult& out, const bpf_map_info& info, uint64_t stride, const ReadContext& ctx) {
  // Cut by the byte limit rather than the caller's cap: say so.
  uint64_t bc = byte_cap(info.key_size, stride);
  if (out.count >= bc && (ctx.cap == 0 || bc < ctx.cap))
    set_error(out, "map is larger than the " + std::to_string(kMapByteLimit >> 20) +
                       " MiB a report keeps per map; the first " + std::to_string(out.count) + " entries were kept");
}

bool grow(ReadResult& out, uint64_t entries, uint32_t key_size, uint64_t stride) {
  // Sizes come from the kernel: never trust their product. A batch may
  // reach past the per-map limit (it is cut afterwards), but not far.
  uint64_t kb = 0, vb = 0;
  if (__builtin_mul_overflow(entries, uint64_t(key_size), &kb) || __builtin_mul_overflow(entries, stride, &vb) ||
      kb + vb > 2 * kMapByteLimit) {
    set_error(out, "reading " + std::to_string(entries) + " entries of " + std::to_string(key_size) + " + " +
                       std::to_string(stride) + " bytes would pass the per-map limit of " +
                       std::to_string(kMapByteLimit >> 20) + " MiB; kept " + std::to_string(out.count) + " entries");
    return false;
  }
  if (!out.keys.reserve(std::max<uint64_t>(entries * key_size, 1)) ||
      !out.values.reserve(std::max<uint64_t>(entries * stride, 1))) {
    set_error(out, "out of memory after " + std::to_string(out.count) + " entries");
    return false;
  }
  return true;
}

// Returns false when the map type has no batch support in this kernel
// (nothing read yet): the caller falls back to element reads.
bool read_batch(int fd, const bpf_map_info& info, uint64_t stride, const ReadContext& ctx, ReadResult& out) {
  const uint32_t ks = info.key_size;
  const uint64_t cap = entry_cap(info, stride, ctx);
  uint64_t per = uint64_t(ks) + stride;
  uint64_t batch = std::clamp<uint64_t>(kBatchBytes / (per ? per : 1), 16, kBatchEntries);
  if (info.max_entries > 0) batch = std::min<uint64_t>(batch, info.max_entries);
  if (array_type(info.type)) batch = std::min<uint64_t>(batch, cap);
  batch = std::max<uint64_t>(batch, 1);
  // Cursor tokens: the hash batch token is a bucket index (u32), the
  // array one a key; key_size bytes (at least 8) cover both.
  std::vector<uint8_t> in(std::max<size_t>(ks, 8)), next(std::max<size_t>(ks, 8));
  bool first = true;
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  for (;;) {
    // Arrays ask for no more than the cap; hash maps ask for whole batches
    // (a smaller request could split a bucket: ENOSPC) and are cut after.
    uint64_t want = batch;
    if (array_type(info.type)) {
      if (out.count >= cap) {
        out.truncated = info.max_entries > out.count;
        break;
      }
      want = std::min<uint64_t>(want, cap - out.count);
    }
    if (ctx.expired()) {
      set_error(out, kDeadlineExceeded);
      break;
    }
    if (!grow(out, out.count + want, ks, stride)) break;
    uint32_t n = static_cast<uint32_t>(want);
    int err = bpf_map_lookup_batch(fd, first ? nullptr : in.data(), next.data(), out.keys.data() + out.count * ks,
                                   out.values.data() + out.count * stride, &n, &opts);
    int e = err ? errno : 0;
    if (ctx.stats) ctx.stats->batch_calls++;
    if (err && e == ENOSPC) {
      // One bucket holds more entries than the batch: grow, same cursor.
      if (info.max_entries > 0 && batch >= info.max_entries) {
        set_error(out, "bpf_map_lookup_batch: " + errno_text(e) + " with a batch of the whole map");
        break;
      }
      batch = std::min<uint64_t>(batch * 2, info.max_entries ? info.max_entries : batch * 2);
      continue;
    }
    if (err && e != ENOENT) {
      if (first && (e == EINVAL || e == EOPNOTSUPP || e == 524 /* ENOTSUPP */)) return false;
      set_error(out, "bpf_map_lookup_batch: " + errno_text(e));
      break;
    }
    out.count += std::min<uint64_t>(n, want);
    first = false;
    if (err) {  // ENOENT: the last batch
      if (out.count > cap) {
        out.count = cap;
        out.truncated = true;
      }
      break;
    }
    if (out.count > cap) {
      out.count = cap;
      out.truncated = true;
      break;
    }
    if (n == 0 && !array_type(info.type)) {
      // No progress without ENOENT: the kernel would spin; stop here.
      set_error(out, "bpf_map_lookup_batch returned no entries and no end of map");
      break;
    }
    std::memcpy(in.data(), next.data(), in.size());
  }
  if (out.truncated) note_cap(out, info, stride, ctx);
  return true;
}

// get_next_key + lookup_elem, one entry at a time.
void read_elems(int fd, const bpf_map_info& info, uint64_t stride, const ReadContext& ctx, ReadResult& out) {
  const uint32_t ks = info.key_size;
  const uint64_t cap = entry_cap(info, stride, ctx);
  // A deleted key makes get_next_key restart from the first key (hash
  // maps): bound the walk so a churning map cannot keep it going forever.
  uint64_t steps_left = (uint64_t(info.max_entries) + 1) * 4;
  std::vector<uint8_t> prev(std::max<size_t>(ks, 1));
  bool first = true;
  while (steps_left-- > 0) {
    if (out.count >= cap) {
      // Stop only when another entry exists.
      std::vector<uint8_t> probe(std::max<size_t>(ks, 1));
      if (bpf_map_get_next_key(fd, first ? nullptr : prev.data(), probe.data()) == 0) out.truncated = true;
      break;
    }
    if ((out.count & 255) == 0 && ctx.expired()) {
      set_error(out, kDeadlineExceeded);
      break;
    }
    if (!grow(out, out.count + 1, ks, stride)) break;
    uint8_t* key = out.keys.data() + out.count * ks;
    if (bpf_map_get_next_key(fd, first ? nullptr : prev.data(), key) != 0) {
      int e = errno;
      if (e != ENOENT) set_error(out, "bpf_map_get_next_key: " + errno_text(e));
      break;
    }
    first = false;
    std::memcpy(prev.data(), key, ks);
    if (ctx.stats) ctx.stats->elem_calls++;
    if (bpf_map_lookup_elem(fd, key, out.values.data() + out.count * stride) != 0) {
      int e = errno;
      if (e == ENOENT) continue;  // deleted between the two calls
      set_error(out, "bpf_map_lookup_elem: " + errno_text(e));
      break;
    }
    out.count++;
  }
  if (out.truncated) note_cap(out, info, stride, ctx);
}

// A BPF_F_MMAPABLE array read through a read-only shared mapping. The
// kernel lays elements out at round_up(value_size, 8).
bool read_mmap(int fd, const bpf_map_info& info, const ReadContext& ctx, ReadResult& out) {
  const uint64_t elem = (uint64_t(info.value_size) + 7) & ~uint64_t(7);
  const uint64_t cap = entry_cap(info, info.value_size, ctx);
  uint64_t n = std::min<uint64_t>(info.max_entries, cap);
  long page = ::sysconf(_SC_PAGESIZE);
  uint64_t len = 0;
  if (__builtin_mul_overflow(elem, uint64_t(info.max_entries), &len) || len == 0 || len > kMapByteLimit * 4)
    return false;  // the syscall path applies the limits
  len = (len + uint64_t(page) - 1) / uint64_t(page) * uint64_t(page);
  void* p = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return false;  // fall back to the syscalls
  if (!grow(out, n, 4, info.value_size)) {
    ::munmap(p, len);
    return true;
  }
  const auto* src = static_cast<const uint8_t*>(p);
  for (uint64_t i = 0; i < n; i++) {
    uint32_t k = static_cast<uint32_t>(i);
    std::memcpy(out.keys.data() + i * 4, &k, 4);
  }
  if (elem == info.value_size) {
    std::memcpy(out.values.data(), src, n * elem);
  } else {
    for (uint64_t i = 0; i < n; i++) std::memcpy(out.values.data() + i * info.value_size, src + i * elem, info.value_size);
  }
  ::munmap(p, len);
  out.count = n;
  if (n < info.max_entries) {
    out.truncated = true;
    note_cap(out, info, info.value_size, ctx);
  }
  return true;
}

void read_struct_ops(int fd, const bpf_map_info& info, ReadResult& out, const ReadContext& ctx) {
  if (!grow(out, 1, 4, info.value_size)) return;
  uint32_t key = 0;
  std::memcpy(out.keys.data(), &key, 4);
  if (ctx.stats) ctx.stats->elem_calls++;
  if (bpf_map_lookup_elem(fd, &key, out.values.data()) != 0) {
    set_error(out, "bpf_map_lookup_elem: " + errno_text(errno));
    return;
  }
  out.count = 1;
}

}  // namespace

uint64_t entry_stride(const bpf_map_info& info, uint32_t nr_cpus) {
  if (map_type_is_percpu(info.type)) return ((uint64_t(info.value_size) + 7) & ~uint64_t(7)) * nr_cpus;
  return info.value_size;
}

void read_map(const Selected& m, const ReadContext& ctx, ReadResult& out) {
  const bpf_map_info& info = m.x.info;
  const int fd = m.fd.get();
  if (ctx.expired()) {
    set_error(out, kDeadlineExceeded);
    return;
  }
  if (info.type == BPF_MAP_TYPE_STRUCT_OPS) {
    if (info.key_size != 4) {
      set_error(out, "struct_ops map with key size " + std::to_string(info.key_size) + " (expected 4)");
      return;
    }
    read_struct_ops(fd, info, out, ctx);
    return;
  }
  const uint64_t stride = entry_stride(info, ctx.nr_cpus);
  if (info.key_size == 0 || stride == 0) {
    set_error(out, "key size " + std::to_string(info.key_size) + " and value size " + std::to_string(info.value_size) +
                       " cannot be read as entries");
    return;
  }
  if (array_type(info.type) && ctx.cap == 0 && info.max_entries == 0) return;
  if (ctx.use_mmap && info.type == BPF_MAP_TYPE_ARRAY && (info.map_flags & BPF_F_MMAPABLE) && info.key_size == 4 &&
      read_mmap(fd, info, ctx, out))
    return;
  if (batch_type(info.type) && read_batch(fd, info, stride, ctx, out)) return;
  read_elems(fd, info, stride, ctx, out);
}

}  // namespace capture::detail
}  // namespace v1
}  // namespace ktsnap
