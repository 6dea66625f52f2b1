#include "commands/nvme_smart.h"

#include <algorithm>
#include <cstddef>

// libnvme 1.3's headers lack C++ guards and need size_t declared first.
extern "C" {
#include <nvme/types.h>
}

#include <fmt/format.h>

#include "commands/byte_order.h"
#include "commands/nvme.h"

namespace ptrescue::commands {

// The layouts come from libnvme (offsetof below), checked against the sizes
// NVMe Base 2.0 gives them.
static_assert(sizeof(nvme_smart_log) == kNvmeSmartLogBytes);
static_assert(sizeof(nvme_error_log_page) == kNvmeErrorLogEntryBytes);

namespace {

// A 128-bit little-endian counter, saturated to 64 bits.
std::uint64_t counter128(std::span<const std::uint8_t> d, std::size_t offset) {
  const std::uint64_t high = get_le(d, offset + 8, 8);
  return high != 0 ? UINT64_MAX : get_le(d, offset, 8);
}

}  // namespace

Parsed<NvmeHealth> parse_nvme_smart_log(std::span<const std::uint8_t> d) {
  if (d.size() < kNvmeSmartLogBytes)
    return Parsed<NvmeHealth>::fail(
        fmt::format("NVMe SMART / Health log: {} bytes, expected {}", d.size(), kNvmeSmartLogBytes));
  if (std::all_of(d.begin(), d.begin() + kNvmeSmartLogBytes, [](std::uint8_t b) { return b == 0; }))
    return Parsed<NvmeHealth>::fail("NVMe SMART / Health log: all zero (no temperature, no counters)");
  NvmeHealth h;
  h.critical_warning = d[offsetof(nvme_smart_log, critical_warning)];
  h.temperature_kelvin = static_cast<std::uint16_t>(get_le(d, offsetof(nvme_smart_log, temperature), 2));
  h.available_spare = d[offsetof(nvme_smart_log, avail_spare)];
  h.available_spare_threshold = d[offsetof(nvme_smart_log, spare_thresh)];
  h.percentage_used = d[offsetof(nvme_smart_log, percent_used)];
  h.data_units_read = counter128(d, offsetof(nvme_smart_log, data_units_read));
  h.data_units_written = counter128(d, offsetof(nvme_smart_log, data_units_written));
  h.host_reads = counter128(d, offsetof(nvme_smart_log, host_reads));
  h.host_writes = counter128(d, offsetof(nvme_smart_log, host_writes));
  h.controller_busy_time = counter128(d, offsetof(nvme_smart_log, ctrl_busy_time));
  h.power_cycles = counter128(d, offsetof(nvme_smart_log, power_cycles));
  h.power_on_hours = counter128(d, offsetof(nvme_smart_log, power_on_hours));
  h.unsafe_shutdowns = counter128(d, offsetof(nvme_smart_log, unsafe_shutdowns));
  h.media_errors = counter128(d, offsetof(nvme_smart_log, media_errors));
  h.num_err_log_entries = counter128(d, offsetof(nvme_smart_log, num_err_log_entries));
  h.warning_temp_time = static_cast<std::uint32_t>(get_le(d, offsetof(nvme_smart_log, warning_temp_time), 4));
  h.critical_comp_time = static_cast<std::uint32_t>(get_le(d, offsetof(nvme_smart_log, critical_comp_time), 4));
  return {h, {}};
}

Parsed<std::vector<SmartErrorEntry>> parse_nvme_error_log(std::span<const std::uint8_t> d) {
  if (d.empty() || d.size() % kNvmeErrorLogEntryBytes != 0)
    return Parsed<std::vector<SmartErrorEntry>>::fail(fmt::format(
        "NVMe Error Information log: {} bytes is not a whole number of 64-byte entries", d.size()));
  std::vector<SmartErrorEntry> out;
  for (std::size_t at = 0; at < d.size(); at += kNvmeErrorLogEntryBytes) {
    const auto e = d.subspan(at, kNvmeErrorLogEntryBytes);
    const std::uint64_t count = get_le(e, offsetof(nvme_error_log_page, error_count), 8);
    if (count == 0) continue;  // an empty entry
    SmartErrorEntry entry;
    entry.number = count;
    // Status Field bits 15:1 (bit 0 is the phase tag): the value Linux
    // returns from a passthrough ioctl.
    const auto status = static_cast<std::uint16_t>(get_le(e, offsetof(nvme_error_log_page, status_field), 2) >> 1);
    const auto lba = get_le(e, offsetof(nvme_error_log_page, lba), 8);
    const auto nsid = static_cast<std::uint32_t>(get_le(e, offsetof(nvme_error_log_page, nsid), 4));
    if (nsid != 0) entry.lba = lba;
    entry.text = fmt::format("status 0x{:03x} ({}), SQ {} CID {}", status, nvme_status_text(status),
                             get_le(e, offsetof(nvme_error_log_page, sqid), 2),
                             get_le(e, offsetof(nvme_error_log_page, cmdid), 2));
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
  std::vector<std::uint8_t> d(kNvmeSmartLogBytes, 0);
  d[offsetof(nvme_smart_log, critical_warning)] = h.critical_warning;
  put_le(d, offsetof(nvme_smart_log, temperature), 2, h.temperature_kelvin);
  d[offsetof(nvme_smart_log, avail_spare)] = h.available_spare;
  d[offsetof(nvme_smart_log, spare_thresh)] = h.available_spare_threshold;
  d[offsetof(nvme_smart_log, percent_used)] = h.percentage_used;
  put_le(d, offsetof(nvme_smart_log, data_units_read), 8, h.data_units_read);
  put_le(d, offsetof(nvme_smart_log, data_units_written), 8, h.data_units_written);
  put_le(d, offsetof(nvme_smart_log, host_reads), 8, h.host_reads);
  put_le(d, offsetof(nvme_smart_log, host_writes), 8, h.host_writes);
  put_le(d, offsetof(nvme_smart_log, ctrl_busy_time), 8, h.controller_busy_time);
  put_le(d, offsetof(nvme_smart_log, power_cycles), 8, h.power_cycles);
  put_le(d, offsetof(nvme_smart_log, power_on_hours), 8, h.power_on_hours);
  put_le(d, offsetof(nvme_smart_log, unsafe_shutdowns), 8, h.unsafe_shutdowns);
  put_le(d, offsetof(nvme_smart_log, media_errors), 8, h.media_errors);
  put_le(d, offsetof(nvme_smart_log, num_err_log_entries), 8, h.num_err_log_entries);
  put_le(d, offsetof(nvme_smart_log, warning_temp_time), 4, h.warning_temp_time);
  put_le(d, offsetof(nvme_smart_log, critical_comp_time), 4, h.critical_comp_time);
  return d;
}

}  // namespace ptrescue::commands
