// SPDX-License-Identifier: GPL-3.0-or-later
// The rescue engine over a SatDevice over a fake libata disk: the whole
// chain from the engine's phases down to the bytes of ATA PASS-THROUGH and
// sense data. The map must end exactly right: the drive's bad sectors bad,
// everything else rescued with the right bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "src/engine/rescue_engine.h"
#include "support/fake_bench.h"
#include "transport/sat_device.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;

class SatEngineTest : public ::testing::Test {
 protected:
  RunEnd rescue(Device& dev, MapFile& map, RescueOptions opt = {}) {
    const auto size = static_cast<std::int64_t>(dev.identity().capacity_bytes());
    map = MapFile(size);
    const Domain domain(0, size);
    ImageFile image(bench.dir.file("image"), ImageFileOptions{});
    std::atomic<bool> stop{false};
    RescueObserver observer;
    opt.mapfile_interval = 0ms;
    opt.timeouts = PhaseTimeouts{300ms, 300ms, 300ms, 300ms};
    RescueEngine engine(dev, image, map, domain, opt, [](const MapFile&) {}, observer, stop);
    return engine.run();
  }

  void expect_exact(const test::FakeAtaDisk& disk, const std::set<Lba>& bad, const MapFile& map) {
    std::ifstream in(bench.dir.file("image"), std::ios::binary);
    const std::string img((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (Lba l = 0; l < disk.capacity; ++l) {
      const auto st = map.status_at(static_cast<std::int64_t>(l) * 512);
      if (bad.count(l)) {
        EXPECT_EQ(st, BlockStatus::kBadSector) << "lba " << l;
        continue;
      }
      ASSERT_EQ(st, BlockStatus::kFinished) << "lba " << l;
      ASSERT_GE(img.size(), (l + 1) * 512);
      for (std::size_t i = 0; i < 512; ++i)
        ASSERT_EQ(static_cast<std::uint8_t>(img[l * 512 + i]), test::sector_byte(l, i)) << "lba " << l;
    }
  }

  test::FakeBench bench;
};

TEST_F(SatEngineTest, ScatteredUncSectorsEndExactlyBad) {
  auto disk = std::make_shared<test::FakeAtaDisk>(8192);
  std::mt19937 rng(3);
  for (int i = 0; i < 30; ++i) disk->unc.insert(rng() % 8192);
  disk->control.d_sense = true;
  bench.attach_scsi(0, "sda", 0, 0, disk);
  auto dev = SatDevice::open(bench.io, "/dev/sg0", "/dev/sda", bench.options(), "sda");
  MapFile map(0);
  EXPECT_EQ(rescue(*dev, map), RunEnd::kFinished);
  expect_exact(*disk, disk->unc, map);
}

TEST_F(SatEngineTest, FixedSenseWithOnlyTheLowLbaByteStillEndsExact) {
  auto disk = std::make_shared<test::FakeAtaDisk>(8192);
  disk->unc = {300, 301, 1000, 4097, 8191};
  bench.attach_scsi(0, "sda", 0, 0, disk);
  auto dev = SatDevice::open(bench.io, "/dev/sg0", "/dev/sda", bench.options(), "sda");
  MapFile map(0);
  EXPECT_EQ(rescue(*dev, map), RunEnd::kFinished);
  expect_exact(*disk, disk->unc, map);
}

TEST_F(SatEngineTest, HangingSectorIsTimedOutResetAndMarkedBad) {
  auto disk = std::make_shared<test::FakeAtaDisk>(2048);
  disk->hang = {1500};
  disk->unc = {10};
  auto node = bench.attach_scsi(0, "sda", 0, 0, disk);
  auto dev = SatDevice::open(bench.io, "/dev/sg0", "/dev/sda", bench.options(), "sda");
  MapFile map(0);
  RescueOptions opt;
  opt.reset_ladder = {ResetKind::kSoft, ResetKind::kDevice};
  EXPECT_EQ(rescue(*dev, map, opt), RunEnd::kFinished);
  expect_exact(*disk, {10, 1500}, map);
  // Every hang was ended by a device reset (soft is refused by libata), and
  // every late completion was collected.
  EXPECT_FALSE(node->reset_values.empty());
  EXPECT_EQ(dev->channel()->late_count(), 0u);
}

TEST_F(SatEngineTest, OnLibataTheSoftRungRidesOutTheKernelsErrorHandling) {
  // As measured in the VM: libata refuses ATA resets through ATA
  // PASS-THROUGH and every SG_SCSI_RESET (EIO), and ends a timed-out command
  // itself once its error handler has reset the link.
  auto disk = std::make_shared<test::FakeAtaDisk>(2048);
  disk->hang = {700, 701};
  disk->reset_result = -EIO;
  auto node = bench.attach_scsi(0, "sda", 0, 0, disk);
  node->kernel_ends_hung_commands(bench.io.clock(), 3s, test::libata_timeout_reply());
  auto dev = SatDevice::open(bench.io, "/dev/sg0", "/dev/sda", bench.options(), "sda");
  MapFile map(0);
  EXPECT_EQ(rescue(*dev, map), RunEnd::kFinished);  // default ladder: soft, device, bus
  expect_exact(*disk, {700, 701}, map);
  EXPECT_TRUE(node->reset_values.empty());
  EXPECT_EQ(dev->channel()->late_count(), 0u);
}

}  // namespace
}  // namespace ptrescue
