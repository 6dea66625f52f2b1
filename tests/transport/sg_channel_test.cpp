// The sg v3 asynchronous protocol under SgChannel: deadlines, pack_id
// matching, late completions met while waiting for another command, and
// the kernel's refusals.
#include "transport/sg_channel.h"

#include <gtest/gtest.h>

#include <functional>

#include "commands/scsi.h"
#include "support/fake_sg_target.h"

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

TEST_F(SgChannelTest, HostStatusNamesFollowTheKernel) {
  EXPECT_EQ(host_status_name(0x03), "DID_TIME_OUT (0x03)");
  EXPECT_EQ(host_status_name(0x01), "DID_NO_CONNECT (0x01)");
  EXPECT_EQ(host_status_name(0x7f), "host status 0x7f");
}

}  // namespace
}  // namespace ptrescue
