// SPDX-License-Identifier: GPL-3.0-or-later
// Everything `ptrescue report` shows, gathered once: the mapfile and its run
// info, and whatever sidecars and reads log exist. Rendered as text
// (report_text.h) and as a self-contained HTML page (report_html.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "src/verify/hash_sidecar.h"
#include "src/mapfile/mapfile.h"
#include "src/report/report_inputs.h"

namespace ptrescue {

struct RescueReport {
  std::string mapfile_path;
  MapFile map;
  RunInfo run;
  std::uint32_t sector_size = 512;
  std::string sector_size_source;   ///< "default", "-b", "SMART sidecar"
  std::optional<HashRecord> hashes;
  std::string hash_problem;         ///< a malformed sidecar: the reason
  std::string hash_path, smart_path, headmap_path;
  std::string acquisition_log_path;  ///< MAPFILE.acquisition.log
  std::string acquisition_log;       ///< its text; empty when there is none
  SmartSnapshots smart;
  HeadRanges heads;
  std::vector<HeadStats> head_stats;
  ReadsSummary reads;               ///< reads.present = false without a log
  std::string reads_log_found_by;   ///< "--reads" or "the mapfile's command line"
  std::size_t max_areas = 20;
};

struct ReportOptions {
  std::string mapfile;
  std::string reads_log;          ///< empty: look for --log-reads in the mapfile's command line
  std::uint32_t sector_size = 0;  ///< 0: the SMART sidecar's, else 512
  std::size_t max_areas = 20;
  int latency_buckets = 1024;
};

/// Throws MapFileError for a malformed mapfile and std::runtime_error if it
/// or a named reads log cannot be read. A malformed sidecar is reported, not fatal.
RescueReport load_rescue_report(const ReportOptions& options);

/// The `--log-reads FILE` (or `--log-reads=FILE`) of a command line; empty if none.
std::string log_reads_of_command_line(std::string_view command_line);

}  // namespace ptrescue
