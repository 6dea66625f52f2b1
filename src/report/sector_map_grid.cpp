// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/report/sector_map_grid.h"

#include <algorithm>
#include <map>

namespace ptrescue {
namespace {

/// Adds [p, q) of status `s` to the equal slices of `cells` starting at `begin`.
void spread(std::vector<StatusBytes>& cells, std::int64_t begin, std::int64_t slice, std::int64_t p,
            std::int64_t q, BlockStatus s) {
  const int si = status_index(s);
  while (p < q) {
    const std::int64_t i = (p - begin) / slice;
    if (i < 0 || i >= static_cast<std::int64_t>(cells.size())) return;
    const std::int64_t cell_end = begin + (i + 1) * slice;
    const std::int64_t z = std::min(q, cell_end);
    cells[static_cast<std::size_t>(i)][static_cast<std::size_t>(si)] += z - p;
    p = z;
  }
}

}  // namespace

int status_index(BlockStatus s) {
  switch (s) {
    case BlockStatus::kFinished: return 0;
    case BlockStatus::kNonTried: return 1;
    case BlockStatus::kNonScraped: return 2;
    case BlockStatus::kNonTrimmed: return 3;
    case BlockStatus::kBadSector: return 4;
  }
  return 1;
}

BlockStatus status_of_index(int i) {
  static constexpr BlockStatus kOrder[] = {BlockStatus::kFinished, BlockStatus::kNonTried, BlockStatus::kNonScraped,
                                           BlockStatus::kNonTrimmed, BlockStatus::kBadSector};
  return kOrder[std::clamp(i, 0, 4)];
}

int worst_index(const StatusBytes& cell) {
  for (int i = 4; i >= 0; --i)
    if (cell[static_cast<std::size_t>(i)] > 0) return i;
  return -1;
}

MapGrid build_map_grid(const MapFile& map, int columns, int max_rows, std::uint32_t sector_size) {
  MapGrid g;
  g.begin = map.begin_pos();
  g.end = map.end_pos();
  g.columns = std::max(1, columns);
  const std::int64_t extent = g.end - g.begin;
  if (extent <= 0) return g;
  const std::int64_t ss = std::max<std::uint32_t>(1, sector_size);
  const std::int64_t max_cells = static_cast<std::int64_t>(g.columns) * std::max(1, max_rows);
  const std::int64_t per_cell = (extent + max_cells - 1) / max_cells;
  // A power-of-two number of sectors: cells then start on round LBAs.
  std::int64_t sectors = 1;
  while (sectors * ss < per_cell) sectors *= 2;
  g.cell_bytes = sectors * ss;
  const std::int64_t n = (extent + g.cell_bytes - 1) / g.cell_bytes;
  g.rows = static_cast<int>((n + g.columns - 1) / g.columns);
  g.cells.assign(static_cast<std::size_t>(n), StatusBytes{});
  map.for_each([&](const MapBlock& b) { spread(g.cells, g.begin, g.cell_bytes, b.pos, b.end(), b.status); });
  return g;
}

HeadStrips build_head_strips(const MapFile& map, const HeadRanges& heads, std::uint32_t sector_size, int columns) {
  HeadStrips h;
  h.begin = map.begin_pos();
  h.end = map.end_pos();
  h.columns = std::max(1, columns);
  const std::int64_t extent = h.end - h.begin;
  if (extent <= 0 || heads.ranges.empty()) return h;
  h.column_bytes = std::max<std::int64_t>(1, (extent + h.columns - 1) / h.columns);
  std::map<int, std::size_t> index;
  for (const HeadRange& r : heads.ranges) index.emplace(r.head, 0);
  for (auto& [head, i] : index) {
    i = h.heads.size();
    h.heads.push_back(head);
  }
  h.strips.assign(h.heads.size(), std::vector<StatusBytes>(static_cast<std::size_t>(h.columns)));
  const std::int64_t ss = sector_size;
  for (const HeadRange& r : heads.ranges) {
    auto& strip = h.strips[index[r.head]];
    std::int64_t p = std::max(h.begin, r.start_lba * ss);
    const std::int64_t end = std::min(h.end, (r.start_lba + r.length) * ss);
    while (p < end) {
      const MapBlock b = map.block_at(p);
      const std::int64_t q = std::min(end, b.end());
      spread(strip, h.begin, h.column_bytes, p, q, b.status);
      p = q;
    }
  }
  return h;
}

}  // namespace ptrescue
