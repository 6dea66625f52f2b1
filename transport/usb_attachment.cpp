// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/usb_attachment.h"

#include <filesystem>

#include <fmt/format.h>

#include "base/text_file.h"

namespace ptrescue {

namespace fs = std::filesystem;

namespace {

std::optional<unsigned> number_in(const fs::path& p) {
  try {
    return static_cast<unsigned>(std::stoul(read_whole_file(p.string())));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<UsbAttachment> usb_attachment_of_sg(const std::string& sg_name, const NodePaths& paths) {
  std::error_code ec;
  const fs::path root = fs::path(paths.sysfs_root);
  fs::path p = fs::canonical(root / "class" / "scsi_generic" / sg_name / "device", ec);
  if (ec) return std::nullopt;
  fs::path below;  // the child of p on the way up: the interface once p is the device
  for (; p.has_relative_path() && p != root && p != p.parent_path(); below = p, p = p.parent_path()) {
    const auto bus = number_in(p / "busnum");
    const auto dev = number_in(p / "devnum");
    if (!bus || !dev) continue;
    if (below.empty()) return std::nullopt;
    UsbAttachment a;
    a.device_dir = p.string();
    a.usbfs_node = fmt::format("{}/bus/usb/{:03}/{:03}", paths.dev_root, *bus, *dev);
    a.interface = below.filename().string();
    const fs::path drv = fs::canonical(below / "driver", ec);
    if (!ec) a.driver = drv.filename().string();
    return a;
  }
  return std::nullopt;
}

}  // namespace ptrescue
