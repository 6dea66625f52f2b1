// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/nvme_device.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/nvme_ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "commands/nvme_smart.h"
#include "transport/aligned_buffer.h"
#include "transport/nvme_call.h"
#include "transport/read_status.h"

namespace ptrescue {

namespace {

/// NVME_IOCTL_RESET on the controller node; owns the descriptor so that a
/// reset abandoned at its deadline closes it only when the kernel returns.
class ControllerResetCall final : public BlockingCall {
 public:
  explicit ControllerResetCall(SysFd fd) : fd_(std::move(fd)) {}
  int run(SysIo& io) override { return io.ioctl(fd_.get(), NVME_IOCTL_RESET, nullptr); }

 private:
  SysFd fd_;
};

std::string version_text(std::uint32_t v) {
  return fmt::format("{}.{}{}", v >> 16, (v >> 8) & 0xff, (v & 0xff) != 0 ? fmt::format(".{}", v & 0xff) : "");
}

}  // namespace

std::unique_ptr<NvmeDevice> NvmeDevice::open(SysIo& io, const ResolvedNode& node,
                                             const PassThroughOptions& options) {
  const int fd = io.open(node.path, O_RDONLY);
  if (fd < 0) {
    if (fd == -EACCES || fd == -EPERM)
      throw TransportPermissionError(fmt::format(
          "cannot open {}: {}; pass-through needs root (or use --transport block)", node.path, errno_text(fd)));
    throw TransportError(fmt::format("cannot open {}: {}", node.path, errno_text(fd)));
  }
  SysFd owned(io, fd);
  const int nsid = io.ioctl(fd, NVME_IOCTL_ID, nullptr);
  if (nsid <= 0)
    throw TransportError(fmt::format("{} is not an NVMe namespace node (NVME_IOCTL_ID: {})", node.path,
                                     nsid < 0 ? errno_text(nsid) : "no namespace"));
  std::unique_ptr<NvmeDevice> dev(new NvmeDevice(io, std::move(owned), node, options));
  dev->nsid_ = static_cast<std::uint32_t>(nsid);
  if (auto why = dev->query_identity(dev->identity_, dev->ns_)) {
    if (dev->last_refusal_ == EPERM || dev->last_refusal_ == EACCES)
      throw TransportPermissionError(fmt::format(
          "{}: the kernel refuses NVMe passthrough ({}): run as root (CAP_SYS_ADMIN) or use --transport block",
          node.path, errno_text(dev->last_refusal_)));
    throw TransportError(fmt::format("{}: {}", node.path, *why));
  }
  if (dev->ns_.metadata_bytes > 0 && !dev->ns_.metadata_extended)
    throw TransportError(fmt::format(
        "{}: the namespace keeps {} bytes of metadata per block in a separate buffer, which ptrescue "
        "does not provide; use --transport block",
        node.path, dev->ns_.metadata_bytes));
  if (options.erc)
    dev->notes_.push_back("--erc: NVMe has no SCT Error Recovery Control; the copy passes set Read's "
                          "Limited Retry bit instead (--limited-retry)");
  if (options.dsense) dev->notes_.push_back("--dsense: not applicable to NVMe (no sense data)");
  return dev;
}

NvmeDevice::NvmeDevice(SysIo& io, SysFd fd, const ResolvedNode& node, const PassThroughOptions& options)
    : io_(io),
      options_(options),
      fd_(std::move(fd)),
      generic_node_(node.kind == NodeKind::kNvmeGeneric),
      controller_path_(node.nvme_controller_path),
      runner_(io) {
  identity_.path = node.path;
  identity_.command_node = node.path;
}

NvmeDevice::~NvmeDevice() = default;

std::optional<std::vector<std::uint8_t>> NvmeDevice::admin(const commands::NvmeCommand& cmd,
                                                           std::string& why) {
  return admin(cmd, why, options_.probe_timeout);
}

std::optional<std::vector<std::uint8_t>> NvmeDevice::admin(const commands::NvmeCommand& cmd,
                                                           std::string& why, Millis timeout) {
  if (!fd_.valid()) {
    why = "the device is closed";
    return std::nullopt;
  }
  auto call = std::make_shared<NvmeCall>(fd_.get(), cmd, timeout, false);
  const auto res = runner_.run(call, timeout);
  if (res.wait != DeadlineRunner::Wait::kDone) {
    why = res.wait == DeadlineRunner::Wait::kTimeout
              ? fmt::format("no answer within {} ms", timeout.count())
              : "earlier commands are still stuck in the kernel";
    return std::nullopt;
  }
  if (call->refusal()) {
    why = *call->refusal();
    return std::nullopt;
  }
  if (res.value < 0) {
    last_refusal_ = -res.value;
    why = errno_text(res.value);
    return std::nullopt;
  }
  if (res.value > 0) {
    why = commands::decode_nvme_error(static_cast<std::uint32_t>(res.value)).text;
    return std::nullopt;
  }
  const auto* p = reinterpret_cast<const std::uint8_t*>(call->data().data());
  return std::vector<std::uint8_t>(p, p + cmd.transfer_bytes);
}

std::optional<std::string> NvmeDevice::query_identity(DeviceIdentity& out,
                                                      commands::NvmeNamespaceIdentity& ns) {
  using namespace commands;
  std::string why;
  const auto ctrl_data = admin(nvme_identify_controller(), why);
  if (!ctrl_data) return "no answer to Identify Controller: " + why;
  const auto ctrl = parse_identify_controller(*ctrl_data);
  if (!ctrl) return std::string("Identify Controller returned no identify data");
  const auto ns_data = admin(nvme_identify_namespace(nsid_), why);
  if (!ns_data) return fmt::format("no answer to Identify Namespace {}: {}", nsid_, why);
  const auto nsid = parse_identify_namespace(*ns_data);
  if (!nsid) return fmt::format("namespace {} is inactive or its LBA format is unusable", nsid_);
  ns = *nsid;
  if (&out == &identity_) error_log_entries_ = ctrl->error_log_entries;

  out.transport = "nvme";
  out.model = ctrl->model;
  out.serial = ctrl->serial;
  out.firmware = ctrl->firmware;
  out.capacity_sectors = ns.size_blocks;
  out.logical_sector_size = ns.block_bytes;
  out.physical_sector_size = ns.block_bytes;
  out.smart_supported = true;  // the SMART / Health Information log is mandatory
  // MDTS assumes CAP.MPSMIN = 4 KiB; 1 MiB where the controller sets no limit.
  std::uint64_t max_bytes = nvme_max_transfer_bytes(ctrl->mdts).value_or(1 << 20);
  if (!generic_node_)
    if (auto hw = max_hw_transfer_bytes(std::filesystem::path(out.path).filename().string(), options_.paths))
      max_bytes = std::min(max_bytes, *hw);
  out.max_transfer_sectors = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(
      max_bytes / ns.transfer_block_bytes(), 1, kNvmeMaxReadBlocks));
  out.extra = {
      {"NVMe version", version_text(ctrl->version)},
      {"namespace", std::to_string(nsid_)},
      {"LBA format", fmt::format("{} ({} bytes{})", ns.lba_format, ns.block_bytes,
                                 ns.metadata_bytes > 0 ? fmt::format(" + {} metadata", ns.metadata_bytes) : "")},
      {"controller node", controller_path_.empty() ? "not found" : controller_path_},
  };
  return std::nullopt;
}

ReadOutcome NvmeDevice::read(Lba lba, std::uint32_t count, std::span<std::byte> out, Millis timeout) {
  ReadOutcome r;
  r.timeout_applied = std::max(timeout, Millis(1));
  if (!fd_.valid()) {
    r.status = ReadStatus::kDeviceGone;
    r.detail = "the device did not come back after a power cycle";
    return r;
  }
  const std::uint32_t tb = ns_.transfer_block_bytes();
  const auto cmd = commands::nvme_read(nsid_, lba, count, tb, limited_retry_);
  const Micros start = io_.clock().now();
  // The previous read's buffer is used again: a fresh one per command would
  // be page-faulted in on every read. (The data it held was the caller's
  // until this call.)
  AlignedBuffer buffer = spare_.has_value() ? std::move(*spare_) : AlignedBuffer(cmd.transfer_bytes);
  spare_.reset();
  auto call = std::make_shared<NvmeCall>(fd_.get(), cmd, timeout, use_io64_, std::move(buffer));
  auto res = runner_.run(call, timeout);
  if (res.wait == DeadlineRunner::Wait::kDone && res.value == -ENOTTY && use_io64_) {
    // NVME_IOCTL_IO64_CMD is newer than NVME_IOCTL_IO_CMD; the refused
    // ioctl never reached the drive.
    use_io64_ = false;
    call = std::make_shared<NvmeCall>(fd_.get(), cmd, timeout, false, call->release_data());
    res = runner_.run(call, timeout);
  }
  r.duration = io_.clock().now() - start;

  if (res.wait == DeadlineRunner::Wait::kTimeout) {
    r.status = ReadStatus::kTimeout;
    r.needs_reset = true;
    r.detail = fmt::format("no completion within {} ms; the command is left to the kernel", timeout.count());
  } else if (res.wait == DeadlineRunner::Wait::kTooManyStuck) {
    r.status = ReadStatus::kOther;
    r.needs_reset = true;
    r.detail = "earlier commands never completed; nothing was sent";
  } else if (call->refusal()) {
    r.status = ReadStatus::kOther;
    r.detail = *call->refusal() + "; nothing was sent";
  } else if (res.value < 0) {
    const int e = -res.value;
    r.detail = errno_text(e);
    if (e == ENODEV || e == ENXIO) {
      r.status = ReadStatus::kDeviceGone;
      if (!options_.power_cycle.command.empty()) r.needs_reset = true;
    } else if (e == EINTR || e == ETIMEDOUT) {
      // The kernel timed the command out and cancelled it with a
      // controller reset (KERNEL-FACTS §4: the ioctl fails with EINTR).
      r.status = ReadStatus::kTimeout;
      r.needs_reset = true;
      r.detail += ": the kernel timed the command out";
    } else {
      r.status = ReadStatus::kOther;
    }
  } else if (res.value > 0) {
    const auto e = commands::decode_nvme_error(static_cast<std::uint32_t>(res.value));
    r.status = read_status_from_error(e.kind);
    r.detail = e.text;
    // An NVMe completion names no LBA; a one-block command's is its own.
    if (r.status == ReadStatus::kMediaError && count == 1) r.error_lba = lba;
  } else {
    r.status = ReadStatus::kOk;
    r.good_sectors = count;
    const std::uint32_t ss = identity_.logical_sector_size;
    const std::byte* src = call->data().data();
    if (tb == ss) {
      // The data stays where the kernel put it (no copy: under emulation a
      // copy per command cost more than the command): the buffer is kept
      // as spare_ until the next read.
      r.data = std::span<const std::byte>(src, std::size_t{count} * ss);
    } else {
      // Extended LBAs: each block's metadata follows its data; drop it.
      for (std::uint32_t i = 0; i < count; ++i)
        std::memcpy(out.data() + std::size_t{i} * ss, src + std::size_t{i} * tb, ss);
    }
  }
  // A call that returned gives its buffer back; one still in the kernel keeps it.
  if (res.wait == DeadlineRunner::Wait::kDone) spare_ = call->release_data();
  return r;
}

ResetOutcome NvmeDevice::reset(ResetKind kind) {
  ResetOutcome r;
  switch (kind) {
    case ResetKind::kDevice:
      return controller_reset();
    case ResetKind::kSoft:
      // No NVMe reset below the controller's; the kernel's own timeout
      // handling (abort, then controller reset) may already be at work.
      return wait_until_answers(io_.clock().now(),
                                "no NVMe soft reset; waited for the kernel's own timeout handling");
    case ResetKind::kPowerCycle:
      return power_cycle();
    default:
      r.detail = fmt::format("unsupported: no NVMe {} reset (NVMe resets the controller: 'device')",
                             reset_word(kind));
      return r;
  }
}

ResetOutcome NvmeDevice::controller_reset() {
  ResetOutcome r;
  const Micros start = io_.clock().now();
  if (controller_path_.empty()) {
    r.detail = fmt::format("no controller node found for {}", identity_.path);
    return r;
  }
  const int fd = io_.open(controller_path_, O_RDONLY);
  if (fd < 0) {
    r.detail = fmt::format("cannot open {}: {}", controller_path_, errno_text(fd));
    return r;
  }
  const auto res =
      runner_.run(std::make_shared<ControllerResetCall>(SysFd(io_, fd)), options_.reset_timeout);
  const std::string name = fmt::format("NVMe controller reset of {}", controller_path_);
  if (res.wait != DeadlineRunner::Wait::kDone || res.value < 0) {
    r.duration = io_.clock().now() - start;
    r.detail = res.wait == DeadlineRunner::Wait::kTimeout
                   ? fmt::format("{} did not return within {} ms", name, options_.reset_timeout.count())
               : res.wait == DeadlineRunner::Wait::kTooManyStuck
                   ? fmt::format("{} not sent: earlier commands are still stuck in the kernel", name)
                   : fmt::format("{}: {}", name, errno_text(res.value));
    return r;
  }
  // The reset ends the commands the controller still held (the kernel
  // fails them with EINTR): let their threads come back and be collected.
  runner_.wait_for_stuck(std::chrono::seconds(2));
  return wait_until_answers(start, name);
}

ResetOutcome NvmeDevice::wait_until_answers(Micros start, const std::string& what) {
  ResetOutcome r;
  const Micros deadline = io_.clock().now() + options_.ready_wait;
  bool answered = false;
  for (;;) {
    std::string why;
    // Ready: the controller answers and no timed-out command is left in
    // the kernel.
    answered = admin(commands::nvme_identify_controller(), why).has_value();
    if (answered && runner_.stuck() == 0) {
      r.ok = true;
      r.duration = io_.clock().now() - start;
      r.detail = what + ": the controller answers again";
      return r;
    }
    if (io_.clock().now() >= deadline) break;
    io_.sleep_for(options_.ready_interval);
  }
  r.duration = io_.clock().now() - start;
  r.detail = answered ? fmt::format("{}: the controller answers, but {} timed-out command(s) are still in "
                                    "the kernel after {} ms",
                                    what, runner_.stuck(), options_.ready_wait.count())
                      : fmt::format("{}: the controller did not answer within {} ms", what,
                                    options_.ready_wait.count());
  return r;
}

ResetOutcome NvmeDevice::power_cycle() {
  ResetOutcome r;
  if (options_.power_cycle.command.empty()) {
    r.detail = "no --power-cycle-cmd given";
    return r;
  }
  if (identity_.serial.empty()) {
    r.detail = "the controller reported no serial number, so it could not be recognised after a power cycle";
    return r;
  }
  fd_.reset();
  return run_power_cycle(io_, options_.power_cycle, [&](std::string& detail) {
    for (const std::string& ctrl : nvme_controllers_with_serial(identity_.serial, options_.paths))
      if (adopt_if_same_drive(ctrl, detail)) return true;
    return false;
  });
}

bool NvmeDevice::adopt_if_same_drive(const std::string& controller, std::string& detail) {
  const auto node = nvme_namespace_node(controller, nsid_, generic_node_, options_.paths);
  if (!node) return false;
  const int fd = io_.open(*node, O_RDONLY);
  if (fd < 0) return false;
  fd_ = SysFd(io_, fd);
  DeviceIdentity found;
  commands::NvmeNamespaceIdentity ns;
  if (io_.ioctl(fd, NVME_IOCTL_ID, nullptr) == static_cast<int>(nsid_) && !query_identity(found, ns) &&
      found.serial == identity_.serial) {
    if (found.capacity_sectors == identity_.capacity_sectors &&
        ns.transfer_block_bytes() == ns_.transfer_block_bytes()) {
      identity_.command_node = *node;
      controller_path_ = options_.paths.dev_root + "/" + controller;
      detail = fmt::format("the drive (serial {}) is back as {}", identity_.serial, *node);
      return true;
    }
    detail = fmt::format("{} has the serial {} but another capacity or block size", *node, found.serial);
  }
  fd_.reset();
  return false;
}

SmartReading NvmeDevice::read_smart(Millis timeout) {
  using namespace commands;
  std::string why;
  const auto health_data = admin(nvme_get_log_page(NVME_LOG_LID_SMART, NVME_NSID_ALL, kNvmeSmartLogBytes),
                                 why, timeout);
  if (!health_data) return SmartReading::failed("Get Log Page 02h (SMART / Health Information): " + why);
  const auto health = parse_nvme_smart_log(*health_data);
  if (!health.ok()) return SmartReading::failed(health.error);
  SmartReading out;
  out.report = nvme_smart_report(*health.value);
  const std::uint32_t entries = std::clamp<std::uint32_t>(error_log_entries_, 1, 16);
  const auto errors = admin(nvme_get_log_page(NVME_LOG_LID_ERROR, NVME_NSID_ALL,
                                              entries * kNvmeErrorLogEntryBytes),
                            why, timeout);
  if (!errors) {
    out.report->notes.push_back("Get Log Page 01h (Error Information): " + why);
  } else if (auto parsed = parse_nvme_error_log(*errors); parsed.ok()) {
    out.report->errors = std::move(*parsed.value);
    out.report->error_log = "nvme";
  } else {
    out.report->notes.push_back(parsed.error);
  }
  return out;
}

}  // namespace ptrescue
