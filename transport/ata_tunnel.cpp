// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/ata_tunnel.h"

#include <algorithm>

#include <fmt/format.h>

#include "commands/ata.h"

namespace ptrescue {

std::string AtaTunnel::distrust(const std::vector<std::uint8_t>& identify_page, const commands::AtaIdentity& id,
                                Millis timeout) const {
  using namespace commands;
  // ACS-4 word 255: with signature A5h the checksum makes the page sum to 0;
  // a bridge that garbles data in transit breaks it.
  if (id.checksum_ok == false)
    return fmt::format("the IDENTIFY DEVICE data fails its integrity word (word 255): the bridge garbles {} data",
                       name());
  // CK_COND (SAT-5): the SAT layer must return the ATA output registers with
  // RECOVERED ERROR, and they must read as a completed command (DRDY set,
  // BSY DF ERR clear). Without them a failed command's registers cannot be
  // trusted either (for a read: the failing LBA; for SMART: the verdict).
  SgDisk::Reply regs = run(ata_identify_device(), true, timeout);
  SgDisk::Reply page = regs;
  if (!regs.good) {
    // Some libata versions (Debian's 6.1.0-57 in the test bed) abort CK_COND
    // on a PIO data-in command only: a non-data command asks the SAT layer
    // the same, and the page is read again without it.
    const SgDisk::Reply status = run(ata_smart_return_status(), true, timeout);
    if (!status.good)
      return fmt::format("neither IDENTIFY DEVICE ({}) nor SMART RETURN STATUS ({}) completed with CK_COND",
                         regs.detail, status.detail);
    regs = status;
    page = run(ata_identify_device(), false, timeout);
    if (!page.good) return fmt::format("IDENTIFY DEVICE failed when asked again ({})", page.detail);
  }
  if (auto failure = ata_completion_failure(ata_registers_from_sense(regs.raw.sense)))
    return fmt::format("with CK_COND the bridge returned no usable ATA registers ({})", *failure);
  // The same page twice: a bridge returning stale or made-up data differs.
  const std::vector<std::uint8_t>& d = page.data;
  if (d.size() >= kAtaIdentifyBytes &&
      !std::equal(d.begin(), d.begin() + kAtaIdentifyBytes, identify_page.begin(),
                  identify_page.begin() + std::min(identify_page.size(), kAtaIdentifyBytes)))
    return fmt::format("two IDENTIFY DEVICE answers differ: the bridge's {} data is not reliable", name());
  return {};
}

void take_ata_drive_facts(DeviceIdentity& out, const commands::AtaIdentity& id) {
  out.model = id.model;
  out.serial = id.serial;
  out.firmware = id.firmware;
  out.smart_supported = id.smart_supported;
  out.sct_supported = id.sct_supported;
  out.erc_supported = id.sct_erc_supported;
}

}  // namespace ptrescue
