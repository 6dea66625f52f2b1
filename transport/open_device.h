// Turns what the user typed as SOURCE into a Device: "sim:NAME" or
// "sim:PROFILE.json" is the simulated drive, anything else a file or block
// device read through the kernel (pass-through transports come here too).
#pragma once

#include <memory>
#include <string>

#include "transport/device.h"

namespace ptrescue {

struct SourceOptions {
  bool direct = false;             ///< O_DIRECT for file/block sources.
  std::uint32_t sector_size = 0;   ///< -b override; 0 = the device's.
};

/// Throws std::runtime_error with a one-line reason if it cannot be opened.
std::unique_ptr<Device> open_source(const std::string& spec, const SourceOptions& options);

}  // namespace ptrescue
