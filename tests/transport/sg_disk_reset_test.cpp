// SPDX-License-Identifier: GPL-3.0-or-later
// SgDisk's SG_SCSI_RESET rungs when the kernel answers EAGAIN: the sg node
// is non-blocking, and Linux refuses SG_SCSI_RESET on such a descriptor
// while the host is in error recovery (seen in the VM test bed on AHCI right
// after a timeout). The rung must send it again once recovery is over.
#include <gtest/gtest.h>

#include "support/fake_bench.h"
#include "transport/scsi_device.h"

namespace ptrescue {
namespace {

using test::FakeBench;
using test::FakeScsiDisk;

// A FakeScsiDisk whose SG_SCSI_RESET is refused with EAGAIN `refusals` times
// first (the host still in error recovery).
class RecoveringHost final : public test::ScsiTarget {
 public:
  explicit RecoveringHost(std::shared_ptr<FakeScsiDisk> d) : disk(std::move(d)) {}
  test::ScsiReply execute(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> out,
                          std::uint32_t n) override {
    return disk->execute(cdb, out, n);
  }
  int reset(int what) override {
    ++calls;
    if (refusals > 0) {
      --refusals;
      return -EAGAIN;
    }
    return disk->reset(what);
  }
  std::shared_ptr<FakeScsiDisk> disk;
  int refusals = 0;
  int calls = 0;
};

TEST(SgDiskReset, EagainWhileTheHostRecoversIsSentAgainUntilAccepted) {
  FakeBench bench;
  auto host = std::make_shared<RecoveringHost>(std::make_shared<FakeScsiDisk>(100000));
  bench.attach_scsi(1, "sdb", 16, 1, host);
  auto dev = ScsiDevice::open(bench.io, "/dev/sg1", "/dev/sdb", bench.options(), "sdb");
  host->refusals = 3;
  const ResetOutcome r = dev->reset(ResetKind::kDevice);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(host->calls, 4);
  EXPECT_NE(r.detail.find("3 EAGAIN"), std::string::npos) << r.detail;
}

TEST(SgDiskReset, EagainForeverEndsTheRungWithTheReason) {
  FakeBench bench;
  auto host = std::make_shared<RecoveringHost>(std::make_shared<FakeScsiDisk>(100000));
  bench.attach_scsi(1, "sdb", 16, 1, host);
  auto dev = ScsiDevice::open(bench.io, "/dev/sg1", "/dev/sdb", bench.options(), "sdb");
  host->refusals = 1 << 30;
  const ResetOutcome r = dev->reset(ResetKind::kBus);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("EAGAIN while the host was in error recovery"), std::string::npos) << r.detail;
}

}  // namespace
}  // namespace ptrescue
