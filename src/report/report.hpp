// A report: one capture, held as a verified FlatBuffers buffer (see
// schema/report.fbs and docs/FORMAT.md). Opening verifies once, in time
// that does not grow with the number of entries; afterwards every access is
// offset arithmetic into the buffer. Nothing here renders or copies values.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.hpp"
#include "internal/status.hpp"
#include "report/buffer.hpp"

namespace ktsnap::fb {
struct Report;  // generated from schema/report.fbs
}

namespace ktsnap {
inline namespace v1 {

inline constexpr uint16_t kFormatMajor = 1;
inline constexpr uint16_t kFormatMinor = 0;
// Hard cap for any report (FlatBuffers offsets are 32-bit).
inline constexpr uint64_t kMaxReportSize = (1ull << 31) - 1;

enum MapFlags : uint32_t {
  kMapTruncated = 1u << 0,   // the entry cap stopped the read
  kMapBtfMissing = 1u << 1,  // no usable BTF: values render as hex
};

enum class Trigger : uint8_t { OnDemand = 0, Error = 1, Watch = 2, Periodic = 3 };

// bpf_map_type numbers that matter to the container.
enum : uint32_t {
  kMapTypeHash = 1, kMapTypeArray = 2, kMapTypePercpuHash = 5, kMapTypePercpuArray = 6,
  kMapTypeLruHash = 9, kMapTypeLruPercpuHash = 10, kMapTypePercpuCgroupStorage = 21,
  kMapTypeStructOps = 26,
};
bool map_type_is_percpu(uint32_t map_type);
// Short lowercase name ("hash", "percpu_array") or the decimal number.
std::string map_type_name(uint32_t map_type);

class Report;

// Per-BTF context a Value needs: the parsed BTF and the report (for
// pointer-target regions). Owned by the Report; addresses are stable.
struct ValueContext {
  const Btf* btf = nullptr;  // nullptr = no BTF (values are bytes)
  const Report* report = nullptr;
};

// One map, derived from the buffer at open time.
struct MapInfo {
  uint32_t index = 0;
  std::string_view name;
  int32_t scheduler_index = -1;
  uint32_t map_id = 0;
  uint32_t map_type = 0;
  uint32_t map_flags = 0;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t nr_cpus = 0;
  int32_t btf_index = -1;
  uint32_t key_type_id = 0;
  uint32_t value_type_id = 0;
  uint32_t vmlinux_value_type_id = 0;
  uint32_t flags = 0;
  std::string_view error;
  bool has_error = false;
  uint64_t map_kva = 0;
  uint32_t entry_count = 0;
  bool percpu = false;
  const uint8_t* keys = nullptr;
  const uint8_t* values = nullptr;
  uint64_t entry_stride = 0;  // bytes between entries in `values`
  uint64_t cpu_stride = 0;    // per-CPU maps: round_up(value_size, 8)
  const ValueContext* ctx = nullptr;
  const uint8_t* percpu_absent = nullptr;  // bitmap, nullptr = every slot read

  // False when this per-CPU slot could not be read at capture time.
  bool slot_present(uint32_t entry, uint32_t cpu) const {
    if (percpu_absent == nullptr) return true;
    uint64_t bit = uint64_t(entry) * nr_cpus + cpu;
    return !(percpu_absent[bit / 8] & (1u << (bit % 8)));
  }
  const uint8_t* key_ptr(uint32_t entry) const { return keys + uint64_t(entry) * key_size; }
  const uint8_t* value_ptr(uint32_t entry, uint32_t cpu = 0) const {
    return values + uint64_t(entry) * entry_stride + uint64_t(cpu) * cpu_stride;
  }
  bool is_global_section() const;  // name ends with .bss/.data/.rodata or holds .data.
};

struct SchedulerInfo {
  std::string_view name;
  int32_t btf_index = -1;
  bool active = false;
};

struct ExcludedMapInfo {
  std::string_view name;
  uint32_t map_id = 0;
  uint32_t map_type = 0;
  std::string_view reason;
};

struct RegionInfo {
  uint64_t address = 0;
  const uint8_t* data = nullptr;
  uint64_t size = 0;
};

struct OpenOptions {
  bool copy = false;  // open_memory: take a private copy of the bytes
};

class Report {
 public:
  // Memory-maps the file (read-only, private) and verifies it.
  static Result<std::unique_ptr<Report>> open_file(const std::string& path);
  // Borrows [data, data+size) (zero copy; the caller keeps it alive and
  // unchanged while the report lives) or copies it when opts.copy.
  static Result<std::unique_ptr<Report>> open_memory(const void* data, size_t size,
                                                     const OpenOptions& opts = {});
  // Opens a finished buffer (a builder's or a capture's), sharing it.
  static Result<std::unique_ptr<Report>> open_buffer(const ReportBuffer& buf);
  // Takes shared ownership of the memory through `owner` (ring slots).
  static Result<std::unique_ptr<Report>> open_shared(std::shared_ptr<const void> owner,
                                                     const void* data, size_t size);
  ~Report();
  Report(const Report&) = delete;
  Report& operator=(const Report&) = delete;

  // Writes a temporary file next to `path`, fsyncs it and renames it over.
  Status save(const std::string& path) const;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const fb::Report* root() const { return root_; }
  uint16_t format_major() const;
  uint16_t format_minor() const;

  // metadata
  std::string_view tag() const;
  Trigger trigger() const;
  uint64_t wall_time_ns() const;
  uint64_t monotonic_ns() const;
  uint64_t elapsed_ms() const;
  bool has_step_index() const;
  uint32_t step_index() const;
  bool is_placeholder() const;
  std::string_view placeholder_reason() const;
  std::string_view stats_json() const;  // "" when absent
  bool has_stats_json() const;

  size_t scheduler_count() const { return schedulers_.size(); }
  const SchedulerInfo& scheduler(size_t i) const { return schedulers_[i]; }
  size_t btf_count() const { return btfs_.size(); }
  const Btf* btf(size_t i) const { return btfs_[i].get(); }
  size_t map_count() const { return maps_.size(); }
  const MapInfo& map(size_t i) const { return maps_[i]; }
  const MapInfo* find_map(std::string_view name) const;  // first with that name
  size_t excluded_count() const { return excluded_.size(); }
  const ExcludedMapInfo& excluded(size_t i) const { return excluded_[i]; }
  size_t region_count() const { return regions_.size(); }
  const RegionInfo& region(size_t i) const { return regions_[i]; }
  // Region holding `address`, or nullptr. Binary search.
  const RegionInfo* find_region(uint64_t address) const;
  // Name of the scheduler flagged active (first one), or "" when none.
  std::string_view active_scheduler_name() const;
  // The attached scheduler's used-map KVAs (may be empty).
  std::span<const uint64_t> active_map_kvas() const;

 private:
  Report() = default;
  static Result<std::unique_ptr<Report>> open_verified(std::unique_ptr<Report> r);
  Status verify_and_index();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;  // munmap on destruction
  size_t mapping_size_ = 0;
  std::vector<uint8_t> copy_;
  std::shared_ptr<const void> owner_;
  const fb::Report* root_ = nullptr;

  std::vector<std::shared_ptr<const Btf>> btfs_;
  std::vector<std::unique_ptr<ValueContext>> btf_ctx_;  // one per BTF
  ValueContext no_btf_ctx_;
  std::vector<MapInfo> maps_;
  std::vector<SchedulerInfo> schedulers_;
  std::vector<ExcludedMapInfo> excluded_;
  std::vector<RegionInfo> regions_;
};

}  // namespace v1
}  // namespace ktsnap
