// SPDX-License-Identifier: GPL-3.0-or-later
// ATA PASS-THROUGH(12) (SAT-5, "ATA PASS-THROUGH (12) command"): the 12-byte
// form some USB bridges take instead of the 16-byte one. ptrescue tunnels
// only 28-bit, non-write ATA commands through it (IDENTIFY DEVICE, the SMART
// reads); reads of the medium go by SCSI READ on such a bridge.
#include <fmt/format.h>

#include "commands/allow_list.h"
#include "commands/sat.h"

namespace ptrescue::commands {

namespace {

constexpr std::size_t kCdbBytes = 12;

bool is_tunnelled_protocol(std::uint8_t p) {
  switch (static_cast<AtaProtocol>(p)) {
    case AtaProtocol::kNonData:
    case AtaProtocol::kPioDataIn:
    case AtaProtocol::kDma:
      return true;
    default:  // resets and PIO data-out are never sent in the 12-byte form
      return false;
  }
}

}  // namespace

bool fits_pass_through12(const AtaTaskfile& tf) {
  return !tf.ext && tf.lba < (1ull << 28) && tf.feature <= 0xff && tf.count <= 0xff &&
         is_tunnelled_protocol(static_cast<std::uint8_t>(tf.protocol)) &&
         tf.direction != DataDirection::kToDevice && tf.data_out.empty();
}

ScsiCdb ata_pass_through12(const AtaTaskfile& tf, bool check_condition) {
  if (tf.ext) throw CommandRefused("a 48-bit ATA command does not fit ATA PASS-THROUGH(12)");
  if (!fits_pass_through12(tf))
    throw CommandRefused(fmt::format("ATA command {:02X}h: ATA PASS-THROUGH(12) carries only 28-bit "
                                     "non-data or data-in commands",
                                     tf.command));
  if (tf.block_bytes == 0) throw CommandRefused("ATA taskfile with a zero block size");

  ScsiCdb cdb;
  auto& b = cdb.bytes;
  cdb.length = kCdbBytes;
  b[0] = kAtaPassThrough12;
  b[1] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(tf.protocol) << 1);
  b[2] = pass_through_transfer_flags(tf, check_condition);
  b[3] = static_cast<std::uint8_t>(tf.feature);
  b[4] = static_cast<std::uint8_t>(tf.count);
  b[5] = static_cast<std::uint8_t>(tf.lba);
  b[6] = static_cast<std::uint8_t>(tf.lba >> 8);
  b[7] = static_cast<std::uint8_t>(tf.lba >> 16);
  // ACS-4: a 28-bit command carries LBA(27:24) in DEVICE(3:0).
  b[8] = static_cast<std::uint8_t>((tf.device & 0xf0) | ((tf.lba >> 24) & 0x0f));
  b[9] = tf.command;
  b[10] = 0;
  b[11] = 0;
  cdb.direction = tf.direction;
  cdb.transfer_bytes = tf.transfer_bytes;
  return require_allowed(std::move(cdb));
}

std::optional<AtaTaskfile> taskfile_from_pass_through12(const ScsiCdb& cdb) {
  const auto& b = cdb.bytes;
  if (cdb.length != kCdbBytes || b[0] != kAtaPassThrough12) return std::nullopt;
  // MULTIPLE_COUNT(7:5) and the reserved bit 0 of byte 1; byte 10 reserved,
  // CONTROL; the bytes past the CDB are not sent but must not hide anything.
  if ((b[1] & 0xe1) != 0 || b[10] != 0 || b[11] != 0) return std::nullopt;
  for (std::size_t i = kCdbBytes; i < b.size(); ++i)
    if (b[i] != 0) return std::nullopt;
  const std::uint8_t protocol = (b[1] >> 1) & 0x0f;
  if (!is_tunnelled_protocol(protocol) || !cdb.data_out.empty()) return std::nullopt;

  AtaTaskfile tf;
  tf.protocol = static_cast<AtaProtocol>(protocol);
  tf.ext = false;
  tf.feature = b[3];
  tf.count = b[4];
  tf.lba = std::uint64_t{b[5]} | std::uint64_t{b[6]} << 8 | std::uint64_t{b[7]} << 16 |
           std::uint64_t{b[8] & 0x0fu} << 24;
  tf.device = b[8] & 0xf0;
  tf.command = b[9];
  if (!transfer_from_pass_through_flags(b[2], cdb, tf)) return std::nullopt;
  if (tf.direction == DataDirection::kToDevice) return std::nullopt;
  return tf;
}

}  // namespace ptrescue::commands
