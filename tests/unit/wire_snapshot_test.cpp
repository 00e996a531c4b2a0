// SNRQ (72 B) and SNRP (520 B) payloads: byte layout, round trips, tags
// and reasons at and over their field size, bad sizes, ids, kinds and
// statuses, and the lossy UTF-8 decoding of the text fields.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "wire/frame.hpp"
#include "wire/snapshot.hpp"

namespace {

using namespace ktsnap;
using namespace ktsnap::wire;

std::vector<uint8_t> v(std::span<const uint8_t> s) { return std::vector<uint8_t>(s.begin(), s.end()); }

uint32_t le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

TEST(WireSnapshot, Sizes) {
  EXPECT_EQ(kSnapshotRequestSize, 72u);
  EXPECT_EQ(kSnapshotReplySize, 520u);
}

TEST(WireSnapshot, RequestLayoutAndRoundTrip) {
  auto p = encode_snapshot_request({7, kSnapshotKindCapture, "after-step-3"});
  ASSERT_TRUE(p.ok());
  const auto& b = p.value();
  EXPECT_EQ(le32(b.data()), 7u);
  EXPECT_EQ(le32(b.data() + 4), 1u);
  EXPECT_EQ(std::memcmp(b.data() + 8, "after-step-3", 12), 0);
  for (size_t i = 8 + 12; i < 72; ++i) EXPECT_EQ(b[i], 0) << i;
  auto r = decode_snapshot_request(b);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->request_id, 7u);
  EXPECT_EQ(r->kind, kSnapshotKindCapture);
  EXPECT_EQ(r->tag, "after-step-3");
}

TEST(WireSnapshot, TagsAtAndOverTheField) {
  const std::string t64(64, 'x');
  auto r = decode_snapshot_request(encode_snapshot_request({1, kSnapshotKindWatch, t64}).value());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tag, t64);  // no terminator: the whole field
  // A 70-byte tag is cut to its first 64 bytes.
  std::string t70;
  for (int i = 0; i < 70; ++i) t70.push_back(char('a' + i % 26));
  auto e = encode_snapshot_request({2, kSnapshotKindCapture, t70});
  ASSERT_TRUE(e.ok());
  r = decode_snapshot_request(e.value());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tag, t70.substr(0, 64));
  // Cut inside a 2-byte character: the half character becomes U+FFFD.
  std::string t = std::string(63, 'y') + "\xC3\xA9";  // 65 bytes
  r = decode_snapshot_request(encode_snapshot_request({3, kSnapshotKindCapture, t}).value());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tag, std::string(63, 'y') + "\xEF\xBF\xBD");
  // Empty tag.
  r = decode_snapshot_request(encode_snapshot_request({4, kSnapshotKindCapture, ""}).value());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tag, "");
  // Text after a NUL in the field is not part of the tag.
  auto raw = encode_snapshot_request({5, kSnapshotKindCapture, "ab"}).value();
  raw[11] = 'z';
  EXPECT_EQ(decode_snapshot_request(raw)->tag, "ab");
}

TEST(WireSnapshot, RequestErrors) {
  EXPECT_EQ(encode_snapshot_request({0, kSnapshotKindCapture, "t"}).error().code, Code::Invalid);
  EXPECT_EQ(encode_snapshot_request({1, kSnapshotKindNone, "t"}).error().code, Code::Invalid);
  auto good = v(encode_snapshot_request({9, kSnapshotKindCapture, "t"}).value());
  for (size_t n : {size_t(0), size_t(8), size_t(71), size_t(73), size_t(520)}) {
    std::vector<uint8_t> p(n, 0);
    if (n != 0) std::memcpy(p.data(), good.data(), std::min(n, good.size()));
    auto r = decode_snapshot_request(p);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().code, Code::Format);
    EXPECT_NE(r.error().message.find(std::to_string(n) + " bytes"), std::string::npos) << r.error().message;
  }
  auto p = good;
  p[0] = 0;
  EXPECT_NE(decode_snapshot_request(p).error().message.find("request_id 0"), std::string::npos);
  p = good;
  p[4] = 0;
  EXPECT_NE(decode_snapshot_request(p).error().message.find("kind 0"), std::string::npos);
  // An unknown non-zero kind decodes; the host answers it with ERR.
  p = good;
  p[4] = 9;
  auto r = decode_snapshot_request(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, 9u);
  auto k = check_snapshot_kind(r->kind);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().message, "unknown snapshot kind 9");
  EXPECT_TRUE(check_snapshot_kind(kSnapshotKindCapture).ok());
  EXPECT_TRUE(check_snapshot_kind(kSnapshotKindWatch).ok());
}

TEST(WireSnapshot, ReplyLayoutAndRoundTrip) {
  auto p = encode_snapshot_reply({42, kSnapshotStatusErr, "another snapshot capture is in flight; retry"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(le32(p->data()), 42u);
  EXPECT_EQ(le32(p->data() + 4), 2u);
  auto r = decode_snapshot_reply(p.value());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->request_id, 42u);
  EXPECT_EQ(r->status, kSnapshotStatusErr);
  EXPECT_EQ(r->reason, "another snapshot capture is in flight; retry");
  // OK: reason all zeros.
  auto ok = encode_snapshot_reply({43, kSnapshotStatusOk, ""}).value();
  for (size_t i = 8; i < ok.size(); ++i) ASSERT_EQ(ok[i], 0);
  EXPECT_EQ(decode_snapshot_reply(ok)->reason, "");
  // 512-byte reason: whole field; longer: cut at 512.
  const std::string r600(600, 'r');
  r = decode_snapshot_reply(encode_snapshot_reply({44, kSnapshotStatusErr, r600}).value());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reason, std::string(512, 'r'));
}

TEST(WireSnapshot, ReplyErrors) {
  EXPECT_EQ(encode_snapshot_reply({1, 0, ""}).error().code, Code::Invalid);
  EXPECT_EQ(encode_snapshot_reply({1, 3, ""}).error().code, Code::Invalid);
  auto good = v(encode_snapshot_reply({1, kSnapshotStatusOk, ""}).value());
  // The old 72-byte reply is refused unless asked for.
  std::vector<uint8_t> old(good.begin(), good.begin() + 72);
  auto r = decode_snapshot_reply(old);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::Format);
  EXPECT_TRUE(decode_snapshot_reply(old, 64).ok());
  EXPECT_FALSE(decode_snapshot_reply(std::span(good).first(4)).ok());
  EXPECT_FALSE(decode_snapshot_reply(std::span(good).first(4), size_t(-1)).ok());
  auto p = good;
  p.push_back(0);
  EXPECT_FALSE(decode_snapshot_reply(p).ok());
  p = good;
  p[4] = 3;
  r = decode_snapshot_reply(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown status 3"), std::string::npos);
}

TEST(WireSnapshot, Frames) {
  auto f = frame_snapshot_request({11, kSnapshotKindCapture, "tag"});
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 16u + 72u);
  auto h = decode_header(f->data());
  EXPECT_EQ(h.msg_type, msg::kSnapshotRequest);
  EXPECT_EQ(h.length, 72u);
  EXPECT_EQ(h.crc32, crc32(std::span(*f).subspan(16)));
  auto g = frame_snapshot_reply({11, kSnapshotStatusOk, ""});
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->size(), 16u + 520u);
  EXPECT_EQ(decode_header(g->data()).msg_type, msg::kSnapshotReply);
  EXPECT_FALSE(frame_snapshot_request({0, 1, ""}).ok());
  EXPECT_FALSE(frame_snapshot_reply({1, 7, ""}).ok());
}

TEST(WireSnapshot, Utf8Lossy) {
  auto L = [](const std::string& s) {
    return utf8_lossy(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  };
  const std::string R = "\xEF\xBF\xBD";
  EXPECT_EQ(L("plain"), "plain");
  EXPECT_EQ(L("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(L("\x80"), R);
  EXPECT_EQ(L("\xC0\xAF"), R + R);                 // overlong lead: each byte
  EXPECT_EQ(L("\xE2\x82"), R);                     // truncated 3-byte: one
  EXPECT_EQ(L("\xE2\x82x"), R + "x");
  EXPECT_EQ(L("\xED\xA0\x80"), R + R + R);         // surrogate: 3
  EXPECT_EQ(L("\xF0\x9F\x98"), R);                 // truncated 4-byte: one
  EXPECT_EQ(L("\xF4\x90\x80\x80"), R + R + R + R); // over U+10FFFF
  EXPECT_EQ(L("\xFF"), R);
  // Unicode's own example (Table 3-8).
  EXPECT_EQ(L("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"), "a" + R + R + R + "b" + R + "c" + R + R + "d");
}

}  // namespace
