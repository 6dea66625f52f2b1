// SPDX-License-Identifier: GPL-3.0-or-later
// The raw image being written. Data reaches the disk (fdatasync) before any
// mapfile says it is rescued: the engine calls sync() before every save.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "base/unique_fd.h"

namespace ptrescue {

/// Writing or syncing the image failed (ENOSPC, EIO…): ends the run after the
/// mapfile is saved as it stood.
class ImageWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImageFileOptions {
  bool sparse = false;       ///< -S: do not write all-zero blocks; holes read back as zero.
  bool preallocate = false;  ///< -p: reserve the whole size before the first read.
  bool force = false;        ///< -f: allow writing to a block device.
  std::int64_t size = 0;     ///< Final image size (for -p and -S).
  /// -W: read the image first and write only what differs (spares a drive
  /// that is already mostly right, and keeps its unchanged blocks unwritten).
  bool compare_before_write = false;
};

class ImageFile {
 public:
  /// Opens or creates `path` for writing (never truncates: a resumed rescue
  /// keeps what it had). Throws std::runtime_error with a clear reason.
  ImageFile(const std::string& path, const ImageFileOptions& options);

  /// Writes `data` at byte `pos`. Throws ImageWriteError.
  void write(std::int64_t pos, std::span<const std::byte> data);
  /// Makes every write so far durable. Throws ImageWriteError.
  void sync();
  /// Extends a sparse image to its full size (holes), at the end of a run.
  void finish();
  const std::string& path() const { return path_; }
  /// The open file, for the run's lock on it (run_lock.h).
  int fd() const { return fd_.get(); }

 private:
  std::string path_;
  ImageFileOptions options_;
  UniqueFd fd_;
  bool is_block_device_ = false;
  std::string compare_buffer_;  ///< -W: what the image holds where a write goes
  /// -W: whether the image already holds `data` at `pos`.
  bool already_holds(std::int64_t pos, std::span<const std::byte> data);
  bool dirty_ = false;
  std::int64_t unflushed_ = 0;  ///< bytes written since writeback was last started
  static constexpr std::int64_t kWritebackChunk = 8 << 20;
};

}  // namespace ptrescue
