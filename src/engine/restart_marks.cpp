// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/restart_marks.h"

#include <vector>

namespace ptrescue {
namespace {

bool failed(BlockStatus s) { return s == BlockStatus::kNonScraped || s == BlockStatus::kBadSector; }
bool readable_edge(BlockStatus s) { return s == BlockStatus::kNonTried || s == BlockStatus::kFinished; }

std::size_t apply(MapFile& map, const std::vector<Extent>& marked, BlockStatus status) {
  for (const Extent& e : marked) map.set_status(e, status);
  return marked.size();
}

}  // namespace

std::size_t mark_for_retrim(MapFile& map, const Domain& domain) {
  std::vector<MapBlock> blocks = map.blocks();
  std::vector<Extent> marked;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    MapBlock& b = blocks[i];
    if (!failed(b.status) || !domain.includes({b.pos, b.size})) continue;
    const bool at_edge = i == 0 || readable_edge(blocks[i - 1].status) || i + 1 == blocks.size() ||
                         readable_edge(blocks[i + 1].status);
    if (!at_edge) continue;
    b.status = BlockStatus::kNonTrimmed;  // seen so by the next block's test
    marked.push_back({b.pos, b.size});
  }
  return apply(map, marked, BlockStatus::kNonTrimmed);
}

std::size_t mark_for_try_again(MapFile& map, const Domain& domain) {
  std::vector<Extent> marked;
  map.for_each([&](const MapBlock& b) {
    if ((b.status == BlockStatus::kNonTrimmed || b.status == BlockStatus::kNonScraped) &&
        domain.includes({b.pos, b.size}))
      marked.push_back({b.pos, b.size});
  });
  return apply(map, marked, BlockStatus::kNonTried);
}

}  // namespace ptrescue
