// SPDX-License-Identifier: GPL-3.0-or-later
// Every path a run reads or writes, checked against each other before
// anything is opened for writing. Two names collide when they reach the same
// file (same device and inode, through links and other spellings) or, for a
// file that does not exist yet, the same name in the same folder. A path the
// run writes may be no other path of the run: writing the source, the
// image's sidecar over the image, or the reads log over the mapfile would
// destroy data the run was told to keep.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace ptrescue {

/// One file a run touches, and in what role ("source", "image", "mapfile",
/// "mapfile's temporary file", "reads log", "hash sidecar", ...).
struct RunPath {
  std::string path;
  std::string role;
  bool written = false;  // opened for writing, created or replaced by the run
};

/// The first collision found: what() is one line naming both roles and paths.
class PathCollision : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws PathCollision when a written path is the same file as any other
/// path of the list. Two read-only paths may be the same file. Empty paths
/// are ignored (an option not given).
void check_run_paths(const std::vector<RunPath>& paths);

}  // namespace ptrescue
