// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/allow_list.h"

#include <algorithm>

#include <fmt/format.h>

#include <scsi/sg_unaligned.h>

#include "commands/ata.h"
#include "commands/ata_max_address.h"
#include "commands/nvme.h"
#include "commands/sat.h"
#include "commands/scsi.h"

namespace ptrescue::commands {

namespace {

using Verdict = std::optional<std::string>;
const Verdict kAllowed = std::nullopt;

std::uint32_t sectors_in(const AtaTaskfile& tf) {
  if (tf.count != 0) return tf.count;
  return tf.ext ? kMaxSectorsExt : kMaxSectors28;
}

Verdict ata_data_in(const AtaTaskfile& tf, AtaProtocol protocol) {
  if (tf.protocol != protocol)
    return fmt::format("ATA command {:02X}h with SAT protocol {}", tf.command,
                       static_cast<int>(tf.protocol));
  if (tf.direction != DataDirection::kFromDevice || !tf.data_out.empty())
    return fmt::format("ATA command {:02X}h is a read but is not data-in", tf.command);
  if (tf.block_bytes < 512 || std::uint64_t{sectors_in(tf)} * tf.block_bytes != tf.transfer_bytes)
    return fmt::format("ATA command {:02X}h: {} bytes do not match COUNT {}", tf.command,
                       tf.transfer_bytes, tf.count);
  return kAllowed;
}

Verdict ata_non_data(const AtaTaskfile& tf) {
  if (tf.protocol != AtaProtocol::kNonData || tf.direction != DataDirection::kNone ||
      tf.transfer_bytes != 0 || !tf.data_out.empty())
    return fmt::format("ATA command {:02X}h must be non-data", tf.command);
  return kAllowed;
}

// The one ATA write ptrescue may send: SMART WRITE LOG of one SCT key page
// to log E0h asking for Error Recovery Control of the read timer, set or
// return current (volatile). Every other SCT action (Write Same, Read/Write
// Long, power-on ERC values, features control) is refused by content.
Verdict sct_erc(const AtaTaskfile& tf) {
  if ((tf.lba & 0xff) != kSctCommandStatusLog)
    return fmt::format("SMART WRITE LOG to log {:02X}h (only the SCT log E0h is allowed)",
                       tf.lba & 0xff);
  if (tf.count != 1 || tf.protocol != AtaProtocol::kPioDataOut ||
      tf.direction != DataDirection::kToDevice || tf.block_bytes != 512 ||
      tf.transfer_bytes != sct::kKeyPageBytes || tf.data_out.size() != sct::kKeyPageBytes)
    return std::string("SMART WRITE LOG must carry exactly one 512-byte SCT key page, PIO data-out");
  const auto page = std::span<const std::uint8_t>(tf.data_out);
  const auto action = sg_get_unaligned_le16(page.data());
  const auto function = sg_get_unaligned_le16(page.data() + 2);
  const auto selection = sg_get_unaligned_le16(page.data() + 4);
  const auto value = sg_get_unaligned_le16(page.data() + 6);
  if (action != sct::kActionErrorRecoveryControl)
    return fmt::format("SCT action code {:04X}h (only Error Recovery Control 0003h)", action);
  if (function != sct::kFunctionSetCurrent && function != sct::kFunctionReturnCurrent)
    return fmt::format("SCT ERC function code {:04X}h (only volatile set 0001h / get 0002h)",
                       function);
  if (selection != sct::kSelectionReadTimer)
    return fmt::format("SCT ERC selection code {:04X}h (only the read timer 0001h)", selection);
  if (function == sct::kFunctionReturnCurrent && value != 0)
    return std::string("SCT ERC return-current with a non-zero value");
  if (!std::all_of(page.begin() + 8, page.end(), [](std::uint8_t b) { return b == 0; }))
    return std::string("SCT key page with non-zero reserved bytes");
  return kAllowed;
}

Verdict smart(const AtaTaskfile& tf) {
  if (tf.ext || (tf.lba & ~std::uint64_t{0xff}) != kSmartLbaSignature)
    return std::string("SMART command without the C24Fh signature");
  switch (tf.feature) {
    case smart_feature::kReadData:
    case smart_feature::kReadThresholds:
      if (tf.count != 1) return std::string("SMART READ DATA/THRESHOLDS is one page");
      return ata_data_in(tf, AtaProtocol::kPioDataIn);
    case smart_feature::kReadLog:
      if (tf.count == 0) return std::string("SMART READ LOG of 0 pages");
      return ata_data_in(tf, AtaProtocol::kPioDataIn);
    case smart_feature::kReturnStatus:
      return ata_non_data(tf);
    case smart_feature::kWriteLog:
      return sct_erc(tf);
    default:
      return fmt::format("SMART subcommand {:02X}h is not on the allow-list", tf.feature);
  }
}

// Data-in SCSI command: never data-out.
Verdict scsi_data_in(const ScsiCdb& cdb, std::uint8_t length) {
  if (cdb.length != length)
    return fmt::format("SCSI opcode {:02X}h with a {}-byte CDB", cdb.opcode(), cdb.length);
  if (!cdb.data_out.empty() || cdb.direction == DataDirection::kToDevice ||
      (cdb.direction == DataDirection::kNone && cdb.transfer_bytes != 0))
    return fmt::format("SCSI opcode {:02X}h must be data-in", cdb.opcode());
  return kAllowed;
}

// MODE SELECT(10), opt-in: one Control mode page, not saved. The drive's
// other Control page fields are copied back by the builder; this check
// cannot see the drive's values, but no field of this page can alter the
// medium, and libata refuses any change other than D_SENSE.
Verdict mode_select_d_sense(const ScsiCdb& cdb) {
  constexpr std::size_t kList = kModeHeader10Bytes + kControlModePageBytes;
  const auto& b = cdb.bytes;
  if (cdb.length != 10) return std::string("MODE SELECT(10) with a wrong CDB length");
  if (b[1] != 0x10) return std::string("MODE SELECT(10) must have PF = 1 and SP = 0 (not saved)");
  if (sg_get_unaligned_be16(b.data() + 7) != kList || cdb.transfer_bytes != kList || cdb.data_out.size() != kList ||
      cdb.direction != DataDirection::kToDevice)
    return std::string("MODE SELECT(10) parameter list must be exactly the Control mode page");
  const auto list = std::span<const std::uint8_t>(cdb.data_out);
  if (!std::all_of(list.begin(), list.begin() + kModeHeader10Bytes,
                   [](std::uint8_t x) { return x == 0; }))
    return std::string("MODE SELECT(10) header must be empty (no block descriptors)");
  if (list[kModeHeader10Bytes] != kControlModePage ||
      list[kModeHeader10Bytes + 1] != kControlModePageBytes - 2)
    return std::string("MODE SELECT(10) of a page other than the Control mode page");
  return kAllowed;
}

// The read-only max-address queries (ata_max_address.h), each in exactly
// the form its builder makes: the neighbouring features of the same opcode
// (SET/FREEZE ACCESSIBLE MAX ADDRESS, DCO SET/RESTORE/FREEZE LOCK) change
// the drive's capacity for good, so nothing but these inputs passes.
Verdict max_address_query(const AtaTaskfile& tf) {
  if (tf.command == ata_opcode::kDeviceConfigurationOverlay) {
    if (tf.feature != kDcoIdentify)
      return fmt::format("DEVICE CONFIGURATION OVERLAY feature {:02X}h (only DCO IDENTIFY C2h)", tf.feature);
    if (tf.ext || tf.count != 1 || tf.lba != 0) return std::string("DCO IDENTIFY with unexpected inputs");
    return ata_data_in(tf, AtaProtocol::kPioDataIn);
  }
  if (tf.command == ata_opcode::kAccessibleMaxAddressConfig && tf.feature != kGetNativeMaxAddressExt)
    return fmt::format("ACCESSIBLE MAX ADDRESS CONFIGURATION feature {:04X}h (only GET NATIVE MAX ADDRESS EXT 0000h)",
                       tf.feature);
  if (tf.command == ata_opcode::kReadNativeMaxAddressExt && tf.feature != 0)
    return std::string("READ NATIVE MAX ADDRESS EXT with a FEATURE value");
  if (!tf.ext || tf.count != 0 || tf.lba != 0)
    return fmt::format("ATA command {:02X}h: a max-address query is 48-bit with zero inputs", tf.command);
  return ata_non_data(tf);
}

}  // namespace

std::optional<std::string> why_refused(const AtaTaskfile& tf) {
  if (tf.protocol == AtaProtocol::kHardReset || tf.protocol == AtaProtocol::kSoftReset) {
    if (tf.command != 0 || tf.feature != 0 || tf.count != 0 || tf.lba != 0 || tf.ext ||
        tf.direction != DataDirection::kNone || tf.transfer_bytes != 0 || !tf.data_out.empty())
      return std::string("an ATA reset carries no command or data");
    return kAllowed;
  }
  if (tf.ext ? tf.lba >= (1ull << 48) : (tf.lba >= (1ull << 28) || tf.feature > 0xff || tf.count > 0xff))
    return fmt::format("ATA command {:02X}h with fields that do not fit its register size", tf.command);

  auto read = [&](bool ext, AtaProtocol protocol) -> Verdict {
    if (tf.ext != ext) return fmt::format("ATA command {:02X}h with the wrong EXTEND", tf.command);
    if (tf.feature != 0) return fmt::format("ATA read {:02X}h with a FEATURE value", tf.command);
    return ata_data_in(tf, protocol);
  };
  switch (tf.command) {
    case ata_opcode::kReadSectors: return read(false, AtaProtocol::kPioDataIn);
    case ata_opcode::kReadSectorsExt: return read(true, AtaProtocol::kPioDataIn);
    case ata_opcode::kReadDmaExt: return read(true, AtaProtocol::kDma);
    case ata_opcode::kReadDma: return read(false, AtaProtocol::kDma);
    case ata_opcode::kIdentifyDevice:
      if (tf.count != 1) return std::string("IDENTIFY DEVICE is one page");
      return read(false, AtaProtocol::kPioDataIn);
    case ata_opcode::kReadLogExt:
    case ata_opcode::kReadLogDmaExt:
      // FEATURE is log specific for these; any value reads.
      if (!tf.ext) return std::string("READ LOG (DMA) EXT must be a 48-bit command");
      return ata_data_in(tf, tf.command == ata_opcode::kReadLogExt ? AtaProtocol::kPioDataIn
                                                                   : AtaProtocol::kDma);
    case ata_opcode::kSmart: return smart(tf);
    case ata_opcode::kReadNativeMaxAddressExt:
    case ata_opcode::kAccessibleMaxAddressConfig:
    case ata_opcode::kDeviceConfigurationOverlay:
      return max_address_query(tf);
    default:
      return fmt::format("ATA command {:02X}h is not on the allow-list", tf.command);
  }
}

std::optional<std::string> why_refused(const ScsiCdb& cdb) {
  if (cdb.length == 0 || cdb.length > cdb.bytes.size()) return std::string("empty or oversized CDB");
  if (cdb.opcode() != scsi_opcode::kModeSelect10 && cdb.opcode() != kAtaPassThrough16 &&
      !cdb.data_out.empty())
    return fmt::format("SCSI opcode {:02X}h with a data-out payload", cdb.opcode());
  const auto& b = cdb.bytes;
  switch (cdb.opcode()) {
    case scsi_opcode::kTestUnitReady:
      if (cdb.length != 6 || cdb.direction != DataDirection::kNone || cdb.transfer_bytes != 0)
        return std::string("TEST UNIT READY is a 6-byte non-data command");
      return kAllowed;
    case scsi_opcode::kRequestSense:
    case scsi_opcode::kInquiry:
      return scsi_data_in(cdb, 6);
    case scsi_opcode::kReadCapacity10:
    case scsi_opcode::kRead10:
    case scsi_opcode::kModeSense10:
      return scsi_data_in(cdb, 10);
    case scsi_opcode::kLogSense:
      if (b[1] & 0x01) return std::string("LOG SENSE with SP = 1 (saves log parameters)");
      return scsi_data_in(cdb, 10);
    case scsi_opcode::kRead16:
      return scsi_data_in(cdb, 16);
    case scsi_opcode::kServiceActionIn16:
      if ((b[1] & 0x1f) != scsi_opcode::kReadCapacity16ServiceAction)
        return fmt::format("SERVICE ACTION IN(16) service action {:02X}h", b[1] & 0x1f);
      return scsi_data_in(cdb, 16);
    case scsi_opcode::kModeSelect10:
      return mode_select_d_sense(cdb);
    case kAtaPassThrough16: {
      const auto tf = taskfile_from_pass_through16(cdb);
      if (!tf) return std::string("ATA PASS-THROUGH(16) in a form ptrescue never builds");
      if (auto reason = why_refused(*tf)) return "ATA PASS-THROUGH(16): " + *reason;
      return kAllowed;
    }
    case kAtaPassThrough12: {
      // The 28-bit form, for bridges without the 16-byte one: the same ATA
      // commands, minus every data-out one (the SCT ERC setting is not
      // offered through it) and the resets.
      const auto tf = taskfile_from_pass_through12(cdb);
      if (!tf) return std::string("ATA PASS-THROUGH(12) in a form ptrescue never builds");
      if (auto reason = why_refused(*tf)) return "ATA PASS-THROUGH(12): " + *reason;
      return kAllowed;
    }
    default:
      return fmt::format("SCSI opcode {:02X}h is not on the allow-list", cdb.opcode());
  }
}

std::optional<std::string> why_refused(const NvmeCommand& cmd) {
  auto data_in = [&]() -> Verdict {
    if (cmd.direction != DataDirection::kFromDevice || cmd.transfer_bytes == 0)
      return fmt::format("NVMe opcode {:02X}h must be data-in", cmd.opcode);
    return kAllowed;
  };
  if (cmd.admin) {
    switch (cmd.opcode) {
      case nvme_admin_identify:
        if (cmd.transfer_bytes != kNvmeIdentifyBytes) return std::string("Identify returns 4096 bytes");
        return data_in();
      case nvme_admin_get_log_page: {
        // LSP (CDW10 bits 14:8) asks some logs to act (e.g. create telemetry
        // data, establish a persistent event log context): only plain reads.
        if ((cmd.cdw10 >> 8) & 0x7f) return std::string("Get Log Page with a log specific field");
        const std::uint64_t numd = ((cmd.cdw10 >> 16) | (std::uint64_t{cmd.cdw11 & 0xffff} << 16)) + 1;
        if (numd * 4 != cmd.transfer_bytes) return std::string("Get Log Page length mismatch");
        return data_in();
      }
      default:
        return fmt::format("NVMe admin opcode {:02X}h is not on the allow-list", cmd.opcode);
    }
  }
  if (cmd.opcode == nvme_cmd_read) {
    if (cmd.nsid == 0 || cmd.nsid == NVME_NSID_ALL) return std::string("NVMe Read without a namespace");
    return data_in();
  }
  return fmt::format("NVMe I/O opcode {:02X}h is not on the allow-list", cmd.opcode);
}

std::optional<std::string> why_refused(const Command& cmd) {
  return std::visit([](const auto& c) { return why_refused(c); }, cmd);
}

}  // namespace ptrescue::commands
