// SPDX-License-Identifier: GPL-3.0-or-later
// MAPFILE.hashes: the image hashed by fixed ranges and by rescued runs. The
// oracle is coreutils: every row's MD5 and SHA-256 must be md5sum/sha256sum
// of the range `dd` cuts out of the image, run in the test. Then `verify
// --hashes`: a changed image byte is found in its range, and a source that
// fails in one range still proves the others.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/mapfile/mapfile.h"
#include "src/verify/segment_hashes.h"
#include "src/verify/segment_verify.h"
#include "support/fake_drive.h"
#include "support/file_bytes.h"
#include "support/required_tool.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::read_file;
using test::run_process;
using test::run_ptrescue;
using test::TempDir;
using test::write_file;

/// The hex digest coreutils' TOOL prints for the sectors [first, last] of
/// `image`, cut out with dd.
std::string dd_sum(const std::string& tool, const std::string& image, std::int64_t first, std::int64_t last,
                   const std::string& scratch) {
  const auto dd = run_process({"dd", "if=" + image, "of=" + scratch, "bs=512", fmt::format("skip={}", first),
                               fmt::format("count={}", last - first + 1), "status=none"});
  EXPECT_EQ(dd.exit_code, 0) << dd.describe();
  const auto r = run_process({tool, scratch});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  return r.out.substr(0, r.out.find(' '));
}

/// An image of `sectors` sectors holding FakeDrive's pattern.
std::string pattern_image(std::int64_t sectors) {
  std::string s(static_cast<std::size_t>(sectors * 512), '\0');
  for (std::int64_t lba = 0; lba < sectors; ++lba)
    for (std::size_t i = 0; i < 512; ++i)
      s[static_cast<std::size_t>(lba * 512) + i] = static_cast<char>(test::pattern_byte(static_cast<Lba>(lba), i));
  return s;
}

TEST(SegmentHashes, RowsAreFixedRangesThenRescuedRunsWithCompleteFlags) {
  TempDir dir;
  write_file(dir.file("img"), test::random_bytes(4 << 20, 7));
  MapFile map(4 << 20);
  map.set_status(0, 4 << 20, BlockStatus::kFinished);
  map.set_status(1'500'000 / 512 * 512, 1024, BlockStatus::kBadSector);  // in range 1
  const SegmentHashes h = hash_segments(dir.file("img"), map, SegmentPlan{1 << 20, 512, 0, -1}, nullptr);
  ASSERT_FALSE(h.interrupted);
  ASSERT_EQ(h.rows.size(), 4u + 2u);
  const std::int64_t per = (1 << 20) / 512;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(h.rows[i].start_lba, i * per);
    EXPECT_EQ(h.rows[i].end_lba, (i + 1) * per - 1);
    EXPECT_EQ(h.rows[i].complete, i != 1) << i;
  }
  const std::int64_t bad = 1'500'000 / 512;
  EXPECT_EQ(h.rows[4].start_lba, 0);
  EXPECT_EQ(h.rows[4].end_lba, bad - 1);
  EXPECT_EQ(h.rows[5].start_lba, bad + 2);
  EXPECT_EQ(h.rows[5].end_lba, 4 * per - 1);
  EXPECT_TRUE(h.rows[4].complete && h.rows[5].complete);
  EXPECT_EQ(parse_segment_csv(format_segment_csv(h.rows)), h.rows);
}

TEST(SegmentHashes, MalformedCsvNamesTheLine) {
  const std::string header = "start_lba,end_lba,md5,sha256,complete\n";
  const std::string md5(32, 'a'), sha(64, 'b');
  EXPECT_THROW(parse_segment_csv("a,b\n"), std::runtime_error);
  EXPECT_THROW(parse_segment_csv(header + fmt::format("5,4,{},{},yes\n", md5, sha)), std::runtime_error);
  EXPECT_THROW(parse_segment_csv(header + fmt::format("0,4,{},{},maybe\n", md5, sha)), std::runtime_error);
  EXPECT_THROW(parse_segment_csv(header + fmt::format("0,4,{},{},yes\n", md5.substr(1), sha)), std::runtime_error);
  try {
    parse_segment_csv(header + fmt::format("0,4,{},{},yes\n0,4,{}\n", md5, sha, md5));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
  EXPECT_EQ(parse_segment_csv(header + fmt::format("0,4,{},{},no\n", md5, sha)).size(), 1u);
  EXPECT_THROW(parse_segment_csv(header + fmt::format("0,9223372036854775807,{},{},yes\n", md5, sha)), std::runtime_error);
}

TEST(SegmentHashes, HashCommandCsvEqualsMd5sumAndSha256sumOfDdExtractedRanges) {
  PTRESCUE_REQUIRE_TOOL("dd");
  PTRESCUE_REQUIRE_TOOL("md5sum");
  PTRESCUE_REQUIRE_TOOL("sha256sum");
  TempDir dir;
  write_file(dir.file("img"), test::random_bytes(3 * (1 << 20) + 512 * 100, 11));
  // A ddrescue mapfile: rescued but for one bad area.
  write_file(dir.file("map"), "# test\n0x00000000  +  1\n0x00000000  0x00150000  +\n0x00150000  0x00001000  -\n"
                              "0x00151000  0x001BB800  +\n");
  const auto r = run_ptrescue({"hash", "-q", dir.file("img"), "--mapfile", dir.file("map"), "--segments",
                               "--segment-hash-size", "1MiB"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto rows = read_segment_hashes(dir.file("map.hashes"));
  ASSERT_EQ(rows.size(), 4u + 2u);  // 3 whole MiB and a short last range; two runs
  for (const SegmentHash& row : rows) {
    EXPECT_EQ(row.md5, dd_sum("md5sum", dir.file("img"), row.start_lba, row.end_lba, dir.file("cut"))) << row.start_lba;
    EXPECT_EQ(row.sha256, dd_sum("sha256sum", dir.file("img"), row.start_lba, row.end_lba, dir.file("cut")))
        << row.start_lba;
  }
  EXPECT_FALSE(rows[1].complete);  // holds the bad area at 0x150000
  EXPECT_TRUE(rows[0].complete && rows[2].complete && rows[3].complete);
  EXPECT_EQ(rows[4].end_lba, 0x150000 / 512 - 1);
  EXPECT_EQ(rows[5].start_lba, 0x151000 / 512);
}

TEST(SegmentHashes, VerifyFindsAChangedImageByteInItsRange) {
  TempDir dir;
  const std::string data = test::random_bytes(4 << 20, 3);
  write_file(dir.file("source"), data);
  write_file(dir.file("img"), data);
  write_file(dir.file("map"), "0x00000000  +  1\n0x00000000  0x00400000  +\n");
  ASSERT_EQ(run_ptrescue({"hash", "-q", dir.file("img"), "-m", dir.file("map"), "--segments",
                          "--segment-hash-size", "1MiB"}).exit_code, 0);
  // One byte of range 2 (LBA 4096-6143) changes in the image.
  std::string changed = data;
  changed[2 * (1 << 20) + 12345] ^= 0x01;
  write_file(dir.file("img"), changed);
  const auto r = run_ptrescue({"verify", "--json", dir.file("source"), dir.file("img"), "--hashes", dir.file("map.hashes")});
  EXPECT_EQ(r.exit_code, 6) << r.describe();
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["ranges"].size(), 5u);  // 4 fixed ranges, 1 run
  for (int i = 0; i < 4; ++i) EXPECT_EQ(j["ranges"][i]["result"], i == 2 ? "mismatch" : "match") << i;
  EXPECT_EQ(j["ranges"][2]["start_lba"], 4096);
  EXPECT_EQ(j["ranges"][2]["image_matches"], false);
  EXPECT_EQ(j["ranges"][2]["source_matches"], true);
  EXPECT_EQ(j["ranges"][4]["result"], "mismatch");  // the one run covers it all
  EXPECT_EQ(j["counts"]["match"], 3);
  // Unchanged again: identical, exit 0.
  write_file(dir.file("img"), data);
  EXPECT_EQ(run_ptrescue({"verify", "-q", dir.file("source"), dir.file("img"), "--hashes", dir.file("map.hashes")}).exit_code, 0);
}

TEST(SegmentHashes, VerifyRefusesRangesPastTheSourceAndAMalformedFile) {
  TempDir dir;
  write_file(dir.file("source"), std::string(8 * 512, 'a'));
  write_file(dir.file("img"), std::string(8 * 512, 'a'));
  write_file(dir.file("h"), "start_lba,end_lba,md5,sha256,complete\n0,8," + std::string(32, '0') + "," +
                                std::string(64, '0') + ",yes\n");
  auto r = run_ptrescue({"verify", "-q", dir.file("source"), dir.file("img"), "--hashes", dir.file("h")});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("past the source"), std::string::npos) << r.err;
  write_file(dir.file("h"), "start_lba,end\n");
  r = run_ptrescue({"verify", "-q", dir.file("source"), dir.file("img"), "--hashes", dir.file("h")});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("line 1"), std::string::npos) << r.err;
}

TEST(SegmentHashes, ASourceFailingInOneRangeStillProvesTheOthers) {
  TempDir dir;
  const std::int64_t sectors = 3 * 256;
  write_file(dir.file("img"), pattern_image(sectors));
  MapFile map(sectors * 512);
  map.set_status(0, sectors * 512, BlockStatus::kFinished);
  const SegmentHashes h = hash_segments(dir.file("img"), map, SegmentPlan{256 * 512, 512, 0, -1}, nullptr);
  ASSERT_EQ(h.rows.size(), 3u + 1u);
  test::FakeDrive drive(static_cast<Lba>(sectors));
  drive.bad = {300};  // range 1 (LBA 256-511) no longer reads
  const SegmentVerifyResult r = verify_segments(drive, dir.file("img"), h.rows, std::chrono::seconds(1), nullptr, nullptr);
  ASSERT_EQ(r.checks.size(), 4u);
  EXPECT_EQ(r.checks[0].verdict, SegmentVerdict::kMatch);
  EXPECT_EQ(r.checks[1].verdict, SegmentVerdict::kUnreadable);
  EXPECT_EQ(r.checks[1].first_unreadable_lba, 300);
  EXPECT_TRUE(r.checks[1].image_matches);
  EXPECT_EQ(r.checks[2].verdict, SegmentVerdict::kMatch);
  EXPECT_EQ(r.checks[3].verdict, SegmentVerdict::kUnreadable);  // the whole-image run includes LBA 300
  EXPECT_FALSE(r.source_gone);
  // An image byte changed in range 2: a mismatch there and in the run over it all.
  std::string other = pattern_image(sectors);
  other[600 * 512] ^= 0x40;
  write_file(dir.file("img"), other);
  drive.bad.clear();
  const SegmentVerifyResult r2 = verify_segments(drive, dir.file("img"), h.rows, std::chrono::seconds(1), nullptr, nullptr);
  EXPECT_EQ(r2.checks[0].verdict, SegmentVerdict::kMatch);
  EXPECT_EQ(r2.checks[1].verdict, SegmentVerdict::kMatch);
  EXPECT_EQ(r2.checks[2].verdict, SegmentVerdict::kMismatch);
  EXPECT_FALSE(r2.checks[2].image_matches);
  EXPECT_EQ(r2.checks[3].verdict, SegmentVerdict::kMismatch);
}

TEST(SegmentHashes, RescueWithBadSectorsWritesRangesThatVerifyAgainstTheSimulatedSource) {
  TempDir dir;
  write_file(dir.file("drive.json"), R"({"name": "t", "capacity": "2MiB", "heads": 2, "zones": 2,
    "stripe": "256KiB", "error_latency_ms": 5, "bad_ranges": [{"start": 700, "length": 9}]})");
  const auto r = run_ptrescue({"rescue", "-q", "--segment-hash-size", "512KiB", "sim:" + dir.file("drive.json"),
                               dir.file("img"), dir.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto rows = read_segment_hashes(dir.file("map.hashes"));
  ASSERT_EQ(rows.size(), 4u + 2u);
  EXPECT_FALSE(rows[0].complete);  // LBA 0-1023 holds the bad LBAs 700-708
  EXPECT_TRUE(rows[1].complete && rows[2].complete && rows[3].complete);
  EXPECT_EQ(rows[4].end_lba, 699);
  EXPECT_EQ(rows[5].start_lba, 709);
  const auto v = run_ptrescue({"verify", "--json", "sim:" + dir.file("drive.json"), dir.file("img"), "--hashes",
                               dir.file("map.hashes")});
  const auto j = nlohmann::json::parse(v.out);
  EXPECT_EQ(v.exit_code, 0) << v.describe();
  EXPECT_EQ(j["counts"]["mismatch"], 0);
}

}  // namespace
}  // namespace ptrescue
