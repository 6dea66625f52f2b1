// SPDX-License-Identifier: GPL-3.0-or-later
// Which whole disks hold a file or a block device, found through sysfs:
// a partition's disk, the disks under device-mapper and md devices (slaves/),
// and the disk holding a loop device's backing file. The preflight uses it to
// refuse writing the image onto the failing disk it is rescuing.
//
// sysfs (Documentation/ABI/stable/sysfs-block, sysfs-dev): /sys/dev/block/MAJ:MIN
// links to the device's folder; a partition's folder has a "partition" file
// and sits inside its disk's folder; "slaves/" lists the devices a dm or md
// device is built on, "holders/" the dm and md devices built on this one;
// "dm/name" is a device-mapper device's name (LVM's "vg-lv");
// "loop/backing_file" holds a loop device's file path (a loop device set up
// on a block device is not listed in that device's holders/, so the loop
// devices are searched by what their backing file is).
// /sys/dev/char/MAJ:MIN links to a char device's folder: an sg node's
// "device/block/" names the SCSI disk behind it; an NVMe generic node
// ngXnY is the namespace nvmeXnY, a controller nvmeX has namespaces nvmeXnY
// below it (or, with native multipath, beside it in its nvme-subsys folder).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "src/engine/mount_table.h"

namespace ptrescue {

class BlockTopology {
 public:
  /// `sysfs_root` is "/sys" on a real system; tests pass a fake tree.
  explicit BlockTopology(std::string sysfs_root = "/sys");

  /// The names of the whole disks ("sda", "nvme0n1") device `dev` lives on.
  /// Empty when sysfs does not know it (tmpfs, overlay, network filesystems).
  std::set<std::string> disks_of_device(dev_t dev) const;

  /// The disks a path lives on: for a block device, the device itself; for
  /// anything else, the filesystem holding it (its folder's, if the path does
  /// not exist yet). Empty when unknown.
  std::set<std::string> disks_of_path(const std::string& path) const;

  /// The device a path means: st_rdev of a block device, else st_dev of the
  /// path (or of its folder if it does not exist). False if neither exists.
  static bool device_of_path(const std::string& path, dev_t* dev, bool* is_block_device);

  /// What keeps block device `dev` in use, one phrase each: the md and
  /// device-mapper (LVM, crypt) devices built on it or on its partitions
  /// ("sda2 is held by dm-0 (vg-root)"), and the mount points of it, of its
  /// partitions and of every device built on them ("sda1 is mounted at
  /// /boot"). Empty when nothing is seen or sysfs does not know `dev`.
  /// Loop devices set up on it or on a partition of it count too ("loop0 is
  /// held by loop1 (a loop device on it)"), and what is built on them.
  std::vector<std::string> uses_of_device(dev_t dev, const MountTable& mounts) const;

  /// The block devices a char device node stands for: the disk behind an sg
  /// node, the namespace of an NVMe generic node, the namespaces of an NVMe
  /// controller. Empty when sysfs shows none (or `dev` is no such node).
  std::vector<dev_t> block_devices_of_char(dev_t dev) const;

  /// Size in bytes of a block device from sysfs ("size" counts 512-byte units); -1 if unknown.
  std::int64_t device_size(dev_t dev) const;

 private:
  std::set<std::string> disks_of_folder(const std::string& folder, int depth) const;
  std::set<std::string> disks_of_device(dev_t dev, int depth) const;
  void collect_uses(const std::filesystem::path& folder, const MountTable& mounts, int depth,
                    std::set<std::filesystem::path>& seen, std::vector<std::string>& uses) const;
  std::vector<std::filesystem::path> loops_backed_by(dev_t dev) const;

  std::string root_;
};

}  // namespace ptrescue
