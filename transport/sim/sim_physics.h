// SPDX-License-Identifier: GPL-3.0-or-later
// The simulated drive's physics, apart from its data and its clock: given a
// profile and the drive's state, what one read command costs and how it ends.
// Pure apart from the SimDriveState passed in, so a reads log can be costed
// again with the same numbers (a later `ptrescue sim replay`). The model is
// described in docs/SIMULATOR.md; the numbers are SimProfile fields.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <vector>

#include "transport/clock.h"
#include "transport/device.h"
#include "transport/sim/sim_profile.h"

namespace ptrescue {

/// Sorted, disjoint half-open LBA intervals; look-ups by binary search.
class SectorRanges {
 public:
  SectorRanges() = default;
  /// Any order, overlapping or touching ranges merge, empty ones are dropped.
  explicit SectorRanges(std::vector<SimRange> ranges);

  /// The lowest LBA of [lo, hi) inside a range, if any.
  std::optional<Lba> first_in(Lba lo, Lba hi) const;
  bool contains(Lba lba) const { return first_in(lba, lba + 1).has_value(); }
  const std::vector<SimRange>& ranges() const { return ranges_; }

 private:
  std::vector<SimRange> ranges_;
};

/// Where each LBA lies: zones of equal length (the last takes the remainder),
/// each cut into stripes of stripe_sectors that cycle through head_order,
/// reversed in odd zones when the profile is serpentine.
class SimGeometry {
 public:
  explicit SimGeometry(const SimProfile& profile);

  int zones() const { return zones_; }
  int zone_of(Lba lba) const;
  Lba zone_start(int zone) const { return static_cast<Lba>(zone) * zone_length_; }
  Lba zone_end(int zone) const { return zone + 1 == zones_ ? capacity_ : zone_start(zone + 1); }
  int head_of(Lba lba) const;
  /// Media rate of a zone in MB/s (= bytes per microsecond): linear from the
  /// outer rate in zone 0 to the inner rate in the last zone.
  double rate_mbps(int zone) const;

  /// A piece of an LBA range that one head reads without a head switch.
  struct Segment {
    Lba start = 0;
    Lba end = 0;
    int zone = 0;
    int head = 0;
  };
  /// Calls f(Segment) for the stripe pieces of [lo, hi) in LBA order while f
  /// returns true.
  template <class F>
  void for_each_segment(Lba lo, Lba hi, F&& f) const {
    while (lo < hi) {
      const int z = zone_of(lo);
      const Lba zs = zone_start(z);
      const Lba stripe = (lo - zs) / stripe_;
      const Lba end = std::min({hi, zone_end(z), zs + (stripe + 1) * stripe_});
      if (!f(Segment{lo, end, z, head_in_zone(z, stripe)})) return;
      lo = end;
    }
  }

 private:
  int head_in_zone(int zone, Lba stripe) const;

  Lba capacity_;
  int zones_;
  Lba zone_length_;
  Lba stripe_;
  std::vector<int> order_;
  bool serpentine_;
  double rate_outer_;
  double rate_inner_;
};

/// Everything about a drive that changes while it runs.
struct SimDriveState {
  bool dead = false;
  bool hung = false;   ///< Stopped answering: every command times out until a reset.
  Lba position = 0;    ///< The next LBA under the heads: a read starting here is contiguous.
  int last_head = -1;  ///< The head that read last; -1 after a reset.
  std::uint64_t error_reads = 0;   ///< Commands that ran into an unreadable sector.
  Micros error_recovery_limit{0};  ///< SCT ERC cap on internal retries; 0 = off.
  // What the drive's SMART counts (docs/SIMULATOR.md, "SMART").
  std::set<Lba> bad_found;          ///< Unreadable physical sectors met so far (physical sector index).
  std::uint64_t timeouts = 0;       ///< Commands that timed out.
  std::uint64_t power_cycles = 0;   ///< Power-cycle resets that brought the drive back.
  double peak_temperature_c = 0;    ///< Highest temperature reported so far.
  struct LoggedError {
    Lba lba = 0;
    std::uint64_t power_on_hours = 0;
  };
  std::deque<LoggedError> error_log;  ///< The last five media errors, latest first.
  /// Wear of each head in hours of work (docs/SIMULATOR.md, "Wear"); empty
  /// when no weak head of the profile wears.
  std::vector<double> wear_hours;
};

class SimPhysics {
 public:
  /// The timeout assumed for a command given none (<= 0): Linux's SCSI default.
  static constexpr Millis kDefaultTimeout{30000};

  /// Validates the profile (throws SimProfileError) and places its random
  /// bad clusters.
  explicit SimPhysics(SimProfile profile);

  const SimProfile& profile() const { return profile_; }
  const SimGeometry& geometry() const { return geometry_; }
  SimDriveState initial_state() const;

  /// Costs one read command and says how it ends (good_sectors = count on
  /// kOk, 0 otherwise). Updates `state`: head position, hang, error count,
  /// death.
  ReadOutcome read(SimDriveState& state, Lba lba, std::uint32_t count, Millis timeout) const;
  /// Any reset clears a hang; kPowerCycle also restores the profile's ERC
  /// setting. A dead drive stays dead (ok = false).
  ResetOutcome reset(SimDriveState& state, ResetKind kind) const;

  /// The unreadable sectors: bad ranges and random clusters (widened to whole
  /// physical sectors), weak-head clusters and dead-head stripes.
  bool is_bad(Lba lba) const { return first_bad_in(lba, lba + 1).has_value(); }
  std::optional<Lba> first_bad_in(Lba lo, Lba hi) const;
  bool is_hang(Lba lba) const { return hangs_.contains(lba); }
  /// Extra milliseconds a read of [lo, hi) pays for slow sectors it touches.
  double slow_extra_ms(Lba lo, Lba hi) const;

 private:
  struct WeakHead {
    double extra_ms = 0;
    Lba cluster = 1;
    bool all_bad = false;
    std::uint64_t threshold = 0;  ///< A cluster is bad when its hash is below this.
    double bad_fraction = 0;      ///< At power-on: what wear grows from.
    SimWear wear;
  };
  /// The weak head as it is after `hours` of wear (itself when it does not wear).
  WeakHead worn(const WeakHead& w, double hours) const;
  /// The first unreadable sector of [lo, hi) on `head` due to the head itself
  /// (dead, or a weak head's bad cluster, after `wear_hours` of wear); [lo, hi)
  /// lies on that head.
  std::optional<Lba> head_bad_in(int head, Lba lo, Lba hi, double wear_hours = 0) const;
  bool weak_cluster_bad(const WeakHead& w, Lba cluster_index) const;
  /// Adds what a command did with each wearing head to its wear; the drive
  /// dies when a head's wear reaches its dies_at_hours.
  void add_wear(SimDriveState& state, const std::vector<double>& work_ms, int failed_head) const;
  double seek_ms(Lba from, Lba to) const;

  SimProfile profile_;
  SimGeometry geometry_;
  SectorRanges bad_;
  SectorRanges hangs_;
  std::vector<SimSlowRange> slow_;  ///< Sorted by start, disjoint (validated).
  std::vector<std::optional<WeakHead>> weak_;  ///< Indexed by head.
  std::vector<bool> dead_;                     ///< Indexed by head.
  std::uint64_t weak_salt_ = 0;
};

}  // namespace ptrescue
