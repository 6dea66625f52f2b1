// SPDX-License-Identifier: GPL-3.0-or-later
// Fill mode (like GNU ddrescue's -F): writes a recognisable text into every
// sector of the image that the mapfile marks with one of the chosen statuses,
// so that carving tools and examiners see "BAD SECTOR at LBA 123 (bad-sector)"
// instead of zeros that look like data. Rescued ('+') bytes are never
// written. The fill of a sector depends only on its LBA, its status and the
// text, so running a fill again writes the same bytes: it is idempotent, and
// an interrupted fill is completed by running it again. The mapfile is only read.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

class ProgressLine;

/// A subset of "?*/-" (e.g. "-" or "-*/?"). '+' and anything else: UsageError.
std::vector<BlockStatus> parse_fill_types(std::string_view text);

inline constexpr std::string_view kDefaultFillText = "BAD SECTOR";

/// Writes sector `lba`'s fill into `sector`: the line
/// "<text> at LBA <lba> (<status name>)\n" repeated, cut off at the end.
void fill_sector_text(std::span<std::byte> sector, std::string_view text, std::uint64_t lba,
                      BlockStatus status);

struct FillOptions {
  std::vector<BlockStatus> types{BlockStatus::kBadSector};
  std::uint32_t sector_size = 512;  ///< LBAs in the text are source byte / sector_size
  std::int64_t output_offset = 0;   ///< image byte = source byte + output_offset
  std::string text{kDefaultFillText};
  bool allow_block_device = false;  ///< the image may be a block device (-f)
};

struct FillSummary {
  std::int64_t bytes = 0;    ///< bytes of the chosen statuses (all now hold the fill)
  std::int64_t changed = 0;  ///< of those, bytes that did not hold it yet (written)
  std::int64_t areas = 0;    ///< map blocks filled
};

/// Bytes of the map whose status is in `types` (what fill_image writes).
std::int64_t bytes_to_fill(const MapFile& map, const std::vector<BlockStatus>& types);

/// Fills the image at `image_path` (which must exist) and syncs it. Bytes
/// that already hold their fill are not written again. Throws
/// std::runtime_error naming the path and the reason.
FillSummary fill_image(const std::string& image_path, const MapFile& map, const FillOptions& options,
                       ProgressLine* progress);

}  // namespace ptrescue
