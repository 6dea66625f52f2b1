// SPDX-License-Identifier: GPL-3.0-or-later
// A block-device source in use is refused before anything is written: the
// mount table parser; what a fake sysfs tree says holds a disk (its
// partitions' mounts, LVM and md built on them, mounts of those); the check
// itself on a device node that the fake tree describes; and, end to end, a
// real loop device mounted read-only, refused by `rescue` naming the mount
// point and rescued with -f; loop devices set up on the source (found by
// their backing file, not holders/), in a fake tree and for real (a loop
// device on a loop device); sg and NVMe char nodes mapped to their disk.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "base/word_list.h"
#include "src/engine/block_topology.h"
#include "src/engine/mount_table.h"
#include "src/engine/preflight.h"
#include "support/fake_block_sysfs.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

namespace fs = std::filesystem;
using test::FakeBlockSysfs;
using test::TempDir;
using Strings = std::vector<std::string>;

// proc(5) mountinfo lines: ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS ... - TYPE SOURCE SUPER-OPTIONS
constexpr const char* kMountinfo =
    "22 1 8:1 / /boot rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "23 1 253:1 / /mnt/my\\040disk rw,relatime shared:2 - ext4 /dev/mapper/vg-home rw\n"
    "24 1 259:0 / /srv rw,relatime - xfs /dev/md0p1 rw\n"
    "25 1 0:42 / /run rw - tmpfs tmpfs rw\n"
    "garbage line\n"
    "26 1 x:y / /nowhere rw - ext4 /dev/x rw\n";

TEST(MountTable, ReadsDevicesAndUnescapesMountPoints) {
  const MountTable t = MountTable::parse(kMountinfo);
  EXPECT_EQ(t.mount_points_of(makedev(8, 1)), Strings{"/boot"});
  EXPECT_EQ(t.mount_points_of(makedev(253, 1)), Strings{"/mnt/my disk"});
  EXPECT_EQ(t.mount_points_of(makedev(0, 42)), Strings{"/run"});
  EXPECT_EQ(t.mount_points_of(makedev(8, 0)), Strings{});
  EXPECT_EQ(MountTable::read("/no/such/mountinfo").mount_points_of(makedev(8, 1)), Strings{});
}

class SourceInUse : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string disks = "pci0000:00/0000:00:1f.2/ata1/host0/block";
    sys_.add(disks + "/sda", 8, 0);
    sys_.add(disks + "/sda/sda1", 8, 1, true);  // mounted at /boot
    sys_.add(disks + "/sda/sda2", 8, 2, true);  // an LVM physical volume
    sys_.add(disks + "/sdb", 8, 16);            // nothing on it
    sys_.add(disks + "/sdb/sdb1", 8, 17, true);
    sys_.add(disks + "/sdc", 8, 32);
    sys_.add(disks + "/sdc/sdc1", 8, 33, true);  // an md member
    const fs::path dm0 = sys_.add("virtual/block/dm-0", 253, 0);
    sys_.set_dm_name(dm0, "vg-root");
    sys_.add_slave(dm0, disks + "/sda/sda2");
    const fs::path dm1 = sys_.add("virtual/block/dm-1", 253, 1);  // a crypt device on the LV
    sys_.set_dm_name(dm1, "vg-home");
    sys_.add_slave(dm1, "virtual/block/dm-0");
    const fs::path md0 = sys_.add("virtual/block/md0", 9, 0);
    sys_.add_slave(md0, disks + "/sdc/sdc1");
    sys_.add("virtual/block/md0/md0p1", 259, 0, true);
  }
  Strings uses(unsigned maj, unsigned min) const {
    return BlockTopology(sys_.root()).uses_of_device(makedev(maj, min), MountTable::parse(kMountinfo));
  }

  TempDir dir_;
  FakeBlockSysfs sys_{dir_.path()};
};

TEST_F(SourceInUse, NamesMountedPartitionsAndWhatIsBuiltOnThem) {
  EXPECT_EQ(uses(8, 0), (Strings{"sda1 is mounted at /boot", "sda2 is held by dm-0 (vg-root)",
                                 "dm-1 (vg-home) is mounted at /mnt/my disk"}));
}

TEST_F(SourceInUse, APartitionOnlyAnswersForItself) {
  EXPECT_EQ(uses(8, 1), Strings{"sda1 is mounted at /boot"});
  EXPECT_EQ(uses(8, 2), (Strings{"sda2 is held by dm-0 (vg-root)", "dm-1 (vg-home) is mounted at /mnt/my disk"}));
}

TEST_F(SourceInUse, FollowsMdArraysIntoTheirPartitions) {
  EXPECT_EQ(uses(8, 32), (Strings{"sdc1 is held by md0", "md0p1 is mounted at /srv"}));
}

TEST_F(SourceInUse, AnIdleOrUnknownDeviceIsNotInUse) {
  EXPECT_EQ(uses(8, 16), Strings{});
  EXPECT_EQ(uses(8, 99), Strings{});
}

/// A block device node for maj:min in the temp folder (root only).
bool make_node(const std::string& path, unsigned maj, unsigned min) {
  return ::mknod(path.c_str(), S_IFBLK | 0600, makedev(maj, min)) == 0;
}

TEST_F(SourceInUse, RefusesABusySourceUnlessForcedAndIgnoresFiles) {
  const std::string busy = dir_.file("sda"), idle = dir_.file("sdb");
  if (!make_node(busy, 8, 0) || !make_node(idle, 8, 16)) GTEST_SKIP() << "cannot make device nodes here (not root?)";
  const BlockTopology topology(sys_.root());
  const MountTable mounts = MountTable::parse(kMountinfo);

  const PreflightReport refused = check_source(busy, false, topology, mounts);
  ASSERT_EQ(refused.refusals.size(), 1u);
  const std::string& line = refused.refusals[0];
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_NE(line.find("refusing to rescue '" + busy + "': it is in use ("), std::string::npos) << line;
  EXPECT_NE(line.find("sda1 is mounted at /boot"), std::string::npos) << line;
  EXPECT_NE(line.find("held by dm-0 (vg-root)"), std::string::npos) << line;
  EXPECT_NE(line.find("-f"), std::string::npos) << line;

  const PreflightReport forced = check_source(busy, true, topology, mounts);
  EXPECT_TRUE(forced.refusals.empty());
  ASSERT_EQ(forced.warnings.size(), 1u);
  EXPECT_NE(forced.warnings[0].find("allowed by -f"), std::string::npos) << forced.warnings[0];

  EXPECT_TRUE(check_source(idle, false, topology, mounts).refusals.empty());
  test::write_file(dir_.file("plain.img"), "x");  // a file is never "in use" this way
  EXPECT_TRUE(check_source(dir_.file("plain.img"), false, topology, mounts).refusals.empty());
  EXPECT_TRUE(check_source("sim:some-profile", false, topology, mounts).refusals.empty());
}

// ---- loop devices on the source, and char nodes --------------------------

TEST_F(SourceInUse, NamesALoopDeviceSetUpOnTheDiskOrAPartitionAndWhatIsMountedFromIt) {
  // The kernel lists no holder for a loop device's backing device: only its
  // loop/backing_file names it, by path; the check compares device numbers.
  const std::string sdb = dir_.file("sdb-node"), sdb1 = dir_.file("sdb1-by-id");
  if (!make_node(sdb, 8, 16) || !make_node(sdb1, 8, 17)) GTEST_SKIP() << "cannot make device nodes here (not root?)";
  sys_.set_backing_file(sys_.add("virtual/block/loop3", 7, 3), sdb);
  sys_.set_backing_file(sys_.add("virtual/block/loop4", 7, 4), sdb1 + " (deleted)");
  sys_.set_backing_file(sys_.add("virtual/block/loop5", 7, 5), dir_.file("no-such-file"));
  const MountTable mounts = MountTable::parse("30 1 7:4 / /mnt/loop rw - ext4 /dev/loop4 rw\n");
  EXPECT_EQ(BlockTopology(sys_.root()).uses_of_device(makedev(8, 16), mounts),
            (Strings{"sdb is held by loop3 (a loop device on it)", "sdb1 is held by loop4 (a loop device on it)",
                     "loop4 is mounted at /mnt/loop"}));
  EXPECT_EQ(BlockTopology(sys_.root()).uses_of_device(makedev(8, 17), mounts),
            (Strings{"sdb1 is held by loop4 (a loop device on it)", "loop4 is mounted at /mnt/loop"}));
  EXPECT_EQ(uses(8, 32), (Strings{"sdc1 is held by md0", "md0p1 is mounted at /srv"}));  // others unchanged
}

/// A char device folder `rel` (under devices/) known as maj:min, with its
/// /sys/dev/char link, as the kernel makes them.
fs::path add_char(const std::string& root, const std::string& rel, unsigned maj, unsigned min) {
  const fs::path folder = fs::path(root) / "devices" / rel;
  fs::create_directories(folder);
  test::write_file((folder / "dev").string(), std::to_string(maj) + ":" + std::to_string(min) + "\n");
  fs::create_directories(fs::path(root) / "dev" / "char");
  fs::create_directory_symlink(fs::path("../../devices") / rel,
                               fs::path(root) / "dev" / "char" / (std::to_string(maj) + ":" + std::to_string(min)));
  return folder;
}

/// /sys/class/block/NAME -> the device folder `rel`.
void add_class_block(const std::string& root, const std::string& name, const std::string& rel) {
  fs::create_directories(fs::path(root) / "class" / "block");
  fs::create_directory_symlink(fs::path("../../devices") / rel, fs::path(root) / "class" / "block" / name);
}

class CharNodes : public SourceInUse {
 protected:
  void SetUp() override {
    SourceInUse::SetUp();
    const std::string root = sys_.root();
    // An sg node: .../2:0:0:0/scsi_generic/sg3, its device/ link going up to
    // the SCSI device, whose block/ holds the disk sdd.
    const std::string lun = "pci0000:00/0000:00:05.0/host2/target2:0:0/2:0:0:0";
    sys_.add(lun + "/block/sdd", 8, 48);
    sys_.add(lun + "/block/sdd/sdd1", 8, 49, true);
    const fs::path sg3 = add_char(root, lun + "/scsi_generic/sg3", 21, 3);
    fs::create_directory_symlink("../..", sg3 / "device");
    add_char(root, "pci0000:00/0000:00:06.0/host3/target3:0:0/3:0:0:0/scsi_generic/sg4", 21, 4);  // no disk
    // NVMe without multipath: namespace, partition and generic node under the controller.
    const std::string ctrl = "pci0000:00/0000:00:04.0/nvme/nvme0";
    add_char(root, ctrl, 241, 0);
    sys_.add(ctrl + "/nvme0n1", 259, 1);
    sys_.add(ctrl + "/nvme0n1/nvme0n1p1", 259, 2, true);
    add_class_block(root, "nvme0n1", ctrl + "/nvme0n1");
    add_class_block(root, "nvme0n1p1", ctrl + "/nvme0n1/nvme0n1p1");
    add_char(root, ctrl + "/ng0n1", 242, 0);
    // Native multipath: the namespace hangs off the subsystem, which links its controllers.
    const std::string subsys = "virtual/nvme-subsystem/nvme-subsys1";
    const fs::path ctrl1 = add_char(root, "pci0000:00/0000:00:07.0/nvme/nvme1", 241, 1);
    sys_.add(subsys + "/nvme1n1", 259, 5);
    add_class_block(root, "nvme1n1", subsys + "/nvme1n1");
    fs::create_directory_symlink(fs::relative(ctrl1, fs::path(root) / "devices" / subsys),
                                 fs::path(root) / "devices" / subsys / "nvme1");
    add_char(root, subsys + "/ng1n1", 242, 1);
  }
  std::vector<dev_t> blocks_of(unsigned maj, unsigned min) const {
    return BlockTopology(sys_.root()).block_devices_of_char(makedev(maj, min));
  }
};

TEST_F(CharNodes, MapsSgAndNvmeCharNodesToTheirBlockDevices) {
  using Devs = std::vector<dev_t>;
  EXPECT_EQ(blocks_of(21, 3), Devs{makedev(8, 48)});
  EXPECT_EQ(blocks_of(21, 4), Devs{});  // an sg node of a LUN with no disk
  EXPECT_EQ(blocks_of(242, 0), Devs{makedev(259, 1)});
  EXPECT_EQ(blocks_of(241, 0), Devs{makedev(259, 1)});  // not the partition
  EXPECT_EQ(blocks_of(242, 1), Devs{makedev(259, 5)});
  EXPECT_EQ(blocks_of(241, 1), Devs{makedev(259, 5)});
  EXPECT_EQ(blocks_of(21, 99), Devs{});
}

TEST_F(CharNodes, ACharNodeOfABusyDiskIsRefusedLikeItsBlockDevice) {
  const std::string sg = dir_.file("sg3"), ng = dir_.file("ng0n1"), ctrl = dir_.file("nvme0"), idle = dir_.file("sg4");
  const auto make_char = [](const std::string& path, unsigned maj, unsigned min) {
    return ::mknod(path.c_str(), S_IFCHR | 0600, makedev(maj, min)) == 0;
  };
  if (!make_char(sg, 21, 3) || !make_char(ng, 242, 0) || !make_char(ctrl, 241, 0) || !make_char(idle, 21, 4))
    GTEST_SKIP() << "cannot make device nodes here (not root?)";
  const BlockTopology topology(sys_.root());
  const MountTable mounts = MountTable::parse(
      "31 1 8:49 / /data rw - ext4 /dev/sdd1 rw\n"
      "32 1 259:2 / /home rw - ext4 /dev/nvme0n1p1 rw\n");
  const PreflightReport by_sg = check_source(sg, false, topology, mounts);
  ASSERT_EQ(by_sg.refusals.size(), 1u);
  EXPECT_NE(by_sg.refusals[0].find("refusing to rescue '" + sg + "': it is in use (sdd1 is mounted at /data)"),
            std::string::npos)
      << by_sg.refusals[0];
  for (const std::string& node : {ng, ctrl}) {
    const PreflightReport r = check_source(node, false, topology, mounts);
    ASSERT_EQ(r.refusals.size(), 1u) << node;
    EXPECT_NE(r.refusals[0].find("nvme0n1p1 is mounted at /home"), std::string::npos) << r.refusals[0];
  }
  const PreflightReport forced = check_source(sg, true, topology, mounts);
  EXPECT_TRUE(forced.refusals.empty());
  EXPECT_EQ(forced.warnings.size(), 1u);
  EXPECT_TRUE(check_source(idle, false, topology, mounts).refusals.empty());
}

// ---- end to end on a real loop device --------------------------------------

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

/// Where the loop device's file goes: /dev/shm (tmpfs, a filesystem sysfs
/// knows no disk for) keeps the image beside the test's files off "the
/// source's disk", so the same-disk check stays out of the way.
std::string backing_folder(const TempDir& dir) {
  struct stat st {};
  return ::stat("/dev/shm", &st) == 0 && ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : dir.path();
}

/// A small ext2 (or FAT) filesystem in a file, on a loop device, mounted
/// read-only; everything undone on destruction, whatever failed.
class MountedLoop {
 public:
  explicit MountedLoop(const TempDir& dir)
      : file_(backing_folder(dir) + "/ptrescue-source-held-" + std::to_string(::getpid()) + ".img"),
        mount_point_(dir.file("mnt")) {
    test::write_file(file_, std::string(4 << 20, '\0'));
    const bool ext2 = test::on_path("mkfs.ext2");
    if (!ext2 && !test::on_path("mkfs.vfat")) {
      fail("neither mkfs.ext2 (e2fsprogs) nor mkfs.vfat (dosfstools)");
      return;
    }
    const auto mkfs = ext2 ? test::run_process({"mkfs.ext2", "-q", "-F", file_})
                           : test::run_process({"mkfs.vfat", file_});
    if (mkfs.exit_code != 0) {
      fail("mkfs failed: " + mkfs.describe());
      return;
    }
    const auto setup = test::run_process({"losetup", "-f", "--show", file_});
    if (setup.exit_code != 0) {
      fail("losetup failed (needs root and loop devices): " + setup.describe());
      return;
    }
    device_ = std::string(trim_blanks(setup.out));
    fs::create_directories(mount_point_);
    const auto mount = test::run_process({"mount", "-o", "ro", device_, mount_point_});
    if (mount.exit_code != 0) {
      fail("mount failed: " + mount.describe());
      return;
    }
    mounted_ = true;
  }
  ~MountedLoop() {
    if (mounted_) (void)test::run_process({"umount", mount_point_});
    if (!device_.empty()) (void)test::run_process({"losetup", "-d", device_});
    std::error_code ec;
    fs::remove(file_, ec);
  }
  MountedLoop(const MountedLoop&) = delete;
  MountedLoop& operator=(const MountedLoop&) = delete;

  bool ready() const { return mounted_; }
  const std::string& why_not() const { return why_not_; }
  const std::string& device() const { return device_; }
  const std::string& mount_point() const { return mount_point_; }
  const std::string& backing_file() const { return file_; }
  void unmount() {
    if (mounted_ && test::run_process({"umount", mount_point_}).exit_code == 0) mounted_ = false;
  }

 private:
  void fail(const std::string& why) { why_not_ = why; }

  std::string file_, mount_point_, device_, why_not_;
  bool mounted_ = false;
};

TEST(SourceInUseCommand, RefusesAMountedLoopDeviceNamingTheMountPointAndProceedsWithForce) {
  TempDir dir;
  MountedLoop loop(dir);
  if (!loop.ready()) {
    if (in_ci()) FAIL() << "CI=true: the loop device could not be set up: " << loop.why_not();
    GTEST_SKIP() << loop.why_not();
  }
  const std::string image = dir.file("out.img"), map = dir.file("out.map");
  const auto refused = test::run_ptrescue({"rescue", "-q", loop.device(), image, map});
  EXPECT_EQ(refused.exit_code, 1) << refused.describe();
  EXPECT_NE(refused.err.find("is mounted at " + loop.mount_point()), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(image));
  EXPECT_FALSE(fs::exists(map));
  EXPECT_FALSE(fs::exists(map + ".lock"));  // refused before anything was created

  const auto forced = test::run_ptrescue({"rescue", "-q", "-f", loop.device(), image, map});
  EXPECT_EQ(forced.exit_code, 0) << forced.describe();
  EXPECT_NE(forced.err.find("allowed by -f"), std::string::npos) << forced.err;
  EXPECT_EQ(fs::file_size(image), std::uintmax_t{4} << 20);

  loop.unmount();  // no longer in use: not refused for it
  const auto idle = test::run_ptrescue({"rescue", "-q", loop.device(), dir.file("idle.img"), dir.file("idle.map")});
  EXPECT_EQ(idle.err.find("in use"), std::string::npos) << idle.err;
  if (loop.backing_file().rfind("/dev/shm/", 0) == 0) {
    EXPECT_EQ(idle.exit_code, 0) << idle.describe();
  }
}

/// `losetup -f --show FILE` (read-only): the loop device, or "" with `why`.
std::string attach_loop(const std::string& file, std::string& why) {
  const auto r = test::run_process({"losetup", "-r", "-f", "--show", file});
  if (r.exit_code != 0) {
    why = "losetup failed (needs root and loop devices): " + r.describe();
    return {};
  }
  return std::string(trim_blanks(r.out));
}

/// Loop devices detached in reverse order however the test ends, then the file.
struct LoopStack {
  std::vector<std::string> devices;
  std::string file;
  ~LoopStack() {
    for (auto it = devices.rbegin(); it != devices.rend(); ++it) (void)test::run_process({"losetup", "-d", *it});
    std::error_code ec;
    fs::remove(file, ec);
  }
};

TEST(SourceInUseCommand, ALoopDeviceWithALoopDeviceOnItIsRefusedNamingItUnlessForced) {
  TempDir dir;
  LoopStack loops;
  loops.file = backing_folder(dir) + "/ptrescue-loop-over-loop-" + std::to_string(::getpid()) + ".img";
  test::write_file(loops.file, test::random_bytes(1 << 20, 16));
  std::string why;
  const std::string lower = attach_loop(loops.file, why);
  if (!lower.empty()) loops.devices.push_back(lower);
  const std::string upper = lower.empty() ? std::string() : attach_loop(lower, why);
  if (!upper.empty()) loops.devices.push_back(upper);
  if (upper.empty()) {
    if (in_ci()) FAIL() << "CI=true: " << why;
    GTEST_SKIP() << why;
  }
  const std::string upper_name = fs::path(upper).filename().string();
  const std::string image = dir.file("out.img"), map = dir.file("out.map");
  const auto refused = test::run_ptrescue({"rescue", "-q", lower, image, map});
  EXPECT_EQ(refused.exit_code, 1) << refused.describe();
  EXPECT_NE(refused.err.find("is held by " + upper_name + " (a loop device on it)"), std::string::npos)
      << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  EXPECT_FALSE(fs::exists(image));
  EXPECT_FALSE(fs::exists(map));
  EXPECT_FALSE(fs::exists(map + ".lock"));

  // The loop device on top is not itself in use.
  const auto top = test::run_ptrescue({"rescue", "-q", upper, dir.file("top.img"), dir.file("top.map")});
  EXPECT_EQ(top.err.find("in use"), std::string::npos) << top.err;

  const auto forced = test::run_ptrescue({"rescue", "-q", "-f", lower, image, map});
  EXPECT_EQ(forced.exit_code, 0) << forced.describe();
  EXPECT_NE(forced.err.find("allowed by -f"), std::string::npos) << forced.err;
  EXPECT_EQ(test::read_file(image), test::read_file(loops.file));
}

}  // namespace
}  // namespace ptrescue
