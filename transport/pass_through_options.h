// SPDX-License-Identifier: GPL-3.0-or-later
// What a pass-through back end (SAT, SCSI, NVMe) is told when it is opened:
// the opt-in drive settings, the power-cycle hook and how long resets and
// probes may take.
#pragma once

#include <chrono>
#include <optional>

#include "transport/clock.h"
#include "transport/node_lookup.h"
#include "transport/power_cycle.h"
#include "transport/reattaching_device.h"

namespace ptrescue {

struct PassThroughOptions {
  /// --erc: ATA SCT Error Recovery Control read timer (rounded up to 100 ms;
  /// 0 turns the drive's limit off). Not sent at all without the option.
  std::optional<Millis> erc;
  /// --dsense: descriptor-format sense (D_SENSE=1 in the Control mode page).
  bool dsense = false;
  /// --limited-retry: NVMe Read LR bit on copy passes (see DriveSettings).
  bool limited_retry = true;
  PowerCycleOptions power_cycle;
  /// --reattach-wait: how long a drive that dropped off may take to come
  /// back under any node (ReattachingDevice); 0 = not waited for.
  ReattachOptions reattach;
  NodePaths paths;
  /// Timeout of identification and readiness probes (IDENTIFY, TEST UNIT
  /// READY, Identify Controller).
  Millis probe_timeout{std::chrono::seconds(5)};
  /// How long a reset may take in the kernel, and how long after it the
  /// drive may take to answer again. libata's own recovery of a hung drive
  /// (several link resets with growing timeouts) can take about a minute.
  Millis reset_timeout{std::chrono::seconds(60)};
  Millis ready_wait{std::chrono::seconds(60)};
  Millis ready_interval{std::chrono::milliseconds(250)};
};

/// A setup failure of a pass-through back end: the device cannot be opened
/// or does not speak the transport asked for.
class TransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The kernel refused pass-through for lack of privilege (EPERM/EACCES:
/// the sg driver wants CAP_SYS_RAWIO for ATA PASS-THROUGH, NVMe passthrough
/// wants CAP_SYS_ADMIN). Auto-detection must not fall back to another
/// transport on this.
class TransportPermissionError : public TransportError {
 public:
  using TransportError::TransportError;
};

/// The SAT layer refused ATA PASS-THROUGH(16) itself as an unsupported
/// operation code (ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE 20/00):
/// it does not know the 16-byte form (a USB bridge may know the 12-byte
/// one).
class AtaPassThrough16Unsupported : public TransportError {
 public:
  using TransportError::TransportError;
};

}  // namespace ptrescue
