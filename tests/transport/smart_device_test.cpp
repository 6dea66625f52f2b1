// SPDX-License-Identifier: GPL-3.0-or-later
// Device::read_smart on every back end: SatDevice and ScsiDevice over fake
// sg targets that answer the SMART commands byte for byte, NvmeDevice over a
// fake controller answering Get Log Page, the simulator's SMART that
// follows its behaviour, and the failures (refused commands, no SMART)
// that must come back as values.
#include <gtest/gtest.h>

#include <sys/ioctl.h>
#include <linux/nvme_ioctl.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>

#include <scsi/sg_unaligned.h>

#include "commands/allow_list.h"
#include "commands/ata_smart.h"
#include "commands/nvme_smart.h"
#include "support/fake_bench.h"
#include "src/smart/smart_monitor.h"
#include "src/smart/smart_sidecar.h"
#include "support/temp_dir.h"
#include "transport/file_device.h"
#include "transport/nvme_device.h"
#include "transport/sat_device.h"
#include "transport/scsi_device.h"
#include "transport/sim/simulated_device.h"
#include "transport/transport_detect.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;
using test::FakeAtaDisk;
using test::FakeBench;
using test::ScsiReply;

constexpr Millis kTimeout = 2s;

std::vector<commands::AtaSmartAttribute> drive_attributes() {
  auto attr = [](std::uint8_t id, std::uint8_t value, std::uint8_t thresh, std::uint64_t raw) {
    commands::AtaSmartAttribute a;
    a.id = id;
    a.flags = 0x0032;
    a.value = a.worst = value;
    a.threshold = thresh;
    a.raw = raw;
    return a;
  };
  return {attr(5, 100, 10, 12), attr(9, 97, 0, 3456), attr(194, 36, 0, 36), attr(197, 100, 0, 4)};
}

/// A libata disk that answers SMART: READ DATA, THRESHOLDS, RETURN STATUS
/// (registers with CK_COND), SMART READ LOG 01h; READ LOG EXT is aborted
/// (like QEMU's). Through ATA PASS-THROUGH(16) (COMMAND in byte 14, FEATURE
/// in byte 4) and (12) (byte 9, byte 3), each only where the FakeAtaDisk's
/// SAT layer knows that form. Everything else goes to the FakeAtaDisk.
class SmartAtaTarget final : public test::ScsiTarget {
 public:
  explicit SmartAtaTarget(std::shared_ptr<FakeAtaDisk> disk) : disk_(std::move(disk)) {}
  bool threshold_exceeded = false;
  bool corrupt_data = false;

  ScsiReply execute(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> out,
                    std::uint32_t transfer) override {
    using namespace commands;
    seen.emplace_back(cdb.begin(), cdb.end());
    const bool pt16 = cdb.size() == 16 && cdb[0] == 0x85 && disk_->pass_through16;
    const bool pt12 = cdb.size() == 12 && cdb[0] == 0xa1 && disk_->pass_through12;
    const std::uint8_t command = pt16 ? cdb[14] : pt12 ? cdb[9] : 0;
    if (command != ata_opcode::kSmart) return disk_->execute(cdb, out, transfer);
    ScsiReply r;
    switch (pt16 ? cdb[4] : cdb[3]) {
      case smart_feature::kReadData: {
        auto p = encode_ata_smart_data(drive_attributes());
        if (corrupt_data) p[10] ^= 1;
        r.data.assign(p.begin(), p.end());
        return r;
      }
      case smart_feature::kReadThresholds: {
        const auto p = encode_ata_smart_thresholds(drive_attributes());
        r.data.assign(p.begin(), p.end());
        return r;
      }
      case smart_feature::kReturnStatus: {
        AtaRegisters regs;
        regs.status = 0x50;
        regs.lba = threshold_exceeded ? kSmartThresholdExceeded : kSmartLbaSignature;
        // CK_COND: libata returns the registers with RECOVERED ERROR, 00/1Dh.
        return ScsiReply::check_condition(test::ata_sense(true, 0x01, 0x00, 0x1d, regs));
      }
      case smart_feature::kReadLog: {
        std::vector<std::uint8_t> p(512, 0);
        p[0] = 1;
        p[452] = 2;  // two errors, none in the ring
        unsigned sum = 0;
        for (int i = 0; i < 511; ++i) sum += p[i];
        p[511] = static_cast<std::uint8_t>(-sum & 0xff);
        r.data = p;
        return r;
      }
      default:
        return disk_->abort_reply(0);
    }
  }
  std::vector<std::vector<std::uint8_t>> seen;

 private:
  std::shared_ptr<FakeAtaDisk> disk_;
};

class SatSmartTest : public ::testing::Test {
 protected:
  std::unique_ptr<SatDevice> open() {
    return SatDevice::open(bench.io, "/dev/sg2", "/dev/sda", bench.options(), "sda");
  }
  FakeBench bench;
  std::shared_ptr<FakeAtaDisk> disk = std::make_shared<FakeAtaDisk>(1 << 20);
  std::shared_ptr<SmartAtaTarget> target = std::make_shared<SmartAtaTarget>(disk);
  bool attached = (bench.attach_scsi(2, "sda", 0, 2, target), true);
};

TEST_F(SatSmartTest, ReadsAttributesThresholdsStatusAndTheErrorLog) {
  auto dev = open();
  const SmartReading r = dev->read_smart(kTimeout);
  ASSERT_TRUE(r.ok()) << r.error;
  const auto& rep = *r.report;
  EXPECT_EQ(rep.kind, commands::SmartKind::kAta);
  EXPECT_EQ(rep.passed, true);
  ASSERT_EQ(rep.ata_attributes.size(), 4u);
  EXPECT_EQ(rep.attribute(5)->threshold, 10);
  EXPECT_EQ(rep.attribute(197)->raw, 4u);
  EXPECT_EQ(rep.temperature, 36);
  EXPECT_EQ(rep.power_on_hours, 3456u);
  EXPECT_EQ(rep.error_count, 2u);
  EXPECT_EQ(rep.error_log, "summary");  // READ LOG EXT 03h aborted: the summary log answered
  // What failed is in the notes, not an error: READ LOG EXT 03h and 04h.
  EXPECT_TRUE(std::any_of(rep.notes.begin(), rep.notes.end(),
                          [](const std::string& n) { return n.find("READ LOG EXT 04h") != std::string::npos; }));
  // Every command that went out passes the allow-list.
  for (const auto& cdb : target->seen) {
    commands::ScsiCdb c;
    std::copy(cdb.begin(), cdb.end(), c.bytes.begin());
    c.length = static_cast<std::uint8_t>(cdb.size());
    const bool in = (cdb[2] & 0x08) != 0 && (cdb[2] & 0x03) != 0;
    c.direction = in ? commands::DataDirection::kFromDevice : commands::DataDirection::kNone;
    c.transfer_bytes = in ? 512u * cdb[6] : 0;
    EXPECT_TRUE(commands::is_allowed(c)) << commands::why_refused(c).value_or("");
  }
}

TEST_F(SatSmartTest, AThresholdExceededIsAFailedVerdict) {
  target->threshold_exceeded = true;
  auto dev = open();
  const SmartReading r = dev->read_smart(kTimeout);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.report->passed, false);
}

TEST_F(SatSmartTest, ACorruptPageIsAnErrorValue) {
  target->corrupt_data = true;
  auto dev = open();
  const SmartReading r = dev->read_smart(kTimeout);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.supported);
  EXPECT_NE(r.error.find("checksum"), std::string::npos) << r.error;
}

TEST(SatSmart, ADriveThatAbortsSmartGivesAnErrorNotAnException) {
  FakeBench bench;
  auto disk = std::make_shared<FakeAtaDisk>(1 << 20);  // aborts every SMART command but SCT
  bench.attach_scsi(2, "sda", 0, 2, disk);
  auto dev = SatDevice::open(bench.io, "/dev/sg2", "/dev/sda", bench.options(), "sda");
  SmartReading r;
  ASSERT_NO_THROW(r = dev->read_smart(kTimeout));
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("SMART READ DATA"), std::string::npos) << r.error;
  // The drive still reads afterwards.
  std::vector<std::byte> buf(512);
  EXPECT_TRUE(dev->read(0, 1, buf, kTimeout).ok());
}

/// A SCSI disk with LOG SENSE pages 00h, 0Dh and 2Fh.
class LogSenseTarget final : public test::ScsiTarget {
 public:
  explicit LogSenseTarget(std::shared_ptr<test::FakeScsiDisk> disk) : disk_(std::move(disk)) {}
  ScsiReply execute(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> out,
                    std::uint32_t transfer) override {
    if (cdb[0] != 0x4d) return disk_->execute(cdb, out, transfer);
    EXPECT_EQ(cdb[1] & 0x01, 0) << "LOG SENSE with SP";
    ScsiReply r;
    switch (cdb[2] & 0x3f) {
      case 0x00: r.data = {0x00, 0x00, 0x00, 0x03, 0x00, 0x0d, 0x2f}; break;
      case 0x0d: r.data = {0x0d, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x03, 0x02, 0x00, 39, 0x00, 0x01, 0x03, 0x02, 0x00, 60}; break;
      case 0x2f: r.data = {0x2f, 0x00, 0x00, 0x07, 0x00, 0x00, 0x03, 0x03, 0x00, 0x00, 39}; break;
      default: return ScsiReply::check_condition(test::fixed_sense(0x05, 0x24, 0x00));
    }
    return r;
  }

 private:
  std::shared_ptr<test::FakeScsiDisk> disk_;
};

TEST(ScsiSmart, ReadsTheLogPagesTheDiskLists) {
  FakeBench bench;
  bench.attach_scsi(3, "sdb", 16, 3, std::make_shared<LogSenseTarget>(std::make_shared<test::FakeScsiDisk>(1 << 20)));
  auto dev = ScsiDevice::open(bench.io, "/dev/sg3", "/dev/sdb", bench.options(), "sdb");
  const SmartReading r = dev->read_smart(kTimeout);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.report->kind, commands::SmartKind::kScsi);
  EXPECT_EQ(r.report->passed, true);
  EXPECT_EQ(r.report->temperature, 39);
  EXPECT_EQ(r.report->scsi->drive_trip_temperature, 60);
}

TEST(ScsiSmart, ADiskWithoutLogSenseGivesAnErrorValue) {
  FakeBench bench;
  bench.attach_scsi(3, "sdb", 16, 3, std::make_shared<test::FakeScsiDisk>(1 << 20));
  auto dev = ScsiDevice::open(bench.io, "/dev/sg3", "/dev/sdb", bench.options(), "sdb");
  const SmartReading r = dev->read_smart(kTimeout);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("LOG SENSE"), std::string::npos) << r.error;
}

// A USB bridge that refuses ATA PASS-THROUGH(16) but takes the 12-byte form:
// auto reads with SCSI READ, and ATA SMART — attributes, thresholds, the
// verdict, the summary error log — goes through the 12-byte form (the
// extended log and Device Statistics are 48-bit commands and do not fit).
TEST(Ata12Smart, ABridgeWithOnlyThe12ByteFormReadsAtaSmartThroughIt) {
  FakeBench bench;
  auto disk = std::make_shared<FakeAtaDisk>(1 << 20);
  disk->pass_through16 = false;
  auto target = std::make_shared<SmartAtaTarget>(disk);
  bench.attach_scsi(2, "sda", 0, 2, target);
  std::vector<std::string> notes;
  auto dev = open_device_node(bench.io, "/dev/sda", TransportChoice::kAuto, bench.options(), {}, notes);
  ASSERT_EQ(dev->identity().transport, "scsi");
  target->seen.clear();
  const SmartReading r = dev->read_smart(kTimeout);
  ASSERT_TRUE(r.ok()) << r.error;
  const auto& rep = *r.report;
  EXPECT_EQ(rep.kind, commands::SmartKind::kAta);
  EXPECT_EQ(rep.passed, true);
  ASSERT_EQ(rep.ata_attributes.size(), 4u);
  EXPECT_EQ(rep.attribute(5)->threshold, 10);
  EXPECT_EQ(rep.attribute(197)->raw, 4u);
  EXPECT_EQ(rep.power_on_hours, 3456u);
  EXPECT_EQ(rep.error_count, 2u);
  EXPECT_EQ(rep.error_log, "summary");
  EXPECT_TRUE(std::any_of(rep.notes.begin(), rep.notes.end(), [](const std::string& n) {
    return n.find("Device Statistics not read") != std::string::npos;
  }));
  // Every SMART command went as a 12-byte CDB the allow-list admits; none
  // as a 16-byte one, and no 48-bit READ LOG EXT was attempted.
  ASSERT_FALSE(target->seen.empty());
  for (const auto& cdb : target->seen) {
    ASSERT_EQ(cdb.size(), 12u);
    EXPECT_EQ(cdb[0], 0xa1);
    EXPECT_EQ(cdb[9], commands::ata_opcode::kSmart);
    commands::ScsiCdb c;
    std::copy(cdb.begin(), cdb.end(), c.bytes.begin());
    c.length = 12;
    const bool in = (cdb[2] & 0x08) != 0 && (cdb[2] & 0x03) != 0;
    c.direction = in ? commands::DataDirection::kFromDevice : commands::DataDirection::kNone;
    c.transfer_bytes = in ? 512u * cdb[4] : 0;
    EXPECT_TRUE(commands::is_allowed(c)) << commands::why_refused(c).value_or("");
  }

  target->threshold_exceeded = true;
  const SmartReading failing = dev->read_smart(kTimeout);
  ASSERT_TRUE(failing.ok()) << failing.error;
  EXPECT_EQ(failing.report->passed, false);
}

// The SMART of a rescue (the snapshot before the first pass and the one at
// the end, in the .smart sidecar) on such a bridge: ATA SMART, with the
// verdict, through the 12-byte form.
TEST(Ata12Smart, ARescuesBeforeAndEndSnapshotsAreAtaSmart) {
  FakeBench bench;
  auto disk = std::make_shared<FakeAtaDisk>(1 << 20);
  disk->pass_through16 = false;
  auto target = std::make_shared<SmartAtaTarget>(disk);
  bench.attach_scsi(2, "sda", 0, 2, target);
  std::vector<std::string> notes;
  auto dev = open_device_node(bench.io, "/dev/sda", TransportChoice::kAuto, bench.options(), {}, notes);
  test::TempDir dir;
  std::atomic<bool> stop{false};
  SmartMonitor monitor(*dev, SmartSidecar(dir.file("m.smart")), SmartSchedule{}, {}, stop,
                       nullptr);
  monitor.before_first_pass();
  target->threshold_exceeded = true;
  monitor.at_end();
  const auto snapshots = SmartSidecar(dir.file("m.smart")).read_all();
  ASSERT_EQ(snapshots.size(), 2u);
  for (const auto& snap : snapshots) {
    ASSERT_TRUE(snap.smart.has_value()) << snap.event << ": " << snap.error;
    EXPECT_EQ((*snap.smart)["device"]["protocol"], "ATA") << snap.smart->dump();
    EXPECT_EQ((*snap.smart)["serial_number"], "WD-FAKE0001");
  }
  EXPECT_EQ(snapshots[0].event, "before");
  EXPECT_EQ((*snapshots[0].smart)["smart_status"]["passed"], true);
  EXPECT_EQ(snapshots[1].event, "end");
  EXPECT_EQ((*snapshots[1].smart)["smart_status"]["passed"], false);
}

/// The fake controller's namespace node, answering Get Log Page 02h/01h.
class LogPageNode final : public test::FakeNode {
 public:
  explicit LogPageNode(std::shared_ptr<test::FakeNvme> n) : n_(std::move(n)) {}
  std::vector<std::uint32_t> log_lengths;
  int ioctl(unsigned long request, void* arg) override {
    if (request == NVME_IOCTL_ADMIN_CMD) {
      auto& c = *static_cast<nvme_passthru_cmd*>(arg);
      if (c.opcode == 0x02) {
        EXPECT_TRUE(commands::is_allowed(commands::NvmeCommand{true, c.opcode, c.nsid, c.cdw10, c.cdw11, c.cdw12,
                                                               c.cdw13, c.cdw14, c.cdw15,
                                                               commands::DataDirection::kFromDevice, c.data_len}));
        log_lengths.push_back(c.data_len);
        auto* p = reinterpret_cast<std::uint8_t*>(static_cast<std::uintptr_t>(c.addr));
        std::memset(p, 0, c.data_len);
        if ((c.cdw10 & 0xff) == 0x02) {
          commands::NvmeHealth h;
          h.temperature_kelvin = 273 + 33;
          h.available_spare = 100;
          h.power_on_hours = 77;
          h.media_errors = 5;
          const auto d = commands::encode_nvme_smart_log(h);
          std::memcpy(p, d.data(), std::min<std::size_t>(d.size(), c.data_len));
        } else {
          sg_put_unaligned_le64(1, (std::span(p, c.data_len)).data());  // one error, count 1
          sg_put_unaligned_le16(0x281 << 1, (std::span(p, c.data_len)).data() + 12);
          sg_put_unaligned_le64(4242, (std::span(p, c.data_len)).data() + 16);
          sg_put_unaligned_le32(1, (std::span(p, c.data_len)).data() + 24);
        }
        return 0;
      }
    }
    return n_->namespace_ioctl(request, arg);
  }

 private:
  std::shared_ptr<test::FakeNvme> n_;
};

TEST(NvmeSmart, ReadsTheHealthAndErrorLogs) {
  FakeBench bench;
  auto nvme = std::make_shared<test::FakeNvme>(1 << 20);
  bench.attach_nvme(0, nvme);
  auto node = std::make_shared<LogPageNode>(nvme);
  bench.io.add_node("/dev/nvme0n1", S_IFBLK, 259, 0, node);
  auto o = bench.options();
  auto dev = NvmeDevice::open(bench.io, resolve_node(bench.io, "/dev/nvme0n1", o.paths), o);
  const SmartReading r = dev->read_smart(kTimeout);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.report->kind, commands::SmartKind::kNvme);
  EXPECT_EQ(r.report->passed, true);
  EXPECT_EQ(r.report->temperature, 33);
  EXPECT_EQ(r.report->power_on_hours, 77u);
  EXPECT_EQ(r.report->nvme->media_errors, 5u);
  ASSERT_EQ(r.report->errors.size(), 1u);
  EXPECT_EQ(r.report->errors[0].lba, 4242u);
  ASSERT_EQ(node->log_lengths.size(), 2u);
  EXPECT_EQ(node->log_lengths[0], 512u);
  EXPECT_EQ(node->log_lengths[1] % 64, 0u);
}

TEST(NvmeSmart, AControllerRefusingGetLogPageGivesAnErrorValue) {
  FakeBench bench;
  auto nvme = std::make_shared<test::FakeNvme>(1 << 20);  // answers only Identify
  bench.attach_nvme(0, nvme);
  auto o = bench.options();
  auto dev = NvmeDevice::open(bench.io, resolve_node(bench.io, "/dev/nvme0n1", o.paths), o);
  const SmartReading r = dev->read_smart(kTimeout);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("Get Log Page 02h"), std::string::npos) << r.error;
}

// ---- the simulator ---------------------------------------------------------

SimProfile small_profile() {
  SimProfile p;
  p.name = "smart-test";
  p.capacity_sectors = 65536;
  p.zones = 4;
  p.stripe_sectors = 4096;
  p.bad_ranges = {{1000, 4}, {5000, 2}};
  return p;
}

std::uint64_t raw_of(const SmartReading& r, std::uint8_t id) {
  const auto* a = r.report->attribute(id);
  return a ? a->raw : ~0ull;
}

TEST(SimulatedSmart, PendingSectorsRiseAsBadSectorsAreFound) {
  SimulatedDevice dev(small_profile());
  const SmartReading before = dev.read_smart(kTimeout);
  ASSERT_TRUE(before.ok()) << before.error;
  EXPECT_EQ(raw_of(before, 197), 0u);
  EXPECT_EQ(raw_of(before, 5), 0u);
  EXPECT_EQ(before.report->passed, true);
  EXPECT_EQ(before.report->power_on_hours, 12000u);
  std::vector<std::byte> buf(512 * 8);
  for (Lba lba : {Lba{1000}, Lba{1001}, Lba{1001}, Lba{5000}})  // the same sector twice counts once
    EXPECT_EQ(dev.read(lba, 1, buf, kTimeout).status, ReadStatus::kMediaError);
  EXPECT_TRUE(dev.read(0, 8, buf, kTimeout).ok());
  const SmartReading after = dev.read_smart(kTimeout);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(raw_of(after, 197), 3u);
  EXPECT_EQ(raw_of(after, 198), 3u);
  EXPECT_EQ(raw_of(after, 187), 4u);  // every failed read
  EXPECT_EQ(after.report->error_count, 4u);
  ASSERT_FALSE(after.report->errors.empty());
  EXPECT_EQ(after.report->errors[0].lba, 5000u);  // latest first
}

TEST(SimulatedSmart, ReallocationsTemperatureAndPowerOnHoursFollowTheProfile) {
  SimProfile p = small_profile();
  p.smart.reallocate_fraction = 0.5;
  p.smart.reallocated = 10;
  p.smart.heat_minutes = 0.01;  // warms within a second of work
  p.smart.temperature_c = 30;
  p.smart.temperature_max_c = 50;
  SimulatedDevice dev(p);
  EXPECT_EQ(dev.read_smart(kTimeout).report->temperature, 30);
  std::vector<std::byte> buf(512);
  for (Lba lba : {Lba{1000}, Lba{1001}, Lba{1002}, Lba{1003}}) dev.read(lba, 1, buf, kTimeout);  // 1.5 s each
  const SmartReading r = dev.read_smart(kTimeout);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(raw_of(r, 5), 12u);   // 10 + half of 4
  EXPECT_EQ(raw_of(r, 197), 2u);  // the other half
  EXPECT_EQ(r.report->temperature, 50);
  EXPECT_EQ(r.report->attribute(194)->raw_string, "50 (Min/Max 30/50)");
  for (int i = 0; i < 310; ++i) dev.reset(ResetKind::kPowerCycle);  // 12 s each: over an hour
  const SmartReading later = dev.read_smart(kTimeout);
  EXPECT_EQ(later.report->power_on_hours, 12001u);
  EXPECT_EQ(later.report->power_cycles, 500u + 310u);
}

TEST(SimulatedSmart, DisabledSmartAndAHungDriveAreErrorValues) {
  SimProfile p = small_profile();
  p.smart.enabled = false;
  SimulatedDevice off(p);
  const SmartReading r = off.read_smart(kTimeout);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.supported);
  EXPECT_NE(r.error.find("disabled"), std::string::npos);

  SimProfile h = small_profile();
  h.hang_ranges = {{3000, 1}};
  SimulatedDevice hung(h);
  std::vector<std::byte> buf(512);
  EXPECT_EQ(hung.read(3000, 1, buf, 100ms).status, ReadStatus::kTimeout);
  const SmartReading t = hung.read_smart(kTimeout);
  EXPECT_FALSE(t.ok());
  EXPECT_NE(t.error.find("no answer"), std::string::npos) << t.error;
}

TEST(SimulatedSmart, ProfileFieldsAreReadAndUnknownOnesRefused) {
  const SimProfile p = SimProfile::from_json(
      R"({"capacity": "1MiB", "smart": {"pending": 3, "reallocate_fraction": 0.25, "temperature_max_c": 70}})");
  EXPECT_EQ(p.smart.pending, 3u);
  EXPECT_DOUBLE_EQ(p.smart.reallocate_fraction, 0.25);
  EXPECT_DOUBLE_EQ(p.smart.temperature_max_c, 70);
  try {
    SimProfile::from_json(R"({"capacity": "1MiB", "smart": {"pendingg": 3}})");
    FAIL() << "unknown field accepted";
  } catch (const SimProfileError& e) {
    EXPECT_NE(std::string(e.what()).find("smart.pendingg"), std::string::npos) << e.what();
  }
  EXPECT_THROW(SimProfile::from_json(R"({"capacity": "1MiB", "smart": {"temperature_max_c": 10}})"), SimProfileError);
}

TEST(FileSmart, AFileHasNoSmartAndSaysSo) {
  test::TempDir dir;
  const std::string path = dir.path() + "/f.img";
  { std::ofstream(path) << std::string(4096, 'x'); }
  auto dev = FileDevice::open(path, FileDeviceOptions{});
  const SmartReading r = dev->read_smart(kTimeout);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.supported);
}

}  // namespace
}  // namespace ptrescue
