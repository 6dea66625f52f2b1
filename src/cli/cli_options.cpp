#include "src/cli/cli_options.h"

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <sstream>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "base/units.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

po::options_description rescue_options_description() {
  po::options_description d("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
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
  return d;
}

}  // namespace

std::string rescue_usage() {
  return fmt::format(
      "Usage: ptrescue rescue [options] SOURCE IMAGE MAPFILE\n"
      "SOURCE is a regular file, a block device, or sim:NAME / sim:PROFILE.json\n"
      "(built-in simulated drives: demo, healthy, weak-head, scattered, hang).\n"
      "Sizes take units (4Mi, 64KiB, 128s sectors); durations 500ms, 2s, 1m.\n\n{}",
      [] {
        std::ostringstream os;
        os << rescue_options_description();
        return os.str();
      }());
}

PhaseTimeouts parse_phase_timeouts(const std::string& text) {
  PhaseTimeouts t;
  if (text.find('=') == std::string::npos) {
    const auto d = parse_duration(text, "--timeout");
    if (d.count() <= 0) throw UsageError("invalid --timeout: must be above zero");
    return PhaseTimeouts{d, d, d, d};
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos)
      throw UsageError(fmt::format("invalid --timeout item '{}': expected PHASE=DURATION", item));
    const std::string phase = item.substr(0, eq);
    const auto d = parse_duration(item.substr(eq + 1), "--timeout " + phase);
    if (d.count() <= 0) throw UsageError(fmt::format("invalid --timeout {}: must be above zero", phase));
    if (phase == "copy") t.copy = d;
    else if (phase == "trim") t.trim = d;
    else if (phase == "scrape") t.scrape = d;
    else if (phase == "retry") t.retry = d;
    else throw UsageError(fmt::format("invalid --timeout phase '{}': use copy, trim, scrape or retry", phase));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return t;
}

std::vector<ResetKind> parse_reset_ladder(const std::string& text) {
  std::vector<ResetKind> ladder;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string w = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    bool found = false;
    for (ResetKind k : {ResetKind::kSoft, ResetKind::kDevice, ResetKind::kTarget, ResetKind::kBus,
                        ResetKind::kHost, ResetKind::kPowerCycle})
      if (w == reset_word(k)) {
        ladder.push_back(k);
        found = true;
      }
    if (!found)
      throw UsageError(fmt::format(
          "invalid --reset step '{}': use soft, device, target, bus, host or power-cycle", w));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return ladder;
}

RescueCommandLine parse_rescue_args(const std::vector<std::string>& args) {
  po::options_description all = rescue_options_description();
  all.add_options()("positional", po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add("positional", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  RescueCommandLine c;
  c.help = vm.count("help") > 0;
  c.version = vm.count("version") > 0;
  if (c.help || c.version) return c;
  const auto files = vm.count("positional") ? vm["positional"].as<std::vector<std::string>>()
                                            : std::vector<std::string>{};
  if (files.size() != 3)
    throw UsageError(fmt::format("expected SOURCE IMAGE MAPFILE, got {} file name{}", files.size(),
                                 files.size() == 1 ? "" : "s"));
  c.source = files[0];
  c.image = files[1];
  c.mapfile = files[2];
  auto str = [&](const char* name) { return vm.count(name) ? vm[name].as<std::string>() : std::string(); };
  if (vm.count("retry-passes")) {
    c.engine.retry_passes = vm["retry-passes"].as<int>();
    if (c.engine.retry_passes < -1) throw UsageError("invalid --retry-passes: must be -1 or more");
    if (c.engine.retry_passes == -1) c.engine.retry_passes = std::numeric_limits<int>::max();
  }
  c.engine.reverse = vm.count("reverse") > 0;
  c.engine.no_scrape = vm.count("no-scrape") > 0;
  c.engine.no_trim = vm.count("no-trim") > 0;
  c.engine.try_again = vm.count("try-again") > 0;
  if (vm.count("sector-size")) {
    const auto b = parse_size(str("sector-size"), 512, "--sector-size");
    if (b < 512 || b > (1 << 20) || (b & (b - 1)) != 0)
      throw UsageError(fmt::format("invalid --sector-size {}: must be a power of two from 512", b));
    c.sector_size = static_cast<std::uint32_t>(b);
  }
  if (vm.count("cluster-size")) {
    c.engine.cluster_sectors = parse_size(str("cluster-size"), 1, "--cluster-size");
    if (c.engine.cluster_sectors < 1) throw UsageError("invalid --cluster-size: must be at least 1");
  }
  c.skip_size = str("skip-size");
  if (vm.count("input-position")) c.input_position = str("input-position");
  c.output_position = str("output-position");
  c.size = str("size");
  c.domain_mapfile = str("domain-mapfile");
  c.test_mapfile = str("test-mode");
  c.log_reads = str("log-reads");
  parse_head_options(c.heads, str("head-map"), str("head-timeout"), str("head-retries"), str("skip-head"),
                     str("head-order"));
  if (vm.count("max-error-reads")) {
    c.engine.max_error_reads = parse_size(str("max-error-reads"), 1, "--max-error-reads");
    if (c.engine.max_error_reads < 1) throw UsageError("invalid --max-error-reads: must be at least 1");
  }
  c.hash = str("hash");
  c.fill = str("fill");
  if (vm.count("smart")) c.smart = str("smart");
  c.smart_stop = str("smart-stop");
  c.preallocate = vm.count("preallocate") > 0;
  c.sparse = vm.count("sparse") > 0;
  c.direct = vm.count("idirect") > 0;
  c.force = vm.count("force") > 0;
  if (vm.count("max-bad-areas")) {
    std::string e = str("max-bad-areas");
    if (!e.empty() && e[0] == '+') {
      c.engine.max_bad_areas_new_only = true;
      e.erase(0, 1);
    }
    c.engine.max_bad_areas = parse_size(e, 1, "--max-bad-areas");
  }
  if (vm.count("mapfile-interval"))
    c.engine.mapfile_interval = parse_duration(str("mapfile-interval"), "--mapfile-interval");
  if (vm.count("timeout")) c.engine.timeouts = parse_phase_timeouts(str("timeout"));
  if (vm.count("reset")) c.engine.reset_ladder = parse_reset_ladder(str("reset"));
  if (vm.count("transport")) {
    c.transport = str("transport");
    if (c.transport != "auto" && c.transport != "sat" && c.transport != "scsi" && c.transport != "nvme" &&
        c.transport != "block")
      throw UsageError(fmt::format("invalid --transport '{}': use auto, sat, scsi, nvme or block", c.transport));
  }
  if (vm.count("erc")) {
    c.erc = parse_duration(str("erc"), "--erc");
    if (c.erc->count() < 0 || c.erc->count() > 6553500)
      throw UsageError("invalid --erc: from 0 (no limit) to 6553.5s");
  }
  c.dsense = vm.count("dsense") > 0;
  if (vm.count("limited-retry") && vm.count("no-limited-retry"))
    throw UsageError("--limited-retry and --no-limited-retry contradict each other");
  c.limited_retry = vm.count("no-limited-retry") == 0;
  c.power_cycle_cmd = str("power-cycle-cmd");
  // A power-cycle command is the ladder's last rung even when --reset does
  // not name it.
  if (!c.power_cycle_cmd.empty() &&
      std::find(c.engine.reset_ladder.begin(), c.engine.reset_ladder.end(), ResetKind::kPowerCycle) ==
          c.engine.reset_ladder.end())
    c.engine.reset_ladder.push_back(ResetKind::kPowerCycle);
  c.verbosity = vm.count("verbose") ? 1 : 0;
  if (vm.count("json")) c.status = StatusMode::kJson;
  else if (vm.count("quiet")) c.status = StatusMode::kQuiet;
  else c.status = ::isatty(STDOUT_FILENO) ? StatusMode::kTerminal : StatusMode::kPlain;
  return c;
}

}  // namespace ptrescue
