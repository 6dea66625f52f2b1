// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/mapfile/domain.h"

#include <algorithm>
#include <iterator>

namespace ptrescue {

Domain::Domain(std::int64_t pos, std::int64_t size) {
  if (size > 0) extents_.push_back({pos, size});
}

Domain::Domain(const MapFile& domain_map, std::int64_t pos, std::int64_t size) {
  const std::int64_t end = pos + size;
  domain_map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    const std::int64_t s = std::max(b.pos, pos), e = std::min(b.end(), end);
    if (s < e) extents_.push_back({s, e - s});
  });
}

std::int64_t Domain::total_size() const {
  std::int64_t t = 0;
  for (const auto& e : extents_) t += e.size;
  return t;
}

bool Domain::includes(const Extent& e) const {
  // The last extent that starts at or before e.pos.
  auto it = std::upper_bound(extents_.begin(), extents_.end(), e.pos,
                             [](std::int64_t v, const Extent& x) { return v < x.pos; });
  return it != extents_.begin() && std::prev(it)->end() >= e.end();
}

std::optional<Extent> Domain::find_forward(const MapFile& map, std::int64_t from,
                                           BlockStatus status) const {
  // First domain extent that ends after `from`.
  auto it = std::upper_bound(extents_.begin(), extents_.end(), from,
                             [](std::int64_t v, const Extent& e) { return v < e.end(); });
  for (; it != extents_.end(); ++it) {
    std::int64_t p = std::max(from, it->pos);
    while (p < it->end()) {
      auto run = map.find_forward(p, status);
      if (!run || run->pos >= it->end()) break;
      const std::int64_t s = std::max(run->pos, p), e = std::min(run->end(), it->end());
      if (s < e) return Extent{s, e - s};
      p = run->end();
    }
  }
  return std::nullopt;
}

std::optional<Extent> Domain::find_backward(const MapFile& map, std::int64_t before,
                                            BlockStatus status) const {
  // Last domain extent that starts before `before`.
  auto it = std::lower_bound(extents_.begin(), extents_.end(), before,
                             [](const Extent& e, std::int64_t v) { return e.pos < v; });
  while (it != extents_.begin()) {
    --it;
    std::int64_t p = std::min(before, it->end());
    while (p > it->pos) {
      auto run = map.find_backward(p, status);
      if (!run || run->end() <= it->pos) break;
      const std::int64_t s = std::max(run->pos, it->pos), e = std::min(run->end(), p);
      if (s < e) return Extent{s, e - s};
      p = run->pos;
    }
  }
  return std::nullopt;
}

}  // namespace ptrescue
