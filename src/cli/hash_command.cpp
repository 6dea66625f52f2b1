// `ptrescue hash IMAGE`: the image's digests, as BSD-style lines that
// `sha256sum -c` / `md5sum -c` read, and with --mapfile also in MAPFILE.hash.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/cli/exit_codes.h"
#include "src/verify/hash_sidecar.h"
#include "src/cli/image_commands.h"
#include "src/verify/image_hasher.h"
#include "base/progress_line.h"
#include "src/engine/reads_log.h"
#include "src/verify/rescue_finishing.h"
#include "src/cli/subcommand_args.h"
#include "base/timestamp.h"
#include "base/units.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

po::options_description hash_options() {
  po::options_description d("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("hash", po::value<std::string>(), "md5, sha1, sha256 or all, separated by commas (default sha256)")
    ("mapfile,m", po::value<std::string>(), "also write the hashes to MAPFILE.hash, with the bytes MAPFILE does not mark rescued")
    ("json", "the result (and progress) as JSON")
    ("quiet,q", "no progress");
  // clang-format on
  return d;
}

}  // namespace

std::string hash_usage() {
  return "Usage: ptrescue hash [options] IMAGE\n"
         "Hashes the whole image file (or block device). Prints 'SHA256 (IMAGE) = ...' lines\n"
         "that sha256sum -c and md5sum -c check.\n\n" +
         describe_options(hash_options());
}

int run_hash_command(const std::vector<std::string>& args) {
  try {
    const SubcommandArgs a = parse_subcommand_args(args, hash_options());
    if (a.has("help")) {
      fmt::print("{}", hash_usage());
      return exit_code::kOk;
    }
    if (a.files.size() != 1)
      throw UsageError(fmt::format("expected one IMAGE, got {} file names", a.files.size()));
    const std::string& image = a.files[0];
    const auto algorithms = parse_hash_list(a.text("hash", "sha256"));
    const bool json = a.has("json");

    std::optional<MapFile> map;
    const std::string mapfile = a.text("mapfile");
    if (!mapfile.empty()) {
      map = load_named_mapfile(mapfile);
    }

    const std::int64_t size = file_or_device_size(image);
    ProgressLine progress(stderr, ProgressLine::style_for(stderr, json, a.has("quiet")),
                          fmt::format("hashing '{}'", image), size);
    const ImageHash h = hash_file_range(image, 0, -1, algorithms, &progress);

    std::string sidecar;
    HashRecord record;
    if (map) {
      record.image = image;
      record.bytes = h.size;
      record.method = "image";
      record.unrescued_bytes = unrescued_in_image(*map, 0, h.size);
      record.complete = record.unrescued_bytes == 0;
      record.unrescued_content =
          record.complete ? "none" : "what it holds now: zeros if never written, or a fill pattern after ptrescue fill";
      record.rescued_in_map = map->totals().finished;
      record.time = local_timestamp();
      record.values = h.values;
      sidecar = hash_sidecar_path(mapfile);
      write_hash_sidecar(sidecar, record);
    }
    if (json) {
      nlohmann::json j{{"image", image}, {"bytes", h.size}};
      for (const HashValue& v : h.values) j[std::string(hash_name(v.algorithm))] = v.hex;
      if (map) {
        j["sidecar"] = sidecar;
        j["unrescued_bytes"] = record.unrescued_bytes;
        j["complete"] = record.complete;
      }
      fmt::print("{}\n", j.dump(2));
    } else {
      for (const HashValue& v : h.values) fmt::print("{} ({}) = {}\n", hash_tag(v.algorithm), image, v.hex);
      if (map)
        fmt::print(stderr, "written to '{}'{}\n", sidecar,
                   record.complete ? "" : fmt::format(" ({} bytes of the image are not rescued)", record.unrescued_bytes));
    }
    return exit_code::kOk;
  } catch (const BadMapfile& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kBadInput;
  } catch (const UsageError& e) {
    fmt::print(stderr, "ptrescue: {}\n(try 'ptrescue hash --help')\n", e.what());
    return exit_code::kEnvironment;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ptrescue: {}\n", e.what());
    return exit_code::kEnvironment;
  }
}

}  // namespace ptrescue
