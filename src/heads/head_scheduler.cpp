// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/heads/head_scheduler.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "base/durable_file.h"
#include "src/mapfile/domain.h"

namespace ptrescue {
namespace {

constexpr std::uint64_t bit(int h) { return std::uint64_t{1} << h; }

// A band closes after a stretch of good reads so long that, at the error
// rate seen inside the band, it would happen inside a weak stripe at most
// 2% of the time.
constexpr double kFalseCloseChance = 0.02;
constexpr int kMinCloseClusters = 4;
constexpr int kMaxCloseClusters = 64;

// A weak head is given up when, after this many error reads in the weak
// heads pass, it has rescued less than 1/16 of a cluster per error read.
constexpr std::int64_t kGiveUpAfterErrors = 24;
constexpr std::int64_t kGiveUpYieldDivisor = 16;

// While no grid is known, the first errors of a band are read past one
// cluster at a time (each finds a bad cluster and the good ones between, as
// the weak heads pass would): the stripe's extent is then known well enough
// to learn the grid. After that many errors the band is crossed with
// doubling skips.
constexpr int kDenseErrors = 8;

// A band crossed forwards in which every read failed, 5 of them or more,
// is a dead stripe. From the next dead band on, its width is crossed in one
// step (shorter runs of bad clusters, in a weak stripe, teach nothing about
// stripe widths; waiting for a second dead band to agree cost more than it
// saved on the failing-drive bench, 215 against 188 s to 90 % on
// h-dead-256m). Not 9 (past the dense reading): a dead stripe of 2 MiB
// ends after 6 and never taught a width (dead-2m 90 % in 147 s, now 105);
// 4 gave the dead drives nothing more and cost `scattered` 4 % in its time
// to 99 % (docs/HEADMAP.md).
constexpr int kDeadBandErrors = 5;

// The grid is learnt (frozen) only from a fit this sure, on this many
// bands repeating the period; and forgotten again (back to learning) if
// errors where none were expected come this often: this many within as
// many periods.
constexpr double kFreezeConfidence = 0.8;
constexpr int kFreezeSupport = 5;
constexpr std::size_t kSurpriseBurst = 4;
// Scattered damage is taken to come in runs of at most this many errors.
constexpr int kMaxStrayErrors = 2;

// Fits use the last this many bands; past this many bands without a clear
// pattern, the next fit waits until there are half as many again.
constexpr std::size_t kFitBands = 128;
constexpr std::size_t kFitErrors = 4096;
constexpr std::size_t kRefitBackoffFrom = 32;
// The read times are fitted again after this many more good reads.
constexpr std::size_t kLatencyRefitEvery = 32;
constexpr double kLatencyFreezeConfidence = 0.9;
constexpr int kLatencyFreezeSupport = 8;

}  // namespace

HeadScheduler::HeadScheduler(Setup setup)
    : setup_(std::move(setup)),
      ss_(setup_.sector_size),
      skip_max_(setup_.skip_max > 0 ? setup_.skip_max
                                    : std::max<std::int64_t>(setup_.skip_initial,
                                                             static_cast<std::int64_t>(setup_.capacity) * ss_ / 100)) {
  // Skips are whole sectors (and at least one), so every read starts on one.
  const auto whole = [&](std::int64_t v) { return std::max<std::int64_t>(ss_, v / ss_ * ss_); };
  setup_.skip_initial = whole(setup_.skip_initial);
  setup_.cluster_bytes = whole(setup_.cluster_bytes);
  skip_max_ = std::max(setup_.skip_initial, whole(skip_max_));
  for (int h : setup_.options.skip)
    if (h >= 0 && h < HeadMap::kMaxHeads) skip_mask_ |= bit(h);
  if (!setup_.known.empty()) {
    map_ = setup_.known;
    for (int h : map_.weak_heads()) weak_mask_ |= bit(h);
  }
  // rescue --analyze: the triage's read times, before the first read.
  if (setup_.time_reads && setup_.known.empty() && setup_.infer && !setup_.options.latency_seed.empty()) {
    timed_ = setup_.options.latency_seed;
    refit_from_latency();
  }
}

void HeadScheduler::learn_from_map(const MapFile& map) {
  map.for_each([&](const MapBlock& b) {
    if (b.status == BlockStatus::kBadSector) {
      note_error_lba(lba_of(b.pos));
      if (b.size > ss_) note_error_lba(lba_of(b.end() - 1));
    } else if (b.status == BlockStatus::kNonTrimmed || b.status == BlockStatus::kNonScraped) {
      note_error_lba(lba_of(b.pos));
    }
  });
  if (setup_.known.empty() && setup_.infer && !errors_.empty()) {
    bands_ = group_errors(errors_);
    refit();
  }
  update_weak_from_counts();
}

void HeadScheduler::note_error_lba(Lba lba) {
  errors_.push_back(lba);
  const auto h = map_.head_of(lba);
  if (h) ++errors_by_head_[static_cast<std::size_t>(*h)];
}

std::uint64_t HeadScheduler::deferred_mask() const { return weak_mask_ | given_up_mask_ | skip_mask_; }

std::optional<Extent> HeadScheduler::next_deferred(std::int64_t pos, std::uint64_t mask) const {
  if (mask == 0 || map_.empty()) return std::nullopt;
  std::optional<Extent> best;
  if (uses_grid(mask)) {
    if (const auto w = grid_->next_weak(lba_of(pos))) best = Extent{pos_of(w->start), pos_of(w->end) - pos_of(w->start)};
    mask &= ~(std::uint64_t{1} << grid_label_);
  }
  if (mask != 0 && !grid_) {
    if (const auto s = map_.next_span_of(lba_of(pos), mask)) {
      const Extent e{pos_of(s->start), pos_of(s->end) - pos_of(s->start)};
      if (!best || e.pos < best->pos) best = e;
    }
  }
  return best;
}

std::optional<Extent> HeadScheduler::prev_deferred(std::int64_t pos) const {
  std::uint64_t mask = deferred_mask();
  if (mask == 0 || map_.empty() || pos <= 0) return std::nullopt;
  const Lba lba = static_cast<Lba>((pos + ss_ - 1) / ss_);
  std::optional<Extent> best;
  if (uses_grid(mask)) {
    if (const auto w = grid_->prev_weak(lba)) best = Extent{pos_of(w->start), pos_of(w->end) - pos_of(w->start)};
    mask &= ~(std::uint64_t{1} << grid_label_);
  }
  if (mask != 0 && !grid_) {
    if (const auto s = map_.prev_span_of(lba, mask)) {
      const Extent e{pos_of(s->start), pos_of(s->end) - pos_of(s->start)};
      if (!best || e.end() > best->end()) best = e;
    }
  }
  return best;
}

void HeadScheduler::close_band() {
  if (!band_.open) return;
  band_.open = false;
  band_.skip = 0;
  if (band_.jumped && band_.band.errors == band_.errors_at_jump) {
    if (dead_width_ && band_.jump_width >= dead_width_->lower) {
      // The jump into the range the dead widths leave open landed on good
      // ground: the dead stripes end before it.
      dead_width_->upper = dead_width_->upper == 0 ? band_.jump_width : std::min(dead_width_->upper, band_.jump_width);
    } else {
      // The jump by the narrowest dead band's width landed on good ground:
      // this stripe was narrower (a zone change). Learn the width again.
      dead_width_.reset();
    }
  } else if (band_.forward && band_.forward == learn_forward_ &&
             (band_.band.errors >= kDeadBandErrors || band_.jumped) &&
             band_.reads_at_error == band_.band.errors) {
    // Dead all across (a band crossed by the jump counts however few its
    // error reads). A head's stripes in a zone are equally wide: keep the
    // width the dead bands agree on; one that disagrees starts afresh.
    DeadWidth w{band_.band.last - band_.band.first + 1,
                band_.band.clear_from > band_.band.first ? band_.band.clear_from - band_.band.first : 0};
    if (dead_width_) {
      const Lba lower = std::max(w.lower, dead_width_->lower);
      const Lba upper = w.upper == 0 ? dead_width_->upper
                        : dead_width_->upper == 0 ? w.upper
                                                  : std::min(w.upper, dead_width_->upper);
      if (upper == 0 || lower <= upper) w = DeadWidth{lower, upper};
    }
    dead_width_ = w;
  }
  if (band_.forward == learn_forward_) {
    // Kept in LBA order: a backward pass (-R) finds them last first.
    if (band_.forward) bands_.push_back(band_.band);
    else bands_.insert(bands_.begin(), band_.band);
    refit();
  }
}

void HeadScheduler::end_pass() { close_band(); }

void HeadScheduler::on_good(const Extent& read, bool forward) {
  if (!band_.open || band_.forward != forward) return;
  ++band_.reads;
  if (band_.good_from < 0) band_.good_from = forward ? read.pos : read.end();
  const std::int64_t stretch = forward ? read.end() - band_.good_from : band_.good_from - read.pos;
  // The error rate inside the band, up to its last error (the good reads
  // since are what is being judged).
  const double p = static_cast<double>(band_.band.errors) / std::max(1, band_.reads_at_error);
  int clusters = kMinCloseClusters;
  if (p < 0.99)
    clusters = std::clamp(static_cast<int>(std::ceil(std::log(kFalseCloseChance) / std::log(1.0 - p))),
                          kMinCloseClusters, kMaxCloseClusters);
  if (stretch >= clusters * setup_.cluster_bytes) {
    if (forward) band_.band.clear_from = lba_of(band_.good_from);
    close_band();
  }
}

std::int64_t HeadScheduler::on_error(const Extent& read, std::int64_t bad_pos, bool forward) {
  const Lba bad = lba_of(bad_pos >= 0 ? bad_pos : read.pos);
  note_error_lba(bad);
  update_weak_from_counts();
  // In an area left for later (pass 2, or a stripe that began before the
  // map said): go past it at once.
  if (const auto d = next_deferred(pos_of(bad)); d && d->pos <= pos_of(bad)) {
    if (band_.open) band_.good_from = -1;  // a tail of this band, if the stripe is wider than thought
    return forward ? std::max(d->end(), read.end()) : std::min(d->pos, read.pos);
  }
  if (grid_ && forward) {
    if (const auto next = follow_grid(read, bad)) return *next;
  }
  resume_band_just_ended(bad, forward);
  add_to_band(bad, forward);
  set_band_skip(read, bad_pos, forward);
  if (const auto target = jump_dead_width(read, bad, forward)) return *target;
  // A new band: maybe the one that shows the period.
  if (forward == learn_forward_ && band_.band.errors == 1) refit();
  if (grid_ && forward == learn_forward_) {
    // The grid was just learnt: go past this band's stripe if it is weak.
    if (const auto d = next_deferred(pos_of(bad)); d && d->pos <= pos_of(bad))
      return forward ? std::max(d->end(), read.end()) : std::min(d->pos, read.pos);
  }
  return forward ? read.end() + band_.skip : std::max<std::int64_t>(0, read.pos - band_.skip);
}

std::optional<std::int64_t> HeadScheduler::follow_grid(const Extent& read, Lba bad) {
  // With a learnt grid, an error where none was expected is a zone change
  // (or the grid slipped): a zone starts there, its weak stripe at the error.
  // An error close to a weak cell is the grid being a little off (it moves
  // to it); one far from them, a zone change or a grid that does not hold:
  // only those are counted.
  Lba at = bad;
  if (!grid_->near_weak(bad, grid_->stripe() / 4)) {
    const auto zone_start = zone_change_start(bad);
    if (!zone_start) {
      bands_.push_back(ErrorBand{bad, bad, 0, 1});
      return read.end();
    }
    at = *zone_start;
    surprises_.push_back(at);
  }
  stray_.clear();
  bands_.push_back(ErrorBand{bad, bad, 0, 1});
  if (surprises_.size() > kSurpriseBurst) surprises_.erase(surprises_.begin());
  if (surprises_.size() == kSurpriseBurst &&
      surprises_.back() - surprises_.front() < static_cast<Lba>(kSurpriseBurst) * grid_->period())
    return relearn_grid(read, bad);
  const WeakWindow w = grid_->on_surprise(at);
  map_ = grid_->to_head_map(grid_label_);
  dirty_ = true;
  return std::max(pos_of(w.end), read.end());
}

std::optional<Lba> HeadScheduler::zone_change_start(Lba bad) {
  // On a drive that showed scattered damage besides the weak stripes while
  // the grid was learnt, errors far from them are first taken for more of
  // it: only one more error within a stripe than those runs had makes them
  // a zone change.
  if (stray_.empty() || bad <= stray_.front() || bad - stray_.front() > grid_->stripe()) stray_.clear();
  stray_.push_back(bad);
  if (static_cast<int>(stray_.size()) < zone_change_errors_) return std::nullopt;
  // The zone's weak stripe starts at the first of them, unless that one
  // stands apart from the others (a stray before the stripe).
  return stray_.size() >= 3 && stray_[1] - stray_[0] > 2 * (stray_[2] - stray_[1]) ? stray_[1] : stray_[0];
}

std::optional<std::int64_t> HeadScheduler::relearn_grid(const Extent& read, Lba bad) {
  // The grid does not hold: fit again on everything seen, or learn again.
  // The old grid still holds where the burst began.
  const std::optional<StripeGrid> old = std::move(grid_);
  const Lba held_until = surprises_.front();
  grid_.reset();
  model_.reset();
  map_ = HeadMap();
  weak_mask_ = 0;
  surprises_.clear();
  stray_.clear();
  refit();
  if (grid_ && grid_->keep_before(*old, held_until)) {
    map_ = grid_->to_head_map(grid_label_);
    dirty_ = true;
  }
  if (grid_) {
    if (const auto d = next_deferred(pos_of(bad)); d && d->pos <= pos_of(bad)) return std::max(d->end(), read.end());
  }
  return std::nullopt;
}

void HeadScheduler::resume_band_just_ended(Lba bad, bool forward) {
  if ((!band_.open || band_.forward != forward) && forward && learn_forward_ && !bands_.empty() &&
      bad > bands_.back().last &&
      bad - bands_.back().last <= 2 * static_cast<Lba>(kMaxCloseClusters) * lba_of(setup_.cluster_bytes) / 4) {
    // Close after the band just ended: the same stripe (a long run of good
    // clusters inside a weak stripe ended the band too early). Go on with it.
    close_band();
    const ErrorBand prev = bands_.back();
    bands_.pop_back();
    band_ = Band{true, forward, prev, prev.errors, prev.errors, 0, -1, 0};
    band_.band.clear_from = 0;
    if (prev.errors > kDenseErrors)
      band_.skip = std::min(skip_max_, setup_.skip_initial << std::min(prev.errors - kDenseErrors, 20));
  }
}

void HeadScheduler::add_to_band(Lba bad, bool forward) {
  if (!band_.open || band_.forward != forward) {
    close_band();
    band_ = Band{true, forward, ErrorBand{bad, bad, 0, 1}, 1, 1, 0, -1, 1};
    return;
  }
  band_.band.first = std::min(band_.band.first, bad);
  band_.band.last = std::max(band_.band.last, bad);
  ++band_.band.errors;
  ++band_.reads;
  band_.reads_at_error = band_.reads;
  // Consecutive failures: a run of bad clusters, skip past it.
  band_.consecutive = band_.good_from < 0 ? band_.consecutive + 1 : 1;
  band_.good_from = -1;
}

void HeadScheduler::set_band_skip(const Extent& read, std::int64_t bad_pos, bool forward) {
  // None while the band is read densely (learning, forwards), except past
  // runs of failing clusters; then doubling like ddrescue's, but not reset
  // by the good clusters between bad ones.
  const bool dense = forward == learn_forward_ && !grid_ && setup_.infer && setup_.known.empty() && band_.band.errors <= kDenseErrors;
  if (dense) {
    band_.skip = band_.consecutive >= 2 ? setup_.cluster_bytes << std::min(band_.consecutive - 2, 20) : 0;
    band_.skip = std::max(band_.skip, band_.min_skip);
    // A bad run that begins inside the read, not at its start, is not
    // aligned with the reads: it most likely runs on into the next one
    // (scattered damage). Skip a cluster rather than pay a second error
    // read for the same run; the band's extent is learnt all the same.
    if (band_.skip == 0 && forward && bad_pos > read.pos) band_.skip = setup_.cluster_bytes;
  } else {
    band_.skip = band_.skip == 0 ? setup_.skip_initial : std::min(2 * band_.skip, skip_max_);
    band_.skip = std::max(band_.skip, band_.min_skip);
  }
}

std::optional<std::int64_t> HeadScheduler::jump_dead_width(const Extent& read, Lba bad, bool forward) {
  // The second failed read in a row of a new band, after dead bands were
  // crossed: go at once to where they would end here, rather than double
  // up from one cluster (a dead head's stripe then costs a few error reads,
  // not one per doubling). Where their widths are known to lie in a range,
  // to its middle: a landing on good ground halves the range for the next
  // band, a failed one leaves the skip at a quarter of the range. Only the
  // narrowest width is known: less a cluster.
  if (!(forward && forward == learn_forward_ && !grid_ && dead_width_ && band_.consecutive == 2 &&
        band_.band.errors == 2 && band_.reads_at_error == 2))
    return std::nullopt;
  const Lba cluster = lba_of(setup_.cluster_bytes);
  const DeadWidth& w = *dead_width_;
  const Lba width = w.upper > w.lower ? w.lower + (w.upper - w.lower) / 2 : w.upper == w.lower ? w.lower : w.lower - cluster;
  const Lba target = band_.band.first + width;
  if (target <= bad + cluster || pos_of(target) <= read.end()) return std::nullopt;
  if (w.upper > w.lower) band_.min_skip = std::min(skip_max_, pos_of((w.upper - w.lower) / 4));
  band_.skip = std::max(band_.skip, band_.min_skip);
  band_.jumped = true;
  band_.errors_at_jump = band_.band.errors;
  band_.jump_width = width;
  return pos_of(target);
}

void HeadScheduler::refit() {
  if (!setup_.known.empty() || !setup_.infer || grid_) return;
  // A fit costs time quadratic in the bands: on the recent ones only, and,
  // while the errors show no pattern, less often as they grow (a drive with
  // only scattered bad sectors must not slow the rescue down).
  const bool open = band_.open && band_.forward == learn_forward_;
  const std::size_t total = bands_.size() + (open ? 1 : 0);
  if (total >= kRefitBackoffFrom && total < next_refit_at_) return;
  // The bands to fit: the error positions grouped afresh (the bands as
  // they were crossed can split one stripe in several), each with the good
  // stretch that ended the crossed band holding its last error.
  std::vector<ErrorBand> crossed = bands_;
  if (open) crossed.insert(band_.forward ? crossed.end() : crossed.begin(), band_.band);
  const std::size_t from_err = errors_.size() > kFitErrors ? errors_.size() - kFitErrors : 0;
  std::vector<ErrorBand> bands = group_errors(std::vector<Lba>(errors_.begin() + static_cast<std::ptrdiff_t>(from_err), errors_.end()));
  for (ErrorBand& b : bands) {
    auto it = std::upper_bound(crossed.begin(), crossed.end(), b.last,
                               [](Lba v, const ErrorBand& c) { return v < c.first; });
    if (it != crossed.begin() && std::prev(it)->last == b.last) b.clear_from = std::prev(it)->clear_from;
  }
  if (bands.size() > kFitBands) bands.erase(bands.begin(), bands.end() - static_cast<std::ptrdiff_t>(kFitBands));
  InferenceSettings settings;
  settings.granule = static_cast<Lba>(std::max<std::int64_t>(1, setup_.cluster_bytes / ss_));
  auto m = fit_stripes(bands, setup_.capacity, settings);
  // Where the regrouping breaks stripes up (two heads: the gaps between
  // weak stripes are no longer than the skips inside them), the bands as
  // the pass crossed them still hold each stripe together: the surer fit
  // of the two is kept.
  if (crossed.size() >= 3 && crossed.size() < bands.size()) {
    if (crossed.size() > kFitBands) crossed.erase(crossed.begin(), crossed.end() - static_cast<std::ptrdiff_t>(kFitBands));
    auto mc = fit_stripes(crossed, setup_.capacity, settings);
    if (mc && (!m || mc->confidence > m->confidence)) m = std::move(mc);
  }
  // Neither sure enough to freeze: scattered damage next to the weak
  // stripes may be what blurs them. The bands' cores, fitted with strays in
  // mind (docs/HEADMAP.md).
  if (!m || m->confidence < kFreezeConfidence) {
    const auto cores = band_cores(crossed, errors_);
    if (cores.size() >= 3) {
      InferenceSettings noisy = settings;
      noisy.stray_points = true;
      auto mk = fit_stripes(cores, setup_.capacity, noisy);
      if (mk && (!m || mk->confidence > m->confidence)) m = std::move(mk);
    }
  }
  // Frozen only once the period is known to within a cluster (or 1/16 of a
  // stripe) over a zone of 16 periods (the grid follows a small slip as it
  // goes; a drift would cost error reads at every stripe).
  if (m && m->confidence >= kFreezeConfidence && m->supporting_bands >= kFreezeSupport &&
      16 * m->period_spread <= std::max<Lba>(settings.granule, m->stripe / 16)) {
    adopt_grid(*m);
  } else if (!m || m->confidence < kFreezeConfidence / 2) {
    next_refit_at_ = total + total / 2;
  }
}

void HeadScheduler::on_timed_read(const Extent& read, Micros duration, bool forward) {
  if (!setup_.time_reads || !setup_.known.empty() || !setup_.infer || forward != learn_forward_ || !forward) return;
  if (grid_ && !grid_from_latency_) return;
  timed_.push_back(TimedRead{lba_of(read.pos), static_cast<Lba>(read.size / ss_),
                             static_cast<double>(duration.count()) / 1000.0});
  if (timed_.size() >= next_latency_fit_at_) refit_from_latency();
}

// A fit of the slow reads' runs: adopted when as sure as a grid from errors
// must be; refitted as the pass goes on, so zones met later (a serpentine
// drive's weak stripe moves) join the grid.
void HeadScheduler::refit_from_latency() {
  next_latency_fit_at_ = timed_.size() + kLatencyRefitEvery;
  InferenceSettings settings;
  settings.granule = static_cast<Lba>(std::max<std::int64_t>(1, setup_.cluster_bytes / ss_));
  auto runs = slow_runs(timed_);
  if (runs.size() > kFitBands) runs.erase(runs.begin(), runs.end() - static_cast<std::ptrdiff_t>(kFitBands));
  if (runs.size() < 3) return;
  const auto m = fit_runs(runs, setup_.capacity, settings);
  // The slow runs are known to a read's width, not a sector's: the period
  // is taken once it is known to 1/64 of a stripe over 16 periods (the grid
  // is refitted as the pass goes on, zone by zone).
  // Surer than a grid from errors must be: the runs' edges are a read wide
  // (a weak head with scattered damage beside it gave 2 heads for 4 at 0.82).
  if (!m || m->confidence < kLatencyFreezeConfidence || m->supporting_bands < kLatencyFreezeSupport ||
      16 * m->period_spread > std::max<Lba>(settings.granule, m->stripe / 4))
    return;
  if (grid_ && model_ && model_->segments.size() == m->segments.size() && model_->period == m->period) return;
  adopt_grid(*m);
  grid_from_latency_ = true;
}

void HeadScheduler::adopt_grid(const StripeModel& m) {
  grid_from_latency_ = false;
  model_ = m;
  grid_ = StripeGrid::from_model(m, setup_.capacity);
  // The weak label: its place in the period of the first segment, counted
  // from the cell holding the middle of the drive's first stripe (head 0
  // when the first zone starts at LBA 0 in the natural head order). The
  // middle, not LBA 0: a grid learnt from read times is known to a read's
  // width, and an origin a little early must not renumber every head.
  const std::uint64_t w = grid_->weak_at(0);
  int weak_residue = 0;
  while (weak_residue < 63 && !(w >> weak_residue & 1U)) ++weak_residue;
  const int first = grid_->residue_at(std::min(grid_->stripe() / 2, setup_.capacity - 1));
  grid_label_ = (weak_residue - first + grid_->heads()) % grid_->heads();
  map_ = grid_->to_head_map(grid_label_);
  weak_mask_ = std::uint64_t{1} << grid_label_;
  // Bands of few errors outside the weak windows: scattered damage.
  zone_change_errors_ = 1;
  for (const ErrorBand& b : bands_)
    if (b.errors <= kMaxStrayErrors && !m.in_window(b.first) && !m.in_window(b.last))
      zone_change_errors_ = std::max(zone_change_errors_, b.errors + 1);
  inferred_ = true;
  dirty_ = true;
  close_band();
}

void HeadScheduler::update_weak_from_counts() {
  // A known map that does not say which head is weak: the one with most of
  // the errors, once it clearly has them.
  if (setup_.known.empty() || !setup_.known.weak_heads().empty()) return;
  std::int64_t total = 0;
  for (auto e : errors_by_head_) total += e;
  for (int h = 0; h < HeadMap::kMaxHeads; ++h) {
    const std::int64_t e = errors_by_head_[static_cast<std::size_t>(h)];
    if (e >= 3 && e > 2 * (total - e)) weak_mask_ |= bit(h);
  }
}

std::vector<int> HeadScheduler::weak_heads_in_order() const {
  std::vector<int> out;
  const std::uint64_t mask = weak_mask_ & ~given_up_mask_ & ~skip_mask_;
  for (int h : setup_.options.order)
    if (h >= 0 && h < HeadMap::kMaxHeads && (mask & bit(h)) && std::find(out.begin(), out.end(), h) == out.end())
      out.push_back(h);
  std::vector<int> rest;
  for (int h = 0; h < HeadMap::kMaxHeads; ++h)
    if ((mask & bit(h)) && std::find(out.begin(), out.end(), h) == out.end()) rest.push_back(h);
  std::stable_sort(rest.begin(), rest.end(), [&](int a, int b) {
    return errors_by_head_[static_cast<std::size_t>(a)] < errors_by_head_[static_cast<std::size_t>(b)];
  });
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

std::vector<Extent> HeadScheduler::take_uncertain() {
  std::vector<Extent> out;
  if (!grid_) return out;
  for (const WeakWindow& w : grid_->take_uncertain()) out.push_back(Extent{pos_of(w.start), pos_of(w.end) - pos_of(w.start)});
  return out;
}

std::optional<Extent> HeadScheduler::next_extent_of(int head, std::int64_t pos) const {
  if (head < 0 || head >= HeadMap::kMaxHeads) return std::nullopt;
  return next_deferred(pos, bit(head));
}

void HeadScheduler::on_weak_read(int head, bool error, std::int64_t rescued) {
  if (head < 0 || head >= HeadMap::kMaxHeads) return;
  const auto h = static_cast<std::size_t>(head);
  if (error) ++weak_errors_[h];
  weak_rescued_[h] += rescued;
  if (weak_errors_[h] >= kGiveUpAfterErrors &&
      weak_rescued_[h] * kGiveUpYieldDivisor < weak_errors_[h] * setup_.cluster_bytes)
    given_up_mask_ |= bit(head);
}

void HeadScheduler::judge_afresh(int head) {
  if (head < 0 || head >= HeadMap::kMaxHeads) return;
  const auto h = static_cast<std::size_t>(head);
  weak_errors_[h] = 0;
  weak_rescued_[h] = 0;
  given_up_mask_ &= ~bit(head);
}

bool HeadScheduler::given_up(int head) const {
  return head >= 0 && head < HeadMap::kMaxHeads && (given_up_mask_ & bit(head)) != 0;
}

int HeadScheduler::head_at(std::int64_t pos) const {
  const auto h = map_.head_of(lba_of(pos));
  return h ? *h : -1;
}

Millis HeadScheduler::timeout_for(std::int64_t pos, Millis fallback) const {
  if (setup_.options.timeouts.empty()) return fallback;
  const auto it = setup_.options.timeouts.find(head_at(pos));
  return it == setup_.options.timeouts.end() ? fallback : it->second;
}

std::optional<int> HeadScheduler::retries_for(int head) const {
  const auto it = setup_.options.retries.find(head);
  if (it == setup_.options.retries.end()) return std::nullopt;
  return it->second;
}

std::vector<int> HeadScheduler::heads_with_retries() const {
  std::vector<int> out;
  for (const auto& [h, n] : setup_.options.retries) out.push_back(h);
  return out;
}

std::string HeadScheduler::describe() const {
  if (map_.empty()) return "head map: none yet (inferring from errors)";
  std::string weak;
  for (int h = 0; h < HeadMap::kMaxHeads; ++h)
    if (weak_mask_ & bit(h)) weak += fmt::format("{}{}", weak.empty() ? "" : ",", h);
  if (grid_)
    return fmt::format("head map inferred: stripe {} sectors, {} heads, {} zone{} followed; weak head {} (learnt from {})",
                       grid_->stripe(), grid_->heads(), grid_->segment_count(), grid_->segment_count() == 1 ? "" : "s",
                       weak, model_ ? model_->summary(setup_.sector_size) : "");
  return fmt::format("head map: {} heads, weak {}", map_.heads().size(), weak.empty() ? "none yet" : weak);
}

std::string HeadScheduler::progress(const MapFile& map, const Domain& domain) const {
  if (map_.empty()) return {};
  const auto now = std::chrono::steady_clock::now();
  if (!progress_.empty() && now - progress_at_ < std::chrono::seconds(2)) return progress_;
  progress_at_ = now;
  std::vector<std::int64_t> total(HeadMap::kMaxHeads, 0), done(HeadMap::kMaxHeads, 0);
  const auto add = [&](std::int64_t pos, std::int64_t end, std::vector<std::int64_t>& v) {
    if (end <= pos) return;
    map_.for_each_span(lba_of(pos), static_cast<Lba>((end + ss_ - 1) / ss_), [&](const HeadSpan& s) {
      if (s.head >= 0) {
        const std::int64_t a = std::max(pos, pos_of(s.start)), b = std::min(end, pos_of(s.end));
        if (b > a) v[static_cast<std::size_t>(s.head)] += b - a;
      }
      return true;
    });
  };
  for (const Extent& e : domain.extents()) add(e.pos, e.end(), total);
  map.for_each([&](const MapBlock& b) {
    if (b.status == BlockStatus::kFinished) add(b.pos, b.end(), done);
  });
  std::string out = "heads:";
  for (int h = 0; h < HeadMap::kMaxHeads; ++h) {
    const auto i = static_cast<std::size_t>(h);
    if (total[i] == 0) continue;
    const char* mark = (skip_mask_ & bit(h)) ? " skipped" : (given_up_mask_ & bit(h)) ? " given up"
                       : (weak_mask_ & bit(h)) ? " weak" : "";
    out += fmt::format(" {}{} {:.1f}%", h, mark, 100.0 * static_cast<double>(done[i]) / static_cast<double>(total[i]));
    if (errors_by_head_[i] > 0) out += fmt::format(" ({} err)", errors_by_head_[i]);
    out += " |";
  }
  if (out.back() == '|') out.pop_back();
  progress_ = out;
  return out;
}

void HeadScheduler::save_if_changed() {
  if (!dirty_ || !inferred_ || setup_.save_path.empty()) return;
  // The file gets the best map the errors so far support: a fit on all of
  // them (dense once the weak heads were read) if it is sure, else the grid.
  InferenceSettings settings;
  settings.granule = static_cast<Lba>(std::max<std::int64_t>(1, setup_.cluster_bytes / ss_));
  const HeadInference all = infer_head_map(errors_, setup_.capacity, settings);
  const HeadMap& best = all.confident ? all.map : map_;
  // A grid dropped late (a burst of surprises after the weak heads were
  // read) leaves no map: the file keeps the last one it had.
  if (best.empty()) return;
  const std::string how = all.confident ? all.model->summary(setup_.sector_size) : describe();
  const std::string text = best.serialize(
      {fmt::format("Head map inferred by ptrescue version {} from {} read errors", PTRESCUE_VERSION, errors_.size()),
       how, "Read by 'ptrescue rescue' on resume; 'ptrescue headmap show' prints it"});
  // Durably: a resume trusts this file as the head map, so a crash must
  // leave the old one or the new one whole.
  try {
    replace_file_durably(setup_.save_path, text);
  } catch (const DurableWriteError& e) {
    throw std::runtime_error(fmt::format("cannot write head map: {}", e.what()));
  }
  dirty_ = false;
}

}  // namespace ptrescue
