// SPDX-License-Identifier: GPL-3.0-or-later
// A small sysfs tree in a temporary folder, laid out like Linux 6.1's for
// SCSI disks (sd + sg) and NVMe controllers/namespaces, so node lookups can
// be tested without the devices.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "transport/node_lookup.h"

namespace ptrescue::test {

class FakeSysfs {
 public:
  explicit FakeSysfs(const std::string& dir) : root_(std::filesystem::path(dir) / "sys") {
    std::filesystem::create_directories(root_);
  }

  NodePaths paths() const { return NodePaths{root_.string(), "/dev"}; }
  const std::filesystem::path& root() const { return root_; }

  /// A SCSI disk at H:0:0:0 with block node `block` (8:minor) and sg node
  /// sg<sg_index> (21:sg_index). Empty `block`: an sg node only; sg_index
  /// < 0: no sg node (the sg driver is not loaded).
  void add_scsi_disk(int host, const std::string& block, unsigned block_minor, int sg_index,
                     int type = 0, unsigned max_hw_kb = 512) {
    namespace fs = std::filesystem;
    const fs::path dev = scsi_device_dir(host);
    fs::create_directories(dev);
    write(dev / "type", std::to_string(type));
    write(dev / "scsi_level", "6");
    if (!block.empty()) {
      const fs::path b = dev / "block" / block;
      fs::create_directories(b / "queue");
      write(b / "dev", "8:" + std::to_string(block_minor));
      write(b / "queue" / "max_hw_sectors_kb", std::to_string(max_hw_kb));
      link(b / "device", dev);
      link(root_ / "dev" / "block" / ("8:" + std::to_string(block_minor)), b);
      link(root_ / "class" / "block" / block, b);
    }
    if (sg_index >= 0) {
      const std::string sg = "sg" + std::to_string(sg_index);
      const fs::path s = dev / "scsi_generic" / sg;
      fs::create_directories(s);
      write(s / "dev", "21:" + std::to_string(sg_index));
      link(s / "device", dev);
      link(root_ / "dev" / "char" / ("21:" + std::to_string(sg_index)), s);
      link(root_ / "class" / "scsi_generic" / sg, s);
    }
  }
  void remove_scsi_disk(int host, const std::string& block, unsigned block_minor, int sg_index) {
    namespace fs = std::filesystem;
    fs::remove_all(scsi_device_dir(host));
    if (!block.empty()) {
      fs::remove(root_ / "dev" / "block" / ("8:" + std::to_string(block_minor)));
      fs::remove(root_ / "class" / "block" / block);
    }
    if (sg_index >= 0) {
      fs::remove(root_ / "dev" / "char" / ("21:" + std::to_string(sg_index)));
      fs::remove(root_ / "class" / "scsi_generic" / ("sg" + std::to_string(sg_index)));
    }
  }
  /// Puts SCSI host `host` (added after) on a USB device: port 1 of
  /// bus `bus` as device `devnum`, its interface N-1:1.0 bound to `driver`
  /// ("uas", "usb-storage"), as usb-storage and uas lay it out.
  void put_on_usb(int host, unsigned bus, unsigned devnum, const std::string& driver) {
    namespace fs = std::filesystem;
    const std::string port = std::to_string(bus) + "-1";
    const fs::path dev = root_ / "devices" / "pci0000:00" / "0000:00:04.0" / ("usb" + std::to_string(bus)) / port;
    fs::create_directories(dev / (port + ":1.0"));
    write(dev / "busnum", std::to_string(bus));
    write(dev / "devnum", std::to_string(devnum));
    fs::create_directories(root_ / "bus" / "usb" / "drivers" / driver);
    link(dev / (port + ":1.0") / "driver", root_ / "bus" / "usb" / "drivers" / driver);
    usb_hosts_[host] = dev / (port + ":1.0");
  }
  /// Partition `part` (8:minor) of the disk `block` added before.
  void add_partition(int host, const std::string& block, const std::string& part, unsigned minor) {
    namespace fs = std::filesystem;
    const fs::path p = scsi_device_dir(host) / "block" / block / part;
    fs::create_directories(p);
    write(p / "partition", "1");
    link(root_ / "dev" / "block" / ("8:" + std::to_string(minor)), p);
  }
  /// A block device outside SCSI and NVMe (virtio-blk "vda", 254:minor).
  void add_plain_block(const std::string& name, unsigned maj, unsigned minor) {
    namespace fs = std::filesystem;
    const fs::path b = root_ / "devices" / "pci0000:00" / "virtio0" / "block" / name;
    fs::create_directories(b);
    link(root_ / "dev" / "block" / (std::to_string(maj) + ":" + std::to_string(minor)), b);
  }

  /// NVMe controller nvme<ctrl> (char 240:ctrl) with namespace `nsid` as
  /// block node nvme<ctrl>n<nsid> (259:ctrl) and char node ng<ctrl>n<nsid>
  /// (241:ctrl).
  void add_nvme(int ctrl, std::uint32_t nsid, const std::string& serial, unsigned max_hw_kb = 512) {
    namespace fs = std::filesystem;
    const std::string c = "nvme" + std::to_string(ctrl);
    const std::string ns = c + "n" + std::to_string(nsid);
    const std::string ng = "ng" + std::to_string(ctrl) + "n" + std::to_string(nsid);
    const fs::path cd = nvme_controller_dir(ctrl);
    fs::create_directories(cd / ns / "queue");
    fs::create_directories(cd / ng);
    write(cd / "serial", serial + "        ");  // sysfs pads like the Identify field
    write(cd / ns / "nsid", std::to_string(nsid));
    write(cd / ns / "queue" / "max_hw_sectors_kb", std::to_string(max_hw_kb));
    link(root_ / "class" / "nvme" / c, cd);
    link(root_ / "class" / "block" / ns, cd / ns);
    link(root_ / "class" / "nvme-generic" / ng, cd / ng);
    link(root_ / "dev" / "char" / ("240:" + std::to_string(ctrl)), cd);
    link(root_ / "dev" / "block" / ("259:" + std::to_string(ctrl)), cd / ns);
    link(root_ / "dev" / "char" / ("241:" + std::to_string(ctrl)), cd / ng);
  }
  void remove_nvme(int ctrl, std::uint32_t nsid) {
    namespace fs = std::filesystem;
    const std::string c = "nvme" + std::to_string(ctrl);
    fs::remove_all(nvme_controller_dir(ctrl));
    fs::remove(root_ / "class" / "nvme" / c);
    fs::remove(root_ / "class" / "block" / (c + "n" + std::to_string(nsid)));
    fs::remove(root_ / "class" / "nvme-generic" / ("ng" + std::to_string(ctrl) + "n" + std::to_string(nsid)));
    fs::remove(root_ / "dev" / "char" / ("240:" + std::to_string(ctrl)));
    fs::remove(root_ / "dev" / "block" / ("259:" + std::to_string(ctrl)));
    fs::remove(root_ / "dev" / "char" / ("241:" + std::to_string(ctrl)));
  }

 private:
  std::filesystem::path scsi_device_dir(int host) const {
    const std::string h = std::to_string(host);
    if (auto u = usb_hosts_.find(host); u != usb_hosts_.end())
      return u->second / ("host" + h) / ("target" + h + ":0:0") / (h + ":0:0:0");
    return root_ / "devices" / "pci0000:00" / ("host" + h) / ("target" + h + ":0:0") / (h + ":0:0:0");
  }
  std::filesystem::path nvme_controller_dir(int ctrl) const {
    return root_ / "devices" / "pci0000:00" / ("0000:00:0" + std::to_string(ctrl) + ".0") / "nvme" /
           ("nvme" + std::to_string(ctrl));
  }
  static void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p) << text << "\n";
  }
  static void link(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::filesystem::create_directories(from.parent_path());
    std::filesystem::remove(from);
    std::filesystem::create_directory_symlink(to, from);
  }

  std::filesystem::path root_;
  std::map<int, std::filesystem::path> usb_hosts_;
};

}  // namespace ptrescue::test
