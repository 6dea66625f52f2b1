// SPDX-License-Identifier: GPL-3.0-or-later
// Head-map inference (src/heads/head_inference.h) on the evidence a rescue gives:
// the first bad sector of each failed read. On simulated drives of several
// seeds, stripe lengths, head counts and zone layouts it must find the true
// stripe length and head count, and its weak windows must be the weak
// head's stripes; on errors with no head pattern it must not claim one.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "src/heads/head_inference.h"
#include "transport/sim/sim_physics.h"
#include "transport/sim/sim_profile.h"

namespace ptrescue {
namespace {

constexpr Lba kRead = 128;  // sectors per read: the engine's default 64 KiB

// What reading the whole drive read by read shows: the first bad sector of
// every read that fails.
std::vector<Lba> errors_of_full_pass(const SimPhysics& physics) {
  std::vector<Lba> errors;
  const Lba cap = physics.profile().capacity_sectors;
  for (Lba lo = 0; lo < cap; lo += kRead)
    if (const auto bad = physics.first_bad_in(lo, std::min(cap, lo + kRead))) errors.push_back(*bad);
  return errors;
}

struct Geometry {
  std::uint64_t seed;
  int heads;
  Lba stripe;  // sectors
  int zones;
  int weak;
  bool dead = false;
  bool serpentine = true;
};

SimProfile profile_of(const Geometry& g) {
  SimProfile p;
  p.seed = g.seed;
  p.capacity_sectors = Lba{1} << 22;  // 2 GiB
  p.heads = g.heads;
  p.stripe_sectors = g.stripe;
  p.zones = g.zones;
  p.serpentine = g.serpentine;
  if (g.dead) {
    p.dead_heads = {g.weak};
  } else {
    SimWeakHead w;
    w.head = g.weak;
    w.bad_fraction = 0.25;
    w.cluster_sectors = 128;
    p.weak_heads = {w};
  }
  return p;
}

std::string name_of(const Geometry& g) {
  return fmt::format("seed{}_{}heads_stripe{}_{}zones_{}{}", g.seed, g.heads, g.stripe, g.zones,
                     g.dead ? "dead" : "weak", g.weak);
}

class InferenceRecoversGeometry : public ::testing::TestWithParam<Geometry> {};

TEST_P(InferenceRecoversGeometry, StripeHeadsAndWeakWindows) {
  const Geometry g = GetParam();
  const SimPhysics physics(profile_of(g));
  const Lba cap = physics.profile().capacity_sectors;
  InferenceSettings settings;
  settings.granule = kRead;
  const HeadInference inf = infer_head_map(errors_of_full_pass(physics), cap, settings);
  ASSERT_TRUE(inf.model);
  EXPECT_TRUE(inf.confident) << inf.model->summary(512);
  EXPECT_EQ(inf.model->heads, g.heads) << inf.model->summary(512);
  EXPECT_EQ(inf.model->stripe, g.stripe) << inf.model->summary(512);
  // The weak windows against the weak head's true stripes, read by read.
  std::int64_t weak = 0, found = 0, false_alarm = 0, healthy = 0;
  for (Lba lo = 0; lo < cap; lo += kRead) {
    const bool truly = physics.geometry().head_of(lo) == g.weak;
    const bool said = inf.model->in_window(lo);
    (truly ? weak : healthy) += 1;
    if (truly && said) ++found;
    if (!truly && said) ++false_alarm;
  }
  EXPECT_GE(static_cast<double>(found), 0.97 * static_cast<double>(weak)) << inf.model->summary(512);
  EXPECT_LE(static_cast<double>(false_alarm), 0.03 * static_cast<double>(healthy)) << inf.model->summary(512);
  // The map it writes names the weak head's stripes weak.
  ASSERT_FALSE(inf.map.empty());
  ASSERT_EQ(inf.map.weak_heads().size(), 1U);
  const int label = inf.map.weak_heads()[0];
  std::int64_t agree = 0, all = 0;
  for (Lba lo = 0; lo < cap; lo += 4 * kRead + 7, ++all)
    if ((inf.map.head_of(lo) == label) == (physics.geometry().head_of(lo) == g.weak)) ++agree;
  EXPECT_GE(static_cast<double>(agree), 0.97 * static_cast<double>(all));
}

// Dense evidence of zones of 16 periods or more. (Known gaps of the offline
// fit, docs/HEADMAP.md: two heads, zones of under 8 periods, and serpentine
// zone changes that put two weak stripes side by side, which a full pass
// sees as one band twice as wide.)
INSTANTIATE_TEST_SUITE_P(
    Drives, InferenceRecoversGeometry,
    ::testing::Values(Geometry{1, 4, 4096, 16, 2}, Geometry{2, 4, 2048, 16, 2}, Geometry{5, 8, 4096, 16, 5},
                      Geometry{13, 6, 6144, 16, 4}, Geometry{6, 4, 4096, 16, 1, true},
                      Geometry{19, 8, 2048, 16, 3, true}),
    [](const ::testing::TestParamInfo<Geometry>& i) { return name_of(i.param); });

TEST(HeadInference, ScatteredErrorsAreNoHeadPattern) {
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    std::mt19937_64 rng(seed);
    std::vector<Lba> errors;
    for (int i = 0; i < 400; ++i) errors.push_back(rng() % (Lba{1} << 22));
    const HeadInference inf = infer_head_map(errors, Lba{1} << 22, {});
    EXPECT_FALSE(inf.confident) << seed << ": " << (inf.model ? inf.model->summary(512) : "");
    EXPECT_TRUE(inf.map.empty());
  }
}

TEST(HeadInference, TooFewErrorsGiveNoModel) {
  EXPECT_FALSE(infer_head_map({}, 1000000, {}).model);
  EXPECT_FALSE(infer_head_map({100, 200}, 1000000, {}).model);
}

// Bands as a pass crosses them: an error within `reach` sectors of the
// band's last one joins it.
std::vector<ErrorBand> crossed_bands(const std::vector<Lba>& errors, Lba reach) {
  std::vector<ErrorBand> bands;
  for (Lba e : errors) {
    if (!bands.empty() && e - bands.back().last <= reach) {
      bands.back().last = e;
      ++bands.back().errors;
    } else {
      bands.push_back(ErrorBand{e, e, 0, 1});
    }
  }
  return bands;
}

TEST(HeadInference, BandCoresDropLoneErrorsAndTrimStrays) {
  // Errors 300 apart inside bands; a stray 2000 before the second band, a
  // lone error, and a pair of strays 3000 apart.
  std::vector<Lba> errors;
  for (Lba s : {10000, 30000, 50000})
    for (Lba k = 0; k < 6; ++k) errors.push_back(s + k * 300);
  errors.push_back(28000);
  errors.push_back(40000);
  errors.push_back(60000);
  errors.push_back(63000);
  std::sort(errors.begin(), errors.end());
  const auto cores = band_cores(crossed_bands(errors, 4000), errors);
  ASSERT_EQ(cores.size(), 3U);
  EXPECT_EQ(cores[0].first, 10000U);
  EXPECT_EQ(cores[1].first, 30000U);  // the stray at 28000 trimmed off
  EXPECT_EQ(cores[1].errors, 6);
  EXPECT_EQ(cores[2].first, 50000U);
  EXPECT_EQ(cores[2].last, 51500U);
}

// A weak head plus scattered damage next to its stripes: bands as a pass
// crosses them, whose first and last bad clusters lie a few clusters into
// the stripe (exactly on its boundary a quarter of the time), some with a
// stray error taken in before their start, and pairs of strays between
// them. The strays blur the arcs the period is refined on; fitted with
// strays in mind, the bands that line up exactly still give the period to
// the sector (a fit not sure enough to be used counts as none).
TEST(HeadInference, StraysBesideWeakStripesStillGiveTheExactPeriod) {
  constexpr Lba kS = 6144, kP = 4 * kS, kCluster = 128, kPeriods = 24;
  int no_model = 0;
  for (const std::uint64_t seed : {1U, 2U, 3U, 4U, 5U, 6U}) {
    std::mt19937_64 rng(seed);
    const auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
    const auto clusters_in = [&]() {  // bad with a chance of 1 in 4 each
      Lba k = 0;
      while (k < 8 && !chance(0.25)) ++k;
      return k * kCluster;
    };
    std::vector<ErrorBand> bands;
    for (Lba k = 0; k < kPeriods; ++k) {
      const Lba start = 5000 + k * kP;
      ErrorBand b{start + clusters_in(), start + kS - kCluster - clusters_in(), 0, 12};
      if (chance(0.3)) b.first -= 200 + rng() % 1300;  // a stray taken in
      bands.push_back(b);
      if (chance(0.5)) {
        const Lba at = start + kS + 2000 + rng() % 12000;
        bands.push_back(ErrorBand{at, at + kCluster, 0, 2});
      }
    }
    InferenceSettings settings;
    settings.granule = kCluster;
    settings.stray_points = true;
    const auto m = fit_stripes(bands, Lba{1} << 22, settings);
    if (!m || m->confidence < settings.min_confidence) {
      ++no_model;  // (strays between the stripes can make half the period look likelier)
      continue;
    }
    EXPECT_EQ(m->period, kP) << seed << ": " << m->summary(512);
    EXPECT_EQ(m->period_spread, 0U) << seed << ": " << m->summary(512);
  }
  EXPECT_LE(no_model, 1);
}

TEST(HeadInference, GroupErrorsSplitsStripesNotClusters) {
  // Three stripes 10000 sectors apart, each with errors a few hundred apart.
  std::vector<Lba> errors;
  for (Lba s : {10000, 20000, 30000, 40000})
    for (Lba k = 0; k < 5; ++k) errors.push_back(s + k * 300);
  const auto bands = group_errors(errors);
  ASSERT_EQ(bands.size(), 4U);
  EXPECT_EQ(bands[1].first, 20000U);
  EXPECT_EQ(bands[1].last, 21200U);
  EXPECT_EQ(bands[1].errors, 5);
}

}  // namespace
}  // namespace ptrescue
