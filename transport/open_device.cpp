#include "transport/open_device.h"

#include <stdexcept>

#include <fmt/format.h>

#include "transport/file_device.h"
#include "transport/simulated_device.h"

namespace ptrescue {

std::unique_ptr<Device> open_source(const std::string& spec, const SourceOptions& options) {
  if (spec.rfind("sim:", 0) == 0) {
    auto dev = open_simulated_device(spec.substr(4));
    if (options.sector_size != 0 && options.sector_size != dev->identity().logical_sector_size)
      throw std::runtime_error(fmt::format(
          "--sector-size {} does not match the simulated drive's {} byte sectors",
          options.sector_size, dev->identity().logical_sector_size));
    return dev;
  }
  return FileDevice::open(spec, FileDeviceOptions{options.direct, options.sector_size});
}

}  // namespace ptrescue
