// SNRQ / SNRP payload codecs and the lossy text decoding of their fields.
#include "wire/snapshot.hpp"

#include <cstring>

namespace ktsnap::wire {
namespace {

inline void put_le32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v >> 16);
  p[3] = uint8_t(v >> 24);
}

inline uint32_t get_le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

void put_text(uint8_t* field, size_t field_size, std::string_view text) {
  std::memset(field, 0, field_size);
  const size_t n = text.size() < field_size ? text.size() : field_size;
  if (n != 0) std::memcpy(field, text.data(), n);
}

}  // namespace

std::string utf8_lossy(std::span<const uint8_t> s) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t b = s[i];
    if (b < 0x80) {
      out.push_back(char(b));
      ++i;
      continue;
    }
    // Sequence length and the allowed range of the second byte (Unicode
    // Table 3-7, well-formed UTF-8 byte sequences).
    size_t len = 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b == 0xE0) {
      len = 3, lo = 0xA0;
    } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
      len = 3;
    } else if (b == 0xED) {
      len = 3, hi = 0x9F;
    } else if (b == 0xF0) {
      len = 4, lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
      len = 4;
    } else if (b == 0xF4) {
      len = 4, hi = 0x8F;
    }
    if (len == 0) {  // 80..C1, F5..FF: never a lead byte
      out += kReplacement;
      ++i;
      continue;
    }
    size_t k = 1;  // bytes of the sequence seen valid so far
    while (k < len && i + k < s.size()) {
      const uint8_t c = s[i + k];
      const bool ok = (k == 1) ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
      if (!ok) break;
      ++k;
    }
    if (k == len) {
      out.append(reinterpret_cast<const char*>(s.data() + i), len);
    } else {
      out += kReplacement;  // the maximal subpart: lead + the valid continuations
    }
    i += k;
  }
  return out;
}

std::string decode_text_field(std::span<const uint8_t> field) {
  size_t n = 0;
  while (n < field.size() && field[n] != 0) ++n;
  return utf8_lossy(field.first(n));
}

Result<std::array<uint8_t, kSnapshotRequestSize>> encode_snapshot_request(const SnapshotRequest& r) {
  if (r.request_id == 0) return make_error(Code::Invalid, "snapshot request id 0 is never sent");
  if (r.kind == kSnapshotKindNone) return make_error(Code::Invalid, "snapshot request kind 0 (NONE) is never sent");
  std::array<uint8_t, kSnapshotRequestSize> p{};
  put_le32(p.data(), r.request_id);
  put_le32(p.data() + 4, r.kind);
  put_text(p.data() + 8, kSnapshotTagMax, r.tag);
  return p;
}

Result<SnapshotRequest> decode_snapshot_request(std::span<const uint8_t> payload) {
  if (payload.size() != kSnapshotRequestSize)
    return make_error(Code::Format, "snapshot request payload is " + std::to_string(payload.size()) +
                                        " bytes, expected " + std::to_string(kSnapshotRequestSize));
  SnapshotRequest r;
  r.request_id = get_le32(payload.data());
  r.kind = get_le32(payload.data() + 4);
  if (r.request_id == 0) return make_error(Code::Format, "snapshot request with request_id 0");
  if (r.kind == kSnapshotKindNone) return make_error(Code::Format, "snapshot request with kind 0 (NONE)");
  r.tag = decode_text_field(payload.subspan(8, kSnapshotTagMax));
  return r;
}

Status check_snapshot_kind(uint32_t kind) {
  if (kind == kSnapshotKindCapture || kind == kSnapshotKindWatch) return {};
  return make_error(Code::Unsupported, "unknown snapshot kind " + std::to_string(kind));
}

Result<std::array<uint8_t, kSnapshotReplySize>> encode_snapshot_reply(const SnapshotReply& r) {
  if (r.status != kSnapshotStatusOk && r.status != kSnapshotStatusErr)
    return make_error(Code::Invalid, "snapshot reply status " + std::to_string(r.status) + " is neither OK (1) nor ERR (2)");
  std::array<uint8_t, kSnapshotReplySize> p{};
  put_le32(p.data(), r.request_id);
  put_le32(p.data() + 4, r.status);
  put_text(p.data() + 8, kSnapshotReasonMax, r.reason);
  return p;
}

Result<SnapshotReply> decode_snapshot_reply(std::span<const uint8_t> payload, size_t reason_max) {
  if (payload.size() < 8 || payload.size() - 8 != reason_max)
    return make_error(Code::Format, "snapshot reply payload is " + std::to_string(payload.size()) +
                                        " bytes, expected " + std::to_string(8 + reason_max));
  SnapshotReply r;
  r.request_id = get_le32(payload.data());
  r.status = get_le32(payload.data() + 4);
  if (r.status != kSnapshotStatusOk && r.status != kSnapshotStatusErr)
    return make_error(Code::Format, "snapshot reply with unknown status " + std::to_string(r.status));
  r.reason = decode_text_field(payload.subspan(8, reason_max));
  return r;
}

Result<std::vector<uint8_t>> frame_snapshot_request(const SnapshotRequest& r) {
  auto p = encode_snapshot_request(r);
  if (!p.ok()) return p.take_error();
  return make_frame(msg::kSnapshotRequest, p.value());
}

Result<std::vector<uint8_t>> frame_snapshot_reply(const SnapshotReply& r) {
  auto p = encode_snapshot_reply(r);
  if (!p.ok()) return p.take_error();
  return make_frame(msg::kSnapshotReply, p.value());
}

}  // namespace ktsnap::wire
