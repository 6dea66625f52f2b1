// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue plan SOURCE IMAGE MAPFILE`: the filesystem-aware order (docs/FILES.md).
// Serves the virtual disk on a private mount point, finds the partitions
// through it (libblkid) and runs each filesystem's partclone in domain mode
// against it, so everything these tools read (partition tables, superblocks,
// bitmaps: the metadata) is rescued now, through ptrescue, and recorded in
// MAPFILE.metadata. Then writes MAPFILE.used (blocks in use) and MAPFILE.free
// (the rest) as domain mapfiles for `rescue -m`, in that order.
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "base/durable_file.h"
#include "base/text_file.h"
#include "base/units.h"
#include "src/cli/cli_options.h"
#include "src/cli/exit_codes.h"
#include "src/cli/files_commands.h"
#include "src/cli/subcommand_args.h"
#include "src/cli/virtual_disk_run.h"
#include "src/engine/reads_log.h"
#include "src/files/program_output.h"
#include "src/files/volumes.h"
#include "src/vdisk/fuse_disk.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

Subcommand plan_command() {
  Subcommand c("plan", "[options] SOURCE IMAGE MAPFILE",
               "Rescues the filesystems' metadata first and plans the rest: serves SOURCE as a\n"
               "virtual disk (as 'ptrescue mount' does) on a private mount point, finds its partitions\n"
               "and runs partclone's domain mode for each filesystem against it. What they read is\n"
               "rescued into IMAGE and MAPFILE now and listed in MAPFILE.metadata; the blocks in use\n"
               "go to MAPFILE.used and the rest to MAPFILE.free, domain mapfiles to rescue in that\n"
               "order with 'ptrescue rescue --order fs'. Needs /dev/fuse; partitions need root (losetup).");
  // clang-format off
  c.options.add_options()
    ("read-timeout", po::value<std::string>(), "deadline of each read command (default 30s), as rescue's --read-timeout")
    ("reset", po::value<std::string>(), "reset ladder for a drive that stops answering (default soft,device,bus), as rescue's --reset")
    ("head-map", po::value<std::string>(), "where the head map comes from: infer (default), sim, none or FILE, as rescue's")
    ("head-timeout", po::value<std::string>(), "per-command deadline on a head: H=DUR[,H=DUR...], as rescue's")
    ("log-reads", po::value<std::string>(), "log every drive command to FILE (rescue's --log-reads format)")
    ("force,f", "use a source that is mounted or in use (see 'ptrescue rescue --help')");
  // clang-format on
  return c;
}

// partclone's program for a libblkid type; empty when it has none.
std::string partclone_for(const std::string& type) {
  if (type == "ext2" || type == "ext3" || type == "ext4") return "partclone." + type;
  if (type == "vfat") return "partclone.fat";
  if (type == "exfat" || type == "ntfs" || type == "xfs" || type == "btrfs") return "partclone." + type;
  if (type == "hfsplus") return "partclone.hfsp";
  return {};
}

// The virtual disk served on a thread while the plan's tools read it.
class ServedDisk {
 public:
  ServedDisk(const std::string& mountpoint, ReadThrough& disk) : mountpoint_(mountpoint) {
    thread_ = std::thread([this, &disk] {
      try {
        serve_virtual_disk(mountpoint_, disk);
      } catch (const std::exception& e) {
        error_ = e.what();
      }
      ended_ = true;
    });
    const std::string file = path();
    struct stat st {};
    for (int i = 0; i < 3000 && !ended_; ++i) {
      if (::stat(file.c_str(), &st) == 0 && st.st_size > 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop();
    throw std::runtime_error(error_.empty() ? "the virtual disk did not appear" : error_);
  }
  ~ServedDisk() { stop(); }
  std::string path() const { return mountpoint_ + "/" + kVirtualDiskName; }
  void stop() {
    if (!thread_.joinable()) return;
    if (!ended_) {
      try {
        program_output({"fusermount3", "-u", mountpoint_});
      } catch (const ProgramFailed&) {
        // Already gone: the loop has ended or will.
      }
    }
    thread_.join();
  }

 private:
  std::string mountpoint_;
  std::thread thread_;
  std::atomic<bool> ended_{false};
  std::string error_;
};

// partclone's used blocks of `v` (on `disk`), added to `used`; false when
// partclone is missing or fails (the caller then takes the whole volume).
bool add_used_blocks(const Volume& v, const std::string& disk, std::int64_t disk_size, const std::string& work,
                     MapFile& used, std::string& note) {
  const std::string tool = partclone_for(v.type);
  if (tool.empty()) {
    note = "no partclone for this filesystem";
    return false;
  }
  std::string device = disk, loop;
  try {
    if (v.offset != 0 || v.size != disk_size) {
      loop = program_output({"losetup", "-r", "-f", "--show", "-o", std::to_string(v.offset), "--sizelimit",
                             std::to_string(v.size), disk});
      loop = loop.substr(0, loop.find('\n'));
      device = loop;
    }
    const std::string domain = work + "/domain-" + std::to_string(v.partition);
    program_output({tool, "-D", "-s", device, "-o", domain, "-L", work + "/partclone.log",
                    "--offset_domain=" + std::to_string(v.offset), "-q"});
    if (!loop.empty()) program_output({"losetup", "-d", loop});
    loop.clear();
    const MapFile d = MapFile::parse(read_whole_file(domain));
    d.for_each([&](const MapBlock& b) {
      if (b.status != BlockStatus::kFinished) return;
      const std::int64_t end = std::min(b.end(), disk_size);
      if (b.pos < end) used.set_status(b.pos, end - b.pos, BlockStatus::kFinished);
    });
    return true;
  } catch (const std::exception& e) {
    if (!loop.empty()) {
      try {
        program_output({"losetup", "-d", loop});
      } catch (const ProgramFailed&) {
      }
    }
    note = e.what();
    return false;
  }
}

void save_domain(const std::string& path, const MapFile& m, const std::string& what) {
  replace_file_durably(path, m.serialize({"Domain mapfile by ptrescue plan: '+' = " + what}));
}

int plan(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 3, 3);
  const std::string &source = a.files[0], &image = a.files[1], &mapfile = a.files[2];
  ReadThroughOptions options;
  // The tools read a sector that fails as zeros, not as an I/O error: libblkid
  // gives up a whole disk on one EIO, and partclone a whole filesystem; zeros
  // cost at most part of the plan (a bitmap block read as zeros plans its
  // blocks as free: read last, not lost). The mapfile still says '-'.
  options.fill = FailedSectorFill::kZero;
  if (a.has("read-timeout")) options.timeout = parse_duration(a.text("read-timeout"), "--read-timeout");
  if (a.has("reset")) options.reset_ladder = parse_reset_ladder(a.text("reset"));
  HeadOptions heads;
  parse_head_options(heads, a.text("head-map"), a.text("head-timeout"), "", "", "");
  VirtualDiskRun run(source, image, mapfile, mapfile + ".metadata", a.has("force"), options, heads);
  const std::int64_t size = run.size();
  std::unique_ptr<ReadsLog> reads_log;
  if (a.has("log-reads")) {
    reads_log = std::make_unique<ReadsLog>(a.text("log-reads"),
                                           fmt::format("ptrescue plan {} {} {}", source, image, mapfile),
                                           run.device().clock());
    reads_log->on_phase(Phase::kCopying, 1, "Plan: the metadata the filesystems' tools read");
    run.disk().add_observer(reads_log.get());
  }

  std::string work = (std::filesystem::temp_directory_path() / "ptrescue-plan-XXXXXX").string();
  if (::mkdtemp(work.data()) == nullptr) throw std::runtime_error("cannot make a temporary folder");
  const std::string mnt = work + "/mnt";
  std::filesystem::create_directory(mnt);
  MapFile used(size);
  std::vector<std::string> lines;
  {
    ServedDisk served(mnt, run.disk());
    for (const Volume& v : find_volumes(served.path())) {
      std::string note;
      if (!add_used_blocks(v, served.path(), size, work, used, note)) {
        used.set_status(v.offset, v.size, BlockStatus::kFinished);  // The whole volume, to be safe.
        lines.push_back(fmt::format("  partition {} ({}): whole partition as used ({})", v.partition,
                                    v.type.empty() ? "unknown" : v.type, note));
      } else {
        lines.push_back(fmt::format("  partition {} ({}) at byte {}: used blocks from {}", v.partition, v.type,
                                    v.offset, partclone_for(v.type)));
      }
    }
  }
  std::filesystem::remove_all(work);
  run.disk().remove_observers();
  reads_log.reset();  // closed (and flushed) before the plan is reported

  // Metadata first: what the tools read is not planned again.
  const MapFile& metadata = run.wanted();
  MapFile free_space(size);
  free_space.set_status(0, size, BlockStatus::kFinished);
  metadata.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    used.set_status(b.pos, b.size, BlockStatus::kNonTried);
    free_space.set_status(b.pos, b.size, BlockStatus::kNonTried);
  });
  used.for_each([&](const MapBlock& b) {
    if (b.status == BlockStatus::kFinished) free_space.set_status(b.pos, b.size, BlockStatus::kNonTried);
  });
  save_domain(mapfile + ".used", used, "blocks the filesystems use");
  save_domain(mapfile + ".free", free_space, "the rest of the source");

  fmt::print("Volumes:\n{}\n", fmt::join(lines, "\n"));
  fmt::print("Metadata read and rescued now: {} bytes ({}); the mapfile has {} bytes rescued.\n",
             metadata.totals().finished, mapfile + ".metadata", run.map().totals().finished);
  fmt::print("Used: {} bytes ({}). Free: {} bytes ({}).\n", used.totals().finished, mapfile + ".used",
             free_space.totals().finished, mapfile + ".free");
  fmt::print("Rescue the rest in this order (used, then free):\n  ptrescue rescue {0} {1} {2} --order fs\n",
             source, image, mapfile);
  return exit_code::kOk;
}

}  // namespace

int run_plan_command(const std::vector<std::string>& args) {
  const Subcommand command = plan_command();
  return run_subcommand(command, args, [&](const SubcommandArgs& a) { return plan(a, command); });
}

}  // namespace ptrescue
