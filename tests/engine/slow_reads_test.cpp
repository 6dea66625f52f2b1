// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue's slow reads on `ptrescue rescue` (-a/--min-read-rate,
// --delay-slow, --max-slow-reads, --reset-slow), as ddrescue 1.30's manual
// describes them: a second whose rescue rate is below -a is a slow read;
// copying passes 1 and 2 skip ahead on one and a later pass reads what was
// skipped; more than --max-slow-reads of them stop the run (exit 1);
// --reset-slow zeroes the count at a second at or above -a; nothing is
// counted before --delay-slow (default 30 s). The drive is simulated, so the
// seconds are its virtual clock's and every run is the same.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::ProcessResult;
using test::read_file;
using test::run_ptrescue;
using test::TempDir;
using test::write_file;

class SlowReads : public ::testing::Test {
 protected:
  void SetUp() override {
    // 64 MiB at 20 MB/s (about 3.4 s), with two single sectors whose
    // reads take 5 s more, at 16 MiB and at 40 MiB.
    write_file(dir_.file("drive.json"), R"({"name": "slow-spots", "capacity": "64MiB", "heads": 1, "zones": 1,
      "rate_outer_mbps": 20, "rate_inner_mbps": 20,
      "slow_ranges": [{"start": 32768, "length": 1, "extra_ms": 5000}, {"start": 81920, "length": 1, "extra_ms": 5000}]})");
  }

  ProcessResult rescue(const std::vector<std::string>& extra) {
    std::vector<std::string> args{"rescue", "-q", "--head-map", "none", "--smart", "off", "--log-reads",
                                  dir_.file("reads")};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const char* f : {"img", "map", "reads"}) std::filesystem::remove(dir_.file(f));
    args.insert(args.end(), {"sim:" + dir_.file("drive.json"), dir_.file("img"), dir_.file("map")});
    return run_ptrescue(args);
  }
  MapTotals totals() { return MapFile::parse(read_file(dir_.file("map"))).totals(); }
  bool read_in_a_later_pass() {
    const std::string log = read_file(dir_.file("reads"));
    const auto later = log.find("Copying non-tried blocks... Pass 2");
    return later != std::string::npos && log.find("\n0x", later) != std::string::npos;
  }

  TempDir dir_;
};

TEST_F(SlowReads, WithoutMinimumRateOnePassReadsAll) {
  const ProcessResult r = rescue({});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(totals().finished, 64 << 20);
  EXPECT_FALSE(read_in_a_later_pass()) << read_file(dir_.file("reads"));
}

TEST_F(SlowReads, SlowAreasAreSkippedAndReadLater) {
  const ProcessResult r = rescue({"-a", "10M", "--delay-slow", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(totals().finished, 64 << 20);
  EXPECT_TRUE(read_in_a_later_pass()) << read_file(dir_.file("reads"));
}

// 1.30: -O reopens the source after a slow read of passes 1 and 2 as after
// a failed one (the simulated drive has no node to reopen: the log says so).
TEST_F(SlowReads, ReopenOnErrorAlsoFollowsASlowRead) {
  auto reopens = [&] {
    const std::string log = read_file(dir_.file("reads"));
    int n = 0;
    for (std::size_t at = log.find("# reopen"); at != std::string::npos; at = log.find("# reopen", at + 1)) ++n;
    return n;
  };
  ProcessResult r = rescue({"-a", "10M", "--delay-slow", "0", "-O"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  // At least one for each slow sector, none for the pass 3 that reads what was skipped.
  const std::string log = read_file(dir_.file("reads"));
  EXPECT_GE(reopens(), 2) << log;
  const auto pass3 = log.find("Pass 3");
  if (pass3 != std::string::npos) EXPECT_EQ(log.find("# reopen", pass3), std::string::npos) << log;
  r = rescue({"-a", "10M", "--delay-slow", "0"});  // slow reads without -O
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(reopens(), 0);
  r = rescue({"-O"});  // nothing slow, nothing failed
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(reopens(), 0);
}

TEST_F(SlowReads, NothingIsSlowBeforeTheDelay) {
  const ProcessResult r = rescue({"-a", "10M", "--max-slow-reads", "0"});  // --delay-slow 30s: longer than the run
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(read_in_a_later_pass()) << read_file(dir_.file("reads"));
}

TEST_F(SlowReads, TooManySlowReadsStopWithExitOne) {
  const ProcessResult r = rescue({"-a", "10M", "--delay-slow", "0", "--max-slow-reads", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("more than 1 slow reads (--max-slow-reads); the mapfile is saved"), std::string::npos) << r.err;
  EXPECT_GT(totals().non_tried, 0);
  // The saved mapfile resumes (without the limit) to the end.
  const ProcessResult resumed = run_ptrescue({"rescue", "-q", "--head-map", "none", "--smart", "off",
                                              "sim:" + dir_.file("drive.json"), dir_.file("img"), dir_.file("map")});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.describe();
  EXPECT_EQ(totals().finished, 64 << 20);
}

// Each slow sector makes two slow seconds in a row (the one its read ends
// in, and the next, measured from there), with fast ones between the two
// sectors: four slow reads in all, but never more than two in a row.
TEST_F(SlowReads, ResetSlowCountsOnlySlowSecondsInARow) {
  const ProcessResult counted = rescue({"-a", "10M", "--delay-slow", "0", "--max-slow-reads", "2"});
  EXPECT_EQ(counted.exit_code, 1) << counted.describe();
  const ProcessResult reset = rescue({"-a", "10M", "--delay-slow", "0", "--max-slow-reads", "2", "--reset-slow"});
  ASSERT_EQ(reset.exit_code, 0) << reset.describe();
  EXPECT_EQ(totals().finished, 64 << 20);
}

TEST_F(SlowReads, BadValuesAreRefused) {
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"-a", "1K"}, {"-a", "-1"}, {"--max-slow-reads", "x"}, {"--delay-slow", "-1"}}) {
    const ProcessResult r = rescue(bad);
    EXPECT_EQ(r.exit_code, 1) << bad[0] << " " << bad[1] << "\n" << r.describe();
  }
}

}  // namespace
}  // namespace ptrescue
