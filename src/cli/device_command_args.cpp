// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/device_command_args.h"

#include <fmt/format.h>

#include "base/units.h"

namespace po = boost::program_options;

namespace ptrescue {

Subcommand device_command(std::string name, std::string about) {
  Subcommand c(std::move(name), "SOURCE [--json] [--transport auto|sat|scsi|nvme|block]", std::move(about));
  // clang-format off
  c.options.add_options()
    ("json,j", "the answer as JSON")
    ("transport", po::value<std::string>(), "how to talk to a device node: auto, sat, scsi, nvme or block");
  // clang-format on
  return c;
}

DeviceCommandArgs parse_device_command_args(const Subcommand& command, const std::vector<std::string>& args) {
  const SubcommandArgs a = parse_subcommand_args(args, command);
  DeviceCommandArgs out;
  out.help = a.help();
  expect_files(a, command, 1, 1);
  if (out.help) return out;
  out.source = a.files[0];
  out.json = a.has("json");
  if (a.has("transport")) {
    const std::string word = a.text("transport");
    const auto choice = parse_transport_choice(word);
    if (!choice) throw UsageError(fmt::format("invalid --transport '{}': use auto, sat, scsi, nvme or block", word));
    out.options.transport = *choice;
  }
  return out;
}

}  // namespace ptrescue
