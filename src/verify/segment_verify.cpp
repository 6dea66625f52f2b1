// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/verify/segment_verify.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "base/progress_line.h"
#include "base/unique_fd.h"
#include "src/verify/message_digest.h"
#include "transport/aligned_buffer.h"

namespace ptrescue {
namespace {

constexpr std::int64_t kChunkBytes = 1 << 20;

/// How reading one range from the source ended.
struct SourceRead {
  std::optional<RangeDigest> digest;  ///< whole range read
  std::optional<std::int64_t> failed_lba;
  bool gone = false;
};

/// After a failed read: a hung drive gets the reset ladder's mildest steps
/// (as verify_image does). False when the drive does not come back.
bool recover(Device& source, const ReadOutcome& out) {
  if (out.status == ReadStatus::kDeviceGone) return false;
  if (!out.needs_reset) return true;
  for (ResetKind k : {ResetKind::kSoft, ResetKind::kDevice, ResetKind::kBus})
    if (source.reset(k).ok) return true;
  return false;
}

SourceRead hash_source_range(Device& source, const SegmentHash& row, Millis timeout, AlignedBuffer& buf,
                             std::int64_t chunk_sectors) {
  const std::int64_t ss = source.identity().logical_sector_size;
  MultiDigest d({HashAlgorithm::kMd5, HashAlgorithm::kSha256});
  SourceRead out;
  for (std::int64_t lba = row.start_lba; lba <= row.end_lba;) {
    const auto n = static_cast<std::uint32_t>(std::min(chunk_sectors, row.end_lba + 1 - lba));
    const ReadOutcome r = source.read(static_cast<Lba>(lba), n, buf.span(), timeout);
    if (!r.ok()) {
      out.failed_lba = r.error_lba ? static_cast<std::int64_t>(*r.error_lba) : lba;
      out.gone = !recover(source, r);
      return out;
    }
    d.update(std::span<const std::byte>(r.data_or(buf.span()), static_cast<std::size_t>(n * ss)));
    lba += n;
  }
  const auto v = d.finish();
  out.digest = RangeDigest{v[0].hex, v[1].hex};
  return out;
}

bool same(const RangeDigest& d, const SegmentHash& row) { return d.md5 == row.md5 && d.sha256 == row.sha256; }

}  // namespace

std::string_view verdict_word(SegmentVerdict v) {
  switch (v) {
    case SegmentVerdict::kMatch: return "match";
    case SegmentVerdict::kMismatch: return "mismatch";
    case SegmentVerdict::kUnreadable: return "unreadable";
    case SegmentVerdict::kIncomplete: return "incomplete";
    case SegmentVerdict::kNotCompared: return "not compared";
  }
  return "?";
}

std::int64_t SegmentVerifyResult::count(SegmentVerdict v) const {
  return std::count_if(checks.begin(), checks.end(), [v](const SegmentCheck& c) { return c.verdict == v; });
}

SegmentVerifyResult verify_segments(Device& source, const std::string& image, const std::vector<SegmentHash>& rows,
                                    Millis timeout, ProgressLine* progress, const std::atomic<bool>* stop) {
  const DeviceIdentity& id = source.identity();
  const std::int64_t ss = id.logical_sector_size;
  for (const SegmentHash& row : rows)
    if (static_cast<std::uint64_t>(row.end_lba) >= id.capacity_sectors)
      throw std::invalid_argument(fmt::format("range LBA {}-{} lies past the source's last LBA {}", row.start_lba,
                                              row.end_lba, id.capacity_sectors - 1));
  const UniqueFd fd(::open(image.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw std::runtime_error(fmt::format("cannot open image '{}': {}", image, std::strerror(errno)));
  const std::int64_t chunk_sectors =
      std::max<std::int64_t>(1, std::min<std::int64_t>(kChunkBytes / ss, id.max_transfer_sectors));
  AlignedBuffer buf(static_cast<std::size_t>(chunk_sectors * ss));

  SegmentVerifyResult result;
  std::int64_t done = 0;
  for (const SegmentHash& row : rows) {
    SegmentCheck c;
    c.row = row;
    if (result.source_gone || (stop && stop->load())) {
      result.interrupted = result.interrupted || !result.source_gone;
      result.checks.push_back(c);
      continue;
    }
    c.image_matches = same(digest_image_range(fd.get(), image, row.start_lba * ss, row.sectors() * ss), row);
    if (!row.complete) {
      c.verdict = c.image_matches ? SegmentVerdict::kIncomplete : SegmentVerdict::kMismatch;
    } else {
      const SourceRead s = hash_source_range(source, row, timeout, buf, chunk_sectors);
      result.source_gone = s.gone;
      if (s.digest) c.source_matches = same(*s.digest, row);
      c.first_unreadable_lba = s.failed_lba;
      if (!c.image_matches || c.source_matches == false) c.verdict = SegmentVerdict::kMismatch;
      else if (s.digest) c.verdict = SegmentVerdict::kMatch;
      else c.verdict = SegmentVerdict::kUnreadable;
    }
    result.checks.push_back(c);
    done += row.sectors() * ss;
    if (progress) progress->update(done);
  }
  if (progress) progress->finish(done);
  return result;
}

}  // namespace ptrescue
