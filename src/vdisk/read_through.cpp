// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/vdisk/read_through.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "transport/aligned_buffer.h"

namespace ptrescue {
namespace {

const std::vector<std::string> kMapComments = {"Mapfile. Created by ptrescue mount (virtual disk)"};
const std::vector<std::string> kWantedComments = {
    "Domain mapfile: '+' = ranges read through ptrescue mount; 'ptrescue rescue -m' of it finishes them"};

}  // namespace

ReadThrough::ReadThrough(Device& device, ImageFile& image, MapFile& map, MapFileStore& map_store, MapFile& wanted,
                         MapFileStore& wanted_store, ReadThroughOptions options)
    : device_(device), image_(image), map_(map), map_store_(map_store), wanted_(wanted),
      wanted_store_(wanted_store), options_(options) {
  size_ = static_cast<std::int64_t>(device.identity().capacity_bytes());
  given_up_ = MapFile(size_);
  sector_ = device.identity().logical_sector_size;
  options_.max_sectors_per_command =
      std::max<std::uint32_t>(1, std::min(options_.max_sectors_per_command, device.identity().max_transfer_sectors));
  image_reader_.reset(::open(image.path().c_str(), O_RDONLY | O_CLOEXEC));
  if (!image_reader_.valid())
    throw std::runtime_error(fmt::format("cannot read image '{}': {}", image.path(), std::strerror(errno)));
}

void ReadThrough::save_map() {
  // The image is synced before the map may say '+' (ImageFile::sync).
  image_.sync();
  map_store_.save(map_, kMapComments);
}

void ReadThrough::mark(std::int64_t pos, std::int64_t size, BlockStatus status) { map_.set_status(pos, size, status); }

// One drive command for `count` sectors at `lba`. On failure the bad
// sectors are narrowed down while `failures_left` lasts: around the sector
// the drive names, else by halves. Once it is spent, a failing piece is
// marked non-trimmed and given up for this run (a piece still waiting is
// read once, not narrowed), so a dense bad area costs a few failed reads, not
// one per sector: a dying drive's life is counted in them, and `rescue`
// trims the area later. Returns false when any sector failed.
bool ReadThrough::read_sectors(Lba lba, std::uint32_t count, int& failures_left) {
  const std::int64_t pos = static_cast<std::int64_t>(lba) * sector_;
  if (gone_ || (stop_ != nullptr && stop_->load())) return false;
  AlignedBuffer buffer(static_cast<std::size_t>(count) * sector_);
  const Millis timeout = heads_ != nullptr ? heads_->timeout_for(pos, options_.timeout) : options_.timeout;
  const ReadOutcome r = device_.read(lba, count, buffer.span(), timeout);
  for (RescueObserver* o : observers_)
    o->on_read(ReadEvent{.phase = Phase::kCopying,
                         .pos = pos,
                         .size = static_cast<std::int64_t>(buffer.size()),
                         .copied = r.ok() ? static_cast<std::int64_t>(buffer.size()) : 0,
                         .outcome = &r,
                         .timeout = timeout});
  if (r.ok()) {
    image_.write(pos, std::span<const std::byte>(r.data_or(buffer.span()), buffer.size()));
    mark(pos, buffer.size(), BlockStatus::kFinished);
    counts_.from_drive_bytes += buffer.size();
    return true;
  }
  if (r.needs_reset && !climb_reset_ladder()) gone_ = true;
  if (r.status == ReadStatus::kDeviceGone) gone_ = true;
  if (gone_) return false;  // Nothing more is read this run; the map keeps what it had.
  --failures_left;
  if (count == 1) {
    mark(pos, sector_, BlockStatus::kBadSector);
    ++counts_.failed_sectors;
    return false;
  }
  // A command that timed out is not narrowed down: every narrowing read of
  // a hung sector would cost the whole deadline and a reset again.
  if (failures_left <= 0 || r.status == ReadStatus::kTimeout) {
    give_up(pos, static_cast<std::int64_t>(count) * sector_);
    return false;
  }
  read_around_failure(lba, count, r, failures_left);
  return false;
}

void ReadThrough::read_around_failure(Lba lba, std::uint32_t count, const ReadOutcome& r, int& failures_left) {
  if (r.status == ReadStatus::kMediaError && r.error_lba && *r.error_lba >= lba && *r.error_lba < lba + count) {
    // The drive named the bad sector: the ones before it and after it are
    // read as one command each.
    const Lba bad = *r.error_lba;
    mark(static_cast<std::int64_t>(bad) * sector_, sector_, BlockStatus::kBadSector);
    ++counts_.failed_sectors;
    if (bad > lba) read_sectors(lba, static_cast<std::uint32_t>(bad - lba), failures_left);
    if (bad + 1 < lba + count) read_sectors(bad + 1, static_cast<std::uint32_t>(lba + count - bad - 1), failures_left);
    return;
  }
  const std::uint32_t half = count / 2;
  read_sectors(lba, half, failures_left);
  read_sectors(lba + half, count - half, failures_left);
}

void ReadThrough::give_up(std::int64_t pos, std::int64_t size) {
  mark(pos, size, BlockStatus::kNonTrimmed);
  given_up_.set_status(pos, size, BlockStatus::kFinished);
  counts_.given_up_bytes += static_cast<std::uint64_t>(size);
}

bool ReadThrough::climb_reset_ladder() {
  for (ResetKind kind : options_.reset_ladder) {
    const ResetOutcome reset = device_.reset(kind);
    for (RescueObserver* o : observers_) o->on_reset(kind, reset);
    if (reset.ok) return true;
  }
  return false;
}

// Reads the sectors of [first, end) the map does not say are '+' or '-'.
bool ReadThrough::fetch_from_drive(std::int64_t first, std::int64_t end) {
  bool changed = false;
  std::int64_t pos = first;
  while (pos < end) {
    const MapBlock b = map_.block_at(pos);
    const std::int64_t run_end = std::min(end, b.end());
    if (b.status != BlockStatus::kFinished && b.status != BlockStatus::kBadSector) {
      for (std::int64_t p = pos; p < run_end;) {
        const MapBlock gave_up = given_up_.block_at(p);
        const std::int64_t piece_end = std::min(run_end, gave_up.end());
        if (gave_up.status == BlockStatus::kFinished) {  // failed earlier this run: not again
          p = piece_end;
          continue;
        }
        const auto n = static_cast<std::uint32_t>(
            std::min<std::int64_t>((piece_end - p) / sector_, options_.max_sectors_per_command));
        int failures_left = kFailedReadsPerCommand;
        read_sectors(static_cast<Lba>(p / sector_), n, failures_left);
        changed = true;
        p += static_cast<std::int64_t>(n) * sector_;
      }
    }
    pos = run_end;
  }
  if (changed) save_map();
  return changed;
}

// Copies [pos, pos + out.size()) from the image, or the fill for sectors
// that are not '+'. False when one is not '+' and the fill is an error.
bool ReadThrough::serve(std::int64_t pos, std::span<std::byte> out) {
  std::int64_t at = pos;
  const std::int64_t end = pos + static_cast<std::int64_t>(out.size());
  while (at < end) {
    const MapBlock b = map_.block_at(at);
    const std::int64_t run_end = std::min(end, b.end());
    std::byte* dst = out.data() + (at - pos);
    const auto len = static_cast<std::size_t>(run_end - at);
    if (b.status == BlockStatus::kFinished) {
      std::size_t done = 0;
      while (done < len) {
        const ssize_t n = ::pread(image_reader_.get(), dst + done, len - done, at + static_cast<std::int64_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      std::fill(dst + done, dst + len, std::byte{0});  // A sparse image's tail.
      counts_.from_image_bytes += len;
    } else if (options_.fill == FailedSectorFill::kError) {
      return false;
    } else {
      // The marker: "BAD SECTOR " repeated, so a reader of the file sees why.
      static constexpr std::string_view kMarker = "PTRESCUE BAD SECTOR ";
      for (std::size_t i = 0; i < len; ++i)
        dst[i] = options_.fill == FailedSectorFill::kZero
                     ? std::byte{0}
                     : static_cast<std::byte>(kMarker[static_cast<std::size_t>(at + static_cast<std::int64_t>(i)) % kMarker.size()]);
    }
    at = run_end;
  }
  return true;
}

long ReadThrough::read(std::int64_t pos, std::span<std::byte> out) {
  ++counts_.requests;
  if (pos < 0) return -EINVAL;
  if (pos >= size_ || out.empty()) return 0;
  out = out.first(static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(out.size()), size_ - pos)));
  const std::int64_t first = pos / sector_ * sector_;
  const std::int64_t end = std::min(size_, (pos + static_cast<std::int64_t>(out.size()) + sector_ - 1) / sector_ * sector_);
  try {
    // What was asked for joins the wanted domain first: a run stopped during
    // the drive's read still names it.
    if (wanted_.status_at(first) != BlockStatus::kFinished || wanted_.block_at(first).end() < end) {
      wanted_.set_status(first, end - first, BlockStatus::kFinished);
      wanted_store_.save(wanted_, kWantedComments);
    }
    fetch_from_drive(first, end);
  } catch (const std::exception&) {
    return -EIO;  // The image or a mapfile could not be written: nothing is served unrecorded.
  }
  return serve(pos, out) ? static_cast<long>(out.size()) : -EIO;
}

}  // namespace ptrescue
