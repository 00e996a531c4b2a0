// Shared-memory report rings: segment life cycle, header and record
// checks, producer and consumers. Layout: ring/layout.hpp, docs/RING.md.
#include "ring/ring.hpp"

#include <linux/futex.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace bip = boost::interprocess;

namespace ktsnap {
inline namespace v1 {
namespace ring {

namespace {

// ---- time and futex ------------------------------------------------------

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Absolute deadline for a relative timeout; -1 = none.
int64_t deadline_of(int64_t timeout_ns) {
  if (timeout_ns < 0) return -1;
  int64_t n = now_ns();
  return timeout_ns > INT64_MAX - n ? INT64_MAX : n + timeout_ns;
}

// Nanoseconds left (0 when expired); -1 = no bound.
int64_t remaining(int64_t deadline) {
  if (deadline < 0) return -1;
  int64_t n = now_ns();
  return deadline > n ? deadline - n : 0;
}

// Shared (not FUTEX_PRIVATE_FLAG): the word lives in memory other processes map.
void futex_wait(uint32_t* word, uint32_t expected, int64_t timeout_ns) {
  timespec ts{};
  timespec* tp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = timeout_ns / 1000000000;
    ts.tv_nsec = timeout_ns % 1000000000;
    tp = &ts;
  }
  syscall(SYS_futex, word, FUTEX_WAIT, expected, tp, nullptr, 0);
}

void futex_wake(uint32_t* word) { syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0); }

Error format(std::string m) { return Error(Code::Format, "ring: " + std::move(m)); }

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() < 240 && name.find('/') == std::string::npos && name != "." && name != "..";
}

Error name_error(const std::string& name) {
  return Error(Code::Invalid, "ring name '" + name +
                                  "' is not valid: it must be 1 to 239 bytes without '/' (a POSIX shared-memory name)");
}

Error from_boost(const bip::interprocess_exception& e, const std::string& what, const std::string& name) {
  int err = e.get_native_error();
  Code c = Code::Io;
  if (err == EEXIST) c = Code::Busy;
  else if (err == ENOENT) c = Code::NotFound;
  else if (err == EACCES || err == EPERM) c = Code::Perm;
  std::string msg = what + " '" + name + "': " + (err != 0 ? std::strerror(err) : e.what());
  if (err == EEXIST) msg += " (a segment of that name exists; unlink it or open it)";
  return Error(c, msg, err);
}

}  // namespace

// ---- processes -------------------------------------------------------------

uint64_t process_start_time(uint32_t pid) {
  if (pid == 0) return 0;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%u/stat", pid);
  FILE* f = std::fopen(path, "re");
  if (f == nullptr) return 0;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  // comm may hold spaces and parentheses: fields resume after the last ')'.
  char* p = std::strrchr(buf, ')');
  if (p == nullptr) return 0;
  p++;
  // Field 3 (state) is the first token after ')'; starttime is field 22.
  char state = 0;
  for (int field = 3; field <= 22; field++) {
    while (*p == ' ') p++;
    if (*p == '\0') return 0;
    if (field == 3) state = *p;
    if (field == 22) {
      if (state == 'Z' || state == 'X' || state == 'x') return 0;  // exited, not yet reaped
      return std::strtoull(p, nullptr, 10);
    }
    while (*p != ' ' && *p != '\0') p++;
  }
  return 0;
}

bool process_alive(uint32_t pid, uint64_t start_time) {
  uint64_t st = process_start_time(pid);
  if (st == 0) return false;
  return start_time == 0 || st == start_time;
}

uint32_t reclaim_dead_consumers(const Geometry& g) {
  SegmentHeader* h = g.hdr();
  uint32_t n = 0;
  for (uint32_t i = 0; i < g.max_consumers; i++) {
    ConsumerSlot& s = h->slots[i];
    uint32_t word = atom(s.state).load();
    // Only active slots: their pid and start time are written before the
    // state (a claim in progress is left alone).
    if (slot_state(word) != kSlotActive) continue;
    if (process_alive(load(s.pid), load(s.start_time))) continue;
    if (atom(s.state).compare_exchange_strong(word, slot_next(word, kSlotFree))) n++;
  }
  if (n != 0) {
    atom(h->tail_wake).fetch_add(1);
    futex_wake(&h->tail_wake);
  }
  return n;
}

uint64_t ring_tail(const Geometry& g, uint64_t head) {
  SegmentHeader* h = g.hdr();
  uint64_t tail = head;
  for (uint32_t i = 0; i < g.max_consumers; i++) {
    ConsumerSlot& s = h->slots[i];
    if (slot_state(atom(s.state).load()) != kSlotActive) continue;
    uint64_t pos = atom(s.position).load();
    if (pos > head) continue;                          // not a position of this ring: ignore
    if (head - pos > g.capacity) pos = head - g.capacity;  // corrupt: the ring just stays full
    if (pos < tail) tail = pos;
  }
  return tail;
}

// ---- header and records ------------------------------------------------------

Result<Geometry> check_header(uint8_t* base, size_t map_size) {
  if (base == nullptr || map_size < sizeof(SegmentHeader))
    return format("segment of " + std::to_string(map_size) + " bytes is smaller than a ring header (" +
                  std::to_string(sizeof(SegmentHeader)) + ")");
  const SegmentHeader* h = reinterpret_cast<const SegmentHeader*>(base);
  uint32_t magic = load(h->magic, std::memory_order_acquire);
  if (magic != kMagic) return format("bad magic (not a ktsnap ring, or not initialised yet)");
  uint16_t version = load(h->version);
  if (version != kFormatVersion)
    return Error(Code::Version, "ring: segment format version " + std::to_string(version) +
                                    ", this library reads version " + std::to_string(kFormatVersion));
  bool reserved_zero = load(h->reserved0) == 0 && load(h->reserved1) == 0 && load(h->reserved3) == 0 &&
                       load(h->reserved4) == 0;
  for (uint64_t r : h->reserved2) reserved_zero = reserved_zero && std::atomic_ref<uint64_t>(const_cast<uint64_t&>(r)).load(std::memory_order_relaxed) == 0;
  if (!reserved_zero) return format("non-zero reserved bytes in the header");
  Geometry g;
  g.base = base;
  g.map_size = map_size;
  g.header_size = load(h->header_size);
  g.max_consumers = load(h->max_consumers);
  g.capacity = load(h->capacity);
  g.policy = load(h->policy);
  if (g.header_size < sizeof(SegmentHeader) || g.header_size % 8 != 0 || g.header_size > map_size)
    return format("header size " + std::to_string(g.header_size) + " does not fit a segment of " +
                  std::to_string(map_size) + " bytes");
  if (g.capacity < kMinCapacity || g.capacity % 8 != 0 || g.capacity > map_size - g.header_size)
    return format("capacity " + std::to_string(g.capacity) + " does not fit a segment of " +
                  std::to_string(map_size) + " bytes with a " + std::to_string(g.header_size) + "-byte header");
  if (g.max_consumers == 0 || g.max_consumers > kMaxConsumers)
    return format("consumer count " + std::to_string(g.max_consumers) + " out of range 1.." +
                  std::to_string(kMaxConsumers));
  if (g.policy != kPolicyWait && g.policy != kPolicyDrop) return format("unknown policy " + std::to_string(g.policy));
  return g;
}

Result<RecordView> read_record(const Geometry& g, uint64_t pos, uint64_t head) {
  const uint64_t cap = g.capacity;
  if (head <= pos || head - pos > cap)
    return format("positions out of range (record at " + std::to_string(pos) + ", committed " +
                  std::to_string(head) + ", capacity " + std::to_string(cap) + ")");
  if (pos % 8 != 0) return format("position " + std::to_string(pos) + " is not 8-aligned");
  const uint64_t avail = head - pos;
  const uint64_t off = pos % cap;
  const uint64_t room = cap - off;
  RecordView v;
  v.pos = pos;
  if (room < kRecordHeaderSize) {  // implicit padding: no room for a header
    if (avail < room) return format("committed position inside the end padding");
    v.type = kRecordPadding;
    v.next = pos + room;
    return v;
  }
  if (avail < kRecordHeaderSize) return format("committed position inside a record header");
  const RecordHeader* rh = reinterpret_cast<const RecordHeader*>(g.data() + off);
  // Each field read once; everything below works on the copies.
  const uint32_t length = load(rh->length);
  const uint32_t type = load(rh->type);
  const uint64_t seq = load(rh->seq);
  const uint64_t total = record_size(length);
  if (type == kRecordPadding) {
    if (total != room)
      return format("padding record at " + std::to_string(pos) + " does not end at the end of the data area");
  } else if (type == kRecordReport) {
    if (total > room)
      return format("record at " + std::to_string(pos) + " of " + std::to_string(length) +
                    " bytes runs past the end of the data area");
  } else {
    return format("unknown record type " + std::to_string(type) + " at " + std::to_string(pos));
  }
  if (total > avail)
    return format("record at " + std::to_string(pos) + " runs past the committed position");
  v.type = type;
  v.seq = seq;
  v.length = length;
  v.payload_off = off + kRecordHeaderSize;
  v.next = pos + total;
  return v;
}

// ---- segment -------------------------------------------------------------------

struct Segment::Impl {
  bip::mapped_region region;
};

Segment::~Segment() = default;

Result<std::shared_ptr<Segment>> Segment::create(const std::string& name, const RingOptions& opts) {
  if (!valid_name(name)) return name_error(name);
  if (opts.capacity < kMinCapacity || opts.capacity > kMaxCapacity)
    return Error(Code::Range, "ring capacity " + std::to_string(opts.capacity) + " out of range " +
                                  std::to_string(kMinCapacity) + ".." + std::to_string(kMaxCapacity));
  if (opts.max_consumers == 0 || opts.max_consumers > kMaxConsumers)
    return Error(Code::Range, "ring max_consumers " + std::to_string(opts.max_consumers) + " out of range 1.." +
                                  std::to_string(kMaxConsumers));
  if (opts.policy != kPolicyWait && opts.policy != kPolicyDrop)
    return Error(Code::Invalid, "unknown ring policy " + std::to_string(opts.policy));
  if (opts.mode > 0777) return Error(Code::Invalid, "ring mode " + std::to_string(opts.mode) + " has bits beyond 0777");
  const uint64_t capacity = round8(opts.capacity);
  const uint64_t size = kHeaderSize + capacity;
  std::shared_ptr<Segment> seg(new Segment());
  seg->impl_ = std::make_unique<Impl>();
  seg->name_ = name;
  try {
    bip::permissions perm(opts.mode);
    bip::shared_memory_object shm(bip::create_only, name.c_str(), bip::read_write, perm);
    try {
      ::fchmod(shm.get_mapping_handle().handle, opts.mode);  // exact mode, whatever the umask
      shm.truncate(static_cast<bip::offset_t>(size));
      seg->impl_->region = bip::mapped_region(shm, bip::read_write);
    } catch (...) {
      bip::shared_memory_object::remove(name.c_str());
      throw;
    }
  } catch (const bip::interprocess_exception& e) {
    return from_boost(e, "cannot create ring", name);
  }
  auto* base = static_cast<uint8_t*>(seg->impl_->region.get_address());
  std::memset(base, 0, kHeaderSize);
  SegmentHeader* h = reinterpret_cast<SegmentHeader*>(base);
  h->version = kFormatVersion;
  h->header_size = kHeaderSize;
  h->max_consumers = opts.max_consumers;
  h->capacity = capacity;
  h->policy = opts.policy;
  store(h->magic, kMagic, std::memory_order_release);  // last: attachers check it first
  auto g = check_header(base, seg->impl_->region.get_size());
  if (!g.ok()) return Error(Code::Internal, "ring: the header just written does not check: " + g.error().message);
  seg->geo_ = g.value();
  return seg;
}

Result<std::shared_ptr<Segment>> Segment::open(const std::string& name) {
  if (!valid_name(name)) return name_error(name);
  std::shared_ptr<Segment> seg(new Segment());
  seg->impl_ = std::make_unique<Impl>();
  seg->name_ = name;
  try {
    bip::shared_memory_object shm(bip::open_only, name.c_str(), bip::read_write);
    seg->impl_->region = bip::mapped_region(shm, bip::read_write);
  } catch (const bip::interprocess_exception& e) {
    return from_boost(e, "cannot open ring", name);
  }
  auto g = check_header(static_cast<uint8_t*>(seg->impl_->region.get_address()), seg->impl_->region.get_size());
  if (!g.ok()) {
    Error e = g.take_error();
    e.message = "ring '" + name + "': " + e.message;
    return e;
  }
  seg->geo_ = g.value();
  return seg;
}

Status Segment::unlink(const std::string& name) {
  if (!valid_name(name)) return name_error(name);
  errno = 0;
  if (!bip::shared_memory_object::remove(name.c_str())) {
    int err = errno;
    Code c = err == ENOENT ? Code::NotFound : (err == EACCES || err == EPERM) ? Code::Perm : Code::Io;
    return Error(c, "cannot unlink ring '" + name + "': " + std::strerror(err != 0 ? err : EIO), err);
  }
  return {};
}

// ---- producer -------------------------------------------------------------------

Result<std::unique_ptr<Producer>> Producer::open(std::shared_ptr<Segment> seg) {
  SegmentHeader* h = seg->hdr();
  const uint32_t me = static_cast<uint32_t>(getpid());
  const uint64_t my_start = process_start_time(me);
  for (;;) {
    uint32_t cur = atom(h->producer_pid).load();
    if (cur != 0) {
      uint64_t cst = atom(h->producer_start).load();
      if (cur == me || process_alive(cur, cst))
        return Error(Code::Busy, "ring '" + seg->name() + "' already has a live producer (pid " +
                                     std::to_string(cur) + ")");
    }
    if (atom(h->producer_pid).compare_exchange_strong(cur, me)) break;
  }
  atom(h->producer_start).store(my_start);
  std::unique_ptr<Producer> p(new Producer(std::move(seg)));
  p->pid_ = me;
  p->head_ = atom(h->head).load();
  p->next_seq_ = atom(h->next_seq).load();
  return p;
}

Producer::~Producer() {
  uint32_t me = pid_;
  atom(seg_->hdr()->producer_pid).compare_exchange_strong(me, 0u);
}

void Producer::advance(uint64_t new_head) {
  SegmentHeader* h = seg_->hdr();
  head_ = new_head;
  atom(h->head).store(new_head);  // seq_cst: the record before it is whole
  atom(h->head_wake).fetch_add(1);
  if (atom(h->consumer_waiters).load() != 0) futex_wake(&h->head_wake);
}

Status Producer::wait_space(uint64_t need, int64_t deadline) {
  const Geometry& g = seg_->geo();
  SegmentHeader* h = g.hdr();
  bool check_dead = true;
  for (;;) {
    uint32_t w = atom(h->tail_wake).load();
    if (head_ - ring_tail(g, head_) + need <= g.capacity) return {};
    if (check_dead) {
      check_dead = false;
      if (reclaim_dead_consumers(g) != 0) continue;
    }
    if (g.policy == kPolicyDrop) {
      atom(h->drops).fetch_add(1);
      next_seq_++;
      atom(h->next_seq).store(next_seq_);
      return Error(Code::Again, "ring '" + seg_->name() + "' is full: record dropped (drop policy; sequence " +
                                    std::to_string(next_seq_ - 1) + " is missing)");
    }
    int64_t left = remaining(deadline);
    if (left == 0)
      return Error(Code::Timeout, "ring '" + seg_->name() + "' stayed full: the slowest consumer did not release " +
                                      std::to_string(need) + " bytes in time");
    // Sleep in slices so that a consumer that died (and never wakes us) is
    // noticed: its slot is reclaimed at the next check.
    const int64_t slice = 20 * 1000 * 1000;
    int64_t t = left < 0 || left > slice ? slice : left;
    atom(h->producer_waiting).store(1u);
    if (head_ - ring_tail(g, head_) + need > g.capacity) {
      int64_t before = now_ns();
      futex_wait(&h->tail_wake, w, t);
      if (now_ns() - before >= t) check_dead = true;
    }
    atom(h->producer_waiting).store(0u);
  }
}

Result<uint8_t*> Producer::reserve(uint64_t size, int64_t timeout_ns) {
  if (reserved_) return Error(Code::Invalid, "a reservation is open: commit or discard it first");
  const Geometry& g = seg_->geo();
  if (size > UINT32_MAX || record_size(size) > g.capacity)
    return Error(Code::Range, "a record of " + std::to_string(size) + " bytes (" +
                                  std::to_string(size > UINT32_MAX ? size : record_size(size)) +
                                  " with its header) can never fit ring '" + seg_->name() + "' of capacity " +
                                  std::to_string(g.capacity));
  const int64_t deadline = deadline_of(timeout_ns);
  const uint64_t rec = record_size(size);
  uint64_t off = head_ % g.capacity;
  const uint64_t room = g.capacity - off;
  if (room < rec) {
    // Records are contiguous: pad to the end of the data area first.
    if (Status st = wait_space(room, deadline); !st.ok()) return st.take_error();
    if (room >= kRecordHeaderSize) {
      RecordHeader* ph = reinterpret_cast<RecordHeader*>(g.data() + off);
      store(ph->length, static_cast<uint32_t>(room - kRecordHeaderSize));
      store(ph->type, kRecordPadding);
      store(ph->seq, uint64_t(0));
    }
    advance(head_ + room);
    off = 0;
  }
  if (Status st = wait_space(rec, deadline); !st.ok()) return st.take_error();
  reserved_ = true;
  res_len_ = size;
  return g.data() + off + kRecordHeaderSize;
}

Status Producer::commit() {
  if (!reserved_) return Error(Code::Invalid, "no reservation to commit");
  const Geometry& g = seg_->geo();
  RecordHeader* rh = reinterpret_cast<RecordHeader*>(g.data() + head_ % g.capacity);
  store(rh->length, static_cast<uint32_t>(res_len_));
  store(rh->type, kRecordReport);
  store(rh->seq, next_seq_);
  next_seq_++;
  atom(g.hdr()->next_seq).store(next_seq_);
  reserved_ = false;
  advance(head_ + record_size(res_len_));
  return {};
}

Status Producer::discard() {
  if (!reserved_) return Error(Code::Invalid, "no reservation to discard");
  reserved_ = false;
  return {};
}

Status Producer::publish(std::span<const uint8_t> bytes, int64_t timeout_ns) {
  auto r = reserve(bytes.size(), timeout_ns);
  if (!r.ok()) return r.take_error();
  if (!bytes.empty()) std::memcpy(r.value(), bytes.data(), bytes.size());
  return commit();
}

// ---- consumer -------------------------------------------------------------------

Result<std::shared_ptr<Consumer>> Consumer::open(std::shared_ptr<Segment> seg, const ConsumerOptions& opts) {
  const Geometry& g = seg->geo();
  SegmentHeader* h = g.hdr();
  int64_t claimed = -1;
  uint32_t word = 0;
  for (int attempt = 0; attempt < 2 && claimed < 0; attempt++) {
    for (uint32_t i = 0; i < g.max_consumers; i++) {
      uint32_t w = atom(h->slots[i].state).load();
      if (slot_state(w) != kSlotFree) continue;
      word = slot_next(w, kSlotClaiming);
      if (atom(h->slots[i].state).compare_exchange_strong(w, word)) {
        claimed = i;
        break;
      }
    }
    if (claimed < 0 && reclaim_dead_consumers(g) == 0) break;
  }
  if (claimed < 0)
    return Error(Code::Busy, "ring '" + seg->name() + "': all " + std::to_string(g.max_consumers) +
                                 " consumer slots are held by live processes");
  ConsumerSlot& s = h->slots[claimed];
  const uint32_t me = static_cast<uint32_t>(getpid());
  atom(s.start_time).store(process_start_time(me));
  atom(s.pid).store(me);
  uint64_t pos = atom(h->head).load();
  atom(s.position).store(pos);
  word = slot_same(word, kSlotActive);
  atom(s.state).store(word);
  // A producer that did not see this slot yet may have moved on: start at
  // the head it has now (it never overwrites past it before seeing us).
  uint64_t pos2 = atom(h->head).load();
  if (pos2 != pos) atom(s.position).store(pos2);
  std::shared_ptr<Consumer> c(new Consumer(std::move(seg), static_cast<uint32_t>(claimed), pos2, opts));
  c->slot_word_ = word;
  return c;
}

Consumer::~Consumer() {
  ConsumerSlot& s = seg_->hdr()->slots[slot_];
  uint32_t w = slot_word_;  // fails harmlessly when the slot was taken from us
  atom(s.state).compare_exchange_strong(w, slot_next(w, kSlotFree));
  SegmentHeader* h = seg_->hdr();
  atom(h->tail_wake).fetch_add(1);
  if (atom(h->producer_waiting).load() != 0) futex_wake(&h->tail_wake);
}

// Moves the shared position over the longest released prefix and wakes a
// waiting producer. Caller holds mu_.
void Consumer::advance_locked() {
  SegmentHeader* h = seg_->hdr();
  bool moved = false;
  uint64_t pos = 0;
  while (!pending_.empty() && pending_.front().released) {
    pos = pending_.front().end;
    pending_.pop_front();
    moved = true;
  }
  if (!moved) return;
  atom(h->slots[slot_].position).store(pos);
  atom(h->tail_wake).fetch_add(1);
  if (atom(h->producer_waiting).load() != 0) futex_wake(&h->tail_wake);
}

void Consumer::push_released(uint64_t end) {
  pending_.push_back({end, true});
  advance_locked();
}

void Consumer::release(uint64_t end) {
  std::lock_guard<std::mutex> lk(mu_);
  for (Pending& p : pending_) {
    if (p.end == end) {
      p.released = true;
      break;
    }
  }
  advance_locked();
}

Result<Consumer::Item> Consumer::next(int64_t timeout_ns) {
  const Geometry& g = seg_->geo();
  SegmentHeader* h = g.hdr();
  const int64_t deadline = deadline_of(timeout_ns);
  for (;;) {
    const uint64_t head = atom(h->head).load();
    if (head != rpos_) {
      auto rv = read_record(g, rpos_, head);
      if (!rv.ok()) return rv.take_error();
      const RecordView& v = rv.value();
      if (v.type == kRecordPadding) {
        std::lock_guard<std::mutex> lk(mu_);
        push_released(v.next);
        rpos_ = v.next;
        continue;
      }
      if (seen_any_ && v.seq > last_seq_ + 1) missed_ += v.seq - last_seq_ - 1;
      last_seq_ = v.seq;
      seen_any_ = true;
      rpos_ = v.next;
      const uint64_t end = v.next;
      const uint8_t* p = g.data() + v.payload_off;
      Result<std::unique_ptr<Report>> r = Error(Code::Internal, "");
      if (opts_.copy) {
        auto buf = std::make_shared<std::vector<uint8_t>>(p, p + v.length);
        {
          std::lock_guard<std::mutex> lk(mu_);
          push_released(end);
        }
        const uint8_t* d = buf->data();
        r = Report::open_shared(std::shared_ptr<const void>(buf, d), d, buf->size());
      } else {
        {
          std::lock_guard<std::mutex> lk(mu_);
          pending_.push_back({end, false});
        }
        auto self = shared_from_this();
        // The owner of the in-place report: destroying it releases the record.
        std::shared_ptr<const void> owner(static_cast<const void*>(p), [self, end](const void*) { self->release(end); });
        r = Report::open_shared(std::move(owner), p, v.length);
      }
      if (!r.ok()) {
        Error e = r.take_error();
        e.message = "ring '" + seg_->name() + "' record " + std::to_string(v.seq) + " (skipped): " + e.message;
        return e;
      }
      return Item{std::move(r).value(), v.seq};
    }
    if (timeout_ns == 0) return Error(Code::Again, "ring '" + seg_->name() + "' has no new record");
    int64_t left = remaining(deadline);
    if (left == 0) return Error(Code::Timeout, "no record arrived on ring '" + seg_->name() + "' in time");
    atom(h->consumer_waiters).fetch_add(1);
    uint32_t w = atom(h->head_wake).load();
    if (atom(h->head).load() == rpos_) futex_wait(&h->head_wake, w, left);
    atom(h->consumer_waiters).fetch_sub(1);
  }
}

}  // namespace ring
}  // namespace v1
}  // namespace ktsnap
