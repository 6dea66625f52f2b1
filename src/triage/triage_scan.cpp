// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/triage/triage_scan.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>

namespace ptrescue {
namespace {

// A window that failed this many reads is left: its share of the budget
// goes unread rather than into error reads.
constexpr int kMaxWindowErrors = 16;

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  const std::size_t k = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Adds one read to running figures (the median is taken at the end).
struct PaceTally {
  PaceFigures f;
  std::vector<double> good_ms;
  double good_bytes = 0;
  double all_ms = 0;
  void add(const TriageRead& r, ReadPace pace, std::uint32_t ss) {
    ++f.reads;
    all_ms += r.ms;
    if (r.status != ReadStatus::kOk) {
      ++f.errors;
      return;
    }
    if (pace == ReadPace::kSlow) ++f.slow;
    good_ms.push_back(r.ms);
    good_bytes += static_cast<double>(r.sectors) * ss;
  }
  PaceFigures done() {
    f.median_ms = median_of(good_ms);
    f.mb_per_s = all_ms > 0 ? good_bytes / (all_ms * 1000.0) : 0;  // bytes per ms / 1000 = MB/s
    return f;
  }
};

// A timeout the good reads of a head (or all heads) never come near: ten
// times their median, from 300 ms to 5 s, in tenths of a second.
std::string timeout_for(double median_ms) {
  const double ms = std::clamp(10.0 * median_ms, 300.0, 5000.0);
  return fmt::format("{}ms", static_cast<long>(std::ceil(ms / 100.0) * 100.0));
}

void fit_model(TriageResult& r) {
  std::vector<TimedRead> timed;
  std::vector<Lba> errors;
  for (const TriageRead& x : r.reads) {
    if (x.status == ReadStatus::kOk) timed.push_back({x.lba, x.sectors, x.ms});
    else errors.push_back(x.error_lba.value_or(x.lba));
  }
  InferenceSettings fit;
  fit.granule = std::max<Lba>(1, r.reads.empty() ? 1 : r.reads.front().sectors);
  r.model = fit_latency(timed, r.capacity, fit);
  r.model_from_latency = r.model.has_value();
  // Errors alone, where the times show no pattern: the surer of the two.
  if (errors.size() >= 3) {
    auto by_errors = fit_stripes(group_errors(errors), r.capacity, fit);
    if (by_errors && (!r.model || by_errors->confidence > r.model->confidence)) {
      r.model = std::move(by_errors);
      r.model_from_latency = false;
    }
  }
  if (r.model && r.model->confidence >= kTriageMinConfidence) r.map = r.model->to_head_map(r.capacity);
}

void advise(TriageResult& r) {
  std::vector<double> good;
  bool hung = false;
  for (const TriageRead& x : r.reads) {
    if (x.status == ReadStatus::kOk) good.push_back(x.ms);
    if (x.status == ReadStatus::kTimeout) hung = true;
  }
  const double all_median = median_of(good);
  for (const TriageHead& h : r.heads) {
    if (!h.weak) continue;
    r.advice.emplace_back("--analyze",
                          fmt::format("head {} is weak: rescue --analyze starts with this head map and reads "
                                      "the healthy heads first, head {} last",
                                      h.head, h.head));
    r.advice.emplace_back(fmt::format("--head-timeout {}={}", h.head, timeout_for(h.pace.median_ms)),
                          fmt::format("ten times its good reads' median ({:.1f} ms): a stuck read of the weak "
                                      "head must not wear it for long",
                                      h.pace.median_ms));
  }
  if (!good.empty())
    r.advice.emplace_back(fmt::format("--read-timeout copy={}", timeout_for(all_median)),
                          fmt::format("ten times the good reads' median ({:.1f} ms)", all_median));
  if (hung)
    r.advice.emplace_back("--reset soft,device,bus", "reads timed out: reset the drive when one hangs");
  else
    r.advice.emplace_back("(no --reset needed)", "no read timed out");
  if (r.slow_firmware)
    r.advice.emplace_back("(slow firmware)",
                          fmt::format("good reads are slow everywhere (below {:.0f} MB/s in every window): "
                                      "the drive, not one head; long timeouts, and no head to leave for last",
                                      kSlowFirmwareMbps));
}

}  // namespace

void analyze_reads(TriageResult& r) {
  std::vector<TimedRead> timed;
  std::vector<std::size_t> good_index;
  for (std::size_t i = 0; i < r.reads.size(); ++i) {
    if (r.reads[i].status != ReadStatus::kOk) continue;
    timed.push_back({r.reads[i].lba, r.reads[i].sectors, r.reads[i].ms});
    good_index.push_back(i);
  }
  const auto judged = judge_paces(timed);
  r.paces.assign(r.reads.size(), ReadPace::kUnjudged);
  for (std::size_t k = 0; k < good_index.size(); ++k) r.paces[good_index[k]] = judged[k];

  // Per window.
  std::vector<PaceTally> by_window(r.windows.size());
  for (std::size_t i = 0; i < r.reads.size(); ++i) {
    const auto w = static_cast<std::size_t>(r.reads[i].window);
    if (w < by_window.size()) by_window[w].add(r.reads[i], r.paces[i], r.sector_size);
  }
  bool all_slow = !r.windows.empty();
  for (std::size_t w = 0; w < r.windows.size(); ++w) {
    r.windows[w].pace = by_window[w].done();
    const PaceFigures& p = r.windows[w].pace;
    const double median_rate =
        p.median_ms > 0 ? by_window[w].good_bytes / static_cast<double>(by_window[w].good_ms.size()) / (p.median_ms * 1000.0) : 0;
    if (p.reads == 0 || median_rate >= kSlowFirmwareMbps) all_slow = false;
  }
  r.slow_firmware = all_slow;

  fit_model(r);
  // Per head of the map.
  if (!r.map.empty()) {
    std::vector<PaceTally> by_head(HeadMap::kMaxHeads);
    for (std::size_t i = 0; i < r.reads.size(); ++i) {
      const TriageRead& x = r.reads[i];
      if (const auto h = r.map.head_of(x.lba + x.sectors / 2)) by_head[static_cast<std::size_t>(*h)].add(x, r.paces[i], r.sector_size);
    }
    for (int h : r.map.heads())
      r.heads.push_back(TriageHead{h, by_head[static_cast<std::size_t>(h)].done(), r.map.is_weak(h)});
  }
  // Time to image: each window's share of the drive at the rate seen there.
  const double share = r.windows.empty() ? 0 : static_cast<double>(r.capacity) * r.sector_size / static_cast<double>(r.windows.size());
  r.estimate_s = 0;
  for (const TriageWindow& w : r.windows)
    if (w.pace.mb_per_s > 0) r.estimate_s += share / (w.pace.mb_per_s * 1e6);
  advise(r);
}

TriageResult run_triage(Device& dev, const TriageOptions& o) {
  const DeviceIdentity& id = dev.identity();
  TriageResult r;
  r.capacity = id.capacity_sectors;
  r.sector_size = id.logical_sector_size;
  const Lba per_read = std::clamp<Lba>(o.read_bytes / std::max<std::uint32_t>(1, r.sector_size), 1,
                                       std::max<Lba>(1, std::min<Lba>(id.max_transfer_sectors, r.capacity)));
  const int windows = std::max(1, o.windows);
  const std::uint64_t reads_per_window = std::max<std::uint64_t>(1, o.max_reads / static_cast<std::uint64_t>(windows));
  std::vector<std::byte> buffer(static_cast<std::size_t>(per_read) * r.sector_size);
  const Micros start = dev.clock().now();
  const Micros budget = std::chrono::duration_cast<Micros>(o.time_budget);
  for (int w = 0; w < windows && !r.drive_gone; ++w) {
    // Windows start evenly over the drive, on the read grid.
    Lba lba = r.capacity / static_cast<Lba>(windows) * static_cast<Lba>(w) / per_read * per_read;
    TriageWindow tw{lba, lba, {}};
    int in_a_row = 0;
    int window_errors = 0;
    // Each window its share of the time, so a slow one cannot starve the rest.
    const Micros window_end = start + budget * (w + 1) / windows;
    for (std::uint64_t k = 0; k < reads_per_window && lba < r.capacity; ++k) {
      if (dev.clock().now() >= window_end) break;
      const Lba n = std::min(per_read, r.capacity - lba);
      const ReadOutcome out = dev.read(lba, static_cast<std::uint32_t>(n),
                                       std::span<std::byte>(buffer.data(), static_cast<std::size_t>(n) * r.sector_size),
                                       o.read_timeout);
      if (out.status == ReadStatus::kDeviceGone) {
        r.drive_gone = true;
        break;
      }
      r.reads.push_back(TriageRead{lba, n, static_cast<double>(out.duration.count()) / 1000.0, out.status,
                                   out.error_lba, w});
      if (out.needs_reset) dev.reset(ResetKind::kSoft);
      lba += n;
      // Failed reads cost seconds and wear a weak head: skip ahead after
      // one (further after each in a row), and leave a window that keeps
      // failing.
      if (out.status == ReadStatus::kOk) {
        in_a_row = 0;
      } else {
        ++window_errors;
        lba += per_read * ((Lba{1} << std::min(in_a_row++, 10)) - 1) * 4;
        if (window_errors >= kMaxWindowErrors) break;
      }
    }
    tw.end = lba;
    r.windows.push_back(tw);
  }
  r.drive_ms = static_cast<double>((dev.clock().now() - start).count()) / 1000.0;
  analyze_reads(r);
  return r;
}

}  // namespace ptrescue
