// Shared-memory report rings (docs/RING.md): a named POSIX segment (life
// cycle through Boost.Interprocess), one producer, up to 16 consumers with
// their own positions, variable-size records that hold report buffers.
// A consumer opens each report in place (Report::open_shared, verifier
// included); the record is released when that Report is destroyed.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "internal/status.hpp"
#include "report/report.hpp"
#include "ring/layout.hpp"

namespace ktsnap {
inline namespace v1 {
namespace ring {

struct RingOptions {
  uint64_t capacity = 1ull << 20;  // data area bytes (rounded up to 8)
  uint32_t max_consumers = kMaxConsumers;
  uint32_t policy = kPolicyWait;
  uint32_t mode = 0600;
};

// A mapped segment. Shared by the producer and consumers opened from it;
// the mapping lives as long as the last of them (and any report opened in
// place from it).
class Segment {
 public:
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // Creates the named segment (fails with KTSNAP_E_BUSY when it exists).
  static Result<std::shared_ptr<Segment>> create(const std::string& name, const RingOptions& opts);
  // Opens an existing segment and checks its header.
  static Result<std::shared_ptr<Segment>> open(const std::string& name);
  // Removes the name; mappings stay valid.
  static Status unlink(const std::string& name);

  const Geometry& geo() const { return geo_; }
  SegmentHeader* hdr() const { return geo_.hdr(); }
  const std::string& name() const { return name_; }

 private:
  Segment() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Geometry geo_;
  std::string name_;
};

// Process identity for liveness checks.
uint64_t process_start_time(uint32_t pid);  // 0 when the process does not exist
bool process_alive(uint32_t pid, uint64_t start_time);

// Frees the slots of consumers whose process is gone. Returns how many.
uint32_t reclaim_dead_consumers(const Geometry& g);

// Committed position minus the slowest active consumer's position is what
// the producer may not overwrite; with no consumer the tail is the head.
uint64_t ring_tail(const Geometry& g, uint64_t head);

class Producer {
 public:
  // Takes the producer slot: KTSNAP_E_BUSY while another live process (or
  // another producer of this process) holds it; a dead one is replaced.
  static Result<std::unique_ptr<Producer>> open(std::shared_ptr<Segment> seg);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Space for a record of `size` payload bytes (8-aligned pointer into the
  // ring). timeout_ns < 0 waits without bound (wait policy).
  // KTSNAP_E_RANGE: can never fit; KTSNAP_E_TIMEOUT (wait policy);
  // KTSNAP_E_AGAIN (drop policy: the drop is counted); KTSNAP_E_INVALID: a
  // reservation is already open.
  Result<uint8_t*> reserve(uint64_t size, int64_t timeout_ns);
  // Makes the reserved record visible (the committed position moves after
  // the record is whole) and wakes consumers.
  Status commit();
  // Forgets the reservation; nothing becomes visible.
  Status discard();
  // reserve + one memcpy + commit.
  Status publish(std::span<const uint8_t> bytes, int64_t timeout_ns);

 private:
  explicit Producer(std::shared_ptr<Segment> seg) : seg_(std::move(seg)) {}
  Status wait_space(uint64_t need, int64_t timeout_ns);
  void advance(uint64_t new_head);

  std::shared_ptr<Segment> seg_;
  uint64_t head_ = 0;
  uint64_t next_seq_ = 0;
  bool reserved_ = false;
  uint64_t res_len_ = 0;
  uint32_t pid_ = 0;
};

struct ConsumerOptions {
  bool copy = false;  // copy the payload out of the ring before verifying it
};

class Consumer : public std::enable_shared_from_this<Consumer> {
 public:
  // Registers a consumer slot (starting at the current committed position).
  // KTSNAP_E_BUSY when every slot is held by a live consumer.
  static Result<std::shared_ptr<Consumer>> open(std::shared_ptr<Segment> seg, const ConsumerOptions& opts);
  ~Consumer();  // frees the slot (after every report it handed out is gone)
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  struct Item {
    std::unique_ptr<Report> report;
    uint64_t seq = 0;
  };
  // The next report. timeout_ns 0: KTSNAP_E_AGAIN when empty; > 0:
  // KTSNAP_E_TIMEOUT when nothing came; < 0 waits without bound.
  // KTSNAP_E_FORMAT for a record that does not verify (it is skipped) or a
  // corrupt segment.
  Result<Item> next(int64_t timeout_ns);

  uint64_t missed() const { return missed_; }   // sequence gaps seen
  uint64_t last_seq() const { return last_seq_; }
  bool seen_any() const { return seen_any_; }
  uint32_t slot() const { return slot_; }
  const Segment& segment() const { return *seg_; }

 private:
  Consumer(std::shared_ptr<Segment> seg, uint32_t slot, uint64_t pos, const ConsumerOptions& o)
      : seg_(std::move(seg)), slot_(slot), rpos_(pos), opts_(o) {}
  void release(uint64_t end);
  void push_released(uint64_t end);  // caller holds mu_
  void advance_locked();

  struct Pending {
    uint64_t end;
    bool released;
  };
  std::shared_ptr<Segment> seg_;
  uint32_t slot_;
  uint32_t slot_word_ = 0;  // the slot's state word while we hold it
  uint64_t rpos_;  // next record to read (private)
  ConsumerOptions opts_;
  std::mutex mu_;
  std::deque<Pending> pending_;
  uint64_t missed_ = 0;
  uint64_t last_seq_ = 0;
  bool seen_any_ = false;
};

}  // namespace ring
}  // namespace v1
}  // namespace ktsnap
