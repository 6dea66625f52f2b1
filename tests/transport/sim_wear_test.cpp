// SPDX-License-Identifier: GPL-3.0-or-later
// A weak head that wears as it is read (docs/SIMULATOR.md, "Wear"): its
// extra latency and its share of bad clusters grow with the hours of work
// with it, failed reads on it add their own wear, and the drive dies when
// the wear reaches dies_at_hours. Deterministic: the physics' own state, no
// wall clock. Without a "wear" object nothing changes.
#include <gtest/gtest.h>

#include <string>

#include "transport/sim/sim_physics.h"
#include "transport/sim/sim_profile.h"

namespace ptrescue {
namespace {

constexpr Lba kStripe = 2048;  // 1 MiB

// 64 MiB, 2 heads, one zone, stripes of 1 MiB: head 1 reads [2048, 4096),
// [6144, 8192), ...; head 1 is weak (+30 ms) with no bad clusters at first.
SimProfile wearing(const SimWear& wear, double bad_fraction = 0) {
  SimProfile p;
  p.capacity_sectors = Lba{1} << 17;
  p.heads = 2;
  p.zones = 1;
  p.stripe_sectors = kStripe;
  SimWeakHead w;
  w.head = 1;
  w.extra_latency_ms = 30;
  w.bad_fraction = bad_fraction;
  w.cluster_sectors = 64;
  w.wear = wear;
  p.weak_heads = {w};
  return p;
}

double ms_of(const ReadOutcome& r) { return static_cast<double>(r.duration.count()) / 1000.0; }

TEST(SimWear, NoWearObjectKeepsTheStateAndTimesAsTheyWere) {
  const SimPhysics plain(wearing({}));
  SimDriveState s = plain.initial_state();
  EXPECT_TRUE(s.wear_hours.empty());
  const double first = ms_of(plain.read(s, kStripe, 128, Millis(0)));
  for (int i = 0; i < 50; ++i) plain.read(s, kStripe, 128, Millis(0));
  s.position = 0;  // the same seek as the first read
  EXPECT_DOUBLE_EQ(ms_of(plain.read(s, kStripe, 128, Millis(0))), first);
}

TEST(SimWear, LatencyGrowsWithTheHoursOfWorkOnTheHead) {
  SimWear wear;
  wear.per_hour_latency_growth_ms = 3600;  // 1 ms more per second of work
  const SimPhysics phys(wearing(wear));
  SimDriveState s = phys.initial_state();
  ASSERT_EQ(s.wear_hours.size(), 2U);
  // A contiguous read inside head 1's stripe: the head's work is the
  // transfer plus its extra latency.
  s.position = kStripe;
  s.last_head = 1;
  const double first = ms_of(phys.read(s, kStripe, 128, Millis(0)));
  const double worked_h = s.wear_hours[1];
  EXPECT_GT(worked_h, 0);
  EXPECT_EQ(s.wear_hours[0], 0);  // a healthy head does not wear
  s.position = kStripe;
  s.last_head = 1;
  const double second = ms_of(phys.read(s, kStripe, 128, Millis(0)));
  // The extra latency grew by 3600 ms per hour of the first read's work (to
  // the microsecond the durations are kept in).
  EXPECT_NEAR(second - first, 3600 * worked_h, 0.002);
  // A read of the healthy head pays nothing for head 1's wear.
  SimDriveState fresh = phys.initial_state();
  fresh.position = 0;
  const double healthy_fresh = ms_of(phys.read(fresh, 0, 128, Millis(0)));
  s.position = 0;
  s.last_head = -1;
  EXPECT_DOUBLE_EQ(ms_of(phys.read(s, 0, 128, Millis(0))), healthy_fresh);
}

TEST(SimWear, BadClustersGrowWithWearAndStayBad) {
  SimWear wear;
  wear.per_hour_error_growth = 1.0;  // every cluster bad after one hour of work
  const SimPhysics phys(wearing(wear));
  SimDriveState s = phys.initial_state();
  // At power-on nothing is bad.
  EXPECT_FALSE(phys.first_bad_in(0, phys.profile().capacity_sectors).has_value());
  // Half an hour of work on head 1: about half its clusters fail.
  s.wear_hours[1] = 0.5;
  int bad = 0, total = 0;
  std::vector<bool> was_bad;
  for (Lba stripe = kStripe; stripe < phys.profile().capacity_sectors; stripe += 2 * kStripe)
    for (Lba c = stripe; c < stripe + kStripe; c += 64) {
      SimDriveState probe = s;
      const bool failed = phys.read(probe, c, 64, Millis(0)).status == ReadStatus::kMediaError;
      was_bad.push_back(failed);
      bad += failed ? 1 : 0;
      ++total;
    }
  EXPECT_NEAR(static_cast<double>(bad) / total, 0.5, 0.05);
  // More wear: every cluster bad then is still bad, and more are.
  s.wear_hours[1] = 0.8;
  int later = 0;
  std::size_t k = 0;
  for (Lba stripe = kStripe; stripe < phys.profile().capacity_sectors; stripe += 2 * kStripe)
    for (Lba c = stripe; c < stripe + kStripe; c += 64, ++k) {
      SimDriveState probe = s;
      const bool failed = phys.read(probe, c, 64, Millis(0)).status == ReadStatus::kMediaError;
      if (was_bad[k]) {
        EXPECT_TRUE(failed) << c;
      }
      later += failed ? 1 : 0;
    }
  EXPECT_GT(later, bad);
  // Head 0 never fails.
  SimDriveState probe = s;
  EXPECT_EQ(phys.read(probe, 0, kStripe, Millis(0)).status, ReadStatus::kOk);
}

TEST(SimWear, FailedReadsWearAndTheDriveDiesAtItsLimit) {
  SimWear wear;
  wear.per_error_read_hours = 0.25;
  wear.dies_at_hours = 1.0;
  const SimPhysics phys(wearing(wear, 1.0));  // every cluster of head 1 bad
  SimDriveState s = phys.initial_state();
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(phys.read(s, kStripe, 64, Millis(0)).status, ReadStatus::kMediaError);
    // Each failed read: a quarter of an hour (its retries are not work).
    EXPECT_NEAR(s.wear_hours[1], 0.25 * i, 1e-4);
    EXPECT_FALSE(s.dead);
  }
  // The fourth failed read reaches one hour: it still reports its error,
  // and then the drive is gone.
  EXPECT_EQ(phys.read(s, kStripe, 64, Millis(0)).status, ReadStatus::kMediaError);
  EXPECT_TRUE(s.dead);
  EXPECT_EQ(phys.read(s, 0, 64, Millis(0)).status, ReadStatus::kDeviceGone);
}

TEST(SimWear, ProfileFieldsAreReadAndChecked) {
  const SimProfile p = SimProfile::from_json(R"({"capacity": "1GiB", "weak_heads": [{"head": 1,
      "wear": {"per_hour_error_growth": 0.02, "per_hour_latency_growth_ms": 10,
               "per_error_read_hours": 0.001, "dies_at_hours": 5}}]})");
  ASSERT_EQ(p.weak_heads.size(), 1U);
  EXPECT_DOUBLE_EQ(p.weak_heads[0].wear.per_hour_error_growth, 0.02);
  EXPECT_DOUBLE_EQ(p.weak_heads[0].wear.per_hour_latency_growth_ms, 10);
  EXPECT_DOUBLE_EQ(p.weak_heads[0].wear.per_error_read_hours, 0.001);
  EXPECT_DOUBLE_EQ(p.weak_heads[0].wear.dies_at_hours, 5);
  EXPECT_FALSE(SimProfile::from_json(R"({"capacity": "1GiB", "weak_heads": [{"head": 1}]})").weak_heads[0].wear.any());
  for (const char* bad : {R"({"capacity": "1GiB", "weak_heads": [{"head": 1, "wear": {"per_hour": 1}}]})",
                          R"({"capacity": "1GiB", "weak_heads": [{"head": 1, "wear": {"dies_at_hours": -1}}]})",
                          R"({"capacity": "1GiB", "weak_heads": [{"head": 1, "wear": 3}]})"}) {
    try {
      SimProfile::from_json(bad);
      ADD_FAILURE() << bad;
    } catch (const SimProfileError& e) {
      EXPECT_NE(std::string(e.what()).find("weak_heads[0].wear"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ptrescue
