// SPDX-License-Identifier: GPL-3.0-or-later
// Which back end a node gets, and the errors for a --transport the node
// cannot speak.
#include "transport/transport_detect.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/fake_bench.h"

namespace ptrescue {
namespace {

using test::FakeBench;

class TransportDetectTest : public ::testing::Test {
 protected:
  std::unique_ptr<Device> open(const std::string& path, TransportChoice c) {
    notes.clear();
    return open_device_node(bench.io, path, c, bench.options(), {}, notes);
  }
  std::string error(const std::string& path, TransportChoice c) {
    try {
      open(path, c);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "no error";
  }

  FakeBench bench;
  std::vector<std::string> notes;
};

TEST_F(TransportDetectTest, ChoiceWordsRoundTrip) {
  for (const char* w : {"auto", "sat", "scsi", "nvme", "block"})
    EXPECT_EQ(transport_choice_word(*parse_transport_choice(w)), w);
  EXPECT_FALSE(parse_transport_choice("ata").has_value());
}

TEST_F(TransportDetectTest, AtaDiskIsSatScsiDiskIsScsiNvmeIsNvme) {
  bench.attach_scsi(0, "sda", 0, 0, std::make_shared<test::FakeAtaDisk>(1000));
  bench.attach_scsi(1, "sdb", 16, 1, std::make_shared<test::FakeScsiDisk>(1000));
  bench.attach_nvme(0, std::make_shared<test::FakeNvme>(1000));
  EXPECT_EQ(open("/dev/sda", TransportChoice::kAuto)->identity().transport, "sat");
  EXPECT_EQ(open("/dev/sg0", TransportChoice::kAuto)->identity().transport, "sat");
  EXPECT_EQ(open("/dev/sdb", TransportChoice::kAuto)->identity().transport, "scsi");
  EXPECT_EQ(open("/dev/nvme0n1", TransportChoice::kAuto)->identity().transport, "nvme");
  EXPECT_EQ(open("/dev/ng0n1", TransportChoice::kNvme)->identity().transport, "nvme");
  // An ATA disk behind SAT also answers SCSI commands when asked to.
  EXPECT_EQ(open("/dev/sda", TransportChoice::kScsi)->identity().transport, "scsi");
}

TEST_F(TransportDetectTest, RegularFileGoesThroughTheFileBackEnd) {
  const std::string file = bench.dir.file("disk.img");
  std::ofstream(file) << std::string(4096, 'x');
  EXPECT_EQ(open(file, TransportChoice::kAuto)->identity().transport, "file");
  EXPECT_NE(error(file, TransportChoice::kSat).find("regular file"), std::string::npos);
}

TEST_F(TransportDetectTest, TransportTheNodeCannotSpeakIsAClearError) {
  bench.attach_scsi(0, "sda", 0, 0, std::make_shared<test::FakeAtaDisk>(1000));
  bench.attach_scsi(1, "sdb", 16, 1, std::make_shared<test::FakeScsiDisk>(1000));
  bench.attach_nvme(0, std::make_shared<test::FakeNvme>(1000));
  EXPECT_NE(error("/dev/sda", TransportChoice::kNvme).find("use --transport sat or scsi"), std::string::npos);
  EXPECT_NE(error("/dev/sdb", TransportChoice::kSat).find("not an ATA drive"), std::string::npos);
  EXPECT_NE(error("/dev/nvme0n1", TransportChoice::kSat).find("use --transport nvme"), std::string::npos);
  EXPECT_NE(error("/dev/ng0n1", TransportChoice::kBlock).find("/dev/nvmeXnY"), std::string::npos);
  EXPECT_NE(error("/dev/sg0", TransportChoice::kBlock).find("use /dev/sda"), std::string::npos);
  EXPECT_NE(error("/dev/nvme0", TransportChoice::kAuto).find("NVMe controller"), std::string::npos);
}

TEST_F(TransportDetectTest, PartitionsAndPlainBlockDevicesAreNotPassThroughSources) {
  bench.attach_scsi(0, "sda", 0, 0, std::make_shared<test::FakeAtaDisk>(1000));
  bench.sysfs.add_partition(0, "sda", "sda2", 2);
  bench.io.add_node("/dev/sda2", S_IFBLK, 8, 2, std::make_shared<test::FakeBlockNode>());
  bench.sysfs.add_plain_block("vda", 254, 0);
  bench.io.add_node("/dev/vda", S_IFBLK, 254, 0, std::make_shared<test::FakeBlockNode>());
  EXPECT_NE(error("/dev/sda2", TransportChoice::kSat).find("/dev/sda"), std::string::npos);
  EXPECT_NE(error("/dev/vda", TransportChoice::kScsi).find("neither a SCSI disk nor an NVMe"), std::string::npos);
}

TEST_F(TransportDetectTest, WithoutTheSgDriverAnExplicitPassThroughSaysToLoadIt) {
  bench.sysfs.add_scsi_disk(0, "sda", 0, -1);
  bench.io.add_node("/dev/sda", S_IFBLK, 8, 0, std::make_shared<test::FakeBlockNode>());
  EXPECT_NE(error("/dev/sda", TransportChoice::kSat).find("modprobe sg"), std::string::npos);
}

TEST_F(TransportDetectTest, MissingPrivilegeIsReportedNotHiddenBehindScsi) {
  auto node = bench.attach_scsi(0, "sda", 0, 0, std::make_shared<test::FakeAtaDisk>(1000));
  node->unprivileged = true;  // INQUIRY would pass, ATA PASS-THROUGH is refused
  EXPECT_THROW(open("/dev/sda", TransportChoice::kAuto), TransportPermissionError);
  EXPECT_NE(error("/dev/sda", TransportChoice::kAuto).find("CAP_SYS_RAWIO"), std::string::npos);
}

TEST_F(TransportDetectTest, DriveAnsweringNeitherWaySaysBoth) {
  auto disk = std::make_shared<test::FakeAtaDisk>(1000);
  bench.attach_scsi(0, "sda", 0, 0, disk);
  disk->gone = true;
  const std::string e = error("/dev/sda", TransportChoice::kAuto);
  EXPECT_NE(e.find("cannot open /dev/sg0"), std::string::npos) << e;
}

}  // namespace
}  // namespace ptrescue
