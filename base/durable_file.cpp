// SPDX-License-Identifier: GPL-3.0-or-later
#include "base/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include <fmt/format.h>

#include "base/unique_fd.h"

namespace ptrescue {

namespace {

std::string folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
  throw DurableWriteError(fmt::format("cannot {} '{}': {}", what, path, std::strerror(err)), err);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) {
      errno = EIO;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string write_target_of(const std::string& path) {
  std::string target = path;
  // Linux follows at most 40 links in one lookup (path_resolution(7)).
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(target.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return target;
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(target.c_str(), buf, sizeof buf - 1);
    if (n < 0) return target;
    std::string next(buf, static_cast<std::size_t>(n));
    target = (!next.empty() && next[0] == '/') ? next : folder_of(target) + "/" + next;
  }
  throw DurableWriteError(fmt::format("cannot write '{}': too many levels of symbolic links", path), ELOOP);
}

std::string temporary_path_for(const std::string& path) { return write_target_of(path) + ".tmp"; }

void sync_folder_of(const std::string& path) {
  const std::string folder = folder_of(path);
  UniqueFd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) fail("open folder", folder, errno);
  if (::fsync(dir.get()) != 0) fail("fsync folder", folder, errno);
}

void replace_file_durably(const std::string& path, std::string_view content, unsigned mode) {
  const std::string target = write_target_of(path);
  const std::string tmp = target + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) fail("create", tmp, errno);
  // From here on a failure must not leave the temporary file behind.
  const auto abandon = [&](const char* what) {
    const int err = errno;
    fd.reset();
    ::unlink(tmp.c_str());
    fail(what, tmp, err);
  };
  if (!write_all(fd.get(), content)) abandon("write");
  if (::fsync(fd.get()) != 0) abandon("fsync");
  if (!fd.close_checked()) abandon("close");
  if (::rename(tmp.c_str(), target.c_str()) != 0) abandon("rename into place");
  sync_folder_of(target);
}

}  // namespace ptrescue
