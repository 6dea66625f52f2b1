// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/sat_device.h"

#include <algorithm>

#include <fmt/format.h>

#include "commands/ata.h"
#include "commands/ata_smart.h"
#include "commands/sat.h"
#include "commands/sense.h"
#include "transport/ata_tunnel.h"

namespace ptrescue {

namespace {

std::string timer_text(std::uint16_t deciseconds) {
  if (deciseconds == 0) return "0 (no limit)";
  return fmt::format("{}.{} s", deciseconds / 10, deciseconds % 10);
}

const char* yes_no(bool b) { return b ? "yes" : "no"; }

// SPC-5: ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE (20/00): the SAT
// layer does not know the CDB's opcode at all.
bool is_invalid_operation_code(const std::vector<std::uint8_t>& sense) {
  const auto s = commands::decode_sense(sense);
  return s && !s->deferred && s->sense_key == SPC_SK_ILLEGAL_REQUEST && s->asc == 0x20 && s->ascq == 0x00;
}

}  // namespace

std::unique_ptr<SatDevice> SatDevice::open(SysIo& io, const std::string& sg_path,
                                           const std::string& user_path,
                                           const PassThroughOptions& options,
                                           const std::string& block_name) {
  return open_disk<SatDevice>(io, sg_path, user_path, options, block_name);
}

SatDevice::~SatDevice() { restore_settings(); }

void SatDevice::fail_identification(const std::string& text) const {
  if (pass_through_unsupported_) throw AtaPassThrough16Unsupported(text);
  SgDisk::fail_identification(text);
}

commands::ScsiCdb SatDevice::read_cdb(Lba lba, std::uint32_t count) const {
  using namespace commands;
  const std::uint32_t ss = identity_.logical_sector_size;
  AtaTaskfile tf;
  if (ata_.lba48_supported)
    tf = ata_.dma_supported ? ata_read_dma_ext(lba, count, ss) : ata_read_sectors_ext(lba, count, ss);
  else
    tf = ata_.dma_supported ? ata_read_dma(lba, count, ss) : ata_read_sectors(lba, count, ss);
  // No CK_COND: a good read ends GOOD; a failed one still returns the
  // registers (libata generates ATA PASS-THROUGH sense on every error).
  return ata_pass_through16(tf, false);
}

SenseDecoder SatDevice::sense_decoder() const { return commands::decode_ata_read_error; }

std::optional<std::string> SatDevice::query_identity(DeviceIdentity& out) {
  using namespace commands;
  const Reply r = tunnel_.run(ata_identify_device(), false, options_.probe_timeout);
  if (!r.good) {
    if (&out == &identity_) pass_through_unsupported_ = is_invalid_operation_code(r.raw.sense);
    return fmt::format("no answer to ATA IDENTIFY DEVICE through ATA PASS-THROUGH ({})", r.detail);
  }
  const auto id = parse_ata_identify(r.data);
  if (!id) return std::string("ATA IDENTIFY DEVICE returned no identify data");
  if (id->atapi) return std::string("the device is ATAPI (a packet device), not an ATA disk");
  if (id->sector_size_problem) return *id->sector_size_problem;
  if (!id->lba_supported || id->capacity_sectors == 0)
    return std::string("the drive reports no LBA capacity");
  if (&out == &identity_) {
    ata_ = *id;
    distrust_ = tunnel_.distrust(r.data, *id, options_.probe_timeout);
  }
  out.transport = "sat";
  take_ata_drive_facts(out, *id);
  out.capacity_sectors = id->capacity_sectors;
  out.logical_sector_size = id->logical_sector_bytes;
  out.physical_sector_size = id->physical_sector_bytes;
  // Word 209 gives LBA 0's offset inside its physical sector; the first
  // aligned LBA is what is left of that sector.
  if (const std::uint32_t per = id->physical_sector_bytes / id->logical_sector_bytes; per > 1)
    out.lowest_aligned_lba = (per - id->logical_sector_offset % per) % per;
  std::uint64_t max_sectors = id->lba48_supported ? kMaxSectorsExt : kMaxSectors28;
  max_sectors = std::min<std::uint64_t>(max_sectors, std::max<std::uint64_t>(1, max_hw_bytes() / id->logical_sector_bytes));
  out.max_transfer_sectors = static_cast<std::uint32_t>(max_sectors);
  out.extra = {
      {"LBA48", yes_no(id->lba48_supported)},
      {"read command", id->lba48_supported ? (id->dma_supported ? "READ DMA EXT" : "READ SECTORS EXT")
                                           : (id->dma_supported ? "READ DMA" : "READ SECTORS")},
      {"NCQ", yes_no(id->ncq_supported)},
      {"SMART enabled", yes_no(id->smart_enabled)},
      {"rotation", id->rotation_rate == 1 ? "non-rotating (SSD)"
                   : id->rotation_rate >= 0x401 && id->rotation_rate < 0xffff
                       ? fmt::format("{} rpm", id->rotation_rate)
                       : "not reported"},
  };
  return std::nullopt;
}

bool SatDevice::answers() {
  const Reply r = run(commands::ata_pass_through16(commands::ata_identify_device(), false),
                      options_.probe_timeout);
  return r.good && commands::parse_ata_identify(r.data).has_value();
}

ResetOutcome SatDevice::soft_reset() {
  using namespace commands;
  ResetOutcome out;
  const Micros start = io_.clock().now();
  std::string refused;
  for (const auto& [cdb, name] : {std::pair{ata_soft_reset16(), "ATA software reset (SRST)"},
                                  std::pair{ata_hard_reset16(), "ATA hardware reset"}}) {
    const Reply r = run(cdb, options_.reset_timeout);
    if (r.good) return wait_until_answers(start, fmt::format("{} through ATA PASS-THROUGH", name));
    const auto s = decode_sense(r.raw.sense);
    if (r.raw.end == SgCompletion::End::kCompleted && s &&
        s->sense_key == SPC_SK_ILLEGAL_REQUEST) {
      refused += refused.empty() ? name : fmt::format(" and {}", name);
      continue;
    }
    out.duration = io_.clock().now() - start;
    out.detail = fmt::format("{} through ATA PASS-THROUGH failed: {}", name, r.detail);
    return out;
  }
  // libata refuses both, but its error handler resets the link by itself
  // after a command times out (KERNEL-FACTS §4); what is left to do is to
  // wait for that to finish.
  return wait_until_answers(
      start, fmt::format("the SAT layer refuses {} through ATA PASS-THROUGH; waited for the kernel's own "
                         "error handling",
                         refused));
}

std::optional<std::uint16_t> SatDevice::read_erc_timer(std::string& why) {
  using namespace commands;
  // CK_COND: the timer comes back in the COUNT and LBA registers.
  const Reply r = run(ata_pass_through16(ata_sct_erc_get_read_timer(), true), options_.probe_timeout);
  if (!r.good) {
    why = r.detail;
    return std::nullopt;
  }
  const auto regs = ata_registers_from_sense(r.raw.sense);
  if (auto failure = ata_completion_failure(regs)) {
    why = *failure;
    return std::nullopt;
  }
  const auto timer = sct_erc_timer_from_registers(*regs);
  if (!timer) why = "the SAT layer did not return the drive's answer";
  return timer;
}

bool SatDevice::set_erc_timer(std::uint16_t deciseconds, std::string& why) {
  using namespace commands;
  const Reply r = run(ata_pass_through16(ata_sct_erc_set_read_timer(deciseconds), true),
                      options_.probe_timeout);
  if (!r.good) {
    why = r.detail;
    return false;
  }
  // A success only when the drive's registers say so (ACS-4 SCT command
  // "Normal outputs"): a GOOD status alone may come from a SAT layer that
  // never passed the command on.
  if (auto failure = ata_completion_failure(ata_registers_from_sense(r.raw.sense))) {
    why = *failure;
    return false;
  }
  return true;
}

void SatDevice::apply_own_settings(bool again) {
  if (!options_.erc) return;
  if (!distrust_.empty()) {
    // No SET commands through a SAT layer that garbles or drops registers.
    if (!again) note(fmt::format("--erc: not set through this SAT layer ({})", distrust_));
    return;
  }
  if (!ata_.sct_erc_supported) {
    if (!again) note("--erc: the drive does not support SCT Error Recovery Control; not set");
    return;
  }
  const auto ms = options_.erc->count();
  const auto wanted = static_cast<std::uint16_t>(std::clamp<std::int64_t>((ms + 99) / 100, ms > 0 ? 1 : 0, 0xffff));
  std::string why;
  const auto previous = read_erc_timer(why);
  if (!previous) {
    note(fmt::format("--erc: cannot read the drive's SCT ERC read timer ({}); not set", why));
    return;
  }
  if (*previous == wanted) {
    if (!again) note(fmt::format("--erc: SCT ERC read timer already {}", timer_text(wanted)));
    return;
  }
  if (!set_erc_timer(wanted, why)) {
    note(fmt::format("--erc: setting the SCT ERC read timer failed ({})", why));
    return;
  }
  if (!erc_saved_) erc_saved_ = previous;
  note(again ? fmt::format("--erc: SCT ERC read timer set again to {} after the reset", timer_text(wanted))
             : fmt::format("--erc: SCT ERC read timer was {}, set to {} (volatile; restored at the end)",
                           timer_text(*previous), timer_text(wanted)));
}

void SatDevice::restore_own_settings() {
  if (!erc_saved_) return;
  std::string why;
  if (set_erc_timer(*erc_saved_, why))
    note(fmt::format("--erc: SCT ERC read timer restored to {}", timer_text(*erc_saved_)));
  else
    note(fmt::format("--erc: could not restore the SCT ERC read timer to {} ({}); it lasts until "
                     "the drive is power-cycled",
                     timer_text(*erc_saved_), why));
  erc_saved_.reset();
}

SmartReading SatDevice::read_smart(Millis timeout) { return read_ata_smart(tunnel_, ata_, timeout); }

}  // namespace ptrescue
