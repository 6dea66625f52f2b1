// SPDX-License-Identifier: GPL-3.0-or-later
// ddrescue's -H/--test-mode on any source: a read that touches a byte the test
// mapfile does not mark '+' fails as a media error at the first such sector,
// delivering nothing, exactly as `ddrescue -H` does. Other reads go to the
// real source. Lets engineers rehearse a rescue of a known-bad map on a
// healthy file, and lets the benchmarks compare ptrescue with ddrescue.
#pragma once

#include "src/mapfile/mapfile.h"
#include "transport/device.h"

namespace ptrescue {

class TestModeDevice final : public Device {
 public:
  /// `inner` must outlive this object.
  TestModeDevice(Device& inner, MapFile test_map);

  const DeviceIdentity& identity() const override { return inner_.identity(); }
  ReadOutcome read(Lba lba, std::uint32_t count, std::span<std::byte> out,
                   Millis timeout) override;
  ResetOutcome reset(ResetKind kind) override { return inner_.reset(kind); }
  ResetOutcome reopen() override { return inner_.reopen(); }
  const Clock& clock() const override { return inner_.clock(); }

 private:
  Device& inner_;
  MapFile test_map_;
};

}  // namespace ptrescue
