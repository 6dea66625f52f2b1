// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue export`: an image and its mapfile as an E01 set, with the
// unrescued sectors declared inside it (src/export/e01_export.h).
#include "src/cli/export_command.h"

#include <csignal>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/durable_file.h"
#include "base/progress_line.h"
#include "base/units.h"
#include "src/cli/exit_codes.h"
#include "src/engine/run_paths.h"
#include "src/export/e01_segments.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

Subcommand export_command() {
  Subcommand c("export", "[options] IMAGE MAPFILE OUT",
               "Writes IMAGE as an E01 set OUT.E01, OUT.E02, ... (EnCase 6 format, through libewf): the\n"
               "case data, the source's model and serial, every sector MAPFILE does not mark rescued as an\n"
               "acquisition error, and the MD5 and SHA-1 of the media. Check it with ewfverify OUT.E01.");
  // clang-format off
  c.options.add_options()
    ("format", po::value<std::string>(), "container format: e01 (the only one; the default)")
    ("sector-size,b", po::value<std::string>(), "bytes per sector (default: the source's, from MAPFILE.smart.jsonl, else 512)")
    ("force,f", "replace an existing E01 set named OUT");
  // clang-format on
  add_e01_options(c);
  add_progress_options(c);
  return c;
}

/// The paths of one export: OUT's first segment and staging folder may be
/// neither the image nor the mapfile.
void check_export_paths(const std::string& image, const std::string& mapfile, const std::string& out) {
  check_run_paths({{image, "image", false},
                   {mapfile, "mapfile", false},
                   {first_segment_path(out), "E01 first segment", true},
                   {staging_folder_of(out), "E01 staging folder", true}});
}

nlohmann::json result_json(const E01Result& r) {
  nlohmann::json runs = nlohmann::json::array();
  for (const Extent& e : r.error_runs) runs.push_back({{"first_sector", e.pos}, {"sectors", e.size}});
  return {{"segments", r.segments},     {"media_bytes", r.media_bytes},
          {"md5", r.md5},               {"sha1", r.sha1},
          {"unrescued_sectors", r.unrescued_sectors}, {"acquisition_errors", runs}};
}

void print_result(const E01Result& r, bool json) {
  if (json) {
    fmt::print("{}\n", result_json(r).dump(2));
    return;
  }
  fmt::print("E01 written: {} ({} segment{}, {} bytes of media)\nMD5  {}\nSHA1 {}\n", r.segments.front(),
             r.segments.size(), r.segments.size() == 1 ? "" : "s", r.media_bytes, r.md5, r.sha1);
  if (r.unrescued_sectors > 0)
    fmt::print("{} unrescued sectors in {} acquisition-error runs (the image holds {} there)\n", r.unrescued_sectors,
               r.error_runs.size(), r.missing_content);
}

int export_image(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 3, 3);
  const std::string &image = a.files[0], &mapfile = a.files[1];
  if (a.has("format") && a.text("format") != "e01")
    throw UsageError(fmt::format("invalid --format '{}': only e01 is offered (docs/EXPORT.md says why not AFF)",
                                 a.text("format")));
  E01Choices choices = read_e01_choices(a, a.files[2]);
  check_export_paths(image, mapfile, choices.out);
  const MapFile map = load_named_mapfile(mapfile);
  const RecordedSource recorded = recorded_source(mapfile);
  E01Request request;
  request.image = image;
  request.sector_size = a.has("sector-size") ? parse_sector_size_option(a.text("sector-size"))
                        : recorded.sector_size != 0 ? recorded.sector_size
                                                    : 512;
  request.compression = choices.compression;
  request.segment_size = choices.segment_size;
  request.case_data = choices.case_data;
  if (request.case_data.model.empty()) request.case_data.model = recorded.model;
  if (request.case_data.serial.empty()) request.case_data.serial = recorded.serial;
  request.out = choices.out;
  request.replace = a.has("force");
  ProgressLine progress(stderr, progress_style(a), fmt::format("exporting '{}'", image), map.end_pos());
  print_result(export_e01(request, map, &progress), a.has("json"));
  return exit_code::kOk;
}

}  // namespace

int run_export_command(const std::vector<std::string>& args) {
  const Subcommand command = export_command();
  return run_subcommand(command, args, [&](const SubcommandArgs& a) { return export_image(a, command); });
}

void check_rescue_export_target(const E01Choices& choices, bool replace) {
  const auto old = existing_segments(choices.out);
  if (!old.empty() && !replace)
    throw UsageError(fmt::format("--e01: '{}' exists (an E01 set named '{}'); use -f to replace it", old.front(),
                                 choices.out));
}

E01Result export_after_rescue(const RescueExport& e, const MapFile& map) {
  // The first Ctrl-C stopped the rescue; a second one abandons the export.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  E01Request request;
  request.image = e.image;
  request.image_offset = e.image_offset;
  request.sector_size = e.sector_size;
  request.compression = e.choices.compression;
  request.segment_size = e.choices.segment_size;
  request.case_data = e.choices.case_data;
  if (request.case_data.model.empty()) request.case_data.model = e.model;
  if (request.case_data.serial.empty()) request.case_data.serial = e.serial;
  request.out = e.choices.out;
  request.replace = e.replace;
  const ProgressLine::Style style = e.status == StatusMode::kJson    ? ProgressLine::Style::kJson
                                    : e.status == StatusMode::kQuiet ? ProgressLine::Style::kQuiet
                                                                     : ProgressLine::style_for(stderr, false, false);
  ProgressLine progress(stderr, style, fmt::format("exporting '{}' as E01", e.image), map.end_pos());
  const E01Result r = export_e01(request, map, &progress);
  if (e.status == StatusMode::kJson) fmt::print("{}\n", nlohmann::json{{"e01", result_json(r)}}.dump());  // one JSON line, as the status
  else if (e.status != StatusMode::kQuiet) print_result(r, false);
  return r;
}

}  // namespace ptrescue
