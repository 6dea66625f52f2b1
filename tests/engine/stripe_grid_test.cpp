// SPDX-License-Identifier: GPL-3.0-or-later
// The stripe grid a rescue follows once inference is sure (src/heads/stripe_grid.h):
// the windows of a fitted model, a zone change followed from one unexpected
// error with the new zone's own phase, and the head map it saves agreeing
// with the windows it gave the passes.
#include <gtest/gtest.h>

#include <vector>

#include "src/heads/stripe_grid.h"

namespace ptrescue {
namespace {

constexpr Lba kS = 1000;        // stripe
constexpr int kHeads = 4;
constexpr Lba kP = kS * kHeads;  // period
constexpr Lba kCapacity = 100 * kP;

// One segment over the whole drive: weak windows [300 + kP*k, 1300 + kP*k).
StripeGrid one_zone() {
  StripeModel m;
  m.period = kP;
  m.stripe = kS;
  m.heads = kHeads;
  m.segments = {StripeModel::Segment{0, kCapacity, 300, 10}};
  return StripeGrid::from_model(m, kCapacity);
}

std::vector<WeakWindow> windows_in(const StripeGrid& g, Lba from, Lba to) {
  std::vector<WeakWindow> out;
  for (auto w = g.next_weak(from); w && w->start < to; w = g.next_weak(w->end)) out.push_back(*w);
  return out;
}

TEST(StripeGrid, WindowsOfTheModel) {
  const StripeGrid g = one_zone();
  const auto w = windows_in(g, 0, 3 * kP);
  ASSERT_EQ(w.size(), 3U);
  EXPECT_EQ(w[0].start, 300U);
  EXPECT_EQ(w[0].end, 1300U);
  EXPECT_EQ(w[1].start, 300 + kP);
  EXPECT_EQ(w[2].end, 1300 + 2 * kP);
  // Inside a window, next_weak is that window; prev_weak of its end too.
  EXPECT_EQ(g.next_weak(700)->start, 300U);
  EXPECT_EQ(g.prev_weak(1300)->start, 300U);
  EXPECT_EQ(g.prev_weak(300 + kP)->start, 300U);
  EXPECT_FALSE(g.prev_weak(300).has_value());
}

TEST(StripeGrid, ASurpriseStartsAZoneWithItsOwnPhase) {
  StripeGrid g = one_zone();
  // An error half a stripe and more into a healthy stripe of period 10: a
  // zone whose stripes start elsewhere (zones need not hold whole stripes).
  const Lba e = 10 * kP + 2750;
  const WeakWindow w = g.on_surprise(e);
  EXPECT_EQ(w.start, e);
  EXPECT_EQ(w.end, e + kS);
  // From there on the weak windows are the new zone's, a period apart...
  const auto after = windows_in(g, e, e + 3 * kP);
  ASSERT_EQ(after.size(), 3U);
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].start, e + i * kP) << i;
    EXPECT_EQ(after[i].end, e + kS + i * kP) << i;
  }
  // ... and before it the old ones are as they were.
  const auto before = windows_in(g, 0, e);
  ASSERT_EQ(before.size(), 11U);
  EXPECT_EQ(before.back().start, 300 + 10 * kP);
  EXPECT_EQ(g.prev_weak(e)->start, 300 + 10 * kP);
  // The last old window before the change may be healthy: worth a probe.
  const auto uncertain = g.take_uncertain();
  ASSERT_EQ(uncertain.size(), 1U);
  EXPECT_EQ(uncertain[0].start, 300 + 10 * kP);
  EXPECT_TRUE(g.take_uncertain().empty());
}

TEST(StripeGrid, AnErrorJustBeforeAWindowMovesItEarlier) {
  StripeGrid g = one_zone();
  // The weak stripe starts before the grid said: from the error on, the
  // windows start at it; the ones before stay.
  const Lba e = 5 * kP + 200;
  g.on_surprise(e);
  EXPECT_EQ(g.next_weak(5 * kP)->start, e);
  EXPECT_EQ(g.next_weak(5 * kP)->end, e + kS);
  EXPECT_EQ(g.next_weak(e + kS)->start, e + kP);
  EXPECT_EQ(g.prev_weak(e)->start, 300 + 4 * kP);
  EXPECT_EQ(g.prev_weak(e)->end, 1300 + 4 * kP);
  // A change before the last one replaces it.
  const Lba e2 = 5 * kP + 100;
  g.on_surprise(e2);
  EXPECT_EQ(g.next_weak(e2)->start, e2);
  EXPECT_EQ(g.next_weak(e2 + kS)->start, e2 + kP);
  EXPECT_EQ(g.segment_count(), 2U);
}

TEST(StripeGrid, NearWeakMeasuresFromTheClosestWindow) {
  const StripeGrid g = one_zone();
  EXPECT_TRUE(g.near_weak(1300 + 100, 250));   // 100 after a window
  EXPECT_TRUE(g.near_weak(300 + kP - 200, 250));  // 200 before the next
  EXPECT_FALSE(g.near_weak(1300 + 1000, 250));
  EXPECT_FALSE(g.near_weak(1300 + 300, 250));
}

TEST(StripeGrid, TheSavedHeadMapAgreesWithTheWindows) {
  StripeGrid g = one_zone();
  g.on_surprise(20 * kP + 2750);
  g.on_surprise(40 * kP + 123);
  const HeadMap map = g.to_head_map(2);
  ASSERT_EQ(map.weak_heads(), std::vector<int>{2});
  for (Lba lba = 0; lba < kCapacity; lba += 37) {
    const auto w = g.next_weak(lba);
    const bool weak = w && w->start <= lba;
    const auto h = map.head_of(lba);
    ASSERT_TRUE(h.has_value()) << lba;
    EXPECT_EQ(*h == 2, weak) << "lba " << lba;
  }
}


TEST(StripeGrid, KeepBeforeTakesTheOldSegmentsUpToTheBurst) {
  StripeGrid old = one_zone();                  // windows at 300 + kP*k
  old.on_surprise(20 * kP + 2500);              // a zone from there, windows at 2500 + kP*k
  StripeModel m;
  m.period = kP;
  m.stripe = kS;
  m.heads = kHeads;
  m.segments = {StripeModel::Segment{0, kCapacity, 700, 10}};
  StripeGrid fresh = StripeGrid::from_model(m, kCapacity);  // windows at 700 + kP*k
  ASSERT_TRUE(fresh.keep_before(old, 40 * kP));
  EXPECT_EQ(fresh.next_weak(5 * kP)->start, 5 * kP + 300);    // the old grid's first zone
  EXPECT_EQ(fresh.next_weak(30 * kP)->start, 30 * kP + 2500);  // the zone it followed
  EXPECT_EQ(fresh.next_weak(50 * kP)->start, 50 * kP + 700);   // the fresh grid from the burst on
  // Grids of other stripes do not mix.
  StripeModel other = m;
  other.stripe = 2 * kS;
  other.period = 2 * kP;
  StripeGrid wide = StripeGrid::from_model(other, kCapacity);
  const Lba before = wide.next_weak(5 * kP)->start;
  EXPECT_FALSE(wide.keep_before(old, 40 * kP));
  EXPECT_EQ(wide.next_weak(5 * kP)->start, before);
}

}  // namespace
}  // namespace ptrescue
