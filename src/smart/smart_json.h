// SPDX-License-Identifier: GPL-3.0-or-later
// A SmartReport as JSON whose field names follow `smartctl -j` where
// smartctl has one (smart_status.passed, temperature.current,
// power_on_time.hours, ata_smart_attributes.table[], nvme_smart_health_
// information_log, scsi_error_counter_log, ...), so scripts written for
// smartctl carry over; what smartctl has no name for is under "ptrescue_*".
// The same JSON is what the rescue's SMART sidecar stores; smart_metrics.h
// reads the numbers smart-diff and the stop rules compare back from it.
#pragma once

#include <nlohmann/json.hpp>

#include "commands/smart_report.h"
#include "transport/device.h"

namespace ptrescue {

/// smartctl-style JSON of `report`, with the device's identity.
nlohmann::json smart_report_json(const commands::SmartReport& report, const DeviceIdentity& id);

}  // namespace ptrescue
