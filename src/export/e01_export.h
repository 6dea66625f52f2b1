// SPDX-License-Identifier: GPL-3.0-or-later
// Exports a rescued image as an E01 set (Expert Witness Format, EnCase 6
// flavour) through libewf: the media is the mapfile's whole range (padded
// with zeros to a whole sector, as EWF stores sectors), the
// image's bytes as they are (an unrescued sector holds zeros, or the fill
// `ptrescue fill` wrote), every unrescued sector listed in the set's
// acquisition-error table, the case data and the source's identity in its
// header, and the MD5 and SHA-1 of the media computed while writing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/export/ewf_handle.h"
#include "src/mapfile/mapfile.h"

namespace ptrescue {

class ProgressLine;

/// libewf's default segment size, and ewfacquire's: 1500 MiB.
inline constexpr std::int64_t kDefaultE01SegmentSize = std::int64_t{1500} << 20;
/// ewfacquire's smallest segment size: 1 MiB.
inline constexpr std::int64_t kMinE01SegmentSize = std::int64_t{1} << 20;
/// The EnCase 6 format's largest segment (libewf: 2^63 - 1; ewfacquire caps at 7.9 EiB): keep it to 1 TiB.
inline constexpr std::int64_t kMaxE01SegmentSize = std::int64_t{1} << 40;

/// "none", "empty-block", "fast", "best". Throws UsageError.
EwfCompression parse_e01_compression(const std::string& text);

/// The fields ewfacquire asks for (its header value names in comments).
struct E01CaseData {
  std::string case_number;      ///< case_number
  std::string evidence_number;  ///< evidence_number
  std::string examiner;         ///< examiner_name
  std::string description;      ///< description
  std::string notes;            ///< notes
  std::string model;            ///< model: the source's, as identified
  std::string serial;           ///< serial_number
};

struct E01Request {
  std::string image;                ///< read only
  std::int64_t image_offset = 0;    ///< image byte = map byte + this (rescue -o)
  std::uint32_t sector_size = 512;  ///< bytes per sector of the media
  EwfCompression compression = EwfCompression::kFast;
  std::int64_t segment_size = kDefaultE01SegmentSize;
  E01CaseData case_data;
  std::string out;                  ///< segment basename: OUT.E01, OUT.E02, ...
  bool replace = false;             ///< replace an existing set named OUT
};

/// Sectors the map does not mark rescued, as maximal [first, first + count)
/// runs of `sector_size` sectors (a sector partly rescued counts as missing).
/// Bytes before the map's first block are missing too.
std::vector<Extent> unrescued_sector_runs(const MapFile& map, std::uint32_t sector_size);

struct E01Result {
  std::vector<std::string> segments;  ///< delivered, OUT.E01 first
  std::int64_t media_bytes = 0;       ///< the map's size, rounded up to a whole sector
  std::int64_t padding_bytes = 0;     ///< zeros added past the map's end to get there
  std::vector<Extent> error_runs;     ///< in sectors, as in the table
  std::int64_t unrescued_sectors = 0;
  std::string missing_content;        ///< what the image holds there (e01_missing_content)
  std::string md5, sha1;              ///< lower-case hex
};

/// What the image holds in the unrescued sectors, judged by the first
/// sector of each run (up to 4096 runs): "zeros", "a fill (not zeros)",
/// "zeros in some runs, a fill in others"; "" when nothing is missing.
std::string e01_missing_content(const std::string& image, std::int64_t image_offset, std::uint32_t sector_size,
                                const std::vector<Extent>& runs);

/// The line added to the notes: how many sectors are missing, that the
/// acquisition errors list them, and what the image holds there.
std::string e01_missing_sectors_note(std::int64_t sectors, std::size_t runs, const std::string& content);

/// Writes the set (staged, then delivered: e01_segments.h). Throws
/// std::runtime_error (EwfError from libewf) naming what failed; nothing
/// named OUT.Exx is created or changed then.
E01Result export_e01(const E01Request& request, const MapFile& map, ProgressLine* progress);

}  // namespace ptrescue
