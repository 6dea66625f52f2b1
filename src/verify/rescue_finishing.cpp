// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/verify/rescue_finishing.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/verify/hash_sidecar.h"
#include "src/verify/image_hasher.h"
#include "src/verify/on_the_fly_hasher.h"
#include "src/verify/segment_hashes.h"
#include "src/engine/reads_log.h"
#include "base/timestamp.h"

namespace ptrescue {
namespace {

bool has(const std::vector<BlockStatus>& v, BlockStatus s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

/// What the image holds where the map says "not rescued".
std::string unrescued_content(const MapFile& map, const std::vector<BlockStatus>& filled) {
  bool all_filled = true;
  for (auto s : {BlockStatus::kNonTried, BlockStatus::kNonTrimmed, BlockStatus::kNonScraped,
                 BlockStatus::kBadSector}) {
    const MapTotals& t = map.totals();
    const std::int64_t n = s == BlockStatus::kNonTried     ? t.non_tried
                           : s == BlockStatus::kNonTrimmed ? t.non_trimmed
                           : s == BlockStatus::kNonScraped ? t.non_scraped
                                                           : t.bad_sector;
    if (n > 0 && !has(filled, s)) all_filled = false;
  }
  if (!filled.empty() && all_filled)
    return fmt::format("the fill pattern '{} at LBA n (status)'", kDefaultFillText);
  if (!filled.empty())
    return fmt::format(
        "the fill pattern '{} at LBA n (status)' where filled, elsewhere what it held before (zeros in a new image)",
        kDefaultFillText);
  return "what it held before: zeros in a new image (earlier data, or a fill pattern, in a reused one)";
}

void extend_image(const std::string& path, std::int64_t size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size >= size) return;
  if (::truncate(path.c_str(), size) != 0)
    throw std::runtime_error(
        fmt::format("cannot extend image '{}' to {} bytes: {}", path, size, std::strerror(errno)));
}

}  // namespace

std::int64_t unrescued_in_image(const MapFile& map, std::int64_t output_offset, std::int64_t image_bytes) {
  const std::int64_t lo = -output_offset, hi = image_bytes - output_offset;  // source coordinates
  std::int64_t rescued = 0;
  map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    const std::int64_t a = std::max(lo, b.pos), z = std::min(hi, b.end());
    if (z > a) rescued += z - a;
  });
  return std::max<std::int64_t>(0, image_bytes) - rescued;
}

static bool write_whole_hashes(const FinishingOptions& o, const MapFile& map, OnTheFlyHasher* hasher, std::FILE* out);

bool finish_rescue(const FinishingOptions& o, const MapFile& map, OnTheFlyHasher* hasher, std::FILE* out) {
  const bool json = o.style == ProgressLine::Style::kJson;
  const bool quiet = o.style == ProgressLine::Style::kQuiet;
  if (!o.fill_types.empty()) {
    FillOptions f;
    f.types = o.fill_types;
    f.sector_size = o.sector_size;
    f.output_offset = o.output_offset;
    f.allow_block_device = o.allow_block_device;
    ProgressLine progress(out, o.style, fmt::format("filling '{}'", o.image), bytes_to_fill(map, o.fill_types));
    const FillSummary s = fill_image(o.image, map, f, &progress);
    if (json)
      fmt::print(out, "{}\n", nlohmann::json{{"event", "fill"}, {"bytes", s.bytes}, {"areas", s.areas}}.dump());
    else if (!quiet)
      fmt::print(out, "filled {} bytes in {} areas of '{}' with '{} at LBA n (status)'\n", s.bytes, s.areas,
                 o.image, kDefaultFillText);
    if (o.hashes.empty() && s.changed > 0) ::unlink(hash_sidecar_path(o.mapfile).c_str());  // now stale
  }
  if (!o.hashes.empty() && !write_whole_hashes(o, map, hasher, out)) return false;
  return write_run_segment_hashes(o, map, o.stop, out);
}

static bool write_whole_hashes(const FinishingOptions& o, const MapFile& map, OnTheFlyHasher* hasher, std::FILE* out) {
  const bool json = o.style == ProgressLine::Style::kJson;
  const bool quiet = o.style == ProgressLine::Style::kQuiet;
  HashRecord record;
  record.image = o.image;
  record.first_byte = 0;
  if (hasher && hasher->in_order() && hasher->hashed_bytes() == o.image_end) {
    record.values = hasher->finish();
    record.bytes = o.image_end;
    record.method = "on-the-fly";
  } else {
    if (!quiet && !json) {
      std::string why = "no hashing while reading";
      if (hasher && !hasher->in_order()) why = "the reads were not in order: " + hasher->gave_up_because();
      else if (hasher)
        why = fmt::format("this run read image bytes 0 to {} in order, not the whole image", hasher->hashed_bytes());
      fmt::print(out, "hashing the image read back ({})\n", why);
    }
    // The image as a whole drive: unrescued tail bytes are zeros, not missing.
    extend_image(o.image, o.image_end);
    ProgressLine progress(out, o.style, fmt::format("hashing '{}'", o.image), o.image_end);
    const ImageHash h = hash_file_range(o.image, 0, o.image_end, o.hashes, &progress, o.stop);
    if (h.interrupted) {
      if (!json) fmt::print(stderr, "ptrescue: hashing interrupted; hash later with: ptrescue hash '{}' --mapfile '{}'\n", o.image, o.mapfile);
      return false;
    }
    record.values = h.values;
    record.bytes = h.size;
    record.method = "image";
  }
  record.unrescued_bytes = unrescued_in_image(map, o.output_offset, record.bytes);
  record.complete = record.unrescued_bytes == 0;
  record.unrescued_content = record.complete ? "none" : unrescued_content(map, o.fill_types);
  record.rescued_in_map = map.totals().finished;
  record.time = local_timestamp();
  const std::string path = hash_sidecar_path(o.mapfile);
  write_hash_sidecar(path, record);
  if (json) {
    nlohmann::json j{{"event", "hashes"}, {"method", record.method}, {"bytes", record.bytes},
                     {"complete", record.complete}, {"sidecar", path}};
    for (const HashValue& v : record.values) j[std::string(hash_name(v.algorithm))] = v.hex;
    fmt::print(out, "{}\n", j.dump());
  } else if (!quiet) {
    for (const HashValue& v : record.values)
      fmt::print(out, "{} ({}) = {}\n", hash_tag(v.algorithm), o.image, v.hex);
    fmt::print(out, "hashes of {} bytes ({}{}) written to '{}'\n", record.bytes,
               record.method == "on-the-fly" ? "computed while reading" : "read back from the image",
               record.complete ? "" : fmt::format(", {} bytes not rescued", record.unrescued_bytes), path);
  }
  std::fflush(out);
  return true;
}

bool write_run_segment_hashes(const FinishingOptions& o, const MapFile& map, const std::atomic<bool>* stop,
                              std::FILE* out) {
  if (o.segment_bytes <= 0) return true;
  const SegmentPlan plan{o.segment_bytes, o.sector_size, o.output_offset, o.image_end};
  ProgressLine progress(out, o.style, fmt::format("hashing '{}' by ranges", o.image), bytes_to_hash_in_segments(map, plan));
  const SegmentHashes h = hash_segments(o.image, map, plan, &progress, stop);
  const std::string path = segment_hashes_path(o.mapfile);
  if (h.interrupted) {
    fmt::print(stderr, "ptrescue: range hashing interrupted; hash later with: ptrescue hash '{}' --mapfile '{}' --segments\n",
               o.image, o.mapfile);
    return false;
  }
  write_segment_hashes(path, h.rows);
  const auto complete = std::count_if(h.rows.begin(), h.rows.end(), [](const SegmentHash& r) { return r.complete; });
  if (o.style == ProgressLine::Style::kJson)
    fmt::print(out, "{}\n", nlohmann::json{{"event", "segment_hashes"}, {"ranges", h.rows.size()},
                                           {"complete", complete}, {"file", path}}.dump());
  else if (o.style != ProgressLine::Style::kQuiet)
    fmt::print(out, "hashes of {} ranges ({} complete) written to '{}'\n", h.rows.size(), complete, path);
  std::fflush(out);
  return true;
}

void skip_finishing(const FinishingOptions& o, std::FILE* out) {
  if (o.map != nullptr) write_run_segment_hashes(o, *o.map, o.stop_again, out);
  if (o.hashes.empty() && o.fill_types.empty()) return;
  const std::string path = hash_sidecar_path(o.mapfile);
  const bool removed = !o.hashes.empty() && ::unlink(path.c_str()) == 0;
  if (o.style == ProgressLine::Style::kQuiet || o.style == ProgressLine::Style::kJson) return;
  fmt::print(out, "the rescue did not finish: {} at the end of the run that finishes it{}\n",
             o.hashes.empty() ? "the fill is done" : o.fill_types.empty() ? "the whole-image hashes are computed" : "the fill and the whole-image hashes are done",
             removed ? fmt::format(" (the old '{}' was removed: the image changed)", path) : "");
  std::fflush(out);
}

}  // namespace ptrescue
