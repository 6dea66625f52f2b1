// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue smart DEV [--json] [--transport T]` and
// `ptrescue smart-diff MAPFILE [--json]`.
#pragma once

#include <string>
#include <vector>

namespace ptrescue {

/// Reads SMART once and prints it (a table, or smartctl-style JSON).
/// Exit 0 with a report, 1 when the source cannot be opened or has no
/// SMART (the reason on stderr; with --json also {"error": ...} on stdout).
int run_smart_command(const std::vector<std::string>& args);

/// First vs last snapshot of MAPFILE.smart.jsonl. Exit 0; 1 without a sidecar or
/// without any snapshot holding a report.
int run_smart_diff_command(const std::vector<std::string>& args);

}  // namespace ptrescue
