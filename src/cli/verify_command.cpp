// `ptrescue verify SOURCE IMAGE [MAPFILE]`: re-reads the source through the
// same opener as `rescue` (files, block devices, sim:) and compares.
#include <csignal>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/cli/exit_codes.h"
#include "src/cli/image_commands.h"
#include "base/progress_line.h"
#include "src/cli/subcommand_args.h"
#include "base/units.h"
#include "src/verify/verify_image.h"
#include "src/cli/open_device.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

std::atomic<bool> g_verify_stop{false};
extern "C" void on_verify_signal(int) { g_verify_stop.store(true); }

po::options_description verify_options() {
  po::options_description d("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("sector-size,b", po::value<std::string>(), "sector size in bytes (default: the device's)")
    ("idirect,d", "direct disk access for a file or block device source (O_DIRECT)")
    ("timeout", po::value<std::string>(), "per-command timeout (default 10s)")
    ("json", "the result (and progress) as JSON")
    ("quiet,q", "no progress");
  // clang-format on
  return d;
}

std::string lba_range(const Extent& e, std::int64_t ss) {
  const std::int64_t first = e.pos / ss, n = e.size / ss;
  return n == 1 ? fmt::format("LBA {}", first) : fmt::format("LBA {}-{} ({} sectors)", first, first + n - 1, n);
}

}  // namespace

std::string verify_usage() {
  return "Usage: ptrescue verify [options] SOURCE IMAGE [MAPFILE]\n"
         "Reads SOURCE again and compares it with IMAGE (image byte = source byte); with\n"
         "MAPFILE only the rescued ('+') areas. Exit status: 0 identical, 6 different (the\n"
         "first differing sector is named), 7 nothing differs but some sectors could not be\n"
         "read again, 4 the source vanished, 1 usage or file errors, 2 malformed mapfile.\n\n" +
         describe_options(verify_options());
}

int run_verify_command(const std::vector<std::string>& args) {
  try {
    const SubcommandArgs a = parse_subcommand_args(args, verify_options());
    if (a.has("help")) {
      fmt::print("{}", verify_usage());
      return exit_code::kOk;
    }
    if (a.files.size() != 2 && a.files.size() != 3)
      throw UsageError(fmt::format("expected SOURCE IMAGE [MAPFILE], got {} file names", a.files.size()));
    const std::string& source_spec = a.files[0];
    const std::string& image = a.files[1];
    const std::string mapfile = a.files.size() == 3 ? a.files[2] : std::string();
    const bool json = a.has("json");
    SourceOptions so;
    so.direct = a.has("idirect");
    if (a.has("sector-size")) {
      const auto b = parse_size(a.text("sector-size"), 512, "--sector-size");
      if (b < 512 || b > (1 << 20) || (b & (b - 1)) != 0)
        throw UsageError(fmt::format("invalid --sector-size {}: must be a power of two from 512", b));
      so.sector_size = static_cast<std::uint32_t>(b);
    }
    Millis timeout = std::chrono::seconds(10);
    if (a.has("timeout")) {
      timeout = parse_duration(a.text("timeout"), "--timeout");
      if (timeout.count() <= 0) throw UsageError("invalid --timeout: must be above zero");
    }

    std::optional<MapFile> map;
    if (!mapfile.empty()) {
      map = load_named_mapfile(mapfile);
    }
    const auto source = open_source(source_spec, so);
    const auto source_size = static_cast<std::int64_t>(source->identity().capacity_bytes());
    const MapFile* m = map ? &*map : nullptr;

    struct sigaction sa {};
    sa.sa_handler = on_verify_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    ProgressLine progress(stderr, ProgressLine::style_for(stderr, json, a.has("quiet")),
                          fmt::format("verifying '{}'", image), bytes_to_verify(source_size, m));
    const VerifyResult r = verify_image(*source, image, m, timeout, &progress, &g_verify_stop);
    const std::int64_t ss = r.sector_size;

    int rc = exit_code::kOk;
    std::string verdict = "identical";
    if (r.differing_bytes > 0) {
      rc = kExitVerifyDifferent;
      verdict = "different";
    } else if (r.source_gone) {
      rc = exit_code::kDeviceGone;
      verdict = "source gone";
    } else if (r.interrupted) {
      rc = 130;
      verdict = "interrupted";
    } else if (r.unreadable_bytes > 0) {
      rc = kExitVerifyIncomplete;
      verdict = "incomplete";
    }

    if (json) {
      nlohmann::json j{{"source", source_spec},
                       {"image", image},
                       {"mapfile", mapfile},
                       {"sector_size", ss},
                       {"result", verdict},
                       {"compared_bytes", r.compared_bytes},
                       {"differing_bytes", r.differing_bytes},
                       {"differing_sectors", r.differing_sectors},
                       {"missing_bytes", r.missing_bytes},
                       {"unreadable_bytes", r.unreadable_bytes},
                       {"not_compared_bytes", r.skipped_bytes}};
      if (r.first_difference) {
        j["first_difference_byte"] = *r.first_difference;
        j["first_difference_lba"] = *r.first_difference / ss;
      }
      auto areas = nlohmann::json::array();
      for (const Extent& e : r.differing_areas) areas.push_back({{"lba", e.pos / ss}, {"sectors", e.size / ss}});
      j["differing_areas"] = areas;
      auto bad = nlohmann::json::array();
      for (const Extent& e : r.unreadable_areas) bad.push_back({{"lba", e.pos / ss}, {"sectors", e.size / ss}});
      j["unreadable_areas"] = bad;
      fmt::print("{}\n", j.dump(2));
      return rc;
    }

    fmt::print("verify: '{}' against '{}'{}\n", source_spec, image,
               mapfile.empty() ? std::string() : fmt::format(", the rescued areas of '{}'", mapfile));
    fmt::print("  compared:     {} bytes ({})\n", r.compared_bytes, format_size(r.compared_bytes));
    fmt::print("  different:    {} bytes in {} sectors{}\n", r.differing_bytes, r.differing_sectors,
               r.missing_bytes > 0 ? fmt::format(" ({} bytes past the end of the image)", r.missing_bytes) : "");
    for (std::size_t i = 0; i < r.differing_areas.size() && i < 10; ++i)
      fmt::print("                {}\n", lba_range(r.differing_areas[i], ss));
    fmt::print("  unreadable:   {} bytes (the source failed to read them now; not compared)\n", r.unreadable_bytes);
    for (std::size_t i = 0; i < r.unreadable_areas.size() && i < 10; ++i)
      fmt::print("                {}\n", lba_range(r.unreadable_areas[i], ss));
    if (!mapfile.empty()) fmt::print("  not compared: {} bytes (not rescued in the mapfile)\n", r.skipped_bytes);
    switch (rc) {
      case exit_code::kOk:
        fmt::print("IDENTICAL: every compared byte matches\n");
        break;
      case kExitVerifyDifferent:
        fmt::print("DIFFERENT: first difference at LBA {} (byte {})\n", *r.first_difference / ss, *r.first_difference);
        fmt::print(stderr, "ptrescue: the image differs from the source, first at LBA {} (byte {})\n",
                   *r.first_difference / ss, *r.first_difference);
        break;
      case kExitVerifyIncomplete:
        fmt::print("INCOMPLETE: nothing differs, but {} bytes could not be read from the source again\n",
                   r.unreadable_bytes);
        break;
      case exit_code::kDeviceGone:
        fmt::print("STOPPED: the source vanished; nothing differed up to there\n");
        break;
      default:
        fmt::print("INTERRUPTED: nothing differed up to there\n");
    }
    return rc;
  } catch (const BadMapfile& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kBadInput;
  } catch (const UsageError& e) {
    fmt::print(stderr, "ptrescue: {}\n(try 'ptrescue verify --help')\n", e.what());
    return exit_code::kEnvironment;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kEnvironment;
  }
}

}  // namespace ptrescue
