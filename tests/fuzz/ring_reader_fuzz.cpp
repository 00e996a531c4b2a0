// libFuzzer target: a ring segment image is hostile input (DESIGN.md, Bad
// input). The input is a segment image: header, then data area; the first
// 8 bytes give the consumer's read position (the committed position is
// the header's own `head`). check_header must refuse it with a status or
// accept it, and then read_record, walked from the read position up to the
// committed one, must never read outside the image; every report payload
// it yields goes through Report::open_memory (the verifier).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "report/report.hpp"
#include "ring/layout.hpp"

using namespace ktsnap;
using namespace ktsnap::ring;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  uint64_t rpos = 0;
  std::memcpy(&rpos, data, 8);
  data += 8;
  size -= 8;
  // An exactly sized copy (operator new aligns it to 16): reads past
  // `size` are caught by ASan.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[size == 0 ? 1 : size]);
  uint8_t* base = copy.get();
  if (size != 0) std::memcpy(base, data, size);
  auto g = check_header(base, size);
  if (!g.ok()) return 0;
  const uint64_t head = load(g->hdr()->head);
  const uint64_t end = g->data() - base + g->capacity;
  if (end > size) __builtin_trap();  // check_header let a data area past the image through
  for (int steps = 0; steps < 64 && rpos != head; steps++) {
    auto rv = read_record(g.value(), rpos, head);
    if (!rv.ok()) break;
    if (rv->next <= rpos) __builtin_trap();  // no progress: a reader would spin
    if (rv->type == kRecordReport) {
      if (rv->payload_off + rv->length > g->capacity) __builtin_trap();
      auto r = Report::open_memory(g->data() + rv->payload_off, rv->length);
      (void)r;
    }
    rpos = rv->next;
  }
  return 0;
}
