// SPDX-License-Identifier: GPL-3.0-or-later
// An NVMe namespace (/dev/nvmeXnY or its char node /dev/ngXnY) read with
// NVMe Read commands through the kernel's passthrough ioctl
// (NVME_IOCTL_IO64_CMD, struct nvme_passthru_cmd64). The ioctl is
// synchronous and returns only when the kernel's timeout handling (abort,
// then controller reset) is done, so every command runs on a DeadlineRunner
// thread and ptrescue stops waiting at its own deadline; the kernel is
// given the same timeout. Identify, the Limited Retry bit and the
// controller reset (NVME_IOCTL_RESET on /dev/nvmeX) are here too.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands/nvme.h"
#include "transport/aligned_buffer.h"
#include "transport/deadline_runner.h"
#include "transport/device.h"
#include "transport/drive_settings.h"
#include "transport/node_lookup.h"
#include "transport/pass_through_options.h"
#include "transport/sys_io.h"

namespace ptrescue {

class NvmeDevice final : public Device, public DriveSettings {
 public:
  /// Opens the namespace node `node.path` (kNvmeNamespace or kNvmeGeneric)
  /// and identifies controller and namespace. Throws TransportError.
  static std::unique_ptr<NvmeDevice> open(SysIo& io, const ResolvedNode& node,
                                          const PassThroughOptions& options);
  ~NvmeDevice() override;

  const DeviceIdentity& identity() const override { return identity_; }
  ReadOutcome read(Lba lba, std::uint32_t count, std::span<std::byte> out, Millis timeout) override;
  /// soft: waits for the kernel's own timeout handling (Identify Controller
  /// answers, no command stuck); device: controller reset (NVME_IOCTL_RESET
  /// on the controller node), then the same wait; power-cycle: the hook;
  /// target, bus, host: unsupported on NVMe (ok=false, say so).
  ResetOutcome reset(ResetKind kind) override;
  const Clock& clock() const override { return io_.clock(); }
  /// Get Log Page: SMART / Health Information (02h, controller-wide) and
  /// Error Information (01h, as many entries as ELPE says, at most 16).
  SmartReading read_smart(Millis timeout) override;
  /// Identify Namespace again: NSZE (the size the host sees), NCAP (what may
  /// be allocated) and NUSE (what is), for `identify` (nvme_capacity.cpp).
  NativeCapacity native_capacity(Millis timeout) override;

  /// Sets the Limited Retry bit of the next reads (if --limited-retry).
  void set_limited_retry(bool on) override { limited_retry_ = on && options_.limited_retry; }
  void restore_settings() override {}
  std::vector<std::string> take_notes() override { return std::exchange(notes_, {}); }

  std::uint32_t nsid() const { return nsid_; }
  /// Commands past their deadline still in the kernel / collected since.
  std::size_t stuck_commands() const { return runner_.stuck(); }
  std::size_t reaped_commands() const { return runner_.reaped(); }

 private:
  NvmeDevice(SysIo& io, SysFd fd, const ResolvedNode& node, const PassThroughOptions& options);
  /// Identify Controller + Namespace on the current node; the reason on failure.
  std::optional<std::string> query_identity(DeviceIdentity& out, commands::NvmeNamespaceIdentity& ns);
  /// Runs an admin command (Identify) with a deadline; its data or the reason.
  std::optional<std::vector<std::uint8_t>> admin(const commands::NvmeCommand& cmd, std::string& why);
  std::optional<std::vector<std::uint8_t>> admin(const commands::NvmeCommand& cmd, std::string& why,
                                                 Millis timeout);
  ResetOutcome controller_reset();
  /// Polls Identify Controller until it answers and no command is stuck,
  /// or ready_wait passes.
  ResetOutcome wait_until_answers(Micros start, const std::string& what);
  ResetOutcome power_cycle();
  bool adopt_if_same_drive(const std::string& controller, std::string& detail);

  SysIo& io_;
  PassThroughOptions options_;
  SysFd fd_;
  bool generic_node_;  // /dev/ngXnY rather than /dev/nvmeXnY
  std::string controller_path_;
  std::uint32_t nsid_ = 0;
  commands::NvmeNamespaceIdentity ns_;
  std::uint32_t error_log_entries_ = 1;  // ELPE + 1
  DeviceIdentity identity_;
  DeadlineRunner runner_;
  /// The buffer of the last read that returned: it holds that read's data
  /// (ReadOutcome::data) until the next read, which reuses it.
  std::optional<AlignedBuffer> spare_;
  bool limited_retry_ = false;
  bool use_io64_ = true;
  int last_refusal_ = 0;  // errno of the last ioctl the kernel refused  // NVME_IOCTL_IO64_CMD, else NVME_IOCTL_IO_CMD (kernels < 5.9)
  std::vector<std::string> notes_;
};

}  // namespace ptrescue
