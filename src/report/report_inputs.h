// SPDX-License-Identifier: GPL-3.0-or-later
// What a rescue report is made of, read from the mapfile and the files that
// may lie beside it: the run info in the mapfile's header comments, the
// reads log (--log-reads), MAPFILE.hash, MAPFILE.smart.jsonl (smartctl -j
// snapshots, one per line) and MAPFILE.headmap ("start_lba length head"
// lines). Absent sidecars are simply empty. Formats: docs/REPORT.md.
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

/// The header comments of a ddrescue or ptrescue mapfile.
struct RunInfo {
  std::string created_by;    ///< "ptrescue version 0.1", "GNU ddrescue version 1.27"
  std::string command_line;
  std::string start_time;
  std::string current_time;
  std::string last_comment;  ///< the phase text before the status line ("Finished")
};
RunInfo parse_run_info(std::string_view mapfile_text);

/// One read command from the reads log.
struct ReadRecord {
  std::int64_t pos = 0, size = 0, copied = 0;
  std::string outcome;            ///< ptrescue's column; derived from copied/size for ddrescue's log
  std::int64_t duration_ms = -1;  ///< -1 when the log has no duration column
  std::int64_t timeout_ms = -1;
};

/// The reads along the LBA axis, bucketed: what the latency chart draws.
struct LatencyBucket {
  std::int64_t reads = 0;
  std::int64_t copied = 0;       ///< bytes rescued by these reads
  std::int64_t duration_ms = 0;  ///< sum
  std::int64_t max_ms = 0;       ///< slowest command
  std::int64_t errors = 0;       ///< commands that did not read everything (media, aborted...)
  std::int64_t timeouts = 0;
};

struct LogEvent {
  std::string kind;   ///< "phase", "reset", "timeout", "gone"
  std::int64_t pos = -1;  ///< byte position (the read it followed, for resets); -1 unknown
  std::string text;
};

struct ReadsSummary {
  bool present = false;
  std::string path;
  bool has_durations = false;
  std::int64_t reads = 0, bytes_asked = 0, bytes_copied = 0, total_ms = 0;
  std::map<std::string, std::int64_t> outcomes;
  std::int64_t begin = 0, bucket_bytes = 1;
  std::vector<LatencyBucket> buckets;
  std::vector<ReadRecord> slowest;  ///< slowest first
  std::vector<LogEvent> events;     ///< in log order, the first `max_events`
  std::int64_t phases = 0, resets = 0, resets_failed = 0, timeouts = 0, gone = 0;
  std::int64_t malformed_lines = 0;
};

/// Streams a reads log (ptrescue's, or GNU ddrescue's without the last three
/// columns) into buckets over [begin, end). Never keeps the whole log.
ReadsSummary summarize_reads_log(std::istream& in, std::int64_t begin, std::int64_t end, int bucket_count,
                                 std::size_t max_events, std::size_t slowest_count);

/// MAPFILE.smart.jsonl: one smartctl -j object per line.
struct SmartSnapshots {
  std::vector<nlohmann::json> snapshots;
  std::int64_t malformed_lines = 0;
  /// Lines that record a SMART read that failed (`ptrescue.error`): kept out
  /// of the comparison, which must compare readings.
  std::int64_t failed_reads = 0;
};
SmartSnapshots read_smart_sidecar(const std::string& path);
/// A snapshot's label: its "ptrescue"/"label"/"when" field, else smartctl's local_time.
std::string smart_label(const nlohmann::json& snapshot, std::size_t index);

struct SmartRow {
  std::string name;
  std::string before, after;
  bool changed = false;
  bool important = false;  ///< reallocated, pending, uncorrectable, CRC, media errors...
};
/// The values engineers compare before and after a rescue.
std::vector<SmartRow> smart_comparison(const nlohmann::json& before, const nlohmann::json& after);
/// logical_block_size from a smartctl snapshot; 0 if absent.
std::uint32_t smart_logical_block_size(const nlohmann::json& snapshot);

/// MAPFILE.headmap (src/heads/head_map.h, docs/HEADMAP.md) as runs of one head each.
struct HeadRange {
  std::int64_t start_lba = 0, length = 0;
  int head = 0;
};
struct HeadRanges {
  std::vector<HeadRange> ranges;  ///< sorted by start_lba
  std::vector<int> weak_heads;
  std::string problem;            ///< a malformed file: the reason (then no ranges)
};
/// Empty if the file does not exist.
HeadRanges read_headmap(const std::string& path);

/// Bytes per status of each head's sectors, from the map.
struct HeadStats {
  int head = 0;
  std::int64_t bytes = 0;
  std::int64_t rescued = 0, bad = 0, unrescued = 0;  ///< '+', '-', and not '+'
  bool weak = false;  ///< the head map marks it weak
};
std::vector<HeadStats> head_statistics(const MapFile& map, const HeadRanges& heads, std::uint32_t sector_size);

}  // namespace ptrescue
