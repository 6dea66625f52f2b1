// SPDX-License-Identifier: GPL-3.0-or-later
// SCSI sense data (SPC-5, 4.4 "Sense data"): fixed format (response codes
// 70h/71h, 4.4.3) and descriptor format (72h/73h, 4.4.2), normalised with
// libsgutils2, and the mapping of a failed SCSI READ onto an ErrorKind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <scsi/sg_lib.h>

#include "commands/decoded_error.h"

namespace ptrescue::commands {

// Sense keys are libsgutils2's SPC_SK_* (SPC-5, table "Sense key
// descriptions"), from <scsi/sg_lib.h>.

struct SenseData {
  std::uint8_t response_code = 0;  ///< 70h..73h (VALID bit stripped).
  bool descriptor_format = false;  ///< 72h/73h.
  bool deferred = false;           ///< 71h/73h: the error belongs to an earlier command.
  std::uint8_t sense_key = 0;
  std::uint8_t asc = 0;
  std::uint8_t ascq = 0;
  /// INFORMATION field: fixed format only when VALID is set; descriptor
  /// format only from an Information descriptor (00h) with VALID set.
  std::optional<std::uint64_t> information;
  /// Number of sense bytes that are meaningful: min(buffer, 8 + ADDITIONAL SENSE LENGTH).
  std::size_t length = 0;
};

/// Normalises sense bytes; nullopt for an empty, zero, short (< 8 bytes) or
/// unrecognised (response code not 70h..73h) buffer.
std::optional<SenseData> decode_sense(std::span<const std::uint8_t> sense);

/// "ABORTED COMMAND: I/O process terminated (00/06)"-style text.
std::string sense_text(const SenseData& s);

/// The sense key's name from libsgutils2 ("Medium Error").
std::string sense_key_name(std::uint8_t key);
/// The ASC/ASCQ text from libsgutils2 ("Unrecovered read error").
std::string asc_ascq_text(std::uint8_t asc, std::uint8_t ascq);

/// Decodes the sense of a failed SCSI READ(10)/READ(16) of
/// [cmd_lba, cmd_lba + cmd_count). Never throws; garbage gives kOther.
///   RECOVERED ERROR -> kOk; NOT READY -> kNotReady; MEDIUM ERROR -> kMediaError
///   (with the INFORMATION LBA if VALID and inside the command);
///   HARDWARE ERROR -> kHardwareError; ILLEGAL REQUEST -> kIllegalRequest;
///   UNIT ATTENTION -> kUnitAttention; ABORTED COMMAND -> kAborted;
///   deferred errors, NO SENSE and the rest -> kOther.
DecodedError decode_scsi_read_error(std::span<const std::uint8_t> sense, std::uint64_t cmd_lba,
                                    std::uint32_t cmd_count);

/// Maps a sense key alone (no LBA): the common part of the SCSI and the SAT
/// decoders.
ErrorKind kind_from_sense_key(const SenseData& s);

/// The verdict on sense data that decode_sense() cannot read (none, or
/// garbage): kOther, with a text that shows the bytes. Shared by the SCSI
/// and the SAT decoders.
DecodedError undecodable_sense(std::span<const std::uint8_t> sense);

/// Lowercase hex of up to the first 32 bytes, for error texts.
std::string hex_bytes(std::span<const std::uint8_t> bytes);

}  // namespace ptrescue::commands
