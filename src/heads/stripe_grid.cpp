// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/heads/stripe_grid.h"

#include <algorithm>
#include <stdexcept>

namespace ptrescue {
namespace {

constexpr std::uint64_t bit(int r) { return std::uint64_t{1} << r; }

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int lowest_bit(std::uint64_t v) {
  for (int r = 0; r < 64; ++r)
    if (v & bit(r)) return r;
  return 0;
}

}  // namespace

StripeGrid::StripeGrid(Lba stripe, int heads, Lba origin, Lba capacity)
    : stripe_(stripe), heads_(heads), capacity_(capacity) {
  if (stripe == 0 || heads < 2 || heads > 64) throw std::invalid_argument("bad stripe grid");
  segs_.push_back(Seg{0, static_cast<std::int64_t>(origin), {}});
}

StripeGrid StripeGrid::from_model(const StripeModel& m, Lba capacity) {
  // The origin: the start of the weak windows of the best-supported segment
  // (where its earliest band starts), modulo the stripe.
  const Lba S = m.stripe;
  Lba origin = 0;
  int most = -1;
  for (const auto& s : m.segments)
    if (s.bands > most) {
      most = s.bands;
      origin = s.phase % S;
    }
  const Lba P = S * static_cast<Lba>(m.heads);
  StripeGrid g(S, m.heads, origin, capacity);
  const auto o = static_cast<std::int64_t>(origin);
  const auto cell_start = [&](Lba lba) {
    return static_cast<Lba>(std::max<std::int64_t>(
        0, o + floor_div(static_cast<std::int64_t>(lba) - o, static_cast<std::int64_t>(S)) * static_cast<std::int64_t>(S)));
  };
  g.segs_.clear();
  for (std::size_t i = 0; i < m.segments.size(); ++i) {
    const auto& s = m.segments[i];
    // A window of this segment: its middle is well inside one cell.
    const Lba ws = s.lo + (s.phase + P - s.lo % P) % P;
    const Lba ref = std::min(ws + S / 2, capacity > 0 ? capacity - 1 : 0);
    const Lba start = i == 0 ? 0 : cell_start(m.segments[i - 1].hi);
    if (!g.segs_.empty() && start <= g.segs_.back().start) {
      g.segs_.back().refs = {ref};
      continue;
    }
    g.segs_.push_back(Seg{start, o, {ref}});
  }
  if (g.segs_.empty()) g.segs_.push_back(Seg{0, o, {}});
  g.segs_.front().start = 0;
  return g;
}

std::int64_t StripeGrid::cell_of(const Seg& s, Lba lba) const {
  return floor_div(static_cast<std::int64_t>(lba) - s.origin, static_cast<std::int64_t>(stripe_));
}

WeakWindow StripeGrid::cell(std::size_t si, std::int64_t c) const {
  const std::int64_t s = segs_[si].origin + c * static_cast<std::int64_t>(stripe_);
  const std::int64_t e = s + static_cast<std::int64_t>(stripe_);
  const auto lo = static_cast<std::int64_t>(segs_[si].start), hi = static_cast<std::int64_t>(seg_end(si));
  return WeakWindow{static_cast<Lba>(std::clamp(s, lo, hi)), static_cast<Lba>(std::clamp(e, lo, hi))};
}

int StripeGrid::residue(std::int64_t c) const {
  const std::int64_t h = heads_;
  return static_cast<int>(((c % h) + h) % h);
}

std::uint64_t StripeGrid::weak_of(const Seg& s) const {
  std::uint64_t w = 0;
  for (Lba r : s.refs) w |= bit(residue(cell_of(s, r)));
  return w;
}

std::size_t StripeGrid::seg_index(Lba lba) const {
  auto it = std::upper_bound(segs_.begin(), segs_.end(), lba, [](Lba v, const Seg& s) { return v < s.start; });
  return it == segs_.begin() ? 0 : static_cast<std::size_t>(it - segs_.begin()) - 1;
}

std::uint64_t StripeGrid::weak_at(Lba lba) const { return weak_of(segs_[seg_index(lba)]); }

int StripeGrid::residue_at(Lba lba) const { return residue(cell_of(segs_[seg_index(lba)], lba)); }

std::optional<WeakWindow> StripeGrid::next_weak(Lba lba) const {
  for (std::size_t si = seg_index(lba); si < segs_.size(); ++si) {
    const Seg& s = segs_[si];
    const std::uint64_t set = weak_of(s);
    if (set == 0) continue;
    // At most a period of cells to the first weak one.
    for (std::int64_t c = cell_of(s, std::max(lba, s.start));; ++c) {
      const WeakWindow w = cell(si, c);
      if (w.start >= seg_end(si)) break;
      if (w.end > lba && w.start < w.end && (set & bit(residue(c)))) return w;
    }
  }
  return std::nullopt;
}

std::optional<WeakWindow> StripeGrid::prev_weak(Lba lba) const {
  if (lba == 0) return std::nullopt;
  for (std::size_t si = seg_index(lba - 1) + 1; si-- > 0;) {
    const Seg& s = segs_[si];
    const std::uint64_t set = weak_of(s);
    if (set == 0) continue;
    for (std::int64_t c = cell_of(s, std::min(lba, seg_end(si)) - 1);; --c) {
      const WeakWindow w = cell(si, c);
      if (w.end <= s.start) break;
      if (w.start < lba && w.start < w.end && (set & bit(residue(c)))) return w;
    }
  }
  return std::nullopt;
}

bool StripeGrid::near_weak(Lba lba, Lba within) const {
  const auto after = prev_weak(lba + 1);
  if (after && lba - std::min(lba, after->end) < within) return true;
  const auto next = next_weak(lba);
  return next && next->start - std::min(next->start, lba) < within;
}

WeakWindow StripeGrid::on_surprise(Lba lba) {
  // The old weak cells of the last period before the error may be on the
  // new zone's side.
  const Lba P = period();
  for (Lba from = lba > P ? lba - P : 0;;) {
    const auto w = next_weak(from);
    if (!w || w->start >= lba) break;
    uncertain_.push_back(WeakWindow{w->start, std::min(w->end, lba)});
    from = w->end;
  }
  while (!segs_.empty() && segs_.back().start >= lba) segs_.pop_back();
  segs_.push_back(Seg{lba, static_cast<std::int64_t>(lba), {lba}});
  segs_.front().start = 0;
  return cell(segs_.size() - 1, 0);
}

bool StripeGrid::keep_before(const StripeGrid& old, Lba lba) {
  if (old.stripe_ != stripe_ || old.heads_ != heads_ || lba == 0) return false;
  std::vector<Seg> segs;
  for (const Seg& s : old.segs_)
    if (s.start < lba) segs.push_back(s);
  const std::size_t from = seg_index(lba);
  for (std::size_t i = from; i < segs_.size(); ++i) {
    segs.push_back(segs_[i]);
    if (i == from) segs.back().start = lba;
  }
  segs_ = std::move(segs);
  return true;
}

HeadMap StripeGrid::to_head_map(int weak_label) const {
  HeadMap map;
  const auto H = static_cast<std::int64_t>(heads_);
  std::vector<int> weak{weak_label};
  for (std::size_t i = 0; i < segs_.size(); ++i) {
    const Seg& s = segs_[i];
    const Lba lo = s.start;
    const Lba hi = seg_end(i);
    const std::uint64_t wset = weak_of(s);
    if (lo >= hi || wset == 0) continue;
    const int w0 = lowest_bit(wset);
    auto label = [&](std::int64_t c) {
      return static_cast<int>((((residue(c) - w0 + weak_label) % H) + H) % H);
    };
    for (int r = 0; r < heads_; ++r)
      if (wset & bit(r)) weak.push_back(static_cast<int>((((r - w0 + weak_label) % H) + H) % H));
    std::int64_t c0 = cell_of(s, lo);
    Lba z = lo;
    if (s.origin + c0 * static_cast<std::int64_t>(stripe_) < static_cast<std::int64_t>(lo)) {
      // A piece of a cell before the zone form starts.
      const Lba end = cell(i, c0).end;
      map.add_run(lo, end - lo, label(c0));
      ++c0;
      z = end;
    }
    if (z >= hi) continue;
    std::vector<int> order;
    for (std::int64_t k = 0; k < H; ++k) order.push_back(label(c0 + k));
    map.add_zone(z, hi, stripe_, std::move(order));
  }
  map.set_weak_heads(std::move(weak));
  return map;
}

}  // namespace ptrescue
