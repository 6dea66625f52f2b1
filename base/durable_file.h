// SPDX-License-Identifier: GPL-3.0-or-later
// Replacing a file atomically and durably: the one way ptrescue writes every
// file it keeps (mapfile, head map, hash sidecars, reports). A reader, a
// crash or a power cut sees the old file or the new one, never a mix:
// write PATH.tmp in the same folder, fsync it, rename it over PATH, fsync the
// folder (rename(2) is atomic; the folder's fsync makes it durable).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ptrescue {

/// A durable replace that did not happen: PATH is as it was, and no
/// temporary file is left behind. what() names the step and the file.
class DurableWriteError : public std::runtime_error {
 public:
  DurableWriteError(const std::string& message, int err) : std::runtime_error(message), err_(err) {}
  /// The errno behind it (ENOSPC, EACCES, EIO, ...).
  int error_number() const { return err_; }

 private:
  int err_;
};

/// The file a write to `path` lands in: `path` itself, or, when it is a
/// symbolic link (of links), the file it finally names, which need not
/// exist yet. Replacing a link's target keeps the user's link.
std::string write_target_of(const std::string& path);

/// The temporary file replace_file_durably(path) writes first: the link
/// target's name plus ".tmp".
std::string temporary_path_for(const std::string& path);

/// Replaces `path` (through links) with `content`. Throws DurableWriteError.
/// `mode` applies to a file created anew.
void replace_file_durably(const std::string& path, std::string_view content, unsigned mode = 0666);

/// fsync()s the folder holding `path`, so that a rename or a creation in it
/// survives a crash. Throws DurableWriteError.
void sync_folder_of(const std::string& path);

}  // namespace ptrescue
