// ktsnap::wire - the TLV frame codec of the capture wire, byte-compatible
// with ktstr's virtio-console port-1 stream (docs/WIRE.md has the layout
// tables and the decoder rules in full).
//
// A frame is a 16-byte little-endian header followed by `length` payload
// bytes; frames follow each other with no separator:
//   off 0  msg_type u32  four ASCII letters; the constant spells them, so
//                        on the wire they appear reversed (EXIT -> "TIXE")
//   off 4  length   u32  payload bytes
//   off 8  crc32    u32  CRC-32/IEEE of the payload only
//   off 12 pad      u32  written 0; readers ignore it (counted when not 0)
//
// API:
//   encode_frame / append_frame   header + payload into a caller buffer or
//                                 a vector; the payload cap is checked first
//   decode_header / encode_header the 16 header bytes
//   check_frame_header            the RPC reader's length check (before
//                                 any allocation) and check_frame_crc
//   StreamDecoder                 host-side streaming decoder, fed chunks
//                                 of any size (ktstr's HostAssembler rules)
//   parse_frames                  one-shot walk of a complete buffer
//                                 (ktstr's parse_tlv_stream rules)
//   msg::*, message_type_name     the message-type constants
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "internal/status.hpp"
#include "wire/crc32.hpp"

namespace ktsnap::wire {

inline constexpr size_t kFrameHeaderSize = 16;
// Largest payload a frame may announce; exactly this size is valid.
inline constexpr uint32_t kMaxFramePayload = 16u * 1024u * 1024u;

// Message types (spec/wire.md 2.3). The value's hex digits spell the ASCII
// name most significant byte first.
namespace msg {
inline constexpr uint32_t kStimulus = 0x5354494D;          // STIM, 24 B stimulus record
inline constexpr uint32_t kScenarioStart = 0x53435354;     // SCST, empty
inline constexpr uint32_t kScenarioEnd = 0x5343454E;       // SCEN, u64 elapsed_ms (+u64)
inline constexpr uint32_t kScenarioPause = 0x53435050;     // SCPP, empty
inline constexpr uint32_t kScenarioResume = 0x53435252;    // SCRR, empty
inline constexpr uint32_t kExit = 0x45584954;              // EXIT, i32
inline constexpr uint32_t kTestResult = 0x54455354;        // TEST, postcard
inline constexpr uint32_t kSchedExit = 0x53434458;         // SCDX, i32
inline constexpr uint32_t kCrash = 0x43525348;             // CRSH, reserved (not on this port)
inline constexpr uint32_t kPayloadMetrics = 0x504D4554;    // PMET, postcard
inline constexpr uint32_t kRawPayloadOutput = 0x5241574F;  // RAWO, postcard
inline constexpr uint32_t kProfraw = 0x50524157;           // PRAW, bytes
inline constexpr uint32_t kSnapshotRequest = 0x534E5251;   // SNRQ, 72 B, guest -> host
inline constexpr uint32_t kSnapshotReply = 0x534E5250;     // SNRP, 520 B, host -> guest only
inline constexpr uint32_t kKernelOpRequest = 0x4B4F5251;   // KORQ, postcard
inline constexpr uint32_t kKernelOpReply = 0x4B4F5250;     // KORP, postcard, host -> guest only
inline constexpr uint32_t kSysRdy = 0x53524459;            // SRDY, empty
inline constexpr uint32_t kKernAddrs = 0x4B414452;         // KADR, 24 B
inline constexpr uint32_t kStdout = 0x534F5554;            // SOUT, bytes
inline constexpr uint32_t kStderr = 0x53455252;            // SERR, bytes
inline constexpr uint32_t kSchedLog = 0x53434C47;          // SCLG, bytes
inline constexpr uint32_t kLifecycle = 0x4C494645;         // LIFE, u8 phase + UTF-8
inline constexpr uint32_t kExecExit = 0x45584358;          // EXCX, i32
inline constexpr uint32_t kDmesg = 0x444D5347;             // DMSG, bytes
inline constexpr uint32_t kProbeOutput = 0x50524F42;       // PROB, bytes
inline constexpr uint32_t kStepEnd = 0x5354454E;           // STEN, 24 B
inline constexpr uint32_t kWprofTrace = 0x57505246;        // WPRF, bytes
}  // namespace msg

// Every type above, in table order.
std::span<const uint32_t> known_message_types() noexcept;
bool is_known_message_type(uint32_t type) noexcept;
// Types the coordinator consumes itself (SNRQ, SNRP, KORQ, KORP, SRDY).
bool is_coordinator_internal(uint32_t type) noexcept;
// The four letters of a type ("SNRQ"); a byte outside printable ASCII
// shows as '?'. Defined for any value, known or not.
std::string message_type_name(uint32_t type);

struct FrameHeader {
  uint32_t msg_type = 0;
  uint32_t length = 0;
  uint32_t crc32 = 0;
  uint32_t pad = 0;
};

void encode_header(const FrameHeader& h, uint8_t out[kFrameHeaderSize]) noexcept;
FrameHeader decode_header(const uint8_t in[kFrameHeaderSize]) noexcept;

// Bytes a frame with `payload_len` payload bytes takes.
constexpr size_t frame_size(size_t payload_len) noexcept { return kFrameHeaderSize + payload_len; }

// Writes header (crc of the payload, pad 0) and payload into `out`; returns
// the bytes written. Invalid when the payload is over `max_payload`, Range
// when `out` is smaller than frame_size(payload.size()). Nothing is written
// on error.
Result<size_t> encode_frame(uint32_t msg_type, std::span<const uint8_t> payload, std::span<uint8_t> out,
                            uint32_t max_payload = kMaxFramePayload);
// Appends one frame to `out` (one contiguous header + payload); same checks.
Status append_frame(std::vector<uint8_t>& out, uint32_t msg_type, std::span<const uint8_t> payload,
                    uint32_t max_payload = kMaxFramePayload);
// A new buffer holding one frame.
Result<std::vector<uint8_t>> make_frame(uint32_t msg_type, std::span<const uint8_t> payload,
                                        uint32_t max_payload = kMaxFramePayload);

// Request/reply reader (guest side, spec 2.6 step 7): after reading the 16
// header bytes, refuse a length over `max_payload` (Format) before
// allocating anything for the payload; after reading the payload, compare
// its CRC with the header's (Format on mismatch, both values in the
// message).
Status check_frame_header(const FrameHeader& h, uint32_t max_payload);
Status check_frame_crc(const FrameHeader& h, std::span<const uint8_t> payload);

// One decoded frame.
struct Frame {
  uint32_t msg_type = 0;
  uint32_t crc32 = 0;  // as the header announced it
  uint32_t pad = 0;    // as received
  bool crc_ok = false;
  std::vector<uint8_t> payload;
};

// What a decoder has seen and thrown away so far.
struct DecoderStats {
  uint64_t frames = 0;            // frames emitted (crc_ok or not)
  uint64_t crc_mismatches = 0;    // frames emitted with crc_ok = false
  uint64_t nonzero_pad = 0;       // frames whose pad was not 0
  uint64_t oversize_frames = 0;   // headers announcing more than the cap
  uint64_t overflow_clears = 0;   // leftover over 2 x cap cleared
  uint64_t bytes_discarded = 0;   // bytes thrown away by either clear
};

// Host-side streaming decoder (spec 2.7, ktstr's HostAssembler). feed()
// appends the bytes, then walks the buffer while 16 bytes remain:
//   1. read the header;
//   2. payload not all buffered yet: stop and wait for more bytes (no cap
//      check yet: a header may arrive ahead of its payload);
//   3. pad != 0: counted, the frame still decodes;
//   4. length > cap: the whole buffer is cleared (the bytes after the
//      bogus header are lost too) and the walk stops - this is the resync;
//   5. otherwise the frame is emitted with crc_ok set by comparing CRCs; a
//      mismatch is not fatal, the walk goes on after it.
// Then the consumed bytes are dropped, and a leftover of more than 2 x cap
// is cleared (exactly 2 x cap is kept). The buffer only ever holds bytes
// that were fed; an announced length never allocates by itself.
class StreamDecoder {
 public:
  explicit StreamDecoder(uint32_t max_payload = kMaxFramePayload) : max_payload_(max_payload) {}

  // Appends decoded frames to `out`; returns how many were appended.
  size_t feed(std::span<const uint8_t> bytes, std::vector<Frame>& out);
  std::vector<Frame> feed(std::span<const uint8_t> bytes) {
    std::vector<Frame> v;
    feed(bytes, v);
    return v;
  }

  // Bytes fed but not yet part of an emitted frame.
  size_t buffered() const noexcept { return buf_.size() - pos_; }
  size_t buffer_capacity() const noexcept { return buf_.capacity(); }
  uint32_t max_payload() const noexcept { return max_payload_; }
  const DecoderStats& stats() const noexcept { return stats_; }
  // Hands the unconsumed bytes back (e.g. to be re-queued at teardown) and
  // leaves the decoder empty.
  std::vector<uint8_t> take_residual();

 private:
  void clear_buffer();

  uint32_t max_payload_;
  std::vector<uint8_t> buf_;
  size_t pos_ = 0;  // first unconsumed byte of buf_
  DecoderStats stats_;
};

// One-shot walk of a complete buffer (spec 2.7, ktstr's parse_tlv_stream):
// the same per-frame rules, except that a header over the cap ends the walk
// (earlier frames are kept, everything from that header on is dropped) and
// a truncated trailing frame is dropped.
struct ParseResult {
  std::vector<Frame> frames;
  DecoderStats stats;
  size_t stopped_at = 0;        // offset where the walk ended
  bool oversize = false;        // it ended at a header over the cap
  size_t truncated_tail = 0;    // bytes of an incomplete trailing frame
};
ParseResult parse_frames(std::span<const uint8_t> bytes, uint32_t max_payload = kMaxFramePayload);

}  // namespace ktsnap::wire
