// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/cli_options.h"

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <set>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "base/units.h"
#include "base/word_list.h"
#include "transport/transport_detect.h"

namespace po = boost::program_options;

namespace ptrescue {

Subcommand rescue_command() {
  Subcommand c("rescue", "[options] SOURCE IMAGE MAPFILE",
               "SOURCE is a regular file, a block device, or sim:NAME / sim:PROFILE.json\n"
               "(built-in simulated drives: demo, healthy, weak-head, scattered, hang).\n"
               "Sizes take units (4Mi, 64KiB, 128s sectors); durations 500ms, 2s, 1m.");
  // clang-format off
  c.options.add_options()
    ("version,V", "show the version")
    ("retry-passes,r", po::value<int>(), "retry bad sectors N times (-1 = until done)")
    ("reverse,R", "reverse the direction of all passes")
    ("no-scrape,n", "skip the scraping phase")
    ("no-trim,N", "skip the trimming phase")
    ("try-again,A", "mark non-trimmed and non-scraped areas as non-tried first")
    ("cluster-size,c", po::value<std::string>(), "sectors to copy at a time (default 128)")
    ("sector-size,b", po::value<std::string>(), "sector size in bytes (default: the device's)")
    ("skip-size,K", po::value<std::string>(), "initial[,max] size to skip on a read error")
    ("input-position,i", po::value<std::string>(), "starting position in the source")
    ("output-position,o", po::value<std::string>(), "starting position in the image (default -i)")
    ("size,s", po::value<std::string>(), "maximum size of data to copy")
    ("domain-mapfile,m", po::value<std::string>(), "restrict the domain to the '+' blocks of FILE")
    ("preallocate,p", "preallocate space for the image")
    ("sparse,S", "do not write all-zero blocks (sparse image)")
    ("idirect,d", "direct disk access for a file or block device source (O_DIRECT)")
    ("force,f", "allow writing the image to a block device; override the same-disk and free-space checks")
    ("max-bad-areas,e", po::value<std::string>(), "stop after [+]N bad areas")
    ("quiet,q", "no status output")
    ("verbose,v", "more messages")
    ("test-mode,H", po::value<std::string>(), "ddrescue test mode: reads touching non-'+' blocks of FILE fail")
    ("mapfile-interval", po::value<std::string>(), "how often to save the mapfile (default 30s)")
    ("json", "status as JSON lines on stdout")
    ("log-reads", po::value<std::string>(), "log every read command to FILE")
    ("head-map", po::value<std::string>(), "head map: infer (the default: from the errors of the run, kept in MAPFILE.headmap), FILE, sim, or none (ddrescue's passes exactly)")
    ("head-timeout", po::value<std::string>(), "per-command timeout on a head: H=DUR[,H=DUR...]")
    ("head-retries", po::value<std::string>(), "retry passes for a head's bad sectors: H=N[,H=N...]")
    ("skip-head", po::value<std::string>(), "never read these heads: H[,H...]")
    ("head-order", po::value<std::string>(), "order to read weak heads in: H[,H...]")
    ("analyze", "run the triage of 'ptrescue analyze' first and start with the weak heads it finds")
    ("max-error-reads", po::value<std::string>(), "stop after N failed reads (a dying drive's budget)")
    ("timeout", po::value<std::string>(), "per-command timeout: DUR or copy=DUR,trim=DUR,scrape=DUR,retry=DUR")
    ("reset", po::value<std::string>(), "reset ladder after a hang (default soft,device,bus)")
    ("transport", po::value<std::string>(), "how to talk to a device node: auto, sat, scsi, nvme or block")
    ("erc", po::value<std::string>(), "ATA drives: set the SCT ERC read timer to DUR for the run (restored at the end)")
    ("dsense", "SAT/SCSI: descriptor-format sense for the run (full failing LBA; restored at the end)")
    ("limited-retry", "NVMe: Limited Retry bit on copy-pass reads (the default)")
    ("no-limited-retry", "NVMe: never set the Limited Retry bit")
    ("power-cycle-cmd", po::value<std::string>(), "last reset rung: run CMD (e.g. a relay), wait for the drive to come back")
    ("hash", po::value<std::string>(), "hash the image (md5,sha1,sha256 or all) into MAPFILE.hash")
    ("fill", po::value<std::string>(), "after a finished run, mark areas of these statuses (some of ?*/-) in the image")
    ("smart", po::value<std::string>(), "SMART snapshots into MAPFILE.smart.jsonl: off, passes (default) or interval:DUR")
    ("smart-stop", po::value<std::string>(), "stop when a SMART rule fires, e.g. 'pending+=50,reallocated+=100,temperature>=60'");
  // clang-format on
  return c;
}

namespace {

std::chrono::milliseconds positive_timeout(std::string_view text, const std::string& what) {
  const auto d = parse_duration(text, what);
  if (d.count() <= 0) throw UsageError(fmt::format("invalid {}: must be above zero", what));
  return d;
}

}  // namespace

PhaseTimeouts parse_phase_timeouts(const std::string& text) {
  if (text.find('=') == std::string::npos) {
    const auto d = positive_timeout(text, "--timeout");
    return PhaseTimeouts{d, d, d, d};
  }
  PhaseTimeouts t;
  std::set<std::string> named;
  for (const std::string& item : split_list(text)) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos)
      throw UsageError(fmt::format("invalid --timeout item '{}': expected PHASE=DURATION", item));
    const std::string phase = item.substr(0, eq);
    if (!named.insert(phase).second)
      throw UsageError(fmt::format("invalid --timeout: phase '{}' given twice", phase));
    const auto d = positive_timeout(item.substr(eq + 1), "--timeout " + phase);
    if (phase == "copy") t.copy = d;
    else if (phase == "trim") t.trim = d;
    else if (phase == "scrape") t.scrape = d;
    else if (phase == "retry") t.retry = d;
    else throw UsageError(fmt::format("invalid --timeout phase '{}': use copy, trim, scrape or retry", phase));
  }
  return t;
}

std::vector<ResetKind> parse_reset_ladder(const std::string& text) {
  std::vector<ResetKind> ladder;
  for (const std::string& word : split_list(text)) {
    const auto kinds = {ResetKind::kSoft, ResetKind::kDevice, ResetKind::kTarget, ResetKind::kBus,
                        ResetKind::kHost, ResetKind::kPowerCycle};
    const auto kind = std::find_if(kinds.begin(), kinds.end(), [&](ResetKind k) { return word == reset_word(k); });
    if (kind == kinds.end())
      throw UsageError(fmt::format(
          "invalid --reset step '{}': use soft, device, target, bus, host or power-cycle", word));
    if (std::find(ladder.begin(), ladder.end(), *kind) != ladder.end())
      throw UsageError(fmt::format("invalid --reset: step '{}' given twice", word));
    ladder.push_back(*kind);
  }
  if (ladder.empty()) throw UsageError("invalid --reset: name the steps, e.g. soft,device,bus");
  return ladder;
}

namespace {

/// -r -R -n -N -A -c -e --max-error-reads --mapfile-interval --timeout --reset:
/// how the engine's passes run.
void read_pass_options(RescueOptions& e, const SubcommandArgs& a) {
  if (a.has("retry-passes")) {
    e.retry_passes = a.options["retry-passes"].as<int>();
    if (e.retry_passes < -1) throw UsageError("invalid --retry-passes: must be -1 or more");
    if (e.retry_passes == -1) e.retry_passes = std::numeric_limits<int>::max();
  }
  e.reverse = a.has("reverse");
  e.no_scrape = a.has("no-scrape");
  e.no_trim = a.has("no-trim");
  e.try_again = a.has("try-again");
  if (a.has("cluster-size")) {
    e.cluster_sectors = parse_cluster_sectors_option(a.text("cluster-size"), "--cluster-size");
  }
  if (a.has("max-error-reads")) {
    e.max_error_reads = parse_size(a.text("max-error-reads"), 1, "--max-error-reads");
    if (e.max_error_reads < 1) throw UsageError("invalid --max-error-reads: must be at least 1");
  }
  if (a.has("max-bad-areas")) {
    std::string limit = a.text("max-bad-areas");
    if (!limit.empty() && limit[0] == '+') {
      e.max_bad_areas_new_only = true;
      limit.erase(0, 1);
    }
    e.max_bad_areas = parse_size(limit, 1, "--max-bad-areas");
  }
  if (a.has("mapfile-interval")) e.mapfile_interval = parse_duration(a.text("mapfile-interval"), "--mapfile-interval");
  if (a.has("timeout")) e.timeouts = parse_phase_timeouts(a.text("timeout"));
  if (a.has("reset")) e.reset_ladder = parse_reset_ladder(a.text("reset"));
}

/// --transport --erc --dsense --[no-]limited-retry --power-cycle-cmd
/// (docs/TRANSPORTS.md).
void read_pass_through_options(RescueCommandLine& c, const SubcommandArgs& a) {
  if (a.has("transport")) {
    c.transport = a.text("transport");
    if (!parse_transport_choice(c.transport))
      throw UsageError(fmt::format("invalid --transport '{}': use auto, sat, scsi, nvme or block", c.transport));
  }
  if (a.has("erc")) {
    c.erc = parse_duration(a.text("erc"), "--erc");
    if (c.erc->count() < 0 || c.erc->count() > 6553500) throw UsageError("invalid --erc: from 0 (no limit) to 6553.5s");
  }
  c.dsense = a.has("dsense");
  if (a.has("limited-retry") && a.has("no-limited-retry"))
    throw UsageError("--limited-retry and --no-limited-retry contradict each other");
  c.limited_retry = !a.has("no-limited-retry");
  c.power_cycle_cmd = a.text("power-cycle-cmd");
  // A power-cycle command is the ladder's last rung even when --reset does
  // not name it.
  auto& ladder = c.engine.reset_ladder;
  if (!c.power_cycle_cmd.empty() && std::find(ladder.begin(), ladder.end(), ResetKind::kPowerCycle) == ladder.end())
    ladder.push_back(ResetKind::kPowerCycle);
}

/// The text of a list option; given empty ("--hash ''") it is refused, not
/// taken for "not given".
std::string given_list(const SubcommandArgs& a, const char* name) {
  const std::string text = a.text(name);
  if (a.has(name) && text.empty()) throw UsageError(fmt::format("invalid --{}: empty; name at least one", name));
  return text;
}

/// Positions, sizes and the files beside the rescue, kept as text where
/// they wait for the source's sector size.
void read_file_options(RescueCommandLine& c, const SubcommandArgs& a) {
  if (a.has("sector-size")) c.sector_size = parse_sector_size_option(a.text("sector-size"));
  c.skip_size = a.text("skip-size");
  c.input_position = a.text("input-position", "0");
  c.output_position = a.text("output-position");
  c.size = a.text("size");
  c.domain_mapfile = a.text("domain-mapfile");
  c.test_mapfile = a.text("test-mode");
  c.log_reads = a.text("log-reads");
  parse_head_options(c.heads, a.text("head-map"), a.text("head-timeout"), a.text("head-retries"),
                     a.text("skip-head"), a.text("head-order"));
  c.heads.analyze = a.has("analyze");  // rescue --analyze (src/triage)
  c.hash = given_list(a, "hash");
  c.fill = given_list(a, "fill");
  c.smart = a.text("smart");
  c.smart_stop = given_list(a, "smart-stop");
  c.preallocate = a.has("preallocate");
  c.sparse = a.has("sparse");
  c.direct = a.has("idirect");
  c.force = a.has("force");
}

StatusMode status_mode(const SubcommandArgs& a) {
  if (a.has("json")) return StatusMode::kJson;
  if (a.has("quiet")) return StatusMode::kQuiet;
  return ::isatty(STDOUT_FILENO) ? StatusMode::kTerminal : StatusMode::kPlain;
}

}  // namespace

RescueCommandLine parse_rescue_args(const std::vector<std::string>& args) {
  const Subcommand command = rescue_command();
  const SubcommandArgs a = parse_subcommand_args(args, command);
  RescueCommandLine c;
  c.help = a.help();
  c.version = a.has("version");
  if (c.help || c.version) return c;
  expect_files(a, command, 3, 3);
  c.source = a.files[0];
  c.image = a.files[1];
  c.mapfile = a.files[2];
  read_pass_options(c.engine, a);
  read_file_options(c, a);
  read_pass_through_options(c, a);
  c.verbosity = a.has("verbose") ? 1 : 0;
  c.status = status_mode(a);
  return c;
}

}  // namespace ptrescue
