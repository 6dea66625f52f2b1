// SPDX-License-Identifier: GPL-3.0-or-later
// The plain-text rescue report, and the totals block in exactly the layout
// of `ddrescuelog -t` (GNU ddrescue 1.27), so the two can be compared line by line.
#pragma once

#include <cstdint>
#include <string>

#include "src/mapfile/mapfile.h"
#include "src/report/rescue_report.h"

namespace ptrescue {

/// A size as ddrescue prints it: at most 6 digits, SI units ("65536 B",
/// "265601 kB", "68719 MB"), truncated.
std::string ddrescue_size(std::int64_t bytes);

/// The `ddrescuelog -t` block (starts with an empty line).
std::string ddrescuelog_totals(const MapFile& map);

std::string render_report_text(const RescueReport& report);

}  // namespace ptrescue
