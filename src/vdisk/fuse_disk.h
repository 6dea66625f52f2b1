// SPDX-License-Identifier: GPL-3.0-or-later
// The FUSE side of the virtual disk: a read-only filesystem holding one file,
// MOUNTPOINT/disk, whose reads go to a ReadThrough. Single-threaded (one
// request at a time, so the drive sees one command at a time, and a hung
// drive is bounded by the ReadThrough's deadline).
#pragma once

#include <string>

#include "src/vdisk/read_through.h"

namespace ptrescue {

/// Mounts, serves requests until unmounted (fusermount3 -u, umount) or until
/// SIGINT, SIGTERM or SIGHUP, then unmounts. Throws std::runtime_error when
/// the mount fails.
void serve_virtual_disk(const std::string& mountpoint, ReadThrough& disk);

/// The name of the one file under the mount point.
inline constexpr const char* kVirtualDiskName = "disk";

}  // namespace ptrescue
