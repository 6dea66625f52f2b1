// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

#include "base/durable_file.h"
#include "base/text_file.h"

namespace ptrescue {

std::string lock_path_for(const std::string& mapfile_path) { return write_target_of(mapfile_path) + ".lock"; }

long flock_holder(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return 0;
  // /proc/locks (proc(5)): "N: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE START END",
  // the device in hex. A blocked waiter's line has "->" after the number.
  const std::string want = fmt::format("{:02x}:{:02x}:{}", major(st.st_dev), minor(st.st_dev), st.st_ino);
  std::string text;
  try {
    text = read_whole_file("/proc/locks");
  } catch (const FileReadError&) {
    return 0;
  }
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string n, kind, mode, access, pid, where;
    words >> n >> kind;
    if (kind == "->") continue;
    words >> mode >> access >> pid >> where;
    if (kind == "FLOCK" && where == want) return std::strtol(pid.c_str(), nullptr, 10);
  }
  return 0;
}

namespace {

[[noreturn]] void refuse(const std::string& what, const std::string& path, int fd) {
  const long pid = flock_holder(fd);
  throw RunLocked(pid > 0 ? fmt::format("{} '{}' is in use by another ptrescue run (PID {}); "
                                        "wait for it or stop it first",
                                        what, path, pid)
                          : fmt::format("{} '{}' is in use by another run; wait for it or stop it first", what,
                                        path));
}

/// Opens the lock file, creating it if missing; `*created` says which.
UniqueFd open_lock_file(const std::string& path, bool* created) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (fd.valid()) {
      *created = true;
      return fd;
    }
    if (errno != EEXIST) break;
    fd.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (fd.valid() || errno != ENOENT) {
      *created = false;
      return fd;
    }
    // Removed between the two opens by a run that just ended: try again.
  }
  throw std::runtime_error(fmt::format("cannot create the lock file '{}': {}", path, std::strerror(errno)));
}

/// True while `path` still names the file open as `fd`.
bool still_named(int fd, const std::string& path) {
  struct stat held {}, named {};
  return ::fstat(fd, &held) == 0 && ::lstat(path.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
         held.st_ino == named.st_ino;
}

}  // namespace

MapFileLock::MapFileLock(const std::string& mapfile_path) : path_(lock_path_for(mapfile_path)) {
  // A run that ends removes the lock file it made. A run that opened that
  // file just before may then lock a file no longer in the folder, while a
  // third run creates a new one: so a lock counts only while the path still
  // names the locked file; otherwise start again.
  for (int attempt = 0; attempt < 10; ++attempt) {
    fd_ = open_lock_file(path_, &created_);
    if (!fd_.valid())
      throw std::runtime_error(fmt::format("cannot create the lock file '{}': {}", path_, std::strerror(errno)));
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) refuse("mapfile", mapfile_path, fd_.get());
      throw std::runtime_error(fmt::format("cannot lock '{}': {}", path_, std::strerror(errno)));
    }
    if (!still_named(fd_.get(), path_)) continue;
    // The PID is for people (`cat MAPFILE.lock`); the lock itself is the flock.
    const std::string pid = fmt::format("{}\n", ::getpid());
    if (::ftruncate(fd_.get(), 0) == 0) (void)!::pwrite(fd_.get(), pid.data(), pid.size(), 0);
    return;
  }
  throw std::runtime_error(fmt::format("cannot lock '{}': it keeps being replaced", path_));
}

// Unlinked before the fd closes, so no other run can lock it in between
// and believe it holds the live lock file (see the constructor).
MapFileLock::~MapFileLock() {
  if (created_ && fd_.valid() && still_named(fd_.get(), path_)) (void)::unlink(path_.c_str());
}

void lock_image(int fd, const std::string& path) {
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return;
  if (errno == EWOULDBLOCK) refuse("image", path, fd);
  // Some file systems have no flock (it fails with ENOLCK/EOPNOTSUPP): the
  // mapfile's lock still guards the pair.
}

}  // namespace ptrescue
