// SPDX-License-Identifier: GPL-3.0-or-later
// What the engine tells the outside world: the status display, the reads
// log and the JSON stream all listen here. Default: ignore everything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "src/mapfile/mapfile.h"
#include "transport/device.h"

namespace ptrescue {

/// One read command and what it did to the map.
struct ReadEvent {
  Phase phase = Phase::kCopying;
  std::int64_t pos = 0;          ///< first byte asked for
  std::int64_t size = 0;         ///< bytes asked for
  std::int64_t copied = 0;       ///< bytes rescued by this command
  const ReadOutcome* outcome = nullptr;
  Millis timeout{0};             ///< the timeout the engine asked for
  /// The rescued bytes (`copied` of them, starting at `pos`), already in the
  /// image; valid only during the call.
  std::span<const std::byte> data;
};

class RescueObserver {
 public:
  virtual ~RescueObserver() = default;
  /// A pass or phase begins: e.g. "Copying non-tried blocks... Pass 1 (forwards)".
  virtual void on_phase(Phase, int /*pass*/, std::string_view /*description*/) {}
  virtual void on_read(const ReadEvent&) {}
  virtual void on_reset(ResetKind, const ResetOutcome&) {}
  virtual void on_reopen(const ResetOutcome&) {}  ///< -O
  /// The drive came back after vanishing, and the areas of the `reads`
  /// failed reads since its last good one (`bytes`) were put back to be read
  /// again: they failed because the drive was leaving.
  virtual void on_failures_undone(int /*reads*/, std::int64_t /*bytes*/) {}
  /// The mapfile was saved.
  virtual void on_save() {}
};

}  // namespace ptrescue
