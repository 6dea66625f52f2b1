// SPDX-License-Identifier: GPL-3.0-or-later
// What an ATA drive hides past its user capacity, asked with read-only
// commands only (docs/FORENSICS.md, "What the drive hides"):
//   - READ NATIVE MAX ADDRESS EXT (27h; ACS-3, Host Protected Area feature
//     set): the native max LBA, in the LBA field of the normal outputs;
//   - GET NATIVE MAX ADDRESS EXT (78h, FEATURE 0000h; ACS-4, ACCESSIBLE MAX
//     ADDRESS CONFIGURATION, the Accessible Max Address Configuration feature
//     set that replaces HPA): likewise;
//   - DEVICE CONFIGURATION IDENTIFY (B1h, FEATURE C2h; ACS-3, Device
//     Configuration Overlay feature set): 512 bytes, words 3-6 the largest
//     LBA the factory configuration allows.
// The two non-data ones answer in registers: send them with CK_COND and
// read the ATA Status Return descriptor (sat.h ata_registers_from_sense).
// SET MAX ADDRESS (EXT), SET/FREEZE ACCESSIBLE MAX ADDRESS and the DCO
// SET/RESTORE/FREEZE LOCK change the drive: the allow-list refuses them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "commands/ata.h"
#include "commands/command.h"

namespace ptrescue::commands {

namespace ata_opcode {
inline constexpr std::uint8_t kReadNativeMaxAddressExt = 0x27;        ///< ACS-3 READ NATIVE MAX ADDRESS EXT
inline constexpr std::uint8_t kAccessibleMaxAddressConfig = 0x78;     ///< ACS-4 ACCESSIBLE MAX ADDRESS CONFIGURATION
inline constexpr std::uint8_t kDeviceConfigurationOverlay = 0xb1;     ///< ACS-3 DEVICE CONFIGURATION OVERLAY
}  // namespace ata_opcode

/// FEATURE of ACCESSIBLE MAX ADDRESS CONFIGURATION (ACS-4): only the first is read-only.
inline constexpr std::uint16_t kGetNativeMaxAddressExt = 0x0000;
inline constexpr std::uint16_t kSetAccessibleMaxAddressExt = 0x0001;
inline constexpr std::uint16_t kFreezeAccessibleMaxAddressExt = 0x0002;
/// FEATURE of DEVICE CONFIGURATION OVERLAY (ACS-3): only IDENTIFY (C2h) is read-only.
inline constexpr std::uint16_t kDcoRestore = 0xc0;
inline constexpr std::uint16_t kDcoFreezeLock = 0xc1;
inline constexpr std::uint16_t kDcoIdentify = 0xc2;
inline constexpr std::uint16_t kDcoSet = 0xc3;

/// READ NATIVE MAX ADDRESS EXT: 48-bit, non-data, all inputs zero.
AtaTaskfile ata_read_native_max_address_ext();
/// GET NATIVE MAX ADDRESS EXT: 78h/0000h, 48-bit, non-data.
AtaTaskfile ata_get_native_max_address_ext();
/// DEVICE CONFIGURATION IDENTIFY: B1h/C2h, 28-bit, PIO data-in of one 512-byte page.
AtaTaskfile ata_dco_identify();

/// The native max LBA in the registers a max-address query returned with
/// CK_COND: nullopt, with `why`, when they did not come back whole (a SAT
/// layer that keeps fewer than 48 LBA bits: Linux fixed-format sense before
/// 6.11; --dsense gives descriptor sense) or say the command failed.
std::optional<std::uint64_t> native_max_lba_from_registers(const std::optional<AtaRegisters>& regs,
                                                           std::string& why);

/// IDENTIFY DEVICE bits that say which queries a drive supports (ACS-4
/// IDENTIFY DEVICE data): word 82 bit 10 HPA feature set, word 83 bit 11
/// DCO feature set (ACS-3), word 119 bit 8 Accessible Max Address
/// Configuration feature set; each valid only when bits 15:14 of its word
/// are 01b.
struct MaxAddressSupport {
  bool hpa = false;
  bool dco = false;
  bool ama = false;
  bool lba48 = false;
};
/// nullopt when `identify` is shorter than 512 bytes.
std::optional<MaxAddressSupport> max_address_support(std::span<const std::uint8_t> identify);

/// DEVICE CONFIGURATION IDENTIFY data (ACS-3 "Device Configuration Identify
/// data structure"): word 0 revision (0002h), words 3-6 the maximum LBA
/// (a 64-bit little-endian value), word 255 the integrity word (A5h in bits
/// 7:0, checksum in 15:8 making all 512 bytes sum to zero).
struct DcoIdentity {
  std::uint16_t revision = 0;
  std::uint64_t max_lba = 0;
};
/// nullopt, with `why`, for short data, an all-zero page or a bad checksum.
std::optional<DcoIdentity> parse_dco_identify(std::span<const std::uint8_t> data, std::string& why);

}  // namespace ptrescue::commands
