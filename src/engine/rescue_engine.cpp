// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/rescue_engine.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "src/engine/fatal_read_errno.h"
#include "src/engine/restart_marks.h"
#include "src/engine/sector_span.h"
#include "src/heads/head_scheduler.h"

namespace ptrescue {
namespace {

std::int64_t round_down(std::int64_t v, std::int64_t m) { return v / m * m; }
std::int64_t round_up(std::int64_t v, std::int64_t m) { return (v + m - 1) / m * m; }

// The read unit below a cluster: the physical sector where it is a whole
// number of logical ones (IDENTIFY word 106, READ CAPACITY(16) LBPPBE), else
// the logical sector.
std::int64_t read_unit_bytes(const DeviceIdentity& id) {
  const std::int64_t logical = id.logical_sector_size, physical = id.physical_sector_size;
  if (physical <= logical || physical % logical != 0 || physical / logical > 64) return logical;
  return physical;
}

}  // namespace

Extent RescueEngine::unit_from(std::int64_t p, std::int64_t end) const {
  return Extent{p, std::min(unit_start(p) + unit_bytes_, end) - p};
}

std::int64_t RescueEngine::unit_start(std::int64_t p) const {
  if (p < unit_origin_) return 0;  // the partial physical sector before LBA 0's alignment
  return (p - unit_origin_) / unit_bytes_ * unit_bytes_ + unit_origin_;
}

RescueEngine::RescueEngine(Device& source, ImageFile& image, MapFile& map, const Domain& domain,
                           const RescueOptions& options, SaveMap save, RescueObserver& observer,
                           const std::atomic<bool>& stop)
    : source_(source),
      image_(image),
      map_(map),
      domain_(domain),
      options_(options),
      save_(std::move(save)),
      observer_(observer),
      stop_(stop),
      sector_size_(source.identity().logical_sector_size),
      unit_bytes_(options.physical_sector_reads ? read_unit_bytes(source.identity()) : sector_size_),
      unit_origin_(static_cast<std::int64_t>(source.identity().lowest_aligned_lba) * sector_size_ % unit_bytes_),
      source_size_(map.end_pos()),
      max_read_bytes_(std::max<std::int64_t>(
          1, std::min<std::int64_t>(options.cluster_sectors, source.identity().max_transfer_sectors)) *
                      sector_size_),
      max_stretch_bytes_(std::max<std::int64_t>(
          max_read_bytes_,
          std::min<std::int64_t>(kMaxStretchBytes / sector_size_, source.identity().max_transfer_sectors) *
              sector_size_)),
      buffer_(static_cast<std::size_t>(max_stretch_bytes_)),
      last_save_(std::chrono::steady_clock::now()) {
  if (options_.skip_initial < 0) options_.skip_initial = default_skip_initial(source_size_);
  skipping_disabled_ = options_.skip_initial == 0;
  options_.skip_initial = std::max(sector_size_, round_down(options_.skip_initial, sector_size_));
  if (options_.skip_max <= 0) options_.skip_max = source_size_ / 100;  // ddrescue: 1% of the input
  options_.skip_max =
      std::max(options_.skip_initial, round_down(options_.skip_max, sector_size_));
}

RunEnd RescueEngine::run() {
  try {
    // The cursor stays: 1.30 trims whatever is non-trimmed before scraping
    // and retrying, and a retry pass that was under way resumes after.
    if (options_.retrim) mark_for_retrim(map_, domain_);
    if (options_.try_again) {
      mark_for_try_again(map_, domain_);
      map_.set_cursor({domain_.begin_pos(), Phase::kCopying, 1});
    }
    run_start_ = last_good_read_ = std::chrono::steady_clock::now();
    if (options_.slow.enabled()) slow_watch_.emplace(options_.slow, source_.clock().now(), map_.totals().finished);
    bad_areas_at_start_ = map_.totals().bad_areas;
    const MapCursor start = map_.cursor();
    // Healthy heads first, then weak ones: the head-aware form of copying
    // passes 1 and 2, so --cpass without pass 1 leaves it out.
    if (head_scheduler_ && (options_.copy_passes & 1u)) head_copy_passes();

    copy_trim_scrape(start.phase == Phase::kCopying ? std::clamp(start.pass, 1, 3) : 1);
    revisit_undone_failures();
    const int first_retry = start.phase == Phase::kRetrying ? std::max(1, start.pass) : 1;
    if (head_scheduler_) head_retry_passes(first_retry);  // honours --head-retries
    else
      for (int pass = first_retry; pass <= options_.retry_passes && !should_stop(); ++pass)
        retry_pass(pass, options_.unidirectional ? !options_.reverse : (pass % 2 == 1) != options_.reverse);
    revisit_undone_failures();

    if (!should_stop()) {
      map_.set_cursor({map_.cursor().pos, Phase::kFinished, map_.cursor().pass});
      observer_.on_phase(Phase::kFinished, 1, "Finished");
    }
    image_.finish();
    checkpoint(/*force=*/true);
  } catch (const ImageWriteError&) {
    // The map never marks bytes whose write failed; save it if what it does
    // mark can be made durable, else keep the previous mapfile on disk.
    try {
      image_.sync();
      save_(map_);
    } catch (...) {
    }
    throw;
  }
  return end_;
}

void RescueEngine::copy_trim_scrape(int first_copy_pass) {
  for (int pass = first_copy_pass; pass <= 3 && !should_stop(); ++pass)
    if (options_.copy_passes & (1u << (pass - 1))) copy_pass(pass, copy_forward(pass), /*skipping=*/pass < 3);
  if (!should_stop()) trim_phase();
  if (!should_stop()) scrape_phase();
}

void RescueEngine::revisit_undone_failures() {
  for (int round = 0; undone_failures_ && round < kMaxRevisits && !should_stop(); ++round) {
    undone_failures_ = false;
    copy_trim_scrape(1);
  }
}

bool RescueEngine::copy_forward(int pass) const {
  if (options_.unidirectional) return !options_.reverse;  // -u
  return (pass % 2 == 1) != options_.reverse;
}

void RescueEngine::pause_between_passes() {
  if (passes_begun_ && options_.pause_on_pass.count() > 0) std::this_thread::sleep_for(options_.pause_on_pass);
  passes_begun_ = true;
}

void RescueEngine::after_read(const Extent& e, const ReadOutcome& r, std::int64_t copied) {
  const auto now = std::chrono::steady_clock::now();
  bytes_read_ += copied;
  if (r.ok()) {
    last_good_read_ = now;
  } else {
    error_bytes_ += e.size - copied;
    if (options_.pause_on_error.count() > 0) std::this_thread::sleep_for(options_.pause_on_error);
  }
  const double seconds = std::chrono::duration<double>(now - run_start_).count();
  if (options_.no_good_read_limit.count() > 0 && now - last_good_read_ > options_.no_good_read_limit) {
    stop_reason_ = "no read has succeeded for longer than the -T interval";
    end_ = RunEnd::kDdrescueLimit;
  }
  if (options_.max_error_rate > 0 && seconds >= 1 && error_bytes_ / seconds > options_.max_error_rate) {
    stop_reason_ = fmt::format("read errors above {} bytes/s (-E)", options_.max_error_rate);
    end_ = RunEnd::kDdrescueLimit;
  }
  if (options_.max_read_rate > 0) {
    // -Z: wait until the bytes read so far fit the rate.
    const auto due = run_start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(static_cast<double>(bytes_read_) /
                                                                    static_cast<double>(options_.max_read_rate)));
    if (due > now) std::this_thread::sleep_until(due);
  }
}

// -J, as GNU ddrescue: the first sector of the latest read that delivered a
// whole aligned one is kept; after a failed read it must read again, and
// give the same bytes. A drive going, or a bridge returning stale data after
// an error, ends the run before a wrong byte can be marked rescued.
void RescueEngine::remember_good_sector(const Extent& e, std::int64_t copied, const std::byte* data) {
  if (copied < sector_size_ || e.pos % sector_size_ != 0) return;
  good_sector_pos_ = e.pos;
  good_sector_.assign(data, data + sector_size_);
}

void RescueEngine::check_good_sector_again() {
  if (good_sector_pos_ < 0) {
    stop_reason_ = "Read error found before the first good read (-J)";
    end_ = RunEnd::kDdrescueLimit;
    return;
  }
  if (!check_buffer_) check_buffer_.emplace(static_cast<std::size_t>(sector_size_));
  const ReadOutcome again = source_.read(static_cast<Lba>(good_sector_pos_ / sector_size_), 1,
                                         check_buffer_->span(), options_.timeouts.copy);
  ++read_commands_;
  if (!again.ok()) {
    stop_reason_ = fmt::format("Input file no longer returns data (-J): the latest good sector, byte {}, failed to "
                               "read again ({})",
                               good_sector_pos_, outcome_word(again.status));
  } else if (!std::equal(good_sector_.begin(), good_sector_.end(), again.data_or(check_buffer_->span()))) {
    stop_reason_ = fmt::format("Input file returns inconsistent data (-J): the latest good sector, byte {}, reads "
                               "differently now",
                               good_sector_pos_);
  } else {
    return;
  }
  end_ = RunEnd::kDdrescueLimit;
}

bool RescueEngine::should_stop() {
  if (end_ != RunEnd::kFinished) return true;
  if (stop_.load(std::memory_order_relaxed)) {
    end_ = RunEnd::kInterrupted;
    return true;
  }
  if (options_.max_error_reads > 0 && read_errors_ >= options_.max_error_reads) {
    end_ = RunEnd::kErrorBudgetSpent;
    return true;
  }
  if (options_.max_bad_areas >= 0) {
    const std::int64_t areas = map_.totals().bad_areas -
                               (options_.max_bad_areas_new_only ? bad_areas_at_start_ : 0);
    if (areas > options_.max_bad_areas) {
      end_ = RunEnd::kTooManyBadAreas;
      return true;
    }
  }
  return false;
}

void RescueEngine::begin_phase(Phase phase, int pass, std::int64_t pos, std::string description) {
  const MapCursor c = map_.cursor();
  // A map nothing has been read into yet starts afresh, whatever its cursor.
  const bool untouched = map_.totals().non_tried == map_.end_pos() - map_.begin_pos();
  const bool resuming = c.phase == phase && c.pass == pass && !untouched;
  pause_between_passes();
  map_.set_cursor({resuming ? c.pos : pos, phase, pass});
  if (!resuming) checkpoint(/*force=*/true);
  observer_.on_phase(phase, pass, description);
}

void RescueEngine::set_cursor(std::int64_t pos) {
  MapCursor c = map_.cursor();
  c.pos = std::clamp<std::int64_t>(pos, 0, source_size_);
  map_.set_cursor(c);
}

void RescueEngine::checkpoint(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_save_ < options_.mapfile_interval) return;
  image_.sync();  // data first: the map must never claim bytes the disk lacks
  save_(map_);
  observer_.on_save();
  last_save_ = now;
}

void RescueEngine::recover_from_hang() {
  for (ResetKind kind : options_.reset_ladder) {
    const ResetOutcome r = source_.reset(kind);
    observer_.on_reset(kind, r);
    if (r.ok) return;
  }
  end_ = RunEnd::kDeviceGone;
}

ReadOutcome RescueEngine::read_block(const Extent& e, Phase phase, Millis timeout) {
  const SectorSpan span = SectorSpan::of(e, sector_size_);
  const std::uint32_t count = span.count;
  const std::int64_t offset = span.offset;

  if (head_scheduler_) timeout = head_scheduler_->timeout_for(e.pos, timeout);  // --head-timeout
  ReadOutcome r = source_.read(span.first, count, buffer_.span(), timeout);
  ++read_commands_;
  if (r.status == ReadStatus::kDeviceGone && continues_on(r.sys_errno, options_.continue_on_errno)) {
    r.status = ReadStatus::kOther;  // --continue-on-errno=ENODEV: a failed read like any other
    r.needs_reset = false;
  }
  if (r.good_sectors > count) r.good_sectors = count;
  if (r.error_lba && (*r.error_lba < span.first + r.good_sectors || *r.error_lba >= span.end()))
    r.error_lba.reset();  // a drive's LBA outside the command is not evidence
  const std::int64_t copied = span.delivered(e, r.good_sectors, sector_size_);
  const std::byte* data = r.data_or(buffer_.span());
  if (copied > 0) {
    image_.write(e.pos + options_.output_offset,
                 std::span<const std::byte>(data + offset, static_cast<std::size_t>(copied)));
    if (options_.synchronous) image_.sync();  // -y
    map_.set_status(e.pos, copied, BlockStatus::kFinished);
  }
  if (copied == 0 && !r.ok() && r.status != ReadStatus::kDeviceGone) {
    if (auto why = fatal_read_error(r.sys_errno, options_.continue_on_errno)) {
      ++read_errors_;
      observer_.on_read(ReadEvent{phase, e.pos, e.size, 0, &r, timeout, {}});
      stop_reason_ = std::move(*why);
      end_ = RunEnd::kDdrescueLimit;
      // As in ddrescue, such a read marks nothing: the area stays as it was
      // for the run that resumes. Callers mark nothing for a gone outcome.
      r.status = ReadStatus::kDeviceGone;
      r.needs_reset = false;
      return r;
    }
  }
  if (copied > 0) failures_since_good_.on_good_read();
  if (!r.ok() && r.status != ReadStatus::kDeviceGone) failures_since_good_.on_failed_read(map_, failed_part(e, r));
  if (!r.ok()) ++read_errors_;
  if (!r.ok() && r.status != ReadStatus::kDeviceGone && options_.reopen_on_error)
    observer_.on_reopen(source_.reopen());  // -O: the source closed and opened again
  after_read(e, r, copied);
  if (r.status == ReadStatus::kMediaError && count > 1) drive_names_failing_lba_ = r.error_lba.has_value();
  observer_.on_read(ReadEvent{
      phase, e.pos, e.size, copied, &r, timeout,
      std::span<const std::byte>(data + offset, static_cast<std::size_t>(copied))});
  if (options_.check_on_error) {
    // After the observer: the check's read may reuse the transport's buffer.
    remember_good_sector(e, copied, data + offset);
    if (!r.ok() && r.status != ReadStatus::kDeviceGone) check_good_sector_again();
  }
  if (r.status == ReadStatus::kDeviceGone && r.needs_reset && gone_retries_ < kMaxGoneRetries) {
    // The transport can bring a vanished drive back (--power-cycle-cmd):
    // climb the ladder, and if the drive answers again, issue the same read.
    ++gone_retries_;
    recover_from_hang();
    if (end_ == RunEnd::kDeviceGone) return r;
    // The drive is back: what failed since its last good read was the drive
    // leaving (a pulled cable aborts a few commands before the node goes).
    const FailuresSinceGoodRead::Undone undone = failures_since_good_.undo(map_);
    if (undone.reads > 0) {
      undone_failures_ = true;
      observer_.on_failures_undone(undone.reads, undone.bytes);
    }
    return read_block(e, phase, timeout);
  }
  if (r.status == ReadStatus::kDeviceGone) {
    end_ = RunEnd::kDeviceGone;
  } else {
    gone_retries_ = 0;
    if (r.needs_reset) recover_from_hang();
  }
  return r;
}

Extent RescueEngine::failed_part(const Extent& e, const ReadOutcome& r) const {
  const std::int64_t good = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(r.good_sectors) * sector_size_ - (e.pos % sector_size_), 0, e.size);
  return Extent{e.pos + good, e.size - good};
}

std::int64_t RescueEngine::settle_precise_error(const Extent& e, const ReadOutcome& r, Phase phase,
                                                Millis timeout) {
  // A run that ends here (-J) leaves the failed block whole, as ddrescue does.
  if (r.status != ReadStatus::kMediaError || !r.error_lba || end_ != RunEnd::kFinished) return -1;
  const Extent failed = failed_part(e, r);
  const std::int64_t named = static_cast<std::int64_t>(*r.error_lba) * sector_size_;
  if (std::max(failed.pos, named) >= e.end()) return -1;
  // The whole physical sector is unreadable (a 512e drive reads 4 KiB at once).
  const std::int64_t bad = std::max(failed.pos, unit_start(named));
  const std::int64_t bad_end = std::min(e.end(), unit_from(named, source_size_).end());
  map_.set_status(bad, bad_end - bad, BlockStatus::kBadSector);
  // The sectors before the bad one were not delivered (data of a failed
  // command is never used) but are very likely good: read them again now.
  std::int64_t p = failed.pos;
  while (p < bad && !should_stop()) {
    const Extent prefix{p, bad - p};
    const ReadOutcome again = read_block(prefix, phase, timeout);
    p = failed_part(prefix, again).pos;
    if (again.ok()) break;
    map_.set_status(p, bad - p, BlockStatus::kNonTrimmed);
    break;
  }
  return bad_end;
}

// Copying: read the non-tried areas in clusters. On an error mark the failed
// cluster non-trimmed (or, when the drive names the failing sector, just that
// sector bad) and, in the skipping passes, jump ahead by a skip size that
// doubles on each consecutive error and resets on success, leaving the
// skipped area non-tried for the next pass in the other direction.
void RescueEngine::copy_pass(int pass, bool forward, bool skipping) {
  if (map_.totals().non_tried == 0) return;
  if (!domain_.find_forward(map_, domain_.begin_pos(), BlockStatus::kNonTried)) return;
  begin_phase(Phase::kCopying, pass, forward ? domain_.begin_pos() : domain_.end_pos(),
              fmt::format("Copying non-tried blocks... Pass {} ({})", pass,
                          forward ? "forwards" : "backwards"));
  std::int64_t pos = map_.cursor().pos;
  std::int64_t skip = 0;
  std::int64_t slow_skip = 0;
  std::int64_t read_bytes = max_read_bytes_;
  while (!should_stop()) {
    const auto run = forward ? domain_.find_forward(map_, pos, BlockStatus::kNonTried)
                             : domain_.find_backward(map_, pos, BlockStatus::kNonTried);
    if (!run) break;
    const std::int64_t size = std::min(run->size, read_bytes);
    // Backwards, start on a sector boundary even when the run ends mid-sector
    // (the partial last sector of a file), so reads stay aligned.
    const std::int64_t back = std::max(run->pos, round_up(run->end() - size, sector_size_));
    const Extent b = forward ? Extent{run->pos, size} : Extent{back, run->end() - back};
    const ReadOutcome r = read_block(b, Phase::kCopying, options_.timeouts.copy);
    if (r.status == ReadStatus::kDeviceGone) break;  // nothing was tried: mark nothing
    if (r.ok()) {
      skip = 0;
      // On a healthy stretch read more per command (fewer commands, the way
      // hardware imagers do), back to -c at the first error. A drive that
      // does not name its failing sector stays at -c once it has failed:
      // there a big failed read means a big area to trim sector by sector.
      if (reads_may_grow())
        read_bytes = std::min(2 * read_bytes, max_stretch_bytes_);
      slow_skip = skipping ? slow_skip_after(slow_skip) : 0;
    } else {
      slow_skip = 0;
      read_bytes = max_read_bytes_;
      const std::int64_t after = settle_precise_error(b, r, Phase::kCopying, options_.timeouts.copy);
      const Extent failed = after >= 0 ? Extent{after, b.end() - after} : failed_part(b, r);
      if (failed.size > 0) map_.set_status(failed, BlockStatus::kNonTrimmed);
      if (skipping && !skipping_disabled_) skip = skip == 0 ? options_.skip_initial : std::min(2 * skip, options_.skip_max);
    }
    pos = forward ? b.end() + skip + slow_skip : b.pos - skip - slow_skip;
    set_cursor(pos);
    checkpoint(false);
  }
}

// ddrescue's skip on a slow read: the first of a row skips the current rate's
// worth of bytes (within -K's bounds), each next one twice the last.
std::int64_t RescueEngine::slow_skip_after(std::int64_t previous_skip) {
  if (!slow_watch_ || !slow_watch_->after_read(source_.clock().now(), map_.totals().finished)) return 0;
  if (slow_watch_->too_many()) {
    stop_reason_ = fmt::format("more than {} slow reads (--max-slow-reads)", options_.slow.max_slow_reads);
    end_ = RunEnd::kDdrescueLimit;
  }
  // ddrescue 1.30 treats a slow read in passes 1 and 2 as it does an error.
  if (options_.reopen_on_error) observer_.on_reopen(source_.reopen());  // -O
  if (options_.pause_on_error.count() > 0) std::this_thread::sleep_for(options_.pause_on_error);
  if (skipping_disabled_) return 0;
  const std::int64_t next = previous_skip > 0 ? 2 * previous_skip : slow_watch_->current_rate();
  return std::clamp(round_down(next, sector_size_), options_.skip_initial, options_.skip_max);
}

// Trimming: for each non-trimmed block, read forwards from its leading edge
// until a bad sector is found, then backwards from its trailing edge until a
// bad sector is found; what lies between becomes non-scraped. Where the drive
// names the failing sector, the leading edge is read in clusters.
void RescueEngine::trim_phase() {
  if (map_.totals().non_trimmed == 0 || options_.no_trim) return;
  begin_phase(Phase::kTrimming, 1, domain_.begin_pos(), "Trimming failed blocks... (forwards)");
  std::int64_t pos = map_.cursor().pos;
  const Millis timeout = options_.timeouts.trim;
  while (!should_stop()) {
    auto block = domain_.find_forward(map_, pos, BlockStatus::kNonTrimmed);
    if (!block && pos > domain_.begin_pos()) {
      pos = domain_.begin_pos();  // blocks left behind the resume position
      block = domain_.find_forward(map_, pos, BlockStatus::kNonTrimmed);
    }
    if (!block) break;
    const std::int64_t end = block->end();
    std::int64_t p = block->pos;
    std::int64_t bad_end = -1;  // just past the leading edge's bad sector
    bool clustered = drive_names_failing_lba_;
    while (p < end && bad_end < 0 && !should_stop()) {
      const Extent e = clustered ? Extent{p, std::min(max_read_bytes_, end - p)} : unit_from(p, end);
      const ReadOutcome r = read_block(e, Phase::kTrimming, timeout);
      if (r.status == ReadStatus::kDeviceGone) break;
      if (r.ok()) {
        p = e.end();
        continue;
      }
      const std::int64_t after = settle_precise_error(e, r, Phase::kTrimming, timeout);
      if (after >= 0) {
        bad_end = after;
      } else if (e.size > unit_from(e.pos, e.end()).size) {
        clustered = false;  // no failing LBA from the drive: go sector by sector
        p = failed_part(e, r).pos;
      } else {
        map_.set_status(e, BlockStatus::kBadSector);
        bad_end = e.end();
      }
    }
    std::int64_t q = end;
    while (bad_end >= 0 && q > bad_end && !should_stop()) {
      const std::int64_t s = std::max(bad_end, unit_start(q - 1));
      const Extent e{s, q - s};
      const ReadOutcome r = read_block(e, Phase::kTrimming, timeout);
      if (r.status == ReadStatus::kDeviceGone) break;
      if (r.ok()) {
        q = e.pos;
        continue;
      }
      map_.set_status(e, BlockStatus::kBadSector);
      if (bad_end < e.pos) map_.set_status(bad_end, e.pos - bad_end, BlockStatus::kNonScraped);
      break;
    }
    pos = end;
    set_cursor(pos);
    checkpoint(false);
  }
}

// Scraping: read every non-scraped block (and non-trimmed ones with -N)
// sector by sector, or cluster by cluster where the drive names the failing
// sector, marking each bad sector found.
void RescueEngine::scrape_phase() {
  const bool with_non_trimmed = options_.no_trim;
  if (options_.no_scrape) return;
  if (map_.totals().non_scraped == 0 && !(with_non_trimmed && map_.totals().non_trimmed > 0)) return;
  begin_phase(Phase::kScraping, 1, domain_.begin_pos(), "Scraping failed blocks... (forwards)");
  const Millis timeout = options_.timeouts.scrape;
  auto next = [&](std::int64_t from) {
    auto a = domain_.find_forward(map_, from, BlockStatus::kNonScraped);
    if (with_non_trimmed) {
      auto b = domain_.find_forward(map_, from, BlockStatus::kNonTrimmed);
      if (b && (!a || b->pos < a->pos)) a = b;
    }
    return a;
  };
  std::int64_t pos = map_.cursor().pos;
  while (!should_stop()) {
    auto block = next(pos);
    if (!block && pos > domain_.begin_pos()) block = next(pos = domain_.begin_pos());
    if (!block) break;
    std::int64_t p = block->pos;
    bool clustered = drive_names_failing_lba_;
    while (p < block->end() && !should_stop()) {
      const std::int64_t left = block->end() - p;
      const Extent e = clustered ? Extent{p, std::min(max_read_bytes_, left)} : unit_from(p, block->end());
      const ReadOutcome r = read_block(e, Phase::kScraping, timeout);
      if (r.status == ReadStatus::kDeviceGone) break;
      if (r.ok()) {
        p = e.end();
        continue;
      }
      const std::int64_t after = settle_precise_error(e, r, Phase::kScraping, timeout);
      if (after >= 0) {
        p = after;
      } else if (e.size > unit_from(e.pos, e.end()).size) {
        clustered = false;
        p = failed_part(e, r).pos;
      } else {
        map_.set_status(e, BlockStatus::kBadSector);
        p = e.end();
      }
      set_cursor(p);
      checkpoint(false);
    }
    pos = block->end();
    set_cursor(pos);
    checkpoint(false);
  }
}

// Retrying: read each bad sector once more, one sector per command,
// alternating direction from pass to pass.
void RescueEngine::retry_pass(int pass, bool forward) {
  if (map_.totals().bad_sector == 0) return;
  begin_phase(Phase::kRetrying, pass, forward ? domain_.begin_pos() : domain_.end_pos(),
              fmt::format("Retrying bad sectors... Retry {} ({})", pass,
                          forward ? "forwards" : "backwards"));
  std::int64_t pos = map_.cursor().pos;
  while (!should_stop()) {
    const auto run = forward ? domain_.find_forward(map_, pos, BlockStatus::kBadSector)
                             : domain_.find_backward(map_, pos, BlockStatus::kBadSector);
    if (!run) break;
    const std::int64_t s = forward ? run->pos : std::max(run->pos, unit_start(run->end() - 1));
    const Extent e = unit_from(s, run->end());
    read_block(e, Phase::kRetrying, options_.timeouts.retry);
    pos = forward ? e.end() : e.pos;
    set_cursor(pos);
    checkpoint(false);
  }
}

}  // namespace ptrescue
