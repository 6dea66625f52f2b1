// SPDX-License-Identifier: GPL-3.0-or-later
// Messages on their way to the terminal: a bad file's bytes end up in an
// error message (a parser quoting what it read), and raw control bytes
// there could move the cursor, clear the screen or hide the message.
#pragma once

#include <string>
#include <string_view>

namespace ptrescue {

/// `text` with every byte that is not printable ASCII or part of a valid
/// UTF-8 printable character written as \xNN, and cut after about
/// `max_bytes` (then "...") so a long run of garbage does not flood the
/// terminal.
std::string terminal_safe(std::string_view text, std::size_t max_bytes = 1000);

}  // namespace ptrescue
