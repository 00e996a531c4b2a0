// `ktsnap capture`: read kernel BPF maps into a report file.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli.hpp"
#include "ktsnap.h"

namespace ktsnap_cli {

namespace {

constexpr const char* kCmd = "capture";

void capture_help() {
  std::printf(
      "usage: ktsnap capture SELECTION... [--max-entries N] [--deadline-ms N]\n"
      "                      [--tag TAG] [--no-mmap] -o FILE\n"
      "\n"
      "Read BPF maps of the running kernel, typed by the BTF the kernel holds,\n"
      "into the report FILE, and print a one-line summary. Needs root (or\n"
      "CAP_BPF and CAP_SYS_ADMIN).\n"
      "\n"
      "selection (at least one; the union, each map once):\n"
      "  --map-id ID        the map with this id (repeatable)\n"
      "  --pinned PATH      the map pinned at PATH in bpffs (repeatable)\n"
      "  --prog-id ID       every map the program uses (repeatable)\n"
      "  --struct-ops ID    a sched_ext scheduler's struct_ops map: its\n"
      "                     programs, then all their maps\n"
      "  --name-prefix PFX  every map whose name starts with PFX\n"
      "  --all              every map of the machine\n"
      "\n"
      "options:\n"
      "  --max-entries N    read at most N entries per map (0 = all; a cut map\n"
      "                     is marked truncated)\n"
      "  --deadline-ms N    stop the whole capture after N ms (0 = none)\n"
      "  --tag TAG          the report's tag\n"
      "  --no-mmap          never read mmap-able arrays through mmap\n"
      "  -o, --output FILE  where to write the report (required)\n"
      "  --help             this text\n"
      "\n"
      "Maps that cannot be enumerated (queues, ring buffers, ...) are recorded\n"
      "as excluded, with the reason. Exit status: 0 captured, 1 an id or path\n"
      "that does not exist (or is not a map) or nothing matched, 2 usage,\n"
      "3 permission or I/O.\n");
}

}  // namespace

int cmd_capture(const Args& args) {
  std::vector<uint32_t> map_ids, prog_ids;
  std::vector<std::string> pinned;
  std::string prefix, tag, out;
  bool has_prefix = false, has_tag = false;
  uint32_t struct_ops = 0, max_entries = 0, deadline_ms = 0, flags = 0;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      capture_help();
      return kExitOk;
    }
    if (a == "--all") {
      flags |= KTSNAP_CAPTURE_ALL;
      continue;
    }
    if (a == "--no-mmap") {
      flags |= KTSNAP_CAPTURE_NO_MMAP;
      continue;
    }
    bool takes = a == "--map-id" || a == "--pinned" || a == "--prog-id" || a == "--struct-ops" ||
                 a == "--name-prefix" || a == "--max-entries" || a == "--deadline-ms" || a == "--tag" ||
                 a == "-o" || a == "--output";
    if (!takes) {
      if (a.size() > 1 && a[0] == '-') return usage_error(kCmd, "unknown option '" + a + "'");
      return usage_error(kCmd, "unexpected argument '" + a + "'");
    }
    if (i + 1 >= args.size()) return usage_error(kCmd, a + " needs an argument");
    const std::string& v = args[++i];
    uint32_t n = 0;
    bool numeric = a == "--map-id" || a == "--prog-id" || a == "--struct-ops" || a == "--max-entries" ||
                   a == "--deadline-ms";
    if (numeric && !parse_u32(v, &n)) return usage_error(kCmd, a + " '" + v + "' is not a number");
    if ((a == "--map-id" || a == "--prog-id" || a == "--struct-ops") && n == 0)
      return usage_error(kCmd, a + " 0 is not an id");
    if (a == "--map-id") {
      map_ids.push_back(n);
    } else if (a == "--prog-id") {
      prog_ids.push_back(n);
    } else if (a == "--struct-ops") {
      if (struct_ops) return usage_error(kCmd, "--struct-ops may be given once");
      struct_ops = n;
    } else if (a == "--max-entries") {
      max_entries = n;
    } else if (a == "--deadline-ms") {
      deadline_ms = n;
    } else if (a == "--pinned") {
      if (v.empty()) return usage_error(kCmd, "--pinned needs a path");
      pinned.push_back(v);
    } else if (a == "--name-prefix") {
      if (v.empty()) return usage_error(kCmd, "--name-prefix needs a non-empty prefix");
      prefix = v;
      has_prefix = true;
    } else if (a == "--tag") {
      tag = v;
      has_tag = true;
    } else {
      if (!out.empty()) return usage_error(kCmd, "-o may be given once");
      if (v.empty()) return usage_error(kCmd, "-o needs a file name");
      out = v;
    }
  }
  if (map_ids.empty() && pinned.empty() && prog_ids.empty() && !struct_ops && !has_prefix &&
      !(flags & KTSNAP_CAPTURE_ALL))
    return usage_error(kCmd, "nothing selected: give --map-id, --pinned, --prog-id, --struct-ops, --name-prefix or --all");
  if (out.empty()) return usage_error(kCmd, "missing -o FILE");

  std::vector<const char*> pinned_c;
  for (const std::string& p : pinned) pinned_c.push_back(p.c_str());
  ktsnap_capture_opts opts = KTSNAP_CAPTURE_OPTS_INIT;
  opts.map_ids = map_ids.empty() ? nullptr : map_ids.data();
  opts.map_id_count = map_ids.size();
  opts.pinned_paths = pinned_c.empty() ? nullptr : pinned_c.data();
  opts.pinned_path_count = pinned_c.size();
  opts.prog_ids = prog_ids.empty() ? nullptr : prog_ids.data();
  opts.prog_id_count = prog_ids.size();
  opts.name_prefix = has_prefix ? prefix.c_str() : nullptr;
  opts.tag = has_tag ? tag.c_str() : nullptr;
  opts.struct_ops_map_id = struct_ops;
  opts.max_entries_per_map = max_entries;
  opts.deadline_ns = uint64_t(deadline_ms) * 1000000u;
  opts.trigger = KTSNAP_TRIGGER_ON_DEMAND;
  opts.flags = flags;

  ktsnap_report* rep = nullptr;
  ktsnap_capture_stats stats = KTSNAP_CAPTURE_STATS_INIT;
  ktsnap_status st = ktsnap_capture(&rep, &opts, &stats);
  if (st != KTSNAP_OK) {
    bool says_root = std::strstr(ktsnap_last_error(), "root") != nullptr;
    int rc = report_failure_detailed(kCmd, st, "");
    if (st == KTSNAP_E_PERM && !says_root)
      std::fprintf(stderr, "ktsnap capture: run it as root (or with CAP_BPF and CAP_SYS_ADMIN)\n");
    if (st == KTSNAP_E_TYPE) return kExitNotFound;  // a pinned path that is not a map
    if (st == KTSNAP_E_INVALID) return kExitUsage;  // options the library refused
    return rc;
  }
  ReportHandle guard;
  guard.r = rep;

  // Maps that failed part-way or were left out: one note each, on stderr.
  for (size_t i = 0, n = ktsnap_report_excluded_count(rep); i < n; i++)
    std::fprintf(stderr, "ktsnap capture: excluded %s (id %u): %s\n", ktsnap_report_excluded_name(rep, i),
                 ktsnap_report_excluded_map_id(rep, i), ktsnap_report_excluded_reason(rep, i));
  for (size_t i = 0, n = ktsnap_report_map_count(rep); i < n; i++) {
    const ktsnap_map* m = ktsnap_report_map_at(rep, i);
    if (const char* e = ktsnap_map_error(m))
      std::fprintf(stderr, "ktsnap capture: map %s (id %u): %s\n", ktsnap_map_name(m), ktsnap_map_id(m), e);
  }

  if (stats.maps_read == 0 && stats.maps_excluded == 0) {
    std::fprintf(stderr, "ktsnap capture: no map matched the selection; %s not written\n", out.c_str());
    return kExitNotFound;
  }
  st = ktsnap_report_save(rep, out.c_str());
  if (st != KTSNAP_OK) return report_failure(kCmd, st);
  size_t file_size = 0;
  ktsnap_report_bytes(rep, &file_size);
  std::printf("captured %u maps (%u excluded, %u with errors, %u truncated), %llu entries, %llu bytes in %.1f ms -> %s (%zu bytes)\n",
              stats.maps_read, stats.maps_excluded, stats.maps_failed, stats.maps_truncated,
              static_cast<unsigned long long>(stats.entries), static_cast<unsigned long long>(stats.bytes),
              double(stats.elapsed_ns) / 1e6, out.c_str(), file_size);
  return std::fflush(stdout) == 0 ? kExitOk : kExitIo;
}

}  // namespace ktsnap_cli
