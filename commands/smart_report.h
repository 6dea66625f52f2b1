// SPDX-License-Identifier: GPL-3.0-or-later
// What a drive says about its health, in one model for ATA, NVMe and SCSI:
// built by the parsers in ata_smart.h, nvme_smart.h and scsi_log.h, shown by
// `ptrescue smart`, stored in the rescue's SMART sidecar and compared by
// smart-diff. Fields a drive does not report stay empty (nullopt), never 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ptrescue::commands {

enum class SmartKind : std::uint8_t { kAta, kNvme, kScsi };
/// "ata", "nvme", "scsi".
const char* smart_kind_word(SmartKind k);

/// One row of the ATA SMART attribute table (SMART READ DATA + THRESHOLDS).
struct AtaSmartAttribute {
  std::uint8_t id = 0;
  std::string name;          ///< The name smartctl uses ("Reallocated_Sector_Ct"), or "Unknown_Attribute".
  std::uint16_t flags = 0;   ///< Bit 0 pre-failure, bit 1 online, ...
  std::uint8_t value = 0;    ///< Normalised current value.
  std::uint8_t worst = 0;
  std::optional<std::uint8_t> threshold;  ///< From READ THRESHOLDS, when it answered.
  std::uint64_t raw = 0;     ///< The 48-bit raw value.
  std::string raw_string;    ///< Decoded raw value ("31 (Min/Max 20/45)", "1234").
  /// The number recovery cares about: the count or temperature decoded from
  /// the raw value (low 32 bits for counters, byte 0 for temperatures).
  std::uint64_t raw_decoded = 0;
  bool prefailure() const { return (flags & 0x1) != 0; }
  /// Normalised value at or below a non-zero threshold: the drive itself says
  /// this attribute failed.
  bool failing_now() const { return threshold && *threshold != 0 && value <= *threshold; }
};

/// NVMe SMART / Health Information log (log 02h). 128-bit counters are kept
/// as their low 64 bits (saturating).
struct NvmeHealth {
  std::uint8_t critical_warning = 0;
  std::uint16_t temperature_kelvin = 0;  ///< Composite temperature.
  std::uint8_t available_spare = 0;
  std::uint8_t available_spare_threshold = 0;
  std::uint8_t percentage_used = 0;
  std::uint64_t data_units_read = 0;     ///< In 1000 × 512 bytes.
  std::uint64_t data_units_written = 0;
  std::uint64_t host_reads = 0;
  std::uint64_t host_writes = 0;
  std::uint64_t controller_busy_time = 0;  ///< Minutes.
  std::uint64_t power_cycles = 0;
  std::uint64_t power_on_hours = 0;
  std::uint64_t unsafe_shutdowns = 0;
  std::uint64_t media_errors = 0;
  std::uint64_t num_err_log_entries = 0;
  std::uint32_t warning_temp_time = 0;    ///< Minutes.
  std::uint32_t critical_comp_time = 0;   ///< Minutes.
};

/// What the SCSI log pages said (LOG SENSE); each field only if its page answered.
struct ScsiHealth {
  std::vector<std::uint8_t> supported_pages;   ///< Page 00h.
  std::optional<int> temperature;              ///< Page 0Dh, parameter 0000h (°C).
  std::optional<int> drive_trip_temperature;   ///< Page 0Dh, parameter 0001h.
  std::optional<std::uint8_t> ie_asc;          ///< Page 2Fh: informational exception ASC (0 = none).
  std::optional<std::uint8_t> ie_ascq;
  std::optional<int> ie_temperature;           ///< Page 2Fh: most recent temperature reading.
  /// Page 03h, Read Error Counter, parameters 0000h-0006h.
  std::optional<std::uint64_t> read_corrected_fast, read_corrected_delayed, read_corrected_rereads,
      read_total_corrected, read_algorithm_invocations, read_bytes_processed, read_total_uncorrected;
  std::optional<std::uint64_t> power_on_minutes;  ///< Page 15h, parameter 0000h.
};

/// One entry of a drive's error log (ATA SMART error log, NVMe Error
/// Information log).
struct SmartErrorEntry {
  std::uint64_t number = 0;              ///< ATA: position counted back from the latest; NVMe: Error Count.
  std::optional<std::uint64_t> lba;
  std::optional<std::uint64_t> power_on_hours;  ///< ATA life timestamp.
  std::string text;                      ///< "ERR 40 (UNC) STATUS 51 COUNT 8" / NVMe status text.
};

/// One ATA Device Statistics value (GPL log 04h).
struct AtaDeviceStatistic {
  std::uint8_t page = 0;
  std::uint16_t offset = 0;
  std::string name;
  std::uint64_t value = 0;
};

struct SmartReport {
  SmartKind kind = SmartKind::kAta;
  /// Overall health: ATA SMART RETURN STATUS, NVMe critical warning 0, SCSI
  /// informational exception ASC 0. nullopt when the drive did not say.
  std::optional<bool> passed;
  std::optional<int> temperature;               ///< °C.
  std::optional<std::uint64_t> power_on_hours;
  std::optional<std::uint64_t> power_cycles;
  std::vector<AtaSmartAttribute> ata_attributes;  ///< In the drive's order.
  std::vector<AtaDeviceStatistic> ata_statistics;
  std::optional<NvmeHealth> nvme;
  std::optional<ScsiHealth> scsi;
  std::optional<std::uint64_t> error_count;     ///< Errors the device counted (ATA device error count).
  /// Which log `error_count` and `errors` came from: "summary" (ATA SMART
  /// READ LOG 01h), "extended" (ATA READ LOG EXT 03h), "nvme" (log 01h).
  std::string error_log;
  std::vector<SmartErrorEntry> errors;          ///< Most recent first.
  /// Pieces that could not be read ("SMART READ THRESHOLDS: ILLEGAL REQUEST"),
  /// for the user; the report holds what could.
  std::vector<std::string> notes;

  const AtaSmartAttribute* attribute(std::uint8_t id) const {
    for (const auto& a : ata_attributes)
      if (a.id == id) return &a;
    return nullptr;
  }
};

/// A parser's result: the value, or why the bytes were refused.
template <class T>
struct Parsed {
  std::optional<T> value;
  std::string error;
  bool ok() const { return value.has_value(); }
  static Parsed fail(std::string why) { return Parsed{std::nullopt, std::move(why)}; }
};

}  // namespace ptrescue::commands
