// SPDX-License-Identifier: GPL-3.0-or-later
// Fake SCSI targets behind a fake sg node: the sg v3 asynchronous protocol
// (write an sg_io_hdr, poll, read the completion by pack_id) over a target
// that decodes each CDB and answers with the bytes a real device returns —
// sense data as Linux 6.1 and drives produce it (KERNEL-FACTS §3, §4),
// including what QEMU cannot emulate (a drive's UNC with the failing LBA).
//
// A command can hang: it then completes only when the test releases it
// (or a reset does), writing its data and sense into the buffers the
// device gave at write() time — under ASan, a device that freed them fails.
#pragma once

#include <poll.h>
#include <scsi/sg.h>

#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include <scsi/sg_unaligned.h>

#include "commands/ata.h"
#include "commands/sat.h"
#include "support/fake_sys_io.h"
#include "transport/device.h"

namespace ptrescue::test {

/// The content of every sector in the fakes: a function of LBA and offset.
inline std::uint8_t sector_byte(std::uint64_t lba, std::size_t i) {
  return static_cast<std::uint8_t>((lba * 37 + i * 11 + (lba >> 7)) & 0xff);
}
inline void fill_sectors(std::uint64_t lba, std::uint32_t count, std::uint32_t ss,
                         std::vector<std::uint8_t>& out) {
  out.resize(std::size_t{count} * ss);
  for (std::uint32_t s = 0; s < count; ++s)
    for (std::uint32_t i = 0; i < ss; ++i) out[std::size_t{s} * ss + i] = sector_byte(lba + s, i);
}

/// What a target answers to one command.
struct ScsiReply {
  std::uint8_t status = 0;         // GOOD
  std::uint16_t host_status = 0;
  std::uint16_t driver_status = 0;
  std::vector<std::uint8_t> sense;
  std::vector<std::uint8_t> data;  // data-in
  bool hang = false;               // completes only when released

  static ScsiReply check_condition(std::vector<std::uint8_t> sense) {
    ScsiReply r;
    r.status = 0x02;
    r.driver_status = 0x08;  // DRIVER_SENSE
    r.sense = std::move(sense);
    return r;
  }
};

/// Fixed-format sense (SPC-5 4.4.3), VALID and INFORMATION when `info`.
inline std::vector<std::uint8_t> fixed_sense(std::uint8_t key, std::uint8_t asc, std::uint8_t ascq,
                                             std::optional<std::uint32_t> info = std::nullopt) {
  std::vector<std::uint8_t> s(18, 0);
  s[0] = info ? 0xf0 : 0x70;
  s[2] = key;
  if (info) sg_put_unaligned_be32(*info, s.data() + 3);
  s[7] = 0x0a;
  s[12] = asc;
  s[13] = ascq;
  return s;
}

/// Descriptor-format sense (SPC-5 4.4.2) with an Information descriptor.
inline std::vector<std::uint8_t> descriptor_sense(std::uint8_t key, std::uint8_t asc, std::uint8_t ascq,
                                                  std::optional<std::uint64_t> info = std::nullopt) {
  std::vector<std::uint8_t> s{0x72, key, asc, ascq, 0, 0, 0, 0};
  if (info) {
    const std::size_t d = s.size();
    s.resize(d + 12, 0);
    s[d] = 0x00;
    s[d + 1] = 0x0a;
    s[d + 2] = 0x80;  // VALID
    sg_put_unaligned_be64(*info, s.data() + d + 4);
  }
  s[7] = static_cast<std::uint8_t>(s.size() - 8);
  return s;
}

/// ATA PASS-THROUGH sense as libata (Linux 6.1) builds it, from the output
/// registers: descriptor format with an ATA Status Return descriptor when
/// D_SENSE is set; else the fixed format with the registers 8 bytes too far
/// and only LBA(7:0) (KERNEL-FACTS §3:
/// 70 00 0b 00 00 00 00 0a 04 41 40 01 00 00 00 00 80 d0).
inline std::vector<std::uint8_t> ata_sense(bool descriptor, std::uint8_t key, std::uint8_t asc,
                                           std::uint8_t ascq, const commands::AtaRegisters& r) {
  if (descriptor) {
    return {0x72, key, asc, ascq, 0, 0, 0, 0x0e,
            0x09, 0x0c, static_cast<std::uint8_t>(r.extend ? 1 : 0), r.error,
            static_cast<std::uint8_t>(r.count >> 8), static_cast<std::uint8_t>(r.count),
            static_cast<std::uint8_t>(r.lba >> 24), static_cast<std::uint8_t>(r.lba),
            static_cast<std::uint8_t>(r.lba >> 32), static_cast<std::uint8_t>(r.lba >> 8),
            static_cast<std::uint8_t>(r.lba >> 40), static_cast<std::uint8_t>(r.lba >> 16),
            r.device, r.status};
  }
  std::vector<std::uint8_t> s(18, 0);
  s[0] = 0x70;
  s[2] = key;
  s[7] = 0x0a;
  s[8] = r.error;
  s[9] = r.status;
  s[10] = r.device;
  s[11] = static_cast<std::uint8_t>(r.count);
  s[12] = asc;
  s[13] = ascq;
  s[16] = r.extend ? 0x80 : 0;
  s[17] = static_cast<std::uint8_t>(r.lba);
  return s;
}

/// What libata's error handler answers for a pass-through command it timed
/// out (KERNEL-FACTS §4): ABORTED COMMAND, registers zero but STATUS 40h.
inline ScsiReply libata_timeout_reply() {
  commands::AtaRegisters z;
  z.status = 0x40;
  return ScsiReply::check_condition(ata_sense(true, 0x0b, 0, 0, z));
}

/// A device behind an sg node: answers CDBs.
class ScsiTarget {
 public:
  virtual ~ScsiTarget() = default;
  virtual ScsiReply execute(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> data_out,
                            std::uint32_t transfer_bytes) = 0;
  /// SG_SCSI_RESET: 0 or -errno. The node completes hung commands after it.
  virtual int reset(int /*what*/) { return 0; }
  bool gone = false;  ///< write() and open() fail with ENODEV, poll() says POLLHUP.
  std::vector<std::vector<std::uint8_t>> cdbs;  ///< Every CDB received.
  std::vector<unsigned> timeouts;                ///< The sg timeout of each, ms.
};

/// The sg driver's asynchronous interface over a target.
class FakeSgNode final : public FakeNode {
 public:
  explicit FakeSgNode(std::shared_ptr<ScsiTarget> target) : target_(std::move(target)) {}

  int open_error() override { return target_->gone ? -ENODEV : 0; }

  int ioctl(unsigned long request, void* arg) override {
    if (request == SG_GET_VERSION_NUM) {
      *static_cast<int*>(arg) = 30536;
      return 0;
    }
    if (request == SG_SET_RESERVED_SIZE) {
      std::lock_guard lk(m_);
      reserved_sizes.push_back(*static_cast<int*>(arg));
      return 0;
    }
    if (request == SG_SCSI_RESET) {
      std::lock_guard lk(m_);
      reset_values.push_back(*static_cast<int*>(arg));
      if (target_->gone) return -ENODEV;
      const int r = target_->reset(*static_cast<int*>(arg));
      // The kernel's error handling ends the commands stuck in the drive.
      if (r == 0 && complete_hung_on_reset) release_locked(timed_out_reply());
      return r;
    }
    return -ENOTTY;
  }

  ssize_t write(const void* buf, std::size_t n) override {
    std::lock_guard lk(m_);
    if (n < sizeof(sg_io_hdr_t)) return -EINVAL;
    if (target_->gone) return -ENODEV;
    if (write_error != 0) return write_error;
    sg_io_hdr_t h;
    std::memcpy(&h, buf, sizeof h);
    if (h.interface_id != 'S') return -ENOSYS;
    if (refuse_transfers_above != 0 && h.dxfer_len > refuse_transfers_above) return -EIO;
    // sg_allow_access(): commands outside the kernel's safe list need
    // CAP_SYS_RAWIO (ATA PASS-THROUGH(16) and (12) are not in it; INQUIRY,
    // READ are).
    if (unprivileged && (h.cmdp[0] == 0x85 || h.cmdp[0] == 0xa1)) return -EPERM;
    std::span<const std::uint8_t> cdb(h.cmdp, h.cmd_len);
    std::span<const std::uint8_t> out;
    if (h.dxfer_direction == SG_DXFER_TO_DEV)
      out = std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(h.dxferp), h.dxfer_len);
    target_->cdbs.emplace_back(cdb.begin(), cdb.end());
    target_->timeouts.push_back(h.timeout);
    ScsiReply reply = target_->execute(cdb, out, h.dxfer_direction == SG_DXFER_FROM_DEV ? h.dxfer_len : 0);
    if (reply.hang) hung_.push_back(Hung{h, clock_ ? clock_->now() : Micros(0)});
    else complete(h, reply);
    return static_cast<ssize_t>(n);
  }

  ssize_t read(void* buf, std::size_t n) override {
    std::lock_guard lk(m_);
    if (n < sizeof(sg_io_hdr_t)) return -EINVAL;
    run_kernel_error_handling();
    if (ready_.empty()) return -EAGAIN;
    std::memcpy(buf, &ready_.front(), sizeof(sg_io_hdr_t));
    ready_.pop_front();
    ++completions_read;
    return static_cast<ssize_t>(sizeof(sg_io_hdr_t));
  }

  short ready_events() override {
    std::lock_guard lk(m_);
    run_kernel_error_handling();
    if (!ready_.empty()) return POLLIN;
    if (target_->gone) return POLLHUP;
    return 0;
  }

  /// Completes every hung command with `reply` (its data and sense land in
  /// the buffers given at write() time).
  void release_hung(const ScsiReply& reply) {
    std::lock_guard lk(m_);
    release_locked(reply);
  }
  std::size_t hung() {
    std::lock_guard lk(m_);
    return hung_.size();
  }
  /// The kernel's own error handling: a hung command ends by itself
  /// `after` past its sg timeout (on `clock`), with `reply` — as libata does
  /// after resetting the link, whatever ptrescue does meanwhile.
  void kernel_ends_hung_commands(const Clock& clock, Millis after, ScsiReply reply) {
    std::lock_guard lk(m_);
    clock_ = &clock;
    eh_after_ = after;
    eh_reply_ = std::move(reply);
  }
  /// How the kernel ends a timed-out command after error handling.
  static ScsiReply timed_out_reply() {
    ScsiReply r;
    r.host_status = 0x03;  // DID_TIME_OUT
    return r;
  }

  bool complete_hung_on_reset = true;
  std::uint32_t refuse_transfers_above = 0;  ///< write() fails with EIO (max_hw_sectors).
  int write_error = 0;                        ///< write() fails with this (e.g. -EDOM: queue full).
  bool unprivileged = false;                  ///< The caller lacks CAP_SYS_RAWIO.
  std::vector<int> reset_values;
  /// Every SG_SET_RESERVED_SIZE asked for.
  std::vector<int> reserved_sizes;
  int completions_read = 0;

 private:
  void release_locked(const ScsiReply& reply) {
    for (const Hung& h : hung_) complete(h.hdr, reply);
    hung_.clear();
  }
  void run_kernel_error_handling() {
    if (!eh_after_ || clock_ == nullptr) return;
    const Micros now = clock_->now();
    for (auto it = hung_.begin(); it != hung_.end();) {
      if (it->submitted + Millis(it->hdr.timeout) + *eh_after_ <= now) {
        complete(it->hdr, eh_reply_);
        it = hung_.erase(it);
      } else {
        ++it;
      }
    }
  }
  void complete(sg_io_hdr_t h, const ScsiReply& reply) {
    if (h.dxfer_direction == SG_DXFER_FROM_DEV && h.dxferp != nullptr) {
      const std::size_t n = std::min<std::size_t>(reply.data.size(), h.dxfer_len);
      if (n > 0) std::memcpy(h.dxferp, reply.data.data(), n);
      h.resid = static_cast<int>(h.dxfer_len - n);
      if (reply.status != 0 || reply.host_status != 0) h.resid = static_cast<int>(h.dxfer_len);
    } else {
      h.resid = 0;
    }
    const std::size_t sb = std::min<std::size_t>(reply.sense.size(), h.mx_sb_len);
    if (sb > 0) std::memcpy(h.sbp, reply.sense.data(), sb);
    h.sb_len_wr = static_cast<unsigned char>(sb);
    h.status = reply.status;
    h.masked_status = static_cast<unsigned char>(reply.status >> 1);
    h.host_status = reply.host_status;
    h.driver_status = reply.driver_status;
    h.info = (reply.status | reply.host_status | reply.driver_status) != 0 ? SG_INFO_CHECK : SG_INFO_OK;
    h.duration = 1;
    ready_.push_back(h);
  }

  // Recursive: a target may release hung commands from inside execute().
  struct Hung {
    sg_io_hdr_t hdr;
    Micros submitted;
  };
  std::recursive_mutex m_;
  std::shared_ptr<ScsiTarget> target_;
  std::deque<Hung> hung_;
  const Clock* clock_ = nullptr;
  std::optional<Millis> eh_after_;
  ScsiReply eh_reply_;
  std::deque<sg_io_hdr_t> ready_;
};

/// Answers of a Control mode page (MODE SENSE(10) / MODE SELECT(10)), shared
/// by both fake disks: D_SENSE is the only field that changes.
struct FakeControlPage {
  bool d_sense = false;
  bool changeable = true;
  int selects = 0;

  ScsiReply mode_sense(std::span<const std::uint8_t> cdb) const {
    ScsiReply r;
    const int pc = cdb[2] >> 6;
    std::vector<std::uint8_t> d(8 + 12, 0);
    sg_put_unaligned_be16(d.size() - 2, d.data());
    d[8] = 0x0a;
    d[9] = 0x0a;
    if (pc == 1) d[10] = changeable ? 0x04 : 0x00;  // changeable mask
    else d[10] = (pc == 0 && d_sense) ? 0x04 : 0x00;
    r.data = d;
    return r;
  }
  ScsiReply mode_select(std::span<const std::uint8_t> out) {
    if (out.size() < 20 || out[8] != 0x0a || !changeable)
      return ScsiReply::check_condition(fixed_sense(0x05, 0x26, 0x00));  // INVALID FIELD IN PARAMETER LIST
    ++selects;
    d_sense = (out[10] & 0x04) != 0;
    return {};
  }
};

/// An ATA disk behind libata's SAT layer (Linux 6.1 behaviour).
class FakeAtaDisk final : public ScsiTarget {
 public:
  FakeAtaDisk(std::uint64_t sectors, std::string serial = "WD-FAKE0001")
      : capacity(sectors), serial(std::move(serial)) {}

  std::uint64_t capacity;
  std::string serial;
  std::string model = "FAKE ATA DISK";
  std::string firmware = "1.0";
  std::uint32_t sector_size = 512;
  bool lba48 = true;
  bool erc_supported = true;
  std::uint16_t erc_timer = 0;  // deciseconds; 0 = no limit
  /// A SAT layer that answers the SCT ERC set with GOOD and no registers
  /// (CK_COND ignored, the command perhaps never passed on): nothing is set.
  bool erc_set_without_registers = false;
  std::uint8_t erc_set_status = 0x50;  // STATUS returned by the set (DRDY DSC)
  /// A USB bridge's shortcomings: no registers for CK_COND (a GOOD status
  /// instead), registers with this STATUS, IDENTIFY data whose integrity
  /// word (word 255, signature A5h) does not sum to 0.
  bool ck_cond_registers = true;
  std::uint8_t ck_cond_status = 0x50;
  bool bad_checksum = false;
  /// Debian 6.1.0-57's libata: CK_COND on a PIO data-in command (IDENTIFY)
  /// ends ABORTED COMMAND 00/00 with no registers; non-data commands
  /// (SMART RETURN STATUS) still return them.
  bool pio_ck_cond_aborted = false;
  bool soft_reset_supported = false;  // libata refuses PROTOCOL 0/1
  /// Which ATA PASS-THROUGH forms the SAT layer knows: libata both; a USB
  /// bridge may know only one, or none (ILLEGAL REQUEST, INVALID COMMAND
  /// OPERATION CODE 20/00 for the other).
  bool pass_through16 = true;
  bool pass_through12 = true;
  /// INQUIRY byte 0 bits 4:0 (00h a disk, 05h an optical drive).
  std::uint8_t device_type = 0x00;
  /// What VPD page 80h gives, when not the drive's serial (many USB
  /// bridges give their own).
  std::string vpd_serial;
  int reset_result = 0;               // SG_SCSI_RESET
  FakeControlPage control;
  std::set<std::uint64_t> unc;           // the drive's UNC at that LBA
  std::set<std::uint64_t> abrt;          // QEMU's ABRT (reports the command's start LBA)
  std::set<std::uint64_t> ahci_timeout;  // libata's report of a command it timed out
  std::set<std::uint64_t> hang;          // never completes
  /// Hidden capacity (ACS-3 HPA / DCO, ACS-4 AMA): the last LBA without the
  /// HPA (nullopt: READ NATIVE MAX ADDRESS EXT is aborted), with the AMA
  /// feature set instead of HPA, the DCO's maximum (nullopt: no DCO).
  std::optional<std::uint64_t> native_max;
  bool ama = false;
  std::optional<std::uint64_t> dco_max;
  std::uint64_t reads = 0;
  std::uint64_t identifies = 0;
  std::vector<std::uint8_t> last_read_command;

  ScsiReply execute(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> data_out,
                    std::uint32_t transfer_bytes) override {
    using namespace commands;
    switch (cdb[0]) {
      case 0x00: return {};  // TEST UNIT READY: libata answers it itself
      case 0x12: return inquiry(cdb);
      case 0x25: return read_capacity(8);
      case 0x9e: return read_capacity(32);
      case 0x28: return scsi_read(sg_get_unaligned_be32(cdb.data() + 2), static_cast<std::uint32_t>(sg_get_unaligned_be16(cdb.data() + 7)));
      case 0x88: return scsi_read(sg_get_unaligned_be64(cdb.data() + 2), static_cast<std::uint32_t>(sg_get_unaligned_be32(cdb.data() + 10)));
      case 0x5a: return control.mode_sense(cdb);
      case 0x55: return control.mode_select(data_out);
      case kAtaPassThrough16:
        if (pass_through16) break;
        return ScsiReply::check_condition(fixed_sense(0x05, 0x20, 0x00));
      case kAtaPassThrough12:
        if (pass_through12) return ata(pass_through12_taskfile(cdb, data_out, transfer_bytes), cdb);
        return ScsiReply::check_condition(fixed_sense(0x05, 0x20, 0x00));
      default: return ScsiReply::check_condition(fixed_sense(0x05, 0x20, 0x00));
    }
    ScsiCdb c;
    std::copy(cdb.begin(), cdb.end(), c.bytes.begin());
    c.length = static_cast<std::uint8_t>(cdb.size());
    const bool in = (cdb[2] & 0x08) != 0 && (cdb[2] & 0x03) != 0;
    const bool outdir = (cdb[2] & 0x08) == 0 && (cdb[2] & 0x03) != 0;
    c.direction = in ? DataDirection::kFromDevice : outdir ? DataDirection::kToDevice : DataDirection::kNone;
    c.transfer_bytes = in ? transfer_bytes : static_cast<std::uint32_t>(data_out.size());
    c.data_out.assign(data_out.begin(), data_out.end());
    return ata(taskfile_from_pass_through16(c), cdb);
  }

  /// The registers of an ATA PASS-THROUGH(12) CDB read as a SAT layer does
  /// (SAT-5; libata's ata_scsi_pass_thru): 1 PROTOCOL(4:1), 2 T_DIR(3) and
  /// T_LENGTH(1:0), 3 FEATURE, 4 COUNT, 5-7 LBA(23:0), 8 DEVICE, 9 COMMAND.
  /// Written here from the standard, not with the decoder under test.
  static std::optional<commands::AtaTaskfile> pass_through12_taskfile(std::span<const std::uint8_t> cdb,
                                                                      std::span<const std::uint8_t> data_out,
                                                                      std::uint32_t transfer_bytes) {
    using namespace commands;
    if (cdb.size() != 12) return std::nullopt;
    AtaTaskfile tf;
    tf.protocol = static_cast<AtaProtocol>((cdb[1] >> 1) & 0x0f);
    tf.feature = cdb[3];
    tf.count = cdb[4];
    tf.lba = std::uint64_t{cdb[5]} | std::uint64_t{cdb[6]} << 8 | std::uint64_t{cdb[7]} << 16 |
             std::uint64_t{cdb[8] & 0x0fu} << 24;
    tf.device = cdb[8];
    tf.command = cdb[9];
    const bool data = (cdb[2] & 0x03) != 0;
    tf.direction = !data ? DataDirection::kNone
                   : (cdb[2] & 0x08) ? DataDirection::kFromDevice
                                     : DataDirection::kToDevice;
    tf.transfer_bytes = tf.direction == DataDirection::kFromDevice ? transfer_bytes
                                                                   : static_cast<std::uint32_t>(data_out.size());
    tf.data_out.assign(data_out.begin(), data_out.end());
    return tf;
  }

  /// The ATA side: one command in either form.
  ScsiReply ata(const std::optional<commands::AtaTaskfile>& tf, std::span<const std::uint8_t> cdb) {
    using namespace commands;
    if (!tf) return ScsiReply::check_condition(fixed_sense(0x05, 0x24, 0x00));  // INVALID FIELD IN CDB
    const bool ck_cond = (cdb[2] & 0x20) != 0;
    if (tf->protocol == AtaProtocol::kSoftReset || tf->protocol == AtaProtocol::kHardReset) {
      if (!soft_reset_supported) return ScsiReply::check_condition(fixed_sense(0x05, 0x24, 0x00));
      return {};
    }
    switch (tf->command) {
      case ata_opcode::kIdentifyDevice: {
        ++identifies;
        ScsiReply r;
        if (ck_cond && pio_ck_cond_aborted) return ScsiReply::check_condition(fixed_sense(0x0b, 0x00, 0x00));
        if (ck_cond && ck_cond_registers) {
          // CK_COND: RECOVERED ERROR, 00/1Dh, the registers of the completed command.
          commands::AtaRegisters ok;
          ok.status = ck_cond_status;
          ok.device = 0x40;
          r = ScsiReply::check_condition(ata_sense(control.d_sense, 0x01, 0x00, 0x1d, ok));
        }
        r.data = identify_page();
        return r;
      }
      case ata_opcode::kReadDmaExt:
      case ata_opcode::kReadSectorsExt:
      case ata_opcode::kReadDma:
      case ata_opcode::kReadSectors:
        return read(*tf, std::vector<std::uint8_t>(cdb.begin(), cdb.end()));
      case ata_opcode::kSmart:
        if (tf->feature == smart_feature::kWriteLog && (tf->lba & 0xff) == kSctCommandStatusLog)
          return sct(*tf, ck_cond);
        if (tf->feature == smart_feature::kReturnStatus && ck_cond && pio_ck_cond_aborted && ck_cond_registers) {
          commands::AtaRegisters ok;  // SMART RETURN STATUS: threshold not exceeded (C24Fh)
          ok.status = ck_cond_status;
          ok.device = 0x40;
          ok.lba = kSmartLbaSignature;
          return ScsiReply::check_condition(ata_sense(control.d_sense, 0x01, 0x00, 0x1d, ok));
        }
        break;
      case 0x27:  // READ NATIVE MAX ADDRESS EXT
        if (native_max && !ama) return max_address_reply(*native_max, ck_cond);
        break;
      case 0x78:  // ACCESSIBLE MAX ADDRESS CONFIGURATION / GET NATIVE MAX ADDRESS EXT
        if (native_max && ama && tf->feature == 0) return max_address_reply(*native_max, ck_cond);
        break;
      case 0xb1:  // DEVICE CONFIGURATION OVERLAY / IDENTIFY
        if (dco_max && tf->feature == 0xc2) {
          ScsiReply r;
          r.data = dco_page();
          return r;
        }
        break;
      default:
        break;
    }
    return abort_reply(0);
  }

  int reset(int) override { return reset_result; }

  std::vector<std::uint8_t> identify_page() const {
    std::vector<std::uint8_t> p(512, 0);
    auto word = [&](int w, std::uint16_t v) { sg_put_unaligned_le16(v, p.data() + 2 * w); };
    auto str = [&](int w, int words, const std::string& s) {
      std::string padded = s;
      padded.resize(2 * words, ' ');
      for (int i = 0; i < words; ++i) {
        p[2 * (w + i)] = static_cast<std::uint8_t>(padded[2 * i + 1]);
        p[2 * (w + i) + 1] = static_cast<std::uint8_t>(padded[2 * i]);
      }
    };
    word(0, 0x0040);
    str(10, 10, serial);
    str(23, 4, firmware);
    str(27, 20, model);
    word(49, 0x0300);  // LBA, DMA
    const std::uint64_t c28 = std::min<std::uint64_t>(capacity, 0x0fffffff);
    word(60, static_cast<std::uint16_t>(c28));
    word(61, static_cast<std::uint16_t>(c28 >> 16));
    word(82, static_cast<std::uint16_t>(0x0001 | (native_max && !ama ? 0x0400 : 0)));  // SMART, bit 10 HPA
    word(83, static_cast<std::uint16_t>((lba48 ? 0x4400 : 0x4000) | (dco_max ? 0x0800 : 0)));  // bit 10 LBA48, 11 DCO
    word(119, static_cast<std::uint16_t>(0x4000 | (ama ? 0x0100 : 0)));  // bit 8 AMA
    word(85, 0x0001);
    for (int i = 0; i < 4; ++i) word(100 + i, static_cast<std::uint16_t>(capacity >> (16 * i)));
    if (sector_size != 512) {
      word(106, 0x5000);  // bit 12: logical sector > 256 words
      word(117, static_cast<std::uint16_t>(sector_size / 2));
      word(118, static_cast<std::uint16_t>((sector_size / 2) >> 16));
    }
    word(206, erc_supported ? 0x0009 : 0x0001);  // SCT, SCT ERC
    word(217, 7200);
    if (bad_checksum) word(255, 0x00a5);  // signature without the checksum that goes with it
    return p;
  }

  /// DEVICE CONFIGURATION IDENTIFY data (ACS-3 "Device Configuration
  /// Identify data structure"): revision 0002h, max LBA in words 3-6, the
  /// integrity word A5h + checksum.
  std::vector<std::uint8_t> dco_page() const {
    std::vector<std::uint8_t> p(512, 0);
    sg_put_unaligned_le16(0x0002, p.data());
    sg_put_unaligned_le64(*dco_max, p.data() + 6);
    p[510] = 0xa5;
    unsigned sum = 0;
    for (int i = 0; i < 511; ++i) sum += p[i];
    p[511] = static_cast<std::uint8_t>(0x100 - (sum & 0xff));
    return p;
  }

  /// A max-address query's normal outputs: the LBA in the registers.
  ScsiReply max_address_reply(std::uint64_t lba, bool ck_cond) const {
    if (!ck_cond) return {};
    commands::AtaRegisters r;
    r.status = 0x50;
    r.device = 0x40;
    r.lba = lba;
    r.extend = true;
    return ScsiReply::check_condition(ata_sense(control.d_sense, 0x01, 0x00, 0x1d, r));
  }

  /// Registers of a failed command at `lba`.
  commands::AtaRegisters regs(std::uint8_t status, std::uint8_t error, std::uint64_t lba) const {
    commands::AtaRegisters r;
    r.status = status;
    r.error = error;
    r.device = 0x40;
    r.count = 1;
    r.lba = lba;
    r.extend = lba48;
    return r;
  }
  ScsiReply abort_reply(std::uint64_t lba) const {
    // libata: ABRT -> ABORTED COMMAND, 00/00.
    return ScsiReply::check_condition(ata_sense(control.d_sense, 0x0b, 0, 0, regs(0x41, 0x04, lba)));
  }

 private:
  // libata's SCSI translation (drivers/ata/libata-scsi.c), the parts a
  // SCSI back end uses: INQUIRY with vendor "ATA", the serial and ATA
  // Information VPD pages, READ CAPACITY, READ(10)/(16).
  ScsiReply inquiry(std::span<const std::uint8_t> cdb) const {
    ScsiReply r;
    if (cdb[1] & 1) {
      if (cdb[2] == 0x80) {
        const std::string& s = vpd_serial.empty() ? serial : vpd_serial;
        r.data.assign(4 + s.size(), 0);
        r.data[0] = device_type;
        r.data[1] = 0x80;
        r.data[3] = static_cast<std::uint8_t>(s.size());
        std::copy(s.begin(), s.end(), r.data.begin() + 4);
      } else if (cdb[2] == 0x89) {
        r.data.assign(572, 0);
        r.data[1] = 0x89;
        sg_put_unaligned_be16(572 - 4, r.data.data() + 2);
        const std::string sat = "linux   libata          ";
        std::copy(sat.begin(), sat.end(), r.data.begin() + 8);
        r.data[56] = 0xec;
        const auto id = identify_page();
        std::copy(id.begin(), id.end(), r.data.begin() + 60);
      } else {
        return ScsiReply::check_condition(fixed_sense(0x05, 0x24, 0x00));
      }
      return r;
    }
    r.data.assign(96, ' ');
    r.data[0] = device_type;
    r.data[1] = 0;
    r.data[2] = 0x05;
    r.data[3] = 0x02;
    r.data[4] = 91;
    r.data[5] = r.data[6] = r.data[7] = 0;
    std::string id = "ATA     " + model.substr(0, 16);
    id.resize(32, ' ');
    id += firmware.substr(0, 4);
    std::copy(id.begin(), id.end(), r.data.begin() + 8);
    return r;
  }
  ScsiReply read_capacity(std::size_t bytes) const {
    ScsiReply r;
    r.data.assign(bytes, 0);
    if (bytes == 8) {
      sg_put_unaligned_be32(std::min<std::uint64_t>(capacity - 1, 0xffffffffu), r.data.data());
      sg_put_unaligned_be32(sector_size, r.data.data() + 4);
    } else {
      sg_put_unaligned_be64(capacity - 1, r.data.data());
      sg_put_unaligned_be32(sector_size, r.data.data() + 8);
    }
    return r;
  }
  ScsiReply scsi_read(std::uint64_t lba, std::uint32_t count) {
    ++reads;
    for (std::uint64_t l = lba; l < lba + count; ++l)
      if (unc.count(l)) return ScsiReply::check_condition(fixed_sense(0x03, 0x11, 0x04, static_cast<std::uint32_t>(l)));
    ScsiReply r;
    fill_sectors(lba, count, sector_size, r.data);
    return r;
  }

  ScsiReply read(const commands::AtaTaskfile& tf, std::vector<std::uint8_t> cdb) {
    ++reads;
    last_read_command = std::move(cdb);
    const std::uint32_t count = tf.count != 0 ? tf.count : (tf.ext ? 65536u : 256u);
    for (std::uint64_t l = tf.lba; l < tf.lba + count; ++l) {
      if (hang.count(l)) {
        ScsiReply r;
        r.hang = true;
        return r;
      }
      if (ahci_timeout.count(l)) return libata_timeout_reply();
      if (abrt.count(l)) return abort_reply(tf.lba);
      if (unc.count(l)) {
        // ERR + UNC: libata reports MEDIUM ERROR 11/04 with the registers.
        return ScsiReply::check_condition(ata_sense(control.d_sense, 0x03, 0x11, 0x04, regs(0x51, 0x40, l)));
      }
    }
    ScsiReply r;
    fill_sectors(tf.lba, count, sector_size, r.data);
    return r;
  }

  ScsiReply sct(const commands::AtaTaskfile& tf, bool ck_cond) {
    if (!erc_supported || tf.data_out.size() < 512) return abort_reply(0);
    const auto word = [&](int w) { return static_cast<std::uint16_t>(sg_get_unaligned_le16(tf.data_out.data() + 2 * w)); };
    if (word(0) != commands::sct::kActionErrorRecoveryControl) return abort_reply(0);
    if (word(2) != commands::sct::kSelectionReadTimer) return abort_reply(0);
    commands::AtaRegisters r;
    r.status = 0x50;
    r.device = 0x40;
    if (word(1) == commands::sct::kFunctionSetCurrent) {
      if (erc_set_without_registers) return {};
      r.status = erc_set_status;
      if (erc_set_status == 0x50) erc_timer = word(3);
      r.count = 1;
      r.lba = 0xc24fe0;
    } else if (word(1) == commands::sct::kFunctionReturnCurrent) {
      r.count = erc_timer & 0xff;
      r.lba = 0xc24f00 | (erc_timer >> 8);
    } else {
      return abort_reply(0);
    }
    if (!ck_cond) return {};
    // CK_COND: RECOVERED ERROR, 00/1Dh "ATA pass through information available".
    return ScsiReply::check_condition(ata_sense(control.d_sense, 0x01, 0x00, 0x1d, r));
  }
};

/// A SCSI disk (virtio-scsi / SAS style): no SAT, MEDIUM ERROR with
/// INFORMATION, ABORTED COMMAND without an LBA.
class FakeScsiDisk final : public ScsiTarget {
 public:
  FakeScsiDisk(std::uint64_t sectors, std::string serial = "SCSI-FAKE-1")
      : capacity(sectors), serial(std::move(serial)) {}

  std::uint64_t capacity;
  std::string serial;
  std::uint32_t sector_size = 512;
  bool read_capacity16 = true;   // else ILLEGAL REQUEST, use (10)
  bool read16_supported = true;
  bool unit_attention_after_reset = true;
  int reset_result = 0;
  FakeControlPage control;
  std::set<std::uint64_t> medium_error;  // MEDIUM ERROR 11/00, INFORMATION = LBA
  std::set<std::uint64_t> aborted;       // ABORTED COMMAND 00/06, no LBA (virtio-scsi)
  std::set<std::uint64_t> hang;
  std::uint64_t reads = 0;

  int reset(int) override {
    if (reset_result == 0 && unit_attention_after_reset) pending_ua_ = true;
    return reset_result;
  }

  ScsiReply execute(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> data_out,
                    std::uint32_t) override {
    if (pending_ua_ && cdb[0] != 0x12) {
      pending_ua_ = false;
      return ScsiReply::check_condition(fixed_sense(0x06, 0x29, 0x00));  // POWER ON, RESET
    }
    switch (cdb[0]) {
      case 0x00: return {};
      case 0x12: return inquiry(cdb);
      case 0x25: {
        ScsiReply r;
        r.data.assign(8, 0);
        sg_put_unaligned_be32(capacity - 1 > 0xffffffffu ? 0xffffffffu : capacity - 1, r.data.data());
        sg_put_unaligned_be32(sector_size, r.data.data() + 4);
        return r;
      }
      case 0x9e:
        if (!read_capacity16 || (cdb[1] & 0x1f) != 0x10)
          return ScsiReply::check_condition(fixed_sense(0x05, 0x20, 0x00));
        {
          ScsiReply r;
          r.data.assign(32, 0);
          sg_put_unaligned_be64(capacity - 1, r.data.data());
          sg_put_unaligned_be32(sector_size, r.data.data() + 8);
          return r;
        }
      case 0x28: return read(sg_get_unaligned_be32(cdb.data() + 2), static_cast<std::uint32_t>(sg_get_unaligned_be16(cdb.data() + 7)));
      case 0x88:
        if (!read16_supported) return ScsiReply::check_condition(fixed_sense(0x05, 0x20, 0x00));
        return read(sg_get_unaligned_be64(cdb.data() + 2), static_cast<std::uint32_t>(sg_get_unaligned_be32(cdb.data() + 10)));
      case 0x5a: return control.mode_sense(cdb);
      case 0x55: return control.mode_select(data_out);
      default:  // ATA PASS-THROUGH included: INVALID COMMAND OPERATION CODE
        return ScsiReply::check_condition(fixed_sense(0x05, 0x20, 0x00));
    }
  }

 private:
  ScsiReply inquiry(std::span<const std::uint8_t> cdb) const {
    ScsiReply r;
    if (cdb[1] & 1) {
      if (cdb[2] != 0x80) return ScsiReply::check_condition(fixed_sense(0x05, 0x24, 0x00));
      r.data = {0x00, 0x80, 0x00, static_cast<std::uint8_t>(serial.size())};
      r.data.insert(r.data.end(), serial.begin(), serial.end());
      return r;
    }
    r.data.assign(96, ' ');
    r.data[0] = 0x00;
    r.data[1] = 0x00;
    r.data[2] = 0x05;
    r.data[3] = 0x02;
    r.data[4] = 91;
    r.data[5] = r.data[6] = r.data[7] = 0;
    const std::string id = "QEMU    QEMU HARDDISK   2.5+";
    std::copy(id.begin(), id.end(), r.data.begin() + 8);
    return r;
  }
  ScsiReply read(std::uint64_t lba, std::uint32_t count) {
    ++reads;
    for (std::uint64_t l = lba; l < lba + count; ++l) {
      if (hang.count(l)) {
        ScsiReply r;
        r.hang = true;
        return r;
      }
      if (aborted.count(l)) return ScsiReply::check_condition(fixed_sense(0x0b, 0x00, 0x06));
      if (medium_error.count(l))
        return ScsiReply::check_condition(control.d_sense ? descriptor_sense(0x03, 0x11, 0x00, l)
                                                          : fixed_sense(0x03, 0x11, 0x00, static_cast<std::uint32_t>(l)));
    }
    ScsiReply r;
    fill_sectors(lba, count, sector_size, r.data);
    return r;
  }

  bool pending_ua_ = false;
};

}  // namespace ptrescue::test
