// Printing a failure with the structured details of ktsnap_last_error_info():
// the column of a bad predicate, what exists instead, sampled keys, a hint.
#include <cstdio>
#include <string>

#include "cli.hpp"
#include "ktsnap.h"

namespace ktsnap_cli {

namespace {

const char* alternatives_label(uint32_t kind) {
  switch (kind) {
    case KTSNAP_ERROR_MAP_NOT_FOUND:
      return "maps";
    case KTSNAP_ERROR_VAR_NOT_FOUND:
      return "variables";
    case KTSNAP_ERROR_AMBIGUOUS_VAR:
      return "held by maps";
    case KTSNAP_ERROR_FIELD_NOT_FOUND:
      return "members";
    case KTSNAP_ERROR_ACTIVE_FILTER_EXCLUDED_MAPS:
      return "excluded maps";
    default:
      return "alternatives";
  }
}

}  // namespace

int report_failure_detailed(const char* cmd, ktsnap_status st, const std::string& expr) {
  // Read every detail before any other ktsnap call: they are borrowed until then.
  ktsnap_error_info info = KTSNAP_ERROR_INFO_INIT;
  ktsnap_last_error_info(&info);
  const char* msg = info.message ? info.message : "";
  std::fprintf(stderr, "ktsnap %s: %s%s%s\n", cmd, ktsnap_status_str(st), *msg ? ": " : "", msg);
  if (info.column > 0 && !expr.empty() && info.column <= expr.size() + 1) {
    std::fprintf(stderr, "  %s\n  %*s^ column %u\n", expr.c_str(), int(info.column - 1), "", info.column);
  }
  if (info.alternative_count > 0) {
    std::string list;
    for (size_t i = 0; i < info.alternative_count; i++) list += (i ? ", " : "") + std::string(info.alternatives[i]);
    std::fprintf(stderr, "  %s: %s\n", alternatives_label(info.kind), list.c_str());
  }
  if (info.sample_key_count > 0) {
    std::fprintf(stderr, "  sampled keys (%llu entries):", static_cast<unsigned long long>(info.len));
    for (size_t i = 0; i < info.sample_key_count; i++) std::fprintf(stderr, "%s %s", i ? "," : "", info.sample_keys[i]);
    std::fputc('\n', stderr);
  }
  if (info.hint && *info.hint) std::fprintf(stderr, "  hint: %s\n", info.hint);
  return exit_code(st);
}

}  // namespace ktsnap_cli
