// SPDX-License-Identifier: GPL-3.0-or-later
// Reading a whole file into memory: the one way ptrescue reads its own and
// the user's small text files (profiles, head maps, sidecars, sysfs
// attributes). Errors name the file and say what it is when it is not a
// regular file, so a directory given for a file reads "is a directory".
#pragma once

#include <stdexcept>
#include <string>

namespace ptrescue {

/// A file that could not be read: what() is "PATH: reason".
class FileReadError : public std::runtime_error {
 public:
  FileReadError(const std::string& path, const std::string& reason, int err);
  /// The errno behind it (ENOENT, EISDIR, EACCES, ...).
  int error_number() const { return err_; }

 private:
  int err_;
};

/// The bytes of `path`, whole. Throws FileReadError. Pipes and character
/// devices (sysfs attributes, /dev/stdin) are read to their end too.
std::string read_whole_file(const std::string& path);

/// True when `path` exists (as anything, a dangling link included).
bool path_exists(const std::string& path);

}  // namespace ptrescue
