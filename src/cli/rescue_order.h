// SPDX-License-Identifier: GPL-3.0-or-later
// `rescue --order`: the domain split into stages rescued one after the
// other (docs/FILES.md). `--order fs` takes the domain mapfiles `ptrescue
// plan` wrote beside the mapfile (metadata, then used, then free space);
// `--order A,B,...` takes any domain mapfiles in the order given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/mapfile/domain.h"
#include "src/mapfile/mapfile.h"

namespace ptrescue {

struct RescueStage {
  std::string path;  ///< the domain mapfile it comes from
  Domain domain;     ///< its '+' blocks within the run's range, less earlier stages'
};

/// The domain mapfiles `order` names: "fs" gives MAPFILE.metadata, .used,
/// .free; anything else is a comma-separated list of files.
std::vector<std::string> order_files(const std::string& order, const std::string& mapfile);

/// Loads the stages over [pos, pos + size) of a source of `source_size`
/// bytes. A byte is in the first stage that names it. Throws BadInputFile
/// (missing, malformed or planned for another size) with a one-line reason.
std::vector<RescueStage> load_rescue_stages(const std::string& order, const std::string& mapfile,
                                            std::int64_t source_size, std::int64_t pos, std::int64_t size);

/// Every byte of the stages, as one domain (for the preflight and the display).
Domain union_of(const std::vector<RescueStage>& stages, std::int64_t source_size);

}  // namespace ptrescue
