// SPDX-License-Identifier: GPL-3.0-or-later
// splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", 2014): the simulator's one source of randomness, for the data
// pattern and for the placement of its defects. Deterministic from a seed,
// so a profile describes the same drive on every run.
#pragma once

#include <cstdint>

namespace ptrescue::splitmix {

/// The increment between successive states (2^64 / golden ratio).
inline constexpr std::uint64_t kGamma = 0x9E3779B97F4A7C15ULL;

/// The output function: a cheap bijection with good avalanche.
constexpr std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace ptrescue::splitmix
