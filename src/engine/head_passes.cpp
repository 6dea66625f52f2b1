// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's head-aware copying (docs/HEADMAP.md), run before ddrescue's
// phases when a HeadScheduler is set. The order, most data per risky read
// first:
//   pass 1, forwards (backwards with -R): everything but the stripes of
//     weak heads (known, or inferred from the errors as they come); after an
//     error, skip past the whole band of errors, not just a cluster;
//   pass 2, the other way: what pass 1 skipped outside weak stripes;
//   pass 3: the weak heads, one after the other, cluster by cluster,
//     skipping past runs of failing clusters; a head that yields (almost)
//     nothing per error read is given up until the end;
//   then what is left outside given-up heads, without skipping, and
//   trimming and scraping of the healthy heads' failed blocks, then of the
//   weak heads'.
// ddrescue's own phases then run as usual over whatever remains (given-up
// heads, the weak heads' failed blocks), so a run finishes like ddrescue's.
// Everything is in the mapfile: a resumed run (by ptrescue or ddrescue)
// goes on from it.
#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "src/heads/head_scheduler.h"
#include "src/engine/head_setup.h"
#include "src/engine/rescue_engine.h"

namespace ptrescue {

// The passes of head_copy_passes(), each a step of its own, sharing the
// engine, the scheduler, the read size and the copying timeout.
struct RescueEngine::HeadCopyPasses {
  RescueEngine& engine;
  HeadScheduler& hs;
  const std::int64_t read_size;  // -c, within the transfer limit
  const Millis timeout;

  // The three sweeps of a weak head (see weak_heads_pass).
  enum class WeakSweep { kStarts, kEnds, kRest };

  // ---- reads -------------------------------------------------------------------
  // Reads stay inside one cell of an absolute grid of the read size, so that
  // the weak heads' passes line up with aligned bad clusters.
  std::int64_t cell_end(std::int64_t p) const { return (p / read_size + 1) * read_size; }
  std::int64_t cell_start(std::int64_t end) const { return (end - 1) / read_size * read_size; }

  // After a failed copying read: settle the failing sector, mark the rest of
  // the read non-trimmed; returns the first bad byte.
  std::int64_t settle(const Extent& b, const ReadOutcome& r) {
    const std::int64_t after = engine.settle_precise_error(b, r, Phase::kCopying, timeout);
    const Extent failed = after >= 0 ? Extent{after, b.end() - after} : engine.failed_part(b, r);
    if (failed.size > 0) engine.map_.set_status(failed, BlockStatus::kNonTrimmed);
    if (after < 0) return engine.failed_part(b, r).pos;
    // The sector the drive named (settling marks its whole physical sector).
    return std::max(engine.failed_part(b, r).pos, static_cast<std::int64_t>(*r.error_lba) * engine.sector_size_);
  }

  // Forward reads over healthy ground grow like the plain copying pass's, up
  // to max_stretch_bytes_ (a healthy drive takes 1/16 of the commands), and
  // end on the grid; back to one cluster at an error, and while a band of
  // errors is being judged.
  bool may_grow() const { return engine.reads_may_grow() && !hs.judging_band(); }
  std::int64_t forward_end(std::int64_t pos, std::int64_t stretch) const {
    return std::max(cell_end(pos), (pos + stretch) / read_size * read_size);
  }
  std::int64_t grown(std::int64_t stretch) const { return std::min(2 * stretch, engine.max_stretch_bytes_); }

  // A grown read stops at its first bad sector: the sectors after it were
  // not tried. It counts as the read of the cluster that failed; the rest
  // stays non-tried.
  Extent failed_cluster(const Extent& b, const ReadOutcome& r) const {
    if (b.size <= read_size || r.status != ReadStatus::kMediaError || !r.error_lba) return b;
    const std::int64_t bad = static_cast<std::int64_t>(*r.error_lba) * engine.sector_size_;
    if (bad < b.pos || bad >= b.end()) return b;
    return Extent{b.pos, std::min(b.end(), cell_end(bad)) - b.pos};
  }

  // One cluster from the start of the non-tried run `run`, within [.., xend).
  Extent cluster_from(const Extent& run, std::int64_t xend) const {
    return Extent{run.pos, std::min({run.end(), xend, run.pos + read_size, cell_end(run.pos)}) - run.pos};
  }

  // ---- passes 1 and 2 ----------------------------------------------------------
  // The next read of a skipping pass at or after `pos` (before it
  // backwards), past the areas left for later (`pos` moves past them);
  // nullopt when the pass is over or must stop.
  std::optional<Extent> next_skipping_read(std::int64_t& pos, std::int64_t stretch, bool forward) {
    for (;; ) {
      if (forward) {
        const auto run = engine.domain_.find_forward(engine.map_, pos, BlockStatus::kNonTried);
        if (!run) return std::nullopt;
        const auto d = hs.next_deferred(run->pos);
        if (d && d->pos <= run->pos) {
          pos = d->end();
        } else {
          std::int64_t end = std::min(run->end(), forward_end(run->pos, stretch));
          if (d) end = std::min(end, d->pos);
          return Extent{run->pos, end - run->pos};
        }
      } else {
        const auto run = engine.domain_.find_backward(engine.map_, pos, BlockStatus::kNonTried);
        if (!run) return std::nullopt;
        const auto d = hs.prev_deferred(run->end());
        if (d && d->end() >= run->end()) {
          pos = d->pos;
        } else {
          std::int64_t start = std::max({run->pos, run->end() - read_size, cell_start(run->end())});
          if (d) start = std::max(start, d->end());
          return Extent{start, run->end() - start};
        }
      }
      if (engine.should_stop()) return std::nullopt;
    }
  }

  // A forward and a backward pass over the healthy heads, like ddrescue's
  // passes 1 and 2; -R swaps them. The first of them learns the grid.
  void skipping_pass(int pass, bool forward) {
    engine.begin_phase(Phase::kCopying, pass, forward ? engine.domain_.begin_pos() : engine.domain_.end_pos(),
                       fmt::format("Copying non-tried blocks... Pass {} ({}, weak heads later)", pass,
                                   forward ? "forwards" : "backwards"));
    std::int64_t pos = engine.map_.cursor().pos;
    std::int64_t stretch = read_size;
    while (!engine.should_stop()) {
      const auto b = next_skipping_read(pos, stretch, forward);
      if (!b) break;
      const ReadOutcome r = engine.read_block(*b, Phase::kCopying, timeout);
      if (r.status == ReadStatus::kDeviceGone) break;
      if (r.ok()) {
        hs.on_good(*b, forward);
        hs.on_timed_read(*b, r.duration, forward);
        pos = forward ? b->end() : b->pos;
        if (forward && may_grow()) stretch = grown(stretch);
      } else {
        stretch = read_size;
        const Extent tried = failed_cluster(*b, r);
        pos = hs.on_error(tried, settle(tried, r), forward);
      }
      engine.set_cursor(pos);
      engine.checkpoint(false);
    }
    hs.end_pass();
  }

  // ---- pass 3: the weak heads -------------------------------------------------
  // A read of a weak head's area (head -1: not known).
  ReadOutcome weak_read(int h, const Extent& b) {
    const std::int64_t before = engine.map_.totals().finished;
    const ReadOutcome r = engine.read_block(b, Phase::kCopying, timeout);
    if (r.status == ReadStatus::kDeviceGone) return r;
    if (!r.ok()) hs.note_error_lba(static_cast<Lba>(settle(b, r) / engine.sector_size_));
    hs.on_weak_read(h, !r.ok(), engine.map_.totals().finished - before);
    engine.set_cursor(b.end());
    engine.checkpoint(false);
    return r;
  }

  // One stripe [from, xend) read forwards up to its first error or
  // backwards from its end down to its last. False when the drive is gone.
  bool read_to_error(int h, std::int64_t from, std::int64_t xend, bool forward) {
    for (std::int64_t p = forward ? from : xend; !engine.should_stop() && !hs.given_up(h);) {
      Extent b{0, 0};
      if (forward) {
        const auto run = engine.domain_.find_forward(engine.map_, p, BlockStatus::kNonTried);
        if (!run || run->pos >= xend) break;
        b = cluster_from(*run, xend);
      } else {
        const auto run = engine.domain_.find_backward(engine.map_, p, BlockStatus::kNonTried);
        if (!run || run->end() <= from) break;
        const std::int64_t start = std::max({run->pos, from, run->end() - read_size, cell_start(run->end())});
        b = Extent{start, run->end() - start};
      }
      const ReadOutcome r = weak_read(h, b);
      if (r.status == ReadStatus::kDeviceGone) return false;
      if (!r.ok()) break;
      p = forward ? b.end() : b.pos;
    }
    return true;
  }

  // Stripes left for later just before a zone change the grid followed may
  // be healthy: read each until its first error.
  void probe_uncertain_stripes() {
    for (const Extent& u : hs.take_uncertain())
      if (engine.should_stop() || !read_to_error(-1, u.pos, u.end(), true)) break;
  }

  // The rest of head h's stripes in `dom`, cluster by cluster: after a
  // failed read go on with the next cluster; after consecutive failures
  // skip 1, 2, 4... clusters (left non-tried for later). False when the
  // drive is gone.
  bool read_rest_by_clusters(int h, const Extent& dom) {
    std::int64_t p = dom.pos;
    int consecutive = 0;
    while (!engine.should_stop() && !hs.given_up(h)) {
      const auto x = hs.next_extent_of(h, p);
      if (!x || x->pos >= dom.end()) break;
      const std::int64_t xend = std::min(x->end(), dom.end());
      const auto run = engine.domain_.find_forward(engine.map_, std::max(p, x->pos), BlockStatus::kNonTried);
      if (!run || run->pos >= dom.end()) break;
      if (run->pos >= xend) {
        p = xend;
        continue;
      }
      const Extent b = cluster_from(*run, xend);
      const ReadOutcome r = weak_read(h, b);
      if (r.status == ReadStatus::kDeviceGone) return false;
      if (r.ok()) {
        consecutive = 0;
        p = b.end();
      } else {
        ++consecutive;
        p = std::min(xend, b.end() + (consecutive >= 2 ? read_size << std::min(consecutive - 2, 24) : 0));
      }
      if (p >= xend) consecutive = 0;  // a new stripe starts afresh
      engine.set_cursor(p);
    }
    return true;
  }

  // Every stripe of head h in `dom` read from its start up to its first
  // error (kStarts) or from its end back to its last (kEnds). False when
  // the drive is gone.
  bool read_stripe_edges(int h, const Extent& dom, WeakSweep sweep) {
    std::int64_t p = dom.pos;
    while (!engine.should_stop() && !hs.given_up(h)) {
      const auto x = hs.next_extent_of(h, p);
      if (!x || x->pos >= dom.end()) break;
      const std::int64_t xend = std::min(x->end(), dom.end());
      if (!read_to_error(h, std::max(p, x->pos), xend, sweep == WeakSweep::kStarts)) return false;
      if (xend >= dom.end()) break;
      p = xend;
    }
    return true;
  }

  void weak_sweep(int h, WeakSweep sweep) {
    for (const Extent& dom : engine.domain_.extents()) {
      const bool drive_there =
          sweep == WeakSweep::kRest ? read_rest_by_clusters(h, dom) : read_stripe_edges(h, dom, sweep);
      if (!drive_there) return;
    }
  }

  // Pass 3: the weak heads, cluster by cluster, in three sweeps: first
  // every stripe of the head from its start up to its first error, then
  // from its end back to its last error, then the rest. A stripe taken for
  // weak by mistake (a zone change the grid misread), or the healthy part
  // of a cell the grid placed a little off the true stripe (a period known
  // to a fraction of a percent drifts by a stripe in a few hundred), is
  // then read whole before the error reads of the truly weak ones can kill
  // the drive; a weak stripe costs no more error reads than read cluster by
  // cluster in one go.
  void weak_heads_pass() {
    const auto heads = hs.weak_heads_in_order();
    if (!heads.empty())
      engine.begin_phase(Phase::kCopying, 3, engine.domain_.begin_pos(),
                         "Copying weak heads... (forwards, cluster by cluster)");
    for (int h : heads) {
      if (engine.should_stop()) break;
      engine.observer_.on_phase(Phase::kCopying, 3,
                                fmt::format("Copying weak head {}... (forwards, cluster by cluster)", h));
      for (const WeakSweep sweep : {WeakSweep::kStarts, WeakSweep::kEnds, WeakSweep::kRest}) {
        if (engine.should_stop()) break;
        hs.judge_afresh(h);
        weak_sweep(h, sweep);
      }
    }
  }

  // ---- what is left -------------------------------------------------------------
  // The non-tried blocks outside the heads in `skip_mask`, forwards, without
  // skipping (ddrescue's pass 3).
  void rest_pass(std::uint64_t skip_mask) {
    std::int64_t pos = engine.domain_.begin_pos();
    std::int64_t stretch = read_size;
    bool announced = false;
    while (!engine.should_stop()) {
      const auto run = engine.domain_.find_forward(engine.map_, pos, BlockStatus::kNonTried);
      if (!run) break;
      const auto d = hs.next_deferred(run->pos, skip_mask);
      if (d && d->pos <= run->pos) {
        pos = d->end();
        continue;
      }
      if (!announced) {
        engine.begin_phase(Phase::kCopying, 3, engine.domain_.begin_pos(), "Copying non-tried blocks... Pass 3 (forwards)");
        announced = true;
      }
      std::int64_t end = std::min(run->end(), forward_end(run->pos, stretch));
      if (d) end = std::min(end, d->pos);
      const Extent b{run->pos, end - run->pos};
      const ReadOutcome r = engine.read_block(b, Phase::kCopying, timeout);
      if (r.status == ReadStatus::kDeviceGone) break;
      pos = b.end();
      if (r.ok()) {
        if (may_grow()) stretch = grown(stretch);
      } else {
        stretch = read_size;
        const Extent tried = failed_cluster(b, r);
        hs.note_error_lba(static_cast<Lba>(settle(tried, r) / engine.sector_size_));
        pos = tried.end();
      }
      engine.set_cursor(pos);
      engine.checkpoint(false);
    }
  }

  // What is left: first outside the weak heads, then trimming and scraping
  // there (the healthy heads' failed blocks hold good sectors between bad
  // ones); then the weak heads' rest and their failed blocks (a bad cluster
  // of a weak head is seldom worth its error reads). Given-up heads wait for
  // ddrescue's phases at the end.
  void leftovers() {
    const bool heads_known = hs.deferred_mask() != 0 && !hs.map().empty();
    const auto within = [&](std::uint64_t mask) {
      return domain_by_heads(engine.domain_, hs.map(), mask, false, engine.sector_size_);
    };
    if (!engine.should_stop()) rest_pass(hs.deferred_mask());
    if (!engine.should_stop() && heads_known) engine.run_phases_within(within(hs.deferred_mask()), true, 0, 1);
    if (!engine.should_stop() && heads_known) {
      rest_pass(hs.given_up_mask());
      if (!engine.should_stop() && hs.given_up_mask() != 0)
        engine.run_phases_within(within(hs.given_up_mask()), true, 0, 1);
    }
  }
};

void RescueEngine::head_copy_passes() {
  HeadScheduler& hs = *head_scheduler_;
  if (map_.totals().non_tried == 0 || should_stop()) return;
  const MapCursor c = map_.cursor();
  const int from = c.phase == Phase::kCopying ? std::clamp(c.pass, 1, 3) : 1;
  HeadCopyPasses passes{*this, hs, max_read_bytes_, options_.timeouts.copy};
  const bool first_forward = !options_.reverse;
  hs.set_learning_direction(first_forward);
  if (from <= 1) {
    passes.skipping_pass(1, first_forward);
    hs.save_if_changed();
  }
  if (from <= 2 && !should_stop()) passes.skipping_pass(2, !first_forward);
  if (!should_stop()) passes.probe_uncertain_stripes();
  if (!should_stop()) passes.weak_heads_pass();
  passes.leftovers();
  hs.save_if_changed();
}

void RescueEngine::head_retry_passes(int first_pass) {
  HeadScheduler& hs = *head_scheduler_;
  const auto heads = hs.heads_with_retries();
  if (heads.empty() || hs.map().empty()) {
    for (int pass = first_pass; pass <= options_.retry_passes && !should_stop(); ++pass)
      retry_pass(pass, (pass % 2 == 1) != options_.reverse);
    return;
  }
  std::uint64_t mask = 0;
  for (int h : heads)
    if (h >= 0 && h < HeadMap::kMaxHeads) mask |= std::uint64_t{1} << h;
  run_phases_within(domain_by_heads(domain_, hs.map(), mask, false, sector_size_), false, options_.retry_passes,
                    first_pass);
  for (int h : heads) {
    if (should_stop()) break;
    run_phases_within(domain_by_heads(domain_, hs.map(), std::uint64_t{1} << h, true, sector_size_), false,
                      hs.retries_for(h).value_or(0), 1);
  }
}

// Runs phases over part of the domain with an engine of its own that shares
// the drive, the map, the image and the observers; its statistics and its
// reason to stop become this engine's.
void RescueEngine::run_phases_within(const Domain& domain, bool trim_and_scrape, int retry_passes, int first_retry) {
  if (should_stop() || domain.empty()) return;
  RescueOptions o = options_;
  o.retry_passes = retry_passes;
  if (o.max_error_reads > 0) o.max_error_reads -= read_errors_;
  RescueEngine sub(source_, image_, map_, domain, o, save_, observer_, stop_);
  sub.head_scheduler_ = head_scheduler_;  // for --head-timeout
  sub.drive_names_failing_lba_ = drive_names_failing_lba_;
  sub.bad_areas_at_start_ = bad_areas_at_start_;
  if (trim_and_scrape) {
    sub.trim_phase();
    if (!sub.should_stop()) sub.scrape_phase();
  }
  for (int pass = first_retry; pass <= retry_passes && !sub.should_stop(); ++pass)
    sub.retry_pass(pass, (pass % 2 == 1) != o.reverse);
  read_commands_ += sub.read_commands_;
  read_errors_ += sub.read_errors_;
  drive_names_failing_lba_ = sub.drive_names_failing_lba_;
  if (sub.end_ != RunEnd::kFinished) end_ = sub.end_;
}

}  // namespace ptrescue
