// Pointer dereference for the renderers (spec/report.md §2.5, reduced):
// a kernel pointer is followed only when its pointee is a struct named
// `cpumask` or `bpf_cpumask`, and the bytes come from the report's
// captured regions, never from live memory. No arena chase, no cast
// analysis. Because the only chase target is a leaf (a cpu list), a chase
// path never holds more than one address, so the path-scoped visited set
// of §2.5.1 can never report a cycle here.
#pragma once

#include <cstdint>
#include <string>

#include "btf/btf.hpp"
#include "report/report.hpp"
#include "value/render_util.hpp"

namespace ktsnap {
inline namespace v1 {
namespace render {

enum class PtrMode : uint8_t {
  Bare,      // never chased
  ZeroSize,  // pointee has BTF size 0: a non-null pointer gets a skip reason
  Cpumask,   // pointee is struct cpumask / bpf_cpumask
};

// How a pointer whose BTF target is `target_type` (unpeeled) is chased.
inline PtrMode ptr_mode(const Btf& btf, uint32_t target_type) {
  auto r = btf.peel_resolving_fwd(target_type);
  if (!r.ok()) return PtrMode::Bare;
  auto sz = btf.size(r.value());
  if (!sz) return PtrMode::Bare;
  if (*sz == 0) return PtrMode::ZeroSize;
  if (btf.kind(r.value()) != BtfKind::Struct) return PtrMode::Bare;
  std::string_view n = btf.name(r.value());
  return (n == "cpumask" || n == "bpf_cpumask") ? PtrMode::Cpumask : PtrMode::Bare;
}

struct ChaseOutcome {
  bool has_deref = false;   // text = cpu list
  bool has_reason = false;  // text = deref_skipped_reason
  std::string text;
};

// Gate of §2.5.1 (null, no reader) and the cpumask read of §2.5.2.
inline void chase_pointer(const Report* report, PtrMode mode, uint64_t addr, ChaseOutcome& out) {
  if (mode == PtrMode::Bare || addr == 0 || report == nullptr) return;
  if (mode == PtrMode::ZeroSize) {
    out.has_reason = true;
    out.text = "pointee BTF size is 0 (incomplete type)";
    return;
  }
  const RegionInfo* reg = report->find_region(addr);
  if (reg == nullptr || addr < reg->address || addr - reg->address >= reg->size) {
    out.has_reason = true;
    out.text = "cpumask kptr at 0x";
    append_hex(out.text, addr);
    out.text += " not readable: no captured region holds it";
    return;
  }
  uint64_t off = addr - reg->address;
  uint64_t n = reg->size - off;
  if (n > kCpumaskReadCapBytes) n = kCpumaskReadCapBytes;
  const uint8_t* p = reg->data + off;
  if (n < 8) {
    out.has_reason = true;
    out.text = "cpumask kptr read returned ";
    append_u64(out.text, n);
    out.text += " bytes; need at least 8";
    return;
  }
  uint64_t w0 = load_le(p, 8);
  if (w0 != ~0ull && (w0 >> 56) == 0xff) {
    out.has_reason = true;
    out.text = "cpumask kptr rejected by the plausibility check: first word has top byte 0xff at 0x";
    append_hex(out.text, addr);
    out.text += " (likely a freed slab object)";
    return;
  }
  out.has_deref = true;
  decode_cpumask(p, n, UINT32_MAX, out.text);
}

}  // namespace render
}  // namespace v1
}  // namespace ktsnap
