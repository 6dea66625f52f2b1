// SPDX-License-Identifier: GPL-3.0-or-later
// Builds the head-aware scheduling of a `ptrescue rescue` run from its
// options: where the head map comes from (inferred by default, an earlier
// run's MAPFILE.headmap, a file, the simulator) and the domain without the
// heads the user skips.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "src/mapfile/domain.h"
#include "src/heads/head_options.h"
#include "src/heads/head_scheduler.h"
#include "src/mapfile/mapfile.h"
#include "src/engine/rescue_options.h"
#include "transport/device.h"

namespace ptrescue {

/// A head map file that cannot be used: "head map 'PATH': line N: reason" (exit 2).
class HeadMapFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct HeadSetup {
  std::unique_ptr<HeadScheduler> scheduler;  ///< null with --head-map none
  std::optional<Domain> domain;              ///< the domain without skipped heads, if any are
};

/// `source` is the opened drive before any -H wrapper (for --head-map sim).
/// Throws HeadMapFileError, or UsageError for options that cannot apply.
HeadSetup setup_head_scheduling(const HeadOptions& options, const std::string& mapfile_path, const Device& source,
                                const MapFile& map, const Domain& domain, const RescueOptions& rescue_options);

/// The domain without (keep == false) or with only (keep == true) the areas
/// of the heads in `mask` (bit h = head h); `ss` is the sector size.
Domain domain_by_heads(const Domain& d, const HeadMap& map, std::uint64_t mask, bool keep, std::int64_t ss);

/// MAPFILE.headmap: where an inferred head map is kept beside the mapfile.
std::string head_map_path_for(const std::string& mapfile_path);

}  // namespace ptrescue
