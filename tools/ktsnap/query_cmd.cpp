// `ktsnap query`: predicate queries and global reads on a saved report.
//
//   ktsnap query FILE --map NAME (--find P | --filter P | --count P |
//                                 --max-by PATH | --min-by PATH)
//                [--cpu N] [--get PATH]... [--limit N]
//   ktsnap query FILE --var NAME [--get PATH]...
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"
#include "ktsnap.h"

namespace ktsnap_cli {

namespace {

constexpr const char* kCmd = "query";

enum class Op { None, Find, Filter, Count, MaxBy, MinBy };

struct QueryArgs {
  std::string file;
  std::string map;
  std::string var;
  Op op = Op::None;
  std::string operand;  // the predicate, or the max-by/min-by path
  bool has_cpu = false;
  uint32_t cpu = 0;
  uint32_t limit = 0;  // 0 = every match
  std::vector<std::string> gets;
};

void query_help() {
  std::printf(
      "usage: ktsnap query FILE --map NAME OPERATION [--cpu N] [--get PATH]... [--limit N]\n"
      "       ktsnap query FILE --var NAME [--get PATH]...\n"
      "\n"
      "Answer a question about the report in FILE with a predicate compiled once\n"
      "for the map NAME, or read the global variable NAME.\n"
      "\n"
      "operations (exactly one):\n"
      "  --find PRED     the first entry that matches\n"
      "  --filter PRED   every entry that matches, in order\n"
      "  --count PRED    the number of entries that match\n"
      "  --max-by PATH   the entry whose PATH is largest\n"
      "  --min-by PATH   the entry whose PATH is smallest\n"
      "\n"
      "options:\n"
      "  --cpu N         per-CPU maps: read CPU slot N (without it, an entry\n"
      "                  matches when it matches on any CPU, and --get prints\n"
      "                  every slot; --max-by/--min-by need it)\n"
      "  --get PATH      print PATH of each answer instead of the whole value\n"
      "                  (repeatable; `key` or `key.x` read the key side)\n"
      "  --limit N       print at most N answers of --filter (0 = all)\n"
      "  --help          this text\n"
      "\n"
      "PRED compares paths with literals: tid == 1042, comm == \"stress-ng-4\",\n"
      "state == \"RUNNING\" && weight > 100, key.dsq != 0, !(a < 3 || b).\n"
      "Paths walk the value (inner.b, hist[1]) or the key (key.cpu).\n"
      "\n"
      "Each answer prints its key, then each --get value or the whole value.\n"
      "\n"
      "exit status: 0 answered, 1 no such map/variable/member or nothing matched\n"
      "(--count prints 0), 2 usage or predicate syntax error, 3 cannot read FILE,\n"
      "4 not a report.\n");
}

// Returns -1 when parsing succeeded, else the exit code to return.
int parse(const Args& args, QueryArgs& q, bool* help) {
  *help = false;
  auto need = [&](size_t i, const char* what) { return i + 1 < args.size() ? 0 : usage_error(kCmd, what); };
  auto set_op = [&](Op op, const std::string& name, const std::string& operand) {
    if (q.op != Op::None) return usage_error(kCmd, "only one of --find, --filter, --count, --max-by, --min-by");
    if (operand.empty()) return usage_error(kCmd, name + " needs a non-empty argument");
    q.op = op;
    q.operand = operand;
    return -1;
  };
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      *help = true;
      return -1;
    }
    if (a == "--map" || a == "--var" || a == "--get" || a == "--cpu" || a == "--limit" || a == "--find" ||
        a == "--filter" || a == "--count" || a == "--max-by" || a == "--min-by") {
      if (int rc = need(i, (a + " needs an argument").c_str()); rc) return rc;
      const std::string& v = args[++i];
      if (a == "--map") {
        q.map = v;
      } else if (a == "--var") {
        q.var = v;
      } else if (a == "--get") {
        q.gets.push_back(v);
      } else if (a == "--cpu") {
        if (!parse_u32(v, &q.cpu) || q.cpu == KTSNAP_NO_CPU)
          return usage_error(kCmd, "--cpu '" + v + "' is not a CPU number");
        q.has_cpu = true;
      } else if (a == "--limit") {
        if (!parse_u32(v, &q.limit)) return usage_error(kCmd, "--limit '" + v + "' is not a count");
      } else {
        Op op = a == "--find"     ? Op::Find
                : a == "--filter" ? Op::Filter
                : a == "--count"  ? Op::Count
                : a == "--max-by" ? Op::MaxBy
                                  : Op::MinBy;
        if (int rc = set_op(op, a, v); rc >= 0) return rc;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error(kCmd, "unknown option '" + a + "'");
    } else if (q.file.empty()) {
      q.file = a;
    } else {
      return usage_error(kCmd, "unexpected argument '" + a + "'");
    }
  }
  if (q.file.empty()) return usage_error(kCmd, "missing FILE");
  if (!q.var.empty()) {
    if (!q.map.empty() || q.op != Op::None || q.has_cpu || q.limit)
      return usage_error(kCmd, "--var takes only --get (no --map, operation, --cpu or --limit)");
    return -1;
  }
  if (q.map.empty()) return usage_error(kCmd, "missing --map NAME or --var NAME");
  if (q.op == Op::None)
    return usage_error(kCmd, "missing an operation: --find, --filter, --count, --max-by or --min-by");
  return -1;
}

struct Owned {
  ktsnap_report* report = nullptr;
  ktsnap_snapshot* snap = nullptr;
  ktsnap_query* query = nullptr;
  ~Owned() {
    ktsnap_query_free(query);
    ktsnap_snapshot_free(snap);
    ktsnap_report_free(report);
  }
};

// The text display of one value; multi-line renders are indented by `indent`.
bool render_text(std::string& out, const ktsnap_value& v, const char* indent) {
  ktsnap_render_opts opts = KTSNAP_RENDER_OPTS_INIT;
  opts.format = KTSNAP_FORMAT_TEXT;
  char* p = nullptr;
  size_t len = 0;
  if (ktsnap_render_value(&p, &len, &v, &opts) != KTSNAP_OK) return false;
  std::string s(p, len);
  ktsnap_free(p);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  for (char c : s) {
    out += c;
    if (c == '\n') out += indent;
  }
  return true;
}

class Printer {
 public:
  Printer(const ktsnap_map* map, const QueryArgs& q) : map_(map), q_(q), percpu_(ktsnap_map_is_percpu(map)) {
    nr_cpus_ = percpu_ ? ktsnap_map_nr_cpus(map) : 0;
  }

  // Prints one answer; on failure returns the exit code, else -1.
  int print(uint32_t entry) {
    std::string line;
    ktsnap_value key;
    ktsnap_status st = ktsnap_entry_key(&key, map_, entry, "");
    if (st == KTSNAP_E_TYPE) {
      line += "entry " + std::to_string(entry);  // a global section: one value, no key
    } else if (st != KTSNAP_OK) {
      return report_failure_detailed(kCmd, st, "");
    } else {
      line += "key ";
      if (!render_text(line, key, "  ")) return report_failure_detailed(kCmd, KTSNAP_E_INTERNAL, "");
    }
    if (q_.gets.empty()) {
      line += '\n';
      if (!percpu_ || q_.has_cpu) {
        uint32_t cpu = percpu_ ? q_.cpu : KTSNAP_NO_CPU;
        if (percpu_) line += "  cpu " + std::to_string(cpu) + ":";
        if (int rc = append_value(line, entry, cpu, "", percpu_ ? " " : "  "); rc >= 0) return rc;
      } else {
        for (uint32_t c = 0; c < nr_cpus_; c++) {
          line += "  cpu " + std::to_string(c) + ": ";
          if (!ktsnap_map_slot_present(map_, entry, c)) {
            line += "(not captured)\n";
            continue;
          }
          if (int rc = append_value(line, entry, c, "", ""); rc >= 0) return rc;
        }
      }
    } else {
      for (const std::string& path : q_.gets) {
        line += "  " + path + "=";
        if (int rc = append_get(line, entry, path); rc >= 0) return rc;
      }
      line += '\n';
    }
    if (std::fputs(line.c_str(), stdout) == EOF) return kExitIo;
    return -1;
  }

 private:
  // Appends the value at `path` (value side, or key side for key / key.x).
  int append_one(std::string& line, uint32_t entry, uint32_t cpu, const std::string& path, const char* indent) {
    ktsnap_value v;
    ktsnap_status st;
    if (path == "key")
      st = ktsnap_entry_key(&v, map_, entry, "");
    else if (path.rfind("key.", 0) == 0)
      st = ktsnap_entry_key(&v, map_, entry, path.c_str() + 4);
    else
      st = ktsnap_entry_get(&v, map_, entry, cpu, path.c_str());
    if (st != KTSNAP_OK) return report_failure_detailed(kCmd, st, "");
    if (!render_text(line, v, indent)) return report_failure_detailed(kCmd, KTSNAP_E_INTERNAL, "");
    return -1;
  }

  int append_value(std::string& line, uint32_t entry, uint32_t cpu, const std::string& path, const char* lead) {
    line += lead;
    if (int rc = append_one(line, entry, cpu, path, *lead == ' ' && lead[1] == ' ' ? lead : "    "); rc >= 0) return rc;
    line += '\n';
    return -1;
  }

  int append_get(std::string& line, uint32_t entry, const std::string& path) {
    bool key_side = path == "key" || path.rfind("key.", 0) == 0;
    if (!percpu_ || q_.has_cpu || key_side)
      return append_one(line, entry, percpu_ ? q_.cpu : KTSNAP_NO_CPU, path, "    ");
    line += '[';
    for (uint32_t c = 0; c < nr_cpus_; c++) {
      line += (c ? " cpu" : "cpu") + std::to_string(c) + "=";
      if (!ktsnap_map_slot_present(map_, entry, c)) {
        line += "-";
        continue;
      }
      if (int rc = append_one(line, entry, c, path, "    "); rc >= 0) return rc;
    }
    line += ']';
    return -1;
  }

  const ktsnap_map* map_;
  const QueryArgs& q_;
  bool percpu_;
  uint32_t nr_cpus_ = 0;
};

// A predicate the user wrote that does not compile: syntax and type errors
// are usage errors (2), an unknown member or variant is "not found" (1).
int compile_failure(ktsnap_status st, const std::string& expr) {
  int rc = report_failure_detailed(kCmd, st, expr);
  switch (st) {
    case KTSNAP_E_INVALID:
    case KTSNAP_E_TYPE:
    case KTSNAP_E_RANGE:
    case KTSNAP_E_UNSUPPORTED:
      return kExitUsage;
    default:
      return rc;
  }
}

// The matching entries, in order: on CPU q.cpu, or (per-CPU map without
// --cpu) on any CPU.
ktsnap_status matches(std::vector<uint32_t>& out, const ktsnap_query* query, const ktsnap_map* map,
                      const QueryArgs& q) {
  bool any_cpu = ktsnap_map_is_percpu(map) && !q.has_cpu;
  uint32_t ncpu = any_cpu ? ktsnap_map_nr_cpus(map) : 1;
  std::vector<uint32_t> hits(ktsnap_map_entry_count(map));
  for (uint32_t c = 0; c < ncpu; c++) {
    size_t n = 0;
    uint32_t cpu = any_cpu ? c : (ktsnap_map_is_percpu(map) ? q.cpu : 0);
    ktsnap_status st = ktsnap_query_filter(hits.data(), hits.size(), &n, query, cpu);
    if (st != KTSNAP_OK) return st;
    out.insert(out.end(), hits.begin(), hits.begin() + static_cast<ptrdiff_t>(n));
  }
  if (ncpu > 1) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return KTSNAP_OK;
}

// No entry matched: a find on the same query leaves the NO_MATCH error
// (sampled keys, hint) as the last error; print it.
int no_match(const ktsnap_query* query, const QueryArgs& q) {
  uint32_t hit = 0;
  ktsnap_status st = ktsnap_query_find(&hit, query, q.has_cpu ? q.cpu : 0);
  if (st == KTSNAP_OK) st = KTSNAP_E_NOTFOUND;  // matches on a CPU the any-CPU scan did not see: cannot happen
  report_failure_detailed(kCmd, st, "");
  return kExitNotFound;
}

int run_var(Owned& o, const QueryArgs& q) {
  ktsnap_value v;
  ktsnap_status st = ktsnap_snapshot_var(&v, o.snap, q.var.c_str());
  if (st != KTSNAP_OK) return report_failure_detailed(kCmd, st, "");
  std::vector<std::string> paths = q.gets;
  if (paths.empty()) paths.emplace_back();
  std::string out;
  for (const std::string& p : paths) {
    ktsnap_value x;
    st = ktsnap_value_walk(&x, &v, p.c_str());
    if (st != KTSNAP_OK) return report_failure_detailed(kCmd, st, "");
    out += q.var + (p.empty() ? "" : "." + p) + " = ";
    if (!render_text(out, x, "  ")) return report_failure_detailed(kCmd, KTSNAP_E_INTERNAL, "");
    out += '\n';
  }
  return std::fputs(out.c_str(), stdout) == EOF ? kExitIo : kExitOk;
}

int run_map(Owned& o, const QueryArgs& q) {
  const ktsnap_map* map = nullptr;
  ktsnap_status st = ktsnap_snapshot_map(&map, o.snap, q.map.c_str());
  if (st != KTSNAP_OK) return report_failure_detailed(kCmd, st, "");
  bool percpu = ktsnap_map_is_percpu(map);
  if (q.has_cpu && percpu && q.cpu >= ktsnap_map_nr_cpus(map))
    return usage_error(kCmd, "--cpu " + std::to_string(q.cpu) + ": map '" + q.map + "' has " +
                                 std::to_string(ktsnap_map_nr_cpus(map)) + " CPU slots");
  bool by = q.op == Op::MaxBy || q.op == Op::MinBy;
  if (by && percpu && !q.has_cpu)
    return usage_error(kCmd, std::string(q.op == Op::MaxBy ? "--max-by" : "--min-by") + " on per-CPU map '" + q.map +
                                 "' needs --cpu N");
  const std::string expr = by ? "true" : q.operand;
  st = ktsnap_query_compile(&o.query, map, expr.c_str());
  if (st != KTSNAP_OK) return compile_failure(st, expr);
  uint32_t cpu = percpu ? q.cpu : 0;
  Printer printer(map, q);

  if (by) {
    uint32_t hit = 0;
    st = q.op == Op::MaxBy ? ktsnap_query_max_by(&hit, o.query, q.operand.c_str(), cpu)
                           : ktsnap_query_min_by(&hit, o.query, q.operand.c_str(), cpu);
    if (st != KTSNAP_OK) {
      int rc = report_failure_detailed(kCmd, st, "");
      return st == KTSNAP_E_TYPE ? kExitUsage : rc;
    }
    int rc = printer.print(hit);
    return rc >= 0 ? rc : kExitOk;
  }
  if (q.op == Op::Find && (!percpu || q.has_cpu)) {
    uint32_t hit = 0;
    st = ktsnap_query_find(&hit, o.query, cpu);
    if (st != KTSNAP_OK) return report_failure_detailed(kCmd, st, "");
    int rc = printer.print(hit);
    return rc >= 0 ? rc : kExitOk;
  }
  std::vector<uint32_t> hits;
  st = matches(hits, o.query, map, q);
  if (st != KTSNAP_OK) return report_failure_detailed(kCmd, st, "");
  if (q.op == Op::Count) {
    if (std::printf("%zu\n", hits.size()) < 0 || std::fflush(stdout) != 0) return kExitIo;
    return hits.empty() ? kExitNotFound : kExitOk;
  }
  if (hits.empty()) return no_match(o.query, q);
  size_t n = q.op == Op::Find ? 1 : hits.size();
  if (q.limit && n > q.limit) n = q.limit;
  for (size_t i = 0; i < n; i++)
    if (int rc = printer.print(hits[i]); rc >= 0) return rc;
  if (n < hits.size() && q.op == Op::Filter)
    std::printf("... %zu more matches not shown (%zu in all)\n", hits.size() - n, hits.size());
  return std::fflush(stdout) == 0 ? kExitOk : kExitIo;
}

}  // namespace

int cmd_query(const Args& args) {
  QueryArgs q;
  bool help = false;
  if (int rc = parse(args, q, &help); rc >= 0) return rc;
  if (help) {
    query_help();
    return kExitOk;
  }
  Owned o;
  ktsnap_status st = ktsnap_report_open_file(&o.report, q.file.c_str(), nullptr);
  if (st != KTSNAP_OK) return report_failure(kCmd, st);
  st = ktsnap_snapshot_new(&o.snap, o.report);
  if (st != KTSNAP_OK) return report_failure(kCmd, st);
  return q.var.empty() ? run_map(o, q) : run_var(o, q);
}

}  // namespace ktsnap_cli
