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
#include "src/cli/ddrescue_syntax.h"
#include "transport/transport_detect.h"

namespace po = boost::program_options;

namespace ptrescue {

Subcommand rescue_command() {
  Subcommand c("rescue", "[options] SOURCE IMAGE [MAPFILE]",
               "SOURCE is a regular file, a block device, or sim:NAME / sim:PROFILE.json\n"
               "(built-in simulated drives: demo, healthy, weak-head, scattered, hang).\n"
               "GNU ddrescue 1.30's options first, in its order and with its meanings (docs/COMPATIBILITY.md);\n"
               "ptrescue's own options after them. Without MAPFILE the run cannot be resumed.\n"
               "Numbers as ddrescue's: 1_234kB, 4Kis, 0x1234, 0777 (octal), 's' = sectors;\n"
               "time intervals 1[.5][smhd] or 1/2[smhd]; ptrescue's own durations also 500ms.");
  // GNU ddrescue 1.30's options, in the order of its --help.
  // clang-format off
  c.options.add_options()
    ("version,V", "show the version")
    ("min-read-rate,a", po::value<std::string>(), "minimum read rate of good areas in bytes/s (0 = auto): passes 1-2 skip slow areas")
    ("try-again,A", "mark non-trimmed and non-scraped areas as non-tried first")
    ("sector-size,b", po::value<std::string>(), "sector size in bytes (default: the device's; 512 for a file)")
    ("binary-prefixes,B", "show binary multipliers in numbers")
    ("cluster-size,c", po::value<std::string>(), "sectors to copy at a time (default 128)")
    ("complete-only,C", "do not read new data beyond the mapfile's limits")
    ("idirect,d", "direct disk access for a file or block device source (O_DIRECT)")
    ("odirect,D", "direct disk access for the image (ptrescue syncs it before every mapfile save)")
    ("max-bad-areas,e", po::value<std::string>(), "stop after [+]N bad areas ([new] ones)")
    ("max-error-rate,E", po::value<std::string>(), "stop when read errors exceed this many bytes/s")
    ("force,f", "allow writing the image to a block device; override the same-disk and free-space checks")
    ("fill-mode,F", po::value<std::string>(), "fill mode: write SOURCE's data over the image's blocks of these types (?*/-+l)")
    ("generate-mode,G", "generate mode: an approximate mapfile from a partial copy")
    ("test-mode,H", po::value<std::string>(), "test mode: reads touching non-'+' blocks of FILE (- = stdin) fail")
    ("input-position,i", po::value<std::string>(), "starting position in the source (default 0)")
    ("check-input-size,I", "refuse a source whose size differs from the mapfile's")
    ("check-on-error,J", "after a read error, re-read the latest good sector; stop if it fails")
    ("skip-size,K", po::value<std::string>(), "[initial][,max] size to skip on a read error")
    ("loose-domain,L", "accept an unordered domain or test mapfile with gaps")
    ("domain-mapfile,m", po::value<std::string>(), "restrict the domain to the '+' blocks of FILE (- = stdin)")
    ("retrim,M", "mark some failed blocks as non-trimmed")
    ("no-scrape,n", "skip the scraping phase")
    ("no-sweep,N", "skip the sweeping phase (ptrescue's copying pass 3; -N was --no-trim before ddrescue 1.30)")
    ("no-trim", "skip the trimming phase (was -N before ddrescue 1.30)")
    ("output-position,o", po::value<std::string>(), "starting position in the image (default -i)")
    ("reopen-on-error,O", "close and reopen the source after every read error (files and block devices)")
    ("preallocate,p", "preallocate space for the image")
    ("data-preview,P", po::value<std::string>()->implicit_value("3"), "show N lines (default 3) of the latest data read, in hex and ASCII")
    ("quiet,q", "no status output")
    ("retry-passes,r", po::value<std::string>(), "retry bad sectors N times (-1 = until done)")
    ("reverse,R", "reverse the direction of all passes")
    ("size,s", po::value<std::string>(), "maximum size of data to copy ('output': the image's size)")
    ("sparse,S", "do not write all-zero blocks (sparse image)")
    ("truncate,t", "truncate the image to zero size first")
    ("timeout,T", po::value<std::string>(), "stop when no read has succeeded for this long")
    ("unidirectional,u", "run all passes in the same direction")
    ("verbose,v", "more messages")
    ("ignore-write-errors,w", "fill mode: go on past image write errors")
    ("compare-before-write,W", "read the image first; write only data it does not already hold")
    ("extend-outfile,x", po::value<std::string>(), "extend the image to at least this size")
    ("max-read-errors,X", po::value<std::string>(), "stop after more than N read errors")
    ("synchronous,y", "synchronous writes: the image is synced after every write")
    ("max-read-rate,Z", po::value<std::string>(), "maximum read rate in bytes/s")
    ("ask", "ask for confirmation before starting")
    ("bad-sector-data", po::value<std::string>(), "treat as a read error any sector holding the data of FILE's first sector")
    ("command-mode", "execute commands from standard input (c POS SIZE, s POS SIZE, u, f, q)")
    ("continue-on-errno", po::value<std::string>(), "treat errno code N[,N] as non-fatal")
    ("cpass", po::value<std::string>(), "copying passes to run: 0, or a list of 1-4 and ranges")
    ("delay-slow", po::value<std::string>(), "initial delay before checking slow reads (default 30s)")
    ("log-events", po::value<std::string>(), "log significant events in FILE (appended; ddrescue 1.30's format)")
    ("log-rates", po::value<std::string>(), "log rates and error sizes in FILE, once a second (ddrescue 1.30's format)")
    ("log-reads", po::value<std::string>(), "log every read command to FILE (ptrescue's format)")
    ("mapfile-interval", po::value<std::string>(), "[save][,sync] intervals of the mapfile (default 30s)")
    ("max-slow-reads", po::value<std::string>(), "stop (exit 1) after more than N slow reads")
    ("pause-on-error", po::value<std::string>(), "time to wait after each read error")
    ("pause-on-pass", po::value<std::string>(), "time to wait between passes")
    ("reset-slow", "reset the slow reads count when the rate reaches the minimum again")
    ("same-file", "allow SOURCE and IMAGE to be the same file")
    ("verify-input-size", "ddrescue 1.27's name of -I")
    ("verify-on-error", "ddrescue 1.27's name of -J");
  // ptrescue's own options.
  c.options.add_options()
    ("json", "status as JSON lines on stdout")
    ("head-map", po::value<std::string>(), "head map: infer (the default: from the errors of the run, kept in MAPFILE.headmap), FILE, sim, or none (ddrescue 1.27's passes exactly)")
    ("head-timeout", po::value<std::string>(), "per-command timeout on a head: H=DUR[,H=DUR...]")
    ("head-retries", po::value<std::string>(), "retry passes for a head's bad sectors: H=N[,H=N...]")
    ("skip-head", po::value<std::string>(), "never read these heads: H[,H...]")
    ("head-order", po::value<std::string>(), "order to read weak heads in: H[,H...]")
    ("order", po::value<std::string>(), "rescue in stages: 'fs' (MAPFILE.metadata, .used, .free from 'ptrescue plan') or FILE[,FILE...] domain mapfiles")
    ("analyze", "run the triage of 'ptrescue analyze' first and start with the weak heads it finds")
    ("max-error-reads", po::value<std::string>(), "stop after N failed reads (a dying drive's budget)")
    ("read-timeout", po::value<std::string>(), "per-command timeout: DUR or copy=DUR,trim=DUR,scrape=DUR,retry=DUR")
    ("reset", po::value<std::string>(), "reset ladder after a hang (default soft,device,bus; on USB ...,usb-reset,usb-rebind)")
    ("transport", po::value<std::string>(), "how to talk to a device node: auto, sat, scsi, nvme or block")
    ("erc", po::value<std::string>(), "ATA drives: set the SCT ERC read timer to DUR for the run (restored at the end)")
    ("dsense", "SAT/SCSI: descriptor-format sense for the run (full failing LBA; restored at the end)")
    ("limited-retry", "NVMe: Limited Retry bit on copy-pass reads (the default)")
    ("no-limited-retry", "NVMe: never set the Limited Retry bit")
    ("power-cycle-cmd", po::value<std::string>(), "last reset rung: run CMD (e.g. a relay), wait for the drive to come back")
    ("reattach-wait", po::value<std::string>(), "a drive that drops off: wait DUR for it to come back under any node, by serial (default 60s; 0: do not wait)")
    ("hash", po::value<std::string>(), "hash the image (md5,sha1,sha256 or all) into MAPFILE.hash")
    ("segment-hash-size", po::value<std::string>(), "hash the image by ranges of SIZE (default 1GiB with --hash) and by rescued runs into MAPFILE.hashes")
    ("fill", po::value<std::string>(), "after a finished run, mark areas of these statuses (some of ?*/-) in the image")
    ("smart", po::value<std::string>(), "SMART snapshots into MAPFILE.smart.jsonl: off, passes (default) or interval:DUR")
    ("smart-stop", po::value<std::string>(), "stop when a SMART rule fires, e.g. 'pending+=50,reallocated+=100,temperature>=60'");
  // ptrescue's own: an E01 set when the run finishes or is interrupted (docs/EXPORT.md).
  c.options.add_options()
    ("e01", po::value<std::string>(), "when the run finishes or Ctrl-C stops it, write the image as E01 set OUT.E01...");
  add_e01_options(c);
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
    const auto d = positive_timeout(text, "--read-timeout");
    return PhaseTimeouts{d, d, d, d};
  }
  PhaseTimeouts t;
  std::set<std::string> named;
  for (const std::string& item : split_list(text)) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos)
      throw UsageError(fmt::format("invalid --read-timeout item '{}': expected PHASE=DURATION", item));
    const std::string phase = item.substr(0, eq);
    if (!named.insert(phase).second)
      throw UsageError(fmt::format("invalid --read-timeout: phase '{}' given twice", phase));
    const auto d = positive_timeout(item.substr(eq + 1), "--read-timeout " + phase);
    if (phase == "copy") t.copy = d;
    else if (phase == "trim") t.trim = d;
    else if (phase == "scrape") t.scrape = d;
    else if (phase == "retry") t.retry = d;
    else throw UsageError(fmt::format("invalid --read-timeout phase '{}': use copy, trim, scrape or retry", phase));
  }
  return t;
}

std::string reset_ladder_text(const std::vector<ResetKind>& ladder) {
  std::string text;
  for (ResetKind k : ladder) text += fmt::format("{}{}", text.empty() ? "" : ",", reset_word(k));
  return text;
}

std::vector<ResetKind> parse_reset_ladder(const std::string& text) {
  std::vector<ResetKind> ladder;
  for (const std::string& word : split_list(text)) {
    const auto kinds = {ResetKind::kSoft, ResetKind::kDevice, ResetKind::kTarget, ResetKind::kBus,
                        ResetKind::kHost, ResetKind::kUsbReset, ResetKind::kUsbRebind,
                        ResetKind::kPowerCycle};
    const auto kind = std::find_if(kinds.begin(), kinds.end(), [&](ResetKind k) { return word == reset_word(k); });
    if (kind == kinds.end())
      throw UsageError(fmt::format(
          "invalid --reset step '{}': use soft, device, target, bus, host, usb-reset, usb-rebind or power-cycle", word));
    if (std::find(ladder.begin(), ladder.end(), *kind) != ladder.end())
      throw UsageError(fmt::format("invalid --reset: step '{}' given twice", word));
    ladder.push_back(*kind);
  }
  if (ladder.empty()) throw UsageError("invalid --reset: name the steps, e.g. soft,device,bus");
  return ladder;
}

namespace {

constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();
constexpr std::int64_t kMaxLong = std::numeric_limits<std::int64_t>::max();

/// -T: ddrescue's "maximum time since the last successful read". The
/// per-command deadline that ptrescue called --timeout is --read-timeout
/// now: its old forms get a message that names the new option.
std::chrono::milliseconds no_good_read_limit(const std::string& text) {
  if (text.find('=') != std::string::npos || text.ends_with("ms"))
    throw UsageError(fmt::format(
        "--timeout '{}' looks like a per-command timeout: that option is --read-timeout now (-T/--timeout is "
        "ddrescue's maximum time since the last successful read)",
        text));
  return parse_ddrescue_interval(text, "--timeout", true);
}

/// --pause-on-error: an interval; ddrescue's leading 's' (a simulated
/// pause, for its testsuite) is accepted and taken as a real pause.
std::chrono::milliseconds pause_on_error(const std::string& text) {
  if (!text.empty() && text[0] == 's') return parse_ddrescue_interval(text.substr(1), "--pause-on-error", false);
  return parse_ddrescue_interval(text, "--pause-on-error", true);
}

/// -e [+]N
void read_max_bad_areas(RescueOptions& e, std::string limit) {
  if (!limit.empty() && limit[0] == '+') {
    e.max_bad_areas_new_only = true;
    limit.erase(0, 1);
  }
  e.max_bad_areas = parse_ddrescue_number(limit, 0, "--max-bad-areas", 0, kMaxLong);
}

/// --mapfile-interval: ddrescue's [save][,sync]; ptrescue's 500ms form too.
std::chrono::milliseconds mapfile_save_interval(const std::string& text) {
  if (text.ends_with("ms")) return parse_duration(text, "--mapfile-interval");
  const MapfileIntervals m = parse_mapfile_intervals(text);
  return m.save_only_at_end ? std::chrono::hours(24 * 365) : m.save;
}

/// -r -R -n -N -A -c -e -u -M -T -X -E -Z -y -J --cpass --pause-on-*
/// --max-error-reads --mapfile-interval --read-timeout --reset: how the
/// engine's passes run.
void read_pass_options(RescueOptions& e, const SubcommandArgs& a) {
  if (a.has("retry-passes")) {
    e.retry_passes = static_cast<int>(parse_ddrescue_number(a.text("retry-passes"), 0, "--retry-passes", -1, kMaxInt / 2));
    if (e.retry_passes == -1) e.retry_passes = std::numeric_limits<int>::max();
  }
  e.reverse = a.has("reverse");
  e.no_scrape = a.has("no-scrape");
  e.no_trim = a.has("no-trim");
  e.try_again = a.has("try-again");
  e.unidirectional = a.has("unidirectional");
  e.retrim = a.has("retrim");
  e.synchronous = a.has("synchronous");
  e.check_on_error = a.has("check-on-error") || a.has("verify-on-error");
  e.reopen_on_error = a.has("reopen-on-error");
  if (a.has("continue-on-errno")) e.continue_on_errno = parse_errno_list(a.text("continue-on-errno"));
  if (a.has("cluster-size"))
    e.cluster_sectors = parse_ddrescue_number(a.text("cluster-size"), 0, "--cluster-size", 1, 1 << 20,
                                              "from 1 up to 1048576 sectors");
  if (a.has("max-error-reads")) {
    e.max_error_reads = parse_size(a.text("max-error-reads"), 1, "--max-error-reads");
    if (e.max_error_reads < 1) throw UsageError("invalid --max-error-reads: must be at least 1");
  }
  // -X N allows N read errors: the run stops at the one after them.
  if (a.has("max-read-errors"))
    e.max_error_reads = parse_ddrescue_number(a.text("max-read-errors"), 0, "--max-read-errors", 0, kMaxLong - 1) + 1;
  if (a.has("max-bad-areas")) read_max_bad_areas(e, a.text("max-bad-areas"));
  if (a.has("cpass")) {
    // ddrescue 1.30's passes 1 and 2 are ptrescue's; its 3 and 4 read the
    // areas -a skipped for slowness, which ptrescue's later passes read.
    e.copy_passes = parse_copy_passes(a.text("cpass")) & 0b11;
  }
  // ptrescue's pass 3 reads every non-tried area left, without skipping:
  // 1.30's sweeping phase, which runs whatever --cpass says unless -N.
  if (!a.has("no-sweep")) e.copy_passes |= 0b100;
  // Slow reads (src/engine/slow_reads.h); -a's 's' unit is 512 bytes, as -Z's.
  if (a.has("min-read-rate")) e.slow.min_read_rate = parse_ddrescue_number(a.text("min-read-rate"), 512, "--min-read-rate", 0);
  if (a.has("max-slow-reads")) e.slow.max_slow_reads = parse_ddrescue_number(a.text("max-slow-reads"), 0, "--max-slow-reads", 0);
  if (a.has("delay-slow")) e.slow.delay = parse_ddrescue_interval(a.text("delay-slow"), "--delay-slow", true);
  e.slow.reset = a.has("reset-slow");
  if (a.has("timeout")) e.no_good_read_limit = no_good_read_limit(a.text("timeout"));
  if (a.has("pause-on-error")) e.pause_on_error = pause_on_error(a.text("pause-on-error"));
  if (a.has("pause-on-pass"))
    e.pause_on_pass = parse_ddrescue_interval(a.text("pause-on-pass"), "--pause-on-pass", true);
  if (a.has("max-read-rate")) e.max_read_rate = parse_ddrescue_number(a.text("max-read-rate"), 512, "--max-read-rate", 1);
  if (a.has("max-error-rate"))
    e.max_error_rate = parse_ddrescue_number(a.text("max-error-rate"), 512, "--max-error-rate", 0);
  if (a.has("mapfile-interval")) e.mapfile_interval = mapfile_save_interval(a.text("mapfile-interval"));
  if (a.has("read-timeout")) e.timeouts = parse_phase_timeouts(a.text("read-timeout"));
  if (a.has("reset")) e.reset_ladder = parse_reset_ladder(a.text("reset"));
}

/// A power-cycle command is the ladder's last rung even when --reset does
/// not name it.
void end_with_power_cycle(std::vector<ResetKind>& ladder, const std::string& command) {
  if (!command.empty() && std::find(ladder.begin(), ladder.end(), ResetKind::kPowerCycle) == ladder.end())
    ladder.push_back(ResetKind::kPowerCycle);
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
  if (a.has("reattach-wait")) {
    c.reattach_wait = parse_duration(a.text("reattach-wait"), "--reattach-wait");
    if (c.reattach_wait.count() < 0) throw UsageError("invalid --reattach-wait: must not be negative");
  }
  end_with_power_cycle(c.engine.reset_ladder, c.power_cycle_cmd);
}

/// The text of a list option; given empty ("--hash ''") it is refused, not
/// taken for "not given".
std::string given_list(const SubcommandArgs& a, const char* name) {
  const std::string text = a.text(name);
  if (a.has(name) && text.empty()) throw UsageError(fmt::format("invalid --{}: empty; name at least one", name));
  return text;
}

/// -i -o -s -K -x: checked now (ddrescue refuses a bad number before
/// opening anything), read again once the source's sector size is known.
void check_positions(const RescueCommandLine& c) {
  const std::int64_t ss = c.sector_size != 0 ? c.sector_size : 512;
  parse_ddrescue_number(c.input_position, ss, "--input-position", 0);
  if (!c.output_position.empty()) parse_ddrescue_number(c.output_position, ss, "--output-position", 0);
  if (!c.size.empty() && !c.ddrescue.size_of_output) parse_ddrescue_number(c.size, ss, "--size", -1);
  if (!c.ddrescue.extend_outfile.empty()) parse_ddrescue_number(c.ddrescue.extend_outfile, ss, "--extend-outfile", 0);
  if (!c.skip_size.empty()) {
    RescueOptions scratch;
    apply_ddrescue_skip_size(c.skip_size, static_cast<std::uint32_t>(ss), scratch);
  }
}

/// GNU ddrescue's options that the command, not the engine, acts on.
void read_ddrescue_choices(DdrescueChoices& d, const SubcommandArgs& a) {
  if (a.has("fill-mode")) d.fill_types = parse_fill_mode_types(a.text("fill-mode"));
  d.generate = a.has("generate-mode");
  if (d.generate && !d.fill_types.empty()) throw UsageError("Only one operation can be specified (-F or -G)");
  if (a.has("command-mode") && (d.generate || !d.fill_types.empty()))
    throw UsageError("Only one operation can be specified (--command-mode, -F or -G)");
  d.complete_only = a.has("complete-only");
  d.check_input_size = a.has("check-input-size") || a.has("verify-input-size");
  d.loose_domain = a.has("loose-domain");
  d.truncate = a.has("truncate");
  d.extend_outfile = a.text("extend-outfile");
  d.ask = a.has("ask");
  d.same_file = a.has("same-file");
  d.ignore_write_errors = a.has("ignore-write-errors");
  d.binary_prefixes = a.has("binary-prefixes");
  d.max_read_errors = a.has("max-read-errors");
  d.compare_before_write = a.has("compare-before-write");
  d.log_events = a.text("log-events");
  d.log_rates = a.text("log-rates");
  d.bad_sector_data = a.text("bad-sector-data");
  if (a.has("data-preview"))
    d.data_preview = static_cast<int>(parse_ddrescue_number(a.text("data-preview"), 0, "--data-preview", 1, 32));
  if (a.has("odirect") && a.has("compare-before-write"))
    throw UsageError("--odirect and --compare-before-write are incompatible");
  for (const auto* name : {"log-events", "log-rates", "log-reads", "bad-sector-data"})
    if (a.has(name) && a.text(name) == "-")
      throw UsageError(fmt::format("--{}: standard input or output can't be used here", name));
}

/// Combinations ddrescue refuses, once every option is read.
void check_modes(const RescueCommandLine& c, const SubcommandArgs& a) {
  const DdrescueChoices& d = c.ddrescue;
  const bool fill = !d.fill_types.empty();
  if ((fill || d.generate) && c.mapfile.empty())
    throw UsageError(fmt::format("{} needs a mapfile", fill ? "fill mode (-F)" : "generate mode (-G)"));
  if ((fill || d.generate) && d.ask) throw UsageError("--ask works only in rescue mode");
  if (fill && d.same_file) throw UsageError("--same-file works only in rescue mode");
  if (d.ignore_write_errors && !fill) throw UsageError("--ignore-write-errors (-w) works only in fill mode");
  if (d.same_file && d.truncate) throw UsageError("--same-file and --truncate are incompatible");
  if (a.has("command-mode") && c.domain_mapfile == "-")
    throw UsageError("--command-mode reads standard input: -m - can't be used with it");
  if (c.domain_mapfile == "-" && c.test_mapfile == "-")
    throw UsageError("only one of -m and -H can read standard input");
  if (!c.order.empty() && !c.domain_mapfile.empty())
    throw UsageError("--order and -m both choose the domain: give one of them");
  if (!c.order.empty() && c.mapfile.empty()) throw UsageError("--order needs a mapfile");
}

/// Positions, sizes and the files beside the rescue, kept as text where
/// they wait for the source's sector size.
void read_file_options(RescueCommandLine& c, const SubcommandArgs& a) {
  if (a.has("sector-size")) {
    c.sector_size = static_cast<std::uint32_t>(parse_ddrescue_number(a.text("sector-size"), 0, "--sector-size", 1, 1 << 20, "from 1 up to 1 MiB"));
    c.engine.physical_sector_reads = false;  // -b is ddrescue's scraping unit
  }
  c.skip_size = a.text("skip-size");
  if (a.has("skip-size") && c.skip_size.empty()) throw UsageError("invalid --skip-size '': bad or missing number");
  c.input_position = a.text("input-position", "0");
  c.output_position = a.text("output-position");
  c.size = a.text("size");
  c.ddrescue.size_of_output = c.size == "output";
  c.domain_mapfile = a.text("domain-mapfile");
  c.test_mapfile = a.text("test-mode");
  c.order = a.text("order");
  if (a.has("order") && c.order.empty()) throw UsageError("invalid --order '': give 'fs' or FILE[,FILE...]");
  c.log_reads = a.text("log-reads");
  parse_head_options(c.heads, a.text("head-map"), a.text("head-timeout"), a.text("head-retries"),
                     a.text("skip-head"), a.text("head-order"));
  c.heads.analyze = a.has("analyze");  // rescue --analyze (src/triage)
  c.hash = given_list(a, "hash");
  c.fill = given_list(a, "fill");
  c.segment_hash_size = a.text("segment-hash-size");
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

void apply_ddrescue_skip_size(const std::string& text, std::uint32_t ss, RescueOptions& options) {
  constexpr std::string_view kOption = "--skip-size";
  constexpr std::int64_t kMinSkip = 64 << 10;
  constexpr std::int64_t kMaxSkip = std::int64_t{1} << 60;  // 1 EiB: the doubling stays in range
  std::string_view tail = text;
  std::int64_t initial = options.skip_initial;
  if (!tail.starts_with(',')) {
    initial = parse_ddrescue_number_prefix(text, ss, kOption, tail);
    if (initial > kMaxSkip) throw UsageError(fmt::format("invalid {} '{}': up to 1 EiB", kOption, text));
  }
  std::int64_t max = options.skip_max;
  if (tail.starts_with(',')) {
    std::string_view rest;
    max = parse_ddrescue_number_prefix(tail.substr(1), ss, kOption, rest);
    if (!rest.empty()) throw UsageError(fmt::format("invalid {} '{}': extra characters", kOption, text));
    if (max < kMinSkip || max > kMaxSkip)
      throw UsageError(fmt::format("invalid {} '{}': the maximum is from 64 KiB up to 1 EiB", kOption, text));
  } else if (!tail.empty()) {
    throw UsageError(fmt::format("invalid {} '{}': bad separator (use initial,max)", kOption, text));
  }
  if (initial > 0 && initial < kMinSkip)
    throw UsageError(fmt::format("invalid {} '{}': the initial skip is 0 or at least 64 KiB", kOption, text));
  if (max > 0 && initial > max)
    throw UsageError(fmt::format("invalid {} '{}': the initial skip exceeds the maximum", kOption, text));
  options.skip_initial = initial;
  options.skip_max = max;
}

namespace {

/// ddrescue counts -v ("a 2nd -v gives more"); Boost takes an option once.
/// Returns the arguments with every -v after the first left out (before a
/// "--", and "-vv" as two), and the count.
std::pair<std::vector<std::string>, int> count_verbose(const std::vector<std::string>& args) {
  std::vector<std::string> kept;
  int count = 0;
  bool options_end = false;
  for (const std::string& arg : args) {
    if (arg == "--") options_end = true;
    const bool all_v = arg.size() >= 2 && arg[0] == '-' && arg.find_first_not_of('v', 1) == std::string::npos;
    if (!options_end && (arg == "--verbose" || all_v)) {
      const int n = arg == "--verbose" ? 1 : static_cast<int>(arg.size() - 1);
      if (count == 0) kept.push_back("-v");
      count += n;
      continue;
    }
    kept.push_back(arg);
  }
  return {kept, count};
}

}  // namespace

RescueCommandLine parse_rescue_args(const std::vector<std::string>& raw_args) {
  const Subcommand command = rescue_command();
  const auto [args, verbose_count] = count_verbose(raw_args);
  const SubcommandArgs a = parse_subcommand_args(args, command);
  RescueCommandLine c;
  c.help = a.help();
  c.version = a.has("version");
  if (c.help || c.version) return c;
  expect_files(a, command, 2, 3);
  c.source = a.files[0];
  c.image = a.files[1];
  if (a.files.size() == 3) c.mapfile = a.files[2];
  read_pass_options(c.engine, a);
  c.reset_given = a.has("reset");
  read_file_options(c, a);
  read_ddrescue_choices(c.ddrescue, a);
  check_positions(c);
  check_modes(c, a);
  c.ddrescue.command_mode = a.has("command-mode");
  if (c.ddrescue.command_mode && (a.has("e01") || a.has("order")))
    throw UsageError("--command-mode copies what its commands ask: --e01 and --order can't be used with it");
  read_pass_through_options(c, a);
  c.verbosity = verbose_count;
  c.status = status_mode(a);
  if (a.has("e01")) c.e01 = read_e01_choices(a, a.text("e01"));
  else if (has_e01_option(a)) throw UsageError("the E01 options (--case-number, --compression, ...) need --e01 OUT");
  return c;
}

std::vector<ResetKind> reset_ladder_for(const RescueCommandLine& c, const DeviceIdentity& source) {
  if (c.reset_given) return c.engine.reset_ladder;
  std::vector<ResetKind> ladder = default_reset_ladder(!source.usb.empty());
  end_with_power_cycle(ladder, c.power_cycle_cmd);
  return ladder;
}

}  // namespace ptrescue
