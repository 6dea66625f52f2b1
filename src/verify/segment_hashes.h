// SPDX-License-Identifier: GPL-3.0-or-later
// MAPFILE.hashes: the image hashed range by range, so that a source that
// keeps failing can still prove the parts of the image it reads again
// (docs/FORENSICS.md, "Segmented hashes"). Two kinds of rows, in one CSV:
//   - every fixed range of `segment_bytes` (1 GiB by default), aligned on
//     multiples of it from LBA 0, over the mapfile's extent;
//   - every rescued run: each maximal '+' block of the mapfile.
// Header and columns: start_lba,end_lba,md5,sha256,complete
// LBAs are the source's, in its logical sectors; end_lba is the range's last
// LBA (inclusive), so a range is `dd skip=start_lba count=end_lba-start_lba+1`.
// complete is "yes" when the mapfile marks every sector of the range '+'.
// The image is hashed as a whole drive would be: bytes past the end of a
// short image file count as zeros.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/mapfile/mapfile.h"

namespace ptrescue {

class ProgressLine;

inline constexpr std::int64_t kDefaultSegmentBytes = std::int64_t{1} << 30;

struct SegmentHash {
  std::int64_t start_lba = 0;
  std::int64_t end_lba = 0;  ///< last LBA of the range, inclusive
  std::string md5, sha256;   ///< lower-case hex
  bool complete = false;
  std::int64_t sectors() const { return end_lba - start_lba + 1; }
  friend bool operator==(const SegmentHash&, const SegmentHash&) = default;
};

struct SegmentPlan {
  std::int64_t segment_bytes = kDefaultSegmentBytes;  ///< a multiple of sector_size
  std::uint32_t sector_size = 512;
  std::int64_t output_offset = 0;  ///< image byte = source byte + this
  /// Image bytes that exist in the run's view (the image's end); source
  /// bytes at or past `image_end - output_offset` are not hashed. < 0: no limit.
  std::int64_t image_end = -1;
};

struct SegmentHashes {
  std::vector<SegmentHash> rows;  ///< fixed ranges first, then rescued runs, each in LBA order
  bool interrupted = false;       ///< `stop` was set: rows are empty
};

/// --segment-hash-size: a size (base/units.h) above zero and a whole number
/// of sectors. Throws UsageError naming the option.
std::int64_t parse_segment_hash_size(std::string_view text, std::uint32_t sector_size);

/// MAPFILE + ".hashes".
std::string segment_hashes_path(const std::string& mapfile);

/// Hashes the image at `image` in one pass over the source range the map
/// covers. Throws std::runtime_error naming the image on a read error, and
/// std::invalid_argument for a segment size that is not whole sectors.
SegmentHashes hash_segments(const std::string& image, const MapFile& map, const SegmentPlan& plan,
                            ProgressLine* progress, const std::atomic<bool>* stop = nullptr);

/// Bytes hash_segments() reads (for a progress total).
std::int64_t bytes_to_hash_in_segments(const MapFile& map, const SegmentPlan& plan);

std::string format_segment_csv(const std::vector<SegmentHash>& rows);
/// Throws std::runtime_error("line N: reason") on a malformed file.
std::vector<SegmentHash> parse_segment_csv(std::string_view text);

/// Replaces PATH durably (base/durable_file.h). Throws DurableWriteError.
void write_segment_hashes(const std::string& path, const std::vector<SegmentHash>& rows);
/// Throws std::runtime_error "PATH: ..." when missing or malformed.
std::vector<SegmentHash> read_segment_hashes(const std::string& path);

/// The hex digests (md5, sha256) of image bytes [pos, pos + size), bytes
/// past the file's end read as zeros: the one reading both writer and
/// checker use. Throws std::runtime_error naming the image.
struct RangeDigest {
  std::string md5, sha256;
};
RangeDigest digest_image_range(int fd, const std::string& image, std::int64_t pos, std::int64_t size);

}  // namespace ptrescue
