// TLV frame encoder, the request/reply header checks, the streaming and
// one-shot decoders (rules in frame.hpp and docs/WIRE.md).
#include "wire/frame.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace ktsnap::wire {
namespace {

constexpr uint32_t kKnown[] = {
    msg::kStimulus,       msg::kScenarioStart,    msg::kScenarioEnd,     msg::kScenarioPause,
    msg::kScenarioResume, msg::kExit,             msg::kTestResult,      msg::kSchedExit,
    msg::kCrash,          msg::kPayloadMetrics,   msg::kRawPayloadOutput, msg::kProfraw,
    msg::kSnapshotRequest, msg::kSnapshotReply,   msg::kKernelOpRequest, msg::kKernelOpReply,
    msg::kSysRdy,         msg::kKernAddrs,        msg::kStdout,          msg::kStderr,
    msg::kSchedLog,       msg::kLifecycle,        msg::kExecExit,        msg::kDmesg,
    msg::kProbeOutput,    msg::kStepEnd,          msg::kWprofTrace,
};

inline void put_le32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v >> 16);
  p[3] = uint8_t(v >> 24);
}

inline uint32_t get_le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

Status check_payload_size(size_t n, uint32_t max_payload) {
  if (n > max_payload)
    return make_error(Code::Invalid, "frame payload of " + std::to_string(n) + " bytes is over the limit of " +
                                         std::to_string(max_payload) + " bytes");
  return {};
}

// Decodes one frame at `p` (header and whole payload present, length within
// the cap) into a Frame and counts it.
Frame take_frame(const FrameHeader& h, const uint8_t* payload, DecoderStats& st) {
  Frame f;
  f.msg_type = h.msg_type;
  f.crc32 = h.crc32;
  f.pad = h.pad;
  f.payload.assign(payload, payload + h.length);
  f.crc_ok = crc32(f.payload.data(), f.payload.size()) == h.crc32;
  ++st.frames;
  if (!f.crc_ok) ++st.crc_mismatches;
  if (h.pad != 0) ++st.nonzero_pad;
  return f;
}

}  // namespace

std::span<const uint32_t> known_message_types() noexcept { return kKnown; }

bool is_known_message_type(uint32_t type) noexcept {
  return std::find(std::begin(kKnown), std::end(kKnown), type) != std::end(kKnown);
}

bool is_coordinator_internal(uint32_t type) noexcept {
  return type == msg::kSnapshotRequest || type == msg::kSnapshotReply || type == msg::kKernelOpRequest ||
         type == msg::kKernelOpReply || type == msg::kSysRdy;
}

std::string message_type_name(uint32_t type) {
  std::string s(4, '?');
  for (int i = 0; i < 4; ++i) {
    const auto c = static_cast<unsigned char>(type >> (24 - 8 * i));
    if (c >= 0x20 && c < 0x7F) s[size_t(i)] = char(c);
  }
  return s;
}

void encode_header(const FrameHeader& h, uint8_t out[kFrameHeaderSize]) noexcept {
  put_le32(out, h.msg_type);
  put_le32(out + 4, h.length);
  put_le32(out + 8, h.crc32);
  put_le32(out + 12, h.pad);
}

FrameHeader decode_header(const uint8_t in[kFrameHeaderSize]) noexcept {
  return FrameHeader{get_le32(in), get_le32(in + 4), get_le32(in + 8), get_le32(in + 12)};
}

Result<size_t> encode_frame(uint32_t msg_type, std::span<const uint8_t> payload, std::span<uint8_t> out,
                            uint32_t max_payload) {
  if (auto st = check_payload_size(payload.size(), max_payload); !st.ok()) return st.take_error();
  const size_t need = frame_size(payload.size());
  if (out.size() < need)
    return make_error(Code::Range, "frame needs " + std::to_string(need) + " bytes, the buffer holds " +
                                       std::to_string(out.size()));
  const FrameHeader h{msg_type, uint32_t(payload.size()), crc32(payload), 0};
  encode_header(h, out.data());
  if (!payload.empty()) std::memcpy(out.data() + kFrameHeaderSize, payload.data(), payload.size());
  return need;
}

Status append_frame(std::vector<uint8_t>& out, uint32_t msg_type, std::span<const uint8_t> payload,
                    uint32_t max_payload) {
  if (auto st = check_payload_size(payload.size(), max_payload); !st.ok()) return st;
  const size_t at = out.size();
  out.resize(at + frame_size(payload.size()));
  auto r = encode_frame(msg_type, payload, std::span<uint8_t>(out).subspan(at), max_payload);
  if (!r.ok()) {
    out.resize(at);
    return r.take_error();
  }
  return {};
}

Result<std::vector<uint8_t>> make_frame(uint32_t msg_type, std::span<const uint8_t> payload,
                                        uint32_t max_payload) {
  std::vector<uint8_t> v;
  if (auto st = append_frame(v, msg_type, payload, max_payload); !st.ok()) return st.take_error();
  return v;
}

Status check_frame_header(const FrameHeader& h, uint32_t max_payload) {
  if (h.length > max_payload)
    return make_error(Code::Format, "frame " + message_type_name(h.msg_type) + " announces " +
                                        std::to_string(h.length) + " payload bytes, over the limit of " +
                                        std::to_string(max_payload) + "; refused before reading it");
  return {};
}

Status check_frame_crc(const FrameHeader& h, std::span<const uint8_t> payload) {
  const uint32_t got = crc32(payload);
  if (got != h.crc32)
    return make_error(Code::Format, "frame " + message_type_name(h.msg_type) + " CRC mismatch: header says " +
                                        hex32(h.crc32) + ", payload of " + std::to_string(payload.size()) +
                                        " bytes has " + hex32(got));
  return {};
}

void StreamDecoder::clear_buffer() {
  stats_.bytes_discarded += buf_.size() - pos_;
  std::vector<uint8_t>().swap(buf_);  // give the memory back too
  pos_ = 0;
}

size_t StreamDecoder::feed(std::span<const uint8_t> bytes, std::vector<Frame>& out) {
  // The rules of the header comment, applied to the buffered bytes followed
  // by `bytes` as one sequence, without copying `bytes` into the buffer
  // except for a frame that is still incomplete: a frame that began in an
  // earlier call is completed in the buffer, later frames are decoded
  // straight from `bytes`, and only the incomplete tail is kept.
  const size_t before = out.size();
  if (buffered() > 0) {
    size_t have = buffered();
    if (have < kFrameHeaderSize) {
      const size_t take = std::min(kFrameHeaderSize - have, bytes.size());
      buf_.insert(buf_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
      bytes = bytes.subspan(take);
      have += take;
    }
    if (have >= kFrameHeaderSize) {
      const FrameHeader h = decode_header(buf_.data() + pos_);
      const uint64_t whole = frame_size(h.length);
      const size_t take = static_cast<size_t>(std::min<uint64_t>(whole - have, bytes.size()));
      buf_.insert(buf_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
      bytes = bytes.subspan(take);
      if (buffered() == whole) {
        if (h.length > max_payload_) {
          // Rule 4: everything fed so far goes, this call's rest included.
          ++stats_.oversize_frames;
          stats_.bytes_discarded += bytes.size();
          clear_buffer();
          return out.size() - before;
        }
        out.push_back(take_frame(h, buf_.data() + pos_ + kFrameHeaderSize, stats_));
        buf_.clear();
        pos_ = 0;
      }
    }
    if (buffered() > 0) {
      // Still incomplete, so every byte of this call is in the buffer.
      if (buf_.size() - pos_ > 2 * uint64_t(max_payload_)) {
        ++stats_.overflow_clears;
        clear_buffer();
      }
      return out.size() - before;
    }
  }
  size_t at = 0;
  while (bytes.size() - at >= kFrameHeaderSize) {
    const FrameHeader h = decode_header(bytes.data() + at);
    // Rule 2 before rule 4: wait for the payload before judging the length.
    if (bytes.size() - at - kFrameHeaderSize < h.length) break;
    if (h.length > max_payload_) {
      ++stats_.oversize_frames;
      stats_.bytes_discarded += bytes.size() - at;
      return out.size() - before;
    }
    out.push_back(take_frame(h, bytes.data() + at + kFrameHeaderSize, stats_));
    at += frame_size(h.length);
  }
  const size_t rest = bytes.size() - at;
  if (rest > 2 * uint64_t(max_payload_)) {
    ++stats_.overflow_clears;
    stats_.bytes_discarded += rest;
  } else if (rest > 0) {
    buf_.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.end());
    pos_ = 0;
  }
  return out.size() - before;
}

std::vector<uint8_t> StreamDecoder::take_residual() {
  std::vector<uint8_t> r(buf_.begin() + static_cast<std::ptrdiff_t>(pos_), buf_.end());
  std::vector<uint8_t>().swap(buf_);
  pos_ = 0;
  return r;
}

ParseResult parse_frames(std::span<const uint8_t> bytes, uint32_t max_payload) {
  ParseResult r;
  size_t pos = 0;
  while (bytes.size() - pos >= kFrameHeaderSize) {
    const FrameHeader h = decode_header(bytes.data() + pos);
    if (h.length > max_payload) {
      ++r.stats.oversize_frames;
      r.stats.bytes_discarded += bytes.size() - pos;
      r.oversize = true;
      r.stopped_at = pos;
      return r;
    }
    if (bytes.size() - pos - kFrameHeaderSize < h.length) break;
    r.frames.push_back(take_frame(h, bytes.data() + pos + kFrameHeaderSize, r.stats));
    pos += frame_size(h.length);
  }
  r.stopped_at = pos;
  r.truncated_tail = bytes.size() - pos;
  r.stats.bytes_discarded += r.truncated_tail;
  return r;
}

}  // namespace ktsnap::wire
