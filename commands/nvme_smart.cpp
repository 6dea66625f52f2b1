// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/nvme_smart.h"

#include <algorithm>
#include <cstring>

#include <scsi/sg_unaligned.h>

#include <fmt/format.h>

#include "commands/nvme.h"

namespace ptrescue::commands {

// The layouts are libnvme's, checked against the sizes NVMe Base 2.0 gives
// them. The raw bytes are copied into the structures; multi-byte fields are
// little-endian.
static_assert(kNvmeSmartLogBytes == 512);
static_assert(kNvmeErrorLogEntryBytes == 64);

namespace {

// A 128-bit little-endian counter, saturated to 64 bits.
std::uint64_t counter128(const std::uint8_t (&field)[16]) {
  return sg_get_unaligned_le64(field + 8) != 0 ? UINT64_MAX : sg_get_unaligned_le64(field);
}

void put_counter128(std::uint64_t value, std::uint8_t (&field)[16]) {
  sg_put_unaligned_le64(value, field);  // the upper 8 bytes stay zero
}

}  // namespace

Parsed<NvmeHealth> parse_nvme_smart_log(std::span<const std::uint8_t> d) {
  if (d.size() < kNvmeSmartLogBytes)
    return Parsed<NvmeHealth>::fail(
        fmt::format("NVMe SMART / Health log: {} bytes, expected {}", d.size(), kNvmeSmartLogBytes));
  if (std::all_of(d.begin(), d.begin() + kNvmeSmartLogBytes, [](std::uint8_t b) { return b == 0; }))
    return Parsed<NvmeHealth>::fail("NVMe SMART / Health log: all zero (no temperature, no counters)");
  nvme_smart_log log;
  std::memcpy(&log, d.data(), sizeof log);
  NvmeHealth h;
  h.critical_warning = log.critical_warning;
  h.temperature_kelvin = sg_get_unaligned_le16(log.temperature);
  h.available_spare = log.avail_spare;
  h.available_spare_threshold = log.spare_thresh;
  h.percentage_used = log.percent_used;
  h.data_units_read = counter128(log.data_units_read);
  h.data_units_written = counter128(log.data_units_written);
  h.host_reads = counter128(log.host_reads);
  h.host_writes = counter128(log.host_writes);
  h.controller_busy_time = counter128(log.ctrl_busy_time);
  h.power_cycles = counter128(log.power_cycles);
  h.power_on_hours = counter128(log.power_on_hours);
  h.unsafe_shutdowns = counter128(log.unsafe_shutdowns);
  h.media_errors = counter128(log.media_errors);
  h.num_err_log_entries = counter128(log.num_err_log_entries);
  h.warning_temp_time = sg_get_unaligned_le32(&log.warning_temp_time);
  h.critical_comp_time = sg_get_unaligned_le32(&log.critical_comp_time);
  return {h, {}};
}

Parsed<std::vector<SmartErrorEntry>> parse_nvme_error_log(std::span<const std::uint8_t> d) {
  if (d.empty() || d.size() % kNvmeErrorLogEntryBytes != 0)
    return Parsed<std::vector<SmartErrorEntry>>::fail(fmt::format(
        "NVMe Error Information log: {} bytes is not a whole number of 64-byte entries", d.size()));
  std::vector<SmartErrorEntry> out;
  for (std::size_t at = 0; at < d.size(); at += kNvmeErrorLogEntryBytes) {
    nvme_error_log_page e;
    std::memcpy(&e, d.data() + at, sizeof e);
    const std::uint64_t count = sg_get_unaligned_le64(&e.error_count);
    if (count == 0) continue;  // an empty entry
    SmartErrorEntry entry;
    entry.number = count;
    // Status Field bits 15:1 (bit 0 is the phase tag): the value Linux
    // returns from a passthrough ioctl.
    const auto status = static_cast<std::uint16_t>(sg_get_unaligned_le16(&e.status_field) >> 1);
    if (sg_get_unaligned_le32(&e.nsid) != 0) entry.lba = sg_get_unaligned_le64(&e.lba);
    entry.text = fmt::format("status 0x{:03x} ({}), SQ {} CID {}", status, nvme_status_text(status),
                             sg_get_unaligned_le16(&e.sqid), sg_get_unaligned_le16(&e.cmdid));
    out.push_back(std::move(entry));
  }
  // Most recent (highest Error Count) first.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.number > b.number; });
  return {std::move(out), {}};
}

SmartReport nvme_smart_report(const NvmeHealth& h) {
  SmartReport r;
  r.kind = SmartKind::kNvme;
  r.nvme = h;
  r.passed = h.critical_warning == 0;
  if (h.temperature_kelvin != 0) r.temperature = static_cast<int>(h.temperature_kelvin) - 273;
  r.power_on_hours = h.power_on_hours;
  r.power_cycles = h.power_cycles;
  return r;
}

std::vector<std::uint8_t> encode_nvme_smart_log(const NvmeHealth& h) {
  nvme_smart_log log{};
  log.critical_warning = h.critical_warning;
  sg_put_unaligned_le16(h.temperature_kelvin, log.temperature);
  log.avail_spare = h.available_spare;
  log.spare_thresh = h.available_spare_threshold;
  log.percent_used = h.percentage_used;
  put_counter128(h.data_units_read, log.data_units_read);
  put_counter128(h.data_units_written, log.data_units_written);
  put_counter128(h.host_reads, log.host_reads);
  put_counter128(h.host_writes, log.host_writes);
  put_counter128(h.controller_busy_time, log.ctrl_busy_time);
  put_counter128(h.power_cycles, log.power_cycles);
  put_counter128(h.power_on_hours, log.power_on_hours);
  put_counter128(h.unsafe_shutdowns, log.unsafe_shutdowns);
  put_counter128(h.media_errors, log.media_errors);
  put_counter128(h.num_err_log_entries, log.num_err_log_entries);
  sg_put_unaligned_le32(h.warning_temp_time, &log.warning_temp_time);
  sg_put_unaligned_le32(h.critical_comp_time, &log.critical_comp_time);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&log);
  return {bytes, bytes + sizeof log};
}

}  // namespace ptrescue::commands
