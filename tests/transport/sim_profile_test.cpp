// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/sim/sim_profile.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

namespace ptrescue {
namespace {

namespace fs = std::filesystem;

std::string error_of(std::string_view json) {
  try {
    SimProfile::from_json(json);
  } catch (const SimProfileError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string file_error_of(const std::filesystem::path& path) {
  try {
    SimProfile::from_json_file(path);
  } catch (const SimProfileError& e) {
    return e.what();
  }
  return "(no error)";
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("ptrescue-sim-profile-" + std::to_string(::getpid()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path write(const std::string& name, std::string_view text) const {
    const fs::path p = path_ / name;
    std::ofstream(p) << text;
    return p;
  }

 private:
  fs::path path_;
};

TEST(SimProfile, EveryBuiltinIsValidAndCarriesItsName) {
  const auto names = SimProfile::builtin_names();
  ASSERT_EQ(names.size(), 5u);
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const SimProfile p = SimProfile::builtin(name);
    EXPECT_EQ(p.name, name);
    EXPECT_NO_THROW(p.validate());
    EXPECT_EQ(p.model_name(), "PTRESCUE SIM " + name);
  }
}

TEST(SimProfile, BuiltinsHaveTheDefectsTheirNamesPromise) {
  const SimProfile demo = SimProfile::builtin("demo");
  EXPECT_EQ(demo.capacity_sectors * demo.logical_sector_size, 1ULL << 30);
  EXPECT_FALSE(demo.weak_heads.empty());
  EXPECT_FALSE(demo.bad_ranges.empty());
  EXPECT_FALSE(demo.bad_clusters.empty());
  EXPECT_FALSE(demo.slow_ranges.empty());

  const SimProfile healthy = SimProfile::builtin("healthy");
  EXPECT_TRUE(healthy.bad_ranges.empty() && healthy.bad_clusters.empty() && healthy.weak_heads.empty() &&
              healthy.dead_heads.empty() && healthy.slow_ranges.empty() && healthy.hang_ranges.empty());

  EXPECT_EQ(SimProfile::builtin("weak-head").weak_heads.size(), 1u);
  EXPECT_FALSE(SimProfile::builtin("scattered").bad_clusters.empty());
  const SimProfile hang = SimProfile::builtin("hang");
  EXPECT_FALSE(hang.hang_ranges.empty());
  EXPECT_FALSE(hang.bad_ranges.empty());
}

TEST(SimProfile, UnknownBuiltinListsTheValidNames) {
  try {
    SimProfile::builtin("wobbly");
    FAIL() << "no exception";
  } catch (const SimProfileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("wobbly"), std::string::npos) << what;
    for (const auto& name : SimProfile::builtin_names()) EXPECT_NE(what.find(name), std::string::npos) << what;
  }
}

TEST(SimProfile, MinimalJsonTakesTheDocumentedDefaults) {
  const SimProfile p = SimProfile::from_json(R"({"capacity": "1GiB"})");
  const SimProfile d;
  EXPECT_EQ(p.name, "custom");
  EXPECT_EQ(p.capacity_sectors, 2097152u);
  EXPECT_EQ(p.logical_sector_size, 512u);
  EXPECT_EQ(p.physical_sector_size, 512u);
  EXPECT_EQ(p.max_transfer_sectors, 65536u);
  EXPECT_EQ(p.stripe_sectors, d.stripe_sectors);
  EXPECT_EQ(p.heads, d.heads);
  EXPECT_EQ(p.zones, d.zones);
  EXPECT_EQ(p.seed, d.seed);
  EXPECT_EQ(p.error_latency_ms, d.error_latency_ms);
  EXPECT_EQ(p.error_recovery_limit_ms, 0);
  EXPECT_EQ(p.die_after_error_reads, 0u);
  EXPECT_TRUE(p.serpentine);
  EXPECT_TRUE(p.bad_ranges.empty());
}

TEST(SimProfile, NumbersAreSectorsAndStringsAreBytes) {
  EXPECT_EQ(SimProfile::from_json(R"({"capacity": 1000})").capacity_sectors, 1000u);
  EXPECT_EQ(SimProfile::from_json(R"({"capacity": "512000B"})").capacity_sectors, 1000u);
  const SimProfile tiny = SimProfile::from_json(R"({"capacity": "2 KiB"})");
  EXPECT_EQ(tiny.capacity_sectors, 4u);
  EXPECT_EQ(tiny.zones, 4);  // The default of 16 zones shrinks to fit.
  EXPECT_EQ(SimProfile::from_json(R"({"capacity": "1TB"})").capacity_sectors, 1953125000u);
  EXPECT_EQ(SimProfile::from_json(R"({"capacity": "1TiB"})").capacity_sectors, 1ULL << 31);
  // 10^6 bytes is not a whole number of 512-byte sectors.
  EXPECT_NE(error_of(R"({"capacity": "1MB"})").find("'capacity'"), std::string::npos);
  EXPECT_NE(error_of(R"({"capacity": "1 parsec"})").find("'capacity'"), std::string::npos);
  EXPECT_NE(error_of(R"({"capacity": 1.5})").find("'capacity'"), std::string::npos);
}

TEST(SimProfile, SizesCountLogicalSectorsOfTheProfile) {
  const SimProfile p = SimProfile::from_json(
      R"({"capacity": "1GiB", "logical_sector_size": 4096, "weak_heads": [{"head": 0}]})");
  EXPECT_EQ(p.capacity_sectors, 262144u);
  EXPECT_EQ(p.physical_sector_size, 4096u);  // Defaults to the logical size.
  EXPECT_EQ(p.max_transfer_sectors, 8192u);  // 32 MiB.
  EXPECT_EQ(p.stripe_sectors, 4096u);        // 16 MiB.
  ASSERT_EQ(p.weak_heads.size(), 1u);
  EXPECT_EQ(p.weak_heads[0].cluster_sectors, 8u);  // 32 KiB.
}

TEST(SimProfile, ParsesEveryField) {
  const SimProfile p = SimProfile::from_json(R"({
    "name": "everything", "model": "ACME 1", "seed": 99,
    "capacity": 100000, "logical_sector_size": 512, "physical_sector_size": 4096,
    "max_transfer": "1MiB", "heads": 3, "zones": 5, "stripe": 800,
    "head_order": [2, 0, 1], "serpentine": false,
    "rate_outer_mbps": 150.5, "rate_inner_mbps": 60, "rpm": 5400,
    "seek_track_ms": 0.5, "seek_full_stroke_ms": 22, "head_switch_ms": 0.7,
    "command_overhead_ms": 0.2, "error_latency_ms": 3000, "error_recovery_limit_ms": 7000,
    "reset_ms": {"soft": 1, "device": 2, "target": 3, "bus": 4, "host": 5, "power_cycle": 6},
    "die_after_error_reads": 12,
    "bad_ranges": [{"start": 10, "length": 2}],
    "bad_clusters": [{"count": 3, "length": 16}, {"count": 2}],
    "weak_heads": [{"head": 1, "extra_latency_ms": 12, "bad_fraction": 0.5, "cluster": "8KiB"}],
    "dead_heads": [2],
    "slow_ranges": [{"start": 500, "length": 4, "extra_ms": 250}, {"start": 600, "extra_ms": 9}],
    "hang_ranges": [{"start": "1MiB", "length": 1}]
  })");
  EXPECT_EQ(p.name, "everything");
  EXPECT_EQ(p.model_name(), "ACME 1");
  EXPECT_EQ(p.seed, 99u);
  EXPECT_EQ(p.capacity_sectors, 100000u);
  EXPECT_EQ(p.physical_sector_size, 4096u);
  EXPECT_EQ(p.logical_per_physical(), 8u);
  EXPECT_EQ(p.max_transfer_sectors, 2048u);
  EXPECT_EQ(p.heads, 3);
  EXPECT_EQ(p.zones, 5);
  EXPECT_EQ(p.stripe_sectors, 800u);
  EXPECT_EQ(p.head_order, (std::vector<int>{2, 0, 1}));
  EXPECT_FALSE(p.serpentine);
  EXPECT_DOUBLE_EQ(p.rate_outer_mbps, 150.5);
  EXPECT_DOUBLE_EQ(p.rate_inner_mbps, 60);
  EXPECT_DOUBLE_EQ(p.rpm, 5400);
  EXPECT_DOUBLE_EQ(p.seek_track_ms, 0.5);
  EXPECT_DOUBLE_EQ(p.seek_full_stroke_ms, 22);
  EXPECT_DOUBLE_EQ(p.head_switch_ms, 0.7);
  EXPECT_DOUBLE_EQ(p.command_overhead_ms, 0.2);
  EXPECT_DOUBLE_EQ(p.error_latency_ms, 3000);
  EXPECT_DOUBLE_EQ(p.error_recovery_limit_ms, 7000);
  EXPECT_DOUBLE_EQ(p.reset_ms.for_kind(ResetKind::kSoft), 1);
  EXPECT_DOUBLE_EQ(p.reset_ms.for_kind(ResetKind::kDevice), 2);
  EXPECT_DOUBLE_EQ(p.reset_ms.for_kind(ResetKind::kTarget), 3);
  EXPECT_DOUBLE_EQ(p.reset_ms.for_kind(ResetKind::kBus), 4);
  EXPECT_DOUBLE_EQ(p.reset_ms.for_kind(ResetKind::kHost), 5);
  EXPECT_DOUBLE_EQ(p.reset_ms.for_kind(ResetKind::kPowerCycle), 6);
  EXPECT_EQ(p.die_after_error_reads, 12u);
  ASSERT_EQ(p.bad_ranges.size(), 1u);
  EXPECT_EQ(p.bad_ranges[0].start, 10u);
  EXPECT_EQ(p.bad_ranges[0].length, 2u);
  ASSERT_EQ(p.bad_clusters.size(), 2u);
  EXPECT_EQ(p.bad_clusters[0].count, 3u);
  EXPECT_EQ(p.bad_clusters[0].length, 16u);
  EXPECT_EQ(p.bad_clusters[1].length, 1u);  // Default length.
  ASSERT_EQ(p.weak_heads.size(), 1u);
  EXPECT_EQ(p.weak_heads[0].head, 1);
  EXPECT_DOUBLE_EQ(p.weak_heads[0].extra_latency_ms, 12);
  EXPECT_DOUBLE_EQ(p.weak_heads[0].bad_fraction, 0.5);
  EXPECT_EQ(p.weak_heads[0].cluster_sectors, 16u);
  EXPECT_EQ(p.dead_heads, (std::vector<int>{2}));
  ASSERT_EQ(p.slow_ranges.size(), 2u);
  EXPECT_EQ(p.slow_ranges[0].start, 500u);
  EXPECT_EQ(p.slow_ranges[0].length, 4u);
  EXPECT_DOUBLE_EQ(p.slow_ranges[0].extra_ms, 250);
  EXPECT_EQ(p.slow_ranges[1].length, 1u);  // Default length.
  ASSERT_EQ(p.hang_ranges.size(), 1u);
  EXPECT_EQ(p.hang_ranges[0].start, 2048u);
}

struct BadCase {
  const char* json;
  const char* field;
};

TEST(SimProfile, RejectsBadInputWithAOneLineErrorNamingTheField) {
  const BadCase cases[] = {
      {R"({"capacity": "1GiB", "colour": "red"})", "colour"},
      {R"({"capacity": "1GiB", "heads": "four"})", "heads"},
      {R"({"capacity": "1GiB", "heads": -1})", "heads"},
      {R"({"capacity": "1GiB", "heads": 0})", "heads"},
      {R"({"capacity": "1GiB", "heads": 65})", "heads"},
      {R"({"capacity": "1GiB", "zones": 0})", "zones"},
      {R"({"capacity": "1GiB", "stripe": 0})", "stripe"},
      {R"({"capacity": "1GiB", "rpm": 0})", "rpm"},
      {R"({"capacity": "1GiB", "rate_inner_mbps": -3})", "rate_inner_mbps"},
      {R"({"capacity": "1GiB", "error_latency_ms": -5})", "error_latency_ms"},
      {R"({"capacity": "1GiB", "seek_track_ms": 5, "seek_full_stroke_ms": 2})", "seek_full_stroke_ms"},
      {R"({"capacity": "1GiB", "serpentine": "yes"})", "serpentine"},
      {R"({"capacity": "1GiB", "seed": -1})", "seed"},
      {R"({"capacity": "1GiB", "logical_sector_size": 1000})", "logical_sector_size"},
      {R"({"capacity": "1GiB", "logical_sector_size": 256})", "logical_sector_size"},
      {R"({"capacity": "1GiB", "physical_sector_size": 256})", "physical_sector_size"},
      {R"({"capacity": "1GiB", "physical_sector_size": 3000})", "physical_sector_size"},
      {R"({"capacity": 1001, "physical_sector_size": 4096})", "capacity"},
      {R"({"heads": 2})", "capacity"},
      {R"({"capacity": 0})", "capacity"},
      {R"({"capacity": "1GiB", "max_transfer": 0})", "max_transfer"},
      {R"({"capacity": "1GiB", "head_order": [0, 1, 2, 2]})", "head_order[3]"},
      {R"({"capacity": "1GiB", "head_order": [0, 1]})", "head_order"},
      {R"({"capacity": "1GiB", "bad_ranges": [{"start": "1GiB", "length": 1}]})", "bad_ranges[0]"},
      {R"({"capacity": 1000, "bad_ranges": [{"start": 1, "length": 2}, {"start": 990, "length": 11}]})",
       "bad_ranges[1]"},
      {R"({"capacity": 1000, "bad_ranges": [{"start": 5}]})", "bad_ranges[0].length"},
      {R"({"capacity": 1000, "bad_ranges": {"start": 5, "length": 1}})", "bad_ranges"},
      {R"({"capacity": 1000, "bad_ranges": [{"start": 5, "length": 1, "why": "x"}]})", "bad_ranges[0].why"},
      {R"({"capacity": 1000, "hang_ranges": [{"start": 5, "length": 0}]})", "hang_ranges[0]"},
      {R"({"capacity": 1000, "bad_clusters": [{"count": -1}]})", "bad_clusters[0].count"},
      {R"({"capacity": 1000, "bad_clusters": [{"count": 1, "length": 1001}]})", "bad_clusters[0].length"},
      {R"({"capacity": 1000, "bad_clusters": [{"count": 2000000}]})", "bad_clusters[0].count"},
      {R"({"capacity": "1GiB", "weak_heads": [{"head": 4}]})", "weak_heads[0].head"},
      {R"({"capacity": "1GiB", "weak_heads": [{"extra_latency_ms": 4}]})", "weak_heads[0].head"},
      {R"({"capacity": "1GiB", "weak_heads": [{"head": 1, "bad_fraction": 1.5}]})", "weak_heads[0].bad_fraction"},
      {R"({"capacity": "1GiB", "weak_heads": [{"head": 1, "colour": "red"}]})", "weak_heads[0].colour"},
      {R"({"capacity": "1GiB", "weak_heads": [{"head": 1}, {"head": 1}]})", "weak_heads[1].head"},
      {R"({"capacity": "1GiB", "physical_sector_size": 4096, "weak_heads": [{"head": 1, "cluster": 4}]})",
       "weak_heads[0].cluster"},
      {R"({"capacity": "1GiB", "dead_heads": [7]})", "dead_heads[0]"},
      {R"({"capacity": "1GiB", "dead_heads": [-1]})", "dead_heads[0]"},
      {R"({"capacity": 1000, "slow_ranges": [{"start": 5, "length": 10, "extra_ms": 1},
                                             {"start": 12, "extra_ms": 1}]})",
       "slow_ranges[1]"},
      {R"({"capacity": 1000, "slow_ranges": [{"start": 5}]})", "slow_ranges[0].extra_ms"},
      {R"({"capacity": 1000, "slow_ranges": [{"start": 5, "extra_ms": -2}]})", "slow_ranges[0].extra_ms"},
      {R"({"capacity": 1000, "reset_ms": {"warm": 1}})", "reset_ms.warm"},
      {R"({"capacity": 1000, "reset_ms": {"bus": "slow"}})", "reset_ms.bus"},
      {R"({"capacity": 1000, "die_after_error_reads": 1.5})", "die_after_error_reads"},
      {R"([1, 2])", "(top level)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    const std::string what = error_of(c.json);
    EXPECT_NE(what.find(std::string("'") + c.field + "'"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(SimProfile, InvalidJsonIsReportedAsSuch) {
  const std::string what = error_of(R"({"capacity": )");
  EXPECT_NE(what.find("invalid JSON"), std::string::npos) << what;
}

TEST(SimProfile, ValidateCatchesMistakesInProfilesBuiltInCode) {
  SimProfile p;
  p.weak_heads = {{.head = 9, .extra_latency_ms = 30, .bad_fraction = 0.01, .cluster_sectors = 64, .wear = {}}};
  try {
    p.validate();
    FAIL() << "no exception";
  } catch (const SimProfileError& e) {
    EXPECT_NE(std::string(e.what()).find("'weak_heads[0].head'"), std::string::npos) << e.what();
  }
  SimProfile q;
  q.bad_ranges = {{.start = q.capacity_sectors - 1, .length = 2}};
  EXPECT_THROW(q.validate(), SimProfileError);
}

TEST(SimProfile, ExampleFilesLoad) {
  const fs::path dir = fs::path(PTRESCUE_SOURCE_DIR) / "tests/data/profiles";
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    ++files;
    EXPECT_NO_THROW(SimProfile::from_json_file(entry.path()));
  }
  EXPECT_GE(files, 2);
  const SimProfile p = SimProfile::from_json_file(dir / "small-weak-head.json");
  EXPECT_EQ(p.name, "small-weak-head");
  EXPECT_EQ(p.capacity_sectors, 131072u);
  ASSERT_EQ(p.weak_heads.size(), 1u);
  EXPECT_EQ(p.weak_heads[0].cluster_sectors, 64u);
}

TEST(SimProfile, FileStemIsTheNameUnlessTheFileGivesOne) {
  TempDir dir;
  EXPECT_EQ(SimProfile::from_json_file(dir.write("tiny-drive.json", R"({"capacity": 1000})")).name, "tiny-drive");
  EXPECT_EQ(SimProfile::from_json_file(dir.write("x.json", R"({"capacity": 1000, "name": "y"})")).name, "y");
  // An error in a file names the file and the field.
  const std::string what = file_error_of(dir.write("bad.json", R"({"capacity": 1000, "heads": 0})"));
  EXPECT_NE(what.find("bad.json"), std::string::npos) << what;
  EXPECT_NE(what.find("'heads'"), std::string::npos) << what;
  EXPECT_THROW(SimProfile::from_json_file(dir.write("broken.json", "{")), SimProfileError);
  EXPECT_THROW(SimProfile::from_json_file("/nonexistent/ptrescue/profile.json"), SimProfileError);
}

TEST(SimProfile, AFileThatCannotBeReadSaysWhy) {
  TempDir dir;
  const fs::path folder = dir.write("profile.json", "{}").parent_path() / "folder.json";
  fs::create_directories(folder);
  const std::string what = file_error_of(folder);
  EXPECT_NE(what.find("folder.json"), std::string::npos) << what;
  EXPECT_NE(what.find("is a directory"), std::string::npos) << what;
}

TEST(SimProfile, DefaultResetsCostMoreUpTheLadder) {
  const SimResetCosts c;
  const ResetKind ladder[] = {ResetKind::kSoft, ResetKind::kDevice, ResetKind::kTarget,
                              ResetKind::kBus,  ResetKind::kHost,   ResetKind::kPowerCycle};
  for (std::size_t i = 1; i < std::size(ladder); ++i)
    EXPECT_LT(c.for_kind(ladder[i - 1]), c.for_kind(ladder[i])) << reset_word(ladder[i]);
}

}  // namespace
}  // namespace ptrescue
