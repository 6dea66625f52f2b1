// SPDX-License-Identifier: GPL-3.0-or-later
// The numbers of a SMART snapshot (the JSON of smart_json.h), by name:
// what smart-diff compares and the --smart-stop rules test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ptrescue {

/// The numbers a snapshot holds, by name, in a stable order: "temperature",
/// "power_on_hours", "power_cycles", "errors" (the device's error count),
/// the ATA attributes recovery watches by short name ("reallocated" 5,
/// "pending" 197, "offline_uncorrectable" 198, "crc_errors" 199,
/// "reported_uncorrect" 187, "command_timeout" 188, "reallocated_events"
/// 196), every other ATA attribute by its smartctl name (decoded raw
/// value), the NVMe health fields by their smartctl names ("media_errors",
/// "percentage_used", "available_spare", "critical_warning", ...), and the
/// SCSI counters ("read_total_uncorrected", ...). Fields a snapshot lacks
/// are absent.
using SmartMetrics = std::vector<std::pair<std::string, std::int64_t>>;
SmartMetrics smart_metrics(const nlohmann::json& report);
/// The value of `name` in `m`, if present.
const std::int64_t* find_metric(const SmartMetrics& m, std::string_view name);

/// The names smart_metrics() gives the well-known quantities, for help texts.
std::vector<std::string> smart_metric_aliases();

}  // namespace ptrescue
