// SPDX-License-Identifier: GPL-3.0-or-later
// Which head reads each LBA. Hard drives lay their LBA space out in
// serpentine stripes: in each zone, consecutive stripes of a fixed length are
// read by the heads in turn. A head map lets the scheduler read the healthy
// heads first and treat a weak head with its own policy (docs/HEADMAP.md).
//
// Text form (MAPFILE.headmap, or a file given with --head-map), LBAs in
// logical sectors, numbers decimal or 0x hex, '#' starts a comment:
//   START LENGTH HEAD                   a run read by one head
//   zone START END STRIPE H0,H1,...     stripes of STRIPE sectors counted from
//                                       START, stripe k read by order[k mod n]
//   weak H[,H...]                       heads known (or inferred) to be weak
// Entries may come in any order but must not overlap; LBAs not covered have
// no known head.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "transport/device.h"
#include "transport/sim/sim_profile.h"

namespace ptrescue {

/// A malformed head map: what() is "line N: reason".
class HeadMapError : public std::runtime_error {
 public:
  HeadMapError(int line, const std::string& reason);
  int line() const { return line_; }

 private:
  int line_;
};

/// A piece of the LBA axis read by one head (-1: not mapped).
struct HeadSpan {
  Lba start = 0;
  Lba end = 0;
  int head = -1;
};

class HeadMap {
 public:
  static constexpr int kMaxHeads = 64;

  /// A run (stripe == 0, one head: order[0]) or a zone of cycling stripes.
  struct Entry {
    Lba start = 0;
    Lba end = 0;
    Lba stripe = 0;
    std::vector<int> order;
    bool is_zone() const { return stripe != 0; }
  };

  HeadMap() = default;

  /// Parses the text form. Throws HeadMapError naming the line for bad
  /// numbers, unknown words, heads out of range, empty or overlapping entries.
  static HeadMap parse(std::string_view text);
  /// The simulator's true geometry, with its weak and dead heads marked weak.
  static HeadMap from_sim(const SimProfile& profile);

  /// Add entries; throw std::invalid_argument if one overlaps another or is
  /// empty, or a head is outside 0..kMaxHeads-1.
  void add_run(Lba start, Lba length, int head);
  void add_zone(Lba start, Lba end, Lba stripe, std::vector<int> order);
  void set_weak_heads(std::vector<int> heads);

  /// The text form, with `comments` as leading '#' lines.
  std::string serialize(const std::vector<std::string>& comments = {}) const;

  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::vector<int>& weak_heads() const { return weak_; }
  bool is_weak(int head) const;
  /// Every head that reads some LBA, ascending.
  std::vector<int> heads() const;
  /// One past the last mapped LBA.
  Lba end() const { return entries_.empty() ? 0 : entries_.back().end; }

  std::optional<int> head_of(Lba lba) const;
  /// The longest piece starting at `lba` that one head reads (or that no
  /// entry covers, head -1).
  HeadSpan span_at(Lba lba) const;
  /// The first piece ending after `lba` whose head is in `heads` (bit h =
  /// head h), clipped to start at `lba` or later; nullopt if none.
  std::optional<HeadSpan> next_span_of(Lba lba, std::uint64_t heads) const;
  /// The last piece starting before `lba` whose head is in `heads`, clipped
  /// to end at `lba` or earlier; nullopt if none.
  std::optional<HeadSpan> prev_span_of(Lba lba, std::uint64_t heads) const;
  /// Calls f(HeadSpan) for the pieces of [lo, hi) in order while f returns true.
  template <class F>
  void for_each_span(Lba lo, Lba hi, F&& f) const {
    while (lo < hi) {
      HeadSpan s = span_at(lo);
      if (s.end > hi) s.end = hi;
      if (!f(s)) return;
      lo = s.end;
    }
  }

 private:
  void insert(Entry e);

  std::vector<Entry> entries_;  // sorted by start, disjoint
  std::vector<int> weak_;       // sorted, unique
};

}  // namespace ptrescue
