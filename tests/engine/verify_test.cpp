// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue verify` and verify_image(): identical images pass; a planted
// difference is found and its sector named; with a mapfile only '+' areas
// count; sectors the source cannot read now are counted apart; a short image
// is a difference.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "src/cli/image_commands.h"
#include "src/mapfile/mapfile.h"
#include "src/verify/verify_image.h"
#include "support/fake_drive.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::read_file;
using test::write_file;
using test::FakeDrive;
using test::run_ptrescue;
using test::TempDir;

/// What FakeDrive holds in its first `sectors` sectors.
std::string fake_drive_bytes(Lba sectors) {
  std::string s(sectors * 512, '\0');
  for (Lba l = 0; l < sectors; ++l)
    for (std::size_t i = 0; i < 512; ++i) s[l * 512 + i] = static_cast<char>(test::pattern_byte(l, i));
  return s;
}

void flip(std::string& img, std::size_t at) { img[at] = static_cast<char>(img[at] ^ 0x5a); }

TEST(VerifyImage, IdenticalImagePasses) {
  TempDir dir;
  FakeDrive drive(4000);
  write_file(dir.file("img"), fake_drive_bytes(4000));
  const VerifyResult r = verify_image(drive, dir.file("img"), nullptr, Millis(1000), nullptr, nullptr);
  EXPECT_TRUE(r.identical());
  EXPECT_EQ(r.compared_bytes, 4000 * 512);
  EXPECT_FALSE(r.first_difference);
}

TEST(VerifyImage, FindsPlantedDifferencesAndNamesTheFirstSector) {
  TempDir dir;
  FakeDrive drive(4000);
  std::string img = fake_drive_bytes(4000);
  flip(img, 1234 * 512 + 77);
  flip(img, 1234 * 512 + 78);
  flip(img, 3001 * 512);
  write_file(dir.file("img"), img);
  const VerifyResult r = verify_image(drive, dir.file("img"), nullptr, Millis(1000), nullptr, nullptr);
  EXPECT_FALSE(r.identical());
  ASSERT_TRUE(r.first_difference);
  EXPECT_EQ(*r.first_difference, 1234 * 512 + 77);
  EXPECT_EQ(r.differing_bytes, 3);
  EXPECT_EQ(r.differing_sectors, 2);
  ASSERT_EQ(r.differing_areas.size(), 2u);
  EXPECT_EQ(r.differing_areas[0], (Extent{1234 * 512, 512}));
  EXPECT_EQ(r.differing_areas[1], (Extent{3001 * 512, 512}));
}

TEST(VerifyImage, WithAMapfileComparesOnlyRescuedAreas) {
  TempDir dir;
  FakeDrive drive(2000);
  drive.bad = {100, 101, 1500};
  std::string img = fake_drive_bytes(2000);
  // Whatever the image holds in the bad areas (here: junk) is not compared.
  flip(img, 100 * 512 + 3);
  flip(img, 1500 * 512 + 500);
  write_file(dir.file("img"), img);
  MapFile m(2000 * 512);
  m.set_status(0, 2000 * 512, BlockStatus::kFinished);
  m.set_status(100 * 512, 2 * 512, BlockStatus::kBadSector);
  m.set_status(1500 * 512, 512, BlockStatus::kNonTried);
  const VerifyResult r = verify_image(drive, dir.file("img"), &m, Millis(1000), nullptr, nullptr);
  EXPECT_TRUE(r.identical());
  EXPECT_EQ(r.skipped_bytes, 3 * 512);
  EXPECT_EQ(r.compared_bytes, 1997 * 512);
  EXPECT_EQ(drive.attempts.count(100), 0u);  // bad areas are not even read

  // A difference just inside a '+' area is found.
  flip(img, 102 * 512);
  write_file(dir.file("img"), img);
  const VerifyResult d = verify_image(drive, dir.file("img"), &m, Millis(1000), nullptr, nullptr);
  ASSERT_TRUE(d.first_difference);
  EXPECT_EQ(*d.first_difference / 512, 102);
}

TEST(VerifyImage, SectorsTheSourceCannotReadAreCountedApart) {
  TempDir dir;
  FakeDrive drive(3000);
  drive.bad = {5, 2999};
  write_file(dir.file("img"), fake_drive_bytes(3000));
  const VerifyResult r = verify_image(drive, dir.file("img"), nullptr, Millis(1000), nullptr, nullptr);
  EXPECT_EQ(r.differing_bytes, 0);
  EXPECT_EQ(r.unreadable_bytes, 2 * 512);
  ASSERT_EQ(r.unreadable_areas.size(), 2u);
  EXPECT_EQ(r.unreadable_areas[0].pos, 5 * 512);
  EXPECT_EQ(r.compared_bytes, 2998 * 512);
  EXPECT_FALSE(r.identical());
}

TEST(VerifyImage, AShortImageDiffersFromItsEnd) {
  TempDir dir;
  FakeDrive drive(100);
  write_file(dir.file("img"), fake_drive_bytes(100).substr(0, 90 * 512 + 10));
  const VerifyResult r = verify_image(drive, dir.file("img"), nullptr, Millis(1000), nullptr, nullptr);
  EXPECT_EQ(r.missing_bytes, 10 * 512 - 10);
  ASSERT_TRUE(r.first_difference);
  EXPECT_EQ(*r.first_difference, 90 * 512 + 10);
}

TEST(VerifyImage, StopsWhenTheSourceDies) {
  TempDir dir;
  FakeDrive drive(3000);
  drive.bad = {10};
  drive.die_after_errors = 1;
  write_file(dir.file("img"), fake_drive_bytes(3000));
  const VerifyResult r = verify_image(drive, dir.file("img"), nullptr, Millis(1000), nullptr, nullptr);
  EXPECT_TRUE(r.source_gone);
  EXPECT_FALSE(r.identical());
}

// ---- the command -----------------------------------------------------------

class VerifyCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_.file("drive.json"), R"({"name": "v", "capacity": "2MiB", "heads": 2, "zones": 2,
      "stripe": "256KiB", "error_latency_ms": 5, "bad_ranges": [{"start": 300, "length": 4}]})");
    source_ = "sim:" + dir_.file("drive.json");
    const auto r = run_ptrescue({"rescue", "-q", source_, dir_.file("img"), dir_.file("map")});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  TempDir dir_;
  std::string source_;
};

TEST_F(VerifyCommand, RescuedAreasMatchTheSimulatedSource) {
  const auto r = run_ptrescue({"verify", source_, dir_.file("img"), dir_.file("map")});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("IDENTICAL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not compared: 2048 bytes"), std::string::npos) << r.out;
}

TEST_F(VerifyCommand, WithoutAMapfileTheBadSectorsAreUnreadableNotDifferent) {
  const auto r = run_ptrescue({"verify", "--json", source_, dir_.file("img")});
  EXPECT_EQ(r.exit_code, kExitVerifyIncomplete) << r.describe();
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["result"], "incomplete");
  EXPECT_EQ(j["unreadable_bytes"], 4 * 512);
  EXPECT_EQ(j["differing_bytes"], 0);
  EXPECT_EQ(j["unreadable_areas"][0]["lba"], 300);
  EXPECT_EQ(j["unreadable_areas"][0]["sectors"], 4);
}

TEST_F(VerifyCommand, APlantedDifferenceFailsAndNamesTheSector) {
  std::string img = read_file(dir_.file("img"));
  flip(img, 2049 * 512 + 100);
  flip(img, 3000 * 512);
  write_file(dir_.file("img"), img);
  const auto r = run_ptrescue({"verify", source_, dir_.file("img"), dir_.file("map")});
  EXPECT_EQ(r.exit_code, kExitVerifyDifferent) << r.describe();
  EXPECT_NE(r.out.find("first difference at LBA 2049 (byte 1049188)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("LBA 2049"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("2 bytes in 2 sectors"), std::string::npos) << r.out;
}

TEST_F(VerifyCommand, RefusesBadArguments) {
  EXPECT_EQ(run_ptrescue({"verify", source_}).exit_code, 1);
  EXPECT_EQ(run_ptrescue({"verify", source_, dir_.file("missing.img")}).exit_code, 1);
  write_file(dir_.file("bad.map"), "junk\n");
  EXPECT_EQ(run_ptrescue({"verify", source_, dir_.file("img"), dir_.file("bad.map")}).exit_code, 2);
}

}  // namespace
}  // namespace ptrescue
