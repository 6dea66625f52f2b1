// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/failures_since_good_read.h"

#include <algorithm>

namespace ptrescue {

void FailuresSinceGoodRead::on_failed_read(const MapFile& map, const Extent& failed) {
  if (failed.empty() || failed.pos < map.begin_pos() || failed.end() > map.end_pos()) return;
  Before b;
  for (std::int64_t p = failed.pos; p < failed.end();) {
    const MapBlock block = map.block_at(p);
    const std::int64_t end = std::min(block.end(), failed.end());
    b.blocks.push_back(MapBlock{p, end - p, block.status});
    p = end;
  }
  if (before_.size() == kMaxReads) before_.erase(before_.begin());
  before_.push_back(std::move(b));
}

std::int64_t FailuresSinceGoodRead::recorded_bytes() const {
  std::vector<Extent> extents;
  for (const Before& b : before_) extents.push_back({b.blocks.front().pos, b.blocks.back().end() - b.blocks.front().pos});
  std::sort(extents.begin(), extents.end(), [](const Extent& a, const Extent& b) { return a.pos < b.pos; });
  std::int64_t bytes = 0, covered = 0;  // `covered`: the end of the union so far
  for (const Extent& e : extents) {
    bytes += std::max<std::int64_t>(0, e.end() - std::max(e.pos, covered));
    covered = std::max(covered, e.end());
  }
  return bytes;
}

FailuresSinceGoodRead::Undone FailuresSinceGoodRead::undo(MapFile& map) {
  Undone undone;
  undone.bytes = recorded_bytes();
  // Latest first, so an area failed twice ends as it was before the first.
  for (auto it = before_.rbegin(); it != before_.rend(); ++it) {
    ++undone.reads;
    for (const MapBlock& was : it->blocks)
      for (std::int64_t p = was.pos; p < was.end();) {
        const MapBlock now = map.block_at(p);
        const std::int64_t end = std::min(now.end(), was.end());
        if (now.status != BlockStatus::kFinished && now.status != was.status)
          map.set_status(p, end - p, was.status);
        p = end;
      }
  }
  before_.clear();
  return undone;
}

}  // namespace ptrescue
