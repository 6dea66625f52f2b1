// SPDX-License-Identifier: GPL-3.0-or-later
// SMART around a rescue: the smartctl-style JSON and the numbers read back
// from it, the stop rules, the sidecar (append, torn lines, resume),
// smart-diff, and end to end through the binary on simulated drives: stop
// rules that fire (exit 8, mapfile saved, resumable), --smart=off,
// interval snapshots, `ptrescue smart` and a source without SMART.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands/ata_smart.h"
#include "src/cli/exit_codes.h"
#include "src/smart/smart_diff.h"
#include "src/smart/smart_json.h"
#include "src/smart/smart_metrics.h"
#include "src/smart/smart_monitor.h"
#include "src/smart/smart_sidecar.h"
#include "src/smart/smart_stop_rules.h"
#include "base/units.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"
#include "transport/sim/simulated_device.h"

namespace ptrescue {
namespace {

using test::read_file;
using nlohmann::json;
using test::run_ptrescue;
using test::TempDir;

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

commands::SmartReport ata_report(std::uint64_t pending, std::uint64_t reallocated, int temperature) {
  commands::SmartReport r;
  auto add = [&](std::uint8_t id, std::uint64_t raw) {
    commands::AtaSmartAttribute a;
    a.id = id;
    a.value = a.worst = 100;
    a.threshold = 0;
    a.raw = raw;
    commands::decode_ata_attribute(a);
    r.ata_attributes.push_back(a);
  };
  add(5, reallocated);
  add(194, static_cast<std::uint64_t>(temperature));
  add(197, pending);
  add(1, 42);
  r.passed = true;
  commands::summarize_ata_report(r);
  return r;
}

DeviceIdentity sim_identity() {
  DeviceIdentity id;
  id.transport = "sim";
  id.path = "sim:test";
  id.model = "PTRESCUE SIM test";
  return id;
}

TEST(SmartJson, FollowsSmartctlNames) {
  const json j = smart_report_json(ata_report(3, 7, 41), sim_identity());
  EXPECT_EQ(j["smart_status"]["passed"], true);
  EXPECT_EQ(j["temperature"]["current"], 41);
  EXPECT_EQ(j["model_name"], "PTRESCUE SIM test");
  const json& table = j["ata_smart_attributes"]["table"];
  ASSERT_EQ(table.size(), 4u);
  EXPECT_EQ(table[2]["id"], 197);
  EXPECT_EQ(table[2]["name"], "Current_Pending_Sector");
  EXPECT_EQ(table[2]["raw"]["value"], 3);
  EXPECT_EQ(table[2]["raw"]["string"], "3");
  EXPECT_EQ(table[2]["thresh"], 0);
  EXPECT_TRUE(table[2]["flags"].contains("value"));
}

TEST(SmartJson, MetricsUseShortNamesForWhatRecoveryWatches) {
  const SmartMetrics m = smart_metrics(smart_report_json(ata_report(3, 7, 41), sim_identity()));
  ASSERT_NE(find_metric(m, "pending"), nullptr);
  EXPECT_EQ(*find_metric(m, "pending"), 3);
  EXPECT_EQ(*find_metric(m, "reallocated"), 7);
  EXPECT_EQ(*find_metric(m, "temperature"), 41);
  EXPECT_EQ(*find_metric(m, "Raw_Read_Error_Rate"), 42);
  EXPECT_EQ(find_metric(m, "media_errors"), nullptr);
  EXPECT_TRUE(smart_metrics(json("garbage")).empty());
  EXPECT_TRUE(smart_metrics(json{{"ata_smart_attributes", {{"table", "x"}}}}).empty());
}

TEST(SmartStopRules, ParseAndFire) {
  const auto rules = parse_smart_stop_rules("pending+=50, reallocated+=100,temperature>=60,available_spare<=10");
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[0].metric, "pending");
  EXPECT_EQ(rules[0].kind, SmartStopRule::Kind::kRise);
  EXPECT_EQ(rules[0].limit, 50);
  EXPECT_EQ(rules[2].kind, SmartStopRule::Kind::kAtLeast);
  EXPECT_EQ(rules[3].kind, SmartStopRule::Kind::kAtMost);
  const SmartMetrics base{{"pending", 3}, {"reallocated", 0}, {"temperature", 40}};
  EXPECT_FALSE(fired_smart_stop_rule(rules, base, {{"pending", 52}, {"reallocated", 99}, {"temperature", 59}}));
  const auto pending = fired_smart_stop_rule(rules, base, {{"pending", 53}, {"temperature", 40}});
  ASSERT_TRUE(pending);
  EXPECT_EQ(*pending, "pending+=50: pending rose from 3 to 53 (+50)");
  const auto hot = fired_smart_stop_rule(rules, base, {{"pending", 3}, {"temperature", 60}});
  ASSERT_TRUE(hot);
  EXPECT_EQ(*hot, "temperature>=60: temperature is 60");
  EXPECT_TRUE(fired_smart_stop_rule(rules, {}, {{"available_spare", 9}}));
  // A metric the drive does not report never fires.
  EXPECT_FALSE(fired_smart_stop_rule(rules, {}, {{"pending", 1000}}));
  for (const char* bad : {"pending", "pending+=", "pending+=x", "+=5", "pending==5", "pending+=-1", "pen ding>=5x"})
    EXPECT_THROW(parse_smart_stop_rules(bad), UsageError) << bad;
}

TEST(SmartSidecar, AppendsSurvivesTornLinesAndDiffs) {
  TempDir dir;
  const SmartSidecar sidecar(smart_sidecar_path(dir.file("run.map")));
  EXPECT_EQ(sidecar.path(), dir.file("run.map.smart.jsonl"));
  EXPECT_TRUE(sidecar.read_all().empty());
  auto snap = [&](const char* event, std::uint64_t pending, int temperature) {
    SmartSnapshot s = stamped_snapshot(event);
    s.smart = smart_report_json(ata_report(pending, 0, temperature), sim_identity());
    sidecar.append(s);
  };
  snap("before", 0, 35);
  SmartSnapshot failed;
  failed.event = "after-pass";
  failed.error = "SMART READ DATA: timeout";
  sidecar.append(failed);
  snap("after-pass", 12, 41);
  { std::ofstream(sidecar.path(), std::ios::app) << "{\"ptrescue\":{\"event\":\"end\",\"sma"; }  // a crash mid-line
  std::size_t skipped = 0;
  const auto all = sidecar.read_all(&skipped);
  EXPECT_EQ(skipped, 1u);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].error, "SMART READ DATA: timeout");
  // Appending after a torn line: the new line starts on its own (the torn one stays skipped).
  { std::ofstream(sidecar.path(), std::ios::app) << "\n"; }
  snap("end", 20, 44);
  const auto diff = smart_diff(sidecar.read_all());
  ASSERT_TRUE(diff);
  EXPECT_EQ(diff->snapshots, 3u);
  EXPECT_EQ(diff->failed, 1u);
  EXPECT_EQ(diff->first.event, "before");
  EXPECT_EQ(diff->last.event, "end");
  ASSERT_EQ(diff->changes.size(), 2u);
  EXPECT_EQ(diff->changes[0].name, "temperature");
  EXPECT_EQ(diff->changes[1].name, "pending");
  EXPECT_EQ(diff->changes[1].last, 20);
  EXPECT_NE(smart_diff_text(*diff).find("pending      0 -> 20 (+20)"), std::string::npos) << smart_diff_text(*diff);
  EXPECT_EQ(smart_diff_json(*diff)["changes"][1]["change"], 20);
  // smartctl -j output appended by hand counts as a snapshot.
  { std::ofstream(sidecar.path(), std::ios::app) << smart_report_json(ata_report(25, 1, 44), sim_identity()).dump() << "\n"; }
  const auto with_external = sidecar.read_all();
  EXPECT_EQ(with_external.back().event, "external");
  EXPECT_EQ(smart_diff(with_external)->changes.back().last, 25);
}

TEST(SmartMonitor, StopsTheRunWhenARuleFiresAgainstTheFirstSnapshot) {
  TempDir dir;
  SimProfile p;
  p.capacity_sectors = 65536;
  p.zones = 4;
  p.stripe_sectors = 4096;
  p.bad_ranges = {{100, 8}};
  SimulatedDevice dev(p);
  std::atomic<bool> stop{false};
  SmartMonitor monitor(dev, SmartSidecar(dir.file("m.smart")), SmartSchedule{},
                       parse_smart_stop_rules("pending+=3"), stop, nullptr);
  monitor.before_first_pass();
  monitor.on_phase(Phase::kCopying, 1, "");
  std::vector<std::byte> buf(512);
  for (Lba lba = 100; lba < 103; ++lba) dev.read(lba, 1, buf, std::chrono::seconds(10));  // longer than the retries
  EXPECT_FALSE(stop.load());  // no snapshot yet
  monitor.on_phase(Phase::kCopying, 2, "");
  EXPECT_TRUE(stop.load());
  ASSERT_TRUE(monitor.fired());
  EXPECT_EQ(*monitor.fired(), "pending+=3: pending rose from 0 to 3 (+3)");
  // A new monitor over the same sidecar (a resume) keeps the first snapshot as the baseline.
  std::atomic<bool> stop2{false};
  SmartMonitor resumed(dev, SmartSidecar(dir.file("m.smart")), SmartSchedule{},
                       parse_smart_stop_rules("pending+=4"), stop2, nullptr);
  dev.read(103, 1, buf, std::chrono::seconds(10));
  resumed.before_first_pass();
  EXPECT_TRUE(stop2.load());
  EXPECT_EQ(SmartSidecar(dir.file("m.smart")).read_all().size(), 3u);
}

TEST(SmartSchedule, Parses) {
  EXPECT_EQ(parse_smart_schedule("off").mode, SmartSchedule::Mode::kOff);
  EXPECT_EQ(parse_smart_schedule("passes").mode, SmartSchedule::Mode::kPasses);
  const auto i = parse_smart_schedule("interval:10m");
  EXPECT_EQ(i.mode, SmartSchedule::Mode::kInterval);
  EXPECT_EQ(i.interval, std::chrono::minutes(10));
  EXPECT_THROW(parse_smart_schedule("sometimes"), UsageError);
  EXPECT_THROW(parse_smart_schedule("interval:"), UsageError);
}

// ---- end to end through the binary ----------------------------------------

// A small drive whose scattered bad sectors show up as pending sectors.
std::string write_profile(const TempDir& dir, const std::string& smart = "{}") {
  const std::string path = dir.file("smart-drive.json");
  std::ofstream(path) << R"({"name": "smart-drive", "capacity": "8MiB", "zones": 2, "stripe": "1MiB",
    "error_latency_ms": 50, "bad_clusters": [{"count": 60, "length": 1}], "smart": )"
                      << smart << "}";
  return path;
}

TEST(SmartCli, APendingRuleStopsWithExit8AndTheSameCommandResumes) {
  TempDir dir;
  const std::string src = "sim:" + write_profile(dir);
  const std::string img = dir.file("d.img"), map = dir.file("d.map");
  const auto r = run_ptrescue({"rescue", src, img, map, "-q", "--smart-stop", "pending+=10"});
  ASSERT_EQ(r.exit_code, exit_code::kSmartStop) << r.describe();
  EXPECT_NE(r.err.find("SMART stop rule pending+=10: pending rose from 0 to"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the mapfile is saved"), std::string::npos) << r.err;
  ASSERT_TRUE(std::filesystem::exists(map));
  EXPECT_NE(read_file(map).find("# current_pos"), std::string::npos);
  const auto snaps = json_lines(read_file(map + ".smart.jsonl"));
  ASSERT_GE(snaps.size(), 3u);  // before, after-pass, end
  EXPECT_EQ(snaps.front()["ptrescue"]["event"], "before");
  EXPECT_EQ(snaps.front()["ptrescue"]["label"], "before the first pass");
  EXPECT_EQ(snaps.back()["ptrescue"]["event"], "end");
  EXPECT_EQ(snaps.front()["smart_status"]["passed"], true);  // smartctl's layout, as `ptrescue report` reads it

  // Without the rule the run goes on from where it stopped and finishes.
  const auto resumed = run_ptrescue({"rescue", src, img, map, "-q"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.describe();
  const auto more = json_lines(read_file(map + ".smart.jsonl"));
  EXPECT_GT(more.size(), snaps.size());

  const auto diff = run_ptrescue({"smart-diff", map});
  ASSERT_EQ(diff.exit_code, 0) << diff.describe();
  EXPECT_NE(diff.out.find("pending"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("offline_uncorrectable"), std::string::npos) << diff.out;
  const auto diff_json = run_ptrescue({"smart-diff", map, "--json"});
  ASSERT_EQ(diff_json.exit_code, 0);
  const json d = json::parse(diff_json.out);
  EXPECT_EQ(d["first"]["event"], "before");
  bool pending_rose = false;
  for (const auto& c : d["changes"])
    if (c["name"] == "pending") pending_rose = c["change"].get<int>() >= 10;
  EXPECT_TRUE(pending_rose) << d.dump(1);
}

TEST(SmartCli, ATemperatureRuleCanStopBeforeTheFirstRead) {
  TempDir dir;
  const std::string src = "sim:" + write_profile(dir, R"({"temperature_c": 61, "temperature_max_c": 70})");
  const std::string map = dir.file("t.map");
  const auto r = run_ptrescue({"rescue", src, dir.file("t.img"), map, "-q", "--smart-stop", "temperature>=60"});
  ASSERT_EQ(r.exit_code, exit_code::kSmartStop) << r.describe();
  EXPECT_NE(r.err.find("temperature>=60: temperature is 61"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::exists(map));
  EXPECT_EQ(read_file(map).find("+ "), std::string::npos);  // nothing rescued: nothing read
}

TEST(SmartCli, SnapshotsFollowTheScheduleAndOffWritesNothing) {
  TempDir dir;
  const std::string src = "sim:" + write_profile(dir);
  const auto off = run_ptrescue({"rescue", src, dir.file("o.img"), dir.file("o.map"), "-q", "--smart=off"});
  ASSERT_EQ(off.exit_code, 0) << off.describe();
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.map.smart.jsonl")));

  const auto passes = run_ptrescue({"rescue", src, dir.file("p.img"), dir.file("p.map"), "-q"});
  ASSERT_EQ(passes.exit_code, 0) << passes.describe();
  const auto by_pass = json_lines(read_file(dir.file("p.map.smart.jsonl")));
  std::size_t after = 0;
  for (const auto& s : by_pass) after += s["ptrescue"]["event"] == "after-pass";
  EXPECT_GE(after, 2u);  // copying passes, trimming, scraping: one after each but the last

  // Interval snapshots on the drive's (virtual) clock: the bad sectors cost 50 ms each.
  const auto interval = run_ptrescue({"rescue", src, dir.file("i.img"), dir.file("i.map"), "-q", "--smart=interval:200ms"});
  ASSERT_EQ(interval.exit_code, 0) << interval.describe();
  std::size_t intervals = 0;
  for (const auto& s : json_lines(read_file(dir.file("i.map.smart.jsonl")))) intervals += s["ptrescue"]["event"] == "interval";
  EXPECT_GE(intervals, 3u);

  const auto bad = run_ptrescue({"rescue", src, dir.file("b.img"), dir.file("b.map"), "--smart-stop", "pending"});
  EXPECT_EQ(bad.exit_code, exit_code::kEnvironment);
  EXPECT_NE(bad.err.find("invalid --smart-stop rule 'pending'"), std::string::npos) << bad.err;
  const auto contradict = run_ptrescue({"rescue", src, dir.file("c.img"), dir.file("c.map"), "--smart=off",
                                        "--smart-stop", "pending+=1"});
  EXPECT_EQ(contradict.exit_code, exit_code::kEnvironment);
}

TEST(SmartCli, ASourceWithoutSmartIsImagedQuietly) {
  TempDir dir;
  const std::string src = dir.file("src.bin");
  std::ofstream(src) << std::string(64 * 1024, 'a');
  const auto r = run_ptrescue({"rescue", src, dir.file("f.img"), dir.file("f.map"), "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(std::filesystem::exists(dir.file("f.map.smart.jsonl")));
  EXPECT_EQ(r.err.find("SMART"), std::string::npos) << r.err;
  // Asked for explicitly, it says why there are no snapshots, and still images.
  const auto asked = run_ptrescue({"rescue", src, dir.file("g.img"), dir.file("g.map"), "-q", "--smart=passes"});
  ASSERT_EQ(asked.exit_code, 0) << asked.describe();
  EXPECT_NE(asked.err.find("SMART is not available through the 'file' transport"), std::string::npos) << asked.err;
  const auto smart = run_ptrescue({"smart", src});
  EXPECT_EQ(smart.exit_code, exit_code::kEnvironment);
  EXPECT_NE(smart.err.find("not available"), std::string::npos) << smart.err;
  const auto diff = run_ptrescue({"smart-diff", dir.file("f.map")});
  EXPECT_EQ(diff.exit_code, exit_code::kEnvironment);
}

TEST(SmartCli, SmartCommandPrintsATableAndSmartctlStyleJson) {
  const auto j = run_ptrescue({"smart", "sim:demo", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.describe();
  const json doc = json::parse(j.out);
  EXPECT_EQ(doc["smart_status"]["passed"], true);
  EXPECT_EQ(doc["device"]["protocol"], "ATA");
  EXPECT_EQ(doc["power_on_time"]["hours"], 12000);
  EXPECT_EQ(doc["temperature"]["current"], 32);
  bool pending = false;
  for (const auto& a : doc["ata_smart_attributes"]["table"])
    if (a["id"] == 197) pending = a["name"] == "Current_Pending_Sector" && a["raw"]["value"] == 0;
  EXPECT_TRUE(pending) << doc.dump(1);
  const auto t = run_ptrescue({"smart", "sim:demo"});
  ASSERT_EQ(t.exit_code, 0) << t.describe();
  EXPECT_NE(t.out.find("overall health:  PASSED"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("Current_Pending_Sector"), std::string::npos) << t.out;
}

}  // namespace
}  // namespace ptrescue
