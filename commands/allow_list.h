// SPDX-License-Identifier: GPL-3.0-or-later
// The allow-list: the one place that decides which commands may leave
// ptrescue. A rescue tool must never write to the drive it rescues, so every
// command is judged on its bytes and its outgoing payload, not on the name of
// the builder that made it. Admitted:
//   - reads: ATA READ SECTORS (EXT), READ DMA (EXT); SCSI READ(10)/(16);
//     NVMe Read;
//   - identification: ATA IDENTIFY DEVICE; SCSI INQUIRY, READ CAPACITY(10)/(16),
//     TEST UNIT READY, REQUEST SENSE, MODE SENSE(10); NVMe Identify;
//   - hidden capacity: ATA READ NATIVE MAX ADDRESS EXT, GET NATIVE MAX
//     ADDRESS EXT (ACCESSIBLE MAX ADDRESS CONFIGURATION feature 0000h only),
//     DEVICE CONFIGURATION IDENTIFY (DCO feature C2h only);
//   - health and logs: ATA SMART READ DATA / READ THRESHOLDS / RETURN STATUS /
//     READ LOG, READ LOG (DMA) EXT; SCSI LOG SENSE without SP; NVMe Get Log
//     Page without LSP;
//   - resets: ATA PASS-THROUGH with PROTOCOL hard reset / software reset;
//   - two opt-in volatile settings: SCT Error Recovery Control (read timer,
//     set / return current value) through SMART WRITE LOG to log E0h, and
//     MODE SELECT(10) of the Control mode page (not saved), the way to set
//     D_SENSE;
//   - ATA PASS-THROUGH(16) carrying an admitted ATA command; ATA
//     PASS-THROUGH(12) carrying an admitted 28-bit ATA command that sends
//     no data (no reset, no SMART WRITE LOG).
// Everything else is refused, including every write, erase, trim, format,
// sanitize, firmware, security, password, Set Features command, and every
// HPA/DCO/AMA command that changes the drive (SET MAX ADDRESS (EXT), SET or
// FREEZE ACCESSIBLE MAX ADDRESS EXT, DCO SET / RESTORE / FREEZE LOCK).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "commands/command.h"

namespace ptrescue::commands {

/// Why the command is refused; nullopt when it is allowed.
std::optional<std::string> why_refused(const AtaTaskfile& tf);
std::optional<std::string> why_refused(const ScsiCdb& cdb);
std::optional<std::string> why_refused(const NvmeCommand& cmd);
std::optional<std::string> why_refused(const Command& cmd);

inline bool is_allowed(const AtaTaskfile& tf) { return !why_refused(tf); }
inline bool is_allowed(const ScsiCdb& cdb) { return !why_refused(cdb); }
inline bool is_allowed(const NvmeCommand& cmd) { return !why_refused(cmd); }
inline bool is_allowed(const Command& cmd) { return !why_refused(cmd); }

/// Returns `cmd` if allowed, else throws CommandRefused: the last step of
/// every builder.
template <class C>
C require_allowed(C cmd) {
  if (auto reason = why_refused(cmd)) throw CommandRefused("command refused: " + *reason);
  return cmd;
}

}  // namespace ptrescue::commands
