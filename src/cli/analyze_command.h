// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue analyze SOURCE [--json]`: the triage scan (src/triage) and what
// it says, as text or JSON; `rescue --analyze` runs the same scan first.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/triage/triage_scan.h"

namespace ptrescue {

int run_analyze_command(const std::vector<std::string>& args);

/// The report as text (what `ptrescue analyze` prints) and as JSON.
std::string triage_text(const TriageResult& r);

/// rescue --analyze: runs the triage on `drive` (its report on stdout when
/// `print`) and returns its good reads, timed, to seed the inference.
std::vector<TimedRead> analyze_before_rescue(Device& drive, bool print);
nlohmann::json triage_json(const TriageResult& r);

}  // namespace ptrescue
