// `ktsnap show` and `ktsnap json`: render a report or one of its maps.
#include <cstdio>
#include <string>

#include "cli.hpp"
#include "ktsnap.h"

namespace ktsnap_cli {

namespace {

struct RenderArgs {
  std::string file;
  std::string map;  // "" = whole report
  bool has_map = false;
  uint32_t limit = 0;
  bool pretty = false;
};

void show_help() {
  std::printf(
      "usage: ktsnap show FILE [--map NAME] [--limit N]\n"
      "\n"
      "Print the report in FILE as text: every map with its entries, or only\n"
      "the map NAME.\n"
      "\n"
      "  --map NAME   only this map (exit 1 when the report has no such map)\n"
      "  --limit N    at most N entries per map (0 = all, the default)\n"
      "  --help       this text\n");
}

void json_help() {
  std::printf(
      "usage: ktsnap json FILE [--map NAME] [--pretty]\n"
      "\n"
      "Print the report in FILE as JSON (the ktstr dump shape), or only the\n"
      "map NAME.\n"
      "\n"
      "  --map NAME   only this map (exit 1 when the report has no such map)\n"
      "  --pretty     indented output\n"
      "  --help       this text\n");
}

// Returns -1 when parsing succeeded, else the exit code to return.
int parse(const char* cmd, const Args& args, bool allow_limit, bool allow_pretty, RenderArgs& out, bool* help) {
  *help = false;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      *help = true;
      return -1;
    } else if (a == "--map") {
      if (i + 1 >= args.size()) return usage_error(cmd, "--map needs a map name");
      out.map = args[++i];
      out.has_map = true;
    } else if (allow_limit && a == "--limit") {
      if (i + 1 >= args.size()) return usage_error(cmd, "--limit needs a number");
      if (!parse_u32(args[++i], &out.limit)) return usage_error(cmd, "--limit '" + args[i] + "' is not a count");
    } else if (allow_pretty && a == "--pretty") {
      out.pretty = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error(cmd, "unknown option '" + a + "'");
    } else if (out.file.empty()) {
      out.file = a;
    } else {
      return usage_error(cmd, "unexpected argument '" + a + "'");
    }
  }
  if (out.file.empty()) return usage_error(cmd, "missing FILE");
  return -1;
}

int render(const char* cmd, const RenderArgs& a, uint32_t format) {
  ReportHandle h;
  ktsnap_status st = ktsnap_report_open_file(&h.r, a.file.c_str(), nullptr);
  if (st != KTSNAP_OK) return report_failure(cmd, st);

  ktsnap_render_opts opts = KTSNAP_RENDER_OPTS_INIT;
  opts.format = format;
  opts.max_entries = a.limit;
  opts.flags = a.pretty ? KTSNAP_RENDER_PRETTY : 0u;

  Text t;
  if (a.has_map) {
    const ktsnap_map* m = nullptr;
    st = ktsnap_report_map_by_name(&m, h.r, a.map.c_str());
    if (st != KTSNAP_OK) return report_failure(cmd, st);
    st = ktsnap_render_map(&t.p, &t.len, m, &opts);
  } else {
    st = ktsnap_render_report(&t.p, &t.len, h.r, &opts);
  }
  if (st != KTSNAP_OK) return report_failure(cmd, st);
  if (!write_out(t.p, t.len)) {
    std::fprintf(stderr, "ktsnap %s: cannot write to standard output\n", cmd);
    return kExitIo;
  }
  return kExitOk;
}

}  // namespace

int cmd_show(const Args& args) {
  RenderArgs a;
  bool help = false;
  if (int rc = parse("show", args, true, false, a, &help); rc >= 0) return rc;
  if (help) {
    show_help();
    return kExitOk;
  }
  return render("show", a, KTSNAP_FORMAT_TEXT);
}

int cmd_json(const Args& args) {
  RenderArgs a;
  bool help = false;
  if (int rc = parse("json", args, false, true, a, &help); rc >= 0) return rc;
  if (help) {
    json_help();
    return kExitOk;
  }
  return render("json", a, KTSNAP_FORMAT_JSON);
}

}  // namespace ktsnap_cli
