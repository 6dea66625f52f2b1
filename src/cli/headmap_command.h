// SPDX-License-Identifier: GPL-3.0-or-later
// `ptrescue headmap infer|show` and `ptrescue sim replay|testmap|ceiling`
// (docs/HEADMAP.md).
#pragma once

#include <string>
#include <vector>

namespace ptrescue {

int run_headmap_command(const std::vector<std::string>& args);
int run_sim_command(const std::vector<std::string>& args);

}  // namespace ptrescue
