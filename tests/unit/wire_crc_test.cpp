// CRC-32/IEEE of the capture wire: the standard check values, and
// agreement with zlib's crc32 on random data of every length up to 300
// and at every alignment, in one piece and continued across splits.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "wire/crc32.hpp"

namespace {

using ktsnap::wire::crc32;

uint32_t zcrc(const uint8_t* p, size_t n) {
  return uint32_t(::crc32(::crc32(0L, Z_NULL, 0), p, static_cast<uInt>(n)));
}

TEST(WireCrc, CheckValues) {
  EXPECT_EQ(crc32("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(crc32("", 0), 0u);
  EXPECT_EQ(crc32(nullptr, 0), 0u);
  EXPECT_EQ(crc32("a", 1), 0xE8B7BE43u);
  const std::string fox = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(crc32(fox.data(), fox.size()), 0x414FA339u);
}

TEST(WireCrc, MatchesZlibOnRandomData) {
  std::mt19937 rng(12345);
  std::vector<uint8_t> buf(4096 + 16);
  for (auto& b : buf) b = uint8_t(rng());
  for (size_t off = 0; off < 8; ++off)
    for (size_t n = 0; n <= 300; ++n) ASSERT_EQ(crc32(buf.data() + off, n), zcrc(buf.data() + off, n)) << off << " " << n;
  EXPECT_EQ(crc32(buf.data(), 4096), zcrc(buf.data(), 4096));
  // Large buffer.
  std::vector<uint8_t> big(1 << 20);
  for (auto& b : big) b = uint8_t(rng());
  EXPECT_EQ(crc32(big), zcrc(big.data(), big.size()));
}

// The folding path (64 bytes and more, where the CPU has it) and the
// tables agree with each other and with zlib at every length around the
// 16- and 64-byte steps, from every alignment, and for all-zero and
// all-ones data (where a wrong constant still shows).
TEST(WireCrc, FoldingAgreesWithTables) {
  std::mt19937 rng(99);
  std::vector<uint8_t> buf(1200 + 16);
  for (auto& b : buf) b = uint8_t(rng());
  for (size_t off = 0; off < 16; off += 3)
    for (size_t n = 0; n <= 1200; ++n) {
      const uint32_t want = zcrc(buf.data() + off, n);
      ASSERT_EQ(crc32(buf.data() + off, n), want) << off << " " << n;
      ASSERT_EQ(ktsnap::wire::crc32_portable(buf.data() + off, n), want) << off << " " << n;
    }
  for (uint8_t fill : {uint8_t(0), uint8_t(0xFF)}) {
    std::vector<uint8_t> v(4099, fill);
    for (size_t n : {64u, 65u, 127u, 128u, 4099u}) ASSERT_EQ(crc32(v.data(), n), zcrc(v.data(), n)) << int(fill) << " " << n;
  }
  // A running CRC handed in from before (the initial register is not ~0).
  ASSERT_EQ(crc32(buf.data() + 100, 1000, crc32(buf.data(), 100)), zcrc(buf.data(), 1100));
}

TEST(WireCrc, ContinuesAcrossSplits) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(257);
  for (auto& b : buf) b = uint8_t(rng());
  const uint32_t whole = crc32(buf);
  for (size_t cut = 0; cut <= buf.size(); ++cut)
    ASSERT_EQ(crc32(buf.data() + cut, buf.size() - cut, crc32(buf.data(), cut)), whole) << cut;
}

}  // namespace
