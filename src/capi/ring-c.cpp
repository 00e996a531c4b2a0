// Ring handles: create/open/unlink/stat, the producer (reserve, commit,
// discard, publish) and consumers (next, next_batch) whose reports are
// ordinary report handles opened in place on their records.
#include <memory>
#include <string>

#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"
#include "capi/ring-c.hpp"
#include "ring/ring.hpp"

struct ktsnap_ring {
  std::shared_ptr<ktsnap::ring::Segment> seg;
};

struct ktsnap_consumer {
  std::shared_ptr<ktsnap::ring::Consumer> c;
  // A failure met after the first report of a batch, returned by the next call.
  bool has_pending_error = false;
  ktsnap::Error pending_error;
};

using namespace ktsnap;
using namespace ktsnap::capi;

namespace {

ktsnap_status read_ring_opts(const ktsnap_ring_opts* opts, ring::RingOptions& o) noexcept {
  size_t sz = 0;
  if (ktsnap_status st = check_sz(opts, sizeof(ktsnap_ring_opts), "ktsnap_ring_opts", &sz); st != KTSNAP_OK) return st;
  if (opts == nullptr) return KTSNAP_OK;
  uint64_t size = KTSNAP_CAPI_GET(opts, sz, size_bytes, uint64_t(0));
  uint32_t maxc = KTSNAP_CAPI_GET(opts, sz, max_consumers, 0u);
  uint32_t policy = KTSNAP_CAPI_GET(opts, sz, policy, KTSNAP_RING_POLICY_WAIT);
  uint32_t mode = KTSNAP_CAPI_GET(opts, sz, mode, 0u);
  uint32_t flags = KTSNAP_CAPI_GET(opts, sz, flags, 0u);
  if (ktsnap_status st = check_flags(flags, 0u, "ktsnap_ring_opts.flags"); st != KTSNAP_OK) return st;
  if (policy != KTSNAP_RING_POLICY_WAIT && policy != KTSNAP_RING_POLICY_DROP)
    return fail(KTSNAP_E_INVALID, "ktsnap_ring_opts.policy " + std::to_string(policy) +
                                      " is not KTSNAP_RING_POLICY_WAIT (0) or KTSNAP_RING_POLICY_DROP (1)");
  if (size != 0) o.capacity = size;
  if (maxc != 0) o.max_consumers = maxc;
  o.policy = policy;
  if (mode != 0) o.mode = mode;
  return KTSNAP_OK;
}

ktsnap_status read_consumer_opts(const ktsnap_consumer_opts* opts, ring::ConsumerOptions& o) noexcept {
  size_t sz = 0;
  if (ktsnap_status st = check_sz(opts, sizeof(ktsnap_consumer_opts), "ktsnap_consumer_opts", &sz); st != KTSNAP_OK)
    return st;
  if (opts == nullptr) return KTSNAP_OK;
  uint32_t flags = KTSNAP_CAPI_GET(opts, sz, flags, 0u);
  if (ktsnap_status st = check_flags(flags, KTSNAP_CONSUMER_COPY, "ktsnap_consumer_opts.flags"); st != KTSNAP_OK)
    return st;
  if (ktsnap_status st = check_reserved(opts->reserved, offsetof(ktsnap_consumer_opts, reserved),
                                        sizeof opts->reserved, sz, "ktsnap_consumer_opts");
      st != KTSNAP_OK)
    return st;
  o.copy = (flags & KTSNAP_CONSUMER_COPY) != 0;
  return KTSNAP_OK;
}

// One report from the consumer as a handle (inside the guard).
ktsnap_status next_one(ktsnap_consumer* c, int64_t timeout_ns, ktsnap_report** out) {
  auto r = c->c->next(timeout_ns);
  if (!r.ok()) return fail(r.error());
  ring::Consumer::Item item = std::move(r).value();
  ktsnap_report* h = wrap_report(std::move(item.report));
  h->from_ring = true;
  h->ring_seq = item.seq;
  *out = h;
  return KTSNAP_OK;
}

}  // namespace

extern "C" {

KTSNAP_API ktsnap_status ktsnap_ring_opts_init(ktsnap_ring_opts* opts, size_t sz) noexcept {
  clear_error();
  return init_sz(opts, sz, "ktsnap_ring_opts_init");
}

KTSNAP_API ktsnap_status ktsnap_consumer_opts_init(ktsnap_consumer_opts* opts, size_t sz) noexcept {
  clear_error();
  return init_sz(opts, sz, "ktsnap_consumer_opts_init");
}

KTSNAP_API ktsnap_status ktsnap_ring_create(ktsnap_ring** out, const char* name, const ktsnap_ring_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_ring_create";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, name);
    ring::RingOptions o;
    if (ktsnap_status st = read_ring_opts(opts, o); st != KTSNAP_OK) return st;
    auto seg = ring::Segment::create(name, o);
    if (!seg.ok()) return fail(seg.error());
    *out = new ktsnap_ring{std::move(seg).value()};
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_ring_open(ktsnap_ring** out, const char* name) noexcept {
  static constexpr const char* fn = "ktsnap_ring_open";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, name);
    auto seg = ring::Segment::open(name);
    if (!seg.ok()) return fail(seg.error());
    *out = new ktsnap_ring{std::move(seg).value()};
    return KTSNAP_OK;
  });
}

KTSNAP_API void ktsnap_ring_free(ktsnap_ring* ring) noexcept { delete ring; }

KTSNAP_API ktsnap_status ktsnap_ring_unlink(const char* name) noexcept {
  static constexpr const char* fn = "ktsnap_ring_unlink";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, name);
    return check(ring::Segment::unlink(name));
  });
}

KTSNAP_API ktsnap_status ktsnap_ring_stat(ktsnap_ring_info* out, const ktsnap_ring* ring) noexcept {
  static constexpr const char* fn = "ktsnap_ring_stat";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    size_t sz = 0;
    if (ktsnap_status st = out_sz(out, fn, "out", "ktsnap_ring_info", &sz); st != KTSNAP_OK) return st;
    KTSNAP_CAPI_REQUIRE(fn, ring);
    const ring::Geometry& g = ring->seg->geo();
    ring::SegmentHeader* h = g.hdr();
    ktsnap_ring_info s{};
    s.sz = sz;
    s.capacity = g.capacity;
    s.head = ring::atom(h->head).load();
    s.tail = ring::ring_tail(g, s.head);
    uint64_t next_seq = ring::atom(h->next_seq).load();
    s.drops = ring::atom(h->drops).load();
    s.records = next_seq >= s.drops ? next_seq - s.drops : 0;
    s.policy = g.policy;
    s.format_version = ring::kFormatVersion;
    s.max_consumers = g.max_consumers;
    s.producer_pid = ring::atom(h->producer_pid).load();
    for (uint32_t i = 0; i < g.max_consumers && i < 16; i++) {
      ring::ConsumerSlot& slot = h->slots[i];
      if (ring::slot_state(ring::atom(slot.state).load()) != ring::kSlotActive) continue;
      s.consumer_count++;
      s.consumer_position[i] = ring::atom(slot.position).load();
      s.consumer_pid[i] = ring::atom(slot.pid).load();
    }
    copy_out_sz(out, s, sz);
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_producer_open(ktsnap_producer** out, ktsnap_ring* ring) noexcept {
  static constexpr const char* fn = "ktsnap_producer_open";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, ring);
    auto p = ring::Producer::open(ring->seg);
    if (!p.ok()) return fail(p.error());
    *out = new ktsnap_producer{std::move(p).value()};
    return KTSNAP_OK;
  });
}

KTSNAP_API void ktsnap_producer_free(ktsnap_producer* producer) noexcept { delete producer; }

KTSNAP_API ktsnap_status ktsnap_producer_reserve(void** out, ktsnap_producer* producer, size_t size,
                                                 int64_t timeout_ns) noexcept {
  static constexpr const char* fn = "ktsnap_producer_reserve";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, producer);
    auto r = producer->p->reserve(size, timeout_ns);
    if (!r.ok()) return fail(r.error());
    *out = r.value();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_producer_commit(ktsnap_producer* producer) noexcept {
  static constexpr const char* fn = "ktsnap_producer_commit";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, producer);
    return check(producer->p->commit());
  });
}

KTSNAP_API ktsnap_status ktsnap_producer_discard(ktsnap_producer* producer) noexcept {
  static constexpr const char* fn = "ktsnap_producer_discard";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, producer);
    return check(producer->p->discard());
  });
}

KTSNAP_API ktsnap_status ktsnap_producer_publish(ktsnap_producer* producer, const ktsnap_report* report,
                                                 int64_t timeout_ns) noexcept {
  static constexpr const char* fn = "ktsnap_producer_publish";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, producer);
    KTSNAP_CAPI_REQUIRE(fn, report);
    return check(producer->p->publish(report->report->bytes(), timeout_ns));
  });
}

KTSNAP_API ktsnap_status ktsnap_producer_publish_bytes(ktsnap_producer* producer, const void* data, size_t size,
                                                       int64_t timeout_ns) noexcept {
  static constexpr const char* fn = "ktsnap_producer_publish_bytes";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, producer);
    if (data == nullptr && size != 0) return null_arg(fn, "data");
    return check(
        producer->p->publish(std::span<const uint8_t>(static_cast<const uint8_t*>(data), size), timeout_ns));
  });
}

KTSNAP_API ktsnap_status ktsnap_consumer_open(ktsnap_consumer** out, ktsnap_ring* ring,
                                              const ktsnap_consumer_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_consumer_open";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, ring);
    ring::ConsumerOptions o;
    if (ktsnap_status st = read_consumer_opts(opts, o); st != KTSNAP_OK) return st;
    auto c = ring::Consumer::open(ring->seg, o);
    if (!c.ok()) return fail(c.error());
    auto h = std::make_unique<ktsnap_consumer>();
    h->c = std::move(c).value();
    *out = h.release();
    return KTSNAP_OK;
  });
}

KTSNAP_API void ktsnap_consumer_free(ktsnap_consumer* consumer) noexcept { delete consumer; }

KTSNAP_API ktsnap_status ktsnap_consumer_next(ktsnap_report** out, ktsnap_consumer* consumer,
                                              int64_t timeout_ns) noexcept {
  static constexpr const char* fn = "ktsnap_consumer_next";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, consumer);
    if (consumer->has_pending_error) {
      consumer->has_pending_error = false;
      return fail(consumer->pending_error);
    }
    return next_one(consumer, timeout_ns, out);
  });
}

KTSNAP_API ktsnap_status ktsnap_consumer_next_batch(ktsnap_report** out, size_t cap, size_t* n_out,
                                                    ktsnap_consumer* consumer, int64_t timeout_ns) noexcept {
  static constexpr const char* fn = "ktsnap_consumer_next_batch";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, n_out);
    *n_out = 0;
    KTSNAP_CAPI_REQUIRE(fn, out);
    KTSNAP_CAPI_REQUIRE(fn, consumer);
    if (cap == 0) return fail(KTSNAP_E_INVALID, "ktsnap_consumer_next_batch: cap is 0");
    if (consumer->has_pending_error) {
      consumer->has_pending_error = false;
      return fail(consumer->pending_error);
    }
    size_t n = 0;
    while (n < cap) {
      auto r = consumer->c->next(n == 0 ? timeout_ns : 0);
      if (!r.ok()) {
        if (n == 0) return fail(r.error());
        if (r.error().code != Code::Again) {
          consumer->pending_error = r.error();
          consumer->has_pending_error = true;
        }
        break;
      }
      ring::Consumer::Item item = std::move(r).value();
      ktsnap_report* h = wrap_report(std::move(item.report));
      h->from_ring = true;
      h->ring_seq = item.seq;
      out[n++] = h;
      *n_out = n;
    }
    return KTSNAP_OK;
  });
}

KTSNAP_API uint64_t ktsnap_consumer_drops(const ktsnap_consumer* consumer) noexcept {
  if (consumer == nullptr) return 0;
  return ring::atom(consumer->c->segment().hdr()->drops).load();
}

KTSNAP_API uint64_t ktsnap_consumer_missed(const ktsnap_consumer* consumer) noexcept {
  return consumer == nullptr ? 0 : consumer->c->missed();
}

KTSNAP_API ktsnap_status ktsnap_report_ring_seq(uint64_t* seq_out, const ktsnap_report* report) noexcept {
  static constexpr const char* fn = "ktsnap_report_ring_seq";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, seq_out);
    *seq_out = 0;
    KTSNAP_CAPI_REQUIRE(fn, report);
    if (!report->from_ring) return fail(KTSNAP_E_NOTFOUND, "ktsnap_report_ring_seq: the report did not come from a ring");
    *seq_out = report->ring_seq;
    return KTSNAP_OK;
  });
}

}  // extern "C"
