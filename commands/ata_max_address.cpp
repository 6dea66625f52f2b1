// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/ata_max_address.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include <scsi/sg_unaligned.h>

#include "commands/allow_list.h"
#include "commands/ata_identify.h"
#include "commands/sat.h"

namespace ptrescue::commands {
namespace {

/// A 48-bit non-data command whose inputs are all zero but FEATURE.
AtaTaskfile non_data_ext(std::uint8_t command, std::uint16_t feature) {
  AtaTaskfile tf;
  tf.command = command;
  tf.feature = feature;
  tf.ext = true;
  tf.protocol = AtaProtocol::kNonData;
  tf.direction = DataDirection::kNone;
  return tf;
}

std::uint16_t word(std::span<const std::uint8_t> d, std::size_t w) { return sg_get_unaligned_le16(d.data() + 2 * w); }

/// ACS-4: a word of supported/enabled bits is valid when bits 15:14 are 01b.
bool valid_word(std::uint16_t w) { return (w & 0xc000) == 0x4000; }

}  // namespace

AtaTaskfile ata_read_native_max_address_ext() {
  return require_allowed(non_data_ext(ata_opcode::kReadNativeMaxAddressExt, 0));
}

AtaTaskfile ata_get_native_max_address_ext() {
  return require_allowed(non_data_ext(ata_opcode::kAccessibleMaxAddressConfig, kGetNativeMaxAddressExt));
}

AtaTaskfile ata_dco_identify() {
  AtaTaskfile tf;
  tf.command = ata_opcode::kDeviceConfigurationOverlay;
  tf.feature = kDcoIdentify;
  // COUNT is not used by the command (ACS-3); SAT's T_LENGTH = COUNT needs 1.
  tf.count = 1;
  tf.protocol = AtaProtocol::kPioDataIn;
  tf.direction = DataDirection::kFromDevice;
  tf.transfer_bytes = 512;
  tf.block_bytes = 512;
  return require_allowed(tf);
}

std::optional<std::uint64_t> native_max_lba_from_registers(const std::optional<AtaRegisters>& regs,
                                                           std::string& why) {
  if (auto failure = ata_completion_failure(regs)) {
    why = *failure;
    return std::nullopt;
  }
  if (!regs->extend || regs->lba_bits < 48) {
    why = fmt::format("the SAT layer returned only {} bits of the LBA (descriptor-format sense, --dsense, returns all 48)",
                      regs->extend ? regs->lba_bits : 28u);
    return std::nullopt;
  }
  // The inputs were zero: a layer that never passed the command on would
  // give them back unchanged, and no drive has a native max LBA of 0.
  if (regs->lba == 0) {
    why = "the registers came back as sent (LBA 0): the SAT layer did not pass the command on";
    return std::nullopt;
  }
  return regs->lba;
}

std::optional<MaxAddressSupport> max_address_support(std::span<const std::uint8_t> identify) {
  if (identify.size() < kAtaIdentifyBytes) return std::nullopt;
  MaxAddressSupport s;
  const std::uint16_t w82 = word(identify, 82), w83 = word(identify, 83), w119 = word(identify, 119);
  // Word 82 has no 15:14 signature; words 82-84 are valid together with 83's.
  s.hpa = valid_word(w83) && (w82 & (1u << 10)) != 0;
  s.dco = valid_word(w83) && (w83 & (1u << 11)) != 0;
  s.lba48 = valid_word(w83) && (w83 & (1u << 10)) != 0;
  s.ama = valid_word(w119) && (w119 & (1u << 8)) != 0;
  return s;
}

std::optional<DcoIdentity> parse_dco_identify(std::span<const std::uint8_t> data, std::string& why) {
  if (data.size() < 512) {
    why = fmt::format("DEVICE CONFIGURATION IDENTIFY returned {} bytes, not 512", data.size());
    return std::nullopt;
  }
  const auto page = data.first(512);
  if (std::all_of(page.begin(), page.end(), [](std::uint8_t b) { return b == 0; })) {
    why = "DEVICE CONFIGURATION IDENTIFY returned an empty page";
    return std::nullopt;
  }
  if (page[510] == 0xa5 && std::accumulate(page.begin(), page.end(), 0u) % 256 != 0) {
    why = "DEVICE CONFIGURATION IDENTIFY data fails its checksum (word 255)";
    return std::nullopt;
  }
  DcoIdentity d;
  d.revision = word(page, 0);
  d.max_lba = sg_get_unaligned_le64(page.data() + 6);  // words 3-6
  if (d.max_lba == 0) {
    why = "DEVICE CONFIGURATION IDENTIFY reports a maximum LBA of 0";
    return std::nullopt;
  }
  return d;
}

}  // namespace ptrescue::commands
