// SPDX-License-Identifier: GPL-3.0-or-later
// The rescue report as one self-contained HTML page (no network, no external
// scripts or fonts): the sector map as inline SVG, coloured by status like
// ddrescueview, per-head strips, the read latency along the LBA axis, SMART
// before/after, hashes, run statistics and events. Element ids and classes
// that tests and scripts may rely on are listed in docs/REPORT.md.
#pragma once

#include <string>

#include "src/report/rescue_report.h"

namespace ptrescue {

/// Layout of the sector map: columns of cells, each kCellPitch pixels apart.
inline constexpr int kMapColumns = 128;
inline constexpr int kMapMaxRows = 48;
inline constexpr int kCellPitch = 8;

/// Colours by status (finished, non-tried, non-scraped, non-trimmed, bad sector).
std::string_view status_colour(BlockStatus s);

std::string render_report_html(const RescueReport& report);

/// &, <, >, " and ' as entities.
std::string html_escape(std::string_view text);

}  // namespace ptrescue
