// SPDX-License-Identifier: GPL-3.0-or-later
// The time source the engine and the devices share. Real devices run on the
// system's steady clock; the simulated drive runs on a virtual clock that its
// reads advance, so a multi-terabyte rescue runs in seconds of real time and
// every duration in the status and the reads log is the drive's own.
#pragma once

#include <chrono>

namespace ptrescue {

using Micros = std::chrono::microseconds;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  /// Time since an arbitrary epoch fixed for the life of the clock.
  virtual Micros now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  Micros now() const override {
    return std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now() - start_);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// A clock that only moves when told to: the simulated drive's time.
class VirtualClock final : public Clock {
 public:
  Micros now() const override { return now_; }
  void advance(Micros d) { now_ += d; }

 private:
  Micros now_{0};
};

}  // namespace ptrescue
