// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/virtual_disk_run.h"

#include <fmt/format.h>

#include "src/cli/open_device.h"
#include "src/cli/subcommand_args.h"
#include "src/engine/block_topology.h"
#include "src/engine/preflight.h"
#include "src/engine/run_paths.h"

namespace ptrescue {
namespace {

// The mapfile as stored, or a new one of `size` bytes not tried.
MapFile load_or_new(MapFileStore& store, std::int64_t size, const char* what) {
  std::optional<MapFile> m;
  try {
    m = store.load();
  } catch (const MalformedMapFile& e) {
    throw BadInputFile(e.what());
  }
  if (!m) return MapFile(size);
  if (m->begin_pos() != 0 || m->end_pos() != size)
    throw BadInputFile(fmt::format("{} '{}' covers bytes {} to {}, the source has {}", what, store.path(),
                                   m->begin_pos(), m->end_pos(), size));
  return std::move(*m);
}

const std::string& checked(const std::string& source, const std::string& image, const std::string& mapfile,
                           const std::string& wanted, bool force) {
  check_run_paths({{source, "source", false},
                   {image, "image", true},
                   {mapfile, "mapfile", true},
                   {wanted, "wanted mapfile", true}});
  enforce_source_check(source, force, BlockTopology(), stderr);
  return mapfile;
}

}  // namespace

VirtualDiskRun::VirtualDiskRun(const std::string& source, const std::string& image, const std::string& mapfile,
                               const std::string& wanted_path, bool force, const ReadThroughOptions& options,
                               const HeadOptions& heads)
    : lock_(checked(source, image, mapfile, wanted_path, force)),
      device_(open_source(source, SourceOptions{})),
      map_store_(mapfile),
      wanted_store_(wanted_path) {
  const auto size = static_cast<std::int64_t>(device_->identity().capacity_bytes());
  image_.emplace(image, ImageFileOptions{.size = size});
  lock_image(image_->fd(), image);
  map_ = load_or_new(map_store_, size, "mapfile");
  wanted_ = load_or_new(wanted_store_, size, "wanted mapfile");
  disk_ = std::make_unique<ReadThrough>(*device_, *image_, map_, map_store_, wanted_, wanted_store_, options);
  // The head map as `rescue` finds it (MAPFILE.headmap of an earlier run,
  // inferred from the mapfile, a file, the simulator): its weak head's reads
  // get their --head-timeout.
  heads_ = setup_head_scheduling(heads, mapfile, *device_, map_, Domain(0, size), RescueOptions{});
  disk_->set_head_timeouts(heads_.scheduler.get());
}

}  // namespace ptrescue
