// SPDX-License-Identifier: GPL-3.0-or-later
// Where two unfinished blocks of a loaded mapfile meet inside a sector (a
// mapfile written with a smaller sector size, or edited by hand), the whole
// sector takes the less processed status of the two, so that the sector is
// read again as a unit (ddrescue does the same when it loads a mapfile).
#pragma once

#include <cstdint>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

/// Gives each sector split between two unfinished statuses the less
/// processed one (? before * before / before -). Finished bytes never change.
void join_subsectors(MapFile& map, std::int64_t sector_size);

}  // namespace ptrescue
