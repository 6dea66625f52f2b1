// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/report_command.h"

#include <fmt/format.h>

#include "base/durable_file.h"
#include "base/units.h"
#include "src/cli/exit_codes.h"
#include "src/cli/files_commands.h"
#include "src/cli/subcommand_args.h"
#include "src/report/report_html.h"
#include "src/report/report_text.h"
#include "src/report/rescue_report.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

Subcommand report_command() {
  Subcommand c("report", "[options] MAPFILE",
               "Summarises a rescue from its mapfile and the files beside it: MAPFILE.hash,\n"
               "MAPFILE.smart.jsonl, MAPFILE.headmap, and the reads log.");
  // clang-format off
  c.options.add_options()
    ("html", po::value<std::string>(), "also write a self-contained HTML page to FILE")
    ("reads", po::value<std::string>(), "the reads log (--log-reads) of the rescue; default: the one its command line named, if found")
    ("sector-size,b", po::value<std::string>(), "sector size for LBAs (default: from the SMART sidecar, else 512)")
    ("max-areas", po::value<std::string>(), "list at most N areas not rescued (default 20)")
    ("quiet,q", "no text report on stdout (with --html)")
    ("files", po::value<std::string>(), "also list the damaged files of IMAGE (as 'ptrescue files' does)");
  // clang-format on
  return c;
}

ReportOptions report_options(const SubcommandArgs& a) {
  ReportOptions o;
  o.mapfile = a.files[0];
  o.reads_log = a.text("reads");
  if (a.has("sector-size")) o.sector_size = parse_sector_size_option(a.text("sector-size"));
  if (a.has("max-areas")) o.max_areas = static_cast<std::size_t>(parse_size(a.text("max-areas"), 1, "--max-areas"));
  return o;
}

int report(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 1, 1);
  const ReportOptions o = report_options(a);
  RescueReport report;
  try {
    report = load_rescue_report(o);
  } catch (const MapFileError& e) {
    throw BadInputFile(fmt::format("mapfile '{}': {}", o.mapfile, e.what()));
  }
  if (!a.has("quiet") || !a.has("html")) fmt::print("{}", render_report_text(report));
  if (a.has("files"))
    fmt::print("\n{}", render_damaged_files_text(assess_files(a.text("files"), load_named_mapfile(o.mapfile)), false));
  if (a.has("html")) {
    const std::string path = a.text("html");
    replace_file_durably(path, render_report_html(report));
    if (!a.has("quiet")) fmt::print("\nHTML report written to '{}'\n", path);
  }
  return exit_code::kOk;
}

}  // namespace

int run_report_command(const std::vector<std::string>& args) {
  const Subcommand command = report_command();
  return run_subcommand(command, args, [&](const SubcommandArgs& a) { return report(a, command); });
}

}  // namespace ptrescue
