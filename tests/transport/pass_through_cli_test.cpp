// SPDX-License-Identifier: GPL-3.0-or-later
// The command-line side of the pass-through transports: the options that
// reach them, and the errors a user sees when a source cannot speak the
// transport asked for.
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

TEST(PassThroughCliTest, DefaultsSendNothingOptIn) {
  const RescueCommandLine c = parse({});
  EXPECT_EQ(c.transport, "auto");
  EXPECT_FALSE(c.erc.has_value());
  EXPECT_FALSE(c.dsense);
  EXPECT_TRUE(c.limited_retry);
  EXPECT_TRUE(c.power_cycle_cmd.empty());
}

TEST(PassThroughCliTest, OptionsArriveParsed) {
  const RescueCommandLine c =
      parse({"--transport", "sat", "--erc", "700ms", "--dsense", "--no-limited-retry", "--reset", "soft,device"});
  EXPECT_EQ(c.transport, "sat");
  EXPECT_EQ(c.erc, 700ms);
  EXPECT_TRUE(c.dsense);
  EXPECT_FALSE(c.limited_retry);
  EXPECT_EQ(c.engine.reset_ladder, (std::vector<ResetKind>{ResetKind::kSoft, ResetKind::kDevice}));
}

TEST(PassThroughCliTest, PowerCycleCommandEndsTheLadder) {
  const RescueCommandLine c = parse({"--reset", "device", "--power-cycle-cmd", "relay 3 cycle"});
  EXPECT_EQ(c.power_cycle_cmd, "relay 3 cycle");
  EXPECT_EQ(c.engine.reset_ladder, (std::vector<ResetKind>{ResetKind::kDevice, ResetKind::kPowerCycle}));
  // Named already: not twice.
  const RescueCommandLine d = parse({"--reset", "power-cycle,device", "--power-cycle-cmd", "x"});
  EXPECT_EQ(d.engine.reset_ladder, (std::vector<ResetKind>{ResetKind::kPowerCycle, ResetKind::kDevice}));
}

TEST(PassThroughCliTest, BadValuesAreUsageErrors) {
  EXPECT_THROW(parse({"--transport", "ata"}), UsageError);
  EXPECT_THROW(parse({"--erc", "-1s"}), UsageError);
  EXPECT_THROW(parse({"--erc", "2h"}), UsageError);
  EXPECT_THROW(parse({"--limited-retry", "--no-limited-retry"}), UsageError);
}

TEST(PassThroughCliTest, ForcedTransportOnAFileIsAClearError) {
  test::TempDir dir;
  const std::string src = dir.file("disk.img");
  std::ofstream(src) << std::string(8192, 'x');
  const auto r = test::run_ptrescue({"rescue", src, dir.file("out.img"), dir.file("out.map"), "--transport", "sat", "-q"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("--transport sat"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("regular file"), std::string::npos) << r.err;
  const auto id = test::run_ptrescue({"identify", src, "--transport", "nvme"});
  EXPECT_EQ(id.exit_code, 1) << id.describe();
}

TEST(PassThroughCliTest, IdentifyOfAFileSaysWhatItCannotKnow) {
  test::TempDir dir;
  const std::string src = dir.file("disk.img");
  std::ofstream(src) << std::string(8192, 'x');
  const auto r = test::run_ptrescue({"identify", src, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("\"transport\": \"file\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"erc_supported\": null"), std::string::npos) << r.out;
}

TEST(PassThroughCliTest, ErcOnAFileSourceIsIgnoredWithANote) {
  test::TempDir dir;
  const std::string src = dir.file("disk.img");
  std::ofstream(src) << std::string(8192, 'x');
  const auto r = test::run_ptrescue({"rescue", src, dir.file("out.img"), dir.file("out.map"), "--erc", "1s", "-q", "-f"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("--erc ignored"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ptrescue
