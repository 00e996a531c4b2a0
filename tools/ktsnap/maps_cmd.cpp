// `ktsnap maps`: list the kernel's BPF maps with their BTF type names.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli.hpp"
#include "ktsnap.h"

namespace ktsnap_cli {

namespace {

constexpr const char* kCmd = "maps";

void maps_help() {
  std::printf(
      "usage: ktsnap maps [--name-prefix PFX] [--count-limit N]\n"
      "\n"
      "List the BPF maps of the running kernel: id, type, name, the key and\n"
      "value type names from the map's BTF, and the number of entries.\n"
      "Needs root (or CAP_BPF and CAP_SYS_ADMIN).\n"
      "\n"
      "  --name-prefix PFX  only maps whose name starts with PFX (exit 1 when none)\n"
      "  --count-limit N    count at most N entries per map (default 100000;\n"
      "                     a count at the limit prints as N+; 0 = do not count)\n"
      "  --help             this text\n");
}

struct ListHandle {
  ktsnap_kernel_map_list* l = nullptr;
  ~ListHandle() { ktsnap_kernel_map_list_free(l); }
};

}  // namespace

int cmd_maps(const Args& args) {
  std::string prefix;
  uint32_t limit = 100000;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      maps_help();
      return kExitOk;
    } else if (a == "--name-prefix") {
      if (i + 1 >= args.size()) return usage_error(kCmd, "--name-prefix needs a prefix");
      prefix = args[++i];
    } else if (a == "--count-limit") {
      if (i + 1 >= args.size()) return usage_error(kCmd, "--count-limit needs a number");
      if (!parse_u32(args[++i], &limit)) return usage_error(kCmd, "--count-limit '" + args[i] + "' is not a count");
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error(kCmd, "unknown option '" + a + "'");
    } else {
      return usage_error(kCmd, "unexpected argument '" + a + "'");
    }
  }

  ListHandle h;
  ktsnap_status st = ktsnap_kernel_maps(&h.l, limit);
  if (st != KTSNAP_OK) {
    bool says_root = std::strstr(ktsnap_last_error(), "root") != nullptr;
    int rc = report_failure(kCmd, st);
    if (st == KTSNAP_E_PERM && !says_root)
      std::fprintf(stderr, "ktsnap maps: run it as root (or with CAP_BPF and CAP_SYS_ADMIN)\n");
    return rc;
  }

  using Row = std::vector<std::string>;
  std::vector<Row> rows = {{"ID", "TYPE", "NAME", "KEY", "VALUE", "ENTRIES"}};
  size_t n = ktsnap_kernel_map_list_count(h.l);
  for (size_t i = 0; i < n; i++) {
    const ktsnap_kernel_map* m = ktsnap_kernel_map_list_at(h.l, i);
    if (!m) continue;
    std::string name = m->name ? m->name : "";
    if (!prefix.empty() && name.compare(0, prefix.size(), prefix) != 0) continue;
    std::string entries = m->entries < 0 ? "-" : std::to_string(m->entries);
    if (limit && m->entries >= 0 && uint64_t(m->entries) >= limit) entries += "+";
    auto or_dash = [](const char* s) { return s && *s ? std::string(s) : std::string("-"); };
    rows.push_back({std::to_string(m->id), or_dash(m->type_name), or_dash(m->name), or_dash(m->key_type),
                    or_dash(m->value_type), entries});
  }
  if (rows.size() == 1) {
    std::fprintf(stderr, "ktsnap maps: no map%s%s%s\n", prefix.empty() ? "" : " named '", prefix.c_str(),
                 prefix.empty() ? "" : "...'");
    return kExitNotFound;
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const Row& r : rows)
    for (size_t c = 0; c < r.size(); c++) width[c] = std::max(width[c], r[c].size());
  std::string out;
  for (const Row& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); c++) {
      // Numbers right-aligned (id, entries), text left-aligned.
      bool right = c == 0 || c + 1 == r.size();
      std::string pad(width[c] - r[c].size(), ' ');
      line += right ? pad + r[c] : r[c] + (c + 1 == r.size() ? "" : pad);
      if (c + 1 < r.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  if (std::fputs(out.c_str(), stdout) == EOF || std::fflush(stdout) != 0) return kExitIo;
  return kExitOk;
}

}  // namespace ktsnap_cli
