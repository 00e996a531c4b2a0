// `ktsnap capture`: read kernel BPF maps into a report file.
#include <cstdio>
#include <cstring>
#include <memory>
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
      "       ktsnap capture --plugin PLUGIN.so [--plugin-arg STR] [--tag TAG] -o FILE\n"
      "\n"
      "Read BPF maps of the running kernel, typed by the BTF the kernel holds,\n"
      "into the report FILE, and print a one-line summary. Needs root (or\n"
      "CAP_BPF and CAP_SYS_ADMIN). With --plugin, the plugin captures instead\n"
      "(from a VMM, a device, saved reports): no selection, and no root unless\n"
      "the plugin needs it. Give exactly one of a selection and --plugin.\n"
      "\n"
      "%s"
      "\n"
      "%s"
      "\n"
      "options:\n"
      "  --tag TAG          the report's tag\n"
      "  -o, --output FILE  where to write the report (required)\n"
      "  --help             this text\n"
      "\n"
      "Maps that cannot be enumerated (queues, ring buffers, ...) are recorded\n"
      "as excluded, with the reason. Exit status: 0 captured, 1 an id or path\n"
      "that does not exist (or is not a map) or nothing matched, 2 usage,\n"
      "3 permission or I/O. With --plugin: 1 the plugin file or its entry point\n"
      "does not exist or the capture gave nothing, 3 I/O, 4 the plugin was\n"
      "refused (wrong ABI major, short table, ...) or its init or capture\n"
      "failed; the message names the plugin and gives its reason.\n",
      capture_selection_help(), plugin_help());
}

// `ktsnap capture --plugin`: one capture through a capture-source plugin.
int capture_with_plugin(const PluginChoice& plugin, const std::string& tag, bool has_tag, const std::string& out) {
  ktsnap_source* src = nullptr;
  if (int rc = open_plugin(kCmd, plugin, &src); rc != kExitOk) return rc;
  std::unique_ptr<ktsnap_source, void (*)(ktsnap_source*)> owner(src, ktsnap_source_free);
  ktsnap_report* rep = nullptr;
  ktsnap_status st = ktsnap_source_capture(&rep, src, has_tag ? tag.c_str() : nullptr, KTSNAP_TRIGGER_ON_DEMAND);
  if (st != KTSNAP_OK) return report_failure(kCmd, st);
  ReportHandle guard;
  guard.r = rep;
  st = ktsnap_report_save(rep, out.c_str());
  if (st != KTSNAP_OK) return report_failure(kCmd, st);
  size_t file_size = 0, entries = 0;
  ktsnap_report_bytes(rep, &file_size);
  for (size_t i = 0, n = ktsnap_report_map_count(rep); i < n; i++)
    entries += ktsnap_map_entry_count(ktsnap_report_map_at(rep, i));
  std::printf("captured %zu maps (%zu excluded), %zu entries through plugin '%s' -> %s (%zu bytes)\n",
              ktsnap_report_map_count(rep), ktsnap_report_excluded_count(rep), entries, ktsnap_source_name(src),
              out.c_str(), file_size);
  return std::fflush(stdout) == 0 ? kExitOk : kExitIo;
}

}  // namespace

int cmd_capture(const Args& args) {
  CaptureSelection sel;
  PluginChoice plugin;
  std::string tag, out;
  bool has_tag = false;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      capture_help();
      return kExitOk;
    }
    int rc = 0;
    OptParse p = parse_capture_option(kCmd, args, i, sel, &rc);
    if (p == OptParse::Error) return rc;
    if (p == OptParse::Taken) continue;
    p = parse_plugin_option(kCmd, args, i, plugin, &rc);
    if (p == OptParse::Error) return rc;
    if (p == OptParse::Taken) continue;
    bool takes = a == "--tag" || a == "-o" || a == "--output";
    if (!takes) {
      if (a.size() > 1 && a[0] == '-') return usage_error(kCmd, "unknown option '" + a + "'");
      return usage_error(kCmd, "unexpected argument '" + a + "'");
    }
    if (i + 1 >= args.size()) return usage_error(kCmd, a + " needs an argument");
    const std::string& v = args[++i];
    if (a == "--tag") {
      tag = v;
      has_tag = true;
    } else {
      if (!out.empty()) return usage_error(kCmd, "-o may be given once");
      if (v.empty()) return usage_error(kCmd, "-o needs a file name");
      out = v;
    }
  }
  if (int rc = 0; !check_source_choice(kCmd, sel, plugin, &rc)) return rc;
  if (out.empty()) return usage_error(kCmd, "missing -o FILE");
  if (plugin.given()) return capture_with_plugin(plugin, tag, has_tag, out);

  ktsnap_capture_opts opts = KTSNAP_CAPTURE_OPTS_INIT;
  sel.fill(opts);
  opts.tag = has_tag ? tag.c_str() : nullptr;
  opts.trigger = KTSNAP_TRIGGER_ON_DEMAND;

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
