// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/scsi_device.h"

#include <algorithm>

#include <fmt/format.h>

#include "commands/ata.h"
#include "commands/block_size.h"
#include "commands/scsi.h"
#include "commands/scsi_log.h"
#include "commands/sense.h"

namespace ptrescue {

std::unique_ptr<ScsiDevice> ScsiDevice::open(SysIo& io, const std::string& sg_path,
                                             const std::string& user_path,
                                             const PassThroughOptions& options,
                                             const std::string& block_name, bool ata12) {
  return open_disk<ScsiDevice>(io, sg_path, user_path, options, block_name,
                               [ata12](ScsiDevice& d) { d.try_ata12_ = ata12; });
}

ScsiDevice::~ScsiDevice() { restore_settings(); }

commands::ScsiCdb ScsiDevice::read_cdb(Lba lba, std::uint32_t count) const {
  const std::uint32_t ss = identity_.logical_sector_size;
  // READ(10) where it fits: some USB bridges know no READ(16).
  return commands::fits_read10(lba, count) ? commands::scsi_read10(lba, count, ss)
                                           : commands::scsi_read16(lba, count, ss);
}

SenseDecoder ScsiDevice::sense_decoder() const { return commands::decode_scsi_read_error; }

std::optional<std::string> ScsiDevice::query_identity(DeviceIdentity& out) {
  using namespace commands;
  const Reply inq = run(scsi_inquiry(), options_.probe_timeout);
  if (!inq.good) return fmt::format("no answer to INQUIRY ({})", inq.detail);
  const auto data = parse_inquiry(inq.data);
  if (!data) return std::string("INQUIRY returned too little data");
  if (data->peripheral_qualifier != 0 || data->device_type != 0)
    return fmt::format("not a disk (SCSI peripheral type 0x{:02x})", data->device_type);

  std::optional<ReadCapacity> cap;
  const Reply rc16 = run(scsi_read_capacity16(), options_.probe_timeout);
  if (rc16.good) cap = parse_read_capacity16(rc16.data);
  if (!cap) {
    const Reply rc10 = run(scsi_read_capacity10(), options_.probe_timeout);
    if (!rc10.good) return fmt::format("no answer to READ CAPACITY ({})", rc10.detail);
    cap = parse_read_capacity10(rc10.data);
    if (!cap) return std::string("READ CAPACITY returned no usable capacity");
  }
  // Checked like user input: every read is sized and aligned from these.
  if (auto problem = block_size_problem(cap->block_bytes, cap->physical_block_bytes()))
    return "READ CAPACITY gives a " + *problem;

  std::string serial;
  const Reply vpd = run(scsi_inquiry_vpd(0x80), options_.probe_timeout);
  if (vpd.good)
    if (auto s = parse_unit_serial_vpd(vpd.data)) serial = *s;
  const Reply ata_vpd = run(scsi_inquiry_vpd(0x89, static_cast<std::uint16_t>(kAtaInformationVpdBytes)),
                            options_.probe_timeout);

  out.extra.clear();
  out.transport = "scsi";
  out.model = data->vendor.empty() ? data->product : data->vendor + " " + data->product;
  out.serial = serial;
  out.firmware = data->revision;
  out.capacity_sectors = cap->blocks();
  out.logical_sector_size = cap->block_bytes;
  out.physical_sector_size = static_cast<std::uint32_t>(cap->physical_block_bytes());
  out.lowest_aligned_lba = cap->lowest_aligned_lba;
  out.max_transfer_sectors = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(
      max_hw_bytes() / cap->block_bytes, 1, 0xffffffffu));
  if (cap->protection_enabled)
    out.extra.emplace_back("protection", fmt::format("type {} (reads send RDPROTECT 0)", cap->protection_type + 1));
  out.extra.emplace_back("SCSI vendor", data->vendor);
  out.extra.emplace_back("SCSI product", data->product);
  if (try_ata12_) identify_through_ata12(out, *data, *cap);
  const bool own_ata = &out == &identity_ && ata_;
  out.extra.emplace_back("ATA Information VPD page",
                         !(ata_vpd.good && parse_ata_information_vpd(ata_vpd.data)) ? "absent"
                         : own_ata ? "present"
                                   : "present (a SAT layer: try --transport sat)");
  return std::nullopt;
}

void ScsiDevice::identify_through_ata12(DeviceIdentity& out, const commands::InquiryData& inquiry,
                                        const commands::ReadCapacity& cap) {
  using namespace commands;
  const bool own = &out == &identity_;
  // Looking for the drive again (after a power cycle or a rebind): only the
  // way it was identified at open.
  if (!own && !ata_) return;
  // Opcode A1h is BLANK on an optical drive (MMC): it goes to nothing but a
  // direct access block device.
  if (inquiry.peripheral_qualifier != 0 || inquiry.device_type != 0) return;
  const Reply r = ata12_.run(ata_identify_device(), false, options_.probe_timeout);
  const auto id = r.good ? parse_ata_identify(r.data) : std::nullopt;
  std::string failure;
  if (!r.good)
    failure = fmt::format("no answer to ATA IDENTIFY DEVICE ({})", r.detail);
  else if (!id)
    failure = "ATA IDENTIFY DEVICE returned no identify data";
  else if (id->atapi)
    failure = "the device is ATAPI (a packet device), not an ATA disk";
  else if (own)
    if (auto why = ata12_.distrust(r.data, *id, options_.probe_timeout); !why.empty())
      failure = "answers, but is not trusted: " + why;
  if (!failure.empty()) {
    if (own) ata12_failure_ = std::move(failure);
    return;
  }
  if (own) ata_ = *id;
  if (!out.serial.empty() && out.serial != id->serial) out.extra.emplace_back("SCSI serial (VPD 80h)", out.serial);
  take_ata_drive_facts(out, *id);
  out.extra.emplace_back("ATA commands", "IDENTIFY DEVICE and SMART through ATA PASS-THROUGH(12)");
  out.extra.emplace_back("LBA48", id->lba48_supported ? "yes" : "no");
  out.extra.emplace_back("SMART enabled", id->smart_enabled ? "yes" : "no");
  // What the bridge's READ CAPACITY says against what the drive says: a
  // bridge may hide sectors (or wrap a large drive's capacity).
  const std::uint64_t scsi_bytes = cap.blocks() * cap.block_bytes;
  const std::uint64_t ata_bytes = id->capacity_sectors * id->logical_sector_bytes;
  if (scsi_bytes == ata_bytes) {
    out.extra.emplace_back("capacity cross-check",
                           fmt::format("READ CAPACITY and IDENTIFY DEVICE agree: {} bytes", scsi_bytes));
    return;
  }
  const std::string differ = fmt::format(
      "READ CAPACITY gives {} sectors of {} bytes, IDENTIFY DEVICE {} sectors of {} bytes: reads cover what "
      "READ CAPACITY gives",
      cap.blocks(), cap.block_bytes, id->capacity_sectors, id->logical_sector_bytes);
  out.extra.emplace_back("capacity cross-check", differ);
  if (own) note("capacity: " + differ);
}

bool ScsiDevice::answers() {
  // A reset leaves a UNIT ATTENTION for the next command; two tries let
  // the probe consume it.
  for (int i = 0; i < 2; ++i) {
    const Reply r = run(commands::scsi_test_unit_ready(), options_.probe_timeout);
    if (r.good) return true;
    const auto s = commands::decode_sense(r.raw.sense);
    if (!s || s->sense_key != SPC_SK_UNIT_ATTENTION) return false;
  }
  return false;
}

ResetOutcome ScsiDevice::soft_reset() {
  // SCSI has no reset below a logical unit reset ("device"); the mildest
  // step is to let the kernel's own error handling finish.
  return wait_until_answers(io_.clock().now(), "no SCSI soft reset; waited for the kernel's own error handling");
}

void ScsiDevice::apply_own_settings(bool again) {
  if (!options_.erc || !ata_ || again) return;
  note("--erc: not set: the SCT ERC setting is a data-out command, sent through ATA PASS-THROUGH(16) only, "
       "which this bridge refuses");
}

SmartReading ScsiDevice::read_smart(Millis timeout) {
  if (ata_) return read_ata_smart(ata12_, *ata_, timeout);
  return read_log_sense_health(timeout);
}

SmartReading ScsiDevice::read_log_sense_health(Millis timeout) {
  using namespace commands;
  const Reply list = run(scsi_log_sense(scsi_log_page::kSupportedPages), timeout);
  if (!list.good) return SmartReading::failed("LOG SENSE (supported pages): " + list.detail);
  auto supported = parse_log_page(list.data, scsi_log_page::kSupportedPages);
  if (!supported.ok()) return SmartReading::failed(supported.error);
  ScsiHealth health;
  apply_scsi_log_page(health, *supported.value);
  std::vector<std::string> notes;
  for (const std::uint8_t page : {scsi_log_page::kInformationalExceptions, scsi_log_page::kTemperature,
                                  scsi_log_page::kReadErrorCounters, scsi_log_page::kBackgroundScan}) {
    if (std::find(health.supported_pages.begin(), health.supported_pages.end(), page) ==
        health.supported_pages.end())
      continue;
    const Reply r = run(scsi_log_sense(page), timeout);
    if (!r.good) {
      notes.push_back(fmt::format("LOG SENSE page {:02x}h: {}", page, r.detail));
      continue;
    }
    auto parsed = parse_log_page(r.data, page);
    if (!parsed.ok()) {
      notes.push_back(parsed.error);
      continue;
    }
    apply_scsi_log_page(health, *parsed.value);
  }
  SmartReading out;
  out.report = scsi_smart_report(health);
  out.report->notes = std::move(notes);
  if (!out.report->passed)
    out.report->notes.push_back("no Informational Exceptions log page: no overall health verdict");
  return out;
}

}  // namespace ptrescue
