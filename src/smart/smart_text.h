// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue smart DEV`: a SmartReport as a readable table, in the spirit of
// `smartctl -a` (overall health, temperature, power-on hours, the ATA
// attribute table, NVMe health fields, SCSI counters, the error log).
#pragma once

#include <string>

#include "commands/smart_report.h"
#include "transport/device.h"

namespace ptrescue {

std::string smart_report_text(const commands::SmartReport& report, const DeviceIdentity& id);

}  // namespace ptrescue
