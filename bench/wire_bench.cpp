// The capture wire against its peers, in the same run (issue 6's budgets):
//
//   decoder      StreamDecoder::feed() over a stream of 64 KiB frames, fed
//                in 32 KiB pieces (a guest write to a virtio-console port
//                is cut at 32 KiB) and in 1 MiB pieces; every frame's
//                payload is copied out and its CRC checked, as the host
//                service does. Peers in the same run: zlib's crc32() over
//                the same payloads (the one pass the decoder cannot skip)
//                and memcpy of the stream (context).
//   round trip   GuestClient::request_snapshot() on one end of a
//                socketpair, HostService::run() on the other (thread), no
//                freeze; the capture callback hands back a prebuilt small
//                report, which the service stores in its bridge before it
//                replies. Peer: the same bytes (an 88-byte request frame, a
//                536-byte reply frame) ping-ponged over a socketpair by two
//                threads with plain write()/read().
//   QMP          QmpClient::stop() + cont() against a QEMU started here:
//                `-machine none` (no vCPU) and a TCG guest running its
//                firmware (one vCPU that must be paused). Skipped, with the
//                reason, when qemu-system-x86_64 is missing.
//
//   bench_wire [reps=5] [round trips=4000] [qmp cycles=200]
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "bridge/bridge.hpp"
#include "report/report.hpp"
#include "wire/frame.hpp"
#include "wire/guest.hpp"
#include "wire/qmp.hpp"
#include "wire/service.hpp"
#include "wire/snapshot.hpp"

namespace w = ktsnap::wire;

namespace {

using ktsnap::bench::die;
using ktsnap::bench::loadavg;
using ktsnap::bench::median;
using ktsnap::bench::now_ns;
using ktsnap::bench::percentile;

// ---- decoder -----------------------------------------------------------------

constexpr size_t kFramePayload = 64 * 1024;
constexpr size_t kFrames = 1024;  // 64 MiB of payload per pass

std::vector<uint8_t> make_stream() {
  std::mt19937_64 rng(42);
  std::vector<uint8_t> payload(kFramePayload);
  std::vector<uint8_t> stream;
  stream.reserve(kFrames * w::frame_size(kFramePayload));
  for (size_t i = 0; i < kFrames; ++i) {
    for (size_t j = 0; j < payload.size(); j += 8) {
      const uint64_t r = rng();
      std::memcpy(payload.data() + j, &r, 8);
    }
    if (!w::append_frame(stream, w::msg::kStdout, payload).ok()) die("append_frame");
  }
  return stream;
}

// Seconds for one pass of the decoder over `stream` in `chunk`-byte feeds.
double decode_pass(const std::vector<uint8_t>& stream, size_t chunk) {
  w::StreamDecoder d;
  std::vector<w::Frame> out;
  size_t frames = 0, bad = 0;
  const uint64_t t0 = now_ns();
  for (size_t off = 0; off < stream.size(); off += chunk) {
    out.clear();
    d.feed(std::span(stream).subspan(off, std::min(chunk, stream.size() - off)), out);
    for (const auto& f : out) bad += f.crc_ok ? 0 : 1;
    frames += out.size();
  }
  const double s = double(now_ns() - t0) / 1e9;
  if (frames != kFrames || bad != 0) die("decoder: " + std::to_string(frames) + " frames, " + std::to_string(bad) + " bad");
  return s;
}

double zlib_pass(const std::vector<uint8_t>& stream) {
  const uint64_t t0 = now_ns();
  uLong sink = 0;
  for (size_t off = 0; off < stream.size(); off += w::frame_size(kFramePayload))
    sink ^= crc32(0L, stream.data() + off + w::kFrameHeaderSize, kFramePayload);
  const double s = double(now_ns() - t0) / 1e9;
  if (sink == 0x12345678) std::printf("(sink)\n");
  return s;
}

double memcpy_pass(const std::vector<uint8_t>& stream, std::vector<uint8_t>& dst) {
  const uint64_t t0 = now_ns();
  for (size_t off = 0; off < stream.size(); off += 1 << 20) {
    const size_t n = std::min<size_t>(1 << 20, stream.size() - off);
    std::memcpy(dst.data() + off, stream.data() + off, n);
  }
  return double(now_ns() - t0) / 1e9;
}

void bench_decoder(int reps) {
  const std::vector<uint8_t> stream = make_stream();
  std::vector<uint8_t> dst(stream.size());
  std::vector<double> d32, d1m, z, m;
  decode_pass(stream, 32 * 1024);  // warm-up
  for (int r = 0; r < reps; ++r) {
    d32.push_back(decode_pass(stream, 32 * 1024));
    d1m.push_back(decode_pass(stream, 1 << 20));
    z.push_back(zlib_pass(stream));
    m.push_back(memcpy_pass(stream, dst));
  }
  const double gb = double(stream.size()) / 1e9;
  auto row = [&](const char* name, const std::vector<double>& s) {
    std::printf("%-40s %6.2f GB/s (median of %zu; runs ms:", name, gb / median(s), s.size());
    for (double x : s) std::printf(" %.1f", x * 1e3);
    std::printf(")\n");
  };
  std::printf("stream: %zu frames of %zu payload bytes, %zu bytes\n", kFrames, kFramePayload, stream.size());
  row("decoder, 32 KiB feeds", d32);
  row("decoder, 1 MiB feeds", d1m);
  row("zlib crc32 of the payloads (peer)", z);
  row("memcpy of the stream (context)", m);
  const double dec = gb / median(d32);
  std::printf("ratio decoder(32 KiB)/zlib crc32 %.2fx, decoder(1 MiB)/zlib crc32 %.2fx\n", median(z) / median(d32),
              median(z) / median(d1m));
  std::printf("budget: decoder >= 1 GB/s on 64 KiB frames: %s (%.2f GB/s with 32 KiB feeds)\n",
              dec >= 1.0 ? "met" : "NOT MET", dec);
}

// ---- request-to-reply round trip --------------------------------------------

std::shared_ptr<const ktsnap::Report> small_report() {
  static std::vector<uint8_t> bytes = ktsnap::bench::build_report(16, 2);
  auto r = ktsnap::Report::open_memory(bytes.data(), bytes.size());
  if (!r.ok()) die("small report: " + r.error().message);
  return std::shared_ptr<const ktsnap::Report>(std::move(r).value().release());
}

std::vector<double> service_round_trips(int n) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) die("socketpair");
  auto report = small_report();
  ktsnap::bridge::Bridge bridge;
  w::HostService svc(
      bridge, [report](std::string_view, ktsnap::Trigger) -> ktsnap::Result<ktsnap::bridge::ReportPtr> { return report; },
      w::make_no_freeze());
  std::thread host([&] { (void)svc.run(sv[1]); });
  auto client = w::GuestClient::adopt(sv[0], true);
  if (!client.ok()) die("adopt: " + client.error().message);
  std::vector<double> us;
  us.reserve(size_t(n));
  for (int i = 0; i < n + 200; ++i) {
    const uint64_t t0 = now_ns();
    auto r = (*client)->request_snapshot(w::kSnapshotKindCapture, "bench_tag", std::chrono::seconds(5));
    const uint64_t t1 = now_ns();
    if (!r.ok() || r->outcome != w::GuestOutcome::Ok) die("request " + std::to_string(i) + " failed");
    if (i >= 200) us.push_back(double(t1 - t0) / 1e3);  // 200 warm-up round trips
  }
  client->reset();  // closes our end: the service sees EOF
  svc.stop();
  host.join();
  close(sv[1]);
  if (!bridge.has("bench_tag")) die("the service stored nothing");
  return us;
}

bool read_exact(int fd, uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t k = read(fd, p, n);
    if (k <= 0) {
      if (k < 0 && errno == EINTR) continue;
      return false;
    }
    p += k;
    n -= size_t(k);
  }
  return true;
}

std::vector<double> raw_round_trips(int n) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) die("socketpair");
  std::vector<uint8_t> req(w::frame_size(w::kSnapshotRequestSize), 1), rep(w::frame_size(w::kSnapshotReplySize), 2);
  std::thread peer([&] {
    std::vector<uint8_t> in(req.size());
    while (read_exact(sv[1], in.data(), in.size()))
      if (write(sv[1], rep.data(), rep.size()) != ssize_t(rep.size())) break;
  });
  std::vector<double> us;
  std::vector<uint8_t> in(rep.size());
  for (int i = 0; i < n + 200; ++i) {
    const uint64_t t0 = now_ns();
    if (write(sv[0], req.data(), req.size()) != ssize_t(req.size())) die("raw write");
    if (!read_exact(sv[0], in.data(), in.size())) die("raw read");
    const uint64_t t1 = now_ns();
    if (i >= 200) us.push_back(double(t1 - t0) / 1e3);
  }
  close(sv[0]);
  peer.join();
  close(sv[1]);
  return us;
}

void bench_round_trip(int n) {
  std::vector<double> svc = service_round_trips(n);
  std::vector<double> raw = raw_round_trips(n);
  auto row = [](const char* name, const std::vector<double>& v) {
    std::printf("%-40s median %.1f us, p90 %.1f us, p99 %.1f us, min %.1f us (%zu round trips)\n", name, median(v),
                percentile(v, 0.9), percentile(v, 0.99), percentile(v, 0.0), v.size());
  };
  row("request -> reply (guest client + service)", svc);
  row("raw socketpair ping-pong (peer)", raw);
  std::printf("ratio service/raw median %.2fx\n", median(svc) / median(raw));
  std::printf("budget: round trip median <= 50 us: %s (%.1f us)\n", median(svc) <= 50 ? "met" : "NOT MET",
              median(svc));
}

// ---- QMP stop + cont ---------------------------------------------------------

void bench_qmp(const char* label, const std::vector<std::string>& machine, int cycles) {
  const char* qemu = std::getenv("KTSNAP_QEMU");
  std::string bin = qemu ? qemu : "qemu-system-x86_64";
  char dir[] = "/tmp/ktsnap-qmp-bench.XXXXXX";
  if (!mkdtemp(dir)) die("mkdtemp");
  const std::string sock = std::string(dir) + "/qmp.sock";
  const pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    std::vector<std::string> args = {bin, "-nodefaults", "-display", "none", "-qmp",
                                     "unix:" + sock + ",server=on,wait=off"};
    args.insert(args.end(), machine.begin(), machine.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "bench_wire: cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  std::unique_ptr<w::QmpClient> qmp;
  for (int i = 0; i < 500 && !qmp; ++i) {
    auto c = w::QmpClient::connect(sock, std::chrono::seconds(5));
    if (c.ok()) qmp = std::move(c).value();
    else {
      int st;
      if (waitpid(pid, &st, WNOHANG) == pid) break;
      usleep(10000);
    }
  }
  if (!qmp) {
    std::printf("%-40s SKIPPED: QEMU (%s) did not open its QMP socket\n", label, bin.c_str());
  } else {
    std::vector<double> us;
    bool paused_ok = true;
    for (int i = 0; i < cycles + 20; ++i) {
      const uint64_t t0 = now_ns();
      if (!qmp->stop().ok()) die("QMP stop");
      if (!qmp->cont().ok()) die("QMP cont");
      const uint64_t t1 = now_ns();
      if (i >= 20) us.push_back(double(t1 - t0) / 1e3);
      if (i == 0) {  // a check that stop really pauses: once, outside the timing
        if (!qmp->stop().ok()) die("QMP stop");
        auto s = qmp->query_status();
        paused_ok = s.ok() && !s->running && s->status == "paused";
        if (!qmp->cont().ok()) die("QMP cont");
      }
    }
    std::printf("%-40s median %.1f us, p90 %.1f us, min %.1f us (%zu cycles; query-status after stop: %s)\n", label,
                median(us), percentile(us, 0.9), percentile(us, 0.0), us.size(), paused_ok ? "paused" : "NOT PAUSED");
  }
  qmp.reset();
  kill(pid, SIGKILL);  // SIGTERM would make QEMU print a line
  waitpid(pid, nullptr, 0);
  unlink(sock.c_str());
  rmdir(dir);
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 5;
  const int trips = argc > 2 ? std::atoi(argv[2]) : 4000;
  const int cycles = argc > 3 ? std::atoi(argv[3]) : 200;
  if (reps < 1 || trips < 1 || cycles < 1) die("usage: bench_wire [reps] [round trips] [qmp cycles]");
  std::printf("load before: %s\n", loadavg().c_str());
  bench_decoder(reps);
  bench_round_trip(trips);
  bench_qmp("QMP stop+cont, -machine none", {"-machine", "none"}, cycles);
  bench_qmp("QMP stop+cont, TCG guest (firmware)", {"-accel", "tcg", "-m", "64"}, cycles);
  std::printf("load after: %s\n", loadavg().c_str());
  return 0;
}
