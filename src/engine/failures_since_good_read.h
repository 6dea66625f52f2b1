// SPDX-License-Identifier: GPL-3.0-or-later
// The failed reads since the last good one, with what the map said over each
// before the failure was marked. A drive being pulled fails a few commands
// (aborted, no connection) before the node vanishes; once it is found again
// those failures are known to be the drive leaving, not its media, and the
// areas are put back as they were, to be read again.
#pragma once

#include <cstdint>
#include <vector>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

class FailuresSinceGoodRead {
 public:
  /// A read delivered data: what failed before it was the media's doing.
  void on_good_read() { before_.clear(); }
  /// Records the map over `failed` before the engine marks it.
  void on_failed_read(const MapFile& map, const Extent& failed);

  struct Undone {
    int reads = 0;
    std::int64_t bytes = 0;  ///< covered by those reads
  };
  /// Puts every recorded area back as it was, where it is not finished
  /// since; forgets them all.
  Undone undo(MapFile& map);

 private:
  struct Before {
    std::vector<MapBlock> blocks;  ///< the map over the failed extent, in order
  };
  /// Only the latest: a drive leaving fails a handful of commands, and a long
  /// run of failures is a bad area however it ends.
  std::int64_t recorded_bytes() const;  ///< of the recorded extents' union
  static constexpr std::size_t kMaxReads = 64;
  std::vector<Before> before_;
};

}  // namespace ptrescue
