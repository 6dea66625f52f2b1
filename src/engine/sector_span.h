// SPDX-License-Identifier: GPL-3.0-or-later
// The whole logical sectors a byte extent of the source lies in, and how many
// of the extent's bytes a read of them delivered: one read's arithmetic, for
// the engine and for --command-mode alike.
#pragma once

#include <algorithm>
#include <cstdint>

#include "src/mapfile/mapfile.h"
#include "transport/device.h"

namespace ptrescue {

struct SectorSpan {
  Lba first = 0;
  std::uint32_t count = 0;
  std::int64_t offset = 0;  ///< bytes from the first sector's start to the extent's

  static SectorSpan of(const Extent& e, std::int64_t sector_bytes) {
    const Lba first = static_cast<Lba>(e.pos / sector_bytes);
    const Lba last = static_cast<Lba>((e.end() + sector_bytes - 1) / sector_bytes);
    return {first, static_cast<std::uint32_t>(last - first), e.pos - static_cast<std::int64_t>(first) * sector_bytes};
  }
  Lba end() const { return first + count; }
  /// The extent's bytes among the first `good_sectors` of the span (0 to e.size).
  std::int64_t delivered(const Extent& e, std::uint32_t good_sectors, std::int64_t sector_bytes) const {
    const std::int64_t bytes = static_cast<std::int64_t>(std::min(good_sectors, count)) * sector_bytes - offset;
    return std::clamp<std::int64_t>(bytes, 0, e.size);
  }
};

}  // namespace ptrescue
