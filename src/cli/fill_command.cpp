// `ptrescue fill IMAGE MAPFILE`: fill mode as a command of its own, run on an
// image after (or between) rescues, like `ddrescue --fill-mode`.
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/cli/exit_codes.h"
#include "src/verify/fill_pattern.h"
#include "src/verify/hash_sidecar.h"
#include "src/cli/image_commands.h"
#include "base/progress_line.h"
#include "src/cli/subcommand_args.h"
#include "base/units.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

po::options_description fill_options() {
  po::options_description d("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("types,t", po::value<std::string>(), "statuses to fill, some of ?*/- (default: all not rescued, -*/?)")
    ("text", po::value<std::string>(), "the text of each sector (default 'BAD SECTOR'), followed by 'at LBA n (status)'")
    ("sector-size,b", po::value<std::string>(), "sector size for the LBAs in the text (default 512)")
    ("force,f", "allow a block device as the image")
    ("json", "the result (and progress) as JSON")
    ("quiet,q", "no progress");
  // clang-format on
  return d;
}

}  // namespace

std::string fill_usage() {
  return "Usage: ptrescue fill [options] IMAGE MAPFILE\n"
         "Writes 'BAD SECTOR at LBA n (status)' into every sector of IMAGE that MAPFILE marks\n"
         "with one of the chosen statuses. Rescued ('+') data is never written; the mapfile is\n"
         "only read. Running it again is safe: it completes an interrupted fill and rewrites nothing.\n\n" +
         describe_options(fill_options());
}

int run_fill_command(const std::vector<std::string>& args) {
  try {
    const SubcommandArgs a = parse_subcommand_args(args, fill_options());
    if (a.has("help")) {
      fmt::print("{}", fill_usage());
      return exit_code::kOk;
    }
    if (a.files.size() != 2)
      throw UsageError(fmt::format("expected IMAGE MAPFILE, got {} file names", a.files.size()));
    const std::string& image = a.files[0];
    const std::string& mapfile = a.files[1];
    FillOptions options;
    options.types = parse_fill_types(a.text("types", "-*/?"));
    if (a.has("text")) {
      options.text = a.text("text");
      if (options.text.empty() || options.text.find('\n') != std::string::npos)
        throw UsageError("invalid --text: give one line of text");
    }
    if (a.has("sector-size")) {
      const auto b = parse_size(a.text("sector-size"), 512, "--sector-size");
      if (b < 512 || b > (1 << 20) || (b & (b - 1)) != 0)
        throw UsageError(fmt::format("invalid --sector-size {}: must be a power of two from 512", b));
      options.sector_size = static_cast<std::uint32_t>(b);
    }
    options.allow_block_device = a.has("force");
    const bool json = a.has("json");

    std::optional<MapFile> map;
    map = load_named_mapfile(mapfile);
    if (::access(image.c_str(), F_OK) != 0)
      throw std::runtime_error(fmt::format("image '{}' does not exist", image));

    ProgressLine progress(stderr, ProgressLine::style_for(stderr, json, a.has("quiet")),
                          fmt::format("filling '{}'", image), bytes_to_fill(*map, options.types));
    const FillSummary s = fill_image(image, *map, options, &progress);

    // Hashes taken before this fill no longer describe the image.
    const std::string sidecar = hash_sidecar_path(mapfile);
    const bool stale_removed = s.changed > 0 && ::unlink(sidecar.c_str()) == 0;
    if (json) {
      fmt::print("{}\n", nlohmann::json{{"image", image},
                                        {"bytes", s.bytes},
                                        {"written", s.changed},
                                        {"areas", s.areas},
                                        {"hash_sidecar_removed", stale_removed}}
                             .dump(2));
    } else {
      fmt::print("filled {} areas ({} bytes, {} of them written now) of '{}' with '{} at LBA n (status)'\n",
                 s.areas, s.bytes, s.changed, image, options.text);
      if (stale_removed)
        fmt::print("removed '{}': the image changed; hash it again with: ptrescue hash '{}' --mapfile '{}'\n",
                   sidecar, image, mapfile);
    }
    return exit_code::kOk;
  } catch (const BadMapfile& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kBadInput;
  } catch (const UsageError& e) {
    fmt::print(stderr, "ptrescue: {}\n(try 'ptrescue fill --help')\n", e.what());
    return exit_code::kEnvironment;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kEnvironment;
  }
}

}  // namespace ptrescue
