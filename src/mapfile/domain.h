// SPDX-License-Identifier: GPL-3.0-or-later
// The rescue domain: the byte ranges of the source this run may read
// (-i/-s, and the '+' blocks of a -m domain mapfile). Sorted, disjoint.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

class Domain {
 public:
  /// The whole of [pos, pos + size).
  Domain(std::int64_t pos, std::int64_t size);
  /// The '+' blocks of `domain_map`, clipped to [pos, pos + size).
  Domain(const MapFile& domain_map, std::int64_t pos, std::int64_t size);

  const std::vector<Extent>& extents() const { return extents_; }
  bool empty() const { return extents_.empty(); }
  std::int64_t begin_pos() const { return extents_.empty() ? 0 : extents_.front().pos; }
  std::int64_t end_pos() const { return extents_.empty() ? 0 : extents_.back().end(); }
  std::int64_t total_size() const;
  /// Whether `e` lies wholly inside one extent.
  bool includes(const Extent& e) const;

  /// The first run of `status` in the map that lies in the domain and ends
  /// after `from`, clipped to start at `from` or later.
  std::optional<Extent> find_forward(const MapFile& map, std::int64_t from, BlockStatus status) const;
  /// The last such run that starts before `before`, clipped to end at `before` or earlier.
  std::optional<Extent> find_backward(const MapFile& map, std::int64_t before,
                                      BlockStatus status) const;

 private:
  std::vector<Extent> extents_;
};

}  // namespace ptrescue
