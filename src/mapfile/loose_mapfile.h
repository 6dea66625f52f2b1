// SPDX-License-Identifier: GPL-3.0-or-later
// ddrescue's -L (--loose-domain): a domain or test mapfile whose blocks may
// come in any order, with gaps between them. Gaps read as non-tried, so only
// the blocks the file names as finished count as good.
#pragma once

#include <string_view>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

/// Parses `text` loosely: comments and the status line are skipped, every
/// "pos size status" line is applied in file order over a non-tried map
/// from 0 to the largest block end. Throws MapFileError on a malformed line.
MapFile parse_loose_mapfile(std::string_view text);

}  // namespace ptrescue
