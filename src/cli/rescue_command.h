// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue rescue`: wires the source, the mapfile, the image, the status
// display and the engine together (the composition root), and turns how the
// run ended into a message and an exit status.
#pragma once

#include <string>
#include <vector>

namespace ptrescue {

/// Runs `ptrescue rescue ARGS...`; returns the exit status. Prints errors as
/// one line "ptrescue: ..." on stderr.
int run_rescue_command(const std::vector<std::string>& args, const std::string& command_line);

}  // namespace ptrescue
