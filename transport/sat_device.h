// SPDX-License-Identifier: GPL-3.0-or-later
// An ATA drive behind a SCSI/ATA Translation layer (Linux libata for SATA
// ports, most USB-SATA bridges), read with ATA commands tunnelled through
// ATA PASS-THROUGH(16) on its sg node: READ DMA EXT (READ SECTORS EXT
// without DMA, READ SECTORS for a 28-bit-only drive). A failed read comes
// back with the ATA registers in the sense data, and with them the failing
// LBA (commands::decode_ata_read_error; with fixed-format sense Linux < 6.10
// keeps only LBA(7:0), completed from the command's range, or use --dsense).
#pragma once

#include <memory>
#include <optional>

#include "commands/ata_identify.h"
#include "transport/ata_tunnel.h"
#include "transport/sg_disk.h"

namespace ptrescue {

class SatDevice final : public SgDisk {
 public:
  /// Opens the sg node `sg_path` (the user named `user_path`) and identifies
  /// the drive with IDENTIFY DEVICE. Throws TransportError when the node
  /// cannot be opened or no ATA drive answers.
  static std::unique_ptr<SatDevice> open(SysIo& io, const std::string& sg_path,
                                         const std::string& user_path,
                                         const PassThroughOptions& options,
                                         const std::string& block_name = {});
  ~SatDevice() override;

  const commands::AtaIdentity& ata_identity() const { return ata_; }

  /// Why this SAT layer's ATA PASS-THROUGH is not to be trusted for reads
  /// (a USB bridge that mangles the IDENTIFY data, returns no registers
  /// with CK_COND, or registers without DRDY); empty when it passed the
  /// checks made at open. Auto-detection then reads with SCSI commands.
  const std::string& distrust() const { return distrust_; }

  /// SMART READ DATA, READ THRESHOLDS, RETURN STATUS (CK_COND), the SMART
  /// error log (READ LOG EXT 03h, else SMART READ LOG 01h) and Device
  /// Statistics (READ LOG EXT 04h). Only READ DATA must answer; what else
  /// fails becomes a note in the report.
  SmartReading read_smart(Millis timeout) override;

  /// HPA / AMA / DCO through ATA PASS-THROUGH with CK_COND (sat_capacity.cpp):
  /// GET NATIVE MAX ADDRESS EXT where IDENTIFY says the Accessible Max
  /// Address feature set is there, else READ NATIVE MAX ADDRESS EXT (48-bit
  /// drives), and DEVICE CONFIGURATION IDENTIFY where DCO is supported.
  NativeCapacity native_capacity(Millis timeout) override;

 protected:
  commands::ScsiCdb read_cdb(Lba lba, std::uint32_t count) const override;
  SenseDecoder sense_decoder() const override;
  std::optional<std::string> query_identity(DeviceIdentity& out) override;
  /// AtaPassThrough16Unsupported when the SAT layer does not know the
  /// 16-byte form, else a TransportError.
  [[noreturn]] void fail_identification(const std::string& text) const override;
  bool answers() override;
  /// SRST (PROTOCOL 1), else hardware reset (PROTOCOL 0) through ATA
  /// PASS-THROUGH; libata refuses both with ILLEGAL REQUEST (and has no
  /// SG_SCSI_RESET handlers either), but resets the link itself after a
  /// timeout: then this rung waits for that, until the drive answers.
  ResetOutcome soft_reset() override;
  void apply_own_settings(bool again) override;
  void restore_own_settings() override;

 private:
  friend class SgDisk;  // open_disk() builds it
  using SgDisk::SgDisk;
  std::optional<std::uint16_t> read_erc_timer(std::string& why);
  std::optional<std::uint64_t> native_max_lba(const commands::AtaTaskfile& query, Millis timeout, std::string& why);
  bool set_erc_timer(std::uint16_t deciseconds, std::string& why);

  commands::AtaIdentity ata_;
  AtaTunnel tunnel_{commands::AtaPassThroughForm::k16,
                    [this](const commands::ScsiCdb& cdb, Millis timeout) { return run(cdb, timeout); }};
  std::string distrust_;
  /// IDENTIFY through ATA PASS-THROUGH(16) ended ILLEGAL REQUEST, INVALID
  /// COMMAND OPERATION CODE: open() throws AtaPassThrough16Unsupported.
  bool pass_through_unsupported_ = false;
  /// The drive's read timer (100 ms units) before --erc changed it.
  std::optional<std::uint16_t> erc_saved_;
};

}  // namespace ptrescue
