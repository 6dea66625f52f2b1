// SPDX-License-Identifier: GPL-3.0-or-later
// The simulated drive's data: every sector's bytes are a deterministic function
// of (seed, LBA), so a test can check every byte of a rescued image without
// keeping a copy of the source, and data written to the wrong place is caught
// (no two sectors of a drive are equal: the first 8 bytes alone differ).
//
// Layout: the sector is a run of 64-bit little-endian words; word i of sector
// `lba` is mix(base(seed, lba) + i * 0x9E3779B97F4A7C15), where mix is the
// splitmix64 finalizer and base(seed, lba) = mix(lba ^ mix(seed)). Both steps
// are bijections, so word 0 differs between any two LBAs of one seed. A tail
// shorter than 8 bytes takes the low bytes of the next word.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "transport/device.h"

namespace ptrescue {

/// Fills one sector (any size; normally 512 or 4096 bytes) with its pattern.
void fill_sector_pattern(std::uint64_t seed, Lba lba, std::span<std::byte> sector);

/// Fills out.size() / sector_size consecutive sectors starting at first_lba.
/// out.size() must be a multiple of sector_size.
void fill_sectors_pattern(std::uint64_t seed, Lba first_lba, std::uint32_t sector_size,
                          std::span<std::byte> out);

/// The LBA of the first sector of `data` (consecutive sectors from first_lba)
/// whose bytes differ from the pattern, or nullopt when all match.
std::optional<Lba> first_pattern_mismatch(std::uint64_t seed, Lba first_lba,
                                          std::uint32_t sector_size,
                                          std::span<const std::byte> data);

}  // namespace ptrescue
