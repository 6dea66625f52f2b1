// SPDX-License-Identifier: GPL-3.0-or-later
// The head-aware scheduling options of `ptrescue rescue` (docs/HEADMAP.md).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "src/heads/latency_bands.h"
#include "transport/clock.h"

namespace ptrescue {

struct HeadOptions {
  /// Where the head map comes from (--head-map).
  enum class MapSource {
    kInfer,  ///< The default: MAPFILE.headmap if an earlier run wrote one, else inferred from errors.
    kNone,   ///< Plain ddrescue scheduling, read for read.
    kFile,   ///< A file the user gives.
    kSim,    ///< The simulated source's true geometry (sim: sources only).
  };
  MapSource source = MapSource::kInfer;
  std::string map_path;                  ///< kFile
  std::map<int, Millis> timeouts;        ///< --head-timeout H=DUR: per-command timeout on head H
  std::map<int, int> retries;            ///< --head-retries H=N: retry passes for head H's bad sectors
  std::vector<int> skip;                 ///< --skip-head H: never read head H
  std::vector<int> order;                ///< --head-order: the order weak heads are read in
  /// rescue --analyze: the good reads of the triage run first (src/triage),
  /// timed; they seed the inference from read times before pass 1 begins.
  bool analyze = false;
  std::vector<TimedRead> latency_seed;
};

/// Parses the --head-* option texts into `o`; each argument may be empty
/// (not given). Throws UsageError naming the option for bad input:
///   map       "none", "sim", "infer" or a file name
///   timeouts  "H=DUR[,H=DUR...]"     retries  "H=N[,H=N...]"
///   skip      "H[,H...]"              order    "H[,H...]"
void parse_head_options(HeadOptions& o, const std::string& map, const std::string& timeouts,
                        const std::string& retries, const std::string& skip, const std::string& order);

}  // namespace ptrescue
