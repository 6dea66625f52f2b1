// SPDX-License-Identifier: GPL-3.0-or-later
// ATA commands as taskfiles (ACS-4), independent of how they reach the drive:
// today through SAT ATA PASS-THROUGH (sat.h). Natural units in (LBA, sector
// count), register encoding inside. Every builder's output passes through the
// allow-list and a builder throws CommandRefused rather than return a command
// the allow-list refuses or one that cannot be encoded.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "commands/command.h"

namespace ptrescue::commands {

/// ACS-4 table "Command codes (sorted by command code)": the ones ptrescue uses.
namespace ata_opcode {
inline constexpr std::uint8_t kReadSectors = 0x20;      ///< ACS-4 READ SECTORS (28-bit, PIO)
inline constexpr std::uint8_t kReadSectorsExt = 0x24;   ///< ACS-4 READ SECTORS EXT
inline constexpr std::uint8_t kReadDmaExt = 0x25;       ///< ACS-4 READ DMA EXT
inline constexpr std::uint8_t kReadLogExt = 0x2f;       ///< ACS-4 READ LOG EXT
inline constexpr std::uint8_t kReadLogDmaExt = 0x47;    ///< ACS-4 READ LOG DMA EXT
inline constexpr std::uint8_t kSmart = 0xb0;            ///< ACS-4 SMART (FEATURE = subcommand)
inline constexpr std::uint8_t kReadDma = 0xc8;          ///< ACS-4 READ DMA (28-bit)
inline constexpr std::uint8_t kIdentifyDevice = 0xec;   ///< ACS-4 7.13 IDENTIFY DEVICE
}  // namespace ata_opcode

/// SMART subcommands, in the FEATURE register (ACS-4 SMART command).
namespace smart_feature {
inline constexpr std::uint8_t kReadData = 0xd0;
inline constexpr std::uint8_t kReadThresholds = 0xd1;  ///< Obsolete in ACS, still answered by many drives.
inline constexpr std::uint8_t kReadLog = 0xd5;
inline constexpr std::uint8_t kWriteLog = 0xd6;
inline constexpr std::uint8_t kReturnStatus = 0xda;
}  // namespace smart_feature

/// SMART commands carry C24Fh in LBA(23:8) (ACS-4 SMART command).
inline constexpr std::uint64_t kSmartLbaSignature = 0xc24f00;
/// SMART RETURN STATUS answers 2CF4h in LBA(23:8) when a threshold is exceeded.
inline constexpr std::uint64_t kSmartThresholdExceeded = 0x2cf400;
/// SCT Command/Status log (ACS-4 "SCT Command/Status log").
inline constexpr std::uint8_t kSctCommandStatusLog = 0xe0;

/// ATA STATUS register bits (ACS-4 "Status field").
namespace ata_status {
inline constexpr std::uint8_t kBsy = 0x80;
inline constexpr std::uint8_t kDrdy = 0x40;
inline constexpr std::uint8_t kDf = 0x20;
inline constexpr std::uint8_t kDrq = 0x08;
inline constexpr std::uint8_t kErr = 0x01;
}  // namespace ata_status

/// ATA ERROR register bits (ACS-4 "Error field").
namespace ata_error {
inline constexpr std::uint8_t kIcrc = 0x80;  ///< Interface CRC error.
inline constexpr std::uint8_t kUnc = 0x40;   ///< Uncorrectable data error.
inline constexpr std::uint8_t kIdnf = 0x10;  ///< ID (address) not found.
inline constexpr std::uint8_t kAbrt = 0x04;  ///< Command aborted.
inline constexpr std::uint8_t kAmnf = 0x01;  ///< Address mark not found (obsolete).
}  // namespace ata_error

/// ATA output registers of a completed command (ACS-4 "Normal outputs" /
/// "Error outputs" of each command), as a SAT layer returns them in sense data.
struct AtaRegisters {
  std::uint8_t error = 0;
  std::uint8_t status = 0;
  std::uint8_t device = 0;
  std::uint16_t count = 0;
  std::uint64_t lba = 0;
  bool extend = false;  ///< The registers came from a 48-bit command.
  /// Low-order LBA bits the source really carried (48, 28, 24 or 8); the
  /// other bits of `lba` are zero and unknown.
  unsigned lba_bits = 48;
  friend bool operator==(const AtaRegisters&, const AtaRegisters&) = default;
};

/// Largest sector count of one 48-bit / 28-bit read: the COUNT field holds 0
/// for these (ACS-4 READ DMA EXT / READ SECTORS). ptrescue's builders take
/// 1..max and encode max as 0; they refuse 0, almost always a caller's bug.
inline constexpr std::uint32_t kMaxSectorsExt = 65536;
inline constexpr std::uint32_t kMaxSectors28 = 256;

/// True when [lba, lba + blocks) can be addressed by a 28-bit command.
constexpr bool fits_lba28(std::uint64_t lba, std::uint32_t blocks) {
  return blocks >= 1 && blocks <= kMaxSectors28 && lba < (1ull << 28) &&
         blocks <= (1ull << 28) - lba;
}

/// READ SECTORS EXT (24h), PIO data-in. blocks 1..65536; lba + blocks <= 2^48.
/// `block_bytes` is the drive's logical sector size.
AtaTaskfile ata_read_sectors_ext(std::uint64_t lba, std::uint32_t blocks,
                                 std::uint32_t block_bytes = 512);
/// READ DMA EXT (25h), DMA. Same limits as ata_read_sectors_ext().
AtaTaskfile ata_read_dma_ext(std::uint64_t lba, std::uint32_t blocks,
                             std::uint32_t block_bytes = 512);
/// READ SECTORS (20h), 28-bit PIO data-in; refuses what fits_lba28() refuses.
AtaTaskfile ata_read_sectors(std::uint64_t lba, std::uint32_t blocks,
                             std::uint32_t block_bytes = 512);
/// READ DMA (C8h), 28-bit DMA; refuses what fits_lba28() refuses.
AtaTaskfile ata_read_dma(std::uint64_t lba, std::uint32_t blocks,
                         std::uint32_t block_bytes = 512);
/// IDENTIFY DEVICE (ECh): one 512-byte page.
AtaTaskfile ata_identify_device();
/// SMART READ DATA (B0h/D0h): one 512-byte page.
AtaTaskfile ata_smart_read_data();
/// SMART READ THRESHOLDS (B0h/D1h): one 512-byte page.
AtaTaskfile ata_smart_read_thresholds();
/// SMART RETURN STATUS (B0h/DAh): non-data; the answer is in LBA(23:8), so
/// send it with CK_COND (see smart_threshold_exceeded()).
AtaTaskfile ata_smart_return_status();
/// SMART READ LOG (B0h/D5h): `pages` (1..255) 512-byte pages of a log.
AtaTaskfile ata_smart_read_log(std::uint8_t log_address, std::uint8_t pages);
/// READ LOG EXT (2Fh) or READ LOG DMA EXT (47h): `pages` (1..65535) pages
/// from `first_page` of a General Purpose log (ACS-4 READ LOG EXT: LBA(7:0) log
/// address, LBA(15:8) page (7:0), LBA(39:32) page (15:8)).
AtaTaskfile ata_read_log_ext(std::uint8_t log_address, std::uint16_t first_page,
                             std::uint16_t pages, bool dma = false);

/// SCT Error Recovery Control (ACS-4, SCT command transport, action code
/// 0003h), tunnelled through SMART WRITE LOG (B0h/D6h) to log E0h: a 512-byte
/// key page written to the drive. Only the read command timer and only the
/// volatile functions (0001h set, 0002h return current) are built; the value
/// is in units of 100 ms and lasts until the drive is power-cycled.
AtaTaskfile ata_sct_erc_set_read_timer(std::uint16_t deciseconds);
/// Function 0002h: the drive returns the current read timer in COUNT(7:0)
/// and LBA(7:0) (send with CK_COND; decode with sct_erc_timer_from_registers()).
AtaTaskfile ata_sct_erc_get_read_timer();

/// The SCT key page layout (ACS-4, table "SCT command format" and table
/// "Error Recovery Control command"): little-endian words.
namespace sct {
inline constexpr std::size_t kKeyPageBytes = 512;
inline constexpr std::uint16_t kActionErrorRecoveryControl = 0x0003;
inline constexpr std::uint16_t kFunctionSetCurrent = 0x0001;
inline constexpr std::uint16_t kFunctionReturnCurrent = 0x0002;
inline constexpr std::uint16_t kSelectionReadTimer = 0x0001;
inline constexpr std::uint16_t kSelectionWriteTimer = 0x0002;
}  // namespace sct

/// The timer a "return current value" SCT ERC command reported: COUNT(7:0)
/// is bits 7:0, LBA(7:0) bits 15:8. nullopt when the registers still hold
/// the values sent (count 1, LBA(7:0) E0h): a pass-through layer that does
/// not return registers (the same check as smartmontools').
std::optional<std::uint16_t> sct_erc_timer_from_registers(const AtaRegisters& regs);

/// SMART RETURN STATUS result: true = threshold exceeded (2CF4h), false =
/// good (C24Fh), nullopt = neither (registers not returned).
std::optional<bool> smart_threshold_exceeded(const AtaRegisters& regs);

}  // namespace ptrescue::commands
