// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/report/rescue_report.h"

#include "src/engine/acquisition_log.h"
#include "src/report/acquisition_log_text.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "base/text_file.h"
#include "base/word_list.h"

namespace ptrescue {
namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// "mapfile PATH: reason", as the mapfile store words it.
std::string read_mapfile_text(const std::string& path) {
  try {
    return read_whole_file(path);
  } catch (const FileReadError& e) {
    throw std::runtime_error(fmt::format("mapfile {}", e.what()));
  }
}

}  // namespace

std::string log_reads_of_command_line(std::string_view cl) {
  // Words split on blanks: the mapfile records the command line that way too.
  const std::vector<std::string_view> words = split_words(cl);
  for (std::size_t w = 0; w < words.size(); ++w) {
    if (words[w] == "--log-reads" && w + 1 < words.size()) return std::string(words[w + 1]);
    if (words[w].substr(0, 12) == "--log-reads=") return std::string(words[w].substr(12));
  }
  return {};
}

RescueReport load_rescue_report(const ReportOptions& o) {
  RescueReport r;
  r.mapfile_path = o.mapfile;
  r.max_areas = o.max_areas;
  const std::string text = read_mapfile_text(o.mapfile);
  r.map = MapFile::parse(text);
  r.run = parse_run_info(text);

  r.hash_path = hash_sidecar_path(o.mapfile);
  try {
    r.hashes = read_hash_sidecar(r.hash_path);
  } catch (const std::exception& e) {
    r.hash_problem = e.what();
  }
  r.smart_path = o.mapfile + ".smart.jsonl";
  r.smart = read_smart_sidecar(r.smart_path);
  r.acquisition_log_path = acquisition_log_path(o.mapfile);
  r.acquisition_log = read_acquisition_log(r.acquisition_log_path);
  r.headmap_path = o.mapfile + ".headmap";
  r.heads = read_headmap(r.headmap_path);

  r.sector_size = 512;
  r.sector_size_source = "default";
  if (o.sector_size != 0) {
    r.sector_size = o.sector_size;
    r.sector_size_source = "-b";
  } else {
    for (const auto& snap : r.smart.snapshots)
      if (const std::uint32_t lbs = smart_logical_block_size(snap); lbs >= 512) {
        r.sector_size = lbs;
        r.sector_size_source = "SMART sidecar";
        break;
      }
  }
  r.head_stats = head_statistics(r.map, r.heads, r.sector_size);

  std::string log = o.reads_log;
  r.reads_log_found_by = "--reads";
  if (log.empty()) {
    const std::string named = log_reads_of_command_line(r.run.command_line);
    if (!named.empty()) {
      const std::string beside =
          (std::filesystem::path(o.mapfile).parent_path() / std::filesystem::path(named).filename()).string();
      if (exists(named)) log = named;
      else if (exists(beside)) log = beside;
      r.reads_log_found_by = "the mapfile's command line";
    }
  }
  if (!log.empty()) {
    std::ifstream in(log);
    if (!in) throw std::runtime_error(fmt::format("cannot open reads log '{}'", log));
    r.reads = summarize_reads_log(in, r.map.begin_pos(), r.map.end_pos(), o.latency_buckets, 200, 10);
    r.reads.path = log;
  }
  return r;
}

}  // namespace ptrescue
