// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/bad_sector_data_device.h"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace ptrescue {

BadSectorDataDevice::BadSectorDataDevice(Device& inner, const std::string& pattern, const std::string& file_name)
    : inner_(inner) {
  const std::size_t ss = inner_.identity().logical_sector_size;
  if (pattern.size() < ss)
    throw std::runtime_error(fmt::format("--bad-sector-data '{}': {} bytes, shorter than one {}-byte sector",
                                         file_name, pattern.size(), ss));
  sector_ = pattern.substr(0, ss);
}

ReadOutcome BadSectorDataDevice::read(Lba lba, std::uint32_t count, std::span<std::byte> out, Millis timeout) {
  ReadOutcome r = inner_.read(lba, count, out, timeout);
  const std::size_t ss = sector_.size();
  const std::byte* data = r.data_or(out);
  const auto capacity = static_cast<std::uint64_t>(inner_.identity().capacity_bytes());
  for (std::uint32_t i = 0; i < r.good_sectors; ++i) {
    // A partial last sector (a file's tail) is never a whole pattern, as in ddrescue.
    if ((lba + i + 1) * ss > capacity) break;
    if (std::memcmp(data + i * ss, sector_.data(), ss) != 0) continue;
    // Like a drive that fails without naming the sector (ddrescue's EIO):
    // the engine marks the rest of the read for trimming.
    r.good_sectors = i;
    r.status = ReadStatus::kMediaError;
    r.error_lba.reset();
    r.detail = "the sector holds the --bad-sector-data pattern";
    break;
  }
  return r;
}

}  // namespace ptrescue
