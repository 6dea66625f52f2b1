// SPDX-License-Identifier: GPL-3.0-or-later
// ATA SMART parsers on pages built byte by byte from the layouts (ACS-4
// "Device SMART data structure" with the SFF-8035i attribute table, the
// Summary and Extended Comprehensive SMART Error logs, Device Statistics),
// including the checksum, short pages and garbage; and the SMART commands
// ptrescue sends, through the allow-list.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "commands/allow_list.h"
#include "commands/ata.h"
#include "commands/ata_smart.h"
#include "commands/sat.h"

namespace ptrescue::commands {
namespace {

using Page = std::vector<std::uint8_t>;

void seal(Page& p) {
  const unsigned sum = std::accumulate(p.begin(), p.begin() + 511, 0u);
  p[511] = static_cast<std::uint8_t>(-sum & 0xff);
}

// One attribute entry at slot `slot`: id, flags (LE), value, worst, raw (6 LE).
void put_attribute(Page& p, int slot, std::uint8_t id, std::uint16_t flags, std::uint8_t value,
                   std::uint8_t worst, std::uint64_t raw) {
  const std::size_t at = 2 + 12 * static_cast<std::size_t>(slot);
  p[at] = id;
  p[at + 1] = flags & 0xff;
  p[at + 2] = flags >> 8;
  p[at + 3] = value;
  p[at + 4] = worst;
  for (int i = 0; i < 6; ++i) p[at + 5 + i] = static_cast<std::uint8_t>(raw >> (8 * i));
}

Page smart_page() {
  Page p(512, 0);
  p[0] = 0x10;  // revision
  put_attribute(p, 0, 5, 0x0033, 100, 100, 3);
  put_attribute(p, 1, 9, 0x0032, 95, 95, 0x0005'0000'1234ULL);  // bytes 4-5: vendor noise
  put_attribute(p, 2, 194, 0x0022, 35, 45, 35 | 20ULL << 16 | 45ULL << 32);
  put_attribute(p, 4, 197, 0x0032, 100, 100, 8);  // slot 3 unused
  put_attribute(p, 5, 250, 0x0000, 1, 1, 77);
  p[362] = 0x82;
  seal(p);
  return p;
}

TEST(AtaSmartData, ParsesTheAttributeTable) {
  const auto r = parse_ata_smart_data(smart_page());
  ASSERT_TRUE(r.ok()) << r.error;
  const auto& a = *r.value;
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].id, 5);
  EXPECT_EQ(a[0].name, "Reallocated_Sector_Ct");
  EXPECT_EQ(a[0].flags, 0x0033);
  EXPECT_TRUE(a[0].prefailure());
  EXPECT_EQ(a[0].raw, 3u);
  EXPECT_EQ(a[0].raw_string, "3");
  EXPECT_EQ(a[1].name, "Power_On_Hours");
  EXPECT_EQ(a[1].raw_decoded, 0x1234u);  // the low 32 bits
  EXPECT_EQ(a[2].name, "Temperature_Celsius");
  EXPECT_EQ(a[2].value, 35);
  EXPECT_EQ(a[2].worst, 45);
  EXPECT_EQ(a[2].raw_decoded, 35u);
  EXPECT_EQ(a[2].raw_string, "35 (Min/Max 20/45)");
  EXPECT_EQ(a[3].id, 197);
  EXPECT_EQ(a[3].name, "Current_Pending_Sector");
  EXPECT_EQ(a[4].name, "Unknown_Attribute");
  EXPECT_EQ(a[4].raw_decoded, 77u);
}

TEST(AtaSmartData, RefusesAWrongChecksum) {
  Page p = smart_page();
  p[2 + 5] ^= 0x01;  // one raw bit flipped in transit
  const auto r = parse_ata_smart_data(p);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("checksum"), std::string::npos) << r.error;
  EXPECT_FALSE(ata_page_checksum_ok(p));
}

TEST(AtaSmartData, RefusesShortAndEmptyPages) {
  const Page p = smart_page();
  const auto short_page = parse_ata_smart_data(std::span(p).first(511));
  EXPECT_FALSE(short_page.ok());
  EXPECT_NE(short_page.error.find("511 bytes"), std::string::npos) << short_page.error;
  EXPECT_FALSE(parse_ata_smart_data({}).ok());
  const auto zero = parse_ata_smart_data(Page(512, 0));  // sums to 0, but nothing was transferred
  EXPECT_FALSE(zero.ok());
  EXPECT_NE(zero.error.find("all zero"), std::string::npos);
}

TEST(AtaSmartThresholds, AreAppliedByIdAndSayWhenAnAttributeFailed) {
  Page t(512, 0);
  t[0] = 0x10;
  const std::pair<std::uint8_t, std::uint8_t> rows[] = {{5, 100}, {197, 0}, {194, 0}};
  for (std::size_t i = 0; i < 3; ++i) {
    t[2 + 12 * i] = rows[i].first;
    t[2 + 12 * i + 1] = rows[i].second;
  }
  seal(t);
  const auto th = parse_ata_smart_thresholds(t);
  ASSERT_TRUE(th.ok()) << th.error;
  ASSERT_EQ(th.value->size(), 3u);
  auto attrs = *parse_ata_smart_data(smart_page()).value;
  apply_ata_thresholds(attrs, *th.value);
  EXPECT_EQ(attrs[0].threshold, 100);
  EXPECT_TRUE(attrs[0].failing_now());  // value 100 <= threshold 100
  EXPECT_FALSE(attrs[1].threshold.has_value());  // 9 has no threshold entry
  EXPECT_EQ(attrs[3].threshold, 0);
  EXPECT_FALSE(attrs[3].failing_now());  // threshold 0: never fails
  t[100] ^= 0xff;
  EXPECT_FALSE(parse_ata_smart_thresholds(t).ok());
}

TEST(AtaSmartData, EncoderRoundTrips) {
  std::vector<AtaSmartAttribute> in(2);
  in[0].id = 197;
  in[0].flags = 0x32;
  in[0].value = in[0].worst = 100;
  in[0].raw = 57;
  in[0].threshold = 0;
  in[1].id = 5;
  in[1].flags = 0x33;
  in[1].value = 90;
  in[1].worst = 80;
  in[1].raw = 0xffff'ffff'ffffULL;
  in[1].threshold = 10;
  const auto page = encode_ata_smart_data(in);
  EXPECT_TRUE(ata_page_checksum_ok(page));
  auto out = parse_ata_smart_data(page);
  ASSERT_TRUE(out.ok());
  apply_ata_thresholds(*out.value, *parse_ata_smart_thresholds(encode_ata_smart_thresholds(in)).value);
  ASSERT_EQ(out.value->size(), 2u);
  EXPECT_EQ((*out.value)[0].raw, 57u);
  EXPECT_EQ((*out.value)[1].raw, 0xffff'ffff'ffffULL);
  EXPECT_EQ((*out.value)[1].worst, 80);
  EXPECT_EQ((*out.value)[1].threshold, 10);
}

TEST(AtaSummaryErrorLog, WalksTheRingFromTheLatestEntry) {
  Page p(512, 0);
  p[0] = 1;
  p[1] = 2;  // the latest entry is the second
  auto entry = [&](int slot, std::uint8_t error, std::uint32_t lba, std::uint16_t hours) {
    const std::size_t d = 2 + 90 * static_cast<std::size_t>(slot) + 60;  // error data structure
    p[d + 1] = error;
    p[d + 2] = 1;  // count
    p[d + 3] = lba & 0xff;
    p[d + 4] = (lba >> 8) & 0xff;
    p[d + 5] = (lba >> 16) & 0xff;
    p[d + 6] = 0x40 | ((lba >> 24) & 0x0f);
    p[d + 7] = 0x51;
    p[d + 28] = hours & 0xff;
    p[d + 29] = hours >> 8;
  };
  entry(0, 0x40, 0x0123456, 1000);
  entry(1, 0x40, 0x0abcdef, 1001);
  p[452] = 7;  // device error count
  seal(p);
  const auto r = parse_ata_summary_error_log(p);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value->device_error_count, 7u);
  ASSERT_EQ(r.value->entries.size(), 2u);
  EXPECT_EQ(r.value->entries[0].lba, 0x0abcdefu);
  EXPECT_EQ(r.value->entries[0].number, 7u);
  EXPECT_EQ(r.value->entries[0].power_on_hours, 1001u);
  EXPECT_NE(r.value->entries[0].text.find("UNC"), std::string::npos) << r.value->entries[0].text;
  EXPECT_EQ(r.value->entries[1].lba, 0x0123456u);
  p[1] = 9;  // index beyond the five entries
  seal(p);
  EXPECT_FALSE(parse_ata_summary_error_log(p).ok());
}

TEST(AtaExtErrorLog, Decodes48BitLbas) {
  Page p(512, 0);
  p[0] = 1;
  p[2] = 1;  // latest: entry 1
  const std::size_t d = 4 + 90;  // first 124-byte structure, error data after five 18-byte commands
  const std::uint64_t lba = 0x0000'1234'5678'9abcULL;
  p[d + 1] = 0x40;
  p[d + 2] = 8;
  p[d + 4] = lba & 0xff;           // LBA(7:0)
  p[d + 5] = (lba >> 24) & 0xff;   // LBA(31:24)
  p[d + 6] = (lba >> 8) & 0xff;    // LBA(15:8)
  p[d + 7] = (lba >> 32) & 0xff;   // LBA(39:32)
  p[d + 8] = (lba >> 16) & 0xff;   // LBA(23:16)
  p[d + 9] = (lba >> 40) & 0xff;   // LBA(47:40)
  p[d + 11] = 0x51;
  p[d + 32] = 0x10;
  p[500] = 1;
  seal(p);
  const auto r = parse_ata_ext_error_log(p);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value->entries.size(), 1u);
  EXPECT_EQ(r.value->entries[0].lba, lba);
  EXPECT_EQ(r.value->entries[0].power_on_hours, 0x10u);
  EXPECT_NE(r.value->entries[0].text.find("COUNT 8"), std::string::npos);
  EXPECT_FALSE(parse_ata_ext_error_log(std::span(p).first(100)).ok());
}

TEST(AtaDeviceStatistics, ReadsSupportedAndValidValuesOnly) {
  Page list(512, 0);
  list[0] = 1;
  list[8] = 3;
  list[9] = 0;
  list[10] = 1;
  list[11] = 5;
  const auto pages = parse_ata_statistics_page_list(list);
  ASSERT_TRUE(pages.ok()) << pages.error;
  EXPECT_EQ(*pages.value, (std::vector<std::uint8_t>{0, 1, 5}));

  Page general(512, 0);
  general[0] = 1;
  general[2] = 1;  // page number
  auto qword = [&](Page& p, std::size_t off, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) p[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  qword(general, 8, 0xC000'0000'0000'0042ULL);   // power-on resets 66, supported + valid
  qword(general, 16, 0x8000'0000'0000'1000ULL);  // power-on hours: supported, not valid
  qword(general, 40, 0xC000'1234'5678'9abcULL);  // logical sectors read (48 bits)
  const auto stats = parse_ata_statistics_page(general, 1);
  ASSERT_TRUE(stats.ok()) << stats.error;
  ASSERT_EQ(stats.value->size(), 2u);
  EXPECT_EQ((*stats.value)[0].name, "Lifetime Power-On Resets");
  EXPECT_EQ((*stats.value)[0].value, 0x42u);
  EXPECT_EQ((*stats.value)[1].value, 0x1234'5678'9abcULL);
  EXPECT_FALSE(parse_ata_statistics_page(general, 5).ok());  // header names page 1
}

TEST(AtaSmartReport, SummaryPrefersAttributesThenStatistics) {
  SmartReport r;
  r.ata_statistics.push_back({5, 8, "Current Temperature", 41});
  r.ata_statistics.push_back({1, 16, "Power-on Hours", 500});
  summarize_ata_report(r);
  EXPECT_EQ(r.temperature, 41);
  EXPECT_EQ(r.power_on_hours, 500u);
  r.ata_attributes = *parse_ata_smart_data(smart_page()).value;
  summarize_ata_report(r);
  EXPECT_EQ(r.temperature, 35);
  EXPECT_EQ(r.power_on_hours, 0x1234u);
}

TEST(AtaSmartCommands, EverySmartCommandPassesTheAllowList) {
  // The commands SatDevice::read_smart sends, as ATA PASS-THROUGH(16).
  const AtaTaskfile sent[] = {ata_smart_read_data(), ata_smart_read_thresholds(), ata_smart_return_status(),
                              ata_smart_read_log(kAtaSummaryErrorLog, 1), ata_read_log_ext(kAtaExtErrorLog, 0, 1),
                              ata_read_log_ext(kAtaDeviceStatisticsLog, 0, 1),
                              ata_read_log_ext(kAtaDeviceStatisticsLog, 5, 1)};
  for (const auto& tf : sent) {
    EXPECT_TRUE(is_allowed(tf));
    EXPECT_TRUE(is_allowed(ata_pass_through16(tf, tf.feature == smart_feature::kReturnStatus)));
  }
  const auto cdb = ata_pass_through16(ata_read_log_ext(kAtaExtErrorLog, 0, 1), false);
  const std::vector<std::uint8_t> golden{0x85, 0x09, 0x0e, 0, 0, 0, 1, 0, 0x03, 0, 0, 0, 0, 0x40, 0x2f, 0};
  EXPECT_EQ(std::vector<std::uint8_t>(cdb.bytes.begin(), cdb.bytes.begin() + 16), golden);
  EXPECT_EQ(ata_pass_through16(ata_smart_read_thresholds(), false).bytes[4], 0xd1);

  // Neighbours that change the drive stay refused: SMART ENABLE/DISABLE
  // (D8h/D9h), EXECUTE OFF-LINE (D4h), SAVE ATTRIBUTES (D3h), WRITE LOG
  // EXT (3Fh), SMART WRITE LOG to the error log.
  for (std::uint8_t feature : {0xd3, 0xd4, 0xd8, 0xd9, 0xdb}) {
    AtaTaskfile tf = ata_smart_return_status();
    tf.feature = feature;
    EXPECT_FALSE(is_allowed(tf)) << std::hex << int(feature);
  }
  AtaTaskfile write_log = ata_read_log_ext(kAtaExtErrorLog, 0, 1);
  write_log.command = 0x3f;
  EXPECT_FALSE(is_allowed(write_log));
  AtaTaskfile smart_write = ata_sct_erc_get_read_timer();
  smart_write.lba = kSmartLbaSignature | kAtaSummaryErrorLog;
  EXPECT_FALSE(is_allowed(smart_write));
}

}  // namespace
}  // namespace ptrescue::commands
