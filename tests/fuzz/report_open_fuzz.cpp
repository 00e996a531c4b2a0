// libFuzzer target: a report buffer is hostile input (DESIGN.md, Bad input).
// Report::open_memory must either reject it with a status or return a
// report whose every accessor is safe: each map, each entry's key and
// value (every per-CPU slot), the scalar conversions, member and element
// navigation, dotted paths, and the JSON and text renderers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "report/report.hpp"
#include "value/render.hpp"
#include "value/value.hpp"

namespace {

using namespace ktsnap;

// Bounds on the work one input may cause (a hostile report can claim huge
// arrays or deep nesting; the fuzzer must stay fast, not exhaustive).
constexpr uint32_t kMaxEntries = 256;
constexpr uint32_t kMaxCpus = 16;
constexpr int kMaxDepth = 8;
constexpr uint64_t kMaxElems = 8;
constexpr size_t kMaxMembers = 32;

volatile uint64_t g_sink;

void consume(uint64_t x) { g_sink = g_sink + x; }
void consume(std::string_view s) { consume(s.size() + (s.empty() ? 0 : static_cast<unsigned char>(s[0]))); }

template <typename T>
void consume_result(const Result<T>& r) {
  if (r.ok()) {
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) consume(r.value());
    else if constexpr (std::is_same_v<T, double>) consume(r.value() == r.value() ? 1 : 2);
    else if constexpr (std::is_arithmetic_v<T>) consume(static_cast<uint64_t>(r.value()));
  } else {
    consume(r.error().message);
  }
}

// `probe`: also try failing navigation (unknown members, out-of-range
// indexes, dotted paths); their error messages are costly, so only the
// first entry of each map is probed.
void walk(const Value& v, int depth, uint64_t& budget, bool probe);

void scalars(const Value& v, bool probe) {
  ValueKind k = v.kind();
  consume(static_cast<uint64_t>(k));
  consume(v.size());
  consume(v.truncated() ? 1 : 0);
  bool composite = k == ValueKind::Struct || k == ValueKind::Union || k == ValueKind::Datasec || k == ValueKind::Array;
  if (composite && !probe) {  // conversions of composites only fail (costly messages)
    if (k == ValueKind::Array) consume_result(v.as_string());  // char arrays
    return;
  }
  consume(v.type_name());
  if (!probe) {  // the conversions that fit the kind (mismatches build messages)
    bool sg = false;
    switch (k) {
      case ValueKind::Float: consume_result(v.as_f64()); break;
      case ValueKind::Enum: consume_result(v.enum_name()); consume_result(v.as_string()); [[fallthrough]];
      case ValueKind::Int: consume_result(v.as_i64()); [[fallthrough]];
      case ValueKind::Uint:
      case ValueKind::Char:
      case ValueKind::Bool:
      case ValueKind::Ptr: consume_result(v.as_u64()); consume_result(v.as_bool()); consume_result(v.raw_bits(&sg)); break;
      default: consume_result(v.as_u64()); break;
    }
    return;
  }
  consume_result(v.as_u64());
  consume_result(v.as_i64());
  consume_result(v.as_f64());
  consume_result(v.as_bool());
  consume_result(v.as_string());
  consume_result(v.enum_name());
  bool sg = false;
  consume_result(v.raw_bits(&sg));
  consume_result(v.length());
}

void arrays(const Value& v) {
  std::vector<uint64_t> u64;
  std::vector<uint32_t> u32;
  std::vector<int64_t> i64;
  std::vector<double> f64;
  std::vector<uint8_t> b;
  auto len = v.length();
  if (!len.ok() || len.value() > 4096) return;  // extracts are all-or-nothing over the array
  consume(v.as_u64_array(u64).ok());
  consume(v.as_u32_array(u32).ok());
  consume(v.as_i64_array(i64).ok());
  consume(v.as_f64_array(f64).ok());
  consume(v.as_bool_array(b).ok());
}

void walk(const Value& v, int depth, uint64_t& budget, bool probe) {
  if (!v.valid() || budget == 0) return;
  budget--;
  scalars(v, probe);
  if (depth >= kMaxDepth) return;
  switch (v.kind()) {
    case ValueKind::Struct:
    case ValueKind::Union:
    case ValueKind::Datasec: {
      auto names = v.member_names();
      if (probe) consume_result(v.member("no_such_member"));
      if (!names.ok()) return;
      size_t i = 0;
      for (std::string_view n : names.value()) {
        if (i++ >= kMaxMembers) break;
        auto m = v.member(n);
        if (m.ok()) walk(m.value(), depth + 1, budget, probe);
        else consume(m.error().message);
        std::string path(n);
        consume_result(v.get(path));
        if (probe) {  // dotted paths through this member, a second level
          consume_result(v.get(path + ".x"));
          consume_result(v.get(path + "[0]"));
          consume_result(v.get(path + "[1].a.b"));
        }
      }
      if (probe) {
        consume_result(v.get(""));
        consume_result(v.get("."));
        consume_result(v.get("[0]"));
      }
      break;
    }
    case ValueKind::Array: {
      if (probe) arrays(v);
      auto len = v.length();
      uint64_t n = len.ok() ? len.value() : 0;
      for (uint64_t i = 0; i < n && i < kMaxElems; i++) {
        auto e = v.index(i);
        if (e.ok()) walk(e.value(), depth + 1, budget, probe);
      }
      if (probe) {
        consume_result(v.index(n));  // one past the end
        consume_result(v.index(~0ull));
        consume_result(v.get("[0][1]"));
      }
      break;
    }
    case ValueKind::Ptr: {
      auto d = v.deref();
      if (d.ok()) walk(d.value(), depth + 1, budget, probe);
      else consume(d.error().message);
      break;
    }
    default:
      if (probe) {
        consume_result(v.member("a"));
        consume_result(v.index(0));
        consume_result(v.deref());
      }
      break;
  }
}

void walk_report(const Report& r) {
  consume(r.format_major() + r.format_minor());
  consume(r.tag());
  consume(static_cast<uint64_t>(r.trigger()));
  consume(r.wall_time_ns() ^ r.monotonic_ns() ^ r.elapsed_ms());
  if (r.has_step_index()) consume(r.step_index());
  consume(r.is_placeholder() ? 1 : 0);
  consume(r.placeholder_reason());
  if (r.has_stats_json()) consume(r.stats_json());
  for (size_t i = 0; i < r.scheduler_count(); i++) {
    consume(r.scheduler(i).name);
    consume(static_cast<uint64_t>(r.scheduler(i).btf_index));
  }
  for (size_t i = 0; i < r.btf_count(); i++) {
    const Btf* b = r.btf(i);
    if (b == nullptr) continue;
    consume(b->type_count());
    for (uint32_t id = 0; id < b->type_count() && id < 64; id++) {
      consume(static_cast<uint64_t>(b->kind(id)));
      consume(b->name(id));
      consume(b->size(id).value_or(0));
    }
  }
  for (size_t i = 0; i < r.excluded_count(); i++) consume(r.excluded(i).reason);
  for (size_t i = 0; i < r.region_count(); i++) {
    const RegionInfo& g = r.region(i);
    if (g.size) consume(g.data[0] + g.data[g.size - 1]);
    const RegionInfo* f = r.find_region(g.address);
    consume(f != nullptr ? 1 : 0);
  }
  consume(r.find_region(0) != nullptr ? 1 : 0);
  consume(r.find_region(~0ull) != nullptr ? 1 : 0);

  uint64_t budget = 5000;
  for (size_t mi = 0; mi < r.map_count(); mi++) {
    const MapInfo& m = r.map(mi);
    consume(m.name);
    consume(m.error);
    consume(map_type_name(m.map_type));
    consume(m.is_global_section() ? 1 : 0);
    consume(r.find_map(m.name) != nullptr ? 1 : 0);
    uint32_t cpus = m.percpu ? (m.nr_cpus < kMaxCpus ? m.nr_cpus : kMaxCpus) : 1;
    for (uint32_t e = 0; e < m.entry_count && e < kMaxEntries; e++) {
      // raw bytes of the entry (ASan checks these are inside the buffer)
      if (m.key_size) consume(m.key_ptr(e)[0] + m.key_ptr(e)[m.key_size - 1]);
      walk(Value::map_key(m, e), 0, budget, e == 0);
      for (uint32_t c = 0; c < cpus; c++) {
        if (m.value_size) consume(m.value_ptr(e, c)[0] + m.value_ptr(e, c)[m.value_size - 1]);
        Value v = Value::map_value(m, e, c);
        walk(v, 0, budget, e == 0 && c == 0);
        if (e < 4) {
          std::string js;
          consume(render_value_json(v, js).ok() ? js.size() : 0);
          std::string tx;
          consume(render_value_text(v, tx).ok() ? tx.size() : 0);
        }
      }
    }
    std::string out;
    RenderOptions small;
    small.max_entries = 8;
    if (m.entry_count <= kMaxEntries) consume(render_map_json(r, m, out).ok() ? out.size() : 0);
    out.clear();
    consume(render_map_text(r, m, out, small).ok() ? out.size() : 0);
  }
  consume(r.find_map("") != nullptr ? 1 : 0);

  // Whole-report renderers, bounded by the entry cap like the walk above.
  uint64_t total = 0;
  for (size_t mi = 0; mi < r.map_count(); mi++) total += r.map(mi).entry_count;
  std::string out;
  if (total <= 4 * kMaxEntries) consume(render_report_json(r, out).ok() ? out.size() : 0);
  out.clear();
  RenderOptions text;
  text.max_entries = 16;
  consume(render_report_text(r, out, text).ok() ? out.size() : 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ktsnap::OpenOptions opts;
  opts.copy = true;
  auto r = ktsnap::Report::open_memory(data, size, opts);
  if (!r.ok()) {
    consume(r.error().message);
    return 0;
  }
  walk_report(*r.value());
  return 0;
}
