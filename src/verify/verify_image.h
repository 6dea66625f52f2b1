// SPDX-License-Identifier: GPL-3.0-or-later
// Re-reads the source and compares it with the image, byte for byte: the
// whole source, or only the areas a mapfile marks rescued ('+'). Sectors the
// source cannot read now are counted apart (they prove nothing either way).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/mapfile/mapfile.h"
#include "transport/device.h"

namespace ptrescue {

class ProgressLine;

struct VerifyResult {
  std::uint32_t sector_size = 512;
  std::int64_t compared_bytes = 0;     ///< read from both and compared
  std::int64_t differing_bytes = 0;
  std::int64_t differing_sectors = 0;  ///< sectors with at least one differing byte
  std::int64_t missing_bytes = 0;      ///< compared bytes past the image's end (counted as differing)
  std::int64_t unreadable_bytes = 0;   ///< the source failed to read them now: not compared
  std::int64_t skipped_bytes = 0;      ///< not rescued in the mapfile: not compared
  std::optional<std::int64_t> first_difference;  ///< source byte of the first differing byte
  std::vector<Extent> differing_areas;   ///< whole sectors, merged, in order (first 100)
  std::vector<Extent> unreadable_areas;  ///< likewise
  bool source_gone = false;            ///< stopped: the source vanished
  bool interrupted = false;            ///< stopped by `stop`

  bool identical() const { return differing_bytes == 0 && unreadable_bytes == 0 && !source_gone && !interrupted; }
};

/// Compares `source` with the image file at `image_path` (image byte = source
/// byte). With `map`, only its '+' blocks. Throws std::runtime_error if the
/// image cannot be opened or read.
VerifyResult verify_image(Device& source, const std::string& image_path, const MapFile* map,
                          Millis timeout, ProgressLine* progress, const std::atomic<bool>* stop);

/// Bytes verify_image will compare (for a progress total).
std::int64_t bytes_to_verify(std::int64_t source_size, const MapFile* map);

}  // namespace ptrescue
