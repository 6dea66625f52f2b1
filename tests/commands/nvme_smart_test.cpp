// SPDX-License-Identifier: GPL-3.0-or-later
// NVMe SMART / Health Information and Error Information logs, built from
// the byte offsets of NVMe Base 2.0 (not from libnvme's structures, which
// the parser uses), and the Get Log Page commands that read them.
#include <gtest/gtest.h>

#include <vector>

#include "commands/allow_list.h"
#include "commands/nvme.h"
#include "commands/nvme_smart.h"

namespace ptrescue::commands {
namespace {

void le(std::vector<std::uint8_t>& b, std::size_t at, std::size_t n, std::uint64_t v) {
  for (std::size_t i = 0; i < n; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::vector<std::uint8_t> health_log() {
  std::vector<std::uint8_t> d(512, 0);
  d[0] = 0x00;           // critical warning
  le(d, 1, 2, 273 + 38); // composite temperature, kelvin
  d[3] = 100;            // available spare
  d[4] = 10;             // threshold
  d[5] = 3;              // percentage used
  le(d, 32, 8, 1000);    // data units read
  le(d, 48, 8, 2000);    // data units written
  le(d, 64, 8, 30000);   // host read commands
  le(d, 80, 8, 40000);   // host write commands
  le(d, 96, 8, 12);      // controller busy time
  le(d, 112, 8, 55);     // power cycles
  le(d, 128, 8, 4321);   // power-on hours
  le(d, 144, 8, 7);      // unsafe shutdowns
  le(d, 160, 8, 2);      // media and data integrity errors
  le(d, 176, 8, 9);      // error log entries
  le(d, 192, 4, 5);      // warning temperature time
  le(d, 196, 4, 1);      // critical composite temperature time
  return d;
}

TEST(NvmeSmartLog, ParsesTheHealthFields) {
  const auto r = parse_nvme_smart_log(health_log());
  ASSERT_TRUE(r.ok()) << r.error;
  const NvmeHealth& h = *r.value;
  EXPECT_EQ(h.temperature_kelvin, 311);
  EXPECT_EQ(h.available_spare, 100);
  EXPECT_EQ(h.available_spare_threshold, 10);
  EXPECT_EQ(h.percentage_used, 3);
  EXPECT_EQ(h.data_units_read, 1000u);
  EXPECT_EQ(h.data_units_written, 2000u);
  EXPECT_EQ(h.host_reads, 30000u);
  EXPECT_EQ(h.host_writes, 40000u);
  EXPECT_EQ(h.controller_busy_time, 12u);
  EXPECT_EQ(h.power_cycles, 55u);
  EXPECT_EQ(h.power_on_hours, 4321u);
  EXPECT_EQ(h.unsafe_shutdowns, 7u);
  EXPECT_EQ(h.media_errors, 2u);
  EXPECT_EQ(h.num_err_log_entries, 9u);
  EXPECT_EQ(h.warning_temp_time, 5u);
  EXPECT_EQ(h.critical_comp_time, 1u);

  const SmartReport report = nvme_smart_report(h);
  EXPECT_EQ(report.kind, SmartKind::kNvme);
  EXPECT_EQ(report.passed, true);
  EXPECT_EQ(report.temperature, 38);
  EXPECT_EQ(report.power_on_hours, 4321u);
  EXPECT_EQ(parse_nvme_smart_log(encode_nvme_smart_log(h)).value->media_errors, 2u);
}

TEST(NvmeSmartLog, ACriticalWarningFailsAndHugeCountersSaturate) {
  auto d = health_log();
  d[0] = 0x04;               // NVM subsystem reliability degraded
  le(d, 160 + 8, 8, 1);      // media errors above 2^64
  const auto r = parse_nvme_smart_log(d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value->media_errors, UINT64_MAX);
  EXPECT_EQ(nvme_smart_report(*r.value).passed, false);
}

TEST(NvmeSmartLog, RefusesShortAndEmptyLogs) {
  const auto d = health_log();
  const auto short_log = parse_nvme_smart_log(std::span(d).first(511));
  EXPECT_FALSE(short_log.ok());
  EXPECT_NE(short_log.error.find("511 bytes"), std::string::npos);
  EXPECT_FALSE(parse_nvme_smart_log(std::vector<std::uint8_t>(512, 0)).ok());
  EXPECT_FALSE(parse_nvme_smart_log({}).ok());
}

TEST(NvmeErrorLog, ListsEntriesLatestFirstAndSkipsEmptyOnes) {
  std::vector<std::uint8_t> d(4 * 64, 0);
  auto entry = [&](int i, std::uint64_t count, std::uint16_t status, std::uint64_t lba, std::uint32_t nsid) {
    const std::size_t at = 64 * static_cast<std::size_t>(i);
    le(d, at + 0, 8, count);
    le(d, at + 8, 2, 1);                          // SQID
    le(d, at + 10, 2, 0x42);                      // CID
    le(d, at + 12, 2, static_cast<std::uint64_t>(status) << 1);  // status field, phase tag in bit 0
    le(d, at + 16, 8, lba);
    le(d, at + 24, 4, nsid);
  };
  entry(0, 3, 0x281, 2000, 1);
  entry(1, 4, 0x281, 2001, 1);
  // entry 2 left empty (error count 0)
  entry(3, 1, 0x002, 0, 0);  // not tied to a namespace: no LBA
  const auto r = parse_nvme_error_log(d);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value->size(), 3u);
  EXPECT_EQ((*r.value)[0].number, 4u);
  EXPECT_EQ((*r.value)[0].lba, 2001u);
  EXPECT_NE((*r.value)[0].text.find("0x281"), std::string::npos) << (*r.value)[0].text;
  EXPECT_EQ((*r.value)[2].number, 1u);
  EXPECT_FALSE((*r.value)[2].lba.has_value());
  EXPECT_FALSE(parse_nvme_error_log(std::span(d).first(100)).ok());
  EXPECT_FALSE(parse_nvme_error_log({}).ok());
}

TEST(NvmeSmartCommands, GetLogPagePassesTheAllowListAndLspIsRefused) {
  const NvmeCommand health = nvme_get_log_page(NVME_LOG_LID_SMART, NVME_NSID_ALL, kNvmeSmartLogBytes);
  EXPECT_TRUE(health.admin);
  EXPECT_EQ(health.opcode, 0x02);
  EXPECT_EQ(health.nsid, 0xffffffffu);
  EXPECT_EQ(health.cdw10 & 0xff, 0x02u);
  EXPECT_EQ(health.cdw10 >> 16, 127u);  // NUMDL: 128 dwords, 0's based
  EXPECT_EQ(health.transfer_bytes, 512u);
  EXPECT_TRUE(is_allowed(health));
  EXPECT_TRUE(is_allowed(nvme_get_log_page(NVME_LOG_LID_ERROR, NVME_NSID_ALL, 16 * 64)));
  NvmeCommand lsp = health;
  lsp.cdw10 |= 0x1 << 8;  // a log specific field: may make the controller act
  EXPECT_FALSE(is_allowed(lsp));
}

}  // namespace
}  // namespace ptrescue::commands
