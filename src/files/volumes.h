// SPDX-License-Identifier: GPL-3.0-or-later
// The filesystems of an image: a bare filesystem, or the partitions of an
// MBR or GPT disk, found with libblkid's superblock and partition probes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptrescue {

struct Volume {
  int partition = 0;          ///< 1, 2, ... on a partitioned disk; 0 for a bare filesystem.
  std::int64_t offset = 0;    ///< First byte in the image.
  std::int64_t size = 0;      ///< Bytes.
  std::string type;           ///< libblkid's name ("ext4", "vfat", "exfat", "ntfs"); empty if none found.
  std::int64_t block_size = 0;  ///< libblkid's BLOCK_SIZE (0 if it gives none).
};

/// The volumes of the image file or device at `path`: one bare filesystem
/// when a filesystem starts at byte 0, else every partition of its table
/// (extended-partition containers left out), else nothing. Throws
/// std::runtime_error when it cannot be read.
std::vector<Volume> find_volumes(const std::string& path);

}  // namespace ptrescue
