// SPDX-License-Identifier: GPL-3.0-or-later
// The head-aware engine passes (src/engine/head_passes.cpp, src/heads/head_scheduler.h)
// against a simulated drive, in process: a skipped head is never read, -R
// turns the first copying pass backwards, inference learns the simulator's
// true stripes during the first pass and then reads no weak stripe in it,
// and whatever the scheduling every readable sector ends rescued.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/text_file.h"
#include "src/engine/head_setup.h"
#include "src/engine/image_file.h"
#include "src/engine/rescue_engine.h"
#include "support/temp_dir.h"
#include "transport/sim/sim_physics.h"
#include "transport/sim/simulated_device.h"

namespace ptrescue {
namespace {

using test::TempDir;

constexpr std::int64_t kSs = 512;

struct Read {
  int pass;  // the copying pass (1, 2, 3), 0 for other phases
  std::int64_t pos, size;
  bool ok;
};

// Records every read command with the copying pass it belongs to.
struct Recorder : RescueObserver {
  int pass = 0;
  std::vector<Read> reads;
  void on_phase(Phase phase, int p, std::string_view) override { pass = phase == Phase::kCopying ? p : 0; }
  void on_read(const ReadEvent& e) override {
    reads.push_back(Read{pass, e.pos, e.size, e.outcome && e.outcome->ok()});
  }
};

SimProfile weak_drive(std::uint64_t seed, Lba stripe, int heads, int weak, bool dead = false) {
  SimProfile p;
  p.name = "head-test";
  p.seed = seed;
  p.capacity_sectors = Lba{1} << 21;  // 1 GiB: zones of 16 periods or more, as inference needs
  p.heads = heads;
  p.zones = 8;
  p.stripe_sectors = stripe;
  p.error_latency_ms = 3000;
  if (dead) {
    p.dead_heads = {weak};
  } else {
    SimWeakHead w;
    w.head = weak;
    w.bad_fraction = 0.25;
    w.cluster_sectors = 128;
    p.weak_heads = {w};
  }
  return p;
}

class HeadPasses : public ::testing::Test {
 protected:
  struct Result {
    MapFile map;
    std::vector<Read> reads;
    std::unique_ptr<HeadScheduler> scheduler;
  };

  Result rescue(const SimProfile& profile, HeadOptions heads, RescueOptions options = {}) {
    SimulatedDevice drive(profile);
    const std::int64_t size = static_cast<std::int64_t>(profile.capacity_sectors) * kSs;
    MapFile map(size);
    const Domain domain(0, size);
    HeadSetup setup = setup_head_scheduling(heads, dir_.file("map"), drive, map, domain, options);
    ImageFile image(dir_.file("image"), ImageFileOptions{true, false, false, size});
    Recorder recorder;
    std::atomic<bool> stop{false};
    options.mapfile_interval = std::chrono::hours(1);
    // The copying passes are what is tested: trimming and scraping every
    // bad cluster of a 1 GiB drive would only make the test slow.
    options.no_trim = true;
    options.no_scrape = true;
    RescueEngine engine(drive, image, map, setup.domain ? *setup.domain : domain, options, [](const MapFile&) {},
                        recorder, stop);
    if (setup.scheduler) engine.set_head_scheduler(setup.scheduler.get());
    engine.run();
    return Result{map, std::move(recorder.reads), std::move(setup.scheduler)};
  }

  TempDir dir_;
};

// Every sector of head `h` that read `r` touches.
bool touches_head(const SimGeometry& g, const Read& r, int h) {
  for (std::int64_t p = r.pos; p < r.pos + r.size; p += kSs)
    if (g.head_of(static_cast<Lba>(p / kSs)) == h) return true;
  return false;
}

// Sectors (in steps of 64) of the healthy heads and of `weak_head`, and how
// many of each the successful reads of pass 1 covered.
struct Pass1Coverage {
  std::int64_t healthy = 0, weak = 0, healthy_read = 0, weak_read = 0;
};
Pass1Coverage pass1_coverage(const SimProfile& p, const std::vector<Read>& reads, int weak_head) {
  const SimGeometry g(p);
  constexpr Lba kStep = 64;
  Pass1Coverage c;
  for (Lba lba = 0; lba < p.capacity_sectors; lba += kStep)
    ++(g.head_of(lba) == weak_head ? c.weak : c.healthy);
  for (const Read& rd : reads) {
    if (rd.pass != 1 || !rd.ok) continue;
    for (std::int64_t q = (rd.pos / kSs + kStep - 1) / kStep * kStep; q < (rd.pos + rd.size) / kSs; q += kStep)
      ++(g.head_of(static_cast<Lba>(q)) == weak_head ? c.weak_read : c.healthy_read);
  }
  return c;
}

// '+' only where the drive can read, never on a bad sector; `untried_head`'s
// stripes (if >= 0) left untried.
::testing::AssertionResult map_is_right(const SimProfile& p, const MapFile& map, int untried_head = -1) {
  const SimPhysics physics(p);
  const SimGeometry& g = physics.geometry();
  std::int64_t finished = 0, samples = 0;
  for (Lba lba = 0; lba < p.capacity_sectors; lba += 61) {
    const auto st = map.status_at(static_cast<std::int64_t>(lba) * kSs);
    if (g.head_of(lba) == untried_head) {
      if (st != BlockStatus::kNonTried) return ::testing::AssertionFailure() << "skipped head read at " << lba;
      continue;
    }
    ++samples;
    if (st == BlockStatus::kFinished) ++finished;
    if (st == BlockStatus::kFinished && physics.is_bad(lba))
      return ::testing::AssertionFailure() << "bad sector " << lba << " marked rescued";
    if (st == BlockStatus::kNonTried) return ::testing::AssertionFailure() << "sector " << lba << " never tried";
  }
  if (finished < samples * 7 / 10) return ::testing::AssertionFailure() << "only " << finished << " of " << samples << " rescued";
  return ::testing::AssertionSuccess();
}

TEST_F(HeadPasses, SkippedHeadIsNeverRead) {
  const SimProfile p = weak_drive(3, 2048, 4, 1);
  HeadOptions o;
  o.source = HeadOptions::MapSource::kSim;
  o.skip = {2};
  RescueOptions ro;
  ro.retry_passes = 1;
  const Result r = rescue(p, o, ro);
  const SimGeometry g(p);
  ASSERT_FALSE(r.reads.empty());
  for (const Read& rd : r.reads) ASSERT_FALSE(touches_head(g, rd, 2)) << "read at " << rd.pos << " pass " << rd.pass;
  // Head 2's stripes are left untried, everything else is done.
  EXPECT_TRUE(map_is_right(p, r.map, 2));
}

TEST_F(HeadPasses, SkippedHeadFromAMapFileIsNeverRead) {
  const SimProfile p = weak_drive(4, 4096, 2, 0, /*dead=*/true);
  std::string text = "weak 0\n";
  const SimGeometry g(p);
  for (int z = 0; z < g.zones(); ++z)
    text += fmt::format("zone {} {} {} {}\n", g.zone_start(z), g.zone_end(z), p.stripe_sectors, z % 2 ? "1,0" : "0,1");
  {
    std::ofstream(dir_.file("heads.txt")) << text;
  }
  HeadOptions o;
  o.source = HeadOptions::MapSource::kFile;
  o.map_path = dir_.file("heads.txt");
  o.skip = {0};
  const Result r = rescue(p, o);
  ASSERT_FALSE(r.reads.empty());
  for (const Read& rd : r.reads) ASSERT_FALSE(touches_head(g, rd, 0)) << "read at " << rd.pos;
  EXPECT_EQ(r.map.totals().bad_areas, 0);
}

TEST_F(HeadPasses, ReverseTurnsTheFirstPassBackwards) {
  const SimProfile p = weak_drive(5, 2048, 4, 2);
  HeadOptions o;
  o.source = HeadOptions::MapSource::kInfer;
  RescueOptions ro;
  ro.reverse = true;
  const Result r = rescue(p, o, ro);
  std::vector<Read> pass1;
  for (const Read& rd : r.reads)
    if (rd.pass == 1) pass1.push_back(rd);
  ASSERT_GT(pass1.size(), 10U);
  const std::int64_t size = static_cast<std::int64_t>(p.capacity_sectors) * kSs;
  EXPECT_EQ(pass1.front().pos + pass1.front().size, size) << "pass 1 with -R starts at the end";
  for (std::size_t i = 1; i < pass1.size(); ++i)
    ASSERT_LE(pass1[i].pos + pass1[i].size, pass1[i - 1].pos) << "read " << i << " of pass 1 goes forwards";
  // It still learns the weak head, and the map is right.
  EXPECT_TRUE(r.scheduler->active()) << r.scheduler->describe();
  EXPECT_TRUE(map_is_right(p, r.map));
}

TEST_F(HeadPasses, WithoutReverseTheFirstPassGoesForwards) {
  const SimProfile p = weak_drive(5, 2048, 4, 2);
  HeadOptions o;
  o.source = HeadOptions::MapSource::kInfer;
  const Result r = rescue(p, o);
  std::vector<Read> pass1;
  for (const Read& rd : r.reads)
    if (rd.pass == 1) pass1.push_back(rd);
  ASSERT_GT(pass1.size(), 10U);
  EXPECT_EQ(pass1.front().pos, 0);
  // (A read may start where a failed one did: the good part before its bad
  // sector is read again. It never starts before.)
  for (std::size_t i = 1; i < pass1.size(); ++i) ASSERT_GE(pass1[i].pos, pass1[i - 1].pos) << "read " << i;
}

// A dead head with stripes too wide for a grid to be learnt (one period per
// zone): once a dead stripe has been crossed its width is known to lie in a
// range, and the next dead stripes are crossed by a jump into that range
// (each landing narrows it) instead of one error read per doubling of the
// skip (10 each here without it; 4 with a jump to the narrowest width seen
// and quarter-range skips from there). Past the second, the reads inside a
// dead stripe fail at most once (the second read of the band, which tells
// it from a lone bad sector).
TEST_F(HeadPasses, DeadStripesAreCrossedByTheWidthOfTheOnesBefore) {
  const SimProfile p = weak_drive(7, Lba{1} << 16, 4, 2, true);  // 32 MiB stripes
  HeadOptions o;
  o.source = HeadOptions::MapSource::kInfer;
  const Result r = rescue(p, o);
  const SimPhysics physics(p);
  const SimGeometry& g = physics.geometry();
  // The dead head's stripes, in order.
  std::vector<Extent> dead;
  for (Lba lba = 0; lba < p.capacity_sectors; lba += 128) {
    if (g.head_of(lba) != 2) continue;
    const std::int64_t pos = static_cast<std::int64_t>(lba) * kSs;
    if (!dead.empty() && dead.back().end() == pos) dead.back().size += 128 * kSs;
    else dead.push_back(Extent{pos, 128 * kSs});
  }
  ASSERT_GE(dead.size(), 6U);
  std::vector<int> errors(dead.size(), 0);
  for (const Read& rd : r.reads) {
    if (rd.pass != 1 || rd.ok) continue;
    for (std::size_t i = 0; i < dead.size(); ++i)
      if (rd.pos >= dead[i].pos && rd.pos < dead[i].end()) ++errors[i];
  }
  std::string per_stripe;
  for (int e : errors) per_stripe += fmt::format(" {}", e);
  EXPECT_FALSE(r.scheduler->grid().has_value()) << "a grid was learnt: this test no longer tests the wide case";
  EXPECT_GE(errors[0], 10) << "the first dead stripe is crossed by doubling skips:" << per_stripe;
  for (std::size_t i = 2; i < dead.size(); ++i)
    EXPECT_LE(errors[i], 1) << "dead stripe " << i << ":" << per_stripe;
  EXPECT_TRUE(map_is_right(p, r.map));
}

// A weak stripe the map places a quarter of a stripe off the true one (a
// grid learnt a little off) holds three quarters of the weak head's stripe
// and a quarter of a healthy head's. The weak heads pass reads each such
// window from both ends before anything else: the healthy quarters are all
// rescued within two error reads per window, not after the weak parts'
// interiors (about 3 per window). On a dead head too: the sweep of the
// stripes' starts gives the head up (nothing but errors), the sweep of
// their ends is judged afresh and reads the healthy quarters.
class HeadPassesOffMap : public HeadPasses, public ::testing::WithParamInterface<bool> {};

TEST_P(HeadPassesOffMap, WeakPassReadsBothEndsOfEveryWeakStripeFirst) {
  const bool dead = GetParam();
  const Lba S = 2048;  // 1 MiB stripes
  const SimProfile p = weak_drive(6, S, 4, 1, dead);
  const SimGeometry g(p);
  std::string text = "weak 1\n";
  // The map's weak windows, to check against.
  std::vector<Extent> windows;
  for (int z = 0; z < g.zones(); ++z) {
    const Lba from = g.zone_start(z) + S / 4;
    const std::vector<int> order = z % 2 ? std::vector<int>{3, 2, 1, 0} : std::vector<int>{0, 1, 2, 3};
    text += fmt::format("zone {} {} {} {},{},{},{}\n", from, g.zone_end(z), S, order[0], order[1], order[2], order[3]);
    for (Lba c = from, k = 0; c < g.zone_end(z); c += S, ++k)
      if (order[k % 4] == 1)
        windows.push_back(Extent{static_cast<std::int64_t>(c) * kSs,
                                 static_cast<std::int64_t>(std::min(c + S, g.zone_end(z)) - c) * kSs});
  }
  {
    std::ofstream(dir_.file("heads.txt")) << text;
  }
  HeadOptions o;
  o.source = HeadOptions::MapSource::kFile;
  o.map_path = dir_.file("heads.txt");
  const Result r = rescue(p, o);
  ASSERT_GT(windows.size(), 100U);
  // The healthy clusters inside the map's weak windows.
  constexpr std::int64_t kCluster = 65536;
  std::vector<std::int64_t> healthy;
  for (const Extent& w : windows)
    for (std::int64_t c = w.pos; c < w.end(); c += kCluster)
      if (g.head_of(static_cast<Lba>(c / kSs)) != 1 && g.head_of(static_cast<Lba>((c + kCluster) / kSs - 1)) != 1)
        healthy.push_back(c);
  ASSERT_GE(healthy.size(), windows.size() * 3);
  std::vector<bool> done(healthy.size(), false);
  std::size_t left = healthy.size();
  std::int64_t weak_pass_errors = 0;
  for (const Read& rd : r.reads) {
    if (left == 0) break;
    if (rd.pass == 3 && !rd.ok) ++weak_pass_errors;
    if (!rd.ok) continue;
    auto it = std::lower_bound(healthy.begin(), healthy.end(), rd.pos);
    for (; it != healthy.end() && *it + kCluster <= rd.pos + rd.size; ++it) {
      const auto i = static_cast<std::size_t>(it - healthy.begin());
      if (!done[i]) {
        done[i] = true;
        --left;
      }
    }
  }
  EXPECT_EQ(left, 0U);
  EXPECT_LE(weak_pass_errors, static_cast<std::int64_t>(2 * windows.size()))
      << windows.size() << " weak windows";
  EXPECT_TRUE(map_is_right(p, r.map));
}

INSTANTIATE_TEST_SUITE_P(Heads, HeadPassesOffMap, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "dead" : "weak"; });

// Zones that do not hold whole stripes: at each zone change the stripes
// start elsewhere. The grid follows each zone's own phase from the first
// error there, so the first pass still reads (almost) all of the healthy
// heads and little of the weak one; with two heads too, whose stripes the
// regrouped errors break up (the bands as the pass crossed them are fitted).
struct ZoneDrive {
  std::uint64_t seed;
  Lba stripe;
  int heads;
  int weak;
  int zones;
};

class HeadPassesZones : public HeadPasses, public ::testing::WithParamInterface<ZoneDrive> {};

TEST_P(HeadPassesZones, FollowsZonesThatDoNotHoldWholeStripes) {
  const ZoneDrive d = GetParam();
  SimProfile p = weak_drive(d.seed, d.stripe, d.heads, d.weak);
  p.zones = d.zones;
  ASSERT_NE(p.capacity_sectors / static_cast<Lba>(d.zones) % d.stripe, 0U) << "zones of whole stripes";
  HeadOptions o;
  o.source = HeadOptions::MapSource::kInfer;
  const Result r = rescue(p, o);
  ASSERT_TRUE(r.scheduler->grid()) << r.scheduler->describe();
  EXPECT_EQ(r.scheduler->grid()->heads(), d.heads) << r.scheduler->describe();
  const Pass1Coverage c = pass1_coverage(p, r.reads, d.weak);
  EXPECT_GE(c.healthy_read, c.healthy * 9 / 10) << r.scheduler->describe();
  EXPECT_LT(c.weak_read, c.weak / 5) << r.scheduler->describe();  // learning: the first zones
  EXPECT_TRUE(map_is_right(p, r.map));
}

INSTANTIATE_TEST_SUITE_P(Drives, HeadPassesZones,
                         ::testing::Values(ZoneDrive{12, 3000, 4, 2, 16},    // 43.7 stripes a zone
                                           ZoneDrive{13, 8192, 2, 1, 12}),  // 2 heads, 10.7 periods a zone
                         [](const ::testing::TestParamInfo<ZoneDrive>& i) {
                           return fmt::format("stripe{}_{}heads_{}zones", i.param.stripe, i.param.heads, i.param.zones);
                         });

// A weak head plus scattered bad sectors on the healthy ones, some next to
// the weak stripes: the grid is still learnt to the sector (the bands' cores,
// strays trimmed), a lone or paired bad sector far from the weak cells is
// not taken for a zone change, and pass 1 reads (almost) all of the healthy
// heads. Before, no grid was learnt and pass 1 read the weak stripes.
class HeadPassesScattered : public HeadPasses, public ::testing::WithParamInterface<std::uint64_t> {};

TEST_P(HeadPassesScattered, LearnsTheGridThroughScatteredDamage) {
  SimProfile p = weak_drive(GetParam(), 6144, 4, 2);
  p.zones = 10;
  p.weak_heads[0].bad_fraction = 0.2;
  p.bad_clusters = {SimClusterGroup{150, 16}};
  HeadOptions o;
  o.source = HeadOptions::MapSource::kInfer;
  const Result r = rescue(p, o);
  ASSERT_TRUE(r.scheduler->grid()) << r.scheduler->describe();
  EXPECT_EQ(r.scheduler->grid()->period(), 4U * 6144U) << r.scheduler->describe();
  const Pass1Coverage c = pass1_coverage(p, r.reads, 2);
  EXPECT_GE(c.healthy_read, c.healthy * 9 / 10) << r.scheduler->describe();
  EXPECT_LT(c.weak_read, c.weak / 5) << r.scheduler->describe();
  EXPECT_TRUE(map_is_right(p, r.map));
}

INSTANTIATE_TEST_SUITE_P(Drives, HeadPassesScattered, ::testing::Values(114U, 201U),
                         [](const ::testing::TestParamInfo<std::uint64_t>& i) {
                           return fmt::format("seed{}", i.param);
                         });

// Inference during a real rescue: the grid it learns is the simulator's,
// (two heads are a known gap: learnt right, but pass 1 pays about a quarter
// of the weak head's bad clusters; docs/HEADMAP.md),
// and once learnt the first pass reads (almost) no weak stripe: its error
// reads are few against the weak head's bad clusters.
struct Drive {
  std::uint64_t seed;
  Lba stripe;
  int heads;
  int weak;
  bool dead;
};

class HeadPassesInfer : public HeadPasses, public ::testing::WithParamInterface<Drive> {};

TEST_P(HeadPassesInfer, LearnsTheTrueStripesAndDefersTheWeakHead) {
  const Drive d = GetParam();
  const SimProfile p = weak_drive(d.seed, d.stripe, d.heads, d.weak, d.dead);
  HeadOptions o;
  o.source = HeadOptions::MapSource::kInfer;
  const Result r = rescue(p, o);
  ASSERT_TRUE(r.scheduler->grid()) << r.scheduler->describe();
  EXPECT_EQ(r.scheduler->grid()->stripe(), d.stripe) << r.scheduler->describe();
  EXPECT_EQ(r.scheduler->grid()->heads(), d.heads) << r.scheduler->describe();
  const SimGeometry g(p);
  std::int64_t pass1_errors = 0, pass1_weak = 0, weak_reads = 0;
  for (const Read& rd : r.reads) {
    if (rd.pass != 1) continue;
    if (!rd.ok) ++pass1_errors;
    if (touches_head(g, rd, d.weak)) ++pass1_weak;
  }
  const SimPhysics physics(p);
  std::int64_t weak_bad = 0;
  for (Lba lba = 0; lba < p.capacity_sectors; lba += 128)
    if (g.head_of(lba) == d.weak) {
      ++weak_reads;
      if (physics.first_bad_in(lba, lba + 128)) ++weak_bad;
    }
  // Learning costs some stripes' worth of reads; after that, none: pass 1
  // pays a small share of the error reads a linear pass would.
  EXPECT_LT(pass1_weak, weak_reads / 3) << r.scheduler->describe();
  EXPECT_LT(pass1_errors, weak_bad / 3) << r.scheduler->describe();
  EXPECT_TRUE(map_is_right(p, r.map));
}

INSTANTIATE_TEST_SUITE_P(Drives, HeadPassesInfer,
                         ::testing::Values(Drive{1, 2048, 4, 2, false}, Drive{2, 4096, 4, 1, false},
                                           Drive{7, 2048, 8, 5, false},
                                           Drive{9, 2048, 4, 3, true}, Drive{10, 3072, 6, 4, false}),
                         [](const ::testing::TestParamInfo<Drive>& i) {
                           return fmt::format("seed{}_stripe{}_{}heads_{}{}", i.param.seed, i.param.stripe,
                                              i.param.heads, i.param.dead ? "dead" : "weak", i.param.weak);
                         });

TEST_F(HeadPasses, InferenceIsLeftOutOnlyWhenNothingIsLeftToCopyTrimOrScrape) {
  // A finished map with bad sectors (what a resume with -r 0 loads): no
  // scheduler, so no fit over its bad sectors; a map with work left, or a
  // per-head option, still gets one.
  const SimProfile profile = weak_drive(5, 4096, 4, 2);
  SimulatedDevice drive(profile);
  const std::int64_t size = static_cast<std::int64_t>(profile.capacity_sectors) * kSs;
  const Domain domain(0, size);
  MapFile finished(size);
  finished.set_status(0, size, BlockStatus::kFinished);
  for (std::int64_t p = 0; p < size; p += 1 << 20) finished.set_status(p, kSs, BlockStatus::kBadSector);
  HeadOptions infer;  // the default
  EXPECT_EQ(setup_head_scheduling(infer, dir_.file("a.map"), drive, finished, domain, {}).scheduler, nullptr);

  MapFile left = finished;
  left.set_status(kSs, kSs, BlockStatus::kNonTrimmed);
  EXPECT_NE(setup_head_scheduling(infer, dir_.file("b.map"), drive, left, domain, {}).scheduler, nullptr);

  HeadOptions with_timeout;
  with_timeout.timeouts[2] = Millis(300);
  EXPECT_NE(setup_head_scheduling(with_timeout, dir_.file("c.map"), drive, finished, domain, {}).scheduler, nullptr);
}

// The inferred head map is kept beside the mapfile; written through a link
// the user made (the link stays, its target gets the map), with no
// temporary file left behind.
TEST_F(HeadPasses, InferredMapIsWrittenThroughALink) {
  const SimProfile p = weak_drive(1, 2048, 4, 2);
  std::filesystem::create_symlink(dir_.file("kept.headmap"), dir_.file("map.headmap"));
  HeadOptions o;
  o.source = HeadOptions::MapSource::kInfer;
  const Result r = rescue(p, o);
  ASSERT_TRUE(r.scheduler->grid()) << r.scheduler->describe();
  EXPECT_TRUE(std::filesystem::is_symlink(dir_.file("map.headmap")));
  const std::string text = read_whole_file(dir_.file("kept.headmap"));
  EXPECT_NE(text.find("Head map inferred by ptrescue"), std::string::npos) << text;
  EXPECT_FALSE(HeadMap::parse(text).empty());
  EXPECT_FALSE(std::filesystem::exists(dir_.file("kept.headmap.tmp")));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("map.headmap.tmp")));
}

// MAPFILE.headmap is an earlier run's inference: read when this run resumes
// that run's mapfile, not by a fresh run (it may be another drive's map),
// which infers its own and writes it over the old one.
TEST_F(HeadPasses, ASavedHeadMapIsReadOnResumeOnly) {
  const SimProfile p = weak_drive(4, 4096, 2, 0);
  SimulatedDevice drive(p);
  const std::int64_t size = static_cast<std::int64_t>(p.capacity_sectors) * kSs;
  std::ofstream(dir_.file("m.map.headmap")) << "0 " << p.capacity_sectors << " 1\n";
  HeadOptions infer;
  MapFile fresh(size);
  const HeadSetup a = setup_head_scheduling(infer, dir_.file("m.map"), drive, fresh, Domain(0, size), {});
  ASSERT_NE(a.scheduler, nullptr);
  EXPECT_EQ(a.scheduler->head_at(0), -1) << "a fresh run took the old map";
  MapFile resumed(size);
  resumed.set_status(0, 1 << 20, BlockStatus::kFinished);
  const HeadSetup b = setup_head_scheduling(infer, dir_.file("m.map"), drive, resumed, Domain(0, size), {});
  ASSERT_NE(b.scheduler, nullptr);
  EXPECT_EQ(b.scheduler->head_at(0), 1) << "a resume ignored its run's map";
}

TEST_F(HeadPasses, MissingHeadMapFileIsNamed) {
  const SimProfile p = weak_drive(4, 4096, 2, 0);
  SimulatedDevice drive(p);
  const std::int64_t size = static_cast<std::int64_t>(p.capacity_sectors) * kSs;
  HeadOptions o;
  o.source = HeadOptions::MapSource::kFile;
  o.map_path = dir_.file("absent.txt");
  try {
    setup_head_scheduling(o, dir_.file("map"), drive, MapFile(size), Domain(0, size), {});
    ADD_FAILURE() << "no error";
  } catch (const HeadMapFileError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("cannot open head map ", 0), 0U) << what;
    EXPECT_NE(what.find(o.map_path), std::string::npos) << what;
  }
}

// While learning (no grid yet), a band's errors are read densely: the next
// read starts where the failed one ended. But a bad run that begins inside
// the read (not at its first sector) is not aligned with the reads and most
// likely runs on into the next one: one cluster is skipped, as ddrescue
// would, so scattered damage costs no second error read per run.
TEST(HeadSchedulerLearning, SkipsAClusterAfterAnUnalignedBadRunOnly) {
  const auto scheduler = [] {
    HeadScheduler::Setup s;
    s.capacity = 4 * 1024 * 1024;  // 2 GiB in sectors
    s.sector_size = kSs;
    return HeadScheduler(s);
  };
  constexpr std::int64_t kC = 65536;
  const Extent read{100 * kC, kC};
  {
    HeadScheduler hs = scheduler();
    EXPECT_EQ(hs.on_error(read, read.pos, true), read.end());  // aligned: read on
  }
  {
    HeadScheduler hs = scheduler();
    EXPECT_EQ(hs.on_error(read, read.pos + 8 * kSs, true), read.end() + kC);  // runs on: skip it
  }
}

}  // namespace
}  // namespace ptrescue
