// SPDX-License-Identifier: GPL-3.0-or-later
// The index of a block status (0 to 4) that the interval store counts blocks
// by and the parser sums bytes by; shared by mapfile.cpp, mapfile_text.cpp and
// mapfile_parser.cpp.
#pragma once

#include "src/mapfile/mapfile.h"

namespace ptrescue {

/// Index into a chunk's per-status counts and bit in the status index; -1 for
/// a char that is no block status. (Not report's status_index, which orders
/// statuses by how bad they are: one inline name each, or the linker keeps one.)
inline int block_status_index(BlockStatus s) {
  switch (s) {
    case BlockStatus::kNonTried: return 0;
    case BlockStatus::kNonTrimmed: return 1;
    case BlockStatus::kNonScraped: return 2;
    case BlockStatus::kBadSector: return 3;
    case BlockStatus::kFinished: return 4;
  }
  return -1;
}

inline bool is_block_status(char c) { return block_status_index(static_cast<BlockStatus>(c)) >= 0; }

}  // namespace ptrescue
