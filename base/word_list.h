// SPDX-License-Identifier: GPL-3.0-or-later
// Splitting a list that a user typed or a file holds ("soft,device,bus",
// "md5, sha256"): the one way options and sidecar fields are split.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ptrescue {

/// The items of `text` separated by `separator`, each trimmed of spaces and
/// tabs. Empty items are kept (so "a,,b" has an empty second item and a
/// caller can refuse it); an empty `text` gives no items.
std::vector<std::string> split_list(std::string_view text, char separator = ',');

/// The words of `line`, separated by runs of spaces and tabs.
std::vector<std::string_view> split_words(std::string_view line);

/// `text` without leading and trailing spaces, tabs, CR and LF.
std::string_view trim_blanks(std::string_view text);

}  // namespace ptrescue
