// SPDX-License-Identifier: GPL-3.0-or-later
// The subcommands that work on an image after (or between) rescues:
// `hash`, `verify` and `fill`. Each returns the process exit status.
#pragma once

#include <string>
#include <vector>

namespace ptrescue {

/// verify: the image differs from the source (exit_codes.h keeps 0-5).
inline constexpr int kExitVerifyDifferent = 6;
/// verify: nothing differs, but some sectors could not be read from the source now.
inline constexpr int kExitVerifyIncomplete = 7;

/// `ptrescue hash IMAGE [--hash LIST] [--mapfile MAPFILE] [--json] [-q]`.
int run_hash_command(const std::vector<std::string>& args);
/// `ptrescue verify SOURCE IMAGE [MAPFILE] [--json] [-q] [-b N] [-d] [--timeout DUR]`.
int run_verify_command(const std::vector<std::string>& args);
/// `ptrescue fill IMAGE MAPFILE [--types ?*/-] [--text TEXT] [-b N] [-f] [--json] [-q]`.
int run_fill_command(const std::vector<std::string>& args);

}  // namespace ptrescue
