// SPDX-License-Identifier: GPL-3.0-or-later
// Preflight: which disks a device lives on, through a fake sysfs tree
// (partitions, device-mapper and md slaves, loop devices and their backing
// files, partitioned md and loop devices); and the real checks in this
// machine: a destination next to a file source is accepted (a file is not a
// failing disk), a block device on the source's disk is refused even with -f,
// and a shortfall of free space is refused.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "src/engine/block_topology.h"
#include "src/engine/preflight.h"
#include "support/fake_block_sysfs.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::write_file;
namespace fs = std::filesystem;
using test::run_ptrescue;
using test::TempDir;

using test::FakeBlockSysfs;

class Topology : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string disks = "pci0000:00/0000:00:1f.2/ata1/host0/block";
    sys_.add(disks + "/sda", 8, 0);
    write_file(sys_.root() + "/devices/" + disks + "/sda/size", "2000\n");
    sys_.add(disks + "/sda/sda1", 8, 1, true);
    sys_.add(disks + "/sda/sda2", 8, 2, true);
    sys_.add(disks + "/sdb", 8, 16);
    sys_.add(disks + "/sdb/sdb1", 8, 17, true);
    sys_.add(disks + "/sdc", 8, 32);
    sys_.add(disks + "/sdc/sdc1", 8, 33, true);
    sys_.add(disks + "/sdd", 8, 48);
    sys_.add(disks + "/sdd/sdd1", 8, 49, true);
    // LVM across sda2 and sdb1; a crypt device on top of that.
    const fs::path dm0 = sys_.add("virtual/block/dm-0", 253, 0);
    sys_.add_slave(dm0, disks + "/sda/sda2");
    sys_.add_slave(dm0, disks + "/sdb/sdb1");
    const fs::path dm1 = sys_.add("virtual/block/dm-1", 253, 1);
    sys_.add_slave(dm1, "virtual/block/dm-0");
    // RAID 1 of sdc1 and sdd1, partitioned.
    const fs::path md0 = sys_.add("virtual/block/md0", 9, 0);
    sys_.add_slave(md0, disks + "/sdc/sdc1");
    sys_.add_slave(md0, disks + "/sdd/sdd1");
    sys_.add("virtual/block/md0/md0p1", 259, 0, true);
    // A loop device on a real file of this machine, whose filesystem the fake
    // tree places on disk "sdz"; and a partition of that loop device.
    write_file(dir_.file("backing.img"), "x");
    struct stat st {};
    ASSERT_EQ(::stat(dir_.file("backing.img").c_str(), &st), 0);
    backing_dev_ = st.st_dev;
    if (major(backing_dev_) == 7 || major(backing_dev_) == 8 || major(backing_dev_) == 9 ||
        major(backing_dev_) == 253 || major(backing_dev_) == 259)
      GTEST_SKIP() << "the temp folder's device number collides with the fake tree's";
    sys_.add("platform/fake/block/sdz", major(backing_dev_), minor(backing_dev_));
    const fs::path loop0 = sys_.add("virtual/block/loop0", 7, 0);
    sys_.set_backing_file(loop0, dir_.file("backing.img"));
    sys_.add("virtual/block/loop0/loop0p1", 259, 1, true);
    const fs::path loop1 = sys_.add("virtual/block/loop1", 7, 1);
    sys_.set_backing_file(loop1, dir_.file("gone.img") + " (deleted)");
  }
  std::set<std::string> disks(unsigned maj, unsigned min) const {
    return BlockTopology(sys_.root()).disks_of_device(makedev(maj, min));
  }

  TempDir dir_;
  FakeBlockSysfs sys_{dir_.path()};
  dev_t backing_dev_{};
};

using Disks = std::set<std::string>;

TEST_F(Topology, PartitionsResolveToTheirDisk) {
  EXPECT_EQ(disks(8, 0), Disks{"sda"});
  EXPECT_EQ(disks(8, 1), Disks{"sda"});
  EXPECT_EQ(disks(8, 17), Disks{"sdb"});
}

TEST_F(Topology, DeviceMapperResolvesToEveryDiskUnderIt) {
  EXPECT_EQ(disks(253, 0), (Disks{"sda", "sdb"}));
  EXPECT_EQ(disks(253, 1), (Disks{"sda", "sdb"}));  // dm on dm
}

TEST_F(Topology, MdAndItsPartitionsResolveToTheMembers) {
  EXPECT_EQ(disks(9, 0), (Disks{"sdc", "sdd"}));
  EXPECT_EQ(disks(259, 0), (Disks{"sdc", "sdd"}));
}

TEST_F(Topology, LoopDevicesResolveThroughTheirBackingFile) {
  EXPECT_EQ(disks(7, 0), Disks{"sdz"});
  EXPECT_EQ(disks(259, 1), Disks{"sdz"});
  EXPECT_EQ(disks(7, 1), Disks{});  // backing file deleted: unknown, not a guess
}

TEST_F(Topology, UnknownDevicesResolveToNothing) {
  EXPECT_EQ(disks(0, 42), Disks{});  // tmpfs, overlay: anonymous device numbers
  EXPECT_EQ(BlockTopology(dir_.file("no-such-sysfs")).disks_of_device(makedev(8, 0)), Disks{});
}

TEST_F(Topology, PathsResolveThroughTheirFilesystemAndSizesComeFromSysfs) {
  const BlockTopology t(sys_.root());
  EXPECT_EQ(t.disks_of_path(dir_.file("backing.img")), Disks{"sdz"});
  EXPECT_EQ(t.disks_of_path(dir_.file("not-yet-created.img")), Disks{"sdz"});  // its folder's
  EXPECT_EQ(t.device_size(makedev(8, 0)), 2000 * 512);
  EXPECT_EQ(t.device_size(makedev(8, 99)), -1);
}

// ---- the checks on this machine ---------------------------------------------

PreflightInput input_for(const TempDir& dir) {
  PreflightInput in;
  in.source = dir.file("source.bin");
  in.image = dir.file("image.img");
  in.mapfile = dir.file("image.map");
  in.image_end = in.domain_bytes = 1 << 20;
  return in;
}

std::int64_t plenty(const std::string&) { return std::int64_t{1} << 50; }

TEST(Preflight, AcceptsDestinationsBesideAFileSource) {
  // A regular-file source is an image being re-imaged, not a failing disk:
  // an image, mapfile and reads log beside it are fine, without -f.
  TempDir dir;
  write_file(dir.file("source.bin"), std::string(4096, 's'));
  PreflightInput in = input_for(dir);
  in.reads_log = dir.file("reads.log");
  const PreflightReport r = check_destinations(in, BlockTopology(), plenty);
  EXPECT_TRUE(r.refusals.empty()) << r.refusals.front();
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
}

TEST(Preflight, AcceptsADestinationOnAnotherFilesystem) {
  TempDir dir;
  write_file(dir.file("source.bin"), "s");
  struct stat a {}, b {};
  if (::stat(dir.path().c_str(), &a) != 0 || ::stat("/dev/shm", &b) != 0 || a.st_dev == b.st_dev ||
      ::access("/dev/shm", W_OK) != 0)
    GTEST_SKIP() << "no writable /dev/shm on another filesystem";
  PreflightInput in = input_for(dir);
  in.image = "/dev/shm/ptrescue-preflight-test.img";
  in.mapfile = "/dev/shm/ptrescue-preflight-test.map";
  const PreflightReport r = check_destinations(in, BlockTopology(), plenty);
  EXPECT_TRUE(r.refusals.empty()) << r.refusals.front();
}

TEST(Preflight, NeverWritesABlockDeviceOnTheSourcesDiskEvenWithForce) {
  TempDir dir;
  write_file(dir.file("source.bin"), "s");
  // The block device holding the temp folder, as the kernel names it.
  struct stat st {};
  ASSERT_EQ(::stat(dir.path().c_str(), &st), 0);
  std::ifstream uevent(fmt::format("/sys/dev/block/{}:{}/uevent", major(st.st_dev), minor(st.st_dev)));
  std::string line, devname;
  while (std::getline(uevent, line))
    if (line.rfind("DEVNAME=", 0) == 0) devname = "/dev/" + line.substr(8);
  struct stat bst {};
  if (devname.empty() || ::stat(devname.c_str(), &bst) != 0 || !S_ISBLK(bst.st_mode))
    GTEST_SKIP() << "the temp folder's block device is not visible here";
  PreflightInput in = input_for(dir);
  in.image = devname;
  in.force = true;
  const PreflightReport r = check_destinations(in, BlockTopology(), plenty);
  ASSERT_FALSE(r.refusals.empty());
  EXPECT_NE(r.refusals[0].find("would destroy the source"), std::string::npos) << r.refusals[0];
}

TEST(Preflight, RefusesTooLittleFreeSpaceUnlessSparseOrForced) {
  TempDir dir;
  PreflightInput in = input_for(dir);
  in.source_is_path = false;
  in.domain_bytes = in.image_end = 10'000'000'000;
  auto free_9gb = [](const std::string&) -> std::int64_t { return 9'000'000'000; };
  const PreflightReport r = check_destinations(in, BlockTopology(), free_9gb);
  ASSERT_EQ(r.refusals.size(), 1u);
  EXPECT_NE(r.refusals[0].find("not enough space"), std::string::npos) << r.refusals[0];
  EXPECT_NE(r.refusals[0].find("9000 MB free"), std::string::npos) << r.refusals[0];

  in.sparse = true;
  EXPECT_TRUE(check_destinations(in, BlockTopology(), free_9gb).refusals.empty());
  EXPECT_EQ(check_destinations(in, BlockTopology(), free_9gb).warnings.size(), 1u);
  in.sparse = false;
  in.force = true;
  EXPECT_TRUE(check_destinations(in, BlockTopology(), free_9gb).refusals.empty());
  in.force = false;

  // What an existing image already holds (a resumed rescue) needs no new room.
  write_file(in.image, std::string(2 << 20, 'i'));
  in.domain_bytes = in.image_end = 9'000'000'000 + (1 << 20);
  EXPECT_TRUE(check_destinations(in, BlockTopology(), free_9gb).refusals.empty());
}

TEST(PreflightCommand, FileSourceImagesBesideItselfButNeverOntoItself) {
  TempDir dir;
  write_file(dir.file("source.bin"), std::string(64 << 10, 's'));
  // A regular file is not a failing disk: no -f needed, no warning.
  const auto r = run_ptrescue({"rescue", "-q", dir.file("source.bin"), dir.file("image.img"), dir.file("image.map")});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.err.find("refusing"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir.file("image.img")));

  // The source as its own image is refused, even with -f, before anything is created.
  const auto itself = run_ptrescue({"rescue", "-q", "-f", dir.file("source.bin"), dir.file("source.bin"), dir.file("m")});
  EXPECT_EQ(itself.exit_code, 1);
  EXPECT_NE(itself.err.find("is the same file as the source"), std::string::npos) << itself.err;
  EXPECT_FALSE(fs::exists(dir.file("m")));
}

}  // namespace
}  // namespace ptrescue
