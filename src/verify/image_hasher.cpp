// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/verify/image_hasher.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "base/progress_line.h"
#include "transport/aligned_buffer.h"
#include "base/unique_fd.h"

namespace ptrescue {
namespace {

constexpr std::int64_t kChunk = 4 << 20;

UniqueFd open_read_only(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw std::runtime_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  return fd;
}

std::int64_t size_of(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    throw std::runtime_error(fmt::format("cannot stat '{}': {}", path, std::strerror(errno)));
  if (S_ISBLK(st.st_mode)) {
    std::uint64_t bytes = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0)
      throw std::runtime_error(fmt::format("cannot get the size of '{}': {}", path, std::strerror(errno)));
    return static_cast<std::int64_t>(bytes);
  }
  if (!S_ISREG(st.st_mode))
    throw std::runtime_error(fmt::format("'{}' is not a regular file or block device", path));
  return st.st_size;
}

}  // namespace

std::int64_t file_or_device_size(const std::string& path) {
  const UniqueFd fd = open_read_only(path);
  return size_of(fd.get(), path);
}

ImageHash hash_file_range(const std::string& path, std::int64_t begin, std::int64_t end,
                          const std::vector<HashAlgorithm>& algorithms, ProgressLine* progress,
                          const std::atomic<bool>* stop) {
  const UniqueFd fd = open_read_only(path);
  const std::int64_t size = size_of(fd.get(), path);
  if (end < 0 || end > size) end = size;
  begin = std::clamp<std::int64_t>(begin, 0, end);
  ::posix_fadvise(fd.get(), begin, end - begin, POSIX_FADV_SEQUENTIAL);
  MultiDigest digest(algorithms);
  AlignedBuffer buffer(static_cast<std::size_t>(kChunk));
  std::int64_t pos = begin;
  while (pos < end) {
    if (stop && stop->load()) {
      ImageHash h{begin, pos - begin, {}};
      h.interrupted = true;
      return h;
    }
    const auto want = static_cast<std::size_t>(std::min(kChunk, end - pos));
    const ssize_t n = ::pread(fd.get(), buffer.data(), want, static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw std::runtime_error(
          fmt::format("cannot read '{}' at byte {}: {}", path, pos, std::strerror(errno)));
    if (n == 0) break;  // the file shrank under us: hash what there is
    digest.update(std::span<const std::byte>(buffer.data(), static_cast<std::size_t>(n)));
    pos += n;
    if (progress) progress->update(pos - begin);
  }
  if (progress) progress->finish(pos - begin);
  return ImageHash{begin, pos - begin, digest.finish()};
}

}  // namespace ptrescue
