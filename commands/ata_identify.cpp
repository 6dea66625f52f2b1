#include "commands/ata_identify.h"

#include <algorithm>
#include <array>
#include <numeric>

#include <scsi/sg_unaligned.h>

#include "commands/ascii_field.h"

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

  // Words 82-84 are valid when word 83 reads 01b in bits 15:14; words 85-87
  // when word 87 does.
  if (w.valid(83)) {
    id.lba48_supported = w.bit(83, 10);
    id.smart_supported = w.bit(82, 0);
  }
  if (w.valid(87)) id.smart_enabled = w.bit(85, 0);
  // Word 76 (SATA capabilities): 0000h or FFFFh = not a SATA device.
  if (w[76] != 0x0000 && w[76] != 0xffff) id.ncq_supported = w.bit(76, 8);

  id.capacity_sectors = w.dword(60);
  if (id.lba48_supported) {
    id.capacity_sectors = w.qword(100) & 0xffffffffffffull;
    // Word 69 bit 3: Extended Number of User Addressable Sectors (words
    // 230-233), which ACS-3+ drives may report when it differs.
    if (w.bit(69, 3) && w.qword(230) != 0) id.capacity_sectors = w.qword(230) & 0xffffffffffffull;
  }

  if (w.valid(106)) {
    // Bit 12: logical sector longer than 256 words, size in words 117-118.
    if (w.bit(106, 12)) {
      const std::uint64_t words = w.dword(117);
      if (words >= 256 && words <= 0x8000) id.logical_sector_bytes = static_cast<std::uint32_t>(2 * words);
    }
    id.physical_sector_bytes = id.logical_sector_bytes;
    // Bit 13: several logical sectors per physical one, 2^(bits 3:0).
    if (w.bit(106, 13)) id.physical_sector_bytes = id.logical_sector_bytes << (w[106] & 0x0f);
  }
  if (w.valid(209)) id.logical_sector_offset = w[209] & 0x3fff;

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
