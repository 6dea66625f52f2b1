// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue's fatal read errors: a read of a file or block source that
// delivered nothing and failed with one of a few errnos says the source
// itself cannot be read (no permission, not a readable file, no memory),
// not that a sector is bad, so the run ends (exit 1) rather than marking
// the area failed; --continue-on-errno lists the ones to treat as failed
// reads instead. EINVAL (an unaligned read) always ends the run.
#pragma once

#include <optional>
#include <span>
#include <string>

namespace ptrescue {

/// Why a failed read with `sys_errno` that delivered nothing ends the run,
/// in ddrescue's words; nullopt if it is an ordinary failed read.
std::optional<std::string> fatal_read_error(int sys_errno, std::span<const int> continue_on_errno);

/// Whether --continue-on-errno lists `sys_errno`.
bool continues_on(int sys_errno, std::span<const int> continue_on_errno);

}  // namespace ptrescue
