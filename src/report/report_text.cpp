// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/report/report_text.h"

#include "src/report/acquisition_log_text.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "src/mapfile/status_names.h"
#include "base/units.h"

namespace ptrescue {
namespace {

/// ddrescuelog's percentages: a whole number as "%3d" ("  0", " 25", "100"),
/// anything else with two decimals, rounded (" 99.37", "100.00").
std::string percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return "  0";
  const __int128 scaled = static_cast<__int128>(part) * 100;
  if (scaled % whole == 0) return fmt::format("{:>3}", static_cast<std::int64_t>(scaled / whole));
  return fmt::format("{:6.2f}", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string lba_text(std::int64_t pos, std::int64_t size, std::int64_t ss) {
  const std::int64_t first = pos / ss, last = (pos + size - 1) / ss;
  return first == last ? fmt::format("{}", first) : fmt::format("{}-{}", first, last);
}

}  // namespace

std::string ddrescue_size(std::int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (bytes >= 1000000 && u < 6) {
    bytes /= 1000;
    ++u;
  }
  return fmt::format("{} {}", bytes, kUnits[u]);
}

std::string ddrescuelog_totals(const MapFile& map) {
  const std::int64_t extent = map.end_pos() - map.begin_pos();
  if (extent <= 0) return "\nNothing to do; domain is empty.\n";
  std::array<std::int64_t, 5> areas{};  // by status char order below
  const auto slot = [](BlockStatus s) -> std::size_t {
    switch (s) {
      case BlockStatus::kNonTried: return 0;
      case BlockStatus::kFinished: return 1;
      case BlockStatus::kNonTrimmed: return 2;
      case BlockStatus::kNonScraped: return 3;
      case BlockStatus::kBadSector: return 4;
    }
    return 0;
  };
  map.for_each([&](const MapBlock& b) { ++areas[slot(b.status)]; });
  const MapTotals& t = map.totals();
  const MapCursor& c = map.cursor();
  std::string s = fmt::format("\n   current pos: {:>10},  current status: {}\n", ddrescue_size(c.pos), phase_name(c.phase));
  s += fmt::format("mapfile extent: {:>10},  in {:>6} area(s)\n", ddrescue_size(extent), map.block_count());
  if (map.begin_pos() != 0) {
    s += fmt::format("  domain begin: {:>10},  domain end: {:>10}\n", ddrescue_size(map.begin_pos()),
                     ddrescue_size(map.end_pos()));
    s += fmt::format("   domain size: {:>10},  in {:>6} area(s)\n", ddrescue_size(extent), 1);
  }
  s += "\n";
  const std::array<std::pair<const char*, std::int64_t>, 5> rows{{{"non-tried", t.non_tried},
                                                                   {"rescued", t.finished},
                                                                   {"non-trimmed", t.non_trimmed},
                                                                   {"non-scraped", t.non_scraped},
                                                                   {"bad-sector", t.bad_sector}}};
  for (std::size_t i = 0; i < rows.size(); ++i)
    s += fmt::format("{:>14}: {:>10},  in {:>6} area(s)  ({}%)\n", rows[i].first, ddrescue_size(rows[i].second),
                     areas[i], percent(rows[i].second, extent));
  return s;
}

std::string render_report_text(const RescueReport& r) {
  const MapFile& map = r.map;
  const MapTotals& t = map.totals();
  const std::int64_t ss = r.sector_size;
  const std::int64_t extent = map.end_pos() - map.begin_pos();
  std::string s = fmt::format("ptrescue report: {}\n", r.mapfile_path);
  auto field = [&](const char* name, const std::string& v) {
    if (!v.empty()) s += fmt::format("  {:<14}{}\n", name, v);
  };
  field("created by:", r.run.created_by);
  field("command line:", r.run.command_line);
  field("start time:", r.run.start_time);
  field("current time:", r.run.current_time);
  field("last phase:", r.run.last_comment);

  s += "\nTotals (as ddrescuelog -t):\n" + ddrescuelog_totals(map);
  s += fmt::format("\nRescued {} of {} bytes ({:.2f}%); {} bad area{}, {} bad bytes ({} sectors of {} bytes, {}).\n",
                   t.finished, extent, extent > 0 ? 100.0 * static_cast<double>(t.finished) / static_cast<double>(extent) : 0.0, t.bad_areas, t.bad_areas == 1 ? "" : "s",
                   t.bad_sector, (t.bad_sector + ss - 1) / ss, ss,
                   r.sector_size_source == "default" ? "the default sector size" : "from " + r.sector_size_source);

  // Areas not rescued: what an examiner looks at first.
  std::vector<MapBlock> unrescued;
  std::int64_t unrescued_count = 0;
  map.for_each([&](const MapBlock& b) {
    if (b.status == BlockStatus::kFinished) return;
    ++unrescued_count;
    if (unrescued.size() < r.max_areas) unrescued.push_back(b);
  });
  if (unrescued_count > 0) {
    s += fmt::format("\nAreas not rescued ({}{}):\n", unrescued_count,
                     static_cast<std::size_t>(unrescued_count) > unrescued.size()
                         ? fmt::format(", the first {} listed", unrescued.size())
                         : "");
    s += fmt::format("  {:>18}  {:>14}  {:<12} {}\n", "position", "size", "status", "LBA");
    for (const MapBlock& b : unrescued)
      s += fmt::format("  {:>18}  {:>14}  {:<12} {}\n", fmt::format("0x{:08X}", b.pos), b.size,
                       block_status_name(b.status), lba_text(b.pos, b.size, ss));
  }

  s += fmt::format("\nHashes ({}):\n", r.hash_path);
  if (!r.hash_problem.empty()) {
    s += fmt::format("  unreadable: {}\n", r.hash_problem);
  } else if (!r.hashes) {
    s += "  none (rescue with --hash, or run ptrescue hash IMAGE --mapfile MAPFILE)\n";
  } else {
    const HashRecord& h = *r.hashes;
    for (const HashValue& v : h.values) s += fmt::format("  {:<7} {}\n", hash_tag(v.algorithm), v.hex);
    s += fmt::format("  image {}, bytes {}-{} ({} bytes), {}, taken {}\n", h.image, h.first_byte,
                     h.first_byte + h.bytes - 1, h.bytes,
                     h.method == "on-the-fly" ? "computed while reading" : "read back from the image", h.time);
    s += h.complete ? "  complete: every hashed byte was rescued\n"
                    : fmt::format("  NOT complete: {} hashed bytes were not rescued; there the image holds {}\n",
                                  h.unrescued_bytes, h.unrescued_content);
    if (h.rescued_in_map >= 0 && h.rescued_in_map != t.finished)
      s += "  STALE: the mapfile has changed since these hashes were taken\n";
  }

  if (!r.heads.problem.empty())
    s += fmt::format("\nHeads ({}): not readable: {}\n", r.headmap_path, r.heads.problem);
  if (!r.head_stats.empty()) {
    s += fmt::format("\nHeads ({}):\n  {:>4}  {:>14}  {:>8}  {:>12}  {:>14}\n", r.headmap_path, "head", "sectors",
                     "rescued", "bad sectors", "not rescued");
    for (const HeadStats& h : r.head_stats)
      s += fmt::format("  {:>4}  {:>14}  {:>7}%  {:>12}  {:>14}{}\n", h.head, h.bytes / ss, percent(h.rescued, h.bytes),
                       h.bad / ss, h.unrescued / ss, h.weak ? "  weak" : "");
  }

  if (!r.smart.snapshots.empty()) {
    const auto& first = r.smart.snapshots.front();
    const auto& last = r.smart.snapshots.back();
    const bool two = r.smart.snapshots.size() > 1;
    s += fmt::format("\nSMART ({}, {} snapshot{}{}):\n", r.smart_path, r.smart.snapshots.size(),
                     two ? "s" : "",
                     two ? fmt::format(": '{}' and '{}'", smart_label(first, 0),
                                       smart_label(last, r.smart.snapshots.size() - 1))
                         : "");
    if (r.smart.malformed_lines > 0) s += fmt::format("  ({} lines not understood)\n", r.smart.malformed_lines);
    s += two ? fmt::format("  {:<36} {:>16} {:>16}\n", "", "before", "after")
             : fmt::format("  {:<36} {:>16}\n", "", "value");
    for (const SmartRow& row : smart_comparison(first, last)) {
      if (two)
        s += fmt::format("  {:<36} {:>16} {:>16}{}\n", row.name, row.before, row.after,
                         row.changed ? (row.important ? "  <-- CHANGED" : "  changed") : "");
      else
        s += fmt::format("  {:<36} {:>16}\n", row.name, row.after);
    }
  }

  if (r.reads.present) {
    const ReadsSummary& rd = r.reads;
    s += fmt::format("\nReads log ({}, found by {}):\n", rd.path, r.reads_log_found_by);
    std::string outcomes;
    for (const auto& [word, n] : rd.outcomes) outcomes += fmt::format("{}{} {}", outcomes.empty() ? "" : ", ", n, word);
    s += fmt::format("  {} read commands ({}), {} bytes asked, {} rescued\n", rd.reads, outcomes.empty() ? "none" : outcomes,
                     rd.bytes_asked, rd.bytes_copied);
    if (rd.has_durations)
      s += fmt::format("  time reading: {}\n", format_duration(std::chrono::milliseconds(rd.total_ms)));
    s += fmt::format("  {} phase changes, {} resets ({} failed), {} timeouts, {} device-gone\n", rd.phases, rd.resets,
                     rd.resets_failed, rd.timeouts, rd.gone);
    if (!rd.slowest.empty()) {
      s += "  slowest commands:\n";
      for (const ReadRecord& x : rd.slowest)
        s += fmt::format("    {:>8} ms  0x{:08X}  {:>8} bytes  {}\n", x.duration_ms, x.pos, x.size, x.outcome);
    }
    if (!rd.events.empty()) {
      s += fmt::format("  events ({}):\n", rd.events.size() < static_cast<std::size_t>(rd.phases + rd.resets + rd.timeouts + rd.gone)
                                              ? fmt::format("the first {}", rd.events.size())
                                              : "all");
      for (const LogEvent& e : rd.events)
        s += e.pos >= 0 ? fmt::format("    {:<8} at 0x{:08X} (LBA {}): {}\n", e.kind, e.pos, e.pos / ss, e.text)
                        : fmt::format("    {:<8} {}\n", e.kind, e.text);
    }
    if (rd.malformed_lines > 0) s += fmt::format("  ({} lines not understood)\n", rd.malformed_lines);
  }
  s += acquisition_log_section_text(r.acquisition_log_path, r.acquisition_log);
  return s;
}

}  // namespace ptrescue
