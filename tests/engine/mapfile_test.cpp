// SPDX-License-Identifier: GPL-3.0-or-later
// MapFile: the ddrescue mapfile format (checked against GNU ddrescue 1.27's
// own tools when they are installed) and the interval map behind it (checked
// against a naive one-char-per-byte model, with chunks small enough that every
// way of splitting, merging and crossing them is exercised; and a parsed map
// against the same map built call by call).
#include "src/mapfile/mapfile.h"
#include "src/mapfile/mapfile_store.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/file_bytes.h"
#include "support/required_tool.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using ::testing::HasSubstr;

constexpr BlockStatus kAllStatuses[] = {BlockStatus::kNonTried, BlockStatus::kNonTrimmed,
                                        BlockStatus::kNonScraped, BlockStatus::kBadSector,
                                        BlockStatus::kFinished};

MapCursor cursor(std::int64_t pos, Phase phase, int pass) { return MapCursor{pos, phase, pass}; }

// A mapfile written by `ddrescue -H test.map -q src.bin out.bin map.txt`
// (GNU ddrescue 1.27), byte for byte.
constexpr std::string_view kDdrescueMapfile =
    "# Mapfile. Created by GNU ddrescue version 1.27\n"
    "# Command line: ddrescue -H test.map -q src.bin out.bin map.txt\n"
    "# Start time:   2026-11-25 09:02:24\n"
    "# Current time: 2026-11-25 09:02:24\n"
    "# Finished\n"
    "# current_pos  current_status  current_pass\n"
    "0x00040C00     +               1\n"
    "#      pos        size  status\n"
    "0x00000000  0x00010000  +\n"
    "0x00010000  0x00002000  -\n"
    "0x00012000  0x0002E000  +\n"
    "0x00040000  0x00001000  -\n"
    "0x00041000  0x000BF000  +\n";

void expect_same(const MapFile& a, const MapFile& b) {
  EXPECT_EQ(a.blocks(), b.blocks());
  EXPECT_EQ(a.cursor(), b.cursor());
  EXPECT_EQ(a.totals(), b.totals());
  EXPECT_EQ(a.begin_pos(), b.begin_pos());
  EXPECT_EQ(a.end_pos(), b.end_pos());
}

// Totals recomputed from the blocks, independently of MapFile's bookkeeping.
MapTotals count_totals(const std::vector<MapBlock>& blocks) {
  MapTotals t;
  for (const auto& b : blocks) {
    switch (b.status) {
      case BlockStatus::kNonTried: t.non_tried += b.size; break;
      case BlockStatus::kNonTrimmed: t.non_trimmed += b.size; break;
      case BlockStatus::kNonScraped: t.non_scraped += b.size; break;
      case BlockStatus::kBadSector: t.bad_sector += b.size; ++t.bad_areas; break;
      case BlockStatus::kFinished: t.finished += b.size; break;
    }
  }
  return t;
}

// ---- parsing what ddrescue writes and accepts --------------------------------

TEST(MapFileParse, ReadsARealDdrescueMapfile) {
  const MapFile m = MapFile::parse(kDdrescueMapfile);
  EXPECT_EQ(m.cursor(), cursor(0x40C00, Phase::kFinished, 1));
  const std::vector<MapBlock> want = {{0x0, 0x10000, BlockStatus::kFinished},
                                      {0x10000, 0x2000, BlockStatus::kBadSector},
                                      {0x12000, 0x2E000, BlockStatus::kFinished},
                                      {0x40000, 0x1000, BlockStatus::kBadSector},
                                      {0x41000, 0xBF000, BlockStatus::kFinished}};
  EXPECT_EQ(m.blocks(), want);
  EXPECT_EQ(m.totals().finished, 0x10000 + 0x2E000 + 0xBF000);
  EXPECT_EQ(m.totals().bad_sector, 0x3000);
  EXPECT_EQ(m.totals().bad_areas, 2);
  EXPECT_EQ(m.begin_pos(), 0);
  EXPECT_EQ(m.end_pos(), 0x100000);
}

TEST(MapFileSerialize, WritesDdrescuesLayoutByteForByte) {
  const MapFile m = MapFile::parse(kDdrescueMapfile);
  const std::vector<std::string> comments = {
      "Mapfile. Created by GNU ddrescue version 1.27",
      "Command line: ddrescue -H test.map -q src.bin out.bin map.txt",
      "Start time:   2026-11-25 09:02:24", "Current time: 2026-11-25 09:02:24", "Finished"};
  EXPECT_EQ(m.serialize(comments), kDdrescueMapfile);
}

TEST(MapFileSerialize, EmptyMapIsWrittenAsDdrescueDoes) {
  // `ddrescue empty.bin out.bin map.txt` on a zero-byte input writes this.
  const std::string want =
      "# current_pos  current_status  current_pass\n"
      "0x00000000     +               1\n"
      "#      pos        size  status\n"
      "0x00000000  0x00000000  ?\n";
  MapFile m;
  m.set_cursor(cursor(0, Phase::kFinished, 1));
  EXPECT_EQ(m.serialize({}), want);
  const MapFile back = MapFile::parse(want);
  EXPECT_EQ(back.block_count(), 0u);
  EXPECT_EQ(back.end_pos(), 0);
}

TEST(MapFileSerialize, WidensNumbersPastEightDigitsAndSplitsMultiLineComments) {
  MapFile m(0x123456789);
  m.set_status(0x100000000, 0x10, BlockStatus::kBadSector);
  m.set_cursor(cursor(0x1FFFFFFFF, Phase::kRetrying, 12));
  const std::string text = m.serialize({"one\ntwo", ""});
  EXPECT_EQ(text,
            "# one\n# two\n# \n"
            "# current_pos  current_status  current_pass\n"
            "0x1FFFFFFFF     -               12\n"
            "#      pos        size  status\n"
            "0x00000000  0x100000000  ?\n"
            "0x100000000  0x00000010  -\n"
            "0x100000010  0x23456779  ?\n");
  expect_same(MapFile::parse(text), m);
}

TEST(MapFileSerialize, RefusesAnInvalidCursor) {
  MapFile m(10);
  m.set_cursor(cursor(-1, Phase::kCopying, 1));
  EXPECT_THROW(m.serialize({}), std::invalid_argument);
  m.set_cursor(cursor(0, Phase::kCopying, 0));
  EXPECT_THROW(m.serialize({}), std::invalid_argument);
  m.set_cursor(cursor(0, static_cast<Phase>('x'), 1));
  EXPECT_THROW(m.serialize({}), std::invalid_argument);
}

struct Accepted {
  const char* name;
  std::string text;
  std::vector<MapBlock> blocks;
  MapCursor cursor;
};

class MapFileAccepts : public ::testing::TestWithParam<Accepted> {};

TEST_P(MapFileAccepts, ParsesTo) {
  const Accepted& c = GetParam();
  const MapFile m = MapFile::parse(c.text);
  EXPECT_EQ(m.blocks(), c.blocks);
  EXPECT_EQ(m.cursor(), c.cursor);
  EXPECT_EQ(m.totals(), count_totals(c.blocks));
}

// The same with a long comment after it, so that every line has enough text
// after its start for the parser's fast path to try it (it needs 64 bytes).
TEST_P(MapFileAccepts, ParsesToWithRoomForTheFastPath) {
  const Accepted& c = GetParam();
  const MapFile m = MapFile::parse(c.text + "\n#" + std::string(80, '.') + "\n");
  EXPECT_EQ(m.blocks(), c.blocks);
  EXPECT_EQ(m.cursor(), c.cursor);
  EXPECT_EQ(m.totals(), count_totals(c.blocks));
}

constexpr auto F = BlockStatus::kFinished;
constexpr auto B = BlockStatus::kBadSector;
constexpr auto N = BlockStatus::kNonTried;

INSTANTIATE_TEST_SUITE_P(
    Formats, MapFileAccepts,
    ::testing::Values(
        Accepted{"TwoFieldStatusLineMeansPass1", "0x10 ?\n0x0 0x20 ?\n", {{0, 0x20, N}},
                 cursor(0x10, Phase::kCopying, 1)},
        // strtoll base 0, as ddrescue's "%lli": a leading 0 means octal.
        Accepted{"DecimalOctalAndLowercaseHex",
                 "10 / 3\n0 010 +\n8 0x8 -\n0x10 0Xa ?\n",
                 {{0, 8, F}, {8, 8, B}, {16, 10, N}},
                 cursor(10, Phase::kScraping, 3)},
        Accepted{"CommentsBlanksAnnotationsAndLeadingSpace",
                 "# head\n\n   \n  # indented comment\n0x0 * 2 # after the status\n"
                 "# between\n\n\t0x0 0x10 +\t#  annotated like ddrescuelog -A\n#\n0x10 0x4 -\n\n",
                 {{0, 0x10, F}, {0x10, 4, B}},
                 cursor(0, Phase::kTrimming, 2)},
        Accepted{"CrLfLineEndsAndNoFinalNewline", "0 F 1\r\n0 10 +\r\n10 5 -",
                 {{0, 10, F}, {10, 5, B}}, cursor(0, Phase::kFilling, 1)},
        Accepted{"EqualNeighboursAreMerged", "0 G 1\n0 10 +\n10 5 +\n15 5 -\n20 1 -\n",
                 {{0, 15, F}, {15, 6, B}}, cursor(0, Phase::kGenerating, 1)},
        Accepted{"BlocksNeedNotStartAtZero", "0 + 1\n100 10 ?\n110 1 +\n",
                 {{100, 10, N}, {110, 1, F}}, cursor(0, Phase::kFinished, 1)},
        Accepted{"StatusLineOnlyIsEmpty", "0 ? 1\n", {}, cursor(0, Phase::kCopying, 1)},
        Accepted{"ZeroBlockAtZeroIsEmpty", "0 + 1\n0x00000000  0x00000000  ?\n", {},
                 cursor(0, Phase::kFinished, 1)},
        Accepted{"SizeUpToTheLargestPosition", "0 - 7\n0 0x7FFFFFFFFFFFFFFF ?\n",
                 {{0, INT64_MAX, N}}, cursor(0, Phase::kRetrying, 7)},
        Accepted{"PassUpToIntMax", "0 ? 2147483647\n0 1 ?\n", {{0, 1, N}},
                 cursor(0, Phase::kCopying, 2147483647)},
        Accepted{"AllBlockStatuses", "0 ? 1\n0 1 ?\n1 1 *\n2 1 /\n3 1 -\n4 1 +\n",
                 {{0, 1, N},
                  {1, 1, BlockStatus::kNonTrimmed},
                  {2, 1, BlockStatus::kNonScraped},
                  {3, 1, B},
                  {4, 1, F}},
                 cursor(0, Phase::kCopying, 1)}),
    [](const auto& info) { return std::string(info.param.name); });

struct Rejected {
  const char* name;
  std::string text;
  int line;
  const char* reason;
};

class MapFileRejects : public ::testing::TestWithParam<Rejected> {};

TEST_P(MapFileRejects, WithLineAndReason) {
  const Rejected& c = GetParam();
  try {
    MapFile::parse(c.text);
    FAIL() << "parsed: " << c.text;
  } catch (const MapFileError& e) {
    EXPECT_EQ(e.line(), c.line) << e.what();
    EXPECT_THAT(e.what(), HasSubstr(c.reason));
    EXPECT_THAT(e.what(), ::testing::StartsWith("line " + std::to_string(c.line) + ": "));
  }
}

TEST_P(MapFileRejects, WithLineAndReasonWithRoomForTheFastPath) {
  const Rejected& c = GetParam();
  // Without a status line the error is at the end, which the padding moves.
  const bool at_end = std::string_view(c.reason) == "missing status line";
  try {
    MapFile::parse(c.text + "\n#" + std::string(80, '.') + "\n");
    FAIL() << "parsed: " << c.text;
  } catch (const MapFileError& e) {
    if (at_end) EXPECT_GT(e.line(), c.line) << e.what();
    else EXPECT_EQ(e.line(), c.line) << e.what();
    EXPECT_THAT(e.what(), HasSubstr(c.reason));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, MapFileRejects,
    ::testing::Values(
        Rejected{"Empty", "", 1, "missing status line"},
        Rejected{"OnlyComments", "# a\n\n# b\n", 3, "missing status line"},
        Rejected{"Garbage", "# ok\nhello\n", 2, "bad status line"},
        Rejected{"StatusLineWithThreeNumbers", "0 0x10 +\n", 1, "unknown phase '0x10'"},
        Rejected{"UnknownPhase", "0 X 1\n", 1, "unknown phase 'X'"},
        Rejected{"LongPhase", "0 ++ 1\n", 1, "unknown phase"},
        Rejected{"PassZero", "0 + 0\n", 1, "pass 0 is less than 1"},
        Rejected{"NegativePass", "0 + -3\n", 1, "less than 1"},
        Rejected{"PassOverflow", "0 + 99999999999\n", 1, "out of range"},
        Rejected{"HexPass", "0 + 0x1\n", 1, "bad pass"},
        Rejected{"StatusLineTrailingJunk", "0 + 1 extra\n", 1, "trailing junk"},
        Rejected{"NegativeCurrentPos", "-5 + 1\n", 1, "negative current position"},
        Rejected{"BadHex", "0xZZ + 1\n", 1, "bad current position"},
        Rejected{"BareHexPrefix", "0x + 1\n", 1, "bad current position"},
        Rejected{"PlusSign", "0 + 1\n+5 10 +\n", 2, "bad position"},
        Rejected{"IncompleteBlock", "0 + 1\n0 10\n", 2, "incomplete block line"},
        Rejected{"BlockTrailingJunk", "0 + 1\n0 10 + x\n", 2, "trailing junk after block"},
        Rejected{"UnknownStatus", "0 + 1\n0 10 X\n", 2, "unknown block status 'X'"},
        Rejected{"PhaseCharIsNoStatus", "0 + 1\n0 10 F\n", 2, "unknown block status 'F'"},
        Rejected{"CommentGluedToStatus", "0 + 1\n0 10 +#x\n", 2, "unknown block status '+#x'"},
        Rejected{"NegativeSize", "0 + 1\n0 -10 +\n", 2, "negative size"},
        Rejected{"NegativePos", "0 + 1\n-1 10 +\n", 2, "negative position"},
        Rejected{"SizeOverflow", "0 + 1\n0 0x8000000000000000 +\n", 2, "size '0x8000000000000000' out of range"},
        Rejected{"DecimalOverflow", "0 + 1\n0 99999999999999999999 +\n", 2, "out of range"},
        Rejected{"EndOverflow", "0 + 1\n0x7FFFFFFFFFFFFFFF 1 +\n", 2, "largest 64-bit position"},
        Rejected{"BadOctal", "0 + 1\n0 08 +\n", 2, "bad size '08'"},
        Rejected{"LetterO", "0 + 1\n0 1O +\n", 2, "bad size '1O'"},
        Rejected{"ZeroSizeAfterBlocks", "0 + 1\n0 10 +\n10 0 -\n", 3, "zero-size block"},
        Rejected{"ZeroSizeNotAtZero", "0 + 1\n5 0 ?\n", 2, "zero-size block"},
        Rejected{"BlockAfterZeroSize", "0 + 1\n0 0 ?\n0 10 +\n", 3, "after the zero-size block of line 2"},
        Rejected{"Overlap", "0 + 1\n0 10 +\n5 10 -\n", 3, "overlaps"},
        Rejected{"OutOfOrder", "0 + 1\n10 10 +\n0 10 -\n", 3, "out of order"},
        Rejected{"Gap", "0 + 1\n0 10 +\n20 10 -\n", 3, "gap before block: the previous block ends at 0xA"},
        Rejected{"LineNumbersCountCommentsAndBlanks", "0 + 1\n# c\n\n0 10 +\n0x0B 5 -\n", 5, "gap"},
        Rejected{"NulByte", std::string("0 + 1\n0 10 +\n\0\n", 14), 3, "incomplete block line"},
        Rejected{"CrLfGarbage", "0 + 1\r\n0 10 +\r\n10 5 -\r\nzz\r\n", 4, "incomplete block line"},
        Rejected{"NonAsciiIsQuotedSafely", "0 + 1\n0 10 \xff\n", 2, "unknown block status '?'"},
        // Lines in ddrescue's layout with one thing wrong.
        Rejected{"LayoutWithANonHexDigit", "0 + 1\n0x00000000  0x00000G00  +\n", 2, "bad size '0x00000G00'"},
        Rejected{"LayoutWithAnUnknownStatus", "0 + 1\n0x00000000  0x00000E00  F\n", 2, "unknown block status 'F'"},
        Rejected{"LayoutWithA17DigitSize", "0 + 1\n0x00000000  0x80000000000000000  +\n", 2, "out of range"},
        Rejected{"LayoutWithA16DigitOverflow", "0 + 1\n0x00000000  0x8000000000000000  +\n", 2, "out of range"},
        Rejected{"LayoutWithAGap", "0 + 1\n0x00000000  0x00000E00  +\n0x00000F00  0x00000200  -\n", 3, "gap"},
        Rejected{"LayoutWithJunk", "0 + 1\n0x00000000  0x00000E00  + +\n", 2, "trailing junk"}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- round trips --------------------------------------------------------------

// A random map over [begin, begin + size) with runs of random statuses.
MapFile random_map(std::mt19937_64& rng, std::int64_t begin, std::int64_t size,
                   std::int64_t max_run) {
  MapFile m(begin + size);
  if (begin > 0) {
    // Make a map that starts at `begin` by parsing it: MapFile(size) starts at 0.
    m = MapFile::parse("0 ? 1\n" + std::to_string(begin) + " " + std::to_string(size) + " ?\n");
  }
  std::uniform_int_distribution<int> pick(0, 4);
  std::uniform_int_distribution<std::int64_t> run(1, max_run);
  for (std::int64_t pos = begin; pos < begin + size;) {
    const std::int64_t len = std::min(run(rng), begin + size - pos);
    m.set_status(pos, len, kAllStatuses[pick(rng)]);
    pos += len;
  }
  const Phase phases[] = {Phase::kCopying, Phase::kTrimming, Phase::kScraping, Phase::kRetrying,
                          Phase::kFilling, Phase::kGenerating, Phase::kFinished};
  m.set_cursor(cursor(std::uniform_int_distribution<std::int64_t>(0, begin + size)(rng),
                      phases[std::uniform_int_distribution<int>(0, 6)(rng)],
                      std::uniform_int_distribution<int>(1, 100)(rng)));
  return m;
}

TEST(MapFileRoundTrip, ParseSerializeParseIsTheSameMap) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 50; ++i) {
    const std::int64_t begin = i % 3 == 0 ? 0 : static_cast<std::int64_t>(rng() % 100000);
    const MapFile m = random_map(rng, begin, 1 + rng() % 200000, 1 + rng() % 5000);
    const std::string text = m.serialize({"test map", std::to_string(i)});
    const MapFile back = MapFile::parse(text);
    expect_same(back, m);
    EXPECT_EQ(back.serialize({"test map", std::to_string(i)}), text);
  }
}

TEST(MapFileRoundTrip, AMillionBlocks) {
  // Written with ddrescue's own printf formats, independently of serialize().
  constexpr std::int64_t kBlocks = 1'000'000;
  std::string text =
      "# current_pos  current_status  current_pass\n"
      "0x00003039     -               3\n"
      "#      pos        size  status\n";
  text.reserve(30 * kBlocks);
  MapTotals want;
  std::int64_t pos = 0;
  for (std::int64_t i = 0; i < kBlocks; ++i) {
    const std::int64_t size = 512 * (1 + i % 7);
    const char status = i % 2 == 0 ? '+' : '-';
    char line[64];
    const int n = std::snprintf(line, sizeof line, "0x%08llX  0x%08llX  %c\n",
                                static_cast<long long>(pos), static_cast<long long>(size), status);
    text.append(line, static_cast<std::size_t>(n));
    (status == '+' ? want.finished : want.bad_sector) += size;
    pos += size;
  }
  want.bad_areas = kBlocks / 2;

  const MapFile m = MapFile::parse(text);
  ASSERT_EQ(m.block_count(), static_cast<std::size_t>(kBlocks));
  EXPECT_EQ(m.totals(), want);
  EXPECT_EQ(m.end_pos(), pos);
  EXPECT_EQ(m.cursor(), cursor(12345, Phase::kRetrying, 3));
  EXPECT_EQ(m.block_at(pos - 1).pos, pos - 512 * (1 + (kBlocks - 1) % 7));

  const std::string written = m.serialize({});
  EXPECT_TRUE(written == text) << "serialize() differs from ddrescue's layout";
  const MapFile back = MapFile::parse(written);
  EXPECT_EQ(back.totals(), m.totals());
  EXPECT_EQ(back.cursor(), m.cursor());
  EXPECT_TRUE(back.blocks() == m.blocks());
}

// ---- the interval map against a naive model ---------------------------------

// One status char per byte of [begin, begin + bytes.size()).
struct NaiveMap {
  std::int64_t begin = 0;
  std::string bytes;

  std::int64_t end() const { return begin + static_cast<std::int64_t>(bytes.size()); }
  char at(std::int64_t pos) const { return bytes[static_cast<std::size_t>(pos - begin)]; }

  std::vector<MapBlock> blocks() const {
    std::vector<MapBlock> out;
    for (std::int64_t p = begin; p < end(); ++p) {
      if (!out.empty() && static_cast<char>(out.back().status) == at(p))
        ++out.back().size;
      else
        out.push_back(MapBlock{p, 1, static_cast<BlockStatus>(at(p))});
    }
    return out;
  }

  std::optional<Extent> find_forward(std::int64_t from, BlockStatus st) const {
    const char c = static_cast<char>(st);
    for (std::int64_t p = std::max(from, begin); p < end(); ++p) {
      if (at(p) != c) continue;
      std::int64_t q = p;
      while (q < end() && at(q) == c) ++q;
      return Extent{p, q - p};
    }
    return std::nullopt;
  }

  std::optional<Extent> find_backward(std::int64_t before, BlockStatus st) const {
    const char c = static_cast<char>(st);
    for (std::int64_t p = std::min(before, end()) - 1; p >= begin; --p) {
      if (at(p) != c) continue;
      std::int64_t q = p;
      while (q > begin && at(q - 1) == c) --q;
      return Extent{q, p + 1 - q};
    }
    return std::nullopt;
  }
};

void check_against_model(const MapFile& m, const NaiveMap& model, std::mt19937_64& rng) {
  const std::vector<MapBlock> blocks = m.blocks();
  ASSERT_EQ(blocks, model.blocks());
  for (std::size_t i = 1; i < blocks.size(); ++i)
    ASSERT_NE(blocks[i - 1].status, blocks[i].status) << "unmerged neighbours at " << i;
  ASSERT_EQ(m.totals(), count_totals(blocks));
  ASSERT_EQ(m.begin_pos(), model.begin);
  ASSERT_EQ(m.end_pos(), model.end());
  ASSERT_EQ(m.block_count(), blocks.size());

  std::uniform_int_distribution<std::int64_t> anywhere(model.begin - 5, model.end() + 5);
  for (int probe = 0; probe < 8; ++probe) {
    const std::int64_t at = anywhere(rng);
    for (BlockStatus st : kAllStatuses) {
      ASSERT_EQ(m.find_forward(at, st), model.find_forward(at, st))
          << "find_forward(" << at << ", " << static_cast<char>(st) << ")";
      ASSERT_EQ(m.find_backward(at, st), model.find_backward(at, st))
          << "find_backward(" << at << ", " << static_cast<char>(st) << ")";
    }
    if (at >= model.begin && at < model.end()) {
      ASSERT_EQ(static_cast<char>(m.status_at(at)), model.at(at));
      const MapBlock b = m.block_at(at);
      ASSERT_TRUE(b.pos <= at && at < b.end());
      ASSERT_EQ(std::find(blocks.begin(), blocks.end(), b) != blocks.end(), true);
    }
  }
}

TEST(MapFileModel, RandomSetStatusMatchesAPerByteModel) {
  for (std::uint64_t seed : {1u, 2u, 3u, 42u, 1234u, 99991u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    NaiveMap model;
    MapFile m;
    if (seed % 2 == 0) {
      model.begin = 0;
      model.bytes.assign(300, '?');
      m = MapFile(300);
    } else {
      model.begin = 1000;
      model.bytes.assign(300, '?');
      m = MapFile::parse("0 ? 1\n1000 300 ?\n");
    }
    for (int op = 0; op < 400; ++op) {
      const std::int64_t len = static_cast<std::int64_t>(model.bytes.size());
      if (rng() % 25 == 0) {
        const std::int64_t grow = static_cast<std::int64_t>(rng() % 40);
        m.extend_to(model.end() + grow);
        model.bytes.append(static_cast<std::size_t>(grow), '?');
      } else {
        // Short ranges mostly, so that many fragments build up; sometimes long.
        const std::int64_t max_size = rng() % 8 == 0 ? len : 12;
        const std::int64_t pos = model.begin + static_cast<std::int64_t>(rng() % len);
        const std::int64_t size =
            std::min<std::int64_t>(static_cast<std::int64_t>(rng() % (max_size + 1)),
                                   model.end() - pos);
        const BlockStatus st = kAllStatuses[rng() % 5];
        m.set_status(pos, size, st);
        std::fill_n(model.bytes.begin() + (pos - model.begin), size, static_cast<char>(st));
      }
      check_against_model(m, model, rng);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(MapFileModel, RangesOutsideTheMapAreRefused) {
  MapFile m = MapFile::parse("0 ? 1\n100 50 ?\n");
  EXPECT_THROW(m.set_status(99, 2, BlockStatus::kFinished), std::out_of_range);
  EXPECT_THROW(m.set_status(140, 11, BlockStatus::kFinished), std::out_of_range);
  EXPECT_THROW(m.set_status(100, -1, BlockStatus::kFinished), std::out_of_range);
  EXPECT_THROW(m.set_status(100, INT64_MAX, BlockStatus::kFinished), std::out_of_range);
  EXPECT_THROW(m.set_status(100, 1, static_cast<BlockStatus>('x')), std::invalid_argument);
  EXPECT_THROW(m.status_at(99), std::out_of_range);
  EXPECT_THROW(m.block_at(150), std::out_of_range);
  EXPECT_THROW(MapFile(-1), std::invalid_argument);
  m.set_status(150, 0, BlockStatus::kFinished);  // empty range at the end: no-op
  EXPECT_EQ(m.blocks(), (std::vector<MapBlock>{{100, 50, N}}));
}

TEST(MapFileModel, ExtendToGrowsWithNonTriedBytes) {
  MapFile m;
  EXPECT_EQ(m.end_pos(), 0);
  m.extend_to(10);
  m.set_status(5, 5, BlockStatus::kFinished);
  m.extend_to(8);  // not larger: no-op
  m.extend_to(20);
  m.extend_to(30);
  EXPECT_EQ(m.blocks(), (std::vector<MapBlock>{{0, 5, N}, {5, 5, F}, {10, 20, N}}));
  EXPECT_EQ(m.totals().non_tried, 25);
  EXPECT_EQ(m.totals().finished, 5);
}

// ---- the chunked representation ------------------------------------------------

// Blocks as a per-byte model would list them, with the finds answered from
// that list: cheap enough to check a few thousand bytes after every change.
struct ModelQueries {
  std::vector<MapBlock> blocks;

  std::optional<Extent> find_forward(std::int64_t from, BlockStatus st) const {
    for (const MapBlock& b : blocks)
      if (b.status == st && b.end() > from) {
        const std::int64_t s = std::max(b.pos, from);
        return Extent{s, b.end() - s};
      }
    return std::nullopt;
  }
  std::optional<Extent> find_backward(std::int64_t before, BlockStatus st) const {
    for (auto it = blocks.rbegin(); it != blocks.rend(); ++it)
      if (it->status == st && it->pos < before) return Extent{it->pos, std::min(it->end(), before) - it->pos};
    return std::nullopt;
  }
};

TEST(MapFileChunks, SmallChunksMatchAPerByteModel) {
  // Chunks of 8 or 16 blocks: a few thousand bytes of fragments make dozens
  // of chunks, which the changes below split, empty, merge and cross.
  for (std::size_t limit : {8u, 16u}) {
    for (std::uint64_t seed : {11u, 12u, 13u}) {
      SCOPED_TRACE("chunk limit " + std::to_string(limit) + ", seed " + std::to_string(seed));
      std::mt19937_64 rng(seed);
      NaiveMap model;
      model.begin = seed % 2 == 0 ? 0 : 777;
      model.bytes.assign(2000, '?');
      MapFile m = model.begin == 0 ? MapFile(2000)
                                   : MapFile::parse("0 ? 1\n777 2000 ?\n");
      m.set_chunk_limit_for_testing(limit);
      for (int op = 0; op < 700; ++op) {
        const std::int64_t len = static_cast<std::int64_t>(model.bytes.size());
        const int kind = static_cast<int>(rng() % 100);
        if (kind < 3) {
          const std::int64_t grow = static_cast<std::int64_t>(rng() % 50);
          m.extend_to(model.end() + grow);
          model.bytes.append(static_cast<std::size_t>(grow), '?');
        } else {
          // Mostly short ranges (fragments build up), sometimes ranges over
          // many blocks and chunks, sometimes the whole map.
          const std::int64_t max_size = kind < 10 ? len : kind < 20 ? 300 : 6;
          const std::int64_t pos = model.begin + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(len));
          const std::int64_t size = kind < 5 ? model.end() - pos
                                             : std::min<std::int64_t>(static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(max_size + 1)),
                                                                      model.end() - pos);
          const BlockStatus st = kAllStatuses[rng() % 5];
          m.set_status(pos, size, st);
          std::fill_n(model.bytes.begin() + (pos - model.begin), size, static_cast<char>(st));
        }
        ASSERT_NO_THROW(m.check_invariants()) << "after operation " << op;
        const ModelQueries q{model.blocks()};
        ASSERT_EQ(m.blocks(), q.blocks) << "after operation " << op;
        ASSERT_EQ(m.totals(), count_totals(q.blocks));
        ASSERT_EQ(m.block_count(), q.blocks.size());
        ASSERT_EQ(m.begin_pos(), model.begin);
        ASSERT_EQ(m.end_pos(), model.end());
        for (int probe = 0; probe < 6; ++probe) {
          const std::int64_t at = model.begin - 3 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(len + 6));
          for (BlockStatus st : kAllStatuses) {
            ASSERT_EQ(m.find_forward(at, st), q.find_forward(at, st)) << "find_forward(" << at << ")";
            ASSERT_EQ(m.find_backward(at, st), q.find_backward(at, st)) << "find_backward(" << at << ")";
          }
          if (at >= model.begin && at < model.end()) {
            ASSERT_EQ(static_cast<char>(m.status_at(at)), model.at(at));
          }
        }
      }
      // Everything merged back into one block leaves one chunk.
      m.set_status(model.begin, model.end() - model.begin, BlockStatus::kFinished);
      ASSERT_NO_THROW(m.check_invariants());
      EXPECT_EQ(m.blocks(), (std::vector<MapBlock>{{model.begin, model.end() - model.begin, F}}));
    }
  }
}

// Every query of `a` answers as the same query of `b`: at every block
// boundary, one byte either side, and in the middle of each block.
void expect_same_answers(const MapFile& a, const MapFile& b) {
  const std::vector<MapBlock> blocks = b.blocks();
  ASSERT_EQ(a.blocks(), blocks);
  ASSERT_EQ(a.block_count(), b.block_count());
  ASSERT_EQ(a.totals(), b.totals());
  ASSERT_EQ(a.cursor(), b.cursor());
  ASSERT_EQ(a.begin_pos(), b.begin_pos());
  ASSERT_EQ(a.end_pos(), b.end_pos());
  std::vector<MapBlock> each;
  a.for_each([&](const MapBlock& blk) { each.push_back(blk); });
  ASSERT_EQ(each, blocks);
  for (const MapBlock& blk : blocks) {
    for (std::int64_t at : {blk.pos - 1, blk.pos, blk.pos + blk.size / 2, blk.end() - 1, blk.end()}) {
      for (BlockStatus st : kAllStatuses) {
        ASSERT_EQ(a.find_forward(at, st), b.find_forward(at, st)) << "find_forward(" << at << ")";
        ASSERT_EQ(a.find_backward(at, st), b.find_backward(at, st)) << "find_backward(" << at << ")";
      }
      if (at >= b.begin_pos() && at < b.end_pos()) {
        ASSERT_EQ(a.block_at(at), b.block_at(at));
        ASSERT_EQ(a.status_at(at), b.status_at(at));
      }
    }
  }
}

TEST(MapFileChunks, AParsedMapBehavesLikeTheSameMapBuiltCallByCall) {
  // Thousands of blocks: the parsed map is packed into full chunks, the built
  // one grew by splitting chunks; no query or change may tell them apart.
  for (std::uint64_t seed : {21u, 22u, 23u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    const std::int64_t begin = seed == 22 ? 4096 : 0;
    MapFile built = random_map(rng, begin, 400000, 60);
    MapFile parsed = MapFile::parse(built.serialize({"copy"}));
    ASSERT_GT(parsed.block_count(), 5000u);
    ASSERT_NO_THROW(parsed.check_invariants());
    ASSERT_NO_THROW(built.check_invariants());
    expect_same_answers(parsed, built);
    if (::testing::Test::HasFatalFailure()) return;

    // The same changes to both, as a rescue makes them: short ranges, a few
    // long ones, growth, cursor moves.
    for (int op = 0; op < 200; ++op) {
      const std::int64_t len = built.end_pos() - begin;
      const std::int64_t pos = begin + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(len));
      const std::int64_t max_size = op % 25 == 0 ? len : 200;
      const std::int64_t size = std::min<std::int64_t>(static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(max_size + 1)),
                                                       built.end_pos() - pos);
      const BlockStatus st = kAllStatuses[rng() % 5];
      if (op % 40 == 39) {
        const std::int64_t grow = built.end_pos() + static_cast<std::int64_t>(rng() % 1000);
        built.extend_to(grow);
        parsed.extend_to(grow);
      } else {
        built.set_status(pos, size, st);
        parsed.set_status(pos, size, st);
      }
      const MapCursor c = cursor(pos, Phase::kScraping, 1 + op % 3);
      built.set_cursor(c);
      parsed.set_cursor(c);
      ASSERT_EQ(parsed.blocks(), built.blocks()) << "after operation " << op;
      ASSERT_EQ(parsed.totals(), built.totals());
      if (op % 50 == 0) {
        expect_same_answers(parsed, built);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
    ASSERT_NO_THROW(parsed.check_invariants());
    ASSERT_NO_THROW(built.check_invariants());
    expect_same_answers(parsed, built);
    EXPECT_EQ(parsed.serialize({"x"}), built.serialize({"x"}));
  }
}

TEST(MapFileChunks, CopiesAreIndependentAndAMovedFromMapIsEmpty) {
  std::mt19937_64 rng(31);
  MapFile original = random_map(rng, 0, 100000, 30);
  ASSERT_GT(original.block_count(), 1000u);
  const std::vector<MapBlock> before = original.blocks();

  MapFile copy = original;
  copy.set_status(0, copy.end_pos(), BlockStatus::kFinished);
  EXPECT_EQ(original.blocks(), before);
  EXPECT_EQ(copy.blocks(), (std::vector<MapBlock>{{0, 100000, F}}));
  ASSERT_NO_THROW(original.check_invariants());
  ASSERT_NO_THROW(copy.check_invariants());
  copy = original;
  EXPECT_EQ(copy.blocks(), before);
  expect_same_answers(copy, original);

  MapFile moved = std::move(copy);
  EXPECT_EQ(moved.blocks(), before);
  // The moved-from map is a usable empty map.
  EXPECT_EQ(copy.block_count(), 0u);  // NOLINT(bugprone-use-after-move): on purpose
  EXPECT_EQ(copy.end_pos(), 0);
  EXPECT_EQ(copy.totals(), MapTotals{});
  EXPECT_EQ(copy.find_forward(0, F), std::nullopt);
  ASSERT_NO_THROW(copy.check_invariants());
  copy.extend_to(10);
  EXPECT_EQ(copy.blocks(), (std::vector<MapBlock>{{0, 10, N}}));
  ASSERT_NO_THROW(copy.check_invariants());
}

TEST(MapFileVersion, CountsChangesOnly) {
  MapFile m = MapFile::parse("0x10 + 1\n0 0x100 +\n0x100 0x100 -\n");
  EXPECT_EQ(m.version(), 0u);

  // Calls that change nothing.
  m.set_status(0, 0x80, BlockStatus::kFinished);  // already finished
  m.set_status(0x100, 0, BlockStatus::kNonTried);  // empty range
  m.extend_to(0x200);                              // not larger
  m.extend_to(5);
  m.set_cursor(m.cursor());
  EXPECT_EQ(m.version(), 0u);

  std::uint64_t last = m.version();
  const auto changed = [&] {
    const bool c = m.version() != last;
    last = m.version();
    return c;
  };
  m.set_status(0x100, 0x10, BlockStatus::kFinished);
  EXPECT_TRUE(changed());
  m.extend_to(0x300);
  EXPECT_TRUE(changed());
  m.set_cursor(cursor(0x10, Phase::kFinished, 2));
  EXPECT_TRUE(changed());
  m.set_cursor(cursor(0x10, Phase::kFinished, 2));  // the same again
  EXPECT_FALSE(changed());
  m.set_status(0x100, 0x10, BlockStatus::kFinished);  // the same again
  EXPECT_FALSE(changed());

  const MapFile copy = m;
  EXPECT_EQ(copy.version(), m.version());
  MapFile fresh(10);
  EXPECT_EQ(fresh.version(), 0u);
}

// What parsing gave: the map's text and totals, or the error.
std::string outcome(const std::function<MapFile()>& parse) {
  try {
    const MapFile m = parse();
    const MapTotals t = m.totals();
    return fmt::format("ok {} {} {} {} {} {} {}\n{}", m.block_count(), t.non_tried, t.non_trimmed,
                       t.non_scraped, t.bad_sector, t.finished, t.bad_areas, m.serialize({}));
  } catch (const MapFileError& e) {
    return std::string("error ") + e.what();
  }
}

MapFile parse_in_pieces(std::string_view text, std::size_t piece) {
  MapFile::Parser p;
  for (std::size_t i = 0; i < text.size(); i += piece) p.feed(text.substr(i, piece));
  return p.finish();
}

TEST(MapFileParser, AnySplitIntoPiecesParsesAlike) {
  const std::string text =
      "# Mapfile. Created by GNU ddrescue version 1.27\n"
      "# current_pos  current_status  current_pass\n"
      "0x00040C00     -               3\n"
      "#      pos        size  status\n"
      "0x00000000  0x00010000  +\n"
      "0x00010000  0x00002000  -\n"
      "0x00012000  0x0002e000  +\n"            // lower-case
      "0x00040000\t0x00001000\t*\n"           // tabs
      "0x00041000  0x000BF000  /  \r\n"       // trailing blanks, CR LF
      "  0x00100000  0x100000000  ?\n"       // indented, 9 digits
      "0x100100000  0X0000000000000010  +\n" // 16 digits, upper-case X
      "4296015888 010 -\n"                   // decimal, octal
      "# a comment\n"
      "0x100100018  0x8 +";                   // no final newline
  const std::string want = outcome([&] { return MapFile::parse(text); });
  ASSERT_THAT(want, ::testing::StartsWith("ok "));
  for (std::size_t piece = 1; piece <= text.size(); ++piece)
    ASSERT_EQ(outcome([&] { return parse_in_pieces(text, piece); }), want) << "pieces of " << piece;

  const std::string bad = text.substr(0, text.size() - 1) + "?x\n";
  const std::string error = outcome([&] { return MapFile::parse(bad); });
  ASSERT_THAT(error, ::testing::StartsWith("error line 14: unknown block status '?x'"));
  for (std::size_t piece = 1; piece <= bad.size(); piece += 7)
    ASSERT_EQ(outcome([&] { return parse_in_pieces(bad, piece); }), error) << "pieces of " << piece;
}

// The parser reads block lines in ddrescue's layout on a fast path and
// everything else through the general field splitter. Fed one byte at a time,
// each line reaches the parser alone, too short for the fast path: so the two
// must agree on every line, however it was damaged.
TEST(MapFileParser, FastPathAgreesWithTheGeneralParserOnDamagedLines) {
  std::mt19937_64 rng(77);
  const std::string odd = std::string("0123456789abcdefABCDEFgGxX \t\r#-+?*/:@`\x7f\x80\xff", 41) + '\0';
  int failures_seen = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string text = "0x0 ? 1\n";
    std::int64_t pos = static_cast<std::int64_t>(rng() % 3) * 0x100000000LL;
    std::vector<std::string> lines;
    for (int i = 0; i < 6; ++i) {
      const std::int64_t size = 1 + static_cast<std::int64_t>(rng() % (rng() % 2 ? 0x10000 : 0x100000000000LL));
      const char status = "?*/-+"[rng() % 5];
      std::string line = rng() % 4 == 0 ? fmt::format("0x{:x}  0x{:x}  {}\n", pos, size, status)
                                         : fmt::format("0x{:08X}  0x{:08X}  {}\n", pos, size, status);
      lines.push_back(line);
      pos += size;
    }
    // Damage one or two lines: replace, insert or delete a byte.
    for (int d = 0; d < 1 + static_cast<int>(rng() % 2); ++d) {
      std::string& line = lines[rng() % lines.size()];
      const std::size_t at = rng() % line.size();
      const char c = odd[rng() % odd.size()];
      switch (rng() % 3) {
        case 0: line[at] = c; break;
        case 1: line.insert(at, 1, c); break;
        default: line.erase(at, 1); break;
      }
    }
    for (const std::string& line : lines) text += line;
    text += "#" + std::string(80, '.') + "\n";
    const std::string fast = outcome([&] { return MapFile::parse(text); });
    const std::string general = outcome([&] { return parse_in_pieces(text, 1); });
    ASSERT_EQ(fast, general) << "text:\n" << text;
    if (fast.rfind("error", 0) == 0) ++failures_seen;
  }
  // Both kinds of outcome were compared, many times.
  EXPECT_GT(failures_seen, 1000);
  EXPECT_GT(4000 - failures_seen, 200);
}

// ---- agreement with GNU ddrescue's own tools ----------------------------------

struct CommandResult {
  int status = -1;
  std::string out;
};

CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int raw = ::pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

using test::TempDir;
using test::read_file;
using test::write_file;

// What `ddrescuelog -t` reports. Its numbers are exact (unit "B") only below
// 10^6, so the maps fed to it stay smaller than that.
struct ShownStatus {
  std::map<std::string, std::int64_t> bytes;  // by label: "non-tried", "rescued", ...
  std::map<std::string, std::int64_t> areas;
};

ShownStatus show_status(const std::string& mapfile) {
  const CommandResult r = run("ddrescuelog -t " + mapfile);
  EXPECT_EQ(r.status, 0) << r.out;
  ShownStatus s;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string label = line.substr(0, colon);
    label.erase(0, label.find_first_not_of(' '));
    std::istringstream rest(line.substr(colon + 1));
    std::int64_t bytes = 0, areas = 0;
    std::string unit, in;
    if (!(rest >> bytes >> unit >> in >> areas) || in != "in") continue;
    EXPECT_EQ(unit, "B,") << "ddrescuelog rounded " << line;
    s.bytes[label] = bytes;
    s.areas[label] = areas;
  }
  return s;
}

void expect_totals_agree(const MapFile& m, const std::string& mapfile) {
  const ShownStatus s = show_status(mapfile);
  const MapTotals& t = m.totals();
  EXPECT_EQ(s.bytes.at("non-tried"), t.non_tried);
  EXPECT_EQ(s.bytes.at("non-trimmed"), t.non_trimmed);
  EXPECT_EQ(s.bytes.at("non-scraped"), t.non_scraped);
  EXPECT_EQ(s.bytes.at("bad-sector"), t.bad_sector);
  EXPECT_EQ(s.bytes.at("rescued"), t.finished);
  EXPECT_EQ(s.areas.at("bad-sector"), t.bad_areas);
  EXPECT_EQ(s.areas.at("mapfile extent"), static_cast<std::int64_t>(m.block_count()));
  std::map<BlockStatus, std::int64_t> runs;
  m.for_each([&](const MapBlock& b) { ++runs[b.status]; });
  EXPECT_EQ(s.areas.at("non-tried"), runs[BlockStatus::kNonTried]);
  EXPECT_EQ(s.areas.at("rescued"), runs[BlockStatus::kFinished]);
}

// `ddrescuelog -b UNIT -l STATUS`: the numbers of the UNIT-sized blocks of that
// status, which must match the map's blocks of that status byte for byte.
void expect_listing_agrees(const MapFile& m, const std::string& mapfile, std::int64_t unit) {
  for (BlockStatus st : kAllStatuses) {
    const CommandResult r = run("ddrescuelog -b " + std::to_string(unit) + " -l'" +
                                static_cast<char>(st) + "' " + mapfile);
    ASSERT_EQ(r.status, 0) << r.out;
    std::vector<std::int64_t> listed;
    std::istringstream in(r.out);
    for (std::int64_t n; in >> n;) listed.push_back(n);
    std::vector<std::int64_t> ours;
    m.for_each([&](const MapBlock& b) {
      ASSERT_EQ(b.pos % unit, 0) << "the map is not aligned to " << unit;
      ASSERT_EQ(b.size % unit, 0) << "the map is not aligned to " << unit;
      if (b.status == st)
        for (std::int64_t u = b.pos / unit; u < b.end() / unit; ++u) ours.push_back(u);
    });
    EXPECT_EQ(listed, ours) << "status " << static_cast<char>(st);
  }
}

TEST(MapFileDdrescue, DdrescuelogReadsOurMapsAsWeDo) {
  PTRESCUE_REQUIRE_TOOL("ddrescuelog");
  TempDir dir;
  std::mt19937_64 rng(2024);
  for (int i = 0; i < 6; ++i) {
    SCOPED_TRACE("map " + std::to_string(i));
    const std::int64_t begin = i % 2 == 0 ? 0 : std::int64_t{1 + static_cast<int>(rng() % 999)};
    const MapFile m = random_map(rng, begin, 500 + rng() % 3000, 1 + rng() % 60);
    const std::string path = dir.file("ours" + std::to_string(i) + ".map");
    write_file(path, m.serialize({"written by mapfile_test"}));
    expect_totals_agree(m, path);
    expect_listing_agrees(m, path, 1);
  }
}

TEST(MapFileDdrescue, WeReadWhatDdrescueWritesAsDdrescuelogDoes) {
  PTRESCUE_REQUIRE_TOOL("ddrescue");
  PTRESCUE_REQUIRE_TOOL("ddrescuelog");
  TempDir dir;
  constexpr std::int64_t kSize = 256 * 1024;
  write_file(dir.file("input.bin"), std::string(kSize, 'x'));

  // ddrescue's test mode (-H) reads the good/bad layout of the "drive" from a
  // mapfile: '+' readable, anything else unreadable. Bad areas are whole
  // 512-byte sectors, so that ddrescue can finish every good byte.
  std::mt19937_64 rng(77);
  MapFile layout(kSize);
  layout.set_status(0, kSize, BlockStatus::kFinished);
  for (int i = 0; i < 12; ++i) {
    const std::int64_t sector = static_cast<std::int64_t>(rng() % (kSize / 512 - 8));
    layout.set_status(sector * 512, 512 * (1 + static_cast<std::int64_t>(rng() % 6)),
                      BlockStatus::kBadSector);
  }
  write_file(dir.file("layout.map"), layout.serialize({"test-mode layout"}));

  // Default: a full run; -n stops before scraping ('/' left); -N stops before
  // trimming ('*' left).
  const std::vector<std::string> variants = {"", "-n", "-N"};
  for (std::size_t v = 0; v < variants.size(); ++v) {
    SCOPED_TRACE("ddrescue " + variants[v]);
    const std::string mapfile = dir.file("rescue" + std::to_string(v) + ".map");
    const CommandResult r =
        run("ddrescue -q " + variants[v] + " -H " + dir.file("layout.map") + " " +
            dir.file("input.bin") + " " + dir.file("out" + std::to_string(v) + ".bin") + " " +
            mapfile);
    ASSERT_EQ(r.status, 0) << r.out;
    const std::string text = read_file(mapfile);
    const MapFile m = MapFile::parse(text);
    EXPECT_EQ(m.begin_pos(), 0);
    EXPECT_EQ(m.end_pos(), kSize);
    expect_totals_agree(m, mapfile);
    expect_listing_agrees(m, mapfile, 512);
    // Whatever ddrescue did, what it rescued is exactly what was readable.
    EXPECT_LE(m.totals().finished, layout.totals().finished);
    if (variants[v].empty()) {
      EXPECT_EQ(m.totals().finished, layout.totals().finished);
      EXPECT_EQ(m.totals().bad_sector, layout.totals().bad_sector);
      EXPECT_EQ(m.totals().bad_areas, layout.totals().bad_areas);
      EXPECT_EQ(m.cursor().phase, Phase::kFinished);
    }
    // And we write back what ddrescue wrote, comments and all.
    std::vector<std::string> comments;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line) && line.rfind("# current_pos", 0) != 0;)
      comments.push_back(line.substr(2));
    EXPECT_EQ(m.serialize(comments), text);
  }
}

TEST(MapFileDdrescue, DdrescueResumesFromOurMapfile) {
  PTRESCUE_REQUIRE_TOOL("ddrescue");
  TempDir dir;
  constexpr std::int64_t kSize = 64 * 1024;
  write_file(dir.file("input.bin"), std::string(kSize, 'x'));
  write_file(dir.file("output.bin"), std::string(kSize, 'o'));

  // We claim [4096, 12288) and [40000, 50000) are already rescued: ddrescue
  // must not copy them again, so 'o' stays there and only there.
  MapFile m(kSize);
  m.set_status(4096, 8192, BlockStatus::kFinished);
  m.set_status(40000, 10000, BlockStatus::kFinished);
  m.set_status(60000, 100, BlockStatus::kNonTrimmed);
  m.set_cursor(cursor(12288, Phase::kCopying, 1));
  const std::string mapfile = dir.file("resume.map");
  write_file(mapfile, m.serialize({"written by mapfile_test"}));

  const CommandResult r = run("ddrescue -q " + dir.file("input.bin") + " " +
                              dir.file("output.bin") + " " + mapfile);
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string out = read_file(dir.file("output.bin"));
  ASSERT_EQ(out.size(), static_cast<std::size_t>(kSize));
  for (std::int64_t i = 0; i < kSize; ++i) {
    const bool skipped = (i >= 4096 && i < 12288) || (i >= 40000 && i < 50000);
    ASSERT_EQ(out[static_cast<std::size_t>(i)], skipped ? 'o' : 'x') << "at byte " << i;
  }
  const MapFile after = MapFile::parse(read_file(mapfile));
  EXPECT_EQ(after.blocks(), (std::vector<MapBlock>{{0, kSize, F}}));
}

// ---- loading from disk ----------------------------------------------------------

// ---- a big text parsed on two threads (MapFile::Parser::feed_whole) -----------

// Block lines from `pattern` (one status char per block, cycled), 16 bytes each,
// after a status line and `comments` comment lines (which move the seam).
std::string big_text(std::string_view pattern, int blocks, int comments) {
  std::string text;
  for (int i = 0; i < comments; ++i) text += "# a comment that moves the middle\n";
  text += "0x00000000  ?  1\n";
  for (int i = 0; i < blocks; ++i)
    text += fmt::format("0x{:08X}  0x{:08X}  {}\n", i * 16, 16, pattern[static_cast<std::size_t>(i) % pattern.size()]);
  return text;
}

// Where feed_whole() splits: after the first line break from the middle on.
std::size_t seam_of(const std::string& text) {
  return text.find('\n', text.size() / 2) + 1;
}

// The one-thread parse: pieces of 1 MiB through feed(), which never splits.
std::string one_thread_outcome(const std::string& text) {
  return outcome([&] { return parse_in_pieces(text, 1 << 20); });
}

TEST(MapFileParseWhole, TwoThreadsGiveTheSameMapAsOne) {
  // Equal neighbours ("++", "--") are merged, also across the seam; the two
  // texts of each pattern put the seam one line apart, so that it falls both
  // inside a pair and between two blocks of different status.
  for (const std::string_view pattern : {"+-", "++--", "+", "-", "?*/-+-", "--+"}) {
    for (const int comments : {0, 1}) {
      const std::string text = big_text(pattern, 170000, comments);
      ASSERT_GT(text.size(), 4u << 20);
      SCOPED_TRACE(fmt::format("pattern {} comments {} seam at {}", pattern, comments, seam_of(text)));
      MapFile::Parser parser;
      parser.feed_whole(text);
      EXPECT_TRUE(parser.joined_two_halves());
      const MapFile two = parser.finish();
      const MapFile one = parse_in_pieces(text, 1 << 20);
      expect_same(two, one);
      EXPECT_EQ(two.block_count(), one.block_count());
      EXPECT_EQ(two.totals(), count_totals(one.blocks()));
      ASSERT_NO_THROW(two.check_invariants());
      ASSERT_EQ(two.serialize({}), one.serialize({}));
    }
  }
}

TEST(MapFileParseWhole, AnErrorInEitherHalfIsNamedAsOnOneThread) {
  const std::string good = big_text("+-", 170000, 0);
  const std::size_t seam = seam_of(good);
  const auto line_at = [&](std::size_t at) { return good.substr(at, good.find('\n', at) + 1 - at); };
  const std::string first_tail_line = line_at(seam);
  std::vector<std::pair<std::string, std::string>> cases;  // (what, text)
  // A gap and an overlap exactly at the seam.
  cases.emplace_back("gap at the seam", good.substr(0, seam) + "0x7FFFFFF0  0x00000010  +\n" + good.substr(seam + first_tail_line.size()));
  cases.emplace_back("overlap at the seam", good.substr(0, seam) + "0x00000000  0x00000010  +\n" + good.substr(seam + first_tail_line.size()));
  // Damage deep in the second half, and in the first.
  for (const std::string bad : {"0x0000ZZZZ  0x00000010  +\n", "0x00000000  0x00000000  ?\n", "1 2\n", "0x10 0x10 + junk\n"}) {
    cases.emplace_back("tail: " + bad, good.substr(0, good.size() - 1000) + bad + good.substr(good.size() - 1000));
    cases.emplace_back("head: " + bad, good.substr(0, 1000) + bad + good.substr(1000));
  }
  // A second half that ends without a line break; one that ends in comments.
  cases.emplace_back("no final newline", good.substr(0, good.size() - 1));
  cases.emplace_back("trailing comments", good + "# end\n\n# really\n");
  // Those two join (nothing wrong in them): the split really is taken.
  for (const std::string& text : {good.substr(0, good.size() - 1), good + "# end\n"}) {
    MapFile::Parser parser;
    parser.feed_whole(text);
    EXPECT_TRUE(parser.joined_two_halves());
  }
  for (const auto& [what, text] : cases) {
    SCOPED_TRACE(what);
    ASSERT_GT(text.size(), 4u << 20);
    const std::string two = outcome([&] { return MapFile::parse(text); });
    EXPECT_EQ(two, one_thread_outcome(text));
    if (what.rfind("gap", 0) == 0 || what.rfind("overlap", 0) == 0 || what.find("ZZZZ") != std::string::npos) {
      EXPECT_THAT(two, ::testing::StartsWith("error line ")) << two.substr(0, 200);
    }
  }
}

TEST(MapFileStoreLoad, ABigFileLoadsAsItParses) {
  // Several megabytes: loaded through a mapping of the file.
  std::mt19937_64 rng(41);
  const MapFile m = random_map(rng, 0, 8'000'000, 40);
  const std::string text = m.serialize({"big"});
  ASSERT_GT(text.size(), 4u << 20);
  TempDir dir;
  write_file(dir.file("big.map"), text);
  const std::optional<MapFile> loaded = MapFileStore(dir.file("big.map")).load();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->blocks(), m.blocks());
  EXPECT_EQ(loaded->totals(), m.totals());
  EXPECT_EQ(loaded->cursor(), m.cursor());
  ASSERT_NO_THROW(loaded->check_invariants());
}

TEST(MapFileStoreLoad, AnEmptyFileIsMalformed) {
  TempDir dir;
  write_file(dir.file("empty.map"), "");
  try {
    MapFileStore(dir.file("empty.map")).load();
    FAIL() << "loaded an empty mapfile";
  } catch (const MalformedMapFile& e) {
    EXPECT_THAT(e.what(), HasSubstr("line 1: missing status line"));
  }
}

TEST(MapFileStoreLoad, AMalformedLineDeepInABigFileIsNamed) {
  std::string text = "0x0 + 1\n";
  for (int i = 0; i < 200000; ++i) text += fmt::format("0x{:08X}  0x{:08X}  {}\n", i * 16, 16, i % 2 ? '-' : '+');
  text += "0x00000000  0x00000010  +\n";  // line 200002
  TempDir dir;
  write_file(dir.file("bad.map"), text);
  try {
    MapFileStore(dir.file("bad.map")).load();
    FAIL() << "loaded a malformed mapfile";
  } catch (const MalformedMapFile& e) {
    EXPECT_THAT(e.what(), HasSubstr("line 200002: block out of order"));
  }
}

}  // namespace
}  // namespace ptrescue
