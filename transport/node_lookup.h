// SPDX-License-Identifier: GPL-3.0-or-later
// What a device node the user named really is, according to sysfs, and the
// node ptrescue must send its commands to: the sg node behind a SCSI disk
// (/dev/sda -> /dev/sg0; SG_IO on the block node raises every timeout below
// 7 s to 7 s, the sg node honours it, KERNEL-FACTS §4), the controller node
// behind an NVMe namespace (/dev/nvme0n1 -> /dev/nvme0, for resets).
// Nodes are matched by device number (stat st_rdev -> /sys/dev/{block,char}/
// MAJ:MIN), so /dev/disk/by-id/... links work. The sysfs and /dev roots are
// configurable so tests can build a fake tree.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "transport/sys_io.h"

namespace ptrescue {

struct NodePaths {
  std::string sysfs_root = "/sys";
  std::string dev_root = "/dev";
};

enum class NodeKind : std::uint8_t {
  kRegularFile,
  kScsiDisk,       ///< A SCSI block device (sd): /dev/sda.
  kScsiGeneric,    ///< An sg node: /dev/sg0.
  kNvmeNamespace,  ///< An NVMe namespace block device: /dev/nvme0n1.
  kNvmeGeneric,    ///< An NVMe namespace char device: /dev/ng0n1.
  kNvmeController, ///< An NVMe controller: /dev/nvme0 (not a source by itself).
  kPartition,      ///< A partition of a disk (not a pass-through source).
  kOtherBlock,     ///< Any other block device (dm, md, loop, virtio-blk, mmc...).
  kOther,          ///< Anything else.
};

struct ResolvedNode {
  NodeKind kind = NodeKind::kOther;
  std::string path;         ///< As the user gave it.
  std::string name;         ///< Kernel name: sda, sg0, nvme0n1, ng0n1, nvme0.
  std::string sysfs_dir;    ///< Canonical sysfs directory of the node.
  /// kScsiDisk / kScsiGeneric: the sg node commands go to ("" when the sg
  /// driver is not loaded), and the disk's block name ("" for an sg node
  /// without one).
  std::string sg_path;
  std::string block_name;
  /// kNvme*: the controller node (/dev/nvme0) and the namespace's kernel name.
  std::string nvme_controller_path;
  /// kPartition: the whole disk it belongs to (for the error message).
  std::string parent_name;
};

class NodeLookupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Classifies `path`. Throws NodeLookupError when it cannot be stat()ed.
ResolvedNode resolve_node(SysIo& io, const std::string& path, const NodePaths& paths = {});

/// Every sg node whose SCSI device is a disk (peripheral type 0), as
/// /dev/sgN paths: where a power-cycled drive may come back.
std::vector<std::string> list_sg_disks(const NodePaths& paths = {});

/// Every NVMe namespace block node (/dev/nvmeXnY): where an NVMe drive that
/// dropped off may come back.
std::vector<std::string> list_nvme_namespaces(const NodePaths& paths = {});

/// Every NVMe controller (kernel name "nvme0") whose sysfs `serial`
/// attribute equals `serial` (blanks trimmed).
std::vector<std::string> nvme_controllers_with_serial(const std::string& serial,
                                                      const NodePaths& paths = {});

/// The namespace node of controller `controller` ("nvme0") for namespace
/// `nsid`: /dev/ngXnY when `generic`, else the block node whose controller
/// is `controller`; nullopt when sysfs shows none.
std::optional<std::string> nvme_namespace_node(const std::string& controller, std::uint32_t nsid,
                                               bool generic, const NodePaths& paths = {});

/// The largest transfer the block queue of `block_name` ("sda",
/// "nvme0n1") takes in one command (queue/max_hw_sectors_kb, which also
/// bounds pass-through commands); nullopt when sysfs does not say.
std::optional<std::uint64_t> max_hw_transfer_bytes(const std::string& block_name,
                                                   const NodePaths& paths = {});

}  // namespace ptrescue
