// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/smart/smart_json.h"

#include <algorithm>

#include <fmt/format.h>

namespace ptrescue {

using nlohmann::json;
using commands::SmartKind;

namespace {

const char* protocol_word(SmartKind k) {
  switch (k) {
    case SmartKind::kAta: return "ATA";
    case SmartKind::kNvme: return "NVMe";
    case SmartKind::kScsi: return "SCSI";
  }
  return "unknown";
}

json attribute_json(const commands::AtaSmartAttribute& a) {
  json flags = {{"value", a.flags},
                {"prefailure", (a.flags & 0x01) != 0},
                {"updated_online", (a.flags & 0x02) != 0},
                {"performance", (a.flags & 0x04) != 0},
                {"error_rate", (a.flags & 0x08) != 0},
                {"event_count", (a.flags & 0x10) != 0},
                {"auto_keep", (a.flags & 0x20) != 0}};
  json j = {{"id", a.id}, {"name", a.name}, {"value", a.value}, {"worst", a.worst}, {"flags", flags},
            {"raw", {{"value", a.raw}, {"string", a.raw_string}}}};
  if (a.threshold) {
    j["thresh"] = *a.threshold;
    j["when_failed"] = a.failing_now() ? "now" : "";
  }
  return j;
}

json error_entry_json(const commands::SmartErrorEntry& e, bool nvme) {
  json j = {{nvme ? "error_count" : "error_number", e.number}, {"ptrescue_text", e.text}};
  if (e.lba) j["lba"] = {{"value", *e.lba}};
  if (e.power_on_hours) j["lifetime_hours"] = *e.power_on_hours;
  return j;
}

void put_optional(json& j, const char* key, const std::optional<std::uint64_t>& v) {
  if (v) j[key] = *v;
}

}  // namespace

json smart_report_json(const commands::SmartReport& r, const DeviceIdentity& id) {
  json j;
  j["device"] = {{"name", id.path}, {"type", id.transport}, {"protocol", protocol_word(r.kind)}};
  if (!id.model.empty()) j["model_name"] = id.model;
  if (!id.serial.empty()) j["serial_number"] = id.serial;
  if (!id.firmware.empty()) j["firmware_version"] = id.firmware;
  j["logical_block_size"] = id.logical_sector_size;
  if (r.passed) j["smart_status"] = {{"passed", *r.passed}};
  if (r.temperature) j["temperature"]["current"] = *r.temperature;
  if (r.power_on_hours) j["power_on_time"] = {{"hours", *r.power_on_hours}};
  if (r.power_cycles) j["power_cycle_count"] = *r.power_cycles;

  if (!r.ata_attributes.empty()) {
    json table = json::array();
    for (const auto& a : r.ata_attributes) table.push_back(attribute_json(a));
    j["ata_smart_attributes"] = {{"table", table}};
  }
  if (r.error_count && (r.error_log == "summary" || r.error_log == "extended")) {
    json table = json::array();
    for (const auto& e : r.errors) table.push_back(error_entry_json(e, false));
    j["ata_smart_error_log"][r.error_log] = {{"count", *r.error_count}, {"table", table}};
  }
  if (!r.ata_statistics.empty()) {
    json pages = json::array();
    for (const auto& s : r.ata_statistics) {
      auto it = std::find_if(pages.begin(), pages.end(), [&](const json& p) { return p["number"] == s.page; });
      if (it == pages.end()) {
        pages.push_back({{"number", s.page}, {"table", json::array()}});
        it = pages.end() - 1;
      }
      (*it)["table"].push_back({{"offset", s.offset}, {"name", s.name}, {"value", s.value}});
    }
    j["ata_device_statistics"] = {{"pages", pages}};
  }
  if (r.nvme) {
    const auto& h = *r.nvme;
    j["nvme_smart_health_information_log"] = {
        {"critical_warning", h.critical_warning},
        {"temperature", static_cast<int>(h.temperature_kelvin) - 273},
        {"available_spare", h.available_spare},
        {"available_spare_threshold", h.available_spare_threshold},
        {"percentage_used", h.percentage_used},
        {"data_units_read", h.data_units_read},
        {"data_units_written", h.data_units_written},
        {"host_reads", h.host_reads},
        {"host_writes", h.host_writes},
        {"controller_busy_time", h.controller_busy_time},
        {"power_cycles", h.power_cycles},
        {"power_on_hours", h.power_on_hours},
        {"unsafe_shutdowns", h.unsafe_shutdowns},
        {"media_errors", h.media_errors},
        {"num_err_log_entries", h.num_err_log_entries},
        {"warning_temp_time", h.warning_temp_time},
        {"critical_comp_time", h.critical_comp_time}};
    j["smart_status"]["nvme"] = {{"value", h.critical_warning}};
    if (r.error_log == "nvme") {
      json table = json::array();
      for (const auto& e : r.errors) table.push_back(error_entry_json(e, true));
      j["nvme_error_information_log"] = {{"table", table}};
    }
  }
  if (r.scsi) {
    const auto& s = *r.scsi;
    if (s.drive_trip_temperature) j["temperature"]["drive_trip"] = *s.drive_trip_temperature;
    if (s.ie_asc) j["smart_status"]["scsi"] = {{"asc", *s.ie_asc}, {"ascq", s.ie_ascq.value_or(0)}};
    json read = json::object();
    put_optional(read, "errors_corrected_by_eccfast", s.read_corrected_fast);
    put_optional(read, "errors_corrected_by_eccdelayed", s.read_corrected_delayed);
    put_optional(read, "errors_corrected_by_rereads", s.read_corrected_rereads);
    put_optional(read, "total_errors_corrected", s.read_total_corrected);
    put_optional(read, "correction_algorithm_invocations", s.read_algorithm_invocations);
    if (s.read_bytes_processed) read["gigabytes_processed"] = fmt::format("{:.3f}", *s.read_bytes_processed / 1e9);
    put_optional(read, "total_uncorrected_errors", s.read_total_uncorrected);
    if (!read.empty()) j["scsi_error_counter_log"] = {{"read", read}};
    if (!s.supported_pages.empty()) j["ptrescue_scsi_log_pages"] = s.supported_pages;
  }
  if (!r.notes.empty()) j["ptrescue_notes"] = r.notes;
  return j;
}

}  // namespace ptrescue
