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

#include <fmt/format.h>

#include "src/heads/head_scheduler.h"
#include "src/engine/head_setup.h"
#include "src/engine/rescue_engine.h"

namespace ptrescue {
void RescueEngine::head_copy_passes() {
  HeadScheduler& hs = *head_scheduler_;
  if (map_.totals().non_tried == 0 || should_stop()) return;
  const MapCursor c = map_.cursor();
  const int from = c.phase == Phase::kCopying ? std::clamp(c.pass, 1, 3) : 1;
  const std::int64_t R = max_read_bytes_;
  const Millis timeout = options_.timeouts.copy;
  // Reads stay inside one cell of an absolute grid of the read size, so that
  // the weak heads' passes line up with aligned bad clusters.
  const auto cell_end = [&](std::int64_t p) { return (p / R + 1) * R; };
  const auto cell_start = [&](std::int64_t end) { return (end - 1) / R * R; };

  // After a failed copying read: settle the failing sector, mark the rest of
  // the read non-trimmed; returns the first bad byte.
  const auto settle = [&](const Extent& b, const ReadOutcome& r) {
    const std::int64_t after = settle_precise_error(b, r, Phase::kCopying, timeout);
    const Extent failed = after >= 0 ? Extent{after, b.end() - after} : failed_part(b, r);
    if (failed.size > 0) map_.set_status(failed, BlockStatus::kNonTrimmed);
    return after >= 0 ? (after - 1) / sector_size_ * sector_size_ : failed_part(b, r).pos;
  };

  // Forward reads over healthy ground grow like the plain copying pass's, up
  // to max_stretch_bytes_ (a healthy drive takes 1/16 of the commands), and
  // end on the grid; back to one cluster at an error, and while a band of
  // errors is being judged.
  const auto may_grow = [&] { return reads_may_grow() && !hs.judging_band(); };
  const auto forward_end = [&](std::int64_t pos, std::int64_t stretch) {
    return std::max(cell_end(pos), (pos + stretch) / R * R);
  };
  // A grown read stops at its first bad sector: the sectors after it were
  // not tried. It counts as the read of the cluster that failed; the rest
  // stays non-tried.
  const auto failed_cluster = [&](const Extent& b, const ReadOutcome& r) {
    if (b.size <= R || r.status != ReadStatus::kMediaError || !r.error_lba) return b;
    const std::int64_t bad = static_cast<std::int64_t>(*r.error_lba) * sector_size_;
    if (bad < b.pos || bad >= b.end()) return b;
    return Extent{b.pos, std::min(b.end(), cell_end(bad)) - b.pos};
  };

  // A forward and a backward pass over the healthy heads, like ddrescue's
  // passes 1 and 2; -R swaps them. The first of them learns the grid.
  const auto skipping_pass = [&](int pass, bool forward) {
    begin_phase(Phase::kCopying, pass, forward ? domain_.begin_pos() : domain_.end_pos(),
                fmt::format("Copying non-tried blocks... Pass {} ({}, weak heads later)", pass,
                            forward ? "forwards" : "backwards"));
    std::int64_t pos = map_.cursor().pos;
    std::int64_t stretch = R;
    while (!should_stop()) {
      Extent b{0, 0};
      if (forward) {
        const auto run = domain_.find_forward(map_, pos, BlockStatus::kNonTried);
        if (!run) break;
        const auto d = hs.next_deferred(run->pos);
        if (d && d->pos <= run->pos) {
          pos = d->end();
          continue;
        }
        std::int64_t end = std::min(run->end(), forward_end(run->pos, stretch));
        if (d) end = std::min(end, d->pos);
        b = Extent{run->pos, end - run->pos};
      } else {
        const auto run = domain_.find_backward(map_, pos, BlockStatus::kNonTried);
        if (!run) break;
        const auto d = hs.prev_deferred(run->end());
        if (d && d->end() >= run->end()) {
          pos = d->pos;
          continue;
        }
        std::int64_t start = std::max({run->pos, run->end() - R, cell_start(run->end())});
        if (d) start = std::max(start, d->end());
        b = Extent{start, run->end() - start};
      }
      const ReadOutcome r = read_block(b, Phase::kCopying, timeout);
      if (r.status == ReadStatus::kDeviceGone) break;
      if (r.ok()) {
        hs.on_good(b, forward);
        pos = forward ? b.end() : b.pos;
        if (forward && may_grow()) stretch = std::min(2 * stretch, max_stretch_bytes_);
      } else {
        stretch = R;
        const Extent tried = failed_cluster(b, r);
        pos = hs.on_error(tried, settle(tried, r), forward);
      }
      set_cursor(pos);
      checkpoint(false);
    }
    hs.end_pass();
  };
  const bool first_forward = !options_.reverse;
  hs.set_learning_direction(first_forward);
  if (from <= 1) {
    skipping_pass(1, first_forward);
    hs.save_if_changed();
  }
  if (from <= 2 && !should_stop()) skipping_pass(2, !first_forward);

  // A read of a weak head's area (head -1: not known), and one stripe
  // [from, xend) read forwards up to its first error or backwards from its
  // end down to its last. read_to_error is false when the drive is gone.
  // One cluster from the start of the non-tried run `run`, within [.., xend).
  const auto cluster_from = [&](const Extent& run, std::int64_t xend) {
    return Extent{run.pos, std::min({run.end(), xend, run.pos + R, cell_end(run.pos)}) - run.pos};
  };
  const auto weak_read = [&](int h, const Extent& b) {
    const std::int64_t before = map_.totals().finished;
    const ReadOutcome r = read_block(b, Phase::kCopying, timeout);
    if (r.status == ReadStatus::kDeviceGone) return r;
    if (!r.ok()) hs.note_error_lba(static_cast<Lba>(settle(b, r) / sector_size_));
    hs.on_weak_read(h, !r.ok(), map_.totals().finished - before);
    set_cursor(b.end());
    checkpoint(false);
    return r;
  };
  const auto read_to_error = [&](int h, std::int64_t from, std::int64_t xend, bool forward) {
    for (std::int64_t p = forward ? from : xend; !should_stop() && !hs.given_up(h);) {
      Extent b{0, 0};
      if (forward) {
        const auto run = domain_.find_forward(map_, p, BlockStatus::kNonTried);
        if (!run || run->pos >= xend) break;
        b = cluster_from(*run, xend);
      } else {
        const auto run = domain_.find_backward(map_, p, BlockStatus::kNonTried);
        if (!run || run->end() <= from) break;
        const std::int64_t start = std::max({run->pos, from, run->end() - R, cell_start(run->end())});
        b = Extent{start, run->end() - start};
      }
      const ReadOutcome r = weak_read(h, b);
      if (r.status == ReadStatus::kDeviceGone) return false;
      if (!r.ok()) break;
      p = forward ? b.end() : b.pos;
    }
    return true;
  };

  // Stripes left for later just before a zone change the grid followed may
  // be healthy: read each until its first error.
  if (!should_stop()) {
    for (const Extent& u : hs.take_uncertain())
      if (should_stop() || !read_to_error(-1, u.pos, u.end(), true)) break;
  }

  // Pass 3: the weak heads, cluster by cluster. After a failed read go on
  // with the next cluster; after consecutive failures skip 1, 2, 4...
  // clusters (left non-tried for later): a run of bad clusters costs a few
  // error reads, not one per cluster.
  //   It goes in three sweeps: first every stripe of the head from its
  // start up to its first error, then from its end back to its last error,
  // then the rest. A stripe taken for weak by mistake (a zone change the
  // grid misread), or the healthy part of a cell the grid placed a little
  // off the true stripe (a period known to a fraction of a percent drifts
  // by a stripe in a few hundred), is then read whole before the error
  // reads of the truly weak ones can kill the drive; a weak stripe costs no
  // more error reads than read cluster by cluster in one go.
  enum class WeakSweep { kStarts, kEnds, kRest };
  const auto weak_sweep = [&](int h, WeakSweep sweep) {
    for (const Extent& dom : domain_.extents()) {
      std::int64_t p = dom.pos;
      int consecutive = 0;
      while (!should_stop() && !hs.given_up(h)) {
        const auto x = hs.next_extent_of(h, p);
        if (!x || x->pos >= dom.end()) break;
        const std::int64_t xend = std::min(x->end(), dom.end());
        if (sweep != WeakSweep::kRest) {
          if (!read_to_error(h, std::max(p, x->pos), xend, sweep == WeakSweep::kStarts)) return;
          if (xend >= dom.end()) break;
          p = xend;
          continue;
        }
        const auto run = domain_.find_forward(map_, std::max(p, x->pos), BlockStatus::kNonTried);
        if (!run || run->pos >= dom.end()) break;
        if (run->pos >= xend) {
          p = xend;
          continue;
        }
        const Extent b = cluster_from(*run, xend);
        const ReadOutcome r = weak_read(h, b);
        if (r.status == ReadStatus::kDeviceGone) return;
        if (r.ok()) {
          consecutive = 0;
          p = b.end();
        } else {
          ++consecutive;
          p = std::min(xend, b.end() + (consecutive >= 2 ? R << std::min(consecutive - 2, 24) : 0));
        }
        if (p >= xend) consecutive = 0;  // a new stripe starts afresh
        set_cursor(p);
      }
    }
  };
  if (!should_stop()) {
    const auto heads = hs.weak_heads_in_order();
    if (!heads.empty())
      begin_phase(Phase::kCopying, 3, domain_.begin_pos(), "Copying weak heads... (forwards, cluster by cluster)");
    for (int h : heads) {
      if (should_stop()) break;
      observer_.on_phase(Phase::kCopying, 3, fmt::format("Copying weak head {}... (forwards, cluster by cluster)", h));
      for (const WeakSweep sweep : {WeakSweep::kStarts, WeakSweep::kEnds, WeakSweep::kRest}) {
        if (should_stop()) break;
        hs.judge_afresh(h);
        weak_sweep(h, sweep);
      }
    }
  }

  // What is left, without skipping (ddrescue's pass 3): first outside the
  // weak heads, then trimming and scraping there (the healthy heads' failed
  // blocks hold good sectors between bad ones); then the weak heads' rest
  // and their failed blocks (a bad cluster of a weak head is seldom worth
  // its error reads). Given-up heads wait for ddrescue's phases at the end.
  const auto rest_pass = [&](std::uint64_t skip_mask) {
    std::int64_t pos = domain_.begin_pos();
    std::int64_t stretch = R;
    bool announced = false;
    while (!should_stop()) {
      const auto run = domain_.find_forward(map_, pos, BlockStatus::kNonTried);
      if (!run) break;
      const auto d = hs.next_deferred(run->pos, skip_mask);
      if (d && d->pos <= run->pos) {
        pos = d->end();
        continue;
      }
      if (!announced) {
        begin_phase(Phase::kCopying, 3, domain_.begin_pos(), "Copying non-tried blocks... Pass 3 (forwards)");
        announced = true;
      }
      std::int64_t end = std::min(run->end(), forward_end(run->pos, stretch));
      if (d) end = std::min(end, d->pos);
      const Extent b{run->pos, end - run->pos};
      const ReadOutcome r = read_block(b, Phase::kCopying, timeout);
      if (r.status == ReadStatus::kDeviceGone) break;
      pos = b.end();
      if (r.ok()) {
        if (may_grow()) stretch = std::min(2 * stretch, max_stretch_bytes_);
      } else {
        stretch = R;
        const Extent tried = failed_cluster(b, r);
        hs.note_error_lba(static_cast<Lba>(settle(tried, r) / sector_size_));
        pos = tried.end();
      }
      set_cursor(pos);
      checkpoint(false);
    }
  };
  const bool heads_known = hs.deferred_mask() != 0 && !hs.map().empty();
  if (!should_stop()) rest_pass(hs.deferred_mask());
  if (!should_stop() && heads_known)
    run_phases_within(domain_by_heads(domain_, hs.map(), hs.deferred_mask(), false, sector_size_), true, 0, 1);
  if (!should_stop() && heads_known) {
    rest_pass(hs.given_up_mask());
    if (!should_stop() && hs.given_up_mask() != 0)
      run_phases_within(domain_by_heads(domain_, hs.map(), hs.given_up_mask(), false, sector_size_), true, 0, 1);
  }
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
