// SPDX-License-Identifier: GPL-3.0-or-later
// The USB rungs of the reset ladder on a fake sysfs tree: the walk from an
// sg node up to its USB device (usbfs node, interface, driver), the
// USBDEVFS_RESET sent there, and the unbind/bind of the driver after which
// the disk is found again by serial under its new nodes.
#include "transport/usb_attachment.h"

#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>

#include <gtest/gtest.h>

#include "support/fake_bench.h"
#include "transport/transport_detect.h"

namespace ptrescue {
namespace {

using test::FakeAtaDisk;
using test::FakeBench;

/// A usbfs node or a sysfs attribute: counts USBDEVFS_RESET, records writes.
class RecordingNode final : public test::FakeNode {
 public:
  std::function<void(const std::string&)> on_write;
  std::function<void()> on_reset;
  int resets = 0;
  int ioctl(unsigned long request, void*) override {
    if (request != USBDEVFS_RESET) return -ENOTTY;
    ++resets;
    if (on_reset) on_reset();
    return 0;
  }
  ssize_t write(const void* buf, std::size_t n) override {
    if (on_write) on_write(std::string(static_cast<const char*>(buf), n));
    return static_cast<ssize_t>(n);
  }
};

class UsbRungsTest : public ::testing::Test {
 protected:
  UsbRungsTest() {
    bench.sysfs.put_on_usb(2, 2, 3, "uas");
    bench.attach_scsi(2, "sdb", 16, 1, disk);
    bench.attach_scsi(0, "sda", 0, 0, std::make_shared<FakeAtaDisk>(1000, "WD-SATA"));
    bench.io.add_node("/dev/bus/usb/002/003", S_IFCHR, 189, 130, usbfs);
  }
  std::unique_ptr<Device> open(const std::string& path) {
    std::vector<std::string> notes;
    return open_device_node(bench.io, path, TransportChoice::kAuto, bench.options(), {}, notes);
  }
  std::string drivers() const { return bench.sysfs.paths().sysfs_root + "/bus/usb/drivers/uas"; }

  FakeBench bench;
  std::shared_ptr<FakeAtaDisk> disk = std::make_shared<FakeAtaDisk>(1000, "WD-USB");
  std::shared_ptr<RecordingNode> usbfs = std::make_shared<RecordingNode>();
};

TEST_F(UsbRungsTest, TheWalkFindsTheUsbDeviceOfADiskAndNothingForOthers) {
  const auto usb = usb_attachment_of_sg("sg1", bench.sysfs.paths());
  ASSERT_TRUE(usb.has_value());
  EXPECT_EQ(usb->usbfs_node, "/dev/bus/usb/002/003");
  EXPECT_EQ(usb->interface, "2-1:1.0");
  EXPECT_EQ(usb->driver, "uas");
  EXPECT_TRUE(usb->device_dir.ends_with("/usb2/2-1")) << usb->device_dir;
  EXPECT_FALSE(usb_attachment_of_sg("sg0", bench.sysfs.paths()).has_value());  // on a SATA port
  EXPECT_FALSE(usb_attachment_of_sg("sg9", bench.sysfs.paths()).has_value());  // no such node
}

TEST_F(UsbRungsTest, TheIdentitySaysWhichUsbDeviceADiskIsOn) {
  EXPECT_EQ(open("/dev/sdb")->identity().usb, "2-1:1.0 (uas), /dev/bus/usb/002/003");
  EXPECT_EQ(open("/dev/sda")->identity().usb, "");  // on a SATA port: the ladder has no USB rungs
}

TEST_F(UsbRungsTest, UsbResetGoesToTheUsbfsNodeAndWaitsForTheDrive) {
  auto dev = open("/dev/sdb");
  const ResetOutcome r = dev->reset(ResetKind::kUsbReset);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(usbfs->resets, 1);
  EXPECT_NE(r.detail.find("USBDEVFS_RESET on /dev/bus/usb/002/003 (uas)"), std::string::npos) << r.detail;

  auto sata = open("/dev/sda");
  const ResetOutcome no = sata->reset(ResetKind::kUsbReset);
  EXPECT_FALSE(no.ok);
  EXPECT_NE(no.detail.find("not on a USB device"), std::string::npos) << no.detail;
  EXPECT_EQ(usbfs->resets, 1);
}

TEST_F(UsbRungsTest, AUsbResetAfterWhichTheKernelProbedTheDiskAgainFindsItAtOnce) {
  // The driver could not take the device back (uas: "uas_pre_reset: timed
  // out"): the kernel unbound it and probed it again within the ioctl, the
  // disk is gone from sg1 and back as sg2.
  auto back = std::make_shared<FakeAtaDisk>(1000, "WD-USB");
  usbfs->on_reset = [&] {
    disk->gone = true;
    bench.detach_scsi(2, "sdb", 16, 1);
    bench.sysfs.put_on_usb(3, 2, 3, "uas");
    bench.attach_scsi(3, "sdc", 32, 2, back);
  };
  auto dev = open("/dev/sdb");
  const Micros before = bench.io.clock().now();
  const ResetOutcome r = dev->reset(ResetKind::kUsbReset);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_NE(r.detail.find("back as /dev/sg2"), std::string::npos) << r.detail;
  EXPECT_EQ(dev->identity().command_node, "/dev/sg2");
  // Not after the ready wait on the node it left.
  EXPECT_LT(bench.io.clock().now() - before, Micros(std::chrono::seconds(1)));
}

TEST_F(UsbRungsTest, RebindFindsTheDiskUnderItsNewNodes) {
  std::vector<std::string> writes;
  usbfs->on_reset = [&] { writes.push_back("USBDEVFS_RESET"); };
  auto unbind = std::make_shared<RecordingNode>();
  auto bind = std::make_shared<RecordingNode>();
  unbind->on_write = [&](const std::string& t) {
    writes.push_back("unbind " + t);
    bench.detach_scsi(2, "sdb", 16, 1);
  };
  bind->on_write = [&](const std::string& t) {
    writes.push_back("bind " + t);
    // The driver probes the interface again: a new SCSI host, new nodes.
    bench.sysfs.put_on_usb(3, 2, 3, "uas");
    bench.attach_scsi(3, "sdc", 32, 2, disk);
  };
  bench.io.add_node(drivers() + "/unbind", S_IFREG, 0, 0, unbind);
  bench.io.add_node(drivers() + "/bind", S_IFREG, 0, 0, bind);

  auto dev = open("/dev/sdb");
  ASSERT_EQ(dev->identity().command_node, "/dev/sg1");
  const ResetOutcome r = dev->reset(ResetKind::kUsbRebind);
  EXPECT_TRUE(r.ok) << r.detail;
  // The device is reset while no driver holds it.
  EXPECT_EQ(writes, (std::vector<std::string>{"unbind 2-1:1.0", "USBDEVFS_RESET", "bind 2-1:1.0"}));
  EXPECT_NE(r.detail.find("USBDEVFS_RESET in between: ok"), std::string::npos) << r.detail;
  EXPECT_EQ(dev->identity().command_node, "/dev/sg2");
  EXPECT_NE(r.detail.find("back as /dev/sg2"), std::string::npos) << r.detail;
  std::vector<std::byte> buf(512);
  const ReadOutcome read = test::delivered_into(dev->read(5, 1, buf, Millis(1000)), buf);
  ASSERT_TRUE(read.ok()) << read.detail;
  EXPECT_EQ(static_cast<std::uint8_t>(buf[9]), test::sector_byte(5, 9));
}

}  // namespace
}  // namespace ptrescue
