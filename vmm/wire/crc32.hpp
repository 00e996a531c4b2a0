// CRC-32/IEEE as the capture wire uses it (docs/WIRE.md): reflected
// polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF - the same
// function as zlib's crc32() and Rust's crc32fast. Check values:
// crc32("123456789") = 0xCBF43926, crc32("") = 0, crc32("a") = 0xE8B7BE43.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ktsnap::wire {

// CRC of `n` bytes at `data`, continuing from `crc` (the CRC of the bytes
// before them, 0 for none): crc32(b, crc32(a)) == crc32(a followed by b),
// like zlib. Carry-less multiply folding where the CPU has PCLMULQDQ and
// SSE4.1 (x86-64, detected at run time), slice-by-8 tables otherwise and
// for short inputs; `data` may be null when `n` is 0.
uint32_t crc32(const void* data, size_t n, uint32_t crc = 0) noexcept;
// The same function through the tables only (tests compare the two).
uint32_t crc32_portable(const void* data, size_t n, uint32_t crc = 0) noexcept;

inline uint32_t crc32(std::span<const uint8_t> bytes, uint32_t crc = 0) noexcept {
  return crc32(bytes.data(), bytes.size(), crc);
}

}  // namespace ktsnap::wire
