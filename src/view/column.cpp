// Column extraction (see column.hpp). The common case (a conversion that
// cannot fail, no absent slots) runs a loop specialised for the load width
// and the conversion; everything else runs one general loop.
#include "view/column.hpp"

#include <algorithm>
#include <bit>

#include "view/query_internal.hpp"

namespace ktsnap {
inline namespace v1 {
namespace view {

using namespace query_detail;

namespace {

NumTarget target_of(ColumnType t) {
  return static_cast<NumTarget>(static_cast<uint32_t>(t));
}

template <typename T>
inline T from_bits(uint64_t b) {
  if constexpr (std::is_same_v<T, double>)
    return std::bit_cast<double>(b);
  else
    return static_cast<T>(b);
}

template <LoadOp Op>
inline uint64_t load_fixed(const uint8_t* base, const RawLoad& l) {
  RawLoad x = l;
  x.op = Op;
  return load_bits(base, x);
}

template <Conv C>
inline uint64_t convert_total(LoadOp op, uint64_t bits) {
  if constexpr (C == Conv::Same)
    return bits;
  else if constexpr (C == Conv::SignedToF64)
    return std::bit_cast<uint64_t>(static_cast<double>(static_cast<int64_t>(bits)));
  else if constexpr (C == Conv::UnsignedToF64)
    return std::bit_cast<uint64_t>(static_cast<double>(bits));
  else
    return std::bit_cast<uint64_t>(float_of(op, bits));
}

// Every entry present, a conversion that cannot fail.
template <typename T, LoadOp Op, Conv C>
void fast_loop(const MapInfo& m, uint32_t cpu, const RawLoad& l, bool value_side, T* out) {
  const uint32_t n = m.entry_count;
  if (value_side) {
    const uint8_t* base = value_base(m, 0, cpu);
    const uint64_t stride = m.entry_stride;
    for (uint32_t e = 0; e < n; e++) out[e] = from_bits<T>(convert_total<C>(Op, load_fixed<Op>(base + e * stride, l)));
  } else {
    const uint8_t* base = m.keys;
    const uint64_t stride = m.key_size;
    for (uint32_t e = 0; e < n; e++) out[e] = from_bits<T>(convert_total<C>(Op, load_fixed<Op>(base + e * stride, l)));
  }
}

template <typename T, Conv C>
void fast_dispatch(const MapInfo& m, uint32_t cpu, const RawLoad& l, bool value_side, T* out) {
  switch (l.op) {
    case LoadOp::U8:
      return fast_loop<T, LoadOp::U8, C>(m, cpu, l, value_side, out);
    case LoadOp::U16:
      return fast_loop<T, LoadOp::U16, C>(m, cpu, l, value_side, out);
    case LoadOp::U32:
      return fast_loop<T, LoadOp::U32, C>(m, cpu, l, value_side, out);
    case LoadOp::U64:
      return fast_loop<T, LoadOp::U64, C>(m, cpu, l, value_side, out);
    case LoadOp::S8:
      return fast_loop<T, LoadOp::S8, C>(m, cpu, l, value_side, out);
    case LoadOp::S16:
      return fast_loop<T, LoadOp::S16, C>(m, cpu, l, value_side, out);
    case LoadOp::S32:
      return fast_loop<T, LoadOp::S32, C>(m, cpu, l, value_side, out);
    case LoadOp::S64:
      return fast_loop<T, LoadOp::S64, C>(m, cpu, l, value_side, out);
    case LoadOp::BitsU:
      return fast_loop<T, LoadOp::BitsU, C>(m, cpu, l, value_side, out);
    case LoadOp::BitsS:
      return fast_loop<T, LoadOp::BitsS, C>(m, cpu, l, value_side, out);
    case LoadOp::Bool:
      return fast_loop<T, LoadOp::Bool, C>(m, cpu, l, value_side, out);
    case LoadOp::F32:
      return fast_loop<T, LoadOp::F32, C>(m, cpu, l, value_side, out);
    case LoadOp::F64:
      return fast_loop<T, LoadOp::F64, C>(m, cpu, l, value_side, out);
  }
}

template <typename T>
Result<ColumnResult> read(const MapInfo& m, const ResolvedPath& p, ColumnType type, std::span<T> out,
                          std::span<int32_t> status, uint32_t cpu) {
  const uint32_t n = m.entry_count;
  if (out.size() < n)
    return make_error(Code::Invalid, "output array of " + std::to_string(out.size()) +
                                         " elements is shorter than map '" + std::string(m.name) + "' (" +
                                         std::to_string(n) + " entries)");
  if (!status.empty() && status.size() < n)
    return make_error(Code::Invalid, "status array of " + std::to_string(status.size()) +
                                         " elements is shorter than map '" + std::string(m.name) + "' (" +
                                         std::to_string(n) + " entries)");
  if (m.percpu && cpu >= m.nr_cpus)
    return make_error(Code::Range, "cpu " + std::to_string(cpu) + " out of range for per-CPU map '" +
                                       std::string(m.name) + "' (" + std::to_string(m.nr_cpus) + " CPUs)");
  auto conv = conversion_for(p, target_of(type));
  if (!conv.ok()) return conv.take_error();
  const RawLoad l = make_load(p);
  Conv c = conv.value();
  // Unsigned values narrower than 64 bits never exceed INT64_MAX.
  if (c == Conv::AtMostI64Max && l.op != LoadOp::U64 && !(l.op == LoadOp::BitsU && l.bits == 64)) c = Conv::Same;
  const bool value_side = p.side == PathSide::Value;
  const bool check = value_side && m.percpu && m.percpu_absent != nullptr;
  ColumnResult res;
  if (n == 0) return res;

  const bool total = c != Conv::NonNegative && c != Conv::AtMostI64Max;
  if (total && !check) {
    switch (c) {
      case Conv::Same:
        fast_dispatch<T, Conv::Same>(m, cpu, l, value_side, out.data());
        break;
      case Conv::SignedToF64:
        fast_dispatch<T, Conv::SignedToF64>(m, cpu, l, value_side, out.data());
        break;
      case Conv::UnsignedToF64:
        fast_dispatch<T, Conv::UnsignedToF64>(m, cpu, l, value_side, out.data());
        break;
      default:
        fast_dispatch<T, Conv::FloatToF64>(m, cpu, l, value_side, out.data());
        break;
    }
    if (!status.empty()) std::fill(status.begin(), status.begin() + n, 0);
    return res;
  }
  for (uint32_t e = 0; e < n; e++) {
    Code code = Code::Ok;
    uint64_t r = 0;
    if (check && !m.slot_present(e, cpu)) {
      code = Code::NotFound;
    } else {
      const uint8_t* base = value_side ? value_base(m, e, cpu) : key_base(m, e);
      code = convert(c, l.op, load_bits(base, l), r);
    }
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

Result<Column> Column::compile(const MapInfo& map, std::string_view path) {
  auto p = resolve_path(map, path);
  if (!p.ok()) return p.take_error();
  Column c;
  c.map_ = &map;
  c.path_ = std::move(p.value());
  return c;
}

Result<Column> Column::from_path(const MapInfo& map, const ResolvedPath& path) {
  const uint64_t container = path.side == PathSide::Key ? map.key_size : map.value_size;
  if (uint64_t(path.offset) + path.size > container)
    return make_error(Code::Invalid, "'" + path.text + "' does not fit map '" + std::string(map.name) +
                                         "' (resolved for another map?)");
  Column c;
  c.map_ = &map;
  c.path_ = path;
  return c;
}

Result<ColumnResult> Column::read_u64(std::span<uint64_t> out, std::span<int32_t> status, uint32_t cpu) const {
  return read<uint64_t>(*map_, path_, ColumnType::U64, out, status, cpu);
}
Result<ColumnResult> Column::read_i64(std::span<int64_t> out, std::span<int32_t> status, uint32_t cpu) const {
  return read<int64_t>(*map_, path_, ColumnType::I64, out, status, cpu);
}
Result<ColumnResult> Column::read_f64(std::span<double> out, std::span<int32_t> status, uint32_t cpu) const {
  return read<double>(*map_, path_, ColumnType::F64, out, status, cpu);
}

Result<uint64_t> Column::one(uint32_t entry, uint32_t cpu, ColumnType t) const {
  const MapInfo& m = *map_;
  auto where = [&]() {
    std::string s = "map '" + std::string(m.name) + "' entry " + std::to_string(entry);
    if (m.percpu && path_.side == PathSide::Value) s += " cpu " + std::to_string(cpu);
    return s + ", '" + path_.text + "'";
  };
  if (entry >= m.entry_count)
    return make_error(Code::Range, "map '" + std::string(m.name) + "': entry " + std::to_string(entry) +
                                       " out of range (" + std::to_string(m.entry_count) + " entries)");
  if (m.percpu && cpu >= m.nr_cpus)
    return make_error(Code::Range, "cpu " + std::to_string(cpu) + " out of range for per-CPU map '" +
                                       std::string(m.name) + "' (" + std::to_string(m.nr_cpus) + " CPUs)");
  auto conv = conversion_for(path_, target_of(t));
  if (!conv.ok()) return conv.take_error();
  const bool value_side = path_.side == PathSide::Value;
  if (value_side && m.percpu && !m.slot_present(entry, cpu))
    return make_error(Code::NotFound, where() + ": the per-CPU slot was not captured (unreadable, not zero)");
  const RawLoad l = make_load(path_);
  const uint64_t bits = load_bits(value_side ? value_base(m, entry, cpu) : key_base(m, entry), l);
  uint64_t r = 0;
  Code c = convert(conv.value(), l.op, bits, r);
  if (c != Code::Ok) {
    std::string v = (l.op == LoadOp::S8 || l.op == LoadOp::S16 || l.op == LoadOp::S32 || l.op == LoadOp::S64 ||
                     l.op == LoadOp::BitsS)
                        ? std::to_string(static_cast<int64_t>(bits))
                        : std::to_string(bits);
    return make_error(c, where() + ": " + path_kind_name(path_.kind) + " value " + v + " is out of the " +
                             target_name(target_of(t)) + " range");
  }
  return r;
}

Result<uint64_t> Column::u64(uint32_t entry, uint32_t cpu) const {
  return one(entry, cpu, ColumnType::U64);
}
Result<int64_t> Column::i64(uint32_t entry, uint32_t cpu) const {
  auto r = one(entry, cpu, ColumnType::I64);
  if (!r.ok()) return r.take_error();
  return static_cast<int64_t>(r.value());
}
Result<double> Column::f64(uint32_t entry, uint32_t cpu) const {
  auto r = one(entry, cpu, ColumnType::F64);
  if (!r.ok()) return r.take_error();
  return std::bit_cast<double>(r.value());
}

}  // namespace view
}  // namespace v1
}  // namespace ktsnap
