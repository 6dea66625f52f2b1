// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/sim/simulated_device.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "transport/sim/sim_pattern.h"
#include "transport/sim/sim_physics.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;

constexpr Millis kTimeout = 10s;

// 4096 sectors, 4 zones of 1024, stripes of 64: 16 stripes per zone.
SimProfile small_profile() {
  SimProfile p;
  p.name = "test";
  p.capacity_sectors = 4096;
  p.heads = 4;
  p.zones = 4;
  p.stripe_sectors = 64;
  p.max_transfer_sectors = 1024;
  return p;
}

// A device plus a buffer big enough for any read of it.
struct Drive {
  explicit Drive(SimProfile p) : dev(std::move(p)), buf(static_cast<std::size_t>(dev.identity().max_transfer_sectors) *
                                                            dev.identity().logical_sector_size) {}
  ReadOutcome read(Lba lba, std::uint32_t count, Millis timeout = kTimeout) {
    return dev.read(lba, count, buf, timeout);
  }
  std::span<const std::byte> data(std::uint32_t count) const {
    return std::span<const std::byte>(buf).first(static_cast<std::size_t>(count) * dev.identity().logical_sector_size);
  }
  // LBAs of [lo, hi) whose single-sector read fails.
  std::vector<Lba> failing(Lba lo, Lba hi) {
    std::vector<Lba> out;
    for (Lba l = lo; l < hi; ++l) {
      const ReadOutcome r = read(l, 1);
      if (!r.ok()) {
        EXPECT_EQ(r.status, ReadStatus::kMediaError) << l;
        EXPECT_EQ(r.error_lba, l);
        out.push_back(l);
      }
    }
    return out;
  }
  SimulatedDevice dev;
  std::vector<std::byte> buf;
};

std::vector<Lba> iota_lbas(Lba lo, Lba hi) {
  std::vector<Lba> v(hi - lo);
  std::iota(v.begin(), v.end(), lo);
  return v;
}

// ---- data pattern -----------------------------------------------------------

TEST(SimPattern, IsDeterministic) {
  std::vector<std::byte> a(512), b(512);
  fill_sector_pattern(1, 12345, a);
  fill_sector_pattern(1, 12345, b);
  EXPECT_EQ(a, b);
}

TEST(SimPattern, EverySectorAndEverySeedDiffers) {
  std::set<std::vector<std::byte>> seen;
  std::vector<std::byte> s(512);
  for (Lba lba = 0; lba < 4096; ++lba) {
    fill_sector_pattern(7, lba, s);
    seen.insert(s);
  }
  // A few far-away LBAs too: the pattern must not repeat with the LBA's high bits.
  for (Lba lba : {Lba{1} << 32, (Lba{1} << 32) + 1, Lba{1} << 40, ~Lba{0}}) {
    fill_sector_pattern(7, lba, s);
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 4100u);
  std::vector<std::byte> other(512);
  fill_sector_pattern(8, 0, other);
  fill_sector_pattern(7, 0, s);
  EXPECT_NE(s, other);
}

TEST(SimPattern, WordsWithinASectorDiffer) {
  // A shift of the data inside a sector must show too.
  std::vector<std::byte> s(4096);
  fill_sector_pattern(3, 99, s);
  std::set<std::uint64_t> words;
  for (std::size_t i = 0; i < s.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    words.insert(w);
  }
  EXPECT_EQ(words.size(), 512u);
}

TEST(SimPattern, MultiSectorFillMatchesSingleSectors) {
  std::vector<std::byte> many(8 * 4096), one(4096);
  fill_sectors_pattern(5, 1000, 4096, many);
  for (Lba i = 0; i < 8; ++i) {
    fill_sector_pattern(5, 1000 + i, one);
    EXPECT_TRUE(std::equal(one.begin(), one.end(), many.begin() + static_cast<std::ptrdiff_t>(i * 4096)));
  }
}

TEST(SimPattern, AnOddSizedSectorIsAPrefixOfTheLongerOne) {
  std::vector<std::byte> short_one(13), long_one(16);
  fill_sector_pattern(5, 77, short_one);
  fill_sector_pattern(5, 77, long_one);
  EXPECT_TRUE(std::equal(short_one.begin(), short_one.end(), long_one.begin()));
}

TEST(SimPattern, MismatchFindsTheFirstWrongSector) {
  std::vector<std::byte> d(16 * 512);
  fill_sectors_pattern(9, 500, 512, d);
  EXPECT_EQ(first_pattern_mismatch(9, 500, 512, d), std::nullopt);
  EXPECT_EQ(first_pattern_mismatch(10, 500, 512, d), Lba{500});  // Other seed.
  EXPECT_EQ(first_pattern_mismatch(9, 501, 512, d), Lba{501});   // Misplaced by one sector.
  d[5 * 512 + 511] ^= std::byte{1};
  d[9 * 512] ^= std::byte{1};
  EXPECT_EQ(first_pattern_mismatch(9, 500, 512, d), Lba{505});
  // A trailing partial sector never matches.
  std::vector<std::byte> partial(512 + 100);
  fill_sectors_pattern(9, 0, 512, std::span(partial).first(512));
  EXPECT_EQ(first_pattern_mismatch(9, 0, 512, partial), Lba{1});
}

// ---- geometry -----------------------------------------------------------------

TEST(SimGeometry, SerpentineZonesReverseTheHeadOrder) {
  SimProfile p;
  p.capacity_sectors = 256;
  p.zones = 2;
  p.heads = 4;
  p.stripe_sectors = 16;
  const SimulatedDevice d(p);
  // Zone 0 = LBAs 0..127, zone 1 = 128..255; a stripe is 16 LBAs.
  const int expected[16] = {0, 1, 2, 3, 0, 1, 2, 3, 3, 2, 1, 0, 3, 2, 1, 0};
  for (Lba lba = 0; lba < 256; ++lba) ASSERT_EQ(d.head_of(lba), expected[lba / 16]) << lba;
}

TEST(SimGeometry, HeadOrderIsFollowedAndTheLastZoneTakesTheRemainder) {
  SimProfile p;
  p.capacity_sectors = 100;
  p.zones = 3;  // 33, 33, 34 sectors.
  p.heads = 4;
  p.stripe_sectors = 10;
  p.head_order = {2, 0, 3, 1};
  p.serpentine = false;
  const SimPhysics physics(p);
  const SimGeometry& g = physics.geometry();
  EXPECT_EQ(g.zone_of(32), 0);
  EXPECT_EQ(g.zone_of(33), 1);
  EXPECT_EQ(g.zone_of(66), 2);
  EXPECT_EQ(g.zone_of(99), 2);
  // Zone 0: stripes at 0, 10, 20, 30 (the last cut short at 33).
  EXPECT_EQ(g.head_of(0), 2);
  EXPECT_EQ(g.head_of(10), 0);
  EXPECT_EQ(g.head_of(25), 3);
  EXPECT_EQ(g.head_of(32), 1);
  // Zone 1 starts again with the first head of the order.
  EXPECT_EQ(g.head_of(33), 2);
  EXPECT_EQ(g.head_of(43), 0);
  // Zone 2: 66..99; stripe 3 of it is LBAs 96..99.
  EXPECT_EQ(g.head_of(96), 1);
  EXPECT_EQ(g.head_of(99), 1);
}

TEST(SimGeometry, OuterZonesAreFaster) {
  const SimPhysics physics(small_profile());
  const SimGeometry& g = physics.geometry();
  EXPECT_DOUBLE_EQ(g.rate_mbps(0), physics.profile().rate_outer_mbps);
  EXPECT_DOUBLE_EQ(g.rate_mbps(g.zones() - 1), physics.profile().rate_inner_mbps);
  for (int z = 1; z < g.zones(); ++z) EXPECT_LT(g.rate_mbps(z), g.rate_mbps(z - 1));
}

// ---- data and identity --------------------------------------------------------------

TEST(SimulatedDevice, OkReadsDeliverThePattern) {
  Drive d(small_profile());
  const ReadOutcome r = d.read(100, 64);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.good_sectors, 64u);
  EXPECT_EQ(r.timeout_applied, kTimeout);
  EXPECT_GT(r.duration, Micros(0));
  EXPECT_EQ(first_pattern_mismatch(d.dev.data_seed(), 100, 512, d.data(64)), std::nullopt);
}

TEST(SimulatedDevice, FourKSectorsDeliverThePattern) {
  SimProfile p = small_profile();
  p.logical_sector_size = 4096;
  p.physical_sector_size = 4096;
  Drive d(p);
  ASSERT_TRUE(d.read(7, 3).ok());
  EXPECT_EQ(first_pattern_mismatch(p.seed, 7, 4096, d.data(3)), std::nullopt);
  EXPECT_EQ(d.dev.identity().capacity_bytes(), 4096u * 4096u);
}

TEST(SimulatedDevice, IdentityIsSimAndDeterministic) {
  const auto a = open_simulated_device("weak-head");
  const auto b = open_simulated_device("weak-head");
  const auto c = open_simulated_device("demo");
  const DeviceIdentity& id = a->identity();
  EXPECT_EQ(id.transport, "sim");
  EXPECT_EQ(id.path, "sim:weak-head");
  EXPECT_EQ(id.model, "PTRESCUE SIM weak-head");
  EXPECT_EQ(id.firmware, "SIM1");
  EXPECT_FALSE(id.serial.empty());
  EXPECT_EQ(id.serial, b->identity().serial);
  EXPECT_NE(id.serial, c->identity().serial);
  EXPECT_EQ(id.capacity_sectors, a->profile().capacity_sectors);
  EXPECT_EQ(c->identity().capacity_bytes(), 1ULL << 30);
}

TEST(SimulatedDevice, OpensBuiltinsAndJsonFilesAndRejectsTheRest) {
  const std::string file = std::string(PTRESCUE_SOURCE_DIR) + "/tests/data/profiles/512e-dying.json";
  const auto d = open_simulated_device(file);
  EXPECT_EQ(d->identity().path, "sim:" + file);
  EXPECT_EQ(d->identity().physical_sector_size, 4096u);
  EXPECT_EQ(d->profile().name, "512e-dying");
  EXPECT_THROW(open_simulated_device("no-such-profile"), SimProfileError);
  EXPECT_THROW(open_simulated_device(""), SimProfileError);
  EXPECT_THROW(open_simulated_device("/nonexistent/x.json"), SimProfileError);
}

TEST(SimulatedDevice, RefusesReadsOutsideTheDrive) {
  Drive d(small_profile());
  EXPECT_EQ(d.read(4096, 1).status, ReadStatus::kAborted);
  EXPECT_EQ(d.read(4000, 97).status, ReadStatus::kAborted);
  EXPECT_EQ(d.read(0, 0).status, ReadStatus::kAborted);
  EXPECT_EQ(d.read(0, 1025).status, ReadStatus::kAborted);  // Above max_transfer.
  std::vector<std::byte> tiny(100);
  EXPECT_EQ(d.dev.read(0, 1, tiny, kTimeout).status, ReadStatus::kOther);
  EXPECT_TRUE(d.read(4095, 1).ok());
  EXPECT_EQ(d.dev.commands_issued(), 6u);
  EXPECT_EQ(d.dev.error_reads(), 0u);
}

// ---- bad sectors -------------------------------------------------------------------

SimProfile with_bad_range(Lba start, Lba length) {
  SimProfile p = small_profile();
  p.bad_ranges = {{.start = start, .length = length}};
  return p;
}

TEST(SimulatedDevice, BadSectorReportsTheFirstBadLbaAndNoData) {
  Drive d(with_bad_range(1000, 10));
  const ReadOutcome r = d.read(990, 32);
  EXPECT_EQ(r.status, ReadStatus::kMediaError);
  EXPECT_EQ(r.error_lba, Lba{1000});
  EXPECT_EQ(r.good_sectors, 0u);
  EXPECT_FALSE(r.needs_reset);
  EXPECT_GE(r.duration, Micros(Millis(1500)));  // The drive's internal retries.
  EXPECT_TRUE(std::all_of(d.buf.begin(), d.buf.begin() + 32 * 512,
                          [](std::byte b) { return b == SimulatedDevice::kPoisonByte; }));
  // Starting inside the range: the first bad sector is the first one read.
  EXPECT_EQ(d.read(1005, 10).error_lba, Lba{1005});
  // Just around it: fine.
  EXPECT_TRUE(d.read(980, 20).ok());
  EXPECT_TRUE(d.read(1010, 20).ok());
  EXPECT_EQ(d.dev.error_reads(), 2u);
}

TEST(SimulatedDevice, SingleSectorReadsFindExactlyTheBadRange) {
  Drive d(with_bad_range(1000, 10));
  EXPECT_EQ(d.failing(900, 1100), iota_lbas(1000, 1010));
}

TEST(SimulatedDevice, A512eDriveFailsWholePhysicalSectors) {
  SimProfile p = with_bad_range(1003, 1);
  p.physical_sector_size = 4096;
  Drive d(p);
  EXPECT_EQ(d.failing(980, 1030), iota_lbas(1000, 1008));
  for (Lba l = 980; l < 1030; ++l) EXPECT_EQ(d.dev.physics().is_bad(l), l >= 1000 && l < 1008) << l;
}

TEST(SimulatedDevice, RandomClustersAreSeededRunsOfTheGivenLength) {
  SimProfile p = small_profile();
  p.bad_clusters = {{.count = 5, .length = 3}};
  Drive a(p);
  const std::vector<Lba> bad = a.failing(0, 4096);
  ASSERT_FALSE(bad.empty());
  EXPECT_LE(bad.size(), 15u);
  // Every run of consecutive bad sectors is at least one cluster long.
  std::size_t run = 1;
  for (std::size_t i = 1; i <= bad.size(); ++i) {
    if (i < bad.size() && bad[i] == bad[i - 1] + 1) {
      ++run;
    } else {
      EXPECT_GE(run, 3u) << "run ending at " << bad[i - 1];
      run = 1;
    }
  }
  Drive again(p);
  EXPECT_EQ(again.failing(0, 4096), bad);
  p.seed = 2;
  Drive other(p);
  EXPECT_NE(other.failing(0, 4096), bad);
}

SimProfile with_weak_head(double fraction) {
  SimProfile p = small_profile();
  p.weak_heads = {{.head = 2, .extra_latency_ms = 30, .bad_fraction = fraction, .cluster_sectors = 8, .wear = {}}};
  return p;
}

TEST(SimulatedDevice, WeakHeadHasBadClustersOnlyOnItsStripes) {
  Drive d(with_weak_head(0.25));
  const std::vector<Lba> bad = d.failing(0, 4096);
  std::set<Lba> clusters;
  for (Lba l : bad) {
    EXPECT_EQ(d.dev.head_of(l), 2) << l;
    clusters.insert(l / 8);
  }
  // Whole aligned clusters fail (stripes are whole clusters here).
  EXPECT_EQ(bad.size(), clusters.size() * 8);
  // Head 2 has 1024 sectors = 128 clusters; about a quarter of them are bad.
  EXPECT_GT(clusters.size(), 128u / 10);
  EXPECT_LT(clusters.size(), 128u * 4 / 10);
  // A long read reports the first bad sector of its range.
  for (Lba lo = 0; lo < 4096; lo += 256) {
    const auto first = std::find_if(bad.begin(), bad.end(), [&](Lba l) { return l >= lo; });
    const ReadOutcome r = d.read(lo, 256);
    if (first != bad.end() && *first < lo + 256) {
      EXPECT_EQ(r.error_lba, *first) << lo;
    } else {
      EXPECT_TRUE(r.ok()) << lo;
    }
  }
}

TEST(SimulatedDevice, WeakHeadReadsAreSlower) {
  const SimPhysics physics(with_weak_head(0));
  // Same zone, same size, both contiguous: only the head differs.
  const Lba healthy_stripe = 0;  // Head 0.
  const Lba weak_stripe = 128;   // Head 2.
  ASSERT_EQ(physics.geometry().head_of(weak_stripe), 2);
  SimDriveState s1 = physics.initial_state();
  s1.position = healthy_stripe;
  SimDriveState s2 = physics.initial_state();
  s2.position = weak_stripe;
  const ReadOutcome healthy = physics.read(s1, healthy_stripe, 32, kTimeout);
  const ReadOutcome weak = physics.read(s2, weak_stripe, 32, kTimeout);
  ASSERT_TRUE(healthy.ok() && weak.ok());
  EXPECT_NEAR(static_cast<double>((weak.duration - healthy.duration).count()), 30000.0, 1.0);
}

TEST(SimulatedDevice, DeadHeadFailsEveryReadTouchingIt) {
  SimProfile p = small_profile();
  p.dead_heads = {1};
  Drive d(p);
  // Stripe 0 is head 0, stripe 1 (LBAs 64..127) head 1.
  const ReadOutcome across = d.read(60, 8);
  EXPECT_EQ(across.status, ReadStatus::kMediaError);
  EXPECT_EQ(across.error_lba, Lba{64});
  EXPECT_TRUE(d.read(0, 64).ok());
  EXPECT_TRUE(d.read(128, 64).ok());
  for (Lba l = 0; l < 4096; l += 16) EXPECT_EQ(d.read(l, 16).ok(), d.dev.head_of(l) != 1) << l;
}

// ---- timeouts, error recovery, hangs, death ------------------------------------------------

TEST(SimulatedDevice, SlowSectorsBeyondTheTimeoutTimeOutAndTheDriveGoesOn) {
  SimProfile p = small_profile();
  p.slow_ranges = {{.start = 2000, .length = 4, .extra_ms = 20000}};
  Drive d(p);
  const ReadOutcome r = d.read(1990, 20, 5s);
  EXPECT_EQ(r.status, ReadStatus::kTimeout);
  EXPECT_EQ(r.duration, Micros(5s));
  EXPECT_EQ(r.good_sectors, 0u);
  EXPECT_FALSE(r.needs_reset);
  EXPECT_TRUE(d.read(0, 8, 5s).ok());
  EXPECT_TRUE(d.read(1990, 10, 5s).ok());  // Stops short of the slow sectors.
  EXPECT_TRUE(d.read(2003, 1, 30s).ok());  // A long enough timeout gets the data.
  EXPECT_EQ(d.dev.error_reads(), 0u);
}

TEST(SimulatedDevice, SlowSectorsWithinTheTimeoutCostTheirExtra) {
  SimProfile p = small_profile();
  Drive plain(p);
  p.slow_ranges = {{.start = 2000, .length = 4, .extra_ms = 300}};
  Drive slow(p);
  const ReadOutcome a = plain.read(1990, 20);
  const ReadOutcome b = slow.read(1990, 20);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NEAR(static_cast<double>((b.duration - a.duration).count()), 300000.0, 1.0);
  EXPECT_EQ(first_pattern_mismatch(p.seed, 1990, 512, slow.data(20)), std::nullopt);
}

TEST(SimulatedDevice, ErrorRecoveryLongerThanTheTimeoutIsATimeoutUnlessErcCapsIt) {
  Drive d(with_bad_range(1000, 10));  // error_latency_ms = 1500 by default.
  const ReadOutcome slow = d.read(1000, 1, 1s);
  EXPECT_EQ(slow.status, ReadStatus::kTimeout);
  EXPECT_EQ(slow.duration, Micros(1s));
  EXPECT_FALSE(slow.needs_reset);
  EXPECT_EQ(d.dev.error_reads(), 1u);

  d.dev.set_error_recovery_limit(700ms);
  const ReadOutcome capped = d.read(1000, 1, 1s);
  EXPECT_EQ(capped.status, ReadStatus::kMediaError);
  EXPECT_EQ(capped.error_lba, Lba{1000});
  EXPECT_GE(capped.duration, Micros(700ms));
  EXPECT_LT(capped.duration, Micros(1s));

  // ERC survives a soft reset but not a power cycle.
  EXPECT_TRUE(d.dev.reset(ResetKind::kSoft).ok);
  EXPECT_EQ(d.read(1000, 1, 1s).status, ReadStatus::kMediaError);
  EXPECT_TRUE(d.dev.reset(ResetKind::kPowerCycle).ok);
  EXPECT_EQ(d.read(1000, 1, 1s).status, ReadStatus::kTimeout);

  d.dev.set_error_recovery_limit(700ms);
  d.dev.set_error_recovery_limit(0ms);
  EXPECT_EQ(d.read(1000, 1, 1s).status, ReadStatus::kTimeout);
}

TEST(SimulatedDevice, ErcFromTheProfileAppliesFromPowerOn) {
  SimProfile p = with_bad_range(1000, 10);
  p.error_recovery_limit_ms = 700;
  Drive d(p);
  EXPECT_EQ(d.read(1000, 1, 1s).status, ReadStatus::kMediaError);
}

TEST(SimulatedDevice, HangNeedsAResetAndNothingAnswersUntilThen) {
  SimProfile p = small_profile();
  p.hang_ranges = {{.start = 3000, .length = 1}};
  Drive d(p);
  const ReadOutcome hung = d.read(2990, 20, 4s);
  EXPECT_EQ(hung.status, ReadStatus::kTimeout);
  EXPECT_EQ(hung.duration, Micros(4s));
  EXPECT_TRUE(hung.needs_reset);
  EXPECT_EQ(hung.good_sectors, 0u);

  for (int i = 0; i < 3; ++i) {
    const ReadOutcome r = d.read(0, 1, 2s);  // A good sector far away.
    EXPECT_EQ(r.status, ReadStatus::kTimeout);
    EXPECT_EQ(r.duration, Micros(2s));
    EXPECT_TRUE(r.needs_reset);
  }
  const Micros before = d.dev.clock().now();
  const ResetOutcome reset = d.dev.reset(ResetKind::kSoft);
  EXPECT_TRUE(reset.ok);
  EXPECT_GT(reset.duration, Micros(0));
  EXPECT_EQ(d.dev.clock().now() - before, reset.duration);
  EXPECT_EQ(d.dev.resets(), 1u);

  EXPECT_TRUE(d.read(0, 1, 2s).ok());
  EXPECT_TRUE(d.read(2990, 10, 2s).ok());
  // The hang sector hangs again: it is a property of the media.
  EXPECT_TRUE(d.read(3000, 1, 2s).needs_reset);
  EXPECT_EQ(d.dev.error_reads(), 0u);
}

TEST(SimulatedDevice, TheDriveStopsAtWhicheverProblemComesFirst) {
  SimProfile p = small_profile();
  p.hang_ranges = {{.start = 3000, .length = 1}};
  p.bad_ranges = {{.start = 2995, .length = 1}, {.start = 3100, .length = 1}};
  Drive d(p);
  const ReadOutcome bad_first = d.read(2990, 20);
  EXPECT_EQ(bad_first.status, ReadStatus::kMediaError);
  EXPECT_EQ(bad_first.error_lba, Lba{2995});
  const ReadOutcome hang_first = d.read(2996, 200);
  EXPECT_EQ(hang_first.status, ReadStatus::kTimeout);
  EXPECT_TRUE(hang_first.needs_reset);
}

TEST(SimulatedDevice, DiesAfterTheConfiguredNumberOfErrorReads) {
  SimProfile p = with_bad_range(1000, 10);
  p.die_after_error_reads = 3;
  Drive d(p);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(d.dev.dead());
    EXPECT_TRUE(d.read(0, 8).ok());
    EXPECT_EQ(d.read(1000 + static_cast<Lba>(i), 1).status, ReadStatus::kMediaError);
  }
  EXPECT_TRUE(d.dev.dead());
  const ReadOutcome gone = d.read(0, 8);
  EXPECT_EQ(gone.status, ReadStatus::kDeviceGone);
  EXPECT_EQ(gone.good_sectors, 0u);
  EXPECT_FALSE(d.dev.reset(ResetKind::kPowerCycle).ok);
  EXPECT_EQ(d.read(0, 8).status, ReadStatus::kDeviceGone);
  EXPECT_EQ(d.dev.error_reads(), 3u);
  EXPECT_EQ(d.dev.commands_issued(), 8u);
  EXPECT_EQ(d.dev.resets(), 1u);
}

TEST(SimulatedDevice, NeverDiesWhenTheLimitIsZero) {
  Drive d(with_bad_range(1000, 10));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(d.read(1000, 1).status, ReadStatus::kMediaError);
  EXPECT_FALSE(d.dev.dead());
  EXPECT_EQ(d.dev.error_reads(), 50u);
}

// ---- the clock ---------------------------------------------------------------------------

TEST(SimulatedDevice, ClockAdvancesByExactlyEachCommandsDuration) {
  SimProfile p = with_bad_range(1000, 10);
  p.slow_ranges = {{.start = 2000, .length = 1, .extra_ms = 9000}};
  p.hang_ranges = {{.start = 3000, .length = 1}};
  Drive d(p);
  Micros sum{0};
  const auto add = [&](Micros x) {
    sum += x;
    EXPECT_EQ(d.dev.clock().now(), sum);
  };
  add(d.read(0, 100).duration);
  add(d.read(100, 100).duration);
  add(d.read(995, 10).duration);
  add(d.read(1995, 10, 5s).duration);
  add(d.read(2995, 10, 5s).duration);
  add(d.read(0, 1, 5s).duration);
  add(d.dev.reset(ResetKind::kBus).duration);
  add(d.read(4000, 96).duration);
}

TEST(SimulatedDevice, SequentialReadingIsCheaperThanRandom) {
  SimProfile p = small_profile();
  p.capacity_sectors = 1 << 20;
  p.max_transfer_sectors = 128;
  p.stripe_sectors = 4096;
  std::vector<Lba> chunks;
  for (Lba l = 0; l < p.capacity_sectors; l += p.capacity_sectors / 64) chunks.push_back(l);
  Drive seq(p), rnd(p);
  for (Lba l : chunks) ASSERT_TRUE(seq.read(l, 128).ok());
  std::shuffle(chunks.begin(), chunks.end(), std::mt19937(42));
  for (Lba l : chunks) ASSERT_TRUE(rnd.read(l, 128).ok());
  // Same chunks both times; only the order (hence the seeks) differs.
  EXPECT_LT(seq.dev.clock().now(), rnd.dev.clock().now());
}

TEST(SimulatedDevice, ContiguousReadsPayNoSeekAndLongSeeksCostMore) {
  SimProfile p = small_profile();
  p.capacity_sectors = 1 << 20;
  p.stripe_sectors = 4096;
  const SimPhysics physics(p);
  const auto cost = [&](Lba from) {
    SimDriveState s = physics.initial_state();
    s.position = from;
    return physics.read(s, 500000, 64, kTimeout).duration;
  };
  const Micros contiguous = cost(500000);
  const Micros near = cost(500000 - 1000);
  const Micros far = cost(0);
  EXPECT_LT(contiguous, near);
  EXPECT_LT(near, far);
  // The extra of a seek is at least half a turn (rpm) plus the shortest seek.
  EXPECT_GE(near - contiguous, Micros(static_cast<std::int64_t>((30000.0 / p.rpm + p.seek_track_ms) * 1000)));
}

TEST(SimulatedDevice, ReadingContinuesCheaplyFromWhereTheLastReadEnded) {
  Drive d(small_profile());
  const Micros first = d.read(2000, 32).duration;   // Seeks from LBA 0.
  const Micros second = d.read(2032, 32).duration;  // Contiguous.
  EXPECT_LT(second, first);
}

TEST(SimulatedDevice, AHeadSwitchCostsALittle) {
  const SimPhysics physics(small_profile());
  const auto contiguous_cost = [&](Lba lba) {
    SimDriveState s = physics.initial_state();
    s.position = lba;
    return physics.read(s, lba, 16, kTimeout).duration;
  };
  // Same zone and size; the second read crosses from head 0's stripe to head 1's.
  const Micros inside = contiguous_cost(8);
  const Micros across = contiguous_cost(56);
  EXPECT_NEAR(static_cast<double>((across - inside).count()), physics.profile().head_switch_ms * 1000, 1.0);
}

TEST(SimulatedDevice, OuterZonesTransferFaster) {
  const SimPhysics physics(small_profile());
  const auto contiguous_cost = [&](Lba lba) {
    SimDriveState s = physics.initial_state();
    s.position = lba;
    return physics.read(s, lba, 64, kTimeout).duration;
  };
  EXPECT_LT(contiguous_cost(0), contiguous_cost(3072));
}

TEST(SimulatedDevice, ResetsCostTheirKindOnTheClock) {
  Drive d(small_profile());
  const Micros soft = d.dev.reset(ResetKind::kSoft).duration;
  const Micros power = d.dev.reset(ResetKind::kPowerCycle).duration;
  EXPECT_GT(soft, Micros(0));
  EXPECT_GT(power, soft);
  EXPECT_EQ(d.dev.clock().now(), soft + power);
  EXPECT_EQ(d.dev.resets(), 2u);
}

// ---- physics as a separate piece ------------------------------------------------------------

TEST(SimPhysics, ReplayingTheSameCommandsGivesTheSameOutcomes) {
  const SimProfile p = SimProfile::builtin("demo");
  SimulatedDevice dev(p);
  dev.set_deliver_data(false);
  const SimPhysics physics(p);
  SimDriveState state = physics.initial_state();
  std::vector<std::byte> buf(512 * 1024);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 300; ++i) {
    const Lba lba = rng() % (p.capacity_sectors - 1024);
    const auto count = static_cast<std::uint32_t>(1 + rng() % 1024);
    const ReadOutcome a = dev.read(lba, count, buf, 3s);
    const ReadOutcome b = physics.read(state, lba, count, 3s);
    ASSERT_EQ(a.status, b.status) << i;
    ASSERT_EQ(a.error_lba, b.error_lba) << i;
    ASSERT_EQ(a.duration, b.duration) << i;
    if (a.needs_reset) {
      dev.reset(ResetKind::kDevice);
      physics.reset(state, ResetKind::kDevice);
    }
  }
  EXPECT_EQ(dev.error_reads(), state.error_reads);
}

TEST(SimPhysics, BuiltinsHaveTheTroubleTheyAdvertise) {
  const SimPhysics demo(SimProfile::builtin("demo"));
  EXPECT_TRUE(demo.first_bad_in(0, demo.profile().capacity_sectors).has_value());
  const SimPhysics healthy(SimProfile::builtin("healthy"));
  EXPECT_FALSE(healthy.first_bad_in(0, healthy.profile().capacity_sectors).has_value());
  const SimPhysics hang(SimProfile::builtin("hang"));
  EXPECT_TRUE(hang.is_hang(hang.profile().hang_ranges.front().start));
}

TEST(SimPhysics, AHugeDriveCostsNoMemoryAndFindsWeakClustersAnywhere) {
  SimProfile p;
  p.capacity_sectors = 4'000'000'000ULL;  // ~2 TB.
  p.stripe_sectors = 1 << 20;
  p.weak_heads = {{.head = 3, .extra_latency_ms = 10, .bad_fraction = 0.05, .cluster_sectors = 64, .wear = {}}};
  SimulatedDevice dev(p);
  // The last 8 stripes hold two of head 3's; its bad clusters are there too.
  const Lba lo = p.capacity_sectors - 8 * p.stripe_sectors;
  const auto bad = dev.physics().first_bad_in(lo, p.capacity_sectors);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(dev.head_of(*bad), 3);
  EXPECT_EQ(*bad % 64, 0u);
  for (Lba l = lo; l < *bad; l += 64) ASSERT_FALSE(dev.physics().is_bad(l)) << l;
  std::vector<std::byte> buf(512 * 8);
  const ReadOutcome r = dev.read(*bad - 4, 8, buf, kTimeout);
  EXPECT_EQ(r.status, ReadStatus::kMediaError);
  EXPECT_EQ(r.error_lba, *bad);
  Lba healthy = p.capacity_sectors - 8;
  while (dev.head_of(healthy) == 3) healthy -= p.stripe_sectors;
  EXPECT_TRUE(dev.read(healthy, 8, buf, kTimeout).ok());
}

}  // namespace
}  // namespace ptrescue
