// SPDX-License-Identifier: GPL-3.0-or-later
// The command-line side of USB drives: --reattach-wait (how long a drive
// that dropped off may take to come back) and the USB rungs of --reset.
#include <gtest/gtest.h>

#include <fstream>

#include "src/cli/cli_options.h"
#include "base/units.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using namespace std::chrono_literals;

RescueCommandLine parse(std::vector<std::string> extra) {
  std::vector<std::string> args{"src", "img", "map"};
  args.insert(args.end(), extra.begin(), extra.end());
  return parse_rescue_args(args);
}

TEST(UsbCliTest, ReattachWaitDefaultsToAMinuteAndZeroTurnsItOff) {
  EXPECT_EQ(parse({}).reattach_wait, 60s);
  EXPECT_EQ(parse({"--reattach-wait", "5s"}).reattach_wait, 5s);
  EXPECT_EQ(parse({"--reattach-wait", "0"}).reattach_wait, 0ms);
  EXPECT_THROW(parse({"--reattach-wait", "soon"}), UsageError);
}

TEST(UsbCliTest, UsbRungsAreLadderSteps) {
  const RescueCommandLine c = parse({"--reset", "soft,device,bus,usb-reset,usb-rebind"});
  EXPECT_EQ(c.engine.reset_ladder, (std::vector<ResetKind>{ResetKind::kSoft, ResetKind::kDevice, ResetKind::kBus,
                                                          ResetKind::kUsbReset, ResetKind::kUsbRebind}));
  try {
    parse({"--reset", "usb"});
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("usb-reset, usb-rebind"), std::string::npos) << e.what();
  }
}

DeviceIdentity on_usb(bool usb) {
  DeviceIdentity id;
  id.transport = "scsi";
  if (usb) id.usb = "2-1:1.0 (uas), /dev/bus/usb/002/003";
  return id;
}

TEST(UsbCliTest, TheDefaultLadderClimbsToTheUsbRungsOnlyForADiskOnUsb) {
  const RescueCommandLine c = parse({});
  EXPECT_FALSE(c.reset_given);
  EXPECT_EQ(reset_ladder_for(c, on_usb(true)), (std::vector<ResetKind>{ResetKind::kSoft, ResetKind::kDevice,
                                                                       ResetKind::kBus, ResetKind::kUsbReset,
                                                                       ResetKind::kUsbRebind}));
  EXPECT_EQ(reset_ladder_for(c, on_usb(false)),
            (std::vector<ResetKind>{ResetKind::kSoft, ResetKind::kDevice, ResetKind::kBus}));
  EXPECT_EQ(reset_ladder_text(reset_ladder_for(c, on_usb(true))), "soft,device,bus,usb-reset,usb-rebind");
}

TEST(UsbCliTest, APowerCycleCommandStaysLastAfterTheUsbRungs) {
  const RescueCommandLine c = parse({"--power-cycle-cmd", "relay 3 cycle"});
  EXPECT_EQ(reset_ladder_text(reset_ladder_for(c, on_usb(true))), "soft,device,bus,usb-reset,usb-rebind,power-cycle");
  EXPECT_EQ(reset_ladder_text(reset_ladder_for(c, on_usb(false))), "soft,device,bus,power-cycle");
}

TEST(UsbCliTest, AGivenLadderHoldsOnUsbToo) {
  const RescueCommandLine c = parse({"--reset", "soft,device"});
  EXPECT_TRUE(c.reset_given);
  EXPECT_EQ(reset_ladder_text(reset_ladder_for(c, on_usb(true))), "soft,device");
  const RescueCommandLine alone = parse({"--reset", "usb-rebind"});
  EXPECT_EQ(reset_ladder_text(reset_ladder_for(alone, on_usb(false))), "usb-rebind");
}

TEST(UsbCliTest, IdentifyAndTheBannerSayTheLadderWhereResetsReachADrive) {
  // The simulated drive takes resets: its ladder is the default of a disk
  // not on USB (the guest test usb-rungs shows a USB disk's).
  const auto sim = test::run_ptrescue({"identify", "sim:demo", "--json"});
  ASSERT_EQ(sim.exit_code, 0) << sim.describe();
  EXPECT_NE(sim.out.find("\"default_reset_ladder\": \"soft,device,bus\""), std::string::npos) << sim.out;
  EXPECT_NE(sim.out.find("\"usb\": null"), std::string::npos) << sim.out;
  test::TempDir dir;
  const auto run = test::run_ptrescue({"rescue", "sim:demo", dir.file("o.img"), dir.file("o.map"), "--reset",
                                       "device,usb-rebind", "-s", "64KiB", "--sparse"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_NE(run.out.find("\nreset ladder: device,usb-rebind\n"), std::string::npos) << run.out;
  // A file: no reset reaches it, no ladder is shown.
  const std::string src = dir.file("disk.img");
  std::ofstream(src) << std::string(8192, 'x');
  const auto file = test::run_ptrescue({"identify", src, "--json"});
  ASSERT_EQ(file.exit_code, 0) << file.describe();
  EXPECT_NE(file.out.find("\"default_reset_ladder\": null"), std::string::npos) << file.out;
  const auto copy = test::run_ptrescue({"rescue", src, dir.file("f.img"), dir.file("f.map")});
  ASSERT_EQ(copy.exit_code, 0) << copy.describe();
  EXPECT_EQ(copy.out.find("reset ladder"), std::string::npos) << copy.out;
}

}  // namespace
}  // namespace ptrescue
