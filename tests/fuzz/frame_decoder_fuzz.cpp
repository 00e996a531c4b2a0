// libFuzzer target: the capture wire's byte stream is hostile input
// (DESIGN.md, Bad input). The first byte picks a payload cap (small ones
// reach the oversize and 2 x cap rules) and the chunk sizes the bytes are
// fed in; the rest is the stream. Checked: the streaming decoder, fed in
// chunks, emits exactly the frames the whole-buffer feed emits while no
// clear happened, never holds more than 2 x cap after a feed, keeps its counters
// consistent; each frame's CRC flag is right; the one-shot walk
// yields the single feed's frames; every payload goes through
// the SNRQ and SNRP decoders, and what they accept re-encodes to the same
// bytes (modulo the text after a NUL and ill-formed UTF-8).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "wire/frame.hpp"
#include "wire/snapshot.hpp"

using namespace ktsnap::wire;

namespace {

void check(bool cond) {
  if (!cond) std::abort();
}

void payload_decoders(const std::vector<uint8_t>& p) {
  if (auto r = decode_snapshot_request(p); r.ok()) {
    check(r->request_id != 0 && r->kind != 0);
    auto e = encode_snapshot_request(r.value());
    check(e.ok());
    check(std::memcmp(e->data(), p.data(), 8) == 0);
  }
  if (auto r = decode_snapshot_reply(p); r.ok()) {
    check(r->status == kSnapshotStatusOk || r->status == kSnapshotStatusErr);
    auto e = encode_snapshot_reply(r.value());
    check(e.ok());
    check(std::memcmp(e->data(), p.data(), 8) == 0);
  }
  (void)decode_snapshot_reply(p, 64);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const uint32_t kCaps[] = {0, 16, 72, 520, 4096, kMaxFramePayload};
  const uint32_t cap = kCaps[data[0] % 6];
  const size_t chunk = 1 + (data[0] >> 3);  // 1..32
  data += 1;
  size -= 1;
  std::vector<uint8_t> copy(data, data + size);  // exact size: ASan sees overreads

  // Whole buffer in one feed.
  StreamDecoder whole(cap);
  std::vector<Frame> a;
  whole.feed(copy, a);
  check(whole.buffered() <= size);
  check(whole.stats().frames == a.size());

  // The same bytes in chunks.
  StreamDecoder parts(cap);
  std::vector<Frame> b;
  size_t fed = 0;
  for (size_t i = 0; i < size; i += chunk) {
    const size_t n = std::min(chunk, size - i);
    parts.feed(std::span(copy).subspan(i, n), b);
    fed += n;
    check(parts.buffered() <= fed);
    check(parts.buffered() <= 2 * uint64_t(cap));
  }
  const auto& sa = whole.stats();
  const auto& sb = parts.stats();
  if (sa.oversize_frames == 0 && sa.overflow_clears == 0 && sb.oversize_frames == 0 && sb.overflow_clears == 0) {
    check(a.size() == b.size());
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
      check(a[i].msg_type == b[i].msg_type && a[i].payload == b[i].payload && a[i].crc_ok == b[i].crc_ok);
    check(whole.buffered() == parts.buffered());
  }
  for (const auto& f : b) {
    check(f.payload.size() <= cap);
    check(f.crc_ok == (crc32(f.payload) == f.crc32));
  }
  for (const auto& f : a) payload_decoders(f.payload);

  // One-shot walk: it stops where a single feed stops, with the same frames.
  auto r = parse_frames(copy, cap);
  check(r.frames.size() == a.size());
  for (size_t i = 0; i < a.size() && i < r.frames.size(); ++i)
    check(r.frames[i].msg_type == a[i].msg_type && r.frames[i].payload == a[i].payload);
  check(r.oversize || r.stopped_at + r.truncated_tail == size);

  // The raw input straight into the payload decoders too.
  payload_decoders(copy);
  const size_t held = parts.buffered();
  check(parts.take_residual().size() == held && parts.buffered() == 0);
  return 0;
}
