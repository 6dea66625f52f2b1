// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/kernel_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <vector>

namespace ptrescue {

KernelLog::KernelLog(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  // Documentation/ABI/testing/dev-kmsg: SEEK_END skips what is already there.
  if (fd_ >= 0 && ::lseek(fd_, 0, SEEK_END) < 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

KernelLog::~KernelLog() {
  if (fd_ >= 0) ::close(fd_);
}

std::string KernelLog::since(std::size_t max_lines) {
  if (fd_ < 0) return {};
  std::deque<std::string> lines;
  std::vector<char> buf(8192);
  for (;;) {
    // One record per read: "PRIO,SEQ,USEC,FLAGS;message\n" then continuation lines.
    const ssize_t n = ::read(fd_, buf.data(), buf.size() - 1);
    if (n < 0 && errno == EPIPE) continue;  // records overwritten meanwhile: go on
    if (n <= 0) break;                       // EAGAIN: nothing more
    std::string rec(buf.data(), static_cast<std::size_t>(n));
    const auto semi = rec.find(';');
    if (semi == std::string::npos) continue;
    std::string msg = rec.substr(semi + 1);
    if (const auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    lines.push_back(std::move(msg));
    if (lines.size() > max_lines) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : " | ") + l;
  return out;
}

}  // namespace ptrescue
