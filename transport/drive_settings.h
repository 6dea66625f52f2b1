// SPDX-License-Identifier: GPL-3.0-or-later
// The volatile settings a pass-through source takes for one run, and the
// notes it writes about them: --erc (ATA SCT Error Recovery Control read
// timer), --dsense (D_SENSE in the Control mode page) and NVMe Read's
// Limited Retry bit. Each device reads the drive's previous value before
// changing it and puts it back in restore_settings(), which the CLI calls at
// the end of a run, also after SIGINT/SIGTERM (the destructor does it too).
// Sources without such settings (files, the simulator) do not implement it.
#pragma once

#include <string>
#include <vector>

namespace ptrescue {

class DriveSettings {
 public:
  virtual ~DriveSettings() = default;

  /// Reads from now on ask the drive for limited retry efforts (NVMe Read
  /// LR bit): on for the copying passes, off for trimming, scraping and
  /// retrying. No effect on a drive without such a bit.
  virtual void set_limited_retry(bool on) = 0;
  /// Puts back every setting this run changed (idempotent).
  virtual void restore_settings() = 0;
  /// Lines for the user and the log about what was found, set, re-applied
  /// after a reset or restored (e.g. "SCT ERC read timer: was 0 (off), set
  /// to 1.0 s"), since the last call.
  virtual std::vector<std::string> take_notes() = 0;
};

}  // namespace ptrescue
