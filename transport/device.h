// SPDX-License-Identifier: GPL-3.0-or-later
// The one interface the engine sees: a source drive that reads sectors with a
// per-command timeout and says precisely how each command ended. A drive's
// error is data (a ReadOutcome), never an exception; exceptions are only for
// setup failures (cannot open, not a device) thrown by the factories.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/smart_report.h"
#include "transport/clock.h"
#include "transport/native_capacity.h"

namespace ptrescue {

using Lba = std::uint64_t;

/// How one read command ended. Words in the reads log: ok, media, timeout,
/// aborted, gone, other (see outcome_word()).
enum class ReadStatus : std::uint8_t {
  kOk,          ///< All requested sectors transferred.
  kMediaError,  ///< The drive reported an unrecoverable read error (UNC / MEDIUM ERROR / NVMe 2h/81h).
  kTimeout,     ///< No completion within the command's timeout.
  kAborted,     ///< The drive or the transport aborted the command (ATA ABRT, ABORTED COMMAND).
  kDeviceGone,  ///< The device vanished (ENODEV/ENXIO, DID_NO_CONNECT, dead drive).
  kOther,       ///< Anything else; `detail` says what.
};

std::string_view outcome_word(ReadStatus s);

/// The result of one read command.
struct ReadOutcome {
  ReadStatus status = ReadStatus::kOk;
  /// Leading sectors whose data in the buffer is valid. Equal to the count
  /// asked for on kOk. Pass-through transports set 0 on any failure (data of a
  /// failed command is never used); a plain pread() may deliver a short prefix.
  std::uint32_t good_sectors = 0;
  /// First failing LBA as reported by the drive (sense INFORMATION, ATA LBA
  /// registers, -H test map). Always inside the command's own LBA range.
  std::optional<Lba> error_lba;
  /// How long the command took, on the device's clock.
  Micros duration{0};
  /// The timeout really in force for this command (a kernel may raise it).
  Millis timeout_applied{0};
  /// The drive stopped answering (e.g. a hang): reset before the next command.
  bool needs_reset = false;
  /// The errno of a file or block source's failed read(); 0 otherwise
  /// (pass-through outcomes come from sense data and status, not errno).
  int sys_errno = 0;
  /// Decoded detail for logs (sense text, errno text), empty when ok.
  std::string detail;
  /// Where the good sectors are when not in the caller's `out`: the
  /// transport's own buffer of the command (pass-through keeps one per
  /// command, so a command abandoned at its deadline never writes into the
  /// caller's memory). Valid until the device's next call. Empty: in `out`.
  std::span<const std::byte> data;

  bool ok() const { return status == ReadStatus::kOk; }
  /// The delivered sectors' first byte: `data`, or `out` when it is empty.
  const std::byte* data_or(std::span<std::byte> out) const { return data.empty() ? out.data() : data.data(); }
};

/// What a drive says about itself.
struct DeviceIdentity {
  std::string transport;  ///< "file", "block", "sim", "sat", "scsi", "nvme"
  std::string path;
  std::string model;
  std::string serial;
  std::string firmware;
  Lba capacity_sectors = 0;
  std::uint32_t logical_sector_size = 512;
  std::uint32_t physical_sector_size = 512;
  /// First logical sector that starts a physical one (SBC-4 READ CAPACITY(16)
  /// LOWEST ALIGNED LBA; ACS-4 IDENTIFY word 209 gives its complement).
  std::uint32_t lowest_aligned_lba = 0;
  /// Largest read one command may ask for, in logical sectors.
  std::uint32_t max_transfer_sectors = 65536;
  /// Exact size in bytes where it is not a whole number of sectors (a
  /// regular file); 0 = capacity_sectors * logical_sector_size.
  std::uint64_t size_bytes = 0;
  /// Pass-through transports: the node commands really go to (/dev/sg1 for
  /// /dev/sdb); empty = `path`.
  std::string command_node;
  /// The USB device a pass-through disk sits on (a dock or adapter), as
  /// "2-1:1.0 (uas), /dev/bus/usb/002/003": its interface, driver and usbfs
  /// node; empty when it is not on USB. Such a disk's default reset ladder
  /// has the USB rungs (docs/TRANSPORTS.md §6).
  std::string usb;
  /// What the drive says it supports (unknown where the transport cannot ask).
  std::optional<bool> smart_supported;
  std::optional<bool> sct_supported;      ///< ATA SCT Command Transport.
  std::optional<bool> erc_supported;      ///< ATA SCT Error Recovery Control.
  /// Further facts for `ptrescue identify` ("LBA48" -> "yes", ...), in order.
  std::vector<std::pair<std::string, std::string>> extra;
  std::uint64_t capacity_bytes() const {
    return size_bytes != 0 ? size_bytes
                           : capacity_sectors * static_cast<std::uint64_t>(logical_sector_size);
  }
};

/// Resets, mildest first: the order of the reset ladder.
/// usb-reset: USBDEVFS_RESET of the USB device a disk sits on; usb-rebind:
/// unbind and bind of its driver (usb-storage, uas) through sysfs.
enum class ResetKind : std::uint8_t { kSoft, kDevice, kTarget, kBus, kHost, kUsbReset, kUsbRebind, kPowerCycle };
std::string_view reset_word(ResetKind k);

struct ResetOutcome {
  bool ok = false;    ///< The device answers again.
  Micros duration{0};
  std::string detail;
};

/// The result of asking a drive for its SMART / health data: a report, or
/// why there is none. A drive's failure to answer is a value, never an
/// exception, and never stops a rescue.
struct SmartReading {
  std::optional<commands::SmartReport> report;
  /// Why there is no report ("not supported on a regular file", "SMART READ
  /// DATA: ABORTED COMMAND ..."); empty when there is one.
  std::string error;
  /// False when the transport cannot ask at all (file, block device).
  bool supported = true;
  bool ok() const { return report.has_value(); }
  static SmartReading failed(std::string why, bool supported = true) {
    SmartReading r;
    r.error = std::move(why);
    r.supported = supported;
    return r;
  }
};

/// A source drive. One command at a time; not thread-safe. Implementations
/// never retry and never split a request: one call is one command.
class Device {
 public:
  virtual ~Device() = default;
  Device() = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  virtual const DeviceIdentity& identity() const = 0;

  /// Reads `count` logical sectors at `lba` into `out` (at least
  /// count * logical_sector_size bytes, aligned for direct I/O by the caller
  /// through aligned_buffer()). 1 <= count <= max_transfer_sectors and
  /// lba + count <= capacity_sectors are the caller's duty.
  virtual ReadOutcome read(Lba lba, std::uint32_t count, std::span<std::byte> out,
                           Millis timeout) = 0;

  /// Tries to make a drive that stopped answering answer again.
  virtual ResetOutcome reset(ResetKind kind) = 0;

  /// Closes and opens the source again (ddrescue's -O, --reopen-on-error),
  /// refusing a node that no longer is the same file or device. The
  /// default: not offered (pass-through back ends keep their node open and
  /// have the reset ladder instead).
  virtual ResetOutcome reopen() {
    ResetOutcome r;
    r.detail = "the '" + identity().transport + "' transport does not reopen its node";
    return r;
  }

  /// The clock this device's durations are measured on (virtual for the
  /// simulator): the engine measures rates and run time on it.
  virtual const Clock& clock() const = 0;

  /// Reads the drive's SMART / health data (ATA SMART, NVMe SMART / Health
  /// log, SCSI log pages) with `timeout` per command. Every command passes
  /// the allow-list (read-only). Never throws for a drive's failure; the
  /// default: not supported (files, block devices).
  virtual SmartReading read_smart(Millis /*timeout*/) {
    return SmartReading::failed(
        fmt_no_smart(identity().transport), /*supported=*/false);
  }

  /// Asks the drive for its native capacity (HPA, DCO, AMA; NVMe namespace
  /// sizes) with read-only commands of `timeout` each. Never throws for a
  /// drive's answer; the default: not supported (files, block devices, sim).
  virtual NativeCapacity native_capacity(Millis /*timeout*/) {
    NativeCapacity c;
    c.notes.push_back("hidden capacity cannot be queried through the '" + identity().transport +
                      "' transport (use a pass-through transport: sat or nvme)");
    return c;
  }

 private:
  static std::string fmt_no_smart(const std::string& transport) {
    return "SMART is not available through the '" + transport +
           "' transport (use a pass-through transport: sat, scsi or nvme)";
  }
};

}  // namespace ptrescue
