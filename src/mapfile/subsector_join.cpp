// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/mapfile/subsector_join.h"

#include <algorithm>

namespace ptrescue {
namespace {

int processed_rank(BlockStatus s) {
  switch (s) {
    case BlockStatus::kNonTried: return 0;
    case BlockStatus::kNonTrimmed: return 1;
    case BlockStatus::kNonScraped: return 2;
    case BlockStatus::kBadSector: return 3;
    default: return 4;
  }
}

}  // namespace

void join_subsectors(MapFile& map, std::int64_t sector_size) {
  if (sector_size <= 1) return;
  // Each pass settles every split sector it sees; a settled sector can make
  // a new boundary only at a sector edge, so a few passes always end it.
  for (int round = 0; round < 4; ++round) {
    bool changed = false;
    const std::vector<MapBlock> blocks = map.blocks();
    for (std::size_t i = 0; i + 1 < blocks.size(); ++i) {
      const MapBlock& a = blocks[i];
      const MapBlock& b = blocks[i + 1];
      const std::int64_t boundary = a.end();
      if (boundary % sector_size == 0) continue;
      if (a.status == BlockStatus::kFinished || b.status == BlockStatus::kFinished) continue;
      if (map.status_at(boundary - 1) != a.status || map.status_at(boundary) != b.status) continue;  // settled
      const BlockStatus keep = processed_rank(a.status) <= processed_rank(b.status) ? a.status : b.status;
      const std::int64_t first = std::max(a.pos, boundary - boundary % sector_size);
      const std::int64_t end = std::min(b.end(), boundary - boundary % sector_size + sector_size);
      map.set_status(first, end - first, keep);
      changed = true;
    }
    if (!changed) return;
  }
}

}  // namespace ptrescue
