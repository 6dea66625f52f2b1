// SPDX-License-Identifier: GPL-3.0-or-later
// The readers of The Sleuth Kit's output, on text as TSK 4.11 prints it
// (copied from runs on images made with mkfs.ext3, mkntfs, mkfs.vfat).
#include <gtest/gtest.h>

#include "src/files/tsk_listing.h"
#include "src/files/unrescued_bytes.h"

namespace ptrescue {
namespace {

TEST(TskListing, FlsKeepsLiveNamesOnly) {
  const auto entries = parse_fls(
      "d/d 11:\tlost+found\nr/r 12:\ta.bin\nr/r * 17(realloc):\tgone.txt\nd/d 64-144-2:\tdir\n"
      "r/r 66-128-2:\tdir/big bin.txt\nv/v 2064355:\t$MBR\nV/V 4097:\t$OrphanFiles\n"
      "-/r * 16:\t$OrphanFiles/OrphanFile-16\nl/l 20:\tlink\n");
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].type, 'd');
  EXPECT_EQ(entries[0].path, "lost+found");
  EXPECT_EQ(entries[1].id, "12");
  EXPECT_EQ(entries[2].id, "64-144-2");
  EXPECT_EQ(entries[3].path, "dir/big bin.txt");
  EXPECT_EQ(entries[4].type, 'l');
}

TEST(TskListing, IstatExtDirectAndIndirect) {
  const auto l = parse_istat(
      "inode: 14\nAllocated\nsize: 3000000\nnum of links: 1\n\nDirect Blocks:\n"
      "  Starting address: 1723, length: 12  \n  Starting address: 1736, length: 256  \n\n"
      "Indirect Blocks:\n  Starting address: 1735, length: 1  \n",
      "14");
  EXPECT_EQ(l.size, 3000000);
  ASSERT_EQ(l.data.size(), 2u);
  EXPECT_EQ(l.data[1].start, 1736);
  EXPECT_EQ(l.data[1].length, 256);
  ASSERT_EQ(l.metadata.size(), 1u);
  EXPECT_EQ(l.metadata[0].start, 1735);
}

TEST(TskListing, IstatNtfsTakesTheNamedAttribute) {
  const std::string text =
      "MFT Entry Header Values:\nEntry: 65        Sequence: 1\n\nAttributes: \n"
      "Type: $STANDARD_INFORMATION (16-0)   Name: N/A   Resident   size: 48\n"
      "Type: $DATA (128-2)   Name: N/A   Non-Resident   size: 100000  init_size: 100000\n"
      "  Starting address: 8704, length: 25  \n"
      "Type: $DATA (128-5)   Name: ads   Non-Resident   size: 5000  init_size: 5000\n"
      "  Starting address: 9000, length: 2  \n";
  const auto main = parse_istat(text, "65-128-2");
  EXPECT_EQ(main.size, 100000);
  ASSERT_EQ(main.data.size(), 1u);
  EXPECT_EQ(main.data[0].start, 8704);
  EXPECT_TRUE(main.metadata.empty());  // the other stream is a name of its own
  const auto ads = parse_istat(text, "65-128-5");
  EXPECT_EQ(ads.size, 5000);
  ASSERT_EQ(ads.data.size(), 1u);
  EXPECT_EQ(ads.data[0].start, 9000);
}

TEST(TskListing, IstatFatSectorsAndCapitalSize) {
  const auto l = parse_istat("Directory Entry: 3\nAllocated\nSize: 100000\nName: a.bin\n\nSectors:\n"
                             "  Starting address: 2051, length: 196  \n",
                             "3");
  EXPECT_EQ(l.size, 100000);
  ASSERT_EQ(l.data.size(), 1u);
  EXPECT_EQ(l.data[0].length, 196);
}

TEST(TskListing, FsstatFields) {
  const std::string text = "Inode Size: 256\nBlock Size: 4096\nInodes per group: 4096\nGroup: 0:\n"
                           "    Inode Table: 35 - 290\n    Uninit Inode Table: 35 - 4130\nGroup: 1:\n"
                           "    Inode Table: 291 - 546\nSize of MFT Entries: 1024 bytes\n";
  EXPECT_EQ(fsstat_number(text, "Block Size"), 4096);
  EXPECT_EQ(fsstat_number(text, "Size of MFT Entries"), 1024);
  EXPECT_EQ(fsstat_number(text, "Cluster Size"), std::nullopt);
  EXPECT_EQ(fsstat_inode_tables(text), (std::vector<std::int64_t>{35, 291}));
}

TEST(UnrescuedBytes, CountsWhatIsNotFinished) {
  MapFile m(10000);
  m.set_status(0, 4000, BlockStatus::kFinished);
  m.set_status(5000, 3000, BlockStatus::kFinished);
  const UnrescuedBytes u(m);
  EXPECT_EQ(u.in(0, 4000), 0);
  EXPECT_EQ(u.in(3500, 2000), 1000);
  EXPECT_EQ(u.in(3000, 7000), 3000);
  EXPECT_EQ(u.in(9500, 1000), 1000);  // past the map's end counts as missing
  EXPECT_EQ(u.in(100, 0), 0);
}

}  // namespace
}  // namespace ptrescue
