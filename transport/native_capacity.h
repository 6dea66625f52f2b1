// SPDX-License-Identifier: GPL-3.0-or-later
// The answer of Device::native_capacity(): what a drive holds beyond the
// capacity it shows, as data, and the lines ptrescue prints about it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ptrescue {

using Lba = std::uint64_t;

/// What a drive holds beyond the capacity it shows (docs/TRANSPORTS.md,
/// "Hidden capacity"): ATA's Host Protected Area (READ NATIVE MAX ADDRESS
/// EXT, or GET NATIVE MAX ADDRESS EXT of the Accessible Max Address feature
/// set) and Device Configuration Overlay (DEVICE CONFIGURATION IDENTIFY),
/// NVMe's namespace size against its capacity and use. Found with read-only
/// queries only; a value the drive did not give stays nullopt, and `notes`
/// say why.
struct NativeCapacity {
  bool supported = false;          ///< false: the transport cannot ask at all
  std::optional<Lba> user_max_lba;     ///< last LBA the host sees (IDENTIFY)
  std::optional<Lba> native_max_lba;   ///< last LBA with the HPA / AMA limit removed
  std::optional<Lba> dco_max_lba;      ///< last LBA the drive's factory configuration allows
  std::string native_method;           ///< the command that gave native_max_lba
  std::optional<std::uint64_t> nvme_nsze, nvme_ncap, nvme_nuse;  ///< Identify Namespace, in blocks
  std::vector<std::string> notes;

  /// A Host Protected Area (or an Accessible Max Address below native): user < native.
  std::optional<bool> hpa_present() const {
    if (!user_max_lba || !native_max_lba) return std::nullopt;
    return *user_max_lba < *native_max_lba;
  }
  /// A DCO lowered the drive's size: native < DCO maximum.
  std::optional<bool> dco_restricted() const {
    if (!native_max_lba || !dco_max_lba) return std::nullopt;
    return *native_max_lba < *dco_max_lba;
  }
};

/// The lines `identify`, the rescue's warning and the acquisition log print
/// ("user-visible max LBA: ...", "HPA present: yes", ...).
std::vector<std::string> native_capacity_lines(const NativeCapacity& c);
/// "the drive shows 1000 sectors (LBA 0-999) but has 2000 natively (...)",
/// or empty when nothing is hidden or nothing is known.
std::string hidden_capacity_warning(const NativeCapacity& c, std::uint32_t sector_size);

}  // namespace ptrescue
