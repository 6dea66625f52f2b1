// SPDX-License-Identifier: GPL-3.0-or-later
// A SCSI disk (SAS, virtio-scsi, USB mass storage without SAT, iSCSI, ...)
// read with READ(10) — READ(16) where the LBA or the count needs it — on its
// sg node. A MEDIUM ERROR carries the failing LBA in INFORMATION
// (commands::decode_scsi_read_error).
#pragma once

#include <memory>
#include <optional>

#include "transport/sg_disk.h"

namespace ptrescue {

class ScsiDevice final : public SgDisk {
 public:
  /// Opens the sg node and identifies the disk (INQUIRY, Unit Serial Number
  /// VPD page, READ CAPACITY(16) or (10)). Throws TransportError.
  static std::unique_ptr<ScsiDevice> open(SysIo& io, const std::string& sg_path,
                                          const std::string& user_path,
                                          const PassThroughOptions& options,
                                          const std::string& block_name = {});
  ~ScsiDevice() override;

  /// LOG SENSE (SP = 0, cumulative values) of the supported pages list,
  /// then of those health pages it lists: Informational Exceptions (2Fh),
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

 private:
  friend class SgDisk;  // open_disk() builds it
  using SgDisk::SgDisk;
};

}  // namespace ptrescue
