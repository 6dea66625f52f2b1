// SPDX-License-Identifier: GPL-3.0-or-later
// The words GNU ddrescue (and ddrescuelog) use for block statuses and phases.
#pragma once

#include <string_view>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

/// "non-tried", "non-trimmed", "non-scraped", "bad-sector", "finished" (ddrescuelog -t's words).
std::string_view block_status_name(BlockStatus s);
/// "copying", "trimming", "scraping", "retrying", "filling", "generating", "finished".
std::string_view phase_name(Phase p);

}  // namespace ptrescue
