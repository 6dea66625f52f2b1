#include "src/cli/info_commands.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/cli/device_command_args.h"
#include "src/cli/exit_codes.h"
#include "src/cli/rescue_command.h"
#include "src/cli/open_device.h"

namespace ptrescue {

int run_demo_command(const std::vector<std::string>& args) {
  std::vector<std::string> extra;
  for (const auto& a : args) {
    if (a == "--json" || a == "-q" || a == "--quiet") extra.push_back(a);
    else {
      fmt::print(stderr, "ptrescue: demo takes only --json or --quiet, not '{}'\n", a);
      return exit_code::kEnvironment;
    }
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = fmt::format("{}/ptrescue-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (::mkdtemp(dir.data()) == nullptr) {
    fmt::print(stderr, "ptrescue: cannot create a folder for the demo in '{}': {}\n",
               tmp && *tmp ? tmp : "/tmp", std::strerror(errno));
    return exit_code::kEnvironment;
  }
  std::vector<std::string> rescue_args{"sim:demo", dir + "/demo.img", dir + "/demo.map",
                                       "--log-reads", dir + "/reads.log", "--sparse"};
  rescue_args.insert(rescue_args.end(), extra.begin(), extra.end());
  std::string command_line = "ptrescue rescue";
  for (const auto& a : rescue_args) command_line += " " + a;
  const int rc = run_rescue_command(rescue_args, command_line);
  if (extra.empty())
    fmt::print(
        "\nDemo done: a simulated 1 GiB drive with a weak head, scattered bad sectors and slow\n"
        "sectors, imaged in virtual time.\n  image:     {0}/demo.img\n  mapfile:   {0}/demo.map\n"
        "  reads log: {0}/reads.log\nGo on with retry passes: ptrescue rescue sim:demo {0}/demo.img {0}/demo.map -r 2\n"
        "See the sector map:      ptrescue report {0}/demo.map --html {0}/report.html\n",
        dir);
  return rc;
}

int run_identify_command(const std::vector<std::string>& args) {
  const auto parsed = parse_device_command_args(
      "identify", args, "Identifies the drive: transport, model, serial, capacity, sector size (read-only).");
  if (const int* rc = std::get_if<int>(&parsed)) return *rc;
  const auto& [source, json, options] = std::get<DeviceCommandArgs>(parsed);
  try {
    const OpenedSource opened = open_source_with_notes(source, options);
    for (const auto& n : opened.notes) fmt::print(stderr, "ptrescue: {}\n", n);
    const DeviceIdentity& id = opened.device->identity();
    const auto support = [](const std::optional<bool>& b) -> nlohmann::json {
      return b ? nlohmann::json(*b) : nlohmann::json(nullptr);
    };
    const auto support_text = [](const std::optional<bool>& b) { return b ? (*b ? "yes" : "no") : "unknown"; };
    if (json) {
      nlohmann::json details = nlohmann::json::object();
      for (const auto& [k, v] : id.extra) details[k] = v;
      fmt::print("{}\n", nlohmann::json{{"transport", id.transport},
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
                                        {"details", details}}
                             .dump(2));
    } else {
      fmt::print(
          "transport:       {}\nmodel:           {}\nserial:          {}\nfirmware:        {}\n"
          "capacity:        {} bytes ({} sectors)\nsector size:     {} logical, {} physical\n"
          "max transfer:    {} sectors\n",
          id.transport, id.model, id.serial, id.firmware, id.capacity_bytes(), id.capacity_sectors,
          id.logical_sector_size, id.physical_sector_size, id.max_transfer_sectors);
      if (!id.command_node.empty() && id.command_node != source)
        fmt::print("command node:    {}\n", id.command_node);
      fmt::print("SMART:           {}\nSCT:             {}\nSCT ERC:         {}\n", support_text(id.smart_supported),
                 support_text(id.sct_supported), support_text(id.erc_supported));
      for (const auto& [k, v] : id.extra) fmt::print("{:<16} {}\n", k + ":", v);
    }
    return exit_code::kOk;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kEnvironment;
  }
}

}  // namespace ptrescue
