// SPDX-License-Identifier: GPL-3.0-or-later
// The --power-cycle-cmd hook, the last rung of the reset ladder: runs the
// user's command (a relay, a USB hub port switch, a smart plug) and waits
// for the drive to come back, recognised by its serial number, possibly
// under another node name. Each back end supplies how to look for it.
#pragma once

#include <functional>
#include <string>

#include "transport/clock.h"
#include "transport/device.h"
#include "transport/sys_io.h"

namespace ptrescue {

struct PowerCycleOptions {
  std::string command;             ///< Run with /bin/sh -c; empty = no hook.
  Millis wait{std::chrono::seconds(120)};  ///< How long the drive may take to come back.
  Millis interval{std::chrono::seconds(1)};  ///< Between two looks for it.
};

/// Looks for the drive once: true when it is back and reopened; `detail`
/// may say what was seen (e.g. "sg3: serial WD-123 is another drive").
using FindDrive = std::function<bool(std::string& detail)>;

/// Runs the command, then calls `find` until it succeeds or `wait` has
/// passed (on the SysIo's clock, sleeping through the SysIo). ok=false with
/// the reason when there is no command, it fails, or the drive stays away.
ResetOutcome run_power_cycle(SysIo& io, const PowerCycleOptions& options, const FindDrive& find);

}  // namespace ptrescue
