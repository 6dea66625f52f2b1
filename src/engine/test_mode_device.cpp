// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/engine/test_mode_device.h"

#include <algorithm>

namespace ptrescue {

TestModeDevice::TestModeDevice(Device& inner, MapFile test_map)
    : inner_(inner), test_map_(std::move(test_map)) {}

ReadOutcome TestModeDevice::read(Lba lba, std::uint32_t count, std::span<std::byte> out,
                                 Millis timeout) {
  const std::int64_t ss = inner_.identity().logical_sector_size;
  const std::int64_t pos = static_cast<std::int64_t>(lba) * ss;
  // A source whose size is not a multiple of the sector size ends mid-sector:
  // the bytes past its end are not the test map's to judge.
  const std::int64_t end = std::min<std::int64_t>(pos + static_cast<std::int64_t>(count) * ss,
                                                  static_cast<std::int64_t>(inner_.identity().capacity_bytes()));
  // First byte in [pos, end) that the test map does not mark finished.
  std::int64_t first_bad = -1;
  if (pos < test_map_.begin_pos() || pos >= test_map_.end_pos()) {
    first_bad = pos;
  } else {
    const MapBlock b = test_map_.block_at(pos);
    if (b.status != BlockStatus::kFinished) first_bad = pos;
    else if (b.end() < end) first_bad = b.end();  // neighbours differ: the next one is not '+'
  }
  if (first_bad < 0) return inner_.read(lba, count, out, timeout);
  ReadOutcome r;
  r.status = ReadStatus::kMediaError;
  r.error_lba = static_cast<Lba>(first_bad / ss);
  r.timeout_applied = timeout;
  r.detail = "test mode: not '+' in the test mapfile";
  return r;
}

}  // namespace ptrescue
