// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/image_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ptrescue {
namespace {

bool all_zero(std::span<const std::byte> d) {
  return std::all_of(d.begin(), d.end(), [](std::byte b) { return b == std::byte{0}; });
}

}  // namespace

ImageFile::ImageFile(const std::string& path, const ImageFileOptions& options)
    : path_(path), options_(options) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw std::runtime_error(fmt::format("image '{}' is a directory", path));
    if (S_ISBLK(st.st_mode)) {
      if (!options.force)
        throw std::runtime_error(fmt::format(
            "image '{}' is a block device: writing to it destroys its contents; use -f to confirm",
            path));
      is_block_device_ = true;
    } else if (!S_ISREG(st.st_mode)) {
      throw std::runtime_error(fmt::format("image '{}' is not a regular file or block device", path));
    }
  }
  fd_.reset(::open(path.c_str(), (options.compare_before_write ? O_RDWR : O_WRONLY) | O_CREAT | O_CLOEXEC, 0644));
  if (!fd_.valid())
    throw std::runtime_error(fmt::format("cannot open image '{}': {}", path, std::strerror(errno)));
  if (options.preallocate && !is_block_device_ && options.size > 0) {
    const int rc = ::posix_fallocate(fd_.get(), 0, options.size);
    if (rc != 0)
      throw std::runtime_error(
          fmt::format("cannot preallocate {} bytes for image '{}': {}", options.size, path,
                      std::strerror(rc)));
  }
}

void ImageFile::write(std::int64_t pos, std::span<const std::byte> data) {
  if (options_.sparse && !is_block_device_ && all_zero(data)) return;
  if (options_.compare_before_write && already_holds(pos, data)) return;
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd_.get(), data.data() + done, data.size() - done,
                               static_cast<off_t>(pos) + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw ImageWriteError(fmt::format("cannot write image '{}' at byte {}: {}", path_,
                                        pos + static_cast<std::int64_t>(done),
                                        n < 0 ? std::strerror(errno) : "no progress"));
    done += static_cast<std::size_t>(n);
  }
  dirty_ = true;
  // Start writeback of what was written so far, without waiting for it, so
  // the fdatasync before each mapfile save finds little left to do instead
  // of the whole page cache's worth (halves the wall time of a fast copy).
  unflushed_ += static_cast<std::int64_t>(data.size());
  if (unflushed_ >= kWritebackChunk) {
    ::sync_file_range(fd_.get(), 0, 0, SYNC_FILE_RANGE_WRITE);  // 0, 0: the whole file
    unflushed_ = 0;
  }
}

// A short read (past the image's end) or a read error just means "write it".
bool ImageFile::already_holds(std::int64_t pos, std::span<const std::byte> data) {
  compare_buffer_.resize(data.size());
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pread(fd_.get(), compare_buffer_.data() + done, data.size() - done,
                              static_cast<off_t>(pos) + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return std::memcmp(compare_buffer_.data(), data.data(), data.size()) == 0;
}

void ImageFile::sync() {
  if (!dirty_) return;
  if (::fdatasync(fd_.get()) != 0)
    throw ImageWriteError(fmt::format("cannot sync image '{}': {}", path_, std::strerror(errno)));
  dirty_ = false;
}

void ImageFile::finish() {
  if (is_block_device_ || options_.size <= 0) return;
  struct stat st {};
  if (::fstat(fd_.get(), &st) == 0 && st.st_size < options_.size && options_.sparse) {
    if (::ftruncate(fd_.get(), options_.size) != 0)
      throw ImageWriteError(
          fmt::format("cannot extend image '{}': {}", path_, std::strerror(errno)));
    dirty_ = true;
  }
  sync();
}

}  // namespace ptrescue
