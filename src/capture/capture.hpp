// Live capture: reads kernel BPF maps through the bpf() syscall into a
// report (issue "live capture"). The kernel already holds the BTF of every
// map created from a BPF object compiled with -g; a capture stores each BTF
// once, groups maps into schedulers (BPF objects), turns .bss / .data /
// .rodata / .data.* maps into the scheduler's globals, and records every map
// it cannot enumerate as an excluded map with the reason.
//
//   capture::Selection sel;
//   sel.prog_ids = {42};                       // every map program 42 uses
//   capture::Options opt;
//   opt.max_entries_per_map = 100000;
//   auto bytes = capture::capture(sel, opt);   // Result<ReportBuffer>
//
// Reading: bpf_map_lookup_batch where the map type supports it (hash,
// LRU hash, per-CPU hash, array, per-CPU array), growing the buffer and
// retrying from the same cursor on ENOSPC; else bpf_map_get_next_key +
// bpf_map_lookup_elem. Per-CPU values keep the kernel's stride
// (libbpf_num_possible_cpus() x round_up(value_size, 8)). Arrays that are
// mmap-able (BPF_F_MMAPABLE) may be read through mmap.
//
// Failures: a map that fails part-way keeps what was read before the
// failure, with its error recorded on the map (MapInfo::error); the capture
// as a whole fails only when nothing can be selected (bad arguments, no
// permission to enumerate at all, an unknown id, a pinned path that is not
// a map). The deadline stops the capture between maps and between batches:
// maps not yet read are recorded with the error "deadline exceeded".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "internal/status.hpp"
#include "report/report.hpp"

struct bpf_object;

namespace ktsnap {
inline namespace v1 {
namespace capture {

// Which maps to read. The union of every non-empty selector, each map
// once, in the order first selected; an empty Selection selects nothing
// (an error: use `all` to read every map of the machine).
struct Selection {
  std::vector<uint32_t> map_ids;
  std::vector<std::string> pinned_paths;  // bpffs paths of pinned maps
  std::vector<uint32_t> prog_ids;         // every map each program uses (its map_ids)
  uint32_t struct_ops_map_id = 0;         // a sched_ext scheduler: its programs, then all their maps
  std::string name_prefix;                // every map whose name starts with this
  const bpf_object* object = nullptr;     // every map of an object the caller loaded with libbpf
  bool all = false;                       // every map of the machine
};

struct Options {
  uint32_t max_entries_per_map = 0;      // 0 = no cap; a capped map gets kMapTruncated
  std::chrono::nanoseconds deadline{0};  // 0 = none; measured from the start of capture()
  bool use_mmap = true;                  // read BPF_F_MMAPABLE arrays through mmap
  // Report metadata.
  std::string tag;
  Trigger trigger = Trigger::OnDemand;
  // The scheduler (BPF object) to mark active. Empty: when the selection
  // names a struct_ops map, the object of that struct_ops map; otherwise
  // none.
  std::string active_scheduler;
};

// Counters of one capture (for tests, the CLI and benchmarks).
struct Stats {
  uint32_t maps_read = 0;
  uint32_t maps_excluded = 0;
  uint32_t maps_failed = 0;     // read with an error recorded
  uint32_t maps_truncated = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;           // key + value bytes copied from the kernel
  uint32_t btfs = 0;            // distinct BTF objects stored
  uint32_t batch_calls = 0;     // bpf_map_lookup_batch calls
  uint32_t elem_calls = 0;      // bpf_map_lookup_elem calls
  std::chrono::nanoseconds elapsed{0};
};

// Captures the selected maps into a finished report buffer (open it with
// Report::open_buffer). `stats` may be null.
Result<ReportBuffer> capture(const Selection& sel, const Options& opt, Stats* stats = nullptr);

// One kernel map as `ktsnap maps` lists it.
struct KernelMap {
  uint32_t id = 0;
  uint32_t type = 0;
  std::string type_name;  // libbpf_bpf_map_type_str, or "type N"
  std::string name;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t map_flags = 0;
  uint32_t btf_id = 0;
  std::string key_type;    // display name from BTF, "" without BTF
  std::string value_type;  // display name from BTF, "" without BTF
  // Entries present now (counted with get_next_key, at most count_limit);
  // -1 when the type cannot be enumerated.
  int64_t entries = -1;
};

// Every map of the machine, by id. `count_limit` bounds the entry count
// per map (0 = do not count).
Result<std::vector<KernelMap>> list_maps(uint32_t count_limit = 1000000);

// Why a map type cannot be captured ("" when it can): queue, stack, ring
// buffer, perf event array, program array, ...
std::string_view excluded_reason(uint32_t map_type);

}  // namespace capture
}  // namespace v1
}  // namespace ktsnap
