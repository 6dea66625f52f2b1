// SPDX-License-Identifier: GPL-3.0-or-later
// What `ptrescue rescue --fill TYPES --hash LIST` does once the engine stops:
// after a finished run, fill the unrescued areas (fill_pattern.h) and write
// the image's hashes to MAPFILE.hash — the on-the-fly digests when every
// byte arrived in order, else the image read back. After a run that stopped
// early nothing is filled or hashed (the next run that finishes does it) and
// a sidecar left from an earlier run is removed, since the image changed;
// only the segment hashes (MAPFILE.hashes) describe a stopped run's image.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "src/verify/fill_pattern.h"
#include "src/mapfile/mapfile.h"
#include "src/verify/message_digest.h"
#include "base/progress_line.h"

namespace ptrescue {

class OnTheFlyHasher;

struct FinishingOptions {
  std::vector<HashAlgorithm> hashes;    ///< empty: no hashes
  std::vector<BlockStatus> fill_types;  ///< empty: no fill
  std::string image, mapfile;
  std::int64_t output_offset = 0;       ///< image byte = source byte + this
  std::int64_t image_end = 0;           ///< image size when complete
  std::uint32_t sector_size = 512;
  bool allow_block_device = false;      ///< -f
  ProgressLine::Style style = ProgressLine::Style::kPlain;
  const std::atomic<bool>* stop = nullptr;  ///< set by SIGINT: stop hashing
  /// MAPFILE.hashes (segment_hashes.h): range size in bytes; 0 = not written.
  /// Written after a finished run and after one that stopped early.
  std::int64_t segment_bytes = 0;
  const MapFile* map = nullptr;  ///< the run's map, for the segment hashes of a stopped run
  /// After a stop, `stop` is already set: a second signal sets this one.
  const std::atomic<bool>* stop_again = nullptr;
};

/// Bytes of image range [0, image_bytes) that the map does not mark rescued.
std::int64_t unrescued_in_image(const MapFile& map, std::int64_t output_offset, std::int64_t image_bytes);

/// After a finished run. `hasher` may be null when no hashes were asked for.
/// Messages go to `out`. Returns false if `stop` interrupted the hashing
/// (no sidecar written). Throws std::runtime_error naming what failed.
bool finish_rescue(const FinishingOptions& options, const MapFile& map, OnTheFlyHasher* hasher,
                   std::FILE* out);

/// After a run that stopped early: no fill or whole-image hash, but the
/// segment hashes of what the image holds now (options.map).
void skip_finishing(const FinishingOptions& options, std::FILE* out);

/// Writes MAPFILE.hashes for `map` when options.segment_bytes > 0. Returns
/// false if `stop` interrupted it (nothing written).
bool write_run_segment_hashes(const FinishingOptions& options, const MapFile& map, const std::atomic<bool>* stop,
                              std::FILE* out);

}  // namespace ptrescue
