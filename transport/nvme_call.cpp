// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/nvme_call.h"

#include <sys/ioctl.h>
#include <linux/nvme_ioctl.h>

#include <algorithm>

#include "commands/allow_list.h"

namespace ptrescue {

NvmeCall::NvmeCall(int fd, const commands::NvmeCommand& cmd, Millis timeout, bool io64, AlignedBuffer buffer)
    : fd_(fd), cmd_(cmd), timeout_(timeout), io64_(io64),
      data_(buffer.size() >= cmd.transfer_bytes && buffer.size() > 0
                ? std::move(buffer)
                : AlignedBuffer(std::max<std::uint32_t>(cmd.transfer_bytes, 1))) {
  if (auto reason = commands::why_refused(cmd_)) refusal_ = "command refused: " + *reason;
}

int NvmeCall::run(SysIo& io) {
  if (refusal_) return kRefused;
  // The kernel applies timeout_ms as given (no lower bound, unlike
  // SG_IO on a block node); 0 would mean its default.
  const auto timeout_ms = static_cast<std::uint32_t>(std::max<std::int64_t>(1, timeout_.count()));
  const auto addr = reinterpret_cast<std::uintptr_t>(data_.data());
  if (io64_ && !cmd_.admin) {
    nvme_passthru_cmd64 p{};
    fill(p, addr, timeout_ms);
    return io.ioctl(fd_, NVME_IOCTL_IO64_CMD, &p);
  }
  nvme_passthru_cmd p{};
  fill(p, addr, timeout_ms);
  return io.ioctl(fd_, cmd_.admin ? NVME_IOCTL_ADMIN_CMD : NVME_IOCTL_IO_CMD, &p);
}

template <class P>
void NvmeCall::fill(P& p, std::uintptr_t addr, std::uint32_t timeout_ms) const {
  p.opcode = cmd_.opcode;
  p.nsid = cmd_.nsid;
  p.addr = cmd_.transfer_bytes > 0 ? addr : 0;
  p.data_len = cmd_.transfer_bytes;
  p.cdw10 = cmd_.cdw10;
  p.cdw11 = cmd_.cdw11;
  p.cdw12 = cmd_.cdw12;
  p.cdw13 = cmd_.cdw13;
  p.cdw14 = cmd_.cdw14;
  p.cdw15 = cmd_.cdw15;
  p.timeout_ms = timeout_ms;
}

}  // namespace ptrescue
