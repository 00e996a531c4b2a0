// `ktsnap request`: from inside a guest, ask the host for a snapshot over
// the capture wire (ktsnap_guest_request) and print what came back.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli.hpp"
#include "ktsnap.h"

namespace ktsnap_cli {

namespace {

constexpr const char* kCmd = "request";

void request_help() {
  std::printf(
      "usage: ktsnap request --port NAME|PATH --tag TAG [--kind capture|watch]\n"
      "                      [--timeout SECONDS]\n"
      "\n"
      "Send one snapshot request to the host over the capture wire (a\n"
      "virtio-console port) and wait for its reply. Prints one line:\n"
      "  ok id=N kind=K tag=T\n"
      "  host-error id=N kind=K tag=T: REASON        (the host answered ERR)\n"
      "  transport-error id=N kind=K tag=T: REASON   (no usable answer)\n"
      "\n"
      "  --port NAME|PATH  a port name (looked up under /sys/class/virtio-ports)\n"
      "                    or, when it contains '/', a device path\n"
      "  --tag TAG         capture: the tag the host stores the report under;\n"
      "                    watch: the kernel symbol to watch. Cut at 64 bytes.\n"
      "  --kind KIND       capture (default), watch, or a number (sent as is)\n"
      "  --timeout S       seconds to wait for the reply (default 30; may be\n"
      "                    fractional)\n"
      "  --help            this text\n"
      "\n"
      "exit status:\n"
      "  0  the host answered OK\n"
      "  1  no such port\n"
      "  2  usage error\n"
      "  3  the port cannot be opened\n"
      "  4  another failure\n"
      "  5  the host answered ERR (host error)\n"
      "  6  transport error: timeout, end of file, I/O error, bad frame\n");
}

bool parse_kind(const std::string& s, uint32_t* kind) {
  if (s == "capture") {
    *kind = KTSNAP_SNAPSHOT_KIND_CAPTURE;
    return true;
  }
  if (s == "watch") {
    *kind = KTSNAP_SNAPSHOT_KIND_WATCH;
    return true;
  }
  return parse_u32(s, kind) && *kind != 0;
}

bool parse_seconds(const std::string& s, int64_t* ns) {
  if (s.empty() || s.size() > 32) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end == nullptr || *end != '\0' || !std::isfinite(v) || v <= 0 || v > 1e6) return false;
  *ns = static_cast<int64_t>(v * 1e9);
  return *ns > 0;
}

const char* kind_text(uint32_t kind) {
  switch (kind) {
    case KTSNAP_SNAPSHOT_KIND_CAPTURE: return "capture";
    case KTSNAP_SNAPSHOT_KIND_WATCH: return "watch";
    default: return nullptr;
  }
}

}  // namespace

int cmd_request(const Args& args) {
  std::string port, tag;
  bool have_tag = false;
  uint32_t kind = KTSNAP_SNAPSHOT_KIND_CAPTURE;
  int64_t timeout_ns = KTSNAP_SNAPSHOT_TIMEOUT_NS;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      request_help();
      return kExitOk;
    } else if (a == "--port") {
      if (i + 1 >= args.size()) return usage_error(kCmd, "--port needs a port name or device path");
      port = args[++i];
    } else if (a == "--tag") {
      if (i + 1 >= args.size()) return usage_error(kCmd, "--tag needs a tag");
      tag = args[++i];
      have_tag = true;
    } else if (a == "--kind") {
      if (i + 1 >= args.size()) return usage_error(kCmd, "--kind needs capture, watch or a number");
      if (!parse_kind(args[++i], &kind))
        return usage_error(kCmd, "--kind '" + args[i] + "' is not capture, watch or a non-zero number");
    } else if (a == "--timeout") {
      if (i + 1 >= args.size()) return usage_error(kCmd, "--timeout needs seconds");
      if (!parse_seconds(args[++i], &timeout_ns))
        return usage_error(kCmd, "--timeout '" + args[i] + "' is not a positive number of seconds");
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error(kCmd, "unknown option '" + a + "'");
    } else {
      return usage_error(kCmd, "unexpected argument '" + a + "'");
    }
  }
  if (port.empty()) return usage_error(kCmd, "--port is required");
  if (!have_tag || tag.empty()) return usage_error(kCmd, "--tag is required (not empty)");

  ktsnap_guest* g = nullptr;
  ktsnap_status st = ktsnap_guest_open(&g, port.c_str(), nullptr);
  if (st != KTSNAP_OK) return report_failure(kCmd, st);

  ktsnap_guest_reply reply{};
  reply.sz = sizeof reply;
  st = ktsnap_guest_request(g, kind, tag.c_str(), timeout_ns, &reply);
  std::string kname = kind_text(kind) ? kind_text(kind) : std::to_string(kind);
  std::string shown = tag.size() > KTSNAP_SNAPSHOT_TAG_MAX ? tag.substr(0, KTSNAP_SNAPSHOT_TAG_MAX) : tag;
  std::string line;
  int rc;
  switch (reply.outcome) {
    case KTSNAP_GUEST_OUTCOME_OK:
      line = "ok";
      rc = kExitOk;
      break;
    case KTSNAP_GUEST_OUTCOME_HOST_ERROR:
      line = "host-error";
      rc = kExitHostError;
      break;
    case KTSNAP_GUEST_OUTCOME_TRANSPORT_ERROR:
      line = "transport-error";
      rc = kExitTransport;
      break;
    default: {
      // Nothing was sent: an argument the library refused.
      int code = report_failure(kCmd, st);
      ktsnap_guest_free(g);
      return code;
    }
  }
  line += " id=" + std::to_string(reply.request_id) + " kind=" + kname + " tag=" + shown;
  if (reply.outcome != KTSNAP_GUEST_OUTCOME_OK) line += std::string(": ") + reply.reason;
  ktsnap_guest_free(g);
  if (!write_out(line.data(), line.size())) {
    std::fprintf(stderr, "ktsnap %s: cannot write to stdout\n", kCmd);
    return rc == kExitOk ? kExitIo : rc;
  }
  if (reply.flags & KTSNAP_GUEST_TAG_TRUNCATED)
    std::fprintf(stderr, "ktsnap %s: note: the tag was cut to %d bytes, as the wire carries it\n", kCmd,
                 KTSNAP_SNAPSHOT_TAG_MAX);
  return rc;
}

}  // namespace ktsnap_cli
