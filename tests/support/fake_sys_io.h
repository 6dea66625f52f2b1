// SPDX-License-Identifier: GPL-3.0-or-later
// A fake kernel for the pass-through back ends: device nodes by path, each
// answering open/ioctl/read/write/poll like its driver would, a virtual
// clock that poll() timeouts and sleeps advance (a drive that never answers
// costs no real time), and a hook for the power-cycle command. Paths it does
// not know are stat()ed on the real file system, so regular files work too.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "transport/sys_io.h"

namespace ptrescue::test {

/// A device node's driver.
class FakeNode {
 public:
  virtual ~FakeNode() = default;
  virtual int ioctl(unsigned long request, void* arg) = 0;
  virtual ssize_t write(const void*, std::size_t) { return -EINVAL; }
  virtual ssize_t read(void*, std::size_t) { return -EINVAL; }
  /// The poll events ready now (POLLIN, POLLHUP); 0 = nothing yet.
  virtual short ready_events() { return 0; }
  /// open() of the node fails with this (e.g. -ENODEV) when non-zero.
  virtual int open_error() { return 0; }
};

class FakeSysIo final : public SysIo {
 public:
  /// Registers a node: `type` is S_IFBLK or S_IFCHR.
  void add_node(const std::string& path, mode_t type, unsigned maj, unsigned min,
                std::shared_ptr<FakeNode> node) {
    std::lock_guard lk(m_);
    nodes_[path] = Entry{type, makedev(maj, min), std::move(node)};
  }
  void remove_node(const std::string& path) {
    std::lock_guard lk(m_);
    nodes_.erase(path);
  }

  /// What run_command() does; unset: the command cannot start (ENOENT).
  std::function<int(const std::string&)> on_run_command;
  /// Every command run, every path opened, in order.
  std::vector<std::string> commands_run;
  std::vector<std::string> opened_paths() {
    std::lock_guard lk(m_);
    return opened_;
  }
  int open_descriptors() {
    std::lock_guard lk(m_);
    return static_cast<int>(fds_.size());
  }

  VirtualClock& virtual_clock() { return clock_; }

  int open(const std::string& path, int) override {
    std::lock_guard lk(m_);
    opened_.push_back(path);
    auto it = nodes_.find(path);
    if (it == nodes_.end()) return -ENOENT;
    if (const int e = it->second.node->open_error(); e != 0) return e;
    const int fd = next_fd_++;
    fds_[fd] = it->second.node;
    return fd;
  }
  int close(int fd) override {
    std::lock_guard lk(m_);
    return fds_.erase(fd) == 1 ? 0 : -EBADF;
  }
  int ioctl(int fd, unsigned long request, void* arg) override {
    auto node = lookup(fd);
    return node ? node->ioctl(request, arg) : -EBADF;
  }
  ssize_t read(int fd, void* buf, std::size_t size) override {
    auto node = lookup(fd);
    return node ? node->read(buf, size) : -EBADF;
  }
  ssize_t write(int fd, const void* buf, std::size_t size) override {
    auto node = lookup(fd);
    return node ? node->write(buf, size) : -EBADF;
  }
  int poll(int fd, short events, short& revents, Millis timeout) override {
    auto node = lookup(fd);
    if (!node) {
      revents = POLLNVAL;
      return 1;
    }
    const short ready = node->ready_events() & (events | POLLHUP | POLLERR);
    if (ready != 0) {
      revents = ready;
      return 1;
    }
    // Nothing will happen by itself in a fake: the whole timeout passes.
    clock_.advance(timeout);
    revents = 0;
    return 0;
  }
  int stat(const std::string& path, struct stat& st) override {
    {
      std::lock_guard lk(m_);
      auto it = nodes_.find(path);
      if (it != nodes_.end()) {
        st = {};
        st.st_mode = it->second.type | 0660;
        st.st_rdev = it->second.rdev;
        return 0;
      }
    }
    return ::stat(path.c_str(), &st) == 0 ? 0 : -errno;
  }
  int run_command(const std::string& command) override {
    commands_run.push_back(command);
    return on_run_command ? on_run_command(command) : -ENOENT;
  }
  void sleep_for(Millis d) override { clock_.advance(d); }
  const Clock& clock() const override { return clock_; }

 private:
  struct Entry {
    mode_t type;
    dev_t rdev;
    std::shared_ptr<FakeNode> node;
  };
  std::shared_ptr<FakeNode> lookup(int fd) {
    std::lock_guard lk(m_);
    auto it = fds_.find(fd);
    return it == fds_.end() ? nullptr : it->second;
  }

  std::mutex m_;
  std::map<std::string, Entry> nodes_;
  std::map<int, std::shared_ptr<FakeNode>> fds_;
  std::vector<std::string> opened_;
  int next_fd_ = 100;
  VirtualClock clock_;
};

}  // namespace ptrescue::test
