// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/scsi_log.h"

#include <scsi/sg_unaligned.h>

#include <fmt/format.h>

namespace ptrescue::commands {

namespace {

constexpr std::size_t kHeader = 4;
constexpr std::size_t kParameterHeader = 4;

const LogParameter* find(const LogPage& p, std::uint16_t code) {
  for (const auto& q : p.parameters)
    if (q.code == code) return &q;
  return nullptr;
}

// A counter parameter: its value is a big-endian integer of its length
// (SPC-5: at most 8 bytes are meaningful).
std::optional<std::uint64_t> counter(const LogPage& p, std::uint16_t code) {
  const auto* q = find(p, code);
  if (!q || q->value.empty() || q->value.size() > 8) return std::nullopt;
  return sg_get_unaligned_be(static_cast<int>(q->value.size()), q->value.data());
}

// Temperature bytes: 0FFh means "no valid temperature" (SPC-5).
std::optional<int> temperature_byte(std::uint8_t b) {
  if (b == 0xff) return std::nullopt;
  return static_cast<int>(b);
}

}  // namespace

Parsed<LogPage> parse_log_page(std::span<const std::uint8_t> d, std::uint8_t expected_page) {
  const std::string what = fmt::format("LOG SENSE page {:02x}h", expected_page);
  if (d.size() < kHeader) return Parsed<LogPage>::fail(fmt::format("{}: {} bytes, no page header", what, d.size()));
  LogPage page;
  page.page = d[0] & 0x3f;
  page.subpage = d[1];
  if (page.page != expected_page)
    return Parsed<LogPage>::fail(fmt::format("{}: the drive returned page {:02x}h", what, page.page));
  const std::size_t length = sg_get_unaligned_be16(d.data() + 2);
  if (kHeader + length > d.size())
    return Parsed<LogPage>::fail(
        fmt::format("{}: PAGE LENGTH {} runs past the {} bytes returned", what, length, d.size()));
  const auto body = d.subspan(kHeader, length);
  if (page.page == scsi_log_page::kSupportedPages) {
    page.supported_pages.assign(body.begin(), body.end());
    return {std::move(page), {}};
  }
  std::size_t at = 0;
  while (at < body.size()) {
    if (body.size() - at < kParameterHeader)
      return Parsed<LogPage>::fail(fmt::format("{}: a parameter header is cut off at byte {}", what, kHeader + at));
    LogParameter p;
    p.code = static_cast<std::uint16_t>(sg_get_unaligned_be16(body.data() + at));
    p.control = body[at + 2];
    const std::size_t n = body[at + 3];
    if (body.size() - at - kParameterHeader < n)
      return Parsed<LogPage>::fail(
          fmt::format("{}: parameter {:04x}h of {} bytes runs past the page", what, p.code, n));
    p.value.assign(body.begin() + static_cast<std::ptrdiff_t>(at + kParameterHeader),
                   body.begin() + static_cast<std::ptrdiff_t>(at + kParameterHeader + n));
    page.parameters.push_back(std::move(p));
    at += kParameterHeader + n;
  }
  return {std::move(page), {}};
}

void apply_scsi_log_page(ScsiHealth& h, const LogPage& p) {
  switch (p.page) {
    case scsi_log_page::kSupportedPages:
      h.supported_pages = p.supported_pages;
      break;
    case scsi_log_page::kReadErrorCounters:
      // SPC-5 "Read Error Counter log page" parameter codes 0000h-0006h.
      h.read_corrected_fast = counter(p, 0x0000);
      h.read_corrected_delayed = counter(p, 0x0001);
      h.read_corrected_rereads = counter(p, 0x0002);
      h.read_total_corrected = counter(p, 0x0003);
      h.read_algorithm_invocations = counter(p, 0x0004);
      h.read_bytes_processed = counter(p, 0x0005);
      h.read_total_uncorrected = counter(p, 0x0006);
      break;
    case scsi_log_page::kTemperature:
      // Parameter 0000h Temperature, 0001h Reference temperature: byte 1 of
      // the value, in °C.
      if (const auto* t = find(p, 0x0000); t && t->value.size() >= 2) h.temperature = temperature_byte(t->value[1]);
      if (const auto* t = find(p, 0x0001); t && t->value.size() >= 2)
        h.drive_trip_temperature = temperature_byte(t->value[1]);
      break;
    case scsi_log_page::kBackgroundScan:
      // Parameter 0000h Background Scan Status: bytes 0-3 of the value are
      // the accumulated power-on minutes.
      if (const auto* s = find(p, 0x0000); s && s->value.size() >= 4) h.power_on_minutes = sg_get_unaligned_be32(s->value.data());
      break;
    case scsi_log_page::kInformationalExceptions:
      // Parameter 0000h: INFORMATIONAL EXCEPTION ADDITIONAL SENSE CODE,
      // ... QUALIFIER, MOST RECENT TEMPERATURE READING.
      if (const auto* ie = find(p, 0x0000); ie && ie->value.size() >= 2) {
        h.ie_asc = ie->value[0];
        h.ie_ascq = ie->value[1];
        if (ie->value.size() >= 3) h.ie_temperature = temperature_byte(ie->value[2]);
      }
      break;
    default:
      break;
  }
}

SmartReport scsi_smart_report(const ScsiHealth& h) {
  SmartReport r;
  r.kind = SmartKind::kScsi;
  r.scsi = h;
  if (h.ie_asc) r.passed = *h.ie_asc == 0;
  r.temperature = h.temperature ? h.temperature : h.ie_temperature;
  if (h.power_on_minutes) r.power_on_hours = *h.power_on_minutes / 60;
  return r;
}

}  // namespace ptrescue::commands
