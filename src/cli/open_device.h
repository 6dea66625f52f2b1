// SPDX-License-Identifier: GPL-3.0-or-later
// Turns what the user typed as SOURCE into a Device: "sim:NAME" or
// "sim:PROFILE.json" is the simulated drive, anything else a file or block
// device: a pass-through transport (SAT, SCSI, NVMe) where the node has one,
// else the kernel's block layer (transport/transport_detect.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "transport/device.h"
#include "transport/drive_settings.h"
#include "transport/pass_through_options.h"
#include "transport/sys_io.h"
#include "transport/transport_detect.h"

namespace ptrescue {

struct SourceOptions {
  bool direct = false;             ///< O_DIRECT for file/block sources.
  std::uint32_t sector_size = 0;   ///< -b override; 0 = the device's.
  /// --transport for device nodes (transport/transport_detect.h).
  TransportChoice transport = TransportChoice::kAuto;
  /// --erc, --dsense, --limited-retry, --power-cycle-cmd and the lookups.
  PassThroughOptions pass_through;
  SysIo* io = nullptr;             ///< The kernel seam; null = LinuxSysIo.
};

/// A source and what comes with it.
struct OpenedSource {
  std::unique_ptr<Device> device;
  /// The device's volatile drive settings (pass-through sources); owned by
  /// `device`, null for files, block devices and the simulator.
  DriveSettings* settings = nullptr;
  /// What the user should know about how it was opened (transport chosen
  /// and why, settings applied or unsupported).
  std::vector<std::string> notes;
};

/// Throws std::runtime_error with a one-line reason if it cannot be opened.
std::unique_ptr<Device> open_source(const std::string& spec, const SourceOptions& options);
/// The same, with the device's settings and the notes about opening it.
OpenedSource open_source_with_notes(const std::string& spec, const SourceOptions& options);

}  // namespace ptrescue
