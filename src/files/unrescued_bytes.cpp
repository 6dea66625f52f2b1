// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/files/unrescued_bytes.h"

#include <algorithm>

namespace ptrescue {

UnrescuedBytes::UnrescuedBytes(const MapFile& map) {
  map.for_each([&](const MapBlock& b) {
    if (b.status == BlockStatus::kFinished) finished_.push_back({b.pos, b.size});
  });
}

std::int64_t UnrescuedBytes::in(std::int64_t pos, std::int64_t size) const {
  if (size <= 0) return 0;
  const std::int64_t end = pos + size;
  // The first '+' extent that ends after pos.
  auto it = std::upper_bound(finished_.begin(), finished_.end(), pos,
                             [](std::int64_t p, const Extent& e) { return p < e.end(); });
  std::int64_t rescued = 0;
  for (; it != finished_.end() && it->pos < end; ++it)
    rescued += std::min(end, it->end()) - std::max(pos, it->pos);
  return size - rescued;
}

}  // namespace ptrescue
