// SPDX-License-Identifier: GPL-3.0-or-later
// SCSI LOG SENSE pages (SPC-5 log page format; Temperature, Informational
// Exceptions, Read Error Counter, Background Scan Results) built byte by
// byte, truncated and inconsistent pages, and the LOG SENSE CDB.
#include <gtest/gtest.h>

#include <vector>

#include "commands/allow_list.h"
#include "commands/scsi.h"
#include "commands/scsi_log.h"

namespace ptrescue::commands {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A page: header + parameters (code, control 03h, value).
Bytes page(std::uint8_t code, const std::vector<std::pair<std::uint16_t, Bytes>>& params) {
  Bytes b{code, 0, 0, 0};
  for (const auto& [pc, value] : params) {
    b.push_back(static_cast<std::uint8_t>(pc >> 8));
    b.push_back(static_cast<std::uint8_t>(pc));
    b.push_back(0x03);
    b.push_back(static_cast<std::uint8_t>(value.size()));
    b.insert(b.end(), value.begin(), value.end());
  }
  b[2] = static_cast<std::uint8_t>((b.size() - 4) >> 8);
  b[3] = static_cast<std::uint8_t>(b.size() - 4);
  return b;
}

TEST(ScsiLogPages, ReadsTheHealthPagesIntoOneReport) {
  ScsiHealth h;
  const Bytes supported{0x00, 0x00, 0x00, 0x05, 0x00, 0x03, 0x0d, 0x15, 0x2f};
  const Bytes temperature = page(0x0d, {{0x0000, {0x00, 41}}, {0x0001, {0x00, 65}}});
  const Bytes ie = page(0x2f, {{0x0000, {0x00, 0x00, 40}}});
  const Bytes errors = page(0x03, {{0x0000, {0, 0, 0, 5}}, {0x0003, {0x00, 0x07}}, {0x0005, {0x01, 0x00, 0x00, 0x00, 0x00}},
                                   {0x0006, {0x02}}});
  const Bytes scan = page(0x15, {{0x0000, {0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x00, 0x00}}});
  for (const auto& [bytes, code] : {std::pair{supported, 0x00}, std::pair{temperature, 0x0d}, std::pair{ie, 0x2f},
                                    std::pair{errors, 0x03}, std::pair{scan, 0x15}}) {
    const auto p = parse_log_page(bytes, static_cast<std::uint8_t>(code));
    ASSERT_TRUE(p.ok()) << p.error;
    apply_scsi_log_page(h, *p.value);
  }
  EXPECT_EQ(h.supported_pages, (Bytes{0x00, 0x03, 0x0d, 0x15, 0x2f}));
  EXPECT_EQ(h.temperature, 41);
  EXPECT_EQ(h.drive_trip_temperature, 65);
  EXPECT_EQ(h.ie_asc, 0);
  EXPECT_EQ(h.ie_temperature, 40);
  EXPECT_EQ(h.read_corrected_fast, 5u);
  EXPECT_EQ(h.read_total_corrected, 7u);
  EXPECT_EQ(h.read_bytes_processed, 0x100000000ull);
  EXPECT_EQ(h.read_total_uncorrected, 2u);
  EXPECT_EQ(h.power_on_minutes, 3600u);
  const SmartReport r = scsi_smart_report(h);
  EXPECT_EQ(r.kind, SmartKind::kScsi);
  EXPECT_EQ(r.passed, true);
  EXPECT_EQ(r.temperature, 41);
  EXPECT_EQ(r.power_on_hours, 60u);
}

TEST(ScsiLogPages, AnInformationalExceptionFailsAndUnknownTemperatureIsAbsent) {
  ScsiHealth h;
  apply_scsi_log_page(h, *parse_log_page(page(0x2f, {{0x0000, {0x5d, 0x10, 0xff}}}), 0x2f).value);
  apply_scsi_log_page(h, *parse_log_page(page(0x0d, {{0x0000, {0x00, 0xff}}}), 0x0d).value);
  const SmartReport r = scsi_smart_report(h);
  EXPECT_EQ(r.passed, false);  // 5Dh/10h: hardware impending failure
  EXPECT_FALSE(r.temperature.has_value());
}

TEST(ScsiLogPages, RefusesTruncatedAndInconsistentPages) {
  const Bytes good = page(0x0d, {{0x0000, {0x00, 41}}});
  EXPECT_FALSE(parse_log_page(Bytes{0x0d, 0x00}, 0x0d).ok());                  // no header
  const auto cut = parse_log_page(std::span(good).first(good.size() - 1), 0x0d);  // PAGE LENGTH past the data
  EXPECT_FALSE(cut.ok());
  EXPECT_NE(cut.error.find("PAGE LENGTH"), std::string::npos) << cut.error;
  const auto other = parse_log_page(good, 0x2f);
  EXPECT_FALSE(other.ok());
  EXPECT_NE(other.error.find("returned page 0dh"), std::string::npos) << other.error;
  Bytes overflow = good;
  overflow[7] = 0x20;  // the parameter claims 32 bytes
  EXPECT_FALSE(parse_log_page(overflow, 0x0d).ok());
  Bytes cut_header{0x0d, 0x00, 0x00, 0x02, 0x00, 0x00};  // half a parameter header
  EXPECT_FALSE(parse_log_page(cut_header, 0x0d).ok());
}

TEST(ScsiLogSense, CdbIsCumulativeWithoutSaveAndAllowed) {
  const ScsiCdb cdb = scsi_log_sense(0x2f);
  EXPECT_EQ(cdb.length, 10);
  EXPECT_EQ(cdb.bytes[0], 0x4d);
  EXPECT_EQ(cdb.bytes[1], 0x00);  // SP = 0
  EXPECT_EQ(cdb.bytes[2], 0x6f);  // PC = 01b, page 2Fh
  EXPECT_TRUE(is_allowed(cdb));
  ScsiCdb save = cdb;
  save.bytes[1] = 0x01;
  EXPECT_FALSE(is_allowed(save));
  ScsiCdb select = cdb;
  select.bytes[0] = 0x4c;  // LOG SELECT resets or sets counters
  EXPECT_FALSE(is_allowed(select));
}

}  // namespace
}  // namespace ptrescue::commands
