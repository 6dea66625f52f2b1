// SPDX-License-Identifier: GPL-3.0-or-later
// SCSI log pages read with LOG SENSE (SPC-5 "LOG SENSE command", "Log
// parameter" and the pages below), for disks that speak no ATA: SAS, USB
// bridges without SAT. A page is a 4-byte header (byte 0 DS | SPF | PAGE
// CODE(5:0), byte 1 SUBPAGE CODE, bytes 2-3 PAGE LENGTH) and log parameters
// (bytes 0-1 PARAMETER CODE, byte 2 control, byte 3 PARAMETER LENGTH, then
// the value). Parsers refuse short or inconsistent pages and say why.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "commands/smart_report.h"

namespace ptrescue::commands {

/// Page codes ptrescue reads (SPC-5 "Log page codes", SBC-4).
namespace scsi_log_page {
inline constexpr std::uint8_t kSupportedPages = 0x00;
inline constexpr std::uint8_t kReadErrorCounters = 0x03;   ///< SPC-5 "Read Error Counter log page"
inline constexpr std::uint8_t kTemperature = 0x0d;         ///< SPC-5 "Temperature log page"
inline constexpr std::uint8_t kBackgroundScan = 0x15;      ///< SBC-4 "Background Scan Results log page"
inline constexpr std::uint8_t kInformationalExceptions = 0x2f;  ///< SPC-5 "Informational Exceptions log page"
}  // namespace scsi_log_page

struct LogParameter {
  std::uint16_t code = 0;
  std::uint8_t control = 0;
  std::vector<std::uint8_t> value;
};

struct LogPage {
  std::uint8_t page = 0;
  std::uint8_t subpage = 0;
  std::vector<LogParameter> parameters;  ///< Page 00h: empty (see supported_pages).
  std::vector<std::uint8_t> supported_pages;  ///< Page 00h only: the page codes listed.
};

/// One LOG SENSE response. Refuses fewer than 4 bytes, a page code other
/// than `expected_page`, a PAGE LENGTH beyond the buffer, or a parameter
/// whose length runs past the page.
Parsed<LogPage> parse_log_page(std::span<const std::uint8_t> data, std::uint8_t expected_page);

/// Folds a parsed page into `health` (pages 00h, 03h, 0Dh, 15h, 2Fh; others
/// are ignored).
void apply_scsi_log_page(ScsiHealth& health, const LogPage& page);

/// A report from what the pages said: passed = informational exception ASC
/// 0 (nullopt without page 2Fh), temperature from 0Dh (else 2Fh), power-on
/// hours from 15h.
SmartReport scsi_smart_report(const ScsiHealth& health);

}  // namespace ptrescue::commands
