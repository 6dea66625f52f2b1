#include "src/cli/headmap_command.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "src/cli/exit_codes.h"
#include "src/heads/head_inference.h"
#include "src/heads/head_map.h"
#include "src/mapfile/mapfile.h"
#include "src/report/sim_replay.h"
#include "base/units.h"
#include "transport/sim/sim_profile.h"

namespace ptrescue {
namespace {

constexpr const char* kHeadmapUsage =
    "Usage: ptrescue headmap infer MAPFILE [READS.log] [-b SECTOR_SIZE] [-o OUT]\n"
    "         infer a head map from the errors of a rescue (ptrescue's or ddrescue's)\n"
    "       ptrescue headmap show FILE | sim:PROFILE [--lba N]\n"
    "         print a head map (a file, or a simulated drive's true geometry)\n";

constexpr const char* kSimUsage =
    "Usage: ptrescue sim replay PROFILE READS.log [--json]\n"
    "         cost a reads log (ddrescue's --log-reads or ptrescue's) on the simulated drive\n"
    "       ptrescue sim testmap PROFILE OUT.map\n"
    "         a ddrescue test mapfile (-H) of the drive's unreadable sectors\n"
    "       ptrescue sim ceiling PROFILE OUT.log [--cluster SECTORS]\n"
    "         the reads of a scheduler that knows the head map: healthy heads first,\n"
    "         then the weak heads cluster by cluster\n"
    "PROFILE is a built-in name (demo, weak-head, ...) or a .json profile.\n";

class BadInput : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string read_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot open {} '{}'", what, path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !(out << text) || !out.flush()) throw std::runtime_error(fmt::format("cannot write '{}'", path));
}

SimProfile load_profile(std::string spec) {
  if (spec.rfind("sim:", 0) == 0) spec.erase(0, 4);
  try {
    if (spec.size() > 5 && spec.ends_with(".json")) return SimProfile::from_json_file(spec);
    return SimProfile::builtin(spec);
  } catch (const SimProfileError& e) {
    throw BadInput(fmt::format("profile '{}': {}", spec, e.what()));
  }
}

template <class F>
int guarded(const char* usage, F&& f) {
  try {
    return f();
  } catch (const UsageError& e) {
    fmt::print(stderr, "ptrescue: {}\n{}", e.what(), usage);
    return exit_code::kEnvironment;
  } catch (const BadInput& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kEnvironment;
  }
}

std::string seconds(const std::optional<double>& s) { return s ? fmt::format("{:.1f} s", *s) : "never"; }

int headmap_infer(const std::vector<std::string>& a) {
  std::vector<std::string> files;
  std::uint32_t ss = 512;
  std::string out_path;
  for (std::size_t i = 1; i < a.size(); ++i) {
    if ((a[i] == "-b" || a[i] == "--sector-size") && i + 1 < a.size()) ss = static_cast<std::uint32_t>(parse_size(a[++i], 512, "-b"));
    else if ((a[i] == "-o" || a[i] == "--output") && i + 1 < a.size()) out_path = a[++i];
    else if (!a[i].empty() && a[i][0] == '-') throw UsageError(fmt::format("unknown option '{}'", a[i]));
    else files.push_back(a[i]);
  }
  if (files.empty() || files.size() > 2) throw UsageError("expected MAPFILE [READS.log]");
  if (ss < 512 || (ss & (ss - 1)) != 0) throw UsageError("invalid -b: a power of two from 512");
  MapFile map;
  try {
    map = MapFile::parse(read_file(files[0], "mapfile"));
  } catch (const MapFileError& e) {
    throw BadInput(fmt::format("mapfile '{}': {}", files[0], e.what()));
  }
  // Evidence: where each failed area starts (and a bad run's last sector).
  std::vector<Lba> errors;
  map.for_each([&](const MapBlock& b) {
    if (b.status == BlockStatus::kBadSector) {
      errors.push_back(static_cast<Lba>(b.pos / ss));
      errors.push_back(static_cast<Lba>((b.end() - 1) / ss));
    } else if (b.status == BlockStatus::kNonTrimmed || b.status == BlockStatus::kNonScraped) {
      errors.push_back(static_cast<Lba>(b.pos / ss));
    }
  });
  if (files.size() == 2) {
    std::vector<LoggedRead> reads;
    try {
      reads = parse_reads_log(read_file(files[1], "reads log"));
    } catch (const ReadsLogError& e) {
      throw BadInput(fmt::format("reads log '{}': {}", files[1], e.what()));
    }
    for (const auto& r : reads)
      if (!r.reset && r.copied < r.size) errors.push_back(static_cast<Lba>((r.pos + r.copied) / ss));
  }
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
      {fmt::format("Head map inferred by ptrescue version {} from {}", PTRESCUE_VERSION, files[0]),
       inf.model->summary(ss)});
  if (out_path.empty()) fmt::print("{}", text);
  else write_file(out_path, text);
  return exit_code::kOk;
}

int headmap_show(const std::vector<std::string>& a) {
  std::string what;
  std::optional<Lba> lba;
  for (std::size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "--lba" && i + 1 < a.size()) lba = static_cast<Lba>(parse_size(a[++i], 1, "--lba"));
    else if (what.empty()) what = a[i];
    else throw UsageError(fmt::format("unexpected '{}'", a[i]));
  }
  if (what.empty()) throw UsageError("expected FILE or sim:PROFILE");
  HeadMap map;
  if (what.rfind("sim:", 0) == 0) {
    map = HeadMap::from_sim(load_profile(what));
  } else {
    try {
      map = HeadMap::parse(read_file(what, "head map"));
    } catch (const HeadMapError& e) {
      throw BadInput(fmt::format("head map '{}': {}", what, e.what()));
    }
  }
  if (lba) {
    const auto h = map.head_of(*lba);
    fmt::print("LBA {}: {}\n", *lba, h ? fmt::format("head {}{}", *h, map.is_weak(*h) ? " (weak)" : "") : "no head");
    return exit_code::kOk;
  }
  std::string heads, weak;
  for (int h : map.heads()) heads += fmt::format("{}{}", heads.empty() ? "" : ",", h);
  for (int h : map.weak_heads()) weak += fmt::format("{}{}", weak.empty() ? "" : ",", h);
  fmt::print("{}", map.serialize({fmt::format("{}: {} entries up to LBA {}, heads {}, weak {}", what,
                                              map.entries().size(), map.end(), heads.empty() ? "none" : heads,
                                              weak.empty() ? "none" : weak)}));
  return exit_code::kOk;
}

int sim_replay(const std::vector<std::string>& a) {
  bool json = false;
  std::vector<std::string> files;
  for (std::size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "--json") json = true;
    else files.push_back(a[i]);
  }
  if (files.size() != 2) throw UsageError("expected PROFILE READS.log");
  const SimPhysics physics(load_profile(files[0]));
  std::vector<LoggedRead> reads;
  try {
    reads = parse_reads_log(read_file(files[1], "reads log"));
  } catch (const ReadsLogError& e) {
    throw BadInput(fmt::format("reads log '{}': {}", files[1], e.what()));
  }
  const ReplayResult r = replay_reads(physics, reads);
  if (json) {
    const auto opt = [](const std::optional<double>& v) { return v ? fmt::format("{:.3f}", *v) : std::string("null"); };
    fmt::print(
        "{{\"profile\": \"{}\", \"readable_bytes\": {}, \"rescued_bytes\": {}, \"pct_rescued\": {:.4f}, "
        "\"reads\": {}, \"error_reads\": {}, \"reads_after_death\": {}, \"mismatches\": {}, \"time_s\": {:.3f}, "
        "\"died_at_s\": {}, \"time_to_50_s\": {}, \"time_to_90_s\": {}, \"time_to_99_s\": {}, \"time_to_100_s\": {}}}\n",
        physics.profile().name, r.readable_bytes, r.rescued_bytes, r.pct_rescued(), r.reads, r.error_reads,
        r.reads_after_death, r.mismatches, r.time_s, opt(r.died_at_s), opt(r.time_to_50_s), opt(r.time_to_90_s),
        opt(r.time_to_99_s), opt(r.time_to_100_s));
    return exit_code::kOk;
  }
  fmt::print(
      "profile {}: {} readable of {}\n"
      "rescued before the drive died: {} ({:.2f} %)\n"
      "reads: {}, error reads: {}, reads after death: {}, disagreeing with the profile: {}\n"
      "drive time: {:.1f} s{}\n"
      "time to 50 %: {}, 90 %: {}, 99 %: {}, 100 %: {}\n",
      physics.profile().name, format_size(r.readable_bytes), format_size(r.capacity_bytes),
      format_size(r.rescued_bytes), r.pct_rescued(), r.reads, r.error_reads, r.reads_after_death, r.mismatches,
      r.time_s, r.died_at_s ? fmt::format(" (died at {:.1f} s)", *r.died_at_s) : "", seconds(r.time_to_50_s),
      seconds(r.time_to_90_s), seconds(r.time_to_99_s), seconds(r.time_to_100_s));
  return exit_code::kOk;
}

int sim_testmap(const std::vector<std::string>& a) {
  if (a.size() != 3) throw UsageError("expected PROFILE OUT.map");
  const SimPhysics physics(load_profile(a[1]));
  const std::int64_t ss = physics.profile().logical_sector_size;
  MapFile map(static_cast<std::int64_t>(physics.profile().capacity_sectors) * ss);
  map.set_status(0, map.end_pos(), BlockStatus::kFinished);
  for (const auto& r : unreadable_runs(physics))
    map.set_status(static_cast<std::int64_t>(r.start) * ss, static_cast<std::int64_t>(r.length) * ss,
                   BlockStatus::kBadSector);
  map.set_cursor({0, Phase::kFinished, 1});
  write_file(a[2], map.serialize({fmt::format("Test mapfile of simulated drive '{}' by ptrescue version {}",
                                              physics.profile().name, PTRESCUE_VERSION)}));
  return exit_code::kOk;
}

int sim_ceiling(const std::vector<std::string>& a) {
  Lba cluster = 128;
  std::vector<std::string> files;
  for (std::size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "--cluster" && i + 1 < a.size()) cluster = static_cast<Lba>(parse_size(a[++i], 1, "--cluster"));
    else files.push_back(a[i]);
  }
  if (files.size() != 2 || cluster == 0) throw UsageError("expected PROFILE OUT.log [--cluster SECTORS]");
  const SimPhysics physics(load_profile(files[0]));
  write_file(files[1], format_reads_log(ceiling_reads(physics, cluster),
                                        fmt::format("Head-aware ceiling of '{}' by ptrescue version {}",
                                                    physics.profile().name, PTRESCUE_VERSION)));
  return exit_code::kOk;
}

}  // namespace

int run_headmap_command(const std::vector<std::string>& args) {
  return guarded(kHeadmapUsage, [&] {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
      fmt::print("{}", kHeadmapUsage);
      return args.empty() ? exit_code::kEnvironment : exit_code::kOk;
    }
    if (args[0] == "infer") return headmap_infer(args);
    if (args[0] == "show") return headmap_show(args);
    throw UsageError(fmt::format("unknown headmap command '{}'", args[0]));
  });
}

int run_sim_command(const std::vector<std::string>& args) {
  return guarded(kSimUsage, [&] {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
      fmt::print("{}", kSimUsage);
      return args.empty() ? exit_code::kEnvironment : exit_code::kOk;
    }
    if (args[0] == "replay") return sim_replay(args);
    if (args[0] == "testmap") return sim_testmap(args);
    if (args[0] == "ceiling") return sim_ceiling(args);
    throw UsageError(fmt::format("unknown sim command '{}'", args[0]));
  });
}

}  // namespace ptrescue
