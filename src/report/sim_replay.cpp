// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/report/sim_replay.h"

#include "base/units.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "base/word_list.h"

#include "src/heads/head_map.h"

namespace ptrescue {
namespace {

// Distinct bytes rescued: disjoint intervals, merged as they come.
class RescuedSet {
 public:
  std::int64_t add(std::int64_t a, std::int64_t b) {
    auto it = ivs_.upper_bound(a);
    if (it != ivs_.begin() && std::prev(it)->second >= a) --it;
    std::int64_t lo = a, hi = b, removed = 0;
    while (it != ivs_.end() && it->first <= hi) {
      lo = std::min(lo, it->first);
      hi = std::max(hi, it->second);
      removed += it->second - it->first;
      it = ivs_.erase(it);
    }
    ivs_[lo] = hi;
    total_ += (hi - lo) - removed;
    return total_;
  }
  std::int64_t total() const { return total_; }
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges() const { return {ivs_.begin(), ivs_.end()}; }

 private:
  std::map<std::int64_t, std::int64_t> ivs_;
  std::int64_t total_ = 0;
};

}  // namespace

std::vector<LoggedRead> parse_reads_log(std::string_view text) {
  std::vector<LoggedRead> out;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    const auto w = split_words(trim_blanks(line));  // a CRLF file too
    if (w.empty()) continue;
    if (w[0].front() == '#') {
      // "# reset soft: ok in 100ms"
      if (w.size() >= 3 && w[0] == "#" && w[1] == "reset") {
        std::string_view kind = w[2];
        if (!kind.empty() && kind.back() == ':') kind.remove_suffix(1);
        for (ResetKind k : {ResetKind::kSoft, ResetKind::kDevice, ResetKind::kTarget, ResetKind::kBus,
                            ResetKind::kHost, ResetKind::kUsbReset, ResetKind::kUsbRebind, ResetKind::kPowerCycle})
          if (reset_word(k) == kind) {
            LoggedRead r;
            r.reset = k;
            r.line = line_no;
            out.push_back(r);
          }
      }
      continue;
    }
    if (w.size() < 4)
      throw ReadsLogError(fmt::format("line {}: expected 'ipos size copied_size error_size [...]'", line_no));
    LoggedRead r;
    r.line = line_no;
    const auto p = parse_plain_number(w[0]), s = parse_plain_number(w[1]), c = parse_plain_number(w[2]);
    if (!p || !s || !c || *s == 0 || *c > *s)
      throw ReadsLogError(fmt::format("line {}: cannot read position, size and copied size from '{}'", line_no,
                                      std::string(line)));
    r.pos = *p;
    r.size = *s;
    r.copied = *c;
    if (w.size() >= 7)
      if (const auto t = parse_plain_number(w[6])) r.timeout = Millis(*t);
    out.push_back(r);
  }
  return out;
}

std::vector<SimRange> unreadable_runs(const SimPhysics& physics) {
  std::vector<SimRange> runs;
  const Lba cap = physics.profile().capacity_sectors;
  Lba lba = 0;
  while (lba < cap) {
    const auto x = physics.first_bad_in(lba, cap);
    if (!x) break;
    Lba end = *x + 1;
    while (end < cap && physics.is_bad(end)) ++end;
    runs.push_back(SimRange{*x, end - *x});
    lba = end;
  }
  return runs;
}

ReplayResult replay_reads(const SimPhysics& physics, const std::vector<LoggedRead>& reads) {
  const SimProfile& p = physics.profile();
  const std::int64_t ss = p.logical_sector_size;
  ReplayResult res;
  res.capacity_bytes = static_cast<std::int64_t>(p.capacity_sectors) * ss;
  std::int64_t bad = 0;
  for (const auto& r : unreadable_runs(physics)) bad += static_cast<std::int64_t>(r.length) * ss;
  res.readable_bytes = res.capacity_bytes - bad;
  SimDriveState state = physics.initial_state();
  RescuedSet rescued;
  Micros clock{0};
  const auto milestone = [&](std::optional<double>& slot, double pct) {
    if (!slot && static_cast<double>(rescued.total()) >= pct / 100.0 * static_cast<double>(res.readable_bytes))
      slot = static_cast<double>(clock.count()) / 1e6;
  };
  for (const LoggedRead& r : reads) {
    if (state.dead) {
      if (!r.reset) ++res.reads_after_death;
      continue;
    }
    if (r.reset) {
      clock += physics.reset(state, *r.reset).duration;
      continue;
    }
    const Lba first = static_cast<Lba>(r.pos / ss);
    const Lba last = static_cast<Lba>((r.pos + r.size + ss - 1) / ss);
    const ReadOutcome o = physics.read(state, first, static_cast<std::uint32_t>(std::min<Lba>(last - first, UINT32_MAX)), r.timeout);
    clock += o.duration;
    if (o.status == ReadStatus::kDeviceGone) {
      ++res.reads_after_death;
      continue;
    }
    ++res.reads;
    const bool met_bad = o.status == ReadStatus::kMediaError ||
                         (o.status == ReadStatus::kTimeout && physics.first_bad_in(first, last).has_value());
    if (met_bad) ++res.error_reads;
    if (o.ok() != (r.copied == r.size)) ++res.mismatches;
    if (o.ok()) {
      rescued.add(r.pos, r.pos + r.size);
      milestone(res.time_to_50_s, 50);
      milestone(res.time_to_90_s, 90);
      milestone(res.time_to_99_s, 99);
      milestone(res.time_to_100_s, 100);
    }
    if (state.dead) res.died_at_s = static_cast<double>(clock.count()) / 1e6;
  }
  res.rescued_bytes = rescued.total();
  res.rescued_ranges = rescued.ranges();
  res.time_s = static_cast<double>(clock.count()) / 1e6;
  return res;
}

std::vector<LoggedRead> ceiling_reads(const SimPhysics& physics, Lba cluster) {
  const SimProfile& p = physics.profile();
  const std::int64_t ss = p.logical_sector_size;
  const HeadMap map = HeadMap::from_sim(p);
  std::uint64_t weak = 0;
  for (int h : map.weak_heads()) weak |= std::uint64_t{1} << h;
  const std::uint64_t all = p.heads >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << p.heads) - 1;
  SimDriveState state = physics.initial_state();
  std::vector<LoggedRead> out;
  cluster = std::clamp<Lba>(cluster, 1, p.max_transfer_sectors);
  const auto read = [&](Lba lba, Lba count) {
    const ReadOutcome o = physics.read(state, lba, static_cast<std::uint32_t>(count), Millis(0));
    LoggedRead r;
    r.pos = static_cast<std::int64_t>(lba) * ss;
    r.size = static_cast<std::int64_t>(count) * ss;
    r.copied = o.ok() ? r.size : 0;
    out.push_back(r);
    return o;
  };
  // Healthy heads first, then the weak ones; each in LBA order, aligned
  // clusters; after a failure, the good part before the failing sector is
  // read again and the rest of the cluster is left.
  for (const std::uint64_t heads : {all & ~weak, weak}) {
    Lba lba = 0;
    while (!state.dead) {
      const auto span = map.next_span_of(lba, heads);
      if (!span || span->start >= p.capacity_sectors) break;
      const Lba end = std::min<Lba>(span->end, p.capacity_sectors);
      Lba x = span->start;
      while (x < end && !state.dead) {
        const Lba stop = std::min(end, (x / cluster + 1) * cluster);
        const ReadOutcome o = read(x, stop - x);
        if (!o.ok() && o.error_lba && *o.error_lba > x && !state.dead) read(x, *o.error_lba - x);
        x = stop;
      }
      lba = end;
    }
  }
  return out;
}

std::string format_reads_log(const std::vector<LoggedRead>& reads, std::string_view title) {
  std::string out = fmt::format("# Reads Logfile. {}\n#  Ipos       Size  Copied_size  Error_size\n", title);
  for (const auto& r : reads) {
    if (r.reset) {
      out += fmt::format("# reset {}: ok\n", reset_word(*r.reset));
      continue;
    }
    out += fmt::format("0x{:08X}\t{}\t{}\t{}\n", r.pos, r.size, r.copied, r.size - r.copied);
  }
  return out;
}

}  // namespace ptrescue
