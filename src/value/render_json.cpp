// JSON renderers: values, maps and reports in ktstr's dump shape.
#include <algorithm>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "value/render.hpp"
#include "value/render_json_internal.hpp"
#include "value/render_maps.hpp"
#include "value/render_plan.hpp"
#include "value/render_tree.hpp"
#include "value/render_util.hpp"

namespace ktsnap {
inline namespace v1 {

using namespace render;

namespace render {

namespace {

// Compiled plans of one Btf, kept in its memo slot for its lifetime.
struct PlanSet {
  std::mutex mu;
  std::unordered_map<uint32_t, std::unique_ptr<JsonPlan>> plans;
};

// Per-thread cache in front of the memo: a weak reference to the plan set
// tells whether the Btf (and so the plan) is still alive, which guards
// against a new Btf reusing a dead one's address.
struct TlsPlan {
  const Btf* btf = nullptr;
  std::weak_ptr<void> owner;
  uint32_t id = 0;
  const JsonPlan* plan = nullptr;
};
constexpr unsigned kTlsPlans = 4;
thread_local TlsPlan tls_plans[kTlsPlans];
thread_local unsigned tls_next = 0;

}  // namespace

const JsonPlan* json_plan_for(const Btf& btf, uint32_t type_id) {
  for (TlsPlan& t : tls_plans)
    if (t.btf == &btf && t.id == type_id && t.plan != nullptr && !t.owner.expired()) return t.plan;
  std::shared_ptr<void> sp = btf.memo(kMemoJsonPlans, [] { return std::make_shared<PlanSet>(); });
  if (!sp) return nullptr;
  auto* set = static_cast<PlanSet*>(sp.get());
  const JsonPlan* plan;
  {
    std::lock_guard<std::mutex> lk(set->mu);
    std::unique_ptr<JsonPlan>& slot = set->plans[type_id];
    if (!slot) slot = compile_json_plan(btf, type_id);
    plan = slot.get();
  }
  TlsPlan& t = tls_plans[tls_next++ % kTlsPlans];
  t.btf = &btf;
  t.owner = sp;
  t.id = type_id;
  t.plan = plan;
  return plan;
}

void typed_json(const Btf& btf, const Report* report, uint32_t type_id, const uint8_t* data, uint64_t len,
                JsonOut& out) {
  const JsonPlan* plan = json_plan_for(btf, type_id);
  if (plan != nullptr && plan->flat && len >= plan->size) {
    run_json_plan(*plan, data, report, out);
    return;
  }
  RNode n = build_tree(btf, report, type_id, data, len);
  out.append_via([&](std::string& s) { tree_to_json(n, s); });
}

namespace {

// "hh " for every byte value, so a hex dump writes 4 bytes and advances 3.
// Built at compile time; bytes in memory order (little-endian).
struct HexTable {
  uint32_t cell[256];
};
constexpr HexTable make_hex_table() {
  constexpr char kHex[] = "0123456789abcdef";
  HexTable t{};
  for (uint32_t i = 0; i < 256; i++)
    t.cell[i] = uint32_t(uint8_t(kHex[i >> 4])) | (uint32_t(uint8_t(kHex[i & 15])) << 8) | (uint32_t(' ') << 16);
  return t;
}
constexpr HexTable kHexTable = make_hex_table();

void hex_json(const uint8_t* p, uint64_t n, JsonOut& out) {
  out.put('"');
  // In pieces, so a huge value does not need a huge chunk.
  constexpr uint64_t kPiece = 4096;
  for (uint64_t at = 0; at < n; at += kPiece) {
    uint64_t m = std::min(kPiece, n - at);
    out.ensure(m * 3 + 8);
    char* w = out.cursor();  // a local: char stores may alias a member cursor
    for (uint64_t i = at; i < at + m; i++) {
      std::memcpy(w, &kHexTable.cell[p[i]], 4);
      w += 3;
    }
    out.cursor() = w;
  }
  if (n) out.cursor()--;  // no space after the last byte
  out.put('"');
}

void bytes_json(const uint8_t* p, uint64_t n, JsonOut& out) {
  out.put("{\"kind\":\"bytes\",\"hex\":");
  hex_json(p, n, out);
  out.put('}');
}

void number_json(uint64_t v, JsonOut& out) {
  out.ensure(32);
  char*& w = out.cursor();
  w = put_u64(w, v);
}

void string_json(std::string_view s, JsonOut& out) {
  out.append_via([&](std::string& str) { append_json_string(str, s); });
}

// Value side (§2.8): BTF when usable, else a bytes node. Never absent.
void value_side_json(const Report& r, const MapSide& side, const uint8_t* p, uint64_t n, JsonOut& out) {
  if (side.typed() && n >= side.skip) {
    typed_json(*side.btf, &r, side.type_id, p + side.skip, n - side.skip, out);
    return;
  }
  bytes_json(p, n, out);
}

void single_value_json(const Report& r, const MapInfo& m, JsonOut& out) {
  if (m.entry_count == 0 || m.values == nullptr) return;
  out.put(",\"value\":");
  if (m.map_type == kMapTypeArray && is_rodata_str(m.name)) {
    std::string txt;
    append_ascii_dump(txt, m.value_ptr(0), m.value_size);
    out.put("{\"kind\":\"bytes\",\"hex\":");
    string_json(txt, out);
    out.put('}');
    return;
  }
  value_side_json(r, map_value_side(m), m.value_ptr(0), m.value_size, out);
}

void key_fields_json(const Report& r, const MapInfo& m, const MapSide& ks, uint32_t e, JsonOut& out) {
  const uint8_t* k = m.key_ptr(e);
  if (ks.typed()) {
    out.put("\"key\":");
    typed_json(*ks.btf, &r, ks.type_id, k, m.key_size, out);
    out.put(',');
  }
  out.put("\"key_hex\":");
  hex_json(k, m.key_size, out);
}

uint64_t side_estimate(const MapSide& side, uint64_t size) {
  if (!side.typed()) return size * 3 + 32;
  const JsonPlan* p = json_plan_for(*side.btf, side.type_id);
  return p != nullptr && p->flat ? p->estimate : size * 16;
}

void entries_json(const Report& r, const MapInfo& m, MapShape shape, JsonOut& out) {
  if (m.entry_count == 0 || m.values == nullptr || m.keys == nullptr) return;
  MapSide ks = map_key_side(m), vs = map_value_side(m);
  // Size the output once: regrowing a string of hundreds of MB copies it
  // and faults in fresh pages each time.
  uint64_t per = side_estimate(ks, m.key_size) + 3ull * (m.key_size + m.value_size) + 96;
  per += side_estimate(vs, m.value_size) * (map_type_is_percpu(m.map_type) ? std::max(m.nr_cpus, 1u) : 1);
  out.reserve_more(std::min<uint64_t>(per * m.entry_count, 1ull << 31));
  switch (shape) {
    case MapShape::Array:
      out.put(",\"array_entries\":[");
      for (uint32_t e = 0; e < m.entry_count; e++) {
        out.put(e ? ",{\"key\":" : "{\"key\":");
        number_json(array_key(m, e), out);
        out.put(",\"value\":");
        value_side_json(r, vs, m.value_ptr(e), m.value_size, out);
        out.put('}');
      }
      out.put(']');
      return;
    case MapShape::Hash:
    case MapShape::LocalStorage:
      out.put(",\"entries\":[");
      for (uint32_t e = 0; e < m.entry_count; e++) {
        out.put(e ? ",{" : "{");
        if (shape == MapShape::LocalStorage) {
          // The key is the owner's kernel address, never BTF-rendered.
          const uint8_t* k = m.key_ptr(e);
          if (m.key_size == 8) {
            out.put("\"key\":{\"kind\":\"ptr\",\"value\":");
            number_json(load_le(k, 8), out);
            out.put("},");
          }
          out.put("\"key_hex\":");
          hex_json(k, m.key_size, out);
          out.put(",\"value\":");
          value_side_json(r, vs, m.value_ptr(e), m.value_size, out);
        } else {
          key_fields_json(r, m, ks, e, out);
          if (vs.typed() && m.value_size >= vs.skip) {
            out.put(",\"value\":");
            typed_json(*vs.btf, &r, vs.type_id, m.value_ptr(e) + vs.skip, m.value_size - vs.skip, out);
          }
        }
        out.put(",\"value_hex\":");
        hex_json(m.value_ptr(e), m.value_size, out);
        out.put('}');
      }
      out.put(']');
      return;
    case MapShape::PercpuArray:
    case MapShape::PercpuHash:
      out.put(shape == MapShape::PercpuArray ? ",\"percpu_entries\":[" : ",\"percpu_hash_entries\":[");
      for (uint32_t e = 0; e < m.entry_count; e++) {
        out.put(e ? ",{" : "{");
        if (shape == MapShape::PercpuArray) {
          out.put("\"key\":");
          number_json(array_key(m, e), out);
        } else {
          key_fields_json(r, m, ks, e, out);
        }
        out.put(",\"per_cpu\":[");
        for (uint32_t c = 0; c < m.nr_cpus; c++) {
          if (c) out.put(',');
          if (m.slot_present(e, c))
            value_side_json(r, vs, m.value_ptr(e, c), m.value_size, out);
          else
            out.put("null");  // the slot could not be read at capture time
        }
        out.put("]}");
      }
      out.put(']');
      return;
    case MapShape::Single:
    case MapShape::None:
      return;
  }
}

void map_json(const Report& r, const MapInfo& m, JsonOut& out) {
  out.put("{\"name\":");
  string_json(m.name, out);
  if (m.map_kva != 0) {
    out.put(",\"map_kva\":");
    number_json(m.map_kva, out);
  }
  out.put(",\"map_type\":");
  number_json(m.map_type, out);
  out.put(",\"value_size\":");
  number_json(m.value_size, out);
  out.put(",\"max_entries\":");
  number_json(m.max_entries, out);
  MapShape shape = map_shape(m);
  if (shape == MapShape::Single)
    single_value_json(r, m, out);
  else
    entries_json(r, m, shape, out);
  if (m.has_error) {
    out.put(",\"error\":");
    string_json(m.error, out);
  }
  out.put('}');
}

void excluded_json(const ExcludedMapInfo& x, JsonOut& out) {
  out.put("{\"name\":");
  string_json(x.name, out);
  out.put(",\"map_type\":");
  number_json(x.map_type, out);
  out.put(",\"value_size\":0,\"max_entries\":0,\"error\":");
  string_json(x.reason, out);
  out.put('}');
}

const char* trigger_name(Trigger t) {
  switch (t) {
    case Trigger::OnDemand:
      return "on_demand";
    case Trigger::Error:
      return "error";
    case Trigger::Watch:
      return "watch";
    case Trigger::Periodic:
      return "periodic";
  }
  return "unknown";
}

void report_json(const Report& r, JsonOut& out) {
  out.put("{\"schema\":\"single\",\"maps\":[");
  bool first = true;
  for (size_t i = 0; i < r.map_count(); i++) {
    if (!first) out.put(',');
    first = false;
    map_json(r, r.map(i), out);
  }
  for (size_t i = 0; i < r.excluded_count(); i++) {
    if (!first) out.put(',');
    first = false;
    excluded_json(r.excluded(i), out);
  }
  out.put(']');
  for (size_t i = 0; i < r.scheduler_count(); i++) {
    if (r.scheduler(i).active) {
      out.put(",\"active_obj_name\":");
      string_json(r.scheduler(i).name, out);
      break;
    }
  }
  if (r.is_placeholder()) {
    // ktstr's placeholder copies its reason into every *_unavailable field.
    std::string_view reason = r.placeholder_reason();
    for (const char* f : {"sdt_alloc_unavailable", "prog_runtime_stats_unavailable", "per_node_numa_unavailable",
                          "task_enrichments_unavailable", "scx_walker_unavailable"}) {
      out.put(",\"");
      out.put(f, std::strlen(f));
      out.put("\":");
      string_json(reason, out);
    }
    out.put(",\"is_placeholder\":true");
  }
  out.put(",\"ktsnap\":{\"tag\":");
  string_json(r.tag(), out);
  out.put(",\"trigger\":\"");
  const char* tn = trigger_name(r.trigger());
  out.put(tn, std::strlen(tn));
  out.put("\",\"elapsed_ms\":");
  number_json(r.elapsed_ms(), out);
  if (r.has_step_index()) {
    out.put(",\"step_index\":");
    number_json(r.step_index(), out);
  }
  out.put("}}");
}

}  // namespace

void value_json(const Value& v, JsonOut& out) {
  ValueParts p = v.parts();
  const Btf* btf = p.ctx->btf;
  if (p.is_bytes || btf == nullptr) {
    bytes_json(p.data, p.len, out);
    return;
  }
  if (p.bit_size > 0) {
    RNode n = build_bitfield_tree(*btf, p.type_id, p.data, p.len, p.bit_off, p.bit_size);
    out.append_via([&](std::string& s) { tree_to_json(n, s); });
    return;
  }
  typed_json(*btf, p.ctx->report, p.type_id, p.data, p.len, out);
}

void pretty_json(std::string_view in, std::string& out) {
  int depth = 0;
  bool in_str = false;
  auto newline = [&](int d) {
    out += '\n';
    out.append(static_cast<size_t>(d) * 2, ' ');
  };
  for (size_t i = 0; i < in.size(); i++) {
    char c = in[i];
    if (in_str) {
      out += c;
      if (c == '\\' && i + 1 < in.size()) {
        out += in[++i];
      } else if (c == '"') {
        in_str = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_str = true;
        out += c;
        break;
      case '{':
      case '[':
        out += c;
        if (i + 1 < in.size() && (in[i + 1] == '}' || in[i + 1] == ']')) {
          out += in[++i];
        } else {
          newline(++depth);
        }
        break;
      case '}':
      case ']':
        newline(--depth);
        out += c;
        break;
      case ',':
        out += c;
        newline(depth);
        break;
      case ':':
        out += ": ";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace render

Status render_value_json(const Value& v, std::string& out) {
  if (!v.valid()) return make_error(Code::Invalid, "cannot render an invalid value (no context)");
  ValueParts p = v.parts();
  const Btf* btf = p.ctx->btf;
  if (!p.is_bytes && btf != nullptr && p.bit_size == 0) {
    // Hot path: size the output once from the plan's estimate.
    const JsonPlan* plan = json_plan_for(*btf, p.type_id);
    if (plan != nullptr && plan->flat && p.len >= plan->size) {
      JsonOut o(out);
      run_json_plan(*plan, p.data, p.ctx->report, o);
      o.finish();
      return {};
    }
  }
  JsonOut o(out);
  value_json(v, o);
  o.finish();
  return {};
}

Status render_map_json(const Report& r, const MapInfo& m, std::string& out, const RenderOptions& opts) {
  if (!opts.pretty) {
    JsonOut o(out);
    map_json(r, m, o);
    o.finish();
    return {};
  }
  std::string compact;
  {
    JsonOut o(compact);
    map_json(r, m, o);
    o.finish();
  }
  pretty_json(compact, out);
  return {};
}

Status render_report_json(const Report& r, std::string& out, const RenderOptions& opts) {
  if (!opts.pretty) {
    JsonOut o(out);
    report_json(r, o);
    o.finish();
    return {};
  }
  std::string compact;
  {
    JsonOut o(compact);
    report_json(r, o);
    o.finish();
  }
  pretty_json(compact, out);
  return {};
}

}  // namespace v1
}  // namespace ktsnap
