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

std::string KernelLog::since(std::size_t first, std::size_t last) {
  if (fd_ < 0) return {};
  std::vector<std::string> head;
  std::deque<std::string> lines;
  std::size_t skipped = 0;
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
    if (head.size() < first) {
      head.push_back(std::move(msg));
      continue;
    }
    lines.push_back(std::move(msg));
    if (lines.size() > last) {
      lines.pop_front();
      ++skipped;
    }
  }
  std::string out;
  const auto add = [&](const std::string& l) { out += (out.empty() ? "" : " | ") + l; };
  for (const auto& l : head) add(l);
  if (skipped > 0) add("(" + std::to_string(skipped) + " more)");
  for (const auto& l : lines) add(l);
  return out;
}

}  // namespace ptrescue
