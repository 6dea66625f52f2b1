// SPDX-License-Identifier: GPL-3.0-or-later
// First vs last SMART snapshot of a rescue: the numbers that changed
// (reallocated, pending, offline uncorrectable, CRC errors, temperature,
// NVMe media errors, ...). Shown at the end of `ptrescue rescue` and by
// `ptrescue smart-diff MAPFILE`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/smart/smart_metrics.h"
#include "src/smart/smart_sidecar.h"

namespace ptrescue {

struct SmartChange {
  std::string name;
  std::int64_t first = 0;
  std::int64_t last = 0;
};

/// The metrics present in both whose values differ, in `last`'s order.
std::vector<SmartChange> smart_changes(const SmartMetrics& first, const SmartMetrics& last);

struct SmartDiff {
  SmartSnapshot first;  ///< The first snapshot with a report.
  SmartSnapshot last;   ///< The last one.
  std::vector<SmartChange> changes;
  std::size_t snapshots = 0;  ///< Snapshots with a report.
  std::size_t failed = 0;     ///< Snapshots where SMART could not be read.
};

/// nullopt when no snapshot holds a report.
std::optional<SmartDiff> smart_diff(const std::vector<SmartSnapshot>& snapshots);

/// "SMART, first vs last snapshot (3 snapshots):\n  pending  0 -> 57 (+57)\n..."
std::string smart_diff_text(const SmartDiff& diff);
/// {"first":{time,event,...},"last":{...},"snapshots":N,"failed":N,
///  "changes":[{"name","first","last","change"}]}
nlohmann::json smart_diff_json(const SmartDiff& diff);

}  // namespace ptrescue
