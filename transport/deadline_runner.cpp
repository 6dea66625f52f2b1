// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/deadline_runner.h"

#include <chrono>

namespace ptrescue {

struct DeadlineRunner::Shared {
  std::mutex m;
  std::condition_variable cv;
  std::shared_ptr<BlockingCall> job;  // set while a call runs
  bool done = true;
  bool late = false;  // the caller stopped waiting for the running call
  bool quit = false;
  int result = 0;
  std::size_t late_returns = 0;
};

DeadlineRunner::DeadlineRunner(SysIo& io, std::size_t max_stuck) : io_(io), max_stuck_(max_stuck) {}

DeadlineRunner::~DeadlineRunner() {
  for (Worker& w : workers_) {
    std::lock_guard lk(w.shared->m);
    w.shared->quit = true;
  }
  for (Worker& w : workers_) w.shared->cv.notify_all();
  for (Worker& w : workers_) {
    bool returned = false;
    {
      std::unique_lock lk(w.shared->m);
      returned = w.shared->cv.wait_for(lk, std::chrono::seconds(1), [&] { return w.shared->done; });
    }
    // A thread still inside the kernel cannot be joined; it owns its call
    // (and the buffer the kernel may still fill) and ends when the kernel
    // lets go.
    if (returned) w.thread.join();
    else w.thread.detach();
  }
}

DeadlineRunner::Worker& DeadlineRunner::idle_worker() {
  for (Worker& w : workers_) {
    std::lock_guard lk(w.shared->m);
    if (w.shared->done) return w;
  }
  Worker w;
  w.shared = std::make_shared<Shared>();
  w.thread = std::thread(worker_loop, w.shared, &io_);
  workers_.push_back(std::move(w));
  return workers_.back();
}

DeadlineRunner::Result DeadlineRunner::run(std::shared_ptr<BlockingCall> call, Millis timeout) {
  if (stuck() >= max_stuck_) return {Wait::kTooManyStuck, 0};
  Worker& w = idle_worker();
  Shared& s = *w.shared;
  std::unique_lock lk(s.m);
  s.job = std::move(call);
  s.done = false;
  s.late = false;
  s.cv.notify_all();
  if (!s.cv.wait_for(lk, timeout, [&] { return s.done; })) {
    s.late = true;
    return {Wait::kTimeout, 0};
  }
  return {Wait::kDone, s.result};
}

std::size_t DeadlineRunner::stuck() const {
  std::size_t n = 0;
  for (const Worker& w : workers_) {
    std::lock_guard lk(w.shared->m);
    if (!w.shared->done) ++n;
  }
  return n;
}

std::size_t DeadlineRunner::reaped() const {
  std::size_t n = 0;
  for (const Worker& w : workers_) {
    std::lock_guard lk(w.shared->m);
    n += w.shared->late_returns;
  }
  return n;
}

bool DeadlineRunner::wait_for_stuck(Millis limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (const Worker& w : workers_) {
    std::unique_lock lk(w.shared->m);
    if (!w.shared->cv.wait_until(lk, deadline, [&] { return w.shared->done; })) return false;
  }
  return true;
}

void DeadlineRunner::worker_loop(std::shared_ptr<Shared> s, SysIo* io) {
  for (;;) {
    std::shared_ptr<BlockingCall> job;
    {
      std::unique_lock lk(s->m);
      s->cv.wait(lk, [&] { return s->job != nullptr || s->quit; });
      if (s->job == nullptr) return;
      job = s->job;
    }
    const int r = job->run(*io);
    {
      std::lock_guard lk(s->m);
      s->result = r;
      s->job.reset();
      if (s->late) ++s->late_returns;
      s->late = false;
      s->done = true;
    }
    // The kernel has let go of the call's memory: it may be freed now (here,
    // if the caller gave up waiting).
    job.reset();
    s->cv.notify_all();
  }
}

}  // namespace ptrescue
