// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/sg_outcome.h"

#include <scsi/sg_lib.h>

#include <fmt/format.h>

namespace ptrescue {

namespace {

// SCSI status codes (SAM-5 "Status codes") are libsgutils2's SAM_STAT_*.

// "SCSI status 0x08 (Busy)": the code and libsgutils2's name for it.
std::string scsi_status_text(std::uint8_t status) {
  char name[64] = {};
  sg_get_scsi_status_str(status, sizeof name, name);
  return fmt::format("SCSI status 0x{:02x} ({})", status, name);
}

// include/scsi/scsi_status.h (Linux 6.1): host byte values.
enum HostStatus : std::uint16_t {
  kDidOk = 0x00,
  kDidNoConnect = 0x01,
  kDidBusBusy = 0x02,
  kDidTimeOut = 0x03,
  kDidBadTarget = 0x04,
  kDidAbort = 0x05,
  kDidReset = 0x08,
  kDidSoftError = 0x0b,
  kDidImmRetry = 0x0c,
  kDidRequeue = 0x0d,
  kDidTransportDisrupted = 0x0e,
  kDidMediumError = 0x13,
};
// include/scsi/sg.h driver byte, low nibble (sg v3 compatibility values).
constexpr std::uint16_t kDriverTimeout = 0x06;

ReadOutcome from_host_status(std::uint16_t h) {
  ReadOutcome r;
  r.detail = host_status_name(h);
  switch (h) {
    case kDidNoConnect:
    case kDidBadTarget:
      r.status = ReadStatus::kDeviceGone;
      break;
    case kDidTimeOut:
      r.status = ReadStatus::kTimeout;
      r.needs_reset = true;
      r.detail += ": the kernel timed the command out";
      break;
    case kDidBusBusy:
    case kDidAbort:
    case kDidReset:
    case kDidSoftError:
    case kDidImmRetry:
    case kDidRequeue:
    case kDidTransportDisrupted:
      // The command was not carried out; the sectors are not known bad.
      r.status = ReadStatus::kAborted;
      break;
    case kDidMediumError:
      r.status = ReadStatus::kMediaError;
      break;
    default:
      r.status = ReadStatus::kOther;
      break;
  }
  return r;
}

}  // namespace

ReadOutcome read_outcome_from_sg(const SgCompletion& c, Lba lba, std::uint32_t count,
                                 std::uint32_t sector_size, SenseDecoder decode) {
  ReadOutcome r;
  switch (c.end) {
    case SgCompletion::End::kTimeout:
      r.status = ReadStatus::kTimeout;
      r.needs_reset = true;
      r.detail = fmt::format("no completion within {} ms; the command is left to the kernel",
                             c.timeout_applied.count());
      break;
    case SgCompletion::End::kGone:
      r.status = ReadStatus::kDeviceGone;
      r.detail = fmt::format("device gone: {}", errno_text(c.os_errno));
      break;
    case SgCompletion::End::kOsError:
      // E.g. EIO for a transfer above the queue's max_hw_sectors: the
      // kernel refused the command, the drive never saw it.
      r.status = ReadStatus::kOther;
      r.detail = fmt::format("the kernel refused the command: {}", errno_text(c.os_errno));
      break;
    case SgCompletion::End::kRefused:
      r.status = ReadStatus::kOther;
      r.detail = c.refusal + "; nothing was sent";
      break;
    case SgCompletion::End::kQueueFull:
      r.status = ReadStatus::kOther;
      r.needs_reset = true;
      r.detail = "earlier commands never completed; nothing was sent";
      break;
    case SgCompletion::End::kCompleted:
      if (c.host_status != kDidOk) {
        r = from_host_status(c.host_status);
      } else if ((c.driver_status & 0x0f) == kDriverTimeout) {
        r.status = ReadStatus::kTimeout;
        r.needs_reset = true;
        r.detail = "DRIVER_TIMEOUT: the kernel timed the command out";
      } else if (c.status == SAM_STAT_GOOD || c.status == SAM_STAT_CONDITION_MET) {
        r.status = ReadStatus::kOk;
      } else if (c.status == SAM_STAT_CHECK_CONDITION) {
        const commands::DecodedError e = decode(c.sense, lba, count);
        r.status = read_status_from_error(e.kind);
        // An LBA equal to the command's first one, for a command of several
        // sectors, does not say which sector failed: it is also what a device
        // that reports the start of the failed command gives for an error
        // anywhere in it (Linux's scsi_debug always does: measured in the
        // VM test bed, a read of 4996..5003 failing at 5000 reports 4996; QEMU
        // does the same for ATA). Taken as exact it would mark a good sector
        // bad on every cluster read; left out, the engine finds the sector by
        // trimming. An LBA past the first one is always evidence.
        const bool names_only_the_start = count > 1 && e.lba && *e.lba == lba;
        if (r.status == ReadStatus::kMediaError && !names_only_the_start) r.error_lba = e.lba;
        if (r.status == ReadStatus::kTimeout) r.needs_reset = true;
        if (r.status != ReadStatus::kOk) r.detail = e.text;
        if (r.status == ReadStatus::kMediaError && names_only_the_start)
          r.detail += " (the LBA reported is the command's first: not taken as the failing one)";
      } else if (c.status == SAM_STAT_BUSY || c.status == SAM_STAT_TASK_SET_FULL ||
                 c.status == SAM_STAT_ACA_ACTIVE || c.status == SAM_STAT_TASK_ABORTED) {
        r.status = ReadStatus::kAborted;
        r.detail = scsi_status_text(c.status) + ": the device did not carry the command out";
      } else {
        r.status = ReadStatus::kOther;
        r.detail = scsi_status_text(c.status);
      }
      if (r.status == ReadStatus::kOk && c.resid != 0) {
        // A short transfer of a pass-through read: which bytes arrived is
        // not known, so none is used.
        r.status = ReadStatus::kOther;
        r.detail = fmt::format("short transfer: {} of {} bytes missing", c.resid,
                               std::uint64_t{count} * sector_size);
      }
      break;
  }
  r.good_sectors = r.ok() ? count : 0;
  r.duration = c.duration;
  r.timeout_applied = c.timeout_applied;
  return r;
}

}  // namespace ptrescue
