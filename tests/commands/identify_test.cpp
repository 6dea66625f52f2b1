// SPDX-License-Identifier: GPL-3.0-or-later
// The ATA IDENTIFY DEVICE parser on synthetic 512-byte pages built here
// word by word from the ACS-4 "IDENTIFY DEVICE data" table.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <numeric>
#include <string>

#include "commands/ata_identify.h"

namespace ptrescue::commands {
namespace {

class IdentifyPage {
 public:
  void word(std::size_t w, std::uint16_t v) {
    bytes_[2 * w] = static_cast<std::uint8_t>(v);
    bytes_[2 * w + 1] = static_cast<std::uint8_t>(v >> 8);
  }
  /// ATA string convention: the first character of each pair in bits 15:8.
  void text(std::size_t first_word, std::size_t words, const std::string& s) {
    for (std::size_t i = 0; i < 2 * words; ++i) {
      const std::uint8_t c = i < s.size() ? static_cast<std::uint8_t>(s[i]) : ' ';
      bytes_[2 * first_word + (i ^ 1)] = c;
    }
  }
  void checksum() {
    word(255, 0x00a5);
    const unsigned sum = std::accumulate(bytes_.begin(), bytes_.end() - 1, 0u);
    bytes_[511] = static_cast<std::uint8_t>(-sum);
  }
  std::array<std::uint8_t, 512>& bytes() { return bytes_; }

 private:
  std::array<std::uint8_t, 512> bytes_{};
};

// A 4 TB SATA disk with 4 KiB physical sectors (512e).
IdentifyPage typical_disk() {
  IdentifyPage p;
  p.word(0, 0x0040);
  p.text(10, 10, "     WD-WCC4E1234567");  // serial, right-aligned as many drives do
  p.text(23, 4, "82.00A82");
  p.text(27, 20, "WDC WD40EFRX-68N32N0");
  p.word(49, 0x0300);                 // LBA and DMA supported
  p.word(60, 0xffff);                 // 28-bit capacity saturates at 0FFFFFFFh
  p.word(61, 0x0fff);
  p.word(76, 0x0100);                 // NCQ
  p.word(82, 0x0001);                 // SMART supported
  p.word(83, 0x4000 | 0x0400);        // valid, 48-bit
  p.word(85, 0x0001);                 // SMART enabled
  p.word(87, 0x4000);
  p.word(100, 0xbeb0);                // 7814037168 = 1D1C0BEB0h sectors
  p.word(101, 0xd1c0);
  p.word(102, 0x0001);
  p.word(103, 0x0000);
  p.word(106, 0x4000 | 0x2000 | 3);   // 8 logical per physical
  p.word(206, 0x0009);                // SCT + ERC
  p.word(209, 0x4000);
  p.word(217, 5400);
  return p;
}

TEST(AtaIdentify, ParsesATypicalDisk) {
  IdentifyPage p = typical_disk();
  // The model's first word holds 'W' in bits 15:8: byte 55, then 'D' byte 54.
  ASSERT_EQ(p.bytes()[54], 'D');
  ASSERT_EQ(p.bytes()[55], 'W');
  const auto id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->model, "WDC WD40EFRX-68N32N0");
  EXPECT_EQ(id->serial, "WD-WCC4E1234567");
  EXPECT_EQ(id->firmware, "82.00A82");
  EXPECT_FALSE(id->atapi);
  EXPECT_TRUE(id->lba_supported);
  EXPECT_TRUE(id->dma_supported);
  EXPECT_TRUE(id->lba48_supported);
  EXPECT_TRUE(id->ncq_supported);
  EXPECT_EQ(id->capacity_sectors, 7814037168ull);
  EXPECT_EQ(id->logical_sector_bytes, 512u);
  EXPECT_EQ(id->physical_sector_bytes, 4096u);
  EXPECT_EQ(id->logical_sector_offset, 0);
  EXPECT_TRUE(id->smart_supported);
  EXPECT_TRUE(id->smart_enabled);
  EXPECT_TRUE(id->sct_supported);
  EXPECT_TRUE(id->sct_erc_supported);
  EXPECT_EQ(id->rotation_rate, 5400);
  EXPECT_FALSE(id->checksum_ok);  // integrity word not in use
}

TEST(AtaIdentify, Lba28OnlyUsesWords60And61) {
  IdentifyPage p = typical_disk();
  p.word(83, 0x4000);  // no 48-bit
  p.word(60, 0x5678);
  p.word(61, 0x0123);
  const auto id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  EXPECT_FALSE(id->lba48_supported);
  EXPECT_EQ(id->capacity_sectors, 0x01235678u);
}

TEST(AtaIdentify, InvalidWord83IgnoresItsBits) {
  IdentifyPage p = typical_disk();
  p.word(83, 0x0400);  // bits 15:14 = 00: the word is not valid
  const auto id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  EXPECT_FALSE(id->lba48_supported);
  EXPECT_FALSE(id->smart_supported);
}

TEST(AtaIdentify, ExtendedCapacityWords230To233) {
  IdentifyPage p = typical_disk();
  p.word(69, 0x0008);
  p.word(230, 0x0000);
  p.word(231, 0x0000);
  p.word(232, 0x0010);  // 2^36 sectors
  const auto id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->capacity_sectors, 1ull << 36);
}

TEST(AtaIdentify, FourKNative) {
  IdentifyPage p = typical_disk();
  p.word(106, 0x4000 | 0x1000);  // logical sector longer than 256 words, 1:1
  p.word(117, 2048);             // words
  p.word(118, 0);
  p.word(209, 0x4000 | 1);
  const auto id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->logical_sector_bytes, 4096u);
  EXPECT_EQ(id->physical_sector_bytes, 4096u);
  EXPECT_EQ(id->logical_sector_offset, 1);
}

TEST(AtaIdentify, Word106NotValidIgnoresItsSectorSizeBits) {
  // ACS-4 7.12.7: word 106 counts only when bits 15:14 read 01b.
  for (const std::uint16_t bits_15_14 : {0x0000, 0x8000, 0xc000}) {
    IdentifyPage p = typical_disk();
    p.word(106, static_cast<std::uint16_t>(bits_15_14 | 0x3000 | 3));  // would say 4 KiB logical, 8 per physical
    p.word(117, 0x0800);
    const auto id = parse_ata_identify(p.bytes());
    ASSERT_TRUE(id);
    EXPECT_EQ(id->logical_sector_bytes, 512u) << bits_15_14;
    EXPECT_EQ(id->physical_sector_bytes, 512u) << bits_15_14;
    EXPECT_FALSE(id->sector_size_problem) << bits_15_14;
  }
}

TEST(AtaIdentify, WordsOneSeventeenAndEighteenOnlyWithWord106Bit12) {
  IdentifyPage p = typical_disk();
  p.word(117, 0x0800);  // 4096 bytes, but bit 12 is clear: not valid
  auto id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->logical_sector_bytes, 512u);
  EXPECT_EQ(id->physical_sector_bytes, 4096u);
}

TEST(AtaIdentify, ASectorSizeThatMakesNoSenseIsNamedNotUsed) {
  IdentifyPage p = typical_disk();
  p.word(106, 0x4000 | 0x1000);  // valid, logical size in words 117-118
  p.word(117, 1500);             // 3000 bytes
  auto id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  ASSERT_TRUE(id->sector_size_problem);
  EXPECT_NE(id->sector_size_problem->find("logical block size 3000 bytes"), std::string::npos)
      << *id->sector_size_problem;
  EXPECT_EQ(id->logical_sector_bytes, 512u);

  p.word(117, 0);  // "longer than 256 words" and then zero
  id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  EXPECT_TRUE(id->sector_size_problem);
}

TEST(AtaIdentify, NoSctErcWithoutSct) {
  IdentifyPage p = typical_disk();
  p.word(206, 0x0008);  // ERC bit without the SCT transport bit
  const auto id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  EXPECT_FALSE(id->sct_supported);
  EXPECT_FALSE(id->sct_erc_supported);
}

TEST(AtaIdentify, Checksum) {
  IdentifyPage p = typical_disk();
  p.checksum();
  auto id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->checksum_ok, true);
  p.bytes()[100] ^= 0x01;  // corrupt a byte
  id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->checksum_ok, false);
}

TEST(AtaIdentify, UnprintableCharactersAreReplaced) {
  IdentifyPage p = typical_disk();
  p.text(27, 20, "BAD\x01MODEL");
  const auto id = parse_ata_identify(p.bytes());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->model, "BAD?MODEL");
}

TEST(AtaIdentify, RejectsShortAndEmptyPages) {
  IdentifyPage p = typical_disk();
  EXPECT_FALSE(parse_ata_identify(std::span<const std::uint8_t>(p.bytes()).first(511)));
  std::array<std::uint8_t, 512> zeros{};
  EXPECT_FALSE(parse_ata_identify(zeros));
  std::array<std::uint8_t, 512> ones;
  ones.fill(0xff);
  EXPECT_FALSE(parse_ata_identify(ones));
}

}  // namespace
}  // namespace ptrescue::commands
