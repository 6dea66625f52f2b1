// SPDX-License-Identifier: GPL-3.0-or-later
// SCSI / ATA Translation (SAT-5): ATA commands tunnelled through the SCSI
// ATA PASS-THROUGH(16) command (and, for bridges that know only that one,
// the 28-bit ATA PASS-THROUGH(12), sat12.cpp), and the ATA registers a SAT
// layer returns in sense data. Linux libata is the SAT layer ptrescue meets most; its quirks
// (KERNEL-FACTS.md §3, §4) are handled here, each with a comment.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "commands/ata.h"
#include "commands/command.h"
#include "commands/decoded_error.h"

namespace ptrescue::commands {

inline constexpr std::uint8_t kAtaPassThrough16 = 0x85;
inline constexpr std::uint8_t kAtaPassThrough12 = 0xa1;

/// Which ATA PASS-THROUGH command carries an ATA command.
enum class AtaPassThroughForm : std::uint8_t { k16, k12 };

/// "ATA PASS-THROUGH(16)" / "ATA PASS-THROUGH(12)".
const char* pass_through_name(AtaPassThroughForm form);

/// Byte 2 of both forms (SAT-5): CK_COND(5), T_TYPE(4), T_DIR(3),
/// BYTE_BLOCK(2), T_LENGTH(1:0) for `tf`'s data phase. OFF_LINE(7:6) = 0.
std::uint8_t pass_through_transfer_flags(const AtaTaskfile& tf, bool check_condition);

/// The inverse of pass_through_transfer_flags() for a decoder: fills
/// `tf.direction`, `transfer_bytes`, `block_bytes` and `data_out` from
/// byte 2 and the CDB's data phase (COUNT, EXTEND already in `tf`). False
/// for a form ptrescue never builds (OFF_LINE, byte mode, TPSIU or FEATURE
/// lengths, a direction or length that disagrees with the data phase).
bool transfer_from_pass_through_flags(std::uint8_t flags, const ScsiCdb& cdb, AtaTaskfile& tf);

/// ATA PASS-THROUGH(16) (SAT-5, "ATA PASS-THROUGH (16) command"):
///   byte 0     85h
///   byte 1     MULTIPLE_COUNT(7:5)=0 | PROTOCOL(4:1) | EXTEND(0)
///   byte 2     OFF_LINE(7:6)=0 | CK_COND(5) | T_TYPE(4) | T_DIR(3) | BYTE_BLOCK(2) | T_LENGTH(1:0)
///   bytes 3-4  FEATURE(15:8), FEATURE(7:0)
///   bytes 5-6  COUNT(15:8), COUNT(7:0)
///   bytes 7-12 LBA(31:24), LBA(7:0), LBA(39:32), LBA(15:8), LBA(47:40), LBA(23:16)
///   byte 13    DEVICE (28-bit commands: LBA(27:24) in bits 3:0)
///   byte 14    COMMAND
///   byte 15    CONTROL = 0
/// Data commands use T_LENGTH = 2 (length in COUNT), BYTE_BLOCK = 1 (in
/// blocks), T_TYPE = 0 for 512-byte blocks or 1 for the logical sector size.
/// `check_condition` sets CK_COND: the SAT layer then returns the ATA output
/// registers in sense data even on success (RECOVERED ERROR, 00/1Dh "ATA
/// pass through information available").
/// Throws CommandRefused for a taskfile that cannot be encoded or is not allowed.
ScsiCdb ata_pass_through16(const AtaTaskfile& tf, bool check_condition);

/// ATA PASS-THROUGH(12) (SAT-5, "ATA PASS-THROUGH (12) command"):
///   byte 0     A1h
///   byte 1     MULTIPLE_COUNT(7:5)=0 | PROTOCOL(4:1) | reserved(0)
///   byte 2     as in the 16-byte form (pass_through_transfer_flags)
///   byte 3     FEATURE(7:0)
///   byte 4     COUNT(7:0)
///   bytes 5-7  LBA(7:0), LBA(15:8), LBA(23:16)
///   byte 8     DEVICE (LBA(27:24) in bits 3:0)
///   byte 9     COMMAND
///   byte 10    reserved, byte 11 CONTROL = 0
/// There is no EXTEND bit: only 28-bit commands fit. ptrescue builds it
/// for the non-write commands only (no data-out, no resets): IDENTIFY
/// DEVICE and the SMART reads, for a USB bridge that refuses the 16-byte
/// form. Opcode A1h is MMC's BLANK on an optical drive: a transport sends
/// it only to a direct access block device (INQUIRY peripheral device type
/// 00h). Throws CommandRefused for a 48-bit, reset or data-out taskfile and
/// for what the allow-list refuses.
ScsiCdb ata_pass_through12(const AtaTaskfile& tf, bool check_condition);

/// Whether `tf` can be carried by ATA PASS-THROUGH(12): a 28-bit command
/// (LBA below 2^28, 8-bit FEATURE and COUNT) that is not a reset and sends
/// no data.
bool fits_pass_through12(const AtaTaskfile& tf);

/// ata_pass_through16() or ata_pass_through12().
ScsiCdb ata_pass_through(const AtaTaskfile& tf, bool check_condition, AtaPassThroughForm form);

/// ATA PASS-THROUGH(16) with PROTOCOL 0 (hardware reset; COMRESET on SATA)
/// or 1 (software reset, SRST): SAT-5 defines both, other fields ignored.
/// Linux libata refuses both (ILLEGAL REQUEST, INVALID FIELD IN CDB): a
/// transport must be ready to fall back to the OS's own reset.
ScsiCdb ata_hard_reset16();
ScsiCdb ata_soft_reset16();

/// The inverse of ata_pass_through16(), for the allow-list: the taskfile an
/// ATA PASS-THROUGH(16) CDB carries, or nullopt when the CDB uses a form
/// ptrescue never builds (other protocols, MULTIPLE_COUNT, OFF_LINE, byte
/// mode or TPSIU lengths, non-zero ignored fields, inconsistent direction or
/// length).
std::optional<AtaTaskfile> taskfile_from_pass_through16(const ScsiCdb& cdb);

/// The inverse of ata_pass_through12(), for the allow-list: nullopt for a
/// CDB in a form ptrescue never builds (MULTIPLE_COUNT, OFF_LINE, reserved
/// bits or bytes set, a reset or data-out protocol, the transfer forms
/// taskfile_from_pass_through16 refuses).
std::optional<AtaTaskfile> taskfile_from_pass_through12(const ScsiCdb& cdb);

/// The ATA output registers in the sense data of an ATA PASS-THROUGH
/// command, from any of the three layouts met in practice:
///  - descriptor format, ATA Status Return descriptor (09h, SAT-5): all
///    registers, 48-bit LBA when EXTEND is set;
///  - fixed format per SAT-5 (Linux >= 6.11 sets VALID): ERROR, STATUS,
///    DEVICE, COUNT(7:0) in INFORMATION (bytes 3-6); byte 8 EXTEND(7),
///    COUNT UPPER NONZERO(6), LBA UPPER NONZERO(5); LBA(23:0) in bytes 9-11.
///    LBA(47:24) is missing unless LBA UPPER NONZERO is clear;
///  - fixed format from Linux < 6.11 (KERNEL-FACTS §3; VALID clear, bytes 3-6
///    zero): ERROR, STATUS, DEVICE, COUNT(7:0) in bytes 8-11, the flags in
///    byte 16 and LBA(7:0) in byte 17; the additional length (0Ah) ends the
///    sense there, so only 8 LBA bits survive.
/// nullopt when none of these is present. Only meaningful for the sense of
/// an ATA PASS-THROUGH command: a SCSI READ's fixed sense has an LBA in
/// INFORMATION, not registers.
std::optional<AtaRegisters> ata_registers_from_sense(std::span<const std::uint8_t> sense);

/// "status 0x41 (DRDY ERR) error 0x04 (ABRT) count 1 LBA 0x7d0" for logs.
std::string registers_text(const AtaRegisters& regs);

/// Whether the registers of a non-data command sent with CK_COND (an SCT
/// command through SMART WRITE LOG) say it completed: they must have come
/// back at all (`regs` from ata_registers_from_sense), and their STATUS
/// must read as ACS-4's "Normal outputs" do: DRDY set; BSY, DF and ERR
/// clear. nullopt when it completed, else why not (for a message). A
/// GOOD status without registers proves nothing: the SAT layer may not
/// have passed the command on.
std::optional<std::string> ata_completion_failure(const std::optional<AtaRegisters>& regs);

/// Decodes the sense of an ATA command sent through ATA PASS-THROUGH; for a
/// read of [cmd_lba, cmd_lba + cmd_count) (cmd_count 0 for other commands):
///   BSY                             -> kTimeout (registers not valid)
///   ERR + UNC                       -> kMediaError at the reported LBA if inside the command
///   DF                              -> kHardwareError
///   ERR + IDNF / AMNF               -> kMediaError if the LBA is inside the command, else kOther
///   ERR + ICRC, ERR + ABRT          -> kAborted
///   no ERR, ABORTED COMMAND, all registers zero but STATUS
///                                   -> kTimeout (how libata reports a command it timed out)
///   no ERR, NO SENSE / RECOVERED    -> kOk (the CK_COND register return)
///   no registers                    -> by sense key, without LBA
/// Never throws; garbage gives kOther.
DecodedError decode_ata_read_error(std::span<const std::uint8_t> sense, std::uint64_t cmd_lba,
                                   std::uint32_t cmd_count);

}  // namespace ptrescue::commands
