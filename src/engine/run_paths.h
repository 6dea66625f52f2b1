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
  /// Compared with the others by name (its folder and its name there), as
  /// ddrescue compares MAPFILE.bak: the run unlinks such a name before it
  /// writes it, so a hard link it may share with another path is no
  /// collision (a mapfile and its backup share one between the two steps of
  /// a save).
  bool by_name = false;
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
