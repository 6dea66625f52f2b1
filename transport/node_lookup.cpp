// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/node_lookup.h"

#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "base/text_file.h"

namespace ptrescue {

namespace fs = std::filesystem;

namespace {

constexpr unsigned kScsiGenericMajor = 21;  // include/uapi/linux/major.h SCSI_GENERIC_MAJOR

std::string trimmed(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c) && c != '\0'; };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// An attribute that is missing or unreadable is no answer, not an error.
std::optional<std::string> read_attribute(const fs::path& p) {
  try {
    return trimmed(read_whole_file(p.string()));
  } catch (const FileReadError&) {
    return std::nullopt;
  }
}

std::optional<fs::path> canonical_dir(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::canonical(p, ec);
  if (ec) return std::nullopt;
  return c;
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    // sg2 before sg10.
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return names;
}

bool matches(const std::string& name, const char* pattern) {
  return std::regex_match(name, std::regex(pattern));
}

/// The controller ("nvme0") of an NVMe namespace's sysfs directory.
std::string nvme_controller_of(const fs::path& ns_dir) {
  const fs::path parent = ns_dir.parent_path();
  const std::string p = parent.filename().string();
  if (matches(p, "nvme[0-9]+")) return p;
  // With native NVMe multipath (Debian's default) the namespace hangs off
  // its subsystem, which lists its controllers.
  if (p.rfind("nvme-subsys", 0) == 0)
    for (const std::string& e : entries(parent))
      if (matches(e, "nvme[0-9]+")) return e;
  std::smatch m;
  const std::string name = ns_dir.filename().string();
  if (std::regex_match(name, m, std::regex("(?:nvme|ng)([0-9]+)n[0-9]+"))) return "nvme" + m[1].str();
  return {};
}

std::string dev_path(const NodePaths& paths, const std::string& name) {
  return paths.dev_root + "/" + name;
}

}  // namespace

ResolvedNode resolve_node(SysIo& io, const std::string& path, const NodePaths& paths) {
  ResolvedNode n;
  n.path = path;
  struct stat st {};
  if (const int r = io.stat(path, st); r != 0)
    throw NodeLookupError(fmt::format("cannot open source '{}': {}", path, errno_text(r)));
  if (S_ISREG(st.st_mode)) {
    n.kind = NodeKind::kRegularFile;
    n.name = fs::path(path).filename().string();
    return n;
  }
  const bool block = S_ISBLK(st.st_mode);
  if (!block && !S_ISCHR(st.st_mode)) {
    n.kind = NodeKind::kOther;
    return n;
  }
  const unsigned maj = major(st.st_rdev), min = minor(st.st_rdev);
  const auto dir = canonical_dir(fs::path(paths.sysfs_root) / "dev" / (block ? "block" : "char") /
                                 fmt::format("{}:{}", maj, min));
  n.name = dir ? dir->filename().string() : fs::path(path).filename().string();
  if (dir) n.sysfs_dir = dir->string();

  if (block) {
    n.kind = NodeKind::kOtherBlock;
    if (!dir) return n;
    if (fs::exists(*dir / "partition")) {
      n.kind = NodeKind::kPartition;
      n.parent_name = dir->parent_path().filename().string();
      return n;
    }
    // scsi_level: an attribute only SCSI devices have; scsi_generic: the
    // sg driver's link, missing when the driver is not loaded.
    if (fs::exists(*dir / "device" / "scsi_generic") || fs::exists(*dir / "device" / "scsi_level")) {
      n.kind = NodeKind::kScsiDisk;
      n.block_name = n.name;
      const auto sg = entries(*dir / "device" / "scsi_generic");
      if (!sg.empty()) n.sg_path = dev_path(paths, sg.front());
      return n;
    }
    if (matches(n.name, "nvme[0-9]+n[0-9]+")) {
      n.kind = NodeKind::kNvmeNamespace;
      const std::string ctrl = nvme_controller_of(*dir);
      if (!ctrl.empty()) n.nvme_controller_path = dev_path(paths, ctrl);
    }
    return n;
  }

  const bool sg_parent = dir && dir->parent_path().filename() == "scsi_generic";
  if (maj == kScsiGenericMajor || sg_parent) {
    n.kind = NodeKind::kScsiGeneric;
    n.sg_path = path;
    if (dir) {
      const auto blocks = entries(*dir / "device" / "block");
      if (!blocks.empty()) n.block_name = blocks.front();
    }
    return n;
  }
  if (matches(n.name, "ng[0-9]+n[0-9]+")) {
    n.kind = NodeKind::kNvmeGeneric;
    const std::string ctrl = dir ? nvme_controller_of(*dir) : std::string();
    if (!ctrl.empty()) n.nvme_controller_path = dev_path(paths, ctrl);
    return n;
  }
  if (matches(n.name, "nvme[0-9]+")) {
    n.kind = NodeKind::kNvmeController;
    n.nvme_controller_path = path;
    return n;
  }
  n.kind = NodeKind::kOther;
  return n;
}

std::vector<std::string> list_sg_disks(const NodePaths& paths) {
  std::vector<std::string> out;
  const fs::path cls = fs::path(paths.sysfs_root) / "class" / "scsi_generic";
  for (const std::string& name : entries(cls)) {
    // SPC-5 PERIPHERAL DEVICE TYPE 00h: direct access block device.
    const auto type = read_attribute(cls / name / "device" / "type");
    if (type && *type == "0") out.push_back(dev_path(paths, name));
  }
  return out;
}

std::vector<std::string> list_nvme_namespaces(const NodePaths& paths) {
  std::vector<std::string> out;
  for (const std::string& name : entries(fs::path(paths.sysfs_root) / "class" / "block"))
    if (matches(name, "nvme[0-9]+n[0-9]+")) out.push_back(dev_path(paths, name));
  return out;
}

std::vector<std::string> nvme_controllers_with_serial(const std::string& serial,
                                                      const NodePaths& paths) {
  std::vector<std::string> out;
  const fs::path cls = fs::path(paths.sysfs_root) / "class" / "nvme";
  for (const std::string& name : entries(cls)) {
    const auto s = read_attribute(cls / name / "serial");
    if (s && *s == trimmed(serial)) out.push_back(name);
  }
  return out;
}

std::optional<std::string> nvme_namespace_node(const std::string& controller, std::uint32_t nsid,
                                               bool generic, const NodePaths& paths) {
  const fs::path cls = fs::path(paths.sysfs_root) / "class" / (generic ? "nvme-generic" : "block");
  for (const std::string& name : entries(cls)) {
    std::smatch m;
    if (!std::regex_match(name, m, std::regex(generic ? "ng[0-9]+n([0-9]+)" : "nvme[0-9]+n([0-9]+)")))
      continue;
    const auto dir = canonical_dir(cls / name);
    if (!dir || nvme_controller_of(*dir) != controller) continue;
    std::uint32_t id = static_cast<std::uint32_t>(std::stoul(m[1].str()));
    if (const auto attr = read_attribute(*dir / "nsid")) {
      try {
        id = static_cast<std::uint32_t>(std::stoul(*attr));
      } catch (const std::exception&) {
      }
    }
    if (id == nsid) return dev_path(paths, name);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> max_hw_transfer_bytes(const std::string& block_name,
                                                   const NodePaths& paths) {
  if (block_name.empty()) return std::nullopt;
  const auto kb = read_attribute(fs::path(paths.sysfs_root) / "class" / "block" / block_name /
                                 "queue" / "max_hw_sectors_kb");
  if (!kb) return std::nullopt;
  try {
    const std::uint64_t v = std::stoull(*kb);
    if (v == 0) return std::nullopt;
    return v * 1024;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace ptrescue
