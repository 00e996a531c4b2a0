// Status numbers, the per-thread last error, version and features, memory,
// and the options-struct helpers shared by the other *-c.cpp files.
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"
#include "internal/status.hpp"
#include "view/error.hpp"

namespace ktsnap::capi {

// The C numbers are the core's numbers: pinned on both sides.
static_assert(KTSNAP_OK == int32_t(Code::Ok));
static_assert(KTSNAP_E_INVALID == int32_t(Code::Invalid));
static_assert(KTSNAP_E_NOMEM == int32_t(Code::NoMem));
static_assert(KTSNAP_E_NOTFOUND == int32_t(Code::NotFound));
static_assert(KTSNAP_E_AGAIN == int32_t(Code::Again));
static_assert(KTSNAP_E_TIMEOUT == int32_t(Code::Timeout));
static_assert(KTSNAP_E_VERSION == int32_t(Code::Version));
static_assert(KTSNAP_E_UNSUPPORTED == int32_t(Code::Unsupported));
static_assert(KTSNAP_E_IO == int32_t(Code::Io));
static_assert(KTSNAP_E_INTERNAL == int32_t(Code::Internal));
static_assert(KTSNAP_E_FORMAT == int32_t(Code::Format));
static_assert(KTSNAP_E_TYPE == int32_t(Code::Type));
static_assert(KTSNAP_E_RANGE == int32_t(Code::Range));
static_assert(KTSNAP_E_PERM == int32_t(Code::Perm));
static_assert(KTSNAP_E_BUSY == int32_t(Code::Busy));
static_assert(KTSNAP_E_REMOTE == int32_t(Code::Remote));

static_assert(KTSNAP_TRIGGER_ON_DEMAND == uint32_t(Trigger::OnDemand));
static_assert(KTSNAP_TRIGGER_ERROR == uint32_t(Trigger::Error));
static_assert(KTSNAP_TRIGGER_WATCH == uint32_t(Trigger::Watch));
static_assert(KTSNAP_TRIGGER_PERIODIC == uint32_t(Trigger::Periodic));
static_assert(KTSNAP_MAP_TRUNCATED == kMapTruncated);
static_assert(KTSNAP_MAP_BTF_MISSING == kMapBtfMissing);

static_assert(KTSNAP_KIND_INVALID == uint32_t(ValueKind::Invalid));
static_assert(KTSNAP_KIND_INT == uint32_t(ValueKind::Int));
static_assert(KTSNAP_KIND_UINT == uint32_t(ValueKind::Uint));
static_assert(KTSNAP_KIND_BOOL == uint32_t(ValueKind::Bool));
static_assert(KTSNAP_KIND_CHAR == uint32_t(ValueKind::Char));
static_assert(KTSNAP_KIND_FLOAT == uint32_t(ValueKind::Float));
static_assert(KTSNAP_KIND_ENUM == uint32_t(ValueKind::Enum));
static_assert(KTSNAP_KIND_STRUCT == uint32_t(ValueKind::Struct));
static_assert(KTSNAP_KIND_UNION == uint32_t(ValueKind::Union));
static_assert(KTSNAP_KIND_ARRAY == uint32_t(ValueKind::Array));
static_assert(KTSNAP_KIND_PTR == uint32_t(ValueKind::Ptr));
static_assert(KTSNAP_KIND_DATASEC == uint32_t(ValueKind::Datasec));
static_assert(KTSNAP_KIND_BYTES == uint32_t(ValueKind::Bytes));
static_assert(KTSNAP_KIND_UNSUPPORTED == uint32_t(ValueKind::Unsupported));

static_assert(sizeof(ktsnap_value) == 4 * sizeof(void*) || sizeof(void*) != 8, "ktsnap_value is 32 bytes on LP64");

namespace {

// The last failure of this thread. `text` points either into `buf` or at a
// static string (the empty message, or the fallback when `buf` could not
// hold the message). The details behind ktsnap_last_error_info() are kept
// only when a failure has them (`has_detail`), so clearing a plain failure
// touches four words.
struct LastError {
  std::string buf;
  const char* text = "";
  int32_t sys_errno = 0;
  ktsnap_status status = KTSNAP_OK;
  bool has_detail = false;
  uint32_t column = 0;
  std::optional<view::SnapshotError> verr;
  std::vector<std::string> alternatives;  // plain errors' alternatives
  std::string json;
  std::string hint;
  std::string reason;  // MissingStats: the reason's text
  std::vector<const char*> alt_ptrs;
  std::vector<const char*> key_ptrs;
};

LastError& last() noexcept {
  thread_local LastError e;
  return e;
}

void drop_detail(LastError& e) noexcept {
  if (!e.has_detail) return;
  e.has_detail = false;
  e.column = 0;
  e.verr.reset();
  e.alternatives.clear();
  e.json.clear();
  e.hint.clear();
  e.reason.clear();
  e.alt_ptrs.clear();
  e.key_ptrs.clear();
}

// Pointers to the strings of a view error's lists: `alts` gets what exists
// instead (members, maps, variables, excluded maps), `keys` NoMatch's keys.
void collect_view_lists(const view::SnapshotError& err, std::vector<const char*>& alts,
                        std::vector<const char*>& keys) {
  using namespace view;
  auto add = [](std::vector<const char*>& to, const std::vector<std::string>& from) {
    for (const auto& x : from) to.push_back(x.c_str());
  };
  if (const auto* e = err.get_if<MapNotFound>()) add(alts, e->available);
  if (const auto* e = err.get_if<VarNotFound>()) add(alts, e->available);
  if (const auto* e = err.get_if<AmbiguousVar>()) add(alts, e->found_in);
  if (const auto* e = err.get_if<FieldNotFound>()) add(alts, e->available);
  if (const auto* e = err.get_if<NoMatch>()) add(keys, e->available_keys);
  if (const auto* e = err.get_if<ActiveFilterExcludedMaps>())
    for (const auto& m : e->excluded_maps) alts.push_back(m.name.c_str());
}

constexpr const char* kNoRoomForMessage = "ktsnap: out of memory while recording the error message";

}  // namespace

void clear_error() noexcept {
  LastError& e = last();
  e.buf.clear();  // keeps capacity; never allocates
  e.text = "";
  e.sys_errno = 0;
  e.status = KTSNAP_OK;
  drop_detail(e);
}

ktsnap_status fail_parts(ktsnap_status status, std::string_view a, std::string_view b, std::string_view c,
                         std::string_view d) noexcept {
  LastError& e = last();
  e.sys_errno = 0;
  e.status = status;
  drop_detail(e);
  try {
    e.buf.clear();
    e.buf.reserve(a.size() + b.size() + c.size() + d.size());
    e.buf.append(a).append(b).append(c).append(d);
    e.text = e.buf.c_str();
  } catch (...) {
    e.text = kNoRoomForMessage;
  }
  return status;
}

ktsnap_status fail(ktsnap_status status, std::string_view message, int sys_errno) noexcept {
  fail_parts(status, message, {});
  last().sys_errno = sys_errno;
  return status;
}

ktsnap_status fail(const Error& err) noexcept {
  ktsnap_status st = to_status(err.code);
  // A core error that claims success is a bug; never report OK as a failure.
  if (st >= 0) st = KTSNAP_E_INTERNAL;
  fail(st, err.message.empty() ? std::string_view(ktsnap_status_str(st)) : std::string_view(err.message),
       err.sys_errno);
  if (err.column != 0 || !err.alternatives.empty()) {
    LastError& e = last();
    try {
      e.has_detail = true;
      e.column = err.column;
      e.alternatives = err.alternatives;
      for (const auto& a : e.alternatives) e.alt_ptrs.push_back(a.c_str());
    } catch (...) {
      drop_detail(e);  // the message stays; only the details are lost
    }
  }
  return st;
}

ktsnap_status fail_view(const view::SnapshotError& err) noexcept {
  ktsnap_status st = to_status(err.code());
  if (st >= 0) st = KTSNAP_E_INTERNAL;
  try {
    std::string msg = err.message();
    fail(st, msg);
  } catch (...) {
    return fail(st, err.kind_name());
  }
  LastError& e = last();
  try {
    e.has_detail = true;
    e.verr = err;
    e.json = err.to_json();
    collect_view_lists(*e.verr, e.alt_ptrs, e.key_ptrs);
    if (const auto* nm = e.verr->get_if<view::NoMatch>()) e.hint = view::no_match_hint(*nm);
    if (const auto* ms = e.verr->get_if<view::MissingStats>()) e.reason = ms->reason.message();
  } catch (...) {
    drop_detail(e);
  }
  return st;
}

ktsnap_status null_arg(const char* fn, const char* arg) noexcept {
  return fail_parts(KTSNAP_E_INVALID, fn, ": argument '", arg, "' is NULL");
}

ktsnap_status out_sz(const void* out, const char* fn, const char* arg, const char* struct_name,
                     size_t* sz_out) noexcept {
  std::memcpy(sz_out, out, sizeof *sz_out);
  if (*sz_out >= sizeof(size_t)) return KTSNAP_OK;
  try {
    return fail(KTSNAP_E_INVALID, std::string(fn) + ": " + arg + "->sz is too small; set it to sizeof(" +
                                      struct_name + ")");
  } catch (...) {
    return fail_parts(KTSNAP_E_INVALID, fn, ": an sz-first output struct has sz too small");
  }
}

ktsnap_status check_sz(const void* opts, size_t known, const char* struct_name, size_t* sz_out) noexcept {
  *sz_out = 0;
  if (opts == nullptr) return KTSNAP_OK;
  size_t sz = 0;
  std::memcpy(&sz, opts, sizeof sz);
  if (sz < sizeof(size_t)) {
    std::string msg;
    try {
      msg = std::string(struct_name) + ": sz " + std::to_string(sz) + " too small (at least " +
            std::to_string(sizeof(size_t)) + ", this library's size is " + std::to_string(known) + ")";
    } catch (...) {
      return fail(KTSNAP_E_INVALID, "options struct: sz too small");
    }
    return fail(KTSNAP_E_INVALID, msg);
  }
  if (sz > known) {
    const auto* p = static_cast<const unsigned char*>(opts);
    for (size_t i = known; i < sz; i++) {
      if (p[i] != 0) {
        std::string msg;
        try {
          msg = std::string(struct_name) + ": non-zero byte at offset " + std::to_string(i) +
                " beyond the " + std::to_string(known) + " bytes this library knows (sz " + std::to_string(sz) +
                "); a newer header's field is set that this library cannot honour";
        } catch (...) {
          return fail(KTSNAP_E_INVALID, "options struct: unknown non-zero trailing bytes");
        }
        return fail(KTSNAP_E_INVALID, msg);
      }
    }
  }
  *sz_out = sz;
  return KTSNAP_OK;
}

ktsnap_status check_reserved(const uint8_t* reserved, size_t offset, size_t count, size_t sz,
                             const char* struct_name) noexcept {
  for (size_t i = 0; i < count && offset + i < sz; i++) {
    if (reserved[i] != 0) {
      std::string msg;
      try {
        msg = std::string(struct_name) + ": reserved[" + std::to_string(i) + "] is " +
              std::to_string(unsigned(reserved[i])) + ", must be zero";
      } catch (...) {
        return fail(KTSNAP_E_INVALID, "options struct: reserved bytes must be zero");
      }
      return fail(KTSNAP_E_INVALID, msg);
    }
  }
  return KTSNAP_OK;
}

ktsnap_status check_flags(uint32_t flags, uint32_t known, const char* struct_name) noexcept {
  if ((flags & ~known) == 0) return KTSNAP_OK;
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%x", flags & ~known);
  return fail_parts(KTSNAP_E_INVALID, struct_name, ": unknown flag bits ", hex);
}

ktsnap_status init_sz(void* opts, size_t sz, const char* fn) noexcept {
  if (opts == nullptr) return null_arg(fn, "opts");
  if (sz < sizeof(size_t)) {
    std::string msg;
    try {
      msg = std::string(fn) + ": sz " + std::to_string(sz) + " too small (at least " +
            std::to_string(sizeof(size_t)) + ")";
    } catch (...) {
      return fail(KTSNAP_E_INVALID, "options init: sz too small");
    }
    return fail(KTSNAP_E_INVALID, msg);
  }
  std::memset(opts, 0, sz);
  std::memcpy(opts, &sz, sizeof sz);
  return KTSNAP_OK;
}

ktsnap_status dup_out(std::string_view s, char** out, size_t* len_out, const char* fn) noexcept {
  auto* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) return fail_parts(KTSNAP_E_NOMEM, fn, ": out of memory copying the result");
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  *out = p;
  if (len_out) *len_out = s.size();
  return KTSNAP_OK;
}

ktsnap_status copy_out(std::string_view s, char* buf, size_t buf_size, size_t* len_out, const char* fn) noexcept {
  *len_out = s.size();
  if (buf_size <= s.size()) {
    if (buf != nullptr && buf_size > 0) buf[0] = '\0';
    std::string msg;
    try {
      msg = std::string(fn) + ": buffer of " + std::to_string(buf_size) + " bytes is too small; " +
            std::to_string(s.size() + 1) + " needed (length in *len_out, plus the NUL)";
    } catch (...) {
      return fail(KTSNAP_E_RANGE, "buffer too small");
    }
    return fail(KTSNAP_E_RANGE, msg);
  }
  if (buf == nullptr) return null_arg(fn, "buf");
  if (!s.empty()) std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  return KTSNAP_OK;
}

ktsnap_status bad_value(const char* fn, const ktsnap_value* in) noexcept {
  if (in == nullptr) return null_arg(fn, "value");
  if (in->_ctx == nullptr)
    return fail_parts(KTSNAP_E_INVALID, fn, ": the value is empty (zero-initialised, or the output of a failed call)");
  return fail_parts(KTSNAP_E_INVALID, fn,
                    ": the value was not produced by ktsnap (its private members were changed or it is "
                    "uninitialised)");
}

}  // namespace ktsnap::capi

using namespace ktsnap::capi;

extern "C" {

KTSNAP_API uint32_t ktsnap_version(void) noexcept {
  return KTSNAP_VERSION_MAJOR * 10000u + KTSNAP_VERSION_MINOR * 100u + KTSNAP_VERSION_PATCH;
}

#define KTSNAP_STR2(x) #x
#define KTSNAP_STR(x) KTSNAP_STR2(x)

KTSNAP_API const char* ktsnap_version_string(void) noexcept {
  return KTSNAP_STR(KTSNAP_VERSION_MAJOR) "." KTSNAP_STR(KTSNAP_VERSION_MINOR) "." KTSNAP_STR(KTSNAP_VERSION_PATCH);
}

KTSNAP_API uint64_t ktsnap_features(void) noexcept {
  return KTSNAP_FEATURE_BTF | KTSNAP_FEATURE_JSON | KTSNAP_FEATURE_TEXT | KTSNAP_FEATURE_BUILDER | KTSNAP_FEATURE_QUERY |
         KTSNAP_FEATURE_CAPTURE | KTSNAP_FEATURE_RING | KTSNAP_FEATURE_WIRE;
}

KTSNAP_API const char* ktsnap_status_str(ktsnap_status status) noexcept {
  switch (status) {
    case KTSNAP_OK: return "success";
    case KTSNAP_E_INVALID: return "invalid argument";
    case KTSNAP_E_NOMEM: return "out of memory";
    case KTSNAP_E_NOTFOUND: return "not found";
    case KTSNAP_E_AGAIN: return "try again";
    case KTSNAP_E_TIMEOUT: return "timed out";
    case KTSNAP_E_VERSION: return "version mismatch";
    case KTSNAP_E_UNSUPPORTED: return "not supported";
    case KTSNAP_E_IO: return "input/output error";
    case KTSNAP_E_INTERNAL: return "internal error";
    case KTSNAP_E_FORMAT: return "malformed data";
    case KTSNAP_E_TYPE: return "type mismatch";
    case KTSNAP_E_RANGE: return "out of range";
    case KTSNAP_E_PERM: return "permission denied";
    case KTSNAP_E_BUSY: return "resource busy";
    case KTSNAP_E_REMOTE: return "refused by the host";
    default: return status < 0 ? "unknown error" : "unknown status";
  }
}

KTSNAP_API const char* ktsnap_last_error(void) noexcept {
  // thread_local construction of std::string does not allocate.
  return last().text;
}

KTSNAP_API int32_t ktsnap_last_errno(void) noexcept { return last().sys_errno; }

KTSNAP_API void ktsnap_free(void* ptr) noexcept { std::free(ptr); }

KTSNAP_API const char* ktsnap_error_kind_name(uint32_t kind) noexcept {
  if (kind == KTSNAP_ERROR_NONE) return "";
  if (kind > uint32_t(ktsnap::view::kErrorKindCount)) return "unknown";
  return ktsnap::view::error_kind_name(static_cast<ktsnap::view::ErrorKind>(kind));
}

KTSNAP_API ktsnap_status ktsnap_last_error_info(ktsnap_error_info* info) noexcept {
  using namespace ktsnap::view;
  // Reports a bad argument without recording it: the last error it
  // describes must survive.
  if (info == nullptr) return KTSNAP_E_INVALID;
  size_t sz = info->sz;
  if (sz < sizeof(size_t)) return KTSNAP_E_INVALID;
  const LastError& e = last();
  ktsnap_error_info o;
  std::memset(&o, 0, sizeof o);
  o.sz = sz;
  o.status = e.status;
  o.message = e.text;
  const char* empty = "";
  o.kind_name = o.json = o.requested = o.walked = o.component = o.map = o.expected = o.actual = o.reason = o.hint =
      empty;
  if (e.has_detail) {
    o.column = e.column;
    o.hint = e.hint.c_str();
    if (!e.alt_ptrs.empty()) {
      o.alternative_count = e.alt_ptrs.size();
      o.alternatives = e.alt_ptrs.data();
    }
    if (!e.key_ptrs.empty()) {
      o.sample_key_count = e.key_ptrs.size();
      o.sample_keys = e.key_ptrs.data();
    }
    if (e.verr) {
      const SnapshotError& v = *e.verr;
      o.kind = uint32_t(v.kind());
      o.kind_name = v.kind_name();
      o.json = e.json.c_str();
      if (const auto* x = v.get_if<MapNotFound>()) {
        o.requested = x->requested.c_str();
      } else if (const auto* x = v.get_if<VarNotFound>()) {
        o.requested = x->requested.c_str();
      } else if (const auto* x = v.get_if<AmbiguousVar>()) {
        o.requested = x->requested.c_str();
      } else if (const auto* x = v.get_if<FieldNotFound>()) {
        o.requested = x->requested.c_str();
        o.walked = x->walked.c_str();
        o.component = x->component.c_str();
      } else if (const auto* x = v.get_if<NotAStruct>()) {
        o.requested = x->requested.c_str();
        o.walked = x->walked.c_str();
        o.component = x->component.c_str();
        o.actual = x->kind.c_str();
      } else if (const auto* x = v.get_if<TypeMismatch>()) {
        o.requested = x->requested.c_str();
        o.expected = x->expected.c_str();
        o.actual = x->actual.c_str();
      } else if (const auto* x = v.get_if<IndexOutOfRange>()) {
        o.map = x->map.c_str();
        o.index = x->index;
        o.len = x->len;
      } else if (const auto* x = v.get_if<PerCpuSlot>()) {
        o.map = x->map.c_str();
        o.cpu = x->cpu;
        o.len = x->len;
        o.unmapped = x->unmapped ? 1u : 0u;
      } else if (const auto* x = v.get_if<NoMatch>()) {
        o.map = x->map.c_str();
        o.requested = x->op.c_str();
        o.len = x->len;
      } else if (const auto* x = v.get_if<EmptyPathComponent>()) {
        o.requested = x->requested.c_str();
      } else if (const auto* x = v.get_if<PerCpuNotNarrowed>()) {
        o.map = x->map.c_str();
      } else if (const auto* x = v.get_if<NoRendered>()) {
        o.map = x->map.c_str();
        o.component = x->side.c_str();
      } else if (const auto* x = v.get_if<PlaceholderSample>()) {
        o.requested = x->tag.c_str();
        o.reason = x->reason.c_str();
      } else if (const auto* x = v.get_if<MissingStats>()) {
        o.requested = x->tag.c_str();
        o.reason = e.reason.c_str();
      } else if (const auto* x = v.get_if<HostFieldUnavailable>()) {
        o.requested = x->tag.c_str();
        o.cpu = x->cpu;
      } else if (const auto* x = v.get_if<PlaceholderSnapshot>()) {
        if (x->tag) o.requested = x->tag->c_str();
      } else if (const auto* x = v.get_if<NoActiveScheduler>()) {
        o.reason = x->reason.c_str();
      } else if (const auto* x = v.get_if<ActiveFilterExcludedMaps>()) {
        o.requested = x->requested.c_str();
        o.component = x->active_obj.c_str();
      } else if (const auto* x = v.get_if<WalkerDriftedWithinPhase>()) {
        o.requested = x->requested.c_str();
        o.component = x->phase.c_str();
      } else if (const auto* x = v.get_if<ProjectionFailed>()) {
        o.reason = x->reason.c_str();
      } else if (const auto* x = v.get_if<MapRenderIncomplete>()) {
        o.map = x->map.c_str();
        o.reason = x->error.c_str();
      }
    }
  }
  // Only the bytes inside the caller's sz, after sz itself.
  size_t n = std::min(sz, sizeof o);
  if (n > sizeof(size_t))
    std::memcpy(reinterpret_cast<char*>(info) + sizeof(size_t), reinterpret_cast<const char*>(&o) + sizeof(size_t),
                n - sizeof(size_t));
  return KTSNAP_OK;
}

}  // extern "C"
