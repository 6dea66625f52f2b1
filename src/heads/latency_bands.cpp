// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/heads/latency_bands.h"

#include <algorithm>
#include <cmath>

namespace ptrescue {
namespace {

// The q-quantile (0..1) of `v` (which it reorders); 0 when empty.
double quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

double per_sector(const TimedRead& r) { return r.ms / static_cast<double>(std::max<Lba>(1, r.sectors)); }

}  // namespace

std::vector<ReadPace> judge_paces(const std::vector<TimedRead>& reads, const LatencySettings& settings) {
  std::vector<ReadPace> pace(reads.size(), ReadPace::kUnjudged);
  // Reads that follow on from the previous one: no seek in their time.
  std::vector<std::size_t> on;
  for (std::size_t i = 1; i < reads.size(); ++i)
    if (reads[i].lba == reads[i - 1].lba + reads[i - 1].sectors && reads[i].sectors > 0) on.push_back(i);
  if (on.empty()) return pace;
  std::vector<double> rates;
  for (std::size_t i : on) rates.push_back(per_sector(reads[i]));
  const double median_rate = quantile(rates, 0.5);
  // Off the media or not: a cache-fast read says nothing about its head.
  std::vector<std::size_t> media;
  for (std::size_t i : on)
    if (per_sector(reads[i]) >= settings.cache_share * median_rate) media.push_back(i);
  if (media.empty()) return pace;
  // The transfer part at the drive's best rate, so that reads of other
  // sizes compare: what is left is per-command time (overhead, the zone's
  // slower rate, a weak head's extra).
  rates.clear();
  for (std::size_t i : media) rates.push_back(per_sector(reads[i]));
  const double best_rate = quantile(rates, 0.1);
  std::vector<double> rest(media.size());
  for (std::size_t k = 0; k < media.size(); ++k) {
    const TimedRead& r = reads[media[k]];
    rest[k] = r.ms - best_rate * static_cast<double>(r.sectors);
  }
  std::vector<double> all = rest;
  const double cap = quantile(all, 0.25) + settings.min_excess_ms;
  const auto w = static_cast<std::size_t>(std::max(1, settings.window));
  std::vector<double> near;
  for (std::size_t k = 0; k < media.size(); ++k) {
    const std::size_t lo = k > w ? k - w : 0;
    const std::size_t hi = std::min(media.size(), k + w + 1);
    near.assign(rest.begin() + static_cast<std::ptrdiff_t>(lo), rest.begin() + static_cast<std::ptrdiff_t>(hi));
    const double usual = std::min(quantile(near, 0.25), cap);
    pace[media[k]] = rest[k] - usual > settings.min_excess_ms ? ReadPace::kSlow : ReadPace::kNormal;
  }
  return pace;
}

std::vector<ErrorBand> slow_bands(const std::vector<TimedRead>& reads, const LatencySettings& settings) {
  std::vector<ErrorBand> out;
  for (const SlowRun& r : slow_runs(reads, settings)) out.push_back(r.band);
  return out;
}

std::vector<SlowRun> slow_runs(const std::vector<TimedRead>& reads, const LatencySettings& settings) {
  const std::vector<ReadPace> pace = judge_paces(reads, settings);
  std::vector<std::size_t> order(reads.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return reads[a].lba < reads[b].lba; });
  std::vector<SlowRun> bands;
  bool open = false;
  int normals = 0;
  Lba first_normal = 0;
  const auto close = [&](Lba clear_from) {
    if (open) bands.back().band.clear_from = clear_from;
    open = false;
  };
  for (std::size_t i : order) {
    const TimedRead& r = reads[i];
    if (pace[i] == ReadPace::kUnjudged) continue;
    if (pace[i] == ReadPace::kNormal) {
      if (normals++ == 0) first_normal = r.lba;
      if (open && normals >= settings.normal_to_end) close(first_normal);
      continue;
    }
    normals = 0;
    const Lba inside_first = r.lba + r.sectors - 1;  // surely in the slow stripe
    if (!open) {
      bands.push_back(SlowRun{ErrorBand{inside_first, inside_first, 0, 1}, r.lba});
      open = true;
    } else {
      ErrorBand& b = bands.back().band;
      b.last = std::max(b.first, r.lba);
      ++b.errors;
    }
  }
  return bands;
}

bool stripe_agrees_with_runs(const StripeModel& m, const std::vector<SlowRun>& runs) {
  // A run ended by a normal read spans the whole stripe and at most a read
  // more on each side: the stripe is no wider than most of them.
  std::vector<double> outer;
  for (const SlowRun& r : runs)
    if (r.band.clear_from > r.outer_first) outer.push_back(static_cast<double>(r.band.clear_from - r.outer_first));
  if (outer.size() < 3) return true;
  return static_cast<double>(m.stripe) <= quantile(outer, 0.25);
}

std::optional<StripeModel> fit_runs(const std::vector<SlowRun>& runs, Lba capacity, const InferenceSettings& fit) {
  if (runs.size() < 3) return std::nullopt;
  std::vector<ErrorBand> bands;
  std::vector<double> lead;
  for (const SlowRun& r : runs) {
    bands.push_back(r.band);
    lead.push_back(static_cast<double>(r.band.first - r.outer_first));
  }
  auto m = fit_stripes(bands, capacity, fit);
  if (!m || !stripe_agrees_with_runs(*m, runs)) return std::nullopt;
  // The bands start a read into their stripes (the last sector of the
  // first slow read); the stripe starts about where that read began: the
  // windows move back by the usual lead.
  const auto back = static_cast<Lba>(quantile(lead, 0.5));
  for (StripeModel::Segment& s : m->segments) s.phase = (s.phase + m->period - back % m->period) % m->period;
  return m;
}

std::optional<StripeModel> fit_latency(const std::vector<TimedRead>& reads, Lba capacity,
                                       const InferenceSettings& fit, const LatencySettings& settings) {
  return fit_runs(slow_runs(reads, settings), capacity, fit);
}

}  // namespace ptrescue
