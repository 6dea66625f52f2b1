// SPDX-License-Identifier: GPL-3.0-or-later
// Runs a blocking call (an NVMe passthrough ioctl, a reset ioctl) on a
// worker thread and waits for it no longer than a deadline. A synchronous
// ioctl returns only when the kernel's own error handling is done — tens of
// seconds on a hung drive (KERNEL-FACTS §4) — so this is how ptrescue keeps
// the user's timeout with the kernel's blocking interfaces.
//
// A call that misses its deadline keeps running on its thread, and keeps
// alive everything it owns (the data buffer the kernel may still write),
// until the kernel returns; its result is then discarded. The thread is
// reused afterwards. At most `max_stuck` calls may be stuck at once; beyond
// that nothing more is sent.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "transport/clock.h"
#include "transport/sys_io.h"

namespace ptrescue {

/// One blocking call and what it needs to stay alive while it runs.
class BlockingCall {
 public:
  virtual ~BlockingCall() = default;
  /// Makes the call; returns its result (an ioctl's value or -errno).
  virtual int run(SysIo& io) = 0;
};

class DeadlineRunner {
 public:
  enum class Wait : std::uint8_t {
    kDone,          ///< The call returned in time; `value` is its result.
    kTimeout,       ///< The deadline passed; the call goes on in the background.
    kTooManyStuck,  ///< Not started: `max_stuck` earlier calls never returned.
  };
  struct Result {
    Wait wait = Wait::kDone;
    int value = 0;
  };

  explicit DeadlineRunner(SysIo& io, std::size_t max_stuck = 4);
  /// Joins every thread whose call has returned; a thread still inside the
  /// kernel after a short grace is detached with what it owns.
  ~DeadlineRunner();
  DeadlineRunner(const DeadlineRunner&) = delete;
  DeadlineRunner& operator=(const DeadlineRunner&) = delete;

  /// Runs `call` and waits at most `timeout` (real time) for it.
  Result run(std::shared_ptr<BlockingCall> call, Millis timeout);
  /// Calls that passed their deadline and have not returned yet.
  std::size_t stuck() const;
  /// Calls that passed their deadline and returned since (results discarded).
  std::size_t reaped() const;
  /// Waits (real time, at most `limit`) until no call is stuck: after a
  /// reset that makes the kernel end them. True when none is left.
  bool wait_for_stuck(Millis limit) const;

 private:
  struct Shared;
  struct Worker {
    std::shared_ptr<Shared> shared;
    std::thread thread;
  };
  Worker& idle_worker();
  static void worker_loop(std::shared_ptr<Shared> s, SysIo* io);

  SysIo& io_;
  std::size_t max_stuck_;
  std::vector<Worker> workers_;
};

}  // namespace ptrescue
