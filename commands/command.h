// SPDX-License-Identifier: GPL-3.0-or-later
// The command values of the pass-through protocol layer: what a transport
// sends to a drive, as plain data. A command is its bytes plus its outgoing
// payload, so the allow-list (allow_list.h) can judge everything that leaves
// the program. Builders (ata.h, sat.h, scsi.h, nvme.h) produce these values;
// nothing in commands/ performs I/O.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace ptrescue::commands {

enum class DataDirection : std::uint8_t {
  kNone,        ///< No data phase.
  kFromDevice,  ///< Data-in: the drive fills the caller's buffer.
  kToDevice,    ///< Data-out: `data_out` is sent to the drive.
};

/// The SAT PROTOCOL field of ATA PASS-THROUGH (SAT-5, ATA PASS-THROUGH
/// command, table "PROTOCOL field"). Only the values ptrescue builds are named.
/// Linux libata (ata_scsi_map_proto) accepts 3, 4, 5, 6, 10, 11, 12 and
/// rejects 0 and 1 with ILLEGAL REQUEST / INVALID FIELD IN CDB.
enum class AtaProtocol : std::uint8_t {
  kHardReset = 0,   ///< ATA hardware reset (COMRESET on SATA).
  kSoftReset = 1,   ///< Software reset (SRST).
  kNonData = 3,
  kPioDataIn = 4,
  kPioDataOut = 5,
  kDma = 6,
};

/// A SCSI command descriptor block (SPC-5 "The command descriptor block (CDB)").
struct ScsiCdb {
  std::array<std::uint8_t, 16> bytes{};
  std::uint8_t length = 0;  ///< 6, 10, 12 or 16.
  DataDirection direction = DataDirection::kNone;
  /// Length of the data phase in bytes (the buffer the transport provides
  /// for data-in, the size of `data_out` for data-out).
  std::uint32_t transfer_bytes = 0;
  /// The payload of a data-out command (MODE SELECT parameter list, the SCT
  /// key page of a SMART WRITE LOG tunnelled through ATA PASS-THROUGH).
  std::vector<std::uint8_t> data_out;

  std::span<const std::uint8_t> cdb() const { return {bytes.data(), length}; }
  std::uint8_t opcode() const { return bytes[0]; }
  friend bool operator==(const ScsiCdb&, const ScsiCdb&) = default;
};

/// An ATA command as its register values (ACS-4 command input fields; the
/// 48-bit register pairs are merged into 16/48-bit fields).
struct AtaTaskfile {
  std::uint8_t command = 0;
  std::uint16_t feature = 0;  ///< FEATURE(15:0); (15:8) only sent for 48-bit commands.
  /// COUNT register value as sent. For reads 0 means 65536 (48-bit) or 256
  /// (28-bit) sectors; the builders never produce 0 for a read.
  std::uint16_t count = 0;
  /// LBA(47:0) for 48-bit commands, LBA(27:0) for 28-bit ones; the SAT
  /// encoder moves LBA(27:24) into DEVICE(3:0) for 28-bit commands.
  std::uint64_t lba = 0;
  std::uint8_t device = 0x40;  ///< DEVICE register; bit 6 = LBA addressing.
  bool ext = false;            ///< 48-bit command (SAT EXTEND bit).
  AtaProtocol protocol = AtaProtocol::kNonData;
  DataDirection direction = DataDirection::kNone;
  std::uint32_t transfer_bytes = 0;
  /// Bytes per COUNT unit of the data phase: 512 for IDENTIFY, SMART and
  /// logs; the logical sector size for READ SECTORS/READ DMA.
  std::uint32_t block_bytes = 512;
  std::vector<std::uint8_t> data_out;  ///< Payload for PIO data-out.

  friend bool operator==(const AtaTaskfile&, const AtaTaskfile&) = default;
};

/// An NVMe submission queue entry's command-specific part (NVMe Base 2.0
/// "Submission Queue Entry"): opcode, NSID and CDW10..CDW15. The data
/// pointer and command identifier belong to the transport.
struct NvmeCommand {
  bool admin = false;  ///< Admin queue (else I/O queue).
  std::uint8_t opcode = 0;
  std::uint32_t nsid = 0;
  std::uint32_t cdw10 = 0, cdw11 = 0, cdw12 = 0, cdw13 = 0, cdw14 = 0, cdw15 = 0;
  DataDirection direction = DataDirection::kNone;
  std::uint32_t transfer_bytes = 0;

  friend bool operator==(const NvmeCommand&, const NvmeCommand&) = default;
};

using Command = std::variant<ScsiCdb, AtaTaskfile, NvmeCommand>;

/// Thrown by a builder whose output the allow-list refuses, or whose
/// arguments cannot be encoded: both are programming errors, not drive errors.
class CommandRefused : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace ptrescue::commands
