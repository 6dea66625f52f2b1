// SPDX-License-Identifier: GPL-3.0-or-later
// Costing a reads log with the simulated drive's physics (`ptrescue sim
// replay`), so that any rescuer's run — GNU ddrescue's --log-reads or
// ptrescue's own, typically made with -H on a test map generated from the
// same profile — is timed on the same drive: seeks, transfer, error
// latency, timeouts and resets, slow stripes, death after N error reads.
//
// The cost model's rules, the same for every log:
//  - a read rescues its bytes only if the drive would have read all of it:
//    a failed read rescues nothing (the good part before the first bad
//    sector must be read again);
//  - once the drive has died, nothing more counts as rescued.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transport/sim/sim_physics.h"

namespace ptrescue {

/// A reads log line that cannot be read: what() is "line N: reason".
class ReadsLogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One line of a reads log (ddrescue 1.27's four columns, ptrescue's seven),
/// or a reset comment ("# reset soft: ok in 100ms").
struct LoggedRead {
  std::int64_t pos = 0;
  std::int64_t size = 0;
  std::int64_t copied = 0;
  Millis timeout{0};          ///< 0: not logged (the drive's default applies)
  std::optional<ResetKind> reset;  ///< set for a reset line (then the rest is unused)
  int line = 0;
};

/// Throws ReadsLogError for a line that is neither a comment, a blank line
/// nor a read.
std::vector<LoggedRead> parse_reads_log(std::string_view text);

struct ReplayResult {
  std::int64_t capacity_bytes = 0;
  std::int64_t readable_bytes = 0;   ///< Bytes the drive can read at all.
  std::int64_t rescued_bytes = 0;    ///< Distinct readable bytes rescued before death.
  std::int64_t reads = 0;            ///< Read commands costed (up to death).
  std::int64_t error_reads = 0;      ///< Of them, those that met an unreadable sector.
  std::int64_t reads_after_death = 0;
  std::int64_t mismatches = 0;       ///< Reads the log and the profile disagree on (ok vs failed).
  double time_s = 0;                 ///< Drive time until death or the log's end.
  std::optional<double> died_at_s;
  /// Drive time when the rescued share of the readable data first reached
  /// 50, 90, 99 and 100 %.
  std::optional<double> time_to_50_s, time_to_90_s, time_to_99_s, time_to_100_s;
  /// The byte ranges [begin, end) rescued before death, merged, in order
  /// (for `sim replay --rescued-map`: which files came back).
  std::vector<std::pair<std::int64_t, std::int64_t>> rescued_ranges;
  double pct_rescued() const {
    return readable_bytes > 0 ? 100.0 * static_cast<double>(rescued_bytes) / static_cast<double>(readable_bytes) : 0;
  }
};

/// The unreadable sectors of a profile as maximal runs, in order.
std::vector<SimRange> unreadable_runs(const SimPhysics& physics);

/// Costs `reads` on a fresh drive of `physics`' profile.
ReplayResult replay_reads(const SimPhysics& physics, const std::vector<LoggedRead>& reads);

/// The head-aware ceiling: a scheduler that knows the head map (not the bad
/// clusters) reads the healthy heads' stripes first, then the weak and dead
/// heads' cluster by cluster (`cluster` sectors, aligned), re-reading the
/// good part before each failing sector. Returns its reads, as a log would
/// list them, until the drive dies or everything was tried.
std::vector<LoggedRead> ceiling_reads(const SimPhysics& physics, Lba cluster);

/// A ptrescue-format reads log of `reads` (for `sim ceiling`).
std::string format_reads_log(const std::vector<LoggedRead>& reads, std::string_view title);

}  // namespace ptrescue
