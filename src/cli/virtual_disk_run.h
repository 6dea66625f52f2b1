// SPDX-License-Identifier: GPL-3.0-or-later
// What `mount` and `plan` both hold while the virtual disk runs: the locks,
// the source opened as `rescue` opens it, the image, the mapfile and the
// wanted domain mapfile, and the ReadThrough over them.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "src/engine/head_setup.h"
#include "src/engine/image_file.h"
#include "src/engine/run_lock.h"
#include "src/mapfile/mapfile_store.h"
#include "src/vdisk/read_through.h"
#include "transport/device.h"

namespace ptrescue {

class VirtualDiskRun {
 public:
  /// Checks the paths, takes the locks, opens everything. `wanted_path`
  /// receives every range read. Throws (BadInputFile, RunLocked,
  /// std::runtime_error) with a one-line reason.
  VirtualDiskRun(const std::string& source, const std::string& image, const std::string& mapfile,
                 const std::string& wanted_path, bool force, const ReadThroughOptions& options,
                 const HeadOptions& heads = {});

  ReadThrough& disk() { return *disk_; }
  Device& device() { return *device_; }
  const MapFile& map() const { return map_; }
  const MapFile& wanted() const { return wanted_; }
  std::int64_t size() const { return disk_->size(); }

 private:
  MapFileLock lock_;
  std::unique_ptr<Device> device_;
  std::optional<ImageFile> image_;
  MapFileStore map_store_, wanted_store_;
  MapFile map_, wanted_;
  std::unique_ptr<ReadThrough> disk_;
  HeadSetup heads_;  ///< --head-map / --head-timeout: per-head deadlines
};

}  // namespace ptrescue
