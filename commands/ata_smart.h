// SPDX-License-Identifier: GPL-3.0-or-later
// ATA SMART data (ACS-4 "SMART READ DATA", "SMART RETURN STATUS"), the
// thresholds page, the SMART error logs (Summary SMART Error log, log 01h;
// Extended Comprehensive SMART Error log, GPL log 03h) and Device
// Statistics (GPL log 04h): parsers from the 512-byte pages a drive returns,
// and, for the simulator and the tests, encoders of the two SMART pages.
// Every parser checks the length and the page checksum and says why it
// refuses a page; none throws.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "commands/smart_report.h"

namespace ptrescue::commands {

inline constexpr std::size_t kAtaSmartPageBytes = 512;
inline constexpr std::size_t kAtaSmartAttributeSlots = 30;
inline constexpr std::uint8_t kAtaSummaryErrorLog = 0x01;      ///< SMART READ LOG address
inline constexpr std::uint8_t kAtaExtErrorLog = 0x03;          ///< GPL address (READ LOG EXT)
inline constexpr std::uint8_t kAtaDeviceStatisticsLog = 0x04;  ///< GPL address (READ LOG EXT)

/// The attribute IDs recovery watches (names as smartctl prints them).
namespace ata_attr {
inline constexpr std::uint8_t kRawReadErrorRate = 1;
inline constexpr std::uint8_t kReallocatedSectors = 5;
inline constexpr std::uint8_t kPowerOnHours = 9;
inline constexpr std::uint8_t kPowerCycleCount = 12;
inline constexpr std::uint8_t kReportedUncorrect = 187;
inline constexpr std::uint8_t kCommandTimeout = 188;
inline constexpr std::uint8_t kAirflowTemperature = 190;
inline constexpr std::uint8_t kTemperature = 194;
inline constexpr std::uint8_t kReallocatedEvents = 196;
inline constexpr std::uint8_t kCurrentPendingSectors = 197;
inline constexpr std::uint8_t kOfflineUncorrectable = 198;
inline constexpr std::uint8_t kUdmaCrcErrors = 199;
}  // namespace ata_attr

/// smartctl's default name for an attribute ID, "Unknown_Attribute" else.
std::string ata_attribute_name(std::uint8_t id);

/// Fills name, raw_string and raw_decoded of `a` from its id and raw value:
/// temperatures (190, 194) are byte 0 with "(Min/Max lo/hi)" from bytes 2
/// and 4 when they bracket it; power-on hours (9) the low 32 bits; the
/// counters recovery watches (5, 187, 196-199) the low 32 bits; 188 the low
/// 16 bits; everything else the whole 48 bits.
void decode_ata_attribute(AtaSmartAttribute& a);

/// True when the 512 bytes sum to 0 modulo 256 (ACS-4 "Data structure
/// checksum": byte 511 is the two's complement of the sum of bytes 0-510).
bool ata_page_checksum_ok(std::span<const std::uint8_t> page);

/// SMART READ DATA page. ACS-4 table "Device SMART data structure" defines
/// bytes 362-511 (offline collection status 362, self-test status 363,
/// capabilities 367-370, checksum 511) and leaves bytes 0-361 vendor
/// specific; every drive lays them out as SFF-8035i rev 2 does: bytes 0-1
/// revision, then 30 attribute entries of 12 bytes at offset 2: ID (0 =
/// unused), flags (2 bytes LE), current value, worst value, raw value (6
/// bytes LE), reserved. Refuses a page that is short, all zero, or whose
/// checksum is wrong.
Parsed<std::vector<AtaSmartAttribute>> parse_ata_smart_data(std::span<const std::uint8_t> page);

/// SMART READ THRESHOLDS page (obsolete since ATA-8 but answered by nearly
/// every drive; same SFF-8035i layout): 30 entries of 12 bytes at offset 2:
/// ID, threshold, 10 reserved. Returns (id, threshold) pairs.
struct AtaThreshold {
  std::uint8_t id = 0;
  std::uint8_t threshold = 0;
};
Parsed<std::vector<AtaThreshold>> parse_ata_smart_thresholds(std::span<const std::uint8_t> page);
/// Sets each attribute's threshold from `thresholds` (by ID).
void apply_ata_thresholds(std::vector<AtaSmartAttribute>& attributes,
                          const std::vector<AtaThreshold>& thresholds);

/// An ATA SMART error log: the device error count and the entries, most
/// recent first.
struct AtaErrorLog {
  std::uint64_t device_error_count = 0;
  std::vector<SmartErrorEntry> entries;
};
/// Summary SMART Error log (ACS-4 "Summary SMART Error log", SMART READ LOG
/// 01h): byte 0 version, byte 1 index of the latest entry (0 = none, 1-5),
/// five 90-byte error log data structures at offset 2 (five 12-byte command
/// data structures, then a 30-byte error data structure: byte 1 ERROR,
/// 2 COUNT, 3-5 LBA(7:0), (15:8), (23:16), 6 DEVICE, 7 STATUS, 28-29 life
/// timestamp in hours), bytes 452-453 device error count, 511 checksum.
Parsed<AtaErrorLog> parse_ata_summary_error_log(std::span<const std::uint8_t> page);
/// Extended Comprehensive SMART Error log, page 0 (ACS-4 "Extended
/// Comprehensive SMART Error log", READ LOG EXT 03h): byte 0 version,
/// bytes 2-3 index of the latest entry (0 = none, 1-4 on this page), four
/// 124-byte error log data structures at offset 4 (five 18-byte command data
/// structures, then a 34-byte error data structure: byte 1 ERROR, 2-3 COUNT,
/// 4-9 LBA(7:0), (31:24), (15:8), (39:32), (23:16), (47:40), 10 DEVICE,
/// 11 STATUS, 32-33 life timestamp), bytes 500-501 device error count,
/// 511 checksum.
Parsed<AtaErrorLog> parse_ata_ext_error_log(std::span<const std::uint8_t> page);

/// Device Statistics page 00h (ACS-4 "List of supported Device Statistics
/// log pages"): byte 8 number of entries, the page numbers from byte 9.
Parsed<std::vector<std::uint8_t>> parse_ata_statistics_page_list(std::span<const std::uint8_t> page);
/// One Device Statistics page (ACS-4 "Device Statistics log"): a header
/// qword (revision word, page number in byte 2), then one qword per
/// statistic: bit 63 supported, bit 62 valid, the value in bits 47:0 (the
/// width the statistic defines). Returns the supported and valid statistics
/// of the pages ptrescue names (01h General, 04h General Errors, 05h
/// Temperature, 06h Transport, 07h Solid State); others give an empty list.
/// Refuses a page that is short or whose header names another page.
Parsed<std::vector<AtaDeviceStatistic>> parse_ata_statistics_page(std::span<const std::uint8_t> page,
                                                                   std::uint8_t number);

/// Temperature, power-on hours and power cycles of an ATA report, from the
/// attributes (194, else 190; 9; 12) and, where no attribute says, from the
/// Device Statistics.
void summarize_ata_report(SmartReport& report);

/// The inverse of the parsers, for the simulator and tests: a SMART READ
/// DATA page (revision 0x0010, offline status 0x82 "completed", capability
/// words as most drives answer) and a thresholds page, checksums set. At
/// most 30 attributes.
std::array<std::uint8_t, kAtaSmartPageBytes> encode_ata_smart_data(
    const std::vector<AtaSmartAttribute>& attributes);
std::array<std::uint8_t, kAtaSmartPageBytes> encode_ata_smart_thresholds(
    const std::vector<AtaSmartAttribute>& attributes);

}  // namespace ptrescue::commands
