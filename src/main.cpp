// SPDX-License-Identifier: GPL-3.0-or-later
// ptrescue: a low-level imager for failing drives. Dispatches subcommands.
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "src/cli/analyze_command.h"
#include "src/cli/exit_codes.h"
#include "src/cli/export_command.h"
#include "src/cli/files_commands.h"
#include "src/cli/headmap_command.h"
#include "src/cli/image_commands.h"
#include "src/cli/info_commands.h"
#include "src/cli/report_command.h"
#include "src/cli/rescue_command.h"
#include "src/cli/smart_command.h"

namespace {

constexpr const char* kUsage =
    "Usage: ptrescue COMMAND [ARGS]\n"
    "  rescue [options] SOURCE IMAGE MAPFILE   image SOURCE (file, block device, sim:NAME)\n"
    "  demo                                    rescue the built-in simulated failing drive\n"
    "  analyze SOURCE [--json]                 short triage: weak heads, slow zones, time to image\n"
    "  identify SOURCE [--json]                what the source says about itself\n"
    "  smart SOURCE [--json]                   the drive's SMART / health data (read-only)\n"
    "  smart-diff MAPFILE [--json]             SMART changes during a rescue (MAPFILE.smart.jsonl)\n"
    "  hash IMAGE [--hash LIST] [--mapfile M]  MD5/SHA-1/SHA-256 of the image\n"
    "  verify SOURCE IMAGE [MAPFILE]           read the source again and compare\n"
    "  fill IMAGE MAPFILE [--types ?*/-]       mark unrescued sectors in the image\n"
    "  report MAPFILE [--html OUT.html]        summary of a rescue; HTML sector map\n"
    "  export IMAGE MAPFILE OUT [--format e01] E01 set OUT.E01... with case data and bad sectors\n"
    "  files IMAGE MAPFILE [--json]            which files are damaged (not rescued sectors)\n"
    "  mount SOURCE IMAGE MAPFILE MOUNTPOINT   virtual disk: reads through the rescue (FUSE)\n"
    "  plan SOURCE IMAGE MAPFILE               metadata first; domain mapfiles of used/free space\n"
    "  headmap infer|show ...                  infer a head map from errors; print one\n"
    "  sim replay|testmap|ceiling PROFILE ...  cost a reads log on a simulated drive\n"
    "  --version, --help\n"
    "Run 'ptrescue COMMAND --help' for the options of a command.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace ptrescue;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command_line = "ptrescue";
  for (const auto& a : args) command_line += " " + a;
  if (args.empty()) {
    fmt::print(stderr, "{}", kUsage);
    return exit_code::kEnvironment;
  }
  const std::string cmd = args.front();
  args.erase(args.begin());
  try {
    if (cmd == "rescue") return run_rescue_command(args, command_line);
    if (cmd == "demo") return run_demo_command(args);
    if (cmd == "analyze") return run_analyze_command(args);
    if (cmd == "identify") return run_identify_command(args);
    if (cmd == "smart") return run_smart_command(args);
    if (cmd == "smart-diff") return run_smart_diff_command(args);
    if (cmd == "files") return run_files_command(args);
    if (cmd == "mount") return run_mount_command(args);
    if (cmd == "plan") return run_plan_command(args);
    if (cmd == "headmap") return run_headmap_command(args);
    if (cmd == "sim") return run_sim_command(args);
    if (cmd == "hash") return run_hash_command(args);
    if (cmd == "verify") return run_verify_command(args);
    if (cmd == "fill") return run_fill_command(args);
    if (cmd == "report") return run_report_command(args);
    if (cmd == "export") return run_export_command(args);
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      fmt::print("{}", kUsage);
      return exit_code::kOk;
    }
    if (cmd == "--version" || cmd == "-V") {
      fmt::print("ptrescue {}\n", PTRESCUE_VERSION);
      return exit_code::kOk;
    }
    fmt::print(stderr, "ptrescue: unknown command '{}'\n{}", cmd, kUsage);
    return exit_code::kEnvironment;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ptrescue: internal error: {}\n", e.what());
    return exit_code::kInternal;
  }
}
