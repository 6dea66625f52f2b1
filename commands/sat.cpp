// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/sat.h"

#include <scsi/sg_lib.h>

#include <fmt/format.h>

#include "commands/allow_list.h"
#include "commands/sense.h"

namespace ptrescue::commands {

namespace {

// Byte 2 of ATA PASS-THROUGH (SAT-5): the transfer description.
constexpr std::uint8_t kCkCond = 0x20;
constexpr std::uint8_t kTType = 0x10;      // 1: blocks are the logical sector size
constexpr std::uint8_t kTDirIn = 0x08;     // 1: from the device
constexpr std::uint8_t kByteBlock = 0x04;  // 1: length in blocks
constexpr std::uint8_t kTLengthInCount = 0x02;
constexpr std::uint8_t kTLengthMask = 0x03;

// ATA Status Return sense data descriptor (SAT-5): type 09h, 0Ch more bytes.
constexpr int kAtaStatusReturnDescriptor = 0x09;
constexpr std::size_t kAtaStatusReturnBytes = 14;

bool is_known_protocol(std::uint8_t p) {
  switch (static_cast<AtaProtocol>(p)) {
    case AtaProtocol::kHardReset:
    case AtaProtocol::kSoftReset:
    case AtaProtocol::kNonData:
    case AtaProtocol::kPioDataIn:
    case AtaProtocol::kPioDataOut:
    case AtaProtocol::kDma:
      return true;
  }
  return false;
}

bool is_reset(AtaProtocol p) { return p == AtaProtocol::kHardReset || p == AtaProtocol::kSoftReset; }

ScsiCdb reset16(AtaProtocol protocol) {
  ScsiCdb cdb;
  cdb.length = 16;
  cdb.bytes[0] = kAtaPassThrough16;
  cdb.bytes[1] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(protocol) << 1);
  return require_allowed(std::move(cdb));
}

std::string status_bits(std::uint8_t status) {
  std::string s;
  auto add = [&](std::uint8_t bit, const char* name) {
    if (status & bit) s += s.empty() ? name : std::string(" ") + name;
  };
  add(ata_status::kBsy, "BSY");
  add(ata_status::kDrdy, "DRDY");
  add(ata_status::kDf, "DF");
  add(ata_status::kDrq, "DRQ");
  add(ata_status::kErr, "ERR");
  return s;
}

std::string error_bits(std::uint8_t error) {
  std::string s;
  auto add = [&](std::uint8_t bit, const char* name) {
    if (error & bit) s += s.empty() ? name : std::string(" ") + name;
  };
  add(ata_error::kIcrc, "ICRC");
  add(ata_error::kUnc, "UNC");
  add(ata_error::kIdnf, "IDNF");
  add(ata_error::kAbrt, "ABRT");
  add(ata_error::kAmnf, "AMNF");
  return s;
}

// The LBA of a media error: exact when the registers carried all of it,
// completed from the command's range when only low bits came back.
void set_media_lba(DecodedError& out, const AtaRegisters& regs, std::uint64_t cmd_lba,
                   std::uint32_t cmd_count) {
  if (regs.lba_bits == 0) return;
  out.lba = infer_lba(regs.lba, regs.lba_bits, cmd_lba, cmd_count);
  if (!out.lba) {
    out.text += " (reported LBA not inside the command's range, ignored)";
    return;
  }
  out.lba_inferred = *out.lba != regs.lba;
  if (out.lba_inferred)
    out.text += fmt::format(" (only LBA bits {}:0 reported; LBA 0x{:x} is the one match in the "
                            "command's range)", regs.lba_bits - 1, *out.lba);
}

}  // namespace

const char* pass_through_name(AtaPassThroughForm form) {
  return form == AtaPassThroughForm::k12 ? "ATA PASS-THROUGH(12)" : "ATA PASS-THROUGH(16)";
}

std::uint8_t pass_through_transfer_flags(const AtaTaskfile& tf, bool check_condition) {
  std::uint8_t flags = check_condition ? kCkCond : 0;
  if (tf.direction != DataDirection::kNone) {
    flags |= kTLengthInCount | kByteBlock;
    if (tf.direction == DataDirection::kFromDevice) flags |= kTDirIn;
    if (tf.block_bytes != 512) flags |= kTType;
  }
  return flags;
}

bool transfer_from_pass_through_flags(std::uint8_t flags, const ScsiCdb& cdb, AtaTaskfile& tf) {
  if ((flags & 0xc0) != 0) return false;  // OFF_LINE
  const std::uint8_t t_length = flags & kTLengthMask;
  tf.direction = cdb.direction;
  tf.transfer_bytes = cdb.transfer_bytes;
  tf.data_out = cdb.data_out;
  if (t_length == 0)
    return (flags & (kTType | kTDirIn | kByteBlock)) == 0 && cdb.direction == DataDirection::kNone;
  // Data: only the "length in COUNT, in blocks" form is ever built.
  if (t_length != kTLengthInCount || (flags & kByteBlock) == 0) return false;
  const bool in = (flags & kTDirIn) != 0;
  if (cdb.direction != (in ? DataDirection::kFromDevice : DataDirection::kToDevice)) return false;
  const std::uint32_t blocks = tf.count != 0 ? tf.count : (tf.ext ? kMaxSectorsExt : kMaxSectors28);
  if ((flags & kTType) == 0) {
    tf.block_bytes = 512;
  } else {
    if (cdb.transfer_bytes % blocks != 0) return false;
    tf.block_bytes = cdb.transfer_bytes / blocks;
    if (tf.block_bytes <= 512) return false;
  }
  return std::uint64_t{blocks} * tf.block_bytes == cdb.transfer_bytes;
}

ScsiCdb ata_pass_through(const AtaTaskfile& tf, bool check_condition, AtaPassThroughForm form) {
  return form == AtaPassThroughForm::k12 ? ata_pass_through12(tf, check_condition)
                                         : ata_pass_through16(tf, check_condition);
}

ScsiCdb ata_pass_through16(const AtaTaskfile& tf, bool check_condition) {
  if (is_reset(tf.protocol)) throw CommandRefused("resets are built by ata_hard_reset16/ata_soft_reset16");
  if (tf.ext ? tf.lba >= (1ull << 48) : tf.lba >= (1ull << 28))
    throw CommandRefused(fmt::format("LBA 0x{:x} does not fit a {}-bit ATA command", tf.lba,
                                     tf.ext ? 48 : 28));
  if (!tf.ext && (tf.feature > 0xff || tf.count > 0xff))
    throw CommandRefused("FEATURE/COUNT above 8 bits in a 28-bit ATA command");
  if (tf.block_bytes == 0) throw CommandRefused("ATA taskfile with a zero block size");

  ScsiCdb cdb;
  auto& b = cdb.bytes;
  cdb.length = 16;
  b[0] = kAtaPassThrough16;
  b[1] = static_cast<std::uint8_t>((static_cast<std::uint8_t>(tf.protocol) << 1) | (tf.ext ? 1 : 0));
  b[2] = pass_through_transfer_flags(tf, check_condition);
  b[3] = tf.ext ? static_cast<std::uint8_t>(tf.feature >> 8) : 0;
  b[4] = static_cast<std::uint8_t>(tf.feature);
  b[5] = tf.ext ? static_cast<std::uint8_t>(tf.count >> 8) : 0;
  b[6] = static_cast<std::uint8_t>(tf.count);
  b[7] = tf.ext ? static_cast<std::uint8_t>(tf.lba >> 24) : 0;
  b[8] = static_cast<std::uint8_t>(tf.lba);
  b[9] = tf.ext ? static_cast<std::uint8_t>(tf.lba >> 32) : 0;
  b[10] = static_cast<std::uint8_t>(tf.lba >> 8);
  b[11] = tf.ext ? static_cast<std::uint8_t>(tf.lba >> 40) : 0;
  b[12] = static_cast<std::uint8_t>(tf.lba >> 16);
  // ACS-4: a 28-bit command carries LBA(27:24) in DEVICE(3:0).
  b[13] = tf.ext ? tf.device
                 : static_cast<std::uint8_t>((tf.device & 0xf0) | ((tf.lba >> 24) & 0x0f));
  b[14] = tf.command;
  b[15] = 0;
  cdb.direction = tf.direction;
  cdb.transfer_bytes = tf.transfer_bytes;
  cdb.data_out = tf.data_out;
  return require_allowed(std::move(cdb));
}

ScsiCdb ata_hard_reset16() { return reset16(AtaProtocol::kHardReset); }
ScsiCdb ata_soft_reset16() { return reset16(AtaProtocol::kSoftReset); }

std::optional<AtaTaskfile> taskfile_from_pass_through16(const ScsiCdb& cdb) {
  const auto& b = cdb.bytes;
  if (cdb.length != 16 || b[0] != kAtaPassThrough16) return std::nullopt;
  const std::uint8_t protocol = (b[1] >> 1) & 0x0f;
  if ((b[1] & 0xe0) != 0 || !is_known_protocol(protocol)) return std::nullopt;  // MULTIPLE_COUNT
  if ((b[2] & 0xc0) != 0 || b[15] != 0) return std::nullopt;                       // OFF_LINE, CONTROL

  AtaTaskfile tf;
  tf.protocol = static_cast<AtaProtocol>(protocol);
  tf.ext = (b[1] & 0x01) != 0;
  tf.command = b[14];
  if (is_reset(tf.protocol)) {
    // SAT-5 ignores every other field for a reset; we refuse to see any set.
    for (std::size_t i = 2; i < 16; ++i)
      if (b[i] != 0) return std::nullopt;
    if (tf.ext || cdb.direction != DataDirection::kNone || cdb.transfer_bytes != 0 ||
        !cdb.data_out.empty())
      return std::nullopt;
    tf.device = 0;
    return tf;
  }
  if (!tf.ext && (b[3] | b[5] | b[7] | b[9] | b[11]) != 0) return std::nullopt;
  tf.feature = static_cast<std::uint16_t>((b[3] << 8) | b[4]);
  tf.count = static_cast<std::uint16_t>((b[5] << 8) | b[6]);
  tf.lba = std::uint64_t{b[8]} | std::uint64_t{b[10]} << 8 | std::uint64_t{b[12]} << 16;
  if (tf.ext) {
    tf.lba |= std::uint64_t{b[7]} << 24 | std::uint64_t{b[9]} << 32 | std::uint64_t{b[11]} << 40;
    tf.device = b[13];
  } else {
    tf.lba |= std::uint64_t{b[13] & 0x0fu} << 24;
    tf.device = b[13] & 0xf0;
  }

  if (!transfer_from_pass_through_flags(b[2], cdb, tf)) return std::nullopt;
  return tf;
}

std::optional<AtaRegisters> ata_registers_from_sense(std::span<const std::uint8_t> sense) {
  const auto s = decode_sense(sense);
  if (!s) return std::nullopt;
  const auto sb = sense.first(s->length);
  AtaRegisters r;

  if (s->descriptor_format) {
    const std::uint8_t* d =
        sg_scsi_sense_desc_find(sb.data(), static_cast<int>(sb.size()), kAtaStatusReturnDescriptor);
    if (d == nullptr) return std::nullopt;
    const auto offset = static_cast<std::size_t>(d - sb.data());
    if (offset + kAtaStatusReturnBytes > sb.size() || d[1] < kAtaStatusReturnBytes - 2)
      return std::nullopt;
    // SAT-5 "ATA Status Return sense data descriptor": 2 EXTEND(0), 3 ERROR,
    // 4-5 COUNT(15:8, 7:0), 6-11 LBA(31:24, 7:0, 39:32, 15:8, 47:40, 23:16),
    // 12 DEVICE, 13 STATUS.
    r.extend = (d[2] & 0x01) != 0;
    r.error = d[3];
    r.count = static_cast<std::uint16_t>(((r.extend ? d[4] : 0) << 8) | d[5]);
    r.lba = std::uint64_t{d[7]} | std::uint64_t{d[9]} << 8 | std::uint64_t{d[11]} << 16;
    r.device = d[12];
    r.status = d[13];
    if (r.extend) {
      r.lba |= std::uint64_t{d[6]} << 24 | std::uint64_t{d[8]} << 32 | std::uint64_t{d[10]} << 40;
      r.lba_bits = 48;
    } else {
      r.lba |= std::uint64_t{r.device & 0x0fu} << 24;
      r.lba_bits = 28;
    }
    return r;
  }

  if (sb.size() < 12) return std::nullopt;
  const bool valid = (sense[0] & 0x80) != 0;
  const bool info_used = (sb[3] | sb[4] | sb[5] | sb[6]) != 0;
  if (valid || info_used) {
    // SAT-5 fixed format for ATA PASS-THROUGH (what Linux >= 6.11 sends).
    r.error = sb[3];
    r.status = sb[4];
    r.device = sb[5];
    r.count = sb[6];
    const std::uint8_t flags = sb[8];
    r.extend = (flags & 0x80) != 0;
    r.lba = std::uint64_t{sb[9]} | std::uint64_t{sb[10]} << 8 | std::uint64_t{sb[11]} << 16;
    if (!r.extend) {
      r.lba |= std::uint64_t{r.device & 0x0fu} << 24;
      r.lba_bits = 28;
    } else {
      // LBA UPPER NONZERO clear: LBA(47:24) is zero, so the LBA is whole.
      r.lba_bits = (flags & 0x20) != 0 ? 24 : 48;
    }
    return r;
  }

  // Linux < 6.11 (ata_gen_passthru_sense before commit 38dab832c3f4): the
  // registers were written 8 bytes too far, over the COMMAND-SPECIFIC
  // INFORMATION and beyond, and the additional length (0Ah) cuts the LBA to
  // its low byte. KERNEL-FACTS §3: 70 00 0b 00 00 00 00 0a 04 41 40 01 00 00 00 00 80 d0.
  if ((sb[8] | sb[9] | sb[10] | sb[11]) == 0) return std::nullopt;
  r.error = sb[8];
  r.status = sb[9];
  r.device = sb[10];
  r.count = sb[11];
  const std::uint8_t flags = sb.size() > 16 ? sb[16] : 0;
  r.extend = (flags & 0x80) != 0;
  unsigned lba_bytes = 0;
  for (std::size_t i = 17; i < 20 && i < sb.size(); ++i, ++lba_bytes)
    r.lba |= std::uint64_t{sb[i]} << (8 * lba_bytes);
  r.lba_bits = 8 * lba_bytes;
  if (lba_bytes == 3) {
    if (!r.extend) {
      r.lba |= std::uint64_t{r.device & 0x0fu} << 24;
      r.lba_bits = 28;
    } else if ((flags & 0x20) == 0) {
      r.lba_bits = 48;
    }
  }
  return r;
}

std::string registers_text(const AtaRegisters& r) {
  std::string text = fmt::format("status 0x{:02x}", r.status);
  if (r.status != 0) text += " (" + status_bits(r.status) + ")";
  text += fmt::format(" error 0x{:02x}", r.error);
  if (r.error != 0) text += " (" + error_bits(r.error) + ")";
  text += fmt::format(" device 0x{:02x} count {}", r.device, r.count);
  if (r.lba_bits == 0)
    text += " LBA not reported";
  else if (r.lba_bits < 28 || (r.lba_bits < 48 && r.extend))
    text += fmt::format(" LBA(bits {}:0) 0x{:x}", r.lba_bits - 1, r.lba);
  else
    text += fmt::format(" LBA 0x{:x}", r.lba);
  return text;
}

std::optional<std::string> ata_completion_failure(const std::optional<AtaRegisters>& regs) {
  if (!regs) return std::string("the SAT layer returned no ATA status (no ATA Status Return descriptor in the sense data)");
  const std::uint8_t st = regs->status;
  // ACS-4: while BSY is set the other bits are not valid.
  if (st & ata_status::kBsy) return "the drive was still busy: " + registers_text(*regs);
  if (st & (ata_status::kErr | ata_status::kDf)) return "the drive refused it: " + registers_text(*regs);
  if (!(st & ata_status::kDrdy)) return "the drive did not report ready (DRDY clear): " + registers_text(*regs);
  return std::nullopt;
}

DecodedError decode_ata_read_error(std::span<const std::uint8_t> sense, std::uint64_t cmd_lba,
                                   std::uint32_t cmd_count) {
  const auto s = decode_sense(sense);
  if (!s) return undecodable_sense(sense);
  DecodedError out;
  out.text = sense_text(*s);
  if (s->deferred) {
    out.kind = ErrorKind::kOther;
    return out;
  }
  const auto regs = ata_registers_from_sense(sense);
  if (!regs) {
    // E.g. the SAT layer rejected the CDB itself (ILLEGAL REQUEST).
    out.kind = kind_from_sense_key(*s);
    out.text += "; no ATA registers in the sense data";
    return out;
  }
  out.text += "; ATA " + registers_text(*regs);

  const std::uint8_t st = regs->status;
  const std::uint8_t er = regs->error;
  const bool err = (st & ata_status::kErr) != 0;
  if (st & ata_status::kBsy) {
    // ACS-4: while BSY is set no other register is valid; the command never
    // completed.
    out.kind = ErrorKind::kTimeout;
  } else if (err && (er & ata_error::kUnc)) {
    out.kind = ErrorKind::kMediaError;
    set_media_lba(out, *regs, cmd_lba, cmd_count);
  } else if (st & ata_status::kDf) {
    out.kind = ErrorKind::kHardwareError;
  } else if (err && (er & (ata_error::kIdnf | ata_error::kAmnf))) {
    // IDNF on a read inside the capacity is an unreadable sector address; an
    // LBA outside the command says nothing we can use.
    out.kind = ErrorKind::kMediaError;
    set_media_lba(out, *regs, cmd_lba, cmd_count);
    if (!out.lba) out.kind = ErrorKind::kOther;
  } else if (err && (er & (ata_error::kIcrc | ata_error::kAbrt))) {
    // A drive's ABRT (QEMU reports every backend error this way) or a link
    // CRC error: the command did not complete, the sector is not known bad.
    out.kind = ErrorKind::kAborted;
  } else if (err) {
    out.kind = ErrorKind::kOther;
  } else if (s->sense_key == SPC_SK_ABORTED_COMMAND && regs->error == 0 &&
             regs->count == 0 && regs->lba == 0) {
    // KERNEL-FACTS §4: libata's error handler ends a timed-out pass-through
    // command with ABORTED COMMAND and registers all zero except STATUS
    // (40h, no ERR); a drive's own abort always sets ERR.
    out.kind = ErrorKind::kTimeout;
    out.text += " (no device error: the host timed the command out)";
  } else if (s->sense_key == SPC_SK_NO_SENSE || s->sense_key == SPC_SK_RECOVERED_ERROR) {
    // CK_COND on a good command: RECOVERED ERROR, 00/1Dh, STATUS 50h.
    out.kind = ErrorKind::kOk;
  } else {
    out.kind = kind_from_sense_key(*s);  // NOT READY, UNIT ATTENTION, ...
  }
  return out;
}

}  // namespace ptrescue::commands
