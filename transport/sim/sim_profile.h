// SPDX-License-Identifier: GPL-3.0-or-later
// What a simulated drive is like: its geometry, its timing and its defects.
// Every number of the physics (docs/SIMULATOR.md) is a field here with a
// sensible default; profiles come built in (builtin()) or from a JSON file
// whose field names and units docs/SIMULATOR.md lists.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "transport/device.h"

namespace ptrescue {

/// A profile that cannot be used: what() is one line naming the field.
class SimProfileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A half-open range of logical sectors [start, start + length).
struct SimRange {
  Lba start = 0;
  Lba length = 0;
  Lba end() const { return start + length; }
};

/// Sectors that answer, but late: every read touching the range pays extra_ms
/// once.
struct SimSlowRange {
  Lba start = 0;
  Lba length = 0;
  double extra_ms = 0;
  Lba end() const { return start + length; }
};

/// `count` bad clusters of `length` sectors each, placed at random (seeded by
/// the profile's seed) over the whole drive.
struct SimClusterGroup {
  std::uint64_t count = 0;
  Lba length = 1;
};

/// A degraded head: every command touching its stripes pays extra_latency_ms,
/// and a `bad_fraction` of the aligned clusters of `cluster_sectors` on its
/// stripes are unreadable (chosen by a hash of (cluster, head, seed), so no
/// memory is spent on them however big the drive).
/// How a weak head wears as it is read (docs/SIMULATOR.md, "Wear"). Wear is
/// counted in hours of work with the head (the time its reads spend on it:
/// transfer and extra latency, not the drive's retries of a bad sector; plus
/// per_error_read_hours for each read that fails on it); bad_fraction and
/// extra_latency_ms grow linearly with it. All zero: no wear.
struct SimWear {
  double per_hour_error_growth = 0;       ///< Added to bad_fraction per hour of work (capped at 1).
  double per_hour_latency_growth_ms = 0;  ///< Added to extra_latency_ms per hour of work.
  double per_error_read_hours = 0;        ///< Wear of one failed read on the head, in hours.
  double dies_at_hours = 0;               ///< The drive dies when the head's wear reaches this; 0 = never.
  bool any() const {
    return per_hour_error_growth > 0 || per_hour_latency_growth_ms > 0 || per_error_read_hours > 0 ||
           dies_at_hours > 0;
  }
};

struct SimWeakHead {
  int head = 0;
  double extra_latency_ms = 30;
  double bad_fraction = 0.01;
  Lba cluster_sectors = 64;
  SimWear wear;  ///< Default: the head stays as it is.
};

/// What each kind of reset costs on the drive's clock, in milliseconds.
struct SimResetCosts {
  double soft_ms = 100;
  double device_ms = 500;
  double target_ms = 1000;
  double bus_ms = 2000;
  double host_ms = 3000;
  double power_cycle_ms = 12000;  ///< Spin-down, spin-up, recalibration.
  double for_kind(ResetKind kind) const;
};

/// What the simulated drive's SMART says and how it follows the drive's
/// behaviour (docs/SIMULATOR.md, "SMART"): counts at power-on, plus what the
/// run does to them.
struct SimSmart {
  bool enabled = true;                  ///< false: the drive refuses SMART commands.
  std::uint64_t power_on_hours = 12000; ///< At the start; the virtual clock adds to it.
  std::uint64_t power_cycles = 500;     ///< A power-cycle reset adds one.
  std::uint64_t reallocated = 0;        ///< Reallocated sectors (5) at the start.
  std::uint64_t pending = 0;            ///< Current pending sectors (197) at the start.
  /// Of the unreadable physical sectors the run finds, the fraction the
  /// firmware reallocates (moved from pending to reallocated).
  double reallocate_fraction = 0.0;
  std::uint64_t udma_crc_errors = 0;    ///< 199 at the start; each timed-out command adds one.
  double temperature_c = 32;            ///< Idle temperature.
  double temperature_max_c = 52;        ///< What sustained work approaches.
  double heat_minutes = 20;             ///< Time constant of the warming, in minutes of work.
};

struct SimProfile {
  std::string name = "custom";
  std::string model;  ///< Empty: "PTRESCUE SIM <name>".
  std::uint64_t seed = 1;  ///< Seeds the data pattern and every random placement.

  // Format.
  Lba capacity_sectors = 2097152;  ///< 1 GiB of 512-byte sectors.
  std::uint32_t logical_sector_size = 512;
  std::uint32_t physical_sector_size = 512;
  std::uint32_t max_transfer_sectors = 65536;  ///< 32 MiB of 512-byte sectors.

  // Geometry: zones of equal LBA length, each cut into stripes that cycle
  // through the heads in head_order (reversed in odd zones when serpentine).
  int heads = 4;
  int zones = 16;
  Lba stripe_sectors = 32768;  ///< 16 MiB of 512-byte sectors.
  std::vector<int> head_order;  ///< Empty: 0, 1, ..., heads - 1.
  bool serpentine = true;

  // Timing.
  double rate_outer_mbps = 200;  ///< Zone 0, in MB/s (10^6 bytes per second).
  double rate_inner_mbps = 100;  ///< The last zone; zones between are linear.
  double rpm = 7200;             ///< Average rotational latency = half a turn.
  double seek_track_ms = 1.0;    ///< Shortest seek.
  double seek_full_stroke_ms = 18.0;  ///< Seek across the whole LBA space.
  double head_switch_ms = 1.0;
  double command_overhead_ms = 0.05;  ///< Every command, even a failing one.
  double error_latency_ms = 1500;     ///< Internal retries before reporting a bad sector.
  double error_recovery_limit_ms = 0;  ///< SCT ERC at power-on; 0 = off.
  SimResetCosts reset_ms;
  std::uint64_t die_after_error_reads = 0;  ///< 0 = never dies.

  // Defects.
  std::vector<SimRange> bad_ranges;
  std::vector<SimClusterGroup> bad_clusters;
  std::vector<SimWeakHead> weak_heads;
  std::vector<int> dead_heads;
  std::vector<SimSlowRange> slow_ranges;
  std::vector<SimRange> hang_ranges;

  SimSmart smart;

  /// A file whose bytes are the drive's contents ("contents" in a profile,
  /// relative to the profile's folder); empty: the seeded pattern
  /// (sim_pattern.h). Bytes past the file's end read as zeros.
  std::string contents;

  /// The built-in profiles: "demo", "healthy", "weak-head", "scattered",
  /// "hang". Throws SimProfileError listing the valid names on another.
  static SimProfile builtin(std::string_view name);
  static std::vector<std::string> builtin_names();

  /// Parses a JSON profile (fields and units: docs/SIMULATOR.md) and
  /// validates it. Throws SimProfileError naming the offending field.
  static SimProfile from_json(std::string_view text);
  /// from_json() on a file; the name defaults to the file's stem.
  static SimProfile from_json_file(const std::filesystem::path& path);

  /// Throws SimProfileError naming the first impossible field (negative or
  /// zero where that makes no sense, a range beyond the capacity, a head index
  /// >= heads, a sector size that is not a power of two >= 512, ...).
  void validate() const;

  /// Physical sectors are this many logical ones (1 or 8 for 512e drives).
  std::uint32_t logical_per_physical() const { return physical_sector_size / logical_sector_size; }
  std::string model_name() const { return model.empty() ? "PTRESCUE SIM " + name : model; }
};

}  // namespace ptrescue
