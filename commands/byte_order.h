// Reading and writing multi-byte fields at fixed offsets. SCSI fields are
// big-endian (SPC-5, 3.5.x "Byte and bit ordering"); ATA words and NVMe data
// structures are little-endian. Callers check lengths before calling.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ptrescue::commands {

constexpr std::uint64_t get_be(std::span<const std::uint8_t> b, std::size_t offset,
                               std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | b[offset + i];
  return v;
}

constexpr std::uint64_t get_le(std::span<const std::uint8_t> b, std::size_t offset,
                               std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = bytes; i > 0; --i) v = (v << 8) | b[offset + i - 1];
  return v;
}

constexpr void put_be(std::span<std::uint8_t> b, std::size_t offset, std::size_t bytes,
                      std::uint64_t v) {
  for (std::size_t i = bytes; i > 0; --i) {
    b[offset + i - 1] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
}

constexpr void put_le(std::span<std::uint8_t> b, std::size_t offset, std::size_t bytes,
                      std::uint64_t v) {
  for (std::size_t i = 0; i < bytes; ++i) {
    b[offset + i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
}

namespace byte_order_selftest {
constexpr std::array<std::uint8_t, 4> kSample{0x12, 0x34, 0x56, 0x78};
static_assert(get_be(kSample, 0, 4) == 0x12345678);
static_assert(get_le(kSample, 0, 4) == 0x78563412);
static_assert(get_be(kSample, 1, 2) == 0x3456);
constexpr std::array<std::uint8_t, 4> round_trip() {
  std::array<std::uint8_t, 4> b{};
  put_be(b, 0, 2, 0xabcd);
  put_le(b, 2, 2, 0xabcd);
  return b;
}
static_assert(round_trip() == std::array<std::uint8_t, 4>{0xab, 0xcd, 0xcd, 0xab});
}  // namespace byte_order_selftest

}  // namespace ptrescue::commands
