// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/smart_command.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/text_file.h"
#include "src/cli/device_command_args.h"
#include "src/cli/exit_codes.h"
#include "src/smart/smart_diff.h"
#include "src/smart/smart_json.h"
#include "src/smart/smart_monitor.h"
#include "src/smart/smart_sidecar.h"
#include "src/smart/smart_text.h"
#include "src/cli/open_device.h"

namespace ptrescue {

int run_smart_command(const std::vector<std::string>& args) {
  const Subcommand command =
      device_command("smart", "Reads the drive's SMART / health data once (read-only commands; docs/SMART.md).");
  return run_subcommand(command.name, [&] {
    const DeviceCommandArgs a = parse_device_command_args(command, args);
    if (a.help) return print_usage(command);
    const OpenedSource opened = open_source_with_notes(a.source, a.options);
    for (const auto& n : opened.notes) fmt::print(stderr, "ptrescue: {}\n", n);
    const SmartReading reading = opened.device->read_smart(SmartMonitor::kCommandTimeout);
    if (!reading.ok()) {
      if (a.json) fmt::print("{}\n", nlohmann::json{{"error", reading.error}}.dump(2));
      fmt::print(stderr, "ptrescue: {}: {}\n", a.source, reading.error);
      return exit_code::kEnvironment;
    }
    if (a.json)
      fmt::print("{}\n", smart_report_json(*reading.report, opened.device->identity()).dump(2));
    else
      fmt::print("{}", smart_report_text(*reading.report, opened.device->identity()));
    return exit_code::kOk;
  });
}

int run_smart_diff_command(const std::vector<std::string>& args) {
  Subcommand command("smart-diff", "MAPFILE [--json]",
                     "The SMART values that changed between the first and the last snapshot in MAPFILE.smart.jsonl.");
  command.options.add_options()("json", "the changes as JSON");
  return run_subcommand(command, args, [&](const SubcommandArgs& a) {
    expect_files(a, command, 1, 1);
    const SmartSidecar sidecar(smart_sidecar_path(a.files[0]));
    if (!path_exists(sidecar.path()))
      throw std::runtime_error(
          fmt::format("no SMART sidecar '{}' (was the rescue run with --smart=off?)", sidecar.path()));
    std::size_t skipped = 0;
    const auto snapshots = sidecar.read_all(&skipped);
    if (skipped > 0)
      fmt::print(stderr, "ptrescue: {}: skipped {} malformed line{}\n", sidecar.path(), skipped,
                 skipped == 1 ? "" : "s");
    const auto diff = smart_diff(snapshots);
    if (!diff)
      throw std::runtime_error(
          fmt::format("{}: no snapshot holds SMART data ({} failed)", sidecar.path(), snapshots.size()));
    if (a.has("json")) fmt::print("{}\n", smart_diff_json(*diff).dump(2));
    else fmt::print("{}", smart_diff_text(*diff));
    return exit_code::kOk;
  });
}

}  // namespace ptrescue
