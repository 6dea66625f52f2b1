// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/block_size.h"

#include <bit>

#include <fmt/format.h>

namespace ptrescue::commands {

std::optional<std::string> block_size_problem(std::uint64_t logical_bytes, std::uint64_t physical_bytes) {
  if (!std::has_single_bit(logical_bytes) || logical_bytes < kMinLogicalBlockBytes ||
      logical_bytes > kMaxLogicalBlockBytes)
    return fmt::format("logical block size {} bytes: not a power of two from {} to {}", logical_bytes,
                       kMinLogicalBlockBytes, kMaxLogicalBlockBytes);
  if (physical_bytes < logical_bytes)
    return fmt::format("physical block size {} bytes is smaller than the logical block size {} bytes",
                       physical_bytes, logical_bytes);
  if (!std::has_single_bit(physical_bytes))
    return fmt::format("physical block size {} bytes: not a power of two", physical_bytes);
  return std::nullopt;
}

}  // namespace ptrescue::commands
