// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/sys_io.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace ptrescue {

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

LinuxSysIo& LinuxSysIo::instance() {
  static LinuxSysIo io;
  return io;
}

int LinuxSysIo::open(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  return fd >= 0 ? fd : -errno;
}

int LinuxSysIo::close(int fd) { return ::close(fd) == 0 ? 0 : -errno; }

int LinuxSysIo::ioctl(int fd, unsigned long request, void* arg) {
  const int r = ::ioctl(fd, request, arg);
  return r >= 0 ? r : -errno;
}

ssize_t LinuxSysIo::read(int fd, void* buf, std::size_t size) {
  const ssize_t r = ::read(fd, buf, size);
  return r >= 0 ? r : -errno;
}

ssize_t LinuxSysIo::write(int fd, const void* buf, std::size_t size) {
  const ssize_t r = ::write(fd, buf, size);
  return r >= 0 ? r : -errno;
}

int LinuxSysIo::poll(int fd, short events, short& revents, Millis timeout) {
  pollfd p{fd, events, 0};
  const auto ms = timeout.count() < 0 ? 0 : timeout.count();
  const int r = ::poll(&p, 1, ms > 0x7fffffff ? 0x7fffffff : static_cast<int>(ms));
  if (r < 0) return -errno;
  revents = p.revents;
  return r;
}

int LinuxSysIo::stat(const std::string& path, struct stat& st) {
  return ::stat(path.c_str(), &st) == 0 ? 0 : -errno;
}

int LinuxSysIo::run_command(const std::string& command) {
  // posix_spawn rather than system(): system() blocks SIGINT and SIGQUIT in
  // the caller for the command's whole run, which would keep the user's
  // Ctrl-C from reaching ptrescue during a slow power cycle.
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  const int err = ::posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ);
  if (err != 0) return -err;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -errno;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -ECHILD;
}

void LinuxSysIo::sleep_for(Millis d) { std::this_thread::sleep_for(d); }

}  // namespace ptrescue
