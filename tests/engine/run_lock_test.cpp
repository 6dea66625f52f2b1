// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/run_lock.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "support/file_bytes.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::TempDir;

// Runs `hold` in a child that keeps its locks until the parent closes the
// pipe; returns the child's PID once it holds them.
pid_t hold_in_child(const std::function<void()>& hold, int& release_fd) {
  int ready[2], release[2];
  EXPECT_EQ(::pipe(ready), 0);
  EXPECT_EQ(::pipe(release), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ready[0]);
    ::close(release[1]);  // else the read below never sees EOF
    hold();
    char c = 1;
    (void)!::write(ready[1], &c, 1);
    (void)!::read(release[0], &c, 1);  // EOF when the parent lets go
    ::_exit(0);
  }
  char c;
  EXPECT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ::close(ready[1]);
  ::close(release[0]);
  release_fd = release[1];
  return pid;
}

void release_child(pid_t pid, int release_fd) {
  ::close(release_fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

TEST(RunLock, ASecondRunOnTheSameMapfileIsRefusedNamingThePid) {
  TempDir dir;
  const std::string map = dir.file("m.map");
  int release = -1;
  const pid_t pid = hold_in_child([&] { static MapFileLock held(map); }, release);
  try {
    MapFileLock second(map);
    ADD_FAILURE() << "the second lock was granted";
  } catch (const RunLocked& e) {
    EXPECT_NE(std::string(e.what()).find(fmt::format("PID {}", pid)), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(map), std::string::npos) << e.what();
  }
  release_child(pid, release);
  // The holder has ended: the lock is free again, with no stale state.
  EXPECT_NO_THROW(MapFileLock third(map));
}

TEST(RunLock, ASymlinkedMapfileSharesItsTargetsLock) {
  TempDir dir;
  ASSERT_EQ(::symlink("real.map", dir.file("link.map").c_str()), 0);
  EXPECT_EQ(lock_path_for(dir.file("link.map")), dir.file("real.map") + ".lock");
  int release = -1;
  const pid_t pid = hold_in_child([&] { static MapFileLock held(dir.file("link.map")); }, release);
  EXPECT_THROW(MapFileLock second(dir.file("real.map")), RunLocked);
  release_child(pid, release);
}

TEST(RunLock, TheLockFileARunMadeGoesWithItAndOneACrashLeftStays) {
  TempDir dir;
  const std::string map = dir.file("m.map"), lock = dir.file("m.map.lock");
  {
    MapFileLock held(map);
    EXPECT_EQ(test::read_file(lock), fmt::format("{}\n", ::getpid()));
  }
  EXPECT_FALSE(std::filesystem::exists(lock)) << "the lock file outlived its run";
  {
    // Refused after the lock was taken: unwinding removes it just the same.
    try {
      MapFileLock held(map);
      throw std::runtime_error("refused");
    } catch (const std::runtime_error&) {
    }
  }
  EXPECT_FALSE(std::filesystem::exists(lock));

  test::write_file(lock, "4194303\n");  // left by a SIGKILLed run: no flock on it
  {
    MapFileLock held(map);
    EXPECT_EQ(test::read_file(lock), fmt::format("{}\n", ::getpid()));
  }
  EXPECT_TRUE(std::filesystem::exists(lock)) << "a lock file this run did not make was removed";
}

TEST(RunLock, ARefusedSecondRunLeavesTheFirstRunsLockFile) {
  TempDir dir;
  const std::string map = dir.file("m.map"), lock = dir.file("m.map.lock");
  int release = -1;
  const pid_t pid = hold_in_child([&] { static MapFileLock held(map); }, release);
  EXPECT_THROW(MapFileLock second(map), RunLocked);
  EXPECT_EQ(test::read_file(lock), fmt::format("{}\n", pid));
  release_child(pid, release);
}

TEST(RunLock, AnImageHeldByAnotherRunIsRefused) {
  TempDir dir;
  const std::string image = dir.file("o.img");
  int release = -1;
  const pid_t pid = hold_in_child(
      [&] {
        const int fd = ::open(image.c_str(), O_RDWR | O_CREAT, 0644);
        lock_image(fd, image);
      },
      release);
  const int fd = ::open(image.c_str(), O_RDWR);
  try {
    lock_image(fd, image);
    ADD_FAILURE() << "the image lock was granted";
  } catch (const RunLocked& e) {
    EXPECT_NE(std::string(e.what()).find(fmt::format("PID {}", pid)), std::string::npos) << e.what();
  }
  release_child(pid, release);
  EXPECT_NO_THROW(lock_image(fd, image));
  ::close(fd);
}

}  // namespace
}  // namespace ptrescue
