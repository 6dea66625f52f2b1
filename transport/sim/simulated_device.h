// SPDX-License-Identifier: GPL-3.0-or-later
// A failing hard drive in memory: SimPhysics (what each command costs and how
// it ends) + SimDriveState + the sector pattern as data + a VirtualClock that
// every command and reset advances, so a multi-terabyte rescue runs in
// seconds. Opened on the command line as "sim:NAME" or "sim:PROFILE.json".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/unique_fd.h"
#include "transport/clock.h"
#include "transport/device.h"
#include "transport/sim/sim_physics.h"
#include "transport/sim/sim_profile.h"

namespace ptrescue {

class SimulatedDevice final : public Device {
 public:
  /// Throws SimProfileError when the profile is impossible. `path` is what
  /// identity().path says; empty gives "sim:<profile name>".
  explicit SimulatedDevice(SimProfile profile, std::string path = {});

  const DeviceIdentity& identity() const override { return identity_; }
  /// Fills `out` with the sector pattern (or the profile's contents file) on kOk; on any failure the first
  /// count sectors of `out` hold kPoisonByte instead (a pass-through delivers
  /// no data for a failed command, and an engine that uses it anyway must
  /// not find plausible bytes).
  ReadOutcome read(Lba lba, std::uint32_t count, std::span<std::byte> out, Millis timeout) override;
  ResetOutcome reset(ResetKind kind) override;
  const Clock& clock() const override { return clock_; }
  /// SMART that follows the drive's behaviour (docs/SIMULATOR.md, "SMART"):
  /// an ATA attribute table built from the state, encoded as the SMART READ
  /// DATA / THRESHOLDS pages and parsed back like a real drive's.
  SmartReading read_smart(Millis timeout) override;

  /// The head that reads `lba` (docs/SIMULATOR.md, "Geometry").
  int head_of(Lba lba) const { return physics_.geometry().head_of(lba); }
  /// ATA SCT Error Recovery Control: caps the internal retries of a read that
  /// meets a bad sector. Millis(0) turns it off. Volatile: a power cycle
  /// restores the profile's error_recovery_limit_ms.
  void set_error_recovery_limit(Millis limit);

  /// Skips filling read buffers (for benchmarks of the engine's bookkeeping
  /// on huge simulated drives); on by default.
  void set_deliver_data(bool on) { deliver_data_ = on; }

  const SimProfile& profile() const { return physics_.profile(); }
  const SimPhysics& physics() const { return physics_; }
  const SimDriveState& state() const { return state_; }
  /// Seed of the data: sector `lba` holds fill_sector_pattern(data_seed(), lba, ...).
  std::uint64_t data_seed() const { return physics_.profile().seed; }

  std::uint64_t commands_issued() const { return commands_; }
  /// Read commands that ran into an unreadable sector (kMediaError, or
  /// kTimeout while retrying one).
  std::uint64_t error_reads() const { return state_.error_reads; }
  /// reset() calls, whether they succeeded or not.
  std::uint64_t resets() const { return resets_; }
  bool dead() const { return state_.dead; }

  static constexpr std::byte kPoisonByte{0xBD};

 private:
  void note_for_smart(const ReadOutcome& r);
  std::uint64_t power_on_hours() const;
  double temperature_c() const;
  void fill_data(Lba lba, std::span<std::byte> data) const;

  SimPhysics physics_;
  SimDriveState state_;
  VirtualClock clock_;
  DeviceIdentity identity_;
  UniqueFd contents_;  ///< The profile's contents file, when it names one.
  bool deliver_data_ = true;
  std::uint64_t commands_ = 0;
  std::uint64_t resets_ = 0;
};

/// `spec` is what follows "sim:" on the command line: a built-in profile name
/// or a path ending in ".json". Throws SimProfileError.
std::unique_ptr<SimulatedDevice> open_simulated_device(std::string_view spec);

}  // namespace ptrescue
