// SPDX-License-Identifier: GPL-3.0-or-later
// NVMe SMART / Health Information log (log 02h) and Error Information log
// (log 01h), NVMe Base 2.0 "SMART / Health Information (Log Page Identifier
// 02h)" and "Error Information (Log Page Identifier 01h)", read with
// libnvme's structures (struct nvme_smart_log, struct nvme_error_log_page)
// from the raw little-endian bytes. Parsers refuse short buffers and say
// why; none throws.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "commands/nvme_types.h"
#include "commands/smart_report.h"

namespace ptrescue::commands {

// Log page identifiers (NVME_LOG_LID_SMART, NVME_LOG_LID_ERROR) and the
// NSID of controller-wide logs (NVME_NSID_ALL) are libnvme's.
inline constexpr std::uint32_t kNvmeSmartLogBytes = sizeof(nvme_smart_log);            // 512
inline constexpr std::uint32_t kNvmeErrorLogEntryBytes = sizeof(nvme_error_log_page);  // 64

/// The SMART / Health Information log. Refuses fewer than 512 bytes and a
/// log whose composite temperature is 0 K while every other field is zero
/// too (nothing was transferred).
Parsed<NvmeHealth> parse_nvme_smart_log(std::span<const std::uint8_t> data);

/// The Error Information log: 64-byte entries; entries with Error Count 0
/// are empty and skipped. Refuses a length that is not a whole number of
/// entries (or none).
Parsed<std::vector<SmartErrorEntry>> parse_nvme_error_log(std::span<const std::uint8_t> data);

/// A report from the health log (and the error log's entries, if any):
/// passed = no critical warning bit set, temperature in °C (K − 273),
/// power-on hours and power cycles from the log.
SmartReport nvme_smart_report(const NvmeHealth& health);

/// The inverse of parse_nvme_smart_log(), for tests and fuzz seeds.
std::vector<std::uint8_t> encode_nvme_smart_log(const NvmeHealth& health);

}  // namespace ptrescue::commands
