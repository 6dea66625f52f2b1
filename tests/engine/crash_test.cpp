// SPDX-License-Identifier: GPL-3.0-or-later
// SIGKILL at random moments: `ptrescue rescue` of a simulated failing drive
// is killed 50 times (seeded; the seed is printed, PTRESCUE_CRASH_SEED
// replays it) and resumed each time with the same command until a run
// finishes. At every kill the mapfile on disk must parse (never torn), must
// keep everything earlier kills saw rescued, must mark bad only truly bad
// sectors, and every byte it calls rescued must already be in the image
// (data before map; bytes checked at an earlier kill are not read again).
// At the end of each rescue the whole image is checked byte for byte and
// the map against the simulator's truth.
//
// SIGKILL leaves the page cache intact, so this proves the order of writes
// (image data before the mapfile that claims it) and the atomic replacement
// of the mapfile, not the fdatasync itself (that needs a power cut).
//
// The kills come in rounds: each round is a rescue from scratch killed at
// moments spread over one uninterrupted run's wall time, so that kills land
// in every phase (copying, trimming, scraping, retrying, finishing) whatever
// the machine's speed.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"
#include "transport/sim/sim_pattern.h"
#include "transport/sim/sim_physics.h"
#include "transport/sim/sim_profile.h"

namespace ptrescue {
namespace {

using test::read_file;
using test::Process;
using test::ProcessResult;
using test::TempDir;
using Clock = std::chrono::steady_clock;

constexpr int kKills = 50;

// A failing drive on which every phase has work: a weak head with many bad
// clusters (trimming, scraping), scattered bad sectors and clusters, a bad
// range and a slow spot. Sized for about 1 s of wall time under ASan.
constexpr const char* kProfile = R"({
  "name": "crash-test", "seed": 4242, "capacity": "128MiB",
  "heads": 4, "zones": 4, "stripe": "1MiB",
  "weak_heads": [{ "head": 1, "extra_latency_ms": 20, "bad_fraction": 0.15, "cluster": "4KiB" }],
  "bad_clusters": [{ "count": 550, "length": 1 }, { "count": 95, "length": 8 }, { "count": 5, "length": 256 }],
  "bad_ranges": [{ "start": 70000, "length": 300 }],
  "slow_ranges": [{ "start": 20000, "length": 8, "extra_ms": 400 }]
})";

bool exists(const std::string& path) { return std::filesystem::exists(path); }

MapFile sim_truth(const SimPhysics& physics) {
  const SimProfile& p = physics.profile();
  const std::int64_t ss = p.logical_sector_size;
  const Lba cap = p.capacity_sectors;
  MapFile m(static_cast<std::int64_t>(cap) * ss);
  m.set_status(0, m.end_pos(), BlockStatus::kFinished);
  Lba lba = 0;
  while (const auto bad = physics.first_bad_in(lba, cap)) {
    Lba end = *bad + 1;
    while (end < cap && physics.is_bad(end)) ++end;
    m.set_status(static_cast<std::int64_t>(*bad) * ss, static_cast<std::int64_t>(end - *bad) * ss,
                 BlockStatus::kBadSector);
    lba = end;
  }
  for (const SimRange& h : p.hang_ranges)
    m.set_status(static_cast<std::int64_t>(h.start) * ss, static_cast<std::int64_t>(h.length) * ss,
                 BlockStatus::kBadSector);
  return m;
}

// Whether all of [pos, pos + size) has `status` in `m` (maximal blocks: one
// block covers it).
bool all_of(const MapFile& m, std::int64_t pos, std::int64_t size, BlockStatus status) {
  const MapBlock b = m.block_at(pos);
  return b.status == status && b.end() >= pos + size;
}

class Checker {
 public:
  Checker(const std::string& image_path, std::uint64_t seed, std::uint32_t ss, const MapFile& truth)
      : image_path_(image_path), seed_(seed), ss_(ss), truth_(truth) {}

  // The first byte of [pos, end) of the image that does not hold the drive's
  // data (a short image counts as a mismatch), or nullopt. The range need
  // not be sector-aligned: whole sectors are compared over its bytes only.
  std::optional<std::int64_t> mismatch(std::int64_t pos, std::int64_t end) {
    std::ifstream img(image_path_, std::ios::binary);
    const std::int64_t ss = ss_;
    while (pos < end) {
      const std::int64_t first = pos / ss * ss;
      const std::int64_t last = std::min<std::int64_t>((end + ss - 1) / ss * ss, first + (8 << 20));
      const std::int64_t stop = std::min(end, last);
      buf_.assign(static_cast<std::size_t>(last - first), 0);
      want_.resize(buf_.size());
      img.clear();
      img.seekg(first);
      img.read(buf_.data(), last - first);
      if (first + img.gcount() < stop) return std::max(pos, first + img.gcount());
      fill_sectors_pattern(seed_, static_cast<Lba>(first / ss), ss_,
                           std::span<std::byte>(reinterpret_cast<std::byte*>(want_.data()), want_.size()));
      const auto from = static_cast<std::size_t>(pos - first), to = static_cast<std::size_t>(stop - first);
      if (std::memcmp(buf_.data() + from, want_.data() + from, to - from) != 0)
        for (std::size_t i = from; i < to; ++i)
          if (buf_[i] != want_[i]) return first + static_cast<std::int64_t>(i);
      pos = stop;
    }
    return std::nullopt;
  }

  // Every '+' byte of `map` is in the image. With `verified` (whose '+'
  // bytes were checked at an earlier kill) only the bytes new since are
  // read, and they join `verified`: the engine never writes a rescued area
  // again, and the full check at the end of a round would catch it if it did.
  ::testing::AssertionResult rescued_bytes_in_image(const MapFile& map, MapFile* verified = nullptr) {
    std::optional<std::int64_t> bad;
    map.for_each([&](const MapBlock& b) {
      if (bad || b.status != BlockStatus::kFinished) return;
      if (verified == nullptr) {
        bad = mismatch(b.pos, b.end());
        return;
      }
      for (std::int64_t p = b.pos; p < b.end() && !bad;) {
        const auto todo = verified->find_forward(p, BlockStatus::kNonTried);
        if (!todo || todo->pos >= b.end()) break;
        const Extent e{std::max(p, todo->pos), std::min(b.end(), todo->end()) - std::max(p, todo->pos)};
        bad = mismatch(e.pos, e.end());
        verified->set_status(e, BlockStatus::kFinished);
        p = e.end();
      }
    });
    if (!bad) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "image byte " << *bad << " (sector " << *bad / ss_
                                         << ") is marked rescued in the mapfile but the image lacks its data";
  }

  // Every '-' of `map` is truly unreadable.
  ::testing::AssertionResult only_bad_sectors_marked_bad(const MapFile& map) {
    std::optional<MapBlock> wrong;
    map.for_each([&](const MapBlock& b) {
      if (!wrong && b.status == BlockStatus::kBadSector && !all_of(truth_, b.pos, b.size, BlockStatus::kBadSector))
        wrong = b;
    });
    if (!wrong) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "bytes " << wrong->pos << "+" << wrong->size
                                         << " are marked bad but not all of them are";
  }

 private:
  std::string image_path_;
  std::uint64_t seed_;
  std::uint32_t ss_;
  const MapFile& truth_;
  std::vector<char> buf_;
  std::vector<char> want_;
};

std::uint64_t crash_seed() {
  if (const char* s = std::getenv("PTRESCUE_CRASH_SEED"); s != nullptr && *s != '\0')
    return std::strtoull(s, nullptr, 0);
  return std::random_device{}();
}

TEST(CrashTest, SigkillAtFiftyRandomMomentsLosesNothing) {
  const std::uint64_t seed = crash_seed();
  std::cout << "[ seed ] PTRESCUE_CRASH_SEED=" << seed << " replays this run's kill moments\n";
  RecordProperty("crash_seed", std::to_string(seed));
  std::mt19937_64 rng(seed);

  TempDir dir;
  const std::string profile_path = dir.file("crash-test.json");
  std::ofstream(profile_path) << kProfile;
  const SimProfile profile = SimProfile::from_json_file(profile_path);
  const SimPhysics physics(profile);
  const MapFile truth = sim_truth(physics);
  ASSERT_GT(truth.totals().bad_areas, 100) << "the profile should have bad areas for every phase";
  const std::uint32_t ss = profile.logical_sector_size;

  auto command = [&](const std::string& folder) {
    return std::vector<std::string>{PTRESCUE_BINARY, "rescue", "-q", "-r", "1", "--mapfile-interval", "50ms",
                                    "sim:" + profile_path, folder + "/img", folder + "/map"};
  };

  // One uninterrupted run: the reference, and the wall time to spread kills over.
  std::filesystem::create_directory(dir.file("ref"));
  const auto t0 = Clock::now();
  const ProcessResult ref = test::run_process(command(dir.file("ref")));
  const auto one_run = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  ASSERT_EQ(ref.exit_code, 0) << ref.describe();
  {
    const MapFile map = MapFile::parse(read_file(dir.file("ref/map")));
    ASSERT_TRUE(map.blocks() == truth.blocks()) << "an uninterrupted run does not match the truth";
    Checker check(dir.file("ref/img"), profile.seed, ss, truth);
    ASSERT_TRUE(check.rescued_bytes_in_image(map));
  }
  std::cout << "[ info ] one uninterrupted run: " << one_run.count() << " ms\n";
  // Kill moments: uniform over a fifth of a run, so a round takes about ten
  // kills spread over its phases, and 50 kills cost about five runs of time.
  std::uniform_int_distribution<std::int64_t> delay_ms(0, std::max<std::int64_t>(30, one_run.count() / 5));

  int kills = 0;
  std::map<char, int> kills_by_phase;  // the mapfile's phase at each kill ('n' = no mapfile yet)
  for (int round = 1; kills < kKills; ++round) {
    ASSERT_LE(round, 40) << "too many rounds";
    const std::string folder = dir.file(fmt::format("round{}", round));
    std::filesystem::create_directory(folder);
    const std::string map_path = folder + "/map";
    Checker check(folder + "/img", profile.seed, ss, truth);
    std::optional<MapFile> previous;
    MapFile verified(truth.end_pos());  // '+' = image bytes already checked this round
    for (int run = 1;; ++run) {
      SCOPED_TRACE(fmt::format("round {} run {} (kills so far {}, seed {})", round, run, kills, seed));
      ASSERT_LE(run, 500) << "the rescue does not progress between kills";
      Process p(command(folder));
      bool killed = false;
      if (kills < kKills) {
        const auto until = Clock::now() + std::chrono::milliseconds(delay_ms(rng));
        while (Clock::now() < until && !p.poll()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        p.signal(SIGKILL);
      }
      const ProcessResult& r = p.wait();
      if (r.term_signal == SIGKILL) {
        killed = true;
      } else {
        ASSERT_EQ(r.exit_code, 0) << r.describe();
      }

      // The pair as the killed (or finished) process left it.
      if (!exists(map_path)) {
        ASSERT_FALSE(previous.has_value()) << "the mapfile vanished";
        ASSERT_TRUE(killed) << "a finished run left no mapfile";
        ++kills;
        ++kills_by_phase['n'];
        continue;
      }
      const std::string text = read_file(map_path);
      std::optional<MapFile> map;
      try {
        map = MapFile::parse(text);
      } catch (const std::exception& e) {
        FAIL() << "torn or malformed mapfile after SIGKILL: " << e.what() << "\n" << text.substr(0, 2000);
      }
      std::optional<MapBlock> unaligned;
      map->for_each([&](const MapBlock& b) {
        if (!unaligned && (b.pos % ss != 0 || b.size % ss != 0)) unaligned = b;
      });
      ASSERT_FALSE(unaligned) << "block " << unaligned->pos << "+" << unaligned->size << " '"
                              << static_cast<char>(unaligned->status) << "' is not whole " << ss
                              << "-byte sectors";
      ASSERT_EQ(map->begin_pos(), 0);
      ASSERT_EQ(map->end_pos(), truth.end_pos());
      ASSERT_TRUE(check.rescued_bytes_in_image(*map, &verified));
      ASSERT_TRUE(check.only_bad_sectors_marked_bad(*map));
      if (previous) {
        ASSERT_GE(map->totals().finished, previous->totals().finished) << "rescued bytes were lost";
        std::optional<MapBlock> lost;
        previous->for_each([&](const MapBlock& b) {
          if (!lost && b.status == BlockStatus::kFinished && !all_of(*map, b.pos, b.size, BlockStatus::kFinished))
            lost = b;
        });
        ASSERT_FALSE(lost) << "bytes " << lost->pos << "+" << lost->size << " were rescued, then no longer";
      }
      previous = std::move(map);
      if (!killed) break;
      ++kills;
      ++kills_by_phase[static_cast<char>(previous->cursor().phase)];
    }
    // The round's rescue finished: byte for byte and sector for sector right.
    const MapFile final_map = MapFile::parse(read_file(map_path));
    EXPECT_EQ(final_map.cursor().phase, Phase::kFinished);
    EXPECT_TRUE(final_map.blocks() == truth.blocks()) << "round " << round << ": final map differs from the truth";
    EXPECT_TRUE(check.rescued_bytes_in_image(final_map));
    std::filesystem::remove_all(folder);
  }
  std::string spread;
  for (const auto& [phase, n] : kills_by_phase) spread += fmt::format(" '{}':{}", phase, n);
  std::cout << "[ info ] " << kills << " kills by mapfile phase (n = before the first save):" << spread << "\n";
}

}  // namespace
}  // namespace ptrescue
