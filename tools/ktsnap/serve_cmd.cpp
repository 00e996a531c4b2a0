// `ktsnap serve`: the host end of the capture wire. Connects to a stream
// socket (a QEMU chardev running as server, or any peer that speaks the
// TLV stream), answers the guest's snapshot requests with live captures of
// this machine's BPF maps, optionally pausing the VM through QMP around
// each capture.
//
// Unlike the other commands this one uses the C++ core (the host service
// is not part of the C ABI): ktsnap_core is linked into the command for it.
// Captures still go through ktsnap.h (ktsnap_capture, or ktsnap_source_capture
// for a --plugin), so the source options are exactly those of `ktsnap capture`.
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "cli.hpp"
#include "ktsnap.h"
#include "ring/ring.hpp"
#include "wire/qmp.hpp"
#include "wire/service.hpp"

extern char** environ;

namespace ktsnap_cli {

namespace {

constexpr const char* kCmd = "serve";
namespace kw = ktsnap::wire;

void serve_help() {
  std::printf(
      "usage: ktsnap serve --socket PATH SELECTION... [--qmp PATH] [--ring NAME]\n"
      "                    [--out DIR] [--hook CMD] [--max-requests N]\n"
      "       ktsnap serve --socket PATH --plugin PLUGIN.so [--plugin-arg STR] [options]\n"
      "\n"
      "The host end of the capture wire (docs/WIRE.md \"Host service\"): connect\n"
      "to the stream socket PATH (a QEMU chardev socket in server mode, e.g.\n"
      "-chardev socket,id=bulk,path=PATH,server=on,wait=off behind the guest's\n"
      "virtio-console port), answer every snapshot request the guest sends\n"
      "with a live capture of this machine's selected BPF maps, and print one\n"
      "line per request: id, kind, tag, outcome, and the freeze, capture and\n"
      "thaw times in microseconds. Exits when the guest side closes, after\n"
      "--max-requests answers, or on SIGINT/SIGTERM, with a summary line.\n"
      "Needs root (or CAP_BPF and CAP_SYS_ADMIN) for the captures.\n"
      "\n"
      "%s"
      "\n"
      "  The selection may be introduced by --capture (no effect otherwise).\n"
      "  A selection is required: there is no default, because capturing every\n"
      "  map of the machine (--all) while a VM is paused can take long; say\n"
      "  --all when that is what you want.\n"
      "\n"
      "%s"
      "  With --plugin every request is answered by a capture through the\n"
      "  plugin (loaded once, at start; a plugin that is refused or whose init\n"
      "  fails stops serve before it connects). A failed plugin capture is an\n"
      "  ERR reply with the plugin's reason; serve keeps running.\n"
      "\n"
      "options:\n"
      "  --socket PATH      the stream socket to connect to (required; retried\n"
      "                     for up to 5 s while it does not exist yet)\n"
      "  --qmp PATH         QEMU's QMP socket: the VM is paused (stop) for each\n"
      "                     capture and resumed (cont) after it; a VM that was\n"
      "                     already paused stays paused\n"
      "  --ring NAME        also publish every stored report to this existing\n"
      "                     ring (ktsnap ring create)\n"
      "  --out DIR          write every stored report to\n"
      "                     DIR/ktsnap.snapshot.<tag>.ktsnap (characters of the\n"
      "                     tag outside [A-Za-z0-9._-] become '_'; written to a\n"
      "                     temporary file, fsynced, renamed)\n"
      "  --hook CMD         run CMD with /bin/sh -c after each capture while the\n"
      "                     VM is still paused, with KTSNAP_TAG set to the tag;\n"
      "                     a non-zero exit fails the capture (ERR reply,\n"
      "                     nothing stored)\n"
      "  --max-requests N   exit after answering N requests\n"
      "  --tick-ms N        how often the error triggers are looked at (100)\n"
      "  --help             this text\n"
      "\n"
      "signals:\n"
      "  SIGINT, SIGTERM    stop (the summary is printed)\n"
      "  SIGUSR1            early trigger: take and hold the early snapshot\n"
      "  SIGUSR2            error trigger: capture \"failure\" (and store a held\n"
      "                     early snapshot as \"early\"); once per run\n"
      "  A held early snapshot whose error trigger never came is stored as\n"
      "  \"early-only-late-never-fired\" at exit.\n"
      "\n"
      "Exit status: 0 the peer closed or a stop was asked for, 2 usage, 3 the\n"
      "socket could not be reached or failed, 4 another failure (e.g. a thaw\n"
      "that failed: the VM may still be paused); with --plugin, 1 or 4 when the\n"
      "plugin cannot be loaded (as `ktsnap capture --plugin`).\n",
      capture_selection_help(), plugin_help());
}

// Connects to a unix stream socket, retrying while it does not exist or
// refuses (the VM may still be starting).
int connect_unix(const std::string& path, std::string* err) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    *err = "socket path '" + path + "' is too long";
    return -1;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      *err = std::string("socket: ") + std::strerror(errno);
      return -1;
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) return fd;
    int e = errno;
    ::close(fd);
    if ((e != ENOENT && e != ECONNREFUSED) || std::chrono::steady_clock::now() > deadline) {
      *err = "cannot connect to '" + path + "': " + std::strerror(e);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

ktsnap::Status run_hook(const std::string& cmd, std::string_view tag) {
  std::string env_tag = "KTSNAP_TAG=" + std::string(tag);
  std::vector<char*> envp;
  for (char** e = environ; e && *e; e++)
    if (std::strncmp(*e, "KTSNAP_TAG=", 11) != 0) envp.push_back(*e);
  envp.push_back(env_tag.data());
  envp.push_back(nullptr);
  const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
  pid_t pid;
  // The hook must not inherit the blocked signal mask of this process.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  int rc = posix_spawn(&pid, "/bin/sh", nullptr, &attr, const_cast<char* const*>(argv), envp.data());
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return ktsnap::make_error(ktsnap::Code::Io, "cannot run the hook: " + std::string(std::strerror(rc)), rc);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                      : "was killed by signal " + std::to_string(WTERMSIG(status));
  return ktsnap::make_error(ktsnap::Code::Io, "hook '" + cmd + "' " + how);
}

// Text from the guest, printable on one line: control bytes and quotes
// are escaped (a tag may hold anything).
std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof(b), "\\x%02x", c);
      out += b;
    } else {
      out += char(c);
    }
  }
  return out;
}

std::string us(int64_t v) {
  return v < 0 ? "-" : std::to_string(v);
}

const char* kind_name(uint32_t k) {
  return k == kw::kSnapshotKindCapture ? "capture" : k == kw::kSnapshotKindWatch ? "watch" : nullptr;
}

void log_record(const kw::RequestRecord& r) {
  std::string who;
  if (r.source == kw::CaptureSource::Wire) {
    const char* kn = kind_name(r.kind);
    who = "request id=" + std::to_string(r.request_id) + " kind=" + (kn ? kn : std::to_string(r.kind));
  } else {
    who = kw::capture_source_name(r.source);
  }
  std::printf("%s tag=\"%s\" %s freeze_us=%s capture_us=%s thaw_us=%s%s%s%s%s\n", who.c_str(), printable(r.tag).c_str(),
              r.ok ? "ok" : "err", us(r.freeze_us).c_str(), us(r.capture_us).c_str(), us(r.thaw_us).c_str(),
              r.dump_path.empty() ? "" : " file=", r.dump_path.c_str(),
              r.ok ? "" : " reason=", printable(r.reason).c_str());
  std::fflush(stdout);
}

}  // namespace

int cmd_serve(const Args& args) {
  CaptureSelection sel;
  PluginChoice plugin;
  std::string socket_path, qmp_path, ring_name, out_dir, hook;
  uint32_t max_requests = 0, tick_ms = 100;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      serve_help();
      return kExitOk;
    }
    // "--capture" may introduce the selection, for readability; it changes nothing.
    if (a == "--capture") continue;
    int rc = 0;
    OptParse p = parse_capture_option(kCmd, args, i, sel, &rc);
    if (p == OptParse::Error) return rc;
    if (p == OptParse::Taken) continue;
    p = parse_plugin_option(kCmd, args, i, plugin, &rc);
    if (p == OptParse::Error) return rc;
    if (p == OptParse::Taken) continue;
    bool takes = a == "--socket" || a == "--qmp" || a == "--ring" || a == "--out" || a == "--hook" ||
                 a == "--max-requests" || a == "--tick-ms";
    if (!takes) {
      if (a.size() > 1 && a[0] == '-') return usage_error(kCmd, "unknown option '" + a + "'");
      return usage_error(kCmd, "unexpected argument '" + a + "'");
    }
    if (i + 1 >= args.size()) return usage_error(kCmd, a + " needs an argument");
    const std::string& v = args[++i];
    if (a == "--max-requests" || a == "--tick-ms") {
      uint32_t n = 0;
      if (!parse_u32(v, &n) || (a == "--tick-ms" && n == 0))
        return usage_error(kCmd, a + " '" + v + "' is not a positive number");
      (a == "--max-requests" ? max_requests : tick_ms) = n;
      continue;
    }
    if (v.empty()) return usage_error(kCmd, a + " needs a non-empty value");
    std::string* dst = a == "--socket" ? &socket_path
                       : a == "--qmp"  ? &qmp_path
                       : a == "--ring" ? &ring_name
                       : a == "--out"  ? &out_dir
                                       : &hook;
    if (!dst->empty()) return usage_error(kCmd, a + " may be given once");
    *dst = v;
  }
  if (socket_path.empty()) return usage_error(kCmd, "missing --socket PATH");
  if (sel.empty() && !plugin.given() && !plugin.has_arg)
    return usage_error(kCmd,
                       "nothing selected to capture: give --map-id, --pinned, --prog-id, --struct-ops, "
                       "--name-prefix, --all or --plugin FILE");
  if (int rc = 0; !check_source_choice(kCmd, sel, plugin, &rc)) return rc;
  // The plugin is loaded before anything else: a refused plugin stops here.
  std::shared_ptr<ktsnap_source> source;
  if (plugin.given()) {
    ktsnap_source* src = nullptr;
    if (int rc = open_plugin(kCmd, plugin, &src); rc != kExitOk) return rc;
    source.reset(src, ktsnap_source_free);
  }

  // Signals go to one thread that waits for them; every other thread
  // (the service loop, the hook's spawner) has them blocked.
  sigset_t sigs;
  sigemptyset(&sigs);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2}) sigaddset(&sigs, s);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<kw::FreezeBackend> freeze;
  if (!qmp_path.empty()) {
    auto q = kw::QmpClient::connect(qmp_path);
    if (!q.ok()) {
      std::fprintf(stderr, "ktsnap serve: %s\n", q.error().message.c_str());
      return kExitIo;
    }
    freeze = kw::make_qmp_freeze(std::move(q).value());
  }
  std::shared_ptr<ktsnap::ring::Producer> producer;
  if (!ring_name.empty()) {
    auto seg = ktsnap::ring::Segment::open(ring_name);
    if (!seg.ok()) {
      std::fprintf(stderr, "ktsnap serve: ring '%s': %s\n", ring_name.c_str(), seg.error().message.c_str());
      return seg.error().code == ktsnap::Code::NotFound ? kExitNotFound : kExitIo;
    }
    auto prod = ktsnap::ring::Producer::open(seg.value());
    if (!prod.ok()) {
      std::fprintf(stderr, "ktsnap serve: ring '%s': %s\n", ring_name.c_str(), prod.error().message.c_str());
      return kExitIo;
    }
    producer = std::move(prod).value();
  }

  kw::ServiceCaptureFn capture = [&sel, source](std::string_view tag,
                                                ktsnap::Trigger trigger) -> ktsnap::Result<ktsnap::bridge::ReportPtr> {
    std::string tag_s(tag);
    uint32_t ktrigger = trigger == ktsnap::Trigger::Error ? KTSNAP_TRIGGER_ERROR : KTSNAP_TRIGGER_ON_DEMAND;
    ktsnap_report* rep = nullptr;
    if (source) {
      // The plugin fills the report; its failure is the request's ERR reason.
      ktsnap_status st = ktsnap_source_capture(&rep, source.get(), tag_s.c_str(), ktrigger);
      if (st != KTSNAP_OK)
        return ktsnap::make_error(ktsnap::Code::Io, std::string(ktsnap_status_str(st)) + ": " + ktsnap_last_error());
    } else {
      ktsnap_capture_opts opts = KTSNAP_CAPTURE_OPTS_INIT;
      sel.fill(opts);
      opts.tag = tag_s.c_str();
      opts.trigger = ktrigger;
      ktsnap_capture_stats stats = KTSNAP_CAPTURE_STATS_INIT;
      ktsnap_status st = ktsnap_capture(&rep, &opts, &stats);
      if (st != KTSNAP_OK)
        return ktsnap::make_error(ktsnap::Code::Io, std::string(ktsnap_status_str(st)) + ": " + ktsnap_last_error());
      if (stats.maps_read == 0 && stats.maps_excluded == 0) {
        ktsnap_report_free(rep);
        return ktsnap::make_error(ktsnap::Code::NotFound, "no map matched the selection");
      }
    }
    std::shared_ptr<ktsnap_report> owner(rep, ktsnap_report_free);
    size_t size = 0;
    const void* bytes = ktsnap_report_bytes(rep, &size);
    // The C++ reader over the library's bytes, kept alive by `owner`.
    auto r = ktsnap::Report::open_shared(owner, bytes, size);
    if (!r.ok()) return r.take_error();
    return ktsnap::bridge::ReportPtr(std::move(r).value());
  };

  kw::ServiceOptions opts;
  opts.tick = std::chrono::milliseconds(tick_ms);
  opts.max_requests = max_requests;
  if (!out_dir.empty()) opts.dump_base = out_dir + "/ktsnap.ktsnap";
  opts.on_record = log_record;
  if (!hook.empty()) opts.while_frozen = [&hook](std::string_view tag) { return run_hook(hook, tag); };

  std::string err;
  int fd = connect_unix(socket_path, &err);
  if (fd < 0) {
    std::fprintf(stderr, "ktsnap serve: %s\n", err.c_str());
    return kExitIo;
  }

  ktsnap::bridge::Bridge bridge;
  kw::HostService svc(bridge, capture, std::move(freeze), opts);
  if (producer) svc.attach_ring(producer, 1'000'000'000);
  std::printf("serving %s (freeze: %.*s)", socket_path.c_str(), int(svc.freeze_backend_name().size()),
              svc.freeze_backend_name().data());
  if (source) std::printf(" with plugin '%s'", ktsnap_source_name(source.get()));
  std::printf("\n");
  std::fflush(stdout);

  std::atomic<bool> finished{false};
  std::atomic<bool> stopped_by_signal{false};
  std::thread sig_thread([&] {
    for (;;) {
      int s = 0;
      if (sigwait(&sigs, &s) != 0) continue;
      if (finished.load()) return;
      if (s == SIGUSR1) {
        svc.trigger_early();
      } else if (s == SIGUSR2) {
        svc.trigger_error();
      } else {
        stopped_by_signal = true;
        svc.stop();
        return;
      }
    }
  });

  ktsnap::Status result = svc.run(fd);
  finished = true;
  pthread_kill(sig_thread.native_handle(), SIGTERM);
  sig_thread.join();
  ::close(fd);

  auto st = svc.stats();
  std::printf(
      "serve: %llu requests (%llu ok, %llu err, %llu busy), %llu bad CRC, %llu malformed, %llu unknown kinds, "
      "%llu other frames, %llu unknown types, %llu stored, %llu file failures, %llu thaw failures; state %s; %s\n",
      (unsigned long long)st.requests, (unsigned long long)st.replies_ok, (unsigned long long)st.replies_err,
      (unsigned long long)st.busy, (unsigned long long)st.bad_crc, (unsigned long long)st.malformed,
      (unsigned long long)st.unknown_kinds, (unsigned long long)st.other_frames, (unsigned long long)st.unknown_types,
      (unsigned long long)st.stored, (unsigned long long)st.dump_failures, (unsigned long long)st.thaw_failures,
      kw::freeze_state_name(svc.state()),
      !result.ok()        ? result.error().message.c_str()
      : stopped_by_signal ? "stopped"
                          : "peer closed");
  std::fflush(stdout);
  for (const auto& e : bridge.drain_events())
    if (e.kind == ktsnap::bridge::EventKind::PublishFailed)
      std::fprintf(stderr, "ktsnap serve: ring publish of '%s' failed: %s\n", e.tag.c_str(), e.detail.c_str());
  if (!result.ok()) {
    std::fprintf(stderr, "ktsnap serve: %s\n", result.error().message.c_str());
    return kExitIo;
  }
  return st.thaw_failures ? kExitData : kExitOk;
}

}  // namespace ktsnap_cli
