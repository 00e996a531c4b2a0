#include "report/report.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "report_generated.h"

namespace ktsnap {
inline namespace v1 {

namespace {

std::string sys_msg(const std::string& what, int e) { return what + ": " + std::strerror(e); }

constexpr uint32_t kMaxNrCpus = 8192;  // kernel NR_CPUS upper bound

template <typename V>
size_t vec_size(const V* v) {
  return v ? v->size() : 0;
}

std::string_view sv(const flatbuffers::String* s) {
  return s ? std::string_view(s->c_str(), s->size()) : std::string_view();
}

}  // namespace

bool map_type_is_percpu(uint32_t t) {
  return t == kMapTypePercpuHash || t == kMapTypePercpuArray || t == kMapTypeLruPercpuHash ||
         t == kMapTypePercpuCgroupStorage;
}

std::string map_type_name(uint32_t t) {
  static const char* const names[] = {
      "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash", "percpu_array",
      "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie", "array_of_maps",
      "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap", "sockhash", "cgroup_storage",
      "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack", "sk_storage", "devmap_hash",
      "struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter", "user_ringbuf",
      "cgrp_storage", "arena", "insn_array"};
  if (t >= 1 && t < sizeof(names) / sizeof(names[0])) return names[t];
  return std::to_string(t);
}

bool MapInfo::is_global_section() const {
  return name.ends_with(".bss") || name.ends_with(".data") || name.ends_with(".rodata") ||
         name.find(".data.") != std::string_view::npos;
}

Report::~Report() {
  if (mapping_ != nullptr) munmap(mapping_, mapping_size_);
}

Result<std::unique_ptr<Report>> Report::open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return make_error(e == EACCES || e == EPERM ? Code::Perm : Code::Io, sys_msg("cannot open report " + path, e), e);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return make_error(Code::Io, sys_msg("cannot stat report " + path, e), e);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(Code::Io, "report " + path + " is not a regular file");
  }
  if (st.st_size == 0) {
    ::close(fd);
    return make_error(Code::Format, "report " + path + " is empty");
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxReportSize) {
    ::close(fd);
    return make_error(Code::Format, "report " + path + " is " + std::to_string(st.st_size) +
                                        " bytes, over the " + std::to_string(kMaxReportSize) + "-byte limit");
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  ::close(fd);
  if (p == MAP_FAILED) return make_error(Code::Io, sys_msg("cannot map report " + path, e), e);
  std::unique_ptr<Report> r(new Report());
  r->mapping_ = p;
  r->mapping_size_ = size;
  r->data_ = static_cast<const uint8_t*>(p);
  r->size_ = size;
  auto res = open_verified(std::move(r));
  if (!res.ok()) {
    Error err = res.take_error();
    err.message = path + ": " + err.message;
    return err;
  }
  return res;
}

Result<std::unique_ptr<Report>> Report::open_memory(const void* data, size_t size, const OpenOptions& opts) {
  if (data == nullptr) return make_error(Code::Invalid, "report memory is NULL");
  if (size == 0) return make_error(Code::Format, "report memory is empty (0 bytes)");
  if (size > kMaxReportSize)
    return make_error(Code::Format, "report of " + std::to_string(size) + " bytes is over the " +
                                        std::to_string(kMaxReportSize) + "-byte limit");
  std::unique_ptr<Report> r(new Report());
  if (opts.copy) {
    r->copy_.assign(static_cast<const uint8_t*>(data), static_cast<const uint8_t*>(data) + size);
    r->data_ = r->copy_.data();
  } else {
    if (reinterpret_cast<uintptr_t>(data) % 8 != 0)
      return make_error(Code::Invalid,
                        "report memory is not 8-byte aligned; zero-copy opening needs alignment (ask for a copy)");
    r->data_ = static_cast<const uint8_t*>(data);
  }
  r->size_ = size;
  return open_verified(std::move(r));
}

Result<std::unique_ptr<Report>> Report::open_shared(std::shared_ptr<const void> owner, const void* data,
                                                    size_t size) {
  auto r = open_memory(data, size);
  if (r.ok()) r.value()->owner_ = std::move(owner);
  return r;
}

Result<std::unique_ptr<Report>> Report::open_buffer(const ReportBuffer& buf) {
  return open_shared(buf.owner(), buf.data(), buf.size());
}

Result<std::unique_ptr<Report>> Report::open_verified(std::unique_ptr<Report> r) {
  Status st = r->verify_and_index();
  if (!st.ok()) return st.take_error();
  return r;
}

Status Report::verify_and_index() {
  if (size_ < 8)
    return make_error(Code::Format, "report of " + std::to_string(size_) + " bytes is too short to hold a header");
  if (!flatbuffers::BufferHasIdentifier(data_, fb::ReportIdentifier()))
    return make_error(Code::Format, "not a ktsnap report (file identifier is not \"KTSN\")");
  // Tables: schedulers + btfs + maps + excluded + regions + 2; depth is fixed
  // by the schema. The byte vectors are checked in O(1) each.
  flatbuffers::Verifier::Options vo;
  vo.max_depth = 16;
  vo.max_tables = 4u << 20;
  flatbuffers::Verifier v(data_, size_, vo);
  if (!fb::VerifyReportBuffer(v))
    return make_error(Code::Format, "report failed structural verification (truncated or corrupt buffer)");
  root_ = fb::GetReport(data_);

  if (root_->format_major() != kFormatMajor)
    return make_error(Code::Version, "report format " + std::to_string(root_->format_major()) + "." +
                                         std::to_string(root_->format_minor()) + " is not readable by this library (reads " +
                                         std::to_string(kFormatMajor) + ".x)");

  // BTF blobs: each parsed (through the content cache) and checked.
  const auto* btfs = root_->btfs();
  size_t nbtf = vec_size(btfs);
  btfs_.reserve(nbtf);
  for (size_t i = 0; i < nbtf; i++) {
    const fb::BtfBlob* b = btfs->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (b == nullptr || b->data() == nullptr || b->data()->size() == 0)
      return make_error(Code::Format, "BTF blob " + std::to_string(i) + " is empty");
    int32_t base = b->base_index();
    if (base < -1 || base >= static_cast<int32_t>(i))
      return make_error(Code::Format, "BTF blob " + std::to_string(i) + " names base blob " + std::to_string(base) +
                                          ", which is not an earlier blob");
    auto parsed = Btf::from_raw(b->data()->data(), b->data()->size(), base >= 0 ? btfs_[base] : nullptr);
    if (!parsed.ok())
      return make_error(Code::Format, "BTF blob " + std::to_string(i) + ": " + parsed.error().message);
    btfs_.push_back(std::move(parsed.value()));
  }
  btf_ctx_.reserve(nbtf);
  for (auto& b : btfs_) btf_ctx_.push_back(std::make_unique<ValueContext>(ValueContext{b.get(), this}));
  no_btf_ctx_ = ValueContext{nullptr, this};

  const auto* scheds = root_->schedulers();
  for (size_t i = 0; i < vec_size(scheds); i++) {
    const fb::Scheduler* s = scheds->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (s->btf_index() < -1 || s->btf_index() >= static_cast<int32_t>(nbtf))
      return make_error(Code::Format, "scheduler " + std::to_string(i) + " names BTF blob " +
                                          std::to_string(s->btf_index()) + " of " + std::to_string(nbtf));
    schedulers_.push_back(SchedulerInfo{sv(s->name()), s->btf_index(), s->active()});
  }

  const auto* maps = root_->maps();
  size_t nmaps = vec_size(maps);
  maps_.reserve(nmaps);
  for (size_t i = 0; i < nmaps; i++) {
    const fb::Map* m = maps->Get(static_cast<flatbuffers::uoffset_t>(i));
    MapInfo mi;
    mi.index = static_cast<uint32_t>(i);
    mi.name = sv(m->name());
    std::string who = "map " + std::to_string(i) + " (" + std::string(mi.name) + ")";
    mi.scheduler_index = m->scheduler_index();
    if (mi.scheduler_index < -1 || mi.scheduler_index >= static_cast<int32_t>(schedulers_.size()))
      return make_error(Code::Format, who + " names scheduler " + std::to_string(mi.scheduler_index) + " of " +
                                          std::to_string(schedulers_.size()));
    mi.map_id = m->map_id();
    mi.map_type = m->map_type();
    mi.map_flags = m->map_flags();
    mi.key_size = m->key_size();
    mi.value_size = m->value_size();
    mi.max_entries = m->max_entries();
    mi.nr_cpus = m->nr_cpus();
    mi.btf_index = m->btf_index();
    mi.key_type_id = m->btf_key_type_id();
    mi.value_type_id = m->btf_value_type_id();
    mi.vmlinux_value_type_id = m->btf_vmlinux_value_type_id();
    mi.flags = m->flags();
    mi.has_error = m->error() != nullptr;
    mi.error = sv(m->error());
    mi.map_kva = m->map_kva();
    mi.entry_count = m->entry_count();
    mi.percpu = map_type_is_percpu(mi.map_type);
    if (mi.percpu) {
      if (mi.nr_cpus == 0 || mi.nr_cpus > kMaxNrCpus)
        return make_error(Code::Format, who + " is per-CPU with nr_cpus " + std::to_string(mi.nr_cpus) +
                                            " (must be 1.." + std::to_string(kMaxNrCpus) + ")");
      mi.cpu_stride = (uint64_t(mi.value_size) + 7) & ~uint64_t(7);
      mi.entry_stride = mi.cpu_stride * mi.nr_cpus;
    } else {
      mi.entry_stride = mi.value_size;
      mi.cpu_stride = mi.value_size;
    }
    // u32 * u64 (<= 2^32 * 2^32 * 8192) cannot overflow unsigned __int128.
    unsigned __int128 want_keys = static_cast<unsigned __int128>(mi.entry_count) * mi.key_size;
    unsigned __int128 want_vals = static_cast<unsigned __int128>(mi.entry_count) * mi.entry_stride;
    size_t have_keys = vec_size(m->keys()), have_vals = vec_size(m->values());
    if (want_keys != have_keys)
      return make_error(Code::Format, who + ": keys blob is " + std::to_string(have_keys) + " bytes, expected " +
                                          std::to_string(mi.entry_count) + " entries x " +
                                          std::to_string(mi.key_size) + " bytes");
    if (want_vals != have_vals)
      return make_error(Code::Format, who + ": values blob is " + std::to_string(have_vals) +
                                          " bytes, expected " + std::to_string(mi.entry_count) + " entries x " +
                                          std::to_string(mi.entry_stride) + " bytes" +
                                          (mi.percpu ? " (nr_cpus x round_up(value_size, 8))" : ""));
    if (const auto* ab = m->percpu_absent(); ab != nullptr && ab->size() > 0) {
      uint64_t want = mi.percpu ? (uint64_t(mi.entry_count) * mi.nr_cpus + 7) / 8 : 0;
      if (!mi.percpu || ab->size() != want)
        return make_error(Code::Format, who + ": per-CPU absent-slot bitmap is " + std::to_string(ab->size()) +
                                            " bytes, expected " + std::to_string(want));
      mi.percpu_absent = ab->data();
    }
    mi.keys = have_keys ? m->keys()->data() : nullptr;
    mi.values = have_vals ? m->values()->data() : nullptr;
    if (mi.btf_index < -1 || mi.btf_index >= static_cast<int32_t>(nbtf))
      return make_error(Code::Format, who + " names BTF blob " + std::to_string(mi.btf_index) + " of " +
                                          std::to_string(nbtf));
    if (mi.btf_index >= 0) {
      const Btf& b = *btfs_[mi.btf_index];
      for (auto [what, id, want] : {std::tuple<const char*, uint32_t, uint32_t>{"key", mi.key_type_id, mi.key_size},
                                    {"value", mi.value_type_id, mi.value_size}}) {
        if (id == 0) continue;
        if (!b.valid_id(id))
          return make_error(Code::Format, who + ": " + what + " type id " + std::to_string(id) +
                                              " is out of range (BTF has " + std::to_string(b.type_count()) +
                                              " types)");
        auto sz = b.size(id);
        if (!sz || *sz != want)
          return make_error(Code::Format, who + ": " + what + " type " + b.type_display_name(id) + " is " +
                                              (sz ? std::to_string(*sz) : std::string("of unknown size")) +
                                              " bytes, but the map's " + what + " size is " + std::to_string(want));
      }
      mi.ctx = btf_ctx_[mi.btf_index].get();
    } else {
      mi.ctx = &no_btf_ctx_;
    }
    maps_.push_back(mi);
  }

  const auto* ex = root_->excluded();
  for (size_t i = 0; i < vec_size(ex); i++) {
    const fb::ExcludedMap* e = ex->Get(static_cast<flatbuffers::uoffset_t>(i));
    excluded_.push_back(ExcludedMapInfo{sv(e->name()), e->map_id(), e->map_type(), sv(e->reason())});
  }

  const auto* regs = root_->regions();
  for (size_t i = 0; i < vec_size(regs); i++) {
    const fb::Region* g = regs->Get(static_cast<flatbuffers::uoffset_t>(i));
    RegionInfo ri{g->address(), g->data() ? g->data()->data() : nullptr, vec_size(g->data())};
    if (ri.size == 0) return make_error(Code::Format, "region " + std::to_string(i) + " is empty");
    if (ri.address + ri.size < ri.address)
      return make_error(Code::Format, "region " + std::to_string(i) + " wraps past the end of the address space");
    if (!regions_.empty()) {
      const RegionInfo& prev = regions_.back();
      if (ri.address < prev.address + prev.size)
        return make_error(Code::Format, "region " + std::to_string(i) + " is out of order or overlaps the previous one");
    }
    regions_.push_back(ri);
  }
  return {};
}

Status Report::save(const std::string& path) const {
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = mkstemp(name.data());
  if (fd < 0) {
    int e = errno;
    return make_error(e == EACCES || e == EPERM ? Code::Perm : Code::Io, sys_msg("cannot create " + tmpl, e), e);
  }
  auto fail = [&](const std::string& what) -> Status {
    int e = errno;
    ::close(fd);
    ::unlink(name.data());
    return make_error(Code::Io, sys_msg(what, e), e);
  };
  if (fchmod(fd, 0644) != 0) return fail("cannot set mode of " + std::string(name.data()));
  size_t off = 0;
  while (off < size_) {
    ssize_t n = ::write(fd, data_ + off, size_ - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write " + std::string(name.data()));
    }
    off += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail("cannot sync " + std::string(name.data()));
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(name.data());
    return make_error(Code::Io, sys_msg("cannot close " + std::string(name.data()), e), e);
  }
  if (::rename(name.data(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(name.data());
    return make_error(Code::Io, sys_msg("cannot rename " + std::string(name.data()) + " to " + path, e), e);
  }
  return {};
}

uint16_t Report::format_major() const { return root_->format_major(); }
uint16_t Report::format_minor() const { return root_->format_minor(); }

std::string_view Report::tag() const { return root_->metadata() ? sv(root_->metadata()->tag()) : std::string_view(); }
Trigger Report::trigger() const {
  if (!root_->metadata()) return Trigger::OnDemand;
  auto t = static_cast<uint8_t>(root_->metadata()->trigger());
  return t <= 3 ? static_cast<Trigger>(t) : Trigger::OnDemand;
}
uint64_t Report::wall_time_ns() const { return root_->metadata() ? root_->metadata()->wall_time_ns() : 0; }
uint64_t Report::monotonic_ns() const { return root_->metadata() ? root_->metadata()->monotonic_ns() : 0; }
uint64_t Report::elapsed_ms() const { return root_->metadata() ? root_->metadata()->elapsed_ms() : 0; }
bool Report::has_step_index() const { return root_->metadata() && root_->metadata()->step_index() != 0xFFFFFFFFu; }
uint32_t Report::step_index() const { return has_step_index() ? root_->metadata()->step_index() : 0; }
bool Report::is_placeholder() const { return root_->metadata() && root_->metadata()->placeholder_reason() != nullptr; }
std::string_view Report::placeholder_reason() const {
  return root_->metadata() ? sv(root_->metadata()->placeholder_reason()) : std::string_view();
}
std::string_view Report::stats_json() const { return sv(root_->stats_json()); }
bool Report::has_stats_json() const { return root_->stats_json() != nullptr; }

std::string_view Report::active_scheduler_name() const {
  for (const auto& s : schedulers_)
    if (s.active) return s.name;
  return {};
}

std::span<const uint64_t> Report::active_map_kvas() const {
  const auto* v = root_->active_map_kvas();
  if (v == nullptr) return {};
  return {v->data(), v->size()};
}

const MapInfo* Report::find_map(std::string_view name) const {
  for (const auto& m : maps_)
    if (m.name == name) return &m;
  return nullptr;
}

const RegionInfo* Report::find_region(uint64_t address) const {
  auto it = std::upper_bound(regions_.begin(), regions_.end(), address,
                             [](uint64_t a, const RegionInfo& r) { return a < r.address; });
  if (it == regions_.begin()) return nullptr;
  --it;
  if (address - it->address < it->size) return &*it;
  return nullptr;
}

}  // namespace v1
}  // namespace ktsnap
