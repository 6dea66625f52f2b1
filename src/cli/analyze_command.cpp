// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/analyze_command.h"

#include <fmt/format.h>

#include "base/units.h"
#include "src/cli/exit_codes.h"
#include "src/cli/open_device.h"
#include "src/cli/subcommand_args.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

Subcommand analyze_command() {
  Subcommand c("analyze", "SOURCE [--json] [--time DUR] [--reads N] [--read-size SIZE] [--read-timeout DUR]",
               "A short triage before imaging (read-only): small reads in windows spread over the drive, each "
               "with a short timeout. Reports latency, errors and read rate per zone and per head, whether the "
               "firmware is slow everywhere, the head map found from slow reads (a weak head is slow before it "
               "fails) with its confidence, an estimate of the time to image, and the rescue options to use "
               "(docs/HEADMAP.md, \"Triage\").");
  // clang-format off
  c.options.add_options()
    ("json,j", "the report as JSON")
    ("time", po::value<std::string>(), "drive time budget of the scan (default: scaled to the drive, at most 120s)")
    ("reads", po::value<std::string>(), "read budget of the scan (default: scaled to the drive, at most 2048)")
    ("read-size", po::value<std::string>(), "bytes per read (default 256KiB)")
    ("read-timeout", po::value<std::string>(), "per-read timeout (default 2s), as rescue's --read-timeout")
    ("windows", po::value<std::string>(), "places over the LBA range to read at (default 8)")
    ("transport", po::value<std::string>(), "how to talk to a device node: auto, sat, scsi, nvme or block");
  // clang-format on
  return c;
}

std::int64_t positive_count(const SubcommandArgs& a, const char* name, std::int64_t max) {
  const auto n = parse_plain_number(a.text(name));
  if (!n || *n < 1 || *n > max) throw UsageError(fmt::format("invalid --{}: a whole number from 1 to {}", name, max));
  return *n;
}

TriageOptions triage_options(const SubcommandArgs& a) {
  TriageOptions o;
  // A budget given is the budget: no scaling to the drive.
  o.scaled = !a.has("time") && !a.has("reads");
  if (a.has("time")) o.time_budget = parse_duration(a.text("time"), "--time");
  if (a.has("read-timeout")) o.read_timeout = parse_duration(a.text("read-timeout"), "--read-timeout");
  if (o.time_budget.count() <= 0) throw UsageError("invalid --time: must be above zero");
  if (o.read_timeout.count() <= 0) throw UsageError("invalid --read-timeout: must be above zero");
  if (a.has("reads")) o.max_reads = static_cast<std::uint64_t>(positive_count(a, "reads", 10'000'000));
  if (a.has("windows")) o.windows = static_cast<int>(positive_count(a, "windows", 4096));
  if (a.has("read-size")) {
    const std::int64_t b = parse_size(a.text("read-size"), 1, "--read-size");
    if (b < 512 || b > (64 << 20)) throw UsageError("invalid --read-size: from 512 bytes to 64MiB");
    o.read_bytes = static_cast<std::uint32_t>(b);
  }
  return o;
}

nlohmann::json pace_json(const PaceFigures& p) {
  return {{"reads", p.reads}, {"errors", p.errors}, {"slow_reads", p.slow}, {"median_ms", p.median_ms},
          {"read_rate_mbps", p.mb_per_s}};
}

std::string pace_text(const PaceFigures& p) {
  return fmt::format("{:6} reads {:5} slow {:4} errors  median {:7.2f} ms  {:7.1f} MB/s", p.reads, p.slow, p.errors,
                     p.median_ms, p.mb_per_s);
}

}  // namespace

std::string triage_text(const TriageResult& r) {
  std::string s = fmt::format("triage: {} reads in {} windows, {} of drive time{}\n", r.reads.size(),
                              r.windows.size(), format_duration(Micros(static_cast<std::int64_t>(r.drive_ms * 1000))),
                              r.drive_gone ? " (the drive stopped answering)" : "");
  if (!r.looked_closer)
    s += "  (a survey: no read was slow or failed, so no more than a small share of the time to image)\n";
  s += "zones (windows of the scan):\n";
  for (const TriageWindow& w : r.windows)
    s += fmt::format("  LBA {:>12} - {:<12} {}\n", w.start, w.end, pace_text(w.pace));
  if (r.model)
    s += fmt::format("head map from {}: {}\n", r.model_from_latency ? "read times" : "errors",
                     r.model->summary(r.sector_size));
  else
    s += "head map: none found (no slow or failing stripes that repeat)\n";
  if (!r.heads.empty()) {
    s += "heads:\n";
    for (const TriageHead& h : r.heads)
      s += fmt::format("  head {:<3} {}{}\n", h.head, pace_text(h.pace), h.weak ? "  WEAK" : "");
  }
  for (const TriageHead& h : r.heads)
    if (h.weak) s += fmt::format("weak head: {} (slower reads{})\n", h.head, h.pace.errors > 0 ? " and errors" : "");
  s += fmt::format("slow firmware: {}\n", r.slow_firmware ? "yes (good reads slow everywhere)" : "no");
  s += fmt::format("estimated time to image: {} (at the rates seen, reads of the scan's size)\n",
                   format_duration(Micros(static_cast<std::int64_t>(r.estimate_s * 1e6))));
  s += "recommended:\n";
  for (const auto& [option, why] : r.advice) s += fmt::format("  {:<28} {}\n", option, why);
  return s;
}

nlohmann::json triage_json(const TriageResult& r) {
  nlohmann::json zones = nlohmann::json::array();
  for (const TriageWindow& w : r.windows) {
    nlohmann::json z = pace_json(w.pace);
    z["start_lba"] = w.start;
    z["end_lba"] = w.end;
    zones.push_back(z);
  }
  nlohmann::json heads = nlohmann::json::array();
  nlohmann::json weak = nlohmann::json::array();
  for (const TriageHead& h : r.heads) {
    nlohmann::json j = pace_json(h.pace);
    j["head"] = h.head;
    j["weak"] = h.weak;
    heads.push_back(j);
    if (h.weak) weak.push_back(h.head);
  }
  nlohmann::json map = nullptr;
  if (r.model)
    map = {{"from", r.model_from_latency ? "latency" : "errors"}, {"confidence", r.model->confidence},
           {"period_sectors", r.model->period}, {"stripe_sectors", r.model->stripe}, {"heads", r.model->heads},
           {"segments", r.model->segments.size()}, {"used", !r.map.empty()},
           {"text", r.map.empty() ? "" : r.map.serialize()}};
  nlohmann::json advice = nlohmann::json::array();
  for (const auto& [option, why] : r.advice) advice.push_back({{"option", option}, {"why", why}});
  return {{"reads", r.reads.size()},
          {"drive_seconds", r.drive_ms / 1000.0},
          {"looked_closer", r.looked_closer},
          {"drive_gone", r.drive_gone},
          {"zones", zones},
          {"heads", heads},
          {"weak_heads", weak},
          {"head_map", map},
          {"slow_firmware", r.slow_firmware},
          {"estimated_seconds_to_image", r.estimate_s},
          {"recommended", advice}};
}

std::vector<TimedRead> analyze_before_rescue(Device& drive, bool print) {
  const TriageResult r = run_triage(drive, TriageOptions{});
  if (print) fmt::print("{}\n", triage_text(r));
  std::vector<TimedRead> out;
  for (const TriageRead& x : r.reads)
    if (x.status == ReadStatus::kOk) out.push_back({x.lba, x.sectors, x.ms});
  return out;
}

int run_analyze_command(const std::vector<std::string>& args) {
  const Subcommand command = analyze_command();
  return run_subcommand(command, args, [&](const SubcommandArgs& a) {
    expect_files(a, command, 1, 1);
    const TriageOptions o = triage_options(a);
    SourceOptions so;
    if (a.has("transport")) {
      const auto choice = parse_transport_choice(a.text("transport"));
      if (!choice) throw UsageError(fmt::format("invalid --transport '{}': use auto, sat, scsi, nvme or block", a.text("transport")));
      so.transport = *choice;
    }
    const OpenedSource opened = open_source_with_notes(a.files[0], so);
    for (const auto& n : opened.notes) fmt::print(stderr, "ptrescue: {}\n", n);
    const TriageResult r = run_triage(*opened.device, o);
    if (a.has("json")) fmt::print("{}\n", triage_json(r).dump(2));
    else fmt::print("{}", triage_text(r));
    return exit_code::kOk;
  });
}

}  // namespace ptrescue
