// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue rescue --order fs`: an ext4 on a simulated drive with a weak
// head. After `plan`, the rescue reads the metadata domain, then the used
// blocks (every phase of them), then free space: in the reads log no read
// of a used block comes after the first read of free space, and nothing of
// the metadata is read after the used blocks begin. The result is checked
// against independent oracles: the drive's own truth (`sim testmap`: every
// readable sector '+', every bad one '-'), the filesystem image (every '+'
// byte of the image equals it) and GNU ddrescuelog (it reads the mapfile
// and counts the same rescued sectors). A run stopped by --max-error-reads
// and resumed finishes with the same mapfile.
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "src/mapfile/mapfile.h"
#include "support/file_bytes.h"
#include "support/required_tool.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::random_bytes;
using test::read_file;
using test::run_process;
using test::run_ptrescue;
using test::TempDir;
using test::write_file;

MapFile load(const std::string& path) { return MapFile::parse(read_file(path)); }

struct LoggedRange {
  std::int64_t pos, size;
  bool copying;  ///< read in a copying pass (not trimming, scraping, retrying)
};

// The read commands of a ptrescue reads log, in order.
std::vector<LoggedRange> reads_of(const std::string& log) {
  std::vector<LoggedRange> out;
  std::istringstream in(log);
  std::string line;
  bool copying = true;
  while (std::getline(in, line)) {
    if (line.rfind("#", 0) == 0) {
      for (const char* other : {"Trimming", "Scraping", "Retrying"})
        if (line.find(other) != std::string::npos) copying = false;
      if (line.find("Copying") != std::string::npos) copying = true;
      continue;
    }
    if (line.rfind("0x", 0) != 0) continue;
    std::istringstream w(line);
    std::string pos;
    std::int64_t size = 0;
    w >> pos >> size;
    out.push_back({std::stoll(pos, nullptr, 16), size, copying});
  }
  return out;
}

bool touches(const MapFile& domain, const LoggedRange& r) {
  for (std::int64_t p = r.pos; p < r.pos + r.size; p += 512)
    if (domain.status_at(p) == BlockStatus::kFinished) return true;
  return false;
}

// The statuses of `m` block by block, cursor left out.
std::vector<std::tuple<std::int64_t, std::int64_t, BlockStatus>> blocks_of(const MapFile& m) {
  std::vector<std::tuple<std::int64_t, std::int64_t, BlockStatus>> out;
  m.for_each([&](const MapBlock& b) { out.emplace_back(b.pos, b.size, b.status); });
  return out;
}

class RescueOrder : public ::testing::Test {
 protected:
  void SetUp() override {
    PTRESCUE_REQUIRE_TOOL("mkfs.ext4");
    PTRESCUE_REQUIRE_TOOL("partclone.ext4");
    PTRESCUE_REQUIRE_TOOL("ddrescuelog");
    PTRESCUE_REQUIRE_FUSE();
    for (int i = 0; i < 12; ++i) {
      const std::string path = dir_.file("stage/d" + std::to_string(i % 3) + "/f" + std::to_string(i) + ".bin");
      std::filesystem::create_directories(std::filesystem::path(path).parent_path());
      write_file(path, random_bytes(150'000 + 70'000 * static_cast<std::size_t>(i), 40 + i));
    }
    const auto mk =
        run_process({"mkfs.ext4", "-q", "-b", "4096", "-d", dir_.file("stage"), dir_.file("fs.img"), "32M"});
    ASSERT_EQ(mk.exit_code, 0) << mk.describe();
    // A weak head: a third of its 64 KiB clusters unreadable; the drive never dies. Head 1
    // has a bad sector where libblkid probes: plan serves it to the tools as zeros.
    write_file(dir_.file("p.json"),
               R"({"contents": "fs.img", "heads": 4, "stripe": "1MiB", "error_latency_ms": 100,
                   "weak_heads": [{"head": 1, "bad_fraction": 0.3, "cluster": "64KiB"}]})");
    const auto t = run_ptrescue({"sim", "testmap", profile(), dir_.file("truth.map")});
    ASSERT_EQ(t.exit_code, 0) << t.describe();
  }

  std::string profile() { return "sim:" + dir_.file("p.json"); }

  // `plan` then `rescue --order fs` into run/NAME.{img,map}; extra options for rescue.
  test::ProcessResult plan(const std::string& name) {
    return run_ptrescue({"plan", profile(), dir_.file(name + ".img"), dir_.file(name + ".map")});
  }
  test::ProcessResult rescue(const std::string& name, std::vector<std::string> extra = {},
                             const std::string& log = "") {
    std::vector<std::string> args{"rescue", "-q", "--order", "fs", "--log-reads",
                                  dir_.file((log.empty() ? name : log) + ".log")};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const auto& a : {profile(), dir_.file(name + ".img"), dir_.file(name + ".map")}) args.push_back(a);
    return run_ptrescue(args);
  }

  TempDir dir_;
};

TEST_F(RescueOrder, MetadataThenUsedThenFreeAndTheResultIsTheDrivesTruth) {
  const auto p = plan("a");
  ASSERT_EQ(p.exit_code, 0) << p.describe();
  const auto r = rescue("a");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const MapFile metadata = load(dir_.file("a.map.metadata")), used = load(dir_.file("a.map.used")),
                free_space = load(dir_.file("a.map.free"));
  ASSERT_GT(used.totals().finished, 0);
  ASSERT_GT(free_space.totals().finished, 0);

  const auto reads = reads_of(read_file(dir_.file("a.log")));
  ASSERT_FALSE(reads.empty());
  // Copying, stage by stage (metadata, used, free); then trimming and
  // scraping, stage by stage: no stage's trimming before every stage's copying.
  std::size_t first_used = reads.size(), first_free = reads.size(), last_used = 0, last_metadata = 0;
  std::size_t last_copy = 0, first_other = reads.size(), last_used_other = 0, first_free_other = reads.size();
  for (std::size_t i = 0; i < reads.size(); ++i) {
    const bool copying = reads[i].copying;
    if (copying) last_copy = i;
    else first_other = std::min(first_other, i);
    if (!copying) continue;
    if (touches(metadata, reads[i])) last_metadata = i;
    if (touches(used, reads[i])) {
      first_used = std::min(first_used, i);
      last_used = i;
    }
    if (touches(free_space, reads[i])) first_free = std::min(first_free, i);
  }
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (reads[i].copying) continue;
    if (touches(used, reads[i])) last_used_other = i;
    if (touches(free_space, reads[i])) first_free_other = std::min(first_free_other, i);
  }
  ASSERT_LT(first_used, reads.size()) << "the used blocks were copied";
  ASSERT_LT(first_free, reads.size()) << "free space was copied";
  EXPECT_LT(last_used, first_free) << "a used block was copied after free space began";
  ASSERT_LT(first_other, reads.size()) << "the weak head left blocks to trim or scrape";
  EXPECT_LT(last_copy, first_other) << "a stage was trimmed before every stage was copied";
  if (first_free_other < reads.size())
    EXPECT_LT(last_used_other, first_free_other) << "free space was trimmed before the used blocks";
  EXPECT_TRUE(last_metadata < first_used || !touches(metadata, reads[last_metadata]))
      << "metadata read at command " << last_metadata << ", after the used blocks began at " << first_used;

  // The drive's truth: every readable sector rescued, every bad one '-'.
  const MapFile map = load(dir_.file("a.map")), truth = load(dir_.file("truth.map"));
  EXPECT_EQ(blocks_of(map), blocks_of(truth));
  // Every rescued byte is the filesystem's.
  const std::string fs = read_file(dir_.file("fs.img")), img = read_file(dir_.file("a.img"));
  map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    ASSERT_EQ(img.compare(static_cast<std::size_t>(b.pos), static_cast<std::size_t>(b.size), fs,
                          static_cast<std::size_t>(b.pos), static_cast<std::size_t>(b.size)),
              0)
        << "image differs in the rescued block at " << b.pos;
  });
  // GNU ddrescuelog reads the mapfile and lists the same rescued sectors.
  const auto l = run_process({"ddrescuelog", "-b", "512", "-l+", dir_.file("a.map")});
  ASSERT_EQ(l.exit_code, 0) << l.describe();
  std::int64_t listed = 0;
  for (char c : l.out) listed += c == '\n';
  EXPECT_EQ(listed * 512, map.totals().finished);
}

TEST_F(RescueOrder, MissingOrCorruptPlanIsAOneLineError) {
  const auto missing = rescue("none");
  EXPECT_EQ(missing.exit_code, 1) << missing.describe();
  EXPECT_NE(missing.err.find("--order fs needs '" + dir_.file("none.map.metadata") + "': run 'ptrescue plan"),
            std::string::npos)
      << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  ASSERT_EQ(plan("bad").exit_code, 0);
  write_file(dir_.file("bad.map.used"), "0x0 0x100 +\nnot a mapfile\n");
  const auto corrupt = rescue("bad");
  EXPECT_NE(corrupt.exit_code, 0) << corrupt.describe();
  EXPECT_NE(corrupt.err.find("bad.map.used"), std::string::npos) << corrupt.err;
  EXPECT_EQ(std::count(corrupt.err.begin(), corrupt.err.end(), '\n'), 1) << corrupt.err;
}

TEST_F(RescueOrder, AStoppedRunResumesToTheSameMapfile) {
  ASSERT_EQ(plan("whole").exit_code, 0);
  ASSERT_EQ(rescue("whole").exit_code, 0);
  ASSERT_EQ(plan("cut").exit_code, 0);
  const auto first = rescue("cut", {"--max-error-reads", "20"});
  ASSERT_NE(first.exit_code, 0) << "the budget stops the run: " << first.describe();
  const MapFile partial = load(dir_.file("cut.map"));
  EXPECT_GT(partial.totals().non_tried, 0) << "stopped before the end";
  const auto second = rescue("cut", {}, "cut-resumed");
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  EXPECT_EQ(blocks_of(load(dir_.file("cut.map"))), blocks_of(load(dir_.file("whole.map"))));
  EXPECT_EQ(blocks_of(load(dir_.file("cut.map"))), blocks_of(load(dir_.file("truth.map"))));
  EXPECT_EQ(read_file(dir_.file("cut.img")), read_file(dir_.file("whole.img")));
}

}  // namespace
}  // namespace ptrescue
