package ktsnap

/*
#include "shim.h"

static inline ktsnap_status kgo_ring_create(ktsnap_ring **out, const char *name, uint64_t size, uint32_t maxc,
                                            uint32_t policy, uint32_t mode, kgo_err *e_) {
  ktsnap_ring_opts o = KTSNAP_RING_OPTS_INIT;
  o.size_bytes = size;
  o.max_consumers = maxc;
  o.policy = policy;
  o.mode = mode;
  ktsnap_status s_ = ktsnap_ring_create(out, name, &o);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
KGO(ring_open, (ktsnap_ring **out, const char *name, kgo_err *e_), (out, name))
KGO(ring_unlink, (const char *name, kgo_err *e_), (name))
static inline ktsnap_status kgo_ring_stat(ktsnap_ring_info *out, const ktsnap_ring *r, kgo_err *e_) {
  memset(out, 0, sizeof *out);
  out->sz = sizeof *out;
  ktsnap_status s_ = ktsnap_ring_stat(out, r);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
KGO(producer_open, (ktsnap_producer **out, ktsnap_ring *r, kgo_err *e_), (out, r))
KGO(producer_publish, (ktsnap_producer *p, const ktsnap_report *r, int64_t t, kgo_err *e_), (p, r, t))
KGO(producer_publish_bytes, (ktsnap_producer *p, const void *d, size_t n, int64_t t, kgo_err *e_), (p, d, n, t))
static inline ktsnap_status kgo_consumer_open(ktsnap_consumer **out, ktsnap_ring *r, uint32_t flags, kgo_err *e_) {
  ktsnap_consumer_opts o = KTSNAP_CONSUMER_OPTS_INIT;
  o.flags = flags;
  ktsnap_status s_ = ktsnap_consumer_open(out, r, &o);
  if (s_ != KTSNAP_OK) kgo_fill(e_, s_);
  return s_;
}
KGO(consumer_next, (ktsnap_report **out, ktsnap_consumer *c, int64_t t, kgo_err *e_), (out, c, t))
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// Ring policies.
const (
	RingPolicyWait = uint32(C.KTSNAP_RING_POLICY_WAIT)
	RingPolicyDrop = uint32(C.KTSNAP_RING_POLICY_DROP)
)

// RingOpts are ktsnap_ring_opts; zero values mean the library's defaults.
type RingOpts struct {
	SizeBytes    uint64
	MaxConsumers uint32
	Policy       uint32
	Mode         uint32
}

// Ring is a shared-memory report ring (ktsnap_ring).
type Ring struct {
	ptr  *C.ktsnap_ring
	Name string
}

func newRing(p *C.ktsnap_ring, name string) *Ring {
	r := &Ring{ptr: p, Name: name}
	runtime.SetFinalizer(r, (*Ring).Close)
	return r
}

// CreateRing creates the named segment (a POSIX shm name without '/').
// It stays until UnlinkRing.
func CreateRing(name string, opts RingOpts) (*Ring, error) {
	cn := cstr(name)
	defer free(cn)
	var out *C.ktsnap_ring
	var e C.kgo_err
	if err := check(C.kgo_ring_create(&out, cn, C.uint64_t(opts.SizeBytes), C.uint32_t(opts.MaxConsumers),
		C.uint32_t(opts.Policy), C.uint32_t(opts.Mode), &e), &e); err != nil {
		return nil, err
	}
	return newRing(out, name), nil
}

// OpenRing opens an existing ring.
func OpenRing(name string) (*Ring, error) {
	cn := cstr(name)
	defer free(cn)
	var out *C.ktsnap_ring
	var e C.kgo_err
	if err := check(C.kgo_ring_open(&out, cn, &e), &e); err != nil {
		return nil, err
	}
	return newRing(out, name), nil
}

// UnlinkRing removes a ring's name.
func UnlinkRing(name string) error {
	cn := cstr(name)
	defer free(cn)
	var e C.kgo_err
	return check(C.kgo_ring_unlink(cn, &e), &e)
}

// Close releases the handle (producers, consumers and reports keep the mapping).
func (r *Ring) Close() error {
	if r != nil && r.ptr != nil {
		C.ktsnap_ring_free(r.ptr)
		r.ptr = nil
		runtime.SetFinalizer(r, nil)
	}
	return nil
}

func (r *Ring) live() error {
	if r == nil || r.ptr == nil {
		return closedErr("Ring")
	}
	return nil
}

// RingInfo is the part of ktsnap_ring_info a Go caller usually wants.
type RingInfo struct {
	Capacity, Head, Tail, Records, Drops uint64
	Policy, MaxConsumers, ConsumerCount  uint32
	ProducerPID                          uint32
}

// Stat reads the ring's header.
func (r *Ring) Stat() (RingInfo, error) {
	if err := r.live(); err != nil {
		return RingInfo{}, err
	}
	var in C.ktsnap_ring_info
	var e C.kgo_err
	err := check(C.kgo_ring_stat(&in, r.ptr, &e), &e)
	runtime.KeepAlive(r)
	if err != nil {
		return RingInfo{}, err
	}
	return RingInfo{Capacity: uint64(in.capacity), Head: uint64(in.head), Tail: uint64(in.tail),
		Records: uint64(in.records), Drops: uint64(in.drops), Policy: uint32(in.policy),
		MaxConsumers: uint32(in.max_consumers), ConsumerCount: uint32(in.consumer_count),
		ProducerPID: uint32(in.producer_pid)}, nil
}

// Producer is the ring's single producer. One goroutine at a time.
type Producer struct {
	ptr  *C.ktsnap_producer
	ring *Ring
}

// Producer takes the producer slot (EBusy when a live producer holds it).
func (r *Ring) Producer() (*Producer, error) {
	if err := r.live(); err != nil {
		return nil, err
	}
	var out *C.ktsnap_producer
	var e C.kgo_err
	err := check(C.kgo_producer_open(&out, r.ptr, &e), &e)
	runtime.KeepAlive(r)
	if err != nil {
		return nil, err
	}
	p := &Producer{ptr: out, ring: r}
	runtime.SetFinalizer(p, (*Producer).Close)
	return p, nil
}

// Close gives up the producer slot.
func (p *Producer) Close() error {
	if p != nil && p.ptr != nil {
		C.ktsnap_producer_free(p.ptr)
		p.ptr = nil
		runtime.SetFinalizer(p, nil)
	}
	return nil
}

func (p *Producer) live() error {
	if p == nil || p.ptr == nil {
		return closedErr("Producer")
	}
	return nil
}

// Publish copies a report into the ring, waiting up to timeout for space
// under the wait policy (EAgain at once under the drop policy).
func (p *Producer) Publish(r *Report, timeout time.Duration) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := r.live(); err != nil {
		return err
	}
	var e C.kgo_err
	err := check(C.kgo_producer_publish(p.ptr, r.ptr, C.int64_t(timeout), &e), &e)
	runtime.KeepAlive(p)
	runtime.KeepAlive(r)
	return err
}

// PublishBytes publishes a report buffer (consumers verify it).
func (p *Producer) PublishBytes(b []byte, timeout time.Duration) error {
	if err := p.live(); err != nil {
		return err
	}
	var d unsafe.Pointer
	if len(b) > 0 {
		d = unsafe.Pointer(&b[0])
	}
	var e C.kgo_err
	err := check(C.kgo_producer_publish_bytes(p.ptr, d, C.size_t(len(b)), C.int64_t(timeout), &e), &e)
	runtime.KeepAlive(p)
	return err
}

// Consumer reads reports from a ring, from the position it was opened at.
type Consumer struct {
	ptr  *C.ktsnap_consumer
	ring *Ring
}

// Consumer registers a consumer; copy makes each payload be copied out of
// the ring before it is verified (for untrusted producers).
func (r *Ring) Consumer(copy bool) (*Consumer, error) {
	if err := r.live(); err != nil {
		return nil, err
	}
	var flags C.uint32_t
	if copy {
		flags = C.KTSNAP_CONSUMER_COPY
	}
	var out *C.ktsnap_consumer
	var e C.kgo_err
	err := check(C.kgo_consumer_open(&out, r.ptr, flags, &e), &e)
	runtime.KeepAlive(r)
	if err != nil {
		return nil, err
	}
	c := &Consumer{ptr: out, ring: r}
	runtime.SetFinalizer(c, (*Consumer).Close)
	return c, nil
}

// Close releases the consumer (its slot is freed once its reports are closed too).
func (c *Consumer) Close() error {
	if c != nil && c.ptr != nil {
		C.ktsnap_consumer_free(c.ptr)
		c.ptr = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// Next is the next report, opened in place (close it to release its
// record). timeout 0: EAgain when nothing is there; ETimeout when nothing
// came in time.
func (c *Consumer) Next(timeout time.Duration) (*Report, error) {
	if c == nil || c.ptr == nil {
		return nil, closedErr("Consumer")
	}
	var out *C.ktsnap_report
	var e C.kgo_err
	err := check(C.kgo_consumer_next(&out, c.ptr, C.int64_t(timeout), &e), &e)
	runtime.KeepAlive(c)
	if err != nil {
		return nil, err
	}
	return newReport(out), nil
}

// Drops is the number of records this consumer lost to the drop policy.
func (c *Consumer) Drops() uint64 {
	if c == nil || c.ptr == nil {
		return 0
	}
	v := uint64(C.ktsnap_consumer_drops(c.ptr))
	runtime.KeepAlive(c)
	return v
}
