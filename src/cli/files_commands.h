// SPDX-License-Identifier: GPL-3.0-or-later
// The file-level subcommands (docs/FILES.md): `files` (which files are
// damaged) and `mount` (the virtual disk). Each returns the exit status.
#pragma once

#include <string>
#include <vector>

#include "src/files/damaged_files.h"

namespace ptrescue {

/// `ptrescue files IMAGE MAPFILE [--json]`.
int run_files_command(const std::vector<std::string>& args);

/// `ptrescue mount SOURCE IMAGE MAPFILE MOUNTPOINT [options]`.
int run_mount_command(const std::vector<std::string>& args);

/// `ptrescue plan SOURCE IMAGE MAPFILE [options]`.
int run_plan_command(const std::vector<std::string>& args);

/// The damaged files as text lines ("  /dir/f  4096 of 100000 bytes missing"),
/// for `files` and for `report --files IMAGE`.
std::string render_damaged_files_text(const std::vector<VolumeFiles>& volumes, bool list_intact);

}  // namespace ptrescue
