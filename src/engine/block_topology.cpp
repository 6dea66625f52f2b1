// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/block_topology.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string_view>

#include <fmt/format.h>

namespace ptrescue {
namespace fs = std::filesystem;
namespace {

// Loop devices on files on loop devices... Real stacks are a few levels deep;
// the limit only guards against a cycle in a damaged or fake tree.
constexpr int kMaxDepth = 16;

std::string first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string parent_folder(const std::string& path) {
  const fs::path p(path);
  const fs::path parent = p.parent_path();
  return parent.empty() ? "." : parent.string();
}

/// The path in a loop device folder's loop/backing_file, without the
/// " (deleted)" the kernel appends once the file is gone; "" if none.
std::string backing_path_of(const fs::path& folder) {
  std::string backing = first_line(folder / "loop" / "backing_file");
  constexpr std::string_view kDeleted = " (deleted)";
  if (backing.size() > kDeleted.size() &&
      backing.compare(backing.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0)
    backing.resize(backing.size() - kDeleted.size());
  return backing;
}

std::string device_number_name(dev_t dev) { return fmt::format("{}:{}", major(dev), minor(dev)); }

/// "dm-0 (vg-root)" for a device-mapper device, else the kernel's name.
std::string label_of(const fs::path& folder) {
  const std::string dm_name = first_line(folder / "dm" / "name");
  const std::string name = folder.filename().string();
  return dm_name.empty() ? name : fmt::format("{} ({})", name, dm_name);
}

/// The device number in a sysfs device folder's "dev" file ("8:1").
bool device_of_folder(const fs::path& folder, dev_t* dev) {
  unsigned maj = 0, min = 0;
  char extra = 0;
  if (std::sscanf(first_line(folder / "dev").c_str(), "%u:%u%c", &maj, &min, &extra) != 2) return false;
  *dev = makedev(maj, min);
  return true;
}

/// The device's folder and its partitions' folders (which sit inside it).
std::vector<fs::path> with_partitions(const fs::path& folder) {
  std::vector<fs::path> out{folder};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (entry.is_directory(ec) && fs::exists(entry.path() / "partition", ec)) out.push_back(entry.path());
  return out;
}

/// The folders of the devices in `folder`/holders/.
std::vector<fs::path> holders_of(const fs::path& folder) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder / "holders", ec)) {
    const fs::path holder = fs::canonical(entry.path(), ec);
    if (!ec) out.push_back(holder);
  }
  return out;
}

}  // namespace

BlockTopology::BlockTopology(std::string sysfs_root) : root_(std::move(sysfs_root)) {}

bool BlockTopology::device_of_path(const std::string& path, dev_t* dev, bool* is_block_device) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    *is_block_device = S_ISBLK(st.st_mode);
    *dev = *is_block_device ? st.st_rdev : st.st_dev;
    return true;
  }
  *is_block_device = false;
  if (::stat(parent_folder(path).c_str(), &st) != 0) return false;
  *dev = st.st_dev;
  return true;
}

std::set<std::string> BlockTopology::disks_of_path(const std::string& path) const {
  dev_t dev{};
  bool blk = false;
  if (!device_of_path(path, &dev, &blk)) return {};
  return disks_of_device(dev, 0);
}

std::set<std::string> BlockTopology::disks_of_device(dev_t dev) const { return disks_of_device(dev, 0); }

std::set<std::string> BlockTopology::disks_of_device(dev_t dev, int depth) const {
  if (depth > kMaxDepth) return {};
  const fs::path link = fs::path(root_) / "dev" / "block" / fmt::format("{}:{}", major(dev), minor(dev));
  std::error_code ec;
  const fs::path folder = fs::canonical(link, ec);
  if (ec) return {};
  return disks_of_folder(folder.string(), depth);
}

std::set<std::string> BlockTopology::disks_of_folder(const std::string& folder_text, int depth) const {
  if (depth > kMaxDepth) return {};
  const fs::path folder(folder_text);
  std::error_code ec;
  // A partition: its disk is the folder it sits in (which may itself be an
  // md, dm or loop device, so resolve that too).
  if (fs::exists(folder / "partition", ec)) return disks_of_folder(folder.parent_path().string(), depth + 1);

  std::set<std::string> out;
  if (fs::is_directory(folder / "slaves", ec)) {
    for (const auto& entry : fs::directory_iterator(folder / "slaves", ec)) {
      const fs::path slave = fs::canonical(entry.path(), ec);
      if (ec) continue;
      const auto disks = disks_of_folder(slave.string(), depth + 1);
      out.insert(disks.begin(), disks.end());
    }
    if (!out.empty()) return out;
  }
  if (fs::exists(folder / "loop" / "backing_file", ec)) {
    const std::string backing = backing_path_of(folder);
    struct stat st {};
    if (!backing.empty() && ::stat(backing.c_str(), &st) == 0)
      return disks_of_device(S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev, depth + 1);
    return {};  // a loop device whose file we cannot find: unknown
  }
  return {folder.filename().string()};
}

std::vector<std::string> BlockTopology::uses_of_device(dev_t dev, const MountTable& mounts) const {
  const fs::path link = fs::path(root_) / "dev" / "block" / fmt::format("{}:{}", major(dev), minor(dev));
  std::error_code ec;
  const fs::path folder = fs::canonical(link, ec);
  if (ec) return {};
  std::set<fs::path> seen;
  std::vector<std::string> uses;
  collect_uses(folder, mounts, 0, seen, uses);
  return uses;
}

// Walks up the stack: the device and its partitions, then what holds each
// (an md array, an LVM volume, a crypt mapping), and so on. Only the first
// level's holders are named (the rest are built on them); mounts are named
// at every level, since a mounted LV is what the user will recognise.
void BlockTopology::collect_uses(const fs::path& folder, const MountTable& mounts, int depth,
                                 std::set<fs::path>& seen, std::vector<std::string>& uses) const {
  if (depth > kMaxDepth || !seen.insert(folder).second) return;
  for (const fs::path& node : with_partitions(folder)) {
    dev_t node_dev{};
    const bool numbered = device_of_folder(node, &node_dev);
    if (numbered)
      for (const std::string& point : mounts.mount_points_of(node_dev))
        uses.push_back(fmt::format("{} is mounted at {}", label_of(node), point));
    for (const fs::path& holder : holders_of(node)) {
      if (depth == 0) uses.push_back(fmt::format("{} is held by {}", label_of(node), label_of(holder)));
      collect_uses(holder, mounts, depth + 1, seen, uses);
    }
    if (!numbered) continue;
    for (const fs::path& loop : loops_backed_by(node_dev)) {
      if (depth == 0)
        uses.push_back(fmt::format("{} is held by {} (a loop device on it)", label_of(node), label_of(loop)));
      collect_uses(loop, mounts, depth + 1, seen, uses);
    }
  }
}

// The kernel lists no holder for a loop device's backing device, so every
// loop device's backing file is looked at: few exist, and stat() of a
// device node is cheap. Matched by device number, so any spelling of the
// node (/dev/disk/by-id/..., a copy made with mknod) is found.
std::vector<fs::path> BlockTopology::loops_backed_by(dev_t dev) const {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(root_) / "dev" / "block", ec)) {
    const fs::path folder = fs::canonical(entry.path(), ec);
    if (ec || !fs::exists(folder / "loop" / "backing_file", ec)) continue;
    const std::string backing = backing_path_of(folder);
    struct stat st {};
    if (!backing.empty() && ::stat(backing.c_str(), &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == dev)
      out.push_back(folder);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<dev_t> BlockTopology::block_devices_of_char(dev_t dev) const {
  std::error_code ec;
  const fs::path folder = fs::canonical(fs::path(root_) / "dev" / "char" / device_number_name(dev), ec);
  if (ec) return {};
  std::vector<fs::path> blocks;
  // An sg node: device/ is its SCSI device, whose block/ holds the disk (sd).
  for (const auto& entry : fs::directory_iterator(folder / "device" / "block", ec)) blocks.push_back(entry.path());
  const std::string name = folder.filename().string();
  const fs::path class_block = fs::path(root_) / "class" / "block";
  std::smatch m;
  if (std::regex_match(name, m, std::regex("ng([0-9]+)n([0-9]+)"))) {
    blocks.push_back(class_block / fmt::format("nvme{}n{}", m[1].str(), m[2].str()));
  } else if (std::regex_match(name, std::regex("nvme[0-9]+"))) {
    for (const auto& entry : fs::directory_iterator(class_block, ec)) {
      if (!std::regex_match(entry.path().filename().string(), std::regex("nvme[0-9]+n[0-9]+"))) continue;
      const fs::path ns = fs::canonical(entry.path(), ec);
      if (ec) continue;
      const fs::path parent = ns.parent_path();
      const bool in_subsystem = parent.filename().string().rfind("nvme-subsys", 0) == 0 && fs::exists(parent / name, ec);
      if (parent == folder || in_subsystem) blocks.push_back(ns);
    }
  }
  std::vector<dev_t> out;
  for (const fs::path& block : blocks) {
    dev_t block_dev{};
    if (device_of_folder(block, &block_dev)) out.push_back(block_dev);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::int64_t BlockTopology::device_size(dev_t dev) const {
  const fs::path link = fs::path(root_) / "dev" / "block" / fmt::format("{}:{}", major(dev), minor(dev));
  const std::string text = first_line(link / "size");
  if (text.empty()) return -1;
  try {
    return static_cast<std::int64_t>(std::stoll(text)) * 512;
  } catch (...) {
    return -1;
  }
}

}  // namespace ptrescue
