// The ring layer in one process: header checks, the record reader on
// hand-made segment images, wrap-around at every 8-byte offset, in-order
// release, and the C++ producer/consumer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "report/builder.hpp"
#include "report/report.hpp"
#include "ring/layout.hpp"
#include "value/render.hpp"
#include "ring/ring.hpp"

namespace {

using namespace ktsnap;
using namespace ktsnap::ring;

std::string ring_name(const char* what) {
  static int n = 0;
  return "ktsnap-unit-" + std::to_string(getpid()) + "-" + what + "-" + std::to_string(n++);
}

// Unlinks at scope exit, also when an assertion returned early.
struct Name {
  std::string s;
  explicit Name(const char* what) : s(ring_name(what)) { (void)Segment::unlink(s); }
  ~Name() { (void)Segment::unlink(s); }
};

std::vector<uint8_t> build(const std::string& tag, size_t region) {
  ReportBuilder b;
  ReportMetadata md;
  md.tag = tag;
  b.set_metadata(md);
  if (region != 0) {
    std::vector<uint8_t> bytes(region);
    for (size_t i = 0; i < region; i++) bytes[i] = uint8_t(i * 7 + region);
    EXPECT_TRUE(b.add_region(0x2000, bytes).ok());
  }
  auto r = b.finish();
  EXPECT_TRUE(r.ok());
  return r.ok() ? r.value() : std::vector<uint8_t>{};
}

// A segment image in ordinary memory (8-aligned).
struct Image {
  std::vector<uint64_t> words;
  uint8_t* base() { return reinterpret_cast<uint8_t*>(words.data()); }
  size_t size() const { return words.size() * 8; }
  explicit Image(uint64_t capacity) : words((kHeaderSize + capacity) / 8) {
    auto* h = reinterpret_cast<SegmentHeader*>(base());
    h->magic = kMagic;
    h->version = kFormatVersion;
    h->header_size = kHeaderSize;
    h->max_consumers = 4;
    h->capacity = capacity;
  }
  SegmentHeader* hdr() { return reinterpret_cast<SegmentHeader*>(base()); }
  RecordHeader* rec(uint64_t off) { return reinterpret_cast<RecordHeader*>(base() + kHeaderSize + off); }
};

TEST(ringLayout, HeaderChecks) {
  Image img(1024);
  auto g = check_header(img.base(), img.size());
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->capacity, 1024u);
  EXPECT_EQ(check_header(img.base(), 100).error().code, Code::Format);
  img.hdr()->version = 9;
  EXPECT_EQ(check_header(img.base(), img.size()).error().code, Code::Version);
  img.hdr()->version = kFormatVersion;
  img.hdr()->reserved2[3] = 1;
  EXPECT_EQ(check_header(img.base(), img.size()).error().code, Code::Format);
  img.hdr()->reserved2[3] = 0;
  img.hdr()->capacity = 1028;
  EXPECT_EQ(check_header(img.base(), img.size()).error().code, Code::Format);
  img.hdr()->capacity = 2048;
  EXPECT_EQ(check_header(img.base(), img.size()).error().code, Code::Format);
  img.hdr()->capacity = 1024;
  img.hdr()->max_consumers = 17;
  EXPECT_EQ(check_header(img.base(), img.size()).error().code, Code::Format);
  img.hdr()->max_consumers = 1;
  img.hdr()->policy = 2;
  EXPECT_EQ(check_header(img.base(), img.size()).error().code, Code::Format);
  img.hdr()->policy = kPolicyDrop;
  img.hdr()->header_size = 1000;  // smaller than the header
  EXPECT_EQ(check_header(img.base(), img.size()).error().code, Code::Format);
}

TEST(ringLayout, RecordReaderBounds) {
  Image img(1024);
  Geometry g = check_header(img.base(), img.size()).value();
  // A report record of 100 bytes at 0.
  *img.rec(0) = RecordHeader{100, kRecordReport, 7};
  auto r = read_record(g, 0, 1024);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->next, record_size(100));
  EXPECT_EQ(r->seq, 7u);
  EXPECT_EQ(r->payload_off, 16u);
  // Committed position inside the record, or before it, or too far ahead.
  EXPECT_FALSE(read_record(g, 0, 64).ok());
  EXPECT_FALSE(read_record(g, 0, 0).ok());
  EXPECT_FALSE(read_record(g, 0, 1032).ok());
  EXPECT_FALSE(read_record(g, 4, 100).ok());
  // Length past the end of the data area.
  *img.rec(0) = RecordHeader{2000, kRecordReport, 0};
  EXPECT_FALSE(read_record(g, 0, 1024).ok());
  *img.rec(0) = RecordHeader{0xffffffffu, kRecordReport, 0};
  EXPECT_FALSE(read_record(g, 0, 1024).ok());
  // Unknown type; padding that does not reach the end.
  *img.rec(0) = RecordHeader{8, 77, 0};
  EXPECT_FALSE(read_record(g, 0, 1024).ok());
  *img.rec(0) = RecordHeader{8, kRecordPadding, 0};
  EXPECT_FALSE(read_record(g, 0, 1024).ok());
  // A padding record that does.
  *img.rec(1000) = RecordHeader{8, kRecordPadding, 0};
  auto p = read_record(g, 1000, 1024 + 16);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->type, kRecordPadding);
  EXPECT_EQ(p->next, 1024u);
  // Fewer than 16 bytes before the end: implicit padding.
  auto ip = read_record(g, 2048 + 1016, 2048 + 1024 + 8);
  ASSERT_TRUE(ip.ok()) << ip.error().message;
  EXPECT_EQ(ip->type, kRecordPadding);
  EXPECT_EQ(ip->next, 3072u);
}

// Where a record of `total` bytes starting at offset `at` ends: records do
// not wrap, a record that does not fit goes to offset 0 after padding.
uint64_t after(uint64_t at, uint64_t total, uint64_t cap) {
  return (cap - at >= total ? at + total : total) % cap;
}

// Payload length (0 or 8: 16- or 24-byte records) of the first filler on a
// shortest path of fillers from offset `at` to `target` (breadth first).
size_t first_filler(uint64_t at, uint64_t target, uint64_t cap) {
  std::vector<int> first(cap / 8, -1);
  std::vector<uint64_t> queue;
  for (int len : {0, 8}) {
    uint64_t nx = after(at, record_size(uint64_t(len)), cap);
    if (first[nx / 8] < 0) {
      first[nx / 8] = len;
      queue.push_back(nx);
    }
  }
  for (size_t q = 0; q < queue.size(); q++) {
    for (int len : {0, 8}) {
      uint64_t nx = after(queue[q], record_size(uint64_t(len)), cap);
      if (first[nx / 8] < 0) {
        first[nx / 8] = first[queue[q] / 8];
        queue.push_back(nx);
      }
    }
  }
  return first[target / 8] < 0 ? 0 : size_t(first[target / 8]);
}

// Every 8-aligned offset of the data area where a record can start (all but
// 8) starts a report at some point,
// the records that do not fit before the end are preceded by padding, and
// every report reads back intact. The consumer runs on its own thread: a
// padding record is released when the consumer reads past it.
TEST(ringWrap, EveryAlignment) {
  Name n("wrap");
  RingOptions o;
  o.capacity = 1024;
  auto seg = Segment::create(n.s, o);
  ASSERT_TRUE(seg.ok()) << seg.error().message;
  auto prod = Producer::open(seg.value());
  ASSERT_TRUE(prod.ok());
  auto cons = Consumer::open(seg.value(), {});
  ASSERT_TRUE(cons.ok());
  // One report per 8-aligned start offset; small non-report fillers (16
  // or 24 bytes, skipped by the consumer as malformed) move the committed
  // position to that offset first.
  const uint64_t cap = 1024;
  const int count = int(cap / 8);
  std::vector<std::vector<uint8_t>> reports;
  for (int i = 0; i < count; i++) reports.push_back(build("w" + std::to_string(i), size_t(i * 37 % 700)));
  std::set<uint64_t> starts;
  std::thread producer([&] {
    const int64_t t = 5'000'000'000;
    const uint8_t zeros[8] = {};
    for (int i = 0; i < count; i++) {
      // Offset 8 cannot start a record (every lap starts at 0 and a record
      // takes at least 16 bytes); every other 8-aligned offset can.
      const uint64_t target = i == 1 ? 0 : uint64_t(i) * 8;
      for (;;) {
        uint64_t at = atom(seg.value()->hdr()->head).load() % cap;
        if (at == target) break;
        size_t len = first_filler(at, target, cap);
        ASSERT_TRUE((*prod)->publish({zeros, len}, t).ok());
      }
      starts.insert(atom(seg.value()->hdr()->head).load() % cap);
      Status st = (*prod)->publish(reports[size_t(i)], t);
      ASSERT_TRUE(st.ok()) << i << ": " << st.error().message;
    }
  });
  const uint8_t* data = seg.value()->geo().data();
  int fillers = 0;
  for (int i = 0; i < count;) {
    auto item = (*cons)->next(5'000'000'000);
    if (!item.ok() && item.error().code == Code::Format) {
      fillers++;
      continue;
    }
    ASSERT_TRUE(item.ok()) << item.error().message;
    EXPECT_EQ(item->report->tag(), "w" + std::to_string(i));
    auto span = item->report->bytes();
    ASSERT_EQ(span.size(), reports[size_t(i)].size());
    EXPECT_EQ(std::memcmp(span.data(), reports[size_t(i)].data(), span.size()), 0);
    EXPECT_GE(span.data(), data);
    EXPECT_LE(span.data() + span.size(), data + cap);
    EXPECT_EQ(item->seq, uint64_t(i + fillers));
    i++;
  }
  producer.join();
  EXPECT_EQ(starts.size(), cap / 8 - 1);
}

TEST(ringProducer, TooLargeAndReservationRules) {
  Name n("large");
  RingOptions o;
  o.capacity = 256;
  auto seg = Segment::create(n.s, o);
  ASSERT_TRUE(seg.ok());
  auto prod = Producer::open(seg.value());
  ASSERT_TRUE(prod.ok());
  EXPECT_EQ((*prod)->reserve(241, 0).error().code, Code::Range);
  EXPECT_EQ((*prod)->reserve(uint64_t(1) << 33, 0).error().code, Code::Range);
  ASSERT_TRUE((*prod)->reserve(240, 0).ok());  // exactly the capacity with its header
  EXPECT_EQ((*prod)->reserve(8, 0).error().code, Code::Invalid);
  EXPECT_TRUE((*prod)->commit().ok());
  EXPECT_EQ((*prod)->commit().error().code, Code::Invalid);
  EXPECT_EQ(Producer::open(seg.value()).error().code, Code::Busy);
}

TEST(ringConsumer, ReleaseIsInOrder) {
  Name n("order");
  RingOptions o;
  o.capacity = 64 * 1024;
  auto seg = Segment::create(n.s, o);
  ASSERT_TRUE(seg.ok());
  auto prod = Producer::open(seg.value());
  auto cons = Consumer::open(seg.value(), {});
  ASSERT_TRUE(prod.ok() && cons.ok());
  std::vector<uint8_t> bytes = build("o", 100);
  for (int i = 0; i < 4; i++) ASSERT_TRUE((*prod)->publish(bytes, 0).ok());
  std::vector<std::unique_ptr<Report>> held;
  for (int i = 0; i < 4; i++) held.push_back(std::move((*cons)->next(0).value().report));
  const ConsumerSlot& slot = seg.value()->hdr()->slots[(*cons)->slot()];
  auto pos = [&] { return load(slot.position); };
  held[2].reset();
  EXPECT_EQ(pos(), 0u);
  held[0].reset();
  EXPECT_EQ(pos(), record_size(bytes.size()));
  held[1].reset();
  EXPECT_EQ(pos(), 3 * record_size(bytes.size()));
  held[3].reset();
  EXPECT_EQ(pos(), 4 * record_size(bytes.size()));
}

// A record whose bytes change while the consumer reads it: a thread keeps
// storing random words over a committed record while the consumer takes
// it. In place, the consumer reads each record header field once and
// checks its bounds, so a changing header gives a verified report or a
// Format error; the payload is verified where it lies, and a producer that
// rewrote a committed payload during that verification could lead the
// reader anywhere (docs/RING.md: the in-place mode trusts the producer with
// committed payloads), so only the header changes there. With
// ConsumerOptions::copy (the mode for producers that are not trusted) the
// payload changes too, and the private copy is rendered in full. Never a
// read outside the mapping (the ASan/UBSan build runs this).
void changing_record_rounds(bool copy, int rounds) {
  std::vector<uint8_t> bytes = build("changing", 600);
  int ok = 0, format = 0;
  for (int round = 0; round < rounds; round++) {
    Name n("changing");
    RingOptions o;
    o.capacity = 16 * 1024;
    auto seg = Segment::create(n.s, o);
    ASSERT_TRUE(seg.ok()) << seg.error().message;
    auto prod = Producer::open(seg.value());
    ConsumerOptions co;
    co.copy = copy;
    auto cons = Consumer::open(seg.value(), co);
    ASSERT_TRUE(prod.ok() && cons.ok());
    ASSERT_TRUE((*prod)->publish(bytes, 0).ok());
    const Geometry& g = seg.value()->geo();
    const size_t words = size_t(record_size(bytes.size()) / 4);
    auto* w = reinterpret_cast<uint32_t*>(g.data());
    std::atomic<bool> stop{false};
    std::atomic<uint32_t> stores{0};
    std::thread mutator([&, seed = uint32_t(round * 2654435761u + 1)]() mutable {
      // In place: the 4 header words. Copied: mostly payload words, a
      // header word one store in 16.
      while (!stop.load(std::memory_order_relaxed)) {
        seed = seed * 1103515245u + 12345u;
        size_t at = !copy || (seed >> 8) % 16 == 0 ? (seed >> 12) % 4 : 4 + (seed >> 12) % (words - 4);
        std::atomic_ref<uint32_t>(w[at]).store(seed ^ (seed >> 16), std::memory_order_relaxed);
        stores.fetch_add(1, std::memory_order_relaxed);
      }
    });
    // Read while it writes: after a few of its stores (0 to 63; more
    // rounds with few stores leave some records whole enough to verify).
    while (stores.load(std::memory_order_relaxed) < uint32_t(round % 64)) std::this_thread::yield();
    for (int k = 0; k < 3; k++) {
      auto item = (*cons)->next(0);
      if (item.ok()) {
        ok++;
        const Report& r = *item.value().report;
        const uint8_t* lo = g.base;
        if (!copy) {
          EXPECT_TRUE(r.bytes().data() >= lo && r.bytes().data() + r.bytes().size() <= lo + g.map_size)
              << "an in-place report lies inside the mapping";
        } else {
          std::string json;
          EXPECT_TRUE(render_report_json(r, json).ok());
        }
      } else {
        Code c = item.error().code;
        EXPECT_TRUE(c == Code::Format || c == Code::Again) << item.error().message;
        if (c == Code::Format) format++;
      }
    }
    stop.store(true);
    mutator.join();
  }
  std::printf("[ changing  ] copy=%d: %d reports opened, %d Format errors in %d rounds\n", copy ? 1 : 0, ok, format,
              rounds);
  EXPECT_GT(ok + format, 0);
}

TEST(ringConsumer, RecordChangingWhileReadInPlace) { changing_record_rounds(false, 300); }
TEST(ringConsumer, RecordChangingWhileReadCopied) { changing_record_rounds(true, 300); }

TEST(ringProcess, StartTime) {
  uint64_t me = process_start_time(uint32_t(getpid()));
  EXPECT_NE(me, 0u);
  EXPECT_TRUE(process_alive(uint32_t(getpid()), me));
  EXPECT_FALSE(process_alive(uint32_t(getpid()), me + 1));
  EXPECT_FALSE(process_alive(0, 0));
}

}  // namespace
