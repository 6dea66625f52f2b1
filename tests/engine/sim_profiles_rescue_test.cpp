// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue rescue sim:...` on every built-in simulated drive (and the
// example profile files): every readable sector is rescued with the right
// bytes, every unreadable one ends '-', nothing else does, and ddrescuelog
// reads the mapfile the same way. The truth comes from the simulator's own
// physics, in-process.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/required_tool.h"
#include "support/temp_dir.h"
#include "transport/sim/sim_pattern.h"
#include "transport/sim/sim_physics.h"
#include "transport/sim/sim_profile.h"

namespace ptrescue {
namespace {

using test::read_file;
using test::ProcessResult;
using test::run_ptrescue;
using test::TempDir;

MapFile load_map(const std::string& path) { return MapFile::parse(read_file(path)); }

std::string describe(const MapFile& m) {
  std::string s;
  int n = 0;
  m.for_each([&](const MapBlock& b) {
    if (++n <= 40) s += fmt::format("  0x{:08X} 0x{:08X} {}\n", b.pos, b.size, static_cast<char>(b.status));
  });
  if (n > 40) s += fmt::format("  ... {} blocks in all\n", n);
  return s;
}

// The first block where two maps differ, with both maps' first blocks.
::testing::AssertionResult same_blocks(const MapFile& got, const MapFile& want) {
  const auto g = got.blocks(), w = want.blocks();
  if (g == w) return ::testing::AssertionSuccess();
  std::size_t i = 0;
  while (i < g.size() && i < w.size() && g[i] == w[i]) ++i;
  auto text = [](const std::vector<MapBlock>& v, std::size_t k) {
    return k < v.size() ? fmt::format("0x{:08X} 0x{:08X} {}", v[k].pos, v[k].size, static_cast<char>(v[k].status))
                        : std::string("(none)");
  };
  return ::testing::AssertionFailure() << "block " << i << " is " << text(g, i) << ", expected " << text(w, i)
                                       << "\nmap:\n" << describe(got) << "expected:\n" << describe(want);
}

// '-' for every sector that can never be read within `timeout_ms` (bad,
// hang, or slow beyond the timeout), '+' for the rest.
MapFile sim_truth(const SimPhysics& physics, double timeout_ms = std::numeric_limits<double>::infinity()) {
  const SimProfile& p = physics.profile();
  const std::int64_t ss = p.logical_sector_size;
  const Lba cap = p.capacity_sectors;
  MapFile m(static_cast<std::int64_t>(cap) * ss);
  m.set_status(0, m.end_pos(), BlockStatus::kFinished);
  auto mark = [&](Lba start, Lba length) {
    m.set_status(static_cast<std::int64_t>(start) * ss, static_cast<std::int64_t>(length) * ss,
                 BlockStatus::kBadSector);
  };
  Lba lba = 0;
  while (const auto bad = physics.first_bad_in(lba, cap)) {
    Lba end = *bad + 1;
    while (end < cap && physics.is_bad(end)) ++end;
    mark(*bad, end - *bad);
    lba = end;
  }
  for (const SimRange& h : p.hang_ranges) mark(h.start, h.length);
  for (const SimSlowRange& s : p.slow_ranges)
    if (s.extra_ms >= timeout_ms) mark(s.start, s.length);
  return m;
}

// Every '+' block of `map` holds the simulator's pattern in the image.
::testing::AssertionResult finished_blocks_hold_pattern(const MapFile& map, const std::string& image_path,
                                                        std::uint64_t seed, std::uint32_t ss) {
  std::ifstream img(image_path, std::ios::binary);
  std::vector<char> buf;
  std::optional<std::int64_t> bad;
  std::optional<MapBlock> unaligned;
  std::int64_t checked = 0;
  map.for_each([&](const MapBlock& b) {
    if (bad || b.status != BlockStatus::kFinished) return;
    if (b.pos % ss != 0 || b.size % ss != 0) {
      unaligned = b;
      bad = b.pos;
      return;
    }
    for (std::int64_t pos = b.pos; pos < b.end() && !bad;) {
      const std::int64_t n = std::min<std::int64_t>(b.end() - pos, 8 << 20);
      buf.assign(static_cast<std::size_t>(n), 0);
      img.clear();
      img.seekg(pos);
      img.read(buf.data(), n);
      if (img.gcount() != n) {
        bad = pos;
        return;
      }
      const auto first = first_pattern_mismatch(
          seed, static_cast<Lba>(pos / ss), ss,
          std::span<const std::byte>(reinterpret_cast<const std::byte*>(buf.data()), buf.size()));
      if (first) bad = static_cast<std::int64_t>(*first) * ss;
      pos += n;
      checked += n;
    }
  });
  if (unaligned)
    return ::testing::AssertionFailure() << "rescued block " << unaligned->pos << "+" << unaligned->size
                                         << " is not whole sectors";
  if (!bad) return ::testing::AssertionSuccess() << checked << " bytes checked";
  return ::testing::AssertionFailure() << "image byte " << *bad << " (sector " << *bad / ss
                                       << ") is marked rescued but does not hold the drive's data";
}

// ddrescuelog reads the mapfile as we do: the same number of areas of each
// status (-t) and the same bad sectors (-l-).
void expect_ddrescuelog_agrees(const std::string& map_path, const MapFile& map, std::uint32_t ss) {
  if (!test::cross_check_tool_present("ddrescuelog")) return;
  const ProcessResult t = test::run_process({"ddrescuelog", "-t", "-b", std::to_string(ss), map_path});
  ASSERT_EQ(t.exit_code, 0) << t.describe();
  std::map<BlockStatus, std::int64_t> areas;
  map.for_each([&](const MapBlock& b) { ++areas[b.status]; });
  const std::pair<const char*, BlockStatus> names[] = {{"non-tried", BlockStatus::kNonTried},
                                                       {"rescued", BlockStatus::kFinished},
                                                       {"non-trimmed", BlockStatus::kNonTrimmed},
                                                       {"non-scraped", BlockStatus::kNonScraped},
                                                       {"bad-sector", BlockStatus::kBadSector}};
  for (const auto& [name, status] : names) {
    const std::regex re(std::string(name) + R"(:[^\n]*in\s+(\d+) area)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(t.out, m, re)) << name << " not in:\n" << t.out;
    EXPECT_EQ(std::stoll(m[1]), areas[status]) << name << " areas; ddrescuelog says:\n" << t.out;
  }
  EXPECT_NE(t.out.find("current status: finished"), std::string::npos) << t.out;
  const ProcessResult l = test::run_process({"ddrescuelog", "-l-", "-b", std::to_string(ss), map_path});
  ASSERT_EQ(l.exit_code, 0) << l.describe();
  std::int64_t listed = 0;
  for (char c : l.out) listed += c == '\n';
  EXPECT_EQ(listed * ss, map.totals().bad_sector) << "bad sectors listed by ddrescuelog -l-";
}

struct Case {
  std::string name;     ///< test name
  std::string spec;     ///< after "sim:"
  std::vector<std::string> extra_args;
  double timeout_ms = 10000;  ///< the per-command timeout in force (default 10 s)
};

// For gtest's messages: the case's name rather than a byte dump.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class SimProfileRescue : public ::testing::TestWithParam<Case> {};

TEST_P(SimProfileRescue, EveryReadableSectorRescuedEveryBadSectorMarked) {
  const Case& c = GetParam();
  TempDir dir;
  const SimProfile profile = c.spec.ends_with(".json") ? SimProfile::from_json_file(c.spec)
                                                       : SimProfile::builtin(c.spec);
  const SimPhysics physics(profile);
  // The truth is exact only if no slow range is near the timeout: a read
  // costs its slow extra plus at most a seek, half a turn, a transfer and
  // weak-head latencies (well under 200 ms on these drives).
  for (const SimSlowRange& s : profile.slow_ranges)
    ASSERT_FALSE(s.extra_ms < c.timeout_ms && s.extra_ms + profile.error_latency_ms + 200 > c.timeout_ms)
        << "slow range at " << s.start << " is too close to the timeout for an exact expectation";

  std::vector<std::string> args{"rescue", "-q", "sim:" + c.spec, dir.file("img"), dir.file("map")};
  args.insert(args.end(), c.extra_args.begin(), c.extra_args.end());
  const ProcessResult r = run_ptrescue(args);
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  const MapFile map = load_map(dir.file("map"));
  EXPECT_EQ(map.cursor().phase, Phase::kFinished);
  const MapFile truth = sim_truth(physics, c.timeout_ms);
  // Only the healthy drive has nothing to find; a shorter timeout than the
  // slowest sectors must cost exactly those sectors.
  EXPECT_EQ(truth.totals().bad_sector > 0, c.spec != "healthy");
  if (c.timeout_ms < 10000) {
    EXPECT_GT(truth.totals().bad_sector, sim_truth(physics).totals().bad_sector);
  }
  EXPECT_TRUE(same_blocks(map, truth));
  EXPECT_TRUE(finished_blocks_hold_pattern(map, dir.file("img"), profile.seed, profile.logical_sector_size));
  expect_ddrescuelog_agrees(dir.file("map"), map, profile.logical_sector_size);
}

std::string data_file(const std::string& name) { return std::string(PTRESCUE_SOURCE_DIR) + "/tests/data/profiles/" + name; }

INSTANTIATE_TEST_SUITE_P(
    Profiles, SimProfileRescue,
    ::testing::Values(Case{"demo", "demo", {}, 10000}, Case{"healthy", "healthy", {}, 10000},
                      Case{"weak_head", "weak-head", {}, 10000}, Case{"scattered", "scattered", {}, 10000},
                      Case{"hang", "hang", {}, 10000},
                      // The demo's 8 s slow sectors cannot be read within 5 s: they, and only
                      // they, join the bad ones; its 2.5 s ones still read.
                      Case{"demo_short_timeout", "demo", {"--read-timeout", "5s"}, 5000},
                      // Reverse passes and retry passes end the same way.
                      Case{"scattered_reverse_retry", "scattered", {"-R", "-r", "2"}, 10000},
                      Case{"small_weak_head_json", data_file("small-weak-head.json"), {}, 10000}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// A drive that dies after 60 error reads (512e, ERC on, a hang sector):
// each run stops with exit 4 and a saved pair; the same command resumes (a
// new run powers the simulated drive up again) until the rescue is done.
TEST(SimProfileRescueDying, ResumesAfterTheDriveDiesUntilDone) {
  TempDir dir;
  const std::string spec = data_file("512e-dying.json");
  const SimProfile profile = SimProfile::from_json_file(spec);
  ASSERT_GT(profile.die_after_error_reads, 0u);
  const SimPhysics physics(profile);
  const std::vector<std::string> args{"rescue", "-q", "sim:" + spec, dir.file("img"), dir.file("map")};
  int runs = 0, deaths = 0;
  std::int64_t finished_before = 0;
  while (true) {
    ASSERT_LT(++runs, 40) << "no end in sight";
    const ProcessResult r = run_ptrescue(args);
    if (r.exit_code == 0) break;
    ASSERT_EQ(r.exit_code, 4) << r.describe();
    EXPECT_NE(r.err.find("resume"), std::string::npos) << r.err;
    ++deaths;
    const MapFile map = load_map(dir.file("map"));
    EXPECT_NE(map.cursor().phase, Phase::kFinished);
    EXPECT_GE(map.totals().finished, finished_before) << "rescued bytes went down";
    finished_before = map.totals().finished;
    EXPECT_TRUE(finished_blocks_hold_pattern(map, dir.file("img"), profile.seed, profile.logical_sector_size));
  }
  EXPECT_GE(deaths, 1) << "the drive was expected to die at least once";
  const MapFile map = load_map(dir.file("map"));
  EXPECT_TRUE(same_blocks(map, sim_truth(physics)));
  EXPECT_TRUE(finished_blocks_hold_pattern(map, dir.file("img"), profile.seed, profile.logical_sector_size));
  expect_ddrescuelog_agrees(dir.file("map"), map, profile.logical_sector_size);
}

// A 512e drive fails whole 4 KiB physical sectors: trimming, scraping and
// the copying pass's settling read and mark a physical sector at a time, so
// each unreadable physical sector costs one failed command, not eight, and
// the map still ends exactly as the drive's truth (logical sectors).
TEST(SimProfileRescue512e, OneFailedCommandPerBadPhysicalSector) {
  TempDir dir;
  const std::string spec = dir.file("512e.json");
  {
    std::ofstream f(spec);
    f << R"({"seed": 7, "capacity": "32MiB", "logical_sector_size": 512, "physical_sector_size": 4096,
             "heads": 1, "bad_clusters": [{"count": 40, "length": 1}, {"count": 3, "length": 5}]})";
  }
  const SimProfile profile = SimProfile::from_json_file(spec);
  const SimPhysics physics(profile);
  const MapFile truth = sim_truth(physics);
  std::int64_t bad_physical = 0;
  truth.for_each([&](const MapBlock& b) {
    if (b.status == BlockStatus::kBadSector) {
      EXPECT_EQ(b.pos % 4096, 0) << "the simulator fails whole physical sectors";
      bad_physical += b.size / 4096;
    }
  });
  ASSERT_GT(bad_physical, 40);
  for (const char* heads : {"none", "infer"}) {
    SCOPED_TRACE(heads);
    const std::string map_path = dir.file(std::string("map-") + heads), log = dir.file(std::string("log-") + heads);
    const ProcessResult r = run_ptrescue({"rescue", "-q", "--head-map", heads, "--log-reads", log, "sim:" + spec,
                                          dir.file(std::string("img-") + heads), map_path});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    const MapFile map = load_map(map_path);
    EXPECT_TRUE(same_blocks(map, truth));
    EXPECT_TRUE(finished_blocks_hold_pattern(map, dir.file(std::string("img-") + heads), profile.seed, 512));
    expect_ddrescuelog_agrees(map_path, map, 512);
    std::ifstream in(log);
    std::int64_t failed = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream fields(line);
      std::string pos, size, copied, error, outcome;
      fields >> pos >> size >> copied >> error >> outcome;
      if (outcome != "ok") ++failed;
    }
    EXPECT_EQ(failed, bad_physical) << "failed read commands against bad physical sectors";
  }
}

}  // namespace
}  // namespace ptrescue
