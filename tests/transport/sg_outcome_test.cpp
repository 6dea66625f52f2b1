// SPDX-License-Identifier: GPL-3.0-or-later
// read_outcome_from_sg: which LBA a media error names. Sense bytes as the VM
// test bed recorded them from Linux 6.1's scsi_debug (docs/TRANSPORTS.md).
#include "transport/sg_outcome.h"

#include <gtest/gtest.h>

#include "commands/sense.h"

namespace ptrescue {
namespace {

// MEDIUM ERROR 11/00, fixed format, VALID, INFORMATION = info.
SgCompletion medium_error(std::uint32_t info) {
  SgCompletion c;
  c.status = 0x02;
  c.driver_status = 0x08;
  c.sense = {0xf0, 0x00, 0x03, static_cast<std::uint8_t>(info >> 24), static_cast<std::uint8_t>(info >> 16),
             static_cast<std::uint8_t>(info >> 8), static_cast<std::uint8_t>(info), 0x0a, 0, 0, 0, 0, 0x11, 0x00,
             0, 0, 0, 0};
  return c;
}

TEST(SgOutcome, AnLbaPastTheCommandsFirstNamesTheFailingSector) {
  const ReadOutcome r = read_outcome_from_sg(medium_error(5000), 4992, 16, 512, commands::decode_scsi_read_error);
  EXPECT_EQ(r.status, ReadStatus::kMediaError);
  EXPECT_EQ(r.error_lba, Lba{5000});
  EXPECT_EQ(r.good_sectors, 0u);
}

TEST(SgOutcome, TheCommandsFirstLbaOnAMultiSectorReadNamesNoSector) {
  // scsi_debug answers a read of 4992..5007 failing at 5000 with INFORMATION
  // 4992: taken as exact, 4992 (good) would be marked bad.
  const ReadOutcome r = read_outcome_from_sg(medium_error(4992), 4992, 16, 512, commands::decode_scsi_read_error);
  EXPECT_EQ(r.status, ReadStatus::kMediaError);
  EXPECT_FALSE(r.error_lba.has_value());
  EXPECT_NE(r.detail.find("first"), std::string::npos) << r.detail;
}

TEST(SgOutcome, AOneSectorReadNamesItsOwnSector) {
  const ReadOutcome r = read_outcome_from_sg(medium_error(5000), 5000, 1, 512, commands::decode_scsi_read_error);
  EXPECT_EQ(r.status, ReadStatus::kMediaError);
  EXPECT_EQ(r.error_lba, Lba{5000});
}

TEST(SgOutcome, AStatusOtherThanCheckConditionIsNamed) {
  SgCompletion busy;
  busy.status = 0x08;
  const ReadOutcome aborted = read_outcome_from_sg(busy, 0, 8, 512, commands::decode_scsi_read_error);
  EXPECT_EQ(aborted.status, ReadStatus::kAborted);
  EXPECT_EQ(aborted.detail, "SCSI status 0x08 (Busy): the device did not carry the command out");

  SgCompletion conflict;
  conflict.status = 0x18;
  const ReadOutcome other = read_outcome_from_sg(conflict, 0, 8, 512, commands::decode_scsi_read_error);
  EXPECT_EQ(other.status, ReadStatus::kOther);
  EXPECT_EQ(other.detail, "SCSI status 0x18 (Reservation Conflict)");
}

}  // namespace
}  // namespace ptrescue
