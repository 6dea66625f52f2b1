// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/cli/open_device.h"

#include <stdexcept>

#include <fmt/format.h>

#include "transport/file_device.h"
#include "transport/sim/simulated_device.h"

namespace ptrescue {

std::unique_ptr<Device> open_source(const std::string& spec, const SourceOptions& options) {
  return open_source_with_notes(spec, options).device;
}

OpenedSource open_source_with_notes(const std::string& spec, const SourceOptions& options) {
  OpenedSource opened;
  if (spec.rfind("sim:", 0) == 0) {
    auto dev = open_simulated_device(spec.substr(4));
    if (options.sector_size != 0 && options.sector_size != dev->identity().logical_sector_size)
      throw std::runtime_error(fmt::format(
          "--sector-size {} does not match the simulated drive's {} byte sectors",
          options.sector_size, dev->identity().logical_sector_size));
    // The simulated drive models SCT ERC too: --erc caps its retries.
    if (options.pass_through.erc) {
      dev->set_error_recovery_limit(*options.pass_through.erc);
      opened.notes.push_back(fmt::format("--erc: the simulated drive's error recovery limit is {} ms",
                                         options.pass_through.erc->count()));
    }
    opened.device = std::move(dev);
    return opened;
  }
  SysIo& io = options.io != nullptr ? *options.io : LinuxSysIo::instance();
  opened.device = open_device_node(io, spec, options.transport, options.pass_through,
                                   FileDeviceOptions{options.direct, options.sector_size}, opened.notes);
  const DeviceIdentity& id = opened.device->identity();
  if (id.transport != "file" && id.transport != "block" && options.sector_size != 0 &&
      options.sector_size != id.logical_sector_size)
    throw std::runtime_error(fmt::format(
        "--sector-size {} does not match the drive's {} byte sectors (pass-through reads whole sectors)",
        options.sector_size, id.logical_sector_size));
  opened.settings = dynamic_cast<DriveSettings*>(opened.device.get());
  if (opened.settings == nullptr && (options.pass_through.erc || options.pass_through.dsense))
    opened.notes.push_back(fmt::format("{} ignored: {} is read through the {} layer, not a pass-through transport",
                                       options.pass_through.erc && options.pass_through.dsense ? "--erc and --dsense"
                                       : options.pass_through.erc                              ? "--erc"
                                                                                               : "--dsense",
                                       spec, id.transport == "file" ? "file" : "block"));
  return opened;
}

}  // namespace ptrescue
