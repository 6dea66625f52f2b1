#include "src/cli/smart_command.h"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
  const auto parsed = parse_device_command_args(
      "smart", args, "Reads the drive's SMART / health data once (read-only commands; docs/SMART.md).");
  if (const int* rc = std::get_if<int>(&parsed)) return *rc;
  const auto& [source, json, options] = std::get<DeviceCommandArgs>(parsed);
  try {
    const OpenedSource opened = open_source_with_notes(source, options);
    for (const auto& n : opened.notes) fmt::print(stderr, "ptrescue: {}\n", n);
    const SmartReading reading = opened.device->read_smart(SmartMonitor::kCommandTimeout);
    if (!reading.ok()) {
      if (json) fmt::print("{}\n", nlohmann::json{{"error", reading.error}}.dump(2));
      fmt::print(stderr, "ptrescue: {}: {}\n", source, reading.error);
      return exit_code::kEnvironment;
    }
    if (json)
      fmt::print("{}\n", smart_report_json(*reading.report, opened.device->identity()).dump(2));
    else
      fmt::print("{}", smart_report_text(*reading.report, opened.device->identity()));
    return exit_code::kOk;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kEnvironment;
  }
}

int run_smart_diff_command(const std::vector<std::string>& args) {
  bool json = false;
  std::string mapfile;
  for (const auto& a : args) {
    if (a == "--json") json = true;
    else if (a == "--help" || a == "-h") {
      fmt::print("Usage: ptrescue smart-diff MAPFILE [--json]\n"
                 "The SMART values that changed between the first and the last snapshot in MAPFILE.smart.jsonl.\n");
      return exit_code::kOk;
    } else if (mapfile.empty()) mapfile = a;
    else {
      fmt::print(stderr, "ptrescue: smart-diff takes one MAPFILE and --json, not '{}'\n", a);
      return exit_code::kEnvironment;
    }
  }
  if (mapfile.empty()) {
    fmt::print(stderr, "ptrescue: usage: ptrescue smart-diff MAPFILE [--json]\n");
    return exit_code::kEnvironment;
  }
  const SmartSidecar sidecar(smart_sidecar_path(mapfile));
  std::error_code ec;
  if (!std::filesystem::exists(sidecar.path(), ec)) {
    fmt::print(stderr, "ptrescue: no SMART sidecar '{}' (was the rescue run with --smart=off?)\n", sidecar.path());
    return exit_code::kEnvironment;
  }
  std::size_t skipped = 0;
  const auto snapshots = sidecar.read_all(&skipped);
  if (skipped > 0) fmt::print(stderr, "ptrescue: {}: skipped {} malformed line{}\n", sidecar.path(), skipped, skipped == 1 ? "" : "s");
  const auto diff = smart_diff(snapshots);
  if (!diff) {
    fmt::print(stderr, "ptrescue: {}: no snapshot holds SMART data ({} failed)\n", sidecar.path(), snapshots.size());
    return exit_code::kEnvironment;
  }
  if (json) fmt::print("{}\n", smart_diff_json(*diff).dump(2));
  else fmt::print("{}", smart_diff_text(*diff));
  return exit_code::kOk;
}

}  // namespace ptrescue
