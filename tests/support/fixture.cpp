#include "support/fixture.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "btf/btf.hpp"
#include "report/builder.hpp"

namespace ktsnap::test {

namespace {

// User-space mirror of the fixture's value layouts (x86-64 and BPF agree;
// build_fixture_report checks sizes and offsets against the BTF).
struct KtInner {
  uint32_t a;
  int16_t b;
  uint8_t c;
};
struct KtBits {
  unsigned int lo : 3;
  signed int sv : 5;
  unsigned int mid : 24;
  uint64_t wide : 40;
  int64_t swide : 24;
};
struct KtTaskCtx {
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
  KtInner inner;
  KtBits bits;
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
struct KtCpuStats {
  uint64_t nr_dispatched;
  uint64_t nr_enqueued;
  int32_t last_tid;
  uint32_t pad;
};
struct KtKey {
  uint32_t cpu;
  uint32_t dsq;
};

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

const char* kComms[] = {"stress-ng", "kworker/0:1", "bash", "schbench", "rt-app", "ksoftirqd/1",
                        "hackbench", "cc1plus"};

constexpr uint64_t kRegionBase = 0xffff888000100000ull;

template <typename T>
std::span<const uint8_t> as_bytes(const std::vector<T>& v) {
  return {reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(T)};
}

struct ObjCloser {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};

Error check_member(const Btf& btf, uint32_t struct_id, const char* name, uint64_t want_bytes) {
  auto m = btf.find_member(struct_id, name);
  if (!m) return make_error(Code::Internal, std::string("fixture: no member ") + name);
  if (m->bit_offset != want_bytes * 8)
    return make_error(Code::Internal, std::string("fixture: member ") + name + " at bit " +
                                          std::to_string(m->bit_offset) + ", mirror has byte " +
                                          std::to_string(want_bytes));
  return make_error(Code::Ok, "");
}

}  // namespace

std::string fixture_path(const std::string& name) { return std::string(KTSNAP_FIXTURE_DIR) + "/" + name; }

KtTaskExpect kt_task_expect(uint32_t i, uint64_t seed) {
  uint64_t r = mix(seed * 1000003 + i);
  KtTaskExpect e{};
  e.tid = 1000 + i;
  e.runtime_ns = r % 10000000000ull;
  e.state = i % 3;
  e.weight = 100 + (i % 7) * 50;
  e.lo16 = static_cast<uint16_t>(i);
  e.hi16 = static_cast<uint16_t>(i * 3);
  e.inner_a = static_cast<uint32_t>(i * 11);
  e.inner_b = static_cast<int16_t>(-static_cast<int32_t>(i % 100));
  e.inner_c = static_cast<uint8_t>(i & 0xff);
  e.bits_lo = i % 8;
  e.bits_sv = static_cast<int32_t>(i % 32) - 16;
  e.bits_mid = (i * 4099) & 0xffffff;
  e.bits_wide = (r >> 3) & ((1ull << 40) - 1);
  e.bits_swide = -static_cast<int64_t>(i * 1001 % 8388608);
  e.comm = kComms[i % 8];
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++) e.hist[a][b] = (i % 2) ? static_cast<uint32_t>(i * 10 + a * 3 + b) : 0;
  e.inner_ptr = (i % 4 == 0) ? kRegionBase + uint64_t(i) * 8 : 0;
  e.on_cpu = i % 2;
  e.load = 0.5f * static_cast<float>(i % 9);
  e.avg = static_cast<double>(r % 1000) / 8.0;
  e.cv_val = r >> 20;
  e.e8 = (i % 3 == 2) ? -1 : static_cast<int8_t>(i % 3);
  e.e16 = (i % 2) ? 0x1234 : 1;
  e.e64 = (i % 2) ? 0x100000000ull : 1;
  e.sc = static_cast<int8_t>(-static_cast<int>(i % 128));
  e.uc = static_cast<uint8_t>(200 + i % 50);
  return e;
}

Result<std::vector<uint8_t>> build_fixture_report(const std::string& obj_path, const FixtureOptions& opts) {
  errno = 0;
  std::unique_ptr<bpf_object, ObjCloser> obj(bpf_object__open_file(obj_path.c_str(), nullptr));
  if (!obj) return make_error(Code::Io, "cannot open BPF object " + obj_path + ": " + std::strerror(errno));
  struct btf* obtf = bpf_object__btf(obj.get());
  if (obtf == nullptr) return make_error(Code::Format, obj_path + " has no BTF");
  __u32 raw_size = 0;
  const void* raw = btf__raw_data(obtf, &raw_size);
  auto btf_r = Btf::from_raw(raw, raw_size);
  if (!btf_r.ok()) return btf_r.take_error();
  const Btf& btf = *btf_r.value();

  // Mirror checks: a layout mismatch would make every expectation wrong.
  if (auto id = btf.find_by_name_kind("kt_task_ctx", BtfKind::Struct)) {
    if (btf.size(*id) != sizeof(KtTaskCtx))
      return make_error(Code::Internal, "fixture: kt_task_ctx size differs from the mirror");
    for (auto [n, off] : {std::pair<const char*, uint64_t>{"comm", offsetof(KtTaskCtx, comm)},
                          {"hist", offsetof(KtTaskCtx, hist)}, {"e64", offsetof(KtTaskCtx, e64)},
                          {"uc", offsetof(KtTaskCtx, uc)}, {"lo16", 20}}) {
      Error e = check_member(btf, *id, n, off);
      if (e.code != Code::Ok) return e;
    }
  }

  ReportBuilder b;
  ReportMetadata md;
  md.tag = opts.tag;
  md.trigger = Trigger::OnDemand;
  md.wall_time_ns = 1764000000ull * 1000000000ull;
  md.monotonic_ns = 123456789;
  md.elapsed_ms = 1500;
  md.has_step_index = true;
  md.step_index = 2;
  b.set_metadata(md);
  auto bi = b.add_btf({static_cast<const uint8_t*>(raw), raw_size});
  if (!bi.ok()) return bi.take_error();
  auto si = b.add_scheduler(bpf_object__name(obj.get()), bi.value(), true);
  if (!si.ok()) return si.take_error();

  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> regions;
  struct bpf_map* map;
  uint32_t map_id = 100;
  bpf_object__for_each_map(map, obj.get()) {
    MapSpec s;
    s.name = bpf_map__name(map);
    s.scheduler_index = si.value();
    s.map_id = map_id++;
    s.map_type = bpf_map__type(map);
    s.map_flags = bpf_map__map_flags(map);
    s.key_size = bpf_map__key_size(map);
    s.value_size = bpf_map__value_size(map);
    s.max_entries = bpf_map__max_entries(map);
    s.btf_index = bi.value();
    s.key_type_id = bpf_map__btf_key_type_id(map);
    s.value_type_id = bpf_map__btf_value_type_id(map);
    s.map_kva = 0xffff888001000000ull + uint64_t(map_id) * 0x1000;
    if (map_type_is_percpu(s.map_type)) s.nr_cpus = opts.nr_cpus;
    std::vector<uint8_t> keys, values;
    std::string_view name = s.name;

    if (name.ends_with(".bss") || name.ends_with(".data") || name.ends_with(".rodata") ||
        name.find(".data.") != std::string_view::npos) {
      size_t isz = 0;
      const void* init = bpf_map__initial_value(map, &isz);
      values.assign(s.value_size, 0);
      if (init && isz <= values.size()) std::memcpy(values.data(), init, isz);
      if (name.ends_with(".bss")) {
        // kt_nr_events = 42, kt_bss_inner = {7, -3, 9}, kt_bss_neg = -12345
        std::vector<BtfVarInfo> vars;
        btf.datasec_vars(s.value_type_id, vars);
        for (auto& v : vars) {
          if (v.offset + v.size > values.size()) continue;
          uint8_t* p = values.data() + v.offset;
          if (v.name == "kt_nr_events") {
            uint64_t x = 42;
            std::memcpy(p, &x, 8);
          } else if (v.name == "kt_bss_inner") {
            KtInner in{7, -3, 9};
            std::memcpy(p, &in, sizeof in);
          } else if (v.name == "kt_bss_neg") {
            int32_t x = -12345;
            std::memcpy(p, &x, 4);
          }
        }
      }
      keys.assign(4, 0);
    } else if (name == "kt_tasks") {
      for (uint32_t i = 0; i < opts.hash_entries; i++) {
        KtTaskExpect e = kt_task_expect(i, opts.seed);
        KtTaskCtx t;
        std::memset(&t, 0, sizeof t);
        t.runtime_ns = e.runtime_ns;
        t.tid = static_cast<int32_t>(e.tid);
        t.state = e.state;
        t.weight = e.weight;
        t.lo16 = e.lo16;
        t.hi16 = e.hi16;
        t.inner = {e.inner_a, e.inner_b, e.inner_c};
        t.bits.lo = e.bits_lo;
        t.bits.sv = e.bits_sv;
        t.bits.mid = e.bits_mid;
        t.bits.wide = e.bits_wide;
        t.bits.swide = e.bits_swide;
        std::memcpy(t.comm, e.comm.data(), std::min(e.comm.size(), sizeof t.comm));
        std::memcpy(t.hist, e.hist, sizeof t.hist);
        t.inner_ptr = e.inner_ptr;
        t.opaque = 0xffffc90000000000ull + i;
        t.on_cpu = e.on_cpu;
        t.load = e.load;
        t.avg = e.avg;
        t.cv_val = e.cv_val;
        t.e8 = e.e8;
        t.e16 = e.e16;
        t.e64 = e.e64;
        t.sc = e.sc;
        t.uc = e.uc;
        uint32_t k = e.tid;
        keys.insert(keys.end(), reinterpret_cast<uint8_t*>(&k), reinterpret_cast<uint8_t*>(&k) + 4);
        values.insert(values.end(), reinterpret_cast<uint8_t*>(&t), reinterpret_cast<uint8_t*>(&t) + sizeof t);
        if (opts.with_regions && e.inner_ptr) {
          KtInner target{e.inner_a + 1, static_cast<int16_t>(e.inner_b - 1), 0x5a};
          std::vector<uint8_t> rb(sizeof target);
          std::memcpy(rb.data(), &target, sizeof target);
          regions.emplace_back(e.inner_ptr, std::move(rb));
        }
      }
    } else if (name == "kt_cpu_stats") {
      uint32_t stride = (s.value_size + 7) & ~7u;
      for (uint32_t k = 0; k < s.max_entries; k++) {
        keys.insert(keys.end(), reinterpret_cast<uint8_t*>(&k), reinterpret_cast<uint8_t*>(&k) + 4);
        for (uint32_t c = 0; c < opts.nr_cpus; c++) {
          KtCpuStats cs{uint64_t(k) * 100 + c, uint64_t(k) * 10 + c * 2, static_cast<int32_t>(1000 + c), 0};
          std::vector<uint8_t> slot(stride, 0);
          std::memcpy(slot.data(), &cs, sizeof cs);
          values.insert(values.end(), slot.begin(), slot.end());
        }
      }
    } else if (name == "kt_array") {
      for (uint32_t k = 0; k < s.max_entries; k++) {
        KtInner in{k * 2, static_cast<int16_t>(-static_cast<int>(k)), static_cast<uint8_t>(k)};
        keys.insert(keys.end(), reinterpret_cast<uint8_t*>(&k), reinterpret_cast<uint8_t*>(&k) + 4);
        values.insert(values.end(), reinterpret_cast<uint8_t*>(&in), reinterpret_cast<uint8_t*>(&in) + sizeof in);
      }
    } else if (name == "kt_pcpu_hash") {
      for (uint32_t i = 0; i < 3; i++) {
        KtKey k{i, 1000 + i};
        keys.insert(keys.end(), reinterpret_cast<uint8_t*>(&k), reinterpret_cast<uint8_t*>(&k) + sizeof k);
        for (uint32_t c = 0; c < opts.nr_cpus; c++) {
          uint64_t v = uint64_t(i) * 1000 + c;
          values.insert(values.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 8);
        }
      }
    } else if (name == "kt_bits_hash") {
      for (uint32_t i = 0; i < 4; i++) {
        KtKey k{i, 7};
        KtBits v;
        std::memset(&v, 0, sizeof v);
        v.lo = i;
        v.sv = -static_cast<int>(i) - 1;
        v.mid = 0xabcdef - i;
        v.wide = (1ull << 39) + i;
        v.swide = -(1 << 23);
        keys.insert(keys.end(), reinterpret_cast<uint8_t*>(&k), reinterpret_cast<uint8_t*>(&k) + sizeof k);
        values.insert(values.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + sizeof v);
      }
    }
    auto mi = b.add_map(s, {keys.data(), keys.size()}, {values.data(), values.size()});
    if (!mi.ok()) return mi.take_error();
  }
  for (auto& [addr, bytes] : regions) {
    auto st = b.add_region(addr, {bytes.data(), bytes.size()});
    if (!st.ok()) return st.take_error();
  }
  auto ex = b.add_excluded("kt_events_q", 999, 22, "queue maps cannot be enumerated without consuming them");
  if (!ex.ok()) return ex.take_error();
  if (opts.with_stats)
    b.set_stats_json(R"({"nr_cpus":4,"dispatched":18446744073709551615,"layers":[{"name":"batch","util":0.25}]})");
  return b.finish();
}

}  // namespace ktsnap::test
