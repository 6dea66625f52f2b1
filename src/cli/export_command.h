// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue export IMAGE MAPFILE --format e01 OUT`, and the E01 that
// `rescue --e01 OUT` writes when its run ends (docs/EXPORT.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/cli/e01_options.h"
#include "src/cli/status_display.h"
#include "src/mapfile/mapfile.h"

namespace ptrescue {

int run_export_command(const std::vector<std::string>& args);

/// What `rescue --e01` knows when its run ends.
struct RescueExport {
  E01Choices choices;
  std::string image, mapfile;
  std::int64_t image_offset = 0;  ///< -o minus -i
  std::uint32_t sector_size = 512;
  std::string model, serial;      ///< as the source identified itself
  bool replace = false;           ///< -f
  StatusMode status = StatusMode::kPlain;
};

/// Before the rescue starts: refuses an existing set (without -f) now
/// rather than after hours of reading. Throws UsageError.
void check_rescue_export_target(const E01Choices& choices, bool replace);

/// Writes the E01 of the run's image and map. A second SIGINT / SIGTERM
/// during the export ends the process (the set is then not delivered).
E01Result export_after_rescue(const RescueExport& e, const MapFile& map);

}  // namespace ptrescue
