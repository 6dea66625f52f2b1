// SPDX-License-Identifier: GPL-3.0-or-later
// Runs an outside program (fls, istat, fsstat) and collects what it prints.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace ptrescue {

/// A program that could not be started, or ended with a failure: what()
/// names it and carries the first line of its stderr.
class ProgramFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Runs argv (argv[0] looked up on PATH), stdin /dev/null, and returns its
/// stdout. Throws ProgramFailed when it cannot start or exits non-zero.
std::string program_output(const std::vector<std::string>& argv);

}  // namespace ptrescue
