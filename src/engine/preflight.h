// SPDX-License-Identifier: GPL-3.0-or-later
// Checks before a rescue: a block-device source not in use (mounted, or
// held by md, LVM or device-mapper), checked before anything is opened;
// then, before the first read, no destination (image, mapfile,
// reads log) on the same physical disk as the source, and room for the image.
// Each refusal is one line saying what was found and how to go on; -f turns
// the overridable ones into warnings (never writing a block device that is
// part of the source's disk).
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/engine/block_topology.h"

namespace ptrescue {

struct PreflightInput {
  std::string source;            ///< as typed
  bool source_is_path = true;    ///< false for sim: sources (nothing on disk to protect)
  std::string image, mapfile, reads_log;  ///< reads_log may be empty
  std::int64_t image_end = 0;    ///< image size once finished (bytes)
  std::int64_t domain_bytes = 0; ///< bytes the rescue may write into the image
  bool sparse = false;           ///< -S: a shortfall of space is a warning
  bool force = false;            ///< -f
};

struct PreflightReport {
  std::vector<std::string> refusals;
  std::vector<std::string> warnings;
};

/// Free bytes at a path (free_bytes_at; tests pass their own).
using FreeSpaceProbe = std::function<std::int64_t(const std::string&)>;

/// Runs every check. Paths that cannot be examined (no sysfs entry, a
/// network filesystem) are not refused: the checks protect against what they
/// can see.
PreflightReport check_destinations(const PreflightInput& in, const BlockTopology& topology,
                                   const FreeSpaceProbe& free_space = {});

/// The source check: a block-device source that is mounted, or held by md,
/// LVM, device-mapper or a loop device (directly or through a partition) is
/// refused, naming what holds it; -f makes it a warning. An sg or NVMe char
/// node is checked as the block devices sysfs maps it to. Anything else (a
/// file, sim:) passes.
PreflightReport check_source(const std::string& source, bool force, const BlockTopology& topology,
                             const MountTable& mounts);

/// The refusals, one per line (what() joins them with "\nptrescue: ").
class PreflightRefusal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Runs the checks, prints each warning as "ptrescue: warning: ..." to
/// `warnings`, and throws PreflightRefusal if anything is refused.
void enforce_preflight(const PreflightInput& in, const BlockTopology& topology, std::FILE* warnings);

/// check_source on this machine's /proc/self/mountinfo, enforced like
/// enforce_preflight: run before anything is created or the source opened.
void enforce_source_check(const std::string& source, bool force, const BlockTopology& topology,
                          std::FILE* warnings);

/// Free bytes for an unprivileged writer in the filesystem holding `path`
/// (its folder if it does not exist yet); -1 if unknown.
std::int64_t free_bytes_at(const std::string& path);

}  // namespace ptrescue
