// SPDX-License-Identifier: GPL-3.0-or-later
// NvmeDevice::native_capacity(): an NVMe namespace hides nothing past its
// size (NSZE is what the host reads); what it can tell is how much of that
// size may be allocated (NCAP, below NSZE on a thinly provisioned
// namespace) and is (NUSE), from Identify Namespace.
#include <fmt/format.h>

#include "commands/nvme.h"
#include "transport/nvme_device.h"

namespace ptrescue {

NativeCapacity NvmeDevice::native_capacity(Millis timeout) {
  using namespace commands;
  NativeCapacity c;
  c.supported = true;
  std::string why;
  const auto data = admin(nvme_identify_namespace(nsid_), why, timeout);
  const auto ns = data ? parse_identify_namespace(*data) : std::nullopt;
  if (!ns) {
    c.notes.push_back(fmt::format("Identify Namespace {}: {}", nsid_, data ? "no usable data" : why));
    return c;
  }
  c.user_max_lba = ns->size_blocks - 1;
  c.nvme_nsze = ns->size_blocks;
  c.nvme_ncap = ns->capacity_blocks;
  c.nvme_nuse = ns->utilization_blocks;
  return c;
}

}  // namespace ptrescue
