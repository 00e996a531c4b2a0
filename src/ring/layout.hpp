// The mapped layout of a report ring (docs/RING.md): a second ABI with its
// own version. Fixed-width fields at fixed offsets, little-endian, no Boost
// type. The structs below describe the layout; code touches shared fields
// only through std::atomic_ref (one load per field, bounds checked before
// use), so a hostile or changing segment cannot make a reader leave the
// mapping.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "internal/status.hpp"

namespace ktsnap {
inline namespace v1 {
namespace ring {

inline constexpr uint32_t kMagic = 0x4752544bu;  // bytes "KTRG"
inline constexpr uint16_t kFormatVersion = 1;
inline constexpr uint32_t kMaxConsumers = 16;
inline constexpr uint32_t kHeaderSize = 4096;  // what create() writes; data area starts here
inline constexpr uint64_t kRecordHeaderSize = 16;
inline constexpr uint64_t kMinCapacity = 64;
inline constexpr uint64_t kMaxCapacity = 1ull << 40;

// Record types.
inline constexpr uint32_t kRecordReport = 1;
inline constexpr uint32_t kRecordPadding = 2;

// Backpressure policies (SegmentHeader::policy).
inline constexpr uint32_t kPolicyWait = 0;
inline constexpr uint32_t kPolicyDrop = 1;

// Consumer slot states: the low byte of ConsumerSlot::state. The upper 24
// bits are a generation, bumped by every claim and every free, so that a
// compare-and-swap on a stale view of a slot fails (no ABA).
inline constexpr uint32_t kSlotFree = 0;
inline constexpr uint32_t kSlotClaiming = 1;
inline constexpr uint32_t kSlotActive = 2;
inline constexpr uint32_t slot_state(uint32_t word) { return word & 0xffu; }
// The word for state `st` in the next generation after `word`.
inline constexpr uint32_t slot_next(uint32_t word, uint32_t st) { return ((word & ~0xffu) + 0x100u) | st; }
// The word for state `st` in the same generation.
inline constexpr uint32_t slot_same(uint32_t word, uint32_t st) { return (word & ~0xffu) | st; }

struct ConsumerSlot {       // 64 bytes
  uint32_t state;           // low byte kSlot*, upper 24 bits a generation
  uint32_t pid;             // owner process
  uint64_t start_time;      // field 22 of /proc/PID/stat of the owner
  uint64_t position;        // everything before it is released
  uint64_t reserved[5];     // zero
};
static_assert(sizeof(ConsumerSlot) == 64);

struct SegmentHeader {
  // Immutable after create (read once by every attacher).
  uint32_t magic;           // 0
  uint16_t version;         // 4: fixed offset forever
  uint16_t reserved0;       // 6: zero
  uint32_t header_size;     // 8: offset of the data area
  uint32_t max_consumers;   // 12
  uint64_t capacity;        // 16: data area bytes, multiple of 8
  uint32_t policy;          // 24: kPolicy*
  uint32_t reserved1;       // 28: zero
  uint64_t reserved2[4];    // 32: zero
  // Producer state.
  uint64_t head;            // 64: committed position (records before it are whole)
  uint64_t next_seq;        // 72: sequence number of the next record
  uint64_t drops;           // 80: records refused under the drop policy
  uint32_t head_wake;       // 88: futex word, bumped after every commit
  uint32_t tail_wake;       // 92: futex word, bumped after every release
  uint32_t consumer_waiters;// 96: consumers sleeping on head_wake
  uint32_t producer_waiting;// 100: producer sleeping on tail_wake
  uint32_t producer_pid;    // 104: 0 = no producer
  uint32_t reserved3;       // 108: zero
  uint64_t producer_start;  // 112: start time of producer_pid
  uint64_t reserved4;       // 120: zero
  ConsumerSlot slots[kMaxConsumers];  // 128
};
static_assert(sizeof(SegmentHeader) == 1152);
static_assert(offsetof(SegmentHeader, version) == 4);
static_assert(offsetof(SegmentHeader, head) == 64);
static_assert(offsetof(SegmentHeader, slots) == 128);
static_assert(kHeaderSize >= sizeof(SegmentHeader));

struct RecordHeader {       // 16 bytes, then the payload, then padding to 8
  uint32_t length;          // payload bytes
  uint32_t type;            // kRecord*
  uint64_t seq;             // kRecordReport: sequence number; padding: 0
};
static_assert(sizeof(RecordHeader) == kRecordHeaderSize);

inline constexpr uint64_t round8(uint64_t n) { return (n + 7) & ~uint64_t(7); }
// Bytes a record with `len` payload bytes takes in the data area.
inline constexpr uint64_t record_size(uint64_t len) { return kRecordHeaderSize + round8(len); }

template <typename T>
inline T load(const T& field, std::memory_order mo = std::memory_order_relaxed) {
  return std::atomic_ref<T>(const_cast<T&>(field)).load(mo);
}
template <typename T>
inline void store(T& field, T v, std::memory_order mo = std::memory_order_relaxed) {
  std::atomic_ref<T>(field).store(v, mo);
}
template <typename T>
inline std::atomic_ref<T> atom(T& field) {
  return std::atomic_ref<T>(field);
}

// The immutable part of a header, read once and checked against the size
// of the mapping.
struct Geometry {
  uint8_t* base = nullptr;  // the mapping
  size_t map_size = 0;
  uint32_t header_size = 0;
  uint32_t max_consumers = 0;
  uint64_t capacity = 0;
  uint32_t policy = 0;
  SegmentHeader* hdr() const { return reinterpret_cast<SegmentHeader*>(base); }
  uint8_t* data() const { return base + header_size; }
};

// Checks a mapped header: KTSNAP_E_VERSION for another format version,
// KTSNAP_E_FORMAT for a bad magic, non-zero reserved bytes, or a header
// size, capacity or consumer count that does not fit the mapping.
Result<Geometry> check_header(uint8_t* base, size_t map_size);

// One record as a reader sees it: every field read once, bounds checked.
struct RecordView {
  uint32_t type = 0;        // kRecordReport or kRecordPadding
  uint64_t seq = 0;
  uint64_t pos = 0;         // position of the record
  uint64_t next = 0;        // position after it
  uint64_t payload_off = 0; // offset of the payload inside the data area
  uint32_t length = 0;      // payload bytes
};

// Reads the record at `pos` given the committed position `head` (loaded
// once by the caller). Precondition checked here: pos < head, and
// head - pos <= capacity. Fewer than 16 bytes before the end of the data
// area are an implicit padding record. KTSNAP_E_FORMAT for anything that
// does not fit.
Result<RecordView> read_record(const Geometry& g, uint64_t pos, uint64_t head);

}  // namespace ring
}  // namespace v1
}  // namespace ktsnap
