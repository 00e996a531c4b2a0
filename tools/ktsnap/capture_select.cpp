// The live-capture selection options shared by `ktsnap capture` and
// `ktsnap serve` (cli.hpp: CaptureSelection).
#include <cstdio>

#include "cli.hpp"

namespace ktsnap_cli {

const char* capture_selection_help() {
  return "selection (at least one; the union, each map once):\n"
         "  --map-id ID        the map with this id (repeatable)\n"
         "  --pinned PATH      the map pinned at PATH in bpffs (repeatable)\n"
         "  --prog-id ID       every map the program uses (repeatable)\n"
         "  --struct-ops ID    a sched_ext scheduler's struct_ops map: its\n"
         "                     programs, then all their maps\n"
         "  --name-prefix PFX  every map whose name starts with PFX\n"
         "  --all              every map of the machine\n"
         "\n"
         "capture options:\n"
         "  --max-entries N    read at most N entries per map (0 = all; a cut map\n"
         "                     is marked truncated)\n"
         "  --deadline-ms N    stop the whole capture after N ms (0 = none)\n"
         "  --no-mmap          never read mmap-able arrays through mmap\n";
}

bool CaptureSelection::empty() const {
  return map_ids.empty() && pinned.empty() && prog_ids.empty() && !struct_ops && !has_prefix &&
         !(flags & KTSNAP_CAPTURE_ALL);
}

void CaptureSelection::fill(ktsnap_capture_opts& opts) {
  pinned_c.clear();
  for (const std::string& p : pinned) pinned_c.push_back(p.c_str());
  opts.map_ids = map_ids.empty() ? nullptr : map_ids.data();
  opts.map_id_count = map_ids.size();
  opts.pinned_paths = pinned_c.empty() ? nullptr : pinned_c.data();
  opts.pinned_path_count = pinned_c.size();
  opts.prog_ids = prog_ids.empty() ? nullptr : prog_ids.data();
  opts.prog_id_count = prog_ids.size();
  opts.name_prefix = has_prefix ? prefix.c_str() : nullptr;
  opts.struct_ops_map_id = struct_ops;
  opts.max_entries_per_map = max_entries;
  opts.deadline_ns = uint64_t(deadline_ms) * 1000000u;
  opts.flags = flags;
}

OptParse parse_capture_option(const char* cmd, const Args& args, size_t& i, CaptureSelection& sel, int* rc) {
  const std::string& a = args[i];
  if (a == "--all") {
    sel.flags |= KTSNAP_CAPTURE_ALL;
    return OptParse::Taken;
  }
  if (a == "--no-mmap") {
    sel.flags |= KTSNAP_CAPTURE_NO_MMAP;
    return OptParse::Taken;
  }
  bool numeric =
      a == "--map-id" || a == "--prog-id" || a == "--struct-ops" || a == "--max-entries" || a == "--deadline-ms";
  if (!numeric && a != "--pinned" && a != "--name-prefix") return OptParse::NotMine;
  auto fail = [&](const std::string& msg) {
    *rc = usage_error(cmd, msg);
    return OptParse::Error;
  };
  if (i + 1 >= args.size()) return fail(a + " needs an argument");
  const std::string& v = args[++i];
  uint32_t n = 0;
  if (numeric && !parse_u32(v, &n)) return fail(a + " '" + v + "' is not a number");
  if ((a == "--map-id" || a == "--prog-id" || a == "--struct-ops") && n == 0) return fail(a + " 0 is not an id");
  if (a == "--map-id") {
    sel.map_ids.push_back(n);
  } else if (a == "--prog-id") {
    sel.prog_ids.push_back(n);
  } else if (a == "--struct-ops") {
    if (sel.struct_ops) return fail("--struct-ops may be given once");
    sel.struct_ops = n;
  } else if (a == "--max-entries") {
    sel.max_entries = n;
  } else if (a == "--deadline-ms") {
    sel.deadline_ms = n;
  } else if (a == "--pinned") {
    if (v.empty()) return fail("--pinned needs a path");
    sel.pinned.push_back(v);
  } else {
    if (v.empty()) return fail("--name-prefix needs a non-empty prefix");
    sel.prefix = v;
    sel.has_prefix = true;
  }
  return OptParse::Taken;
}

}  // namespace ktsnap_cli
