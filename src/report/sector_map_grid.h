// SPDX-License-Identifier: GPL-3.0-or-later
// The sector map as engineers know it from ddrescueview: the mapfile's extent
// cut into equal cells laid out in rows, each cell coloured by the worst
// status of the bytes it covers; and per-head strips along the LBA axis when
// a head map is known.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "src/mapfile/mapfile.h"
#include "src/report/report_inputs.h"

namespace ptrescue {

/// Bytes of each status in a cell, indexed by status_index().
using StatusBytes = std::array<std::int64_t, 5>;

/// 0 '+' finished, 1 '?' non-tried, 2 '/' non-scraped, 3 '*' non-trimmed, 4 '-' bad sector:
/// higher is worse, so a cell shows its highest non-empty index.
int status_index(BlockStatus s);
BlockStatus status_of_index(int i);
/// The worst status present; nullopt-like -1 for an empty cell.
int worst_index(const StatusBytes& cell);

struct MapGrid {
  std::int64_t begin = 0, end = 0;  ///< the mapfile's extent
  std::int64_t cell_bytes = 1;      ///< a whole number of sectors
  int columns = 0, rows = 0;
  std::vector<StatusBytes> cells;   ///< row-major; the last row may be partly empty
  std::int64_t cell_begin(std::size_t i) const { return begin + static_cast<std::int64_t>(i) * cell_bytes; }
  std::int64_t cell_end(std::size_t i) const { return std::min(end, cell_begin(i) + cell_bytes); }
};

/// At most columns * max_rows cells of equal size (a power-of-two number of sectors).
MapGrid build_map_grid(const MapFile& map, int columns, int max_rows, std::uint32_t sector_size);

/// One strip per head: `columns` equal slices of the map's extent, each with
/// the bytes per status of that head's sectors in the slice.
struct HeadStrips {
  std::int64_t begin = 0, end = 0, column_bytes = 1;
  int columns = 0;
  std::vector<int> heads;                      ///< sorted
  std::vector<std::vector<StatusBytes>> strips;  ///< strips[i][column], i indexes heads
};
HeadStrips build_head_strips(const MapFile& map, const HeadRanges& heads, std::uint32_t sector_size, int columns);

}  // namespace ptrescue
