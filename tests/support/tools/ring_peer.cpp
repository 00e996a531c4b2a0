// ring_peer: one end of a ring in its own process, for the ring tests
// (tests/capi/ring_test.cpp). Uses only ktsnap.h.
//
//   ring_peer producer NAME COUNT BIG_EVERY
//     publishes COUNT reports (index i has sequence number i) of varied
//     sizes: a few hundred bytes to 64 KiB, and every BIG_EVERY-th one
//     about 2.5 MB (0 = none). Each carries a region of pseudo-random
//     bytes and the tag "i=<index> n=<bytes> sum=<fnv1a64>". Under the
//     drop policy a refused record is counted and skipped. Then publishes a
//     report tagged "end" (retrying while the ring refuses it).
//     Prints "published P dropped D".
//   ring_peer consumer NAME [batch] [shuffle] [slow]
//     registers, prints "ready", reads until the "end" report, checking
//     each checksum, that sequence numbers increase, and that the index is
//     the sequence number. "shuffle" keeps up to 8 reports (those under
//     1 MiB) and frees them in a scrambled order; "slow" sleeps 50 us per
//     report and 500 ms after reports 200 and 6000 (so that the producer
//     meets a full ring).
//     Prints "received R missed M drops D last L".
//   ring_peer hold NAME K
//     registers, prints "ready", takes K reports without freeing them,
//     prints "holding" and sleeps (to be killed).
//   ring_peer crash-producer NAME GOOD SIZE
//     publishes GOOD reports, reserves SIZE bytes, fills half of them,
//     prints "reserved" and sleeps (to be killed before committing).
// Exit status 0 when everything checked out; 1 with a message otherwise.
#include <unistd.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ktsnap.h"

namespace {

[[noreturn]] void die(const char* what, ktsnap_status st) {
  std::fprintf(stderr, "ring_peer: %s: %s: %s\n", what, ktsnap_status_str(st), ktsnap_last_error());
  std::exit(1);
}

[[noreturn]] void die_msg(const std::string& m) {
  std::fprintf(stderr, "ring_peer: %s\n", m.c_str());
  std::exit(1);
}

uint64_t fnv1a(const uint8_t* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

size_t size_of(uint64_t i, uint64_t big_every) {
  if (big_every != 0 && i % big_every == big_every / 2) return 2500000 + mix(i) % 500000;
  // Log-spread: 200 B .. 64 KiB.
  uint64_t r = mix(i);
  unsigned shift = 8 + unsigned(r % 9);  // 256 .. 65536
  return 200 + (r >> 8) % (size_t(1) << shift);
}

void fill(std::vector<uint8_t>& buf, uint64_t i) {
  uint64_t s = mix(i ^ 0x5eed);
  for (size_t k = 0; k < buf.size(); k++) {
    if (k % 8 == 0) s = mix(s);
    buf[k] = uint8_t(s >> (8 * (k % 8)));
  }
}

ktsnap_report* build(const std::string& tag, const std::vector<uint8_t>& bytes) {
  ktsnap_builder* b = nullptr;
  ktsnap_status st = ktsnap_builder_new(&b, nullptr);
  if (st != KTSNAP_OK) die("builder_new", st);
  ktsnap_metadata md;
  std::memset(&md, 0, sizeof md);
  md.sz = sizeof md;
  md.tag = tag.c_str();
  if ((st = ktsnap_builder_set_metadata(b, &md)) != KTSNAP_OK) die("set_metadata", st);
  if (!bytes.empty() && (st = ktsnap_builder_add_region(b, 0x100000, bytes.data(), bytes.size())) != KTSNAP_OK)
    die("add_region", st);
  ktsnap_report* r = nullptr;
  if ((st = ktsnap_builder_finish(&r, b)) != KTSNAP_OK) die("finish", st);
  ktsnap_builder_free(b);
  return r;
}

ktsnap_report* build_record(uint64_t i, uint64_t big_every) {
  std::vector<uint8_t> bytes(size_of(i, big_every));
  fill(bytes, i);
  char tag[128];
  std::snprintf(tag, sizeof tag, "i=%" PRIu64 " n=%zu sum=%016" PRIx64, i, bytes.size(),
                fnv1a(bytes.data(), bytes.size()));
  return build(tag, bytes);
}

ktsnap_ring* open_ring(const char* name) {
  ktsnap_ring* ring = nullptr;
  ktsnap_status st = ktsnap_ring_open(&ring, name);
  if (st != KTSNAP_OK) die("ring_open", st);
  return ring;
}

int producer(const char* name, uint64_t count, uint64_t big_every) {
  ktsnap_ring* ring = open_ring(name);
  ktsnap_producer* p = nullptr;
  ktsnap_status st = ktsnap_producer_open(&p, ring);
  if (st != KTSNAP_OK) die("producer_open", st);
  uint64_t published = 0, dropped = 0;
  const int64_t timeout = 30ll * 1000 * 1000 * 1000;
  for (uint64_t i = 0; i < count; i++) {
    ktsnap_report* r = build_record(i, big_every);
    st = ktsnap_producer_publish(p, r, timeout);
    ktsnap_report_free(r);
    if (st == KTSNAP_OK) published++;
    else if (st == KTSNAP_E_AGAIN) dropped++;
    else die("publish", st);
  }
  ktsnap_report* end = build("end", {});
  while ((st = ktsnap_producer_publish(p, end, timeout)) == KTSNAP_E_AGAIN) {
    dropped++;
    usleep(1000);
  }
  if (st != KTSNAP_OK) die("publish end", st);
  ktsnap_report_free(end);
  std::printf("published %" PRIu64 " dropped %" PRIu64 "\n", published, dropped);
  ktsnap_producer_free(p);
  ktsnap_ring_free(ring);
  return 0;
}

struct Checker {
  bool seen = false;
  uint64_t last = 0;
  uint64_t received = 0;
  bool done = false;

  void check(ktsnap_report* r) {
    uint64_t seq = 0;
    ktsnap_status st = ktsnap_report_ring_seq(&seq, r);
    if (st != KTSNAP_OK) die("ring_seq", st);
    if (seen && seq <= last) die_msg("sequence " + std::to_string(seq) + " after " + std::to_string(last));
    seen = true;
    last = seq;
    std::string tag = ktsnap_report_tag(r);
    if (tag == "end") {
      done = true;
      return;
    }
    uint64_t idx = 0, sum = 0;
    size_t n = 0;
    if (std::sscanf(tag.c_str(), "i=%" SCNu64 " n=%zu sum=%" SCNx64, &idx, &n, &sum) != 3) die_msg("bad tag " + tag);
    if (idx != seq) die_msg("record " + std::to_string(idx) + " carries sequence " + std::to_string(seq));
    uint64_t addr = 0;
    const void* data = nullptr;
    size_t size = 0;
    if ((st = ktsnap_report_region(&addr, &data, &size, r, 0)) != KTSNAP_OK) die("region", st);
    if (size != n || fnv1a(static_cast<const uint8_t*>(data), size) != sum)
      die_msg("checksum mismatch in record " + std::to_string(idx));
    received++;
  }
};

int consumer(const char* name, bool batch, bool shuffle, bool slow) {
  ktsnap_ring* ring = open_ring(name);
  ktsnap_consumer* c = nullptr;
  ktsnap_status st = ktsnap_consumer_open(&c, ring, nullptr);
  if (st != KTSNAP_OK) die("consumer_open", st);
  std::printf("ready\n");
  std::fflush(stdout);
  Checker ck;
  std::vector<ktsnap_report*> held;
  uint64_t turn = 0;
  const int64_t timeout = 60ll * 1000 * 1000 * 1000;
  while (!ck.done) {
    ktsnap_report* got[16];
    size_t n = 0;
    if (batch) {
      st = ktsnap_consumer_next_batch(got, 16, &n, c, timeout);
    } else {
      st = ktsnap_consumer_next(&got[0], c, timeout);
      n = st == KTSNAP_OK ? 1 : 0;
    }
    if (st != KTSNAP_OK) die("next", st);
    for (size_t k = 0; k < n; k++) {
      ck.check(got[k]);
      if (slow) usleep(ck.received == 200 || ck.received == 6000 ? 500000 : 50);
      // Never hold a large report: a consumer that holds more than the
      // ring can spare beside the next record would wait for ever.
      size_t bytes = 0;
      ktsnap_report_bytes(got[k], &bytes);
      if (!shuffle || bytes > (size_t(1) << 20)) {
        ktsnap_report_free(got[k]);
        continue;
      }
      held.push_back(got[k]);
      if (held.size() >= 8) {
        size_t j = mix(turn++) % held.size();
        ktsnap_report_free(held[j]);
        held.erase(held.begin() + long(j));
      }
    }
  }
  for (ktsnap_report* r : held) ktsnap_report_free(r);
  std::printf("received %" PRIu64 " missed %" PRIu64 " drops %" PRIu64 " last %" PRIu64 "\n", ck.received,
              ktsnap_consumer_missed(c), ktsnap_consumer_drops(c), ck.last);
  ktsnap_consumer_free(c);
  ktsnap_ring_free(ring);
  return 0;
}

int hold(const char* name, uint64_t k) {
  ktsnap_ring* ring = open_ring(name);
  ktsnap_consumer* c = nullptr;
  ktsnap_status st = ktsnap_consumer_open(&c, ring, nullptr);
  if (st != KTSNAP_OK) die("consumer_open", st);
  std::printf("ready\n");
  std::fflush(stdout);
  std::vector<ktsnap_report*> held;
  for (uint64_t i = 0; i < k; i++) {
    ktsnap_report* r = nullptr;
    if ((st = ktsnap_consumer_next(&r, c, 30ll * 1000 * 1000 * 1000)) != KTSNAP_OK) die("next", st);
    held.push_back(r);
  }
  std::printf("holding\n");
  std::fflush(stdout);
  for (;;) pause();
}

int crash_producer(const char* name, uint64_t good, uint64_t size) {
  ktsnap_ring* ring = open_ring(name);
  ktsnap_producer* p = nullptr;
  ktsnap_status st = ktsnap_producer_open(&p, ring);
  if (st != KTSNAP_OK) die("producer_open", st);
  for (uint64_t i = 0; i < good; i++) {
    ktsnap_report* r = build_record(i, 0);
    if ((st = ktsnap_producer_publish(p, r, 10ll * 1000 * 1000 * 1000)) != KTSNAP_OK) die("publish", st);
    ktsnap_report_free(r);
  }
  void* slot = nullptr;
  if ((st = ktsnap_producer_reserve(&slot, p, size, 10ll * 1000 * 1000 * 1000)) != KTSNAP_OK) die("reserve", st);
  std::memset(slot, 0xab, size / 2);
  std::printf("reserved\n");
  std::fflush(stdout);
  for (;;) pause();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) die_msg("usage: ring_peer producer|consumer|hold|crash-producer NAME ...");
  std::string mode = argv[1];
  const char* name = argv[2];
  auto num = [&](int i) -> uint64_t {
    if (i >= argc) die_msg("missing argument " + std::to_string(i));
    return std::strtoull(argv[i], nullptr, 10);
  };
  if (mode == "producer") return producer(name, num(3), num(4));
  if (mode == "consumer") {
    bool batch = false, shuffle = false, slow = false;
    for (int i = 3; i < argc; i++) {
      batch = batch || std::strcmp(argv[i], "batch") == 0;
      shuffle = shuffle || std::strcmp(argv[i], "shuffle") == 0;
      slow = slow || std::strcmp(argv[i], "slow") == 0;
    }
    return consumer(name, batch, shuffle, slow);
  }
  if (mode == "hold") return hold(name, num(3));
  if (mode == "crash-producer") return crash_producer(name, num(3), num(4));
  die_msg("unknown mode " + mode);
}
