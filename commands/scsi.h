// SPDX-License-Identifier: GPL-3.0-or-later
// SCSI commands (SPC-5, SBC-4) and the parsers of their data-in: reads,
// capacity, identification and the Control mode page's D_SENSE setting.
// Builders take natural units and throw CommandRefused for what does not fit
// or what the allow-list refuses; parsers return nullopt for data too short
// or malformed to use.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "commands/command.h"

namespace ptrescue::commands {

namespace scsi_opcode {
inline constexpr std::uint8_t kTestUnitReady = 0x00;
inline constexpr std::uint8_t kRequestSense = 0x03;
inline constexpr std::uint8_t kInquiry = 0x12;
inline constexpr std::uint8_t kReadCapacity10 = 0x25;
inline constexpr std::uint8_t kRead10 = 0x28;
inline constexpr std::uint8_t kLogSense = 0x4d;
inline constexpr std::uint8_t kModeSelect10 = 0x55;
inline constexpr std::uint8_t kModeSense10 = 0x5a;
inline constexpr std::uint8_t kRead16 = 0x88;
inline constexpr std::uint8_t kServiceActionIn16 = 0x9e;
inline constexpr std::uint8_t kReadCapacity16ServiceAction = 0x10;
}  // namespace scsi_opcode

/// True when [lba, lba + blocks) can be read with READ(10) (32-bit LBA,
/// 16-bit TRANSFER LENGTH, at least one block).
constexpr bool fits_read10(std::uint64_t lba, std::uint32_t blocks) {
  return blocks >= 1 && blocks <= 0xffff && lba < (1ull << 32) && blocks <= (1ull << 32) - lba;
}

/// READ(16) (SBC-4 "READ (16) command"): 88h, flags 0, LBA in bytes 2-9,
/// TRANSFER LENGTH (blocks) in bytes 10-13. blocks >= 1.
ScsiCdb scsi_read16(std::uint64_t lba, std::uint32_t blocks, std::uint32_t block_bytes);
/// READ(10) (SBC-4 "READ (10) command"): 28h, LBA in bytes 2-5, TRANSFER
/// LENGTH in bytes 7-8. Refuses what fits_read10() refuses.
ScsiCdb scsi_read10(std::uint64_t lba, std::uint32_t blocks, std::uint32_t block_bytes);
/// READ CAPACITY(10) (SBC-4): 25h, 8 bytes of data.
ScsiCdb scsi_read_capacity10();
/// READ CAPACITY(16) (SBC-4): SERVICE ACTION IN(16) 9Eh / 10h, 32 bytes of data.
ScsiCdb scsi_read_capacity16();
/// Standard INQUIRY (SPC-5 "INQUIRY command"): 12h, EVPD 0.
ScsiCdb scsi_inquiry(std::uint16_t allocation_length = 96);
/// INQUIRY of a VPD page (EVPD 1): e.g. 80h unit serial number, 89h ATA
/// Information (572 bytes).
ScsiCdb scsi_inquiry_vpd(std::uint8_t page, std::uint16_t allocation_length = 255);
/// TEST UNIT READY (SPC-5): 00h, no data.
ScsiCdb scsi_test_unit_ready();
/// REQUEST SENSE (SPC-5): 03h, DESC = `descriptor`.
ScsiCdb scsi_request_sense(bool descriptor = false, std::uint8_t allocation_length = 252);
/// LOG SENSE (SPC-5): 4Dh with SP = 0 (never saves parameters), PC = 01b
/// (current cumulative values).
ScsiCdb scsi_log_sense(std::uint8_t page, std::uint8_t subpage = 0,
                       std::uint16_t allocation_length = 0x1000);

/// MODE SENSE(10) page control (SPC-5 "PC field").
enum class ModePageControl : std::uint8_t { kCurrent = 0, kChangeable = 1, kDefault = 2, kSaved = 3 };

inline constexpr std::uint8_t kControlModePage = 0x0a;
inline constexpr std::size_t kControlModePageBytes = 12;
inline constexpr std::size_t kModeHeader10Bytes = 8;

/// MODE SENSE(10) of the Control mode page (SPC-5 "MODE SENSE(10) command",
/// "Control mode page"): 5Ah, DBD = 1 (no block descriptors), page 0Ah.
ScsiCdb scsi_mode_sense10_control(ModePageControl pc = ModePageControl::kCurrent,
                                  std::uint16_t allocation_length = 64);

/// The 12-byte Control mode page (page code 0Ah, PAGE LENGTH 0Ah).
struct ControlModePage {
  std::array<std::uint8_t, kControlModePageBytes> bytes{};
  /// D_SENSE (byte 2 bit 2): report sense data in descriptor format.
  bool d_sense() const { return (bytes[2] & 0x04) != 0; }
};
static_assert(sizeof(ControlModePage) == kControlModePageBytes);

/// The Control mode page in a MODE SENSE(10) response (mode parameter
/// header(10), block descriptors, page); nullopt if it is not there whole.
std::optional<ControlModePage> parse_control_mode_page(std::span<const std::uint8_t> mode_sense10);

/// MODE SELECT(10) (SPC-5 "MODE SELECT(10) command"): 55h, PF = 1, SP = 0 —
/// the change is not saved and lasts until the next reset or power cycle —
/// with a parameter list of an empty mode parameter header(10) and
/// `current` with D_SENSE set to `d_sense`. Every other field is sent back
/// as the drive reported it (libata refuses any other change).
ScsiCdb scsi_mode_select10_d_sense(const ControlModePage& current, bool d_sense);

/// READ CAPACITY(16) parameter data (SBC-4).
struct ReadCapacity {
  std::uint64_t last_lba = 0;                 ///< RETURNED LOGICAL BLOCK ADDRESS.
  std::uint32_t block_bytes = 0;              ///< LOGICAL BLOCK LENGTH IN BYTES.
  std::uint8_t logical_per_physical_exponent = 0;
  std::uint16_t lowest_aligned_lba = 0;
  bool protection_enabled = false;            ///< PROT_EN.
  std::uint8_t protection_type = 0;           ///< P_TYPE (type - 1 when enabled).
  std::uint64_t blocks() const { return last_lba + 1; }
  std::uint64_t physical_block_bytes() const {
    return std::uint64_t{block_bytes} << logical_per_physical_exponent;
  }
};

/// READ CAPACITY(16) data: at least 12 bytes (fields past byte 11 default
/// when absent). nullopt for a zero block length or a last LBA of 2^64-1.
std::optional<ReadCapacity> parse_read_capacity16(std::span<const std::uint8_t> data);
/// READ CAPACITY(10) data (8 bytes). nullopt when the last LBA is FFFFFFFFh
/// (the drive is too big: use READ CAPACITY(16)) or the block length is 0.
std::optional<ReadCapacity> parse_read_capacity10(std::span<const std::uint8_t> data);

/// Standard INQUIRY data (SPC-5 "Standard INQUIRY data").
struct InquiryData {
  std::uint8_t peripheral_qualifier = 0;
  std::uint8_t device_type = 0;  ///< 00h = direct access block device.
  bool removable = false;
  std::uint8_t version = 0;
  std::string vendor;    ///< T10 VENDOR IDENTIFICATION, bytes 8-15 ("ATA" behind libata).
  std::string product;   ///< PRODUCT IDENTIFICATION, bytes 16-31.
  std::string revision;  ///< PRODUCT REVISION LEVEL, bytes 32-35.
};
/// nullopt for fewer than 36 valid bytes (5 + ADDITIONAL LENGTH, capped by
/// the buffer).
std::optional<InquiryData> parse_inquiry(std::span<const std::uint8_t> data);

/// Unit Serial Number VPD page (80h, SPC-5): the PRODUCT SERIAL NUMBER.
std::optional<std::string> parse_unit_serial_vpd(std::span<const std::uint8_t> data);

/// ATA Information VPD page (89h, SAT-5 "ATA Information VPD page").
struct AtaInformationVpd {
  std::string sat_vendor;    ///< Bytes 8-15.
  std::string sat_product;   ///< Bytes 16-31.
  std::string sat_revision;  ///< Bytes 32-35.
  std::uint8_t command_code = 0;  ///< Byte 56: ECh (IDENTIFY DEVICE) or A1h (PACKET).
  std::array<std::uint8_t, 512> identify{};  ///< Bytes 60-571: the IDENTIFY data.
};
inline constexpr std::size_t kAtaInformationVpdBytes = 572;
std::optional<AtaInformationVpd> parse_ata_information_vpd(std::span<const std::uint8_t> data);

}  // namespace ptrescue::commands
