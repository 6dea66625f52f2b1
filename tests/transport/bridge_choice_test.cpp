// SPDX-License-Identifier: GPL-3.0-or-later
// Which transport a disk behind a USB bridge gets: SAT only when the
// bridge's ATA PASS-THROUGH passes the checks made at open (IDENTIFY data
// with a good integrity word, ATA registers returned for CK_COND, DRDY in
// them), else SCSI READ; the reason is one of identify's facts, and
// --transport sat still forces SAT.
#include <gtest/gtest.h>

#include "support/fake_bench.h"
#include "transport/transport_detect.h"

namespace ptrescue {
namespace {

using test::FakeAtaDisk;
using test::FakeBench;

std::string fact(const Device& d, const std::string& key) {
  for (const auto& [k, v] : d.identity().extra)
    if (k == key) return v;
  return "(none)";
}

class BridgeChoiceTest : public ::testing::Test {
 protected:
  std::unique_ptr<Device> open(TransportChoice c = TransportChoice::kAuto) {
    notes.clear();
    return open_device_node(bench.io, "/dev/sda", c, bench.options(), {}, notes);
  }
  std::shared_ptr<FakeAtaDisk> attach() {
    auto disk = std::make_shared<FakeAtaDisk>(1000);
    bench.attach_scsi(0, "sda", 0, 0, disk);
    return disk;
  }
  /// CK_COND bit (byte 2 bit 5) of every ATA PASS-THROUGH IDENTIFY sent.
  static std::vector<bool> identify_ck_cond(const test::ScsiTarget& t) {
    std::vector<bool> out;
    for (const auto& cdb : t.cdbs)
      if (cdb.size() == 16 && cdb[0] == 0x85 && cdb[14] == 0xec) out.push_back((cdb[2] & 0x20) != 0);
    return out;
  }

  FakeBench bench;
  std::vector<std::string> notes;
};

TEST_F(BridgeChoiceTest, ASatLayerThatReturnsRegistersIsUsedAndSaysSo) {
  auto disk = attach();
  auto dev = open();
  EXPECT_EQ(dev->identity().transport, "sat");
  EXPECT_NE(fact(*dev, "transport choice").find("ATA registers for CK_COND"), std::string::npos);
  // IDENTIFY without CK_COND for the data, then with it for the registers.
  EXPECT_EQ(identify_ck_cond(*disk), (std::vector<bool>{false, true}));
}

TEST_F(BridgeChoiceTest, NoRegistersForCkCondMeansScsiRead) {
  auto disk = attach();
  disk->ck_cond_registers = false;  // GOOD status, no sense: registers unknown
  auto dev = open();
  EXPECT_EQ(dev->identity().transport, "scsi");
  const std::string why = fact(*dev, "transport choice");
  EXPECT_NE(why.find("not trusted"), std::string::npos) << why;
  EXPECT_NE(why.find("no ATA Status Return descriptor"), std::string::npos) << why;
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes.back().find("reading with SCSI commands"), std::string::npos) << notes.back();
  // The reads are SCSI READs, and they read the disk.
  std::vector<std::byte> buf(512);
  const ReadOutcome r = test::delivered_into(dev->read(7, 1, buf, Millis(1000)), buf);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(static_cast<std::uint8_t>(buf[3]), test::sector_byte(7, 3));
  ASSERT_FALSE(disk->cdbs.empty());
  const std::uint8_t op = disk->cdbs.back()[0];
  EXPECT_TRUE(op == 0x28 || op == 0x88) << "opcode " << int(op);  // READ(10) or READ(16), not 85h
}

TEST_F(BridgeChoiceTest, RegistersWithoutDrdyOrABadChecksumAreNotTrusted) {
  auto disk = attach();
  disk->ck_cond_status = 0x00;  // made-up registers: no DRDY
  auto dev = open();
  EXPECT_EQ(dev->identity().transport, "scsi");
  EXPECT_NE(fact(*dev, "transport choice").find("DRDY clear"), std::string::npos);
  dev.reset();

  disk->ck_cond_status = 0x50;
  disk->bad_checksum = true;
  dev = open();
  EXPECT_EQ(dev->identity().transport, "scsi");
  EXPECT_NE(fact(*dev, "transport choice").find("integrity word"), std::string::npos);
}

// The guest's libata (Debian 6.1.0-57) aborts CK_COND on IDENTIFY, a PIO
// data-in command, but returns the registers of a non-data one: the SAT
// layer is still trusted, from SMART RETURN STATUS and a second IDENTIFY.
TEST_F(BridgeChoiceTest, CkCondAbortedOnPioDataInIsAskedWithANonDataCommand) {
  auto disk = attach();
  disk->pio_ck_cond_aborted = true;
  auto dev = open();
  EXPECT_EQ(dev->identity().transport, "sat") << fact(*dev, "transport choice");
  EXPECT_EQ(identify_ck_cond(*disk), (std::vector<bool>{false, true, false}));
  dev.reset();

  // Without registers for the non-data command either: not trusted, and the
  // reason names both commands.
  disk->ck_cond_registers = false;
  dev = open();
  EXPECT_EQ(dev->identity().transport, "scsi");
  const std::string why = fact(*dev, "transport choice");
  EXPECT_NE(why.find("SMART RETURN STATUS"), std::string::npos) << why;
}

TEST_F(BridgeChoiceTest, TransportSatStillForcesSatWithANote) {
  auto disk = attach();
  disk->ck_cond_registers = false;
  auto dev = open(TransportChoice::kSat);
  EXPECT_EQ(dev->identity().transport, "sat");
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes.front().find("used as asked"), std::string::npos) << notes.front();
  EXPECT_EQ(open(TransportChoice::kScsi)->identity().transport, "scsi");
}

}  // namespace
}  // namespace ptrescue
