// make_frame_seeds OUTDIR: seed corpus for frame_decoder_fuzz. Each seed is
// one control byte (payload cap and chunk size, see the target) followed by
// frames the real encoder wrote: snapshot requests and replies, a mixed
// stream, a frame with a bad CRC, one with a non-zero pad, a truncated one.
#include <cstdio>
#include <string>
#include <vector>

#include "wire/frame.hpp"
#include "wire/snapshot.hpp"

using namespace ktsnap::wire;

namespace {

bool put(const std::string& dir, const std::string& name, uint8_t control, const std::vector<uint8_t>& bytes) {
  const std::string path = dir + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(&control, 1, 1, f) == 1;
  ok = ok && (bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  return std::fclose(f) == 0 && ok;
}

void add(std::vector<uint8_t>& s, const ktsnap::Result<std::vector<uint8_t>>& f) {
  if (f.ok()) s.insert(s.end(), f->begin(), f->end());
}

std::vector<uint8_t> text(const std::string& t) { return std::vector<uint8_t>(t.begin(), t.end()); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_frame_seeds OUTDIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  std::vector<uint8_t> s;
  add(s, frame_snapshot_request({1, kSnapshotKindCapture, "boot"}));
  ok &= put(dir, "snrq", 5, s);
  s.clear();
  add(s, frame_snapshot_request({2, kSnapshotKindWatch, std::string(64, 'w')}));
  ok &= put(dir, "snrq-64", 5 | 0x08, s);
  s.clear();
  add(s, frame_snapshot_reply({2, kSnapshotStatusErr, "unknown snapshot kind 9"}));
  ok &= put(dir, "snrp", 5 | 0x40, s);
  s.clear();
  add(s, make_frame(msg::kScenarioStart, {}));
  add(s, make_frame(msg::kStdout, text("hello\n")));
  add(s, frame_snapshot_request({3, kSnapshotKindCapture, "mid"}));
  add(s, make_frame(msg::kExit, std::vector<uint8_t>{0, 0, 0, 0}));
  ok &= put(dir, "mixed", 4 | 0x10, s);
  ok &= put(dir, "mixed-cap72", 2, s);
  auto bad = make_frame(msg::kStderr, text("corrupt me"));
  if (bad.ok()) {
    bad.value()[16] ^= 0xFF;
    ok &= put(dir, "bad-crc", 5, bad.value());
    bad.value()[12] = 1;
    ok &= put(dir, "bad-pad", 5, bad.value());
    bad.value().resize(20);
    ok &= put(dir, "truncated", 5, bad.value());
  }
  std::vector<uint8_t> over(16, 0xFF);
  over.resize(200, 0);
  ok &= put(dir, "oversize", 1, over);
  return ok ? 0 : 1;
}
