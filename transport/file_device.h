// SPDX-License-Identifier: GPL-3.0-or-later
// A regular file or a block device read with pread(), through the kernel's
// block layer. Opened read-only. No per-command timeout can be enforced here:
// a hung drive hangs pread (use a pass-through transport for that); the
// timeout is recorded as "applied 0" to say so.
#pragma once

#include <memory>
#include <string>

#include <sys/types.h>

#include "transport/device.h"
#include "base/unique_fd.h"

namespace ptrescue {

struct FileDeviceOptions {
  bool direct = false;  ///< O_DIRECT: bypass the page cache (ddrescue -d).
  /// Logical sector size to use; 0 = the device's (512 for regular files).
  std::uint32_t sector_size = 0;
};

class FileDevice final : public Device {
 public:
  /// Opens `path` read-only. Throws std::runtime_error naming the path and the
  /// reason (missing, not a file or block device, unreadable, empty).
  static std::unique_ptr<FileDevice> open(const std::string& path, FileDeviceOptions options);

  const DeviceIdentity& identity() const override { return identity_; }
  ReadOutcome read(Lba lba, std::uint32_t count, std::span<std::byte> out,
                   Millis timeout) override;
  ResetOutcome reset(ResetKind kind) override;
  ResetOutcome reopen() override;
  const Clock& clock() const override { return clock_; }

 private:
  FileDevice(UniqueFd fd, DeviceIdentity identity, FileDeviceOptions options);

  UniqueFd fd_;
  /// What the path named when opened (device and inode; st_rdev for a
  /// block device): a reopen must find the same.
  dev_t opened_dev_ = 0;
  ino_t opened_ino_ = 0;
  dev_t opened_rdev_ = 0;
  DeviceIdentity identity_;
  FileDeviceOptions options_;
  SteadyClock clock_;
  std::uint64_t size_bytes_ = 0;
};

}  // namespace ptrescue
