// The arguments of the commands that open one device and ask it one thing
// (`identify`, `smart`): SOURCE, --json, --transport.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "src/cli/open_device.h"

namespace ptrescue {

struct DeviceCommandArgs {
  std::string source;
  bool json = false;
  SourceOptions options;
};

/// Reads `SOURCE [--json|-j] [--transport WORD|--transport=WORD] [--help|-h]`.
/// Returns the arguments, or the exit code to end with: kOk after printing
/// `help` for --help, kEnvironment after a one-line error naming the bad word.
std::variant<DeviceCommandArgs, int> parse_device_command_args(std::string_view command,
                                                               const std::vector<std::string>& args,
                                                               std::string_view help);

}  // namespace ptrescue
