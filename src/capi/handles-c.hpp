// The structs behind the C ABI's opaque handles, and the packing of a
// ktsnap::Value into the by-value ktsnap_value cursor. Shared by the
// *-c.cpp files of src/capi; nothing here is exported.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ktsnap.h"
#include "report/builder.hpp"
#include "report/report.hpp"
#include "value/value.hpp"

// A map inside a report. The strings are NUL-terminated copies made once
// when the report is wrapped, so getters hand out stable C strings.
struct ktsnap_map {
  const ktsnap::MapInfo* info = nullptr;
  const ktsnap_report* owner = nullptr;
  std::string name;
  std::string error;
  std::string type_name;
  std::string key_type_name;
  std::string value_type_name;
};

// An open report plus the C views of it. Built once, then read-only, so a
// const handle may be shared by threads.
struct ktsnap_report {
  std::unique_ptr<ktsnap::Report> report;
  std::vector<ktsnap_map> maps;  // never resized after wrap(): addresses are stable
  std::string tag;
  std::string placeholder_reason;
  std::string stats_json;
  std::vector<std::string> scheduler_names;
  std::vector<std::string> excluded_names;
  std::vector<std::string> excluded_reasons;
  bool from_ring = false;  // handed out by a ring consumer
  uint64_t ring_seq = 0;   // its record's sequence number
};

struct ktsnap_builder {
  ktsnap::ReportBuilder builder;
  bool finished = false;
};

namespace ktsnap::capi {

// Wraps an opened Report into a new handle (may throw bad_alloc; call it
// inside the guard).
ktsnap_report* wrap_report(std::unique_ptr<Report> r);

// Opens a report buffer the library just produced (builder, capture) as a
// new handle that owns the bytes (no copy). `what` names the producer in
// the error: such a buffer failing to open is a bug of ours (INTERNAL).
ktsnap_status wrap_built(const ReportBuffer& bytes, const char* what, ktsnap_report** out);

// ---- the by-value cursor -------------------------------------------------

// _bits layout: bits 0-7 bit offset, 8-15 bit size, 16 raw-bytes flag,
// 24-31 a tag that catches values not produced by the library.
inline constexpr uint32_t kValueTag = 0x6bu << 24;
inline constexpr uint32_t kValueTagMask = 0xffu << 24;
inline constexpr uint32_t kValueBytesFlag = 1u << 16;
inline constexpr uint32_t kValueKnownBits = 0xffffu | kValueBytesFlag;

inline ktsnap_value pack(const Value& v) noexcept {
  ktsnap_value out{};
  if (!v.valid()) return out;
  ValueParts p = v.parts();
  out._ctx = p.ctx;
  out._data = p.data;
  out._len = p.len;
  out._type = p.type_id;
  out._bits = kValueTag | uint32_t(p.bit_off) | (uint32_t(p.bit_size) << 8) | (p.is_bytes ? kValueBytesFlag : 0u);
  return out;
}

// True when `in` looks like a value the library produced (non-empty, tag
// intact); fills `v`.
inline bool unpack(const ktsnap_value* in, Value& v) noexcept {
  if (in == nullptr || in->_ctx == nullptr) return false;
  if ((in->_bits & kValueTagMask) != kValueTag || (in->_bits & ~(kValueTagMask | kValueKnownBits)) != 0) return false;
  ValueParts p;
  p.ctx = static_cast<const ValueContext*>(in->_ctx);
  p.data = static_cast<const uint8_t*>(in->_data);
  p.len = in->_len;
  p.type_id = in->_type;
  p.bit_off = static_cast<uint8_t>(in->_bits & 0xffu);
  p.bit_size = static_cast<uint8_t>((in->_bits >> 8) & 0xffu);
  p.is_bytes = (in->_bits & kValueBytesFlag) != 0;
  // Typed values always carry a BTF; only raw bytes may come without one.
  if (!p.is_bytes && p.ctx->btf == nullptr) return false;
  v = Value::from_parts(p);
  return true;
}

// KTSNAP_E_INVALID naming the function for a NULL, empty or foreign value.
ktsnap_status bad_value(const char* fn, const ktsnap_value* in) noexcept;

}  // namespace ktsnap::capi
