// SPDX-License-Identifier: GPL-3.0-or-later
// -M and -A's marking (src/engine/restart_marks.h). The expected maps are
// worked by hand from GNU ddrescue 1.30's manual (-M: "Mark the failed
// blocks inside the rescue domain adjacent to a non-tried or finished block
// as non-trimmed"), blocks taken in order; Debian ships 1.27, whose -M marks
// every failed block, so no binary here can be the oracle for 1.30's rule.
#include <gtest/gtest.h>

#include <string>

#include "src/engine/restart_marks.h"

namespace ptrescue {
namespace {

constexpr std::int64_t kSector = 512;

// One character per sector, in the mapfile's status characters.
MapFile map_of(const std::string& sectors) {
  MapFile m(static_cast<std::int64_t>(sectors.size()) * kSector);
  for (std::size_t i = 0; i < sectors.size(); ++i)
    m.set_status(static_cast<std::int64_t>(i) * kSector, kSector, static_cast<BlockStatus>(sectors[i]));
  return m;
}

std::string sectors_of(const MapFile& m) {
  std::string s;
  for (std::int64_t p = 0; p < m.end_pos(); p += kSector) s += static_cast<char>(m.status_at(p));
  return s;
}

std::string retrimmed(const std::string& sectors, Domain domain) {
  MapFile m = map_of(sectors);
  mark_for_retrim(m, domain);
  return sectors_of(m);
}

std::string retrimmed(const std::string& sectors) {
  return retrimmed(sectors, Domain(0, static_cast<std::int64_t>(sectors.size()) * kSector));
}

TEST(Retrim, MarksOnlyTheEndsOfARunOfFailedBlocks) {
  // The '-' touches a '+'; the '/' then touches that block, now '*', and
  // the second '-', which is neither non-tried nor finished.
  EXPECT_EQ(retrimmed("+-/-+"), "+*/*+");
  EXPECT_EQ(retrimmed("+-/+"), "+**+");
  EXPECT_EQ(retrimmed("?--//?"), "?****?");
}

TEST(Retrim, TheMapsEdgesCountAsReadableNeighbours) {
  EXPECT_EQ(retrimmed("/-/"), "*-*");
  EXPECT_EQ(retrimmed("-"), "*");
}

TEST(Retrim, AFailedBlockBetweenNonTrimmedOnesIsLeftForScraping) {
  EXPECT_EQ(retrimmed("*-*"), "*-*");
  EXPECT_EQ(retrimmed("*/-/*"), "*/-/*");
}

TEST(Retrim, OnlyBlocksWhollyInsideTheDomainAreMarked) {
  // The '-' block is sectors 1-2; a domain of sectors 0-1 holds half of it.
  EXPECT_EQ(retrimmed("+--+", Domain(0, 2 * kSector)), "+--+");
  EXPECT_EQ(retrimmed("+--+", Domain(kSector, 2 * kSector)), "+**+");
  // A block that ends exactly at the domain's end is inside it.
  EXPECT_EQ(retrimmed("+-+-+", Domain(0, 2 * kSector)), "+*+-+");
}

TEST(TryAgain, NonTrimmedAndNonScrapedBlocksInsideTheDomainBecomeNonTried) {
  MapFile m = map_of("+*/-+**+");
  EXPECT_EQ(mark_for_try_again(m, Domain(0, 5 * kSector)), 2u);
  EXPECT_EQ(sectors_of(m), "+??-+**+");
}

}  // namespace
}  // namespace ptrescue
