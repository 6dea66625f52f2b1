// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/slow_reads.h"

namespace ptrescue {

SlowReadWatch::SlowReadWatch(const SlowReadOptions& options, Micros start, std::int64_t rescued_at_start)
    : options_(options),
      start_(start),
      rescued_at_start_(rescued_at_start),
      rescued_at_last_second_(rescued_at_start) {}

bool SlowReadWatch::after_read(Micros now, std::int64_t rescued_now) {
  const std::int64_t second = std::chrono::duration_cast<std::chrono::seconds>(now - start_).count();
  if (second <= last_second_) return false;  // rates change once a second, as ddrescue's
  current_rate_ = (rescued_now - rescued_at_last_second_) / (second - last_second_);
  const std::int64_t average = (rescued_now - rescued_at_start_) / second;
  last_second_ = second;
  rescued_at_last_second_ = rescued_now;
  const bool past_delay = now - start_ > options_.delay;
  const std::int64_t minimum = options_.min_read_rate > 0 ? options_.min_read_rate : average / 10;
  const bool slow = options_.enabled() && past_delay && current_rate_ < minimum;
  if (slow) ++slow_reads_;
  else if (options_.reset) slow_reads_ = 0;
  return slow;
}

}  // namespace ptrescue
