// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue plan`: an ext4 on a simulated drive. What partclone and libblkid
// read through the virtual disk is rescued and listed in MAPFILE.metadata;
// MAPFILE.used holds every sector of the files (found by content, not by
// partclone) and MAPFILE.free none of them; the three domains do not overlap
// and cover the drive; used + metadata cover partclone's own domain of the
// healthy filesystem.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

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

constexpr std::int64_t kSector = 512;

MapFile load(const std::string& path) { return MapFile::parse(read_file(path)); }

void require_fuse_and_tools() {
  PTRESCUE_REQUIRE_TOOL("mkfs.ext4");
  PTRESCUE_REQUIRE_TOOL("partclone.ext4");
  PTRESCUE_REQUIRE_FUSE();
}

const std::map<std::string, std::string>& staged_files() {
  static const std::map<std::string, std::string> files = {{"a.bin", random_bytes(200'000, 1)},
                                                           {"dir/b.bin", random_bytes(500'000, 2)}};
  return files;
}

/// A 32 MiB ext4 holding staged_files(), as dir/fs.img.
void make_ext4(const TempDir& dir) {
  for (const auto& [path, bytes] : staged_files()) {
    std::filesystem::create_directories(std::filesystem::path(dir.file("stage/" + path)).parent_path());
    write_file(dir.file("stage/" + path), bytes);
  }
  const auto mk = run_process({"mkfs.ext4", "-q", "-b", "4096", "-d", dir.file("stage"), dir.file("fs.img"), "32M"});
  ASSERT_EQ(mk.exit_code, 0) << mk.describe();
}

/// Plans the simulated drive whose contents are dir/`disk` (`size` bytes,
/// the ext4 of make_ext4 at byte `fs_at`) and checks the three domains.
void expect_plan(const TempDir& dir, const std::string& disk, std::int64_t size, std::int64_t fs_at) {
  write_file(dir.file("p.json"),
             fmt::format(R"({{"contents": "{}", "heads": 2, "zones": 2, "stripe": "1MiB"}})", disk));
  const auto r = run_ptrescue({"plan", "sim:" + dir.file("p.json"), dir.file("img"), dir.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const MapFile map = load(dir.file("map")), metadata = load(dir.file("map.metadata")),
                used = load(dir.file("map.used")), free_space = load(dir.file("map.free"));
  ASSERT_EQ(used.end_pos(), size);
  ASSERT_EQ(free_space.end_pos(), size);
  EXPECT_GT(metadata.totals().finished, 0);
  EXPECT_EQ(metadata.status_at(fs_at + 1024), BlockStatus::kFinished) << "the superblock was read";
  // What was read is rescued, and what is rescued was read.
  EXPECT_EQ(map.totals().finished, metadata.totals().finished);
  // The domains partition the drive.
  for (std::int64_t pos = 0; pos < size; pos += kSector) {
    const int n = (metadata.status_at(pos) == BlockStatus::kFinished) + (used.status_at(pos) == BlockStatus::kFinished) +
                  (free_space.status_at(pos) == BlockStatus::kFinished);
    ASSERT_EQ(n, 1) << "byte " << pos;
  }
  // Every sector of every file is used (or metadata), none free.
  const std::string fs = read_file(dir.file("fs.img"));
  std::map<std::string_view, std::int64_t> where;
  for (std::int64_t pos = 0; pos + kSector <= static_cast<std::int64_t>(fs.size()); pos += kSector)
    where.emplace(std::string_view(fs).substr(static_cast<std::size_t>(pos), kSector), pos);
  for (const auto& [path, bytes] : staged_files())
    for (std::size_t off = 0; off + kSector <= bytes.size(); off += kSector) {
      const auto it = where.find(std::string_view(bytes).substr(off, kSector));
      ASSERT_NE(it, where.end()) << path;
      EXPECT_EQ(free_space.status_at(fs_at + it->second), BlockStatus::kNonTried) << path << " sector at " << it->second;
    }
  // partclone's domain of the healthy filesystem is inside metadata + used.
  const auto pc = run_process({"partclone.ext4", "-D", "-s", dir.file("fs.img"), "-o", dir.file("direct.map"), "-L",
                               dir.file("pc.log"), "-q"});
  ASSERT_EQ(pc.exit_code, 0) << pc.describe();
  load(dir.file("direct.map")).for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    for (std::int64_t pos = b.pos; pos < b.end(); pos += 4096)
      ASSERT_NE(free_space.status_at(fs_at + pos), BlockStatus::kFinished) << "partclone uses " << pos;
  });
}

TEST(Plan, MetadataFirstThenUsedThenFree) {
  require_fuse_and_tools();
  if (HasFatalFailure() || IsSkipped()) return;
  TempDir dir;
  make_ext4(dir);
  if (HasFatalFailure()) return;
  expect_plan(dir, "fs.img", 32 << 20, 0);
}

// The same ext4 as the second partition of a GPT disk: plan finds it through
// the partition table (losetup of the partition's range of the virtual disk),
// and the partition table itself is metadata.
TEST(Plan, APartitionOfAGptDiskIsPlannedAtItsOffset) {
  require_fuse_and_tools();
  PTRESCUE_REQUIRE_TOOL("sfdisk");
  if (HasFatalFailure() || IsSkipped()) return;
  TempDir dir;
  make_ext4(dir);
  if (HasFatalFailure()) return;
  constexpr std::int64_t kAt = 5 << 20, kSize = 40 << 20;
  std::string disk(kSize, '\0');
  const std::string fs = read_file(dir.file("fs.img"));
  disk.replace(kAt, fs.size(), fs);
  write_file(dir.file("disk.img"), disk);
  const auto part = run_process({"sh", "-c", fmt::format("printf 'label: gpt\\nstart=2048, size=4096\\nstart={}, size={}\\n' | "
                                                         "sfdisk -q '{}'",
                                                         kAt / kSector, fs.size() / kSector, dir.file("disk.img"))});
  ASSERT_EQ(part.exit_code, 0) << part.describe();
  expect_plan(dir, "disk.img", kSize, kAt);
  if (HasFatalFailure()) return;
  EXPECT_EQ(load(dir.file("map.metadata")).status_at(kSector), BlockStatus::kFinished) << "the GPT header was read";
}

// The virtual disk reads with the head map as rescue does: --head-timeout
// gives the reads on that head their own deadline (the reads log's Timeout
// column), the others keep --read-timeout's; without a known map, none does.
TEST(Plan, AHeadTimeoutAppliesToItsHeadsReads) {
  require_fuse_and_tools();
  if (HasFatalFailure() || IsSkipped()) return;
  TempDir dir;
  make_ext4(dir);
  if (HasFatalFailure()) return;
  write_file(dir.file("p.json"), R"({"contents": "fs.img", "heads": 2, "zones": 2, "stripe": "1MiB"})");
  auto timeouts = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args{"plan", "sim:" + dir.file("p.json"), dir.file("img"), dir.file("map"),
                                  "--read-timeout", "5s", "--log-reads", dir.file("reads")};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const char* f : {"img", "map", "map.metadata", "map.used", "map.free", "reads"})
      std::filesystem::remove(dir.file(f));
    const auto r = run_ptrescue(args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::set<std::string> seen;
    std::istringstream log(read_file(dir.file("reads")));
    for (std::string line; std::getline(log, line);) {
      if (!line.starts_with("0x")) continue;
      std::istringstream fields(line);
      std::string f[7];
      for (auto& x : f) fields >> x;
      seen.insert(f[6]);
    }
    return seen;
  };
  EXPECT_EQ(timeouts({"--head-map", "sim", "--head-timeout", "1=77ms"}), (std::set<std::string>{"5000", "77"}));
  EXPECT_EQ(timeouts({"--head-timeout", "1=77ms"}), (std::set<std::string>{"5000"}));
}

}  // namespace
}  // namespace ptrescue
