// SPDX-License-Identifier: GPL-3.0-or-later
// MAPFILE.acquisition.log: after a simulated rescue with bad sectors it
// names the bad areas exactly as the mapfile has them (the mapfile, parsed
// here, is the oracle), a resume appends a second session below the first,
// `ptrescue report` shows it, and no other path of the run may be it.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "src/engine/acquisition_log.h"
#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::read_file;
using test::run_ptrescue;
using test::TempDir;
using test::write_file;

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

class AcquisitionLogRun : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_.file("drive.json"), R"({"name": "t", "capacity": "2MiB", "heads": 2, "zones": 2,
      "stripe": "256KiB", "error_latency_ms": 5,
      "bad_ranges": [{"start": 700, "length": 9}, {"start": 2000, "length": 1}, {"start": 4090, "length": 6}]})");
  }
  test::ProcessResult rescue(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"rescue", "-q", "sim:" + dir_.file("drive.json"), dir_.file("img"), dir_.file("map")};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_ptrescue(args);
  }
  std::string log() const { return read_file(dir_.file("map.acquisition.log")); }
  TempDir dir_;
};

TEST_F(AcquisitionLogRun, NamesTheBadAreasExactlyAsTheMapfileHasThem) {
  const auto r = rescue({"--hash", "sha256", "--segment-hash-size", "1MiB"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string text = log();
  const MapFile map = MapFile::parse(read_file(dir_.file("map")));
  std::size_t bad_blocks = 0;
  map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kBadSector) return;
    ++bad_blocks;
    const std::string line = fmt::format("0x{:08X}  0x{:08X}  -   LBA {}-{}", b.pos, b.size, b.pos / 512,
                                         b.end() / 512 - 1);
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  });
  EXPECT_EQ(bad_blocks, 3u);
  EXPECT_EQ(count_of(text, "  -   LBA "), bad_blocks);
  EXPECT_NE(text.find(fmt::format("bad sectors: {} bytes = 16 sectors", 16 * 512)), std::string::npos) << text;
  for (const char* field : {"Tool:", "ptrescue ", "Command line:", "Host:", "Start time (UTC):", "Model:",
                            "Serial number:", "Firmware:", "Capacity:", "2097152 bytes", "Sector size:",
                            "Image:", "Pass: ", "started ", "ended ", "SMART", "Hashes", "SHA256 ",
                            "by ranges: 5 ranges (3 complete)", "Outcome:", "finished", "End time (UTC):",
                            "===== end of session ====="})
    EXPECT_NE(text.find(field), std::string::npos) << field << "\n" << text;
  EXPECT_EQ(count_of(text, "===== ptrescue acquisition session (new) ====="), 1u);
  // `ptrescue report` carries it.
  const auto report = run_ptrescue({"report", dir_.file("map")});
  ASSERT_EQ(report.exit_code, 0) << report.describe();
  EXPECT_NE(report.out.find("Acquisition log (" + dir_.file("map.acquisition.log") + "):"), std::string::npos);
  EXPECT_NE(report.out.find(fmt::format("0x{:08X}  0x{:08X}  -", 700 * 512, 9 * 512)), std::string::npos) << report.out;
}

TEST_F(AcquisitionLogRun, AResumeAppendsASecondSession) {
  // -e 0: the first run stops at its first bad area.
  const auto first = rescue({"-e", "0"});
  ASSERT_EQ(first.exit_code, 1) << first.describe();  // -e exits 1, as ddrescue
  const std::string after_first = log();
  EXPECT_EQ(count_of(after_first, "===== end of session ====="), 1u);
  EXPECT_NE(after_first.find("stopped: too many bad areas"), std::string::npos) << after_first;
  const auto second = rescue();
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  const std::string text = log();
  EXPECT_EQ(text.rfind(after_first, 0), 0u) << "the first session must stay as it was";
  EXPECT_EQ(count_of(text, "===== ptrescue acquisition session (new) ====="), 1u);
  EXPECT_EQ(count_of(text, "===== ptrescue acquisition session (resumed) ====="), 1u);
  EXPECT_EQ(count_of(text, "===== end of session ====="), 2u);
  EXPECT_NE(text.find("finished", after_first.size()), std::string::npos);
}

TEST(AcquisitionLog, BadAreaListIsCappedAndSaysHowManyMore) {
  MapFile map(1 << 20);
  map.set_status(0, 1 << 20, BlockStatus::kFinished);
  for (int i = 0; i < 7; ++i) map.set_status(i * 4096, 512, BlockStatus::kBadSector);
  const auto lines = bad_area_lines(map, 512, 5);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], "0x00000000  0x00000200  -   LBA 0-0 (1 sector)");
  EXPECT_EQ(lines[5], "... and 2 more bad areas (the mapfile lists them all)");
}

TEST(AcquisitionLog, NoOtherPathOfTheRunMayBeTheLog) {
  TempDir dir;
  write_file(dir.file("src"), std::string(64 * 512, 'x'));
  const auto r = run_ptrescue({"rescue", "-q", dir.file("src"), dir.file("img"), dir.file("map"), "--log-reads",
                               dir.file("map.acquisition.log")});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("acquisition log"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ptrescue
