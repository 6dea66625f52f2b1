// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands/ata_smart.h"

#include <algorithm>
#include <numeric>

#include <scsi/sg_unaligned.h>

#include <fmt/format.h>

namespace ptrescue::commands {

namespace {

constexpr std::size_t kAttributeTable = 2;    // SFF-8035i: first entry after the revision word
constexpr std::size_t kAttributeEntry = 12;

// Names as smartctl prints them by default, so scripts carry over (the
// names are the de facto standard; the IDs' meanings are vendor lore).
struct AttributeName {
  std::uint8_t id;
  const char* name;
};
constexpr AttributeName kNames[] = {
    {1, "Raw_Read_Error_Rate"},     {2, "Throughput_Performance"},  {3, "Spin_Up_Time"},
    {4, "Start_Stop_Count"},        {5, "Reallocated_Sector_Ct"},   {7, "Seek_Error_Rate"},
    {8, "Seek_Time_Performance"},   {9, "Power_On_Hours"},          {10, "Spin_Retry_Count"},
    {11, "Calibration_Retry_Count"}, {12, "Power_Cycle_Count"},     {183, "Runtime_Bad_Block"},
    {184, "End-to-End_Error"},      {187, "Reported_Uncorrect"},    {188, "Command_Timeout"},
    {189, "High_Fly_Writes"},       {190, "Airflow_Temperature_Cel"}, {191, "G-Sense_Error_Rate"},
    {192, "Power-Off_Retract_Count"}, {193, "Load_Cycle_Count"},    {194, "Temperature_Celsius"},
    {195, "Hardware_ECC_Recovered"}, {196, "Reallocated_Event_Count"}, {197, "Current_Pending_Sector"},
    {198, "Offline_Uncorrectable"}, {199, "UDMA_CRC_Error_Count"},  {200, "Multi_Zone_Error_Rate"},
    {240, "Head_Flying_Hours"},     {241, "Total_LBAs_Written"},    {242, "Total_LBAs_Read"},
};

bool all_zero(std::span<const std::uint8_t> b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

// Length, content and checksum checks every 512-byte SMART/GPL page shares.
std::optional<std::string> page_problem(std::span<const std::uint8_t> page, std::string_view what,
                                        bool check_sum = true) {
  if (page.size() < kAtaSmartPageBytes)
    return fmt::format("{}: {} bytes, expected {}", what, page.size(), kAtaSmartPageBytes);
  if (all_zero(page.first(kAtaSmartPageBytes))) return fmt::format("{}: the page is all zero", what);
  if (check_sum && !ata_page_checksum_ok(page))
    return fmt::format("{}: checksum mismatch (bytes sum to 0x{:02x}, not 0)", what,
                       std::accumulate(page.begin(), page.begin() + kAtaSmartPageBytes, 0u) & 0xff);
  return std::nullopt;
}

std::string error_text(std::uint8_t error, std::uint8_t status, std::uint16_t count) {
  std::string bits;
  const std::pair<std::uint8_t, const char*> names[] = {
      {0x80, "ICRC"}, {0x40, "UNC"}, {0x10, "IDNF"}, {0x04, "ABRT"}, {0x02, "EOM"}, {0x01, "AMNF"}};
  for (const auto& [bit, name] : names)
    if (error & bit) bits += bits.empty() ? name : fmt::format(" {}", name);
  return fmt::format("ERROR 0x{:02x}{} STATUS 0x{:02x} COUNT {}", error,
                     bits.empty() ? "" : " (" + bits + ")", status, count);
}

std::optional<std::uint64_t> find_attribute(const SmartReport& r, std::uint8_t id) {
  if (const auto* a = r.attribute(id)) return a->raw_decoded;
  return std::nullopt;
}

std::optional<std::uint64_t> find_statistic(const SmartReport& r, std::uint8_t page, std::uint16_t offset) {
  for (const auto& s : r.ata_statistics)
    if (s.page == page && s.offset == offset) return s.value;
  return std::nullopt;
}

struct StatisticName {
  std::uint8_t page;
  std::uint16_t offset;
  unsigned bits;     // width of the value
  bool is_signed;    // temperatures are signed bytes
  const char* name;  // ACS-4 names, as smartctl -x prints them
};
// ACS-4 "Device Statistics log": General Statistics (01h), General Errors
// Statistics (04h), Temperature Statistics (05h), Transport Statistics
// (06h), Solid State Device Statistics (07h).
constexpr StatisticName kStatistics[] = {
    {1, 8, 32, false, "Lifetime Power-On Resets"},
    {1, 16, 32, false, "Power-on Hours"},
    {1, 24, 48, false, "Logical Sectors Written"},
    {1, 32, 48, false, "Number of Write Commands"},
    {1, 40, 48, false, "Logical Sectors Read"},
    {1, 48, 48, false, "Number of Read Commands"},
    {4, 8, 32, false, "Number of Reported Uncorrectable Errors"},
    {4, 16, 32, false, "Resets Between Cmd Acceptance and Completion"},
    {5, 8, 8, true, "Current Temperature"},
    {5, 16, 8, true, "Average Short Term Temperature"},
    {5, 24, 8, true, "Average Long Term Temperature"},
    {5, 32, 8, true, "Highest Temperature"},
    {5, 40, 8, true, "Lowest Temperature"},
    {6, 8, 32, false, "Number of Hardware Resets"},
    {6, 16, 32, false, "Number of ASR Events"},
    {6, 24, 32, false, "Number of Interface CRC Errors"},
    {7, 8, 8, false, "Percentage Used Endurance Indicator"},
};

}  // namespace

std::string ata_attribute_name(std::uint8_t id) {
  for (const auto& n : kNames)
    if (n.id == id) return n.name;
  return "Unknown_Attribute";
}

void decode_ata_attribute(AtaSmartAttribute& a) {
  a.name = ata_attribute_name(a.id);
  const std::uint64_t raw = a.raw & 0xffff'ffff'ffffULL;
  switch (a.id) {
    case ata_attr::kTemperature:
    case ata_attr::kAirflowTemperature: {
      const unsigned t = raw & 0xff, lo = (raw >> 16) & 0xff, hi = (raw >> 32) & 0xff;
      a.raw_decoded = t;
      a.raw_string = lo != 0 && hi != 0 && lo <= t && t <= hi ? fmt::format("{} (Min/Max {}/{})", t, lo, hi)
                                                                : fmt::format("{}", t);
      return;
    }
    case ata_attr::kPowerOnHours:
    case ata_attr::kReallocatedSectors:
    case ata_attr::kReportedUncorrect:
    case ata_attr::kReallocatedEvents:
    case ata_attr::kCurrentPendingSectors:
    case ata_attr::kOfflineUncorrectable:
    case ata_attr::kUdmaCrcErrors:
      a.raw_decoded = raw & 0xffff'ffffULL;
      break;
    case ata_attr::kCommandTimeout:
      a.raw_decoded = raw & 0xffff;
      break;
    default:
      a.raw_decoded = raw;
      break;
  }
  a.raw_string = a.raw_decoded == raw ? fmt::format("{}", raw) : fmt::format("{} (raw 0x{:012x})", a.raw_decoded, raw);
}

bool ata_page_checksum_ok(std::span<const std::uint8_t> page) {
  if (page.size() < kAtaSmartPageBytes) return false;
  return (std::accumulate(page.begin(), page.begin() + kAtaSmartPageBytes, 0u) & 0xff) == 0;
}

Parsed<std::vector<AtaSmartAttribute>> parse_ata_smart_data(std::span<const std::uint8_t> page) {
  if (auto why = page_problem(page, "SMART READ DATA")) return Parsed<std::vector<AtaSmartAttribute>>::fail(*why);
  std::vector<AtaSmartAttribute> out;
  for (std::size_t i = 0; i < kAtaSmartAttributeSlots; ++i) {
    const auto e = page.subspan(kAttributeTable + i * kAttributeEntry, kAttributeEntry);
    if (e[0] == 0) continue;  // unused slot
    AtaSmartAttribute a;
    a.id = e[0];
    a.flags = static_cast<std::uint16_t>(sg_get_unaligned_le16(e.data() + 1));
    a.value = e[3];
    a.worst = e[4];
    a.raw = sg_get_unaligned_le48(e.data() + 5);
    decode_ata_attribute(a);
    out.push_back(std::move(a));
  }
  return {std::move(out), {}};
}

Parsed<std::vector<AtaThreshold>> parse_ata_smart_thresholds(std::span<const std::uint8_t> page) {
  if (auto why = page_problem(page, "SMART READ THRESHOLDS")) return Parsed<std::vector<AtaThreshold>>::fail(*why);
  std::vector<AtaThreshold> out;
  for (std::size_t i = 0; i < kAtaSmartAttributeSlots; ++i) {
    const auto e = page.subspan(kAttributeTable + i * kAttributeEntry, kAttributeEntry);
    if (e[0] != 0) out.push_back({e[0], e[1]});
  }
  return {std::move(out), {}};
}

void apply_ata_thresholds(std::vector<AtaSmartAttribute>& attributes,
                          const std::vector<AtaThreshold>& thresholds) {
  for (auto& a : attributes)
    for (const auto& t : thresholds)
      if (t.id == a.id) a.threshold = t.threshold;
}

namespace {

// Both error logs hold a ring of `count` entries of `entry_bytes` from
// `first` on, the newest at the 1-based `index`. Walks it newest first,
// numbering entries down from the device's error count; `decode` fills in an
// entry's LBA, power-on hours and text from its error data structure.
template <class Decode>
void walk_error_ring(std::span<const std::uint8_t> page, std::size_t first, std::size_t count,
                     std::size_t entry_bytes, unsigned index, AtaErrorLog& log, Decode decode) {
  for (unsigned k = 0; index != 0 && k < count; ++k) {
    const std::size_t slot = (index - 1 + count - k) % count;
    const auto e = page.subspan(first + slot * entry_bytes, entry_bytes);
    if (all_zero(e)) continue;
    SmartErrorEntry entry;
    entry.number = log.device_error_count >= k ? log.device_error_count - k : 0;
    decode(e, entry);
    log.entries.push_back(std::move(entry));
  }
}

}  // namespace

Parsed<AtaErrorLog> parse_ata_summary_error_log(std::span<const std::uint8_t> page) {
  if (auto why = page_problem(page, "Summary SMART Error log")) return Parsed<AtaErrorLog>::fail(*why);
  constexpr std::size_t kEntries = 5, kEntryBytes = 90;
  const unsigned index = page[1];
  if (index > kEntries) return Parsed<AtaErrorLog>::fail(fmt::format("Summary SMART Error log: index {} above 5", index));
  AtaErrorLog log;
  log.device_error_count = sg_get_unaligned_le16(page.data() + 452);
  walk_error_ring(page, 2, kEntries, kEntryBytes, index, log, [](auto e, SmartErrorEntry& entry) {
    // Error data structure (ACS-4 A.14.3), at byte 60: 28-bit LBA in bytes 3-6.
    const auto d = e.subspan(60, 30);
    entry.lba = std::uint64_t{d[3]} | std::uint64_t{d[4]} << 8 | std::uint64_t{d[5]} << 16 |
                std::uint64_t{d[6] & 0x0fu} << 24;
    entry.power_on_hours = sg_get_unaligned_le16(d.data() + 28);
    entry.text = error_text(d[1], d[7], d[2]);
  });
  return {std::move(log), {}};
}

Parsed<AtaErrorLog> parse_ata_ext_error_log(std::span<const std::uint8_t> page) {
  if (auto why = page_problem(page, "Extended Comprehensive SMART Error log"))
    return Parsed<AtaErrorLog>::fail(*why);
  constexpr std::size_t kEntries = 4, kEntryBytes = 124;
  const auto index = static_cast<unsigned>(sg_get_unaligned_le16(page.data() + 2));
  AtaErrorLog log;
  log.device_error_count = sg_get_unaligned_le16(page.data() + 500);
  // Indices above 4 point at later pages of the log; page 0 holds 1-4.
  if (index > kEntries) return {std::move(log), {}};
  walk_error_ring(page, 4, kEntries, kEntryBytes, index, log, [](auto e, SmartErrorEntry& entry) {
    // Extended error data structure (ACS-4 A.4.3), at byte 90: 48-bit LBA,
    // low and high bytes interleaved.
    const auto d = e.subspan(90, 34);
    entry.lba = std::uint64_t{d[4]} | std::uint64_t{d[6]} << 8 | std::uint64_t{d[8]} << 16 |
                std::uint64_t{d[5]} << 24 | std::uint64_t{d[7]} << 32 | std::uint64_t{d[9]} << 40;
    entry.power_on_hours = sg_get_unaligned_le16(d.data() + 32);
    entry.text = error_text(d[1], d[11], static_cast<std::uint16_t>(sg_get_unaligned_le16(d.data() + 2)));
  });
  return {std::move(log), {}};
}

Parsed<std::vector<std::uint8_t>> parse_ata_statistics_page_list(std::span<const std::uint8_t> page) {
  // Device Statistics pages carry no checksum.
  if (auto why = page_problem(page, "Device Statistics page 00h", false))
    return Parsed<std::vector<std::uint8_t>>::fail(*why);
  if (page[2] != 0) return Parsed<std::vector<std::uint8_t>>::fail(
      fmt::format("Device Statistics page 00h: header names page {:02x}h", page[2]));
  const std::size_t n = page[8];
  if (9 + n > kAtaSmartPageBytes)
    return Parsed<std::vector<std::uint8_t>>::fail(fmt::format("Device Statistics page 00h: {} entries", n));
  return {std::vector<std::uint8_t>(page.begin() + 9, page.begin() + 9 + static_cast<std::ptrdiff_t>(n)), {}};
}

Parsed<std::vector<AtaDeviceStatistic>> parse_ata_statistics_page(std::span<const std::uint8_t> page,
                                                                   std::uint8_t number) {
  const std::string what = fmt::format("Device Statistics page {:02x}h", number);
  if (auto why = page_problem(page, what, false)) return Parsed<std::vector<AtaDeviceStatistic>>::fail(*why);
  if (page[2] != number)
    return Parsed<std::vector<AtaDeviceStatistic>>::fail(fmt::format("{}: header names page {:02x}h", what, page[2]));
  std::vector<AtaDeviceStatistic> out;
  for (const auto& s : kStatistics) {
    if (s.page != number) continue;
    const std::uint64_t q = sg_get_unaligned_le64(page.data() + s.offset);
    const bool supported = (q >> 63) & 1, valid = (q >> 62) & 1;
    if (!supported || !valid) continue;
    std::uint64_t v = q & ((std::uint64_t{1} << s.bits) - 1);
    if (s.is_signed && (v & 0x80)) v = 0;  // below 0 °C: not a temperature a rescue cares about
    out.push_back({s.page, s.offset, s.name, v});
  }
  return {std::move(out), {}};
}

void summarize_ata_report(SmartReport& r) {
  if (auto t = find_attribute(r, ata_attr::kTemperature)) r.temperature = static_cast<int>(*t);
  else if (auto t2 = find_attribute(r, ata_attr::kAirflowTemperature)) r.temperature = static_cast<int>(*t2);
  else if (auto t3 = find_statistic(r, 5, 8)) r.temperature = static_cast<int>(*t3);
  if (auto h = find_attribute(r, ata_attr::kPowerOnHours)) r.power_on_hours = *h;
  else if (auto h2 = find_statistic(r, 1, 16)) r.power_on_hours = *h2;
  if (auto c = find_attribute(r, ata_attr::kPowerCycleCount)) r.power_cycles = *c;
  else if (auto c2 = find_statistic(r, 1, 8)) r.power_cycles = *c2;
}

namespace {

void set_checksum(std::array<std::uint8_t, kAtaSmartPageBytes>& p) {
  const unsigned sum = std::accumulate(p.begin(), p.end() - 1, 0u);
  p[kAtaSmartPageBytes - 1] = static_cast<std::uint8_t>((0x100 - (sum & 0xff)) & 0xff);
}

}  // namespace

std::array<std::uint8_t, kAtaSmartPageBytes> encode_ata_smart_data(
    const std::vector<AtaSmartAttribute>& attributes) {
  std::array<std::uint8_t, kAtaSmartPageBytes> p{};
  sg_put_unaligned_le16(0x0010, p.data());
  for (std::size_t i = 0; i < attributes.size() && i < kAtaSmartAttributeSlots; ++i) {
    const auto& a = attributes[i];
    const std::size_t at = kAttributeTable + i * kAttributeEntry;
    p[at] = a.id;
    sg_put_unaligned_le16(a.flags, p.data() + at + 1);
    p[at + 3] = a.value;
    p[at + 4] = a.worst;
    sg_put_unaligned_le48(a.raw & 0xffff'ffff'ffffULL, p.data() + at + 5);
  }
  p[362] = 0x82;                // offline data collection completed, automatic on
  sg_put_unaligned_le16(120, p.data() + 364);       // seconds to complete offline data collection
  p[367] = 0x5b;                // offline capabilities
  sg_put_unaligned_le16(0x0003, p.data() + 368);    // SMART capability: saves on power-saving, autosave
  p[370] = 0x01;                // error logging supported
  p[372] = 2;                   // short self-test polling time (minutes)
  p[373] = 60;                  // extended self-test polling time (minutes)
  set_checksum(p);
  return p;
}

std::array<std::uint8_t, kAtaSmartPageBytes> encode_ata_smart_thresholds(
    const std::vector<AtaSmartAttribute>& attributes) {
  std::array<std::uint8_t, kAtaSmartPageBytes> p{};
  sg_put_unaligned_le16(0x0010, p.data());
  for (std::size_t i = 0; i < attributes.size() && i < kAtaSmartAttributeSlots; ++i) {
    const std::size_t at = kAttributeTable + i * kAttributeEntry;
    p[at] = attributes[i].id;
    p[at + 1] = attributes[i].threshold.value_or(0);
  }
  set_checksum(p);
  return p;
}

}  // namespace ptrescue::commands
