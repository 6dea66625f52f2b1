// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue's slow reads (-a/--min-read-rate, --delay-slow,
// --max-slow-reads, --reset-slow; ddrescue 1.30's manual, "Invoking
// ddrescue"). The rate is measured as ddrescue measures it: once per whole
// second of the run, the bytes rescued during that second. A second whose
// rate is below the minimum (or, with -a 0, below a tenth of the average
// rate) is one slow read, once the initial --delay-slow has passed. The
// copying passes that skip (1 and 2) skip ahead on a slow read; the areas
// skipped are read by the later passes.
#pragma once

#include <chrono>
#include <cstdint>

#include "transport/device.h"

namespace ptrescue {

struct SlowReadOptions {
  std::int64_t min_read_rate = -1;  ///< -a bytes/s; 0 = auto (average / 10); -1 = not checked
  std::int64_t max_slow_reads = -1;  ///< --max-slow-reads; -1 = no limit
  std::chrono::milliseconds delay{std::chrono::seconds(30)};  ///< --delay-slow
  bool reset = false;  ///< --reset-slow: a second at or above the minimum zeroes the count
  bool enabled() const { return min_read_rate >= 0; }
};

class SlowReadWatch {
 public:
  /// `start` is the run's start on the source's clock.
  SlowReadWatch(const SlowReadOptions& options, Micros start, std::int64_t rescued_at_start);

  /// After a read: true when it closed a second whose rate was slow.
  bool after_read(Micros now, std::int64_t rescued_now);
  /// The current rate, bytes/s, of the last whole second measured.
  std::int64_t current_rate() const { return current_rate_; }
  std::int64_t slow_reads() const { return slow_reads_; }
  bool too_many() const { return options_.max_slow_reads >= 0 && slow_reads_ > options_.max_slow_reads; }

 private:
  SlowReadOptions options_;
  Micros start_;
  std::int64_t rescued_at_start_;
  std::int64_t last_second_ = 0;           ///< whole seconds since start at the last measure
  std::int64_t rescued_at_last_second_;
  std::int64_t current_rate_ = 0;
  std::int64_t slow_reads_ = 0;
};

}  // namespace ptrescue
