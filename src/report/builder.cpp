#include "report/builder.hpp"

#include <algorithm>
#include <cstring>

#include "report_generated.h"

namespace ktsnap {
inline namespace v1 {

namespace {
// Leave room for tables, strings and alignment below the 2 GiB FlatBuffers
// limit; a payload that does not fit is refused before it is copied.
constexpr uint64_t kPayloadLimit = kMaxReportSize - (16u << 20);
}  // namespace

struct ReportBuilder::Impl {
  explicit Impl(size_t size_hint) : fbb(size_hint) {}
  flatbuffers::FlatBufferBuilder fbb;
  uint64_t payload = 0;
  bool finished = false;

  struct BtfEntry {
    std::shared_ptr<const Btf> btf;
    int32_t base_index;
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> data;
  };
  std::vector<BtfEntry> btfs;

  struct SchedEntry {
    flatbuffers::Offset<flatbuffers::String> name;
    int32_t btf_index;
    bool active;
  };
  std::vector<SchedEntry> scheds;

  struct MapEntry {
    MapSpec spec;  // name/error strings already in the buffer
    uint32_t entry_count;
    flatbuffers::Offset<flatbuffers::String> name, error;
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> keys, values, absent;
  };
  std::vector<MapEntry> maps;

  struct ExEntry {
    flatbuffers::Offset<flatbuffers::String> name, reason;
    uint32_t map_id, map_type;
  };
  std::vector<ExEntry> excluded;

  struct RegionEntry {
    uint64_t address, size;
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> data;
  };
  std::vector<RegionEntry> regions;

  flatbuffers::Offset<flatbuffers::String> stats;
  bool has_stats = false;
  ReportMetadata md;
  bool has_md = false;
  std::vector<uint64_t> active_kvas;

  Status reserve(uint64_t bytes, const std::string& what) {
    if (finished) return make_error(Code::Invalid, "report builder already finished");
    if (bytes > kPayloadLimit || payload + bytes > kPayloadLimit)
      return make_error(Code::Range, what + " of " + std::to_string(bytes) + " bytes would take the report past its " +
                                         std::to_string(kPayloadLimit) + "-byte limit");
    payload += bytes;
    return {};
  }

  flatbuffers::Offset<flatbuffers::Vector<uint8_t>> bytes8(std::span<const uint8_t> b) {
    // 8-byte alignment so 64-bit fields inside values can be read in place.
    fbb.ForceVectorAlignment(b.size(), 1, 8);
    return fbb.CreateVector(b.data(), b.size());
  }
};

namespace {
constexpr size_t kDefaultSizeHint = 1 << 16;
// A hint is a reservation of address space; cap it at what a report can be.
constexpr size_t kMaxSizeHint = kMaxReportSize;
}  // namespace

ReportBuilder::ReportBuilder() : impl_(std::make_unique<Impl>(kDefaultSizeHint)) {}
ReportBuilder::ReportBuilder(size_t size_hint)
    : impl_(std::make_unique<Impl>(std::clamp<size_t>(size_hint, kDefaultSizeHint, kMaxSizeHint))) {}
ReportBuilder::~ReportBuilder() = default;

size_t ReportBuilder::map_count() const { return impl_->maps.size(); }

uint64_t ReportBuilder::value_stride(const MapSpec& s) {
  if (map_type_is_percpu(s.map_type)) return ((uint64_t(s.value_size) + 7) & ~uint64_t(7)) * s.nr_cpus;
  return s.value_size;
}

Result<int32_t> ReportBuilder::add_btf(std::span<const uint8_t> raw, int32_t base_index) {
  Impl& I = *impl_;
  if (base_index < -1 || base_index >= static_cast<int32_t>(I.btfs.size()))
    return make_error(Code::Invalid, "BTF base index " + std::to_string(base_index) + " does not name an added BTF (" +
                                         std::to_string(I.btfs.size()) + " so far)");
  if (raw.empty()) return make_error(Code::Format, "BTF blob is empty");
  if (raw.data() == nullptr) return make_error(Code::Invalid, "BTF blob is NULL");
  auto parsed = Btf::from_raw(raw.data(), raw.size(), base_index >= 0 ? I.btfs[base_index].btf : nullptr);
  if (!parsed.ok()) return parsed.take_error();
  // The cache returns the same object for the same bytes on the same base.
  for (size_t i = 0; i < I.btfs.size(); i++)
    if (I.btfs[i].btf == parsed.value() && I.btfs[i].base_index == base_index) return static_cast<int32_t>(i);
  Status st = I.reserve(raw.size(), "BTF blob");
  if (!st.ok()) return st.take_error();
  I.btfs.push_back({parsed.value(), base_index, I.bytes8(raw)});
  return static_cast<int32_t>(I.btfs.size() - 1);
}

Result<int32_t> ReportBuilder::add_scheduler(std::string_view name, int32_t btf_index, bool active) {
  Impl& I = *impl_;
  if (btf_index < -1 || btf_index >= static_cast<int32_t>(I.btfs.size()))
    return make_error(Code::Invalid, "scheduler " + std::string(name) + ": BTF index " + std::to_string(btf_index) +
                                         " does not name an added BTF");
  Status st = I.reserve(name.size(), "scheduler name");
  if (!st.ok()) return st.take_error();
  I.scheds.push_back({I.fbb.CreateString(name.data(), name.size()), btf_index, active});
  return static_cast<int32_t>(I.scheds.size() - 1);
}

Result<int32_t> ReportBuilder::add_map(const MapSpec& s, std::span<const uint8_t> keys,
                                       std::span<const uint8_t> values) {
  Impl& I = *impl_;
  std::string who = "map " + s.name;
  if (s.scheduler_index < -1 || s.scheduler_index >= static_cast<int32_t>(I.scheds.size()))
    return make_error(Code::Invalid, who + ": scheduler index " + std::to_string(s.scheduler_index) +
                                         " does not name an added scheduler");
  if (s.btf_index < -1 || s.btf_index >= static_cast<int32_t>(I.btfs.size()))
    return make_error(Code::Invalid, who + ": BTF index " + std::to_string(s.btf_index) +
                                         " does not name an added BTF");
  bool percpu = map_type_is_percpu(s.map_type);
  if (percpu && (s.nr_cpus == 0 || s.nr_cpus > 8192))
    return make_error(Code::Invalid, who + " is a per-CPU map: nr_cpus must be 1..8192, not " + std::to_string(s.nr_cpus));
  if ((!keys.empty() && keys.data() == nullptr) || (!values.empty() && values.data() == nullptr))
    return make_error(Code::Invalid, who + ": keys or values pointer is NULL with a non-zero size");
  uint64_t stride = value_stride(s);
  uint64_t count;
  if (s.key_size > 0) {
    if (keys.size() % s.key_size != 0)
      return make_error(Code::Invalid, who + ": keys blob of " + std::to_string(keys.size()) +
                                           " bytes is not a multiple of key_size " + std::to_string(s.key_size));
    count = keys.size() / s.key_size;
  } else {
    if (!keys.empty()) return make_error(Code::Invalid, who + ": key_size is 0 but keys were given");
    if (stride == 0) {
      if (!values.empty()) return make_error(Code::Invalid, who + ": value stride is 0 but values were given");
      count = 0;
    } else {
      count = values.size() / stride;
    }
  }
  if (count * stride != values.size())
    return make_error(Code::Invalid, who + ": values blob is " + std::to_string(values.size()) + " bytes, expected " +
                                         std::to_string(count) + " entries x " + std::to_string(stride) + " bytes" +
                                         (percpu ? " (nr_cpus x round_up(value_size, 8))" : ""));
  if (count > UINT32_MAX) return make_error(Code::Range, who + ": more than 2^32-1 entries");
  if (s.btf_index >= 0) {
    const Btf& b = *I.btfs[s.btf_index].btf;
    for (auto [what, id, want] : {std::tuple<const char*, uint32_t, uint32_t>{"key", s.key_type_id, s.key_size},
                                  {"value", s.value_type_id, s.value_size}}) {
      if (id == 0) continue;
      if (!b.valid_id(id))
        return make_error(Code::Invalid, who + ": " + what + " type id " + std::to_string(id) + " is out of range");
      auto sz = b.size(id);
      if (!sz || *sz != want)
        return make_error(Code::Invalid, who + ": " + what + " type " + b.type_display_name(id) + " is " +
                                             (sz ? std::to_string(*sz) : std::string("of unknown size")) +
                                             " bytes, the map's " + what + " size is " + std::to_string(want));
    }
  }
  if (!s.percpu_absent.empty()) {
    uint64_t want = percpu ? (count * s.nr_cpus + 7) / 8 : 0;
    if (!percpu || s.percpu_absent.size() != want)
      return make_error(Code::Invalid, who + ": absent-slot bitmap is " + std::to_string(s.percpu_absent.size()) +
                                           " bytes, expected " + std::to_string(want) +
                                           (percpu ? " (entries x nr_cpus bits)" : " (not a per-CPU map)"));
  }
  Status st = I.reserve(uint64_t(keys.size()) + values.size() + s.name.size() + s.error.size() +
                            s.percpu_absent.size(), who);
  if (!st.ok()) return st.take_error();
  Impl::MapEntry e;
  e.spec = s;
  e.entry_count = static_cast<uint32_t>(count);
  e.name = I.fbb.CreateString(s.name);
  if (s.has_error || !s.error.empty()) e.error = I.fbb.CreateString(s.error);
  e.keys = I.bytes8(keys);
  e.values = I.bytes8(values);
  if (!s.percpu_absent.empty()) e.absent = I.fbb.CreateVector(s.percpu_absent);
  I.maps.push_back(std::move(e));
  return static_cast<int32_t>(I.maps.size() - 1);
}

Status ReportBuilder::add_excluded(std::string_view name, uint32_t map_id, uint32_t map_type, std::string_view reason) {
  Impl& I = *impl_;
  Status st = I.reserve(name.size() + reason.size(), "excluded map");
  if (!st.ok()) return st;
  I.excluded.push_back({I.fbb.CreateString(name.data(), name.size()), I.fbb.CreateString(reason.data(), reason.size()),
                        map_id, map_type});
  return {};
}

Status ReportBuilder::add_region(uint64_t address, std::span<const uint8_t> bytes) {
  Impl& I = *impl_;
  if (bytes.empty()) return make_error(Code::Invalid, "region is empty");
  if (bytes.data() == nullptr) return make_error(Code::Invalid, "region bytes are NULL");
  if (address + bytes.size() < address)
    return make_error(Code::Invalid, "region at address " + std::to_string(address) + " wraps past the end");
  Status st = I.reserve(bytes.size(), "region");
  if (!st.ok()) return st;
  I.regions.push_back({address, bytes.size(), I.bytes8(bytes)});
  return {};
}

void ReportBuilder::set_stats_json(std::string_view json) {
  Impl& I = *impl_;
  if (!I.reserve(json.size(), "stats JSON").ok()) return;
  I.stats = I.fbb.CreateString(json.data(), json.size());
  I.has_stats = true;
}

void ReportBuilder::set_active_map_kvas(std::span<const uint64_t> kvas) {
  impl_->active_kvas.assign(kvas.begin(), kvas.end());
}

void ReportBuilder::set_metadata(const ReportMetadata& md) {
  impl_->md = md;
  impl_->has_md = true;
}

Result<std::vector<uint8_t>> ReportBuilder::finish() {
  auto built = finish_buffer();
  if (!built.ok()) return built.take_error();
  return built.value().to_vector();
}

Result<ReportBuffer> ReportBuilder::finish_buffer() {
  Impl& I = *impl_;
  if (I.finished) return make_error(Code::Invalid, "report builder already finished");
  auto& fbb = I.fbb;

  std::sort(I.regions.begin(), I.regions.end(),
            [](const Impl::RegionEntry& a, const Impl::RegionEntry& b) { return a.address < b.address; });
  for (size_t i = 1; i < I.regions.size(); i++)
    if (I.regions[i].address < I.regions[i - 1].address + I.regions[i - 1].size)
      return make_error(Code::Invalid, "regions at " + std::to_string(I.regions[i - 1].address) + " and " +
                                           std::to_string(I.regions[i].address) + " overlap");

  std::vector<flatbuffers::Offset<fb::BtfBlob>> btfs;
  for (auto& b : I.btfs) btfs.push_back(fb::CreateBtfBlob(fbb, b.data, b.base_index));
  std::vector<flatbuffers::Offset<fb::Scheduler>> scheds;
  for (auto& s : I.scheds) scheds.push_back(fb::CreateScheduler(fbb, s.name, s.btf_index, s.active));
  std::vector<flatbuffers::Offset<fb::Map>> maps;
  for (auto& m : I.maps) {
    const MapSpec& s = m.spec;
    fb::MapBuilder mb(fbb);
    mb.add_name(m.name);
    mb.add_scheduler_index(s.scheduler_index);
    mb.add_map_id(s.map_id);
    mb.add_map_type(s.map_type);
    mb.add_map_flags(s.map_flags);
    mb.add_key_size(s.key_size);
    mb.add_value_size(s.value_size);
    mb.add_max_entries(s.max_entries);
    mb.add_nr_cpus(map_type_is_percpu(s.map_type) ? s.nr_cpus : 0);
    mb.add_btf_index(s.btf_index);
    mb.add_btf_key_type_id(s.key_type_id);
    mb.add_btf_value_type_id(s.value_type_id);
    mb.add_btf_vmlinux_value_type_id(s.vmlinux_value_type_id);
    mb.add_flags(s.flags);
    if (!m.error.IsNull()) mb.add_error(m.error);
    mb.add_entry_count(m.entry_count);
    mb.add_keys(m.keys);
    mb.add_values(m.values);
    mb.add_map_kva(s.map_kva);
    if (!m.absent.IsNull()) mb.add_percpu_absent(m.absent);
    maps.push_back(mb.Finish());
  }
  std::vector<flatbuffers::Offset<fb::ExcludedMap>> excluded;
  for (auto& e : I.excluded) excluded.push_back(fb::CreateExcludedMap(fbb, e.name, e.map_id, e.map_type, e.reason));
  std::vector<flatbuffers::Offset<fb::Region>> regions;
  for (auto& r : I.regions) regions.push_back(fb::CreateRegion(fbb, r.address, r.data));

  const ReportMetadata& md = I.md;
  auto tag = fbb.CreateString(md.tag);
  flatbuffers::Offset<flatbuffers::String> reason;
  if (md.placeholder) reason = fbb.CreateString(md.placeholder_reason);
  auto meta = fb::CreateMetadata(fbb, tag, static_cast<fb::Trigger>(md.trigger), md.wall_time_ns, md.monotonic_ns,
                                 md.elapsed_ms, md.has_step_index ? md.step_index : 0xFFFFFFFFu, reason);

  auto vb = fbb.CreateVector(btfs);
  auto vs = fbb.CreateVector(scheds);
  auto vm = fbb.CreateVector(maps);
  auto ve = fbb.CreateVector(excluded);
  auto vr = fbb.CreateVector(regions);
  flatbuffers::Offset<flatbuffers::Vector<uint64_t>> vk;
  if (!I.active_kvas.empty()) vk = fbb.CreateVector(I.active_kvas);
  fb::ReportBuilder rb(fbb);
  rb.add_format_major(kFormatMajor);
  rb.add_format_minor(kFormatMinor);
  rb.add_metadata(meta);
  rb.add_schedulers(vs);
  rb.add_btfs(vb);
  rb.add_maps(vm);
  rb.add_excluded(ve);
  if (I.has_stats) rb.add_stats_json(I.stats);
  rb.add_regions(vr);
  if (!vk.IsNull()) rb.add_active_map_kvas(vk);
  // The buffer is handed over in place, at the end of the builder's
  // allocation: an 8-byte multiple keeps its start 8-byte aligned, as a
  // zero-copy open needs (the allocation's end is).
  fbb.TrackMinAlign(8);
  fb::FinishReportBuffer(fbb, rb.Finish());
  I.finished = true;
  auto detached = std::make_shared<flatbuffers::DetachedBuffer>(fbb.Release());
  const uint8_t* data = detached->data();
  size_t size = detached->size();
  return ReportBuffer(std::move(detached), data, size);
}

}  // namespace v1
}  // namespace ktsnap
