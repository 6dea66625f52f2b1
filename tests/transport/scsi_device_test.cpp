// SPDX-License-Identifier: GPL-3.0-or-later
// ScsiDevice against a fake SCSI disk (virtio-scsi / SAS style) at the
// ioctl level.
#include "transport/scsi_device.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "support/fake_bench.h"
#include "transport/transport_detect.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;
using test::FakeBench;
using test::FakeScsiDisk;

constexpr Millis kTimeout = 2s;

class ScsiDeviceTest : public ::testing::Test {
 protected:
  std::unique_ptr<Device> open_auto(PassThroughOptions o) {
    std::vector<std::string> notes;
    auto dev = open_device_node(bench.io, "/dev/sdb", TransportChoice::kAuto, o, {}, notes);
    notes_ = notes;
    return dev;
  }
  std::unique_ptr<ScsiDevice> open() {
    return ScsiDevice::open(bench.io, "/dev/sg1", "/dev/sdb", bench.options(), "sdb");
  }
  ReadOutcome read(Device& dev, Lba lba, std::uint32_t count) {
    buf.assign(std::size_t{count} * 512, std::byte{0xAA});
    return test::delivered_into(dev.read(lba, count, buf, kTimeout), buf);
  }

  FakeBench bench;
  std::shared_ptr<FakeScsiDisk> disk = std::make_shared<FakeScsiDisk>(0x180000000);  // > 2^32 blocks
  std::shared_ptr<test::FakeSgNode> node = bench.attach_scsi(1, "sdb", 16, 1, disk);
  std::vector<std::byte> buf;
  std::vector<std::string> notes_;
};

TEST_F(ScsiDeviceTest, AutoDetectionFallsBackToScsiWhenAtaPassThroughIsRefused) {
  auto dev = open_auto(bench.options());
  const DeviceIdentity& id = dev->identity();
  EXPECT_EQ(id.transport, "scsi");
  EXPECT_EQ(id.command_node, "/dev/sg1");
  EXPECT_EQ(id.model, "QEMU QEMU HARDDISK");
  EXPECT_EQ(id.serial, "SCSI-FAKE-1");
  EXPECT_EQ(id.firmware, "2.5+");
  EXPECT_EQ(id.capacity_sectors, 0x180000000u);
  EXPECT_EQ(id.logical_sector_size, 512u);
  ASSERT_FALSE(notes_.empty());
  EXPECT_NE(notes_[0].find("SCSI commands"), std::string::npos) << notes_[0];
  EXPECT_FALSE(bench.opened("/dev/sdb"));
}

TEST_F(ScsiDeviceTest, AsksForAReservedBufferAsLargeAsTheLargestRead) {
  // Else sg allocates and zeroes fresh pages for every read above 32 KiB.
  auto dev = open();
  EXPECT_EQ(node->reserved_sizes, std::vector<int>{1 << 20});
}

TEST_F(ScsiDeviceTest, AReadCapacityBlockSizeThatMakesNoSenseIsASetupErrorNamingIt) {
  disk->sector_size = 3000;
  try {
    (void)open();
    ADD_FAILURE() << "opened a disk with 3000-byte blocks";
  } catch (const TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("READ CAPACITY gives a logical block size 3000 bytes"), std::string::npos)
        << e.what();
  }
}

TEST_F(ScsiDeviceTest, ReadCapacity10WhenThe16IsRefused) {
  disk->capacity = 100000;
  disk->read_capacity16 = false;
  auto dev = open();
  EXPECT_EQ(dev->identity().capacity_sectors, 100000u);
}

TEST_F(ScsiDeviceTest, Read10BelowTwoToThe32AndRead16Above) {
  auto dev = open();
  ASSERT_TRUE(read(*dev, 1000, 8).ok());
  EXPECT_EQ(disk->cdbs.back()[0], 0x28);
  const std::vector<std::uint8_t> read10{0x28, 0, 0, 0, 0x03, 0xe8, 0, 0, 8, 0};
  EXPECT_EQ(disk->cdbs.back(), read10);
  ASSERT_TRUE(read(*dev, 0x100000010, 8).ok());
  EXPECT_EQ(disk->cdbs.back()[0], 0x88);
  for (std::size_t i = 0; i < buf.size(); ++i)
    ASSERT_EQ(buf[i], std::byte{test::sector_byte(0x100000010 + i / 512, i % 512)}) << i;
}

TEST_F(ScsiDeviceTest, MediumErrorCarriesTheLbaFromInformation) {
  disk->medium_error = {5003};
  auto dev = open();
  const ReadOutcome r = read(*dev, 5000, 8);
  EXPECT_EQ(r.status, ReadStatus::kMediaError);
  EXPECT_EQ(r.error_lba, Lba{5003});
  EXPECT_EQ(r.good_sectors, 0u);
  EXPECT_TRUE(std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == std::byte{0xAA}; }));
  EXPECT_NE(r.detail.find("Medium Error"), std::string::npos) << r.detail;
}

TEST_F(ScsiDeviceTest, MediumErrorAboveTwoToThe32NeedsDescriptorSense) {
  disk->medium_error = {0x100000005};
  PassThroughOptions o = bench.options();
  o.dsense = true;
  auto dev = ScsiDevice::open(bench.io, "/dev/sg1", "/dev/sdb", o, "sdb");
  const ReadOutcome r = read(*dev, 0x100000000, 16);
  EXPECT_EQ(r.status, ReadStatus::kMediaError);
  EXPECT_EQ(r.error_lba, Lba{0x100000005});
}

TEST_F(ScsiDeviceTest, AbortedCommandHasNoLba) {
  disk->aborted = {42};
  auto dev = open();
  const ReadOutcome r = read(*dev, 40, 4);
  EXPECT_EQ(r.status, ReadStatus::kAborted);
  EXPECT_FALSE(r.error_lba.has_value());
}

TEST_F(ScsiDeviceTest, SoftRungWaitsUntilTheKernelHasFinishedWithTheTimedOutCommand) {
  disk->hang = {9};
  auto dev = open();
  ASSERT_EQ(read(*dev, 9, 1).status, ReadStatus::kTimeout);
  EXPECT_FALSE(dev->reset(ResetKind::kSoft).ok);  // still stuck after ready_wait
  node->release_hung(test::FakeSgNode::timed_out_reply());
  const ResetOutcome r = dev->reset(ResetKind::kSoft);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(node->reset_values.empty());  // no reset was sent
}

TEST_F(ScsiDeviceTest, DeviceResetWaitsForTestUnitReadyThroughTheUnitAttention) {
  disk->hang = {9};
  auto dev = open();
  ASSERT_EQ(read(*dev, 9, 1).status, ReadStatus::kTimeout);
  const ResetOutcome r = dev->reset(ResetKind::kDevice);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(disk->cdbs.back()[0], 0x00);  // TEST UNIT READY
  const ReadOutcome after = read(*dev, 20, 1);
  EXPECT_TRUE(after.ok()) << after.detail;
}

TEST_F(ScsiDeviceTest, VirtualScsiDiskWithoutChangeableDsenseGetsANote) {
  disk->control.changeable = false;
  PassThroughOptions o = bench.options();
  o.dsense = true;
  auto dev = ScsiDevice::open(bench.io, "/dev/sg1", "/dev/sdb", o, "sdb");
  const auto notes = dev->take_notes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("does not let D_SENSE be changed"), std::string::npos) << notes[0];
  EXPECT_EQ(disk->control.selects, 0);
}

}  // namespace
}  // namespace ptrescue
