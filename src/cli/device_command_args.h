// SPDX-License-Identifier: GPL-3.0-or-later
// The arguments of the commands that open one device and ask it one thing
// (`identify`, `smart`): SOURCE, --json, --transport.
#pragma once

#include <string>
#include <vector>

#include "src/cli/open_device.h"
#include "src/cli/subcommand_args.h"

namespace ptrescue {

struct DeviceCommandArgs {
  std::string source;
  bool json = false;
  SourceOptions options;
  bool help = false;
};

/// The command line of `identify` or `smart` (`name`), `about` for --help.
Subcommand device_command(std::string name, std::string about);

/// Reads `SOURCE [--json|-j] [--transport WORD]` (or --help). Throws
/// UsageError naming the bad word.
DeviceCommandArgs parse_device_command_args(const Subcommand& command, const std::vector<std::string>& args);

}  // namespace ptrescue
