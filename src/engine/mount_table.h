// SPDX-License-Identifier: GPL-3.0-or-later
// Which block devices are mounted where, from /proc/self/mountinfo
// (proc(5), "/proc/pid/mountinfo"): field 3 is the mounted device's
// MAJ:MIN, field 5 the mount point with space, tab, newline and backslash
// written as octal escapes (\040 ...). The preflight uses it to refuse
// rescuing a disk that is in use.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ptrescue {

class MountTable {
 public:
  /// Parses mountinfo text; lines it cannot read are skipped.
  static MountTable parse(std::string_view mountinfo);
  /// Reads `path` ("/proc/self/mountinfo"); an unreadable file is an empty table.
  static MountTable read(const std::string& path);

  /// The mount points of device `dev`, in the file's order.
  std::vector<std::string> mount_points_of(dev_t dev) const;

 private:
  std::map<dev_t, std::vector<std::string>> points_;
};

}  // namespace ptrescue
