#include "src/cli/report_command.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "src/cli/exit_codes.h"
#include "src/report/report_html.h"
#include "src/report/report_text.h"
#include "src/report/rescue_report.h"
#include "src/cli/subcommand_args.h"
#include "base/units.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

po::options_description report_options() {
  po::options_description d("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("html", po::value<std::string>(), "also write a self-contained HTML page to FILE")
    ("reads", po::value<std::string>(), "the reads log (--log-reads) of the rescue; default: the one its command line named, if found")
    ("sector-size,b", po::value<std::string>(), "sector size for LBAs (default: from the SMART sidecar, else 512)")
    ("max-areas", po::value<std::string>(), "list at most N areas not rescued (default 20)")
    ("quiet,q", "no text report on stdout (with --html)");
  // clang-format on
  return d;
}

}  // namespace

std::string report_usage() {
  return "Usage: ptrescue report [options] MAPFILE\n"
         "Summarises a rescue from its mapfile and the files beside it: MAPFILE.hash,\n"
         "MAPFILE.smart.jsonl, MAPFILE.headmap, and the reads log.\n\n" +
         describe_options(report_options());
}

int run_report_command(const std::vector<std::string>& args) {
  try {
    const SubcommandArgs a = parse_subcommand_args(args, report_options());
    if (a.has("help")) {
      fmt::print("{}", report_usage());
      return exit_code::kOk;
    }
    if (a.files.size() != 1) throw UsageError(fmt::format("expected one MAPFILE, got {} file names", a.files.size()));
    ReportOptions o;
    o.mapfile = a.files[0];
    o.reads_log = a.text("reads");
    if (a.has("sector-size")) {
      const auto b = parse_size(a.text("sector-size"), 512, "--sector-size");
      if (b < 512 || b > (1 << 20) || (b & (b - 1)) != 0)
        throw UsageError(fmt::format("invalid --sector-size {}: must be a power of two from 512", b));
      o.sector_size = static_cast<std::uint32_t>(b);
    }
    if (a.has("max-areas")) o.max_areas = static_cast<std::size_t>(parse_size(a.text("max-areas"), 1, "--max-areas"));

    RescueReport report;
    try {
      report = load_rescue_report(o);
    } catch (const MapFileError& e) {
      fmt::print(stderr, "ptrescue: mapfile '{}': {}\n", o.mapfile, e.what());
      return exit_code::kBadInput;
    }
    if (!a.has("quiet") || !a.has("html")) fmt::print("{}", render_report_text(report));
    if (a.has("html")) {
      const std::string path = a.text("html");
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      if (!out) throw std::runtime_error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
      out << render_report_html(report);
      out.close();
      if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", path));
      if (!a.has("quiet")) fmt::print("\nHTML report written to '{}'\n", path);
    }
    return exit_code::kOk;
  } catch (const UsageError& e) {
    fmt::print(stderr, "ptrescue: {}\n(try 'ptrescue report --help')\n", e.what());
    return exit_code::kEnvironment;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kEnvironment;
  }
}

}  // namespace ptrescue
