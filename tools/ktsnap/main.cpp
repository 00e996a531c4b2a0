// ktsnap: inspect capture reports from the command line.
//
//   ktsnap show FILE [--map NAME] [--limit N]   text display
//   ktsnap json FILE [--map NAME] [--pretty]    JSON
//   ktsnap query FILE --map NAME --find PRED ...  predicate queries, globals
//   ktsnap maps                                 the kernel's BPF maps
//   ktsnap capture --map-id ID ... -o FILE      live capture into a report
//   ktsnap demo                                 the example scheduler, end to end
//   ktsnap ring create|publish|tail|stat|rm     shared-memory report rings
//   ktsnap request --port P --tag T             (guest) ask the host for a snapshot
//   ktsnap serve --socket PATH SELECTION...     host end of the capture wire
//   ktsnap --version | --help | help CMD
//
// Uses only include/ktsnap.h and libktsnap.so.1 (and libbpf, for the demo's
// own maps), except `serve`, which runs the C++ host service (serve_cmd.cpp).
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cli.hpp"
#include "ktsnap.h"

namespace ktsnap_cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> cmds = {
      {"show", "print a report, or one map, as text", cmd_show},
      {"json", "print a report, or one map, as JSON", cmd_json},
      {"query", "find, filter, count entries of a map; read a global", cmd_query},
      {"maps", "list the kernel's BPF maps with their BTF types", cmd_maps},
      {"capture", "capture kernel BPF maps into a report file", cmd_capture},
      {"demo", "load an example scheduler's maps, capture and query them", cmd_demo},
      {"ring", "create, publish to, follow, inspect and remove shared-memory report rings", cmd_ring},
      {"request", "from a guest, ask the host for a snapshot over the capture wire", cmd_request},
      {"serve", "answer a guest's snapshot requests over a socket (host end of the wire)", cmd_serve},
  };
  return cmds;
}

int exit_code(ktsnap_status st) {
  switch (st) {
    case KTSNAP_OK: return kExitOk;
    case KTSNAP_E_NOTFOUND: return kExitNotFound;
    case KTSNAP_E_IO:
    case KTSNAP_E_PERM: return kExitIo;
    default: return kExitData;
  }
}

int report_failure(const char* cmd, ktsnap_status st) {
  const char* msg = ktsnap_last_error();
  std::fprintf(stderr, "ktsnap %s: %s%s%s\n", cmd, ktsnap_status_str(st), *msg ? ": " : "", msg);
  return exit_code(st);
}

int usage_error(const char* cmd, const std::string& message) {
  std::fprintf(stderr, "ktsnap %s: %s\nTry 'ktsnap %s --help'.\n", cmd, message.c_str(), cmd);
  return kExitUsage;
}

bool parse_u32(const std::string& s, uint32_t* out) {
  if (s.empty() || s.size() > 10) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

bool write_out(const char* text, size_t len) {
  if (len && std::fwrite(text, 1, len, stdout) != len) return false;
  if (std::fputc('\n', stdout) == EOF) return false;
  return std::fflush(stdout) == 0;
}

}  // namespace ktsnap_cli

namespace {

using namespace ktsnap_cli;

void print_help() {
  std::printf(
      "usage: ktsnap COMMAND [ARGS]\n"
      "       ktsnap --version\n"
      "       ktsnap help COMMAND\n"
      "\n"
      "Capture BPF maps into ktsnap reports and inspect them.\n"
      "\n"
      "commands:\n");
  for (const Command& c : commands()) std::printf("  %-8s %s\n", c.name, c.summary);
  std::printf(
      "\n"
      "exit status:\n"
      "  0  success\n"
      "  1  not found (no such map, nothing matched)\n"
      "  2  usage error\n"
      "  3  input/output error or permission denied\n"
      "  4  the file is not a valid report, or another failure\n"
      "  5  request: the host answered ERR\n"
      "  6  request: transport error (timeout, end of file, I/O error, bad frame)\n");
}

const Command* find_command(const std::string& name) {
  for (const Command& c : commands())
    if (name == c.name) return &c;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_help();
    return kExitUsage;
  }
  std::string first = argv[1];
  if (first == "--version" || first == "-V") {
    uint32_t v = ktsnap_version();
    std::printf("ktsnap %s (libktsnap %s, header %d.%d.%d)\n", ktsnap_version_string(), ktsnap_version_string(),
                KTSNAP_VERSION_MAJOR, KTSNAP_VERSION_MINOR, KTSNAP_VERSION_PATCH);
    // A library older than the header it was built against is a broken install.
    return v >= uint32_t(KTSNAP_VERSION_NUMBER) ? kExitOk : kExitData;
  }
  if (first == "--help" || first == "-h") {
    print_help();
    return kExitOk;
  }
  if (first == "help") {
    if (argc < 3) {
      print_help();
      return kExitOk;
    }
    const Command* c = find_command(argv[2]);
    if (!c) return usage_error("help", std::string("unknown command '") + argv[2] + "'");
    return c->run({"--help"});
  }
  const Command* c = find_command(first);
  if (!c) {
    std::fprintf(stderr, "ktsnap: unknown command '%s'\nTry 'ktsnap --help'.\n", first.c_str());
    return kExitUsage;
  }
  Args args(argv + 2, argv + argc);
  return c->run(args);
}
