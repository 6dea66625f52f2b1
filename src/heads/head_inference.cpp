// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/heads/head_inference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

namespace ptrescue {
namespace {

// x mod m for a possibly negative x.
Lba mod(std::int64_t x, Lba m) {
  const auto mm = static_cast<std::int64_t>(m);
  return static_cast<Lba>(((x % mm) + mm) % mm);
}

// The start of the window of the grid (phase + k*period) that holds `x`, or
// the one before it if x lies before `phase`'s window.
Lba window_start_at(Lba x, Lba phase, Lba period) {
  return x - mod(static_cast<std::int64_t>(x) - static_cast<std::int64_t>(phase), period);
}

constexpr int kMaxHeads = 64;
// At most this many spacings become period candidates (the fit is quadratic).
constexpr std::size_t kMaxCandidates = 500;
// The exact period from pairs of bands that line up, up to this many bands
// apart: at least this many pairs.
constexpr std::size_t kLineReach = 16;
constexpr std::size_t kMinLinedUp = 4;
// An error at a band's end further than this many usual gaps from the next
// is a stray.
constexpr Lba kStrayGapFactor = 2;

}  // namespace

// ---- StripeModel -------------------------------------------------------------

std::optional<WeakWindow> StripeModel::next_window(Lba lba) const {
  std::optional<WeakWindow> best;
  if (period == 0) return best;
  for (const auto& s : segments) {
    if (s.hi <= lba) continue;
    const Lba from = std::max(lba, s.lo);
    // The window holding `from` (ends after it) or the next one.
    Lba start = window_start_at(from, s.phase, period);
    if (start + stripe <= from) start += period;
    if (start >= s.hi) continue;
    WeakWindow w{std::max(start, s.lo), std::min(start + stripe, s.hi)};
    if (w.end <= lba || w.start >= w.end) continue;
    if (!best || w.start < best->start || (w.start == best->start && w.end > best->end)) best = w;
  }
  return best;
}

std::optional<WeakWindow> StripeModel::prev_window(Lba lba) const {
  std::optional<WeakWindow> best;
  if (period == 0) return best;
  for (const auto& s : segments) {
    if (s.lo >= lba) continue;
    const Lba upto = std::min(lba, s.hi);  // windows starting before upto
    const Lba start = window_start_at(upto - 1, s.phase, period);
    if (start + stripe <= s.lo) continue;
    WeakWindow w{std::max(start, s.lo), std::min(start + stripe, s.hi)};
    if (w.start >= lba || w.start >= w.end) continue;
    if (!best || w.end > best->end || (w.end == best->end && w.start < best->start)) best = w;
  }
  return best;
}

bool StripeModel::in_window(Lba lba) const {
  const auto w = next_window(lba);
  return w && w->start <= lba;
}

HeadMap StripeModel::to_head_map(Lba capacity) const {
  HeadMap map;
  if (period == 0 || stripe == 0 || heads < 2 || segments.empty()) return map;
  const auto H = static_cast<Lba>(heads);
  // The weak label: its place in the period of the first segment, so that
  // labels match the true heads when the first zone starts at LBA 0 with
  // the natural head order; rounded to the nearest stripe, since a phase
  // from read times is known to a read's width and may lie a little early.
  const int weak_label =
      static_cast<int>((mod(static_cast<std::int64_t>(segments.front().phase), period) + stripe / 2) / stripe % H);
  // Boundaries between segments: halfway through the gap where both apply.
  std::vector<Lba> bounds{0};
  for (std::size_t i = 1; i < segments.size(); ++i) {
    const Lba a = segments[i - 1].hi, b = segments[i].lo;
    Lba mid = a <= b ? a + (b - a) / 2 : b + (a - b) / 2;
    mid = std::clamp(mid, bounds.back(), capacity);
    bounds.push_back(mid);
  }
  bounds.push_back(capacity);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Lba lo = bounds[i], hi = bounds[i + 1];
    if (lo >= hi) continue;
    const Lba phase = segments[i].phase;
    // Label of stripe j counted from the weak one: (weak_label + j) mod H.
    auto label_of_stripe_at = [&](Lba x) {
      const Lba j = mod(static_cast<std::int64_t>(x) - static_cast<std::int64_t>(phase), period) / stripe;
      return static_cast<int>((static_cast<Lba>(weak_label) + j) % H);
    };
    // The zone form counts stripes from its start: start it on a stripe
    // boundary of this segment's grid, with the piece before it as a run.
    Lba z = lo + mod(static_cast<std::int64_t>(phase) - static_cast<std::int64_t>(lo), stripe);
    if (z >= hi) {
      map.add_run(lo, hi - lo, label_of_stripe_at(lo));
      continue;
    }
    if (z > lo) map.add_run(lo, z - lo, label_of_stripe_at(lo));
    std::vector<int> order;
    for (Lba k = 0; k < H; ++k) order.push_back(label_of_stripe_at(z + k * stripe));
    map.add_zone(z, hi, stripe, std::move(order));
  }
  map.set_weak_heads({weak_label});
  return map;
}

std::string StripeModel::summary(std::uint32_t sector_size) const {
  const auto mib = [&](Lba sectors) { return static_cast<double>(sectors) * sector_size / (1024.0 * 1024.0); };
  return fmt::format("period {} sectors ({:.3g} MiB), stripe {} sectors ({:.3g} MiB), {} heads, {} segment{}, "
                     "{} supporting bands, confidence {:.2f}",
                     period, mib(period), stripe, mib(stripe), heads, segments.size(),
                     segments.size() == 1 ? "" : "s", supporting_bands, confidence);
}

// ---- grouping ----------------------------------------------------------------

namespace {

// Gaps between errors of one stripe are short, gaps between stripes long:
// the split of the sorted log-gaps at their widest jump, with a few gaps on
// each side (a lone huge gap is not a structure). nullopt without a clear
// split: a jump of at least 2x and classes 8x apart on average.
std::optional<double> gap_split(std::vector<double> logs) {
  if (logs.size() < 3) return std::nullopt;
  std::sort(logs.begin(), logs.end());
  const std::size_t min_side = std::max<std::size_t>(2, logs.size() / 50);
  double jump = 0;
  std::size_t split = 0;
  for (std::size_t i = min_side; i + min_side <= logs.size(); ++i)
    if (logs[i] - logs[i - 1] > jump) {
      jump = logs[i] - logs[i - 1];
      split = i;
    }
  if (split == 0 || jump <= std::log(2.0)) return std::nullopt;
  double m0 = 0, m1 = 0;
  for (std::size_t i = 0; i < split; ++i) m0 += logs[i] / static_cast<double>(split);
  for (std::size_t i = split; i < logs.size(); ++i) m1 += logs[i] / static_cast<double>(logs.size() - split);
  if (m1 - m0 <= std::log(8.0)) return std::nullopt;
  return (logs[split - 1] + logs[split]) / 2;
}

// Merges neighbouring bands closer than the split between short and long
// gaps: one stripe crossed in several bands becomes one band.
std::vector<ErrorBand> merge_close_bands(const std::vector<ErrorBand>& bands) {
  if (bands.size() < 4) return bands;
  std::vector<double> logs;
  for (std::size_t i = 1; i < bands.size(); ++i)
    logs.push_back(std::log(static_cast<double>(std::max<Lba>(1, bands[i].first - std::min(bands[i].first, bands[i - 1].last)))));
  const auto t = gap_split(logs);
  if (!t) return bands;
  std::vector<ErrorBand> out{bands[0]};
  for (std::size_t i = 1; i < bands.size(); ++i) {
    if (logs[i - 1] <= *t) {
      ErrorBand& b = out.back();
      b.last = std::max(b.last, bands[i].last);
      b.errors += bands[i].errors;
      b.clear_from = bands[i].clear_from;
    } else {
      out.push_back(bands[i]);
    }
  }
  return out;
}

}  // namespace

std::vector<ErrorBand> group_errors(std::vector<Lba> errors) {
  std::sort(errors.begin(), errors.end());
  errors.erase(std::unique(errors.begin(), errors.end()), errors.end());
  std::vector<ErrorBand> bands;
  if (errors.empty()) return bands;
  std::vector<double> logs;
  for (std::size_t i = 1; i < errors.size(); ++i) logs.push_back(std::log(static_cast<double>(errors[i] - errors[i - 1])));
  const double threshold = gap_split(logs).value_or(-1);  // gaps above it split bands
  ErrorBand cur{errors[0], errors[0], 0, 1};
  for (std::size_t i = 1; i < errors.size(); ++i) {
    if (logs[i - 1] <= threshold) {
      cur.last = errors[i];
      ++cur.errors;
    } else {
      bands.push_back(cur);
      cur = ErrorBand{errors[i], errors[i], 0, 1};
    }
  }
  bands.push_back(cur);
  return bands;
}

std::vector<ErrorBand> band_cores(const std::vector<ErrorBand>& bands, std::vector<Lba> errors) {
  std::sort(errors.begin(), errors.end());
  errors.erase(std::unique(errors.begin(), errors.end()), errors.end());
  const auto errors_in = [&](const ErrorBand& b) {
    return std::vector<Lba>(std::lower_bound(errors.begin(), errors.end(), b.first),
                            std::upper_bound(errors.begin(), errors.end(), b.last));
  };
  // The usual gap between neighbouring errors of a band.
  std::vector<Lba> gaps;
  for (const ErrorBand& b : bands) {
    const auto e = errors_in(b);
    for (std::size_t i = 1; i < e.size(); ++i) gaps.push_back(e[i] - e[i - 1]);
  }
  if (gaps.empty()) return {};
  const auto mid = gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2);
  std::nth_element(gaps.begin(), mid, gaps.end());
  const Lba far = kStrayGapFactor * *mid;
  std::vector<ErrorBand> out;
  for (const ErrorBand& b : bands) {
    const auto e = errors_in(b);
    if (e.size() < 2) continue;
    std::size_t i = 0, j = e.size() - 1;
    while (j > i && e[i + 1] - e[i] > far) ++i;
    while (j > i && e[j] - e[j - 1] > far) --j;
    if (i == j) continue;  // strays only
    ErrorBand c = b;
    c.first = e[i];
    c.last = e[j];
    c.errors = static_cast<int>(j - i + 1);
    if (j + 1 < e.size()) c.clear_from = 0;  // the good stretch that ended it began past the trimmed tail
    out.push_back(c);
  }
  return out;
}

// ---- fitting -----------------------------------------------------------------
//
// fit_stripes() goes in steps, each below in its own function: the bands to
// fit (bands_to_fit), 1. the period from the spacings of band starts
// (coarse_period), 2. the period refined to the sector (refine_period),
// 3. the stripe and the segments together (StripeSearch), 4. the
// segments' ranges (segment_ranges), 5. the confidence (rate_confidence).

namespace {

// The bands in LBA order, neighbours closer than the gaps between stripes
// merged, and without the ones much wider than the others (7/4 of the
// upper quartile): two weak stripes side by side (a serpentine zone change
// puts the weak head's last stripe of one zone next to its first of the
// next) say nothing about the stripe's width, and would force the stripe
// to be twice as wide.
std::vector<ErrorBand> bands_to_fit(const std::vector<ErrorBand>& bands_in) {
  std::vector<ErrorBand> sorted = bands_in;
  std::sort(sorted.begin(), sorted.end(), [](const ErrorBand& a, const ErrorBand& b) { return a.first < b.first; });
  std::vector<ErrorBand> bands = merge_close_bands(sorted);
  if (bands.size() >= 4) {
    std::vector<Lba> widths;
    for (const auto& b : bands) widths.push_back(b.last - b.first + 1);
    const auto q = widths.begin() + static_cast<std::ptrdiff_t>(widths.size() * 3 / 4);
    std::nth_element(widths.begin(), q, widths.end());
    const Lba upper_quartile = *q;
    std::erase_if(bands, [&](const ErrorBand& b) { return 4 * (b.last - b.first + 1) > 7 * upper_quartile; });
  }
  return bands;
}

// The spacings between consecutive band starts, and how well a candidate
// period explains them.
struct Spacings {
  double g;               // the granule (sectors)
  std::vector<double> D;  // D[k]: from band k's start to band k+1's

  Spacings(const std::vector<ErrorBand>& bands, Lba granule)
      : g(static_cast<double>(std::max<Lba>(1, granule))), D(bands.size() - 1) {
    for (std::size_t k = 0; k + 1 < bands.size(); ++k) D[k] = static_cast<double>(bands[k + 1].first - bands[k].first);
  }
  // How far a spacing may be off a multiple of the period c.
  double tol(double c) const { return std::max(4.0 * g, c / 8.0); }
  // The multiple (1..4) of c that d repeats, 0 if none.
  int match(double d, double c) const {
    const double q = std::round(d / c);
    if (q < 1 || q > 4) return 0;
    return std::fabs(d - q * c) <= tol(c) ? static_cast<int>(q) : 0;
  }
  // Each matching spacing counts 1/q, a little less the further it is off,
  // so that of candidates explaining the same spacings the centred one wins.
  double score(double c) const {
    double s = 0;
    for (double d : D)
      if (const int q = match(d, c)) {
        const double off = std::fabs(d - q * c) / tol(c);
        s += (1.0 - 0.25 * off * off) / q;
      }
    return s;
  }
};

struct CoarsePeriod {
  double period = 0;
  bool kept_hint = false;  // the period of the model in use still holds
};

// 1. The period: the spacing that the most consecutive band starts repeat
//    (whole multiples count for less, so that half the period loses).
std::optional<CoarsePeriod> coarse_period(const Spacings& sp, const InferenceSettings& settings) {
  const double g = sp.g;
  std::vector<double> cands;
  const std::size_t step = std::max<std::size_t>(1, sp.D.size() / kMaxCandidates);
  for (std::size_t i = 0; i < sp.D.size(); i += step)
    for (int m = 1; m <= 3; ++m)
      if (sp.D[i] / m >= 4 * g) cands.push_back(std::round(sp.D[i] / m / g) * g);
  std::sort(cands.begin(), cands.end());
  cands.erase(std::unique(cands.begin(), cands.end()), cands.end());
  CoarsePeriod out;
  double best = 0;
  for (double c : cands) {
    const double s = sp.score(c);
    if (s > best + 1e-9) {
      best = s;
      out.period = c;
    }
  }
  if (best < 1.5 || out.period <= 0) return std::nullopt;
  out.kept_hint = settings.period_hint > 0 && sp.score(static_cast<double>(settings.period_hint)) >= 0.9 * best;
  if (out.kept_hint) out.period = static_cast<double>(settings.period_hint);
  return out;
}

// A band of a run: its period index and its first and last bad LBA.
struct BandPoint {
  double i, first, last;
};
using BandRun = std::vector<BandPoint>;

// Runs (three bands or more) of consecutive spacings that repeat the period P.
std::vector<BandRun> runs_of_period(const std::vector<ErrorBand>& bands, const Spacings& sp, double P) {
  const std::size_t n = bands.size();
  std::vector<BandRun> runs;
  std::size_t k = 0;
  while (k + 1 < n) {
    BandRun pts{{0.0, static_cast<double>(bands[k].first), static_cast<double>(bands[k].last)}};
    double idx = 0;
    std::size_t j = k;
    while (j + 1 < n) {
      const int q = sp.match(sp.D[j], P);
      if (!q) break;
      idx += q;
      pts.push_back(BandPoint{idx, static_cast<double>(bands[j + 1].first), static_cast<double>(bands[j + 1].last)});
      ++j;
    }
    if (pts.size() >= 3) runs.push_back(std::move(pts));
    k = j + 1;
  }
  return runs;
}

// The width of the narrowest arc of the circle of circumference cp that
// holds every point of v (sorts v).
double arc_width(std::vector<std::int64_t>& v, std::int64_t cp) {
  std::sort(v.begin(), v.end());
  std::int64_t gap = v.front() + cp - v.back();  // the wrap-around gap
  for (std::size_t i = 1; i < v.size(); ++i) gap = std::max(gap, v[i] - v[i - 1]);
  return static_cast<double>(cp - gap);
}

// Within a run (one zone), every band lies in the weak stripe of its
// period: modulo the true period, all of them fit in one arc no wider than
// a stripe; a period a little off smears them over a wider arc. Higher is
// better (minus the arcs' total width).
double envelope_score(const std::vector<BandRun>& runs, double c) {
  const auto cp = static_cast<std::int64_t>(std::llround(c));
  double width = 0;
  std::vector<std::int64_t> all, firsts;
  for (const auto& pts : runs) {
    all.clear();
    firsts.clear();
    for (const auto& p : pts) {
      firsts.push_back(static_cast<std::int64_t>(p.first) % cp);
      all.push_back(firsts.back());
      all.push_back(static_cast<std::int64_t>(p.last) % cp);
    }
    width += arc_width(all, cp);
  }
  return -width;
}

// The widest arc that one run's band starts alone take modulo c: tighter
// still where stripes begin exactly (a dead head, or a weak one whose first
// cluster is bad).
double firsts_arc(const std::vector<BandRun>& runs, double c) {
  const auto cp = static_cast<std::int64_t>(std::llround(c));
  double w = 0;
  std::vector<std::int64_t> v;
  for (const auto& pts : runs) {
    v.clear();
    for (const auto& p : pts) v.push_back(static_cast<std::int64_t>(p.first) % cp);
    w = std::max(w, arc_width(v, cp));
  }
  return w;
}

// A range of periods [a, b] that the evidence cannot choose between.
struct PeriodRange {
  double a, b;
};

// The periods under which the bands fit in the narrowest arc, give or take
// a granule: coarse steps over the whole tolerance `span` around P, then
// every period near the best coarse one; the contiguous range of those
// that fit nearly as well as the best (within a granule).
PeriodRange narrowest_arc_range(const std::vector<BandRun>& runs, double P, double span, double g) {
  const double step = std::max(1.0, std::floor(g / 8));
  double coarse = P, coarse_score = envelope_score(runs, P);
  for (double c = std::max(1.0, P - span); c <= P + span; c += step)
    if (const double sc = envelope_score(runs, c); sc > coarse_score) {
      coarse_score = sc;
      coarse = c;
    }
  std::vector<std::pair<double, double>> scored;  // (period, score)
  std::size_t best_i = 0;
  for (double c = std::max(1.0, coarse - 2 * g); c <= coarse + 2 * g; c += 1) {
    scored.emplace_back(c, envelope_score(runs, c));
    if (scored.back().second > scored[best_i].second) best_i = scored.size() - 1;
  }
  const double floor_score = scored[best_i].second - g;
  std::size_t i0 = best_i, i1 = best_i;
  while (i0 > 0 && scored[i0 - 1].second >= floor_score) --i0;
  while (i1 + 1 < scored.size() && scored[i1 + 1].second >= floor_score) ++i1;
  // Where stripes start exactly (a dead head), the band starts alone pin
  // the period: of the periods above, those under which every run's starts
  // coincide.
  double za = 0, zb = -1;
  for (std::size_t i = i0; i <= i1; ++i)
    if (firsts_arc(runs, scored[i].first) <= 1) {
      if (zb < za) za = scored[i].first;
      zb = scored[i].first;
    }
  if (zb >= za) return {za, zb};
  return {scored[i0].first, scored[i1].first};
}

// Stripe boundaries are exact: under the true period, the bands of a zone
// whose first (or last) bad sector lies the same way into their stripes --
// on its boundary, most often -- line up to the sector; under a period a
// little off they drift apart. The period within P's tolerance under which
// the most pairs of bands line up, if it clearly stands out.
std::optional<double> lined_up_period(const std::vector<ErrorBand>& bands, const Spacings& sp, double P) {
  const std::size_t n = bands.size();
  // Over the whole tolerance: strays can move the arcs' range off the true
  // period altogether.
  const auto lo = static_cast<std::int64_t>(std::ceil(P - sp.tol(P))), hi = static_cast<std::int64_t>(std::floor(P + sp.tol(P)));
  std::vector<std::int64_t> votes;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n && j <= i + kLineReach; ++j)
      for (const auto d : {static_cast<std::int64_t>(bands[j].first) - static_cast<std::int64_t>(bands[i].first),
                           static_cast<std::int64_t>(bands[j].last) - static_cast<std::int64_t>(bands[i].last)})
        for (std::int64_t k = std::max<std::int64_t>(1, d / hi); k <= d / std::max<std::int64_t>(1, lo); ++k)
          if (d % k == 0 && d / k >= lo && d / k <= hi) votes.push_back(d / k);
  std::sort(votes.begin(), votes.end());
  std::vector<std::pair<std::int64_t, std::size_t>> tally;  // (period, bands pairs that line up under it)
  for (const auto v : votes) {
    if (tally.empty() || tally.back().first != v) tally.emplace_back(v, 0);
    ++tally.back().second;
  }
  std::int64_t best_c = 0;
  std::size_t best_n = 0, second_n = 0;
  for (const auto& [c, k] : tally)
    if (k > best_n) {
      best_n = k;
      best_c = c;
    }
  // Pairs whose first bad clusters lie one cluster apart line up under a
  // period a fraction of a cluster off: the runner-up is looked for further
  // away than half a cluster.
  for (const auto& [c, k] : tally)
    if (2 * std::abs(c - best_c) > static_cast<std::int64_t>(sp.g)) second_n = std::max(second_n, k);
  if (best_n >= kMinLinedUp && 2 * best_n >= 3 * second_n) return static_cast<double>(best_c);
  return std::nullopt;
}

// Within a range the evidence cannot choose; stripes are laid out in whole
// tracks and sizes with many factors of two are common, so the one with the
// most (the middle of the range if none stands out).
double roundest_period_in(const PeriodRange& r) {
  const auto twos = [](std::int64_t v) {
    int t = 0;
    while (v > 0 && (v & 1) == 0 && t < 40) {
      v >>= 1;
      ++t;
    }
    return t;
  };
  double P = std::round((r.a + r.b) / 2);
  int best_twos = twos(static_cast<std::int64_t>(P));
  for (double c = std::ceil(r.a); c <= r.b; c += 1)
    if (const int t = twos(static_cast<std::int64_t>(c)); t > best_twos + 1) {
      best_twos = t;
      P = c;
    }
  return P;
}

struct RefinedPeriod {
  double period;
  double spread;  // how far off the period may be
};

// 2. Refine to the sector: band starts lie at window starts plus a
//    non-negative offset (the first bad cluster need not be the stripe's
//    first), and stripe boundaries are exact, so at the true period many
//    band starts sit exactly on the lower envelope of start - index*P, and
//    many band ends on the upper envelope of end - index*P.
RefinedPeriod refine_period(const std::vector<ErrorBand>& bands, const Spacings& sp, const CoarsePeriod& coarse,
                            const InferenceSettings& settings) {
  const double P = coarse.period;
  const std::vector<BandRun> runs = runs_of_period(bands, sp, P);
  if (runs.empty() || coarse.kept_hint) return {P, sp.tol(P)};
  // Of the range of periods that fit equally well (sparse evidence leaves
  // one), the middle one -- or, where the arcs leave a range (stray errors
  // next to weak stripes blur them), the one under which the most bands
  // line up.
  PeriodRange range = narrowest_arc_range(runs, P, sp.tol(P), sp.g);
  if (settings.stray_points && range.b - range.a >= 2) {
    if (const auto lined_up = lined_up_period(bands, sp, P)) range = {*lined_up, *lined_up};
  }
  return {roundest_period_in(range), (range.b - range.a) / 2};
}

// 3. The stripe and the segments, together. A band lies in a weak window
//    [phase, phase + stripe) of its segment; a zone change moves the phase;
//    a lone band off the phase between two on it is an outlier (a bad
//    sector of a healthy head) -- or, if it lies just after the window, the
//    sign that the stripe is wider than thought.
struct FitSegment {
  Lba phase;  // start of its windows (mod period)
  Lba reach;  // how far past the phase its bands reach
  std::vector<std::size_t> members;
  std::vector<Lba> ends;  // how far past the phase each band reaches
};

class StripeSearch {
 public:
  StripeSearch(const std::vector<ErrorBand>& bands, const Spacings& sp, const RefinedPeriod& refined,
               const InferenceSettings& settings)
      : bands_(bands),
        stray_points_(settings.stray_points),
        fitted_period_(static_cast<Lba>(std::llround(refined.period))),
        // A period pinned to the sector (band starts that coincide exactly)
        // is a whole number of stripes: only its divisors are stripes then
        // (good stretches found after a skip overshoot the stripe's end and
        // would otherwise pick too wide a stripe).
        exact_period_(refined.spread < 0.5),
        early_slack_(early_start_slack(sp, refined.period)),
        slack_(static_cast<Lba>(sp.g)),
        period_(fitted_period_) {
    std::vector<Lba> widths;
    for (const auto& b : bands_) widths.push_back(b.last - b.first + 1);
    wide_ = std::max(static_cast<Lba>(sp.g), widest(widths));
  }

  Lba fitted_period() const { return fitted_period_; }
  // The stripe and the segments; false when the bands are too wide for a
  // stripe of one head among several.
  bool search();
  Lba stripe() const { return stripe_; }
  int heads() const { return heads_; }
  const std::vector<FitSegment>& segments() const { return segs_; }

 private:
  // How far before its window a band may start (its first errors came late
  // into the earlier stripes): a few times the usual deviation of spacings.
  static Lba early_start_slack(const Spacings& sp, double P) {
    std::vector<double> devs;
    for (double d : sp.D)
      if (const int q = sp.match(d, P)) devs.push_back(std::fabs(d - q * P));
    std::sort(devs.begin(), devs.end());
    const double median_dev = devs.empty() ? 0 : devs[devs.size() / 2];
    return static_cast<Lba>(std::max(4.0 * sp.g, 3.0 * median_dev));
  }
  // Offset of x after phase, forwards, in [0, period).
  Lba ahead(Lba x, Lba phase) const {
    return mod(static_cast<std::int64_t>(x) - static_cast<std::int64_t>(phase), period_);
  }
  // With strays about, a quarter of the bands may reach too far: the upper
  // quartile of what they show instead of the widest.
  Lba widest(std::vector<Lba> v) const {
    if (v.empty()) return Lba{0};
    if (!stray_points_) return *std::max_element(v.begin(), v.end());
    const auto q = v.begin() + static_cast<std::ptrdiff_t>(v.size() * 3 / 4);
    std::nth_element(v.begin(), q, v.end());
    return *q;
  }
  int choose_heads() const;
  bool fits(const ErrorBand& b, const FitSegment& s) const;
  void add(FitSegment& s, std::size_t k) const;
  void assign_segments();
  void absorb_lone_bands();
  Lba stripe_end_bound() const;

  const std::vector<ErrorBand>& bands_;
  const bool stray_points_;
  const Lba fitted_period_;
  const bool exact_period_;
  const Lba early_slack_;
  const Lba slack_;  // a granule
  Lba period_;       // a whole number of stripes
  Lba wide_ = 0;     // the stripe is at least this wide
  Lba upper_ = 0;    // at most this wide; 0: no good stretch ended a band
  Lba stripe_ = 0;
  int heads_ = 0;
  std::vector<FitSegment> segs_;
};

// The stripe is a whole fraction of the period (every head of a zone has
// the same stripe length), at least as wide as the bands reach, at most as
// wide as the good stretches that ended bands allow: the widest such (with
// no such bound, the narrowest stripe).
int StripeSearch::choose_heads() const {
  const Lba lo = wide_ > 2 * slack_ ? wide_ - slack_ : wide_;
  for (int h = 2; h <= kMaxHeads && upper_ > 0; ++h) {
    const Lba s = fitted_period_ / static_cast<Lba>(h);
    if (s < lo) break;
    if (exact_period_ && fitted_period_ % static_cast<Lba>(h) != 0) continue;
    if (s <= upper_ + slack_) return h;
  }
  return static_cast<int>(std::min<Lba>(kMaxHeads, fitted_period_ / std::max<Lba>(1, lo)));
}

// Whether band b lies in a window of segment s: after its phase, or a
// little before it as long as the window still holds all its bands.
bool StripeSearch::fits(const ErrorBand& b, const FitSegment& s) const {
  const Lba S = stripe_;
  const Lba d = ahead(b.first, s.phase);
  // Inside a window, it must end there too (give or take a quarter of a
  // stripe: the stripe is not known yet): a band that starts late in the
  // window and runs on well past it is a zone whose stripes start
  // elsewhere (zones need not hold whole stripes), not a wider stripe.
  if (d < S) return d + (b.last - b.first) < S + std::max(slack_, S / 4);
  // A band that starts a little before the phase: the earlier bands' first
  // errors came late into their stripes. A start a stripe or so earlier is
  // a zone change.
  const Lba back = period_ - d;
  // With strays about, the early start is as likely a stray taken in (the
  // phase stays): the band must end inside the window.
  if (stray_points_)
    return back <= std::max(early_slack_, S / 4) && b.last - b.first < back + S + std::max(slack_, S / 4);
  // (Evidence is only good to a granule: a non-trimmed area may start just
  // past the stripe.)
  return back <= std::max(early_slack_, S / 4) && back + std::max(s.reach, b.last - b.first + 1) <= S + slack_;
}

void StripeSearch::add(FitSegment& s, std::size_t k) const {
  const Lba S = stripe_;
  const ErrorBand& b = bands_[k];
  const Lba d = ahead(b.first, s.phase);
  if (d >= S && stray_points_) {
    // An earlier start is as likely a stray: the phase stays (a band that
    // ends before the phase too reaches nothing past it).
    const Lba e = ahead(b.last, s.phase) + 1;
    s.ends.push_back(e <= S + std::max(slack_, S / 4) ? e : 0);
  } else {
    if (d >= S) {  // an earlier start: the phase moves back
      for (Lba& e : s.ends) e += period_ - d;
      s.phase = mod(static_cast<std::int64_t>(b.first), period_);
    }
    s.ends.push_back(ahead(b.first, s.phase) + (b.last - b.first) + 1);
  }
  s.reach = widest(s.ends);
  s.members.insert(std::lower_bound(s.members.begin(), s.members.end(), k), k);
}

// Each band joins the segment before it if it fits there, else opens one.
void StripeSearch::assign_segments() {
  const std::size_t n = bands_.size();
  segs_.clear();
  for (std::size_t k = 0; k < n; ++k) {
    const ErrorBand& b = bands_[k];
    if (!segs_.empty() && fits(b, segs_.back())) {
      add(segs_.back(), k);
      continue;
    }
    // Off the phase between two bands on it: an outlier (a bad sector of a
    // healthy head), unless it has many errors.
    if (!segs_.empty() && k + 1 < n && fits(bands_[k + 1], segs_.back()) && b.errors < 3) continue;
    segs_.push_back(FitSegment{mod(static_cast<std::int64_t>(b.first), period_), 0, {}, {}});
    add(segs_.back(), k);
  }
}

// A lone band that opened a segment of its own but lies in a window of the
// next (or previous) segment belongs there: a late first error at a zone
// change, not a zone of its own.
void StripeSearch::absorb_lone_bands() {
  for (std::size_t i = 0; i < segs_.size(); ++i) {
    if (segs_[i].members.size() != 1 || segs_.size() < 2) continue;
    for (const std::size_t j : {i + 1, i - 1}) {
      if (j >= segs_.size() || segs_[j].members.size() < 2) continue;
      if (fits(bands_[segs_[i].members[0]], segs_[j])) {
        add(segs_[j], segs_[i].members[0]);
        segs_[i].members.clear();
        break;
      }
    }
  }
  std::erase_if(segs_, [](const FitSegment& s) { return s.members.empty(); });
}

// The good stretch that ended a band began at or after its stripe's end (a
// quarter of them are allowed to be early: inside a weak stripe, a long run
// of good clusters can end a band). 0: none known.
Lba StripeSearch::stripe_end_bound() const {
  std::vector<Lba> ups;
  for (const auto& s : segs_)
    for (std::size_t k : s.members)
      if (bands_[k].clear_from > bands_[k].last)
        // (The window of its last error: with strays about, its first may
        // lie just before the window.)
        ups.push_back(bands_[k].clear_from - window_start_at(bands_[k].last, s.phase, period_));
  if (ups.empty()) return 0;
  std::sort(ups.begin(), ups.end());
  return ups[ups.size() / 4];
}

// Stripe and segments depend on each other: the stripe chosen, the bands
// fall into segments; what they reach (and the good stretches after them)
// may ask for another stripe; until it settles.
bool StripeSearch::search() {
  for (int iter = 0; iter < 16; ++iter) {
    heads_ = choose_heads();
    if (heads_ < 2) return false;
    stripe_ = fitted_period_ / static_cast<Lba>(heads_);
    period_ = stripe_ * static_cast<Lba>(heads_);  // phases are taken modulo the period the model keeps
    assign_segments();
    absorb_lone_bands();
    Lba wider = wide_;
    for (const auto& s : segs_) wider = std::max(wider, s.reach);
    const Lba new_upper = stripe_end_bound();
    if (wider <= stripe_ + slack_ && new_upper == upper_) break;
    wide_ = std::max(wide_, wider > stripe_ + slack_ ? wider : wide_);
    if (new_upper == upper_ && heads_ == choose_heads()) break;
    upper_ = new_upper;
  }
  return true;
}

// 4. Segment ranges: each reaches to the neighbours' nearest bands, so in
//    the gap where the phase changed both phases' windows are predicted.
std::vector<StripeModel::Segment> segment_ranges(const std::vector<FitSegment>& segs,
                                                 const std::vector<ErrorBand>& bands, Lba period, Lba capacity) {
  std::vector<StripeModel::Segment> out;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    StripeModel::Segment s;
    s.phase = mod(static_cast<std::int64_t>(segs[i].phase), period);
    s.lo = i == 0 ? 0 : bands[segs[i - 1].members.back()].last + 1;
    s.hi = i + 1 == segs.size() ? capacity : bands[segs[i + 1].members.front()].first;
    s.bands = static_cast<int>(segs[i].members.size());
    if (s.hi > s.lo) out.push_back(s);
  }
  return out;
}

// 5. Confidence: of the spacings between neighbouring bands of one segment
//    (a zone change is no evidence against the period), the share that
//    repeat the period; times the share of bands in segments of three or
//    more (random errors make many small segments); times how many spacings
//    repeated it (three could be chance, eight hardly).
void rate_confidence(StripeModel& m, const std::vector<FitSegment>& segs, const Spacings& sp, std::size_t n) {
  std::vector<int> seg_of(n, -1);
  std::size_t in_big = 0;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    for (std::size_t k : segs[i].members) seg_of[k] = static_cast<int>(i);
    if (segs[i].members.size() >= 3) in_big += segs[i].members.size();
  }
  int supporting = 0, eligible = 0;
  for (std::size_t k = 0; k + 1 < n; ++k) {
    if (seg_of[k] < 0 || seg_of[k] != seg_of[k + 1]) continue;
    ++eligible;
    if (sp.match(sp.D[k], static_cast<double>(m.period)) == 1) ++supporting;
  }
  m.supporting_bands = supporting;
  if (supporting < 2 || eligible == 0) return;  // confidence 0
  const double share = static_cast<double>(supporting) / eligible;
  const double grouped = static_cast<double>(in_big) / static_cast<double>(n);
  m.confidence = share * grouped * (1.0 - std::exp(-(static_cast<double>(supporting) - 1.0) / 2.0));
}

}  // namespace

std::optional<StripeModel> fit_stripes(const std::vector<ErrorBand>& bands_in, Lba capacity,
                                       const InferenceSettings& settings) {
  const std::vector<ErrorBand> bands = bands_to_fit(bands_in);
  if (bands.size() < 3) return std::nullopt;
  const Spacings spacings(bands, settings.granule);
  const auto coarse = coarse_period(spacings, settings);
  if (!coarse) return std::nullopt;
  const RefinedPeriod refined = refine_period(bands, spacings, *coarse, settings);
  StripeSearch search(bands, spacings, refined, settings);
  if (search.fitted_period() < 4 || !search.search()) return std::nullopt;
  StripeModel m;
  m.stripe = search.stripe();
  m.period = search.stripe() * static_cast<Lba>(search.heads());
  m.heads = search.heads();
  m.period_spread = coarse->kept_hint ? 0 : static_cast<Lba>(std::ceil(refined.spread));
  m.segments = segment_ranges(search.segments(), bands, m.period, capacity);
  rate_confidence(m, search.segments(), spacings, bands.size());
  return m;
}

HeadInference infer_head_map(const std::vector<Lba>& errors, Lba capacity, const InferenceSettings& settings) {
  HeadInference out;
  out.model = fit_stripes(group_errors(errors), capacity, settings);
  if (out.model && out.model->confidence >= settings.min_confidence) {
    out.confident = true;
    out.map = out.model->to_head_map(capacity);
  }
  return out;
}

}  // namespace ptrescue
