// SPDX-License-Identifier: GPL-3.0-or-later
// What the SAT and the SCSI back ends share: a disk behind an sg node,
// read one command at a time through an SgChannel with ptrescue's own
// deadline, the SG_SCSI_RESET rungs of the reset ladder, the power-cycle
// hook, and the D_SENSE setting. SatDevice and ScsiDevice supply the read
// command, the sense decoder, identification and the soft reset.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands/command.h"
#include "commands/scsi.h"
#include "transport/deadline_runner.h"
#include "transport/device.h"
#include "transport/drive_settings.h"
#include "transport/node_lookup.h"
#include "transport/pass_through_options.h"
#include "transport/sg_channel.h"
#include "transport/sg_outcome.h"
#include "transport/sys_io.h"

namespace ptrescue {

/// The sg reserved buffer asked for at open: the engine's largest read (1 MiB).
inline constexpr std::size_t kSgReservedBytes = 1 << 20;

/// Opens an sg node for the asynchronous interface (reserved buffer of
/// kSgReservedBytes asked for); throws TransportError.
std::unique_ptr<SgChannel> open_sg_channel(SysIo& io, const std::string& sg_path,
                                           const std::string& user_path);

class SgDisk : public Device, public DriveSettings {
 public:
  /// A non-read command's result: `good` when it completed with GOOD status
  /// (or RECOVERED ERROR sense), `data` its data-in (minus the residue).
  struct Reply {
    bool good = false;
    SgCompletion raw;
    std::vector<std::uint8_t> data;
    std::string detail;  ///< Why it failed, for notes.
  };

  ~SgDisk() override;

  const DeviceIdentity& identity() const override { return identity_; }
  /// One command; data reaches `out` only when the command succeeded.
  ReadOutcome read(Lba lba, std::uint32_t count, std::span<std::byte> out, Millis timeout) override;
  /// soft: the back end's own (SAT: ATA software/hard reset through ATA
  /// PASS-THROUGH); device/target/bus/host: SG_SCSI_RESET with
  /// SG_SCSI_RESET_NO_ESCALATE (the ladder escalates, not the kernel);
  /// power-cycle: the hook. ok only once the drive answers again.
  ResetOutcome reset(ResetKind kind) override;
  const Clock& clock() const override { return io_.clock(); }

  void set_limited_retry(bool) override {}
  void restore_settings() override;
  std::vector<std::string> take_notes() override;

  /// Adds a line to what `ptrescue identify` shows (identity().extra).
  void add_fact(std::string key, std::string value) {
    identity_.extra.emplace_back(std::move(key), std::move(value));
  }

  /// The channel commands go through; null after a failed power cycle.
  SgChannel* channel() { return channel_.get(); }

 protected:
  /// `max_hw_bytes`: the host's transfer limit as sysfs gives it, if it does.
  SgDisk(SysIo& io, std::unique_ptr<SgChannel> channel, PassThroughOptions options,
         std::string user_path, std::optional<std::uint64_t> max_hw_bytes);

  /// The factory of each back end (Disk befriends SgDisk and inherits its
  /// constructor): opens the sg node `sg_path`, asks sysfs for the transfer
  /// limit of `block_name`, builds the Disk and identifies the drive.
  /// Throws TransportError.
  /// `configure` sees the Disk before it identifies the drive.
  template <typename Disk, typename Configure>
  static std::unique_ptr<Disk> open_disk(SysIo& io, const std::string& sg_path, const std::string& user_path,
                                         const PassThroughOptions& options, const std::string& block_name,
                                         Configure configure) {
    auto channel = open_sg_channel(io, sg_path, user_path);
    std::unique_ptr<Disk> disk(new Disk(io, std::move(channel), options, user_path,
                                        max_hw_transfer_bytes(block_name, options.paths)));
    configure(*disk);
    disk->initialize();
    return disk;
  }
  template <typename Disk>
  static std::unique_ptr<Disk> open_disk(SysIo& io, const std::string& sg_path, const std::string& user_path,
                                         const PassThroughOptions& options, const std::string& block_name) {
    return open_disk<Disk>(io, sg_path, user_path, options, block_name, [](Disk&) {});
  }

  /// The largest transfer the host takes in one command: sysfs' word, else
  /// 128 KiB, what every SATA and SCSI host takes.
  std::uint64_t max_hw_bytes() const { return max_hw_bytes_.value_or(128 * 1024); }

  /// Identifies the drive (throws TransportError with `why` if it does not
  /// answer) and applies the settings asked for. Called by the factories.
  void initialize();

  virtual commands::ScsiCdb read_cdb(Lba lba, std::uint32_t count) const = 0;
  virtual SenseDecoder sense_decoder() const = 0;
  /// Asks the drive on the current channel who it is. Returns the reason on
  /// failure.
  virtual std::optional<std::string> query_identity(DeviceIdentity& out) = 0;
  /// The setup error for a drive that could not be identified (`text` says
  /// why): a TransportError, or a more precise one a back end knows.
  [[noreturn]] virtual void fail_identification(const std::string& text) const;
  /// Whether the drive answers a harmless command now.
  virtual bool answers() = 0;
  virtual ResetOutcome soft_reset() = 0;
  /// The back end's own settings (SAT: SCT ERC). `again` after a reset:
  /// keep the value found the first time as the one to restore.
  virtual void apply_own_settings(bool /*again*/) {}
  virtual void restore_own_settings() {}

  /// Writes `text` to a sysfs attribute through the SysIo; 0 or -errno.
  int write_attribute(const std::string& path, const std::string& text);

  Reply run(const commands::ScsiCdb& cdb, Millis timeout);

  /// After a reset: polls answers() until it says yes or ready_wait passes.
  ResetOutcome wait_until_answers(Micros start, const std::string& what);
  void note(std::string line) { notes_.push_back(std::move(line)); }

  SysIo& io_;
  PassThroughOptions options_;
  DeviceIdentity identity_;

 private:
  ResetOutcome sg_reset(ResetKind kind);
  /// usb-reset: USBDEVFS_RESET on the usbfs node of the USB device the disk
  /// sits on; usb-rebind: unbind of its interface's driver, USBDEVFS_RESET
  /// while none holds it, bind (the disk comes back under new nodes, found
  /// by serial). Each with what the kernel logged meanwhile.
  ResetOutcome usb_reset();
  ResetOutcome usb_rebind();
  /// Whether the kernel removed the disk from its sg node (a TEST UNIT
  /// READY there ends "gone").
  bool left_its_node();
  /// Polls the sg disks until the drive is found again (adopted) or
  /// ready_wait passes.
  bool find_again(std::string& detail);
  ResetOutcome power_cycle();
  bool adopt_if_same_drive(const std::string& sg_path, std::string& detail);
  void apply_settings(bool again);
  void apply_dsense(bool again);

  std::unique_ptr<SgChannel> channel_;
  std::optional<std::uint64_t> max_hw_bytes_;
  DeadlineRunner runner_;
  int last_refusal_ = 0;  // errno of the last command the kernel refused
  std::vector<std::string> notes_;
  /// The Control mode page as it was before --dsense changed it.
  std::optional<commands::ControlModePage> dsense_saved_;
};

}  // namespace ptrescue
