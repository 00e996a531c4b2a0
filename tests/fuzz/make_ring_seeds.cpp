// make_ring_seeds OUTDIR: seed corpus for ring_reader_fuzz. Each seed is
// an 8-byte read position followed by a segment image (header + data area)
// written by the real producer: an empty ring, records of several sizes,
// a ring that wrapped with a padding record, one with implicit end padding.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "report/builder.hpp"
#include "ring/ring.hpp"

using namespace ktsnap;
using namespace ktsnap::ring;

namespace {

std::vector<uint8_t> report(size_t region) {
  ReportBuilder b;
  ReportMetadata md;
  md.tag = "seed";
  b.set_metadata(md);
  std::vector<uint8_t> bytes(region, 0x42);
  if (region != 0) (void)b.add_region(0x1000, bytes);
  auto r = b.finish();
  return r.ok() ? r.value() : std::vector<uint8_t>{};
}

bool write_seed(const std::string& path, uint64_t rpos, const Segment& seg) {
  const Geometry& g = seg.geo();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  std::fwrite(&rpos, 8, 1, f);
  std::fwrite(g.base, 1, g.header_size + g.capacity, f);
  return std::fclose(f) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_ring_seeds OUTDIR\n");
    return 2;
  }
  std::string out = argv[1];
  std::string name = "ktsnap-seeds-" + std::to_string(getpid());
  (void)Segment::unlink(name);
  RingOptions o;
  o.capacity = 2048;
  auto seg = Segment::create(name, o);
  (void)Segment::unlink(name);
  if (!seg.ok()) {
    std::fprintf(stderr, "make_ring_seeds: %s\n", seg.error().message.c_str());
    return 1;
  }
  auto prod = Producer::open(seg.value());
  if (!prod.ok()) return 1;
  bool ok = write_seed(out + "/empty", 0, *seg.value());
  const uint64_t start = load(seg.value()->hdr()->head);
  for (size_t n : {0, 100, 300}) ok = ok && (*prod)->publish(report(n), 0).ok();
  ok = ok && write_seed(out + "/three", start, *seg.value());
  // Wrap: records until one needs a padding record before it. No consumer
  // is registered, so nothing holds the producer back.
  uint64_t before = 0;
  for (int i = 0; i < 12; i++) {
    before = load(seg.value()->hdr()->head);
    ok = ok && (*prod)->publish(report(size_t(150 + 40 * i)), 0).ok();
  }
  ok = ok && write_seed(out + "/wrapped", before, *seg.value());
  // Fill to within 8 bytes of the end: the next record skips them.
  uint64_t at = load(seg.value()->hdr()->head) % o.capacity;
  if (o.capacity - at >= 24) {
    uint64_t len = o.capacity - at - 8 - kRecordHeaderSize;
    std::vector<uint8_t> junk(len, 0);
    ok = ok && (*prod)->publish(junk, 0).ok();
    before = load(seg.value()->hdr()->head);
    ok = ok && (*prod)->publish(report(10), 0).ok();
    ok = ok && write_seed(out + "/implicit-pad", before, *seg.value());
  }
  if (!ok) {
    std::fprintf(stderr, "make_ring_seeds: could not write the seeds\n");
    return 1;
  }
  return 0;
}
