// The view layer's error taxonomy (spec/views.md §3): one value type,
// SnapshotError, holding one of 21 variants in the spec's order. Every
// variant is a plain struct with public fields so that a test or a caller
// can match on what went wrong (the path walked, the failing component,
// the alternatives) rather than on message text. Errors are values: they
// are copied into the Missing state of a view and carried forward
// unchanged through chained accessors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "internal/status.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

// Numbered as in spec/views.md §3 (1..21); the numbers are stable.
enum class ErrorKind : uint8_t {
  MapNotFound = 1,
  VarNotFound = 2,
  AmbiguousVar = 3,
  FieldNotFound = 4,
  NotAStruct = 5,
  TypeMismatch = 6,
  IndexOutOfRange = 7,
  PerCpuSlot = 8,
  NoMatch = 9,
  EmptyPathComponent = 10,
  PerCpuNotNarrowed = 11,
  NoRendered = 12,
  PlaceholderSample = 13,
  MissingStats = 14,
  HostFieldUnavailable = 15,
  PlaceholderSnapshot = 16,
  NoActiveScheduler = 17,
  ActiveFilterExcludedMaps = 18,
  WalkerDriftedWithinPhase = 19,
  ProjectionFailed = 20,
  MapRenderIncomplete = 21,
};
inline constexpr int kErrorKindCount = 21;
// "MapNotFound", "VarNotFound", ... (the variant names).
const char* error_kind_name(ErrorKind k);

// A captured map that the active filter's KVA whitelist left out.
struct ExcludedMap {
  std::string name;
  uint64_t map_kva = 0;  // 0 = not recorded at capture
  bool operator==(const ExcludedMap&) const = default;
};

// Why a sample has no scheduler stats (payload of MissingStats).
struct MissingStatsReason {
  enum class Kind : uint8_t {
    NoSchedulerBinary,
    NoScheduler,  // reason
    DuringFreeze,
    Cancelled,
    SchedulerError,    // errno_value, args_json
    MissingResp,       // args_json
    RequestTooLarge,   // size, max
    ResponseTooLarge,  // size, max
    MutexPoisoned,
  };
  Kind kind = Kind::NoScheduler;
  std::string reason;
  int32_t errno_value = 0;
  std::string args_json;  // compact JSON text, embedded verbatim
  uint64_t size = 0;
  uint64_t max = 0;

  static MissingStatsReason no_scheduler_binary() { return of(Kind::NoSchedulerBinary); }
  static MissingStatsReason no_scheduler(std::string reason) {
    MissingStatsReason r = of(Kind::NoScheduler);
    r.reason = std::move(reason);
    return r;
  }
  static MissingStatsReason during_freeze() { return of(Kind::DuringFreeze); }
  static MissingStatsReason cancelled() { return of(Kind::Cancelled); }
  static MissingStatsReason scheduler_error(int32_t errno_value, std::string args_json) {
    MissingStatsReason r = of(Kind::SchedulerError);
    r.errno_value = errno_value;
    r.args_json = std::move(args_json);
    return r;
  }
  static MissingStatsReason missing_resp(std::string args_json) {
    MissingStatsReason r = of(Kind::MissingResp);
    r.args_json = std::move(args_json);
    return r;
  }
  static MissingStatsReason request_too_large(uint64_t size, uint64_t max) {
    MissingStatsReason r = of(Kind::RequestTooLarge);
    r.size = size;
    r.max = max;
    return r;
  }
  static MissingStatsReason response_too_large(uint64_t size, uint64_t max) {
    MissingStatsReason r = of(Kind::ResponseTooLarge);
    r.size = size;
    r.max = max;
    return r;
  }
  static MissingStatsReason mutex_poisoned() { return of(Kind::MutexPoisoned); }

  std::string message() const;
  std::string to_json() const;
  bool operator==(const MissingStatsReason&) const = default;

 private:
  static MissingStatsReason of(Kind k) {
    MissingStatsReason r;
    r.kind = k;
    return r;
  }
};

// ---- the 21 variants, in spec order ---------------------------------------

struct MapNotFound {  // 1
  std::string requested;
  std::vector<std::string> available;  // admitted maps, capture order
  bool operator==(const MapNotFound&) const = default;
};
struct VarNotFound {  // 2
  std::string requested;
  // var(): member names (sorted, unique); live_*_via: global-section map names
  std::vector<std::string> available;
  bool operator==(const VarNotFound&) const = default;
};
struct AmbiguousVar {  // 3
  std::string requested;
  std::vector<std::string> found_in;  // map names, capture order (may repeat)
  bool operator==(const AmbiguousVar&) const = default;
};
struct FieldNotFound {  // 4
  std::string requested;
  std::string walked;
  std::string component;
  std::vector<std::string> available;  // BTF: declaration order; JSON: sorted
  bool operator==(const FieldNotFound&) const = default;
};
struct NotAStruct {  // 5
  std::string requested;
  std::string walked;
  std::string component;
  std::string kind;
  bool operator==(const NotAStruct&) const = default;
};
struct TypeMismatch {  // 6
  std::string expected;
  std::string actual;
  std::string requested;
  bool operator==(const TypeMismatch&) const = default;
};
struct IndexOutOfRange {  // 7
  std::string map;
  uint64_t index = 0;
  uint64_t len = 0;
  bool operator==(const IndexOutOfRange&) const = default;
};
struct PerCpuSlot {  // 8
  std::string map;
  uint32_t cpu = 0;       // the requested CPU, clamped to UINT32_MAX
  uint64_t len = 0;       // per-CPU slots captured
  bool unmapped = false;  // true: slot unreadable; false: cpu >= len
  bool operator==(const PerCpuSlot&) const = default;
};
struct NoMatch {  // 9
  std::string map;
  std::string op;
  uint64_t len = 0;
  std::vector<std::string> available_keys;
  bool operator==(const NoMatch&) const = default;
};
struct EmptyPathComponent {  // 10
  std::string requested;
  bool operator==(const EmptyPathComponent&) const = default;
};
struct PerCpuNotNarrowed {  // 11
  std::string map;
  bool operator==(const PerCpuNotNarrowed&) const = default;
};
struct NoRendered {  // 12
  std::string map;
  std::string side;  // "key" or "value"
  bool operator==(const NoRendered&) const = default;
};
struct PlaceholderSample {  // 13 (sample/series layer)
  std::string tag;
  std::string reason;
  bool operator==(const PlaceholderSample&) const = default;
};
struct MissingStats {  // 14 (sample/series layer; also stats_path here)
  std::string tag;
  MissingStatsReason reason;
  bool operator==(const MissingStats&) const = default;
};
struct HostFieldUnavailable {  // 15 (sample/series layer)
  std::string tag;
  uint32_t cpu = 0;
  bool operator==(const HostFieldUnavailable&) const = default;
};
struct PlaceholderSnapshot {       // 16
  std::optional<std::string> tag;  // views always leave it empty
  bool operator==(const PlaceholderSnapshot&) const = default;
};
struct NoActiveScheduler {  // 17
  std::string reason;
  bool operator==(const NoActiveScheduler&) const = default;
};
struct ActiveFilterExcludedMaps {  // 18
  std::string requested;
  std::string active_obj;
  std::vector<ExcludedMap> excluded_maps;
  std::vector<uint64_t> whitelist_kvas;
  bool operator==(const ActiveFilterExcludedMaps&) const = default;
};
struct WalkerDriftedWithinPhase {  // 19 (series layer)
  std::string phase;               // the phase's variant name
  std::vector<uint64_t> pinned_kvas;
  std::vector<uint64_t> sample_kvas;
  std::string requested;
  bool operator==(const WalkerDriftedWithinPhase&) const = default;
};
struct ProjectionFailed {  // 20
  std::string reason;
  bool operator==(const ProjectionFailed&) const = default;
};
struct MapRenderIncomplete {  // 21
  std::string map;
  std::string error;
  bool operator==(const MapRenderIncomplete&) const = default;
};

class SnapshotError {
 public:
  // Alternative i holds ErrorKind(i + 1).
  using Variant =
      std::variant<MapNotFound, VarNotFound, AmbiguousVar, FieldNotFound, NotAStruct, TypeMismatch, IndexOutOfRange,
                   PerCpuSlot, NoMatch, EmptyPathComponent, PerCpuNotNarrowed, NoRendered, PlaceholderSample,
                   MissingStats, HostFieldUnavailable, PlaceholderSnapshot, NoActiveScheduler, ActiveFilterExcludedMaps,
                   WalkerDriftedWithinPhase, ProjectionFailed, MapRenderIncomplete>;
  static_assert(std::variant_size_v<Variant> == kErrorKindCount);

  template <typename T>
  requires std::is_constructible_v<Variant, T&&> &&(!std::is_same_v<std::decay_t<T>, SnapshotError>)SnapshotError(T&& v)
      : v_(std::forward<T>(v)) {}  // NOLINT: implicit from any variant struct

  ErrorKind kind() const { return static_cast<ErrorKind>(v_.index() + 1); }
  const char* kind_name() const { return error_kind_name(kind()); }
  const Variant& variant() const { return v_; }
  template <typename T>
  bool is() const {
    return std::holds_alternative<T>(v_);
  }
  template <typename T>
  const T* get_if() const {
    return std::get_if<T>(&v_);
  }

  // Human-readable text carrying every field.
  std::string message() const;
  // Externally tagged JSON: {"VariantName":{field:...}}.
  std::string to_json() const;
  // Consistent with ==.
  size_t hash() const;
  // The status code the C ABI reports for this error.
  Code code() const;
  Error to_error() const { return Error(code(), message()); }

  bool operator==(const SnapshotError&) const = default;

 private:
  Variant v_;
};

template <typename E, typename V>
struct IsAlternative;
template <typename E, typename... Ts>
struct IsAlternative<E, std::variant<Ts...>> : std::bool_constant<(std::is_same_v<E, Ts> || ...)> {};
// One of the 21 variant structs (MapNotFound, ...).
template <typename E>
inline constexpr bool kIsErrorVariant = IsAlternative<std::decay_t<E>, SnapshotError::Variant>::value;

// Value or SnapshotError (the view layer's Result).
template <typename T>
class [[nodiscard]] ViewResult {
 public:
  ViewResult(T v) : v_(std::in_place_index<0>, std::move(v)) {}              // NOLINT: implicit by design
  ViewResult(SnapshotError e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT
  template <typename E>
  requires kIsErrorVariant<E> ViewResult(E&& e)
      : v_(std::in_place_index<1>, std::forward<E>(e)) {}  // NOLINT: from any error struct

  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T value_or(T fallback) const { return ok() ? std::get<0>(v_) : std::move(fallback); }
  const SnapshotError& error() const { return std::get<1>(v_); }
  SnapshotError&& take_error() { return std::get<1>(std::move(v_)); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, SnapshotError> v_;
};

template <>
class [[nodiscard]] ViewResult<void> {
 public:
  ViewResult() = default;
  ViewResult(SnapshotError e) : err_(std::move(e)) {}  // NOLINT
  template <typename E>
  requires kIsErrorVariant<E> ViewResult(E&& e) : err_(SnapshotError(std::forward<E>(e))) {}  // NOLINT
  bool ok() const { return !err_.has_value(); }
  const SnapshotError& error() const { return *err_; }
  SnapshotError&& take_error() { return std::move(*err_); }

 private:
  std::optional<SnapshotError> err_;
};
using ViewStatus = ViewResult<void>;

// What to change when every key a NoMatch shows is raw hex (no BTF): the
// hint to build the kernel with CONFIG_DEBUG_INFO_BTF=y; "" otherwise.
std::string no_match_hint(const NoMatch& e);

// List renderings used in messages: ["a", "b"] (escaped) and [0x1, 0x2].
std::string quoted_list(const std::vector<std::string>& items);
std::string hex_list(const std::vector<uint64_t>& items);

}  // namespace view
}  // namespace v1
}  // namespace ktsnap

template <>
struct std::hash<ktsnap::view::SnapshotError> {
  size_t operator()(const ktsnap::view::SnapshotError& e) const { return e.hash(); }
};
