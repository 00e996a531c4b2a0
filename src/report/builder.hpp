// Builds a report buffer: for live capture and for embedders that read
// BPF state by themselves (a VMM reading guest memory). Every add_* checks
// its input so that finish() yields a buffer that Report opens.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "internal/status.hpp"
#include "report/buffer.hpp"
#include "report/report.hpp"

namespace ktsnap {
inline namespace v1 {

struct MapSpec {
  std::string name;
  int32_t scheduler_index = -1;
  uint32_t map_id = 0;
  uint32_t map_type = 0;
  uint32_t map_flags = 0;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t nr_cpus = 0;  // per-CPU map types: required (> 0)
  int32_t btf_index = -1;
  uint32_t key_type_id = 0;
  uint32_t value_type_id = 0;
  uint32_t vmlinux_value_type_id = 0;
  uint32_t flags = 0;  // MapFlags
  std::string error;
  bool has_error = false;
  uint64_t map_kva = 0;
  // Per-CPU maps only: (entry, cpu) slots that could not be read, as a
  // bitmap of entry_count * nr_cpus bits (LSB first); empty = all read.
  std::vector<uint8_t> percpu_absent;
};

struct ReportMetadata {
  std::string tag;
  Trigger trigger = Trigger::OnDemand;
  uint64_t wall_time_ns = 0;
  uint64_t monotonic_ns = 0;
  uint64_t elapsed_ms = 0;
  bool has_step_index = false;
  uint32_t step_index = 0;
  bool placeholder = false;
  std::string placeholder_reason;
};

class ReportBuilder {
 public:
  ReportBuilder();
  // size_hint: bytes the finished report is expected to take. The buffer
  // is reserved once at that size (untouched pages cost nothing), so the
  // builder does not regrow and copy what it already holds.
  explicit ReportBuilder(size_t size_hint);
  ~ReportBuilder();
  ReportBuilder(const ReportBuilder&) = delete;
  ReportBuilder& operator=(const ReportBuilder&) = delete;

  // Adds a raw BTF blob (validated by parsing it); identical blobs on the
  // same base are stored once. Returns its index.
  Result<int32_t> add_btf(std::span<const uint8_t> raw, int32_t base_index = -1);
  Result<int32_t> add_scheduler(std::string_view name, int32_t btf_index, bool active);
  // keys: entry_count * key_size bytes; values: entry_count * stride where
  // stride = value_size, or nr_cpus * round_up(value_size, 8) for per-CPU
  // maps. entry_count is derived and checked against both blobs.
  Result<int32_t> add_map(const MapSpec& spec, std::span<const uint8_t> keys,
                          std::span<const uint8_t> values);
  Status add_excluded(std::string_view name, uint32_t map_id, uint32_t map_type, std::string_view reason);
  Status add_region(uint64_t address, std::span<const uint8_t> bytes);
  void set_stats_json(std::string_view json);
  void set_metadata(const ReportMetadata& md);
  // The attached scheduler's used-map KVAs (struct_ops used_maps).
  void set_active_map_kvas(std::span<const uint64_t> kvas);

  size_t map_count() const;
  // Produces the report. The builder cannot be used afterwards (a new one
  // is needed). finish_buffer() hands over the builder's own buffer;
  // finish() copies it into a vector.
  Result<ReportBuffer> finish_buffer();
  Result<std::vector<uint8_t>> finish();

  // Value stride of one entry for a map spec (0 if the spec is invalid).
  static uint64_t value_stride(const MapSpec& spec);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace v1
}  // namespace ktsnap
