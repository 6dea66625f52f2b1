// SPDX-License-Identifier: GPL-3.0-or-later
// ATA taskfile builders, their SAT ATA PASS-THROUGH(16) encoding (golden
// bytes from KERNEL-FACTS.md §5, CDBs that worked on Linux 6.1 / QEMU), the
// registers in SAT sense data and the ATA read-error decoder on the sense
// bytes measured in KERNEL-FACTS.md §3/§4.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "commands/allow_list.h"
#include "commands/ata.h"
#include "commands/ata_max_address.h"
#include "commands/sat.h"

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

// --- golden CDBs ------------------------------------------------------------

TEST(SatPassThrough, IdentifyMatchesKernelFacts) {
  const ScsiCdb cdb = ata_pass_through16(ata_identify_device(), false);
  EXPECT_EQ(cdb_bytes(cdb), hex("85 08 0e 00 00 00 01 00 00 00 00 00 00 40 ec 00"));
  EXPECT_EQ(cdb.direction, DataDirection::kFromDevice);
  EXPECT_EQ(cdb.transfer_bytes, 512u);
  EXPECT_TRUE(cdb.data_out.empty());
}

TEST(SatPassThrough, ReadSectorsExtMatchesKernelFacts) {
  const ScsiCdb cdb = ata_pass_through16(ata_read_sectors_ext(1000, 1), false);
  EXPECT_EQ(cdb_bytes(cdb), hex("85 09 0e 00 00 00 01 00 e8 00 03 00 00 40 24 00"));
  EXPECT_EQ(cdb.transfer_bytes, 512u);
}

TEST(SatPassThrough, ReadDmaExtMatchesKernelFacts) {
  EXPECT_EQ(cdb_bytes(ata_pass_through16(ata_read_dma_ext(1000, 1), false)),
            hex("85 0d 0e 00 00 00 01 00 e8 00 03 00 00 40 25 00"));
}

TEST(SatPassThrough, CheckConditionSetsByte2Bit5) {
  EXPECT_EQ(cdb_bytes(ata_pass_through16(ata_read_dma_ext(1000, 1), true)),
            hex("85 0d 2e 00 00 00 01 00 e8 00 03 00 00 40 25 00"));
}

TEST(SatPassThrough, Lba48AndCountSpreadOverTheRegisterPairs) {
  // LBA 0x123456789abc: bytes 7..12 = LBA(31:24), (7:0), (39:32), (15:8), (47:40), (23:16).
  const ScsiCdb cdb = ata_pass_through16(ata_read_dma_ext(0x123456789abcull, 0x1234), true);
  EXPECT_EQ(cdb_bytes(cdb), hex("85 0d 2e 00 00 12 34 56 bc 34 9a 12 78 40 25 00"));
  EXPECT_EQ(cdb.transfer_bytes, 0x1234u * 512);
}

TEST(SatPassThrough, FullCountOf65536IsEncodedAsZero) {
  const AtaTaskfile tf = ata_read_dma_ext(0, 65536);
  EXPECT_EQ(tf.count, 0);
  EXPECT_EQ(tf.transfer_bytes, 65536u * 512);
  const ScsiCdb cdb = ata_pass_through16(tf, false);
  EXPECT_EQ(cdb.bytes[5], 0);
  EXPECT_EQ(cdb.bytes[6], 0);
}

TEST(SatPassThrough, Lba28PutsBits27To24InDevice) {
  const AtaTaskfile tf = ata_read_sectors(0x0fedcba9, 256);
  EXPECT_EQ(tf.count, 0);  // 256 sectors
  EXPECT_EQ(tf.device, 0x40);
  EXPECT_EQ(cdb_bytes(ata_pass_through16(tf, false)),
            hex("85 08 0e 00 00 00 00 00 a9 00 cb 00 ed 4f 20 00"));
  EXPECT_EQ(cdb_bytes(ata_pass_through16(ata_read_dma(0x0fedcba9, 1), false)),
            hex("85 0c 0e 00 00 00 01 00 a9 00 cb 00 ed 4f c8 00"));
}

TEST(SatPassThrough, FourKLogicalSectorsUseTType) {
  const ScsiCdb cdb = ata_pass_through16(ata_read_dma_ext(16, 8, 4096), false);
  EXPECT_EQ(cdb.bytes[2], 0x1e);  // T_TYPE | T_DIR | BYTE_BLOCK | T_LENGTH=2
  EXPECT_EQ(cdb.transfer_bytes, 8u * 4096);
}

TEST(SatPassThrough, SmartAndLogCommands) {
  EXPECT_EQ(cdb_bytes(ata_pass_through16(ata_smart_read_data(), false)),
            hex("85 08 0e 00 d0 00 01 00 00 00 4f 00 c2 40 b0 00"));
  EXPECT_EQ(cdb_bytes(ata_pass_through16(ata_smart_read_thresholds(), false)),
            hex("85 08 0e 00 d1 00 01 00 00 00 4f 00 c2 40 b0 00"));
  EXPECT_EQ(cdb_bytes(ata_pass_through16(ata_smart_read_log(0x01, 1), false)),
            hex("85 08 0e 00 d5 00 01 00 01 00 4f 00 c2 40 b0 00"));
  EXPECT_EQ(cdb_bytes(ata_pass_through16(ata_smart_return_status(), true)),
            hex("85 06 20 00 da 00 00 00 00 00 4f 00 c2 40 b0 00"));
  // READ LOG EXT of log 04h (Device Statistics), pages 0x0102.., 3 pages:
  // LBA(7:0) = log, LBA(15:8) = page(7:0), LBA(39:32) = page(15:8).
  EXPECT_EQ(cdb_bytes(ata_pass_through16(ata_read_log_ext(0x04, 0x0102, 3), false)),
            hex("85 09 0e 00 00 00 03 00 04 01 02 00 00 40 2f 00"));
  EXPECT_EQ(cdb_bytes(ata_pass_through16(ata_read_log_ext(0x04, 0, 1, true), false)),
            hex("85 0d 0e 00 00 00 01 00 04 00 00 00 00 40 47 00"));
}

TEST(SatPassThrough, SctErcSetIsSmartWriteLogWithTheKeyPage) {
  const AtaTaskfile tf = ata_sct_erc_set_read_timer(70);  // 7.0 s
  const ScsiCdb cdb = ata_pass_through16(tf, false);
  // PIO data-out (5), T_DIR = 0 (to device).
  EXPECT_EQ(cdb_bytes(cdb), hex("85 0a 06 00 d6 00 01 00 e0 00 4f 00 c2 40 b0 00"));
  EXPECT_EQ(cdb.direction, DataDirection::kToDevice);
  ASSERT_EQ(cdb.data_out.size(), 512u);
  EXPECT_EQ(std::vector<std::uint8_t>(cdb.data_out.begin(), cdb.data_out.begin() + 10),
            hex("03 00 01 00 01 00 46 00 00 00"));
  for (std::size_t i = 8; i < 512; ++i) ASSERT_EQ(cdb.data_out[i], 0) << i;
}

TEST(SatPassThrough, SctErcGetAsksForTheCurrentValue) {
  const ScsiCdb cdb = ata_pass_through16(ata_sct_erc_get_read_timer(), true);
  EXPECT_EQ(cdb.bytes[2], 0x26);  // CK_COND: the value comes back in the registers
  EXPECT_EQ(std::vector<std::uint8_t>(cdb.data_out.begin(), cdb.data_out.begin() + 8),
            hex("03 00 02 00 01 00 00 00"));
}

TEST(SatPassThrough, Resets) {
  EXPECT_EQ(cdb_bytes(ata_hard_reset16()), hex("85 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
  EXPECT_EQ(cdb_bytes(ata_soft_reset16()), hex("85 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
  EXPECT_EQ(ata_soft_reset16().direction, DataDirection::kNone);
}

TEST(SatPassThrough, EveryBuilderRoundTripsThroughTheDecoder) {
  const std::vector<AtaTaskfile> all = {
      ata_read_sectors_ext(1000, 1),       ata_read_dma_ext(0xffffffffffffull - 7, 8),
      ata_read_dma_ext(5, 65536),          ata_read_dma_ext(16, 8, 4096),
      ata_read_sectors(0x0fffffff, 1),     ata_read_dma(100, 256),
      ata_identify_device(),               ata_smart_read_data(),
      ata_smart_read_thresholds(),         ata_smart_return_status(),
      ata_smart_read_log(0xe0, 1),         ata_read_log_ext(0x10, 0, 1),
      ata_read_log_ext(0x04, 0x0203, 2, true), ata_sct_erc_set_read_timer(0),
      ata_sct_erc_get_read_timer()};
  for (const auto& tf : all) {
    for (bool ck : {false, true}) {
      const auto back = taskfile_from_pass_through16(ata_pass_through16(tf, ck));
      ASSERT_TRUE(back.has_value()) << int(tf.command);
      EXPECT_EQ(*back, tf) << int(tf.command);
    }
  }
}

// --- ATA PASS-THROUGH(12) (SAT-5 "ATA PASS-THROUGH (12) command") ----------
// Byte 0 A1h, 1 PROTOCOL<<1, 2 flags, 3 FEATURE, 4 COUNT, 5-7 LBA(7:0,
// 15:8, 23:16), 8 DEVICE, 9 COMMAND, 10 reserved, 11 CONTROL: the same
// registers as the 16-byte vectors above, without the upper bytes.

TEST(SatPassThrough12, IdentifyAndSmartCarryThe16ByteFormsRegisters) {
  const ScsiCdb id = ata_pass_through12(ata_identify_device(), false);
  EXPECT_EQ(cdb_bytes(id), hex("a1 08 0e 00 01 00 00 00 40 ec 00 00"));
  EXPECT_EQ(id.direction, DataDirection::kFromDevice);
  EXPECT_EQ(id.transfer_bytes, 512u);
  EXPECT_TRUE(id.data_out.empty());
  EXPECT_EQ(cdb_bytes(ata_pass_through12(ata_identify_device(), true)),
            hex("a1 08 2e 00 01 00 00 00 40 ec 00 00"));
  EXPECT_EQ(cdb_bytes(ata_pass_through12(ata_smart_read_data(), false)),
            hex("a1 08 0e d0 01 00 4f c2 40 b0 00 00"));
  EXPECT_EQ(cdb_bytes(ata_pass_through12(ata_smart_read_thresholds(), false)),
            hex("a1 08 0e d1 01 00 4f c2 40 b0 00 00"));
  EXPECT_EQ(cdb_bytes(ata_pass_through12(ata_smart_read_log(0x01, 1), false)),
            hex("a1 08 0e d5 01 01 4f c2 40 b0 00 00"));
  const ScsiCdb status = ata_pass_through12(ata_smart_return_status(), true);
  EXPECT_EQ(cdb_bytes(status), hex("a1 06 20 da 00 00 4f c2 40 b0 00 00"));
  EXPECT_EQ(status.direction, DataDirection::kNone);
  EXPECT_EQ(status.transfer_bytes, 0u);
}

TEST(SatPassThrough12, Lba28PutsBits27To24InDevice) {
  EXPECT_EQ(cdb_bytes(ata_pass_through12(ata_read_sectors(0x0fedcba9, 256), false)),
            hex("a1 08 0e 00 00 a9 cb ed 4f 20 00 00"));
  EXPECT_EQ(cdb_bytes(ata_pass_through12(ata_read_dma(0x0fedcba9, 1), false)),
            hex("a1 0c 0e 00 01 a9 cb ed 4f c8 00 00"));
}

TEST(SatPassThrough12, OnlyTwentyEightBitNonWriteCommandsFit) {
  // No EXTEND bit and no upper register bytes: 48-bit commands do not fit.
  EXPECT_THROW(ata_pass_through12(ata_read_dma_ext(0, 1), false), CommandRefused);
  EXPECT_THROW(ata_pass_through12(ata_read_log_ext(0x03, 0, 1), false), CommandRefused);
  EXPECT_THROW(ata_pass_through12(ata_read_native_max_address_ext(), true), CommandRefused);
  // Nothing that sends data: the SCT ERC setting stays a 16-byte command.
  EXPECT_THROW(ata_pass_through12(ata_sct_erc_set_read_timer(70), true), CommandRefused);
  EXPECT_THROW(ata_pass_through12(ata_sct_erc_get_read_timer(), true), CommandRefused);
  AtaTaskfile reset;
  reset.protocol = AtaProtocol::kSoftReset;
  reset.command = 0;
  reset.device = 0;
  EXPECT_THROW(ata_pass_through12(reset, false), CommandRefused);
  EXPECT_TRUE(fits_pass_through12(ata_identify_device()));
  EXPECT_TRUE(fits_pass_through12(ata_dco_identify()));
  EXPECT_FALSE(fits_pass_through12(ata_read_sectors_ext(0, 1)));
  EXPECT_FALSE(fits_pass_through12(ata_sct_erc_set_read_timer(0)));
}

TEST(SatPassThrough12, EveryTwentyEightBitBuilderRoundTripsThroughTheDecoder) {
  const std::vector<AtaTaskfile> all = {
      ata_read_sectors(0x0fffffff, 1), ata_read_dma(100, 256),     ata_read_dma(8, 8, 4096),
      ata_identify_device(),           ata_smart_read_data(),      ata_smart_read_thresholds(),
      ata_smart_return_status(),       ata_smart_read_log(0x01, 1), ata_smart_read_log(0xe0, 2),
      ata_dco_identify()};
  for (const auto& tf : all) {
    for (bool ck : {false, true}) {
      const ScsiCdb cdb = ata_pass_through12(tf, ck);
      EXPECT_EQ(cdb.length, 12);
      EXPECT_EQ(ata_pass_through(tf, ck, AtaPassThroughForm::k12), cdb);
      const auto back = taskfile_from_pass_through12(cdb);
      ASSERT_TRUE(back.has_value()) << int(tf.command);
      EXPECT_EQ(*back, tf) << int(tf.command);
      // A 12-byte CDB is not a 16-byte one, nor the reverse.
      EXPECT_FALSE(taskfile_from_pass_through16(cdb).has_value());
      EXPECT_FALSE(taskfile_from_pass_through12(ata_pass_through16(tf, ck)).has_value());
    }
  }
}

TEST(SatPassThrough12, DecoderRefusesFormsNeverBuilt) {
  const ScsiCdb good = ata_pass_through12(ata_identify_device(), false);
  ASSERT_TRUE(taskfile_from_pass_through12(good));
  auto with = [&](std::size_t i, std::uint8_t v) {
    ScsiCdb c = good;
    c.bytes[i] = v;
    return c;
  };
  EXPECT_FALSE(taskfile_from_pass_through12(with(1, 0x28))) << "MULTIPLE_COUNT";
  EXPECT_FALSE(taskfile_from_pass_through12(with(1, 0x09))) << "reserved bit 0 (no EXTEND here)";
  EXPECT_FALSE(taskfile_from_pass_through12(with(1, 0x0a))) << "PIO data-out";
  EXPECT_FALSE(taskfile_from_pass_through12(with(1, 0x00))) << "hardware reset";
  EXPECT_FALSE(taskfile_from_pass_through12(with(2, 0x4e))) << "OFF_LINE";
  EXPECT_FALSE(taskfile_from_pass_through12(with(2, 0x06))) << "T_DIR disagrees with the data phase";
  EXPECT_FALSE(taskfile_from_pass_through12(with(2, 0x0d))) << "T_LENGTH in FEATURE";
  EXPECT_FALSE(taskfile_from_pass_through12(with(10, 0x01))) << "reserved byte 10";
  EXPECT_FALSE(taskfile_from_pass_through12(with(11, 0x01))) << "CONTROL";
  EXPECT_FALSE(taskfile_from_pass_through12(with(12, 0x35))) << "a byte past the CDB";
  ScsiCdb payload = good;
  payload.data_out.assign(16, 0);
  EXPECT_FALSE(taskfile_from_pass_through12(payload));
  ScsiCdb long_cdb = good;
  long_cdb.length = 16;
  EXPECT_FALSE(taskfile_from_pass_through12(long_cdb));
}

TEST(AtaBuilders, RefuseWhatDoesNotFit) {
  EXPECT_THROW(ata_read_dma_ext(0, 0), CommandRefused);
  EXPECT_THROW(ata_read_dma_ext(0, 65537), CommandRefused);
  EXPECT_THROW(ata_read_dma_ext(1ull << 48, 1), CommandRefused);
  EXPECT_THROW(ata_read_dma_ext((1ull << 48) - 1, 2), CommandRefused);
  EXPECT_THROW(ata_read_sectors(1ull << 28, 1), CommandRefused);
  EXPECT_THROW(ata_read_sectors((1ull << 28) - 1, 2), CommandRefused);
  EXPECT_THROW(ata_read_sectors(0, 257), CommandRefused);
  EXPECT_THROW(ata_read_sectors(0, 0), CommandRefused);
  EXPECT_THROW(ata_read_dma_ext(0, 1, 0), CommandRefused);
  EXPECT_THROW(ata_smart_read_log(1, 0), CommandRefused);
  EXPECT_THROW(ata_read_log_ext(1, 0, 0), CommandRefused);
  EXPECT_NO_THROW(ata_read_sectors((1ull << 28) - 1, 1));
  EXPECT_TRUE(fits_lba28((1ull << 28) - 256, 256));
  EXPECT_FALSE(fits_lba28((1ull << 28) - 255, 256));
}

TEST(AtaBuilders, PassThroughRefusesUnencodableTaskfiles) {
  AtaTaskfile tf = ata_read_dma_ext(0, 1);
  tf.ext = false;  // a 28-bit encoding of 25h is not something we send
  EXPECT_THROW(ata_pass_through16(tf, false), CommandRefused);
  tf = ata_read_sectors(0, 1);
  tf.lba = 1ull << 28;
  EXPECT_THROW(ata_pass_through16(tf, false), CommandRefused);
}

// --- registers in sense data ----------------------------------------------

TEST(SatSense, DescriptorAtaStatusReturnFromKernelFacts) {
  // AHCI READ DMA EXT at LBA 2000 with D_SENSE=1 (KERNEL-FACTS §3).
  const auto regs =
      ata_registers_from_sense(hex("72 0b 00 00 00 00 00 0e 09 0c 01 04 00 01 00 d0 00 07 00 00 40 41"));
  ASSERT_TRUE(regs);
  EXPECT_EQ(regs->error, 0x04);
  EXPECT_EQ(regs->status, 0x41);
  EXPECT_EQ(regs->device, 0x40);
  EXPECT_EQ(regs->count, 1);
  EXPECT_EQ(regs->lba, 2000u);
  EXPECT_TRUE(regs->extend);
  EXPECT_EQ(regs->lba_bits, 48u);
}

TEST(SatSense, LinuxLegacyFixedFormatKeepsOnlyTheLowLbaByte) {
  // Same failure, default fixed format, Linux 6.1 (KERNEL-FACTS §3).
  const auto regs =
      ata_registers_from_sense(hex("70 00 0b 00 00 00 00 0a 04 41 40 01 00 00 00 00 80 d0"));
  ASSERT_TRUE(regs);
  EXPECT_EQ(regs->error, 0x04);
  EXPECT_EQ(regs->status, 0x41);
  EXPECT_EQ(regs->device, 0x40);
  EXPECT_EQ(regs->count, 1);
  EXPECT_TRUE(regs->extend);
  EXPECT_EQ(regs->lba, 0xd0u);
  EXPECT_EQ(regs->lba_bits, 8u);
}

TEST(SatSense, Sat5FixedFormat) {
  // Linux >= 6.11 / SAT-5: VALID, registers in INFORMATION, LBA(23:0) in
  // bytes 9-11, LBA UPPER NONZERO (byte 8 bit 5) set.
  auto regs = ata_registers_from_sense(hex("f0 00 03 40 51 40 08 0a a0 89 67 45 11 04 00 00 00 00"));
  ASSERT_TRUE(regs);
  EXPECT_EQ(regs->error, 0x40);
  EXPECT_EQ(regs->status, 0x51);
  EXPECT_EQ(regs->count, 8);
  EXPECT_EQ(regs->lba, 0x456789u);
  EXPECT_EQ(regs->lba_bits, 24u);
  // LBA UPPER NONZERO clear: the 24 bits are the whole LBA.
  regs = ata_registers_from_sense(hex("f0 00 03 40 51 40 01 0a 80 d0 07 00 11 04 00 00 00 00"));
  ASSERT_TRUE(regs);
  EXPECT_EQ(regs->lba, 2000u);
  EXPECT_EQ(regs->lba_bits, 48u);
}

TEST(SatSense, NoRegistersInPlainSense) {
  // ILLEGAL REQUEST / INVALID FIELD IN CDB: libata refusing a CDB.
  EXPECT_FALSE(ata_registers_from_sense(hex("70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 c0 00 01")));
  EXPECT_FALSE(ata_registers_from_sense(hex("72 05 24 00 00 00 00 00")));
  EXPECT_FALSE(ata_registers_from_sense({}));
  // A descriptor 09h cut short by the additional length.
  EXPECT_FALSE(ata_registers_from_sense(hex("72 0b 00 00 00 00 00 08 09 0c 01 04 00 01 00 d0 00 07 00 00 40 41")));
}

// --- the ATA read-error decoder ---------------------------------------------

TEST(AtaReadError, QemuAbrtIsAbortedWithoutLba) {
  for (const auto& sense :
       {hex("72 0b 00 00 00 00 00 0e 09 0c 01 04 00 01 00 d0 00 07 00 00 40 41"),
        hex("70 00 0b 00 00 00 00 0a 04 41 40 01 00 00 00 00 80 d0")}) {
    const DecodedError e = decode_ata_read_error(sense, 2000, 1);
    EXPECT_EQ(e.kind, ErrorKind::kAborted) << e.text;
    EXPECT_FALSE(e.lba);
    EXPECT_NE(e.text.find("ABRT"), std::string::npos) << e.text;
  }
}

TEST(AtaReadError, LibataTimeoutIsATimeoutNotAnAbort) {
  // KERNEL-FACTS §4: ABORTED COMMAND, registers all zero except STATUS 40h.
  for (const auto& sense :
       {hex("72 0b 00 00 00 00 00 0e 09 0c 00 00 00 00 00 00 00 00 00 00 00 40"),
        hex("72 0b 00 00 00 00 00 0e 09 0c 01 00 00 00 00 00 00 00 00 00 00 40"),
        hex("70 00 0b 00 00 00 00 0a 00 40 00 00 00 00 00 00 80 00")}) {
    const DecodedError e = decode_ata_read_error(sense, 2000, 8);
    EXPECT_EQ(e.kind, ErrorKind::kTimeout) << e.text;
    EXPECT_FALSE(e.lba);
  }
}

TEST(AtaReadError, BusyMeansTheCommandNeverCompleted) {
  const DecodedError e =
      decode_ata_read_error(hex("72 0b 00 00 00 00 00 0e 09 0c 01 00 00 00 00 00 00 00 00 00 00 d0"), 0, 1);
  EXPECT_EQ(e.kind, ErrorKind::kTimeout);
}

TEST(AtaReadError, GoodReadWithCheckConditionIsOk) {
  const DecodedError e = decode_ata_read_error(
      hex("72 01 00 1d 00 00 00 0e 09 0c 01 00 00 01 00 e8 00 03 00 00 40 50"), 1000, 1);
  EXPECT_EQ(e.kind, ErrorKind::kOk) << e.text;
  EXPECT_NE(e.text.find("ATA pass through information available"), std::string::npos) << e.text;
  // Linux >= 6.11 honours D_SENSE = 0 here too: SAT-5 fixed format.
  const DecodedError fixed =
      decode_ata_read_error(hex("f0 00 01 00 50 40 01 0a 80 e8 03 00 00 1d 00 00 00 00"), 1000, 1);
  EXPECT_EQ(fixed.kind, ErrorKind::kOk) << fixed.text;
}

TEST(AtaReadError, UncWith48BitLbaIsAMediaErrorThere) {
  // MEDIUM ERROR 11/04, UNC at LBA 0x123456789 in a 16-sector read.
  const auto sense = hex("72 03 11 04 00 00 00 0e 09 0c 01 40 00 10 23 89 01 67 00 45 40 51");
  DecodedError e = decode_ata_read_error(sense, 0x123456780ull, 16);
  EXPECT_EQ(e.kind, ErrorKind::kMediaError) << e.text;
  ASSERT_TRUE(e.lba);
  EXPECT_EQ(*e.lba, 0x123456789ull);
  EXPECT_FALSE(e.lba_inferred);
  EXPECT_NE(e.text.find("UNC"), std::string::npos);
  // The same registers for a command that does not cover that LBA: dropped.
  e = decode_ata_read_error(sense, 0x123456790ull, 16);
  EXPECT_EQ(e.kind, ErrorKind::kMediaError);
  EXPECT_FALSE(e.lba);
}

TEST(AtaReadError, PartialLbaIsCompletedFromTheCommandRange) {
  // Linux < 6.11 fixed format: only LBA(7:0) = D0h of a UNC at 2000.
  const auto legacy = hex("70 00 03 00 00 00 00 0a 40 51 40 08 11 04 00 00 80 d0");
  DecodedError e = decode_ata_read_error(legacy, 1996, 8);
  EXPECT_EQ(e.kind, ErrorKind::kMediaError) << e.text;
  ASSERT_TRUE(e.lba);
  EXPECT_EQ(*e.lba, 2000u);
  EXPECT_TRUE(e.lba_inferred);
  // 512 sectors: D0h matches twice in range, so no LBA.
  e = decode_ata_read_error(legacy, 1792, 512);
  EXPECT_EQ(e.kind, ErrorKind::kMediaError);
  EXPECT_FALSE(e.lba);
  // SAT-5 fixed format with LBA(23:0) only.
  e = decode_ata_read_error(hex("f0 00 03 40 51 40 08 0a a0 89 67 45 11 04 00 00 00 00"),
                            0x123456780ull, 16);
  ASSERT_TRUE(e.lba);
  EXPECT_EQ(*e.lba, 0x123456789ull);
  EXPECT_TRUE(e.lba_inferred);
}

TEST(AtaReadError, IdnfAndDeviceFault) {
  // IDNF (10h) inside the command: media error at that LBA.
  DecodedError e = decode_ata_read_error(
      hex("72 0b 00 00 00 00 00 0e 09 0c 01 10 00 01 00 d0 00 07 00 00 40 51"), 2000, 1);
  EXPECT_EQ(e.kind, ErrorKind::kMediaError);
  EXPECT_EQ(e.lba, 2000u);
  // IDNF outside the command: nothing usable.
  e = decode_ata_read_error(hex("72 0b 00 00 00 00 00 0e 09 0c 01 10 00 01 00 d0 00 07 00 00 40 51"), 0, 1);
  EXPECT_EQ(e.kind, ErrorKind::kOther);
  EXPECT_FALSE(e.lba);
  // DF without UNC: a hardware problem.
  e = decode_ata_read_error(hex("72 04 00 00 00 00 00 0e 09 0c 01 04 00 01 00 d0 00 07 00 00 40 61"), 2000, 1);
  EXPECT_EQ(e.kind, ErrorKind::kHardwareError);
  // ICRC + ABRT: a link error, the command was aborted.
  e = decode_ata_read_error(hex("72 0b 47 03 00 00 00 0e 09 0c 01 84 00 01 00 d0 00 07 00 00 40 51"), 2000, 1);
  EXPECT_EQ(e.kind, ErrorKind::kAborted);
}

TEST(AtaReadError, SenseWithoutRegistersFallsBackToTheSenseKey) {
  DecodedError e = decode_ata_read_error(hex("70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 c0 00 01"), 0, 1);
  EXPECT_EQ(e.kind, ErrorKind::kIllegalRequest);
  EXPECT_NE(e.text.find("no ATA registers"), std::string::npos);
  e = decode_ata_read_error(hex("70 00 06 00 00 00 00 0a 00 00 00 00 29 00 00 00 00 00"), 0, 1);
  EXPECT_EQ(e.kind, ErrorKind::kUnitAttention);
}

TEST(AtaReadError, GarbageNeverCrashes) {
  EXPECT_EQ(decode_ata_read_error({}, 0, 1).kind, ErrorKind::kOther);
  EXPECT_EQ(decode_ata_read_error(hex("70 00"), 0, 1).kind, ErrorKind::kOther);
  EXPECT_EQ(decode_ata_read_error(std::vector<std::uint8_t>(18, 0), 0, 1).kind, ErrorKind::kOther);
  EXPECT_EQ(decode_ata_read_error(std::vector<std::uint8_t>(64, 0xff), 0, 1).kind, ErrorKind::kOther);
  const DecodedError e = decode_ata_read_error(hex("12 34 56 78 9a bc de f0"), 0, 1);
  EXPECT_EQ(e.kind, ErrorKind::kOther);
  EXPECT_NE(e.text.find("12 34 56"), std::string::npos) << e.text;
}

// --- register-returning commands -------------------------------------------

TEST(AtaRegisterResults, SctErcTimer) {
  AtaRegisters regs;
  regs.count = 0x46;  // 70 = 7.0 s
  regs.lba = 0x00;
  EXPECT_EQ(sct_erc_timer_from_registers(regs), 70);
  regs.count = 0x2c;
  regs.lba = 0x01;  // 0x012c = 300
  EXPECT_EQ(sct_erc_timer_from_registers(regs), 300);
  regs.count = 1;
  regs.lba = 0xc24fe0;  // the inputs unchanged: registers not returned
  EXPECT_FALSE(sct_erc_timer_from_registers(regs));
}

TEST(AtaRegisterResults, AnSctCommandCompletesOnlyWhenTheReturnedStatusSaysSo) {
  // RECOVERED ERROR, 00/1Dh, ATA Status Return descriptor (SAT-4: 09h, 0Ch;
  // EXTEND, ERROR, COUNT, LBA, DEVICE, STATUS): what an SCT ERC set sent
  // with CK_COND returns when it worked, STATUS 50h (DRDY DSC).
  const std::string done = "72 01 00 1d 00 00 00 0e 09 0c 00 00 00 01 00 e0 00 4f 00 c2 40 ";
  EXPECT_FALSE(ata_completion_failure(ata_registers_from_sense(hex(done + "50"))));
  EXPECT_FALSE(ata_completion_failure(ata_registers_from_sense(hex(done + "40"))));  // DRDY alone

  const auto failure = [&](const std::string& status) {
    return ata_completion_failure(ata_registers_from_sense(hex(done + status))).value_or("");
  };
  EXPECT_NE(failure("51").find("refused"), std::string::npos) << failure("51");  // ERR
  EXPECT_NE(failure("60").find("refused"), std::string::npos) << failure("60");  // DF
  EXPECT_NE(failure("00").find("DRDY clear"), std::string::npos) << failure("00");
  EXPECT_NE(failure("d0").find("busy"), std::string::npos) << failure("d0");     // BSY: nothing else valid
  // GOOD status and no sense at all: the registers never came back.
  EXPECT_NE(ata_completion_failure(ata_registers_from_sense({})).value_or("").find("no ATA status"),
            std::string::npos);
}

TEST(AtaRegisterResults, SmartReturnStatus) {
  AtaRegisters regs;
  regs.lba = 0xc24f00;
  EXPECT_EQ(smart_threshold_exceeded(regs), false);
  regs.lba = 0x2cf400;
  EXPECT_EQ(smart_threshold_exceeded(regs), true);
  regs.lba = 0;
  EXPECT_FALSE(smart_threshold_exceeded(regs));
}

}  // namespace
}  // namespace ptrescue::commands
