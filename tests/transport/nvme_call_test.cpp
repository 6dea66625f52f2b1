// SPDX-License-Identifier: GPL-3.0-or-later
// The NVMe passthrough call checks the allow-list itself, at the last step
// before the ioctl: a forged command (NVMe Write, or an admin Format NVM)
// makes no ioctl at all and says why; an admitted Read goes through.
#include "transport/nvme_call.h"

#include <gtest/gtest.h>

#include "commands/nvme.h"
#include "support/fake_sys_io.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;

/// A namespace node that only counts the ioctls it receives.
class CountingNode final : public test::FakeNode {
 public:
  int ioctl(unsigned long, void*) override { return ++ioctls, 0; }
  int ioctls = 0;
};

class NvmeCallTest : public ::testing::Test {
 protected:
  NvmeCallTest() { io.add_node("/dev/nvme0n1", S_IFBLK, 259, 0, node); }
  int run(const commands::NvmeCommand& cmd, std::optional<std::string>* refusal) {
    const int fd = io.open("/dev/nvme0n1", 0);
    NvmeCall call(fd, cmd, 1s, true);
    const int r = call.run(io);
    *refusal = call.refusal();
    io.close(fd);
    return r;
  }

  test::FakeSysIo io;
  std::shared_ptr<CountingNode> node = std::make_shared<CountingNode>();
};

/// An NVMe Read turned into a Write after it was built (NVM Command Set
/// 2.0, Figure 3 "Opcodes for NVM Commands": Read 02h, Write 01h).
commands::NvmeCommand forged_write() {
  commands::NvmeCommand cmd = commands::nvme_read(1, 8, 1, 512, false);
  cmd.opcode = 0x01;
  cmd.direction = commands::DataDirection::kToDevice;
  return cmd;
}

/// Format NVM (NVMe Base 2.0, admin opcode 80h) on namespace 1.
commands::NvmeCommand format_nvm() {
  commands::NvmeCommand cmd;
  cmd.admin = true;
  cmd.opcode = 0x80;
  cmd.nsid = 1;
  return cmd;
}

TEST_F(NvmeCallTest, AForgedCommandMakesNoIoctlAndSaysWhy) {
  for (const auto& cmd : {forged_write(), format_nvm()}) {
    std::optional<std::string> refusal;
    EXPECT_EQ(run(cmd, &refusal), NvmeCall::kRefused);
    ASSERT_TRUE(refusal.has_value());
    EXPECT_EQ(refusal->rfind("command refused: ", 0), 0u) << *refusal;
  }
  EXPECT_EQ(node->ioctls, 0);
}

TEST_F(NvmeCallTest, AnAdmittedReadReachesTheIoctl) {
  std::optional<std::string> refusal;
  EXPECT_EQ(run(commands::nvme_read(1, 8, 1, 512, false), &refusal), 0);
  EXPECT_FALSE(refusal.has_value());
  EXPECT_EQ(node->ioctls, 1);
}

}  // namespace
}  // namespace ptrescue
