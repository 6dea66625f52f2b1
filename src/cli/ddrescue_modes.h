// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue's two modes besides rescue (its manual, "Fill mode" and
// "Generate mode"), reached with -F and -G on `ptrescue rescue`.
#pragma once

#include "src/cli/cli_options.h"

namespace ptrescue {

/// -F TYPES: writes SOURCE's data (read once from its start, repeated to
/// fill a cluster) over the image's blocks whose status in MAPFILE is one
/// of TYPES. Reads only within the mapfile (-F implies -C); the mapfile is
/// only read. Returns the exit status.
int run_fill_mode(const RescueCommandLine& cl);

/// -G: writes MAPFILE from a partial copy: every sector of the image that is
/// not all zeros becomes finished, the rest stays non-tried. An existing
/// MAPFILE keeps its other statuses; only its non-tried areas are examined.
int run_generate_mode(const RescueCommandLine& cl, const std::string& command_line);

}  // namespace ptrescue
