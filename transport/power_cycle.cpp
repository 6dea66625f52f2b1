// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/power_cycle.h"

#include <fmt/format.h>

namespace ptrescue {

ResetOutcome run_power_cycle(SysIo& io, const PowerCycleOptions& options, const FindDrive& find) {
  ResetOutcome out;
  const Clock& clock = io.clock();
  const Micros start = clock.now();
  if (options.command.empty()) {
    out.detail = "no --power-cycle-cmd given";
    return out;
  }
  const int rc = io.run_command(options.command);
  if (rc != 0) {
    out.duration = clock.now() - start;
    out.detail = rc < 0 ? fmt::format("cannot run the power-cycle command: {}", errno_text(rc))
                        : fmt::format("the power-cycle command failed (exit status {})", rc);
    return out;
  }
  const Micros deadline = clock.now() + options.wait;
  std::string last;
  for (;;) {
    std::string detail;
    if (find(detail)) {
      out.ok = true;
      out.duration = clock.now() - start;
      out.detail = detail.empty() ? "the drive is back" : detail;
      return out;
    }
    if (!detail.empty()) last = detail;
    if (clock.now() >= deadline) break;
    io.sleep_for(options.interval);
  }
  out.duration = clock.now() - start;
  out.detail = fmt::format("the drive did not come back within {} ms of the power cycle{}{}",
                           options.wait.count(), last.empty() ? "" : ": ", last);
  return out;
}

}  // namespace ptrescue
