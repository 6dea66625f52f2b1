// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue report MAPFILE [--html OUT.html] [--reads READS.log]`: a plain-text
// summary of a rescue on stdout and, with --html, a self-contained page with
// the sector map (docs/REPORT.md).
#pragma once

#include <string>
#include <vector>

namespace ptrescue {

int run_report_command(const std::vector<std::string>& args);

}  // namespace ptrescue
