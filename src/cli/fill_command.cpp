// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue fill IMAGE MAPFILE`: fill mode as a command of its own, run on an
// image after (or between) rescues, like `ddrescue --fill-mode`.
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/progress_line.h"
#include "base/units.h"
#include "src/cli/exit_codes.h"
#include "src/cli/image_commands.h"
#include "src/cli/subcommand_args.h"
#include "src/verify/fill_pattern.h"
#include "src/verify/hash_sidecar.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

Subcommand fill_command() {
  Subcommand c("fill", "[options] IMAGE MAPFILE",
               "Writes 'BAD SECTOR at LBA n (status)' into every sector of IMAGE that MAPFILE marks\n"
               "with one of the chosen statuses. Rescued ('+') data is never written; the mapfile is\n"
               "only read. Running it again is safe: it completes an interrupted fill and rewrites nothing.");
  // clang-format off
  c.options.add_options()
    ("types,t", po::value<std::string>(), "statuses to fill, some of ?*/- (default: all not rescued, -*/?)")
    ("text", po::value<std::string>(), "the text of each sector (default 'BAD SECTOR'), followed by 'at LBA n (status)'")
    ("sector-size,b", po::value<std::string>(), "sector size for the LBAs in the text (default 512)")
    ("force,f", "allow a block device as the image");
  // clang-format on
  add_progress_options(c);
  return c;
}

FillOptions fill_options(const SubcommandArgs& a) {
  FillOptions options;
  options.types = parse_fill_types(a.text("types", "-*/?"));
  if (a.has("text")) {
    options.text = a.text("text");
    if (options.text.empty() || options.text.find('\n') != std::string::npos)
      throw UsageError("invalid --text: give one line of text");
  }
  if (a.has("sector-size")) options.sector_size = parse_sector_size_option(a.text("sector-size"));
  options.allow_block_device = a.has("force");
  return options;
}

int fill(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 2, 2);
  const std::string& image = a.files[0];
  const std::string& mapfile = a.files[1];
  const FillOptions options = fill_options(a);
  const MapFile map = load_named_mapfile(mapfile);
  if (::access(image.c_str(), F_OK) != 0) throw std::runtime_error(fmt::format("image '{}' does not exist", image));

  ProgressLine progress(stderr, progress_style(a), fmt::format("filling '{}'", image),
                        bytes_to_fill(map, options.types));
  const FillSummary s = fill_image(image, map, options, &progress);

  // Hashes taken before this fill no longer describe the image.
  const std::string sidecar = hash_sidecar_path(mapfile);
  const bool stale_removed = s.changed > 0 && ::unlink(sidecar.c_str()) == 0;
  if (a.has("json")) {
    fmt::print("{}\n", nlohmann::json{{"image", image},
                                      {"bytes", s.bytes},
                                      {"written", s.changed},
                                      {"areas", s.areas},
                                      {"hash_sidecar_removed", stale_removed}}
                           .dump(2));
    return exit_code::kOk;
  }
  fmt::print("filled {} areas ({} bytes, {} of them written now) of '{}' with '{} at LBA n (status)'\n", s.areas,
             s.bytes, s.changed, image, options.text);
  if (stale_removed)
    fmt::print("removed '{}': the image changed; hash it again with: ptrescue hash '{}' --mapfile '{}'\n", sidecar,
               image, mapfile);
  return exit_code::kOk;
}

}  // namespace

int run_fill_command(const std::vector<std::string>& args) {
  const Subcommand command = fill_command();
  return run_subcommand(command, args, [&](const SubcommandArgs& a) { return fill(a, command); });
}

}  // namespace ptrescue
