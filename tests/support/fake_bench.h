// SPDX-License-Identifier: GPL-3.0-or-later
// A test bench for the pass-through back ends: a fake kernel (FakeSysIo), a
// fake sysfs tree in a temporary folder, and helpers that plug fake drives
// in as /dev/sdX + /dev/sgN or /dev/nvmeXnY + /dev/ngXnY + /dev/nvmeX.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "support/fake_nvme.h"
#include "support/fake_sg_target.h"
#include "support/fake_sys_io.h"
#include "support/fake_sysfs.h"
#include "support/temp_dir.h"
#include "transport/device.h"
#include "transport/pass_through_options.h"

namespace ptrescue::test {

/// Pass-through reads leave their data in the command's own buffer
/// (ReadOutcome::data): copies it into `buf`, where the tests look.
inline ReadOutcome delivered_into(ReadOutcome r, std::vector<std::byte>& buf) {
  if (!r.data.empty()) std::memcpy(buf.data(), r.data.data(), std::min(buf.size(), r.data.size()));
  return r;
}

/// A block node that must not be used for pass-through (SG_IO there raises
/// timeouts below 7 s to 7 s): every ioctl fails, and tests check it was
/// never opened.
class FakeBlockNode final : public FakeNode {
 public:
  int ioctl(unsigned long, void*) override { return -ENOTTY; }
};

class FakeBench {
 public:
  FakeBench() : sysfs(dir.path()) {}

  /// Plugs `target` in as SCSI host `host`: /dev/<block> (8:minor, when not
  /// empty) and /dev/sg<sg>. Returns the sg node's driver.
  std::shared_ptr<FakeSgNode> attach_scsi(int host, const std::string& block, unsigned minor, int sg,
                                          std::shared_ptr<ScsiTarget> target) {
    sysfs.add_scsi_disk(host, block, minor, sg);
    if (!block.empty()) io.add_node("/dev/" + block, S_IFBLK, 8, minor, std::make_shared<FakeBlockNode>());
    auto node = std::make_shared<FakeSgNode>(std::move(target));
    io.add_node("/dev/sg" + std::to_string(sg), S_IFCHR, 21, static_cast<unsigned>(sg), node);
    return node;
  }
  void detach_scsi(int host, const std::string& block, unsigned minor, int sg) {
    sysfs.remove_scsi_disk(host, block, minor, sg);
    if (!block.empty()) io.remove_node("/dev/" + block);
    io.remove_node("/dev/sg" + std::to_string(sg));
  }

  /// Plugs `nvme` in as controller `ctrl`: /dev/nvme<ctrl>, its namespace
  /// /dev/nvme<ctrl>n<nsid> and /dev/ng<ctrl>n<nsid>.
  void attach_nvme(int ctrl, std::shared_ptr<FakeNvme> nvme) {
    const auto c = static_cast<unsigned>(ctrl);
    sysfs.add_nvme(ctrl, nvme->nsid, nvme->serial);
    const std::string name = "nvme" + std::to_string(ctrl);
    io.add_node("/dev/" + name, S_IFCHR, 240, c, std::make_shared<FakeNvmeControllerNode>(nvme));
    io.add_node("/dev/" + name + "n" + std::to_string(nvme->nsid), S_IFBLK, 259, c,
                std::make_shared<FakeNvmeNamespaceNode>(nvme));
    io.add_node("/dev/ng" + std::to_string(ctrl) + "n" + std::to_string(nvme->nsid), S_IFCHR, 241, c,
                std::make_shared<FakeNvmeNamespaceNode>(nvme));
  }
  void detach_nvme(int ctrl, std::uint32_t nsid) {
    sysfs.remove_nvme(ctrl, nsid);
    const std::string name = "nvme" + std::to_string(ctrl);
    io.remove_node("/dev/" + name);
    io.remove_node("/dev/" + name + "n" + std::to_string(nsid));
    io.remove_node("/dev/ng" + std::to_string(ctrl) + "n" + std::to_string(nsid));
  }

  /// Options pointing at the fake sysfs, with short waits.
  PassThroughOptions options() const {
    PassThroughOptions o;
    o.paths = sysfs.paths();
    o.ready_wait = std::chrono::seconds(5);
    o.ready_interval = std::chrono::milliseconds(100);
    o.power_cycle.wait = std::chrono::seconds(30);
    o.power_cycle.interval = std::chrono::seconds(1);
    return o;
  }

  bool opened(const std::string& path) {
    for (const auto& p : io.opened_paths())
      if (p == path) return true;
    return false;
  }

  TempDir dir;
  FakeSysfs sysfs;
  FakeSysIo io;
};

}  // namespace ptrescue::test
