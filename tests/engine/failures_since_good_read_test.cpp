// SPDX-License-Identifier: GPL-3.0-or-later
// What a drive's leaving undoes: the map over each failed read as it was,
// bytes read since left finished, and nothing before the last good read.
#include "src/engine/failures_since_good_read.h"

#include <gtest/gtest.h>

namespace ptrescue {
namespace {

TEST(FailuresSinceGoodRead, UndoPutsBackWhatEachFailureFoundAndKeepsWhatWasReadSince) {
  MapFile map(8192);
  map.set_status(0, 4096, BlockStatus::kNonTrimmed);
  FailuresSinceGoodRead f;
  f.on_failed_read(map, {1024, 1024});  // a trimming read fails...
  map.set_status(1024, 1024, BlockStatus::kBadSector);
  f.on_failed_read(map, {1024, 512});  // ...and again over part of the same area
  map.set_status(1024, 512, BlockStatus::kBadSector);
  map.set_status(1536, 512, BlockStatus::kFinished);  // read by a later partial read
  f.on_failed_read(map, {6144, 1024});  // a copying read fails
  map.set_status(6144, 1024, BlockStatus::kNonTrimmed);

  const auto undone = f.undo(map);
  EXPECT_EQ(undone.reads, 3);
  EXPECT_EQ(undone.bytes, 2048);
  EXPECT_EQ(map.status_at(1024), BlockStatus::kNonTrimmed);
  EXPECT_EQ(map.status_at(1535), BlockStatus::kNonTrimmed);
  EXPECT_EQ(map.status_at(1536), BlockStatus::kFinished);
  EXPECT_EQ(map.status_at(6144), BlockStatus::kNonTried);
  EXPECT_EQ(map.status_at(7167), BlockStatus::kNonTried);
  EXPECT_EQ(f.undo(map).reads, 0);  // forgotten once undone
}

TEST(FailuresSinceGoodRead, AGoodReadMakesEarlierFailuresTheMedias) {
  MapFile map(4096);
  FailuresSinceGoodRead f;
  f.on_failed_read(map, {0, 512});
  map.set_status(0, 512, BlockStatus::kBadSector);
  f.on_good_read();
  EXPECT_EQ(f.undo(map).reads, 0);
  EXPECT_EQ(map.status_at(0), BlockStatus::kBadSector);
}

TEST(FailuresSinceGoodRead, KeepsOnlyTheLatestSixtyFourFailures) {
  MapFile map(512 * 100);
  FailuresSinceGoodRead f;
  for (int i = 0; i < 100; ++i) {
    f.on_failed_read(map, {i * 512, 512});
    map.set_status(i * 512, 512, BlockStatus::kBadSector);
  }
  EXPECT_EQ(f.undo(map).reads, 64);
  EXPECT_EQ(map.status_at(35 * 512), BlockStatus::kBadSector);
  EXPECT_EQ(map.status_at(36 * 512), BlockStatus::kNonTried);
}

}  // namespace
}  // namespace ptrescue
