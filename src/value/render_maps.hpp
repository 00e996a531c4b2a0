// What the renderers need to know about a map (spec/report.md §2.8, §3.2,
// §4): which output field its entries go to, and whether its keys and
// values render through BTF or as hex.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "report/report.hpp"
#include "value/render_util.hpp"

namespace ktsnap {
inline namespace v1 {
namespace render {

enum class MapShape {
  Single,        // "value": 1-entry ARRAY (globals), STRUCT_OPS
  Array,         // "array_entries": multi-entry ARRAY
  Hash,          // "entries": HASH, LRU_HASH
  LocalStorage,  // "entries" with owner-pointer keys: SK/INODE/TASK/CGRP storage
  PercpuArray,   // "percpu_entries"
  PercpuHash,    // "percpu_hash_entries": PERCPU_HASH, LRU_PERCPU_HASH
  None,          // everything else: header and error only
};

inline MapShape map_shape(const MapInfo& m) {
  switch (m.map_type) {
    case 2:
      return m.max_entries <= 1 ? MapShape::Single : MapShape::Array;
    case 26:
      return MapShape::Single;
    case 1:
    case 9:
      return MapShape::Hash;
    case 24:
    case 28:
    case 29:
    case 32:
      return MapShape::LocalStorage;
    case 6:
      return MapShape::PercpuArray;
    case 5:
    case 10:
      return MapShape::PercpuHash;
    default:
      return MapShape::None;
  }
}

// How one side (key or value) of a map's entries renders.
struct MapSide {
  const Btf* btf = nullptr;  // nullptr: hex
  uint32_t type_id = 0;
  uint64_t skip = 0;  // bytes before the typed part (STRUCT_OPS wrapper header)
  bool typed() const { return btf != nullptr && type_id != 0; }
};

inline const Btf* map_btf(const MapInfo& m) {
  if (m.btf_index < 0 || (m.flags & kMapBtfMissing) || m.ctx == nullptr) return nullptr;
  return m.ctx->btf;
}

inline MapSide map_key_side(const MapInfo& m) {
  MapSide s;
  s.btf = map_btf(m);
  s.type_id = m.key_type_id;
  if (s.btf && !s.btf->valid_id(s.type_id)) s.type_id = 0;
  return s;
}

inline MapSide map_value_side(const MapInfo& m) {
  MapSide s;
  s.btf = map_btf(m);
  if (s.btf == nullptr) return s;
  s.type_id = m.value_type_id;
  if (s.type_id == 0 && m.map_type == 26 && m.vmlinux_value_type_id != 0) {
    // STRUCT_OPS without a program value type: the kernel wrapper
    // bpf_struct_ops_<name> holds the value in its member `data`.
    auto pw = s.btf->peel(m.vmlinux_value_type_id);
    if (pw.ok()) {
      if (auto d = s.btf->find_member(pw.value(), "data"); d && d->bit_offset % 8 == 0) {
        auto pd = s.btf->peel(d->type_id);
        if (pd.ok()) {
          s.type_id = pd.value();
          s.skip = d->bit_offset / 8;
        }
      }
    }
  }
  if (!s.btf->valid_id(s.type_id)) s.type_id = 0;
  return s;
}

// String-literal sections carry no BTF: show their bytes as text.
inline bool is_rodata_str(std::string_view name) {
  return name.ends_with(".rodata.str1.1");
}

// Printable ASCII passes through, every other byte is \xHH.
inline void append_ascii_dump(std::string& out, const uint8_t* p, uint64_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (uint64_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c >= 0x20 && c <= 0x7e) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

// Index of an ARRAY / PERCPU_ARRAY entry: its u32 key when stored.
inline uint32_t array_key(const MapInfo& m, uint32_t entry) {
  if (m.keys != nullptr && m.key_size >= 4) return static_cast<uint32_t>(load_le(m.key_ptr(entry), 4));
  return entry;
}

}  // namespace render
}  // namespace v1
}  // namespace ktsnap
