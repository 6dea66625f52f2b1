// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/sim/sim_physics.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "transport/sim/splitmix.h"

namespace ptrescue {
namespace {

using splitmix::kGamma;
using splitmix::mix;

// Salts keep the random placements independent of each other and of the
// data pattern, which use the same seed.
constexpr std::uint64_t kClusterSalt = 0xC1A5'7E25'0000'0001ULL;
constexpr std::uint64_t kWeakSalt = 0x3EA4'4EAD'0000'0002ULL;

Micros to_micros(double ms) { return Micros(static_cast<std::int64_t>(std::llround(ms * 1000.0))); }

Lba align_down(Lba v, Lba a) { return v / a * a; }
Lba align_up(Lba v, Lba a) { return (v + a - 1) / a * a; }

// Bad sets are whole physical sectors: a 512e drive cannot read one logical
// sector of a damaged 4 KiB physical sector.
SimRange widen(SimRange r, Lba per_phys) {
  const Lba start = align_down(r.start, per_phys);
  return {start, align_up(r.end(), per_phys) - start};
}

std::vector<SimRange> bad_set(const SimProfile& p) {
  const Lba per_phys = p.logical_per_physical();
  std::vector<SimRange> out;
  for (const auto& r : p.bad_ranges) out.push_back(widen(r, per_phys));
  std::uint64_t state = mix(p.seed ^ kClusterSalt);
  for (const auto& g : p.bad_clusters) {
    const Lba span = p.capacity_sectors - g.length + 1;
    for (std::uint64_t i = 0; i < g.count; ++i) {
      state += kGamma;
      const Lba start = mix(state) % span;
      out.push_back(widen({start, g.length}, per_phys));
    }
  }
  return out;
}

}  // namespace

// ---- SectorRanges ------------------------------------------------------------

SectorRanges::SectorRanges(std::vector<SimRange> ranges) {
  std::erase_if(ranges, [](const SimRange& r) { return r.length == 0; });
  std::sort(ranges.begin(), ranges.end(), [](const SimRange& a, const SimRange& b) { return a.start < b.start; });
  for (const auto& r : ranges) {
    if (!ranges_.empty() && r.start <= ranges_.back().end()) {
      const Lba end = std::max(ranges_.back().end(), r.end());
      ranges_.back().length = end - ranges_.back().start;
    } else {
      ranges_.push_back(r);
    }
  }
}

std::optional<Lba> SectorRanges::first_in(Lba lo, Lba hi) const {
  if (lo >= hi) return std::nullopt;
  // The first range ending after lo; ranges are disjoint, so ends are sorted too.
  const auto it = std::upper_bound(ranges_.begin(), ranges_.end(), lo,
                                   [](Lba v, const SimRange& r) { return v < r.end(); });
  if (it == ranges_.end() || it->start >= hi) return std::nullopt;
  return std::max(it->start, lo);
}

// ---- SimGeometry -------------------------------------------------------------

SimGeometry::SimGeometry(const SimProfile& p)
    : capacity_(p.capacity_sectors),
      zones_(p.zones),
      zone_length_(align_down(p.capacity_sectors / static_cast<Lba>(p.zones), p.logical_per_physical())),
      stripe_(p.stripe_sectors),
      order_(p.head_order),
      serpentine_(p.serpentine),
      rate_outer_(p.rate_outer_mbps),
      rate_inner_(p.rate_inner_mbps) {
  if (order_.empty())
    for (int h = 0; h < p.heads; ++h) order_.push_back(h);
}

int SimGeometry::zone_of(Lba lba) const {
  const Lba z = lba / zone_length_;
  return z >= static_cast<Lba>(zones_) ? zones_ - 1 : static_cast<int>(z);
}

int SimGeometry::head_in_zone(int zone, Lba stripe) const {
  const std::size_t n = order_.size();
  const std::size_t k = static_cast<std::size_t>(stripe % n);
  return (serpentine_ && zone % 2 == 1) ? order_[n - 1 - k] : order_[k];
}

int SimGeometry::head_of(Lba lba) const {
  const int z = zone_of(lba);
  return head_in_zone(z, (lba - zone_start(z)) / stripe_);
}

double SimGeometry::rate_mbps(int zone) const {
  if (zones_ == 1) return rate_outer_;
  return rate_outer_ + (rate_inner_ - rate_outer_) * zone / (zones_ - 1);
}

// ---- SimPhysics --------------------------------------------------------------

SimPhysics::SimPhysics(SimProfile profile)
    : profile_((profile.validate(), std::move(profile))),
      geometry_(profile_),
      bad_(bad_set(profile_)),
      hangs_(profile_.hang_ranges),
      slow_(profile_.slow_ranges),
      weak_(static_cast<std::size_t>(profile_.heads)),
      dead_(static_cast<std::size_t>(profile_.heads), false),
      weak_salt_(mix(profile_.seed ^ kWeakSalt)) {
  std::sort(slow_.begin(), slow_.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
  for (const auto& w : profile_.weak_heads) {
    WeakHead h;
    h.extra_ms = w.extra_latency_ms;
    h.cluster = w.cluster_sectors;
    h.all_bad = w.bad_fraction >= 1.0;
    // fraction * 2^64, computed below 2^64 so the conversion cannot overflow.
    h.threshold = h.all_bad ? 0 : static_cast<std::uint64_t>(std::ldexp(w.bad_fraction, 64));
    h.bad_fraction = w.bad_fraction;
    h.wear = w.wear;
    weak_[static_cast<std::size_t>(w.head)] = h;
  }
  for (int h : profile_.dead_heads) dead_[static_cast<std::size_t>(h)] = true;
}

SimDriveState SimPhysics::initial_state() const {
  SimDriveState s;
  s.error_recovery_limit = to_micros(profile_.error_recovery_limit_ms);
  for (const auto& w : profile_.weak_heads)
    if (w.wear.any()) s.wear_hours.assign(static_cast<std::size_t>(profile_.heads), 0.0);
  return s;
}

SimPhysics::WeakHead SimPhysics::worn(const WeakHead& w, double hours) const {
  if (hours <= 0 || !w.wear.any()) return w;
  WeakHead h = w;
  h.extra_ms = w.extra_ms + w.wear.per_hour_latency_growth_ms * hours;
  const double fraction = std::min(1.0, w.bad_fraction + w.wear.per_hour_error_growth * hours);
  h.all_bad = fraction >= 1.0;
  h.threshold = h.all_bad ? 0 : static_cast<std::uint64_t>(std::ldexp(fraction, 64));
  return h;
}

void SimPhysics::add_wear(SimDriveState& state, const std::vector<double>& work_ms, int failed_head) const {
  if (state.wear_hours.empty()) return;
  for (std::size_t h = 0; h < weak_.size() && h < state.wear_hours.size(); ++h) {
    if (!weak_[h] || !weak_[h]->wear.any()) continue;
    const SimWear& w = weak_[h]->wear;
    state.wear_hours[h] += work_ms[h] / 3.6e6;
    if (static_cast<int>(h) == failed_head) state.wear_hours[h] += w.per_error_read_hours;
    if (w.dies_at_hours > 0 && state.wear_hours[h] >= w.dies_at_hours) state.dead = true;
  }
}

bool SimPhysics::weak_cluster_bad(const WeakHead& w, Lba cluster_index) const {
  return w.all_bad || mix(cluster_index ^ weak_salt_) < w.threshold;
}

std::optional<Lba> SimPhysics::head_bad_in(int head, Lba lo, Lba hi, double wear_hours) const {
  const auto h = static_cast<std::size_t>(head);
  if (dead_[h]) return lo;
  if (!weak_[h]) return std::nullopt;
  const std::optional<WeakHead> w = worn(*weak_[h], wear_hours);
  if (!w->all_bad && w->threshold == 0) return std::nullopt;
  // Clusters are aligned on absolute LBAs, so membership needs no table.
  for (Lba c = lo / w->cluster; c <= (hi - 1) / w->cluster; ++c)
    if (weak_cluster_bad(*w, c)) return std::max(lo, c * w->cluster);
  return std::nullopt;
}

std::optional<Lba> SimPhysics::first_bad_in(Lba lo, Lba hi) const {
  hi = std::min(hi, profile_.capacity_sectors);
  if (lo >= hi) return std::nullopt;
  std::optional<Lba> found = bad_.first_in(lo, hi);
  const Lba limit = found.value_or(hi);
  geometry_.for_each_segment(lo, limit, [&](const SimGeometry::Segment& s) {
    if (auto x = head_bad_in(s.head, s.start, s.end)) {
      found = *x;
      return false;
    }
    return true;
  });
  return found;
}

double SimPhysics::slow_extra_ms(Lba lo, Lba hi) const {
  double extra = 0;
  auto it = std::upper_bound(slow_.begin(), slow_.end(), lo,
                             [](Lba v, const SimSlowRange& r) { return v < r.end(); });
  for (; it != slow_.end() && it->start < hi; ++it) extra += it->extra_ms;
  return extra;
}

double SimPhysics::seek_ms(Lba from, Lba to) const {
  const double distance = static_cast<double>(from > to ? from - to : to - from);
  const double stroke = distance / static_cast<double>(profile_.capacity_sectors);
  const double seek = profile_.seek_track_ms + (profile_.seek_full_stroke_ms - profile_.seek_track_ms) * stroke;
  const double half_turn = 30000.0 / profile_.rpm;
  return seek + half_turn;
}

ReadOutcome SimPhysics::read(SimDriveState& state, Lba lba, std::uint32_t count, Millis timeout) const {
  ReadOutcome out;
  out.timeout_applied = timeout > Millis(0) ? timeout : kDefaultTimeout;
  const Micros limit = out.timeout_applied;
  const auto time_out = [&](std::string detail, bool needs_reset) {
    out.status = ReadStatus::kTimeout;
    out.duration = limit;
    out.needs_reset = needs_reset;
    out.detail = std::move(detail);
    return out;
  };

  if (state.dead) {
    out.status = ReadStatus::kDeviceGone;
    out.duration = to_micros(profile_.command_overhead_ms);
    out.detail = "simulated drive is dead";
    return out;
  }
  if (state.hung) return time_out("simulated drive does not answer (needs a reset)", true);
  const Lba capacity = profile_.capacity_sectors;
  if (count == 0 || count > profile_.max_transfer_sectors || lba >= capacity || count > capacity - lba) {
    // What a drive does with an LBA it does not have (ATA IDNF/ABRT).
    out.status = ReadStatus::kAborted;
    out.duration = to_micros(profile_.command_overhead_ms);
    out.detail = fmt::format("invalid read of {} sectors at LBA {} (capacity {}, max transfer {})", count,
                             lba, capacity, profile_.max_transfer_sectors);
    return out;
  }
  const Lba end = lba + count;

  // Where the drive stops: the first sector it cannot read or hangs on.
  enum class Stop { kNone, kBad, kHang } cause = Stop::kNone;
  Lba stop = end;
  if (auto b = bad_.first_in(lba, end)) {
    stop = *b;
    cause = Stop::kBad;
  }
  // At the same LBA a hang wins: the drive never gets to report the error.
  if (auto h = hangs_.first_in(lba, cause == Stop::kBad ? stop + 1 : end)) {
    stop = *h;
    cause = Stop::kHang;
  }

  double ms = profile_.command_overhead_ms;
  const bool contiguous = lba == state.position;
  if (!contiguous) ms += seek_ms(state.position, lba);
  // After a seek the right head is selected during the seek itself.
  int prev_head = contiguous ? state.last_head : -1;
  std::uint64_t weak_touched = 0;
  double transfer_ms = 0;
  // Wear (docs/SIMULATOR.md, "Wear"): each head's state as the command
  // starts, and the time the command works with it.
  const auto wear_of = [&](int head) {
    return state.wear_hours.empty() ? 0.0 : state.wear_hours[static_cast<std::size_t>(head)];
  };
  std::vector<double> work_ms;
  if (!state.wear_hours.empty()) work_ms.assign(weak_.size(), 0.0);
  geometry_.for_each_segment(lba, end, [&](const SimGeometry::Segment& s) {
    if (prev_head >= 0 && s.head != prev_head) ms += profile_.head_switch_ms;
    prev_head = s.head;
    if (weak_[static_cast<std::size_t>(s.head)]) weak_touched |= std::uint64_t{1} << s.head;
    Lba upto = std::min(s.end, stop);
    if (s.start < upto) {
      if (auto x = head_bad_in(s.head, s.start, upto, wear_of(s.head))) {
        stop = upto = *x;
        cause = Stop::kBad;
      }
      // MB/s is bytes per microsecond.
      const double seg_ms = static_cast<double>((upto - s.start) * profile_.logical_sector_size) /
                            geometry_.rate_mbps(s.zone) / 1000.0;
      transfer_ms += seg_ms;
      if (!work_ms.empty()) work_ms[static_cast<std::size_t>(s.head)] += seg_ms;
    }
    // Go on into the next segment only while the stop sector lies beyond
    // this one (the stop sector's own head still has to be selected).
    return s.end <= stop && s.end < end;
  });
  ms += transfer_ms;
  for (int h = 0; h < profile_.heads; ++h) {
    if (!(weak_touched & (std::uint64_t{1} << h))) continue;
    const double extra = worn(*weak_[static_cast<std::size_t>(h)], wear_of(h)).extra_ms;
    ms += extra;
    if (!work_ms.empty()) work_ms[static_cast<std::size_t>(h)] += extra;
  }
  ms += slow_extra_ms(lba, cause == Stop::kNone ? end : stop + 1);

  if (cause == Stop::kHang) {
    state.hung = true;
    state.last_head = -1;
    return time_out(fmt::format("simulated hang at LBA {}", stop), true);
  }
  if (cause == Stop::kBad) {
    double retry_ms = profile_.error_latency_ms;
    const double erc_ms = static_cast<double>(state.error_recovery_limit.count()) / 1000.0;
    if (erc_ms > 0) retry_ms = std::min(retry_ms, erc_ms);
    ms += retry_ms;
    ++state.error_reads;
    if (profile_.die_after_error_reads != 0 && state.error_reads >= profile_.die_after_error_reads)
      state.dead = true;
    state.position = stop + 1;
    state.last_head = geometry_.head_of(stop);
    // The retries wear the head only as the profile's per_error_read_hours says.
    if (!work_ms.empty()) add_wear(state, work_ms, state.last_head);
    const Micros d = to_micros(ms);
    if (d > limit)
      return time_out(fmt::format("no completion within {} ms (drive retrying LBA {})", limit.count(), stop),
                      false);
    out.status = ReadStatus::kMediaError;
    out.error_lba = stop;
    out.duration = d;
    out.detail = fmt::format("unrecovered read error at LBA {}", stop);
    return out;
  }
  state.position = end;
  state.last_head = prev_head;
  if (!work_ms.empty()) add_wear(state, work_ms, -1);
  const Micros d = to_micros(ms);
  if (d > limit) return time_out(fmt::format("no completion within {} ms (slow sectors)", limit.count()), false);
  out.status = ReadStatus::kOk;
  out.good_sectors = count;
  out.duration = d;
  return out;
}

ResetOutcome SimPhysics::reset(SimDriveState& state, ResetKind kind) const {
  ResetOutcome out;
  out.duration = to_micros(profile_.reset_ms.for_kind(kind));
  if (state.dead) {
    out.detail = "simulated drive is dead";
    return out;
  }
  state.hung = false;
  state.position = 0;  // Heads recalibrate to the outer edge.
  state.last_head = -1;
  if (kind == ResetKind::kPowerCycle) state.error_recovery_limit = to_micros(profile_.error_recovery_limit_ms);
  out.ok = true;
  return out;
}

}  // namespace ptrescue
