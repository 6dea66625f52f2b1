// SPDX-License-Identifier: GPL-3.0-or-later
// SatDevice against a fake libata disk answering at the ioctl level: the
// commands it sends, how each failure the drive or the kernel reports comes
// out, deadlines, late completions, resets, the power-cycle hook and the
// opt-in settings.
#include "transport/sat_device.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "support/fake_bench.h"
#include "transport/transport_detect.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;
using test::FakeAtaDisk;
using test::FakeBench;
using test::ScsiReply;

constexpr Millis kTimeout = 2s;

/// Forwards to a FakeAtaDisk but answers reads with a scripted reply.
class ScriptedReads final : public test::ScsiTarget {
 public:
  explicit ScriptedReads(std::shared_ptr<FakeAtaDisk> disk) : disk_(std::move(disk)) {}
  ScsiReply read_reply;
  ScsiReply execute(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> out,
                    std::uint32_t transfer) override {
    if (cdb[0] == 0x85 && (cdb[14] == 0x25 || cdb[14] == 0x24)) return read_reply;
    return disk_->execute(cdb, out, transfer);
  }

 private:
  std::shared_ptr<FakeAtaDisk> disk_;
};

class SatDeviceTest : public ::testing::Test {
 protected:
  std::unique_ptr<SatDevice> open(PassThroughOptions o) {
    return SatDevice::open(bench.io, "/dev/sg2", "/dev/sda", o, "sda");
  }
  std::unique_ptr<SatDevice> open() { return open(bench.options()); }

  /// Reads into a buffer pre-filled with 0xAA; returns the outcome.
  ReadOutcome read(Device& dev, Lba lba, std::uint32_t count, Millis timeout = kTimeout) {
    buf.assign(std::size_t{count} * dev.identity().logical_sector_size, std::byte{0xAA});
    return test::delivered_into(dev.read(lba, count, buf, timeout), buf);
  }
  bool buffer_untouched() const {
    return std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == std::byte{0xAA}; });
  }
  bool buffer_holds(Lba lba, std::uint32_t count, std::uint32_t ss = 512) const {
    for (std::uint32_t s = 0; s < count; ++s)
      for (std::uint32_t i = 0; i < ss; ++i)
        if (buf[std::size_t{s} * ss + i] != std::byte{test::sector_byte(lba + s, i)}) return false;
    return true;
  }

  FakeBench bench;
  std::shared_ptr<FakeAtaDisk> disk = std::make_shared<FakeAtaDisk>(1 << 20);
  std::shared_ptr<test::FakeSgNode> node = bench.attach_scsi(0, "sda", 0, 2, disk);
  std::vector<std::byte> buf;
};

TEST_F(SatDeviceTest, AutoDetectionUsesTheSgNodeFromSysfsNotTheBlockNode) {
  std::vector<std::string> notes;
  auto dev = open_device_node(bench.io, "/dev/sda", TransportChoice::kAuto, bench.options(), {}, notes);
  EXPECT_EQ(dev->identity().transport, "sat");
  EXPECT_EQ(dev->identity().command_node, "/dev/sg2");
  EXPECT_EQ(dev->identity().path, "/dev/sda");
  // A short timeout reaches the kernel as it is: the sg node does not raise
  // it to 7 s like SG_IO on /dev/sda would.
  const ReadOutcome r = read(*dev, 100, 8, 300ms);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.timeout_applied, 300ms);
  EXPECT_EQ(disk->timeouts.back(), 300u);
  EXPECT_FALSE(bench.opened("/dev/sda"));
}

TEST_F(SatDeviceTest, IdentityComesFromIdentifyDevice) {
  disk->model = "WDC WD10EZEX-00BN5A0";
  disk->serial = "WD-WCC3F1234567";
  disk->firmware = "01.01A01";
  auto dev = open();
  const DeviceIdentity& id = dev->identity();
  EXPECT_EQ(id.transport, "sat");
  EXPECT_EQ(id.model, "WDC WD10EZEX-00BN5A0");
  EXPECT_EQ(id.serial, "WD-WCC3F1234567");
  EXPECT_EQ(id.firmware, "01.01A01");
  EXPECT_EQ(id.capacity_sectors, 1u << 20);
  EXPECT_EQ(id.logical_sector_size, 512u);
  EXPECT_EQ(id.smart_supported, true);
  EXPECT_EQ(id.erc_supported, true);
  // sysfs max_hw_sectors_kb = 512 KiB.
  EXPECT_EQ(id.max_transfer_sectors, 1024u);
}

TEST_F(SatDeviceTest, GoodReadSendsReadDmaExtAndDeliversTheData) {
  auto dev = open();
  const ReadOutcome r = read(*dev, 0x12345, 16);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.good_sectors, 16u);
  EXPECT_TRUE(buffer_holds(0x12345, 16));
  // ATA PASS-THROUGH(16), DMA (protocol 6) + EXTEND, T_DIR in, BYTE_BLOCK,
  // length in COUNT; LBA bytes 7-12; READ DMA EXT.
  const std::vector<std::uint8_t> want{0x85, 0x0d, 0x0e, 0, 0, 0, 16, 0, 0x45, 0, 0x23, 0, 0x01, 0x40, 0x25, 0};
  EXPECT_EQ(disk->last_read_command, want);
}

TEST_F(SatDeviceTest, UncWithDescriptorSenseGivesTheExactLbaAndNoData) {
  disk->control.d_sense = true;
  disk->unc = {1005};
  auto dev = open();
  const ReadOutcome r = read(*dev, 1000, 16);
  EXPECT_EQ(r.status, ReadStatus::kMediaError);
  EXPECT_EQ(r.error_lba, Lba{1005});
  EXPECT_EQ(r.good_sectors, 0u);
  EXPECT_FALSE(r.needs_reset);
  EXPECT_TRUE(buffer_untouched());
  EXPECT_NE(r.detail.find("UNC"), std::string::npos) << r.detail;
}

TEST_F(SatDeviceTest, UncWithLinux61FixedSenseTakesTheHighBitsFromTheCommand) {
  // Linux 6.1 keeps only LBA(7:0) in fixed-format ATA PASS-THROUGH sense.
  const Lba bad = 0x1000007d0;
  disk->capacity = 0x200000000;
  disk->unc = {bad};
  auto dev = open();
  const ReadOutcome r = read(*dev, bad - 8, 16);
  EXPECT_EQ(r.status, ReadStatus::kMediaError);
  EXPECT_EQ(r.error_lba, bad);
}

TEST_F(SatDeviceTest, UncWithFixedSenseAndAnAmbiguousLowByteGivesNoLba) {
  disk->unc = {0x7d0};
  auto dev = open();
  // 0x6d0 and 0x7d0 both end in d0 inside [0x600, 0x800).
  const ReadOutcome r = read(*dev, 0x600, 512);
  EXPECT_EQ(r.status, ReadStatus::kMediaError);
  EXPECT_FALSE(r.error_lba.has_value());
}

TEST_F(SatDeviceTest, AbrtIsAnAbortNotAMediaError) {
  disk->abrt = {2000};
  auto dev = open();
  const ReadOutcome r = read(*dev, 1990, 20);
  EXPECT_EQ(r.status, ReadStatus::kAborted);
  EXPECT_FALSE(r.error_lba.has_value());
  EXPECT_EQ(r.good_sectors, 0u);
  EXPECT_TRUE(buffer_untouched());
}

TEST_F(SatDeviceTest, LibataTimeoutShapeIsATimeoutThatAsksForAReset) {
  disk->ahci_timeout = {300};
  auto dev = open();
  const ReadOutcome r = read(*dev, 300, 1);
  EXPECT_EQ(r.status, ReadStatus::kTimeout);
  EXPECT_TRUE(r.needs_reset);
  EXPECT_TRUE(buffer_untouched());
}

struct HostCase {
  std::uint16_t host_status;
  ReadStatus want;
  bool needs_reset;
};

class SatHostStatusTest : public ::testing::TestWithParam<HostCase> {};

TEST_P(SatHostStatusTest, HostStatusMapsToTheOutcome) {
  FakeBench bench;
  auto disk = std::make_shared<FakeAtaDisk>(4096);
  auto scripted = std::make_shared<ScriptedReads>(disk);
  scripted->read_reply.host_status = GetParam().host_status;
  scripted->read_reply.data.assign(512, 0x55);  // must never be delivered
  bench.attach_scsi(0, "sda", 0, 0, scripted);
  auto dev = SatDevice::open(bench.io, "/dev/sg0", "/dev/sda", bench.options());
  std::vector<std::byte> b(512, std::byte{0xAA});
  const ReadOutcome r = dev->read(7, 1, b, kTimeout);
  EXPECT_EQ(r.status, GetParam().want) << r.detail;
  EXPECT_EQ(r.needs_reset, GetParam().needs_reset);
  EXPECT_EQ(r.good_sectors, 0u);
  EXPECT_TRUE(r.data.empty());
  EXPECT_EQ(b[0], std::byte{0xAA});
}

INSTANTIATE_TEST_SUITE_P(
    Kernel, SatHostStatusTest,
    ::testing::Values(HostCase{0x01, ReadStatus::kDeviceGone, false},   // DID_NO_CONNECT
                      HostCase{0x03, ReadStatus::kTimeout, true},       // DID_TIME_OUT
                      HostCase{0x04, ReadStatus::kDeviceGone, false},   // DID_BAD_TARGET
                      HostCase{0x05, ReadStatus::kAborted, false},      // DID_ABORT
                      HostCase{0x08, ReadStatus::kAborted, false},      // DID_RESET
                      HostCase{0x07, ReadStatus::kOther, false}));      // DID_ERROR

TEST_F(SatDeviceTest, ShortTransferDeliversNothing) {
  auto scripted = std::make_shared<ScriptedReads>(disk);
  scripted->read_reply.data.assign(512, 0x55);  // 1 of the 2 sectors
  FakeBench b2;
  b2.attach_scsi(0, "sda", 0, 0, scripted);
  auto dev = SatDevice::open(b2.io, "/dev/sg0", "/dev/sda", b2.options());
  const ReadOutcome r = read(*dev, 0, 2);
  EXPECT_EQ(r.status, ReadStatus::kOther);
  EXPECT_EQ(r.good_sectors, 0u);
  EXPECT_TRUE(buffer_untouched());
}

TEST_F(SatDeviceTest, OversizedTransferRefusedByTheKernelIsNotAMediaError) {
  node->refuse_transfers_above = 4096;  // write() -> EIO, as above max_hw_sectors
  auto dev = open();
  const ReadOutcome r = read(*dev, 0, 16);
  EXPECT_EQ(r.status, ReadStatus::kOther);
  EXPECT_NE(r.detail.find("refused"), std::string::npos) << r.detail;
}

TEST_F(SatDeviceTest, VanishedDriveIsGone) {
  auto dev = open();
  disk->gone = true;
  const ReadOutcome r = read(*dev, 0, 1);
  EXPECT_EQ(r.status, ReadStatus::kDeviceGone);
  EXPECT_FALSE(r.needs_reset);  // no power-cycle hook to try
}

TEST_F(SatDeviceTest, HungCommandEndsAtTheDeadlineAndItsLateCompletionIsDiscarded) {
  disk->hang = {50};
  auto dev = open();
  const ReadOutcome r = read(*dev, 48, 4, 250ms);
  EXPECT_EQ(r.status, ReadStatus::kTimeout);
  EXPECT_TRUE(r.needs_reset);
  EXPECT_EQ(r.good_sectors, 0u);
  EXPECT_EQ(r.timeout_applied, 250ms);
  EXPECT_EQ(r.duration, 250ms);  // virtual time: the fake poll() used the whole deadline
  EXPECT_TRUE(buffer_untouched());
  ASSERT_EQ(dev->channel()->late_count(), 1u);

  // The kernel finally completes it, writing data into the buffer given
  // with it (which must still exist: ASan would fail otherwise)...
  ScsiReply late;
  late.data.assign(4 * 512, 0x5A);
  node->release_hung(late);
  // ...and the next command collects and discards that completion.
  const ReadOutcome next = read(*dev, 100, 4);
  ASSERT_TRUE(next.ok()) << next.detail;
  EXPECT_TRUE(buffer_holds(100, 4));
  EXPECT_EQ(dev->channel()->late_count(), 0u);
  EXPECT_EQ(dev->channel()->reaped_count(), 1u);
}

TEST_F(SatDeviceTest, SoftRungOnLibataWaitsForTheKernelsOwnErrorHandling) {
  // libata refuses ATA resets through ATA PASS-THROUGH, but its error
  // handler ends the timed-out command by itself (here 2 s after its
  // timeout, in virtual time) and resets the link.
  disk->hang = {10};
  node->kernel_ends_hung_commands(bench.io.clock(), 2s, test::libata_timeout_reply());
  auto dev = open();
  ASSERT_EQ(read(*dev, 10, 1, 500ms).status, ReadStatus::kTimeout);
  const ResetOutcome r = dev->reset(ResetKind::kSoft);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_NE(r.detail.find("refuses"), std::string::npos) << r.detail;
  EXPECT_GE(r.duration, 1s);  // it waited for the kernel (virtual time)
  EXPECT_EQ(dev->channel()->late_count(), 0u);
  EXPECT_EQ(dev->channel()->reaped_count(), 1u);
  // SRST (PROTOCOL 1) and hardware reset (PROTOCOL 0) were tried first.
  bool srst = false, hard = false;
  for (const auto& c : disk->cdbs) {
    srst |= c[0] == 0x85 && c[1] == 0x02;
    hard |= c[0] == 0x85 && c[1] == 0x00;
  }
  EXPECT_TRUE(srst && hard);
  EXPECT_TRUE(node->reset_values.empty());
}

TEST_F(SatDeviceTest, SoftRungFailsWhileTheTimedOutCommandStaysInTheKernel) {
  disk->hang = {10};
  auto dev = open();
  ASSERT_EQ(read(*dev, 10, 1, 500ms).status, ReadStatus::kTimeout);
  const ResetOutcome r = dev->reset(ResetKind::kSoft);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("still in the kernel"), std::string::npos) << r.detail;
  EXPECT_GE(r.duration, bench.options().ready_wait);
}

TEST_F(SatDeviceTest, SoftResetWhereTheSatLayerSupportsItWaitsForIdentify) {
  disk->soft_reset_supported = true;
  auto dev = open();
  const auto identifies = disk->identifies;
  const ResetOutcome r = dev->reset(ResetKind::kSoft);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_GT(disk->identifies, identifies);
}

TEST_F(SatDeviceTest, DeviceResetIsAnSgScsiResetWithoutEscalationThenIdentify) {
  disk->hang = {10};
  auto dev = open();
  ASSERT_EQ(read(*dev, 10, 1, 100ms).status, ReadStatus::kTimeout);
  const auto identifies = disk->identifies;
  const ResetOutcome r = dev->reset(ResetKind::kDevice);
  EXPECT_TRUE(r.ok) << r.detail;
  ASSERT_EQ(node->reset_values.size(), 1u);
  EXPECT_EQ(node->reset_values[0], 1 | 0x100);  // SG_SCSI_RESET_DEVICE | NO_ESCALATE
  EXPECT_GT(disk->identifies, identifies);
  // The reset ended the hung command; it was collected while probing.
  EXPECT_EQ(dev->channel()->late_count(), 0u);
}

TEST_F(SatDeviceTest, ResetRungsMapToTheirSgScsiResetValues) {
  auto dev = open();
  EXPECT_TRUE(dev->reset(ResetKind::kTarget).ok);
  EXPECT_TRUE(dev->reset(ResetKind::kBus).ok);
  EXPECT_TRUE(dev->reset(ResetKind::kHost).ok);
  EXPECT_EQ(node->reset_values, (std::vector<int>{0x104, 0x102, 0x103}));
}

TEST_F(SatDeviceTest, ResetTheHostCannotDoIsNotOkAndSaysWhy) {
  disk->reset_result = -EIO;
  auto dev = open();
  const ResetOutcome r = dev->reset(ResetKind::kDevice);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("SG_SCSI_RESET device"), std::string::npos) << r.detail;
}

TEST_F(SatDeviceTest, PowerCycleWithoutACommandIsNotOk) {
  auto dev = open();
  const ResetOutcome r = dev->reset(ResetKind::kPowerCycle);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("--power-cycle-cmd"), std::string::npos);
}

TEST_F(SatDeviceTest, VanishedDriveComesBackAfterAPowerCycleMatchedBySerial) {
  // Another disk on the system, with another serial, must not be taken.
  auto other = std::make_shared<FakeAtaDisk>(1 << 20, "OTHER-DISK");
  bench.attach_scsi(1, "sdb", 16, 3, other);
  PassThroughOptions o = bench.options();
  o.power_cycle.command = "relay-toggle 3";
  auto dev = open(o);

  disk->gone = true;
  const ReadOutcome gone = read(*dev, 0, 1);
  EXPECT_EQ(gone.status, ReadStatus::kDeviceGone);
  EXPECT_TRUE(gone.needs_reset);  // a power cycle may bring it back

  // The relay: the drive drops off the bus and comes back as sdc / sg5.
  bench.io.on_run_command = [&](const std::string&) {
    bench.detach_scsi(0, "sda", 0, 2);
    disk->gone = false;
    bench.attach_scsi(4, "sdc", 32, 5, disk);
    return 0;
  };
  const ResetOutcome r = dev->reset(ResetKind::kPowerCycle);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(bench.io.commands_run, std::vector<std::string>{"relay-toggle 3"});
  EXPECT_EQ(dev->identity().command_node, "/dev/sg5");
  const ReadOutcome after = read(*dev, 77, 2);
  ASSERT_TRUE(after.ok()) << after.detail;
  EXPECT_TRUE(buffer_holds(77, 2));
  EXPECT_EQ(other->reads, 0u);
}

TEST_F(SatDeviceTest, PowerCycleGivesUpWhenTheDriveStaysAway) {
  PassThroughOptions o = bench.options();
  o.power_cycle.command = "relay-toggle 3";
  auto dev = open(o);
  bench.io.on_run_command = [&](const std::string&) {
    bench.detach_scsi(0, "sda", 0, 2);
    return 0;
  };
  const ResetOutcome r = dev->reset(ResetKind::kPowerCycle);
  EXPECT_FALSE(r.ok);
  EXPECT_GE(r.duration, o.power_cycle.wait);  // virtual time
  EXPECT_EQ(read(*dev, 0, 1).status, ReadStatus::kDeviceGone);
}

TEST_F(SatDeviceTest, PowerCycleCommandThatFailsIsNotOk) {
  PassThroughOptions o = bench.options();
  o.power_cycle.command = "false";
  auto dev = open(o);
  bench.io.on_run_command = [](const std::string&) { return 1; };
  const ResetOutcome r = dev->reset(ResetKind::kPowerCycle);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("exit status 1"), std::string::npos) << r.detail;
}

bool sent_sct_command(const FakeAtaDisk& d) {
  return std::any_of(d.cdbs.begin(), d.cdbs.end(),
                     [](const auto& c) { return c[0] == 0x85 && c[14] == 0xb0; });
}

TEST_F(SatDeviceTest, ErcIsNeverSentWithoutTheOption) {
  auto dev = open();
  read(*dev, 0, 1);
  dev->restore_settings();
  EXPECT_FALSE(sent_sct_command(*disk));
}

TEST_F(SatDeviceTest, ErcSetsTheReadTimerAndRestoresThePreviousValue) {
  disk->erc_timer = 70;  // 7.0 s, a typical NAS drive
  PassThroughOptions o = bench.options();
  o.erc = 450ms;
  {
    auto dev = open(o);
    EXPECT_EQ(disk->erc_timer, 5);  // rounded up to 100 ms units
    const auto notes = dev->take_notes();
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("was 7.0 s, set to 0.5 s"), std::string::npos) << notes[0];
    dev->restore_settings();
    EXPECT_EQ(disk->erc_timer, 70);
    disk->erc_timer = 33;
  }
  // Restored once only: the destructor did not set it again.
  EXPECT_EQ(disk->erc_timer, 33);
}

TEST_F(SatDeviceTest, ErcIsRestoredByTheDestructor) {
  PassThroughOptions o = bench.options();
  o.erc = 1s;
  { auto dev = open(o); EXPECT_EQ(disk->erc_timer, 10); }
  EXPECT_EQ(disk->erc_timer, 0);
}

TEST_F(SatDeviceTest, ErcOnADriveWithoutItIsANoteNotAFailure) {
  disk->erc_supported = false;
  PassThroughOptions o = bench.options();
  o.erc = 1s;
  auto dev = open(o);
  const auto notes = dev->take_notes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("does not support"), std::string::npos);
  EXPECT_FALSE(sent_sct_command(*disk));
}

TEST_F(SatDeviceTest, ErcIsSetAgainAfterAReset) {
  PassThroughOptions o = bench.options();
  o.erc = 1s;
  auto dev = open(o);
  disk->erc_timer = 0;  // what a drive reset might do
  ASSERT_TRUE(dev->reset(ResetKind::kDevice).ok);
  EXPECT_EQ(disk->erc_timer, 10);
  dev->restore_settings();
  EXPECT_EQ(disk->erc_timer, 0);  // the value found first, not the one after the reset
}

TEST_F(SatDeviceTest, ErcSetIsASuccessOnlyWhenTheReturnedStatusSaysSo) {
  PassThroughOptions o = bench.options();
  o.erc = 1s;
  struct Case {
    const char* name;
    bool without_registers;
    std::uint8_t status;
    const char* why;
  };
  for (const Case& c : {Case{"GOOD without registers", true, 0x50, "no ATA status"},
                        Case{"DRDY clear", false, 0x00, "DRDY clear"},
                        Case{"ERR", false, 0x51, "refused"},
                        Case{"BSY", false, 0xd0, "busy"}}) {
    SCOPED_TRACE(c.name);
    disk->erc_set_without_registers = c.without_registers;
    disk->erc_set_status = c.status;
    auto dev = open(o);
    const auto notes = dev->take_notes();
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("setting the SCT ERC read timer failed"), std::string::npos) << notes[0];
    EXPECT_NE(notes[0].find(c.why), std::string::npos) << notes[0];
    dev->restore_settings();
    EXPECT_TRUE(dev->take_notes().empty());  // nothing was set, so nothing is restored
  }
}

TEST_F(SatDeviceTest, DsenseGivesTheFullLbaAndIsClearedAtTheEnd) {
  const Lba bad = 0x1000007d0;
  disk->capacity = 0x200000000;
  disk->unc = {bad};
  PassThroughOptions o = bench.options();
  o.dsense = true;
  auto dev = open(o);
  EXPECT_TRUE(disk->control.d_sense);
  // 1024 sectors: fixed sense's low byte would be ambiguous here.
  const ReadOutcome r = read(*dev, bad - 512, 1024);
  EXPECT_EQ(r.status, ReadStatus::kMediaError);
  EXPECT_EQ(r.error_lba, bad);
  dev->restore_settings();
  EXPECT_FALSE(disk->control.d_sense);
}

TEST_F(SatDeviceTest, DsenseAlreadySetIsLeftAlone) {
  disk->control.d_sense = true;
  PassThroughOptions o = bench.options();
  o.dsense = true;
  {
    auto dev = open(o);
    EXPECT_EQ(disk->control.selects, 0);
  }
  EXPECT_TRUE(disk->control.d_sense);
}

TEST_F(SatDeviceTest, ASectorSizeThatMakesNoSenseIsASetupErrorNamingIt) {
  disk->sector_size = 3000;  // IDENTIFY words 117-118: 1500 words
  try {
    (void)open();
    ADD_FAILURE() << "opened a drive with 3000-byte sectors";
  } catch (const TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("logical block size 3000 bytes"), std::string::npos) << e.what();
  }
}

TEST_F(SatDeviceTest, NotAnAtaDriveIsASetupError) {
  FakeBench b2;
  b2.attach_scsi(0, "sda", 0, 0, std::make_shared<test::FakeScsiDisk>(4096));
  EXPECT_THROW(SatDevice::open(b2.io, "/dev/sg0", "/dev/sda", b2.options()), TransportError);
}

}  // namespace
}  // namespace ptrescue
