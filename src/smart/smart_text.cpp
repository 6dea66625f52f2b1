// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/smart/smart_text.h"

#include <fmt/format.h>

namespace ptrescue {

std::string smart_report_text(const commands::SmartReport& r, const DeviceIdentity& id) {
  std::string out = fmt::format("device:          {} ({}, {})\nmodel:           {}\nserial:          {}\n",
                                id.path, id.transport, commands::smart_kind_word(r.kind), id.model, id.serial);
  out += fmt::format("overall health:  {}\n", r.passed ? (*r.passed ? "PASSED" : "FAILED") : "unknown");
  if (r.temperature) out += fmt::format("temperature:     {} C\n", *r.temperature);
  if (r.power_on_hours) out += fmt::format("power-on hours:  {}\n", *r.power_on_hours);
  if (r.power_cycles) out += fmt::format("power cycles:    {}\n", *r.power_cycles);
  if (!r.ata_attributes.empty()) {
    out += fmt::format("\n{:>3} {:<24} {:>6} {:>5} {:>5} {:>6} {:<8} {}\n", "ID", "ATTRIBUTE_NAME", "FLAGS", "VALUE",
                       "WORST", "THRESH", "FAILED", "RAW_VALUE");
    for (const auto& a : r.ata_attributes)
      out += fmt::format("{:>3} {:<24} 0x{:04x} {:>5} {:>5} {:>6} {:<8} {}\n", a.id, a.name, a.flags, a.value,
                         a.worst, a.threshold ? fmt::format("{}", *a.threshold) : "---",
                         a.failing_now() ? "NOW" : "-", a.raw_string);
  }
  if (!r.ata_statistics.empty()) {
    out += "\nDevice Statistics (GPL log 04h):\n";
    for (const auto& s : r.ata_statistics)
      out += fmt::format("  page {} offset {:>3}  {:<46} {}\n", s.page, s.offset, s.name, s.value);
  }
  if (r.nvme) {
    const auto& h = *r.nvme;
    out += fmt::format(
        "\nNVMe SMART / Health Information (log 02h):\n"
        "  critical warning:        0x{:02x}\n  temperature:             {} C\n"
        "  available spare:         {}% (threshold {}%)\n  percentage used:         {}%\n"
        "  data units read:         {}\n  data units written:      {}\n"
        "  host read commands:      {}\n  host write commands:     {}\n"
        "  controller busy time:    {} min\n  power cycles:            {}\n  power-on hours:          {}\n"
        "  unsafe shutdowns:        {}\n  media and data integrity errors: {}\n"
        "  error log entries:       {}\n",
        h.critical_warning, static_cast<int>(h.temperature_kelvin) - 273, h.available_spare,
        h.available_spare_threshold, h.percentage_used, h.data_units_read, h.data_units_written, h.host_reads,
        h.host_writes, h.controller_busy_time, h.power_cycles, h.power_on_hours, h.unsafe_shutdowns,
        h.media_errors, h.num_err_log_entries);
  }
  if (r.scsi) {
    const auto& s = *r.scsi;
    auto opt = [](const std::optional<std::uint64_t>& v) { return v ? fmt::format("{}", *v) : std::string("-"); };
    out += "\nSCSI log pages:\n";
    if (s.ie_asc) out += fmt::format("  informational exception: ASC 0x{:02x} ASCQ 0x{:02x}\n", *s.ie_asc, s.ie_ascq.value_or(0));
    if (s.drive_trip_temperature) out += fmt::format("  drive trip temperature:  {} C\n", *s.drive_trip_temperature);
    if (s.read_total_uncorrected || s.read_total_corrected)
      out += fmt::format("  read errors: corrected {}, uncorrected {}, bytes processed {}\n",
                         opt(s.read_total_corrected), opt(s.read_total_uncorrected), opt(s.read_bytes_processed));
  }
  if (r.error_count || !r.errors.empty()) {
    out += fmt::format("\nError log ({}): {} error{}\n", r.error_log.empty() ? "device" : r.error_log,
                       r.error_count.value_or(r.errors.size()), r.error_count.value_or(r.errors.size()) == 1 ? "" : "s");
    for (const auto& e : r.errors)
      out += fmt::format("  #{} {}{}{}\n", e.number, e.text, e.lba ? fmt::format(" LBA {}", *e.lba) : "",
                         e.power_on_hours ? fmt::format(" at {} h", *e.power_on_hours) : "");
  }
  for (const auto& n : r.notes) out += fmt::format("note: {}\n", n);
  return out;
}

}  // namespace ptrescue
