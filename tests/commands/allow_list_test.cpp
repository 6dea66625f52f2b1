// SPDX-License-Identifier: GPL-3.0-or-later
// The allow-list: every builder's output is admitted, and every write-class
// command (ATA, SCSI, NVMe, and ATA commands tunnelled through ATA
// PASS-THROUGH, built here by hand, not with the builders) is refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "commands/allow_list.h"
#include "commands/ata.h"
#include "commands/ata_max_address.h"
#include "commands/nvme.h"
#include "commands/sat.h"
#include "commands/scsi.h"

namespace ptrescue::commands {
namespace {

// --- every builder, representative arguments ---------------------------------

std::vector<AtaTaskfile> all_ata_builders() {
  return {ata_read_sectors_ext(0, 1),          ata_read_sectors_ext(1000, 65536),
          ata_read_dma_ext(0xffffffffffffull - 1, 1), ata_read_dma_ext(8, 8, 4096),
          ata_read_sectors(0, 256),            ata_read_dma(0x0ffffff0, 16),
          ata_identify_device(),               ata_smart_read_data(),
          ata_smart_read_thresholds(),         ata_smart_return_status(),
          ata_smart_read_log(0x01, 1),         ata_smart_read_log(0xe0, 1),
          ata_read_log_ext(0x10, 0, 1),        ata_read_log_ext(0x04, 0x0101, 8, true),
          ata_sct_erc_set_read_timer(70),      ata_sct_erc_set_read_timer(0),
          ata_sct_erc_get_read_timer(),        ata_read_native_max_address_ext(),
          ata_get_native_max_address_ext(),    ata_dco_identify()};
}

std::vector<ScsiCdb> all_scsi_builders() {
  std::vector<ScsiCdb> out = {
      scsi_read16(0, 1, 512),
      scsi_read16(0xfffffffffffff000ull, 0x1000, 512),
      scsi_read10(2000, 8, 512),
      scsi_read_capacity10(),
      scsi_read_capacity16(),
      scsi_inquiry(),
      scsi_inquiry_vpd(0x80),
      scsi_inquiry_vpd(0x89, 572),
      scsi_test_unit_ready(),
      scsi_request_sense(),
      scsi_log_sense(0x2f),
      scsi_mode_sense10_control(),
      scsi_mode_sense10_control(ModePageControl::kChangeable),
      ata_hard_reset16(),
      ata_soft_reset16(),
  };
  ControlModePage page;
  page.bytes = {0x8a, 0x0a, 0x02, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0x1e};
  out.push_back(scsi_mode_select10_d_sense(page, true));
  out.push_back(scsi_mode_select10_d_sense(page, false));
  for (const auto& tf : all_ata_builders()) {
    out.push_back(ata_pass_through16(tf, false));
    out.push_back(ata_pass_through16(tf, true));
    if (!fits_pass_through12(tf)) continue;
    out.push_back(ata_pass_through12(tf, false));
    out.push_back(ata_pass_through12(tf, true));
  }
  return out;
}

std::vector<NvmeCommand> all_nvme_builders() {
  return {nvme_read(1, 0, 1, 512),         nvme_read(1, 1ull << 40, 65536, 512, true),
          nvme_read(2, 8, 8, 4104),        nvme_identify_controller(),
          nvme_identify_namespace(1),      nvme_get_log_page(0x02, 0xffffffff, 512),
          nvme_get_log_page(0x01, 0, 64 * 64)};
}

TEST(AllowList, AdmitsEveryBuilderOutput) {
  for (const auto& tf : all_ata_builders()) EXPECT_TRUE(is_allowed(tf)) << *why_refused(tf);
  for (const auto& cdb : all_scsi_builders()) {
    const auto reason = why_refused(cdb);
    EXPECT_FALSE(reason) << int(cdb.opcode()) << ": " << *reason;
    EXPECT_TRUE(is_allowed(Command{cdb}));
  }
  for (const auto& cmd : all_nvme_builders()) EXPECT_TRUE(is_allowed(cmd)) << *why_refused(cmd);
}

// --- ATA: write-class commands as taskfiles and as hand-made CDBs ------------

struct AtaCase {
  std::uint8_t command;
  std::uint16_t feature;
  bool ext;
  AtaProtocol protocol;
  const char* name;
};

const AtaCase kAtaWrites[] = {
    {0x30, 0, false, AtaProtocol::kPioDataOut, "WRITE SECTORS"},
    {0x31, 0, false, AtaProtocol::kPioDataOut, "WRITE SECTORS without retry"},
    {0x34, 0, true, AtaProtocol::kPioDataOut, "WRITE SECTORS EXT"},
    {0x35, 0, true, AtaProtocol::kDma, "WRITE DMA EXT"},
    {0x39, 0, true, AtaProtocol::kPioDataOut, "WRITE MULTIPLE EXT"},
    {0x3d, 0, true, AtaProtocol::kDma, "WRITE DMA FUA EXT"},
    {0x3f, 0, true, AtaProtocol::kPioDataOut, "WRITE LOG EXT"},
    {0x57, 0, true, AtaProtocol::kDma, "WRITE LOG DMA EXT"},
    {0x61, 0, true, AtaProtocol::kDma, "WRITE FPDMA QUEUED"},
    {0xca, 0, false, AtaProtocol::kDma, "WRITE DMA"},
    {0xcc, 0, false, AtaProtocol::kDma, "WRITE DMA QUEUED"},
    {0xc5, 0, false, AtaProtocol::kPioDataOut, "WRITE MULTIPLE"},
    {0xe8, 0, false, AtaProtocol::kPioDataOut, "WRITE BUFFER"},
    {0x92, 0x07, false, AtaProtocol::kPioDataOut, "DOWNLOAD MICROCODE"},
    {0x93, 0x07, false, AtaProtocol::kDma, "DOWNLOAD MICROCODE DMA"},
    {0x06, 0x01, true, AtaProtocol::kDma, "DATA SET MANAGEMENT (TRIM)"},
    {0x07, 0x01, true, AtaProtocol::kDma, "DATA SET MANAGEMENT XL"},
    {0x44, 0, true, AtaProtocol::kNonData, "ZERO EXT"},
    {0x45, 0x55, true, AtaProtocol::kNonData, "WRITE UNCORRECTABLE EXT"},
    {0xf1, 0, false, AtaProtocol::kPioDataOut, "SECURITY SET PASSWORD"},
    {0xf3, 0, false, AtaProtocol::kNonData, "SECURITY ERASE PREPARE"},
    {0xf4, 0, false, AtaProtocol::kPioDataOut, "SECURITY ERASE UNIT"},
    {0xf6, 0, false, AtaProtocol::kPioDataOut, "SECURITY DISABLE PASSWORD"},
    {0xb4, 0x0012, true, AtaProtocol::kNonData, "SANITIZE DEVICE (block erase)"},
    {0xf9, 0, false, AtaProtocol::kNonData, "SET MAX ADDRESS"},
    {0x37, 0, true, AtaProtocol::kNonData, "SET MAX ADDRESS EXT"},
    {0x78, 0x01, true, AtaProtocol::kNonData, "ACCESSIBLE MAX ADDRESS CONFIGURATION"},
    {0xb1, 0xc3, false, AtaProtocol::kPioDataOut, "DEVICE CONFIGURATION SET"},
    {0xef, 0x02, false, AtaProtocol::kNonData, "SET FEATURES (enable write cache)"},
    {0x5e, 0, false, AtaProtocol::kPioDataOut, "TRUSTED SEND"},
    {0x5f, 0, false, AtaProtocol::kDma, "TRUSTED SEND DMA"},
    {0x9f, 0, true, AtaProtocol::kNonData, "ZAC MANAGEMENT OUT"},
    {0x3b, 0, true, AtaProtocol::kPioDataOut, "WRITE STREAM EXT"},
    {0x03, 0, false, AtaProtocol::kNonData, "CFA ERASE SECTORS"},
    {0x38, 0, false, AtaProtocol::kPioDataOut, "CFA WRITE SECTORS WITHOUT ERASE"},
    {0x90, 0, false, AtaProtocol::kNonData, "EXECUTE DEVICE DIAGNOSTIC"},
    {0xe0, 0, false, AtaProtocol::kNonData, "STANDBY IMMEDIATE"},
    {0xe6, 0, false, AtaProtocol::kNonData, "SLEEP"},
    {0x08, 0, false, AtaProtocol::kNonData, "DEVICE RESET"},
    {0xb0, 0xd4, false, AtaProtocol::kNonData, "SMART EXECUTE OFF-LINE IMMEDIATE"},
    {0xb0, 0xd8, false, AtaProtocol::kNonData, "SMART ENABLE OPERATIONS"},
    {0xb0, 0xd9, false, AtaProtocol::kNonData, "SMART DISABLE OPERATIONS"},
    {0xb0, 0xd2, false, AtaProtocol::kNonData, "SMART ENABLE/DISABLE ATTRIBUTE AUTOSAVE"},
    {0xb0, 0xd3, false, AtaProtocol::kNonData, "SMART SAVE ATTRIBUTE VALUES"},
    {0xb0, 0xd6, false, AtaProtocol::kPioDataOut, "SMART WRITE LOG (selective self-test log)"},
};

AtaTaskfile make_taskfile(const AtaCase& c) {
  AtaTaskfile tf;
  tf.command = c.command;
  tf.feature = c.feature;
  tf.ext = c.ext;
  tf.protocol = c.protocol;
  tf.lba = c.command == 0xb0 ? 0xc24f09 : 1000;  // SMART: signature, log 09h
  tf.count = 1;
  if (c.protocol != AtaProtocol::kNonData) {
    // Every data command in kAtaWrites sends data.
    tf.transfer_bytes = 512;
    tf.direction = DataDirection::kToDevice;
    tf.data_out.assign(512, 0xa5);
  } else {
    tf.count = 0;
  }
  return tf;
}

// ATA PASS-THROUGH(16) written byte by byte, as a careless or hostile caller
// might: no builder involved.
ScsiCdb hand_made_pass_through(const AtaTaskfile& tf) {
  ScsiCdb cdb;
  cdb.length = 16;
  auto& b = cdb.bytes;
  b[0] = 0x85;
  b[1] = static_cast<std::uint8_t>((static_cast<int>(tf.protocol) << 1) | (tf.ext ? 1 : 0));
  if (tf.direction != DataDirection::kNone)
    b[2] = static_cast<std::uint8_t>(0x06 | (tf.direction == DataDirection::kFromDevice ? 0x08 : 0));
  b[3] = tf.ext ? static_cast<std::uint8_t>(tf.feature >> 8) : 0;
  b[4] = static_cast<std::uint8_t>(tf.feature);
  b[5] = tf.ext ? static_cast<std::uint8_t>(tf.count >> 8) : 0;
  b[6] = static_cast<std::uint8_t>(tf.count);
  b[7] = tf.ext ? static_cast<std::uint8_t>(tf.lba >> 24) : 0;
  b[8] = static_cast<std::uint8_t>(tf.lba);
  b[9] = tf.ext ? static_cast<std::uint8_t>(tf.lba >> 32) : 0;
  b[10] = static_cast<std::uint8_t>(tf.lba >> 8);
  b[11] = tf.ext ? static_cast<std::uint8_t>(tf.lba >> 40) : 0;
  b[12] = static_cast<std::uint8_t>(tf.lba >> 16);
  b[13] = 0x40;
  b[14] = tf.command;
  cdb.direction = tf.direction;
  cdb.transfer_bytes = tf.transfer_bytes;
  cdb.data_out = tf.data_out;
  return cdb;
}

// ATA PASS-THROUGH(12) written byte by byte (SAT-5: 3 FEATURE, 4 COUNT,
// 5-7 LBA(23:0), 8 DEVICE, 9 COMMAND): whatever a 48-bit taskfile's upper
// bytes were, only its low registers travel.
ScsiCdb hand_made_pass_through12(const AtaTaskfile& tf) {
  ScsiCdb cdb;
  cdb.length = 12;
  auto& b = cdb.bytes;
  b[0] = 0xa1;
  b[1] = static_cast<std::uint8_t>(static_cast<int>(tf.protocol) << 1);
  if (tf.direction != DataDirection::kNone)
    b[2] = static_cast<std::uint8_t>(0x06 | (tf.direction == DataDirection::kFromDevice ? 0x08 : 0));
  b[3] = static_cast<std::uint8_t>(tf.feature);
  b[4] = static_cast<std::uint8_t>(tf.count);
  b[5] = static_cast<std::uint8_t>(tf.lba);
  b[6] = static_cast<std::uint8_t>(tf.lba >> 8);
  b[7] = static_cast<std::uint8_t>(tf.lba >> 16);
  b[8] = 0x40;
  b[9] = tf.command;
  cdb.direction = tf.direction;
  cdb.transfer_bytes = tf.transfer_bytes;
  cdb.data_out = tf.data_out;
  return cdb;
}

/// The same taskfile without data: a write-class command sent as if it
/// were a read or non-data command, the shape a 12-byte CDB could pass in.
AtaTaskfile without_data(AtaTaskfile tf) {
  tf.data_out.clear();
  if (tf.direction == DataDirection::kToDevice) {
    tf.direction = DataDirection::kFromDevice;
    tf.protocol = AtaProtocol::kPioDataIn;
  }
  return tf;
}

TEST(AllowList, RefusesEveryAtaWriteClassCommand) {
  for (const auto& c : kAtaWrites) {
    const AtaTaskfile tf = make_taskfile(c);
    EXPECT_FALSE(is_allowed(tf)) << c.name;
    EXPECT_THROW(ata_pass_through16(tf, false), CommandRefused) << c.name;
    EXPECT_FALSE(is_allowed(hand_made_pass_through(tf))) << c.name;
  }
}

// The 12-byte form refuses every write or erase at build time and when
// judged as bytes, also when it pretends to carry no data.
TEST(AllowList, PassThrough12RefusesEveryAtaWriteClassCommand) {
  for (const auto& c : kAtaWrites) {
    const AtaTaskfile tf = make_taskfile(c);
    EXPECT_THROW(ata_pass_through12(tf, false), CommandRefused) << c.name;
    EXPECT_THROW(ata_pass_through12(tf, true), CommandRefused) << c.name;
    EXPECT_FALSE(is_allowed(hand_made_pass_through12(tf))) << c.name;
    const AtaTaskfile dataless = without_data(tf);
    EXPECT_FALSE(is_allowed(hand_made_pass_through12(dataless))) << c.name << " without data";
    if (!dataless.ext) {
      EXPECT_THROW(ata_pass_through12(dataless, false), CommandRefused) << c.name;
    }
  }
  // The one ATA write ptrescue sends (the volatile SCT ERC read timer) is
  // a 16-byte command only.
  EXPECT_TRUE(is_allowed(hand_made_pass_through(ata_sct_erc_set_read_timer(70))));
  EXPECT_FALSE(is_allowed(hand_made_pass_through12(ata_sct_erc_set_read_timer(70))));
  // 48-bit reads and logs have no 12-byte form: their low registers alone
  // read as a 28-bit command with the wrong EXTEND.
  EXPECT_FALSE(is_allowed(hand_made_pass_through12(ata_read_dma_ext(8, 1))));
  EXPECT_FALSE(is_allowed(hand_made_pass_through12(ata_read_log_ext(0x03, 0, 1))));
  // Resets are not sent in the 12-byte form.
  ScsiCdb reset = hand_made_pass_through12(AtaTaskfile{});
  reset.bytes[1] = 0x02;  // PROTOCOL 1, SRST
  reset.bytes[9] = 0;
  reset.bytes[8] = 0;
  EXPECT_FALSE(is_allowed(reset));
  // What it admits: the non-write 28-bit commands of the 16-byte list.
  for (const AtaTaskfile& tf : {ata_identify_device(), ata_smart_read_data(), ata_smart_read_thresholds(),
                                ata_smart_return_status(), ata_smart_read_log(0x01, 1),
                                ata_read_sectors(0, 1), ata_read_dma(0, 8), ata_dco_identify()})
    EXPECT_TRUE(is_allowed(hand_made_pass_through12(tf))) << int(tf.command);
}

TEST(AllowList, RefusesEveryAtaOpcodeNotOnTheList) {
  // Exhaustive: every command byte other than the admitted ones is refused,
  // whatever the protocol.
  const std::vector<std::uint8_t> admitted = {0x20, 0x24, 0x25, 0x2f, 0x47, 0xb0, 0xc8, 0xec};
  for (int op = 0; op < 256; ++op) {
    if (std::find(admitted.begin(), admitted.end(), op) != admitted.end()) continue;
    for (auto protocol : {AtaProtocol::kNonData, AtaProtocol::kPioDataIn, AtaProtocol::kDma}) {
      AtaCase c{static_cast<std::uint8_t>(op), 0, true, protocol, "opcode"};
      AtaTaskfile tf = make_taskfile(c);
      if (protocol != AtaProtocol::kNonData) {
        tf.direction = DataDirection::kFromDevice;
        tf.data_out.clear();
      }
      EXPECT_FALSE(is_allowed(tf)) << op;
      EXPECT_FALSE(is_allowed(hand_made_pass_through(tf))) << op;
      EXPECT_FALSE(is_allowed(hand_made_pass_through12(tf))) << op;
      tf.ext = false;
      tf.lba &= 0x0fffffff;
      EXPECT_FALSE(is_allowed(hand_made_pass_through12(tf))) << op;
    }
  }
}

TEST(AllowList, AdmittedReadsInAWriteShapeAreRefused) {
  AtaTaskfile tf = ata_read_dma_ext(0, 1);
  tf.direction = DataDirection::kToDevice;  // a "read" that sends data
  tf.data_out.assign(512, 0);
  EXPECT_FALSE(is_allowed(tf));
  EXPECT_FALSE(is_allowed(hand_made_pass_through(tf)));

  tf = ata_read_dma_ext(0, 1);
  tf.protocol = AtaProtocol::kPioDataOut;
  EXPECT_FALSE(is_allowed(tf));

  tf = ata_read_dma_ext(0, 8);
  tf.transfer_bytes = 512;  // length not matching COUNT
  EXPECT_FALSE(is_allowed(tf));

  ScsiCdb cdb = ata_pass_through16(ata_read_dma_ext(0, 1), false);
  cdb.bytes[2] &= ~0x08;  // T_DIR flipped to data-out
  EXPECT_FALSE(is_allowed(cdb));
  cdb = ata_pass_through16(ata_read_dma_ext(0, 1), false);
  cdb.bytes[1] |= 0x20;  // MULTIPLE_COUNT
  EXPECT_FALSE(is_allowed(cdb));
  cdb = ata_pass_through16(ata_read_dma_ext(0, 1), false);
  cdb.bytes[1] = static_cast<std::uint8_t>((12 << 1) | 1);  // NCQ protocol
  EXPECT_FALSE(is_allowed(cdb));
  cdb = ata_pass_through16(ata_read_dma_ext(0, 1), false);
  cdb.data_out.assign(16, 0);  // a payload on a read
  EXPECT_FALSE(is_allowed(cdb));
}

TEST(AllowList, SctOnlyErcOfTheReadTimerVolatile) {
  const AtaTaskfile good = ata_sct_erc_set_read_timer(70);
  ASSERT_TRUE(is_allowed(good));
  auto variant = [&](std::size_t offset, std::uint8_t value) {
    AtaTaskfile tf = good;
    tf.data_out[offset] = value;
    return tf;
  };
  EXPECT_FALSE(is_allowed(variant(0, 0x02))) << "action 0002h: SCT Write Same";
  EXPECT_FALSE(is_allowed(variant(0, 0x01))) << "action 0001h: SCT Read/Write Long";
  EXPECT_FALSE(is_allowed(variant(0, 0x04))) << "action 0004h: SCT Features Control";
  EXPECT_FALSE(is_allowed(variant(0, 0x05))) << "action 0005h: SCT Data Table";
  EXPECT_FALSE(is_allowed(variant(2, 0x03))) << "function 0003h: set power-on value (persistent)";
  EXPECT_FALSE(is_allowed(variant(2, 0x04))) << "function 0004h";
  EXPECT_FALSE(is_allowed(variant(4, 0x02))) << "selection 0002h: write timer";
  EXPECT_FALSE(is_allowed(variant(100, 0x01))) << "reserved byte set";

  AtaTaskfile tf = good;
  tf.lba = kSmartLbaSignature | 0xe1;  // SCT Data Transfer log: data for Write Same/Long
  EXPECT_FALSE(is_allowed(tf));
  tf = good;
  tf.lba = kSmartLbaSignature | 0x09;  // selective self-test log
  EXPECT_FALSE(is_allowed(tf));
  tf = good;
  tf.count = 2;
  tf.transfer_bytes = 1024;
  tf.data_out.resize(1024, 0);
  EXPECT_FALSE(is_allowed(tf));
  tf = good;
  tf.data_out.resize(511);
  EXPECT_FALSE(is_allowed(tf));

  AtaTaskfile get = ata_sct_erc_get_read_timer();
  get.data_out[6] = 1;  // "return current" carrying a value
  EXPECT_FALSE(is_allowed(get));

  // The same refusals through a hand-made ATA PASS-THROUGH.
  EXPECT_FALSE(is_allowed(hand_made_pass_through(variant(0, 0x02))));
  EXPECT_TRUE(is_allowed(hand_made_pass_through(good)));
}

TEST(AllowList, ResetsCarryNothing) {
  ScsiCdb cdb = ata_soft_reset16();
  cdb.bytes[14] = 0x35;  // a command byte riding along
  EXPECT_FALSE(is_allowed(cdb));
  cdb = ata_hard_reset16();
  cdb.direction = DataDirection::kToDevice;
  cdb.transfer_bytes = 512;
  cdb.data_out.assign(512, 0);
  EXPECT_FALSE(is_allowed(cdb));
}

// --- SCSI ----------------------------------------------------------------------

ScsiCdb scsi(std::initializer_list<std::uint8_t> bytes, DataDirection dir, std::uint32_t len) {
  ScsiCdb cdb;
  std::copy(bytes.begin(), bytes.end(), cdb.bytes.begin());
  cdb.length = static_cast<std::uint8_t>(bytes.size());
  cdb.direction = dir;
  cdb.transfer_bytes = len;
  if (dir == DataDirection::kToDevice) cdb.data_out.assign(len, 0);
  return cdb;
}

TEST(AllowList, RefusesEveryScsiWriteClassCommand) {
  constexpr auto kOut = DataDirection::kToDevice;
  constexpr auto kNone = DataDirection::kNone;
  const std::vector<std::pair<const char*, ScsiCdb>> cases = {
      {"WRITE(6)", scsi({0x0a, 0, 0, 0, 1, 0}, kOut, 512)},
      {"WRITE(10)", scsi({0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0}, kOut, 512)},
      {"WRITE(12)", scsi({0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, kOut, 512)},
      {"WRITE(16)", scsi({0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, kOut, 512)},
      {"WRITE(32)", scsi({0x7f, 0, 0, 0, 0, 0, 0, 0x18, 0x00, 0x0b, 0, 0, 0, 0, 0, 0}, kOut, 512)},
      {"WRITE SAME(10)", scsi({0x41, 0, 0, 0, 0, 0, 0, 0, 1, 0}, kOut, 512)},
      {"WRITE SAME(16)", scsi({0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, kOut, 512)},
      {"WRITE SAME(32)", scsi({0x7f, 0, 0, 0, 0, 0, 0, 0x18, 0x00, 0x0d, 0, 0, 0, 0, 0, 0}, kOut, 512)},
      {"WRITE AND VERIFY(10)", scsi({0x2e, 0, 0, 0, 0, 0, 0, 0, 1, 0}, kOut, 512)},
      {"WRITE AND VERIFY(12)", scsi({0xae, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, kOut, 512)},
      {"WRITE AND VERIFY(16)", scsi({0x8e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, kOut, 512)},
      {"UNMAP", scsi({0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0}, kOut, 24)},
      {"FORMAT UNIT", scsi({0x04, 0, 0, 0, 0, 0}, kNone, 0)},
      {"SANITIZE", scsi({0x48, 0x02, 0, 0, 0, 0, 0, 0, 0, 0}, kNone, 0)},
      {"WRITE BUFFER", scsi({0x3b, 0x05, 0, 0, 0, 0, 0, 0x10, 0, 0}, kOut, 4096)},
      {"SECURITY PROTOCOL OUT", scsi({0xb5, 0xef, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0}, kOut, 16)},
      {"MODE SELECT(6)", scsi({0x15, 0x10, 0, 0, 16, 0}, kOut, 16)},
      {"WRITE LONG(10)", scsi({0x3f, 0, 0, 0, 0, 0, 0, 2, 0, 0}, kOut, 512)},
      {"WRITE LONG(16)", scsi({0x9f, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0}, kOut, 512)},
      {"REASSIGN BLOCKS", scsi({0x07, 0, 0, 0, 0, 0}, kOut, 8)},
      {"COMPARE AND WRITE", scsi({0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, kOut, 1024)},
      {"WRITE ATTRIBUTE", scsi({0x8d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0}, kOut, 16)},
      {"SYNCHRONIZE CACHE(10)", scsi({0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0}, kNone, 0)},
      {"START STOP UNIT", scsi({0x1b, 0, 0, 0, 0, 0}, kNone, 0)},
      {"LOG SELECT", scsi({0x4c, 0x02, 0xc0, 0, 0, 0, 0, 0, 0, 0}, kNone, 0)},
      {"SEND DIAGNOSTIC", scsi({0x1d, 0x04, 0, 0, 0, 0}, kNone, 0)},
      {"XDWRITEREAD(10)", scsi({0x53, 0, 0, 0, 0, 0, 0, 0, 1, 0}, kOut, 512)},
      {"EXTENDED COPY", scsi({0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0}, kOut, 64)},
      {"MAINTENANCE OUT", scsi({0xa4, 0x06, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0}, kOut, 16)},
      {"SERVICE ACTION IN(16) other than READ CAPACITY", scsi({0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0}, DataDirection::kFromDevice, 32)},
      {"LOG SENSE with SP (saves)", scsi({0x4d, 0x01, 0x6f, 0, 0, 0, 0, 0x10, 0, 0}, DataDirection::kFromDevice, 4096)},
      {"ATA PASS-THROUGH(12) of WRITE DMA", scsi({0xa1, 0x0c, 0x06, 0, 1, 0, 0, 0, 0x40, 0xca, 0, 0}, kOut, 512)},
      {"ATA PASS-THROUGH(12) of SECURITY ERASE UNIT", scsi({0xa1, 0x0a, 0x06, 0, 1, 0, 0, 0, 0x40, 0xf4, 0, 0}, kOut, 512)},
      {"ATA PASS-THROUGH(12) of SECURITY ERASE PREPARE", scsi({0xa1, 0x06, 0x00, 0, 0, 0, 0, 0, 0x40, 0xf3, 0, 0}, kNone, 0)},
      {"ATA PASS-THROUGH(12) of a READ as a 16-byte CDB", scsi({0xa1, 0x08, 0x0e, 0, 1, 0, 0, 0, 0x40, 0x20, 0, 0, 0, 0, 0, 0}, DataDirection::kFromDevice, 512)},
      {"ATA PASS-THROUGH(32)", scsi({0x7f, 0, 0, 0, 0, 0, 0, 0x18, 0x1f, 0xf0, 0, 0, 0, 0, 0, 0}, kOut, 512)},
      {"READ(16) with a data-out payload", scsi({0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, kOut, 512)},
      {"READ(10) as a 16-byte CDB", scsi({0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, DataDirection::kFromDevice, 512)},
  };
  for (const auto& [name, cdb] : cases) EXPECT_FALSE(is_allowed(cdb)) << name;
  // ATA PASS-THROUGH(12) of a 28-bit READ SECTORS is a read: admitted.
  EXPECT_TRUE(is_allowed(scsi({0xa1, 0x08, 0x0e, 0, 1, 0, 0, 0, 0x40, 0x20, 0, 0}, DataDirection::kFromDevice, 512)));

  // ATA PASS-THROUGH(16) carrying each ATA write, built by hand.
  for (const auto& c : kAtaWrites) EXPECT_FALSE(is_allowed(hand_made_pass_through(make_taskfile(c)))) << c.name;
}

TEST(AllowList, ModeSelectOnlyTheUnsavedControlPage) {
  ControlModePage page;
  page.bytes = {0x0a, 0x0a, 0x02, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0x1e};
  const ScsiCdb good = scsi_mode_select10_d_sense(page, true);
  ASSERT_TRUE(is_allowed(good));

  ScsiCdb cdb = good;
  cdb.bytes[1] = 0x11;  // SP = 1: save the page
  EXPECT_FALSE(is_allowed(cdb));
  cdb = good;
  cdb.data_out[8] = 0x08;  // Caching mode page (write cache enable)
  EXPECT_FALSE(is_allowed(cdb));
  cdb = good;
  cdb.data_out[8] = 0x01;  // Read-Write Error Recovery page
  EXPECT_FALSE(is_allowed(cdb));
  cdb = good;
  cdb.data_out[8] = 0x4a;  // SPF: a Control subpage
  EXPECT_FALSE(is_allowed(cdb));
  cdb = good;
  cdb.data_out[7] = 8;  // a block descriptor (changes the block size)
  EXPECT_FALSE(is_allowed(cdb));
  cdb = good;
  cdb.data_out.resize(28, 0);  // a second page after the first
  cdb.transfer_bytes = 28;
  cdb.bytes[8] = 28;
  EXPECT_FALSE(is_allowed(cdb));
}

TEST(AllowList, RefusesScsiOpcodesNotOnTheList) {
  // ATA PASS-THROUGH(12) (A1h) stays in the sweep: its bare forms here
  // (PROTOCOL 0, a hardware reset) are refused.
  const std::vector<std::uint8_t> admitted = {0x00, 0x03, 0x12, 0x25, 0x28, 0x4d,
                                              0x55, 0x5a, 0x85, 0x88, 0x9e};
  for (int op = 0; op < 256; ++op) {
    if (std::find(admitted.begin(), admitted.end(), op) != admitted.end()) continue;
    for (auto dir : {DataDirection::kNone, DataDirection::kFromDevice, DataDirection::kToDevice}) {
      for (std::uint8_t len : {6, 10, 12, 16}) {
        ScsiCdb cdb;
        cdb.bytes[0] = static_cast<std::uint8_t>(op);
        cdb.length = len;
        cdb.direction = dir;
        cdb.transfer_bytes = dir == DataDirection::kNone ? 0 : 512;
        if (dir == DataDirection::kToDevice) cdb.data_out.assign(512, 0);
        EXPECT_FALSE(is_allowed(cdb)) << op;
      }
    }
  }
}

// --- NVMe ----------------------------------------------------------------------

NvmeCommand nvme(bool admin, std::uint8_t opcode, std::uint32_t cdw10 = 0) {
  NvmeCommand cmd;
  cmd.admin = admin;
  cmd.opcode = opcode;
  cmd.nsid = 1;
  cmd.cdw10 = cdw10;
  cmd.direction = (opcode & 3) == 1 ? DataDirection::kToDevice
                  : (opcode & 3) == 2 ? DataDirection::kFromDevice
                                      : DataDirection::kNone;
  cmd.transfer_bytes = cmd.direction == DataDirection::kNone ? 0 : 4096;
  return cmd;
}

TEST(AllowList, RefusesEveryNvmeWriteClassCommand) {
  const std::vector<std::pair<const char*, NvmeCommand>> cases = {
      {"Flush", nvme(false, 0x00)},
      {"Write", nvme(false, 0x01)},
      {"Write Uncorrectable", nvme(false, 0x04)},
      {"Compare", nvme(false, 0x05)},
      {"Write Zeroes", nvme(false, 0x08)},
      {"Dataset Management", nvme(false, 0x09)},
      {"Reservation Register", nvme(false, 0x0d)},
      {"Copy", nvme(false, 0x19)},
      {"Zone Management Send", nvme(false, 0x79)},
      {"Zone Append", nvme(false, 0x7d)},
      {"Identify sent to the I/O queue", nvme(false, 0x06)},
      {"Delete I/O SQ", nvme(true, 0x00)},
      {"Create I/O SQ", nvme(true, 0x01)},
      {"Abort", nvme(true, 0x08)},
      {"Set Features", nvme(true, 0x09)},
      {"Get Features", nvme(true, 0x0a)},
      {"Namespace Management", nvme(true, 0x0d)},
      {"Firmware Commit", nvme(true, 0x10)},
      {"Firmware Image Download", nvme(true, 0x11)},
      {"Device Self-test", nvme(true, 0x14)},
      {"Namespace Attachment", nvme(true, 0x15)},
      {"Directive Send", nvme(true, 0x19)},
      {"Virtualization Management", nvme(true, 0x1c)},
      {"NVMe-MI Send", nvme(true, 0x1d)},
      {"Format NVM", nvme(true, 0x80)},
      {"Security Send", nvme(true, 0x81)},
      {"Sanitize", nvme(true, 0x84)},
      {"Get Log Page, telemetry host-initiated with Create (LSP 1)", nvme(true, 0x02, 0x07 | (1u << 8) | (1023u << 16))},
      {"Read without a namespace", [] { auto c = nvme(false, 0x02); c.nsid = 0; return c; }()},
      {"Read with a wrong direction", [] { auto c = nvme(false, 0x02); c.direction = DataDirection::kToDevice; return c; }()},
  };
  for (const auto& [name, cmd] : cases) EXPECT_FALSE(is_allowed(cmd)) << name;

  for (int op = 0; op < 256; ++op) {
    if (op != 0x02) {
      EXPECT_FALSE(is_allowed(nvme(false, static_cast<std::uint8_t>(op)))) << op;
    }
    if (op != 0x02 && op != 0x06) {
      EXPECT_FALSE(is_allowed(nvme(true, static_cast<std::uint8_t>(op)))) << op;
    }
  }
}

TEST(AllowList, BuildersThrowRatherThanReturnARefusedCommand) {
  // A refused command never leaves a builder: CommandRefused instead.
  EXPECT_THROW(require_allowed(nvme(false, 0x01)), CommandRefused);
  EXPECT_THROW(require_allowed(make_taskfile(kAtaWrites[0])), CommandRefused);
  try {
    require_allowed(nvme(true, 0x80));
    FAIL() << "Format NVM was admitted";
  } catch (const CommandRefused& e) {
    EXPECT_NE(std::string(e.what()).find("80"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptrescue::commands
