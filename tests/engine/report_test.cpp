// SPDX-License-Identifier: GPL-3.0-or-later
// The rescue report: the totals block equals `ddrescuelog -t` line for line,
// run info, the reads log summary (buckets, outcomes, events, slowest), SMART
// before/after rows, head statistics, the sector map grid, the HTML page's
// sections and escaping, and `ptrescue report` end to end.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "src/mapfile/mapfile.h"
#include "src/report/report_html.h"
#include "src/report/report_inputs.h"
#include "src/report/report_text.h"
#include "src/report/rescue_report.h"
#include "src/report/sector_map_grid.h"
#include "support/file_bytes.h"
#include "support/run_process.h"
#include "support/required_tool.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::read_file;
using test::write_file;
using test::run_process;
using test::run_ptrescue;
using test::TempDir;

/// A map of `size` bytes from `begin`, '+' with `areas` random runs of other statuses.
MapFile random_map(std::int64_t begin, std::int64_t size, int areas, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string text = fmt::format("0x{:08X}     {}               {}\n0x{:08X}  0x{:08X}  +\n", begin + size / 3,
                                 "?*/-F+"[seed % 6], 1 + seed % 3, begin, size);
  MapFile m = MapFile::parse(text);
  const BlockStatus kinds[] = {BlockStatus::kNonTried, BlockStatus::kNonTrimmed, BlockStatus::kNonScraped,
                               BlockStatus::kBadSector};
  for (int i = 0; i < areas; ++i) {
    const std::int64_t len = std::min(size / 4, 512 * (1 + static_cast<std::int64_t>(rng() % 4000)));
    const std::int64_t pos = begin + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(size - len));
    m.set_status(pos, len, kinds[rng() % 4]);
  }
  return m;
}

TEST(ReportTotals, SizesAreFormattedAsDdrescueDoes) {
  EXPECT_EQ(ddrescue_size(0), "0 B");
  EXPECT_EQ(ddrescue_size(999999), "999999 B");
  EXPECT_EQ(ddrescue_size(1000000), "1000 kB");
  EXPECT_EQ(ddrescue_size(265601536), "265601 kB");
  EXPECT_EQ(ddrescue_size(68719478784), "68719 MB");
}

TEST(ReportTotals, EqualDdrescuelogLineForLine) {
  PTRESCUE_REQUIRE_TOOL("ddrescuelog");
  TempDir dir;
  const std::vector<std::pair<std::int64_t, std::int64_t>> shapes{
      {0, 1 << 20}, {0, 300'000'000}, {1 << 20, 17'000'000}, {0, 5'000'000'000'000}, {4096, 999'424}};
  std::uint64_t seed = 1;
  for (const auto& [begin, size] : shapes) {
    for (int areas : {0, 1, 7, 300}) {
      const MapFile m = random_map(begin, size, areas, seed++);
      write_file(dir.file("m"), m.serialize({"test"}));
      const auto r = run_process({"ddrescuelog", "-t", dir.file("m")});
      ASSERT_EQ(r.exit_code, 0) << r.describe();
      EXPECT_EQ(ddrescuelog_totals(m), r.out) << "begin " << begin << " size " << size << " areas " << areas;
    }
  }
  // All finished: ddrescuelog says "(100%)", not "(100.00%)".
  MapFile full(1 << 20);
  full.set_status(0, 1 << 20, BlockStatus::kFinished);
  write_file(dir.file("m"), full.serialize({}));
  EXPECT_EQ(ddrescuelog_totals(full), run_process({"ddrescuelog", "-t", dir.file("m")}).out);
}

TEST(ReportInputs, RunInfoComesFromTheMapfileHeader) {
  const RunInfo info = parse_run_info(
      "# Mapfile. Created by GNU ddrescue version 1.27\n# Command line: ddrescue -d /dev/sdb a.img a.map\n"
      "# Start time:   2024-01-01 10:00:00\n# Current time: 2024-01-01 10:05:00\n# Scraping failed blocks... (forwards)\n"
      "# current_pos  current_status  current_pass\n0x00010000     /               1\n# ignored: after the status line\n");
  EXPECT_EQ(info.created_by, "GNU ddrescue version 1.27");
  EXPECT_EQ(info.command_line, "ddrescue -d /dev/sdb a.img a.map");
  EXPECT_EQ(info.start_time, "2024-01-01 10:00:00");
  EXPECT_EQ(info.current_time, "2024-01-01 10:05:00");
  EXPECT_EQ(info.last_comment, "Scraping failed blocks... (forwards)");
  EXPECT_EQ(log_reads_of_command_line("ptrescue rescue --log-reads r.log sim:demo a b"), "r.log");
  EXPECT_EQ(log_reads_of_command_line("ptrescue rescue --log-reads=x/r.log a b c"), "x/r.log");
  EXPECT_EQ(log_reads_of_command_line("ptrescue rescue a b c"), "");
}

TEST(ReportInputs, ReadsLogIsBucketedAlongTheDisk) {
  std::istringstream log(
      "# Reads Logfile. Created by ptrescue version 0.1\n# Command line: x\n# Start time:   2026-01-01 00:00:00\n"
      "#  Ipos       Size  Copied_size  Error_size  Outcome  Duration_ms  Timeout_ms\n"
      "# 0ms  Copying non-tried blocks... Pass 1 (forwards)\n"
      "0x00000000\t65536\t65536\t0\tok\t1\t10000\n"
      "0x00010000\t65536\t65536\t0\tok\t40\t10000\n"
      "0x00020000\t65536\t32768\t32768\tmedia\t1500\t10000\n"
      "0x000F0000\t65536\t0\t65536\ttimeout\t300\t300\n"
      "# reset soft: ok in 100ms\n"
      "0x000F0000\t512\t0\t512\tgone\t0\t300\n"
      "# reset bus: failed in 2s: no answer\n"
      "not a read line\n"
      "# End time:     2026-01-01 00:01:00\n");
  const ReadsSummary s = summarize_reads_log(log, 0, 1 << 20, 16, 100, 3);
  EXPECT_TRUE(s.has_durations);
  EXPECT_EQ(s.reads, 5);
  EXPECT_EQ(s.bytes_copied, 65536 * 2 + 32768);
  EXPECT_EQ(s.outcomes.at("ok"), 2);
  EXPECT_EQ(s.outcomes.at("media"), 1);
  EXPECT_EQ(s.timeouts, 1);
  EXPECT_EQ(s.gone, 1);
  EXPECT_EQ(s.resets, 2);
  EXPECT_EQ(s.resets_failed, 1);
  EXPECT_EQ(s.phases, 1);
  EXPECT_EQ(s.malformed_lines, 1);
  ASSERT_EQ(s.buckets.size(), 16u);  // 64 KiB each
  EXPECT_EQ(s.buckets[0].max_ms, 1);
  EXPECT_EQ(s.buckets[1].max_ms, 40);
  EXPECT_EQ(s.buckets[2].errors, 1);
  EXPECT_EQ(s.buckets[15].timeouts, 1);
  EXPECT_EQ(s.buckets[15].reads, 2);
  ASSERT_EQ(s.slowest.size(), 3u);
  EXPECT_EQ(s.slowest[0].duration_ms, 1500);
  EXPECT_EQ(s.slowest[1].duration_ms, 300);
  EXPECT_EQ(s.slowest[2].duration_ms, 40);
  ASSERT_EQ(s.events.size(), 5u);
  EXPECT_EQ(s.events[0].kind, "phase");
  EXPECT_EQ(s.events[1].kind, "timeout");
  EXPECT_EQ(s.events[2].kind, "reset");
  EXPECT_EQ(s.events[2].pos, 0xF0000);  // after the read it followed
  EXPECT_EQ(s.events[3].kind, "gone");

  // GNU ddrescue's own log: four columns, no durations.
  std::istringstream dd("# Reads Logfile. Created by GNU ddrescue version 1.27\n0x00000000  65536  65536  0\n"
                        "0x00010000  65536  0  65536\n");
  const ReadsSummary d = summarize_reads_log(dd, 0, 1 << 20, 16, 100, 3);
  EXPECT_FALSE(d.has_durations);
  EXPECT_EQ(d.outcomes.at("ok"), 1);
  EXPECT_EQ(d.outcomes.at("error"), 1);
  EXPECT_EQ(d.buckets[1].errors, 1);
}

nlohmann::json smart_snapshot(int reallocated, int pending, int temp, const char* label) {
  return nlohmann::json::parse(fmt::format(R"({{
    "ptrescue": {{"label": "{}"}}, "model_name": "X", "logical_block_size": 4096,
    "smart_status": {{"passed": true}}, "temperature": {{"current": {}}}, "power_on_time": {{"hours": 1000}},
    "ata_smart_attributes": {{"table": [
      {{"id": 5, "name": "Reallocated_Sector_Ct", "value": 100, "raw": {{"value": {}, "string": "{}"}}}},
      {{"id": 197, "name": "Current_Pending_Sector", "value": 100, "raw": {{"value": {}, "string": "{}"}}}},
      {{"id": 9, "name": "Power_On_Hours", "value": 99, "raw": {{"value": 1000, "string": "1000"}}}}]}}}})",
                                           label, temp, reallocated, reallocated, pending, pending));
}

TEST(ReportInputs, SmartRowsCompareBeforeAndAfter) {
  const auto rows = smart_comparison(smart_snapshot(0, 3, 35, "before"), smart_snapshot(8, 0, 41, "after"));
  auto find = [&](const std::string& name) {
    for (const auto& r : rows)
      if (r.name == name) return r;
    ADD_FAILURE() << "no row " << name;
    return SmartRow{};
  };
  const SmartRow realloc = find("5 Reallocated_Sector_Ct");
  EXPECT_EQ(realloc.before, "0");
  EXPECT_EQ(realloc.after, "8");
  EXPECT_TRUE(realloc.changed);
  EXPECT_TRUE(realloc.important);
  EXPECT_TRUE(find("197 Current_Pending_Sector").changed);
  EXPECT_FALSE(find("9 Power_On_Hours").changed);
  EXPECT_FALSE(find("9 Power_On_Hours").important);
  EXPECT_EQ(find("Temperature (C)").after, "41");
  EXPECT_EQ(find("SMART overall-health passed").after, "yes");
  EXPECT_EQ(smart_label(smart_snapshot(0, 0, 0, "before"), 0), "before");
  EXPECT_EQ(smart_label(nlohmann::json::object(), 2), "snapshot 3");
  EXPECT_EQ(smart_logical_block_size(smart_snapshot(0, 0, 0, "x")), 4096u);
}

TEST(ReportInputs, SmartSidecarLeavesFailedReadsAndGarbageOutOfTheComparison) {
  TempDir dir;
  const std::string path = dir.file("disk.map.smart.jsonl");
  write_file(path, smart_snapshot(0, 3, 35, "before").dump() + "\n" + "not json\n" +
                       smart_snapshot(8, 0, 41, "after pass 1").dump() + "\n" +
                       R"({"ptrescue":{"event":"end","error":"the drive did not answer"}})" + "\n");
  const SmartSnapshots s = read_smart_sidecar(path);
  ASSERT_EQ(s.snapshots.size(), 2u);
  EXPECT_EQ(s.malformed_lines, 1);
  EXPECT_EQ(s.failed_reads, 1);
  EXPECT_EQ(smart_label(s.snapshots.back(), 1), "after pass 1");
}

TEST(ReportInputs, HeadMapGivesPerHeadStatistics) {
  TempDir dir;
  // Two heads, stripes of 1000 sectors alternating (src/heads/head_map.h's text form), head 1 weak.
  write_file(dir.file("hm"), "# start_lba length head\n0 1000 0\n1000 1000 1\n2000 1000 0\n3000 1000 1\nweak 1\n");
  const HeadRanges hm = read_headmap(dir.file("hm"));
  ASSERT_EQ(hm.ranges.size(), 4u) << hm.problem;
  EXPECT_EQ(hm.weak_heads, std::vector<int>{1});
  MapFile m(4000 * 512);
  m.set_status(0, 4000 * 512, BlockStatus::kFinished);
  m.set_status(1500 * 512, 10 * 512, BlockStatus::kBadSector);  // head 1
  m.set_status(3990 * 512, 10 * 512, BlockStatus::kNonTried);   // head 1
  m.set_status(2100 * 512, 512, BlockStatus::kBadSector);       // head 0
  const auto stats = head_statistics(m, hm, 512);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].head, 0);
  EXPECT_EQ(stats[0].bytes, 2000 * 512);
  EXPECT_EQ(stats[0].bad, 512);
  EXPECT_EQ(stats[1].bad, 10 * 512);
  EXPECT_EQ(stats[1].unrescued, 20 * 512);
  EXPECT_EQ(stats[1].rescued, 1980 * 512);
  EXPECT_TRUE(stats[1].weak);
  EXPECT_FALSE(stats[0].weak);
  EXPECT_TRUE(read_headmap(dir.file("absent")).ranges.empty());
  EXPECT_TRUE(read_headmap(dir.file("absent")).problem.empty());
  write_file(dir.file("bad"), "0 1000 0\nnot a head map\n");
  EXPECT_NE(read_headmap(dir.file("bad")).problem, "");
  // The zone form: stripes of 100 sectors read by heads 0,1 in turn.
  write_file(dir.file("zones"), "zone 0 400 100 0,1\n");
  const HeadRanges z = read_headmap(dir.file("zones"));
  ASSERT_EQ(z.ranges.size(), 4u) << z.problem;
  EXPECT_EQ(z.ranges[3].start_lba, 300);
  EXPECT_EQ(z.ranges[3].head, 1);

  const HeadStrips strips = build_head_strips(m, hm, 512, 4);  // 1000 sectors per column
  ASSERT_EQ(strips.heads, (std::vector<int>{0, 1}));
  EXPECT_EQ(worst_index(strips.strips[0][1]), -1);  // head 0 has nothing in sectors 1000-1999
  EXPECT_EQ(status_of_index(worst_index(strips.strips[1][1])), BlockStatus::kBadSector);
  EXPECT_EQ(status_of_index(worst_index(strips.strips[0][2])), BlockStatus::kBadSector);
  EXPECT_EQ(status_of_index(worst_index(strips.strips[1][3])), BlockStatus::kNonTried);
}

TEST(SectorMapGrid, CellsShowTheWorstStatusAndCoverTheMap) {
  MapFile m(1000 * 512);
  m.set_status(0, 1000 * 512, BlockStatus::kFinished);
  m.set_status(5 * 512, 512, BlockStatus::kNonTried);
  m.set_status(6 * 512, 512, BlockStatus::kBadSector);
  m.set_status(40 * 512, 512, BlockStatus::kNonScraped);
  const MapGrid g = build_map_grid(m, 10, 10, 512);  // at most 100 cells: 16 sectors each
  EXPECT_EQ(g.cell_bytes, 16 * 512);
  EXPECT_EQ(g.cells.size(), 63u);
  EXPECT_EQ(g.rows, 7);
  EXPECT_EQ(status_of_index(worst_index(g.cells[0])), BlockStatus::kBadSector);
  EXPECT_EQ(status_of_index(worst_index(g.cells[1])), BlockStatus::kFinished);
  EXPECT_EQ(status_of_index(worst_index(g.cells[2])), BlockStatus::kNonScraped);
  std::int64_t total = 0;
  for (const auto& c : g.cells)
    for (auto b : c) total += b;
  EXPECT_EQ(total, 1000 * 512);
  EXPECT_EQ(g.cell_end(62), 1000 * 512);
}

/// Rows of consecutive cells containing a '-' byte, computed from the map's
/// bad blocks alone (independently of the report's grid code).
int expected_bad_runs(const MapFile& m, std::int64_t cell_bytes, int columns) {
  std::set<std::int64_t> bad_cells;
  m.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kBadSector) return;
    for (std::int64_t c = (b.pos - m.begin_pos()) / cell_bytes; c <= (b.end() - 1 - m.begin_pos()) / cell_bytes; ++c)
      bad_cells.insert(c);
  });
  int runs = 0;
  std::int64_t prev = -2;
  for (std::int64_t c : bad_cells) {
    if (c != prev + 1 || c % columns == 0) ++runs;
    prev = c;
  }
  return runs;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(ReportHtml, IsSelfContainedEscapedAndDrawsEveryBadRun) {
  for (std::uint64_t seed : {3u, 4u, 5u}) {
    RescueReport r;
    r.mapfile_path = "disk<1>.map";
    r.map = random_map(0, 100'000'000 + static_cast<std::int64_t>(seed) * 512 * 7777, 80, seed);
    r.run.command_line = "ptrescue rescue <script>alert(1)</script> & more";
    const std::string html = render_report_html(r);
    EXPECT_EQ(html.find("<script>alert"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), std::string::npos);
    EXPECT_NE(html.find("disk&lt;1&gt;.map"), std::string::npos);
    EXPECT_EQ(html.find("src=\"http"), std::string::npos);
    EXPECT_EQ(html.find("href=\"http"), std::string::npos);
    EXPECT_EQ(html.find("@import"), std::string::npos);
    std::smatch cell, cols;
    ASSERT_TRUE(std::regex_search(html, cell, std::regex("data-cell-bytes=\"(\\d+)\"")));
    ASSERT_TRUE(std::regex_search(html, cols, std::regex("data-columns=\"(\\d+)\"")));
    const int want = expected_bad_runs(r.map, std::stoll(cell[1]), std::stoi(cols[1]));
    EXPECT_GT(want, 0);
    EXPECT_EQ(count(html, "class=\"run st-bad-sector\""), want) << "seed " << seed;
    EXPECT_NE(html.find(fmt::format("data-bad-runs=\"{}\"", want)), std::string::npos);
    // Every byte of the map is in exactly one run's title range: runs tile the map.
    EXPECT_EQ(html.find("id=\"latency-chart\""), std::string::npos);  // no reads log given
  }
}

// ---- end to end --------------------------------------------------------------

TEST(ReportCommand, SummarisesARescueWithItsSidecarsAndReadsLog) {
  TempDir dir;
  write_file(dir.file("drive.json"), R"({"name": "r", "capacity": "4MiB", "heads": 2, "zones": 2,
    "stripe": "512KiB", "error_latency_ms": 50, "bad_ranges": [{"start": 1000, "length": 8}, {"start": 6000, "length": 1}],
    "slow_ranges": [{"start": 3000, "length": 16, "extra_ms": 700}]})");
  const auto rescue = run_ptrescue({"rescue", "-q", "--hash", "sha256", "--log-reads", dir.file("reads.log"),
                                    "sim:" + dir.file("drive.json"), dir.file("img"), dir.file("map")});
  ASSERT_EQ(rescue.exit_code, 0) << rescue.describe();
  write_file(dir.file("map.smart.jsonl"),
             smart_snapshot(0, 0, 30, "before").dump() + "\n" + smart_snapshot(9, 1, 33, "after").dump() + "\n");
  std::string headmap;
  for (int s = 0; s < 8192; s += 1024) headmap += fmt::format("{} 1024 {}\n", s, (s / 1024) % 2);
  write_file(dir.file("map.headmap"), headmap);

  // -b 512: the SMART snapshots above claim 4096-byte sectors.
  const auto r = run_ptrescue({"report", "-b", "512", dir.file("map"), "--html", dir.file("report.html")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("2 bad areas, 4608 bad bytes (9 sectors of 512 bytes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad-sector   1000-1007"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad-sector   6000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SHA256"), std::string::npos);
  EXPECT_NE(r.out.find("NOT complete: 4608 hashed bytes were not rescued"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("found by the mapfile's command line"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("5 Reallocated_Sector_Ct"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<-- CHANGED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Heads ("), std::string::npos) << r.out;
  // The slow spot shows among the slowest commands (700 ms extra, above any
  // error's 50 ms): the read that covered sector 3000, wherever it began.
  std::int64_t slow_read = -1;
  {
    std::istringstream log(read_file(dir.file("reads.log")));
    std::string line;
    long slowest_ms = -1;
    while (std::getline(log, line)) {
      // Ipos Size Copied_size Error_size Outcome Duration_ms Timeout_ms
      std::istringstream fields(line);
      std::string pos, size, copied, error, outcome;
      long ms = 0;
      if (line.empty() || line[0] == '#' || !(fields >> pos >> size >> copied >> error >> outcome >> ms)) continue;
      const std::int64_t p = std::stoll(pos, nullptr, 0), n = std::stoll(size, nullptr, 0);
      if (p <= 3000 * 512 && 3000 * 512 < p + n && ms > slowest_ms) {
        slow_read = p;
        slowest_ms = ms;
      }
    }
  }
  ASSERT_GE(slow_read, 0) << "no read covered sector 3000";
  EXPECT_NE(r.out.find(fmt::format("0x{:08X}", slow_read)), std::string::npos) << r.out;

  if (test::cross_check_tool_present("ddrescuelog")) {
    const auto t = run_process({"ddrescuelog", "-t", dir.file("map")});
    EXPECT_NE(r.out.find("Totals (as ddrescuelog -t):\n" + t.out), std::string::npos) << r.out << t.out;
  }

  std::ifstream in(dir.file("report.html"));
  std::stringstream html;
  html << in.rdbuf();
  for (const char* id : {"id=\"sector-map\"", "id=\"head-map\"", "id=\"latency-chart\"", "id=\"smart\"",
                         "id=\"hashes\"", "id=\"statistics\"", "id=\"event-list\""})
    EXPECT_NE(html.str().find(id), std::string::npos) << id;
  EXPECT_EQ(count(html.str(), "class=\"run st-bad-sector\""), 2);

  // A missing --reads file is an error; a malformed mapfile is bad input.
  EXPECT_EQ(run_ptrescue({"report", dir.file("map"), "--reads", dir.file("nope.log")}).exit_code, 1);
  write_file(dir.file("bad.map"), "0x0 ? 1\n0x0 0x10 Z\n");
  EXPECT_EQ(run_ptrescue({"report", dir.file("bad.map")}).exit_code, 2);
}

}  // namespace
}  // namespace ptrescue
