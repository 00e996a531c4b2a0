// Per-CPU aggregates (see aggregate.hpp).
#include "view/aggregate.hpp"

#include <bit>
#include <cmath>
#include <limits>

#include "view/query_internal.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

using namespace query_detail;

namespace {

const char* op_name(AggOp op, NumTarget t) {
  static const char* const names[3][3] = {{"cpu_sum_u64", "cpu_sum_i64", "cpu_sum_f64"},
                                          {"cpu_max_u64", "cpu_max_i64", "cpu_max_f64"},
                                          {"cpu_min_u64", "cpu_min_i64", "cpu_min_f64"}};
  unsigned o = static_cast<unsigned>(op), k = static_cast<unsigned>(t);
  return (o < 3 && k < 3) ? names[o][k] : "cpu_aggregate";
}

// Combines converted slot values of one entry in the target's domain.
struct Acc {
  NumTarget t;
  AggOp op;
  bool any = false;
  uint64_t u = 0;
  int64_t i = 0;
  double d = 0;

  void add(uint64_t bits) {
    switch (t) {
      case NumTarget::U64: {
        if (!any) {
          u = bits;
          break;
        }
        if (op == AggOp::Sum)
          u = (u + bits < u) ? UINT64_MAX : u + bits;
        else if (op == AggOp::Max)
          u = std::max(u, bits);
        else
          u = std::min(u, bits);
        break;
      }
      case NumTarget::I64: {
        int64_t x = static_cast<int64_t>(bits);
        if (!any) {
          i = x;
          break;
        }
        if (op == AggOp::Sum) {
          int64_t r;
          if (__builtin_add_overflow(i, x, &r)) r = x > 0 ? INT64_MAX : INT64_MIN;
          i = r;
        } else if (op == AggOp::Max) {
          i = std::max(i, x);
        } else {
          i = std::min(i, x);
        }
        break;
      }
      case NumTarget::F64: {
        double x = std::bit_cast<double>(bits);
        if (!any) {
          d = x;
          break;
        }
        if (op == AggOp::Sum)
          d += x;
        else if (std::isnan(d))
          d = x;
        else if (std::isnan(x))
          break;
        else
          d = op == AggOp::Max ? std::max(d, x) : std::min(d, x);
        break;
      }
    }
    any = true;
  }
  uint64_t bits() const {
    switch (t) {
      case NumTarget::U64:
        return u;
      case NumTarget::I64:
        return static_cast<uint64_t>(i);
      case NumTarget::F64:
        return std::bit_cast<uint64_t>(d);
    }
    return 0;
  }
};

// One entry; on failure returns the code and, when msg is set, a message.
Code aggregate_entry(const MapInfo& m, const ResolvedPath& p, const RawLoad& l, Conv c, NumTarget t, AggOp op,
                     uint32_t e, uint64_t& out, std::string* msg) {
  Acc acc{t, op};
  const bool check = m.percpu_absent != nullptr;
  for (uint32_t cpu = 0; cpu < m.nr_cpus; cpu++) {
    if (check && !m.slot_present(e, cpu)) continue;
    uint64_t bits = load_bits(value_base(m, e, cpu), l), r = 0;
    Code code = convert(c, l.op, bits, r);
    if (code != Code::Ok) {
      if (msg) {
        bool sgn = l.op == LoadOp::S8 || l.op == LoadOp::S16 || l.op == LoadOp::S32 || l.op == LoadOp::S64 ||
                   l.op == LoadOp::BitsS;
        *msg = std::string(op_name(op, t)) + " of '" + p.text + "' in map '" + std::string(m.name) + "' entry " +
               std::to_string(e) + ": cpu " + std::to_string(cpu) + " holds " +
               (sgn ? std::to_string(static_cast<int64_t>(bits)) : std::to_string(bits)) + ", out of the " +
               target_name(t) + " range";
      }
      return code;
    }
    acc.add(r);
  }
  if (!acc.any) {
    if (msg)
      *msg = std::string(op_name(op, t)) + " of '" + p.text + "' in map '" + std::string(m.name) + "' entry " +
             std::to_string(e) + ": no contributing per-CPU slot (all " + std::to_string(m.nr_cpus) +
             " absent); an absent slot is unreadable, not zero";
    return Code::NotFound;
  }
  out = acc.bits();
  return Code::Ok;
}

template <typename T>
inline T from_bits(uint64_t b) {
  if constexpr (std::is_same_v<T, double>)
    return std::bit_cast<double>(b);
  else
    return static_cast<T>(b);
}

Status check_op(AggOp op) {
  if (static_cast<uint32_t>(op) > static_cast<uint32_t>(AggOp::Min))
    return make_error(Code::Invalid, "unknown aggregate operation " + std::to_string(static_cast<uint32_t>(op)));
  return {};
}

Result<uint64_t> one(const MapInfo& m, const ResolvedPath& p, NumTarget t, AggOp op, uint32_t e) {
  if (Status st = check_op(op); !st.ok()) return st.take_error();
  if (e >= m.entry_count)
    return make_error(Code::Range, "map '" + std::string(m.name) + "': entry " + std::to_string(e) + " out of range (" +
                                       std::to_string(m.entry_count) + " entries)");
  auto c = conversion_for(p, t);
  if (!c.ok()) return c.take_error();
  uint64_t out = 0;
  std::string msg;
  Code code = aggregate_entry(m, p, make_load(p), c.value(), t, op, e, out, &msg);
  if (code != Code::Ok) return make_error(code, msg);
  return out;
}

template <typename T>
Result<ColumnResult> all(const MapInfo& m, const ResolvedPath& p, NumTarget t, AggOp op, std::span<T> out,
                         std::span<int32_t> status) {
  if (Status st = check_op(op); !st.ok()) return st.take_error();
  const uint32_t n = m.entry_count;
  if (out.size() < n || (!status.empty() && status.size() < n))
    return make_error(Code::Invalid, "output arrays (" + std::to_string(out.size()) + " values, " +
                                         std::to_string(status.size()) + " statuses) are shorter than map '" +
                                         std::string(m.name) + "' (" + std::to_string(n) + " entries)");
  auto c = conversion_for(p, t);
  if (!c.ok()) return c.take_error();
  const RawLoad l = make_load(p);
  ColumnResult res;
  for (uint32_t e = 0; e < n; e++) {
    uint64_t r = 0;
    Code code = aggregate_entry(m, p, l, c.value(), t, op, e, r, nullptr);
    if (code != Code::Ok) {
      r = 0;
      res.note_failure(e, code);
    }
    out[e] = from_bits<T>(r);
    if (!status.empty()) status[e] = static_cast<int32_t>(code);
  }
  return res;
}

}  // namespace

Result<CpuAggregate> CpuAggregate::compile(const MapInfo& map, std::string_view path) {
  auto p = resolve_path(map, path);
  if (!p.ok()) return p.take_error();
  return from_path(map, p.value());
}

Result<CpuAggregate> CpuAggregate::from_path(const MapInfo& map, const ResolvedPath& path) {
  if (!map.percpu)
    return make_error(Code::Type, "map '" + std::string(map.name) + "' (" + map_type_name(map.map_type) +
                                      ") is not per-CPU; aggregates combine per-CPU slots");
  if (path.side != PathSide::Value)
    return make_error(Code::Type, "'" + path.text + "' is on the key side; aggregates combine per-CPU values");
  if (uint64_t(path.offset) + path.size > map.value_size)
    return make_error(Code::Invalid, "'" + path.text + "' does not fit map '" + std::string(map.name) +
                                         "' (resolved for another map?)");
  CpuAggregate a;
  a.map_ = &map;
  a.path_ = path;
  return a;
}

Result<uint64_t> CpuAggregate::u64(AggOp op, uint32_t entry) const {
  return one(*map_, path_, NumTarget::U64, op, entry);
}
Result<int64_t> CpuAggregate::i64(AggOp op, uint32_t entry) const {
  auto r = one(*map_, path_, NumTarget::I64, op, entry);
  if (!r.ok()) return r.take_error();
  return static_cast<int64_t>(r.value());
}
Result<double> CpuAggregate::f64(AggOp op, uint32_t entry) const {
  auto r = one(*map_, path_, NumTarget::F64, op, entry);
  if (!r.ok()) return r.take_error();
  return std::bit_cast<double>(r.value());
}

Result<ColumnResult> CpuAggregate::all_u64(AggOp op, std::span<uint64_t> out, std::span<int32_t> status) const {
  return all<uint64_t>(*map_, path_, NumTarget::U64, op, out, status);
}
Result<ColumnResult> CpuAggregate::all_i64(AggOp op, std::span<int64_t> out, std::span<int32_t> status) const {
  return all<int64_t>(*map_, path_, NumTarget::I64, op, out, status);
}
Result<ColumnResult> CpuAggregate::all_f64(AggOp op, std::span<double> out, std::span<int32_t> status) const {
  return all<double>(*map_, path_, NumTarget::F64, op, out, status);
}

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
