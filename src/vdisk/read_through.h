// SPDX-License-Identifier: GPL-3.0-or-later
// One read of the virtual disk: rescued sectors from the image, the others
// from the drive (each command bounded by the deadline), written to the
// image, image synced, mapfile saved durably, then served. A sector that
// fails is marked '-' and not read again; the read then fails with EIO, or
// the sector is served as zeros or a marker (--fuse-fill).
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "src/engine/image_file.h"
#include "src/heads/head_scheduler.h"
#include "src/engine/rescue_observer.h"
#include "src/mapfile/mapfile.h"
#include "src/mapfile/mapfile_store.h"
#include "transport/device.h"

namespace ptrescue {

enum class FailedSectorFill { kError, kZero, kPattern };

struct ReadThroughOptions {
  Millis timeout{30000};  ///< Per drive command.
  FailedSectorFill fill = FailedSectorFill::kError;
  std::uint32_t max_sectors_per_command = 256;
  /// Climbed when a command leaves the drive not answering, as `rescue`'s
  /// --reset; none answering ends the drive's reads for the run.
  std::vector<ResetKind> reset_ladder{ResetKind::kSoft, ResetKind::kDevice, ResetKind::kBus};
};

struct ReadThroughCounts {
  std::uint64_t requests = 0;
  std::uint64_t from_image_bytes = 0;
  std::uint64_t from_drive_bytes = 0;
  std::uint64_t failed_sectors = 0;
  std::uint64_t given_up_bytes = 0;  ///< left non-trimmed: too many failed reads to narrow down
};

class ReadThrough {
 public:
  /// Failed reads one command of the tools' may cost, its narrowing included.
  static constexpr int kFailedReadsPerCommand = 9;  // one bad sector in 256 found: 256, 128, ..., 1
  /// `map` and `wanted` (same size as the device) are saved through their
  /// stores after every change. Throws std::runtime_error if the image
  /// cannot be opened for reading.
  ReadThrough(Device& device, ImageFile& image, MapFile& map, MapFileStore& map_store, MapFile& wanted,
              MapFileStore& wanted_store, ReadThroughOptions options);

  /// Fills `out` with the bytes at `pos` (clipped to the disk's end) and
  /// returns how many, or -errno (EIO for a failed sector in kError mode).
  long read(std::int64_t pos, std::span<std::byte> out);

  std::int64_t size() const { return size_; }
  const ReadThroughCounts& counts() const { return counts_; }
  /// Told of every drive command and reset (a reads log: `plan --log-reads`;
  /// SMART snapshots and stop rules: `mount --smart`), in the order added.
  void add_observer(RescueObserver* observer) { observers_.push_back(observer); }
  void remove_observers() { observers_.clear(); }
  /// Once `*stop` is raised (a SMART stop rule fired) the drive is not read
  /// again: rescued sectors are still served, the others fail or are filled.
  void set_stop(const std::atomic<bool>* stop) { stop_ = stop; }
  /// The head map's --head-timeout per command (the weak head's short
  /// deadline); may be null: every command gets ReadThroughOptions::timeout.
  void set_head_timeouts(const HeadScheduler* heads) { heads_ = heads; }

 private:
  bool fetch_from_drive(std::int64_t first, std::int64_t end);  // sector-aligned bytes
  bool read_sectors(Lba lba, std::uint32_t count, int& failures_left);
  /// After a failed command of `count` sectors at `lba`: around the sector
  /// the drive named bad, or each half, within `failures_left`.
  void read_around_failure(Lba lba, std::uint32_t count, const ReadOutcome& r, int& failures_left);
  /// Marks [pos, pos + size) non-trimmed, not to be read again this run.
  void give_up(std::int64_t pos, std::int64_t size);
  bool climb_reset_ladder();
  void mark(std::int64_t pos, std::int64_t size, BlockStatus status);
  void save_map();
  bool serve(std::int64_t pos, std::span<std::byte> out);

  Device& device_;
  ImageFile& image_;
  UniqueFd image_reader_;
  MapFile& map_;
  MapFileStore& map_store_;
  MapFile& wanted_;
  MapFileStore& wanted_store_;
  ReadThroughOptions options_;
  std::int64_t size_ = 0;
  std::uint32_t sector_ = 512;
  bool gone_ = false;
  MapFile given_up_;  ///< '+' = gave up on it this run (left '*' in the mapfile)
  ReadThroughCounts counts_;
  std::vector<RescueObserver*> observers_;
  const std::atomic<bool>* stop_ = nullptr;
  const HeadScheduler* heads_ = nullptr;
};

}  // namespace ptrescue
