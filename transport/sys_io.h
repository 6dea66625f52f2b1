// SPDX-License-Identifier: GPL-3.0-or-later
// The one seam between the pass-through back ends and the kernel: every
// open, close, ioctl, read, write and poll on a device node, every sleep and
// every run of a user's command goes through a SysIo. LinuxSysIo makes the
// real calls; tests hand the back ends a fake that answers at the ioctl
// level (tests/support/fake_sys_io.h), with a virtual clock, so a drive that
// never answers costs no real time.
//
// Return convention of the calls: the syscall's result when it succeeded,
// -errno when it failed (never -1 with errno set).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <utility>

#include "transport/clock.h"

namespace ptrescue {

class SysIo {
 public:
  virtual ~SysIo() = default;

  /// open(2): a file descriptor, or -errno.
  virtual int open(const std::string& path, int flags) = 0;
  virtual int close(int fd) = 0;
  /// ioctl(2): its non-negative result, or -errno. Must be callable from
  /// several threads at once (NVMe commands run on worker threads).
  virtual int ioctl(int fd, unsigned long request, void* arg) = 0;
  virtual ssize_t read(int fd, void* buf, std::size_t size) = 0;
  virtual ssize_t write(int fd, const void* buf, std::size_t size) = 0;
  /// poll(2) of one descriptor: 1 with `revents` set, 0 when `timeout`
  /// passed with nothing to report, or -errno.
  virtual int poll(int fd, short events, short& revents, Millis timeout) = 0;
  /// stat(2) of a device node: 0 or -errno.
  virtual int stat(const std::string& path, struct stat& st) = 0;
  /// Runs `command` with /bin/sh -c and waits for it: its exit status,
  /// 128 + signal if a signal ended it, or -errno if it could not start.
  virtual int run_command(const std::string& command) = 0;
  virtual void sleep_for(Millis d) = 0;
  /// The time every deadline and duration of the back ends is measured on.
  virtual const Clock& clock() const = 0;
};

/// The real kernel. Stateless apart from its clock; one shared instance.
class LinuxSysIo final : public SysIo {
 public:
  static LinuxSysIo& instance();

  int open(const std::string& path, int flags) override;
  int close(int fd) override;
  int ioctl(int fd, unsigned long request, void* arg) override;
  ssize_t read(int fd, void* buf, std::size_t size) override;
  ssize_t write(int fd, const void* buf, std::size_t size) override;
  int poll(int fd, short events, short& revents, Millis timeout) override;
  int stat(const std::string& path, struct stat& st) override;
  int run_command(const std::string& command) override;
  void sleep_for(Millis d) override;
  const Clock& clock() const override { return clock_; }

 private:
  SteadyClock clock_;
};

/// A descriptor opened through a SysIo, closed through the same SysIo
/// exactly once (a fake's descriptors are not the kernel's).
class SysFd {
 public:
  SysFd() = default;
  SysFd(SysIo& io, int fd) : io_(&io), fd_(fd) {}
  SysFd(SysFd&& o) noexcept : io_(o.io_), fd_(std::exchange(o.fd_, -1)) {}
  SysFd& operator=(SysFd&& o) noexcept {
    if (this != &o) {
      reset();
      io_ = o.io_;
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  SysFd(const SysFd&) = delete;
  SysFd& operator=(const SysFd&) = delete;
  ~SysFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0 && io_ != nullptr) io_->close(fd_);
    fd_ = -1;
  }

 private:
  SysIo* io_ = nullptr;
  int fd_ = -1;
};

/// strerror() of a positive or negative errno value.
std::string errno_text(int err);

}  // namespace ptrescue
