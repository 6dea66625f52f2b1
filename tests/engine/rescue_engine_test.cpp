// SPDX-License-Identifier: GPL-3.0-or-later
// The rescue algorithm against an in-test drive: what ends up in the map and
// the image, how many commands each sector costs, resumption, and stops.
#include "src/engine/rescue_engine.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "support/fake_drive.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::FakeDrive;

constexpr std::int64_t kSs = 512;

class EngineTest : public ::testing::Test {
 protected:
  struct Run {
    RunEnd end;
    MapFile map;
    int saves = 0;
    std::int64_t commands = 0;
  };

  // Runs the engine over the whole drive (or `domain`), resuming from `map`.
  Run run(FakeDrive& drive, MapFile map, RescueOptions opt = {},
          std::optional<Domain> domain = std::nullopt, int stop_after_reads = -1) {
    const std::int64_t size = static_cast<std::int64_t>(drive.identity().capacity_bytes());
    if (map.end_pos() == 0) map = MapFile(size);
    const Domain d = domain ? *domain : Domain(0, std::min(size, map.end_pos()));
    ImageFile image(image_path(), ImageFileOptions{});
    Run result{RunEnd::kFinished, MapFile(), 0, 0};
    std::atomic<bool> stop{false};
    struct StopAfter : RescueObserver {
      int left;
      std::atomic<bool>* stop;
      void on_read(const ReadEvent&) override {
        if (left >= 0 && --left < 0) stop->store(true);
      }
    } observer;
    observer.left = stop_after_reads;
    observer.stop = &stop;
    opt.mapfile_interval = std::chrono::milliseconds(0);
    RescueEngine engine(drive, image, map, d, opt,
                        [&](const MapFile& m) {
                          saved_ = m.serialize({});
                          ++result.saves;
                        },
                        observer, stop);
    result.end = engine.run();
    result.map = map;
    result.commands = engine.read_commands();
    return result;
  }

  std::string image_path() const { return dir_.file("image"); }

  std::vector<std::byte> image_bytes() const {
    std::ifstream in(image_path(), std::ios::binary);
    std::vector<char> v((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(v.size());
    if (!v.empty()) std::memcpy(out.data(), v.data(), v.size());
    return out;
  }

  // Every '+' byte of the map holds the drive's data; every bad sector of
  // the drive is '-' and every other sector '+'.
  void expect_exact_result(const FakeDrive& drive, const MapFile& map) {
    const auto img = image_bytes();
    const Lba n = drive.identity().capacity_sectors;
    for (Lba l = 0; l < n; ++l) {
      const auto st = map.status_at(static_cast<std::int64_t>(l) * kSs);
      if (drive.bad.count(l)) {
        EXPECT_EQ(st, BlockStatus::kBadSector) << "lba " << l;
        continue;
      }
      ASSERT_EQ(st, BlockStatus::kFinished) << "lba " << l;
      ASSERT_GE(img.size(), (l + 1) * kSs);
      for (std::size_t i = 0; i < kSs; ++i)
        ASSERT_EQ(img[l * kSs + i], test::pattern_byte(l, i)) << "lba " << l << " byte " << i;
    }
  }

  test::TempDir dir_;
  std::string saved_;
};

TEST_F(EngineTest, HealthyDriveIsCopiedWholeInClusters) {
  FakeDrive drive(4096);
  RescueOptions opt;
  opt.cluster_sectors = 128;
  auto r = run(drive, MapFile(), opt);
  EXPECT_EQ(r.end, RunEnd::kFinished);
  expect_exact_result(drive, r.map);
  // The first read is -c sectors; a healthy stretch then reads more per
  // command, never beyond the drive's transfer limit.
  ASSERT_FALSE(drive.log.empty());
  EXPECT_EQ(drive.log.front().second, 128u);
  EXPECT_LT(r.commands, 4096 / 128);
  for (auto [lba, n] : drive.log) EXPECT_LE(n, drive.identity().max_transfer_sectors);
  EXPECT_EQ(r.map.block_count(), 1u);
  EXPECT_EQ(r.map.cursor().phase, Phase::kFinished);
  EXPECT_NE(saved_.find("+"), std::string::npos);
}

TEST_F(EngineTest, ScatteredBadSectorsEndExactlyBadWithPreciseDrive) {
  FakeDrive drive(8192);
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) drive.bad.insert(rng() % 8192);
  auto r = run(drive, MapFile());
  EXPECT_EQ(r.end, RunEnd::kFinished);
  expect_exact_result(drive, r.map);
  // ddrescue's promise: before retry passes, each sector is tried at most twice.
  for (const auto& [lba, n] : drive.attempts) EXPECT_LE(n, 2) << "lba " << lba;
}

TEST_F(EngineTest, ScatteredBadSectorsEndExactlyBadWithoutFailingLba) {
  FakeDrive drive(8192);
  drive.precise = false;
  std::mt19937 rng(11);
  for (int i = 0; i < 40; ++i) drive.bad.insert(rng() % 8192);
  auto r = run(drive, MapFile());
  expect_exact_result(drive, r.map);
  for (const auto& [lba, n] : drive.attempts) EXPECT_LE(n, 2) << "lba " << lba;
}

TEST_F(EngineTest, FailingLbaSavesCommands) {
  // One bad sector in the middle of a cluster: the precise drive needs the
  // failed read, the re-read of the part before it and the trim of the part
  // after it; sector-by-sector trimming needs a command per sector.
  FakeDrive precise(1024), blind(1024);
  precise.bad = blind.bad = {300};
  blind.precise = false;
  auto a = run(precise, MapFile());
  auto b = run(blind, MapFile());
  expect_exact_result(precise, a.map);
  EXPECT_LT(a.commands * 4, b.commands) << a.commands << " vs " << b.commands;
}

TEST_F(EngineTest, BlindDriveGoesBackToClusterReadsAfterAnError) {
  // Without a named failing sector a big failed read means a big area to
  // trim sector by sector, so after the first error reads stay at -c.
  FakeDrive drive(16384);
  drive.precise = false;
  drive.bad = {2000};
  auto r = run(drive, MapFile());
  expect_exact_result(drive, r.map);
  bool after_error = false;
  for (auto [lba, n] : drive.log) {
    if (after_error) {
      EXPECT_LE(n, 128u) << "lba " << lba;
    }
    if (lba <= 2000 && 2000 < lba + n) after_error = true;
  }
  EXPECT_TRUE(after_error);
}

TEST_F(EngineTest, LargeBadAreaIsDelimitedAndScraped) {
  FakeDrive drive(16384);
  for (Lba l = 5000; l < 5600; ++l) drive.bad.insert(l);
  for (Lba l = 9000; l < 9003; ++l) drive.bad.insert(l);
  auto r = run(drive, MapFile());
  expect_exact_result(drive, r.map);
  EXPECT_EQ(r.map.totals().bad_areas, 2);
  EXPECT_EQ(r.map.totals().bad_sector, 603 * kSs);
}

TEST_F(EngineTest, SkipGrowsOnConsecutiveErrorsInFirstPass) {
  FakeDrive drive(65536);
  drive.precise = false;
  for (Lba l = 10000; l < 30000; ++l) drive.bad.insert(l);
  RescueOptions opt;
  opt.no_scrape = true;
  opt.skip_max = 64 << 20;
  auto r = run(drive, MapFile(), opt);
  // Collect the first pass's failed reads: gaps between them must grow.
  std::vector<Lba> failed;
  for (auto [lba, n] : drive.log) {
    if (n != 128) continue;
    if (lba >= 10000 - 127 && lba < 30000 && failed.size() < 6) failed.push_back(lba);
  }
  ASSERT_GE(failed.size(), 4u);
  for (std::size_t i = 2; i < failed.size(); ++i)
    EXPECT_GT(failed[i] - failed[i - 1], failed[i - 1] - failed[i - 2]);
  // Without scraping the middle of the area is left non-scraped, never '+'.
  EXPECT_EQ(r.map.status_at(20000 * kSs), BlockStatus::kNonScraped);
}

TEST_F(EngineTest, NoTrimAndNoScrapeIssueNoCommandsOfThosePhases) {
  FakeDrive drive(4096);
  drive.precise = false;
  drive.bad = {1000, 1001, 3000};
  RescueOptions opt;
  opt.no_trim = true;
  opt.no_scrape = true;
  auto r = run(drive, MapFile(), opt);
  for (auto [lba, n] : drive.log) EXPECT_GT(n, 1u) << "single-sector read at " << lba;
  EXPECT_GT(r.map.totals().non_trimmed, 0);
  EXPECT_EQ(r.map.totals().bad_sector, 0);
}

TEST_F(EngineTest, RetryPassRescuesWeakSector) {
  FakeDrive drive(2048);
  drive.weak[700] = 1;  // fails once (named by the drive: marked bad), then reads
  RescueOptions opt;
  auto r1 = run(drive, MapFile(), opt);
  EXPECT_EQ(r1.map.status_at(700 * kSs), BlockStatus::kBadSector);
  opt.retry_passes = 1;
  auto r2 = run(drive, r1.map, opt);
  EXPECT_EQ(r2.map.status_at(700 * kSs), BlockStatus::kFinished);
  expect_exact_result(drive, r2.map);
}

TEST_F(EngineTest, DomainLimitsEveryRead) {
  FakeDrive drive(8192);
  drive.bad = {10, 5000};
  const Domain d(1024 * kSs, 2048 * kSs);
  auto r = run(drive, MapFile(), {}, d);
  for (auto [lba, n] : drive.log) {
    EXPECT_GE(lba, 1024u);
    EXPECT_LE(lba + n, 3072u);
  }
  EXPECT_EQ(r.map.totals().finished, 2048 * kSs);
  EXPECT_EQ(r.map.status_at(0), BlockStatus::kNonTried);
}

TEST_F(EngineTest, ReverseReadsBackwards) {
  FakeDrive drive(1024);
  RescueOptions opt;
  opt.reverse = true;
  auto r = run(drive, MapFile(), opt);
  ASSERT_GE(drive.log.size(), 2u);
  EXPECT_GT(drive.log[0].first, drive.log[1].first);
  expect_exact_result(drive, r.map);
}

TEST_F(EngineTest, StoppedRunsResumeToTheSameResult) {
  std::set<Lba> bad;
  std::mt19937 rng(3);
  for (int i = 0; i < 30; ++i) bad.insert(rng() % 6000);
  for (Lba l = 3000; l < 3300; ++l) bad.insert(l);
  FakeDrive ref_drive(6000);
  ref_drive.bad = bad;
  const MapFile reference = run(ref_drive, MapFile()).map;
  saved_.clear();

  for (int stop_after : {1, 5, 17, 40, 77, 150, 333}) {
    FakeDrive drive(6000);
    drive.bad = bad;
    std::filesystem::remove(image_path());
    MapFile map;
    int runs = 0;
    RunEnd end = RunEnd::kInterrupted;
    while (end == RunEnd::kInterrupted) {
      ASSERT_LT(++runs, 5000);
      // Resume from what was saved, as a new process would.
      map = saved_.empty() ? MapFile() : MapFile::parse(saved_);
      auto r = run(drive, map, {}, std::nullopt, stop_after);
      end = r.end;
    }
    const MapFile final_map = MapFile::parse(saved_);
    EXPECT_EQ(final_map.blocks(), reference.blocks()) << "stop after " << stop_after;
    expect_exact_result(drive, final_map);
    saved_.clear();
  }
}

TEST_F(EngineTest, HangIsResetAndRescueContinues) {
  FakeDrive drive(2048);
  drive.hang = {1500};
  drive.reset_fails = 1;  // the first rung of the ladder fails
  auto r = run(drive, MapFile());
  EXPECT_EQ(r.end, RunEnd::kFinished);
  EXPECT_GE(drive.resets, 2);
  EXPECT_EQ(r.map.status_at(1500 * kSs), BlockStatus::kBadSector);
  EXPECT_EQ(r.map.status_at(1499 * kSs), BlockStatus::kFinished);
  EXPECT_EQ(r.map.status_at(1501 * kSs), BlockStatus::kFinished);
}

TEST_F(EngineTest, DeadDriveStopsTheRunWithTheMapSaved) {
  FakeDrive drive(8192);
  for (Lba l = 100; l < 8000; l += 500) drive.bad.insert(l);
  drive.die_after_errors = 3;
  auto r = run(drive, MapFile());
  EXPECT_EQ(r.end, RunEnd::kDeviceGone);
  const MapFile saved = MapFile::parse(saved_);
  EXPECT_EQ(saved.blocks(), r.map.blocks());
  EXPECT_GT(saved.totals().non_tried, 0);  // nothing was marked for reads that never happened
}

TEST_F(EngineTest, VanishedDriveBroughtBackByPowerCycleIsReadAgain) {
  FakeDrive drive(4096);
  drive.bad = {3000};
  drive.vanish_at_command = 5;
  RescueOptions opt;
  opt.reset_ladder = {ResetKind::kSoft, ResetKind::kPowerCycle};
  auto r = run(drive, MapFile(), opt);
  EXPECT_EQ(r.end, RunEnd::kFinished);
  expect_exact_result(drive, r.map);
  // The read that found the drive gone was issued again after the cycle.
  ASSERT_GT(drive.log.size(), 6u);
  EXPECT_EQ(drive.log[5], drive.log[6]);
}

// A pulled cable: a few commands abort before the drive is found gone. Once
// it is back, what those commands marked is undone and read again, so the
// only bad sector left is the drive's own, in whichever phase the pull came.
TEST_F(EngineTest, ReadsThatFailedAsTheDriveLeftAreReadAgainWhenItComesBack) {
  RescueOptions opt;
  opt.reset_ladder = {ResetKind::kSoft, ResetKind::kPowerCycle};
  auto set_up = [](FakeDrive& d) {
    d.bad = {3000, 3001};
    d.precise = false;  // trimming and scraping go sector by sector
  };
  FakeDrive dry(4096);
  set_up(dry);
  ASSERT_EQ(run(dry, MapFile(), opt).end, RunEnd::kFinished);
  std::vector<std::size_t> single;  // the trimming and scraping reads, in order
  for (std::size_t i = 0; i < dry.log.size(); ++i)
    if (dry.log[i].second == 1) single.push_back(i);
  ASSERT_GT(single.size(), 8u);
  for (std::size_t at : {single[1], single[single.size() / 2], single[single.size() - 6]}) {
    ASSERT_LT(at + 3, dry.log.size());  // the drive is found gone before the run ends
    SCOPED_TRACE(testing::Message() << "pulled at command " << at << " of " << dry.log.size());
    FakeDrive drive(4096);
    set_up(drive);
    drive.vanish_at_command = static_cast<int>(at) + 3;
    drive.aborts_before_vanishing = 3;
    auto r = run(drive, MapFile(), opt);
    EXPECT_EQ(r.end, RunEnd::kFinished);
    expect_exact_result(drive, r.map);
  }
}

// ddrescue 1.30's -K default: the first skip after an error is the source's
// size / 32768 (at least 64 KiB): 256 KiB on an 8 GiB source, whatever the
// domain (the run reads only its first 8 MiB here).
TEST_F(EngineTest, TheFirstSkipIsAThirtyTwoThousandthOfTheSource) {
  EXPECT_EQ(default_skip_initial(1 << 30), 64 << 10);
  EXPECT_EQ(default_skip_initial(std::int64_t{8} << 30), 256 << 10);
  EXPECT_EQ(default_skip_initial((std::int64_t{8} << 30) + 1), 256 << 10);
  EXPECT_EQ(default_skip_initial(std::int64_t{9} << 30), 320 << 10);  // rounded up to 64 KiB
  FakeDrive drive(Lba{16} << 20);  // 8 GiB
  drive.bad = {2048};
  auto r = run(drive, MapFile(), {}, Domain(0, 8 << 20));
  ASSERT_EQ(r.end, RunEnd::kFinished);
  std::size_t failed = 0;
  while (failed < drive.log.size() && !(drive.log[failed].first <= 2048 &&
                                         2048 < drive.log[failed].first + drive.log[failed].second))
    ++failed;
  ASSERT_LT(failed, drive.log.size());
  const Lba end = drive.log[failed].first + drive.log[failed].second;
  auto next = std::find_if(drive.log.begin() + static_cast<std::ptrdiff_t>(failed) + 1, drive.log.end(),
                           [&](const auto& read) { return read.first >= end; });
  ASSERT_NE(next, drive.log.end());
  EXPECT_EQ(next->first, end + (256 << 10) / kSs);
}

// -J: a bridge that returns stale bytes after an error is caught by the
// re-read of the latest good sector, before a wrong byte is marked rescued.
TEST_F(EngineTest, CheckOnErrorStopsADriveThatReturnsOtherBytesAfterAnError) {
  RescueOptions opt;
  opt.check_on_error = true;
  FakeDrive drive(4096);
  drive.bad = {1000};
  drive.stale_after_error = true;
  auto r = run(drive, MapFile(), opt);
  EXPECT_EQ(r.end, RunEnd::kDdrescueLimit);
  const auto img = image_bytes();
  for (const MapBlock& b : r.map.blocks()) {
    if (b.status != BlockStatus::kFinished) continue;
    for (std::int64_t p = b.pos; p < b.end(); ++p)
      ASSERT_EQ(img[static_cast<std::size_t>(p)], test::pattern_byte(static_cast<Lba>(p / kSs), static_cast<std::size_t>(p % kSs)))
          << "byte " << p;
  }
  EXPECT_GT(r.map.totals().non_tried, 0);  // it stopped at once
  // Without -J the same drive puts its stale bytes in the image as rescued.
  FakeDrive liar(4096);
  liar.bad = {1000};
  liar.stale_after_error = true;
  auto plain = run(liar, MapFile());
  EXPECT_EQ(plain.end, RunEnd::kFinished);
  EXPECT_NE(image_bytes()[4000 * kSs], test::pattern_byte(4000, 0));
}

TEST_F(EngineTest, VanishedDriveWithoutPowerCycleEndsTheRun) {
  FakeDrive drive(4096);
  drive.vanish_at_command = 5;
  auto r = run(drive, MapFile());  // default ladder: no power cycle
  EXPECT_EQ(r.end, RunEnd::kDeviceGone);
  EXPECT_GT(r.map.totals().non_tried, 0);
}

TEST_F(EngineTest, MaxBadAreasStops) {
  FakeDrive drive(8192);
  for (Lba l = 100; l < 8000; l += 300) drive.bad.insert(l);
  RescueOptions opt;
  opt.max_bad_areas = 3;
  auto r = run(drive, MapFile(), opt);
  EXPECT_EQ(r.end, RunEnd::kTooManyBadAreas);
  EXPECT_EQ(r.map.totals().bad_areas, 4);
}

TEST_F(EngineTest, TryAgainTurnsFailedAreasBackToNonTried) {
  FakeDrive drive(4096);
  drive.precise = false;
  drive.bad = {2000};
  RescueOptions opt;
  opt.no_trim = opt.no_scrape = true;
  auto r1 = run(drive, MapFile(), opt);
  ASSERT_GT(r1.map.totals().non_trimmed, 0);
  drive.bad.clear();
  opt.no_trim = opt.no_scrape = false;
  opt.try_again = true;
  auto r2 = run(drive, r1.map, opt);
  EXPECT_EQ(r2.map.totals().finished, 4096 * kSs);
}

TEST_F(EngineTest, PartialLastSectorOfAFileSizedSourceIsCopied) {
  // A source whose size is not a whole number of sectors: the map covers the
  // exact size and the last read delivers the tail.
  FakeDrive drive(10);
  MapFile map(9 * kSs + 100);
  auto r = run(drive, map);
  EXPECT_EQ(r.map.totals().finished, 9 * kSs + 100);
  EXPECT_EQ(image_bytes().size(), static_cast<std::size_t>(9 * kSs + 100));
}

}  // namespace
}  // namespace ptrescue
