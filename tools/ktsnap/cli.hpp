// Shared pieces of the ktsnap command: exit codes, the subcommand table,
// argument parsing helpers. The command uses only the public C API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ktsnap.h"

namespace ktsnap_cli {

// Exit codes (documented in `ktsnap --help`).
enum Exit : int {
  kExitOk = 0,
  kExitNotFound = 1,  // no such map / nothing matched
  kExitUsage = 2,     // bad command line
  kExitIo = 3,        // cannot read or write a file, permission denied
  kExitData = 4,      // the file is not a valid report, or another failure
  kExitHostError = 5, // `ktsnap request`: the host answered ERR
  kExitTransport = 6, // `ktsnap request`: no usable answer (timeout, EOF, I/O, bad frame)
};

using Args = std::vector<std::string>;

struct Command {
  const char* name;
  const char* summary;           // one line for the top-level help
  int (*run)(const Args& args);  // args after the subcommand name
};

// The subcommands, in help order. A later issue adds serve here.
const std::vector<Command>& commands();

// Prints "ktsnap CMD: <status text>: <last error>" to stderr and returns the
// exit code for the status.
int report_failure(const char* cmd, ktsnap_status st);

// Like report_failure(), plus what ktsnap_last_error_info() holds: the
// column of a bad expression `expr` (shown with a caret when not empty),
// the alternatives, sampled keys and hint. Returns exit_code(st).
int report_failure_detailed(const char* cmd, ktsnap_status st, const std::string& expr);

// Owns a report handle for the scope of a command.
struct ReportHandle {
  ktsnap_report* r = nullptr;
  ReportHandle() = default;
  ReportHandle(const ReportHandle&) = delete;
  ReportHandle& operator=(const ReportHandle&) = delete;
  ~ReportHandle() { ktsnap_report_free(r); }
};

// Owns a buffer the library rendered (ktsnap_render_*).
struct Text {
  char* p = nullptr;
  size_t len = 0;
  Text() = default;
  Text(const Text&) = delete;
  Text& operator=(const Text&) = delete;
  ~Text() { ktsnap_free(p); }
};

// Exit code for a status.
int exit_code(ktsnap_status st);

// Prints a usage error and returns kExitUsage.
int usage_error(const char* cmd, const std::string& message);

// Parses a non-negative decimal that fits uint32_t; false on anything else.
bool parse_u32(const std::string& s, uint32_t* out);

// Writes `text` and a newline to stdout; false when stdout fails.
bool write_out(const char* text, size_t len);

// The live-capture selection of `ktsnap capture`, shared with `ktsnap
// serve`: --map-id, --pinned, --prog-id, --struct-ops, --name-prefix, --all,
// --max-entries, --deadline-ms, --no-mmap.
struct CaptureSelection {
  std::vector<uint32_t> map_ids, prog_ids;
  std::vector<std::string> pinned;
  std::string prefix;
  bool has_prefix = false;
  uint32_t struct_ops = 0, max_entries = 0, deadline_ms = 0, flags = 0;
  std::vector<const char*> pinned_c;  // filled by fill(), points into pinned

  bool empty() const;  // nothing selected
  // Sets the selection and limits of `opts` (pointers into this object).
  void fill(ktsnap_capture_opts& opts);
};
enum class OptParse { NotMine, Taken, Error };
// Parses args[i] (advancing i past its value) when it is a selection
// option. Error: a usage error was printed and *rc holds the exit code.
OptParse parse_capture_option(const char* cmd, const Args& args, size_t& i, CaptureSelection& sel, int* rc);
// The help text of those options.
const char* capture_selection_help();

// A capture-source plugin instead of a live selection (`ktsnap capture`
// and `ktsnap serve`): --plugin FILE [--plugin-arg STR].
struct PluginChoice {
  std::string file;
  std::string arg;
  bool has_arg = false;
  bool given() const { return !file.empty(); }
  // FILE as dlopen() must see it: a name without '/' is taken relative to
  // the current directory, like every other file argument.
  std::string load_path() const;
};
// Parses args[i] when it is --plugin or --plugin-arg (same contract as
// parse_capture_option()).
OptParse parse_plugin_option(const char* cmd, const Args& args, size_t& i, PluginChoice& plugin, int* rc);
// Checks that exactly one of a selection and --plugin was given (and
// --plugin-arg only with --plugin); prints the usage error and returns
// false otherwise (*rc = the exit code).
bool check_source_choice(const char* cmd, const CaptureSelection& sel, const PluginChoice& plugin, int* rc);
// Loads the plugin (ktsnap_source_open). On failure prints the error and
// returns the exit code; 0 on success.
int open_plugin(const char* cmd, const PluginChoice& plugin, ktsnap_source** out);
// The help text of those options.
const char* plugin_help();

// The subcommands.
int cmd_show(const Args& args);
int cmd_json(const Args& args);
int cmd_query(const Args& args);
int cmd_maps(const Args& args);
int cmd_capture(const Args& args);
int cmd_demo(const Args& args);
int cmd_ring(const Args& args);
int cmd_request(const Args& args);
int cmd_serve(const Args& args);

}  // namespace ktsnap_cli
