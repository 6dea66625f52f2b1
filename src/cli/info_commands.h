// SPDX-License-Identifier: GPL-3.0-or-later
// The small subcommands around `rescue`: demo and identify.
#pragma once

#include <string>
#include <vector>

namespace ptrescue {

/// `ptrescue demo [--json] [--quiet]`: rescues the built-in simulated failing
/// drive into a fresh temporary folder and says where the results are.
int run_demo_command(const std::vector<std::string>& args);

/// `ptrescue identify SOURCE [--json]`.
int run_identify_command(const std::vector<std::string>& args);

}  // namespace ptrescue
