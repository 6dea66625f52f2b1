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
  r.estimate_s = estimate_seconds(r);
  advise(r);
}

namespace {

// Where a window's reads stand between the stages of the scan.
struct WindowCursor {
  Lba next = 0;
  std::uint64_t reads = 0;
  int in_a_row = 0;  ///< Failed reads in a row.
  int errors = 0;
  bool done = false;
};

// The scan's reads so far and where each window goes on.
struct Scan {
  Device& dev;
  const TriageOptions& o;
  TriageResult& r;
  Lba per_read = 1;
  std::vector<WindowCursor> cursors;
  std::vector<std::byte> buffer;
};

// Each window reads on up to `per_window` reads in all, within its share
// of the drive time from now to `until` (so a slow window cannot starve
// the rest).
void read_windows(Scan& s, std::uint64_t per_window, Micros until) {
  const Micros from = s.dev.clock().now();
  const auto n_windows = static_cast<std::int64_t>(s.cursors.size());
  for (std::int64_t w = 0; w < n_windows && !s.r.drive_gone; ++w) {
    WindowCursor& c = s.cursors[static_cast<std::size_t>(w)];
    const Micros window_end = from + (until - from) * (w + 1) / n_windows;
    while (!c.done && c.reads < per_window && c.next < s.r.capacity) {
      if (s.dev.clock().now() >= window_end) break;
      const Lba lba = c.next;
      const Lba n = std::min(s.per_read, s.r.capacity - lba);
      const ReadOutcome out =
          s.dev.read(lba, static_cast<std::uint32_t>(n),
                     std::span<std::byte>(s.buffer.data(), static_cast<std::size_t>(n) * s.r.sector_size),
                     s.o.read_timeout);
      if (out.status == ReadStatus::kDeviceGone) {
        s.r.drive_gone = true;
        break;
      }
      ++c.reads;
      s.r.reads.push_back(TriageRead{lba, n, static_cast<double>(out.duration.count()) / 1000.0, out.status,
                                     out.error_lba, static_cast<int>(w)});
      if (out.needs_reset) s.dev.reset(ResetKind::kSoft);
      c.next = lba + n;
      // Failed reads cost seconds and wear a weak head: skip ahead after
      // one (further after each in a row), and leave a window that keeps
      // failing.
      if (out.status == ReadStatus::kOk) {
        c.in_a_row = 0;
      } else {
        ++c.errors;
        c.next += s.per_read * ((Lba{1} << std::min(c.in_a_row++, 10)) - 1) * 4;
        if (c.errors >= kMaxWindowErrors) c.done = true;
      }
    }
  }
  // A window read on later starts a read further on: its first read then
  // pays a seek, and must not follow on (in LBA) from the last one read.
  for (WindowCursor& c : s.cursors) c.next += s.per_read;
}

// Slow or failing reads among those of the scan: worth the whole budget.
bool saw_something(const TriageResult& r) {
  std::vector<TimedRead> timed;
  for (const TriageRead& x : r.reads) {
    if (x.status != ReadStatus::kOk) return true;
    timed.push_back({x.lba, x.sectors, x.ms});
  }
  const auto paces = judge_paces(timed);
  return std::find(paces.begin(), paces.end(), ReadPace::kSlow) != paces.end();
}

}  // namespace

double estimate_seconds(const TriageResult& r) {
  if (r.windows.empty()) return 0;
  std::vector<double> ms(r.windows.size()), bytes(r.windows.size());
  for (std::size_t i = 0; i < r.reads.size(); ++i) {
    const TriageRead& x = r.reads[i];
    const auto w = static_cast<std::size_t>(x.window);
    const bool follows_on = i > 0 && r.reads[i - 1].lba + r.reads[i - 1].sectors == x.lba;
    if (w >= ms.size() || !follows_on) continue;
    ms[w] += x.ms;
    bytes[w] += static_cast<double>(x.sectors) * r.sector_size;
  }
  // Each window's share of the drive at the rate seen there.
  const double share = static_cast<double>(r.capacity) * r.sector_size / static_cast<double>(r.windows.size());
  double s = 0;
  for (std::size_t w = 0; w < ms.size(); ++w)
    if (bytes[w] > 0) s += share * ms[w] / bytes[w] / 1000.0;
  return s;
}

TriageResult run_triage(Device& dev, const TriageOptions& o) {
  const DeviceIdentity& id = dev.identity();
  TriageResult r;
  r.capacity = id.capacity_sectors;
  r.sector_size = id.logical_sector_size;
  Scan s{dev, o, r, 1, {}, {}};
  s.per_read = std::clamp<Lba>(o.read_bytes / std::max<std::uint32_t>(1, r.sector_size), 1,
                               std::max<Lba>(1, std::min<Lba>(id.max_transfer_sectors, r.capacity)));
  const int windows = std::max(1, o.windows);
  const std::uint64_t reads_per_window = std::max<std::uint64_t>(1, o.max_reads / static_cast<std::uint64_t>(windows));
  s.buffer.resize(static_cast<std::size_t>(s.per_read) * r.sector_size);
  const Lba slice = r.capacity / static_cast<Lba>(windows);
  const Lba room = slice - std::min(slice, static_cast<Lba>(reads_per_window) * s.per_read);
  for (int w = 0; w < windows; ++w) {
    // One window in each slice of the drive, on the read grid, but not at
    // the slices' starts: slices are often whole periods of the heads'
    // stripes, and a short survey there would read the same head in every
    // window. Each window starts a different share of the slice's room
    // in (the golden ratio's multiples: spread evenly for any count); the
    // first at LBA 0, where the head map's labels are counted from.
    const double share = std::fmod(0.6180339887498949 * w, 1.0);
    const Lba offset = static_cast<Lba>(share * static_cast<double>(room)) / s.per_read * s.per_read;
    const Lba lba = (slice * static_cast<Lba>(w) + offset) / s.per_read * s.per_read;
    s.cursors.push_back(WindowCursor{lba, 0, 0, 0, false});
    r.windows.push_back(TriageWindow{lba, lba, {}});
  }
  const Micros start = dev.clock().now();
  const Micros end = start + std::chrono::duration_cast<Micros>(o.time_budget);
  if (!o.scaled) {
    r.looked_closer = true;
    read_windows(s, reads_per_window, end);
  } else {
    // A healthy drive gets a scan in proportion to its time to image; one
    // whose survey shows slow or failing reads is worth the whole budget
    // (a weak head wears on every read of the rescue).
    read_windows(s, std::min<std::uint64_t>(reads_per_window, static_cast<std::uint64_t>(std::max(1, o.survey_reads))),
                 end);
    r.looked_closer = saw_something(r);
    Micros until = end;
    if (!r.looked_closer) {
      const auto scaled = Micros(static_cast<std::int64_t>(o.survey_share * estimate_seconds(r) * 1e6));
      until = std::min(end, start + scaled);
    }
    if (dev.clock().now() < until) read_windows(s, reads_per_window, until);
  }
  for (std::size_t w = 0; w < s.cursors.size(); ++w) r.windows[w].end = s.cursors[w].next - s.per_read;
  // The analysis wants each window's reads together, in the order read.
  std::stable_sort(r.reads.begin(), r.reads.end(),
                   [](const TriageRead& a, const TriageRead& b) { return a.window < b.window; });
  r.drive_ms = static_cast<double>((dev.clock().now() - start).count()) / 1000.0;
  analyze_reads(r);
  return r;
}

}  // namespace ptrescue
