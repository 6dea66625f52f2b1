// SPDX-License-Identifier: GPL-3.0-or-later
// Everything that shapes one rescue run, filled in by the CLI.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "src/engine/slow_reads.h"
#include "transport/device.h"

namespace ptrescue {

/// The per-command timeout in force in each phase (--read-timeout).
struct PhaseTimeouts {
  Millis copy{std::chrono::seconds(10)};
  Millis trim{std::chrono::seconds(10)};
  Millis scrape{std::chrono::seconds(10)};
  Millis retry{std::chrono::seconds(10)};
};

/// GNU ddrescue 1.30's initial skip (-K) for a source of `source_bytes`:
/// 1/32768 of it, at least 64 KiB, rounded up to 64 KiB (1.27's was 64 KiB).
inline std::int64_t default_skip_initial(std::int64_t source_bytes) {
  constexpr std::int64_t kMin = 64 << 10;
  return (std::max(source_bytes / 32768, kMin) + kMin - 1) / kMin * kMin;
}

/// The reset ladder when --reset names none: soft, device, bus; for a disk
/// on USB then a USB device reset and, last, unbind/bind of its driver
/// (docs/TRANSPORTS.md §6).
inline std::vector<ResetKind> default_reset_ladder(bool on_usb) {
  std::vector<ResetKind> ladder{ResetKind::kSoft, ResetKind::kDevice, ResetKind::kBus};
  if (on_usb) ladder.insert(ladder.end(), {ResetKind::kUsbReset, ResetKind::kUsbRebind});
  return ladder;
}

struct RescueOptions {
  std::int64_t cluster_sectors = 128;    ///< -c: sectors per read in the copying passes.
  std::int64_t skip_initial = -1;  ///< -K initial skip after an error, bytes; -1: default_skip_initial().
  std::int64_t skip_max = 0;       ///< -K ,max; 0 = 1% of the source (at least initial).
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
  std::vector<ResetKind> reset_ladder = default_reset_ladder(false);
  /// How often (wall time) to save the mapfile while reading; phases always save.
  std::chrono::milliseconds mapfile_interval{std::chrono::seconds(30)};
  /// Image byte = source byte + output_offset (-o minus -i).
  std::int64_t output_offset = 0;

  // GNU ddrescue's options the engine acts on (docs/COMPATIBILITY.md).
  bool unidirectional = false;           ///< -u: every pass forwards (backwards with -R).
  bool retrim = false;                   ///< -M: bad-sector areas become non-trimmed first.
  unsigned copy_passes = 0b111;          ///< --cpass: bit p-1 runs copying pass p (1..3).
  /// -T: stop when no read has succeeded for this long; 0 = never.
  std::chrono::milliseconds no_good_read_limit{0};
  std::chrono::milliseconds pause_on_error{0};  ///< --pause-on-error
  std::chrono::milliseconds pause_on_pass{0};   ///< --pause-on-pass
  std::int64_t max_read_rate = 0;        ///< -Z bytes/s; 0 = no limit.
  std::int64_t max_error_rate = 0;       ///< -E bytes of read errors per second; 0 = no limit.
  bool synchronous = false;              ///< -y: sync the image after every write.
  bool check_on_error = false;           ///< -J: re-read the latest good sector after an error.
  bool reopen_on_error = false;          ///< -O: close and open the source again after a failed read.
  /// --continue-on-errno: errnos of a file or block source's failed read
  /// that do not end the run (src/engine/fatal_read_errno.h).
  std::vector<int> continue_on_errno;
  SlowReadOptions slow;                  ///< -a --delay-slow --max-slow-reads --reset-slow
  /// A 512e drive fails whole physical sectors: trimming, scraping and
  /// retrying read one at a time (one failed command per bad one, not
  /// eight). Off when -b names the sector size: then -b is the unit.
  bool physical_sector_reads = true;
};

}  // namespace ptrescue
