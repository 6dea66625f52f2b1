// SPDX-License-Identifier: GPL-3.0-or-later
// The triage scan of `ptrescue analyze` (docs/HEADMAP.md, "Triage"): before
// imaging, a bounded number of small reads in windows spread over the whole
// LBA range, each with a short timeout. Inside a window the reads follow on
// from each other, so their times compare (no seek in them) and a weak
// head's stripes show as runs of slow reads; the windows lie in every part
// of the drive, so each zone is seen. Failed reads are not retried.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/heads/head_inference.h"
#include "src/heads/head_map.h"
#include "src/heads/latency_bands.h"
#include "transport/device.h"

namespace ptrescue {

struct TriageOptions {
  Millis time_budget{120000};    ///< Stop after this much drive time.
  std::uint64_t max_reads = 2048;  ///< ... or this many reads.
  std::uint32_t read_bytes = 256 * 1024;
  Millis read_timeout{2000};     ///< Per read: a weak spot must not hold the scan.
  int windows = 8;               ///< Places over the LBA range.
  /// Scale the scan to the drive (docs/HEADMAP.md, "Triage"): a survey of a
  /// few reads per window first; the whole budget only where it saw slow
  /// or failing reads, else no more than `survey_share` of the estimated
  /// time to image. False (--time or --reads given): the budget as given.
  bool scaled = true;
  int survey_reads = 4;          ///< Per window, always read.
  double survey_share = 0.004;   ///< Of the estimated time to image.
};

/// One read of the scan.
struct TriageRead {
  Lba lba = 0;
  Lba sectors = 0;
  double ms = 0;
  ReadStatus status = ReadStatus::kOk;
  std::optional<Lba> error_lba;
  int window = 0;
};

/// What the reads of one window (or of one head) say.
struct PaceFigures {
  std::uint64_t reads = 0;
  std::uint64_t errors = 0;     ///< Failed or timed-out reads.
  std::uint64_t slow = 0;       ///< Good reads judged slow.
  double median_ms = 0;         ///< Of the good reads.
  double mb_per_s = 0;          ///< Good bytes over the time of all reads.
};

struct TriageWindow {
  Lba start = 0;
  Lba end = 0;  ///< Where the window's reads ended.
  PaceFigures pace;
};

struct TriageHead {
  int head = 0;
  PaceFigures pace;
  bool weak = false;
};

struct TriageResult {
  Lba capacity = 0;
  std::uint32_t sector_size = 512;
  std::vector<TriageRead> reads;
  std::vector<ReadPace> paces;  ///< Per read (unjudged for failed ones).
  std::vector<TriageWindow> windows;
  std::optional<StripeModel> model;  ///< From the slow runs, else from the errors.
  bool model_from_latency = false;
  HeadMap map;                       ///< The model's map when it is sure; else empty.
  std::vector<TriageHead> heads;     ///< Per head of `map`.
  bool slow_firmware = false;        ///< Good reads slow everywhere.
  bool drive_gone = false;
  /// The survey saw slow or failing reads (or the budget was given), so the
  /// scan went on to its whole budget.
  bool looked_closer = false;
  double drive_ms = 0;               ///< Drive time the scan took.
  double estimate_s = 0;             ///< Time to image the whole drive at the rates seen.
  /// Recommended `ptrescue rescue` options, each with why.
  std::vector<std::pair<std::string, std::string>> advice;
};

/// Below this good-read rate in every window the firmware is slow (a drive
/// that reads everything slowly, e.g. a busy background task or a translator
/// rebuilding), not a head.
constexpr double kSlowFirmwareMbps = 20.0;
/// A model this sure is used as the head map.
constexpr double kTriageMinConfidence = 0.6;

/// Runs the scan on `dev` (read-only: read commands only, and a soft reset
/// when a read leaves the drive hung).
TriageResult run_triage(Device& dev, const TriageOptions& options);

/// Time to image the whole drive at the rates the reads of each window saw
/// (their following-on reads, good and failed: a window's first read pays
/// a seek that imaging does not).
double estimate_seconds(const TriageResult& r);

/// The analysis of reads already made (the part of run_triage after the
/// reads; exposed for tests).
void analyze_reads(TriageResult& r);

}  // namespace ptrescue
