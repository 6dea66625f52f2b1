// SPDX-License-Identifier: GPL-3.0-or-later
// A SCSI disk (SAS, virtio-scsi, USB mass storage without SAT, iSCSI, ...)
// read with READ(10) — READ(16) where the LBA or the count needs it — on its
// sg node. A MEDIUM ERROR carries the failing LBA in INFORMATION
// (commands::decode_scsi_read_error).
#pragma once

#include <memory>
#include <optional>

#include "commands/ata_identify.h"
#include "commands/scsi.h"
#include "transport/ata_tunnel.h"
#include "transport/sg_disk.h"

namespace ptrescue {

class ScsiDevice final : public SgDisk {
 public:
  /// Opens the sg node and identifies the disk (INQUIRY, Unit Serial Number
  /// VPD page, READ CAPACITY(16) or (10)). Throws TransportError.
  /// `ata12`: also ask, after INQUIRY has shown a direct access block
  /// device, IDENTIFY DEVICE through ATA PASS-THROUGH(12) — for a USB bridge
  /// that refuses the 16-byte form. When it answers and passes the checks
  /// the SAT back end makes (AtaTunnel::distrust), the drive's own model,
  /// serial and firmware come from it and read_smart() reads ATA SMART
  /// through it; reads stay SCSI READ (the 12-byte form carries 28-bit
  /// LBAs only).
  static std::unique_ptr<ScsiDevice> open(SysIo& io, const std::string& sg_path,
                                          const std::string& user_path,
                                          const PassThroughOptions& options,
                                          const std::string& block_name = {}, bool ata12 = false);
  ~ScsiDevice() override;

  /// Whether IDENTIFY and SMART go through ATA PASS-THROUGH(12).
  bool uses_ata12() const { return ata_.has_value(); }
  /// Why ATA PASS-THROUGH(12) is not used although it was asked for (no
  /// answer, not trusted); empty otherwise.
  const std::string& ata12_failure() const { return ata12_failure_; }

  /// ATA SMART through ATA PASS-THROUGH(12) when uses_ata12(); else LOG
  /// SENSE (SP = 0, cumulative values) of the supported pages list, then of
  /// those health pages it lists: Informational Exceptions (2Fh),
  /// Temperature (0Dh), Read Error Counter (03h), Background Scan Results
  /// (15h). An ATA disk behind SAT should be opened as `sat` for ATA SMART.
  SmartReading read_smart(Millis timeout) override;

 protected:
  commands::ScsiCdb read_cdb(Lba lba, std::uint32_t count) const override;
  SenseDecoder sense_decoder() const override;
  std::optional<std::string> query_identity(DeviceIdentity& out) override;
  /// TEST UNIT READY answers GOOD (a UNIT ATTENTION after the reset is
  /// consumed by the probe itself).
  bool answers() override;
  /// SCSI has no soft reset short of a logical unit reset ("device"): waits
  /// for the kernel's own error handling to finish with timed-out commands.
  ResetOutcome soft_reset() override;
  /// --erc through ATA PASS-THROUGH(12) is not offered (SMART WRITE LOG
  /// sends data, which the 12-byte form never carries): a note says so.
  void apply_own_settings(bool again) override;

 private:
  friend class SgDisk;  // open_disk() builds it
  using SgDisk::SgDisk;
  /// The ATA PASS-THROUGH(12) part of query_identity() for a device INQUIRY
  /// described as `inquiry`, READ CAPACITY as `cap`.
  void identify_through_ata12(DeviceIdentity& out, const commands::InquiryData& inquiry,
                              const commands::ReadCapacity& cap);
  SmartReading read_log_sense_health(Millis timeout);

  bool try_ata12_ = false;
  AtaTunnel ata12_{commands::AtaPassThroughForm::k12,
                   [this](const commands::ScsiCdb& cdb, Millis timeout) { return run(cdb, timeout); }};
  /// The drive's IDENTIFY data, when ATA PASS-THROUGH(12) is used.
  std::optional<commands::AtaIdentity> ata_;
  std::string ata12_failure_;
};

}  // namespace ptrescue
