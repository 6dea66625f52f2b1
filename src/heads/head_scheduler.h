// SPDX-License-Identifier: GPL-3.0-or-later
// The head-aware scheduling policy the engine consults (docs/HEADMAP.md):
// which areas the first copying passes leave for later (the stripes of weak
// heads, known from a head map or inferred from the errors as they come),
// how far to skip after an error (past the whole band of errors of a weak
// stripe, not just one cluster), which weak head to read next and when to
// give one up, and the per-head timeouts. It never touches the drive, the
// map or the image: the engine does, in src/engine/head_passes.cpp.
//
// Positions in its interface are bytes, like the engine's; the head map is
// in logical sectors.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/heads/head_inference.h"
#include "src/heads/head_map.h"
#include "src/heads/head_options.h"
#include "src/heads/latency_bands.h"
#include "src/mapfile/mapfile.h"
#include "src/heads/stripe_grid.h"

namespace ptrescue {

class Domain;

class HeadScheduler {
 public:
  struct Setup {
    HeadOptions options;
    HeadMap known;          ///< A map to use as is (file, sim, earlier run); empty: infer.
    bool infer = true;      ///< Infer a map from errors when `known` is empty.
    Lba capacity = 0;       ///< Sectors.
    std::uint32_t sector_size = 512;
    std::int64_t cluster_bytes = 65536;  ///< The engine's read size (-c).
    std::int64_t skip_initial = 65536;   ///< -K
    std::int64_t skip_max = 0;           ///< -K max; 0 = 1% of the capacity
    std::string save_path;               ///< Where to write an inferred map; empty: nowhere.
    /// Read times tell heads apart (a drive, the simulator); false for an
    /// image file, whose times are the host's.
    bool time_reads = true;
  };
  explicit HeadScheduler(Setup setup);

  /// Takes the errors an earlier run left in the map ('-' and '*' areas)
  /// as evidence.
  void learn_from_map(const MapFile& map);

  // ---- copying passes 1 and 2 ------------------------------------------------
  /// The area left for later (weak or given-up head) that holds `pos` or,
  /// failing that, comes first after it.
  std::optional<Extent> next_deferred(std::int64_t pos) const { return next_deferred(pos, deferred_mask()); }
  /// The same for the heads in `mask` only (bit h = head h).
  std::optional<Extent> next_deferred(std::int64_t pos, std::uint64_t mask) const;
  /// The area left for later that holds `pos - 1` or, failing that, ends
  /// last before it.
  std::optional<Extent> prev_deferred(std::int64_t pos) const;
  /// A copying read succeeded.
  void on_good(const Extent& read, bool forward);
  /// A copying read succeeded in `duration`: with inference on and no grid
  /// yet (or one learnt from latency), the good reads of the learning pass
  /// are timed, and a weak head that reads slower is found from them before
  /// it fails (src/heads/latency_bands.h).
  void on_timed_read(const Extent& read, Micros duration, bool forward);
  /// The grid in force was learnt from read times, not errors.
  bool grid_from_latency() const { return grid_from_latency_; }
  /// A band of errors is open: the reads since its last error are being
  /// judged (whether the band has ended), cluster by cluster.
  bool judging_band() const { return band_.open; }
  /// A copying read failed; `bad_pos` is the first bad byte (-1 unknown).
  /// Returns where the pass goes on: at or after read.end() forwards, at or
  /// before read.pos backwards.
  std::int64_t on_error(const Extent& read, std::int64_t bad_pos, bool forward);
  /// A pass ended: closes the band being crossed.
  void end_pass();
  /// The direction of the first copying pass (backwards with -R): its
  /// errors teach the grid. Only forward passes follow zone changes with
  /// a learnt grid (a backward one skips past unexpected errors as usual).
  void set_learning_direction(bool forward) { learn_forward_ = forward; }

  // ---- weak heads --------------------------------------------------------------
  /// Weak heads to read after the healthy ones, in --head-order, then the
  /// least failing first. Given-up and skipped heads are not listed.
  std::vector<int> weak_heads_in_order() const;
  /// The next piece (bytes) of `head` ending after `pos`, if any.
  std::optional<Extent> next_extent_of(int head, std::int64_t pos) const;
  /// Weak stripes that may be healthy after all (just before a zone change
  /// the grid followed), to probe before the weak heads pass; bytes.
  std::vector<Extent> take_uncertain();
  /// A read of a weak head's stripe ended: an error or `rescued` bytes.
  void on_weak_read(int head, bool error, std::int64_t rescued);
  /// A weak head that fails (almost) every read: the reads that risk the
  /// drive are better spent elsewhere; its areas wait until the end.
  bool given_up(int head) const;
  /// A new sweep of `head`'s stripes asks another question (their starts,
  /// their ends, their interiors): it is judged on its own reads.
  void judge_afresh(int head);
  std::uint64_t given_up_mask() const { return given_up_mask_ | skip_mask_; }

  // ---- everywhere ----------------------------------------------------------------
  /// The head of the byte at `pos` (-1 unknown).
  int head_at(std::int64_t pos) const;
  /// --head-timeout for the head at `pos`, else `fallback`.
  Millis timeout_for(std::int64_t pos, Millis fallback) const;
  /// --head-retries for `head`, if given.
  std::optional<int> retries_for(int head) const;
  /// Heads given --head-retries, ascending.
  std::vector<int> heads_with_retries() const;
  /// Bit h set: head h's areas are deferred (weak or given up).
  std::uint64_t deferred_mask() const;
  bool active() const { return !map_.empty(); }

  /// Adds error evidence from outside the copying passes (trimming, the weak
  /// heads pass): it refines the saved map but does not move the passes.
  void note_error_lba(Lba lba);

  /// The stripe grid inference froze, if it did.
  const std::optional<StripeGrid>& grid() const { return grid_; }
  /// The map in force (known or inferred; empty until inference is sure).
  const HeadMap& map() const { return map_; }
  const std::optional<StripeModel>& model() const { return model_; }
  /// "model: ..." or "head map: file, 4 heads, weak 2" for the log.
  std::string describe() const;

  /// Per-head progress for the status display: "head 0 100% | 2 37% 412 err | ...".
  /// Recomputed at most every few seconds of wall time.
  std::string progress(const MapFile& map, const Domain& domain) const;

  /// Writes the inferred map to the save path (atomically and durably,
  /// through a link: base/durable_file.h) if it changed
  /// since the last write. Throws std::runtime_error if it cannot.
  void save_if_changed();

 private:
  struct Band {
    bool open = false;
    bool forward = true;
    ErrorBand band;
    int reads = 0;
    int reads_at_error = 0;  ///< reads when the last error came
    std::int64_t skip = 0;
    std::int64_t good_from = -1;
    int consecutive = 0;     ///< failed reads since the last good one
    std::int64_t min_skip = 0;  ///< the skip never falls below this (bytes)
    bool jumped = false;        ///< went ahead by the dead bands' width
    int errors_at_jump = 0;
    Lba jump_width = 0;         ///< from the band's first error to where it went
  };
  /// How wide the dead bands crossed so far were, in LBAs: at least `lower`
  /// (first to last bad sector seen), at most `upper` (to where good reads
  /// resumed; 0 = unknown).
  struct DeadWidth {
    Lba lower = 0;
    Lba upper = 0;
  };
  Lba lba_of(std::int64_t pos) const { return static_cast<Lba>(pos / ss_); }
  std::int64_t pos_of(Lba lba) const { return static_cast<std::int64_t>(lba) * ss_; }
  void refit();
  void refit_from_latency();
  void adopt_grid(const StripeModel& m);
  void update_weak_from_counts();
  void close_band();
  // The steps of on_error(), in order.
  /// With a learnt grid, forwards: where the pass goes on, or nullopt to
  /// treat the error as part of a band.
  std::optional<std::int64_t> follow_grid(const Extent& read, Lba bad);
  /// Where a zone change far from the weak cells starts, or nullopt while
  /// the errors there may still be scattered damage.
  std::optional<Lba> zone_change_start(Lba bad);
  /// A burst of surprises: the grid is dropped and learnt again.
  std::optional<std::int64_t> relearn_grid(const Extent& read, Lba bad);
  /// An error just after the band that ended: that band goes on.
  void resume_band_just_ended(Lba bad, bool forward);
  /// Opens a band with `bad` or adds it to the open one.
  void add_to_band(Lba bad, bool forward);
  /// How far the pass skips after this error of the band.
  void set_band_skip(const Extent& read, std::int64_t bad_pos, bool forward);
  /// The second error of a new band after dead bands: where they would end here.
  std::optional<std::int64_t> jump_dead_width(const Extent& read, Lba bad, bool forward);
  bool uses_grid(std::uint64_t mask) const { return grid_ && (mask >> grid_label_ & 1U) != 0; }

  Setup setup_;
  std::int64_t ss_;
  std::int64_t skip_max_;
  std::uint64_t skip_mask_ = 0;
  HeadMap map_;
  bool inferred_ = false;
  std::optional<StripeModel> model_;
  std::optional<StripeGrid> grid_;  // inferred: frozen once the fit is sure
  int grid_label_ = 0;              // the weak head's label in grid_
  std::vector<Lba> surprises_;      // the last errors the grid did not expect
  std::vector<Lba> stray_;          // errors within a stripe far from the weak cells, not yet a zone change
  int zone_change_errors_ = 1;      // how many such errors within a stripe make one
  std::size_t next_refit_at_ = 0;   // band count the next fit waits for
  bool learn_forward_ = true;       // the direction of the pass that learns
  std::uint64_t weak_mask_ = 0;
  std::uint64_t given_up_mask_ = 0;
  std::vector<ErrorBand> bands_;  // closed bands of forward passes, in order
  std::optional<DeadWidth> dead_width_;  // of the dead bands crossed forwards
  Band band_;
  std::vector<Lba> errors_;       // every error seen
  std::vector<TimedRead> timed_;  // good reads of the learning pass, timed
  std::size_t next_latency_fit_at_ = 0;
  bool grid_from_latency_ = false;
  std::vector<std::int64_t> errors_by_head_ = std::vector<std::int64_t>(HeadMap::kMaxHeads, 0);
  std::vector<std::int64_t> weak_errors_ = std::vector<std::int64_t>(HeadMap::kMaxHeads, 0);
  std::vector<std::int64_t> weak_rescued_ = std::vector<std::int64_t>(HeadMap::kMaxHeads, 0);
  bool dirty_ = false;
  mutable std::chrono::steady_clock::time_point progress_at_{};
  mutable std::string progress_;
};

}  // namespace ptrescue
