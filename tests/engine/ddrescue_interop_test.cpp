// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue 1.27 as the oracle: the same -H test map gives the same map
// and bytes in both tools, ddrescuelog reads ptrescue's mapfiles as ptrescue
// does, and a rescue stopped part way by either tool is finished by the
// other with a correct image and map. Skipped where ddrescue is not
// installed (CI installs Debian's gddrescue).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/required_tool.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::write_file;
using test::random_bytes;
using test::read_file;
using test::ProcessResult;
using test::run_process;
using test::run_ptrescue;
using test::TempDir;

constexpr std::int64_t kSs = 512;

MapFile load_map(const std::string& path) { return MapFile::parse(read_file(path)); }

std::string describe(const MapFile& m) {
  std::string s;
  int n = 0;
  m.for_each([&](const MapBlock& b) {
    if (++n <= 60) s += fmt::format("  0x{:08X} 0x{:08X} {}\n", b.pos, b.size, static_cast<char>(b.status));
  });
  if (n > 60) s += fmt::format("  ... {} blocks in all\n", n);
  return s;
}

::testing::AssertionResult same_blocks(const MapFile& got, const MapFile& want) {
  if (got.blocks() == want.blocks()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "map:\n" << describe(got) << "expected:\n" << describe(want);
}

// A ddrescue test map: '+' but for `areas` random runs of 1..100 sectors in
// the other statuses (every one of which fails under -H), some touching.
MapFile random_test_map(std::int64_t size, int areas, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  MapFile m(size);
  m.set_status(0, size, BlockStatus::kFinished);
  const std::int64_t sectors = size / kSs;
  const BlockStatus bad[] = {BlockStatus::kNonTried, BlockStatus::kNonTrimmed, BlockStatus::kNonScraped,
                             BlockStatus::kBadSector};
  for (int i = 0; i < areas; ++i) {
    const std::int64_t len = 1 + static_cast<std::int64_t>(rng() % 100);
    const std::int64_t start = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(sectors - len));
    m.set_status(start * kSs, len * kSs, bad[rng() % 4]);
  }
  return m;
}

MapFile expected_from_test_map(const MapFile& test_map) {
  MapFile want(test_map.end_pos());
  want.set_status(0, test_map.end_pos(), BlockStatus::kFinished);
  test_map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) want.set_status(b.pos, b.size, BlockStatus::kBadSector);
  });
  return want;
}

// Every '+' byte of `map` in the image equals the source.
::testing::AssertionResult finished_bytes_match(const MapFile& map, const std::string& image_path,
                                                const std::string& source) {
  const std::string image = read_file(image_path);
  std::optional<std::int64_t> bad;
  map.for_each([&](const MapBlock& b) {
    if (bad || b.status != BlockStatus::kFinished) return;
    const auto pos = static_cast<std::size_t>(b.pos), n = static_cast<std::size_t>(b.size);
    if (image.size() < pos + n || image.compare(pos, n, source, pos, n) != 0) {
      std::size_t i = pos;
      while (i < pos + n && i < image.size() && image[i] == source[i]) ++i;
      bad = static_cast<std::int64_t>(i);
    }
  });
  if (!bad) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "image byte " << *bad << " is marked rescued but differs from the source";
}

// ddrescuelog's view of a mapfile equals ours: areas of every status (-t),
// bytes of every status (-l, sector by sector).
void expect_ddrescuelog_agrees(const std::string& map_path, const MapFile& map) {
  const ProcessResult t = run_process({"ddrescuelog", "-t", map_path});
  ASSERT_EQ(t.exit_code, 0) << t.describe();
  std::map<BlockStatus, std::int64_t> areas, bytes;
  map.for_each([&](const MapBlock& b) {
    ++areas[b.status];
    bytes[b.status] += b.size;
  });
  const std::tuple<const char*, BlockStatus, const char*> kinds[] = {
      {"non-tried", BlockStatus::kNonTried, "?"},     {"rescued", BlockStatus::kFinished, "+"},
      {"non-trimmed", BlockStatus::kNonTrimmed, "*"}, {"non-scraped", BlockStatus::kNonScraped, "/"},
      {"bad-sector", BlockStatus::kBadSector, "-"}};
  for (const auto& [name, status, letter] : kinds) {
    const std::regex re(std::string(name) + R"(:[^\n]*in\s+(\d+) area)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(t.out, m, re)) << name << " not in:\n" << t.out;
    EXPECT_EQ(std::stoll(m[1]), areas[status]) << name << " areas; ddrescuelog -t says:\n" << t.out;
    const ProcessResult l = run_process({"ddrescuelog", std::string("-l") + letter, map_path});
    ASSERT_EQ(l.exit_code, 0) << l.describe();
    std::int64_t listed = 0;
    for (char c : l.out) listed += c == '\n';
    EXPECT_EQ(listed * kSs, bytes[status]) << name << " bytes (ddrescuelog -l" << letter << ")";
  }
}

class DdrescueInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    PTRESCUE_REQUIRE_TOOL("ddrescue");
    PTRESCUE_REQUIRE_TOOL("ddrescuelog");
    source_ = random_bytes(static_cast<std::size_t>(kSize), 11);
    write_file(src(), source_);
    test_map_ = random_test_map(kSize, 60, 12);
    write_file(dir_.file("test.map"), test_map_.serialize({"test map for ddrescue -H"}));
  }

  ProcessResult ddrescue(const std::string& img, const std::string& map, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"ddrescue", "-q", "-H", dir_.file("test.map")};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {src(), img, map});
    return run_process(args);
  }
  ProcessResult ptrescue(const std::string& img, const std::string& map, std::vector<std::string> extra = {}) {
    // -f: the image shares the source file's disk (one temp folder).
    std::vector<std::string> args{"rescue", "-q", "-f", "-H", dir_.file("test.map")};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {src(), img, map});
    return run_ptrescue(args);
  }
  std::string src() const { return dir_.file("src"); }

  // The finished pair is right: the map is the test map's verdict, the image
  // holds the source's bytes, ddrescuelog agrees.
  void expect_correct_result(const std::string& img, const std::string& map_path) {
    const MapFile map = load_map(map_path);
    EXPECT_EQ(map.cursor().phase, Phase::kFinished);
    EXPECT_TRUE(same_blocks(map, expected_from_test_map(test_map_)));
    EXPECT_TRUE(finished_bytes_match(map, img, source_));
    expect_ddrescuelog_agrees(map_path, map);
  }

  static constexpr std::int64_t kSize = 6 << 20;
  TempDir dir_;
  std::string source_;
  MapFile test_map_;
};

TEST_F(DdrescueInterop, SameTestMapGivesTheSameMapAndBytes) {
  const ProcessResult d = ddrescue(dir_.file("d.img"), dir_.file("d.map"));
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  const ProcessResult p = ptrescue(dir_.file("p.img"), dir_.file("p.map"));
  ASSERT_EQ(p.exit_code, 0) << p.describe();

  const MapFile dmap = load_map(dir_.file("d.map"));
  const MapFile pmap = load_map(dir_.file("p.map"));
  EXPECT_TRUE(same_blocks(pmap, dmap)) << "ptrescue's map vs ddrescue's";
  EXPECT_TRUE(same_blocks(dmap, expected_from_test_map(test_map_))) << "ddrescue's own map vs the test map";
  EXPECT_GT(pmap.totals().bad_areas, 10);
  // ddrescuelog's own comparison of the two maps.
  const ProcessResult cmp = run_process({"ddrescuelog", "-q", "-p", dir_.file("d.map"), dir_.file("p.map")});
  EXPECT_EQ(cmp.exit_code, 0) << cmp.describe();
  // Both images hold the same rescued bytes.
  EXPECT_TRUE(finished_bytes_match(pmap, dir_.file("p.img"), source_));
  EXPECT_TRUE(finished_bytes_match(dmap, dir_.file("d.img"), source_));
  EXPECT_TRUE(finished_bytes_match(pmap, dir_.file("p.img"), read_file(dir_.file("d.img"))));
}

TEST_F(DdrescueInterop, DdrescuelogTotalsEqualPtrescues) {
  // A finished map, and unfinished ones holding every status (stopped by -e).
  for (const std::string limit : {"", "3", "25"}) {
    SCOPED_TRACE("-e " + limit);
    const std::string img = dir_.file("img" + limit), map = dir_.file("map" + limit);
    std::vector<std::string> extra{"--json"};
    if (!limit.empty()) extra.insert(extra.end(), {"-e", limit});
    const ProcessResult p = ptrescue(img, map, extra);
    ASSERT_EQ(p.exit_code, limit.empty() ? 0 : 1) << p.describe();  // -e exits 1, as ddrescue
    const MapFile m = load_map(map);
    expect_ddrescuelog_agrees(map, m);
    // The last status line ptrescue printed says the same as ddrescuelog.
    const std::string out = p.out.substr(0, p.out.find_last_not_of('\n') + 1);
    const auto j = nlohmann::json::parse(out.substr(out.rfind('\n') + 1));
    ASSERT_EQ(j["event"], "status") << j.dump();
    const ProcessResult t = run_process({"ddrescuelog", "-l+", map});
    std::int64_t rescued_sectors = 0;
    for (char c : t.out) rescued_sectors += c == '\n';
    EXPECT_EQ(j["rescued"].get<std::int64_t>(), rescued_sectors * kSs);
    const ProcessResult b = run_process({"ddrescuelog", "-l-", map});
    std::int64_t bad_sectors = 0;
    for (char c : b.out) bad_sectors += c == '\n';
    EXPECT_EQ(j["bad_sector"].get<std::int64_t>(), bad_sectors * kSs);
    EXPECT_EQ(j["bad_areas"].get<std::int64_t>(), m.totals().bad_areas);
    if (!limit.empty()) {
      EXPECT_NE(m.cursor().phase, Phase::kFinished);
      EXPECT_GT(m.totals().non_tried + m.totals().non_trimmed + m.totals().non_scraped, 0);
    }
  }
}

// ddrescue stopped part way (after N read errors, or with scraping left
// undone), then ptrescue finishes the same rescue.
TEST_F(DdrescueInterop, DdrescueStoppedPartWayThenPtrescueFinishes) {
  const std::vector<std::vector<std::string>> stops{{"-X", "1"}, {"-X", "12"}, {"-X", "60"}, {"-n"}};
  for (const auto& stop : stops) {
    const std::string tag = fmt::format("{}", fmt::join(stop, ""));
    SCOPED_TRACE("ddrescue " + tag);
    const std::string img = dir_.file("img" + tag), map = dir_.file("map" + tag);
    const ProcessResult d = ddrescue(img, map, stop);
    ASSERT_TRUE(d.exited()) << d.describe();
    const MapFile part = load_map(map);
    ASSERT_GT(part.totals().non_tried + part.totals().non_trimmed + part.totals().non_scraped, 0)
        << "ddrescue " << tag << " was meant to stop part way:\n" << describe(part);
    EXPECT_TRUE(finished_bytes_match(part, img, source_));

    const ProcessResult p = ptrescue(img, map);
    ASSERT_EQ(p.exit_code, 0) << p.describe();
    expect_correct_result(img, map);
  }
}

// ptrescue stopped part way (by -e, in different phases, or finished with
// trimming or scraping left undone by -N/-n), then ddrescue finishes it.
TEST_F(DdrescueInterop, PtrescueStoppedPartWayThenDdrescueFinishes) {
  const std::vector<std::vector<std::string>> stops{{"-e", "1"}, {"-e", "20"}, {"-e", "45"}, {"-n"}, {"--no-trim", "-n"}};
  for (const auto& stop : stops) {
    const std::string tag = fmt::format("{}", fmt::join(stop, ""));
    SCOPED_TRACE("ptrescue " + tag);
    const std::string img = dir_.file("img" + tag), map = dir_.file("map" + tag);
    const ProcessResult p = ptrescue(img, map, stop);
    ASSERT_TRUE(p.exit_code == 0 || p.exit_code == 1) << p.describe();
    const MapFile part = load_map(map);
    ASSERT_GT(part.totals().non_tried + part.totals().non_trimmed + part.totals().non_scraped, 0)
        << "ptrescue " << tag << " was meant to stop part way:\n" << describe(part);
    EXPECT_TRUE(finished_bytes_match(part, img, source_));
    expect_ddrescuelog_agrees(map, part);

    const ProcessResult d = ddrescue(img, map);
    ASSERT_EQ(d.exit_code, 0) << d.describe();
    expect_correct_result(img, map);
  }
}

// A rescue handed back and forth: each tool runs a little (stopped by its
// own error limit), until one of them finishes.
TEST_F(DdrescueInterop, AlternatingToolsFinishTogether) {
  const std::string img = dir_.file("img"), map = dir_.file("map");
  for (int round = 0; round < 200; ++round) {
    SCOPED_TRACE(fmt::format("round {}", round));
    const bool ours = round % 2 == 0;
    const ProcessResult r = ours ? ptrescue(img, map, {"-e", "+2"}) : ddrescue(img, map, {"-X", "3"});
    ASSERT_TRUE(r.exited()) << r.describe();
    if (ours) {
      ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.describe();
    }
    const MapFile m = load_map(map);
    EXPECT_TRUE(finished_bytes_match(m, img, source_));
    if (m.cursor().phase == Phase::kFinished &&
        m.totals().non_tried + m.totals().non_trimmed + m.totals().non_scraped == 0)
      break;
  }
  expect_correct_result(img, map);
}

}  // namespace
}  // namespace ptrescue
