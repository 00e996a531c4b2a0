// capture(): selection, kernel BTF (once per BTF), schedulers grouped by
// BTF and object name, then every map read into the report builder.
// list_maps() and excluded_reason() live here too.
#include "capture/capture.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include "btf/btf.hpp"
#include "capture/capture_internal.hpp"
#include "report/builder.hpp"

namespace ktsnap {
inline namespace v1 {
namespace capture {

using namespace detail;

std::string_view excluded_reason(uint32_t t) {
  switch (t) {
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_STACK_TRACE:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case BPF_MAP_TYPE_LPM_TRIE:
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
    case BPF_MAP_TYPE_HASH_OF_MAPS:
    case BPF_MAP_TYPE_CGROUP_STORAGE:
    case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
    case BPF_MAP_TYPE_STRUCT_OPS: return "";
    case BPF_MAP_TYPE_UNSPEC: return "map type 0 (unspec) holds nothing to read";
    case BPF_MAP_TYPE_PROG_ARRAY:
      return "program array: its slots hold references to programs (tail calls), not data";
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
      return "perf event array: its slots hold perf event file descriptors; records stream through perf buffers";
    case BPF_MAP_TYPE_CGROUP_ARRAY: return "cgroup array: its slots hold references to cgroups, not data";
    case BPF_MAP_TYPE_DEVMAP:
    case BPF_MAP_TYPE_DEVMAP_HASH: return "device map: its entries are references to network devices, not data";
    case BPF_MAP_TYPE_SOCKMAP:
    case BPF_MAP_TYPE_SOCKHASH:
    case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY:
    case BPF_MAP_TYPE_XSKMAP: return "socket map: its entries are references to sockets, not data";
    case BPF_MAP_TYPE_CPUMAP: return "CPU map: its entries are XDP redirect queues, not data";
    case BPF_MAP_TYPE_QUEUE:
      return "queue: it has no keys to enumerate, and the only way to read an element removes it";
    case BPF_MAP_TYPE_STACK:
      return "stack: it has no keys to enumerate, and the only way to read an element removes it";
    case BPF_MAP_TYPE_SK_STORAGE:
    case BPF_MAP_TYPE_INODE_STORAGE:
    case BPF_MAP_TYPE_TASK_STORAGE:
    case 32:  // BPF_MAP_TYPE_CGRP_STORAGE
      return "local storage: values are looked up by the file descriptor of their owner (socket, inode, task or "
             "cgroup); the map cannot be enumerated";
    case BPF_MAP_TYPE_RINGBUF:
    case BPF_MAP_TYPE_USER_RINGBUF: return "ring buffer: a stream of records, not key/value entries";
    case BPF_MAP_TYPE_BLOOM_FILTER: return "bloom filter: it answers membership queries and holds no entries to list";
    case 33:  // BPF_MAP_TYPE_ARENA
      return "arena: shared memory pages read by mapping them, not key/value entries";
    default: return "map type unknown to this library (newer than it)";
  }
}

std::string_view detail::reason_for(uint32_t t) { return excluded_reason(t); }

namespace {

uint64_t clock_ns(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

struct BtfFree {
  void operator()(struct btf* b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<struct btf, BtfFree>;

// True when kernel BTF `id` belongs to a module (kernel BTF not named
// vmlinux); program BTF and vmlinux stand alone.
bool is_module_btf(uint32_t id) {
  int fd = bpf_btf_get_fd_by_id(id);
  if (fd < 0) return false;
  char name[64] = {};
  bpf_btf_info info;
  std::memset(&info, 0, sizeof info);
  info.name = reinterpret_cast<uintptr_t>(name);
  info.name_len = sizeof name;
  uint32_t len = sizeof info;
  bool ok = bpf_obj_get_info_by_fd(fd, &info, &len) == 0;
  ::close(fd);
  name[sizeof name - 1] = '\0';
  return ok && info.kernel_btf && std::strcmp(name, "vmlinux") != 0;
}

// Kernel BTF objects: each loaded once (before the report is built, so
// their size is known) and added to the report once, on first use.
class KernelBtfs {
 public:
  // Loads kernel BTF `id` (a module's split on vmlinux); false when it
  // cannot be loaded.
  bool load(uint32_t id) {
    if (id == 0) return false;
    auto [it, fresh] = by_id_.try_emplace(id);
    Entry& e = it->second;
    if (!fresh) return e.btf != nullptr;
    if (is_module_btf(id)) {
      // A module's BTF is split on vmlinux: stored as the split part, on
      // the vmlinux blob as its base.
      if (const Entry* vm = load_vmlinux()) e.btf.reset(btf__load_from_kernel_by_id_split(id, vm->btf.get()));
      e.split = true;
    } else {
      e.btf.reset(btf__load_from_kernel_by_id(id));
    }
    return e.btf != nullptr;
  }

  // Loads the BTF of a struct_ops map's value type: its btf_vmlinux_id
  // when the kernel reports one (6.9+), else vmlinux.
  void load_for_struct_ops(uint32_t btf_vmlinux_id) {
    if (btf_vmlinux_id) load(btf_vmlinux_id);
    else load_vmlinux();
  }

  // Raw bytes of everything loaded: what the report will store at most.
  uint64_t raw_bytes() const {
    uint64_t n = vmlinux_.btf ? raw(vmlinux_.btf.get()).size() : 0;
    for (const auto& [id, e] : by_id_)
      if (e.btf) n += raw(e.btf.get()).size();
    return n;
  }

  // The builder the report indices below refer to.
  void attach(ReportBuilder& b) { b_ = &b; }

  // Report index of kernel BTF `id`, -1 when it cannot be loaded.
  int32_t get(uint32_t id) {
    if (!load(id)) return -1;
    Entry& e = by_id_[id];
    if (!e.added) {
      int32_t base = e.split ? vmlinux() : -1;
      e.idx = e.split && base < 0 ? -1 : add(e.btf.get(), base);
      e.added = true;
    }
    return e.idx;
  }

  // vmlinux BTF (for struct_ops value types), -1 when unavailable.
  int32_t vmlinux() {
    if (load_vmlinux() == nullptr) return -1;
    if (!vmlinux_.added) {
      vmlinux_.idx = add(vmlinux_.btf.get(), -1);
      vmlinux_.added = true;
    }
    return vmlinux_.idx;
  }

  int32_t for_struct_ops(uint32_t btf_vmlinux_id) {
    return btf_vmlinux_id ? get(btf_vmlinux_id) : vmlinux();
  }

  uint32_t count() const { return added_; }

 private:
  struct Entry {
    BtfPtr btf;
    bool split = false;
    bool added = false;
    int32_t idx = -1;
  };

  const Entry* load_vmlinux() {
    if (!vmlinux_tried_) {
      vmlinux_tried_ = true;
      vmlinux_.btf.reset(btf__load_vmlinux_btf());
    }
    return vmlinux_.btf ? &vmlinux_ : nullptr;
  }

  static std::span<const uint8_t> raw(const struct btf* b) {
    uint32_t size = 0;
    const void* p = btf__raw_data(b, &size);
    return {static_cast<const uint8_t*>(p), p ? size : 0};
  }

  int32_t add(const struct btf* b, int32_t base) {
    std::span<const uint8_t> bytes = raw(b);
    if (bytes.empty()) return -1;
    auto r = b_->add_btf(bytes, base);
    if (!r.ok()) return -1;
    if (uint32_t(r.value()) >= added_) added_ = uint32_t(r.value()) + 1;
    return r.value();
  }

  ReportBuilder* b_ = nullptr;
  std::map<uint32_t, Entry> by_id_;
  Entry vmlinux_;
  bool vmlinux_tried_ = false;
  uint32_t added_ = 0;
};

bool is_global_section_name(std::string_view n) {
  return n.ends_with(".bss") || n.ends_with(".data") || n.ends_with(".rodata") ||
         n.find(".data.") != std::string_view::npos;
}

// libbpf cuts an object's name to 8 characters in its global-section map
// names: "capture_fixture" and "capture_" name the same object.
bool same_object(std::string_view a, std::string_view b) {
  if (a == b) return true;
  constexpr size_t kCut = 8;
  return (a.size() == kCut && b.size() > kCut && b.starts_with(a)) ||
         (b.size() == kCut && a.size() > kCut && a.starts_with(b));
}

struct Group {
  uint32_t btf_id = 0;
  std::string name;
  bool has_struct_ops_root = false;
  int32_t index = -1;  // scheduler index in the report
};

}  // namespace

Result<ReportBuffer> capture(const Selection& sel, const Options& opt, Stats* stats) {
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t wall0 = clock_ns(CLOCK_REALTIME), mono0 = clock_ns(CLOCK_MONOTONIC);
  Stats local;
  Stats& st = stats ? *stats : local;
  st = Stats{};
  if (opt.deadline.count() < 0) return make_error(Code::Invalid, "deadline is negative");

  auto selected = select_maps(sel);
  if (!selected.ok()) return selected.take_error();
  std::vector<Selected>& maps = selected.value();

  int ncpus = 0;
  bool need_cpus = std::any_of(maps.begin(), maps.end(),
                               [](const Selected& m) { return map_type_is_percpu(m.x.info.type); });
  if (need_cpus) ncpus = libbpf_num_possible_cpus();

  // Groups: one per object BTF, named after the object.
  std::vector<Group> groups;
  auto group_of = [&](uint32_t btf_id) -> Group* {
    for (auto& g : groups)
      if (g.btf_id == btf_id) return &g;
    return nullptr;
  };
  for (const Selected& m : maps) {
    const bpf_map_info& i = m.x.info;
    if (i.btf_id == 0 || !excluded_reason(i.type).empty()) continue;
    Group* g = group_of(i.btf_id);
    if (g == nullptr) g = &groups.emplace_back(Group{i.btf_id, {}, false, -1});
    if (m.struct_ops_root) g->has_struct_ops_root = true;
  }
  for (Group& g : groups) {
    // Name: the prefix of a global-section map, else the object the caller
    // passed, else the struct_ops map's name.
    std::string by_global, by_object, by_struct_ops;
    for (const Selected& m : maps) {
      if (m.x.info.btf_id != g.btf_id) continue;
      std::string_view n = m.x.info.name;
      if (by_global.empty() && is_global_section_name(n) && n.find('.') > 0) by_global = n.substr(0, n.find('.'));
      if (by_object.empty() && !m.object_name.empty()) by_object = m.object_name;
      if (by_struct_ops.empty() && m.x.info.type == BPF_MAP_TYPE_STRUCT_OPS) by_struct_ops = n;
    }
    g.name = !by_global.empty() ? by_global : !by_object.empty() ? by_object : by_struct_ops;
  }

  // 1. Read every map and load every BTF they need, so that the report's
  // size is known before it is built: the builder then reserves its
  // buffer once and copies each map's bytes exactly once.
  ReadContext ctx;
  ctx.cap = opt.max_entries_per_map;
  ctx.use_mmap = opt.use_mmap;
  ctx.has_deadline = opt.deadline.count() > 0;
  ctx.deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(opt.deadline);
  ctx.nr_cpus = ncpus > 0 ? static_cast<uint32_t>(ncpus) : 0;
  ctx.stats = &st;

  KernelBtfs btfs;
  std::vector<ReadResult> reads(maps.size());
  uint64_t size_hint = 64 << 10;  // tables, names and metadata
  for (size_t k = 0; k < maps.size(); k++) {
    const bpf_map_info& i = maps[k].x.info;
    if (!excluded_reason(i.type).empty()) continue;
    if (i.type == BPF_MAP_TYPE_STRUCT_OPS) {
      if (i.btf_vmlinux_value_type_id) btfs.load_for_struct_ops(maps[k].x.btf_vmlinux_id);
    } else {
      btfs.load(i.btf_id);
    }
    ReadResult& rr = reads[k];
    if (map_type_is_percpu(i.type) && ncpus <= 0) {
      rr.failed = true;
      rr.error = "libbpf_num_possible_cpus failed: " + errno_text(ncpus < 0 ? -ncpus : EINVAL);
    } else {
      read_map(maps[k], ctx, rr);
    }
    size_hint += rr.count * (uint64_t(i.key_size) + entry_stride(i, ctx.nr_cpus)) + 64;
  }
  size_hint += btfs.raw_bytes();

  // 2. Build the report.
  ReportBuilder b(static_cast<size_t>(std::min<uint64_t>(size_hint, kMaxReportSize)));
  btfs.attach(b);
  bool any_active = false;
  for (Group& g : groups) {
    if (g.name.empty()) continue;
    int32_t bi = btfs.get(g.btf_id);
    bool active = opt.active_scheduler.empty() ? g.has_struct_ops_root
                                               : (!any_active && same_object(g.name, opt.active_scheduler));
    auto r = b.add_scheduler(g.name, bi, active);
    if (!r.ok()) return r.take_error();
    g.index = r.value();
    any_active = any_active || active;
  }
  if (!opt.active_scheduler.empty() && !any_active) {
    // Named by the caller but none of its maps selected: keep the name.
    auto r = b.add_scheduler(opt.active_scheduler, -1, true);
    if (!r.ok()) return r.take_error();
  }

  for (size_t k = 0; k < maps.size(); k++) {
    const bpf_map_info& i = maps[k].x.info;
    std::string_view why = excluded_reason(i.type);
    if (!why.empty()) {
      if (Status s = b.add_excluded(i.name, i.id, i.type, why); !s.ok()) return s.take_error();
      st.maps_excluded++;
      continue;
    }
    MapSpec spec;
    spec.name = i.name;
    spec.map_id = i.id;
    spec.map_type = i.type;
    spec.map_flags = i.map_flags;
    spec.key_size = i.key_size;
    spec.value_size = i.value_size;
    spec.max_entries = i.max_entries;
    if (map_type_is_percpu(i.type)) spec.nr_cpus = ctx.nr_cpus ? ctx.nr_cpus : 1;
    if (Group* g = i.btf_id ? group_of(i.btf_id) : nullptr) spec.scheduler_index = g->index;
    if (i.type == BPF_MAP_TYPE_STRUCT_OPS) {
      spec.vmlinux_value_type_id = i.btf_vmlinux_value_type_id;
      if (i.btf_vmlinux_value_type_id) {
        spec.btf_index = btfs.for_struct_ops(maps[k].x.btf_vmlinux_id);
        spec.value_type_id = i.btf_vmlinux_value_type_id;
      }
    } else {
      spec.btf_index = btfs.get(i.btf_id);
      spec.key_type_id = i.btf_key_type_id;
      spec.value_type_id = i.btf_value_type_id;
    }
    if (spec.btf_index < 0) spec.key_type_id = spec.value_type_id = 0;

    ReadResult& rr = reads[k];
    if (rr.truncated) spec.flags |= kMapTruncated;
    if (spec.btf_index < 0 || spec.value_type_id == 0) spec.flags |= kMapBtfMissing;
    spec.has_error = rr.failed;
    spec.error = rr.error;
    uint64_t stride = ReportBuilder::value_stride(spec);
    uint64_t keys_len = rr.count * spec.key_size, vals_len = rr.count * stride;
    std::span<const uint8_t> keys(rr.keys.data(), rr.keys.data() ? keys_len : 0);
    std::span<const uint8_t> vals(rr.values.data(), rr.values.data() ? vals_len : 0);
    auto added = b.add_map(spec, keys, vals);
    if (!added.ok() && added.error().code == Code::Invalid && spec.btf_index >= 0) {
      // The kernel's type ids do not fit the sizes: keep the bytes untyped.
      spec.btf_index = -1;
      spec.key_type_id = spec.value_type_id = 0;
      spec.flags |= kMapBtfMissing;
      added = b.add_map(spec, keys, vals);
    }
    if (!added.ok()) return added.take_error();
    st.maps_read++;
    if (rr.failed) st.maps_failed++;
    if (rr.truncated) st.maps_truncated++;
    st.entries += rr.count;
    st.bytes += keys_len + vals_len;
    rr.keys.reset();  // the report holds the bytes now
    rr.values.reset();
  }

  ReportMetadata md;
  md.tag = opt.tag;
  md.trigger = opt.trigger;
  md.wall_time_ns = wall0;
  md.monotonic_ns = mono0;
  auto elapsed = std::chrono::steady_clock::now() - t0;
  md.elapsed_ms = uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
  b.set_metadata(md);
  st.btfs = btfs.count();
  auto out = b.finish_buffer();
  st.elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0);
  return out;
}

Result<std::vector<KernelMap>> list_maps(uint32_t count_limit) {
  std::vector<KernelMap> out;
  std::map<uint32_t, std::shared_ptr<const Btf>> btf_cache;
  uint32_t id = 0;
  for (;;) {
    if (bpf_map_get_next_id(id, &id) != 0) {
      int e = errno;
      if (e == ENOENT) break;
      return sys_error("listing maps: bpf_map_get_next_id", e);
    }
    int raw_fd = bpf_map_get_fd_by_id(id);
    if (raw_fd < 0) {
      int e = errno;
      if (e == ENOENT) continue;
      return sys_error("listing maps: bpf_map_get_fd_by_id(" + std::to_string(id) + ")", e);
    }
    Fd fd(raw_fd);
    MapInfoX x;
    if (int e = map_info(fd.get(), x); e != 0) return sys_error("listing maps: bpf_obj_get_info_by_fd", e);
    const bpf_map_info& i = x.info;
    KernelMap k;
    k.id = i.id;
    k.type = i.type;
    const char* tn = libbpf_bpf_map_type_str(static_cast<bpf_map_type>(i.type));
    k.type_name = tn ? tn : "type " + std::to_string(i.type);
    k.name = i.name;
    k.key_size = i.key_size;
    k.value_size = i.value_size;
    k.max_entries = i.max_entries;
    k.map_flags = i.map_flags;
    k.btf_id = i.btf_id;
    if (i.btf_id) {
      auto it = btf_cache.find(i.btf_id);
      if (it == btf_cache.end()) {
        struct btf* kb = btf__load_from_kernel_by_id(i.btf_id);
        it = btf_cache.emplace(i.btf_id, kb ? Btf::adopt(kb) : nullptr).first;
      }
      if (const Btf* bt = it->second.get()) {
        if (i.btf_key_type_id && bt->valid_id(i.btf_key_type_id)) k.key_type = bt->type_display_name(i.btf_key_type_id);
        if (i.btf_value_type_id && bt->valid_id(i.btf_value_type_id))
          k.value_type = bt->type_display_name(i.btf_value_type_id);
      }
    }
    if (count_limit > 0 && excluded_reason(i.type).empty() && i.type != BPF_MAP_TYPE_STRUCT_OPS) {
      if (i.type == BPF_MAP_TYPE_ARRAY || i.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
        k.entries = std::min<int64_t>(i.max_entries, count_limit);
      } else if (i.key_size > 0) {
        std::vector<uint8_t> a(i.key_size), nb(i.key_size);
        int64_t n = 0;
        bool first = true;
        while (n < int64_t(count_limit) && bpf_map_get_next_key(fd.get(), first ? nullptr : a.data(), nb.data()) == 0) {
          first = false;
          a.swap(nb);
          n++;
        }
        k.entries = n;
      }
    }
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace capture
}  // namespace v1
}  // namespace ktsnap
