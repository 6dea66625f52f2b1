// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue mount SOURCE IMAGE MAPFILE MOUNTPOINT`: the virtual disk
// (src/vdisk, docs/FILES.md). MOUNTPOINT/disk is a read-only file the size
// of SOURCE; reads of rescued sectors come from IMAGE, the others from
// SOURCE through ptrescue (deadline per command), recorded in IMAGE and
// MAPFILE before they are served, and added to MAPFILE.wanted.
#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "base/units.h"
#include "src/cli/cli_options.h"
#include "src/cli/exit_codes.h"
#include "src/cli/files_commands.h"
#include "src/cli/subcommand_args.h"
#include "src/cli/virtual_disk_run.h"
#include "src/smart/smart_monitor.h"
#include "src/smart/smart_sidecar.h"
#include "src/smart/smart_stop_rules.h"
#include "src/vdisk/fuse_disk.h"
#include "src/vdisk/read_through.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

Subcommand mount_command() {
  Subcommand c("mount", "[options] SOURCE IMAGE MAPFILE MOUNTPOINT",
               "Serves MOUNTPOINT/disk, a read-only file the size of SOURCE, through FUSE. Reads of\n"
               "sectors MAPFILE marks rescued come from IMAGE; the others are read from SOURCE,\n"
               "written to IMAGE and MAPFILE, then served. A sector that fails is marked '-', not\n"
               "read again, and served as an I/O error (or --fuse-fill). Every range read is added\n"
               "to MAPFILE.wanted, a domain mapfile for 'ptrescue rescue -m'. 'losetup -r' on the\n"
               "file gives a block device to mount read-only. Runs until unmounted or SIGTERM.");
  // clang-format off
  c.options.add_options()
    ("read-timeout", po::value<std::string>(), "deadline of each read command (default 30s), as rescue's --read-timeout")
    ("reset", po::value<std::string>(), "reset ladder for a drive that stops answering (default soft,device,bus), as rescue's --reset")
    ("head-map", po::value<std::string>(), "where the head map comes from: infer (default), sim, none or FILE, as rescue's")
    ("head-timeout", po::value<std::string>(), "per-command deadline on a head: H=DUR[,H=DUR...], as rescue's")
    ("smart", po::value<std::string>(), "SMART snapshots into MAPFILE.smart.jsonl: off, start-and-end (default; with --smart-stop also interval:60s) or interval:DUR")
    ("smart-stop", po::value<std::string>(), "stop reading the drive when a SMART rule fires (rescue's rules); rescued sectors are still served")
    ("fuse-fill", po::value<std::string>(), "a failed sector reads as: eio (default), zero, or pattern")
    ("force,f", "use a source that is mounted or in use (see 'ptrescue rescue --help')");
  // clang-format on
  return c;
}

/// Says once, when it happens, that a SMART stop rule ended the drive's reads.
class SmartStopNotice final : public RescueObserver {
 public:
  explicit SmartStopNotice(const SmartMonitor& monitor) : monitor_(monitor) {}
  void on_read(const ReadEvent&) override {
    if (told_ || !monitor_.fired()) return;
    told_ = true;
    fmt::print(stderr, "ptrescue: SMART stop rule fired: {}; the drive is not read any more, rescued sectors are still "
               "served\n", *monitor_.fired());
  }

 private:
  const SmartMonitor& monitor_;
  bool told_ = false;
};

FailedSectorFill parse_fill(const std::string& word) {
  if (word.empty() || word == "eio") return FailedSectorFill::kError;
  if (word == "zero") return FailedSectorFill::kZero;
  if (word == "pattern") return FailedSectorFill::kPattern;
  throw UsageError(fmt::format("--fuse-fill takes eio, zero or pattern, not '{}'", word));
}

int mount(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 4, 4);
  const std::string &source = a.files[0], &image_path = a.files[1], &mapfile = a.files[2], &mountpoint = a.files[3];
  const std::string wanted_path = mapfile + ".wanted";
  ReadThroughOptions options;
  if (a.has("read-timeout")) options.timeout = parse_duration(a.text("read-timeout"), "--read-timeout");
  options.fill = parse_fill(a.text("fuse-fill"));
  if (a.has("reset")) options.reset_ladder = parse_reset_ladder(a.text("reset"));
  // The mount hides what is under it: the image and mapfiles must not be there.
  for (const std::string& file : {image_path, mapfile}) {
    const std::filesystem::path folder = std::filesystem::path(file).parent_path();
    std::error_code ec;
    if (std::filesystem::equivalent(mountpoint, folder.empty() ? "." : folder, ec))
      throw UsageError(fmt::format("MOUNTPOINT '{}' must not be the folder of '{}'", mountpoint, file));
  }
  HeadOptions heads;
  parse_head_options(heads, a.text("head-map"), a.text("head-timeout"), "", "", "");
  const std::string smart_text = a.text("smart");
  // No passes here: by default a snapshot when the mount starts and when it
  // ends, and with stop rules one a minute of drive time besides.
  const std::string schedule_text = smart_text.empty() ? (a.has("smart-stop") ? "interval:60s" : "passes")
                                    : smart_text == "start-and-end" ? "passes"
                                                                    : smart_text;
  const SmartSchedule schedule = parse_smart_schedule(schedule_text);
  std::vector<SmartStopRule> rules;
  if (a.has("smart-stop")) rules = parse_smart_stop_rules(a.text("smart-stop"));
  if (!rules.empty() && schedule.mode == SmartSchedule::Mode::kOff)
    throw UsageError("--smart-stop needs SMART snapshots: drop --smart=off");
  VirtualDiskRun run(source, image_path, mapfile, wanted_path, a.has("force"), options, heads);
  ReadThrough& disk = run.disk();
  std::atomic<bool> smart_stop{false};
  std::unique_ptr<SmartMonitor> smart;
  std::optional<SmartStopNotice> notice;
  if (schedule.mode != SmartSchedule::Mode::kOff) {
    smart = std::make_unique<SmartMonitor>(run.device(), SmartSidecar(smart_sidecar_path(mapfile)), schedule,
                                           std::move(rules), smart_stop, stderr, a.has("smart") || a.has("smart-stop"));
    smart->before_first_pass();
    disk.add_observer(smart.get());
    disk.add_observer(&notice.emplace(*smart));
    disk.set_stop(&smart_stop);
  }
  const std::int64_t size = disk.size();
  fmt::print(stderr, "ptrescue: serving {} ({} bytes) as {}/{}; unmount or SIGTERM to stop\n", source, size,
             mountpoint, kVirtualDiskName);
  serve_virtual_disk(mountpoint, disk);
  if (smart) smart->at_end();
  const ReadThroughCounts& c = disk.counts();
  fmt::print(stderr, "ptrescue: unmounted: {} reads, {} bytes from the image, {} from the drive, {} sectors failed\n",
             c.requests, c.from_image_bytes, c.from_drive_bytes, c.failed_sectors);
  if (c.given_up_bytes > 0)
    fmt::print(stderr, "ptrescue: {} bytes left non-trimmed where reads kept failing: 'ptrescue rescue' trims them\n",
               c.given_up_bytes);
  return exit_code::kOk;
}

}  // namespace

int run_mount_command(const std::vector<std::string>& args) {
  const Subcommand command = mount_command();
  return run_subcommand(command, args, [&](const SubcommandArgs& a) { return mount(a, command); });
}

}  // namespace ptrescue
