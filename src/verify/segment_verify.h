// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue verify --hashes MAPFILE.hashes`: range by range, the image is
// hashed again (has it changed since?) and the source is read again and
// hashed (does it still hold what the image holds?). A range the source
// reads whole proves the image there, however much of the rest of the
// source fails now; a range it cannot read is "unreadable", not "different".
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/verify/segment_hashes.h"
#include "transport/device.h"

namespace ptrescue {

class ProgressLine;

enum class SegmentVerdict {
  kMatch,          ///< image and source both hash to the recorded values
  kMismatch,       ///< the image, or the source, hashes to something else
  kUnreadable,     ///< the image matches; the source failed to read part of the range now
  kIncomplete,     ///< not all rescued when hashed: only the image is checked (it matches)
  kNotCompared,    ///< stopped before this range (source gone, interrupted)
};

/// "match", "mismatch", "unreadable", "incomplete", "not compared".
std::string_view verdict_word(SegmentVerdict v);

struct SegmentCheck {
  SegmentHash row;
  SegmentVerdict verdict = SegmentVerdict::kNotCompared;
  bool image_matches = false;
  std::optional<bool> source_matches;   ///< nullopt: the source was not hashed
  std::optional<std::int64_t> first_unreadable_lba;
};

struct SegmentVerifyResult {
  std::vector<SegmentCheck> checks;  ///< one per row, in the file's order
  bool source_gone = false;
  bool interrupted = false;
  std::int64_t count(SegmentVerdict v) const;
};

/// Checks every row against the image file and `source` (image byte = source byte).
/// Throws std::runtime_error if the image cannot be read, and
/// std::invalid_argument for a row that lies past the source's end.
SegmentVerifyResult verify_segments(Device& source, const std::string& image, const std::vector<SegmentHash>& rows,
                                    Millis timeout, ProgressLine* progress, const std::atomic<bool>* stop);

}  // namespace ptrescue
