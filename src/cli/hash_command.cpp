// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue hash IMAGE`: the image's digests, as BSD-style lines that
// `sha256sum -c` / `md5sum -c` read, and with --mapfile also in MAPFILE.hash.
#include <algorithm>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/progress_line.h"
#include "base/timestamp.h"
#include "src/cli/exit_codes.h"
#include "src/cli/image_commands.h"
#include "src/cli/subcommand_args.h"
#include "src/verify/hash_sidecar.h"
#include "src/verify/image_hasher.h"
#include "src/verify/rescue_finishing.h"
#include "src/verify/segment_hashes.h"
#include "base/units.h"

namespace po = boost::program_options;

namespace ptrescue {
namespace {

Subcommand hash_command() {
  Subcommand c("hash", "[options] IMAGE",
               "Hashes the whole image file (or block device). Prints 'SHA256 (IMAGE) = ...' lines\n"
               "that sha256sum -c and md5sum -c check. With --segments instead: MD5 and SHA-256 of\n"
               "every fixed range and every rescued run of MAPFILE, into MAPFILE.hashes (CSV).");
  // clang-format off
  c.options.add_options()
    ("hash", po::value<std::string>(), "md5, sha1, sha256 or all, separated by commas (default sha256)")
    ("mapfile,m", po::value<std::string>(), "also write the hashes to MAPFILE.hash, with the bytes MAPFILE does not mark rescued")
    ("segments", "hash by ranges into MAPFILE.hashes instead (needs --mapfile)")
    ("segment-hash-size", po::value<std::string>(), "with --segments: range size (default 1GiB; a multiple of the sector size)")
    ("sector-size,b", po::value<std::string>(), "with --segments: sector size of the LBAs (default 512)");
  // clang-format on
  add_progress_options(c);
  return c;
}

/// MAPFILE.hash's record of hash `h` of `image`, with what `map` says of it.
HashRecord hash_record(const std::string& image, const ImageHash& h, const MapFile& map) {
  HashRecord record;
  record.image = image;
  record.bytes = h.size;
  record.method = "image";
  // Bytes the map covers past the image's end are missing from it, rescued
  // or not: a short image is never complete.
  record.unrescued_bytes = unrescued_in_image(map, 0, h.size) + std::max<std::int64_t>(0, map.end_pos() - h.size);
  record.complete = record.unrescued_bytes == 0;
  record.unrescued_content =
      record.complete ? "none" : "what it holds now: zeros if never written, or a fill pattern after ptrescue fill";
  record.rescued_in_map = map.totals().finished;
  record.time = local_timestamp();
  record.values = h.values;
  return record;
}

void print_hash_json(const std::string& image, const ImageHash& h, const std::string& sidecar,
                     const HashRecord* record) {
  nlohmann::json j{{"image", image}, {"bytes", h.size}};
  for (const HashValue& v : h.values) j[std::string(hash_name(v.algorithm))] = v.hex;
  if (record != nullptr) {
    j["sidecar"] = sidecar;
    j["unrescued_bytes"] = record->unrescued_bytes;
    j["complete"] = record->complete;
  }
  fmt::print("{}\n", j.dump(2));
}

void print_hash_text(const std::string& image, const ImageHash& h, const std::string& sidecar,
                     const HashRecord* record) {
  for (const HashValue& v : h.values) fmt::print("{} ({}) = {}\n", hash_tag(v.algorithm), image, v.hex);
  if (record != nullptr)
    fmt::print(stderr, "written to '{}'{}\n", sidecar,
               record->complete ? "" : fmt::format(" ({} bytes of the image are not rescued)", record->unrescued_bytes));
}

/// `hash IMAGE --mapfile M --segments`: MAPFILE.hashes.
int hash_by_segments(const SubcommandArgs& a, const std::string& image) {
  const std::string mapfile = a.text("mapfile");
  if (mapfile.empty()) throw UsageError("--segments needs --mapfile: the ranges are the mapfile's");
  const MapFile map = load_named_mapfile(mapfile);
  SegmentPlan plan;
  if (a.has("sector-size")) plan.sector_size = parse_sector_size_option(a.text("sector-size"));
  if (a.has("segment-hash-size"))
    plan.segment_bytes = parse_segment_hash_size(a.text("segment-hash-size"), plan.sector_size);
  ProgressLine progress(stderr, progress_style(a), fmt::format("hashing '{}' by ranges", image),
                        bytes_to_hash_in_segments(map, plan));
  const SegmentHashes h = hash_segments(image, map, plan, &progress);
  const std::string path = segment_hashes_path(mapfile);
  write_segment_hashes(path, h.rows);
  const auto complete = std::count_if(h.rows.begin(), h.rows.end(), [](const SegmentHash& r) { return r.complete; });
  if (a.has("json"))
    fmt::print("{}\n", nlohmann::json{{"image", image}, {"file", path}, {"ranges", h.rows.size()},
                                      {"complete", complete}}.dump(2));
  else
    fmt::print("{} ranges ({} complete) written to '{}'\n", h.rows.size(), complete, path);
  return exit_code::kOk;
}

int hash(const SubcommandArgs& a, const Subcommand& command) {
  expect_files(a, command, 1, 1);
  const std::string& image = a.files[0];
  if (a.has("segments")) return hash_by_segments(a, image);
  const auto algorithms = parse_hash_list(a.text("hash", "sha256"));
  const std::string mapfile = a.text("mapfile");
  const std::optional<MapFile> map =
      mapfile.empty() ? std::nullopt : std::optional<MapFile>(load_named_mapfile(mapfile));

  ProgressLine progress(stderr, progress_style(a), fmt::format("hashing '{}'", image), file_or_device_size(image));
  const ImageHash h = hash_file_range(image, 0, -1, algorithms, &progress);

  std::optional<HashRecord> record;
  const std::string sidecar = map ? hash_sidecar_path(mapfile) : std::string();
  if (map) {
    record = hash_record(image, h, *map);
    write_hash_sidecar(sidecar, *record);
  }
  if (a.has("json")) print_hash_json(image, h, sidecar, record ? &*record : nullptr);
  else print_hash_text(image, h, sidecar, record ? &*record : nullptr);
  return exit_code::kOk;
}

}  // namespace

int run_hash_command(const std::vector<std::string>& args) {
  const Subcommand command = hash_command();
  return run_subcommand(command, args, [&](const SubcommandArgs& a) { return hash(a, command); });
}

}  // namespace ptrescue
