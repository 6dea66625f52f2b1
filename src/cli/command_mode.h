// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue's --command-mode: copy parts of the source on demand, one
// command per line of standard input (c POS SIZE, s POS SIZE, u, f, q), each
// answered on standard output with "done" or "error...". Positions are the
// source's, numbers read as C's strtoll with base 0 (ddrescue's "%lli").
#pragma once

#include <cstdio>
#include <istream>

#include "src/engine/image_file.h"
#include "src/engine/rescue_engine.h"
#include "src/mapfile/domain.h"
#include "src/mapfile/mapfile.h"
#include "transport/device.h"

namespace ptrescue {

struct CommandModeSetup {
  Device& source;
  ImageFile& image;
  MapFile& map;
  const Domain& domain;
  const RescueOptions& options;
  SaveMap save;  ///< u and f: the image is synced first
};

/// Runs commands from `in` until f, q or end of input (which is f).
/// Returns ddrescue's status: 0, or 1 after an unknown command or a failed
/// mapfile save; a vanished source ends the run with "error: ...", status 1.
int run_command_mode(const CommandModeSetup& s, std::istream& in, std::FILE* out);

}  // namespace ptrescue
