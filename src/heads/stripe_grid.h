// SPDX-License-Identifier: GPL-3.0-or-later
// The stripe grid a rescue learns once the first weak stripes have shown
// the period (src/heads/head_inference.h): segment by segment (zone by zone), the
// LBA axis cut into cells of one stripe from the segment's own origin,
// `heads` cells per period, and which cells of the period the weak head
// reads. After that, one unexpected error is enough to follow a zone
// change: a new segment starts there, its weak stripe starting at the error
// (docs/HEADMAP.md).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "src/heads/head_inference.h"
#include "src/heads/head_map.h"

namespace ptrescue {

class StripeGrid {
 public:
  /// stripe > 0, 2 <= heads <= 64, origin < stripe.
  StripeGrid(Lba stripe, int heads, Lba origin, Lba capacity);
  /// The grid of a fitted model: its stripe and period, one origin for all
  /// (from the best-supported segment: zones made of whole stripes keep one
  /// grid), one segment per model segment.
  static StripeGrid from_model(const StripeModel& model, Lba capacity);

  Lba stripe() const { return stripe_; }
  int heads() const { return heads_; }
  Lba period() const { return stripe_ * static_cast<Lba>(heads_); }

  /// The residues (bit r: cell r of the period) that are weak at `lba`.
  std::uint64_t weak_at(Lba lba) const;

  /// The cell of the period (0 .. heads-1) holding `lba`.
  int residue_at(Lba lba) const;

  /// The weak cell holding `lba` or the first one after it.
  std::optional<WeakWindow> next_weak(Lba lba) const;
  /// The weak cell holding `lba - 1` or the last one before it.
  std::optional<WeakWindow> prev_weak(Lba lba) const;

  /// Whether `lba` lies less than `within` sectors from a weak cell.
  bool near_weak(Lba lba, Lba within) const;

  /// An error at `lba`, outside the weak cells: a zone change (or the grid
  /// was off here). A new segment starts at `lba` with a weak stripe
  /// starting there: a stripe's first bad sector is at or after its start,
  /// so the stripe is seldom placed early (its tail would then cost another
  /// error read) and a late one is set right by the next error before it.
  /// Returns that weak cell.
  WeakWindow on_surprise(Lba lba);

  /// Takes `old`'s segments before `lba` in place of its own (a grid
  /// learnt afresh after `old` stopped holding at `lba` still holds before
  /// it where `old` did). False, and no change, if the stripes or head
  /// counts differ.
  bool keep_before(const StripeGrid& old, Lba lba);

  /// Weak cells of an old segment within a period before a zone change:
  /// the zone may have changed before them, so they may be healthy. Worth a
  /// probing read before the weak heads pass. Cleared by take_uncertain().
  std::vector<WeakWindow> take_uncertain() { return std::exchange(uncertain_, {}); }

  /// Labels: weak cells `weak_label`, the others numbered on around the period.
  HeadMap to_head_map(int weak_label) const;
  std::size_t segment_count() const { return segs_.size(); }

 private:
  // A segment has its own origin (zones need not hold whole stripes) and
  // keeps, for each weak residue, an LBA inside a weak stripe.
  struct Seg {
    Lba start;
    std::int64_t origin;  ///< a cell starts here (may lie below 0)
    std::vector<Lba> refs;
  };
  std::int64_t cell_of(const Seg& s, Lba lba) const;
  /// Cell c of segment `s`, cut to the segment and the capacity.
  WeakWindow cell(std::size_t si, std::int64_t c) const;
  int residue(std::int64_t c) const;
  std::uint64_t weak_of(const Seg& s) const;
  std::size_t seg_index(Lba lba) const;  // the segment holding lba (the first if before all)
  Lba seg_end(std::size_t si) const { return si + 1 < segs_.size() ? segs_[si + 1].start : capacity_; }

  Lba stripe_;
  int heads_;
  Lba capacity_;
  std::vector<Seg> segs_;  // sorted by start; segs_[0].start == 0
  std::vector<WeakWindow> uncertain_;
};

}  // namespace ptrescue
