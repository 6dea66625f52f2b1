// SPDX-License-Identifier: GPL-3.0-or-later
// A fake NVMe controller with one namespace, answering the Linux
// passthrough ioctls on its namespace node (NVME_IOCTL_ID, NVME_IOCTL_IO64_CMD,
// NVME_IOCTL_IO_CMD, NVME_IOCTL_ADMIN_CMD) and NVME_IOCTL_RESET on its
// controller node, the way the kernel returns them: the NVMe status field
// as a positive result (0x281 for an unrecovered read error, KERNEL-FACTS
// §3), -errno for the OS. A read of a hanging LBA blocks its (worker)
// thread until the test releases it or a controller reset cancels it
// (-EINTR, as the kernel does after its timeout handling).
#pragma once

#include <sys/ioctl.h>
#include <linux/nvme_ioctl.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <vector>

#include <scsi/sg_unaligned.h>

#include "commands/nvme_types.h"
#include "support/fake_sg_target.h"
#include "support/fake_sys_io.h"

namespace ptrescue::test {

class FakeNvme {
 public:
  FakeNvme(std::uint64_t blocks, std::string serial = "NVME-FAKE-01") : capacity(blocks), serial(std::move(serial)) {}

  std::uint64_t capacity;
  std::string serial;
  std::string model = "FAKE NVME SSD";
  std::uint32_t nsid = 1;
  std::uint8_t lbads = 9;        // 512-byte blocks
  std::uint16_t metadata = 0;    // bytes per block
  bool metadata_extended = false;
  std::uint8_t mdts = 5;         // 128 KiB
  bool io64 = true;              // NVME_IOCTL_IO64_CMD known (else ENOTTY)

  /// Test controls, under the lock.
  void set_gone(bool g) {
    std::lock_guard lk(m_);
    gone_ = g;
    cv_.notify_all();
  }
  bool gone() {
    std::lock_guard lk(m_);
    return gone_;
  }
  void add_bad(std::uint64_t lba) {
    std::lock_guard lk(m_);
    bad_.insert(lba);
  }
  void add_hang(std::uint64_t lba) {
    std::lock_guard lk(m_);
    hang_.insert(lba);
  }
  void clear_hang() {
    std::lock_guard lk(m_);
    hang_.clear();
  }
  /// Lets blocked reads finish with their data (status 0).
  void release_hung() {
    std::lock_guard lk(m_);
    release_ = 1;
    cv_.notify_all();
  }
  /// Waits (real time, bounded) until `n` reads are blocked.
  bool wait_blocked(int n) {
    std::unique_lock lk(m_);
    return cv_.wait_for(lk, std::chrono::seconds(10), [&] { return blocked_ >= n; });
  }
  int blocked() {
    std::lock_guard lk(m_);
    return blocked_;
  }
  int resets() {
    std::lock_guard lk(m_);
    return resets_;
  }
  /// CDW12 of every Read, in order.
  std::vector<std::uint32_t> read_cdw12() {
    std::lock_guard lk(m_);
    return cdw12_;
  }
  std::vector<std::uint32_t> timeouts() {
    std::lock_guard lk(m_);
    return timeouts_;
  }

  int namespace_ioctl(unsigned long request, void* arg) {
    if (request == NVME_IOCTL_ID) {
      std::lock_guard lk(m_);
      return gone_ ? -ENODEV : static_cast<int>(nsid);
    }
    if (request == NVME_IOCTL_ADMIN_CMD) return admin(*static_cast<nvme_passthru_cmd*>(arg));
    if (request == NVME_IOCTL_IO64_CMD) {
      if (!io64) return -ENOTTY;
      auto& c = *static_cast<nvme_passthru_cmd64*>(arg);
      return io(c.opcode, c.nsid, c.addr, c.data_len, c.cdw10, c.cdw11, c.cdw12, c.timeout_ms);
    }
    if (request == NVME_IOCTL_IO_CMD) {
      auto& c = *static_cast<nvme_passthru_cmd*>(arg);
      return io(c.opcode, c.nsid, c.addr, c.data_len, c.cdw10, c.cdw11, c.cdw12, c.timeout_ms);
    }
    return -ENOTTY;
  }

  int controller_ioctl(unsigned long request, void*) {
    if (request != NVME_IOCTL_RESET) return -ENOTTY;
    std::lock_guard lk(m_);
    if (gone_) return -ENODEV;
    ++resets_;
    release_ = -EINTR;  // the kernel cancels what the controller still held
    hang_.clear();
    cv_.notify_all();
    return 0;
  }

 private:
  int admin(nvme_passthru_cmd& c) {
    std::lock_guard lk(m_);
    if (gone_) return -ENODEV;
    if (c.opcode != nvme_admin_identify || c.data_len < 4096) return 0x4002;  // Invalid Field, DNR
    auto* p = reinterpret_cast<std::uint8_t*>(static_cast<std::uintptr_t>(c.addr));
    std::memset(p, 0, 4096);
    std::span<std::uint8_t> d(p, 4096);
    const std::uint32_t cns = c.cdw10 & 0xff;
    if (cns == NVME_IDENTIFY_CNS_CTRL) {
      sg_put_unaligned_le16(0x1b36, d.data());
      auto str = [&](std::size_t off, std::size_t len, const std::string& s) {
        std::memset(p + off, ' ', len);
        std::memcpy(p + off, s.data(), std::min(len, s.size()));
      };
      str(4, 20, serial);
      str(24, 40, model);
      str(64, 8, "1.0");
      d[77] = mdts;
      sg_put_unaligned_le32(0x00010400, d.data() + 80);
      sg_put_unaligned_le32(1, d.data() + 516);
      return 0;
    }
    if (cns == NVME_IDENTIFY_CNS_NS) {
      if (c.nsid != nsid) return 0x400b;  // Invalid Namespace
      sg_put_unaligned_le64(capacity, d.data());
      sg_put_unaligned_le64(capacity, d.data() + 8);
      d[25] = 0;                           // NLBAF: one format
      d[26] = metadata_extended ? 0x10 : 0x00;  // FLBAS
      sg_put_unaligned_le16(metadata, d.data() + 128);    // LBAF0.MS
      d[130] = lbads;                           // LBAF0.LBADS
      return 0;
    }
    return 0x4002;
  }

  int io(std::uint8_t opcode, std::uint32_t ns, std::uint64_t addr, std::uint32_t len, std::uint32_t cdw10,
         std::uint32_t cdw11, std::uint32_t cdw12, std::uint32_t timeout_ms) {
    std::unique_lock lk(m_);
    if (gone_) return -ENODEV;
    if (opcode != nvme_cmd_read || ns != nsid) return 0x4001;  // Invalid Opcode
    cdw12_.push_back(cdw12);
    timeouts_.push_back(timeout_ms);
    const std::uint64_t slba = cdw10 | (std::uint64_t{cdw11} << 32);
    const std::uint32_t nlb = (cdw12 & 0xffff) + 1;
    const std::uint32_t bs = (1u << lbads) + (metadata_extended ? metadata : 0);
    if (slba + nlb > capacity) return 0x80;  // LBA Out of Range
    if (std::uint64_t{nlb} * bs != len) return 0x4002;
    bool hangs = false;
    for (std::uint64_t l = slba; l < slba + nlb; ++l) {
      if (hang_.count(l)) hangs = true;
      else if (!hangs && bad_.count(l)) return 0x281;  // SCT 2 SC 81h Unrecovered Read Error
    }
    if (hangs) {
      ++blocked_;
      cv_.notify_all();
      release_ = 0;
      cv_.wait(lk, [&] { return release_ != 0 || gone_; });
      --blocked_;
      const int how = gone_ ? -ENODEV : release_;
      if (how < 0) return how;
    }
    auto* p = reinterpret_cast<std::uint8_t*>(static_cast<std::uintptr_t>(addr));
    for (std::uint32_t b = 0; b < nlb; ++b)
      for (std::uint32_t i = 0; i < bs; ++i)
        p[std::size_t{b} * bs + i] = i < (1u << lbads) ? sector_byte(slba + b, i) : 0xee;
    return 0;
  }

  std::mutex m_;
  std::condition_variable cv_;
  bool gone_ = false;
  std::set<std::uint64_t> bad_, hang_;
  int blocked_ = 0;
  int release_ = 0;
  int resets_ = 0;
  std::vector<std::uint32_t> cdw12_, timeouts_;
};

class FakeNvmeNamespaceNode final : public FakeNode {
 public:
  explicit FakeNvmeNamespaceNode(std::shared_ptr<FakeNvme> d) : d_(std::move(d)) {}
  int ioctl(unsigned long request, void* arg) override { return d_->namespace_ioctl(request, arg); }
  int open_error() override { return d_->gone() ? -ENODEV : 0; }

 private:
  std::shared_ptr<FakeNvme> d_;
};

class FakeNvmeControllerNode final : public FakeNode {
 public:
  explicit FakeNvmeControllerNode(std::shared_ptr<FakeNvme> d) : d_(std::move(d)) {}
  int ioctl(unsigned long request, void* arg) override { return d_->controller_ioctl(request, arg); }
  int open_error() override { return d_->gone() ? -ENODEV : 0; }

 private:
  std::shared_ptr<FakeNvme> d_;
};

}  // namespace ptrescue::test
