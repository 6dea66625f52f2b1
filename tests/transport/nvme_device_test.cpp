// SPDX-License-Identifier: GPL-3.0-or-later
// NvmeDevice against a fake controller answering the passthrough ioctls.
// Reads run on worker threads: a hanging read blocks its thread for real,
// so the deadlines of the hang tests are short (they bound real time) and
// the assertions are about outcomes and late completions, never durations.
#include "transport/nvme_device.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "support/fake_bench.h"
#include "transport/transport_detect.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;
using test::FakeBench;
using test::FakeNvme;

constexpr Millis kTimeout = 30s;  // never reached by a read that answers
constexpr Millis kShort = 50ms;   // for reads that hang

class NvmeDeviceTest : public ::testing::Test {
 protected:
  std::unique_ptr<NvmeDevice> open(const std::string& path, PassThroughOptions o) {
    return NvmeDevice::open(bench.io, resolve_node(bench.io, path, o.paths), o);
  }
  std::unique_ptr<NvmeDevice> open(const std::string& path = "/dev/nvme0n1") {
    return open(path, bench.options());
  }
  ReadOutcome read(Device& dev, Lba lba, std::uint32_t count, Millis timeout = kTimeout) {
    buf.assign(std::size_t{count} * dev.identity().logical_sector_size, std::byte{0xAA});
    return test::delivered_into(dev.read(lba, count, buf, timeout), buf);
  }
  bool buffer_holds(Lba lba, std::uint32_t count) const {
    for (std::uint32_t s = 0; s < count; ++s)
      for (std::uint32_t i = 0; i < 512; ++i)
        if (buf[std::size_t{s} * 512 + i] != std::byte{test::sector_byte(lba + s, i)}) return false;
    return true;
  }

  FakeBench bench;
  std::shared_ptr<FakeNvme> nvme = std::make_shared<FakeNvme>(1 << 20);
  bool attached = (bench.attach_nvme(0, nvme), true);
  std::vector<std::byte> buf;
};

TEST_F(NvmeDeviceTest, AutoDetectionOpensTheNamespaceAndIdentifies) {
  std::vector<std::string> notes;
  auto dev = open_device_node(bench.io, "/dev/nvme0n1", TransportChoice::kAuto, bench.options(), {}, notes);
  const DeviceIdentity& id = dev->identity();
  EXPECT_EQ(id.transport, "nvme");
  EXPECT_EQ(id.model, "FAKE NVME SSD");
  EXPECT_EQ(id.serial, "NVME-FAKE-01");
  EXPECT_EQ(id.capacity_sectors, 1u << 20);
  EXPECT_EQ(id.logical_sector_size, 512u);
  EXPECT_EQ(id.max_transfer_sectors, 256u);  // MDTS 5 = 128 KiB
}

TEST_F(NvmeDeviceTest, GoodReadDeliversDataAndGivesTheKernelTheTimeout) {
  auto dev = open();
  const ReadOutcome r = read(*dev, 4000, 16, 1500ms);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.good_sectors, 16u);
  EXPECT_TRUE(buffer_holds(4000, 16));
  EXPECT_EQ(r.timeout_applied, 1500ms);
  EXPECT_EQ(nvme->timeouts().back(), 1500u);
  EXPECT_EQ(nvme->read_cdw12().back() & 0xffff, 15u);  // NLB is 0's based
}

TEST_F(NvmeDeviceTest, UnrecoveredReadErrorIsAMediaError) {
  nvme->add_bad(70);
  auto dev = open();
  const ReadOutcome multi = read(*dev, 64, 16);
  EXPECT_EQ(multi.status, ReadStatus::kMediaError);
  EXPECT_FALSE(multi.error_lba.has_value());  // an NVMe completion names no LBA
  EXPECT_EQ(multi.good_sectors, 0u);
  EXPECT_NE(multi.detail.find("0x281"), std::string::npos) << multi.detail;
  const ReadOutcome single = read(*dev, 70, 1);
  EXPECT_EQ(single.status, ReadStatus::kMediaError);
  EXPECT_EQ(single.error_lba, Lba{70});
}

TEST_F(NvmeDeviceTest, LimitedRetryBitFollowsThePhase) {
  auto dev = open();
  ASSERT_TRUE(read(*dev, 0, 1).ok());
  dev->set_limited_retry(true);
  ASSERT_TRUE(read(*dev, 1, 1).ok());
  dev->set_limited_retry(false);
  ASSERT_TRUE(read(*dev, 2, 1).ok());
  const auto cdw12 = nvme->read_cdw12();
  ASSERT_EQ(cdw12.size(), 3u);
  EXPECT_EQ(cdw12[0] >> 31, 0u);
  EXPECT_EQ(cdw12[1] >> 31, 1u);
  EXPECT_EQ(cdw12[2] >> 31, 0u);
}

TEST_F(NvmeDeviceTest, NoLimitedRetryOptionKeepsTheBitClear) {
  PassThroughOptions o = bench.options();
  o.limited_retry = false;
  auto dev = open("/dev/nvme0n1", o);
  dev->set_limited_retry(true);
  ASSERT_TRUE(read(*dev, 1, 1).ok());
  EXPECT_EQ(nvme->read_cdw12().back() >> 31, 0u);
}

TEST_F(NvmeDeviceTest, HungReadTimesOutAndAControllerResetEndsIt) {
  nvme->add_hang(500);
  auto dev = open();
  const ReadOutcome r = read(*dev, 496, 8, kShort);
  EXPECT_EQ(r.status, ReadStatus::kTimeout);
  EXPECT_TRUE(r.needs_reset);
  EXPECT_EQ(r.good_sectors, 0u);
  EXPECT_EQ(dev->stuck_commands(), 1u);
  ASSERT_TRUE(nvme->wait_blocked(1));

  const ResetOutcome reset = dev->reset(ResetKind::kDevice);
  EXPECT_TRUE(reset.ok) << reset.detail;
  EXPECT_EQ(nvme->resets(), 1);
  // The reset cancelled the stuck read (EINTR); its thread came back and
  // was collected before the probe could run on it.
  EXPECT_EQ(dev->stuck_commands(), 0u);
  EXPECT_EQ(dev->reaped_commands(), 1u);
  const ReadOutcome next = read(*dev, 600, 4);
  ASSERT_TRUE(next.ok()) << next.detail;
  EXPECT_TRUE(buffer_holds(600, 4));
}

TEST_F(NvmeDeviceTest, LateCompletionLandsInItsOwnBufferAndIsDiscarded) {
  nvme->add_hang(10);
  auto dev = open();
  ASSERT_EQ(read(*dev, 8, 4, kShort).status, ReadStatus::kTimeout);
  ASSERT_TRUE(nvme->wait_blocked(1));
  // The late read fills the buffer it was given (kept alive; ASan checks),
  // not the caller's.
  nvme->clear_hang();
  nvme->release_hung();
  const ReadOutcome next = read(*dev, 200, 2);
  ASSERT_TRUE(next.ok()) << next.detail;
  EXPECT_TRUE(buffer_holds(200, 2));
}

TEST_F(NvmeDeviceTest, TooManyStuckReadsStopSendingMore) {
  for (Lba l = 0; l < 8; ++l) nvme->add_hang(l * 100);
  auto dev = open();
  for (Lba l = 0; l < 4; ++l) ASSERT_EQ(read(*dev, l * 100, 1, kShort).status, ReadStatus::kTimeout);
  ASSERT_TRUE(nvme->wait_blocked(4));
  const ReadOutcome r = read(*dev, 900, 1, kShort);
  EXPECT_EQ(r.status, ReadStatus::kOther);
  EXPECT_TRUE(r.needs_reset);
  EXPECT_EQ(nvme->blocked(), 4);  // the fifth was not sent
  nvme->clear_hang();
  nvme->release_hung();
}

TEST_F(NvmeDeviceTest, VanishedDriveIsGone) {
  auto dev = open();
  nvme->set_gone(true);
  const ReadOutcome r = read(*dev, 0, 1);
  EXPECT_EQ(r.status, ReadStatus::kDeviceGone);
  EXPECT_FALSE(r.needs_reset);
}

TEST_F(NvmeDeviceTest, CharNodeAndOldKernelsWithoutIo64Work) {
  nvme->io64 = false;
  auto dev = open("/dev/ng0n1");
  EXPECT_EQ(dev->identity().transport, "nvme");
  ASSERT_TRUE(read(*dev, 3, 2).ok());
  EXPECT_TRUE(buffer_holds(3, 2));
}

TEST_F(NvmeDeviceTest, SoftRungWaitsForTheStuckReadToComeBack) {
  nvme->add_hang(10);
  auto dev = open();
  ASSERT_EQ(read(*dev, 10, 1, kShort).status, ReadStatus::kTimeout);
  ASSERT_TRUE(nvme->wait_blocked(1));
  const ResetOutcome stuck = dev->reset(ResetKind::kSoft);
  EXPECT_FALSE(stuck.ok);
  EXPECT_NE(stuck.detail.find("still in the kernel"), std::string::npos) << stuck.detail;
  nvme->clear_hang();
  nvme->release_hung();  // what the kernel's own abort would do
  for (int i = 0; i < 1000 && dev->stuck_commands() != 0; ++i) std::this_thread::sleep_for(10ms);
  const ResetOutcome r = dev->reset(ResetKind::kSoft);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(nvme->resets(), 0);
}

TEST_F(NvmeDeviceTest, TargetBusAndHostResetsAreUnsupported) {
  auto dev = open();
  for (ResetKind k : {ResetKind::kTarget, ResetKind::kBus, ResetKind::kHost}) {
    const ResetOutcome r = dev->reset(k);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.detail.find("unsupported"), std::string::npos);
  }
  EXPECT_EQ(nvme->resets(), 0);
}

TEST_F(NvmeDeviceTest, VanishedDriveComesBackAfterAPowerCycleMatchedBySerial) {
  auto other = std::make_shared<FakeNvme>(1 << 20, "SOMEONE-ELSE");
  bench.attach_nvme(1, other);
  PassThroughOptions o = bench.options();
  o.power_cycle.command = "usb-hub-port 2 cycle";
  auto dev = open("/dev/nvme0n1", o);
  nvme->set_gone(true);
  const ReadOutcome gone = read(*dev, 0, 1);
  EXPECT_EQ(gone.status, ReadStatus::kDeviceGone);
  EXPECT_TRUE(gone.needs_reset);

  bench.io.on_run_command = [&](const std::string&) {
    bench.detach_nvme(0, 1);
    nvme->set_gone(false);
    bench.attach_nvme(2, nvme);  // back as nvme2n1
    return 0;
  };
  const ResetOutcome r = dev->reset(ResetKind::kPowerCycle);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(dev->identity().command_node, "/dev/nvme2n1");
  ASSERT_TRUE(read(*dev, 5, 1).ok());
  EXPECT_TRUE(buffer_holds(5, 1));
  EXPECT_TRUE(other->read_cdw12().empty());
}

TEST_F(NvmeDeviceTest, ExtendedLbaMetadataIsStrippedFromTheData) {
  nvme->metadata = 8;
  nvme->metadata_extended = true;
  auto dev = open();
  ASSERT_TRUE(read(*dev, 30, 3).ok());
  EXPECT_TRUE(buffer_holds(30, 3));
}

TEST_F(NvmeDeviceTest, SeparateMetadataIsRefusedAtOpen) {
  nvme->metadata = 8;
  EXPECT_THROW(open(), TransportError);
}

TEST_F(NvmeDeviceTest, ErcAndDsenseAreNotesOnNvme) {
  PassThroughOptions o = bench.options();
  o.erc = 1s;
  o.dsense = true;
  auto dev = open("/dev/nvme0n1", o);
  const auto notes = dev->take_notes();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find("Limited Retry"), std::string::npos);
}

}  // namespace
}  // namespace ptrescue
