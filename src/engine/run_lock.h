// SPDX-License-Identifier: GPL-3.0-or-later
// One run per mapfile and per image: an advisory lock (flock(2)) that the
// kernel drops when the process ends, however it ends, so a crash never
// leaves a stale lock. The mapfile is replaced by rename on every save, so
// its lock lives on a file of its own beside it (MAPFILE.lock, holding the
// PID for people); the image keeps its inode, so it is locked itself.
// A run removes the lock file it created when it ends (refused or not), so
// only a crash leaves one behind, and that one locks nothing.
#pragma once

#include <stdexcept>
#include <string>

#include "base/unique_fd.h"

namespace ptrescue {

/// Another run holds the lock: what() names the file and that run's PID.
class RunLocked : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The lock file of a mapfile: MAPFILE.lock (through links, beside the target).
std::string lock_path_for(const std::string& mapfile_path);

/// Holds the lock on a mapfile for its lifetime.
class MapFileLock {
 public:
  /// Throws RunLocked when another process holds it, std::runtime_error when
  /// the lock file cannot be made.
  explicit MapFileLock(const std::string& mapfile_path);
  /// Removes the lock file if this object created it, still holding the lock.
  ~MapFileLock();
  MapFileLock(const MapFileLock&) = delete;
  MapFileLock& operator=(const MapFileLock&) = delete;

 private:
  std::string path_;
  UniqueFd fd_;
  bool created_ = false;
};

/// Takes an exclusive flock on an open image file. Throws RunLocked naming
/// `path` and the holder's PID when another process holds one.
void lock_image(int fd, const std::string& path);

/// The PID of a process holding a flock on the file open as `fd`, from
/// /proc/locks, or 0 when none can be found.
long flock_holder(int fd);

}  // namespace ptrescue
