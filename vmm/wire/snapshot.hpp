// ktsnap::wire - the snapshot request/reply payloads (docs/WIRE.md, spec
// 2.4) and their frames.
//
// SNRQ payload, exactly 72 bytes, little-endian:
//   off 0  request_id u32   not 0 (the guest's counter skips 0)
//   off 4  kind       u32   1 CAPTURE, 2 WATCH; 0 is invalid on the wire
//   off 8  tag        64 B  text, zero-filled; a 64-byte tag has no NUL
// SNRP payload, 8 + 512 = 520 bytes, little-endian:
//   off 0  request_id u32   the request's id
//   off 4  status     u32   1 OK, 2 ERR; anything else is a protocol error
//   off 8  reason     512 B text, zero-filled (all zeros on OK)
// Text fields are read up to the first NUL (the whole field without one)
// and decoded as UTF-8 lossily: every ill-formed sequence becomes U+FFFD,
// as Rust's String::from_utf8_lossy does. Encoders copy at most the field
// size in bytes (a longer text is cut there, possibly inside a character).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "internal/status.hpp"
#include "wire/frame.hpp"

namespace ktsnap::wire {

inline constexpr size_t kSnapshotTagMax = 64;
inline constexpr size_t kSnapshotReasonMax = 512;
inline constexpr size_t kSnapshotRequestSize = 8 + kSnapshotTagMax;     // 72
inline constexpr size_t kSnapshotReplySize = 8 + kSnapshotReasonMax;    // 520

inline constexpr uint32_t kSnapshotKindNone = 0;
inline constexpr uint32_t kSnapshotKindCapture = 1;
inline constexpr uint32_t kSnapshotKindWatch = 2;
inline constexpr uint32_t kSnapshotStatusOk = 1;
inline constexpr uint32_t kSnapshotStatusErr = 2;

struct SnapshotRequest {
  uint32_t request_id = 0;
  uint32_t kind = kSnapshotKindNone;
  std::string tag;  // decoded: at most 64 bytes of input, lossy UTF-8
};

struct SnapshotReply {
  uint32_t request_id = 0;
  uint32_t status = 0;
  std::string reason;  // decoded: at most 512 bytes of input, lossy UTF-8
};

// Invalid for request_id 0 or kind 0 (never sent). Any other kind encodes
// (the host answers unknown kinds with ERR, see check_snapshot_kind). The
// tag is cut at 64 bytes.
Result<std::array<uint8_t, kSnapshotRequestSize>> encode_snapshot_request(const SnapshotRequest& r);
// Format when the payload is not exactly 72 bytes, request_id is 0 or kind
// is 0. An unknown non-zero kind decodes (ktstr replies ERR to it).
Result<SnapshotRequest> decode_snapshot_request(std::span<const uint8_t> payload);
// Unsupported with "unknown snapshot kind K" unless kind is CAPTURE or
// WATCH: the host's answer to a decoded request of another kind.
Status check_snapshot_kind(uint32_t kind);

// Invalid unless status is OK or ERR. The reason is cut at 512 bytes.
Result<std::array<uint8_t, kSnapshotReplySize>> encode_snapshot_reply(const SnapshotReply& r);
// Format when the payload is not exactly 8 + reason_max bytes or the
// status is neither OK nor ERR. `reason_max` is 512 today (64 in older
// ktstr trees; both ends must agree).
Result<SnapshotReply> decode_snapshot_reply(std::span<const uint8_t> payload,
                                            size_t reason_max = kSnapshotReasonMax);

// Whole frames (header + payload, one buffer), same checks as the payload
// encoders.
Result<std::vector<uint8_t>> frame_snapshot_request(const SnapshotRequest& r);
Result<std::vector<uint8_t>> frame_snapshot_reply(const SnapshotReply& r);

// Bytes up to the first NUL (all of them without one), as lossy UTF-8.
std::string decode_text_field(std::span<const uint8_t> field);
// Lossy UTF-8: valid sequences kept, each maximal ill-formed subpart
// replaced by U+FFFD (EF BF BD).
std::string utf8_lossy(std::span<const uint8_t> bytes);

}  // namespace ktsnap::wire
