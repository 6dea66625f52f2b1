// SPDX-License-Identifier: GPL-3.0-or-later
// The command-line side of USB drives: --reattach-wait (how long a drive
// that dropped off may take to come back) and the USB rungs of --reset.
#include <gtest/gtest.h>

#include "src/cli/cli_options.h"
#include "base/units.h"

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

}  // namespace
}  // namespace ptrescue
