// The C++ end of the wire compatibility test (tests/wire/wire_compat.py):
//   wire_compat_peer check FILE   decodes the frames Python wrote, fed to the
//                                 streaming decoder in chunks of 1, 7, 100
//                                 bytes and whole, and checks every field
//   wire_compat_peer write FILE   writes SNRP frames for Python to check
// The expected values are the Python script's, kept in step by hand.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wire/frame.hpp"
#include "wire/snapshot.hpp"

using namespace ktsnap::wire;

namespace {

int failures = 0;

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                        \
    }                                                                    \
  } while (0)

std::vector<uint8_t> B(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

uint64_t le(const std::vector<uint8_t>& p, size_t off, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t(p[off + i]) << (8 * i);
  return v;
}

void check_request(const Frame& f, uint32_t id, uint32_t kind, const std::string& tag) {
  CHECK(f.msg_type == msg::kSnapshotRequest);
  CHECK(f.crc_ok);
  CHECK(f.pad == 0);
  auto r = decode_snapshot_request(f.payload);
  CHECK(r.ok());
  if (!r.ok()) return;
  CHECK(r->request_id == id);
  CHECK(r->kind == kind);
  CHECK(r->tag == tag);
}

void check_frames(const std::vector<Frame>& f) {
  CHECK(f.size() == 13);
  if (f.size() != 13) return;
  CHECK(f[0].msg_type == msg::kScenarioStart && f[0].payload.empty() && f[0].crc_ok);
  check_request(f[1], 1, kSnapshotKindCapture, "boot");
  check_request(f[2], 2, kSnapshotKindWatch, "sched_switch_watch");
  check_request(f[3], 3, kSnapshotKindCapture, std::string(64, 'T'));
  std::string t70;
  for (int i = 0; i < 70; ++i) t70.push_back(char('a' + i % 26));
  check_request(f[4], 0xFFFFFFFFu, kSnapshotKindCapture, t70.substr(0, 64));
  check_request(f[5], 5, kSnapshotKindCapture, "caf\xC3\xA9-\xC3\x9F");
  CHECK(f[6].msg_type == msg::kExit && f[6].crc_ok && f[6].payload.size() == 4);
  CHECK(int32_t(uint32_t(le(f[6].payload, 0, 4))) == -3);
  CHECK(f[7].msg_type == msg::kStdout && f[7].crc_ok && f[7].payload == B("hello from python\n"));
  CHECK(f[8].msg_type == msg::kSysRdy && f[8].crc_ok && f[8].payload.empty());
  const auto& s = f[9].payload;
  CHECK(f[9].msg_type == msg::kStimulus && f[9].crc_ok && s.size() == 24);
  if (s.size() == 24) {
    CHECK(le(s, 0, 4) == 1500 && le(s, 4, 2) == 3 && le(s, 6, 2) == 2 && le(s, 8, 4) == 0x11);
    CHECK(le(s, 12, 2) == 4 && le(s, 14, 2) == 8 && le(s, 16, 8) == 123456789);
  }
  const auto& k = f[10].payload;
  CHECK(f[10].msg_type == msg::kKernAddrs && f[10].crc_ok && k.size() == 24);
  if (k.size() == 24) CHECK(le(k, 0, 8) == 0x1000001 && le(k, 8, 8) == 0xFFFF888000000000ull && le(k, 16, 8) == 0);
  CHECK(f[11].msg_type == msg::kStderr && !f[11].crc_ok && f[11].crc32 == 0x12345678u);
  CHECK(f[11].payload == B("bad crc on purpose"));
  CHECK(f[12].msg_type == msg::kStdout && f[12].crc_ok && f[12].pad == 0xA5A5A5A5u);
}

int check(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(data.size() > 16);
  // SCST then SNRQ, as their bytes travel.
  CHECK(data.size() > 20 && std::memcmp(data.data(), "TSCS", 4) == 0 && std::memcmp(data.data() + 16, "QRNS", 4) == 0);
  for (size_t chunk : {size_t(1), size_t(7), size_t(100), data.size()}) {
    StreamDecoder d;
    std::vector<Frame> out;
    for (size_t i = 0; i < data.size(); i += chunk)
      d.feed(std::span(data).subspan(i, std::min(chunk, data.size() - i)), out);
    check_frames(out);
    CHECK(d.buffered() == 0);
    CHECK(d.stats().crc_mismatches == 1 && d.stats().nonzero_pad == 1);
  }
  auto one = parse_frames(data);
  check_frames(one.frames);
  CHECK(!one.oversize && one.truncated_tail == 0);
  std::printf("py-to-cpp: %s\n", failures == 0 ? "all frames match" : "MISMATCH");
  return failures == 0 ? 0 : 1;
}

int write(const char* path) {
  const SnapshotReply replies[] = {
      {1, kSnapshotStatusOk, ""},
      {2, kSnapshotStatusErr, "another snapshot capture is in flight; retry"},
      {3, kSnapshotStatusErr, std::string(600, 'r')},
      {4, kSnapshotStatusErr, "unknown snapshot kind 9"},
      {0xFFFFFFFFu, kSnapshotStatusOk, ""},
      {6, kSnapshotStatusErr, "d\xC3\xA9j\xC3\xA0 vu"},
  };
  std::vector<uint8_t> out;
  for (const auto& r : replies) {
    auto f = frame_snapshot_reply(r);
    if (!f.ok()) {
      std::fprintf(stderr, "encode: %s\n", f.error().message.c_str());
      return 1;
    }
    out.insert(out.end(), f->begin(), f->end());
  }
  std::ofstream o(path, std::ios::binary);
  o.write(reinterpret_cast<const char*>(out.data()), std::streamsize(out.size()));
  return o.good() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "check") == 0) return check(argv[2]);
  if (argc == 3 && std::strcmp(argv[1], "write") == 0) return write(argv[2]);
  std::fprintf(stderr, "usage: wire_compat_peer check|write FILE\n");
  return 2;
}
