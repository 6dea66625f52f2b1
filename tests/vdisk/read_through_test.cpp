// SPDX-License-Identifier: GPL-3.0-or-later
// The virtual disk's drive reads against an in-test drive: what a failed
// command costs, and the reset ladder when the drive stops answering.
#include "src/vdisk/read_through.h"

#include <gtest/gtest.h>

#include <vector>

#include "support/fake_drive.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::FakeDrive;

struct Disk {
  explicit Disk(FakeDrive& drive, ReadThroughOptions options = {})
      : image(dir.file("img"), ImageFileOptions{}),
        map(static_cast<std::int64_t>(drive.identity().capacity_bytes())),
        wanted(map.end_pos()),
        map_store(dir.file("map")),
        wanted_store(dir.file("map.wanted")),
        disk(drive, image, map, map_store, wanted, wanted_store, options) {}
  test::TempDir dir;
  ImageFile image;
  MapFile map, wanted;
  MapFileStore map_store, wanted_store;
  ReadThrough disk;
};

TEST(ReadThrough, ADriveThatNamesTheBadSectorCostsOneFailedReadForIt) {
  FakeDrive drive(4096);
  drive.bad = {1000};
  Disk d(drive);
  std::vector<std::byte> out(128 << 10);
  EXPECT_EQ(d.disk.read(960 * 512, out), -EIO);
  int failed = 0;
  for (const auto& [lba, count] : drive.log) failed += lba <= 1000 && 1000 < lba + count;
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(d.map.status_at(1000 * 512), BlockStatus::kBadSector);
  EXPECT_EQ(d.map.status_at(999 * 512), BlockStatus::kFinished);
  EXPECT_EQ(d.map.status_at(1001 * 512), BlockStatus::kFinished);
  EXPECT_LE(drive.log.size(), 3u);  // the command, then the sectors before and after it
}

TEST(ReadThrough, ADriveThatDoesNotNameItIsNarrowedDownByHalves) {
  FakeDrive drive(4096);
  drive.bad = {1000};
  drive.precise = false;
  Disk d(drive);
  std::vector<std::byte> out(16 * 512);
  EXPECT_EQ(d.disk.read(992 * 512, out), -EIO);
  EXPECT_EQ(drive.log.size(), 9u);  // 16, then 8 + 8, 4 + 4, 2 + 2, 1 + 1 sectors
  EXPECT_EQ(d.map.status_at(1000 * 512), BlockStatus::kBadSector);
  EXPECT_EQ(d.map.status_at(999 * 512), BlockStatus::kFinished);
  EXPECT_EQ(d.map.status_at(1001 * 512), BlockStatus::kFinished);
}

// A dense bad area costs a few failed reads: what is not narrowed down by
// then is left non-trimmed for `rescue`, and not read again this run.
TEST(ReadThrough, ADenseBadAreaIsGivenUpAfterAFewFailedReads) {
  for (bool precise : {false, true}) {
    SCOPED_TRACE(precise ? "the drive names the bad sector" : "it does not");
    FakeDrive drive(4096);
    for (Lba l = 1024; l < 1152; ++l) drive.bad.insert(l);
    drive.precise = precise;
    Disk d(drive);
    std::vector<std::byte> out(128 << 10);
    EXPECT_EQ(d.disk.read(1024 * 512, out), -EIO);
    int failed = 0;
    for (const auto& [lba, count] : drive.log)
      for (Lba l = lba; l < lba + count; ++l)
        if (drive.bad.count(l)) {
          ++failed;
          break;
        }
    // The narrowing's reads, and one for each half still waiting when they ran out.
    EXPECT_LE(failed, 2 * ReadThrough::kFailedReadsPerCommand);
    EXPECT_GT(d.map.totals().non_trimmed, 0);
    for (Lba l = 1024; l < 1152; ++l) ASSERT_NE(d.map.status_at(l * 512), BlockStatus::kFinished) << l;
    const auto commands = drive.log.size();
    EXPECT_EQ(d.disk.read(1024 * 512, out), -EIO);
    EXPECT_EQ(drive.log.size(), commands) << "read again in the same run";
  }
}

TEST(ReadThrough, AHangClimbsTheResetLadderAndReadsOn) {
  FakeDrive drive(4096);
  drive.hang = {1000};
  drive.reset_fails = 1;  // the first rung does not bring it back, the second does
  Disk d(drive);
  std::vector<std::byte> out(4096);
  EXPECT_EQ(d.disk.read(2000 * 512, out), static_cast<long>(out.size()));  // reads fine before the hang
  EXPECT_EQ(d.disk.read(1000 * 512, out), -EIO);
  // Two rungs for the 8-sector command, which is left non-trimmed, not
  // narrowed down: each narrowing read would hang again.
  EXPECT_EQ(drive.resets, 2);
  EXPECT_EQ(d.map.status_at(1000 * 512), BlockStatus::kNonTrimmed);
  EXPECT_EQ(d.map.status_at(1007 * 512), BlockStatus::kNonTrimmed);
  EXPECT_EQ(d.disk.read(3000 * 512, out), static_cast<long>(out.size()));  // the drive answers again
}

TEST(ReadThrough, NoRungAnsweringEndsTheDrivesReads) {
  FakeDrive drive(4096);
  drive.hang = {1000};
  drive.reset_fails = 10;
  ReadThroughOptions options;
  options.reset_ladder = {ResetKind::kSoft, ResetKind::kDevice};
  Disk d(drive, options);
  std::vector<std::byte> out(4096);
  EXPECT_EQ(d.disk.read(1000 * 512, out), -EIO);
  EXPECT_EQ(drive.resets, 2);
  const auto commands = drive.log.size();
  EXPECT_EQ(d.disk.read(3000 * 512, out), -EIO);  // nothing more is sent to it
  EXPECT_EQ(drive.log.size(), commands);
  EXPECT_EQ(d.map.status_at(3000 * 512), BlockStatus::kNonTried);
}

}  // namespace
}  // namespace ptrescue
