#include "view/error.hpp"

#include <charconv>

namespace ktsnap {
inline namespace v1 {
namespace view {

namespace {

std::string hex(uint64_t v) {
  char buf[24] = "0x";
  auto r = std::to_chars(buf + 2, buf + sizeof buf, v, 16);
  return std::string(buf, r.ptr);
}

// Escapes a string for a double-quoted list item (and for JSON: the two
// escape sets agree on everything these messages contain).
void append_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  append_escaped(out, s);
  out += '"';
  return out;
}

std::string after_walked(const std::string& walked) {
  return walked.empty() ? "at the top level" : "under '" + walked + "'";
}

// ---- JSON serialization ----------------------------------------------------

class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
  ~JsonObject() { out_ += '}'; }
  JsonObject(const JsonObject&) = delete;
  JsonObject& operator=(const JsonObject&) = delete;

  void str(const char* k, std::string_view v) { key(k) += quoted(v); }
  void num(const char* k, uint64_t v) { key(k) += std::to_string(v); }
  void num_signed(const char* k, int64_t v) { key(k) += std::to_string(v); }
  void boolean(const char* k, bool v) { key(k) += v ? "true" : "false"; }
  void raw(const char* k, std::string_view json) { key(k) += json.empty() ? std::string_view("null") : json; }
  void opt_str(const char* k, const std::optional<std::string>& v) {
    if (v)
      str(k, *v);
    else
      key(k) += "null";
  }
  void strs(const char* k, const std::vector<std::string>& v) {
    std::string& o = key(k);
    o += '[';
    for (size_t i = 0; i < v.size(); i++) {
      if (i) o += ',';
      o += quoted(v[i]);
    }
    o += ']';
  }
  void nums(const char* k, const std::vector<uint64_t>& v) {
    std::string& o = key(k);
    o += '[';
    for (size_t i = 0; i < v.size(); i++) {
      if (i) o += ',';
      o += std::to_string(v[i]);
    }
    o += ']';
  }
  std::string& key(const char* k) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += quoted(k);
    out_ += ':';
    return out_;
  }

 private:
  std::string& out_;
  bool first_ = true;
};

const char* reason_name(MissingStatsReason::Kind k) {
  using K = MissingStatsReason::Kind;
  switch (k) {
    case K::NoSchedulerBinary:
      return "NoSchedulerBinary";
    case K::NoScheduler:
      return "NoScheduler";
    case K::DuringFreeze:
      return "DuringFreeze";
    case K::Cancelled:
      return "Cancelled";
    case K::SchedulerError:
      return "SchedulerError";
    case K::MissingResp:
      return "MissingResp";
    case K::RequestTooLarge:
      return "RequestTooLarge";
    case K::ResponseTooLarge:
      return "ResponseTooLarge";
    case K::MutexPoisoned:
      return "MutexPoisoned";
  }
  return "Unknown";
}

// Fields of each variant, written into an open JSON object.
struct FieldsJson {
  JsonObject& o;
  void operator()(const MapNotFound& e) const {
    o.str("requested", e.requested);
    o.strs("available", e.available);
  }
  void operator()(const VarNotFound& e) const {
    o.str("requested", e.requested);
    o.strs("available", e.available);
  }
  void operator()(const AmbiguousVar& e) const {
    o.str("requested", e.requested);
    o.strs("found_in", e.found_in);
  }
  void operator()(const FieldNotFound& e) const {
    o.str("requested", e.requested);
    o.str("walked", e.walked);
    o.str("component", e.component);
    o.strs("available", e.available);
  }
  void operator()(const NotAStruct& e) const {
    o.str("requested", e.requested);
    o.str("walked", e.walked);
    o.str("component", e.component);
    o.str("kind", e.kind);
  }
  void operator()(const TypeMismatch& e) const {
    o.str("expected", e.expected);
    o.str("actual", e.actual);
    o.str("requested", e.requested);
  }
  void operator()(const IndexOutOfRange& e) const {
    o.str("map", e.map);
    o.num("index", e.index);
    o.num("len", e.len);
  }
  void operator()(const PerCpuSlot& e) const {
    o.str("map", e.map);
    o.num("cpu", e.cpu);
    o.num("len", e.len);
    o.boolean("unmapped", e.unmapped);
  }
  void operator()(const NoMatch& e) const {
    o.str("map", e.map);
    o.str("op", e.op);
    o.num("len", e.len);
    o.strs("available_keys", e.available_keys);
  }
  void operator()(const EmptyPathComponent& e) const { o.str("requested", e.requested); }
  void operator()(const PerCpuNotNarrowed& e) const { o.str("map", e.map); }
  void operator()(const NoRendered& e) const {
    o.str("map", e.map);
    o.str("side", e.side);
  }
  void operator()(const PlaceholderSample& e) const {
    o.str("tag", e.tag);
    o.str("reason", e.reason);
  }
  void operator()(const MissingStats& e) const {
    o.str("tag", e.tag);
    o.raw("reason", e.reason.to_json());
  }
  void operator()(const HostFieldUnavailable& e) const {
    o.str("tag", e.tag);
    o.num("cpu", e.cpu);
  }
  void operator()(const PlaceholderSnapshot& e) const { o.opt_str("tag", e.tag); }
  void operator()(const NoActiveScheduler& e) const { o.str("reason", e.reason); }
  void operator()(const ActiveFilterExcludedMaps& e) const {
    o.str("requested", e.requested);
    o.str("active_obj", e.active_obj);
    std::string& s = o.key("excluded_maps");
    s += '[';
    for (size_t i = 0; i < e.excluded_maps.size(); i++) {
      if (i) s += ',';
      JsonObject m(s);
      m.str("name", e.excluded_maps[i].name);
      m.num("map_kva", e.excluded_maps[i].map_kva);
    }
    s += ']';
    o.nums("whitelist_kvas", e.whitelist_kvas);
  }
  void operator()(const WalkerDriftedWithinPhase& e) const {
    o.str("phase", e.phase);
    o.nums("pinned_kvas", e.pinned_kvas);
    o.nums("sample_kvas", e.sample_kvas);
    o.str("requested", e.requested);
  }
  void operator()(const ProjectionFailed& e) const { o.str("reason", e.reason); }
  void operator()(const MapRenderIncomplete& e) const {
    o.str("map", e.map);
    o.str("error", e.error);
  }
};

// ---- messages ---------------------------------------------------------------

}  // namespace

std::string no_match_hint(const NoMatch& e) {
  if (e.available_keys.empty()) return {};
  for (const auto& k : e.available_keys)
    if (!k.starts_with("hex:")) return {};
  return "the keys are raw hex bytes because the capture had no BTF for them — a guest kernel built with "
         "CONFIG_DEBUG_INFO_BTF=y gives typed keys";
}

namespace {

std::string no_match_message(const NoMatch& e) {
  std::string head = "map '" + e.map + "': " + e.op;
  if (e.len == 0) return head + " found nothing: the map holds no entries";
  if (e.available_keys.empty())
    return head + " matched none of the " + std::to_string(e.len) + " entries (no key could be shown)";
  std::string s = head + " matched none of the " + std::to_string(e.len) + " entries (first " +
                  std::to_string(e.available_keys.size()) + " keys: " + quoted_list(e.available_keys) + ")";
  std::string hint = no_match_hint(e);
  if (!hint.empty()) s += "; " + hint;
  return s;
}

std::string excluded_message(const ActiveFilterExcludedMaps& e) {
  bool some_zero = false, some_alias = false;
  std::string ex;
  for (size_t i = 0; i < e.excluded_maps.size(); i++) {
    const ExcludedMap& m = e.excluded_maps[i];
    if (i) ex += ", ";
    ex += m.name + "@" + hex(m.map_kva);
    if (m.map_kva == 0) {
      some_zero = true;
    } else {
      bool listed = false;
      for (uint64_t k : e.whitelist_kvas) listed |= (k == m.map_kva);
      if (!listed) some_alias = true;
    }
  }
  std::string cause;
  if (some_alias && !some_zero)
    cause =
        "the snapshot was taken before the latest scheduler replace/attach; wait for the next periodic capture "
        "(or re-run) so the walker publishes the live scheduler's map KVAs";
  else if (some_zero && !some_alias)
    cause = "these maps carry no recorded KVA: the capture predates the walker, or it failed to record per-map KVAs";
  else if (some_zero && some_alias)
    cause =
        "some maps have no recorded KVA and others disagree with the whitelist (a pre-walker capture and a "
        "post-swap window both cause this); re-run to regenerate the snapshot";
  else
    cause = "the captured KVAs were neither missing nor in disagreement";
  return "lookup '" + e.requested + "' found nothing under the active filter (obj '" + e.active_obj +
         "'): the walker's KVA whitelist " + hex_list(e.whitelist_kvas) + " excluded " +
         std::to_string(e.excluded_maps.size()) + " captured map(s) with that obj prefix: " + ex + " — " + cause +
         ". Snapshot::vars(\"" + e.requested +
         "\") lists every copy under every obj prefix; Snapshot::map(\"<name>\") reads one excluded map directly.";
}

struct MessageOf {
  std::string operator()(const MapNotFound& e) const {
    return "no map named '" + e.requested + "' in this snapshot (maps present: " + quoted_list(e.available) + ")";
  }
  std::string operator()(const VarNotFound& e) const {
    return "no global variable '" + e.requested +
           "' in any .bss/.data/.rodata map (available: " + quoted_list(e.available) + ")";
  }
  std::string operator()(const AmbiguousVar& e) const {
    return "global '" + e.requested + "' exists in more than one map (" + quoted_list(e.found_in) +
           "); read the active scheduler's copy with Snapshot::active().var(name) or Snapshot::live_var(name), or "
           "pick one map with Snapshot::map(name)";
  }
  std::string operator()(const FieldNotFound& e) const {
    return "path '" + e.requested + "': no member '" + e.component + "' " + after_walked(e.walked) +
           " (members there: " + quoted_list(e.available) + ")";
  }
  std::string operator()(const NotAStruct& e) const {
    return "path '" + e.requested + "': cannot look up '" + e.component + "' " + after_walked(e.walked) +
           ": the value there is " + e.kind + ", not a struct";
  }
  std::string operator()(const TypeMismatch& e) const {
    return "path '" + e.requested + "': cannot read the value as " + e.expected + " (it is " + e.actual + ")";
  }
  std::string operator()(const IndexOutOfRange& e) const {
    return "map '" + e.map + "': index " + std::to_string(e.index) + " is out of range (" + std::to_string(e.len) +
           " entries)";
  }
  std::string operator()(const PerCpuSlot& e) const {
    if (e.unmapped)
      return "map '" + e.map + "': the per-CPU slot of cpu " + std::to_string(e.cpu) +
             " could not be read at capture (unmapped)";
    return "map '" + e.map + "': cpu " + std::to_string(e.cpu) + " is out of range (" + std::to_string(e.len) +
           " per-CPU slots captured)";
  }
  std::string operator()(const NoMatch& e) const { return no_match_message(e); }
  std::string operator()(const EmptyPathComponent& e) const {
    return "path '" + e.requested + "' has an empty component (a leading, trailing or doubled '.')";
  }
  std::string operator()(const PerCpuNotNarrowed& e) const {
    return "map '" + e.map +
           "': the entry is per-CPU; narrow it with .cpu(N) before reading fields (or use a cpu_* "
           "aggregate)";
  }
  std::string operator()(const NoRendered& e) const {
    return "map '" + e.map + "': the " + e.side + " had no BTF type at capture, so it has no structure to read";
  }
  std::string operator()(const PlaceholderSample& e) const {
    return "sample '" + e.tag + "' holds a placeholder report (the capture did not complete): " + e.reason;
  }
  std::string operator()(const MissingStats& e) const {
    return "sample '" + e.tag + "': no scheduler stats (" + e.reason.message() + ")";
  }
  std::string operator()(const HostFieldUnavailable& e) const {
    return "sample '" + e.tag + "': per_cpu_time has no row for cpu " + std::to_string(e.cpu) +
           " (a placeholder report, or the kernel walker could not resolve it)";
  }
  std::string operator()(const PlaceholderSnapshot& e) const {
    std::string who = e.tag ? "snapshot '" + *e.tag + "'" : std::string("snapshot");
    return who + " is a placeholder: the freeze rendezvous could not capture real data, so there are no maps to read";
  }
  std::string operator()(const NoActiveScheduler& e) const {
    return "cannot tell which scheduler is active (" + e.reason +
           "); Snapshot::vars(name) lists every copy, Snapshot::live_var(name) keeps the typed errors of the active "
           "filter, Snapshot::map(\"<obj>.<section>\") reads one scheduler's map directly";
  }
  std::string operator()(const ActiveFilterExcludedMaps& e) const { return excluded_message(e); }
  std::string operator()(const WalkerDriftedWithinPhase& e) const {
    return "walker drift within phase " + e.phase + ": lookup '" + e.requested + "' resolved against KVA set " +
           hex_list(e.sample_kvas) + " but an earlier snapshot of the same phase pinned " + hex_list(e.pinned_kvas) +
           "; the walker re-published mid-phase (typically right after a scheduler replace). The sample is an error "
           "so per-phase reducers see one walker decision; move the phase past the swap settle window or read "
           "through an explicit picker";
  }
  std::string operator()(const ProjectionFailed& e) const { return "projection failed: " + e.reason; }
  std::string operator()(const MapRenderIncomplete& e) const {
    return "map '" + e.map + "': contents were not captured (the capture reported: " + e.error + ")";
  }
};

}  // namespace

const char* error_kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::MapNotFound:
      return "MapNotFound";
    case ErrorKind::VarNotFound:
      return "VarNotFound";
    case ErrorKind::AmbiguousVar:
      return "AmbiguousVar";
    case ErrorKind::FieldNotFound:
      return "FieldNotFound";
    case ErrorKind::NotAStruct:
      return "NotAStruct";
    case ErrorKind::TypeMismatch:
      return "TypeMismatch";
    case ErrorKind::IndexOutOfRange:
      return "IndexOutOfRange";
    case ErrorKind::PerCpuSlot:
      return "PerCpuSlot";
    case ErrorKind::NoMatch:
      return "NoMatch";
    case ErrorKind::EmptyPathComponent:
      return "EmptyPathComponent";
    case ErrorKind::PerCpuNotNarrowed:
      return "PerCpuNotNarrowed";
    case ErrorKind::NoRendered:
      return "NoRendered";
    case ErrorKind::PlaceholderSample:
      return "PlaceholderSample";
    case ErrorKind::MissingStats:
      return "MissingStats";
    case ErrorKind::HostFieldUnavailable:
      return "HostFieldUnavailable";
    case ErrorKind::PlaceholderSnapshot:
      return "PlaceholderSnapshot";
    case ErrorKind::NoActiveScheduler:
      return "NoActiveScheduler";
    case ErrorKind::ActiveFilterExcludedMaps:
      return "ActiveFilterExcludedMaps";
    case ErrorKind::WalkerDriftedWithinPhase:
      return "WalkerDriftedWithinPhase";
    case ErrorKind::ProjectionFailed:
      return "ProjectionFailed";
    case ErrorKind::MapRenderIncomplete:
      return "MapRenderIncomplete";
  }
  return "Unknown";
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); i++) {
    if (i) s += ", ";
    s += quoted(items[i]);
  }
  return s + "]";
}

std::string hex_list(const std::vector<uint64_t>& items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); i++) {
    if (i) s += ", ";
    s += hex(items[i]);
  }
  return s + "]";
}

std::string MissingStatsReason::message() const {
  switch (kind) {
    case Kind::NoSchedulerBinary:
      return "no scheduler binary is configured for this run";
    case Kind::NoScheduler:
      return "the guest relay reports no scheduler: " + reason;
    case Kind::DuringFreeze:
      return "the stats request was cancelled: the freeze coordinator paused the scheduler";
    case Kind::Cancelled:
      return "the stats request was cancelled: the run-wide cancel flag was set";
    case Kind::SchedulerError:
      return "the scheduler answered errno=" + std::to_string(errno_value) +
             " (args=" + (args_json.empty() ? std::string("null") : args_json) + ")";
    case Kind::MissingResp:
      return "the scheduler's reply has no 'resp' key (args=" + (args_json.empty() ? std::string("null") : args_json) +
             ")";
    case Kind::RequestTooLarge:
      return "the stats request of " + std::to_string(size) + " bytes exceeds the " + std::to_string(max) + "-byte cap";
    case Kind::ResponseTooLarge:
      return "the stats response of " + std::to_string(size) + " bytes exceeds the " + std::to_string(max) +
             "-byte cap";
    case Kind::MutexPoisoned:
      return "the stats client's response mutex was poisoned";
  }
  return "unknown reason";
}

std::string MissingStatsReason::to_json() const {
  switch (kind) {
    case Kind::NoScheduler: {
      std::string s = "{\"NoScheduler\":";
      {
        JsonObject o(s);
        o.str("reason", reason);
      }
      return s + "}";
    }
    case Kind::SchedulerError: {
      std::string s = "{\"SchedulerError\":";
      {
        JsonObject o(s);
        o.num_signed("errno", errno_value);
        o.raw("args", args_json);
      }
      return s + "}";
    }
    case Kind::MissingResp: {
      std::string s = "{\"MissingResp\":";
      {
        JsonObject o(s);
        o.raw("args", args_json);
      }
      return s + "}";
    }
    case Kind::RequestTooLarge:
    case Kind::ResponseTooLarge: {
      std::string s = std::string("{\"") + reason_name(kind) + "\":";
      {
        JsonObject o(s);
        o.num("size", size);
        o.num("max", max);
      }
      return s + "}";
    }
    default:
      return quoted(reason_name(kind));  // unit variants are bare strings
  }
}

std::string SnapshotError::message() const {
  return std::visit(MessageOf{}, v_);
}

std::string SnapshotError::to_json() const {
  std::string s = "{" + quoted(kind_name()) + ":";
  {
    JsonObject o(s);
    std::visit(FieldsJson{o}, v_);
  }
  return s + "}";
}

size_t SnapshotError::hash() const {
  // Equal errors have equal kinds and equal JSON forms.
  return std::hash<std::string>{}(to_json());
}

Code SnapshotError::code() const {
  switch (kind()) {
    case ErrorKind::TypeMismatch:
    case ErrorKind::NotAStruct:
      return Code::Type;
    case ErrorKind::IndexOutOfRange:
    case ErrorKind::PerCpuSlot:
      return Code::Range;
    case ErrorKind::AmbiguousVar:
    case ErrorKind::EmptyPathComponent:
    case ErrorKind::PerCpuNotNarrowed:
      return Code::Invalid;
    case ErrorKind::NoRendered:
    case ErrorKind::PlaceholderSample:
    case ErrorKind::PlaceholderSnapshot:
      return Code::Unsupported;
    case ErrorKind::WalkerDriftedWithinPhase:
      return Code::Again;
    case ErrorKind::MapRenderIncomplete:
      return Code::Io;
    default:
      return Code::NotFound;
  }
}

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
