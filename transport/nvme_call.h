// SPDX-License-Identifier: GPL-3.0-or-later
// One NVMe passthrough command as a call the DeadlineRunner can abandon at
// its deadline (include/uapi/linux/nvme_ioctl.h): it owns the data buffer
// the kernel fills, so a command left in the kernel finishes safely on its
// own. The allow-list is checked again here, at the last step before the
// ioctl: a command it refuses, whoever built it, never reaches the kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "commands/command.h"
#include "transport/aligned_buffer.h"
#include "transport/clock.h"
#include "transport/deadline_runner.h"

namespace ptrescue {

class NvmeCall final : public BlockingCall {
 public:
  /// run()'s result for a refused command (no ioctl made); see refusal().
  static constexpr int kRefused = -1'000'000;

  /// `io64`: NVME_IOCTL_IO64_CMD for I/O commands (else NVME_IOCTL_IO_CMD,
  /// kernels < 5.9). `buffer` is used when large enough for the transfer.
  NvmeCall(int fd, const commands::NvmeCommand& cmd, Millis timeout, bool io64, AlignedBuffer buffer = AlignedBuffer(1));

  int run(SysIo& io) override;

  /// "command refused: ..." when the allow-list refused the command.
  const std::optional<std::string>& refusal() const { return refusal_; }
  const AlignedBuffer& data() const { return data_; }
  /// The buffer, once the call has returned (never while the kernel may write it).
  AlignedBuffer release_data() { return std::move(data_); }

 private:
  template <class P>
  void fill(P& p, std::uintptr_t addr, std::uint32_t timeout_ms) const;

  int fd_;
  commands::NvmeCommand cmd_;
  Millis timeout_;
  bool io64_;
  AlignedBuffer data_;
  std::optional<std::string> refusal_;
};

}  // namespace ptrescue
