#include "src/stripe_grid.h"

#include <algorithm>
#include <cmath>
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
    : stripe_(stripe), heads_(heads), origin_(static_cast<std::int64_t>(origin)), capacity_(capacity) {
  if (stripe == 0 || heads < 2 || heads > 64) throw std::invalid_argument("bad stripe grid");
  segs_.push_back(Seg{0, {}, false});
}

std::uint64_t StripeGrid::weak_of(const Seg& s) const {
  std::uint64_t w = 0;
  for (Lba r : s.refs) w |= bit(residue(cell_of(r)));
  return w;
}

StripeGrid StripeGrid::from_model(const StripeModel& m, const std::vector<ErrorBand>& bands, Lba capacity) {
  (void)bands;
  // The origin: the start of the weak windows of the best-supported segment
  // (where its earliest band starts), modulo the stripe: zones made of
  // whole stripes keep one grid.
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
  g.segs_.clear();
  for (std::size_t i = 0; i < m.segments.size(); ++i) {
    const auto& s = m.segments[i];
    // A window of this segment: its middle is well inside one cell.
    const Lba ws = s.lo + (s.phase + P - s.lo % P) % P;
    const Lba ref = std::min(ws + S / 2, capacity > 0 ? capacity - 1 : 0);
    const Lba start = i == 0 ? 0 : g.cell(g.cell_of(m.segments[i - 1].hi)).start;
    if (!g.segs_.empty() && start <= g.segs_.back().start) {
      g.segs_.back().refs = {ref};
      continue;
    }
    g.segs_.push_back(Seg{start, {ref}, false});
  }
  if (g.segs_.empty()) g.segs_.push_back(Seg{0, {}, false});
  g.segs_.front().start = 0;
  return g;
}

std::int64_t StripeGrid::cell_of(Lba lba) const {
  return floor_div(static_cast<std::int64_t>(lba) - origin_, static_cast<std::int64_t>(stripe_));
}

WeakWindow StripeGrid::cell(std::int64_t c) const {
  const std::int64_t s = origin_ + c * static_cast<std::int64_t>(stripe_);
  const std::int64_t e = s + static_cast<std::int64_t>(stripe_);
  return WeakWindow{static_cast<Lba>(std::clamp<std::int64_t>(s, 0, static_cast<std::int64_t>(capacity_))),
                    static_cast<Lba>(std::clamp<std::int64_t>(e, 0, static_cast<std::int64_t>(capacity_)))};
}

int StripeGrid::residue(std::int64_t c) const {
  const std::int64_t h = heads_;
  return static_cast<int>(((c % h) + h) % h);
}

std::size_t StripeGrid::seg_index(Lba lba) const {
  auto it = std::upper_bound(segs_.begin(), segs_.end(), lba, [](Lba v, const Seg& s) { return v < s.start; });
  return it == segs_.begin() ? 0 : static_cast<std::size_t>(it - segs_.begin()) - 1;
}

void StripeGrid::set_weak_from(Lba lba, std::vector<Lba> refs) {
  const Lba start = lba == 0 ? 0 : cell(cell_of(lba)).start;
  while (!segs_.empty() && segs_.back().start >= start) segs_.pop_back();
  segs_.push_back(Seg{start, std::move(refs), true});
  segs_.front().start = 0;
}

std::uint64_t StripeGrid::weak_at(Lba lba) const { return weak_of(segs_[seg_index(lba)]); }

std::optional<WeakWindow> StripeGrid::next_weak(Lba lba) const {
  std::int64_t c = cell_of(lba);
  while (true) {
    const WeakWindow w = cell(c);
    if (w.start >= capacity_ || w.start >= w.end) return std::nullopt;
    const std::size_t si = seg_index(std::max(w.start, lba));
    const std::uint64_t set = weak_of(segs_[si]);
    if (set == 0) {
      if (si + 1 >= segs_.size()) return std::nullopt;
      c = std::max(c + 1, cell_of(segs_[si + 1].start));
      continue;
    }
    if (set & bit(residue(c))) return w;
    ++c;
  }
}

std::optional<WeakWindow> StripeGrid::prev_weak(Lba lba) const {
  if (lba == 0) return std::nullopt;
  std::int64_t c = cell_of(lba - 1);
  while (true) {
    const WeakWindow w = cell(c);
    if (w.end == 0 || w.start >= w.end) return std::nullopt;
    const std::size_t si = seg_index(w.start);
    const std::uint64_t set = weak_of(segs_[si]);
    if (set == 0) {
      if (si == 0 || segs_[si].start == 0) return std::nullopt;
      c = std::min(c - 1, cell_of(segs_[si].start - 1));
      continue;
    }
    if (set & bit(residue(c))) return w;
    --c;
  }
}

WeakWindow StripeGrid::on_surprise(Lba lba, Lba snap) {
  // An error within `snap` sectors of a cell boundary marks where a stripe
  // starts (a dead head's, or a weak one's whose first cluster is bad): the
  // grid has drifted a little, set it right.
  {
    const std::int64_t c0 = cell_of(lba);
    const std::int64_t into = static_cast<std::int64_t>(lba) - (origin_ + c0 * static_cast<std::int64_t>(stripe_));
    const std::int64_t before = static_cast<std::int64_t>(stripe_) - into;  // to the next boundary
    if (into != 0 && into < static_cast<std::int64_t>(snap)) origin_ += into;
    else if (before < static_cast<std::int64_t>(snap)) origin_ -= before;
  }
  // The cell of the error is weak from here on: a zone change. Keep the old
  // weak cells too if the segment the error ends was itself young (less
  // than two periods: a second weak stripe per period, or a grid that does
  // not fit; the scheduler refits when such errors keep coming).
  const std::int64_t c = cell_of(lba);
  const Seg& cur = segs_[seg_index(lba)];
  const bool young = cur.from_surprise && lba - cur.start < 2 * period();
  std::vector<Lba> refs{lba};
  if (young) refs.insert(refs.end(), cur.refs.begin(), cur.refs.end());
  // The old weak cells of the last period may be on the new zone's side.
  for (std::int64_t k = c - heads_; k < c; ++k)
    if (k >= 0 && cell(k).start >= cur.start && (weak_of(cur) & bit(residue(k)))) uncertain_.push_back(cell(k));
  set_weak_from(cell(c).start, std::move(refs));
  return cell(c);
}

HeadMap StripeGrid::to_head_map(int weak_label) const {
  HeadMap map;
  const auto H = static_cast<std::int64_t>(heads_);
  std::vector<int> weak{weak_label};
  for (std::size_t i = 0; i < segs_.size(); ++i) {
    const Lba lo = segs_[i].start;
    const Lba hi = i + 1 < segs_.size() ? segs_[i + 1].start : capacity_;
    const std::uint64_t wset = weak_of(segs_[i]);
    if (lo >= hi || wset == 0) continue;
    const int w0 = lowest_bit(wset);
    auto label = [&](std::int64_t c) {
      return static_cast<int>((((residue(c) - w0 + weak_label) % H) + H) % H);
    };
    for (int r = 0; r < heads_; ++r)
      if (wset & bit(r)) weak.push_back(static_cast<int>((((r - w0 + weak_label) % H) + H) % H));
    std::int64_t c0 = cell_of(lo);
    Lba z = lo;
    if (origin_ + c0 * static_cast<std::int64_t>(stripe_) < static_cast<std::int64_t>(lo)) {
      // A piece of a cell before the zone form starts.
      const Lba end = std::min(hi, cell(c0).end);
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
