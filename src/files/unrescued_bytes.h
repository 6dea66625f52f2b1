// SPDX-License-Identifier: GPL-3.0-or-later
// How many bytes of a range the mapfile does not mark rescued ('+'), asked
// once per block run of every file: the map's '+' blocks kept as a sorted
// list, so each question is a binary search.
#pragma once

#include <cstdint>
#include <vector>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

class UnrescuedBytes {
 public:
  explicit UnrescuedBytes(const MapFile& map);
  /// Bytes of [pos, pos + size) that are not '+' (outside the map counts as
  /// not rescued: the image holds nothing read from the source there).
  std::int64_t in(std::int64_t pos, std::int64_t size) const;

 private:
  std::vector<Extent> finished_;  // sorted, disjoint
};

}  // namespace ptrescue
