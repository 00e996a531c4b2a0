// Test support: reports built from the BTF of real BPF objects (compiled
// from tests/fixtures at build time) with deterministic synthetic data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "internal/status.hpp"

namespace ktsnap::test {

// Path of a built fixture object, e.g. fixture_path("kinds.bpf.o").
std::string fixture_path(const std::string& name);

struct FixtureOptions {
  uint32_t hash_entries = 16;  // entries in each hash map
  uint32_t nr_cpus = 4;        // per-CPU slot count
  uint64_t seed = 1;
  std::string tag = "fixture";
  bool with_regions = true;    // capture the targets of kt_tasks.inner_ptr
  bool with_stats = true;      // a small scheduler stats JSON
};

// Every map of the object (opened with libbpf, not loaded into the kernel)
// becomes a report map; globals get their ELF initial values plus a few
// set fields; kt_tasks, kt_cpu_stats, kt_array, kt_pcpu_hash and
// kt_bits_hash get synthetic entries derived from the seed.
Result<std::vector<uint8_t>> build_fixture_report(const std::string& obj_path,
                                                  const FixtureOptions& opts = {});

// The synthetic value of kt_tasks entry i, as written by
// build_fixture_report (tid = 1000 + i).
struct KtTaskExpect {
  uint32_t tid;
  uint64_t runtime_ns;
  uint32_t state;
  uint32_t weight;
  uint16_t lo16, hi16;
  uint32_t inner_a;
  int16_t inner_b;
  uint8_t inner_c;
  uint32_t bits_lo;
  int32_t bits_sv;
  uint32_t bits_mid;
  uint64_t bits_wide;
  int64_t bits_swide;
  std::string comm;
  uint32_t hist[2][3];
  uint64_t inner_ptr;
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
KtTaskExpect kt_task_expect(uint32_t i, uint64_t seed = 1);

}  // namespace ktsnap::test
