// SPDX-License-Identifier: GPL-3.0-or-later
// A drive that drops off and comes back (a USB bridge re-enumerating it
// under another name): recognised by serial, capacity and sector size,
// reopened, and the read issued again; another drive under the old name is
// refused; no return within the wait leaves it gone.
#include "transport/reattaching_device.h"

#include <gtest/gtest.h>

#include "support/fake_bench.h"
#include "transport/transport_detect.h"

namespace ptrescue {
namespace {

using test::FakeAtaDisk;
using test::FakeBench;

/// A drive as the decorator sees it: who it is, and whether it is there.
class StubDrive final : public Device {
 public:
  StubDrive(std::string serial, Lba sectors, const Clock& clock) : clock_(clock) {
    id_.transport = "sat";
    id_.serial = std::move(serial);
    id_.capacity_sectors = sectors;
    id_.command_node = "/dev/sg0";
  }
  bool gone = false;
  int reads = 0;
  const DeviceIdentity& identity() const override { return id_; }
  ReadOutcome read(Lba, std::uint32_t count, std::span<std::byte>, Millis) override {
    ++reads;
    ReadOutcome r;
    if (gone) {
      r.status = ReadStatus::kDeviceGone;
      r.detail = "No such device";
      return r;
    }
    r.good_sectors = count;
    return r;
  }
  ResetOutcome reset(ResetKind) override { return {false, Micros(0), "inner reset"}; }
  const Clock& clock() const override { return clock_; }
  DeviceIdentity id_;

 private:
  const Clock& clock_;
};

class ReattachTest : public ::testing::Test {
 protected:
  std::unique_ptr<ReattachingDevice> wrap(std::unique_ptr<StubDrive> inner, Millis wait) {
    first = inner.get();
    return std::make_unique<ReattachingDevice>(
        std::move(inner), io, ReattachOptions{wait, Millis(500)},
        [this] {
          ++looks;
          return io.clock().now() >= appears_at ? nodes : std::vector<std::string>{};
        },
        [this](const std::string& path, bool) -> std::unique_ptr<Device> {
          opened.push_back(path);
          auto it = drives.find(path);
          if (it == drives.end()) throw std::runtime_error("no such node");
          auto d = std::make_unique<StubDrive>(it->second.first, it->second.second, io.clock());
          d->id_.command_node = path;
          return d;
        });
  }
  ReadOutcome read(Device& d) {
    std::vector<std::byte> buf(512);
    return d.read(0, 1, buf, Millis(1000));
  }

  test::FakeSysIo io;
  StubDrive* first = nullptr;
  Micros appears_at{0};
  std::vector<std::string> nodes;
  std::map<std::string, std::pair<std::string, Lba>> drives;  // node -> serial, sectors
  std::vector<std::string> opened;
  int looks = 0;
};

TEST_F(ReattachTest, DriveBackUnderAnotherNameIsReopenedAndTheReadIssuedAgain) {
  auto dev = wrap(std::make_unique<StubDrive>("S1", 1000, io.clock()), std::chrono::seconds(60));
  first->gone = true;
  appears_at = Micros(std::chrono::seconds(3));
  nodes = {"/dev/sg0", "/dev/sg1", "/dev/sg2"};
  drives["/dev/sg1"] = {"OTHER", 1000};  // another disk on the machine
  drives["/dev/sg2"] = {"S1", 1000};     // ours, re-enumerated

  const ReadOutcome gone = read(*dev);
  EXPECT_EQ(gone.status, ReadStatus::kDeviceGone);
  EXPECT_TRUE(gone.needs_reset);  // the engine resets and reads again
  EXPECT_NE(gone.detail.find("came back as /dev/sg2"), std::string::npos) << gone.detail;
  EXPECT_GE(io.clock().now(), appears_at);
  EXPECT_LT(io.clock().now(), appears_at + Micros(std::chrono::seconds(1)));
  EXPECT_EQ(dev->reattached(), 1);
  EXPECT_EQ(dev->identity().command_node, "/dev/sg2");

  const ResetOutcome reset = dev->reset(ResetKind::kSoft);
  EXPECT_TRUE(reset.ok);
  EXPECT_TRUE(read(*dev).ok());
  // The next reset is the drive's own again.
  EXPECT_EQ(dev->reset(ResetKind::kSoft).detail, "inner reset");
  const auto notes = dev->take_notes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("dropped off /dev/sg0"), std::string::npos) << notes[0];
}

TEST_F(ReattachTest, AnotherDriveUnderTheOldNameIsRefusedAndTheDriveStaysGone) {
  auto dev = wrap(std::make_unique<StubDrive>("S1", 1000, io.clock()), std::chrono::seconds(10));
  first->gone = true;
  nodes = {"/dev/sg0", "/dev/sg1"};
  drives["/dev/sg0"] = {"S2", 1000};  // a different drive took the old name
  drives["/dev/sg1"] = {"S1", 2000};  // same serial, other capacity: not ours either
  const ReadOutcome r = read(*dev);
  EXPECT_EQ(r.status, ReadStatus::kDeviceGone);
  EXPECT_FALSE(r.needs_reset);
  EXPECT_NE(r.detail.find("did not come back within 10000 ms"), std::string::npos) << r.detail;
  EXPECT_EQ(dev->reattached(), 0);
  EXPECT_EQ(dev->identity().serial, "S1");
  EXPECT_GE(io.clock().now(), Micros(std::chrono::seconds(10)));
  EXPECT_FALSE(dev->reset(ResetKind::kSoft).ok);
}

TEST_F(ReattachTest, NoWaitOrNoSerialMeansGoneAtOnce) {
  auto dev = wrap(std::make_unique<StubDrive>("S1", 1000, io.clock()), Millis(0));
  first->gone = true;
  EXPECT_EQ(read(*dev).status, ReadStatus::kDeviceGone);
  EXPECT_EQ(looks, 0);

  auto anonymous = wrap(std::make_unique<StubDrive>("", 1000, io.clock()), std::chrono::seconds(10));
  first->gone = true;
  nodes = {"/dev/sg1"};
  drives["/dev/sg1"] = {"", 1000};
  const ReadOutcome r = read(*anonymous);
  EXPECT_EQ(r.status, ReadStatus::kDeviceGone);
  EXPECT_NE(r.detail.find("no serial number"), std::string::npos) << r.detail;
  EXPECT_EQ(looks, 0);
  EXPECT_EQ(io.clock().now(), Micros(0));
}

TEST_F(ReattachTest, ReadsOfAPresentDriveAreUntouched) {
  auto dev = wrap(std::make_unique<StubDrive>("S1", 1000, io.clock()), std::chrono::seconds(10));
  EXPECT_TRUE(read(*dev).ok());
  EXPECT_EQ(looks, 0);
  EXPECT_FALSE(dev->reset(ResetKind::kSoft).ok);  // the inner device's answer
}

// Through open_device_node, on the fake kernel: an ATA disk behind SAT on
// sda/sg0 drops off and returns as sdb/sg1; reads go on there, and the
// data is the drive's. --erc reaches only the drive recognised as ours.
TEST(ReattachOpenTest, SatDiskBackAsSdbIsReadThere) {
  FakeBench bench;
  auto disk = std::make_shared<FakeAtaDisk>(1000, "WD-BACK");
  bench.attach_scsi(0, "sda", 0, 0, disk);
  PassThroughOptions o = bench.options();
  o.reattach.wait = std::chrono::seconds(30);
  o.erc = std::chrono::milliseconds(2000);
  std::vector<std::string> notes;
  auto dev = open_device_node(bench.io, "/dev/sda", TransportChoice::kAuto, o, {}, notes);
  ASSERT_EQ(dev->identity().transport, "sat");
  EXPECT_EQ(disk->erc_timer, 20);

  // Pulled: the old node answers ENODEV and disappears; another drive
  // takes sda, ours comes back as sdb.
  disk->gone = true;
  bench.detach_scsi(0, "sda", 0, 0);
  auto stranger = std::make_shared<FakeAtaDisk>(1000, "WD-STRANGER");
  bench.attach_scsi(0, "sda", 0, 0, stranger);
  auto back = std::make_shared<FakeAtaDisk>(1000, "WD-BACK");
  bench.attach_scsi(1, "sdb", 16, 1, back);

  std::vector<std::byte> buf(8 * 512);
  const ReadOutcome gone = test::delivered_into(dev->read(100, 8, buf, Millis(3000)), buf);
  EXPECT_EQ(gone.status, ReadStatus::kDeviceGone);
  EXPECT_TRUE(gone.needs_reset);
  ASSERT_TRUE(dev->reset(ResetKind::kSoft).ok);
  const ReadOutcome r = test::delivered_into(dev->read(100, 8, buf, Millis(3000)), buf);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(dev->identity().command_node, "/dev/sg1");
  for (std::size_t i = 0; i < buf.size(); ++i)
    ASSERT_EQ(static_cast<std::uint8_t>(buf[i]), test::sector_byte(100 + i / 512, i % 512)) << i;
  EXPECT_EQ(stranger->erc_timer, 0);  // identified, never configured
  EXPECT_EQ(back->erc_timer, 20);     // --erc applied again on the new node
}

// A drive behind a bridge that knows only ATA PASS-THROUGH(12) is known by
// the drive's serial from IDENTIFY DEVICE, not the bridge's VPD 80h one: it
// is looked for the same way when it comes back.
TEST(ReattachOpenTest, A12ByteBridgeDiskIsRecognisedByTheDrivesSerial) {
  FakeBench bench;
  auto make = [](const std::string& drive_serial) {
    auto d = std::make_shared<FakeAtaDisk>(1000, drive_serial);
    d->pass_through16 = false;
    d->vpd_serial = "SAME-BRIDGE";  // two identical enclosures
    return d;
  };
  auto disk = make("WD-BACK");
  bench.attach_scsi(0, "sda", 0, 0, disk);
  PassThroughOptions o = bench.options();
  o.reattach.wait = std::chrono::seconds(30);
  std::vector<std::string> notes;
  auto dev = open_device_node(bench.io, "/dev/sda", TransportChoice::kAuto, o, {}, notes);
  ASSERT_EQ(dev->identity().transport, "scsi");
  ASSERT_EQ(dev->identity().serial, "WD-BACK");

  disk->gone = true;
  bench.detach_scsi(0, "sda", 0, 0);
  auto stranger = make("WD-STRANGER");  // same bridge serial, another drive
  bench.attach_scsi(0, "sda", 0, 0, stranger);
  auto back = make("WD-BACK");
  bench.attach_scsi(1, "sdb", 16, 1, back);

  std::vector<std::byte> buf(8 * 512);
  EXPECT_EQ(dev->read(100, 8, buf, Millis(3000)).status, ReadStatus::kDeviceGone);
  ASSERT_TRUE(dev->reset(ResetKind::kSoft).ok);
  const ReadOutcome r = test::delivered_into(dev->read(100, 8, buf, Millis(3000)), buf);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(dev->identity().command_node, "/dev/sg1");
  EXPECT_EQ(stranger->reads, 0u);
  EXPECT_EQ(back->cdbs.back()[0], 0x28);  // still SCSI READ
}

}  // namespace
}  // namespace ptrescue
