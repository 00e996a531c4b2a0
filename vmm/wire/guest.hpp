// ktsnap::wire - the guest client of the capture wire (spec/wire.md 2.5,
// 2.6; docs/WIRE.md "Guest client"): asks the host for a snapshot over the
// bulk virtio-console port and waits for the matching reply.
//
// One request is in flight per client: request_snapshot() holds the
// client's mutex from the write of the SNRQ frame to the end of the wait,
// so threads sharing a client are served one after the other. The request
// id counter is per client too (ktstr keeps one per process; the kernel
// allows one open per port, so one client per port is the same thing).
// Ids start at 1 and never take the value 0.
//
// Outcomes: Ok (status OK), HostError (status ERR, with the host's
// reason), TransportError (anything else: the write failed, the deadline
// passed, EOF, an I/O error, a frame over the 520-byte reply cap, a CRC
// mismatch, a reply status other than OK/ERR).
//
// Latching: every TransportError latches the client dead. Later requests
// fail at once with a TransportError naming the original cause, without
// touching the fd, until reset(). This is ktstr's executor rule
// (SNAPSHOT_TRANSPORT_DEAD, spec 2.10); it includes the deadline, because a
// timed-out request may still be answered later and a frame may have been
// cut in the middle. The fd stays open on a timeout (as ktstr keeps it);
// what was read of a cut frame is kept, so after reset() the next request
// continues that frame instead of reading its tail as a header.
//
// Skipped while waiting (each counted in GuestStats): frames of another
// message type, SNRP frames whose payload is not 520 bytes, and replies
// carrying another request's id (stale replies of timed-out requests).
// Bytes that are not a frame are not skipped: the guest does not resync
// (ktstr does not either); they read as a bad header, which ends in a
// CRC mismatch or an over-cap length, a TransportError.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "internal/status.hpp"
#include "wire/frame.hpp"
#include "wire/snapshot.hpp"

namespace ktsnap::wire {

// The port ktstr's guest opens; ktsnap's QEMU test bed names it
// org.ktsnap.wire (docs/VM-TESTS.md).
inline constexpr const char* kDefaultVirtioPortsRoot = "/sys/class/virtio-ports";
inline constexpr const char* kDefaultDevRoot = "/dev";
// ktstr's deadline for both snapshot kinds.
inline constexpr std::chrono::seconds kSnapshotRequestTimeout{30};
// Longer timeouts are taken as this (ten years): the deadline must fit the
// clock.
inline constexpr std::chrono::hours kMaxRequestTimeout{24 * 365 * 10};

struct GuestOpenOptions {
  // Where the port names are looked up: <sysfs_root>/<entry>/name holds the
  // name, and the device is <dev_root>/<entry>. Overridable for tests.
  std::string sysfs_root = kDefaultVirtioPortsRoot;
  std::string dev_root = kDefaultDevRoot;
};

enum class GuestOutcome : uint32_t {
  Ok = 1,              // the host answered OK
  HostError = 2,       // the host answered ERR; reason is its text
  TransportError = 3,  // no usable answer; reason says why
};

const char* guest_outcome_name(GuestOutcome o) noexcept;  // "ok", "host-error", "transport-error"

struct GuestResult {
  GuestOutcome outcome = GuestOutcome::TransportError;
  uint32_t request_id = 0;  // 0 when no request was sent (latched dead)
  std::string reason;       // empty on Ok
  bool timed_out = false;   // TransportError because the deadline passed
  bool latched = false;     // TransportError because the client was already dead
};

struct GuestStats {
  uint64_t requests = 0;            // request_snapshot() calls that sent (or tried to send) a frame
  uint64_t replies = 0;             // matching replies received (OK, ERR or unknown status)
  uint64_t host_errors = 0;         // replies with status ERR
  uint64_t transport_errors = 0;    // TransportError outcomes, latched ones included
  uint64_t skipped_wrong_type = 0;  // frames of another message type
  uint64_t skipped_wrong_size = 0;  // SNRP frames whose payload is not 520 bytes
  uint64_t skipped_stale = 0;       // SNRP frames with another request id
  uint64_t bytes_written = 0;       // bytes of SNRQ frames written
  uint64_t bytes_read = 0;          // bytes read from the port
};

class GuestClient {
 public:
  // Opens a port: `port` containing '/' is a device path, anything else a
  // port name looked up under options.sysfs_root (exact match of the name
  // file's first line). Opened O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY.
  // Errors: Invalid (empty port, a NUL in it), NotFound (no port of that
  // name: the message lists the ports that exist, also in
  // Error::alternatives; or no such path), Busy (EBUSY: the port is open
  // elsewhere - the kernel allows one open per port), Perm, Io.
  static Result<std::unique_ptr<GuestClient>> open(std::string_view port, const GuestOpenOptions& options = {});
  // Uses `fd` (any readable and writable stream: a port, a socket, a pty).
  // It is switched to O_NONBLOCK. With `own` the client closes it.
  // Errors: Invalid (fd < 0), Io (fcntl fails: not an open fd).
  static Result<std::unique_ptr<GuestClient>> adopt(int fd, bool own);

  ~GuestClient();
  GuestClient(const GuestClient&) = delete;
  GuestClient& operator=(const GuestClient&) = delete;

  // Sends one SNAPSHOT_REQUEST and waits up to `timeout` for its reply.
  // Errors (nothing is sent, nothing latched): Invalid for kind 0, an empty
  // tag, a tag with a NUL byte, a timeout <= 0 (one over ten years counts
  // as ten years). A tag over 64 bytes is cut
  // at 64 bytes, as the wire does (possibly inside a UTF-8 character); the
  // host stores the report under the cut tag. Every other failure is a
  // GuestResult with outcome TransportError.
  Result<GuestResult> request_snapshot(uint32_t kind, std::string_view tag, std::chrono::nanoseconds timeout);

  // Clears the latch. A client that opened its port by name or path closes
  // and reopens it (errors as open(); the client stays latched on error);
  // an adopted fd is kept. Any part of a frame read before the failure is
  // kept only when the fd is kept.
  Status reset();

  bool dead() const;
  // The TransportError text that latched the client ("" when not dead).
  std::string dead_reason() const;
  GuestStats stats() const;
  int fd() const;
  // The device path (empty for an adopted fd).
  const std::string& path() const noexcept { return path_; }

  // Test seam: the id the next request takes (0 is taken as 1).
  void set_next_request_id(uint32_t id);

 private:
  GuestClient(int fd, bool own, std::string path);

  enum class ReadStatus { Frame, TimedOut, Failed };
  ReadStatus read_frame(std::chrono::steady_clock::time_point deadline, FrameHeader& h,
                        std::vector<uint8_t>& payload, std::string& why);
  bool write_all(const std::vector<uint8_t>& frame, std::chrono::steady_clock::time_point deadline,
                 std::string& why);
  uint32_t take_request_id();
  void note_fd_kind();
  GuestResult transport_error(uint32_t id, std::string reason, bool timed_out);

  mutable std::mutex mu_;
  int fd_ = -1;
  bool own_ = false;
  bool is_socket_ = false;  // written with send(MSG_NOSIGNAL): no SIGPIPE
  std::string path_;
  uint32_t next_id_ = 1;
  bool dead_ = false;
  std::string dead_reason_;
  GuestStats stats_;
  // A frame being read: kept across requests (see the latching rule).
  uint8_t hdr_[kFrameHeaderSize] = {};
  size_t hdr_got_ = 0;
  std::vector<uint8_t> body_;
  size_t body_got_ = 0;
};

// The port entries under `sysfs_root` as (entry, name) pairs, sorted by
// entry; unreadable entries are left out.
std::vector<std::pair<std::string, std::string>> list_virtio_ports(const std::string& sysfs_root);

}  // namespace ktsnap::wire
