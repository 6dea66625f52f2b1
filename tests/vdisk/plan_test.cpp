// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue plan`: an ext4 on a simulated drive. What partclone and libblkid
// read through the virtual disk is rescued and listed in MAPFILE.metadata;
// MAPFILE.used holds every sector of the files (found by content, not by
// partclone) and MAPFILE.free none of them; the three domains do not overlap
// and cover the drive; used + metadata cover partclone's own domain of the
// healthy filesystem.
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>

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

TEST(Plan, MetadataFirstThenUsedThenFree) {
  PTRESCUE_REQUIRE_TOOL("fusermount3");
  PTRESCUE_REQUIRE_TOOL("mkfs.ext4");
  PTRESCUE_REQUIRE_TOOL("partclone.ext4");
  if (::access("/dev/fuse", R_OK | W_OK) != 0 || ::geteuid() != 0) {
    if (test::running_in_ci()) FAIL() << "CI=true needs root and /dev/fuse";
    GTEST_SKIP() << "needs root and /dev/fuse";
  }
  TempDir dir;
  const std::map<std::string, std::string> files = {{"a.bin", random_bytes(200'000, 1)},
                                                    {"dir/b.bin", random_bytes(500'000, 2)}};
  for (const auto& [path, bytes] : files) {
    std::filesystem::create_directories(std::filesystem::path(dir.file("stage/" + path)).parent_path());
    write_file(dir.file("stage/" + path), bytes);
  }
  const auto mk = run_process({"mkfs.ext4", "-q", "-b", "4096", "-d", dir.file("stage"), dir.file("fs.img"), "32M"});
  ASSERT_EQ(mk.exit_code, 0) << mk.describe();
  write_file(dir.file("p.json"), R"({"contents": "fs.img", "heads": 2, "zones": 2, "stripe": "1MiB"})");

  const auto r = run_ptrescue({"plan", "sim:" + dir.file("p.json"), dir.file("img"), dir.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const MapFile map = load(dir.file("map")), metadata = load(dir.file("map.metadata")),
                used = load(dir.file("map.used")), free_space = load(dir.file("map.free"));
  const std::int64_t size = 32 << 20;
  ASSERT_EQ(used.end_pos(), size);
  ASSERT_EQ(free_space.end_pos(), size);
  EXPECT_GT(metadata.totals().finished, 0);
  EXPECT_EQ(metadata.status_at(1024), BlockStatus::kFinished) << "the superblock was read";
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
  for (std::int64_t pos = 0; pos + kSector <= size; pos += kSector)
    where.emplace(std::string_view(fs).substr(static_cast<std::size_t>(pos), kSector), pos);
  for (const auto& [path, bytes] : files)
    for (std::size_t off = 0; off + kSector <= bytes.size(); off += kSector) {
      const auto it = where.find(std::string_view(bytes).substr(off, kSector));
      ASSERT_NE(it, where.end()) << path;
      EXPECT_EQ(free_space.status_at(it->second), BlockStatus::kNonTried) << path << " sector at " << it->second;
    }
  // partclone's domain of the healthy filesystem is inside metadata + used.
  const auto pc = run_process({"partclone.ext4", "-D", "-s", dir.file("fs.img"), "-o", dir.file("direct.map"), "-L",
                               dir.file("pc.log"), "-q"});
  ASSERT_EQ(pc.exit_code, 0) << pc.describe();
  load(dir.file("direct.map")).for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    for (std::int64_t pos = b.pos; pos < b.end(); pos += 4096)
      ASSERT_NE(free_space.status_at(pos), BlockStatus::kFinished) << "partclone uses " << pos;
  });
}

}  // namespace
}  // namespace ptrescue
