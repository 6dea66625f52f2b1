// SPDX-License-Identifier: GPL-3.0-or-later
// Hidden capacity (HPA, AMA, DCO) through SAT: the command bytes of the
// three read-only queries, the registers decoded from sense data laid out
// per SAT-5 and the DCO page per ACS-3, SatDevice::native_capacity() on the
// fake libata disk, and every command that changes a drive's capacity
// refused both where it is built and where it would be sent.
#include <gtest/gtest.h>

#include "commands/allow_list.h"
#include "commands/ata_max_address.h"
#include "commands/sat.h"
#include "support/fake_bench.h"
#include "support/fake_sg_target.h"
#include "transport/sat_device.h"
#include "transport/sg_channel.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;
using namespace commands;

TEST(MaxAddressCommands, BytesOfTheThreeQueriesThroughAtaPassThrough16) {
  // 85h | PROTOCOL 3 (non-data) << 1 | EXTEND | CK_COND, T_LENGTH 0 | ... | 27h
  const ScsiCdb rnma = ata_pass_through16(ata_read_native_max_address_ext(), true);
  const std::vector<std::uint8_t> want_rnma{0x85, 0x07, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x27, 0};
  EXPECT_EQ(std::vector<std::uint8_t>(rnma.cdb().begin(), rnma.cdb().end()), want_rnma);
  const ScsiCdb gnma = ata_pass_through16(ata_get_native_max_address_ext(), true);
  EXPECT_EQ(gnma.bytes[14], 0x78);
  EXPECT_EQ(gnma.bytes[3] | gnma.bytes[4], 0);  // FEATURE 0000h
  // PIO data-in (4 << 1), no EXTEND; T_DIR in, BYTE_BLOCK, T_LENGTH in COUNT; FEATURE C2h; COUNT 1.
  const ScsiCdb dco = ata_pass_through16(ata_dco_identify(), false);
  const std::vector<std::uint8_t> want_dco{0x85, 0x08, 0x0e, 0, 0xc2, 0, 0x01, 0, 0, 0, 0, 0, 0, 0x40, 0xb1, 0};
  EXPECT_EQ(std::vector<std::uint8_t>(dco.cdb().begin(), dco.cdb().end()), want_dco);
  EXPECT_EQ(dco.transfer_bytes, 512u);
  for (const ScsiCdb& c : {rnma, gnma, dco}) EXPECT_TRUE(is_allowed(c));
}

TEST(MaxAddressCommands, NativeMaxLbaFromTheAtaStatusReturnDescriptor) {
  // SAT-5 ATA Status Return descriptor: 09h 0Ch, EXTEND, ERROR, COUNT(15:8,7:0),
  // LBA(31:24), LBA(7:0), LBA(39:32), LBA(15:8), LBA(47:40), LBA(23:16), DEVICE, STATUS.
  const std::vector<std::uint8_t> sense{0x72, 0x01, 0x00, 0x1d, 0, 0, 0, 0x0e, 0x09, 0x0c, 0x01, 0x00, 0x00, 0x00,
                                        0xe8, 0xaf, 0x01, 0x88, 0x00, 0xe0, 0x40, 0x50};
  std::string why;
  EXPECT_EQ(native_max_lba_from_registers(ata_registers_from_sense(sense), why), 0x01e8e088afull) << why;
  // Linux < 6.11 fixed-format sense keeps LBA(7:0) only: unknown, and says why.
  const std::vector<std::uint8_t> fixed{0x70, 0, 0x01, 0, 0, 0, 0, 0x0a, 0x00, 0x50, 0x40, 0x00,
                                        0x00, 0x1d, 0, 0, 0x80, 0xaf};
  EXPECT_FALSE(native_max_lba_from_registers(ata_registers_from_sense(fixed), why));
  EXPECT_NE(why.find("--dsense"), std::string::npos) << why;
  // ERR set: the drive aborted it.
  auto aborted = sense;
  aborted[21] = 0x51;
  aborted[11] = 0x04;
  EXPECT_FALSE(native_max_lba_from_registers(ata_registers_from_sense(aborted), why));
  EXPECT_NE(why.find("refused"), std::string::npos) << why;
}

TEST(MaxAddressCommands, DcoIdentifyPageWordsThreeToSixAndTheChecksum) {
  std::vector<std::uint8_t> page(512, 0);
  page[0] = 0x02;  // revision 0002h
  page[6] = 0x2f;  // words 3-6 (bytes 6-13, little-endian): 0x1da3b02f
  page[7] = 0xb0;
  page[8] = 0xa3;
  page[9] = 0x1d;
  page[510] = 0xa5;
  unsigned sum = 0;
  for (int i = 0; i < 511; ++i) sum += page[i];
  page[511] = static_cast<std::uint8_t>(0x100 - (sum & 0xff));
  std::string why;
  const auto d = parse_dco_identify(page, why);
  ASSERT_TRUE(d) << why;
  EXPECT_EQ(d->revision, 2);
  EXPECT_EQ(d->max_lba, 0x1da3b02full);
  page[100] = 1;  // checksum broken
  EXPECT_FALSE(parse_dco_identify(page, why));
  EXPECT_NE(why.find("checksum"), std::string::npos);
  EXPECT_FALSE(parse_dco_identify(std::vector<std::uint8_t>(512, 0), why));
  EXPECT_FALSE(parse_dco_identify(std::vector<std::uint8_t>(100, 1), why));
}

/// Every command that changes what capacity the drive shows.
struct Changer {
  std::uint8_t command;
  std::uint16_t feature;
  bool ext;
  AtaProtocol protocol;
  const char* name;
};
constexpr Changer kChangers[] = {
    {0xf9, 0x00, false, AtaProtocol::kNonData, "SET MAX ADDRESS"},
    {0x37, 0x00, true, AtaProtocol::kNonData, "SET MAX ADDRESS EXT"},
    {0x78, 0x01, true, AtaProtocol::kNonData, "SET ACCESSIBLE MAX ADDRESS EXT"},
    {0x78, 0x02, true, AtaProtocol::kNonData, "FREEZE ACCESSIBLE MAX ADDRESS EXT"},
    {0xb1, 0xc0, false, AtaProtocol::kNonData, "DEVICE CONFIGURATION RESTORE"},
    {0xb1, 0xc1, false, AtaProtocol::kNonData, "DEVICE CONFIGURATION FREEZE LOCK"},
    {0xb1, 0xc3, false, AtaProtocol::kPioDataOut, "DEVICE CONFIGURATION SET"},
};

AtaTaskfile taskfile_of(const Changer& c) {
  AtaTaskfile tf;
  tf.command = c.command;
  tf.feature = c.feature;
  tf.ext = c.ext;
  tf.protocol = c.protocol;
  tf.lba = c.command == 0x37 || c.command == 0xf9 || c.command == 0x78 ? 1000 : 0;
  if (c.protocol == AtaProtocol::kPioDataOut) {
    tf.count = 1;
    tf.direction = DataDirection::kToDevice;
    tf.transfer_bytes = 512;
    tf.data_out.assign(512, 0);
  }
  return tf;
}

/// The ATA PASS-THROUGH(16) CDB of `tf`, byte by byte as SAT-5 lays it out,
/// without the builder (which would refuse it).
ScsiCdb forged_cdb(const AtaTaskfile& tf) {
  ScsiCdb cdb;
  cdb.length = 16;
  auto& b = cdb.bytes;
  b[0] = 0x85;
  b[1] = static_cast<std::uint8_t>((static_cast<int>(tf.protocol) << 1) | (tf.ext ? 1 : 0));
  b[2] = tf.direction == DataDirection::kToDevice ? 0x06 : 0x20;
  b[3] = static_cast<std::uint8_t>(tf.feature >> 8);
  b[4] = static_cast<std::uint8_t>(tf.feature);
  b[6] = static_cast<std::uint8_t>(tf.count);
  b[8] = static_cast<std::uint8_t>(tf.lba);
  b[10] = static_cast<std::uint8_t>(tf.lba >> 8);
  b[13] = 0x40;
  b[14] = tf.command;
  cdb.direction = tf.direction;
  cdb.transfer_bytes = tf.transfer_bytes;
  cdb.data_out = tf.data_out;
  return cdb;
}

TEST(MaxAddressCommands, EveryCapacityChangerIsRefusedWhereBuiltAndWhereSent) {
  test::FakeSysIo io;
  int sent = 0;
  class CountingTarget final : public test::ScsiTarget {
   public:
    explicit CountingTarget(int& n) : n_(n) {}
    test::ScsiReply execute(std::span<const std::uint8_t>, std::span<const std::uint8_t>, std::uint32_t) override {
      ++n_;
      return {};
    }

   private:
    int& n_;
  };
  auto node = std::make_shared<test::FakeSgNode>(std::make_shared<CountingTarget>(sent));
  io.add_node("/dev/sg0", S_IFCHR, 21, 0, node);
  SgChannel channel(io, SysFd(io, io.open("/dev/sg0", 0)), "/dev/sg0");
  for (const Changer& c : kChangers) {
    SCOPED_TRACE(c.name);
    const AtaTaskfile tf = taskfile_of(c);
    // Build checkpoint: the allow-list and the SAT builder refuse it.
    EXPECT_FALSE(is_allowed(tf));
    EXPECT_THROW(require_allowed(tf), CommandRefused);
    EXPECT_THROW(ata_pass_through16(tf, true), CommandRefused);
    // Send checkpoint: a CDB forged by hand never reaches the kernel.
    const SgCompletion done = channel.execute(forged_cdb(tf), 1s);
    EXPECT_EQ(done.end, SgCompletion::End::kRefused);
    EXPECT_NE(done.refusal.find("command refused"), std::string::npos) << done.refusal;
  }
  EXPECT_EQ(sent, 0);
  // The queries themselves pass the same channel.
  EXPECT_EQ(channel.execute(ata_pass_through16(ata_read_native_max_address_ext(), true), 1s).end,
            SgCompletion::End::kCompleted);
  EXPECT_EQ(sent, 1);
}

class SatCapacityTest : public ::testing::Test {
 protected:
  std::unique_ptr<SatDevice> open() { return SatDevice::open(bench.io, "/dev/sg2", "/dev/sda", bench.options(), "sda"); }
  test::FakeBench bench;
  std::shared_ptr<test::FakeAtaDisk> disk = std::make_shared<test::FakeAtaDisk>(1'000'000);
  std::shared_ptr<test::FakeSgNode> node = bench.attach_scsi(0, "sda", 0, 2, disk);
};

TEST_F(SatCapacityTest, HpaAndDcoFoundWithDescriptorSense) {
  disk->control.d_sense = true;
  disk->native_max = 1'200'000 - 1;
  disk->dco_max = 1'500'000 - 1;
  auto dev = open();
  const NativeCapacity c = dev->native_capacity(2s);
  EXPECT_TRUE(c.supported);
  EXPECT_EQ(c.user_max_lba, 999'999u);
  EXPECT_EQ(c.native_max_lba, 1'199'999u);
  EXPECT_EQ(c.native_method, "READ NATIVE MAX ADDRESS EXT");
  EXPECT_EQ(c.dco_max_lba, 1'499'999u);
  EXPECT_EQ(c.hpa_present(), true);
  EXPECT_EQ(c.dco_restricted(), true);
  const std::string warning = hidden_capacity_warning(c, 512);
  EXPECT_NE(warning.find("1000000 sectors"), std::string::npos) << warning;
  EXPECT_NE(warning.find("1200000"), std::string::npos) << warning;
}

TEST_F(SatCapacityTest, AmaDriveIsAskedWithGetNativeMaxAddress) {
  disk->control.d_sense = true;
  disk->ama = true;
  disk->native_max = 999'999;
  auto dev = open();
  const NativeCapacity c = dev->native_capacity(2s);
  EXPECT_EQ(c.native_method, "GET NATIVE MAX ADDRESS EXT");
  EXPECT_EQ(c.native_max_lba, 999'999u);
  EXPECT_EQ(c.hpa_present(), false);
  EXPECT_FALSE(c.dco_max_lba);  // no DCO feature set
  EXPECT_EQ(c.dco_restricted(), std::nullopt);
  EXPECT_TRUE(hidden_capacity_warning(c, 512).empty());
}

TEST_F(SatCapacityTest, FixedSenseOrAnAbortLeavesTheNativeSizeUnknownWithANote) {
  disk->native_max = 1'200'000 - 1;  // fixed-format sense (D_SENSE clear): LBA(7:0) only
  auto dev = open();
  NativeCapacity c = dev->native_capacity(2s);
  EXPECT_FALSE(c.native_max_lba);
  EXPECT_EQ(c.hpa_present(), std::nullopt);
  ASSERT_FALSE(c.notes.empty());
  EXPECT_NE(c.notes[0].find("--dsense"), std::string::npos) << c.notes[0];
  disk->native_max.reset();  // a drive without HPA aborts the query
  c = dev->native_capacity(2s);
  EXPECT_FALSE(c.native_max_lba);
  EXPECT_NE(c.notes[0].find("native max LBA unknown"), std::string::npos) << c.notes[0];
}

}  // namespace
}  // namespace ptrescue
