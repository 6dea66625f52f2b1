// SPDX-License-Identifier: GPL-3.0-or-later
// A sysfs block tree like Linux's: /sys/devices/.../block/<disk>[/<part>]
// folders with their "dev" files, /sys/dev/block/MAJ:MIN links to them
// (relative, as the kernel makes them), and the slaves/ and holders/ links
// between a stacked device (dm, md) and the devices it is built on.
#pragma once

#include <filesystem>
#include <string>

#include "support/file_bytes.h"

namespace ptrescue::test {

class FakeBlockSysfs {
 public:
  explicit FakeBlockSysfs(const std::string& dir) : root_(std::filesystem::path(dir) / "sys") {
    std::filesystem::create_directories(root_ / "dev" / "block");
  }
  std::string root() const { return root_.string(); }

  /// A device folder `rel` (under devices/) known as maj:min.
  std::filesystem::path add(const std::string& rel, unsigned maj, unsigned min, bool partition = false) {
    namespace fs = std::filesystem;
    const fs::path folder = root_ / "devices" / rel;
    fs::create_directories(folder);
    write_file((folder / "dev").string(), std::to_string(maj) + ":" + std::to_string(min) + "\n");
    if (partition) write_file((folder / "partition").string(), "1\n");
    const fs::path link = root_ / "dev" / "block" / (std::to_string(maj) + ":" + std::to_string(min));
    fs::create_directory_symlink(fs::path("../../devices") / rel, link);
    return folder;
  }
  /// `folder` is built on `target_rel`: slaves/<target> here, holders/<this> there.
  void add_slave(const std::filesystem::path& folder, const std::string& target_rel) {
    namespace fs = std::filesystem;
    const fs::path target = root_ / "devices" / target_rel;
    fs::create_directories(folder / "slaves");
    fs::create_directory_symlink(fs::relative(target, folder / "slaves"), folder / "slaves" / target.filename());
    fs::create_directories(target / "holders");
    fs::create_directory_symlink(fs::relative(folder, target / "holders"), target / "holders" / folder.filename());
  }
  /// A device-mapper device's name (dm/name), as LVM sets it ("vg-root").
  void set_dm_name(const std::filesystem::path& folder, const std::string& name) {
    std::filesystem::create_directories(folder / "dm");
    write_file((folder / "dm" / "name").string(), name + "\n");
  }
  void set_backing_file(const std::filesystem::path& folder, const std::string& file) {
    std::filesystem::create_directories(folder / "loop");
    write_file((folder / "loop" / "backing_file").string(), file + "\n");
  }

 private:
  std::filesystem::path root_;
};

}  // namespace ptrescue::test
