// SPDX-License-Identifier: GPL-3.0-or-later
// The rescue algorithm (GNU ddrescue's phases, re-derived): copying passes
// with skipping, trimming, scraping, retry passes. It is the only code that
// changes the map and the image, always in this order: the image gets the
// data, the map is marked, and before any save the image is synced.
//
// Every phase resumes from the map alone (statuses plus the cursor), so a
// run stopped anywhere continues where it was.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "src/mapfile/domain.h"
#include "src/engine/failures_since_good_read.h"
#include "src/engine/image_file.h"
#include "src/mapfile/mapfile.h"
#include "src/engine/rescue_observer.h"
#include "src/engine/rescue_options.h"
#include "transport/aligned_buffer.h"
#include "transport/device.h"

namespace ptrescue {

class HeadScheduler;

/// Why a run ended.
enum class RunEnd {
  kFinished,         ///< Every phase ran to completion.
  kInterrupted,      ///< SIGINT/SIGTERM (the stop flag): current command finished, saved.
  kDeviceGone,       ///< The source vanished or died; saved.
  kTooManyBadAreas,  ///< -e limit reached; saved.
  kErrorBudgetSpent, ///< --max-error-reads reached; saved.
  kDdrescueLimit,    ///< One of ddrescue's limits (-T, -E, -J); stop_reason() says which; saved.
};

/// Persists the map: called at checkpoints, phase changes and the end.
using SaveMap = std::function<void(const MapFile&)>;

class RescueEngine {
 public:
  /// All references must outlive the engine.
  RescueEngine(Device& source, ImageFile& image, MapFile& map, const Domain& domain,
               const RescueOptions& options, SaveMap save, RescueObserver& observer,
               const std::atomic<bool>& stop);

  /// Runs every phase still to do. Throws ImageWriteError (after saving the
  /// map as it stood) if the image cannot be written.
  RunEnd run();

  /// Head-aware scheduling (src/engine/head_passes.cpp, docs/HEADMAP.md); without
  /// one the copying passes follow ddrescue's order. Must outlive the engine.
  void set_head_scheduler(HeadScheduler* s) { head_scheduler_ = s; }

  /// Statistics of this run.
  std::int64_t read_commands() const { return read_commands_; }
  std::int64_t read_errors() const { return read_errors_; }
  /// Why a kDdrescueLimit run stopped, in one line.
  const std::string& stop_reason() const { return stop_reason_; }

 private:
  enum class Step { kContinue, kStop };

  /// Copying passes from `first_copy_pass`, then trimming and scraping.
  void copy_trim_scrape(int first_copy_pass);
  /// Again over areas put back because they failed while the drive was
  /// leaving (failures_since_good_), a bounded number of times.
  void revisit_undone_failures();
  void copy_pass(int pass, bool forward, bool skipping);
  void trim_phase();
  void scrape_phase();
  void retry_pass(int pass, bool forward);

  /// One read command over [e.pos, e.end()) (sector aligned, at most one
  /// transfer): writes the good prefix to the image, marks it finished, and
  /// returns the outcome. Handles resets and the device's death.
  ReadOutcome read_block(const Extent& e, Phase phase, Millis timeout);
  /// After a failure at error_lba X inside `e`: re-read the part before X,
  /// mark X bad. Returns the byte position just past X, or -1 if the outcome
  /// carries no usable LBA.
  std::int64_t settle_precise_error(const Extent& e, const ReadOutcome& r, Phase phase,
                                    Millis timeout);
  /// The bytes of `e` not delivered by `r`.
  Extent failed_part(const Extent& e, const ReadOutcome& r) const;
  /// The smallest read trimming, scraping and retrying make from `p`: up to
  /// the end of p's physical sector (a logical sector unless the drive is
  /// 512e), and not past `end`.
  Extent unit_from(std::int64_t p, std::int64_t end) const;
  /// Start of the physical sector holding byte `p`.
  std::int64_t unit_start(std::int64_t p) const;

  // Head-aware passes, in src/engine/head_passes.cpp.
  struct HeadCopyPasses;  // the steps of head_copy_passes()
  void head_copy_passes();
  void head_retry_passes(int first_pass);
  void run_phases_within(const Domain& domain, bool trim_and_scrape, int retry_passes, int first_retry);

  void begin_phase(Phase phase, int pass, std::int64_t pos, std::string description);
  void set_cursor(std::int64_t pos);
  void checkpoint(bool force);
  bool should_stop();
  void recover_from_hang();
  /// ddrescue's run limits and pacing after each read: -T, -E, -J, -Z,
  /// --pause-on-error.
  void after_read(const Extent& e, const ReadOutcome& r, std::int64_t copied);
  void pause_between_passes();
  bool copy_forward(int pass) const;

  Device& source_;
  ImageFile& image_;
  MapFile& map_;
  const Domain& domain_;
  RescueOptions options_;
  SaveMap save_;
  RescueObserver& observer_;
  const std::atomic<bool>& stop_;

  std::int64_t sector_size_;
  /// The physical sector in bytes, and the byte offset of a physical
  /// sector's start (LOWEST ALIGNED LBA): a 512e drive fails whole 4 KiB
  /// sectors, so one read of it tells what eight logical reads would.
  std::int64_t unit_bytes_;
  std::int64_t unit_origin_;
  std::int64_t source_size_;
  std::int64_t max_read_bytes_;     ///< -c sectors, within the device's transfer limit
  std::int64_t max_stretch_bytes_;  ///< largest copy read on a healthy stretch
  static constexpr std::int64_t kMaxStretchBytes = 1 << 20;
  AlignedBuffer buffer_;
  RunEnd end_ = RunEnd::kFinished;
  std::int64_t bad_areas_at_start_ = 0;
  std::int64_t read_commands_ = 0;
  std::int64_t read_errors_ = 0;
  std::chrono::steady_clock::time_point last_save_;
  /// Whether the drive's last failed multi-sector read named the failing
  /// sector: then trimming and scraping read whole clusters (one error read
  /// per bad sector), else they go sector by sector like ddrescue.
  bool drive_names_failing_lba_ = false;
  /// Whether a copying read may grow past -c on a healthy stretch: not on a
  /// drive that has failed without naming the failing sector (a big failed
  /// read would leave a big area to trim sector by sector).
  bool reads_may_grow() const { return read_errors_ == 0 || drive_names_failing_lba_; }
  /// Power cycles in a row that brought a vanished drive back without a
  /// read getting through: bounded, so a drive that keeps vanishing ends the run.
  int gone_retries_ = 0;
  static constexpr int kMaxGoneRetries = 3;
  FailuresSinceGoodRead failures_since_good_;
  bool undone_failures_ = false;  ///< areas were put back since the passes over them
  static constexpr int kMaxRevisits = 3;
  HeadScheduler* head_scheduler_ = nullptr;
  std::string stop_reason_;
  bool skipping_disabled_ = false;  ///< -K 0
  std::chrono::steady_clock::time_point run_start_, last_good_read_;
  std::int64_t error_bytes_ = 0;     ///< bytes of failed reads this run (-E)
  std::int64_t bytes_read_ = 0;      ///< bytes delivered this run (-Z)
  std::int64_t good_sector_pos_ = -1;  ///< -J: where good_sector_ was read, -1 before one was
  std::vector<std::byte> good_sector_;
  std::optional<AlignedBuffer> check_buffer_;  ///< -J's own read: the read's data may still be in use
  void remember_good_sector(const Extent& e, std::int64_t copied, const std::byte* data);
  void check_good_sector_again();
  bool passes_begun_ = false;        ///< --pause-on-pass waits between passes only
  std::optional<SlowReadWatch> slow_watch_;  ///< -a given
  /// In a skipping copying pass, after a good read: how far to skip for a
  /// slow one (-a), 0 if it was not slow. Stops the run past --max-slow-reads.
  std::int64_t slow_skip_after(std::int64_t previous_skip);
};

}  // namespace ptrescue
