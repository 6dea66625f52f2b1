// SPDX-License-Identifier: GPL-3.0-or-later
// `--smart-stop 'pending+=50,reallocated+=100,temperature>=60'`: rules
// checked at each SMART snapshot of a rescue. NAME+=N fires when NAME rose
// by N or more since the first snapshot of the rescue (the sidecar's first,
// across resumes); NAME>=N when it is N or more now; NAME<=N when it is N
// or less now (e.g. available_spare<=10). Names are smart_metrics()'s.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/smart/smart_metrics.h"

namespace ptrescue {

struct SmartStopRule {
  enum class Kind { kRise, kAtLeast, kAtMost };
  std::string metric;
  Kind kind = Kind::kRise;
  std::int64_t limit = 0;
  std::string text;  ///< As the user wrote it ("pending+=50").
};

/// Throws UsageError (base/units.h) naming the bad item.
std::vector<SmartStopRule> parse_smart_stop_rules(const std::string& text);

/// The first rule that fires on `current` (with `baseline` the first
/// snapshot), as one line naming the rule and the values: "pending+=50:
/// pending rose from 3 to 57 (+54)". A metric missing from a snapshot never
/// fires its rule.
std::optional<std::string> fired_smart_stop_rule(const std::vector<SmartStopRule>& rules,
                                                 const SmartMetrics& baseline, const SmartMetrics& current);

}  // namespace ptrescue
