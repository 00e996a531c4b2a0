// Shared by the unit tests: the fixture's BTF and report.
#pragma once

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "btf/btf.hpp"
#include "report/report.hpp"
#include "support/fixture.hpp"

namespace ktsnap::test {

// BTF of kinds.bpf.o after libbpf's open-time fix-ups (DATASEC sizes and
// offsets), as a kernel would hold it.
inline std::shared_ptr<const Btf> fixture_btf() {
  bpf_object* obj = bpf_object__open_file(fixture_path("kinds.bpf.o").c_str(), nullptr);
  if (obj == nullptr) return nullptr;
  __u32 sz = 0;
  const void* raw = btf__raw_data(bpf_object__btf(obj), &sz);
  auto b = Btf::from_raw(raw, sz);
  bpf_object__close(obj);
  return b.ok() ? b.value() : nullptr;
}

// The fixture report, built once per process, and opened (borrowed).
struct FixtureReport {
  std::vector<uint8_t> bytes;
  std::unique_ptr<Report> report;
};
inline const FixtureReport& fixture_report() {
  static FixtureReport* f = [] {
    auto* fr = new FixtureReport();
    auto b = build_fixture_report(fixture_path("kinds.bpf.o"));
    if (!b.ok()) {
      ADD_FAILURE() << b.error().message;
      return fr;
    }
    fr->bytes = std::move(b.value());
    auto r = Report::open_memory(fr->bytes.data(), fr->bytes.size());
    if (!r.ok()) {
      ADD_FAILURE() << r.error().message;
      return fr;
    }
    fr->report = std::move(r.value());
    return fr;
  }();
  return *f;
}

inline const MapInfo& fixture_map(const char* name) {
  const MapInfo* m = fixture_report().report->find_map(name);
  if (m == nullptr) {
    ADD_FAILURE() << "fixture has no map " << name;
    std::abort();
  }
  return *m;
}

}  // namespace ktsnap::test
