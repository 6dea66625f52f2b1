// SPDX-License-Identifier: GPL-3.0-or-later
// What a rescue marks again in the map before it reads (-M, -A), by GNU
// ddrescue 1.30's rules: only blocks wholly inside one extent of the domain
// are changed, never split at its borders.
#pragma once

#include <cstddef>

#include "src/mapfile/domain.h"
#include "src/mapfile/mapfile.h"

namespace ptrescue {

/// -M/--retrim (1.30's manual): a non-scraped or bad-sector block that
/// touches a non-tried or finished block, or an edge of the map, becomes
/// non-trimmed. Blocks are taken in order, and one already marked counts
/// as non-trimmed when its successor is judged, so a run of failed blocks
/// is marked only at its ends ("+-/-+" gives "+*/*+"). 1.27 marked every
/// failed block; 1.30 leaves the inside of a failed run to scraping.
/// Returns how many blocks were marked.
std::size_t mark_for_retrim(MapFile& map, const Domain& domain);

/// -A/--try-again: non-trimmed and non-scraped blocks become non-tried.
std::size_t mark_for_try_again(MapFile& map, const Domain& domain);

}  // namespace ptrescue
