// SPDX-License-Identifier: GPL-3.0-or-later
// ATA SMART through ATA PASS-THROUGH, in either form (ata_tunnel.h): the
// SAT back end's, and the SCSI back end's on a bridge that takes only the
// 12-byte form (where the 48-bit logs do not fit).
#include <fmt/format.h>

#include "commands/ata.h"
#include "commands/ata_smart.h"
#include "commands/sat.h"
#include "transport/ata_tunnel.h"

namespace ptrescue {

namespace {

using commands::AtaIdentity;
using commands::SmartReport;

// The verdict comes back in the LBA registers: CK_COND asks for them.
void read_verdict(const AtaTunnel& tunnel, Millis timeout, SmartReport& report) {
  using namespace commands;
  const SgDisk::Reply status = tunnel.run(ata_smart_return_status(), true, timeout);
  const auto regs = status.good ? ata_registers_from_sense(status.raw.sense) : std::nullopt;
  if (const auto exceeded = regs ? smart_threshold_exceeded(*regs) : std::nullopt)
    report.passed = !*exceeded;
  else
    report.notes.push_back("SMART RETURN STATUS: " +
                           (status.good ? std::string("the SAT layer returned no ATA registers") : status.detail));
}

// The error log: the extended one (48-bit LBAs) where the drive has the
// General Purpose logs and the tunnel carries 48-bit commands, else the
// summary one (SMART READ LOG 01h, 28-bit).
void read_error_log(const AtaTunnel& tunnel, const AtaIdentity& id, Millis timeout, SmartReport& report) {
  using namespace commands;
  std::string ext_why;
  std::optional<AtaErrorLog> errors;
  if (id.lba48_supported && tunnel.carries_48bit()) {
    const SgDisk::Reply ext = tunnel.run(ata_read_log_ext(kAtaExtErrorLog, 0, 1), false, timeout);
    if (ext.good) {
      auto log = parse_ata_ext_error_log(ext.data);
      if (log.ok()) {
        errors = std::move(log.value);
        report.error_log = "extended";
      } else {
        ext_why = log.error;
      }
    } else {
      ext_why = "READ LOG EXT 03h: " + ext.detail;
    }
  }
  if (!errors) {
    const SgDisk::Reply summary = tunnel.run(ata_smart_read_log(kAtaSummaryErrorLog, 1), false, timeout);
    if (summary.good) {
      auto log = parse_ata_summary_error_log(summary.data);
      if (log.ok()) {
        errors = std::move(log.value);
        report.error_log = "summary";
      } else {
        report.notes.push_back(log.error);
      }
    } else {
      report.notes.push_back("SMART READ LOG 01h: " + summary.detail);
    }
  }
  if (errors) {
    report.error_count = errors->device_error_count;
    report.errors = std::move(errors->entries);
  } else if (!ext_why.empty()) {
    report.notes.push_back(ext_why);
  }
}

// Device Statistics (READ LOG EXT 04h): the list of pages, then the ones
// ptrescue names.
void read_statistics(const AtaTunnel& tunnel, Millis timeout, SmartReport& report) {
  using namespace commands;
  const SgDisk::Reply list = tunnel.run(ata_read_log_ext(kAtaDeviceStatisticsLog, 0, 1), false, timeout);
  const auto pages = list.good ? parse_ata_statistics_page_list(list.data)
                               : Parsed<std::vector<std::uint8_t>>::fail("READ LOG EXT 04h: " + list.detail);
  if (!pages.ok()) report.notes.push_back(pages.error);
  for (const std::uint8_t page : pages.value.value_or(std::vector<std::uint8_t>{})) {
    if (page == 0 || page > 7) continue;
    const SgDisk::Reply r = tunnel.run(ata_read_log_ext(kAtaDeviceStatisticsLog, page, 1), false, timeout);
    auto stats = r.good ? parse_ata_statistics_page(r.data, page)
                        : Parsed<std::vector<AtaDeviceStatistic>>::fail(
                              fmt::format("READ LOG EXT 04h page {}: {}", page, r.detail));
    if (!stats.ok()) {
      report.notes.push_back(stats.error);
      continue;
    }
    for (auto& s : *stats.value) report.ata_statistics.push_back(std::move(s));
  }
}

}  // namespace

SmartReading read_ata_smart(const AtaTunnel& tunnel, const AtaIdentity& id, Millis timeout) {
  using namespace commands;
  if (!id.smart_supported)
    return SmartReading::failed("the drive does not support SMART (IDENTIFY DEVICE word 82 bit 0)");
  const SgDisk::Reply data = tunnel.run(ata_smart_read_data(), false, timeout);
  if (!data.good) return SmartReading::failed("SMART READ DATA: " + data.detail);
  auto attributes = parse_ata_smart_data(data.data);
  if (!attributes.ok()) return SmartReading::failed(attributes.error);

  SmartReport report;
  report.kind = SmartKind::kAta;
  report.ata_attributes = std::move(*attributes.value);
  if (!id.smart_enabled) report.notes.push_back("SMART is disabled on the drive (IDENTIFY word 85 bit 0)");

  const SgDisk::Reply thresholds = tunnel.run(ata_smart_read_thresholds(), false, timeout);
  if (!thresholds.good) {
    report.notes.push_back("SMART READ THRESHOLDS: " + thresholds.detail);
  } else if (auto t = parse_ata_smart_thresholds(thresholds.data); t.ok()) {
    apply_ata_thresholds(report.ata_attributes, *t.value);
  } else {
    report.notes.push_back(t.error);
  }

  read_verdict(tunnel, timeout, report);
  read_error_log(tunnel, id, timeout, report);
  if (id.lba48_supported && tunnel.carries_48bit())
    read_statistics(tunnel, timeout, report);
  else if (id.lba48_supported)
    report.notes.push_back(fmt::format("Device Statistics not read: READ LOG EXT is a 48-bit command, and {} "
                                       "carries 28-bit ones only",
                                       tunnel.name()));
  summarize_ata_report(report);
  SmartReading out;
  out.report = std::move(report);
  return out;
}

}  // namespace ptrescue
