// SPDX-License-Identifier: GPL-3.0-or-later
// Fixed-width ASCII fields as drives return them (SPC-5 INQUIRY strings, ATA
// IDENTIFY strings, NVMe Identify strings): blank- or NUL-padded, sometimes
// with bytes that are not printable.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace ptrescue::commands {

/// The field without leading/trailing blanks and NULs; other bytes outside
/// printable ASCII (20h..7Eh) become '?', so the result is safe in logs and
/// the mapfile's comments.
std::string ascii_field(std::span<const std::uint8_t> field);
/// The same for a char array field of a libnvme structure (nvme_id_ctrl::sn).
std::string ascii_field(std::span<const char> field);

}  // namespace ptrescue::commands
