// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/info_commands.h"

#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/cli/cli_options.h"
#include "src/cli/device_command_args.h"
#include "src/cli/exit_codes.h"
#include "src/cli/open_device.h"
#include "src/cli/rescue_command.h"
#include "src/cli/subcommand_args.h"
#include "src/report/sim_replay.h"
#include "base/text_file.h"
#include "base/units.h"
#include "src/heads/head_map.h"
#include "transport/sim/sim_physics.h"

namespace ptrescue {

namespace {

Subcommand demo_command() {
  Subcommand c("demo", "[--json] [--quiet]",
               "Rescues the built-in simulated failing drive (sim:demo) into a new temporary folder\n"
               "and says where the image, the mapfile and the reads log are.");
  c.options.add_options()("json", "status as JSON lines on stdout")("quiet,q", "no status output");
  return c;
}

/// A fresh folder for the demo's files, under $TMPDIR or /tmp.
std::string make_demo_folder() {
  const char* tmp = std::getenv("TMPDIR");
  const std::string parent = tmp && *tmp ? tmp : "/tmp";
  std::string dir = parent + "/ptrescue-demo-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr)
    throw std::runtime_error(
        fmt::format("cannot create a folder for the demo in '{}': {}", parent, std::strerror(errno)));
  return dir;
}

void print_demo_summary(const std::string& dir) {
  fmt::print(
      "\nDemo done: a simulated 1 GiB drive with a weak head, scattered bad sectors and slow\n"
      "sectors, imaged in virtual time.\n  image:     {0}/demo.img\n  mapfile:   {0}/demo.map\n"
      "  reads log: {0}/reads.log\nGo on with retry passes: ptrescue rescue sim:demo {0}/demo.img {0}/demo.map -r 2\n"
      "See the sector map:      ptrescue report {0}/demo.map --html {0}/report.html\n",
      dir);
}

// What reading the healthy heads first saved: the demo's reads log and a
// plain run's (ddrescue's order, --head-map none) costed on the same drive.
void print_demo_savings(const std::string& dir) {
  const std::vector<std::string> plain_args{"sim:demo", dir + "/plain.img", dir + "/plain.map", "--log-reads",
                                            dir + "/plain.log", "--sparse", "--quiet", "--head-map", "none"};
  run_rescue_command(plain_args, "ptrescue rescue (plain, for the demo's comparison)");
  const SimPhysics physics(SimProfile::builtin("demo"));
  const ReplayResult heads = replay_reads(physics, parse_reads_log(read_whole_file(dir + "/reads.log")));
  const ReplayResult plain = replay_reads(physics, parse_reads_log(read_whole_file(dir + "/plain.log")));
  std::remove((dir + "/plain.img").c_str());
  // The heads as the run's inferred map says (MAPFILE.headmap).
  std::string weak = "none", healthy;
  try {
    const HeadMap map = HeadMap::parse(read_whole_file(dir + "/demo.map.headmap"));
    if (map.weak_heads().empty()) throw std::runtime_error("no weak head");
    weak.clear();
    for (int h : map.heads()) {
      std::string& into = map.is_weak(h) ? weak : healthy;
      into += fmt::format("{}{}", into.empty() ? "" : ", ", h);
    }
  } catch (const std::exception&) {
    fmt::print("\nNo head map was inferred: every head was read alike.\n");
    return;
  }
  const auto t = [](const std::optional<double>& s) {
    return s ? format_duration(Micros(static_cast<std::int64_t>(*s * 1e6))) : std::string("never");
  };
  // Failed reads before the 99 % mark: the wear the healthy heads did not pay for.
  fmt::print(
      "\nHealthy heads first: head {} was found weak from how slowly it reads, and heads {}\n"
      "were read before it. Against a plain run in ddrescue's order on the same drive:\n"
      "  99 % of the readable data after {} (plain: {}), 90 % after {} (plain: {})\n"
      "  failed reads in all: {} (plain: {})\n",
      weak, healthy, t(heads.time_to_99_s), t(plain.time_to_99_s), t(heads.time_to_90_s), t(plain.time_to_90_s),
      heads.error_reads, plain.error_reads);
}

/// The ladder a rescue of this source climbs when --reset names none;
/// empty for a file or block device, which no reset reaches.
std::string default_ladder_of(const DeviceIdentity& id) {
  if (id.transport == "file" || id.transport == "block") return {};
  return reset_ladder_text(default_reset_ladder(!id.usb.empty()));
}

nlohmann::json identity_json(const DeviceIdentity& id, const std::string& source) {
  const auto support = [](const std::optional<bool>& b) -> nlohmann::json {
    return b ? nlohmann::json(*b) : nlohmann::json(nullptr);
  };
  nlohmann::json details = nlohmann::json::object();
  for (const auto& [k, v] : id.extra) details[k] = v;
  return nlohmann::json{{"transport", id.transport},
                        {"path", source},
                        {"command_node", id.command_node.empty() ? source : id.command_node},
                        {"model", id.model},
                        {"serial", id.serial},
                        {"firmware", id.firmware},
                        {"capacity_bytes", id.capacity_bytes()},
                        {"capacity_sectors", id.capacity_sectors},
                        {"logical_sector_size", id.logical_sector_size},
                        {"physical_sector_size", id.physical_sector_size},
                        {"max_transfer_sectors", id.max_transfer_sectors},
                        {"smart_supported", support(id.smart_supported)},
                        {"sct_supported", support(id.sct_supported)},
                        {"erc_supported", support(id.erc_supported)},
                        {"usb", id.usb.empty() ? nlohmann::json(nullptr) : nlohmann::json(id.usb)},
                        {"default_reset_ladder", default_ladder_of(id).empty() ? nlohmann::json(nullptr)
                                                                                : nlohmann::json(default_ladder_of(id))},
                        {"details", details}};
}

void print_identity_text(const DeviceIdentity& id, const std::string& source) {
  const auto support_text = [](const std::optional<bool>& b) { return b ? (*b ? "yes" : "no") : "unknown"; };
  fmt::print(
      "transport:       {}\nmodel:           {}\nserial:          {}\nfirmware:        {}\n"
      "capacity:        {} bytes ({} sectors)\nsector size:     {} logical, {} physical\n"
      "max transfer:    {} sectors\n",
      id.transport, id.model, id.serial, id.firmware, id.capacity_bytes(), id.capacity_sectors,
      id.logical_sector_size, id.physical_sector_size, id.max_transfer_sectors);
  if (!id.command_node.empty() && id.command_node != source) fmt::print("command node:    {}\n", id.command_node);
  fmt::print("SMART:           {}\nSCT:             {}\nSCT ERC:         {}\n", support_text(id.smart_supported),
             support_text(id.sct_supported), support_text(id.erc_supported));
  if (!id.usb.empty()) fmt::print("USB:             {}\n", id.usb);
  if (!default_ladder_of(id).empty()) fmt::print("reset ladder:    {} (rescue's default)\n", default_ladder_of(id));
  for (const auto& [k, v] : id.extra) fmt::print("{:<16} {}\n", k + ":", v);
}

/// `identify`'s hidden-capacity part: user-visible vs native max LBA, HPA and DCO.
nlohmann::json capacity_json(const NativeCapacity& c) {
  const auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json j{{"queried", c.supported},
                   {"user_max_lba", opt(c.user_max_lba)},
                   {"native_max_lba", opt(c.native_max_lba)},
                   {"native_method", c.native_method},
                   {"hpa_present", opt(c.hpa_present())},
                   {"dco_max_lba", opt(c.dco_max_lba)},
                   {"dco_restricted", opt(c.dco_restricted())},
                   {"notes", c.notes}};
  if (c.nvme_nsze) {
    j["nvme_nsze"] = *c.nvme_nsze;
    j["nvme_ncap"] = opt(c.nvme_ncap);
    j["nvme_nuse"] = opt(c.nvme_nuse);
  }
  return j;
}

void print_capacity_text(const NativeCapacity& c) {
  fmt::print("hidden capacity:\n");
  for (const std::string& line : native_capacity_lines(c)) fmt::print("  {}\n", line);
}

}  // namespace

int run_demo_command(const std::vector<std::string>& args) {
  const Subcommand command = demo_command();
  return run_subcommand(command, args, [&](const SubcommandArgs& a) {
    expect_files(a, command, 0, 0);
    const std::string dir = make_demo_folder();
    std::vector<std::string> rescue_args{"sim:demo", dir + "/demo.img", dir + "/demo.map",
                                         "--log-reads", dir + "/reads.log", "--sparse", "--analyze"};
    if (a.has("json")) rescue_args.push_back("--json");
    if (a.has("quiet")) rescue_args.push_back("--quiet");
    std::string command_line = "ptrescue rescue";
    for (const auto& word : rescue_args) command_line += " " + word;
    const int rc = run_rescue_command(rescue_args, command_line);
    if (!a.has("json") && !a.has("quiet")) {
      print_demo_savings(dir);
      print_demo_summary(dir);
    }
    return rc;
  });
}

int run_identify_command(const std::vector<std::string>& args) {
  const Subcommand command = device_command(
      "identify", "Identifies the drive: transport, model, serial, capacity, sector size, and what a Host\n"
      "Protected Area or Device Configuration Overlay hides (read-only queries).");
  return run_subcommand(command.name, [&] {
    const DeviceCommandArgs a = parse_device_command_args(command, args);
    if (a.help) return print_usage(command);
    const OpenedSource opened = open_source_with_notes(a.source, a.options);
    for (const auto& n : opened.notes) fmt::print(stderr, "ptrescue: {}\n", n);
    const DeviceIdentity& id = opened.device->identity();
    const NativeCapacity capacity = opened.device->native_capacity(a.options.pass_through.probe_timeout);
    if (a.json) {
      nlohmann::json j = identity_json(id, a.source);
      j["hidden_capacity"] = capacity_json(capacity);
      fmt::print("{}\n", j.dump(2));
    } else {
      print_identity_text(id, a.source);
      print_capacity_text(capacity);
    }
    return exit_code::kOk;
  });
}

}  // namespace ptrescue
