// SPDX-License-Identifier: GPL-3.0-or-later
// The 512-byte IDENTIFY DEVICE data (ACS-4 7.13 and the "IDENTIFY DEVICE
// data" table): 256 little-endian words. Strings follow the ATA string
// convention (two characters per word, the first in bits 15:8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace ptrescue::commands {

inline constexpr std::size_t kAtaIdentifyBytes = 512;

struct AtaIdentity {
  std::string model;     ///< Words 27-46.
  std::string serial;    ///< Words 10-19.
  std::string firmware;  ///< Words 23-26.
  bool atapi = false;            ///< Word 0 bit 15: not an ATA disk.
  bool lba_supported = false;    ///< Word 49 bit 9.
  bool dma_supported = false;    ///< Word 49 bit 8.
  bool lba48_supported = false;  ///< Word 83 bit 10.
  bool ncq_supported = false;    ///< Word 76 bit 8 (SATA).
  /// User addressable sectors: words 230-233 (ACS-3+, word 69 bit 3), else
  /// words 100-103 with 48-bit addressing, else words 60-61.
  std::uint64_t capacity_sectors = 0;
  std::uint32_t logical_sector_bytes = 512;   ///< Words 117-118 when word 106 bit 12.
  std::uint32_t physical_sector_bytes = 512;  ///< Logical << word 106 bits 3:0 when bit 13.
  /// Set when word 106 is valid but the sizes it gives are not usable
  /// (commands/block_size.h), naming them; the two sizes above stay 512.
  std::optional<std::string> sector_size_problem;
  /// Offset of LBA 0 in its physical sector, in logical sectors (word 209).
  std::uint16_t logical_sector_offset = 0;
  bool smart_supported = false;    ///< Word 82 bit 0.
  bool smart_enabled = false;      ///< Word 85 bit 0.
  bool sct_supported = false;      ///< Word 206 bit 0: SCT Command Transport.
  bool sct_erc_supported = false;  ///< Word 206 bit 3: SCT Error Recovery Control.
  /// Word 217: 1 = non-rotating (SSD), 0401h..FFFEh = rpm, 0 = not reported.
  std::uint16_t rotation_rate = 0;
  /// Word 255: nullopt when the drive does not use the integrity word (bits
  /// 7:0 not A5h); else whether the checksum makes all 512 bytes sum to 0.
  std::optional<bool> checksum_ok;
};

/// Parses IDENTIFY DEVICE data. nullopt when fewer than 512 bytes are given
/// or the page is all zeros / all ones (no device answered).
std::optional<AtaIdentity> parse_ata_identify(std::span<const std::uint8_t> data);

/// Characters of words [first, first + count) in the ATA string convention,
/// with leading and trailing blanks removed and non-printable bytes as '?'.
/// (libsgutils2's sg_ata_get_chars stops at the first NUL byte, so a field
/// padded with NULs in front would read as empty: hence our own.)
std::string ata_string(std::span<const std::uint8_t> data, std::size_t first_word,
                       std::size_t word_count);

}  // namespace ptrescue::commands
