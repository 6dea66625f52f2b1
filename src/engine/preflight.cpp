// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/preflight.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "base/units.h"

namespace ptrescue {
namespace {

std::string folder_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

template <class Names>
std::string join(const Names& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

void check_same_disk(const PreflightInput& in, const BlockTopology& topology, std::string_view what,
                     const std::string& path, PreflightReport& report) {
  dev_t src_dev{}, dst_dev{};
  bool src_blk = false, dst_blk = false;
  if (!BlockTopology::device_of_path(in.source, &src_dev, &src_blk)) return;
  if (!BlockTopology::device_of_path(path, &dst_dev, &dst_blk)) return;
  const std::set<std::string> src_disks = topology.disks_of_device(src_dev);
  const std::set<std::string> dst_disks = topology.disks_of_device(dst_dev);
  std::set<std::string> common;
  std::set_intersection(src_disks.begin(), src_disks.end(), dst_disks.begin(), dst_disks.end(),
                        std::inserter(common, common.end()));
  // Same device number: a file next to a file source, or a file on the
  // filesystem of a partition being rescued. Caught even where sysfs is blind.
  const bool same_device = src_dev == dst_dev;
  if (common.empty() && !same_device) return;
  // A regular-file source is an image being re-imaged, not a failing disk:
  // writing beside it wears nothing. Only a block-device destination, which
  // would overwrite the filesystem holding the source, is refused then.
  if (!src_blk && !dst_blk) return;

  const std::string where =
      !common.empty()
          ? fmt::format("is on disk {}, the disk the source '{}' is on", join(common), in.source)
          : src_blk ? fmt::format("is on the source '{}' itself", in.source)
                    : fmt::format("is on the same filesystem as the source file '{}'", in.source);
  if (dst_blk) {
    report.refusals.push_back(fmt::format(
        "refusing to write the {} '{}': this block device {}; writing it would destroy the source, choose a destination on another disk",
        what, path, where));
    return;
  }
  if (in.force) {
    report.warnings.push_back(fmt::format("the {} '{}' {} (allowed by -f)", what, path, where));
    return;
  }
  report.refusals.push_back(fmt::format(
      "refusing to write the {} '{}': it {}; writing to a failing disk wears it further, so put it on another disk (or add -f if that disk is healthy)",
      what, path, where));
}

void check_space(const PreflightInput& in, const BlockTopology& topology, const FreeSpaceProbe& free_space,
                 PreflightReport& report) {
  dev_t dev{};
  bool blk = false;
  if (!BlockTopology::device_of_path(in.image, &dev, &blk)) return;
  if (blk) {
    const std::int64_t size = topology.device_size(dev);
    if (size >= 0 && size < in.image_end)
      report.refusals.push_back(fmt::format(
          "the image device '{}' holds {} bytes but the rescue needs {}: choose a bigger device or limit the rescue with -s",
          in.image, size, in.image_end));
    return;
  }
  std::int64_t held = 0;
  struct stat st {};
  if (::stat(in.image.c_str(), &st) == 0) held = static_cast<std::int64_t>(st.st_blocks) * 512;
  const std::int64_t needed = std::max<std::int64_t>(0, in.domain_bytes - held);
  const std::int64_t free = free_space ? free_space(in.image) : free_bytes_at(in.image);
  if (free < 0 || needed <= free) return;
  const std::string found = fmt::format("'{}' has {} free but the image may need {} more",
                                        folder_of(in.image), format_size(free), format_size(needed));
  if (in.sparse)
    report.warnings.push_back(found + " (a sparse image needs less if the drive is mostly empty)");
  else if (in.force)
    report.warnings.push_back(found + " (allowed by -f)");
  else
    report.refusals.push_back(fmt::format(
        "not enough space for the image: {}; free some space or choose another folder (or use -S for a sparse image of a mostly empty drive, or -f to start anyway)",
        found));
}

/// Prints the warnings and throws the refusals as one PreflightRefusal.
void enforce(const PreflightReport& r, std::FILE* warnings) {
  for (const auto& w : r.warnings) fmt::print(warnings, "ptrescue: warning: {}\n", w);
  if (r.refusals.empty()) return;
  std::string text;
  for (const auto& line : r.refusals) text += (text.empty() ? "" : "\nptrescue: ") + line;
  throw PreflightRefusal(text);
}

}  // namespace

PreflightReport check_source(const std::string& source, bool force, const BlockTopology& topology,
                             const MountTable& mounts) {
  PreflightReport report;
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) return report;
  std::vector<std::string> uses;
  if (S_ISBLK(st.st_mode)) {
    uses = topology.uses_of_device(st.st_rdev, mounts);
  } else if (S_ISCHR(st.st_mode)) {
    // An sg or NVMe char node reads the same disk as its block device: the
    // same things keep it in use.
    for (const dev_t block : topology.block_devices_of_char(st.st_rdev)) {
      const std::vector<std::string> found = topology.uses_of_device(block, mounts);
      uses.insert(uses.end(), found.begin(), found.end());
    }
  }
  if (uses.empty()) return report;
  if (force)
    report.warnings.push_back(fmt::format("the source '{}' is in use: {} (allowed by -f; the copy may not be consistent)",
                                          source, join(uses)));
  else
    report.refusals.push_back(fmt::format(
        "refusing to rescue '{}': it is in use ({}); a disk in use changes under the copy and a failing one wears faster: unmount it and stop what holds it (or add -f to read it anyway)",
        source, join(uses)));
  return report;
}

void enforce_source_check(const std::string& source, bool force, const BlockTopology& topology,
                          std::FILE* warnings) {
  enforce(check_source(source, force, topology, MountTable::read("/proc/self/mountinfo")), warnings);
}

std::int64_t free_bytes_at(const std::string& path) {
  struct statvfs vfs {};
  if (::statvfs(path.c_str(), &vfs) != 0 && ::statvfs(folder_of(path).c_str(), &vfs) != 0) return -1;
  return static_cast<std::int64_t>(vfs.f_bavail) * static_cast<std::int64_t>(vfs.f_frsize);
}

PreflightReport check_destinations(const PreflightInput& in, const BlockTopology& topology,
                                   const FreeSpaceProbe& free_space) {
  PreflightReport report;
  if (in.source_is_path) {
    check_same_disk(in, topology, "image", in.image, report);
    check_same_disk(in, topology, "mapfile", in.mapfile, report);
    if (!in.reads_log.empty()) check_same_disk(in, topology, "reads log", in.reads_log, report);
  }
  check_space(in, topology, free_space, report);
  return report;
}

void enforce_preflight(const PreflightInput& in, const BlockTopology& topology, std::FILE* warnings) {
  enforce(check_destinations(in, topology), warnings);
}

}  // namespace ptrescue
