// SPDX-License-Identifier: GPL-3.0-or-later
// The sg v3 asynchronous protocol under SgChannel: deadlines, pack_id
// matching, late completions met while waiting for another command, and
// the kernel's refusals.
#include "transport/sg_channel.h"

#include <gtest/gtest.h>

#include <functional>

#include "commands/ata.h"
#include "commands/sat.h"
#include "commands/scsi.h"
#include "commands/sense.h"
#include "support/fake_sg_target.h"
#include "transport/sg_outcome.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;
using test::ScsiReply;

/// A target whose answers the test writes as a function of the CDB.
class LambdaTarget final : public test::ScsiTarget {
 public:
  std::function<ScsiReply(std::span<const std::uint8_t>)> answer;
  ScsiReply execute(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t>, std::uint32_t) override {
    return answer(cdb);
  }
};

class SgChannelTest : public ::testing::Test {
 protected:
  SgChannelTest() {
    io.add_node("/dev/sg0", S_IFCHR, 21, 0, node);
    channel = std::make_unique<SgChannel>(io, SysFd(io, io.open("/dev/sg0", 0)), "/dev/sg0");
  }
  /// READ(10) of one block at `lba`: the fakes answer by LBA.
  static commands::ScsiCdb read_at(std::uint32_t lba) { return commands::scsi_read10(lba, 1, 512); }

  test::FakeSysIo io;
  std::shared_ptr<LambdaTarget> target = std::make_shared<LambdaTarget>();
  std::shared_ptr<test::FakeSgNode> node = std::make_shared<test::FakeSgNode>(target);
  std::unique_ptr<SgChannel> channel;
};

ScsiReply data_reply(std::uint8_t byte) {
  ScsiReply r;
  r.data.assign(512, byte);
  return r;
}

TEST_F(SgChannelTest, CompletedCommandReturnsStatusSenseAndData) {
  target->answer = [](auto) { return data_reply(0x11); };
  const SgCompletion c = channel->execute(read_at(1), 1s);
  ASSERT_EQ(c.end, SgCompletion::End::kCompleted);
  EXPECT_EQ(c.status, 0);
  ASSERT_EQ(c.data.size(), 512u);
  EXPECT_EQ(c.data[0], std::byte{0x11});
  EXPECT_EQ(c.timeout_applied, 1s);
}

TEST_F(SgChannelTest, LateCompletionMetWhileWaitingIsDiscardedNotTakenForTheAnswer) {
  target->answer = [&](std::span<const std::uint8_t> cdb) {
    if (cdb[5] == 1) {  // LBA 1 hangs
      ScsiReply r;
      r.hang = true;
      return r;
    }
    // LBA 2: the hung command completes just before this one does, so the
    // channel reads LBA 1's completion first while waiting for LBA 2's.
    node->release_hung(data_reply(0x99));
    return data_reply(0x22);
  };
  EXPECT_EQ(channel->execute(read_at(1), 100ms).end, SgCompletion::End::kTimeout);
  EXPECT_EQ(channel->late_count(), 1u);
  const SgCompletion c = channel->execute(read_at(2), 1s);
  ASSERT_EQ(c.end, SgCompletion::End::kCompleted);
  EXPECT_EQ(c.data[0], std::byte{0x22});
  EXPECT_EQ(channel->late_count(), 0u);
  EXPECT_EQ(channel->reaped_count(), 1u);
}

TEST_F(SgChannelTest, NothingIsSentOnceTooManyCommandsAreStuck) {
  target->answer = [](auto) {
    ScsiReply r;
    r.hang = true;
    return r;
  };
  for (std::size_t i = 0; i < SgChannel::kMaxLate; ++i)
    ASSERT_EQ(channel->execute(read_at(1), 10ms).end, SgCompletion::End::kTimeout);
  EXPECT_EQ(channel->execute(read_at(1), 10ms).end, SgCompletion::End::kQueueFull);
  EXPECT_EQ(target->cdbs.size(), SgChannel::kMaxLate);
  // Once the kernel ends them, commands flow again.
  node->release_hung(data_reply(0));
  target->answer = [](auto) { return data_reply(0x33); };
  EXPECT_EQ(channel->execute(read_at(1), 1s).end, SgCompletion::End::kCompleted);
  EXPECT_EQ(channel->late_count(), 0u);
}

TEST_F(SgChannelTest, KernelRefusalsAreOsErrorsOrQueueFull) {
  target->answer = [](auto) { return data_reply(0); };
  node->write_error = -EDOM;  // the sg driver's "too many commands queued"
  EXPECT_EQ(channel->execute(read_at(1), 1s).end, SgCompletion::End::kQueueFull);
  node->write_error = -EIO;
  const SgCompletion c = channel->execute(read_at(1), 1s);
  EXPECT_EQ(c.end, SgCompletion::End::kOsError);
  EXPECT_EQ(c.os_errno, EIO);
}

TEST_F(SgChannelTest, DeviceDetachingWhileACommandWaitsIsGone) {
  target->answer = [&](auto) {
    target->gone = true;  // hot-unplugged during the command
    ScsiReply r;
    r.hang = true;
    return r;
  };
  const SgCompletion c = channel->execute(read_at(1), 1s);
  EXPECT_EQ(c.end, SgCompletion::End::kGone);
  EXPECT_EQ(channel->late_count(), 1u);  // its buffers stay with the kernel
}

// ---- the allow-list at the last step ----------------------------------------

/// A READ(10)/(16) turned into WRITE(10)/(16) after it was built (SBC-4:
/// opcodes 2Ah and 8Ah, same field layout), with a block of data to write.
commands::ScsiCdb forged_write(commands::ScsiCdb read, std::uint8_t write_opcode) {
  read.bytes[0] = write_opcode;
  read.direction = commands::DataDirection::kToDevice;
  read.data_out.assign(512, 0xee);
  read.transfer_bytes = 512;
  return read;
}

/// An ATA PASS-THROUGH(16) of READ DMA EXT whose COMMAND field (SAT-4
/// byte 14) was changed to WRITE DMA EXT (ACS-4: 35h), data-out.
commands::ScsiCdb forged_ata_write() {
  commands::ScsiCdb cdb = commands::ata_pass_through16(commands::ata_read_dma_ext(8, 1, 512), false);
  cdb.bytes[14] = 0x35;
  cdb.bytes[2] &= static_cast<std::uint8_t>(~0x08);  // T_DIR 0: to the device
  cdb.direction = commands::DataDirection::kToDevice;
  cdb.data_out.assign(512, 0xee);
  return cdb;
}

/// An ATA PASS-THROUGH(12) of READ DMA whose COMMAND field (SAT-5 byte 9)
/// was changed to WRITE DMA (ACS-4: CAh), data-out.
commands::ScsiCdb forged_ata12_write() {
  commands::ScsiCdb cdb = commands::ata_pass_through12(commands::ata_read_dma(8, 1, 512), false);
  cdb.bytes[9] = 0xca;
  cdb.bytes[2] &= static_cast<std::uint8_t>(~0x08);  // T_DIR 0: to the device
  cdb.direction = commands::DataDirection::kToDevice;
  cdb.data_out.assign(512, 0xee);
  return cdb;
}

/// An ATA PASS-THROUGH(12) of SMART RETURN STATUS (non-data) turned into
/// SECURITY ERASE PREPARE (F3h), then into SMART EXECUTE OFF-LINE (D4h).
commands::ScsiCdb forged_ata12_non_data(std::uint8_t command, std::uint8_t feature) {
  commands::ScsiCdb cdb = commands::ata_pass_through12(commands::ata_smart_return_status(), false);
  cdb.bytes[9] = command;
  cdb.bytes[3] = feature;
  return cdb;
}

TEST_F(SgChannelTest, AForgedWriteNeverReachesTheKernel) {
  int sent = 0;
  target->answer = [&](auto) {
    ++sent;
    return data_reply(0);
  };
  const std::pair<const char*, commands::ScsiCdb> forged[] = {
      {"WRITE(10)", forged_write(commands::scsi_read10(8, 1, 512), 0x2a)},
      {"WRITE(16)", forged_write(commands::scsi_read16(8, 1, 512), 0x8a)},
      {"ATA WRITE DMA EXT", forged_ata_write()},
      {"ATA WRITE DMA through ATA PASS-THROUGH(12)", forged_ata12_write()},
      {"ATA SECURITY ERASE PREPARE through ATA PASS-THROUGH(12)", forged_ata12_non_data(0xf3, 0)},
      {"ATA SMART EXECUTE OFF-LINE through ATA PASS-THROUGH(12)", forged_ata12_non_data(0xb0, 0xd4)},
  };
  for (const auto& [name, cdb] : forged) {
    SCOPED_TRACE(name);
    const SgCompletion c = channel->execute(cdb, 1s);
    EXPECT_EQ(c.end, SgCompletion::End::kRefused);
    EXPECT_EQ(c.refusal.rfind("command refused: ", 0), 0u) << c.refusal;
    EXPECT_TRUE(c.data.empty());
    // As a read outcome: an error value naming the refusal, not an exception.
    const ReadOutcome r = read_outcome_from_sg(c, 8, 1, 512, commands::decode_scsi_read_error);
    EXPECT_EQ(r.status, ReadStatus::kOther);
    EXPECT_NE(r.detail.find("command refused"), std::string::npos) << r.detail;
  }
  EXPECT_EQ(sent, 0);
  EXPECT_TRUE(target->cdbs.empty());

  // The same channel still sends what the allow-list admits, in either form.
  EXPECT_EQ(channel->execute(read_at(8), 1s).end, SgCompletion::End::kCompleted);
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(channel->execute(commands::ata_pass_through12(commands::ata_identify_device(), false), 1s).end,
            SgCompletion::End::kCompleted);
  EXPECT_EQ(sent, 2);
}

TEST_F(SgChannelTest, HostStatusNamesFollowTheKernel) {
  EXPECT_EQ(host_status_name(0x03), "DID_TIME_OUT (0x03)");
  EXPECT_EQ(host_status_name(0x01), "DID_NO_CONNECT (0x01)");
  EXPECT_EQ(host_status_name(0x7f), "host status 0x7f");
}

}  // namespace
}  // namespace ptrescue
