// Status numbers pinned against the core's, version and features, value
// argument errors, and the view layer's part of the last error: the details
// of a view::SnapshotError behind ktsnap_last_error_info(). The core of the
// last error (message, errno, status, argument checks) is error-c.cpp.
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"
#include "capi/last-error-c.hpp"
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

// A view error's details, valid while last().has_view is set. Kept apart
// from LastError so that the core (error-c.cpp) needs no view type; a new
// failure clears has_view, and the next view error overwrites these.
struct ViewDetail {
  std::optional<view::SnapshotError> verr;
  std::string json;
  std::string hint;
  std::string reason;  // MissingStats: the reason's text
};

ViewDetail& view_detail() noexcept {
  thread_local ViewDetail d;
  return d;
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

}  // namespace

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
  ViewDetail& d = view_detail();
  try {
    d.verr.reset();
    d.json.clear();
    d.hint.clear();
    d.reason.clear();
    e.has_detail = true;
    e.has_view = true;
    d.verr = err;
    d.json = err.to_json();
    collect_view_lists(*d.verr, e.alt_ptrs, e.key_ptrs);
    if (const auto* nm = d.verr->get_if<view::NoMatch>()) d.hint = view::no_match_hint(*nm);
    if (const auto* ms = d.verr->get_if<view::MissingStats>()) d.reason = ms->reason.message();
  } catch (...) {
    drop_detail(e);
  }
  return st;
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
    const ViewDetail& d = view_detail();
    o.column = e.column;
    if (e.has_view) o.hint = d.hint.c_str();
    if (!e.alt_ptrs.empty()) {
      o.alternative_count = e.alt_ptrs.size();
      o.alternatives = e.alt_ptrs.data();
    }
    if (!e.key_ptrs.empty()) {
      o.sample_key_count = e.key_ptrs.size();
      o.sample_keys = e.key_ptrs.data();
    }
    if (e.has_view && d.verr) {
      const SnapshotError& v = *d.verr;
      o.kind = uint32_t(v.kind());
      o.kind_name = v.kind_name();
      o.json = d.json.c_str();
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
        o.reason = d.reason.c_str();
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
