// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/ata_identify.h"

#include <algorithm>
#include <array>
#include <numeric>

#include <scsi/sg_unaligned.h>

#include "commands/ascii_field.h"
#include "commands/block_size.h"

namespace ptrescue::commands {

namespace {

class Words {
 public:
  explicit Words(std::span<const std::uint8_t> data) : data_(data) {}
  std::uint16_t operator[](std::size_t w) const {
    return static_cast<std::uint16_t>(sg_get_unaligned_le16(data_.data() + 2 * w));
  }
  bool bit(std::size_t w, unsigned b) const { return ((*this)[w] >> b) & 1u; }
  std::uint64_t dword(std::size_t w) const { return sg_get_unaligned_le32(data_.data() + 2 * w); }
  std::uint64_t qword(std::size_t w) const { return sg_get_unaligned_le64(data_.data() + 2 * w); }
  /// ACS-4: several words are valid only when bits 15:14 read 01b.
  bool valid(std::size_t w) const { return ((*this)[w] & 0xc000) == 0x4000; }

 private:
  std::span<const std::uint8_t> data_;
};

/// Word 106 (valid): bit 12 = logical sector longer than 256 words, its
/// size in words 117-118 (valid only then); bit 13 = 2^(bits 3:0) logical
/// sectors per physical one. Sizes that make no sense are named, not used.
void set_sector_sizes(const Words& w, AtaIdentity& id) {
  const std::uint64_t logical = w.bit(106, 12) ? 2 * w.dword(117) : 512;
  const std::uint64_t physical = w.bit(106, 13) ? logical << (w[106] & 0x0f) : logical;
  if (auto problem = block_size_problem(logical, physical)) {
    id.sector_size_problem = "IDENTIFY DEVICE words 106 and 117-118 give a " + *problem;
    return;
  }
  id.logical_sector_bytes = static_cast<std::uint32_t>(logical);
  id.physical_sector_bytes = static_cast<std::uint32_t>(physical);
}

}  // namespace

std::string ata_string(std::span<const std::uint8_t> data, std::size_t first_word,
                       std::size_t word_count) {
  std::string swapped;
  swapped.reserve(2 * word_count);
  for (std::size_t w = first_word; w < first_word + word_count && 2 * w + 1 < data.size(); ++w) {
    swapped += static_cast<char>(data[2 * w + 1]);  // ATA string convention: bits 15:8 first
    swapped += static_cast<char>(data[2 * w]);
  }
  return ascii_field({reinterpret_cast<const std::uint8_t*>(swapped.data()), swapped.size()});
}

std::optional<AtaIdentity> parse_ata_identify(std::span<const std::uint8_t> data) {
  if (data.size() < kAtaIdentifyBytes) return std::nullopt;
  data = data.first(kAtaIdentifyBytes);
  const bool all_zero = std::all_of(data.begin(), data.end(), [](auto b) { return b == 0; });
  const bool all_ones = std::all_of(data.begin(), data.end(), [](auto b) { return b == 0xff; });
  if (all_zero || all_ones) return std::nullopt;

  const Words w(data);
  AtaIdentity id;
  id.serial = ata_string(data, 10, 10);
  id.firmware = ata_string(data, 23, 4);
  id.model = ata_string(data, 27, 20);
  id.atapi = w.bit(0, 15);
  id.dma_supported = w.bit(49, 8);
  id.lba_supported = w.bit(49, 9);

  // Each word below is used only as ACS-4 7.12.7 (IDENTIFY DEVICE data)
  // says it may be. Words 82-84 are valid when word 83 reads 01b in bits
  // 15:14; words 85-87 when word 87 does. 48-bit addressing is word 83 bit
  // 10 (word 86 bit 10 repeats it, valid by word 87: the one is enough).
  if (w.valid(83)) {
    id.lba48_supported = w.bit(83, 10);
    id.smart_supported = w.bit(82, 0);
  }
  if (w.valid(87)) id.smart_enabled = w.bit(85, 0);
  // Word 76 (SATA capabilities): 0000h or FFFFh = not a SATA device.
  if (w[76] != 0x0000 && w[76] != 0xffff) id.ncq_supported = w.bit(76, 8);

  // Words 60-61: 28-bit capacity; words 100-103 only with 48-bit addressing.
  id.capacity_sectors = w.dword(60);
  if (id.lba48_supported) {
    id.capacity_sectors = w.qword(100) & 0xffffffffffffull;
    // Word 69 bit 3: Extended Number of User Addressable Sectors (words
    // 230-233) is supported; those words mean nothing without it. (Word 69
    // has no validity bits of its own.)
    if (w.bit(69, 3) && w.qword(230) != 0) id.capacity_sectors = w.qword(230) & 0xffffffffffffull;
  }

  // ACS-4 7.12.7 (IDENTIFY DEVICE data), word 106 "Physical sector size /
  // logical sector size": its bits mean anything only when bits 15:14 read
  // 01b; a drive that leaves them otherwise has 512-byte sectors.
  if (w.valid(106)) set_sector_sizes(w, id);
  // Word 209 (logical sector alignment): valid when bits 15:14 read 01b.
  if (w.valid(209)) id.logical_sector_offset = w[209] & 0x3fff;

  // Word 206 (SCT Command Transport): bit 0 supported, bit 3 its Error
  // Recovery Control action; no validity bits, so bit 3 counts only with bit 0.
  id.sct_supported = w.bit(206, 0);
  id.sct_erc_supported = id.sct_supported && w.bit(206, 3);
  id.rotation_rate = w[217];

  // Word 255: bits 7:0 A5h = checksum in bits 15:8, making the page sum 0.
  if ((w[255] & 0xff) == 0xa5) {
    const unsigned sum = std::accumulate(data.begin(), data.end(), 0u);
    id.checksum_ok = (sum & 0xff) == 0;
  }
  return id;
}

}  // namespace ptrescue::commands
