// `ktsnap ring`: create, feed, follow, inspect and remove shared-memory
// report rings.
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli.hpp"
#include "ktsnap.h"

namespace ktsnap_cli {

namespace {

constexpr const char* kCmd = "ring";

void ring_help() {
  std::printf(
      "usage: ktsnap ring create NAME --size BYTES [--consumers N] [--policy wait|drop] [--mode OCTAL]\n"
      "       ktsnap ring publish NAME FILE... [--timeout S]\n"
      "       ktsnap ring tail NAME [--count N] [--timeout S] [--json|--text|--summary]\n"
      "       ktsnap ring stat NAME\n"
      "       ktsnap ring rm NAME\n"
      "\n"
      "A ring is a named shared-memory segment (/dev/shm/NAME) that hands\n"
      "reports from one producer to up to 16 consumers, each at its own\n"
      "position; a consumer opens each report in place, without a copy.\n"
      "\n"
      "  create   make the segment. --size is the data area in bytes (suffix\n"
      "           K, M or G for KiB, MiB, GiB); --consumers the consumer slots\n"
      "           (1-16, default 16); --policy what a full ring does to the\n"
      "           producer: wait for the slowest consumer (default) or drop the\n"
      "           report and count it; --mode the segment's permissions (0600)\n"
      "  publish  put each report FILE into the ring, in order, as the ring's\n"
      "           producer; --timeout bounds the wait on a full ring (default 10)\n"
      "  tail     register as a consumer and print every report published from\n"
      "           then on, as one summary line each (default), JSON or text; stop\n"
      "           after --count reports, or when none comes for --timeout seconds\n"
      "           (default 10; 0 = only what is there already)\n"
      "  stat     positions, records, drops, producer and consumers\n"
      "  rm       remove the segment's name (users keep their mapping)\n"
      "\n"
      "Exit codes: 0 ok, 1 no such ring / no report in time, 2 usage, 3 I/O or\n"
      "permission, 4 other failures (a full ring under the drop policy, a bad\n"
      "report file).\n");
}

struct RingH {
  ktsnap_ring* p = nullptr;
  ~RingH() { ktsnap_ring_free(p); }
};
struct ProducerH {
  ktsnap_producer* p = nullptr;
  ~ProducerH() { ktsnap_producer_free(p); }
};
struct ConsumerH {
  ktsnap_consumer* p = nullptr;
  ~ConsumerH() { ktsnap_consumer_free(p); }
};

// "64M" -> 67108864; false on anything that is not a size.
bool parse_size(const std::string& s, uint64_t* out) {
  if (s.empty()) return false;
  size_t digits = 0;
  uint64_t v = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + uint64_t(s[digits] - '0');
    digits++;
  }
  if (digits == 0) return false;
  std::string unit = s.substr(digits);
  unsigned shift = 0;
  if (unit == "" || unit == "B") shift = 0;
  else if (unit == "K" || unit == "KiB") shift = 10;
  else if (unit == "M" || unit == "MiB") shift = 20;
  else if (unit == "G" || unit == "GiB") shift = 30;
  else return false;
  if (shift && v > (UINT64_MAX >> shift)) return false;
  *out = v << shift;
  return true;
}

// Seconds (decimal, >= 0, at most a day) into nanoseconds.
bool parse_seconds(const std::string& s, int64_t* ns) {
  if (s.empty() || s.size() > 20) return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end == s.c_str() || *end != '\0' || !std::isfinite(v) || v < 0 || v > 86400) return false;
  *ns = static_cast<int64_t>(v * 1e9);
  return true;
}

bool parse_mode(const std::string& s, uint32_t* out) {
  if (s.empty() || s.size() > 4) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '7') return false;
    v = v * 8 + uint32_t(c - '0');
  }
  if (v == 0) return false;
  *out = v;
  return true;
}

int open_ring(const std::string& name, RingH& r) {
  ktsnap_status st = ktsnap_ring_open(&r.p, name.c_str());
  return st == KTSNAP_OK ? kExitOk : report_failure(kCmd, st);
}

int ring_create(const Args& a) {
  std::string name;
  ktsnap_ring_opts o = KTSNAP_RING_OPTS_INIT;
  bool have_size = false;
  for (size_t i = 0; i < a.size(); i++) {
    auto need = [&](const char*) { return i + 1 < a.size(); };
    if (a[i] == "--size") {
      if (!need("--size") || !parse_size(a[++i], &o.size_bytes) || o.size_bytes == 0)
        return usage_error(kCmd, "--size needs a byte count such as 65536, 64K or 16M");
      have_size = true;
    } else if (a[i] == "--consumers") {
      if (!need("--consumers") || !parse_u32(a[++i], &o.max_consumers) || o.max_consumers == 0 ||
          o.max_consumers > KTSNAP_RING_MAX_CONSUMERS)
        return usage_error(kCmd, "--consumers needs a number from 1 to 16");
    } else if (a[i] == "--policy") {
      if (!need("--policy")) return usage_error(kCmd, "--policy needs wait or drop");
      const std::string& p = a[++i];
      if (p == "wait") o.policy = KTSNAP_RING_POLICY_WAIT;
      else if (p == "drop") o.policy = KTSNAP_RING_POLICY_DROP;
      else return usage_error(kCmd, "--policy '" + p + "': use wait or drop");
    } else if (a[i] == "--mode") {
      if (!need("--mode") || !parse_mode(a[++i], &o.mode))
        return usage_error(kCmd, "--mode needs octal permission bits such as 0600 or 0660");
    } else if (a[i].size() > 1 && a[i][0] == '-') {
      return usage_error(kCmd, "unknown option '" + a[i] + "' for ring create");
    } else if (name.empty()) {
      name = a[i];
    } else {
      return usage_error(kCmd, "unexpected argument '" + a[i] + "'");
    }
  }
  if (name.empty()) return usage_error(kCmd, "ring create needs a NAME");
  if (!have_size) return usage_error(kCmd, "ring create needs --size BYTES");
  RingH r;
  ktsnap_status st = ktsnap_ring_create(&r.p, name.c_str(), &o);
  if (st != KTSNAP_OK) return report_failure(kCmd, st);
  ktsnap_ring_info info;
  std::memset(&info, 0, sizeof info);
  info.sz = sizeof info;
  if (ktsnap_ring_stat(&info, r.p) == KTSNAP_OK)
    std::printf("created ring %s: %" PRIu64 " bytes, %u consumer slots, policy %s\n", name.c_str(), info.capacity,
                info.max_consumers, info.policy == KTSNAP_RING_POLICY_DROP ? "drop" : "wait");
  return std::fflush(stdout) == 0 ? kExitOk : kExitIo;
}

int ring_publish(const Args& a) {
  std::string name;
  std::vector<std::string> files;
  int64_t timeout = 10ll * 1000000000ll;
  for (size_t i = 0; i < a.size(); i++) {
    if (a[i] == "--timeout") {
      if (i + 1 >= a.size() || !parse_seconds(a[++i], &timeout))
        return usage_error(kCmd, "--timeout needs seconds (0 to 86400)");
    } else if (a[i].size() > 1 && a[i][0] == '-') {
      return usage_error(kCmd, "unknown option '" + a[i] + "' for ring publish");
    } else if (name.empty()) {
      name = a[i];
    } else {
      files.push_back(a[i]);
    }
  }
  if (name.empty() || files.empty()) return usage_error(kCmd, "ring publish needs a NAME and at least one FILE");
  RingH r;
  if (int rc = open_ring(name, r); rc != kExitOk) return rc;
  ProducerH p;
  if (ktsnap_status st = ktsnap_producer_open(&p.p, r.p); st != KTSNAP_OK) return report_failure(kCmd, st);
  for (const std::string& f : files) {
    ReportHandle rep;
    ktsnap_status st = ktsnap_report_open_file(&rep.r, f.c_str(), nullptr);
    if (st != KTSNAP_OK) return report_failure(kCmd, st);
    st = ktsnap_producer_publish(p.p, rep.r, timeout);
    if (st != KTSNAP_OK) {
      std::fprintf(stderr, "ktsnap ring: publishing %s into %s failed\n", f.c_str(), name.c_str());
      return report_failure(kCmd, st);
    }
    size_t n = 0;
    ktsnap_report_bytes(rep.r, &n);
    std::printf("published %s (%zu bytes)\n", f.c_str(), n);
  }
  return std::fflush(stdout) == 0 ? kExitOk : kExitIo;
}

int ring_tail(const Args& a) {
  std::string name;
  uint32_t count = 0;
  bool have_count = false;
  int64_t timeout = 10ll * 1000000000ll;
  enum { kSummary, kJson, kText } fmt = kSummary;
  for (size_t i = 0; i < a.size(); i++) {
    if (a[i] == "--count") {
      if (i + 1 >= a.size() || !parse_u32(a[++i], &count) || count == 0)
        return usage_error(kCmd, "--count needs a number of reports (1 or more)");
      have_count = true;
    } else if (a[i] == "--timeout") {
      if (i + 1 >= a.size() || !parse_seconds(a[++i], &timeout))
        return usage_error(kCmd, "--timeout needs seconds (0 to 86400)");
    } else if (a[i] == "--json") {
      fmt = kJson;
    } else if (a[i] == "--text") {
      fmt = kText;
    } else if (a[i] == "--summary") {
      fmt = kSummary;
    } else if (a[i].size() > 1 && a[i][0] == '-') {
      return usage_error(kCmd, "unknown option '" + a[i] + "' for ring tail");
    } else if (name.empty()) {
      name = a[i];
    } else {
      return usage_error(kCmd, "unexpected argument '" + a[i] + "'");
    }
  }
  if (name.empty()) return usage_error(kCmd, "ring tail needs a NAME");
  RingH r;
  if (int rc = open_ring(name, r); rc != kExitOk) return rc;
  ConsumerH c;
  if (ktsnap_status st = ktsnap_consumer_open(&c.p, r.p, nullptr); st != KTSNAP_OK) return report_failure(kCmd, st);
  // Registered: anything published from now on reaches this consumer.
  std::fprintf(stderr, "ktsnap ring: following %s\n", name.c_str());
  uint32_t got = 0;
  while (!have_count || got < count) {
    ReportHandle rep;
    ktsnap_status st = ktsnap_consumer_next(&rep.r, c.p, timeout);
    if (st == KTSNAP_E_TIMEOUT || st == KTSNAP_E_AGAIN) break;
    if (st != KTSNAP_OK) return report_failure(kCmd, st);
    got++;
    uint64_t seq = 0;
    ktsnap_report_ring_seq(&seq, rep.r);
    if (fmt == kSummary) {
      size_t bytes = 0;
      ktsnap_report_bytes(rep.r, &bytes);
      uint64_t entries = 0;
      size_t maps = ktsnap_report_map_count(rep.r);
      for (size_t i = 0; i < maps; i++) entries += ktsnap_map_entry_count(ktsnap_report_map_at(rep.r, i));
      std::printf("seq %" PRIu64 " tag \"%s\" %zu maps %" PRIu64 " entries %zu bytes\n", seq,
                  ktsnap_report_tag(rep.r), maps, entries, bytes);
    } else {
      ktsnap_render_opts ro = KTSNAP_RENDER_OPTS_INIT;
      ro.format = fmt == kJson ? KTSNAP_FORMAT_JSON : KTSNAP_FORMAT_TEXT;
      Text t;
      if (ktsnap_status rs = ktsnap_render_report(&t.p, &t.len, rep.r, &ro); rs != KTSNAP_OK)
        return report_failure(kCmd, rs);
      if (!write_out(t.p, t.len)) return kExitIo;
    }
    if (std::fflush(stdout) != 0) return kExitIo;
  }
  if (uint64_t missed = ktsnap_consumer_missed(c.p))
    std::fprintf(stderr, "ktsnap ring: %" PRIu64 " report(s) were dropped by the producer before this consumer read them\n",
                 missed);
  if (have_count && got < count) {
    std::fprintf(stderr, "ktsnap ring: %u of %u reports arrived before the timeout\n", got, count);
    return kExitNotFound;
  }
  if (got == 0) {
    std::fprintf(stderr, "ktsnap ring: no report arrived before the timeout\n");
    return kExitNotFound;
  }
  return kExitOk;
}

int ring_stat(const Args& a) {
  if (a.size() != 1 || a[0][0] == '-') return usage_error(kCmd, "ring stat needs exactly one NAME");
  RingH r;
  if (int rc = open_ring(a[0], r); rc != kExitOk) return rc;
  ktsnap_ring_info info;
  std::memset(&info, 0, sizeof info);
  info.sz = sizeof info;
  if (ktsnap_status st = ktsnap_ring_stat(&info, r.p); st != KTSNAP_OK) return report_failure(kCmd, st);
  std::printf("ring %s: format %u, %" PRIu64 " bytes, policy %s\n", a[0].c_str(), info.format_version, info.capacity,
              info.policy == KTSNAP_RING_POLICY_DROP ? "drop" : "wait");
  std::printf("head %" PRIu64 " tail %" PRIu64 " (%" PRIu64 " bytes held)\n", info.head, info.tail,
              info.head - info.tail);
  std::printf("records %" PRIu64 " drops %" PRIu64 "\n", info.records, info.drops);
  if (info.producer_pid) std::printf("producer pid %u\n", info.producer_pid);
  else std::printf("producer none\n");
  std::printf("consumers %u of %u\n", info.consumer_count, info.max_consumers);
  for (uint32_t i = 0; i < info.max_consumers && i < KTSNAP_RING_MAX_CONSUMERS; i++) {
    if (info.consumer_pid[i] == 0) continue;
    std::printf("  slot %u pid %u position %" PRIu64 " behind %" PRIu64 " bytes\n", i, info.consumer_pid[i],
                info.consumer_position[i], info.head - info.consumer_position[i]);
  }
  return std::fflush(stdout) == 0 ? kExitOk : kExitIo;
}

int ring_rm(const Args& a) {
  if (a.size() != 1 || a[0][0] == '-') return usage_error(kCmd, "ring rm needs exactly one NAME");
  if (ktsnap_status st = ktsnap_ring_unlink(a[0].c_str()); st != KTSNAP_OK) return report_failure(kCmd, st);
  return kExitOk;
}

}  // namespace

int cmd_ring(const Args& args) {
  if (args.empty()) return usage_error(kCmd, "give a ring command: create, publish, tail, stat or rm");
  const std::string& sub = args[0];
  Args rest(args.begin() + 1, args.end());
  for (const std::string& a : args)
    if (a == "--help" || a == "-h") {
      ring_help();
      return kExitOk;
    }
  if (sub == "create") return ring_create(rest);
  if (sub == "publish") return ring_publish(rest);
  if (sub == "tail") return ring_tail(rest);
  if (sub == "stat") return ring_stat(rest);
  if (sub == "rm") return ring_rm(rest);
  return usage_error(kCmd, "unknown ring command '" + sub + "': use create, publish, tail, stat or rm");
}

}  // namespace ktsnap_cli
