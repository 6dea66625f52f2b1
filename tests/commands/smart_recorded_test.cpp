// SPDX-License-Identifier: GPL-3.0-or-later
// Parsers on buffers recorded in the kernel test bed (tools/vm/tests/smart.sh,
// QEMU 7.2, Debian kernel 6.1): the SMART READ DATA and READ THRESHOLDS pages
// of QEMU's emulated AHCI disk (read with sg_raw, not ptrescue) and the NVMe
// SMART / Health Information log of its NVMe controller (nvme get-log), with
// the values smartctl -j -a printed for the same disks in the same boot.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "commands/ata_smart.h"
#include "commands/nvme_smart.h"

namespace ptrescue::commands {
namespace {

std::vector<std::uint8_t> hex(std::initializer_list<const char*> lines) {
  std::vector<std::uint8_t> out;
  for (const char* line : lines) {
    std::istringstream in(line);
    unsigned v = 0;
    while (in >> std::hex >> v) out.push_back(static_cast<std::uint8_t>(v));
  }
  return out;
}

const std::vector<std::uint8_t> kQemuSmartData = hex({
      "01 00 01 03 00 64 64 00 00 00 00 00 00 00 03 03 00 64 64 10 00 00 00 00 00 00 04 02 00 64 64 64 "
      "00 00 00 00 00 00 05 03 00 64 64 00 00 00 00 00 00 00 09 03 00 64 64 01 00 00 00 00 00 00 0c 03 "
      "00 64 64 00 00 00 00 00 00 00 be 03 00 45 45 1f 00 1f 1f 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 82 00 20 01 00 19 03 00 01 00 02 36 01 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 06 "
});
const std::vector<std::uint8_t> kQemuSmartThresholds = hex({
      "01 00 01 06 00 00 00 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00 00 00 00 00 04 14 00 00 00 00 "
      "00 00 00 00 00 00 05 24 00 00 00 00 00 00 00 00 00 00 09 00 00 00 00 00 00 00 00 00 00 00 0c 00 "
      "00 00 00 00 00 00 00 00 00 00 be 32 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 af "
});
const std::vector<std::uint8_t> kQemuNvmeSmartLog = hex({
      "00 43 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
});

TEST(SmartRecordedInGuest, QemuAhciAttributesMatchSmartctl) {
  ASSERT_EQ(kQemuSmartData.size(), 512u);
  EXPECT_TRUE(ata_page_checksum_ok(kQemuSmartData));
  auto attrs = parse_ata_smart_data(kQemuSmartData);
  ASSERT_TRUE(attrs.ok()) << attrs.error;
  const auto thresholds = parse_ata_smart_thresholds(kQemuSmartThresholds);
  ASSERT_TRUE(thresholds.ok()) << thresholds.error;
  apply_ata_thresholds(*attrs.value, *thresholds.value);
  SmartReport r;
  r.ata_attributes = *attrs.value;
  summarize_ata_report(r);
  // smartctl -j -a in the same boot: ids 1 3 4 5 9 12 190; 190 raw 522125343,
  // temperature 31, power-on hours 1, power cycles 0; thresholds 6 0 20 36 0 0 50.
  ASSERT_EQ(r.ata_attributes.size(), 7u);
  const std::uint8_t ids[] = {1, 3, 4, 5, 9, 12, 190};
  const std::uint8_t thresh[] = {6, 0, 20, 36, 0, 0, 50};
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(r.ata_attributes[i].id, ids[i]);
    EXPECT_EQ(r.ata_attributes[i].threshold, thresh[i]) << int(ids[i]);
  }
  EXPECT_EQ(r.attribute(3)->raw, 16u);
  EXPECT_EQ(r.attribute(4)->raw, 100u);
  EXPECT_EQ(r.attribute(190)->raw, 522125343u);
  EXPECT_EQ(r.attribute(190)->value, 69);
  EXPECT_EQ(r.attribute(190)->name, "Airflow_Temperature_Cel");
  EXPECT_EQ(r.temperature, 31);
  EXPECT_EQ(r.power_on_hours, 1u);
  EXPECT_EQ(r.power_cycles, 0u);
  EXPECT_FALSE(std::any_of(r.ata_attributes.begin(), r.ata_attributes.end(),
                           [](const AtaSmartAttribute& a) { return a.failing_now(); }));
}

TEST(SmartRecordedInGuest, QemuNvmeHealthLogMatchesSmartctl) {
  const auto h = parse_nvme_smart_log(kQemuNvmeSmartLog);
  ASSERT_TRUE(h.ok()) << h.error;
  // smartctl: temperature 50, data_units_read 1, host_reads 3, the rest 0.
  EXPECT_EQ(h.value->temperature_kelvin, 323);
  EXPECT_EQ(nvme_smart_report(*h.value).temperature, 50);
  EXPECT_EQ(h.value->data_units_read, 1u);
  EXPECT_EQ(h.value->host_reads, 3u);
  EXPECT_EQ(h.value->critical_warning, 0);
  EXPECT_EQ(h.value->available_spare, 0);  // QEMU 7.2 reports 0 % spare (and a threshold of 0)
  EXPECT_EQ(h.value->media_errors, 0u);
}

}  // namespace
}  // namespace ptrescue::commands
