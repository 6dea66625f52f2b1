// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/native_capacity.h"

#include <fmt/format.h>

namespace ptrescue {
namespace {

std::string lba_text(const std::optional<Lba>& lba) {
  return lba ? fmt::format("{} ({} sectors)", *lba, *lba + 1) : std::string("unknown");
}

std::string yes_no(const std::optional<bool>& b) { return b ? (*b ? "yes" : "no") : "unknown"; }

}  // namespace

std::vector<std::string> native_capacity_lines(const NativeCapacity& c) {
  std::vector<std::string> lines;
  if (c.nvme_nsze) {
    lines.push_back(fmt::format("namespace size (NSZE): {} blocks", *c.nvme_nsze));
    if (c.nvme_ncap) lines.push_back(fmt::format("namespace capacity (NCAP): {} blocks", *c.nvme_ncap));
    if (c.nvme_nuse) lines.push_back(fmt::format("namespace utilization (NUSE): {} blocks", *c.nvme_nuse));
    if (c.nvme_ncap)
      lines.push_back(fmt::format("capacity below size: {}", *c.nvme_ncap < *c.nvme_nsze ? "yes" : "no"));
  }
  if (c.supported && !c.nvme_nsze) {
    lines.push_back("user-visible max LBA: " + lba_text(c.user_max_lba));
    lines.push_back("native max LBA: " + lba_text(c.native_max_lba) +
                    (c.native_method.empty() ? "" : " (" + c.native_method + ")"));
    lines.push_back("HPA present: " + yes_no(c.hpa_present()));
    lines.push_back("DCO max LBA: " + lba_text(c.dco_max_lba));
    lines.push_back("DCO-restricted: " + yes_no(c.dco_restricted()));
  }
  for (const std::string& n : c.notes) lines.push_back("note: " + n);
  return lines;
}

std::string hidden_capacity_warning(const NativeCapacity& c, std::uint32_t sector_size) {
  const auto bytes = [&](std::uint64_t sectors) { return sectors * sector_size; };
  if (c.hpa_present() == true)
    return fmt::format(
        "the drive shows {} sectors ({} bytes) but holds {} natively ({} bytes, {}): a Host Protected Area hides "
        "the rest, which this rescue does not read",
        *c.user_max_lba + 1, bytes(*c.user_max_lba + 1), *c.native_max_lba + 1, bytes(*c.native_max_lba + 1),
        c.native_method);
  if (c.dco_restricted() == true)
    return fmt::format(
        "the drive's native size is {} sectors ({} bytes) but its factory configuration allows {} ({} bytes): a "
        "Device Configuration Overlay hides the rest, which this rescue does not read",
        *c.native_max_lba + 1, bytes(*c.native_max_lba + 1), *c.dco_max_lba + 1, bytes(*c.dco_max_lba + 1));
  return {};
}

}  // namespace ptrescue
