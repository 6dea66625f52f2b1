// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/verify/verify_image.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "base/progress_line.h"
#include "transport/aligned_buffer.h"
#include "base/unique_fd.h"

namespace ptrescue {
namespace {

constexpr std::size_t kMaxAreas = 100;
constexpr std::int64_t kChunkBytes = 1 << 20;

std::vector<Extent> ranges_to_verify(std::int64_t source_size, const MapFile* map) {
  std::vector<Extent> out;
  if (!map) {
    if (source_size > 0) out.push_back({0, source_size});
    return out;
  }
  map->for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) return;
    const std::int64_t a = std::max<std::int64_t>(0, b.pos), z = std::min(source_size, b.end());
    if (z > a) out.push_back({a, z - a});
  });
  return out;
}

void add_area(std::vector<Extent>& areas, std::int64_t pos, std::int64_t size) {
  if (!areas.empty() && areas.back().end() >= pos) {
    areas.back().size = std::max(areas.back().end(), pos + size) - areas.back().pos;
    return;
  }
  if (areas.size() < kMaxAreas) areas.push_back({pos, size});
}

class Verifier {
 public:
  Verifier(Device& source, const std::string& image_path, Millis timeout, VerifyResult& r)
      : source_(source),
        image_path_(image_path),
        timeout_(timeout),
        r_(r),
        ss_(source.identity().logical_sector_size),
        chunk_sectors_(std::max<std::int64_t>(
            1, std::min<std::int64_t>(kChunkBytes / ss_, source.identity().max_transfer_sectors))),
        source_buf_(static_cast<std::size_t>(chunk_sectors_ * ss_)),
        image_buf_(static_cast<std::size_t>(chunk_sectors_ * ss_)) {
    fd_.reset(::open(image_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_.valid())
      throw std::runtime_error(fmt::format("cannot open image '{}': {}", image_path, std::strerror(errno)));
  }

  /// Compares [p, q), which lies within sectors [first, first + count).
  /// Returns false if the source is gone.
  bool compare_span(std::int64_t p, std::int64_t q) {
    const std::int64_t first = p / ss_;
    const std::int64_t last = (q + ss_ - 1) / ss_;
    const ReadOutcome out = read(first, last - first);
    if (out.status == ReadStatus::kDeviceGone) return false;
    if (!out.ok()) {
      if (last - first == 1) {
        r_.unreadable_bytes += q - p;
        add_area(r_.unreadable_areas, first * ss_, ss_);
        return recover(out);
      }
      if (!recover(out)) return false;
      // Find which sectors fail now, one at a time.
      for (std::int64_t s = first; s < last; ++s)
        if (!compare_span(std::max(p, s * ss_), std::min(q, (s + 1) * ss_))) return false;
      return true;
    }
    compare_bytes(p, q, first);
    return true;
  }

 private:
  ReadOutcome read(std::int64_t first, std::int64_t count) {
    ReadOutcome r = source_.read(static_cast<Lba>(first), static_cast<std::uint32_t>(count), source_buf_.span(),
                                 timeout_);
    source_data_ = r.data_or(source_buf_.span());
    return r;
  }

  /// After a failed read: a hung drive gets the reset ladder's mildest steps.
  bool recover(const ReadOutcome& out) {
    if (out.status == ReadStatus::kDeviceGone) return false;
    if (!out.needs_reset) return true;
    for (ResetKind k : {ResetKind::kSoft, ResetKind::kDevice, ResetKind::kBus})
      if (source_.reset(k).ok) return true;
    return false;
  }

  void compare_bytes(std::int64_t p, std::int64_t q, std::int64_t first) {
    const auto n = static_cast<std::size_t>(q - p);
    std::size_t got = 0;
    while (got < n) {
      const ssize_t k = ::pread(fd_.get(), image_buf_.data() + got, n - got, static_cast<off_t>(p) + static_cast<off_t>(got));
      if (k < 0 && errno == EINTR) continue;
      if (k < 0)
        throw std::runtime_error(fmt::format("cannot read image '{}' at byte {}: {}", image_path_,
                                             p + static_cast<std::int64_t>(got), std::strerror(errno)));
      if (k == 0) break;  // the image ends here
      got += static_cast<std::size_t>(k);
    }
    r_.compared_bytes += q - p;
    r_.missing_bytes += static_cast<std::int64_t>(n - got);
    const std::byte* src = source_data_ + (p - first * ss_);
    const std::byte* img = image_buf_.data();
    for (std::int64_t s = p; s < q;) {
      const std::int64_t e = std::min(q, (s / ss_ + 1) * ss_);  // to the end of s's sector
      const auto i = static_cast<std::size_t>(s - p), len = static_cast<std::size_t>(e - s);
      if (i + len <= got && std::memcmp(src + i, img + i, len) == 0) {
        s = e;
        continue;
      }
      std::int64_t diff = 0, first_diff = -1;
      for (std::size_t j = 0; j < len; ++j) {
        const bool differs = i + j >= got || src[i + j] != img[i + j];
        if (differs) {
          ++diff;
          if (first_diff < 0) first_diff = s + static_cast<std::int64_t>(j);
        }
      }
      if (diff > 0) {
        r_.differing_bytes += diff;
        ++r_.differing_sectors;
        if (!r_.first_difference) r_.first_difference = first_diff;
        add_area(r_.differing_areas, s / ss_ * ss_, ss_);
      }
      s = e;
    }
  }

  Device& source_;
  const std::string& image_path_;
  Millis timeout_;
  VerifyResult& r_;
  std::int64_t ss_;
  std::int64_t chunk_sectors_;
  AlignedBuffer source_buf_;
  /// Where the last read's sectors are: source_buf_ or the transport's own buffer.
  const std::byte* source_data_ = nullptr;
  AlignedBuffer image_buf_;
  UniqueFd fd_;
};

}  // namespace

std::int64_t bytes_to_verify(std::int64_t source_size, const MapFile* map) {
  std::int64_t total = 0;
  for (const Extent& e : ranges_to_verify(source_size, map)) total += e.size;
  return total;
}

VerifyResult verify_image(Device& source, const std::string& image_path, const MapFile* map,
                          Millis timeout, ProgressLine* progress, const std::atomic<bool>* stop) {
  VerifyResult r;
  r.sector_size = source.identity().logical_sector_size;
  const auto source_size = static_cast<std::int64_t>(source.identity().capacity_bytes());
  const std::vector<Extent> ranges = ranges_to_verify(source_size, map);
  if (map) {
    const std::int64_t covered = bytes_to_verify(source_size, map);
    r.skipped_bytes = std::max<std::int64_t>(0, std::min(source_size, map->end_pos()) -
                                                    std::max<std::int64_t>(0, map->begin_pos()) - covered);
  }
  Verifier v(source, image_path, timeout, r);
  const std::int64_t ss = r.sector_size;
  const std::int64_t chunk = std::max<std::int64_t>(
      ss, std::min<std::int64_t>(kChunkBytes / ss, source.identity().max_transfer_sectors) * ss);
  std::int64_t done = 0;
  for (const Extent& e : ranges) {
    for (std::int64_t p = e.pos; p < e.end();) {
      if (stop && stop->load()) {
        r.interrupted = true;
        if (progress) progress->finish(done);
        return r;
      }
      // Up to one chunk, ending on a sector boundary unless the range ends first.
      const std::int64_t q = std::min(e.end(), (p / ss) * ss + chunk);
      if (!v.compare_span(p, q)) {
        r.source_gone = true;
        if (progress) progress->finish(done);
        return r;
      }
      done += q - p;
      if (progress) progress->update(done);
      p = q;
    }
  }
  if (progress) progress->finish(done);
  return r;
}

}  // namespace ptrescue
