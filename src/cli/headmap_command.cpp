// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/headmap_command.h"

#include <cmath>
#include <functional>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "base/durable_file.h"
#include "base/units.h"
#include "src/cli/exit_codes.h"
#include "src/cli/subcommand_args.h"
#include "src/heads/head_inference.h"
#include "src/heads/head_map.h"
#include "src/mapfile/mapfile.h"
#include "src/report/sim_replay.h"
#include "transport/sim/sim_profile.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

constexpr const char* kHeadmapUsage =
    "Usage: ptrescue headmap infer MAPFILE [READS.log] [-b SECTOR_SIZE] [-o OUT]\n"
    "         infer a head map from the errors of a rescue (ptrescue's or ddrescue's)\n"
    "       ptrescue headmap show FILE | sim:PROFILE [--lba N]\n"
    "         print a head map (a file, or a simulated drive's true geometry)\n"
    "Run 'ptrescue headmap infer --help' (or show) for the options.\n";

constexpr const char* kSimUsage =
    "Usage: ptrescue sim replay PROFILE READS.log [--json] [--rescued-map OUT.map]\n"
    "         cost a reads log (ddrescue's --log-reads or ptrescue's) on the simulated drive\n"
    "       ptrescue sim testmap PROFILE OUT.map\n"
    "         a ddrescue test mapfile (-H) of the drive's unreadable sectors\n"
    "       ptrescue sim ceiling PROFILE OUT.log [--cluster SECTORS]\n"
    "         the reads of a scheduler that knows the head map: healthy heads first,\n"
    "         then the weak heads cluster by cluster\n"
    "PROFILE is a built-in name (demo, weak-head, ...) or a .json profile.\n"
    "Run 'ptrescue sim replay --help' (or testmap, ceiling) for the options.\n";

using Action = std::function<int(const std::vector<std::string>&)>;

/// `ptrescue GROUP WORD ARGS...`: runs the action WORD names; a bare GROUP
/// prints the usage (exit 1), --help prints it (exit 0).
int run_group(const std::string& group, const char* usage, const std::map<std::string, Action>& actions,
              const std::vector<std::string>& args) {
  if (args.empty()) {
    fmt::print(stderr, "{}", usage);
    return exit_code::kEnvironment;
  }
  if (args[0] == "--help" || args[0] == "-h") {
    fmt::print("{}", usage);
    return exit_code::kOk;
  }
  const auto action = actions.find(args[0]);
  if (action == actions.end()) {
    std::string words;
    for (const auto& [word, _] : actions) words += (words.empty() ? "" : "|") + word;
    return run_subcommand(group, [&]() -> int {
      throw UsageError(fmt::format("{} takes {} ..., not '{}'", group, words, args[0]));
    });
  }
  return action->second(std::vector<std::string>(args.begin() + 1, args.end()));
}

SimProfile load_profile(std::string spec) {
  if (spec.rfind("sim:", 0) == 0) spec.erase(0, 4);
  try {
    if (spec.size() > 5 && spec.ends_with(".json")) return SimProfile::from_json_file(spec);
    return SimProfile::builtin(spec);
  } catch (const SimProfileError& e) {
    throw BadInputFile(fmt::format("profile '{}': {}", spec, e.what()));
  }
}

std::vector<LoggedRead> load_reads_log(const std::string& path) {
  try {
    return parse_reads_log(read_named_file(path, "reads log"));
  } catch (const ReadsLogError& e) {
    throw BadInputFile(fmt::format("reads log '{}': {}", path, e.what()));
  }
}

std::string seconds(const std::optional<double>& s) { return s ? fmt::format("{:.1f} s", *s) : "never"; }

// ---- headmap infer ----------------------------------------------------------

Subcommand headmap_infer_command() {
  Subcommand c("headmap infer", "MAPFILE [READS.log] [-b SECTOR_SIZE] [-o OUT]",
               "Infers a head map from the errors of a rescue (ptrescue's or ddrescue's mapfile,\n"
               "and its reads log if given); prints it, or writes it to OUT.");
  // clang-format off
  c.options.add_options()
    ("sector-size,b", po::value<std::string>(), "sector size of the mapfile's drive (default 512)")
    ("output,o", po::value<std::string>(), "write the head map to FILE instead of stdout");
  // clang-format on
  return c;
}

/// Where each failed area of the rescue starts (and a bad run's last
/// sector), and where each failed read of the reads log failed.
std::vector<Lba> error_positions(const MapFile& map, const std::vector<LoggedRead>& reads, std::uint32_t ss) {
  std::vector<Lba> errors;
  map.for_each([&](const MapBlock& b) {
    if (b.status == BlockStatus::kBadSector) {
      errors.push_back(static_cast<Lba>(b.pos / ss));
      errors.push_back(static_cast<Lba>((b.end() - 1) / ss));
    } else if (b.status == BlockStatus::kNonTrimmed || b.status == BlockStatus::kNonScraped) {
      errors.push_back(static_cast<Lba>(b.pos / ss));
    }
  });
  for (const auto& r : reads)
    if (!r.reset && r.copied < r.size) errors.push_back(static_cast<Lba>((r.pos + r.copied) / ss));
  return errors;
}

int headmap_infer(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 1, 2);
  const std::uint32_t ss = a.has("sector-size") ? parse_sector_size_option(a.text("sector-size")) : 512;
  const MapFile map = load_named_mapfile(a.files[0]);
  const std::vector<Lba> errors =
      error_positions(map, a.files.size() == 2 ? load_reads_log(a.files[1]) : std::vector<LoggedRead>{}, ss);
  const Lba capacity = static_cast<Lba>((map.end_pos() + ss - 1) / ss);
  const HeadInference inf = infer_head_map(errors, capacity);
  if (!inf.model) {
    fmt::print(stderr, "no periodic stripe structure in {} error positions: plain scheduling fits this drive\n",
               errors.size());
    return exit_code::kOk;
  }
  fmt::print(stderr, "{} error positions: {}\n", errors.size(), inf.model->summary(ss));
  if (!inf.confident) {
    fmt::print(stderr, "confidence below {:.2f}: no head map written\n", InferenceSettings{}.min_confidence);
    return exit_code::kOk;
  }
  const std::string text = inf.map.serialize(
      {fmt::format("Head map inferred by ptrescue version {} from {}", PTRESCUE_VERSION, a.files[0]),
       inf.model->summary(ss)});
  if (a.has("output")) replace_file_durably(a.text("output"), text);
  else fmt::print("{}", text);
  return exit_code::kOk;
}

// ---- headmap show -----------------------------------------------------------

Subcommand headmap_show_command() {
  Subcommand c("headmap show", "FILE | sim:PROFILE [--lba N]",
               "Prints a head map: a file, or a simulated drive's true geometry.");
  c.options.add_options()("lba", po::value<std::string>(), "only say which head holds LBA N");
  return c;
}

HeadMap load_head_map(const std::string& what) {
  if (what.rfind("sim:", 0) == 0) return HeadMap::from_sim(load_profile(what));
  try {
    return HeadMap::parse(read_named_file(what, "head map"));
  } catch (const HeadMapError& e) {
    throw BadInputFile(fmt::format("head map '{}': {}", what, e.what()));
  }
}

std::string comma_list(const std::vector<int>& heads) {
  return heads.empty() ? "none" : fmt::format("{}", fmt::join(heads, ","));
}

int headmap_show(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 1, 1);
  const std::string& what = a.files[0];
  const HeadMap map = load_head_map(what);
  if (a.has("lba")) {
    const auto lba = static_cast<Lba>(parse_size(a.text("lba"), 1, "--lba"));
    const auto h = map.head_of(lba);
    fmt::print("LBA {}: {}\n", lba, h ? fmt::format("head {}{}", *h, map.is_weak(*h) ? " (weak)" : "") : "no head");
    return exit_code::kOk;
  }
  fmt::print("{}", map.serialize({fmt::format("{}: {} entries up to LBA {}, heads {}, weak {}", what,
                                              map.entries().size(), map.end(), comma_list(map.heads()),
                                              comma_list(map.weak_heads()))}));
  return exit_code::kOk;
}

// ---- sim replay -------------------------------------------------------------

Subcommand sim_replay_command() {
  Subcommand c("sim replay", "PROFILE READS.log [--json] [--rescued-map OUT.map]",
               "Costs a reads log (ddrescue's --log-reads or ptrescue's) on the simulated drive PROFILE\n"
               "(a built-in name such as demo or weak-head, or a .json profile).");
  c.options.add_options()("json", "the result as JSON")(
      "rescued-map", po::value<std::string>(), "write a mapfile of what was rescued before the drive died ('+')");
  return c;
}

/// `value` rounded to `decimals` places, or null: the precision the text
/// output shows, as a JSON number.
nlohmann::json rounded(const std::optional<double>& value, int decimals) {
  if (!value) return nullptr;
  const double scale = std::pow(10.0, decimals);
  return std::round(*value * scale) / scale;
}

nlohmann::json replay_json(const std::string& profile, const ReplayResult& r) {
  return nlohmann::json{{"profile", profile},
                        {"readable_bytes", r.readable_bytes},
                        {"rescued_bytes", r.rescued_bytes},
                        {"pct_rescued", rounded(r.pct_rescued(), 4)},
                        {"reads", r.reads},
                        {"error_reads", r.error_reads},
                        {"reads_after_death", r.reads_after_death},
                        {"mismatches", r.mismatches},
                        {"time_s", rounded(r.time_s, 3)},
                        {"died_at_s", rounded(r.died_at_s, 3)},
                        {"time_to_50_s", rounded(r.time_to_50_s, 3)},
                        {"time_to_90_s", rounded(r.time_to_90_s, 3)},
                        {"time_to_99_s", rounded(r.time_to_99_s, 3)},
                        {"time_to_100_s", rounded(r.time_to_100_s, 3)}};
}

void print_replay_text(const std::string& profile, const ReplayResult& r) {
  fmt::print(
      "profile {}: {} readable of {}\n"
      "rescued before the drive died: {} ({:.2f} %)\n"
      "reads: {}, error reads: {}, reads after death: {}, disagreeing with the profile: {}\n"
      "drive time: {:.1f} s{}\n"
      "time to 50 %: {}, 90 %: {}, 99 %: {}, 100 %: {}\n",
      profile, format_size(r.readable_bytes), format_size(r.capacity_bytes), format_size(r.rescued_bytes),
      r.pct_rescued(), r.reads, r.error_reads, r.reads_after_death, r.mismatches, r.time_s,
      r.died_at_s ? fmt::format(" (died at {:.1f} s)", *r.died_at_s) : "", seconds(r.time_to_50_s),
      seconds(r.time_to_90_s), seconds(r.time_to_99_s), seconds(r.time_to_100_s));
}

int sim_replay(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 2, 2);
  const SimPhysics physics(load_profile(a.files[0]));
  const ReplayResult r = replay_reads(physics, load_reads_log(a.files[1]));
  if (a.has("rescued-map")) {
    MapFile map(r.capacity_bytes);
    for (const auto& [begin, end] : r.rescued_ranges)
      map.set_status(begin, std::min(end, r.capacity_bytes) - begin, BlockStatus::kFinished);
    map.set_cursor({0, Phase::kFinished, 1});
    replace_file_durably(a.text("rescued-map"),
                         map.serialize({fmt::format("Rescued before the drive died: '{}' costed on '{}' by ptrescue "
                                                    "version {}", a.files[1], physics.profile().name, PTRESCUE_VERSION)}));
  }
  if (a.has("json")) fmt::print("{}\n", replay_json(physics.profile().name, r).dump());
  else print_replay_text(physics.profile().name, r);
  return exit_code::kOk;
}

// ---- sim testmap, sim ceiling -------------------------------------------------

Subcommand sim_testmap_command() {
  return Subcommand("sim testmap", "PROFILE OUT.map",
                    "Writes a ddrescue test mapfile (-H) of the simulated drive's unreadable sectors.");
}

int sim_testmap(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 2, 2);
  const SimPhysics physics(load_profile(a.files[0]));
  const std::int64_t ss = physics.profile().logical_sector_size;
  MapFile map(static_cast<std::int64_t>(physics.profile().capacity_sectors) * ss);
  map.set_status(0, map.end_pos(), BlockStatus::kFinished);
  for (const auto& r : unreadable_runs(physics))
    map.set_status(static_cast<std::int64_t>(r.start) * ss, static_cast<std::int64_t>(r.length) * ss,
                   BlockStatus::kBadSector);
  map.set_cursor({0, Phase::kFinished, 1});
  replace_file_durably(a.files[1], map.serialize({fmt::format("Test mapfile of simulated drive '{}' by ptrescue version {}",
                                                              physics.profile().name, PTRESCUE_VERSION)}));
  return exit_code::kOk;
}

Subcommand sim_ceiling_command() {
  Subcommand c("sim ceiling", "PROFILE OUT.log [--cluster SECTORS]",
               "Writes the reads of a scheduler that knows the head map: healthy heads first,\n"
               "then the weak heads cluster by cluster.");
  c.options.add_options()("cluster", po::value<std::string>(), "sectors per read (default 128)");
  return c;
}

int sim_ceiling(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 2, 2);
  const Lba cluster =
      a.has("cluster") ? static_cast<Lba>(parse_cluster_sectors_option(a.text("cluster"), "--cluster")) : 128;
  const SimPhysics physics(load_profile(a.files[0]));
  replace_file_durably(a.files[1], format_reads_log(ceiling_reads(physics, cluster),
                                                    fmt::format("Head-aware ceiling of '{}' by ptrescue version {}",
                                                                physics.profile().name, PTRESCUE_VERSION)));
  return exit_code::kOk;
}

/// One action of a group: its command line, and what it does with it.
Action action(Subcommand (*command)(), int (*body)(const SubcommandArgs&, const Subcommand&)) {
  return [command, body](const std::vector<std::string>& args) {
    const Subcommand c = command();
    return run_subcommand(c, args, [&](const SubcommandArgs& a) { return body(a, c); });
  };
}

}  // namespace

int run_headmap_command(const std::vector<std::string>& args) {
  return run_group("headmap", kHeadmapUsage,
                   {{"infer", action(headmap_infer_command, headmap_infer)}, {"show", action(headmap_show_command, headmap_show)}},
                   args);
}

int run_sim_command(const std::vector<std::string>& args) {
  return run_group("sim", kSimUsage,
                   {{"replay", action(sim_replay_command, sim_replay)},
                    {"testmap", action(sim_testmap_command, sim_testmap)},
                    {"ceiling", action(sim_ceiling_command, sim_ceiling)}},
                   args);
}

}  // namespace ptrescue
