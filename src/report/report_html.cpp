// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/report/report_html.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "src/report/report_text.h"
#include "src/report/sector_map_grid.h"
#include "src/mapfile/status_names.h"
#include "base/units.h"

namespace ptrescue {
namespace {

constexpr int kHeadColumns = 512;
constexpr int kChartLeft = 64;
constexpr int kChartWidth = 1024;
constexpr int kChartHeight = 200;
constexpr int kChartTop = 8;  // room for the top label

std::string pct(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return "0";
  return fmt::format("{:.2f}", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string hex(std::int64_t v) { return fmt::format("0x{:08X}", v); }

/// "rescued 64 kB, bad-sector 512 B" for the statuses present.
std::string breakdown(const StatusBytes& b) {
  std::string s;
  for (int i = 4; i >= 0; --i)
    if (b[static_cast<std::size_t>(i)] > 0)
      s += fmt::format("{}{} {}", s.empty() ? "" : ", ", block_status_name(status_of_index(i)),
                       ddrescue_size(b[static_cast<std::size_t>(i)]));
  return s;
}

std::string range_title(std::int64_t a, std::int64_t z, std::int64_t ss) {
  return fmt::format("{}-{} (LBA {}-{}, {} bytes)", hex(a), hex(z - 1), a / ss, (z - 1) / ss, z - a);
}

void add_sum(StatusBytes& into, const StatusBytes& b) {
  for (std::size_t i = 0; i < into.size(); ++i) into[i] += b[i];
}

std::string sector_map_svg(const RescueReport& r, const MapGrid& g) {
  const std::int64_t ss = r.sector_size;
  const int width = g.columns * kCellPitch, height = std::max(1, g.rows) * kCellPitch;
  std::string runs;
  int bad_runs = 0;
  // One rect per run of equal worst status within a row. Runs are 1 px apart
  // and rows too, so every rect is a separate patch of colour on screen.
  for (int row = 0; row < g.rows; ++row) {
    int col = 0;
    while (col < g.columns) {
      const std::size_t i = static_cast<std::size_t>(row) * static_cast<std::size_t>(g.columns) + static_cast<std::size_t>(col);
      if (i >= g.cells.size()) break;
      const int w = worst_index(g.cells[i]);
      int n = 1;
      StatusBytes sum = g.cells[i];
      while (col + n < g.columns && i + static_cast<std::size_t>(n) < g.cells.size() &&
             worst_index(g.cells[i + static_cast<std::size_t>(n)]) == w) {
        add_sum(sum, g.cells[i + static_cast<std::size_t>(n)]);
        ++n;
      }
      const BlockStatus st = status_of_index(w);
      if (st == BlockStatus::kBadSector) ++bad_runs;
      const std::int64_t a = g.cell_begin(i), z = g.cell_end(i + static_cast<std::size_t>(n) - 1);
      runs += fmt::format(
          "<rect class=\"run st-{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {}</title></rect>\n",
          block_status_name(st), col * kCellPitch, row * kCellPitch, n * kCellPitch - 1, kCellPitch - 1,
          status_colour(st), range_title(a, z, ss), html_escape(breakdown(sum)));
      col += n;
    }
  }
  return fmt::format(
      "<svg id=\"sector-map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "shape-rendering=\"crispEdges\" data-columns=\"{}\" data-rows=\"{}\" data-cell-bytes=\"{}\" "
      "data-begin=\"{}\" data-end=\"{}\" data-cell-pitch=\"{}\" data-bad-runs=\"{}\">\n{}</svg>\n",
      width, height, g.columns, g.rows, g.cell_bytes, g.begin, g.end, kCellPitch, bad_runs, runs);
}

std::string legend() {
  std::string s = "<div class=\"legend\">";
  for (BlockStatus st : {BlockStatus::kFinished, BlockStatus::kNonTried, BlockStatus::kNonTrimmed,
                         BlockStatus::kNonScraped, BlockStatus::kBadSector})
    s += fmt::format("<span><i style=\"background:{}\"></i>{} ({})</span>", status_colour(st), block_status_name(st),
                     static_cast<char>(st));
  return s + "</div>\n";
}

std::string head_map_section(const RescueReport& r) {
  if (!r.heads.problem.empty())
    return fmt::format("<h2 id=\"heads\">Heads</h2>\n<p>The head map {} is not readable: {}</p>\n",
                       html_escape(r.headmap_path), html_escape(r.heads.problem));
  if (r.heads.ranges.empty()) return {};
  const HeadStrips h = build_head_strips(r.map, r.heads, r.sector_size, kHeadColumns);
  const int pitch = 16, px = kChartWidth / kHeadColumns;
  constexpr int kHeadLeft = 100;  // room for "head 12 (weak)"
  std::string rows;
  const std::int64_t ss = r.sector_size;
  for (std::size_t k = 0; k < h.heads.size(); ++k) {
    const int y = static_cast<int>(k) * pitch;
    const bool weak = std::find(r.heads.weak_heads.begin(), r.heads.weak_heads.end(), h.heads[k]) != r.heads.weak_heads.end();
    rows += fmt::format("<text x=\"0\" y=\"{}\" class=\"axis\">head {}{}</text>", y + 11, h.heads[k], weak ? " (weak)" : "");
    rows += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#eeeeee\"/>", kHeadLeft, y,
                        kChartWidth, pitch - 3);
    const auto& strip = h.strips[k];
    int col = 0;
    while (col < h.columns) {
      const int w = worst_index(strip[static_cast<std::size_t>(col)]);
      int n = 1;
      while (col + n < h.columns && worst_index(strip[static_cast<std::size_t>(col + n)]) == w) ++n;
      if (w >= 0) {
        const std::int64_t a = h.begin + col * h.column_bytes;
        const std::int64_t z = std::min(h.end, h.begin + (col + n) * h.column_bytes);
        rows += fmt::format(
            "<rect class=\"head-run\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>head {}, {}: worst {}</title></rect>",
            kHeadLeft + col * px, y, n * px, pitch - 3, status_colour(status_of_index(w)), h.heads[k],
            range_title(a, z, ss), block_status_name(status_of_index(w)));
      }
      col += n;
    }
    rows += "\n";
  }
  std::string table = "<table><tr><th>head</th><th>sectors</th><th>rescued</th><th>bad sectors</th><th>not rescued</th></tr>\n";
  for (const HeadStats& s : r.head_stats)
    table += fmt::format(
        "<tr{}><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}%</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
        s.bad > 0 ? " class=\"changed\"" : "", s.head, s.weak ? " (weak)" : "", s.bytes / ss, pct(s.rescued, s.bytes), s.bad / ss, s.unrescued / ss);
  table += "</table>\n";
  return fmt::format(
      "<h2 id=\"heads\">Heads</h2>\n<p class=\"note\">Each strip shows only the sectors one head reads "
      "(from {}), coloured by their worst status; grey where the head has no sectors.</p>\n"
      "<svg id=\"head-map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" shape-rendering=\"crispEdges\">\n{}</svg>\n{}",
      html_escape(r.headmap_path), kHeadLeft + kChartWidth, static_cast<int>(h.heads.size()) * pitch, rows, table);
}

/// The LBA axis under a chart: positions and LBAs at the quarters.
std::string lba_axis(const RescueReport& r, std::int64_t begin, int y) {
  std::string svg;
  for (int k = 0; k <= 4; ++k) {
    const std::int64_t pos = begin + (r.map.end_pos() - begin) * k / 4;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"{}\">{} (LBA {})</text>",
                       kChartLeft + kChartWidth * k / 4, y, k == 0 ? "start" : k == 4 ? "end" : "middle",
                       ddrescue_size(pos), pos / r.sector_size);
  }
  return svg;
}

/// A bucket's read rate. The log counts whole milliseconds, so each command
/// is taken as its logged time plus half a millisecond (the mean rounding
/// loss): fast commands logged as 0 ms still give a finite, fair rate.
double bucket_rate(const LatencyBucket& b) {
  const double ms = static_cast<double>(b.duration_ms) + 0.5 * static_cast<double>(b.reads);
  return ms > 0 ? static_cast<double>(b.copied) / ms * 1000.0 : 0;
}

std::string latency_section(const RescueReport& r) {
  const ReadsSummary& rd = r.reads;
  if (!rd.present) return {};
  std::string out = fmt::format("<h2 id=\"latency\">Reads along the disk</h2>\n<p class=\"note\">From the reads log {} "
                                "({} commands). ",
                                html_escape(rd.path), rd.reads);
  if (!rd.has_durations)
    return out + "The log has no duration column (a GNU ddrescue log): no latency chart.</p>\n";
  out += "Top: the slowest command in each slice of the disk (log scale); blue all ok, dark red with read errors, "
         "orange with timeouts, purple lines: resets. Slow regions and a weak head's stripes show here before "
         "they show as errors. Bottom: read rate of each slice.</p>\n";
  std::int64_t max_ms = 1;
  double max_rate = 0;
  for (const LatencyBucket& b : rd.buckets) {
    max_ms = std::max(max_ms, b.max_ms);
    max_rate = std::max(max_rate, bucket_rate(b));
  }
  double hi = 10;
  while (hi < static_cast<double>(max_ms)) hi *= 10;
  const double lo = 1;  // the log counts whole milliseconds: faster commands show at the floor
  auto y_of = [&](double ms) {
    const double v = std::clamp(ms, lo, hi);
    return kChartTop + kChartHeight - (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) * kChartHeight;
  };
  const double px = static_cast<double>(kChartWidth) / static_cast<double>(rd.buckets.size());
  std::string lat, rate;
  for (double t = lo; t <= hi; t *= 10) {
    const double y = y_of(t);
    lat += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
                       "<text x=\"{}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"end\">{}</text>\n",
                       kChartLeft, kChartLeft + kChartWidth, y, y, kChartLeft - 4, y + 4,
                       t >= 1000 ? fmt::format("{:g} s", t / 1000) : fmt::format("{:g} ms", t));
  }
  constexpr int kRateHeight = 80;
  for (int k = 0; k <= 2; ++k) {
    const double y = kChartTop + kRateHeight - kRateHeight * k / 2.0;
    rate += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
                        "<text x=\"{}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"end\">{}</text>\n",
                        kChartLeft, kChartLeft + kChartWidth, y, y, kChartLeft - 4, y + 4,
                        format_rate(max_rate * k / 2));
  }
  for (std::size_t i = 0; i < rd.buckets.size(); ++i) {
    const LatencyBucket& b = rd.buckets[i];
    if (b.reads == 0) continue;
    const double x = kChartLeft + static_cast<double>(i) * px;
    const double y = y_of(static_cast<double>(std::max<std::int64_t>(1, b.max_ms)));
    const char* colour = b.timeouts > 0 ? "#ff8c00" : b.errors > 0 ? "#8b1a1a" : "#4682b4";
    const std::int64_t a = rd.begin + static_cast<std::int64_t>(i) * rd.bucket_bytes;
    const std::string where = range_title(a, std::min(r.map.end_pos(), a + rd.bucket_bytes), r.sector_size);
    lat += fmt::format(
        "<rect class=\"lat\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}: {} reads, "
        "slowest {} ms, {} errors, {} timeouts</title></rect>",
        x, y, std::max(px, 1.0), kChartTop + kChartHeight - y, colour, where, b.reads, b.max_ms, b.errors, b.timeouts);
    if (max_rate > 0 && b.copied > 0) {
      const double h = bucket_rate(b) / max_rate * kRateHeight;
      rate += fmt::format("<rect class=\"rate\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{:.1f}\" fill=\"#2a9d3a\">"
                          "<title>{}: {}</title></rect>",
                          x, kChartTop + kRateHeight - h, std::max(px, 1.0), h, where, format_rate(bucket_rate(b)));
    }
  }
  for (const LogEvent& e : rd.events) {
    if (e.kind != "reset" || e.pos < rd.begin) continue;
    const double x = kChartLeft + static_cast<double>(e.pos - rd.begin) / static_cast<double>(rd.bucket_bytes) * px;
    lat += fmt::format("<line class=\"reset\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"0\" y2=\"{1}\" stroke=\"#8a2be2\" "
                       "stroke-dasharray=\"3,2\"><title>{2}</title></line>",
                       x, kChartTop + kChartHeight, html_escape(e.text));
  }
  lat += lba_axis(r, rd.begin, kChartTop + kChartHeight + 16);
  rate += lba_axis(r, rd.begin, kChartTop + kRateHeight + 16);
  return out + fmt::format(
                   "<svg id=\"latency-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\">\n{2}</svg>\n"
                   "<svg id=\"rate-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{3}\">\n{4}</svg>\n",
                   kChartLeft + kChartWidth, kChartTop + kChartHeight + 24, lat, kChartTop + kRateHeight + 24, rate);
}

std::string smart_section(const RescueReport& r) {
  if (r.smart.snapshots.empty()) return {};
  const auto& first = r.smart.snapshots.front();
  const auto& last = r.smart.snapshots.back();
  const bool two = r.smart.snapshots.size() > 1;
  std::string s = fmt::format("<h2 id=\"smart\">SMART</h2>\n<p class=\"note\">{} snapshot{} in {}.</p>\n<table>",
                              r.smart.snapshots.size(), two ? "s" : "", html_escape(r.smart_path));
  s += two ? fmt::format("<tr><th>attribute</th><th>{}</th><th>{}</th></tr>\n",
                         html_escape(smart_label(first, 0)), html_escape(smart_label(last, r.smart.snapshots.size() - 1)))
           : fmt::format("<tr><th>attribute</th><th>{}</th></tr>\n", html_escape(smart_label(first, 0)));
  for (const SmartRow& row : smart_comparison(first, last)) {
    std::string cls;
    if (row.changed) cls += "changed";
    if (row.important) cls += cls.empty() ? "important" : " important";
    s += two ? fmt::format("<tr{}><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                           cls.empty() ? "" : " class=\"" + cls + "\"", html_escape(row.name), html_escape(row.before),
                           html_escape(row.after))
             : fmt::format("<tr><td>{}</td><td class=\"n\">{}</td></tr>\n", html_escape(row.name), html_escape(row.after));
  }
  return s + "</table>\n";
}

std::string hash_section(const RescueReport& r) {
  std::string s = "<h2 id=\"hashes\">Hashes</h2>\n";
  if (!r.hash_problem.empty()) return s + fmt::format("<p>Unreadable sidecar: {}</p>\n", html_escape(r.hash_problem));
  if (!r.hashes) return s + "<p class=\"note\">None (rescue with --hash, or run ptrescue hash IMAGE --mapfile MAPFILE).</p>\n";
  const HashRecord& h = *r.hashes;
  s += "<table>";
  for (const HashValue& v : h.values)
    s += fmt::format("<tr><th>{}</th><td><code>{}</code></td></tr>", hash_tag(v.algorithm), v.hex);
  s += fmt::format("<tr><th>image</th><td>{}</td></tr><tr><th>bytes</th><td>{} to {} ({} bytes)</td></tr>"
                   "<tr><th>method</th><td>{}</td></tr><tr><th>taken</th><td>{}</td></tr>",
                   html_escape(h.image), h.first_byte, h.first_byte + h.bytes - 1, h.bytes,
                   h.method == "on-the-fly" ? "computed while reading" : "read back from the image", html_escape(h.time));
  s += h.complete ? "<tr><th>complete</th><td>yes: every hashed byte was rescued</td></tr>"
                  : fmt::format("<tr class=\"changed\"><th>complete</th><td>no: {} bytes not rescued; there the image "
                                "holds {}</td></tr>",
                                h.unrescued_bytes, html_escape(h.unrescued_content));
  if (h.rescued_in_map >= 0 && h.rescued_in_map != r.map.totals().finished)
    s += "<tr class=\"changed\"><th>stale</th><td>the mapfile has changed since these hashes were taken</td></tr>";
  return s + "</table>\n";
}

std::string statistics_section(const RescueReport& r) {
  const MapTotals& t = r.map.totals();
  const std::int64_t extent = r.map.end_pos() - r.map.begin_pos();
  std::string s = "<h2 id=\"statistics\">Run statistics</h2>\n<table>";
  auto row = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) s += fmt::format("<tr><th>{}</th><td>{}</td></tr>", k, html_escape(v));
  };
  row("created by", r.run.created_by);
  row("command line", r.run.command_line);
  row("start time", r.run.start_time);
  row("current time", r.run.current_time);
  row("last phase", r.run.last_comment);
  row("position", fmt::format("{} ({}), pass {}", hex(r.map.cursor().pos), phase_name(r.map.cursor().phase),
                              r.map.cursor().pass));
  row("sector size", fmt::format("{} bytes ({})", r.sector_size, r.sector_size_source));
  s += "</table>\n<table id=\"totals\"><tr><th>status</th><th>bytes</th><th>%</th></tr>";
  for (auto [st, n] : {std::pair{BlockStatus::kFinished, t.finished}, std::pair{BlockStatus::kNonTried, t.non_tried},
                       std::pair{BlockStatus::kNonTrimmed, t.non_trimmed},
                       std::pair{BlockStatus::kNonScraped, t.non_scraped},
                       std::pair{BlockStatus::kBadSector, t.bad_sector}})
    s += fmt::format("<tr><td><i class=\"sw\" style=\"background:{}\"></i>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                     status_colour(st), block_status_name(st), n, pct(n, extent));
  s += fmt::format("<tr><td>bad areas</td><td class=\"n\" id=\"bad-areas\">{}</td><td></td></tr></table>\n", t.bad_areas);
  s += "<pre>" + html_escape(ddrescuelog_totals(r.map)) + "</pre>\n";

  std::string areas;
  std::size_t listed = 0;
  std::int64_t count = 0;
  r.map.for_each([&](const MapBlock& b) {
    if (b.status == BlockStatus::kFinished) return;
    ++count;
    if (listed >= r.max_areas) return;
    ++listed;
    areas += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}-{}</td></tr>", hex(b.pos),
                         b.size, block_status_name(b.status), b.pos / r.sector_size, (b.end() - 1) / r.sector_size);
  });
  if (count > 0)
    s += fmt::format("<h2 id=\"areas\">Areas not rescued</h2>\n<p class=\"note\">{} area{}{}.</p>\n<table><tr><th>position</th>"
                     "<th>size</th><th>status</th><th>LBA</th></tr>{}</table>\n",
                     count, count == 1 ? "" : "s", static_cast<std::size_t>(count) > listed ? fmt::format(", the first {} listed", listed) : "",
                     areas);
  return s;
}

std::string events_section(const RescueReport& r) {
  const ReadsSummary& rd = r.reads;
  if (!rd.present) return {};
  std::string s = "<h2 id=\"events\">Events</h2>\n<table><tr><th>outcome</th><th>commands</th></tr>";
  for (const auto& [word, n] : rd.outcomes)
    s += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td></tr>", html_escape(word), n);
  s += fmt::format("</table>\n<p>{} resets ({} failed), {} timeouts, {} device-gone{}.</p>\n", rd.resets, rd.resets_failed,
                   rd.timeouts, rd.gone,
                   rd.has_durations ? fmt::format("; time reading {}", format_duration(std::chrono::milliseconds(rd.total_ms))) : "");
  if (!rd.slowest.empty()) {
    s += "<table><tr><th>slowest commands</th><th>position</th><th>bytes</th><th>outcome</th></tr>";
    for (const ReadRecord& x : rd.slowest)
      s += fmt::format("<tr><td class=\"n\">{} ms</td><td>{} (LBA {})</td><td class=\"n\">{}</td><td>{}</td></tr>",
                       x.duration_ms, hex(x.pos), x.pos / r.sector_size, x.size, html_escape(x.outcome));
    s += "</table>\n";
  }
  if (!rd.events.empty()) {
    s += "<table id=\"event-list\"><tr><th>event</th><th>where</th><th>what</th></tr>";
    for (const LogEvent& e : rd.events)
      s += fmt::format("<tr class=\"ev-{}\"><td>{}</td><td>{}</td><td>{}</td></tr>", e.kind, e.kind,
                       e.pos >= 0 ? fmt::format("{} (LBA {})", hex(e.pos), e.pos / r.sector_size) : "",
                       html_escape(e.text));
    s += "</table>\n";
  }
  return s;
}

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:19px;margin:0 0 2px}h2{font-size:16px;margin:20px 0 6px}
.sub,.note{color:#555;margin:2px 0 8px}svg{display:block;margin:4px 0}
.legend{margin:4px 0 0}.legend span{display:inline-block;margin-right:16px}
.legend i,.sw{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-2px}
table{border-collapse:collapse;font-size:13px;margin:4px 0}td,th{padding:2px 10px 2px 0;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.changed td{background:#fff3cd}tr.important td{font-weight:600}
pre{background:#f6f6f6;padding:8px;font-size:12px;overflow:auto}.axis{font-size:11px;fill:#555}.grid{stroke:#e4e4e4}
)";

}  // namespace

std::string_view status_colour(BlockStatus s) {
  switch (s) {
    case BlockStatus::kFinished: return "#3cb043";
    case BlockStatus::kNonTried: return "#9a9a9a";
    case BlockStatus::kNonTrimmed: return "#f2c300";
    case BlockStatus::kNonScraped: return "#3d7bd9";
    case BlockStatus::kBadSector: return "#e3161b";
  }
  return "#000000";
}

std::string html_escape(std::string_view text) {
  std::string s;
  s.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': s += "&amp;"; break;
      case '<': s += "&lt;"; break;
      case '>': s += "&gt;"; break;
      case '"': s += "&quot;"; break;
      case '\'': s += "&#39;"; break;
      default: s += c;
    }
  }
  return s;
}

std::string render_report_html(const RescueReport& r) {
  const MapFile& map = r.map;
  const MapTotals& t = map.totals();
  const std::int64_t extent = map.end_pos() - map.begin_pos();
  const MapGrid grid = build_map_grid(map, kMapColumns, kMapMaxRows, r.sector_size);
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>ptrescue report: {}</title>\n"
      "<style>{}</style></head>\n<body>\n<h1>Rescue report: {}</h1>\n"
      "<p class=\"sub\">{} of {} bytes rescued ({}%), {} bad area{} ({} bytes){}</p>\n",
      html_escape(r.mapfile_path), kStyle, html_escape(r.mapfile_path), t.finished, extent, pct(t.finished, extent),
      t.bad_areas, t.bad_areas == 1 ? "" : "s", t.bad_sector,
      r.run.last_comment.empty() ? "" : " &middot; " + html_escape(r.run.last_comment));
  html += "<h2 id=\"map\">Sector map</h2>\n" + sector_map_svg(r, grid) + legend();
  html += fmt::format("<p class=\"note\">Each cell covers {} bytes ({} sectors of {} bytes) and shows the worst status "
                      "in it; hover over the map for ranges.</p>\n",
                      grid.cell_bytes, grid.cell_bytes / r.sector_size, r.sector_size);
  html += head_map_section(r);
  html += latency_section(r);
  html += smart_section(r);
  html += hash_section(r);
  html += statistics_section(r);
  html += events_section(r);
  if (!r.acquisition_log.empty())
    html += fmt::format("<h2 id=\"acquisition-log\">Acquisition log</h2>\n<p class=\"note\">{}</p>\n<pre>{}</pre>\n",
                        html_escape(r.acquisition_log_path), html_escape(r.acquisition_log));
  // The map's place on the page, for tests and tools that look at a screenshot.
  html += "<script>(function(){var m=document.getElementById('sector-map');if(!m)return;"
          "var b=m.getBoundingClientRect();m.setAttribute('data-box',[Math.round(b.left+window.scrollX),"
          "Math.round(b.top+window.scrollY),Math.round(b.width),Math.round(b.height)].join(','));})();</script>\n";
  html += fmt::format("<p class=\"note\">Made by ptrescue {}.</p>\n</body></html>\n", PTRESCUE_VERSION);
  return html;
}

}  // namespace ptrescue
