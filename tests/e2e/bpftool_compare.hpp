// Comparison of ktsnap's JSON rendering with `bpftool map dump -j`, shared
// by the e2e tests that check agreement with the peer (the test's own
// reader in bpftool_agreement_test.cpp, live capture in
// capture_bpftool_test.cpp).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "report/report.hpp"

namespace ktsnap::e2e {

// Runs a shell command, returns its stdout; *status gets the exit status.
std::string run_cmd(const std::string& cmd, int* status);
// bpftool is installed and prints a version; else *why says what is wrong.
bool bpftool_available(std::string* why);
// "0x0a 0x1b ..." as bpftool prints raw bytes.
std::string hex_bytes(const uint8_t* p, size_t n);
// bpftool's "key"/"value" hex arrays joined into the hex_bytes form.
std::string bpftool_hex(simdjson::dom::element arr);
// bpftool 7.1 writes invalid JSON for BTF_KIND_FLOAT; makes it parse and
// counts the repairs.
std::string repair_bpftool_json(std::string s, uint64_t* repairs);
std::string to_json(simdjson::dom::element e);

// What a comparison saw: counts, and the first 50 disagreements.
struct Tally {
  uint64_t numbers = 0;  // integers, floats, bools compared
  uint64_t strings = 0;  // enum names and char-array strings compared
  uint64_t entries = 0;
  uint64_t peer_unprintable = 0;  // values bpftool could not print (FLOAT)
  std::vector<std::string> failures;
  void fail(const std::string& path, const std::string& what) {
    if (failures.size() < 50) failures.push_back(path + ": " + what);
  }
};

// Compares bpftool's "formatted" tree `peer` with our rendering `ours`,
// recursively; every disagreement goes to t.failures under `path`.
void compare(simdjson::dom::element peer, simdjson::dom::element ours, const std::string& path, Tally& t);

// Renders map `m` of report `r` with render_map_json and compares every
// entry with `bpftool map dump id N -j` taken now (the caller must not
// change the kernel map in between); `ncpus` is the possible-CPU count.
// Failures are gtest failures; the map's counts are added to `total`.
void agree_map(const Report& r, const MapInfo& m, uint32_t ncpus, Tally& total);

}  // namespace ktsnap::e2e
