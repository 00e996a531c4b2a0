// The live-capture selection options shared by `ktsnap capture` and
// `ktsnap serve` (cli.hpp: CaptureSelection).
#include <cstdio>
#include <string>

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

const char* plugin_help() {
  return "capture-source plugin (instead of a selection; docs/PLUGINS.md):\n"
         "  --plugin FILE      load the plugin FILE (a shared object exporting\n"
         "                     ktsnap_plugin_v1) and let it fill the report, for a\n"
         "                     VMM or device ktsnap cannot read by itself; a FILE\n"
         "                     without '/' is taken from the current directory\n"
         "  --plugin-arg STR   the string passed to the plugin's init\n"
         "                     (examples/plugins/replay takes a report file or a\n"
         "                     directory of *.ktsnap files)\n";
}

std::string PluginChoice::load_path() const {
  return file.find('/') == std::string::npos ? "./" + file : file;
}

OptParse parse_plugin_option(const char* cmd, const Args& args, size_t& i, PluginChoice& plugin, int* rc) {
  const std::string& a = args[i];
  if (a != "--plugin" && a != "--plugin-arg") return OptParse::NotMine;
  if (i + 1 >= args.size()) {
    *rc = usage_error(cmd, a + " needs an argument");
    return OptParse::Error;
  }
  const std::string& v = args[++i];
  if (a == "--plugin") {
    if (plugin.given()) {
      *rc = usage_error(cmd, "--plugin may be given once");
      return OptParse::Error;
    }
    if (v.empty()) {
      *rc = usage_error(cmd, "--plugin needs a file name");
      return OptParse::Error;
    }
    plugin.file = v;
  } else {
    if (plugin.has_arg) {
      *rc = usage_error(cmd, "--plugin-arg may be given once");
      return OptParse::Error;
    }
    plugin.arg = v;
    plugin.has_arg = true;
  }
  return OptParse::Taken;
}

bool check_source_choice(const char* cmd, const CaptureSelection& sel, const PluginChoice& plugin, int* rc) {
  if (plugin.given() && !sel.empty()) {
    *rc = usage_error(cmd, "give either a selection (--map-id, --pinned, ...) or --plugin, not both");
    return false;
  }
  if (plugin.has_arg && !plugin.given()) {
    *rc = usage_error(cmd, "--plugin-arg needs --plugin");
    return false;
  }
  if (!plugin.given() && sel.empty()) {
    *rc = usage_error(cmd, "nothing selected: give --map-id, --pinned, --prog-id, --struct-ops, --name-prefix, --all "
                           "or --plugin FILE");
    return false;
  }
  return true;
}

int open_plugin(const char* cmd, const PluginChoice& plugin, ktsnap_source** out) {
  ktsnap_source_opts o = KTSNAP_SOURCE_OPTS_INIT;
  o.arg = plugin.has_arg ? plugin.arg.c_str() : nullptr;
  std::string path = plugin.load_path();
  ktsnap_status st = ktsnap_source_open(out, path.c_str(), &o);
  if (st == KTSNAP_OK) return kExitOk;
  return report_failure(cmd, st);
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
