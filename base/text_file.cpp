// SPDX-License-Identifier: GPL-3.0-or-later
#include "base/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/unique_fd.h"

namespace ptrescue {

FileReadError::FileReadError(const std::string& path, const std::string& reason, int err)
    : std::runtime_error(fmt::format("{}: {}", path, reason)), err_(err) {}

std::string read_whole_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    throw FileReadError(path, err == ENOENT ? "no such file" : std::strerror(err), err);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    throw FileReadError(path, std::strerror(err), err);
  }
  if (S_ISDIR(st.st_mode)) throw FileReadError(path, "is a directory, not a file", EISDIR);
  if (S_ISBLK(st.st_mode)) throw FileReadError(path, "is a block device, not a file", EINVAL);
  std::string text;
  if (S_ISREG(st.st_mode)) text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      throw FileReadError(path, fmt::format("read error: {}", std::strerror(err)), err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace ptrescue
