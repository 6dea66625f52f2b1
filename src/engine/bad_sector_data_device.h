// SPDX-License-Identifier: GPL-3.0-or-later
// ddrescue 1.30's --bad-sector-data=FILE on any source: some drives return a
// fixed pattern instead of failing a sector they cannot read. A sector whose
// data equals FILE's first sector is taken for a read error: the read
// delivers only the sectors before it and fails there, so the pattern is
// never written to the image and the sector ends bad, exactly as ddrescue
// 1.30's manual describes (the engine then trims and scrapes around it).
#pragma once

#include <string>

#include "transport/device.h"

namespace ptrescue {

class BadSectorDataDevice final : public Device {
 public:
  /// `inner` must outlive this object. `pattern` is FILE's bytes; only its
  /// first sector counts. Throws std::runtime_error if it is shorter than
  /// one sector.
  BadSectorDataDevice(Device& inner, const std::string& pattern, const std::string& file_name);

  const DeviceIdentity& identity() const override { return inner_.identity(); }
  ReadOutcome read(Lba lba, std::uint32_t count, std::span<std::byte> out, Millis timeout) override;
  ResetOutcome reset(ResetKind kind) override { return inner_.reset(kind); }
  ResetOutcome reopen() override { return inner_.reopen(); }
  const Clock& clock() const override { return inner_.clock(); }

 private:
  Device& inner_;
  std::string sector_;  ///< the pattern: one sector of FILE
};

}  // namespace ptrescue
