// TLV frames: header layout, encoder checks, every message type round
// trip, and the streaming decoder's rules (spec/wire.md 2.7): every split
// point of a multi-frame stream, garbage, truncation, oversize lengths
// (with no allocation from the announced length), CRC mismatch, non-zero
// pad, the 2 x cap leftover rule; then the one-shot walk.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "wire/frame.hpp"

namespace {

using namespace ktsnap;
using namespace ktsnap::wire;

std::vector<uint8_t> bytes_of(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

std::vector<uint8_t> frame(uint32_t type, const std::vector<uint8_t>& payload) {
  auto r = make_frame(type, payload);
  EXPECT_TRUE(r.ok());
  return r.ok() ? r.value() : std::vector<uint8_t>{};
}

std::vector<uint8_t> raw_header(uint32_t type, uint32_t len, uint32_t crc, uint32_t pad) {
  std::vector<uint8_t> h(kFrameHeaderSize);
  encode_header(FrameHeader{type, len, crc, pad}, h.data());
  return h;
}

void append(std::vector<uint8_t>& a, const std::vector<uint8_t>& b) { a.insert(a.end(), b.begin(), b.end()); }

TEST(WireFrame, HeaderLayoutIsLittleEndian) {
  auto f = frame(msg::kExit, {0x2A, 0, 0, 0});
  ASSERT_EQ(f.size(), 20u);
  // EXIT travels as "TIXE".
  EXPECT_EQ(std::string(f.begin(), f.begin() + 4), "TIXE");
  EXPECT_EQ(f[4], 4);
  EXPECT_EQ(f[5] | f[6] | f[7], 0);
  const uint32_t crc = crc32(f.data() + 16, 4);
  EXPECT_EQ(f[8], uint8_t(crc));
  EXPECT_EQ(f[11], uint8_t(crc >> 24));
  EXPECT_EQ(f[12] | f[13] | f[14] | f[15], 0);
  const auto h = decode_header(f.data());
  EXPECT_EQ(h.msg_type, msg::kExit);
  EXPECT_EQ(h.length, 4u);
  EXPECT_EQ(h.crc32, crc);
  EXPECT_EQ(h.pad, 0u);
  // CRC over the payload only: an empty frame carries crc 0.
  auto e = frame(msg::kSysRdy, {});
  EXPECT_EQ(e.size(), 16u);
  EXPECT_EQ(decode_header(e.data()).crc32, 0u);
}

TEST(WireFrame, TypeConstantsAndNames) {
  const auto types = known_message_types();
  EXPECT_EQ(types.size(), 27u);
  for (uint32_t t : types) {
    EXPECT_TRUE(is_known_message_type(t));
    const std::string n = message_type_name(t);
    ASSERT_EQ(n.size(), 4u);
    // The constant's bytes, most significant first, are its name.
    for (int i = 0; i < 4; ++i) EXPECT_EQ(uint8_t(n[size_t(i)]), uint8_t(t >> (24 - 8 * i)));
  }
  EXPECT_EQ(message_type_name(msg::kSnapshotRequest), "SNRQ");
  EXPECT_EQ(message_type_name(msg::kSnapshotReply), "SNRP");
  EXPECT_EQ(message_type_name(msg::kWprofTrace), "WPRF");
  EXPECT_EQ(message_type_name(0x00414243), "?ABC");
  EXPECT_FALSE(is_known_message_type(0x41414141));
  EXPECT_TRUE(is_coordinator_internal(msg::kSnapshotRequest));
  EXPECT_TRUE(is_coordinator_internal(msg::kKernelOpReply));
  EXPECT_TRUE(is_coordinator_internal(msg::kSysRdy));
  EXPECT_FALSE(is_coordinator_internal(msg::kExit));
}

TEST(WireFrame, EncoderChecks) {
  std::vector<uint8_t> payload(100, 7);
  std::vector<uint8_t> out(115, 0xEE);
  auto r = encode_frame(msg::kStdout, payload, out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::Range);
  EXPECT_EQ(out[0], 0xEE);  // nothing written
  out.resize(116);
  r = encode_frame(msg::kStdout, payload, out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 116u);
  // The cap: exactly at it is valid, one more is not.
  std::vector<uint8_t> v;
  EXPECT_TRUE(append_frame(v, msg::kDmesg, payload, 100).ok());
  EXPECT_EQ(v.size(), 116u);
  auto st = append_frame(v, msg::kDmesg, payload, 99);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::Invalid);
  EXPECT_EQ(v.size(), 116u);
}

TEST(WireFrame, EveryTypeRoundTrips) {
  std::mt19937 rng(3);
  std::vector<uint8_t> stream;
  std::vector<std::vector<uint8_t>> payloads;
  for (uint32_t t : known_message_types()) {
    std::vector<uint8_t> p(rng() % 200);
    for (auto& b : p) b = uint8_t(rng());
    payloads.push_back(p);
    ASSERT_TRUE(append_frame(stream, t, p).ok());
  }
  StreamDecoder d;
  auto frames = d.feed(stream);
  ASSERT_EQ(frames.size(), known_message_types().size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].msg_type, known_message_types()[i]);
    EXPECT_EQ(frames[i].payload, payloads[i]);
    EXPECT_TRUE(frames[i].crc_ok);
    EXPECT_EQ(frames[i].pad, 0u);
  }
  EXPECT_EQ(d.buffered(), 0u);
  EXPECT_EQ(d.stats().frames, frames.size());
  EXPECT_EQ(d.stats().crc_mismatches, 0u);
  auto one = parse_frames(stream);
  EXPECT_EQ(one.frames.size(), frames.size());
  EXPECT_FALSE(one.oversize);
  EXPECT_EQ(one.truncated_tail, 0u);
}

std::vector<uint8_t> three_frames() {
  std::vector<uint8_t> s;
  append(s, frame(msg::kScenarioStart, {}));
  append(s, frame(msg::kStdout, bytes_of("hello, wire")));
  append(s, frame(msg::kExit, {1, 0, 0, 0}));
  return s;
}

void expect_three(const std::vector<Frame>& f) {
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].msg_type, msg::kScenarioStart);
  EXPECT_TRUE(f[0].payload.empty());
  EXPECT_EQ(f[1].msg_type, msg::kStdout);
  EXPECT_EQ(f[1].payload, bytes_of("hello, wire"));
  EXPECT_EQ(f[2].msg_type, msg::kExit);
  for (const auto& x : f) EXPECT_TRUE(x.crc_ok);
}

TEST(WireDecoder, EverySplitPoint) {
  const auto s = three_frames();
  for (size_t a = 0; a <= s.size(); ++a)
    for (size_t b = a; b <= s.size(); ++b) {
      StreamDecoder d;
      std::vector<Frame> out;
      d.feed(std::span(s).first(a), out);
      d.feed(std::span(s).subspan(a, b - a), out);
      d.feed(std::span(s).subspan(b), out);
      expect_three(out);
      ASSERT_EQ(d.buffered(), 0u) << a << " " << b;
    }
}

TEST(WireDecoder, OneByteAtATime) {
  const auto s = three_frames();
  StreamDecoder d;
  std::vector<Frame> out;
  // Frame ends: 16, 16 + 27, 16 + 27 + 20.
  const size_t ends[] = {16, 43, 63};
  ASSERT_EQ(s.size(), 63u);
  for (size_t i = 0; i < s.size(); ++i) {
    d.feed(std::span(s).subspan(i, 1), out);
    // A frame is emitted exactly when its last byte arrives.
    size_t done = 0;
    for (size_t e : ends) done += (i + 1 >= e);
    ASSERT_EQ(out.size(), done) << i;
  }
  expect_three(out);
  EXPECT_EQ(d.stats().frames, 3u);
}

TEST(WireDecoder, ManyFramesInOneChunk) {
  std::vector<uint8_t> s;
  for (int i = 0; i < 1000; ++i) append(s, frame(msg::kSchedLog, bytes_of("line " + std::to_string(i))));
  StreamDecoder d;
  auto f = d.feed(s);
  ASSERT_EQ(f.size(), 1000u);
  EXPECT_EQ(f[999].payload, bytes_of("line 999"));
}

TEST(WireDecoder, TruncatedFrameWaits) {
  const auto f = frame(msg::kStdout, bytes_of("0123456789"));
  StreamDecoder d;
  EXPECT_TRUE(d.feed(std::span(f).first(15)).empty());
  EXPECT_EQ(d.buffered(), 15u);
  EXPECT_TRUE(d.feed(std::span(f).subspan(15, 10)).empty());
  EXPECT_EQ(d.buffered(), 25u);
  auto out = d.feed(std::span(f).subspan(25));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(d.buffered(), 0u);
  // The residual goes back to the caller.
  d.feed(std::span(f).first(20));
  auto res = d.take_residual();
  EXPECT_EQ(res, std::vector<uint8_t>(f.begin(), f.begin() + 20));
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(WireDecoder, CrcMismatchIsEmittedAndWalkGoesOn) {
  auto bad = frame(msg::kStdout, bytes_of("payload"));
  bad[16] ^= 0x01;  // corrupt the payload, not the header
  std::vector<uint8_t> s = bad;
  append(s, frame(msg::kExit, {0, 0, 0, 0}));
  StreamDecoder d;
  auto out = d.feed(s);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].crc_ok);
  EXPECT_EQ(out[0].msg_type, msg::kStdout);
  EXPECT_TRUE(out[1].crc_ok);
  EXPECT_EQ(d.stats().crc_mismatches, 1u);
  EXPECT_EQ(d.stats().frames, 2u);
  // The reader's check names both values.
  auto h = decode_header(bad.data());
  auto st = check_frame_crc(h, std::span(bad).subspan(16));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::Format);
  EXPECT_NE(st.error().message.find("CRC"), std::string::npos);
}

TEST(WireDecoder, NonZeroPadStillDecodes) {
  const auto p = bytes_of("abc");
  auto s = raw_header(msg::kStderr, 3, crc32(p), 0xDEADBEEF);
  append(s, p);
  StreamDecoder d;
  auto out = d.feed(s);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].crc_ok);
  EXPECT_EQ(out[0].pad, 0xDEADBEEFu);
  EXPECT_EQ(d.stats().nonzero_pad, 1u);
}

TEST(WireDecoder, LengthExactlyAtCapIsValid) {
  const uint32_t cap = 4096;
  std::vector<uint8_t> p(cap, 0x5A);
  std::vector<uint8_t> s;
  ASSERT_TRUE(append_frame(s, msg::kProfraw, p, cap).ok());
  StreamDecoder d(cap);
  auto out = d.feed(s);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload.size(), cap);
  EXPECT_TRUE(out[0].crc_ok);
  EXPECT_EQ(d.stats().oversize_frames, 0u);
}

TEST(WireDecoder, OversizeLengthClearsBufferOnceItsPayloadIsThere) {
  const uint32_t cap = 4096;
  StreamDecoder d(cap);
  // A header one over the cap, followed by its payload and a good frame:
  // the whole buffer goes, the good frame with it.
  auto s = raw_header(msg::kStdout, cap + 1, 0, 0);
  s.resize(s.size() + cap + 1, 0x11);
  append(s, frame(msg::kExit, {0, 0, 0, 0}));
  auto out = d.feed(s);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.buffered(), 0u);
  EXPECT_EQ(d.stats().oversize_frames, 1u);
  EXPECT_EQ(d.stats().bytes_discarded, s.size());
  // Resynced: the next frame decodes.
  out = d.feed(frame(msg::kExit, {2, 0, 0, 0}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].crc_ok);
}

TEST(WireDecoder, HugeLengthAllocatesNothingForIt) {
  // length 0xFFFFFFFF with the default 16 MiB cap: the decoder holds only
  // the bytes fed, and clears once more than 2 x cap are waiting.
  StreamDecoder d;
  auto h = raw_header(msg::kStdout, 0xFFFFFFFFu, 0, 0);
  EXPECT_TRUE(d.feed(h).empty());
  EXPECT_EQ(d.buffered(), 16u);
  EXPECT_LT(d.buffer_capacity(), 4096u);
  const size_t chunk = 1 << 20;
  std::vector<uint8_t> junk(chunk, 0);
  size_t fed = 16;
  size_t max_cap = 0;
  while (d.stats().overflow_clears == 0) {
    EXPECT_TRUE(d.feed(junk).empty());
    fed += chunk;
    max_cap = std::max(max_cap, d.buffer_capacity());
    ASSERT_LE(fed, 2 * size_t(kMaxFramePayload) + chunk + 16);
  }
  EXPECT_EQ(fed, 2 * size_t(kMaxFramePayload) + 16);  // cleared at the first byte over 2 x cap
  EXPECT_EQ(d.buffered(), 0u);
  EXPECT_EQ(d.stats().bytes_discarded, fed);
  // Never more than the bytes received, with the vector's growth slack.
  EXPECT_LE(max_cap, 2 * (2 * size_t(kMaxFramePayload) + 16));
  EXPECT_EQ(d.buffer_capacity(), 0u);  // memory given back
  // And the reader's check refuses it before allocating.
  EXPECT_FALSE(check_frame_header(decode_header(h.data()), kMaxFramePayload).ok());
}

TEST(WireDecoder, LeftoverExactlyTwiceCapIsKept) {
  const uint32_t cap = 1000;
  StreamDecoder d(cap);
  auto s = raw_header(msg::kStdout, 0xFFFFFFFFu, 0, 0);
  s.resize(2 * cap, 0);
  EXPECT_TRUE(d.feed(s).empty());
  EXPECT_EQ(d.buffered(), 2u * cap);
  EXPECT_EQ(d.stats().overflow_clears, 0u);
  const uint8_t one = 0;
  d.feed(std::span(&one, 1));
  EXPECT_EQ(d.buffered(), 0u);
  EXPECT_EQ(d.stats().overflow_clears, 1u);
  EXPECT_EQ(d.stats().bytes_discarded, 2u * cap + 1);
}

TEST(WireDecoder, GarbageBeforeFrames) {
  // Garbage whose "header" announces a small length swallows that many
  // bytes as a frame with a bad CRC; there is no magic to resync on.
  StreamDecoder d;
  std::vector<uint8_t> s = raw_header(0x41414141, 4, 0x12345678, 0);
  append(s, {1, 2, 3, 4});
  append(s, three_frames());
  auto out = d.feed(s);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_FALSE(out[0].crc_ok);
  EXPECT_EQ(out[0].msg_type, 0x41414141u);
  expect_three(std::vector<Frame>(out.begin() + 1, out.end()));
  // Garbage announcing more than the cap: once the announced bytes are
  // there the buffer is cleared, and frames fed later decode again.
  StreamDecoder d2(64);
  std::vector<uint8_t> g(80, 0xFF);  // length 0xFFFFFFFF, never complete
  EXPECT_TRUE(d2.feed(g).empty());
  EXPECT_EQ(d2.stats().overflow_clears, 0u);
  std::vector<uint8_t> more(60, 0xFF);
  EXPECT_TRUE(d2.feed(more).empty());  // 140 > 2 x 64: cleared
  EXPECT_EQ(d2.stats().overflow_clears, 1u);
  auto good = d2.feed(three_frames());
  expect_three(good);
}

TEST(WireDecoder, GarbageBetweenFrames) {
  // Three garbage bytes between two frames shift the walk: the second
  // frame's bytes are read as a header at the wrong offset. A bogus header
  // announcing a small length gives a bad-CRC frame; the decoder keeps
  // going and never reads outside what it was fed.
  std::vector<uint8_t> s = frame(msg::kStdout, bytes_of("first"));
  append(s, {0xAA, 0xBB, 0xCC});
  append(s, frame(msg::kStdout, bytes_of("second")));
  StreamDecoder d;
  auto out = d.feed(s);
  ASSERT_GE(out.size(), 1u);
  EXPECT_EQ(out[0].payload, bytes_of("first"));
  EXPECT_TRUE(out[0].crc_ok);
  for (size_t i = 1; i < out.size(); ++i) EXPECT_FALSE(out[i].crc_ok);
  EXPECT_LE(d.buffered(), s.size());
}

TEST(WireParse, OneShotRules) {
  const uint32_t cap = 128;
  std::vector<uint8_t> s = three_frames();
  const size_t good = s.size();
  append(s, raw_header(msg::kStdout, cap + 1, 0, 0));  // ends the walk, even incomplete
  append(s, frame(msg::kExit, {9, 0, 0, 0}));           // lost
  auto r = parse_frames(s, cap);
  expect_three(r.frames);
  EXPECT_TRUE(r.oversize);
  EXPECT_EQ(r.stopped_at, good);
  EXPECT_EQ(r.stats.bytes_discarded, s.size() - good);
  // A truncated trailing frame is dropped.
  std::vector<uint8_t> t = three_frames();
  auto tail = frame(msg::kStdout, bytes_of("cut short"));
  append(t, std::vector<uint8_t>(tail.begin(), tail.end() - 3));
  r = parse_frames(t, cap);
  expect_three(r.frames);
  EXPECT_FALSE(r.oversize);
  EXPECT_EQ(r.truncated_tail, tail.size() - 3);
  // Fewer than 16 bytes: nothing.
  r = parse_frames(std::span(t).first(10), cap);
  EXPECT_TRUE(r.frames.empty());
  EXPECT_EQ(r.truncated_tail, 10u);
}

TEST(WireReader, HeaderCheckBeforeAllocation) {
  auto st = check_frame_header(FrameHeader{msg::kSnapshotReply, 521, 0, 0}, 520);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::Format);
  EXPECT_NE(st.error().message.find("521"), std::string::npos);
  EXPECT_TRUE(check_frame_header(FrameHeader{msg::kSnapshotReply, 520, 0, 0}, 520).ok());
  EXPECT_FALSE(check_frame_header(FrameHeader{msg::kSnapshotReply, 0xFFFFFFFFu, 0, 0}, kMaxFramePayload).ok());
}

}  // namespace
