#include "src/cli/device_command_args.h"

#include <fmt/format.h>

#include "src/cli/exit_codes.h"

namespace ptrescue {

std::variant<DeviceCommandArgs, int> parse_device_command_args(std::string_view command,
                                                               const std::vector<std::string>& args,
                                                               std::string_view help) {
  const std::string usage =
      fmt::format("ptrescue {} SOURCE [--json] [--transport auto|sat|scsi|nvme|block]", command);
  DeviceCommandArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json" || a == "-j") {
      out.json = true;
    } else if (a == "--transport" || a.starts_with("--transport=")) {
      const std::string word = a == "--transport" ? (i + 1 < args.size() ? args[++i] : "") : a.substr(12);
      const auto choice = parse_transport_choice(word);
      if (!choice) {
        fmt::print(stderr, "ptrescue: invalid --transport '{}': use auto, sat, scsi, nvme or block\n", word);
        return exit_code::kEnvironment;
      }
      out.options.transport = *choice;
    } else if (a == "--help" || a == "-h") {
      fmt::print("Usage: {}\n{}\n", usage, help);
      return exit_code::kOk;
    } else if (out.source.empty() && !a.empty() && a[0] != '-') {
      out.source = a;
    } else {
      fmt::print(stderr, "ptrescue: {} takes one SOURCE, --json and --transport, not '{}'\n", command, a);
      return exit_code::kEnvironment;
    }
  }
  if (out.source.empty()) {
    fmt::print(stderr, "ptrescue: usage: {}\n", usage);
    return exit_code::kEnvironment;
  }
  return out;
}

}  // namespace ptrescue
