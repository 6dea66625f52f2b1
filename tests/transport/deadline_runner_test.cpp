// SPDX-License-Identifier: GPL-3.0-or-later
// The worker threads that bound blocking calls by a deadline.
#include "transport/deadline_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "support/fake_sys_io.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;

/// A call that blocks until the test opens its gate, then returns `value`.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  void release() {
    std::lock_guard lk(m);
    open = true;
    cv.notify_all();
  }
};

class GatedCall final : public BlockingCall {
 public:
  GatedCall(Gate& gate, int value, std::atomic<int>& destroyed) : gate_(gate), value_(value), destroyed_(destroyed) {}
  ~GatedCall() override { ++destroyed_; }
  int run(SysIo&) override {
    std::unique_lock lk(gate_.m);
    gate_.cv.wait(lk, [&] { return gate_.open; });
    return value_;
  }

 private:
  Gate& gate_;
  int value_;
  std::atomic<int>& destroyed_;
};

TEST(DeadlineRunnerTest, CallThatReturnsInTimeGivesItsValue) {
  test::FakeSysIo io;
  DeadlineRunner runner(io);
  Gate gate;
  gate.release();
  std::atomic<int> destroyed{0};
  const auto r = runner.run(std::make_shared<GatedCall>(gate, 42, destroyed), 30s);
  EXPECT_EQ(r.wait, DeadlineRunner::Wait::kDone);
  EXPECT_EQ(r.value, 42);
  EXPECT_EQ(runner.stuck(), 0u);
}

TEST(DeadlineRunnerTest, LateCallKeepsWhatItOwnsUntilItReturns) {
  test::FakeSysIo io;
  Gate gate;
  std::atomic<int> destroyed{0};
  {
    DeadlineRunner runner(io);
    const auto r = runner.run(std::make_shared<GatedCall>(gate, 1, destroyed), 20ms);
    EXPECT_EQ(r.wait, DeadlineRunner::Wait::kTimeout);
    EXPECT_EQ(runner.stuck(), 1u);
    EXPECT_EQ(destroyed, 0);  // the caller let go, the call is alive
    gate.release();
    EXPECT_TRUE(runner.wait_for_stuck(10s));
    EXPECT_EQ(runner.reaped(), 1u);
    // The thread is reused for the next call.
    const auto again = runner.run(std::make_shared<GatedCall>(gate, 7, destroyed), 30s);
    EXPECT_EQ(again.value, 7);
  }
  EXPECT_EQ(destroyed, 2);
}

TEST(DeadlineRunnerTest, RefusesNewCallsWhenTooManyAreStuck) {
  test::FakeSysIo io;
  Gate gate;
  std::atomic<int> destroyed{0};
  DeadlineRunner runner(io, 2);
  EXPECT_EQ(runner.run(std::make_shared<GatedCall>(gate, 1, destroyed), 10ms).wait, DeadlineRunner::Wait::kTimeout);
  EXPECT_EQ(runner.run(std::make_shared<GatedCall>(gate, 1, destroyed), 10ms).wait, DeadlineRunner::Wait::kTimeout);
  EXPECT_EQ(runner.run(std::make_shared<GatedCall>(gate, 1, destroyed), 10ms).wait,
            DeadlineRunner::Wait::kTooManyStuck);
  gate.release();
  EXPECT_TRUE(runner.wait_for_stuck(10s));
  EXPECT_EQ(runner.run(std::make_shared<GatedCall>(gate, 5, destroyed), 30s).value, 5);
}

}  // namespace
}  // namespace ptrescue
