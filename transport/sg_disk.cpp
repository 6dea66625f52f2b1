// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/sg_disk.h"

#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <scsi/sg.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "commands/sense.h"
#include "transport/kernel_log.h"
#include "transport/usb_attachment.h"

namespace ptrescue {

namespace {

// include/uapi/scsi/scsi_ioctl.h / sg.h (Linux >= 3.18); glibc's copy of
// sg.h lacks the last two.
constexpr int kResetDevice = 1;   // SG_SCSI_RESET_DEVICE: logical unit reset
constexpr int kResetBus = 2;      // SG_SCSI_RESET_BUS
constexpr int kResetHost = 3;     // SG_SCSI_RESET_HOST
constexpr int kResetTarget = 4;   // SG_SCSI_RESET_TARGET
constexpr int kResetNoEscalate = 0x100;  // SG_SCSI_RESET_NO_ESCALATE

/// SG_SCSI_RESET is synchronous: it returns when the host's reset handler
/// does, so it runs on a DeadlineRunner thread.
class ScsiResetCall final : public BlockingCall {
 public:
  ScsiResetCall(int fd, int value) : fd_(fd), value_(value) {}
  int run(SysIo& io) override { return io.ioctl(fd_, SG_SCSI_RESET, &value_); }

 private:
  int fd_;
  int value_;
};

/// USBDEVFS_RESET blocks until the hub has reset the port and the
/// interface drivers' post_reset ran.

class UsbResetCall final : public BlockingCall {
 public:
  explicit UsbResetCall(std::string node) : node_(std::move(node)) {}
  int run(SysIo& io) override {
    const int fd = io.open(node_, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fd;
    SysFd owned(io, fd);
    return io.ioctl(fd, USBDEVFS_RESET, nullptr);
  }

 private:
  std::string node_;
};

std::string sg_name_of(const std::string& node) {
  const auto slash = node.rfind('/');
  return slash == std::string::npos ? node : node.substr(slash + 1);
}

/// identity().usb of the disk behind `sg_node`: empty when not on USB.
std::string usb_text(const std::string& sg_node, const NodePaths& paths) {
  const auto usb = usb_attachment_of_sg(sg_name_of(sg_node), paths);
  if (!usb) return {};
  return fmt::format("{} ({}), {}", usb->interface, usb->driver.empty() ? "no driver" : usb->driver, usb->usbfs_node);
}

std::string with_kernel_log(std::string detail, KernelLog& log) {
  const std::string said = log.since();
  return said.empty() ? detail : fmt::format("{}; kernel: {}", detail, said);
}

}  // namespace

std::unique_ptr<SgChannel> open_sg_channel(SysIo& io, const std::string& sg_path,
                                           const std::string& user_path) {
  const std::string shown = sg_path == user_path ? sg_path : fmt::format("{} (for {})", sg_path, user_path);
  // O_RDWR: the sg driver takes commands through write(). O_NONBLOCK: read()
  // returns at once when nothing has completed; poll() does the waiting.
  const int fd = io.open(sg_path, O_RDWR | O_NONBLOCK);
  if (fd < 0) {
    if (fd == -EACCES || fd == -EPERM)
      throw TransportPermissionError(fmt::format(
          "cannot open {}: {}; pass-through needs root (or use --transport block)", shown, errno_text(fd)));
    throw TransportError(fmt::format("cannot open {}: {}", shown, errno_text(fd)));
  }
  SysFd owned(io, fd);
  int version = 0;
  const int r = io.ioctl(fd, SG_GET_VERSION_NUM, &version);
  if (r < 0 || version < 30000)
    throw TransportError(fmt::format("{} is not an sg (SCSI generic) v3 node", shown));
  // sg copies every transfer through a kernel buffer. A transfer larger than
  // the node's reserved buffer (32 KiB by default) gets freshly allocated,
  // zeroed pages per command; with the reserve as large as our largest read
  // (the kernel caps it at the queue's max_sectors) they are allocated once.
  // Best effort: a node that refuses it is only slower.
  int reserve = static_cast<int>(kSgReservedBytes);
  (void)io.ioctl(fd, SG_SET_RESERVED_SIZE, &reserve);
  return std::make_unique<SgChannel>(io, std::move(owned), sg_path);
}

SgDisk::SgDisk(SysIo& io, std::unique_ptr<SgChannel> channel, PassThroughOptions options,
               std::string user_path, std::optional<std::uint64_t> max_hw_bytes)
    : io_(io), options_(std::move(options)), channel_(std::move(channel)), max_hw_bytes_(max_hw_bytes), runner_(io) {
  identity_.path = std::move(user_path);
  identity_.command_node = channel_->path();
}

SgDisk::~SgDisk() {
  // SatDevice/ScsiDevice restore their own settings in their destructors
  // (a base destructor cannot reach them); this puts D_SENSE back.
  restore_settings();
}

void SgDisk::initialize() {
  last_refusal_ = 0;
  if (auto why = query_identity(identity_)) {
    if (last_refusal_ == EPERM || last_refusal_ == EACCES)
      throw TransportPermissionError(fmt::format(
          "{}: the kernel refuses pass-through commands on {} ({}): run as root (CAP_SYS_RAWIO) or use "
          "--transport block",
          identity_.path, identity_.command_node, errno_text(last_refusal_)));
    fail_identification(fmt::format("{}: {}", identity_.path, *why));
  }
  identity_.usb = usb_text(channel_->path(), options_.paths);
  apply_settings(false);
}

void SgDisk::fail_identification(const std::string& text) const { throw TransportError(text); }

SgDisk::Reply SgDisk::run(const commands::ScsiCdb& cdb, Millis timeout) {
  Reply reply;
  if (!channel_) {
    reply.detail = "the device is closed";
    return reply;
  }
  reply.raw = channel_->execute(cdb, timeout);
  const SgCompletion& c = reply.raw;
  if (c.end == SgCompletion::End::kOsError) last_refusal_ = c.os_errno;
  if (c.end == SgCompletion::End::kCompleted && c.host_status == 0 && c.status == 0) {
    reply.good = true;
  } else if (c.end == SgCompletion::End::kCompleted && c.host_status == 0 && c.status == 2) {
    // CHECK CONDITION with RECOVERED ERROR (or NO SENSE) is a success: it is
    // how a SAT layer returns registers asked for with CK_COND.
    const auto s = commands::decode_sense(c.sense);
    reply.good = s && !s->deferred &&
                 (s->sense_key == SPC_SK_RECOVERED_ERROR ||
                  s->sense_key == SPC_SK_NO_SENSE);
    if (!reply.good)
      reply.detail = s ? commands::sense_text(*s) : "CHECK CONDITION with undecodable sense";
  } else {
    // Reuse the read mapping for the words (timeout, gone, host status...).
    reply.detail = read_outcome_from_sg(c, 0, 0, 0, commands::decode_scsi_read_error).detail;
    if (reply.detail.empty()) reply.detail = fmt::format("SCSI status 0x{:02x}", c.status);
  }
  if (reply.good && !c.data.empty()) {
    const std::size_t n = c.data.size() - std::min<std::size_t>(c.data.size(),
                                                               static_cast<std::size_t>(std::max(c.resid, 0)));
    const auto* p = reinterpret_cast<const std::uint8_t*>(c.data.data());
    reply.data.assign(p, p + n);
  }
  return reply;
}

ReadOutcome SgDisk::read(Lba lba, std::uint32_t count, std::span<std::byte> /*out*/, Millis timeout) {
  if (!channel_) {
    ReadOutcome r;
    r.status = ReadStatus::kDeviceGone;
    r.detail = "the device did not come back after a power cycle";
    r.timeout_applied = timeout;
    return r;
  }
  const SgCompletion c = channel_->execute(read_cdb(lba, count), timeout);
  const std::uint32_t ss = identity_.logical_sector_size;
  ReadOutcome r = read_outcome_from_sg(c, lba, count, ss, sense_decoder());
  // The data stays in the channel's buffer for the command (valid until its
  // next command): no copy.
  if (r.ok()) r.data = c.data.first(std::min(std::size_t{count} * ss, c.data.size()));
  // A drive that vanished may come back after a power cycle: ask for one.
  if (r.status == ReadStatus::kDeviceGone && !options_.power_cycle.command.empty()) r.needs_reset = true;
  return r;
}

ResetOutcome SgDisk::reset(ResetKind kind) {
  ResetOutcome r;
  switch (kind) {
    case ResetKind::kSoft:
      if (!channel_) {
        r.detail = "the device is closed";
        return r;
      }
      r = soft_reset();
      break;
    case ResetKind::kDevice:
    case ResetKind::kTarget:
    case ResetKind::kBus:
    case ResetKind::kHost:
      r = sg_reset(kind);
      break;
    case ResetKind::kUsbReset:
      r = usb_reset();
      break;
    case ResetKind::kUsbRebind:
      r = usb_rebind();
      break;
    case ResetKind::kPowerCycle:
      r = power_cycle();
      break;
  }
  // A reset (and certainly a power cycle) may have put volatile settings
  // back to the drive's defaults.
  if (r.ok) apply_settings(true);
  return r;
}

ResetOutcome SgDisk::sg_reset(ResetKind kind) {
  ResetOutcome r;
  const Micros start = io_.clock().now();
  if (!channel_) {
    r.detail = "the device is closed";
    return r;
  }
  int code = kResetDevice;
  switch (kind) {
    case ResetKind::kTarget: code = kResetTarget; break;
    case ResetKind::kBus: code = kResetBus; break;
    case ResetKind::kHost: code = kResetHost; break;
    default: break;
  }
  const std::string name = fmt::format("SG_SCSI_RESET {}", reset_word(kind));
  auto attempt = [&](int value) {
    return runner_.run(std::make_shared<ScsiResetCall>(channel_->fd(), value), options_.reset_timeout);
  };
  DeadlineRunner::Result res = attempt(code | kResetNoEscalate);
  // Kernels before 3.18 refuse the NO_ESCALATE flag.
  if (res.wait == DeadlineRunner::Wait::kDone && res.value == -EINVAL) res = attempt(code);
  // The sg node is open O_NONBLOCK, and for such a descriptor the kernel
  // refuses SG_SCSI_RESET with EAGAIN while the host is in error recovery
  // (scsi_ioctl_block_when_processing_errors) — which it is right after a
  // command timed out: seen in the VM test bed on AHCI, where libata's error
  // handler was resetting the link. Send it again once recovery is over, so
  // the reset really reaches the host driver.
  const Micros eagain_deadline = io_.clock().now() + options_.ready_wait;
  int refusals = 0;
  while (res.wait == DeadlineRunner::Wait::kDone && res.value == -EAGAIN &&
         io_.clock().now() < eagain_deadline) {
    ++refusals;
    io_.sleep_for(options_.ready_interval);
    res = attempt(code | kResetNoEscalate);
    if (res.wait == DeadlineRunner::Wait::kDone && res.value == -EINVAL) res = attempt(code);
  }
  if (res.wait == DeadlineRunner::Wait::kTimeout) {
    r.duration = io_.clock().now() - start;
    r.detail = fmt::format("{} did not return within {} ms", name, options_.reset_timeout.count());
    return r;
  }
  if (res.wait == DeadlineRunner::Wait::kTooManyStuck) {
    r.detail = fmt::format("{} not sent: earlier resets are still stuck in the kernel", name);
    return r;
  }
  if (res.value < 0) {
    r.duration = io_.clock().now() - start;
    const char* why = res.value == -EIO ? " (the host driver has no such reset, or it failed)" : "";
    r.detail = fmt::format("{}: {}{}", name, errno_text(res.value), why);
    if (refusals > 0)
      r.detail += fmt::format(" (after {} EAGAIN while the host was in error recovery)", refusals);
    return r;
  }
  ResetOutcome done = wait_until_answers(start, name);
  if (refusals > 0)
    done.detail += fmt::format(" (sent after {} EAGAIN while the host was in error recovery)", refusals);
  return done;
}

ResetOutcome SgDisk::wait_until_answers(Micros start, const std::string& what) {
  ResetOutcome r;
  const Clock& clock = io_.clock();
  const Micros deadline = clock.now() + options_.ready_wait;
  bool answered = false;
  for (;;) {
    if (channel_) channel_->reap_late();
    // Ready means: the drive answers, and the kernel has finished with every
    // command that timed out (else they pile up until nothing can be sent).
    answered = channel_ && answers();
    if (answered) channel_->reap_late();
    if (answered && channel_->late_count() == 0) {
      r.ok = true;
      r.duration = clock.now() - start;
      r.detail = fmt::format("{}: the drive answers again", what);
      return r;
    }
    if (clock.now() >= deadline) break;
    io_.sleep_for(options_.ready_interval);
  }
  r.duration = clock.now() - start;
  r.detail = answered ? fmt::format("{}: the drive answers, but {} timed-out command(s) are still in the "
                                    "kernel after {} ms",
                                    what, channel_->late_count(), options_.ready_wait.count())
                      : fmt::format("{}: the drive did not answer within {} ms", what, options_.ready_wait.count());
  return r;
}

ResetOutcome SgDisk::usb_reset() {
  ResetOutcome r;
  const Micros start = io_.clock().now();
  if (!channel_) {
    r.detail = "the device is closed";
    return r;
  }
  const auto usb = usb_attachment_of_sg(sg_name_of(channel_->path()), options_.paths);
  if (!usb) {
    r.detail = "not on a USB device (no USB device up the sysfs chain of its sg node)";
    return r;
  }
  KernelLog log;
  const std::string name = fmt::format("USBDEVFS_RESET on {} ({})", usb->usbfs_node, usb->driver);
  const DeadlineRunner::Result res =
      runner_.run(std::make_shared<UsbResetCall>(usb->usbfs_node), options_.reset_timeout);
  if (res.wait != DeadlineRunner::Wait::kDone || res.value < 0) {
    r.duration = io_.clock().now() - start;
    r.detail = with_kernel_log(
        res.wait == DeadlineRunner::Wait::kTimeout
            ? fmt::format("{} did not return within {} ms", name, options_.reset_timeout.count())
        : res.wait == DeadlineRunner::Wait::kTooManyStuck
            ? fmt::format("{} not sent: earlier resets are still stuck in the kernel", name)
            : fmt::format("{}: {}", name, errno_text(res.value)),
        log);
    return r;
  }
  // The disk normally keeps its nodes across a USB reset. A driver that
  // cannot take the device back is unbound and probed again by the kernel
  // within the ioctl: the disk has left its node by now and comes back under
  // new ones (seen on uas when its own error handler held the timed-out
  // command: "uas_pre_reset: timed out"), so it is looked for there at once.
  ResetOutcome done = left_its_node() ? ResetOutcome{} : wait_until_answers(start, name);
  if (!done.ok) {
    std::string where;
    channel_.reset();
    if (find_again(where)) {
      done.ok = true;
      done.detail = fmt::format("{}: {}", name, where);
    } else if (done.detail.empty()) {
      done.detail = fmt::format("{}: the disk left its node; {}", name, where);
    }
    done.duration = io_.clock().now() - start;
  }
  done.detail = with_kernel_log(std::move(done.detail), log);
  return done;
}

ResetOutcome SgDisk::usb_rebind() {
  ResetOutcome r;
  const Micros start = io_.clock().now();
  if (!channel_) {
    r.detail = "the device is closed";
    return r;
  }
  if (identity_.serial.empty()) {
    r.detail = "the drive reported no serial number, so it could not be recognised after a rebind";
    return r;
  }
  const auto usb = usb_attachment_of_sg(sg_name_of(channel_->path()), options_.paths);
  if (!usb || usb->driver.empty()) {
    r.detail = usb ? "its USB interface has no driver bound" : "not on a USB device";
    return r;
  }
  KernelLog log;
  const std::string drivers = fmt::format("{}/bus/usb/drivers/{}", options_.paths.sysfs_root, usb->driver);
  const std::string name = fmt::format("unbind/bind of {} on {}", usb->driver, usb->interface);
  // Let go of the node: the SCSI host goes away with the unbind.
  channel_.reset();
  int rc = write_attribute(drivers + "/unbind", usb->interface);
  // With no driver holding it, a USB reset clears what the device still
  // holds: a timed-out command left in it (QEMU's usb-uas keeps one) made
  // the freshly bound uas find no disk behind it. Its failure is noted; the
  // bind goes on.
  std::string between;
  if (rc >= 0) {
    const DeadlineRunner::Result res =
        runner_.run(std::make_shared<UsbResetCall>(usb->usbfs_node), options_.reset_timeout);
    between = res.wait != DeadlineRunner::Wait::kDone ? "did not return"
              : res.value < 0                         ? errno_text(res.value)
                                                      : "ok";
    rc = write_attribute(drivers + "/bind", usb->interface);
  }
  const std::string what = between.empty() ? name : fmt::format("{} (USBDEVFS_RESET in between: {})", name, between);
  std::string where;
  const bool back = find_again(where);
  r.ok = back;
  r.duration = io_.clock().now() - start;
  r.detail = with_kernel_log(rc < 0 ? fmt::format("{}: {}{}", what, errno_text(rc), back ? "; " + where : "")
                                    : fmt::format("{}: {}", what, where),
                             log);
  return r;
}

bool SgDisk::left_its_node() {
  return !channel_ || run(commands::scsi_test_unit_ready(), options_.probe_timeout).raw.end == SgCompletion::End::kGone;
}

int SgDisk::write_attribute(const std::string& path, const std::string& text) {
  const int fd = io_.open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fd;
  SysFd owned(io_, fd);
  const ssize_t n = io_.write(fd, text.data(), text.size());
  return n < 0 ? static_cast<int>(n) : 0;
}

bool SgDisk::find_again(std::string& detail) {
  const Micros deadline = io_.clock().now() + options_.ready_wait;
  for (;;) {
    for (const std::string& path : list_sg_disks(options_.paths))
      if (adopt_if_same_drive(path, detail)) return true;
    if (io_.clock().now() >= deadline) break;
    io_.sleep_for(options_.ready_interval);
  }
  if (detail.empty())
    detail = fmt::format("the drive did not come back within {} ms", options_.ready_wait.count());
  return false;
}

ResetOutcome SgDisk::power_cycle() {
  ResetOutcome r;
  if (options_.power_cycle.command.empty()) {
    r.detail = "no --power-cycle-cmd given";
    return r;
  }
  if (identity_.serial.empty()) {
    r.detail = "the drive reported no serial number, so it could not be recognised after a power cycle";
    return r;
  }
  // Let go of the node so the kernel can remove the device; buffers of
  // commands still in the kernel are kept (SgChannel's destructor).
  channel_.reset();
  return run_power_cycle(io_, options_.power_cycle, [&](std::string& detail) {
    for (const std::string& path : list_sg_disks(options_.paths))
      if (adopt_if_same_drive(path, detail)) return true;
    return false;
  });
}

bool SgDisk::adopt_if_same_drive(const std::string& sg_path, std::string& detail) {
  try {
    channel_ = open_sg_channel(io_, sg_path, sg_path);
  } catch (const TransportError&) {
    channel_.reset();
    return false;
  }
  DeviceIdentity found;
  const auto why = query_identity(found);
  if (!why && found.serial == identity_.serial) {
    if (found.capacity_sectors == identity_.capacity_sectors &&
        found.logical_sector_size == identity_.logical_sector_size) {
      identity_.command_node = sg_path;
      identity_.usb = usb_text(sg_path, options_.paths);
      detail = fmt::format("the drive (serial {}) is back as {}", identity_.serial, sg_path);
      return true;
    }
    detail = fmt::format("{} has the serial {} but reports {} sectors of {} bytes, not {} of {}", sg_path,
                         found.serial, found.capacity_sectors, found.logical_sector_size,
                         identity_.capacity_sectors, identity_.logical_sector_size);
  }
  channel_.reset();
  return false;
}

void SgDisk::apply_settings(bool again) {
  if (options_.dsense) apply_dsense(again);
  apply_own_settings(again);
}

void SgDisk::apply_dsense(bool again) {
  using namespace commands;
  const Reply cur = run(scsi_mode_sense10_control(ModePageControl::kCurrent), options_.probe_timeout);
  const auto page = cur.good ? parse_control_mode_page(cur.data) : std::nullopt;
  if (!page) {
    note(fmt::format("--dsense: cannot read the Control mode page ({}); sense stays as it is",
                     cur.good ? "malformed answer" : cur.detail));
    return;
  }
  if (page->d_sense()) {
    if (!again && !dsense_saved_) note("--dsense: D_SENSE is already set (descriptor-format sense)");
    return;
  }
  const Reply chg = run(scsi_mode_sense10_control(ModePageControl::kChangeable), options_.probe_timeout);
  const auto mask = chg.good ? parse_control_mode_page(chg.data) : std::nullopt;
  if (mask && !mask->d_sense()) {
    note("--dsense: the device does not let D_SENSE be changed; sense stays fixed-format");
    return;
  }
  const Reply set = run(scsi_mode_select10_d_sense(*page, true), options_.probe_timeout);
  if (!set.good) {
    note(fmt::format("--dsense: MODE SELECT refused ({}); sense stays fixed-format", set.detail));
    return;
  }
  if (!dsense_saved_) dsense_saved_ = *page;
  note(again ? "--dsense: D_SENSE set again after the reset"
             : "--dsense: D_SENSE set (descriptor-format sense, not saved; cleared at the end)");
}

void SgDisk::restore_settings() {
  restore_own_settings();
  if (!dsense_saved_) return;
  const Reply r = run(commands::scsi_mode_select10_d_sense(*dsense_saved_, false), options_.probe_timeout);
  note(r.good ? "--dsense: D_SENSE cleared again"
              : fmt::format("--dsense: could not clear D_SENSE ({}); it lasts until the drive is reset",
                            r.detail));
  dsense_saved_.reset();
}

std::vector<std::string> SgDisk::take_notes() { return std::exchange(notes_, {}); }

}  // namespace ptrescue
