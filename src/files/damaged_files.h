// SPDX-License-Identifier: GPL-3.0-or-later
// Which files of an image are damaged: for every volume (files/volumes.h),
// every live name The Sleuth Kit lists, the bytes of its data and of its
// metadata that lie in sectors the mapfile does not mark rescued. TSK runs on
// the image as it is: where a sector was never rescued it reads what the
// image holds there, so names in lost directories may be missing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/files/volumes.h"
#include "src/mapfile/mapfile.h"

namespace ptrescue {

struct FileDamage {
  std::string path;   ///< From the filesystem's root, starting with '/'.
  char type = 'r';    ///< fls's type: 'r' file, 'd' directory, ...
  std::string id;     ///< TSK's metadata address (inode, MFT entry-type-id).
  std::int64_t size = 0;
  std::int64_t missing_bytes = 0;           ///< Of its content, not rescued.
  std::int64_t metadata_missing_bytes = 0;  ///< Of its inode/entry, indirect or extent blocks.
  /// Non-empty when its record (inode, MFT entry, parent directory) could
  /// not be read from the image: TSK's complaint. Its size and blocks are
  /// then unknown, and it is damaged.
  std::string unreadable;
  bool damaged() const { return missing_bytes > 0 || metadata_missing_bytes > 0 || !unreadable.empty(); }
};

struct VolumeFiles {
  Volume volume;
  std::string error;  ///< Non-empty when the volume could not be read (no filesystem, TSK failed).
  std::vector<FileDamage> files;
};

/// Runs fls/istat/fsstat on `image` for each of its volumes. Throws
/// std::runtime_error when the image cannot be opened; a volume TSK cannot
/// read is reported in its `error`.
std::vector<VolumeFiles> assess_files(const std::string& image, const MapFile& map);

}  // namespace ptrescue
