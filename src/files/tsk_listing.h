// SPDX-License-Identifier: GPL-3.0-or-later
// Reads what The Sleuth Kit's programs print (version 4.x): the file list of
// `fls -r -p`, the block runs of `istat -r`, and the few `fsstat` fields
// that say where metadata lives. Pure text in, values out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ptrescue {

/// One name of `fls -r -p`: "r/r 14:\tdir/big.bin".
struct FsEntry {
  char type = 'r';   ///< The name's type: 'r' file, 'd' directory, 'l' link, ...
  std::string id;    ///< The metadata address istat takes: "14", or "65-128-2" on NTFS.
  std::string path;  ///< From the filesystem's root, without a leading '/'.
};

/// The live names of `fls -r -p` output: deleted names ("*") and TSK's
/// virtual entries ($MBR, $FAT1, $OrphanFiles: type v or V) are left out.
std::vector<FsEntry> parse_fls(std::string_view text);

/// Consecutive filesystem blocks (TSK's unit: a block, cluster or sector).
struct BlockRun {
  std::int64_t start = 0;
  std::int64_t length = 0;
  bool sparse = false;  ///< A hole: no blocks on disk.
};

/// Where one file's bytes are, from `istat -r`.
struct InodeLayout {
  std::int64_t size = 0;         ///< The file's size in bytes.
  std::vector<BlockRun> data;    ///< Its content, in file order.
  std::vector<BlockRun> metadata;  ///< Indirect and extent blocks, other non-resident attributes.
};

/// Reads `istat -r` output of the entry `id`. Data: the "Direct Blocks" or
/// "Sectors" runs (ext, FAT, exFAT), or on NTFS the non-resident attribute
/// whose type and id end `id` ("128-2"; for a directory, 144, also its
/// $INDEX_ALLOCATION). Other $DATA streams are names of their own and
/// left out; every other run is metadata.
InodeLayout parse_istat(std::string_view text, std::string_view id);

/// The value after "Name: " on the first line of `fsstat` output that starts
/// with `name` (e.g. "Cluster Size"), as an integer; nullopt when missing.
std::optional<std::int64_t> fsstat_number(std::string_view text, std::string_view name);

/// ext2/3/4 inode tables from `fsstat`: the first block of each group's
/// inode table, in group order ("Inode Table: 35 - 290").
std::vector<std::int64_t> fsstat_inode_tables(std::string_view text);

}  // namespace ptrescue
