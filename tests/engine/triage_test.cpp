// SPDX-License-Identifier: GPL-3.0-or-later
// The triage scan (src/triage/triage_scan.h) and `ptrescue analyze` on
// simulated drives: the demo drive's weak head 1 is named from its slow
// reads, and the weak stripes of the map found are head 1's (the
// simulator's geometry is the oracle); a healthy drive has no weak head and
// no slow firmware, and gets only a short survey; a drive slow everywhere is
// slow firmware, not a head;
// --json has the documented shape.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/cli/analyze_command.h"
#include "src/triage/triage_scan.h"
#include "support/run_process.h"
#include "support/temp_dir.h"
#include "transport/sim/simulated_device.h"

namespace ptrescue {
namespace {

using test::ProcessResult;
using test::run_ptrescue;

std::vector<int> weak_of(const TriageResult& r) {
  std::vector<int> out;
  for (const TriageHead& h : r.heads)
    if (h.weak) out.push_back(h.head);
  return out;
}

TEST(Triage, NamesTheDemoDrivesWeakHeadFromItsReadTimes) {
  SimulatedDevice dev(SimProfile::builtin("demo"));
  dev.set_deliver_data(false);
  const TriageResult r = run_triage(dev, TriageOptions{});
  ASSERT_TRUE(r.model.has_value());
  EXPECT_TRUE(r.model_from_latency);
  EXPECT_EQ(r.model->heads, 4);
  EXPECT_EQ(r.model->stripe, dev.profile().stripe_sectors);
  EXPECT_EQ(weak_of(r), std::vector<int>{1});
  // The map's weak stripes are the simulator's head 1 where the scan read
  // (between windows the map guesses: a zone may change there).
  int wrong = 0, total = 0;
  const Lba stripe = dev.profile().stripe_sectors;
  for (const TriageWindow& w : r.windows)
    for (Lba mid = w.start / stripe * stripe + stripe / 2; mid < w.end; mid += stripe, ++total)
      if (r.map.is_weak(r.map.head_of(mid).value_or(-1)) != (dev.head_of(mid) == 1)) ++wrong;
  EXPECT_GT(total, 100);
  EXPECT_LE(wrong, total / 20);
  EXPECT_FALSE(r.slow_firmware);
  EXPECT_GT(r.estimate_s, 0);
  // Within its read budget.
  EXPECT_LE(r.reads.size(), TriageOptions{}.max_reads);
}

TEST(Triage, HealthyDriveHasNoWeakHeadAndSlowFirmwareIsNoHead) {
  SimProfile p = SimProfile::builtin("healthy");
  SimulatedDevice healthy(p);
  const TriageResult h = run_triage(healthy, TriageOptions{});
  EXPECT_TRUE(h.map.empty());
  EXPECT_FALSE(h.slow_firmware);
  // Every command slow alike (a firmware busy with itself): a slow range
  // over the whole drive costs each read 60 ms.
  p.slow_ranges = {{.start = 0, .length = p.capacity_sectors, .extra_ms = 60}};
  SimulatedDevice slow(p);
  const TriageResult s = run_triage(slow, TriageOptions{});
  EXPECT_TRUE(s.map.empty());
  EXPECT_TRUE(s.slow_firmware);
}

TEST(Triage, HealthyDriveGetsOnlyTheSurveyAWeakOneTheWholeScan) {
  // 2 GiB with nothing wrong: no read of the survey is slow or fails, and
  // 0.4 % of its time to image is less than the survey took: 4 reads per
  // window and no more (the whole scan read 2048).
  SimProfile p = SimProfile::builtin("healthy");
  p.capacity_sectors = Lba{4} << 20;
  SimulatedDevice healthy(p);
  healthy.set_deliver_data(false);
  const TriageOptions o;
  const TriageResult h = run_triage(healthy, o);
  EXPECT_FALSE(h.looked_closer);
  EXPECT_EQ(h.reads.size(), static_cast<std::size_t>(o.windows * o.survey_reads));
  EXPECT_GT(h.estimate_s, 0);
  // The windows lie one in each eighth of the drive, not all at their
  // eighths' starts.
  ASSERT_EQ(h.windows.size(), 8U);
  int at_slice_start = 0;
  for (std::size_t w = 0; w < h.windows.size(); ++w) {
    EXPECT_GE(h.windows[w].start, p.capacity_sectors / 8 * w);
    EXPECT_LT(h.windows[w].start, p.capacity_sectors / 8 * (w + 1));
    if (h.windows[w].start == p.capacity_sectors / 8 * w) ++at_slice_start;
  }
  EXPECT_EQ(at_slice_start, 1);  // the first, at LBA 0
  // A budget given is read in full.
  TriageOptions given;
  given.scaled = false;
  given.max_reads = 64;
  SimulatedDevice again(p);
  again.set_deliver_data(false);
  const TriageResult g = run_triage(again, given);
  EXPECT_TRUE(g.looked_closer);
  EXPECT_EQ(g.reads.size(), 64U);
  // The demo's weak head slows reads of the survey: the whole scan.
  SimulatedDevice demo(SimProfile::builtin("demo"));
  demo.set_deliver_data(false);
  const TriageResult d = run_triage(demo, TriageOptions{});
  EXPECT_TRUE(d.looked_closer);
  EXPECT_GT(d.reads.size(), 1000U);
}

TEST(Triage, AnalyzeCommandNamesHeadOneOfTheDemoAsJson) {
  const ProcessResult r = run_ptrescue({"analyze", "sim:demo", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("weak_heads"), nlohmann::json::array({1}));
  EXPECT_EQ(j.at("head_map").at("from"), "latency");
  EXPECT_GE(j.at("head_map").at("confidence").get<double>(), 0.8);
  EXPECT_TRUE(j.at("head_map").at("used").get<bool>());
  EXPECT_EQ(j.at("zones").size(), 8U);
  for (const auto& z : j.at("zones"))
    for (const char* k : {"start_lba", "end_lba", "reads", "errors", "slow_reads", "median_ms", "read_rate_mbps"})
      EXPECT_TRUE(z.contains(k)) << k;
  EXPECT_EQ(j.at("heads").size(), 4U);
  EXPECT_FALSE(j.at("slow_firmware").get<bool>());
  EXPECT_TRUE(j.at("looked_closer").get<bool>());
  EXPECT_GT(j.at("estimated_seconds_to_image").get<double>(), 0);
  EXPECT_FALSE(j.at("recommended").empty());
  // Text: the weak head by name.
  const ProcessResult t = run_ptrescue({"analyze", "sim:demo"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("weak head: 1"), std::string::npos) << t.out;
}

TEST(Triage, AnalyzeRefusesBadOptions) {
  EXPECT_EQ(run_ptrescue({"analyze", "sim:demo", "--reads", "0"}).exit_code, 1);
  EXPECT_EQ(run_ptrescue({"analyze"}).exit_code, 1);
  EXPECT_EQ(run_ptrescue({"analyze", "sim:demo", "--read-timeout", "x"}).exit_code, 1);
}

TEST(Triage, DemoNamesTheHeadsAndWhatHealthyFirstSaved) {
  test::TempDir dir;
  // The demo makes its folder under $TMPDIR.
  const ProcessResult r =
      test::run_process({"/usr/bin/env", "TMPDIR=" + dir.path(), PTRESCUE_BINARY, "demo"}, std::chrono::minutes(8));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("weak head: 1"), std::string::npos);            // the triage first
  EXPECT_NE(r.out.find("| 1 weak"), std::string::npos);                // the status line names the heads
  EXPECT_NE(r.out.find("Healthy heads first: head 1 was found weak"), std::string::npos) << r.out.substr(r.out.size() > 3000 ? r.out.size() - 3000 : 0);
  EXPECT_NE(r.out.find("heads 0, 2, 3"), std::string::npos);
}

}  // namespace
}  // namespace ptrescue
