// SPDX-License-Identifier: GPL-3.0-or-later
// A source that may drop off the bus and come back: most failing drives sit
// behind a USB bridge, and a hung command makes usb-storage or uas reset the
// device, which often re-enumerates it under another /dev name (sdb -> sdc,
// sg1 -> sg2). ReattachingDevice wraps the opened back end; when a read finds
// the drive gone it looks, for up to `wait`, for a drive with the same
// serial number, capacity and sector size under any node, reopens it there
// and tells the engine to issue the read again (a gone outcome with
// needs_reset, whose reset then succeeds at once). Another drive under the
// old name is refused. No return within the time: the outcome stays "gone"
// and the engine saves and stops as without it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "transport/device.h"
#include "transport/drive_settings.h"
#include "transport/sys_io.h"

namespace ptrescue {

struct ReattachOptions {
  /// How long a vanished drive may take to come back; 0 = do not wait.
  Millis wait{0};
  Millis interval{std::chrono::milliseconds(500)};  ///< Between two looks.
};

/// The nodes a returning drive may appear under (every sg disk and NVMe
/// namespace), looked at afresh on each call.
using CandidateNodes = std::function<std::vector<std::string>()>;
/// Opens `path` with the transport of the drive that vanished; throws on
/// failure. `with_settings` false: only identify it (no --erc, --dsense
/// sent to what may be another drive).
using OpenNode = std::function<std::unique_ptr<Device>(const std::string& path, bool with_settings)>;

class ReattachingDevice final : public Device, public DriveSettings {
 public:
  ReattachingDevice(std::unique_ptr<Device> inner, SysIo& io, ReattachOptions options,
                    CandidateNodes candidates, OpenNode open);

  const DeviceIdentity& identity() const override { return identity_; }
  ReadOutcome read(Lba lba, std::uint32_t count, std::span<std::byte> out, Millis timeout) override;
  /// Right after a reattach: ok at once (the drive answers on its new node);
  /// else the inner device's reset.
  ResetOutcome reset(ResetKind kind) override;
  ResetOutcome reopen() override { return inner_->reopen(); }
  const Clock& clock() const override { return io_.clock(); }
  SmartReading read_smart(Millis timeout) override { return inner_->read_smart(timeout); }

  void set_limited_retry(bool on) override;
  void restore_settings() override;
  std::vector<std::string> take_notes() override;

  /// How many times the drive came back.
  int reattached() const { return reattached_; }

 private:
  /// Looks for the drive until it is found or `wait` passes; true when
  /// `inner_` is the drive on its new node. `detail` says what was seen.
  bool wait_for_return(std::string& detail);
  bool same_drive(const DeviceIdentity& found) const;
  DriveSettings* settings() const { return dynamic_cast<DriveSettings*>(inner_.get()); }

  std::unique_ptr<Device> inner_;
  SysIo& io_;
  ReattachOptions options_;
  CandidateNodes candidates_;
  OpenNode open_;
  DeviceIdentity identity_;
  bool limited_retry_ = true;
  bool back_ = false;  ///< Reattached since the last reset.
  std::string back_detail_;
  int reattached_ = 0;
  std::vector<std::string> notes_;
};

}  // namespace ptrescue
