// SPDX-License-Identifier: GPL-3.0-or-later
// SatDevice::native_capacity(): the read-only HPA / AMA / DCO queries
// (commands/ata_max_address.h), answered in the registers that CK_COND
// brings back in the sense data.
#include <fmt/format.h>

#include "commands/ata_identify.h"
#include "commands/ata_max_address.h"
#include "commands/sat.h"
#include "transport/sat_device.h"

namespace ptrescue {

std::optional<std::uint64_t> SatDevice::native_max_lba(const commands::AtaTaskfile& query, Millis timeout,
                                                       std::string& why) {
  using namespace commands;
  const Reply r = run(ata_pass_through16(query, /*check_condition=*/true), timeout);
  if (!r.good) {
    why = r.detail;
    return std::nullopt;
  }
  return native_max_lba_from_registers(ata_registers_from_sense(r.raw.sense), why);
}

NativeCapacity SatDevice::native_capacity(Millis timeout) {
  using namespace commands;
  NativeCapacity c;
  c.supported = true;
  c.user_max_lba = identity_.capacity_sectors - 1;
  const Reply id = run(ata_pass_through16(ata_identify_device(), false), timeout);
  const auto support = id.good ? max_address_support(id.data) : std::nullopt;
  if (!support) {
    c.notes.push_back("IDENTIFY DEVICE: " + (id.good ? std::string("no identify data") : id.detail));
    return c;
  }
  std::string why;
  if (support->ama) {
    c.native_method = "GET NATIVE MAX ADDRESS EXT";
    c.native_max_lba = native_max_lba(ata_get_native_max_address_ext(), timeout, why);
  } else if (support->lba48) {
    // Asked even when word 82 does not claim the HPA feature set: a drive
    // without it aborts the command, which harms nothing.
    c.native_method = "READ NATIVE MAX ADDRESS EXT";
    c.native_max_lba = native_max_lba(ata_read_native_max_address_ext(), timeout, why);
  } else {
    why = "a 28-bit drive: READ NATIVE MAX ADDRESS (F8h) is not among ptrescue's queries";
  }
  if (!c.native_max_lba) c.notes.push_back(fmt::format("native max LBA unknown: {}", why));

  if (!support->dco) {
    c.notes.push_back("the drive does not report the Device Configuration Overlay feature set (IDENTIFY word 83 bit 11)");
    return c;
  }
  const Reply dco = run(ata_pass_through16(ata_dco_identify(), false), timeout);
  if (!dco.good) {
    c.notes.push_back("DEVICE CONFIGURATION IDENTIFY: " + dco.detail);
    return c;
  }
  if (const auto d = parse_dco_identify(dco.data, why)) c.dco_max_lba = d->max_lba;
  else c.notes.push_back(why);
  return c;
}

}  // namespace ptrescue
