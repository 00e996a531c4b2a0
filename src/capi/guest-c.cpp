// ktsnap_guest_*: the guest client of the capture wire (vmm/wire/guest.hpp)
// behind the C ABI.
//
// Self-contained on purpose: besides the wire client it needs only the
// error plumbing declared in common-c.hpp (clear_error, fail, fail_parts,
// null_arg, out_sz, check_sz, check_reserved, check_flags, init_sz), so the static guest program of the QEMU test bed
// (tests/vm) compiles this file with a small stand-in for that plumbing
// instead of the whole library.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>

#include "capi/common-c.hpp"
#include "ktsnap.h"
#include "wire/guest.hpp"

struct ktsnap_guest {
  std::unique_ptr<ktsnap::wire::GuestClient> client;
};

namespace ktsnap::capi {
namespace {

static_assert(KTSNAP_SNAPSHOT_KIND_CAPTURE == wire::kSnapshotKindCapture);
static_assert(KTSNAP_SNAPSHOT_KIND_WATCH == wire::kSnapshotKindWatch);
static_assert(KTSNAP_SNAPSHOT_TAG_MAX == wire::kSnapshotTagMax);
static_assert(KTSNAP_GUEST_OUTCOME_OK == uint32_t(wire::GuestOutcome::Ok));
static_assert(KTSNAP_GUEST_OUTCOME_HOST_ERROR == uint32_t(wire::GuestOutcome::HostError));
static_assert(KTSNAP_GUEST_OUTCOME_TRANSPORT_ERROR == uint32_t(wire::GuestOutcome::TransportError));
static_assert(KTSNAP_SNAPSHOT_TIMEOUT_NS ==
              std::chrono::duration_cast<std::chrono::nanoseconds>(wire::kSnapshotRequestTimeout).count());

// The reason a reply points at: per thread, so threads sharing a handle
// each keep their own until their next request.
thread_local std::string t_reason;

const char* kind_text(uint32_t kind) {
  switch (kind) {
    case KTSNAP_SNAPSHOT_KIND_CAPTURE: return "capture";
    case KTSNAP_SNAPSHOT_KIND_WATCH: return "watch";
    default: return "other";
  }
}

// Reads the caller's options: the flags and the lookup directories.
ktsnap_status read_opts(const ktsnap_guest_opts* opts, uint32_t allowed, uint32_t* flags,
                        wire::GuestOpenOptions* o) {
  size_t sz = 0;
  if (ktsnap_status st = check_sz(opts, sizeof(ktsnap_guest_opts), "ktsnap_guest_opts", &sz); st != KTSNAP_OK)
    return st;
  *flags = 0;
  if (opts == nullptr) return KTSNAP_OK;
  *flags = KTSNAP_CAPI_GET(opts, sz, flags, 0u);
  if (ktsnap_status st = check_flags(*flags, allowed, "ktsnap_guest_opts"); st != KTSNAP_OK) return st;
  if (ktsnap_status st = check_reserved(opts->reserved, offsetof(ktsnap_guest_opts, reserved),
                                        sizeof opts->reserved, sz, "ktsnap_guest_opts");
      st != KTSNAP_OK)
    return st;
  const char* ports = KTSNAP_CAPI_GET(opts, sz, ports_dir, static_cast<const char*>(nullptr));
  const char* dev = KTSNAP_CAPI_GET(opts, sz, dev_dir, static_cast<const char*>(nullptr));
  if (ports != nullptr) o->sysfs_root = ports;
  if (dev != nullptr) o->dev_root = dev;
  return KTSNAP_OK;
}

}  // namespace
}  // namespace ktsnap::capi

using namespace ktsnap;
using namespace ktsnap::capi;

extern "C" {

KTSNAP_API ktsnap_status ktsnap_guest_opts_init(ktsnap_guest_opts* opts, size_t sz) noexcept {
  clear_error();
  return init_sz(opts, sz, "ktsnap_guest_opts_init");
}

KTSNAP_API ktsnap_status ktsnap_guest_open(ktsnap_guest** out, const char* port, const ktsnap_guest_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_guest_open";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, port);
    uint32_t flags = 0;
    wire::GuestOpenOptions o;
    if (ktsnap_status st = read_opts(opts, 0, &flags, &o); st != KTSNAP_OK) return st;
    auto c = wire::GuestClient::open(port, o);
    if (!c.ok()) return fail(c.error());
    auto g = std::make_unique<ktsnap_guest>();
    g->client = std::move(c.value());
    *out = g.release();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_guest_open_fd(ktsnap_guest** out, int fd, const ktsnap_guest_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_guest_open_fd";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    uint32_t flags = 0;
    wire::GuestOpenOptions o;
    if (ktsnap_status st = read_opts(opts, KTSNAP_GUEST_OWN_FD, &flags, &o); st != KTSNAP_OK) return st;
    auto c = wire::GuestClient::adopt(fd, (flags & KTSNAP_GUEST_OWN_FD) != 0);
    if (!c.ok()) return fail(c.error());
    auto g = std::make_unique<ktsnap_guest>();
    g->client = std::move(c.value());
    *out = g.release();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_guest_request(ktsnap_guest* guest, uint32_t kind, const char* tag,
                                              int64_t timeout_ns, ktsnap_guest_reply* reply) noexcept {
  static constexpr const char* fn = "ktsnap_guest_request";
  return guard(fn, [&]() -> ktsnap_status {
    size_t sz = 0;
    if (reply != nullptr) {
      if (ktsnap_status st = out_sz(reply, fn, "reply", "ktsnap_guest_reply", &sz); st != KTSNAP_OK) return st;
    }
    t_reason.clear();
    ktsnap_guest_reply r{};
    r.sz = sz;
    r.reason = "";
    auto publish = [&] {
      if (reply != nullptr) {
        r.reason = t_reason.c_str();
        r.reason_len = t_reason.size();
        copy_out_sz(reply, r, sz);
      }
    };
    publish();  // OUTCOME_NONE until something was sent
    KTSNAP_CAPI_REQUIRE(fn, guest);
    KTSNAP_CAPI_REQUIRE(fn, tag);
    if (timeout_ns < 0)
      return fail(KTSNAP_E_INVALID, std::string(fn) + ": negative timeout_ns " + std::to_string(timeout_ns));
    const int64_t t = timeout_ns == 0 ? KTSNAP_SNAPSHOT_TIMEOUT_NS : timeout_ns;
    const size_t tag_len = std::strlen(tag);
    auto res = guest->client->request_snapshot(kind, std::string_view(tag, tag_len), std::chrono::nanoseconds(t));
    if (!res.ok()) {
      Error e = res.take_error();
      e.message = std::string(fn) + ": " + e.message;
      return fail(e);
    }
    wire::GuestResult& g = res.value();
    r.outcome = uint32_t(g.outcome);
    r.request_id = g.request_id;
    if (g.timed_out) r.flags |= KTSNAP_GUEST_TIMED_OUT;
    if (g.latched) r.flags |= KTSNAP_GUEST_LATCHED;
    if (tag_len > KTSNAP_SNAPSHOT_TAG_MAX) r.flags |= KTSNAP_GUEST_TAG_TRUNCATED;
    t_reason = std::move(g.reason);
    publish();
    switch (g.outcome) {
      case wire::GuestOutcome::Ok: return KTSNAP_OK;
      case wire::GuestOutcome::HostError:
        return fail(KTSNAP_E_REMOTE, "host refused snapshot request " + std::to_string(g.request_id) + " (kind " +
                                         kind_text(kind) + ", tag \"" + std::string(tag, std::min<size_t>(tag_len, 64)) +
                                         "\"): " + t_reason);
      case wire::GuestOutcome::TransportError: break;
    }
    return fail(g.timed_out ? KTSNAP_E_TIMEOUT : KTSNAP_E_IO, t_reason);
  });
}

KTSNAP_API ktsnap_status ktsnap_guest_reset(ktsnap_guest* guest) noexcept {
  static constexpr const char* fn = "ktsnap_guest_reset";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, guest);
    Status st = guest->client->reset();
    return st.ok() ? KTSNAP_OK : fail(st.error());
  });
}

KTSNAP_API ktsnap_status ktsnap_guest_stats_get(ktsnap_guest_stats* out, const ktsnap_guest* guest) noexcept {
  static constexpr const char* fn = "ktsnap_guest_stats_get";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    size_t sz = 0;
    if (ktsnap_status st = out_sz(out, fn, "out", "ktsnap_guest_stats", &sz); st != KTSNAP_OK) return st;
    KTSNAP_CAPI_REQUIRE(fn, guest);
    wire::GuestStats s = guest->client->stats();
    ktsnap_guest_stats o{};
    o.sz = sz;
    o.requests = s.requests;
    o.replies = s.replies;
    o.host_errors = s.host_errors;
    o.transport_errors = s.transport_errors;
    o.skipped_wrong_type = s.skipped_wrong_type;
    o.skipped_wrong_size = s.skipped_wrong_size;
    o.skipped_stale = s.skipped_stale;
    o.bytes_written = s.bytes_written;
    o.bytes_read = s.bytes_read;
    o.dead = guest->client->dead() ? 1 : 0;
    copy_out_sz(out, o, sz);
    return KTSNAP_OK;
  });
}

KTSNAP_API void ktsnap_guest_free(ktsnap_guest* guest) noexcept { delete guest; }

}  // extern "C"
