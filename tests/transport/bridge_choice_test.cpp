// SPDX-License-Identifier: GPL-3.0-or-later
// Which transport a disk behind a USB bridge gets: SAT only when the
// bridge's ATA PASS-THROUGH passes the checks made at open (IDENTIFY data
// with a good integrity word, ATA registers returned for CK_COND, DRDY in
// them), else SCSI READ — with IDENTIFY and SMART through ATA
// PASS-THROUGH(12) when the bridge refuses the 16-byte form as an unknown
// opcode but passes the same checks in the 12-byte one, and never A1h to
// anything but a disk (it is BLANK on an optical drive); the reason is one
// of identify's facts, and --transport sat still forces SAT.
#include <gtest/gtest.h>

#include <algorithm>

#include "support/fake_bench.h"
#include "transport/scsi_device.h"
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
  /// The same for ATA PASS-THROUGH(12) (COMMAND in byte 9).
  static std::vector<bool> identify12_ck_cond(const test::ScsiTarget& t) {
    std::vector<bool> out;
    for (const auto& cdb : t.cdbs)
      if (cdb.size() == 12 && cdb[0] == 0xa1 && cdb[9] == 0xec) out.push_back((cdb[2] & 0x20) != 0);
    return out;
  }
  static std::size_t sent_with_opcode(const test::ScsiTarget& t, std::uint8_t opcode) {
    return static_cast<std::size_t>(
        std::count_if(t.cdbs.begin(), t.cdbs.end(), [&](const auto& cdb) { return cdb[0] == opcode; }));
  }
  /// A bridge that knows ATA PASS-THROUGH(12) only.
  std::shared_ptr<FakeAtaDisk> attach_12_only_bridge() {
    auto disk = attach();
    disk->pass_through16 = false;
    disk->vpd_serial = "BRIDGE-0042";  // the bridge's own serial in VPD 80h
    return disk;
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
  // The 16-byte form answered: the 12-byte one is not tried.
  EXPECT_EQ(sent_with_opcode(*disk, 0xa1), 0u);
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

TEST_F(BridgeChoiceTest, ABridgeRefusing16ButAnswering12IsReadWithScsiAndIdentifiedThrough12) {
  auto disk = attach_12_only_bridge();
  auto dev = open();
  EXPECT_EQ(dev->identity().transport, "scsi");
  const std::string why = fact(*dev, "transport choice");
  EXPECT_EQ(why.rfind("SCSI READ; ATA commands through ATA PASS-THROUGH(12): the bridge refuses the 16-byte form (", 0),
            0u)
      << why;
  EXPECT_NE(why.find("Invalid command operation code"), std::string::npos) << why;
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes.back().find("SMART through ATA PASS-THROUGH(12)"), std::string::npos) << notes.back();
  // The drive's own identity, not the bridge's.
  const DeviceIdentity& id = dev->identity();
  EXPECT_EQ(id.model, "FAKE ATA DISK");  // INQUIRY says "ATA FAKE ATA DISK"
  EXPECT_EQ(id.serial, "WD-FAKE0001");
  EXPECT_EQ(id.firmware, "1.0");
  EXPECT_EQ(fact(*dev, "SCSI serial (VPD 80h)"), "BRIDGE-0042");
  EXPECT_EQ(fact(*dev, "capacity cross-check"), "READ CAPACITY and IDENTIFY DEVICE agree: 512000 bytes");
  EXPECT_EQ(id.smart_supported, std::optional<bool>(true));
  // Trusted as the 16-byte form would be: IDENTIFY, then again with CK_COND.
  EXPECT_EQ(identify12_ck_cond(*disk), (std::vector<bool>{false, true}));
  EXPECT_EQ(sent_with_opcode(*disk, 0x85), 1u);  // the one IDENTIFY the bridge refused

  // Reads are SCSI READs; SMART goes as 12-byte CDBs (this drive aborts it).
  std::vector<std::byte> buf(512);
  const ReadOutcome r = test::delivered_into(dev->read(7, 1, buf, Millis(1000)), buf);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(static_cast<std::uint8_t>(buf[3]), test::sector_byte(7, 3));
  EXPECT_EQ(disk->cdbs.back()[0], 0x28);
  const SmartReading smart = dev->read_smart(Millis(1000));
  EXPECT_FALSE(smart.ok());
  EXPECT_NE(smart.error.find("SMART READ DATA"), std::string::npos) << smart.error;
  const auto& last = disk->cdbs.back();
  ASSERT_EQ(last.size(), 12u);
  EXPECT_EQ(last[0], 0xa1);
  EXPECT_EQ(last[3], 0xd0);  // FEATURE: SMART READ DATA
  EXPECT_EQ(last[9], 0xb0);
  EXPECT_EQ(sent_with_opcode(*disk, 0x85), 1u);
}

// The drive's IDENTIFY says 1000 sectors, the bridge's READ CAPACITY 900.
TEST_F(BridgeChoiceTest, ACapacityDisagreementBetweenBridgeAndDriveIsShown) {
  auto disk = std::make_shared<FakeAtaDisk>(1000);
  disk->pass_through16 = false;
  class ShortBridge final : public test::ScsiTarget {
   public:
    explicit ShortBridge(std::shared_ptr<FakeAtaDisk> d) : d_(std::move(d)) {}
    test::ScsiReply execute(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> out,
                            std::uint32_t n) override {
      test::ScsiReply r = d_->execute(cdb, out, n);
      if (cdb[0] == 0x9e) sg_put_unaligned_be64(899, r.data.data());
      return r;
    }

   private:
    std::shared_ptr<FakeAtaDisk> d_;
  };
  bench.attach_scsi(0, "sda", 0, 0, std::make_shared<ShortBridge>(disk));
  auto dev = open();
  ASSERT_TRUE(static_cast<const ScsiDevice&>(*dev).uses_ata12());
  EXPECT_EQ(dev->identity().capacity_sectors, 900u);  // reads cover what READ CAPACITY gives
  const std::string cross = fact(*dev, "capacity cross-check");
  EXPECT_NE(cross.find("READ CAPACITY gives 900 sectors of 512 bytes, IDENTIFY DEVICE 1000 sectors"),
            std::string::npos)
      << cross;
  EXPECT_TRUE(std::any_of(notes.begin(), notes.end(), [](const std::string& n) { return n.rfind("capacity: ", 0) == 0; }));
}

TEST_F(BridgeChoiceTest, ABridgeRefusingBothFormsKeepsTodaysScsiFallback) {
  auto disk = attach_12_only_bridge();
  disk->pass_through12 = false;
  auto dev = open();
  EXPECT_EQ(dev->identity().transport, "scsi");
  const std::string why = fact(*dev, "transport choice");
  EXPECT_EQ(why.rfind("SCSI: /dev/sda: no answer to ATA IDENTIFY DEVICE through ATA PASS-THROUGH (", 0), 0u) << why;
  EXPECT_NE(fact(*dev, "ATA PASS-THROUGH(12)").find("no answer to ATA IDENTIFY DEVICE"), std::string::npos);
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes.back().find("not an ATA drive behind a SAT layer"), std::string::npos) << notes.back();
  EXPECT_EQ(dev->identity().model, "ATA FAKE ATA DISK");  // the SCSI identity
  EXPECT_EQ(dev->identity().serial, "BRIDGE-0042");
  EXPECT_EQ(identify12_ck_cond(*disk), (std::vector<bool>{false}));  // asked once
  EXPECT_EQ(fact(*dev, "ATA commands"), "(none)");
}

TEST_F(BridgeChoiceTest, A12ByteFormWithoutRegistersOrWithGarbageIsNotTrusted) {
  auto disk = attach_12_only_bridge();
  disk->ck_cond_registers = false;  // GOOD, no sense: registers unknown
  auto dev = open();
  EXPECT_EQ(dev->identity().transport, "scsi");
  EXPECT_FALSE(static_cast<const ScsiDevice&>(*dev).uses_ata12());
  std::string why12 = fact(*dev, "ATA PASS-THROUGH(12)");
  EXPECT_NE(why12.find("not trusted"), std::string::npos) << why12;
  EXPECT_NE(why12.find("no ATA Status Return descriptor"), std::string::npos) << why12;
  EXPECT_EQ(dev->identity().model, "ATA FAKE ATA DISK");
  // No SMART through a distrusted tunnel: LOG SENSE (which this fake refuses).
  const std::size_t a1_before = sent_with_opcode(*disk, 0xa1);
  EXPECT_FALSE(dev->read_smart(Millis(1000)).ok());
  EXPECT_EQ(sent_with_opcode(*disk, 0xa1), a1_before);
  dev.reset();

  disk->ck_cond_registers = true;
  disk->ck_cond_status = 0x00;  // made-up registers: no DRDY
  dev = open();
  why12 = fact(*dev, "ATA PASS-THROUGH(12)");
  EXPECT_NE(why12.find("DRDY clear"), std::string::npos) << why12;
  dev.reset();

  disk->ck_cond_status = 0x50;
  disk->bad_checksum = true;  // garbled IDENTIFY data
  dev = open();
  why12 = fact(*dev, "ATA PASS-THROUGH(12)");
  EXPECT_NE(why12.find("integrity word"), std::string::npos) << why12;
  EXPECT_NE(why12.find("ATA PASS-THROUGH(12) data"), std::string::npos) << why12;
}

// Only an unknown opcode (20/00) says the bridge lacks the 16-byte form; a
// bridge that rejects a field of it (24/00) knows the command, and gets no
// 12-byte probe.
TEST_F(BridgeChoiceTest, OnlyAnUnknownOpcodeLeadsToThe12ByteProbe) {
  class FieldRefusingBridge final : public test::ScsiTarget {
   public:
    explicit FieldRefusingBridge(std::shared_ptr<FakeAtaDisk> d) : d_(std::move(d)) {}
    test::ScsiReply execute(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> out,
                            std::uint32_t n) override {
      if (cdb[0] == 0x85) return test::ScsiReply::check_condition(test::fixed_sense(0x05, 0x24, 0x00));
      return d_->execute(cdb, out, n);
    }

   private:
    std::shared_ptr<FakeAtaDisk> d_;
  };
  auto disk = std::make_shared<FakeAtaDisk>(1000);
  auto bridge = std::make_shared<FieldRefusingBridge>(disk);
  bench.attach_scsi(0, "sda", 0, 0, bridge);
  auto dev = open();
  EXPECT_EQ(dev->identity().transport, "scsi");
  EXPECT_EQ(fact(*dev, "transport choice").rfind("SCSI: ", 0), 0u);
  EXPECT_EQ(sent_with_opcode(*bridge, 0x85), 1u);
  EXPECT_EQ(sent_with_opcode(*bridge, 0xa1), 0u);
}

// A1h is BLANK on an optical drive (MMC): whatever the 16-byte probe got,
// a device whose INQUIRY says type 05h never receives it.
TEST_F(BridgeChoiceTest, AnOpticalDriveNeverReceivesA1h) {
  auto disk = attach_12_only_bridge();
  disk->device_type = 0x05;
  EXPECT_THROW(open(), TransportError);
  EXPECT_THROW(open(TransportChoice::kScsi), TransportError);
  EXPECT_THROW(open(TransportChoice::kSat), TransportError);
  EXPECT_GT(disk->cdbs.size(), 0u);
  EXPECT_EQ(sent_with_opcode(*disk, 0xa1), 0u);
  // Nor a disk of another type (e.g. 0Eh, simplified direct access).
  disk->device_type = 0x0e;
  EXPECT_THROW(open(), TransportError);
  EXPECT_EQ(sent_with_opcode(*disk, 0xa1), 0u);
}

// The overrides are unchanged: --transport sat fails on a bridge without
// the 16-byte form (as before, with the hint), --transport scsi sends no
// ATA command at all.
TEST_F(BridgeChoiceTest, OverridesOnA12OnlyBridgeSendNoA1h) {
  auto disk = attach_12_only_bridge();
  try {
    open(TransportChoice::kSat);
    ADD_FAILURE() << "--transport sat opened a bridge that refuses ATA PASS-THROUGH(16)";
  } catch (const TransportError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("--transport sat: /dev/sda: no answer to ATA IDENTIFY DEVICE through ATA PASS-THROUGH (", 0),
              0u)
        << what;
    EXPECT_NE(what.find("try --transport scsi"), std::string::npos) << what;
  }
  auto dev = open(TransportChoice::kScsi);
  EXPECT_EQ(dev->identity().transport, "scsi");
  EXPECT_EQ(fact(*dev, "transport choice"), "SCSI (--transport scsi)");
  EXPECT_EQ(dev->identity().model, "ATA FAKE ATA DISK");
  EXPECT_EQ(sent_with_opcode(*disk, 0xa1), 0u);
}

// libata takes both forms: the 16-byte one is used, A1h is never sent.
TEST_F(BridgeChoiceTest, ASatLayerWithBothFormsUsesThe16ByteOneOnly) {
  auto disk = attach();
  ASSERT_TRUE(disk->pass_through12);
  auto dev = open();
  EXPECT_EQ(dev->identity().transport, "sat");
  (void)dev->read_smart(Millis(1000));
  EXPECT_EQ(sent_with_opcode(*disk, 0xa1), 0u);
}

}  // namespace
}  // namespace ptrescue
