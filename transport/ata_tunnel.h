// SPDX-License-Identifier: GPL-3.0-or-later
// ATA commands through an sg disk's ATA PASS-THROUGH, in the form its SAT
// layer takes: the 16-byte one (libata, most bridges), or the 12-byte one
// for a bridge that knows only that (28-bit commands only). Also the checks
// that decide whether a SAT layer is trusted with ATA commands at all, and
// the SMART reading both back ends share (ata_smart_reading.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "commands/ata_identify.h"
#include "commands/sat.h"
#include "transport/sg_disk.h"

namespace ptrescue {

class AtaTunnel {
 public:
  /// Sends one CDB on the disk's channel (SgDisk::run).
  using Send = std::function<SgDisk::Reply(const commands::ScsiCdb&, Millis)>;

  AtaTunnel(commands::AtaPassThroughForm form, Send send) : form_(form), send_(std::move(send)) {}

  /// `tf` through ATA PASS-THROUGH in this tunnel's form; CK_COND when
  /// `check_condition`. Throws CommandRefused for a taskfile the form cannot
  /// carry (a 48-bit one in the 12-byte form): a caller's bug.
  SgDisk::Reply run(const commands::AtaTaskfile& tf, bool check_condition, Millis timeout) const {
    return send_(commands::ata_pass_through(tf, check_condition, form_), timeout);
  }

  commands::AtaPassThroughForm form() const { return form_; }
  /// "ATA PASS-THROUGH(16)" / "ATA PASS-THROUGH(12)".
  const char* name() const { return commands::pass_through_name(form_); }
  /// Whether 48-bit commands (READ LOG EXT) fit: not in the 12-byte form.
  bool carries_48bit() const { return form_ == commands::AtaPassThroughForm::k16; }

  /// Why this SAT layer is not to be trusted with ATA commands, given the
  /// IDENTIFY DEVICE page it returned (parsed as `id`); empty when it passes:
  ///  - the page's integrity word (word 255) is right where the drive uses it;
  ///  - IDENTIFY with CK_COND returns the ATA registers reading as a
  ///    completed command (DRDY set; BSY, DF, ERR clear) — or, where CK_COND
  ///    on a PIO data-in command is aborted, SMART RETURN STATUS does, and
  ///    IDENTIFY is read again without it;
  ///  - the same page both times.
  std::string distrust(const std::vector<std::uint8_t>& identify_page, const commands::AtaIdentity& id,
                       Millis timeout) const;

 private:
  commands::AtaPassThroughForm form_;
  Send send_;
};

/// SMART READ DATA, READ THRESHOLDS, RETURN STATUS (CK_COND), the SMART
/// error log (READ LOG EXT 03h where 48-bit commands fit, else SMART READ
/// LOG 01h) and Device Statistics (READ LOG EXT 04h, 16-byte form only),
/// through `tunnel` to the drive `id` describes. Only READ DATA must
/// answer; what else fails becomes a note in the report.
/// What an ATA drive's IDENTIFY DEVICE says of itself that the identity
/// carries whichever tunnel asked (names, SMART, SCT, ERC; ACS-4 7.13).
void take_ata_drive_facts(DeviceIdentity& out, const commands::AtaIdentity& id);

SmartReading read_ata_smart(const AtaTunnel& tunnel, const commands::AtaIdentity& id, Millis timeout);

}  // namespace ptrescue
