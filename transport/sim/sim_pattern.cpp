// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/sim/sim_pattern.h"

#include <array>
#include <cstring>

#include <scsi/sg_unaligned.h>

#include "transport/sim/splitmix.h"

namespace ptrescue {
namespace {

using splitmix::kGamma;
using splitmix::mix;

std::uint64_t sector_base(std::uint64_t seed, Lba lba) { return mix(lba ^ mix(seed)); }

// Word `i` of a sector as its 8 little-endian bytes.
std::array<std::uint8_t, 8> word_bytes(std::uint64_t base, std::size_t i) {
  std::array<std::uint8_t, 8> bytes;
  sg_put_unaligned_le64(mix(base + i * kGamma), bytes.data());
  return bytes;
}

}  // namespace

void fill_sector_pattern(std::uint64_t seed, Lba lba, std::span<std::byte> sector) {
  const std::uint64_t base = sector_base(seed, lba);
  const std::size_t words = sector.size() / 8;
  std::byte* p = sector.data();
  for (std::size_t i = 0; i < words; ++i) sg_put_unaligned_le64(mix(base + i * kGamma), p + i * 8);
  if (const std::size_t tail = sector.size() % 8; tail != 0)
    std::memcpy(p + words * 8, word_bytes(base, words).data(), tail);
}

void fill_sectors_pattern(std::uint64_t seed, Lba first_lba, std::uint32_t sector_size,
                          std::span<std::byte> out) {
  if (sector_size == 0) return;
  const std::size_t n = out.size() / sector_size;
  for (std::size_t i = 0; i < n; ++i)
    fill_sector_pattern(seed, first_lba + i, out.subspan(i * sector_size, sector_size));
}

std::optional<Lba> first_pattern_mismatch(std::uint64_t seed, Lba first_lba,
                                          std::uint32_t sector_size,
                                          std::span<const std::byte> data) {
  if (sector_size == 0) return std::nullopt;
  // Compare word by word against the generator: checking an image of any size
  // needs no scratch memory.
  const std::size_t n = data.size() / sector_size;
  const std::size_t words = sector_size / 8;
  const std::size_t tail = sector_size % 8;
  for (std::size_t s = 0; s < n; ++s) {
    const Lba lba = first_lba + s;
    const std::byte* p = data.data() + s * sector_size;
    const std::uint64_t base = sector_base(seed, lba);
    for (std::size_t i = 0; i < words; ++i)
      if (sg_get_unaligned_le64(p + i * 8) != mix(base + i * kGamma)) return lba;
    if (tail != 0 && std::memcmp(word_bytes(base, words).data(), p + words * 8, tail) != 0) return lba;
  }
  // A trailing partial sector cannot be a whole sector of the pattern.
  if (data.size() % sector_size != 0) return first_lba + n;
  return std::nullopt;
}

}  // namespace ptrescue
