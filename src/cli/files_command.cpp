// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue files IMAGE MAPFILE`: every file whose data or metadata touches a
// sector the mapfile does not mark rescued, with the bytes missing, and the
// intact ones (src/files, docs/FILES.md).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/cli/exit_codes.h"
#include "src/cli/files_commands.h"
#include "src/cli/subcommand_args.h"

namespace ptrescue {
namespace {

Subcommand files_command() {
  Subcommand c("files", "[options] IMAGE MAPFILE",
               "Lists the files of the image's filesystems (a bare filesystem, or the partitions of\n"
               "an MBR or GPT disk) whose data or metadata lies in sectors MAPFILE does not mark\n"
               "rescued ('+'), with the bytes missing, then the intact ones. Runs The Sleuth Kit's\n"
               "fls, istat and fsstat on the image as it is.");
  c.options.add_options()("json", "print JSON: {\"volumes\", \"damaged\", \"intact\"}");
  return c;
}

std::string type_name(char t) {
  switch (t) {
    case 'r': return "file";
    case 'd': return "directory";
    case 'l': return "link";
    default: return std::string(1, t);
  }
}

// "/dir/f" on a bare filesystem, "p2:/dir/f" on partition 2.
std::string where(const VolumeFiles& v, const FileDamage& f) {
  return v.volume.partition == 0 ? f.path : fmt::format("p{}:{}", v.volume.partition, f.path);
}

nlohmann::json files_json(const std::vector<VolumeFiles>& volumes) {
  nlohmann::json vols = nlohmann::json::array(), damaged = nlohmann::json::array(),
                 intact = nlohmann::json::array();
  for (const VolumeFiles& v : volumes) {
    nlohmann::json jv{{"partition", v.volume.partition}, {"offset", v.volume.offset},
                      {"size", v.volume.size}, {"type", v.volume.type}, {"files", v.files.size()}};
    if (!v.error.empty()) jv["error"] = v.error;
    vols.push_back(jv);
    for (const FileDamage& f : v.files) {
      nlohmann::json jf{{"path", f.path}, {"partition", v.volume.partition}, {"type", type_name(f.type)},
                        {"id", f.id}, {"size", f.size}};
      if (f.damaged()) {
        jf["missing_bytes"] = f.missing_bytes;
        jf["metadata_missing_bytes"] = f.metadata_missing_bytes;
        if (!f.unreadable.empty()) {
          jf["unreadable"] = f.unreadable;
          jf["size"] = nullptr;  // unknown: its record is what says
        }
        damaged.push_back(jf);
      } else {
        intact.push_back(jf);
      }
    }
  }
  return {{"volumes", vols}, {"damaged", damaged}, {"intact", intact}};
}

int files(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 2, 2);
  const MapFile map = load_named_mapfile(a.files[1]);
  const std::vector<VolumeFiles> volumes = assess_files(a.files[0], map);
  if (a.has("json")) fmt::print("{}\n", files_json(volumes).dump(2));
  else fmt::print("{}", render_damaged_files_text(volumes, true));
  for (const VolumeFiles& v : volumes)
    if (!v.error.empty()) return exit_code::kEnvironment;
  return exit_code::kOk;
}

}  // namespace

std::string render_damaged_files_text(const std::vector<VolumeFiles>& volumes, bool list_intact) {
  std::string out;
  std::size_t damaged = 0, intact = 0;
  std::string damaged_lines, intact_lines;
  for (const VolumeFiles& v : volumes) {
    if (!v.error.empty())
      out += fmt::format("volume {} at byte {} ({}): {}\n", v.volume.partition, v.volume.offset,
                         v.volume.type.empty() ? "unknown" : v.volume.type, v.error);
    for (const FileDamage& f : v.files) {
      if (f.damaged()) {
        ++damaged;
        if (!f.unreadable.empty())
          damaged_lines += fmt::format("  {}  its record cannot be read ({})\n", where(v, f), f.unreadable);
        else
          damaged_lines += fmt::format("  {}  {} of {} bytes missing{}\n", where(v, f), f.missing_bytes, f.size,
                                       f.metadata_missing_bytes > 0
                                           ? fmt::format(", metadata: {} bytes missing", f.metadata_missing_bytes)
                                           : "");
      } else {
        ++intact;
        if (list_intact) intact_lines += fmt::format("  {}\n", where(v, f));
      }
    }
  }
  out += fmt::format("Damaged files: {}\n{}", damaged, damaged_lines);
  out += fmt::format("Intact files: {}\n{}", intact, intact_lines);
  return out;
}

int run_files_command(const std::vector<std::string>& args) {
  const Subcommand command = files_command();
  return run_subcommand(command, args, [&](const SubcommandArgs& a) { return files(a, command); });
}

}  // namespace ptrescue
