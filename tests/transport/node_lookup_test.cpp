// SPDX-License-Identifier: GPL-3.0-or-later
// What sysfs says a node is, on a fake sysfs tree laid out like Linux 6.1's.
#include "transport/node_lookup.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/fake_bench.h"

namespace ptrescue {
namespace {

using test::FakeBench;

class NodeLookupTest : public ::testing::Test {
 protected:
  ResolvedNode resolve(const std::string& path) { return resolve_node(bench.io, path, bench.sysfs.paths()); }
  FakeBench bench;
};

TEST_F(NodeLookupTest, ScsiDiskLeadsToItsSgNodeByDeviceNumberNotName) {
  // sda's generic node is sg3 here: names do not line up.
  bench.attach_scsi(0, "sda", 0, 3, std::make_shared<test::FakeAtaDisk>(100));
  const ResolvedNode n = resolve("/dev/sda");
  EXPECT_EQ(n.kind, NodeKind::kScsiDisk);
  EXPECT_EQ(n.name, "sda");
  EXPECT_EQ(n.sg_path, "/dev/sg3");
  EXPECT_EQ(n.block_name, "sda");
}

TEST_F(NodeLookupTest, AnyPathToTheNodeWorks) {
  bench.attach_scsi(0, "sda", 0, 3, std::make_shared<test::FakeAtaDisk>(100));
  // /dev/disk/by-id/... is a link to /dev/sda: same device number.
  bench.io.add_node("/dev/disk/by-id/ata-FAKE_123", S_IFBLK, 8, 0, std::make_shared<test::FakeBlockNode>());
  EXPECT_EQ(resolve("/dev/disk/by-id/ata-FAKE_123").sg_path, "/dev/sg3");
}

TEST_F(NodeLookupTest, SgNodeKnowsItsBlockDevice) {
  bench.attach_scsi(2, "sdc", 32, 5, std::make_shared<test::FakeAtaDisk>(100));
  const ResolvedNode n = resolve("/dev/sg5");
  EXPECT_EQ(n.kind, NodeKind::kScsiGeneric);
  EXPECT_EQ(n.sg_path, "/dev/sg5");
  EXPECT_EQ(n.block_name, "sdc");
}

TEST_F(NodeLookupTest, ScsiDiskWithoutTheSgDriverHasNoSgPath) {
  bench.sysfs.add_scsi_disk(0, "sda", 0, -1);
  bench.io.add_node("/dev/sda", S_IFBLK, 8, 0, std::make_shared<test::FakeBlockNode>());
  const ResolvedNode n = resolve("/dev/sda");
  EXPECT_EQ(n.kind, NodeKind::kScsiDisk);
  EXPECT_TRUE(n.sg_path.empty());
}

TEST_F(NodeLookupTest, PartitionNamesItsDisk) {
  bench.attach_scsi(0, "sda", 0, 0, std::make_shared<test::FakeAtaDisk>(100));
  bench.sysfs.add_partition(0, "sda", "sda1", 1);
  bench.io.add_node("/dev/sda1", S_IFBLK, 8, 1, std::make_shared<test::FakeBlockNode>());
  const ResolvedNode n = resolve("/dev/sda1");
  EXPECT_EQ(n.kind, NodeKind::kPartition);
  EXPECT_EQ(n.parent_name, "sda");
}

TEST_F(NodeLookupTest, NvmeNodesLeadToTheirController) {
  bench.attach_nvme(1, std::make_shared<test::FakeNvme>(100));
  const ResolvedNode ns = resolve("/dev/nvme1n1");
  EXPECT_EQ(ns.kind, NodeKind::kNvmeNamespace);
  EXPECT_EQ(ns.nvme_controller_path, "/dev/nvme1");
  const ResolvedNode ng = resolve("/dev/ng1n1");
  EXPECT_EQ(ng.kind, NodeKind::kNvmeGeneric);
  EXPECT_EQ(ng.nvme_controller_path, "/dev/nvme1");
  EXPECT_EQ(resolve("/dev/nvme1").kind, NodeKind::kNvmeController);
}

TEST_F(NodeLookupTest, OtherBlockDevicesAndFiles) {
  bench.sysfs.add_plain_block("vda", 254, 0);
  bench.io.add_node("/dev/vda", S_IFBLK, 254, 0, std::make_shared<test::FakeBlockNode>());
  EXPECT_EQ(resolve("/dev/vda").kind, NodeKind::kOtherBlock);
  const std::string file = bench.dir.file("image");
  std::ofstream(file) << "x";
  EXPECT_EQ(resolve(file).kind, NodeKind::kRegularFile);
  EXPECT_THROW(resolve(bench.dir.file("missing")), NodeLookupError);
}

TEST_F(NodeLookupTest, ListsSgDisksOnlyAndNvmeBySerial) {
  bench.attach_scsi(0, "sda", 0, 0, std::make_shared<test::FakeAtaDisk>(100));
  bench.sysfs.add_scsi_disk(1, "", 0, 1, /*type=*/5);  // a CD-ROM's sg node
  bench.attach_scsi(2, "sdb", 16, 10, std::make_shared<test::FakeAtaDisk>(100));
  EXPECT_EQ(list_sg_disks(bench.sysfs.paths()), (std::vector<std::string>{"/dev/sg0", "/dev/sg10"}));

  bench.attach_nvme(0, std::make_shared<test::FakeNvme>(100, "AAA"));
  bench.attach_nvme(3, std::make_shared<test::FakeNvme>(100, "BBB"));
  EXPECT_EQ(nvme_controllers_with_serial("BBB", bench.sysfs.paths()), std::vector<std::string>{"nvme3"});
  EXPECT_EQ(nvme_namespace_node("nvme3", 1, false, bench.sysfs.paths()), "/dev/nvme3n1");
  EXPECT_EQ(nvme_namespace_node("nvme3", 1, true, bench.sysfs.paths()), "/dev/ng3n1");
  EXPECT_FALSE(nvme_namespace_node("nvme3", 2, false, bench.sysfs.paths()).has_value());
}

TEST_F(NodeLookupTest, MaxTransferFromTheQueueLimits) {
  bench.sysfs.add_scsi_disk(0, "sda", 0, 0, 0, 1280);
  EXPECT_EQ(max_hw_transfer_bytes("sda", bench.sysfs.paths()), 1280u * 1024);
  EXPECT_FALSE(max_hw_transfer_bytes("sdz", bench.sysfs.paths()).has_value());
}

}  // namespace
}  // namespace ptrescue
