#include "src/engine/block_topology.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>
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
    std::string backing = first_line(folder / "loop" / "backing_file");
    constexpr std::string_view kDeleted = " (deleted)";
    if (backing.size() > kDeleted.size() &&
        backing.compare(backing.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0)
      backing.resize(backing.size() - kDeleted.size());
    struct stat st {};
    if (!backing.empty() && ::stat(backing.c_str(), &st) == 0)
      return disks_of_device(S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev, depth + 1);
    return {};  // a loop device whose file we cannot find: unknown
  }
  return {folder.filename().string()};
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
