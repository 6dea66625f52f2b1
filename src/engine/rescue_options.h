// SPDX-License-Identifier: GPL-3.0-or-later
// Everything that shapes one rescue run, filled in by the CLI.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "transport/device.h"

namespace ptrescue {

/// The per-command timeout in force in each phase (--timeout).
struct PhaseTimeouts {
  Millis copy{std::chrono::seconds(10)};
  Millis trim{std::chrono::seconds(10)};
  Millis scrape{std::chrono::seconds(10)};
  Millis retry{std::chrono::seconds(10)};
};

struct RescueOptions {
  std::int64_t cluster_sectors = 128;    ///< -c: sectors per read in the copying passes.
  std::int64_t skip_initial = 64 << 10;  ///< -K initial skip after an error, bytes.
  std::int64_t skip_max = 0;             ///< -K ,max; 0 = 1% of the domain (at least initial).
  int retry_passes = 0;                  ///< -r
  bool reverse = false;                  ///< -R
  bool no_trim = false;                  ///< -N
  bool no_scrape = false;                ///< -n
  bool try_again = false;                ///< -A
  std::int64_t max_bad_areas = -1;       ///< -e; -1 = no limit.
  std::int64_t max_error_reads = 0;      ///< --max-error-reads: stop after N failed reads; 0 = no limit.
  bool max_bad_areas_new_only = false;   ///< -e +N: count only areas found in this run.
  PhaseTimeouts timeouts;
  /// Resets to try, in order, when the drive stops answering.
  std::vector<ResetKind> reset_ladder{ResetKind::kSoft, ResetKind::kDevice, ResetKind::kBus};
  /// How often (wall time) to save the mapfile while reading; phases always save.
  std::chrono::milliseconds mapfile_interval{std::chrono::seconds(30)};
  /// Image byte = source byte + output_offset (-o minus -i).
  std::int64_t output_offset = 0;
};

}  // namespace ptrescue
