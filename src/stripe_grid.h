// The stripe grid a rescue learns once the first weak stripes have shown
// the period (src/head_inference.h): the LBA axis cut into cells of one
// stripe from an origin, `heads` cells per period, and, segment by segment
// (zone by zone), which cells of the period the weak head reads. After
// that, one unexpected error is enough to follow a zone change: the cell it
// falls in becomes the weak one (docs/HEADMAP.md).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "src/head_inference.h"
#include "src/head_map.h"

namespace ptrescue {

class StripeGrid {
 public:
  /// stripe > 0, 2 <= heads <= 64, origin < stripe.
  StripeGrid(Lba stripe, int heads, Lba origin, Lba capacity);
  /// The grid of a fitted model: its stripe and period, the origin from
  /// the earliest band start, one segment per model segment.
  static StripeGrid from_model(const StripeModel& model, const std::vector<ErrorBand>& bands, Lba capacity);

  Lba stripe() const { return stripe_; }
  int heads() const { return heads_; }
  std::int64_t origin() const { return origin_; }
  Lba period() const { return stripe_ * static_cast<Lba>(heads_); }

  /// The cell holding `lba` (-1 for the piece before the origin).
  std::int64_t cell_of(Lba lba) const;
  WeakWindow cell(std::int64_t c) const;
  int residue(std::int64_t c) const;

  /// From the cell holding `lba` on, the weak cells are those of the
  /// residues of the cells holding `refs`.
  void set_weak_from(Lba lba, std::vector<Lba> refs);
  /// The residues that are weak at `lba`.
  std::uint64_t weak_at(Lba lba) const;

  /// The weak cell holding `lba` or the first one after it.
  std::optional<WeakWindow> next_weak(Lba lba) const;
  /// The weak cell holding `lba - 1` or the last one before it.
  std::optional<WeakWindow> prev_weak(Lba lba) const;

  /// An error at `lba`, outside the weak cells: a zone change. The cell it
  /// falls in is weak from here on (with the old weak cells too if the
  /// segment it ends was young: less than two periods, a second weak stripe
  /// per period). An error within `snap` sectors of a cell boundary is
  /// taken as a stripe's start: the grid moves to put the boundary there.
  /// Returns that cell.
  WeakWindow on_surprise(Lba lba, Lba snap);

  /// Weak cells of an old segment within a period before a zone change:
  /// the zone may have changed before them, so they may be healthy. Worth a
  /// probing read before the weak heads pass. Cleared by take_uncertain().
  std::vector<WeakWindow> take_uncertain() { return std::exchange(uncertain_, {}); }

  /// Labels: weak cells `weak_label`, the others numbered on around the period.
  HeadMap to_head_map(int weak_label) const;
  std::size_t segment_count() const { return segs_.size(); }

 private:
  // A segment keeps, for each weak residue, an LBA inside a weak stripe
  // rather than the residue itself: when the stripe length is corrected,
  // the residues follow.
  struct Seg {
    Lba start;
    std::vector<Lba> refs;
    bool from_surprise;  ///< opened by an unexpected error (not by the fit)
  };
  std::uint64_t weak_of(const Seg& s) const;
  std::size_t seg_index(Lba lba) const;  // the segment holding lba (the first if before all)

  Lba stripe_;
  int heads_;
  std::int64_t origin_;  ///< cell 0 starts here (may drift below 0)
  Lba capacity_;
  std::vector<Seg> segs_;  // sorted by start; segs_[0].start == 0
  std::vector<WeakWindow> uncertain_;
};

}  // namespace ptrescue
