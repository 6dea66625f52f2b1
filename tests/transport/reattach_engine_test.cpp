// SPDX-License-Identifier: GPL-3.0-or-later
// The rescue engine over a SAT disk that drops off the bus in the middle of
// the run (DID_NO_CONNECT, its nodes gone) and comes back as sdb/sg1, opened
// through open_device_node with --reattach-wait: the run goes on on the new
// node and ends with every byte right. Without a return it ends "device
// gone" once the wait is over, as before.
#include <gtest/gtest.h>

#include <fstream>

#include "src/engine/rescue_engine.h"
#include "support/fake_bench.h"
#include "transport/transport_detect.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;

/// A FakeAtaDisk that, at its `drop_at`-th read, answers DID_NO_CONNECT, is
/// gone from then on, and calls `on_drop` (which plugs its twin back in).
class DroppingDisk final : public test::ScsiTarget {
 public:
  explicit DroppingDisk(std::shared_ptr<test::FakeAtaDisk> disk) : disk_(std::move(disk)) {}
  int drop_at = -1;
  std::function<void()> on_drop;
  test::ScsiReply execute(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> out,
                          std::uint32_t transfer_bytes) override {
    if (cdb[0] == 0x85 && cdb[14] == 0x25 && reads_++ == drop_at) {
      gone = true;
      if (on_drop) on_drop();
      test::ScsiReply r;
      r.host_status = 0x01;  // DID_NO_CONNECT
      return r;
    }
    return disk_->execute(cdb, out, transfer_bytes);
  }

 private:
  std::shared_ptr<test::FakeAtaDisk> disk_;
  int reads_ = 0;
};

class ReattachEngineTest : public ::testing::Test {
 protected:
  RunEnd rescue(Device& dev) {
    const auto size = static_cast<std::int64_t>(dev.identity().capacity_bytes());
    map = MapFile(size);
    ImageFile image(bench.dir.file("image"), ImageFileOptions{});
    std::atomic<bool> stop{false};
    RescueObserver observer;
    RescueOptions opt;
    opt.mapfile_interval = 0ms;
    opt.timeouts = PhaseTimeouts{300ms, 300ms, 300ms, 300ms};
    const Domain domain(0, size);  // the engine keeps a reference
    RescueEngine engine(dev, image, map, domain, opt, [](const MapFile&) {}, observer, stop);
    return engine.run();
  }
  std::unique_ptr<Device> open(Millis wait) {
    PassThroughOptions o = bench.options();
    o.reattach.wait = wait;
    std::vector<std::string> notes;
    return open_device_node(bench.io, "/dev/sda", TransportChoice::kAuto, o, {}, notes);
  }

  test::FakeBench bench;
  MapFile map{0};
};

TEST_F(ReattachEngineTest, ADriveThatComesBackUnderAnotherNameIsRescuedToTheEnd) {
  auto first = std::make_shared<test::FakeAtaDisk>(4096, "WD-DROPS");
  first->unc = {77, 3000};
  auto dropping = std::make_shared<DroppingDisk>(first);
  dropping->drop_at = 5;
  auto twin = std::make_shared<test::FakeAtaDisk>(4096, "WD-DROPS");
  twin->unc = first->unc;
  dropping->on_drop = [&] {
    bench.detach_scsi(0, "sda", 0, 0);
    bench.attach_scsi(1, "sdb", 16, 1, twin);
  };
  bench.attach_scsi(0, "sda", 0, 0, dropping);
  auto dev = open(30s);
  ASSERT_EQ(rescue(*dev), RunEnd::kFinished);
  EXPECT_EQ(dev->identity().command_node, "/dev/sg1");
  EXPECT_GT(twin->reads, 0u);

  std::ifstream in(bench.dir.file("image"), std::ios::binary);
  const std::string img((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (Lba l = 0; l < 4096; ++l) {
    const auto st = map.status_at(static_cast<std::int64_t>(l) * 512);
    if (first->unc.count(l)) {
      EXPECT_EQ(st, BlockStatus::kBadSector) << "lba " << l;
      continue;
    }
    ASSERT_EQ(st, BlockStatus::kFinished) << "lba " << l;
    for (std::size_t i = 0; i < 512; i += 97)
      ASSERT_EQ(static_cast<std::uint8_t>(img[l * 512 + i]), test::sector_byte(l, i)) << "lba " << l;
  }
}

TEST_F(ReattachEngineTest, ADriveThatStaysAwayEndsTheRunAsGone) {
  auto dropping = std::make_shared<DroppingDisk>(std::make_shared<test::FakeAtaDisk>(4096, "WD-GONE"));
  dropping->drop_at = 3;
  dropping->on_drop = [&] { bench.detach_scsi(0, "sda", 0, 0); };
  bench.attach_scsi(0, "sda", 0, 0, dropping);
  auto dev = open(10s);
  const Micros before = bench.io.clock().now();
  EXPECT_EQ(rescue(*dev), RunEnd::kDeviceGone);
  EXPECT_GE(bench.io.clock().now() - before, Micros(10s));  // it did wait
}

}  // namespace
}  // namespace ptrescue
