// SPDX-License-Identifier: GPL-3.0-or-later
// Fill mode: the per-sector text, never a byte of a '+' area written (maps
// with blocks that are not sector aligned), idempotent (a second run writes
// nothing and leaves the same image), resumable (a fill cut short and run
// again ends as one whole fill), and the `ptrescue fill` command.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "src/verify/fill_pattern.h"
#include "src/verify/hash_sidecar.h"
#include "src/mapfile/mapfile.h"
#include "base/units.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::read_file;
using test::write_file;
using test::random_bytes;
using test::run_ptrescue;
using test::TempDir;

/// A map over `size` bytes with `areas` runs of random statuses at random,
/// byte-granular places (ddrescue maps of odd-sized files are not sector aligned).
MapFile random_map(std::int64_t size, int areas, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  MapFile m(size);
  m.set_status(0, size, BlockStatus::kFinished);
  const BlockStatus kinds[] = {BlockStatus::kNonTried, BlockStatus::kNonTrimmed, BlockStatus::kNonScraped,
                               BlockStatus::kBadSector, BlockStatus::kFinished};
  for (int i = 0; i < areas; ++i) {
    const std::int64_t len = 1 + static_cast<std::int64_t>(rng() % 3000);
    const std::int64_t pos = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(size - len));
    m.set_status(pos, len, kinds[rng() % 5]);
  }
  return m;
}

/// The expected fill of byte `pos` of a sector-size-`ss` image (the last sector is cached).
char expected_byte(std::int64_t pos, std::int64_t ss, BlockStatus st, const std::string& text) {
  static std::vector<std::byte> sector;
  static std::int64_t cached_lba = -1, cached_ss = 0;
  static BlockStatus cached_st = BlockStatus::kFinished;
  if (cached_lba != pos / ss || cached_ss != ss || cached_st != st) {
    sector.assign(static_cast<std::size_t>(ss), std::byte{0});
    fill_sector_text(sector, text, static_cast<std::uint64_t>(pos / ss), st);
    cached_lba = pos / ss;
    cached_ss = ss;
    cached_st = st;
  }
  return static_cast<char>(sector[static_cast<std::size_t>(pos % ss)]);
}

TEST(FillPattern, SectorTextNamesTheLbaAndTheStatusAndRepeats) {
  std::vector<std::byte> sector(512);
  fill_sector_text(sector, "BAD SECTOR", 123456, BlockStatus::kBadSector);
  const std::string s(reinterpret_cast<const char*>(sector.data()), sector.size());
  const std::string line = "BAD SECTOR at LBA 123456 (bad-sector)\n";
  EXPECT_EQ(s.substr(0, line.size()), line);
  EXPECT_EQ(s.substr(line.size(), line.size()), line);
  EXPECT_EQ(s.substr(512 - 512 % line.size()), line.substr(0, 512 % line.size()));
  fill_sector_text(sector, "X", 7, BlockStatus::kNonTried);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sector.data()), 22), "X at LBA 7 (non-tried)");
}

TEST(FillPattern, ParsesTypesAndRefusesFinished) {
  EXPECT_EQ(parse_fill_types("-"), std::vector<BlockStatus>{BlockStatus::kBadSector});
  EXPECT_EQ(parse_fill_types("-*/?").size(), 4u);
  EXPECT_EQ(parse_fill_types("--").size(), 1u);
  EXPECT_THROW(parse_fill_types("+"), UsageError);
  EXPECT_THROW(parse_fill_types("-+"), UsageError);
  EXPECT_THROW(parse_fill_types("x"), UsageError);
  EXPECT_THROW(parse_fill_types(""), UsageError);
}

class FillImage : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(FillImage, WritesOnlyTheChosenStatusesAndNeverARescuedByte) {
  const std::uint32_t ss = GetParam();
  TempDir dir;
  const std::int64_t size = 1 << 20;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const MapFile m = random_map(size, 60, seed);
    const std::string before = random_bytes(static_cast<std::size_t>(size), seed + 100);
    write_file(dir.file("img"), before);
    FillOptions o;
    o.types = seed % 2 ? parse_fill_types("-*") : parse_fill_types("-*/?");
    o.sector_size = ss;
    const FillSummary s = fill_image(dir.file("img"), m, o, nullptr);
    EXPECT_EQ(s.bytes, bytes_to_fill(m, o.types));
    const std::string after = read_file(dir.file("img"));
    ASSERT_EQ(after.size(), before.size());
    std::int64_t filled = 0;
    m.for_each([&](const MapBlock& b) {
      const bool chosen = std::find(o.types.begin(), o.types.end(), b.status) != o.types.end();
      for (std::int64_t p = b.pos; p < b.end(); ++p) {
        const auto i = static_cast<std::size_t>(p);
        if (!chosen) {
          ASSERT_EQ(after[i], before[i]) << "byte " << p << " of a '" << static_cast<char>(b.status)
                                         << "' block changed (seed " << seed << ")";
        } else {
          ASSERT_EQ(after[i], expected_byte(p, ss, b.status, o.text)) << "byte " << p;
          ++filled;
        }
      }
    });
    EXPECT_EQ(filled, s.bytes);
  }
}

INSTANTIATE_TEST_SUITE_P(SectorSizes, FillImage, ::testing::Values(512u, 4096u));

TEST(FillImageRuns, SecondRunWritesNothingAndAnInterruptedFillCompletes) {
  TempDir dir;
  const std::int64_t size = 3 << 20;
  const MapFile m = random_map(size, 200, 9);
  const std::string blank = random_bytes(static_cast<std::size_t>(size), 10);
  FillOptions o;
  o.types = parse_fill_types("-*/?");

  write_file(dir.file("whole"), blank);
  const FillSummary first = fill_image(dir.file("whole"), m, o, nullptr);
  EXPECT_EQ(first.changed, first.bytes);
  const std::string whole = read_file(dir.file("whole"));
  const FillSummary second = fill_image(dir.file("whole"), m, o, nullptr);
  EXPECT_EQ(second.bytes, first.bytes);
  EXPECT_EQ(second.changed, 0);
  EXPECT_EQ(read_file(dir.file("whole")), whole);

  // "Interrupted": only the first half of the map got filled, then the whole fill ran again.
  write_file(dir.file("resumed"), blank);
  MapFile half = m;
  half.set_status(size / 2, size - size / 2, BlockStatus::kFinished);
  fill_image(dir.file("resumed"), half, o, nullptr);
  const FillSummary rest = fill_image(dir.file("resumed"), m, o, nullptr);
  EXPECT_LT(rest.changed, rest.bytes);
  EXPECT_EQ(read_file(dir.file("resumed")), whole);
}

TEST(FillImageRuns, ExtendsAnImageThatEndsBeforeAnUnrescuedTail) {
  TempDir dir;
  MapFile m(8192);
  m.set_status(0, 4096, BlockStatus::kFinished);
  write_file(dir.file("img"), std::string(4096, 'D'));
  FillOptions o;
  o.types = parse_fill_types("?");
  fill_image(dir.file("img"), m, o, nullptr);
  const std::string img = read_file(dir.file("img"));
  ASSERT_EQ(img.size(), 8192u);
  EXPECT_EQ(img.substr(0, 4096), std::string(4096, 'D'));
  EXPECT_EQ(img.substr(4096, 30), "BAD SECTOR at LBA 8 (non-tried");
}

TEST(FillCommand, FillsReportsAndRemovesAStaleHashSidecar) {
  TempDir dir;
  MapFile m(64 * 512);
  m.set_status(0, 64 * 512, BlockStatus::kFinished);
  m.set_status(10 * 512, 2 * 512, BlockStatus::kBadSector);
  m.set_status(40 * 512, 512, BlockStatus::kNonTrimmed);
  write_file(dir.file("map"), m.serialize({}));
  write_file(dir.file("img"), std::string(64 * 512, '\0'));
  write_file(dir.file("map.hash"), "format: ptrescue-hash 1\nbytes: 1\n");
  const auto r = run_ptrescue({"fill", "--types", "-", "--text", "UNREADABLE", dir.file("img"), dir.file("map")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string img = read_file(dir.file("img"));
  EXPECT_EQ(img.substr(10 * 512, 38), "UNREADABLE at LBA 10 (bad-sector)\nUNRE");
  EXPECT_EQ(img.substr(11 * 512, 20), "UNREADABLE at LBA 11");
  EXPECT_EQ(img.substr(40 * 512, 512), std::string(512, '\0'));  // '*' was not chosen
  EXPECT_FALSE(std::filesystem::exists(dir.file("map.hash")));
  EXPECT_NE(r.out.find("1 areas (1024 bytes, 1024 of them written now)"), std::string::npos) << r.out;

  const auto again = run_ptrescue({"fill", "--types", "-", "--text", "UNREADABLE", dir.file("img"), dir.file("map")});
  EXPECT_NE(again.out.find("0 of them written now"), std::string::npos) << again.out;

  EXPECT_EQ(run_ptrescue({"fill", "--types", "+", dir.file("img"), dir.file("map")}).exit_code, 1);
  EXPECT_EQ(run_ptrescue({"fill", dir.file("missing"), dir.file("map")}).exit_code, 1);
  EXPECT_EQ(run_ptrescue({"fill", dir.file("img")}).exit_code, 1);
}

}  // namespace
}  // namespace ptrescue
