// SPDX-License-Identifier: GPL-3.0-or-later
// SCSI builders (golden bytes), the parsers of their data-in, and the sense
// decoder on the sense data of KERNEL-FACTS.md §3 and hand-built cases.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "commands/ata_identify.h"
#include "commands/block_size.h"
#include "commands/scsi.h"
#include "commands/sense.h"

namespace ptrescue::commands {
namespace {

std::vector<std::uint8_t> hex(const std::string& text) {
  std::vector<std::uint8_t> out;
  std::istringstream in(text);
  std::string byte;
  while (in >> byte) out.push_back(static_cast<std::uint8_t>(std::stoul(byte, nullptr, 16)));
  return out;
}

std::vector<std::uint8_t> cdb_bytes(const ScsiCdb& cdb) {
  return {cdb.bytes.begin(), cdb.bytes.begin() + cdb.length};
}

void put_ascii(std::vector<std::uint8_t>& buf, std::size_t at, std::size_t width, const std::string& s) {
  for (std::size_t i = 0; i < width; ++i) buf[at + i] = i < s.size() ? s[i] : ' ';
}

// --- builders ---------------------------------------------------------------

TEST(ScsiBuilders, Read16) {
  const ScsiCdb cdb = scsi_read16(0x0102030405060708ull, 0x80, 512);
  EXPECT_EQ(cdb_bytes(cdb), hex("88 00 01 02 03 04 05 06 07 08 00 00 00 80 00 00"));
  EXPECT_EQ(cdb.direction, DataDirection::kFromDevice);
  EXPECT_EQ(cdb.transfer_bytes, 0x80u * 512);
  EXPECT_EQ(scsi_read16(2000, 1, 4096).transfer_bytes, 4096u);
}

TEST(ScsiBuilders, Read10) {
  EXPECT_EQ(cdb_bytes(scsi_read10(2000, 8, 512)), hex("28 00 00 00 07 d0 00 00 08 00"));
  EXPECT_EQ(cdb_bytes(scsi_read10(0xfffffff0u, 0x10, 512)), hex("28 00 ff ff ff f0 00 00 10 00"));
}

TEST(ScsiBuilders, ReadsRefuseWhatDoesNotFit) {
  EXPECT_THROW(scsi_read10(1ull << 32, 1, 512), CommandRefused);
  EXPECT_THROW(scsi_read10(0xffffffffu, 2, 512), CommandRefused);
  EXPECT_THROW(scsi_read10(0, 0x10000, 512), CommandRefused);
  EXPECT_THROW(scsi_read10(0, 0, 512), CommandRefused);
  EXPECT_THROW(scsi_read16(0, 0, 512), CommandRefused);
  EXPECT_THROW(scsi_read16(~0ull, 2, 512), CommandRefused);
  EXPECT_THROW(scsi_read16(0, 1, 0), CommandRefused);
  EXPECT_THROW(scsi_read16(0, 0x100000, 8192), CommandRefused);  // 8 GiB: no 32-bit length
  EXPECT_TRUE(fits_read10(0xffffffffu, 1));
  EXPECT_FALSE(fits_read10(0xffffffffu, 2));
}

TEST(ScsiBuilders, CapacityAndIdentification) {
  EXPECT_EQ(cdb_bytes(scsi_read_capacity16()), hex("9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00"));
  EXPECT_EQ(scsi_read_capacity16().transfer_bytes, 32u);
  EXPECT_EQ(cdb_bytes(scsi_read_capacity10()), hex("25 00 00 00 00 00 00 00 00 00"));
  EXPECT_EQ(cdb_bytes(scsi_inquiry()), hex("12 00 00 00 60 00"));
  EXPECT_EQ(cdb_bytes(scsi_inquiry_vpd(0x80)), hex("12 01 80 00 ff 00"));
  EXPECT_EQ(cdb_bytes(scsi_inquiry_vpd(0x89, 572)), hex("12 01 89 02 3c 00"));
  EXPECT_EQ(scsi_inquiry_vpd(0x89, 572).transfer_bytes, 572u);
  EXPECT_EQ(cdb_bytes(scsi_test_unit_ready()), hex("00 00 00 00 00 00"));
  EXPECT_EQ(scsi_test_unit_ready().direction, DataDirection::kNone);
  EXPECT_EQ(cdb_bytes(scsi_request_sense()), hex("03 00 00 00 fc 00"));
  EXPECT_EQ(cdb_bytes(scsi_request_sense(true, 96)), hex("03 01 00 00 60 00"));
  EXPECT_EQ(cdb_bytes(scsi_log_sense(0x2f)), hex("4d 00 6f 00 00 00 00 10 00 00"));
}

TEST(ScsiBuilders, ModeSenseAndSelectOfTheControlPage) {
  EXPECT_EQ(cdb_bytes(scsi_mode_sense10_control()), hex("5a 08 0a 00 00 00 00 00 40 00"));
  EXPECT_EQ(cdb_bytes(scsi_mode_sense10_control(ModePageControl::kChangeable, 32)),
            hex("5a 08 4a 00 00 00 00 00 20 00"));

  // libata's answer: header(10), no block descriptors, Control page with PS
  // set and GLTSD (byte 2 bit 1).
  const auto page = parse_control_mode_page(
      hex("00 12 00 00 00 00 00 00 8a 0a 02 00 00 00 00 00 ff ff 00 1e"));
  ASSERT_TRUE(page);
  EXPECT_FALSE(page->d_sense());

  const ScsiCdb select = scsi_mode_select10_d_sense(*page, true);
  EXPECT_EQ(cdb_bytes(select), hex("55 10 00 00 00 00 00 00 14 00"));
  EXPECT_EQ(select.direction, DataDirection::kToDevice);
  EXPECT_EQ(select.transfer_bytes, 20u);
  // PS cleared, D_SENSE set, everything else as the drive reported it.
  EXPECT_EQ(select.data_out, hex("00 00 00 00 00 00 00 00 0a 0a 06 00 00 00 00 00 ff ff 00 1e"));

  const auto with_d_sense = parse_control_mode_page(
      hex("00 12 00 00 00 00 00 00 0a 0a 06 00 00 00 00 00 ff ff 00 1e"));
  ASSERT_TRUE(with_d_sense);
  EXPECT_TRUE(with_d_sense->d_sense());
  EXPECT_EQ(scsi_mode_select10_d_sense(*with_d_sense, false).data_out[10], 0x02);
}

TEST(ScsiParsers, ControlModePageWithBlockDescriptorOrMissing) {
  // An 8-byte block descriptor before the page.
  const auto page = parse_control_mode_page(
      hex("00 1a 00 00 00 00 00 08 00 00 00 00 00 00 02 00 0a 0a 04 00 00 00 00 00 00 00 00 00"));
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->d_sense());
  EXPECT_FALSE(parse_control_mode_page(hex("00 06 00 00 00 00 00 00")));                   // no page
  EXPECT_FALSE(parse_control_mode_page(hex("00 12 00 00 00 00 00 00 08 12 00 00 00 00 00 00 00 00 00 00")));  // caching page
  EXPECT_FALSE(parse_control_mode_page(hex("00 0a 00 00 00 00 00 00 0a 0a 06 00 00 00 00 00 ff ff 00 1e")));  // cut by MODE DATA LENGTH
}

// --- parsers ------------------------------------------------------------------

TEST(ScsiParsers, ReadCapacity16) {
  // 7814037168 blocks of 512 bytes, 8 per physical block (4 KiB), aligned.
  const auto rc = parse_read_capacity16(
      hex("00 00 00 01 d1 c0 be af 00 00 02 00 00 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc->last_lba, 0x1d1c0beafull);
  EXPECT_EQ(rc->blocks(), 7814037168ull);
  EXPECT_EQ(rc->block_bytes, 512u);
  EXPECT_EQ(rc->logical_per_physical_exponent, 3);
  EXPECT_EQ(rc->physical_block_bytes(), 4096u);
  EXPECT_FALSE(rc->protection_enabled);

  const auto pi = parse_read_capacity16(hex("00 00 00 00 00 00 ff ff 00 00 10 00 03 00 80 07"));
  ASSERT_TRUE(pi);
  EXPECT_EQ(pi->block_bytes, 4096u);
  EXPECT_TRUE(pi->protection_enabled);
  EXPECT_EQ(pi->protection_type, 1);
  EXPECT_EQ(pi->lowest_aligned_lba, 7);

  EXPECT_FALSE(parse_read_capacity16(hex("00 00 00 00 00 00 ff ff 00 00")));         // short
  EXPECT_FALSE(parse_read_capacity16(hex("00 00 00 00 00 00 ff ff 00 00 00 00")));   // block length 0
}

TEST(ScsiParsers, ReadCapacity10) {
  const auto rc = parse_read_capacity10(hex("00 01 ff ff 00 00 02 00"));
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc->blocks(), 0x20000u);
  EXPECT_FALSE(parse_read_capacity10(hex("ff ff ff ff 00 00 02 00")));  // needs READ CAPACITY(16)
}

TEST(ScsiParsers, ReadCapacityBlockSizesAreCheckedLikeUserInput) {
  // SBC-4 READ CAPACITY(16): LOGICAL BLOCK LENGTH IN BYTES in bytes 8-11,
  // LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT in byte 13 bits 3:0.
  const auto odd = parse_read_capacity16(hex("00 00 00 00 00 00 ff ff 00 00 0b b8 00 00 00 00"));  // 3000
  ASSERT_TRUE(odd);
  const auto problem = block_size_problem(odd->block_bytes, odd->physical_block_bytes());
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "logical block size 3000 bytes: not a power of two from 512 to 65536");
  // READ CAPACITY(10): BLOCK LENGTH IN BYTES in bytes 4-7.
  const auto odd10 = parse_read_capacity10(hex("00 01 ff ff 00 00 0b b8"));
  ASSERT_TRUE(odd10);
  EXPECT_TRUE(block_size_problem(odd10->block_bytes, odd10->physical_block_bytes()));
  // Zero is refused by the parsers themselves, and by the check.
  EXPECT_FALSE(parse_read_capacity10(hex("00 01 ff ff 00 00 00 00")));
  EXPECT_NE(block_size_problem(0, 0).value_or("").find("size 0 bytes"), std::string::npos);
  // Too small, too large.
  EXPECT_TRUE(block_size_problem(256, 256));
  EXPECT_TRUE(block_size_problem(128 * 1024, 128 * 1024));
  // Sound answers: 512e (exponent 3), 4Kn, 64 KiB.
  const auto e512 = parse_read_capacity16(hex("00 00 00 00 00 00 ff ff 00 00 02 00 00 03 00 00"));
  ASSERT_TRUE(e512);
  EXPECT_FALSE(block_size_problem(e512->block_bytes, e512->physical_block_bytes()));
  EXPECT_FALSE(block_size_problem(4096, 4096));
  EXPECT_FALSE(block_size_problem(65536, 65536));
  // A physical block smaller than the logical one, or not a power of two.
  EXPECT_EQ(block_size_problem(4096, 512).value_or(""),
            "physical block size 512 bytes is smaller than the logical block size 4096 bytes");
  EXPECT_TRUE(block_size_problem(512, 3072));
}

TEST(ScsiParsers, StandardInquiry) {
  std::vector<std::uint8_t> data(96, 0);
  data[0] = 0x00;
  data[2] = 0x05;
  data[4] = 91;
  put_ascii(data, 8, 8, "ATA");
  put_ascii(data, 16, 16, "QEMU HARDDISK");
  put_ascii(data, 32, 4, "2.5+");
  const auto inq = parse_inquiry(data);
  ASSERT_TRUE(inq);
  EXPECT_EQ(inq->device_type, 0);
  EXPECT_EQ(inq->version, 5);
  EXPECT_EQ(inq->vendor, "ATA");
  EXPECT_EQ(inq->product, "QEMU HARDDISK");
  EXPECT_EQ(inq->revision, "2.5+");

  data[4] = 20;  // ADDITIONAL LENGTH says 25 bytes: too short for the strings
  EXPECT_FALSE(parse_inquiry(data));
  EXPECT_FALSE(parse_inquiry(hex("00 00 05")));
}

TEST(ScsiParsers, UnitSerialNumberVpd) {
  std::vector<std::uint8_t> data = hex("00 80 00 14");
  data.resize(24, ' ');
  put_ascii(data, 4, 20, "    QM00005");
  EXPECT_EQ(parse_unit_serial_vpd(data), "QM00005");
  data[1] = 0x83;
  EXPECT_FALSE(parse_unit_serial_vpd(data));
  // A page length beyond the buffer is capped by the buffer.
  EXPECT_EQ(parse_unit_serial_vpd(hex("00 80 00 ff 41 42")), "AB");
}

TEST(ScsiParsers, AtaInformationVpdCarriesIdentify) {
  std::vector<std::uint8_t> data(kAtaInformationVpdBytes, 0);
  data[1] = 0x89;
  data[2] = 0x02;
  data[3] = 0x38;
  put_ascii(data, 8, 8, "linux");
  put_ascii(data, 16, 16, "libata");
  put_ascii(data, 32, 4, "1.00");
  data[56] = 0xec;
  // IDENTIFY words 27-28 = "QE" "MU" (ATA string order), word 49 LBA.
  data[60 + 54] = 'E';
  data[60 + 55] = 'Q';
  data[60 + 56] = 'U';
  data[60 + 57] = 'M';
  data[60 + 99] = 0x02;
  const auto vpd = parse_ata_information_vpd(data);
  ASSERT_TRUE(vpd);
  EXPECT_EQ(vpd->sat_vendor, "linux");
  EXPECT_EQ(vpd->sat_product, "libata");
  EXPECT_EQ(vpd->sat_revision, "1.00");
  EXPECT_EQ(vpd->command_code, 0xec);
  const auto id = parse_ata_identify(vpd->identify);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->model, "QEMU");
  EXPECT_TRUE(id->lba_supported);

  data.resize(571);
  EXPECT_FALSE(parse_ata_information_vpd(data));
}

// --- sense --------------------------------------------------------------------

TEST(Sense, FixedAndDescriptorNormalise) {
  auto s = decode_sense(hex("f0 00 03 00 00 07 d0 0a 00 00 00 00 11 00 00 00 00 00"));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->descriptor_format);
  EXPECT_EQ(s->sense_key, SPC_SK_MEDIUM_ERROR);
  EXPECT_EQ(s->asc, 0x11);
  EXPECT_EQ(s->information, 2000u);

  s = decode_sense(hex("72 03 11 00 00 00 00 0c 00 0a 80 00 00 00 00 00 00 00 07 d0"));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->descriptor_format);
  EXPECT_EQ(s->sense_key, SPC_SK_MEDIUM_ERROR);
  EXPECT_EQ(s->information, 2000u);

  // VALID clear: INFORMATION bytes are not an LBA.
  s = decode_sense(hex("70 00 03 00 00 07 d0 0a 00 00 00 00 11 00 00 00 00 00"));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->information);
}

// The sense fuzzer's find: an Information descriptor cut short by the end
// of the buffer (14 of its 20 bytes). libsgutils2 would read past the end;
// the cut descriptor is dropped, the header still decodes (ASan checks the
// rest).
TEST(Sense, ADescriptorCutShortIsDroppedNotRead) {
  const std::vector<std::uint8_t> cut = hex("72 03 11 00 00 00 00 0c 00 0a 80 00 00 00");
  const auto s = decode_sense(std::span<const std::uint8_t>(cut));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->sense_key, SPC_SK_MEDIUM_ERROR);
  EXPECT_EQ(s->asc, 0x11);
  EXPECT_FALSE(s->information);
  EXPECT_EQ(s->length, 8u);
}

TEST(Sense, TextComesFromLibsgutils) {
  const auto s = decode_sense(hex("70 00 0b 00 00 00 00 0a 00 00 00 00 00 06 00 00 00 00"));
  ASSERT_TRUE(s);
  const std::string text = sense_text(*s);
  EXPECT_NE(text.find("Aborted Command"), std::string::npos) << text;
  EXPECT_NE(text.find("I/O process terminated"), std::string::npos) << text;
  EXPECT_NE(text.find("(00/06)"), std::string::npos) << text;
}

TEST(ScsiReadError, VirtioScsiAbortIsAbortedWithoutLba) {
  // KERNEL-FACTS §3: virtio-scsi READ(16) failure, 00/06, VALID = 0.
  const DecodedError e =
      decode_scsi_read_error(hex("70 00 0b 00 00 00 00 0a 00 00 00 00 00 06 00 00 00 00"), 2000, 1);
  EXPECT_EQ(e.kind, ErrorKind::kAborted);
  EXPECT_FALSE(e.lba);
}

TEST(ScsiReadError, MediumErrorReportsTheLbaInsideTheCommand) {
  for (const auto& sense : {hex("f0 00 03 00 00 07 d0 0a 00 00 00 00 11 00 00 00 00 00"),
                            hex("72 03 11 00 00 00 00 0c 00 0a 80 00 00 00 00 00 00 00 07 d0")}) {
    DecodedError e = decode_scsi_read_error(sense, 1990, 16);
    EXPECT_EQ(e.kind, ErrorKind::kMediaError) << e.text;
    EXPECT_EQ(e.lba, 2000u);
    EXPECT_FALSE(e.lba_inferred);
    EXPECT_NE(e.text.find("Unrecovered read error"), std::string::npos) << e.text;
    // The same sense for a command that ends before 2000: LBA dropped.
    e = decode_scsi_read_error(sense, 1990, 10);
    EXPECT_EQ(e.kind, ErrorKind::kMediaError);
    EXPECT_FALSE(e.lba);
    // ... or starts after it.
    e = decode_scsi_read_error(sense, 2001, 10);
    EXPECT_FALSE(e.lba);
  }
  // scsi_debug-style MEDIUM ERROR with VALID = 0: media error, no LBA.
  const DecodedError e =
      decode_scsi_read_error(hex("70 00 03 00 00 07 d0 0a 00 00 00 00 11 00 00 00 00 00"), 1990, 16);
  EXPECT_EQ(e.kind, ErrorKind::kMediaError);
  EXPECT_FALSE(e.lba);
}

TEST(ScsiReadError, SenseKeyTable) {
  struct Case {
    const char* sense;
    ErrorKind kind;
  };
  const Case cases[] = {
      {"70 00 01 00 00 00 00 0a 00 00 00 00 17 01 00 00 00 00", ErrorKind::kOk},
      {"70 00 02 00 00 00 00 0a 00 00 00 00 04 01 00 00 00 00", ErrorKind::kNotReady},
      {"70 00 04 00 00 00 00 0a 00 00 00 00 44 00 00 00 00 00", ErrorKind::kHardwareError},
      {"70 00 05 00 00 00 00 0a 00 00 00 00 21 00 00 00 00 00", ErrorKind::kIllegalRequest},
      {"70 00 06 00 00 00 00 0a 00 00 00 00 29 00 00 00 00 00", ErrorKind::kUnitAttention},
      {"70 00 07 00 00 00 00 0a 00 00 00 00 27 00 00 00 00 00", ErrorKind::kOther},
      {"70 00 00 00 00 00 00 0a 00 00 00 00 00 00 00 00 00 00", ErrorKind::kOther},
      {"72 0b 00 00 00 00 00 00", ErrorKind::kAborted},
      {"72 06 29 00 00 00 00 00", ErrorKind::kUnitAttention},
      // Deferred MEDIUM ERROR: from an earlier command, not this read.
      {"f1 00 03 00 00 07 d0 0a 00 00 00 00 11 00 00 00 00 00", ErrorKind::kOther},
  };
  for (const auto& c : cases) {
    const DecodedError e = decode_scsi_read_error(hex(c.sense), 0, 4096);
    EXPECT_EQ(e.kind, c.kind) << c.sense << " -> " << e.text;
    EXPECT_FALSE(e.lba) << c.sense;
    EXPECT_FALSE(e.text.empty());
  }
}

TEST(ScsiReadError, ShortZeroAndGarbageSenseIsOther) {
  for (const auto& sense : {std::vector<std::uint8_t>{}, hex("70"), hex("70 00 03 00 00 00 00"),
                            std::vector<std::uint8_t>(18, 0), hex("00 11 22 33 44 55 66 77 88"),
                            std::vector<std::uint8_t>(252, 0xff)}) {
    const DecodedError e = decode_scsi_read_error(sense, 0, 1);
    EXPECT_EQ(e.kind, ErrorKind::kOther);
    EXPECT_FALSE(e.lba);
    EXPECT_FALSE(e.text.empty());
  }
}

TEST(ScsiReadError, AdditionalLengthBoundsTheInformation) {
  // An Information descriptor after the declared end is ignored.
  const DecodedError e =
      decode_scsi_read_error(hex("72 03 11 00 00 00 00 00 00 0a 80 00 00 00 00 00 00 00 07 d0"), 1990, 16);
  EXPECT_EQ(e.kind, ErrorKind::kMediaError);
  EXPECT_FALSE(e.lba);
}

}  // namespace
}  // namespace ptrescue::commands
